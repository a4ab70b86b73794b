/* WebSocket client on a plain TCP socket: the CRI streaming server speaks
 * HTTP/1.1 on 127.0.0.1 and Debian's libcurl 7.88 has no WebSocket support,
 * so the upgrade is written and read here. Blocking waits poll the socket
 * together with a wake-up pipe, which is how another thread cancels them;
 * writes are serialised because the reader answers pings. */
#include "transport/websocket.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEAD_MAX ((size_t)16 * 1024)
#define RBUF_CAP ((size_t)64 * 1024)
#define DEFAULT_TIMEOUT_MS 10000L
#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

struct ctrt__ws {
  int fd;
  int wake[2];
  atomic_bool cancelled;
  pthread_mutex_t write_lock;
  bool close_sent;
  int close_status;
  bool closed; /* the server's close arrived, or the connection ended */
  uint8_t rbuf[RBUF_CAP];
  size_t rlen, roff;
  char *subprotocol;
  char what[160];        /* "WebSocket 127.0.0.1:PORT/exec/..." for messages */
  long idle_ms;          /* the longest wait of a read for data; <= 0 none */
  int64_t idle_deadline; /* of the read waiting now, so its timeout says so */
};

/* ---- SHA-1, for Sec-WebSocket-Accept only ---- */

static uint32_t rol(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

static void sha1_block(uint32_t h[5], const uint8_t *p) {
  uint32_t w[80];
  for (size_t i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
  for (int i = 16; i < 80; i++)
    w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; i++) {
    uint32_t f, k;
    if (i < 20) {
      f = (b & c) | (~b & d);
      k = 0x5A827999;
    } else if (i < 40) {
      f = b ^ c ^ d;
      k = 0x6ED9EBA1;
    } else if (i < 60) {
      f = (b & c) | (b & d) | (c & d);
      k = 0x8F1BBCDC;
    } else {
      f = b ^ c ^ d;
      k = 0xCA62C1D6;
    }
    uint32_t t = rol(a, 5) + f + e + k + w[i];
    e = d;
    d = c;
    c = rol(b, 30);
    b = a;
    a = t;
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
  h[4] += e;
}

/* Inputs here are short (key + GUID): one pass over a padded copy. */
static void sha1(const void *data, size_t len, uint8_t out[20]) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  uint8_t buf[128] = {0};
  size_t full = len / 64 * 64;
  for (size_t i = 0; i < full; i += 64)
    sha1_block(h, (const uint8_t *)data + i);
  size_t rest = len - full;
  memcpy(buf, (const uint8_t *)data + full, rest);
  buf[rest] = 0x80;
  size_t total = rest + 9 <= 64 ? 64 : 128;
  uint64_t bits = (uint64_t)len * 8;
  for (int i = 0; i < 8; i++)
    buf[total - 1 - i] = (uint8_t)(bits >> (8 * i));
  for (size_t i = 0; i < total; i += 64)
    sha1_block(h, buf + i);
  for (size_t i = 0; i < 5; i++) {
    out[4 * i] = (uint8_t)(h[i] >> 24);
    out[4 * i + 1] = (uint8_t)(h[i] >> 16);
    out[4 * i + 2] = (uint8_t)(h[i] >> 8);
    out[4 * i + 3] = (uint8_t)h[i];
  }
}

/* ---- I/O with cancellation ---- */

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is ready for events; deadline < 0 = none. */
static int wait_fd(ctrt__ws *ws, short events, int64_t deadline) {
  for (;;) {
    if (atomic_load(&ws->cancelled))
      return ctrt__error_cancelled("%s: the session was cancelled", ws->what);
    int timeout = -1;
    if (deadline >= 0) {
      int64_t left = deadline - now_ms();
      if (left <= 0 && deadline == ws->idle_deadline)
        return ctrt__error_set(CTRT_ERROR_TIMEOUT, 0, "%s: nothing arrived for %ld ms (stream_idle_timeout_ms)",
                               ws->what, ws->idle_ms);
      if (left <= 0)
        return ctrt__error_network("%s: no answer in time", ws->what);
      timeout = (int)left;
    }
    struct pollfd p[2] = {{ws->fd, events, 0}, {ws->wake[0], POLLIN, 0}};
    int n = poll(p, 2, timeout);
    if (n < 0 && errno != EINTR)
      return ctrt__error_network("%s: poll: %s", ws->what, strerror(errno));
    if (n > 0 && p[1].revents)
      continue; /* the cancelled flag says why */
    if (n > 0 && p[0].revents)
      return 0;
  }
}

static int send_all(ctrt__ws *ws, const uint8_t *data, size_t len, int64_t deadline) {
  size_t off = 0;
  while (off < len) {
    ssize_t n = send(ws->fd, data + off, len - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      int rc = wait_fd(ws, POLLOUT, deadline);
      if (rc < 0)
        return rc;
      continue;
    }
    return ctrt__error_network("%s: send: %s", ws->what, strerror(errno));
  }
  return 0;
}

/* What fill and read_exact return when they do not fail: the end of input
 * is an answer, not an error (whether it is one depends on where it comes). */
enum { WS_EOF = 0, WS_BYTES = 1 };

/* Refill the read buffer: WS_BYTES, WS_EOF, or an error. */
static int fill(ctrt__ws *ws, int64_t deadline) {
  if (ws->roff == ws->rlen)
    ws->roff = ws->rlen = 0;
  if (ws->rlen == RBUF_CAP) {
    memmove(ws->rbuf, ws->rbuf + ws->roff, ws->rlen - ws->roff);
    ws->rlen -= ws->roff;
    ws->roff = 0;
  }
  for (;;) {
    ssize_t n = recv(ws->fd, ws->rbuf + ws->rlen, RBUF_CAP - ws->rlen, 0);
    if (n > 0) {
      ws->rlen += (size_t)n;
      return WS_BYTES;
    }
    if (n == 0)
      return WS_EOF;
    if (errno == EINTR)
      continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      int rc = wait_fd(ws, POLLIN, deadline);
      if (rc < 0)
        return rc;
      continue;
    }
    return ctrt__error_network("%s: recv: %s", ws->what, strerror(errno));
  }
}

/* Exactly len bytes: WS_BYTES, WS_EOF before the first byte, or an error
 * (EOF inside is a cut). */
static int read_exact(ctrt__ws *ws, void *out, size_t len) {
  uint8_t *o = out;
  size_t got = 0;
  while (got < len) {
    if (ws->roff < ws->rlen) {
      size_t n = ws->rlen - ws->roff;
      if (n > len - got)
        n = len - got;
      memcpy(o + got, ws->rbuf + ws->roff, n);
      ws->roff += n;
      got += n;
      continue;
    }
    /* A session read: bounded by the idle limit from now, if any. */
    ws->idle_deadline = ws->idle_ms > 0 ? now_ms() + ws->idle_ms : -1;
    int rc = fill(ws, ws->idle_deadline);
    if (rc < 0)
      return rc;
    if (rc == WS_EOF) {
      if (got == 0)
        return WS_EOF;
      return ctrt__error_network("%s: the connection ended inside a frame", ws->what);
    }
  }
  return WS_BYTES;
}

/* read_exact of a frame's rest, where the end of input is a cut. */
static int read_in_frame(ctrt__ws *ws, void *out, size_t len) {
  int rc = read_exact(ws, out, len);
  if (rc == WS_EOF)
    return ctrt__error_network("%s: the connection ended inside a frame", ws->what);
  return rc;
}

/* ---- Connecting ---- */

void ctrt__ws_free(ctrt__ws *ws) {
  if (ws == NULL)
    return;
  if (ws->fd >= 0)
    close(ws->fd);
  if (ws->wake[0] >= 0)
    close(ws->wake[0]);
  if (ws->wake[1] >= 0)
    close(ws->wake[1]);
  pthread_mutex_destroy(&ws->write_lock);
  ctrt__free(ws->subprotocol);
  ctrt__free(ws);
}

/* "http://host:port/path" -> host, port, path (all new strings). */
static int parse_url(const char *url, char **host, char **port, char **path) {
  const char *rest = NULL;
  if (strncmp(url, "http://", 7) == 0)
    rest = url + 7;
  else if (strncmp(url, "ws://", 5) == 0)
    rest = url + 5;
  CTRT__CHECK_ARG(rest != NULL, "WebSocket URL %s: expected http://host:port/path or ws://...", url);
  const char *slash = strchr(rest, '/');
  const char *host_end = slash ? slash : rest + strlen(rest);
  const char *colon = NULL;
  if (rest[0] == '[') {
    const char *close = memchr(rest, ']', (size_t)(host_end - rest));
    CTRT__CHECK_ARG(close != NULL, "WebSocket URL %s: unterminated IPv6 address", url);
    *host = ctrt__strndup(rest + 1, (size_t)(close - rest - 1));
    colon = close[1] == ':' ? close + 1 : NULL;
  } else {
    colon = memchr(rest, ':', (size_t)(host_end - rest));
    *host = ctrt__strndup(rest, (size_t)((colon ? colon : host_end) - rest));
  }
  *port = colon ? ctrt__strndup(colon + 1, (size_t)(host_end - colon - 1)) : ctrt__strdup("80");
  *path = ctrt__strdup(slash ? slash : "/");
  if (*host == NULL || *port == NULL || *path == NULL)
    return ctrt__error_no_memory();
  if ((*host)[0] == '\0' || (*port)[0] == '\0' || strspn(*port, "0123456789") != strlen(*port) ||
      strpbrk(*path, " \r\n") != NULL)
    return ctrt__error_invalid_argument("WebSocket URL %s: expected http://host:port/path", url);
  return 0;
}

static int connect_tcp(ctrt__ws *ws, const char *host, const char *port, int64_t deadline) {
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
  int gai = getaddrinfo(host, port, &hints, &res);
  if (gai != 0)
    return ctrt__error_network("%s: cannot resolve %s: %s", ws->what, host, gai_strerror(gai));
  int err = 0;
  for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    ws->fd = fd;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      freeaddrinfo(res);
      return 0;
    }
    err = errno;
    if (err == EINPROGRESS) {
      int rc = wait_fd(ws, POLLOUT, deadline);
      socklen_t len = sizeof err;
      if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
        freeaddrinfo(res);
        return 0;
      }
      if (rc < 0 && ctrt_error_last()->kind == CTRT_ERROR_CANCELLED) {
        freeaddrinfo(res);
        return rc;
      }
    }
    close(fd);
    ws->fd = -1;
  }
  freeaddrinfo(res);
  return ctrt__error_network("%s: cannot connect to %s:%s: %s", ws->what, host, port, strerror(err ? err : ETIMEDOUT));
}

/* The value of header name in the head (a copy in buf), or NULL. */
static const char *head_header(const char *head, const char *name, char *buf, size_t cap) {
  size_t nlen = strlen(name);
  for (const char *line = strstr(head, "\r\n"); line != NULL; line = strstr(line, "\r\n")) {
    line += 2;
    if (strncasecmp(line, name, nlen) == 0 && line[nlen] == ':') {
      const char *v = line + nlen + 1;
      while (*v == ' ' || *v == '\t')
        v++;
      const char *end = strstr(v, "\r\n");
      size_t len = end ? (size_t)(end - v) : strlen(v);
      while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
        len--;
      if (len >= cap)
        len = cap - 1;
      memcpy(buf, v, len);
      buf[len] = '\0';
      return buf;
    }
  }
  return NULL;
}

static bool has_token(const char *list, const char *token) {
  size_t tlen = strlen(token);
  for (const char *p = list; p && *p;) {
    while (*p == ' ' || *p == ',')
      p++;
    if (strncasecmp(p, token, tlen) == 0 && (p[tlen] == '\0' || p[tlen] == ',' || p[tlen] == ' '))
      return true;
    p = strchr(p, ',');
  }
  return false;
}

/* The "\r\n\r\n" ending a response head within buf[from..len), or NULL. */
static char *head_end(uint8_t *buf, size_t from, size_t len) {
  for (size_t i = from; i + 4 <= len; i++)
    if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
      return (char *)buf + i;
  return NULL;
}

static int handshake(ctrt__ws *ws, const char *host, const char *port, const char *path, const char *subprotocol,
                     int64_t deadline) {
  uint8_t nonce[16];
  if (getrandom(nonce, sizeof nonce, 0) != (ssize_t)sizeof nonce)
    return ctrt__error_internal("%s: no random bytes for the handshake key", ws->what);
  char *key = ctrt__base64_encode(nonce, sizeof nonce, false);
  CTRT__CHECK_ALLOC(key);
  char *req = NULL, *head = NULL, *concat = NULL, *expected = NULL;
  char proto_line[256] = "";
  int rc;
  if (subprotocol)
    snprintf(proto_line, sizeof proto_line, "Sec-WebSocket-Protocol: %s\r\n", subprotocol);
  if ((req = ctrt__sprintf("GET %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: ctrt/0.1\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n",
                           path, host, port, key, proto_line)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = send_all(ws, (const uint8_t *)req, strlen(req), deadline)) < 0)
    goto done;
  /* The head, leaving any frame bytes after it in the read buffer. */
  char *end = NULL;
  size_t scanned = 0; /* where the search for the head's end goes on */
  for (;;) {
    /* Searched within what arrived, up to the limit whatever the reads
     * were: the buffer may be full, and frame bytes after the head must
     * stay as they are (no terminator written into them). */
    size_t upto = ws->rlen < HEAD_MAX ? ws->rlen : HEAD_MAX;
    if ((end = head_end(ws->rbuf, scanned, upto)) != NULL)
      break;
    scanned = upto > 3 ? upto - 3 : 0;
    if (ws->rlen >= HEAD_MAX) {
      rc = ctrt__error_network("%s: response head larger than %zu bytes", ws->what, HEAD_MAX);
      goto done;
    }
    if ((rc = fill(ws, deadline)) < 0)
      goto done;
    if (rc == WS_EOF) {
      rc = ctrt__error_network("%s: the server closed the connection during the handshake", ws->what);
      goto done;
    }
  }
  size_t head_len = (size_t)(end - (char *)ws->rbuf) + 4;
  head = ctrt__strndup((char *)ws->rbuf, head_len);
  ws->roff = head_len;
  if (head == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  /* "HTTP/1.1 101 Switching Protocols": three digits (sscanf's %d would
   * overflow silently on a long number). */
  if (strncmp(head, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)head[7]) || head[8] != ' ' ||
      !isdigit((unsigned char)head[9]) || !isdigit((unsigned char)head[10]) || !isdigit((unsigned char)head[11])) {
    rc = ctrt__error_network("%s: not an HTTP response", ws->what);
    goto done;
  }
  int status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
  char v[256];
  if (status != 101) {
    /* The streaming server explains refusals in a short text body. */
    const char *body = (char *)ws->rbuf + ws->roff;
    int body_len = (int)(ws->rlen - ws->roff);
    while (body_len > 0 && (body[body_len - 1] == '\n' || body[body_len - 1] == '\r'))
      body_len--;
    rc = ctrt__error_set(ctrt__error_kind_for_http(status), status, "%s: upgrade refused with HTTP %d%s%.*s", ws->what,
                         status, body_len > 0 ? ": " : "", body_len > 200 ? 200 : body_len, body);
    goto done;
  }
  if (!has_token(head_header(head, "Upgrade", v, sizeof v), "websocket")) {
    rc = ctrt__error_network("%s: 101 without Upgrade: websocket", ws->what);
    goto done;
  }
  uint8_t digest[20];
  if ((concat = ctrt__sprintf("%s%s", key, WS_GUID)) != NULL) {
    sha1(concat, strlen(concat), digest);
    expected = ctrt__base64_encode(digest, sizeof digest, false);
  }
  const char *accept = head_header(head, "Sec-WebSocket-Accept", v, sizeof v);
  if (expected == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if (accept == NULL || strcmp(accept, expected) != 0) {
    rc = ctrt__error_network("%s: wrong Sec-WebSocket-Accept (%s, expected %s)", ws->what, accept ? accept : "none",
                             expected);
    goto done;
  }
  const char *chosen = head_header(head, "Sec-WebSocket-Protocol", v, sizeof v);
  if (subprotocol != NULL && (chosen == NULL || strcmp(chosen, subprotocol) != 0)) {
    rc = ctrt__error_network("%s: the server did not accept subprotocol %s (chose %s)", ws->what, subprotocol,
                             chosen ? chosen : "none");
    goto done;
  }
  if (chosen != NULL && (ws->subprotocol = ctrt__strdup(chosen)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  rc = 0;
done:
  ctrt__free(expected);
  ctrt__free(concat);
  ctrt__free(head);
  ctrt__free(req);
  ctrt__free(key);
  return rc;
}

int ctrt__ws_connect(ctrt__ws **out, const char *url, const char *subprotocol, long timeout_ms) {
  *out = NULL;
  CTRT__CHECK_ARG(url != NULL, "WebSocket: no URL");
  ctrt__ws *ws = ctrt__calloc(1, sizeof *ws);
  CTRT__CHECK_ALLOC(ws);
  ws->fd = ws->wake[0] = ws->wake[1] = -1;
  ws->idle_deadline = -1;
  atomic_init(&ws->cancelled, false);
  pthread_mutex_init(&ws->write_lock, NULL);
  char *host = NULL, *port = NULL, *path = NULL;
  int rc;
  if ((rc = parse_url(url, &host, &port, &path)) < 0)
    goto done;
  /* Tokens in the path are credentials of a kind: name the host only. */
  snprintf(ws->what, sizeof ws->what, "WebSocket to %s:%s", host, port);
  if (pipe(ws->wake) != 0) {
    rc = ctrt__error_internal("WebSocket: pipe: %s", strerror(errno));
    goto done;
  }
  for (int i = 0; i < 2; i++) {
    fcntl(ws->wake[i], F_SETFD, FD_CLOEXEC);
    fcntl(ws->wake[i], F_SETFL, O_NONBLOCK);
  }
  int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : DEFAULT_TIMEOUT_MS);
  if ((rc = connect_tcp(ws, host, port, deadline)) < 0 ||
      (rc = handshake(ws, host, port, path, subprotocol, deadline)) < 0)
    goto done;
  *out = ws;
  ws = NULL;
done:
  ctrt__free(host);
  ctrt__free(port);
  ctrt__free(path);
  ctrt__ws_free(ws);
  return rc;
}

const char *ctrt__ws_subprotocol(const ctrt__ws *ws) { return ws->subprotocol; }
int ctrt__ws_close_status(const ctrt__ws *ws) { return ws->close_status; }
int ctrt__ws_fd(const ctrt__ws *ws) { return ws->fd; }
void ctrt__ws_set_idle_timeout(ctrt__ws *ws, long idle_ms) { ws->idle_ms = idle_ms; }
bool ctrt__ws_pending(const ctrt__ws *ws) { return ws->roff < ws->rlen; }

void ctrt__ws_cancel(ctrt__ws *ws) {
  if (ws == NULL)
    return;
  atomic_store(&ws->cancelled, true);
  ssize_t ignored = write(ws->wake[1], "x", 1);
  (void)ignored;
}

/* ---- Frames ---- */

static int send_frame(ctrt__ws *ws, int opcode, const void *data, size_t len) {
  uint8_t head[14];
  size_t h = 0;
  head[h++] = (uint8_t)(0x80 | opcode); /* FIN: messages are sent whole */
  if (len < 126) {
    head[h++] = (uint8_t)(0x80 | len);
  } else if (len <= 0xFFFF) {
    head[h++] = 0x80 | 126;
    head[h++] = (uint8_t)(len >> 8);
    head[h++] = (uint8_t)len;
  } else {
    head[h++] = 0x80 | 127;
    for (int i = 7; i >= 0; i--)
      head[h++] = (uint8_t)((uint64_t)len >> (8 * i));
  }
  uint8_t mask[4];
  if (getrandom(mask, sizeof mask, 0) != (ssize_t)sizeof mask)
    return ctrt__error_internal("%s: no random bytes for the frame mask", ws->what);
  memcpy(head + h, mask, 4);
  h += 4;
  pthread_mutex_lock(&ws->write_lock);
  int rc;
  if ((rc = send_all(ws, head, h, -1)) < 0)
    goto done;
  /* Masked in pieces, so memory stays bounded whatever the payload. */
  uint8_t piece[4096];
  for (size_t off = 0; off < len; off += sizeof piece) {
    size_t n = len - off < sizeof piece ? len - off : sizeof piece;
    for (size_t i = 0; i < n; i++)
      piece[i] = ((const uint8_t *)data)[off + i] ^ mask[(off + i) & 3];
    if ((rc = send_all(ws, piece, n, -1)) < 0)
      goto done;
  }
done:
  pthread_mutex_unlock(&ws->write_lock);
  return rc;
}

int ctrt__ws_send(ctrt__ws *ws, int opcode, const void *data, size_t len) {
  CTRT__CHECK_ARG(opcode == CTRT__WS_TEXT || opcode == CTRT__WS_BINARY || opcode == CTRT__WS_PING ||
                      opcode == CTRT__WS_PONG,
                  "WebSocket: cannot send opcode %d as a message", opcode);
  CTRT__CHECK_ARG((opcode != CTRT__WS_PING && opcode != CTRT__WS_PONG) || len <= 125,
                  "WebSocket: control frames carry at most 125 bytes");
  if (ws->close_sent)
    return ctrt__error_network("%s: the session is closed", ws->what);
  return send_frame(ws, opcode, data, len);
}

int ctrt__ws_close(ctrt__ws *ws, uint16_t status, const char *reason) {
  if (ws->close_sent)
    return 0;
  uint8_t payload[125];
  payload[0] = (uint8_t)(status >> 8);
  payload[1] = (uint8_t)status;
  size_t n = reason ? strlen(reason) : 0;
  if (n > sizeof payload - 2)
    n = sizeof payload - 2;
  for (size_t i = 0; i < n; i++) /* a close frame's reason has no NUL */
    payload[2 + i] = (uint8_t)reason[i];
  ws->close_sent = true;
  return send_frame(ws, CTRT__WS_CLOSE, payload, n + 2);
}

static int protocol_error(ctrt__ws *ws, const char *what) {
  /* 1002: protocol error; best effort, the session is over either way. */
  if (!ws->close_sent) {
    ws->close_sent = true;
    static const uint8_t payload[2] = {0x03, 0xEA};
    send_frame(ws, CTRT__WS_CLOSE, payload, 2);
  }
  ws->closed = true;
  return ctrt__error_network("%s: protocol error: %s", ws->what, what);
}

int ctrt__ws_recv(ctrt__ws *ws, int *opcode, uint8_t **data, size_t *len) {
  *opcode = 0;
  *data = NULL;
  *len = 0;
  if (ws->closed)
    return CTRT_ITEROVER;
  uint8_t *msg = NULL;
  size_t msg_len = 0;
  int msg_op = -1; /* no message in progress */
  int rc;
  for (;;) {
    uint8_t h[2] = {0}; /* the analyzer cannot see error setters return < 0 */
    rc = read_exact(ws, h, 2);
    if (rc == WS_EOF) { /* between messages: the end; inside one: a cut */
      ws->closed = true;
      if (msg_op < 0)
        return CTRT_ITEROVER;
      rc = ctrt__error_network("%s: the connection ended inside a fragmented message", ws->what);
    }
    if (rc < 0)
      break;
    bool fin = h[0] & 0x80;
    int op = h[0] & 0x0F;
    uint64_t plen = h[1] & 0x7F;
    if (h[0] & 0x70) {
      rc = protocol_error(ws, "reserved bits set (no extension was negotiated)");
      break;
    }
    if (h[1] & 0x80) {
      rc = protocol_error(ws, "a masked frame from the server");
      break;
    }
    if (plen >= 126) {
      uint8_t ext[8] = {0};
      size_t n = plen == 126 ? 2 : 8;
      if ((rc = read_in_frame(ws, ext, n)) < 0)
        break;
      plen = 0;
      for (size_t i = 0; i < n; i++)
        plen = plen << 8 | ext[i];
    }
    if (op >= 8) {
      if (!fin || plen > 125) {
        rc = protocol_error(ws, "a fragmented or long control frame");
        break;
      }
      uint8_t payload[126] = {0}; /* the analyzer cannot see read_in_frame fill it */
      if (plen > 0 && (rc = read_in_frame(ws, payload, (size_t)plen)) < 0)
        break;
      if (op == CTRT__WS_PING) {
        if (!ws->close_sent && (rc = send_frame(ws, CTRT__WS_PONG, payload, (size_t)plen)) < 0)
          break;
      } else if (op == CTRT__WS_CLOSE) {
        ws->close_status = plen >= 2 ? (payload[0] << 8 | payload[1]) : 1005;
        ws->closed = true;
        if (!ws->close_sent) {
          ws->close_sent = true;
          send_frame(ws, CTRT__WS_CLOSE, payload, plen >= 2 ? 2 : 0);
        }
        rc = msg_op < 0 ? CTRT_ITEROVER : ctrt__error_network("%s: closed inside a fragmented message", ws->what);
        break;
      } else if (op != CTRT__WS_PONG) {
        rc = protocol_error(ws, "unknown control opcode");
        break;
      }
      continue;
    }
    if (op == CTRT__WS_CONTINUATION ? msg_op < 0 : (op != CTRT__WS_TEXT && op != CTRT__WS_BINARY) || msg_op >= 0) {
      rc = protocol_error(ws, op > 2 ? "unknown data opcode" : "fragments out of order");
      break;
    }
    if (msg_op < 0)
      msg_op = op;
    if (plen > CTRT__WS_MAX_MESSAGE - msg_len) {
      rc = protocol_error(ws, "message larger than 16 MiB");
      break;
    }
    uint8_t *grown = ctrt__realloc(msg, msg_len + (size_t)plen + 1);
    if (grown == NULL) {
      rc = ctrt__error_no_memory();
      break;
    }
    msg = grown;
    if (plen > 0 && (rc = read_in_frame(ws, msg + msg_len, (size_t)plen)) < 0)
      break;
    msg_len += (size_t)plen;
    if (fin) {
      msg[msg_len] = '\0';
      *opcode = msg_op;
      *data = msg;
      *len = msg_len;
      return 0;
    }
  }
  ctrt__free(msg);
  return rc;
}

/* ---- Kubernetes channels ---- */

int ctrt__k8s_channel_write(ctrt__ws *ws, int channel, const void *data, size_t len) {
  CTRT__CHECK_ARG(channel >= 0 && channel <= 255 && len <= CTRT__WS_MAX_MESSAGE,
                  "WebSocket: bad channel %d or length %zu", channel, len);
  uint8_t *msg = ctrt__malloc(len + 1);
  CTRT__CHECK_ALLOC(msg);
  msg[0] = (uint8_t)channel;
  if (len)
    memcpy(msg + 1, data, len);
  int rc = ctrt__ws_send(ws, CTRT__WS_BINARY, msg, len + 1);
  ctrt__free(msg);
  return rc;
}

int ctrt__k8s_channel_read(ctrt__ws *ws, int *channel, uint8_t **data, size_t *len) {
  *channel = -1;
  *data = NULL;
  *len = 0;
  for (;;) {
    int op;
    uint8_t *msg;
    size_t n;
    int rc = ctrt__ws_recv(ws, &op, &msg, &n);
    if (rc < 0)
      return rc;
    /* The server opens each channel with a message of its byte alone. */
    if (n <= 1) {
      ctrt__free(msg);
      continue;
    }
    *channel = msg[0];
    memmove(msg, msg + 1, n - 1);
    msg[n - 1] = '\0';
    *data = msg;
    *len = n - 1;
    return 0;
  }
}

int ctrt__k8s_resize(ctrt__ws *ws, unsigned width, unsigned height) {
  char json[64];
  int n = snprintf(json, sizeof json, "{\"Width\":%u,\"Height\":%u}", width, height);
  return ctrt__k8s_channel_write(ws, CTRT__K8S_RESIZE, json, (size_t)n);
}

int ctrt__k8s_status_exit_code(const char *text, size_t len, int *exit_code) {
  *exit_code = -1;
  json_t *json = NULL;
  int rc = ctrt__json_parse(&json, text, len);
  if (rc < 0)
    return ctrt__error_wrap("exec status");
  const char *status = json_string_value(json_object_get(json, "status"));
  const char *reason = json_string_value(json_object_get(json, "reason"));
  const char *message = json_string_value(json_object_get(json, "message"));
  if (status != NULL && strcmp(status, "Success") == 0) {
    *exit_code = 0;
  } else if (reason != NULL && strcmp(reason, "NonZeroExitCode") == 0) {
    json_t *causes = json_object_get(json_object_get(json, "details"), "causes");
    size_t i;
    json_t *cause;
    json_array_foreach(causes, i, cause) {
      const char *r = json_string_value(json_object_get(cause, "reason"));
      const char *m = json_string_value(json_object_get(cause, "message"));
      char *end = NULL;
      long code = m ? strtol(m, &end, 10) : -1;
      if (r && strcmp(r, "ExitCode") == 0 && end && end != m && *end == '\0' && code >= 0 && code <= 255)
        *exit_code = (int)code;
    }
    if (*exit_code < 0)
      rc = ctrt__error_internal("exec status NonZeroExitCode without an ExitCode cause: %s",
                                message ? message : "no message");
  } else {
    rc = ctrt__error_internal("exec failed: %s", message ? message : (reason ? reason : "no status message"));
  }
  json_decref(json);
  return rc;
}
