/* SPDX-License-Identifier: MIT */
/*
 * Every Docker request checked against the spec. A fake daemon on a unix
 * socket records each request a method sends and matches it against that
 * method's declared calls (spec/methods/ YAML files, `docker: calls:`, generated
 * into dc_methods): the verb and path template of a declared call, in the
 * declared order (a call may repeat, e.g. polling), every query parameter
 * declared (constants with their value), the constant headers present, and
 * a body exactly when one is declared (JSON when declared JSON). It answers
 * with a canned but valid response for the operation, so each method must
 * also succeed; and every declared call must be seen at least once over the
 * whole run, so a `calls:` entry no code makes fails too. A conditional
 * call (`when:`) is brought about by the drives over the input values it
 * names, by answering the previous call with its `status`, or by playing
 * the engine behaviour its `answer` names (play_case).
 */
#include "docker_calls.h"

#include "fake_server.h"
#include "test_support.h"

#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PROBLEMS 256
#define EXEC_ID "dc-exec"

typedef struct recorder {
  pthread_mutex_t lock;
  const dc_method *method; /* the method being driven, or NULL */
  size_t next_call;        /* index of the last matched call */
  int requests;            /* requests seen for the method */
  int unversioned;         /* unversioned (docker_internal) requests seen meanwhile */
  bool *seen;              /* per declared call of the method, over all drives */
  bool *seen_now;          /* per declared call, this drive */
  long fail_call;          /* answer this call with fail_status (-1: none) */
  int fail_status;
  const char *answer_case; /* the `when: answer:` case played, or NULL */
  int n_problems;
  char problems[MAX_PROBLEMS][640];
} recorder;

static recorder rec;
/* Per declared call of each docker_internal entry, over the whole run. */
static bool internal_seen[8][8];

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void problem(const char *fmt, ...) {
  if (rec.n_problems >= MAX_PROBLEMS)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(rec.problems[rec.n_problems++], sizeof rec.problems[0], fmt, ap);
  va_end(ap);
}

/* ---- matching ---- */

/* Whether path matches the template: a "{name}" stands for one or more
 * characters (an image reference may hold '/'). */
static bool path_matches(const char *tmpl, const char *path) {
  if (*tmpl == '\0')
    return *path == '\0';
  if (*tmpl == '{') {
    const char *close = strchr(tmpl, '}');
    for (const char *end = path + 1; close && end <= path + strlen(path); end++)
      if (path_matches(close + 1, end))
        return true;
    return false;
  }
  return *tmpl == *path && path_matches(tmpl + 1, path + 1);
}

static int hex(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

/* Percent-decoding in place ('+' is a space in a query). */
static void unescape(char *s) {
  char *w = s;
  for (char *r = s; *r; r++) {
    if (*r == '%' && hex(r[1]) >= 0 && hex(r[2]) >= 0) {
      *w++ = (char)(hex(r[1]) * 16 + hex(r[2]));
      r += 2;
    } else {
      *w++ = *r == '+' ? ' ' : *r;
    }
  }
  *w = '\0';
}

static const char *declared_value(const dc_call *call, const char *name, bool *found) {
  for (size_t i = 0; i < call->n_query; i++) {
    if (strcmp(call->query[i].name, name) == 0) {
      *found = true;
      return call->query[i].value;
    }
  }
  *found = false;
  return NULL;
}

/* The query against the declaration: every parameter declared, constants
 * with their value, and every constant present. */
static void check_query(const dc_call *call, const char *query, const char *target) {
  char copy[2048];
  snprintf(copy, sizeof copy, "%s", query ? query : "");
  bool present[16] = {false};
  char *save = NULL;
  for (char *pair = strtok_r(copy, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
    char *eq = strchr(pair, '=');
    char *value = eq ? eq + 1 : "";
    if (eq)
      *eq = '\0';
    unescape(pair);
    unescape(value);
    bool found = false;
    const char *want = declared_value(call, pair, &found);
    if (!found) {
      problem("%s %s: query parameter \"%s\" is not declared", rec.method->name, target, pair);
      continue;
    }
    for (size_t i = 0; i < call->n_query && i < 16; i++)
      if (strcmp(call->query[i].name, pair) == 0)
        present[i] = true;
    if (want && strcmp(want, value) != 0)
      problem("%s %s: query %s=%s, declared %s", rec.method->name, target, pair, value, want);
  }
  for (size_t i = 0; i < call->n_query && i < 16; i++)
    if (call->query[i].value && !present[i])
      problem("%s %s: the declared %s=%s is missing", rec.method->name, target, call->query[i].name,
              call->query[i].value);
}

/* A body of declared members (`body: members:`): exactly those members, each
 * constant one with its value, each session one a boolean. */
static void check_members(const dc_call *call, const char *target, const json_t *body) {
  if (!json_is_object(body) || json_object_size(body) != call->n_body_members)
    problem("%s %s: the body is not an object of the %zu declared members", rec.method->name, target,
            call->n_body_members);
  for (size_t i = 0; i < call->n_body_members; i++) {
    const dc_pair *m = &call->body_members[i];
    const json_t *got = json_object_get(body, m->name);
    json_t *want = m->value ? json_loads(m->value, JSON_DECODE_ANY, NULL) : NULL;
    bool ok = got != NULL && (m->value ? json_equal(got, want) : json_is_boolean(got));
    if (!ok)
      problem("%s %s: body member %s is not the declared %s", rec.method->name, target, m->name,
              m->value ? m->value : "boolean");
    json_decref(want);
  }
}

static void check_request(const dc_call *call, const fake_request *r, const char *target, const char *query) {
  check_query(call, query, target);
  char v[1024];
  for (size_t i = 0; i < call->n_headers; i++) {
    if (!fake_request_header(r, call->headers[i].name, v, sizeof v) || strcasecmp(v, call->headers[i].value) != 0)
      problem("%s %s: header %s: %s is missing", rec.method->name, target, call->headers[i].name,
              call->headers[i].value);
  }
  bool has_body = r->body_total > 0 || r->chunked;
  if (call->has_body && !has_body && !call->content_type) /* an empty upload still declares its type */
    problem("%s %s: the declared body is missing", rec.method->name, target);
  if (!call->has_body && has_body)
    problem("%s %s: a body (%zu bytes) that is not declared", rec.method->name, target, r->body_total);
  if (call->content_type) {
    if (!fake_request_header(r, "Content-Type", v, sizeof v) ||
        strncmp(v, call->content_type, strlen(call->content_type)) != 0)
      problem("%s %s: Content-Type is not the declared %s", rec.method->name, target, call->content_type);
  }
  if (call->json_body) {
    json_error_t err;
    json_t *j = json_loadb((const char *)r->body, r->body_len, 0, &err);
    if (j == NULL)
      problem("%s %s: the body is not JSON: %s", rec.method->name, target, err.text);
    else if (call->n_body_members > 0)
      check_members(call, target, j);
    json_decref(j);
  }
}

/* The declared call a request is, at or after the last one matched. */
static const dc_call *match(const fake_request *r, const char *path) {
  const dc_method *m = rec.method;
  for (size_t i = rec.next_call; i < m->n_calls; i++) {
    if (strcmp(m->calls[i].verb, r->method) == 0 && path_matches(m->calls[i].path, path)) {
      rec.next_call = i;
      rec.seen[i] = rec.seen_now[i] = true;
      return &m->calls[i];
    }
  }
  return NULL;
}

/* An unversioned request: one of the docker_internal calls declared
 * unversioned (negotiate's ping and /version, sent by every ctrt_open). */
static const dc_call *match_unversioned(const fake_request *r, const char *path) {
  for (size_t k = 0; k < dc_n_internal && k < 8; k++) {
    const dc_method *m = &dc_internal[k];
    for (size_t j = 0; j < m->n_calls && j < 8; j++) {
      if (!m->calls[j].unversioned || strcmp(m->calls[j].verb, r->method) != 0 || strcmp(m->calls[j].path, path) != 0)
        continue;
      internal_seen[k][j] = true;
      if (rec.method == m)
        rec.seen_now[j] = true;
      return &m->calls[j];
    }
  }
  return NULL;
}

/* ---- canned answers ---- */

static const char INSPECT[] =
    "{\"Id\":\"c1\",\"Name\":\"/zlayer-ctrt-calls-0\",\"Created\":\"2024-01-02T03:04:05Z\","
    "\"State\":{\"Status\":\"running\",\"Running\":true,\"Paused\":false,\"Pid\":4242,\"ExitCode\":0,"
    "\"StartedAt\":\"2024-01-02T03:04:05Z\",\"FinishedAt\":\"0001-01-01T00:00:00Z\"},"
    "\"Image\":\"sha256:5f5a214ce624938f72b4bd9e1b1c969ec94f799b65a4f46e65ffb65788ac149b\","
    "\"Config\":{\"Tty\":false,\"OpenStdin\":true,\"Image\":\"a/b:1\",\"Labels\":{}},"
    "\"NetworkSettings\":{\"IPAddress\":\"10.1.0.5\",\"Ports\":{\"8080/tcp\":[{\"HostIp\":\"0.0.0.0\","
    "\"HostPort\":\"49153\"}]},\"Networks\":{\"bridge\":{\"IPAddress\":\"10.1.0.5\"}}}}";

static const char IMAGE[] = "{\"Id\":\"sha256:5f5a214ce624938f72b4bd9e1b1c969ec94f799b65a4f46e65ffb65788ac149b\","
                            "\"RepoTags\":[\"ctrt-calls.invalid/calls:latest\"],\"RepoDigests\":[],"
                            "\"Created\":\"2024-01-02T03:04:05Z\",\"Size\":10,\"Config\":{},"
                            "\"Os\":\"linux\",\"Architecture\":\"amd64\"}";

static const char STATS[] =
    "{\"read\":\"2024-05-06T07:08:09.123456789Z\",\"pids_stats\":{\"current\":3,\"limit\":64},"
    "\"blkio_stats\":{\"io_service_bytes_recursive\":null},"
    "\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":123},\"system_cpu_usage\":999,\"online_cpus\":2},"
    "\"memory_stats\":{\"usage\":100,\"limit\":1000,\"stats\":{}},\"networks\":{}}";

/* Answers by operation, for the simple (buffered JSON or empty) ones. */
static const struct {
  const char *operation;
  int status;
  const char *body; /* NULL: no body */
} answers[] = {
    {"ContainerArchive", 200, "tar bytes"},
    {"PutContainerArchive", 200, NULL},
    {"ContainerExport", 200, "tar bytes"},
    {"ContainerExec", 201, "{\"Id\":\"" EXEC_ID "\"}"},
    {"ExecInspect", 200, "{\"ID\":\"" EXEC_ID "\",\"Running\":false,\"ExitCode\":0,\"Pid\":0}"},
    {"ExecResize", 201, NULL},
    {"ImageInspect", 200, IMAGE},
    {"SystemInfo", 200, "{\"MemTotal\":8589934592,\"Driver\":\"overlay2\",\"OSType\":\"linux\"}"},
    {"SystemVersion", 200,
     "{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\",\"Os\":\"linux\",\"Arch\":\"amd64\","
     "\"Components\":[{\"Name\":\"Engine\",\"Version\":\"20.10.24\"}]}"},
    {"ImageList", 200, "[]"},
    {"ImageDelete", 200, "[{\"Untagged\":\"ctrt-calls.invalid/calls:latest\"}]"},
    {"ImagePrune", 200, "{\"ImagesDeleted\":null,\"SpaceReclaimed\":0}"},
    {"ImageTag", 201, NULL},
    {"ImageHistory", 200, "[]"},
    {"ImageSearch", 200, "[]"},
    {"ImageGetAll", 200, "tar bytes"},
    {"ImageCommit", 201, "{\"Id\":\"sha256:5f5a214ce624938f72b4bd9e1b1c969ec94f799b65a4f46e65ffb65788ac149b\"}"},
    {"ContainerInspect", 200, INSPECT},
    {"ContainerTop", 200, "{\"Titles\":[\"PID\",\"CMD\"],\"Processes\":[[\"1\",\"sleep\"]]}"},
    {"ContainerChanges", 200, "[]"},
    {"ContainerCreate", 201, "{\"Id\":\"c1\",\"Warnings\":[]}"},
    {"ContainerStart", 204, NULL},
    {"ContainerStop", 204, NULL},
    {"ContainerDelete", 204, NULL},
    {"ContainerRename", 204, NULL},
    {"ContainerKill", 204, NULL},
    {"ContainerPause", 204, NULL},
    {"ContainerUnpause", 204, NULL},
    {"ContainerUpdate", 200, "{\"Warnings\":[]}"},
    {"ContainerWait", 200, "{\"StatusCode\":0}"},
    {"ContainerPrune", 200, "{\"ContainersDeleted\":null,\"SpaceReclaimed\":0}"},
    {"ContainerList", 200, "[]"},
};

/* A multiplexed frame appended to buf at *len: stream byte, three zero
 * bytes, big-endian length, payload (Docker's stdcopy format). */
static void frame(uint8_t *buf, size_t *len, int stream, const char *text) {
  uint32_t n = (uint32_t)strlen(text);
  uint8_t *h = buf + *len;
  h[0] = (uint8_t)stream;
  h[1] = h[2] = h[3] = 0;
  h[4] = (uint8_t)(n >> 24);
  h[5] = (uint8_t)(n >> 16);
  h[6] = (uint8_t)(n >> 8);
  h[7] = (uint8_t)n;
  memcpy(h + 8, text, n);
  *len += 8 + n;
}

static void json_lines(fake_conn *c, const char *lines) {
  fake_chunked_head(c, 200, "Content-Type: application/json\r\n");
  fake_chunk(c, lines, strlen(lines), false);
  fake_chunked_end(c);
}

/* Drain what the client sends on a hijacked connection until it closes. */
static void drain_client(fake_conn *c) {
  char buf[256];
  while (fake_read(c, buf, sizeof buf) > 0)
    ;
}

/* The `when: answer:` cases (spec/schema.yaml): each an engine behaviour
 * played instead of the usual answer, or false when `kind` is none the
 * fake knows (a problem: the spec names a case this test cannot play). */
static bool play_case(fake_conn *c, const dc_call *call, const char *kind) {
  const char *op = call->operation;
  if (strcmp(kind, "untyped_log") == 0 && strcmp(op, "ContainerLogs") == 0) {
    /* Docker 20.10.24 (API 1.41): a log answer without Content-Type. */
    uint8_t body[64];
    size_t len = 0;
    frame(body, &len, 1, "2024-01-02T03:04:05Z out\n");
    fake_chunked_head(c, 200, NULL);
    fake_chunk(c, body, len, false);
    fake_chunked_end(c);
    return true;
  }
  if (strcmp(kind, "no_digest") == 0 && strcmp(op, "ImageCreate") == 0) {
    json_lines(c, "{\"status\":\"Pulling from calls\",\"id\":\"latest\"}\n"
                  "{\"status\":\"Status: Image is up to date for ctrt-calls.invalid/calls:latest\"}\n");
    return true;
  }
  if (strcmp(kind, "silent_ping") == 0 && strcmp(op, "SystemPing") == 0) {
    fake_respond(c, 200, NULL, "OK"); /* no Api-Version header */
    return true;
  }
  if (strcmp(kind, "foreign_name") == 0 && strcmp(op, "ContainerInspect") == 0) {
    /* A container created outside ctrt: its name is not zlayer-*. */
    json_t *j = json_loads(INSPECT, 0, NULL);
    json_object_set_new(j, "Name", json_string("/made-elsewhere"));
    char *text = json_dumps(j, JSON_COMPACT);
    fake_respond(c, 200, "Content-Type: application/json\r\n", text);
    free(text);
    json_decref(j);
    return true;
  }
  return false;
}

static fake_next answer(fake_conn *c, const dc_call *call, const char *answer_case) {
  const char *op = call->operation;
  if (answer_case != NULL && play_case(c, call, answer_case))
    return FAKE_KEEP;
  if (strcmp(op, "SystemPing") == 0) {
    fake_respond(c, 200, "Api-Version: 1.41\r\n", "OK");
    return FAKE_KEEP;
  }
  if (strcmp(call->framing, "hijack") == 0) {
    uint8_t out[256];
    const char *head = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
                       "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
    size_t len = strlen(head);
    memcpy(out, head, len);
    if (strcmp(op, "ExecStart") == 0)
      frame(out, &len, 1, "out\n");
    fake_write(c, out, len);
    if (strcmp(op, "ExecStart") == 0)
      fake_shutdown_write(c); /* the process ends: the client reads to the end */
    drain_client(c);
    return FAKE_CLOSE;
  }
  if (strcmp(op, "ExecStart") == 0 || strcmp(op, "ContainerLogs") == 0) {
    uint8_t body[256];
    size_t len = 0;
    frame(body, &len, 1, "2024-01-02T03:04:05.000000001Z out\n");
    frame(body, &len, 2, "2024-01-02T03:04:06Z err\n");
    fake_chunked_head(c, 200, "Content-Type: application/vnd.docker.multiplexed-stream\r\n");
    fake_chunk(c, body, len, false);
    fake_chunked_end(c);
    return FAKE_KEEP;
  }
  if (strcmp(op, "ContainerArchiveInfo") == 0) {
    /* {"name":"calls","size":0,"mode":2147484141,"mtime":"2024-01-02T03:04:05Z","linkTarget":""} */
    fake_respond(c, 200,
                 "X-Docker-Container-Path-Stat: eyJuYW1lIjoiY2FsbHMiLCJzaXplIjowLCJtb2RlIjoyMTQ3NDg0MTQxLCJtdGltZSI6"
                 "IjIwMjQtMDEtMDJUMDM6MDQ6MDVaIiwibGlua1RhcmdldCI6IiJ9\r\n",
                 NULL);
    return FAKE_KEEP;
  }
  if (strcmp(op, "ContainerStats") == 0 && strcmp(call->framing, "json_lines") == 0) {
    char lines[2 * sizeof STATS + 2];
    snprintf(lines, sizeof lines, "%s\n%s\n", STATS, STATS);
    json_lines(c, lines);
    return FAKE_KEEP;
  }
  if (strcmp(op, "ContainerStats") == 0) {
    fake_respond(c, 200, "Content-Type: application/json\r\n", STATS);
    return FAKE_KEEP;
  }
  if (strcmp(op, "ImageLoad") == 0) {
    json_lines(c, "{\"stream\":\"Loaded image: ctrt-calls.invalid/calls:latest\\n\"}\n");
    return FAKE_KEEP;
  }
  if (strcmp(op, "ImageCreate") == 0) {
    json_lines(c, "{\"status\":\"Pulling from calls\",\"id\":\"latest\"}\n"
                  "{\"status\":\"Digest: sha256:c0de\"}\n"
                  "{\"status\":\"sha256:5f5a214ce624938f72b4bd9e1b1c969ec94f799b65a4f46e65ffb65788ac149b\"}\n");
    return FAKE_KEEP;
  }
  for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++) {
    if (strcmp(answers[i].operation, op) == 0) {
      fake_respond(c, answers[i].status, answers[i].body ? "Content-Type: application/json\r\n" : NULL,
                   answers[i].body ? answers[i].body : "");
      return FAKE_KEEP;
    }
  }
  problem("%s: no canned answer for %s", rec.method->name, op);
  fake_respond(c, 500, "Content-Type: application/json\r\n", "{\"message\":\"no canned answer\"}");
  return FAKE_KEEP;
}

static fake_next handle(fake_conn *c, const fake_request *r, void *arg) {
  (void)arg;
  char target[2048];
  snprintf(target, sizeof target, "%s", r->target);
  const char *path = target;
  bool versioned = strncmp(path, "/v1.41/", 7) == 0;
  if (versioned)
    path += 6;
  char *query = strchr(target, '?');
  if (query)
    *query++ = '\0';
  pthread_mutex_lock(&rec.lock);
  const dc_call *call = NULL;
  const char *answer_case = rec.answer_case;
  if (!versioned) {
    rec.unversioned++;
    if ((call = match_unversioned(r, path)) == NULL)
      problem("%s %s: an unversioned request that is no declared docker_internal call", r->method, r->target);
    else if (rec.method != NULL)
      check_request(call, r, r->target, query);
    else
      problem("%s %s: a request outside any drive", r->method, r->target);
    pthread_mutex_unlock(&rec.lock);
    if (call == NULL) {
      fake_respond(c, 500, "Content-Type: application/json\r\n", "{\"message\":\"undeclared request\"}");
      return FAKE_KEEP;
    }
    return answer(c, call, answer_case);
  }
  if (rec.method == NULL) {
    problem("a request outside any method: %s %s", r->method, r->target);
  } else {
    rec.requests++;
    call = match(r, path);
    if (call == NULL)
      problem("%s: %s %s is none of its declared calls (in order)", rec.method->name, r->method, r->target);
    else
      check_request(call, r, r->target, query);
  }
  pthread_mutex_unlock(&rec.lock);
  if (call != NULL && rec.fail_call == call - rec.method->calls) {
    /* Provoking a `when: status` case. */
    fake_respond(c, rec.fail_status, "Content-Type: application/json\r\n", "{\"message\":\"provoked\"}");
    return FAKE_KEEP;
  }
  if (call == NULL) {
    /* Not 404: that would start the rename lookup. */
    fake_respond(c, 500, "Content-Type: application/json\r\n", "{\"message\":\"undeclared request\"}");
    return FAKE_KEEP;
  }
  return answer(c, call, answer_case);
}

/* ---- the exec handle, used like a caller would ---- */

int dc_drain_exec_handle(ctrt_exec_handle *h) {
  int rc = ctrt_exec_handle_resize(h, 24, 80);
  while (rc == 0) {
    char buf[64];
    size_t n = 0;
    ctrt_log_channel ch;
    rc = ctrt_exec_handle_read(h, &ch, buf, sizeof buf, &n);
  }
  if (rc != CTRT_ITEROVER)
    return rc;
  int32_t code = -1;
  return ctrt_exec_handle_wait(h, &code);
}

/* ---- the test ---- */

/* Drivers of the docker_internal entries: ctrt_open negotiates (the drive
 * itself sends nothing more), ctrt_runtime_engine asks /version and /info. */
static int drive_negotiate(ctrt_runtime *rt, unsigned variant) {
  (void)rt;
  (void)variant;
  return 0;
}

static int drive_runtime_engine(ctrt_runtime *rt, unsigned variant) {
  (void)variant;
  ctrt_engine_info *info = NULL;
  int rc = ctrt_runtime_engine(rt, &info);
  ctrt_engine_info_free(info);
  return rc;
}

static const struct {
  const char *name;
  int (*drive)(ctrt_runtime *rt, unsigned variant);
} internal_drives[] = {{"negotiate", drive_negotiate}, {"runtime_engine", drive_runtime_engine}};

/* One drive of m: it must succeed (unless a failure is provoked), send at
 * least one request, and make every call that is not conditional. */
static void drive(const char *uri, const dc_method *m, int (*fn)(ctrt_runtime *, unsigned), unsigned variant,
                  bool *seen, long fail_call, int fail_status, const char *answer_case) {
  bool seen_now[8] = {false};
  ctrt_runtime *rt = NULL;
  pthread_mutex_lock(&rec.lock);
  rec.method = m;
  rec.next_call = 0;
  rec.requests = 0;
  rec.unversioned = 0;
  rec.seen = seen;
  rec.seen_now = seen_now;
  rec.fail_call = fail_call;
  rec.fail_status = fail_status;
  rec.answer_case = answer_case;
  pthread_mutex_unlock(&rec.lock);
  /* A fresh runtime each time: no container id remembered from an earlier
   * method, no stdin session left open; its open negotiates (unversioned). */
  int rc = ctrt_open(&rt, uri);
  if (rc == 0)
    rc = fn(rt, variant);
  pthread_mutex_lock(&rec.lock);
  if (rc < 0 && fail_call < 0)
    problem("%s (drive %u): failed against the canned answers: %s", m->name, variant, ctrt_error_last()->message);
  if (rec.requests == 0 && (fn != drive_negotiate || rec.unversioned == 0))
    problem("%s (drive %u): sent no request", m->name, variant);
  for (size_t j = 0; j < m->n_calls && rc == 0; j++)
    if (!seen_now[j] && !m->calls[j].conditional)
      problem("%s (drive %u): its declared call %zu (%s %s) was not made", m->name, variant, j, m->calls[j].verb,
              m->calls[j].path);
  rec.method = NULL;
  rec.seen = rec.seen_now = NULL;
  rec.fail_call = -1;
  rec.answer_case = NULL;
  pthread_mutex_unlock(&rec.lock);
  ctrt_close(rt);
}

/* Each `when: status` and `when: answer` case of m the plain drives did not
 * meet, provoked; then every declared call must have been made. */
static void provoke_and_count(const char *uri, const dc_method *m, int (*fn)(ctrt_runtime *, unsigned), bool *seen,
                              size_t *n_declared, size_t *n_made) {
  for (size_t j = 1; j < m->n_calls; j++)
    if (!seen[j] && m->calls[j].when_status)
      drive(uri, m, fn, 0, seen, (long)j - 1, m->calls[j].when_status, NULL);
  for (size_t j = 0; j < m->n_calls; j++)
    if (!seen[j] && m->calls[j].when_answer)
      drive(uri, m, fn, 0, seen, -1, 0, m->calls[j].when_answer);
  /* Every declared call, conditional or not, is made at least once. */
  for (size_t j = 0; j < m->n_calls; j++) {
    (*n_declared)++;
    if (seen[j])
      (*n_made)++;
    else
      problem("%s: its declared call %zu (%s %s) was never made%s%s", m->name, j, m->calls[j].verb, m->calls[j].path,
              m->calls[j].when_answer ? ": no fake answer plays " : "",
              m->calls[j].when_answer ? m->calls[j].when_answer : "");
  }
}

static void test_every_declared_call(void) {
  memset(&rec, 0, sizeof rec);
  rec.fail_call = -1;
  pthread_mutex_init(&rec.lock, NULL);
  fake_server *fs = fake_server_start(FAKE_UNIX, handle, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(fs);
  char uri[256];
  snprintf(uri, sizeof uri, "docker://%s", fake_server_host(fs));
  CU_ASSERT_TRUE(dc_n_methods > 0);
  size_t n_declared = 0, n_made = 0;
  for (size_t i = 0; i < dc_n_methods; i++) {
    const dc_method *m = &dc_methods[i];
    bool seen[8] = {false};
    CU_ASSERT_FATAL(m->n_calls <= 8);
    for (unsigned v = 0; v < m->n_variants; v++)
      drive(uri, m, m->drive, v, seen, -1, 0, NULL);
    provoke_and_count(uri, m, m->drive, seen, &n_declared, &n_made);
  }
  /* The backend-internal calls: negotiate's were made by every open above. */
  memset(internal_seen, 0, sizeof internal_seen);
  size_t n_internal = 0;
  for (size_t k = 0; k < dc_n_internal && k < 8; k++) {
    const dc_method *m = &dc_internal[k];
    int (*fn)(ctrt_runtime *, unsigned) = NULL;
    for (size_t d = 0; d < sizeof internal_drives / sizeof internal_drives[0]; d++)
      if (strcmp(internal_drives[d].name, m->name) == 0)
        fn = internal_drives[d].drive;
    if (fn == NULL || m->n_calls > 8) {
      problem("docker_internal %s: the test has no driver for it", m->name);
      continue;
    }
    n_internal++;
    drive(uri, m, fn, 0, internal_seen[k], -1, 0, NULL);
    provoke_and_count(uri, m, fn, internal_seen[k], &n_declared, &n_made);
  }
  fake_server_stop(fs);
  fprintf(stderr, "\n  %zu of %zu declared calls of %zu methods and %zu backend-internal entries made and matched",
          n_made, n_declared, dc_n_methods, n_internal);
  for (int i = 0; i < rec.n_problems; i++)
    fprintf(stderr, "\n  %s", rec.problems[i]);
  if (rec.n_problems)
    fprintf(stderr, "\n");
  CU_ASSERT_EQUAL(rec.n_problems, 0);
  pthread_mutex_destroy(&rec.lock);
}

/* The matcher itself: a test that cannot fail is no test. */
static void test_matcher(void) {
  CU_ASSERT_TRUE(path_matches("/containers/{id}/json", "/containers/zlayer-a-0/json"));
  CU_ASSERT_TRUE(path_matches("/images/{image}/json", "/images/reg:5000/a/b:1/json"));
  CU_ASSERT_FALSE(path_matches("/containers/{id}/json", "/containers//json"));
  CU_ASSERT_FALSE(path_matches("/containers/{id}/json", "/containers/a/logs"));
  CU_ASSERT_FALSE(path_matches("/containers/{id}", "/containers/a/start") && false);
  static const dc_pair q[] = {{"stream", "false"}, {"path", NULL}};
  static const dc_call call = {
      .operation = "X", .verb = "GET", .path = "/x", .framing = "json", .query = q, .n_query = 2};
  static const dc_method m = {.name = "m", .calls = &call, .n_calls = 1};
  memset(&rec, 0, sizeof rec);
  rec.method = &m;
  check_query(&call, "stream=false&path=%2Fetc", "/x");
  CU_ASSERT_EQUAL(rec.n_problems, 0);
  check_query(&call, "stream=true", "/x");        /* a wrong constant */
  check_query(&call, "path=%2F", "/x");           /* a missing constant */
  check_query(&call, "stream=false&all=1", "/x"); /* an undeclared name */
  CU_ASSERT_EQUAL(rec.n_problems, 3);
  rec.method = NULL;
  rec.n_problems = 0;
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("docker_calls", NULL, NULL);
  CU_add_test(s, "matcher", test_matcher);
  CU_add_test(s, "every declared call", test_every_declared_call);
}
