/* SPDX-License-Identifier: MIT */
/* Unit tests of memfs, the mock backend's in-memory filesystem. */
#include "test_support.h"

#include "backends/mock/memfs_internal.h"
#include "gen_internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

/* ======================================================================
 * helpers
 * ====================================================================== */

static memfs *make_fs(void) {
  memfs *fs = NULL;
  ASSERT_OK(memfs_new(&fs));
  return fs;
}

static memfs *clone_fs(const memfs *fs) {
  memfs *copy = NULL;
  ASSERT_OK(memfs_clone(&copy, fs));
  return copy;
}

static void put(memfs *fs, const char *path, const char *text) {
  ASSERT_OK(memfs_write(fs, path, text, strlen(text), 0644, 0, 0, false));
}

/* The file's contents as a new string, NULL when it cannot be read. */
static char *get(const memfs *fs, const char *path) {
  memfs_blob *blob = NULL;
  if (memfs_read(fs, path, &blob) < 0)
    return NULL;
  char *text = ctrt__strndup((const char *)memfs_blob_data(blob), memfs_blob_len(blob));
  memfs_blob_unref(blob);
  return text;
}

static bool has_text(const memfs *fs, const char *path, const char *expected) {
  char *text = get(fs, path);
  bool same = text && strcmp(text, expected) == 0;
  ctrt__free(text);
  return same;
}

static bool message_has(const char *needle) { return strstr(ctrt_error_last()->message, needle) != NULL; }

static memfs_stat stat_of(const memfs *fs, const char *path, bool follow) {
  memfs_stat st;
  memset(&st, 0, sizeof st);
  ASSERT_OK(memfs_stat_path(fs, path, follow, &st));
  return st;
}

static bool realpath_is(const memfs *fs, const char *path, const char *expected) {
  char *real = NULL;
  if (memfs_realpath(fs, path, &real) < 0)
    return false;
  bool same = strcmp(real, expected) == 0;
  ctrt__free(real);
  return same;
}

/* No difference at all, mtimes included. */
static bool unchanged(const memfs *before, const memfs *after) {
  memfs_change *changes = NULL;
  size_t n = 99;
  if (memfs_diff(before, after, &changes, &n) < 0)
    return false;
  memfs_changes_free(changes, n);
  return n == 0 && memfs_equal(before, after);
}

/* ---- building archives with libarchive ---- */

typedef struct tarb {
  struct archive *a;
  uint8_t *buf;
  size_t len, cap;
} tarb;

static la_ssize_t tarb_write(struct archive *a, void *ctx, const void *data, size_t n) {
  (void)a;
  tarb *t = ctx;
  if (t->len + n > t->cap) {
    t->cap = (t->len + n) * 2;
    t->buf = realloc(t->buf, t->cap);
  }
  memcpy(t->buf + t->len, data, n);
  t->len += n;
  return (la_ssize_t)n;
}

static void tarb_init(tarb *t, bool gzip) {
  memset(t, 0, sizeof *t);
  t->a = archive_write_new();
  archive_write_set_format_pax_restricted(t->a);
  if (gzip)
    archive_write_add_filter_gzip(t->a);
  archive_write_set_bytes_per_block(t->a, 0);
  CU_ASSERT_EQUAL_FATAL(archive_write_open(t->a, t, NULL, tarb_write, NULL), ARCHIVE_OK);
}

/* type: 'f' file (arg = contents), 'd' directory, 'l' symlink (arg =
 * target), 'h' hard link (arg = target), 'c' character device. */
static void tarb_add(tarb *t, char type, const char *name, unsigned perm, const char *arg, unsigned uid, unsigned gid) {
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, name);
  archive_entry_set_perm(e, perm);
  archive_entry_set_uid(e, uid);
  archive_entry_set_gid(e, gid);
  archive_entry_set_mtime(e, 1700000000, 0);
  switch (type) {
  case 'f':
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_size(e, (la_int64_t)strlen(arg));
    break;
  case 'd':
    archive_entry_set_filetype(e, AE_IFDIR);
    break;
  case 'l':
    archive_entry_set_filetype(e, AE_IFLNK);
    archive_entry_set_symlink(e, arg);
    break;
  case 'h':
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_hardlink(e, arg);
    break;
  case 'c':
    archive_entry_set_filetype(e, AE_IFCHR);
    archive_entry_set_rdev(e, 0x0103);
    break;
  }
  CU_ASSERT_EQUAL(archive_write_header(t->a, e), ARCHIVE_OK);
  if (type == 'f' && *arg)
    CU_ASSERT_EQUAL(archive_write_data(t->a, arg, strlen(arg)), (la_ssize_t)strlen(arg));
  archive_entry_free(e);
}

static void tarb_file(tarb *t, const char *name, const char *text) { tarb_add(t, 'f', name, 0644, text, 0, 0); }
static void tarb_dir(tarb *t, const char *name) { tarb_add(t, 'd', name, 0755, NULL, 0, 0); }
static void tarb_symlink(tarb *t, const char *name, const char *target) { tarb_add(t, 'l', name, 0777, target, 0, 0); }
static void tarb_hardlink(tarb *t, const char *name, const char *target) { tarb_add(t, 'h', name, 0644, target, 0, 0); }

static void tarb_finish(tarb *t) {
  CU_ASSERT_EQUAL(archive_write_close(t->a), ARCHIVE_OK);
  archive_write_free(t->a);
  t->a = NULL;
}

static void tarb_free(tarb *t) {
  if (t->a)
    archive_write_free(t->a);
  free(t->buf);
}

static int apply_buf(memfs *fs, const char *dest, const void *data, size_t len, const memfs_tar_options *options) {
  ctrt_byte_source *src = NULL;
  ASSERT_OK(ctrt_byte_source_from_buffer(&src, data, len));
  int rc = memfs_apply_tar(fs, dest, src, options);
  ctrt_byte_source_free(src);
  return rc;
}

static const memfs_tar_options layer_options = {.mode = MEMFS_TAR_LAYER};
static const memfs_tar_options upload_options = {.mode = MEMFS_TAR_UPLOAD, .default_uid = 0, .default_gid = 0};

/* ---- reading archives back ---- */

typedef struct tentry {
  char *name;
  unsigned type, perm, uid, gid;
  int64_t size, mtime;
  char *symlink, *hardlink;
  char *data; /* small files only */
} tentry;

typedef struct tlist {
  tentry *e;
  size_t n;
} tlist;

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static void parse_tar(const void *data, size_t len, tlist *out) {
  memset(out, 0, sizeof *out);
  struct archive *a = archive_read_new();
  archive_read_support_format_tar(a);
  CU_ASSERT_EQUAL_FATAL(archive_read_open_memory(a, data, len), ARCHIVE_OK);
  struct archive_entry *e;
  int r;
  while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    out->e = realloc(out->e, (out->n + 1) * sizeof *out->e);
    tentry *t = &out->e[out->n++];
    memset(t, 0, sizeof *t);
    t->name = strdup(archive_entry_pathname(e));
    t->type = archive_entry_filetype(e);
    t->perm = archive_entry_perm(e);
    t->uid = (unsigned)archive_entry_uid(e);
    t->gid = (unsigned)archive_entry_gid(e);
    t->size = archive_entry_size(e);
    t->mtime = archive_entry_mtime(e);
    t->symlink = dup_or_null(archive_entry_symlink(e));
    t->hardlink = dup_or_null(archive_entry_hardlink(e));
    if (t->size > 0 && t->size < 65536) {
      t->data = calloc(1, (size_t)t->size + 1);
      CU_ASSERT_EQUAL(archive_read_data(a, t->data, (size_t)t->size), t->size);
    }
  }
  CU_ASSERT_EQUAL(r, ARCHIVE_EOF);
  archive_read_free(a);
}

static void tlist_free(tlist *l) {
  for (size_t i = 0; i < l->n; i++) {
    free(l->e[i].name);
    free(l->e[i].symlink);
    free(l->e[i].hardlink);
    free(l->e[i].data);
  }
  free(l->e);
}

static const tentry *tfind(const tlist *l, const char *name) {
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->e[i].name, name) == 0)
      return &l->e[i];
  return NULL;
}

static void tar_of(memfs *fs, const char *path, memfs_tar_scope scope, tlist *out) {
  memfs_blob *blob = NULL;
  ASSERT_OK(memfs_tar_blob(fs, path, scope, &blob));
  parse_tar(memfs_blob_data(blob), memfs_blob_len(blob), out);
  memfs_blob_unref(blob);
}

/* ======================================================================
 * blobs, paths
 * ====================================================================== */

static void test_blobs(void) {
  memfs_blob *a = NULL, *b = NULL, *empty = NULL;
  ASSERT_OK(memfs_blob_new(&a, "hello", 5));
  CU_ASSERT_EQUAL(memfs_blob_len(a), 5);
  CU_ASSERT_EQUAL(memcmp(memfs_blob_data(a), "hello", 5), 0);
  char *data = ctrt__malloc(3);
  memcpy(data, "abc", 3);
  ASSERT_OK(memfs_blob_adopt(&b, data, 3));
  CU_ASSERT_PTR_EQUAL(memfs_blob_data(b), (uint8_t *)data);
  CU_ASSERT_PTR_EQUAL(memfs_blob_ref(b), b);
  memfs_blob_unref(b);
  memfs_blob_unref(b);
  ASSERT_OK(memfs_blob_new(&empty, NULL, 0));
  CU_ASSERT_EQUAL(memfs_blob_len(empty), 0);
  CU_ASSERT_PTR_NOT_NULL(memfs_blob_data(empty));
  memfs_blob_unref(empty);
  memfs_blob_unref(a);
  memfs_blob_unref(NULL);
  memfs_free(NULL);
  memfs_tar_reader_free(NULL);
  memfs_changes_free(NULL, 0);
  memfs_names_free(NULL, 0);
}

static void test_resolve_dots(void) {
  memfs *fs = make_fs();
  ASSERT_OK(memfs_mkdir(fs, "/a/b", 0755, 0, 0, true));
  put(fs, "/a/b/f", "x");
  CU_ASSERT_TRUE(realpath_is(fs, "/a/./b/../b//f", "/a/b/f"));
  CU_ASSERT_TRUE(realpath_is(fs, "/..", "/"));
  CU_ASSERT_TRUE(realpath_is(fs, "/../../a/../..", "/"));
  CU_ASSERT_TRUE(realpath_is(fs, "/../../a/b/", "/a/b"));
  CU_ASSERT_TRUE(realpath_is(fs, "/", "/"));
  CU_ASSERT_TRUE(realpath_is(fs, "a/b", "/a/b")); /* relative: from the root */
  /* A file is not a directory, not even for "." or "..". */
  ASSERT_FAILS_WITH(memfs_stat_path(fs, "/a/b/f/x", true, &(memfs_stat){0}), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(memfs_stat_path(fs, "/a/b/f/..", true, &(memfs_stat){0}), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(memfs_stat_path(fs, "/a/b/f/", true, &(memfs_stat){0}), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(message_has("/a/b/f/"));
  ASSERT_FAILS_WITH(memfs_stat_path(fs, "/a/nope/f", true, &(memfs_stat){0}), CTRT_ERROR_NOT_FOUND);
  CU_ASSERT_TRUE(message_has("/a/nope/f"));
  CU_ASSERT_FALSE(memfs_exists(fs, "/a/nope", true));
  CU_ASSERT_TRUE(memfs_exists(fs, "/a/b/f", true));
  memfs_free(fs);
}

static void test_resolve_symlinks(void) {
  memfs *fs = make_fs();
  ASSERT_OK(memfs_mkdir(fs, "/bin", 0755, 0, 0, false));
  ASSERT_OK(memfs_mkdir(fs, "/usr/lib/x86", 0755, 0, 0, true));
  ASSERT_OK(memfs_mkdir(fs, "/x/y", 0755, 0, 0, true));
  ASSERT_OK(memfs_mkdir(fs, "/a", 0755, 0, 0, false));
  put(fs, "/bin/busybox", "BB");
  ASSERT_OK(memfs_symlink(fs, "busybox", "/bin/sh", 0, 0));  /* relative */
  ASSERT_OK(memfs_symlink(fs, "/bin/sh", "/bin/env", 0, 0)); /* absolute, chained */
  ASSERT_OK(memfs_symlink(fs, "usr/lib", "/lib", 0, 0));     /* directory */
  ASSERT_OK(memfs_symlink(fs, "/x/y", "/a/link", 0, 0));
  CU_ASSERT_TRUE(realpath_is(fs, "/bin/sh", "/bin/busybox"));
  CU_ASSERT_TRUE(realpath_is(fs, "/bin/env", "/bin/busybox"));
  CU_ASSERT_TRUE(realpath_is(fs, "/lib/x86", "/usr/lib/x86"));
  CU_ASSERT_TRUE(has_text(fs, "/bin/env", "BB"));
  /* ".." after a symlink is the target's parent, as in the kernel. */
  CU_ASSERT_TRUE(realpath_is(fs, "/a/link/..", "/x"));
  CU_ASSERT_TRUE(realpath_is(fs, "/lib/../..", "/"));
  /* lstat sees the link, stat its target. */
  memfs_stat st = stat_of(fs, "/bin/sh", false);
  CU_ASSERT_TRUE(S_ISLNK(st.mode));
  CU_ASSERT_STRING_EQUAL(st.link_target, "busybox");
  CU_ASSERT_EQUAL(st.size, 7);
  st = stat_of(fs, "/bin/sh", true);
  CU_ASSERT_TRUE(S_ISREG(st.mode));
  CU_ASSERT_EQUAL(st.size, 2);
  CU_ASSERT_STRING_EQUAL(st.link_target, "");
  st = stat_of(fs, "/lib/", false); /* a trailing slash follows */
  CU_ASSERT_TRUE(S_ISDIR(st.mode));
  CU_ASSERT_EQUAL(st.size, 4096);
  /* Dangling links exist for lstat only. */
  ASSERT_OK(memfs_symlink(fs, "/nowhere", "/dangling", 0, 0));
  CU_ASSERT_TRUE(memfs_exists(fs, "/dangling", false));
  CU_ASSERT_FALSE(memfs_exists(fs, "/dangling", true));
  ASSERT_FAILS_WITH(memfs_realpath(fs, "/dangling", &(char *){NULL}), CTRT_ERROR_NOT_FOUND);
  memfs_free(fs);
}

static void test_resolve_confinement(void) {
  memfs *fs = make_fs();
  ASSERT_OK(memfs_mkdir(fs, "/etc", 0755, 0, 0, false));
  ASSERT_OK(memfs_mkdir(fs, "/deep/er", 0755, 0, 0, true));
  put(fs, "/etc/passwd", "root");
  /* However many "..", a link cannot leave the root. */
  ASSERT_OK(memfs_symlink(fs, "../../../../../../etc", "/deep/er/up", 0, 0));
  ASSERT_OK(memfs_symlink(fs, "/../../../etc/passwd", "/deep/abs", 0, 0));
  ASSERT_OK(memfs_symlink(fs, "/", "/deep/root", 0, 0));
  CU_ASSERT_TRUE(realpath_is(fs, "/deep/er/up", "/etc"));
  CU_ASSERT_TRUE(realpath_is(fs, "/deep/abs", "/etc/passwd"));
  CU_ASSERT_TRUE(realpath_is(fs, "/deep/root/../..", "/"));
  CU_ASSERT_TRUE(realpath_is(fs, "/deep/root/deep/root/etc", "/etc"));
  CU_ASSERT_TRUE(has_text(fs, "/deep/er/up/passwd", "root"));
  memfs_free(fs);
}

static void test_resolve_loops(void) {
  memfs *fs = make_fs();
  memfs_stat st;
  ASSERT_OK(memfs_symlink(fs, "loop2", "/loop1", 0, 0));
  ASSERT_OK(memfs_symlink(fs, "/loop1", "/loop2", 0, 0));
  ASSERT_OK(memfs_symlink(fs, "self", "/self", 0, 0));
  ASSERT_FAILS_WITH(memfs_stat_path(fs, "/loop1", true, &st), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(message_has("symbolic links"));
  ASSERT_FAILS_WITH(memfs_stat_path(fs, "/self/x", false, &st), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(memfs_write(fs, "/self", "x", 1, 0644, 0, 0, false), CTRT_ERROR_INVALID_SPEC);
  ASSERT_OK(memfs_stat_path(fs, "/loop1", false, &st)); /* the link itself is fine */
  /* A chain of 40 links resolves, 41 do not (the kernel's MAXSYMLINKS). */
  put(fs, "/target", "t");
  char name[32], next[32];
  for (int i = 1; i <= 41; i++) {
    snprintf(name, sizeof name, "/c%d", i);
    if (i == 1)
      snprintf(next, sizeof next, "target");
    else
      snprintf(next, sizeof next, "c%d", i - 1);
    ASSERT_OK(memfs_symlink(fs, next, name, 0, 0));
  }
  CU_ASSERT_TRUE(has_text(fs, "/c40", "t"));
  ASSERT_FAILS_WITH(memfs_stat_path(fs, "/c41", true, &st), CTRT_ERROR_INVALID_SPEC);
  memfs_free(fs);
}

static void test_limits(void) {
  memfs *fs = make_fs();
  char path[MEMFS_PATH_MAX + 16];
  memset(path, 'a', sizeof path);
  path[0] = '/';
  path[300] = '\0';
  ASSERT_FAILS_WITH(memfs_write(fs, path, "x", 1, 0644, 0, 0, false), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(message_has("too long"));
  path[MEMFS_PATH_MAX + 8] = '\0';
  for (size_t i = 100; i < MEMFS_PATH_MAX; i += 100)
    path[i] = '/';
  ASSERT_FAILS_WITH(memfs_stat_path(fs, path, true, &(memfs_stat){0}), CTRT_ERROR_INVALID_SPEC);
  /* Depth: 256 levels are allowed, not more. */
  char deep[2 * 300 + 8] = "";
  for (int i = 0; i < MEMFS_DEPTH_MAX; i++)
    strcat(deep, "/d");
  ASSERT_OK(memfs_mkdir(fs, deep, 0755, 0, 0, true));
  strcat(deep, "/d");
  ASSERT_FAILS_WITH(memfs_mkdir(fs, deep, 0755, 0, 0, true), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(memfs_write(fs, deep, "", 0, 0644, 0, 0, false), CTRT_ERROR_INVALID_SPEC);
  memfs_free(fs);
}

/* ======================================================================
 * file operations
 * ====================================================================== */

static void test_write_read(void) {
  memfs *fs = make_fs();
  ASSERT_OK(memfs_mkdir(fs, "/etc", 0755, 0, 0, false));
  ASSERT_OK(memfs_write(fs, "/etc/motd", "hello", 5, 0640, 1000, 100, false));
  memfs_stat st = stat_of(fs, "/etc/motd", true);
  CU_ASSERT_EQUAL(st.mode, S_IFREG | 0640);
  CU_ASSERT_EQUAL(st.uid, 1000);
  CU_ASSERT_EQUAL(st.gid, 100);
  CU_ASSERT_EQUAL(st.size, 5);
  CU_ASSERT_EQUAL(st.nlink, 1);
  ASSERT_OK(memfs_write(fs, "/etc/motd", " world", 6, 0600, 0, 0, true));
  CU_ASSERT_TRUE(has_text(fs, "/etc/motd", "hello world"));
  /* An existing file keeps its owner and mode. */
  ASSERT_OK(memfs_write(fs, "/etc/motd", "bye", 3, 0600, 0, 0, false));
  CU_ASSERT_TRUE(has_text(fs, "/etc/motd", "bye"));
  st = stat_of(fs, "/etc/motd", true);
  CU_ASSERT_EQUAL(st.mode, S_IFREG | 0640);
  CU_ASSERT_EQUAL(st.uid, 1000);
  /* Append creates a missing file. */
  ASSERT_OK(memfs_write(fs, "/etc/new", "a", 1, 0644, 0, 0, true));
  for (int i = 0; i < 1000; i++)
    ASSERT_OK(memfs_write(fs, "/etc/new", "b", 1, 0644, 0, 0, true));
  CU_ASSERT_EQUAL(stat_of(fs, "/etc/new", true).size, 1001);
  /* Writing through symlinks: to an existing file, and a dangling one
   * creates its target (open(O_CREAT)). */
  ASSERT_OK(memfs_symlink(fs, "motd", "/etc/link", 0, 0));
  ASSERT_OK(memfs_write(fs, "/etc/link", "via", 3, 0644, 0, 0, false));
  CU_ASSERT_TRUE(has_text(fs, "/etc/motd", "via"));
  CU_ASSERT_TRUE(S_ISLNK(stat_of(fs, "/etc/link", false).mode));
  ASSERT_OK(memfs_symlink(fs, "/etc/created", "/etc/dangling", 0, 0));
  ASSERT_OK(memfs_write(fs, "/etc/dangling", "c", 1, 0644, 0, 0, false));
  CU_ASSERT_TRUE(has_text(fs, "/etc/created", "c"));
  /* Errors. */
  ASSERT_FAILS_WITH(memfs_write(fs, "/nope/f", "x", 1, 0644, 0, 0, false), CTRT_ERROR_NOT_FOUND);
  CU_ASSERT_TRUE(message_has("/nope/f"));
  ASSERT_FAILS_WITH(memfs_write(fs, "/etc/motd/f", "x", 1, 0644, 0, 0, false), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(message_has("not a directory"));
  ASSERT_FAILS_WITH(memfs_write(fs, "/etc", "x", 1, 0644, 0, 0, false), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(message_has("is a directory"));
  ASSERT_FAILS_WITH(memfs_write(fs, "/etc/newdir/", "x", 1, 0644, 0, 0, false), CTRT_ERROR_INVALID_SPEC);
  memfs_blob *blob = NULL;
  ASSERT_FAILS_WITH(memfs_read(fs, "/etc", &blob), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(memfs_read(fs, "/etc/none", &blob), CTRT_ERROR_NOT_FOUND);
  /* write_blob shares the blob. */
  ASSERT_OK(memfs_blob_new(&blob, "shared", 6));
  ASSERT_OK(memfs_write_blob(fs, "/etc/shared", blob, 0600, 0, 0));
  memfs_blob *back = NULL;
  ASSERT_OK(memfs_read(fs, "/etc/shared", &back));
  CU_ASSERT_PTR_EQUAL(back, blob);
  memfs_blob_unref(back);
  memfs_blob_unref(blob);
  CU_ASSERT_EQUAL(memfs_size(fs), 3 + 1001 + 1 + 6);
  memfs_free(fs);
}

static void test_mtimes(void) {
  memfs *fs = make_fs();
  const ctrt_timestamp old = {1000, 5};
  ASSERT_OK(memfs_mkdir(fs, "/d", 0755, 0, 0, false));
  put(fs, "/d/f", "x");
  ASSERT_OK(memfs_touch(fs, "/d/f", old, false, 0, 0));
  ASSERT_OK(memfs_touch(fs, "/d", old, false, 0, 0));
  memfs_stat st = stat_of(fs, "/d/f", true);
  CU_ASSERT_EQUAL(st.mtime.seconds, 1000);
  CU_ASSERT_EQUAL(st.mtime.nanos, 5);
  /* Rewriting a file moves its mtime, not its directory's. */
  put(fs, "/d/f", "y");
  CU_ASSERT_TRUE(stat_of(fs, "/d/f", true).mtime.seconds > 1000);
  CU_ASSERT_EQUAL(stat_of(fs, "/d", true).mtime.seconds, 1000);
  /* chmod changes no mtime; a new entry moves the directory's. */
  ASSERT_OK(memfs_touch(fs, "/d/f", old, false, 0, 0));
  ASSERT_OK(memfs_chmod(fs, "/d/f", 0600));
  CU_ASSERT_EQUAL(stat_of(fs, "/d/f", true).mtime.seconds, 1000);
  put(fs, "/d/g", "new");
  CU_ASSERT_TRUE(stat_of(fs, "/d", true).mtime.seconds > 1000);
  ASSERT_OK(memfs_touch(fs, "/d", old, false, 0, 0));
  ASSERT_OK(memfs_remove(fs, "/d/g", false));
  CU_ASSERT_TRUE(stat_of(fs, "/d", true).mtime.seconds > 1000);
  /* touch: through a symlink, and create. */
  ASSERT_OK(memfs_symlink(fs, "f", "/d/l", 0, 0));
  ASSERT_OK(memfs_touch(fs, "/d/l", (ctrt_timestamp){2000, 0}, false, 0, 0));
  CU_ASSERT_EQUAL(stat_of(fs, "/d/f", true).mtime.seconds, 2000);
  ASSERT_FAILS_WITH(memfs_touch(fs, "/d/none", old, false, 0, 0), CTRT_ERROR_NOT_FOUND);
  ASSERT_OK(memfs_touch(fs, "/d/none", (ctrt_timestamp){3000, 0}, true, 7, 8));
  st = stat_of(fs, "/d/none", true);
  CU_ASSERT_EQUAL(st.mode, S_IFREG | 0644);
  CU_ASSERT_EQUAL(st.size, 0);
  CU_ASSERT_EQUAL(st.uid, 7);
  CU_ASSERT_EQUAL(st.gid, 8);
  CU_ASSERT_EQUAL(st.mtime.seconds, 3000);
  memfs_free(fs);
}

static void test_mkdir(void) {
  memfs *fs = make_fs();
  ASSERT_OK(memfs_mkdir(fs, "/a", 0700, 5, 6, false));
  memfs_stat st = stat_of(fs, "/a", true);
  CU_ASSERT_EQUAL(st.mode, S_IFDIR | 0700);
  CU_ASSERT_EQUAL(st.uid, 5);
  CU_ASSERT_EQUAL(st.nlink, 2);
  ASSERT_FAILS_WITH(memfs_mkdir(fs, "/a", 0755, 0, 0, false), CTRT_ERROR_CONFLICT);
  ASSERT_FAILS_WITH(memfs_mkdir(fs, "/", 0755, 0, 0, false), CTRT_ERROR_CONFLICT);
  ASSERT_FAILS_WITH(memfs_mkdir(fs, "/x/y", 0755, 0, 0, false), CTRT_ERROR_NOT_FOUND);
  ASSERT_OK(memfs_mkdir(fs, "/a", 0755, 0, 0, true)); /* -p: an existing directory is fine */
  ASSERT_OK(memfs_mkdir(fs, "/x/y/../z//w/", 0750, 0, 0, true));
  CU_ASSERT_TRUE(memfs_exists(fs, "/x/y", true));
  CU_ASSERT_EQUAL(stat_of(fs, "/x/z", true).mode, S_IFDIR | 0755);
  CU_ASSERT_EQUAL(stat_of(fs, "/x/z/w", true).mode, S_IFDIR | 0750);
  CU_ASSERT_EQUAL(stat_of(fs, "/x", true).nlink, 4);
  put(fs, "/file", "f");
  ASSERT_FAILS_WITH(memfs_mkdir(fs, "/file/sub", 0755, 0, 0, true), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(memfs_mkdir(fs, "/file", 0755, 0, 0, true), CTRT_ERROR_CONFLICT); /* as mkdir -p says */
  ASSERT_FAILS_WITH(memfs_mkdir(fs, "/file", 0755, 0, 0, false), CTRT_ERROR_CONFLICT);
  /* Through a symlink to a directory; not at a dangling one. */
  ASSERT_OK(memfs_symlink(fs, "/x", "/lx", 0, 0));
  ASSERT_OK(memfs_mkdir(fs, "/lx/q/r", 0755, 0, 0, true));
  CU_ASSERT_TRUE(memfs_exists(fs, "/x/q/r", false));
  ASSERT_OK(memfs_symlink(fs, "/missing", "/dang", 0, 0));
  ASSERT_FAILS_WITH(memfs_mkdir(fs, "/dang", 0755, 0, 0, false), CTRT_ERROR_CONFLICT);
  ASSERT_FAILS_WITH(memfs_mkdir(fs, "/dang", 0755, 0, 0, true), CTRT_ERROR_CONFLICT);
  CU_ASSERT_FALSE(memfs_exists(fs, "/missing", false));
  memfs_free(fs);
}

static void test_remove(void) {
  memfs *fs = make_fs();
  ASSERT_OK(memfs_mkdir(fs, "/d/e/f", 0755, 0, 0, true));
  put(fs, "/d/e/f/file", "x");
  put(fs, "/d/file", "y");
  ASSERT_OK(memfs_mkdir(fs, "/empty", 0755, 0, 0, false));
  ASSERT_OK(memfs_symlink(fs, "/d", "/ld", 0, 0));
  ASSERT_FAILS_WITH(memfs_remove(fs, "/d", false), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(message_has("not empty"));
  ASSERT_FAILS_WITH(memfs_remove(fs, "/nope", true), CTRT_ERROR_NOT_FOUND);
  ASSERT_FAILS_WITH(memfs_remove(fs, "/", true), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(memfs_remove(fs, "/d/.", true), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(memfs_remove(fs, "/d/file/x", true), CTRT_ERROR_INVALID_SPEC);
  ASSERT_OK(memfs_remove(fs, "/empty", false));
  CU_ASSERT_FALSE(memfs_exists(fs, "/empty", false));
  /* A symlink goes, not its target. */
  ASSERT_OK(memfs_remove(fs, "/ld", false));
  CU_ASSERT_FALSE(memfs_exists(fs, "/ld", false));
  CU_ASSERT_TRUE(memfs_exists(fs, "/d/file", false));
  ASSERT_OK(memfs_remove(fs, "/d/file", false));
  ASSERT_OK(memfs_remove(fs, "/d", true));
  CU_ASSERT_FALSE(memfs_exists(fs, "/d", false));
  char **names = NULL;
  size_t n = 9;
  ASSERT_OK(memfs_list(fs, "/", &names, &n));
  CU_ASSERT_EQUAL(n, 0);
  memfs_names_free(names, n);
  memfs_free(fs);
}

static void test_chmod_list(void) {
  memfs *fs = make_fs();
  ASSERT_OK(memfs_mkdir(fs, "/dir", 0755, 0, 0, false));
  const char *names_in[] = {"b", "a", "Z", "a-b", "a.b", "~", "\xc3\xa9"};
  for (size_t i = 0; i < sizeof names_in / sizeof *names_in; i++) {
    char path[64];
    snprintf(path, sizeof path, "/dir/%s", names_in[i]);
    put(fs, path, names_in[i]);
  }
  ASSERT_OK(memfs_symlink(fs, "dir", "/ldir", 0, 0));
  char **names = NULL;
  size_t n = 0;
  ASSERT_OK(memfs_list(fs, "/ldir", &names, &n)); /* through the symlink */
  CU_ASSERT_EQUAL_FATAL(n, 7);
  const char *sorted[] = {"Z", "a", "a-b", "a.b", "b", "~", "\xc3\xa9"};
  for (size_t i = 0; i < n; i++)
    CU_ASSERT_STRING_EQUAL(names[i], sorted[i]);
  memfs_names_free(names, n);
  ASSERT_FAILS_WITH(memfs_list(fs, "/dir/a", &names, &n), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(memfs_list(fs, "/none", &names, &n), CTRT_ERROR_NOT_FOUND);
  /* chmod follows symlinks and keeps the special bits. */
  ASSERT_OK(memfs_symlink(fs, "/dir/a", "/la", 0, 0));
  ASSERT_OK(memfs_chmod(fs, "/la", 04755));
  CU_ASSERT_EQUAL(stat_of(fs, "/dir/a", true).mode, S_IFREG | 04755);
  CU_ASSERT_EQUAL(stat_of(fs, "/la", false).mode, S_IFLNK | 0777);
  ASSERT_OK(memfs_chmod(fs, "/dir", 01777));
  CU_ASSERT_EQUAL(stat_of(fs, "/dir", true).mode, S_IFDIR | 01777);
  ASSERT_FAILS_WITH(memfs_chmod(fs, "/none", 0644), CTRT_ERROR_NOT_FOUND);
  memfs_free(fs);
}

static void test_link_rename(void) {
  memfs *fs = make_fs();
  ASSERT_OK(memfs_mkdir(fs, "/bin", 0755, 0, 0, false));
  put(fs, "/bin/busybox", "BB");
  ASSERT_OK(memfs_link(fs, "/bin/busybox", "/bin/ls"));
  memfs_stat a = stat_of(fs, "/bin/busybox", true), b = stat_of(fs, "/bin/ls", true);
  CU_ASSERT_EQUAL(a.ino, b.ino);
  CU_ASSERT_EQUAL(a.nlink, 2);
  /* One inode: a write or chmod through one name shows through the other. */
  put(fs, "/bin/ls", "new");
  ASSERT_OK(memfs_chmod(fs, "/bin/ls", 0700));
  CU_ASSERT_TRUE(has_text(fs, "/bin/busybox", "new"));
  CU_ASSERT_EQUAL(stat_of(fs, "/bin/busybox", true).mode, S_IFREG | 0700);
  CU_ASSERT_EQUAL(memfs_size(fs), 3); /* counted once */
  ASSERT_FAILS_WITH(memfs_link(fs, "/bin/busybox", "/bin/ls"), CTRT_ERROR_CONFLICT);
  ASSERT_FAILS_WITH(memfs_link(fs, "/bin", "/bin2"), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(memfs_link(fs, "/none", "/x"), CTRT_ERROR_NOT_FOUND);
  ASSERT_OK(memfs_remove(fs, "/bin/busybox", false));
  CU_ASSERT_EQUAL(stat_of(fs, "/bin/ls", true).nlink, 1);
  CU_ASSERT_TRUE(has_text(fs, "/bin/ls", "new"));

  /* rename */
  ASSERT_OK(memfs_mkdir(fs, "/src/sub", 0755, 0, 0, true));
  put(fs, "/src/sub/f", "f");
  ASSERT_OK(memfs_rename(fs, "/src", "/dst"));
  CU_ASSERT_FALSE(memfs_exists(fs, "/src", false));
  CU_ASSERT_TRUE(has_text(fs, "/dst/sub/f", "f"));
  ASSERT_OK(memfs_rename(fs, "/bin/ls", "/dst/sub/f")); /* replaces a file */
  CU_ASSERT_TRUE(has_text(fs, "/dst/sub/f", "new"));
  CU_ASSERT_FALSE(memfs_exists(fs, "/bin/ls", false));
  ASSERT_FAILS_WITH(memfs_rename(fs, "/dst", "/dst/sub/into"), CTRT_ERROR_INVALID_SPEC);
  ASSERT_OK(memfs_mkdir(fs, "/full/x", 0755, 0, 0, true));
  ASSERT_FAILS_WITH(memfs_rename(fs, "/dst", "/full"), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(memfs_rename(fs, "/dst/sub/f", "/full"), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(memfs_rename(fs, "/full", "/dst/sub/f"), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(memfs_rename(fs, "/none", "/x"), CTRT_ERROR_NOT_FOUND);
  ASSERT_FAILS_WITH(memfs_rename(fs, "/full/x", "/dst/sub"), CTRT_ERROR_INVALID_SPEC); /* not empty */
  ASSERT_OK(memfs_mkdir(fs, "/e1/inner", 0700, 0, 0, true));
  ASSERT_OK(memfs_mkdir(fs, "/e2", 0755, 0, 0, false));
  ASSERT_OK(memfs_rename(fs, "/e1", "/e2")); /* an empty directory is replaced */
  CU_ASSERT_FALSE(memfs_exists(fs, "/e1", false));
  CU_ASSERT_TRUE(memfs_exists(fs, "/e2/inner", false));
  ASSERT_OK(memfs_rename(fs, "/e2", "/e2")); /* the same file: nothing happens */
  CU_ASSERT_TRUE(memfs_exists(fs, "/e2/inner", false));
  memfs_free(fs);
}

static void test_clone(void) {
  memfs *fs = make_fs();
  ASSERT_OK(memfs_mkdir(fs, "/etc", 0755, 0, 0, false));
  put(fs, "/etc/passwd", "root:x:0:0");
  put(fs, "/etc/hosts", "127.0.0.1");
  ASSERT_OK(memfs_link(fs, "/etc/hosts", "/etc/hosts.bak"));
  memfs *copy = clone_fs(fs);
  CU_ASSERT_TRUE(memfs_equal(fs, copy));
  CU_ASSERT_TRUE(unchanged(fs, copy));
  /* Contents are shared, not copied. */
  memfs_blob *a = NULL, *b = NULL;
  ASSERT_OK(memfs_read(fs, "/etc/passwd", &a));
  ASSERT_OK(memfs_read(copy, "/etc/passwd", &b));
  CU_ASSERT_PTR_EQUAL(a, b);
  memfs_blob_unref(a);
  memfs_blob_unref(b);
  /* Hard links stay links inside the clone, and only there. */
  CU_ASSERT_EQUAL(stat_of(copy, "/etc/hosts", true).ino, stat_of(copy, "/etc/hosts.bak", true).ino);
  put(copy, "/etc/hosts", "changed");
  CU_ASSERT_TRUE(has_text(copy, "/etc/hosts.bak", "changed"));
  CU_ASSERT_TRUE(has_text(fs, "/etc/hosts.bak", "127.0.0.1"));
  /* Independent trees. */
  put(copy, "/etc/passwd", "other");
  ASSERT_OK(memfs_remove(fs, "/etc/hosts", false));
  CU_ASSERT_TRUE(has_text(fs, "/etc/passwd", "root:x:0:0"));
  CU_ASSERT_TRUE(memfs_exists(copy, "/etc/hosts", false));
  CU_ASSERT_FALSE(memfs_equal(fs, copy));
  /* The original can go first: blobs live on in the clone. */
  memfs_free(fs);
  CU_ASSERT_TRUE(has_text(copy, "/etc/passwd", "other"));
  memfs_free(copy);
}

static void test_equal(void) {
  memfs *a = make_fs(), *b = make_fs();
  put(a, "/f", "x");
  put(b, "/f", "x");
  CU_ASSERT_TRUE(memfs_equal(a, b)); /* separate blobs, same bytes */
  ASSERT_OK(memfs_touch(b, "/f", (ctrt_timestamp){1, 0}, false, 0, 0));
  CU_ASSERT_TRUE(memfs_equal(a, b)); /* mtimes ignored */
  ASSERT_OK(memfs_chmod(b, "/f", 0600));
  CU_ASSERT_FALSE(memfs_equal(a, b));
  ASSERT_OK(memfs_chmod(b, "/f", 0644));
  ASSERT_OK(memfs_symlink(a, "x", "/l", 0, 0));
  ASSERT_OK(memfs_symlink(b, "y", "/l", 0, 0));
  CU_ASSERT_FALSE(memfs_equal(a, b));
  memfs_free(a);
  memfs_free(b);
}

/* ======================================================================
 * tar in: layers
 * ====================================================================== */

static void test_layer_basic(void) {
  memfs *fs = make_fs();
  tarb t;
  tarb_init(&t, false);
  tarb_dir(&t, "bin/");
  tarb_add(&t, 'f', "bin/busybox", 0755, "BUSYBOX", 0, 0);
  tarb_symlink(&t, "bin/sh", "busybox");
  tarb_add(&t, 'f', "./etc/shadow", 0640, "secret", 0, 42); /* "./" prefixes */
  tarb_add(&t, 'f', "/usr/bin/env", 0755, "env", 0, 0);     /* absolute: the root */
  tarb_hardlink(&t, "bin/ls", "bin/busybox");
  tarb_add(&t, 'c', "dev/null", 0666, NULL, 0, 0); /* skipped */
  tarb_add(&t, 'd', "home/user/", 0700, NULL, 1000, 1000);
  tarb_file(&t, "a/../b", "lexical"); /* ".." inside a layer resolves lexically */
  tarb_finish(&t);
  ASSERT_OK(apply_buf(fs, "/", t.buf, t.len, &layer_options));
  tarb_free(&t);
  CU_ASSERT_TRUE(has_text(fs, "/bin/sh", "BUSYBOX"));
  CU_ASSERT_TRUE(has_text(fs, "/usr/bin/env", "env"));
  CU_ASSERT_TRUE(has_text(fs, "/b", "lexical"));
  memfs_stat st = stat_of(fs, "/etc/shadow", false);
  CU_ASSERT_EQUAL(st.mode, S_IFREG | 0640);
  CU_ASSERT_EQUAL(st.gid, 42);
  CU_ASSERT_EQUAL(st.mtime.seconds, 1700000000);
  CU_ASSERT_EQUAL(stat_of(fs, "/etc", false).mode, S_IFDIR | 0755); /* implicit parent */
  st = stat_of(fs, "/home/user", false);
  CU_ASSERT_EQUAL(st.mode, S_IFDIR | 0700);
  CU_ASSERT_EQUAL(st.uid, 1000);
  CU_ASSERT_EQUAL(stat_of(fs, "/bin", false).mtime.seconds, 1700000000); /* kept despite children */
  CU_ASSERT_EQUAL(stat_of(fs, "/bin/ls", false).ino, stat_of(fs, "/bin/busybox", false).ino);
  CU_ASSERT_EQUAL(stat_of(fs, "/bin/ls", false).nlink, 2);
  CU_ASSERT_FALSE(memfs_exists(fs, "/dev/null", false));
  /* A ".." that climbs above the root is refused, even in a layer. */
  memfs *before = clone_fs(fs);
  tarb_init(&t, false);
  tarb_file(&t, "../escape", "x");
  tarb_finish(&t);
  ASSERT_FAILS_WITH(apply_buf(fs, "/", t.buf, t.len, &layer_options), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(unchanged(before, fs));
  tarb_free(&t);
  memfs_free(before);
  memfs_free(fs);
}

static void test_layer_whiteouts(void) {
  memfs *fs = make_fs();
  tarb t;
  tarb_init(&t, false);
  tarb_file(&t, "etc/passwd", "root");
  tarb_file(&t, "etc/shadow", "secret");
  tarb_file(&t, "dir/a", "a");
  tarb_file(&t, "dir/sub/b", "b");
  tarb_file(&t, "opq/old1", "o");
  tarb_file(&t, "opq/olddir/x", "x");
  tarb_file(&t, "opq2/old", "o");
  tarb_file(&t, "keep", "k");
  tarb_finish(&t);
  ASSERT_OK(apply_buf(fs, "/", t.buf, t.len, &layer_options));
  tarb_free(&t);

  tarb_init(&t, false);
  tarb_file(&t, "etc/.wh.shadow", "");
  tarb_file(&t, ".wh.dir", "");
  tarb_file(&t, ".wh.nonexistent", "");
  tarb_dir(&t, "opq/");
  tarb_file(&t, "opq/.wh..wh..opq", ""); /* marker first, then this layer's files */
  tarb_file(&t, "opq/new", "n");
  tarb_file(&t, "opq/olddir/y", "y");
  tarb_file(&t, "opq2/new", "n"); /* this layer's files first, then the marker */
  tarb_file(&t, "opq2/.wh..wh..opq", "");
  tarb_file(&t, ".wh..wh.plnk", ""); /* aufs bookkeeping: ignored */
  tarb_finish(&t);
  ASSERT_OK(apply_buf(fs, "/", t.buf, t.len, &layer_options));
  tarb_free(&t);
  CU_ASSERT_TRUE(memfs_exists(fs, "/etc/passwd", false));
  CU_ASSERT_FALSE(memfs_exists(fs, "/etc/shadow", false));
  CU_ASSERT_FALSE(memfs_exists(fs, "/etc/.wh.shadow", false));
  CU_ASSERT_FALSE(memfs_exists(fs, "/dir", false));
  CU_ASSERT_FALSE(memfs_exists(fs, "/.wh.dir", false));
  CU_ASSERT_FALSE(memfs_exists(fs, "/opq/old1", false));
  CU_ASSERT_FALSE(memfs_exists(fs, "/opq/olddir/x", false)); /* lower contents hidden below too */
  CU_ASSERT_TRUE(has_text(fs, "/opq/new", "n"));
  CU_ASSERT_TRUE(has_text(fs, "/opq/olddir/y", "y"));
  CU_ASSERT_FALSE(memfs_exists(fs, "/opq/.wh..wh..opq", false));
  CU_ASSERT_TRUE(has_text(fs, "/opq2/new", "n"));
  CU_ASSERT_FALSE(memfs_exists(fs, "/opq2/old", false));
  CU_ASSERT_TRUE(memfs_exists(fs, "/keep", false));
  CU_ASSERT_FALSE(memfs_exists(fs, "/.wh..wh.plnk", false));
  /* In an upload, ".wh." names are ordinary files. */
  tarb_init(&t, false);
  tarb_file(&t, ".wh.keep", "");
  tarb_finish(&t);
  ASSERT_OK(apply_buf(fs, "/", t.buf, t.len, &upload_options));
  tarb_free(&t);
  CU_ASSERT_TRUE(memfs_exists(fs, "/keep", false));
  CU_ASSERT_TRUE(memfs_exists(fs, "/.wh.keep", false));
  memfs_free(fs);
}

static void test_layer_hardlinks(void) {
  memfs *fs = make_fs();
  tarb t;
  tarb_init(&t, false);
  tarb_file(&t, "bin/busybox", "BB");
  tarb_hardlink(&t, "bin/cat", "bin/busybox");
  tarb_hardlink(&t, "usr/bin/cat", "/bin/busybox"); /* absolute link names in a layer */
  tarb_symlink(&t, "bin/s", "busybox");
  tarb_hardlink(&t, "bin/s2", "bin/s"); /* a link to a symlink links the symlink */
  tarb_finish(&t);
  ASSERT_OK(apply_buf(fs, "/", t.buf, t.len, &layer_options));
  tarb_free(&t);
  CU_ASSERT_EQUAL(stat_of(fs, "/bin/busybox", false).nlink, 3);
  CU_ASSERT_EQUAL(stat_of(fs, "/usr/bin/cat", false).ino, stat_of(fs, "/bin/busybox", false).ino);
  CU_ASSERT_TRUE(S_ISLNK(stat_of(fs, "/bin/s2", false).mode));
  /* Missing targets and directories fail. */
  memfs *before = clone_fs(fs);
  tarb_init(&t, false);
  tarb_hardlink(&t, "x", "nowhere");
  tarb_finish(&t);
  ASSERT_FAILS_WITH(apply_buf(fs, "/", t.buf, t.len, &layer_options), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(message_has("\"x\": hard link target \"nowhere\""));
  tarb_free(&t);
  tarb_init(&t, false);
  tarb_hardlink(&t, "x", "bin");
  tarb_finish(&t);
  ASSERT_FAILS_WITH(apply_buf(fs, "/", t.buf, t.len, &layer_options), CTRT_ERROR_INVALID_SPEC);
  tarb_free(&t);
  CU_ASSERT_TRUE(unchanged(before, fs));
  /* A hard link replacing the directory that holds its target. */
  tarb_init(&t, false);
  tarb_hardlink(&t, "usr", "usr/bin/cat");
  tarb_finish(&t);
  ASSERT_OK(apply_buf(fs, "/", t.buf, t.len, &layer_options));
  tarb_free(&t);
  CU_ASSERT_TRUE(has_text(fs, "/usr", "BB"));
  memfs_free(before);
  memfs_free(fs);
}

/* ======================================================================
 * tar in: uploads
 * ====================================================================== */

static void test_upload_basic(void) {
  memfs *fs = make_fs();
  ASSERT_OK(memfs_mkdir(fs, "/tmp/dest/sub", 0755, 0, 0, true));
  ASSERT_OK(memfs_symlink(fs, "sub", "/tmp/dest/in", 0, 0));
  ASSERT_OK(memfs_symlink(fs, "/tmp/dest", "/dest-link", 0, 0));
  tarb t;
  tarb_init(&t, false);
  tarb_add(&t, 'f', "a.txt", 0600, "A", 1000, 1000);
  tarb_add(&t, 'f', "new/deep/b.txt", 0644, "B", 1000, 1000); /* implicit parents */
  tarb_file(&t, "in/through", "T");                           /* a symlink leading inside is fine */
  tarb_symlink(&t, "abs", "/etc/passwd");                     /* a symlink itself may point anywhere */
  tarb_hardlink(&t, "hl", "a.txt");
  tarb_hardlink(&t, "hl2", "in/through"); /* through an inside symlink */
  tarb_finish(&t);

  /* Owned by the container user unless copy_uid_gid; destination through a symlink. */
  memfs *copy = clone_fs(fs);
  memfs_tar_options opt = {.mode = MEMFS_TAR_UPLOAD, .default_uid = 7, .default_gid = 8};
  ASSERT_OK(apply_buf(fs, "/dest-link", t.buf, t.len, &opt));
  memfs_stat st = stat_of(fs, "/tmp/dest/a.txt", false);
  CU_ASSERT_EQUAL(st.uid, 7);
  CU_ASSERT_EQUAL(st.gid, 8);
  CU_ASSERT_EQUAL(st.mode, S_IFREG | 0600);
  CU_ASSERT_EQUAL(stat_of(fs, "/tmp/dest/new", false).uid, 7);
  CU_ASSERT_TRUE(has_text(fs, "/tmp/dest/new/deep/b.txt", "B"));
  CU_ASSERT_TRUE(has_text(fs, "/tmp/dest/sub/through", "T"));
  CU_ASSERT_STRING_EQUAL(stat_of(fs, "/tmp/dest/abs", false).link_target, "/etc/passwd");
  CU_ASSERT_EQUAL(stat_of(fs, "/tmp/dest/hl", false).ino, st.ino);
  CU_ASSERT_EQUAL(stat_of(fs, "/tmp/dest/hl2", false).ino, stat_of(fs, "/tmp/dest/sub/through", false).ino);

  opt.copy_uid_gid = true;
  ASSERT_OK(apply_buf(copy, "/tmp/dest", t.buf, t.len, &opt));
  st = stat_of(copy, "/tmp/dest/a.txt", false);
  CU_ASSERT_EQUAL(st.uid, 1000);
  CU_ASSERT_EQUAL(st.gid, 1000);
  CU_ASSERT_EQUAL(stat_of(copy, "/tmp/dest/new", false).uid, 7); /* implicit: the container user */
  tarb_free(&t);

  /* The destination must be an existing directory. */
  tarb_init(&t, false);
  tarb_file(&t, "x", "x");
  tarb_finish(&t);
  ASSERT_FAILS_WITH(apply_buf(fs, "/nope", t.buf, t.len, &upload_options), CTRT_ERROR_NOT_FOUND);
  ASSERT_FAILS_WITH(apply_buf(fs, "/tmp/dest/a.txt", t.buf, t.len, &upload_options), CTRT_ERROR_NOT_FOUND);
  tarb_free(&t);

  /* "./" is the destination itself: it takes the entry's mode, as in Docker. */
  tarb_init(&t, false);
  tarb_add(&t, 'd', "./", 0700, NULL, 0, 0);
  tarb_file(&t, "./dot", "d");
  tarb_finish(&t);
  ASSERT_OK(apply_buf(fs, "/tmp/dest/sub", t.buf, t.len, &upload_options));
  tarb_free(&t);
  CU_ASSERT_EQUAL(stat_of(fs, "/tmp/dest/sub", false).mode, S_IFDIR | 0700);
  CU_ASSERT_TRUE(has_text(fs, "/tmp/dest/sub/dot", "d"));

  /* An empty body is an empty archive, as Docker takes it. */
  memfs *before = clone_fs(fs);
  ASSERT_OK(apply_buf(fs, "/tmp", "", 0, &upload_options));
  CU_ASSERT_TRUE(unchanged(before, fs));
  memfs_free(before);
  memfs_free(copy);
  memfs_free(fs);
}

/* The filesystem the hostile archives are thrown at. */
static memfs *hostile_target(void) {
  memfs *fs = make_fs();
  ASSERT_OK(memfs_mkdir(fs, "/etc", 0755, 0, 0, false));
  put(fs, "/etc/passwd", "root:x:0:0");
  ASSERT_OK(memfs_mkdir(fs, "/tmp/dest/sub", 0755, 0, 0, true));
  put(fs, "/tmp/dest/sub/file", "inside");
  ASSERT_OK(memfs_symlink(fs, "/etc", "/tmp/dest/out", 0, 0));      /* absolute, outside */
  ASSERT_OK(memfs_symlink(fs, "../../etc", "/tmp/dest/rel", 0, 0)); /* relative, outside */
  ASSERT_OK(memfs_symlink(fs, "..", "/tmp/dest/sub/up", 0, 0));     /* dest itself: inside */
  ASSERT_OK(memfs_symlink(fs, "/tmp", "/tmp/dest/sub/parent", 0, 0));
  return fs;
}

typedef void (*hostile_fn)(tarb *t);

/* Every hostile archive starts with a valid entry, which must not land. */
static void expect_rejected(hostile_fn build, const char *needle) {
  memfs *fs = hostile_target();
  memfs *before = clone_fs(fs);
  tarb t;
  tarb_init(&t, false);
  tarb_file(&t, "good", "good");
  build(&t);
  tarb_finish(&t);
  ASSERT_FAILS_WITH(apply_buf(fs, "/tmp/dest", t.buf, t.len, &upload_options), CTRT_ERROR_INVALID_SPEC);
  if (!message_has(needle))
    fprintf(stderr, "\nmessage \"%s\" lacks \"%s\"\n", ctrt_error_last()->message, needle);
  CU_ASSERT_TRUE(message_has(needle));
  CU_ASSERT_TRUE(unchanged(before, fs));
  CU_ASSERT_FALSE(memfs_exists(fs, "/tmp/dest/good", false));
  CU_ASSERT_TRUE(has_text(fs, "/etc/passwd", "root:x:0:0"));
  tarb_free(&t);
  memfs_free(before);
  memfs_free(fs);
}

static void h_absolute(tarb *t) { tarb_file(t, "/etc/evil", "x"); }
static void h_dotdot(tarb *t) { tarb_file(t, "../../etc/evil", "x"); }
static void h_dotdot_inner(tarb *t) { tarb_file(t, "sub/../../evil", "x"); }
static void h_dotdot_harmless(tarb *t) { tarb_file(t, "sub/../evil", "x"); } /* any ".." */
static void h_dotdot_dir(tarb *t) { tarb_dir(t, "sub/../../x/"); }
static void h_existing_abs_symlink(tarb *t) { tarb_file(t, "out/evil", "x"); }
static void h_existing_rel_symlink(tarb *t) { tarb_file(t, "rel/passwd", "x"); }
static void h_existing_symlink_dir(tarb *t) { tarb_file(t, "out/newdir/evil", "x"); }
static void h_existing_symlink_chain(tarb *t) { tarb_file(t, "sub/parent/evil", "x"); }
static void h_created_symlink(tarb *t) {
  tarb_symlink(t, "esc", "/etc");
  tarb_file(t, "esc/passwd", "x");
}
static void h_created_rel_symlink(tarb *t) {
  tarb_symlink(t, "sub/esc", "../../../etc");
  tarb_file(t, "sub/esc/evil", "x");
}
static void h_created_symlink_dir(tarb *t) {
  tarb_symlink(t, "esc", "/");
  tarb_dir(t, "esc/evil/");
}
static void h_created_symlink_link(tarb *t) {
  tarb_symlink(t, "esc", "/etc");
  tarb_hardlink(t, "esc/h", "good");
}
static void h_hardlink_absolute(tarb *t) { tarb_hardlink(t, "h", "/etc/passwd"); }
static void h_hardlink_dotdot(tarb *t) { tarb_hardlink(t, "h", "../../etc/passwd"); }
static void h_hardlink_via_symlink(tarb *t) { tarb_hardlink(t, "h", "out/passwd"); }
static void h_hardlink_via_created_symlink(tarb *t) {
  tarb_symlink(t, "esc", "../..");
  tarb_hardlink(t, "h", "esc/etc/passwd");
}
static void h_hardlink_dir(tarb *t) { tarb_hardlink(t, "h", "sub"); }
static void h_late_failure(tarb *t) {
  tarb_file(t, "more", "more");
  tarb_dir(t, "newdir/");
  tarb_file(t, "/abs", "x");
}

static void test_upload_hostile(void) {
  expect_rejected(h_absolute, "\"/etc/evil\": absolute path");
  expect_rejected(h_dotdot, "\"../../etc/evil\"");
  expect_rejected(h_dotdot_inner, "\"sub/../../evil\"");
  expect_rejected(h_dotdot_harmless, "\"sub/../evil\"");
  expect_rejected(h_dotdot_dir, "..");
  expect_rejected(h_existing_abs_symlink, "\"out/evil\": a symlink leads outside");
  expect_rejected(h_existing_rel_symlink, "\"rel/passwd\"");
  expect_rejected(h_existing_symlink_dir, "\"out/newdir/evil\"");
  expect_rejected(h_existing_symlink_chain, "\"sub/parent/evil\"");
  expect_rejected(h_created_symlink, "\"esc/passwd\"");
  expect_rejected(h_created_rel_symlink, "\"sub/esc/evil\"");
  expect_rejected(h_created_symlink_dir, "\"esc/evil/\"");
  expect_rejected(h_created_symlink_link, "\"esc/h\"");
  expect_rejected(h_hardlink_absolute, "\"h\": hard link target \"/etc/passwd\": absolute path");
  expect_rejected(h_hardlink_dotdot, "\"h\": hard link target \"../../etc/passwd\": path contains \"..\"");
  expect_rejected(h_hardlink_via_symlink, "\"h\": hard link target \"out/passwd\": outside the destination");
  expect_rejected(h_hardlink_via_created_symlink, "\"esc/etc/passwd\": outside the destination");
  expect_rejected(h_hardlink_dir, "\"h\": hard link target \"sub\": a directory cannot be hard-linked");
  expect_rejected(h_late_failure, "\"/abs\"");
}

/* Links that stay inside are accepted. */
static void test_upload_symlinks_inside(void) {
  memfs *fs = hostile_target();
  tarb t;
  tarb_init(&t, false);
  tarb_file(&t, "sub/up/sub/viaup", "u"); /* ".." of sub is dest: inside */
  tarb_symlink(&t, "lnk", "sub");
  tarb_file(&t, "lnk/vialink", "v");
  tarb_hardlink(&t, "hl", "lnk/vialink");
  tarb_finish(&t);
  ASSERT_OK(apply_buf(fs, "/tmp/dest", t.buf, t.len, &upload_options));
  tarb_free(&t);
  CU_ASSERT_TRUE(has_text(fs, "/tmp/dest/sub/viaup", "u"));
  CU_ASSERT_TRUE(has_text(fs, "/tmp/dest/sub/vialink", "v"));
  CU_ASSERT_TRUE(has_text(fs, "/tmp/dest/hl", "v"));
  memfs_free(fs);
}

static void test_upload_garbage(void) {
  memfs *fs = hostile_target();
  memfs *before = clone_fs(fs);
  const char *garbage = "this is not a tar archive, just some text that goes on for a while";
  ASSERT_FAILS_WITH(apply_buf(fs, "/tmp/dest", garbage, strlen(garbage), &upload_options), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(message_has("tar"));
  uint8_t zeros_then_junk[2048];
  memset(zeros_then_junk, 'x', sizeof zeros_then_junk);
  ASSERT_FAILS_WITH(apply_buf(fs, "/tmp/dest", zeros_then_junk, sizeof zeros_then_junk, &upload_options),
                    CTRT_ERROR_INVALID_SPEC);
  /* A truncated archive: the first entry is complete, the second is not. */
  tarb t;
  tarb_init(&t, false);
  tarb_file(&t, "first", "complete");
  char big[4000];
  memset(big, 'b', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  tarb_file(&t, "second", big);
  tarb_finish(&t);
  for (size_t cut = 600; cut < t.len - 1024; cut += 700) {
    ASSERT_FAILS_WITH(apply_buf(fs, "/tmp/dest", t.buf, cut, &upload_options), CTRT_ERROR_INVALID_SPEC);
    CU_ASSERT_TRUE(unchanged(before, fs));
  }
  /* The same archive, whole, applies. */
  ASSERT_OK(apply_buf(fs, "/tmp/dest", t.buf, t.len, &upload_options));
  CU_ASSERT_TRUE(has_text(fs, "/tmp/dest/second", big));
  tarb_free(&t);
  memfs_free(before);
  memfs_free(fs);
}

/* Corrupted archives: whatever happens, no crash, no leak, and a failure
 * changes nothing. */
static void test_upload_corrupted(void) {
  tarb t;
  tarb_init(&t, false);
  tarb_dir(&t, "d/");
  tarb_file(&t, "d/f", "contents of f");
  tarb_symlink(&t, "d/l", "f");
  tarb_hardlink(&t, "d/h", "d/f");
  tarb_file(&t, "g", "g");
  tarb_finish(&t);
  uint32_t seed = 12345;
  for (int round = 0; round < 300; round++) {
    uint8_t *copy = malloc(t.len);
    memcpy(copy, t.buf, t.len);
    for (int flips = 0; flips < 1 + round % 4; flips++) {
      seed = seed * 1103515245u + 12345u;
      size_t at = (seed >> 8) % (t.len - 1024); /* the headers and data, not the end blocks */
      seed = seed * 1103515245u + 12345u;
      copy[at] ^= (uint8_t)(1u << ((seed >> 16) % 8));
    }
    memfs *fs = hostile_target();
    memfs *before = clone_fs(fs);
    int rc = apply_buf(fs, "/tmp/dest", copy, t.len, &upload_options);
    if (rc < 0)
      CU_ASSERT_TRUE(unchanged(before, fs));
    CU_ASSERT_TRUE(memfs_exists(fs, "/etc/passwd", false));
    memfs_free(before);
    memfs_free(fs);
    free(copy);
  }
  tarb_free(&t);
}

typedef struct failing_source {
  const uint8_t *data;
  size_t len, pos;
} failing_source;

/* Hands out half the archive, then fails like a broken connection. */
static int failing_read(void *ctx, void *buf, size_t cap, size_t *n_read) {
  failing_source *s = ctx;
  if (s->pos >= s->len / 2)
    return ctrt_backend_error(CTRT_ERROR_NETWORK, 0, "connection reset");
  size_t n = s->len / 2 - s->pos < cap ? s->len / 2 - s->pos : cap;
  memcpy(buf, s->data + s->pos, n);
  s->pos += n;
  *n_read = n;
  return 0;
}

static void test_upload_source_error(void) {
  memfs *fs = hostile_target();
  memfs *before = clone_fs(fs);
  tarb t;
  tarb_init(&t, false);
  for (int i = 0; i < 20; i++) {
    char name[16];
    snprintf(name, sizeof name, "f%d", i);
    tarb_file(&t, name, "some contents");
  }
  tarb_finish(&t);
  failing_source s = {t.buf, t.len, 0};
  ctrt_byte_source *src = NULL;
  ASSERT_OK(ctrt_byte_source_from_callback(&src, failing_read, &s));
  ASSERT_FAILS_WITH(memfs_apply_tar(fs, "/tmp/dest", src, &upload_options), CTRT_ERROR_NETWORK);
  CU_ASSERT_TRUE(message_has("connection reset"));
  ctrt_byte_source_free(src);
  CU_ASSERT_TRUE(unchanged(before, fs));
  tarb_free(&t);
  memfs_free(before);
  memfs_free(fs);
}

static void test_upload_overwrite(void) {
  memfs *fs = make_fs();
  ASSERT_OK(memfs_mkdir(fs, "/d/isdir/inner", 0755, 0, 0, true));
  put(fs, "/d/isfile", "file");
  ASSERT_OK(memfs_symlink(fs, "isdir", "/d/link", 0, 0));
  memfs *before = clone_fs(fs);
  memfs_tar_options strict = {.mode = MEMFS_TAR_UPLOAD, .no_overwrite_dir_non_dir = true};

  tarb dir_by_file, file_by_dir, link_by_dir, dir_by_dir;
  tarb_init(&dir_by_file, false);
  tarb_file(&dir_by_file, "isdir", "now a file");
  tarb_finish(&dir_by_file);
  tarb_init(&file_by_dir, false);
  tarb_dir(&file_by_dir, "isfile/");
  tarb_file(&file_by_dir, "isfile/x", "x");
  tarb_finish(&file_by_dir);
  tarb_init(&link_by_dir, false);
  tarb_dir(&link_by_dir, "link/"); /* a symlink to a directory is a non-directory */
  tarb_finish(&link_by_dir);
  tarb_init(&dir_by_dir, false);
  tarb_add(&dir_by_dir, 'd', "isdir/", 0700, NULL, 0, 0);
  tarb_finish(&dir_by_dir);

  ASSERT_FAILS_WITH(apply_buf(fs, "/d", dir_by_file.buf, dir_by_file.len, &strict), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(message_has("\"isdir\": cannot overwrite a directory with a non-directory"));
  ASSERT_FAILS_WITH(apply_buf(fs, "/d", file_by_dir.buf, file_by_dir.len, &strict), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(message_has("\"isfile/\": cannot overwrite a non-directory with a directory"));
  ASSERT_FAILS_WITH(apply_buf(fs, "/d", link_by_dir.buf, link_by_dir.len, &strict), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(unchanged(before, fs));
  /* A directory over a directory merges, and takes the header's mode. */
  ASSERT_OK(apply_buf(fs, "/d", dir_by_dir.buf, dir_by_dir.len, &strict));
  CU_ASSERT_EQUAL(stat_of(fs, "/d/isdir", false).mode, S_IFDIR | 0700);
  CU_ASSERT_TRUE(memfs_exists(fs, "/d/isdir/inner", false));

  /* Without the option, the archive replaces. */
  ASSERT_OK(apply_buf(fs, "/d", dir_by_file.buf, dir_by_file.len, &upload_options));
  CU_ASSERT_TRUE(has_text(fs, "/d/isdir", "now a file"));
  ASSERT_OK(apply_buf(fs, "/d", file_by_dir.buf, file_by_dir.len, &upload_options));
  CU_ASSERT_TRUE(has_text(fs, "/d/isfile/x", "x"));
  ASSERT_OK(apply_buf(fs, "/d", link_by_dir.buf, link_by_dir.len, &upload_options));
  CU_ASSERT_TRUE(S_ISDIR(stat_of(fs, "/d/link", false).mode));
  tarb_free(&dir_by_file);
  tarb_free(&file_by_dir);
  tarb_free(&link_by_dir);
  tarb_free(&dir_by_dir);
  memfs_free(before);
  memfs_free(fs);
}

static void test_upload_gzip(void) {
  memfs *fs = make_fs();
  tarb t;
  tarb_init(&t, true);
  tarb_file(&t, "zipped/hello", "compressed hello");
  tarb_finish(&t);
  CU_ASSERT_TRUE(t.len > 2 && t.buf[0] == 0x1f && t.buf[1] == 0x8b);
  ASSERT_OK(apply_buf(fs, "/", t.buf, t.len, &upload_options));
  CU_ASSERT_TRUE(has_text(fs, "/zipped/hello", "compressed hello"));
  /* A truncated gzip stream fails like a truncated tar. */
  memfs *before = clone_fs(fs);
  ASSERT_FAILS_WITH(apply_buf(fs, "/", t.buf, t.len / 2, &upload_options), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(unchanged(before, fs));
  tarb_free(&t);
  memfs_free(before);
  memfs_free(fs);
}

/* ======================================================================
 * tar out
 * ====================================================================== */

static memfs *sample_tree(void) {
  memfs *fs = make_fs();
  ASSERT_OK(memfs_mkdir(fs, "/etc/sub", 0755, 0, 0, true));
  put(fs, "/etc/passwd", "root:x:0:0");
  put(fs, "/etc/hostname", "box\n");
  ASSERT_OK(memfs_symlink(fs, "passwd", "/etc/link", 0, 0));
  ASSERT_OK(memfs_write(fs, "/etc/sub/deep", "deep", 4, 0600, 1000, 1001, false));
  ASSERT_OK(memfs_mkdir(fs, "/bin", 0755, 0, 0, false));
  ASSERT_OK(memfs_write(fs, "/bin/busybox", "BUSYBOX", 7, 04755, 0, 0, false));
  ASSERT_OK(memfs_link(fs, "/bin/busybox", "/bin/ash"));
  ASSERT_OK(memfs_symlink(fs, "busybox", "/bin/sh", 0, 0));
  ASSERT_OK(memfs_mkdir(fs, "/empty", 01777, 0, 0, false));
  put(fs, "/zero", "");
  return fs;
}

static void test_tar_path_dir(void) {
  memfs *fs = sample_tree();
  tlist l;
  tar_of(fs, "/etc", MEMFS_TAR_PATH, &l);
  const char *names[] = {"etc/", "etc/hostname", "etc/link", "etc/passwd", "etc/sub/", "etc/sub/deep"};
  CU_ASSERT_EQUAL_FATAL(l.n, 6);
  for (size_t i = 0; i < l.n; i++)
    CU_ASSERT_STRING_EQUAL(l.e[i].name, names[i]);
  CU_ASSERT_EQUAL(l.e[0].type, AE_IFDIR);
  CU_ASSERT_EQUAL(l.e[0].perm, 0755);
  CU_ASSERT_EQUAL(l.e[1].type, AE_IFREG);
  CU_ASSERT_EQUAL(l.e[1].size, 4);
  CU_ASSERT_STRING_EQUAL(l.e[1].data, "box\n");
  CU_ASSERT_EQUAL(l.e[2].type, AE_IFLNK);
  CU_ASSERT_STRING_EQUAL(l.e[2].symlink, "passwd");
  CU_ASSERT_EQUAL(l.e[2].size, 0);
  CU_ASSERT_EQUAL(l.e[5].perm, 0600);
  CU_ASSERT_EQUAL(l.e[5].uid, 1000);
  CU_ASSERT_EQUAL(l.e[5].gid, 1001);
  CU_ASSERT_EQUAL(l.e[5].mtime, stat_of(fs, "/etc/sub/deep", false).mtime.seconds);
  tlist_free(&l);
  /* A trailing slash or a symlink on the way makes no difference to names. */
  ASSERT_OK(memfs_symlink(fs, "/etc", "/etc-link", 0, 0));
  tar_of(fs, "/etc-link/", MEMFS_TAR_PATH, &l);
  CU_ASSERT_EQUAL(l.n, 6);
  CU_ASSERT_PTR_NOT_NULL(tfind(&l, "etc/sub/deep"));
  tlist_free(&l);
  memfs_free(fs);
}

static void test_tar_path_file(void) {
  memfs *fs = sample_tree();
  tlist l;
  tar_of(fs, "/etc/hostname", MEMFS_TAR_PATH, &l);
  CU_ASSERT_EQUAL_FATAL(l.n, 1);
  CU_ASSERT_STRING_EQUAL(l.e[0].name, "hostname");
  CU_ASSERT_STRING_EQUAL(l.e[0].data, "box\n");
  tlist_free(&l);
  /* A final symlink is archived as the link. */
  tar_of(fs, "/bin/sh", MEMFS_TAR_PATH, &l);
  CU_ASSERT_EQUAL_FATAL(l.n, 1);
  CU_ASSERT_STRING_EQUAL(l.e[0].name, "sh");
  CU_ASSERT_EQUAL(l.e[0].type, AE_IFLNK);
  CU_ASSERT_STRING_EQUAL(l.e[0].symlink, "busybox");
  tlist_free(&l);
  tar_of(fs, "/zero", MEMFS_TAR_PATH, &l);
  CU_ASSERT_EQUAL_FATAL(l.n, 1);
  CU_ASSERT_EQUAL(l.e[0].size, 0);
  tlist_free(&l);
  memfs_blob *blob = NULL;
  ASSERT_FAILS_WITH(memfs_tar_blob(fs, "/etc/none", MEMFS_TAR_PATH, &blob), CTRT_ERROR_NOT_FOUND);
  memfs_tar_reader *r = NULL;
  ASSERT_FAILS_WITH(memfs_tar_reader_new(&r, clone_fs(fs), "/none", MEMFS_TAR_PATH), CTRT_ERROR_NOT_FOUND);
  ASSERT_FAILS_WITH(memfs_tar_reader_new(&r, clone_fs(fs), "/zero", MEMFS_TAR_ROOT), CTRT_ERROR_INVALID_SPEC);
  memfs_free(fs);
}

static void test_tar_root(void) {
  memfs *fs = sample_tree();
  tlist root, slash;
  tar_of(fs, "/", MEMFS_TAR_ROOT, &root);
  tar_of(fs, "/", MEMFS_TAR_PATH, &slash);
  CU_ASSERT_EQUAL_FATAL(root.n, slash.n);
  CU_ASSERT_EQUAL(root.n, 12);
  for (size_t i = 0; i < root.n; i++) {
    CU_ASSERT_STRING_EQUAL(root.e[i].name, slash.e[i].name);
    CU_ASSERT_NOT_EQUAL(strncmp(root.e[i].name, "./", 2), 0);
    CU_ASSERT_NOT_EQUAL(root.e[i].name[0], '/');
  }
  CU_ASSERT_STRING_EQUAL(root.e[0].name, "bin/");
  /* Hard links: the first name carries the data, the next links to it. */
  const tentry *ash = tfind(&root, "bin/ash"), *busybox = tfind(&root, "bin/busybox");
  CU_ASSERT_PTR_NOT_NULL_FATAL(ash);
  CU_ASSERT_PTR_NOT_NULL_FATAL(busybox);
  CU_ASSERT_EQUAL(ash->size, 7);
  CU_ASSERT_EQUAL(ash->perm, 04755);
  CU_ASSERT_PTR_NULL(ash->hardlink);
  CU_ASSERT_PTR_NOT_NULL_FATAL(busybox->hardlink);
  CU_ASSERT_STRING_EQUAL(busybox->hardlink, "bin/ash");
  CU_ASSERT_EQUAL(busybox->size, 0);
  const tentry *empty = tfind(&root, "empty/");
  CU_ASSERT_PTR_NOT_NULL_FATAL(empty);
  CU_ASSERT_EQUAL(empty->perm, 01777);
  tlist_free(&root);
  tlist_free(&slash);
  memfs_free(fs);
}

static void test_tar_round_trip(void) {
  memfs *fs = sample_tree();
  memfs_blob *tar = NULL;
  ASSERT_OK(memfs_tar_blob(fs, "/", MEMFS_TAR_ROOT, &tar));
  memfs *copy = make_fs();
  ASSERT_OK(apply_buf(copy, "/", memfs_blob_data(tar), memfs_blob_len(tar), &layer_options));
  CU_ASSERT_TRUE(memfs_equal(fs, copy));
  CU_ASSERT_EQUAL(stat_of(copy, "/bin/ash", false).ino, stat_of(copy, "/bin/busybox", false).ino);
  /* Tar of the copy: the same bytes (mtimes travel in whole seconds). */
  memfs_blob *again = NULL;
  ASSERT_OK(memfs_tar_blob(copy, "/", MEMFS_TAR_ROOT, &again));
  CU_ASSERT_EQUAL(memfs_blob_len(again), memfs_blob_len(tar));
  CU_ASSERT_EQUAL(memcmp(memfs_blob_data(again), memfs_blob_data(tar), memfs_blob_len(tar)), 0);
  memfs_blob_unref(again);
  memfs_blob_unref(tar);
  memfs_free(copy);

  /* archive_get then archive_put of a directory, as `docker cp` does. */
  ASSERT_OK(memfs_tar_blob(fs, "/etc", MEMFS_TAR_PATH, &tar));
  copy = make_fs();
  memfs_tar_options keep = {.mode = MEMFS_TAR_UPLOAD, .copy_uid_gid = true};
  ASSERT_OK(apply_buf(copy, "/", memfs_blob_data(tar), memfs_blob_len(tar), &keep));
  memfs_blob_unref(tar);
  memfs *etc_only = clone_fs(fs);
  ASSERT_OK(memfs_remove(etc_only, "/bin", true));
  ASSERT_OK(memfs_remove(etc_only, "/empty", true));
  ASSERT_OK(memfs_remove(etc_only, "/zero", true));
  CU_ASSERT_TRUE(memfs_equal(etc_only, copy));
  memfs_free(etc_only);
  memfs_free(copy);
  memfs_free(fs);
}

/* What ustar cannot hold: pax headers, read back the same. */
static void test_tar_round_trip_unusual(void) {
  memfs *fs = make_fs();
  put(fs, "/caf\xc3\xa9", "utf-8 name");
  put(fs, "/bytes-\xff\xfe", "not utf-8");
  char long_dir[300], long_name[400], long_target[300];
  memset(long_dir, 'd', 200);
  strcpy(long_dir + 200, "");
  long_dir[0] = '/';
  ASSERT_OK(memfs_mkdir(fs, long_dir, 0755, 0, 0, false));
  snprintf(long_name, sizeof long_name, "%s/%0150d", long_dir, 7);
  put(fs, long_name, "long");
  memset(long_target, 't', 250);
  long_target[250] = '\0';
  ASSERT_OK(memfs_symlink(fs, long_target, "/longlink", 0, 0));
  ASSERT_OK(memfs_write(fs, "/bigids", "ids", 3, 0644, 100000000, 4000000000u, false));
  memfs_blob *tar = NULL;
  ASSERT_OK(memfs_tar_blob(fs, "/", MEMFS_TAR_ROOT, &tar));
  memfs *copy = make_fs();
  ASSERT_OK(apply_buf(copy, "/", memfs_blob_data(tar), memfs_blob_len(tar), &layer_options));
  CU_ASSERT_TRUE(memfs_equal(fs, copy));
  CU_ASSERT_TRUE(has_text(copy, "/caf\xc3\xa9", "utf-8 name"));
  CU_ASSERT_TRUE(has_text(copy, "/bytes-\xff\xfe", "not utf-8"));
  CU_ASSERT_TRUE(has_text(copy, long_name, "long"));
  CU_ASSERT_STRING_EQUAL(stat_of(copy, "/longlink", false).link_target, long_target);
  CU_ASSERT_EQUAL(stat_of(copy, "/bigids", false).gid, 4000000000u);
  memfs_blob *again = NULL;
  ASSERT_OK(memfs_tar_blob(copy, "/", MEMFS_TAR_ROOT, &again));
  CU_ASSERT_EQUAL(memfs_blob_len(again), memfs_blob_len(tar));
  CU_ASSERT_EQUAL(memcmp(memfs_blob_data(again), memfs_blob_data(tar), memfs_blob_len(tar)), 0);
  memfs_blob_unref(again);
  memfs_blob_unref(tar);
  memfs_free(copy);
  memfs_free(fs);
}

static void test_tar_reader_chunks(void) {
  memfs *fs = sample_tree();
  char big[20000];
  for (size_t i = 0; i < sizeof big; i++)
    big[i] = (char)('a' + i % 26);
  ASSERT_OK(memfs_write(fs, "/etc/big", big, sizeof big, 0644, 0, 0, false));
  memfs_blob *whole = NULL;
  ASSERT_OK(memfs_tar_blob(fs, "/", MEMFS_TAR_ROOT, &whole));
  CU_ASSERT_EQUAL(memfs_blob_len(whole) % 512, 0);
  const size_t caps[] = {1, 7, 512, 1000, 65536};
  for (size_t c = 0; c < sizeof caps / sizeof *caps; c++) {
    memfs_tar_reader *r = NULL;
    ASSERT_OK(memfs_tar_reader_new(&r, clone_fs(fs), "/", MEMFS_TAR_ROOT));
    uint8_t *got = malloc(memfs_blob_len(whole) + 65536);
    size_t len = 0, n = 0;
    int rc;
    while ((rc = memfs_tar_reader_read(r, got + len, caps[c], &n)) == 0) {
      CU_ASSERT_TRUE(n >= 1 && n <= caps[c]);
      len += n;
      if (len > memfs_blob_len(whole))
        break;
    }
    CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
    CU_ASSERT_EQUAL(memfs_tar_reader_read(r, got, 1, &n), CTRT_ITEROVER); /* stays over */
    CU_ASSERT_EQUAL(len, memfs_blob_len(whole));
    CU_ASSERT_EQUAL(memcmp(got, memfs_blob_data(whole), len), 0);
    free(got);
    memfs_tar_reader_free(r);
  }
  /* A reader may be dropped half way. */
  memfs_tar_reader *r = NULL;
  ASSERT_OK(memfs_tar_reader_new(&r, clone_fs(fs), "/etc", MEMFS_TAR_PATH));
  uint8_t buf[100];
  size_t n = 0;
  ASSERT_OK(memfs_tar_reader_read(r, buf, sizeof buf, &n));
  memfs_tar_reader_free(r);
  memfs_blob_unref(whole);
  memfs_free(fs);
}

/* ---- a 64 MiB file through the reader, 64 KiB at a time ---- */

#define BIG_SIZE ((size_t)64 << 20)
#define BIG_CHUNK ((size_t)64 << 10)

static uint8_t big_byte(size_t i) { return (uint8_t)(i * 131 + (i >> 16)); }

typedef struct big_pull {
  memfs_tar_reader *reader;
  uint8_t chunk[BIG_CHUNK];
  size_t total;
  size_t heap_base, heap_peak;
} big_pull;

static size_t heap_in_use(void) { return mallinfo2().uordblks; }

static la_ssize_t big_pull_read(struct archive *a, void *ctx, const void **out) {
  (void)a;
  big_pull *p = ctx;
  size_t n = 0;
  int rc = memfs_tar_reader_read(p->reader, p->chunk, sizeof p->chunk, &n);
  if (rc == CTRT_ITEROVER)
    return 0;
  if (rc < 0)
    return -1;
  p->total += n;
  size_t used = heap_in_use();
  if (used > p->heap_peak)
    p->heap_peak = used;
  *out = p->chunk;
  return (la_ssize_t)n;
}

static void test_tar_large_file_bounded(void) {
  memfs *fs = make_fs();
  uint8_t *data = ctrt__malloc(BIG_SIZE);
  CU_ASSERT_PTR_NOT_NULL_FATAL(data);
  for (size_t i = 0; i < BIG_SIZE; i++)
    data[i] = big_byte(i);
  memfs_blob *blob = NULL;
  ASSERT_OK(memfs_blob_adopt(&blob, data, BIG_SIZE));
  ASSERT_OK(memfs_mkdir(fs, "/data", 0755, 0, 0, false));
  ASSERT_OK(memfs_write_blob(fs, "/data/big", blob, 0644, 0, 0));
  memfs_blob_unref(blob);
  put(fs, "/data/after", "tail");

  big_pull *p = calloc(1, sizeof *p);
  ASSERT_OK(memfs_tar_reader_new(&p->reader, clone_fs(fs), "/data", MEMFS_TAR_PATH));
  /* Parse the stream back as it is produced: nothing holds the whole tar. */
  struct archive *a = archive_read_new();
  archive_read_support_format_tar(a);
  p->heap_base = p->heap_peak = heap_in_use();
  CU_ASSERT_EQUAL_FATAL(archive_read_open(a, p, NULL, big_pull_read, NULL), ARCHIVE_OK);
  struct archive_entry *e;
  CU_ASSERT_EQUAL_FATAL(archive_read_next_header(a, &e), ARCHIVE_OK);
  CU_ASSERT_STRING_EQUAL(archive_entry_pathname(e), "data/");
  CU_ASSERT_EQUAL_FATAL(archive_read_next_header(a, &e), ARCHIVE_OK);
  CU_ASSERT_STRING_EQUAL(archive_entry_pathname(e), "data/after");
  CU_ASSERT_EQUAL_FATAL(archive_read_next_header(a, &e), ARCHIVE_OK);
  CU_ASSERT_STRING_EQUAL(archive_entry_pathname(e), "data/big");
  CU_ASSERT_EQUAL(archive_entry_size(e), (la_int64_t)BIG_SIZE);
  static uint8_t buf[BIG_CHUNK];
  size_t off = 0;
  bool same = true;
  la_ssize_t n;
  while ((n = archive_read_data(a, buf, sizeof buf)) > 0) {
    for (la_ssize_t i = 0; i < n && same; i++)
      same = buf[i] == big_byte(off + (size_t)i);
    off += (size_t)n;
  }
  CU_ASSERT_EQUAL(n, 0);
  CU_ASSERT_EQUAL(off, BIG_SIZE);
  CU_ASSERT_TRUE(same);
  CU_ASSERT_EQUAL(archive_read_next_header(a, &e), ARCHIVE_EOF);
  archive_read_free(a);
  CU_ASSERT_TRUE(p->total >= BIG_SIZE + 4 * 512);
  CU_ASSERT_EQUAL(p->total % 512, 0);
  /* The reader's staging buffer stayed at a slice and a header or two. */
  size_t peak = memfs_tar_reader_buffer_peak(p->reader);
  CU_ASSERT_TRUE(peak > 0 && peak <= 64 * 1024);
  /* And the heap as a whole grew by far less than the file (valgrind's
   * allocator reports nothing here, which passes trivially). */
  CU_ASSERT_TRUE(p->heap_peak - p->heap_base < (size_t)4 << 20);
  memfs_tar_reader_free(p->reader);
  free(p);
  memfs_free(fs);
}

/* ======================================================================
 * differences
 * ====================================================================== */

static memfs *diff_base(void) {
  memfs *fs = make_fs();
  ASSERT_OK(memfs_mkdir(fs, "/etc", 0755, 0, 0, false));
  ASSERT_OK(memfs_mkdir(fs, "/var/log", 0755, 0, 0, true));
  ASSERT_OK(memfs_mkdir(fs, "/tmp", 01777, 0, 0, false));
  put(fs, "/etc/passwd", "root");
  put(fs, "/etc/hostname", "box");
  put(fs, "/var/log/old", "log");
  put(fs, "/keep", "k");
  put(fs, "/touched", "t");
  return fs;
}

static bool changes_are(memfs_change *changes, size_t n, const char *expected) {
  char got[2048] = "";
  for (size_t i = 0; i < n; i++) {
    char kind = changes[i].kind == CTRT_FILESYSTEM_CHANGE_KIND_ADDED     ? 'A'
                : changes[i].kind == CTRT_FILESYSTEM_CHANGE_KIND_DELETED ? 'D'
                                                                         : 'C';
    snprintf(got + strlen(got), sizeof got - strlen(got), "%s%c %s", i ? "; " : "", kind, changes[i].path);
  }
  if (strcmp(got, expected) != 0)
    fprintf(stderr, "\nchanges: %s\nexpected: %s\n", got, expected);
  return strcmp(got, expected) == 0;
}

static void test_diff(void) {
  memfs *base = diff_base();
  memfs *cur = clone_fs(base);
  memfs_change *changes = NULL;
  size_t n = 9;
  ASSERT_OK(memfs_diff(base, cur, &changes, &n));
  CU_ASSERT_EQUAL(n, 0);
  memfs_changes_free(changes, n);

  put(cur, "/tmp/new", "n");                                     /* A, and C of its directory */
  ASSERT_OK(memfs_mkdir(cur, "/opt/app/bin", 0755, 0, 0, true)); /* A everything below */
  put(cur, "/opt/app/bin/x", "x");
  ASSERT_OK(memfs_remove(cur, "/var/log", true)); /* D the top only */
  ASSERT_OK(memfs_chmod(cur, "/etc/passwd", 0600));
  put(cur, "/newroot", "r");                    /* "/" itself is never listed */
  ASSERT_OK(memfs_remove(cur, "/keep", false)); /* a file becomes a directory */
  ASSERT_OK(memfs_mkdir(cur, "/keep/c", 0755, 0, 0, true));
  ASSERT_OK(memfs_touch(cur, "/touched", (ctrt_timestamp){5, 0}, false, 0, 0)); /* a copy-up */
  ASSERT_OK(memfs_diff(base, cur, &changes, &n));
  CU_ASSERT_TRUE(changes_are(changes, n,
                             "C /etc; C /etc/passwd; C /keep; A /keep/c; A /newroot; A /opt; A /opt/app; "
                             "A /opt/app/bin; A /opt/app/bin/x; C /tmp; A /tmp/new; C /touched; C /var; D /var/log"));
  memfs_changes_free(changes, n);

  /* Deep changes mark every directory on the way. */
  memfs *cur2 = clone_fs(base);
  ASSERT_OK(memfs_remove(cur2, "/var/log/old", false));
  ASSERT_OK(memfs_diff(base, cur2, &changes, &n));
  CU_ASSERT_TRUE(changes_are(changes, n, "C /var; C /var/log; D /var/log/old"));
  memfs_changes_free(changes, n);
  memfs_free(cur2);

  /* Sorted bytewise by whole path ("/a-b" before "/a/b"). */
  memfs *e = make_fs(), *f = make_fs();
  ASSERT_OK(memfs_mkdir(f, "/a", 0755, 0, 0, false));
  put(f, "/a/b", "");
  put(f, "/a-b", "");
  ASSERT_OK(memfs_diff(e, f, &changes, &n));
  CU_ASSERT_TRUE(changes_are(changes, n, "A /a; A /a-b; A /a/b"));
  memfs_changes_free(changes, n);
  memfs_free(e);
  memfs_free(f);
  memfs_free(base);
  memfs_free(cur);
}

static void test_diff_tar(void) {
  memfs *base = diff_base();
  ASSERT_OK(memfs_link(base, "/etc/passwd", "/etc/passwd.lnk"));
  memfs *cur = clone_fs(base);
  put(cur, "/tmp/new", "n");
  ASSERT_OK(memfs_mkdir(cur, "/opt/app", 0750, 10, 20, true));
  ASSERT_OK(memfs_write(cur, "/opt/app/x", "x", 1, 0755, 10, 20, false));
  ASSERT_OK(memfs_link(cur, "/opt/app/x", "/opt/app/y")); /* both new: a hard link in the layer */
  ASSERT_OK(memfs_symlink(cur, "/opt/app/x", "/opt/l", 0, 0));
  ASSERT_OK(memfs_remove(cur, "/var/log", true));
  put(cur, "/etc/passwd", "changed"); /* through a hard link shared with base's */
  ASSERT_OK(memfs_remove(cur, "/keep", false));
  ASSERT_OK(memfs_mkdir(cur, "/keep/c", 0755, 0, 0, true));
  ASSERT_OK(memfs_remove(cur, "/etc/hostname", false));
  ASSERT_OK(memfs_mkdir(cur, "/etc/hostname", 0700, 0, 0, false)); /* file -> directory */
  ASSERT_OK(memfs_chmod(cur, "/", 0700));                          /* travels as "./" */
  memfs_blob *layer = NULL;
  ASSERT_OK(memfs_diff_tar(base, cur, &layer));
  tlist l;
  parse_tar(memfs_blob_data(layer), memfs_blob_len(layer), &l);
  CU_ASSERT_PTR_NOT_NULL(tfind(&l, "./"));
  CU_ASSERT_PTR_NOT_NULL(tfind(&l, "var/.wh.log"));
  CU_ASSERT_PTR_NULL(tfind(&l, "var/log/old"));
  CU_ASSERT_PTR_NOT_NULL(tfind(&l, "tmp/new"));
  CU_ASSERT_PTR_NOT_NULL(tfind(&l, "etc/hostname/"));
  const tentry *y = tfind(&l, "opt/app/y");
  CU_ASSERT_PTR_NOT_NULL_FATAL(y);
  CU_ASSERT_PTR_NOT_NULL_FATAL(y->hardlink);
  CU_ASSERT_STRING_EQUAL(y->hardlink, "opt/app/x");
  CU_ASSERT_PTR_NULL(tfind(&l, "etc/shadow"));
  tlist_free(&l);
  /* Base plus the layer is the current tree. */
  memfs *rebuilt = clone_fs(base);
  ASSERT_OK(apply_buf(rebuilt, "/", memfs_blob_data(layer), memfs_blob_len(layer), &layer_options));
  CU_ASSERT_TRUE(memfs_equal(rebuilt, cur));
  CU_ASSERT_EQUAL(stat_of(rebuilt, "/opt/app/y", false).ino, stat_of(rebuilt, "/opt/app/x", false).ino);
  memfs_blob_unref(layer);
  /* No change: an empty layer. */
  ASSERT_OK(memfs_diff_tar(base, base, &layer));
  CU_ASSERT_EQUAL(memfs_blob_len(layer), 1024);
  memfs_blob_unref(layer);
  memfs_free(rebuilt);
  memfs_free(base);
  memfs_free(cur);
}

/* ======================================================================
 * Hostile input (issue 10): limits, sparse entries, devices, mtimes
 * ====================================================================== */

static void test_size_limits(void) {
  memfs *fs = make_fs();
  memfs_set_limits(fs, 10, 25);
  ASSERT_OK(memfs_write(fs, "/a", "0123456789", 10, 0644, 0, 0, false));
  ASSERT_FAILS_WITH(memfs_write(fs, "/b", "0123456789x", 11, 0644, 0, 0, false), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(memfs_full());
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "no space left on device"));
  CU_ASSERT_FALSE(memfs_exists(fs, "/b", false));                                              /* nothing created */
  ASSERT_FAILS_WITH(memfs_write(fs, "/a", "x", 1, 0644, 0, 0, true), CTRT_ERROR_INVALID_SPEC); /* append past */
  CU_ASSERT_TRUE(has_text(fs, "/a", "0123456789"));
  ASSERT_OK(memfs_write(fs, "/b", "0123456789", 10, 0644, 0, 0, false));
  /* the total: 20 of 25 used; rewriting a file counts its new size only */
  ASSERT_FAILS_WITH(memfs_write(fs, "/c", "0123456789", 10, 0644, 0, 0, false), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(memfs_full());
  ASSERT_OK(memfs_write(fs, "/b", "01234", 5, 0644, 0, 0, false));
  ASSERT_OK(memfs_write(fs, "/c", "01234567", 8, 0644, 0, 0, false));
  CU_ASSERT_TRUE(memfs_fits(fs, "/c", 10));
  CU_ASSERT_FALSE(memfs_fits(fs, "/c", 11));
  /* other failures are not "full" */
  ASSERT_FAILS_WITH(memfs_write(fs, "/no/such", "x", 1, 0644, 0, 0, false), CTRT_ERROR_NOT_FOUND);
  CU_ASSERT_FALSE(memfs_full());
  /* a clone inherits the limits */
  memfs *copy = clone_fs(fs);
  ASSERT_FAILS_WITH(memfs_write(copy, "/d", "0123456789", 10, 0644, 0, 0, false), CTRT_ERROR_INVALID_SPEC);
  memfs_free(copy);

  /* tar: an entry past the file limit is refused before its data is read,
   * a result past the total too, and nothing changes */
  memfs_set_limits(fs, 10, 40);
  tarb t;
  tarb_init(&t, false);
  tarb_file(&t, "ok", "0123456789");
  tarb_file(&t, "big", "0123456789x");
  tarb_finish(&t);
  ASSERT_FAILS_WITH(apply_buf(fs, "/", t.buf, t.len, &upload_options), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(memfs_full());
  tarb_free(&t);
  CU_ASSERT_FALSE(memfs_exists(fs, "/ok", false));
  tarb_init(&t, false);
  tarb_file(&t, "x1", "0123456789");
  tarb_file(&t, "x2", "0123456789"); /* 23 + 20 > 40 */
  tarb_finish(&t);
  ASSERT_FAILS_WITH(apply_buf(fs, "/", t.buf, t.len, &layer_options), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(memfs_full());
  CU_ASSERT_FALSE(memfs_exists(fs, "/x1", false));
  memfs_set_limits(fs, 0, 0);
  ASSERT_OK(apply_buf(fs, "/", t.buf, t.len, &layer_options));
  tarb_free(&t);
  memfs_free(fs);
}

/* One sparse entry claiming 8 GiB with 4 KiB of data: refused, never
 * materialised. */
static void test_sparse_refused(void) {
  tarb t;
  tarb_init(&t, false);
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, "holes");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, (la_int64_t)8 << 30);
  archive_entry_sparse_add_entry(e, 0, 4096);
  CU_ASSERT_EQUAL(archive_write_header(t.a, e), ARCHIVE_OK);
  static char data[4096];
  CU_ASSERT_EQUAL(archive_write_data(t.a, data, sizeof data), (la_ssize_t)sizeof data);
  archive_entry_free(e);
  tarb_file(&t, "after", "x");
  tarb_finish(&t);
  CU_ASSERT_TRUE(t.len < 64 * 1024);
  memfs *fs = make_fs();
  ASSERT_FAILS_WITH(apply_buf(fs, "/", t.buf, t.len, &upload_options), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "sparse"));
  ASSERT_FAILS_WITH(apply_buf(fs, "/", t.buf, t.len, &layer_options), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_FALSE(memfs_exists(fs, "/holes", false));
  CU_ASSERT_FALSE(memfs_exists(fs, "/after", false));
  CU_ASSERT_EQUAL(memfs_size(fs), 0);
  tarb_free(&t);
  memfs_free(fs);
}

/* A bzip2 tar of `copies` entries of `size` zero bytes, each named "f<i %
 * names>": a few hundred bytes that unpack to copies * size. */
static void bomb(tarb *t, size_t copies, size_t names, size_t size) {
  memset(t, 0, sizeof *t);
  t->a = archive_write_new();
  archive_write_set_format_pax_restricted(t->a);
  CU_ASSERT_EQUAL_FATAL(archive_write_add_filter_bzip2(t->a), ARCHIVE_OK);
  archive_write_set_bytes_per_block(t->a, 0);
  CU_ASSERT_EQUAL_FATAL(archive_write_open(t->a, t, NULL, tarb_write, NULL), ARCHIVE_OK);
  uint8_t *zeros = calloc(1, size);
  for (size_t i = 0; i < copies; i++) {
    char name[32];
    snprintf(name, sizeof name, "f%zu", i % names);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)size);
    CU_ASSERT_EQUAL(archive_write_header(t->a, e), ARCHIVE_OK);
    CU_ASSERT_EQUAL(archive_write_data(t->a, zeros, size), (la_ssize_t)size);
    archive_entry_free(e);
  }
  free(zeros);
  tarb_finish(t);
}

/* Decompression bombs (the fuzz finding fuzz/crashes/mock_import_image/
 * decompression-bomb-1): the uncompressed stream is bounded by the limit,
 * whether it would grow the tree or rewrite one file over and over. */
static void test_decompression_bounded(void) {
  memfs *fs = make_fs();
  memfs_set_limits(fs, 64 << 10, 256 << 10); /* stream bound: 2 * 256 KiB + 1 MiB */
  tarb t;
  /* one 64 KiB file written 40 times: 2.5 MiB of tar, a 64 KiB tree */
  bomb(&t, 40, 1, 64 << 10);
  CU_ASSERT_TRUE(t.len < 4096);
  ASSERT_FAILS_WITH(apply_buf(fs, "/", t.buf, t.len, &layer_options), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(memfs_full());
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "the uncompressed tar passes 1572864 bytes"));
  CU_ASSERT_FALSE(memfs_exists(fs, "/f0", false));
  memfs_set_limits(fs, 0, 0); /* no limit: a valid tar, applied */
  ASSERT_OK(apply_buf(fs, "/", t.buf, t.len, &layer_options));
  CU_ASSERT_EQUAL(memfs_size(fs), 64 << 10);
  tarb_free(&t);
  /* 16 rewrites fit the bound */
  memfs_set_limits(fs, 64 << 10, 256 << 10);
  bomb(&t, 16, 1, 64 << 10);
  ASSERT_OK(apply_buf(fs, "/", t.buf, t.len, &upload_options));
  tarb_free(&t);
  /* 12 different 64 KiB files: counted every 128 KiB, refused at f5
   * (384 KiB), not at the tar's end */
  bomb(&t, 12, 12, 64 << 10);
  ASSERT_FAILS_WITH(apply_buf(fs, "/", t.buf, t.len, &upload_options), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_TRUE(memfs_full());
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "f5: no space left on device (393216 bytes"));
  CU_ASSERT_FALSE(memfs_exists(fs, "/f1", false));
  tarb_free(&t);
  memfs_free(fs);
}

static void test_upload_refuses_devices(void) {
  memfs *fs = make_fs();
  tarb t;
  tarb_init(&t, false);
  tarb_file(&t, "before", "x");
  tarb_add(&t, 'c', "null", 0666, NULL, 0, 0);
  tarb_finish(&t);
  ASSERT_FAILS_WITH(apply_buf(fs, "/", t.buf, t.len, &upload_options), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "device nodes, FIFOs and sockets"));
  CU_ASSERT_FALSE(memfs_exists(fs, "/before", false)); /* all or nothing */
  tarb_free(&t);
  memfs_free(fs);
}

static void test_mtimes_clamped(void) {
  memfs *fs = make_fs();
  ctrt_timestamp far = {INT64_C(400000000000), 5};
  ASSERT_OK(memfs_touch(fs, "/f", far, true, 0, 0));
  memfs_stat st = stat_of(fs, "/f", false);
  CU_ASSERT_EQUAL(st.mtime.seconds, INT64_C(253402300799));
  CU_ASSERT_EQUAL(st.mtime.nanos, 999999999);
  char text[64];
  CU_ASSERT_EQUAL(ctrt__timestamp_format(text, sizeof text, &st.mtime), 0);
  ctrt_timestamp early = {INT64_MIN, 0};
  ASSERT_OK(memfs_touch(fs, "/f", early, false, 0, 0));
  CU_ASSERT_EQUAL(stat_of(fs, "/f", false).mtime.seconds, INT64_C(-62167219200));
  /* from a tar header (year 20000) */
  tarb t;
  tarb_init(&t, false);
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, "future");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, 0);
  archive_entry_set_mtime(e, (time_t)INT64_C(569001369600), 0);
  CU_ASSERT_EQUAL(archive_write_header(t.a, e), ARCHIVE_OK);
  archive_entry_free(e);
  tarb_finish(&t);
  ASSERT_OK(apply_buf(fs, "/", t.buf, t.len, &upload_options));
  tarb_free(&t);
  st = stat_of(fs, "/future", false);
  CU_ASSERT_EQUAL(st.mtime.seconds, INT64_C(253402300799));
  CU_ASSERT_EQUAL(ctrt__timestamp_format(text, sizeof text, &st.mtime), 0);
  ASSERT_STR(text, "9999-12-31T23:59:59.999999999Z");
  memfs_free(fs);
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("memfs_paths", NULL, NULL);
  CU_add_test(s, "blobs", test_blobs);
  CU_add_test(s, "resolve_dots", test_resolve_dots);
  CU_add_test(s, "resolve_symlinks", test_resolve_symlinks);
  CU_add_test(s, "resolve_confinement", test_resolve_confinement);
  CU_add_test(s, "resolve_loops", test_resolve_loops);
  CU_add_test(s, "limits", test_limits);
  s = CU_add_suite("memfs_ops", NULL, NULL);
  CU_add_test(s, "write_read", test_write_read);
  CU_add_test(s, "mtimes", test_mtimes);
  CU_add_test(s, "mkdir", test_mkdir);
  CU_add_test(s, "remove", test_remove);
  CU_add_test(s, "chmod_list", test_chmod_list);
  CU_add_test(s, "link_rename", test_link_rename);
  CU_add_test(s, "clone", test_clone);
  CU_add_test(s, "equal", test_equal);
  s = CU_add_suite("memfs_tar_in", NULL, NULL);
  CU_add_test(s, "layer_basic", test_layer_basic);
  CU_add_test(s, "layer_whiteouts", test_layer_whiteouts);
  CU_add_test(s, "layer_hardlinks", test_layer_hardlinks);
  CU_add_test(s, "upload_basic", test_upload_basic);
  CU_add_test(s, "upload_hostile", test_upload_hostile);
  CU_add_test(s, "upload_symlinks_inside", test_upload_symlinks_inside);
  CU_add_test(s, "upload_garbage_truncated", test_upload_garbage);
  CU_add_test(s, "decompression_bounded", test_decompression_bounded);
  CU_add_test(s, "upload_corrupted", test_upload_corrupted);
  CU_add_test(s, "upload_source_error", test_upload_source_error);
  CU_add_test(s, "upload_overwrite", test_upload_overwrite);
  CU_add_test(s, "upload_gzip", test_upload_gzip);
  s = CU_add_suite("memfs_tar_out", NULL, NULL);
  CU_add_test(s, "path_dir", test_tar_path_dir);
  CU_add_test(s, "path_file", test_tar_path_file);
  CU_add_test(s, "root", test_tar_root);
  CU_add_test(s, "round_trip", test_tar_round_trip);
  CU_add_test(s, "round_trip_unusual", test_tar_round_trip_unusual);
  CU_add_test(s, "reader_chunks", test_tar_reader_chunks);
  CU_add_test(s, "large_file_bounded", test_tar_large_file_bounded);
  s = CU_add_suite("memfs_diff", NULL, NULL);
  CU_add_test(s, "diff", test_diff);
  CU_add_test(s, "diff_tar", test_diff_tar);
  CU_pSuite hostile = CU_add_suite("memfs hostile input", NULL, NULL);
  CU_add_test(hostile, "size limits", test_size_limits);
  CU_add_test(hostile, "sparse entries refused", test_sparse_refused);
  CU_add_test(hostile, "uploads refuse device nodes", test_upload_refuses_devices);
  CU_add_test(hostile, "mtimes clamped to RFC 3339", test_mtimes_clamped);
}
