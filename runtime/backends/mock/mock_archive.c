/* SPDX-License-Identifier: MIT */
/* The mock's archive methods over the container's memfs: tar out of a
 * snapshot (the stream reads a clone, so the container may go on writing),
 * tar in with the upload checks, stat, and export. */
#include "gen_internal.h"
#include "mock.h"

#include <libgen.h>

/* ---- byte streams over a tar reader ---- */

static int tar_read(void *impl, void *buf, size_t cap, size_t *n_read) {
  return memfs_tar_reader_read(impl, buf, cap, n_read);
}

static void tar_destroy(void *impl) { memfs_tar_reader_free(impl); }

static const ctrt__stream_vtable tar_vtable = {
    .read = tar_read,
    .destroy = tar_destroy,
};

int mock_tar_stream(ctrt__stream **out, memfs_tar_reader *reader) {
  return ctrt__stream_new(out, &tar_vtable, reader, NULL);
}

static int missing_path(const mock_container *c, const char *path) {
  return ctrt__error_set(CTRT_ERROR_NOT_FOUND, 404, "Could not find the file %s in container %s", path, c->runtime_id);
}

/* A tar reader over a snapshot of c's tree (under the lock). */
static int snapshot_reader(mock_container *c, const char *path, memfs_tar_scope scope, memfs_tar_reader **out) {
  memfs *snapshot = NULL;
  int rc;
  if ((rc = memfs_clone(&snapshot, c->fs)) < 0)
    return rc;
  return memfs_tar_reader_new(out, snapshot, path, scope);
}

int mock_archive_get(void *self, ctrt_archive_stream **out, const ctrt_container_id *id, const char *path) {
  mock_runtime *m = self;
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  memfs_tar_reader *reader = NULL;
  int rc = c == NULL                           ? ctrt__error_code()
           : !memfs_exists(c->fs, path, false) ? missing_path(c, path)
                                               : snapshot_reader(c, path, MEMFS_TAR_PATH, &reader);
  mock_unlock(m);
  if (rc < 0)
    return rc;
  ctrt__stream *stream = NULL;
  rc = mock_tar_stream(&stream, reader);
  *out = (ctrt_archive_stream *)stream;
  return rc;
}

int mock_export_container_fs(void *self, ctrt_image_export_stream **out, const ctrt_container_id *id) {
  mock_runtime *m = self;
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  memfs_tar_reader *reader = NULL;
  int rc = c ? snapshot_reader(c, "/", MEMFS_TAR_ROOT, &reader) : ctrt__error_code();
  mock_unlock(m);
  if (rc < 0)
    return rc;
  ctrt__stream *stream = NULL;
  rc = mock_tar_stream(&stream, reader);
  *out = (ctrt_image_export_stream *)stream;
  return rc;
}

int mock_archive_put(void *self, const ctrt_container_id *id, const char *path, ctrt_byte_source *tar,
                     const ctrt_archive_put_options *options) {
  mock_runtime *m = self;
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  memfs_stat st;
  int rc;
  if (c == NULL) {
    rc = ctrt__error_code();
    goto done;
  }
  if (memfs_stat_path(c->fs, path, true, &st) < 0 || !S_ISDIR(st.mode)) {
    rc = missing_path(c, path);
    goto done;
  }
  memfs_tar_options tar_options = {
      .mode = MEMFS_TAR_UPLOAD,
      .no_overwrite_dir_non_dir = options->no_overwrite_dir_non_dir,
      /* As Docker: entries keep the archive's owners, unless
       * copy_uid_gid gives them to the container's user (when it has
       * one). memfs's copy_uid_gid means "keep the archive's". */
      .copy_uid_gid = !(options->copy_uid_gid && c->user != NULL && c->user[0] != '\0'),
      .default_uid = c->uid,
      .default_gid = c->gid,
  };
  rc = memfs_apply_tar(c->fs, path, tar, &tar_options);
done:
  mock_unlock(m);
  return rc;
}

int mock_archive_head(void *self, ctrt_path_stat **out, const ctrt_container_id *id, const char *path) {
  mock_runtime *m = self;
  ctrt_path_stat *stat = ctrt__malloc(sizeof *stat);
  CTRT__CHECK_ALLOC(stat);
  *stat = (ctrt_path_stat)CTRT_PATH_STAT_INIT;
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  memfs_stat st = {0};
  char *resolved = NULL;
  int rc = c == NULL ? ctrt__error_code() : memfs_stat_path(c->fs, path, false, &st) < 0 ? missing_path(c, path) : 0;
  if (rc < 0) {
    mock_unlock(m);
    goto done;
  }
  /* Like Docker, a link's target is reported resolved inside the
   * container (absolute); a dangling link keeps what it stores. */
  if (S_ISLNK(st.mode) && memfs_realpath(c->fs, path, &resolved) < 0)
    ctrt_error_clear();
  mock_unlock(m);
  char *copy = ctrt__strdup(path);
  char when[64];
  stat->name = copy ? ctrt__strdup(strcmp(path, "/") == 0 ? "/" : basename(copy)) : NULL;
  ctrt__free(copy);
  stat->size = st.size;
  stat->mode = st.mode;
  /* memfs keeps mtimes inside RFC 3339's range (memfs_clamp_time), so
   * this cannot fail; if it did, nothing unwritten is returned */
  if (ctrt__timestamp_format(when, sizeof when, &st.mtime) < 0) {
    rc = ctrt__error_internal("archive_head: mtime of %s cannot be formatted", path);
    goto done;
  }
  stat->mtime = ctrt__strdup(when);
  stat->link_target = ctrt__strdup(resolved ? resolved : st.link_target);
  if (!stat->name || !stat->mtime || !stat->link_target) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  *out = stat;
  stat = NULL;
done:
  ctrt__free(resolved);
  ctrt_path_stat_free(stat);
  return rc;
}
