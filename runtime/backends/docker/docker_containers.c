/* SPDX-License-Identifier: MIT */
/* Containers: create (ServiceSpec -> Config + HostConfig), state, waits
 * classified into WaitOutcome, and the list of every container. */
#include "backends/docker/docker_internal.h"

#include <stdio.h>

int ctrt__docker_create_container(void *self, const ctrt_container_id *id, const ctrt_service_spec *spec) {
  if (ctrt__docker_pull_image_with_policy(self, spec->image.name, spec->image.pull_policy, NULL,
                                          CTRT_SOURCE_POLICY_LOCAL_FIRST) < 0)
    return ctrt__error_wrap_create_pull(spec->image.name, ctrt_pull_policy_to_string(spec->image.pull_policy));
  return ctrt__docker_create_only(self, id, spec);
}

int ctrt__docker_create_only(void *self, const ctrt_container_id *id, const ctrt_service_spec *spec) {
  ctrt__docker *d = self;
  char *display = NULL, *body = NULL, *path = NULL;
  json_t *json = NULL;
  ctrt__http_response *resp = NULL;
  ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
  int rc;
  if ((rc = ctrt_container_id_format(&display, id)) < 0 ||
      (rc = ctrt__docker_create_body(&json, spec, d->label_key, display)) < 0 ||
      (rc = ctrt__docker_json_text(&body, json)) < 0 ||
      (rc = ctrt__dockerreq_create_container_container_create(&path, id)) < 0)
    goto done;
  json_decref(json);
  json = NULL;
  req.method = "POST";
  req.path = path;
  req.content_type = "application/json";
  req.body = body;
  req.body_len = strlen(body);
  if (ctrt__http_do(d->client, &req, &resp) < 0) {
    rc = ctrt__error_wrap("create_container");
    goto done;
  }
  if (resp->status >= 400) {
    /* 404: no such image; 409: the name is taken; the rest: create failed. */
    char context[600];
    snprintf(context, sizeof context, "POST %s", path);
    ctrt__docker_error_from_body(resp->status, resp->body, resp->body_len, context);
    if (resp->status == 404 || resp->status == 409) {
      rc = ctrt__error_wrap("create_container");
    } else {
      char message[CTRT__ERROR_MESSAGE_MAX];
      snprintf(message, sizeof message, "%s", ctrt_error_last()->message);
      rc = ctrt__error_set(CTRT_ERROR_CREATE_FAILED, resp->status, "create_container: create of %s failed: %s", display,
                           message);
    }
    goto done;
  }
  if ((rc = ctrt__docker_parse_body(&json, resp, "create_container")) < 0)
    goto done;
  const char *docker_id = json_string_value(json_object_get(json, "Id"));
  if (docker_id == NULL) {
    rc = ctrt__error_internal("create_container: the Docker daemon's answer has no Id");
    goto done;
  }
  ctrt__docker_remember(d, id, docker_id);
done:
  if (body != NULL)
    memset(body, 0, strlen(body)); /* it may carry the injected token */
  json_decref(json);
  ctrt__http_response_free(resp);
  ctrt__free(body);
  ctrt__free(path);
  ctrt__free(display);
  return rc;
}

/* Docker answers an unpause of a container that is not paused with a 500,
 * the code of its real failures too: on a 500, ask the container. */
int ctrt__docker_unpause_container(void *self, const ctrt_container_id *id) {
  char *target = NULL;
  ctrt__http_response *resp = NULL;
  int rc;
  if ((rc = ctrt__dockerreq_unpause_container_container_unpause(&target)) < 0)
    return rc;
  ctrt__docker_call call = {.verb = "POST", .suffix = target};
  rc = ctrt__docker_container_send(self, id, &call, "unpause_container", &resp);
  ctrt__free(target);
  ctrt__http_response_free(resp);
  if (rc == 0 || ctrt_error_last()->http_status != 500)
    return rc;
  ctrt_error_kind kind = ctrt_error_last()->kind;
  char *why = ctrt__strdup(ctrt_error_last()->message);
  json_t *inspect = NULL;
  bool not_paused = ctrt__docker_inspect_container(self, id, "unpause_container", &inspect) == 0 &&
                    json_is_false(json_object_get(json_object_get(inspect, "State"), "Paused"));
  json_decref(inspect);
  if (not_paused)
    rc = ctrt__error_set(CTRT_ERROR_CONFLICT, 500, "unpause_container: the container is not paused (%s)",
                         why ? why : "");
  else
    rc = ctrt__error_set(kind, 500, "%s", why ? why : "unpause_container failed");
  ctrt__free(why);
  return rc;
}

/* POST /containers/{ref}{target} (the spec's "/wait[?condition=]"), then
 * inspect to classify; target is freed. */
static int wait_outcome(ctrt__docker *d, ctrt_wait_outcome **out, const ctrt_container_id *id, char *target,
                        const char *method) {
  /* A wait lasts as long as the container runs: no request timeout. */
  ctrt__docker_call call = {.verb = "POST", .suffix = target, .timeout_ms = -1};
  ctrt__http_response *resp = NULL;
  json_t *wait = NULL, *inspect = NULL;
  int rc;
  if ((rc = ctrt__docker_container_send(d, id, &call, method, &resp)) < 0 ||
      (rc = ctrt__docker_parse_body(&wait, resp, method)) < 0)
    goto done;
  /* Gone already (condition removed, or removed meanwhile): classify from
   * the wait answer alone. */
  if ((rc = ctrt__docker_inspect_container(d, id, method, &inspect)) == CTRT_ENOT_FOUND)
    ctrt_error_clear();
  else if (rc < 0)
    goto done;
  rc = ctrt__docker_wait_classify(out, wait, inspect);
done:
  ctrt__free(target);
  ctrt__http_response_free(resp);
  json_decref(wait);
  json_decref(inspect);
  return rc;
}

int ctrt__docker_wait_outcome(void *self, ctrt_wait_outcome **out, const ctrt_container_id *id) {
  char *target = NULL;
  int rc = ctrt__dockerreq_wait_outcome_container_wait(&target);
  return rc < 0 ? rc : wait_outcome(self, out, id, target, "wait_outcome");
}

int ctrt__docker_wait_outcome_with_condition(void *self, ctrt_wait_outcome **out, const ctrt_container_id *id,
                                             ctrt_wait_condition condition) {
  char *target = NULL;
  int rc = ctrt__dockerreq_wait_outcome_with_condition_container_wait(&target, condition);
  return rc < 0 ? rc : wait_outcome(self, out, id, target, "wait_outcome_with_condition");
}
