/* SPDX-License-Identifier: MIT */
/* ctrt-conform --benchmark (bench.c). */
#ifndef CTRT_CONFORM_BENCH_H
#define CTRT_CONFORM_BENCH_H

#include "runner.h"

/* Run rounds rounds of each timed method's basic operation on rt, print a
 * table, and fill out (median_ms < 0: not measured); returns how many
 * methods were measured. */
int conform_benchmark(ctrt_runtime *rt, const conform_env *env, unsigned rounds, conform_latency out[CTRT_OP_COUNT]);

#endif
