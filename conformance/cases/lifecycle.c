/* Conformance: the container lifecycle (create, start, stop, kill, pause,
 * rename, update, wait, remove, prune, list). */
#include "../conform.h"

#include <pthread.h>
#include <string.h>

#define RT conform_rt()

static const char *const SLEEP[] = {"sleep", "600", NULL};
static const char *const EXIT3[] = {"sh", "-c", "exit 3", NULL};
static const char *const TRAP_TERM[] = {"sh", "-c", "trap 'exit 143' TERM; while true; do sleep 1; done", NULL};

CONFORM_FREER(container_state)

static ctrt_container_state *state_of(const ctrt_container_id *id) {
  ctrt_container_state *state = NULL;
  if (!C_OK(ctrt_runtime_container_state(RT, &state, id)))
    return NULL;
  conform_defer(state, free_container_state);
  return state;
}

static void create_is_pending(void) {
  const ctrt_container_id *id = conform_new_id();
  if (!conform_create(id, NULL, SLEEP))
    return;
  ctrt_container_state *s = state_of(id);
  C_CHECK(s && s->kind == CTRT_CONTAINER_STATE_PENDING, "a created container is pending, got %s",
          s ? ctrt_container_state_kind_to_string(s->kind) : "nothing");
}

static void create_duplicate_conflicts(void) {
  const ctrt_container_id *id = conform_new_id();
  if (!conform_create(id, NULL, SLEEP))
    return;
  C_FAILS(CTRT_OP_CREATE_CONTAINER, ctrt_runtime_create_container(RT, id, conform_spec(SLEEP)), CTRT_ERROR_CONFLICT);
}

static void create_unknown_image(void) {
  const ctrt_container_id *id = conform_new_id();
  ctrt_service_spec *spec = conform_spec(SLEEP);
  free(spec->image.name);
  spec->image.name = strdup(conform_printf("%s/no-such-image:latest", "ctrt.invalid"));
  C_FAILS(CTRT_OP_CREATE_CONTAINER, ctrt_runtime_create_container(RT, id, spec), CTRT_ERROR_NOT_FOUND);
}

static void start_runs(void) {
  const ctrt_container_id *id = conform_new_id();
  if (!conform_run(id, NULL, SLEEP))
    return;
  ctrt_container_state *s = state_of(id);
  C_CHECK(s && s->kind == CTRT_CONTAINER_STATE_RUNNING, "a started container is running, got %s",
          s ? ctrt_container_state_kind_to_string(s->kind) : "nothing");
}

static void start_twice_succeeds(void) {
  const ctrt_container_id *id = conform_new_id();
  if (conform_run(id, NULL, SLEEP))
    C_OK(ctrt_runtime_start_container(RT, id));
}

static void start_missing_binary(void) {
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"/no/such/binary", NULL};
  if (!conform_create(id, NULL, argv))
    return;
  C_FAILS(CTRT_OP_START_CONTAINER, ctrt_runtime_start_container(RT, id), CTRT_ERROR_START_FAILED);
  ctrt_container_state *s = state_of(id);
  C_CHECK(s && s->kind == CTRT_CONTAINER_STATE_PENDING, "the container stays created after a failed start, got %s",
          s ? ctrt_container_state_kind_to_string(s->kind) : "nothing");
}

static void start_not_found(void) {
  C_FAILS(CTRT_OP_START_CONTAINER, ctrt_runtime_start_container(RT, conform_new_id()), CTRT_ERROR_NOT_FOUND);
}

static void exit_code_reported(void) {
  const ctrt_container_id *id = conform_new_id();
  int32_t code = -1;
  if (!conform_run(id, NULL, EXIT3) || !conform_wait(id, &code))
    return;
  C_EQ_INT(code, 3);
  ctrt_container_state *s = state_of(id);
  C_CHECK(s && s->kind == CTRT_CONTAINER_STATE_EXITED && s->exited.code == 3, "state exited{3}, got %s",
          s ? ctrt_container_state_kind_to_string(s->kind) : "nothing");
}

static void stop_kills_after_timeout(void) {
  /* sleep as pid 1 ignores SIGTERM, so stop has to SIGKILL it. */
  const ctrt_container_id *id = conform_new_id();
  if (!conform_run(id, NULL, SLEEP))
    return;
  uint64_t start = conform_now_ms();
  if (!C_OK(ctrt_runtime_stop_container(RT, id, 1)))
    return;
  uint64_t took = conform_now_ms() - start;
  C_CHECK(took >= 900 && took < 20000, "stop with a 1 s timeout took %llu ms", (unsigned long long)took);
  ctrt_container_state *s = state_of(id);
  C_CHECK(s && s->kind == CTRT_CONTAINER_STATE_EXITED && s->exited.code == 137, "stopped by SIGKILL: exited{137}");
}

static void stop_with_trap(void) {
  const ctrt_container_id *id = conform_new_id();
  if (!conform_run(id, NULL, TRAP_TERM) || !C_OK(ctrt_runtime_stop_container(RT, id, 30)))
    return;
  ctrt_container_state *s = state_of(id);
  C_CHECK(s && s->kind == CTRT_CONTAINER_STATE_EXITED && s->exited.code == 143, "a TERM trap exits 143, got %s %d",
          s ? ctrt_container_state_kind_to_string(s->kind) : "nothing",
          s && s->kind == CTRT_CONTAINER_STATE_EXITED ? s->exited.code : -1);
}

static void stop_twice_succeeds(void) {
  const ctrt_container_id *id = conform_new_id();
  int32_t code;
  if (conform_run(id, NULL, EXIT3) && conform_wait(id, &code))
    C_OK(ctrt_runtime_stop_container(RT, id, 1));
}

static void stop_created_succeeds(void) {
  const ctrt_container_id *id = conform_new_id();
  if (conform_create(id, NULL, SLEEP))
    C_OK(ctrt_runtime_stop_container(RT, id, 1));
}

static void remove_running(void) {
  const ctrt_container_id *id = conform_new_id();
  if (!conform_run(id, NULL, SLEEP) || !C_OK(ctrt_runtime_remove_container(RT, id)))
    return;
  ctrt_container_state *s = NULL;
  C_FAILS(CTRT_OP_CONTAINER_STATE, ctrt_runtime_container_state(RT, &s, id), CTRT_ERROR_NOT_FOUND);
}

static void remove_twice_not_found(void) {
  const ctrt_container_id *id = conform_new_id();
  if (conform_create(id, NULL, SLEEP) && C_OK(ctrt_runtime_remove_container(RT, id)))
    C_FAILS(CTRT_OP_REMOVE_CONTAINER, ctrt_runtime_remove_container(RT, id), CTRT_ERROR_NOT_FOUND);
}

static void restart_keeps_filesystem(void) {
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sh", "-c", "echo run >> /tmp/runs; cat /tmp/runs | wc -l", NULL};
  int32_t code;
  if (!conform_run(id, NULL, argv) || !conform_wait(id, &code) || !C_OK(ctrt_runtime_start_container(RT, id)) ||
      !conform_wait(id, &code))
    return;
  ctrt_log_entry_list *logs = NULL;
  if (!C_OK(ctrt_runtime_get_logs(RT, &logs, id)))
    return;
  C_CHECK(logs->n_items == 2 && strcmp(logs->items[1].message, "2") == 0,
          "the second run sees the first run's file (lines: %zu, last: %s)", logs->n_items,
          logs->n_items ? logs->items[logs->n_items - 1].message : "-");
  ctrt_log_entry_list_free(logs);
}

static void state_of_missing(void) {
  ctrt_container_state *s = NULL;
  C_FAILS(CTRT_OP_CONTAINER_STATE, ctrt_runtime_container_state(RT, &s, conform_new_id()), CTRT_ERROR_NOT_FOUND);
  C_TRUE(s == NULL);
}

/* ---- kill ---- */

static void kill_default_sigkill(void) {
  const ctrt_container_id *id = conform_new_id();
  int32_t code = -1;
  if (conform_run(id, NULL, SLEEP) && C_OK(ctrt_runtime_kill_container(RT, id, NULL)) && conform_wait(id, &code))
    C_EQ_INT(code, 137);
}

static void kill_signal_trapped(void) {
  const ctrt_container_id *id = conform_new_id();
  int32_t code = -1;
  if (conform_run(id, NULL, TRAP_TERM) && C_OK(ctrt_runtime_kill_container(RT, id, "term")) && conform_wait(id, &code))
    C_EQ_INT(code, 143);
}

static void kill_invalid_signal(void) {
  const ctrt_container_id *id = conform_new_id();
  if (!conform_run(id, NULL, SLEEP))
    return;
  C_FAILS(CTRT_OP_KILL_CONTAINER, ctrt_runtime_kill_container(RT, id, "SIGSEGV"), CTRT_ERROR_INVALID_SPEC);
  C_FAILS(CTRT_OP_KILL_CONTAINER, ctrt_runtime_kill_container(RT, id, "  "), CTRT_ERROR_INVALID_SPEC);
  ctrt_container_state *s = state_of(id);
  C_CHECK(s && s->kind == CTRT_CONTAINER_STATE_RUNNING, "a rejected kill leaves the container running");
}

static void kill_not_running(void) {
  const ctrt_container_id *id = conform_new_id();
  if (conform_create(id, NULL, SLEEP))
    C_FAILS(CTRT_OP_KILL_CONTAINER, ctrt_runtime_kill_container(RT, id, NULL), CTRT_ERROR_CONFLICT);
}

/* ---- pause ---- */

static void pause_and_unpause(void) {
  const ctrt_container_id *id = conform_new_id();
  if (!conform_run(id, NULL, SLEEP) || !C_OK(ctrt_runtime_pause_container(RT, id)))
    return;
  ctrt_container_state *s = state_of(id);
  C_CHECK(s && s->kind == CTRT_CONTAINER_STATE_RUNNING, "a paused container reports running");
  C_OK(ctrt_runtime_unpause_container(RT, id));
}

static void pause_twice_conflicts(void) {
  const ctrt_container_id *id = conform_new_id();
  if (conform_run(id, NULL, SLEEP) && C_OK(ctrt_runtime_pause_container(RT, id))) {
    C_FAILS(CTRT_OP_PAUSE_CONTAINER, ctrt_runtime_pause_container(RT, id), CTRT_ERROR_CONFLICT);
    C_OK(ctrt_runtime_unpause_container(RT, id));
  }
}

static void unpause_not_paused(void) {
  const ctrt_container_id *id = conform_new_id();
  if (conform_run(id, NULL, SLEEP))
    C_CHECK(ctrt_runtime_unpause_container(RT, id) < 0, "unpausing a running container that is not paused fails");
}

static void pause_not_running(void) {
  const ctrt_container_id *id = conform_new_id();
  if (conform_create(id, NULL, SLEEP))
    C_FAILS(CTRT_OP_PAUSE_CONTAINER, ctrt_runtime_pause_container(RT, id), CTRT_ERROR_CONFLICT);
}

static void paused_output_resumes(void) {
  /* A paused container's processes stop; after unpause they go on. */
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sh", "-c", "sleep 1; echo done", NULL};
  int32_t code = -1;
  if (!conform_run(id, NULL, argv) || !C_OK(ctrt_runtime_pause_container(RT, id)))
    return;
  conform_sleep_ms(1500);
  ctrt_container_state *s = state_of(id);
  C_CHECK(s && s->kind == CTRT_CONTAINER_STATE_RUNNING, "still running while paused");
  if (C_OK(ctrt_runtime_unpause_container(RT, id)) && conform_wait(id, &code))
    C_EQ_INT(code, 0);
}

/* ---- rename ---- */

static void rename_works(void) {
  const ctrt_container_id *id = conform_new_id();
  if (!conform_create(id, NULL, SLEEP))
    return;
  const char *name = conform_printf("renamed-%s-%s", conform_env_get()->run_token, id->service);
  if (!C_OK(ctrt_runtime_rename_container(RT, id, name)))
    return;
  /* The managed id still finds it. */
  C_OK(ctrt_runtime_start_container(RT, id));
}

static void rename_conflict(void) {
  const ctrt_container_id *a = conform_new_id(), *b = conform_new_id();
  if (!conform_create(a, NULL, SLEEP) || !conform_create(b, NULL, SLEEP))
    return;
  const char *name = conform_printf("taken-%s-%s", conform_env_get()->run_token, a->service);
  if (C_OK(ctrt_runtime_rename_container(RT, a, name)))
    C_FAILS(CTRT_OP_RENAME_CONTAINER, ctrt_runtime_rename_container(RT, b, name), CTRT_ERROR_CONFLICT);
}

static void rename_bad_names(void) {
  const ctrt_container_id *id = conform_new_id();
  if (!conform_create(id, NULL, SLEEP))
    return;
  static const char *const bad[] = {"", "x", "-leading-dash", "has space", "slash/name", "bang!"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    C_FAILS(CTRT_OP_RENAME_CONTAINER, ctrt_runtime_rename_container(RT, id, bad[i]), CTRT_ERROR_INVALID_SPEC);
}

static void rename_missing(void) {
  C_FAILS(CTRT_OP_RENAME_CONTAINER, ctrt_runtime_rename_container(RT, conform_new_id(), "valid-name"),
          CTRT_ERROR_NOT_FOUND);
}

/* ---- update ---- */

static void update_memory_limit_in_stats(void) {
  const ctrt_container_id *id = conform_sleeper();
  if (id == NULL)
    return;
  ctrt_container_resource_update update = CTRT_CONTAINER_RESOURCE_UPDATE_INIT;
  update.has_memory = update.has_memory_swap = true;
  update.memory = update.memory_swap = 64 * 1024 * 1024;
  update.has_pids_limit = true;
  update.pids_limit = 100;
  ctrt_container_update_outcome *outcome = NULL;
  if (!C_OK(ctrt_runtime_update_container_resources(RT, &outcome, id, &update)))
    return;
  ctrt_container_update_outcome_free(outcome);
  ctrt_container_stats *stats = NULL;
  if (C_OK(ctrt_runtime_get_container_stats(RT, &stats, id))) {
    C_EQ_INT(stats->memory_limit, 64 * 1024 * 1024);
    ctrt_container_stats_free(stats);
  }
}

static void update_kernel_memory_warns(void) {
  const ctrt_container_id *id = conform_sleeper();
  if (id == NULL)
    return;
  ctrt_container_resource_update update = CTRT_CONTAINER_RESOURCE_UPDATE_INIT;
  update.has_kernel_memory = true;
  update.kernel_memory = 32 * 1024 * 1024;
  ctrt_container_update_outcome *outcome = NULL;
  if (C_OK(ctrt_runtime_update_container_resources(RT, &outcome, id, &update))) {
    C_CHECK(outcome->n_warnings >= 1, "a deprecated kernel memory limit gives a warning");
    ctrt_container_update_outcome_free(outcome);
  }
}

static void update_too_small(void) {
  const ctrt_container_id *id = conform_sleeper();
  if (id == NULL)
    return;
  ctrt_container_resource_update update = CTRT_CONTAINER_RESOURCE_UPDATE_INIT;
  update.has_memory = true;
  update.memory = 1024 * 1024;
  ctrt_container_update_outcome *outcome = NULL;
  C_FAILS(CTRT_OP_UPDATE_CONTAINER_RESOURCES, ctrt_runtime_update_container_resources(RT, &outcome, id, &update),
          CTRT_ERROR_INVALID_SPEC);
}

static void update_empty_is_noop(void) {
  /* An empty update does nothing at all: not even an existence check. */
  ctrt_container_resource_update update = CTRT_CONTAINER_RESOURCE_UPDATE_INIT;
  ctrt_container_update_outcome *outcome = NULL;
  if (C_OK(ctrt_runtime_update_container_resources(RT, &outcome, conform_new_id(), &update))) {
    C_EQ_INT(outcome->n_warnings, 0);
    ctrt_container_update_outcome_free(outcome);
  }
}

static void update_restart_policy(void) {
  const ctrt_container_id *id = conform_sleeper();
  if (id == NULL)
    return;
  ctrt_container_restart_policy_update policy = CTRT_CONTAINER_RESTART_POLICY_UPDATE_INIT;
  policy.has_name = true;
  policy.name = CTRT_RESTART_POLICY_NAME_ON_FAILURE;
  policy.has_maximum_retry_count = true;
  policy.maximum_retry_count = 3;
  ctrt_container_resource_update update = CTRT_CONTAINER_RESOURCE_UPDATE_INIT;
  update.restart_policy = &policy;
  ctrt_container_update_outcome *outcome = NULL;
  if (C_OK(ctrt_runtime_update_container_resources(RT, &outcome, id, &update)))
    ctrt_container_update_outcome_free(outcome);
}

static void update_missing(void) {
  ctrt_container_resource_update update = CTRT_CONTAINER_RESOURCE_UPDATE_INIT;
  update.has_cpu_shares = true;
  update.cpu_shares = 512;
  ctrt_container_update_outcome *outcome = NULL;
  C_FAILS(CTRT_OP_UPDATE_CONTAINER_RESOURCES,
          ctrt_runtime_update_container_resources(RT, &outcome, conform_new_id(), &update), CTRT_ERROR_NOT_FOUND);
}

/* ---- wait ---- */

static void wait_created_returns(void) {
  const ctrt_container_id *id = conform_new_id();
  int32_t code = -1;
  if (conform_create(id, NULL, SLEEP) && conform_wait(id, &code))
    C_EQ_INT(code, 0);
}

static void wait_outcome_exited(void) {
  const ctrt_container_id *id = conform_new_id();
  ctrt_wait_outcome *o = NULL;
  if (!conform_run(id, NULL, EXIT3) || !C_OK(ctrt_runtime_wait_outcome(RT, &o, id)))
    return;
  C_EQ_INT(o->exit_code, 3);
  C_EQ_INT(o->reason, CTRT_WAIT_REASON_EXITED);
  C_TRUE(o->signal == NULL);
  ctrt_wait_outcome_free(o);
}

static void wait_outcome_signal(void) {
  const ctrt_container_id *id = conform_new_id();
  ctrt_wait_outcome *o = NULL;
  if (!conform_run(id, NULL, SLEEP) || !C_OK(ctrt_runtime_kill_container(RT, id, "SIGKILL")) ||
      !C_OK(ctrt_runtime_wait_outcome(RT, &o, id)))
    return;
  C_EQ_INT(o->exit_code, 137);
  C_EQ_INT(o->reason, CTRT_WAIT_REASON_SIGNAL);
  C_EQ_STR(o->signal, "SIGKILL");
  ctrt_wait_outcome_free(o);
}

static void wait_next_exit(void) {
  /* next-exit waits for the next exit even when the container has exited. */
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sh", "-c", "sleep 1; exit 5", NULL};
  int32_t code;
  if (!conform_run(id, NULL, argv) || !conform_wait(id, &code))
    return;
  if (!C_OK(ctrt_runtime_start_container(RT, id)))
    return;
  ctrt_wait_outcome *o = NULL;
  uint64_t start = conform_now_ms();
  if (C_OK(ctrt_runtime_wait_outcome_with_condition(RT, &o, id, CTRT_WAIT_CONDITION_NEXT_EXIT))) {
    C_EQ_INT(o->exit_code, 5);
    C_CHECK(conform_now_ms() - start >= 500, "next-exit waited for the second run");
    ctrt_wait_outcome_free(o);
  }
}

typedef struct remover {
  const ctrt_container_id *id;
  int rc;
} remover;

static void *remove_later(void *arg) {
  remover *r = arg;
  struct timespec ts = {0, 300 * 1000000};
  nanosleep(&ts, NULL);
  r->rc = ctrt_runtime_remove_container(conform_rt(), r->id);
  return NULL;
}

static void wait_removed(void) {
  const ctrt_container_id *id = conform_new_id();
  if (!conform_run(id, NULL, SLEEP))
    return;
  remover r = {id, 0};
  pthread_t t;
  pthread_create(&t, NULL, remove_later, &r);
  ctrt_wait_outcome *o = NULL;
  int rc = ctrt_runtime_wait_outcome_with_condition(RT, &o, id, CTRT_WAIT_CONDITION_REMOVED);
  pthread_join(t, NULL);
  C_OK(r.rc);
  if (C_OK(rc)) {
    C_EQ_INT(o->exit_code, 137);
    ctrt_wait_outcome_free(o);
  }
}

typedef struct waiter {
  const ctrt_container_id *id;
  int rc;
  int32_t code;
} waiter;

static void *wait_thread(void *arg) {
  waiter *w = arg;
  w->rc = ctrt_runtime_wait_container(conform_rt(), &w->code, w->id);
  return NULL;
}

static void wait_many_threads(void) {
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sh", "-c", "sleep 1; exit 7", NULL};
  if (!conform_run(id, NULL, argv))
    return;
  waiter w[6];
  pthread_t t[6];
  for (int i = 0; i < 6; i++) {
    w[i] = (waiter){id, -1, -1};
    pthread_create(&t[i], NULL, wait_thread, &w[i]);
  }
  for (int i = 0; i < 6; i++) {
    pthread_join(t[i], NULL);
    C_CHECK(w[i].rc == 0 && w[i].code == 7, "waiter %d: rc %d code %d", i, w[i].rc, (int)w[i].code);
  }
}

/* ---- prune and list ---- */

static bool listed(const ctrt_container_id *id) {
  ctrt_runtime_container_summary_list *list = NULL;
  char *display = NULL;
  bool found = false;
  if (C_OK(ctrt_runtime_list_containers(RT, &list)) && C_OK(ctrt_container_id_format(&display, id)))
    for (size_t i = 0; i < list->n_items; i++)
      found = found || (list->items[i].managed_id && strcmp(list->items[i].managed_id, display) == 0 &&
                        list->items[i].runtime_id && list->items[i].runtime_id[0]);
  ctrt_free(display);
  ctrt_runtime_container_summary_list_free(list);
  return found;
}

static void list_includes_stopped(void) {
  const ctrt_container_id *running = conform_sleeper(), *stopped = conform_new_id();
  int32_t code;
  if (running && conform_run(stopped, NULL, EXIT3) && conform_wait(stopped, &code)) {
    C_CHECK(listed(running), "a running container is listed with its managed id");
    C_CHECK(listed(stopped), "a stopped container is listed too");
  }
}

static void prune_removes_stopped(void) {
  const ctrt_container_id *running = conform_sleeper(), *stopped = conform_new_id();
  int32_t code;
  ctrt_container_prune_result *result = NULL;
  if (!running || !conform_run(stopped, NULL, EXIT3) || !conform_wait(stopped, &code) ||
      !C_OK(ctrt_runtime_prune_containers(RT, &result)))
    return;
  C_CHECK(result->n_deleted >= 1, "prune reports what it deleted");
  ctrt_container_prune_result_free(result);
  C_CHECK(!listed(stopped), "the stopped container is gone");
  C_CHECK(listed(running), "the running one is kept");
}

static const conform_case cases[] = {
    CONFORM_CASE("lifecycle.create_is_pending", create_is_pending, "A created container is pending.",
                 TESTS(CTRT_OP_CREATE_CONTAINER, CTRT_OP_CONTAINER_STATE)),
    CONFORM_CASE("lifecycle.create_duplicate_conflicts", create_duplicate_conflicts,
                 "Creating the same ContainerId twice is a conflict.", TESTS(CTRT_OP_CREATE_CONTAINER)),
    CONFORM_CASE("lifecycle.create_unknown_image", create_unknown_image, "An image that is not there: not found.",
                 TESTS(CTRT_OP_CREATE_CONTAINER)),
    CONFORM_CASE("lifecycle.start_runs", start_runs, "A started container is running.",
                 TESTS(CTRT_OP_CREATE_CONTAINER, CTRT_OP_START_CONTAINER, CTRT_OP_CONTAINER_STATE)),
    CONFORM_CASE("lifecycle.start_twice_succeeds", start_twice_succeeds,
                 "Starting a running container succeeds (Docker: 304).", TESTS(CTRT_OP_START_CONTAINER)),
    CONFORM_CASE("lifecycle.start_missing_binary", start_missing_binary,
                 "A command that does not exist fails the start and leaves the container created.",
                 TESTS(CTRT_OP_START_CONTAINER, CTRT_OP_CONTAINER_STATE)),
    CONFORM_CASE("lifecycle.start_not_found", start_not_found, "Starting an unknown container: not found.",
                 TESTS(CTRT_OP_START_CONTAINER)),
    CONFORM_CASE("lifecycle.exit_code_reported", exit_code_reported, "exit 3 is reported by wait and the state.",
                 TESTS(CTRT_OP_WAIT_CONTAINER, CTRT_OP_CONTAINER_STATE)),
    CONFORM_CASE("lifecycle.stop_kills_after_timeout", stop_kills_after_timeout,
                 "stop sends SIGTERM, then SIGKILL after the timeout (exit 137).",
                 TESTS(CTRT_OP_STOP_CONTAINER, CTRT_OP_CONTAINER_STATE)),
    CONFORM_CASE("lifecycle.stop_with_trap", stop_with_trap, "A process trapping TERM exits as it chooses (143).",
                 TESTS(CTRT_OP_STOP_CONTAINER, CTRT_OP_CONTAINER_STATE)),
    CONFORM_CASE("lifecycle.stop_twice_succeeds", stop_twice_succeeds, "Stopping an exited container succeeds.",
                 TESTS(CTRT_OP_STOP_CONTAINER)),
    CONFORM_CASE("lifecycle.stop_created_succeeds", stop_created_succeeds,
                 "Stopping a container that never started succeeds.", TESTS(CTRT_OP_STOP_CONTAINER)),
    CONFORM_CASE("lifecycle.remove_running", remove_running, "remove kills and removes a running container.",
                 TESTS(CTRT_OP_REMOVE_CONTAINER, CTRT_OP_CONTAINER_STATE)),
    CONFORM_CASE("lifecycle.remove_twice_not_found", remove_twice_not_found, "Removing twice: not found.",
                 TESTS(CTRT_OP_REMOVE_CONTAINER)),
    CONFORM_CASE("lifecycle.restart_keeps_filesystem", restart_keeps_filesystem,
                 "A restarted container keeps its files; logs accumulate.",
                 TESTS(CTRT_OP_START_CONTAINER, CTRT_OP_GET_LOGS)),
    CONFORM_CASE("lifecycle.state_of_missing", state_of_missing, "The state of an unknown container: not found.",
                 TESTS(CTRT_OP_CONTAINER_STATE)),
    CONFORM_CASE("lifecycle.kill_default_sigkill", kill_default_sigkill, "kill without a signal sends SIGKILL (137).",
                 TESTS(CTRT_OP_KILL_CONTAINER, CTRT_OP_WAIT_CONTAINER)),
    CONFORM_CASE("lifecycle.kill_signal_trapped", kill_signal_trapped,
                 "kill with \"term\" (canonicalised) reaches a trap: exit 143.",
                 TESTS(CTRT_OP_KILL_CONTAINER, CTRT_OP_WAIT_CONTAINER)),
    CONFORM_CASE("lifecycle.kill_invalid_signal", kill_invalid_signal,
                 "Signals outside the allowed set, and blank ones, are invalid.", TESTS(CTRT_OP_KILL_CONTAINER)),
    CONFORM_CASE("lifecycle.kill_not_running", kill_not_running, "Killing a created container is a conflict.",
                 TESTS(CTRT_OP_KILL_CONTAINER)),
    CONFORM_CASE("lifecycle.pause_and_unpause", pause_and_unpause, "pause then unpause; paused counts as running.",
                 TESTS(CTRT_OP_PAUSE_CONTAINER, CTRT_OP_UNPAUSE_CONTAINER)),
    CONFORM_CASE("lifecycle.pause_twice_conflicts", pause_twice_conflicts, "Pausing a paused container: conflict.",
                 TESTS(CTRT_OP_PAUSE_CONTAINER)),
    CONFORM_CASE("lifecycle.unpause_not_paused", unpause_not_paused, "Unpausing a container that is not paused fails.",
                 TESTS(CTRT_OP_UNPAUSE_CONTAINER)),
    CONFORM_CASE("lifecycle.pause_not_running", pause_not_running, "Pausing a created container: conflict.",
                 TESTS(CTRT_OP_PAUSE_CONTAINER)),
    CONFORM_CASE("lifecycle.paused_output_resumes", paused_output_resumes,
                 "A paused container's process resumes after unpause and exits normally.",
                 TESTS(CTRT_OP_PAUSE_CONTAINER, CTRT_OP_UNPAUSE_CONTAINER, CTRT_OP_WAIT_CONTAINER)),
    CONFORM_CASE("lifecycle.rename_works", rename_works, "Rename; the container is still found by its id.",
                 TESTS(CTRT_OP_RENAME_CONTAINER)),
    CONFORM_CASE("lifecycle.rename_conflict", rename_conflict, "A name already taken: conflict.",
                 TESTS(CTRT_OP_RENAME_CONTAINER)),
    CONFORM_CASE("lifecycle.rename_bad_names", rename_bad_names, "Malformed names are invalid before any call.",
                 TESTS(CTRT_OP_RENAME_CONTAINER)),
    CONFORM_CASE("lifecycle.rename_missing", rename_missing, "Renaming an unknown container: not found.",
                 TESTS(CTRT_OP_RENAME_CONTAINER)),
    CONFORM_CASE("lifecycle.update_memory_limit_in_stats", update_memory_limit_in_stats,
                 "A memory limit set by update shows in the stats.",
                 TESTS(CTRT_OP_UPDATE_CONTAINER_RESOURCES, CTRT_OP_GET_CONTAINER_STATS)),
    CONFORM_CASE("lifecycle.update_kernel_memory_warns", update_kernel_memory_warns,
                 "KernelMemory is accepted with a warning.", TESTS(CTRT_OP_UPDATE_CONTAINER_RESOURCES)),
    CONFORM_CASE("lifecycle.update_too_small", update_too_small, "A memory limit under 6 MB is invalid.",
                 TESTS(CTRT_OP_UPDATE_CONTAINER_RESOURCES)),
    CONFORM_CASE("lifecycle.update_empty_is_noop", update_empty_is_noop, "An all-absent update is a no-op.",
                 TESTS(CTRT_OP_UPDATE_CONTAINER_RESOURCES)),
    CONFORM_CASE("lifecycle.update_restart_policy", update_restart_policy, "A restart policy can be updated.",
                 TESTS(CTRT_OP_UPDATE_CONTAINER_RESOURCES)),
    CONFORM_CASE("lifecycle.update_missing", update_missing, "Updating an unknown container: not found.",
                 TESTS(CTRT_OP_UPDATE_CONTAINER_RESOURCES)),
    CONFORM_CASE("lifecycle.wait_created_returns", wait_created_returns,
                 "Waiting on a created container returns at once (not running).", TESTS(CTRT_OP_WAIT_CONTAINER)),
    CONFORM_CASE("lifecycle.wait_outcome_exited", wait_outcome_exited, "wait_outcome of exit 3: exited, no signal.",
                 TESTS(CTRT_OP_WAIT_OUTCOME)),
    CONFORM_CASE("lifecycle.wait_outcome_signal", wait_outcome_signal, "wait_outcome of a SIGKILL: signal SIGKILL.",
                 TESTS(CTRT_OP_WAIT_OUTCOME, CTRT_OP_KILL_CONTAINER)),
    CONFORM_CASE("lifecycle.wait_next_exit", wait_next_exit, "next-exit waits for the next run's exit.",
                 TESTS(CTRT_OP_WAIT_OUTCOME_WITH_CONDITION)),
    CONFORM_CASE("lifecycle.wait_removed", wait_removed, "removed returns once another thread removes it.",
                 TESTS(CTRT_OP_WAIT_OUTCOME_WITH_CONDITION, CTRT_OP_REMOVE_CONTAINER)),
    CONFORM_CASE("lifecycle.wait_many_threads", wait_many_threads, "Six threads wait on one container.",
                 TESTS(CTRT_OP_WAIT_CONTAINER)),
    CONFORM_CASE("lifecycle.list_includes_stopped", list_includes_stopped,
                 "list_containers shows running and stopped containers with their managed ids.",
                 TESTS(CTRT_OP_LIST_CONTAINERS)),
    CONFORM_CASE("lifecycle.prune_removes_stopped", prune_removes_stopped,
                 "prune_containers removes stopped containers only.",
                 TESTS(CTRT_OP_PRUNE_CONTAINERS, CTRT_OP_LIST_CONTAINERS)),
};

const conform_area conform_area_lifecycle = CONFORM_AREA("lifecycle", cases);
