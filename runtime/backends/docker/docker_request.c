/* SPDX-License-Identifier: MIT */
/* Requests of the hand-written methods addressed to one container: the
 * reference is resolved like the generated stubs do it (known id, else the
 * name; after a 404, once more through the managed label), then the call is
 * sent buffered, streamed or hijacked. */
#include "backends/docker/docker_internal.h"

#include <stdio.h>

typedef enum { CALL_SEND, CALL_OPEN, CALL_HIJACK } call_mode;

/* The table's kind for status, or CTRT_ERROR_NONE when it is not listed. */
static bool table_kind(int status, const ctrt__docker_status *statuses, size_t n, ctrt_error_kind *kind) {
  for (size_t i = 0; i < n; i++) {
    if (statuses[i].status == status) {
      *kind = statuses[i].kind;
      return true;
    }
  }
  return false;
}

int ctrt__docker_hijack(ctrt__docker *d, const ctrt__http_request *req, const ctrt__docker_status *statuses,
                        size_t n_statuses, const char *method, ctrt__http_conn **out) {
  *out = NULL;
  if (ctrt__http_hijack(d->client, req, out) == 0)
    return 0;
  /* It failed. The transport mapped a status >= 400 already; apply the table. */
  const ctrt_error *e = ctrt_error_last();
  ctrt_error_kind kind;
  if (e->http_status && table_kind(e->http_status, statuses, n_statuses, &kind) && kind != CTRT_ERROR_NONE) {
    char message[CTRT__ERROR_MESSAGE_MAX];
    snprintf(message, sizeof message, "%s", e->message);
    return ctrt__error_set(kind, e->http_status, "%s: %s", method, message);
  }
  return ctrt__error_wrap("%s", method);
}

static int container_call(ctrt__docker *d, const ctrt_container_id *id, const ctrt__docker_call *call,
                          const char *method, call_mode mode, void **out) {
  *out = NULL;
  char *ref = NULL;
  int rc = 0;
  for (int attempt = 0; attempt < 2; attempt++) {
    ctrt__free(ref);
    ref = NULL;
    if ((rc = ctrt__docker_container(d, &ref, id, attempt > 0)) < 0)
      break;
    char *path = ctrt__sprintf("/containers/%s%s", ref, call->suffix ? call->suffix : "");
    if (path == NULL) {
      rc = ctrt__error_no_memory();
      break;
    }
    ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
    req.method = call->verb ? call->verb : "GET";
    req.path = path;
    req.headers = call->headers;
    req.content_type = call->content_type;
    req.body = call->body;
    req.body_len = call->body_len;
    req.timeout_ms = call->timeout_ms;
    switch (mode) {
    case CALL_SEND:
      rc = ctrt__docker_send(d, &req, call->statuses, call->n_statuses, method, (ctrt__http_response **)out);
      break;
    case CALL_OPEN:
      rc = ctrt__docker_open(d, &req, call->statuses, call->n_statuses, method, (ctrt__http_stream **)out);
      break;
    case CALL_HIJACK:
      rc = ctrt__docker_hijack(d, &req, call->statuses, call->n_statuses, method, (ctrt__http_conn **)out);
      break;
    }
    ctrt__free(path);
    /* Not found under this reference: perhaps renamed; look it up once. */
    if (rc == CTRT_ENOT_FOUND && attempt == 0 && ctrt__docker_container_moved(d, id, ref))
      continue;
    break;
  }
  ctrt__free(ref);
  return rc;
}

int ctrt__docker_container_send(ctrt__docker *d, const ctrt_container_id *id, const ctrt__docker_call *call,
                                const char *method, ctrt__http_response **out) {
  return container_call(d, id, call, method, CALL_SEND, (void **)out);
}

int ctrt__docker_container_open(ctrt__docker *d, const ctrt_container_id *id, const ctrt__docker_call *call,
                                const char *method, ctrt__http_stream **out) {
  return container_call(d, id, call, method, CALL_OPEN, (void **)out);
}

int ctrt__docker_container_hijack(ctrt__docker *d, const ctrt_container_id *id, const ctrt__docker_call *call,
                                  const char *method, ctrt__http_conn **out) {
  return container_call(d, id, call, method, CALL_HIJACK, (void **)out);
}

int ctrt__docker_inspect_container(ctrt__docker *d, const ctrt_container_id *id, const char *method, json_t **out) {
  *out = NULL;
  /* Every hand-written method that inspects its container (unpause, the
   * waits, the logs, archive, stdin) declares the same ContainerInspect;
   * test_docker_calls checks each one's request against its own. */
  char *suffix = NULL;
  ctrt__http_response *resp = NULL;
  int rc;
  if ((rc = ctrt__dockerreq_unpause_container_container_inspect(&suffix)) < 0)
    goto done;
  ctrt__docker_call call = {.suffix = suffix};
  if ((rc = ctrt__docker_container_send(d, id, &call, method, &resp)) < 0 ||
      (rc = ctrt__docker_parse_body(out, resp, method)) < 0)
    goto done;
  if (!json_is_object(*out)) {
    json_decref(*out);
    *out = NULL;
    rc = ctrt__error_internal("%s: the Docker daemon's inspect answer is not an object", method);
  }
done:
  ctrt__free(suffix);
  ctrt__http_response_free(resp);
  return rc;
}

int ctrt__docker_json_text(char **out, json_t *value) {
  *out = NULL;
  CTRT__CHECK_ALLOC(value);
  char *text = json_dumps(value, JSON_COMPACT);
  CTRT__CHECK_ALLOC(text);
  *out = text; /* jansson allocates with malloc, like ctrt__malloc */
  return 0;
}

int ctrt__docker_dup_nonempty(char **out, const json_t *value) {
  *out = NULL;
  const char *text = json_string_value(value);
  if (ctrt__docker_blank(text))
    return 0;
  CTRT__CHECK_ALLOC((*out = ctrt__strdup(text)));
  return 0;
}
