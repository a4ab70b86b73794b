/* SPDX-License-Identifier: MIT */
/* Byte sources: uploads are pulled chunk by chunk from memory, a file
 * descriptor or a callback. */
#include "gen_internal.h"

#include <errno.h>
#include <unistd.h>

typedef enum { SOURCE_BUFFER, SOURCE_FD, SOURCE_CALLBACK } source_kind;

struct ctrt_byte_source {
  source_kind kind;
  const uint8_t *data;
  size_t len, pos;
  int fd;
  ctrt_read_fn fn;
  void *ctx;
  bool done;
};

static int new_source(ctrt_byte_source **out, source_kind kind) {
  CTRT__CHECK_ARG(out != NULL, "byte source: out must not be NULL");
  *out = ctrt__calloc(1, sizeof **out);
  CTRT__CHECK_ALLOC(*out);
  (*out)->kind = kind;
  (*out)->fd = -1;
  return 0;
}

int ctrt_byte_source_from_buffer(ctrt_byte_source **out, const void *data, size_t len) {
  ctrt_error_clear();
  if (data == NULL && len > 0)
    return ctrt__error_invalid_argument("byte_source_from_buffer: data must not be NULL");
  int rc;
  if ((rc = new_source(out, SOURCE_BUFFER)) < 0)
    return rc;
  (*out)->data = data;
  (*out)->len = len;
  return 0;
}

int ctrt_byte_source_from_fd(ctrt_byte_source **out, int fd) {
  ctrt_error_clear();
  CTRT__CHECK_ARG(fd >= 0, "byte_source_from_fd: invalid descriptor %d", fd);
  int rc;
  if ((rc = new_source(out, SOURCE_FD)) < 0)
    return rc;
  (*out)->fd = fd;
  return 0;
}

int ctrt_byte_source_from_callback(ctrt_byte_source **out, ctrt_read_fn fn, void *ctx) {
  ctrt_error_clear();
  CTRT__CHECK_ARG(fn != NULL, "byte_source_from_callback: fn must not be NULL");
  int rc;
  if ((rc = new_source(out, SOURCE_CALLBACK)) < 0)
    return rc;
  (*out)->fn = fn;
  (*out)->ctx = ctx;
  return 0;
}

int ctrt_byte_source_read(ctrt_byte_source *src, void *buf, size_t cap, size_t *n_read) {
  /* A public function: an older error must not be mistaken for the
   * callback's (see SOURCE_CALLBACK below). */
  ctrt_error_clear();
  CTRT__CHECK_ARG(src != NULL && buf != NULL && n_read != NULL && cap != 0,
                  "byte_source_read: NULL argument or empty buffer");
  *n_read = 0;
  if (src->done)
    return CTRT_ITEROVER;
  switch (src->kind) {
  case SOURCE_BUFFER: {
    size_t left = src->len - src->pos;
    if (left == 0) {
      src->done = true;
      return CTRT_ITEROVER;
    }
    size_t take = left < cap ? left : cap;
    memcpy(buf, src->data + src->pos, take);
    src->pos += take;
    *n_read = take;
    return 0;
  }
  case SOURCE_FD:
    for (;;) {
      ssize_t n = read(src->fd, buf, cap);
      if (n > 0) {
        *n_read = (size_t)n;
        return 0;
      }
      if (n == 0) {
        src->done = true;
        return CTRT_ITEROVER;
      }
      if (errno != EINTR)
        return ctrt__error_internal("reading the upload from descriptor %d failed: %s", src->fd, strerror(errno));
    }
  case SOURCE_CALLBACK: {
    int rc = src->fn(src->ctx, buf, cap, n_read);
    if (rc == CTRT_ITEROVER) {
      src->done = true;
      *n_read = 0;
      return rc;
    }
    if (rc < 0) {
      *n_read = 0;
      if (ctrt_error_last()->kind == CTRT_ERROR_NONE)
        return ctrt__error_set((ctrt_error_kind)(-rc <= 0 || -rc >= CTRT_ERROR_KIND_COUNT ? CTRT_ERROR_INTERNAL : -rc),
                               0, "the upload callback failed");
      return rc;
    }
    if (*n_read == 0 || *n_read > cap)
      return ctrt__error_invalid_argument("the upload callback returned 0 with %zu bytes (cap %zu)", *n_read, cap);
    return 0;
  }
  }
  return ctrt__error_internal("corrupt byte source");
}

bool ctrt__byte_source_done(const ctrt_byte_source *src) { return src->done; }

void ctrt_byte_source_free(ctrt_byte_source *src) { ctrt__free(src); }
