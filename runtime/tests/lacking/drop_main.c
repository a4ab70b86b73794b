/* SPDX-License-Identifier: MIT */
/* Main of test_drop_ops: the suite is generated (drop_ops_test.c). */
#include "test_support.h"

void drop_ops_register(void);

void test_register(void) { drop_ops_register(); }
