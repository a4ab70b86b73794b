/* SPDX-License-Identifier: MIT */
/*
 * Every podman request checked against the spec. The Docker calls test's
 * recording daemon (its matcher, request checks and canned Docker answers,
 * included below) answers as Podman 4.3.1: each method the podman backend
 * replaces with a `podman: calls:` block is driven through the public API
 * (the Docker test's drivers), and each request is matched against that
 * block, in order: libpod's below /v4.3.1/libpod, compat ones the block
 * declares (`api: compat`). Other compat requests are the Docker half's
 * (checked by test_docker_calls): they must be some Docker method's declared
 * call and get its canned answer. A call made after a Docker-half call
 * answered a status (`when: {after, status}`) is provoked by answering that
 * call so; a declared call never made fails, unless its `when:` is a case
 * the fake cannot bring about (printed as a note).
 */
#include "podman_calls.h"

/* The recorder, the matcher and the Docker answers: the Docker test's, as
 * they are (its suite is registered by test_docker_calls, not here). */
void dc_docker_test_register(void);
#define test_register dc_docker_test_register
#include "docker_calls_test.c"
#undef test_register

#define LIBPOD "/v4.3.1/libpod"

static const pc_method *pc_current;   /* the method driven */
static const char *pc_fail_operation; /* the Docker-half call answered rec.fail_status */

/* libpod's answers by operation (4.3.1's shapes). */
static const struct {
  const char *operation;
  int status;
  const char *body; /* NULL: no body */
} libpod_answers[] = {
    {"ContainerExistsLibpod", 204, NULL},
    {"ImageExistsLibpod", 204, NULL},
    /* ps -ef's seven columns as psgo descriptors; titles are psgo's. */
    {"ContainerTopLibpod", 200,
     "{\"Titles\":[\"HUSER\",\"HPID\",\"%CPU\",\"STIME\",\"TTY\",\"TIME\",\"COMMAND\"],"
     "\"Processes\":[[\"root\",\"4242\",\"0.000\",\"10:00\",\"?\",\"0s\",\"sleep 60\"]]}"},
    {"SystemEventsLibpod", 200,
     "{\"Type\":\"container\",\"Action\":\"died\",\"Actor\":{\"ID\":\"c1\",\"Attributes\":"
     "{\"containerExitCode\":\"137\"}}}\n"},
    {"ContainerUpdateLibpod", 201, NULL},
    {"ImageSearchLibpod", 200, "[]"},
    {"ImageDeleteLibpod", 200, "{\"Deleted\":[],\"Untagged\":[\"ctrt-calls.invalid/calls:latest\"]}"},
};

static void libpod_answer(fake_conn *c, const dc_call *call) {
  for (size_t i = 0; i < sizeof libpod_answers / sizeof libpod_answers[0]; i++) {
    if (strcmp(libpod_answers[i].operation, call->operation) == 0) {
      fake_respond(c, libpod_answers[i].status, libpod_answers[i].body ? "Content-Type: application/json\r\n" : NULL,
                   libpod_answers[i].body ? libpod_answers[i].body : "");
      return;
    }
  }
  problem("%s: no canned libpod answer for %s", rec.method->name, call->operation);
  fake_respond(c, 500, "Content-Type: application/json\r\n", "{\"cause\":\"no canned answer\"}");
}

/* The podman call a request is, at or after the last one matched. */
static const dc_call *match_podman(const char *verb, const char *path, bool libpod) {
  for (size_t i = rec.next_call; i < pc_current->n_calls; i++) {
    const dc_call *call = &pc_current->calls[i];
    if (pc_current->extra[i].libpod == libpod && strcmp(call->verb, verb) == 0 && path_matches(call->path, path)) {
      rec.next_call = i;
      rec.seen[i] = rec.seen_now[i] = true;
      return call;
    }
  }
  return NULL;
}

/* Some Docker method's declared call (the Docker half's requests). */
static const dc_call *docker_call(const char *verb, const char *path) {
  for (size_t i = 0; i < dc_n_methods; i++)
    for (size_t j = 0; j < dc_methods[i].n_calls; j++)
      if (strcmp(dc_methods[i].calls[j].verb, verb) == 0 && path_matches(dc_methods[i].calls[j].path, path))
        return &dc_methods[i].calls[j];
  return NULL;
}

static fake_next podman_handle(fake_conn *c, const fake_request *r, void *arg) {
  (void)arg;
  char target[2048];
  snprintf(target, sizeof target, "%s", r->target);
  char *query = strchr(target, '?');
  if (query)
    *query++ = '\0';
  const char *path = target;
  bool libpod = strncmp(path, LIBPOD "/", strlen(LIBPOD) + 1) == 0;
  if (libpod)
    path += strlen(LIBPOD);
  else if (strncmp(path, "/v1.41/", 7) == 0)
    path += 6;
  /* What opening a runtime asks. */
  if (strcmp(path, "/_ping") == 0) {
    fake_respond(c, 200, "Api-Version: 1.41\r\n", "OK");
    return FAKE_KEEP;
  }
  if (!libpod && strcmp(path, "/version") == 0) {
    fake_respond(c, 200, "Content-Type: application/json\r\n",
                 "{\"Version\":\"4.3.1\",\"ApiVersion\":\"1.41\",\"Os\":\"linux\",\"Arch\":\"amd64\","
                 "\"Components\":[{\"Name\":\"Podman Engine\",\"Version\":\"4.3.1\"}]}");
    return FAKE_KEEP;
  }
  if (!libpod && strcmp(path, "/info") == 0) {
    fake_respond(c, 200, "Content-Type: application/json\r\n", "{\"MemTotal\":8589934592}");
    return FAKE_KEEP;
  }
  pthread_mutex_lock(&rec.lock);
  const dc_call *call = NULL, *docker = NULL;
  if (rec.method == NULL) {
    problem("a request outside any method: %s %s", r->method, r->target);
  } else {
    rec.requests++;
    if ((call = match_podman(r->method, path, libpod)) != NULL)
      check_request(call, r, r->target, query);
    else if (libpod || (docker = docker_call(r->method, path)) == NULL)
      problem("%s: %s %s is none of its declared podman calls (in order)%s", rec.method->name, r->method, r->target,
              libpod ? "" : " nor a Docker call");
  }
  bool fail = docker != NULL && pc_fail_operation != NULL && strcmp(docker->operation, pc_fail_operation) == 0;
  pthread_mutex_unlock(&rec.lock);
  if (fail) {
    /* Provoking a `when: {after, status}` case. */
    fake_respond(c, rec.fail_status, "Content-Type: application/json\r\n", "{\"cause\":\"provoked\"}");
    return FAKE_KEEP;
  }
  if (call != NULL && pc_current->extra[call - pc_current->calls].libpod) {
    libpod_answer(c, call);
    return FAKE_KEEP;
  }
  if (call != NULL || docker != NULL)
    return answer(c, call ? call : docker, NULL);
  fake_respond(c, 500, "Content-Type: application/json\r\n", "{\"cause\":\"undeclared request\"}");
  return FAKE_KEEP;
}

/* save_images asks libpod once per name; the Docker driver gives none. */
static int drive_save_one(ctrt_runtime *rt, unsigned variant) {
  (void)variant;
  static const char *const names[] = {"ctrt-calls.invalid/calls:latest"};
  ctrt_image_export_stream *out = NULL;
  int rc = ctrt_runtime_save_images(rt, &out, names, 1);
  while (rc == 0) {
    char buf[512];
    size_t n = 0;
    int next = ctrt_image_export_stream_read(out, buf, sizeof buf, &n);
    if (next < 0)
      rc = next == CTRT_ITEROVER ? 0 : next;
    if (next < 0)
      break;
  }
  if (out != NULL)
    ctrt_image_export_stream_close(out);
  return rc;
}

static const dc_method *docker_method(const char *name) {
  for (size_t i = 0; i < dc_n_methods; i++)
    if (strcmp(dc_methods[i].name, name) == 0)
      return &dc_methods[i];
  return NULL;
}

static void test_every_declared_podman_call(void) {
  memset(&rec, 0, sizeof rec);
  rec.fail_call = -1;
  pthread_mutex_init(&rec.lock, NULL);
  fake_server *fs = fake_server_start(FAKE_UNIX, podman_handle, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(fs);
  char uri[256];
  snprintf(uri, sizeof uri, "podman://%s", fake_server_host(fs));
  CU_ASSERT_TRUE(pc_n_methods > 0);
  size_t declared = 0, matched = 0;
  for (size_t i = 0; i < pc_n_methods; i++) {
    const pc_method *pm = &pc_methods[i];
    const dc_method *dm = docker_method(pm->name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dm);
    CU_ASSERT_FATAL(pm->n_calls <= 8);
    dc_method m = {.name = pm->name,
                   .calls = pm->calls,
                   .n_calls = pm->n_calls,
                   .n_variants = dm->n_variants,
                   .drive = strcmp(pm->name, "save_images") == 0 ? drive_save_one : dm->drive};
    pc_current = pm;
    bool seen[8] = {false};
    for (unsigned v = 0; v < m.n_variants; v++)
      drive(uri, &m, m.drive, v, seen, -1, 0, NULL);
    /* A call after a Docker-half status: answer that call so (a failure
     * index >= 0 tells drive the method may fail then). */
    for (size_t j = 0; j < pm->n_calls; j++) {
      if (seen[j] || pm->extra[j].when_after == NULL)
        continue;
      pc_fail_operation = pm->extra[j].when_after;
      drive(uri, &m, m.drive, 0, seen, (long)j, pm->calls[j].when_status, NULL);
      pc_fail_operation = NULL;
    }
    for (size_t j = 0; j < pm->n_calls; j++) {
      declared++;
      if (seen[j])
        matched++;
      else if (!pm->extra[j].provoked)
        fprintf(stderr, "\n  note: %s: the conditional call %zu (%s %s) is not brought about here", pm->name, j,
                pm->calls[j].verb, pm->calls[j].path);
      else
        problem("%s: its declared podman call %zu (%s %s) was never made", pm->name, j, pm->calls[j].verb,
                pm->calls[j].path);
    }
  }
  pc_current = NULL;
  fake_server_stop(fs);
  fprintf(stderr, "\n  podman calls: %zu declared of %zu methods, %zu brought about and matched\n", declared,
          pc_n_methods, matched);
  for (int i = 0; i < rec.n_problems; i++)
    fprintf(stderr, "\n  %s", rec.problems[i]);
  if (rec.n_problems)
    fprintf(stderr, "\n");
  CU_ASSERT_EQUAL(rec.n_problems, 0);
  CU_ASSERT_TRUE(matched > 0);
  pthread_mutex_destroy(&rec.lock);
}

/* The podman matcher keeps libpod and compat apart: a test that cannot fail
 * is no test. */
static void test_podman_matcher(void) {
  static const dc_call calls[] = {{.operation = "ImageInspect", .verb = "GET", .path = "/images/{image}/json"},
                                  {.operation = "ImageDeleteLibpod", .verb = "DELETE", .path = "/images/{image}"}};
  static const pc_extra extra[] = {{false, NULL}, {true, NULL}};
  static const pc_method pm = {"m", calls, extra, 2};
  bool seen[2] = {false}, seen_now[2] = {false};
  memset(&rec, 0, sizeof rec);
  rec.seen = seen;
  rec.seen_now = seen_now;
  pc_current = &pm;
  CU_ASSERT_PTR_NULL(match_podman("GET", "/images/a/json", true)); /* a libpod path of a compat call */
  CU_ASSERT_PTR_EQUAL(match_podman("GET", "/images/a/json", false), &calls[0]);
  CU_ASSERT_PTR_NULL(match_podman("DELETE", "/images/a", false));
  CU_ASSERT_PTR_EQUAL(match_podman("DELETE", "/images/a", true), &calls[1]);
  CU_ASSERT_PTR_NULL(match_podman("GET", "/images/a/json", false)); /* in order: nothing after the last */
  CU_ASSERT_TRUE(seen[0] && seen[1]);
  CU_ASSERT_PTR_NOT_NULL(docker_call("GET", "/containers/x/json"));
  CU_ASSERT_PTR_NULL(docker_call("GET", "/libpod/nothing"));
  pc_current = NULL;
  memset(&rec, 0, sizeof rec);
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("podman_calls", NULL, NULL);
  CU_add_test(s, "matcher", test_podman_matcher);
  CU_add_test(s, "every declared podman call", test_every_declared_podman_call);
}
