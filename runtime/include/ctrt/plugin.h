/* SPDX-License-Identifier: MIT */
/*
 * Backends as shared objects (see docs/backend-guide.md). A backend built
 * outside this repository links libctrt (pkg-config ctrt) and exports one
 * function,
 *
 *     const ctrt_backend *ctrt_backend_entry(void);
 *
 * and is opened with ctrt_open("plugin:/path/lib.so") or the
 * backend_library open option; the conformance runner takes it with
 * --backend-lib. Its methods follow ctrt/backend.h: state first, outputs,
 * then inputs; errors through ctrt_backend_error() (ctrt/error.h). The
 * streams and exec sessions its methods return are built with the
 * constructors below, so that consumers drive them with the ordinary
 * ctrt_*_stream_* and ctrt_exec_handle_* functions.
 */
#ifndef CTRT_PLUGIN_H
#define CTRT_PLUGIN_H

#include <ctrt/backend.h>
#include <ctrt/error.h>
#include <ctrt/exec_handle.h>
#include <ctrt/runtime.h>
#include <ctrt/streams.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The version of what a backend and the library agree on: struct
 * ctrt_backend, the ctrt_stream_methods and ctrt_exec_handle_methods
 * tables, and the set of required methods. ctrt_open() refuses a backend
 * built for another version. It changes whenever one of those structs
 * changes and whenever a method is added as (or becomes) required, since a
 * backend built earlier would lack it; methods added with a default only
 * extend ctrt_backend_ops (ops_size tells the library where a backend's
 * table ends), which needs no new version.
 *
 *   1  the first plugin interface
 *   2  stream and exec-handle constructors (this header), the engine callback
 *   3  get_logs takes ctrt_log_options
 *   4  adopt_container in the lifecycle group (the entries after it moved)
 *
 * CTRT_BACKEND_ABI_VERSION itself is generated into ctrt/backend.h from
 * spec/abi.yaml, whose record of the required methods the generator checks.
 */
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

/*
 * ---- Streams a backend returns ----
 *
 * A backend's streaming method (logs_stream, stats_stream, pull_image_stream,
 * load_images, exec_stream, archive_get, export_container_fs, save_images)
 * returns a stream built over its own producer: a table of callbacks and a
 * state pointer. The library wraps them with the contract of ctrt/streams.h
 * (an error ends the stream, cancellation wins over a late item, _close
 * always frees everything), for every stream type:
 *
 *   typed streams (items):  ctrt_<stream>_new(&out, &methods, state), e.g.
 *     ctrt_logs_stream_new, ctrt_stats_stream_new,
 *     ctrt_pull_progress_stream_new, ctrt_load_progress_stream_new,
 *     ctrt_exec_event_stream_new (declared in ctrt/streams.h);
 *   byte streams:  ctrt_archive_stream_new, ctrt_image_export_stream_new.
 *
 * Ownership: the stream owns `state` from the call on, whatever the result:
 * if the constructor fails (CTRT_ENO_MEMORY, or CTRT_EINVALID_ARGUMENT for
 * a table without its required callbacks) it has already called
 * destroy(state) when the table has one. The table itself is borrowed for
 * the stream's lifetime: make it `static const`.
 */
typedef struct ctrt_stream_methods {
  /* Typed streams (required for them, NULL for byte streams): produce the
   * next item in *item and return 0; return CTRT_ITEROVER at the end; or
   * set the error with ctrt_backend_error() and return its code, which ends
   * the stream. The item is a complete, separately allocated value of the
   * stream's item type (ctrt_log_chunk for ctrt_logs_stream, ...), built
   * with ctrt's allocator (malloc, or the type's _copy/_from_json), whose
   * ownership passes to the stream: the consumer frees it with the type's
   * _free, or the stream does when it was cancelled meanwhile. May block. */
  int (*next)(void *state, void **item);
  /* Byte streams (required for them, NULL for typed streams): store 1..cap
   * bytes in buf, set *n_read and return 0; CTRT_ITEROVER at the end; or an
   * error as above. May block. */
  int (*read)(void *state, void *buf, size_t cap, size_t *n_read);
  /* Optional: make a blocked or later next/read return promptly (their
   * result is then discarded and the consumer sees CTRT_ECANCELLED). Runs
   * at most once, on the consumer's _cancel (from any thread, possibly while
   * next/read is blocked in another) or at the latest at _close. NULL when
   * next/read never block for long. */
  void (*cancel)(void *state);
  /* Optional: free state. Runs exactly once, at the consumer's _close (or
   * when the constructor fails), after cancel, never while next/read runs. */
  void (*destroy)(void *state);
} ctrt_stream_methods;

/*
 * ---- Interactive exec sessions (exec_pty) ----
 *
 * ctrt_exec_handle_new() wraps a backend's session in the ctrt_exec_handle
 * of ctrt/exec_handle.h; each callback implements the function of the same
 * name there, after the library has checked its arguments (non-NULL
 * handle and buffers, positive sizes, len > 0 for write). Errors as for
 * streams: ctrt_backend_error() and its code; read returns CTRT_ITEROVER
 * once the process has closed its output.
 *
 * Ownership: the handle owns `state` from the call on, whatever the result
 * (on failure destroy(state) has already run when the table has one); the
 * table is borrowed for the handle's lifetime. destroy runs exactly once,
 * from ctrt_exec_handle_free().
 */
typedef struct ctrt_exec_handle_methods {
  int (*write)(void *state, const void *data, size_t len);                                    /* required */
  int (*read)(void *state, ctrt_log_channel *channel, void *buf, size_t cap, size_t *n_read); /* required */
  int (*close_stdin)(void *state);                                                            /* required */
  int (*resize)(void *state, uint16_t rows, uint16_t cols); /* NULL: the handle reports CTRT_EUNSUPPORTED */
  int (*wait)(void *state, int32_t *exit_code);             /* required */
  int (*fd)(void *state);                                   /* NULL: ctrt_exec_handle_fd() gives -1 */
  void (*destroy)(void *state);                             /* required */
} ctrt_exec_handle_methods;

CTRT_API int ctrt_exec_handle_new(ctrt_exec_handle **out, const ctrt_exec_handle_methods *methods, void *state);

#ifdef __cplusplus
}
#endif

#endif
