/* SPDX-License-Identifier: MIT */
/* JSON-lines progress streams: values one per line or back to back. A small
 * scanner finds where each value ends (brackets, strings, escapes), keeping
 * its state between feeds so split input is never rescanned; jansson then
 * parses exactly that slice, or (the _text calls) the caller gets the slice's
 * bytes to walk without a DOM. */
#include "transport/transport.h"

#define READ_CHUNK ((size_t)16 * 1024)

struct ctrt__jsonl {
  char *buf;
  size_t len, cap;
  size_t start; /* first byte of the current value (or of unread input) */
  size_t scan;  /* next byte to scan */
  size_t max;
  size_t consumed; /* bytes dropped before buf[0], for messages */
  /* scanner */
  bool started, in_string, escape;
  char kind; /* 'b' bracketed, 's' string, 'a' atom (number, true, null...) */
  size_t depth;
};

int ctrt__jsonl_new(ctrt__jsonl **out, size_t max_message) {
  CTRT__CHECK_ARG(out != NULL, "jsonl_new: out must not be NULL");
  *out = ctrt__calloc(1, sizeof **out);
  CTRT__CHECK_ALLOC(*out);
  (*out)->max = max_message ? max_message : CTRT__JSONL_MAX_MESSAGE;
  return 0;
}

void ctrt__jsonl_free(ctrt__jsonl *d) {
  if (d == NULL)
    return;
  ctrt__free(d->buf);
  ctrt__free(d);
}

/* Drop consumed bytes so the buffer only holds the current value. */
static void compact(ctrt__jsonl *d) {
  if (d->start == 0)
    return;
  memmove(d->buf, d->buf + d->start, d->len - d->start);
  d->len -= d->start;
  d->scan -= d->start;
  d->consumed += d->start;
  d->start = 0;
}

static int reserve(ctrt__jsonl *d, size_t extra) {
  compact(d);
  if (d->len + extra <= d->cap)
    return 0;
  size_t cap = d->cap ? d->cap : 4096;
  while (cap < d->len + extra)
    cap *= 2;
  char *grown = ctrt__realloc(d->buf, cap);
  CTRT__CHECK_ALLOC(grown);
  d->buf = grown;
  d->cap = cap;
  return 0;
}

int ctrt__jsonl_feed(ctrt__jsonl *d, const void *data, size_t len) {
  if (d == NULL || (data == NULL && len > 0))
    return ctrt__error_invalid_argument("jsonl_feed: NULL argument");
  if (len == 0)
    return 0;
  int rc = reserve(d, len);
  if (rc < 0)
    return rc;
  memcpy(d->buf + d->len, data, len);
  d->len += len;
  return 0;
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Scan on; returns the end (exclusive) of a complete value, or 0. */
static size_t scan(ctrt__jsonl *d) {
  while (d->scan < d->len) {
    char c = d->buf[d->scan];
    if (!d->started) {
      if (is_space(c)) {
        d->scan++;
        d->start = d->scan;
        continue;
      }
      d->started = true;
      d->scan++;
      if (c == '{' || c == '[') {
        d->kind = 'b';
        d->depth = 1;
      } else if (c == '"') {
        d->kind = 's';
        d->in_string = true;
      } else {
        d->kind = 'a';
      }
      continue;
    }
    if (d->kind == 'a') {
      if (is_space(c) || c == '{' || c == '[' || c == '"')
        return d->scan;
      d->scan++;
      continue;
    }
    d->scan++;
    if (d->in_string) {
      if (d->escape)
        d->escape = false;
      else if (c == '\\')
        d->escape = true;
      else if (c == '"') {
        d->in_string = false;
        if (d->kind == 's')
          return d->scan;
      }
      continue;
    }
    if (c == '"') {
      d->in_string = true;
    } else if (c == '{' || c == '[') {
      d->depth++;
    } else if (c == '}' || c == ']') {
      if (--d->depth == 0)
        return d->scan;
    }
  }
  return 0;
}

/* The next complete value as [*begin, *end) of the buffer: 1, 0 when more
 * input is needed, or an error for a value over the cap. */
static int next_value(ctrt__jsonl *d, size_t *begin, size_t *end) {
  *end = scan(d);
  *begin = d->start;
  if (*end == 0) {
    if (d->started && d->len - d->start > d->max)
      return ctrt__error_internal("a JSON message in the progress stream exceeds %zu bytes (at stream offset %zu); "
                                  "the stream is corrupt or not JSON lines",
                                  d->max, d->consumed + d->start);
    if (!d->started)
      d->start = d->scan = d->len; /* only whitespace so far: drop it */
    return 0;
  }
  if (*end - d->start > d->max)
    return ctrt__error_internal("a JSON message in the progress stream exceeds %zu bytes (at stream offset %zu)",
                                d->max, d->consumed + d->start);
  return 1;
}

/* Past the value ending at end; its bytes stay in the buffer until the next
 * feed or pull compacts it. */
static void advance(ctrt__jsonl *d, size_t end) {
  d->start = d->scan = end;
  d->started = d->in_string = d->escape = false;
  d->depth = 0;
}

int ctrt__jsonl_take(ctrt__jsonl *d, json_t **out) {
  CTRT__CHECK_ARG(d != NULL && out != NULL, "jsonl_take: NULL argument");
  *out = NULL;
  size_t begin, end;
  int rc = next_value(d, &begin, &end);
  if (rc <= 0)
    return rc;
  json_error_t err;
  json_t *value = json_loadb(d->buf + begin, end - begin, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
  if (value == NULL)
    return ctrt__error_internal("invalid JSON in the progress stream at offset %zu: %s",
                                d->consumed + begin + (size_t)(err.position > 0 ? err.position : 0), err.text);
  char where[256];
  if (ctrt__json_find_nul(value, where, sizeof where)) {
    json_decref(value);
    return ctrt__error_internal("a JSON message in the progress stream (at offset %zu) carries a NUL character "
                                "(\\u0000) in the string at %s",
                                d->consumed + begin, where);
  }
  advance(d, end);
  *out = value;
  return 1;
}

int ctrt__jsonl_take_text(ctrt__jsonl *d, const char **text, size_t *len) {
  CTRT__CHECK_ARG(d != NULL && text != NULL && len != NULL, "jsonl_take_text: NULL argument");
  *text = NULL;
  *len = 0;
  size_t begin, end;
  int rc = next_value(d, &begin, &end);
  if (rc <= 0)
    return rc;
  advance(d, end);
  *text = d->buf + begin;
  *len = end - begin;
  return 1;
}

int ctrt__jsonl_finish(const ctrt__jsonl *d) {
  CTRT__CHECK_ARG(d != NULL, "jsonl_finish: NULL argument");
  for (size_t i = d->start; i < d->len; i++)
    if (!is_space(d->buf[i]))
      return ctrt__error_network("the progress stream ended in the middle of a JSON message (at offset %zu)",
                                 d->consumed + i);
  return 0;
}

/* Pull until take (json_t or text) has a value: 0, CTRT_ITEROVER, or an error. */
static int pull_until(ctrt__jsonl *d, ctrt_read_fn pull, void *ctx, int (*take)(ctrt__jsonl *, void *, void *), void *a,
                      void *b) {
  for (;;) {
    int rc = take(d, a, b);
    if (rc < 0)
      return rc;
    if (rc == 1)
      return 0;
    /* The buffer holds at most the current value (<= max) plus one read. */
    rc = reserve(d, READ_CHUNK);
    if (rc < 0)
      return rc;
    size_t n = 0;
    rc = pull(ctx, d->buf + d->len, READ_CHUNK, &n);
    if (rc == CTRT_ITEROVER) {
      rc = ctrt__jsonl_finish(d);
      return rc < 0 ? rc : CTRT_ITEROVER;
    }
    if (rc < 0)
      return rc;
    d->len += n;
  }
}

static int take_value(ctrt__jsonl *d, void *out, void *unused) {
  (void)unused;
  return ctrt__jsonl_take(d, out);
}

static int take_text(ctrt__jsonl *d, void *text, void *len) { return ctrt__jsonl_take_text(d, text, len); }

int ctrt__jsonl_next(ctrt__jsonl *d, ctrt_read_fn pull, void *ctx, json_t **out) {
  if (out)
    *out = NULL;
  CTRT__CHECK_ARG(d != NULL && pull != NULL && out != NULL, "jsonl_next: NULL argument");
  return pull_until(d, pull, ctx, take_value, out, NULL);
}

int ctrt__jsonl_next_text(ctrt__jsonl *d, ctrt_read_fn pull, void *ctx, const char **text, size_t *len) {
  if (text)
    *text = NULL;
  if (len)
    *len = 0;
  CTRT__CHECK_ARG(d != NULL && pull != NULL && text != NULL && len != NULL, "jsonl_next_text: NULL argument");
  return pull_until(d, pull, ctx, take_text, (void *)text, len);
}
