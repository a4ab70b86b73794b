/*
 * WebSocket frames and the Kubernetes v4 channel demux
 * (runtime/transport/websocket.c) over arbitrary read splits.
 *
 * websocket.c is compiled into this target with its socket calls (recv,
 * send) and getrandom replaced by the fakes below: what the "server" sends
 * is the fuzz input, handed out in reads whose sizes the first bytes
 * choose; what the client sends (pongs, close frames) is recorded. The real
 * parsing code runs unchanged.
 *
 * Input: 1 mode byte (bit 0: the input starts with the HTTP upgrade answer,
 * which the handshake reads; bit 1: the handshake asks for
 * v4.channel.k8s.io), up to 8 split-control bytes, then the server's bytes.
 *
 * Properties: read whole or split, the handshake verdict, the messages
 * (opcode, bytes), the ending (code, error kind, close status) and the
 * frames sent back (unmasked) are the same; every message is NUL-terminated
 * and within the 16 MiB limit; the channel reader yields exactly the data
 * messages of two or more bytes, split into channel byte and payload, with
 * the same ending.
 */
#include "fuzz_support.h"

/* Everything websocket.c includes, before the fakes rename its calls. */
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

static ssize_t fake_recv(int fd, void *buf, size_t cap, int flags);
static ssize_t fake_send(int fd, const void *buf, size_t len, int flags);
static ssize_t fake_getrandom(void *buf, size_t len, unsigned flags);
#define recv fake_recv
#define send fake_send
#define getrandom fake_getrandom
#include "transport/websocket.c"
#undef recv
#undef send
#undef getrandom

const char ctrt_fuzz_target_name[] = "websocket";

typedef ctrt_fuzz_transcript transcript;
#define put ctrt_fuzz_put
#define put_u64 ctrt_fuzz_put_u64

/* The peer: the server's bytes, handed out in chunks; the client's bytes. */
static struct {
  const uint8_t *data;
  size_t len, off;
  ctrt_fuzz_splitter *split; /* NULL: everything at once */
  transcript sent;
} peer;

static ssize_t fake_recv(int fd, void *buf, size_t cap, int flags) {
  (void)fd;
  (void)flags;
  size_t left = peer.len - peer.off;
  size_t n = peer.split ? ctrt_fuzz_splitter_next(peer.split, left) : left;
  if (n > cap)
    n = cap;
  memcpy(buf, peer.data + peer.off, n);
  peer.off += n;
  return (ssize_t)n;
}

static ssize_t fake_send(int fd, const void *buf, size_t len, int flags) {
  (void)fd;
  (void)flags;
  put(&peer.sent, buf, len);
  return (ssize_t)len;
}

/* Fixed "random" bytes: the handshake key is then known, so a seed can
 * carry its Sec-WebSocket-Accept (base64 of 16 zero bytes, hashed). */
static ssize_t fake_getrandom(void *buf, size_t len, unsigned flags) {
  (void)flags;
  memset(buf, 0, len);
  return (ssize_t)len;
}

/* The client's frames, unmasked: opcode and payload each. */
static void client_frames(const transcript *sent, transcript *out) {
  size_t off = 0;
  while (off < sent->len) {
    const uint8_t *p = sent->bytes + off;
    CTRT_FUZZ_CHECK(sent->len - off >= 6 && (p[0] & 0x80) && (p[1] & 0x80));
    size_t h = 2;
    uint64_t plen = p[1] & 0x7F;
    if (plen == 126) {
      plen = (uint64_t)p[2] << 8 | p[3];
      h = 4;
    } else if (plen == 127) {
      plen = 0;
      for (int i = 0; i < 8; i++)
        plen = plen << 8 | p[2 + i];
      h = 10;
    }
    CTRT_FUZZ_CHECK(sent->len - off >= h + 4 && sent->len - off - h - 4 >= plen);
    const uint8_t *mask = p + h;
    put_u64(out, p[0] & 0x0F);
    put_u64(out, plen);
    for (uint64_t i = 0; i < plen; i++) {
      uint8_t b = p[h + 4 + i] ^ mask[i & 3];
      put(out, &b, 1);
    }
    off += h + 4 + (size_t)plen;
  }
}

static ctrt__ws *new_ws(void) {
  ctrt__ws *ws = calloc(1, sizeof *ws);
  CTRT_FUZZ_CHECK(ws != NULL);
  ws->fd = ws->wake[0] = ws->wake[1] = -1; /* no real descriptors: recv/send are the fakes */
  atomic_init(&ws->cancelled, false);
  pthread_mutex_init(&ws->write_lock, NULL);
  snprintf(ws->what, sizeof ws->what, "WebSocket fuzz");
  return ws;
}

#define TAG_MESSAGE 0x4d657373u
#define TAG_END 0x456e64u

static void put_end(transcript *t, ctrt__ws *ws, int rc) {
  put_u64(t, TAG_END);
  put_u64(t, (uint64_t)(int64_t)rc);
  put_u64(t, rc < 0 ? (uint64_t)ctrt_error_last()->kind : 0);
  put_u64(t, (uint64_t)ws->close_status);
}

/* One session over the input: the handshake (mode bit 0), then messages
 * until the end, or channel reads (channels). */
static void session(transcript *t, uint8_t mode, const uint8_t *data, size_t size, ctrt_fuzz_splitter *split,
                    bool channels) {
  memset(&peer, 0, sizeof peer);
  peer.data = data;
  peer.len = size;
  peer.split = split;
  ctrt__ws *ws = new_ws();
  int rc = 0;
  if (mode & 1) {
    rc = handshake(ws, "127.0.0.1", "10010", "/exec/fuzz", (mode & 2) ? CTRT__K8S_SUBPROTOCOL_V4 : NULL, -1);
    put_u64(t, (uint64_t)(int64_t)rc);
    if (rc < 0)
      put_u64(t, (uint64_t)ctrt_error_last()->kind);
    CTRT_FUZZ_CHECK(rc < 0 || ws->roff <= ws->rlen);
    peer.sent.len = 0; /* the upgrade request, not frames */
  }
  while (rc == 0) {
    uint8_t *msg = NULL;
    size_t len = 0;
    int kind;
    if (channels) {
      rc = ctrt__k8s_channel_read(ws, &kind, &msg, &len);
      CTRT_FUZZ_CHECK(rc < 0 || (kind >= 0 && kind <= 255 && len > 0));
    } else {
      rc = ctrt__ws_recv(ws, &kind, &msg, &len);
      CTRT_FUZZ_CHECK(rc < 0 || kind == CTRT__WS_TEXT || kind == CTRT__WS_BINARY);
      CTRT_FUZZ_CHECK(len <= CTRT__WS_MAX_MESSAGE);
    }
    if (rc < 0) {
      CTRT_FUZZ_CHECK(msg == NULL && len == 0);
      break;
    }
    CTRT_FUZZ_CHECK(msg != NULL && msg[len] == '\0');
    put_u64(t, TAG_MESSAGE);
    if (channels) {
      put_u64(t, 2); /* a channel message reads as the binary message it came in */
      put_u64(t, len + 1);
      uint8_t ch = (uint8_t)kind;
      put(t, &ch, 1);
    } else {
      put_u64(t, (uint64_t)kind);
      put_u64(t, len);
    }
    put(t, msg, len);
    ctrt__free(msg);
  }
  put_end(t, ws, rc);
  /* After the end, reading again ends again (closed) or fails again. */
  if (rc == CTRT_ITEROVER) {
    int op;
    uint8_t *msg;
    size_t len;
    CTRT_FUZZ_CHECK(ctrt__ws_recv(ws, &op, &msg, &len) == CTRT_ITEROVER);
  }
  client_frames(&peer.sent, t);
  free(peer.sent.bytes);
  ctrt__ws_free(ws);
}

/* Drop the data messages of one byte or less from a ws_recv transcript,
 * and text opcodes read as binary: what the channel reader yields. */
static void as_channels(const transcript *in, uint8_t mode, transcript *out) {
  size_t off = 0;
  if (mode & 1) {
    uint64_t rc;
    memcpy(&rc, in->bytes, 8);
    put(out, in->bytes, (int64_t)rc < 0 ? 16 : 8);
    off = (int64_t)rc < 0 ? 16 : 8;
    if ((int64_t)rc < 0) {
      put(out, in->bytes + off, in->len - off);
      return;
    }
  }
  for (;;) {
    uint64_t tag, len;
    memcpy(&tag, in->bytes + off, 8);
    if (tag != TAG_MESSAGE)
      break; /* the ending: code, kind, close status, frames */
    memcpy(&len, in->bytes + off + 16, 8);
    if (len > 1) {
      put_u64(out, TAG_MESSAGE);
      put_u64(out, 2);
      put(out, in->bytes + off + 16, 8 + (size_t)len);
    }
    off += 24 + (size_t)len;
  }
  put(out, in->bytes + off, in->len - off);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t mode;
  ctrt_fuzz_splitter split;
  if (!ctrt_fuzz_take_mode(&data, &size, 256 * 1024, &mode, &split))
    return 0;
  transcript whole = {0}, pieces = {0}, chans = {0}, expected = {0};
  session(&whole, mode, data, size, NULL, false);
  split.next = 0;
  session(&pieces, mode, data, size, &split, false);
  CTRT_FUZZ_CHECK(ctrt_fuzz_transcripts_equal(&whole, &pieces));
  split.next = 0;
  session(&chans, mode, data, size, &split, true);
  as_channels(&whole, mode, &expected);
  CTRT_FUZZ_CHECK(ctrt_fuzz_transcripts_equal(&chans, &expected));
  free(whole.bytes);
  free(pieces.bytes);
  free(chans.bytes);
  free(expected.bytes);
  return 0;
}
