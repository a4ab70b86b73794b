/* SPDX-License-Identifier: MIT */
/* One allocator throughout: the C library's, so memory from jansson, from
 * generated code and from backends is freed the same way. */
#include "gen_internal.h"

#include <stdio.h>
#include <stdlib.h>

void *ctrt__malloc(size_t size) { return malloc(size ? size : 1); }

void *ctrt__calloc(size_t count, size_t size) { return calloc(count ? count : 1, size ? size : 1); }

void *ctrt__realloc(void *ptr, size_t size) { return realloc(ptr, size ? size : 1); }

char *ctrt__strdup(const char *text) {
  if (text == NULL)
    return NULL;
  return ctrt__strndup(text, strlen(text));
}

char *ctrt__strndup(const char *text, size_t len) {
  char *copy = malloc(len + 1);
  if (copy == NULL)
    return NULL;
  memcpy(copy, text, len);
  copy[len] = '\0';
  return copy;
}

void ctrt__free(void *ptr) { free(ptr); }

void ctrt_free(void *ptr) { free(ptr); }

char *ctrt__sprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int len = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (len < 0) {
    ctrt__error_set(CTRT_ERROR_INTERNAL, 0, "formatting failed");
    return NULL;
  }
  char *out = malloc((size_t)len + 1);
  if (out == NULL) {
    ctrt__error_no_memory();
    return NULL;
  }
  va_start(ap, fmt);
  vsnprintf(out, (size_t)len + 1, fmt, ap);
  va_end(ap);
  return out;
}
