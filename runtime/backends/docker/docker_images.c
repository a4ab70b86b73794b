/* SPDX-License-Identifier: MIT */
/* Images: pulls with a policy and with streamed progress, list, prune,
 * inspect, load (streamed progress) and import. */
#include "backends/docker/docker_internal.h"

#include <stdio.h>

/* Statuses of POST /images/create (pull): the registry's refusals come as
 * 500; a manifest the registry lacks as 404 (not found). */
static const ctrt__docker_status pull_statuses[] = {{500, CTRT_ERROR_PULL_FAILED}};

/* GET /images/{name}/json: the parsed answer, or *out NULL when absent. */
static int inspect_image(ctrt__docker *d, const char *image, const char *method, json_t **out, bool missing_ok) {
  *out = NULL;
  /* pull_image_with_policy, pull_image_stream and import_image declare
   * this call alike. */
  char *path = NULL;
  int rc = ctrt__dockerreq_pull_image_stream_image_inspect(&path, image);
  if (rc < 0)
    return rc;
  ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
  req.path = path;
  ctrt__http_response *resp = NULL;
  rc = ctrt__http_do(d->client, &req, &resp);
  if (rc < 0) {
    rc = ctrt__error_wrap("%s", method);
  } else if (resp->status == 404 && missing_ok) {
    rc = 0;
  } else if (resp->status >= 400) {
    char context[512];
    snprintf(context, sizeof context, "GET %s", path);
    ctrt__docker_error_from_body(resp->status, resp->body, resp->body_len, context);
    rc = ctrt__error_wrap("%s", method);
  } else {
    rc = ctrt__docker_parse_body(out, resp, method);
  }
  ctrt__http_response_free(resp);
  ctrt__free(path);
  return rc;
}

/* The query and headers of a pull of image. */
static int pull_request(char **path, ctrt__dh *headers, const char *image, const ctrt_registry_auth *auth) {
  /* pull_image_stream and pull_image_with_policy declare the same call. */
  int rc;
  if ((rc = ctrt__dockerreq_pull_image_stream_image_create(path, image)) < 0)
    return rc;
  if (auth != NULL)
    ctrt__dh_add_registry_auth(headers, auth, image);
  return ctrt__dh_error(headers);
}

static int pull(ctrt__docker *d, const char *image, const ctrt_registry_auth *auth, const char *method) {
  char *path = NULL;
  ctrt__dh headers = CTRT__DH_INIT;
  ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
  int rc;
  if ((rc = pull_request(&path, &headers, image, auth)) < 0)
    goto done;
  req.method = "POST";
  req.path = path;
  req.headers = ctrt__dh_lines(&headers);
  rc = ctrt__docker_consume_progress(d, &req, pull_statuses, 1, method, NULL, NULL);
done:
  ctrt__dh_clear(&headers);
  ctrt__free(path);
  return rc;
}

int ctrt__docker_pull_image_with_policy(void *self, const char *image, ctrt_pull_policy policy,
                                        const ctrt_registry_auth *auth, ctrt_source_policy source_policy) {
  ctrt__docker *d = self;
  (void)source_policy; /* a daemon has one source: its registries */
  if (policy == CTRT_PULL_POLICY_IF_NOT_PRESENT || policy == CTRT_PULL_POLICY_NEVER) {
    json_t *found = NULL;
    int rc = inspect_image(d, image, "pull_image_with_policy", &found, true);
    bool present = found != NULL;
    json_decref(found);
    if (rc < 0 || present)
      return rc;
    if (policy == CTRT_PULL_POLICY_NEVER)
      return ctrt__error_not_found(image, "the image is not present and the pull policy is never");
  }
  return pull(d, image, auth, "pull_image_with_policy");
}

/* ---- pull_image_stream ---- */

typedef struct pull_stream {
  ctrt__docker *d;
  ctrt__http_stream *hs;
  ctrt__jsonl *lines;
  char *reference;
  char *digest;
  bool done;
} pull_stream;

static int pull_next(void *impl, void **item) {
  pull_stream *s = impl;
  if (s->done)
    return CTRT_ITEROVER;
  for (;;) {
    json_t *line = NULL;
    int rc = ctrt__jsonl_next(s->lines, ctrt__http_stream_pull, s->hs, &line);
    if (rc == CTRT_ITEROVER) {
      /* Exactly one done, at the end. */
      s->done = true;
      /* No "Digest:" line (Podman 4.3 sends none): the pulled image's
       * RepoDigests has it. */
      json_t *image = NULL;
      if (s->digest == NULL && inspect_image(s->d, s->reference, "pull_image_stream", &image, true) == 0) {
        const char *digest = ctrt__docker_repo_digest(json_object_get(image, "RepoDigests"), s->reference);
        if (digest != NULL && (s->digest = ctrt__strdup(digest)) == NULL) {
          json_decref(image);
          return ctrt__error_no_memory();
        }
      }
      json_decref(image);
      ctrt_error_clear();
      ctrt_pull_progress *p = ctrt__malloc(sizeof *p);
      CTRT__CHECK_ALLOC(p);
      *p = (ctrt_pull_progress)CTRT_PULL_PROGRESS_INIT;
      p->kind = CTRT_PULL_PROGRESS_DONE;
      p->done = (ctrt_pull_progress_done)CTRT_PULL_PROGRESS_DONE_INIT;
      p->done.reference = s->reference;
      p->done.digest = s->digest;
      s->reference = s->digest = NULL;
      *item = p;
      return 0;
    }
    if (rc < 0)
      return ctrt__error_wrap("pull_image_stream");
    const char *message = ctrt__docker_progress_error(line);
    if (message != NULL) {
      /* The daemon's message; it never carries the credentials. */
      rc =
          ctrt__error_set(CTRT_ERROR_PULL_FAILED, 0, "pull_image_stream: pull of %s failed: %s", s->reference, message);
      json_decref(line);
      return rc;
    }
    ctrt_pull_progress *p = NULL;
    rc = ctrt__docker_pull_event(&p, &s->digest, line);
    json_decref(line);
    if (rc < 0)
      return rc;
    if (p != NULL) {
      *item = p;
      return 0;
    }
  }
}

static void pull_cancel(void *impl) { ctrt__http_stream_cancel(((pull_stream *)impl)->hs); }

static void pull_destroy(void *impl) {
  pull_stream *s = impl;
  ctrt__http_stream_free(s->hs);
  ctrt__jsonl_free(s->lines);
  ctrt__free(s->reference);
  ctrt__free(s->digest);
  ctrt__free(s);
}

static const ctrt__stream_vtable pull_vtable = {
    .next = pull_next,
    .cancel = pull_cancel,
    .destroy = pull_destroy,
};

/* "repo:tag" (or "repo@digest") of what a pull of image fetches. */
static char *resolved_reference(const char *image) {
  char *repo = NULL, *tag = NULL;
  if (ctrt__docker_split_ref(image, &repo, &tag) < 0)
    return NULL;
  char *ref = tag ? ctrt__sprintf("%s:%s", repo, tag) : ctrt__strdup(repo);
  ctrt__free(repo);
  ctrt__free(tag);
  return ref;
}

int ctrt__docker_pull_image_stream(void *self, ctrt_pull_progress_stream **out, const char *image,
                                   const ctrt_registry_auth *auth) {
  ctrt__docker *d = self;
  pull_stream *s = ctrt__calloc(1, sizeof *s);
  CTRT__CHECK_ALLOC(s);
  char *path = NULL;
  ctrt__dh headers = CTRT__DH_INIT;
  ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
  ctrt__stream *stream = NULL;
  s->d = d;
  int rc;
  if ((s->reference = resolved_reference(image)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = ctrt__jsonl_new(&s->lines, 0)) < 0 || (rc = pull_request(&path, &headers, image, auth)) < 0)
    goto done;
  req.method = "POST";
  req.path = path;
  req.headers = ctrt__dh_lines(&headers);
  rc = ctrt__docker_open(d, &req, pull_statuses, 1, "pull_image_stream", &s->hs);
done:
  ctrt__dh_clear(&headers);
  ctrt__free(path);
  if (rc < 0) {
    pull_destroy(s);
    return rc;
  }
  rc = ctrt__stream_new(&stream, &pull_vtable, s, ctrt__pull_progress_stream_item_free);
  *out = (ctrt_pull_progress_stream *)stream;
  return rc;
}

/* ---- list, prune, inspect ---- */

/* ---- load ---- */

/* Lines read ahead while the upload was still going on. */
typedef struct queued {
  ctrt_load_progress *item;
  struct queued *next;
} queued;

typedef struct load_stream {
  ctrt__http_stream *hs;
  ctrt__jsonl *lines;
  queued *head, *tail;
  char **references;
  size_t n_references;
  int error; /* a failure met while reading ahead, reported in order */
  char message[CTRT__ERROR_MESSAGE_MAX];
  ctrt_error_kind kind;
  bool ended, done;
} load_stream;

static int add_reference(load_stream *s, char *reference) {
  char **grown = ctrt__realloc(s->references, (s->n_references + 1) * sizeof *grown);
  if (grown == NULL) {
    ctrt__free(reference);
    return ctrt__error_no_memory();
  }
  s->references = grown;
  s->references[s->n_references++] = reference;
  return 0;
}

/* The next event from the wire: 0 with *item (NULL at the end of the
 * answer), or an error. */
static int load_read(load_stream *s, ctrt_load_progress **item) {
  *item = NULL;
  for (;;) {
    json_t *line = NULL;
    int rc = ctrt__jsonl_next(s->lines, ctrt__http_stream_pull, s->hs, &line);
    if (rc == CTRT_ITEROVER)
      return 0;
    if (rc < 0)
      return ctrt__error_wrap("load_images");
    const char *message = ctrt__docker_progress_error(line);
    if (message != NULL) {
      /* A load fails on what it was given (Docker answers 200 first). */
      rc = ctrt__error_set(CTRT_ERROR_INVALID_SPEC, 0, "load_images: the Docker daemon refused the archive: %s",
                           message);
      json_decref(line);
      return rc;
    }
    char *loaded = NULL;
    rc = ctrt__docker_load_event(item, &loaded, line);
    json_decref(line);
    if (rc >= 0 && loaded != NULL)
      rc = add_reference(s, loaded);
    if (rc < 0) {
      ctrt_load_progress_free(*item);
      *item = NULL;
      return rc;
    }
    if (*item != NULL)
      return 0;
  }
}

static int load_done_item(load_stream *s, void **item) {
  ctrt_load_progress *p = ctrt__malloc(sizeof *p);
  CTRT__CHECK_ALLOC(p);
  *p = (ctrt_load_progress)CTRT_LOAD_PROGRESS_INIT;
  p->kind = CTRT_LOAD_PROGRESS_DONE;
  p->done = (ctrt_load_progress_done)CTRT_LOAD_PROGRESS_DONE_INIT;
  p->done.references = s->references;
  p->done.n_references = s->n_references;
  s->references = NULL;
  s->n_references = 0;
  *item = p;
  return 0;
}

static int load_next(void *impl, void **item) {
  load_stream *s = impl;
  if (s->head != NULL) {
    queued *q = s->head;
    s->head = q->next;
    if (s->head == NULL)
      s->tail = NULL;
    *item = q->item;
    ctrt__free(q);
    return 0;
  }
  if (s->error < 0) {
    int rc = ctrt__error_set(s->kind, 0, "%s", s->message);
    s->error = 0;
    s->done = true;
    return rc;
  }
  if (s->done)
    return CTRT_ITEROVER;
  if (!s->ended) {
    ctrt_load_progress *p = NULL;
    int rc = load_read(s, &p);
    if (rc < 0) {
      s->done = true;
      return rc;
    }
    if (p != NULL) {
      *item = p;
      return 0;
    }
    s->ended = true;
  }
  s->done = true;
  return load_done_item(s, item);
}

static void load_cancel(void *impl) { ctrt__http_stream_cancel(((load_stream *)impl)->hs); }

static void load_destroy(void *impl) {
  load_stream *s = impl;
  while (s->head) {
    queued *q = s->head;
    s->head = q->next;
    ctrt_load_progress_free(q->item);
    ctrt__free(q);
  }
  ctrt__clear_array_string(s->references, s->n_references);
  ctrt__http_stream_free(s->hs);
  ctrt__jsonl_free(s->lines);
  ctrt__free(s);
}

static const ctrt__stream_vtable load_vtable = {
    .next = load_next,
    .cancel = load_cancel,
    .destroy = load_destroy,
};

/* The caller may free the source once load_images returns: read the answer
 * ahead until the upload is complete (Docker reads the whole archive before
 * it says anything, so this queue stays empty in practice). */
static int load_read_ahead(load_stream *s, ctrt_byte_source *tar) {
  while (!ctrt__byte_source_done(tar) && !s->ended && s->error == 0) {
    ctrt_load_progress *p = NULL;
    int rc = load_read(s, &p);
    if (rc < 0) {
      s->error = rc;
      s->kind = ctrt_error_last()->kind;
      snprintf(s->message, sizeof s->message, "%s", ctrt_error_last()->message);
      break;
    }
    if (p == NULL) {
      s->ended = true;
      break;
    }
    queued *q = ctrt__malloc(sizeof *q);
    if (q == NULL) {
      ctrt_load_progress_free(p);
      return ctrt__error_no_memory();
    }
    q->item = p;
    q->next = NULL;
    if (s->tail)
      s->tail->next = q;
    else
      s->head = q;
    s->tail = q;
  }
  ctrt_error_clear();
  return 0;
}

int ctrt__docker_load_images(void *self, ctrt_load_progress_stream **out, ctrt_byte_source *tar, bool quiet) {
  ctrt__docker *d = self;
  load_stream *s = ctrt__calloc(1, sizeof *s);
  CTRT__CHECK_ALLOC(s);
  char *path = NULL;
  ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
  ctrt__stream *stream = NULL;
  static const ctrt__docker_status statuses[] = {{400, CTRT_ERROR_INVALID_SPEC}};
  int rc;
  if ((rc = ctrt__jsonl_new(&s->lines, 0)) < 0 || (rc = ctrt__dockerreq_load_images_image_load(&path, quiet)) < 0)
    goto done;
  req.method = "POST";
  req.path = path;
  req.content_type = "application/x-tar";
  req.upload = tar;
  if ((rc = ctrt__docker_open(d, &req, statuses, 1, "load_images", &s->hs)) < 0)
    goto done;
  rc = load_read_ahead(s, tar);
done:
  ctrt__free(path);
  if (rc < 0) {
    load_destroy(s);
    return rc;
  }
  rc = ctrt__stream_new(&stream, &load_vtable, s, ctrt__load_progress_stream_item_free);
  *out = (ctrt_load_progress_stream *)stream;
  return rc;
}

/* ---- import ---- */

/* Docker names the imported image in a {"status":"sha256:…"} line. */
static int import_line(void *ctx, const json_t *line) {
  char **id = ctx;
  const char *status = json_string_value(json_object_get(line, "status"));
  if (status == NULL || strncmp(status, "sha256:", 7) != 0)
    return 0;
  ctrt__free(*id);
  *id = ctrt__strdup(status);
  return *id == NULL ? ctrt__error_no_memory() : 0;
}

int ctrt__docker_import_image(void *self, char **out, ctrt_byte_source *tar, const char *repo, const char *tag) {
  ctrt__docker *d = self;
  /* A tag only with a repository, "latest" when none is given. */
  const char *wire_repo = ctrt__docker_blank(repo) ? NULL : repo;
  const char *wire_tag = wire_repo == NULL ? NULL : ctrt__docker_blank(tag) ? "latest" : tag;
  char *path = NULL, *id = NULL, *ref = NULL;
  json_t *image = NULL;
  ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
  static const ctrt__docker_status statuses[] = {{500, CTRT_ERROR_INVALID_SPEC}};
  int rc;
  if ((rc = ctrt__dockerreq_import_image_image_create(&path, wire_repo, wire_tag)) < 0)
    goto done;
  req.method = "POST";
  req.path = path;
  req.content_type = "application/x-tar"; /* dockerd refuses the upload without it */
  req.upload = tar;
  if ((rc = ctrt__docker_consume_progress(d, &req, statuses, 1, "import_image", import_line, &id)) < 0)
    goto done;
  if (id == NULL) {
    rc = ctrt__error_internal("import_image: the daemon did not name the imported image");
    goto done;
  }
  if (wire_repo != NULL) {
    /* The reference when the daemon gave the image that tag, else the id
     * it reported (an engine may tag otherwise: Podman 4.3 ignores tag). */
    if ((ref = ctrt__sprintf("%s:%s", wire_repo, wire_tag)) == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
    if ((rc = inspect_image(d, id, "import_image", &image, false)) < 0)
      goto done;
    size_t i;
    const json_t *t;
    json_array_foreach(json_object_get(image, "RepoTags"), i, t) {
      if (json_string_value(t) && strcmp(json_string_value(t), ref) == 0) {
        ctrt__free(id);
        id = ref;
        ref = NULL;
        break;
      }
    }
  }
  *out = id;
  id = NULL;
done:
  json_decref(image);
  ctrt__free(ref);
  ctrt__free(id);
  ctrt__free(path);
  return rc;
}
