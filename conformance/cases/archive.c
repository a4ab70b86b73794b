/* Conformance: archive_get, archive_put (with hostile archives),
 * archive_head and export_container_fs. */
#include "../conform.h"

#include <sys/stat.h>

#define RT conform_rt()

static const char *const PREPARE[] = {
    "sh", "-c",
    "mkdir -p /data/sub && printf hello > /data/file.txt && chmod 640 /data/file.txt && "
    "ln -s file.txt /data/link && printf inner > /data/sub/inner.txt && sleep 600",
    NULL};

/* A running container with /data/{file.txt,link,sub/inner.txt}. */
static const ctrt_container_id *prepared(void) {
  const ctrt_container_id *id = conform_new_id();
  if (!conform_run(id, NULL, PREPARE))
    return NULL;
  /* Wait until the files exist. */
  for (int i = 0; i < 100; i++) {
    ctrt_path_stat *st = NULL;
    if (ctrt_runtime_archive_head(RT, &st, id, "/data/sub/inner.txt") == 0) {
      ctrt_path_stat_free(st);
      return id;
    }
    conform_sleep_ms(100);
  }
  C_CHECK(false, "the container did not create its files");
  return NULL;
}

static char *cat(const ctrt_container_id *id, const char *path) {
  const char *argv[] = {"cat", path, NULL};
  ctrt_exec_result *r = conform_exec(id, argv);
  return r && r->exit_code == 0 ? r->stdout_ : NULL;
}

static void head_file(void) {
  const ctrt_container_id *id = prepared();
  ctrt_path_stat *st = NULL;
  if (!id || !C_OK(ctrt_runtime_archive_head(RT, &st, id, "/data/file.txt")))
    return;
  C_EQ_STR(st->name, "file.txt");
  C_EQ_INT(st->size, 5);
  C_CHECK(S_ISREG(st->mode) && (st->mode & 0777) == 0640, "mode is a regular file 0640, got %o", st->mode);
  C_EQ_STR(st->link_target ? st->link_target : "", "");
  C_CHECK(st->mtime != NULL, "mtime is reported");
  ctrt_path_stat_free(st);
}

static void head_directory(void) {
  const ctrt_container_id *id = prepared();
  ctrt_path_stat *st = NULL;
  if (id && C_OK(ctrt_runtime_archive_head(RT, &st, id, "/data/sub"))) {
    C_CHECK(S_ISDIR(st->mode), "a directory has S_IFDIR, got %o", st->mode);
    C_EQ_STR(st->name, "sub");
    ctrt_path_stat_free(st);
  }
}

static void head_symlink(void) {
  const ctrt_container_id *id = prepared();
  ctrt_path_stat *st = NULL;
  if (id && C_OK(ctrt_runtime_archive_head(RT, &st, id, "/data/link"))) {
    C_CHECK(S_ISLNK(st->mode), "a symlink has S_IFLNK, got %o", st->mode);
    /* Docker reports where the link leads, resolved inside the container. */
    C_EQ_STR(st->link_target, "/data/file.txt");
    ctrt_path_stat_free(st);
  }
}

static void head_missing(void) {
  const ctrt_container_id *id = conform_sleeper();
  ctrt_path_stat *st = NULL;
  if (id)
    C_FAILS(CTRT_OP_ARCHIVE_HEAD, ctrt_runtime_archive_head(RT, &st, id, "/no/such/path"), CTRT_ERROR_NOT_FOUND);
}

static void get_file(void) {
  const ctrt_container_id *id = prepared();
  ctrt_archive_stream *s = NULL;
  uint8_t *tar;
  size_t len;
  if (!id || !C_OK(ctrt_runtime_archive_get(RT, &s, id, "/data/file.txt")))
    return;
  if (conform_read_archive(s, &tar, &len)) {
    const uint8_t *content;
    size_t size;
    char type;
    uint32_t mode;
    if (C_CHECK(conform_tar_entry(tar, len, "file.txt", &content, &size, &type, &mode, NULL, 0),
                "the tar holds the file under its base name")) {
      C_CHECK(size == 5 && memcmp(content, "hello", 5) == 0, "with its contents");
      C_CHECK((mode & 0777) == 0640, "and its mode (%o)", mode);
    }
  }
  ctrt_archive_stream_close(s);
}

static void get_directory(void) {
  const ctrt_container_id *id = prepared();
  ctrt_archive_stream *s = NULL;
  uint8_t *tar;
  size_t len;
  if (!id || !C_OK(ctrt_runtime_archive_get(RT, &s, id, "/data")))
    return;
  if (conform_read_archive(s, &tar, &len)) {
    char type = 0, target[128] = "";
    C_CHECK(conform_tar_entry(tar, len, "data/sub/inner.txt", NULL, NULL, NULL, NULL, NULL, 0),
            "the tree is archived under the directory's name");
    C_CHECK(conform_tar_entry(tar, len, "data/link", NULL, NULL, &type, NULL, target, sizeof target) && type == '2' &&
                strcmp(target, "file.txt") == 0,
            "symlinks are archived as links");
  }
  ctrt_archive_stream_close(s);
}

static void get_missing(void) {
  const ctrt_container_id *id = conform_sleeper();
  ctrt_archive_stream *s = NULL;
  if (id)
    C_FAILS(CTRT_OP_ARCHIVE_GET, ctrt_runtime_archive_get(RT, &s, id, "/no/such/path"), CTRT_ERROR_NOT_FOUND);
}

static void get_cancel_half_way(void) {
  const ctrt_container_id *id = conform_sleeper();
  ctrt_archive_stream *s = NULL;
  if (!id || !C_OK(ctrt_runtime_archive_get(RT, &s, id, "/bin")))
    return;
  uint8_t buf[512];
  size_t n = 0;
  C_OK(ctrt_archive_stream_read(s, buf, sizeof buf, &n));
  ctrt_archive_stream_cancel(s);
  C_FAILS(CTRT_OP_ARCHIVE_GET, ctrt_archive_stream_read(s, buf, sizeof buf, &n), CTRT_ERROR_CANCELLED);
  ctrt_archive_stream_close(s);
}

static int put(const ctrt_container_id *id, const char *dir, const conform_tar_item *items, size_t n,
               const ctrt_archive_put_options *options) {
  size_t len;
  uint8_t *tar = conform_make_tar(items, n, &len);
  ctrt_byte_source *src = NULL;
  int rc = ctrt_byte_source_from_buffer(&src, tar, len);
  ctrt_archive_put_options defaults = CTRT_ARCHIVE_PUT_OPTIONS_INIT;
  if (rc == 0)
    rc = ctrt_runtime_archive_put(RT, id, dir, src, options ? options : &defaults);
  ctrt_byte_source_free(src);
  return rc;
}

static void put_files(void) {
  const ctrt_container_id *id = conform_sleeper();
  conform_tar_item items[] = {
      {"upload", '5', NULL, 0}, {"upload/a.txt", '0', "alpha", 0}, {"upload/b.txt", '0', "beta\n", 0600}};
  if (!id || !C_OK(put(id, "/tmp", items, 3, NULL)))
    return;
  char *a = cat(id, "/tmp/upload/a.txt");
  C_EQ_STR(a, "alpha");
  ctrt_path_stat *st = NULL;
  if (C_OK(ctrt_runtime_archive_head(RT, &st, id, "/tmp/upload/b.txt"))) {
    C_CHECK((st->mode & 0777) == 0600, "the archive's mode is kept (%o)", st->mode);
    ctrt_path_stat_free(st);
  }
}

typedef struct feeder {
  const uint8_t *data;
  size_t len, at;
  size_t calls;
} feeder;

/* Hands out at most 100 bytes per call. */
static int feed(void *ctx, void *buf, size_t cap, size_t *n_read) {
  feeder *f = ctx;
  if (f->at == f->len)
    return CTRT_ITEROVER;
  size_t take = f->len - f->at < cap ? f->len - f->at : cap;
  if (take > 100)
    take = 100;
  memcpy(buf, f->data + f->at, take);
  f->at += take;
  f->calls++;
  *n_read = take;
  return 0;
}

static void put_from_callback(void) {
  const ctrt_container_id *id = conform_sleeper();
  conform_tar_item items[] = {{"streamed.txt", '0', "from a callback", 0}};
  size_t len;
  uint8_t *tar = conform_make_tar(items, 1, &len);
  feeder f = {tar, len, 0, 0};
  ctrt_byte_source *src = NULL;
  ctrt_archive_put_options options = CTRT_ARCHIVE_PUT_OPTIONS_INIT;
  if (!id || !C_OK(ctrt_byte_source_from_callback(&src, feed, &f)))
    return;
  if (C_OK(ctrt_runtime_archive_put(RT, id, "/tmp", src, &options))) {
    C_CHECK(f.calls > 1 && f.at == len, "the upload was read through the callback in pieces (%zu calls)", f.calls);
    C_EQ_STR(cat(id, "/tmp/streamed.txt"), "from a callback");
  }
  ctrt_byte_source_free(src);
}

static void put_missing_directory(void) {
  const ctrt_container_id *id = conform_sleeper();
  conform_tar_item items[] = {{"x.txt", '0', "x", 0}};
  if (id)
    C_FAILS(CTRT_OP_ARCHIVE_PUT, put(id, "/no/such/dir", items, 1, NULL), CTRT_ERROR_NOT_FOUND);
}

static void put_into_file(void) {
  const ctrt_container_id *id = prepared();
  conform_tar_item items[] = {{"x.txt", '0', "x", 0}};
  if (id)
    C_FAILS(CTRT_OP_ARCHIVE_PUT, put(id, "/data/file.txt", items, 1, NULL), CTRT_ERROR_NOT_FOUND);
}

static void put_not_a_tar(void) {
  const ctrt_container_id *id = conform_sleeper();
  static const char garbage[] = "this is not a tar archive at all, just some text that goes on for a while";
  ctrt_byte_source *src = NULL;
  ctrt_archive_put_options options = CTRT_ARCHIVE_PUT_OPTIONS_INIT;
  if (!id || !C_OK(ctrt_byte_source_from_buffer(&src, garbage, sizeof garbage)))
    return;
  C_FAILS(CTRT_OP_ARCHIVE_PUT, ctrt_runtime_archive_put(RT, id, "/tmp", src, &options), CTRT_ERROR_INVALID_SPEC);
  ctrt_byte_source_free(src);
}

/* Hostile archives are rejected and change nothing outside (or inside). */
static void hostile(const conform_tar_item *items, size_t n, const char *must_not_exist) {
  const ctrt_container_id *id = conform_sleeper();
  if (id == NULL)
    return;
  static const char *const mk[] = {"mkdir", "-p", "/tmp/target", NULL};
  if (conform_exec(id, mk) == NULL)
    return;
  C_FAILS(CTRT_OP_ARCHIVE_PUT, put(id, "/tmp/target", items, n, NULL), CTRT_ERROR_INVALID_SPEC);
  ctrt_path_stat *st = NULL;
  C_CHECK(ctrt_runtime_archive_head(RT, &st, id, must_not_exist) == CTRT_ENOT_FOUND, "%s must not exist",
          must_not_exist);
  ctrt_path_stat_free(st);
  C_CHECK(ctrt_runtime_archive_head(RT, &st, id, "/tmp/target/ok.txt") == CTRT_ENOT_FOUND,
          "nothing of a rejected archive is extracted");
  ctrt_path_stat_free(st);
}

static void put_rejects_dotdot(void) {
  conform_tar_item items[] = {{"ok.txt", '0', "fine", 0}, {"../escaped.txt", '0', "evil", 0}};
  hostile(items, 2, "/tmp/escaped.txt");
}

static void put_rejects_absolute(void) {
  conform_tar_item items[] = {{"ok.txt", '0', "fine", 0}, {"/etc/evil.txt", '0', "evil", 0}};
  hostile(items, 2, "/etc/evil.txt");
}

static void put_rejects_symlink_escape(void) {
  /* A symlink in the archive pointing out, then a file written through it. */
  conform_tar_item items[] = {{"ok.txt", '0', "fine", 0}, {"out", '2', "/etc", 0}, {"out/evil.txt", '0', "evil", 0}};
  hostile(items, 3, "/etc/evil.txt");
}

static void put_no_overwrite_dir_non_dir(void) {
  const ctrt_container_id *id = prepared();
  if (id == NULL)
    return;
  ctrt_archive_put_options options = CTRT_ARCHIVE_PUT_OPTIONS_INIT;
  options.no_overwrite_dir_non_dir = true;
  conform_tar_item file_over_dir[] = {{"sub", '0', "a file where a directory is", 0}};
  C_FAILS(CTRT_OP_ARCHIVE_PUT, put(id, "/data", file_over_dir, 1, &options), CTRT_ERROR_INVALID_SPEC);
  conform_tar_item dir_over_file[] = {{"file.txt", '5', NULL, 0}};
  C_FAILS(CTRT_OP_ARCHIVE_PUT, put(id, "/data", dir_over_file, 1, &options), CTRT_ERROR_INVALID_SPEC);
  ctrt_path_stat *st = NULL;
  if (C_OK(ctrt_runtime_archive_head(RT, &st, id, "/data/sub"))) {
    C_CHECK(S_ISDIR(st->mode), "the directory is still a directory");
    ctrt_path_stat_free(st);
  }
  /* Without the option the replacement is allowed. */
  options.no_overwrite_dir_non_dir = false;
  C_OK(put(id, "/data", dir_over_file, 1, &options));
}

static void export_has_tree(void) {
  const ctrt_container_id *id = prepared();
  ctrt_image_export_stream *s = NULL;
  uint8_t *tar;
  size_t len;
  if (!id || !C_OK(ctrt_runtime_export_container_fs(RT, &s, id)))
    return;
  if (conform_read_export(s, &tar, &len)) {
    C_CHECK(conform_tar_entry(tar, len, "bin/busybox", NULL, NULL, NULL, NULL, NULL, 0), "bin/busybox is exported");
    const uint8_t *content;
    size_t size;
    C_CHECK(conform_tar_entry(tar, len, "data/file.txt", &content, &size, NULL, NULL, NULL, 0) && size == 5 &&
                memcmp(content, "hello", 5) == 0,
            "files the container wrote are exported");
  }
  ctrt_image_export_stream_close(s);
}

static void export_missing(void) {
  ctrt_image_export_stream *s = NULL;
  C_FAILS(CTRT_OP_EXPORT_CONTAINER_FS, ctrt_runtime_export_container_fs(RT, &s, conform_new_id()),
          CTRT_ERROR_NOT_FOUND);
}

static void export_cancel_half_way(void) {
  const ctrt_container_id *id = conform_sleeper();
  ctrt_image_export_stream *s = NULL;
  if (!id || !C_OK(ctrt_runtime_export_container_fs(RT, &s, id)))
    return;
  uint8_t buf[4096];
  size_t n = 0;
  C_OK(ctrt_image_export_stream_read(s, buf, sizeof buf, &n));
  ctrt_image_export_stream_close(s); /* mid-transfer: no leak, no hang */
}

static void put_then_get_round_trip(void) {
  const ctrt_container_id *id = conform_sleeper();
  conform_tar_item items[] = {{"rt", '5', NULL, 0}, {"rt/note.txt", '0', "round trip\n", 0}};
  ctrt_archive_stream *s = NULL;
  uint8_t *tar;
  size_t len;
  if (!id || !C_OK(put(id, "/tmp", items, 2, NULL)) || !C_OK(ctrt_runtime_archive_get(RT, &s, id, "/tmp/rt")))
    return;
  if (conform_read_archive(s, &tar, &len)) {
    const uint8_t *content;
    size_t size;
    C_CHECK(conform_tar_entry(tar, len, "rt/note.txt", &content, &size, NULL, NULL, NULL, 0) && size == 11 &&
                memcmp(content, "round trip\n", 11) == 0,
            "what was put comes back");
  }
  ctrt_archive_stream_close(s);
}

static void changes_after_put(void) {
  const ctrt_container_id *id = conform_sleeper();
  conform_tar_item items[] = {{"added.txt", '0', "new", 0}};
  ctrt_filesystem_change_entry_list *changes = NULL;
  if (!id || !C_OK(put(id, "/tmp", items, 1, NULL)) || !C_OK(ctrt_runtime_changes_container(RT, &changes, id)))
    return;
  bool added = false;
  for (size_t i = 0; i < changes->n_items; i++)
    added = added || (strcmp(changes->items[i].path, "/tmp/added.txt") == 0 &&
                      changes->items[i].kind == CTRT_FILESYSTEM_CHANGE_KIND_ADDED);
  C_CHECK(added, "an uploaded file shows as added");
  ctrt_filesystem_change_entry_list_free(changes);
}

static const conform_case cases[] = {
    CONFORM_CASE("archive.head_file", head_file, "archive_head of a file: name, size, full mode, mtime.",
                 TESTS(CTRT_OP_ARCHIVE_HEAD)),
    CONFORM_CASE("archive.head_directory", head_directory, "archive_head of a directory: S_IFDIR.",
                 TESTS(CTRT_OP_ARCHIVE_HEAD)),
    CONFORM_CASE("archive.head_symlink", head_symlink,
                 "archive_head of a symlink: S_IFLNK and the absolute path it leads to.", TESTS(CTRT_OP_ARCHIVE_HEAD)),
    CONFORM_CASE("archive.head_missing", head_missing, "archive_head of a missing path: not found.",
                 TESTS(CTRT_OP_ARCHIVE_HEAD)),
    CONFORM_CASE("archive.get_file", get_file, "archive_get of a file: one entry, contents and mode.",
                 TESTS(CTRT_OP_ARCHIVE_GET)),
    CONFORM_CASE("archive.get_directory", get_directory, "archive_get of a directory: the tree, links as links.",
                 TESTS(CTRT_OP_ARCHIVE_GET)),
    CONFORM_CASE("archive.get_missing", get_missing, "archive_get of a missing path: not found.",
                 TESTS(CTRT_OP_ARCHIVE_GET)),
    CONFORM_CASE("archive.get_cancel_half_way", get_cancel_half_way, "Cancelling an archive stream half-way.",
                 TESTS(CTRT_OP_ARCHIVE_GET)),
    CONFORM_CASE("archive.put_files", put_files, "archive_put extracts files and keeps their modes.",
                 TESTS(CTRT_OP_ARCHIVE_PUT, CTRT_OP_ARCHIVE_HEAD, CTRT_OP_EXEC)),
    CONFORM_CASE("archive.put_from_callback", put_from_callback, "An upload read through a callback, in pieces.",
                 TESTS(CTRT_OP_ARCHIVE_PUT, CTRT_OP_EXEC)),
    CONFORM_CASE("archive.put_missing_directory", put_missing_directory, "archive_put into a missing path.",
                 TESTS(CTRT_OP_ARCHIVE_PUT)),
    CONFORM_CASE("archive.put_into_file", put_into_file, "archive_put into a path that is not a directory.",
                 TESTS(CTRT_OP_ARCHIVE_PUT)),
    CONFORM_CASE("archive.put_not_a_tar", put_not_a_tar, "archive_put of something that is not a tar.",
                 TESTS(CTRT_OP_ARCHIVE_PUT)),
    CONFORM_CASE("archive.put_rejects_dotdot", put_rejects_dotdot, "An entry escaping with .. is rejected.",
                 TESTS(CTRT_OP_ARCHIVE_PUT, CTRT_OP_ARCHIVE_HEAD)),
    CONFORM_CASE("archive.put_rejects_absolute", put_rejects_absolute, "An absolute entry path is rejected.",
                 TESTS(CTRT_OP_ARCHIVE_PUT, CTRT_OP_ARCHIVE_HEAD)),
    CONFORM_CASE("archive.put_rejects_symlink_escape", put_rejects_symlink_escape,
                 "Writing through a symlink that leads outside is rejected.",
                 TESTS(CTRT_OP_ARCHIVE_PUT, CTRT_OP_ARCHIVE_HEAD)),
    CONFORM_CASE("archive.put_no_overwrite_dir_non_dir", put_no_overwrite_dir_non_dir,
                 "no_overwrite_dir_non_dir refuses to swap directories and files.", TESTS(CTRT_OP_ARCHIVE_PUT)),
    CONFORM_CASE("archive.export_has_tree", export_has_tree, "export_container_fs holds the image and new files.",
                 TESTS(CTRT_OP_EXPORT_CONTAINER_FS)),
    CONFORM_CASE("archive.export_missing", export_missing, "Exporting an unknown container: not found.",
                 TESTS(CTRT_OP_EXPORT_CONTAINER_FS)),
    CONFORM_CASE("archive.export_cancel_half_way", export_cancel_half_way, "Closing an export mid-transfer.",
                 TESTS(CTRT_OP_EXPORT_CONTAINER_FS)),
    CONFORM_CASE("archive.put_then_get_round_trip", put_then_get_round_trip,
                 "What archive_put wrote, archive_get reads.", TESTS(CTRT_OP_ARCHIVE_PUT, CTRT_OP_ARCHIVE_GET)),
    CONFORM_CASE("archive.changes_after_put", changes_after_put, "An uploaded file shows in the changes as added.",
                 TESTS(CTRT_OP_ARCHIVE_PUT, CTRT_OP_CHANGES_CONTAINER)),
};

const conform_area conform_area_archive = CONFORM_AREA("archive", cases);
