/* SPDX-License-Identifier: MIT */
/* Reference converters: the DOM reading of an answer (a jansson value) that
 * test_docker compares the library's walker with. The library decodes these
 * answers with the walker only (docker_answers.c), so they live here. */
#include "docker_reference.h"

#include "backends/docker/docker_dom.h"

#include <stddef.h>

/* A JSON array of strings at path -> a new list (null entries skipped). */
static int dup_strings(rd *r, char ***items, size_t *n, const json_t *obj, const char *path) {
  *items = NULL;
  *n = 0;
  const json_t *array = array_at(r, obj, path);
  size_t count = json_array_size(array);
  if (count == 0)
    return *r->rc;
  char **list = ctrt__calloc(count, sizeof *list);
  CTRT__CHECK_ALLOC(list);
  size_t used = 0;
  for (size_t i = 0; i < count; i++) {
    rd item = rd_sub(r, path, NULL, i);
    const char *text = str_at(&item, json_array_get(array, i), "");
    if (text == NULL)
      continue;
    if ((list[used] = ctrt__strdup(text)) == NULL) {
      ctrt__clear_array_string(list, used);
      return ctrt__error_no_memory();
    }
    used++;
  }
  *items = list;
  *n = used;
  return *r->rc;
}

/* Image sizes: Docker uses -1 for "unknown", which stays absent. */
static bool size_at(rd *r, const json_t *image, uint64_t *out) {
  int64_t size = 0;
  if (!int_at(r, image, "Size", -1, INT64_MAX, &size) || size < 0)
    return false;
  *out = (uint64_t)size;
  return true;
}

static int string_map(rd *r, ctrt_string_map_entry **items, size_t *n, const json_t *parent, const char *path) {
  *items = NULL;
  *n = 0;
  const json_t *obj = object_at(r, parent, path);
  size_t count = json_object_size(obj);
  if (count == 0)
    return *r->rc;
  ctrt_string_map_entry *entries = ctrt__calloc(count, sizeof *entries);
  CTRT__CHECK_ALLOC(entries);
  const char *key;
  const json_t *value;
  size_t used = 0;
  json_object_foreach((json_t *)obj, key, value) {
    rd item = rd_sub(r, path, key, 0);
    const char *text = str_at(&item, value, "");
    entries[used].key = ctrt__strdup(key);
    entries[used].value = ctrt__strdup(text ? text : "");
    used++;
    if (entries[used - 1].key == NULL || entries[used - 1].value == NULL) {
      ctrt__clear_entries_string(entries, used);
      return ctrt__error_no_memory();
    }
  }
  *items = entries;
  *n = used;
  return *r->rc;
}

int docker_ref_image_inspect_info(ctrt_image_inspect_info **out, const json_t *image) {
  *out = NULL;
  if (!json_is_object(image))
    return ctrt__error_internal("inspect_image_native: the Docker daemon's answer is not an object");
  int read_rc;
  rd r = rd_root(&read_rc, "inspect_image_native");
  ctrt_image_inspect_info *info = ctrt__malloc(sizeof *info);
  CTRT__CHECK_ALLOC(info);
  *info = (ctrt_image_inspect_info)CTRT_IMAGE_INSPECT_INFO_INIT;
  rd cr = rd_sub(&r, "", "Config", 0);
  const json_t *config = object_at(&r, image, "Config");
  int rc;
  static const struct {
    const char *key;
    size_t offset;
  } texts[] = {
      {"Parent", offsetof(ctrt_image_inspect_info, parent)},
      {"Comment", offsetof(ctrt_image_inspect_info, comment)},
      {"Created", offsetof(ctrt_image_inspect_info, created)},
      {"Container", offsetof(ctrt_image_inspect_info, container)},
      {"DockerVersion", offsetof(ctrt_image_inspect_info, docker_version)},
      {"Author", offsetof(ctrt_image_inspect_info, author)},
      {"Architecture", offsetof(ctrt_image_inspect_info, architecture)},
      {"Os", offsetof(ctrt_image_inspect_info, os)},
  };
  if ((rc = ctrt__docker_image_id(&info->id, str_at(&r, image, "Id"))) < 0 ||
      (rc = dup_strings(&r, &info->repo_tags, &info->n_repo_tags, image, "RepoTags")) < 0 ||
      (rc = dup_strings(&r, &info->repo_digests, &info->n_repo_digests, image, "RepoDigests")) < 0)
    goto done;
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
    if ((rc = dup_opt((char **)((char *)info + texts[i].offset), str_at(&r, image, texts[i].key))) < 0)
      goto done;
  info->has_size = size_at(&r, image, &info->size);
  if ((rc = dup_strings(&r, &info->layers, &info->n_layers, image, "RootFS.Layers")) < 0 ||
      (rc = dup_strings(&cr, &info->env, &info->n_env, config, "Env")) < 0 ||
      (rc = dup_strings(&cr, &info->cmd, &info->n_cmd, config, "Cmd")) < 0 ||
      (rc = dup_strings(&cr, &info->entrypoint, &info->n_entrypoint, config, "Entrypoint")) < 0 ||
      (rc = dup_opt(&info->working_dir, str_at(&cr, config, "WorkingDir"))) < 0 ||
      (rc = dup_opt(&info->user, str_at(&cr, config, "User"))) < 0)
    goto done;
  rc = string_map(&cr, &info->labels, &info->n_labels, config, "Labels");
done:
  *out = info;
  FINISH(rc, read_rc, out, ctrt_image_inspect_info_free);
}
