/*
 * Docker's multiplexed stream framing (runtime/transport/stdcopy.c). The
 * first bytes choose read splits; the rest is the stream. Properties: the
 * push decoder gives the same frames and the same ending fed whole or in
 * pieces; the pull side (demux_read, demux_read_frame) over split reads
 * gives the same payloads per channel, and the same verdict; so does the
 * buffered frame reader.
 */
#include "fuzz_support.h"

#include "transport/transport.h"

#include <string.h>

const char ctrt_fuzz_target_name[] = "stdcopy";

typedef struct frames {
  uint8_t *bytes; /* payloads, concatenated */
  size_t len;
  size_t n_frames;
  uint64_t shape; /* a hash of (stream, frame length) pairs */
  int rc;         /* 0 at a boundary, 1 mid-frame, <0 decode error */
} frames;

static void add(frames *f, const ctrt__stdcopy_piece *p, size_t *frame_len) {
  if (p->len) {
    uint8_t *grown = ctrt__realloc(f->bytes, f->len + p->len);
    CTRT_FUZZ_CHECK(grown != NULL);
    f->bytes = grown;
    memcpy(f->bytes + f->len, p->data, p->len);
    f->len += p->len;
  }
  *frame_len += p->len;
  if (p->frame_end) {
    f->shape = f->shape * 1000003u + (uint64_t)p->stream * 7919u + *frame_len;
    f->n_frames++;
    *frame_len = 0;
  }
}

static void push(frames *f, const uint8_t *data, size_t size, ctrt_fuzz_splitter *split) {
  memset(f, 0, sizeof *f);
  ctrt__stdcopy_decoder d = CTRT__STDCOPY_DECODER_INIT;
  size_t frame_len = 0;
  while (size > 0) {
    size_t n = split ? ctrt_fuzz_splitter_next(split, size) : size;
    const uint8_t *in = data;
    size_t left = n;
    ctrt__stdcopy_piece p;
    int rc;
    while ((rc = ctrt__stdcopy_decode(&d, &in, &left, &p)) == 1) {
      CTRT_FUZZ_CHECK(p.len <= n && p.stream >= 0 && p.stream <= CTRT__STDCOPY_SYSTEMERR);
      add(f, &p, &frame_len);
    }
    if (rc < 0) {
      f->rc = rc;
      return;
    }
    CTRT_FUZZ_CHECK(left == 0);
    data += n;
    size -= n;
  }
  f->rc = ctrt__stdcopy_at_boundary(&d) ? 0 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ctrt_fuzz_splitter split;
  ctrt_fuzz_splitter_init(&split, &data, &size);
  frames whole, pieces;
  push(&whole, data, size, NULL);
  push(&pieces, data, size, &split);
  CTRT_FUZZ_CHECK(whole.rc == pieces.rc && whole.n_frames == pieces.n_frames && whole.shape == pieces.shape);
  CTRT_FUZZ_CHECK(whole.len == pieces.len && (whole.len == 0 || memcmp(whole.bytes, pieces.bytes, whole.len) == 0));

  /* Pull side, by chunks: stdout and stderr bytes as the push side saw. */
  ctrt_fuzz_reader r = {data, size, 0, &split};
  ctrt__demux dm;
  ctrt__demux_init(&dm, true, ctrt_fuzz_reader_pull, &r);
  size_t got = 0;
  int rc;
  for (;;) {
    uint8_t buf[64];
    size_t n = 0;
    int stream = -1;
    rc = ctrt__demux_read(&dm, &stream, buf, 1 + (size_t)(size % sizeof buf), &n);
    if (rc < 0)
      break;
    CTRT_FUZZ_CHECK(n > 0 && got + n <= whole.len && memcmp(buf, whole.bytes + got, n) == 0);
    got += n;
  }
  if (rc == CTRT_ITEROVER)
    CTRT_FUZZ_CHECK(whole.rc == 0 && got == whole.len);
  else
    CTRT_FUZZ_CHECK(whole.rc != 0 || memchr(data, CTRT__STDCOPY_SYSTEMERR, size) != NULL);

  /* Whole frames (logs): the same bytes again, or the same kind of end. */
  r.off = 0;
  ctrt__demux_init(&dm, true, ctrt_fuzz_reader_pull, &r);
  got = 0;
  for (;;) {
    char *frame = NULL;
    size_t len = 0;
    int stream = -1;
    rc = ctrt__demux_read_frame(&dm, &stream, &frame, &len, 4096);
    if (rc < 0)
      break;
    CTRT_FUZZ_CHECK(frame[len] == '\0' && got + len <= whole.len &&
                    (len == 0 || memcmp(frame, whole.bytes + got, len) == 0));
    got += len;
    ctrt__free(frame);
  }
  if (rc == CTRT_ITEROVER)
    CTRT_FUZZ_CHECK(whole.rc == 0 && got == whole.len);

  /* The buffered frame reader (logs), a small buffer: the same bytes in
   * pieces no larger than it, and the same verdict as the pull side. */
  r.off = 0;
  ctrt__frame_reader fr;
  size_t cap = 64 + size % 200;
  CTRT_FUZZ_CHECK(ctrt__frame_reader_init(&fr, ctrt_fuzz_reader_pull, &r, cap) == 0);
  got = 0;
  ctrt__stdcopy_piece p;
  while ((rc = ctrt__frame_reader_next(&fr, &p, true)) == 0) {
    CTRT_FUZZ_CHECK(p.len > 0 && p.len <= cap && p.stream >= 0 && p.stream < CTRT__STDCOPY_SYSTEMERR);
    CTRT_FUZZ_CHECK(got + p.len <= whole.len && memcmp(p.data, whole.bytes + got, p.len) == 0);
    got += p.len;
  }
  ctrt__frame_reader_clear(&fr);
  if (rc == CTRT_ITEROVER)
    CTRT_FUZZ_CHECK(whole.rc == 0 && got == whole.len);
  else
    CTRT_FUZZ_CHECK(whole.rc != 0 || memchr(data, CTRT__STDCOPY_SYSTEMERR, size) != NULL);
  ctrt__free(whole.bytes);
  ctrt__free(pieces.bytes);
  return 0;
}
