/* SPDX-License-Identifier: MIT */
/* The main process's stdin: one hijacked POST /containers/{id}/attach
 * ?stream=1&stdin=1 per container, opened by the first write_stdin and kept
 * in d->attaches (under d->lock); close_stdin half-closes it, which ends the
 * input of a StdinOnce container, and drops it. */
#include "backends/docker/docker_internal.h"

static int display_of(const ctrt_container_id *id, char **out) { return ctrt_container_id_format(out, id); }

/* Index of display's attach, or -1 (d->lock held). */
static long find_attach(ctrt__docker *d, const char *display) {
  for (size_t i = 0; i < d->n_attaches; i++)
    if (strcmp(d->attaches[i].display, display) == 0)
      return (long)i;
  return -1;
}

/* Check the container takes stdin, then attach to it; attach_target is the
 * method's declared ContainerAttach (after /containers/{id}). */
static int open_attach(ctrt__docker *d, const ctrt_container_id *id, int (*attach_target)(char **out),
                       const char *method, bool *stdin_open, ctrt__http_conn **out) {
  *out = NULL;
  json_t *inspect = NULL;
  char *suffix = NULL, *path = NULL;
  int rc;
  if ((rc = ctrt__docker_inspect_container(d, id, method, &inspect)) < 0 || (rc = attach_target(&suffix)) < 0)
    goto done;
  *stdin_open = json_is_true(json_object_get(json_object_get(inspect, "Config"), "OpenStdin"));
  if (!*stdin_open)
    goto done; /* nothing to attach to: the caller tells */
  const char *docker_id = json_string_value(json_object_get(inspect, "Id"));
  if (docker_id == NULL) {
    rc = ctrt__error_internal("%s: the inspect answer has no Id", method);
    goto done;
  }
  if ((path = ctrt__sprintf("/containers/%s%s", docker_id, suffix)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
  req.method = "POST";
  req.path = path;
  rc = ctrt__docker_hijack(d, &req, NULL, 0, method, out);
done:
  ctrt__free(path);
  ctrt__free(suffix);
  json_decref(inspect);
  return rc;
}

/* Attach to the container's stdin and keep the connection under *display
 * (which it takes, unless another thread was first). */
static int attach_keep(ctrt__docker *d, const ctrt_container_id *id, char **display) {
  bool stdin_open = false;
  ctrt__http_conn *conn = NULL;
  int rc;
  if ((rc = open_attach(d, id, ctrt__dockerreq_write_stdin_container_attach, "write_stdin", &stdin_open, &conn)) < 0)
    goto done;
  if (!stdin_open) {
    rc = ctrt__error_conflict("write_stdin: %s was not created with stdin_open: its process has no stdin", *display);
    goto done;
  }
  pthread_mutex_lock(&d->lock);
  if (find_attach(d, *display) < 0) { /* else another thread was first: keep its connection */
    ctrt__docker_attach *grown = ctrt__realloc(d->attaches, (d->n_attaches + 1) * sizeof *grown);
    if (grown == NULL) {
      rc = ctrt__error_no_memory();
    } else {
      d->attaches = grown;
      grown[d->n_attaches].display = *display;
      grown[d->n_attaches++].conn = conn;
      *display = NULL;
      conn = NULL;
    }
  }
  pthread_mutex_unlock(&d->lock);
done:
  ctrt__http_conn_free(conn);
  return rc;
}

int ctrt__docker_write_stdin(void *self, const ctrt_container_id *id, const void *data, size_t data_len) {
  ctrt__docker *d = self;
  char *display = NULL;
  int rc = display_of(id, &display);
  if (rc < 0)
    return rc;
  pthread_mutex_lock(&d->lock);
  bool known = find_attach(d, display) >= 0;
  pthread_mutex_unlock(&d->lock);
  if (!known && ((rc = attach_keep(d, id, &display)) < 0 || (display == NULL && (rc = display_of(id, &display)) < 0)))
    goto done;
  /* The write happens under the lock so that close_stdin cannot free the
   * connection meanwhile; the daemon drains stdin into the process's pipe. */
  pthread_mutex_lock(&d->lock);
  long i = find_attach(d, display);
  if (i < 0)
    rc = ctrt__error_conflict("write_stdin: the stdin of %s was closed meanwhile", display);
  else if ((rc = ctrt__http_conn_write(d->attaches[i].conn, data, data_len)) < 0)
    rc = ctrt__error_wrap("write_stdin %s", display);
  pthread_mutex_unlock(&d->lock);
done:
  ctrt__free(display);
  return rc;
}

int ctrt__docker_close_stdin(void *self, const ctrt_container_id *id) {
  ctrt__docker *d = self;
  char *display = NULL;
  int rc = display_of(id, &display);
  if (rc < 0)
    return rc;
  ctrt__docker_attach taken = {NULL, NULL};
  pthread_mutex_lock(&d->lock);
  long i = find_attach(d, display);
  if (i >= 0) {
    taken = d->attaches[i];
    d->attaches[i] = d->attaches[--d->n_attaches];
  }
  pthread_mutex_unlock(&d->lock);
  if (taken.conn == NULL) {
    /* Nothing written yet: attach only to close (after the usual checks);
     * a container without stdin, or stopped, has nothing to close. */
    bool stdin_open = false;
    rc = open_attach(d, id, ctrt__dockerreq_close_stdin_container_attach, "close_stdin", &stdin_open, &taken.conn);
    if (rc == CTRT_ECONFLICT) { /* stopped: its stdin is closed already */
      ctrt_error_clear();
      rc = 0;
    }
    if (rc < 0)
      goto done;
  }
  if (taken.conn != NULL && ctrt__http_conn_close_write(taken.conn) < 0)
    rc = ctrt__error_wrap("close_stdin %s", display);
done:
  ctrt__http_conn_free(taken.conn);
  ctrt__free(taken.display);
  ctrt__free(display);
  return rc;
}
