/*
 * Backends as shared objects. A backend built outside this repository
 * exports one function,
 *
 *     const ctrt_backend *ctrt_backend_entry(void);
 *
 * and is opened with ctrt_open("plugin:/path/lib.so") or the
 * backend_library open option; the conformance runner takes it with
 * --backend-lib. Its methods follow ctrt/backend.h: state first, outputs,
 * then inputs; errors through ctrt_backend_error().
 */
#ifndef CTRT_PLUGIN_H
#define CTRT_PLUGIN_H

#include <ctrt/backend.h>
#include <ctrt/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CTRT_BACKEND_ABI_VERSION 1
#define CTRT_BACKEND_ENTRY_SYMBOL "ctrt_backend_entry"

typedef struct ctrt_backend {
  unsigned int abi_version; /* CTRT_BACKEND_ABI_VERSION */
  const char *name;
  /* Create the backend's state for a URI (the part after the scheme). */
  int (*open)(void **self, const char *uri, const ctrt_open_options *options);
  void (*close)(void *self);
  const ctrt_backend_ops *ops;
  /* sizeof(ctrt_backend_ops) the backend was compiled with: methods added
   * to the spec later are then treated as lacking. */
  size_t ops_size;
  /* Optional: describe the engine behind self (see ctrt_runtime_engine in
   * ctrt/runtime.h); *out is allocated with malloc and freed by the library
   * with ctrt_engine_info_free. NULL = the runtime reports name = this
   * backend's name, version NULL. */
  int (*engine)(void *self, ctrt_engine_info **out);
} ctrt_backend;

typedef const ctrt_backend *(*ctrt_backend_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif
