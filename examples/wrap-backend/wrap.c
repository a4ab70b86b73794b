/* SPDX-License-Identifier: MIT */
/*
 * An example out-of-tree ctrt backend: "example", a backend composed from
 * another one. It opens an inner runtime with ctrt_open() (the in-memory
 * mock unless its URI names another, e.g. "docker://unix:///run/docker.sock")
 * and serves a coherent subset of the Runtime's methods by calling the
 * inner runtime's public ctrt_runtime_* functions. That is the pattern for
 * a backend that adds something to another (a policy check, an audit log,
 * a translation of names) or replaces a few of its methods.
 *
 * What it shows (see docs/backend-guide.md):
 *   - the entry point, ctrt_backend_entry(), and the ctrt_backend table
 *     with CTRT_BACKEND_ABI_VERSION and sizeof(ctrt_backend_ops);
 *   - methods that simply forward (errors set by the inner runtime are the
 *     caller's: one library, one thread-local error record);
 *   - errors of its own with ctrt_backend_error();
 *   - a typed stream built with ctrt_logs_stream_new(), a byte stream with
 *     ctrt_archive_stream_new() and an exec session with
 *     ctrt_exec_handle_new(), over the inner runtime's own stream objects;
 *   - methods left NULL: the dispatcher applies the spec's declared default,
 *     either served through methods it has (pull_image_stream, from
 *     pull_image_with_policy), a fixed answer
 *     (get_container_port_override: none, overlay_attach_kind: host_netns,
 *     sync_container_volumes: nothing to do), or CTRT_EUNSUPPORTED
 *     (pause_container, commit_container, stats_stream, ...).
 *
 * Build it against an installed ctrt (pkg-config ctrt), see CMakeLists.txt,
 * and run the conformance suite on it:
 *
 *   ctrt-conform --backend example --backend-lib ./libexample.so
 */
#include <ctrt/plugin.h>

#include <stdlib.h>
#include <string.h>

typedef struct wrap {
  ctrt_runtime *inner;
} wrap;

static ctrt_runtime *inner(void *self) { return ((wrap *)self)->inner; }

/* ---- opening and closing ---- */

static int wrap_open(void **self, const char *uri, const ctrt_open_options *options) {
  wrap *w = calloc(1, sizeof *w);
  if (w == NULL)
    return ctrt_backend_error(CTRT_ERROR_NO_MEMORY, 0, "out of memory");
  /* The outer runtime already injects the auth context into what it
   * creates; pass on only what the inner backend needs, and never this
   * library again (backend_library). */
  ctrt_open_options inner_options = CTRT_OPEN_OPTIONS_INIT;
  if (options != NULL) {
    inner_options.managed_label = options->managed_label;
    inner_options.connect_timeout_ms = options->connect_timeout_ms;
    inner_options.request_timeout_ms = options->request_timeout_ms;
  }
  int rc = ctrt_open_with_options(&w->inner, uri != NULL && uri[0] != '\0' ? uri : "mock:", &inner_options);
  if (rc < 0) {
    free(w); /* the error of ctrt_open stays set: it is ours to return */
    return rc;
  }
  *self = w;
  return 0;
}

static void wrap_close(void *self) {
  wrap *w = self;
  ctrt_close(w->inner);
  free(w);
}

/* ---- methods forwarded as they are ---- */

static int wrap_pull_image(void *self, const char *image) { return ctrt_runtime_pull_image(inner(self), image); }

static int wrap_pull_image_with_policy(void *self, const char *image, ctrt_pull_policy policy,
                                       const ctrt_registry_auth *auth, ctrt_source_policy source_policy) {
  return ctrt_runtime_pull_image_with_policy(inner(self), image, policy, auth, source_policy);
}

static int wrap_list_images(void *self, ctrt_image_info_list **out) {
  return ctrt_runtime_list_images(inner(self), out);
}

static int wrap_remove_image(void *self, const char *image, bool force) {
  return ctrt_runtime_remove_image(inner(self), image, force);
}

static int wrap_tag_image(void *self, const char *source, const char *target) {
  return ctrt_runtime_tag_image(inner(self), source, target);
}

static int wrap_inspect_image_native(void *self, ctrt_image_inspect_info **out, const char *image) {
  return ctrt_runtime_inspect_image_native(inner(self), out, image);
}

/* The inner runtime's stream is a stream of this same library: it can be
 * handed back as it is. */
static int wrap_load_images(void *self, ctrt_load_progress_stream **out, ctrt_byte_source *tar, bool quiet) {
  return ctrt_runtime_load_images(inner(self), out, tar, quiet);
}

static int wrap_create_container(void *self, const ctrt_container_id *id, const ctrt_service_spec *spec) {
  return ctrt_runtime_create_container(inner(self), id, spec);
}

static int wrap_start_container(void *self, const ctrt_container_id *id) {
  return ctrt_runtime_start_container(inner(self), id);
}

static int wrap_stop_container(void *self, const ctrt_container_id *id, uint32_t timeout) {
  return ctrt_runtime_stop_container(inner(self), id, timeout);
}

static int wrap_remove_container(void *self, const ctrt_container_id *id) {
  return ctrt_runtime_remove_container(inner(self), id);
}

static int wrap_kill_container(void *self, const ctrt_container_id *id, const char *signal) {
  return ctrt_runtime_kill_container(inner(self), id, signal);
}

static int wrap_container_state(void *self, ctrt_container_state **out, const ctrt_container_id *id) {
  return ctrt_runtime_container_state(inner(self), out, id);
}

static int wrap_wait_container(void *self, int32_t *out, const ctrt_container_id *id) {
  return ctrt_runtime_wait_container(inner(self), out, id);
}

/* The spec's defaults for wait_outcome (from wait_container) and
 * wait_outcome_with_condition (from wait_outcome) would lose what the inner
 * runtime knows (the signal that ended the container): forward them. */
static int wrap_wait_outcome(void *self, ctrt_wait_outcome **out, const ctrt_container_id *id) {
  return ctrt_runtime_wait_outcome(inner(self), out, id);
}

static int wrap_wait_outcome_with_condition(void *self, ctrt_wait_outcome **out, const ctrt_container_id *id,
                                            ctrt_wait_condition condition) {
  return ctrt_runtime_wait_outcome_with_condition(inner(self), out, id, condition);
}

static int wrap_update_container_resources(void *self, ctrt_container_update_outcome **out, const ctrt_container_id *id,
                                           const ctrt_container_resource_update *update) {
  return ctrt_runtime_update_container_resources(inner(self), out, id, update);
}

static int wrap_list_containers(void *self, ctrt_runtime_container_summary_list **out) {
  return ctrt_runtime_list_containers(inner(self), out);
}

static int wrap_inspect_detailed(void *self, ctrt_container_inspect_details **out, const ctrt_container_id *id) {
  return ctrt_runtime_inspect_detailed(inner(self), out, id);
}

static int wrap_get_container_pid(void *self, bool *has_out, uint32_t *out, const ctrt_container_id *id) {
  return ctrt_runtime_get_container_pid(inner(self), has_out, out, id);
}

static int wrap_get_container_ip(void *self, char **out, const ctrt_container_id *id) {
  return ctrt_runtime_get_container_ip(inner(self), out, id);
}

static int wrap_get_container_stats(void *self, ctrt_container_stats **out, const ctrt_container_id *id) {
  return ctrt_runtime_get_container_stats(inner(self), out, id);
}

static int wrap_container_logs(void *self, ctrt_log_entry_list **out, const ctrt_container_id *id, uint64_t tail) {
  return ctrt_runtime_container_logs(inner(self), out, id, tail);
}

static int wrap_get_logs(void *self, ctrt_log_entry_list **out, const ctrt_container_id *id,
                         const ctrt_log_options *options) {
  return ctrt_runtime_get_logs(inner(self), out, id, options);
}

static int wrap_exec(void *self, ctrt_exec_result **out, const ctrt_container_id *id, const char *const *argv,
                     size_t n_argv) {
  return ctrt_runtime_exec(inner(self), out, id, argv, n_argv);
}

/* Likewise exec_with_opts (its default runs exec without the options) and
 * exec_stream (its default runs exec to the end, then replays the output). */
static int wrap_exec_with_opts(void *self, ctrt_exec_result **out, const ctrt_container_id *id,
                               const ctrt_exec_options *options) {
  return ctrt_runtime_exec_with_opts(inner(self), out, id, options);
}

static int wrap_exec_stream(void *self, ctrt_exec_event_stream **out, const ctrt_container_id *id,
                            const char *const *argv, size_t n_argv) {
  return ctrt_runtime_exec_stream(inner(self), out, id, argv, n_argv);
}

static int wrap_archive_put(void *self, const ctrt_container_id *id, const char *path, ctrt_byte_source *tar,
                            const ctrt_archive_put_options *options) {
  return ctrt_runtime_archive_put(inner(self), id, path, tar, options);
}

static int wrap_archive_head(void *self, ctrt_path_stat **out, const ctrt_container_id *id, const char *path) {
  return ctrt_runtime_archive_head(inner(self), out, id, path);
}

/* ---- a typed stream of our own: logs_stream ----
 *
 * The producer pulls from the inner runtime's logs stream. A backend of its
 * own would read its engine here instead (a socket, a file, a queue). The
 * stream takes ownership of the state: destroy runs exactly once, at the
 * consumer's ctrt_logs_stream_close(). */

static int logs_next(void *state, void **item) {
  ctrt_log_chunk *chunk = NULL;
  /* 0 with a chunk, CTRT_ITEROVER, or an error already set by the inner
   * stream (the same thread-local record): all three pass through. */
  int rc = ctrt_logs_stream_next(&chunk, state);
  *item = chunk;
  return rc;
}

/* Consumers may cancel from another thread while logs_next blocks:
 * cancelling the inner stream wakes it. */
static void logs_cancel(void *state) { ctrt_logs_stream_cancel(state); }

static void logs_destroy(void *state) { ctrt_logs_stream_close(state); }

static const ctrt_stream_methods logs_methods = {
    .next = logs_next,
    .cancel = logs_cancel,
    .destroy = logs_destroy,
};

static int wrap_logs_stream(void *self, ctrt_logs_stream **out, const ctrt_container_id *id,
                            const ctrt_logs_stream_options *options) {
  ctrt_logs_stream *source = NULL;
  int rc = ctrt_runtime_logs_stream(inner(self), &source, id, options);
  if (rc < 0)
    return rc;
  /* On failure the constructor has already run logs_destroy(source). */
  return ctrt_logs_stream_new(out, &logs_methods, source);
}

/* ---- a byte stream of our own: archive_get ---- */

static int archive_read(void *state, void *buf, size_t cap, size_t *n_read) {
  return ctrt_archive_stream_read(state, buf, cap, n_read);
}

static void archive_cancel(void *state) { ctrt_archive_stream_cancel(state); }

static void archive_destroy(void *state) { ctrt_archive_stream_close(state); }

static const ctrt_stream_methods archive_methods = {
    .read = archive_read,
    .cancel = archive_cancel,
    .destroy = archive_destroy,
};

static int wrap_archive_get(void *self, ctrt_archive_stream **out, const ctrt_container_id *id, const char *path) {
  ctrt_archive_stream *source = NULL;
  int rc = ctrt_runtime_archive_get(inner(self), &source, id, path);
  if (rc < 0)
    return rc;
  return ctrt_archive_stream_new(out, &archive_methods, source);
}

/* ---- an interactive session of our own: exec_pty ---- */

static int pty_write(void *state, const void *data, size_t len) { return ctrt_exec_handle_write(state, data, len); }

static int pty_read(void *state, ctrt_log_channel *channel, void *buf, size_t cap, size_t *n_read) {
  return ctrt_exec_handle_read(state, channel, buf, cap, n_read);
}

static int pty_close_stdin(void *state) { return ctrt_exec_handle_close_stdin(state); }

static int pty_resize(void *state, uint16_t rows, uint16_t cols) { return ctrt_exec_handle_resize(state, rows, cols); }

static int pty_wait(void *state, int32_t *exit_code) { return ctrt_exec_handle_wait(state, exit_code); }

static int pty_fd(void *state) { return ctrt_exec_handle_fd(state); }

static void pty_destroy(void *state) { ctrt_exec_handle_free(state); }

static const ctrt_exec_handle_methods pty_methods = {
    .write = pty_write,
    .read = pty_read,
    .close_stdin = pty_close_stdin,
    .resize = pty_resize,
    .wait = pty_wait,
    .fd = pty_fd,
    .destroy = pty_destroy,
};

static int wrap_exec_pty(void *self, ctrt_exec_handle **out, const ctrt_container_id *id,
                         const ctrt_exec_options *options) {
  ctrt_exec_handle *session = NULL;
  int rc = ctrt_runtime_exec_pty(inner(self), &session, id, options);
  if (rc < 0)
    return rc;
  return ctrt_exec_handle_new(out, &pty_methods, session);
}

/* ---- the table ---- */

/* Every method left out (NULL) gets the dispatcher's declared default. The
 * required ones (ctrt_op_info_get(op)->default_kind ==
 * CTRT_OP_DEFAULT_REQUIRED) must be here, or ctrt_open() refuses us. */
static const ctrt_backend_ops wrap_ops = {
    .pull_image = wrap_pull_image,
    .pull_image_with_policy = wrap_pull_image_with_policy,
    .list_images = wrap_list_images,
    .remove_image = wrap_remove_image,
    .tag_image = wrap_tag_image,
    .inspect_image_native = wrap_inspect_image_native,
    .load_images = wrap_load_images,
    .create_container = wrap_create_container,
    .start_container = wrap_start_container,
    .stop_container = wrap_stop_container,
    .remove_container = wrap_remove_container,
    .kill_container = wrap_kill_container,
    .container_state = wrap_container_state,
    .wait_container = wrap_wait_container,
    .wait_outcome = wrap_wait_outcome,
    .wait_outcome_with_condition = wrap_wait_outcome_with_condition,
    .update_container_resources = wrap_update_container_resources,
    .list_containers = wrap_list_containers,
    .inspect_detailed = wrap_inspect_detailed,
    .get_container_pid = wrap_get_container_pid,
    .get_container_ip = wrap_get_container_ip,
    .get_container_stats = wrap_get_container_stats,
    .container_logs = wrap_container_logs,
    .get_logs = wrap_get_logs,
    .logs_stream = wrap_logs_stream,
    .exec = wrap_exec,
    .exec_with_opts = wrap_exec_with_opts,
    .exec_stream = wrap_exec_stream,
    .exec_pty = wrap_exec_pty,
    .archive_get = wrap_archive_get,
    .archive_put = wrap_archive_put,
    .archive_head = wrap_archive_head,
};

static const ctrt_backend wrap_backend = {
    .abi_version = CTRT_BACKEND_ABI_VERSION,
    .name = "example",
    .open = wrap_open,
    .close = wrap_close,
    .ops = &wrap_ops,
    .ops_size = sizeof wrap_ops,
};

/* The one symbol the library looks up (CTRT_BACKEND_ENTRY_SYMBOL). */
__attribute__((visibility("default"))) const ctrt_backend *ctrt_backend_entry(void);
const ctrt_backend *ctrt_backend_entry(void) { return &wrap_backend; }
