/* The scripted h2c server of fake_grpc.h, on libnghttp2's server session. */
#include "fake_grpc.h"

#include <errno.h>
#include <netinet/in.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_CONNS 64
#define MAX_ACTIONS 64
#define SPLIT_PIECE 3

typedef enum { A_HEADERS, A_MESSAGE, A_DATA, A_TRAILERS, A_END, A_TRAILERS_ONLY, A_CLOSE, A_GARBAGE, A_HANG } akind;

typedef struct action {
  akind kind;
  int status;
  char text[512]; /* content-type or grpc-message */
  bool has_text;
  uint8_t *data;
  size_t len;
  bool split;
} action;

struct fgrpc_reply {
  action a[MAX_ACTIONS];
  size_t n;
};

typedef struct conn {
  struct fgrpc_server *server;
  int fd;
  pthread_t thread;
  nghttp2_session *session;
  /* the request being read */
  int32_t stream_id;
  bool ready;
  fgrpc_request req;
  uint8_t *body;
  size_t body_len;
  /* the response body being played */
  uint8_t *out;
  size_t out_len, out_off;
  bool out_finished, trailers_pending, data_started;
  nghttp2_nv trailer_nv[2];
  char status_text[16], message_text[512];
  size_t n_trailer;
  bool broken;
} conn;

struct fgrpc_server {
  int listen_fd;
  bool tcp;
  char dir[64];
  char target[128];
  fgrpc_handler handler;
  void *ctx;
  pthread_t acceptor;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  conn *conns[MAX_CONNS];
  int n_conns;
  bool stopping;
  bool hanging;
};

/* ---- script builders ---- */

static action *add(fgrpc_reply *r, akind kind) {
  if (r->n == MAX_ACTIONS)
    abort();
  action *a = &r->a[r->n++];
  memset(a, 0, sizeof *a);
  a->kind = kind;
  return a;
}

static void set_text(action *a, const char *text) {
  if (text != NULL) {
    snprintf(a->text, sizeof a->text, "%s", text);
    a->has_text = true;
  }
}

void fgrpc_headers(fgrpc_reply *r, int http_status, const char *content_type) {
  action *a = add(r, A_HEADERS);
  a->status = http_status;
  set_text(a, content_type ? content_type : "application/grpc");
}

static void add_bytes(action *a, const void *data, size_t len) {
  a->data = malloc(len ? len : 1);
  memcpy(a->data, data, len);
  a->len = len;
}

void fgrpc_message(fgrpc_reply *r, const void *data, size_t len, bool split) {
  action *a = add(r, A_MESSAGE);
  a->data = malloc(len + 5);
  a->data[0] = 0;
  a->data[1] = (uint8_t)(len >> 24);
  a->data[2] = (uint8_t)(len >> 16);
  a->data[3] = (uint8_t)(len >> 8);
  a->data[4] = (uint8_t)len;
  if (len)
    memcpy(a->data + 5, data, len);
  a->len = len + 5;
  a->split = split;
}

void fgrpc_data(fgrpc_reply *r, const void *data, size_t len) { add_bytes(add(r, A_DATA), data, len); }

void fgrpc_trailers(fgrpc_reply *r, int status, const char *message) {
  action *a = add(r, A_TRAILERS);
  a->status = status;
  set_text(a, message);
}

void fgrpc_end(fgrpc_reply *r) { add(r, A_END); }

void fgrpc_trailers_only(fgrpc_reply *r, int status, const char *message) {
  action *a = add(r, A_TRAILERS_ONLY);
  a->status = status;
  set_text(a, message);
}

void fgrpc_close(fgrpc_reply *r) { add(r, A_CLOSE); }
void fgrpc_garbage(fgrpc_reply *r) { add(r, A_GARBAGE); }
void fgrpc_hang(fgrpc_reply *r) { add(r, A_HANG); }

/* ---- nghttp2 callbacks ---- */

static ssize_t on_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *ud) {
  (void)s;
  (void)flags;
  conn *c = ud;
  size_t off = 0;
  while (off < len) {
    ssize_t n = send(c->fd, data + off, len - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      c->broken = true;
      return NGHTTP2_ERR_CALLBACK_FAILURE;
    }
    off += (size_t)n;
  }
  return (ssize_t)len;
}

static int on_begin_headers(nghttp2_session *s, const nghttp2_frame *f, void *ud) {
  (void)s;
  conn *c = ud;
  if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST) {
    c->stream_id = f->hd.stream_id;
    memset(&c->req, 0, sizeof c->req);
    free(c->body);
    c->body = NULL;
    c->body_len = 0;
  }
  return 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t namelen,
                     const uint8_t *value, size_t valuelen, uint8_t flags, void *ud) {
  (void)s;
  (void)f;
  (void)flags;
  conn *c = ud;
  if (namelen == 5 && memcmp(name, ":path", 5) == 0) {
    snprintf(c->req.path, sizeof c->req.path, "%.*s", (int)valuelen, value);
    return 0;
  }
  size_t used = strlen(c->req.headers);
  snprintf(c->req.headers + used, sizeof c->req.headers - used, "%.*s: %.*s\n", (int)namelen, name, (int)valuelen,
           value);
  return 0;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t stream_id, const uint8_t *data, size_t len, void *ud) {
  (void)s;
  (void)flags;
  (void)stream_id;
  conn *c = ud;
  c->body = realloc(c->body, c->body_len + len + 1);
  memcpy(c->body + c->body_len, data, len);
  c->body_len += len;
  return 0;
}

static int on_frame(nghttp2_session *s, const nghttp2_frame *f, void *ud) {
  (void)s;
  conn *c = ud;
  if ((f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA) && (f->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
      f->hd.stream_id == c->stream_id)
    c->ready = true;
  return 0;
}

static ssize_t read_body(nghttp2_session *s, int32_t stream_id, uint8_t *buf, size_t cap, uint32_t *flags,
                         nghttp2_data_source *src, void *ud) {
  (void)src;
  (void)ud;
  conn *c = ud;
  size_t have = c->out_len - c->out_off;
  if (have > 0) {
    size_t n = have < cap ? have : cap;
    memcpy(buf, c->out + c->out_off, n);
    c->out_off += n;
    return (ssize_t)n;
  }
  if (!c->out_finished)
    return NGHTTP2_ERR_DEFERRED;
  *flags |= NGHTTP2_DATA_FLAG_EOF;
  if (c->trailers_pending) {
    *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
    nghttp2_submit_trailer(s, stream_id, c->trailer_nv, c->n_trailer);
    c->trailers_pending = false;
  }
  return 0;
}

/* ---- playing a script ---- */

static nghttp2_nv nv(const char *name, const char *value) {
  nghttp2_nv v = {(uint8_t *)name, (uint8_t *)value, strlen(name), strlen(value), NGHTTP2_NV_FLAG_NONE};
  return v;
}

static void flush(conn *c) {
  if (!c->broken && nghttp2_session_send(c->session) != 0)
    c->broken = true;
}

static void queue_out(conn *c, const uint8_t *data, size_t len) {
  if (c->out_off == c->out_len)
    c->out_len = c->out_off = 0;
  c->out = realloc(c->out, c->out_len + len + 1);
  memcpy(c->out + c->out_len, data, len);
  c->out_len += len;
  nghttp2_session_resume_data(c->session, c->stream_id);
  flush(c);
}

static void set_trailers(conn *c, int status, const action *a) {
  snprintf(c->status_text, sizeof c->status_text, "%d", status);
  c->trailer_nv[0] = nv("grpc-status", c->status_text);
  c->n_trailer = 1;
  if (a->has_text) {
    snprintf(c->message_text, sizeof c->message_text, "%s", a->text);
    c->trailer_nv[1] = nv("grpc-message", c->message_text);
    c->n_trailer = 2;
  }
}

static void drain(conn *c) {
  char buf[4096];
  for (;;) {
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
  }
  c->broken = true;
}

static void wait_gone(conn *c) {
  fgrpc_server *s = c->server;
  pthread_mutex_lock(&s->lock);
  s->hanging = true;
  pthread_cond_broadcast(&s->cond);
  pthread_mutex_unlock(&s->lock);
  drain(c);
}

static void play(conn *c, const fgrpc_reply *r) {
  c->out_len = c->out_off = 0;
  c->out_finished = c->trailers_pending = c->data_started = false;
  for (size_t i = 0; i < r->n && !c->broken; i++) {
    const action *a = &r->a[i];
    switch (a->kind) {
    case A_HEADERS: {
      char status[8];
      snprintf(status, sizeof status, "%d", a->status);
      nghttp2_nv h[] = {nv(":status", status), nv("content-type", a->text)};
      nghttp2_data_provider prd = {.source.ptr = c, .read_callback = read_body};
      nghttp2_submit_response(c->session, c->stream_id, h, 2, &prd);
      c->data_started = true;
      flush(c);
      break;
    }
    case A_MESSAGE:
      if (!a->split) {
        queue_out(c, a->data, a->len);
        break;
      }
      for (size_t off = 0; off < a->len && !c->broken; off += SPLIT_PIECE) {
        size_t n = a->len - off < SPLIT_PIECE ? a->len - off : SPLIT_PIECE;
        queue_out(c, a->data + off, n);
        usleep(500);
      }
      break;
    case A_DATA:
      queue_out(c, a->data, a->len);
      break;
    case A_TRAILERS:
      set_trailers(c, a->status, a);
      c->trailers_pending = true;
      /* fall through */
    case A_END:
      c->out_finished = true;
      nghttp2_session_resume_data(c->session, c->stream_id);
      flush(c);
      break;
    case A_TRAILERS_ONLY: {
      set_trailers(c, a->status, a);
      nghttp2_nv h[4] = {nv(":status", "200"), nv("content-type", "application/grpc"), c->trailer_nv[0],
                         c->trailer_nv[1]};
      nghttp2_submit_response(c->session, c->stream_id, h, 2 + c->n_trailer, NULL);
      flush(c);
      break;
    }
    case A_CLOSE:
      /* FIN mid-stream, then drain what the client still sends, so the
       * bytes already written are not lost to a reset. */
      flush(c);
      shutdown(c->fd, SHUT_WR);
      drain(c);
      break;
    case A_GARBAGE: {
      static const char junk[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n\x00\x01\x02garbage";
      ssize_t ignored = send(c->fd, junk, sizeof junk - 1, MSG_NOSIGNAL);
      (void)ignored;
      shutdown(c->fd, SHUT_RDWR);
      c->broken = true;
      break;
    }
    case A_HANG:
      flush(c);
      wait_gone(c);
      break;
    }
  }
}

static void reply_free(fgrpc_reply *r) {
  for (size_t i = 0; i < r->n; i++)
    free(r->a[i].data);
}

static void serve_request(conn *c) {
  c->ready = false;
  c->req.message = NULL;
  c->req.message_len = 0;
  if (c->body_len >= 5) {
    size_t mlen = ((size_t)c->body[1] << 24) | ((size_t)c->body[2] << 16) | ((size_t)c->body[3] << 8) | c->body[4];
    c->req.framed_ok = c->body[0] == 0 && mlen + 5 == c->body_len;
    c->req.message = c->body + 5;
    c->req.message_len = c->body_len - 5;
  }
  fgrpc_reply *r = calloc(1, sizeof *r);
  c->server->handler(&c->req, r, c->server->ctx);
  play(c, r);
  reply_free(r);
  free(r);
}

static void *conn_main(void *arg) {
  conn *c = arg;
  nghttp2_session_callbacks *cb;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_send_callback(cb, on_send);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame);
  nghttp2_session_server_new(&c->session, cb, c);
  nghttp2_session_callbacks_del(cb);
  nghttp2_submit_settings(c->session, NGHTTP2_FLAG_NONE, NULL, 0);
  flush(c);
  uint8_t buf[16384];
  while (!c->broken) {
    ssize_t n = recv(c->fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    if (nghttp2_session_mem_recv(c->session, buf, (size_t)n) < 0)
      break;
    flush(c);
    if (c->ready)
      serve_request(c);
  }
  nghttp2_session_del(c->session);
  c->session = NULL;
  free(c->body);
  free(c->out);
  c->body = c->out = NULL;
  return NULL;
}

static void *accept_main(void *arg) {
  fgrpc_server *s = arg;
  for (;;) {
    int fd = accept(s->listen_fd, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR)
        continue;
      break;
    }
    pthread_mutex_lock(&s->lock);
    if (s->stopping || s->n_conns == MAX_CONNS) {
      pthread_mutex_unlock(&s->lock);
      close(fd);
      break;
    }
    conn *c = calloc(1, sizeof *c);
    c->server = s;
    c->fd = fd;
    s->conns[s->n_conns++] = c;
    pthread_create(&c->thread, NULL, conn_main, c);
    pthread_mutex_unlock(&s->lock);
  }
  return NULL;
}

fgrpc_server *fgrpc_start(bool tcp, fgrpc_handler handler, void *ctx) {
  fgrpc_server *s = calloc(1, sizeof *s);
  s->tcp = tcp;
  s->handler = handler;
  s->ctx = ctx;
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->cond, NULL);
  if (tcp) {
    s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&a, &alen) != 0)
      abort();
    snprintf(s->target, sizeof s->target, "tcp://127.0.0.1:%d", ntohs(a.sin_port));
  } else {
    snprintf(s->dir, sizeof s->dir, "/tmp/h-grpc-test-XXXXXX");
    if (mkdtemp(s->dir) == NULL)
      abort();
    s->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s/grpc.sock", s->dir);
    if (bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) != 0)
      abort();
    snprintf(s->target, sizeof s->target, "unix://%s", a.sun_path);
  }
  if (listen(s->listen_fd, 16) != 0)
    abort();
  pthread_create(&s->acceptor, NULL, accept_main, s);
  return s;
}

const char *fgrpc_target(const fgrpc_server *s) { return s->target; }

int fgrpc_connections(fgrpc_server *s) {
  pthread_mutex_lock(&s->lock);
  int n = s->n_conns;
  pthread_mutex_unlock(&s->lock);
  return n;
}

void fgrpc_wait_hanging(fgrpc_server *s) {
  pthread_mutex_lock(&s->lock);
  while (!s->hanging)
    pthread_cond_wait(&s->cond, &s->lock);
  pthread_mutex_unlock(&s->lock);
}

void fgrpc_stop(fgrpc_server *s) {
  if (s == NULL)
    return;
  pthread_mutex_lock(&s->lock);
  s->stopping = true;
  pthread_mutex_unlock(&s->lock);
  shutdown(s->listen_fd, SHUT_RDWR);
  pthread_join(s->acceptor, NULL);
  close(s->listen_fd);
  for (int i = 0; i < s->n_conns; i++) {
    shutdown(s->conns[i]->fd, SHUT_RDWR);
    pthread_join(s->conns[i]->thread, NULL);
    close(s->conns[i]->fd);
    free(s->conns[i]);
  }
  if (!s->tcp) {
    char path[128];
    snprintf(path, sizeof path, "%s/grpc.sock", s->dir);
    unlink(path);
    rmdir(s->dir);
  }
  pthread_cond_destroy(&s->cond);
  pthread_mutex_destroy(&s->lock);
  free(s);
}
