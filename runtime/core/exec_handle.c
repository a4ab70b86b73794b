/* SPDX-License-Identifier: MIT */
/* The public face of exec sessions over a backend's vtable. */
#include "gen_internal.h"

struct ctrt_exec_handle {
  const ctrt__exec_handle_vtable *vt;
  void *impl;
  ctrt_runtime *owner; /* kept alive while the session is open */
};

void ctrt__exec_handle_hold_runtime(ctrt_exec_handle *h, ctrt_runtime *rt) {
  if (h != NULL && h->owner == NULL)
    h->owner = ctrt__runtime_ref(rt);
}

int ctrt__exec_handle_new(ctrt_exec_handle **out, const ctrt__exec_handle_vtable *vt, void *impl) {
  *out = ctrt__malloc(sizeof **out);
  if (*out == NULL) {
    vt->destroy(impl);
    return ctrt__error_no_memory();
  }
  (*out)->vt = vt;
  (*out)->impl = impl;
  (*out)->owner = NULL;
  return 0;
}

#define REQUIRE_HANDLE(h, what)                                                                                        \
  do {                                                                                                                 \
    ctrt_error_clear();                                                                                                \
    if ((h) == NULL)                                                                                                   \
      return ctrt__error_invalid_argument(what ": handle must not be NULL");                                           \
  } while (0)

int ctrt_exec_handle_write(ctrt_exec_handle *h, const void *data, size_t len) {
  REQUIRE_HANDLE(h, "exec_handle_write");
  if (data == NULL && len > 0)
    return ctrt__error_invalid_argument("exec_handle_write: data must not be NULL");
  if (len == 0)
    return 0;
  return h->vt->write(h->impl, data, len);
}

int ctrt_exec_handle_read(ctrt_exec_handle *h, ctrt_log_channel *channel, void *buf, size_t cap, size_t *n_read) {
  REQUIRE_HANDLE(h, "exec_handle_read");
  CTRT__CHECK_ARG(n_read != NULL && buf != NULL && cap != 0, "exec_handle_read: needs a buffer and n_read");
  *n_read = 0;
  ctrt_log_channel ignored;
  int rc = h->vt->read(h->impl, channel ? channel : &ignored, buf, cap, n_read);
  if (rc == CTRT_ITEROVER)
    ctrt_error_clear();
  return rc;
}

int ctrt_exec_handle_close_stdin(ctrt_exec_handle *h) {
  REQUIRE_HANDLE(h, "exec_handle_close_stdin");
  return h->vt->close_stdin(h->impl);
}

int ctrt_exec_handle_resize(ctrt_exec_handle *h, uint16_t rows, uint16_t cols) {
  REQUIRE_HANDLE(h, "exec_handle_resize");
  CTRT__CHECK_ARG(rows != 0 && cols != 0, "exec_handle_resize: rows and cols must be positive");
  if (h->vt->resize == NULL)
    return ctrt__error_unsupported("exec_handle_resize");
  return h->vt->resize(h->impl, rows, cols);
}

int ctrt_exec_handle_wait(ctrt_exec_handle *h, int32_t *exit_code) {
  REQUIRE_HANDLE(h, "exec_handle_wait");
  CTRT__CHECK_ARG(exit_code != NULL, "exec_handle_wait: exit_code must not be NULL");
  return h->vt->wait(h->impl, exit_code);
}

int ctrt_exec_handle_fd(const ctrt_exec_handle *h) {
  if (h == NULL || h->vt->fd == NULL)
    return -1;
  return h->vt->fd(h->impl);
}

void ctrt_exec_handle_free(ctrt_exec_handle *h) {
  if (h == NULL)
    return;
  h->vt->destroy(h->impl);
  ctrt__runtime_unref(h->owner);
  ctrt__free(h);
}

int ctrt_exec_handle_new(ctrt_exec_handle **out, const ctrt_exec_handle_methods *methods, void *state) {
  ctrt_error_clear();
  if (out == NULL || methods == NULL || methods->write == NULL || methods->read == NULL ||
      methods->close_stdin == NULL || methods->wait == NULL || methods->destroy == NULL) {
    if (methods != NULL && methods->destroy != NULL)
      methods->destroy(state);
    if (out != NULL)
      *out = NULL;
    return ctrt__error_invalid_argument(
        "exec_handle_new: needs out and a method table with write, read, close_stdin, wait and destroy");
  }
  return ctrt__exec_handle_new(out, methods, state);
}
