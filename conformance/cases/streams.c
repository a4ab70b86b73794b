/* SPDX-License-Identifier: MIT */
/* Conformance: streams closed half-way for every kind not covered by its
 * area, byte streams read through tiny buffers, and several threads using
 * one runtime at once. */
#include "../conform.h"

#include <pthread.h>

#define RT conform_rt()

static void pull_closed_half_way(void) {
  const char *ref = conform_env_get()->pull_ref;
  ctrt_runtime_remove_image(RT, ref, true);
  ctrt_pull_progress_stream *s = NULL;
  if (!C_OK(ctrt_runtime_pull_image_stream(RT, &s, ref, NULL)))
    return;
  conform_track_image(ref);
  ctrt_pull_progress *p = NULL;
  if (C_OK(ctrt_pull_progress_stream_next(&p, s)))
    ctrt_pull_progress_free(p);
  ctrt_pull_progress_stream_close(s);
  /* A daemon may finish the abandoned pull on its own: pull again so the
   * reference is in a known state when the case ends (and is removed). */
  C_OK(ctrt_runtime_pull_image(RT, ref));
}

static void load_closed_half_way(void) {
  const conform_env *env = conform_env_get();
  ctrt_byte_source *src = NULL;
  ctrt_load_progress_stream *s = NULL;
  if (!C_OK(ctrt_byte_source_from_buffer(&src, env->image_archive, env->image_archive_len)))
    return;
  if (C_OK(ctrt_runtime_load_images(RT, &s, src, false))) {
    ctrt_load_progress *p = NULL;
    if (C_OK(ctrt_load_progress_stream_next(&p, s)))
      ctrt_load_progress_free(p);
    ctrt_load_progress_stream_close(s);
  }
  ctrt_byte_source_free(src);
}

static void save_closed_half_way(void) {
  const char *names[] = {conform_env_get()->image};
  ctrt_image_export_stream *s = NULL;
  if (!C_OK(ctrt_runtime_save_images(RT, &s, names, 1)))
    return;
  uint8_t buf[1024];
  size_t n;
  C_OK(ctrt_image_export_stream_read(s, buf, sizeof buf, &n));
  ctrt_image_export_stream_cancel(s);
  C_FAILS(CTRT_OP_SAVE_IMAGES, ctrt_image_export_stream_read(s, buf, sizeof buf, &n), CTRT_ERROR_CANCELLED);
  ctrt_image_export_stream_close(s);
}

static void save_tiny_reads(void) {
  /* A 7-byte buffer: every read returns at most 7 bytes, the archive stays whole. */
  const char *names[] = {conform_env_get()->image};
  ctrt_image_export_stream *s = NULL;
  if (!C_OK(ctrt_runtime_save_images(RT, &s, names, 1)))
    return;
  size_t total = 0, reads = 0, cap = 0;
  bool bounded = true;
  uint8_t *all = NULL;
  for (;;) {
    uint8_t buf[7];
    size_t n = 0;
    int rc = ctrt_image_export_stream_read(s, buf, sizeof buf, &n);
    if (rc == CTRT_ITEROVER || !C_OK(rc))
      break;
    bounded = bounded && n >= 1 && n <= sizeof buf;
    if (total + n > cap && (all = realloc(all, cap = cap ? cap * 2 : 65536)) == NULL)
      abort();
    memcpy(all + total, buf, n);
    total += n;
    reads++;
  }
  C_CHECK(bounded, "every read fits the caller's buffer");
  C_CHECK(total > 1000000 && reads > 100000, "the whole image came through (%zu bytes)", total);
  C_CHECK(all && conform_tar_entry(all, total, "manifest.json", NULL, NULL, NULL, NULL, NULL, 0),
          "and it is a docker-archive");
  free(all);
  ctrt_image_export_stream_close(s);
}

/* ---- sources read in small chunks ---- */

typedef struct chunked {
  const uint8_t *data;
  size_t len, at, chunk, reads;
} chunked;

static int read_chunk(void *ctx, void *buf, size_t cap, size_t *n_read) {
  chunked *c = ctx;
  if (c->at == c->len)
    return CTRT_ITEROVER;
  size_t n = c->len - c->at;
  n = n < c->chunk ? n : c->chunk;
  n = n < cap ? n : cap;
  memcpy(buf, c->data + c->at, n);
  c->at += n;
  c->reads++;
  *n_read = n;
  return 0;
}

static void load_from_callback(void) {
  /* An upload from a callback source handing out 509 bytes at a time. */
  const conform_env *env = conform_env_get();
  chunked c = {env->image_archive, env->image_archive_len, 0, 509, 0};
  ctrt_byte_source *src = NULL;
  ctrt_load_progress_stream *s = NULL;
  if (!C_OK(ctrt_byte_source_from_callback(&src, read_chunk, &c)))
    return;
  if (C_OK(ctrt_runtime_load_images(RT, &s, src, true))) {
    bool named = false;
    for (;;) {
      ctrt_load_progress *p = NULL;
      int rc = ctrt_load_progress_stream_next(&p, s);
      if (rc == CTRT_ITEROVER || !C_OK(rc))
        break;
      if (p->kind == CTRT_LOAD_PROGRESS_DONE)
        for (size_t i = 0; i < p->done.n_references; i++)
          named = named || strcmp(p->done.references[i], env->image) == 0;
      ctrt_load_progress_free(p);
    }
    ctrt_load_progress_stream_close(s);
    C_CHECK(named, "the image loaded from %zu small reads", c.reads);
  }
  ctrt_byte_source_free(src);
}

static void import_from_callback(void) {
  /* A rootfs tar made in memory, uploaded 100 bytes at a time. */
  static const conform_tar_item items[] = {
      {"etc", '5', NULL, 0},
      {"etc/chunked", '0', "uploaded in small pieces\n", 0},
  };
  size_t len;
  uint8_t *tar = conform_make_tar(items, 2, &len);
  chunked c = {tar, len, 0, 100, 0};
  const char *repo = conform_printf("ctrt.invalid/conform-%s/chunked", conform_env_get()->run_token);
  ctrt_byte_source *src = NULL;
  char *result = NULL;
  if (!C_OK(ctrt_byte_source_from_callback(&src, read_chunk, &c)))
    return;
  int rc = ctrt_runtime_import_image(RT, &result, src, repo, "v1");
  ctrt_byte_source_free(src);
  if (!C_OK(rc))
    return;
  ctrt_free(result);
  const char *ref = conform_printf("%s:v1", repo);
  conform_track_image(ref);
  ctrt_image_inspect_info *info = NULL;
  if (C_OK(ctrt_runtime_inspect_image_native(RT, &info, ref))) {
    C_CHECK(info->n_layers == 1, "one layer (%zu)", info->n_layers);
    ctrt_image_inspect_info_free(info);
  }
}

static void export_tiny_reads(void) {
  /* A container's export read 7 bytes at a time stays whole. */
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"true", NULL};
  int32_t code;
  ctrt_image_export_stream *s = NULL;
  if (!conform_run(id, NULL, argv) || !C_OK(ctrt_runtime_wait_container(RT, &code, id)) ||
      !C_OK(ctrt_runtime_export_container_fs(RT, &s, id)))
    return;
  size_t total = 0, cap = 0;
  bool bounded = true;
  uint8_t *all = NULL;
  for (;;) {
    uint8_t buf[7];
    size_t n = 0;
    int rc = ctrt_image_export_stream_read(s, buf, sizeof buf, &n);
    if (rc == CTRT_ITEROVER || !C_OK(rc))
      break;
    bounded = bounded && n >= 1 && n <= sizeof buf;
    if (total + n > cap && (all = realloc(all, cap = cap ? cap * 2 : 65536)) == NULL)
      abort();
    memcpy(all + total, buf, n);
    total += n;
  }
  ctrt_image_export_stream_close(s);
  C_CHECK(bounded, "every read fits the caller's buffer");
  C_CHECK(all && conform_tar_entry(all, total, "etc/passwd", NULL, NULL, NULL, NULL, NULL, 0),
          "the export holds /etc/passwd (%zu bytes)", total);
  free(all);
}

/* ---- several threads ---- */

typedef struct execer {
  const ctrt_container_id *id;
  int n, failures;
} execer;

static void *exec_loop(void *arg) {
  execer *e = arg;
  char word[32];
  snprintf(word, sizeof word, "thread-%d", e->n);
  const char *const argv[] = {"echo", word};
  for (int i = 0; i < 10; i++) {
    ctrt_exec_result *r = NULL;
    int rc = ctrt_runtime_exec(conform_rt(), &r, e->id, argv, 2);
    bool ok = rc == 0 && r->exit_code == 0 && r->stdout_.len == strlen(word) + 1 &&
              memcmp(r->stdout_.data, word, strlen(word)) == 0 && r->stdout_.data[strlen(word)] == '\n';
    e->failures += !ok;
    ctrt_exec_result_free(r);
  }
  return NULL;
}

static void threads_execs(void) {
  /* Four threads exec into one container at once; outputs never mix. */
  const ctrt_container_id *id = conform_sleeper();
  if (id == NULL)
    return;
  execer e[4];
  pthread_t t[4];
  for (int i = 0; i < 4; i++) {
    e[i] = (execer){id, i, 0};
    pthread_create(&t[i], NULL, exec_loop, &e[i]);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    C_CHECK(e[i].failures == 0, "thread %d: %d of 10 execs wrong", i, e[i].failures);
  }
}

typedef struct worker {
  const ctrt_container_id *id; /* from conform_new_id: removed by the runner whatever happens */
  bool ok;
  char why[256];
} worker;

static void *lifecycle_worker(void *arg) {
  worker *w = arg;
  char *args[] = {"sh", "-c", "echo thread; exit 2"};
  ctrt_command_spec cmd = CTRT_COMMAND_SPEC_INIT;
  cmd.has_args = true;
  cmd.args = args;
  cmd.n_args = 3;
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  spec.image.name = (char *)conform_env_get()->image;
  spec.command = &cmd;
  int32_t code = -1;
  ctrt_runtime *rt = conform_rt();
  w->ok = ctrt_runtime_create_container(rt, w->id, &spec) == 0 && ctrt_runtime_start_container(rt, w->id) == 0 &&
          ctrt_runtime_wait_container(rt, &code, w->id) == 0 && code == 2;
  if (!w->ok)
    snprintf(w->why, sizeof w->why, "%s (exit %d)", ctrt_error_last()->message, (int)code);
  if (ctrt_runtime_remove_container(rt, w->id) != 0 && w->ok) {
    w->ok = false;
    snprintf(w->why, sizeof w->why, "remove: %s", ctrt_error_last()->message);
  }
  return NULL;
}

static void threads_lifecycles(void) {
  worker w[8];
  pthread_t t[8];
  for (int i = 0; i < 8; i++) {
    w[i] = (worker){conform_new_id(), false, ""};
    pthread_create(&t[i], NULL, lifecycle_worker, &w[i]);
  }
  for (int i = 0; i < 8; i++) {
    pthread_join(t[i], NULL);
    C_CHECK(w[i].ok, "thread %d: create, start, wait, remove: %s", i, w[i].why);
  }
}

typedef struct follower {
  const ctrt_container_id *id;
  size_t lines;
  int rc;
} follower;

static void *follow(void *arg) {
  follower *f = arg;
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.follow = true;
  ctrt_logs_stream *s = NULL;
  f->rc = ctrt_runtime_logs_stream(conform_rt(), &s, f->id, &o);
  while (f->rc == 0) {
    ctrt_log_chunk *c = NULL;
    int rc = ctrt_logs_stream_next(&c, s);
    if (rc == CTRT_ITEROVER)
      break;
    f->rc = rc;
    /* A chunk is not necessarily one line: count the line endings. */
    for (size_t i = 0; rc == 0 && i < c->data.len; i++)
      f->lines += c->data.data[i] == '\n';
    ctrt_log_chunk_free(c);
  }
  ctrt_logs_stream_close(s);
  return NULL;
}

static void threads_followers(void) {
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sh", "-c", CONFORM_WAIT_GO "for i in 1 2 3 4 5; do echo $i; done", NULL};
  if (!conform_run(id, NULL, argv))
    return;
  follower f[4];
  pthread_t t[4];
  for (int i = 0; i < 4; i++) {
    f[i] = (follower){id, 0, 0};
    pthread_create(&t[i], NULL, follow, &f[i]);
  }
  /* The lines come once the followers are started (whether they are already
   * following or not, they must see all of them). */
  if (!conform_release(id, "/tmp/go"))
    ctrt_runtime_remove_container(RT, id);
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    C_CHECK(f[i].rc == 0 && f[i].lines == 5, "follower %d saw all 5 lines (%zu, rc %d)", i, f[i].lines, f[i].rc);
  }
}

typedef struct tagger {
  int n;
  bool ok;
} tagger;

static void *tag_and_list(void *arg) {
  tagger *t = arg;
  char ref[256];
  snprintf(ref, sizeof ref, "ctrt.invalid/conform-%s/threads:t%d", conform_env_get()->run_token, t->n);
  t->ok = true;
  for (int i = 0; i < 10 && t->ok; i++) {
    ctrt_image_info_list *list = NULL;
    t->ok = ctrt_runtime_tag_image(conform_rt(), conform_env_get()->image, ref) == 0 &&
            ctrt_runtime_list_images(conform_rt(), &list) == 0 &&
            ctrt_runtime_remove_image(conform_rt(), ref, false) == 0;
    ctrt_image_info_list_free(list);
  }
  return NULL;
}

static void threads_images(void) {
  tagger t[4];
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    t[i] = (tagger){i, false};
    pthread_create(&th[i], NULL, tag_and_list, &t[i]);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    C_CHECK(t[i].ok, "thread %d tagged, listed and untagged ten times", i);
  }
}

static const conform_case cases[] = {
    CONFORM_CASE("streams.pull_closed_half_way", pull_closed_half_way, "Closing a pull progress stream early.",
                 TESTS(CTRT_OP_PULL_IMAGE_STREAM), USES(CTRT_OP_REMOVE_IMAGE, CTRT_OP_PULL_IMAGE), ALONE),
    CONFORM_CASE("streams.load_closed_half_way", load_closed_half_way, "Closing a load progress stream early.",
                 TESTS(CTRT_OP_LOAD_IMAGES)),
    CONFORM_CASE("streams.load_from_callback", load_from_callback, "load_images reads a callback source in chunks.",
                 TESTS(CTRT_OP_LOAD_IMAGES)),
    CONFORM_CASE("streams.import_from_callback", import_from_callback,
                 "import_image reads a callback source in chunks.", TESTS(CTRT_OP_IMPORT_IMAGE),
                 USES(CTRT_OP_INSPECT_IMAGE_NATIVE)),
    CONFORM_CASE("streams.save_closed_half_way", save_closed_half_way, "Cancelling a save stream mid-transfer.",
                 TESTS(CTRT_OP_SAVE_IMAGES)),
    CONFORM_CASE("streams.save_tiny_reads", save_tiny_reads, "A byte stream read 7 bytes at a time stays whole.",
                 TESTS(CTRT_OP_SAVE_IMAGES)),
    CONFORM_CASE("streams.export_tiny_reads", export_tiny_reads, "An export read 7 bytes at a time stays whole.",
                 TESTS(CTRT_OP_EXPORT_CONTAINER_FS),
                 USES(CTRT_OP_CREATE_CONTAINER, CTRT_OP_START_CONTAINER, CTRT_OP_WAIT_CONTAINER)),
    CONFORM_CASE(
        "streams.threads_lifecycles", threads_lifecycles,
        "Eight threads each create, start, wait for and remove a container.",
        TESTS(CTRT_OP_CREATE_CONTAINER, CTRT_OP_START_CONTAINER, CTRT_OP_WAIT_CONTAINER, CTRT_OP_REMOVE_CONTAINER)),
    CONFORM_CASE("streams.threads_followers", threads_followers, "Four followers of one container see every line.",
                 TESTS(CTRT_OP_LOGS_STREAM),
                 USES(CTRT_OP_CREATE_CONTAINER, CTRT_OP_START_CONTAINER, CTRT_OP_EXEC, CTRT_OP_REMOVE_CONTAINER)),
    CONFORM_CASE("streams.threads_execs", threads_execs, "Four threads exec into one container at once.",
                 TESTS(CTRT_OP_EXEC), USES(CTRT_OP_CREATE_CONTAINER, CTRT_OP_START_CONTAINER)),
    CONFORM_CASE("streams.threads_images", threads_images, "Four threads tag, list and untag images at once.",
                 TESTS(CTRT_OP_TAG_IMAGE, CTRT_OP_LIST_IMAGES, CTRT_OP_REMOVE_IMAGE), TAGS_TEST_IMAGE),
};

const conform_area conform_area_streams = CONFORM_AREA("streams", cases);
