/* SPDX-License-Identifier: MIT */
/* Opening a runtime: which backend, where, with which options. */
#ifndef CTRT_RUNTIME_H
#define CTRT_RUNTIME_H

#include <ctrt/ops.h>
#include <ctrt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CTRT_OPEN_OPTIONS_VERSION 3

/* Output exec collects (stdout and stderr together) before it stops
 * reading and sets ctrt_exec_result.output_truncated. */
#define CTRT_DEFAULT_EXEC_OUTPUT_MAX ((size_t)16 << 20)

typedef struct ctrt_open_options {
  unsigned int version; /* CTRT_OPEN_OPTIONS_VERSION */
  /* Injected into every created container (copied; may be NULL). */
  const ctrt_container_auth_context *auth_context;
  /* In-container path of the bound auth socket (ZLAYER_SOCKET inside the
   * container); NULL = /var/run/zlayer/api.sock. */
  const char *auth_socket_target;
  /* Label naming the managed ContainerId of a container; NULL =
   * com.zlayer.container_id. */
  const char *managed_label;
  /* Load the backend from this shared object instead of the URI's scheme
   * (see ctrt/plugin.h); NULL = built-in backends only. */
  const char *backend_library;
  /* Network backends: 0 = defaults (connect 10 s; requests 120 s; streams
   * are exempt from the request limit). The connect timeout also bounds the
   * handshake at open: connecting (TCP, TLS) gets one, the answer to the
   * version ping another, so ctrt_open against a daemon that accepts but
   * never answers (stopped) fails with CTRT_ETIMEOUT within twice it. */
  unsigned int connect_timeout_ms;
  unsigned int request_timeout_ms;
  /* Version 2. The most output exec and exec_with_opts collect, on every
   * backend; 0 = CTRT_DEFAULT_EXEC_OUTPUT_MAX. Past it the output is cut,
   * never silently: the result says output_truncated. */
  size_t exec_output_max;
  /* Version 3. Follow streams (logs with follow, stats, and every other
   * stream that waits for the engine) and interactive sessions (exec_pty,
   * and the attach behind write_stdin): a read that gets no data for this
   * long, or a session write the engine does not drain for this long,
   * fails with CTRT_ETIMEOUT and ends the stream, so a silent or stalled
   * peer cannot hang the caller. The clock restarts at each read and when
   * bytes arrive (a slow reader is not idle). Every backend honours it:
   * docker and podman on streamed responses and hijacked sessions, cri on
   * followed log files and its exec/attach WebSocket sessions, the mock on
   * its follow streams. 0 = none: such a stream may wait forever, and only
   * ctrt_*_stream_cancel from another thread ends the wait (streams are
   * thread-safe to cancel). */
  unsigned int stream_idle_timeout_ms;
} ctrt_open_options;

#define CTRT_OPEN_OPTIONS_INIT                                                                                         \
  { .version = CTRT_OPEN_OPTIONS_VERSION }

/*
 * Open a runtime by URI:
 *   "mock:"                          the in-memory mock
 *   "docker://unix:///run/docker.sock", "docker://tcp://127.0.0.1:2376"
 *                                    (tcp:// is TLS when DOCKER_TLS_VERIFY
 *                                    is set; "docker://" alone: DOCKER_HOST)
 *   "podman://unix:///run/podman/podman.sock"
 *                                    a Podman service (its Docker-compatible
 *                                    and libpod APIs); "podman://" alone:
 *                                    CONTAINER_HOST, else that socket
 *   "plugin:/path/libmybackend.so"    a backend loaded at run time, with the
 *                                     rest of the URI after '?' passed to it
 * The handle is safe to use from several threads at once.
 */
CTRT_API int ctrt_open(ctrt_runtime **out, const char *uri);
CTRT_API int ctrt_open_with_options(ctrt_runtime **out, const char *uri, const ctrt_open_options *options);

/* Open the Docker Engine the environment names, as the docker CLI does:
 * DOCKER_HOST (default unix:///var/run/docker.sock), DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH (ca.pem, cert.pem, key.pem), DOCKER_API_VERSION. Same as
 * ctrt_open(out, "docker://"); but when DOCKER_HOST is unset and
 * CONTAINER_HOST is set (as for podman-remote), ctrt_open(out, "podman://"). */
CTRT_API int ctrt_open_from_env(ctrt_runtime **out);

/* Close a runtime (NULL-safe). Lifetimes: every stream and exec session a
 * runtime returned holds a reference on it, so closing the runtime while
 * they are open is safe: they keep working, and the backend is closed when
 * the last of them is closed or freed. After ctrt_close the handle itself
 * must not be passed to any other call. A second ctrt_close of the same
 * handle is detected and ignored (an invalid_argument error is recorded),
 * unless a later ctrt_open happened to return the same address. */
CTRT_API void ctrt_close(ctrt_runtime *rt);

/* How a runtime serves a method (see ctrt_runtime_support()). */
typedef enum ctrt_support {
  CTRT_SUPPORT_NONE,    /* every call with valid arguments fails with CTRT_EUNSUPPORTED */
  CTRT_SUPPORT_DEFAULT, /* the backend lacks it; the dispatcher serves it from the
                         * method's declared default (empty, noop, value, or a
                         * delegation whose delegates are all served) */
  CTRT_SUPPORT_NATIVE   /* the backend implements it */
} ctrt_support;

/* How op is served on this runtime, from the backend's table and the
 * spec's defaults alone (no call is made). CTRT_SUPPORT_NONE when rt is
 * NULL or op is out of range. The dispatchers check arguments first, then
 * apply the default of a method the backend lacks whatever the inputs, so
 * NONE means CTRT_EUNSUPPORTED for every call with valid arguments. */
CTRT_API ctrt_support ctrt_runtime_support(const ctrt_runtime *rt, ctrt_op op);

/* Whether calling op can succeed on this runtime: the backend implements it,
 * or its default does not fail with CTRT_EUNSUPPORTED
 * (ctrt_runtime_support() != CTRT_SUPPORT_NONE). */
CTRT_API bool ctrt_supports(const ctrt_runtime *rt, ctrt_op op);

/* Name of the runtime's backend ("mock", "docker", or the plugin's name). */
CTRT_API const char *ctrt_runtime_backend_name(const ctrt_runtime *rt);

/* ---- Engine identity ----
 * What the runtime behind a backend is, as the backend reports it: the
 * conformance runner scopes its expectations on it (a property of one engine
 * never binds another), and consumers can log it. */
typedef struct ctrt_engine_info {
  char *name;        /* lower-case: "docker", "podman", "mock", or the plugin's name */
  char *version;     /* the engine's own version ("20.10.24"); may be NULL */
  char *api_version; /* the API version spoken ("1.41"); may be NULL */
  /* Configuration facts as "key=value", in a fixed order per backend:
   * "log_driver=json-file", "storage_driver=overlay2",
   * "cgroup_driver=cgroupfs", "cgroup_version=1", "os=linux". */
  char **facts;
  size_t n_facts;
} ctrt_engine_info;

/* Ask the backend what engine it talks to (the Docker backend asks the
 * daemon: GET /version and GET /info). A backend that does not say gets
 * name = its backend name, no version, no facts. *out belongs to the caller:
 * free it with ctrt_engine_info_free. */
CTRT_API int ctrt_runtime_engine(ctrt_runtime *rt, ctrt_engine_info **out);
/* Free an engine description (NULL-safe, deep). */
CTRT_API void ctrt_engine_info_free(ctrt_engine_info *info);
/* The value of fact key ("log_driver") in info, or NULL when absent. */
CTRT_API const char *ctrt_engine_info_fact(const ctrt_engine_info *info, const char *key);

#ifdef __cplusplus
}
#endif

#endif
