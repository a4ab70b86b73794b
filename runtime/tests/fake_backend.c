/* SPDX-License-Identifier: MIT */
/* The fake backend of dispatch_test.c, loaded as a plugin (see
 * fake_backend.h). It uses only the public API, like a backend built
 * outside this repository: the symbols come from the test program. */
#include "fake_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef FAKE_INCOMPLETE
#define FAKE_NAME "fake-incomplete"
#else
#define FAKE_NAME "fake"
#endif

static bool is(const ctrt_container_id *id, const char *service) { return strcmp(id->service, service) == 0; }

static void record(fake_state *st, char **slot, const char *value) {
  pthread_mutex_lock(&st->lock);
  free(*slot);
  *slot = value ? strdup(value) : NULL;
  pthread_mutex_unlock(&st->lock);
}

/* The scripted failures shared by the methods with a result: returns 1 when
 * the method should go on normally, else the value to return. `make` builds
 * a result into *out for "result-and-error" and "stale-error". */
static int misbehave(const ctrt_container_id *id, int *rc, void **out, void *(*make)(void)) {
  if (is(id, "fail-silently")) {
    *rc = CTRT_ENOT_FOUND;
    return 0;
  }
  if (is(id, "fail-loudly")) {
    *rc = ctrt_backend_error(CTRT_ERROR_NOT_FOUND, 404, "no such container: %s", id->service);
    return 0;
  }
  if (is(id, "no-result")) {
    *rc = 0;
    return 0;
  }
  if (is(id, "result-and-error") && out != NULL) {
    *out = make();
    *rc = ctrt_backend_error(CTRT_ERROR_INTERNAL, 500, "failed after producing a result");
    return 0;
  }
  if (is(id, "stale-error"))
    ctrt_backend_error(CTRT_ERROR_CONFLICT, 409, "a recovered problem");
  return 1;
}

static int fake_open(void **self, const char *uri, const ctrt_open_options *options) {
  (void)options;
  fake_state *st = calloc(1, sizeof *st);
  if (st == NULL)
    return ctrt_backend_error(CTRT_ERROR_NO_MEMORY, 0, "out of memory");
  pthread_mutex_init(&st->lock, NULL);
  st->uri = strdup(uri);
  *self = st;
  return 0;
}

static void fake_close(void *self) {
  fake_state *st = self;
  free(st->uri);
  free(st->last_signal);
  free(st->last_new_name);
  free(st->last_term);
  free(st->last_image);
  for (size_t i = 0; i < st->n_last_argv; i++)
    free(st->last_argv[i]);
  free(st->last_argv);
  ctrt_service_spec_free(st->last_spec);
  pthread_mutex_destroy(&st->lock);
  free(st);
}

#define COUNT(self) atomic_fetch_add(&((fake_state *)(self))->calls, 1)

/* ---- images ---- */

static int fake_pull_image(void *self, const char *image) {
  COUNT(self);
  (void)image;
  return 0;
}

static int fake_pull_image_with_policy(void *self, const char *image, ctrt_pull_policy policy,
                                       const ctrt_registry_auth *auth, ctrt_source_policy source_policy) {
  fake_state *st = self;
  COUNT(self);
  (void)auth;
  (void)source_policy;
  record(st, &st->last_image, image);
  st->last_policy = policy;
  if (strcmp(image, "fail/image") == 0)
    return ctrt_backend_error(CTRT_ERROR_PULL_FAILED, 0, "pull of %s failed: denied", image);
  return 0;
}

static int fake_search_images(void *self, ctrt_image_search_result_list **out, const char *term, uint32_t limit) {
  fake_state *st = self;
  COUNT(self);
  (void)limit;
  record(st, &st->last_term, term);
  *out = calloc(1, sizeof **out);
  return 0;
}

static int fake_import_image(void *self, char **out, ctrt_byte_source *tar, const char *repo, const char *tag) {
  COUNT(self);
  (void)tar;
  (void)tag;
  if (repo != NULL && strcmp(repo, "no-result") == 0)
    return 0;
  *out = strdup("sha256:0123");
  return 0;
}

/* ---- lifecycle ---- */

static int fake_create_container(void *self, const ctrt_container_id *id, const ctrt_service_spec *spec) {
  fake_state *st = self;
  COUNT(self);
  if (is(id, "fail-loudly"))
    return ctrt_backend_error(CTRT_ERROR_CREATE_FAILED, 0, "create of %s failed: no space", id->service);
  ctrt_service_spec *copy = NULL;
  int rc = ctrt_service_spec_copy(&copy, spec);
  if (rc < 0)
    return rc;
  pthread_mutex_lock(&st->lock);
  ctrt_service_spec_free(st->last_spec);
  st->last_spec = copy;
  pthread_mutex_unlock(&st->lock);
  return 0;
}

static int fake_simple(void *self, const ctrt_container_id *id) {
  COUNT(self);
  if (is(id, "fail-loudly"))
    return ctrt_backend_error(CTRT_ERROR_NOT_FOUND, 404, "no such container: %s", id->service);
  return 0;
}

static int fake_stop_container(void *self, const ctrt_container_id *id, uint32_t timeout) {
  (void)timeout;
  return fake_simple(self, id);
}

static void *make_state(void) {
  ctrt_container_state *state = calloc(1, sizeof *state);
  state->kind = CTRT_CONTAINER_STATE_RUNNING;
  return state;
}

static int fake_container_state(void *self, ctrt_container_state **out, const ctrt_container_id *id) {
  COUNT(self);
  int rc = 0;
  if (!misbehave(id, &rc, (void **)out, make_state))
    return rc;
  *out = make_state();
  return 0;
}

static int fake_rename_container(void *self, const ctrt_container_id *id, const char *new_name) {
  fake_state *st = self;
  (void)id;
  COUNT(self);
  record(st, &st->last_new_name, new_name);
  return 0;
}

static int fake_kill_container(void *self, const ctrt_container_id *id, const char *signal) {
  fake_state *st = self;
  (void)id;
  COUNT(self);
  record(st, &st->last_signal, signal);
  return 0;
}

static int fake_update_container_resources(void *self, ctrt_container_update_outcome **out, const ctrt_container_id *id,
                                           const ctrt_container_resource_update *update) {
  fake_state *st = self;
  (void)id;
  (void)update;
  COUNT(self);
  atomic_fetch_add(&st->update_calls, 1);
  ctrt_container_update_outcome *outcome = calloc(1, sizeof *outcome);
  outcome->n_warnings = 1;
  outcome->warnings = calloc(1, sizeof *outcome->warnings);
  outcome->warnings[0] = strdup("applied");
  *out = outcome;
  return 0;
}

static int fake_wait_container(void *self, int32_t *out, const ctrt_container_id *id) {
  COUNT(self);
  if (is(id, "fail-loudly"))
    return ctrt_backend_error(CTRT_ERROR_NOT_FOUND, 404, "no such container: %s", id->service);
  *out = FAKE_WAIT_CODE;
  return 0;
}

/* ---- inspection ---- */

static int fake_get_container_pid(void *self, bool *has_out, uint32_t *out, const ctrt_container_id *id) {
  COUNT(self);
  int rc = 0;
  if (!misbehave(id, &rc, NULL, NULL))
    return rc;
  *has_out = true;
  *out = id->replica;
  return 0;
}

static int fake_get_container_ip(void *self, char **out, const ctrt_container_id *id) {
  COUNT(self);
  char text[32];
  snprintf(text, sizeof text, "10.0.0.%u", id->replica % 250 + 1);
  *out = strdup(text);
  return 0;
}

static int fake_get_container_stats(void *self, ctrt_container_stats **out, const ctrt_container_id *id) {
  COUNT(self);
  (void)id;
  *out = calloc(1, sizeof **out);
  return 0;
}

/* ---- logs and exec ---- */

#ifndef FAKE_INCOMPLETE
static int fake_logs(void *self, ctrt_log_entry_list **out, const ctrt_container_id *id,
                     const ctrt_log_options *options) {
  COUNT(self);
  (void)id;
  (void)options;
  *out = calloc(1, sizeof **out);
  return 0;
}
#endif

static int fake_container_logs(void *self, ctrt_log_entry_list **out, const ctrt_container_id *id, uint64_t tail) {
  COUNT(self);
  (void)id;
  (void)tail;
  *out = calloc(1, sizeof **out);
  return 0;
}

#ifndef FAKE_INCOMPLETE
/* Exec output as the library returns bytes (ctrt/common.h): a NUL after. */
static ctrt_bytes fake_bytes(const char *text) { return (ctrt_bytes){(uint8_t *)strdup(text), strlen(text)}; }

static int fake_exec(void *self, ctrt_exec_result **out, const ctrt_container_id *id, const char *const *argv,
                     size_t n_argv) {
  fake_state *st = self;
  COUNT(self);
  if (is(id, "fail-loudly"))
    return ctrt_backend_error(CTRT_ERROR_NOT_FOUND, 404, "no such container: %s", id->service);
  char **copy = calloc(n_argv, sizeof *copy);
  for (size_t i = 0; i < n_argv; i++)
    copy[i] = strdup(argv[i]);
  pthread_mutex_lock(&st->lock);
  for (size_t i = 0; i < st->n_last_argv; i++)
    free(st->last_argv[i]);
  free(st->last_argv);
  st->last_argv = copy;
  st->n_last_argv = n_argv;
  pthread_mutex_unlock(&st->lock);
  ctrt_exec_result *result = calloc(1, sizeof *result);
  result->exit_code = FAKE_EXEC_EXIT;
  result->stdout_ = fake_bytes(is(id, "quiet") ? "" : FAKE_EXEC_STDOUT);
  result->stderr_ = fake_bytes(FAKE_EXEC_STDERR);
  *out = result;
  return 0;
}
#endif

static const ctrt_backend_ops fake_ops = {
    .pull_image = fake_pull_image,
    .pull_image_with_policy = fake_pull_image_with_policy,
    .search_images = fake_search_images,
    .import_image = fake_import_image,
    .create_container = fake_create_container,
    .start_container = fake_simple,
    .stop_container = fake_stop_container,
    .remove_container = fake_simple,
    .container_state = fake_container_state,
    .rename_container = fake_rename_container,
    .kill_container = fake_kill_container,
    .update_container_resources = fake_update_container_resources,
    .wait_container = fake_wait_container,
    .get_container_pid = fake_get_container_pid,
    .get_container_ip = fake_get_container_ip,
    .get_container_stats = fake_get_container_stats,
    .container_logs = fake_container_logs,
#ifndef FAKE_INCOMPLETE
    .get_logs = fake_logs,
    .exec = fake_exec,
#endif
};

static const ctrt_backend fake_backend = {
    .abi_version = CTRT_BACKEND_ABI_VERSION,
    .name = FAKE_NAME,
    .open = fake_open,
    .close = fake_close,
    .ops = &fake_ops,
    .ops_size = sizeof fake_ops,
};

const ctrt_backend *ctrt_backend_entry(void);
const ctrt_backend *ctrt_backend_entry(void) { return &fake_backend; }
