/* SPDX-License-Identifier: MIT */
/* Transport tests: decoders and helpers on their own, then the HTTP client
 * against the scripted fake server (fake_server.c) over a unix socket, TCP
 * and TLS. */
#include "test_support.h"

#include "fake_server.h"
#include "backends/docker/docker.h"
#include "backends/docker/docker_wire.h"
#include "transport/transport_private.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>

/* RSS-based bounds hold only natively: ASan adds shadow memory and a
 * quarantine of freed blocks. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#define MIB ((size_t)1024 * 1024)

/* ====================================================================== */
/* Helpers                                                                */
/* ====================================================================== */

static bool contains(const char *haystack, const char *needle) { return strstr(haystack, needle) != NULL; }

static int64_t now_ms(void) { return ctrt__transport_now_ms(); }

/* Peak RSS is reset, then compared after a run: bounded memory means the
 * peak did not grow with the payload. Not meaningful under valgrind. */
static long rss_kib(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL)
    return -1;
  char line[256];
  long v = -1;
  size_t fl = strlen(field);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, field, fl) == 0 && line[fl] == ':')
      v = strtol(line + fl + 1, NULL, 10);
  fclose(f);
  return v;
}

static bool reset_peak_rss(void) {
  FILE *f = fopen("/proc/self/clear_refs", "w");
  if (f == NULL)
    return false;
  bool ok = fputs("5", f) >= 0;
  return fclose(f) == 0 && ok;
}

/* A reader over memory that hands out at most `step` bytes per call. */
typedef struct mem_reader {
  const uint8_t *data;
  size_t len, pos, step;
} mem_reader;

static int mem_pull(void *ctx, void *buf, size_t cap, size_t *n) {
  mem_reader *m = ctx;
  *n = 0;
  if (m->pos == m->len)
    return CTRT_ITEROVER;
  size_t take = m->len - m->pos;
  if (take > cap)
    take = cap;
  if (take > m->step)
    take = m->step;
  memcpy(buf, m->data + m->pos, take);
  m->pos += take;
  *n = take;
  return 0;
}

/* ====================================================================== */
/* stdcopy                                                                */
/* ====================================================================== */

typedef struct frame_spec {
  int stream;
  const char *text;
  size_t len;
} frame_spec;

static uint8_t *encode_frames(const frame_spec *frames, size_t n, size_t *total) {
  uint8_t *all = NULL;
  *total = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t *f = NULL;
    size_t fl = 0;
    ASSERT_OK(ctrt__stdcopy_encode(&f, &fl, frames[i].stream, frames[i].text, frames[i].len));
    all = realloc(all, *total + fl);
    memcpy(all + *total, f, fl);
    *total += fl;
    free(f);
  }
  return all;
}

static char big_payload[3001];

static void make_big_payload(void) {
  for (size_t i = 0; i < sizeof big_payload - 1; i++)
    big_payload[i] = (char)('a' + i % 26);
  big_payload[sizeof big_payload - 1] = '\0';
}

static const frame_spec *test_frames(size_t *n) {
  make_big_payload();
  static frame_spec frames[6];
  frames[0] = (frame_spec){1, "line one\n", 9};
  frames[1] = (frame_spec){2, "oops\n", 5};
  frames[2] = (frame_spec){1, big_payload, 3000};
  frames[3] = (frame_spec){1, "", 0};
  frames[4] = (frame_spec){2, "last\n", 5};
  frames[5] = (frame_spec){1, "\x00\x01\xff", 3};
  *n = 6;
  return frames;
}

/* Expected per-stream concatenations. */
static void expected_streams(const frame_spec *frames, size_t n, char *out1, size_t *len1, char *out2, size_t *len2) {
  *len1 = *len2 = 0;
  for (size_t i = 0; i < n; i++) {
    if (frames[i].stream == 1) {
      memcpy(out1 + *len1, frames[i].text, frames[i].len);
      *len1 += frames[i].len;
    } else {
      memcpy(out2 + *len2, frames[i].text, frames[i].len);
      *len2 += frames[i].len;
    }
  }
}

/* Feed `data` to a decoder in pieces cut at a and b, collect everything. */
static bool decode_split(const uint8_t *data, size_t len, size_t a, size_t b, const frame_spec *frames, size_t nf) {
  ctrt__stdcopy_decoder d = CTRT__STDCOPY_DECODER_INIT;
  static char got[3][8192];
  size_t got_len[3] = {0, 0, 0};
  size_t frame_ends = 0;
  size_t cuts[4] = {0, a, b, len};
  for (int part = 0; part < 3; part++) {
    const uint8_t *in = data + cuts[part];
    size_t in_len = cuts[part + 1] - cuts[part];
    ctrt__stdcopy_piece piece;
    int rc;
    while ((rc = ctrt__stdcopy_decode(&d, &in, &in_len, &piece)) == 1) {
      if (piece.stream < 1 || piece.stream > 2)
        return false;
      memcpy(got[piece.stream] + got_len[piece.stream], piece.data, piece.len);
      got_len[piece.stream] += piece.len;
      frame_ends += piece.frame_end;
    }
    if (rc != 0 || in_len != 0)
      return false;
  }
  char want1[8192], want2[8192];
  size_t l1, l2;
  expected_streams(frames, nf, want1, &l1, want2, &l2);
  return ctrt__stdcopy_at_boundary(&d) && frame_ends == nf && got_len[1] == l1 && got_len[2] == l2 &&
         memcmp(got[1], want1, l1) == 0 && memcmp(got[2], want2, l2) == 0;
}

static void test_stdcopy_every_split(void) {
  size_t nf;
  const frame_spec *frames = test_frames(&nf);
  size_t len;
  uint8_t *data = encode_frames(frames, nf, &len);
  CU_ASSERT_EQUAL(len, 9 + 5 + 3000 + 0 + 5 + 3 + 6 * 8);
  /* Every pair of cut points within the first 120 bytes and around the
   * big frame's edges; every single cut everywhere. */
  bool ok = true;
  for (size_t a = 0; a <= len && ok; a++)
    ok = decode_split(data, len, a, a, frames, nf);
  for (size_t a = 0; a <= 120 && ok; a++)
    for (size_t b = a; b <= 120 && ok; b++)
      ok = decode_split(data, len, a, b, frames, nf);
  for (size_t a = len - 40; a <= len && ok; a++)
    for (size_t b = a; b <= len && ok; b++)
      ok = decode_split(data, len, a, b, frames, nf);
  CU_ASSERT_TRUE(ok);
  free(data);
}

static void test_stdcopy_byte_at_a_time_demux(void) {
  size_t nf;
  const frame_spec *frames = test_frames(&nf);
  size_t len;
  uint8_t *data = encode_frames(frames, nf, &len);
  char want1[8192], want2[8192];
  size_t l1, l2;
  expected_streams(frames, nf, want1, &l1, want2, &l2);
  for (size_t step = 1; step <= 9; step += 4) {
    for (size_t cap = 1; cap <= 4096; cap *= 8) {
      mem_reader m = {data, len, 0, step};
      ctrt__demux d;
      ctrt__demux_init(&d, true, mem_pull, &m);
      char got[3][8192];
      size_t gl[3] = {0, 0, 0};
      char buf[4096];
      size_t n;
      int stream, rc;
      while ((rc = ctrt__demux_read(&d, &stream, buf, cap, &n)) == 0) {
        CU_ASSERT_TRUE_FATAL(stream == 1 || stream == 2);
        CU_ASSERT_TRUE_FATAL(n > 0 && n <= cap);
        memcpy(got[stream] + gl[stream], buf, n);
        gl[stream] += n;
      }
      CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
      CU_ASSERT_EQUAL(gl[1], l1);
      CU_ASSERT_EQUAL(gl[2], l2);
      CU_ASSERT_EQUAL(memcmp(got[1], want1, l1), 0);
      CU_ASSERT_EQUAL(memcmp(got[2], want2, l2), 0);
    }
    /* Whole frames. */
    mem_reader m = {data, len, 0, step};
    ctrt__demux d;
    ctrt__demux_init(&d, true, mem_pull, &m);
    for (size_t i = 0; i < nf; i++) {
      char *frame = NULL;
      size_t fl = 0;
      int stream = -1;
      ASSERT_OK(ctrt__demux_read_frame(&d, &stream, &frame, &fl, 4096));
      CU_ASSERT_EQUAL(stream, frames[i].stream);
      CU_ASSERT_EQUAL(fl, frames[i].len);
      CU_ASSERT_EQUAL(memcmp(frame, frames[i].text, fl), 0);
      free(frame);
    }
    char *frame = NULL;
    size_t fl;
    int stream;
    CU_ASSERT_EQUAL(ctrt__demux_read_frame(&d, &stream, &frame, &fl, 4096), CTRT_ITEROVER);
  }
  free(data);
}

/* Read a whole input with a frame reader of buffer cap, pulling at most
 * step bytes at a time: per-stream concatenations, pieces per frame. */
static int frame_reader_drain(const uint8_t *data, size_t len, size_t step, size_t cap, char got[3][8192], size_t gl[3],
                              size_t *pieces, size_t *frame_ends) {
  mem_reader m = {data, len, 0, step};
  ctrt__frame_reader r;
  ASSERT_OK(ctrt__frame_reader_init(&r, mem_pull, &m, cap));
  gl[0] = gl[1] = gl[2] = 0;
  *pieces = *frame_ends = 0;
  ctrt__stdcopy_piece piece;
  int rc;
  while ((rc = ctrt__frame_reader_next(&r, &piece, true)) == 0) {
    CU_ASSERT_TRUE_FATAL(piece.stream >= 0 && piece.stream <= 2);
    CU_ASSERT_TRUE_FATAL(piece.len > 0 && piece.len <= cap);
    memcpy(got[piece.stream] + gl[piece.stream], piece.data, piece.len);
    gl[piece.stream] += piece.len;
    (*pieces)++;
    *frame_ends += piece.frame_end;
  }
  ctrt__frame_reader_clear(&r);
  return rc;
}

static void test_frame_reader_splits(void) {
  size_t nf;
  const frame_spec *frames = test_frames(&nf);
  size_t len;
  uint8_t *data = encode_frames(frames, nf, &len);
  char want1[8192], want2[8192];
  size_t l1, l2;
  expected_streams(frames, nf, want1, &l1, want2, &l2);
  const size_t steps[] = {1, 3, 7, 64, 5000};
  const size_t caps[] = {64, 100, 3008, 4096};
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
    for (size_t j = 0; j < sizeof caps / sizeof caps[0]; j++) {
      char got[3][8192];
      size_t gl[3], pieces, ends;
      CU_ASSERT_EQUAL(frame_reader_drain(data, len, steps[i], caps[j], got, gl, &pieces, &ends), CTRT_ITEROVER);
      CU_ASSERT_EQUAL(gl[1], l1);
      CU_ASSERT_EQUAL(gl[2], l2);
      CU_ASSERT_EQUAL(memcmp(got[1], want1, l1), 0);
      CU_ASSERT_EQUAL(memcmp(got[2], want2, l2), 0);
      /* The empty frame is skipped; the others end once each. */
      CU_ASSERT_EQUAL(ends, nf - 1);
      /* A frame that fits the buffer comes out whole however the input
       * was cut; the 3000-byte one in buffer-sized pieces otherwise. */
      size_t big_pieces = caps[j] - CTRT__STDCOPY_HEADER_LEN >= 3000 ? 1 : pieces - (nf - 2);
      CU_ASSERT_EQUAL(pieces, nf - 2 + big_pieces);
      CU_ASSERT_TRUE(big_pieces >= (3000 + caps[j] - 1) / caps[j]);
    }
  free(data);
}

static void test_frame_reader_huge_header_and_cuts(void) {
  /* A header announcing 4 GiB - 1 bytes is never allocated: its payload
   * goes out in buffer-sized pieces, then the early end is an error. */
  uint8_t huge[8 + 300];
  ctrt__stdcopy_header(huge, CTRT__STDCOPY_STDOUT, UINT32_MAX);
  memset(huge + 8, 'x', 300);
  for (size_t step = 1; step <= 301; step += 100) {
    char got[3][8192];
    size_t gl[3], pieces, ends;
    ASSERT_FAILS_WITH(frame_reader_drain(huge, sizeof huge, step, 64, got, gl, &pieces, &ends), CTRT_ERROR_NETWORK);
    CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "middle of a frame"));
    CU_ASSERT_EQUAL(gl[1], 300);
    CU_ASSERT_EQUAL(ends, 0);
  }

  /* A frame cut anywhere by the end of the input: a network error; cut
   * before it starts: a clean end. */
  uint8_t *f;
  size_t fl;
  ASSERT_OK(ctrt__stdcopy_encode(&f, &fl, CTRT__STDCOPY_STDERR, "hello", 5));
  for (size_t cut = 0; cut < fl; cut++) {
    char got[3][8192];
    size_t gl[3], pieces, ends;
    int rc = frame_reader_drain(f, cut, 2, 64, got, gl, &pieces, &ends);
    if (cut == 0) {
      CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
    } else {
      CU_ASSERT_EQUAL(rc, -(int)CTRT_ERROR_NETWORK);
      CU_ASSERT_EQUAL(ends, 0);
    }
  }
  free(f);

  /* A bad header; a systemerr frame larger than the buffer, its text the
   * error's. */
  const uint8_t bad[] = {1, 0, 1, 0, 0, 0, 0, 1, 'x'};
  char got[3][8192];
  size_t gl[3], pieces, ends;
  ASSERT_FAILS_WITH(frame_reader_drain(bad, sizeof bad, 64, 64, got, gl, &pieces, &ends), CTRT_ERROR_INTERNAL);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "malformed multiplexed stream"));
  char text[120];
  memset(text, 'e', sizeof text);
  memcpy(text, "log driver failed ", 18);
  text[sizeof text - 1] = '\n';
  ASSERT_OK(ctrt__stdcopy_encode(&f, &fl, CTRT__STDCOPY_SYSTEMERR, text, sizeof text));
  ASSERT_FAILS_WITH(frame_reader_drain(f, fl, 7, 64, got, gl, &pieces, &ends), CTRT_ERROR_INTERNAL);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "reported an error in the stream: log driver failed eee"));
  free(f);
}

static void test_frame_reader_without_pulling(void) {
  /* Two frames and the start of a third in the buffer: without pulling,
   * the two come out, then DRY; a copy of the reader undoes that. */
  uint8_t *a, *b;
  size_t al, bl;
  ASSERT_OK(ctrt__stdcopy_encode(&a, &al, 1, "one\n", 4));
  ASSERT_OK(ctrt__stdcopy_encode(&b, &bl, 2, "two\n", 4));
  uint8_t in[64];
  memcpy(in, a, al);
  memcpy(in + al, b, bl);
  memcpy(in + al + bl, a, 10); /* header and two payload bytes */
  memcpy(in + al + bl + 10, a + 10, al - 10);
  mem_reader m = {in, al + bl + al, 0, al + bl + 10};
  ctrt__frame_reader r;
  ASSERT_OK(ctrt__frame_reader_init(&r, mem_pull, &m, 64));
  ctrt__stdcopy_piece p1, p2, p3;
  ASSERT_OK(ctrt__frame_reader_next(&r, &p1, true));
  ctrt__frame_reader saved = r;
  ASSERT_OK(ctrt__frame_reader_next(&r, &p2, false));
  CU_ASSERT_EQUAL(ctrt__frame_reader_next(&r, &p3, false), CTRT__FRAME_READER_DRY);
  CU_ASSERT_TRUE(p1.stream == 1 && p1.len == 4 && memcmp(p1.data, "one\n", 4) == 0);
  CU_ASSERT_TRUE(p2.stream == 2 && p2.len == 4 && memcmp(p2.data, "two\n", 4) == 0);
  r = saved;
  ASSERT_OK(ctrt__frame_reader_next(&r, &p2, false));
  CU_ASSERT_TRUE(p2.stream == 2 && memcmp(p2.data, "two\n", 4) == 0);
  ASSERT_OK(ctrt__frame_reader_next(&r, &p3, true)); /* pulls the rest of the third */
  CU_ASSERT_TRUE(p3.stream == 1 && p3.len == 4 && p3.frame_end && memcmp(p3.data, "one\n", 4) == 0);
  CU_ASSERT_EQUAL(ctrt__frame_reader_next(&r, &p3, true), CTRT_ITEROVER);
  ctrt__frame_reader_clear(&r);
  ctrt__frame_reader_clear(&r); /* twice: harmless */
  free(a);
  free(b);
}

/* The input of frames (stream, text) back to back, encoded. */
static size_t frames_of(uint8_t *out, const int *streams, const char *const *texts, size_t n) {
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t *f = NULL;
    size_t fl = 0;
    ASSERT_OK(ctrt__stdcopy_encode(&f, &fl, streams[i], texts[i], strlen(texts[i])));
    memcpy(out + at, f, fl);
    at += fl;
    free(f);
  }
  return at;
}

static void test_frame_reader_run(void) {
  /* After the first frame (from next): the run takes stdout's whole
   * buffered frames (an empty one among them), stops at stderr; next goes on
   * from there. */
  static const int streams[] = {1, 1, 1, 1, 2, 1, 3, 1};
  static const char *const texts[] = {"a", "bc", "", "def", "x", "gh", "boom\n", "i"};
  uint8_t in[256];
  size_t len = frames_of(in, streams, texts, 8);
  mem_reader m = {in, len - 3, 0, len - 3}; /* the last frame cut in its header */
  ctrt__frame_reader r;
  ASSERT_OK(ctrt__frame_reader_init(&r, mem_pull, &m, 256));
  ctrt__stdcopy_piece p;
  ASSERT_OK(ctrt__frame_reader_next(&r, &p, true));
  CU_ASSERT_TRUE(p.stream == 1 && p.len == 1 && p.data[0] == 'a');
  uint8_t out[64];
  CU_ASSERT_EQUAL(r.len - r.off, len - 3 - 9); /* the buffered bytes bound the run */
  /* A cap that stops before "def": only "bc". */
  ctrt__frame_reader saved = r;
  CU_ASSERT_EQUAL(ctrt__frame_reader_run(&r, 1, out, 4), 2);
  CU_ASSERT_EQUAL(memcmp(out, "bc", 2), 0);
  r = saved;
  CU_ASSERT_EQUAL(ctrt__frame_reader_run(&r, 1, out, sizeof out), 5);
  CU_ASSERT_EQUAL(memcmp(out, "bcdef", 5), 0);
  CU_ASSERT_EQUAL(ctrt__frame_reader_run(&r, 1, out, sizeof out), 0); /* stderr is next */
  ASSERT_OK(ctrt__frame_reader_next(&r, &p, false));
  CU_ASSERT_TRUE(p.stream == 2 && p.len == 1 && p.data[0] == 'x');
  CU_ASSERT_EQUAL(ctrt__frame_reader_run(&r, 1, out, sizeof out), 2);
  CU_ASSERT_EQUAL(memcmp(out, "gh", 2), 0);
  /* systemerr is left to next, which reports it. */
  CU_ASSERT_EQUAL(ctrt__frame_reader_run(&r, 1, out, sizeof out), 0);
  ASSERT_FAILS_WITH(ctrt__frame_reader_next(&r, &p, false), CTRT_ERROR_INTERNAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "boom"));
  /* A partial frame stays for next too. */
  CU_ASSERT_EQUAL(ctrt__frame_reader_run(&r, 1, out, sizeof out), 0);
  ctrt__frame_reader_clear(&r);
  CU_ASSERT_EQUAL(ctrt__frame_reader_run(&r, 1, out, sizeof out), 0); /* cleared: nothing */
  /* A bad header stops the run; next reports it. */
  uint8_t bad[32];
  size_t bl = frames_of(bad, streams, texts, 2);
  bad[9 + 1] = 7;
  m = (mem_reader){bad, bl, 0, bl};
  ASSERT_OK(ctrt__frame_reader_init(&r, mem_pull, &m, 64));
  ASSERT_OK(ctrt__frame_reader_next(&r, &p, true));
  CU_ASSERT_EQUAL(ctrt__frame_reader_run(&r, 1, out, sizeof out), 0);
  ASSERT_FAILS_WITH(ctrt__frame_reader_next(&r, &p, true), CTRT_ERROR_INTERNAL);
  ctrt__frame_reader_clear(&r);
}

static void test_stdcopy_errors(void) {
  /* Bad header bytes. */
  const uint8_t bad[] = {1, 0, 1, 0, 0, 0, 0, 1, 'x'};
  ctrt__stdcopy_decoder d = CTRT__STDCOPY_DECODER_INIT;
  const uint8_t *in = bad;
  size_t in_len = sizeof bad;
  ctrt__stdcopy_piece piece;
  ASSERT_FAILS_WITH(ctrt__stdcopy_decode(&d, &in, &in_len, &piece), CTRT_ERROR_INTERNAL);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "malformed multiplexed stream"));
  const uint8_t bad_stream[] = {7, 0, 0, 0, 0, 0, 0, 1, 'x'};
  d = (ctrt__stdcopy_decoder)CTRT__STDCOPY_DECODER_INIT;
  in = bad_stream;
  in_len = sizeof bad_stream;
  ASSERT_FAILS_WITH(ctrt__stdcopy_decode(&d, &in, &in_len, &piece), CTRT_ERROR_INTERNAL);

  /* Truncated: in a header, in a payload. */
  uint8_t *f;
  size_t fl;
  ASSERT_OK(ctrt__stdcopy_encode(&f, &fl, 1, "hello", 5));
  for (size_t cut = 1; cut < fl; cut++) {
    mem_reader m = {f, cut, 0, 3};
    ctrt__demux dm;
    ctrt__demux_init(&dm, true, mem_pull, &m);
    char buf[16];
    size_t n;
    int stream, rc;
    while ((rc = ctrt__demux_read(&dm, &stream, buf, sizeof buf, &n)) == 0)
      ;
    CU_ASSERT_EQUAL(rc, -(int)CTRT_ERROR_NETWORK);
    CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "middle of a frame"));
  }
  free(f);

  /* A systemerr frame becomes an error with the daemon's text. */
  ASSERT_OK(ctrt__stdcopy_encode(&f, &fl, CTRT__STDCOPY_SYSTEMERR, "log driver failed\n", 18));
  mem_reader m = {f, fl, 0, 2};
  ctrt__demux dm;
  ctrt__demux_init(&dm, true, mem_pull, &m);
  char buf[16];
  size_t n;
  int stream;
  ASSERT_FAILS_WITH(ctrt__demux_read(&dm, &stream, buf, sizeof buf, &n), CTRT_ERROR_INTERNAL);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "log driver failed"));
  free(f);

  /* Frame over the read_frame limit. */
  ASSERT_OK(ctrt__stdcopy_encode(&f, &fl, 1, big_payload, 3000));
  m = (mem_reader){f, fl, 0, 4096};
  ctrt__demux_init(&dm, true, mem_pull, &m);
  char *frame = NULL;
  ASSERT_FAILS_WITH(ctrt__demux_read_frame(&dm, &stream, &frame, &n, 100), CTRT_ERROR_INTERNAL);
  CU_ASSERT_PTR_NULL(frame);
  free(f);

  /* Raw (TTY) streams pass through as stdout. */
  const char *raw = "\x01\x02raw tty bytes";
  m = (mem_reader){(const uint8_t *)raw, strlen(raw), 0, 4};
  ctrt__demux_init(&dm, false, mem_pull, &m);
  char got[64];
  size_t gl = 0;
  int rc;
  while ((rc = ctrt__demux_read(&dm, &stream, got + gl, sizeof got - gl, &n)) == 0) {
    CU_ASSERT_EQUAL(stream, CTRT__STDCOPY_STDOUT);
    gl += n;
  }
  CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
  CU_ASSERT_EQUAL(gl, strlen(raw));
  CU_ASSERT_EQUAL(memcmp(got, raw, gl), 0);

  /* Header layout and argument checks. */
  uint8_t h[8];
  ctrt__stdcopy_header(h, 2, 0x01020304);
  const uint8_t want[8] = {2, 0, 0, 0, 1, 2, 3, 4};
  CU_ASSERT_EQUAL(memcmp(h, want, 8), 0);
  ASSERT_FAILS_WITH(ctrt__stdcopy_encode(&f, &fl, 9, "x", 1), CTRT_ERROR_INVALID_ARGUMENT);
}

/* ====================================================================== */
/* JSON lines                                                             */
/* ====================================================================== */

static const char jsonl_input[] =
    "{\"status\":\"Pulling from ctrt/test\",\"id\":\"latest\"}\r\n"
    "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":512,\"total\":1024},\"id\":\"abc\"}\n"
    "  \n"
    "{\"status\":\"tricky \\\"quoted\\\" {brace} [bracket] \\\\\"}{\"status\":\"concatenated\"}"
    "[1,{\"a\":[]}]\n"
    "\"a string\"\n"
    "{\"errorDetail\":{\"message\":\"unicode \\u00e9 ok\"},\"error\":\"x\"}\n";

static json_t *jsonl_expected(void) {
  json_error_t e;
  return json_loads("[{\"status\":\"Pulling from ctrt/test\",\"id\":\"latest\"},"
                    "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":512,\"total\":1024},\"id\":\"abc\"},"
                    "{\"status\":\"tricky \\\"quoted\\\" {brace} [bracket] \\\\\"},"
                    "{\"status\":\"concatenated\"},"
                    "[1,{\"a\":[]}],"
                    "\"a string\","
                    "{\"errorDetail\":{\"message\":\"unicode \\u00e9 ok\"},\"error\":\"x\"}]",
                    0, &e);
}

static bool jsonl_split(size_t a, size_t b, const json_t *expected) {
  ctrt__jsonl *d = NULL;
  if (ctrt__jsonl_new(&d, 0) < 0)
    return false;
  size_t len = strlen(jsonl_input);
  size_t cuts[4] = {0, a, b, len};
  size_t i = 0;
  bool ok = true;
  for (int part = 0; part < 3 && ok; part++) {
    ok = ctrt__jsonl_feed(d, jsonl_input + cuts[part], cuts[part + 1] - cuts[part]) == 0;
    json_t *v;
    int rc;
    while (ok && (rc = ctrt__jsonl_take(d, &v)) == 1) {
      ok = i < json_array_size(expected) && json_equal(v, json_array_get(expected, i));
      i++;
      json_decref(v);
    }
    ok = ok && rc == 0;
  }
  ok = ok && i == json_array_size(expected) && ctrt__jsonl_finish(d) == 0;
  ctrt__jsonl_free(d);
  return ok;
}

static void test_jsonl_every_split(void) {
  json_t *expected = jsonl_expected();
  CU_ASSERT_PTR_NOT_NULL_FATAL(expected);
  size_t len = strlen(jsonl_input);
  bool ok = true;
  for (size_t a = 0; a <= len && ok; a++)
    for (size_t b = a; b <= len && ok; b += 3)
      ok = jsonl_split(a, b, expected);
  CU_ASSERT_TRUE(ok);
  /* Pull side, one byte per read. */
  mem_reader m = {(const uint8_t *)jsonl_input, len, 0, 1};
  ctrt__jsonl *d = NULL;
  ASSERT_OK(ctrt__jsonl_new(&d, 0));
  json_t *v;
  size_t i = 0;
  int rc;
  while ((rc = ctrt__jsonl_next(d, mem_pull, &m, &v)) == 0) {
    CU_ASSERT_TRUE(json_equal(v, json_array_get(expected, i)));
    json_decref(v);
    i++;
  }
  CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
  CU_ASSERT_EQUAL(i, json_array_size(expected));
  ctrt__jsonl_free(d);
  /* The same values as bytes, one byte per read: each slice parses to the
   * value the DOM side gave. */
  m = (mem_reader){(const uint8_t *)jsonl_input, len, 0, 1};
  ASSERT_OK(ctrt__jsonl_new(&d, 0));
  const char *text = NULL;
  size_t text_len = 0;
  i = 0;
  while ((rc = ctrt__jsonl_next_text(d, mem_pull, &m, &text, &text_len)) == 0) {
    v = json_loadb(text, text_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    CU_ASSERT_PTR_NOT_NULL(v);
    CU_ASSERT_TRUE(json_equal(v, json_array_get(expected, i)));
    json_decref(v);
    i++;
  }
  CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
  CU_ASSERT_EQUAL(i, json_array_size(expected));
  CU_ASSERT_PTR_NULL(text);
  ctrt__jsonl_free(d);
  /* Bytes are not parsed: invalid JSON is the caller's to report, a value
   * over the cap and a cut value are the reader's errors as before. */
  static const char bad_then_long[] = "{\"a\":,}\n{\"toolong\":1}";
  ASSERT_OK(ctrt__jsonl_new(&d, 8));
  ASSERT_OK(ctrt__jsonl_feed(d, bad_then_long, sizeof bad_then_long - 1));
  CU_ASSERT_EQUAL(ctrt__jsonl_take_text(d, &text, &text_len), 1);
  CU_ASSERT_EQUAL(text_len, 7);
  CU_ASSERT_EQUAL(memcmp(text, "{\"a\":,}", 7), 0);
  ASSERT_FAILS_WITH(ctrt__jsonl_take_text(d, &text, &text_len), CTRT_ERROR_INTERNAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "exceeds 8 bytes"));
  ctrt__jsonl_free(d);
  m = (mem_reader){(const uint8_t *)"[1,2", 4, 0, 1};
  ASSERT_OK(ctrt__jsonl_new(&d, 0));
  ASSERT_FAILS_WITH(ctrt__jsonl_next_text(d, mem_pull, &m, &text, &text_len), CTRT_ERROR_NETWORK);
  ctrt__jsonl_free(d);
  json_decref(expected);
}

static void test_jsonl_limits_and_errors(void) {
  /* Over the cap, whether it arrives whole or in pieces: a clear error,
   * and memory stays near the cap. */
  char big[300];
  memset(big, ' ', sizeof big);
  memcpy(big, "{\"status\":\"", 11);
  memset(big + 11, 'x', 250);
  memcpy(big + 261, "\"}\n", 3);
  size_t big_len = 264;
  for (size_t step = 1; step <= 264; step += 263) {
    mem_reader m = {(const uint8_t *)big, big_len, 0, step};
    ctrt__jsonl *d = NULL;
    ASSERT_OK(ctrt__jsonl_new(&d, 64));
    json_t *v = NULL;
    ASSERT_FAILS_WITH(ctrt__jsonl_next(d, mem_pull, &m, &v), CTRT_ERROR_INTERNAL);
    CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "exceeds 64 bytes"));
    CU_ASSERT_PTR_NULL(v);
    ctrt__jsonl_free(d);
  }
  /* Unbalanced garbage never completes: the cap catches it too. */
  char garbage[4096];
  memset(garbage, '{', sizeof garbage);
  mem_reader m = {(const uint8_t *)garbage, sizeof garbage, 0, 100};
  ctrt__jsonl *d = NULL;
  ASSERT_OK(ctrt__jsonl_new(&d, 1000));
  json_t *v = NULL;
  ASSERT_FAILS_WITH(ctrt__jsonl_next(d, mem_pull, &m, &v), CTRT_ERROR_INTERNAL);
  ctrt__jsonl_free(d);
  /* Invalid JSON inside balanced brackets. */
  const char *invalid = "{\"ok\":1}\n{\"a\":tru}\n";
  m = (mem_reader){(const uint8_t *)invalid, strlen(invalid), 0, 5};
  ASSERT_OK(ctrt__jsonl_new(&d, 0));
  ASSERT_OK(ctrt__jsonl_next(d, mem_pull, &m, &v));
  json_decref(v);
  ASSERT_FAILS_WITH(ctrt__jsonl_next(d, mem_pull, &m, &v), CTRT_ERROR_INTERNAL);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "invalid JSON"));
  ctrt__jsonl_free(d);
  /* Ends in the middle of a value. */
  const char *cut = "{\"ok\":1}\n{\"a\":";
  m = (mem_reader){(const uint8_t *)cut, strlen(cut), 0, 64};
  ASSERT_OK(ctrt__jsonl_new(&d, 0));
  ASSERT_OK(ctrt__jsonl_next(d, mem_pull, &m, &v));
  json_decref(v);
  ASSERT_FAILS_WITH(ctrt__jsonl_next(d, mem_pull, &m, &v), CTRT_ERROR_NETWORK);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "middle of a JSON message"));
  ctrt__jsonl_free(d);
  /* A NUL inside a string would cut "busybox\u0000:x" to "busybox": refused,
   * with the path of the string, whatever the read splits. */
  const char *nul = "{\"ok\":1}\n{\"status\":\"Loaded\",\"id\":\"busybox\\u0000:x\"}\n";
  for (size_t step = 1; step <= 64; step += 63) {
    m = (mem_reader){(const uint8_t *)nul, strlen(nul), 0, step};
    ASSERT_OK(ctrt__jsonl_new(&d, 0));
    ASSERT_OK(ctrt__jsonl_next(d, mem_pull, &m, &v));
    json_decref(v);
    ASSERT_FAILS_WITH(ctrt__jsonl_next(d, mem_pull, &m, &v), CTRT_ERROR_INTERNAL);
    CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "NUL character"));
    CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "$.id"));
    CU_ASSERT_PTR_NULL(v);
    ctrt__jsonl_free(d);
  }
  /* Empty and whitespace-only streams end cleanly. */
  m = (mem_reader){(const uint8_t *)" \r\n\n ", 5, 0, 1};
  ASSERT_OK(ctrt__jsonl_new(&d, 0));
  CU_ASSERT_EQUAL(ctrt__jsonl_next(d, mem_pull, &m, &v), CTRT_ITEROVER);
  ctrt__jsonl_free(d);
}

/* ====================================================================== */
/* Docker helpers                                                         */
/* ====================================================================== */

static json_t *decode_auth(const char *value) {
  uint8_t *raw = NULL;
  size_t len = 0;
  if (ctrt__base64_decode(&raw, &len, value, strlen(value)) < 0)
    return NULL;
  json_error_t e;
  json_t *j = json_loadb((const char *)raw, len, 0, &e);
  free(raw);
  return j;
}

static void test_registry_auth(void) {
  char *v = NULL;
  ASSERT_OK(ctrt__docker_registry_auth(&v, NULL, NULL, NULL));
  CU_ASSERT_STRING_EQUAL(v, "e30=");
  free(v);
  ASSERT_OK(ctrt__docker_registry_auth(&v, "", "", ""));
  CU_ASSERT_STRING_EQUAL(v, "e30=");
  free(v);

  /* Bytes that give '+' and '/' in standard base64 must come out URL-safe. */
  const char *password = "p\xc3\xbf\xc3\xbe>>>???~~~";
  ASSERT_OK(ctrt__docker_registry_auth(&v, "alice", password, "localhost:5000"));
  CU_ASSERT_EQUAL(strlen(v) % 4, 0);
  CU_ASSERT_PTR_NULL(strpbrk(v, "+/"));
  json_t *j = decode_auth(v);
  CU_ASSERT_PTR_NOT_NULL_FATAL(j);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "username")), "alice");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "password")), password);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "serveraddress")), "localhost:5000");
  CU_ASSERT_EQUAL(json_object_size(j), 3);
  json_decref(j);
  free(v);

  /* A bad password is reported without its value. */
  const char *secret = "s3cr3t\xff\xfe";
  v = NULL;
  ASSERT_FAILS_WITH(ctrt__docker_registry_auth(&v, "bob", secret, "r.example"), CTRT_ERROR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NULL(v);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "password"));
  CU_ASSERT_FALSE(contains(ctrt_error_last()->message, "s3cr3t"));
}

static char *path_stat_header(const char *json) { return ctrt__base64_encode(json, strlen(json), false); }

static void test_path_stat(void) {
  struct {
    const char *json;
    uint32_t mode;
    const char *link;
    const char *mtime;
  } cases[] = {
      {"{\"name\":\"etc\",\"size\":4096,\"mode\":2147484141,\"mtime\":\"2024-05-01T12:00:00.5+02:00\","
       "\"linkTarget\":\"\"}",
       S_IFDIR | 0755, "", "2024-05-01T10:00:00.5Z"},
      {"{\"name\":\"sh\",\"size\":7,\"mode\":134218239,\"mtime\":\"2024-01-01T00:00:00Z\",\"linkTarget\":\"/bin/"
       "busybox\"}",
       S_IFLNK | 0777, "/bin/busybox", "2024-01-01T00:00:00Z"},
      {"{\"name\":\"su\",\"size\":10,\"mode\":8389101,\"mtime\":\"2024-01-01T00:00:00Z\"}", S_IFREG | S_ISUID | 0755,
       "", "2024-01-01T00:00:00Z"},
      {"{\"name\":\"tty\",\"size\":0,\"mode\":69206448,\"mtime\":\"2024-01-01T00:00:00Z\"}", S_IFCHR | 0660, "",
       "2024-01-01T00:00:00Z"},
      {"{\"name\":\"tmp\",\"size\":0,\"mode\":2148532735,\"mtime\":\"2024-01-01T00:00:00Z\"}", S_IFDIR | S_ISVTX | 0777,
       "", "2024-01-01T00:00:00Z"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *h = path_stat_header(cases[i].json);
    ctrt_path_stat *ps = NULL;
    ASSERT_OK(ctrt__docker_path_stat_decode(&ps, h));
    CU_ASSERT_EQUAL(ps->mode, cases[i].mode);
    CU_ASSERT_STRING_EQUAL(ps->link_target, cases[i].link);
    CU_ASSERT_STRING_EQUAL(ps->mtime, cases[i].mtime);
    ctrt_path_stat_free(ps);
    free(h);
  }
  char *h = path_stat_header(cases[0].json);
  ctrt_path_stat *ps = NULL;
  ASSERT_OK(ctrt__docker_path_stat_decode(&ps, h));
  CU_ASSERT_STRING_EQUAL(ps->name, "etc");
  CU_ASSERT_EQUAL(ps->size, 4096);
  ctrt_path_stat_free(ps);
  free(h);

  /* Hostile values: refused, never narrowed. */
  const char *hostile[] = {
      "{\"name\":\"f\",\"size\":-1,\"mode\":420,\"mtime\":\"2024-01-01T00:00:00Z\"}",
      "{\"name\":\"f\",\"size\":1,\"mode\":4294967296,\"mtime\":\"2024-01-01T00:00:00Z\"}",
      "{\"name\":\"f\",\"size\":1,\"mode\":8589935012,\"mtime\":\"2024-01-01T00:00:00Z\"}",
      "{\"name\":\"f\",\"size\":1.5,\"mode\":420,\"mtime\":\"2024-01-01T00:00:00Z\"}",
      "{\"name\":\"f\\u0000g\",\"size\":1,\"mode\":420,\"mtime\":\"2024-01-01T00:00:00Z\"}",
      "{\"name\":\"f\",\"size\":1,\"mode\":420,\"linkTarget\":\"/a\\u0000b\"}",
  };
  for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
    h = path_stat_header(hostile[i]);
    ps = NULL;
    ASSERT_FAILS_WITH(ctrt__docker_path_stat_decode(&ps, h), CTRT_ERROR_INTERNAL);
    CU_ASSERT_PTR_NULL(ps);
    free(h);
  }

  /* Every Go type bit. */
  CU_ASSERT_EQUAL(ctrt__docker_file_mode_to_posix(0644), S_IFREG | 0644);
  CU_ASSERT_EQUAL(ctrt__docker_file_mode_to_posix((1u << 31) | 0700), S_IFDIR | 0700);
  CU_ASSERT_EQUAL(ctrt__docker_file_mode_to_posix((1u << 27) | 0777), S_IFLNK | 0777);
  CU_ASSERT_EQUAL(ctrt__docker_file_mode_to_posix((1u << 25) | 0600), S_IFIFO | 0600);
  CU_ASSERT_EQUAL(ctrt__docker_file_mode_to_posix((1u << 24) | 0755), S_IFSOCK | 0755);
  CU_ASSERT_EQUAL(ctrt__docker_file_mode_to_posix((1u << 26) | 0660), S_IFBLK | 0660);
  CU_ASSERT_EQUAL(ctrt__docker_file_mode_to_posix((1u << 26) | (1u << 21) | 0666), S_IFCHR | 0666);
  CU_ASSERT_EQUAL(ctrt__docker_file_mode_to_posix((1u << 22) | 0755), S_IFREG | S_ISGID | 0755);
  CU_ASSERT_EQUAL(ctrt__docker_file_mode_to_posix((1u << 23) | (1u << 22) | (1u << 20) | 0755),
                  S_IFREG | S_ISUID | S_ISGID | S_ISVTX | 0755);

  /* Broken headers are errors with a message, not crashes. */
  const char *broken[] = {"", "!!!notbase64", "bm90IGpzb24=" /* "not json" */, "eyJuYW1lIjoxfQ==" /* {"name":1} */,
                          "W10=" /* [] */};
  for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
    ps = NULL;
    ASSERT_FAILS_WITH(ctrt__docker_path_stat_decode(&ps, broken[i]), CTRT_ERROR_INTERNAL);
    CU_ASSERT_PTR_NULL(ps);
    CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "X-Docker-Container-Path-Stat"));
  }
  ASSERT_FAILS_WITH(ctrt__docker_path_stat_decode(&ps, NULL), CTRT_ERROR_INTERNAL);
}

static void test_error_bodies(void) {
  struct {
    int status;
    const char *body;
    ctrt_error_kind kind;
    const char *text;
  } cases[] = {
      {404, "{\"message\":\"No such container: web-rep-1\"}\n", CTRT_ERROR_NOT_FOUND, "No such container: web-rep-1"},
      {409, "{\"message\":\"Conflict. The container name \\\"/web\\\" is already in use\"}", CTRT_ERROR_CONFLICT,
       "Conflict. The container name \"/web\" is already in use"},
      {400, "{\"message\":\"invalid signal: SIGFOO\"}", CTRT_ERROR_INVALID_SPEC, "invalid signal: SIGFOO"},
      {500, "{\"message\":\"cannot unpause: not paused\"}", CTRT_ERROR_INTERNAL, "cannot unpause: not paused"},
      {503, "<html>\n<body>Service\tUnavailable</body>\n</html>\n", CTRT_ERROR_INTERNAL,
       "<html> <body>Service Unavailable</body> </html>"},
      {502, "", CTRT_ERROR_INTERNAL, "no message from the Docker daemon (HTTP 502 from GET /x)"},
      {501, "{\"message\":\"not implemented\"}", CTRT_ERROR_UNSUPPORTED, "not implemented"},
      /* A router's 404 (no JSON message): the endpoint is missing (Podman
       * 4.3's container update), not the container. */
      {404, "Not Found\n", CTRT_ERROR_UNSUPPORTED, "does not serve GET /x"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int rc = ctrt__docker_error_from_body(cases[i].status, cases[i].body, strlen(cases[i].body), "GET /x");
    CU_ASSERT_EQUAL(rc, -(int)cases[i].kind);
    CU_ASSERT_EQUAL(ctrt_error_last()->kind, cases[i].kind);
    CU_ASSERT_EQUAL(ctrt_error_last()->http_status, cases[i].status);
    CU_ASSERT_TRUE(contains(ctrt_error_last()->message, cases[i].text));
    CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "GET /x"));
  }
}

static void test_escape_and_versions(void) {
  char *e = ctrt__http_escape("a b/c?d=é&~_.-");
  CU_ASSERT_STRING_EQUAL(e, "a%20b%2Fc%3Fd%3D%C3%A9%26~_.-");
  free(e);
  int ma, mi;
  CU_ASSERT_TRUE(ctrt__api_version_parse("1.41", &ma, &mi));
  CU_ASSERT_EQUAL(ma, 1);
  CU_ASSERT_EQUAL(mi, 41);
  CU_ASSERT_FALSE(ctrt__api_version_parse("1.41a", &ma, &mi));
  CU_ASSERT_FALSE(ctrt__api_version_parse("v1.41", &ma, &mi));
  CU_ASSERT_FALSE(ctrt__api_version_parse("1", &ma, &mi));
  CU_ASSERT_FALSE(ctrt__api_version_parse(NULL, &ma, &mi));
}

/* ====================================================================== */
/* Endpoints and environment                                              */
/* ====================================================================== */

static void test_endpoints(void) {
  ctrt__endpoint ep;
  ASSERT_OK(ctrt__endpoint_parse(&ep, "unix:///var/run/docker.sock", true));
  CU_ASSERT_TRUE(ep.is_unix);
  CU_ASSERT_STRING_EQUAL(ep.unix_path, "/var/run/docker.sock");
  CU_ASSERT_STRING_EQUAL(ep.base_url, "http://localhost");
  ctrt__endpoint_clear(&ep);
  ASSERT_OK(ctrt__endpoint_parse(&ep, "tcp://10.0.0.1", false));
  CU_ASSERT_STRING_EQUAL(ep.base_url, "http://10.0.0.1:2375");
  ctrt__endpoint_clear(&ep);
  ASSERT_OK(ctrt__endpoint_parse(&ep, "tcp://docker.example:2376/", true));
  CU_ASSERT_STRING_EQUAL(ep.base_url, "https://docker.example:2376");
  CU_ASSERT_TRUE(ep.tls);
  ctrt__endpoint_clear(&ep);
  ASSERT_OK(ctrt__endpoint_parse(&ep, "tcp://[::1]", true));
  CU_ASSERT_STRING_EQUAL(ep.base_url, "https://[::1]:2376");
  ctrt__endpoint_clear(&ep);
  ASSERT_OK(ctrt__endpoint_parse(&ep, "https://h:9000", false));
  CU_ASSERT_STRING_EQUAL(ep.base_url, "https://h:9000");
  ctrt__endpoint_clear(&ep);
  ASSERT_OK(ctrt__endpoint_parse(&ep, "http://h:9000", true));
  CU_ASSERT_STRING_EQUAL(ep.base_url, "http://h:9000");
  ctrt__endpoint_clear(&ep);
  const char *bad[] = {"ssh://me@host",     "npipe:////./pipe/docker_engine",
                       "unix://relative",   "tcp://",
                       "tcp://h:0",         "tcp://h:99999",
                       "tcp://h:2375/base", "tcp://h:x",
                       "tcp://[::1",        "fd://"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ASSERT_FAILS_WITH(ctrt__endpoint_parse(&ep, bad[i], false), CTRT_ERROR_CONFIGURATION);
}

static void clear_docker_env(void) {
  unsetenv("DOCKER_HOST");
  unsetenv("DOCKER_TLS_VERIFY");
  unsetenv("DOCKER_CERT_PATH");
  unsetenv("DOCKER_API_VERSION");
}

static void make_temp_dir(char *dir, size_t cap) {
  snprintf(dir, cap, "/tmp/ctrt-certs-XXXXXX");
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
}

static void remove_cert_dir(const char *dir) {
  const char *names[] = {"ca.pem", "cert.pem", "key.pem"};
  for (int i = 0; i < 3; i++) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    unlink(p);
  }
  rmdir(dir);
}

static void write_file(const char *dir, const char *name, const char *text) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs(text, f);
  fclose(f);
}

static void test_config_from_env(void) {
  ctrt__http_config cfg;
  clear_docker_env();
  ASSERT_OK(ctrt__docker_config_from_env(&cfg));
  CU_ASSERT_STRING_EQUAL(cfg.host, "unix:///var/run/docker.sock");
  CU_ASSERT_FALSE(cfg.tls);
  CU_ASSERT_PTR_NULL(cfg.api_version);
  ctrt__http_config_clear(&cfg);

  char dir[64];
  make_temp_dir(dir, sizeof dir);
  write_file(dir, "ca.pem", "x");
  write_file(dir, "cert.pem", "x");
  write_file(dir, "key.pem", "x");
  setenv("DOCKER_HOST", "tcp://192.0.2.1:2376", 1);
  setenv("DOCKER_TLS_VERIFY", "1", 1);
  setenv("DOCKER_CERT_PATH", dir, 1);
  setenv("DOCKER_API_VERSION", "1.40", 1);
  ASSERT_OK(ctrt__docker_config_from_env(&cfg));
  CU_ASSERT_TRUE(cfg.tls);
  CU_ASSERT_TRUE(cfg.tls_verify);
  CU_ASSERT_STRING_EQUAL(cfg.api_version, "1.40");
  CU_ASSERT_TRUE(cfg.ca_file && contains(cfg.ca_file, "/ca.pem"));
  CU_ASSERT_TRUE(cfg.cert_file && contains(cfg.cert_file, "/cert.pem"));
  CU_ASSERT_TRUE(cfg.key_file && contains(cfg.key_file, "/key.pem"));
  ctrt__http_config_clear(&cfg);

  /* DOCKER_CERT_PATH alone: TLS without verification (the Go client). */
  unsetenv("DOCKER_TLS_VERIFY");
  ASSERT_OK(ctrt__docker_config_from_env(&cfg));
  CU_ASSERT_TRUE(cfg.tls);
  CU_ASSERT_FALSE(cfg.tls_verify);
  ctrt__http_config_clear(&cfg);

  /* Half a client certificate. */
  char p[512];
  snprintf(p, sizeof p, "%s/key.pem", dir);
  unlink(p);
  setenv("DOCKER_TLS_VERIFY", "1", 1);
  ASSERT_FAILS_WITH(ctrt__docker_config_from_env(&cfg), CTRT_ERROR_CONFIGURATION);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "key.pem"));
  CU_ASSERT_PTR_NULL(cfg.host);

  unsetenv("DOCKER_CERT_PATH");
  unsetenv("DOCKER_TLS_VERIFY");
  setenv("DOCKER_HOST", "ssh://me@host", 1);
  ASSERT_FAILS_WITH(ctrt__docker_config_from_env(&cfg), CTRT_ERROR_CONFIGURATION);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "DOCKER_HOST"));
  setenv("DOCKER_HOST", "unix:///x.sock", 1);
  setenv("DOCKER_API_VERSION", "latest", 1);
  ASSERT_FAILS_WITH(ctrt__docker_config_from_env(&cfg), CTRT_ERROR_CONFIGURATION);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "DOCKER_API_VERSION"));
  clear_docker_env();
  remove_cert_dir(dir);
}

/* ====================================================================== */
/* Fake daemon                                                            */
/* ====================================================================== */

typedef struct srv srv;
typedef fake_next (*route_fn)(fake_conn *c, const fake_request *r, srv *s);

struct srv {
  const char *ping_version; /* Api-Version of /_ping; NULL: none */
  const char *version_body; /* body of /version; NULL: 404 */
  bool route_everything;    /* also /_ping and /version */
  route_fn route;
  const void *data; /* for routes */
  size_t data_len;
  pthread_mutex_t lock;
  char targets[64][256];
  int n_targets;
  /* what routes saw */
  char sha[65];
  size_t total;
  bool chunked;
  char content_type[128];
  char upgrade[64], connection[64];
  char body[1024];
  int hijack_echoed;
};

static fake_next dispatch(fake_conn *c, const fake_request *r, void *arg) {
  srv *s = arg;
  pthread_mutex_lock(&s->lock);
  if (s->n_targets < 64)
    snprintf(s->targets[s->n_targets++], sizeof s->targets[0], "%s %.200s", r->method, r->target);
  pthread_mutex_unlock(&s->lock);
  if (!s->route_everything && strcmp(r->target, "/_ping") == 0) {
    char h[128] = "";
    if (s->ping_version)
      snprintf(h, sizeof h, "Api-Version: %s\r\n", s->ping_version);
    fake_respond(c, 200, h, "OK");
    return FAKE_KEEP;
  }
  if (!s->route_everything && strcmp(r->target, "/version") == 0) {
    if (s->version_body)
      fake_respond(c, 200, "Content-Type: application/json\r\n", s->version_body);
    else
      fake_respond(c, 404, NULL, "{\"message\":\"page not found\"}");
    return FAKE_KEEP;
  }
  if (s->route)
    return s->route(c, r, s);
  fake_respond(c, 404, NULL, "{\"message\":\"no route\"}");
  return FAKE_KEEP;
}

static fake_server *start_srv(srv *s, fake_kind kind) {
  pthread_mutex_init(&s->lock, NULL);
  return fake_server_start(kind, dispatch, s);
}

static void stop_srv(fake_server *fs, srv *s) {
  fake_server_stop(fs);
  pthread_mutex_destroy(&s->lock);
}

static bool saw_target(srv *s, const char *target) {
  pthread_mutex_lock(&s->lock);
  bool found = false;
  for (int i = 0; i < s->n_targets && !found; i++)
    found = strcmp(s->targets[i], target) == 0;
  pthread_mutex_unlock(&s->lock);
  return found;
}

static ctrt__http_client *client_for(fake_server *fs, long timeout_ms, const char *pinned) {
  ctrt__http_config cfg = {0};
  cfg.host = (char *)fake_server_host(fs);
  cfg.negotiate = ctrt__docker_negotiate;
  cfg.request_timeout_ms = timeout_ms;
  cfg.error_from_body = ctrt__docker_error_from_body; /* the daemon these tests play */
  cfg.api_version = (char *)pinned;
  ctrt__http_client *c = NULL;
  ASSERT_OK(ctrt__http_client_new(&c, &cfg));
  return c;
}

static ctrt__http_request get(const char *path) {
  ctrt__http_request r = CTRT__HTTP_REQUEST_INIT;
  r.path = path;
  return r;
}

/* ---- negotiation ---- */

static fake_next route_ok(fake_conn *c, const fake_request *r, srv *s) {
  (void)r;
  (void)s;
  fake_respond(c, 200, "Content-Type: application/json\r\n", "[]");
  return FAKE_KEEP;
}

static void test_negotiation(void) {
  /* The daemon is older: its version wins. */
  srv s = {.ping_version = "1.40", .route = route_ok};
  fake_server *fs = start_srv(&s, FAKE_UNIX);
  ctrt__http_client *c = client_for(fs, 0, NULL);
  CU_ASSERT_PTR_NULL(ctrt__http_api_version(c));
  ASSERT_OK(ctrt__http_negotiate(c));
  CU_ASSERT_STRING_EQUAL(ctrt__http_api_version(c), "1.40");
  ctrt__http_request req = get("/containers/json?all=1");
  ctrt__http_response *resp = NULL;
  ASSERT_OK(ctrt__http_do_checked(c, &req, &resp));
  CU_ASSERT_EQUAL(resp->status, 200);
  CU_ASSERT_STRING_EQUAL(resp->body, "[]");
  ctrt__http_response_free(resp);
  CU_ASSERT_TRUE(saw_target(&s, "GET /v1.40/containers/json?all=1"));
  ctrt__http_client_free(c);
  stop_srv(fs, &s);

  /* The daemon is newer: ours (1.41) wins; negotiation happens lazily. */
  srv s2 = {.ping_version = "1.43", .route = route_ok};
  fs = start_srv(&s2, FAKE_TCP);
  c = client_for(fs, 0, NULL);
  req = get("/info");
  ASSERT_OK(ctrt__http_do_checked(c, &req, &resp));
  ctrt__http_response_free(resp);
  CU_ASSERT_STRING_EQUAL(ctrt__http_api_version(c), "1.41");
  CU_ASSERT_STRING_EQUAL(s2.targets[0], "GET /_ping");
  CU_ASSERT_STRING_EQUAL(s2.targets[1], "GET /v1.41/info");
  ctrt__http_client_free(c);
  stop_srv(fs, &s2);

  /* No Api-Version header: GET /version. */
  srv s3 = {.ping_version = NULL, .version_body = "{\"Version\":\"19.03\",\"ApiVersion\":\"1.38\"}", .route = route_ok};
  fs = start_srv(&s3, FAKE_UNIX);
  c = client_for(fs, 0, NULL);
  ASSERT_OK(ctrt__http_negotiate(c));
  CU_ASSERT_STRING_EQUAL(ctrt__http_api_version(c), "1.38");
  ctrt__http_client_free(c);
  stop_srv(fs, &s3);

  /* Pinned: no negotiation at all. */
  srv s4 = {.ping_version = "1.41", .route = route_ok};
  fs = start_srv(&s4, FAKE_UNIX);
  c = client_for(fs, 0, "1.30");
  req = get("/images/json");
  ASSERT_OK(ctrt__http_do_checked(c, &req, &resp));
  ctrt__http_response_free(resp);
  CU_ASSERT_TRUE(saw_target(&s4, "GET /v1.30/images/json"));
  CU_ASSERT_FALSE(saw_target(&s4, "GET /_ping"));
  ctrt__http_client_free(c);
  stop_srv(fs, &s4);
}

/* ---- buffered requests ---- */

static fake_next route_misc(fake_conn *c, const fake_request *r, srv *s) {
  char v[256];
  if (strcmp(r->target, "/v1.41/chunked") == 0) {
    fake_chunked_head(c, 200, "X-Test: yes\r\nContent-Type: text/plain\r\n");
    fake_chunk(c, "hello ", 6, true);
    fake_chunk(c, "chunked ", 8, true);
    fake_chunk(c, "world", 5, true);
    fake_write_slow(c, "0\r\n\r\n", 5);
    return FAKE_KEEP;
  }
  if (strcmp(r->target, "/v1.41/containers/create?name=web") == 0 && strcmp(r->method, "POST") == 0) {
    pthread_mutex_lock(&s->lock);
    const char *ct = fake_request_header(r, "Content-Type", v, sizeof v);
    snprintf(s->content_type, sizeof s->content_type, "%s", ct ? ct : "");
    snprintf(s->body, sizeof s->body, "%s", (const char *)r->body);
    pthread_mutex_unlock(&s->lock);
    fake_respond(c, 201, "Content-Type: application/json\r\n", "{\"Id\":\"abc123\",\"Warnings\":[]}");
    return FAKE_KEEP;
  }
  if (strcmp(r->target, "/v1.41/containers/web/start") == 0) {
    const char *ct = fake_request_header(r, "Content-Type", v, sizeof v);
    fake_respond(c, ct && ct[0] ? 400 : 304, NULL, NULL); /* no body, no form content type */
    return FAKE_KEEP;
  }
  if (strncmp(r->target, "/v1.41/containers/web/archive?path=", 35) == 0 && strcmp(r->method, "HEAD") == 0) {
    char *h = path_stat_header("{\"name\":\"passwd\",\"size\":1234,\"mode\":420,\"mtime\":\"2024-02-03T04:05:06Z\","
                               "\"linkTarget\":\"\"}");
    char extra[512];
    snprintf(extra, sizeof extra, "X-Docker-Container-Path-Stat: %s\r\nContent-Type: application/x-tar\r\n", h);
    free(h);
    fake_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n%s\r\n", extra);
    return FAKE_KEEP;
  }
  if (strcmp(r->target, "/v1.41/containers/web") == 0 && strcmp(r->method, "DELETE") == 0) {
    fake_respond(c, 204, NULL, NULL);
    return FAKE_KEEP;
  }
  if (strcmp(r->target, "/v1.41/short") == 0) {
    fake_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b");
    return FAKE_CLOSE;
  }
  if (strcmp(r->target, "/v1.41/notjson") == 0) {
    fake_respond(c, 200, NULL, "{not json");
    return FAKE_KEEP;
  }
  fake_respond(c, 404, NULL, "{\"message\":\"no route\"}");
  return FAKE_KEEP;
}

static void run_buffered(fake_kind kind) {
  srv s = {.ping_version = "1.41", .route = route_misc};
  fake_server *fs = start_srv(&s, kind);
  ctrt__http_client *c = client_for(fs, 0, NULL);

  /* A chunked response written byte by byte. */
  ctrt__http_request req = get("/chunked");
  ctrt__http_response *resp = NULL;
  ASSERT_OK(ctrt__http_do(c, &req, &resp));
  CU_ASSERT_EQUAL(resp->status, 200);
  CU_ASSERT_EQUAL(resp->body_len, 19);
  CU_ASSERT_STRING_EQUAL(resp->body, "hello chunked world");
  CU_ASSERT_STRING_EQUAL(ctrt__http_response_header(resp, "x-test"), "yes");
  CU_ASSERT_PTR_NULL(ctrt__http_response_header(resp, "X-Missing"));
  ctrt__http_response_free(resp);

  /* POST with a JSON body. */
  const char *body = "{\"Image\":\"ctrt/test\",\"Cmd\":[\"sleep\",\"60\"]}";
  req = (ctrt__http_request)CTRT__HTTP_REQUEST_INIT;
  req.method = "POST";
  req.path = "/containers/create?name=web";
  req.content_type = "application/json";
  req.body = body;
  req.body_len = strlen(body);
  json_t *j = NULL;
  int status = 0;
  ASSERT_OK(ctrt__http_do_json(c, &req, &status, &j));
  CU_ASSERT_EQUAL(status, 201);
  CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "Id")), "abc123");
  json_decref(j);
  CU_ASSERT_STRING_EQUAL(s.content_type, "application/json");
  CU_ASSERT_STRING_EQUAL(s.body, body);

  /* POST without a body; 304 is not an error. */
  req = (ctrt__http_request)CTRT__HTTP_REQUEST_INIT;
  req.method = "POST";
  req.path = "/containers/web/start";
  ASSERT_OK(ctrt__http_do_checked(c, &req, &resp));
  CU_ASSERT_EQUAL(resp->status, 304);
  CU_ASSERT_EQUAL(resp->body_len, 0);
  CU_ASSERT_STRING_EQUAL(resp->body, "");
  ctrt__http_response_free(resp);

  /* HEAD with the path-stat header. */
  req = (ctrt__http_request)CTRT__HTTP_REQUEST_INIT;
  req.method = "HEAD";
  req.path = "/containers/web/archive?path=%2Fetc%2Fpasswd";
  ASSERT_OK(ctrt__http_do_checked(c, &req, &resp));
  ctrt_path_stat *ps = NULL;
  ASSERT_OK(ctrt__docker_path_stat_decode(&ps, ctrt__http_response_header(resp, "X-Docker-Container-Path-Stat")));
  CU_ASSERT_STRING_EQUAL(ps->name, "passwd");
  CU_ASSERT_EQUAL(ps->size, 1234);
  CU_ASSERT_EQUAL(ps->mode, S_IFREG | 0644);
  ctrt_path_stat_free(ps);
  ctrt__http_response_free(resp);

  /* DELETE, 204. */
  req = (ctrt__http_request)CTRT__HTTP_REQUEST_INIT;
  req.method = "DELETE";
  req.path = "/containers/web";
  ASSERT_OK(ctrt__http_do_checked(c, &req, &resp));
  CU_ASSERT_EQUAL(resp->status, 204);
  ctrt__http_response_free(resp);

  /* Invalid JSON where JSON was expected. */
  req = get("/notjson");
  ASSERT_FAILS_WITH(ctrt__http_do_json(c, &req, NULL, &j), CTRT_ERROR_INTERNAL);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "not valid JSON"));

  /* Closed before Content-Length was reached. */
  req = get("/short");
  ASSERT_FAILS_WITH(ctrt__http_do(c, &req, &resp), CTRT_ERROR_NETWORK);
  CU_ASSERT_PTR_NULL(resp);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "GET /short"));

  /* Bad requests are refused before anything is sent. */
  req = get("no-slash");
  ASSERT_FAILS_WITH(ctrt__http_do(c, &req, &resp), CTRT_ERROR_INVALID_ARGUMENT);
  req = get("/a b");
  ASSERT_FAILS_WITH(ctrt__http_do(c, &req, &resp), CTRT_ERROR_INVALID_ARGUMENT);
  const char *evil[] = {"X-A: 1\r\nX-B: 2", NULL};
  req = get("/x");
  req.headers = evil;
  ASSERT_FAILS_WITH(ctrt__http_do(c, &req, &resp), CTRT_ERROR_INVALID_ARGUMENT);

  ctrt__http_client_free(c);
  stop_srv(fs, &s);
}

/* ---- reused handles ---- */

/* What a request carried: "METHOD ua=.. ct=.. auth=.. body=N". */
static fake_next route_carried(fake_conn *c, const fake_request *r, srv *s) {
  (void)s;
  char ua[64], ct[64], auth[64], text[512];
  const char *u = fake_request_header(r, "User-Agent", ua, sizeof ua);
  const char *t = fake_request_header(r, "Content-Type", ct, sizeof ct);
  const char *a = fake_request_header(r, "X-Registry-Auth", auth, sizeof auth);
  if (strcmp(r->target, "/v1.41/big") == 0) {
    /* An announced body larger than the first buffer a transfer takes. */
    static char big[100001];
    memset(big, 'b', sizeof big - 1);
    fake_respond(c, 200, NULL, big);
    return FAKE_KEEP;
  }
  snprintf(text, sizeof text, "%s ua=%s ct=%s auth=%s body=%zu", r->method, u ? u : "", t ? t : "", a ? a : "",
           r->body_total);
  if (strcmp(r->method, "HEAD") == 0)
    fake_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nX-Echo: %s\r\n\r\n", strlen(text), text);
  else
    fake_respond(c, 200, NULL, text);
  return FAKE_KEEP;
}

/* One request on c; its echoed body (or, for HEAD, its X-Echo header). */
static void expect_echo(ctrt__http_client *c, const ctrt__http_request *req, const char *expected) {
  ctrt__http_response *resp = NULL;
  ASSERT_OK(ctrt__http_do_checked(c, req, &resp));
  const char *seen =
      strcmp(req->method ? req->method : "GET", "HEAD") == 0 ? ctrt__http_response_header(resp, "X-Echo") : resp->body;
  CU_ASSERT_STRING_EQUAL(seen ? seen : "(none)", expected);
  if (strcmp(seen ? seen : "", expected) != 0)
    fprintf(stderr, "expected \"%s\", got \"%s\"\n", expected, seen ? seen : "(none)");
  ctrt__http_response_free(resp);
}

/* A pooled handle keeps the client's options between plain GETs; whatever
 * another request set (method, body, upload, headers, HEAD, a stream's
 * buffer) must not leak into the next one on the same connection. */
static void test_reused_handles_start_clean(void) {
  srv s = {.ping_version = "1.41", .route = route_carried};
  fake_server *fs = start_srv(&s, FAKE_UNIX);
  ctrt__http_client *c = client_for(fs, 0, NULL);
  const char *auth[] = {"X-Registry-Auth: abc", NULL};

  ctrt__http_request req = get("/echo");
  expect_echo(c, &req, "GET ua=ctrt/0.1 ct= auth= body=0");
  req.headers = auth;
  expect_echo(c, &req, "GET ua=ctrt/0.1 ct= auth=abc body=0");
  req = get("/echo");
  expect_echo(c, &req, "GET ua=ctrt/0.1 ct= auth= body=0");

  req = (ctrt__http_request)CTRT__HTTP_REQUEST_INIT;
  req.method = "PUT";
  req.path = "/echo";
  req.content_type = "application/x-tar";
  req.body = "xyz";
  req.body_len = 3;
  req.headers = auth;
  expect_echo(c, &req, "PUT ua=ctrt/0.1 ct=application/x-tar auth=abc body=3");
  req = get("/echo");
  expect_echo(c, &req, "GET ua=ctrt/0.1 ct= auth= body=0");

  req = (ctrt__http_request)CTRT__HTTP_REQUEST_INIT;
  req.method = "DELETE";
  req.path = "/echo";
  expect_echo(c, &req, "DELETE ua=ctrt/0.1 ct= auth= body=0");
  req.method = "HEAD";
  expect_echo(c, &req, "HEAD ua=ctrt/0.1 ct= auth= body=0");
  req = get("/echo");
  expect_echo(c, &req, "GET ua=ctrt/0.1 ct= auth= body=0");

  ctrt__http_stream *st = NULL;
  req = get("/echo");
  ASSERT_OK(ctrt__http_stream_open(c, &req, &st));
  char buf[256];
  size_t n = 0, got = 0;
  int rc;
  while ((rc = ctrt__http_stream_read(st, buf + got, sizeof buf - 1 - got, &n)) == 0)
    got += n;
  CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
  buf[got] = '\0';
  CU_ASSERT_STRING_EQUAL(buf, "GET ua=ctrt/0.1 ct= auth= body=0");
  ctrt__http_stream_free(st);
  req = get("/echo");
  expect_echo(c, &req, "GET ua=ctrt/0.1 ct= auth= body=0");

  /* Announced sizes: the buffer is taken at once and filled exactly. */
  ctrt__http_response *resp = NULL;
  req = get("/big");
  ASSERT_OK(ctrt__http_do_checked(c, &req, &resp));
  CU_ASSERT_EQUAL(resp->body_len, 100000);
  CU_ASSERT_EQUAL(strspn(resp->body, "b"), 100000);
  ctrt__http_response_free(resp);

  CU_ASSERT_EQUAL(fake_server_connections(fs), 1); /* all on one kept-alive connection */
  ctrt__http_client_free(c);
  stop_srv(fs, &s);
}

/* After fork() the child opens its own connection rather than taking the
 * parent's pooled one (the pool's owner check, on a pid cached per process). */
static void test_fork_child_own_connection(void) {
  srv s = {.ping_version = "1.41", .route = route_carried};
  fake_server *fs = start_srv(&s, FAKE_UNIX);
  ctrt__http_client *c = client_for(fs, 0, NULL);
  ctrt__http_request req = get("/echo");
  expect_echo(c, &req, "GET ua=ctrt/0.1 ct= auth= body=0");
  CU_ASSERT_EQUAL(fake_server_connections(fs), 1);
  pid_t pid = fork();
  if (pid == 0) {
    ctrt__http_response *resp = NULL;
    int rc = ctrt__http_do_checked(c, &req, &resp);
    bool ok = rc == 0 && strcmp(resp->body, "GET ua=ctrt/0.1 ct= auth= body=0") == 0;
    ctrt__http_response_free(resp);
    /* Its verdict through exec: the child ends without the parent's clean-up
     * (the fake server's threads are the parent's), which valgrind's leak
     * check would count against it; it does not follow the exec. */
    execl(ok ? "/bin/true" : "/bin/false", ok ? "true" : "false", (char *)NULL);
    _exit(2);
  }
  CU_ASSERT_FATAL(pid > 0);
  int status = 0;
  CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
  CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CU_ASSERT_EQUAL(fake_server_connections(fs), 2);
  expect_echo(c, &req, "GET ua=ctrt/0.1 ct= auth= body=0"); /* the parent's connection, still its own */
  CU_ASSERT_EQUAL(fake_server_connections(fs), 2);
  ctrt__http_client_free(c);
  stop_srv(fs, &s);
}

static void test_buffered_unix(void) { run_buffered(FAKE_UNIX); }
static void test_buffered_tcp(void) { run_buffered(FAKE_TCP); }

/* ---- errors from the daemon ---- */

static fake_next route_errors(fake_conn *c, const fake_request *r, srv *s) {
  (void)s;
  if (strcmp(r->target, "/v1.41/containers/missing/json") == 0)
    fake_respond(c, 404, "Content-Type: application/json\r\n", "{\"message\":\"No such container: missing\"}\n");
  else if (strcmp(r->target, "/v1.41/containers/web/pause") == 0)
    fake_respond(c, 409, "Content-Type: application/json\r\n", "{\"message\":\"Container web is already paused\"}\n");
  else if (strcmp(r->target, "/v1.41/containers/web/kill?signal=SIGFOO") == 0)
    fake_respond(c, 400, NULL, "{\"message\":\"Invalid signal: SIGFOO\"}");
  else if (strcmp(r->target, "/v1.41/boom") == 0)
    fake_respond(c, 500, "Content-Type: text/plain\r\n", "runtime exploded\n");
  else if (strncmp(r->target, "/v1.41/containers/missing/logs", 30) == 0) {
    fake_chunked_head(c, 404, "Content-Type: application/json\r\n");
    fake_chunk(c, "{\"message\":\"No such ", 20, true);
    fake_chunk(c, "container: missing\"}", 20, true);
    fake_chunked_end(c);
  } else if (strcmp(r->target, "/v1.41/images/localhost:5000/x/push?tag=1") == 0)
    fake_respond(c, 500, NULL, "{\"message\":\"unauthorized: authentication required\"}");
  else
    fake_respond(c, 404, NULL, "{\"message\":\"no route\"}");
  return FAKE_KEEP;
}

/* Without a mapper the transport reads no daemon format: the body is text. */
static void test_error_plain(void) {
  srv s = {.ping_version = "1.41", .route = route_errors};
  fake_server *fs = start_srv(&s, FAKE_UNIX);
  ctrt__http_config cfg = {0};
  cfg.host = (char *)fake_server_host(fs);
  cfg.negotiate = ctrt__docker_negotiate;
  ctrt__http_client *c = NULL;
  ASSERT_OK(ctrt__http_client_new(&c, &cfg));
  ctrt__http_response *resp = NULL;
  ctrt__http_request req = get("/containers/missing/json");
  ASSERT_FAILS_WITH(ctrt__http_do_checked(c, &req, &resp), CTRT_ERROR_NOT_FOUND);
  CU_ASSERT_PTR_NULL(resp);
  CU_ASSERT_EQUAL(ctrt_error_last()->http_status, 404);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "HTTP 404 from GET /containers/missing/json: {"));
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "No such container: missing"));
  ctrt__http_client_free(c);
  stop_srv(fs, &s);

  CU_ASSERT_EQUAL(ctrt__http_error_plain(502, "bad\r\n  gateway\n", 15, NULL), -(int)CTRT_ERROR_INTERNAL);
  CU_ASSERT_STRING_EQUAL(ctrt_error_last()->message, "HTTP 502 from the server: bad gateway");
}

/* Without a version hook the transport asks nothing and prefixes nothing:
 * versions are the backend's business (the docker backend's /_ping). */
static void test_no_version_hook(void) {
  srv s = {.ping_version = "1.41", .route = route_errors};
  fake_server *fs = start_srv(&s, FAKE_UNIX);
  ctrt__http_config cfg = {0};
  cfg.host = (char *)fake_server_host(fs);
  ctrt__http_client *c = NULL;
  ASSERT_OK(ctrt__http_client_new(&c, &cfg));
  ASSERT_OK(ctrt__http_negotiate(c));
  CU_ASSERT_PTR_NULL(ctrt__http_api_version(c));
  ctrt__http_response *resp = NULL;
  ctrt__http_request req = get("/containers/missing/json");
  ASSERT_OK(ctrt__http_do(c, &req, &resp));
  CU_ASSERT_EQUAL(resp->status, 404);
  ctrt__http_response_free(resp);
  CU_ASSERT_TRUE(saw_target(&s, "GET /containers/missing/json"));
  CU_ASSERT_FALSE(saw_target(&s, "GET /_ping"));
  ctrt__http_client_free(c);
  stop_srv(fs, &s);
}

static void test_error_mapping(void) {
  srv s = {.ping_version = "1.41", .route = route_errors};
  fake_server *fs = start_srv(&s, FAKE_UNIX);
  ctrt__http_client *c = client_for(fs, 0, NULL);
  ctrt__http_response *resp = NULL;

  ctrt__http_request req = get("/containers/missing/json");
  ASSERT_FAILS_WITH(ctrt__http_do_checked(c, &req, &resp), CTRT_ERROR_NOT_FOUND);
  CU_ASSERT_PTR_NULL(resp);
  CU_ASSERT_EQUAL(ctrt_error_last()->http_status, 404);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "No such container: missing"));
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "GET /containers/missing/json"));

  /* The raw call hands the response over instead. */
  ASSERT_OK(ctrt__http_do(c, &req, &resp));
  CU_ASSERT_EQUAL(resp->status, 404);
  ctrt__http_response_free(resp);

  req = (ctrt__http_request)CTRT__HTTP_REQUEST_INIT;
  req.method = "POST";
  req.path = "/containers/web/pause";
  ASSERT_FAILS_WITH(ctrt__http_do_checked(c, &req, &resp), CTRT_ERROR_CONFLICT);
  CU_ASSERT_EQUAL(ctrt_error_last()->http_status, 409);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "already paused"));

  req.path = "/containers/web/kill?signal=SIGFOO";
  ASSERT_FAILS_WITH(ctrt__http_do_checked(c, &req, &resp), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "Invalid signal: SIGFOO"));
  /* The query stays out of the message. */
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "POST /containers/web/kill)"));

  req = get("/boom");
  ASSERT_FAILS_WITH(ctrt__http_do_checked(c, &req, &resp), CTRT_ERROR_INTERNAL);
  CU_ASSERT_EQUAL(ctrt_error_last()->http_status, 500);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "runtime exploded"));

  /* A stream whose status is an error: the (chunked, slow) body is read. */
  req = get("/containers/missing/logs?follow=1&stdout=1");
  ctrt__http_stream *st = NULL;
  ASSERT_FAILS_WITH(ctrt__http_stream_open(c, &req, &st), CTRT_ERROR_NOT_FOUND);
  CU_ASSERT_PTR_NULL(st);
  CU_ASSERT_EQUAL(ctrt_error_last()->http_status, 404);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "No such container: missing"));

  /* Registry credentials never show up in messages. */
  char *auth = NULL;
  ASSERT_OK(ctrt__docker_registry_auth(&auth, "alice", "hunter2-secret", "localhost:5000"));
  char header[512];
  snprintf(header, sizeof header, "X-Registry-Auth: %s", auth);
  const char *headers[] = {header, NULL};
  req = (ctrt__http_request)CTRT__HTTP_REQUEST_INIT;
  req.method = "POST";
  req.path = "/images/localhost:5000/x/push?tag=1";
  req.headers = headers;
  ASSERT_FAILS_WITH(ctrt__http_do_checked(c, &req, &resp), CTRT_ERROR_INTERNAL);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "authentication required"));
  CU_ASSERT_FALSE(contains(ctrt_error_last()->message, "hunter2"));
  CU_ASSERT_FALSE(contains(ctrt_error_last()->message, auth));
  free(auth);

  ctrt__http_client_free(c);
  stop_srv(fs, &s);
}

/* ---- uploads ---- */

typedef struct gen_source {
  uint64_t state;
  size_t left;
  size_t fail_after; /* 0: never */
  size_t produced;
  size_t calls;
  size_t max_cap;
  ctrt__sha256 sha;
} gen_source;

static int gen_read(void *ctx, void *buf, size_t cap, size_t *n) {
  gen_source *g = ctx;
  *n = 0;
  if (g->fail_after && g->produced >= g->fail_after)
    return ctrt_backend_error(CTRT_ERROR_INVALID_ARGUMENT, 0, "tar writer failed: disk on fire");
  if (g->left == 0)
    return CTRT_ITEROVER;
  size_t take = cap < g->left ? cap : g->left;
  uint8_t *p = buf;
  for (size_t i = 0; i < take; i++) {
    g->state ^= g->state << 13;
    g->state ^= g->state >> 7;
    g->state ^= g->state << 17;
    p[i] = (uint8_t)(g->state >> 24);
  }
  ctrt__sha256_update(&g->sha, buf, take);
  g->left -= take;
  g->produced += take;
  g->calls++;
  if (cap > g->max_cap)
    g->max_cap = cap;
  *n = take;
  return 0;
}

static fake_next route_upload(fake_conn *c, const fake_request *r, srv *s) {
  char v[256];
  pthread_mutex_lock(&s->lock);
  memcpy(s->sha, r->body_sha256, 65);
  s->total = r->body_total;
  s->chunked = r->chunked;
  const char *ct = fake_request_header(r, "Content-Type", v, sizeof v);
  snprintf(s->content_type, sizeof s->content_type, "%s", ct ? ct : "");
  pthread_mutex_unlock(&s->lock);
  fake_respond(c, 200, NULL, NULL);
  return FAKE_KEEP;
}

static void test_upload_large(void) {
  srv s = {.ping_version = "1.41", .route = route_upload};
  fake_server *fs = start_srv(&s, FAKE_UNIX);
  ctrt__http_client *c = client_for(fs, 0, NULL);
  ASSERT_OK(ctrt__http_negotiate(c));

  size_t size = 32 * MIB;
  gen_source g = {.state = 0x9E3779B97F4A7C15ull, .left = size};
  ctrt__sha256_init(&g.sha);
  ctrt_byte_source *src = NULL;
  ASSERT_OK(ctrt_byte_source_from_callback(&src, gen_read, &g));
  long rss_before = rss_kib("VmRSS");
  /* RSS measures this only natively: valgrind and ASan (shadow memory, its
   * quarantine of freed blocks) add their own. */
  bool peak_reset = !RUNNING_ON_VALGRIND && !UNDER_ASAN && reset_peak_rss();

  ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
  req.method = "PUT";
  req.path = "/containers/web/archive?path=%2Ftmp";
  req.content_type = "application/x-tar";
  req.upload = src;
  ctrt__http_response *resp = NULL;
  ASSERT_OK(ctrt__http_do_checked(c, &req, &resp));
  CU_ASSERT_EQUAL(resp->status, 200);
  ctrt__http_response_free(resp);

  uint8_t digest[32];
  char hex[65];
  ctrt__sha256_final(&g.sha, digest);
  ctrt__sha256_hex(digest, hex);
  CU_ASSERT_STRING_EQUAL(s.sha, hex);
  CU_ASSERT_EQUAL(s.total, size);
  CU_ASSERT_TRUE(s.chunked);
  CU_ASSERT_STRING_EQUAL(s.content_type, "application/x-tar");
  /* Streamed in small reads, never asked for the whole body. */
  CU_ASSERT_TRUE(g.calls > 100);
  CU_ASSERT_TRUE(g.max_cap <= 1 * MIB);
  if (peak_reset && rss_before > 0) {
    long peak = rss_kib("VmHWM");
    CU_ASSERT_TRUE(peak - rss_before < 8 * 1024); /* KiB: far below the 32 MiB body */
  }
  ctrt_byte_source_free(src);

  /* A failing source aborts the request with the source's error. */
  gen_source bad = {.state = 1, .left = 8 * MIB, .fail_after = 1 * MIB};
  ctrt__sha256_init(&bad.sha);
  ASSERT_OK(ctrt_byte_source_from_callback(&src, gen_read, &bad));
  req.upload = src;
  ASSERT_FAILS_WITH(ctrt__http_do_checked(c, &req, &resp), CTRT_ERROR_INVALID_ARGUMENT);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "disk on fire"));
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "PUT /containers/web/archive"));
  ctrt_byte_source_free(src);

  /* The client still works afterwards. */
  const char small[] = "tiny tar";
  ASSERT_OK(ctrt_byte_source_from_buffer(&src, small, sizeof small - 1));
  req.upload = src;
  ASSERT_OK(ctrt__http_do_checked(c, &req, &resp));
  ctrt__http_response_free(resp);
  CU_ASSERT_EQUAL(s.total, sizeof small - 1);
  ctrt_byte_source_free(src);

  ctrt__http_client_free(c);
  stop_srv(fs, &s);
}

/* ---- streams ---- */

static fake_next route_streams(fake_conn *c, const fake_request *r, srv *s) {
  if (strncmp(r->target, "/v1.41/containers/web/logs", 26) == 0) {
    /* Frames cut into odd chunks, the small ones written byte by byte. */
    fake_chunked_head(c, 200, NULL);
    const uint8_t *d = s->data;
    size_t len = s->data_len, off = 0, i = 0;
    while (off < len) {
      size_t n = (i % 7) + 1;
      bool slow = off < 80 || off > len - 60;
      if (!slow)
        n = 777;
      if (n > len - off)
        n = len - off;
      fake_chunk(c, d + off, n, slow);
      off += n;
      i++;
    }
    fake_chunked_end(c);
    return FAKE_KEEP;
  }
  if (strncmp(r->target, "/v1.41/images/create", 20) == 0) {
    fake_chunked_head(c, 200, "Content-Type: application/json\r\n");
    fake_chunk(c, jsonl_input, strlen(jsonl_input), true);
    fake_chunked_end(c);
    return FAKE_KEEP;
  }
  if (strncmp(r->target, "/v1.41/containers/web/export", 28) == 0) {
    /* 16 MiB of a counting pattern in 64 KiB chunks. */
    fake_chunked_head(c, 200, "Content-Type: application/x-tar\r\n");
    static uint8_t chunk[65536];
    for (size_t k = 0; k < 256; k++) {
      for (size_t j = 0; j < sizeof chunk; j++)
        chunk[j] = (uint8_t)((k * sizeof chunk + j) % 251);
      fake_chunk(c, chunk, sizeof chunk, false);
    }
    fake_chunked_end(c);
    return FAKE_KEEP;
  }
  if (strncmp(r->target, "/v1.41/containers/dies/logs", 27) == 0) {
    /* One frame, then the daemon goes away mid-response. */
    fake_chunked_head(c, 200, NULL);
    uint8_t *f;
    size_t fl;
    ctrt__stdcopy_encode(&f, &fl, 1, "partial\n", 8);
    fake_chunk(c, f, fl, false);
    free(f);
    usleep(50000);
    return FAKE_CLOSE;
  }
  if (strncmp(r->target, "/v1.41/containers/cut/logs", 26) == 0) {
    /* A clean HTTP end in the middle of a frame. */
    fake_chunked_head(c, 200, NULL);
    uint8_t *f;
    size_t fl;
    ctrt__stdcopy_encode(&f, &fl, 1, "cut short", 9);
    fake_chunk(c, f, fl - 3, false);
    free(f);
    fake_chunked_end(c);
    return FAKE_KEEP;
  }
  if (strncmp(r->target, "/v1.41/containers/stall/logs", 28) == 0) {
    fake_chunked_head(c, 200, NULL);
    fake_chunk(c, "first", 5, false);
    fake_wait(c);
    return FAKE_CLOSE;
  }
  fake_respond(c, 404, NULL, "{\"message\":\"no route\"}");
  return FAKE_KEEP;
}

static void run_stream_frames(fake_kind kind) {
  size_t nf;
  const frame_spec *frames = test_frames(&nf);
  size_t len;
  uint8_t *data = encode_frames(frames, nf, &len);
  srv s = {.ping_version = "1.41", .route = route_streams, .data = data, .data_len = len};
  fake_server *fs = start_srv(&s, kind);
  ctrt__http_client *c = client_for(fs, 0, NULL);

  char want1[8192], want2[8192];
  size_t l1, l2;
  expected_streams(frames, nf, want1, &l1, want2, &l2);
  for (size_t cap = 1; cap <= 4096; cap *= 64) {
    ctrt__http_request req = get("/containers/web/logs?stdout=1&stderr=1&follow=1");
    ctrt__http_stream *st = NULL;
    ASSERT_OK(ctrt__http_stream_open(c, &req, &st));
    CU_ASSERT_EQUAL(ctrt__http_stream_status(st), 200);
    CU_ASSERT_STRING_EQUAL(ctrt__http_stream_header(st, "transfer-encoding"), "chunked");
    ctrt__demux d;
    ctrt__demux_init(&d, true, ctrt__http_stream_pull, st);
    char got[3][8192];
    size_t gl[3] = {0, 0, 0};
    char buf[4096];
    size_t n;
    int stream, rc;
    while ((rc = ctrt__demux_read(&d, &stream, buf, cap, &n)) == 0) {
      CU_ASSERT_TRUE_FATAL(stream == 1 || stream == 2);
      memcpy(got[stream] + gl[stream], buf, n);
      gl[stream] += n;
    }
    CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
    CU_ASSERT_EQUAL(gl[1], l1);
    CU_ASSERT_EQUAL(gl[2], l2);
    CU_ASSERT_EQUAL(memcmp(got[1], want1, l1), 0);
    CU_ASSERT_EQUAL(memcmp(got[2], want2, l2), 0);
    /* Reads after the end keep saying so. */
    CU_ASSERT_EQUAL(ctrt__http_stream_read(st, buf, sizeof buf, &n), CTRT_ITEROVER);
    ctrt__http_stream_free(st);
  }
  /* Whole frames (log messages). */
  ctrt__http_request req = get("/containers/web/logs?stdout=1&stderr=1");
  ctrt__http_stream *st = NULL;
  ASSERT_OK(ctrt__http_stream_open(c, &req, &st));
  ctrt__demux d;
  ctrt__demux_init(&d, true, ctrt__http_stream_pull, st);
  for (size_t i = 0; i < nf; i++) {
    char *frame = NULL;
    size_t fl = 0;
    int stream = -1;
    ASSERT_OK(ctrt__demux_read_frame(&d, &stream, &frame, &fl, 1 * MIB));
    CU_ASSERT_EQUAL(stream, frames[i].stream);
    CU_ASSERT_EQUAL(fl, frames[i].len);
    CU_ASSERT_EQUAL(memcmp(frame, frames[i].text, fl), 0);
    free(frame);
  }
  ctrt__http_stream_free(st);

  ctrt__http_client_free(c);
  stop_srv(fs, &s);
  free(data);
}

static void test_stream_frames_unix(void) { run_stream_frames(FAKE_UNIX); }
static void test_stream_frames_tcp(void) { run_stream_frames(FAKE_TCP); }

static void test_stream_jsonl(void) {
  srv s = {.ping_version = "1.41", .route = route_streams};
  fake_server *fs = start_srv(&s, FAKE_TCP);
  ctrt__http_client *c = client_for(fs, 0, NULL);
  json_t *expected = jsonl_expected();
  ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
  req.method = "POST";
  req.path = "/images/create?fromImage=localhost%3A5000%2Fctrt%2Ftest&tag=latest";
  ctrt__http_stream *st = NULL;
  ASSERT_OK(ctrt__http_stream_open(c, &req, &st));
  CU_ASSERT_STRING_EQUAL(ctrt__http_stream_header(st, "Content-Type"), "application/json");
  ctrt__jsonl *d = NULL;
  ASSERT_OK(ctrt__jsonl_new(&d, 0));
  json_t *v;
  size_t i = 0;
  int rc;
  while ((rc = ctrt__jsonl_next(d, ctrt__http_stream_pull, st, &v)) == 0) {
    CU_ASSERT_TRUE(json_equal(v, json_array_get(expected, i)));
    json_decref(v);
    i++;
  }
  CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
  CU_ASSERT_EQUAL(i, json_array_size(expected));
  ctrt__jsonl_free(d);
  ctrt__http_stream_free(st);
  json_decref(expected);
  ctrt__http_client_free(c);
  stop_srv(fs, &s);
}

static void test_stream_bounded_memory(void) {
  srv s = {.ping_version = "1.41", .route = route_streams};
  fake_server *fs = start_srv(&s, FAKE_UNIX);
  ctrt__http_client *c = client_for(fs, 0, NULL);
  ASSERT_OK(ctrt__http_negotiate(c));
  long rss_before = rss_kib("VmRSS");
  /* RSS measures this only natively: valgrind and ASan (shadow memory, its
   * quarantine of freed blocks) add their own. */
  bool peak_reset = !RUNNING_ON_VALGRIND && !UNDER_ASAN && reset_peak_rss();
  ctrt__http_request req = get("/containers/web/export");
  ctrt__http_stream *st = NULL;
  ASSERT_OK(ctrt__http_stream_open(c, &req, &st));
  /* A slow reader: the daemon must wait (paused transfer), not pile up. */
  uint8_t buf[4096];
  size_t total = 0, n;
  bool pattern_ok = true;
  int rc;
  while ((rc = ctrt__http_stream_read(st, buf, sizeof buf, &n)) == 0) {
    for (size_t j = 0; j < n && pattern_ok; j++)
      pattern_ok = buf[j] == (uint8_t)((total + j) % 251);
    total += n;
    if (total == 4 * MIB)
      usleep(200000);
  }
  CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
  CU_ASSERT_EQUAL(total, 16 * MIB);
  CU_ASSERT_TRUE(pattern_ok);
  if (peak_reset && rss_before > 0) {
    long peak = rss_kib("VmHWM");
    CU_ASSERT_TRUE(peak - rss_before < 8 * 1024);
  }
  ctrt__http_stream_free(st);
  ctrt__http_client_free(c);
  stop_srv(fs, &s);
}

static void test_stream_daemon_dies(void) {
  srv s = {.ping_version = "1.41", .route = route_streams};
  fake_server *fs = start_srv(&s, FAKE_UNIX);
  ctrt__http_client *c = client_for(fs, 0, NULL);

  ctrt__http_request req = get("/containers/dies/logs?follow=1");
  ctrt__http_stream *st = NULL;
  ASSERT_OK(ctrt__http_stream_open(c, &req, &st));
  ctrt__demux d;
  ctrt__demux_init(&d, true, ctrt__http_stream_pull, st);
  char buf[64], got[64];
  size_t gl = 0, n;
  int stream, rc;
  int64_t t0 = now_ms();
  while ((rc = ctrt__demux_read(&d, &stream, buf, sizeof buf, &n)) == 0) {
    memcpy(got + gl, buf, n);
    gl += n;
  }
  CU_ASSERT_EQUAL(gl, 8);
  CU_ASSERT_EQUAL(memcmp(got, "partial\n", 8), 0);
  CU_ASSERT_EQUAL(rc, -(int)CTRT_ERROR_NETWORK);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "closed the connection in the middle of the response"));
  CU_ASSERT_TRUE(now_ms() - t0 < 5000);
  /* The error sticks. */
  CU_ASSERT_EQUAL(ctrt__http_stream_read(st, buf, sizeof buf, &n), -(int)CTRT_ERROR_NETWORK);
  ctrt__http_stream_free(st);

  req = get("/containers/cut/logs");
  ASSERT_OK(ctrt__http_stream_open(c, &req, &st));
  ctrt__demux_init(&d, true, ctrt__http_stream_pull, st);
  while ((rc = ctrt__demux_read(&d, &stream, buf, sizeof buf, &n)) == 0)
    ;
  CU_ASSERT_EQUAL(rc, -(int)CTRT_ERROR_NETWORK);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "middle of a frame"));
  ctrt__http_stream_free(st);

  /* Freeing the client first is fine: the stream holds it. */
  req = get("/containers/web/export");
  ASSERT_OK(ctrt__http_stream_open(c, &req, &st));
  ctrt__http_client_free(c);
  ASSERT_OK(ctrt__http_stream_read(st, buf, sizeof buf, &n));
  ctrt__http_stream_free(st); /* unfinished: aborted */
  stop_srv(fs, &s);
}

typedef struct canceller {
  ctrt__http_stream *stream;
  ctrt__http_conn *conn;
  int delay_ms;
} canceller;

static void *cancel_later(void *arg) {
  canceller *k = arg;
  usleep((useconds_t)k->delay_ms * 1000);
  if (k->stream)
    ctrt__http_stream_cancel(k->stream);
  if (k->conn)
    ctrt__http_conn_cancel(k->conn);
  return NULL;
}

static void test_stream_cancel(void) {
  srv s = {.ping_version = "1.41", .route = route_streams};
  fake_server *fs = start_srv(&s, FAKE_UNIX);
  ctrt__http_client *c = client_for(fs, 300, NULL); /* streams are exempt from it */
  ctrt__http_request req = get("/containers/stall/logs?follow=1");
  ctrt__http_stream *st = NULL;
  ASSERT_OK(ctrt__http_stream_open(c, &req, &st));
  char buf[64];
  size_t n;
  ASSERT_OK(ctrt__http_stream_read(st, buf, sizeof buf, &n));
  CU_ASSERT_EQUAL(n, 5);
  canceller k = {.stream = st, .delay_ms = 700};
  pthread_t t;
  pthread_create(&t, NULL, cancel_later, &k);
  int64_t t0 = now_ms();
  ASSERT_FAILS_WITH(ctrt__http_stream_read(st, buf, sizeof buf, &n), CTRT_ERROR_CANCELLED);
  int64_t waited = now_ms() - t0;
  CU_ASSERT_TRUE(waited >= 600); /* not the 300 ms request timeout */
  CU_ASSERT_TRUE(waited < 3000);
  pthread_join(t, NULL);
  ASSERT_FAILS_WITH(ctrt__http_stream_read(st, buf, sizeof buf, &n), CTRT_ERROR_CANCELLED);
  ctrt__http_stream_free(st);
  ctrt__http_client_free(c);
  stop_srv(fs, &s);
}

/* A follow stream from a peer that goes silent after its first bytes ends
 * with a timeout when the client has a stream idle limit (issue 10), and
 * waits (until cancelled) when it has none. */
/* A client of fs whose streams and sessions wait at most idle_ms for data. */
static ctrt__http_client *idle_client(fake_server *fs, long idle_ms) {
  ctrt__http_config cfg = {0};
  cfg.host = (char *)fake_server_host(fs);
  cfg.negotiate = ctrt__docker_negotiate;
  cfg.stream_idle_ms = idle_ms;
  ctrt__http_client *c = NULL;
  ASSERT_OK(ctrt__http_client_new(&c, &cfg));
  return c;
}

static void test_stream_idle_timeout(void) {
  srv s = {.ping_version = "1.41", .route = route_streams};
  fake_server *fs = start_srv(&s, FAKE_UNIX);
  ctrt__http_client *c = idle_client(fs, 200);
  ctrt__http_request req = get("/containers/stall/logs?follow=1");
  ctrt__http_stream *st = NULL;
  ASSERT_OK(ctrt__http_stream_open(c, &req, &st));
  char buf[64];
  size_t n;
  ASSERT_OK(ctrt__http_stream_read(st, buf, sizeof buf, &n));
  CU_ASSERT_EQUAL(n, 5);
  ASSERT_FAILS_WITH(ctrt__http_stream_read(st, buf, sizeof buf, &n), CTRT_ERROR_TIMEOUT);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "sent nothing for"));
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "stream_idle_timeout_ms"));
  ctrt__http_stream_free(st);
  ctrt__http_client_free(c);
  stop_srv(fs, &s);
}

/* ---- slow, dead and garbage daemons ---- */

static fake_next route_hang(fake_conn *c, const fake_request *r, srv *s) {
  (void)r;
  (void)s;
  fake_wait(c);
  return FAKE_CLOSE;
}

static void test_slow_daemon(void) {
  srv s = {.ping_version = "1.41", .route = route_hang};
  fake_server *fs = start_srv(&s, FAKE_UNIX);
  ctrt__http_client *c = client_for(fs, 400, NULL);
  ASSERT_OK(ctrt__http_negotiate(c));
  ctrt__http_request req = get("/containers/json");
  ctrt__http_response *resp = NULL;
  int64_t t0 = now_ms();
  ASSERT_FAILS_WITH(ctrt__http_do(c, &req, &resp), CTRT_ERROR_TIMEOUT);
  int64_t waited = now_ms() - t0;
  CU_ASSERT_TRUE(waited >= 350 && waited < 3000);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "GET /containers/json"));
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "0.4s"));

  /* Per-request override. */
  req.timeout_ms = 150;
  t0 = now_ms();
  ASSERT_FAILS_WITH(ctrt__http_do(c, &req, &resp), CTRT_ERROR_TIMEOUT);
  CU_ASSERT_TRUE(now_ms() - t0 < 2000);

  /* Streams wait for their headers under the same limit. */
  req = get("/containers/web/logs?follow=1");
  ctrt__http_stream *st = NULL;
  ASSERT_FAILS_WITH(ctrt__http_stream_open(c, &req, &st), CTRT_ERROR_TIMEOUT);
  CU_ASSERT_PTR_NULL(st);

  /* And hijacks. */
  req = (ctrt__http_request)CTRT__HTTP_REQUEST_INIT;
  req.method = "POST";
  req.path = "/exec/abc/start";
  ctrt__http_conn *conn = NULL;
  t0 = now_ms();
  ASSERT_FAILS_WITH(ctrt__http_hijack(c, &req, &conn), CTRT_ERROR_TIMEOUT);
  CU_ASSERT_TRUE(now_ms() - t0 < 3000);
  CU_ASSERT_PTR_NULL(conn);
  ctrt__http_client_free(c);
  stop_srv(fs, &s);
}

/* A stopped daemon (SIGSTOP) accepts connections and never answers: the
 * handshake at open (GET /_ping) is bounded by the connect timeout, not by
 * the request timeout (none here, so an unbounded ping would hang). */
static void test_stopped_daemon_handshake(void) {
  srv s = {.route = route_hang, .route_everything = true};
  fake_server *fs = start_srv(&s, FAKE_UNIX);
  ctrt__http_config cfg = {0};
  cfg.host = (char *)fake_server_host(fs);
  cfg.negotiate = ctrt__docker_negotiate;
  cfg.connect_timeout_ms = 300;
  cfg.request_timeout_ms = -1;
  ctrt__http_client *c = NULL;
  ASSERT_OK(ctrt__http_client_new(&c, &cfg));
  ASSERT_FAILS_WITH(ctrt__http_negotiate(c), CTRT_ERROR_TIMEOUT);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "GET /_ping"));
  ctrt__http_client_free(c);
  stop_srv(fs, &s);
}

static void test_unreachable_daemon(void) {
  ctrt__http_config cfg = {0};
  cfg.host = "unix:///tmp/ctrt-no-such-dir/docker.sock";
  cfg.negotiate = ctrt__docker_negotiate;
  ctrt__http_client *c = NULL;
  ASSERT_OK(ctrt__http_client_new(&c, &cfg));
  ASSERT_FAILS_WITH(ctrt__http_negotiate(c), CTRT_ERROR_NETWORK);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "unix:///tmp/ctrt-no-such-dir/docker.sock"));
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "No such file or directory"));
  ctrt__http_request req = get("/containers/json");
  ctrt__http_response *resp = NULL;
  ASSERT_FAILS_WITH(ctrt__http_do(c, &req, &resp), CTRT_ERROR_NETWORK);
  ctrt__http_conn *conn = NULL;
  req.unversioned = true;
  ASSERT_FAILS_WITH(ctrt__http_hijack(c, &req, &conn), CTRT_ERROR_NETWORK);
  ctrt__http_client_free(c);

  /* A TCP port nobody listens on (bound then closed). */
  srv s = {.ping_version = "1.41"};
  fake_server *fs = start_srv(&s, FAKE_TCP);
  char host[64];
  snprintf(host, sizeof host, "%s", fake_server_host(fs));
  stop_srv(fs, &s);
  cfg.host = host;
  ASSERT_OK(ctrt__http_client_new(&c, &cfg));
  ASSERT_FAILS_WITH(ctrt__http_negotiate(c), CTRT_ERROR_NETWORK);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "Connection refused"));
  ctrt__http_client_free(c);
}

static fake_next route_garbage(fake_conn *c, const fake_request *r, srv *s) {
  (void)s;
  if (strstr(r->target, "ssh") || strcmp(r->target, "/_ping") == 0) {
    fake_write(c, "SSH-2.0-OpenSSH_9.2p1 Debian\r\nProtocol mismatch.\n", 49);
  } else if (strstr(r->target, "badchunk")) {
    fake_write(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZZZ\r\nxx\r\n", 56);
  } else if (strstr(r->target, "badstatus")) {
    fake_write(c, "HTTP/1.1 2x0 Yes\r\n\r\n", 20);
  } else if (strstr(r->target, "binary")) {
    uint8_t junk[4096];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof junk; i++) {
      x = x * 1103515245 + 12345;
      junk[i] = (uint8_t)(x >> 16);
    }
    fake_write(c, junk, sizeof junk);
  } else if (strstr(r->target, "nothing")) {
    /* close without a byte */
  } else {
    fake_write(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK", 40);
    return FAKE_KEEP;
  }
  return FAKE_CLOSE;
}

static void test_garbage_daemon(void) {
  srv s = {.route = route_garbage, .route_everything = true};
  fake_server *fs = start_srv(&s, FAKE_UNIX);
  ctrt__http_client *c = client_for(fs, 2000, "1.41");
  const char *paths[] = {"/ssh", "/badchunk", "/badstatus", "/binary", "/nothing"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    ctrt__http_request req = get(paths[i]);
    ctrt__http_response *resp = NULL;
    int rc = ctrt__http_do(c, &req, &resp);
    CU_ASSERT_TRUE(rc < 0);
    CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NETWORK);
    CU_ASSERT_TRUE(strlen(ctrt_error_last()->message) > 20);
    CU_ASSERT_TRUE(contains(ctrt_error_last()->message, paths[i]));
    CU_ASSERT_PTR_NULL(resp);
    ctrt__http_stream *st = NULL;
    rc = ctrt__http_stream_open(c, &req, &st);
    if (rc == 0) { /* the bad chunk only shows when reading */
      char buf[64];
      size_t n;
      while ((rc = ctrt__http_stream_read(st, buf, sizeof buf, &n)) == 0)
        ;
      ctrt__http_stream_free(st);
    }
    CU_ASSERT_EQUAL(rc, -(int)CTRT_ERROR_NETWORK);
    req.method = "POST";
    ctrt__http_conn *conn = NULL;
    rc = ctrt__http_hijack(c, &req, &conn);
    if (strcmp(paths[i], "/badchunk") == 0) {
      /* A valid 200 head: an old daemon's hijack; what follows is raw. */
      CU_ASSERT_EQUAL(rc, 0);
      ctrt__http_conn_free(conn);
      continue;
    }
    CU_ASSERT_EQUAL(rc, -(int)CTRT_ERROR_NETWORK);
    CU_ASSERT_PTR_NULL(conn);
    CU_ASSERT_TRUE(strlen(ctrt_error_last()->message) > 20);
  }
  ctrt__http_client_free(c);

  /* Garbage already at negotiation. */
  c = client_for(fs, 2000, NULL);
  ASSERT_FAILS_WITH(ctrt__http_negotiate(c), CTRT_ERROR_NETWORK);
  ctrt__http_client_free(c);
  stop_srv(fs, &s);
}

/* ---- concurrency ---- */

static fake_next route_echo(fake_conn *c, const fake_request *r, srv *s) {
  (void)s;
  fake_respond(c, 200, NULL, r->target);
  return FAKE_KEEP;
}

typedef struct worker {
  ctrt__http_client *client;
  int id;
  int ok;
  int failed;
} worker;

#define WORKERS 8
#define REQUESTS_PER_WORKER 40

static void *worker_main(void *arg) {
  worker *w = arg;
  for (int i = 0; i < REQUESTS_PER_WORKER; i++) {
    char path[64], want[80];
    snprintf(path, sizeof path, "/echo/%d/%d", w->id, i);
    snprintf(want, sizeof want, "/v1.41%s", path);
    ctrt__http_request req = get(path);
    ctrt__http_response *resp = NULL;
    if (ctrt__http_do_checked(w->client, &req, &resp) == 0 && resp->status == 200 && strcmp(resp->body, want) == 0)
      w->ok++;
    else
      w->failed++;
    ctrt__http_response_free(resp);
  }
  return NULL;
}

static void test_concurrent_requests(void) {
  srv s = {.ping_version = "1.41", .route = route_echo};
  fake_server *fs = start_srv(&s, FAKE_TCP);
  ctrt__http_client *c = client_for(fs, 0, NULL); /* negotiation races too */
  pthread_t threads[WORKERS];
  worker workers[WORKERS];
  for (int i = 0; i < WORKERS; i++) {
    workers[i] = (worker){.client = c, .id = i};
    pthread_create(&threads[i], NULL, worker_main, &workers[i]);
  }
  int ok = 0, failed = 0;
  for (int i = 0; i < WORKERS; i++) {
    pthread_join(threads[i], NULL);
    ok += workers[i].ok;
    failed += workers[i].failed;
  }
  CU_ASSERT_EQUAL(ok, WORKERS * REQUESTS_PER_WORKER);
  CU_ASSERT_EQUAL(failed, 0);
  /* Connections are reused: about one per thread, not one per request. */
  int conns = fake_server_connections(fs);
  CU_ASSERT_TRUE(conns <= 2 * WORKERS + 1);
  ctrt__http_client_free(c);
  stop_srv(fs, &s);
}

/* ---- hijacked connections ---- */

static fake_next route_hijack(fake_conn *c, const fake_request *r, srv *s) {
  char v[256];
  pthread_mutex_lock(&s->lock);
  const char *h = fake_request_header(r, "Upgrade", v, sizeof v);
  snprintf(s->upgrade, sizeof s->upgrade, "%s", h ? h : "");
  h = fake_request_header(r, "Connection", v, sizeof v);
  snprintf(s->connection, sizeof s->connection, "%s", h ? h : "");
  h = fake_request_header(r, "Content-Type", v, sizeof v);
  snprintf(s->content_type, sizeof s->content_type, "%s", h ? h : "");
  snprintf(s->body, sizeof s->body, "%s", (const char *)r->body);
  pthread_mutex_unlock(&s->lock);
  if (strstr(r->target, "/exec/missing/start")) {
    fake_respond(c, 404, "Content-Type: application/json\r\n", "{\"message\":\"No such exec instance: missing\"}");
    return FAKE_KEEP;
  }
  if (strstr(r->target, "/exec/paused/start")) {
    fake_chunked_head(c, 409, "Content-Type: application/json\r\n");
    fake_chunk(c, "{\"message\":\"Container web is paused, unpause the container before exec\"}", 72, false);
    fake_chunked_end(c);
    return FAKE_KEEP;
  }
  if (strstr(r->target, "/exec/cutchunk/start")) {
    /* An error whose chunked body stops inside a size line, then closes:
     * the de-chunker must read only what arrived. */
    const char *raw = "HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nff";
    fake_write(c, raw, strlen(raw));
    return FAKE_CLOSE;
  }
  if (strstr(r->target, "/exec/badlength/start")) {
    const char *raw = "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 26abc\r\n\r\n"
                      "{\"message\":\"no such exec\"}";
    fake_write(c, raw, strlen(raw));
    return FAKE_CLOSE;
  }
  if (strstr(r->target, "/exec/quiet/start")) {
    const char *head = "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
    fake_write(c, head, strlen(head));
    fake_wait(c);
    return FAKE_CLOSE;
  }
  /* Head and the first output in one write: none of it may be lost. */
  const char *old =
      strstr(r->target, "/old/") ? "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n" : NULL;
  char first[256];
  int n = snprintf(first, sizeof first, "%searly",
                   old ? old
                       : "HTTP/1.1 101 UPGRADED\r\nContent-Type: "
                         "application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\n"
                         "Upgrade: tcp\r\n\r\n");
  fake_write(c, first, (size_t)n);
  /* Echo until the client half-closes, then say goodbye. */
  char buf[4096];
  long got;
  while ((got = fake_read(c, buf, sizeof buf)) > 0) {
    fake_write(c, buf, (size_t)got);
    pthread_mutex_lock(&s->lock);
    s->hijack_echoed += (int)got;
    pthread_mutex_unlock(&s->lock);
  }
  fake_write_slow(c, "bye", 3);
  return FAKE_CLOSE;
}

static void read_exactly(ctrt__http_conn *conn, char *out, size_t len) {
  size_t have = 0;
  while (have < len) {
    size_t n = 0;
    int rc = ctrt__http_conn_read(conn, out + have, len - have, &n);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    have += n;
  }
  out[len] = '\0';
}

static void run_hijack(fake_server *fs, srv *s, ctrt__http_client *c, const char *path, int want_status) {
  const char *body = "{\"Detach\":false,\"Tty\":true}";
  ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
  req.method = "POST";
  req.path = path;
  req.content_type = "application/json";
  req.body = body;
  req.body_len = strlen(body);
  ctrt__http_conn *conn = NULL;
  ASSERT_OK(ctrt__http_hijack(c, &req, &conn));
  CU_ASSERT_EQUAL(ctrt__http_conn_status(conn), want_status);
  CU_ASSERT_STRING_EQUAL(ctrt__http_conn_header(conn, "content-type"), "application/vnd.docker.raw-stream");
  CU_ASSERT_STRING_EQUAL(s->upgrade, "tcp");
  CU_ASSERT_STRING_EQUAL(s->connection, "Upgrade");
  CU_ASSERT_STRING_EQUAL(s->content_type, "application/json");
  CU_ASSERT_STRING_EQUAL(s->body, body);
  char buf[64];
  read_exactly(conn, buf, 5);
  CU_ASSERT_STRING_EQUAL(buf, "early");

  /* poll() on the descriptor works (after checking pending). */
  int fd = ctrt__http_conn_fd(conn);
  CU_ASSERT_TRUE(fd >= 0);
  CU_ASSERT_FALSE(ctrt__http_conn_pending(conn));
  ASSERT_OK(ctrt__http_conn_write(conn, "ping", 4));
  if (!ctrt__http_conn_pending(conn)) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    CU_ASSERT_EQUAL(poll(&p, 1, 5000), 1);
  }
  read_exactly(conn, buf, 4);
  CU_ASSERT_STRING_EQUAL(buf, "ping");

  /* A larger write, echoed back whole. */
  static char big[200000];
  for (size_t i = 0; i < sizeof big; i++)
    big[i] = (char)('A' + i % 23);
  static char back[sizeof big + 1];
  ASSERT_OK(ctrt__http_conn_write(conn, big, sizeof big));
  read_exactly(conn, back, sizeof big);
  CU_ASSERT_EQUAL(memcmp(back, big, sizeof big), 0);

  /* Half-close: the server sees EOF, answers, closes. Writing after it
   * fails cleanly (EPIPE, never SIGPIPE). */
  ASSERT_OK(ctrt__http_conn_close_write(conn));
  ASSERT_FAILS_WITH(ctrt__http_conn_write(conn, "late", 4), CTRT_ERROR_NETWORK);
  char rest[16];
  size_t have = 0, n;
  int rc;
  while ((rc = ctrt__http_conn_read(conn, rest + have, sizeof rest - 1 - have, &n)) == 0)
    have += n;
  CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
  rest[have] = '\0';
  CU_ASSERT_STRING_EQUAL(rest, "bye");
  CU_ASSERT_EQUAL(ctrt__http_conn_read(conn, rest, sizeof rest, &n), CTRT_ITEROVER);
  ctrt__http_conn_free(conn);
  (void)fs;
}

static void test_hijack(void) {
  fake_kind kinds[] = {FAKE_UNIX, FAKE_TCP};
  for (int k = 0; k < 2; k++) {
    srv s = {.ping_version = "1.41", .route = route_hijack};
    fake_server *fs = start_srv(&s, kinds[k]);
    ctrt__http_client *c = client_for(fs, 0, NULL);
    run_hijack(fs, &s, c, "/exec/abc/start", 101);
    CU_ASSERT_TRUE(saw_target(&s, "POST /v1.41/exec/abc/start"));
    run_hijack(fs, &s, c, "/old/exec/abc/start", 200);

    /* Errors keep the daemon's message, whatever the body framing. */
    ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
    req.method = "POST";
    req.path = "/exec/missing/start";
    ctrt__http_conn *conn = NULL;
    ASSERT_FAILS_WITH(ctrt__http_hijack(c, &req, &conn), CTRT_ERROR_NOT_FOUND);
    CU_ASSERT_EQUAL(ctrt_error_last()->http_status, 404);
    CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "No such exec instance: missing"));
    req.path = "/exec/paused/start";
    ASSERT_FAILS_WITH(ctrt__http_hijack(c, &req, &conn), CTRT_ERROR_CONFLICT);
    CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "is paused"));
    req.path = "/exec/cutchunk/start";
    ASSERT_FAILS_WITH(ctrt__http_hijack(c, &req, &conn), CTRT_ERROR_INTERNAL);
    CU_ASSERT_EQUAL(ctrt_error_last()->http_status, 500);
    CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "hello"));
    CU_ASSERT_PTR_NULL(conn);
    req.path = "/exec/badlength/start";
    ASSERT_FAILS_WITH(ctrt__http_hijack(c, &req, &conn), CTRT_ERROR_NOT_FOUND);
    CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "no such exec"));

    /* A blocked read is cancelled from another thread. */
    req.path = "/exec/quiet/start";
    ASSERT_OK(ctrt__http_hijack(c, &req, &conn));
    canceller kc = {.conn = conn, .delay_ms = 300};
    pthread_t t;
    pthread_create(&t, NULL, cancel_later, &kc);
    char buf[16];
    size_t n;
    int64_t t0 = now_ms();
    ASSERT_FAILS_WITH(ctrt__http_conn_read(conn, buf, sizeof buf, &n), CTRT_ERROR_CANCELLED);
    CU_ASSERT_TRUE(now_ms() - t0 < 3000);
    pthread_join(t, NULL);
    ASSERT_FAILS_WITH(ctrt__http_conn_write(conn, "x", 1), CTRT_ERROR_CANCELLED);
    ctrt__http_conn_free(conn);

    /* The connection outlives the client. */
    req.path = "/exec/abc/start";
    req.body = NULL;
    ASSERT_OK(ctrt__http_hijack(c, &req, &conn));
    ctrt__http_client_free(c);
    read_exactly(conn, buf, 5);
    ASSERT_OK(ctrt__http_conn_close_write(conn));
    ctrt__http_conn_free(conn);
    stop_srv(fs, &s);
  }
}

/* A hijacked session (exec_pty, attach) against a daemon that answered
 * 101 and then went silent: with stream_idle_ms a read that gets nothing,
 * and a write the daemon never drains, fail with a timeout instead of
 * blocking forever. */
static void test_hijack_idle_timeout(void) {
  srv s = {.ping_version = "1.41", .route = route_hijack};
  fake_server *fs = start_srv(&s, FAKE_UNIX);
  ctrt__http_client *c = idle_client(fs, 200);
  ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
  req.method = "POST";
  req.path = "/exec/quiet/start";
  ctrt__http_conn *conn = NULL;
  ASSERT_OK(ctrt__http_hijack(c, &req, &conn));
  char buf[16];
  size_t n = 99;
  ASSERT_FAILS_WITH(ctrt__http_conn_read(conn, buf, sizeof buf, &n), CTRT_ERROR_TIMEOUT);
  CU_ASSERT_EQUAL(n, 0);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "made no progress for 0.2s"));
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "stream_idle_timeout_ms"));
  /* The daemon reads nothing: once the socket buffers are full, a write
   * stalls and ends the same way (a bounded number of 1 MiB writes). */
  static char chunk[1 << 20];
  int rc = 0;
  for (int i = 0; i < 256 && rc == 0; i++)
    rc = ctrt__http_conn_write(conn, chunk, sizeof chunk);
  CU_ASSERT_EQUAL(rc, CTRT_ETIMEOUT);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "stream_idle_timeout_ms"));
  ctrt__http_conn_free(conn);
  ctrt__http_client_free(c);
  stop_srv(fs, &s);
}

/* ---- TLS ---- */

static fake_next route_tls(fake_conn *c, const fake_request *r, srv *s) {
  return strstr(r->target, "/images/create") ? route_streams(c, r, s) : route_hijack(c, r, s);
}

static void test_tls(void) {
  /* Registered only when TLS is expected (CTRT_TLS_TESTS): a build without
   * the fake server's TLS side is a failure here, never a silent pass. */
  CU_ASSERT_TRUE_FATAL(fake_tls_available());
  srv s = {.ping_version = "1.41", .route = route_tls};
  fake_server *fs = start_srv(&s, FAKE_TLS);
  char dir[64];
  make_temp_dir(dir, sizeof dir);
  CU_ASSERT_EQUAL_FATAL(fake_tls_write_cert_dir(dir), 0);
  char host[64];
  snprintf(host, sizeof host, "tcp://localhost:%d", fake_server_port(fs));
  clear_docker_env();
  setenv("DOCKER_HOST", host, 1);
  setenv("DOCKER_TLS_VERIFY", "1", 1);
  setenv("DOCKER_CERT_PATH", dir, 1);
  ctrt__http_config cfg;
  ASSERT_OK(ctrt__docker_config_from_env(&cfg));
  clear_docker_env();
  CU_ASSERT_TRUE(cfg.tls && cfg.tls_verify);
  ctrt__http_client *c = NULL;
  ASSERT_OK(ctrt__http_client_new(&c, &cfg));
  ASSERT_OK(ctrt__http_negotiate(c));
  CU_ASSERT_STRING_EQUAL(ctrt__http_api_version(c), "1.41");
  run_hijack(fs, &s, c, "/exec/tls/start", 101);

  /* A stream over TLS, written byte by byte. */
  ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
  req.method = "POST";
  req.path = "/images/create?fromImage=x";
  ctrt__http_stream *st = NULL;
  ASSERT_OK(ctrt__http_stream_open(c, &req, &st));
  ctrt__jsonl *jl = NULL;
  ASSERT_OK(ctrt__jsonl_new(&jl, 0));
  json_t *expected = jsonl_expected();
  json_t *v;
  size_t i = 0;
  int rc;
  while ((rc = ctrt__jsonl_next(jl, ctrt__http_stream_pull, st, &v)) == 0) {
    CU_ASSERT_TRUE(json_equal(v, json_array_get(expected, i)));
    json_decref(v);
    i++;
  }
  CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
  CU_ASSERT_EQUAL(i, json_array_size(expected));
  json_decref(expected);
  ctrt__jsonl_free(jl);
  ctrt__http_stream_free(st);
  ctrt__http_client_free(c);

  /* By IP too (the certificate names 127.0.0.1). */
  ctrt__free(cfg.host);
  snprintf(host, sizeof host, "tcp://127.0.0.1:%d", fake_server_port(fs));
  cfg.host = ctrt__strdup(host);
  ASSERT_OK(ctrt__http_client_new(&c, &cfg));
  ASSERT_OK(ctrt__http_negotiate(c));
  ctrt__http_client_free(c);

  /* Verification against the system store fails: our CA is not there. */
  ctrt__free(cfg.ca_file);
  cfg.ca_file = NULL;
  ASSERT_OK(ctrt__http_client_new(&c, &cfg));
  ASSERT_FAILS_WITH(ctrt__http_negotiate(c), CTRT_ERROR_CONFIGURATION);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "DOCKER_CERT_PATH"));
  ctrt__http_client_free(c);

  /* Without a client certificate the daemon refuses the handshake. */
  cfg.tls_verify = false;
  ctrt__free(cfg.cert_file);
  ctrt__free(cfg.key_file);
  cfg.cert_file = cfg.key_file = NULL;
  ASSERT_OK(ctrt__http_client_new(&c, &cfg));
  ASSERT_FAILS_WITH(ctrt__http_negotiate(c), CTRT_ERROR_CONFIGURATION);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "client certificate"));
  ctrt__http_client_free(c);

  /* Plain HTTP to a TLS port: an error, not a hang. */
  ctrt__http_config plain = {0};
  plain.host = host;
  plain.negotiate = ctrt__docker_negotiate;
  plain.request_timeout_ms = 2000;
  ASSERT_OK(ctrt__http_client_new(&c, &plain));
  CU_ASSERT_TRUE(ctrt__http_negotiate(c) < 0);
  ctrt__http_client_free(c);

  ctrt__http_config_clear(&cfg);
  remove_cert_dir(dir);
  stop_srv(fs, &s);
}

static void test_tls_missing_files(void) {
  ctrt__http_config cfg = {0};
  cfg.host = "tcp://127.0.0.1:2376";
  cfg.tls = true;
  cfg.tls_verify = true;
  cfg.ca_file = "/nonexistent/ca.pem";
  ctrt__http_client *c = NULL;
  ASSERT_FAILS_WITH(ctrt__http_client_new(&c, &cfg), CTRT_ERROR_CONFIGURATION);
  CU_ASSERT_TRUE(contains(ctrt_error_last()->message, "/nonexistent/ca.pem"));
  CU_ASSERT_PTR_NULL(c);
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("transport.codecs", NULL, NULL);
  CU_add_test(s, "stdcopy every split", test_stdcopy_every_split);
  CU_add_test(s, "stdcopy demux byte at a time", test_stdcopy_byte_at_a_time_demux);
  CU_add_test(s, "stdcopy errors", test_stdcopy_errors);
  CU_add_test(s, "frame reader splits", test_frame_reader_splits);
  CU_add_test(s, "frame reader huge header and cuts", test_frame_reader_huge_header_and_cuts);
  CU_add_test(s, "frame reader without pulling", test_frame_reader_without_pulling);
  CU_add_test(s, "frame reader run", test_frame_reader_run);
  CU_add_test(s, "jsonl every split", test_jsonl_every_split);
  CU_add_test(s, "jsonl limits and errors", test_jsonl_limits_and_errors);
  CU_add_test(s, "registry auth", test_registry_auth);
  CU_add_test(s, "path stat", test_path_stat);
  CU_add_test(s, "error bodies", test_error_bodies);
  CU_add_test(s, "escape and versions", test_escape_and_versions);
  CU_add_test(s, "endpoints", test_endpoints);
  CU_add_test(s, "config from env", test_config_from_env);

  s = CU_add_suite("transport.http", NULL, NULL);
  CU_add_test(s, "negotiation", test_negotiation);
  CU_add_test(s, "buffered over unix", test_buffered_unix);
  CU_add_test(s, "buffered over tcp", test_buffered_tcp);
  CU_add_test(s, "reused handles start clean", test_reused_handles_start_clean);
  CU_add_test(s, "a fork child opens its own connection", test_fork_child_own_connection);
  CU_add_test(s, "error mapping", test_error_mapping);
  CU_add_test(s, "error plain", test_error_plain);
  CU_add_test(s, "no version hook", test_no_version_hook);
  CU_add_test(s, "32 MiB upload", test_upload_large);
  CU_add_test(s, "stream frames over unix", test_stream_frames_unix);
  CU_add_test(s, "stream frames over tcp", test_stream_frames_tcp);
  CU_add_test(s, "stream json lines", test_stream_jsonl);
  CU_add_test(s, "stream bounded memory", test_stream_bounded_memory);
  CU_add_test(s, "daemon dies mid-stream", test_stream_daemon_dies);
  CU_add_test(s, "stream cancel", test_stream_cancel);
  CU_add_test(s, "stream idle timeout against a silent peer", test_stream_idle_timeout);
  CU_add_test(s, "slow daemon", test_slow_daemon);
  CU_add_test(s, "unreachable daemon", test_unreachable_daemon);
  CU_add_test(s, "garbage daemon", test_garbage_daemon);
  CU_add_test(s, "stopped daemon: the handshake times out", test_stopped_daemon_handshake);
  CU_add_test(s, "8 threads, one client", test_concurrent_requests);
  CU_add_test(s, "hijack", test_hijack);
  CU_add_test(s, "hijacked session idle timeout against a silent peer", test_hijack_idle_timeout);
#ifdef CTRT_TEST_TLS_EXPECTED
  CU_add_test(s, "tls", test_tls);
#else
  (void)test_tls; /* configured with -DCTRT_TLS_TESTS=OFF */
#endif
  CU_add_test(s, "tls missing files", test_tls_missing_files);
}
