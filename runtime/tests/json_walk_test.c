/* SPDX-License-Identifier: MIT */
/* The descriptor walker (core/json_walk.c) on a hand-made table: members in
 * every shape, unknown members skipped, the tokenizer's edge cases (escapes,
 * surrogates, NUL, huge numbers, duplicate keys, trailing garbage, nesting
 * depth, every truncation of a document). Run under valgrind too: a failed
 * decode owns nothing. */
#include "test_support.h"

#include "gen_internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct inner {
  int32_t code;
} inner;

typedef struct u32_entry {
  char *key;
  uint32_t value;
} u32_entry;

typedef struct sample {
  char *name;
  bool has_count;
  uint32_t count;
  size_t n_tags;
  char **tags;
  size_t n_sizes;
  u32_entry *sizes;
  inner *child;
  bool flag;
} sample;

static const ctrt__jfield inner_fields[] = {
    {"code", CTRT__JS_VALUE, CTRT__JF_REQUIRED, offsetof(inner, code), 0, CTRT__JF_NO_OFFSET, 0, 0, &ctrt__jt_i32},
};
static const inner inner_init = {7};
static const ctrt__jstruct inner_struct = {"Inner", sizeof(inner), &inner_init, inner_fields, 1};
static const ctrt__jtype inner_type = {.kind = CTRT__JK_STRUCT, .size = sizeof(inner), .obj = &inner_struct};

static const ctrt__jfield sample_fields[] = {
    {"name", CTRT__JS_VALUE, CTRT__JF_REQUIRED, offsetof(sample, name), 0, CTRT__JF_NO_OFFSET, 0, 0, &ctrt__jt_string},
    {"count", CTRT__JS_FLAG, CTRT__JF_NULLABLE, offsetof(sample, count), 0, offsetof(sample, has_count), 0, 0,
     &ctrt__jt_u32},
    {"tags", CTRT__JS_LIST, 0, offsetof(sample, tags), offsetof(sample, n_tags), CTRT__JF_NO_OFFSET, 0, 0,
     &ctrt__jt_string},
    {"sizes", CTRT__JS_MAP, 0, offsetof(sample, sizes), offsetof(sample, n_sizes), CTRT__JF_NO_OFFSET,
     sizeof(u32_entry), offsetof(u32_entry, value), &ctrt__jt_u32},
    {"child", CTRT__JS_PTR, CTRT__JF_NULLABLE, offsetof(sample, child), 0, CTRT__JF_NO_OFFSET, 0, 0, &inner_type},
    {"flag", CTRT__JS_VALUE, 0, offsetof(sample, flag), 0, CTRT__JF_NO_OFFSET, 0, 0, &ctrt__jt_bool},
};
static const sample sample_init = {0};
static const ctrt__jstruct sample_struct = {"Sample", sizeof(sample), &sample_init, sample_fields, 6};
static const ctrt__jtype sample_type = {.kind = CTRT__JK_STRUCT, .size = sizeof(sample), .obj = &sample_struct};
static const ctrt__jfield root = {NULL, CTRT__JS_VALUE, 0, 0, 0, CTRT__JF_NO_OFFSET, 0, 0, &sample_type};

static int decode(sample *out, const char *text) {
  memset(out, 0xA5, sizeof *out); /* the walker must not read what it did not write */
  return ctrt__jwalk_decode(&root, out, text, strlen(text));
}

static void clear(sample *v) { ctrt__jwalk_clear_value(&sample_type, v); }

/* Decoding fails with invalid_argument and a message starting with prefix;
 * nothing is left owned (valgrind checks). */
#define FAILS(text, prefix)                                                                                            \
  do {                                                                                                                 \
    sample v_;                                                                                                         \
    int rc_ = decode(&v_, (text));                                                                                     \
    const char *m_ = ctrt_error_last()->message;                                                                       \
    if (rc_ != CTRT_EINVALID_ARGUMENT || strncmp(m_, (prefix), strlen(prefix)) != 0)                                   \
      fprintf(stderr, "\njson_walk_test.c:%d: rc %d message %s\n  expected %s...\n", __LINE__, rc_, m_, (prefix));     \
    CU_ASSERT_EQUAL(rc_, CTRT_EINVALID_ARGUMENT);                                                                      \
    CU_ASSERT_EQUAL(strncmp(m_, (prefix), strlen(prefix)), 0);                                                         \
  } while (0)

static void test_every_shape(void) {
  sample v;
  ASSERT_OK(decode(&v, " {\"junk\":{\"a\":[1,2.5e3,{\"b\":null}],\"c\":\"\\u00e9\"},\"name\":\"n\",\"count\":42,"
                       "\"tags\":[\"a\",\"b\"],\"sizes\":{\"x\":1,\"y\":2},\"child\":{\"code\":-3,\"more\":true},"
                       "\"flag\":true} \n"));
  CU_ASSERT_STRING_EQUAL(v.name, "n");
  CU_ASSERT_TRUE(v.has_count);
  CU_ASSERT_EQUAL(v.count, 42);
  CU_ASSERT_EQUAL(v.n_tags, 2);
  CU_ASSERT_STRING_EQUAL(v.tags[1], "b");
  CU_ASSERT_EQUAL(v.n_sizes, 2);
  CU_ASSERT_STRING_EQUAL(v.sizes[1].key, "y");
  CU_ASSERT_EQUAL(v.sizes[1].value, 2);
  CU_ASSERT_PTR_NOT_NULL_FATAL(v.child);
  CU_ASSERT_EQUAL(v.child->code, -3);
  CU_ASSERT_TRUE(v.flag);
  clear(&v);
  /* Absent and null optional members keep their defaults; empty lists are NULL. */
  ASSERT_OK(decode(&v, "{\"name\":\"\",\"count\":null,\"child\":null,\"tags\":[]}"));
  CU_ASSERT_FALSE(v.has_count);
  CU_ASSERT_PTR_NULL(v.child);
  CU_ASSERT_PTR_NULL(v.tags);
  CU_ASSERT_EQUAL(v.n_tags, 0);
  CU_ASSERT_FALSE(v.flag);
  clear(&v);
}

static void test_paths_of_errors(void) {
  FAILS("{\"name\":\"n\",\"tags\":[\"a\",3]}", "$.tags[1]: expected string, got integer");
  FAILS("{\"name\":\"n\",\"sizes\":{\"a b\":-1}}", "$.sizes[\"a b\"]: -1 is out of range for u32 (0..4294967295)");
  FAILS("{\"name\":\"n\",\"count\":4294967296}", "$.count: 4294967296 is out of range for u32");
  FAILS("{\"name\":\"n\",\"count\":1.5}", "$.count: expected integer, got real");
  FAILS("{\"name\":\"n\",\"child\":{}}", "$.child.code: missing required field");
  FAILS("{\"count\":1}", "$.name: missing required field");
  FAILS("{\"name\":null}", "$.name: expected string, got null");
  FAILS("{\"name\":\"n\",\"flag\":null}", "$.flag: expected boolean, got null");
  FAILS("[]", "$: expected object, got array");
  /* A syntax error later in the text wins, as with a DOM parsed first. */
  FAILS("{\"name\":1,\"x\":}", "$: invalid JSON");
}

static void test_escapes_surrogates_and_nul(void) {
  sample v;
  ASSERT_OK(decode(&v, "{\"name\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"}"));
  CU_ASSERT_STRING_EQUAL(v.name, "a\"b\\c/d\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80");
  clear(&v);
  FAILS("{\"name\":\"\\ud800\"}", "$: invalid JSON");        /* a lone high surrogate */
  FAILS("{\"name\":\"\\ud800\\u0041\"}", "$: invalid JSON"); /* not followed by a low one */
  FAILS("{\"name\":\"\\udc00\"}", "$: invalid JSON");        /* a lone low surrogate */
  FAILS("{\"name\":\"\\u12\"}", "$: invalid JSON");
  FAILS("{\"name\":\"\\x\"}", "$: invalid JSON");
  FAILS("{\"name\":\"\xc3\x28\"}", "$: invalid JSON"); /* invalid UTF-8 */
  FAILS("{\"name\":\"a\tb\"}", "$: invalid JSON");     /* a raw control character */
  FAILS("{\"name\":\"ab\\u0000c\"}", "$.name: the string carries a NUL character (\\u0000) at offset 2");
  FAILS("{\"na\\u0000me\":\"x\"}", "$: invalid JSON"); /* NUL in a key, as jansson */
}

/* The string scan reads eight bytes at a time: every stop (the closing
 * quote, an escape, a control character, a non-ASCII byte, bad UTF-8) at
 * every offset of a word, and strings ending at every offset of the text. */
static void test_string_scan_offsets(void) {
  for (size_t at = 0; at < 24; at++) {
    char text[256], want[32];
    sample v;
    memset(want, 'a', at);
    want[at] = '\0';
    snprintf(text, sizeof text, "{\"name\":\"%s\"}", want);
    CU_ASSERT_EQUAL_FATAL(decode(&v, text), 0);
    CU_ASSERT_STRING_EQUAL(v.name, want);
    clear(&v);
    snprintf(text, sizeof text, "{\"name\":\"%s\\n%s\"}", want, want);
    CU_ASSERT_EQUAL_FATAL(decode(&v, text), 0);
    CU_ASSERT_EQUAL(strlen(v.name), 2 * at + 1);
    CU_ASSERT_EQUAL(v.name[at], '\n');
    clear(&v);
    snprintf(text, sizeof text, "{\"name\":\"%s\xc3\xa9%s\"}", want, want); /* U+00E9 */
    CU_ASSERT_EQUAL_FATAL(decode(&v, text), 0);
    CU_ASSERT_EQUAL(strlen(v.name), 2 * at + 2);
    clear(&v);
    snprintf(text, sizeof text, "{\"name\":\"%s\x01%s\"}", want, want);
    FAILS(text, "$: invalid JSON at line 1, column");
    snprintf(text, sizeof text, "{\"name\":\"%s\xc3(%s\"}", want, want);
    FAILS(text, "$: invalid JSON at line 1, column");
    snprintf(text, sizeof text, "{\"name\":\"%s", want);
    FAILS(text, "$: invalid JSON at line 1, column");
    /* A member name scanned the same way: unknown, skipped. */
    snprintf(text, sizeof text, "{\"%s\":\"%s\",\"name\":\"x\"}", want, want);
    CU_ASSERT_EQUAL_FATAL(decode(&v, text), 0);
    CU_ASSERT_STRING_EQUAL(v.name, "x");
    clear(&v);
  }
}

static void test_numbers(void) {
  sample v;
  ASSERT_OK(decode(&v, "{\"name\":\"n\",\"count\":4294967295,\"child\":{\"code\":-2147483648}}"));
  CU_ASSERT_EQUAL(v.count, UINT32_MAX);
  CU_ASSERT_EQUAL(v.child->code, INT32_MIN);
  clear(&v);
  FAILS("{\"name\":\"n\",\"count\":99999999999999999999}", "$: invalid JSON");
  FAILS("{\"name\":\"n\",\"junk\":-99999999999999999999}", "$: invalid JSON"); /* even when skipped */
  FAILS("{\"name\":\"n\",\"junk\":1e400}", "$: invalid JSON");
  FAILS("{\"name\":\"n\",\"junk\":01}", "$: invalid JSON");
  FAILS("{\"name\":\"n\",\"junk\":1.}", "$: invalid JSON");
  FAILS("{\"name\":\"n\",\"junk\":-}", "$: invalid JSON");
  FAILS("{\"name\":\"n\",\"child\":{\"code\":-9223372036854775808}}", "$.child.code: -9223372036854775808 is out of");
}

static void test_duplicate_keys_and_trailing_garbage(void) {
  sample v;
  /* The last member wins and the first one's memory is freed. */
  ASSERT_OK(decode(&v,
                   "{\"name\":\"a\",\"tags\":[\"x\"],\"name\":\"b\",\"tags\":[\"y\",\"z\"],\"sizes\":{\"k\":1,\"k\":2},"
                   "\"child\":{\"code\":1},\"child\":{\"code\":2}}"));
  CU_ASSERT_STRING_EQUAL(v.name, "b");
  CU_ASSERT_EQUAL(v.n_tags, 2);
  CU_ASSERT_EQUAL(v.n_sizes, 1);
  CU_ASSERT_EQUAL(v.sizes[0].value, 2);
  CU_ASSERT_EQUAL(v.child->code, 2);
  clear(&v);
  FAILS("{\"name\":\"n\"} x", "$: invalid JSON");
  FAILS("{\"name\":\"n\"}{}", "$: invalid JSON");
  FAILS("", "$: invalid JSON");
  FAILS("  ", "$: invalid JSON");
  FAILS("{\"name\":\"n\",}", "$: invalid JSON");
  FAILS("{\"name\" \"n\"}", "$: invalid JSON");
  FAILS("{\"name\":\"n\",\"junk\":[1 2]}", "$: invalid JSON");
  FAILS("{\"name\":\"n\",\"junk\":tru}", "$: invalid JSON");
}

static char *nested(size_t depth) {
  char *text = malloc(2 * depth + 32);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  size_t n = (size_t)sprintf(text, "{\"name\":\"n\",\"junk\":");
  memset(text + n, '[', depth);
  memset(text + n + depth, ']', depth);
  strcpy(text + n + 2 * depth, "}");
  return text;
}

static void test_nesting_limit(void) {
  sample v;
  char *ok = nested(CTRT__JWALK_MAX_DEPTH - 1);
  ASSERT_OK(decode(&v, ok));
  clear(&v);
  free(ok);
  char *deep = nested(CTRT__JWALK_MAX_DEPTH + 1);
  FAILS(deep, "$: invalid JSON");
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "maximum parsing depth"));
  free(deep);
}

/* Every proper prefix of a document is refused, and leaves nothing owned
 * (a body cut anywhere: inside a key, an escape, a number, a nested list). */
static void test_every_truncation(void) {
  const char *doc = "{\"name\":\"a\\u00e9\\ud83d\\ude00\",\"count\":12,\"tags\":[\"x\",\"y\"],\"sizes\":{\"k\":1},"
                    "\"child\":{\"code\":-5},\"junk\":[true,false,null,{\"q\":1.5e2}]}";
  size_t len = strlen(doc);
  sample v;
  ASSERT_OK(ctrt__jwalk_decode(&root, &v, doc, len));
  clear(&v);
  for (size_t cut = 0; cut < len; cut++) {
    int rc = ctrt__jwalk_decode(&root, &v, doc, cut);
    CU_ASSERT_EQUAL(rc, CTRT_EINVALID_ARGUMENT);
    CU_ASSERT_EQUAL(strncmp(ctrt_error_last()->message, "$: invalid JSON", 15), 0);
    CU_ASSERT_EQUAL(ctrt__jwalk_validate(doc, cut), CTRT_EINVALID_ARGUMENT);
  }
  CU_ASSERT_EQUAL(ctrt__jwalk_validate(doc, len), 0);
}

/* A narrow read (get_container_pid's State.Pid): one integer by its path. */
static int pid_of(const char *text, int64_t *v, bool *found) {
  static const char *const path[] = {"State", "Pid"};
  return ctrt__jwalk_int_at(text, strlen(text), path, 2, v, found);
}

static void test_integer_at_a_path(void) {
  int64_t v = -1;
  bool found = true;
  CU_ASSERT_EQUAL(pid_of("{\"Id\":\"x\",\"State\":{\"Status\":\"running\",\"Pid\":4242},\"Mounts\":[{}]}", &v, &found),
                  0);
  CU_ASSERT_TRUE(found);
  CU_ASSERT_EQUAL(v, 4242);
  CU_ASSERT_EQUAL(pid_of("{\"State\":{\"Pid\":1},\"State\":{\"Pid\":2}}", &v, &found), 0); /* the last wins */
  CU_ASSERT_TRUE(found && v == 2);
  CU_ASSERT_EQUAL(pid_of("{\"State\":{\"Status\":\"exited\"}}", &v, &found), 0);
  CU_ASSERT_FALSE(found);
  CU_ASSERT_EQUAL(pid_of("{\"State\":null}", &v, &found), 0);
  CU_ASSERT_FALSE(found);
  CU_ASSERT_EQUAL(pid_of("{\"State\":{\"Pid\":\"7\"}}", &v, &found), CTRT_EINVALID_ARGUMENT);
  CU_ASSERT_FALSE(found);
  CU_ASSERT_STRING_EQUAL(ctrt_error_last()->message, "$.State.Pid: expected integer, got string");
  CU_ASSERT_EQUAL(pid_of("{\"State\":[]}", &v, &found), CTRT_EINVALID_ARGUMENT);
  CU_ASSERT_STRING_EQUAL(ctrt_error_last()->message, "$.State: expected object, got array");
  /* Invalid text after the value is a syntax error, as with a DOM. */
  CU_ASSERT_EQUAL(pid_of("{\"State\":{\"Pid\":\"7\"}} x", &v, &found), CTRT_EINVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "$: invalid JSON"));
  CU_ASSERT_EQUAL(pid_of("{\"State\":{\"Pid\":12", &v, &found), CTRT_EINVALID_ARGUMENT);
  CU_ASSERT_FALSE(found);
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("json walker", NULL, NULL);
  CU_add_test(s, "every shape", test_every_shape);
  CU_add_test(s, "paths of errors", test_paths_of_errors);
  CU_add_test(s, "escapes, surrogates, NUL", test_escapes_surrogates_and_nul);
  CU_add_test(s, "string scan at every offset", test_string_scan_offsets);
  CU_add_test(s, "numbers", test_numbers);
  CU_add_test(s, "duplicate keys, trailing garbage", test_duplicate_keys_and_trailing_garbage);
  CU_add_test(s, "nesting limit", test_nesting_limit);
  CU_add_test(s, "every truncation", test_every_truncation);
  CU_add_test(s, "an integer at a path", test_integer_at_a_path);
}
