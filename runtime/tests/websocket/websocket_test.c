/* The WebSocket client against a scripted server thread on 127.0.0.1: the
 * handshake (accept key, subprotocol, refusals), client masking, extended
 * lengths, fragmented messages with control frames between the fragments,
 * ping/pong, close in both directions, protocol violations, and the
 * Kubernetes v4 channels (channel-byte-only messages, status, resize). */
#include "test_support.h"
#include "transport/websocket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- the scripted server ---- */

typedef struct server server;
typedef void (*script_fn)(server *s, int fd);

struct server {
  int listen_fd;
  int port;
  pthread_t thread;
  script_fn script;
  const char *handshake; /* NULL: a correct 101 with the asked subprotocol */
  char request[4096];
  /* what the script observed, asserted by the test after the join */
  bool ok;
  char note[256];
};

static void write_all(int fd, const void *data, size_t len) {
  const uint8_t *p = data;
  while (len > 0) {
    ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
    if (n <= 0)
      return;
    p += n;
    len -= (size_t)n;
  }
}

static bool read_all(int fd, void *buf, size_t len) {
  uint8_t *p = buf;
  while (len > 0) {
    ssize_t n = recv(fd, p, len, 0);
    if (n <= 0)
      return false;
    p += n;
    len -= (size_t)n;
  }
  return true;
}

/* A server frame (unmasked unless masked is set, which is a violation). */
static void frame(int fd, bool fin, int op, const void *data, size_t len, bool masked) {
  uint8_t h[14];
  size_t n = 0;
  h[n++] = (uint8_t)((fin ? 0x80 : 0) | op);
  uint8_t m = masked ? 0x80 : 0;
  if (len < 126) {
    h[n++] = (uint8_t)(m | len);
  } else if (len <= 0xFFFF) {
    h[n++] = m | 126;
    h[n++] = (uint8_t)(len >> 8);
    h[n++] = (uint8_t)len;
  } else {
    h[n++] = m | 127;
    for (int i = 7; i >= 0; i--)
      h[n++] = (uint8_t)((uint64_t)len >> (8 * i));
  }
  if (masked) {
    memset(h + n, 0, 4);
    n += 4;
  }
  write_all(fd, h, n);
  write_all(fd, data, len);
}

/* A client frame: must be masked; returns the opcode (-1 on EOF or an
 * unmasked frame), payload unmasked into a new buffer. */
static int client_frame(int fd, bool *fin, uint8_t **payload, size_t *len) {
  uint8_t h[2];
  *payload = NULL;
  if (!read_all(fd, h, 2))
    return -1;
  *fin = h[0] & 0x80;
  if (!(h[1] & 0x80))
    return -1;
  uint64_t plen = h[1] & 0x7F;
  if (plen >= 126) {
    uint8_t ext[8];
    size_t n = plen == 126 ? 2 : 8;
    if (!read_all(fd, ext, n))
      return -1;
    plen = 0;
    for (size_t i = 0; i < n; i++)
      plen = plen << 8 | ext[i];
  }
  uint8_t mask[4];
  if (!read_all(fd, mask, 4))
    return -1;
  *payload = malloc(plen + 1);
  if (!read_all(fd, *payload, plen))
    return -1;
  (*payload)[plen] = '\0';
  for (size_t i = 0; i < plen; i++)
    (*payload)[i] ^= mask[i & 3];
  *len = plen;
  return h[0] & 0x0F;
}

/* The request head, byte by byte so nothing after it is consumed. */
static void read_head(int fd, char *buf, size_t cap) {
  size_t used = 0;
  buf[0] = '\0';
  while (used < cap - 1 && strstr(buf, "\r\n\r\n") == NULL) {
    if (recv(fd, buf + used, 1, 0) <= 0)
      break;
    buf[++used] = '\0';
  }
}

static const char *key_of(const char *request, char *buf, size_t cap) {
  const char *k = strstr(request, "Sec-WebSocket-Key: ");
  if (k == NULL)
    return NULL;
  k += strlen("Sec-WebSocket-Key: ");
  size_t n = strcspn(k, "\r");
  snprintf(buf, cap, "%.*s", (int)(n < cap ? n : cap - 1), k);
  return buf;
}

/* Sec-WebSocket-Accept for a key, by the server's own SHA-1 (checked
 * against RFC 6455's example in test_accept_vector). */
static void accept_for(const char *key, char *out, size_t cap);

static void *server_main(void *arg) {
  server *s = arg;
  int fd = accept(s->listen_fd, NULL, NULL);
  if (fd < 0)
    return NULL;
  read_head(fd, s->request, sizeof s->request);
  if (s->handshake != NULL) {
    /* A scripted answer, then the end of the server's side. */
    write_all(fd, s->handshake, strlen(s->handshake));
    shutdown(fd, SHUT_WR);
  } else {
    char key[64], accept_value[64], head[512];
    accept_for(key_of(s->request, key, sizeof key), accept_value, sizeof accept_value);
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n",
                     accept_value);
    write_all(fd, head, (size_t)n);
  }
  if (s->script)
    s->script(s, fd);
  /* Wait for the client to go away, then close. */
  char buf[256];
  while (recv(fd, buf, sizeof buf, 0) > 0)
    ;
  close(fd);
  return NULL;
}

static server *start(script_fn script, const char *handshake) {
  server *s = calloc(1, sizeof *s);
  s->script = script;
  s->handshake = handshake;
  s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof a;
  CU_ASSERT_EQUAL_FATAL(bind(s->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
  getsockname(s->listen_fd, (struct sockaddr *)&a, &alen);
  s->port = ntohs(a.sin_port);
  listen(s->listen_fd, 1);
  pthread_create(&s->thread, NULL, server_main, s);
  return s;
}

static char *url_of(const server *s) {
  static char url[128];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/exec/tok3n?x=1", s->port);
  return url;
}

/* Free the client, join the server; whether its script's checks held. */
static bool finish(server *s, ctrt__ws *ws) {
  ctrt__ws_free(ws);
  pthread_join(s->thread, NULL);
  close(s->listen_fd);
  bool ok = s->ok;
  if (!ok && s->note[0])
    fprintf(stderr, "\nserver: %s\n", s->note);
  free(s);
  return ok;
}

/* SHA-1 reference for the server side (independent of the client's). */
static void sha1_ref(const uint8_t *msg, size_t len, uint8_t out[20]) {
  uint32_t h0 = 0x67452301, h1 = 0xEFCDAB89, h2 = 0x98BADCFE, h3 = 0x10325476, h4 = 0xC3D2E1F0;
  size_t total = ((len + 8) / 64 + 1) * 64;
  uint8_t *m = calloc(1, total);
  memcpy(m, msg, len);
  m[len] = 0x80;
  for (int i = 0; i < 8; i++)
    m[total - 1 - i] = (uint8_t)(((uint64_t)len * 8) >> (8 * i));
  for (size_t off = 0; off < total; off += 64) {
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
      w[i] = (uint32_t)m[off + 4 * i] << 24 | (uint32_t)m[off + 4 * i + 1] << 16 | (uint32_t)m[off + 4 * i + 2] << 8 |
             m[off + 4 * i + 3];
    for (int i = 16; i < 80; i++) {
      uint32_t v = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16];
      w[i] = v << 1 | v >> 31;
    }
    uint32_t a = h0, b = h1, c = h2, d = h3, e = h4;
    for (int i = 0; i < 80; i++) {
      uint32_t f = i < 20   ? ((b & c) | (~b & d))
                   : i < 40 ? (b ^ c ^ d)
                   : i < 60 ? ((b & c) | (b & d) | (c & d))
                            : (b ^ c ^ d);
      uint32_t k = i < 20 ? 0x5A827999 : i < 40 ? 0x6ED9EBA1 : i < 60 ? 0x8F1BBCDC : 0xCA62C1D6;
      uint32_t t = (a << 5 | a >> 27) + f + e + k + w[i];
      e = d;
      d = c;
      c = b << 30 | b >> 2;
      b = a;
      a = t;
    }
    h0 += a;
    h1 += b;
    h2 += c;
    h3 += d;
    h4 += e;
  }
  free(m);
  uint32_t hs[5] = {h0, h1, h2, h3, h4};
  for (int i = 0; i < 20; i++)
    out[i] = (uint8_t)(hs[i / 4] >> (24 - 8 * (i % 4)));
}

static void accept_for(const char *key, char *out, size_t cap) {
  static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char input[128];
  snprintf(input, sizeof input, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key ? key : "");
  uint8_t d[21] = {0};
  sha1_ref((const uint8_t *)input, strlen(input), d);
  size_t o = 0;
  for (int i = 0; i < 21 && o + 4 < cap; i += 3) {
    uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
    out[o++] = b64[v >> 18 & 63];
    out[o++] = b64[v >> 12 & 63];
    out[o++] = i + 1 < 20 ? b64[v >> 6 & 63] : '=';
    out[o++] = i + 2 < 20 ? b64[v & 63] : '=';
  }
  out[o] = '\0';
}

/* ---- tests ---- */

static void test_accept_vector(void) {
  char out[64];
  accept_for("dGhlIHNhbXBsZSBub25jZQ==", out, sizeof out);
  ASSERT_STR(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="); /* RFC 6455 section 1.3 */
}

/* Echo the client's frames back, checking they are masked. */
static void echo_script(server *s, int fd) {
  s->ok = true;
  for (int i = 0; i < 3; i++) {
    bool fin;
    uint8_t *p;
    size_t len;
    int op = client_frame(fd, &fin, &p, &len);
    if (op < 0 || !fin) {
      s->ok = false;
      free(p);
      return;
    }
    frame(fd, true, op, p, len, false);
    free(p);
  }
}

static void test_handshake_and_echo(void) {
  server *s = start(echo_script, NULL);
  ctrt__ws *ws = NULL;
  ASSERT_OK(ctrt__ws_connect(&ws, url_of(s), CTRT__K8S_SUBPROTOCOL_V4, 0));
  ASSERT_STR(ctrt__ws_subprotocol(ws), "v4.channel.k8s.io");
  CU_ASSERT_PTR_NOT_NULL(strstr(s->request, "GET /exec/tok3n?x=1 HTTP/1.1\r\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s->request, "Upgrade: websocket\r\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s->request, "Sec-WebSocket-Version: 13\r\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(s->request, "Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n"));

  ASSERT_OK(ctrt__k8s_channel_write(ws, CTRT__K8S_STDIN, "hello", 5));
  int ch;
  uint8_t *data;
  size_t len;
  ASSERT_OK(ctrt__k8s_channel_read(ws, &ch, &data, &len));
  CU_ASSERT_EQUAL(ch, 0);
  CU_ASSERT_EQUAL(len, 5);
  CU_ASSERT_EQUAL(memcmp(data, "hello", 5), 0);
  free(data);

  /* 16-bit and 64-bit lengths both ways. */
  size_t sizes[] = {300, 70000};
  for (int i = 0; i < 2; i++) {
    uint8_t *big = malloc(sizes[i]);
    for (size_t j = 0; j < sizes[i]; j++)
      big[j] = (uint8_t)(j * 31 + i);
    ASSERT_OK(ctrt__ws_send(ws, CTRT__WS_BINARY, big, sizes[i]));
    int op;
    ASSERT_OK(ctrt__ws_recv(ws, &op, &data, &len));
    CU_ASSERT_EQUAL(op, CTRT__WS_BINARY);
    CU_ASSERT_EQUAL(len, sizes[i]);
    CU_ASSERT_EQUAL(memcmp(data, big, sizes[i]), 0);
    free(data);
    free(big);
  }
  CU_ASSERT_TRUE(finish(s, ws));
}

/* A fragmented stdout message with a ping and an empty pong between its
 * fragments, a channel-byte-only message first, then stderr. The server
 * expects the pong for its ping. */
static void fragments_script(server *s, int fd) {
  frame(fd, true, CTRT__WS_BINARY, "\x01", 1, false);
  frame(fd, false, CTRT__WS_BINARY, "\x01hel", 4, false);
  frame(fd, true, CTRT__WS_PING, "p1", 2, false);
  frame(fd, false, CTRT__WS_CONTINUATION, "lo", 2, false);
  frame(fd, true, CTRT__WS_PONG, "", 0, false);
  frame(fd, true, CTRT__WS_CONTINUATION, " world", 6, false);
  frame(fd, true, CTRT__WS_BINARY, "\x02oops", 5, false);
  bool fin;
  uint8_t *p;
  size_t len;
  int op = client_frame(fd, &fin, &p, &len);
  s->ok = op == CTRT__WS_PONG && fin && len == 2 && memcmp(p, "p1", 2) == 0;
  free(p);
  /* Then a close with a reason; the client must answer with a close. */
  frame(fd, true, CTRT__WS_CLOSE,
        "\x03\xe8"
        "bye",
        5, false);
  op = client_frame(fd, &fin, &p, &len);
  if (!(op == CTRT__WS_CLOSE && len == 2 && p[0] == 0x03 && p[1] == 0xe8)) {
    s->ok = false;
    snprintf(s->note, sizeof s->note, "no close echo (op %d, len %zu)", op, len);
  }
  free(p);
}

static void test_fragments_and_control(void) {
  server *s = start(fragments_script, NULL);
  ctrt__ws *ws = NULL;
  ASSERT_OK(ctrt__ws_connect(&ws, url_of(s), CTRT__K8S_SUBPROTOCOL_V4, 0));
  int ch;
  uint8_t *data;
  size_t len;
  ASSERT_OK(ctrt__k8s_channel_read(ws, &ch, &data, &len));
  CU_ASSERT_EQUAL(ch, CTRT__K8S_STDOUT);
  ASSERT_STR((char *)data, "hello world");
  free(data);
  ASSERT_OK(ctrt__k8s_channel_read(ws, &ch, &data, &len));
  CU_ASSERT_EQUAL(ch, CTRT__K8S_STDERR);
  ASSERT_STR((char *)data, "oops");
  free(data);
  CU_ASSERT_EQUAL(ctrt__k8s_channel_read(ws, &ch, &data, &len), CTRT_ITEROVER);
  CU_ASSERT_EQUAL(ctrt__ws_close_status(ws), 1000);
  CU_ASSERT_EQUAL(ctrt__k8s_channel_read(ws, &ch, &data, &len), CTRT_ITEROVER);
  CU_ASSERT_TRUE(finish(s, ws));
}

/* The client closes: the server sees a masked close frame with the code. */
static void client_close_script(server *s, int fd) {
  bool fin;
  uint8_t *p;
  size_t len;
  int op = client_frame(fd, &fin, &p, &len);
  s->ok = op == CTRT__WS_CLOSE && len == 6 && p[0] == 0x03 && p[1] == 0xe8 && memcmp(p + 2, "done", 4) == 0;
  free(p);
  frame(fd, true, CTRT__WS_CLOSE, "\x03\xe8", 2, false);
}

static void test_client_close(void) {
  server *s = start(client_close_script, NULL);
  ctrt__ws *ws = NULL;
  ASSERT_OK(ctrt__ws_connect(&ws, url_of(s), NULL, 0));
  ASSERT_OK(ctrt__ws_close(ws, 1000, "done"));
  ASSERT_OK(ctrt__ws_close(ws, 1000, "again")); /* once only */
  ASSERT_FAILS_WITH(ctrt__ws_send(ws, CTRT__WS_TEXT, "x", 1), CTRT_ERROR_NETWORK);
  int op;
  uint8_t *data;
  size_t len;
  CU_ASSERT_EQUAL(ctrt__ws_recv(ws, &op, &data, &len), CTRT_ITEROVER);
  CU_ASSERT_EQUAL(ctrt__ws_close_status(ws), 1000);
  CU_ASSERT_TRUE(finish(s, ws));
}

static void status_script(server *s, int fd) {
  (void)s;
  static const char fail[] =
      "\x03{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero "
      "exit code: error executing command [sh -c exit 7], exit code 7\",\"reason\":"
      "\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"7\"}]}}";
  frame(fd, true, CTRT__WS_BINARY, fail, sizeof fail - 1, false);
  static const char ok[] = "\x03{\"metadata\":{},\"status\":\"Success\"}";
  frame(fd, true, CTRT__WS_BINARY, ok, sizeof ok - 1, false);
  bool fin;
  uint8_t *p;
  size_t len;
  int op = client_frame(fd, &fin, &p, &len);
  s->ok = op == CTRT__WS_BINARY && len > 1 && p[0] == CTRT__K8S_RESIZE &&
          strcmp((char *)p + 1, "{\"Width\":101,\"Height\":33}") == 0;
  if (!s->ok && p)
    snprintf(s->note, sizeof s->note, "resize: %.*s", (int)len, (char *)p);
  free(p);
}

static void test_status_and_resize(void) {
  server *s = start(status_script, NULL);
  ctrt__ws *ws = NULL;
  ASSERT_OK(ctrt__ws_connect(&ws, url_of(s), CTRT__K8S_SUBPROTOCOL_V4, 0));
  int ch, code;
  uint8_t *data;
  size_t len;
  ASSERT_OK(ctrt__k8s_channel_read(ws, &ch, &data, &len));
  CU_ASSERT_EQUAL(ch, CTRT__K8S_ERROR);
  ASSERT_OK(ctrt__k8s_status_exit_code((char *)data, len, &code));
  CU_ASSERT_EQUAL(code, 7);
  free(data);
  ASSERT_OK(ctrt__k8s_channel_read(ws, &ch, &data, &len));
  ASSERT_OK(ctrt__k8s_status_exit_code((char *)data, len, &code));
  CU_ASSERT_EQUAL(code, 0);
  free(data);
  ASSERT_OK(ctrt__k8s_resize(ws, 101, 33));
  const char *bad = "{\"status\":\"Failure\",\"message\":\"container not running\",\"reason\":\"InternalError\"}";
  ASSERT_FAILS_WITH(ctrt__k8s_status_exit_code(bad, strlen(bad), &code), CTRT_ERROR_INTERNAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "container not running"));
  ASSERT_FAILS_WITH(ctrt__k8s_status_exit_code("{", 1, &code), CTRT_ERROR_INVALID_ARGUMENT);
  CU_ASSERT_TRUE(finish(s, ws));
}

/* Violations: each script sends one; the client reports a network error. */
static void masked_script(server *s, int fd) {
  (void)s;
  frame(fd, true, CTRT__WS_BINARY, "\x01x", 2, true);
}
static void reserved_script(server *s, int fd) {
  (void)s;
  write_all(fd, "\xc2\x01x", 3); /* RSV1 without an extension */
}
static void orphan_continuation_script(server *s, int fd) {
  (void)s;
  frame(fd, true, CTRT__WS_CONTINUATION, "x", 1, false);
}
static void long_ping_script(server *s, int fd) {
  (void)s;
  static uint8_t big[200];
  frame(fd, true, CTRT__WS_PING, big, sizeof big, false);
}
static void cut_script(server *s, int fd) {
  (void)s;
  write_all(fd, "\x82\x7e\x01\x00partial", 11); /* 256 bytes announced */
  shutdown(fd, SHUT_WR);
}
static void cut_fragmented_script(server *s, int fd) {
  (void)s;
  frame(fd, false, CTRT__WS_BINARY, "\x01half", 5, false);
  shutdown(fd, SHUT_WR);
}

static void expect_violation(script_fn script, const char *in_message) {
  server *s = start(script, NULL);
  ctrt__ws *ws = NULL;
  ASSERT_OK(ctrt__ws_connect(&ws, url_of(s), NULL, 0));
  int op;
  uint8_t *data = NULL;
  size_t len;
  ASSERT_FAILS_WITH(ctrt__ws_recv(ws, &op, &data, &len), CTRT_ERROR_NETWORK);
  CU_ASSERT_PTR_NULL(data);
  if (strstr(ctrt_error_last()->message, in_message) == NULL)
    fprintf(stderr, "\nmessage \"%s\" lacks \"%s\"\n", ctrt_error_last()->message, in_message);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, in_message));
  /* The token in the URL stays out of messages. */
  CU_ASSERT_PTR_NULL(strstr(ctrt_error_last()->message, "tok3n"));
  finish(s, ws);
}

static void test_violations(void) {
  expect_violation(masked_script, "masked frame");
  expect_violation(reserved_script, "reserved bits");
  expect_violation(orphan_continuation_script, "out of order");
  expect_violation(long_ping_script, "control frame");
  expect_violation(cut_script, "inside a frame");
  expect_violation(cut_fragmented_script, "inside a fragmented message");
}

static void expect_refused(const char *handshake, const char *subprotocol, ctrt_error_kind kind,
                           const char *in_message) {
  server *s = start(NULL, handshake);
  ctrt__ws *ws = (ctrt__ws *)1;
  ASSERT_FAILS_WITH(ctrt__ws_connect(&ws, url_of(s), subprotocol, 0), kind);
  CU_ASSERT_PTR_NULL(ws);
  if (strstr(ctrt_error_last()->message, in_message) == NULL)
    fprintf(stderr, "\nmessage \"%s\" lacks \"%s\"\n", ctrt_error_last()->message, in_message);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, in_message));
  finish(s, NULL);
}

static void test_handshake_failures(void) {
  expect_refused("HTTP/1.1 404 Not Found\r\nContent-Length: 24\r\n\r\nunknown stream id \"tok\"\n", NULL,
                 CTRT_ERROR_NOT_FOUND, "upgrade refused with HTTP 404: unknown stream id");
  expect_refused("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: d3Jvbmc=\r\n\r\n",
                 NULL, CTRT_ERROR_NETWORK, "wrong Sec-WebSocket-Accept");
  expect_refused("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", NULL, CTRT_ERROR_NETWORK,
                 "without Upgrade: websocket");
  expect_refused("SSH-2.0-OpenSSH\r\n\r\n", NULL, CTRT_ERROR_NETWORK, "not an HTTP response");
  expect_refused("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n", NULL, CTRT_ERROR_NETWORK, "during the handshake");

  ctrt__ws *ws = NULL;
  ASSERT_FAILS_WITH(ctrt__ws_connect(&ws, "https://127.0.0.1:1/x", NULL, 0), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt__ws_connect(&ws, "http://127.0.0.1:port/x", NULL, 0), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt__ws_connect(&ws, "http://127.0.0.1:1/x", NULL, 0), CTRT_ERROR_NETWORK);
}

/* The server picks no subprotocol though one was asked for. */
static void *no_protocol_server(void *arg) {
  server *s = arg;
  int fd = accept(s->listen_fd, NULL, NULL);
  read_head(fd, s->request, sizeof s->request);
  char key[64], acc[64], head[512];
  accept_for(key_of(s->request, key, sizeof key), acc, sizeof acc);
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Accept: %s\r\n\r\n",
                   acc);
  write_all(fd, head, (size_t)n);
  char buf[64];
  while (recv(fd, buf, sizeof buf, 0) > 0)
    ;
  close(fd);
  return NULL;
}

static void test_subprotocol_refused(void) {
  server *s = calloc(1, sizeof *s);
  s->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof a;
  bind(s->listen_fd, (struct sockaddr *)&a, sizeof a);
  getsockname(s->listen_fd, (struct sockaddr *)&a, &alen);
  s->port = ntohs(a.sin_port);
  listen(s->listen_fd, 1);
  pthread_create(&s->thread, NULL, no_protocol_server, s);
  ctrt__ws *ws = NULL;
  ASSERT_FAILS_WITH(ctrt__ws_connect(&ws, url_of(s), CTRT__K8S_SUBPROTOCOL_V4, 0), CTRT_ERROR_NETWORK);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "did not accept subprotocol v4.channel.k8s.io"));
  finish(s, NULL);
}

/* A reader blocked on a silent server wakes up when another thread cancels. */
static void silent_script(server *s, int fd) {
  (void)s;
  (void)fd;
}
static void *cancel_soon(void *arg) {
  ctrt__ws_cancel(arg);
  return NULL;
}

static void test_cancel(void) {
  server *s = start(silent_script, NULL);
  ctrt__ws *ws = NULL;
  ASSERT_OK(ctrt__ws_connect(&ws, url_of(s), NULL, 0));
  pthread_t t;
  pthread_create(&t, NULL, cancel_soon, ws);
  int op;
  uint8_t *data;
  size_t len;
  ASSERT_FAILS_WITH(ctrt__ws_recv(ws, &op, &data, &len), CTRT_ERROR_CANCELLED);
  pthread_join(t, NULL);
  finish(s, ws);
}

/* With an idle limit, a read on a silent server ends by itself: the
 * timeout names stream_idle_timeout_ms; the session stays usable for a
 * cancel and a free. */
static void test_idle_timeout(void) {
  server *s = start(silent_script, NULL);
  ctrt__ws *ws = NULL;
  ASSERT_OK(ctrt__ws_connect(&ws, url_of(s), NULL, 0));
  ctrt__ws_set_idle_timeout(ws, 200);
  int op;
  uint8_t *data = NULL;
  size_t len = 7;
  ASSERT_FAILS_WITH(ctrt__ws_recv(ws, &op, &data, &len), CTRT_ERROR_TIMEOUT);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "stream_idle_timeout_ms"));
  CU_ASSERT_PTR_NULL(data);
  CU_ASSERT_EQUAL(len, 0);
  int ch;
  ASSERT_FAILS_WITH(ctrt__k8s_channel_read(ws, &ch, &data, &len), CTRT_ERROR_TIMEOUT);
  finish(s, ws);
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("websocket", NULL, NULL);
  CU_add_test(s, "accept key (RFC 6455 vector)", test_accept_vector);
  CU_add_test(s, "handshake, masking, extended lengths", test_handshake_and_echo);
  CU_add_test(s, "fragments with control frames between, close", test_fragments_and_control);
  CU_add_test(s, "client close", test_client_close);
  CU_add_test(s, "k8s status channel and resize", test_status_and_resize);
  CU_add_test(s, "protocol violations", test_violations);
  CU_add_test(s, "handshake failures", test_handshake_failures);
  CU_add_test(s, "subprotocol refused", test_subprotocol_refused);
  CU_add_test(s, "cancel", test_cancel);
  CU_add_test(s, "idle timeout against a silent server", test_idle_timeout);
}
