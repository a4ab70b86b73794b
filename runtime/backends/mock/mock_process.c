/* SPDX-License-Identifier: MIT */
/* The mock's processes: one thread each, running the command interpreter
 * (shell.c) with callbacks that route output (logs, exec buffers, event
 * queues, session sockets), feed stdin, pass real time and deliver signals,
 * all under the mock's lock and condition variable. */
#include "core/log_records.h"
#include "gen_internal.h"
#include "mock.h"
#include "transport/transport.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

/* Output an exec may collect or queue before its writes block or fail. */
#define OUTPUT_CAP (16u << 20)
/* The stack of a process thread: the shell's nesting limits fit in it. */
#define MOCK_PROCESS_STACK MOCK_SHELL_STACK
#define POLL_SLICE_MS 50

static bool paused(const mock_process *p) { return p->container->state == MOCK_PAUSED; }

static int lowest_signal(uint32_t set) {
  if (set & (1u << SIGKILL))
    return SIGKILL;
  for (int sig = 1; sig < 32; sig++)
    if (set & (1u << sig))
      return sig;
  return 0;
}

static bool must_stop(const mock_process *p) { return p->pending_signals != 0 || p->mock->closing; }

/* ---- callbacks (called without the lock) ---- */

static int cb_next_signal(void *ctx) {
  mock_process *p = ctx;
  mock_lock(p->mock);
  /* The interpreter asks between commands and in loops: a frozen (paused)
   * container's processes stop here until thawed or killed. */
  while (paused(p) && !(p->pending_signals & (1u << SIGKILL)) && !p->mock->closing)
    mock_wait(p->mock, 0);
  int sig = lowest_signal(p->pending_signals);
  if (sig == 0 && p->mock->closing)
    sig = SIGKILL;
  p->pending_signals &= ~(1u << sig);
  mock_unlock(p->mock);
  return sig;
}

static int cb_sleep_ms(void *ctx, uint64_t ms) {
  mock_process *p = ctx;
  mock_runtime *m = p->mock;
  uint64_t deadline = mock_now_ns() + ms * 1000000u;
  mock_lock(m);
  int sig = 0;
  for (;;) {
    sig = lowest_signal(p->pending_signals);
    if (sig == 0 && m->closing)
      sig = SIGKILL;
    if (sig != 0 || (!paused(p) && mock_now_ns() >= deadline))
      break;
    mock_wait(m, paused(p) ? 0 : deadline);
  }
  mock_unlock(m);
  return sig;
}

static int stop_error(void) { return ctrt__error_cancelled("interrupted by a signal"); }

/* Read from a session socket, waking up for signals. */
static int read_socket(mock_process *p, void *buf, size_t cap, size_t *n_read) {
  for (;;) {
    mock_lock(p->mock);
    bool stop = must_stop(p);
    int fd = p->stdin_closed ? -1 : p->sock;
    mock_unlock(p->mock);
    if (stop)
      return stop_error();
    if (fd < 0)
      return CTRT_ITEROVER;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int ready = poll(&pfd, 1, POLL_SLICE_MS);
    if (ready < 0 && errno != EINTR)
      return ctrt__error_internal("poll on the session socket failed: %s", strerror(errno));
    if (ready <= 0)
      continue;
    ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);
    if (n > 0) {
      *n_read = (size_t)n;
      return 0;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      mock_lock(p->mock);
      p->stdin_closed = true; /* half-closed by the client: end of input */
      mock_unlock(p->mock);
      return CTRT_ITEROVER;
    }
  }
}

static int cb_read_stdin(void *ctx, void *buf, size_t cap, size_t *n_read) {
  mock_process *p = ctx;
  mock_runtime *m = p->mock;
  *n_read = 0;
  if (p->sink == MOCK_SINK_SOCKET)
    return p->stdin_attached ? read_socket(p, buf, cap, n_read) : CTRT_ITEROVER;
  if (p->stdin_pipe == NULL)
    return CTRT_ITEROVER;
  mock_lock(m);
  int rc;
  for (;;) {
    if (must_stop(p)) {
      rc = stop_error();
      break;
    }
    mock_pipe *pipe = p->stdin_pipe;
    if (!paused(p) && pipe->len > 0) {
      size_t take = pipe->len < cap ? pipe->len : cap;
      memcpy(buf, pipe->data, take);
      memmove(pipe->data, pipe->data + take, pipe->len - take);
      pipe->len -= take;
      *n_read = take;
      mock_broadcast(m); /* room for a blocked writer */
      rc = 0;
      break;
    }
    if (!paused(p) && pipe->closed) {
      rc = CTRT_ITEROVER;
      break;
    }
    mock_wait(m, 0);
  }
  mock_unlock(m);
  return rc;
}

static int append_buffer(mock_process *p, int ch, const void *data, size_t len) {
  /* The runtime's exec output cap, stdout and stderr together: what fits is
   * kept, the result says output_truncated, the writer gets an error. */
  size_t room = p->mock->exec_output_max - (p->out_len[1] + p->out_len[2]);
  bool cut = len > room;
  if (cut) {
    p->out_cut = true;
    len = room;
  }
  if (p->out_len[ch] + len + 1 > p->out_cap[ch]) {
    size_t cap = p->out_cap[ch] ? p->out_cap[ch] : 256;
    while (cap < p->out_len[ch] + len + 1)
      cap *= 2;
    char *grown = ctrt__realloc(p->out[ch], cap);
    CTRT__CHECK_ALLOC(grown);
    p->out[ch] = grown;
    p->out_cap[ch] = cap;
  }
  memcpy(p->out[ch] + p->out_len[ch], data, len);
  p->out_len[ch] += len;
  p->out[ch][p->out_len[ch]] = '\0';
  return cut ? ctrt__error_internal("exec output exceeds %zu bytes", p->mock->exec_output_max) : 0;
}

static size_t queued_event_bytes(const mock_process *p) {
  size_t total = 0;
  for (const mock_event *e = p->events_head; e; e = e->next)
    total += e->event->kind == CTRT_EXEC_EVENT_STDOUT   ? e->event->stdout_.len
             : e->event->kind == CTRT_EXEC_EVENT_STDERR ? e->event->stderr_.len
                                                        : 0;
  return total;
}

int mock_process_push_event(mock_process *p, ctrt_exec_event *event) {
  mock_event *node = ctrt__malloc(sizeof *node);
  if (node == NULL) {
    ctrt_exec_event_free(event);
    return ctrt__error_no_memory();
  }
  node->event = event;
  node->next = NULL;
  if (p->events_tail)
    p->events_tail->next = node;
  else
    p->events_head = node;
  p->events_tail = node;
  mock_broadcast(p->mock);
  return 0;
}

static int push_text_event(mock_process *p, ctrt_log_channel ch, const void *data, size_t len) {
  ctrt_exec_event *ev = NULL;
  int rc = ctrt__exec_event_new(&ev, ch == CTRT_LOG_CHANNEL_STDERR ? CTRT_EXEC_EVENT_STDERR : CTRT_EXEC_EVENT_STDOUT,
                                data, len, 0);
  return rc < 0 ? rc : mock_process_push_event(p, ev);
}

/* Send bytes on the session socket, giving up when a signal arrives or the
 * client went away. */
static int send_all(mock_process *p, const void *data, size_t len) {
  const uint8_t *at = data;
  while (len > 0) {
    mock_lock(p->mock);
    bool stop = must_stop(p);
    int fd = p->sock;
    mock_unlock(p->mock);
    if (stop)
      return stop_error();
    if (fd < 0)
      return ctrt__error_network("the session was closed");
    struct pollfd pfd = {.fd = fd, .events = POLLOUT};
    if (poll(&pfd, 1, POLL_SLICE_MS) <= 0)
      continue;
    ssize_t n = send(fd, at, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
      continue;
    if (n <= 0)
      return ctrt__error_network("the session client went away");
    at += n;
    len -= (size_t)n;
  }
  return 0;
}

/* A TTY turns "\n" into "\r\n" (onlcr), as Docker's TTY output shows. */
static int tty_translate(const void *data, size_t len, char **out, size_t *out_len) {
  const char *in = data;
  size_t extra = 0;
  for (size_t i = 0; i < len; i++)
    extra += in[i] == '\n';
  *out = ctrt__malloc(len + extra + 1);
  CTRT__CHECK_ALLOC(*out);
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    if (in[i] == '\n')
      (*out)[o++] = '\r';
    (*out)[o++] = in[i];
  }
  *out_len = o;
  return 0;
}

static int cb_write(void *ctx, ctrt_log_channel channel, const void *data, size_t len) {
  mock_process *p = ctx;
  mock_runtime *m = p->mock;
  if (len == 0)
    return 0;
  char *translated = NULL;
  if (p->tty) {
    /* One terminal: stderr shares stdout. */
    size_t n = 0;
    if (tty_translate(data, len, &translated, &n) < 0)
      return ctrt__error_code();
    data = translated;
    len = n;
    channel = CTRT_LOG_CHANNEL_STDOUT;
  }
  int rc = 0;
  if (p->sink == MOCK_SINK_SOCKET) {
    if (!p->out_attached[channel == CTRT_LOG_CHANNEL_STDERR ? 2 : 1]) {
      ctrt__free(translated);
      return 0; /* not attached: the output goes nowhere, as with Docker */
    }
    if (p->tty) {
      rc = send_all(p, data, len);
    } else {
      uint8_t header[CTRT__STDCOPY_HEADER_LEN];
      ctrt__stdcopy_header(header, ctrt_log_channel_to_docker_code(channel), (uint32_t)len);
      if ((rc = send_all(p, header, sizeof header)) >= 0)
        rc = send_all(p, data, len);
    }
    ctrt__free(translated);
    return rc;
  }
  mock_lock(m);
  while (paused(p) && !must_stop(p))
    mock_wait(m, 0);
  switch (p->sink) {
  case MOCK_SINK_LOGS:
    mock_log_append_process(m, p, channel, data, len);
    break;
  case MOCK_SINK_BUFFER:
    rc = append_buffer(p, channel == CTRT_LOG_CHANNEL_STDERR ? 2 : 1, data, len);
    break;
  case MOCK_SINK_EVENTS:
    /* Back-pressure: wait while the consumer is far behind. */
    while (queued_event_bytes(p) > OUTPUT_CAP && !must_stop(p) && !p->events_abandoned)
      mock_wait(m, 0);
    rc = p->events_abandoned ? ctrt__error_network("the exec stream was closed")
                             : push_text_event(p, channel, data, len);
    break;
  default:
    break;
  }
  mock_unlock(m);
  ctrt__free(translated);
  return rc;
}

static int cb_signal_pid(void *ctx, int pid, int sig) {
  mock_process *p = ctx;
  mock_runtime *m = p->mock;
  mock_lock(m);
  mock_container *c = p->container;
  mock_process *target = NULL;
  for (size_t i = 0; i < c->n_execs && !target; i++)
    if (c->execs[i]->pid == pid && !c->execs[i]->finished)
      target = c->execs[i];
  int rc = 0;
  if (target == NULL)
    rc = ctrt__error_not_found("process", "No such process");
  else if (sig != 0)
    mock_process_signal(m, target, sig);
  mock_unlock(m);
  return rc;
}

/* ---- life cycle ---- */

void mock_process_signal(mock_runtime *m, mock_process *p, int sig) {
  if (sig <= 0 || sig >= 32 || p->finished)
    return;
  p->pending_signals |= 1u << sig;
  mock_broadcast(m);
}

static void *process_main(void *arg) {
  mock_process *p = arg;
  mock_runtime *m = p->mock;
  mock_container *c = p->container;
  mock_proc proc = {
      .ctx = p,
      .fs = c->fs,
      .fs_lock = &m->lock,
      .env = p->env,
      .n_env = p->n_env,
      .cwd = p->cwd,
      .uid = p->uid,
      .gid = p->gid,
      .hostname = c->hostname,
      .pid = p->pid,
      .read_stdin = cb_read_stdin,
      .write = cb_write,
      .sleep_ms = cb_sleep_ms,
      .next_signal = cb_next_signal,
      .signal_pid = cb_signal_pid,
  };
  int code = 0;
  if (p->fail_message != NULL) {
    cb_write(p, CTRT_LOG_CHANNEL_STDOUT, p->fail_message, strlen(p->fail_message));
    code = p->fail_code;
  } else if (mock_shell_run(&proc, (const char *const *)p->argv, p->argc, &code) < 0) {
    code = 255; /* the interpreter itself failed (out of memory) */
  }
  mock_lock(m);
  mock_process_finished(m, p, code);
  mock_broadcast(m);
  mock_unlock(m);
  return NULL;
}

static char **env_merge(char *const *base, size_t n_base, char *const *extra, size_t n_extra, size_t *n_out) {
  char **env = ctrt__calloc(n_base + n_extra + 1, sizeof *env);
  size_t n = 0;
  if (env == NULL)
    return NULL;
  char *const *lists[2] = {base, extra};
  size_t counts[2] = {n_base, n_extra};
  for (int l = 0; l < 2; l++) {
    for (size_t i = 0; i < counts[l]; i++) {
      const char *entry = lists[l][i];
      size_t key = strcspn(entry, "=");
      size_t k = 0;
      while (k < n && !(strncmp(env[k], entry, key) == 0 && env[k][key] == '='))
        k++;
      char *copy = ctrt__strdup(entry);
      if (copy == NULL) {
        for (size_t f = 0; f < n; f++)
          ctrt__free(env[f]);
        ctrt__free(env);
        return NULL;
      }
      if (k < n) {
        ctrt__free(env[k]);
        env[k] = copy;
      } else {
        env[n++] = copy;
      }
    }
  }
  *n_out = n;
  return env;
}

int mock_resolve_user(const memfs *fs, const char *user, uint32_t *uid, uint32_t *gid) {
  *uid = 0;
  *gid = 0;
  if (user == NULL || user[0] == '\0')
    return 0;
  char name[256], group[256] = "";
  const char *colon = strchr(user, ':');
  snprintf(name, sizeof name, "%.*s", colon ? (int)(colon - user) : (int)strlen(user), user);
  if (colon)
    snprintf(group, sizeof group, "%s", colon + 1);
  char *end;
  unsigned long numeric = strtoul(name, &end, 10);
  bool by_number = name[0] && *end == '\0';
  memfs_blob *passwd = NULL;
  bool found = by_number;
  if (by_number) {
    *uid = (uint32_t)numeric;
    *gid = (uint32_t)numeric;
  }
  if (memfs_read(fs, "/etc/passwd", &passwd) == 0) {
    /* name:x:uid:gid:gecos:home:shell */
    const char *text = (const char *)memfs_blob_data(passwd);
    size_t len = memfs_blob_len(passwd);
    for (size_t at = 0; at < len;) {
      size_t eol = at;
      while (eol < len && text[eol] != '\n')
        eol++;
      char line[512];
      snprintf(line, sizeof line, "%.*s", (int)(eol - at), text + at);
      char *fields[7] = {0};
      char *cursor = line;
      for (int f = 0; f < 7 && cursor; f++) {
        fields[f] = cursor;
        cursor = strchr(cursor, ':');
        if (cursor)
          *cursor++ = '\0';
      }
      if (fields[3] &&
          ((!by_number && strcmp(fields[0], name) == 0) || (by_number && strtoul(fields[2], NULL, 10) == numeric))) {
        *uid = (uint32_t)strtoul(fields[2], NULL, 10);
        *gid = (uint32_t)strtoul(fields[3], NULL, 10);
        found = true;
        break;
      }
      at = eol + 1;
    }
    memfs_blob_unref(passwd);
  } else {
    ctrt_error_clear();
  }
  if (!found)
    return ctrt__error_invalid_spec("unable to find user %s: no matching entries in passwd file", name);
  if (group[0]) {
    unsigned long g = strtoul(group, &end, 10);
    if (*end != '\0')
      return ctrt__error_invalid_spec("unable to find group %s (only numeric groups are supported)", group);
    *gid = (uint32_t)g;
  }
  return 0;
}

int mock_process_start(mock_runtime *m, mock_container *c, mock_sink sink, char *const *argv, size_t argc,
                       char *const *extra_env, size_t n_extra_env, const char *cwd, const char *user, bool tty,
                       bool attach_stdin, mock_process **out) {
  return mock_process_start_ex(m, c, sink, argv, argc, extra_env, n_extra_env, cwd, user, tty, attach_stdin, -1, NULL,
                               0, out);
}

/* The process's user, argv, environment, directory and failure message. */
static int process_setup(mock_process *p, const mock_container *c, char *const *argv, size_t argc,
                         char *const *extra_env, size_t n_extra_env, const char *cwd, const char *user,
                         const char *fail_message) {
  int rc;
  if (user != NULL && user[0] != '\0') {
    if ((rc = mock_resolve_user(c->fs, user, &p->uid, &p->gid)) < 0)
      return rc;
  } else {
    p->uid = c->uid;
    p->gid = c->gid;
  }
  CTRT__CHECK_ALLOC((p->argv = ctrt__calloc(argc + 1, sizeof *p->argv)));
  for (size_t i = 0; i < argc; i++)
    CTRT__CHECK_ALLOC((p->argv[p->argc++] = ctrt__strdup(argv[i])));
  CTRT__CHECK_ALLOC((p->env = env_merge(c->env, c->n_env, extra_env, n_extra_env, &p->n_env)));
  CTRT__CHECK_ALLOC((p->cwd = ctrt__strdup(cwd ? cwd : c->workdir ? c->workdir : "/")));
  if (fail_message)
    CTRT__CHECK_ALLOC((p->fail_message = ctrt__strdup(fail_message)));
  return 0;
}

int mock_process_start_ex(mock_runtime *m, mock_container *c, mock_sink sink, char *const *argv, size_t argc,
                          char *const *extra_env, size_t n_extra_env, const char *cwd, const char *user, bool tty,
                          bool attach_stdin, int sock, const char *fail_message, int fail_code, mock_process **out) {
  mock_process *p = ctrt__calloc(1, sizeof *p);
  CTRT__CHECK_ALLOC(p);
  p->mock = m;
  p->container = c;
  p->sink = sink;
  p->tty = tty;
  p->stdin_attached = attach_stdin;
  p->out_attached[1] = p->out_attached[2] = true;
  p->sock = sock;
  p->fail_code = fail_code;
  p->refs = 2; /* the container's list, and the caller (or c->main) */
  int rc;
  if ((rc = process_setup(p, c, argv, argc, extra_env, n_extra_env, cwd, user, fail_message)) < 0)
    goto fail;
  mock_process **grown = ctrt__realloc(c->execs, (c->n_execs + 1) * sizeof *grown);
  if (grown == NULL) {
    rc = ctrt__error_no_memory();
    goto fail;
  }
  c->execs = grown;
  p->pid = c->next_pid++;
  c->execs[c->n_execs++] = p;
  /* A known stack, whatever RLIMIT_STACK says: the shell's nesting limits
   * (SH_MAX_DEPTH, SH_MAX_ARITH_DEPTH, SH_MAX_EXPAND_DEPTH) fit in it. */
  pthread_attr_t attr;
  int trc = pthread_attr_init(&attr);
  if (trc == 0) {
    trc = pthread_attr_setstacksize(&attr, MOCK_PROCESS_STACK);
    if (trc == 0)
      trc = pthread_create(&p->thread, &attr, process_main, p);
    pthread_attr_destroy(&attr);
  }
  if (trc != 0) {
    c->n_execs--;
    rc = ctrt__error_internal("cannot start a thread for the process: %s", strerror(trc));
    goto fail;
  }
  p->joinable = true;
  *out = p;
  return 0;
fail:
  p->sock = -1; /* the caller still owns the socket */
  p->refs = 1;
  mock_process_unref(p);
  return rc;
}

void mock_process_free_events(mock_process *p) {
  while (p->events_head) {
    mock_event *e = p->events_head;
    p->events_head = e->next;
    ctrt_exec_event_free(e->event);
    ctrt__free(e);
  }
  p->events_tail = NULL;
}

void mock_process_unref(mock_process *p) {
  if (p == NULL || --p->refs > 0)
    return;
  for (size_t i = 0; i < p->argc; i++)
    ctrt__free(p->argv[i]);
  ctrt__free(p->argv);
  for (size_t i = 0; i < p->n_env; i++)
    ctrt__free(p->env[i]);
  ctrt__free(p->env);
  ctrt__free(p->cwd);
  ctrt__free(p->fail_message);
  for (int ch = 0; ch < 3; ch++) {
    ctrt__free(p->partial[ch]);
    ctrt__free(p->out[ch]);
  }
  mock_process_free_events(p);
  if (p->sock >= 0)
    close(p->sock);
  ctrt__free(p);
}

bool mock_process_wait(mock_runtime *m, mock_process *p, uint64_t deadline_ns) {
  while (!p->finished)
    if (!mock_wait(m, deadline_ns) && !p->finished)
      return false;
  return true;
}

void mock_container_reap(mock_runtime *m, mock_container *c) {
  /* Join finished threads without holding the lock (a finishing thread
   * takes it once more), and drop processes nobody else holds. */
  for (size_t i = 0; i < c->n_execs;) {
    mock_process *p = c->execs[i];
    if (!p->finished || !p->joinable) {
      i++;
      continue;
    }
    pthread_t thread = p->thread;
    p->joinable = false; /* claimed: joined exactly once */
    mock_unlock(m);
    pthread_join(thread, NULL);
    mock_lock(m);
    /* The list may have changed while unlocked: find p again. */
    size_t k = 0;
    while (k < c->n_execs && c->execs[k] != p)
      k++;
    if (k < c->n_execs && p->refs == 1 && p != c->main) {
      memmove(&c->execs[k], &c->execs[k + 1], (c->n_execs - k - 1) * sizeof *c->execs);
      c->n_execs--;
      mock_process_unref(p);
    }
    i = 0;
  }
}
