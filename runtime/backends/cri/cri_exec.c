/* Interactive exec over CRI: Exec returns a single-use URL on the engine's
 * streaming server, spoken to over WebSocket with the v4.channel.k8s.io
 * channels (transport/websocket.c): 0 stdin, 1 stdout, 2 stderr, 3 the final
 * metav1.Status that carries the exit code, 4 resize. On top of that
 * session: exec_stream, exec_pty, and the main process's stdin
 * (write_stdin, close_stdin) through Attach plus containerd's CloseIO.
 *
 * v4 has no stdin half-close: closing the WebSocket is the only EOF and it
 * ends the whole session, output included (cri-notes.md). So a session's
 * close_stdin is unsupported with that reason, and uploads (cri_archive.c)
 * tell the command how many bytes to read instead. That is the CRI-only
 * path (CRI-O): on containerd, exec_pty's sessions are processes of
 * containerd's Tasks.Exec instead (cri_task.c: a user, FIFOs, CloseIO),
 * behind the same session functions. */
#include "backends/cri/cri_internal.h"
#include "core/log_records.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define OUTPUT_PIECE ((size_t)32 * 1024)

struct ctrt__cri_session {
  ctrt__ws *ws;
  ctrt__cri_task *task; /* instead of ws: containerd's Tasks.Exec (cri_task.c) */
  const char *method;
  bool ended;       /* the server closed: the status (if any) is in */
  bool have_status; /* a status message came on channel 3 */
  int exit_code;    /* from the status */
  int status_rc;    /* < 0: the status was a failure, status_kind/message */
  ctrt_error_kind status_kind;
  char status_message[CTRT__ERROR_MESSAGE_MAX];
};

/* ---- argv wrapping: the options CRI's Exec has no field for ---- */

int ctrt__cri_wrap_argv(const ctrt_exec_options *o, const char *method, const char ***out, size_t *n_out) {
  *out = NULL;
  *n_out = 0;
  /* CRI's Exec runs as the container's user: another one would need
   * containerd's Tasks.Exec with a process spec of its own. */
  if (o->privileged || (o->user && o->user[0]))
    return ctrt__error_invalid_spec("%s: CRI's Exec has no user or privileged mode (it runs as the container's user)",
                                    method);
  const char **argv = ctrt__calloc(o->n_command + o->n_env + 8, sizeof *argv);
  CTRT__CHECK_ALLOC(argv);
  size_t n = 0;
  /* env K=V ... and sh -c 'cd "$0" && exec "$@"' DIR: tools any busybox or
   * coreutils image has. */
  if (o->n_env > 0) {
    argv[n++] = "env";
    for (size_t i = 0; i < o->n_env; i++)
      argv[n++] = o->env[i];
  }
  if (o->working_dir && o->working_dir[0]) {
    argv[n++] = "sh";
    argv[n++] = "-c";
    argv[n++] = "cd \"$0\" && exec \"$@\"";
    argv[n++] = o->working_dir;
  }
  for (size_t i = 0; i < o->n_command; i++)
    argv[n++] = o->command[i];
  *out = argv;
  *n_out = n;
  return 0;
}

/* ---- the session ---- */

/* The URL of a streaming call (Exec or Attach) for a running container. */
int ctrt__cri_running(cri *c, const ctrt_container_id *id, const char *method, found *f) {
  Runtime__V1__ContainerStatusResponse *st = NULL;
  int rc = ctrt__cri_find_status(c, id, method, f, &st);
  if (rc < 0)
    return rc;
  if (!ctrt__cri_is_running(st)) {
    char *display = ctrt__cri_display_of(id);
    rc = ctrt__error_conflict("%s: container %s is not running", method, display ? display : "?");
    ctrt__free(display);
    ctrt__cri_found_clear(f);
  }
  ctrt__cri_unpacked_free(st);
  return rc;
}

static int session_connect(cri *c, const char *url, const char *method, ctrt__cri_session **out) {
  ctrt__cri_session *s = ctrt__calloc(1, sizeof *s);
  CTRT__CHECK_ALLOC(s);
  s->method = method;
  int rc = ctrt__ws_connect(&s->ws, url, CTRT__K8S_SUBPROTOCOL_V4, 0);
  if (rc < 0) {
    ctrt__free(s);
    return ctrt__error_wrap("%s: the engine's streaming server", method);
  }
  ctrt__ws_set_idle_timeout(s->ws, c->stream_idle_ms); /* a stalled session fails instead of hanging */
  *out = s;
  return 0;
}

int ctrt__cri_session_open(cri *c, const ctrt_container_id *id, const char *const *argv, size_t n_argv,
                           const ctrt__cri_session_options *o, const char *method, ctrt__cri_session **out) {
  *out = NULL;
  found f;
  int rc = ctrt__cri_running(c, id, method, &f);
  if (rc < 0)
    return rc;
  Runtime__V1__ExecRequest req = RUNTIME__V1__EXEC_REQUEST__INIT;
  req.container_id = f.container_id;
  req.n_cmd = n_argv;
  req.cmd = (char **)argv;
  req.tty = o->tty;
  /* A tty exec without stdin loses its output on containerd 1.6.20 (the
   * terminal's output came back empty here, and in 2 of 3 runs in
   * cri-notes.md); with stdin attached it came whole in every run. Nothing
   * is written to it unless the caller does. */
  req.stdin = o->in || o->tty;
  /* CRI wants at least one stream, and no stderr with a tty (it is merged
   * into the terminal). */
  req.stdout = o->out || (!o->in && !o->err);
  req.stderr = o->err && !o->tty;
  Runtime__V1__ExecResponse *resp = NULL;
  rc = CRI_CALL(c, ctrt__cricall_session_runtime_exec(), &req, &resp);
  ctrt__cri_found_clear(&f);
  if (rc < 0)
    return ctrt__error_wrap("%s", method);
  rc = session_connect(c, resp->url, method, out);
  ctrt__cri_unpacked_free(resp);
  return rc;
}

int ctrt__cri_session_open_native(cri *c, const ctrt_container_id *id, const ctrt_exec_options *o,
                                  const ctrt__cri_session_options *so, const char *method, ctrt__cri_session **out) {
  *out = NULL;
  found f;
  ctrt__cri_session *s = NULL;
  int rc;
  if ((rc = ctrt__cri_running(c, id, method, &f)) < 0)
    return rc;
  if ((s = ctrt__calloc(1, sizeof *s)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = ctrt__cri_task_open(c, f.container_id, o, so->in, so->out, so->err, method, &s->task)) < 0)
    goto done;
  s->method = method;
  *out = s;
  s = NULL;
done:
  ctrt__cri_found_clear(&f);
  ctrt__free(s);
  return rc;
}

/* The status of channel 3: an exit code, or a failure kept for the end. */
static void take_status(ctrt__cri_session *s, const uint8_t *data, size_t len) {
  s->have_status = true;
  int code = -1;
  int rc = ctrt__k8s_status_exit_code((const char *)data, len, &code);
  bool has_code = rc == 0; /* else the status is a failure: kept below */
  if (has_code) {
    s->exit_code = code;
    return;
  }
  const char *message = ctrt_error_last()->message;
  if (strstr(message, "OCI runtime exec failed") != NULL) {
    /* runc could not start the command; Docker reports that as exit 126,
     * as cri_exec does for ExecSync. */
    s->exit_code = 126;
  } else {
    s->status_rc = rc;
    s->status_kind = strstr(message, "paused") ? CTRT_ERROR_CONFLICT : ctrt_error_last()->kind;
    snprintf(s->status_message, sizeof s->status_message, "%s", message);
  }
  ctrt_error_clear();
}

int ctrt__cri_session_next(ctrt__cri_session *s, int *channel, uint8_t **data, size_t *len) {
  *data = NULL;
  *len = 0;
  if (s->task != NULL) {
    int rc = s->ended ? CTRT_ITEROVER : ctrt__cri_task_next(s->task, channel, data, len);
    s->ended = rc == CTRT_ITEROVER;
    return rc;
  }
  while (!s->ended) {
    uint8_t *msg = NULL;
    size_t n = 0;
    int ch = 0;
    int rc = ctrt__k8s_channel_read(s->ws, &ch, &msg, &n);
    if (rc == CTRT_ITEROVER) {
      s->ended = true;
      break;
    }
    if (rc < 0)
      return ctrt__error_wrap("%s", s->method);
    if (ch == CTRT__K8S_STDOUT || ch == CTRT__K8S_STDERR) {
      *channel = ch;
      *data = msg;
      *len = n;
      return 0;
    }
    if (ch == CTRT__K8S_ERROR)
      take_status(s, msg, n);
    ctrt__free(msg);
  }
  return CTRT_ITEROVER;
}

int ctrt__cri_session_exit_code(ctrt__cri_session *s, int32_t *code) {
  if (s->task != NULL)
    return ctrt__cri_task_wait(s->task, code);
  if (s->status_rc < 0)
    return ctrt__error_set(s->status_kind, 0, "%s: %s", s->method, s->status_message);
  if (!s->have_status)
    return ctrt__error_network("%s: the engine's streaming server ended the session without an exit status", s->method);
  *code = s->exit_code;
  return 0;
}

int ctrt__cri_session_write(ctrt__cri_session *s, const void *data, size_t len) {
  if (s->task != NULL)
    return ctrt__cri_task_write(s->task, data, len);
  int rc = ctrt__k8s_channel_write(s->ws, CTRT__K8S_STDIN, data, len);
  return rc < 0 ? ctrt__error_wrap("%s: writing stdin", s->method) : 0;
}

void ctrt__cri_session_cancel(ctrt__cri_session *s) {
  if (s != NULL && s->task != NULL)
    ctrt__cri_task_cancel(s->task);
  else if (s != NULL)
    ctrt__ws_cancel(s->ws);
}

void ctrt__cri_session_free(ctrt__cri_session *s) {
  if (s == NULL)
    return;
  ctrt__cri_task_free(s->task);
  ctrt__ws_free(s->ws);
  ctrt__free(s);
}

/* ---- exec_stream: one event per message, then exactly one exit ---- */

typedef struct exec_stream {
  ctrt__cri_session *s;
  bool exited;
} exec_stream;

static int exec_event(void **item, ctrt_exec_event_kind kind, uint8_t *data, size_t len, int32_t code) {
  int rc = ctrt__exec_event_new((ctrt_exec_event **)item, kind, data, len, code);
  ctrt__free(data);
  return rc;
}

static int exec_stream_next(void *impl, void **item) {
  exec_stream *x = impl;
  if (x->exited)
    return CTRT_ITEROVER;
  int channel = 0;
  uint8_t *data = NULL;
  size_t len = 0;
  int rc = ctrt__cri_session_next(x->s, &channel, &data, &len);
  if (rc == CTRT_ITEROVER) { /* the output ended: the exit code is the last event */
    x->exited = true;
    int32_t code = 0;
    if ((rc = ctrt__cri_session_exit_code(x->s, &code)) < 0)
      return rc;
    return exec_event(item, CTRT_EXEC_EVENT_EXIT, NULL, 0, code);
  }
  if (rc < 0)
    return rc;
  return exec_event(item, channel == CTRT__K8S_STDOUT ? CTRT_EXEC_EVENT_STDOUT : CTRT_EXEC_EVENT_STDERR, data, len, 0);
}

static void exec_stream_cancel(void *impl) { ctrt__cri_session_cancel(((exec_stream *)impl)->s); }

static void exec_stream_destroy(void *impl) {
  exec_stream *x = impl;
  ctrt__cri_session_free(x->s);
  ctrt__free(x);
}

static const ctrt__stream_vtable exec_stream_vtable = {
    .next = exec_stream_next,
    .cancel = exec_stream_cancel,
    .destroy = exec_stream_destroy,
};

int ctrt__cri_exec_stream(void *self, ctrt_exec_event_stream **out, const ctrt_container_id *id,
                          const char *const *argv, size_t n_argv) {
  exec_stream *x = ctrt__calloc(1, sizeof *x);
  CTRT__CHECK_ALLOC(x);
  ctrt__cri_session_options o = {.out = true, .err = true};
  int rc = ctrt__cri_session_open(self, id, argv, n_argv, &o, "exec_stream", &x->s);
  if (rc < 0) {
    ctrt__free(x);
    return rc;
  }
  ctrt__stream *stream = NULL;
  rc = ctrt__stream_new(&stream, &exec_stream_vtable, x, ctrt__exec_event_stream_item_free);
  *out = (ctrt_exec_event_stream *)stream;
  return rc;
}

/* ---- exec_pty: a session whose output is queued so that wait can come
 * before read ---- */

typedef struct piece {
  struct piece *next;
  int channel;
  uint8_t *data;
  size_t len, off;
} piece;

typedef struct pty {
  ctrt__cri_session *s;
  piece *head, *tail;
  bool done;
  bool discard; /* nothing was attached: the output is read and dropped */
  int ready_fd; /* eventfd that always polls readable, for queued output */
} pty;

/* Take one message off the session into the queue. */
static int pty_pull(pty *p) {
  int channel = 0;
  uint8_t *data = NULL;
  size_t len = 0;
  int rc = ctrt__cri_session_next(p->s, &channel, &data, &len);
  if (rc == CTRT_ITEROVER) {
    p->done = true;
    return 0;
  }
  if (rc < 0)
    return rc;
  if (p->discard) {
    ctrt__free(data);
    return 0;
  }
  piece *q = ctrt__calloc(1, sizeof *q);
  if (q == NULL) {
    ctrt__free(data);
    return ctrt__error_no_memory();
  }
  q->channel = channel;
  q->data = data;
  q->len = len;
  if (p->tail)
    p->tail->next = q;
  else
    p->head = q;
  p->tail = q;
  return 0;
}

static int pty_read(void *impl, ctrt_log_channel *channel, void *buf, size_t cap, size_t *n_read) {
  pty *p = impl;
  while (p->head == NULL && !p->done) {
    int rc = pty_pull(p);
    if (rc < 0)
      return ctrt__error_wrap("exec_handle_read");
  }
  piece *q = p->head;
  if (q == NULL)
    return CTRT_ITEROVER;
  size_t n = q->len - q->off < cap ? q->len - q->off : cap;
  memcpy(buf, q->data + q->off, n);
  q->off += n;
  *n_read = n;
  *channel = q->channel == CTRT__K8S_STDERR ? CTRT_LOG_CHANNEL_STDERR : CTRT_LOG_CHANNEL_STDOUT;
  if (q->off == q->len) {
    p->head = q->next;
    if (p->head == NULL)
      p->tail = NULL;
    ctrt__free(q->data);
    ctrt__free(q);
  }
  return 0;
}

static int pty_write(void *impl, const void *data, size_t len) {
  pty *p = impl;
  return ctrt__cri_session_write(p->s, data, len) < 0 ? ctrt__error_wrap("exec_handle_write") : 0;
}

static int pty_close_stdin(void *impl) {
  pty *p = impl;
  if (p->s->task != NULL)
    return ctrt__cri_task_close_stdin(p->s->task) < 0 ? ctrt__error_wrap("exec_handle_close_stdin") : 0;
  return ctrt__error_set(CTRT_ERROR_UNSUPPORTED, 0,
                         "exec_handle_close_stdin: the CRI streaming protocol (v4.channel.k8s.io) has no stdin "
                         "half-close; closing the WebSocket would end the session and lose its output");
}

static int pty_resize(void *impl, uint16_t rows, uint16_t cols) {
  pty *p = impl;
  if (p->done)
    return 0; /* a process that has exited has no terminal left to resize */
  if (p->s->task != NULL)
    return ctrt__cri_task_resize(p->s->task, rows, cols) < 0 ? ctrt__error_wrap("exec_handle_resize") : 0;
  int rc = ctrt__k8s_resize(p->s->ws, cols, rows);
  return rc < 0 ? ctrt__error_wrap("exec_handle_resize") : 0;
}

static int pty_wait(void *impl, int32_t *exit_code) {
  pty *p = impl;
  while (!p->done) {
    int rc = pty_pull(p);
    if (rc < 0)
      return ctrt__error_wrap("exec_handle_wait");
  }
  return ctrt__cri_session_exit_code(p->s, exit_code) < 0 ? ctrt__error_wrap("exec_handle_wait") : 0;
}

static int pty_fd(void *impl) {
  pty *p = impl;
  /* Queued output, or bytes the WebSocket has already taken off the
   * socket, would not wake poll() on the socket. */
  if (p->head != NULL || p->done || (p->s->ws && ctrt__ws_pending(p->s->ws))) {
    if (p->ready_fd < 0)
      p->ready_fd = eventfd(1, EFD_CLOEXEC);
    if (p->ready_fd >= 0)
      return p->ready_fd;
  }
  return p->s->task ? ctrt__cri_task_fd(p->s->task) : ctrt__ws_fd(p->s->ws);
}

static void pty_destroy(void *impl) {
  pty *p = impl;
  while (p->head) {
    piece *q = p->head;
    p->head = q->next;
    ctrt__free(q->data);
    ctrt__free(q);
  }
  if (p->ready_fd >= 0)
    close(p->ready_fd);
  ctrt__cri_session_free(p->s);
  ctrt__free(p);
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

int ctrt__cri_exec_pty(void *self, ctrt_exec_handle **out, const ctrt_container_id *id,
                       const ctrt_exec_options *options) {
  cri *c = self;
  const char **argv = NULL;
  size_t n = 0;
  /* containerd: the options as a process spec of Tasks.Exec (user too);
   * else CRI's Exec with env and working dir wrapped around the command. */
  int rc = c->containerd_version ? 0 : ctrt__cri_wrap_argv(options, "exec_pty", &argv, &n);
  if (rc < 0)
    return rc;
  pty *p = ctrt__calloc(1, sizeof *p);
  if (p == NULL) {
    ctrt__free(argv);
    return ctrt__error_no_memory();
  }
  p->ready_fd = -1;
  ctrt__cri_session_options o = {
      .tty = options->tty, .in = options->attach_stdin, .out = options->attach_stdout, .err = options->attach_stderr};
  p->discard = !o.in && !o.out && !o.err;
  if (c->containerd_version)
    rc = ctrt__cri_session_open_native(c, id, options, &o, "exec_pty", &p->s);
  else
    rc = ctrt__cri_session_open(c, id, argv, n, &o, "exec_pty", &p->s);
  ctrt__free(argv);
  if (rc < 0) {
    ctrt__free(p);
    return rc;
  }
  return ctrt__exec_handle_new(out, &pty_vtable, p);
}

/* ---- the main process's stdin: write_stdin, close_stdin ----
 *
 * One Attach session (stdin only) per container, opened by the first
 * write_stdin and kept until close_stdin, which closes it: the container
 * is created with stdin_once, so the end of that attach stream closes the
 * process's stdin (containerd closes its side with CloseIO after the
 * buffered input was copied). The sessions live in a list per backend
 * handle, freed by ctrt__cri_stdin_free_all at close. */

struct ctrt__cri_attach {
  struct ctrt__cri_attach *next;
  char *container_id;
  ctrt__cri_session *s;
};

static pthread_mutex_t attach_lock = PTHREAD_MUTEX_INITIALIZER;

/* Whether the container was created with stdin (the verbose status's
 * "info" JSON holds its CRI config). */
static int stdin_enabled(cri *c, const found *f, const char *method, bool *enabled) {
  *enabled = false;
  Runtime__V1__ContainerStatusResponse *st = NULL;
  int rc = ctrt__cri_status_of(c, f, true, &st);
  if (rc < 0)
    return ctrt__error_wrap("%s", method);
  if (!ctrt__cri_is_running(st)) {
    rc = ctrt__error_conflict("%s: the container is not running", method);
    goto done;
  }
  for (size_t i = 0; i < st->n_info; i++) {
    if (strcmp(st->info[i]->key, "info") != 0)
      continue;
    json_t *info = json_loads(st->info[i]->value, 0, NULL);
    *enabled = json_is_true(json_object_get(json_object_get(info, "config"), "stdin"));
    json_decref(info);
  }
done:
  ctrt__cri_unpacked_free(st);
  return rc;
}

static int attach_open(cri *c, const found *f, const char *method, ctrt__cri_session **out) {
  Runtime__V1__AttachRequest req = RUNTIME__V1__ATTACH_REQUEST__INIT;
  req.container_id = f->container_id;
  req.stdin = true;
  Runtime__V1__AttachResponse *resp = NULL;
  int rc = CRI_CALL(c, ctrt__cricall_session_runtime_attach(), &req, &resp);
  if (rc < 0)
    return ctrt__error_wrap("%s", method);
  rc = session_connect(c, resp->url, method, out);
  ctrt__cri_unpacked_free(resp);
  return rc;
}

/* A new attach to the container, for write_stdin. */
static int attach_new(cri *c, const found *f, struct ctrt__cri_attach **out) {
  struct ctrt__cri_attach *a = ctrt__calloc(1, sizeof *a);
  int rc;
  CTRT__CHECK_ALLOC(a);
  if ((a->container_id = ctrt__strdup(f->container_id)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = attach_open(c, f, "write_stdin", &a->s)) < 0)
    goto done;
  *out = a;
  a = NULL;
done:
  if (a != NULL) {
    ctrt__free(a->container_id);
    ctrt__free(a);
  }
  return rc;
}

/* Take the container's attach out of c's list (NULL when none). */
static struct ctrt__cri_attach *attach_take(cri *c, const char *container_id) {
  pthread_mutex_lock(&attach_lock);
  struct ctrt__cri_attach **at = &c->attaches;
  while (*at && strcmp((*at)->container_id, container_id) != 0)
    at = &(*at)->next;
  struct ctrt__cri_attach *a = *at;
  if (a)
    *at = a->next;
  pthread_mutex_unlock(&attach_lock);
  return a;
}

static void attach_free(struct ctrt__cri_attach *a) {
  if (a == NULL)
    return;
  ctrt__ws_close(a->s->ws, 1000, NULL);
  ctrt__cri_session_free(a->s);
  ctrt__free(a->container_id);
  ctrt__free(a);
}

void ctrt__cri_stdin_free_all(cri *c) {
  while (c->attaches) {
    struct ctrt__cri_attach *a = c->attaches;
    c->attaches = a->next;
    attach_free(a);
  }
}

int ctrt__cri_write_stdin(void *self, const ctrt_container_id *id, const void *data, size_t data_len) {
  cri *c = self;
  found f;
  int rc = ctrt__cri_find(c, id, &f, false, "write_stdin");
  if (rc < 0)
    return rc;
  /* Taken out while it is written to, so close_stdin cannot free it
   * meanwhile; put back after. */
  struct ctrt__cri_attach *a = attach_take(c, f.container_id);
  if (a == NULL) {
    bool enabled = false;
    if ((rc = stdin_enabled(c, &f, "write_stdin", &enabled)) < 0)
      goto done;
    if (!enabled) {
      rc = ctrt__error_conflict("write_stdin: the container was not created with stdin_open: its process has no stdin");
      goto done;
    }
    if ((rc = attach_new(c, &f, &a)) < 0)
      goto done;
  }
  rc = ctrt__cri_session_write(a->s, data, data_len);
done:
  if (a != NULL) {
    pthread_mutex_lock(&attach_lock);
    a->next = c->attaches;
    c->attaches = a;
    pthread_mutex_unlock(&attach_lock);
  }
  ctrt__cri_found_clear(&f);
  return rc;
}

int ctrt__cri_close_stdin(void *self, const ctrt_container_id *id) {
  cri *c = self;
  found f;
  int rc = ctrt__cri_find(c, id, &f, false, "close_stdin");
  if (rc < 0)
    return rc;
  struct ctrt__cri_attach *a = attach_take(c, f.container_id);
  if (a == NULL) {
    /* Nothing written yet: attach only to close. A stopped container's
     * stdin is closed already; one without stdin has none to close. */
    bool enabled = false;
    a = ctrt__calloc(1, sizeof *a);
    if (a == NULL)
      rc = ctrt__error_no_memory();
    else if ((rc = stdin_enabled(c, &f, "close_stdin", &enabled)) == 0 && enabled)
      rc = attach_open(c, &f, "close_stdin", &a->s);
    if (rc == CTRT_ECONFLICT) {
      ctrt_error_clear();
      rc = 0;
    }
    if (a && a->s == NULL) {
      ctrt__free(a);
      a = NULL;
    }
  }
  attach_free(a);
  ctrt__cri_found_clear(&f);
  return rc;
}
