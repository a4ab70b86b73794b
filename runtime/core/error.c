/* SPDX-License-Identifier: MIT */
/* The thread-local last error. Messages live in a per-thread buffer, so
 * reporting an error never allocates and nothing leaks at thread exit. */
#include "gen_internal.h"

#include <stdio.h>

typedef struct error_slot {
  ctrt_error error;
  char message[CTRT__ERROR_MESSAGE_MAX];
} error_slot;

static _Thread_local error_slot slot = {{CTRT_ERROR_NONE, "", 0}, ""};

const ctrt_error *ctrt_error_last(void) {
  slot.error.message = slot.message;
  return &slot.error;
}

void ctrt_error_clear(void) {
  slot.error.kind = CTRT_ERROR_NONE;
  slot.error.http_status = 0;
  slot.message[0] = '\0';
  slot.error.message = slot.message;
}

int ctrt__error_setv(ctrt_error_kind kind, int http_status, const char *fmt, va_list ap) {
  /* Format into a scratch buffer first: arguments may point into slot. */
  char text[CTRT__ERROR_MESSAGE_MAX];
  int n = vsnprintf(text, sizeof text, fmt, ap);
  if (n >= (int)sizeof text) /* cut: not inside a character */
    text[ctrt__utf8_cut(text, sizeof text - 1)] = '\0';
  memcpy(slot.message, text, sizeof text);
  slot.error.kind = kind;
  slot.error.http_status = http_status;
  slot.error.message = slot.message;
  return -(int)kind;
}

int ctrt__error_set(ctrt_error_kind kind, int http_status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = ctrt__error_setv(kind, http_status, fmt, ap);
  va_end(ap);
  return rc;
}

int ctrt_backend_error(ctrt_error_kind kind, int http_status, const char *fmt, ...) {
  if (kind == CTRT_ERROR_NONE)
    kind = CTRT_ERROR_INTERNAL;
  va_list ap;
  va_start(ap, fmt);
  int rc = ctrt__error_setv(kind, http_status, fmt, ap);
  va_end(ap);
  return rc;
}

int ctrt__error_wrap(const char *fmt, ...) {
  char context[CTRT__ERROR_MESSAGE_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(context, sizeof context, fmt, ap);
  va_end(ap);
  if (slot.error.kind == CTRT_ERROR_NONE)
    return ctrt__error_set(CTRT_ERROR_INTERNAL, 0, "%s", context);
  /* "context: old message", truncated to the buffer. */
  char joined[CTRT__ERROR_MESSAGE_MAX];
  size_t used = 0;
  const char *parts[] = {context, ": ", slot.message};
  for (size_t i = 0; i < 3; i++) {
    size_t n = strlen(parts[i]);
    if (n > sizeof joined - 1 - used)
      n = sizeof joined - 1 - used;
    memcpy(joined + used, parts[i], n);
    used += n;
  }
  used = ctrt__utf8_cut(joined, used);
  joined[used] = '\0';
  memcpy(slot.message, joined, used + 1);
  return -(int)slot.error.kind;
}

int ctrt__error_code(void) { return -(int)slot.error.kind; }

int ctrt__backend_result(int rc, const char *method) {
  if (rc >= 0) {
    /* Success: an error the backend recorded on the way (and recovered
     * from) is not this call's; callers see CTRT_ERROR_NONE. */
    ctrt_error_clear();
    return 0;
  }
  if (rc == CTRT_ITEROVER)
    return ctrt__error_internal("%s: the backend returned end-of-iteration outside a stream", method);
  if (slot.error.kind == CTRT_ERROR_NONE || slot.error.kind == CTRT_ERROR_ITERATION_OVER)
    /* A bare code is no diagnosis: the backend broke its contract. */
    return ctrt__error_internal("%s: the backend failed without setting an error (it returned %d)", method, rc);
  /* The record is the backend's account of the failure, whatever code it
   * returned with it. */
  return -(int)slot.error.kind;
}
