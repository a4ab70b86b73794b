/* SPDX-License-Identifier: MIT */
/* Helpers shared by the CUnit test programs. */
#ifndef CTRT_TEST_SUPPORT_H
#define CTRT_TEST_SUPPORT_H

#include <CUnit/CUnit.h>
#include <ctrt/ctrt.h>
#include <ctrt/json.h>
#include <stdio.h>
#include <string.h>

/* Defined by each test program: adds its suites to the CUnit registry. */
void test_register(void);

/* Assert that a call failed with the given error kind. */
#define ASSERT_FAILS_WITH(call, expected_kind)                                                                         \
  do {                                                                                                                 \
    int rc_ = (call);                                                                                                  \
    CU_ASSERT_TRUE(rc_ < 0);                                                                                           \
    CU_ASSERT_EQUAL(rc_, -(int)(expected_kind));                                                                       \
    CU_ASSERT_EQUAL(ctrt_error_last()->kind, (expected_kind));                                                         \
  } while (0)

/* Assert success, printing the error when it is not. */
#define ASSERT_OK(call)                                                                                                \
  do {                                                                                                                 \
    int rc_ = (call);                                                                                                  \
    if (rc_ != 0)                                                                                                      \
      fprintf(stderr, "\n%s:%d: %s failed: %s (%s)\n", __FILE__, __LINE__, #call, ctrt_error_last()->message,          \
              ctrt_error_kind_name(ctrt_error_last()->kind));                                                          \
    CU_ASSERT_EQUAL_FATAL(rc_, 0);                                                                                     \
  } while (0)

/* Compare a string that must not be NULL, printing both when they differ. */
#define ASSERT_STR(actual, expected)                                                                                   \
  do {                                                                                                                 \
    const char *a_ = (actual);                                                                                         \
    CU_ASSERT_PTR_NOT_NULL_FATAL(a_);                                                                                  \
    if (strcmp(a_, (expected)) != 0)                                                                                   \
      fprintf(stderr, "\n%s:%d:\n  got      %s\n  expected %s\n", __FILE__, __LINE__, a_, (expected));                 \
    CU_ASSERT_STRING_EQUAL(a_, (expected));                                                                            \
  } while (0)

/* Returned bytes (ctrt_bytes) equal len expected bytes, and keep the rule
 * of returned bytes (ctrt/common.h): data never NULL, a NUL after. */
#define ASSERT_BYTES(actual, expected, count)                                                                          \
  do {                                                                                                                 \
    const ctrt_bytes bv_ = (actual);                                                                                   \
    const ctrt_bytes *b_ = &bv_;                                                                                       \
    size_t n_ = (count);                                                                                               \
    CU_ASSERT_PTR_NOT_NULL_FATAL(b_->data);                                                                            \
    CU_ASSERT_EQUAL(b_->data[b_->len], 0);                                                                             \
    if (b_->len != n_ || memcmp(b_->data, (expected), n_) != 0)                                                        \
      fprintf(stderr, "\n%s:%d:\n  got      %zu bytes %.*s\n  expected %zu bytes\n", __FILE__, __LINE__, b_->len,      \
              (int)b_->len, (const char *)b_->data, n_);                                                               \
    CU_ASSERT_EQUAL(b_->len, n_);                                                                                      \
    CU_ASSERT(b_->len == n_ && memcmp(b_->data, (expected), n_) == 0);                                                 \
  } while (0)
#define ASSERT_BYTES_STR(actual, expected) ASSERT_BYTES(actual, expected, strlen(expected))

#endif
