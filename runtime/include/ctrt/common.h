/* SPDX-License-Identifier: MIT */
/* Basic types shared by every ctrt header. */
#ifndef CTRT_COMMON_H
#define CTRT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(CTRT_BUILDING_LIBRARY) && defined(__GNUC__)
#define CTRT_API __attribute__((visibility("default")))
#else
#define CTRT_API
#endif

/* Arbitrary binary data (not necessarily UTF-8; may hold NUL bytes), e.g.
 * exec output. Pointer and length, as libcurl and libgit2 hand out bytes.
 * JSON form: a standard, padded base64 string ("" when empty).
 *
 * One rule for every ctrt_bytes the library returns: `data` is never NULL,
 * and one NUL byte follows the `len` bytes (not counted in `len`). So empty
 * is {"", 0} on every backend, and text output can be printed with "%s"
 * (up to its first NUL byte; use fwrite(data, 1, len, f) for all of it).
 * The bytes belong to the struct that holds them: its _free frees them.
 * In values the caller builds, {NULL, 0} is accepted as empty. */
typedef struct ctrt_bytes {
  uint8_t *data;
  size_t len;
} ctrt_bytes;

/* An instant in UTC: seconds since the Unix epoch plus nanoseconds
 * (0 <= nanos < 1e9). JSON form: RFC 3339, e.g. "2026-11-28T10:36:48.5Z". */
typedef struct ctrt_timestamp {
  int64_t seconds;
  int32_t nanos;
} ctrt_timestamp;

/* A connection to one container runtime (see ctrt/runtime.h). */
typedef struct ctrt_runtime ctrt_runtime;

/* A streamed source of bytes for uploads (see ctrt/bytes.h). */
typedef struct ctrt_byte_source ctrt_byte_source;

/* Free memory ctrt returned without a type of its own (strings). NULL-safe. */
CTRT_API void ctrt_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif
