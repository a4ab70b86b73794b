/* Archive: archive_head, the stat of one path in a container's filesystem,
 * which Docker sends as a header of HEAD /containers/{ref}/archive. */
#include "backends/docker/docker_internal.h"

int ctrt__docker_archive_head(void *self, ctrt_path_stat **out, const ctrt_container_id *id, const char *path) {
  char *escaped = ctrt__http_escape(path);
  char *suffix = escaped ? ctrt__sprintf("/archive?path=%s", escaped) : NULL;
  ctrt__free(escaped);
  if (suffix == NULL)
    return ctrt__error_no_memory();
  ctrt__docker_call call = {.verb = "HEAD", .suffix = suffix};
  ctrt__http_response *resp = NULL;
  int rc = ctrt__docker_container_send(self, id, &call, "archive_head", &resp);
  if (rc == CTRT_ENOT_FOUND) {
    /* A HEAD answer has no body to say what is missing: the container, or
     * the path in it. */
    json_t *inspect = NULL;
    int found = ctrt__docker_inspect_container(self, id, "archive_head", &inspect);
    json_decref(inspect);
    if (found == 0)
      rc = ctrt__error_set(CTRT_ERROR_NOT_FOUND, 404,
                           "archive_head: %s: not found: no such file or directory in the container", path);
    else if (found != CTRT_ENOT_FOUND)
      rc = found;
  }
  if (rc == 0) {
    const char *header = ctrt__http_response_header(resp, "X-Docker-Container-Path-Stat");
    if (header == NULL)
      rc = ctrt__error_internal("archive_head: the Docker daemon sent no X-Docker-Container-Path-Stat header for %s",
                                path);
    else if ((rc = ctrt__docker_path_stat_decode(out, header)) < 0)
      rc = ctrt__error_wrap("archive_head %s", path);
  }
  ctrt__http_response_free(resp);
  ctrt__free(suffix);
  return rc;
}
