/* SPDX-License-Identifier: MIT */
/* Copy a file into a container and back out, as tar archives built and read
 * with libarchive.   copy-files URI [IMAGE.tar] */
#include "example.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

/* A one-file tar in memory. */
static int make_tar(void *buf, size_t cap, size_t *used, const char *name, const char *text) {
  struct archive *a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_open_memory(a, buf, cap, used);
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, name);
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, (la_int64_t)strlen(text));
  int rc = archive_write_header(a, e) == ARCHIVE_OK && archive_write_data(a, text, strlen(text)) >= 0 ? 0 : -1;
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  return rc;
}

int main(int argc, char **argv) {
  ctrt_runtime *rt = NULL;
  int status = example_open(&rt, argc, argv);
  if (status != 0)
    return status;
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  spec.image.name = EXAMPLE_IMAGE;
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = "copy";
  id.replica = 1;
  if (ctrt_runtime_create_container(rt, &id, &spec) < 0)
    return example_fail("create");

  /* In: extract a tar into /tmp. */
  static char tar[16 * 1024];
  size_t len = 0;
  if (make_tar(tar, sizeof tar, &len, "greeting.txt", "hello, container\n") < 0)
    return 1;
  ctrt_byte_source *src = NULL;
  ctrt_archive_put_options put = CTRT_ARCHIVE_PUT_OPTIONS_INIT;
  if (ctrt_byte_source_from_buffer(&src, tar, len) < 0 || ctrt_runtime_archive_put(rt, &id, "/tmp", src, &put) < 0)
    return example_fail("archive_put");
  ctrt_byte_source_free(src);

  /* Out: a tar of the file, read as it streams. */
  ctrt_archive_stream *out = NULL;
  if (ctrt_runtime_archive_get(rt, &out, &id, "/tmp/greeting.txt") < 0)
    return example_fail("archive_get");
  size_t got = 0, n = 0;
  int rc;
  while ((rc = ctrt_archive_stream_read(out, tar + got, sizeof tar - got, &n)) == 0)
    got += n;
  ctrt_archive_stream_close(out);
  if (rc != CTRT_ITEROVER)
    return example_fail("archive read");
  struct archive *a = archive_read_new();
  archive_read_support_format_tar(a);
  struct archive_entry *e = NULL;
  if (archive_read_open_memory(a, tar, got) == ARCHIVE_OK && archive_read_next_header(a, &e) == ARCHIVE_OK) {
    char text[256] = {0};
    la_ssize_t r = archive_read_data(a, text, sizeof text - 1);
    printf("%s (%lld bytes): %s", archive_entry_pathname(e), (long long)archive_entry_size(e), r > 0 ? text : "");
  }
  archive_read_free(a);
  if (ctrt_runtime_remove_container(rt, &id) < 0)
    return example_fail("remove");
  ctrt_close(rt);
  return 0;
}
