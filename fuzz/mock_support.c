/* See mock_support.h. */
#include "mock_support.h"

#include "fixtures.h"

#include <ctrt/mock.h>

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>

static ctrt_runtime *rt;
static bool have_image;

static void close_mock(void) {
  ctrt_close(rt);
  rt = NULL;
}

ctrt_runtime *ctrt_fuzz_mock(bool with_image) {
  if (rt == NULL) {
    CTRT_FUZZ_CHECK(ctrt_open(&rt, "mock:") == 0);
    /* Limits a fuzzer survives: a blow-up past them is refused, not run.
     * The work one tar input may cause grows with them (a compressed tar of
     * a few hundred bytes fills a filesystem to its limit, and a refusal
     * comes within twice the limit of uncompressed tar): at 16 MiB the
     * worst accepted or refused input stays within the CPU limit of
     * fuzz/run-target.sh (fuzz/README.md, "Timeouts"). */
    CTRT_FUZZ_CHECK(ctrt_mock_set_fs_limits(rt, 4u << 20, 16u << 20, 16u << 20) == 0);
    atexit(close_mock);
  }
  if (with_image && !have_image) {
    ctrt_fixture_image_options o = CTRT_FIXTURE_IMAGE_OPTIONS_INIT;
    ctrt_fixture_image *image = NULL;
    CTRT_FUZZ_CHECK(ctrt_fixture_image_build(&image, &o) == 0);
    ctrt_byte_source *src = NULL;
    ctrt_load_progress_stream *s = NULL;
    CTRT_FUZZ_CHECK(ctrt_byte_source_from_buffer(&src, image->archive.data, image->archive.len) == 0);
    CTRT_FUZZ_CHECK(ctrt_runtime_load_images(rt, &s, src, true) == 0);
    for (ctrt_load_progress *p = NULL; ctrt_load_progress_stream_next(&p, s) == 0; p = NULL)
      ctrt_load_progress_free(p);
    ctrt_load_progress_stream_close(s);
    ctrt_byte_source_free(src);
    ctrt_fixture_image_free(image);
    have_image = true;
  }
  return rt;
}

ctrt_container_id ctrt_fuzz_mock_container(const char *name) {
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = (char *)name;
  char *args[] = {"sleep", "100000"};
  ctrt_command_spec cmd = CTRT_COMMAND_SPEC_INIT;
  cmd.has_args = true;
  cmd.args = args;
  cmd.n_args = 2;
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  spec.image.name = CTRT_FUZZ_IMAGE;
  spec.command = &cmd;
  ctrt_runtime *m = ctrt_fuzz_mock(true);
  CTRT_FUZZ_CHECK(ctrt_runtime_create_container(m, &id, &spec) == 0);
  CTRT_FUZZ_CHECK(ctrt_runtime_start_container(m, &id) == 0);
  return id;
}

void ctrt_fuzz_mock_drop(const ctrt_container_id *id) {
  ctrt_runtime_kill_container(rt, id, "KILL"); /* it may have ended already */
  CTRT_FUZZ_CHECK(ctrt_runtime_remove_container(rt, id) == 0);
}

bool ctrt_fuzz_tar_declares_large(const uint8_t *data, size_t size, int64_t limit) {
  struct archive *a = archive_read_new();
  if (a == NULL)
    return false;
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  bool large = false;
  if (archive_read_open_memory(a, data, size) == ARCHIVE_OK) {
    struct archive_entry *e;
    while (!large && archive_read_next_header(a, &e) == ARCHIVE_OK) {
      int64_t n = archive_entry_size(e);
      large = n > limit || archive_entry_sparse_count(e) > 0;
      /* A docker-archive's layers are tars inside the tar. */
      if (!large && n > 0 && n <= (int64_t)size) {
        uint8_t *inner = malloc((size_t)n);
        la_ssize_t got = inner ? archive_read_data(a, inner, (size_t)n) : -1;
        if (got > 0)
          large = ctrt_fuzz_tar_declares_large(inner, (size_t)got, limit);
        free(inner);
      }
    }
  }
  archive_read_free(a);
  return large;
}
