/* SPDX-License-Identifier: MIT */
/*
 * The descriptor walker (json_walk.h): a pull tokenizer over the whole text
 * and a recursive decoder driven by the generated descriptor tables.
 *
 * Why a tokenizer of our own and not yajl: the walker needs the exact
 * strictness of the jansson path it replaces, and yajl 2.1 decodes a lone
 * surrogate escape ("\uD800") to '?' instead of refusing it, and reports
 * strings only after copying them; pulling tokens from a complete body
 * makes the decoder plain recursive descent (the JSON path lives on the C
 * stack), lets unescaped strings be used in place, and skips unknown
 * members without allocating. Measured in bench/ (README): the walker on
 * an inspect body costs about what a bare yajl pass does.
 */
#include "core/json_walk.h"
#include "gen_errors.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct jw {
  const char *start, *p, *end;
  int depth;
  bool syntax; /* the error set is a syntax error */
  char *buf;   /* scratch for strings that must be copied */
  size_t cap;
  char small[256];
} jw;

/* ---- errors ---- */

static int syn(jw *w, const char *what) {
  int line = 1;
  const char *bol = w->start;
  for (const char *c = w->start; c < w->p && c < w->end; c++)
    if (*c == '\n') {
      line++;
      bol = c + 1;
    }
  w->syntax = true;
  (void)ctrt__error_set(CTRT_ERROR_INVALID_ARGUMENT, 0, "$: invalid JSON at line %d, column %d: %s", line,
                        (int)(w->p - bol) + 1, what);
  return CTRT_EINVALID_ARGUMENT; /* spelt out: callers' "rc == 0" paths rely on it */
}

static bool at_end(const jw *w) { return w->p >= w->end; }

static void ws(jw *w) {
  while (w->p < w->end && (*w->p == ' ' || *w->p == '\n' || *w->p == '\r' || *w->p == '\t'))
    w->p++;
}

static bool enter(jw *w) { return ++w->depth <= CTRT__JWALK_MAX_DEPTH; }

/* ---- scratch ---- */

static int reserve(jw *w, size_t need) {
  if (need <= w->cap)
    return 0;
  size_t cap = w->cap * 2 > need ? w->cap * 2 : need;
  char *grown = ctrt__realloc(w->buf == w->small ? NULL : w->buf, cap);
  CTRT__CHECK_ALLOC(grown);
  if (w->buf == w->small)
    memcpy(grown, w->small, sizeof w->small);
  w->buf = grown;
  w->cap = cap;
  return 0;
}

/* ---- tokens ---- */

static int literal(jw *w, const char *word, size_t n) {
  if ((size_t)(w->end - w->p) < n || memcmp(w->p, word, n) != 0)
    return syn(w, "invalid token");
  w->p += n;
  return 0;
}

static int hex4(const char *s, uint32_t *out) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    char c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (uint32_t)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (uint32_t)(c - 'A' + 10);
    else
      return -1;
  }
  *out = v;
  return 0;
}

static size_t utf8_put(char *out, uint32_t cp) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | cp >> 12);
    out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | cp >> 18);
  out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
  out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* A run of unescaped characters from w->p up to '"', '\\' or the end. */
static int raw_run(jw *w, const char **run, size_t *n) {
  const unsigned char *q = (const unsigned char *)w->p, *end = (const unsigned char *)w->end;
  unsigned char high = 0;
  /* Eight bytes at a time while none of them ends the run (bodies are
   * mostly long unescaped strings: this scan was 30-40 % of a decode). A
   * byte test below may flag a byte after a true hit but never misses one,
   * so a flagged word is finished bytewise. */
  const uint64_t ones = UINT64_C(0x0101010101010101), highs = ones * 0x80;
  uint64_t highs_seen = 0;
  while (end - q >= 8) {
    uint64_t v;
    memcpy(&v, q, 8);
    uint64_t quote = v ^ (ones * '"'), bslash = v ^ (ones * '\\');
    uint64_t hit = ((quote - ones) & ~quote) | ((bslash - ones) & ~bslash) | ((v - ones * 0x20) & ~v);
    if (hit & highs)
      break;
    highs_seen |= v;
    q += 8;
  }
  if (highs_seen & highs)
    high = 0x80;
  while (q < end && *q != '"' && *q != '\\' && *q >= 0x20) {
    high |= *q;
    q++;
  }
  *run = w->p;
  *n = (size_t)((const char *)q - w->p);
  if (high & 0x80 && !ctrt__utf8_valid(*run, *n))
    return syn(w, "unable to decode byte: invalid UTF-8");
  w->p = (const char *)q;
  if (q == end)
    return syn(w, "premature end of input in a string");
  if (*q < 0x20)
    return syn(w, "control character in a string");
  return 0;
}

/* The string at w->p ('"'). *s is its decoded text: in place when it has
 * no escape and cstr is false, else in the scratch buffer, NUL-terminated. */
static int str(jw *w, const char **s, size_t *len, bool cstr) {
  w->p++;
  const char *run = "";
  size_t n = 0;
  int rc = raw_run(w, &run, &n);
  if (rc < 0)
    return rc;
  if (*w->p == '"' && !cstr) {
    w->p++;
    *s = run;
    *len = n;
    return 0;
  }
  size_t used = 0;
  for (;;) {
    if ((rc = reserve(w, used + n + 5)) < 0)
      return rc;
    memcpy(w->buf + used, run, n);
    used += n;
    if (*w->p == '"')
      break;
    /* An escape. */
    if (w->end - w->p < 2)
      return syn(w, "premature end of input in a string");
    char e = w->p[1];
    w->p += 2;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *hit = e ? strchr(from, e) : NULL;
    if (hit != NULL) {
      w->buf[used++] = to[hit - from];
    } else if (e == 'u') {
      uint32_t cp = 0, lo = 0;
      if (w->end - w->p < 4 || hex4(w->p, &cp) < 0)
        return syn(w, "invalid \\u escape");
      w->p += 4;
      if (cp >= 0xDC00 && cp <= 0xDFFF)
        return syn(w, "invalid Unicode: a lone low surrogate");
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (w->end - w->p < 6 || w->p[0] != '\\' || w->p[1] != 'u' || hex4(w->p + 2, &lo) < 0 || lo < 0xDC00 ||
            lo > 0xDFFF)
          return syn(w, "invalid Unicode: a high surrogate without its low half");
        w->p += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      }
      used += utf8_put(w->buf + used, cp);
    } else {
      return syn(w, "invalid escape");
    }
    if ((rc = raw_run(w, &run, &n)) < 0)
      return rc;
  }
  w->p++;
  w->buf[used] = '\0';
  *s = w->buf;
  *len = used;
  return 0;
}

/* A member name: keys carrying NUL are refused as jansson refuses them. */
static int key(jw *w, const char **s, size_t *len, bool cstr) {
  if (at_end(w) || *w->p != '"')
    return syn(w, "string or '}' expected");
  int rc;
  if ((rc = str(w, s, len, cstr)) < 0)
    return rc;
  /* Only an escape (\u0000) makes a NUL: text used in place has none. */
  if (*s == w->buf && memchr(*s, '\0', *len) != NULL)
    return syn(w, "NUL byte in object key not supported");
  ws(w);
  if (at_end(w) || *w->p != ':')
    return syn(w, "':' expected");
  w->p++;
  ws(w);
  return 0;
}

/* After a member or element: 1 for another, 0 at the close, or an error. */
static int next(jw *w, char close) {
  ws(w);
  if (!at_end(w) && *w->p == ',') {
    w->p++;
    ws(w);
    return 1;
  }
  if (!at_end(w) && *w->p == close) {
    w->p++;
    w->depth--;
    return 0;
  }
  return syn(w, close == '}' ? "'}' or ',' expected" : "']' or ',' expected");
}

/* Opens '{' or '[': 1 when it has members, 0 when empty. */
static int begin(jw *w, char close) {
  if (!enter(w))
    return syn(w, "maximum parsing depth reached");
  w->p++;
  ws(w);
  if (!at_end(w) && *w->p == close) {
    w->p++;
    w->depth--;
    return 0;
  }
  return 1;
}

typedef struct num {
  bool is_int;
  int64_t i;
  double d;
} num;

static bool digit(const char *q, const char *end) { return q < end && *q >= '0' && *q <= '9'; }

/* Past a run of one or more digits, or NULL when there is none. */
static const char *digits(const char *q, const char *end) {
  if (!digit(q, end))
    return NULL;
  while (digit(q, end))
    q++;
  return q;
}

static int number(jw *w, num *out) {
  const char *s = w->p, *q = w->p;
  bool neg = false;
  if (q < w->end && *q == '-') {
    neg = true;
    q++;
  }
  if (!digit(q, w->end))
    return syn(w, "invalid token");
  q = *q == '0' ? q + 1 : digits(q, w->end);
  const char *int_end = q;
  bool real = false;
  if (q < w->end && *q == '.') {
    real = true;
    if ((q = digits(q + 1, w->end)) == NULL)
      return syn(w, "invalid real number");
  }
  if (q < w->end && (*q == 'e' || *q == 'E')) {
    real = true;
    q++;
    if (q < w->end && (*q == '+' || *q == '-'))
      q++;
    if ((q = digits(q, w->end)) == NULL)
      return syn(w, "invalid real number");
  }
  out->is_int = !real;
  if (!real) {
    uint64_t mag = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (const char *c = s + neg; c < int_end; c++) {
      unsigned d = (unsigned)(*c - '0');
      if (mag > (limit - d) / 10)
        return syn(w, neg ? "too big negative integer" : "too big integer");
      mag = mag * 10 + d;
    }
    out->i = neg ? (mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag) : (int64_t)mag;
    out->d = (double)out->i;
  } else {
    char tmp[128];
    size_t n = (size_t)(q - s);
    char *text = n < sizeof tmp ? tmp : ctrt__strndup(s, n);
    CTRT__CHECK_ALLOC(text);
    if (text == tmp) {
      memcpy(tmp, s, n);
      tmp[n] = '\0';
    }
    errno = 0;
    out->d = strtod(text, NULL);
    bool overflow = errno == ERANGE && (out->d == HUGE_VAL || out->d == -HUGE_VAL);
    if (text != tmp)
      ctrt__free(text);
    if (overflow)
      return syn(w, "real number overflow");
  }
  w->p = q;
  return 0;
}

/* ---- skipping: validation without allocation ---- */

static int skip(jw *w) {
  if (at_end(w))
    return syn(w, "unexpected end of input");
  const char *s = "";
  size_t n = 0;
  int rc, more;
  switch (*w->p) {
  case '{':
    for (more = begin(w, '}'); more == 1; more = next(w, '}'))
      if ((rc = key(w, &s, &n, false)) < 0 || (rc = skip(w)) < 0)
        return rc;
    return more;
  case '[':
    for (more = begin(w, ']'); more == 1; more = next(w, ']'))
      if ((rc = skip(w)) < 0)
        return rc;
    return more;
  case '"':
    return str(w, &s, &n, false);
  case 't':
    return literal(w, "true", 4);
  case 'f':
    return literal(w, "false", 5);
  case 'n':
    return literal(w, "null", 4);
  default: {
    num v;
    return number(w, &v);
  }
  }
}

int ctrt__jwalk_validate(const char *text, size_t len) {
  jw w = {.start = text, .p = text, .end = text + len};
  w.buf = w.small;
  w.cap = sizeof w.small;
  ws(&w);
  int rc;
  if ((rc = skip(&w)) < 0)
    goto done;
  ws(&w);
  if (!at_end(&w))
    rc = syn(&w, "end of file expected");
done:
  if (w.buf != w.small)
    ctrt__free(w.buf);
  return rc;
}

/* ---- DOM capture (for types decoded by their jansson decoder) ---- */

/* A DOM of the value at w->p. */
static int dom(jw *w, json_t **out) {
  *out = NULL;
  if (at_end(w))
    return syn(w, "unexpected end of input");
  const char *s = "";
  size_t n = 0;
  int rc = 0, more;
  json_t *v = NULL;
  switch (*w->p) {
  case '{':
    CTRT__CHECK_ALLOC((v = json_object()));
    for (more = begin(w, '}'); more == 1; more = next(w, '}')) {
      char *k = NULL;
      json_t *item = NULL;
      if ((rc = key(w, &s, &n, true)) < 0)
        break;
      if ((k = ctrt__strndup(s, n)) == NULL || ((rc = dom(w, &item)) == 0 && json_object_set_new(v, k, item) != 0))
        rc = ctrt__error_no_memory();
      ctrt__free(k);
      if (rc < 0)
        break;
    }
    rc = rc < 0 ? rc : more;
    break;
  case '[':
    CTRT__CHECK_ALLOC((v = json_array()));
    for (more = begin(w, ']'); more == 1; more = next(w, ']')) {
      json_t *item = NULL;
      if ((rc = dom(w, &item)) == 0 && json_array_append_new(v, item) != 0)
        rc = ctrt__error_no_memory();
      if (rc < 0)
        break;
    }
    rc = rc < 0 ? rc : more;
    break;
  case '"':
    if ((rc = str(w, &s, &n, false)) == 0 && (v = json_stringn_nocheck(s, n)) == NULL)
      rc = ctrt__error_no_memory();
    break;
  case 't':
  case 'f':
  case 'n': {
    const char *word = *w->p == 't' ? "true" : *w->p == 'f' ? "false" : "null";
    if ((rc = literal(w, word, strlen(word))) == 0 &&
        (v = word[0] == 'n' ? json_null() : json_boolean(word[0] == 't')) == NULL)
      rc = ctrt__error_no_memory();
    break;
  }
  default: {
    num x = {0};
    if ((rc = number(w, &x)) == 0 && (v = x.is_int ? json_integer(x.i) : json_real(x.d)) == NULL)
      rc = ctrt__error_no_memory();
  }
  }
  if (rc < 0) {
    json_decref(v);
    return rc;
  }
  *out = v;
  return 0;
}

/* ---- decoding ---- */

/* The JSON type of the value at w->p, for "expected X, got Y". */
static const char *got(const jw *w) {
  if (at_end(w))
    return "nothing";
  switch (*w->p) {
  case '{':
    return "object";
  case '[':
    return "array";
  case '"':
    return "string";
  case 't':
  case 'f':
    return "boolean";
  case 'n':
    return "null";
  default:
    for (const char *c = w->p; c < w->end; c++) {
      if (*c == '.' || *c == 'e' || *c == 'E')
        return "real";
      if (!(*c == '-' || (*c >= '0' && *c <= '9')))
        break;
    }
    return "integer";
  }
}

static int type_error(const jw *w, const ctrt__jpath *path, const char *expected) {
  return ctrt__json_error(path, "expected %s, got %s", expected, got(w));
}

static bool is_number(const jw *w) { return !at_end(w) && (*w->p == '-' || (*w->p >= '0' && *w->p <= '9')); }

static int integer(jw *w, const ctrt__jpath *path, int64_t lo, int64_t hi, const char *slot, int64_t *out) {
  num v = {0}; /* set by number(); initialised for the analyzer */
  if (!is_number(w) || strcmp(got(w), "integer") != 0)
    return type_error(w, path, "integer");
  int rc = number(w, &v);
  if (rc < 0)
    return rc;
  if (v.i < lo || v.i > hi)
    return ctrt__json_error(path, "%" PRId64 " is out of range for %s (%" PRId64 "..%" PRId64 ")", v.i, slot, lo, hi);
  *out = v.i;
  return 0;
}

/* A string value without NUL characters, NUL-terminated when cstr (else
 * possibly in place: *n counts it). */
static int text(jw *w, const ctrt__jpath *path, const char *expected, const char **s, size_t *n, bool cstr) {
  if (at_end(w) || *w->p != '"')
    return type_error(w, path, expected);
  int rc;
  if ((rc = str(w, s, n, cstr)) < 0)
    return rc;
  if (*s == w->buf && strlen(*s) != *n)
    return ctrt__json_error(path, "the string carries a NUL character (\\u0000) at offset %zu", strlen(*s));
  return 0;
}

static int dec_struct(jw *w, const ctrt__jstruct *st, void *out, const ctrt__jpath *path);
static int dec_field(jw *w, const ctrt__jfield *f, void *base, const ctrt__jpath *path);
static int dec_list(jw *w, const ctrt__jfield *f, void *base, const ctrt__jpath *path);

/* An ARRAY value is a LIST member of the ctrt__jarray holding it. */
static ctrt__jfield array_field(const ctrt__jtype *t) {
  ctrt__jfield f = {
      NULL, CTRT__JS_LIST, 0, offsetof(ctrt__jarray, items), offsetof(ctrt__jarray, n), CTRT__JF_NO_OFFSET, 0,
      0,    t->elem};
  return f;
}

static int dec_value(jw *w, const ctrt__jtype *t, void *out, const ctrt__jpath *path) {
  int64_t i = 0;
  int rc = 0;
  const char *s = "";
  size_t n = 0;
  switch (t->kind) {
  case CTRT__JK_BOOL:
    if (at_end(w) || (*w->p != 't' && *w->p != 'f'))
      return type_error(w, path, "boolean");
    *(bool *)out = *w->p == 't';
    return *w->p == 't' ? literal(w, "true", 4) : literal(w, "false", 5);
  case CTRT__JK_I32:
    if ((rc = integer(w, path, INT32_MIN, INT32_MAX, "i32", &i)) == 0)
      *(int32_t *)out = (int32_t)i;
    return rc;
  case CTRT__JK_I64:
    if ((rc = integer(w, path, INT64_MIN, INT64_MAX, "i64", &i)) == 0)
      *(int64_t *)out = i;
    return rc;
  case CTRT__JK_U16:
    if ((rc = integer(w, path, 0, UINT16_MAX, "u16", &i)) == 0)
      *(uint16_t *)out = (uint16_t)i;
    return rc;
  case CTRT__JK_U32:
    if ((rc = integer(w, path, 0, UINT32_MAX, "u32", &i)) == 0)
      *(uint32_t *)out = (uint32_t)i;
    return rc;
  case CTRT__JK_U64:
    /* u64 travels as a JSON integer, capped at INT64_MAX as jansson's. */
    if ((rc = integer(w, path, 0, INT64_MAX, "u64", &i)) == 0)
      *(uint64_t *)out = (uint64_t)i;
    return rc;
  case CTRT__JK_F64: {
    num v;
    if (!is_number(w))
      return type_error(w, path, "number");
    if ((rc = number(w, &v)) == 0)
      *(double *)out = v.d;
    return rc;
  }
  case CTRT__JK_COUNTER: {
    num v;
    if (!is_number(w))
      return type_error(w, path, "number in 0..2^64");
    if ((rc = number(w, &v)) < 0)
      return rc;
    /* As ctrt__json_number_u64: a double outside [0, 2^64) is refused
     * before the cast, which would be undefined. */
    if (v.is_int ? v.i < 0 : !(v.d >= 0 && v.d < 18446744073709551616.0)) {
      if (v.is_int)
        return ctrt__json_error(path, "expected a number in 0..2^64, got integer %" PRId64, v.i);
      return ctrt__json_error(path, "expected a number in 0..2^64, got real %g", v.d);
    }
    *(uint64_t *)out = v.is_int ? (uint64_t)v.i : (uint64_t)v.d;
    return 0;
  }
  case CTRT__JK_STRING:
  case CTRT__JK_IP:
    if ((rc = text(w, path, "string", &s, &n, t->kind == CTRT__JK_IP)) < 0)
      return rc;
    if (t->kind == CTRT__JK_IP && !ctrt__ip_valid(s))
      return ctrt__json_error(path, "'%s' is not an IP address", s);
    *(char **)out = ctrt__strndup(s, n);
    return *(char **)out ? 0 : ctrt__error_no_memory();
  case CTRT__JK_TIMESTAMP:
    if ((rc = text(w, path, "string (RFC 3339 timestamp)", &s, &n, true)) < 0)
      return rc;
    if (ctrt__timestamp_parse(out, s) < 0)
      return ctrt__json_error(path, "'%s' is not an RFC 3339 timestamp", s);
    return 0;
  case CTRT__JK_BYTES: {
    ctrt_bytes *b = out;
    if (at_end(w) || *w->p != '"')
      return type_error(w, path, "string (base64)");
    if ((rc = str(w, &s, &n, false)) < 0)
      return rc;
    if (ctrt__base64_decode(&b->data, &b->len, s, n) < 0)
      return ctrt__json_error(path, "not valid base64");
    return 0;
  }
  case CTRT__JK_ENUM:
    if ((rc = text(w, path, t->expect ? t->expect : "string", &s, &n, true)) < 0)
      return rc;
    return t->text_dec(out, s, path);
  case CTRT__JK_CODE:
    if (!is_number(w) || strcmp(got(w), "integer") != 0)
      return type_error(w, path, t->expect);
    if ((rc = integer(w, path, INT64_MIN, INT64_MAX, "", &i)) < 0)
      return rc;
    return t->int_dec(out, i, path);
  case CTRT__JK_STRUCT:
    return dec_struct(w, t->obj, out, path);
  case CTRT__JK_ARRAY: {
    ctrt__jfield f = array_field(t);
    if (!at_end(w) && *w->p == 'n') {
      *(ctrt__jarray *)out = (ctrt__jarray){NULL, 0};
      return literal(w, "null", 4); /* null is empty */
    }
    return dec_list(w, &f, out, path);
  }
  case CTRT__JK_DOM: {
    json_t *json = NULL;
    if ((rc = dom(w, &json)) < 0)
      return rc;
    rc = t->dom_dec(out, json, path);
    json_decref(json);
    return rc;
  }
  }
  return ctrt__error_internal("json walker: unknown kind %d", (int)t->kind);
}

void ctrt__jwalk_clear_value(const ctrt__jtype *t, void *value);

static void clear_field(const ctrt__jfield *f, void *base) {
  char *slot = (char *)base + f->offset;
  const ctrt__jtype *t = f->type;
  switch (f->shape) {
  case CTRT__JS_VALUE:
  case CTRT__JS_FLAG:
    ctrt__jwalk_clear_value(t, slot);
    if (f->has_offset != CTRT__JF_NO_OFFSET)
      *(bool *)((char *)base + f->has_offset) = false;
    return;
  case CTRT__JS_PTR:
    if (t->kind == CTRT__JK_STRING || t->kind == CTRT__JK_IP) {
      ctrt__jwalk_clear_value(t, slot);
    } else if (*(void **)slot != NULL) {
      ctrt__jwalk_clear_value(t, *(void **)slot);
      ctrt__free(*(void **)slot);
      *(void **)slot = NULL;
    }
    return;
  case CTRT__JS_LIST:
  case CTRT__JS_MAP: {
    char *items = *(char **)slot;
    size_t *n = (size_t *)((char *)base + f->count_offset);
    size_t step = f->shape == CTRT__JS_LIST ? t->size : f->entry_size;
    for (size_t i = 0; i < *n; i++) {
      char *item = items + i * step;
      if (f->shape == CTRT__JS_MAP) {
        ctrt__free(*(char **)item);
        item += f->entry_value_offset;
      }
      ctrt__jwalk_clear_value(t, item);
    }
    ctrt__free(items);
    *(char **)slot = NULL;
    *n = 0;
    if (f->has_offset != CTRT__JF_NO_OFFSET)
      *(bool *)((char *)base + f->has_offset) = false;
    return;
  }
  }
}

static void clear_struct(const ctrt__jstruct *st, void *v) {
  for (size_t i = 0; i < st->n_fields; i++)
    clear_field(&st->fields[i], v);
}

void ctrt__jwalk_clear_value(const ctrt__jtype *t, void *value) {
  switch (t->kind) {
  case CTRT__JK_STRING:
  case CTRT__JK_IP:
    ctrt__free(*(char **)value);
    *(char **)value = NULL;
    return;
  case CTRT__JK_BYTES:
    ctrt__clear_bytes(value);
    return;
  case CTRT__JK_STRUCT:
    clear_struct(t->obj, value);
    return;
  case CTRT__JK_ARRAY: {
    ctrt__jfield f = array_field(t);
    clear_field(&f, value);
    return;
  }
  case CTRT__JK_DOM:
    t->clear(value);
    return;
  default:
    return;
  }
}

/* Grows a list or map buffer to hold one more item of `step` bytes (zeroed). */
static int grow(char **items, size_t n, size_t *cap, size_t step) {
  if (n == *cap) {
    size_t want = *cap ? *cap * 2 : 4;
    char *bigger = ctrt__realloc(*items, want * step);
    if (bigger == NULL) {
      (void)ctrt__error_no_memory();
      return CTRT_ENO_MEMORY; /* spelt out: the caller indexes *items when 0 */
    }
    *items = bigger;
    *cap = want;
  }
  memset(*items + n * step, 0, step);
  return 0;
}

static int dec_list(jw *w, const ctrt__jfield *f, void *base, const ctrt__jpath *path) {
  char **items = (char **)((char *)base + f->offset);
  size_t *n = (size_t *)((char *)base + f->count_offset);
  if (at_end(w) || *w->p != '[')
    return type_error(w, path, "array");
  size_t cap = 0, step = f->type->size;
  *items = NULL;
  *n = 0;
  int rc = 0, more;
  for (more = begin(w, ']'); more == 1; more = next(w, ']')) {
    ctrt__jpath p = CTRT__JPATH_INDEX(path, *n);
    if ((rc = grow(items, *n, &cap, step)) < 0 || (rc = dec_value(w, f->type, *items + *n * step, &p)) < 0)
      break;
    (*n)++;
  }
  /* The body's failure, else next()'s (more ends at 0 or an error). */
  if (rc < 0 || (rc = more) < 0 || *n == 0)
    clear_field(f, base); /* a failed list owns nothing; an empty one is NULL */
  return rc;
}

static int dec_map(jw *w, const ctrt__jfield *f, void *base, const ctrt__jpath *path) {
  char **items = (char **)((char *)base + f->offset);
  size_t *n = (size_t *)((char *)base + f->count_offset);
  if (at_end(w) || *w->p != '{')
    return type_error(w, path, "object");
  size_t cap = 0, step = f->entry_size;
  *items = NULL;
  *n = 0;
  int rc = 0, more;
  for (more = begin(w, '}'); more == 1; more = next(w, '}')) {
    const char *s = "";
    size_t len = 0;
    if ((rc = key(w, &s, &len, false)) < 0)
      break;
    /* A repeated key replaces the value in place, as a DOM would. */
    char *entry = NULL;
    for (size_t i = 0; i < *n && entry == NULL; i++) {
      char *k = *(char **)(*items + i * step);
      if (strncmp(k, s, len) == 0 && k[len] == '\0')
        entry = *items + i * step;
    }
    if (entry != NULL) {
      ctrt__jwalk_clear_value(f->type, entry + f->entry_value_offset);
      memset(entry + f->entry_value_offset, 0, f->type->size);
    } else {
      if ((rc = grow(items, *n, &cap, step)) < 0)
        break;
      entry = *items + *n * step;
      if ((*(char **)entry = ctrt__strndup(s, len)) == NULL) {
        rc = ctrt__error_no_memory();
        break;
      }
      (*n)++;
    }
    ctrt__jpath p = CTRT__JPATH_KEY(path, *(char **)entry);
    if ((rc = dec_value(w, f->type, entry + f->entry_value_offset, &p)) < 0)
      break;
  }
  if (rc < 0 || (rc = more) < 0 || *n == 0)
    clear_field(f, base);
  return rc;
}

static int dec_field(jw *w, const ctrt__jfield *f, void *base, const ctrt__jpath *path) {
  char *slot = (char *)base + f->offset;
  const ctrt__jtype *t = f->type;
  if ((f->flags & CTRT__JF_NULLABLE) && !at_end(w) && *w->p == 'n')
    return literal(w, "null", 4); /* absent */
  int rc;
  switch (f->shape) {
  case CTRT__JS_VALUE:
    return dec_value(w, t, slot, path);
  case CTRT__JS_FLAG:
    if ((rc = dec_value(w, t, slot, path)) == 0)
      *(bool *)((char *)base + f->has_offset) = true;
    return rc;
  case CTRT__JS_PTR: {
    if (t->kind == CTRT__JK_STRING || t->kind == CTRT__JK_IP)
      return dec_value(w, t, slot, path);
    void *value = ctrt__calloc(1, t->size);
    CTRT__CHECK_ALLOC(value);
    if ((rc = dec_value(w, t, value, path)) < 0) {
      ctrt__free(value);
      return rc;
    }
    *(void **)slot = value;
    return 0;
  }
  case CTRT__JS_LIST:
    if ((rc = dec_list(w, f, base, path)) == 0 && f->has_offset != CTRT__JF_NO_OFFSET)
      *(bool *)((char *)base + f->has_offset) = true;
    return rc;
  case CTRT__JS_MAP:
    return dec_map(w, f, base, path);
  }
  return ctrt__error_internal("json walker: unknown shape %d", (int)f->shape);
}

/* Restores one member to its _INIT value (after clear_field). */
static void reset_field(const ctrt__jfield *f, void *base, const void *init) {
  if (f->shape == CTRT__JS_VALUE || f->shape == CTRT__JS_FLAG)
    memcpy((char *)base + f->offset, (const char *)init + f->offset, f->type->size);
}

#define SEEN_WORDS 4 /* members per struct the required check tracks: 256 */
#define SEEN_MAX ((size_t)64 * SEEN_WORDS)

static int dec_struct(jw *w, const ctrt__jstruct *st, void *out, const ctrt__jpath *path) {
  memcpy(out, st->init, st->size);
  if (at_end(w) || *w->p != '{')
    return type_error(w, path, "object");
  uint64_t seen[SEEN_WORDS] = {0};
  size_t hint = 0;
  int rc = 0, more;
  for (more = begin(w, '}'); more == 1; more = next(w, '}')) {
    const char *s = "";
    size_t len = 0;
    if ((rc = key(w, &s, &len, false)) < 0)
      break;
    /* Members mostly come in the table's order: look from after the last
     * one found, wrapping around. */
    const ctrt__jfield *f = NULL;
    size_t i = hint;
    for (size_t k = 0; k < st->n_fields; k++, i = i + 1 == st->n_fields ? 0 : i + 1) {
      const char *wire = st->fields[i].wire;
      if (wire[0] == (len > 0 ? s[0] : '\0') && strncmp(wire, s, len) == 0 && wire[len] == '\0') {
        f = &st->fields[i];
        hint = i + 1 == st->n_fields ? 0 : i + 1;
        break;
      }
    }
    if (f == NULL) {
      if ((rc = skip(w)) < 0)
        break;
      continue;
    }
    if (i < SEEN_MAX) {
      if (seen[i / 64] & (UINT64_C(1) << (i % 64))) {
        /* A repeated member: the last one wins, as in a DOM. */
        clear_field(f, out);
        reset_field(f, out, st->init);
      }
      seen[i / 64] |= UINT64_C(1) << (i % 64);
    }
    /* A null that means absent leaves a required member missing, as in
     * the DOM decoders (Docker's tables: every member nullable). */
    bool null_absent = (f->flags & CTRT__JF_NULLABLE) && !at_end(w) && *w->p == 'n';
    ctrt__jpath p = CTRT__JPATH_KEY(path, f->wire);
    if ((rc = dec_field(w, f, out, &p)) < 0)
      break;
    if (null_absent && i < SEEN_MAX)
      seen[i / 64] &= ~(UINT64_C(1) << (i % 64));
  }
  if (rc < 0 || (rc = more) < 0)
    goto fail;
  for (size_t i = 0; i < st->n_fields && i < SEEN_MAX; i++)
    if ((st->fields[i].flags & CTRT__JF_REQUIRED) && !(seen[i / 64] & (UINT64_C(1) << (i % 64)))) {
      ctrt__jpath p = CTRT__JPATH_KEY(path, st->fields[i].wire);
      rc = ctrt__json_missing(&p);
      goto fail;
    }
  return 0;
fail:
  clear_struct(st, out);
  return rc;
}

int ctrt__jwalk_decode(const ctrt__jfield *root, void *base, const char *text, size_t len) {
  bool syntax = false;
  return ctrt__jwalk_decode_ex(root, base, text, len, &syntax);
}

int ctrt__jwalk_decode_ex(const ctrt__jfield *root, void *base, const char *text, size_t len, bool *syntax) {
  jw w = {.start = text, .p = text, .end = text + len};
  w.buf = w.small;
  w.cap = sizeof w.small;
  ws(&w);
  int rc = at_end(&w) ? syn(&w, "'[' or '{' expected near end of file") : dec_field(&w, root, base, NULL);
  if (rc < 0)
    goto done;
  ws(&w);
  if (!at_end(&w)) {
    rc = syn(&w, "end of file expected");
    clear_field(root, base);
  }
done:
  if (w.buf != w.small)
    ctrt__free(w.buf);
  /* As with a DOM parsed first: invalid text is reported as such, even when
   * a value before the fault already failed to decode. */
  if (rc < 0 && !w.syntax) {
    int valid = ctrt__jwalk_validate(text, len); /* leaves the decode error when 0 */
    if (valid < 0)
      rc = valid;
    w.syntax = valid < 0;
  }
  *syntax = rc < 0 && w.syntax;
  return rc;
}

/* The member keys[0] of the object at w->p, then keys[1] of that, ...; the
 * path so far names errors. */
static int int_at(jw *w, const char *const *keys, size_t n_keys, int64_t *out, bool *found, const ctrt__jpath *path) {
  if (n_keys == 0) {
    int rc = integer(w, path, INT64_MIN, INT64_MAX, "i64", out);
    *found = rc == 0;
    return rc;
  }
  if (at_end(w) || *w->p != '{')
    return type_error(w, path, "object");
  int rc = 0, more;
  bool seen = false;
  for (more = begin(w, '}'); more == 1; more = next(w, '}')) {
    const char *s = "";
    size_t len = 0;
    if ((rc = key(w, &s, &len, false)) < 0)
      return rc;
    /* The last of repeated members wins, as in a DOM. */
    if (strncmp(keys[0], s, len) != 0 || keys[0][len] != '\0') {
      if ((rc = skip(w)) < 0)
        return rc;
      continue;
    }
    ctrt__jpath p = CTRT__JPATH_KEY(path, keys[0]);
    *found = false;
    seen = true;
    if (*w->p == 'n')
      rc = literal(w, "null", 4); /* absent */
    else
      rc = int_at(w, keys + 1, n_keys - 1, out, found, &p);
    if (rc < 0)
      return rc;
  }
  if (!seen)
    *found = false;
  return more;
}

int ctrt__jwalk_int_at(const char *text, size_t len, const char *const *keys, size_t n_keys, int64_t *out,
                       bool *found) {
  *out = 0;
  *found = false;
  jw w = {.start = text, .p = text, .end = text + len};
  w.buf = w.small;
  w.cap = sizeof w.small;
  ws(&w);
  int rc = at_end(&w) ? syn(&w, "'[' or '{' expected near end of file") : int_at(&w, keys, n_keys, out, found, NULL);
  if (rc < 0)
    goto done;
  ws(&w);
  if (!at_end(&w))
    rc = syn(&w, "end of file expected");
done:
  if (w.buf != w.small)
    ctrt__free(w.buf);
  if (rc < 0 && !w.syntax) {
    int valid = ctrt__jwalk_validate(text, len);
    if (valid < 0)
      rc = valid;
  }
  if (rc < 0)
    *found = false;
  return rc;
}

/* ---- the scalars, named by slot for the generated tables ---- */

const ctrt__jtype ctrt__jt_bool = {.kind = CTRT__JK_BOOL, .size = sizeof(bool)};
const ctrt__jtype ctrt__jt_i32 = {.kind = CTRT__JK_I32, .size = sizeof(int32_t)};
const ctrt__jtype ctrt__jt_i64 = {.kind = CTRT__JK_I64, .size = sizeof(int64_t)};
const ctrt__jtype ctrt__jt_u16 = {.kind = CTRT__JK_U16, .size = sizeof(uint16_t)};
const ctrt__jtype ctrt__jt_u32 = {.kind = CTRT__JK_U32, .size = sizeof(uint32_t)};
const ctrt__jtype ctrt__jt_u64 = {.kind = CTRT__JK_U64, .size = sizeof(uint64_t)};
const ctrt__jtype ctrt__jt_f64 = {.kind = CTRT__JK_F64, .size = sizeof(double)};
const ctrt__jtype ctrt__jt_string = {.kind = CTRT__JK_STRING, .size = sizeof(char *)};
const ctrt__jtype ctrt__jt_ip = {.kind = CTRT__JK_IP, .size = sizeof(char *)};
const ctrt__jtype ctrt__jt_timestamp = {.kind = CTRT__JK_TIMESTAMP, .size = sizeof(ctrt_timestamp)};
const ctrt__jtype ctrt__jt_bytes = {.kind = CTRT__JK_BYTES, .size = sizeof(ctrt_bytes)};
const ctrt__jtype ctrt__jt_counter = {.kind = CTRT__JK_COUNTER, .size = sizeof(uint64_t)};
