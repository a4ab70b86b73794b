/* Shared fuzz target code: see fuzz_support.h. */
#include "fuzz_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CTRT_FUZZ_KNOWN_OPEN
#define CTRT_FUZZ_KNOWN_OPEN ""
#endif

void ctrt_fuzz_fail(const char *file, int line, const char *what) {
  const ctrt_error *e = ctrt_error_last();
  fprintf(stderr, "%s:%d: fuzz target %s: property violated: %s (last error: %s)\n", file, line, ctrt_fuzz_target_name,
          what, e && e->message[0] ? e->message : "none");
  abort();
}

/* Targets without known-open classes keep this one. */
__attribute__((weak)) const char *ctrt_fuzz_known_open_class(const uint8_t *data, size_t size) {
  (void)data;
  (void)size;
  return NULL;
}

static const char known_open[] = CTRT_FUZZ_KNOWN_OPEN;

bool ctrt_fuzz_class_is_open(const char *cls) {
  size_t n = strlen(cls);
  for (const char *p = known_open; n > 0 && (p = strstr(p, cls)) != NULL; p += n)
    if ((p == known_open || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
      return true;
  return false;
}

static _Thread_local const char *last_skipped;

const char *ctrt_fuzz_last_skipped(void) { return last_skipped; }

bool ctrt_fuzz_skip_known_open(const uint8_t *data, size_t size) {
  /* No class open: no guard runs (the tar targets' guard unpacks the whole
   * input, doubling the time of a slow one). */
  const char *cls = known_open[0] != '\0' ? ctrt_fuzz_known_open_class(data, size) : NULL;
  last_skipped = cls != NULL && ctrt_fuzz_class_is_open(cls) ? cls : NULL;
  return last_skipped != NULL;
}

void ctrt_fuzz_splitter_init(ctrt_fuzz_splitter *s, const uint8_t **data, size_t *size) {
  s->n_ctl = *size < 8 ? *size : 8;
  s->ctl = *data;
  s->next = 0;
  *data += s->n_ctl;
  *size -= s->n_ctl;
}

size_t ctrt_fuzz_splitter_next(ctrt_fuzz_splitter *s, size_t left) {
  if (left == 0)
    return 0;
  size_t n = s->n_ctl ? (size_t)s->ctl[s->next++ % s->n_ctl] % 17 + 1 : left;
  if (s->n_ctl && s->ctl[(s->next - 1) % s->n_ctl] >= 0xf0)
    n = left; /* now and then the rest at once */
  return n < left ? n : left;
}

bool ctrt_fuzz_take_mode(const uint8_t **data, size_t *size, size_t max, uint8_t *mode, ctrt_fuzz_splitter *split) {
  if (*size < 1 || *size > max)
    return false;
  *mode = (*data)[0];
  (*data)++;
  (*size)--;
  ctrt_fuzz_splitter_init(split, data, size);
  return true;
}

void ctrt_fuzz_put(ctrt_fuzz_transcript *t, const void *data, size_t len) {
  if (t->len + len > t->cap) {
    size_t cap = t->cap ? t->cap : 256;
    while (cap < t->len + len)
      cap *= 2;
    uint8_t *grown = realloc(t->bytes, cap);
    CTRT_FUZZ_CHECK(grown != NULL);
    t->bytes = grown;
    t->cap = cap;
  }
  if (len)
    memcpy(t->bytes + t->len, data, len);
  t->len += len;
}

void ctrt_fuzz_put_u64(ctrt_fuzz_transcript *t, uint64_t v) { ctrt_fuzz_put(t, &v, sizeof v); }

bool ctrt_fuzz_transcripts_equal(const ctrt_fuzz_transcript *a, const ctrt_fuzz_transcript *b) {
  return a->len == b->len && (a->len == 0 || memcmp(a->bytes, b->bytes, a->len) == 0);
}

int ctrt_fuzz_reader_pull(void *ctx, void *buf, size_t cap, size_t *n_read) {
  ctrt_fuzz_reader *r = ctx;
  *n_read = 0;
  if (r->off == r->len)
    return CTRT_ITEROVER;
  size_t n = ctrt_fuzz_splitter_next(r->split, r->len - r->off);
  if (n > cap)
    n = cap;
  memcpy(buf, r->data + r->off, n);
  r->off += n;
  *n_read = n;
  return 0;
}

bool ctrt_fuzz_json_agrees(const json_t *encoded, const json_t *original) {
  /* null is absent, wherever it stands (Docker sends null for an empty
   * list): the decoder's default, whatever the encoder writes for it. */
  if (json_is_null(original))
    return true;
  if (json_is_object(encoded) && json_is_object(original)) {
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)encoded, key, value) {
      const json_t *was = json_object_get(original, key);
      if (was != NULL && !json_is_null(was) && !ctrt_fuzz_json_agrees(value, was))
        return false;
    }
    return true;
  }
  if (json_is_array(encoded) && json_is_array(original)) {
    if (json_array_size(encoded) != json_array_size(original))
      return false;
    for (size_t i = 0; i < json_array_size(encoded); i++)
      if (!ctrt_fuzz_json_agrees(json_array_get(encoded, i), json_array_get(original, i)))
        return false;
    return true;
  }
  return json_equal((json_t *)encoded, (json_t *)original);
}
