/*
 * CRI container log files (runtime/backends/cri/cri_log.c): line parsing
 * and the reassembly of P (partial) lines into messages ended by F.
 *
 * cri_log.c is compiled into this target with read() wrapped so the file is
 * read in chunks whose sizes the input chooses (the real read underneath);
 * the file is a memfd opened by its /proc path. The reader runs unchanged.
 *
 * Input: 1 mode byte (bits 0-1: stdout and stderr, both, or one of them;
 * bit 2: tail, its count the top bits), up to 8 split-control bytes, then
 * the file.
 *
 * Properties: read whole or split, the same messages (stream, timestamp,
 * bytes, complete) and the same count of garbage lines; both agree with a
 * plain model built on ctrt__cri_log_parse_line (P lines appended to their
 * stream's message, F ends it with '\n', partial messages flushed at the
 * end stdout first, tail keeps the last ones); a parsed line's message lies
 * inside the line; container_logs (ctrt__cri_log_entries) lists the same
 * messages without their '\n'.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "fuzz_support.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static ssize_t split_read(int fd, void *buf, size_t cap);
#define read split_read
#include "backends/cri/cri_log.c"
#undef read

const char ctrt_fuzz_target_name[] = "cri_log";

static ctrt_fuzz_splitter *read_split; /* NULL: whole reads */

static ssize_t split_read(int fd, void *buf, size_t cap) {
  if (read_split != NULL && cap > 0)
    cap = ctrt_fuzz_splitter_next(read_split, cap);
  return read(fd, buf, cap);
}

typedef struct record {
  int stream;
  ctrt_timestamp ts;
  uint8_t *data;
  size_t len;
  bool complete;
} record;

typedef struct records {
  record *items;
  size_t n, cap;
  size_t garbage;
  int rc;
} records;

static void add(records *rs, int stream, ctrt_timestamp ts, const void *data, size_t len, bool complete) {
  if (rs->n == rs->cap) {
    rs->cap = rs->cap ? rs->cap * 2 : 16;
    rs->items = realloc(rs->items, rs->cap * sizeof *rs->items);
    CTRT_FUZZ_CHECK(rs->items != NULL);
  }
  record *r = &rs->items[rs->n++];
  r->stream = stream;
  r->ts = ts;
  r->data = malloc(len + 1);
  CTRT_FUZZ_CHECK(r->data != NULL);
  if (len)
    memcpy(r->data, data, len);
  r->len = len;
  r->complete = complete;
}

static void clear(records *rs) {
  for (size_t i = 0; i < rs->n; i++)
    free(rs->items[i].data);
  free(rs->items);
  memset(rs, 0, sizeof *rs);
}

static bool same(const records *a, const records *b) {
  if (a->n != b->n || a->rc != b->rc)
    return false;
  for (size_t i = 0; i < a->n; i++) {
    const record *x = &a->items[i], *y = &b->items[i];
    if (x->stream != y->stream || x->ts.seconds != y->ts.seconds || x->ts.nanos != y->ts.nanos || x->len != y->len ||
        x->complete != y->complete || (x->len && memcmp(x->data, y->data, x->len) != 0))
      return false;
  }
  return true;
}

static char path[64];

static void read_log(records *rs, const ctrt__cri_log_config *cfg, ctrt_fuzz_splitter *split) {
  memset(rs, 0, sizeof *rs);
  read_split = split;
  ctrt__cri_log_reader *r = NULL;
  int rc = ctrt__cri_log_open(&r, path, cfg);
  CTRT_FUZZ_CHECK(rc == 0);
  ctrt__cri_log_record rec;
  while ((rc = ctrt__cri_log_next(r, &rec)) == 0) {
    CTRT_FUZZ_CHECK(rec.data != NULL && (!rec.complete || (rec.len > 0 && rec.data[rec.len - 1] == '\n')));
    add(rs, rec.stream, rec.timestamp, rec.data, rec.len, rec.complete);
  }
  rs->rc = rc;
  rs->garbage = ctrt__cri_log_garbage_lines(r);
  ctrt__cri_log_free(r);
  read_split = NULL;
}

/* The model: lines split at '\n' (the last one also without it). */
static void model(records *rs, const uint8_t *data, size_t size, bool want_out, bool want_err) {
  memset(rs, 0, sizeof *rs);
  rs->rc = CTRT_ITEROVER;
  struct {
    uint8_t *data;
    size_t len;
    bool open;
    ctrt_timestamp ts;
  } pend[2] = {{0}};
  size_t start = 0;
  while (start < size) {
    const uint8_t *nl = memchr(data + start, '\n', size - start);
    size_t end = nl ? (size_t)(nl - data) : size;
    ctrt__cri_log_line line;
    const char *text = (const char *)data + start;
    if (!ctrt__cri_log_parse_line(text, end - start, &line)) {
      rs->garbage++;
    } else {
      CTRT_FUZZ_CHECK(line.message >= text && line.message + line.len == text + (end - start));
      int i = line.stream == CTRT_LOG_CHANNEL_STDERR;
      if (i ? want_err : want_out) {
        if (!pend[i].open) {
          pend[i].open = true;
          pend[i].len = 0;
          pend[i].ts = line.timestamp;
        }
        pend[i].data = realloc(pend[i].data, pend[i].len + line.len + 1);
        CTRT_FUZZ_CHECK(pend[i].data != NULL);
        memcpy(pend[i].data + pend[i].len, line.message, line.len);
        pend[i].len += line.len;
        if (!line.partial) {
          pend[i].data[pend[i].len++] = '\n';
          add(rs, line.stream, pend[i].ts, pend[i].data, pend[i].len, true);
          pend[i].open = false;
        }
      }
    }
    start = end + 1;
  }
  for (int i = 0; i < 2; i++) {
    if (pend[i].open)
      add(rs, i ? CTRT_LOG_CHANNEL_STDERR : CTRT_LOG_CHANNEL_STDOUT, pend[i].ts, pend[i].data, pend[i].len, false);
    free(pend[i].data);
  }
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  int fd = memfd_create("ctrt-fuzz-cri-log", MFD_CLOEXEC);
  if (fd < 0)
    abort();
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t mode;
  ctrt_fuzz_splitter split;
  /* Under the reader's 1 MiB runaway-line limit. */
  if (!ctrt_fuzz_take_mode(&data, &size, 512 * 1024, &mode, &split))
    return 0;
  int fd = atoi(path + strlen("/proc/self/fd/"));
  CTRT_FUZZ_CHECK(ftruncate(fd, 0) == 0 && pwrite(fd, data, size, 0) == (ssize_t)size);

  ctrt__cri_log_config cfg = {.options = CTRT_LOGS_STREAM_OPTIONS_INIT};
  bool want_out = (mode & 3) != 2, want_err = (mode & 3) != 1;
  cfg.options.stdout_ = want_out;
  cfg.options.stderr_ = want_err;
  cfg.options.has_tail = mode & 4;
  cfg.options.tail = mode >> 3;

  records whole, pieces, expected;
  read_log(&whole, &cfg, NULL);
  split.next = 0;
  read_log(&pieces, &cfg, &split);
  CTRT_FUZZ_CHECK(same(&whole, &pieces) && whole.garbage == pieces.garbage);
  model(&expected, data, size, want_out, want_err);
  if (cfg.options.has_tail && expected.n > cfg.options.tail) {
    size_t drop = expected.n - cfg.options.tail;
    for (size_t i = 0; i < drop; i++)
      free(expected.items[i].data);
    memmove(expected.items, expected.items + drop, cfg.options.tail * sizeof *expected.items);
    expected.n = cfg.options.tail;
  }
  CTRT_FUZZ_CHECK(same(&whole, &expected));

  /* container_logs: both streams, the same messages as lines. */
  if (want_out && want_err) {
    ctrt_log_entry_list *list = NULL;
    ctrt_container_id id = {.service = "svc", .replica = 1};
    int rc = ctrt__cri_log_entries(&list, path, &id, cfg.options.has_tail, cfg.options.tail, NULL);
    if (rc == 0) {
      CTRT_FUZZ_CHECK(list->n_items == whole.n);
      ctrt_log_entry_list_free(list);
    } else {
      /* A message the entry list cannot carry (not text) is refused with
       * a reason, never cut. */
      CTRT_FUZZ_CHECK(list == NULL && ctrt_error_last()->message[0] != '\0');
    }
  }
  clear(&whole);
  clear(&pieces);
  clear(&expected);
  return 0;
}
