/* SPDX-License-Identifier: MIT */
/* Conformance: archive_get, archive_put (with hostile archives),
 * archive_head and export_container_fs. */
#include "../conform.h"

#include <sys/stat.h>

#define RT conform_rt()

/* A running container with /data/{file.txt,link,sub/inner.txt}: made by an
 * exec, which returns once they exist (no waiting for the main process). */
static const ctrt_container_id *prepared(void) {
  static const char *const mk[] = {"sh", "-c",
                                   "mkdir -p /data/sub && printf hello > /data/file.txt && chmod 640 /data/file.txt && "
                                   "ln -s file.txt /data/link && printf inner > /data/sub/inner.txt",
                                   NULL};
  const ctrt_container_id *id = conform_sleeper();
  ctrt_exec_result *r = id ? conform_exec(id, mk) : NULL;
  if (r == NULL || !C_CHECK(r->exit_code == 0, "the container created its files: %s", conform_text(&r->stderr_)))
    return NULL;
  return id;
}

static char *cat(const ctrt_container_id *id, const char *path) {
  const char *argv[] = {"cat", path, NULL};
  ctrt_exec_result *r = conform_exec(id, argv);
  return r && r->exit_code == 0 ? (char *)conform_text(&r->stdout_) : NULL;
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

CONFORM_FREER(byte_source)

/* A source over data, freed when the case ends. */
static ctrt_byte_source *source_of(const void *data, size_t len) {
  ctrt_byte_source *src = NULL;
  if (!C_OK(ctrt_byte_source_from_buffer(&src, data, len)))
    return NULL;
  conform_defer(src, free_byte_source);
  return src;
}

/* A source over a tar of items. */
static ctrt_byte_source *tar_of(const conform_tar_item *items, size_t n) {
  size_t len;
  uint8_t *tar = conform_make_tar(items, n, &len);
  return source_of(tar, len);
}

#define DEFAULTS (&(const ctrt_archive_put_options)CTRT_ARCHIVE_PUT_OPTIONS_INIT)

static void put_files(void) {
  const ctrt_container_id *id = conform_sleeper();
  conform_tar_item items[] = {
      {"upload", '5', NULL, 0}, {"upload/a.txt", '0', "alpha", 0}, {"upload/b.txt", '0', "beta\n", 0600}};
  if (!id || !C_OK(ctrt_runtime_archive_put(RT, id, "/tmp", tar_of(items, 3), DEFAULTS)))
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
    C_FAILS(CTRT_OP_ARCHIVE_PUT, ctrt_runtime_archive_put(RT, id, "/no/such/dir", tar_of(items, 1), DEFAULTS),
            CTRT_ERROR_NOT_FOUND);
}

static void put_into_file(void) {
  const ctrt_container_id *id = prepared();
  conform_tar_item items[] = {{"x.txt", '0', "x", 0}};
  if (id)
    C_FAILS(CTRT_OP_ARCHIVE_PUT, ctrt_runtime_archive_put(RT, id, "/data/file.txt", tar_of(items, 1), DEFAULTS),
            CTRT_ERROR_NOT_FOUND);
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
  C_FAILS(CTRT_OP_ARCHIVE_PUT, ctrt_runtime_archive_put(RT, id, "/tmp/target", tar_of(items, n), DEFAULTS),
          CTRT_ERROR_INVALID_SPEC);
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
  C_FAILS(CTRT_OP_ARCHIVE_PUT, ctrt_runtime_archive_put(RT, id, "/data", tar_of(file_over_dir, 1), &options),
          CTRT_ERROR_INVALID_SPEC);
  conform_tar_item dir_over_file[] = {{"file.txt", '5', NULL, 0}};
  C_FAILS(CTRT_OP_ARCHIVE_PUT, ctrt_runtime_archive_put(RT, id, "/data", tar_of(dir_over_file, 1), &options),
          CTRT_ERROR_INVALID_SPEC);
  ctrt_path_stat *st = NULL;
  if (C_OK(ctrt_runtime_archive_head(RT, &st, id, "/data/sub"))) {
    C_CHECK(S_ISDIR(st->mode), "the directory is still a directory");
    ctrt_path_stat_free(st);
  }
  /* Without the option the replacement is allowed. */
  options.no_overwrite_dir_non_dir = false;
  C_OK(ctrt_runtime_archive_put(RT, id, "/data", tar_of(dir_over_file, 1), &options));
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
  if (!id || !C_OK(ctrt_runtime_archive_put(RT, id, "/tmp", tar_of(items, 2), DEFAULTS)) ||
      !C_OK(ctrt_runtime_archive_get(RT, &s, id, "/tmp/rt")))
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
  if (!id || !C_OK(ctrt_runtime_archive_put(RT, id, "/tmp", tar_of(items, 1), DEFAULTS)) ||
      !C_OK(ctrt_runtime_changes_container(RT, &changes, id)))
    return;
  bool added = false;
  for (size_t i = 0; i < changes->n_items; i++)
    added = added || (strcmp(changes->items[i].path, "/tmp/added.txt") == 0 &&
                      changes->items[i].kind == CTRT_FILESYSTEM_CHANGE_KIND_ADDED);
  C_CHECK(added, "an uploaded file shows as added");
  ctrt_filesystem_change_entry_list_free(changes);
}

/* ---- ownership, modes, and what an upload may contain ---- */

/* The ustar header of an entry of a tar (the block before its contents). */
static const uint8_t *tar_header(const uint8_t *tar, size_t len, const char *name) {
  const uint8_t *content = NULL;
  return conform_tar_entry(tar, len, name, &content, NULL, NULL, NULL, NULL, 0) ? content - 512 : NULL;
}

static uint64_t tar_number(const uint8_t *field, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width && field[i] >= '0' && field[i] <= '7'; i++)
    v = v * 8 + (uint64_t)(field[i] - '0');
  return v;
}

/* Set an entry's owner in a tar made by conform_make_tar (and fix its
 * checksum). */
static void tar_set_owner(uint8_t *tar, size_t len, const char *name, unsigned uid, unsigned gid) {
  uint8_t *h = (uint8_t *)tar_header(tar, len, name);
  if (h == NULL)
    return;
  snprintf((char *)h + 108, 8, "%07o", uid);
  snprintf((char *)h + 116, 8, "%07o", gid);
  memset(h + 148, ' ', 8);
  unsigned sum = 0;
  for (int k = 0; k < 512; k++)
    sum += h[k];
  snprintf((char *)h + 148, 7, "%06o", sum);
  h[154] = '\0';
  h[155] = ' ';
}

/* Read path with archive_get into a tar owned by the case. */
static bool get_tar(const ctrt_container_id *id, const char *path, uint8_t **tar, size_t *len) {
  ctrt_archive_stream *s = NULL;
  if (!C_OK(ctrt_runtime_archive_get(RT, &s, id, path)))
    return false;
  bool ok = conform_read_archive(s, tar, len);
  ctrt_archive_stream_close(s);
  return ok;
}

static void get_keeps_mode_bits(void) {
  const ctrt_container_id *id = conform_sleeper();
  static const char *const mk[] = {"sh", "-c",
                                   "mkdir -p /m/d /m/t && printf x > /m/d/f && chmod 0604 /m/d/f && "
                                   "chmod 0751 /m/d && chmod 1777 /m/t && printf y > /m/x && chmod 0755 /m/x",
                                   NULL};
  ctrt_exec_result *r = id ? conform_exec(id, mk) : NULL;
  uint8_t *tar;
  size_t len;
  if (!r || !C_EQ_INT(r->exit_code, 0) || !get_tar(id, "/m", &tar, &len))
    return;
  static const struct {
    const char *name, *alt;
    uint32_t mode;
  } want[] = {{"m/d/f", NULL, 0604}, {"m/d/", "m/d", 0751}, {"m/t/", "m/t", 01777}, {"m/x", NULL, 0755}};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    const uint8_t *h = tar_header(tar, len, want[i].name);
    if (h == NULL && want[i].alt)
      h = tar_header(tar, len, want[i].alt);
    if (C_CHECK(h != NULL, "%s is in the archive", want[i].name))
      C_CHECK((tar_number(h + 100, 8) & 07777) == want[i].mode, "%s keeps mode %04o (got %04o)", want[i].name,
              want[i].mode, (unsigned)(tar_number(h + 100, 8) & 07777));
  }
}

static void get_keeps_owner(void) {
  /* A file made by another user keeps its owner in the archive. */
  const ctrt_container_id *id = conform_sleeper();
  if (id == NULL)
    return;
  char *command[] = {"sh", "-c", "mkdir /tmp/own && printf mine > /tmp/own/f", NULL};
  ctrt_exec_options o = CTRT_EXEC_OPTIONS_INIT;
  o.command = command;
  o.n_command = 3;
  o.user = "65534:65534";
  ctrt_exec_result *r = NULL;
  uint8_t *tar;
  size_t len;
  if (!C_OK(ctrt_runtime_exec_with_opts(RT, &r, id, &o)))
    return;
  int code = r->exit_code;
  ctrt_exec_result_free(r);
  if (!C_EQ_INT(code, 0) || !get_tar(id, "/tmp/own", &tar, &len))
    return;
  const uint8_t *h = tar_header(tar, len, "own/f");
  if (C_CHECK(h != NULL, "own/f is in the archive")) {
    C_EQ_INT(tar_number(h + 108, 8), 65534);
    C_EQ_INT(tar_number(h + 116, 8), 65534);
  }
  const uint8_t *root = tar_header(tar, len, "own/");
  if (root == NULL)
    root = tar_header(tar, len, "own");
  if (C_CHECK(root != NULL, "own/ is in the archive"))
    C_CHECK(tar_number(root + 108, 8) == 65534, "the directory keeps its owner too (%llu)",
            (unsigned long long)tar_number(root + 108, 8));
}

/* Upload a file owned by 1234:5678 in the archive; return its owner as
 * archive_get then reports it. */
static bool put_owned(const ctrt_container_id *id, bool copy_uid_gid, uint64_t *uid, uint64_t *gid) {
  conform_tar_item items[] = {{"owned.txt", '0', "owned", 0640}};
  size_t len;
  uint8_t *tar = conform_make_tar(items, 1, &len);
  tar_set_owner(tar, len, "owned.txt", 1234, 5678);
  ctrt_archive_put_options o = CTRT_ARCHIVE_PUT_OPTIONS_INIT;
  o.copy_uid_gid = copy_uid_gid;
  uint8_t *back;
  size_t back_len;
  if (!C_OK(ctrt_runtime_archive_put(RT, id, "/tmp", source_of(tar, len), &o)) ||
      !get_tar(id, "/tmp/owned.txt", &back, &back_len))
    return false;
  const uint8_t *h = tar_header(back, back_len, "owned.txt");
  if (!C_CHECK(h != NULL, "owned.txt comes back"))
    return false;
  *uid = tar_number(h + 108, 8);
  *gid = tar_number(h + 116, 8);
  C_CHECK((tar_number(h + 100, 8) & 07777) == 0640, "its mode is the archive's (%04o)",
          (unsigned)(tar_number(h + 100, 8) & 07777));
  return true;
}

static void put_keeps_archive_owner(void) {
  const ctrt_container_id *id = conform_sleeper();
  uint64_t uid, gid;
  if (id && put_owned(id, false, &uid, &gid)) {
    C_EQ_INT(uid, 1234);
    C_EQ_INT(gid, 5678);
  }
}

static void put_copy_uid_gid(void) {
  /* copy_uid_gid gives the upload to the container's user. */
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sleep", "600", NULL};
  ctrt_service_spec *spec = conform_spec(argv);
  spec->user = strdup("nobody");
  uint64_t uid, gid;
  if (conform_run(id, spec, argv) && put_owned(id, true, &uid, &gid)) {
    C_EQ_INT(uid, 65534);
    C_EQ_INT(gid, 65534);
  }
}

static void put_replaces_file(void) {
  const ctrt_container_id *id = prepared();
  conform_tar_item items[] = {{"file.txt", '0', "replaced", 0600}};
  ctrt_path_stat *st = NULL;
  if (!id || !C_OK(ctrt_runtime_archive_put(RT, id, "/data", tar_of(items, 1), DEFAULTS)))
    return;
  C_EQ_STR(cat(id, "/data/file.txt"), "replaced");
  if (C_OK(ctrt_runtime_archive_head(RT, &st, id, "/data/file.txt"))) {
    C_EQ_INT(st->size, 8);
    C_CHECK((st->mode & 0777) == 0600, "the mode is the archive's (%o)", st->mode);
    ctrt_path_stat_free(st);
  }
}

static void put_same_kind_with_no_overwrite(void) {
  /* no_overwrite_dir_non_dir only refuses changing kinds: a file over a
   * file and a directory into a directory are fine. */
  const ctrt_container_id *id = prepared();
  ctrt_archive_put_options o = CTRT_ARCHIVE_PUT_OPTIONS_INIT;
  o.no_overwrite_dir_non_dir = true;
  conform_tar_item items[] = {{"file.txt", '0', "again", 0}, {"sub", '5', NULL, 0}, {"sub/new.txt", '0', "new", 0}};
  if (!id || !C_OK(ctrt_runtime_archive_put(RT, id, "/data", tar_of(items, 3), &o)))
    return;
  C_EQ_STR(cat(id, "/data/file.txt"), "again");
  C_EQ_STR(cat(id, "/data/sub/new.txt"), "new");
  C_EQ_STR(cat(id, "/data/sub/inner.txt"), "inner");
}

static void put_links_inside(void) {
  /* Links that stay inside the destination are not hostile. */
  const ctrt_container_id *id = conform_sleeper();
  conform_tar_item items[] = {{"links", '5', NULL, 0},
                              {"links/target.txt", '0', "target", 0},
                              {"links/soft", '2', "target.txt", 0},
                              {"links/hard", '1', "links/target.txt", 0}};
  ctrt_path_stat *st = NULL;
  if (!id || !C_OK(ctrt_runtime_archive_put(RT, id, "/tmp", tar_of(items, 4), DEFAULTS)))
    return;
  if (C_OK(ctrt_runtime_archive_head(RT, &st, id, "/tmp/links/soft"))) {
    C_CHECK(S_ISLNK(st->mode), "the symlink is a symlink (%o)", st->mode);
    ctrt_path_stat_free(st);
  }
  C_EQ_STR(cat(id, "/tmp/links/soft"), "target");
  C_EQ_STR(cat(id, "/tmp/links/hard"), "target");
}

static void head_missing_container(void) {
  ctrt_path_stat *st = NULL;
  C_FAILS(CTRT_OP_ARCHIVE_HEAD, ctrt_runtime_archive_head(RT, &st, conform_new_id(), "/etc"), CTRT_ERROR_NOT_FOUND);
}

static void get_missing_container(void) {
  ctrt_archive_stream *s = NULL;
  C_FAILS(CTRT_OP_ARCHIVE_GET, ctrt_runtime_archive_get(RT, &s, conform_new_id(), "/etc"), CTRT_ERROR_NOT_FOUND);
}

static void put_missing_container(void) {
  conform_tar_item items[] = {{"x.txt", '0', "x", 0}};
  C_FAILS(CTRT_OP_ARCHIVE_PUT, ctrt_runtime_archive_put(RT, conform_new_id(), "/tmp", tar_of(items, 1), DEFAULTS),
          CTRT_ERROR_NOT_FOUND);
}

static void get_stopped_container(void) {
  /* The filesystem of a stopped container can still be read. */
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sh", "-c", "printf kept > /kept.txt", NULL};
  int32_t code;
  uint8_t *tar;
  size_t len;
  if (!conform_run(id, NULL, argv) || !conform_wait(id, &code) || !C_EQ_INT(code, 0) ||
      !get_tar(id, "/kept.txt", &tar, &len))
    return;
  const uint8_t *content;
  size_t size;
  C_CHECK(conform_tar_entry(tar, len, "kept.txt", &content, &size, NULL, NULL, NULL, 0) && size == 4 &&
              memcmp(content, "kept", 4) == 0,
          "the file written before the exit is there");
}

#define RUNNING CTRT_OP_CREATE_CONTAINER, CTRT_OP_START_CONTAINER

static const conform_case cases[] = {
    CONFORM_CASE("archive.head_file", head_file, "archive_head of a file: name, size, full mode, mtime.",
                 TESTS(CTRT_OP_ARCHIVE_HEAD), USES(RUNNING, CTRT_OP_EXEC)),
    CONFORM_CASE("archive.head_directory", head_directory, "archive_head of a directory: S_IFDIR.",
                 TESTS(CTRT_OP_ARCHIVE_HEAD), USES(RUNNING, CTRT_OP_EXEC)),
    CONFORM_CASE("archive.head_symlink", head_symlink,
                 "archive_head of a symlink: S_IFLNK and the absolute path it leads to.", TESTS(CTRT_OP_ARCHIVE_HEAD),
                 USES(RUNNING, CTRT_OP_EXEC)),
    CONFORM_CASE("archive.head_missing", head_missing, "archive_head of a missing path: not found.",
                 TESTS(CTRT_OP_ARCHIVE_HEAD), USES(RUNNING)),
    CONFORM_CASE("archive.head_missing_container", head_missing_container,
                 "archive_head in an unknown container: not found.", TESTS(CTRT_OP_ARCHIVE_HEAD)),
    CONFORM_CASE("archive.get_file", get_file, "archive_get of a file: one entry, contents and mode.",
                 TESTS(CTRT_OP_ARCHIVE_GET), USES(RUNNING, CTRT_OP_EXEC)),
    CONFORM_CASE("archive.get_directory", get_directory, "archive_get of a directory: the tree, links as links.",
                 TESTS(CTRT_OP_ARCHIVE_GET), USES(RUNNING, CTRT_OP_EXEC)),
    CONFORM_CASE("archive.get_missing", get_missing, "archive_get of a missing path: not found.",
                 TESTS(CTRT_OP_ARCHIVE_GET), USES(RUNNING)),
    CONFORM_CASE("archive.get_missing_container", get_missing_container,
                 "archive_get from an unknown container: not found.", TESTS(CTRT_OP_ARCHIVE_GET)),
    CONFORM_CASE("archive.get_cancel_half_way", get_cancel_half_way, "Cancelling an archive stream half-way.",
                 TESTS(CTRT_OP_ARCHIVE_GET), USES(RUNNING)),
    CONFORM_CASE("archive.get_keeps_mode_bits", get_keeps_mode_bits,
                 "archive_get keeps permission bits, the sticky bit included, of files and directories.",
                 TESTS(CTRT_OP_ARCHIVE_GET), USES(RUNNING, CTRT_OP_EXEC)),
    CONFORM_CASE("archive.get_keeps_owner", get_keeps_owner,
                 "archive_get reports the uid and gid of files another user made.", TESTS(CTRT_OP_ARCHIVE_GET),
                 USES(RUNNING, CTRT_OP_EXEC_WITH_OPTS)),
    CONFORM_CASE("archive.get_stopped_container", get_stopped_container,
                 "archive_get reads the filesystem of an exited container.", TESTS(CTRT_OP_ARCHIVE_GET),
                 USES(RUNNING, CTRT_OP_WAIT_CONTAINER)),
    CONFORM_CASE("archive.put_files", put_files, "archive_put extracts files and keeps their modes.",
                 TESTS(CTRT_OP_ARCHIVE_PUT), USES(RUNNING, CTRT_OP_EXEC, CTRT_OP_ARCHIVE_HEAD)),
    CONFORM_CASE("archive.put_from_callback", put_from_callback, "An upload read through a callback, in pieces.",
                 TESTS(CTRT_OP_ARCHIVE_PUT), USES(RUNNING, CTRT_OP_EXEC)),
    CONFORM_CASE("archive.put_missing_directory", put_missing_directory, "archive_put into a missing path.",
                 TESTS(CTRT_OP_ARCHIVE_PUT), USES(RUNNING)),
    CONFORM_CASE("archive.put_missing_container", put_missing_container,
                 "archive_put into an unknown container: not found.", TESTS(CTRT_OP_ARCHIVE_PUT)),
    CONFORM_CASE("archive.put_into_file", put_into_file, "archive_put into a path that is not a directory.",
                 TESTS(CTRT_OP_ARCHIVE_PUT), USES(RUNNING, CTRT_OP_EXEC)),
    CONFORM_CASE("archive.put_not_a_tar", put_not_a_tar, "archive_put of something that is not a tar.",
                 TESTS(CTRT_OP_ARCHIVE_PUT), USES(RUNNING)),
    CONFORM_CASE("archive.put_rejects_dotdot", put_rejects_dotdot, "An entry escaping with .. is rejected.",
                 TESTS(CTRT_OP_ARCHIVE_PUT), USES(RUNNING, CTRT_OP_EXEC, CTRT_OP_ARCHIVE_HEAD)),
    CONFORM_CASE("archive.put_rejects_absolute", put_rejects_absolute, "An absolute entry path is rejected.",
                 TESTS(CTRT_OP_ARCHIVE_PUT), USES(RUNNING, CTRT_OP_EXEC, CTRT_OP_ARCHIVE_HEAD)),
    CONFORM_CASE("archive.put_rejects_symlink_escape", put_rejects_symlink_escape,
                 "Writing through a symlink that leads outside is rejected.", TESTS(CTRT_OP_ARCHIVE_PUT),
                 USES(RUNNING, CTRT_OP_EXEC, CTRT_OP_ARCHIVE_HEAD)),
    CONFORM_CASE("archive.put_links_inside", put_links_inside,
                 "Symbolic and hard links that stay inside the destination are extracted.", TESTS(CTRT_OP_ARCHIVE_PUT),
                 USES(RUNNING, CTRT_OP_EXEC, CTRT_OP_ARCHIVE_HEAD)),
    CONFORM_CASE("archive.put_no_overwrite_dir_non_dir", put_no_overwrite_dir_non_dir,
                 "no_overwrite_dir_non_dir refuses to swap directories and files.", TESTS(CTRT_OP_ARCHIVE_PUT),
                 USES(RUNNING, CTRT_OP_EXEC, CTRT_OP_ARCHIVE_HEAD)),
    CONFORM_CASE("archive.put_same_kind_with_no_overwrite", put_same_kind_with_no_overwrite,
                 "no_overwrite_dir_non_dir still replaces a file by a file and merges directories.",
                 TESTS(CTRT_OP_ARCHIVE_PUT), USES(RUNNING, CTRT_OP_EXEC)),
    CONFORM_CASE("archive.put_replaces_file", put_replaces_file,
                 "archive_put over an existing file replaces its contents and mode.", TESTS(CTRT_OP_ARCHIVE_PUT),
                 USES(RUNNING, CTRT_OP_EXEC, CTRT_OP_ARCHIVE_HEAD)),
    CONFORM_CASE("archive.put_keeps_archive_owner", put_keeps_archive_owner,
                 "Without copy_uid_gid an upload keeps the uid and gid of the archive.", TESTS(CTRT_OP_ARCHIVE_PUT),
                 USES(RUNNING, CTRT_OP_ARCHIVE_GET)),
    CONFORM_CASE("archive.put_copy_uid_gid", put_copy_uid_gid,
                 "With copy_uid_gid an upload belongs to the container's user.", TESTS(CTRT_OP_ARCHIVE_PUT),
                 USES(RUNNING, CTRT_OP_ARCHIVE_GET)),
    CONFORM_CASE("archive.export_has_tree", export_has_tree, "export_container_fs holds the image and new files.",
                 TESTS(CTRT_OP_EXPORT_CONTAINER_FS), USES(RUNNING, CTRT_OP_EXEC)),
    CONFORM_CASE("archive.export_missing", export_missing, "Exporting an unknown container: not found.",
                 TESTS(CTRT_OP_EXPORT_CONTAINER_FS)),
    CONFORM_CASE("archive.export_cancel_half_way", export_cancel_half_way, "Closing an export mid-transfer.",
                 TESTS(CTRT_OP_EXPORT_CONTAINER_FS), USES(RUNNING)),
    CONFORM_CASE("archive.put_then_get_round_trip", put_then_get_round_trip,
                 "What archive_put wrote, archive_get reads.", TESTS(CTRT_OP_ARCHIVE_PUT, CTRT_OP_ARCHIVE_GET),
                 USES(RUNNING)),
    CONFORM_CASE("archive.changes_after_put", changes_after_put, "An uploaded file shows in the changes as added.",
                 TESTS(CTRT_OP_CHANGES_CONTAINER), USES(RUNNING, CTRT_OP_ARCHIVE_PUT)),
};

const conform_area conform_area_archive = CONFORM_AREA("archive", cases);
