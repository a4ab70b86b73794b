/* SPDX-License-Identifier: MIT */
/* Exec: POST /containers/{id}/exec creates the exec, POST /exec/{id}/start
 * runs it (its answer is the multiplexed output, or a hijacked duplex
 * connection for exec_pty), GET /exec/{id}/json gives the exit code. */
#include "backends/docker/docker_internal.h"
#include "core/log_records.h"

#include <errno.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define OUTPUT_PIECE ((size_t)32 * 1024)

/* The requests of one exec method, each the generated target of its own
 * declared call: exec, exec_with_opts, exec_stream and exec_pty declare
 * the same ContainerExec, ExecStart and ExecInspect (exec_pty adds
 * ExecResize), and test_docker_calls checks each against its declaration. */
typedef struct exec_calls {
  const char *method;
  int (*create)(char **out);
  int (*start)(char **out, const char *exec_id);
  int (*start_body)(char **out, bool tty);
  int (*inspect)(char **out, const char *exec_id);
} exec_calls;

#define EXEC_CALLS(m)                                                                                                  \
  {                                                                                                                    \
#m, ctrt__dockerreq_##m##_container_exec, ctrt__dockerreq_##m##_exec_start, ctrt__dockerreq_##m##_exec_start_body, \
        ctrt__dockerreq_##m##_exec_inspect                                                                             \
  }
static const exec_calls calls_exec = EXEC_CALLS(exec);
static const exec_calls calls_exec_with_opts = EXEC_CALLS(exec_with_opts);
static const exec_calls calls_exec_stream = EXEC_CALLS(exec_stream);
static const exec_calls calls_exec_pty = EXEC_CALLS(exec_pty);

/* POST /containers/{ref}/exec -> the exec id; the body is ExecOptions by
 * the spec's wire names. A paused or stopped container is a conflict
 * (Docker: 409). */
static int exec_create(ctrt__docker *d, const ctrt_container_id *id, const ctrt_exec_options *o, const exec_calls *c,
                       char **exec_id) {
  *exec_id = NULL;
  char *text = NULL, *suffix = NULL;
  ctrt__docker_call call = {.verb = "POST", .content_type = "application/json"};
  ctrt__http_response *resp = NULL;
  json_t *answer = NULL;
  int rc;
  if ((rc = ctrt__docker_body_exec_options(&text, o)) < 0 || (rc = c->create(&suffix)) < 0)
    goto done;
  call.suffix = suffix;
  call.body = text;
  call.body_len = strlen(text);
  if ((rc = ctrt__docker_container_send(d, id, &call, c->method, &resp)) < 0 ||
      (rc = ctrt__docker_parse_body(&answer, resp, c->method)) < 0)
    goto done;
  const char *eid = json_string_value(json_object_get(answer, "Id"));
  if (eid == NULL) {
    rc = ctrt__error_internal("%s: the Docker daemon's exec answer has no Id", c->method);
    goto done;
  }
  if ((*exec_id = ctrt__strdup(eid)) == NULL)
    rc = ctrt__error_no_memory();
done:
  json_decref(answer);
  ctrt__http_response_free(resp);
  ctrt__free(suffix);
  ctrt__free(text);
  return rc;
}

/* POST /exec/{id}/start with {"Detach":false,"Tty":tty}: the request of
 * exec_start_open and of exec_pty's hijack. */
static int exec_start_request(const exec_calls *c, const char *exec_id, bool tty, char **path, char **body,
                              ctrt__http_request *req) {
  *path = *body = NULL;
  int rc;
  if ((rc = c->start(path, exec_id)) < 0 || (rc = c->start_body(body, tty)) < 0)
    return rc;
  *req = (ctrt__http_request)CTRT__HTTP_REQUEST_INIT;
  req->method = "POST";
  req->path = *path;
  req->content_type = "application/json";
  req->body = *body;
  req->body_len = strlen(*body);
  return 0;
}

static int exec_start_open(ctrt__docker *d, const char *exec_id, bool tty, const exec_calls *c,
                           ctrt__http_stream **out) {
  char *path = NULL, *body = NULL;
  ctrt__http_request req;
  int rc;
  if ((rc = exec_start_request(c, exec_id, tty, &path, &body, &req)) < 0)
    goto done;
  rc = ctrt__docker_open(d, &req, NULL, 0, c->method, out);
done:
  ctrt__free(path);
  ctrt__free(body);
  return rc;
}

static void sleep_ms(unsigned ms) {
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

/* GET /exec/{id}/json until the exit code is there (the exit is recorded
 * a moment after the output ends; before the start, Running is false and
 * ExitCode null too). limit_ms 0 = no limit. */
static int exec_exit_code(ctrt__docker *d, const char *exec_id, const exec_calls *c, const char *method,
                          unsigned limit_ms, int32_t *code) {
  char *path = NULL;
  int target_rc = c->inspect(&path, exec_id);
  if (target_rc < 0)
    return target_rc;
  unsigned waited = 0, pause = 5;
  int rc;
  for (;;) {
    ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
    req.path = path;
    ctrt__http_response *resp = NULL;
    json_t *json = NULL;
    if ((rc = ctrt__docker_send(d, &req, NULL, 0, method, &resp)) == 0)
      rc = ctrt__docker_parse_body(&json, resp, method);
    ctrt__http_response_free(resp);
    if (rc < 0)
      goto done;
    const json_t *exit_code = json_object_get(json, "ExitCode");
    bool exited = !json_is_true(json_object_get(json, "Running")) && json_is_integer(exit_code);
    int64_t value = 0;
    if (exited && !ctrt__json_int_in(exit_code, INT32_MIN, INT32_MAX, &value))
      rc = ctrt__error_internal("%s: the Docker daemon's exec exit code %" JSON_INTEGER_FORMAT " is not an int32",
                                method, json_integer_value(exit_code));
    if (exited)
      *code = (int32_t)value;
    json_decref(json);
    if (rc < 0 || exited)
      goto done;
    if (limit_ms && waited >= limit_ms) {
      rc = ctrt__error_internal("%s: the Docker daemon reported no exit code for exec %.12s after %u ms", method,
                                exec_id, waited);
      goto done;
    }
    sleep_ms(pause);
    waited += pause;
    pause = pause < 100 ? pause * 2 : 100;
  }
done:
  ctrt__free(path);
  return rc;
}

/* ---- exec, exec_with_opts: collect the whole output ---- */

typedef struct text_buf {
  char *data;
  size_t len, cap;
} text_buf;

static int text_append(text_buf *t, const uint8_t *data, size_t len) {
  if (t->len + len + 1 > t->cap) {
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->len + len + 1)
      cap *= 2;
    char *grown = ctrt__realloc(t->data, cap);
    CTRT__CHECK_ALLOC(grown);
    t->data = grown;
    t->cap = cap;
  }
  memcpy(t->data + t->len, data, len);
  t->len += len;
  t->data[t->len] = '\0';
  return 0;
}

/* The exec's output, stdout and stderr apart, up to room bytes in all;
 * *truncated when the cap cut it. */
static int read_output(ctrt__http_stream *hs, bool tty, const char *method, size_t room, text_buf *out_text,
                       text_buf *err_text, bool *truncated) {
  uint8_t *buf = ctrt__malloc(OUTPUT_PIECE);
  CTRT__CHECK_ALLOC(buf);
  ctrt__demux dm;
  ctrt__demux_init(&dm, !tty, ctrt__http_stream_pull, hs);
  int rc;
  for (;;) {
    int stream = 0;
    size_t n = 0;
    if ((rc = ctrt__demux_read(&dm, &stream, buf, OUTPUT_PIECE, &n)) == CTRT_ITEROVER) {
      rc = 0;
      goto done;
    }
    if (rc < 0) {
      rc = ctrt__error_wrap("%s", method);
      goto done;
    }
    if (stream != CTRT__STDCOPY_STDOUT && stream != CTRT__STDCOPY_STDERR)
      continue;
    size_t take = n < room ? n : room;
    if ((rc = text_append(stream == CTRT__STDCOPY_STDOUT ? out_text : err_text, buf, take)) < 0)
      goto done;
    room -= take;
    if (take < n) {
      *truncated = true;
      goto done; /* closing the attach ends the process's output (it gets EPIPE) */
    }
  }
done:
  ctrt__free(buf);
  return rc;
}

static int run_exec(ctrt__docker *d, ctrt_exec_result **out, const ctrt_container_id *id, const ctrt_exec_options *cfg,
                    const exec_calls *c) {
  const char *method = c->method;
  char *exec_id = NULL;
  ctrt__http_stream *hs = NULL;
  text_buf out_text = {0}, err_text = {0};
  ctrt_exec_result *r = NULL;
  int32_t code = 0;
  bool truncated = false;
  int rc;
  /* The output is bounded (ctrt_open_options.exec_output_max): `yes` in a
   * container must not grow this process without limit. */
  if ((rc = exec_create(d, id, cfg, c, &exec_id)) < 0 || (rc = exec_start_open(d, exec_id, cfg->tty, c, &hs)) < 0 ||
      (rc = read_output(hs, cfg->tty, method, d->exec_output_max, &out_text, &err_text, &truncated)) < 0)
    goto done;
  ctrt__http_stream_free(hs);
  hs = NULL;
  if ((rc = exec_exit_code(d, exec_id, c, method, 30000, &code)) < 0) {
    if (truncated)
      rc = ctrt__error_wrap("%s: the output reached the cap of %zu bytes (exec_output_max) and the process did not end",
                            method, d->exec_output_max);
    goto done;
  }
  r = ctrt__malloc(sizeof *r);
  if (r == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  *r = (ctrt_exec_result)CTRT_EXEC_RESULT_INIT;
  r->exit_code = code;
  r->output_truncated = truncated;
  /* text_append keeps a NUL after the bytes: the buffers are adopted. */
  rc = ctrt__bytes_take(&r->stdout_, out_text.data, out_text.len);
  out_text.data = NULL;
  if (rc < 0)
    goto done;
  rc = ctrt__bytes_take(&r->stderr_, err_text.data, err_text.len);
  err_text.data = NULL;
  if (rc < 0)
    goto done;
  *out = r;
  r = NULL;
done:
  ctrt_exec_result_free(r);
  ctrt__http_stream_free(hs);
  ctrt__free(out_text.data);
  ctrt__free(err_text.data);
  ctrt__free(exec_id);
  return rc;
}

int ctrt__docker_exec(void *self, ctrt_exec_result **out, const ctrt_container_id *id, const char *const *argv,
                      size_t n_argv) {
  ctrt_exec_options cfg = CTRT_EXEC_OPTIONS_INIT;
  cfg.command = (char **)argv;
  cfg.n_command = n_argv;
  return run_exec(self, out, id, &cfg, &calls_exec);
}

int ctrt__docker_exec_with_opts(void *self, ctrt_exec_result **out, const ctrt_container_id *id,
                                const ctrt_exec_options *options) {
  /* The whole output is collected: stdout and stderr are always attached. */
  ctrt_exec_options cfg = *options;
  cfg.attach_stdin = false;
  cfg.attach_stdout = cfg.attach_stderr = true;
  return run_exec(self, out, id, &cfg, &calls_exec_with_opts);
}

/* ---- exec_stream: one event per frame, then exactly one exit ---- */

typedef struct exec_stream {
  ctrt__docker *d;
  char *exec_id;
  ctrt__http_stream *hs;
  ctrt__demux dm;
  uint8_t *buf;
  bool output_done, exited;
} exec_stream;

static int exec_event(void **item, ctrt_exec_event_kind kind, const uint8_t *data, size_t len, int32_t code) {
  return ctrt__exec_event_new((ctrt_exec_event **)item, kind, data, len, code);
}

static int exec_stream_next(void *impl, void **item) {
  exec_stream *s = impl;
  while (!s->output_done) {
    int stream = 0;
    size_t n = 0;
    bool end;
    int rc = ctrt__docker_demux_piece(&s->dm, &stream, s->buf, OUTPUT_PIECE, &n, &end);
    if (rc == CTRT_ITEROVER) {
      s->output_done = true;
      break;
    }
    if (rc < 0)
      return ctrt__error_wrap("exec_stream");
    if (n > 0 && (stream == CTRT__STDCOPY_STDOUT || stream == CTRT__STDCOPY_STDERR))
      return exec_event(item, stream == CTRT__STDCOPY_STDOUT ? CTRT_EXEC_EVENT_STDOUT : CTRT_EXEC_EVENT_STDERR, s->buf,
                        n, 0);
  }
  if (s->exited)
    return CTRT_ITEROVER;
  s->exited = true;
  int32_t code = 0;
  int rc = exec_exit_code(s->d, s->exec_id, &calls_exec_stream, "exec_stream", 30000, &code);
  if (rc < 0)
    return rc;
  return exec_event(item, CTRT_EXEC_EVENT_EXIT, NULL, 0, code);
}

static void exec_stream_cancel(void *impl) { ctrt__http_stream_cancel(((exec_stream *)impl)->hs); }

static void exec_stream_destroy(void *impl) {
  exec_stream *s = impl;
  ctrt__http_stream_free(s->hs);
  ctrt__free(s->buf);
  ctrt__free(s->exec_id);
  ctrt__free(s);
}

static const ctrt__stream_vtable exec_stream_vtable = {
    .next = exec_stream_next,
    .cancel = exec_stream_cancel,
    .destroy = exec_stream_destroy,
};

int ctrt__docker_exec_stream(void *self, ctrt_exec_event_stream **out, const ctrt_container_id *id,
                             const char *const *argv, size_t n_argv) {
  ctrt__docker *d = self;
  exec_stream *s = ctrt__calloc(1, sizeof *s);
  CTRT__CHECK_ALLOC(s);
  s->d = d;
  ctrt_exec_options cfg = CTRT_EXEC_OPTIONS_INIT;
  cfg.command = (char **)argv;
  cfg.n_command = n_argv;
  ctrt__stream *stream = NULL;
  int rc;
  if ((s->buf = ctrt__malloc(OUTPUT_PIECE)) == NULL) {
    rc = ctrt__error_no_memory();
    goto fail;
  }
  if ((rc = exec_create(d, id, &cfg, &calls_exec_stream, &s->exec_id)) < 0 ||
      (rc = exec_start_open(d, s->exec_id, false, &calls_exec_stream, &s->hs)) < 0)
    goto fail;
  ctrt__demux_init(&s->dm, true, ctrt__http_stream_pull, s->hs);
  rc = ctrt__stream_new(&stream, &exec_stream_vtable, s, ctrt__exec_event_stream_item_free);
  *out = (ctrt_exec_event_stream *)stream;
  return rc;
fail:
  exec_stream_destroy(s);
  return rc;
}

/* ---- exec_pty: a session over the hijacked connection ---- */

typedef struct exec_session {
  ctrt__docker *d;
  char *exec_id;
  ctrt__http_conn *conn;
  ctrt__demux dm;
  bool tty;
  int ready_fd; /* eventfd that always polls readable, for bytes buffered in user space (TLS) */
} exec_session;

static int session_write(void *impl, const void *data, size_t len) {
  exec_session *s = impl;
  int rc = ctrt__http_conn_write(s->conn, data, len);
  return rc < 0 ? ctrt__error_wrap("exec_handle_write") : 0;
}

static int session_read(void *impl, ctrt_log_channel *channel, void *buf, size_t cap, size_t *n_read) {
  exec_session *s = impl;
  for (;;) {
    int stream = 0;
    int rc = ctrt__demux_read(&s->dm, &stream, buf, cap, n_read);
    if (rc == CTRT_ITEROVER)
      return rc;
    if (rc < 0)
      return ctrt__error_wrap("exec_handle_read");
    if (stream == CTRT__STDCOPY_STDIN || *n_read == 0)
      continue; /* echoes of stdin are no output */
    *channel = stream == CTRT__STDCOPY_STDERR ? CTRT_LOG_CHANNEL_STDERR : CTRT_LOG_CHANNEL_STDOUT;
    return 0;
  }
}

static int session_close_stdin(void *impl) {
  exec_session *s = impl;
  int rc = ctrt__http_conn_close_write(s->conn);
  return rc < 0 ? ctrt__error_wrap("exec_handle_close_stdin") : 0;
}

static int session_resize(void *impl, uint16_t rows, uint16_t cols) {
  exec_session *s = impl;
  char *path = NULL;
  int rc = ctrt__dockerreq_exec_pty_exec_resize(&path, s->exec_id, rows, cols);
  if (rc < 0)
    return rc;
  ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
  req.method = "POST";
  req.path = path;
  ctrt__http_response *resp = NULL;
  rc = ctrt__docker_send(s->d, &req, NULL, 0, "exec_handle_resize", &resp);
  ctrt__http_response_free(resp);
  ctrt__free(path);
  if (rc < 0 && rc != CTRT_ENETWORK) {
    /* A process that has exited has no terminal left to resize. */
    char message[CTRT__ERROR_MESSAGE_MAX];
    snprintf(message, sizeof message, "%s", ctrt_error_last()->message);
    ctrt_error_kind kind = ctrt_error_last()->kind;
    int http = ctrt_error_last()->http_status;
    int32_t code;
    if (exec_exit_code(s->d, s->exec_id, &calls_exec_pty, "exec_handle_resize", 1, &code) == 0)
      return 0;
    return ctrt__error_set(kind, http, "%s", message);
  }
  return rc;
}

static int session_wait(void *impl, int32_t *exit_code) {
  exec_session *s = impl;
  return exec_exit_code(s->d, s->exec_id, &calls_exec_pty, "exec_handle_wait", 0, exit_code);
}

static int session_fd(void *impl) {
  exec_session *s = impl;
  /* Bytes already taken off the socket (TLS) would not wake poll(). */
  if (ctrt__http_conn_pending(s->conn)) {
    if (s->ready_fd < 0 && (s->ready_fd = eventfd(1, EFD_CLOEXEC)) < 0)
      return ctrt__http_conn_fd(s->conn);
    return s->ready_fd;
  }
  return ctrt__http_conn_fd(s->conn);
}

static void session_destroy(void *impl) {
  exec_session *s = impl;
  ctrt__http_conn_free(s->conn);
  if (s->ready_fd >= 0)
    close(s->ready_fd);
  ctrt__free(s->exec_id);
  ctrt__free(s);
}

static const ctrt__exec_handle_vtable session_vtable = {
    .write = session_write,
    .read = session_read,
    .close_stdin = session_close_stdin,
    .resize = session_resize,
    .wait = session_wait,
    .fd = session_fd,
    .destroy = session_destroy,
};

int ctrt__docker_exec_pty(void *self, ctrt_exec_handle **out, const ctrt_container_id *id,
                          const ctrt_exec_options *options) {
  ctrt__docker *d = self;
  exec_session *s = ctrt__calloc(1, sizeof *s);
  CTRT__CHECK_ALLOC(s);
  s->d = d;
  s->tty = options->tty;
  s->ready_fd = -1;
  char *path = NULL, *body = NULL;
  ctrt__http_request req;
  int rc;
  if ((rc = exec_create(d, id, options, &calls_exec_pty, &s->exec_id)) < 0 ||
      (rc = exec_start_request(&calls_exec_pty, s->exec_id, options->tty, &path, &body, &req)) < 0 ||
      (rc = ctrt__docker_hijack(d, &req, NULL, 0, "exec_pty", &s->conn)) < 0)
    goto done;
  ctrt__demux_init(&s->dm, !s->tty, ctrt__http_conn_pull, s->conn);
done:
  ctrt__free(path);
  ctrt__free(body);
  if (rc < 0) {
    session_destroy(s);
    return rc;
  }
  return ctrt__exec_handle_new(out, &session_vtable, s);
}
