/* SPDX-License-Identifier: MIT */
#include "test_support.h"

void roundtrip_register(void);

void test_register(void) { roundtrip_register(); }
