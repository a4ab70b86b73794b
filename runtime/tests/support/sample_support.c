/* SPDX-License-Identifier: MIT */
#include "sample_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *test_calloc(size_t count, size_t size) {
  void *p = calloc(count, size);
  if (p == NULL)
    abort();
  return p;
}

static char *test_strdup(const char *text) {
  char *copy = strdup(text);
  if (copy == NULL)
    abort();
  return copy;
}

char *test_key(size_t index) {
  char buf[32];
  snprintf(buf, sizeof buf, index % 2 ? "key.%zu with space" : "KEY_%zu", index);
  return test_strdup(buf);
}

void sample_bool(bool *v, int mode, unsigned seed) {
  (void)seed;
  *v = mode != 1;
}

void sample_i32(int32_t *v, int mode, unsigned seed) {
  *v = mode == 1 ? 0 : (seed % 2 ? INT32_MIN : INT32_MAX - (int32_t)seed);
}

void sample_i64(int64_t *v, int mode, unsigned seed) { *v = mode == 1 ? 0 : (seed % 2 ? INT64_MIN : INT64_MAX - seed); }

void sample_u16(uint16_t *v, int mode, unsigned seed) { *v = mode == 1 ? 0 : (uint16_t)(UINT16_MAX - seed); }

void sample_u32(uint32_t *v, int mode, unsigned seed) { *v = mode == 1 ? 0 : UINT32_MAX - seed; }

/* JSON integers stop at INT64_MAX (jansson), so that is the largest u64. */
void sample_u64(uint64_t *v, int mode, unsigned seed) { *v = mode == 1 ? 0 : (uint64_t)INT64_MAX - seed; }

void sample_f64(double *v, int mode, unsigned seed) { *v = mode == 1 ? 0.0 : (seed % 2 ? -0.1 : 1e300) * (seed + 1); }

void sample_string(char **v, int mode, unsigned seed) {
  char buf[96];
  if (mode == 1)
    buf[0] = '\0';
  else
    snprintf(buf, sizeof buf, "s%u \"quoted\" back\\slash\ttab\nline \xc3\xbc\xe2\x82\xac \xf0\x9f\x90\xb3 /", seed);
  *v = test_strdup(buf);
}

void sample_ip(char **v, int mode, unsigned seed) {
  char buf[64];
  if (mode == 1)
    snprintf(buf, sizeof buf, "0.0.0.0");
  else if (seed % 2)
    snprintf(buf, sizeof buf, "2001:db8::%x", seed + 1);
  else
    snprintf(buf, sizeof buf, "192.0.2.%u", seed % 250 + 1);
  *v = test_strdup(buf);
}

void sample_bytes(ctrt_bytes *v, int mode, unsigned seed) {
  if (mode == 1) {
    v->data = NULL;
    v->len = 0;
    return;
  }
  v->len = 5 + seed % 3;
  v->data = test_calloc(v->len, 1);
  for (size_t i = 0; i < v->len; i++)
    v->data[i] = (uint8_t)(i == 0 ? 0x00 : i == 1 ? 0xff : 0x80 + seed + i);
}

void sample_timestamp(ctrt_timestamp *v, int mode, unsigned seed) {
  if (mode == 1) {
    v->seconds = 0;
    v->nanos = 0;
    return;
  }
  /* Before and after the epoch, with and without a fraction. */
  v->seconds = seed % 2 ? -62135596800 + seed : 1764326208 + seed;
  v->nanos = seed % 3 ? (int32_t)(123456789 + seed) : 0;
}
