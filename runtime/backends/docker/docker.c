/* SPDX-License-Identifier: MIT */
/* The Docker backend's descriptor and the helpers its generated and
 * hand-written halves share: opening, container references, query strings,
 * headers, exchanges with status tables, progress streams, byte streams. */
#include "backends/docker/docker_internal.h"

#include <inttypes.h>
#include <stdio.h>

/* ---- open / close ---- */

int ctrt__docker_init(ctrt__docker *d, const char *uri, const char *default_host, const char *peer,
                      const ctrt_open_options *options) {
  memset(d, 0, sizeof *d);
  ctrt__http_config cfg;
  int rc = ctrt__docker_config_from_env(&cfg);
  if (rc < 0)
    return rc;
  const char *host = uri != NULL && uri[0] != '\0' ? uri : default_host;
  if (host != NULL) {
    char *copy = ctrt__strdup(host);
    if (copy == NULL) {
      ctrt__http_config_clear(&cfg);
      return ctrt__error_no_memory();
    }
    ctrt__free(cfg.host);
    cfg.host = copy;
  }
  if (options != NULL && options->connect_timeout_ms)
    cfg.connect_timeout_ms = (long)options->connect_timeout_ms;
  if (options != NULL && options->request_timeout_ms)
    cfg.request_timeout_ms = (long)options->request_timeout_ms;
  if (peer != NULL)
    cfg.peer = peer;
  if (options != NULL && options->version >= 3)
    cfg.stream_idle_ms = (long)options->stream_idle_timeout_ms;
  pthread_mutex_init(&d->lock, NULL);
  d->exec_output_max = ctrt__exec_output_max(options);
  rc = ctrt__http_client_new(&d->client, &cfg);
  ctrt__http_config_clear(&cfg);
  if (rc < 0)
    goto done;
  d->label_key = ctrt__strdup(options && options->managed_label ? options->managed_label : CTRT__DEFAULT_MANAGED_LABEL);
  d->auth_socket_target = ctrt__strdup(options && options->auth_socket_target ? options->auth_socket_target
                                                                              : CTRT__DEFAULT_AUTH_SOCKET_TARGET);
  if (d->label_key == NULL || d->auth_socket_target == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  /* Fail at open, not at the first call, when the daemon is not there. */
  rc = ctrt__http_negotiate(d->client);
done:
  if (rc < 0)
    ctrt__docker_fini(d);
  return rc;
}

void ctrt__docker_fini(ctrt__docker *d) {
  for (size_t i = 0; i < d->n_known; i++) {
    ctrt__free(d->known[i].display);
    ctrt__free(d->known[i].docker_id);
  }
  ctrt__free(d->known);
  for (size_t i = 0; i < d->n_attaches; i++) {
    ctrt__free(d->attaches[i].display);
    ctrt__http_conn_free(d->attaches[i].conn);
  }
  ctrt__free(d->attaches);
  ctrt__http_client_free(d->client);
  ctrt__free(d->label_key);
  ctrt__free(d->auth_socket_target);
  pthread_mutex_destroy(&d->lock);
  memset(d, 0, sizeof *d);
}

static int docker_open(void **self, const char *uri, const ctrt_open_options *options) {
  ctrt__docker *d = ctrt__calloc(1, sizeof *d);
  CTRT__CHECK_ALLOC(d);
  int rc = ctrt__docker_init(d, uri, NULL, NULL, options); /* no URI: DOCKER_HOST */
  if (rc < 0) {
    ctrt__free(d);
    return rc;
  }
  *self = d;
  return 0;
}

static void docker_close(void *self) {
  ctrt__docker *d = self;
  if (d == NULL)
    return;
  ctrt__docker_fini(d);
  ctrt__free(d);
}

const ctrt_backend ctrt__docker_backend = {
    .abi_version = CTRT_BACKEND_ABI_VERSION,
    .name = "docker",
    .open = docker_open,
    .close = docker_close,
    .ops = &ctrt__docker_ops,
    .ops_size = sizeof ctrt__docker_ops,
    .engine = ctrt__docker_engine,
};

/* ---- containers ---- */

char *ctrt__docker_container_name(const ctrt_container_id *id) {
  return ctrt__sprintf("zlayer-%s-%" PRIu32, id->service, id->replica);
}

static char *display_of(const ctrt_container_id *id) {
  char *display = NULL;
  return ctrt_container_id_format(&display, id) == 0 ? display : NULL;
}

void ctrt__docker_remember(ctrt__docker *d, const ctrt_container_id *id, const char *docker_id) {
  char *display = display_of(id);
  char *copy = ctrt__strdup(docker_id);
  if (display == NULL || copy == NULL) {
    ctrt__free(display);
    ctrt__free(copy);
    return; /* only a cache: a miss costs a lookup later */
  }
  pthread_mutex_lock(&d->lock);
  for (size_t i = 0; i < d->n_known; i++) {
    if (strcmp(d->known[i].display, display) == 0) {
      ctrt__free(d->known[i].docker_id);
      d->known[i].docker_id = copy;
      copy = NULL;
      break;
    }
  }
  if (copy != NULL) {
    ctrt__docker_known *grown = ctrt__realloc(d->known, (d->n_known + 1) * sizeof *grown);
    if (grown != NULL) {
      d->known = grown;
      grown[d->n_known].display = display;
      grown[d->n_known++].docker_id = copy;
      display = copy = NULL;
    }
  }
  pthread_mutex_unlock(&d->lock);
  ctrt__free(display);
  ctrt__free(copy);
}

void ctrt__docker_forget(ctrt__docker *d, const ctrt_container_id *id) {
  char *display = display_of(id);
  if (display == NULL)
    return;
  pthread_mutex_lock(&d->lock);
  for (size_t i = 0; i < d->n_known; i++) {
    if (strcmp(d->known[i].display, display) == 0) {
      ctrt__free(d->known[i].display);
      ctrt__free(d->known[i].docker_id);
      d->known[i] = d->known[--d->n_known];
      break;
    }
  }
  pthread_mutex_unlock(&d->lock);
  ctrt__free(display);
}

static char *known_id(ctrt__docker *d, const char *display) {
  char *found = NULL;
  pthread_mutex_lock(&d->lock);
  for (size_t i = 0; i < d->n_known && found == NULL; i++)
    if (strcmp(d->known[i].display, display) == 0)
      found = ctrt__strdup(d->known[i].docker_id);
  pthread_mutex_unlock(&d->lock);
  return found;
}

/* The Docker id of the container labelled with id; NULL if none. The
 * request is adopt_container's declared ContainerList (the label filter). */
static int lookup_by_label(ctrt__docker *d, const ctrt_container_id *id, char **out) {
  *out = NULL;
  char *path = NULL;
  json_t *list = NULL;
  int rc;
  if ((rc = ctrt__dockerreq_adopt_container_container_list(&path, id, d->label_key)) < 0)
    goto done;
  ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
  req.path = path;
  if ((rc = ctrt__http_do_json(d->client, &req, NULL, &list)) < 0)
    goto done;
  const char *docker_id = json_string_value(json_object_get(json_array_get(list, 0), "Id"));
  if (docker_id && (*out = ctrt__strdup(docker_id)) == NULL)
    rc = ctrt__error_no_memory();
done:
  ctrt__free(path);
  json_decref(list);
  return rc;
}

int ctrt__docker_container(ctrt__docker *d, char **out, const ctrt_container_id *id, bool refresh) {
  *out = NULL;
  char *display = display_of(id);
  if (display == NULL)
    return ctrt__error_code();
  int rc = 0;
  char *ref = refresh ? NULL : known_id(d, display);
  if (ref == NULL && refresh) {
    if ((rc = lookup_by_label(d, id, &ref)) < 0)
      goto done;
    if (ref != NULL)
      ctrt__docker_remember(d, id, ref);
  }
  /* Not known nor labelled: its name. */
  if (ref == NULL && (ref = ctrt__docker_container_name(id)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  *out = ref;
  ref = NULL;
done:
  ctrt__free(display);
  ctrt__free(ref);
  return rc;
}

bool ctrt__docker_container_moved(ctrt__docker *d, const ctrt_container_id *id, const char *used) {
  /* Keep the not-found error for the caller whatever the lookup does (and
   * save it first: ctrt_container_id_format, a public call, clears it). */
  ctrt_error saved = *ctrt_error_last();
  char message[CTRT__ERROR_MESSAGE_MAX];
  snprintf(message, sizeof message, "%s", saved.message);
  char *found = NULL;
  bool moved = lookup_by_label(d, id, &found) == 0 && found && strcmp(found, used) != 0;
  if (moved)
    ctrt__docker_remember(d, id, found);
  else if (found == NULL)
    ctrt__docker_forget(d, id);
  ctrt__error_set(saved.kind, saved.http_status, "%s", message);
  ctrt__free(found);
  return moved;
}

/* ---- query strings and headers ---- */

static void dq_append(ctrt__dq *q, const char *text) {
  size_t n = strlen(text);
  if (q->error)
    return;
  if (q->len + n + 1 > q->cap) {
    size_t cap = q->cap ? q->cap * 2 : 128;
    while (cap < q->len + n + 1)
      cap *= 2;
    char *grown = ctrt__realloc(q->text, cap);
    if (grown == NULL) {
      q->error = ctrt__error_no_memory();
      return;
    }
    q->text = grown;
    q->cap = cap;
  }
  memcpy(q->text + q->len, text, n + 1);
  q->len += n;
}

void ctrt__dq_add(ctrt__dq *q, const char *name, const char *value) {
  if (value == NULL || q->error)
    return;
  char *escaped = ctrt__http_escape(value);
  if (escaped == NULL) {
    q->error = ctrt__error_code();
    return;
  }
  dq_append(q, q->len ? "&" : "?");
  dq_append(q, name);
  dq_append(q, "=");
  dq_append(q, escaped);
  ctrt__free(escaped);
}

void ctrt__dq_add_int(ctrt__dq *q, const char *name, int64_t value) {
  char text[32];
  snprintf(text, sizeof text, "%" PRId64, value);
  ctrt__dq_add(q, name, text);
}

void ctrt__dq_add_u64(ctrt__dq *q, const char *name, uint64_t value) {
  char text[32];
  snprintf(text, sizeof text, "%" PRIu64, value);
  ctrt__dq_add(q, name, text);
}

void ctrt__dq_add_joined(ctrt__dq *q, const char *name, const char *const *values, size_t n, const char *sep) {
  if (n == 0)
    return;
  size_t len = 1;
  for (size_t i = 0; i < n; i++)
    len += strlen(values[i]) + strlen(sep);
  char *joined = ctrt__malloc(len);
  if (joined == NULL) {
    q->error = ctrt__error_no_memory();
    return;
  }
  size_t used = 0, sep_len = strlen(sep);
  for (size_t i = 0; i < n; i++) {
    if (i) {
      memcpy(joined + used, sep, sep_len);
      used += sep_len;
    }
    size_t value_len = strlen(values[i]);
    memcpy(joined + used, values[i], value_len);
    used += value_len;
  }
  joined[used] = '\0';
  ctrt__dq_add(q, name, joined);
  ctrt__free(joined);
}

int ctrt__docker_split_ref(const char *reference, char **repo, char **tag) {
  *repo = *tag = NULL;
  const char *at = strchr(reference, '@');
  const char *slash = strrchr(reference, '/');
  const char *colon = at ? NULL : strrchr(slash ? slash : reference, ':');
  /* fromImage=repo@sha256:... goes whole, with no tag. */
  *repo = colon ? ctrt__strndup(reference, (size_t)(colon - reference)) : ctrt__strdup(reference);
  if (!at)
    *tag = ctrt__strdup(colon ? colon + 1 : "latest");
  if (*repo == NULL || (!at && *tag == NULL)) {
    ctrt__free(*repo);
    ctrt__free(*tag);
    *repo = *tag = NULL;
    return ctrt__error_no_memory();
  }
  return 0;
}

static void add_ref_part(ctrt__dq *q, const char *name, const char *reference, bool want_tag) {
  char *repo = NULL, *tag = NULL;
  if (reference == NULL || q->error)
    return;
  if (ctrt__docker_split_ref(reference, &repo, &tag) < 0) {
    q->error = ctrt__error_code();
    return;
  }
  ctrt__dq_add(q, name, want_tag ? tag : repo);
  ctrt__free(repo);
  ctrt__free(tag);
}

void ctrt__dq_add_ref_repo(ctrt__dq *q, const char *name, const char *reference) {
  add_ref_part(q, name, reference, false);
}

void ctrt__dq_add_ref_tag(ctrt__dq *q, const char *name, const char *reference) {
  add_ref_part(q, name, reference, true);
}

void ctrt__dq_add_container_name(ctrt__dq *q, const char *name, const ctrt_container_id *id) {
  if (q->error)
    return;
  char *engine_name = ctrt__docker_container_name(id);
  if (engine_name == NULL)
    q->error = ctrt__error_no_memory();
  ctrt__dq_add(q, name, engine_name);
  ctrt__free(engine_name);
}

void ctrt__dq_add_label_filter(ctrt__dq *q, const char *name, const char *label_key, const ctrt_container_id *id) {
  if (q->error)
    return;
  char *display = display_of(id);
  char *label = display ? ctrt__sprintf("%s=%s", label_key, display) : NULL;
  json_t *filters = label ? json_pack("{s:[s]}", "label", label) : NULL;
  char *text = filters ? json_dumps(filters, JSON_COMPACT) : NULL;
  if (text == NULL)
    q->error = ctrt__error_no_memory();
  ctrt__dq_add(q, name, text);
  ctrt__free(text);
  json_decref(filters);
  ctrt__free(label);
  ctrt__free(display);
}

const char *ctrt__dq_text(const ctrt__dq *q) { return q->text ? q->text : ""; }

int ctrt__dq_error(const ctrt__dq *q) { return q->error; }

void ctrt__dq_clear(ctrt__dq *q) {
  ctrt__free(q->text);
  *q = (ctrt__dq)CTRT__DQ_INIT;
}

void ctrt__dh_add(ctrt__dh *h, const char *name, const char *value) {
  if (h->error)
    return;
  char **grown = ctrt__realloc(h->lines, (h->n + 2) * sizeof *grown);
  if (grown == NULL) {
    h->error = ctrt__error_no_memory();
    return;
  }
  h->lines = grown;
  grown[h->n] = ctrt__sprintf("%s: %s", name, value);
  grown[h->n + 1] = NULL;
  if (grown[h->n] == NULL)
    h->error = ctrt__error_no_memory();
  else
    h->n++;
}

/* The registry a reference names ("127.0.0.1:5000/a/b" -> "127.0.0.1:5000";
 * none: Docker Hub's index). */
static char *registry_of(const char *reference) {
  const char *slash = reference ? strchr(reference, '/') : NULL;
  if (slash != NULL) {
    size_t n = (size_t)(slash - reference);
    if (memchr(reference, '.', n) || memchr(reference, ':', n) || (n == 9 && memcmp(reference, "localhost", 9) == 0))
      return ctrt__strndup(reference, n);
  }
  return ctrt__strdup("https://index.docker.io/v1/");
}

void ctrt__dh_add_registry_auth(ctrt__dh *h, const ctrt_registry_auth *auth, const char *reference) {
  char *server = registry_of(reference);
  char *value = NULL;
  if (server == NULL || ctrt__docker_registry_auth(&value, auth->username, auth->password, server) < 0) {
    h->error = server ? ctrt__error_code() : ctrt__error_no_memory();
  } else {
    ctrt__dh_add(h, "X-Registry-Auth", value);
  }
  if (value != NULL) {
    memset(value, 0, strlen(value)); /* it encodes the password */
    ctrt__free(value);
  }
  ctrt__free(server);
}

const char *const *ctrt__dh_lines(const ctrt__dh *h) { return (const char *const *)h->lines; }

int ctrt__dh_error(const ctrt__dh *h) { return h->error; }

void ctrt__dh_clear(ctrt__dh *h) {
  for (size_t i = 0; i < h->n; i++) {
    if (strncmp(h->lines[i], "X-Registry-Auth:", 16) == 0)
      memset(h->lines[i], 0, strlen(h->lines[i]));
    ctrt__free(h->lines[i]);
  }
  ctrt__free(h->lines);
  *h = (ctrt__dh)CTRT__DH_INIT;
}

char *ctrt__docker_escape_path(const char *text) { return ctrt__http_escape_keeping(text, "/:@"); }

/* ---- exchanges ---- */

/* The table's verdict on status: 1 success, 0 not listed, -code error. */
static int table_verdict(int status, const ctrt__docker_status *statuses, size_t n, ctrt_error_kind *kind) {
  for (size_t i = 0; i < n; i++) {
    if (statuses[i].status == status) {
      *kind = statuses[i].kind;
      return statuses[i].kind == CTRT_ERROR_NONE ? 1 : -1;
    }
  }
  return 0;
}

static int status_error(int status, const char *body, size_t len, const ctrt__http_request *req,
                        const ctrt__docker_status *statuses, size_t n, const char *method) {
  char context[512];
  snprintf(context, sizeof context, "%s %s", req->method ? req->method : "GET", req->path);
  int rc;
  (void)ctrt__docker_error_from_body(status, body, len, context); /* the message; the kind is the table's */
  ctrt_error_kind kind;
  if (table_verdict(status, statuses, n, &kind) < 0) {
    char message[CTRT__ERROR_MESSAGE_MAX];
    snprintf(message, sizeof message, "%s", ctrt_error_last()->message);
    rc = ctrt__error_set(kind, status, "%s: %s", method, message);
  } else {
    rc = ctrt__error_wrap("%s", method);
  }
  return rc;
}

int ctrt__docker_send(ctrt__docker *d, const ctrt__http_request *req, const ctrt__docker_status *statuses,
                      size_t n_statuses, const char *method, ctrt__http_response **out) {
  *out = NULL;
  ctrt__http_response *resp = NULL;
  int rc = ctrt__http_do(d->client, req, &resp);
  if (rc < 0)
    return ctrt__error_wrap("%s", method);
  ctrt_error_kind kind;
  int verdict = table_verdict(resp->status, statuses, n_statuses, &kind);
  if (verdict < 0 || (verdict == 0 && resp->status >= 400)) {
    rc = status_error(resp->status, resp->body, resp->body_len, req, statuses, n_statuses, method);
    ctrt__http_response_free(resp);
    return rc;
  }
  *out = resp;
  return 0;
}

int ctrt__docker_open(ctrt__docker *d, const ctrt__http_request *req, const ctrt__docker_status *statuses,
                      size_t n_statuses, const char *method, ctrt__http_stream **out) {
  *out = NULL;
  int rc = ctrt__http_stream_open(d->client, req, out);
  if (rc < 0) {
    /* The transport mapped a status >= 400 already; apply the table. */
    const ctrt_error *e = ctrt_error_last();
    ctrt_error_kind kind;
    if (e->http_status && table_verdict(e->http_status, statuses, n_statuses, &kind) < 0) {
      char message[CTRT__ERROR_MESSAGE_MAX];
      snprintf(message, sizeof message, "%s", e->message);
      return ctrt__error_set(kind, e->http_status, "%s: %s", method, message);
    }
    return ctrt__error_wrap("%s", method);
  }
  return 0;
}

const char *ctrt__docker_progress_error(const json_t *line) {
  const char *message = json_string_value(json_object_get(json_object_get(line, "errorDetail"), "message"));
  if (message == NULL)
    message = json_string_value(json_object_get(line, "error"));
  return message;
}

int ctrt__docker_consume_progress(ctrt__docker *d, const ctrt__http_request *req, const ctrt__docker_status *statuses,
                                  size_t n_statuses, const char *method, ctrt__docker_progress_fn on_line, void *ctx) {
  ctrt__http_stream *hs = NULL;
  int rc = ctrt__docker_open(d, req, statuses, n_statuses, method, &hs);
  if (rc < 0)
    return rc;
  ctrt__jsonl *lines = NULL;
  rc = ctrt__jsonl_new(&lines, 0);
  while (rc == 0) {
    json_t *line = NULL;
    rc = ctrt__jsonl_next(lines, ctrt__http_stream_pull, hs, &line);
    if (rc == CTRT_ITEROVER) {
      rc = 0;
      break;
    }
    if (rc < 0) {
      rc = ctrt__error_wrap("%s", method);
      break;
    }
    const char *message = ctrt__docker_progress_error(line);
    if (message != NULL) {
      ctrt_error_kind kind = CTRT_ERROR_INTERNAL;
      table_verdict(500, statuses, n_statuses, &kind);
      rc = ctrt__error_set(kind == CTRT_ERROR_NONE ? CTRT_ERROR_INTERNAL : kind, 0, "%s: %s", method, message);
    } else if (on_line != NULL) {
      rc = on_line(ctx, line);
    }
    json_decref(line);
  }
  ctrt__jsonl_free(lines);
  ctrt__http_stream_free(hs);
  return rc;
}

int ctrt__docker_need_body(const ctrt__http_response *resp, const char *method) {
  /* JSON was expected (Docker sends "null" for nothing): the daemon's
   * answer is wrong, not the caller's arguments. */
  if (resp->body_len == 0)
    return ctrt__error_internal("%s: the daemon answered HTTP %d with an empty body where JSON was expected", method,
                                resp->status);
  return 0;
}

int ctrt__docker_parse_body(json_t **out, const ctrt__http_response *resp, const char *method) {
  *out = NULL;
  int rc = ctrt__docker_need_body(resp, method);
  if (rc < 0)
    return rc;
  json_error_t err;
  *out = json_loadb(resp->body, resp->body_len, JSON_DECODE_ANY, &err);
  if (*out == NULL)
    return ctrt__error_internal("%s: the Docker daemon answered with invalid JSON: %s", method, err.text);
  return 0;
}

int ctrt__docker_invalid_json(const char *method) {
  char message[CTRT__ERROR_MESSAGE_MAX];
  snprintf(message, sizeof message, "%s", ctrt_error_last()->message);
  return ctrt__error_internal("%s: the Docker daemon answered with invalid JSON: %s", method, message);
}

int ctrt__docker_bad_answer(const char *method) {
  char message[CTRT__ERROR_MESSAGE_MAX];
  snprintf(message, sizeof message, "%s", ctrt_error_last()->message);
  return ctrt__error_internal("%s: unexpected answer from the daemon: %s", method, message);
}

/* ---- byte streams over a response ---- */

static int bytes_read(void *impl, void *buf, size_t cap, size_t *n_read) {
  return ctrt__http_stream_read(impl, buf, cap, n_read);
}

static void bytes_cancel(void *impl) { ctrt__http_stream_cancel(impl); }

static void bytes_destroy(void *impl) { ctrt__http_stream_free(impl); }

static const ctrt__stream_vtable bytes_vtable = {
    .read = bytes_read,
    .cancel = bytes_cancel,
    .destroy = bytes_destroy,
};

int ctrt__docker_byte_stream(ctrt__stream **out, ctrt__http_stream *hs) {
  return ctrt__stream_new(out, &bytes_vtable, hs, NULL);
}
