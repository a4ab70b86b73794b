/* SPDX-License-Identifier: MIT */
/* Errors: every failing call returns a negative CTRT_E* code and leaves the
 * details in a thread-local record. */
#ifndef CTRT_ERROR_H
#define CTRT_ERROR_H

#include <ctrt/common.h>
#include <ctrt/error_kinds.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Returned by _next/_read at the end of a stream; not a failure. */
#define CTRT_ITEROVER CTRT_EITERATION_OVER

typedef struct ctrt_error {
  ctrt_error_kind kind; /* CTRT_ERROR_NONE after a successful call */
  const char *message;  /* never NULL; "" when there is no error */
  int http_status;      /* HTTP status behind the error, 0 if none */
} ctrt_error;

/* The calling thread's last error. Never NULL; valid until the thread's next
 * ctrt call. Every public function resets it on entry. */
CTRT_API const ctrt_error *ctrt_error_last(void);

/* Reset the calling thread's error to CTRT_ERROR_NONE. */
CTRT_API void ctrt_error_clear(void);

/* Spec name of a kind ("not_found"); "unknown" for values outside the enum. */
CTRT_API const char *ctrt_error_kind_name(ctrt_error_kind kind);
CTRT_API int ctrt_error_kind_from_name(ctrt_error_kind *out, const char *name);

/* For backends outside this library (plugins): set the calling thread's
 * error and return -(int)kind, e.g. `return ctrt_backend_error(CTRT_ERROR_NOT_FOUND, 404, "no such
 * container: %s", name);`. */
CTRT_API int ctrt_backend_error(ctrt_error_kind kind, int http_status, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif
