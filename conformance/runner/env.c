/* SPDX-License-Identifier: MIT */
/* The fixtures a run needs, set up the same way for every backend where
 * possible: the busybox test image is built in memory and loaded through
 * load_images. What a pull or a search reaches differs by nature: a real
 * engine gets a private docker-registry (anonymous and with credentials)
 * and a v1 search endpoint on loopback; the in-memory mock gets the same
 * image and catalogue through its set-up hooks. */
#define _GNU_SOURCE /* asprintf */
#include "runner.h"

#include <ctrt/mock.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fixtures.h"

#define AUTH_USER "conform"
#define AUTH_PASSWORD "s3cret-conform-password"

struct conform_fixtures {
  ctrt_fixture_image *image;
  bool image_was_there; /* then teardown leaves it */
  bool image_loaded;
  ctrt_fixture_registry *registry, *auth_registry;
  ctrt_fixture_search_server *search;
  char *strings[8];
  size_t n_strings;
};

static const char *keep(conform_fixtures *fx, char *text) {
  if (text == NULL || fx->n_strings == sizeof fx->strings / sizeof fx->strings[0])
    abort();
  fx->strings[fx->n_strings++] = text;
  return text;
}

static char *text(const char *fmt, const char *a, const char *b) {
  size_t n = strlen(fmt) + strlen(a) + (b ? strlen(b) : 0) + 1;
  char *out = malloc(n);
  if (out)
    snprintf(out, n, fmt, a, b);
  return out;
}

static const ctrt_fixture_search_entry catalogue[] = {
    {"ctrt/busybox", "The ctrt conformance image (busybox-static)", 7, false, false},
    {"ctrt/busybox-extra", "Another busybox image", 1, false, true},
    {"ctrt/other", "Not a match for busybox searches", 0, false, false},
};

static int load_image(ctrt_runtime *rt, const ctrt_fixture_image *image) {
  ctrt_byte_source *src = NULL;
  ctrt_load_progress_stream *progress = NULL;
  int rc = ctrt_byte_source_from_buffer(&src, image->archive.data, image->archive.len);
  if (rc == 0)
    rc = ctrt_runtime_load_images(rt, &progress, src, true);
  while (rc == 0) {
    ctrt_load_progress *p = NULL;
    rc = ctrt_load_progress_stream_next(&p, progress);
    ctrt_load_progress_free(p);
    if (rc == CTRT_ITEROVER) {
      rc = 0;
      break;
    }
  }
  ctrt_load_progress_stream_close(progress);
  ctrt_byte_source_free(src);
  return rc;
}

static int setup_mock(ctrt_runtime *rt, conform_fixtures *fx, conform_env *env) {
  /* The mock's registry and catalogue live in memory: seed them. */
  const char *host = "127.0.0.1:5000";
  env->pull_ref = keep(fx, text("%s/ctrt/busybox:latest", host, NULL));
  env->pull_missing_ref = keep(fx, text("%s/ctrt/missing:latest", host, NULL));
  env->auth_pull_ref = keep(fx, text("%s/ctrt/private:latest", "127.0.0.1:5001", NULL));
  env->search_term = keep(fx, text("%s/busybox", host, NULL));
  ctrt_byte_source *src = NULL;
  int rc = ctrt_byte_source_from_buffer(&src, fx->image->archive.data, fx->image->archive.len);
  if (rc == 0)
    rc = ctrt_mock_registry_add(rt, env->pull_ref, src, NULL, NULL);
  ctrt_byte_source_free(src);
  src = NULL;
  if (rc == 0)
    rc = ctrt_byte_source_from_buffer(&src, fx->image->archive.data, fx->image->archive.len);
  if (rc == 0)
    rc = ctrt_mock_registry_add(rt, env->auth_pull_ref, src, AUTH_USER, AUTH_PASSWORD);
  ctrt_byte_source_free(src);
  for (size_t i = 0; rc == 0 && i < sizeof catalogue / sizeof catalogue[0]; i++) {
    ctrt_image_search_result r = CTRT_IMAGE_SEARCH_RESULT_INIT;
    r.name = (char *)catalogue[i].name;
    r.description = (char *)catalogue[i].description;
    r.star_count = (uint64_t)catalogue[i].star_count;
    r.official = catalogue[i].is_official;
    r.automated = catalogue[i].is_automated;
    rc = ctrt_mock_search_add(rt, &r);
  }
  return rc;
}

static int setup_daemon(conform_fixtures *fx, conform_env *env) {
  ctrt_fixture_registry_options ro = CTRT_FIXTURE_REGISTRY_OPTIONS_INIT;
  int rc = ctrt_fixture_registry_start(&fx->registry, &ro);
  if (rc == 0)
    rc = ctrt_fixture_push(NULL, NULL, ctrt_fixture_registry_host(fx->registry), "ctrt/busybox", "latest", fx->image,
                           NULL);
  ctrt_fixture_registry_options auth = CTRT_FIXTURE_REGISTRY_OPTIONS_INIT;
  auth.username = AUTH_USER;
  auth.password = AUTH_PASSWORD;
  if (rc == 0)
    rc = ctrt_fixture_registry_start(&fx->auth_registry, &auth);
  ctrt_fixture_push_options po = CTRT_FIXTURE_PUSH_OPTIONS_INIT;
  po.username = AUTH_USER;
  po.password = AUTH_PASSWORD;
  if (rc == 0)
    rc = ctrt_fixture_push(NULL, NULL, ctrt_fixture_registry_host(fx->auth_registry), "ctrt/private", "latest",
                           fx->image, &po);
  if (rc == 0)
    rc = ctrt_fixture_search_start(&fx->search, catalogue, sizeof catalogue / sizeof catalogue[0], 0);
  if (rc < 0)
    return rc;
  const char *host = ctrt_fixture_registry_host(fx->registry);
  env->pull_ref = keep(fx, text("%s/ctrt/busybox:latest", host, NULL));
  env->pull_missing_ref = keep(fx, text("%s/ctrt/missing:latest", host, NULL));
  env->auth_pull_ref = keep(fx, text("%s/ctrt/private:latest", ctrt_fixture_registry_host(fx->auth_registry), NULL));
  env->search_term = keep(fx, text("%s/busybox", ctrt_fixture_search_host(fx->search), NULL));
  return 0;
}

static bool image_present(ctrt_runtime *rt, const char *ref, const char *want_id, char **why) {
  ctrt_image_inspect_info *info = NULL;
  if (ctrt_runtime_inspect_image_native(rt, &info, ref) < 0) {
    if (why && asprintf(why, "%s is gone (%s: %s)", ref, ctrt_error_kind_name(ctrt_error_last()->kind),
                        ctrt_error_last()->message) < 0)
      abort();
    return false;
  }
  bool same = want_id == NULL || (info->id && strcmp(info->id, want_id) == 0);
  if (!same && why && asprintf(why, "%s now names %s instead of %s", ref, info->id ? info->id : "(no id)", want_id) < 0)
    abort();
  ctrt_image_inspect_info_free(info);
  return same;
}

/* Put the test image in place the cheapest way the backend allows: load its
 * archive, else pull it from the registry fixture. Sets env->image_problem
 * when it cannot. */
static void provide_image(ctrt_runtime *rt, conform_fixtures *fx, conform_env *env) {
  bool can_inspect = ctrt_supports(rt, CTRT_OP_INSPECT_IMAGE_NATIVE);
  fx->image_was_there = can_inspect && image_present(rt, CTRT_FIXTURE_IMAGE_REF, fx->image->image_id, NULL);
  if (fx->image_was_there)
    return;
  if (ctrt_supports(rt, CTRT_OP_LOAD_IMAGES)) {
    if (load_image(rt, fx->image) == 0) {
      fx->image_loaded = true;
      return;
    }
  } else if (env->pull_ref && ctrt_supports(rt, CTRT_OP_PULL_IMAGE)) {
    if (ctrt_runtime_pull_image(rt, env->pull_ref) == 0) {
      env->image = env->pull_ref;
      return;
    }
  } else {
    env->image_problem = "the backend implements neither load_images nor pull_image, so the test image cannot "
                         "be put in place";
    return;
  }
  char *why = NULL;
  if (asprintf(&why, "putting the test image in place failed: %s: %s", ctrt_error_kind_name(ctrt_error_last()->kind),
               ctrt_error_last()->message) < 0)
    abort();
  env->image_problem = keep(fx, why);
}

char *conform_env_verify(ctrt_runtime *rt, const conform_env *env) {
  if (env->image_problem || !ctrt_supports(rt, CTRT_OP_INSPECT_IMAGE_NATIVE))
    return NULL;
  char *why = NULL;
  if (image_present(rt, env->image, env->image_id, &why))
    return NULL;
  /* Put it back for the cases after this one. */
  ctrt_byte_source *src = NULL;
  ctrt_load_progress_stream *progress = NULL;
  if (ctrt_byte_source_from_buffer(&src, env->image_archive, env->image_archive_len) == 0 &&
      ctrt_runtime_load_images(rt, &progress, src, true) == 0) {
    ctrt_load_progress *p = NULL;
    while (ctrt_load_progress_stream_next(&p, progress) == 0)
      ctrt_load_progress_free(p);
  }
  ctrt_load_progress_stream_close(progress);
  ctrt_byte_source_free(src);
  return why;
}

size_t conform_remove_containers(ctrt_runtime *rt, const char *prefix, char **names) {
  ctrt_runtime_container_summary_list *list = NULL;
  size_t n = 0;
  if (names)
    *names = NULL;
  if (ctrt_runtime_list_containers(rt, &list) < 0)
    return 0;
  for (size_t i = 0; i < list->n_items; i++) {
    const char *managed = list->items[i].managed_id;
    ctrt_container_id *id = NULL;
    if (managed == NULL || strncmp(managed, prefix, strlen(prefix)) != 0 || ctrt_container_id_parse(&id, managed) < 0)
      continue;
    ctrt_runtime_remove_container(rt, id);
    ctrt_container_id_free(id);
    if (names) {
      char *more = NULL;
      if (asprintf(&more, "%s%s%s", *names ? *names : "", *names ? ", " : "", managed) < 0)
        abort();
      free(*names);
      *names = more;
    }
    n++;
  }
  ctrt_runtime_container_summary_list_free(list);
  ctrt_error_clear();
  return n;
}

int conform_env_setup(ctrt_runtime *rt, const char *backend, conform_env *env, conform_fixtures **out) {
  conform_fixtures *fx = calloc(1, sizeof *fx);
  if (fx == NULL)
    abort();
  *out = fx;
  memset(env, 0, sizeof *env);
  env->backend = backend;
  char token[16];
  snprintf(token, sizeof token, "%04x", (unsigned)((getpid() ^ (unsigned)time(NULL)) & 0xffff));
  env->run_token = keep(fx, strdup(token));
  env->auth_user = AUTH_USER;
  env->auth_password = AUTH_PASSWORD;
  env->search_expect = "busybox";
  ctrt_fixture_image_options io = CTRT_FIXTURE_IMAGE_OPTIONS_INIT;
  int rc = ctrt_fixture_image_build(&fx->image, &io);
  if (rc < 0)
    return ctrt_fixture_error_wrap("building the busybox test image");
  env->image = CTRT_FIXTURE_IMAGE_REF;
  env->image_id = fx->image->image_id;
  env->image_archive = fx->image->archive.data;
  env->image_archive_len = fx->image->archive.len;
  const char *name = ctrt_runtime_backend_name(rt);
  rc = name && strcmp(name, "mock") == 0 ? setup_mock(rt, fx, env) : setup_daemon(fx, env);
  if (rc < 0)
    return ctrt_fixture_error_wrap("setting up the registry and search fixtures");
  provide_image(rt, fx, env);
  return 0;
}

void conform_env_teardown(ctrt_runtime *rt, conform_fixtures *fx) {
  if (fx == NULL)
    return;
  /* Only what this run put there, and never by force: a container or
   * another tag of someone else's keeps it. */
  if (fx->image_loaded && !fx->image_was_there)
    ctrt_runtime_remove_image(rt, CTRT_FIXTURE_IMAGE_REF, false);
  ctrt_fixture_search_stop(fx->search);
  ctrt_fixture_registry_stop(fx->registry);
  ctrt_fixture_registry_stop(fx->auth_registry);
  ctrt_fixture_image_free(fx->image);
  for (size_t i = 0; i < fx->n_strings; i++)
    free(fx->strings[i]);
  free(fx);
}
