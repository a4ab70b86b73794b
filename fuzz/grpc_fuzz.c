/*
 * gRPC response framing and trailers (runtime/transport/grpc.c): the
 * 5-byte length-prefixed messages of a server-streaming call, the status
 * line, content-type, grpc-status and percent-encoded grpc-message.
 *
 * grpc.c is compiled into this target with the libcurl calls that drive a
 * transfer (curl_multi_perform, _info_read, _poll, curl_easy_pause)
 * replaced by a fake transfer: it hands grpc.c's own header and body
 * callbacks the response in the input, in chunks whose sizes the input
 * chooses (never more than CURL_MAX_WRITE_SIZE at once, as libcurl), and
 * honours a paused transfer as libcurl does. The parsing code runs
 * unchanged.
 *
 * Input: 1 mode byte (bit 0: the transfer ends with a network error instead
 * of cleanly; bits 1-2: the message limit, 16 B .. 4 MiB), up to 8
 * split-control bytes, a 2-byte length and the header lines ('\n'
 * separated), a 2-byte length and the trailer lines, then the body.
 *
 * Properties: fed whole or split, the same messages and the same ending
 * (code, kind, text); every message is the next frame of the body, within
 * the limit; a transfer that paused is resumed (no deadlock); a clean
 * response of whole frames with grpc-status 0 ends with CTRT_ITEROVER.
 */
#include "fuzz_support.h"

#include <curl/curl.h>

static CURLMcode fake_multi_perform(CURLM *multi, int *running);
static CURLMsg *fake_multi_info_read(CURLM *multi, int *left);
static CURLMcode fake_multi_poll(CURLM *multi, struct curl_waitfd *fds, unsigned n, int timeout_ms, int *ret);
static CURLcode fake_easy_pause(CURL *easy, int bitmask);
#define curl_multi_perform fake_multi_perform
#define curl_multi_info_read fake_multi_info_read
#define curl_multi_poll fake_multi_poll
#define curl_easy_pause fake_easy_pause
#include "transport/grpc.c"
#undef curl_multi_perform
#undef curl_multi_info_read
#undef curl_multi_poll
#undef curl_easy_pause

const char ctrt_fuzz_target_name[] = "grpc";

/* The fake transfer: header lines, the body in chunks, trailer lines. */
static struct {
  ctrt__grpc_call *call;
  const uint8_t *head, *trail, *body;
  size_t head_len, trail_len, body_len;
  size_t head_off, trail_off, body_off;
  size_t pending; /* a body chunk refused with CURL_WRITEFUNC_PAUSE */
  bool paused;
  ctrt_fuzz_splitter *split;
  CURLcode end;
  bool done, reported;
  CURLMsg msg;
  unsigned idle; /* performs in a row that moved nothing */
} xfer;

/* The next line of a block (without '\n'), with the "\r\n" libcurl keeps. */
static bool next_line(const uint8_t *block, size_t len, size_t *off) {
  if (*off >= len)
    return false;
  const uint8_t *nl = memchr(block + *off, '\n', len - *off);
  size_t end = nl ? (size_t)(nl - block) : len;
  char line[4096];
  size_t n = end - *off;
  if (n > sizeof line - 2)
    n = sizeof line - 2;
  memcpy(line, block + *off, n);
  line[n++] = '\r';
  line[n++] = '\n';
  on_header(line, 1, n, xfer.call);
  *off = end + 1;
  return true;
}

static CURLMcode fake_multi_perform(CURLM *multi, int *running) {
  (void)multi;
  *running = !xfer.done;
  if (xfer.done)
    return CURLM_OK;
  if (xfer.paused) {
    /* libcurl delivers nothing to a paused transfer. */
    CTRT_FUZZ_CHECK(++xfer.idle < 1000); /* nobody resumes it: a deadlock */
    return CURLM_OK;
  }
  xfer.idle = 0;
  if (next_line(xfer.head, xfer.head_len, &xfer.head_off))
    return CURLM_OK;
  if (xfer.pending > 0 || xfer.body_off < xfer.body_len) {
    size_t n = xfer.pending;
    if (n == 0) {
      size_t left = xfer.body_len - xfer.body_off;
      n = xfer.split ? ctrt_fuzz_splitter_next(xfer.split, left) : left;
      if (n > CURL_MAX_WRITE_SIZE)
        n = CURL_MAX_WRITE_SIZE;
    }
    size_t got = on_body((char *)xfer.body + xfer.body_off, 1, n, xfer.call);
    if (got == CURL_WRITEFUNC_PAUSE) {
      xfer.pending = n;
      xfer.paused = true;
      return CURLM_OK;
    }
    xfer.pending = 0;
    if (got != n) { /* the write callback failed: libcurl ends the transfer */
      xfer.done = true;
      xfer.end = CURLE_WRITE_ERROR;
      return CURLM_OK;
    }
    xfer.body_off += n;
    return CURLM_OK;
  }
  if (xfer.end == CURLE_OK && next_line(xfer.trail, xfer.trail_len, &xfer.trail_off))
    return CURLM_OK;
  xfer.done = true;
  *running = 0;
  return CURLM_OK;
}

static CURLMsg *fake_multi_info_read(CURLM *multi, int *left) {
  (void)multi;
  *left = 0;
  if (!xfer.done || xfer.reported)
    return NULL;
  xfer.reported = true;
  xfer.msg.msg = CURLMSG_DONE;
  xfer.msg.data.result = xfer.end;
  return &xfer.msg;
}

static CURLMcode fake_multi_poll(CURLM *multi, struct curl_waitfd *fds, unsigned n, int timeout_ms, int *ret) {
  (void)multi;
  (void)fds;
  (void)n;
  (void)timeout_ms;
  if (ret)
    *ret = 0;
  return CURLM_OK;
}

static CURLcode fake_easy_pause(CURL *easy, int bitmask) {
  (void)easy;
  if (bitmask == CURLPAUSE_CONT)
    xfer.paused = false;
  return CURLE_OK;
}

typedef ctrt_fuzz_transcript transcript;
#define put ctrt_fuzz_put
#define put_u64 ctrt_fuzz_put_u64

static size_t take_block(const uint8_t **data, size_t *size, const uint8_t **block) {
  size_t n = 0;
  if (*size >= 2) {
    n = (size_t)(*data)[0] << 8 | (*data)[1];
    *data += 2;
    *size -= 2;
  } else {
    *data += *size;
    *size = 0;
  }
  if (n > *size)
    n = *size;
  *block = *data;
  *data += n;
  *size -= n;
  return n;
}

static const size_t limits[4] = {16, 1024, 70000, CTRT__GRPC_MAX_MESSAGE};

/* One call over the response; returns the ending code. */
static int run(transcript *t, ctrt__grpc_client *client, const uint8_t *head, size_t head_len, const uint8_t *trail,
               size_t trail_len, const uint8_t *body, size_t body_len, bool cut, ctrt_fuzz_splitter *split) {
  ctrt__grpc_call *call = calloc(1, sizeof *call);
  CTRT_FUZZ_CHECK(call != NULL);
  call->client = client;
  call->grpc_status = -1;
  atomic_init(&call->cancelled, false);
  snprintf(call->what, sizeof call->what, "/fuzz.Service/Stream");
  memset(&xfer, 0, sizeof xfer);
  xfer.call = call;
  xfer.head = head;
  xfer.head_len = head_len;
  xfer.trail = trail;
  xfer.trail_len = trail_len;
  xfer.body = body;
  xfer.body_len = body_len;
  xfer.split = split;
  xfer.end = cut ? CURLE_RECV_ERROR : CURLE_OK;
  size_t frame_off = 0; /* where the next message must stand in the body */
  int rc;
  for (;;) {
    uint8_t *msg = NULL;
    size_t len = 0;
    rc = ctrt__grpc_call_next(call, &msg, &len);
    if (rc < 0) {
      CTRT_FUZZ_CHECK(msg == NULL && len == 0);
      break;
    }
    CTRT_FUZZ_CHECK(msg != NULL && len <= client->max_message);
    CTRT_FUZZ_CHECK(body_len - frame_off >= 5 + len && body[frame_off] == 0);
    size_t declared = (size_t)body[frame_off + 1] << 24 | (size_t)body[frame_off + 2] << 16 |
                      (size_t)body[frame_off + 3] << 8 | body[frame_off + 4];
    CTRT_FUZZ_CHECK(declared == len && (len == 0 || memcmp(msg, body + frame_off + 5, len) == 0));
    frame_off += 5 + len;
    put_u64(t, len);
    put(t, msg, len);
    ctrt__free(msg);
  }
  put_u64(t, (uint64_t)(int64_t)rc);
  if (rc != CTRT_ITEROVER) {
    const ctrt_error *e = ctrt_error_last();
    put_u64(t, (uint64_t)e->kind);
    put(t, e->message, strlen(e->message));
  } else {
    CTRT_FUZZ_CHECK(frame_off == body_len && !cut && call->grpc_status == CTRT__GRPC_OK);
  }
  /* A call that ended stays ended. */
  uint8_t *msg = NULL;
  size_t len = 0;
  int again = ctrt__grpc_call_next(call, &msg, &len);
  CTRT_FUZZ_CHECK(again < 0 && msg == NULL);
  ctrt__grpc_call_free(call);
  return rc;
}

static bool well_formed(const uint8_t *body, size_t len, size_t max) {
  size_t off = 0;
  while (off < len) {
    if (len - off < 5 || body[off] != 0)
      return false;
    size_t n = (size_t)body[off + 1] << 24 | (size_t)body[off + 2] << 16 | (size_t)body[off + 3] << 8 | body[off + 4];
    if (n > max || len - off - 5 < n)
      return false;
    off += 5 + n;
  }
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t mode;
  ctrt_fuzz_splitter split;
  if (!ctrt_fuzz_take_mode(&data, &size, 1024 * 1024, &mode, &split))
    return 0;
  const uint8_t *head, *trail;
  size_t head_len = take_block(&data, &size, &head);
  size_t trail_len = take_block(&data, &size, &trail);
  bool cut = mode & 1;
  ctrt__grpc_options opts = {.max_message = limits[(mode >> 1) & 3], .reuse = CTRT__GRPC_REUSE_NEVER};
  ctrt__grpc_client *client = NULL;
  CTRT_FUZZ_CHECK(ctrt__grpc_client_new(&client, "tcp://127.0.0.1:1", &opts) == 0);

  transcript whole = {0}, pieces = {0};
  int rc = run(&whole, client, head, head_len, trail, trail_len, data, size, cut, NULL);
  split.next = 0;
  run(&pieces, client, head, head_len, trail, trail_len, data, size, cut, &split);
  CTRT_FUZZ_CHECK(ctrt_fuzz_transcripts_equal(&whole, &pieces));

  /* A gRPC answer (200, application/grpc) of whole frames whose trailers
   * say OK, not cut: every message arrives and the call ends cleanly. */
  static const char ok_head[] = "HTTP/2 200\ncontent-type: application/grpc";
  static const char ok_trail[] = "grpc-status: 0\ngrpc-message: ";
  if (!cut && well_formed(data, size, client->max_message)) {
    transcript clean = {0};
    int end = run(&clean, client, (const uint8_t *)ok_head, sizeof ok_head - 1, (const uint8_t *)ok_trail,
                  sizeof ok_trail - 1, data, size, false, &split);
    CTRT_FUZZ_CHECK(end == CTRT_ITEROVER);
    free(clean.bytes);
  }
  (void)rc;
  free(whole.bytes);
  free(pieces.bytes);
  ctrt__grpc_client_free(client);
  return 0;
}
