/* SPDX-License-Identifier: MIT */
/* The scripted HTTP server of the transport tests (see fake_server.h). */
#include "fake_server.h"

#include "core/internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifdef CTRT_TEST_TLS
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "tls_certs.h"
#endif

#define MAX_CONNS 256
#define SLOW_DELAY_US 200

struct fake_conn {
  fake_server *server;
  int fd;
  int index;
  pthread_t thread;
#ifdef CTRT_TEST_TLS
  SSL *ssl;
#endif
  uint8_t in[16384];
  size_t in_len, in_off;
};

struct fake_server {
  fake_kind kind;
  fake_handler handler;
  void *ctx;
  int listen_fd;
  int stop_pipe[2];
  char dir[64];
  char host[128];
  int port;
  pthread_t accept_thread;
  pthread_mutex_t lock;
  fake_conn *conns[MAX_CONNS];
  int n_conns;
  volatile int stopping;
#ifdef CTRT_TEST_TLS
  SSL_CTX *tls;
#endif
};

/* ---- raw I/O ---- */

static long conn_recv(fake_conn *c, void *buf, size_t cap) {
#ifdef CTRT_TEST_TLS
  if (c->ssl) {
    int n = SSL_read(c->ssl, buf, (int)cap);
    return n > 0 ? n : (SSL_get_error(c->ssl, n) == SSL_ERROR_ZERO_RETURN ? 0 : -1);
  }
#endif
  for (;;) {
    ssize_t n = recv(c->fd, buf, cap, 0);
    if (n < 0 && errno == EINTR)
      continue;
    return (long)n;
  }
}

static bool conn_send(fake_conn *c, const void *data, size_t len) {
  const uint8_t *p = data;
  while (len > 0) {
#ifdef CTRT_TEST_TLS
    if (c->ssl) {
      int n = SSL_write(c->ssl, p, (int)len);
      if (n <= 0)
        return false;
      p += n;
      len -= (size_t)n;
      continue;
    }
#endif
    ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    len -= (size_t)n;
  }
  return true;
}

static bool fill(fake_conn *c) {
  if (c->in_off == c->in_len)
    c->in_off = c->in_len = 0;
  if (c->in_len == sizeof c->in) {
    memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
    c->in_len -= c->in_off;
    c->in_off = 0;
  }
  long n = conn_recv(c, c->in + c->in_len, sizeof c->in - c->in_len);
  if (n <= 0)
    return false;
  c->in_len += (size_t)n;
  return true;
}

/* A line without its CRLF into buf; false at EOF. */
static bool read_line(fake_conn *c, char *buf, size_t cap) {
  size_t o = 0;
  for (;;) {
    while (c->in_off < c->in_len) {
      char ch = (char)c->in[c->in_off++];
      if (ch == '\n') {
        if (o > 0 && buf[o - 1] == '\r')
          o--;
        buf[o] = '\0';
        return true;
      }
      if (o + 1 < cap)
        buf[o++] = ch;
    }
    if (!fill(c))
      return false;
  }
}

/* Body bytes: hash all, keep the first FAKE_BODY_KEEP. */
static bool read_body_bytes(fake_conn *c, fake_request *r, ctrt__sha256 *sha, size_t n) {
  while (n > 0) {
    if (c->in_off == c->in_len && !fill(c))
      return false;
    size_t take = c->in_len - c->in_off < n ? c->in_len - c->in_off : n;
    ctrt__sha256_update(sha, c->in + c->in_off, take);
    if (r->body_len < FAKE_BODY_KEEP) {
      size_t keep = FAKE_BODY_KEEP - r->body_len < take ? FAKE_BODY_KEEP - r->body_len : take;
      memcpy(r->body + r->body_len, c->in + c->in_off, keep);
      r->body_len += keep;
    }
    r->body_total += take;
    c->in_off += take;
    n -= take;
  }
  return true;
}

const char *fake_request_header(const fake_request *r, const char *name, char *buf, size_t cap) {
  size_t nl = strlen(name);
  for (const char *p = r->head; p && *p;) {
    const char *end = strchr(p, '\n');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
      const char *v = p + nl + 1;
      while (*v == ' ')
        v++;
      size_t vl = (size_t)(p + len - v);
      if (vl >= cap)
        vl = cap - 1;
      memcpy(buf, v, vl);
      buf[vl] = '\0';
      return buf;
    }
    p = end ? end + 1 : p + len;
  }
  return NULL;
}

static bool read_request(fake_conn *c, fake_request *r) {
  char line[8192];
  if (!read_line(c, line, sizeof line))
    return false;
  if (sscanf(line, "%15s %2047s", r->method, r->target) != 2)
    return false;
  size_t head_cap = 4096, head_len = 0;
  r->head = malloc(head_cap);
  r->head[0] = '\0';
  for (;;) {
    if (!read_line(c, line, sizeof line))
      return false;
    if (line[0] == '\0')
      break;
    size_t l = strlen(line);
    while (head_len + l + 2 > head_cap) {
      head_cap *= 2;
      r->head = realloc(r->head, head_cap);
    }
    memcpy(r->head + head_len, line, l);
    r->head[head_len + l] = '\n';
    head_len += l + 1;
    r->head[head_len] = '\0';
  }
  r->body = malloc(FAKE_BODY_KEEP + 1);
  ctrt__sha256 sha;
  ctrt__sha256_init(&sha);
  char value[256];
  const char *te = fake_request_header(r, "Transfer-Encoding", value, sizeof value);
  if (te && strcasecmp(te, "chunked") == 0) {
    r->chunked = true;
    for (;;) {
      if (!read_line(c, line, sizeof line))
        return false;
      size_t size = strtoul(line, NULL, 16);
      if (size == 0) {
        while (read_line(c, line, sizeof line) && line[0] != '\0') /* trailers */
          ;
        break;
      }
      if (!read_body_bytes(c, r, &sha, size) || !read_line(c, line, sizeof line))
        return false;
    }
  } else {
    const char *cl = fake_request_header(r, "Content-Length", value, sizeof value);
    if (cl && !read_body_bytes(c, r, &sha, strtoul(cl, NULL, 10)))
      return false;
  }
  r->body[r->body_len] = '\0';
  uint8_t digest[32];
  ctrt__sha256_final(&sha, digest);
  ctrt__sha256_hex(digest, r->body_sha256);
  return true;
}

/* ---- response helpers ---- */

void fake_write(fake_conn *c, const void *data, size_t len) { conn_send(c, data, len); }

void fake_write_slow(fake_conn *c, const void *data, size_t len) {
  const uint8_t *p = data;
  for (size_t i = 0; i < len; i++) {
    if (!conn_send(c, p + i, 1))
      return;
    usleep(SLOW_DELAY_US);
  }
}

void fake_printf(fake_conn *c, const char *fmt, ...) {
  char buf[8192];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0)
    conn_send(c, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static const char *reason(int status) {
  switch (status) {
  case 200:
    return "OK";
  case 101:
    return "UPGRADED";
  case 204:
    return "No Content";
  case 400:
    return "Bad Request";
  case 404:
    return "Not Found";
  case 409:
    return "Conflict";
  case 500:
    return "Internal Server Error";
  default:
    return "Status";
  }
}

void fake_respond(fake_conn *c, int status, const char *extra_headers, const char *body) {
  size_t len = body ? strlen(body) : 0;
  fake_printf(c, "HTTP/1.1 %d %s\r\nContent-Length: %zu\r\n%s\r\n", status, reason(status), len,
              extra_headers ? extra_headers : "");
  if (len)
    conn_send(c, body, len);
}

void fake_chunked_head(fake_conn *c, int status, const char *extra_headers) {
  fake_printf(c, "HTTP/1.1 %d %s\r\nTransfer-Encoding: chunked\r\n%s\r\n", status, reason(status),
              extra_headers ? extra_headers : "");
}

void fake_chunk(fake_conn *c, const void *data, size_t len, bool slow) {
  char head[32];
  int n = snprintf(head, sizeof head, "%zx\r\n", len);
  if (slow) {
    fake_write_slow(c, head, (size_t)n);
    fake_write_slow(c, data, len);
    fake_write_slow(c, "\r\n", 2);
  } else {
    conn_send(c, head, (size_t)n);
    conn_send(c, data, len);
    conn_send(c, "\r\n", 2);
  }
}

void fake_chunked_end(fake_conn *c) { conn_send(c, "0\r\n\r\n", 5); }

long fake_read(fake_conn *c, void *buf, size_t cap) {
  if (c->in_off < c->in_len) {
    size_t take = c->in_len - c->in_off < cap ? c->in_len - c->in_off : cap;
    memcpy(buf, c->in + c->in_off, take);
    c->in_off += take;
    return (long)take;
  }
  return conn_recv(c, buf, cap);
}

void fake_shutdown_write(fake_conn *c) {
#ifdef CTRT_TEST_TLS
  if (c->ssl)
    SSL_shutdown(c->ssl);
#endif
  shutdown(c->fd, SHUT_WR);
}

void fake_wait(fake_conn *c) {
  for (;;) {
    struct pollfd p[2] = {{.fd = c->server->stop_pipe[0], .events = POLLIN}, {.fd = c->fd, .events = POLLIN}};
    if (poll(p, 2, -1) < 0 && errno != EINTR)
      return;
    if (p[0].revents)
      return;
    if (p[1].revents) {
      char b;
      ssize_t n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
        return; /* the client closed */
      usleep(1000);
    }
  }
}

int fake_conn_index(const fake_conn *c) { return c->index; }

/* ---- threads ---- */

static void block_sigpipe(void) {
  /* SIGPIPE is sent to the writing thread: blocked here, writes to a closed
   * client just fail with EPIPE. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void *conn_main(void *arg) {
  fake_conn *c = arg;
  block_sigpipe();
#ifdef CTRT_TEST_TLS
  if (c->server->kind == FAKE_TLS) {
    c->ssl = SSL_new(c->server->tls);
    SSL_set_fd(c->ssl, c->fd);
    if (SSL_accept(c->ssl) <= 0) {
      ERR_clear_error();
      return NULL;
    }
  }
#endif
  for (;;) {
    fake_request r;
    memset(&r, 0, sizeof r);
    bool ok = read_request(c, &r);
    fake_next next = FAKE_CLOSE;
    if (ok)
      next = c->server->handler(c, &r, c->server->ctx);
    free(r.head);
    free(r.body);
    if (!ok || next == FAKE_CLOSE)
      break;
  }
#ifdef CTRT_TEST_TLS
  if (c->ssl)
    SSL_shutdown(c->ssl);
#endif
  shutdown(c->fd, SHUT_RDWR);
  return NULL;
}

static void *accept_main(void *arg) {
  fake_server *s = arg;
  block_sigpipe();
  for (;;) {
    struct pollfd p[2] = {{.fd = s->listen_fd, .events = POLLIN}, {.fd = s->stop_pipe[0], .events = POLLIN}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return NULL;
    }
    if (p[1].revents)
      return NULL;
    int fd = accept(s->listen_fd, NULL, NULL);
    if (fd < 0)
      continue;
    if (s->kind != FAKE_UNIX) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    fake_conn *c = calloc(1, sizeof *c);
    c->server = s;
    c->fd = fd;
    pthread_mutex_lock(&s->lock);
    if (s->n_conns == MAX_CONNS || s->stopping) {
      pthread_mutex_unlock(&s->lock);
      close(fd);
      free(c);
      continue;
    }
    c->index = s->n_conns;
    s->conns[s->n_conns++] = c;
    pthread_create(&c->thread, NULL, conn_main, c);
    pthread_mutex_unlock(&s->lock);
  }
}

#ifdef CTRT_TEST_TLS
static X509 *pem_cert(const char *pem) {
  BIO *b = BIO_new_mem_buf(pem, -1);
  X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
  BIO_free(b);
  return x;
}

static SSL_CTX *tls_context(void) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  /* A client's half-close (TCP FIN, no close_notify) ends reading only, as
   * with Go's TLS in dockerd; answers can still be written. */
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
  X509 *cert = pem_cert(TEST_SERVER_CERT_PEM);
  BIO *b = BIO_new_mem_buf(TEST_SERVER_KEY_PEM, -1);
  EVP_PKEY *key = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
  BIO_free(b);
  SSL_CTX_use_certificate(ctx, cert);
  SSL_CTX_use_PrivateKey(ctx, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  /* Like dockerd --tlsverify: client certificates signed by the CA only. */
  X509 *ca = pem_cert(TEST_CA_PEM);
  X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), ca);
  X509_free(ca);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
  return ctx;
}
#endif

bool fake_tls_available(void) {
#ifdef CTRT_TEST_TLS
  return true;
#else
  return false;
#endif
}

int fake_tls_write_cert_dir(const char *dir) {
#ifdef CTRT_TEST_TLS
  const char *names[] = {"ca.pem", "cert.pem", "key.pem"};
  const char *pems[] = {TEST_CA_PEM, TEST_CLIENT_CERT_PEM, TEST_CLIENT_KEY_PEM};
  for (int i = 0; i < 3; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    FILE *f = fopen(path, "w");
    if (f == NULL)
      return -1;
    fputs(pems[i], f);
    fclose(f);
  }
  return 0;
#else
  (void)dir;
  return -1;
#endif
}

fake_server *fake_server_start(fake_kind kind, fake_handler handler, void *ctx) {
  fake_server *s = calloc(1, sizeof *s);
  s->kind = kind;
  s->handler = handler;
  s->ctx = ctx;
  pthread_mutex_init(&s->lock, NULL);
  if (pipe(s->stop_pipe) != 0)
    abort();
  if (kind == FAKE_UNIX) {
    snprintf(s->dir, sizeof s->dir, "/tmp/ctrt-transport-XXXXXX");
    if (mkdtemp(s->dir) == NULL)
      abort();
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s/docker.sock", s->dir);
    s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0)
      abort();
    snprintf(s->host, sizeof s->host, "unix://%s", addr.sun_path);
  } else {
#ifdef CTRT_TEST_TLS
    if (kind == FAKE_TLS)
      s->tls = tls_context();
#else
    if (kind == FAKE_TLS)
      abort();
#endif
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0)
      abort();
    socklen_t len = sizeof addr;
    getsockname(s->listen_fd, (struct sockaddr *)&addr, &len);
    s->port = ntohs(addr.sin_port);
    snprintf(s->host, sizeof s->host, "tcp://127.0.0.1:%d", s->port);
  }
  if (listen(s->listen_fd, 64) != 0)
    abort();
  pthread_create(&s->accept_thread, NULL, accept_main, s);
  return s;
}

const char *fake_server_host(const fake_server *s) { return s->host; }

int fake_server_port(const fake_server *s) { return s->port; }

int fake_server_connections(fake_server *s) {
  pthread_mutex_lock(&s->lock);
  int n = s->n_conns;
  pthread_mutex_unlock(&s->lock);
  return n;
}

void fake_server_stop(fake_server *s) {
  if (s == NULL)
    return;
  pthread_mutex_lock(&s->lock);
  s->stopping = 1;
  pthread_mutex_unlock(&s->lock);
  if (write(s->stop_pipe[1], "x", 1) != 1)
    abort();
  pthread_join(s->accept_thread, NULL);
  for (int i = 0; i < s->n_conns; i++)
    shutdown(s->conns[i]->fd, SHUT_RDWR); /* unblocks reads */
  for (int i = 0; i < s->n_conns; i++) {
    fake_conn *c = s->conns[i];
    pthread_join(c->thread, NULL);
#ifdef CTRT_TEST_TLS
    if (c->ssl)
      SSL_free(c->ssl);
#endif
    close(c->fd);
    free(c);
  }
  close(s->listen_fd);
  close(s->stop_pipe[0]);
  close(s->stop_pipe[1]);
  if (s->kind == FAKE_UNIX) {
    char path[128];
    snprintf(path, sizeof path, "%s/docker.sock", s->dir);
    unlink(path);
    rmdir(s->dir);
  }
#ifdef CTRT_TEST_TLS
  if (s->tls)
    SSL_CTX_free(s->tls);
#endif
  pthread_mutex_destroy(&s->lock);
  free(s);
}
