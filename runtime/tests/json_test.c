/* SPDX-License-Identifier: MIT */
/* JSON forms of the tricky types (golden wire samples) and the decoder's
 * answer to malformed input: CTRT_EINVALID_ARGUMENT with a message that
 * starts with the JSON path of the offending value. Every failure path runs
 * under valgrind too, so nothing may leak. */
#include "test_support.h"

#include "gen_internal.h"

#include <stdlib.h>
#include <string.h>

/* The last call failed with invalid_argument and exactly this message (or,
 * with prefix set, a message starting with it). */
static void check_failure(int rc, bool out_is_null, const char *expected, bool prefix, int line) {
  const ctrt_error *err = ctrt_error_last();
  bool ok = rc == CTRT_EINVALID_ARGUMENT && err->kind == CTRT_ERROR_INVALID_ARGUMENT && out_is_null &&
            (prefix ? strncmp(err->message, expected, strlen(expected)) == 0 : strcmp(err->message, expected) == 0);
  if (!ok)
    fprintf(stderr, "\njson_test.c:%d: rc %d, kind %s\n  message  %s\n  expected %s%s\n", line, rc,
            ctrt_error_kind_name(err->kind), err->message, expected, prefix ? "..." : "");
  CU_ASSERT_TRUE(ok);
  CU_ASSERT_EQUAL(err->message[0], '$');
}

/* Decode text as type T, which must fail with the message. */
#define DECODE_FAILS_(T, text, len, expected, prefix)                                                                  \
  do {                                                                                                                 \
    T *v_ = NULL;                                                                                                      \
    int rc_ = T##_from_json_string(&v_, (text), (len));                                                                \
    check_failure(rc_, v_ == NULL, (expected), (prefix), __LINE__);                                                    \
    if (rc_ == 0)                                                                                                      \
      T##_free(v_);                                                                                                    \
  } while (0)
#define DECODE_FAILS(T, text, expected) DECODE_FAILS_(T, text, strlen(text), expected, false)
#define DECODE_FAILS_PREFIX(T, text, expected) DECODE_FAILS_(T, text, strlen(text), expected, true)

/* Encode *value as type T, which must give exactly this text. */
#define ENCODES(T, value, expected)                                                                                    \
  do {                                                                                                                 \
    char *text_ = NULL;                                                                                                \
    ASSERT_OK(T##_to_json_string(&text_, (value)));                                                                    \
    ASSERT_STR(text_, (expected));                                                                                     \
    ctrt_free(text_);                                                                                                  \
  } while (0)

/* Encoding *value as type T fails with the message. */
#define ENCODE_FAILS(T, value, expected)                                                                               \
  do {                                                                                                                 \
    char *text_ = NULL;                                                                                                \
    int rc_ = T##_to_json_string(&text_, (value));                                                                     \
    check_failure(rc_, text_ == NULL, (expected), false, __LINE__);                                                    \
    ctrt_free(text_);                                                                                                  \
  } while (0)

/* Decode text (which must succeed), encode the result again: same text. */
#define ROUND_TRIPS(T, text)                                                                                           \
  do {                                                                                                                 \
    T *v_ = NULL;                                                                                                      \
    ASSERT_OK(T##_from_json_string(&v_, (text), strlen(text)));                                                        \
    ENCODES(T, v_, (text));                                                                                            \
    T##_free(v_);                                                                                                      \
  } while (0)

/* ---- Enums with special wire forms --------------------------------------- */

static void test_wait_condition(void) {
  static const struct {
    ctrt_wait_condition value;
    const char *wire;
  } wires[] = {{CTRT_WAIT_CONDITION_NOT_RUNNING, "not-running"},
               {CTRT_WAIT_CONDITION_NEXT_EXIT, "next-exit"},
               {CTRT_WAIT_CONDITION_REMOVED, "removed"}};
  for (size_t i = 0; i < sizeof wires / sizeof wires[0]; i++) {
    json_t *json = NULL;
    ASSERT_OK(ctrt_wait_condition_to_json(&json, &wires[i].value));
    ASSERT_STR(json_string_value(json), wires[i].wire);
    ctrt_wait_condition back = CTRT_WAIT_CONDITION_UNKNOWN;
    ASSERT_OK(ctrt_wait_condition_from_json(&back, json));
    CU_ASSERT_EQUAL(back, wires[i].value);
    json_decref(json);
    ASSERT_STR(ctrt_wait_condition_to_string(wires[i].value), wires[i].wire);
  }
  /* "" is accepted as not-running (and never written). */
  json_t *empty = json_string("");
  ctrt_wait_condition value = CTRT_WAIT_CONDITION_UNKNOWN;
  ASSERT_OK(ctrt_wait_condition_from_json(&value, empty));
  CU_ASSERT_EQUAL(value, CTRT_WAIT_CONDITION_NOT_RUNNING);
  json_decref(empty);
  value = CTRT_WAIT_CONDITION_UNKNOWN;
  ASSERT_OK(ctrt_wait_condition_from_string(&value, ""));
  CU_ASSERT_EQUAL(value, CTRT_WAIT_CONDITION_NOT_RUNNING);

  /* Anything else is rejected: snake_case, other case, spaces, other words. */
  static const char *const bad[] = {"not_running", "NOT-RUNNING", "Not-Running", "next_exit", " removed",
                                    "removed ",    "running",     "-",           "notrunning"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    json_t *json = json_string(bad[i]);
    char expected[160];
    snprintf(expected, sizeof expected, "$: unknown WaitCondition '%s' (expected not-running, next-exit, removed)",
             bad[i]);
    value = CTRT_WAIT_CONDITION_UNKNOWN;
    check_failure(ctrt_wait_condition_from_json(&value, json), true, expected, false, __LINE__);
    CU_ASSERT_EQUAL(value, CTRT_WAIT_CONDITION_UNKNOWN);
    json_decref(json);
    ASSERT_FAILS_WITH(ctrt_wait_condition_from_string(&value, bad[i]), CTRT_ERROR_INVALID_ARGUMENT);
  }
  json_t *number = json_integer(1);
  check_failure(ctrt_wait_condition_from_json(&value, number), true, "$: expected string, got integer", false,
                __LINE__);
  json_decref(number);
  json_t *null = json_null();
  check_failure(ctrt_wait_condition_from_json(&value, null), true, "$: expected string, got null", false, __LINE__);
  /* The unknown value has no wire form. */
  json_t *json = NULL;
  ctrt_wait_condition unknown = CTRT_WAIT_CONDITION_UNKNOWN;
  check_failure(ctrt_wait_condition_to_json(&json, &unknown), json == NULL, "$: 0 is not a valid WaitCondition", false,
                __LINE__);
  CU_ASSERT_PTR_NULL(ctrt_wait_condition_to_string((ctrt_wait_condition)42));
}

static void test_filesystem_change_kind(void) {
  static const struct {
    ctrt_filesystem_change_kind kind;
    const char *name;
    int code;
  } kinds[] = {{CTRT_FILESYSTEM_CHANGE_KIND_MODIFIED, "modified", 0},
               {CTRT_FILESYSTEM_CHANGE_KIND_ADDED, "added", 1},
               {CTRT_FILESYSTEM_CHANGE_KIND_DELETED, "deleted", 2}};
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    ctrt_filesystem_change_entry entry = CTRT_FILESYSTEM_CHANGE_ENTRY_INIT;
    entry.path = (char *)"/etc/passwd";
    entry.kind = kinds[i].kind;
    char expected[96];
    snprintf(expected, sizeof expected, "{\"path\":\"/etc/passwd\",\"kind\":\"%s\"}", kinds[i].name);
    ENCODES(ctrt_filesystem_change_entry, &entry, expected);
    ROUND_TRIPS(ctrt_filesystem_change_entry, expected);
    CU_ASSERT_EQUAL(ctrt_filesystem_change_kind_to_docker_code(kinds[i].kind), kinds[i].code);
    ctrt_filesystem_change_kind back = CTRT_FILESYSTEM_CHANGE_KIND_UNKNOWN;
    ASSERT_OK(ctrt_filesystem_change_kind_from_docker_code(&back, kinds[i].code));
    CU_ASSERT_EQUAL(back, kinds[i].kind);
  }
  CU_ASSERT_EQUAL(ctrt_filesystem_change_kind_to_docker_code(CTRT_FILESYSTEM_CHANGE_KIND_UNKNOWN), -1);
  CU_ASSERT_EQUAL(ctrt_filesystem_change_kind_to_docker_code((ctrt_filesystem_change_kind)17), -1);
  static const int64_t bad_codes[] = {3, -1, 255, INT64_MAX, INT64_MIN};
  for (size_t i = 0; i < sizeof bad_codes / sizeof bad_codes[0]; i++) {
    ctrt_filesystem_change_kind back = CTRT_FILESYSTEM_CHANGE_KIND_UNKNOWN;
    ASSERT_FAILS_WITH(ctrt_filesystem_change_kind_from_docker_code(&back, bad_codes[i]), CTRT_ERROR_INVALID_ARGUMENT);
    CU_ASSERT_EQUAL(back, CTRT_FILESYSTEM_CHANGE_KIND_UNKNOWN);
  }
  /* The JSON form is the name, never Docker's number. */
  DECODE_FAILS(ctrt_filesystem_change_entry, "{\"path\":\"/x\",\"kind\":1}", "$.kind: expected string, got integer");
  DECODE_FAILS(ctrt_filesystem_change_entry, "{\"path\":\"/x\",\"kind\":\"Added\"}",
               "$.kind: unknown FilesystemChangeKind 'Added' (expected modified, added, deleted)");
  /* LogChannel has Docker's stream bytes 0/1/2. */
  CU_ASSERT_EQUAL(ctrt_log_channel_to_docker_code(CTRT_LOG_CHANNEL_STDIN), 0);
  CU_ASSERT_EQUAL(ctrt_log_channel_to_docker_code(CTRT_LOG_CHANNEL_STDOUT), 1);
  CU_ASSERT_EQUAL(ctrt_log_channel_to_docker_code(CTRT_LOG_CHANNEL_STDERR), 2);
}

/* ---- Unions ------------------------------------------------------------------ */

static void test_load_progress(void) {
  ctrt_load_progress p = CTRT_LOAD_PROGRESS_INIT;
  p.kind = CTRT_LOAD_PROGRESS_STATUS;
  p.status = (ctrt_load_progress_status)CTRT_LOAD_PROGRESS_STATUS_INIT;
  p.status.status = (char *)"Loading layer";
  ENCODES(ctrt_load_progress, &p, "{\"kind\":\"status\",\"status\":\"Loading layer\"}");
  p.status.id = (char *)"abc123";
  ENCODES(ctrt_load_progress, &p, "{\"kind\":\"status\",\"id\":\"abc123\",\"status\":\"Loading layer\"}");

  char *refs[] = {(char *)"busybox:latest", (char *)"sha256:0123"};
  p.kind = CTRT_LOAD_PROGRESS_DONE;
  p.done = (ctrt_load_progress_done)CTRT_LOAD_PROGRESS_DONE_INIT;
  p.done.references = refs;
  p.done.n_references = 2;
  ENCODES(ctrt_load_progress, &p, "{\"kind\":\"done\",\"references\":[\"busybox:latest\",\"sha256:0123\"]}");

  ROUND_TRIPS(ctrt_load_progress, "{\"kind\":\"status\",\"status\":\"Loading layer\"}");
  ROUND_TRIPS(ctrt_load_progress, "{\"kind\":\"done\",\"references\":[]}");

  /* The tag may come anywhere; unknown fields are ignored. */
  ctrt_load_progress *back = NULL;
  const char *text = "{\"status\":\"x\",\"extra\":[1,2],\"id\":null,\"kind\":\"status\"}";
  ASSERT_OK(ctrt_load_progress_from_json_string(&back, text, strlen(text)));
  CU_ASSERT_EQUAL(back->kind, CTRT_LOAD_PROGRESS_STATUS);
  ASSERT_STR(back->status.status, "x");
  CU_ASSERT_PTR_NULL(back->status.id);
  ctrt_load_progress_free(back);

  DECODE_FAILS(ctrt_load_progress, "{\"status\":\"x\"}", "$.kind: missing required field");
  DECODE_FAILS(ctrt_load_progress, "{\"kind\":\"bogus\"}",
               "$.kind: unknown LoadProgress kind 'bogus' (expected status, done)");
  DECODE_FAILS(ctrt_load_progress, "{\"kind\":\"Status\",\"status\":\"x\"}",
               "$.kind: unknown LoadProgress kind 'Status' (expected status, done)");
  DECODE_FAILS(ctrt_load_progress, "{\"kind\":1}", "$.kind: expected string, got integer");
  DECODE_FAILS(ctrt_load_progress, "{\"kind\":\"status\"}", "$.status: missing required field");
  DECODE_FAILS(ctrt_load_progress, "{\"kind\":\"done\"}", "$.references: missing required field");
  DECODE_FAILS(ctrt_load_progress, "{\"kind\":\"done\",\"references\":[\"a\",\"b\",null]}",
               "$.references[2]: expected string, got null");
  DECODE_FAILS(ctrt_load_progress, "\"status\"", "$: expected object, got string");
}

static void test_pull_progress(void) {
  ctrt_pull_progress p = CTRT_PULL_PROGRESS_INIT;
  p.kind = CTRT_PULL_PROGRESS_STATUS;
  p.status = (ctrt_pull_progress_status)CTRT_PULL_PROGRESS_STATUS_INIT;
  p.status.status = (char *)"Pulling fs layer";
  ENCODES(ctrt_pull_progress, &p, "{\"kind\":\"status\",\"status\":\"Pulling fs layer\"}");
  p.status.id = (char *)"l1";
  p.status.status = (char *)"Downloading";
  p.status.progress = (char *)"[=>    ]";
  p.status.has_current = true;
  p.status.current = 10;
  p.status.has_total = true;
  p.status.total = 100;
  ENCODES(ctrt_pull_progress, &p,
          "{\"kind\":\"status\",\"id\":\"l1\",\"status\":\"Downloading\",\"progress\":\"[=>    ]\",\"current\":10,"
          "\"total\":100}");
  /* Present-but-zero stays distinct from absent. */
  p.status.current = 0;
  p.status.has_total = false;
  ENCODES(ctrt_pull_progress, &p,
          "{\"kind\":\"status\",\"id\":\"l1\",\"status\":\"Downloading\",\"progress\":\"[=>    ]\",\"current\":0}");

  p = (ctrt_pull_progress)CTRT_PULL_PROGRESS_INIT;
  p.kind = CTRT_PULL_PROGRESS_DONE;
  p.done = (ctrt_pull_progress_done)CTRT_PULL_PROGRESS_DONE_INIT;
  p.done.reference = (char *)"busybox:latest";
  ENCODES(ctrt_pull_progress, &p, "{\"kind\":\"done\",\"reference\":\"busybox:latest\"}");
  p.done.digest = (char *)"sha256:ab";
  ENCODES(ctrt_pull_progress, &p, "{\"kind\":\"done\",\"reference\":\"busybox:latest\",\"digest\":\"sha256:ab\"}");

  ROUND_TRIPS(ctrt_pull_progress, "{\"kind\":\"status\",\"id\":\"l1\",\"status\":\"Extracting\",\"current\":5,"
                                  "\"total\":5}");
  ROUND_TRIPS(ctrt_pull_progress, "{\"kind\":\"done\",\"reference\":\"busybox:latest\"}");
  /* A failure late in a payload frees what was decoded before it. */
  DECODE_FAILS(ctrt_pull_progress,
               "{\"kind\":\"status\",\"id\":\"l1\",\"status\":\"Downloading\",\"progress\":\"p\",\"current\":-1}",
               "$.current: -1 is out of range for u64 (0..9223372036854775807)");
  DECODE_FAILS(ctrt_pull_progress, "{\"kind\":\"done\",\"digest\":\"sha256:ab\"}",
               "$.reference: missing required field");
}

static void test_container_state(void) {
  static const struct {
    ctrt_container_state_kind kind;
    const char *wire;
  } units[] = {{CTRT_CONTAINER_STATE_PENDING, "\"pending\""},
               {CTRT_CONTAINER_STATE_INITIALIZING, "\"initializing\""},
               {CTRT_CONTAINER_STATE_RUNNING, "\"running\""},
               {CTRT_CONTAINER_STATE_STOPPING, "\"stopping\""}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    ctrt_container_state s = CTRT_CONTAINER_STATE_INIT;
    s.kind = units[i].kind;
    ENCODES(ctrt_container_state, &s, units[i].wire);
    ROUND_TRIPS(ctrt_container_state, units[i].wire);
  }
  ctrt_container_state s = CTRT_CONTAINER_STATE_INIT;
  s.kind = CTRT_CONTAINER_STATE_EXITED;
  s.exited.code = 137;
  ENCODES(ctrt_container_state, &s, "{\"exited\":{\"code\":137}}");
  s.exited.code = -1;
  ENCODES(ctrt_container_state, &s, "{\"exited\":{\"code\":-1}}");
  s.kind = CTRT_CONTAINER_STATE_FAILED;
  s.failed.reason = (char *)"container is dead";
  ENCODES(ctrt_container_state, &s, "{\"failed\":{\"reason\":\"container is dead\"}}");
  ROUND_TRIPS(ctrt_container_state, "{\"exited\":{\"code\":0}}");
  ROUND_TRIPS(ctrt_container_state, "{\"failed\":{\"reason\":\"oom\"}}");

  ctrt_container_state *back = NULL;
  ASSERT_OK(ctrt_container_state_from_json_string(&back, "{\"exited\":{\"code\":137}}", 23));
  CU_ASSERT_EQUAL(back->kind, CTRT_CONTAINER_STATE_EXITED);
  CU_ASSERT_EQUAL(back->exited.code, 137);
  ctrt_container_state_free(back);

  DECODE_FAILS(ctrt_container_state, "\"sleeping\"",
               "$: unknown ContainerState variant 'sleeping' (expected pending, initializing, running, stopping, "
               "exited, failed)");
  DECODE_FAILS(ctrt_container_state, "\"Running\"",
               "$: unknown ContainerState variant 'Running' (expected pending, initializing, running, stopping, "
               "exited, failed)");
  DECODE_FAILS(ctrt_container_state, "{\"running\":{}}",
               "$: ContainerState variant 'running' carries no data; expected the string \"running\"");
  DECODE_FAILS(ctrt_container_state, "\"exited\"",
               "$: ContainerState variant 'exited' needs data; expected {\"exited\": ...}");
  DECODE_FAILS(ctrt_container_state, "{\"exited\":{\"code\":1},\"failed\":{\"reason\":\"x\"}}",
               "$: expected a ContainerState (a variant name, or an object with one variant key), got object");
  DECODE_FAILS(ctrt_container_state, "{}",
               "$: expected a ContainerState (a variant name, or an object with one variant key), got object");
  DECODE_FAILS(ctrt_container_state, "137",
               "$: expected a ContainerState (a variant name, or an object with one variant key), got integer");
  DECODE_FAILS(ctrt_container_state, "{\"exited\":{\"code\":\"137\"}}", "$.exited.code: expected integer, got string");
  DECODE_FAILS(ctrt_container_state, "{\"exited\":{}}", "$.exited.code: missing required field");
  DECODE_FAILS(ctrt_container_state, "{\"failed\":7}", "$.failed: expected object, got integer");

  s = (ctrt_container_state)CTRT_CONTAINER_STATE_INIT;
  ENCODE_FAILS(ctrt_container_state, &s, "$: 0 is not a valid ContainerState kind");
}

static void test_exec_event(void) {
  /* Exec output is bytes: base64 in JSON, whatever the bytes are. */
  ctrt_exec_event ev = CTRT_EXEC_EVENT_INIT;
  ev.kind = CTRT_EXEC_EVENT_STDOUT;
  ev.stdout_ = (ctrt_bytes){(uint8_t *)"x", 1};
  ENCODES(ctrt_exec_event, &ev, "{\"stdout\":\"eA==\"}");
  ev.kind = CTRT_EXEC_EVENT_STDERR;
  ev.stderr_ = (ctrt_bytes){(uint8_t *)"line 1\nline \"2\"", 15};
  ENCODES(ctrt_exec_event, &ev, "{\"stderr\":\"bGluZSAxCmxpbmUgIjIi\"}");
  ev.stdout_ = (ctrt_bytes){(uint8_t *)"abc\0def", 7};
  ev.kind = CTRT_EXEC_EVENT_STDOUT;
  ENCODES(ctrt_exec_event, &ev, "{\"stdout\":\"YWJjAGRlZg==\"}");
  ev.kind = CTRT_EXEC_EVENT_EXIT;
  ev.exit = 3;
  ENCODES(ctrt_exec_event, &ev, "{\"exit\":3}");
  ROUND_TRIPS(ctrt_exec_event, "{\"stdout\":\"aGk=\"}");
  ROUND_TRIPS(ctrt_exec_event, "{\"stderr\":\"//4A\"}");
  ROUND_TRIPS(ctrt_exec_event, "{\"stderr\":\"\"}");
  ROUND_TRIPS(ctrt_exec_event, "{\"exit\":-2147483648}");
  DECODE_FAILS(ctrt_exec_event, "{\"exit\":\"3\"}", "$.exit: expected integer, got string");
  DECODE_FAILS(ctrt_exec_event, "{\"stdout\":[\"x\"]}", "$.stdout: expected string (base64), got array");
  DECODE_FAILS(ctrt_exec_event, "{\"stdout\":\"a\"}", "$.stdout: not valid base64");
  DECODE_FAILS(ctrt_exec_event, "{\"exit\":2147483648}",
               "$.exit: 2147483648 is out of range for i32 (-2147483648..2147483647)");
  DECODE_FAILS(ctrt_exec_event, "\"exit\"", "$: ExecEvent variant 'exit' needs data; expected {\"exit\": ...}");
}

/* The one rule for returned bytes (common.h): data never NULL, a NUL after
 * the len bytes; decoded, copied and empty values alike. */
static void test_exec_result_bytes(void) {
  ctrt_exec_result *r = NULL;
  const char *text = "{\"exit_code\":0,\"stdout\":\"YWJjAGRlZg==\",\"stderr\":\"\",\"output_truncated\":false}";
  ASSERT_OK(ctrt_exec_result_from_json_string(&r, text, strlen(text)));
  CU_ASSERT_EQUAL(r->stdout_.len, 7);
  CU_ASSERT_EQUAL(memcmp(r->stdout_.data, "abc\0def", 8), 0); /* the 8th byte: the NUL after */
  CU_ASSERT_PTR_NOT_NULL_FATAL(r->stderr_.data);
  CU_ASSERT_EQUAL(r->stderr_.len, 0);
  CU_ASSERT_EQUAL(r->stderr_.data[0], 0);
  ctrt_exec_result *copy = NULL;
  ASSERT_OK(ctrt_exec_result_copy(&copy, r));
  CU_ASSERT_EQUAL(copy->stdout_.len, 7);
  CU_ASSERT_EQUAL(memcmp(copy->stdout_.data, "abc\0def", 8), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(copy->stderr_.data);
  CU_ASSERT_EQUAL(copy->stderr_.data[0], 0);
  CU_ASSERT_TRUE(ctrt_exec_result_equal(copy, r));
  ENCODES(ctrt_exec_result, copy, text);
  ctrt_exec_result_free(copy);
  ctrt_exec_result_free(r);
  /* A caller's {NULL, 0} is an empty value: it encodes as "". */
  ctrt_exec_result mine = CTRT_EXEC_RESULT_INIT;
  ENCODES(ctrt_exec_result, &mine, "{\"exit_code\":0,\"stdout\":\"\",\"stderr\":\"\",\"output_truncated\":false}");
  DECODE_FAILS(ctrt_exec_result, "{\"exit_code\":0,\"stderr\":\"\"}", "$.stdout: missing required field");
}

static void test_path_stat(void) {
  ctrt_path_stat st = CTRT_PATH_STAT_INIT;
  st.name = (char *)"passwd";
  st.size = 1234;
  st.mode = 0100644;
  st.mtime = (char *)"2025-11-28T10:36:48Z";
  ENCODES(ctrt_path_stat, &st,
          "{\"name\":\"passwd\",\"size\":1234,\"mode\":33188,\"mtime\":\"2025-11-28T10:36:48Z\",\"linkTarget\":\"\"}");
  st.name = (char *)"sh";
  st.mode = 0120777;
  st.mtime = NULL;
  st.link_target = (char *)"/bin/busybox";
  ENCODES(ctrt_path_stat, &st, "{\"name\":\"sh\",\"size\":1234,\"mode\":41471,\"linkTarget\":\"/bin/busybox\"}");

  ctrt_path_stat *back = NULL;
  const char *text = "{\"name\":\"sh\",\"size\":12,\"mode\":41471,\"link_target\":\"ignored\",\"linkTarget\":\"/x\"}";
  ASSERT_OK(ctrt_path_stat_from_json_string(&back, text, strlen(text)));
  ASSERT_STR(back->link_target, "/x");
  CU_ASSERT_PTR_NULL(back->mtime);
  CU_ASSERT_EQUAL(back->mode, 0120777);
  ctrt_path_stat_free(back);
  /* linkTarget is optional on the wire: absent means "". */
  text = "{\"name\":\"f\",\"size\":0,\"mode\":0}";
  ASSERT_OK(ctrt_path_stat_from_json_string(&back, text, strlen(text)));
  ctrt_path_stat expected = CTRT_PATH_STAT_INIT;
  expected.name = (char *)"f";
  expected.link_target = (char *)"";
  CU_ASSERT_TRUE(ctrt_path_stat_equal(back, &expected));
  ctrt_path_stat_free(back);
  DECODE_FAILS(ctrt_path_stat, "{\"name\":\"f\",\"size\":0,\"mode\":-1}",
               "$.mode: -1 is out of range for u32 (0..4294967295)");
}

static void test_secrets_are_never_written(void) {
  const char *secret = "hunter2-very-secret";
  ctrt_container_auth_context ctx = CTRT_CONTAINER_AUTH_CONTEXT_INIT;
  ctx.api_url = (char *)"http://10.0.0.1:8080";
  ctx.jwt_secret = (char *)secret;
  ctx.socket_path = (char *)"/run/zlayer/api.sock";
  ENCODES(ctrt_container_auth_context, &ctx,
          "{\"api_url\":\"http://10.0.0.1:8080\",\"socket_path\":\"/run/zlayer/api.sock\"}");
  json_t *json = NULL;
  ASSERT_OK(ctrt_container_auth_context_to_json(&json, &ctx));
  CU_ASSERT_PTR_NULL(json_object_get(json, "jwt_secret"));
  CU_ASSERT_EQUAL(json_object_size(json), 2);
  json_decref(json);
  /* A copy keeps it (the runtime needs it), JSON never shows it. */
  ctrt_container_auth_context *copy = NULL;
  ASSERT_OK(ctrt_container_auth_context_copy(&copy, &ctx));
  ASSERT_STR(copy->jwt_secret, secret);
  char *text = NULL;
  ASSERT_OK(ctrt_container_auth_context_to_json_string(&text, copy));
  CU_ASSERT_PTR_NULL(strstr(text, secret));
  ctrt_free(text);
  ctrt_container_auth_context_free(copy);

  ctrt_registry_auth auth = CTRT_REGISTRY_AUTH_INIT;
  auth.username = (char *)"admin";
  auth.password = (char *)secret;
  ENCODES(ctrt_registry_auth, &auth, "{\"username\":\"admin\",\"auth_type\":\"basic\"}");
  auth.auth_type = CTRT_REGISTRY_AUTH_TYPE_TOKEN;
  ENCODES(ctrt_registry_auth, &auth, "{\"username\":\"admin\",\"auth_type\":\"token\"}");

  ctrt_guest_overlay_config overlay = CTRT_GUEST_OVERLAY_CONFIG_INIT;
  overlay.address = (char *)"10.1.0.2/24";
  overlay.private_key = (char *)secret;
  ASSERT_OK(ctrt_guest_overlay_config_to_json_string(&text, &overlay));
  CU_ASSERT_PTR_NULL(strstr(text, secret));
  CU_ASSERT_PTR_NULL(strstr(text, "private_key"));
  ctrt_free(text);
}

/* ---- Malformed input ---------------------------------------------------------- */

static void test_wrong_types_at_nested_positions(void) {
  DECODE_FAILS(ctrt_container_inspect_details,
               "{\"networks\":[{\"network\":\"a\"},{\"network\":\"b\",\"ipv4\":\"10.0.0.2\"},"
               "{\"network\":\"c\",\"ipv4\":5}]}",
               "$.networks[2].ipv4: expected string, got integer");
  DECODE_FAILS(ctrt_container_inspect_details,
               "{\"networks\":[{\"network\":\"a\",\"aliases\":[\"x\"]},{\"network\":\"b\",\"aliases\":[\"y\",5]}]}",
               "$.networks[1].aliases[1]: expected string, got integer");
  DECODE_FAILS(ctrt_container_inspect_details, "{\"networks\":{\"network\":\"a\"}}",
               "$.networks: expected array, got object");
  DECODE_FAILS(ctrt_container_inspect_details, "{\"health\":{\"status\":\"sick\"}}",
               "$.health.status: unknown HealthStatus 'sick' (expected none, starting, healthy, unhealthy)");
  DECODE_FAILS(ctrt_container_top_output, "{\"titles\":[\"PID\"],\"processes\":[[\"1\"],[\"2\",3]]}",
               "$.processes[1][1]: expected string, got integer");
  DECODE_FAILS(ctrt_container_top_output, "{\"titles\":[\"PID\"],\"processes\":[\"1\"]}",
               "$.processes[0]: expected array, got string");
  /* Inside maps: plain keys, and keys that need quoting. */
  DECODE_FAILS(ctrt_image_inspect_info, "{\"labels\":{\"a\":\"x\",\"b\":1}}",
               "$.labels.b: expected string, got integer");
  DECODE_FAILS(ctrt_image_inspect_info, "{\"labels\":{\"a\":\"x\",\"com.example/b\":false}}",
               "$.labels[\"com.example/b\"]: expected string, got boolean");
  DECODE_FAILS(ctrt_image_inspect_info, "{\"labels\":{\"we\\\"ird\\\\\":[]}}",
               "$.labels[\"we\\\"ird\\\\\"]: expected string, got array");
  DECODE_FAILS(ctrt_image_inspect_info, "{\"labels\":[\"a=b\"]}", "$.labels: expected object, got array");
  DECODE_FAILS(ctrt_service_spec, "{\"image\":{\"name\":\"busybox\"},\"env\":{\"A\":\"1\",\"B\":true}}",
               "$.env.B: expected string, got boolean");
  DECODE_FAILS(ctrt_service_spec,
               "{\"image\":{\"name\":\"x\"},\"env\":{\"A\":\"1\"},\"labels\":{\"l\":\"v\"},\"dns\":[\"1.1.1.1\"],"
               "\"port_mappings\":[{\"container_port\":80},{\"container_port\":81,\"protocol\":\"tcpx\"}]}",
               "$.port_mappings[1].protocol: unknown PortProtocol 'tcpx' (expected tcp, udp, sctp)");
  DECODE_FAILS(ctrt_service_spec, "{\"image\":{\"name\":\"x\",\"pull_policy\":\"sometimes\"}}",
               "$.image.pull_policy: unknown PullPolicy 'sometimes' (expected always, newer, if_not_present, never)");
  DECODE_FAILS(ctrt_service_spec, "{\"image\":{\"name\":\"x\"},\"command\":{\"args\":[\"sh\",{}]}}",
               "$.command.args[1]: expected string, got object");
  DECODE_FAILS(ctrt_commit_outcome, "[]", "$: expected object, got array");
  DECODE_FAILS(ctrt_commit_outcome, "null", "$: expected object, got null");
  DECODE_FAILS(ctrt_image_info, "{\"reference\":null}", "$.reference: expected string, got null");
  DECODE_FAILS(ctrt_mount_spec, "{\"source\":\"/a\",\"target\":\"/b\",\"read_only\":1}",
               "$.read_only: expected boolean, got integer");
  DECODE_FAILS(ctrt_mount_spec, "{\"source\":\"/a\",\"target\":\"/b\",\"read_only\":\"true\"}",
               "$.read_only: expected boolean, got string");
}

static void test_missing_required_fields(void) {
  DECODE_FAILS(ctrt_commit_outcome, "{}", "$.id: missing required field");
  DECODE_FAILS(ctrt_commit_outcome, "{\"ID\":\"x\"}", "$.id: missing required field");
  DECODE_FAILS(ctrt_service_spec, "{\"env\":{}}", "$.image: missing required field");
  DECODE_FAILS(ctrt_service_spec, "{\"image\":{}}", "$.image.name: missing required field");
  DECODE_FAILS(ctrt_container_inspect_details, "{\"ports\":[{\"container_port\":80},{\"host_port\":80}]}",
               "$.ports[1].container_port: missing required field");
  DECODE_FAILS(ctrt_container_id, "{\"service\":\"web\"}", "$.replica: missing required field");
  /* Fields with defaults may be missing. */
  ctrt_container_id *id = NULL;
  const char *text = "{\"service\":\"web\",\"replica\":2}";
  ASSERT_OK(ctrt_container_id_from_json_string(&id, text, strlen(text)));
  ctrt_container_id expected = CTRT_CONTAINER_ID_INIT;
  expected.service = (char *)"web";
  expected.replica = 2;
  CU_ASSERT_TRUE(ctrt_container_id_equal(id, &expected));
  ENCODES(ctrt_container_id, id, "{\"service\":\"web\",\"replica\":2,\"role\":\"default\",\"node_id\":0}");
  ctrt_container_id_free(id);
}

static void test_unusable_json_text(void) {
  DECODE_FAILS_PREFIX(ctrt_commit_outcome, "{\"id\":\"abc\"", "$: invalid JSON");
  DECODE_FAILS_PREFIX(ctrt_commit_outcome, "{\"id\":", "$: invalid JSON");
  DECODE_FAILS_PREFIX(ctrt_commit_outcome, "", "$: invalid JSON");
  DECODE_FAILS_PREFIX(ctrt_commit_outcome, "{\"id\":\"abc\"} {}", "$: invalid JSON");
  DECODE_FAILS_PREFIX(ctrt_commit_outcome, "{'id':'abc'}", "$: invalid JSON");
  DECODE_FAILS_PREFIX(ctrt_commit_outcome, "{\"id\":\"a\\u0000b\"}", "$.id: the string carries a NUL");
  /* Only len bytes are read. */
  DECODE_FAILS_(ctrt_commit_outcome, "{\"id\":\"abc\"}", 8, "$: invalid JSON", true);
  /* Invalid UTF-8 in the text. */
  DECODE_FAILS_PREFIX(ctrt_commit_outcome, "{\"id\":\"\xff\"}", "$: invalid JSON");
  DECODE_FAILS_PREFIX(ctrt_commit_outcome, "{\"id\":\"\xc3\x28\"}", "$: invalid JSON");
  DECODE_FAILS_PREFIX(ctrt_commit_outcome, "{\"id\":\"\xed\xa0\x80\"}", "$: invalid JSON"); /* a surrogate */
  /* ... and in C strings about to be written. */
  ctrt_commit_outcome outcome = CTRT_COMMIT_OUTCOME_INIT;
  outcome.id = (char *)"bad \xc3\x28 text";
  ENCODE_FAILS(ctrt_commit_outcome, &outcome, "$.id: string is not valid UTF-8");
  outcome.id = (char *)"caf\xc3\xa9 \xf0\x9f\x90\xb3";
  ENCODES(ctrt_commit_outcome, &outcome, "{\"id\":\"caf\xc3\xa9 \xf0\x9f\x90\xb3\"}");
}

static char *nested(size_t depth, const char *open, const char *middle, const char *close) {
  size_t lo = strlen(open), lm = strlen(middle), lc = strlen(close);
  char *text = malloc(depth * (lo + lc) + lm + 32);
  char *p = text;
  p += sprintf(p, "{\"id\":");
  for (size_t i = 0; i < depth; i++, p += lo)
    memcpy(p, open, lo);
  memcpy(p, middle, lm);
  p += lm;
  for (size_t i = 0; i < depth; i++, p += lc)
    memcpy(p, close, lc);
  strcpy(p, "}");
  return text;
}

static void test_deep_nesting(void) {
  /* 10,000 levels: refused (not a crash, not a stack overflow). */
  char *arrays = nested(10000, "[", "1", "]");
  DECODE_FAILS_PREFIX(ctrt_commit_outcome, arrays, "$");
  ctrt_commit_outcome *v = NULL;
  CU_ASSERT_EQUAL(ctrt_commit_outcome_from_json_string(&v, arrays, strlen(arrays)), CTRT_EINVALID_ARGUMENT);
  free(arrays);
  char *objects = nested(10000, "{\"a\":", "null", "}");
  DECODE_FAILS_PREFIX(ctrt_commit_outcome, objects, "$");
  free(objects);
  /* Nesting the parser accepts still fails where a string is expected. */
  char *shallow = nested(100, "[", "\"x\"", "]");
  DECODE_FAILS(ctrt_commit_outcome, shallow, "$.id: expected string, got array");
  free(shallow);
  /* Deep inside a map of a list of lists. */
  DECODE_FAILS(ctrt_container_top_output, "{\"titles\":[[[[[[[[[[\"x\"]]]]]]]]]]}",
               "$.titles[0]: expected string, got array");
}

static void test_numbers(void) {
  /* Too big for any JSON number we read. */
  DECODE_FAILS_PREFIX(ctrt_image_info, "{\"reference\":\"r\",\"size_bytes\":1e400}", "$: invalid JSON");
  DECODE_FAILS_PREFIX(ctrt_image_info, "{\"reference\":\"r\",\"size_bytes\":99999999999999999999}", "$: invalid JSON");
  DECODE_FAILS_PREFIX(ctrt_image_info, "{\"reference\":\"r\",\"size_bytes\":-99999999999999999999}", "$: invalid JSON");
  DECODE_FAILS(ctrt_image_info, "{\"reference\":\"r\",\"size_bytes\":1e300}",
               "$.size_bytes: expected integer, got real");
  DECODE_FAILS(ctrt_image_info, "{\"reference\":\"r\",\"size_bytes\":1.0}", "$.size_bytes: expected integer, got real");
  DECODE_FAILS(ctrt_image_info, "{\"reference\":\"r\",\"size_bytes\":\"12\"}",
               "$.size_bytes: expected integer, got string");
  /* u16 and u32 overflow, negatives for unsigned types. */
  DECODE_FAILS(ctrt_port_mapping, "{\"container_port\":70000}",
               "$.container_port: 70000 is out of range for u16 (0..65535)");
  DECODE_FAILS(ctrt_port_mapping, "{\"container_port\":65536}",
               "$.container_port: 65536 is out of range for u16 (0..65535)");
  DECODE_FAILS(ctrt_port_mapping, "{\"container_port\":-1}", "$.container_port: -1 is out of range for u16 (0..65535)");
  DECODE_FAILS(ctrt_port_mapping, "{\"container_port\":80.5}", "$.container_port: expected integer, got real");
  DECODE_FAILS(ctrt_port_mapping, "{\"container_port\":80,\"host_port\":65536}",
               "$.host_port: 65536 is out of range for u16 (0..65535)");
  DECODE_FAILS(ctrt_container_id, "{\"service\":\"web\",\"replica\":4294967296}",
               "$.replica: 4294967296 is out of range for u32 (0..4294967295)");
  DECODE_FAILS(ctrt_container_id, "{\"service\":\"web\",\"replica\":-4294967295}",
               "$.replica: -4294967295 is out of range for u32 (0..4294967295)");
  DECODE_FAILS(ctrt_container_id, "{\"service\":\"web\",\"replica\":1,\"node_id\":-1}",
               "$.node_id: -1 is out of range for u64 (0..9223372036854775807)");
  DECODE_FAILS(ctrt_container_prune_result, "{\"space_reclaimed\":-5}",
               "$.space_reclaimed: -5 is out of range for u64 (0..9223372036854775807)");
  DECODE_FAILS(ctrt_wait_outcome, "{\"exit_code\":1.5,\"reason\":\"exited\"}",
               "$.exit_code: expected integer, got real");
  DECODE_FAILS(ctrt_wait_outcome, "{\"exit_code\":-2147483649,\"reason\":\"exited\"}",
               "$.exit_code: -2147483649 is out of range for i32 (-2147483648..2147483647)");
  /* The limits themselves are fine. */
  ROUND_TRIPS(ctrt_port_mapping, "{\"host_port\":65535,\"container_port\":0,\"protocol\":\"udp\",\"host_ip\":\"::\"}");
  ROUND_TRIPS(ctrt_container_id, "{\"service\":\"s\",\"replica\":4294967295,\"role\":\"r\",\"node_id\":"
                                 "9223372036854775807}");

  /* u64 values above INT64_MAX have no JSON form here: encoding fails, with the path. */
  ctrt_container_stats stats = CTRT_CONTAINER_STATS_INIT;
  stats.memory_limit = UINT64_MAX;
  ENCODE_FAILS(ctrt_container_stats, &stats,
               "$.memory_limit: 18446744073709551615 does not fit a JSON integer (max 9223372036854775807)");
  stats.memory_limit = (uint64_t)INT64_MAX + 1;
  ENCODE_FAILS(ctrt_container_stats, &stats,
               "$.memory_limit: 9223372036854775808 does not fit a JSON integer (max 9223372036854775807)");
  ctrt_image_info items[2] = {CTRT_IMAGE_INFO_INIT, CTRT_IMAGE_INFO_INIT};
  items[0].reference = (char *)"a";
  items[1].reference = (char *)"b";
  items[1].has_size_bytes = true;
  items[1].size_bytes = UINT64_MAX;
  ctrt_image_info_list list = {2, items};
  ENCODE_FAILS(ctrt_image_info_list, &list,
               "$[1].size_bytes: 18446744073709551615 does not fit a JSON integer (max 9223372036854775807)");
  items[1].size_bytes = (uint64_t)INT64_MAX;
  ENCODES(ctrt_image_info_list, &list,
          "[{\"reference\":\"a\"},{\"reference\":\"b\",\"size_bytes\":9223372036854775807}]");
  /* Non-finite reals have no JSON form either. */
  ctrt_resources_spec resources = CTRT_RESOURCES_SPEC_INIT;
  resources.has_cpu = true;
  resources.cpu = 1.0 / 0.0;
  ENCODE_FAILS(ctrt_resources_spec, &resources, "$.cpu: inf has no JSON form");
  resources.cpu = 1.5;
  ENCODES(ctrt_resources_spec, &resources, "{\"cpu\":1.5}");
}

static void test_unknown_variants_and_values(void) {
  DECODE_FAILS(ctrt_log_chunk, "{\"stream\":\"stdweird\",\"data\":\"\"}",
               "$.stream: unknown LogChannel 'stdweird' (expected stdin, stdout, stderr)");
  DECODE_FAILS(ctrt_log_chunk, "{\"stream\":1,\"data\":\"\"}", "$.stream: expected string, got integer");
  DECODE_FAILS(ctrt_pull_progress, "{\"kind\":\"bogus\"}",
               "$.kind: unknown PullProgress kind 'bogus' (expected status, done)");
  DECODE_FAILS(ctrt_log_entry,
               "{\"timestamp\":\"2025-11-28T10:36:48Z\",\"stream\":\"stdout\",\"message\":\"m\",\"source\":"
               "{\"type\":\"cron\"}}",
               "$.source.type: unknown LogSource kind 'cron' (expected container, job, build, daemon)");
  DECODE_FAILS(ctrt_wait_outcome, "{\"exit_code\":0,\"reason\":\"killed\"}",
               "$.reason: unknown WaitReason 'killed' (expected exited, signal, oom_killed, runtime_error)");
  /* Values an enum cannot take are not written either. */
  ctrt_wait_outcome outcome = CTRT_WAIT_OUTCOME_INIT;
  outcome.reason = (ctrt_wait_reason)99;
  ENCODE_FAILS(ctrt_wait_outcome, &outcome, "$.reason: 99 is not a valid WaitReason");
}

static void test_ips(void) {
  static const char *const bad[] = {"300.1.2.3",   "1.2.3",     "::g",       "",
                                    "10.0.0.1/24", " 10.0.0.1", "localhost", "1.2.3.4.5"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char text[128], expected[128];
    snprintf(text, sizeof text, "{\"network\":\"n\",\"ipv4\":\"%s\"}", bad[i]);
    snprintf(expected, sizeof expected, "$.ipv4: '%s' is not an IP address", bad[i]);
    DECODE_FAILS(ctrt_network_attachment_detail, text, expected);
  }
  ROUND_TRIPS(ctrt_network_attachment_detail, "{\"network\":\"n\",\"aliases\":[],\"ipv4\":\"10.0.0.2\"}");
  ROUND_TRIPS(ctrt_network_attachment_detail, "{\"network\":\"n\",\"aliases\":[\"a\"],\"ipv4\":\"2001:db8::1\"}");
  ctrt_network_attachment_detail detail = CTRT_NETWORK_ATTACHMENT_DETAIL_INIT;
  detail.network = (char *)"n";
  detail.ipv4 = (char *)"not-an-ip";
  ENCODE_FAILS(ctrt_network_attachment_detail, &detail, "$.ipv4: 'not-an-ip' is not an IP address");
}

static void test_bytes_and_timestamps(void) {
  ctrt_log_chunk chunk = CTRT_LOG_CHUNK_INIT;
  uint8_t raw[] = {0x00, 0xff, 'h', 'i', '\n'};
  chunk.stream = CTRT_LOG_CHANNEL_STDERR;
  chunk.data.data = raw;
  chunk.data.len = sizeof raw;
  chunk.has_timestamp = true;
  chunk.timestamp.seconds = 1764326208;
  chunk.timestamp.nanos = 500000000;
  ENCODES(ctrt_log_chunk, &chunk,
          "{\"stream\":\"stderr\",\"data\":\"AP9oaQo=\",\"timestamp\":\"2025-11-28T10:36:48.5Z\"}");
  ROUND_TRIPS(ctrt_log_chunk, "{\"stream\":\"stdout\",\"data\":\"\"}");

  /* A timestamp with an offset decodes to the same instant in UTC. */
  ctrt_log_chunk *back = NULL;
  const char *text = "{\"stream\":\"stdout\",\"data\":\"aGk=\",\"timestamp\":\"2025-11-28T16:06:48.5+05:30\"}";
  ASSERT_OK(ctrt_log_chunk_from_json_string(&back, text, strlen(text)));
  CU_ASSERT_TRUE(back->has_timestamp);
  CU_ASSERT_EQUAL(back->timestamp.seconds, 1764326208);
  CU_ASSERT_EQUAL(back->timestamp.nanos, 500000000);
  CU_ASSERT_TRUE(back->data.len == 2 && memcmp(back->data.data, "hi", 2) == 0);
  ctrt_log_chunk_free(back);
  /* Unpadded and URL-safe base64 are accepted too; a success leaves no error. */
  ctrt_backend_error(CTRT_ERROR_INTERNAL, 0, "an older error");
  text = "{\"stream\":\"stdout\",\"data\":\"-_-_aGk\"}";
  ASSERT_OK(ctrt_log_chunk_from_json_string(&back, text, strlen(text)));
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NONE);
  CU_ASSERT_TRUE(back->data.len == 5 && memcmp(back->data.data, "\xfb\xff\xbfhi", 5) == 0);
  ctrt_log_chunk_free(back);

  DECODE_FAILS(ctrt_log_chunk, "{\"stream\":\"stdout\",\"data\":\"###\"}", "$.data: not valid base64");
  DECODE_FAILS(ctrt_log_chunk, "{\"stream\":\"stdout\",\"data\":\"aGk=x\"}", "$.data: not valid base64");
  DECODE_FAILS(ctrt_log_chunk, "{\"stream\":\"stdout\",\"data\":\"aGk==\"}", "$.data: not valid base64");
  DECODE_FAILS(ctrt_log_chunk, "{\"stream\":\"stdout\",\"data\":5}", "$.data: expected string (base64), got integer");
  DECODE_FAILS(ctrt_log_chunk, "{\"stream\":\"stdout\",\"data\":\"\",\"timestamp\":\"yesterday\"}",
               "$.timestamp: 'yesterday' is not an RFC 3339 timestamp");
  DECODE_FAILS(ctrt_log_chunk, "{\"stream\":\"stdout\",\"data\":\"\",\"timestamp\":\"2023-02-29T00:00:00Z\"}",
               "$.timestamp: '2023-02-29T00:00:00Z' is not an RFC 3339 timestamp");
  DECODE_FAILS(ctrt_log_chunk, "{\"stream\":\"stdout\",\"data\":\"\",\"timestamp\":1764326208}",
               "$.timestamp: expected string (RFC 3339 timestamp), got integer");
  DECODE_FAILS(ctrt_stats_sample,
               "{\"cpu_total_ns\":1,\"cpu_system_ns\":1,\"online_cpus\":1,\"mem_used_bytes\":1,\"mem_limit_bytes\":0,"
               "\"net_rx_bytes\":0,\"net_tx_bytes\":0,\"blkio_read_bytes\":0,\"blkio_write_bytes\":0,"
               "\"pids_current\":1,\"timestamp\":\"2025-11-28 10:36:48\"}",
               "$.timestamp: '2025-11-28 10:36:48' is not an RFC 3339 timestamp");
  /* Instants outside years 0..9999 have no RFC 3339 form. */
  chunk.timestamp.seconds = 253402300800;
  chunk.timestamp.nanos = 0;
  ENCODE_FAILS(ctrt_log_chunk, &chunk, "$.timestamp: timestamp 253402300800.000000000 is out of range");
}

static void test_unknown_fields_and_nulls(void) {
  ctrt_commit_outcome *outcome = NULL;
  const char *text = "{\"Id\":\"upper\",\"id\":\"x\",\"extra\":{\"deep\":[1,{\"a\":null}]},\"n\":1e300}";
  ASSERT_OK(ctrt_commit_outcome_from_json_string(&outcome, text, strlen(text)));
  ASSERT_STR(outcome->id, "x");
  ctrt_commit_outcome_free(outcome);

  /* null for an optional field means absent. */
  ctrt_image_info *info = NULL;
  text = "{\"reference\":\"r\",\"digest\":null,\"size_bytes\":null}";
  ASSERT_OK(ctrt_image_info_from_json_string(&info, text, strlen(text)));
  CU_ASSERT_PTR_NULL(info->digest);
  CU_ASSERT_FALSE(info->has_size_bytes);
  ENCODES(ctrt_image_info, info, "{\"reference\":\"r\"}");
  ctrt_image_info_free(info);
  text = "{\"reference\":\"r\",\"size_bytes\":0}";
  ASSERT_OK(ctrt_image_info_from_json_string(&info, text, strlen(text)));
  CU_ASSERT_TRUE(info->has_size_bytes);
  ENCODES(ctrt_image_info, info, text);
  ctrt_image_info_free(info);
}

static void test_null_arguments(void) {
  ctrt_commit_outcome *outcome = NULL;
  ASSERT_FAILS_WITH(ctrt_commit_outcome_from_json_string(NULL, "{}", 2), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_commit_outcome_from_json_string(&outcome, NULL, 0), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_commit_outcome_from_json(&outcome, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  char *text = NULL;
  ASSERT_FAILS_WITH(ctrt_commit_outcome_to_json_string(&text, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  json_t *json = NULL;
  ASSERT_FAILS_WITH(ctrt_commit_outcome_to_json(&json, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  ctrt_commit_outcome value = CTRT_COMMIT_OUTCOME_INIT;
  ASSERT_FAILS_WITH(ctrt_commit_outcome_to_json(NULL, &value), CTRT_ERROR_INVALID_ARGUMENT);
  /* A NULL required string is its default (""). */
  ENCODES(ctrt_commit_outcome, &value, "{\"id\":\"\"}");
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("wire forms", NULL, NULL);
  CU_add_test(s, "WaitCondition", test_wait_condition);
  CU_add_test(s, "FilesystemChangeKind", test_filesystem_change_kind);
  CU_add_test(s, "LoadProgress", test_load_progress);
  CU_add_test(s, "PullProgress", test_pull_progress);
  CU_add_test(s, "ContainerState", test_container_state);
  CU_add_test(s, "ExecEvent", test_exec_event);
  CU_add_test(s, "ExecResult bytes: never NULL, NUL after", test_exec_result_bytes);
  CU_add_test(s, "PathStat", test_path_stat);
  CU_add_test(s, "secrets", test_secrets_are_never_written);

  s = CU_add_suite("malformed", NULL, NULL);
  CU_add_test(s, "wrong types at nested positions", test_wrong_types_at_nested_positions);
  CU_add_test(s, "missing required fields", test_missing_required_fields);
  CU_add_test(s, "unusable text", test_unusable_json_text);
  CU_add_test(s, "deep nesting", test_deep_nesting);
  CU_add_test(s, "numbers", test_numbers);
  CU_add_test(s, "unknown variants", test_unknown_variants_and_values);
  CU_add_test(s, "IP addresses", test_ips);
  CU_add_test(s, "bytes and timestamps", test_bytes_and_timestamps);
  CU_add_test(s, "unknown fields and nulls", test_unknown_fields_and_nulls);
  CU_add_test(s, "NULL arguments", test_null_arguments);
}
