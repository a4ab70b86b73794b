#include "test_support.h"

static void test_placeholder(void) { CU_ASSERT_TRUE(1); }

void test_register(void) {
  CU_pSuite s = CU_add_suite("dispatch", NULL, NULL);
  CU_add_test(s, "placeholder", test_placeholder);
}
