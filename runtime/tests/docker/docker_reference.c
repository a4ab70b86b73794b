/* SPDX-License-Identifier: MIT */
/* Reference converters: the DOM reading of an answer (a jansson value) that
 * test_docker compares the library's walker with. The library decodes these
 * answers with the walker only (docker_answers.c), so they live here. */
#include "docker_reference.h"

#include "backends/docker/docker_dom.h"

#include <stddef.h>
#include <strings.h>

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

/* ---- stats ---- */

static uint64_t memory_used(rd *r, const json_t *stats) {
  uint64_t usage = u64_at(r, stats, "memory_stats.usage");
  uint64_t cache = u64_at(r, stats, "memory_stats.stats.cache");
  return cache <= usage ? usage - cache : usage;
}

static void sum_blkio(rd *r, const json_t *stats, uint64_t *read, uint64_t *write) {
  const char *path = "blkio_stats.io_service_bytes_recursive";
  const json_t *entries = array_at(r, stats, path);
  size_t i;
  const json_t *e;
  json_array_foreach(entries, i, e) {
    rd item = rd_sub(r, path, NULL, i);
    const char *op = str_at(&item, e, "op");
    if (op && strcasecmp(op, "read") == 0)
      *read += u64_at(&item, e, "value");
    else if (op && strcasecmp(op, "write") == 0)
      *write += u64_at(&item, e, "value");
  }
}

static ctrt_timestamp read_time(rd *r, const json_t *stats) {
  ctrt_timestamp ts = {0, 0};
  if (!parse_time(str_at(r, stats, "read"), &ts))
    ts = ctrt__timestamp_now();
  return ts;
}

int docker_ref_stats_sample(ctrt_stats_sample **out, const json_t *stats, uint64_t host_memory) {
  *out = NULL;
  if (!json_is_object(stats))
    return ctrt__error_internal("stats_stream: a stats sample of the Docker daemon is not an object");
  int read_rc;
  rd r = rd_root(&read_rc, "stats_stream");
  ctrt_stats_sample *s = ctrt__calloc(1, sizeof *s);
  CTRT__CHECK_ALLOC(s);
  *s = (ctrt_stats_sample)CTRT_STATS_SAMPLE_INIT;
  s->cpu_total_ns = u64_at(&r, stats, "cpu_stats.cpu_usage.total_usage");
  s->cpu_system_ns = u64_at(&r, stats, "cpu_stats.system_cpu_usage");
  uint64_t cpus = u64_at(&r, stats, "cpu_stats.online_cpus");
  if (cpus == 0)
    cpus = json_array_size(array_at(&r, stats, "cpu_stats.cpu_usage.percpu_usage"));
  s->online_cpus = cpus > UINT32_MAX ? UINT32_MAX : (uint32_t)cpus;
  s->mem_used_bytes = memory_used(&r, stats);
  uint64_t limit = u64_at(&r, stats, "memory_stats.limit");
  s->mem_limit_bytes = ctrt__docker_memory_limit(limit, host_memory);
  const json_t *networks = object_at(&r, stats, "networks");
  const char *name;
  const json_t *net;
  json_object_foreach((json_t *)networks, name, net) {
    rd sub = rd_sub(&r, "networks", name, 0);
    s->net_rx_bytes += u64_at(&sub, net, "rx_bytes");
    s->net_tx_bytes += u64_at(&sub, net, "tx_bytes");
  }
  sum_blkio(&r, stats, &s->blkio_read_bytes, &s->blkio_write_bytes);
  s->pids_current = u64_at(&r, stats, "pids_stats.current");
  uint64_t pids_limit = u64_at(&r, stats, "pids_stats.limit");
  if (pids_limit > 0 && pids_limit < CTRT__DOCKER_UNLIMITED) {
    s->has_pids_limit = true;
    s->pids_limit = pids_limit;
  }
  s->timestamp = read_time(&r, stats);
  *out = s;
  FINISH(0, read_rc, out, ctrt_stats_sample_free);
}

int docker_ref_container_stats(ctrt_container_stats **out, const json_t *stats, uint64_t host_memory) {
  *out = NULL;
  if (!json_is_object(stats))
    return ctrt__error_internal("get_container_stats: the Docker daemon's stats answer is not an object");
  int read_rc;
  rd r = rd_root(&read_rc, "get_container_stats");
  ctrt_container_stats *s = ctrt__malloc(sizeof *s);
  CTRT__CHECK_ALLOC(s);
  *s = (ctrt_container_stats)CTRT_CONTAINER_STATS_INIT;
  s->cpu_usage_usec = u64_at(&r, stats, "cpu_stats.cpu_usage.total_usage") / 1000;
  s->memory_bytes = memory_used(&r, stats);
  uint64_t limit = u64_at(&r, stats, "memory_stats.limit");
  s->memory_limit = ctrt__docker_memory_limit(limit, host_memory);
  s->timestamp = read_time(&r, stats);
  *out = s;
  FINISH(0, read_rc, out, ctrt_container_stats_free);
}

/* ---- prune ---- */

int docker_ref_prune_result(ctrt_prune_result **out, const json_t *answer) {
  *out = NULL;
  int read_rc;
  rd r = rd_root(&read_rc, "prune_images");
  ctrt_prune_result *p = ctrt__malloc(sizeof *p);
  CTRT__CHECK_ALLOC(p);
  *p = (ctrt_prune_result)CTRT_PRUNE_RESULT_INIT;
  const json_t *deleted = array_at(&r, answer, "ImagesDeleted");
  size_t n = json_array_size(deleted), i;
  const json_t *item;
  int rc = 0;
  /* Each item names an untagged reference or a deleted id (or both). */
  p->deleted = n ? ctrt__calloc(n * 2, sizeof *p->deleted) : NULL;
  if (n && p->deleted == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  json_array_foreach(deleted, i, item) {
    static const char *const keys[] = {"Untagged", "Deleted"};
    rd ir = rd_sub(&r, "ImagesDeleted", NULL, i);
    for (size_t k = 0; k < 2; k++) {
      const char *text = str_at(&ir, item, keys[k]);
      if (ctrt__docker_blank(text))
        continue;
      if ((p->deleted[p->n_deleted] = ctrt__strdup(text)) == NULL) {
        rc = ctrt__error_no_memory();
        goto done;
      }
      p->n_deleted++;
    }
  }
  p->space_reclaimed = u64_at(&r, answer, "SpaceReclaimed");
done:
  *out = p;
  FINISH(rc, read_rc, out, ctrt_prune_result_free);
}
