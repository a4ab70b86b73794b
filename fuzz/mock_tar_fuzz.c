/*
 * Tar intake through the mock: one source, three targets (fuzz/CMakeLists.txt
 * defines one of CTRT_FUZZ_LOAD_IMAGES, CTRT_FUZZ_IMPORT_IMAGE,
 * CTRT_FUZZ_ARCHIVE_PUT). The input is the tar.
 *
 *   load_images   the progress stream ends (items or an error), and every
 *                 image it reports loaded can be inspected;
 *   import_image  an imported image can be inspected and removed;
 *   archive_put   into /dst of a fresh container: nothing outside /dst
 *                 changes, and nothing at all when the call fails (the
 *                 container's filesystem, exported before and after, is
 *                 compared entry by entry).
 *
 * Known-open class (fuzz/known-open.txt): memfs-size, entries declaring
 * more than 64 MiB or sparse ones (no size limits in the mock yet).
 */
#include "mock_support.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LARGE ((int64_t)64 << 20)

const char *ctrt_fuzz_known_open_class(const uint8_t *data, size_t size) {
  return ctrt_fuzz_tar_declares_large(data, size, LARGE) ? "memfs-size" : NULL;
}

#if defined(CTRT_FUZZ_LOAD_IMAGES)
const char ctrt_fuzz_target_name[] = "mock_load_images";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (ctrt_fuzz_skip_known_open(data, size))
    return 0;
  ctrt_runtime *rt = ctrt_fuzz_mock(false);
  ctrt_byte_source *src = NULL;
  CTRT_FUZZ_CHECK(ctrt_byte_source_from_buffer(&src, data, size) == 0);
  ctrt_load_progress_stream *s = NULL;
  if (ctrt_runtime_load_images(rt, &s, src, false) == 0) {
    ctrt_load_progress *p = NULL;
    int rc;
    while ((rc = ctrt_load_progress_stream_next(&p, s)) == 0) {
      for (size_t i = 0; p->kind == CTRT_LOAD_PROGRESS_DONE && i < p->done.n_references; i++) {
        ctrt_image_inspect_info *info = NULL;
        CTRT_FUZZ_CHECK(ctrt_runtime_inspect_image_native(rt, &info, p->done.references[i]) == 0);
        ctrt_image_inspect_info_free(info);
      }
      for (size_t i = 0; p->kind == CTRT_LOAD_PROGRESS_DONE && i < p->done.n_references; i++)
        ctrt_runtime_remove_image(rt, p->done.references[i], true); /* a second tag of one image: gone already */
      ctrt_load_progress_free(p);
      p = NULL;
    }
    CTRT_FUZZ_CHECK(rc == CTRT_ITEROVER || ctrt_error_last()->message[0] != '\0');
    ctrt_load_progress_stream_close(s);
  }
  ctrt_byte_source_free(src);
  return 0;
}

#elif defined(CTRT_FUZZ_IMPORT_IMAGE)
const char ctrt_fuzz_target_name[] = "mock_import_image";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (ctrt_fuzz_skip_known_open(data, size))
    return 0;
  ctrt_runtime *rt = ctrt_fuzz_mock(false);
  ctrt_byte_source *src = NULL;
  CTRT_FUZZ_CHECK(ctrt_byte_source_from_buffer(&src, data, size) == 0);
  char *id = NULL;
  if (ctrt_runtime_import_image(rt, &id, src, "localhost/fuzz/import", "latest") == 0) {
    ctrt_image_inspect_info *info = NULL;
    CTRT_FUZZ_CHECK(ctrt_runtime_inspect_image_native(rt, &info, id) == 0);
    ctrt_image_inspect_info_free(info);
    CTRT_FUZZ_CHECK(ctrt_runtime_remove_image(rt, id, true) == 0);
    ctrt_free(id);
  } else {
    CTRT_FUZZ_CHECK(id == NULL && ctrt_error_last()->message[0] != '\0');
  }
  ctrt_byte_source_free(src);
  return 0;
}

#elif defined(CTRT_FUZZ_ARCHIVE_PUT)
const char ctrt_fuzz_target_name[] = "mock_archive_put";

#define DEST "/dst"

/* One line per entry of the container's filesystem: path, type, mode,
 * owner, size, link and a hash of the content; sorted by path. */
typedef struct snapshot {
  char **lines;
  size_t n;
} snapshot;

static int by_line(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    h = (h ^ ((const uint8_t *)p)[i]) * UINT64_C(1099511628211);
  return h;
}

static int pull_export(void *ctx, void *buf, size_t cap, size_t *n) {
  return ctrt_image_export_stream_read(ctx, buf, cap, n);
}

static la_ssize_t export_read(struct archive *a, void *ctx, const void **buf) {
  (void)a;
  static uint8_t chunk[65536];
  size_t n = 0;
  int rc = pull_export(ctx, chunk, sizeof chunk, &n);
  *buf = chunk;
  return rc == 0 ? (la_ssize_t)n : rc == CTRT_ITEROVER ? 0 : -1;
}

static void snap(snapshot *s, ctrt_runtime *rt, const ctrt_container_id *id) {
  memset(s, 0, sizeof *s);
  ctrt_image_export_stream *x = NULL;
  CTRT_FUZZ_CHECK(ctrt_runtime_export_container_fs(rt, &x, id) == 0);
  struct archive *a = archive_read_new();
  CTRT_FUZZ_CHECK(a != NULL);
  archive_read_support_format_tar(a);
  CTRT_FUZZ_CHECK(archive_read_open(a, x, NULL, export_read, NULL) == ARCHIVE_OK);
  struct archive_entry *e;
  int rc;
  while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    uint64_t h = UINT64_C(14695981039346656037);
    const void *block;
    size_t len;
    la_int64_t off;
    while (archive_read_data_block(a, &block, &len, &off) == ARCHIVE_OK)
      h = fnv(fnv(h, &off, sizeof off), block, len);
    const char *link = archive_entry_symlink(e) ? archive_entry_symlink(e) : archive_entry_hardlink(e);
    char *line =
        ctrt__sprintf("%s %o %lld:%lld %lld %s %016llx", archive_entry_pathname(e), (unsigned)archive_entry_mode(e),
                      (long long)archive_entry_uid(e), (long long)archive_entry_gid(e),
                      (long long)archive_entry_size(e), link ? link : "-", (unsigned long long)h);
    CTRT_FUZZ_CHECK(line != NULL);
    char **grown = ctrt__realloc(s->lines, (s->n + 1) * sizeof *s->lines);
    CTRT_FUZZ_CHECK(grown != NULL);
    s->lines = grown;
    s->lines[s->n++] = line;
  }
  CTRT_FUZZ_CHECK(rc == ARCHIVE_EOF); /* the mock's own export must read back */
  archive_read_free(a);
  ctrt_image_export_stream_close(x);
  qsort(s->lines, s->n, sizeof *s->lines, by_line);
}

static void snap_free(snapshot *s) {
  for (size_t i = 0; i < s->n; i++)
    ctrt__free(s->lines[i]);
  ctrt__free(s->lines);
}

/* Entries outside /dst (its own entry included: put changes what is in it). */
static bool outside(const char *line) {
  const char *p = line[0] == '.' ? line + 1 : line;
  p += p[0] == '/';
  return strncmp(p, "dst/", 4) != 0;
}

static void same_outside(const snapshot *a, const snapshot *b, bool all) {
  size_t i = 0, j = 0;
  for (;;) {
    while (i < a->n && !all && !outside(a->lines[i]))
      i++;
    while (j < b->n && !all && !outside(b->lines[j]))
      j++;
    if (i == a->n || j == b->n)
      break;
    if (strcmp(a->lines[i], b->lines[j]) != 0) {
      fprintf(stderr, "archive_put changed %s\n  before: %s\n  after:  %s\n",
              all ? "the container (it failed)" : "outside " DEST, a->lines[i], b->lines[j]);
      CTRT_FUZZ_CHECK(!"archive_put changed nothing it should not");
    }
    i++;
    j++;
  }
  CTRT_FUZZ_CHECK(i == a->n && j == b->n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (ctrt_fuzz_skip_known_open(data, size))
    return 0;
  ctrt_runtime *rt = ctrt_fuzz_mock(true);
  ctrt_container_id id = ctrt_fuzz_mock_container("fuzz-put");
  ctrt_exec_result *r = NULL;
  const char *mk[] = {"mkdir", "-p", DEST "/sub"};
  CTRT_FUZZ_CHECK(ctrt_runtime_exec(rt, &r, &id, mk, 3) == 0 && r->exit_code == 0);
  ctrt_exec_result_free(r);
  snapshot before, after;
  snap(&before, rt, &id);
  ctrt_byte_source *src = NULL;
  CTRT_FUZZ_CHECK(ctrt_byte_source_from_buffer(&src, data, size) == 0);
  ctrt_archive_put_options opts = CTRT_ARCHIVE_PUT_OPTIONS_INIT;
  opts.copy_uid_gid = size > 0 && (data[size - 1] & 1);
  int rc = ctrt_runtime_archive_put(rt, &id, DEST, src, &opts);
  ctrt_byte_source_free(src);
  snap(&after, rt, &id);
  same_outside(&before, &after, rc < 0);
  snap_free(&before);
  snap_free(&after);
  ctrt_fuzz_mock_drop(&id);
  return 0;
}

#else
#error "define CTRT_FUZZ_LOAD_IMAGES, CTRT_FUZZ_IMPORT_IMAGE or CTRT_FUZZ_ARCHIVE_PUT"
#endif
