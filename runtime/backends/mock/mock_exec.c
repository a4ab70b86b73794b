/* SPDX-License-Identifier: MIT */
/* The mock's exec family and the main process's stdin: exec (collected),
 * exec_stream (events as output arrives), exec_pty (a session over a
 * socketpair, Docker's multiplexed framing unless a TTY), write_stdin and
 * close_stdin. */
#include "gen_internal.h"
#include "mock.h"
#include "transport/transport.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#define STDIN_CAP (16u << 20)

typedef struct exec_request {
  char *const *argv;
  size_t argc;
  char *const *env;
  size_t n_env;
  const char *cwd;
  const char *user;
  bool tty;
  bool attach_stdin;
  int sock;
} exec_request;

/* Start an exec in a running container (under the lock). */
static int exec_start(mock_runtime *m, const ctrt_container_id *id, const exec_request *req, mock_sink sink,
                      mock_container **c_out, mock_process **p_out) {
  mock_container *c = mock_find_container(m, id);
  if (c == NULL)
    return ctrt__error_code();
  if (c->state == MOCK_PAUSED)
    return ctrt__error_set(CTRT_ERROR_CONFLICT, 409, "Container %s is paused, unpause the container before exec",
                           c->runtime_id);
  if (c->state != MOCK_RUNNING)
    return mock_not_running_error(c);
  /* runc refuses a command it cannot find: Docker reports it as the exec's
   * output with exit code 126 (not 127 as a shell would). */
  char *reason = NULL;
  char *message = NULL;
  int status = mock_shell_resolve(c->fs, c->env, c->n_env, req->argv[0], &reason);
  if (status != 0) {
    message = ctrt__sprintf("OCI runtime exec failed: exec failed: unable to start container process: exec: \"%s\": "
                            "%s: unknown\r\n",
                            req->argv[0], reason ? reason : "executable file not found in $PATH");
    ctrt__free(reason);
    CTRT__CHECK_ALLOC(message);
  }
  int rc = mock_process_start_ex(m, c, sink, req->argv, req->argc, req->env, req->n_env, req->cwd, req->user, req->tty,
                                 req->attach_stdin, req->sock, message, 126, p_out);
  ctrt__free(message);
  if (rc < 0)
    return rc;
  mock_container_ref(c);
  *c_out = c;
  return 0;
}

static void exec_release(mock_runtime *m, mock_container *c, mock_process *p) {
  mock_process_unref(p);
  mock_container_reap(m, c);
  mock_container_unref(c);
}

static int collect(mock_runtime *m, ctrt_exec_result **out, const ctrt_container_id *id, const exec_request *req) {
  ctrt_exec_result *result = ctrt__malloc(sizeof *result);
  CTRT__CHECK_ALLOC(result);
  *result = (ctrt_exec_result)CTRT_EXEC_RESULT_INIT;
  mock_container *c = NULL;
  mock_process *p = NULL;
  mock_lock(m);
  int rc;
  if ((rc = exec_start(m, id, req, MOCK_SINK_BUFFER, &c, &p)) < 0)
    goto done;
  mock_process_wait(m, p, 0);
  result->exit_code = p->exit_code;
  result->output_truncated = p->out_cut;
  /* The buffers keep a NUL after the output (append_buffer): adopted as is. */
  if ((rc = ctrt__bytes_take(&result->stdout_, p->out[1], p->out_len[1])) < 0)
    ctrt__free(p->out[2]); /* not taken either */
  else
    rc = ctrt__bytes_take(&result->stderr_, p->out[2], p->out_len[2]);
  p->out[1] = p->out[2] = NULL;
  exec_release(m, c, p);
  if (rc < 0)
    goto done;
  *out = result;
  result = NULL;
done:
  mock_unlock(m);
  ctrt_exec_result_free(result);
  return rc;
}

int mock_exec(void *self, ctrt_exec_result **out, const ctrt_container_id *id, const char *const *argv, size_t n_argv) {
  exec_request req = {.argv = (char *const *)argv, .argc = n_argv, .sock = -1};
  return collect(self, out, id, &req);
}

int mock_exec_with_opts(void *self, ctrt_exec_result **out, const ctrt_container_id *id,
                        const ctrt_exec_options *options) {
  if (options->n_command == 0)
    return ctrt__error_invalid_spec("exec_with_opts: the command is empty");
  exec_request req = {.argv = options->command,
                      .argc = options->n_command,
                      .env = options->env,
                      .n_env = options->n_env,
                      .cwd = options->working_dir,
                      .user = options->user,
                      .tty = options->tty,
                      .sock = -1};
  return collect(self, out, id, &req);
}

/* ---- exec_stream ---- */

typedef struct exec_events {
  mock_runtime *m;
  mock_container *c;
  mock_process *p;
  bool cancelled;
} exec_events;

static int events_next(void *impl, void **item) {
  exec_events *s = impl;
  mock_runtime *m = s->m;
  int rc;
  mock_lock(m);
  for (;;) {
    if (s->cancelled) {
      rc = ctrt__error_cancelled("the exec stream was cancelled");
      break;
    }
    mock_event *e = s->p->events_head;
    if (e != NULL) {
      s->p->events_head = e->next;
      if (s->p->events_head == NULL)
        s->p->events_tail = NULL;
      *item = e->event;
      ctrt__free(e);
      mock_broadcast(m); /* a writer may wait for room */
      rc = 0;
      break;
    }
    if (s->p->finished) {
      rc = CTRT_ITEROVER; /* the exit event has been delivered */
      break;
    }
    mock_wait(m, 0);
  }
  mock_unlock(m);
  return rc;
}

static void events_cancel(void *impl) {
  exec_events *s = impl;
  mock_lock(s->m);
  s->cancelled = true;
  mock_broadcast(s->m);
  mock_unlock(s->m);
}

static void events_destroy(void *impl) {
  exec_events *s = impl;
  mock_lock(s->m);
  /* Nobody reads any more: later output fails, like a closed pipe. */
  s->p->events_abandoned = true;
  mock_process_free_events(s->p);
  mock_broadcast(s->m);
  exec_release(s->m, s->c, s->p);
  mock_unlock(s->m);
  ctrt__free(s);
}

static const ctrt__stream_vtable events_vtable = {
    .next = events_next,
    .cancel = events_cancel,
    .destroy = events_destroy,
};

int mock_exec_stream(void *self, ctrt_exec_event_stream **out, const ctrt_container_id *id, const char *const *argv,
                     size_t n_argv) {
  mock_runtime *m = self;
  exec_events *s = ctrt__calloc(1, sizeof *s);
  CTRT__CHECK_ALLOC(s);
  s->m = m;
  exec_request req = {.argv = (char *const *)argv, .argc = n_argv, .sock = -1};
  mock_lock(m);
  int rc = exec_start(m, id, &req, MOCK_SINK_EVENTS, &s->c, &s->p);
  mock_unlock(m);
  if (rc < 0) {
    ctrt__free(s);
    return rc;
  }
  ctrt__stream *stream = NULL;
  rc = ctrt__stream_new(&stream, &events_vtable, s, ctrt__exec_event_stream_item_free);
  *out = (ctrt_exec_event_stream *)stream;
  return rc;
}

/* ---- exec_pty: a session over a socketpair ---- */

typedef struct pty_session {
  mock_runtime *m;
  mock_container *c;
  mock_process *p;
  int fd;
  /* Docker's framing (unless a TTY), decoded by the transport's demuxer. */
  ctrt__demux demux;
} pty_session;

static int recv_some(void *ctx, void *buf, size_t cap, size_t *n_read) {
  int fd = *(int *)ctx;
  for (;;) {
    ssize_t n = recv(fd, buf, cap, 0);
    if (n > 0) {
      *n_read = (size_t)n;
      return 0;
    }
    if (n == 0)
      return CTRT_ITEROVER;
    if (errno != EINTR)
      return ctrt__error_network("reading the exec session failed: %s", strerror(errno));
  }
}

static int pty_read(void *impl, ctrt_log_channel *channel, void *buf, size_t cap, size_t *n_read) {
  pty_session *s = impl;
  int stream = CTRT__STDCOPY_STDOUT;
  int rc;
  if ((rc = ctrt__demux_read(&s->demux, &stream, buf, cap, n_read)) != 0)
    return rc; /* an error, or CTRT_ITEROVER at the end */
  *channel = stream == CTRT__STDCOPY_STDERR ? CTRT_LOG_CHANNEL_STDERR : CTRT_LOG_CHANNEL_STDOUT;
  return 0;
}

static int pty_write(void *impl, const void *data, size_t len) {
  pty_session *s = impl;
  const uint8_t *at = data;
  while (len > 0) {
    ssize_t n = send(s->fd, at, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return ctrt__error_network("writing to the exec session failed: %s", strerror(errno));
    at += n;
    len -= (size_t)n;
  }
  return 0;
}

static int pty_close_stdin(void *impl) {
  pty_session *s = impl;
  if (shutdown(s->fd, SHUT_WR) < 0 && errno != ENOTCONN)
    return ctrt__error_network("closing the session's stdin failed: %s", strerror(errno));
  return 0;
}

static int pty_resize(void *impl, uint16_t rows, uint16_t cols) {
  pty_session *s = impl;
  mock_lock(s->m);
  s->p->rows = rows;
  s->p->cols = cols;
  mock_unlock(s->m);
  return 0;
}

static int pty_wait(void *impl, int32_t *exit_code) {
  pty_session *s = impl;
  mock_lock(s->m);
  mock_process_wait(s->m, s->p, 0);
  *exit_code = s->p->exit_code;
  mock_unlock(s->m);
  return 0;
}

static int pty_fd(void *impl) { return ((pty_session *)impl)->fd; }

static void pty_destroy(void *impl) {
  pty_session *s = impl;
  close(s->fd);
  mock_lock(s->m);
  exec_release(s->m, s->c, s->p);
  mock_unlock(s->m);
  ctrt__free(s);
}

static const ctrt__exec_handle_vtable pty_vtable = {
    .write = pty_write,
    .read = pty_read,
    .close_stdin = pty_close_stdin,
    .resize = pty_resize,
    .wait = pty_wait,
    .fd = pty_fd,
    .destroy = pty_destroy,
};

int mock_exec_pty(void *self, ctrt_exec_handle **out, const ctrt_container_id *id, const ctrt_exec_options *options) {
  mock_runtime *m = self;
  if (options->n_command == 0)
    return ctrt__error_invalid_spec("exec_pty: the command is empty");
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
    return ctrt__error_internal("socketpair failed: %s", strerror(errno));
  pty_session *s = ctrt__calloc(1, sizeof *s);
  if (s == NULL) {
    close(fds[0]);
    close(fds[1]);
    return ctrt__error_no_memory();
  }
  s->m = m;
  s->fd = fds[1];
  ctrt__demux_init(&s->demux, !options->tty, recv_some, &s->fd);
  exec_request req = {.argv = options->command,
                      .argc = options->n_command,
                      .env = options->env,
                      .n_env = options->n_env,
                      .cwd = options->working_dir,
                      .user = options->user,
                      .tty = options->tty,
                      .attach_stdin = options->attach_stdin,
                      .sock = fds[0]};
  mock_lock(m);
  int rc;
  if ((rc = exec_start(m, id, &req, MOCK_SINK_SOCKET, &s->c, &s->p)) < 0) {
    mock_unlock(m);
    goto fail;
  }
  s->p->out_attached[1] = options->attach_stdout;
  s->p->out_attached[2] = options->attach_stderr;
  mock_unlock(m);
  return ctrt__exec_handle_new(out, &pty_vtable, s);
fail:
  close(fds[0]);
  close(fds[1]);
  ctrt__free(s);
  return rc;
}

/* ---- the main process's stdin (attach) ---- */

static mock_container *stdin_container(mock_runtime *m, const ctrt_container_id *id, int *rc) {
  mock_container *c = mock_find_container(m, id);
  *rc = c ? 0 : ctrt__error_code();
  if (c && !c->spec->stdin_open)
    *rc = ctrt__error_set(CTRT_ERROR_CONFLICT, 409, "container %s was not created with stdin_open", c->display);
  return *rc == 0 ? c : NULL;
}

int mock_write_stdin(void *self, const ctrt_container_id *id, const void *data, size_t data_len) {
  mock_runtime *m = self;
  mock_lock(m);
  int rc;
  mock_container *c = stdin_container(m, id, &rc);
  if (c == NULL)
    goto done;
  if (c->stdin_pipe.closed) {
    rc = ctrt__error_set(CTRT_ERROR_CONFLICT, 409, "the stdin of %s has been closed", c->display);
    goto done;
  }
  if (c->stdin_pipe.len + data_len > STDIN_CAP) {
    rc = ctrt__error_set(CTRT_ERROR_CONFLICT, 409, "more than %u bytes wait unread on the stdin of %s", STDIN_CAP,
                         c->display);
    goto done;
  }
  if (c->stdin_pipe.len + data_len > c->stdin_pipe.cap) {
    size_t cap = c->stdin_pipe.cap ? c->stdin_pipe.cap : 4096;
    while (cap < c->stdin_pipe.len + data_len)
      cap *= 2;
    uint8_t *grown = ctrt__realloc(c->stdin_pipe.data, cap);
    if (grown == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
    c->stdin_pipe.data = grown;
    c->stdin_pipe.cap = cap;
  }
  if (data_len > 0) {
    memcpy(c->stdin_pipe.data + c->stdin_pipe.len, data, data_len);
    c->stdin_pipe.len += data_len;
    mock_broadcast(m);
  }
done:
  mock_unlock(m);
  return rc;
}

int mock_close_stdin(void *self, const ctrt_container_id *id) {
  mock_runtime *m = self;
  mock_lock(m);
  int rc;
  mock_container *c = stdin_container(m, id, &rc);
  if (c) {
    c->stdin_pipe.closed = true;
    mock_broadcast(m);
  }
  mock_unlock(m);
  return rc;
}
