/* SPDX-License-Identifier: MIT */
/* Hijacked connections (exec start, attach): libcurl only connects
 * (CURLOPT_CONNECT_ONLY, which also does TLS); we write the upgrade request
 * and read the response ourselves, then the connection is a raw duplex byte
 * channel.
 *
 * Plain sockets are read with recv() directly, and the response head is
 * read with MSG_PEEK so that not one byte past it is consumed: the socket
 * stays the single source of truth for poll(). Over TLS, reads go through
 * curl_easy_recv into a buffer of one TLS record, reported by
 * ctrt__http_conn_pending. Blocking waits poll the socket together with a
 * wake-up pipe, which is how another thread cancels them. */
#include "transport/transport_private.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEAD_MAX ((size_t)64 * 1024)
#define ERROR_BODY_MAX ((size_t)64 * 1024)
#define TLS_BUF (16 * 1024 + 512) /* one TLS record's plaintext */
#define ERROR_BODY_WAIT_MS 10000

struct ctrt__http_conn {
  CURL *easy; /* owns the socket */
  curl_socket_t fd;
  bool tls;
  pthread_mutex_t io_lock; /* TLS: libcurl's handle is not reentrant */
  int wake[2];
  atomic_bool cancelled;
  uint8_t *pending; /* bytes received but not yet read */
  size_t pending_len, pending_off, pending_cap;
  bool eof;
  int status;
  ctrt__http_headers hdrs;
  char what[256];
  char *host;       /* for messages */
  const char *peer; /* the client's, static */
  ctrt__http_error_fn error_from_body;
  long idle_ms; /* the client's stream_idle_ms: the session's longest wait; <= 0 none */
};

enum { IO_AGAIN = -1, IO_ERROR = -2 };

/* >0 bytes, 0 at EOF, IO_AGAIN, or IO_ERROR with *err set. */
static ssize_t io_recv(ctrt__http_conn *c, void *buf, size_t cap, int flags, char *err, size_t err_cap) {
  if (c->tls) {
    size_t n = 0;
    pthread_mutex_lock(&c->io_lock);
    CURLcode rc = curl_easy_recv(c->easy, buf, cap, &n);
    pthread_mutex_unlock(&c->io_lock);
    if (rc == CURLE_OK)
      return (ssize_t)n;
    if (rc == CURLE_AGAIN)
      return IO_AGAIN;
    snprintf(err, err_cap, "%s", curl_easy_strerror(rc));
    return IO_ERROR;
  }
  for (;;) {
    ssize_t n = recv(c->fd, buf, cap, flags);
    if (n >= 0)
      return n;
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return IO_AGAIN;
    snprintf(err, err_cap, "%s", strerror(errno));
    return IO_ERROR;
  }
}

static ssize_t io_send(ctrt__http_conn *c, const void *data, size_t len, char *err, size_t err_cap) {
  if (c->tls) {
    size_t n = 0;
    pthread_mutex_lock(&c->io_lock);
    CURLcode rc = curl_easy_send(c->easy, data, len, &n);
    pthread_mutex_unlock(&c->io_lock);
    if (rc == CURLE_OK)
      return (ssize_t)n;
    if (rc == CURLE_AGAIN)
      return IO_AGAIN;
    snprintf(err, err_cap, "%s", curl_easy_strerror(rc));
    return IO_ERROR;
  }
  for (;;) {
    ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL); /* EPIPE, not SIGPIPE */
    if (n >= 0)
      return n;
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return IO_AGAIN;
    snprintf(err, err_cap, "%s", strerror(errno));
    return IO_ERROR;
  }
}

/* Wait until the socket is ready for events; deadline 0 = none. With
 * timeout_ms < 0, the wait is the session's idle limit (-timeout_ms). */
static int wait_io(ctrt__http_conn *c, short events, int64_t deadline, long timeout_ms) {
  for (;;) {
    if (atomic_load(&c->cancelled))
      return ctrt__error_cancelled("%s: the session was cancelled", c->what);
    int wait = -1;
    if (deadline) {
      int64_t left = deadline - ctrt__transport_now_ms();
      if (left <= 0) {
        char dur[32];
        ctrt__transport_duration(dur, sizeof dur, timeout_ms < 0 ? -timeout_ms : timeout_ms);
        ctrt__error_timeout(dur);
        if (timeout_ms < 0)
          return ctrt__error_wrap("%s: the session with %s at %s made no progress for %s (stream_idle_timeout_ms)",
                                  c->what, c->peer, c->host, dur);
        return ctrt__error_wrap("%s: %s at %s did not answer in time", c->what, c->peer, c->host);
      }
      wait = left > 1000000 ? 1000000 : (int)left;
    }
    struct pollfd p[2] = {{.fd = c->fd, .events = events}, {.fd = c->wake[0], .events = POLLIN}};
    int n = poll(p, 2, wait);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return ctrt__error_internal("%s: poll failed: %s", c->what, strerror(errno));
    }
    if (p[1].revents)
      continue; /* the wake-up pipe stays readable: the check above reports it */
    if (p[0].revents)
      return 0; /* ready, or an error/hang-up the next recv/send reports */
  }
}

/* A wait of an established session (deadline 0): bounded by the idle limit
 * from now, so a daemon that stops reading or sending cannot hang it. */
static int wait_idle(ctrt__http_conn *c, short events) {
  if (c->idle_ms <= 0)
    return wait_io(c, events, 0, 0);
  return wait_io(c, events, ctrt__transport_now_ms() + c->idle_ms, -c->idle_ms);
}

static int write_all(ctrt__http_conn *c, const void *data, size_t len, int64_t deadline, long timeout_ms) {
  const uint8_t *p = data;
  char err[128];
  while (len > 0) {
    if (atomic_load(&c->cancelled))
      return ctrt__error_cancelled("%s: the session was cancelled", c->what);
    ssize_t n = io_send(c, p, len, err, sizeof err);
    if (n > 0) {
      p += n;
      len -= (size_t)n;
    } else if (n == IO_AGAIN || n == 0) {
      int rc = deadline || c->idle_ms <= 0 ? wait_io(c, POLLOUT, deadline, timeout_ms) : wait_idle(c, POLLOUT);
      if (rc < 0)
        return rc;
    } else {
      return ctrt__error_network("%s: writing to %s at %s failed: %s", c->what, c->peer, c->host, err);
    }
  }
  return 0;
}

/* End of the head ("\r\n\r\n", or bare "\n\n"), searching from `from`;
 * returns the index just past it, or 0. */
static size_t head_end(const char *buf, size_t len, size_t from) {
  for (size_t i = from; i < len; i++) {
    if (buf[i] != '\n')
      continue;
    if (i >= 1 && buf[i - 1] == '\n')
      return i + 1;
    if (i >= 2 && buf[i - 1] == '\r' && buf[i - 2] == '\n')
      return i + 1;
  }
  return 0;
}

/* Read the response head into head (NUL-terminated, *head_len bytes). */
static int read_head(ctrt__http_conn *c, char *head, size_t *head_len, int64_t deadline, long timeout_ms) {
  size_t have = 0;
  char err[128];
  for (;;) {
    if (have >= HEAD_MAX)
      return ctrt__error_network("%s: the response head from %s exceeds %zu bytes", c->what, c->host, HEAD_MAX);
    ssize_t n;
    if (c->tls) {
      n = io_recv(c, head + have, HEAD_MAX - have, 0, err, sizeof err);
      if (n > 0) {
        size_t end = head_end(head, have + (size_t)n, have > 3 ? have - 3 : 0);
        if (end) {
          /* What came after the head is the start of the raw stream. */
          size_t extra = have + (size_t)n - end;
          if (extra) {
            c->pending = ctrt__malloc(extra > TLS_BUF ? extra : TLS_BUF);
            CTRT__CHECK_ALLOC(c->pending);
            c->pending_cap = extra > TLS_BUF ? extra : TLS_BUF;
            memcpy(c->pending, head + end, extra);
            c->pending_len = extra;
          }
          head[end] = '\0';
          *head_len = end;
          return 0;
        }
        have += (size_t)n;
        continue;
      }
    } else {
      /* Peek, then consume exactly up to the end of the head. */
      n = io_recv(c, head + have, HEAD_MAX - have, MSG_PEEK, err, sizeof err);
      if (n > 0) {
        size_t end = head_end(head, have + (size_t)n, have > 3 ? have - 3 : 0);
        size_t take = end ? end - have : (size_t)n;
        size_t got = 0;
        while (got < take) {
          ssize_t m = io_recv(c, head + have + got, take - got, 0, err, sizeof err);
          if (m <= 0)
            return ctrt__error_network("%s: reading the response from %s failed: %s", c->what, c->host,
                                       m == 0 ? "connection closed" : err);
          got += (size_t)m;
        }
        have += take;
        if (end) {
          head[end] = '\0';
          *head_len = end;
          return 0;
        }
        continue;
      }
    }
    if (n == 0)
      return ctrt__error_network(have ? "%s: %s at %s closed the connection in the middle of the response head"
                                      : "%s: %s at %s closed the connection without answering",
                                 c->what, c->peer, c->host);
    if (n == IO_ERROR)
      return ctrt__error_network("%s: reading the response from %s failed: %s", c->what, c->host, err);
    int rc = wait_io(c, POLLIN, deadline, timeout_ms);
    if (rc < 0)
      return rc;
  }
}

static int parse_head(ctrt__http_conn *c, char *head, size_t len) {
  char *line_end = memchr(head, '\n', len);
  /* "HTTP/1.1 101 UPGRADED" */
  if (len < 12 || memcmp(head, "HTTP/1.", 7) != 0 || head[8] != ' ' || head[9] < '1' || head[9] > '5' ||
      head[10] < '0' || head[10] > '9' || head[11] < '0' || head[11] > '9')
    return ctrt__error_network("%s: the reply from %s is not valid HTTP; is it %s?", c->what, c->host, c->peer);
  c->status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
  char *p = line_end + 1;
  char *end = head + len;
  while (p < end) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (l > 0 && p[l - 1] == '\r')
      l--;
    if (l == 0)
      break;
    int rc = ctrt__transport_add_header(&c->hdrs, p, l);
    if (rc < 0)
      return rc;
    p = nl ? nl + 1 : end;
  }
  return 0;
}

/* Decode a chunked body in place, as far as it is complete. Reads only the
 * len bytes it has: the buffer is not NUL-terminated while this runs. */
static size_t dechunk(char *body, size_t len) {
  size_t in = 0, out = 0;
  while (in < len) {
    const char *nl = memchr(body + in, '\n', len - in);
    if (nl == NULL)
      break; /* the size line is cut off */
    size_t digits = 0, line = (size_t)(nl - (body + in));
    while (digits < line && isxdigit((unsigned char)body[in + digits]))
      digits++;
    uint64_t size = 0;
    if (!ctrt__parse_uint(body + in, digits, 16, SIZE_MAX, &size) || size == 0)
      break;
    in = (size_t)(nl - body) + 1;
    if (size > len - in)
      size = len - in;
    memmove(body + out, body + in, (size_t)size);
    out += (size_t)size;
    in += (size_t)size;
    while (in < len && (body[in] == '\r' || body[in] == '\n'))
      in++;
  }
  return out;
}

/* An error response: read its body (bounded) and map it. */
static int error_response(ctrt__http_conn *c, long timeout_ms) {
  const char *cl = ctrt__transport_find_header(&c->hdrs, "Content-Length");
  const char *te = ctrt__transport_find_header(&c->hdrs, "Transfer-Encoding");
  bool chunked = te && strcasecmp(te, "chunked") == 0;
  size_t want = ERROR_BODY_MAX;
  uint64_t v = 0;
  if (cl && !chunked && ctrt__parse_uint_cstr(cl, 10, UINT64_MAX, &v) && v < want)
    want = (size_t)v;
  char *body = ctrt__malloc(ERROR_BODY_MAX + 1);
  CTRT__CHECK_ALLOC(body);
  size_t have = 0;
  if (c->pending_len > 0) {
    have = c->pending_len < want ? c->pending_len : want;
    memcpy(body, c->pending, have);
  }
  long wait_ms = timeout_ms > 0 && timeout_ms < ERROR_BODY_WAIT_MS ? timeout_ms : ERROR_BODY_WAIT_MS;
  int64_t deadline = ctrt__transport_now_ms() + wait_ms;
  char err[128];
  while (have < want) {
    if (chunked && have >= 5 && (memcmp(body + have - 5, "0\r\n\r\n", 5) == 0))
      break;
    ssize_t n = io_recv(c, body + have, want - have, 0, err, sizeof err);
    if (n > 0) {
      have += (size_t)n;
      continue;
    }
    if (n == 0 || n == IO_ERROR)
      break;
    if (wait_io(c, POLLIN, deadline, wait_ms) < 0)
      break; /* the status alone will do */
  }
  if (chunked)
    have = dechunk(body, have);
  body[have] = '\0';
  int rc = c->error_from_body(c->status, body, have, c->what);
  ctrt__free(body);
  return rc;
}

/* Read and parse the answer's head (status, headers) into c. */
static int answer_head(ctrt__http_conn *c, int64_t deadline, long timeout_ms) {
  char *head = ctrt__malloc(HEAD_MAX + 1);
  CTRT__CHECK_ALLOC(head);
  size_t head_len = 0;
  int rc;
  if ((rc = read_head(c, head, &head_len, deadline, timeout_ms)) < 0)
    goto done;
  rc = parse_head(c, head, head_len);
done:
  ctrt__free(head);
  return rc;
}

static int build_request(char **out, size_t *out_len, const ctrt__http_client *client, const ctrt__http_request *req,
                         const char *target) {
  size_t extra = 0;
  if (req->headers)
    for (const char *const *h = req->headers; *h; h++)
      extra += strlen(*h) + 2;
  const char *method = req->method ? req->method : "POST";
  size_t body_len = req->body ? req->body_len : 0;
  char *head = ctrt__sprintf("%s %s HTTP/1.1\r\n"
                             "Host: %s\r\n"
                             "User-Agent: " CTRT__USER_AGENT "\r\n"
                             "Connection: Upgrade\r\n"
                             "Upgrade: tcp\r\n"
                             "%s%s%s"
                             "Content-Length: %zu\r\n",
                             method, target, client->ep.host_header, req->content_type ? "Content-Type: " : "",
                             req->content_type ? req->content_type : "", req->content_type ? "\r\n" : "", body_len);
  CTRT__CHECK_ALLOC(head);
  size_t head_len = strlen(head);
  char *msg = ctrt__malloc(head_len + extra + 2 + body_len + 1);
  if (msg == NULL) {
    ctrt__free(head);
    return ctrt__error_no_memory();
  }
  memcpy(msg, head, head_len);
  size_t len = head_len;
  ctrt__free(head);
  if (req->headers)
    for (const char *const *h = req->headers; *h; h++) {
      size_t l = strlen(*h);
      memcpy(msg + len, *h, l);
      memcpy(msg + len + l, "\r\n", 2);
      len += l + 2;
    }
  memcpy(msg + len, "\r\n", 2);
  len += 2;
  if (body_len)
    memcpy(msg + len, req->body, body_len);
  len += body_len;
  msg[len] = '\0';
  *out = msg;
  *out_len = len;
  return 0;
}

int ctrt__http_hijack(ctrt__http_client *client, const ctrt__http_request *req, ctrt__http_conn **out) {
  if (out)
    *out = NULL;
  CTRT__CHECK_ARG(client != NULL && req != NULL && out != NULL, "http_hijack: client, req and out must not be NULL");
  CTRT__CHECK_ARG(!req->upload, "http_hijack: streamed uploads are not supported (use body)");
  ctrt__http_request r = *req;
  if (r.method == NULL)
    r.method = "POST";
  char *target = NULL;
  char what[256];
  int rc = ctrt__transport_target(client, &r, &target, what, sizeof what);
  if (rc < 0)
    return rc;

  ctrt__http_conn *c = ctrt__calloc(1, sizeof *c);
  if (c == NULL) {
    ctrt__free(target);
    return ctrt__error_no_memory();
  }
  c->fd = CURL_SOCKET_BAD;
  c->wake[0] = c->wake[1] = -1;
  atomic_init(&c->cancelled, false);
  pthread_mutex_init(&c->io_lock, NULL);
  snprintf(c->what, sizeof c->what, "%s", what);
  c->tls = client->ep.tls;
  c->host = ctrt__strdup(client->host);
  c->peer = client->peer;
  c->error_from_body = client->error_from_body;
  c->idle_ms = client->stream_idle_ms;
  char *url = ctrt__sprintf("%s/", client->ep.base_url);
  if (c->host == NULL || url == NULL || pipe(c->wake) != 0) {
    rc = c->host && url ? ctrt__error_internal("%s: pipe failed: %s", what, strerror(errno)) : ctrt__error_no_memory();
    goto fail;
  }
  for (int i = 0; i < 2; i++) {
    fcntl(c->wake[i], F_SETFL, fcntl(c->wake[i], F_GETFL) | O_NONBLOCK);
    fcntl(c->wake[i], F_SETFD, FD_CLOEXEC);
  }

  c->easy = curl_easy_init();
  if (c->easy == NULL) {
    rc = ctrt__error_no_memory();
    goto fail;
  }
  char errbuf[CURL_ERROR_SIZE] = "";
  /* No share: the connection may outlive the client. No ALPN: HTTP/2
   * cannot be hijacked. */
  ctrt__transport_easy_setup(client, c->easy, false);
  curl_easy_setopt(c->easy, CURLOPT_URL, url);
  curl_easy_setopt(c->easy, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(c->easy, CURLOPT_SSL_ENABLE_ALPN, 0L);
  curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, errbuf);
  CURLcode cc = curl_easy_perform(c->easy);
  curl_easy_setopt(c->easy, CURLOPT_ERRORBUFFER, NULL);
  if (cc != CURLE_OK) {
    rc = ctrt__transport_curl_error(client, c->easy, cc, errbuf, what, false);
    goto fail;
  }
  if (curl_easy_getinfo(c->easy, CURLINFO_ACTIVESOCKET, &c->fd) != CURLE_OK || c->fd == CURL_SOCKET_BAD) {
    rc = ctrt__error_internal("%s: libcurl gave no socket for the connection", what);
    goto fail;
  }

  long timeout_ms = r.timeout_ms == 0 ? client->request_timeout_ms : r.timeout_ms < 0 ? -1 : r.timeout_ms;
  int64_t deadline = timeout_ms > 0 ? ctrt__transport_now_ms() + timeout_ms : 0;
  char *msg = NULL;
  size_t msg_len = 0;
  if ((rc = build_request(&msg, &msg_len, client, &r, target)) < 0)
    goto fail;
  rc = write_all(c, msg, msg_len, deadline, timeout_ms);
  ctrt__free(msg);
  if (rc < 0 || (rc = answer_head(c, deadline, timeout_ms)) < 0)
    goto fail;
  if (c->status != 101 && c->status != 200) {
    rc = c->status >= 400 ? error_response(c, timeout_ms)
                          : ctrt__error_network("%s: %s at %s answered %d instead of switching to a raw stream (101)",
                                                what, client->peer, client->host, c->status);
    goto fail;
  }
  ctrt__free(target);
  ctrt__free(url);
  *out = c;
  return 0;

fail:
  ctrt__free(target);
  ctrt__free(url);
  ctrt__http_conn_free(c);
  return rc;
}

int ctrt__http_conn_status(const ctrt__http_conn *conn) { return conn ? conn->status : 0; }

const char *ctrt__http_conn_header(const ctrt__http_conn *conn, const char *name) {
  if (conn == NULL || name == NULL)
    return NULL;
  return ctrt__transport_find_header(&conn->hdrs, name);
}

int ctrt__http_conn_write(ctrt__http_conn *conn, const void *data, size_t len) {
  if (conn == NULL || (data == NULL && len > 0))
    return ctrt__error_invalid_argument("http_conn_write: NULL argument");
  return write_all(conn, data, len, 0, 0);
}

static size_t take_pending(ctrt__http_conn *c, void *buf, size_t cap) {
  size_t take = c->pending_len - c->pending_off < cap ? c->pending_len - c->pending_off : cap;
  memcpy(buf, c->pending + c->pending_off, take);
  c->pending_off += take;
  if (c->pending_off == c->pending_len)
    c->pending_off = c->pending_len = 0;
  return take;
}

int ctrt__http_conn_read(ctrt__http_conn *conn, void *buf, size_t cap, size_t *n_read) {
  if (n_read)
    *n_read = 0;
  CTRT__CHECK_ARG(conn != NULL && buf != NULL && cap != 0 && n_read != NULL,
                  "http_conn_read: needs a connection, a buffer and n_read");
  char err[128];
  for (;;) {
    if (atomic_load(&conn->cancelled))
      return ctrt__error_cancelled("%s: the session was cancelled", conn->what);
    if (conn->pending_len > conn->pending_off) {
      *n_read = take_pending(conn, buf, cap);
      return 0;
    }
    if (conn->eof)
      return CTRT_ITEROVER;
    ssize_t n;
    if (conn->tls) {
      /* Take a whole record so nothing stays inside TLS unseen by poll(). */
      if (conn->pending == NULL) {
        conn->pending = ctrt__malloc(TLS_BUF);
        CTRT__CHECK_ALLOC(conn->pending);
        conn->pending_cap = TLS_BUF;
      }
      n = io_recv(conn, conn->pending, conn->pending_cap, 0, err, sizeof err);
      if (n > 0) {
        conn->pending_len = (size_t)n;
        conn->pending_off = 0;
        continue;
      }
    } else {
      n = io_recv(conn, buf, cap, 0, err, sizeof err);
      if (n > 0) {
        *n_read = (size_t)n;
        return 0;
      }
    }
    if (n == 0) {
      conn->eof = true;
      return CTRT_ITEROVER;
    }
    if (n == IO_ERROR)
      return ctrt__error_network("%s: the connection to %s at %s broke: %s", conn->what, conn->peer, conn->host, err);
    int rc = wait_idle(conn, POLLIN);
    if (rc < 0)
      return rc;
  }
}

int ctrt__http_conn_pull(void *conn, void *buf, size_t cap, size_t *n_read) {
  return ctrt__http_conn_read(conn, buf, cap, n_read);
}

int ctrt__http_conn_close_write(ctrt__http_conn *conn) {
  CTRT__CHECK_ARG(conn != NULL, "http_conn_close_write: connection must not be NULL");
  if (shutdown(conn->fd, SHUT_WR) != 0 && errno != ENOTCONN)
    return ctrt__error_network("%s: half-closing the connection failed: %s", conn->what, strerror(errno));
  return 0;
}

int ctrt__http_conn_fd(const ctrt__http_conn *conn) { return conn ? (int)conn->fd : -1; }

bool ctrt__http_conn_pending(const ctrt__http_conn *conn) {
  return conn != NULL && conn->pending_len > conn->pending_off;
}

void ctrt__http_conn_cancel(ctrt__http_conn *conn) {
  if (conn == NULL)
    return;
  atomic_store(&conn->cancelled, true);
  if (conn->wake[1] >= 0) {
    ssize_t n = write(conn->wake[1], "x", 1);
    (void)n; /* a full pipe already wakes everyone */
  }
}

void ctrt__http_conn_free(ctrt__http_conn *conn) {
  if (conn == NULL)
    return;
  if (conn->easy)
    curl_easy_cleanup(conn->easy); /* closes the socket */
  for (int i = 0; i < 2; i++)
    if (conn->wake[i] >= 0)
      close(conn->wake[i]);
  pthread_mutex_destroy(&conn->io_lock);
  ctrt__transport_free_headers(&conn->hdrs);
  ctrt__free(conn->pending);
  ctrt__free(conn->host);
  ctrt__free(conn);
}
