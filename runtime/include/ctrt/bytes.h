/* SPDX-License-Identifier: MIT */
/* Byte sources: where uploads (tar archives, image loads) are read from,
 * chunk by chunk, so a payload never has to sit in memory whole. */
#ifndef CTRT_BYTES_H
#define CTRT_BYTES_H

#include <ctrt/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A reader callback: store up to cap bytes in buf and set *n_read (> 0) and
 * return 0; return CTRT_ITEROVER at the end; or return a negative CTRT_E*
 * code (ctrt_backend_error() sets a message) to abort the upload. */
typedef int (*ctrt_read_fn)(void *ctx, void *buf, size_t cap, size_t *n_read);

/* Read from memory the caller keeps alive until the source is freed. */
CTRT_API int ctrt_byte_source_from_buffer(ctrt_byte_source **out, const void *data, size_t len);
/* Read from a file descriptor until EOF; the descriptor is not closed. */
CTRT_API int ctrt_byte_source_from_fd(ctrt_byte_source **out, int fd);
/* Read from a callback. */
CTRT_API int ctrt_byte_source_from_callback(ctrt_byte_source **out, ctrt_read_fn fn, void *ctx);

/* Read the next chunk: 0 with *n_read > 0, CTRT_ITEROVER at the end, or a
 * negative error. A source is read once, front to back. */
CTRT_API int ctrt_byte_source_read(ctrt_byte_source *src, void *buf, size_t cap, size_t *n_read);

/* Free a source (NULL-safe); borrowed buffers and descriptors are left alone. */
CTRT_API void ctrt_byte_source_free(ctrt_byte_source *src);

#ifdef __cplusplus
}
#endif

#endif
