/* SPDX-License-Identifier: MIT */
/* The mock's registry side: images served for pulls (ctrt_mock_registry_add),
 * pulls with Docker's progress events, and the search catalogue. */
#include "gen_internal.h"
#include "mock.h"

#include <ctype.h>

mock_registry_entry *mock_registry_find(mock_runtime *m, const char *reference) {
  char *normalized = mock_normalize_ref(reference);
  mock_registry_entry *found = NULL;
  for (size_t i = 0; normalized && i < m->n_registry && !found; i++)
    if (strcmp(m->registry[i]->reference, normalized) == 0)
      found = m->registry[i];
  ctrt__free(normalized);
  return found;
}

/* A registry entry for the image: copies of its config and layers, the
 * credentials, and a manifest digest over the config and layer digests. */
static int fill_entry(mock_registry_entry *entry, const mock_image *img, const char *reference, const char *username,
                      const char *password) {
  entry->reference = mock_normalize_ref(reference);
  entry->config_json = ctrt__strdup(img->config_json);
  entry->layers = ctrt__calloc(img->n_layers + 1, sizeof *entry->layers);
  entry->username = username ? ctrt__strdup(username) : NULL;
  entry->password = password ? ctrt__strdup(password) : NULL;
  char *material = ctrt__strdup(img->id);
  for (size_t i = 0; entry->layers && i < img->n_layers; i++) {
    entry->layers[entry->n_layers++] = memfs_blob_ref(img->layers[i]);
    char *d = ctrt__sha256_digest_string(memfs_blob_data(img->layers[i]), memfs_blob_len(img->layers[i]));
    char *joined = material && d ? ctrt__sprintf("%s,%s", material, d) : NULL;
    ctrt__free(material);
    ctrt__free(d);
    material = joined;
  }
  entry->digest = material ? ctrt__sha256_digest_string(material, strlen(material)) : NULL;
  ctrt__free(material);
  if (!entry->reference || !entry->config_json || !entry->layers || !entry->digest || (username && !entry->username) ||
      (password && !entry->password))
    return ctrt__error_no_memory();
  return 0;
}

int ctrt_mock_registry_add(ctrt_runtime *rt, const char *reference, ctrt_byte_source *docker_archive,
                           const char *username, const char *password) {
  mock_runtime *m = mock_of(rt, "registry_add");
  if (m == NULL)
    return ctrt__error_code();
  CTRT__CHECK_ARG(reference != NULL && docker_archive != NULL, "registry_add: NULL argument");
  /* Load the archive into a scratch mock to reuse the docker-archive reader. */
  mock_runtime scratch = {0};
  pthread_mutex_init(&scratch.lock, NULL);
  pthread_cond_init(&scratch.changed, NULL);
  ctrt_load_progress_stream *progress = NULL;
  int rc;
  if ((rc = mock_load_images(&scratch, &progress, docker_archive, true)) < 0)
    goto done;
  for (ctrt_load_progress *item = NULL;;) {
    int next = ctrt_load_progress_stream_next(&item, progress);
    ctrt_load_progress_free(item);
    if (next == CTRT_ITEROVER)
      break;
    if ((rc = next) < 0)
      goto done;
  }
  if (scratch.n_images == 0) {
    rc = ctrt__error_invalid_spec("registry_add: the archive holds no image");
    goto done;
  }
  mock_registry_entry *entry = ctrt__calloc(1, sizeof *entry);
  mock_registry_entry **grown = entry ? ctrt__realloc(m->registry, (m->n_registry + 1) * sizeof *grown) : NULL;
  if (grown == NULL) {
    ctrt__free(entry);
    rc = ctrt__error_no_memory();
    goto done;
  }
  m->registry = grown;
  rc = fill_entry(entry, scratch.images[0], reference, username, password);
  /* Listed even when incomplete: the registry's release frees what it holds. */
  mock_lock(m);
  m->registry[m->n_registry++] = entry;
  mock_unlock(m);
done:
  ctrt_load_progress_stream_close(progress);
  for (size_t i = 0; i < scratch.n_images; i++)
    mock_image_free(scratch.images[i]);
  ctrt__free(scratch.images);
  pthread_cond_destroy(&scratch.changed);
  pthread_mutex_destroy(&scratch.lock);
  return rc;
}

/* ---- pulls ---- */

typedef struct progress_list {
  void **items;
  size_t n;
} progress_list;

static int progress_add(progress_list *l, ctrt_pull_progress *p) {
  void **grown = ctrt__realloc(l->items, (l->n + 1) * sizeof *grown);
  if (grown == NULL) {
    ctrt_pull_progress_free(p);
    return ctrt__error_no_memory();
  }
  l->items = grown;
  grown[l->n++] = p;
  return 0;
}

static int progress_status(progress_list *l, const char *id, const char *status, const char *bar, bool has_counts,
                           uint64_t current, uint64_t total) {
  if (l == NULL)
    return 0;
  ctrt_pull_progress *p = ctrt__malloc(sizeof *p);
  CTRT__CHECK_ALLOC(p);
  *p = (ctrt_pull_progress)CTRT_PULL_PROGRESS_INIT;
  p->kind = CTRT_PULL_PROGRESS_STATUS;
  p->status = (ctrt_pull_progress_status)CTRT_PULL_PROGRESS_STATUS_INIT;
  p->status.id = id ? ctrt__strdup(id) : NULL;
  p->status.status = ctrt__strdup(status);
  p->status.progress = bar ? ctrt__strdup(bar) : NULL;
  if (has_counts) {
    p->status.has_current = p->status.has_total = true;
    p->status.current = current;
    p->status.total = total;
  }
  if ((id && !p->status.id) || !p->status.status || (bar && !p->status.progress)) {
    ctrt_pull_progress_free(p);
    return ctrt__error_no_memory();
  }
  return progress_add(l, p);
}

static char *progress_bar(uint64_t current, uint64_t total) {
  char bar[51];
  size_t filled = total ? (size_t)(current * 50 / total) : 50;
  for (size_t i = 0; i < 50; i++)
    bar[i] = i < filled ? '=' : ' ';
  if (filled > 0 && filled < 50)
    bar[filled - 1] = '>';
  bar[50] = '\0';
  return ctrt__sprintf("[%s]  %.3gkB/%.3gkB", bar, current / 1000.0, total / 1000.0);
}

static bool auth_matches(const mock_registry_entry *e, const ctrt_registry_auth *auth) {
  if (e->username == NULL)
    return true;
  return auth != NULL && auth->username && strcmp(auth->username, e->username) == 0 && auth->password && e->password &&
         strcmp(auth->password, e->password) == 0;
}

/* Whether the mock registry serves the reference's host: a host it holds
 * nothing for is a registry nothing listens on (pull_failed, as dockerd's
 * "connection refused"), not a missing repository (not_found). */
static bool registry_host_known(mock_runtime *m, const char *normalized) {
  size_t host = strcspn(normalized, "/");
  for (size_t i = 0; i < m->n_registry; i++)
    if (strncmp(m->registry[i]->reference, normalized, host) == 0 && m->registry[i]->reference[host] == '/')
      return true;
  return false;
}

/* The registry's entry for normalized, or why a pull of reference fails. */
static int registry_lookup(mock_runtime *m, const char *reference, const char *normalized,
                           const ctrt_registry_auth *auth, mock_registry_entry **out) {
  mock_registry_entry *e = mock_registry_find(m, normalized);
  if (e == NULL && !registry_host_known(m, normalized)) {
    char *why = ctrt__sprintf("no registry answers at %.*s", (int)strcspn(normalized, "/"), normalized);
    int rc = why ? ctrt__error_pull_failed(reference, why) : ctrt__error_no_memory();
    ctrt__free(why);
    return rc;
  }
  if (e == NULL)
    return ctrt__error_not_found(normalized, "manifest unknown");
  if (!auth_matches(e, auth))
    return ctrt__error_pull_failed(normalized, "unauthorized: authentication required");
  *out = e;
  return 0;
}

/* A progress bar's steps ("Downloading", "Extracting") over a layer. */
static int progress_steps(progress_list *progress, const char *short_id, const char *what, uint64_t steps,
                          uint64_t total) {
  for (uint64_t step = 1; step <= steps; step++) {
    char *bar = progress_bar(total * step / steps, total);
    int rc = bar ? progress_status(progress, short_id, what, bar, true, total * step / steps, total)
                 : ctrt__error_no_memory();
    ctrt__free(bar);
    if (rc < 0)
      return rc;
  }
  return 0;
}

/* One layer's events, in Docker's order. */
static int layer_progress(progress_list *progress, memfs_blob *layer) {
  char *digest = ctrt__sha256_digest_string(memfs_blob_data(layer), memfs_blob_len(layer));
  CTRT__CHECK_ALLOC(digest);
  char short_id[13];
  snprintf(short_id, sizeof short_id, "%.12s", digest + 7);
  ctrt__free(digest);
  uint64_t total = memfs_blob_len(layer);
  int rc;
  if ((rc = progress_status(progress, short_id, "Pulling fs layer", NULL, false, 0, 0)) < 0 ||
      (rc = progress_steps(progress, short_id, "Downloading", 3, total)) < 0 ||
      (rc = progress_status(progress, short_id, "Verifying Checksum", NULL, false, 0, 0)) < 0 ||
      (rc = progress_status(progress, short_id, "Download complete", NULL, false, 0, 0)) < 0 ||
      (rc = progress_steps(progress, short_id, "Extracting", 2, total)) < 0)
    return rc;
  return progress_status(progress, short_id, "Pull complete", NULL, false, 0, 0);
}

/* A pulled image answers to repo@digest too. */
static int add_repo_digest(mock_image *img, const char *repo, const char *digest) {
  char *repo_digest = ctrt__sprintf("%s@%s", repo, digest);
  CTRT__CHECK_ALLOC(repo_digest);
  for (size_t i = 0; i < img->n_digests; i++)
    if (strcmp(img->digests[i], repo_digest) == 0) {
      ctrt__free(repo_digest);
      return 0;
    }
  char **grown = ctrt__realloc(img->digests, (img->n_digests + 1) * sizeof *grown);
  if (grown == NULL) {
    ctrt__free(repo_digest);
    return ctrt__error_no_memory();
  }
  img->digests = grown;
  grown[img->n_digests++] = repo_digest;
  return 0;
}

static int progress_done(progress_list *progress, const char *normalized, const char *digest) {
  if (progress == NULL)
    return 0;
  ctrt_pull_progress *done = ctrt__malloc(sizeof *done);
  CTRT__CHECK_ALLOC(done);
  *done = (ctrt_pull_progress)CTRT_PULL_PROGRESS_INIT;
  done->kind = CTRT_PULL_PROGRESS_DONE;
  done->done = (ctrt_pull_progress_done)CTRT_PULL_PROGRESS_DONE_INIT;
  done->done.reference = ctrt__strdup(normalized);
  done->done.digest = ctrt__strdup(digest);
  if (done->done.reference == NULL || done->done.digest == NULL) {
    ctrt_pull_progress_free(done);
    return ctrt__error_no_memory();
  }
  return progress_add(progress, done);
}

/* Pull reference from the registry into the store; progress (may be NULL)
 * gets Docker's events. Called without the lock. */
static int do_pull(mock_runtime *m, const char *reference, const ctrt_registry_auth *auth, progress_list *progress) {
  char *normalized = mock_normalize_ref(reference);
  CTRT__CHECK_ALLOC(normalized);
  const char *colon = strrchr(normalized, ':');
  char *repo = ctrt__strndup(normalized, (size_t)(colon - normalized));
  const char *tag = colon + 1;
  char *status = repo ? ctrt__sprintf("Pulling from %s", strchr(repo, '/') ? strchr(repo, '/') + 1 : repo) : NULL;
  char *line = NULL;
  mock_registry_entry *e = NULL;
  mock_image *img = NULL;
  int rc;
  mock_lock(m);
  if (status == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = registry_lookup(m, reference, normalized, auth, &e)) < 0)
    goto done;
  mock_image *existing = mock_find_image(m, normalized);
  bool up_to_date = false;
  if (existing != NULL) {
    char *id = ctrt__sha256_digest_string(e->config_json, strlen(e->config_json));
    up_to_date = id && strcmp(id, existing->id) == 0;
    ctrt__free(id);
  }
  if ((rc = progress_status(progress, tag, status, NULL, false, 0, 0)) < 0)
    goto done;
  for (size_t i = 0; !up_to_date && i < e->n_layers; i++)
    if ((rc = layer_progress(progress, e->layers[i])) < 0)
      goto done;
  if ((line = ctrt__sprintf("Digest: %s", e->digest)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = progress_status(progress, NULL, line, NULL, false, 0, 0)) < 0)
    goto done;
  ctrt__free(line);
  if ((line = ctrt__sprintf("Status: %s for %s", up_to_date ? "Image is up to date" : "Downloaded newer image",
                            normalized)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = progress_status(progress, NULL, line, NULL, false, 0, 0)) < 0 ||
      (rc = mock_store_image(m, e->config_json, e->layers, e->n_layers, normalized, &img)) < 0 ||
      (rc = add_repo_digest(img, repo, e->digest)) < 0)
    goto done;
  rc = progress_done(progress, normalized, e->digest);
done:
  mock_unlock(m);
  ctrt__free(line);
  ctrt__free(status);
  ctrt__free(repo);
  ctrt__free(normalized);
  return rc;
}

int mock_pull_image(void *self, const char *image) { return do_pull(self, image, NULL, NULL); }

int mock_pull_image_with_policy(void *self, const char *image, ctrt_pull_policy policy, const ctrt_registry_auth *auth,
                                ctrt_source_policy source_policy) {
  mock_runtime *m = self;
  (void)source_policy; /* one source only: the in-memory registry */
  if (policy == CTRT_PULL_POLICY_IF_NOT_PRESENT || policy == CTRT_PULL_POLICY_NEVER) {
    mock_lock(m);
    bool present = mock_find_image(m, image) != NULL;
    mock_unlock(m);
    if (present)
      return 0;
    if (policy == CTRT_PULL_POLICY_NEVER)
      return ctrt__error_not_found(image, "No such image (pull policy never)");
  }
  return do_pull(m, image, auth, NULL);
}

int mock_pull_image_stream(void *self, ctrt_pull_progress_stream **out, const char *image,
                           const ctrt_registry_auth *auth) {
  mock_runtime *m = self;
  progress_list progress = {0};
  char *key = mock_normalize_ref(image);
  CTRT__CHECK_ALLOC(key);
  /* Scripted events first; a scripted error ends the stream there. */
  int final_error = 0, rc = 0;
  char *final_message = NULL;
  mock_lock(m);
  mock_script_item item;
  while (mock_script_pop(m->pull_scripts, m->n_pull_scripts, key, &item)) {
    if (item.value) {
      rc = progress_add(&progress, item.value);
      item.value = NULL;
    } else {
      final_error = -(int)item.error_kind;
      final_message = item.error_message;
      item.error_message = NULL;
    }
    mock_script_item_clear(&item, ctrt__pull_progress_stream_item_free);
    if (rc < 0 || final_error)
      break;
  }
  mock_unlock(m);
  ctrt__free(key);
  if (rc < 0 || (final_error == 0 && (rc = do_pull(m, image, auth, &progress)) < 0))
    goto fail;
  ctrt__stream *stream = NULL;
  rc = ctrt__stream_from_items(&stream, progress.items, progress.n, ctrt__pull_progress_stream_item_free, final_error,
                               final_message);
  ctrt__free(final_message);
  *out = (ctrt_pull_progress_stream *)stream;
  return rc;
fail:
  for (size_t i = 0; i < progress.n; i++)
    ctrt_pull_progress_free(progress.items[i]);
  ctrt__free(progress.items);
  ctrt__free(final_message);
  return rc;
}

/* ---- search ---- */

static bool contains_ci(const char *haystack, const char *needle) {
  size_t n = strlen(needle);
  for (const char *h = haystack; *h; h++) {
    size_t i = 0;
    while (i < n && h[i] && tolower((unsigned char)h[i]) == tolower((unsigned char)needle[i]))
      i++;
    if (i == n)
      return true;
  }
  return n == 0;
}

int mock_search_images(void *self, ctrt_image_search_result_list **out, const char *term, uint32_t limit) {
  mock_runtime *m = self;
  /* Like Docker: a leading registry host ("127.0.0.1:5000/") names the
   * index; the rest is what is searched for. */
  const char *query = term;
  const char *slash = strchr(term, '/');
  if (slash != NULL) {
    size_t host_len = (size_t)(slash - term);
    if (memchr(term, '.', host_len) || memchr(term, ':', host_len) || strncmp(term, "localhost", host_len) == 0)
      query = slash + 1;
  }
  size_t max = limit == 0 ? 25 : limit;
  ctrt_image_search_result_list *list = ctrt__malloc(sizeof *list);
  CTRT__CHECK_ALLOC(list);
  *list = (ctrt_image_search_result_list)CTRT_IMAGE_SEARCH_RESULT_LIST_INIT;
  int rc = 0;
  mock_lock(m);
  if ((list->items = ctrt__calloc(m->n_catalogue + 1, sizeof *list->items)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  for (size_t i = 0; i < m->n_catalogue && list->n_items < max; i++) {
    if (!contains_ci(m->catalogue[i].name, query) &&
        !(m->catalogue[i].description && contains_ci(m->catalogue[i].description, query)))
      continue;
    if ((rc = ctrt__copy_image_search_result(&list->items[list->n_items], &m->catalogue[i])) < 0)
      goto done;
    list->n_items++;
  }
  *out = list;
  list = NULL;
done:
  mock_unlock(m);
  ctrt_image_search_result_list_free(list);
  return rc;
}
