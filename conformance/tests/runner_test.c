/* SPDX-License-Identifier: MIT */
/* The runner's judgement, without any engine: loading and validating
 * expectations, scoping them to an engine, and the verdict of a case from
 * what its process observed. */
#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runner/runner.h"
#include "runner/schedule.h"
#include "test_support.h"

void test_register(void);

static bool case_exists(const char *name) {
  return strcmp(name, "archive.put_rejects_dotdot") == 0 || strcmp(name, "logs.stream_binary_bytes") == 0;
}

static char *write_temp(const char *text) {
  char *path = strdup("/tmp/ctrt-runner-test-XXXXXX");
  int fd = mkstemp(path);
  CU_ASSERT_FATAL(fd >= 0);
  CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
  close(fd);
  return path;
}

#define ASSERT_STR_CONTAINS(text, needle)                                                                              \
  do {                                                                                                                 \
    const char *t_ = (text);                                                                                           \
    if (t_ == NULL || strstr(t_, (needle)) == NULL)                                                                    \
      fprintf(stderr, "\n%s:%d: \"%s\" lacks \"%s\"\n", __FILE__, __LINE__, t_ ? t_ : "(null)", (needle));             \
    CU_ASSERT_PTR_NOT_NULL(t_ ? strstr(t_, (needle)) : NULL);                                                          \
  } while (0)

#define ENTRY_OK                                                                                                       \
  "\"case\": \"archive.put_rejects_dotdot\", \"engine\": \"docker\", \"nature\": \"engine\", \"reason\": \"r\", "      \
  "\"evidence\": \"e\", \"fails\": [{\"check\": \"ok.txt stays absent\", \"observed\": \"ok.txt stays absent\"}]"

static int load_text(const char *entries, conform_expectations *out) {
  char doc[4096];
  snprintf(doc, sizeof doc, "{\"engines\": [\"mock\", \"docker\", \"podman\"], \"expectations\": [%s]}", entries);
  char *path = write_temp(doc);
  int rc = conform_expectations_load(path, case_exists, out);
  unlink(path);
  free(path);
  return rc;
}

static void expect_load_error(const char *entries, const char *needle) {
  conform_expectations e;
  int rc = load_text(entries, &e);
  CU_ASSERT_EQUAL(rc, CTRT_ECONFIGURATION);
  if (rc == 0) {
    conform_expectations_clear(&e);
    fprintf(stderr, "accepted: %s\n", entries);
    return;
  }
  const char *message = ctrt_error_last()->message;
  if (strstr(message, needle) == NULL)
    fprintf(stderr, "message \"%s\" lacks \"%s\"\n", message, needle);
  CU_ASSERT_PTR_NOT_NULL(strstr(message, needle));
}

static void test_load_valid(void) {
  conform_expectations e;
  CU_ASSERT_EQUAL_FATAL(load_text("{" ENTRY_OK "}", &e), 0);
  CU_ASSERT_EQUAL(e.n, 1);
  CU_ASSERT_EQUAL(e.n_engines, 3);
  CU_ASSERT_EQUAL(e.items[0].n_fails, 1);
  conform_expectations_clear(&e);
}

static void test_load_rejects(void) {
  expect_load_error("{" ENTRY_OK ", \"backend\": \"docker\"}", "unknown key \"backend\"");
  expect_load_error("{\"case\": \"archive.put_rejects_dotdott\", \"engine\": \"docker\"}",
                    "no case is named \"archive.put_rejects_dotdott\"");
  expect_load_error("{\"case\": \"archive.put_rejects_dotdot\", \"engine\": \"dokcer\"}", "unknown engine \"dokcer\"");
  expect_load_error("{" ENTRY_OK ", \"versions\": \"newer than 20\"}", "\"versions\"");
  expect_load_error("{" ENTRY_OK ", \"when\": {\"log_driver\": 1}}", "fact \"log_driver\"");
  expect_load_error("{\"case\": \"archive.put_rejects_dotdot\", \"engine\": \"docker\", \"nature\": \"ctrt\", "
                    "\"reason\": \"r\", \"evidence\": \"e\", \"fails\": [{\"check\": \"c\", \"observed\": \"o\"}]}",
                    "\"issue\"");
  expect_load_error("{\"case\": \"archive.put_rejects_dotdot\", \"engine\": \"docker\", \"nature\": \"engine\", "
                    "\"reason\": \"r\", \"evidence\": \"e\", \"fails\": []}",
                    "\"fails\"");
  expect_load_error("{\"case\": \"archive.put_rejects_dotdot\", \"engine\": \"docker\", \"nature\": \"engine\", "
                    "\"reason\": \"r\", \"evidence\": \"e\", \"fails\": [{\"check\": \"c\", \"observd\": \"o\"}]}",
                    "fails[0]");
  expect_load_error("{\"case\": \"archive.put_rejects_dotdot\", \"engine\": \"docker\", \"nature\": \"engine\", "
                    "\"fails\": [{\"check\": \"c\", \"observed\": \"o\"}]}",
                    "\"reason\" and \"evidence\"");
  expect_load_error("{" ENTRY_OK "}, 7", "expectation 1");
  /* Duplicate keys and unknown top-level keys. */
  conform_expectations e;
  char *path = write_temp("{\"engines\": [], \"engines\": [], \"expectations\": []}");
  CU_ASSERT_EQUAL(conform_expectations_load(path, case_exists, &e), CTRT_ECONFIGURATION);
  unlink(path);
  free(path);
  path = write_temp("{\"engines\": [], \"expectations\": [], \"divergences\": []}");
  CU_ASSERT_EQUAL(conform_expectations_load(path, case_exists, &e), CTRT_ECONFIGURATION);
  ASSERT_STR_CONTAINS(ctrt_error_last()->message, "divergences");
  unlink(path);
  free(path);
}

static void test_versions(void) {
  static const struct {
    const char *range, *version;
    bool match;
  } rows[] = {
      {">=20.10", "20.10.24", true}, {">=20.10", "20.9.1", false},  {"<25", "20.10.24", true},
      {"<25", "25.0.1", false},      {">=20.10 <25", "24.0", true}, {">=20.10 <25", "26.1", false},
      {"20.10", "20.10.24", true},   {"=20.10", "20.11.0", false},  {">20.10", "20.10.5", false},
      {"<=4.3", "4.3.1", true},      {">4", "4.3.1", false},        {">=4.3", "4.3.1-dev", true},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    bool m = !rows[i].match;
    CU_ASSERT_EQUAL(conform_version_matches(rows[i].range, rows[i].version, &m), 0);
    if (m != rows[i].match)
      fprintf(stderr, "%s on %s: %d\n", rows[i].range, rows[i].version, m);
    CU_ASSERT_EQUAL(m, rows[i].match);
  }
  bool m;
  CU_ASSERT_EQUAL(conform_version_matches(">=x", "1", &m), -1);
  CU_ASSERT_EQUAL(conform_version_matches("~1.2", "1", &m), -1);
  CU_ASSERT_EQUAL(conform_version_matches(">=20.", "1", &m), -1);
  CU_ASSERT_EQUAL(conform_version_matches(">=1", NULL, &m), 0);
  CU_ASSERT_FALSE(m);
}

static void test_scope(void) {
  conform_expectations e;
  CU_ASSERT_EQUAL_FATAL(load_text("{" ENTRY_OK ", \"versions\": \">=20.10 <25\", \"when\": {\"log_driver\": "
                                  "\"json-file\"}}",
                                  &e),
                        0);
  char *facts[] = {"log_driver=json-file", "os=linux"};
  ctrt_engine_info docker = {.name = "docker", .version = "20.10.24", .facts = facts, .n_facts = 2};
  CU_ASSERT_PTR_NOT_NULL(conform_expectation_find(&e, "archive.put_rejects_dotdot", &docker));
  CU_ASSERT_PTR_NULL(conform_expectation_find(&e, "logs.stream_binary_bytes", &docker));
  ctrt_engine_info podman = docker;
  podman.name = "podman";
  CU_ASSERT_PTR_NULL(conform_expectation_find(&e, "archive.put_rejects_dotdot", &podman));
  ctrt_engine_info newer = docker;
  newer.version = "28.2.2";
  CU_ASSERT_PTR_NULL(conform_expectation_find(&e, "archive.put_rejects_dotdot", &newer));
  char *local[] = {"log_driver=local"};
  ctrt_engine_info other_driver = {.name = "docker", .version = "20.10.24", .facts = local, .n_facts = 1};
  CU_ASSERT_PTR_NULL(conform_expectation_find(&e, "archive.put_rejects_dotdot", &other_driver));
  ctrt_engine_info no_facts = {.name = "docker", .version = "20.10.24"};
  CU_ASSERT_PTR_NULL(conform_expectation_find(&e, "archive.put_rejects_dotdot", &no_facts));
  conform_expectations_clear(&e);
}

/* ---- verdicts ---- */

static const conform_case dotdot = {.name = "archive.put_rejects_dotdot",
                                    .tests = (const ctrt_op[]){CTRT_OP_ARCHIVE_PUT},
                                    .n_tests = 1,
                                    .uses = (const ctrt_op[]){CTRT_OP_CREATE_CONTAINER, CTRT_OP_ARCHIVE_HEAD},
                                    .n_uses = 2};

static void add_failure(conform_outcome *o, const char *check, int op, const char *observed) {
  conform_failure *f = calloc(1, sizeof *f), **tail = &o->failures;
  CU_ASSERT_FATAL(f != NULL);
  f->check = strdup(check);
  f->op = op;
  f->observed = strdup(observed);
  f->message = strdup(check);
  while (*tail)
    tail = &(*tail)->next;
  *tail = f;
}

static conform_verdict judge(const conform_case *c, conform_outcome *o, const conform_expectation *x,
                             ctrt_support tested_support, char **detail) {
  ctrt_support support[CTRT_OP_COUNT];
  for (int i = 0; i < CTRT_OP_COUNT; i++)
    support[i] = CTRT_SUPPORT_NATIVE;
  support[c->tests[0]] = tested_support;
  conform_result r = {.c = c};
  conform_judge(c, o, x, support, &r);
  conform_outcome_clear(o);
  if (detail)
    *detail = r.detail;
  else
    free(r.detail);
  return r.verdict;
}

/* A ctrt limitation diverges too, its detail naming the issue and the
 * reason (a format with more conversions than arguments once crashed the
 * runner here). */
static void test_judge_ctrt_limitation(void) {
  conform_expectations e;
  CU_ASSERT_EQUAL_FATAL(
      load_text("{\"case\": \"archive.put_rejects_dotdot\", \"engine\": \"docker\", \"nature\": "
                "\"ctrt\", \"issue\": \"9\", \"reason\": \"not done yet\", \"evidence\": \"e\", "
                "\"fails\": [{\"check\": \"ok.txt stays absent\", \"observed\": \"ok.txt stays absent\"}]}",
                &e),
      0);
  conform_outcome o = {0};
  char *detail = NULL;
  add_failure(&o, "ok.txt stays absent", -1, "ok.txt stays absent");
  CU_ASSERT_EQUAL(judge(&dotdot, &o, &e.items[0], CTRT_SUPPORT_NATIVE, &detail), VERDICT_DIVERGES);
  ASSERT_STR_CONTAINS(detail, "a ctrt limitation (9):");
  ASSERT_STR_CONTAINS(detail, "not done yet");
  free(detail);
  conform_expectations_clear(&e);
}

/* An intermittent entry: a pass is a pass (saying so), the expected
 * failure diverges, any other failure is still a FAIL. */
static void test_judge_intermittent(void) {
  conform_expectations e;
  CU_ASSERT_EQUAL_FATAL(load_text("{\"case\": \"archive.put_rejects_dotdot\", \"engine\": \"docker\", \"nature\": "
                                  "\"engine\", \"intermittent\": true, \"reason\": \"a race\", \"evidence\": \"e\", "
                                  "\"fails\": [{\"check\": \"n: %s\", \"observed\": \"whole blocks\"}]}",
                                  &e),
                        0);
  const conform_expectation *x = &e.items[0];
  CU_ASSERT_TRUE(x->intermittent);
  conform_outcome o = {0};
  char *detail = NULL;
  CU_ASSERT_EQUAL(judge(&dotdot, &o, x, CTRT_SUPPORT_NATIVE, &detail), VERDICT_PASS);
  ASSERT_STR_CONTAINS(detail, "in some runs only");
  free(detail);
  detail = NULL;
  add_failure(&o, "n: %s", -1, "n: 4096 bytes short, whole blocks");
  CU_ASSERT_EQUAL(judge(&dotdot, &o, x, CTRT_SUPPORT_NATIVE, NULL), VERDICT_DIVERGES);
  add_failure(&o, "n: %s", -1, "n: differs at byte 12");
  CU_ASSERT_EQUAL(judge(&dotdot, &o, x, CTRT_SUPPORT_NATIVE, &detail), VERDICT_FAIL);
  ASSERT_STR_CONTAINS(detail, "not expected");
  free(detail);
  conform_expectations_clear(&e);
  /* Anything but a boolean is refused. */
  expect_load_error("{\"case\": \"archive.put_rejects_dotdot\", \"engine\": \"docker\", \"nature\": "
                    "\"engine\", \"intermittent\": \"yes\", \"reason\": \"r\", \"evidence\": \"e\", "
                    "\"fails\": [{\"check\": \"c\", \"observed\": \"o\"}]}",
                    "\"intermittent\" must be true or false");
}

static void test_judge(void) {
  conform_expectations e;
  CU_ASSERT_EQUAL_FATAL(load_text("{" ENTRY_OK "}", &e), 0);
  const conform_expectation *x = &e.items[0];
  conform_outcome o = {0};
  char *detail = NULL;

  CU_ASSERT_EQUAL(judge(&dotdot, &o, NULL, CTRT_SUPPORT_NATIVE, NULL), VERDICT_PASS);
  CU_ASSERT_EQUAL(judge(&dotdot, &o, NULL, CTRT_SUPPORT_DEFAULT, NULL), VERDICT_DEFAULT);
  /* Exactly the expected failure: diverges. */
  add_failure(&o, "ok.txt stays absent", -1, "ok.txt stays absent");
  CU_ASSERT_EQUAL(judge(&dotdot, &o, x, CTRT_SUPPORT_NATIVE, NULL), VERDICT_DIVERGES);
  /* The backend silently accepted '..': a different failure of the same
   * case is a FAIL naming both, whatever the entry says. */
  add_failure(&o, "archive_put.fails.invalid_argument", CTRT_OP_ARCHIVE_PUT, "success");
  CU_ASSERT_EQUAL(judge(&dotdot, &o, x, CTRT_SUPPORT_NATIVE, &detail), VERDICT_FAIL);
  ASSERT_STR_CONTAINS(detail, "not expected: check \"archive_put.fails.invalid_argument\" observing \"success\"");
  ASSERT_STR_CONTAINS(detail, "expected but not seen: check \"ok.txt stays absent\"");
  free(detail);
  /* The expected failure plus another one: FAIL. */
  add_failure(&o, "ok.txt stays absent", -1, "ok.txt stays absent");
  add_failure(&o, "archive_put.fails.invalid_argument", CTRT_OP_ARCHIVE_PUT, "success");
  CU_ASSERT_EQUAL(judge(&dotdot, &o, x, CTRT_SUPPORT_NATIVE, NULL), VERDICT_FAIL);
  /* A pass despite an expectation: stale, FAIL. */
  CU_ASSERT_EQUAL(judge(&dotdot, &o, x, CTRT_SUPPORT_NATIVE, &detail), VERDICT_FAIL);
  ASSERT_STR_CONTAINS(detail, "stale");
  free(detail);
  /* A set-up method failing first: blocked. */
  add_failure(&o, "create_container.ok", CTRT_OP_CREATE_CONTAINER, "create_failed");
  add_failure(&o, "archive_put.ok", CTRT_OP_ARCHIVE_PUT, "not_found");
  CU_ASSERT_EQUAL(judge(&dotdot, &o, NULL, CTRT_SUPPORT_NATIVE, &detail), VERDICT_ERROR);
  ASSERT_STR_CONTAINS(detail, "create_container");
  free(detail);
  /* The tested method failing first: FAIL. */
  add_failure(&o, "archive_put.ok", CTRT_OP_ARCHIVE_PUT, "not_found");
  add_failure(&o, "archive_head.ok", CTRT_OP_ARCHIVE_HEAD, "not_found");
  CU_ASSERT_EQUAL(judge(&dotdot, &o, NULL, CTRT_SUPPORT_NATIVE, NULL), VERDICT_FAIL);
  /* Undeclared calls, fixture damage and a dead process: FAIL, even
   * when everything else passed. */
  o.undeclared = strdup("tag_image");
  CU_ASSERT_EQUAL(judge(&dotdot, &o, NULL, CTRT_SUPPORT_NATIVE, NULL), VERDICT_FAIL);
  o.fixture_harm = strdup("localhost/ctrt/busybox:latest is gone");
  CU_ASSERT_EQUAL(judge(&dotdot, &o, NULL, CTRT_SUPPORT_NATIVE, NULL), VERDICT_FAIL);
  o.problem = strdup("hung");
  add_failure(&o, "ok.txt stays absent", -1, "ok.txt stays absent");
  CU_ASSERT_EQUAL(judge(&dotdot, &o, x, CTRT_SUPPORT_NATIVE, NULL), VERDICT_FAIL);
  conform_expectations_clear(&e);
}

/* ---- running cases in their own processes ---- */

static void case_passes(void) { C_TRUE(1 + 1 == 2); }
static void case_fails(void) { C_CHECK(false, "an impossible condition"); }
static void case_crashes(void) { abort(); }
static void case_hangs(void) {
  for (;;)
    pause();
}
/* Calls start_container, which it does not declare. */
static void case_undeclared(void) {
  C_FAILS(CTRT_OP_START_CONTAINER, ctrt_runtime_start_container(conform_rt(), conform_new_id()), CTRT_ERROR_NOT_FOUND);
}
/* Fails in the method it only uses: blocked. */
static void case_setup_fails(void) {
  if (!C_OK(ctrt_runtime_start_container(conform_rt(), conform_new_id())))
    return;
  C_TRUE(false);
}

/* Two cases that tag the test image: each holds a marker file for a while,
 * so the second finds it when the two run at once. */
static char tagging_marker[128];
static void case_tags(void) {
  int fd = open(tagging_marker, O_CREAT | O_EXCL | O_WRONLY, 0600);
  C_CHECK(fd >= 0, "no other case that tags the test image runs beside this one");
  if (fd < 0)
    return;
  close(fd);
  conform_sleep_ms(500);
  unlink(tagging_marker);
}

static const conform_case cases[] = {
    CONFORM_CASE("t.passes", case_passes, "", TESTS(CTRT_OP_CONTAINER_STATE)),
    CONFORM_CASE("t.fails", case_fails, "", TESTS(CTRT_OP_CONTAINER_STATE)),
    CONFORM_CASE("t.crashes", case_crashes, "", TESTS(CTRT_OP_CONTAINER_STATE)),
    CONFORM_CASE("t.hangs", case_hangs, "", TESTS(CTRT_OP_CONTAINER_STATE), TIMEOUT_S(2)),
    CONFORM_CASE("t.undeclared", case_undeclared, "", TESTS(CTRT_OP_CONTAINER_STATE)),
    CONFORM_CASE("t.tags_first", case_tags, "", TESTS(CTRT_OP_TAG_IMAGE), TAGS_TEST_IMAGE),
    CONFORM_CASE("t.tags_second", case_tags, "", TESTS(CTRT_OP_TAG_IMAGE), TAGS_TEST_IMAGE),
    CONFORM_CASE("t.after_tags", case_passes, "", TESTS(CTRT_OP_CONTAINER_STATE)),
    CONFORM_CASE("t.setup_fails", case_setup_fails, "", TESTS(CTRT_OP_CONTAINER_STATE), USES(CTRT_OP_START_CONTAINER),
                 ALONE),
};

/* The scenario runs in a process of its own (this program with the
 * argument "schedule"): a case's child cannot run CUnit inside a process
 * that is itself in the middle of a CUnit test. It prints a line a case:
 * "NAME VERDICT DETAIL". */
static int schedule_scenario(void) {
  enum { N = sizeof cases / sizeof cases[0] };
  ctrt_runtime *rt = NULL;
  if (ctrt_open(&rt, "mock:") < 0)
    return 2;
  conform_current.rt = rt;
  conform_current.env.run_token = "test";
  conform_current.env.image_problem = "no test image in this test";
  ctrt_support support[CTRT_OP_COUNT];
  for (int i = 0; i < CTRT_OP_COUNT; i++)
    support[i] = CTRT_SUPPORT_NATIVE;
  conform_result results[N];
  conform_job jobs[N];
  memset(results, 0, sizeof results);
  memset(jobs, 0, sizeof jobs);
  for (unsigned i = 0; i < N; i++) {
    results[i].c = &cases[i];
    jobs[i] = (conform_job){
        .c = &cases[i], .area = "t", .index = i, .timeout_s = cases[i].timeout_s ? 2 : 60, .result = &results[i]};
  }
  char dir[] = "/tmp/ctrt-runner-test-XXXXXX";
  if (mkdtemp(dir) == NULL)
    return 2;
  snprintf(tagging_marker, sizeof tagging_marker, "%s/tagging", dir);
  conform_schedule s = {.rt = rt, .env = &conform_current.env, .support = support, .jobs = 3, .dir = dir};
  int rc = conform_schedule_run(&s, jobs, N);
  if (rmdir(dir) < 0) /* the children's outcome files are gone */
    rc = -1;
  for (unsigned i = 0; i < N; i++) {
    for (char *nl = results[i].detail; nl && (nl = strchr(nl, '\n')) != NULL;)
      *nl = '|'; /* one line a case */
    printf("%s %s %s\n", cases[i].name, conform_verdict_name(results[i].verdict),
           results[i].detail ? results[i].detail : "");
    free(results[i].detail);
  }
  ctrt_close(rt);
  return rc < 0 ? 2 : 0;
}

static const char *self_path;

static void test_schedule(void) {
  static const char *const expected[] = {
      "t.passes pass ",
      "t.fails fail runner_test.c:",
      "t.crashes fail crashed: the case's process died of signal 6",
      "t.hangs fail hung: the case did not finish within 2 s and was killed",
      "t.undeclared fail the case calls start_container, which it does not declare",
      "t.tags_first pass ",
      "t.tags_second pass ",
      "t.after_tags pass ",
      "t.setup_fails error blocked: the set-up step start_container failed",
  };
  char command[4200];
  snprintf(command, sizeof command, "'%s' schedule", self_path);
  FILE *p = popen(command, "r");
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  char line[4096];
  size_t n = 0;
  while (fgets(line, sizeof line, p)) {
    if (n < sizeof expected / sizeof expected[0]) {
      if (strncmp(line, expected[n], strlen(expected[n])) != 0)
        fprintf(stderr, "\ngot      %sexpected %s...\n", line, expected[n]);
      CU_ASSERT_EQUAL(strncmp(line, expected[n], strlen(expected[n])), 0);
    }
    n++;
  }
  CU_ASSERT_EQUAL(pclose(p), 0);
  CU_ASSERT_EQUAL(n, sizeof expected / sizeof expected[0]);
  /* The failed set-up call's own error is in the detail (naming the method
   * in the check id must not clear it). */
  CU_ASSERT_PTR_NOT_NULL(strstr(line, "failed with not_found"));
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("conform_runner", NULL, NULL);
  CU_add_test(s, "expectations: a valid file loads", test_load_valid);
  CU_add_test(s, "expectations: anything else stops the run, naming the entry", test_load_rejects);
  CU_add_test(s, "expectations: version ranges", test_versions);
  CU_add_test(s, "expectations: scoped to engine, version and facts", test_scope);
  CU_add_test(s, "verdict of a case from what it observed", test_judge);
  CU_add_test(s, "a ctrt limitation diverges, naming its issue", test_judge_ctrt_limitation);
  CU_add_test(s, "an intermittent expectation: pass or exactly its failure", test_judge_intermittent);
  CU_add_test(s, "cases run in processes: crash, hang, undeclared call, blocked set-up, one tagger at a time",
              test_schedule);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "schedule") == 0)
    return schedule_scenario();
  self_path = argv[0];
  if (CU_initialize_registry() != CUE_SUCCESS)
    return 2;
  test_register();
  CU_basic_set_mode(CU_BRM_NORMAL);
  CU_basic_run_tests();
  unsigned failed = CU_get_number_of_tests_failed(), ran = CU_get_number_of_tests_run();
  CU_cleanup_registry();
  return failed || ran == 0 ? 1 : 0;
}
