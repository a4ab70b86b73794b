/* SPDX-License-Identifier: MIT */
/* Unit tests of the upload rules in core (core/tar_upload.c): entry names,
 * symlinks and hard links the archive itself creates, and the spool that
 * holds a checked upload (every byte, bounded by disk). */
#include "test_support.h"

#include "gen_internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- building archives ---- */

typedef struct item {
  const char *name;
  char type;        /* '0' file, '5' dir, '2' symlink, '1' hard link */
  const char *data; /* contents, or the link target */
} item;

typedef struct membuf {
  uint8_t *data;
  size_t len, cap;
} membuf;

static la_ssize_t mem_write(struct archive *a, void *ctx, const void *data, size_t len) {
  (void)a;
  membuf *m = ctx;
  if (m->len + len > m->cap) {
    m->cap = (m->len + len) * 2;
    m->data = realloc(m->data, m->cap);
  }
  memcpy(m->data + m->len, data, len);
  m->len += len;
  return (la_ssize_t)len;
}

static uint8_t *make_tar(const item *items, size_t n, size_t *len) {
  membuf m = {0};
  struct archive *a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_open(a, &m, NULL, mem_write, NULL);
  for (size_t i = 0; i < n; i++) {
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, items[i].name);
    archive_entry_set_perm(e, 0644);
    switch (items[i].type) {
    case '5':
      archive_entry_set_filetype(e, AE_IFDIR);
      break;
    case '2':
      archive_entry_set_filetype(e, AE_IFLNK);
      archive_entry_set_symlink(e, items[i].data);
      break;
    case '1':
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_hardlink(e, items[i].data);
      break;
    default:
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_size(e, (la_int64_t)strlen(items[i].data));
    }
    archive_write_header(a, e);
    if (items[i].type == '0')
      archive_write_data(a, items[i].data, strlen(items[i].data));
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  *len = m.len;
  return m.data;
}

/* Spool a tar of items for dest; on success the file must hold exactly the
 * archive's bytes. */
static int spool(const item *items, size_t n, const char *dest) {
  size_t len;
  uint8_t *tar = make_tar(items, n, &len);
  ctrt_byte_source *src = NULL;
  ASSERT_OK(ctrt_byte_source_from_buffer(&src, tar, len));
  int fd = -1;
  uint64_t spooled = 0;
  int rc = ctrt__tar_upload_spool(&fd, &spooled, src, dest);
  if (rc == 0) {
    CU_ASSERT_EQUAL(spooled, len);
    uint8_t *back = malloc(len + 1);
    CU_ASSERT_EQUAL(read(fd, back, len + 1), (ssize_t)len);
    CU_ASSERT_EQUAL(memcmp(back, tar, len), 0);
    free(back);
    close(fd);
  } else {
    CU_ASSERT_EQUAL(fd, -1);
  }
  ctrt_byte_source_free(src);
  free(tar);
  return rc;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void expect_rejected(const item *items, size_t n, const char *dest, const char *message) {
  ASSERT_FAILS_WITH(spool(items, n, dest), CTRT_ERROR_INVALID_SPEC);
  if (strstr(ctrt_error_last()->message, message) == NULL)
    fprintf(stderr, "\n  got      %s\n  expected %s\n", ctrt_error_last()->message, message);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, message));
}

/* ---- names ---- */

static void test_names(void) {
  char out[CTRT__TAR_PATH_MAX];
  const char *why = NULL;
  CU_ASSERT_EQUAL(ctrt__tar_upload_name("./a//b/", out, sizeof out, &why), 0);
  ASSERT_STR(out, "a/b");
  CU_ASSERT_EQUAL(ctrt__tar_upload_name("./", out, sizeof out, &why), 0);
  ASSERT_STR(out, "");
  CU_ASSERT_EQUAL(ctrt__tar_upload_name("a/..b/c..", out, sizeof out, &why), 0);
  ASSERT_STR(out, "a/..b/c..");
  static const struct {
    const char *name, *why;
  } bad[] = {{"/etc/passwd", "absolute path"},
             {"../x", "path contains \"..\""},
             {"a/../../x", "path contains \"..\""},
             {"a/..", "path contains \"..\""},
             {"", "entry without a name"}};
  for (size_t i = 0; i < N(bad); i++) {
    CU_ASSERT_EQUAL(ctrt__tar_upload_name(bad[i].name, out, sizeof out, &why), -1);
    ASSERT_STR(why, bad[i].why);
  }
  char longname[300];
  memset(longname, 'n', 299);
  longname[299] = '\0';
  CU_ASSERT_EQUAL(ctrt__tar_upload_name(longname, out, sizeof out, &why), -1);
  ASSERT_STR(why, "file name too long");
  CU_ASSERT_EQUAL(ctrt__tar_upload_name("abc", out, 3, &why), -1);
  ASSERT_STR(why, "name too long");
}

/* ---- accepted archives ---- */

static void test_accepts_confined_archives(void) {
  item tree[] = {{"dir", '5', NULL},
                 {"dir/a.txt", '0', "alpha"},
                 {"dir/same", '2', "a.txt"},
                 {"dir/up", '2', ".."},           /* leads back to the destination */
                 {"dir/up/b.txt", '0', "beta"},   /* = dest/b.txt */
                 {"abs", '2', "/tmp/target/dir"}, /* absolute, but inside */
                 {"abs/c.txt", '0', "gamma"},
                 {"hard", '1', "dir/a.txt"},
                 {"far", '2', "/etc"}, /* a link pointing out is fine... */
                 {"far", '5', NULL},   /* ...replaced by a directory */
                 {"far/d.txt", '0', "delta"},
                 {"./", '5', NULL}};
  ASSERT_OK(spool(tree, N(tree), "/tmp/target"));
  /* The destination as a non-canonical path. */
  ASSERT_OK(spool(tree, N(tree), "/tmp//x/../target/"));
  /* Into "/": every absolute target is inside. */
  item root[] = {{"etc-link", '2', "/etc"}, {"etc-link/x", '0', "x"}};
  ASSERT_OK(spool(root, N(root), "/"));
}

static void test_keeps_every_byte(void) {
  size_t len;
  item one[] = {{"f", '0', "data"}};
  uint8_t *tar = make_tar(one, 1, &len);
  /* Trailing bytes after the end-of-archive blocks go to the engine too. */
  uint8_t *longer = malloc(len + 1000);
  memcpy(longer, tar, len);
  memset(longer + len, 0, 1000);
  ctrt_byte_source *src = NULL;
  ASSERT_OK(ctrt_byte_source_from_buffer(&src, longer, len + 1000));
  int fd = -1;
  uint64_t spooled = 0;
  ASSERT_OK(ctrt__tar_upload_spool(&fd, &spooled, src, "/x"));
  CU_ASSERT_EQUAL(spooled, len + 1000);
  struct stat st;
  CU_ASSERT_EQUAL(fstat(fd, &st), 0);
  CU_ASSERT_EQUAL((uint64_t)st.st_size, len + 1000);
  CU_ASSERT_EQUAL(st.st_nlink, 0); /* anonymous: gone when closed */
  CU_ASSERT_EQUAL(lseek(fd, 0, SEEK_CUR), 0);
  close(fd);
  ctrt_byte_source_free(src);
  free(longer);
  free(tar);
  /* An empty body: nothing to extract, nothing to refuse. */
  ASSERT_OK(ctrt_byte_source_from_buffer(&src, "", 0));
  ASSERT_OK(ctrt__tar_upload_spool(&fd, &spooled, src, "/x"));
  CU_ASSERT_EQUAL(spooled, 0);
  close(fd);
  ctrt_byte_source_free(src);
}

/* ---- rejected archives ---- */

static void test_rejects_names(void) {
  item dotdot[] = {{"ok.txt", '0', "fine"}, {"../escaped.txt", '0', "evil"}};
  expect_rejected(dotdot, N(dotdot), "/tmp/target", "tar entry \"../escaped.txt\": path contains \"..\"");
  item absolute[] = {{"ok.txt", '0', "fine"}, {"/etc/evil.txt", '0', "evil"}};
  expect_rejected(absolute, N(absolute), "/tmp/target", "tar entry \"/etc/evil.txt\": absolute path");
  item inner[] = {{"a/b/../../../x", '0', "evil"}};
  expect_rejected(inner, N(inner), "/tmp/target", "tar entry \"a/b/../../../x\": path contains \"..\"");
}

static void test_rejects_symlink_escapes(void) {
  static const char *const outside = "a symlink leads outside the destination directory";
  char message[512];
  item absolute[] = {{"ok.txt", '0', "fine"}, {"out", '2', "/etc"}, {"out/evil.txt", '0', "evil"}};
  snprintf(message, sizeof message, "tar entry \"out/evil.txt\": %s", outside);
  expect_rejected(absolute, N(absolute), "/tmp/target", message);
  item relative[] = {{"up", '2', "../.."}, {"up/evil.txt", '0', "evil"}};
  snprintf(message, sizeof message, "tar entry \"up/evil.txt\": %s", outside);
  expect_rejected(relative, N(relative), "/tmp/target", message);
  item chained[] = {{"d", '5', NULL}, {"d/l1", '2', "../l2"}, {"l2", '2', "/etc"}, {"d/l1/sub/x", '0', "x"}};
  snprintf(message, sizeof message, "tar entry \"d/l1/sub/x\": %s", outside);
  expect_rejected(chained, N(chained), "/tmp/target", message);
  item sibling[] = {{"s", '2', "/tmp/targetx"}, {"s/x", '0', "x"}}; /* a prefix of the name is not inside */
  snprintf(message, sizeof message, "tar entry \"s/x\": %s", outside);
  expect_rejected(sibling, N(sibling), "/tmp/target", message);
  item loop[] = {{"a", '2', "b"}, {"b", '2', "a"}, {"a/x", '0', "x"}};
  expect_rejected(loop, N(loop), "/tmp/target", "tar entry \"a/x\": too many levels of symbolic links");
}

static void test_rejects_hard_link_escapes(void) {
  item dotdot[] = {{"pw", '1', "../../etc/passwd"}};
  expect_rejected(dotdot, N(dotdot), "/tmp/target",
                  "tar entry \"pw\": hard link target \"../../etc/passwd\": path contains \"..\"");
  item absolute[] = {{"pw", '1', "/etc/passwd"}};
  expect_rejected(absolute, N(absolute), "/tmp/target",
                  "tar entry \"pw\": hard link target \"/etc/passwd\": absolute path");
  item through[] = {{"out", '2', "/etc"}, {"pw", '1', "out/passwd"}};
  expect_rejected(through, N(through), "/tmp/target",
                  "tar entry \"pw\": hard link target \"out/passwd\": outside the destination directory");
}

static void test_not_a_tar(void) {
  static const char garbage[] = "this is not a tar archive at all, just some text that goes on for a while";
  ctrt_byte_source *src = NULL;
  ASSERT_OK(ctrt_byte_source_from_buffer(&src, garbage, sizeof garbage));
  int fd = -1;
  ASSERT_FAILS_WITH(ctrt__tar_upload_spool(&fd, NULL, src, "/tmp"), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "not a valid tar archive"));
  CU_ASSERT_EQUAL(fd, -1);
  ctrt_byte_source_free(src);
}

static int failing_source(void *ctx, void *buf, size_t cap, size_t *n_read) {
  int *calls = ctx;
  if ((*calls)++ == 0) {
    memset(buf, 0, cap < 512 ? cap : 512);
    *n_read = cap < 512 ? cap : 512;
    return 0;
  }
  return ctrt_backend_error(CTRT_ERROR_NETWORK, 0, "the upload's source broke");
}

static void test_source_error(void) {
  int calls = 0;
  ctrt_byte_source *src = NULL;
  ASSERT_OK(ctrt_byte_source_from_callback(&src, failing_source, &calls));
  int fd = -1;
  ASSERT_FAILS_WITH(ctrt__tar_upload_spool(&fd, NULL, src, "/tmp"), CTRT_ERROR_NETWORK);
  ASSERT_STR(ctrt_error_last()->message, "the upload's source broke");
  CU_ASSERT_EQUAL(fd, -1);
  ctrt_byte_source_free(src);
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("upload rules", NULL, NULL);
  CU_add_test(s, "names", test_names);
  CU_add_test(s, "confined archives are accepted", test_accepts_confined_archives);
  CU_add_test(s, "every byte is spooled", test_keeps_every_byte);
  CU_add_test(s, "absolute names and .. are rejected", test_rejects_names);
  CU_add_test(s, "symlink escapes are rejected", test_rejects_symlink_escapes);
  CU_add_test(s, "hard link escapes are rejected", test_rejects_hard_link_escapes);
  CU_add_test(s, "not a tar", test_not_a_tar);
  CU_add_test(s, "the source's own error", test_source_error);
}
