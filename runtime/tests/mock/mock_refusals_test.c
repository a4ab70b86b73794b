/* Caller mistakes and hostile inputs the mock refuses with an error instead
 * of crashing or storing them (issue 10): a create without an image name,
 * load_images with RepoTags Docker would not parse or a config holding a
 * NUL byte, a docker-archive that decompresses past the mock's limits. */
#include "test_support.h"

#include "fixtures.h"

#include <ctrt/mock.h>

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

static ctrt_runtime *rt;

static int setup(void) { return ctrt_open(&rt, "mock:") < 0 ? -1 : 0; }

static int teardown(void) {
  ctrt_close(rt);
  return 0;
}

static void test_create_without_image(void) {
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = "noimage";
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  /* Decided by the dispatcher for every backend (spec: ImageSpec.name check). */
  spec.image.name = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_create_container(rt, &id, &spec), CTRT_ERROR_INVALID_SPEC);
  spec.image.name = "";
  ASSERT_FAILS_WITH(ctrt_runtime_create_container(rt, &id, &spec), CTRT_ERROR_INVALID_SPEC);
  /* nothing was created */
  ASSERT_FAILS_WITH(ctrt_runtime_remove_container(rt, &id), CTRT_ERROR_NOT_FOUND);
}

/* Load an archive; the stream's final status (0 or the error code). */
static int load(const uint8_t *data, size_t len) {
  ctrt_byte_source *src = NULL;
  ctrt_load_progress_stream *s = NULL;
  ASSERT_OK(ctrt_byte_source_from_buffer(&src, data, len));
  int rc = ctrt_runtime_load_images(rt, &s, src, true);
  ctrt_load_progress *p = NULL;
  while (rc == 0 && (rc = ctrt_load_progress_stream_next(&p, s)) == 0) {
    ctrt_load_progress_free(p);
    p = NULL;
  }
  ctrt_load_progress_stream_close(s);
  ctrt_byte_source_free(src);
  return rc == CTRT_ITEROVER ? 0 : rc;
}

/* The fixture builder refuses bad tags itself: build with a placeholder and
 * rewrite it in manifest.json, padding with JSON whitespace (same length,
 * so the tar stays valid: its header checksum does not cover the data). */
#define PLACEHOLDER "localhost/ctrt/placeholder:placeholder-tag"

static int load_tagged(const char *tag, const char **image_id) {
  static char id[80];
  const char *tags[] = {PLACEHOLDER};
  ctrt_fixture_image_options o = CTRT_FIXTURE_IMAGE_OPTIONS_INIT;
  o.repo_tags = tags;
  o.n_repo_tags = 1;
  ctrt_fixture_image *image = NULL;
  ASSERT_OK(ctrt_fixture_image_build(&image, &o));
  snprintf(id, sizeof id, "%s", image->image_id);
  *image_id = id;
  const char *quoted = "\"" PLACEHOLDER "\"";
  size_t ql = strlen(quoted), tl = strlen(tag);
  CU_ASSERT_FATAL(tl + 2 <= ql);
  size_t hits = 0;
  for (size_t i = 0; i + ql <= image->archive.len; i++) {
    uint8_t *at = image->archive.data + i;
    if (memcmp(at, quoted, ql) != 0)
      continue;
    at[0] = '"';
    memcpy(at + 1, tag, tl);
    at[1 + tl] = '"';
    memset(at + 2 + tl, ' ', ql - 2 - tl);
    hits++;
  }
  CU_ASSERT_EQUAL(hits, 1); /* manifest.json's RepoTags */
  int rc = load(image->archive.data, image->archive.len);
  ctrt_fixture_image_free(image);
  return rc;
}

static void test_load_refuses_bad_repo_tags(void) {
  static const char *const bad[] = {
      "", "UPPER:Case", "a b:c", "::", "repo", "repo:", "repo:-tag", "a//b:c", "a..b:c", "-a:b", "Host.example/x:y:z"};
  const char *id;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int rc = load_tagged(bad[i], &id);
    if (rc != CTRT_EINVALID_ARGUMENT)
      fprintf(stderr, "\nRepoTags [\"%s\"]: rc %d\n", bad[i], rc);
    CU_ASSERT_EQUAL(rc, CTRT_EINVALID_ARGUMENT);
    /* refused before anything was stored */
    ctrt_image_inspect_info *d = NULL;
    ASSERT_FAILS_WITH(ctrt_runtime_inspect_image_native(rt, &d, id), CTRT_ERROR_NOT_FOUND);
  }
  static const char *const good[] = {"localhost/ctrt/ok:v1", "registry.example:5000/a/b-c__d.e:1.0_x", "ok:latest",
                                     "a-b/c:T"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    int rc = load_tagged(good[i], &id);
    if (rc != 0)
      fprintf(stderr, "\nRepoTags [\"%s\"]: %s\n", good[i], ctrt_error_last()->message);
    CU_ASSERT_EQUAL(rc, 0);
    ctrt_image_inspect_info *d = NULL;
    ASSERT_OK(ctrt_runtime_inspect_image_native(rt, &d, good[i]));
    ctrt_image_inspect_info_free(d);
  }
}

/* A docker-archive whose config has "\0garbage" after the JSON: it used to
 * be hashed and parsed up to the NUL. */
static void test_load_refuses_config_with_nul(void) {
  ctrt_fixture_image_options o = CTRT_FIXTURE_IMAGE_OPTIONS_INIT;
  ctrt_fixture_image *image = NULL;
  ASSERT_OK(ctrt_fixture_image_build(&image, &o));
  /* the config is stored in the archive as a tar member; find its bytes and
   * replace its last byte ('}') by a NUL (same length: the tar stays valid) */
  const uint8_t *cfg = image->config.data;
  size_t n = image->config.len;
  uint8_t *hit = NULL;
  for (size_t i = 0; i + n <= image->archive.len && hit == NULL; i++)
    if (memcmp(image->archive.data + i, cfg, n) == 0)
      hit = image->archive.data + i;
  CU_ASSERT_PTR_NOT_NULL_FATAL(hit);
  memmove(hit + 1, hit, n - 1); /* "\0{...": a NUL before the JSON */
  hit[0] = '\0';
  /* the tar header checksum does not cover data: still a valid archive */
  CU_ASSERT_EQUAL(load(image->archive.data, image->archive.len), CTRT_EINVALID_SPEC);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "NUL byte at offset 0"));
  ctrt_image_inspect_info *d = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_inspect_image_native(rt, &d, image->image_id), CTRT_ERROR_NOT_FOUND);
  ctrt_fixture_image_free(image);
}

static la_ssize_t grow(struct archive *a, void *ctx, const void *data, size_t n) {
  (void)a;
  ctrt_bytes *b = ctx;
  b->data = realloc(b->data, b->len + n);
  memcpy(b->data + b->len, data, n);
  b->len += n;
  return (la_ssize_t)n;
}

/* A bzip2 docker-archive of one 64 KiB member written 60 times: 3.75 MiB of
 * tar in a few hundred bytes. With 256 KiB images the mock reads at most
 * 4 * 2 * 256 KiB + 1 MiB = 3 MiB of it (memfs_tar_stream_max of four
 * images); before, it read every member into memory, without a bound. */
static void test_load_refuses_decompression_bomb(void) {
  ctrt_bytes bomb = {0};
  struct archive *a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  CU_ASSERT_EQUAL_FATAL(archive_write_add_filter_bzip2(a), ARCHIVE_OK);
  archive_write_set_bytes_per_block(a, 0);
  CU_ASSERT_EQUAL_FATAL(archive_write_open(a, &bomb, NULL, grow, NULL), ARCHIVE_OK);
  static uint8_t zeros[64 << 10];
  for (int i = 0; i < 60; i++) {
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "layer.tar");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, sizeof zeros);
    CU_ASSERT_EQUAL(archive_write_header(a, e), ARCHIVE_OK);
    CU_ASSERT_EQUAL(archive_write_data(a, zeros, sizeof zeros), (la_ssize_t)sizeof zeros);
    archive_entry_free(e);
  }
  CU_ASSERT_EQUAL(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
  CU_ASSERT_TRUE(bomb.len < 4096);
  ctrt_runtime *saved = rt;
  ASSERT_OK(ctrt_open(&rt, "mock:"));
  ASSERT_OK(ctrt_mock_set_fs_limits(rt, 64 << 10, 256 << 10, 256 << 10));
  CU_ASSERT_EQUAL(load(bomb.data, bomb.len), CTRT_EINVALID_SPEC);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "the uncompressed tar passes 3145728 bytes"));
  /* without limits it is read whole, and refused for what it holds */
  ASSERT_OK(ctrt_mock_set_fs_limits(rt, 0, 0, 0));
  CU_ASSERT_EQUAL(load(bomb.data, bomb.len), CTRT_EINVALID_SPEC);
  CU_ASSERT_PTR_NULL(strstr(ctrt_error_last()->message, "uncompressed"));
  ctrt_close(rt);
  rt = saved;
  free(bomb.data);
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("mock refusals", setup, teardown);
  CU_add_test(s, "create without an image name", test_create_without_image);
  /* before any image with the fixture's config is stored */
  CU_add_test(s, "load_images refuses a config with a NUL byte", test_load_refuses_config_with_nul);
  CU_add_test(s, "load_images refuses bad RepoTags", test_load_refuses_bad_repo_tags);
  CU_add_test(s, "load_images refuses a decompression bomb", test_load_refuses_decompression_bomb);
}
