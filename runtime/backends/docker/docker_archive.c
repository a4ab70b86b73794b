/* SPDX-License-Identifier: MIT */
/* Archive: archive_head, the stat of one path in a container's filesystem,
 * which Docker sends as a header of HEAD /containers/{ref}/archive; and
 * archive_put, which checks what Docker would not before sending it: the
 * destination (Docker answers 500 for a file, and extracts into a missing
 * directory on Podman) and the archive itself (Docker extracts entry by
 * entry, strips a leading '/', and follows symlinks the archive made). */
#include "backends/docker/docker_internal.h"

#include <sys/stat.h>
#include <unistd.h>

/* HEAD of path; a missing path (rather than a missing container) is
 * not_found naming the path. */
static int stat_path(ctrt__docker *d, ctrt_path_stat **out, const ctrt_container_id *id, const char *path,
                     const char *method) {
  *out = NULL;
  /* archive_head and archive_put declare the same HEAD. */
  char *suffix = NULL;
  ctrt__http_response *resp = NULL;
  int rc;
  if ((rc = ctrt__dockerreq_archive_head_container_archive_info(&suffix, path)) < 0)
    goto done;
  ctrt__docker_call call = {.verb = "HEAD", .suffix = suffix};
  rc = ctrt__docker_container_send(d, id, &call, method, &resp);
  if (rc == CTRT_ENOT_FOUND) {
    /* A HEAD answer has no body to say what is missing: the container, or
     * the path in it. */
    json_t *inspect = NULL;
    int found = ctrt__docker_inspect_container(d, id, method, &inspect);
    json_decref(inspect);
    if (found == 0)
      rc = ctrt__error_set(CTRT_ERROR_NOT_FOUND, 404, "%s: %s: not found: no such file or directory in the container",
                           method, path);
    else if (found != CTRT_ENOT_FOUND)
      rc = found;
  }
  if (rc < 0)
    goto done;
  const char *header = ctrt__http_response_header(resp, "X-Docker-Container-Path-Stat");
  if (header == NULL)
    rc = ctrt__error_internal("%s: the Docker daemon sent no X-Docker-Container-Path-Stat header for %s", method, path);
  else if ((rc = ctrt__docker_path_stat_decode(out, header)) < 0)
    rc = ctrt__error_wrap("%s %s", method, path);
done:
  ctrt__http_response_free(resp);
  ctrt__free(suffix);
  return rc;
}

int ctrt__docker_archive_head(void *self, ctrt_path_stat **out, const ctrt_container_id *id, const char *path) {
  return stat_path(self, out, id, path, "archive_head");
}

/* The destination must be a directory (symlinks to one are followed, as
 * Docker does); *dir gets the directory's path inside the container. */
static int check_destination(ctrt__docker *d, const ctrt_container_id *id, const char *path, char **dir) {
  *dir = NULL;
  char *at = ctrt__strdup(path);
  CTRT__CHECK_ALLOC(at);
  int rc = 0;
  for (int hops = 0;; hops++) {
    ctrt_path_stat *st = NULL;
    rc = stat_path(d, &st, id, at, "archive_put");
    if (rc == CTRT_ENOT_FOUND && strcmp(at, path) != 0)
      rc = ctrt__error_set(CTRT_ERROR_NOT_FOUND, 404,
                           "archive_put: %s: not found: a symlink to %s, which does not exist in the container", path,
                           at);
    else if (rc == CTRT_ENOT_FOUND && strstr(ctrt_error_last()->message, "no such file or directory"))
      rc = ctrt__error_set(CTRT_ERROR_NOT_FOUND, 404,
                           "archive_put: %s: not found: no such directory in the container to extract into", path);
    if (rc < 0)
      break;
    bool link = S_ISLNK(st->mode) && !ctrt__docker_blank(st->link_target) && strcmp(st->link_target, at) != 0;
    bool is_dir = S_ISDIR(st->mode);
    if (link && hops < 40) {
      /* Docker reports the target resolved (absolute); a relative one is
       * taken from the link's directory. */
      const char *slash = strrchr(at, '/');
      int dir_len = slash && slash != at ? (int)(slash - at) : 0;
      char *next = st->link_target[0] == '/' ? ctrt__strdup(st->link_target)
                                             : ctrt__sprintf("%.*s/%s", dir_len, at, st->link_target);
      ctrt_path_stat_free(st);
      if (next == NULL) {
        rc = ctrt__error_no_memory();
        break;
      }
      ctrt__free(at);
      at = next;
      continue;
    }
    ctrt_path_stat_free(st);
    if (!is_dir)
      rc = ctrt__error_set(CTRT_ERROR_NOT_FOUND, 404,
                           "archive_put: %s: not found: it exists in the container but is not a directory to extract "
                           "into",
                           path);
    break;
  }
  if (rc < 0) {
    ctrt__free(at);
    return rc;
  }
  *dir = at;
  return 0;
}

int ctrt__docker_archive_put(void *self, const ctrt_container_id *id, const char *path, ctrt_byte_source *tar,
                             const ctrt_archive_put_options *options) {
  ctrt__docker *d = self;
  char *dir = NULL;
  int rc = check_destination(d, id, path, &dir);
  if (rc < 0)
    return rc;
  /* All or nothing: the whole archive is read and checked before the
   * daemon sees a byte of it. */
  int fd = -1;
  rc = ctrt__tar_upload_spool(&fd, NULL, tar, dir);
  ctrt__free(dir);
  if (rc < 0)
    return ctrt__error_wrap("archive_put %s", path);

  static const ctrt__docker_status statuses[] = {{500, CTRT_ERROR_INVALID_SPEC}};
  char *ref = NULL, *url = NULL, *target = NULL;
  rc = ctrt__dockerreq_archive_put_put_container_archive(&target, path, options);
  /* A renamed container is found again by its label, once; the spooled
   * archive is simply read again. */
  for (int attempt = 0; rc == 0 && attempt < 2; attempt++) {
    ctrt__free(ref);
    ctrt__free(url);
    ref = url = NULL;
    if ((rc = ctrt__docker_container(d, &ref, id, attempt > 0)) < 0)
      break;
    if ((url = ctrt__sprintf("/containers/%s%s", ref, target)) == NULL) {
      rc = ctrt__error_no_memory();
      break;
    }
    if (lseek(fd, 0, SEEK_SET) != 0) {
      rc = ctrt__error_internal("archive_put: rewinding the checked upload failed");
      break;
    }
    ctrt_byte_source *body = NULL;
    if ((rc = ctrt_byte_source_from_fd(&body, fd)) < 0)
      break;
    ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
    req.method = "PUT";
    req.path = url;
    req.content_type = "application/x-tar";
    req.upload = body;
    ctrt__http_response *resp = NULL;
    rc = ctrt__docker_send(d, &req, statuses, 1, "archive_put", &resp);
    ctrt__http_response_free(resp);
    ctrt_byte_source_free(body);
    if (rc == CTRT_ENOT_FOUND && attempt == 0 && ctrt__docker_container_moved(d, id, ref))
      continue;
    break;
  }
  ctrt__free(ref);
  ctrt__free(url);
  ctrt__free(target);
  close(fd);
  return rc;
}
