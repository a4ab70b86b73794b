/* The fixtures a run needs, set up the same way for every backend where
 * possible: the busybox test image is built in memory and loaded through
 * load_images. What a pull or a search reaches differs by nature: a real
 * engine gets a private docker-registry (anonymous and with credentials)
 * and a v1 search endpoint on loopback; the in-memory mock gets the same
 * image and catalogue through its set-up hooks. */
#include "runner.h"

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
    rc = ctrt_fixture_push(NULL, NULL, ctrt_fixture_registry_host(fx->registry), "ctrt/busybox", "latest",
                           fx->image, NULL);
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
  if ((rc = load_image(rt, fx->image)) < 0)
    return ctrt_fixture_error_wrap("loading the test image into the %s runtime", backend);
  const char *name = ctrt_runtime_backend_name(rt);
  rc = name && strcmp(name, "mock") == 0 ? setup_mock(rt, fx, env) : setup_daemon(fx, env);
  return rc < 0 ? ctrt_fixture_error_wrap("setting up the registry and search fixtures") : 0;
}

void conform_env_teardown(ctrt_runtime *rt, conform_fixtures *fx) {
  if (fx == NULL)
    return;
  if (fx->image)
    ctrt_runtime_remove_image(rt, CTRT_FIXTURE_IMAGE_REF, true);
  ctrt_fixture_search_stop(fx->search);
  ctrt_fixture_registry_stop(fx->registry);
  ctrt_fixture_registry_stop(fx->auth_registry);
  ctrt_fixture_image_free(fx->image);
  for (size_t i = 0; i < fx->n_strings; i++)
    free(fx->strings[i]);
  free(fx);
}
