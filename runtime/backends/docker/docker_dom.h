/* SPDX-License-Identifier: MIT */
/* The strict DOM reader of the daemon's JSON (a jansson value): shared by
 * the converters still reading jansson values (docker_convert.c) and the
 * reference converters test_docker compares the walker with
 * (runtime/tests/docker/docker_reference.c). Internal; static inline so that
 * each includer carries only what it uses. */
#ifndef CTRT_DOCKER_DOM_H
#define CTRT_DOCKER_DOM_H

#include "backends/docker/docker_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- a strict reader of the daemon's JSON ----
 *
 * An absent member (or null) is absent; a member of the wrong type, a string
 * carrying a NUL, or an integer outside the C type it lands in is an error
 * naming its JSON path, never "absent" and never wrapped. The first error
 * sticks in *rc, so converters read on and check once. */

typedef struct rd {
  int *rc;
  const char *what; /* the method, for messages */
  char base[192];   /* JSON path of the object being read */
} rd;

static inline rd rd_root(int *rc, const char *what) {
  rd r = {rc, what, "$"};
  *rc = 0;
  return r;
}

/* A reader for path's member key, or (key NULL) path's element index. */
static inline rd rd_sub(const rd *r, const char *path, const char *key, size_t index) {
  rd s = {r->rc, r->what, ""};
  const char *dot = path && path[0] ? "." : "";
  bool plain =
      key && key[0] && strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == strlen(key);
  int n =
      key ? snprintf(s.base, sizeof s.base, plain ? "%s%s%s.%s" : "%s%s%s[\"%s\"]", r->base, dot, path ? path : "", key)
          : snprintf(s.base, sizeof s.base, "%s%s%s[%zu]", r->base, dot, path ? path : "", index);
  if (n < 0 || (size_t)n >= sizeof s.base)
    memcpy(s.base + sizeof s.base - 4, "...", 4); /* a deep path, cut */
  return s;
}

static inline void rd_fail(rd *r, const char *path, const char *what, const json_t *got) {
  if (*r->rc < 0)
    return;
  char text[96] = "";
  if (json_is_integer(got))
    snprintf(text, sizeof text, " %" JSON_INTEGER_FORMAT, json_integer_value(got));
  else if (json_is_real(got))
    snprintf(text, sizeof text, " %g", json_real_value(got));
  else if (json_is_string(got))
    snprintf(text, sizeof text, " \"%.64s\"", json_string_value(got));
  *r->rc = ctrt__error_internal("%s: the Docker daemon's answer has %s%s%s: expected %s, got %s%s", r->what, r->base,
                                path[0] ? "." : "", path, what, got ? ctrt__json_type_name(got) : "nothing", text);
}

/* Member by a dotted path ("cpu_stats.cpu_usage.total_usage"); NULL when
 * absent or null. */
static inline const json_t *at(rd *r, const json_t *obj, const char *path) {
  char key[64];
  const char *rest = path;
  while (obj != NULL && *rest) {
    if (json_is_null(obj))
      return NULL;
    if (!json_is_object(obj)) {
      rd_fail(r, path, "an object on the way", obj);
      return NULL;
    }
    const char *dot = strchr(rest, '.');
    size_t n = dot ? (size_t)(dot - rest) : strlen(rest);
    if (n >= sizeof key)
      return NULL;
    memcpy(key, rest, n);
    key[n] = '\0';
    obj = json_object_get(obj, key);
    rest += dot ? n + 1 : n;
  }
  return json_is_null(obj) ? NULL : obj;
}

static inline const char *str_at(rd *r, const json_t *obj, const char *path) {
  const json_t *v = at(r, obj, path);
  if (v == NULL)
    return NULL;
  if (!ctrt__json_string_clean(v)) {
    rd_fail(r, path, "a string without NUL characters", v);
    return NULL;
  }
  return json_string_value(v);
}

/* An integer within [lo, hi] into *out; false when absent or wrong. */
static inline bool int_at(rd *r, const json_t *obj, const char *path, int64_t lo, int64_t hi, int64_t *out) {
  const json_t *v = at(r, obj, path);
  if (v == NULL)
    return false;
  if (ctrt__json_int_in(v, lo, hi, out))
    return true;
  char want[96];
  snprintf(want, sizeof want, "an integer in %" PRId64 "..%" PRId64, lo, hi);
  rd_fail(r, path, want, v);
  return false;
}

/* A counter (integer or real, as Go's JSON may send either) in [0, 2^64);
 * 0 when absent. */
static inline uint64_t u64_at(rd *r, const json_t *obj, const char *path) {
  const json_t *v = at(r, obj, path);
  uint64_t value = 0;
  if (v != NULL && !ctrt__json_number_u64(v, &value))
    rd_fail(r, path, "a number in 0..2^64", v);
  return value;
}

static inline bool bool_at(rd *r, const json_t *obj, const char *path) {
  const json_t *v = at(r, obj, path);
  if (v != NULL && !json_is_boolean(v))
    rd_fail(r, path, "a boolean", v);
  return json_is_true(v);
}

/* An array (NULL when absent). */
static inline const json_t *array_at(rd *r, const json_t *obj, const char *path) {
  const json_t *v = at(r, obj, path);
  if (v != NULL && !json_is_array(v)) {
    rd_fail(r, path, "an array", v);
    return NULL;
  }
  return v;
}

static inline const json_t *object_at(rd *r, const json_t *obj, const char *path) {
  const json_t *v = at(r, obj, path);
  if (v != NULL && !json_is_object(v)) {
    rd_fail(r, path, "an object", v);
    return NULL;
  }
  return v;
}

static inline int dup_opt(char **out, const char *text) {
  *out = NULL;
  if (ctrt__docker_blank(text))
    return 0;
  return (*out = ctrt__strdup(text)) ? 0 : ctrt__error_no_memory();
}

/* The first failure: rc, else what the reader met (read_rc). */
static inline int finish(int rc, int read_rc, void *value, void (*free_fn)(void *)) {
  if (rc >= 0)
    rc = read_rc;
  if (rc < 0)
    free_fn(value);
  return rc;
}

#define FINISH(rc, r_rc, out, free_fn)                                                                                 \
  do {                                                                                                                 \
    int rc_ = finish((rc), (r_rc), *(out), (void (*)(void *))(free_fn));                                               \
    if (rc_ < 0)                                                                                                       \
      *(out) = NULL;                                                                                                   \
    return rc_;                                                                                                        \
  } while (0)

/* Parse an RFC 3339 instant; Go's zero time ("0001-01-01T00:00:00Z") and
 * anything unparsable count as absent. */
static inline bool parse_time(const char *text, ctrt_timestamp *ts) {
  if (ctrt__docker_blank(text) || strncmp(text, "0001-01-01", 10) == 0)
    return false;
  return ctrt__timestamp_parse(ts, text) == 0;
}

#endif
