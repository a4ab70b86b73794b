/* Conformance: error paths shared by every method (unknown containers,
 * unusable arguments) and the error record's contract. */
#include "../conform.h"

#include <pthread.h>

#define RT conform_rt()

static void not_found_everywhere(void) {
  /* Every method addressed at an unknown container says not found. */
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"true"};
  ctrt_container_inspect_details *d = NULL;
  ctrt_container_top_output *top = NULL;
  ctrt_filesystem_change_entry_list *ch = NULL;
  ctrt_port_mapping_entry_list *ports = NULL;
  ctrt_stats_stream *stats = NULL;
  ctrt_archive_stream *ar = NULL;
  ctrt_path_stat *st = NULL;
  ctrt_exec_event_stream *ev = NULL;
  ctrt_exec_handle *h = NULL;
  ctrt_wait_outcome *wo = NULL;
  int32_t code;
  bool has;
  uint32_t pid;
  char *ip = NULL;
  ctrt_exec_options eo = CTRT_EXEC_OPTIONS_INIT;
  char *cmd[] = {"true"};
  eo.command = cmd;
  eo.n_command = 1;
  C_FAILS(CTRT_OP_STOP_CONTAINER, ctrt_runtime_stop_container(RT, id, 1), CTRT_ERROR_NOT_FOUND);
  C_FAILS(CTRT_OP_KILL_CONTAINER, ctrt_runtime_kill_container(RT, id, NULL), CTRT_ERROR_NOT_FOUND);
  C_FAILS(CTRT_OP_PAUSE_CONTAINER, ctrt_runtime_pause_container(RT, id), CTRT_ERROR_NOT_FOUND);
  C_FAILS(CTRT_OP_UNPAUSE_CONTAINER, ctrt_runtime_unpause_container(RT, id), CTRT_ERROR_NOT_FOUND);
  C_FAILS(CTRT_OP_WAIT_CONTAINER, ctrt_runtime_wait_container(RT, &code, id), CTRT_ERROR_NOT_FOUND);
  C_FAILS(CTRT_OP_WAIT_OUTCOME, ctrt_runtime_wait_outcome(RT, &wo, id), CTRT_ERROR_NOT_FOUND);
  C_FAILS(CTRT_OP_INSPECT_DETAILED, ctrt_runtime_inspect_detailed(RT, &d, id), CTRT_ERROR_NOT_FOUND);
  C_FAILS(CTRT_OP_GET_CONTAINER_PID, ctrt_runtime_get_container_pid(RT, &has, &pid, id), CTRT_ERROR_NOT_FOUND);
  C_FAILS(CTRT_OP_GET_CONTAINER_IP, ctrt_runtime_get_container_ip(RT, &ip, id), CTRT_ERROR_NOT_FOUND);
  C_FAILS(CTRT_OP_TOP_CONTAINER, ctrt_runtime_top_container(RT, &top, id, NULL, 0), CTRT_ERROR_NOT_FOUND);
  C_FAILS(CTRT_OP_CHANGES_CONTAINER, ctrt_runtime_changes_container(RT, &ch, id), CTRT_ERROR_NOT_FOUND);
  C_FAILS(CTRT_OP_PORT_MAPPINGS_CONTAINER, ctrt_runtime_port_mappings_container(RT, &ports, id), CTRT_ERROR_NOT_FOUND);
  C_FAILS(CTRT_OP_STATS_STREAM, ctrt_runtime_stats_stream(RT, &stats, id), CTRT_ERROR_NOT_FOUND);
  C_FAILS(CTRT_OP_ARCHIVE_GET, ctrt_runtime_archive_get(RT, &ar, id, "/"), CTRT_ERROR_NOT_FOUND);
  C_FAILS(CTRT_OP_ARCHIVE_HEAD, ctrt_runtime_archive_head(RT, &st, id, "/"), CTRT_ERROR_NOT_FOUND);
  C_FAILS(CTRT_OP_EXEC_STREAM, ctrt_runtime_exec_stream(RT, &ev, id, argv, 1), CTRT_ERROR_NOT_FOUND);
  C_FAILS(CTRT_OP_EXEC_PTY, ctrt_runtime_exec_pty(RT, &h, id, &eo), CTRT_ERROR_NOT_FOUND);
  /* Outputs stay NULL on failure. */
  C_TRUE(d == NULL && top == NULL && ch == NULL && ports == NULL && stats == NULL && ar == NULL && st == NULL &&
         ev == NULL && h == NULL && wo == NULL && ip == NULL);
}

static void invalid_container_id(void) {
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = "";
  C_FAILS(CTRT_OP_START_CONTAINER, ctrt_runtime_start_container(RT, &id), CTRT_ERROR_INVALID_SPEC);
  C_CHECK(ctrt_runtime_start_container(RT, NULL) == CTRT_EINVALID_ARGUMENT, "a NULL id is an invalid argument");
}

static void null_arguments(void) {
  C_CHECK(ctrt_runtime_list_images(RT, NULL) == CTRT_EINVALID_ARGUMENT, "a NULL output is refused");
  C_CHECK(ctrt_runtime_list_images(NULL, NULL) == CTRT_EINVALID_ARGUMENT, "a NULL runtime is refused");
  C_CHECK(ctrt_error_last()->message[0] != '\0', "with a message");
}

static void relative_archive_path(void) {
  const ctrt_container_id *id = conform_sleeper();
  ctrt_path_stat *st = NULL;
  if (id)
    C_FAILS(CTRT_OP_ARCHIVE_HEAD, ctrt_runtime_archive_head(RT, &st, id, "etc/passwd"), CTRT_ERROR_INVALID_SPEC);
}

static void bad_image_reference(void) {
  C_FAILS(CTRT_OP_PULL_IMAGE, ctrt_runtime_pull_image(RT, "has space:latest"), CTRT_ERROR_INVALID_SPEC);
  C_FAILS(CTRT_OP_PULL_IMAGE, ctrt_runtime_pull_image(RT, ""), CTRT_ERROR_INVALID_SPEC);
}

static void messages_name_the_object(void) {
  const ctrt_container_id *id = conform_new_id();
  ctrt_container_state *s = NULL;
  C_FAILS(CTRT_OP_CONTAINER_STATE, ctrt_runtime_container_state(RT, &s, id), CTRT_ERROR_NOT_FOUND);
  /* The message must let a person find what was missing (by its service
   * name, which both the display form and Docker's name contain). */
  const char *m = conform_printf("%s", ctrt_error_last()->message);
  C_CHECK(strstr(m, id->service) != NULL, "the message names the container: %s", m);
}

static void success_clears_error(void) {
  ctrt_container_state *s = NULL;
  ctrt_runtime_container_state(RT, &s, conform_new_id());
  C_CHECK(ctrt_error_last()->kind != CTRT_ERROR_NONE, "the failure is recorded");
  ctrt_overlay_attach_kind kind;
  if (C_OK(ctrt_runtime_overlay_attach_kind(RT, &kind)))
    C_CHECK(ctrt_error_last()->kind == CTRT_ERROR_NONE && ctrt_error_last()->message[0] == '\0',
            "a successful call resets the error");
}

typedef struct other_thread {
  ctrt_error_kind seen;
} other_thread;

static void *look_at_error(void *arg) {
  ((other_thread *)arg)->seen = ctrt_error_last()->kind;
  return NULL;
}

static void errors_are_per_thread(void) {
  ctrt_container_state *s = NULL;
  ctrt_runtime_container_state(RT, &s, conform_new_id());
  other_thread o = {CTRT_ERROR_INTERNAL};
  pthread_t t;
  pthread_create(&t, NULL, look_at_error, &o);
  pthread_join(t, NULL);
  C_CHECK(o.seen == CTRT_ERROR_NONE, "another thread does not see this thread's error");
  C_CHECK(ctrt_error_last()->kind == CTRT_ERROR_NOT_FOUND, "this thread still does");
}

static const conform_case cases[] = {
    CONFORM_CASE("errors.not_found_everywhere", not_found_everywhere,
                 "Every method aimed at an unknown container fails with not found and leaves outputs NULL.",
                 TESTS(CTRT_OP_STOP_CONTAINER, CTRT_OP_KILL_CONTAINER, CTRT_OP_PAUSE_CONTAINER,
                       CTRT_OP_UNPAUSE_CONTAINER, CTRT_OP_WAIT_CONTAINER, CTRT_OP_WAIT_OUTCOME,
                       CTRT_OP_INSPECT_DETAILED, CTRT_OP_GET_CONTAINER_PID, CTRT_OP_GET_CONTAINER_IP,
                       CTRT_OP_TOP_CONTAINER, CTRT_OP_CHANGES_CONTAINER, CTRT_OP_PORT_MAPPINGS_CONTAINER,
                       CTRT_OP_STATS_STREAM, CTRT_OP_ARCHIVE_GET, CTRT_OP_ARCHIVE_HEAD, CTRT_OP_EXEC_STREAM,
                       CTRT_OP_EXEC_PTY)),
    CONFORM_CASE("errors.invalid_container_id", invalid_container_id,
                 "An empty service name is invalid; a NULL id an invalid argument.", TESTS(CTRT_OP_START_CONTAINER)),
    CONFORM_CASE("errors.null_arguments", null_arguments, "NULL runtime or output: invalid argument, with a message.",
                 TESTS(CTRT_OP_LIST_IMAGES)),
    CONFORM_CASE("errors.relative_archive_path", relative_archive_path, "Archive paths must be absolute.",
                 TESTS(CTRT_OP_ARCHIVE_HEAD)),
    CONFORM_CASE("errors.bad_image_reference", bad_image_reference, "Empty or blank image references are invalid.",
                 TESTS(CTRT_OP_PULL_IMAGE)),
    CONFORM_CASE("errors.messages_name_the_object", messages_name_the_object,
                 "A not-found message names what was not found.", TESTS(CTRT_OP_CONTAINER_STATE)),
    CONFORM_CASE("errors.success_clears_error", success_clears_error, "Each call starts with a clean error record.",
                 TESTS(CTRT_OP_CONTAINER_STATE, CTRT_OP_OVERLAY_ATTACH_KIND)),
    CONFORM_CASE("errors.errors_are_per_thread", errors_are_per_thread, "The error record is per thread.",
                 TESTS(CTRT_OP_CONTAINER_STATE)),
};

const conform_area conform_area_errors = CONFORM_AREA("errors", cases);
