/* SPDX-License-Identifier: MIT */
/* Sample values of the scalar types for the generated round-trip tests:
 * mode 1 gives the zero value, other modes a value that exercises the
 * codec (extremes, escapes, non-ASCII, binary). */
#ifndef CTRT_SAMPLE_SUPPORT_H
#define CTRT_SAMPLE_SUPPORT_H

#include <ctrt/ctrt.h>
#include <ctrt/json.h>

void *test_calloc(size_t count, size_t size);
char *test_key(size_t index);

void sample_bool(bool *v, int mode, unsigned seed);
void sample_i32(int32_t *v, int mode, unsigned seed);
void sample_i64(int64_t *v, int mode, unsigned seed);
void sample_u16(uint16_t *v, int mode, unsigned seed);
void sample_u32(uint32_t *v, int mode, unsigned seed);
void sample_u64(uint64_t *v, int mode, unsigned seed);
void sample_f64(double *v, int mode, unsigned seed);
void sample_string(char **v, int mode, unsigned seed);
void sample_ip(char **v, int mode, unsigned seed);
void sample_bytes(ctrt_bytes *v, int mode, unsigned seed);
void sample_timestamp(ctrt_timestamp *v, int mode, unsigned seed);

#endif
