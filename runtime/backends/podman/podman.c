/*
 * The Podman backend ("podman://unix:///run/podman/podman.sock"; "podman://"
 * alone: CONTAINER_HOST, as podman-remote reads it, else the rootful
 * default socket), composed on the Docker backend:
 *
 * - its state embeds the Docker backend's first (ctrt__docker_init), so
 *   every Docker method, generated or hand-written, runs on it unchanged
 *   over the same transport;
 * - its method table is the Docker table (ctrt__docker_ops) with the entries
 *   below replaced, so a method added to the spec reaches Podman through
 *   the Docker mapping with no change here;
 * - where Podman's compat API lacks something or answers it differently
 *   (measured on 4.3.1, ../shared/fixtures-notes.md), the replacement asks
 *   Podman's own libpod API on the same socket (/v{version}/libpod/...),
 *   or the state of the object, rather than reading error messages.
 */
#include "backends/docker/docker_internal.h"
#include "podman_gen.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PODMAN_DEFAULT_HOST "unix:///run/podman/podman.sock"

typedef struct ctrt__podman {
  ctrt__docker docker; /* first: the Docker half takes this state as its own */
  char *libpod;        /* "/v4.3.1/libpod": the libpod API of this service */
  /* Tags of one image changed at once can be lost (4.3.1: 4 parallel tag
   * calls, each 201, left 3 tags in 1 round of 10): one change at a time
   * from this handle. */
  pthread_mutex_t image_lock;
} ctrt__podman;

/* ---- libpod exchanges ---- */

/* One declared call (spec `podman: calls:`, podman_gen.h): target is the
 * path its request target built (libpod's after the /v{version}/libpod
 * prefix), body its JSON body or NULL. */
static int podman_send(ctrt__podman *p, const ctrt__podman_call *call, const char *target, const char *body,
                       const char *method, ctrt__http_response **out) {
  char *full = NULL;
  if (call->libpod && (full = ctrt__sprintf("%s%s", p->libpod, target)) == NULL)
    return ctrt__error_no_memory();
  ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
  req.method = call->verb;
  req.path = full ? full : target;
  req.unversioned = call->libpod; /* the version is part of the libpod prefix */
  if (body != NULL) {
    req.content_type = call->content_type;
    req.body = body;
    req.body_len = strlen(body);
  }
  int rc = ctrt__docker_send(&p->docker, &req, call->statuses, call->n_statuses, method, out);
  ctrt__free(full);
  return rc;
}

/* A declared call on a container: /containers/{ref}{suffix}, where ref is
 * the name the Docker half resolves; a renamed container is found again by
 * its label, once. */
static int podman_container_send(ctrt__podman *p, const ctrt__podman_call *call, const ctrt_container_id *id,
                                 const char *suffix, const char *body, const char *method, ctrt__http_response **out) {
  int rc = 0;
  char *ref = NULL, *path = NULL;
  for (int attempt = 0; attempt < 2; attempt++) {
    ctrt__free(ref);
    ctrt__free(path);
    ref = path = NULL;
    if ((rc = ctrt__docker_container(&p->docker, &ref, id, attempt > 0)) < 0)
      goto done;
    if ((path = ctrt__sprintf("/containers/%s%s", ref, suffix)) == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
    rc = podman_send(p, call, path, body, method, out);
    if (rc != CTRT_ENOT_FOUND || attempt > 0 || !ctrt__docker_container_moved(&p->docker, id, ref))
      goto done;
  }
done:
  ctrt__free(ref);
  ctrt__free(path);
  return rc;
}

/* Whether libpod's exists call (a 204 or a 404, declared ok) found it: 1
 * or 0, or an error. target: the call's request target. */
static int podman_exists(ctrt__podman *p, const ctrt__podman_call *call, const char *target, const char *method) {
  ctrt__http_response *resp = NULL;
  int rc;
  if ((rc = podman_send(p, call, target, NULL, method, &resp)) < 0)
    goto done;
  rc = resp->status == 204;
done:
  ctrt__http_response_free(resp);
  return rc;
}

/* Whether the container named name exists (libpod's exists of the
 * method's declared call). */
static int container_exists(ctrt__podman *p, const ctrt_container_id *id, const ctrt__podman_call *call,
                            int (*target)(char **, const char *), const char *method) {
  char *name = NULL, *path = NULL;
  int rc;
  if ((name = ctrt__docker_container_name(id)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = target(&path, name)) < 0)
    goto done;
  rc = podman_exists(p, call, path, method);
done:
  ctrt__free(path);
  ctrt__free(name);
  return rc;
}

/* The container's State.Status ("running", "paused", ...) into buf; "" when
 * it cannot be read (the caller then keeps its own error). */
static void container_status(ctrt__podman *p, const ctrt_container_id *id, char *buf, size_t cap) {
  buf[0] = '\0';
  json_t *inspect = NULL;
  if (ctrt__docker_inspect_container(&p->docker, id, "inspect", &inspect) == 0) {
    const char *status = json_string_value(json_object_get(json_object_get(inspect, "State"), "Status"));
    snprintf(buf, cap, "%s", status ? status : "");
  }
  json_decref(inspect);
}

/* A compat call failed with 500, which Podman 4.3 answers for every state
 * conflict (Docker: 409). When the container's state is one the call cannot
 * act on (conflicts_with names it, or "!running": any state but running),
 * it is the interface's conflict; any other 500 stays as it was. */
static int reclassify_conflict(ctrt__podman *p, int rc, const ctrt_container_id *id, const char *conflicts_with,
                               const char *method) {
  const ctrt_error *e = ctrt_error_last();
  if (rc >= 0 || e->http_status != 500)
    return rc;
  ctrt_error saved = *e;
  char message[CTRT__ERROR_MESSAGE_MAX];
  snprintf(message, sizeof message, "%s", saved.message);
  char state[32];
  container_status(p, id, state, sizeof state);
  bool conflict = state[0] != '\0' && (strcmp(conflicts_with, "!running") == 0 ? strcmp(state, "running") != 0
                                                                               : strcmp(state, conflicts_with) == 0);
  if (conflict)
    return ctrt__error_set(CTRT_ERROR_CONFLICT, 500, "%s: the container is %s: %s", method, state, message);
  return ctrt__error_set(saved.kind, saved.http_status, "%s", message);
}

/* ---- containers ---- */

static int podman_pull_image_with_policy(void *self, const char *image, ctrt_pull_policy policy,
                                         const ctrt_registry_auth *auth, ctrt_source_policy source_policy);

/* The pull goes through podman_pull_image_with_policy, so a missing image's
 * error has its registry kind (4.3.1 answers 200 and puts the error in the
 * stream, see reclassify_pull). */
static int podman_create_container(void *self, const ctrt_container_id *id, const ctrt_service_spec *spec) {
  ctrt__podman *p = self;
  if (podman_pull_image_with_policy(self, spec->image.name, spec->image.pull_policy, NULL,
                                    CTRT_SOURCE_POLICY_LOCAL_FIRST) < 0)
    return ctrt__error_wrap_create_pull(spec->image.name, ctrt_pull_policy_to_string(spec->image.pull_policy));
  int rc = ctrt__docker_create_only(self, id, spec);
  const ctrt_error *e = ctrt_error_last();
  if (rc != CTRT_ECREATE_FAILED || e->http_status != 500)
    return rc;
  /* 4.3.1 answers 500 "...: the container name \"x\" is already in use"
   * (Docker: 409): libpod says whether the name exists. */
  ctrt_error saved = *e;
  char message[CTRT__ERROR_MESSAGE_MAX];
  snprintf(message, sizeof message, "%s", saved.message);
  int exists = container_exists(p, id, ctrt__podmancall_create_container_container_exists_libpod(),
                                ctrt__podmanreq_create_container_container_exists_libpod, "create_container");
  if (exists == 1)
    return ctrt__error_set(CTRT_ERROR_CONFLICT, 500, "create_container: the name is in use: %s", message);
  return ctrt__error_set(saved.kind, saved.http_status, "%s", message);
}

/* Kill or pause of a container that is not running: 500 (4.3.1; Docker:
 * 409); pause twice: 500 too (Docker: 409). */
static int podman_kill_container(void *self, const ctrt_container_id *id, const char *signal) {
  return reclassify_conflict(self, ctrt__docker_ops.kill_container(self, id, signal), id, "!running", "kill_container");
}

static int podman_pause_container(void *self, const ctrt_container_id *id) {
  return reclassify_conflict(self, ctrt__docker_ops.pause_container(self, id), id, "!running", "pause_container");
}

/* Exec sessions on a container that is not running: 500 (4.3.1; Docker:
 * 409). */
static int podman_exec(void *self, ctrt_exec_result **out, const ctrt_container_id *id, const char *const *argv,
                       size_t n_argv) {
  return reclassify_conflict(self, ctrt__docker_ops.exec(self, out, id, argv, n_argv), id, "!running", "exec");
}

static int podman_exec_with_opts(void *self, ctrt_exec_result **out, const ctrt_container_id *id,
                                 const ctrt_exec_options *options) {
  return reclassify_conflict(self, ctrt__docker_ops.exec_with_opts(self, out, id, options), id, "!running",
                             "exec_with_opts");
}

static int podman_exec_stream(void *self, ctrt_exec_event_stream **out, const ctrt_container_id *id,
                              const char *const *argv, size_t n_argv) {
  return reclassify_conflict(self, ctrt__docker_ops.exec_stream(self, out, id, argv, n_argv), id, "!running",
                             "exec_stream");
}

/* A session that attaches no stream: Podman refuses to start it attached
 * (4.3.1: 500 "must provide at least one stream to attach to"), and a
 * detached start never records the exit (exec inspect keeps Running true).
 * So stdout is attached and what comes is dropped: the caller asked for no
 * output, reads end when the process does. */
static int quiet_write(void *state, const void *data, size_t len) {
  return ctrt_exec_handle_write(state, data, len); /* no stdin attached: it goes nowhere, as with Docker */
}

static int quiet_read(void *state, ctrt_log_channel *channel, void *buf, size_t cap, size_t *n_read) {
  int rc;
  while ((rc = ctrt_exec_handle_read(state, channel, buf, cap, n_read)) == 0) {
  }
  *n_read = 0;
  return rc;
}

static int quiet_close_stdin(void *state) { return ctrt_exec_handle_close_stdin(state); }

static int quiet_resize(void *state, uint16_t rows, uint16_t cols) {
  return ctrt_exec_handle_resize(state, rows, cols);
}

static int quiet_wait(void *state, int32_t *exit_code) { return ctrt_exec_handle_wait(state, exit_code); }

static int quiet_fd(void *state) { return ctrt_exec_handle_fd(state); }

static void quiet_destroy(void *state) { ctrt_exec_handle_free(state); }

static const ctrt__exec_handle_vtable quiet_vtable = {
    .write = quiet_write,
    .read = quiet_read,
    .close_stdin = quiet_close_stdin,
    .resize = quiet_resize,
    .wait = quiet_wait,
    .fd = quiet_fd,
    .destroy = quiet_destroy,
};

static int podman_exec_pty(void *self, ctrt_exec_handle **out, const ctrt_container_id *id,
                           const ctrt_exec_options *options) {
  bool quiet = !options->attach_stdin && !options->attach_stdout && !options->attach_stderr;
  ctrt_exec_options attached = *options;
  attached.attach_stdout = attached.attach_stdout || quiet;
  ctrt_exec_handle *inner = NULL;
  int rc =
      reclassify_conflict(self, ctrt__docker_ops.exec_pty(self, &inner, id, &attached), id, "!running", "exec_pty");
  if (rc < 0 || !quiet) {
    *out = inner;
    return rc;
  }
  return ctrt__exec_handle_new(out, &quiet_vtable, inner);
}

/* The changes of a missing container: 500 "layer not known" (4.3.1;
 * Docker: 404); libpod says whether the container exists. */
static int podman_changes_container(void *self, ctrt_filesystem_change_entry_list **out, const ctrt_container_id *id) {
  ctrt__podman *p = self;
  int rc = ctrt__docker_ops.changes_container(self, out, id);
  if (rc >= 0 || ctrt_error_last()->http_status != 500)
    return rc;
  ctrt_error saved = *ctrt_error_last();
  char message[CTRT__ERROR_MESSAGE_MAX];
  snprintf(message, sizeof message, "%s", saved.message);
  int exists = container_exists(p, id, ctrt__podmancall_changes_container_container_exists_libpod(),
                                ctrt__podmanreq_changes_container_container_exists_libpod, "changes_container");
  /* The caller's container, once: podman's 500 repeats "no such container". */
  if (exists == 0) {
    char *display = NULL;
    if ((rc = ctrt_container_id_format(&display, id)) < 0)
      return rc;
    rc = ctrt__error_set(CTRT_ERROR_NOT_FOUND, 404, "changes_container: %s: not found: no such container", display);
    ctrt__free(display);
    return rc;
  }
  return ctrt__error_set(saved.kind, saved.http_status, "%s", message);
}

/* ---- top ---- */

/* ps's column names (the interface's ps_args are ps options, as Docker runs
 * ps on the host) as psgo descriptors of libpod's top, with ps's titles.
 * The h- descriptors read the host's view (pids, users), as ps on the host
 * does; psgo has no host ppid, so PPID is not offered. */
static const struct {
  const char *ps, *descriptor, *title;
} ps_columns[] = {
    {"pid", "hpid", "PID"},
    {"user", "huser", "USER"},
    {"uid", "huser", "UID"},
    {"group", "hgroup", "GROUP"},
    {"c", "pcpu", "C"},
    {"pcpu", "pcpu", "%CPU"},
    {"%cpu", "pcpu", "%CPU"},
    {"vsz", "vsz", "VSZ"},
    {"rss", "rss", "RSS"},
    {"tty", "tty", "TTY"},
    {"stat", "state", "STAT"},
    {"stime", "stime", "STIME"},
    {"start", "stime", "START"},
    {"time", "time", "TIME"},
    {"etime", "etime", "ELAPSED"},
    {"args", "args", "COMMAND"},
    {"command", "args", "COMMAND"},
    {"cmd", "args", "CMD"},
    {"comm", "comm", "COMMAND"},
    {"nice", "nice", "NI"},
    {"ni", "nice", "NI"},
    {"pgid", "pgid", "PGID"},
};

/* The columns of Docker's default (ps -ef) and of "ps aux", as far as psgo
 * has them (no PPID, no %MEM). */
#define PS_EF_COLUMNS "uid,pid,c,stime,tty,time,cmd"
#define PS_AUX_COLUMNS "user,pid,pcpu,vsz,rss,tty,stat,start,time,command"

/* The ps column list that ps_args ask for: the -ef and BSD aux forms, and
 * -o LIST; NULL for anything else (then Podman's own handling applies). */
static const char *ps_column_list(const char *args, char *buf, size_t cap) {
  if (args[0] == '\0' || strcmp(args, "-ef") == 0 || strcmp(args, "-e") == 0 || strcmp(args, "-f") == 0 ||
      strcmp(args, "ef") == 0)
    return PS_EF_COLUMNS;
  const char *opts = args[0] == '-' ? args + 1 : args;
  size_t n = strspn(opts, "aux");
  if (n > 0 && opts[n] == '\0' && strchr(opts, 'u') != NULL)
    return PS_AUX_COLUMNS;
  /* -o LIST, -eo LIST, axo LIST */
  n = strspn(opts, "aex");
  if (opts[n] != 'o')
    return NULL;
  const char *list = opts + n + 1;
  list += strspn(list, " ");
  if (list[0] == '\0' || strchr(list, ' ') != NULL || (size_t)snprintf(buf, cap, "%s", list) >= cap)
    return NULL;
  return buf;
}

/* The psgo descriptors and titles of a ps column list ("name" or
 * "name=TITLE" items); 0, or 1 when a name has no psgo counterpart. */
static int ps_descriptors(char **descriptors, json_t **titles, const char *list) {
  *descriptors = NULL;
  *titles = json_array();
  char *copy = ctrt__strdup(list);
  char *save = NULL;
  int rc = 0;
  if (copy == NULL || *titles == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    char *title = strchr(item, '=');
    if (title != NULL)
      *title++ = '\0';
    size_t i = 0;
    while (i < sizeof ps_columns / sizeof ps_columns[0] && strcasecmp(ps_columns[i].ps, item) != 0)
      i++;
    if (i == sizeof ps_columns / sizeof ps_columns[0]) {
      rc = 1;
      goto done;
    }
    char *joined = *descriptors ? ctrt__sprintf("%s,%s", *descriptors, ps_columns[i].descriptor)
                                : ctrt__strdup(ps_columns[i].descriptor);
    ctrt__free(*descriptors);
    *descriptors = joined;
    if (joined == NULL ||
        json_array_append_new(*titles, json_string(title && title[0] ? title : ps_columns[i].title)) < 0) {
      rc = ctrt__error_no_memory();
      goto done;
    }
  }
done:
  ctrt__free(copy);
  if (rc != 0) {
    ctrt__free(*descriptors);
    *descriptors = NULL;
    json_decref(*titles);
    *titles = NULL;
  }
  return rc;
}

/* libpod's top with psgo descriptors, its titles replaced by ps's. */
static int libpod_top(ctrt__podman *p, ctrt_container_top_output **out, const ctrt_container_id *id,
                      const char *descriptors, json_t *titles) {
  ctrt_container_top_output *value = NULL;
  ctrt__http_response *resp = NULL;
  json_t *json = NULL;
  char *suffix = NULL;
  int rc;
  if ((rc = ctrt__podmanreq_top_container_container_top_libpod(&suffix, descriptors)) < 0 ||
      (rc = podman_container_send(p, ctrt__podmancall_top_container_container_top_libpod(), id, suffix, NULL,
                                  "top_container", &resp)) < 0 ||
      (rc = ctrt__docker_parse_body(&json, resp, "top_container")) < 0)
    goto done;
  /* psgo's titles are its descriptors' (HPID, HUSER): give ps's. */
  if (json_array_size(json_object_get(json, "Titles")) != json_array_size(titles)) {
    rc = ctrt__error_internal("top_container: unexpected answer from the daemon: $.Titles: %zu titles for %zu "
                              "columns asked",
                              json_array_size(json_object_get(json, "Titles")), json_array_size(titles));
    goto done;
  }
  if (json_object_set(json, "Titles", titles) < 0 || (value = ctrt__malloc(sizeof *value)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if (ctrt__docker_dec_container_top_output(value, json, NULL) < 0) {
    ctrt__free(value);
    rc = ctrt__docker_bad_answer("top_container");
    goto done;
  }
  *out = value;
done:
  json_decref(json);
  ctrt__http_response_free(resp);
  ctrt__free(suffix);
  return rc;
}

/* Podman's compat top runs ps inside the container (busybox's ps comes back
 * as one unsplit column, container pids); libpod's top with psgo
 * descriptors reads the processes from the host, as Docker's ps does. */
static int podman_top_container(void *self, ctrt_container_top_output **out, const ctrt_container_id *id,
                                const char *const *ps_args, size_t n_ps_args) {
  ctrt__podman *p = self;
  char *args = ctrt__strdup("");
  for (size_t i = 0; args != NULL && i < n_ps_args; i++) {
    char *joined = ctrt__sprintf("%s%s%s", args, i > 0 ? " " : "", ps_args[i] ? ps_args[i] : "");
    ctrt__free(args);
    args = joined;
  }
  CTRT__CHECK_ALLOC(args);
  char buf[256];
  const char *list = ps_column_list(args, buf, sizeof buf);
  ctrt__free(args);
  char *descriptors = NULL;
  json_t *titles = NULL;
  int rc = list ? ps_descriptors(&descriptors, &titles, list) : 1;
  bool psgo_gives_all = rc == 0;
  if (rc == 1) /* ps options psgo cannot give: Podman runs ps in the container */
    rc = ctrt__docker_ops.top_container(self, out, id, ps_args, n_ps_args);
  else if (psgo_gives_all)
    rc = libpod_top(p, out, id, descriptors, titles);
  ctrt__free(descriptors);
  json_decref(titles);
  /* A container that is not running: 200 with no body (4.3.1; Docker: 409). */
  if (rc != CTRT_EINTERNAL || ctrt_error_last()->http_status != 0)
    return rc;
  return reclassify_conflict(p, ctrt__error_set(CTRT_ERROR_INTERNAL, 500, "%s", ctrt_error_last()->message), id,
                             "!running", "top_container");
}

/* The path-stat header names the path itself as linkTarget of regular files
 * and directories (4.3.1); only a symlink has a link target. */
static int podman_archive_head(void *self, ctrt_path_stat **out, const ctrt_container_id *id, const char *path) {
  int rc;
  if ((rc = ctrt__docker_ops.archive_head(self, out, id, path)) < 0)
    return rc;
  if ((*out)->link_target != NULL && ((*out)->mode & 0170000) != 0120000) {
    ctrt__free((*out)->link_target);
    (*out)->link_target = NULL;
  }
  return rc;
}

/* A wait on a container that never ran answers StatusCode -1 (4.3.1; Docker
 * 0): the exit code is then the one the container's state records. */
static int podman_wait_container(void *self, int32_t *out, const ctrt_container_id *id) {
  ctrt__podman *p = self;
  int rc = ctrt__docker_ops.wait_container(self, out, id);
  if (rc < 0 || *out != -1)
    return rc;
  json_t *inspect = NULL;
  if ((rc = ctrt__docker_inspect_container(&p->docker, id, "wait_container", &inspect)) < 0)
    goto done;
  const json_t *code = json_object_get(json_object_get(inspect, "State"), "ExitCode");
  if (json_is_integer(code))
    *out = (int32_t)json_integer_value(code);
done:
  json_decref(inspect);
  return rc;
}

/* The exit code of the container's last "died" event in libpod's event
 * log (attribute containerExitCode, a string: "137"): 1 with *code, 0 when
 * it has none. */
static int died_exit_code(ctrt__podman *p, const char *container_id, int64_t *code, const char *method) {
  ctrt__http_response *resp = NULL;
  char *path = NULL;
  int rc, found = 0;
  if ((rc = ctrt__podmanreq_wait_outcome_with_condition_system_events_libpod(&path, container_id)) < 0 ||
      (rc = podman_send(p, ctrt__podmancall_wait_outcome_with_condition_system_events_libpod(), path, NULL, method,
                        &resp)) < 0)
    goto done;
  /* One JSON object per event, oldest first. */
  for (size_t at = 0; at < resp->body_len;) {
    const char *line = resp->body + at;
    const char *nl = memchr(line, '\n', resp->body_len - at);
    size_t len = nl ? (size_t)(nl - line) : resp->body_len - at;
    at += len + 1;
    json_t *event = len > 0 ? json_loadb(line, len, 0, NULL) : NULL;
    const char *value = json_string_value(
        json_object_get(json_object_get(json_object_get(event, "Actor"), "Attributes"), "containerExitCode"));
    char *end = NULL;
    long long parsed = value ? strtoll(value, &end, 10) : 0;
    if (value && end != value && *end == '\0' && parsed >= INT32_MIN && parsed <= INT32_MAX) {
      *code = parsed;
      found = 1;
    }
    json_decref(event);
  }
done:
  ctrt__http_response_free(resp);
  ctrt__free(path);
  return rc < 0 ? rc : found;
}

/* Podman's wait for condition removed answers StatusCode 0 once a forced
 * remove took the container (4.3.1; Docker: the exit code, 137), and a
 * wait for not-running that the removal overtakes answers 0 with an Error
 * too. The container's "died" event keeps its exit code: wait for the
 * removal, then read it from libpod's event log. */
static int podman_wait_outcome_with_condition(void *self, ctrt_wait_outcome **out, const ctrt_container_id *id,
                                              ctrt_wait_condition condition) {
  ctrt__podman *p = self;
  if (condition != CTRT_WAIT_CONDITION_REMOVED)
    return ctrt__docker_ops.wait_outcome_with_condition(self, out, id, condition);
  ctrt_wait_outcome *removed = NULL;
  json_t *inspect = NULL, *wait = NULL;
  char *container_id = NULL;
  int64_t code = 0;
  int rc, died;
  if ((rc = ctrt__docker_inspect_container(&p->docker, id, "wait_outcome_with_condition", &inspect)) < 0)
    goto done;
  if ((container_id = ctrt__strdup(json_string_value(json_object_get(inspect, "Id")))) == NULL) {
    rc = ctrt__error_internal("wait_outcome_with_condition: the container's inspect has no Id");
    goto done;
  }
  if ((rc = ctrt__docker_ops.wait_outcome_with_condition(self, &removed, id, CTRT_WAIT_CONDITION_REMOVED)) < 0 ||
      (rc = died = died_exit_code(p, container_id, &code, "wait_outcome_with_condition")) < 0)
    goto done;
  if (died == 1) {
    /* The outcome the wait would have given with the died event's code. */
    ctrt_wait_outcome_free(removed);
    removed = NULL;
    if ((wait = json_pack("{s:I}", "StatusCode", (json_int_t)code)) == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
    if ((rc = ctrt__docker_wait_classify(&removed, wait, NULL)) < 0)
      goto done;
  }
  *out = removed;
  removed = NULL;
  rc = 0;
done:
  ctrt_wait_outcome_free(removed);
  json_decref(wait);
  json_decref(inspect);
  ctrt__free(container_id);
  return rc;
}

/* Podman 4.3's compat API has no container update (a router 404); libpod's
 * POST /containers/{name}/update changes the cgroup resources (its body an
 * OCI LinuxResources, declared in the spec). */
static int podman_update_container_resources(void *self, ctrt_container_update_outcome **out,
                                             const ctrt_container_id *id,
                                             const ctrt_container_resource_update *update) {
  ctrt__podman *p = self;
  if (update->restart_policy != NULL) {
    const ctrt_container_restart_policy_update *rp = update->restart_policy;
    if (rp->has_maximum_retry_count && rp->maximum_retry_count < 0)
      return ctrt__error_set(CTRT_ERROR_INVALID_SPEC, 0,
                             "update_container_resources: a negative maximum retry count (%" PRId64 ")",
                             (int64_t)rp->maximum_retry_count);
    return ctrt__error_set(CTRT_ERROR_INVALID_SPEC, 0,
                           "update_container_resources: this Podman (%s) cannot change a container's restart "
                           "policy (libpod's update takes cgroup resources only)",
                           p->libpod);
  }
  ctrt_container_update_outcome *o = NULL;
  ctrt__http_response *resp = NULL;
  char *suffix = NULL, *body = NULL;
  int rc;
  /* The runtime refuses resources it cannot apply with 500 (4.3.1; Docker:
   * 400): declared invalid_spec. */
  if ((rc = ctrt__podmanreq_update_container_resources_container_update_libpod(&suffix)) < 0 ||
      (rc = ctrt__podmanreq_update_container_resources_container_update_libpod_body(&body, update)) < 0 ||
      (rc = podman_container_send(p, ctrt__podmancall_update_container_resources_container_update_libpod(), id, suffix,
                                  body, "update_container_resources", &resp)) < 0)
    goto done;
  /* libpod reports no warnings. */
  if ((o = ctrt__malloc(sizeof *o)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  *o = (ctrt_container_update_outcome)CTRT_CONTAINER_UPDATE_OUTCOME_INIT;
  *out = o;
done:
  ctrt__http_response_free(resp);
  ctrt__free(suffix);
  ctrt__free(body);
  return rc;
}

/* ---- images ---- */

/* ---- pulls ---- */

/* Podman answers every pull with 200 and reports a failure as an error line
 * in the stream (4.3.1; Docker: 404 before streaming for a missing
 * manifest). The line carries the registry's error as containers/image
 * renders an OCI distribution error: the code in lower case with spaces
 * ("manifest unknown" for MANIFEST_UNKNOWN), ": ", its message. These
 * protocol codes say what the registry lacks; other failures stay
 * pull_failed. */
static const struct {
  const char *code;
  ctrt_error_kind kind;
} registry_codes[] = {
    {"manifest unknown", CTRT_ERROR_NOT_FOUND}, /* MANIFEST_UNKNOWN: no such tag or digest */
    {"name unknown", CTRT_ERROR_NOT_FOUND},     /* NAME_UNKNOWN: no such repository */
};

/* The kind of the registry error code in a pull failure, or NONE. */
static ctrt_error_kind registry_error_kind(const char *message) {
  for (size_t i = 0; i < sizeof registry_codes / sizeof registry_codes[0]; i++) {
    size_t n = strlen(registry_codes[i].code);
    for (const char *at = strstr(message, registry_codes[i].code); at; at = strstr(at + 1, registry_codes[i].code))
      if ((at == message || (at - message >= 2 && at[-2] == ':' && at[-1] == ' ')) && (at[n] == ':' || at[n] == '\0'))
        return registry_codes[i].kind;
  }
  return CTRT_ERROR_NONE;
}

/* rc of a pull: a failure inside the stream (no HTTP status) that names a
 * registry error code takes that code's kind. */
static int reclassify_pull(int rc) {
  const ctrt_error *e = ctrt_error_last();
  if (rc != CTRT_EPULL_FAILED || e->http_status != 0)
    return rc;
  ctrt_error_kind kind = registry_error_kind(e->message);
  if (kind == CTRT_ERROR_NONE)
    return rc;
  char message[CTRT__ERROR_MESSAGE_MAX];
  snprintf(message, sizeof message, "%s", e->message);
  return ctrt__error_set(kind, 0, "%s", message);
}

/* Pull errors arrive inside a 200 stream (4.3.1: a missing tag gives 200,
 * then {"error": "... manifest unknown"}; Docker: 404 before streaming). */
static int podman_pull_image(void *self, const char *image) {
  return reclassify_pull(ctrt__docker_ops.pull_image(self, image));
}

static int podman_pull_image_with_policy(void *self, const char *image, ctrt_pull_policy policy,
                                         const ctrt_registry_auth *auth, ctrt_source_policy source_policy) {
  return reclassify_pull(ctrt__docker_ops.pull_image_with_policy(self, image, policy, auth, source_policy));
}

/* A stream over one of the Docker half's streams: next passes each result
 * through fix (when set); the stream owns the upload source the inner one
 * reads (when set), freed after it. */
typedef struct wrapped_stream {
  ctrt__stream *inner;
  int (*fix)(int rc);
  ctrt_byte_source *upload;
  void *upload_ctx;
} wrapped_stream;

static int wrapped_next(void *impl, void **item) {
  wrapped_stream *w = impl;
  int rc = ctrt__stream_next(item, w->inner);
  return rc == CTRT_ITEROVER || w->fix == NULL ? rc : w->fix(rc);
}

static void wrapped_cancel(void *impl) { ctrt__stream_cancel(((wrapped_stream *)impl)->inner); }

static void wrapped_destroy(void *impl) {
  wrapped_stream *w = impl;
  ctrt__stream_close(w->inner);
  ctrt_byte_source_free(w->upload);
  ctrt__free(w->upload_ctx);
  ctrt__free(w);
}

static const ctrt__stream_vtable wrapped_vtable = {
    .next = wrapped_next,
    .cancel = wrapped_cancel,
    .destroy = wrapped_destroy,
};

/* Wrap inner (a typed stream with item_free); takes inner, upload and
 * upload_ctx, also on failure. */
static int wrap_stream(ctrt__stream **out, ctrt__stream *inner, void (*item_free)(void *), int (*fix)(int),
                       ctrt_byte_source *upload, void *upload_ctx) {
  wrapped_stream *w = ctrt__calloc(1, sizeof *w);
  if (w == NULL) {
    ctrt__stream_close(inner);
    ctrt_byte_source_free(upload);
    ctrt__free(upload_ctx);
    return ctrt__error_no_memory();
  }
  *w = (wrapped_stream){.inner = inner, .fix = fix, .upload = upload, .upload_ctx = upload_ctx};
  return ctrt__stream_new(out, &wrapped_vtable, w, item_free);
}

static int podman_pull_image_stream(void *self, ctrt_pull_progress_stream **out, const char *image,
                                    const ctrt_registry_auth *auth) {
  ctrt_pull_progress_stream *inner = NULL;
  int rc = ctrt__docker_ops.pull_image_stream(self, &inner, image, auth);
  if (rc < 0)
    return reclassify_pull(rc);
  ctrt__stream *stream = NULL;
  rc = wrap_stream(&stream, (ctrt__stream *)inner, ctrt__pull_progress_stream_item_free, reclassify_pull, NULL, NULL);
  *out = (ctrt_pull_progress_stream *)stream;
  return rc;
}

/* ---- load ---- */

/* The head of an upload, read to look at, then given again before the
 * rest. */
typedef struct peeked {
  ctrt_byte_source *rest;
  uint8_t head[512];
  size_t len, off;
} peeked;

static int peeked_read(void *ctx, void *buf, size_t cap, size_t *n_read) {
  peeked *pk = ctx;
  if (pk->off < pk->len) {
    size_t n = pk->len - pk->off < cap ? pk->len - pk->off : cap;
    memcpy(buf, pk->head + pk->off, n);
    pk->off += n;
    *n_read = n;
    return 0;
  }
  return ctrt_byte_source_read(pk->rest, buf, cap, n_read);
}

/* Whether head starts an archive a load can take: a tar header (its
 * checksum holds) or a compressed stream (gzip, bzip2, xz, zstd). */
static bool archive_head(const uint8_t *h, size_t len) {
  static const struct {
    const char *magic;
    size_t n;
  } compressed[] = {{"\x1f\x8b", 2},
                    {"BZh", 3},
                    {"\xfd"
                     "7zXZ\x00",
                     6},
                    {"\x28\xb5\x2f\xfd", 4}};
  for (size_t i = 0; i < sizeof compressed / sizeof compressed[0]; i++)
    if (len >= compressed[i].n && memcmp(h, compressed[i].magic, compressed[i].n) == 0)
      return true;
  if (len < 512)
    return false;
  /* The checksum field (148, 8 octal digits) sums the header with the
   * field itself taken as spaces. */
  unsigned long want = 0, sum = 0;
  size_t i = 148;
  while (i < 156 && h[i] == ' ')
    i++;
  for (; i < 156 && h[i] >= '0' && h[i] <= '7'; i++)
    want = want * 8 + (unsigned long)(h[i] - '0');
  for (i = 0; i < 512; i++)
    sum += i >= 148 && i < 156 ? (unsigned long)' ' : h[i];
  return sum == want && sum != 8UL * ' ';
}

/* Podman answers a load of something that is no image archive with 500
 * before streaming (4.3.1; Docker: 200, then an error line, invalid_spec):
 * a payload that is not even a tar (plain or compressed) is refused here
 * as invalid_spec; one that is goes to Podman as it came. */
static int podman_load_images(void *self, ctrt_load_progress_stream **out, ctrt_byte_source *tar, bool quiet) {
  peeked *pk = ctrt__calloc(1, sizeof *pk);
  CTRT__CHECK_ALLOC(pk);
  pk->rest = tar;
  ctrt_load_progress_stream *inner = NULL;
  ctrt_byte_source *joined = NULL;
  int rc = 0;
  while (pk->len < sizeof pk->head) {
    size_t n = 0;
    if ((rc = ctrt_byte_source_read(tar, pk->head + pk->len, sizeof pk->head - pk->len, &n)) < 0)
      break;
    pk->len += n;
  }
  if (rc == CTRT_ITEROVER) {
    ctrt_error_clear();
    rc = 0;
  }
  if (rc < 0)
    goto fail;
  if (!archive_head(pk->head, pk->len)) {
    rc = ctrt__error_set(CTRT_ERROR_INVALID_SPEC, 0,
                         "load_images: the payload is no tar archive (plain, gzip, bzip2, xz or zstd): an image "
                         "archive is one (from save_images or docker save)");
    goto fail;
  }
  if ((rc = ctrt_byte_source_from_callback(&joined, peeked_read, pk)) < 0 ||
      (rc = ctrt__docker_ops.load_images(self, &inner, joined, quiet)) < 0)
    goto fail;
  /* The stream owns joined and pk from here, also on failure. */
  ctrt__stream *stream = NULL;
  rc = wrap_stream(&stream, (ctrt__stream *)inner, ctrt__load_progress_stream_item_free, NULL, joined, pk);
  *out = (ctrt_load_progress_stream *)stream;
  return rc;
fail:
  ctrt_byte_source_free(joined);
  ctrt__free(pk);
  return rc;
}

/* Podman ignores the tag of an import (it creates repo:latest, 4.3.1): import
 * untagged, then tag the image the daemon named. */
static int podman_import_image(void *self, char **out, ctrt_byte_source *tar, const char *repo, const char *tag) {
  char *image = NULL;
  int rc = ctrt__docker_import_image(self, &image, tar, NULL, NULL);
  if (rc < 0 || ctrt__docker_blank(repo)) {
    *out = image;
    return rc;
  }
  char *ref = ctrt__sprintf("%s:%s", repo, ctrt__docker_blank(tag) ? "latest" : tag);
  rc = ref ? ctrt__docker_ops.tag_image(self, image, ref) : ctrt__error_no_memory();
  ctrt__free(image);
  if (rc < 0) {
    ctrt__free(ref);
    return rc;
  }
  *out = ref;
  return 0;
}

/* GET /images/get of a missing image answers 500 (4.3.1; Docker: 404): name
 * the missing one as not found, asking libpod whether each exists. */
static int podman_save_images(void *self, ctrt_image_export_stream **out, const char *const *names, size_t n_names) {
  ctrt__podman *p = self;
  for (size_t i = 0; i < n_names; i++) {
    char *path = NULL;
    int rc;
    if ((rc = ctrt__podmanreq_save_images_image_exists_libpod(&path, names[i])) < 0 ||
        (rc = podman_exists(p, ctrt__podmancall_save_images_image_exists_libpod(), path, "save_images")) < 0) {
      ctrt__free(path);
      return rc;
    }
    ctrt__free(path);
    bool exists = rc > 0;
    if (!exists)
      return ctrt__error_set(CTRT_ERROR_NOT_FOUND, 404, "save_images: no such image: %s", names[i]);
  }
  return ctrt__docker_ops.save_images(self, out, names, n_names);
}

/* A search result of libpod's shape. */
static int search_result(ctrt_image_search_result *r, const json_t *item, size_t index) {
  *r = (ctrt_image_search_result)CTRT_IMAGE_SEARCH_RESULT_INIT;
  const char *name = json_string_value(json_object_get(item, "Name"));
  if (name == NULL)
    return ctrt__error_internal("search_images: unexpected answer from the daemon: $[%zu].Name: missing or not a "
                                "string",
                                index);
  const char *description = json_string_value(json_object_get(item, "Description"));
  const json_t *stars = json_object_get(item, "Stars");
  /* Official and Automated are "[OK]" or "" (strings, 4.3.1). */
  const char *official = json_string_value(json_object_get(item, "Official"));
  const char *automated = json_string_value(json_object_get(item, "Automated"));
  /* Name is "{Index}/{repository}"; the interface's name is the
   * repository, as a v1 search gives it. */
  const char *index_name = json_string_value(json_object_get(item, "Index"));
  size_t n = index_name ? strlen(index_name) : 0;
  if (n > 0 && strncmp(name, index_name, n) == 0 && name[n] == '/')
    name += n + 1;
  r->name = ctrt__strdup(name);
  r->description = ctrt__strdup(description ? description : "");
  r->star_count = json_is_integer(stars) && json_integer_value(stars) > 0 ? (uint64_t)json_integer_value(stars) : 0;
  r->official = official != NULL && official[0] != '\0';
  r->automated = automated != NULL && automated[0] != '\0';
  return r->name && r->description ? 0 : ctrt__error_no_memory();
}

/* A declared call's JSON answer: target is its request target (NULL when
 * making it failed), *out the parsed body. */
static int podman_json(ctrt__podman *p, const ctrt__podman_call *call, char *target, const char *method, json_t **out) {
  *out = NULL;
  ctrt__http_response *resp = NULL;
  int rc;
  if (target == NULL)
    return ctrt__error_code();
  if ((rc = podman_send(p, call, target, NULL, method, &resp)) == 0)
    rc = ctrt__docker_parse_body(out, resp, method);
  ctrt__http_response_free(resp);
  return rc;
}

/* The compat search answers in libpod's shape (4.3.1: Official and
 * Automated as "[OK]" strings, Name with the index); ask libpod for it, and
 * decode that shape strictly. */
static int podman_search_images(void *self, ctrt_image_search_result_list **out, const char *term, uint32_t limit) {
  ctrt__podman *p = self;
  ctrt_image_search_result_list *list = NULL;
  json_t *json = NULL;
  char *path = NULL;
  int rc;
  if ((rc = ctrt__podmanreq_search_images_image_search_libpod(&path, term, limit)) < 0 ||
      (rc = podman_json(p, ctrt__podmancall_search_images_image_search_libpod(), path, "search_images", &json)) < 0)
    goto done;
  if (!json_is_array(json)) {
    rc = ctrt__error_internal("search_images: unexpected answer from the daemon: $: expected an array, got %s",
                              ctrt__json_type_name(json));
    goto done;
  }
  size_t n = json_array_size(json);
  if ((list = ctrt__calloc(1, sizeof *list)) == NULL ||
      (n > 0 && (list->items = ctrt__calloc(n, sizeof *list->items)) == NULL)) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    list->n_items = i + 1;
    if ((rc = search_result(&list->items[i], json_array_get(json, i), i)) < 0)
      goto done;
  }
  *out = list;
  list = NULL;
done:
  ctrt_image_search_result_list_free(list);
  json_decref(json);
  ctrt__free(path);
  return rc;
}

/* Whether a running container uses the image whose id is want: the running
 * containers (compat list, running only) and their images, since 4.3.1's
 * ancestor filter does not match an image id. */
static int used_by_running(ctrt__podman *p, const char *image, const char *want) {
  json_t *running = NULL;
  char *path = NULL;
  int rc;
  if ((rc = ctrt__podmanreq_remove_image_container_list(&path)) < 0 ||
      (rc = podman_json(p, ctrt__podmancall_remove_image_container_list(), path, "remove_image", &running)) < 0)
    goto done;
  size_t i;
  const json_t *c;
  json_array_foreach(running, i, c) {
    char *used = NULL;
    if ((rc = ctrt__docker_image_id(&used, json_string_value(json_object_get(c, "ImageID")))) < 0)
      goto done;
    bool same = used != NULL && strcmp(used, want) == 0;
    ctrt__free(used);
    if (same) {
      rc = ctrt__error_set(CTRT_ERROR_CONFLICT, 0, "remove_image: %s is used by a running container", image);
      goto done;
    }
  }
done:
  json_decref(running);
  ctrt__free(path);
  return rc;
}

/* Whether a removal of image must be refused as the interface says (a
 * running container uses it, even forced; an id naming an image with
 * several tags, unforced), from the image's and containers' state: libpod
 * removes the containers when forced, and answers 500 for the tags. */
static int remove_conflict(ctrt__podman *p, const char *image, bool force) {
  json_t *info = NULL;
  char *path = NULL, *want = NULL;
  int rc;
  if ((rc = ctrt__podmanreq_remove_image_image_inspect(&path, image)) == 0)
    rc = podman_json(p, ctrt__podmancall_remove_image_image_inspect(), path, "remove_image", &info);
  if (rc == CTRT_ENOT_FOUND) {
    ctrt_error_clear();
    rc = 0; /* the removal itself says not found */
    goto done;
  }
  const char *id = json_string_value(json_object_get(info, "Id"));
  if (rc < 0 || id == NULL)
    goto done;
  bool by_id = strcmp(image, id) == 0 || (strncmp(id, "sha256:", 7) == 0 && strcmp(image, id + 7) == 0);
  if (!force && by_id && json_array_size(json_object_get(info, "RepoTags")) > 1) {
    rc = ctrt__error_set(CTRT_ERROR_CONFLICT, 0,
                         "remove_image: %s names an image with several tags: remove a tag, "
                         "or force",
                         image);
    goto done;
  }
  if (!force || (rc = ctrt__docker_image_id(&want, id)) < 0 || want == NULL)
    goto done;
  rc = used_by_running(p, image, want);
done:
  json_decref(info);
  ctrt__free(path);
  ctrt__free(want);
  return rc;
}

/* The compat remove answers 500 where Docker answers 409 (an id naming an
 * image with several tags, without force; 4.3.1); libpod's answers 409. */
static int podman_remove_image(void *self, const char *image, bool force) {
  ctrt__podman *p = self;
  ctrt__http_response *resp = NULL;
  char *path = NULL;
  int rc;
  if ((rc = remove_conflict(p, image, force)) < 0 ||
      (rc = ctrt__podmanreq_remove_image_image_delete_libpod(&path, image, force)) < 0)
    goto done;
  pthread_mutex_lock(&p->image_lock);
  rc = podman_send(p, ctrt__podmancall_remove_image_image_delete_libpod(), path, NULL, "remove_image", &resp);
  pthread_mutex_unlock(&p->image_lock);
done:
  ctrt__http_response_free(resp);
  ctrt__free(path);
  return rc;
}

static int podman_tag_image(void *self, const char *source, const char *target) {
  ctrt__podman *p = self;
  pthread_mutex_lock(&p->image_lock);
  int rc = ctrt__docker_ops.tag_image(self, source, target);
  pthread_mutex_unlock(&p->image_lock);
  return rc;
}

/* The instructions libpod's commit applies (libpod.ChangeCmds, 4.3.1); it
 * answers any other with 500 "invalid change" (Docker: 400). */
static const char *const commit_instructions[] = {"CMD",     "ENTRYPOINT", "ENV",  "EXPOSE", "LABEL",
                                                  "ONBUILD", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"};

/* Commit answers a bare hex id (4.3.1). */
static int podman_commit_container(void *self, ctrt_commit_outcome **out, const ctrt_container_id *id,
                                   const ctrt_commit_options *options) {
  for (size_t i = 0; options->has_changes && i < options->n_changes; i++) {
    const char *change = options->changes[i] ? options->changes[i] : "";
    change += strspn(change, " \t");
    size_t n = strcspn(change, " \t=");
    bool known = false;
    for (size_t k = 0; !known && k < sizeof commit_instructions / sizeof commit_instructions[0]; k++)
      known = strlen(commit_instructions[k]) == n && strncasecmp(change, commit_instructions[k], n) == 0;
    if (!known)
      return ctrt__error_set(CTRT_ERROR_INVALID_SPEC, 0,
                             "commit_container: change %zu (\"%.*s\") is no instruction a commit applies: use CMD, "
                             "ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR",
                             i, (int)n, change);
  }
  char *normal = NULL;
  int rc;
  if ((rc = ctrt__docker_ops.commit_container(self, out, id, options)) < 0 ||
      (rc = ctrt__docker_image_id(&normal, (*out)->id)) < 0)
    return rc;
  if (normal != NULL) {
    ctrt__free((*out)->id);
    (*out)->id = normal;
  }
  return 0;
}

/* History ids come without "sha256:" (4.3.1); give them the interface's form. */
static int podman_image_history(void *self, ctrt_image_history_entry_list **out, const char *image) {
  int rc;
  if ((rc = ctrt__docker_ops.image_history(self, out, image)) < 0)
    return rc;
  for (size_t i = 0; i < (*out)->n_items; i++) {
    char *id = NULL;
    if ((rc = ctrt__docker_image_id(&id, (*out)->items[i].id)) < 0)
      return rc;
    if (id != NULL) {
      ctrt__free((*out)->items[i].id);
      (*out)->items[i].id = id;
    }
  }
  return 0;
}

/* ---- the backend ---- */

/* The Docker table with Podman's replacements, made once when the library
 * loads (ctrt_open copies a backend's table before calling its open). */
static ctrt_backend_ops podman_ops;

__attribute__((constructor)) static void podman_ops_init(void) {
  podman_ops = ctrt__docker_ops;
  podman_ops.create_container = podman_create_container;
  podman_ops.kill_container = podman_kill_container;
  podman_ops.pause_container = podman_pause_container;
  podman_ops.update_container_resources = podman_update_container_resources;
  podman_ops.import_image = podman_import_image;
  podman_ops.save_images = podman_save_images;
  podman_ops.search_images = podman_search_images;
  podman_ops.image_history = podman_image_history;
  podman_ops.remove_image = podman_remove_image;
  podman_ops.tag_image = podman_tag_image;
  podman_ops.wait_container = podman_wait_container;
  podman_ops.wait_outcome_with_condition = podman_wait_outcome_with_condition;
  podman_ops.pull_image = podman_pull_image;
  podman_ops.pull_image_with_policy = podman_pull_image_with_policy;
  podman_ops.pull_image_stream = podman_pull_image_stream;
  podman_ops.load_images = podman_load_images;
  podman_ops.commit_container = podman_commit_container;
  podman_ops.exec = podman_exec;
  podman_ops.exec_with_opts = podman_exec_with_opts;
  podman_ops.exec_stream = podman_exec_stream;
  podman_ops.exec_pty = podman_exec_pty;
  podman_ops.changes_container = podman_changes_container;
  podman_ops.top_container = podman_top_container;
  podman_ops.archive_head = podman_archive_head;
}

static void podman_close(void *self) {
  ctrt__podman *p = self;
  if (p == NULL)
    return;
  ctrt__docker_fini(&p->docker);
  ctrt__free(p->libpod);
  pthread_mutex_destroy(&p->image_lock);
  ctrt__free(p);
}

static int podman_open(void **self, const char *uri, const ctrt_open_options *options) {
  ctrt__podman *p = ctrt__calloc(1, sizeof *p);
  CTRT__CHECK_ALLOC(p);
  pthread_mutex_init(&p->image_lock, NULL);
  const char *env = getenv("CONTAINER_HOST");
  int rc = ctrt__docker_init(&p->docker, uri, env && env[0] ? env : PODMAN_DEFAULT_HOST, "the Podman service", options);
  if (rc < 0) {
    pthread_mutex_destroy(&p->image_lock);
    ctrt__free(p);
    return rc;
  }
  /* It must be Podman: its version names the libpod API (/v4.3.1/libpod). */
  ctrt_engine_info *engine = NULL;
  if ((rc = ctrt__docker_engine(&p->docker, &engine)) < 0)
    goto done;
  if (strcmp(engine->name, "podman") != 0) {
    rc = ctrt__error_configuration("podman: %s answers as %s %s, not Podman (use docker:// for it)",
                                   ctrt__http_client_host(p->docker.client), engine->name, engine->version);
    goto done;
  }
  if (engine->version == NULL) {
    rc = ctrt__error_configuration("podman: the service at %s does not say its version",
                                   ctrt__http_client_host(p->docker.client));
    goto done;
  }
  if ((p->libpod = ctrt__sprintf("/v%s/libpod", engine->version)) == NULL)
    rc = ctrt__error_no_memory();
done:
  ctrt_engine_info_free(engine);
  if (rc < 0) {
    podman_close(p);
    return rc;
  }
  *self = p;
  return 0;
}

const ctrt_backend ctrt__podman_backend = {
    .abi_version = CTRT_BACKEND_ABI_VERSION,
    .name = "podman",
    .open = podman_open,
    .close = podman_close,
    .ops = &podman_ops,
    .ops_size = sizeof podman_ops,
    .engine = ctrt__docker_engine,
};
