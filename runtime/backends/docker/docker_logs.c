/* SPDX-License-Identifier: MIT */
/* Logs: GET /containers/{id}/logs, multiplexed frames (or raw bytes for a
 * TTY container) read in bounded pieces. logs_stream hands out one chunk
 * per frame, or without timestamps one chunk per run of frames of one
 * stream already received (a chatty log of short lines costs two
 * allocations per 64 KiB read, not per line); container_logs and get_logs
 * collect LogEntry lines. With timestamps, Docker starts every message with
 * "RFC3339Nano " - stripped into the timestamp. */
#include "backends/docker/docker_internal.h"
#include "core/log_records.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define PIECE_MAX ((size_t)64 * 1024)

int ctrt__docker_demux_piece(ctrt__demux *dm, int *stream, uint8_t *buf, size_t cap, size_t *len, bool *frame_end) {
  *len = 0;
  size_t n = 0;
  int rc = ctrt__demux_read(dm, stream, buf, cap, &n);
  if (rc < 0)
    return rc;
  *len = n;
  /* Fill up to the end of the frame (a raw stream has no frames). */
  while (dm->multiplexed && dm->dec.in_payload && *len < cap) {
    int same;
    if ((rc = ctrt__demux_read(dm, &same, buf + *len, cap - *len, &n)) < 0)
      return rc == CTRT_ITEROVER ? ctrt__error_network("the multiplexed stream ended in the middle of a frame") : rc;
    *len += n;
  }
  *frame_end = !dm->dec.in_payload;
  return 0;
}

/* ---- a reader of log messages ---- */

typedef struct log_reader {
  ctrt__http_stream *hs;
  ctrt__frame_reader fr; /* multiplexed */
  bool tty, timestamps;
  uint8_t *buf;
  size_t len, off; /* raw (TTY) bytes not handed out yet: buf[off..len) */
  bool eof;
  bool mid; /* the next piece continues a message */
  bool has_ts;
  ctrt_timestamp ts;
} log_reader;

typedef struct log_piece {
  int stream; /* 0 stdin, 1 stdout, 2 stderr */
  const uint8_t *data;
  size_t len;
  bool has_ts;
  ctrt_timestamp ts;
  bool end; /* the message is complete */
} log_piece;

static void strip_timestamp(log_reader *r, log_piece *p, const uint8_t *data, size_t len) {
  size_t skip = 0;
  if (!r->mid)
    r->has_ts = r->timestamps && ctrt__docker_log_timestamp((const char *)data, len, &r->ts, &skip);
  p->data = data + skip;
  p->len = len - skip;
  p->has_ts = r->has_ts;
  p->ts = r->ts;
  r->mid = !p->end;
}

/* TTY with timestamps: messages are lines ("TS text\n"); without, every
 * read is handed out as it comes. */
static int raw_next(log_reader *r, log_piece *p) {
  for (;;) {
    size_t have = r->len - r->off;
    if (have > 0) {
      const uint8_t *start = r->buf + r->off;
      const uint8_t *nl = r->timestamps ? memchr(start, '\n', have) : start + have - 1;
      if (nl != NULL || r->eof || have == PIECE_MAX) {
        size_t take = nl ? (size_t)(nl - start) + 1 : have;
        r->off += take;
        p->stream = CTRT__STDCOPY_STDOUT;
        p->end = !r->timestamps || nl != NULL || r->eof;
        strip_timestamp(r, p, start, take);
        return 0;
      }
      memmove(r->buf, start, have);
    }
    r->len = have;
    r->off = 0;
    if (r->eof)
      return CTRT_ITEROVER;
    size_t n = 0;
    int rc = ctrt__http_stream_read(r->hs, r->buf + r->len, PIECE_MAX - r->len, &n);
    if (rc == CTRT_ITEROVER)
      r->eof = true;
    else if (rc < 0)
      return rc;
    else
      r->len += n;
  }
}

/* The next piece: a whole frame when it fits PIECE_MAX (so a timestamp is
 * never split), valid until the next call. */
static int log_reader_next(log_reader *r, log_piece *p) {
  if (r->tty)
    return raw_next(r, p);
  ctrt__stdcopy_piece piece;
  int rc = ctrt__frame_reader_next(&r->fr, &piece, true);
  if (rc < 0)
    return rc;
  p->stream = piece.stream;
  p->end = piece.frame_end;
  strip_timestamp(r, p, piece.data, piece.len);
  return 0;
}

static void log_reader_free(log_reader *r) {
  if (r == NULL)
    return;
  ctrt__http_stream_free(r->hs);
  ctrt__frame_reader_clear(&r->fr);
  ctrt__free(r->buf);
  ctrt__free(r);
}

/* Whether the daemon's API version (from the negotiation, "1.41") is at
 * least 1.42, the first whose logs answers state their framing. */
static bool api_states_framing(const ctrt__docker *d) {
  const char *v = ctrt__http_api_version(d->client);
  size_t dot = v != NULL ? strcspn(v, ".") : 0;
  uint64_t major = 0, minor = 0;
  return v != NULL && v[dot] == '.' && ctrt__parse_uint(v, dot, 10, UINT32_MAX, &major) &&
         ctrt__parse_uint_cstr(v + dot + 1, 10, UINT32_MAX, &minor) && (major > 1 || (major == 1 && minor >= 42));
}

/* Whether the open log is raw bytes (a TTY container) rather than
 * multiplexed frames. From API 1.42 on the answer's Content-Type says so
 * (application/vnd.docker.multiplexed-stream, else raw-stream); before,
 * there is no Content-Type (20.10.24, API 1.41: none on either kind of
 * container), so only the container's Config.Tty tells, and it costs one
 * inspect, made once per call, after the log opened (so that a missing
 * container is the log's 404, named like every container call's). */
static int log_is_raw(ctrt__docker *d, const ctrt_container_id *id, ctrt__http_stream *hs, const char *method,
                      bool *raw) {
  const char *type = ctrt__http_stream_header(hs, "Content-Type");
  if (type != NULL && strncmp(type, "application/vnd.docker.multiplexed-stream", 41) == 0) {
    *raw = false;
    return 0;
  }
  if (type != NULL && strncmp(type, "application/vnd.docker.raw-stream", 33) == 0 && api_states_framing(d)) {
    *raw = true;
    return 0;
  }
  json_t *inspect = NULL;
  int rc;
  if ((rc = ctrt__docker_inspect_container(d, id, method, &inspect)) < 0)
    goto done;
  *raw = json_is_true(json_object_get(json_object_get(inspect, "Config"), "Tty"));
done:
  json_decref(inspect);
  return rc;
}

/* Open GET /containers/{ref}{target}; target ("/logs?...") comes from the
 * spec (ctrt__dockerreq_*_container_logs). */
static int log_reader_open(ctrt__docker *d, log_reader **out, const ctrt_container_id *id, const char *target,
                           bool timestamps, const char *method) {
  *out = NULL;
  log_reader *r = ctrt__calloc(1, sizeof *r);
  CTRT__CHECK_ALLOC(r);
  r->timestamps = timestamps;
  ctrt__docker_call call = {.suffix = target};
  int rc;
  if ((rc = ctrt__docker_container_open(d, id, &call, method, &r->hs)) < 0 ||
      (rc = log_is_raw(d, id, r->hs, method, &r->tty)) < 0)
    goto done;
  if (r->tty && (r->buf = ctrt__malloc(PIECE_MAX)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if (!r->tty && (rc = ctrt__frame_reader_init(&r->fr, ctrt__http_stream_pull, r->hs, PIECE_MAX)) < 0)
    goto done;
  *out = r;
  r = NULL;
done:
  log_reader_free(r);
  return rc;
}

/* ---- logs_stream ---- */

/* A chunk of p and the frames of p's stream that follow it in what is
 * already buffered (a run stops at another stream, at a frame not all
 * received, and never waits), in one allocation. Without timestamps only:
 * each timestamped message is its own chunk. One pass: the chunk is sized
 * by the buffered bytes (the payloads plus their 8-byte headers), filled,
 * then shrunk to what it holds. */
static int coalesce(log_reader *r, const log_piece *p, ctrt_log_channel channel, ctrt_log_chunk **out) {
  size_t bound = p->len + (r->fr.len - r->fr.off);
  int rc = ctrt__log_chunk_alloc(out, channel, bound, NULL);
  if (rc < 0)
    return rc;
  ctrt_log_chunk *c = *out;
  memcpy(c->data.data, p->data, p->len);
  size_t len = p->len + ctrt__frame_reader_run(&r->fr, p->stream, c->data.data + p->len, bound - p->len);
  if (bound - len >= 64) {
    /* glibc shrinks in place; the data follows the struct either way. */
    ctrt_log_chunk *shrunk = ctrt__realloc(c, sizeof *c + len + 1);
    if (shrunk != NULL)
      *out = c = shrunk;
    c->data.data = (uint8_t *)(c + 1);
  }
  c->data.len = len;
  c->data.data[len] = '\0';
  return 0;
}

static int logs_next(void *impl, void **item) {
  log_reader *r = impl;
  log_piece p;
  int rc = log_reader_next(r, &p);
  if (rc == CTRT_ITEROVER)
    return rc;
  if (rc < 0)
    return ctrt__error_wrap("logs_stream");
  ctrt_log_channel channel;
  if (ctrt_log_channel_from_docker_code(&channel, p.stream) < 0) {
    ctrt_error_clear();
    channel = CTRT_LOG_CHANNEL_STDOUT;
  }
  if (r->tty || r->timestamps)
    return ctrt__log_chunk_new((ctrt_log_chunk **)item, channel, p.data, p.len, p.has_ts ? &p.ts : NULL);
  return coalesce(r, &p, channel, (ctrt_log_chunk **)item);
}

static void logs_cancel(void *impl) { ctrt__http_stream_cancel(((log_reader *)impl)->hs); }

static void logs_destroy(void *impl) { log_reader_free(impl); }

static const ctrt__stream_vtable logs_vtable = {
    .next = logs_next,
    .cancel = logs_cancel,
    .destroy = logs_destroy,
};

int ctrt__docker_logs_stream(void *self, ctrt_logs_stream **out, const ctrt_container_id *id,
                             const ctrt_logs_stream_options *options) {
  char *target = NULL;
  log_reader *r = NULL;
  ctrt__stream *stream = NULL;
  int rc;
  if ((rc = ctrt__dockerreq_logs_stream_container_logs(&target, options)) < 0 ||
      (rc = log_reader_open(self, &r, id, target, options->timestamps, "logs_stream")) < 0)
    goto done;
  rc = ctrt__stream_new(&stream, &logs_vtable, r, ctrt__logs_stream_item_free);
  *out = (ctrt_logs_stream *)stream;
done:
  ctrt__free(target);
  return rc;
}

/* ---- container_logs, get_logs ---- */

typedef struct entry_builder {
  ctrt_log_entry_list *list;
  size_t cap;
  char *text;
  size_t len, text_cap;
  int stream;
  bool has_ts;
  ctrt_timestamp ts;
  bool open;
  const ctrt_log_options *limit; /* get_logs' caps, NULL: none */
  uint64_t bytes;                /* message bytes kept */
  bool full;                     /* an entry did not fit: stop reading */
} entry_builder;

static int append_text(entry_builder *b, const uint8_t *data, size_t len) {
  if (b->len + len + 1 > b->text_cap) {
    size_t cap = b->text_cap ? b->text_cap : 256;
    while (cap < b->len + len + 1)
      cap *= 2;
    char *grown = ctrt__realloc(b->text, cap);
    CTRT__CHECK_ALLOC(grown);
    b->text = grown;
    b->text_cap = cap;
  }
  memcpy(b->text + b->len, data, len);
  b->len += len;
  b->text[b->len] = '\0';
  return 0;
}

static int finish_entry(entry_builder *b, const char *display, const char *service) {
  if (!b->open)
    return 0;
  b->open = false;
  /* The message without its line ending. */
  while (b->len > 0 && (b->text[b->len - 1] == '\n' || b->text[b->len - 1] == '\r'))
    b->len--;
  if (b->stream != CTRT__STDCOPY_STDOUT && b->stream != CTRT__STDCOPY_STDERR)
    return 0; /* stdin echoes are no log lines */
  if (!ctrt__log_cap_fits(b->limit, b->list->n_items, b->bytes, b->len)) {
    b->full = true;
    return 0;
  }
  b->bytes += b->len;
  return ctrt__log_entry_append(
      b->list, &b->cap, b->stream == CTRT__STDCOPY_STDERR ? CTRT_OUTPUT_STREAM_STDERR : CTRT_OUTPUT_STREAM_STDOUT,
      b->has_ts ? b->ts : ctrt__timestamp_now(), b->text, b->len, display, service);
}

/* The log as entries; target is the spec's (timestamps=1 always). */
static int collect(ctrt__docker *d, ctrt_log_entry_list **out, const ctrt_container_id *id, char *target,
                   const ctrt_log_options *cap, const char *method) {
  char *display = NULL;
  log_reader *r = NULL;
  entry_builder b = {.limit = cap};
  int rc;
  if ((rc = ctrt_container_id_format(&display, id)) < 0 || (rc = log_reader_open(d, &r, id, target, true, method)) < 0)
    goto done;
  if ((b.list = ctrt__malloc(sizeof *b.list)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  *b.list = (ctrt_log_entry_list)CTRT_LOG_ENTRY_LIST_INIT;
  while (!b.full) {
    log_piece p;
    rc = log_reader_next(r, &p);
    if (rc == CTRT_ITEROVER) {
      rc = finish_entry(&b, display, id->service);
      break;
    }
    if (rc < 0) {
      rc = ctrt__error_wrap("%s", method);
      goto done;
    }
    if (!b.open) {
      b.open = true;
      b.len = 0;
      b.stream = p.stream;
      b.has_ts = p.has_ts;
      b.ts = p.ts;
    }
    if ((rc = append_text(&b, p.data, p.len)) < 0 || (p.end && (rc = finish_entry(&b, display, id->service)) < 0))
      goto done;
    /* A message already longer than the bytes left (less its line ending,
     * "\r\n" at most) cannot fit: stop before holding all of it. */
    if (!p.end && cap && cap->has_max_bytes && b.len > 2 && b.len - 2 > cap->max_bytes - b.bytes)
      b.full = true;
  }
done:
  ctrt__free(target);
  log_reader_free(r);
  ctrt__free(b.text);
  ctrt__free(display);
  if (rc < 0) {
    ctrt_log_entry_list_free(b.list);
    return rc;
  }
  *out = b.list;
  return 0;
}

int ctrt__docker_container_logs(void *self, ctrt_log_entry_list **out, const ctrt_container_id *id, uint64_t tail) {
  char *target = NULL;
  int rc = ctrt__dockerreq_container_logs_container_logs(&target, tail);
  return rc < 0 ? rc : collect(self, out, id, target, NULL, "container_logs");
}

int ctrt__docker_get_logs(void *self, ctrt_log_entry_list **out, const ctrt_container_id *id,
                          const ctrt_log_options *options) {
  char *target = NULL;
  int rc = ctrt__dockerreq_get_logs_container_logs(&target);
  return rc < 0 ? rc : collect(self, out, id, target, options, "get_logs");
}
