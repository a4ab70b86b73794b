/* SPDX-License-Identifier: MIT */
/* adopt_container: a container another client created becomes addressable
 * by a ContainerId. Docker cannot add a label to an existing container, so
 * the container is renamed to the name every other method addresses
 * (zlayer-{service}-{replica}); its engine id stays. */
#include "backends/docker/docker_internal.h"

#include <stdio.h>
#include <strings.h>

/* Whether text contains word, ignoring case (the daemons' capitals vary). */
static bool contains(const char *text, const char *word) {
  for (size_t n = strlen(word); *text; text++)
    if (strncasecmp(text, word, n) == 0)
      return true;
  return false;
}

/* GET /containers/{ref}/json (the spec's ContainerInspect call of
 * adopt_container, its target generated): 0 with *out, or the interface's
 * error for a reference that names no container (not_found) or several
 * (invalid_argument). */
static int inspect_ref(ctrt__docker *d, const char *ref, json_t **out) {
  *out = NULL;
  char *path = NULL;
  int target_rc = ctrt__dockerreq_adopt_container_container_inspect(&path, ref);
  if (target_rc < 0)
    return target_rc;
  ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
  req.path = path;
  ctrt__http_response *resp = NULL;
  int rc = ctrt__http_do(d->client, &req, &resp);
  if (rc < 0) {
    rc = ctrt__error_wrap("adopt_container");
  } else if (resp->status >= 400) {
    ctrt__docker_error_from_body(resp->status, resp->body, resp->body_len, "adopt_container");
    /* An ambiguous id prefix: Docker 20.10 answers 500 "Multiple IDs found
     * with provided prefix", Podman 4.3 404 "more than one result for
     * container ID". */
    const char *why = ctrt_error_last()->message;
    if (contains(why, "multiple") || contains(why, "more than one") || contains(why, "ambiguous"))
      rc = ctrt__error_engine_ref_unmatched(ref, 2); /* several: the daemon says not how many */
    else if (resp->status == 404)
      rc = ctrt__error_engine_ref_unmatched(ref, 0);
    else
      rc = ctrt__error_code();
  } else {
    rc = ctrt__docker_parse_body(out, resp, "adopt_container");
  }
  ctrt__http_response_free(resp);
  ctrt__free(path);
  return rc;
}

/* The Docker id of the container id addresses today (label, then name), or
 * NULL when none does. */
static int current_holder(ctrt__docker *d, const ctrt_container_id *id, char **out) {
  *out = NULL;
  char *ref = NULL;
  json_t *info = NULL;
  int rc;
  if ((rc = ctrt__docker_container(d, &ref, id, true)) < 0 || (rc = inspect_ref(d, ref, &info)) < 0) {
    if (rc == CTRT_ENOT_FOUND) { /* none holds it: *out stays NULL */
      ctrt_error_clear();
      rc = 0;
    }
    goto done;
  }
  if ((*out = ctrt__strdup(json_string_value(json_object_get(info, "Id")))) == NULL)
    rc = ctrt__error_internal("adopt_container: the daemon's inspect answer has no Id");
done:
  json_decref(info);
  ctrt__free(ref);
  return rc;
}

/* POST /containers/{docker_id}/rename?name=zlayer-{service}-{replica} (the
 * spec's ContainerRename call; the engine id addresses it). */
static int rename_to(ctrt__docker *d, const char *docker_id, const ctrt_container_id *id) {
  char *path = NULL;
  int rc = ctrt__dockerreq_adopt_container_container_rename(&path, docker_id, id);
  if (rc < 0)
    return rc;
  ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
  req.method = "POST";
  req.path = path;
  ctrt__http_response *resp = NULL;
  rc = ctrt__docker_send(d, &req, NULL, 0, "adopt_container", &resp);
  ctrt__http_response_free(resp);
  ctrt__free(path);
  return rc;
}

int ctrt__docker_adopt_container(void *self, const char *engine_ref, const ctrt_container_id *id) {
  ctrt__docker *d = self;
  char *display = NULL, *name = NULL, *holder = NULL;
  json_t *info = NULL;
  int rc;
  if ((rc = ctrt_container_id_format(&display, id)) < 0)
    goto done;
  if ((name = ctrt__docker_container_name(id)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = inspect_ref(d, engine_ref, &info)) < 0)
    goto done;
  const char *docker_id = json_string_value(json_object_get(info, "Id"));
  const char *current = json_string_value(json_object_get(info, "Name"));
  const char *label =
      json_string_value(json_object_get(json_object_get(json_object_get(info, "Config"), "Labels"), d->label_key));
  if (docker_id == NULL || current == NULL) {
    rc = ctrt__error_internal("adopt_container: the daemon's inspect answer has no Id or Name");
    goto done;
  }
  if (current[0] == '/')
    current++;
  /* Known under another ContainerId: by ctrt's label, or by a name of
   * ctrt's form (which is how every method would find it). */
  if (label != NULL && strcmp(label, display) != 0) {
    rc = ctrt__error_adopt_known_as(engine_ref, label);
    goto done;
  }
  if (label == NULL && strncmp(current, "zlayer-", 7) == 0 && strcmp(current, name) != 0) {
    rc = ctrt__error_set(CTRT_ERROR_CONFLICT, 409,
                         "adopt_container: container '%s' is named %s, which addresses another ContainerId", engine_ref,
                         current);
    goto done;
  }
  if ((rc = current_holder(d, id, &holder)) < 0)
    goto done;
  if (holder != NULL && strcmp(holder, docker_id) != 0) {
    rc = ctrt__error_adopt_id_taken(display, holder);
    goto done;
  }
  /* A labelled container keeps its name: the label finds it. */
  if (label == NULL && strcmp(current, name) != 0 && (rc = rename_to(d, docker_id, id)) < 0)
    goto done;
  ctrt__docker_remember(d, id, docker_id);
done:
  json_decref(info);
  ctrt__free(holder);
  ctrt__free(name);
  ctrt__free(display);
  return rc;
}
