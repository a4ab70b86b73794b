/* SPDX-License-Identifier: MIT */
/* Conformance: error paths shared by every method (unknown containers and
 * images), what an error says, and one answer for each bad input. The checks the generated dispatcher makes
 * before a backend sees a call (NULL arguments, malformed ids, names,
 * signals, paths and references) and the error record's contract are unit
 * tests (runtime/tests/dispatch_test.c): they never reach a backend. */
#include "../conform.h"

#define RT conform_rt()

/* ---- not found: one case per method, so a failure names its method ---- */

static void nf_stop(void) {
  C_FAILS(CTRT_OP_STOP_CONTAINER, ctrt_runtime_stop_container(RT, conform_new_id(), 1), CTRT_ERROR_NOT_FOUND);
}

static void nf_kill(void) {
  C_FAILS(CTRT_OP_KILL_CONTAINER, ctrt_runtime_kill_container(RT, conform_new_id(), NULL), CTRT_ERROR_NOT_FOUND);
}

static void nf_pause(void) {
  C_FAILS(CTRT_OP_PAUSE_CONTAINER, ctrt_runtime_pause_container(RT, conform_new_id()), CTRT_ERROR_NOT_FOUND);
}

static void nf_unpause(void) {
  C_FAILS(CTRT_OP_UNPAUSE_CONTAINER, ctrt_runtime_unpause_container(RT, conform_new_id()), CTRT_ERROR_NOT_FOUND);
}

static void nf_wait(void) {
  int32_t code = -1;
  C_FAILS(CTRT_OP_WAIT_CONTAINER, ctrt_runtime_wait_container(RT, &code, conform_new_id()), CTRT_ERROR_NOT_FOUND);
}

static void nf_wait_outcome(void) {
  ctrt_wait_outcome *wo = NULL;
  C_FAILS(CTRT_OP_WAIT_OUTCOME, ctrt_runtime_wait_outcome(RT, &wo, conform_new_id()), CTRT_ERROR_NOT_FOUND);
  C_TRUE(wo == NULL);
}

static void nf_wait_with_condition(void) {
  ctrt_wait_outcome *wo = NULL;
  C_FAILS(CTRT_OP_WAIT_OUTCOME_WITH_CONDITION,
          ctrt_runtime_wait_outcome_with_condition(RT, &wo, conform_new_id(), CTRT_WAIT_CONDITION_NOT_RUNNING),
          CTRT_ERROR_NOT_FOUND);
  C_TRUE(wo == NULL);
}

static void nf_inspect_detailed(void) {
  ctrt_container_inspect_details *d = NULL;
  C_FAILS(CTRT_OP_INSPECT_DETAILED, ctrt_runtime_inspect_detailed(RT, &d, conform_new_id()), CTRT_ERROR_NOT_FOUND);
  C_TRUE(d == NULL);
}

static void nf_pid(void) {
  bool has = false;
  uint32_t pid = 0;
  C_FAILS(CTRT_OP_GET_CONTAINER_PID, ctrt_runtime_get_container_pid(RT, &has, &pid, conform_new_id()),
          CTRT_ERROR_NOT_FOUND);
}

static void nf_ip(void) {
  char *ip = NULL;
  C_FAILS(CTRT_OP_GET_CONTAINER_IP, ctrt_runtime_get_container_ip(RT, &ip, conform_new_id()), CTRT_ERROR_NOT_FOUND);
  C_TRUE(ip == NULL);
}

static void nf_top(void) {
  ctrt_container_top_output *top = NULL;
  C_FAILS(CTRT_OP_TOP_CONTAINER, ctrt_runtime_top_container(RT, &top, conform_new_id(), NULL, 0), CTRT_ERROR_NOT_FOUND);
  C_TRUE(top == NULL);
}

static void nf_changes(void) {
  ctrt_filesystem_change_entry_list *ch = NULL;
  C_FAILS(CTRT_OP_CHANGES_CONTAINER, ctrt_runtime_changes_container(RT, &ch, conform_new_id()), CTRT_ERROR_NOT_FOUND);
  C_TRUE(ch == NULL);
}

static void nf_ports(void) {
  ctrt_port_mapping_entry_list *ports = NULL;
  C_FAILS(CTRT_OP_PORT_MAPPINGS_CONTAINER, ctrt_runtime_port_mappings_container(RT, &ports, conform_new_id()),
          CTRT_ERROR_NOT_FOUND);
  C_TRUE(ports == NULL);
}

static void nf_stats_stream(void) {
  ctrt_stats_stream *stats = NULL;
  C_FAILS(CTRT_OP_STATS_STREAM, ctrt_runtime_stats_stream(RT, &stats, conform_new_id()), CTRT_ERROR_NOT_FOUND);
  C_TRUE(stats == NULL);
}

static void nf_archive_get(void) {
  ctrt_archive_stream *ar = NULL;
  C_FAILS(CTRT_OP_ARCHIVE_GET, ctrt_runtime_archive_get(RT, &ar, conform_new_id(), "/"), CTRT_ERROR_NOT_FOUND);
  C_TRUE(ar == NULL);
}

static void nf_archive_head(void) {
  ctrt_path_stat *st = NULL;
  C_FAILS(CTRT_OP_ARCHIVE_HEAD, ctrt_runtime_archive_head(RT, &st, conform_new_id(), "/"), CTRT_ERROR_NOT_FOUND);
  C_TRUE(st == NULL);
}

static void nf_exec_stream(void) {
  static const char *const argv[] = {"true"};
  ctrt_exec_event_stream *ev = NULL;
  C_FAILS(CTRT_OP_EXEC_STREAM, ctrt_runtime_exec_stream(RT, &ev, conform_new_id(), argv, 1), CTRT_ERROR_NOT_FOUND);
  C_TRUE(ev == NULL);
}

static void nf_exec_pty(void) {
  ctrt_exec_options eo = CTRT_EXEC_OPTIONS_INIT;
  char *cmd[] = {"true"};
  eo.command = cmd;
  eo.n_command = 1;
  ctrt_exec_handle *h = NULL;
  C_FAILS(CTRT_OP_EXEC_PTY, ctrt_runtime_exec_pty(RT, &h, conform_new_id(), &eo), CTRT_ERROR_NOT_FOUND);
  C_TRUE(h == NULL);
}

/* ---- what errors say ---- */

static void messages_name_the_object(void) {
  const ctrt_container_id *id = conform_new_id();
  ctrt_container_state *s = NULL;
  C_FAILS(CTRT_OP_CONTAINER_STATE, ctrt_runtime_container_state(RT, &s, id), CTRT_ERROR_NOT_FOUND);
  /* The message must let a person find what was missing (by its service
   * name, which both the display form and Docker's name contain). */
  const char *m = conform_printf("%s", ctrt_error_last()->message);
  C_CHECK(strstr(m, id->service) != NULL, "the message names the container: %s", m);
}

static void messages_name_the_image(void) {
  const char *ref = conform_printf("ctrt.invalid/conform-%s/absent:none", conform_env_get()->run_token);
  ctrt_image_inspect_info *info = NULL;
  C_FAILS(CTRT_OP_INSPECT_IMAGE_NATIVE, ctrt_runtime_inspect_image_native(RT, &info, ref), CTRT_ERROR_NOT_FOUND);
  const char *m = conform_printf("%s", ctrt_error_last()->message);
  C_CHECK(strstr(m, "absent") != NULL, "the message names the image: %s", m);
}

/* How often needle occurs in text, before the "(HTTP 404 from GET /images/X)"
 * trace a daemon backend appends. */
static size_t occurrences(const char *text, const char *needle) {
  const char *trace = strstr(text, " (HTTP ");
  size_t end = trace ? (size_t)(trace - text) : strlen(text), n = 0;
  for (const char *p = strstr(text, needle); p != NULL && (size_t)(p - text) < end; p = strstr(p + 1, needle))
    n++;
  return n;
}

static void messages_do_not_repeat(void) {
  /* "no such image: X: No such image: X" was the pattern: the caller's
   * image once, however many layers wrapped the engine's answer. */
  const char *ref = conform_printf("ctrt.invalid/conform-%s/once:none", conform_env_get()->run_token);
  ctrt_image_inspect_info *info = NULL;
  C_FAILS(CTRT_OP_INSPECT_IMAGE_NATIVE, ctrt_runtime_inspect_image_native(RT, &info, ref), CTRT_ERROR_NOT_FOUND);
  const char *m = conform_printf("%s", ctrt_error_last()->message);
  C_CHECK(occurrences(m, "once:none") == 1, "inspect names the image once: %s", m);
  ctrt_service_spec *spec = conform_spec(NULL);
  free(spec->image.name);
  spec->image.name = strdup(ref);
  spec->image.pull_policy = CTRT_PULL_POLICY_NEVER;
  C_FAILS(CTRT_OP_CREATE_CONTAINER, ctrt_runtime_create_container(RT, conform_new_id(), spec), CTRT_ERROR_NOT_FOUND);
  m = conform_printf("%s", ctrt_error_last()->message);
  C_CHECK(occurrences(m, "once:none") == 1, "create names the image once: %s", m);
  C_CHECK(strstr(m, "never") != NULL, "create says why nothing was pulled: %s", m);
}

static void conflict_has_message(void) {
  /* A conflict says what is in the way. */
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sleep", "600", NULL};
  if (!conform_create(id, NULL, argv))
    return;
  C_FAILS(CTRT_OP_CREATE_CONTAINER, ctrt_runtime_create_container(RT, id, conform_spec(argv)), CTRT_ERROR_CONFLICT);
  const char *m = conform_printf("%s", ctrt_error_last()->message);
  C_CHECK(strstr(m, id->service) != NULL, "the message names the container: %s", m);
}

/* ---- one answer for one mistake: the inputs issue 12 found answered
 * differently by each backend. The dispatcher decides the malformed ones
 * before any backend runs; the registry nothing listens on and the absent
 * image reach the backend, which must agree. ---- */

static const char *const bad_refs[] = {"Not:A:Valid::Ref", "UPPER/case", "localhost:1/x@sha256:zz"};

static void bad_reference(void) {
  for (size_t i = 0; i < sizeof bad_refs / sizeof *bad_refs; i++) {
    ctrt_image_inspect_info *info = NULL;
    C_FAILS(CTRT_OP_PULL_IMAGE, ctrt_runtime_pull_image(RT, bad_refs[i]), CTRT_ERROR_INVALID_SPEC);
    const char *m = conform_printf("%s", ctrt_error_last()->message);
    C_CHECK(strstr(m, bad_refs[i]) != NULL, "the message names the caller's reference: %s", m);
    C_FAILS(CTRT_OP_INSPECT_IMAGE_NATIVE, ctrt_runtime_inspect_image_native(RT, &info, bad_refs[i]),
            CTRT_ERROR_INVALID_SPEC);
    C_TRUE(info == NULL);
    C_FAILS(CTRT_OP_REMOVE_IMAGE, ctrt_runtime_remove_image(RT, bad_refs[i], false), CTRT_ERROR_INVALID_SPEC);
  }
}

static void create_bad_image(void) {
  ctrt_service_spec *spec = conform_spec(NULL);
  for (size_t i = 0; i < sizeof bad_refs / sizeof *bad_refs; i++) {
    free(spec->image.name);
    spec->image.name = strdup(bad_refs[i]);
    C_FAILS(CTRT_OP_CREATE_CONTAINER, ctrt_runtime_create_container(RT, conform_new_id(), spec),
            CTRT_ERROR_INVALID_SPEC);
    const char *m = conform_printf("%s", ctrt_error_last()->message);
    C_CHECK(strstr(m, "spec.image.name") != NULL && strstr(m, bad_refs[i]) != NULL,
            "the message names the field and the reference: %s", m);
  }
  free(spec->image.name);
  spec->image.name = NULL;
  C_FAILS(CTRT_OP_CREATE_CONTAINER, ctrt_runtime_create_container(RT, conform_new_id(), spec), CTRT_ERROR_INVALID_SPEC);
}

static void bad_service_name(void) {
  static const char *const names[] = {"bad/name", "bad name", "bad:name"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
    id.service = (char *)names[i];
    ctrt_container_state *st = NULL;
    C_FAILS(CTRT_OP_CONTAINER_STATE, ctrt_runtime_container_state(RT, &st, &id), CTRT_ERROR_INVALID_SPEC);
    C_TRUE(st == NULL);
    C_FAILS(CTRT_OP_CREATE_CONTAINER, ctrt_runtime_create_container(RT, &id, conform_spec(NULL)),
            CTRT_ERROR_INVALID_SPEC);
    const char *m = conform_printf("%s", ctrt_error_last()->message);
    C_CHECK(strstr(m, names[i]) != NULL, "the message names the service: %s", m);
  }
}

/* Port 1 on the loopback: nothing listens there. */
#define DEAD_REGISTRY_REF "127.0.0.1:1/ctrt/absent:latest"

static void unreachable_registry(void) {
  /* The kind only: dockerd's message names the registry, not the image. */
  C_FAILS(CTRT_OP_PULL_IMAGE, ctrt_runtime_pull_image(RT, DEAD_REGISTRY_REF), CTRT_ERROR_PULL_FAILED);
}

#define NOT_FOUND(method, fn, op)                                                                                      \
  CONFORM_CASE("errors.not_found." method, fn, method " of an unknown container: not found, outputs stay NULL.",       \
               TESTS(op))

static const conform_case cases[] = {
    NOT_FOUND("stop_container", nf_stop, CTRT_OP_STOP_CONTAINER),
    NOT_FOUND("kill_container", nf_kill, CTRT_OP_KILL_CONTAINER),
    NOT_FOUND("pause_container", nf_pause, CTRT_OP_PAUSE_CONTAINER),
    NOT_FOUND("unpause_container", nf_unpause, CTRT_OP_UNPAUSE_CONTAINER),
    NOT_FOUND("wait_container", nf_wait, CTRT_OP_WAIT_CONTAINER),
    NOT_FOUND("wait_outcome", nf_wait_outcome, CTRT_OP_WAIT_OUTCOME),
    NOT_FOUND("wait_outcome_with_condition", nf_wait_with_condition, CTRT_OP_WAIT_OUTCOME_WITH_CONDITION),
    NOT_FOUND("inspect_detailed", nf_inspect_detailed, CTRT_OP_INSPECT_DETAILED),
    NOT_FOUND("get_container_pid", nf_pid, CTRT_OP_GET_CONTAINER_PID),
    NOT_FOUND("get_container_ip", nf_ip, CTRT_OP_GET_CONTAINER_IP),
    NOT_FOUND("top_container", nf_top, CTRT_OP_TOP_CONTAINER),
    NOT_FOUND("changes_container", nf_changes, CTRT_OP_CHANGES_CONTAINER),
    NOT_FOUND("port_mappings_container", nf_ports, CTRT_OP_PORT_MAPPINGS_CONTAINER),
    NOT_FOUND("stats_stream", nf_stats_stream, CTRT_OP_STATS_STREAM),
    NOT_FOUND("archive_get", nf_archive_get, CTRT_OP_ARCHIVE_GET),
    NOT_FOUND("archive_head", nf_archive_head, CTRT_OP_ARCHIVE_HEAD),
    NOT_FOUND("exec_stream", nf_exec_stream, CTRT_OP_EXEC_STREAM),
    NOT_FOUND("exec_pty", nf_exec_pty, CTRT_OP_EXEC_PTY),
    CONFORM_CASE("errors.messages_name_the_object", messages_name_the_object,
                 "A not-found message names what was not found.", TESTS(CTRT_OP_CONTAINER_STATE)),
    CONFORM_CASE("errors.messages_name_the_image", messages_name_the_image,
                 "A not-found message names the image that was not found.", TESTS(CTRT_OP_INSPECT_IMAGE_NATIVE)),
    CONFORM_CASE("errors.messages_do_not_repeat", messages_do_not_repeat,
                 "A not-found message names the caller's image once, wrapped or not.",
                 TESTS(CTRT_OP_INSPECT_IMAGE_NATIVE, CTRT_OP_CREATE_CONTAINER)),
    CONFORM_CASE("errors.conflict_has_message", conflict_has_message,
                 "A conflict's message names the container in the way.", TESTS(CTRT_OP_CREATE_CONTAINER)),
    CONFORM_CASE("errors.bad_input.reference", bad_reference,
                 "Malformed references (Not:A:Valid::Ref, UPPER/case, a short digest): invalid_spec, naming them.",
                 TESTS(CTRT_OP_PULL_IMAGE, CTRT_OP_INSPECT_IMAGE_NATIVE, CTRT_OP_REMOVE_IMAGE)),
    CONFORM_CASE("errors.bad_input.create_image", create_bad_image,
                 "create with a malformed or absent spec.image.name: invalid_spec, naming the field.",
                 TESTS(CTRT_OP_CREATE_CONTAINER)),
    CONFORM_CASE("errors.bad_input.service_name", bad_service_name,
                 "A service name no engine can put in a container name: invalid_spec, naming it.",
                 TESTS(CTRT_OP_CONTAINER_STATE, CTRT_OP_CREATE_CONTAINER)),
    CONFORM_CASE("errors.bad_input.unreachable_registry", unreachable_registry,
                 "A pull from a registry nothing listens on: pull_failed.", TESTS(CTRT_OP_PULL_IMAGE)),
};

const conform_area conform_area_errors = CONFORM_AREA("errors", cases);
