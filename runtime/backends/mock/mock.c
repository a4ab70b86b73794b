/* SPDX-License-Identifier: MIT */
/* The mock backend: its descriptor, state, shared helpers and the scripting
 * hooks of ctrt/mock.h. The operations live in mock_*.c by area. */
#include "gen_internal.h"
#include "mock.h"

#include <time.h>

const ctrt_backend_ops mock_ops = CTRT_BACKEND_OPS_ALL(mock);

void mock_lock(mock_runtime *m) { pthread_mutex_lock(&m->lock); }

void mock_unlock(mock_runtime *m) { pthread_mutex_unlock(&m->lock); }

void mock_broadcast(mock_runtime *m) { pthread_cond_broadcast(&m->changed); }

uint64_t mock_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool mock_wait(mock_runtime *m, uint64_t deadline_ns) {
  if (deadline_ns == 0) {
    pthread_cond_wait(&m->changed, &m->lock);
    return true;
  }
  uint64_t now = mock_now_ns();
  if (now >= deadline_ns)
    return false;
  struct timespec until = {.tv_sec = (time_t)(deadline_ns / 1000000000u), .tv_nsec = (long)(deadline_ns % 1000000000u)};
  return pthread_cond_timedwait(&m->changed, &m->lock, &until) == 0 || mock_now_ns() < deadline_ns;
}

char *mock_new_hex_id(mock_runtime *m, const char *seed) {
  ctrt_timestamp now = ctrt__timestamp_now();
  char *material =
      ctrt__sprintf("%s/%llu/%lld.%d", seed, (unsigned long long)++m->counter, (long long)now.seconds, (int)now.nanos);
  if (material == NULL)
    return NULL;
  ctrt__sha256 ctx;
  uint8_t digest[32];
  char *hex = ctrt__malloc(65);
  ctrt__sha256_init(&ctx);
  ctrt__sha256_update(&ctx, material, strlen(material));
  ctrt__sha256_final(&ctx, digest);
  ctrt__free(material);
  if (hex != NULL)
    ctrt__sha256_hex(digest, hex);
  return hex;
}

/* ---- containers ---- */

mock_container *mock_find_container(mock_runtime *m, const ctrt_container_id *id) {
  char *display = NULL;
  if (ctrt_container_id_format(&display, id) < 0)
    return NULL;
  mock_container *found = NULL;
  for (size_t i = 0; i < m->n_containers && !found; i++)
    if (!m->containers[i]->removed && m->containers[i]->display && strcmp(m->containers[i]->display, display) == 0)
      found = m->containers[i];
  if (found == NULL)
    ctrt__error_not_found(display, "no such container");
  ctrt__free(display);
  return found;
}

void mock_container_ref(mock_container *c) { c->refs++; }

static void container_free(mock_container *c) {
  ctrt_container_id_free(c->id);
  ctrt__free(c->display);
  ctrt__free(c->runtime_id);
  ctrt__free(c->name);
  ctrt__free(c->image_ref);
  ctrt__free(c->image_id);
  ctrt_service_spec_free(c->spec);
  for (size_t i = 0; i < c->argc; i++)
    ctrt__free(c->argv[i]);
  ctrt__free(c->argv);
  for (size_t i = 0; i < c->n_env; i++)
    ctrt__free(c->env[i]);
  ctrt__free(c->env);
  ctrt__free(c->workdir);
  ctrt__free(c->user);
  ctrt__free(c->hostname);
  memfs_free(c->base);
  memfs_free(c->fs);
  ctrt__free(c->error);
  ctrt__free(c->health_output);
  /* Every process has finished and been joined by now (remove and close
   * wait for them); holders of a process also hold the container. */
  if (c->main)
    mock_process_unref(c->main);
  for (size_t i = 0; i < c->n_execs; i++)
    mock_process_unref(c->execs[i]);
  ctrt__free(c->execs);
  ctrt__free(c->stdin_pipe.data);
  for (size_t i = 0; i < c->n_logs; i++)
    ctrt__free(c->logs[i].data.data);
  ctrt__free(c->logs_base);
  ctrt_container_resource_update_clear(&c->limits);
  ctrt__free(c->host_ports);
  ctrt__free(c);
}

void mock_container_unref(mock_container *c) {
  if (c != NULL && --c->refs == 0)
    container_free(c);
}

bool mock_container_running(const mock_container *c) { return c->state == MOCK_RUNNING || c->state == MOCK_PAUSED; }

int mock_not_running_error(const mock_container *c) {
  return ctrt__error_set(CTRT_ERROR_CONFLICT, 409, "Container %s is not running", c->runtime_id);
}

/* ---- scripting queues ---- */

mock_script_queue *mock_script_find(mock_script_queue *queues, size_t n, const char *key) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(queues[i].key, key) == 0)
      return &queues[i];
  return NULL;
}

bool mock_script_pop(mock_script_queue *queues, size_t n, const char *key, mock_script_item *out) {
  mock_script_queue *q = mock_script_find(queues, n, key);
  if (q == NULL || q->head == q->n)
    return false;
  *out = q->items[q->head];
  memset(&q->items[q->head], 0, sizeof q->items[q->head]);
  q->head++;
  return true;
}

void mock_script_item_clear(mock_script_item *item, void (*free_value)(void *)) {
  if (item->value != NULL)
    free_value(item->value);
  ctrt__free(item->error_message);
  memset(item, 0, sizeof *item);
}

static int script_push(mock_script_queue **queues, size_t *n, const char *key, mock_script_item item) {
  mock_script_queue *q = mock_script_find(*queues, *n, key);
  if (q == NULL) {
    mock_script_queue *grown = ctrt__realloc(*queues, (*n + 1) * sizeof *grown);
    CTRT__CHECK_ALLOC(grown);
    *queues = grown;
    q = &grown[(*n)++];
    memset(q, 0, sizeof *q);
    q->key = ctrt__strdup(key);
    CTRT__CHECK_ALLOC(q->key);
  }
  mock_script_item *items = ctrt__realloc(q->items, (q->n + 1) * sizeof *items);
  CTRT__CHECK_ALLOC(items);
  q->items = items;
  items[q->n++] = item;
  return 0;
}

static void queues_free(mock_script_queue *queues, size_t n, void (*free_value)(void *)) {
  for (size_t i = 0; i < n; i++) {
    for (size_t k = queues[i].head; k < queues[i].n; k++)
      mock_script_item_clear(&queues[i].items[k], free_value);
    ctrt__free(queues[i].items);
    ctrt__free(queues[i].key);
  }
  ctrt__free(queues);
}

static void free_log_chunk(void *v) { ctrt_log_chunk_free(v); }
static void free_stats_sample(void *v) { ctrt_stats_sample_free(v); }
static void free_pull_progress(void *v) { ctrt_pull_progress_free(v); }

/* ---- open / close ---- */

static int mock_open(void **self, const char *uri, const ctrt_open_options *options) {
  if (uri != NULL && uri[0] != '\0')
    return ctrt__error_invalid_argument("mock: takes no parameters (got '%s')", uri);
  mock_runtime *m = ctrt__calloc(1, sizeof *m);
  CTRT__CHECK_ALLOC(m);
  pthread_mutex_init(&m->lock, NULL);
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&m->changed, &attr);
  pthread_condattr_destroy(&attr);
  m->exec_output_max = ctrt__exec_output_max(options);
  if (options != NULL && options->version >= 3)
    m->stream_idle_ns = (uint64_t)options->stream_idle_timeout_ms * 1000000u;
  m->next_port = 32768;
  m->next_ip = 2;
  m->max_file = m->max_container = m->max_image = CTRT_MOCK_DEFAULT_FS_LIMIT;
  m->label_key = ctrt__strdup(options && options->managed_label ? options->managed_label : CTRT__DEFAULT_MANAGED_LABEL);
  if (m->label_key == NULL) {
    ctrt__free(m);
    return ctrt__error_no_memory();
  }
  *self = m;
  return 0;
}

static void mock_close(void *self) {
  mock_runtime *m = self;
  if (m == NULL)
    return;
  /* Kill every process and join its thread before freeing anything. */
  mock_lock(m);
  m->closing = true;
  for (size_t i = 0; i < m->n_containers; i++) {
    mock_container *c = m->containers[i];
    if (c->main)
      mock_process_signal(m, c->main, 9);
    for (size_t k = 0; k < c->n_execs; k++)
      mock_process_signal(m, c->execs[k], 9);
    c->stdin_pipe.closed = true;
  }
  mock_broadcast(m);
  for (size_t i = 0; i < m->n_containers; i++) {
    mock_container *c = m->containers[i];
    while (c->main && !c->main->finished)
      mock_wait(m, 0);
    for (size_t k = 0; k < c->n_execs; k++)
      while (!c->execs[k]->finished)
        mock_wait(m, 0);
    while (c->health_running)
      mock_wait(m, 0);
    mock_health_reap(m, c);
    mock_container_reap(m, c);
  }
  for (size_t i = 0; i < m->n_containers; i++)
    mock_container_unref(m->containers[i]);
  mock_unlock(m);
  ctrt__free(m->containers);
  for (size_t i = 0; i < m->n_images; i++)
    mock_image_free(m->images[i]);
  ctrt__free(m->images);
  for (size_t i = 0; i < m->n_registry; i++) {
    mock_registry_entry *e = m->registry[i];
    ctrt__free(e->reference);
    ctrt__free(e->config_json);
    for (size_t k = 0; k < e->n_layers; k++)
      memfs_blob_unref(e->layers[k]);
    ctrt__free(e->layers);
    ctrt__free(e->digest);
    ctrt__free(e->username);
    ctrt__free(e->password);
    ctrt__free(e);
  }
  ctrt__free(m->registry);
  for (size_t i = 0; i < m->n_catalogue; i++)
    ctrt_image_search_result_clear(&m->catalogue[i]);
  ctrt__free(m->catalogue);
  queues_free(m->log_scripts, m->n_log_scripts, free_log_chunk);
  queues_free(m->stats_scripts, m->n_stats_scripts, free_stats_sample);
  queues_free(m->pull_scripts, m->n_pull_scripts, free_pull_progress);
  ctrt__free(m->label_key);
  pthread_cond_destroy(&m->changed);
  pthread_mutex_destroy(&m->lock);
  ctrt__free(m);
}

/* The mock is its own engine: this library's version, its in-memory
 * drivers. */
static int mock_engine(void *self, ctrt_engine_info **out) {
  (void)self;
  ctrt_engine_info *info = NULL;
  int rc;
  if ((rc = ctrt__engine_info_new(&info, "mock", CTRT_PROJECT_VERSION, NULL)) < 0 ||
      (rc = ctrt__engine_info_add_fact(info, "log_driver", "memory")) < 0 ||
      (rc = ctrt__engine_info_add_fact(info, "storage_driver", "memfs")) < 0 ||
      (rc = ctrt__engine_info_add_fact(info, "os", "linux")) < 0)
    goto done;
  *out = info;
  info = NULL;
done:
  ctrt_engine_info_free(info);
  return rc;
}

const ctrt_backend ctrt__mock_backend = {
    .abi_version = CTRT_BACKEND_ABI_VERSION,
    .name = "mock",
    .open = mock_open,
    .close = mock_close,
    .ops = &mock_ops,
    .ops_size = sizeof mock_ops,
    .engine = mock_engine,
};

/* How libctrt finds the mock: this symbol when the program links
 * libctrt-mock (or its static variant), else the module beside libctrt,
 * loaded like any plugin through ctrt_backend_entry. */
CTRT_API const ctrt_backend *ctrt_mock_backend_entry(void) { return &ctrt__mock_backend; }
CTRT_API const ctrt_backend *ctrt_backend_entry(void) { return &ctrt__mock_backend; }

/* ---- ctrt/mock.h ---- */

mock_runtime *mock_of(ctrt_runtime *rt, const char *what) {
  ctrt_error_clear();
  if (rt == NULL || rt->backend != &ctrt__mock_backend) {
    ctrt__error_invalid_argument("%s: the runtime is not a mock: runtime", what);
    return NULL;
  }
  return rt->self;
}

static int push_scripted(ctrt_runtime *rt, const char *what, int which, const char *key, void *value,
                         ctrt_error_kind kind, const char *message) {
  mock_runtime *m = mock_of(rt, what);
  if (m == NULL)
    return ctrt__error_code();
  mock_script_item item = {.value = value, .error_kind = kind};
  if (message != NULL && (item.error_message = ctrt__strdup(message)) == NULL)
    return ctrt__error_no_memory();
  mock_lock(m);
  int rc = which == 0   ? script_push(&m->log_scripts, &m->n_log_scripts, key, item)
           : which == 1 ? script_push(&m->stats_scripts, &m->n_stats_scripts, key, item)
                        : script_push(&m->pull_scripts, &m->n_pull_scripts, key, item);
  mock_broadcast(m);
  mock_unlock(m);
  if (rc < 0)
    ctrt__free(item.error_message);
  return rc;
}

static char *display_of(const ctrt_container_id *id) {
  char *display = NULL;
  return id != NULL && ctrt_container_id_format(&display, id) == 0 ? display : NULL;
}

int ctrt_mock_push_log_chunk(ctrt_runtime *rt, const ctrt_container_id *id, const ctrt_log_chunk *chunk) {
  CTRT__CHECK_ARG(chunk != NULL, "push_log_chunk: chunk must not be NULL");
  char *key = display_of(id);
  ctrt_log_chunk *copy = NULL;
  int rc;
  if ((rc = key ? ctrt_log_chunk_copy(&copy, chunk) : ctrt__error_code()) < 0)
    goto done;
  if ((rc = push_scripted(rt, "push_log_chunk", 0, key, copy, CTRT_ERROR_NONE, NULL)) < 0)
    ctrt_log_chunk_free(copy);
done:
  ctrt__free(key);
  return rc;
}

int ctrt_mock_push_log_error(ctrt_runtime *rt, const ctrt_container_id *id, ctrt_error_kind kind, const char *message) {
  CTRT__CHECK_ARG(kind != CTRT_ERROR_NONE && kind < CTRT_ERROR_KIND_COUNT && kind != CTRT_ERROR_ITERATION_OVER,
                  "push_log_error: %d is not an error kind", (int)kind);
  char *key = display_of(id);
  int rc = key ? push_scripted(rt, "push_log_error", 0, key, NULL, kind, message ? message : "scripted log error")
               : ctrt__error_code();
  ctrt__free(key);
  return rc;
}

int ctrt_mock_push_stats_sample(ctrt_runtime *rt, const ctrt_container_id *id, const ctrt_stats_sample *sample) {
  CTRT__CHECK_ARG(sample != NULL, "push_stats_sample: sample must not be NULL");
  char *key = display_of(id);
  ctrt_stats_sample *copy = NULL;
  int rc;
  if ((rc = key ? ctrt_stats_sample_copy(&copy, sample) : ctrt__error_code()) < 0)
    goto done;
  if ((rc = push_scripted(rt, "push_stats_sample", 1, key, copy, CTRT_ERROR_NONE, NULL)) < 0)
    ctrt_stats_sample_free(copy);
done:
  ctrt__free(key);
  return rc;
}

int ctrt_mock_push_pull_progress(ctrt_runtime *rt, const char *image, const ctrt_pull_progress *event) {
  CTRT__CHECK_ARG(image != NULL && event != NULL, "push_pull_progress: NULL argument");
  char *key = mock_normalize_ref(image);
  ctrt_pull_progress *copy = NULL;
  int rc;
  if ((rc = key ? ctrt_pull_progress_copy(&copy, event) : ctrt__error_no_memory()) < 0)
    goto done;
  if ((rc = push_scripted(rt, "push_pull_progress", 2, key, copy, CTRT_ERROR_NONE, NULL)) < 0)
    ctrt_pull_progress_free(copy);
done:
  ctrt__free(key);
  return rc;
}

int ctrt_mock_search_add(ctrt_runtime *rt, const ctrt_image_search_result *result) {
  mock_runtime *m = mock_of(rt, "search_add");
  if (m == NULL)
    return ctrt__error_code();
  CTRT__CHECK_ARG(result != NULL && result->name != NULL, "search_add: the result needs a name");
  mock_lock(m);
  int rc;
  ctrt_image_search_result *grown = ctrt__realloc(m->catalogue, (m->n_catalogue + 1) * sizeof *grown);
  if (grown == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  m->catalogue = grown;
  if ((rc = ctrt__copy_image_search_result(&grown[m->n_catalogue], result)) < 0)
    goto done;
  m->n_catalogue++;
done:
  mock_unlock(m);
  return rc;
}

int ctrt_mock_set_fs_limits(ctrt_runtime *rt, uint64_t max_file, uint64_t max_container, uint64_t max_image) {
  mock_runtime *m = mock_of(rt, "set_fs_limits");
  if (m == NULL)
    return ctrt__error_code();
  mock_lock(m);
  m->max_file = max_file;
  m->max_container = max_container;
  m->max_image = max_image;
  mock_unlock(m);
  return 0;
}
