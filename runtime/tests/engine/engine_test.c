/* SPDX-License-Identifier: MIT */
/* Unit tests of ctrt_runtime_engine (runtime/core/engine.c): a backend
 * without the hook, a backend whose answer breaks the contract, the mock's
 * identity, and ctrt_engine_info_fact. */
#include "test_support.h"

#include "gen_internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- a hand-made runtime around a backend descriptor ---- */

static int answer_mode;

static char *dup(const char *text) {
  char *copy = malloc(strlen(text) + 1);
  strcpy(copy, text);
  return copy;
}

/* As a plugin would: allocated with malloc, freed by the library. */
static int scripted_engine(void *self, ctrt_engine_info **out) {
  (void)self;
  if (answer_mode == 3)
    return ctrt_backend_error(CTRT_ERROR_NETWORK, 0, "engine: the daemon is gone");
  if (answer_mode == 4)
    return -1; /* no error set: the library must say so */
  ctrt_engine_info *info = calloc(1, sizeof *info);
  info->name = dup(answer_mode == 1 ? "Plugged" : "plugged");
  info->version = dup("2.5.0");
  info->facts = calloc(2, sizeof *info->facts);
  info->facts[0] = dup("log_driver=journald");
  info->facts[1] = dup(answer_mode == 2 ? "no equals sign" : "os=linux");
  info->n_facts = 2;
  *out = info;
  return 0;
}

static ctrt_backend_ops no_ops;
static ctrt_backend without_hook = {.abi_version = CTRT_BACKEND_ABI_VERSION, .name = "fake", .ops = &no_ops};
static ctrt_backend with_hook = {
    .abi_version = CTRT_BACKEND_ABI_VERSION, .name = "plugged", .ops = &no_ops, .engine = scripted_engine};

static ctrt_runtime *fake_runtime(const ctrt_backend *backend) {
  static ctrt_runtime rt;
  memset(&rt, 0, sizeof rt);
  rt.backend = backend;
  rt.ops = &rt.ops_storage;
  return &rt;
}

static void test_without_hook(void) {
  ctrt_engine_info *info = NULL;
  ASSERT_OK(ctrt_runtime_engine(fake_runtime(&without_hook), &info));
  ASSERT_STR(info->name, "fake");
  CU_ASSERT_PTR_NULL(info->version);
  CU_ASSERT_PTR_NULL(info->api_version);
  CU_ASSERT_EQUAL(info->n_facts, 0);
  CU_ASSERT_PTR_NULL(ctrt_engine_info_fact(info, "log_driver"));
  ctrt_engine_info_free(info);
}

static void test_hook_answer(void) {
  ctrt_engine_info *info = NULL;
  answer_mode = 0;
  ASSERT_OK(ctrt_runtime_engine(fake_runtime(&with_hook), &info));
  ASSERT_STR(info->name, "plugged");
  ASSERT_STR(info->version, "2.5.0");
  ASSERT_STR(ctrt_engine_info_fact(info, "log_driver"), "journald");
  ASSERT_STR(ctrt_engine_info_fact(info, "os"), "linux");
  CU_ASSERT_PTR_NULL(ctrt_engine_info_fact(info, "log"));
  CU_ASSERT_PTR_NULL(ctrt_engine_info_fact(info, "os=linux"));
  ctrt_engine_info_free(info);
}

static void test_hook_contract(void) {
  ctrt_engine_info *info = NULL;
  answer_mode = 1;
  ASSERT_FAILS_WITH(ctrt_runtime_engine(fake_runtime(&with_hook), &info), CTRT_ERROR_INTERNAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "lower-case"));
  CU_ASSERT_PTR_NULL(info);
  answer_mode = 2;
  ASSERT_FAILS_WITH(ctrt_runtime_engine(fake_runtime(&with_hook), &info), CTRT_ERROR_INTERNAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "no equals sign"));
  CU_ASSERT_PTR_NULL(info);
  answer_mode = 3;
  ASSERT_FAILS_WITH(ctrt_runtime_engine(fake_runtime(&with_hook), &info), CTRT_ERROR_NETWORK);
  ASSERT_STR(ctrt_error_last()->message, "engine: the daemon is gone");
  answer_mode = 4;
  ASSERT_FAILS_WITH(ctrt_runtime_engine(fake_runtime(&with_hook), &info), CTRT_ERROR_INTERNAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "without setting an error"));
  CU_ASSERT_PTR_NULL(info);
}

static void test_arguments(void) {
  ctrt_engine_info *info = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_engine(NULL, &info), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_runtime_engine(fake_runtime(&without_hook), NULL), CTRT_ERROR_INVALID_ARGUMENT);
  ctrt_engine_info_free(NULL);
  CU_ASSERT_PTR_NULL(ctrt_engine_info_fact(NULL, "os"));
}

static void test_mock(void) {
  ctrt_runtime *rt = NULL;
  ASSERT_OK(ctrt_open(&rt, "mock:"));
  ctrt_engine_info *info = NULL;
  ASSERT_OK(ctrt_runtime_engine(rt, &info));
  ASSERT_STR(info->name, "mock");
  ASSERT_STR(info->version, CTRT_PROJECT_VERSION);
  CU_ASSERT_PTR_NULL(info->api_version);
  ASSERT_STR(ctrt_engine_info_fact(info, "log_driver"), "memory");
  ASSERT_STR(ctrt_engine_info_fact(info, "storage_driver"), "memfs");
  ASSERT_STR(ctrt_engine_info_fact(info, "os"), "linux");
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NONE);
  ctrt_engine_info_free(info);
  ctrt_close(rt);
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("runtime_engine", NULL, NULL);
  CU_add_test(s, "backend without the hook", test_without_hook);
  CU_add_test(s, "a backend's answer", test_hook_answer);
  CU_add_test(s, "answers breaking the contract", test_hook_contract);
  CU_add_test(s, "arguments", test_arguments);
  CU_add_test(s, "mock", test_mock);
}
