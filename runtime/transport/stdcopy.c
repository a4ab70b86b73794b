/* SPDX-License-Identifier: MIT */
/* Docker's multiplexed stream framing ("stdcopy"): an 8-byte header
 * (stream, 0, 0, 0, big-endian u32 length) before each payload. */
#include "transport/transport.h"

#include <stdio.h>

#define SYSTEMERR_TEXT_MAX 1024

void ctrt__stdcopy_header(uint8_t out[CTRT__STDCOPY_HEADER_LEN], int stream, uint32_t len) {
  out[0] = (uint8_t)stream;
  out[1] = out[2] = out[3] = 0;
  out[4] = (uint8_t)(len >> 24);
  out[5] = (uint8_t)(len >> 16);
  out[6] = (uint8_t)(len >> 8);
  out[7] = (uint8_t)len;
}

int ctrt__stdcopy_encode(uint8_t **out, size_t *out_len, int stream, const void *data, size_t len) {
  if (out == NULL || out_len == NULL || (data == NULL && len > 0) || stream < 0 || stream > CTRT__STDCOPY_SYSTEMERR)
    return ctrt__error_invalid_argument("stdcopy_encode: NULL argument or stream %d outside 0..3", stream);
  *out = NULL;
  *out_len = 0;
  const size_t max = UINT32_MAX;
  size_t frames = len == 0 ? 1 : len / max + (len % max != 0);
  if (len > SIZE_MAX - frames * CTRT__STDCOPY_HEADER_LEN)
    return ctrt__error_no_memory();
  size_t total = len + frames * CTRT__STDCOPY_HEADER_LEN;
  uint8_t *buf = ctrt__malloc(total);
  CTRT__CHECK_ALLOC(buf);
  const uint8_t *in = data;
  size_t o = 0, left = len;
  do {
    size_t n = left < max ? left : max;
    ctrt__stdcopy_header(buf + o, stream, (uint32_t)n);
    o += CTRT__STDCOPY_HEADER_LEN;
    if (n)
      memcpy(buf + o, in, n);
    o += n;
    in += n;
    left -= n;
  } while (left > 0);
  *out = buf;
  *out_len = total;
  return 0;
}

static int check_header(const uint8_t h[CTRT__STDCOPY_HEADER_LEN]) {
  if (h[0] > CTRT__STDCOPY_SYSTEMERR || h[1] || h[2] || h[3])
    return ctrt__error_internal("malformed multiplexed stream: frame header %02x %02x %02x %02x (stream 0-3 and three "
                                "zero bytes expected; is this a TTY stream read as multiplexed?)",
                                h[0], h[1], h[2], h[3]);
  return 0;
}

static uint32_t header_len(const uint8_t h[CTRT__STDCOPY_HEADER_LEN]) {
  return (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
}

int ctrt__stdcopy_decode(ctrt__stdcopy_decoder *d, const uint8_t **in, size_t *in_len, ctrt__stdcopy_piece *piece) {
  for (;;) {
    if (d->in_payload) {
      size_t take = *in_len < d->remaining ? *in_len : d->remaining;
      if (take == 0)
        return 0;
      piece->stream = d->stream;
      piece->data = *in;
      piece->len = take;
      *in += take;
      *in_len -= take;
      d->remaining -= (uint32_t)take;
      piece->frame_end = d->remaining == 0;
      d->in_payload = d->remaining > 0;
      return 1;
    }
    if (*in_len == 0)
      return 0;
    size_t take = CTRT__STDCOPY_HEADER_LEN - d->have;
    if (take > *in_len)
      take = *in_len;
    memcpy(d->header + d->have, *in, take);
    d->have += take;
    *in += take;
    *in_len -= take;
    if (d->have < CTRT__STDCOPY_HEADER_LEN)
      return 0;
    d->have = 0;
    int rc = check_header(d->header);
    if (rc < 0)
      return rc;
    d->stream = d->header[0];
    d->remaining = header_len(d->header);
    if (d->remaining == 0) {
      piece->stream = d->stream;
      piece->data = *in;
      piece->len = 0;
      piece->frame_end = true;
      return 1;
    }
    d->in_payload = true;
  }
}

bool ctrt__stdcopy_at_boundary(const ctrt__stdcopy_decoder *d) { return !d->in_payload && d->have == 0; }

void ctrt__demux_init(ctrt__demux *d, bool multiplexed, ctrt_read_fn pull, void *ctx) {
  memset(d, 0, sizeof *d);
  d->pull = pull;
  d->ctx = ctx;
  d->multiplexed = multiplexed;
}

static int truncated(void) {
  return ctrt__error_network("the multiplexed stream ended in the middle of a frame (the daemon closed the "
                             "connection?)");
}

/* Read exactly len bytes (ITEROVER before any byte = clean end). */
static int pull_exact(ctrt__demux *d, uint8_t *buf, size_t len, size_t *got) {
  *got = 0;
  while (*got < len) {
    size_t n = 0;
    int rc = d->pull(d->ctx, buf + *got, len - *got, &n);
    if (rc == CTRT_ITEROVER)
      return *got == 0 ? CTRT_ITEROVER : truncated();
    if (rc < 0)
      return rc;
    *got += n;
  }
  return 0;
}

/* A systemerr frame carries the daemon's error text: report it. */
static int systemerr(ctrt__demux *d) {
  char text[SYSTEMERR_TEXT_MAX + 1];
  size_t kept = 0;
  while (d->dec.remaining > 0) {
    uint8_t chunk[256];
    size_t want = d->dec.remaining < sizeof chunk ? d->dec.remaining : sizeof chunk;
    size_t got = 0;
    int rc = pull_exact(d, chunk, want, &got);
    if (rc == CTRT_ITEROVER)
      return truncated();
    if (rc < 0)
      return rc;
    size_t keep = got < SYSTEMERR_TEXT_MAX - kept ? got : SYSTEMERR_TEXT_MAX - kept;
    memcpy(text + kept, chunk, keep);
    kept += keep;
    d->dec.remaining -= (uint32_t)got;
  }
  d->dec.in_payload = false;
  while (kept > 0 && (text[kept - 1] == '\n' || text[kept - 1] == '\r'))
    kept--;
  text[kept] = '\0';
  return ctrt__error_internal("the server reported an error in the stream: %s", text);
}

/* Read the next frame header; on return d->dec holds stream and remaining. */
static int next_header(ctrt__demux *d) {
  size_t got = 0;
  int rc = pull_exact(d, d->dec.header + d->dec.have, CTRT__STDCOPY_HEADER_LEN - d->dec.have, &got);
  d->dec.have += got;
  if (rc == CTRT_ITEROVER && d->dec.have > 0)
    return truncated();
  if (rc < 0)
    return rc;
  d->dec.have = 0;
  rc = check_header(d->dec.header);
  if (rc < 0)
    return rc;
  d->dec.stream = d->dec.header[0];
  d->dec.remaining = header_len(d->dec.header);
  d->dec.in_payload = d->dec.remaining > 0;
  if (d->dec.stream == CTRT__STDCOPY_SYSTEMERR)
    return systemerr(d);
  return 0;
}

int ctrt__demux_read(ctrt__demux *d, int *stream, void *buf, size_t cap, size_t *n_read) {
  if (n_read)
    *n_read = 0;
  CTRT__CHECK_ARG(d != NULL && stream != NULL && buf != NULL && cap != 0 && n_read != NULL,
                  "demux_read: NULL argument or empty buffer");
  if (!d->multiplexed) {
    int rc;
    if ((rc = d->pull(d->ctx, buf, cap, n_read)) != 0)
      return rc; /* an error, or CTRT_ITEROVER at the end */
    *stream = CTRT__STDCOPY_STDOUT;
    return 0;
  }
  while (!d->dec.in_payload) {
    int rc = next_header(d); /* empty frames are skipped */
    if (rc < 0)
      return rc;
  }
  size_t want = cap < d->dec.remaining ? cap : d->dec.remaining;
  size_t n = 0;
  int rc = d->pull(d->ctx, buf, want, &n);
  if (rc == CTRT_ITEROVER)
    return truncated();
  if (rc < 0)
    return rc;
  d->dec.remaining -= (uint32_t)n;
  d->dec.in_payload = d->dec.remaining > 0;
  *stream = d->dec.stream;
  *n_read = n;
  return 0;
}

int ctrt__demux_read_frame(ctrt__demux *d, int *stream, char **data, size_t *len, size_t max_len) {
  if (data)
    *data = NULL;
  if (len)
    *len = 0;
  CTRT__CHECK_ARG(d != NULL && stream != NULL && data != NULL && len != NULL && max_len != 0,
                  "demux_read_frame: NULL argument or zero limit");
  if (!d->multiplexed) {
    char *buf = ctrt__malloc(max_len + 1);
    CTRT__CHECK_ALLOC(buf);
    size_t n = 0;
    int rc = d->pull(d->ctx, buf, max_len, &n);
    if (rc < 0) {
      ctrt__free(buf);
      return rc;
    }
    buf[n] = '\0';
    *stream = CTRT__STDCOPY_STDOUT;
    *data = buf;
    *len = n;
    return 0;
  }
  if (!d->dec.in_payload) {
    int rc = next_header(d);
    if (rc < 0)
      return rc;
  }
  size_t size = d->dec.remaining;
  if (size > max_len)
    return ctrt__error_internal("a multiplexed frame of %zu bytes exceeds the limit of %zu bytes", size, max_len);
  char *buf = ctrt__malloc(size + 1);
  CTRT__CHECK_ALLOC(buf);
  size_t got = 0;
  int rc = size ? pull_exact(d, (uint8_t *)buf, size, &got) : 0;
  if (rc < 0) {
    ctrt__free(buf);
    return rc == CTRT_ITEROVER ? truncated() : rc;
  }
  d->dec.remaining = 0;
  d->dec.in_payload = false;
  buf[size] = '\0';
  *stream = d->dec.stream;
  *data = buf;
  *len = size;
  return 0;
}

/* ---- the buffered frame reader ---- */

int ctrt__frame_reader_init(ctrt__frame_reader *r, ctrt_read_fn pull, void *ctx, size_t cap) {
  memset(r, 0, sizeof *r);
  CTRT__CHECK_ARG(pull != NULL && cap >= 64, "frame_reader_init: needs a reader and a buffer of at least 64 bytes");
  CTRT__CHECK_ALLOC((r->buf = ctrt__malloc(cap)));
  r->pull = pull;
  r->ctx = ctx;
  r->cap = cap;
  return 0;
}

void ctrt__frame_reader_clear(ctrt__frame_reader *r) {
  if (r == NULL)
    return;
  ctrt__free(r->buf);
  r->buf = NULL;
  r->cap = r->off = r->len = 0;
}

/* One piece from the buffered input: 1, or 0 when more input is needed. */
static int frame_piece(ctrt__frame_reader *r, ctrt__stdcopy_piece *piece) {
  size_t have = r->len - r->off;
  const uint8_t *at = r->buf + r->off;
  if (r->remaining > 0) {
    if (have == 0)
      return 0;
    size_t take = have < r->remaining ? have : r->remaining;
    r->remaining -= (uint32_t)take;
    r->off += take;
    *piece = (ctrt__stdcopy_piece){.stream = r->stream, .data = at, .len = take, .frame_end = r->remaining == 0};
    return 1;
  }
  if (have < CTRT__STDCOPY_HEADER_LEN)
    return 0;
  int rc = check_header(at);
  if (rc < 0)
    return rc;
  uint32_t size = header_len(at);
  if (size <= have - CTRT__STDCOPY_HEADER_LEN) {
    r->off += CTRT__STDCOPY_HEADER_LEN + size;
    *piece =
        (ctrt__stdcopy_piece){.stream = at[0], .data = at + CTRT__STDCOPY_HEADER_LEN, .len = size, .frame_end = true};
    return 1;
  }
  if (size > r->cap - CTRT__STDCOPY_HEADER_LEN) {
    /* Larger than the buffer: its payload goes out in pieces as it comes. */
    r->off += CTRT__STDCOPY_HEADER_LEN;
    r->remaining = size;
    r->stream = at[0];
    return frame_piece(r, piece);
  }
  return 0; /* fits the buffer: wait for all of it */
}

/* A systemerr piece: keep its text; the frame's end reports it. */
static int systemerr_piece(ctrt__frame_reader *r, const ctrt__stdcopy_piece *piece) {
  size_t room = sizeof r->err - 1 - r->err_len;
  size_t keep = piece->len < room ? piece->len : room;
  memcpy(r->err + r->err_len, piece->data, keep);
  r->err_len += keep;
  if (!piece->frame_end)
    return 0;
  while (r->err_len > 0 && (r->err[r->err_len - 1] == '\n' || r->err[r->err_len - 1] == '\r'))
    r->err_len--;
  r->err[r->err_len] = '\0';
  r->err_len = 0;
  return ctrt__error_internal("the server reported an error in the stream: %s", r->err);
}

int ctrt__frame_reader_next(ctrt__frame_reader *r, ctrt__stdcopy_piece *piece, bool may_pull) {
  CTRT__CHECK_ARG(r != NULL && piece != NULL && r->buf != NULL, "frame_reader_next: NULL argument or a cleared reader");
  for (;;) {
    int rc = frame_piece(r, piece);
    if (rc < 0)
      return rc;
    if (rc == 1) {
      if (piece->stream == CTRT__STDCOPY_SYSTEMERR) {
        if ((rc = systemerr_piece(r, piece)) < 0)
          return rc;
        continue;
      }
      if (piece->len == 0)
        continue; /* an empty frame carries nothing */
      return 0;
    }
    size_t have = r->len - r->off;
    if (r->eof)
      return have == 0 && r->remaining == 0 ? CTRT_ITEROVER : truncated();
    if (!may_pull)
      return CTRT__FRAME_READER_DRY;
    /* Keep the start of a frame that straddles the end of the buffer. */
    memmove(r->buf, r->buf + r->off, have);
    r->off = 0;
    r->len = have;
    size_t n = 0;
    rc = r->pull(r->ctx, r->buf + r->len, r->cap - r->len, &n);
    if (rc == CTRT_ITEROVER)
      r->eof = true;
    else if (rc < 0)
      return rc;
    else
      r->len += n;
  }
}

size_t ctrt__frame_reader_run(ctrt__frame_reader *r, int stream, uint8_t *dst, size_t cap) {
  /* One tight pass over whole buffered frames: no piece structs, no
   * argument checks per frame (a chatty log is a frame per 64-byte line). */
  size_t copied = 0;
  if (r == NULL || r->buf == NULL || r->remaining > 0)
    return 0;
  const uint8_t *buf = r->buf;
  size_t off = r->off, len = r->len;
  while (len - off >= CTRT__STDCOPY_HEADER_LEN) {
    const uint8_t *h = buf + off;
    if (h[0] != stream || h[1] || h[2] || h[3])
      break; /* another stream, or a header next_ reports */
    uint32_t size = header_len(h);
    if (size > len - off - CTRT__STDCOPY_HEADER_LEN || size > cap - copied)
      break;
    memcpy(dst + copied, h + CTRT__STDCOPY_HEADER_LEN, size);
    copied += size;
    off += CTRT__STDCOPY_HEADER_LEN + size;
  }
  r->off = off;
  return copied;
}
