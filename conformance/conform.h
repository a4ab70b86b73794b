/* SPDX-License-Identifier: MIT */
/*
 * The conformance suite: cases written once against the public API, run by
 * ctrt-conform against any backend.
 *
 * A case is a CUnit test function plus the methods it tests and the ones it
 * only uses (CONFORM_CASE). It reaches the runtime and the fixtures through
 * the conform_* helpers, and checks with the C_* macros, which record the
 * check's id, the method called and what was observed. It never asks which
 * backend it runs on: where an engine legitimately differs,
 * conformance/expectations.json says exactly how (conformance/README.md).
 *
 * When the backend lacks a method a case tests, the runner does not run the
 * case; it calls each lacking method through the generated probe and expects
 * CTRT_EUNSUPPORTED: the verdict is "unsupported", not a pass.
 */
#ifndef CTRT_CONFORM_H
#define CTRT_CONFORM_H

#include <CUnit/CUnit.h>
#include <ctrt/ctrt.h>
#include <ctrt/json.h>
#include <stdlib.h>
#include <string.h>

/* What the runner set up before the cases run (see runner/env.c). */
typedef struct conform_env {
  const char *backend;
  /* The test image (busybox-static), loaded into the runtime. */
  const char *image;
  const char *image_id;
  /* Its docker-archive, for the load cases. */
  const uint8_t *image_archive;
  size_t image_archive_len;
  /* References a pull can fetch: anonymously, and with credentials. */
  const char *pull_ref;
  const char *pull_missing_ref; /* same registry, no such repository */
  const char *auth_pull_ref;
  const char *auth_user, *auth_password;
  /* A search term that names a registry host, and a name it must find. */
  const char *search_term;
  const char *search_expect;
  /* Unique per run: names of everything the suite creates contain it. */
  const char *run_token;
  /* Why the test image could not be set up on this backend, or NULL. */
  const char *image_problem;
  /* --host as given (NULL: the backend's default). */
  const char *host;
} conform_env;

typedef struct conform_case {
  const char *name; /* "area.what_it_checks" */
  const char *doc;
  void (*fn)(void);
  /* The methods the case tests: its verdict is theirs. */
  const ctrt_op *tests;
  size_t n_tests;
  /* The methods it only uses, to set up or to observe: when one of them
   * fails the case is "error" (blocked), not a failure of what it tests. */
  const ctrt_op *uses;
  size_t n_uses;
  unsigned timeout_s; /* 0 = the runner's default */
  /* It changes what every other case sees (it prunes, or removes or counts
   * all containers or images): it never runs beside another case. */
  bool alone;
  /* It adds or removes names of the shared test image (a tag of it, or a
   * pull of the registry's copy, which is the same image): no two such
   * cases run at once. Podman before 4.8 rewrites an image's whole name
   * list from what it read at the request's start, so of two clients
   * changing names of one image at once, one change can be lost
   * (containers/podman#17515; 4.3.1 here: 4 clients tagging, 13 of 240
   * fresh tags gone at once). */
  bool tags_test_image;
  /* It takes seconds by its nature (intervals, timeouts): the runner starts
   * it first, so that it does not end a parallel run last. */
  bool slow;
} conform_case;

typedef struct conform_area {
  const char *name;
  const conform_case *cases;
  size_t n_cases;
} conform_area;

/*
 * CONFORM_CASE("logs.tail", case_tail, "what it checks",
 *              TESTS(CTRT_OP_CONTAINER_LOGS),
 *              USES(CTRT_OP_CREATE_CONTAINER, CTRT_OP_START_CONTAINER),
 *              ALONE, TAGS_TEST_IMAGE, SLOW, TIMEOUT_S(60))
 * TESTS is required; USES, ALONE, TAGS_TEST_IMAGE, SLOW and TIMEOUT_S are
 * optional. Every method a case calls through C_OK/C_FAILS must be in TESTS
 * or USES: the runner fails a case that calls one it did not declare.
 */
#define TESTS(...)                                                                                                     \
  .tests = (const ctrt_op[]){__VA_ARGS__}, .n_tests = sizeof((const ctrt_op[]){__VA_ARGS__}) / sizeof(ctrt_op)
#define USES(...)                                                                                                      \
  .uses = (const ctrt_op[]){__VA_ARGS__}, .n_uses = sizeof((const ctrt_op[]){__VA_ARGS__}) / sizeof(ctrt_op)
#define ALONE .alone = true
#define TAGS_TEST_IMAGE .tags_test_image = true
#define SLOW .slow = true
#define TIMEOUT_S(s) .timeout_s = (s)
#define CONFORM_CASE(name_, fn_, doc_, ...)                                                                            \
  { .name = (name_), .doc = (doc_), .fn = (fn_), __VA_ARGS__ }

#define CONFORM_AREA(name_, cases_)                                                                                    \
  { (name_), (cases_), sizeof(cases_) / sizeof((cases_)[0]) }

/* ---- context ---- */
ctrt_runtime *conform_rt(void);
const conform_env *conform_env_get(void);

/* ---- memory that lives until the end of the case ---- */
char *conform_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Keep a pointer to free (with free_fn) when the case ends. */
void conform_defer(void *ptr, void (*free_fn)(void *));

/* ---- containers: created through these, removed when the case ends ---- */
/* A fresh ContainerId (legacy shape) unique to this run. */
const ctrt_container_id *conform_new_id(void);
/* A spec of the test image running argv (NULL-terminated; NULL = the
 * image's own command), owned by the case, to adjust before creating. */
ctrt_service_spec *conform_spec(const char *const *argv);
/* Create with a spec (NULL = conform_spec(argv)); records a failure and
 * returns false if it fails. */
bool conform_create(const ctrt_container_id *id, const ctrt_service_spec *spec, const char *const *argv);
/* Create and start. */
bool conform_run(const ctrt_container_id *id, const ctrt_service_spec *spec, const char *const *argv);
/* A started container running `sleep 600` (for exec, archive, stats...). */
const ctrt_container_id *conform_sleeper(void);
/* Wait for the exit code. */
bool conform_wait(const ctrt_container_id *id, int32_t *code);
/* Run argv in a running container; the result is owned by the case. */
ctrt_exec_result *conform_exec(const ctrt_container_id *id, const char *const *argv);
/* Shell text (for sh -c) that waits, up to ten minutes, until /tmp/go
 * exists: a main process held until conform_release(id, "/tmp/go"). */
#define CONFORM_WAIT_GO "i=0; while [ ! -e /tmp/go ] && [ $i -lt 6000 ]; do sleep 0.1; i=$((i+1)); done; "
/* Create path (touch) in the running container, to release a main process
 * that waits for it. Exit 0, or 137 once the container has ended: the main
 * process, released, may exit before touch does, and the kernel then kills
 * every other process of the container's pid namespace. A 137 while the
 * container still runs fails. */
bool conform_release(const ctrt_container_id *id, const char *path);
/* A container of the test image running argv, created the way another
 * client of the engine creates one (its own API, no ctrt label, named name;
 * runner/outside.c): mock ctrt_mock_create_outside, docker and podman a raw
 * POST /containers/create, cri RunPodSandbox + CreateContainer +
 * StartContainer (fixtures/containerd/cri.py). Created, not started, except
 * on cri. Returns its engine id (owned by the case; the container is removed
 * when the case ends), or NULL with a failure recorded. */
const char *conform_outside_container(const char *name, const char *const *argv);
/* Remove an image reference when the case ends (ignoring errors). */
void conform_track_image(const char *reference);
/* Milliseconds since an arbitrary start (CLOCK_MONOTONIC). */
uint64_t conform_now_ms(void);
void conform_sleep_ms(unsigned ms);
/* Define `static void free_TYPE(void *)` calling ctrt_TYPE_free, for
 * conform_defer. */
#define CONFORM_FREER(type)                                                                                            \
  static void free_##type(void *p) { ctrt_##type##_free(p); }
/* Read a byte stream to its end into a new buffer (owned by the case). */
bool conform_read_archive(ctrt_archive_stream *stream, uint8_t **data, size_t *len);
bool conform_read_export(ctrt_image_export_stream *stream, uint8_t **data, size_t *len);
/* Find the entry of a tar by name; *content points into data. */
bool conform_tar_entry(const uint8_t *data, size_t len, const char *name, const uint8_t **content, size_t *size,
                       char *type, uint32_t *mode, char *link_target, size_t link_cap);
/* One entry of a tar built in memory: type '0' file (text = contents),
 * '5' directory, '2' symlink or '1' hard link (text = target). */
typedef struct conform_tar_item {
  const char *name;
  char type;
  const char *text;
  uint32_t mode; /* 0 = 0644 for files, 0755 for directories */
} conform_tar_item;
/* A ustar archive of items (owned by the case); names may be anything,
 * including hostile ones ("../x", "/abs"). */
uint8_t *conform_make_tar(const conform_tar_item *items, size_t n, size_t *len);

/* ---- checks ----
 * Every check has an id that expectations name (see conformance/README.md):
 *   C_OK(ctrt_runtime_X(...))      "X.ok"            observed: the error kind
 *   C_FAILS(op, call, kind)        "X.fails.KIND"    observed: "success" or the kind
 *   C_CHECK(cond, fmt, ...)        fmt, as written            observed: the message
 *   C_TRUE(cond)                   the condition's text       observed: the message
 *   C_EQ_INT(a, b), C_EQ_STR(a, b) "a == b"                  observed: the message
 * Ids never contain line numbers, so moving code does not break an entry. */
bool conform_check_ok(int rc, const char *call, const char *file, unsigned line);
bool conform_check_fails(int rc, ctrt_op op, ctrt_error_kind expected, const char *call, const char *file,
                         unsigned line);
bool conform_check(bool ok, const char *id, const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
bool conform_check_str(const char *actual, const char *expected, const char *id, const char *file, unsigned line);
/* Bytes a backend returned equal the len expected bytes exactly, and keep
 * the one rule of returned bytes (ctrt/common.h): data not NULL, a NUL after. */
bool conform_check_bytes(const ctrt_bytes *actual, const void *expected, size_t len, const char *id, const char *file,
                         unsigned line);
/* Returned bytes as C text up to their first NUL ("" if data is NULL). */
const char *conform_text(const ctrt_bytes *b);

/* The call succeeds (failure message: the ctrt error). Evaluates to bool. */
/* get_logs without caps. */
#define CONFORM_ALL_LOGS (&(const ctrt_log_options)CTRT_LOG_OPTIONS_INIT)

#define C_OK(call) conform_check_ok((call), #call, __FILE__, __LINE__)
/* The call of method op fails with the given kind, and that kind is one the
 * spec declares for op. */
#define C_FAILS(op, call, kind) conform_check_fails((call), (op), (kind), #call, __FILE__, __LINE__)
/* A condition, with a printf-style explanation. Evaluates to bool. */
#define C_CHECK(cond, ...) conform_check((cond), C_FIRST_(__VA_ARGS__, ~), __FILE__, __LINE__, __VA_ARGS__)
#define C_FIRST_(first, ...) first
#define C_TRUE(cond) conform_check((cond), #cond, __FILE__, __LINE__, "%s", #cond)
#define C_EQ_INT(actual, expected)                                                                                     \
  conform_check((long long)(actual) == (long long)(expected), #actual " == " #expected, __FILE__, __LINE__,            \
                "%s == %lld, expected %lld", #actual, (long long)(actual), (long long)(expected))
#define C_EQ_STR(actual, expected) conform_check_str((actual), (expected), #actual " == " #expected, __FILE__, __LINE__)
/* Bytes equal to the bytes of a C string (without its NUL) / of a buffer. */
#define C_EQ_TEXT(actual, expected)                                                                                    \
  conform_check_bytes(&(actual), (expected), strlen(expected), #actual " == " #expected, __FILE__, __LINE__)
#define C_EQ_BYTES(actual, expected, len)                                                                              \
  conform_check_bytes(&(actual), (expected), (len), #actual " == " #expected, __FILE__, __LINE__)

/* ---- the areas (conformance/cases/\*.c) ---- */
extern const conform_area conform_area_images;
extern const conform_area conform_area_lifecycle;
extern const conform_area conform_area_inspection;
extern const conform_area conform_area_logs;
extern const conform_area conform_area_exec;
extern const conform_area conform_area_archive;
extern const conform_area conform_area_errors;
extern const conform_area conform_area_streams;
extern const conform_area conform_area_adopt;

#endif
