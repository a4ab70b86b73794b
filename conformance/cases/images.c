/* SPDX-License-Identifier: MIT */
/* Conformance: images (load, list, inspect, history, tag, remove, prune,
 * pull with its policies and progress, search, save, import, commit). */
#include "../conform.h"

#define RT conform_rt()

CONFORM_FREER(image_inspect_info)

static ctrt_image_inspect_info *inspect(const char *ref) {
  ctrt_image_inspect_info *info = NULL;
  if (!C_OK(ctrt_runtime_inspect_image_native(RT, &info, ref)))
    return NULL;
  conform_defer(info, free_image_inspect_info);
  return info;
}

static bool has_string(char *const *items, size_t n, const char *value) {
  for (size_t i = 0; i < n; i++)
    if (items[i] && strcmp(items[i], value) == 0)
      return true;
  return false;
}

static const char *unique_ref(const char *name) {
  static unsigned serial;
  return conform_printf("ctrt.invalid/conform-%s/%s:t%u-%u", conform_env_get()->run_token, name,
                        (unsigned)(conform_now_ms() % 100000), ++serial);
}

/* A tag of the test image that the case owns. */
static const char *own_tag(const char *name) {
  const char *ref = unique_ref(name);
  if (!C_OK(ctrt_runtime_tag_image(RT, conform_env_get()->image, ref)))
    return NULL;
  conform_track_image(ref);
  return ref;
}

/* A reference on the pull registry's host that the registry does not hold,
 * unique to the case. */
static const char *registry_only_ref(const char *name) {
  const char *pull = conform_env_get()->pull_ref;
  const char *slash = strchr(pull, '/');
  return conform_printf("%.*s/ctrt/conform-%s-%s:t%u", (int)(slash ? slash - pull : 0), pull,
                        conform_env_get()->run_token, name, (unsigned)(conform_now_ms() % 100000));
}

/* An image of the case's own, with its own id: a container of the test image
 * writes /made, exits and is committed as ref (tracked). Returns ref and
 * stores the image id (owned by the case) in *image_id. */
static const char *own_image(const char *name, const char **image_id) {
  const ctrt_container_id *id = conform_new_id();
  const char *const argv[] = {"sh", "-c", conform_printf("echo %s > /made", name), NULL};
  int32_t code;
  if (!conform_run(id, NULL, argv) || !conform_wait(id, &code))
    return NULL;
  const char *ref = unique_ref(name);
  const char *colon = strrchr(ref, ':');
  ctrt_commit_options o = CTRT_COMMIT_OPTIONS_INIT;
  o.repo = conform_printf("%.*s", (int)(colon - ref), ref);
  o.tag = (char *)colon + 1;
  ctrt_commit_outcome *out = NULL;
  if (!C_OK(ctrt_runtime_commit_container(RT, &out, id, &o)))
    return NULL;
  conform_track_image(ref);
  if (image_id)
    *image_id = conform_printf("%s", out->id ? out->id : "");
  ctrt_commit_outcome_free(out);
  return ref;
}

/* A spec running argv in image ref. */
static ctrt_service_spec *spec_of(const char *ref, const char *const *argv) {
  ctrt_service_spec *spec = conform_spec(argv);
  free(spec->image.name);
  spec->image.name = strdup(ref);
  return spec;
}

static int load(const uint8_t *data, size_t len, bool quiet, ctrt_load_progress_stream **out) {
  ctrt_byte_source *src = NULL;
  int rc = ctrt_byte_source_from_buffer(&src, data, len);
  if (rc == 0)
    rc = ctrt_runtime_load_images(RT, out, src, quiet);
  ctrt_byte_source_free(src);
  return rc;
}

/* Load the test image: exactly one done event, naming the image (quiet
 * only drops the per-layer progress). */
static void load_and_count(bool quiet) {
  const conform_env *env = conform_env_get();
  ctrt_load_progress_stream *s = NULL;
  if (!C_OK(load(env->image_archive, env->image_archive_len, quiet, &s)))
    return;
  size_t dones = 0;
  bool named = false;
  for (;;) {
    ctrt_load_progress *p = NULL;
    int rc = ctrt_load_progress_stream_next(&p, s);
    if (rc == CTRT_ITEROVER || !C_OK(rc))
      break;
    if (p->kind == CTRT_LOAD_PROGRESS_DONE) {
      dones++;
      named = has_string(p->done.references, p->done.n_references, env->image);
    }
    ctrt_load_progress_free(p);
  }
  ctrt_load_progress_stream_close(s);
  C_EQ_INT(dones, 1);
  C_CHECK(named, "the done event names %s", env->image);
}

static void load_fixture(void) { load_and_count(false); }

static void load_garbage(void) {
  static const uint8_t garbage[] = "definitely not a docker archive, just bytes";
  ctrt_load_progress_stream *s = NULL;
  int rc = load(garbage, sizeof garbage, true, &s);
  if (rc == 0) {
    /* Like Docker: accepted, then the stream ends with an error item. */
    size_t dones = 0;
    for (;;) {
      ctrt_load_progress *p = NULL;
      rc = ctrt_load_progress_stream_next(&p, s);
      if (rc < 0)
        break;
      dones += p->kind == CTRT_LOAD_PROGRESS_DONE;
      ctrt_load_progress_free(p);
    }
    C_FAILS(CTRT_OP_LOAD_IMAGES, rc, CTRT_ERROR_INVALID_SPEC);
    C_EQ_INT(dones, 0);
    ctrt_load_progress_stream_close(s);
  } else {
    /* Or refused at once. */
    C_FAILS(CTRT_OP_LOAD_IMAGES, rc, CTRT_ERROR_INVALID_SPEC);
  }
}

static void list_has_fixture(void) {
  ctrt_image_info_list *list = NULL;
  if (!C_OK(ctrt_runtime_list_images(RT, &list)))
    return;
  bool found = false;
  for (size_t i = 0; i < list->n_items; i++)
    if (strcmp(list->items[i].reference, conform_env_get()->image) == 0) {
      found = true;
      C_CHECK(list->items[i].has_size_bytes && list->items[i].size_bytes > 1000000, "the size is reported");
    }
  C_CHECK(found, "the test image is listed");
  ctrt_image_info_list_free(list);
}

static void inspect_fixture(void) {
  ctrt_image_inspect_info *info = inspect(conform_env_get()->image);
  if (info == NULL)
    return;
  C_CHECK(info->id && strncmp(info->id, "sha256:", 7) == 0 && strlen(info->id) == 71, "a sha256 id: %s",
          info->id ? info->id : "(none)");
  C_CHECK(has_string(info->repo_tags, info->n_repo_tags, conform_env_get()->image), "its tag is listed");
  C_CHECK(info->n_layers >= 1, "it has layers");
  C_CHECK(info->os && strcmp(info->os, "linux") == 0, "os linux");
  bool path = false;
  for (size_t i = 0; i < info->n_env; i++)
    path = path || strncmp(info->env[i], "PATH=", 5) == 0;
  C_CHECK(path, "the config sets PATH");
  C_CHECK(info->n_cmd >= 1 && strcmp(info->cmd[0], "sh") == 0, "the default command is sh");
}

static void inspect_missing(void) {
  ctrt_image_inspect_info *info = NULL;
  C_FAILS(CTRT_OP_INSPECT_IMAGE_NATIVE, ctrt_runtime_inspect_image_native(RT, &info, "ctrt.invalid/missing:none"),
          CTRT_ERROR_NOT_FOUND);
}

static void history_newest_first(void) {
  ctrt_image_history_entry_list *h = NULL;
  if (!C_OK(ctrt_runtime_image_history(RT, &h, conform_env_get()->image)))
    return;
  if (C_CHECK(h->n_items >= 1, "there is history")) {
    C_CHECK(strncmp(h->items[0].id, "sha256:", 7) == 0, "the newest entry is the image itself");
    for (size_t i = 1; i < h->n_items; i++)
      C_CHECK(h->items[i].created <= h->items[i - 1].created, "entries go back in time");
  }
  ctrt_image_history_entry_list_free(h);
}

static void tag_and_untag(void) {
  const char *ref = own_tag("tagged");
  if (ref == NULL)
    return;
  ctrt_image_inspect_info *a = inspect(ref), *b = inspect(conform_env_get()->image);
  if (a && b)
    C_EQ_STR(a->id, b->id);
  /* Removing one tag of several leaves the image. */
  if (C_OK(ctrt_runtime_remove_image(RT, ref, false)))
    C_TRUE(inspect(conform_env_get()->image) != NULL);
}

static void tag_missing_source(void) {
  C_FAILS(CTRT_OP_TAG_IMAGE, ctrt_runtime_tag_image(RT, "ctrt.invalid/missing:none", unique_ref("x")),
          CTRT_ERROR_NOT_FOUND);
}

static void remove_in_use(void) {
  /* An image of the case's own (never the shared test image: a forced
   * removal may take every tag and container of the image with it). */
  const char *image_id = NULL;
  const char *ref = own_image("inuse", &image_id);
  if (ref == NULL)
    return;
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sleep", "600", NULL};
  if (!conform_run(id, spec_of(ref, argv), argv))
    return;
  /* By id, while a container runs it: a conflict, even forced. */
  C_FAILS(CTRT_OP_REMOVE_IMAGE, ctrt_runtime_remove_image(RT, image_id, true), CTRT_ERROR_CONFLICT);
  ctrt_image_inspect_info *info = inspect(image_id);
  if (info)
    C_CHECK(has_string(info->repo_tags, info->n_repo_tags, ref), "the refused removal leaves the image and its tag");
}

static void remove_by_id(void) {
  const char *image_id = NULL;
  const char *ref = own_image("byid", &image_id);
  if (ref == NULL || !C_OK(ctrt_runtime_remove_image(RT, image_id, false)))
    return;
  ctrt_image_inspect_info *info = NULL;
  C_FAILS(CTRT_OP_INSPECT_IMAGE_NATIVE, ctrt_runtime_inspect_image_native(RT, &info, image_id), CTRT_ERROR_NOT_FOUND);
  C_FAILS(CTRT_OP_INSPECT_IMAGE_NATIVE, ctrt_runtime_inspect_image_native(RT, &info, ref), CTRT_ERROR_NOT_FOUND);
}

static void remove_by_id_many_tags(void) {
  const char *image_id = NULL;
  const char *ref = own_image("manytags", &image_id);
  const char *second = unique_ref("manytags2");
  if (ref == NULL || !C_OK(ctrt_runtime_tag_image(RT, ref, second)))
    return;
  conform_track_image(second);
  /* Without force, an id naming an image with several tags is refused. */
  C_FAILS(CTRT_OP_REMOVE_IMAGE, ctrt_runtime_remove_image(RT, image_id, false), CTRT_ERROR_CONFLICT);
  ctrt_image_inspect_info *info = inspect(image_id);
  if (info)
    C_CHECK(has_string(info->repo_tags, info->n_repo_tags, ref) &&
                has_string(info->repo_tags, info->n_repo_tags, second),
            "both tags stay");
  /* Removing one tag only untags. */
  if (C_OK(ctrt_runtime_remove_image(RT, second, false)) && (info = inspect(image_id)) != NULL)
    C_CHECK(info->n_repo_tags == 1 && has_string(info->repo_tags, info->n_repo_tags, ref), "only %s is left", ref);
}

static void remove_used_by_stopped(void) {
  const char *image_id = NULL;
  const char *ref = own_image("stopped", &image_id);
  if (ref == NULL)
    return;
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"true", NULL};
  int32_t code;
  if (!conform_run(id, spec_of(ref, argv), argv) || !conform_wait(id, &code))
    return;
  /* Its only tag, used by a stopped container: refused unless forced. */
  C_FAILS(CTRT_OP_REMOVE_IMAGE, ctrt_runtime_remove_image(RT, ref, false), CTRT_ERROR_CONFLICT);
  C_TRUE(inspect(ref) != NULL);
  if (C_OK(ctrt_runtime_remove_image(RT, ref, true))) {
    ctrt_image_inspect_info *info = NULL;
    C_FAILS(CTRT_OP_INSPECT_IMAGE_NATIVE, ctrt_runtime_inspect_image_native(RT, &info, ref), CTRT_ERROR_NOT_FOUND);
  }
}

static void remove_missing(void) {
  C_FAILS(CTRT_OP_REMOVE_IMAGE, ctrt_runtime_remove_image(RT, "ctrt.invalid/missing:none", false),
          CTRT_ERROR_NOT_FOUND);
}

static const char *commit_one(const ctrt_container_id *id, const char *repo, const char *const *changes,
                              size_t n_changes) {
  ctrt_commit_options o = CTRT_COMMIT_OPTIONS_INIT;
  o.repo = (char *)repo;
  o.tag = "v1";
  o.comment = "made by the conformance suite";
  o.author = "ctrt";
  if (changes) {
    o.has_changes = true;
    o.changes = (char **)changes;
    o.n_changes = n_changes;
  }
  ctrt_commit_outcome *out = NULL;
  if (!C_OK(ctrt_runtime_commit_container(RT, &out, id, &o)))
    return NULL;
  const char *ref = conform_printf("%s:v1", repo);
  conform_track_image(ref);
  C_CHECK(out->id && strncmp(out->id, "sha256:", 7) == 0, "the commit returns an image id");
  ctrt_commit_outcome_free(out);
  return ref;
}

static void commit_keeps_files(void) {
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sh", "-c", "echo committed > /greeting", NULL};
  int32_t code;
  if (!conform_run(id, NULL, argv) || !conform_wait(id, &code))
    return;
  const char *repo = conform_printf("ctrt.invalid/conform-%s/committed", conform_env_get()->run_token);
  static const char *const changes[] = {"CMD [\"cat\", \"/greeting\"]", "ENV COMMITTED=yes"};
  const char *ref = commit_one(id, repo, changes, 2);
  if (ref == NULL)
    return;
  ctrt_image_inspect_info *info = inspect(ref);
  if (info) {
    C_CHECK(info->n_cmd == 2 && strcmp(info->cmd[0], "cat") == 0, "the CMD change applies");
    C_CHECK(has_string(info->env, info->n_env, "COMMITTED=yes"), "the ENV change applies");
    C_EQ_STR(info->comment, "made by the conformance suite");
    C_EQ_STR(info->author, "ctrt");
  }
  /* A container of the new image runs the new command on the new file. */
  const ctrt_container_id *again = conform_new_id();
  ctrt_service_spec *spec = conform_spec(NULL);
  free(spec->image.name);
  spec->image.name = strdup(ref);
  ctrt_log_entry_list *logs = NULL;
  if (conform_run(again, spec, NULL) && conform_wait(again, &code) &&
      C_OK(ctrt_runtime_get_logs(RT, &logs, again, CONFORM_ALL_LOGS))) {
    C_CHECK(logs->n_items == 1 && strcmp(logs->items[0].message, "committed") == 0, "the file is in the image");
    ctrt_log_entry_list_free(logs);
  }
}

static void commit_bad_change(void) {
  const ctrt_container_id *id = conform_sleeper();
  ctrt_commit_options o = CTRT_COMMIT_OPTIONS_INIT;
  char *changes[] = {"RUN rm -rf /"};
  o.has_changes = true;
  o.changes = changes;
  o.n_changes = 1;
  ctrt_commit_outcome *out = NULL;
  if (id)
    C_FAILS(CTRT_OP_COMMIT_CONTAINER, ctrt_runtime_commit_container(RT, &out, id, &o), CTRT_ERROR_INVALID_SPEC);
}

static void commit_missing(void) {
  ctrt_commit_options o = CTRT_COMMIT_OPTIONS_INIT;
  ctrt_commit_outcome *out = NULL;
  C_FAILS(CTRT_OP_COMMIT_CONTAINER, ctrt_runtime_commit_container(RT, &out, conform_new_id(), &o),
          CTRT_ERROR_NOT_FOUND);
}

static void prune_dangling(void) {
  /* Commit an untagged image: it is dangling, and prune removes it. */
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sh", "-c", "echo dangling > /d", NULL};
  int32_t code;
  if (!conform_run(id, NULL, argv) || !conform_wait(id, &code))
    return;
  ctrt_commit_options o = CTRT_COMMIT_OPTIONS_INIT;
  ctrt_commit_outcome *out = NULL;
  if (!C_OK(ctrt_runtime_commit_container(RT, &out, id, &o)))
    return;
  char *image_id = strdup(out->id);
  ctrt_commit_outcome_free(out);
  conform_track_image(image_id);
  ctrt_prune_result *pruned = NULL;
  if (C_OK(ctrt_runtime_prune_images(RT, &pruned))) {
    bool listed = false;
    for (size_t i = 0; i < pruned->n_deleted; i++)
      listed = listed || strstr(pruned->deleted[i], image_id + 7) != NULL;
    C_CHECK(listed, "the dangling image %.19s is pruned", image_id);
    ctrt_prune_result_free(pruned);
  }
  ctrt_image_inspect_info *info = NULL;
  C_CHECK(ctrt_runtime_inspect_image_native(RT, &info, image_id) == CTRT_ENOT_FOUND, "and gone");
  ctrt_image_inspect_info_free(info);
  C_TRUE(inspect(conform_env_get()->image) != NULL); /* tagged images stay */
  free(image_id);
}

static void save_and_load_round_trip(void) {
  const char *ref = own_tag("saved");
  if (ref == NULL)
    return;
  const char *names[] = {ref};
  ctrt_image_export_stream *s = NULL;
  uint8_t *tar;
  size_t len;
  if (!C_OK(ctrt_runtime_save_images(RT, &s, names, 1)) || !conform_read_export(s, &tar, &len)) {
    ctrt_image_export_stream_close(s);
    return;
  }
  ctrt_image_export_stream_close(s);
  C_CHECK(conform_tar_entry(tar, len, "manifest.json", NULL, NULL, NULL, NULL, NULL, 0), "a docker-archive");
  /* Remove the tag, load it back, and it is there again. */
  if (!C_OK(ctrt_runtime_remove_image(RT, ref, false)))
    return;
  ctrt_load_progress_stream *ls = NULL;
  if (C_OK(load(tar, len, true, &ls))) {
    for (ctrt_load_progress *p = NULL; ctrt_load_progress_stream_next(&p, ls) == 0; p = NULL)
      ctrt_load_progress_free(p);
    ctrt_load_progress_stream_close(ls);
  }
  C_TRUE(inspect(ref) != NULL);
}

static void save_missing(void) {
  const char *names[] = {"ctrt.invalid/missing:none"};
  ctrt_image_export_stream *s = NULL;
  C_FAILS(CTRT_OP_SAVE_IMAGES, ctrt_runtime_save_images(RT, &s, names, 1), CTRT_ERROR_NOT_FOUND);
}

static void import_rootfs(void) {
  /* A rootfs made of the test image's exported container. */
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sh", "-c", "echo imported > /marker", NULL};
  int32_t code;
  ctrt_image_export_stream *s = NULL;
  uint8_t *tar;
  size_t len;
  if (!conform_run(id, NULL, argv) || !conform_wait(id, &code) || !C_OK(ctrt_runtime_export_container_fs(RT, &s, id)) ||
      !conform_read_export(s, &tar, &len)) {
    ctrt_image_export_stream_close(s);
    return;
  }
  ctrt_image_export_stream_close(s);
  const char *repo = conform_printf("ctrt.invalid/conform-%s/imported", conform_env_get()->run_token);
  ctrt_byte_source *src = NULL;
  char *result = NULL;
  if (!C_OK(ctrt_byte_source_from_buffer(&src, tar, len)))
    return;
  int rc = ctrt_runtime_import_image(RT, &result, src, repo, "v1");
  ctrt_byte_source_free(src);
  if (!C_OK(rc))
    return;
  const char *ref = conform_printf("%s:v1", repo);
  conform_track_image(ref);
  ctrt_free(result);
  /* It runs, with the file. */
  const ctrt_container_id *again = conform_new_id();
  static const char *const cat[] = {"cat", "/marker", NULL};
  ctrt_service_spec *spec = conform_spec(cat);
  free(spec->image.name);
  spec->image.name = strdup(ref);
  ctrt_log_entry_list *logs = NULL;
  if (conform_run(again, spec, cat) && conform_wait(again, &code) &&
      C_OK(ctrt_runtime_get_logs(RT, &logs, again, CONFORM_ALL_LOGS))) {
    C_CHECK(logs->n_items == 1 && strcmp(logs->items[0].message, "imported") == 0, "the imported tree runs");
    ctrt_log_entry_list_free(logs);
  }
}

static void import_garbage(void) {
  static const char garbage[] = "not a tar";
  ctrt_byte_source *src = NULL;
  char *result = NULL;
  if (!C_OK(ctrt_byte_source_from_buffer(&src, garbage, sizeof garbage)))
    return;
  C_FAILS(CTRT_OP_IMPORT_IMAGE, ctrt_runtime_import_image(RT, &result, src, NULL, NULL), CTRT_ERROR_INVALID_SPEC);
  C_TRUE(result == NULL);
  ctrt_free(result);
  ctrt_byte_source_free(src);
}

static void import_untagged(void) {
  /* Without repo, the result is the new image's id; the image runs. */
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sh", "-c", "echo untagged > /marker", NULL};
  int32_t code;
  ctrt_image_export_stream *s = NULL;
  uint8_t *tar;
  size_t len;
  if (!conform_run(id, NULL, argv) || !conform_wait(id, &code) || !C_OK(ctrt_runtime_export_container_fs(RT, &s, id)) ||
      !conform_read_export(s, &tar, &len)) {
    ctrt_image_export_stream_close(s);
    return;
  }
  ctrt_image_export_stream_close(s);
  ctrt_byte_source *src = NULL;
  char *result = NULL;
  if (!C_OK(ctrt_byte_source_from_buffer(&src, tar, len)))
    return;
  int rc = ctrt_runtime_import_image(RT, &result, src, NULL, NULL);
  ctrt_byte_source_free(src);
  if (!C_OK(rc))
    return;
  const char *image_id = conform_printf("%s", result);
  ctrt_free(result);
  conform_track_image(image_id);
  C_CHECK(strncmp(image_id, "sha256:", 7) == 0 && strlen(image_id) == 71, "an image id: %s", image_id);
  ctrt_image_inspect_info *info = inspect(image_id);
  if (info)
    C_CHECK(info->n_repo_tags == 0, "the imported image has no tag (%zu)", info->n_repo_tags);
  const ctrt_container_id *again = conform_new_id();
  static const char *const cat[] = {"cat", "/marker", NULL};
  ctrt_log_entry_list *logs = NULL;
  if (conform_run(again, spec_of(image_id, cat), cat) && conform_wait(again, &code) &&
      C_OK(ctrt_runtime_get_logs(RT, &logs, again, CONFORM_ALL_LOGS))) {
    C_CHECK(logs->n_items == 1 && strcmp(logs->items[0].message, "untagged") == 0, "the imported tree runs");
    ctrt_log_entry_list_free(logs);
  }
}

/* ---- pulls ---- */

static void pull_anonymous(void) {
  const char *ref = conform_env_get()->pull_ref;
  ctrt_runtime_remove_image(RT, ref, true);
  if (!C_OK(ctrt_runtime_pull_image(RT, ref)))
    return;
  conform_track_image(ref);
  ctrt_image_inspect_info *info = inspect(ref);
  if (info)
    C_CHECK(info->n_repo_digests >= 1, "a pulled image has a repository digest");
}

static void pull_missing(void) {
  C_FAILS(CTRT_OP_PULL_IMAGE, ctrt_runtime_pull_image(RT, conform_env_get()->pull_missing_ref), CTRT_ERROR_NOT_FOUND);
}

static void pull_stream_progress(void) {
  const char *ref = conform_env_get()->pull_ref;
  ctrt_runtime_remove_image(RT, ref, true);
  ctrt_pull_progress_stream *s = NULL;
  if (!C_OK(ctrt_runtime_pull_image_stream(RT, &s, ref, NULL)))
    return;
  conform_track_image(ref);
  size_t statuses = 0, dones = 0;
  bool done_last = false, digest_ok = false;
  for (;;) {
    ctrt_pull_progress *p = NULL;
    int rc = ctrt_pull_progress_stream_next(&p, s);
    if (rc == CTRT_ITEROVER || !C_OK(rc))
      break;
    done_last = p->kind == CTRT_PULL_PROGRESS_DONE;
    if (p->kind == CTRT_PULL_PROGRESS_STATUS)
      statuses++;
    else if (p->kind == CTRT_PULL_PROGRESS_DONE) {
      dones++;
      digest_ok = p->done.digest && strncmp(p->done.digest, "sha256:", 7) == 0 && p->done.reference &&
                  strstr(p->done.reference, "busybox") != NULL;
    }
    ctrt_pull_progress_free(p);
  }
  C_CHECK(statuses >= 3, "a fresh pull reports progress (%zu statuses)", statuses);
  C_EQ_INT(dones, 1);
  C_TRUE(done_last);
  C_CHECK(digest_ok, "the done event carries the reference and a sha256 digest");
  ctrt_pull_progress_stream_close(s);
}

static void pull_stream_missing(void) {
  /* What the registry lacks: not found, at once or as the stream's error
   * item (a daemon answers the request before it knows). */
  ctrt_pull_progress_stream *s = NULL;
  int rc = ctrt_runtime_pull_image_stream(RT, &s, conform_env_get()->pull_missing_ref, NULL);
  if (rc < 0) {
    C_FAILS(CTRT_OP_PULL_IMAGE_STREAM, rc, CTRT_ERROR_NOT_FOUND);
    return;
  }
  size_t dones = 0;
  for (;;) {
    ctrt_pull_progress *p = NULL;
    rc = ctrt_pull_progress_stream_next(&p, s);
    if (rc < 0)
      break;
    dones += p->kind == CTRT_PULL_PROGRESS_DONE;
    ctrt_pull_progress_free(p);
  }
  C_FAILS(CTRT_OP_PULL_IMAGE_STREAM, rc, CTRT_ERROR_NOT_FOUND);
  C_EQ_INT(dones, 0);
  ctrt_pull_progress_stream_close(s);
}

static void pull_policy_never(void) {
  C_FAILS(CTRT_OP_PULL_IMAGE_WITH_POLICY,
          ctrt_runtime_pull_image_with_policy(RT, conform_env_get()->pull_missing_ref, CTRT_PULL_POLICY_NEVER, NULL,
                                              CTRT_SOURCE_POLICY_LOCAL_FIRST),
          CTRT_ERROR_NOT_FOUND);
  /* Present: never succeeds without contacting anything. */
  C_OK(ctrt_runtime_pull_image_with_policy(RT, conform_env_get()->image, CTRT_PULL_POLICY_NEVER, NULL,
                                           CTRT_SOURCE_POLICY_LOCAL_FIRST));
}

static void pull_policy_if_not_present(void) {
  /* The test image is in no registry: if_not_present must not try to pull. */
  C_OK(ctrt_runtime_pull_image_with_policy(RT, conform_env_get()->image, CTRT_PULL_POLICY_IF_NOT_PRESENT, NULL,
                                           CTRT_SOURCE_POLICY_LOCAL_FIRST));
}

/* A tag of the test image on the pull registry's host, which the registry
 * does not hold: present locally, absent remotely. */
static const char *local_only_tag(const char *name) {
  const char *ref = registry_only_ref(name);
  if (!C_OK(ctrt_runtime_tag_image(RT, conform_env_get()->image, ref)))
    return NULL;
  conform_track_image(ref);
  return ref;
}

static void pull_policy_always(void) {
  /* Present locally, but always asks the registry, which lacks it. */
  const char *ref = local_only_tag("always");
  if (ref == NULL)
    return;
  C_FAILS(CTRT_OP_PULL_IMAGE_WITH_POLICY,
          ctrt_runtime_pull_image_with_policy(RT, ref, CTRT_PULL_POLICY_ALWAYS, NULL, CTRT_SOURCE_POLICY_LOCAL_FIRST),
          CTRT_ERROR_NOT_FOUND);
  /* The failed pull leaves the local image alone. */
  C_TRUE(inspect(ref) != NULL);
  /* The same reference under if_not_present and never: no registry asked. */
  C_OK(ctrt_runtime_pull_image_with_policy(RT, ref, CTRT_PULL_POLICY_IF_NOT_PRESENT, NULL,
                                           CTRT_SOURCE_POLICY_LOCAL_FIRST));
  C_OK(ctrt_runtime_pull_image_with_policy(RT, ref, CTRT_PULL_POLICY_NEVER, NULL, CTRT_SOURCE_POLICY_LOCAL_FIRST));
}

static void pull_policy_newer(void) {
  /* newer asks the registry too, even with the image present. */
  const char *ref = local_only_tag("newer");
  if (ref == NULL)
    return;
  C_FAILS(CTRT_OP_PULL_IMAGE_WITH_POLICY,
          ctrt_runtime_pull_image_with_policy(RT, ref, CTRT_PULL_POLICY_NEWER, NULL, CTRT_SOURCE_POLICY_LOCAL_FIRST),
          CTRT_ERROR_NOT_FOUND);
  C_TRUE(inspect(ref) != NULL);
}

static void pull_policy_if_not_present_absent(void) {
  /* Absent locally: if_not_present does go to the registry (which lacks it). */
  C_FAILS(CTRT_OP_PULL_IMAGE_WITH_POLICY,
          ctrt_runtime_pull_image_with_policy(RT, conform_env_get()->pull_missing_ref, CTRT_PULL_POLICY_IF_NOT_PRESENT,
                                              NULL, CTRT_SOURCE_POLICY_LOCAL_FIRST),
          CTRT_ERROR_NOT_FOUND);
}

/* ---- create_container applies spec.image.pull_policy ---- */

static const char *const SLEEP_ARGV[] = {"sleep", "30", NULL};

/* create_container of ref under policy; the container is tracked. */
static int create_with_policy(const char *ref, ctrt_pull_policy policy) {
  ctrt_service_spec *spec = conform_spec(SLEEP_ARGV);
  free(spec->image.name);
  spec->image.name = strdup(ref);
  spec->image.pull_policy = policy;
  return ctrt_runtime_create_container(RT, conform_new_id(), spec); /* spec: the case's, freed with it */
}

static void create_policy_never_absent(void) {
  /* Absent: not found, and nothing was pulled. */
  const char *ref = conform_env_get()->pull_ref;
  ctrt_runtime_remove_image(RT, ref, true);
  C_FAILS(CTRT_OP_CREATE_CONTAINER, create_with_policy(ref, CTRT_PULL_POLICY_NEVER), CTRT_ERROR_NOT_FOUND);
  C_CHECK(strstr(ctrt_error_last()->message, ref) != NULL, "the message names the image: %s",
          ctrt_error_last()->message);
  ctrt_image_inspect_info *info = NULL;
  C_FAILS(CTRT_OP_INSPECT_IMAGE_NATIVE, ctrt_runtime_inspect_image_native(RT, &info, ref), CTRT_ERROR_NOT_FOUND);
  ctrt_image_inspect_info_free(info);
  /* Present: never creates. */
  C_OK(create_with_policy(conform_env_get()->image, CTRT_PULL_POLICY_NEVER));
}

static void create_policy_if_not_present_pulls(void) {
  const char *ref = conform_env_get()->pull_ref;
  ctrt_runtime_remove_image(RT, ref, true);
  int rc = create_with_policy(ref, CTRT_PULL_POLICY_IF_NOT_PRESENT);
  conform_track_image(ref);
  if (C_OK(rc))
    C_TRUE(inspect(ref) != NULL);
}

static void create_policy_always_asks(void) {
  /* Present locally, absent from the registry: always asks and fails; the
   * same reference under if_not_present and never creates. */
  const char *ref = local_only_tag("create-always");
  if (ref == NULL)
    return;
  C_FAILS(CTRT_OP_CREATE_CONTAINER, create_with_policy(ref, CTRT_PULL_POLICY_ALWAYS), CTRT_ERROR_NOT_FOUND);
  C_OK(create_with_policy(ref, CTRT_PULL_POLICY_IF_NOT_PRESENT));
  C_OK(create_with_policy(ref, CTRT_PULL_POLICY_NEVER));
}

static void pull_with_auth(void) {
  const conform_env *env = conform_env_get();
  ctrt_registry_auth wrong = CTRT_REGISTRY_AUTH_INIT;
  wrong.username = (char *)env->auth_user;
  wrong.password = "not-the-password";
  C_FAILS(CTRT_OP_PULL_IMAGE_WITH_POLICY,
          ctrt_runtime_pull_image_with_policy(RT, env->auth_pull_ref, CTRT_PULL_POLICY_ALWAYS, &wrong,
                                              CTRT_SOURCE_POLICY_LOCAL_FIRST),
          CTRT_ERROR_PULL_FAILED);
  const char *message = ctrt_error_last()->message;
  C_CHECK(strstr(message, "not-the-password") == NULL, "the password does not appear in the error");
  ctrt_image_inspect_info *info = NULL;
  C_FAILS(CTRT_OP_INSPECT_IMAGE_NATIVE, ctrt_runtime_inspect_image_native(RT, &info, env->auth_pull_ref),
          CTRT_ERROR_NOT_FOUND);
  ctrt_registry_auth right = CTRT_REGISTRY_AUTH_INIT;
  right.username = (char *)env->auth_user;
  right.password = (char *)env->auth_password;
  if (C_OK(ctrt_runtime_pull_image_with_policy(RT, env->auth_pull_ref, CTRT_PULL_POLICY_ALWAYS, &right,
                                               CTRT_SOURCE_POLICY_LOCAL_FIRST))) {
    conform_track_image(env->auth_pull_ref);
    C_TRUE(inspect(env->auth_pull_ref) != NULL);
  }
}

static void pull_without_auth_refused(void) {
  /* The registry with credentials refuses an anonymous pull. */
  C_FAILS(CTRT_OP_PULL_IMAGE_WITH_POLICY,
          ctrt_runtime_pull_image_with_policy(RT, conform_env_get()->auth_pull_ref, CTRT_PULL_POLICY_ALWAYS, NULL,
                                              CTRT_SOURCE_POLICY_LOCAL_FIRST),
          CTRT_ERROR_PULL_FAILED);
}

/* ---- search ---- */

static void search_finds(void) {
  ctrt_image_search_result_list *r = NULL;
  if (!C_OK(ctrt_runtime_search_images(RT, &r, conform_env_get()->search_term, 0)))
    return;
  bool found = false;
  for (size_t i = 0; i < r->n_items; i++)
    found = found || strstr(r->items[i].name, conform_env_get()->search_expect) != NULL;
  C_CHECK(found, "searching finds %s (%zu results)", conform_env_get()->search_expect, r->n_items);
  ctrt_image_search_result_list_free(r);
}

static size_t count_matches(const ctrt_image_search_result_list *r, const char *expect) {
  size_t n = 0;
  for (size_t i = 0; i < r->n_items; i++)
    n += r->items[i].name && strstr(r->items[i].name, expect) != NULL;
  return n;
}

static void search_limit(void) {
  /* The catalogue holds two matches: without a limit both come back, with
   * limit 1 exactly one. */
  ctrt_image_search_result_list *r = NULL;
  const char *expect = conform_env_get()->search_expect;
  if (C_OK(ctrt_runtime_search_images(RT, &r, conform_env_get()->search_term, 0))) {
    C_CHECK(count_matches(r, expect) >= 2, "without a limit, at least two results (%zu)", r->n_items);
    ctrt_image_search_result_list_free(r);
  }
  r = NULL;
  if (C_OK(ctrt_runtime_search_images(RT, &r, conform_env_get()->search_term, 1))) {
    C_CHECK(r->n_items == 1 && count_matches(r, expect) == 1, "limit 1 gives exactly one result (%zu)", r->n_items);
    ctrt_image_search_result_list_free(r);
  }
}

static void search_no_match(void) {
  const char *term = conform_env_get()->search_term;
  const char *slash = strchr(term, '/');
  ctrt_image_search_result_list *r = NULL;
  if (C_OK(ctrt_runtime_search_images(RT, &r, conform_printf("%.*s/zzqx-nothing-like-it", (int)(slash - term), term),
                                      0))) {
    C_CHECK(r->n_items == 0, "a term nothing matches finds nothing (%zu)", r->n_items);
    ctrt_image_search_result_list_free(r);
  }
}

static void search_fields(void) {
  /* The result carries the catalogue's description and star count. */
  ctrt_image_search_result_list *r = NULL;
  if (!C_OK(ctrt_runtime_search_images(RT, &r, conform_env_get()->search_term, 0)))
    return;
  bool seen = false;
  for (size_t i = 0; i < r->n_items; i++)
    if (r->items[i].name && strcmp(r->items[i].name, "ctrt/busybox") == 0) {
      seen = true;
      C_EQ_STR(r->items[i].description, "The ctrt conformance image (busybox-static)");
      C_EQ_INT(r->items[i].star_count, 7);
      C_TRUE(!r->items[i].official && !r->items[i].automated);
    }
  C_CHECK(seen, "ctrt/busybox is found (%zu results)", r->n_items);
  ctrt_image_search_result_list_free(r);
}

/* ---- more: history, list, inspect, tags, commit, save, load, prune ---- */

static void history_of_commit(void) {
  /* A commit adds one entry on top of its base, newest first, with the
   * commit's comment. */
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sh", "-c", "echo layer > /layer", NULL};
  int32_t code;
  ctrt_image_history_entry_list *base = NULL, *h = NULL;
  if (!C_OK(ctrt_runtime_image_history(RT, &base, conform_env_get()->image)))
    return;
  size_t n_base = base->n_items;
  ctrt_image_history_entry_list_free(base);
  if (!conform_run(id, NULL, argv) || !conform_wait(id, &code))
    return;
  const char *repo = conform_printf("ctrt.invalid/conform-%s/history", conform_env_get()->run_token);
  const char *ref = commit_one(id, repo, NULL, 0);
  ctrt_image_inspect_info *info = ref ? inspect(ref) : NULL;
  if (info == NULL || !C_OK(ctrt_runtime_image_history(RT, &h, ref)))
    return;
  C_CHECK(h->n_items == n_base + 1, "one more entry than the base (%zu, base %zu)", h->n_items, n_base);
  if (h->n_items >= 1) {
    C_EQ_STR(h->items[0].id, info->id);
    C_EQ_STR(h->items[0].comment, "made by the conformance suite");
    C_CHECK(has_string(h->items[0].tags, h->items[0].n_tags, ref), "the newest entry carries the tag");
  }
  ctrt_image_history_entry_list_free(h);
}

static void history_missing(void) {
  ctrt_image_history_entry_list *h = NULL;
  C_FAILS(CTRT_OP_IMAGE_HISTORY, ctrt_runtime_image_history(RT, &h, "ctrt.invalid/missing:none"), CTRT_ERROR_NOT_FOUND);
  C_TRUE(h == NULL);
}

static bool image_listed(const char *ref) {
  ctrt_image_info_list *list = NULL;
  bool found = false;
  if (C_OK(ctrt_runtime_list_images(RT, &list)))
    for (size_t i = 0; i < list->n_items; i++)
      found = found || (list->items[i].reference && strcmp(list->items[i].reference, ref) == 0);
  ctrt_image_info_list_free(list);
  return found;
}

static void list_follows_tags(void) {
  const char *ref = own_tag("listed");
  if (ref == NULL)
    return;
  C_CHECK(image_listed(ref), "a new tag is listed");
  if (C_OK(ctrt_runtime_remove_image(RT, ref, false)))
    C_CHECK(!image_listed(ref), "a removed tag is not");
  C_CHECK(image_listed(conform_env_get()->image), "the test image still is");
}

static void inspect_by_id(void) {
  const conform_env *env = conform_env_get();
  ctrt_image_inspect_info *info = inspect(env->image_id);
  if (info == NULL)
    return;
  C_EQ_STR(info->id, env->image_id);
  C_CHECK(has_string(info->repo_tags, info->n_repo_tags, env->image), "the id finds the tagged image");
}

static void tag_moves(void) {
  /* Tagging a reference that names another image moves the tag. */
  const char *image_id = NULL;
  const char *mine = own_image("moved", &image_id);
  const char *ref = own_tag("movetag");
  if (mine == NULL || ref == NULL || !C_OK(ctrt_runtime_tag_image(RT, mine, ref)))
    return;
  ctrt_image_inspect_info *info = inspect(ref);
  if (info)
    C_EQ_STR(info->id, image_id);
  info = inspect(conform_env_get()->image);
  if (info)
    C_CHECK(!has_string(info->repo_tags, info->n_repo_tags, ref), "the test image lost the moved tag");
}

static void commit_running(void) {
  /* A running container can be committed; it keeps running, and the image
   * has what it wrote. */
  const ctrt_container_id *id = conform_sleeper();
  static const char *const write[] = {"sh", "-c", "echo live > /live", NULL};
  ctrt_exec_result *r = id ? conform_exec(id, write) : NULL;
  if (r == NULL || !C_CHECK(r->exit_code == 0, "the file is written"))
    return;
  const char *repo = conform_printf("ctrt.invalid/conform-%s/running", conform_env_get()->run_token);
  const char *ref = commit_one(id, repo, NULL, 0);
  if (ref == NULL)
    return;
  ctrt_container_state *state = NULL;
  if (C_OK(ctrt_runtime_container_state(RT, &state, id))) {
    C_CHECK(state->kind == CTRT_CONTAINER_STATE_RUNNING, "the container still runs");
    ctrt_container_state_free(state);
  }
  const ctrt_container_id *again = conform_new_id();
  static const char *const cat[] = {"cat", "/live", NULL};
  int32_t code;
  ctrt_log_entry_list *logs = NULL;
  if (conform_run(again, spec_of(ref, cat), cat) && conform_wait(again, &code) &&
      C_OK(ctrt_runtime_get_logs(RT, &logs, again, CONFORM_ALL_LOGS))) {
    C_CHECK(logs->n_items == 1 && strcmp(logs->items[0].message, "live") == 0, "the committed file is there");
    ctrt_log_entry_list_free(logs);
  }
}

static void save_two_images(void) {
  /* Two images in one archive: the manifest names both tags. */
  const char *mine = own_image("savedtwo", NULL);
  const char *tag = own_tag("savedone");
  if (mine == NULL || tag == NULL)
    return;
  const char *names[] = {mine, tag};
  ctrt_image_export_stream *s = NULL;
  uint8_t *tar;
  size_t len;
  if (!C_OK(ctrt_runtime_save_images(RT, &s, names, 2)) || !conform_read_export(s, &tar, &len)) {
    ctrt_image_export_stream_close(s);
    return;
  }
  ctrt_image_export_stream_close(s);
  const uint8_t *manifest;
  size_t size;
  if (!C_CHECK(conform_tar_entry(tar, len, "manifest.json", &manifest, &size, NULL, NULL, NULL, 0), "a docker-archive"))
    return;
  const char *text = conform_printf("%.*s", (int)size, (const char *)manifest);
  C_CHECK(strstr(text, mine) != NULL && strstr(text, tag) != NULL, "the manifest names both: %s", text);
}

static void load_quiet(void) { load_and_count(true); }

static void prune_keeps_used(void) {
  /* An untagged image a container uses is not dangling: prune keeps it. */
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sh", "-c", "echo used > /u", NULL};
  int32_t code;
  if (!conform_run(id, NULL, argv) || !conform_wait(id, &code))
    return;
  ctrt_commit_options o = CTRT_COMMIT_OPTIONS_INIT;
  ctrt_commit_outcome *out = NULL;
  if (!C_OK(ctrt_runtime_commit_container(RT, &out, id, &o)))
    return;
  const char *image_id = conform_printf("%s", out->id);
  ctrt_commit_outcome_free(out);
  conform_track_image(image_id);
  const ctrt_container_id *user = conform_new_id();
  static const char *const cat[] = {"cat", "/u", NULL};
  if (!conform_run(user, spec_of(image_id, cat), cat) || !conform_wait(user, &code))
    return;
  ctrt_prune_result *pruned = NULL;
  if (C_OK(ctrt_runtime_prune_images(RT, &pruned))) {
    bool listed = false;
    for (size_t i = 0; i < pruned->n_deleted; i++)
      listed = listed || strstr(pruned->deleted[i], image_id + 7) != NULL;
    C_CHECK(!listed, "the image in use is not pruned");
    ctrt_prune_result_free(pruned);
  }
  C_TRUE(inspect(image_id) != NULL);
}

#define INSPECT CTRT_OP_INSPECT_IMAGE_NATIVE
/* Running a container to completion (conform_run, conform_wait). */
#define RUNS CTRT_OP_CREATE_CONTAINER, CTRT_OP_START_CONTAINER, CTRT_OP_WAIT_CONTAINER
/* own_image(). */
#define OWN_IMAGE RUNS, CTRT_OP_COMMIT_CONTAINER

static const conform_case cases[] = {
    CONFORM_CASE("images.load_fixture", load_fixture, "load_images: progress then one done naming the image.",
                 TESTS(CTRT_OP_LOAD_IMAGES)),
    CONFORM_CASE("images.load_garbage", load_garbage, "Loading garbage ends in an error.", TESTS(CTRT_OP_LOAD_IMAGES)),
    CONFORM_CASE("images.load_quiet", load_quiet, "A quiet load still ends with one done naming the image.",
                 TESTS(CTRT_OP_LOAD_IMAGES)),
    CONFORM_CASE("images.list_has_fixture", list_has_fixture, "list_images shows the test image and its size.",
                 TESTS(CTRT_OP_LIST_IMAGES)),
    CONFORM_CASE("images.list_follows_tags", list_follows_tags, "list_images shows a new tag, and not once removed.",
                 TESTS(CTRT_OP_LIST_IMAGES), USES(CTRT_OP_TAG_IMAGE, CTRT_OP_REMOVE_IMAGE), TAGS_TEST_IMAGE),
    CONFORM_CASE("images.inspect_fixture", inspect_fixture, "inspect_image_native: id, tags, layers, config.",
                 TESTS(INSPECT)),
    CONFORM_CASE("images.inspect_by_id", inspect_by_id, "inspect_image_native finds an image by its id.",
                 TESTS(INSPECT)),
    CONFORM_CASE("images.inspect_missing", inspect_missing, "Inspecting a missing image: not found.", TESTS(INSPECT)),
    CONFORM_CASE("images.history_newest_first", history_newest_first, "image_history, newest first.",
                 TESTS(CTRT_OP_IMAGE_HISTORY)),
    CONFORM_CASE("images.history_of_commit", history_of_commit,
                 "A commit adds one history entry on top, with its id, comment and tag.", TESTS(CTRT_OP_IMAGE_HISTORY),
                 USES(RUNS, CTRT_OP_COMMIT_CONTAINER, INSPECT)),
    CONFORM_CASE("images.history_missing", history_missing, "The history of a missing image: not found.",
                 TESTS(CTRT_OP_IMAGE_HISTORY)),
    CONFORM_CASE("images.tag_and_untag", tag_and_untag, "A new tag names the same image; removing it keeps the image.",
                 TESTS(CTRT_OP_TAG_IMAGE, CTRT_OP_REMOVE_IMAGE), USES(INSPECT), TAGS_TEST_IMAGE),
    CONFORM_CASE("images.tag_missing_source", tag_missing_source, "Tagging a missing image: not found.",
                 TESTS(CTRT_OP_TAG_IMAGE)),
    CONFORM_CASE("images.tag_moves", tag_moves, "Tagging an existing reference moves it to the new image.",
                 TESTS(CTRT_OP_TAG_IMAGE), USES(OWN_IMAGE, INSPECT), TAGS_TEST_IMAGE),
    CONFORM_CASE("images.remove_in_use", remove_in_use,
                 "An image a running container uses cannot be removed, even forced.", TESTS(CTRT_OP_REMOVE_IMAGE),
                 USES(OWN_IMAGE, INSPECT)),
    CONFORM_CASE("images.remove_by_id", remove_by_id, "Removing an image by id removes it and its tag.",
                 TESTS(CTRT_OP_REMOVE_IMAGE), USES(OWN_IMAGE, INSPECT)),
    CONFORM_CASE("images.remove_by_id_many_tags", remove_by_id_many_tags,
                 "An id naming an image with several tags needs force; a tag is removed alone.",
                 TESTS(CTRT_OP_REMOVE_IMAGE), USES(OWN_IMAGE, CTRT_OP_TAG_IMAGE, INSPECT)),
    CONFORM_CASE("images.remove_used_by_stopped", remove_used_by_stopped,
                 "The only tag of an image a stopped container uses goes only when forced.",
                 TESTS(CTRT_OP_REMOVE_IMAGE), USES(OWN_IMAGE, INSPECT)),
    CONFORM_CASE("images.remove_missing", remove_missing, "Removing a missing image: not found.",
                 TESTS(CTRT_OP_REMOVE_IMAGE)),
    CONFORM_CASE("images.commit_keeps_files", commit_keeps_files,
                 "commit_container: files, changes, comment and author reach the new image.",
                 TESTS(CTRT_OP_COMMIT_CONTAINER), USES(RUNS, INSPECT, CTRT_OP_GET_LOGS)),
    CONFORM_CASE("images.commit_running", commit_running,
                 "A running container is committed with what it wrote, and keeps running.",
                 TESTS(CTRT_OP_COMMIT_CONTAINER), USES(RUNS, CTRT_OP_EXEC, CTRT_OP_CONTAINER_STATE, CTRT_OP_GET_LOGS)),
    CONFORM_CASE("images.commit_bad_change", commit_bad_change, "An unsupported change instruction is invalid.",
                 TESTS(CTRT_OP_COMMIT_CONTAINER), USES(CTRT_OP_CREATE_CONTAINER, CTRT_OP_START_CONTAINER)),
    CONFORM_CASE("images.commit_missing", commit_missing, "Committing an unknown container: not found.",
                 TESTS(CTRT_OP_COMMIT_CONTAINER)),
    CONFORM_CASE("images.prune_dangling", prune_dangling, "prune_images removes an untagged unused image only.",
                 TESTS(CTRT_OP_PRUNE_IMAGES), USES(OWN_IMAGE, INSPECT), ALONE),
    CONFORM_CASE("images.prune_keeps_used", prune_keeps_used,
                 "prune_images keeps an untagged image that a container uses.", TESTS(CTRT_OP_PRUNE_IMAGES),
                 USES(OWN_IMAGE, INSPECT), ALONE),
    CONFORM_CASE("images.save_and_load_round_trip", save_and_load_round_trip,
                 "save_images then load_images brings a removed tag back.",
                 TESTS(CTRT_OP_SAVE_IMAGES, CTRT_OP_LOAD_IMAGES),
                 USES(CTRT_OP_TAG_IMAGE, CTRT_OP_REMOVE_IMAGE, INSPECT), TAGS_TEST_IMAGE),
    CONFORM_CASE("images.save_two_images", save_two_images, "save_images of two images names both in the manifest.",
                 TESTS(CTRT_OP_SAVE_IMAGES), USES(OWN_IMAGE, CTRT_OP_TAG_IMAGE), TAGS_TEST_IMAGE),
    CONFORM_CASE("images.save_missing", save_missing, "Saving a missing image: not found.", TESTS(CTRT_OP_SAVE_IMAGES)),
    CONFORM_CASE("images.import_rootfs", import_rootfs, "import_image of an exported tree runs.",
                 TESTS(CTRT_OP_IMPORT_IMAGE), USES(RUNS, CTRT_OP_EXPORT_CONTAINER_FS, CTRT_OP_GET_LOGS)),
    CONFORM_CASE("images.import_untagged", import_untagged,
                 "import_image without a repository gives the new image's id; it runs.", TESTS(CTRT_OP_IMPORT_IMAGE),
                 USES(RUNS, CTRT_OP_EXPORT_CONTAINER_FS, CTRT_OP_GET_LOGS, INSPECT)),
    CONFORM_CASE("images.import_garbage", import_garbage, "Importing bytes that are not a tar: invalid.",
                 TESTS(CTRT_OP_IMPORT_IMAGE)),
    CONFORM_CASE("images.pull_anonymous", pull_anonymous, "pull_image from the local registry.",
                 TESTS(CTRT_OP_PULL_IMAGE), USES(INSPECT, CTRT_OP_REMOVE_IMAGE), ALONE),
    CONFORM_CASE("images.pull_missing", pull_missing, "Pulling what the registry lacks: not found.",
                 TESTS(CTRT_OP_PULL_IMAGE)),
    CONFORM_CASE("images.pull_stream_progress", pull_stream_progress,
                 "pull_image_stream: progress, then exactly one done with the digest.",
                 TESTS(CTRT_OP_PULL_IMAGE_STREAM), USES(CTRT_OP_REMOVE_IMAGE), ALONE),
    CONFORM_CASE("images.pull_stream_missing", pull_stream_missing,
                 "pull_image_stream of what the registry lacks: not found, and no done event.",
                 TESTS(CTRT_OP_PULL_IMAGE_STREAM)),
    CONFORM_CASE("images.pull_policy_never", pull_policy_never, "never: not found when absent, fine when present.",
                 TESTS(CTRT_OP_PULL_IMAGE_WITH_POLICY)),
    CONFORM_CASE("images.pull_policy_if_not_present", pull_policy_if_not_present,
                 "if_not_present does not pull a present image.", TESTS(CTRT_OP_PULL_IMAGE_WITH_POLICY)),
    CONFORM_CASE("images.pull_policy_if_not_present_absent", pull_policy_if_not_present_absent,
                 "if_not_present pulls an absent image (not found when the registry lacks it).",
                 TESTS(CTRT_OP_PULL_IMAGE_WITH_POLICY)),
    CONFORM_CASE("images.pull_policy_always", pull_policy_always,
                 "always asks the registry even for a present image; if_not_present and never do not.",
                 TESTS(CTRT_OP_PULL_IMAGE_WITH_POLICY), USES(CTRT_OP_TAG_IMAGE, INSPECT), TAGS_TEST_IMAGE),
    CONFORM_CASE("images.pull_policy_newer", pull_policy_newer, "newer asks the registry even for a present image.",
                 TESTS(CTRT_OP_PULL_IMAGE_WITH_POLICY), USES(CTRT_OP_TAG_IMAGE, INSPECT), TAGS_TEST_IMAGE),
    CONFORM_CASE("images.create_policy_never_absent", create_policy_never_absent,
                 "create_container with pull_policy never: an absent image is not found and not pulled.",
                 TESTS(CTRT_OP_CREATE_CONTAINER), USES(INSPECT, CTRT_OP_REMOVE_IMAGE), ALONE),
    CONFORM_CASE("images.create_policy_if_not_present_pulls", create_policy_if_not_present_pulls,
                 "create_container with pull_policy if_not_present pulls an absent image.",
                 TESTS(CTRT_OP_CREATE_CONTAINER), USES(INSPECT, CTRT_OP_REMOVE_IMAGE), ALONE),
    CONFORM_CASE("images.create_policy_always_asks", create_policy_always_asks,
                 "create_container with pull_policy always asks the registry even for a present image.",
                 TESTS(CTRT_OP_CREATE_CONTAINER), USES(CTRT_OP_TAG_IMAGE), TAGS_TEST_IMAGE),
    CONFORM_CASE("images.pull_with_auth", pull_with_auth,
                 "A registry with credentials: wrong ones refused (without echoing them), right ones accepted.",
                 TESTS(CTRT_OP_PULL_IMAGE_WITH_POLICY), USES(INSPECT), TAGS_TEST_IMAGE),
    CONFORM_CASE("images.pull_without_auth_refused", pull_without_auth_refused,
                 "A registry with credentials refuses an anonymous pull.", TESTS(CTRT_OP_PULL_IMAGE_WITH_POLICY)),
    CONFORM_CASE("images.search_finds", search_finds, "search_images finds the test repository.",
                 TESTS(CTRT_OP_SEARCH_IMAGES)),
    CONFORM_CASE("images.search_limit", search_limit, "search_images honours the limit.", TESTS(CTRT_OP_SEARCH_IMAGES)),
    CONFORM_CASE("images.search_no_match", search_no_match, "A term nothing matches gives no results.",
                 TESTS(CTRT_OP_SEARCH_IMAGES)),
    CONFORM_CASE("images.search_fields", search_fields, "A search result carries description and stars.",
                 TESTS(CTRT_OP_SEARCH_IMAGES)),
};

const conform_area conform_area_images = CONFORM_AREA("images", cases);
