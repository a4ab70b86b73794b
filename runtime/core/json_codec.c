/* SPDX-License-Identifier: MIT */
/* JSON helpers for the generated codecs: error paths and scalar codecs. */
#include "gen_internal.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

/* ---- Paths ---- */

void ctrt__jpath_format(const ctrt__jpath *path, char *buf, size_t cap) {
  /* Collect the chain root-first (paths are shallow: our types nest a few
   * levels; anything deeper is elided). */
  const ctrt__jpath *chain[64];
  size_t depth = 0;
  bool elided = false;
  for (const ctrt__jpath *p = path; p != NULL; p = p->parent) {
    if (depth == sizeof chain / sizeof chain[0]) {
      elided = true;
      break;
    }
    chain[depth++] = p;
  }
  size_t used = (size_t)snprintf(buf, cap, "$%s", elided ? "..." : "");
  for (size_t i = depth; i-- > 0 && used < cap;) {
    const ctrt__jpath *p = chain[i];
    int n;
    if (p->key == NULL) {
      n = snprintf(buf + used, cap - used, "[%zu]", p->index);
    } else {
      bool plain = p->key[0] != '\0' && (isalpha((unsigned char)p->key[0]) || p->key[0] == '_');
      for (const char *c = p->key; plain && *c; c++)
        plain = isalnum((unsigned char)*c) || *c == '_';
      if (plain) {
        n = snprintf(buf + used, cap - used, ".%s", p->key);
      } else {
        /* ["key"], with '"' and '\\' escaped so the path stays unambiguous. */
        char quoted[256];
        size_t q = 0;
        for (const char *c = p->key; *c && q + 3 < sizeof quoted; c++) {
          if (*c == '"' || *c == '\\')
            quoted[q++] = '\\';
          quoted[q++] = *c;
        }
        quoted[q] = '\0';
        n = snprintf(buf + used, cap - used, "[\"%s\"]", quoted);
      }
    }
    if (n < 0)
      break;
    used += (size_t)n;
  }
}

int ctrt__json_error(const ctrt__jpath *path, const char *fmt, ...) {
  char where[256];
  char what[CTRT__ERROR_MESSAGE_MAX];
  ctrt__jpath_format(path, where, sizeof where);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return ctrt__error_set(CTRT_ERROR_INVALID_ARGUMENT, 0, "%s: %s", where, what);
}

const char *ctrt__json_type_name(const json_t *json) {
  switch (json_typeof(json)) {
  case JSON_OBJECT:
    return "object";
  case JSON_ARRAY:
    return "array";
  case JSON_STRING:
    return "string";
  case JSON_INTEGER:
    return "integer";
  case JSON_REAL:
    return "real";
  case JSON_TRUE:
  case JSON_FALSE:
    return "boolean";
  case JSON_NULL:
    return "null";
  }
  return "unknown";
}

int ctrt__json_type_error(const ctrt__jpath *path, const char *expected, const json_t *got) {
  return ctrt__json_error(path, "expected %s, got %s", expected, ctrt__json_type_name(got));
}

int ctrt__json_missing(const ctrt__jpath *path) { return ctrt__json_error(path, "missing required field"); }

int ctrt__json_put(json_t *object, const char *key, json_t *value, const ctrt__jpath *path) {
  (void)path;
  if (json_object_set_new(object, key, value) != 0)
    return ctrt__error_no_memory();
  return 0;
}

int ctrt__json_new_string(json_t **out, const char *text, const ctrt__jpath *path) {
  if (!ctrt__utf8_valid(text, strlen(text)))
    return ctrt__json_error(path, "string is not valid UTF-8");
  *out = json_string(text);
  return *out ? 0 : ctrt__error_no_memory();
}

int ctrt__json_text(const char **out, const json_t *json, const ctrt__jpath *path, const char *expected) {
  if (!json_is_string(json))
    return ctrt__json_type_error(path, expected, json);
  /* Our strings are C strings: a NUL would silently cut the value. */
  if (!ctrt__json_string_clean(json))
    return ctrt__json_error(path, "the string carries a NUL character (\\u0000) at offset %zu",
                            strlen(json_string_value(json)));
  *out = json_string_value(json);
  return 0;
}

static bool find_nul(const json_t *json, const ctrt__jpath *path, char *where, size_t cap) {
  if (json_is_string(json)) {
    if (ctrt__json_string_clean(json))
      return false;
    ctrt__jpath_format(path, where, cap);
    return true;
  }
  size_t i;
  const json_t *v;
  if (json_is_array(json)) {
    json_array_foreach(json, i, v) {
      ctrt__jpath p = CTRT__JPATH_INDEX(path, i);
      if (find_nul(v, &p, where, cap))
        return true;
    }
  }
  const char *key;
  json_object_foreach((json_t *)json, key, v) {
    ctrt__jpath p = CTRT__JPATH_KEY(path, key);
    if (find_nul(v, &p, where, cap))
      return true;
  }
  return false;
}

bool ctrt__json_find_nul(const json_t *json, char *where, size_t cap) { return find_nul(json, NULL, where, cap); }

int ctrt__json_parse(json_t **out, const char *text, size_t len) {
  json_error_t err;
  /* NULs are let through the parser so the decoder reports them with the
   * path of the field that carries one. */
  *out = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
  if (*out == NULL)
    return ctrt__error_set(CTRT_ERROR_INVALID_ARGUMENT, 0, "$: invalid JSON at line %d, column %d: %s", err.line,
                           err.column, err.text);
  return 0;
}

int ctrt__json_dump(char **out, const json_t *json) {
  *out = json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
  return *out ? 0 : ctrt__error_no_memory();
}

/* ---- Scalars ---- */

int ctrt__enc_bool(json_t **out, const bool *v, const ctrt__jpath *path) {
  (void)path;
  *out = json_boolean(*v);
  return *out ? 0 : ctrt__error_no_memory();
}

int ctrt__dec_bool(bool *out, const json_t *json, const ctrt__jpath *path) {
  if (!json_is_boolean(json))
    return ctrt__json_type_error(path, "boolean", json);
  *out = json_is_true(json);
  return 0;
}

static int enc_integer(json_t **out, json_int_t value) {
  *out = json_integer(value);
  return *out ? 0 : ctrt__error_no_memory();
}

/* Decode an integer within [lo, hi]; reals and out-of-range values fail. */
static int dec_integer(json_int_t *out, const json_t *json, const ctrt__jpath *path, json_int_t lo, json_int_t hi,
                       const char *type) {
  if (!json_is_integer(json))
    return ctrt__json_type_error(path, "integer", json);
  json_int_t value = json_integer_value(json);
  if (value < lo || value > hi)
    return ctrt__json_error(
        path, "%" JSON_INTEGER_FORMAT " is out of range for %s (%" JSON_INTEGER_FORMAT "..%" JSON_INTEGER_FORMAT ")",
        value, type, lo, hi);
  *out = value;
  return 0;
}

/* NOLINTBEGIN(bugprone-macro-parentheses): T is a type */
#define INTEGER_CODEC(slot, T, lo, hi)                                                                                 \
  int ctrt__enc_##slot(json_t **out, const T *v, const ctrt__jpath *path) {                                            \
    (void)path;                                                                                                        \
    return enc_integer(out, (json_int_t)*v);                                                                           \
  }                                                                                                                    \
  int ctrt__dec_##slot(T *out, const json_t *json, const ctrt__jpath *path) {                                          \
    json_int_t value = 0;                                                                                              \
    int rc;                                                                                                            \
    if ((rc = dec_integer(&value, json, path, (lo), (hi), #slot)) < 0)                                                 \
      return rc;                                                                                                       \
    *out = (T)value;                                                                                                   \
    return 0;                                                                                                          \
  }
/* NOLINTEND(bugprone-macro-parentheses) */

INTEGER_CODEC(i32, int32_t, INT32_MIN, INT32_MAX)
INTEGER_CODEC(i64, int64_t, INT64_MIN, INT64_MAX)
INTEGER_CODEC(u16, uint16_t, 0, UINT16_MAX)
INTEGER_CODEC(u32, uint32_t, 0, UINT32_MAX)

/* u64 travels as a JSON integer, which jansson caps at INT64_MAX. */
int ctrt__enc_u64(json_t **out, const uint64_t *v, const ctrt__jpath *path) {
  if (*v > (uint64_t)INT64_MAX)
    return ctrt__json_error(path, "%" PRIu64 " does not fit a JSON integer (max %" PRId64 ")", *v, INT64_MAX);
  return enc_integer(out, (json_int_t)*v);
}

int ctrt__dec_u64(uint64_t *out, const json_t *json, const ctrt__jpath *path) {
  json_int_t value = 0;
  int rc;
  if ((rc = dec_integer(&value, json, path, 0, INT64_MAX, "u64")) < 0)
    return rc;
  *out = (uint64_t)value;
  return 0;
}

int ctrt__enc_f64(json_t **out, const double *v, const ctrt__jpath *path) {
  if (!isfinite(*v))
    return ctrt__json_error(path, "%g has no JSON form", *v);
  *out = json_real(*v);
  return *out ? 0 : ctrt__error_no_memory();
}

int ctrt__dec_f64(double *out, const json_t *json, const ctrt__jpath *path) {
  if (!json_is_number(json))
    return ctrt__json_type_error(path, "number", json);
  *out = json_number_value(json);
  return 0;
}

int ctrt__enc_timestamp(json_t **out, const ctrt_timestamp *v, const ctrt__jpath *path) {
  char text[64];
  if (ctrt__timestamp_format(text, sizeof text, v) < 0)
    return ctrt__json_error(path, "timestamp %" PRId64 ".%09d is out of range", v->seconds, (int)v->nanos);
  return ctrt__json_new_string(out, text, path);
}

int ctrt__dec_timestamp(ctrt_timestamp *out, const json_t *json, const ctrt__jpath *path) {
  const char *text = NULL;
  int rc = ctrt__json_text(&text, json, path, "string (RFC 3339 timestamp)");
  if (rc < 0)
    return rc;
  if (ctrt__timestamp_parse(out, text) < 0)
    return ctrt__json_error(path, "'%s' is not an RFC 3339 timestamp", text);
  return 0;
}

/* ---- Strings ---- */

int ctrt__enc_string_cstr(json_t **out, const char *text, const ctrt__jpath *path) {
  return ctrt__json_new_string(out, text ? text : "", path);
}

int ctrt__enc_string(json_t **out, char *const *v, const ctrt__jpath *path) {
  return ctrt__enc_string_cstr(out, *v, path);
}

int ctrt__dec_string(char **out, const json_t *json, const ctrt__jpath *path) {
  const char *text = NULL;
  int rc = ctrt__json_text(&text, json, path, "string");
  if (rc < 0)
    return rc;
  *out = ctrt__strndup(text, json_string_length(json));
  return *out ? 0 : ctrt__error_no_memory();
}

void ctrt__clear_string(char **v) {
  ctrt__free(*v);
  *v = NULL;
}

int ctrt__copy_string(char **dst, char *const *src) {
  *dst = NULL;
  if (*src == NULL)
    return 0;
  *dst = ctrt__strdup(*src);
  return *dst ? 0 : ctrt__error_no_memory();
}

bool ctrt__eq_string(char *const *a, char *const *b) { return ctrt__eq_cstr_default(*a, *b, ""); }

bool ctrt__eq_cstr_default(const char *a, const char *b, const char *dflt) {
  return strcmp(a ? a : dflt, b ? b : dflt) == 0;
}

bool ctrt__eq_cstr_optional(const char *a, const char *b) {
  if (a == NULL || b == NULL)
    return a == b;
  return strcmp(a, b) == 0;
}

int ctrt__enc_ip_cstr(json_t **out, const char *text, const ctrt__jpath *path) {
  if (text == NULL || !ctrt__ip_valid(text))
    return ctrt__json_error(path, "'%s' is not an IP address", text ? text : "");
  return ctrt__json_new_string(out, text, path);
}

int ctrt__enc_ip(json_t **out, char *const *v, const ctrt__jpath *path) { return ctrt__enc_ip_cstr(out, *v, path); }

int ctrt__dec_ip(char **out, const json_t *json, const ctrt__jpath *path) {
  const char *text = NULL;
  int rc = ctrt__json_text(&text, json, path, "string");
  if (rc < 0)
    return rc;
  if (!ctrt__ip_valid(text))
    return ctrt__json_error(path, "'%s' is not an IP address", json_string_value(json));
  return ctrt__dec_string(out, json, path);
}

/* ---- Bytes ---- */

int ctrt__enc_bytes(json_t **out, const ctrt_bytes *v, const ctrt__jpath *path) {
  (void)path;
  char *text = ctrt__base64_encode(v->data, v->len, false);
  CTRT__CHECK_ALLOC(text);
  *out = json_string(text);
  ctrt__free(text);
  return *out ? 0 : ctrt__error_no_memory();
}

int ctrt__dec_bytes(ctrt_bytes *out, const json_t *json, const ctrt__jpath *path) {
  if (!json_is_string(json))
    return ctrt__json_type_error(path, "string (base64)", json);
  if (ctrt__base64_decode(&out->data, &out->len, json_string_value(json), json_string_length(json)) < 0)
    return ctrt__json_error(path, "not valid base64");
  return 0;
}

void ctrt__clear_bytes(ctrt_bytes *v) {
  ctrt__free(v->data);
  v->data = NULL;
  v->len = 0;
}

int ctrt__copy_bytes(ctrt_bytes *dst, const ctrt_bytes *src) { return ctrt__bytes_set(dst, src->data, src->len); }

int ctrt__bytes_set(ctrt_bytes *dst, const void *data, size_t len) {
  dst->data = NULL;
  dst->len = 0;
  uint8_t *buf = len < SIZE_MAX ? ctrt__malloc(len + 1) : NULL;
  CTRT__CHECK_ALLOC(buf);
  if (len > 0)
    memcpy(buf, data, len);
  return ctrt__bytes_take(dst, buf, len);
}

int ctrt__bytes_take(ctrt_bytes *dst, void *buf, size_t len) {
  dst->data = NULL;
  dst->len = 0;
  if (buf == NULL && len == 0)
    buf = ctrt__malloc(1);
  CTRT__CHECK_ALLOC(buf);
  dst->data = buf;
  dst->data[len] = 0;
  dst->len = len;
  return 0;
}

bool ctrt__eq_bytes(const ctrt_bytes *a, const ctrt_bytes *b) {
  return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}
