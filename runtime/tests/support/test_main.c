/* SPDX-License-Identifier: MIT */
/* Shared main of the CUnit test programs: each program defines
 * test_register(), which adds its suites. Exit status 1 on any failure. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "test_support.h"

int main(int argc, char **argv) {
  if (CU_initialize_registry() != CUE_SUCCESS)
    return 2;
  test_register();
  if (CU_get_error() != CUE_SUCCESS) {
    fprintf(stderr, "test registration failed: %s\n", CU_get_error_msg());
    CU_cleanup_registry();
    return 2;
  }
  CU_basic_set_mode(argc > 1 && strcmp(argv[1], "-v") == 0 ? CU_BRM_VERBOSE : CU_BRM_NORMAL);
  CU_basic_run_tests();
  unsigned failed = CU_get_number_of_tests_failed() + CU_get_number_of_suites_failed();
  unsigned ran = CU_get_number_of_tests_run();
  CU_cleanup_registry();
  if (ran == 0) {
    fprintf(stderr, "no test ran\n");
    return 1;
  }
  return failed ? 1 : 0;
}
