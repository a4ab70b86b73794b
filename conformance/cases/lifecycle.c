/* SPDX-License-Identifier: MIT */
/* Conformance: the container lifecycle (create, start, stop, kill, pause,
 * rename, update, wait, remove, prune, list). */
#include "../conform.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#define RT conform_rt()

static const char *const SLEEP[] = {"sleep", "600", NULL};
static const char *const EXIT3[] = {"sh", "-c", "exit 3", NULL};
/* Traps TERM, then says so by creating /tmp/ready (see await_file). */
static const char *const TRAP_TERM[] = {"sh", "-c",
                                        "trap 'exit 143' TERM; touch /tmp/ready; while true; do sleep 0.1; done", NULL};
/* Runs until /tmp/go exists (created by the case through exec). */
static const char *const UNTIL_GO[] = {"sh", "-c", CONFORM_WAIT_GO "echo done", NULL};

/* Generous bound for polls: they end as soon as the state is seen, the bound
 * only turns a hang into a failure (valgrind is slow). */
#define POLL_LIMIT_MS 60000u

CONFORM_FREER(container_state)

static ctrt_container_state *state_of(const ctrt_container_id *id) {
  ctrt_container_state *state = NULL;
  if (!C_OK(ctrt_runtime_container_state(RT, &state, id)))
    return NULL;
  conform_defer(state, free_container_state);
  return state;
}

/* Until the file exists in the running container (exec `test -e`). */
static bool await_file(const ctrt_container_id *id, const char *path) {
  const char *const argv[] = {"test", "-e", path};
  uint64_t start = conform_now_ms();
  for (unsigned pause = 10;; pause = pause < 200 ? pause * 2 : 200) {
    ctrt_exec_result *r = NULL;
    int rc = ctrt_runtime_exec(RT, &r, id, argv, 3);
    bool there = rc == 0 && r->exit_code == 0;
    ctrt_exec_result_free(r);
    if (there)
      return true;
    if (conform_now_ms() - start > POLL_LIMIT_MS)
      return C_CHECK(false, "%s did not appear in the container", path);
    conform_sleep_ms(pause);
  }
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
  spec->image.pull_policy = CTRT_PULL_POLICY_NEVER; /* no registry asked: at once */
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
  C_CHECK(took >= 900, "stop waited for the 1 s timeout (%llu ms)", (unsigned long long)took);
  ctrt_container_state *s = state_of(id);
  C_CHECK(s && s->kind == CTRT_CONTAINER_STATE_EXITED && s->exited.code == 137, "stopped by SIGKILL: exited{137}");
}

static void stop_with_trap(void) {
  const ctrt_container_id *id = conform_new_id();
  if (!conform_run(id, NULL, TRAP_TERM) || !await_file(id, "/tmp/ready") ||
      !C_OK(ctrt_runtime_stop_container(RT, id, 30)))
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
  if (!C_OK(ctrt_runtime_get_logs(RT, &logs, id, CONFORM_ALL_LOGS)))
    return;
  C_CHECK(logs->n_items == 2 && strcmp(logs->items[1].message, "2") == 0,
          "the second run sees the first run's file (lines: %zu, last: %s)", logs->n_items,
          logs->n_items ? logs->items[logs->n_items - 1].message : "-");
  ctrt_log_entry_list_free(logs);
}

/* Each run's output is in the log once wait returned, its last text
 * without a newline and its exit code included (the cri backend's
 * restarted runs write their log through a logger of their own). */
static void restart_logs_whole_output(void) {
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sh", "-c", "echo run; printf end; exit 3", NULL};
  int32_t code = -1;
  if (!conform_run(id, NULL, argv) || !conform_wait(id, &code) || !C_EQ_INT(code, 3) ||
      !C_OK(ctrt_runtime_start_container(RT, id)) || !conform_wait(id, &code) || !C_EQ_INT(code, 3))
    return;
  ctrt_log_entry_list *logs = NULL;
  if (!C_OK(ctrt_runtime_get_logs(RT, &logs, id, CONFORM_ALL_LOGS)))
    return;
  C_CHECK(logs->n_items == 4 && strcmp(logs->items[2].message, "run") == 0 &&
              strcmp(logs->items[3].message, "end") == 0,
          "both runs' output is in the log after wait (lines: %zu, last: %s)", logs->n_items,
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
  if (conform_run(id, NULL, TRAP_TERM) && await_file(id, "/tmp/ready") &&
      C_OK(ctrt_runtime_kill_container(RT, id, "term")) && conform_wait(id, &code))
    C_EQ_INT(code, 143);
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
    C_FAILS(CTRT_OP_UNPAUSE_CONTAINER, ctrt_runtime_unpause_container(RT, id), CTRT_ERROR_CONFLICT);
}

static void pause_not_running(void) {
  const ctrt_container_id *id = conform_new_id();
  if (conform_create(id, NULL, SLEEP))
    C_FAILS(CTRT_OP_PAUSE_CONTAINER, ctrt_runtime_pause_container(RT, id), CTRT_ERROR_CONFLICT);
}

static void paused_output_resumes(void) {
  /* A paused container's process goes on after unpause and exits normally. */
  const ctrt_container_id *id = conform_new_id();
  int32_t code = -1;
  if (!conform_run(id, NULL, UNTIL_GO) || !C_OK(ctrt_runtime_pause_container(RT, id)))
    return;
  ctrt_container_state *s = state_of(id);
  C_CHECK(s && s->kind == CTRT_CONTAINER_STATE_RUNNING, "still running while paused");
  if (!C_OK(ctrt_runtime_unpause_container(RT, id)) || !conform_release(id, "/tmp/go") || !conform_wait(id, &code))
    return;
  C_EQ_INT(code, 0);
  ctrt_log_entry_list *logs = NULL;
  if (C_OK(ctrt_runtime_get_logs(RT, &logs, id, CONFORM_ALL_LOGS))) {
    C_CHECK(logs->n_items == 1 && strcmp(logs->items[0].message, "done") == 0, "the loop ran to its end");
    ctrt_log_entry_list_free(logs);
  }
}

static void pause_blocks_exec(void) {
  /* Nothing runs in a paused container: exec is refused until unpause. */
  const ctrt_container_id *id = conform_sleeper();
  static const char *const argv[] = {"true"};
  ctrt_exec_result *r = NULL;
  if (id == NULL || !C_OK(ctrt_runtime_pause_container(RT, id)))
    return;
  C_FAILS(CTRT_OP_EXEC, ctrt_runtime_exec(RT, &r, id, argv, 1), CTRT_ERROR_CONFLICT);
  if (C_OK(ctrt_runtime_unpause_container(RT, id)) && C_OK(ctrt_runtime_exec(RT, &r, id, argv, 1))) {
    C_EQ_INT(r->exit_code, 0);
    ctrt_exec_result_free(r);
  }
}

static void unpause_created(void) {
  const ctrt_container_id *id = conform_new_id();
  if (conform_create(id, NULL, SLEEP))
    C_FAILS(CTRT_OP_UNPAUSE_CONTAINER, ctrt_runtime_unpause_container(RT, id), CTRT_ERROR_CONFLICT);
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

static void rename_frees_old_name(void) {
  /* A renamed container gives up its old name: another can take it. */
  const ctrt_container_id *a = conform_new_id(), *b = conform_new_id();
  if (!conform_create(a, NULL, SLEEP) || !conform_create(b, NULL, SLEEP))
    return;
  const char *first = conform_printf("first-%s-%s", conform_env_get()->run_token, a->service);
  const char *second = conform_printf("second-%s-%s", conform_env_get()->run_token, a->service);
  if (C_OK(ctrt_runtime_rename_container(RT, a, first)) && C_OK(ctrt_runtime_rename_container(RT, a, second)))
    C_OK(ctrt_runtime_rename_container(RT, b, first));
  /* Both are still found by their ids. */
  C_OK(ctrt_runtime_start_container(RT, a));
  C_OK(ctrt_runtime_start_container(RT, b));
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
  ctrt_container_update_outcome_free(outcome); /* an engine that accepts it answers one */
}

static void update_restart_policy(void) {
  /* Accepted, but not read back: no method reports a container's restart
   * policy (ContainerInspectDetails has no field for it), and its only
   * effect, a restart after a failing exit, is not emulated by the mock. */
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

typedef struct cond_waiter {
  const ctrt_container_id *id;
  ctrt_wait_condition condition;
  int rc;
  ctrt_error_kind kind;
  ctrt_wait_outcome *outcome;
  _Atomic bool done;
} cond_waiter;

static void *wait_with_condition(void *arg) {
  cond_waiter *w = arg;
  w->rc = ctrt_runtime_wait_outcome_with_condition(conform_rt(), &w->outcome, w->id, w->condition);
  w->kind = ctrt_error_last()->kind;
  atomic_store(&w->done, true);
  return NULL;
}

static void wait_next_exit(void) {
  /* next-exit on an exited container waits for the exit of a later run,
   * not the one it already had. The first run exits 4, every later one 5;
   * the container is started again until the waiter returns (it may begin
   * waiting after a run has already ended), so nothing depends on timing. */
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sh", "-c", "if [ -e /ran ]; then exit 5; fi; touch /ran; exit 4", NULL};
  int32_t code = -1;
  if (!conform_run(id, NULL, argv) || !conform_wait(id, &code) || !C_EQ_INT(code, 4))
    return;
  cond_waiter w = {.id = id, .condition = CTRT_WAIT_CONDITION_NEXT_EXIT};
  pthread_t t;
  pthread_create(&t, NULL, wait_with_condition, &w);
  uint64_t start = conform_now_ms();
  while (!atomic_load(&w.done) && conform_now_ms() - start < POLL_LIMIT_MS) {
    if (!C_OK(ctrt_runtime_start_container(RT, id)) || !conform_wait(id, &code) || !C_EQ_INT(code, 5))
      break;
    for (int i = 0; i < 20 && !atomic_load(&w.done); i++)
      conform_sleep_ms(10);
  }
  if (!atomic_load(&w.done)) /* a broken backend: end the waiter */
    ctrt_runtime_remove_container(RT, id);
  pthread_join(t, NULL);
  C_CHECK(w.rc == 0, "next-exit returned %s", w.rc == 0 ? "ok" : ctrt_error_kind_name(w.kind));
  if (w.rc == 0)
    C_CHECK(w.outcome->exit_code == 5, "next-exit gave a later run's exit (5), not the earlier one (got %d)",
            (int)w.outcome->exit_code);
  ctrt_wait_outcome_free(w.outcome);
}

static void wait_not_running(void) {
  /* not-running on a running container waits for its exit. */
  const ctrt_container_id *id = conform_new_id();
  ctrt_wait_outcome *o = NULL;
  if (!conform_run(id, NULL, UNTIL_GO))
    return;
  cond_waiter w = {.id = id, .condition = CTRT_WAIT_CONDITION_NOT_RUNNING};
  pthread_t t;
  pthread_create(&t, NULL, wait_with_condition, &w);
  bool go = conform_release(id, "/tmp/go");
  if (!go)
    ctrt_runtime_remove_container(RT, id);
  pthread_join(t, NULL);
  if (go && C_CHECK(w.rc == 0, "not-running returned %s", w.rc == 0 ? "ok" : ctrt_error_kind_name(w.kind))) {
    C_EQ_INT(w.outcome->exit_code, 0);
    C_EQ_INT(w.outcome->reason, CTRT_WAIT_REASON_EXITED);
  }
  ctrt_wait_outcome_free(w.outcome);
  /* On an exited container it returns at once with the same code. */
  if (go && C_OK(ctrt_runtime_wait_outcome_with_condition(RT, &o, id, CTRT_WAIT_CONDITION_NOT_RUNNING))) {
    C_EQ_INT(o->exit_code, 0);
    ctrt_wait_outcome_free(o);
  }
}

static void wait_removed(void) {
  /* removed returns once the container is removed. The waiter has to be
   * waiting before the removal (else: not found), which nothing shows from
   * outside; a lost race is retried with a new container and a later
   * removal, so only a backend that never returns fails. */
  for (unsigned delay = 20; delay <= 5120; delay *= 4) {
    const ctrt_container_id *id = conform_new_id();
    if (!conform_run(id, NULL, SLEEP))
      return;
    cond_waiter w = {.id = id, .condition = CTRT_WAIT_CONDITION_REMOVED};
    pthread_t t;
    pthread_create(&t, NULL, wait_with_condition, &w);
    conform_sleep_ms(delay);
    bool early = atomic_load(&w.done);
    int rc = ctrt_runtime_remove_container(RT, id);
    pthread_join(t, NULL);
    if (!early && w.rc == CTRT_ENOT_FOUND && rc == 0) {
      ctrt_wait_outcome_free(w.outcome);
      continue; /* removed before the wait began: try again, later */
    }
    C_CHECK(!early, "removed returned before the removal (%s)", w.rc == 0 ? "ok" : ctrt_error_kind_name(w.kind));
    C_CHECK(rc == 0, "the removal succeeds");
    if (C_CHECK(w.rc == 0, "removed returned %s", w.rc == 0 ? "ok" : ctrt_error_kind_name(w.kind)))
      C_EQ_INT(w.outcome->exit_code, 137);
    ctrt_wait_outcome_free(w.outcome);
    return;
  }
  C_CHECK(false, "the wait for removed never began before the removal");
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
  static const char *const argv[] = {"sh", "-c", CONFORM_WAIT_GO "exit 7", NULL};
  if (!conform_run(id, NULL, argv))
    return;
  waiter w[6];
  pthread_t t[6];
  for (int i = 0; i < 6; i++) {
    w[i] = (waiter){id, -1, -1};
    pthread_create(&t[i], NULL, wait_thread, &w[i]);
  }
  if (!conform_release(id, "/tmp/go"))
    ctrt_runtime_remove_container(RT, id);
  for (int i = 0; i < 6; i++) {
    pthread_join(t[i], NULL);
    C_CHECK(w[i].rc == 0 && w[i].code == 7, "waiter %d: rc %d code %d", i, w[i].rc, (int)w[i].code);
  }
}

static void wait_outcome_finished_at(void) {
  const ctrt_container_id *id = conform_new_id();
  ctrt_wait_outcome *o = NULL;
  if (!conform_run(id, NULL, EXIT3) || !C_OK(ctrt_runtime_wait_outcome(RT, &o, id)))
    return;
  C_CHECK(o->has_finished_at && o->finished_at.seconds > 1700000000, "the outcome says when it finished");
  ctrt_wait_outcome_free(o);
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

/* ---- more kills, removals, updates ---- */

static void kill_usr1_trapped(void) {
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sh", "-c",
                                     "trap 'exit 10' USR1; touch /tmp/ready; while true; do sleep 0.1; done", NULL};
  int32_t code = -1;
  if (conform_run(id, NULL, argv) && await_file(id, "/tmp/ready") &&
      C_OK(ctrt_runtime_kill_container(RT, id, "usr1")) && conform_wait(id, &code))
    C_EQ_INT(code, 10);
}

static void kill_exited_conflicts(void) {
  const ctrt_container_id *id = conform_new_id();
  int32_t code;
  if (conform_run(id, NULL, EXIT3) && conform_wait(id, &code))
    C_FAILS(CTRT_OP_KILL_CONTAINER, ctrt_runtime_kill_container(RT, id, NULL), CTRT_ERROR_CONFLICT);
}

static void kill_state_exited(void) {
  const ctrt_container_id *id = conform_new_id();
  int32_t code;
  if (!conform_run(id, NULL, SLEEP) || !C_OK(ctrt_runtime_kill_container(RT, id, NULL)) || !conform_wait(id, &code))
    return;
  ctrt_container_state *s = state_of(id);
  C_CHECK(s && s->kind == CTRT_CONTAINER_STATE_EXITED && s->exited.code == 137, "a killed container is exited{137}");
}

static void remove_created(void) {
  const ctrt_container_id *id = conform_new_id();
  if (!conform_create(id, NULL, SLEEP) || !C_OK(ctrt_runtime_remove_container(RT, id)))
    return;
  ctrt_container_state *s = NULL;
  C_FAILS(CTRT_OP_CONTAINER_STATE, ctrt_runtime_container_state(RT, &s, id), CTRT_ERROR_NOT_FOUND);
  /* The ContainerId is free again. */
  C_TRUE(conform_create(id, NULL, SLEEP));
}

static void update_exited(void) {
  /* A container that is not running can be updated too. */
  const ctrt_container_id *id = conform_new_id();
  int32_t code;
  if (!conform_run(id, NULL, EXIT3) || !conform_wait(id, &code))
    return;
  ctrt_container_resource_update update = CTRT_CONTAINER_RESOURCE_UPDATE_INIT;
  update.has_cpu_shares = true;
  update.cpu_shares = 512;
  ctrt_container_update_outcome *outcome = NULL;
  if (C_OK(ctrt_runtime_update_container_resources(RT, &outcome, id, &update)))
    ctrt_container_update_outcome_free(outcome);
}

static void update_negative_retry_count(void) {
  const ctrt_container_id *id = conform_sleeper();
  if (id == NULL)
    return;
  ctrt_container_restart_policy_update policy = CTRT_CONTAINER_RESTART_POLICY_UPDATE_INIT;
  policy.has_name = true;
  policy.name = CTRT_RESTART_POLICY_NAME_ON_FAILURE;
  policy.has_maximum_retry_count = true;
  policy.maximum_retry_count = -1;
  ctrt_container_resource_update update = CTRT_CONTAINER_RESOURCE_UPDATE_INIT;
  update.restart_policy = &policy;
  ctrt_container_update_outcome *outcome = NULL;
  C_FAILS(CTRT_OP_UPDATE_CONTAINER_RESOURCES, ctrt_runtime_update_container_resources(RT, &outcome, id, &update),
          CTRT_ERROR_INVALID_SPEC);
}

static void list_after_remove(void) {
  const ctrt_container_id *id = conform_new_id();
  if (!conform_create(id, NULL, SLEEP))
    return;
  C_CHECK(listed(id), "a created container is listed");
  if (C_OK(ctrt_runtime_remove_container(RT, id)))
    C_CHECK(!listed(id), "a removed one is not");
}

static void prune_reports_ids(void) {
  /* What prune deleted is named by the runtime ids list_containers gives. */
  const ctrt_container_id *stopped = conform_new_id();
  int32_t code;
  if (!conform_run(stopped, NULL, EXIT3) || !conform_wait(stopped, &code))
    return;
  ctrt_runtime_container_summary_list *list = NULL;
  char *display = NULL, *runtime_id = NULL;
  if (C_OK(ctrt_runtime_list_containers(RT, &list)) && C_OK(ctrt_container_id_format(&display, stopped)))
    for (size_t i = 0; i < list->n_items; i++)
      if (list->items[i].managed_id && strcmp(list->items[i].managed_id, display) == 0)
        runtime_id = conform_printf("%s", list->items[i].runtime_id ? list->items[i].runtime_id : "");
  ctrt_free(display);
  ctrt_runtime_container_summary_list_free(list);
  ctrt_container_prune_result *result = NULL;
  if (!C_CHECK(runtime_id != NULL, "the stopped container is listed") ||
      !C_OK(ctrt_runtime_prune_containers(RT, &result)))
    return;
  bool named = false;
  for (size_t i = 0; i < result->n_deleted; i++)
    named = named || strcmp(result->deleted[i], runtime_id) == 0;
  C_CHECK(named, "prune names %.12s among %zu deleted", runtime_id, result->n_deleted);
  ctrt_container_prune_result_free(result);
  ctrt_container_state *s = NULL;
  C_FAILS(CTRT_OP_CONTAINER_STATE, ctrt_runtime_container_state(RT, &s, stopped), CTRT_ERROR_NOT_FOUND);
}

static void stop_timeout_zero(void) {
  /* A zero timeout: SIGKILL straight after SIGTERM (sh, then sleep, as pid 1
   * ignore TERM), so the container ends killed. Stopped only once the
   * command runs: start can return while pid 1 is still the runtime's init
   * (runc's is Go, which exits 2 on TERM; docker CI once saw this case fail
   * right after start). */
  static const char *const argv[] = {"sh", "-c", "touch /tmp/ready; exec sleep 600", NULL};
  const ctrt_container_id *id = conform_new_id();
  if (!conform_run(id, NULL, argv) || !await_file(id, "/tmp/ready") || !C_OK(ctrt_runtime_stop_container(RT, id, 0)))
    return;
  ctrt_container_state *s = state_of(id);
  C_CHECK(s && s->kind == CTRT_CONTAINER_STATE_EXITED && s->exited.code == 137,
          "stopped by SIGKILL: exited{137}, got %s{%d}", s ? ctrt_container_state_kind_to_string(s->kind) : "nothing",
          s && s->kind == CTRT_CONTAINER_STATE_EXITED ? (int)s->exited.code : -1);
}

static void rename_running(void) {
  /* A running container can be renamed and keeps running. */
  const ctrt_container_id *id = conform_sleeper();
  if (id == NULL || !C_OK(ctrt_runtime_rename_container(
                        RT, id, conform_printf("running-%s-%s", conform_env_get()->run_token, id->service))))
    return;
  ctrt_container_state *s = state_of(id);
  C_CHECK(s && s->kind == CTRT_CONTAINER_STATE_RUNNING, "still running after the rename");
}

static void pause_exited_conflicts(void) {
  const ctrt_container_id *id = conform_new_id();
  int32_t code;
  if (conform_run(id, NULL, EXIT3) && conform_wait(id, &code))
    C_FAILS(CTRT_OP_PAUSE_CONTAINER, ctrt_runtime_pause_container(RT, id), CTRT_ERROR_CONFLICT);
}

#define CREATE CTRT_OP_CREATE_CONTAINER
#define START CTRT_OP_START_CONTAINER
#define STATE CTRT_OP_CONTAINER_STATE
#define WAIT CTRT_OP_WAIT_CONTAINER
/* conform_run and conform_sleeper. */
#define RUN CREATE, START

static const conform_case cases[] = {
    CONFORM_CASE("lifecycle.create_is_pending", create_is_pending, "A created container is pending.", TESTS(CREATE),
                 USES(STATE)),
    CONFORM_CASE("lifecycle.create_duplicate_conflicts", create_duplicate_conflicts,
                 "Creating the same ContainerId twice is a conflict.", TESTS(CREATE)),
    CONFORM_CASE("lifecycle.create_unknown_image", create_unknown_image,
                 "An image that is not there, under pull_policy never: not found.", TESTS(CREATE)),
    CONFORM_CASE("lifecycle.start_runs", start_runs, "A started container is running.", TESTS(START),
                 USES(CREATE, STATE)),
    CONFORM_CASE("lifecycle.start_twice_succeeds", start_twice_succeeds,
                 "Starting a running container succeeds (Docker: 304).", TESTS(START), USES(CREATE)),
    CONFORM_CASE("lifecycle.start_missing_binary", start_missing_binary,
                 "A command that does not exist fails the start and leaves the container created.", TESTS(START),
                 USES(CREATE, STATE)),
    CONFORM_CASE("lifecycle.start_not_found", start_not_found, "Starting an unknown container: not found.",
                 TESTS(START)),
    CONFORM_CASE("lifecycle.exit_code_reported", exit_code_reported, "exit 3 is reported by wait and the state.",
                 TESTS(WAIT, STATE), USES(RUN)),
    CONFORM_CASE("lifecycle.stop_kills_after_timeout", stop_kills_after_timeout,
                 "stop sends SIGTERM, then SIGKILL after the timeout (exit 137).", TESTS(CTRT_OP_STOP_CONTAINER),
                 USES(RUN, STATE), SLOW),
    CONFORM_CASE("lifecycle.stop_with_trap", stop_with_trap, "A process trapping TERM exits as it chooses (143).",
                 TESTS(CTRT_OP_STOP_CONTAINER), USES(RUN, STATE, CTRT_OP_EXEC)),
    CONFORM_CASE("lifecycle.stop_timeout_zero", stop_timeout_zero, "stop with a zero timeout kills at once (137).",
                 TESTS(CTRT_OP_STOP_CONTAINER), USES(RUN, STATE, CTRT_OP_EXEC)),
    CONFORM_CASE("lifecycle.stop_twice_succeeds", stop_twice_succeeds, "Stopping an exited container succeeds.",
                 TESTS(CTRT_OP_STOP_CONTAINER), USES(RUN, WAIT)),
    CONFORM_CASE("lifecycle.stop_created_succeeds", stop_created_succeeds,
                 "Stopping a container that never started succeeds.", TESTS(CTRT_OP_STOP_CONTAINER), USES(CREATE)),
    CONFORM_CASE("lifecycle.remove_running", remove_running, "remove kills and removes a running container.",
                 TESTS(CTRT_OP_REMOVE_CONTAINER), USES(RUN, STATE)),
    CONFORM_CASE("lifecycle.remove_created", remove_created, "remove of a created container frees its ContainerId.",
                 TESTS(CTRT_OP_REMOVE_CONTAINER), USES(CREATE, STATE)),
    CONFORM_CASE("lifecycle.remove_twice_not_found", remove_twice_not_found, "Removing twice: not found.",
                 TESTS(CTRT_OP_REMOVE_CONTAINER), USES(CREATE)),
    CONFORM_CASE("lifecycle.restart_keeps_filesystem", restart_keeps_filesystem,
                 "A restarted container keeps its files; logs accumulate.", TESTS(START),
                 USES(CREATE, WAIT, CTRT_OP_GET_LOGS)),
    CONFORM_CASE("lifecycle.restart_logs_whole_output", restart_logs_whole_output,
                 "After wait, each run's output, a last text without newline included, is in the log.", TESTS(START),
                 USES(CREATE, WAIT, CTRT_OP_GET_LOGS)),
    CONFORM_CASE("lifecycle.state_of_missing", state_of_missing, "The state of an unknown container: not found.",
                 TESTS(STATE)),
    CONFORM_CASE("lifecycle.kill_default_sigkill", kill_default_sigkill, "kill without a signal sends SIGKILL (137).",
                 TESTS(CTRT_OP_KILL_CONTAINER), USES(RUN, WAIT)),
    CONFORM_CASE("lifecycle.kill_signal_trapped", kill_signal_trapped,
                 "kill with \"term\" (canonicalised) reaches a trap: exit 143.", TESTS(CTRT_OP_KILL_CONTAINER),
                 USES(RUN, WAIT, CTRT_OP_EXEC)),
    CONFORM_CASE("lifecycle.kill_usr1_trapped", kill_usr1_trapped, "kill with \"usr1\" reaches a USR1 trap.",
                 TESTS(CTRT_OP_KILL_CONTAINER), USES(RUN, WAIT, CTRT_OP_EXEC)),
    CONFORM_CASE("lifecycle.kill_state_exited", kill_state_exited, "A killed container's state is exited{137}.",
                 TESTS(CTRT_OP_KILL_CONTAINER), USES(RUN, WAIT, STATE)),
    CONFORM_CASE("lifecycle.kill_not_running", kill_not_running, "Killing a created container is a conflict.",
                 TESTS(CTRT_OP_KILL_CONTAINER), USES(CREATE)),
    CONFORM_CASE("lifecycle.kill_exited_conflicts", kill_exited_conflicts, "Killing an exited container: conflict.",
                 TESTS(CTRT_OP_KILL_CONTAINER), USES(RUN, WAIT)),
    CONFORM_CASE("lifecycle.pause_and_unpause", pause_and_unpause, "pause then unpause; paused counts as running.",
                 TESTS(CTRT_OP_PAUSE_CONTAINER, CTRT_OP_UNPAUSE_CONTAINER), USES(RUN, STATE)),
    CONFORM_CASE("lifecycle.pause_twice_conflicts", pause_twice_conflicts, "Pausing a paused container: conflict.",
                 TESTS(CTRT_OP_PAUSE_CONTAINER), USES(RUN, CTRT_OP_UNPAUSE_CONTAINER)),
    CONFORM_CASE("lifecycle.unpause_not_paused", unpause_not_paused,
                 "Unpausing a running container that is not paused: conflict.", TESTS(CTRT_OP_UNPAUSE_CONTAINER),
                 USES(RUN)),
    CONFORM_CASE("lifecycle.unpause_created", unpause_created, "Unpausing a created container: conflict.",
                 TESTS(CTRT_OP_UNPAUSE_CONTAINER), USES(CREATE)),
    CONFORM_CASE("lifecycle.pause_not_running", pause_not_running, "Pausing a created container: conflict.",
                 TESTS(CTRT_OP_PAUSE_CONTAINER), USES(CREATE)),
    CONFORM_CASE("lifecycle.pause_exited_conflicts", pause_exited_conflicts, "Pausing an exited container: conflict.",
                 TESTS(CTRT_OP_PAUSE_CONTAINER), USES(RUN, WAIT)),
    CONFORM_CASE("lifecycle.pause_blocks_exec", pause_blocks_exec,
                 "Nothing runs in a paused container: exec is refused until unpause.",
                 TESTS(CTRT_OP_PAUSE_CONTAINER, CTRT_OP_UNPAUSE_CONTAINER), USES(RUN, CTRT_OP_EXEC)),
    CONFORM_CASE("lifecycle.paused_output_resumes", paused_output_resumes,
                 "A paused container's process resumes after unpause and exits normally.",
                 TESTS(CTRT_OP_PAUSE_CONTAINER, CTRT_OP_UNPAUSE_CONTAINER),
                 USES(RUN, STATE, WAIT, CTRT_OP_EXEC, CTRT_OP_GET_LOGS)),
    CONFORM_CASE("lifecycle.rename_works", rename_works, "Rename; the container is still found by its id.",
                 TESTS(CTRT_OP_RENAME_CONTAINER), USES(CREATE, START)),
    CONFORM_CASE("lifecycle.rename_conflict", rename_conflict, "A name already taken: conflict.",
                 TESTS(CTRT_OP_RENAME_CONTAINER), USES(CREATE)),
    CONFORM_CASE("lifecycle.rename_frees_old_name", rename_frees_old_name,
                 "A renamed container gives up its old name to another.", TESTS(CTRT_OP_RENAME_CONTAINER),
                 USES(CREATE, START)),
    CONFORM_CASE("lifecycle.rename_running", rename_running, "A running container is renamed and keeps running.",
                 TESTS(CTRT_OP_RENAME_CONTAINER), USES(RUN, STATE)),
    CONFORM_CASE("lifecycle.rename_missing", rename_missing, "Renaming an unknown container: not found.",
                 TESTS(CTRT_OP_RENAME_CONTAINER)),
    CONFORM_CASE("lifecycle.update_memory_limit_in_stats", update_memory_limit_in_stats,
                 "A memory limit set by update shows in the stats.", TESTS(CTRT_OP_UPDATE_CONTAINER_RESOURCES),
                 USES(RUN, CTRT_OP_GET_CONTAINER_STATS)),
    CONFORM_CASE("lifecycle.update_kernel_memory_warns", update_kernel_memory_warns,
                 "KernelMemory is accepted with a warning.", TESTS(CTRT_OP_UPDATE_CONTAINER_RESOURCES), USES(RUN)),
    CONFORM_CASE("lifecycle.update_too_small", update_too_small, "A memory limit under 6 MB is invalid.",
                 TESTS(CTRT_OP_UPDATE_CONTAINER_RESOURCES), USES(RUN)),
    CONFORM_CASE("lifecycle.update_restart_policy", update_restart_policy, "A restart policy can be updated.",
                 TESTS(CTRT_OP_UPDATE_CONTAINER_RESOURCES), USES(RUN)),
    CONFORM_CASE("lifecycle.update_negative_retry_count", update_negative_retry_count,
                 "A negative maximum retry count is invalid.", TESTS(CTRT_OP_UPDATE_CONTAINER_RESOURCES), USES(RUN)),
    CONFORM_CASE("lifecycle.update_exited", update_exited, "An exited container can be updated.",
                 TESTS(CTRT_OP_UPDATE_CONTAINER_RESOURCES), USES(RUN, WAIT)),
    CONFORM_CASE("lifecycle.update_missing", update_missing, "Updating an unknown container: not found.",
                 TESTS(CTRT_OP_UPDATE_CONTAINER_RESOURCES)),
    CONFORM_CASE("lifecycle.wait_created_returns", wait_created_returns,
                 "Waiting on a created container returns at once (not running).", TESTS(WAIT), USES(CREATE)),
    CONFORM_CASE("lifecycle.wait_outcome_exited", wait_outcome_exited, "wait_outcome of exit 3: exited, no signal.",
                 TESTS(CTRT_OP_WAIT_OUTCOME), USES(RUN)),
    CONFORM_CASE("lifecycle.wait_outcome_signal", wait_outcome_signal, "wait_outcome of a SIGKILL: signal SIGKILL.",
                 TESTS(CTRT_OP_WAIT_OUTCOME), USES(RUN, CTRT_OP_KILL_CONTAINER)),
    CONFORM_CASE("lifecycle.wait_outcome_finished_at", wait_outcome_finished_at,
                 "wait_outcome says when the container finished.", TESTS(CTRT_OP_WAIT_OUTCOME), USES(RUN)),
    CONFORM_CASE("lifecycle.wait_next_exit", wait_next_exit, "next-exit waits for a later run's exit.",
                 TESTS(CTRT_OP_WAIT_OUTCOME_WITH_CONDITION), USES(RUN, WAIT, CTRT_OP_REMOVE_CONTAINER)),
    CONFORM_CASE("lifecycle.wait_not_running", wait_not_running,
                 "not-running waits for a running container's exit, and returns at once once exited.",
                 TESTS(CTRT_OP_WAIT_OUTCOME_WITH_CONDITION), USES(RUN, CTRT_OP_EXEC, CTRT_OP_REMOVE_CONTAINER)),
    CONFORM_CASE("lifecycle.wait_removed", wait_removed, "removed returns once another thread removes it.",
                 TESTS(CTRT_OP_WAIT_OUTCOME_WITH_CONDITION), USES(RUN, CTRT_OP_REMOVE_CONTAINER)),
    CONFORM_CASE("lifecycle.wait_many_threads", wait_many_threads, "Six threads wait on one container.", TESTS(WAIT),
                 USES(RUN, CTRT_OP_EXEC, CTRT_OP_REMOVE_CONTAINER)),
    CONFORM_CASE("lifecycle.list_includes_stopped", list_includes_stopped,
                 "list_containers shows running and stopped containers with their managed ids.",
                 TESTS(CTRT_OP_LIST_CONTAINERS), USES(RUN, WAIT)),
    CONFORM_CASE("lifecycle.list_after_remove", list_after_remove,
                 "list_containers shows a created container, and not once removed.", TESTS(CTRT_OP_LIST_CONTAINERS),
                 USES(CREATE, CTRT_OP_REMOVE_CONTAINER)),
    CONFORM_CASE("lifecycle.prune_removes_stopped", prune_removes_stopped,
                 "prune_containers removes stopped containers only.", TESTS(CTRT_OP_PRUNE_CONTAINERS),
                 USES(RUN, WAIT, CTRT_OP_LIST_CONTAINERS), ALONE),
    CONFORM_CASE("lifecycle.prune_reports_ids", prune_reports_ids,
                 "prune_containers names what it deleted by runtime id.", TESTS(CTRT_OP_PRUNE_CONTAINERS),
                 USES(RUN, WAIT, CTRT_OP_LIST_CONTAINERS, STATE), ALONE),
};

const conform_area conform_area_lifecycle = CONFORM_AREA("lifecycle", cases);
