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
  return conform_printf("ctrt.invalid/conform-%s/%s:t%u", conform_env_get()->run_token, name,
                        (unsigned)(conform_now_ms() % 100000));
}

/* A tag of the test image that the case owns. */
static const char *own_tag(const char *name) {
  const char *ref = unique_ref(name);
  if (!C_OK(ctrt_runtime_tag_image(RT, conform_env_get()->image, ref)))
    return NULL;
  conform_track_image(ref);
  return ref;
}

static int load(const uint8_t *data, size_t len, bool quiet, ctrt_load_progress_stream **out) {
  ctrt_byte_source *src = NULL;
  int rc = ctrt_byte_source_from_buffer(&src, data, len);
  if (rc == 0)
    rc = ctrt_runtime_load_images(RT, out, src, quiet);
  ctrt_byte_source_free(src);
  return rc;
}

static void load_fixture(void) {
  const conform_env *env = conform_env_get();
  ctrt_load_progress_stream *s = NULL;
  if (!C_OK(load(env->image_archive, env->image_archive_len, false, &s)))
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
  C_EQ_INT(dones, 1);
  C_CHECK(named, "the done event names %s", env->image);
  ctrt_load_progress_stream_close(s);
}

static void load_garbage(void) {
  static const uint8_t garbage[] = "definitely not a docker archive, just bytes";
  ctrt_load_progress_stream *s = NULL;
  int rc = load(garbage, sizeof garbage, true, &s);
  if (rc == 0) {
    /* Like Docker: accepted, then the stream ends with an error item. */
    bool failed = false;
    for (;;) {
      ctrt_load_progress *p = NULL;
      rc = ctrt_load_progress_stream_next(&p, s);
      ctrt_load_progress_free(p);
      if (rc == CTRT_ITEROVER)
        break;
      if (rc < 0) {
        failed = true;
        break;
      }
    }
    C_CHECK(failed, "loading garbage ends with an error");
    ctrt_load_progress_stream_close(s);
  } else {
    C_CHECK(ctrt_error_last()->kind == CTRT_ERROR_INVALID_SPEC, "or fails at once as invalid");
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
  const char *ref = own_tag("inuse");
  if (ref == NULL)
    return;
  /* The image only this tag names... */
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sleep", "600", NULL};
  ctrt_service_spec *spec = conform_spec(argv);
  free(spec->image.name);
  spec->image.name = strdup(ref);
  if (!conform_run(id, spec, argv))
    return;
  /* ...by id, while a container runs it: a conflict, even forced. */
  ctrt_image_inspect_info *info = inspect(ref);
  if (info)
    C_FAILS(CTRT_OP_REMOVE_IMAGE, ctrt_runtime_remove_image(RT, info->id, true), CTRT_ERROR_CONFLICT);
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
  if (conform_run(again, spec, NULL) && conform_wait(again, &code) && C_OK(ctrt_runtime_get_logs(RT, &logs, again))) {
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
  if (conform_run(again, spec, cat) && conform_wait(again, &code) && C_OK(ctrt_runtime_get_logs(RT, &logs, again))) {
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
  C_CHECK(ctrt_runtime_import_image(RT, &result, src, NULL, NULL) < 0, "importing garbage fails");
  ctrt_free(result);
  ctrt_byte_source_free(src);
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

static void pull_policy_always(void) {
  const char *ref = conform_env_get()->pull_ref;
  if (C_OK(ctrt_runtime_pull_image_with_policy(RT, ref, CTRT_PULL_POLICY_ALWAYS, NULL, CTRT_SOURCE_POLICY_LOCAL_FIRST)))
    conform_track_image(ref);
  C_CHECK(ctrt_runtime_pull_image_with_policy(RT, conform_env_get()->image, CTRT_PULL_POLICY_ALWAYS, NULL,
                                              CTRT_SOURCE_POLICY_LOCAL_FIRST) < 0,
          "always pulls even when present (and the test image is in no registry)");
}

static void pull_with_auth(void) {
  const conform_env *env = conform_env_get();
  ctrt_registry_auth wrong = CTRT_REGISTRY_AUTH_INIT;
  wrong.username = (char *)env->auth_user;
  wrong.password = "not-the-password";
  C_CHECK(ctrt_runtime_pull_image_with_policy(RT, env->auth_pull_ref, CTRT_PULL_POLICY_ALWAYS, &wrong,
                                              CTRT_SOURCE_POLICY_LOCAL_FIRST) < 0,
          "wrong credentials are refused");
  const char *message = ctrt_error_last()->message;
  C_CHECK(strstr(message, "not-the-password") == NULL, "the password does not appear in the error");
  ctrt_registry_auth right = CTRT_REGISTRY_AUTH_INIT;
  right.username = (char *)env->auth_user;
  right.password = (char *)env->auth_password;
  if (C_OK(ctrt_runtime_pull_image_with_policy(RT, env->auth_pull_ref, CTRT_PULL_POLICY_ALWAYS, &right,
                                               CTRT_SOURCE_POLICY_LOCAL_FIRST)))
    conform_track_image(env->auth_pull_ref);
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

static void search_limit(void) {
  ctrt_image_search_result_list *r = NULL;
  if (C_OK(ctrt_runtime_search_images(RT, &r, conform_env_get()->search_term, 1))) {
    C_CHECK(r->n_items <= 1, "limit 1 gives at most one result (%zu)", r->n_items);
    ctrt_image_search_result_list_free(r);
  }
}

static void search_empty_term(void) {
  ctrt_image_search_result_list *r = NULL;
  C_FAILS(CTRT_OP_SEARCH_IMAGES, ctrt_runtime_search_images(RT, &r, "", 0), CTRT_ERROR_INVALID_SPEC);
}

static const conform_case cases[] = {
    CONFORM_CASE("images.load_fixture", load_fixture, "load_images: progress then one done naming the image.",
                 TESTS(CTRT_OP_LOAD_IMAGES)),
    CONFORM_CASE("images.load_garbage", load_garbage, "Loading garbage ends in an error.", TESTS(CTRT_OP_LOAD_IMAGES)),
    CONFORM_CASE("images.list_has_fixture", list_has_fixture, "list_images shows the test image and its size.",
                 TESTS(CTRT_OP_LIST_IMAGES)),
    CONFORM_CASE("images.inspect_fixture", inspect_fixture, "inspect_image_native: id, tags, layers, config.",
                 TESTS(CTRT_OP_INSPECT_IMAGE_NATIVE)),
    CONFORM_CASE("images.inspect_missing", inspect_missing, "Inspecting a missing image: not found.",
                 TESTS(CTRT_OP_INSPECT_IMAGE_NATIVE)),
    CONFORM_CASE("images.history_newest_first", history_newest_first, "image_history, newest first.",
                 TESTS(CTRT_OP_IMAGE_HISTORY)),
    CONFORM_CASE("images.tag_and_untag", tag_and_untag, "A new tag names the same image; removing it keeps the image.",
                 TESTS(CTRT_OP_TAG_IMAGE, CTRT_OP_REMOVE_IMAGE, CTRT_OP_INSPECT_IMAGE_NATIVE)),
    CONFORM_CASE("images.tag_missing_source", tag_missing_source, "Tagging a missing image: not found.",
                 TESTS(CTRT_OP_TAG_IMAGE)),
    CONFORM_CASE("images.remove_in_use", remove_in_use, "An image a running container uses cannot be removed.",
                 TESTS(CTRT_OP_REMOVE_IMAGE, CTRT_OP_TAG_IMAGE)),
    CONFORM_CASE("images.remove_missing", remove_missing, "Removing a missing image: not found.",
                 TESTS(CTRT_OP_REMOVE_IMAGE)),
    CONFORM_CASE("images.commit_keeps_files", commit_keeps_files,
                 "commit_container: files, changes, comment and author reach the new image.",
                 TESTS(CTRT_OP_COMMIT_CONTAINER, CTRT_OP_INSPECT_IMAGE_NATIVE)),
    CONFORM_CASE("images.commit_bad_change", commit_bad_change, "An unsupported change instruction is invalid.",
                 TESTS(CTRT_OP_COMMIT_CONTAINER)),
    CONFORM_CASE("images.commit_missing", commit_missing, "Committing an unknown container: not found.",
                 TESTS(CTRT_OP_COMMIT_CONTAINER)),
    CONFORM_CASE("images.prune_dangling", prune_dangling, "prune_images removes an untagged unused image only.",
                 TESTS(CTRT_OP_PRUNE_IMAGES, CTRT_OP_COMMIT_CONTAINER)),
    CONFORM_CASE("images.save_and_load_round_trip", save_and_load_round_trip,
                 "save_images then load_images brings a removed tag back.",
                 TESTS(CTRT_OP_SAVE_IMAGES, CTRT_OP_LOAD_IMAGES)),
    CONFORM_CASE("images.save_missing", save_missing, "Saving a missing image: not found.", TESTS(CTRT_OP_SAVE_IMAGES)),
    CONFORM_CASE("images.import_rootfs", import_rootfs, "import_image of an exported tree runs.",
                 TESTS(CTRT_OP_IMPORT_IMAGE, CTRT_OP_EXPORT_CONTAINER_FS)),
    CONFORM_CASE("images.import_garbage", import_garbage, "Importing garbage fails.", TESTS(CTRT_OP_IMPORT_IMAGE)),
    CONFORM_CASE("images.pull_anonymous", pull_anonymous, "pull_image from the local registry.",
                 TESTS(CTRT_OP_PULL_IMAGE, CTRT_OP_INSPECT_IMAGE_NATIVE)),
    CONFORM_CASE("images.pull_missing", pull_missing, "Pulling what the registry lacks: not found.",
                 TESTS(CTRT_OP_PULL_IMAGE)),
    CONFORM_CASE("images.pull_stream_progress", pull_stream_progress,
                 "pull_image_stream: progress, then exactly one done with the digest.",
                 TESTS(CTRT_OP_PULL_IMAGE_STREAM)),
    CONFORM_CASE("images.pull_policy_never", pull_policy_never, "never: not found when absent, fine when present.",
                 TESTS(CTRT_OP_PULL_IMAGE_WITH_POLICY)),
    CONFORM_CASE("images.pull_policy_if_not_present", pull_policy_if_not_present,
                 "if_not_present does not pull a present image.", TESTS(CTRT_OP_PULL_IMAGE_WITH_POLICY)),
    CONFORM_CASE("images.pull_policy_always", pull_policy_always, "always pulls, even a present image.",
                 TESTS(CTRT_OP_PULL_IMAGE_WITH_POLICY)),
    CONFORM_CASE("images.pull_with_auth", pull_with_auth,
                 "A registry with credentials: wrong ones refused (without echoing them), right ones accepted.",
                 TESTS(CTRT_OP_PULL_IMAGE_WITH_POLICY)),
    CONFORM_CASE("images.search_finds", search_finds, "search_images finds the test repository.",
                 TESTS(CTRT_OP_SEARCH_IMAGES)),
    CONFORM_CASE("images.search_limit", search_limit, "search_images honours the limit.", TESTS(CTRT_OP_SEARCH_IMAGES)),
    CONFORM_CASE("images.search_empty_term", search_empty_term, "An empty term is refused.",
                 TESTS(CTRT_OP_SEARCH_IMAGES)),
};

const conform_area conform_area_images = CONFORM_AREA("images", cases);
