/* SPDX-License-Identifier: MIT */
/*
 * memfs: the in-memory filesystem of the mock backend.
 *
 * A memfs is a tree of directories, regular files and symlinks with POSIX
 * metadata (full st_mode, uid, gid, mtime). File contents are immutable,
 * reference-counted blobs shared between clones, so cloning a filesystem
 * (image layer -> container, container -> snapshot for a stream) copies only
 * the tree's nodes, never file data.
 *
 * Paths are absolute ("/etc/passwd"); "." and ".." are resolved lexically
 * and ".." at the root stays at the root; symlinks are followed inside the
 * filesystem only (an absolute target is resolved from this root, as in a
 * chroot), so no operation can reach outside it. A symlink loop (more than
 * 40 links) fails with CTRT_EINVALID_SPEC.
 *
 * Not thread-safe: the mock serialises access with its own lock. Errors use
 * the ctrt error machinery (ctrt__error_*): a missing path is
 * CTRT_ENOT_FOUND, a wrong type (file where a directory is needed, a
 * non-empty directory without recursive) CTRT_EINVALID_SPEC, allocation
 * failure CTRT_ENO_MEMORY. Messages name the path. Creating a path that
 * already exists (mkdir without parents, symlink, link) is CTRT_ECONFLICT.
 * Paths longer than 4095 bytes, names longer than 255 and trees deeper
 * than 256 levels are refused with CTRT_EINVALID_SPEC.
 */
#ifndef CTRT_MOCK_MEMFS_H
#define CTRT_MOCK_MEMFS_H

#include "core/internal.h"

#include <archive.h>
#include <sys/stat.h>

typedef struct memfs memfs;
typedef struct memfs_blob memfs_blob;

/* ---- blobs: immutable shared bytes ---- */
int memfs_blob_new(memfs_blob **out, const void *data, size_t len); /* copies data */
/* Takes ownership of data (allocated with ctrt__malloc) on success; on
 * failure data stays the caller's. */
int memfs_blob_adopt(memfs_blob **out, void *data, size_t len);
memfs_blob *memfs_blob_ref(memfs_blob *blob);
void memfs_blob_unref(memfs_blob *blob); /* NULL-safe */
const uint8_t *memfs_blob_data(const memfs_blob *blob);
size_t memfs_blob_len(const memfs_blob *blob);

/* ---- trees ---- */
int memfs_new(memfs **out);                    /* an empty root directory, mode 0755 */
int memfs_clone(memfs **out, const memfs *fs); /* shares blobs */
void memfs_free(memfs *fs);                    /* NULL-safe */
/* Total bytes of file contents (for stats and image sizes). */
uint64_t memfs_size(const memfs *fs);
/* Size limits (0: none): the largest regular file, and the total of file
 * contents (memfs_size). A write, or a tar extraction, that would pass one
 * fails with CTRT_EINVALID_SPEC, a message saying "no space left on device"
 * and memfs_full() true, and changes nothing; so an in-memory filesystem
 * never grows past what its owner allows. Clones inherit the limits. */
void memfs_set_limits(memfs *fs, uint64_t max_file, uint64_t max_total);
/* The limits set (0: none). */
uint64_t memfs_max_file(const memfs *fs);
/* Whether the last memfs failure on this thread was a limit. */
bool memfs_full(void);
/* Whether a regular file at path may hold len bytes (the file's current
 * contents are replaced in the total). */
bool memfs_fits(const memfs *fs, const char *path, uint64_t len);

typedef struct memfs_stat {
  uint32_t mode; /* S_IFDIR | S_IFREG | S_IFLNK plus permission bits */
  uint32_t uid, gid;
  int64_t size; /* file: content length; symlink: target length; dir: 4096 */
  ctrt_timestamp mtime;
  char link_target[4096]; /* symlinks: the target as stored; else "" */
  uint64_t ino;           /* same node (hard links) <=> same ino */
  uint32_t nlink;         /* hard links; directories: 2 + subdirectories */
} memfs_stat;

/* follow = false stats a final symlink itself (lstat). */
int memfs_stat_path(const memfs *fs, const char *path, bool follow, memfs_stat *out);
bool memfs_exists(const memfs *fs, const char *path, bool follow);
/* The canonical absolute path after following every symlink ("/bin/sh" ->
 * "/bin/busybox"); *out is a new string. */
int memfs_realpath(const memfs *fs, const char *path, char **out);

/* Contents of a regular file (following symlinks): a new reference. */
int memfs_read(const memfs *fs, const char *path, memfs_blob **out);
/* Create or replace a regular file (following a final symlink to an
 * existing file, like open(O_CREAT|O_TRUNC)); parents must exist. mode holds
 * permission bits only (0644); a new file takes uid/gid given, an existing one
 * keeps its owner. append adds to the current contents. */
int memfs_write(memfs *fs, const char *path, const void *data, size_t len, uint32_t perm, uint32_t uid, uint32_t gid,
                bool append);
/* Same with a blob the file will share (takes a new reference). */
int memfs_write_blob(memfs *fs, const char *path, memfs_blob *blob, uint32_t perm, uint32_t uid, uint32_t gid);
int memfs_mkdir(memfs *fs, const char *path, uint32_t perm, uint32_t uid, uint32_t gid, bool parents);
int memfs_symlink(memfs *fs, const char *target, const char *path, uint32_t uid, uint32_t gid);
/* Remove a file, symlink or (recursive, or empty) directory; "/" cannot be
 * removed. */
int memfs_remove(memfs *fs, const char *path, bool recursive);
/* The range memfs keeps mtimes in: what an RFC 3339 timestamp can say
 * (0000-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z), so ls, stat,
 * archive_head and tar output can always format them. Times from outside
 * (tar headers, touch) are clamped into it where they enter. */
ctrt_timestamp memfs_clamp_time(ctrt_timestamp t);
/* Set mtime (touch, clamped); creates an empty file when missing and create
 * is set. */
int memfs_touch(memfs *fs, const char *path, ctrt_timestamp mtime, bool create, uint32_t uid, uint32_t gid);
int memfs_chmod(memfs *fs, const char *path, uint32_t perm);
/* A hard link, as link(2): newpath (which must not exist) names the node of
 * oldpath (a final symlink is linked itself, not followed); directories
 * cannot be linked. */
int memfs_link(memfs *fs, const char *oldpath, const char *newpath);
/* Move or rename, as rename(2): an existing newpath is replaced (a
 * directory only by a directory, and only an empty one); a directory cannot
 * move into itself. Final symlinks are not followed. */
int memfs_rename(memfs *fs, const char *oldpath, const char *newpath);

/* Names in a directory (following symlinks to it), sorted bytewise, without
 * "." and "..". *names is an array of new strings; free with
 * memfs_names_free. */
int memfs_list(const memfs *fs, const char *path, char ***names, size_t *n);
void memfs_names_free(char **names, size_t n);

/* ---- tar in ---- */
typedef enum memfs_tar_mode {
  /* An image layer: entries may be absolute or relative (both mean the
   * root); OCI/Docker whiteouts (".wh.NAME" deletes NAME, ".wh..wh..opq"
   * empties the directory) are applied; owners are kept. */
  MEMFS_TAR_LAYER,
  /* archive_put: the archive is hostile. An entry whose path is absolute,
   * contains "..", or would be created through a symlink (one in the
   * filesystem or one the archive created earlier) that leads outside the
   * destination fails the whole extraction with CTRT_EINVALID_SPEC; hard
   * links may only point at entries inside the destination. */
  MEMFS_TAR_UPLOAD,
} memfs_tar_mode;

typedef struct memfs_tar_options {
  memfs_tar_mode mode;
  /* Upload: replacing a directory with a non-directory (or the reverse)
   * fails with CTRT_EINVALID_SPEC instead of replacing. */
  bool no_overwrite_dir_non_dir;
  /* Upload: keep the archive's uid/gid; otherwise entries are owned by
   * default_uid/default_gid (the container user). */
  bool copy_uid_gid;
  uint32_t default_uid, default_gid;
} memfs_tar_options;

/*
 * Extract a tar (plain, gzip or any compression libarchive reads) from src
 * into dest_dir, which must exist and be a directory (else
 * CTRT_ENOT_FOUND). All or nothing: the archive is read and checked
 * completely before the filesystem changes, so a rejected or truncated
 * archive leaves fs untouched. A body that is not a tar at all fails with
 * CTRT_EINVALID_SPEC. Regular files, directories, symlinks and hard links
 * are supported. Uploads refuse devices, FIFOs and sockets (layers skip
 * them) and every tar refuses sparse entries; the limits of
 * memfs_set_limits apply to each entry (checked before its data is read),
 * to the result (counted as contents come in, and at the end) and to the
 * uncompressed tar (memfs_tar_stream_max of the total limit).
 */
int memfs_apply_tar(memfs *fs, const char *dest_dir, ctrt_byte_source *src, const memfs_tar_options *options);

/*
 * Decompression with a bound, for every tar the mock takes in: a reader of
 * its own decompresses src (gzip, bzip2, xz, lzma, zstd or none) and counts
 * what it yields. Open a libarchive reader with memfs_unpack_read as its
 * read callback and the unpack as its data, formats only (no filters):
 * past max_plain uncompressed bytes (0: any) that reader fails with EFBIG
 * and memfs_unpack_over() is true. memfs_unpack_source_rc: the source's own
 * error (0: none). memfs_unpack_new sets *out also when it fails (free it).
 */
typedef struct memfs_unpack memfs_unpack;
int memfs_unpack_new(memfs_unpack **out, ctrt_byte_source *src, uint64_t max_plain);
la_ssize_t memfs_unpack_read(struct archive *a, void *unpack, const void **out);
int memfs_unpack_source_rc(const memfs_unpack *unpack);
bool memfs_unpack_over(const memfs_unpack *unpack);
void memfs_unpack_free(memfs_unpack *unpack); /* NULL-safe */
/* How much uncompressed tar a filesystem with this total limit takes in
 * (0: any): twice the limit plus 1 MiB. */
uint64_t memfs_tar_stream_max(uint64_t limit);

/* ---- tar out: a pull-based writer, bounded memory ---- */
typedef struct memfs_tar_reader memfs_tar_reader;

typedef enum memfs_tar_scope {
  /* archive_get: the path itself as the top entry, named by its basename
   * ("/etc" -> "etc/", "etc/passwd", ...; "/etc/hostname" -> "hostname");
   * "/" gives the root's contents ("./"-free names). A final symlink is
   * archived as the link itself. */
  MEMFS_TAR_PATH,
  /* export_container_fs / image layers: the whole tree, names relative to
   * the root ("bin/", "bin/sh", ...), the root itself not listed. */
  MEMFS_TAR_ROOT,
} memfs_tar_scope;

/* Takes ownership of fs, also when it fails (pass a clone: the reader
 * outlives the caller's lock). Missing path: CTRT_ENOT_FOUND. Hard links
 * inside the archived tree become tar hard-link entries. */
int memfs_tar_reader_new(memfs_tar_reader **out, memfs *fs, const char *path, memfs_tar_scope scope);
/* Fill buf with the next 1..cap bytes of the (uncompressed, ustar/pax) tar:
 * 0, or CTRT_ITEROVER after the end-of-archive blocks. Memory stays bounded by
 * a few blocks plus cap, whatever the file sizes. */
int memfs_tar_reader_read(memfs_tar_reader *reader, void *buf, size_t cap, size_t *n_read);
void memfs_tar_reader_free(memfs_tar_reader *reader);

/* The whole tar at once (small trees: image layers, tests), a new blob. */
int memfs_tar_blob(memfs *fs, const char *path, memfs_tar_scope scope, memfs_blob **out);

/* ---- differences (changes_container, commit_container) ---- */
typedef struct memfs_change {
  char *path; /* absolute */
  ctrt_filesystem_change_kind kind;
} memfs_change;

/*
 * What changed from base to current, as Docker reports it: every added path
 * (A, including everything under an added directory), every deleted path (D,
 * only the topmost deleted one), every path whose type, contents, mode,
 * owner or link target changed (C), and every directory containing an added,
 * deleted or changed entry (C; never "/"). Sorted by path. *changes is a new
 * array; free with memfs_changes_free. As with Docker's copy-up, a new mtime
 * (touch, or a rewrite with the same bytes) also counts as a change.
 */
int memfs_diff(const memfs *base, const memfs *current, memfs_change **changes, size_t *n);
void memfs_changes_free(memfs_change *changes, size_t n);

/* The difference as an image layer tar (a new blob): added and changed
 * entries with their contents, deletions as ".wh." whiteouts. Applying it with
 * MEMFS_TAR_LAYER on a clone of base yields a tree equal to current. */
int memfs_diff_tar(const memfs *base, const memfs *current, memfs_blob **out);

/* Whether two trees are equal in types, contents, modes, owners and link
 * targets (mtimes ignored). */
bool memfs_equal(const memfs *a, const memfs *b);

#endif
