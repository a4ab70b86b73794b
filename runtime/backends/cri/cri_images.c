/* The cri backend's images beyond CRI's ImageService, through containerd's
 * own API on the same socket (namespace k8s.io, where CRI keeps its
 * images): Images for names and targets, Content for manifests, configs
 * and layers, Leases, Diff and Snapshots for unpacking, commit, export and
 * changes_container. CRI-O has none of
 * it: these methods are unsupported there, with that reason.
 *
 * An image is an Images record (name -> target descriptor); its manifest
 * (the platform's one under an index) names the config and the layers,
 * all blobs in Content. CRI names an image by its config digest (the
 * image id) and keeps a record of that name beside the tags.
 *
 * search_images has no entry here and stays unsupported: neither CRI nor
 * containerd's API searches, and a registry's /v2/_catalog (what the
 * private registry could answer) lists one registry's repository names
 * only, with no description, stars, official or automated flag: it is not
 * Docker's search, so nothing is made up from it. */
#include "backends/cri/cri_internal.h"
#include "containerd_images.pb-c.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define SNAPSHOTTER "overlayfs" /* CRI's default, and the fixture's */
#define CRI_IMAGE_LABEL "io.cri-containerd.image"
#define MT_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_LAYER "application/vnd.docker.image.rootfs.diff.tar"
#define MT_LAYER_GZIP "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MT_OCI_LAYER_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define WRITE_CHUNK ((size_t)1024 * 1024)   /* below containerd's 16 MiB message limit */
#define SMALL_FILE ((size_t)1024 * 1024)    /* archive files kept in memory (configs, manifests) */
#define BLOB_MAX ((size_t)16 * 1024 * 1024) /* manifests and configs read whole */

#if defined(__aarch64__)
#define HOST_ARCH "arm64"
#else
#define HOST_ARCH "amd64"
#endif

/* ---- calls ---- */

static int need_native(cri *c, const char *method) {
  if (c->containerd_version != NULL)
    return 0;
  int rc = ctrt__error_unsupported(method);
  ctrt__error_wrap("CRI has no such call and %s serves no containerd API", c->runtime_name);
  return rc;
}

static int ctd_call(cri *c, const ctrt__cri_rpc *rpc, const ProtobufCMessage *req, void *reply) {
  return ctrt__cri_call(c, rpc, c->deadline_ms, req, (void **)reply);
}

static bool last_is(ctrt_error_kind kind) { return ctrt_error_last()->kind == kind; }

/* ---- references ---- */

/* A reference as containerd stores it: docker.io/library/ for bare names,
 * :latest when no tag or digest; ids ("sha256:...") unchanged. */
static char *normalize(const char *ref) {
  if (strncmp(ref, "sha256:", 7) == 0)
    return ctrt__strdup(ref);
  const char *slash = strchr(ref, '/');
  char *full;
  if (slash == NULL) {
    full = ctrt__sprintf("docker.io/library/%s", ref);
  } else {
    size_t n = (size_t)(slash - ref);
    bool host = memchr(ref, '.', n) || memchr(ref, ':', n) || (n == 9 && strncmp(ref, "localhost", 9) == 0);
    full = host ? ctrt__strdup(ref) : ctrt__sprintf("docker.io/%s", ref);
  }
  if (full == NULL || strchr(full, '@') != NULL)
    return full;
  const char *last = strrchr(full, '/');
  if (strchr(last ? last : full, ':') != NULL)
    return full;
  char *tagged = ctrt__sprintf("%s:latest", full);
  ctrt__free(full);
  return tagged;
}

/* ---- content ---- */

/* A Content.Read of one blob, message by message. */
typedef struct blob_reader {
  ctrt__grpc_call *call;
} blob_reader;

static int blob_open(cri *c, blob_reader *r, const char *digest) {
  r->call = NULL;
  Ctrt__Containerd__ReadContentRequest req = CTRT__CONTAINERD__READ_CONTENT_REQUEST__INIT;
  req.digest = (char *)digest;
  return ctrt__cri_stream_open(c, ctrt__cricall_image_store_content_read(), NULL, 0, &req.base, &r->call);
}

/* The next piece of the blob (*msg owns *data), or CTRT_ITEROVER. */
static int blob_next(blob_reader *r, Ctrt__Containerd__ReadContentResponse **msg) {
  uint8_t *raw = NULL;
  size_t len = 0;
  int rc = ctrt__grpc_call_next(r->call, &raw, &len);
  if (rc != 0)
    return rc;
  *msg = ctrt__containerd__read_content_response__unpack(NULL, len, raw);
  ctrt__free(raw);
  return *msg ? 0 : ctrt__error_network("Content.Read: a reply is not a ReadContentResponse");
}

static void blob_close(blob_reader *r) {
  ctrt__grpc_call_free(r->call);
  r->call = NULL;
}

/* A blob read as a byte stream: the current message, the place in it. */
typedef struct blob_cursor {
  blob_reader r;
  Ctrt__Containerd__ReadContentResponse *msg;
  size_t pos;
} blob_cursor;

/* Up to cap bytes of the blob (opened) into buf; CTRT_ITEROVER at its end. */
static int cursor_read(blob_cursor *k, void *buf, size_t cap, size_t *n) {
  while (k->msg == NULL || k->pos >= k->msg->data.len) {
    ctrt__cri_unpacked_free(k->msg);
    k->msg = NULL;
    k->pos = 0;
    int rc = blob_next(&k->r, &k->msg);
    if (rc < 0)
      return rc;
  }
  *n = k->msg->data.len - k->pos < cap ? k->msg->data.len - k->pos : cap;
  memcpy(buf, k->msg->data.data + k->pos, *n);
  k->pos += *n;
  return 0;
}

static void cursor_close(blob_cursor *k) {
  blob_close(&k->r);
  ctrt__cri_unpacked_free(k->msg);
  k->msg = NULL;
  k->pos = 0;
}

/* A small blob (manifest, config) whole, NUL-terminated. */
static int read_blob(cri *c, const char *digest, char **out, size_t *out_len) {
  blob_reader r;
  char *buf = NULL;
  size_t len = 0;
  Ctrt__Containerd__ReadContentResponse *m = NULL;
  int rc;
  if ((rc = blob_open(c, &r, digest)) < 0)
    goto done;
  while ((rc = blob_next(&r, &m)) == 0) {
    if (len + m->data.len > BLOB_MAX) {
      rc = ctrt__error_internal("blob %s is larger than %zu bytes", digest, BLOB_MAX);
      goto done;
    }
    char *grown = ctrt__realloc(buf, len + m->data.len + 1);
    if (grown == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
    buf = grown;
    if (m->data.len)
      memcpy(buf + len, m->data.data, m->data.len);
    len += m->data.len;
    ctrt__cri_unpacked_free(m);
    m = NULL;
  }
  if (rc != CTRT_ITEROVER)
    goto done;
  if (buf == NULL && (buf = ctrt__malloc(1)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  buf[len] = '\0';
  *out = buf;
  buf = NULL;
  if (out_len)
    *out_len = len;
  rc = 0;
done:
  ctrt__cri_unpacked_free(m);
  blob_close(&r);
  ctrt__free(buf);
  return rc < 0 ? ctrt__error_wrap("Content.Read %s", digest) : rc;
}

static int read_json(cri *c, const char *digest, json_t **out) {
  char *text = NULL;
  size_t len = 0;
  int rc;
  if ((rc = read_blob(c, digest, &text, &len)) < 0)
    return rc;
  if ((rc = ctrt__json_parse(out, text, len)) < 0)
    ctrt__error_wrap("blob %s", digest);
  ctrt__free(text);
  return rc;
}

/* ---- images ---- */

static int get_image(cri *c, const char *name, Ctrt__Containerd__GetImageResponse **out) {
  Ctrt__Containerd__GetImageRequest req = CTRT__CONTAINERD__GET_IMAGE_REQUEST__INIT;
  req.name = (char *)name;
  int rc;
  if ((rc = ctd_call(c, ctrt__cricall_image_store_images_get(), &req.base, out)) < 0)
    return rc;
  if ((*out)->image == NULL || (*out)->image->target == NULL) {
    ctrt__cri_unpacked_free(*out);
    *out = NULL;
    return ctrt__error_not_found(name, "no such image");
  }
  return 0;
}

/* The containerd image a reference names: a tag (normalised as containerd
 * stores it), or anything CRI resolves (an id, a short id), looked up
 * natively so a tag made a moment ago is seen (CRI's own image cache
 * follows containerd's events, later). */
static int resolve(cri *c, const char *ref, Ctrt__Containerd__GetImageResponse **out) {
  *out = NULL;
  char *name = normalize(ref);
  CTRT__CHECK_ALLOC(name);
  int rc = get_image(c, name, out);
  ctrt__free(name);
  if (rc == 0 || !last_is(CTRT_ERROR_NOT_FOUND))
    return rc;
  ctrt_error_clear();
  Runtime__V1__ImageStatusResponse *st = NULL;
  if ((rc = ctrt__cri_image_status(c, ref, &st)) < 0)
    goto done;
  if (st->image == NULL) {
    rc = ctrt__error_not_found(ref, "no such image");
    goto done;
  }
  /* CRI keeps a record named by the id; else one of the tags. */
  rc = get_image(c, st->image->id, out);
  for (size_t i = 0; rc < 0 && last_is(CTRT_ERROR_NOT_FOUND) && i < st->image->n_repo_tags; i++)
    rc = get_image(c, st->image->repo_tags[i], out);
done:
  ctrt__cri_unpacked_free(st);
  if (rc < 0 && last_is(CTRT_ERROR_NOT_FOUND))
    return ctrt__error_not_found(ref, "no such image");
  return rc;
}

/* What a target leads to: the manifest (the host platform's under an
 * index) and the config. */
typedef struct parts {
  char *manifest_digest;
  json_t *manifest;
  char *config_digest;
  json_t *config;
} parts;

static void parts_clear(parts *p) {
  ctrt__free(p->manifest_digest);
  ctrt__free(p->config_digest);
  json_decref(p->manifest);
  json_decref(p->config);
  memset(p, 0, sizeof *p);
}

static const char *jstr(const json_t *obj, const char *key) { return json_string_value(json_object_get(obj, key)); }

/* The manifest of an index for this host (linux/HOST_ARCH), else the first. */
static const char *pick_manifest(const json_t *index) {
  const json_t *list = json_object_get(index, "manifests");
  const char *first = NULL;
  size_t i;
  const json_t *m;
  json_array_foreach(list, i, m) {
    const json_t *platform = json_object_get(m, "platform");
    const char *digest = jstr(m, "digest");
    if (first == NULL)
      first = digest;
    if (platform == NULL ||
        (strcmp(jstr(platform, "os") ? jstr(platform, "os") : "", "linux") == 0 &&
         strcmp(jstr(platform, "architecture") ? jstr(platform, "architecture") : "", HOST_ARCH) == 0))
      return digest;
  }
  return first;
}

static int load_parts(cri *c, const char *target_digest, parts *p) {
  memset(p, 0, sizeof *p);
  json_t *top = NULL;
  int rc;
  if ((rc = read_json(c, target_digest, &top)) < 0)
    return rc;
  if (json_object_get(top, "manifests") != NULL) {
    const char *digest = pick_manifest(top);
    p->manifest_digest = digest ? ctrt__strdup(digest) : NULL;
    json_decref(top);
    if (p->manifest_digest == NULL) {
      rc = ctrt__error_internal("the index %s names no manifest", target_digest);
      goto done;
    }
    if ((rc = read_json(c, p->manifest_digest, &p->manifest)) < 0)
      goto done;
  } else {
    p->manifest = top;
    if ((p->manifest_digest = ctrt__strdup(target_digest)) == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
  }
  const char *config = jstr(json_object_get(p->manifest, "config"), "digest");
  if (config == NULL) {
    rc = ctrt__error_internal("the manifest %s names no config", p->manifest_digest);
    goto done;
  }
  if ((p->config_digest = ctrt__strdup(config)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  rc = read_json(c, config, &p->config);
done:
  if (rc < 0)
    parts_clear(p);
  return rc;
}

/* The config digest (image id) a target leads to, or NULL. */
static char *config_of(cri *c, const char *target) {
  parts p;
  if (load_parts(c, target, &p) < 0) {
    ctrt_error_clear(); /* a record whose blobs are gone names no image */
    return NULL;
  }
  char *id = p.config_digest;
  p.config_digest = NULL;
  parts_clear(&p);
  return id;
}

static int push_name(ctrt_string_list *into, const char *name) {
  char **grown = ctrt__realloc(into->items, (into->n_items + 1) * sizeof *grown);
  CTRT__CHECK_ALLOC(grown);
  into->items = grown;
  CTRT__CHECK_ALLOC((grown[into->n_items] = ctrt__strdup(name)));
  into->n_items++;
  return 0;
}

/* The names of the image whose id is id (target: one manifest of it):
 * every record leading to the same config, as Docker counts an image's
 * tags (a pulled and a loaded copy have different manifests, one id).
 * Tags, repo@digest names; CRI's id record is left out. */
static int names_of(cri *c, const char *target, const char *id, ctrt_string_list *tags, ctrt_string_list *digests) {
  Ctrt__Containerd__ListImagesRequest req = CTRT__CONTAINERD__LIST_IMAGES_REQUEST__INIT;
  Ctrt__Containerd__ListImagesResponse *resp = NULL;
  /* Targets seen, and whether they lead to id. */
  ctrt_string_list same = {0}, other = {0};
  int rc;
  if ((rc = ctd_call(c, ctrt__cricall_image_store_images_list(), &req.base, &resp)) < 0)
    goto done;
  for (size_t i = 0; i < resp->n_images; i++) {
    const Ctrt__Containerd__Image *im = resp->images[i];
    if (im->target == NULL || strncmp(im->name, "sha256:", 7) == 0)
      continue;
    const char *t = im->target->digest;
    bool match = strcmp(t, target) == 0, known = match;
    for (size_t k = 0; !known && k < same.n_items; k++)
      known = match = strcmp(same.items[k], t) == 0;
    for (size_t k = 0; !known && k < other.n_items; k++)
      known = strcmp(other.items[k], t) == 0;
    if (!known) {
      char *cid = config_of(c, t);
      match = cid && strcmp(cid, id) == 0;
      ctrt__free(cid);
      if ((rc = push_name(match ? &same : &other, t)) < 0)
        goto done;
    }
    ctrt_string_list *into = strchr(im->name, '@') ? digests : tags;
    if (match && into && (rc = push_name(into, im->name)) < 0)
      goto done;
  }
done:
  ctrt_string_list_clear(&same);
  ctrt_string_list_clear(&other);
  ctrt__cri_unpacked_free(resp);
  return rc;
}

/* Whether Content holds every layer of p: containerd's unpacker does not
 * fetch a layer whose snapshot exists already (a pull of an image already
 * loaded), so a record can name blobs that are not there. */
static bool blobs_present(cri *c, const parts *p) {
  size_t i;
  const json_t *l;
  json_array_foreach(json_object_get(p->manifest, "layers"), i, l) {
    Ctrt__Containerd__ContentInfoRequest req = CTRT__CONTAINERD__CONTENT_INFO_REQUEST__INIT;
    req.digest = (char *)jstr(l, "digest");
    if (req.digest == NULL || ctd_call(c, ctrt__cricall_image_store_content_info(), &req.base, NULL) < 0) {
      ctrt_error_clear();
      return false;
    }
  }
  return true;
}

/* For reading layers (save, commit): another record of the same image
 * whose blobs are all there, when img's are not. Keeps img otherwise. */
static int prefer_complete(cri *c, Ctrt__Containerd__GetImageResponse **img, parts *p) {
  if (blobs_present(c, p))
    return 0;
  ctrt_string_list tags = {0};
  int rc;
  if ((rc = names_of(c, (*img)->image->target->digest, p->config_digest, &tags, NULL)) < 0)
    goto done;
  for (size_t i = 0; i < tags.n_items; i++) {
    Ctrt__Containerd__GetImageResponse *other = NULL;
    parts q;
    if (get_image(c, tags.items[i], &other) < 0 || load_parts(c, other->image->target->digest, &q) < 0) {
      ctrt_error_clear();
      ctrt__cri_unpacked_free(other);
      continue;
    }
    if (blobs_present(c, &q)) {
      ctrt__cri_unpacked_free(*img);
      parts_clear(p);
      *img = other;
      *p = q;
      break;
    }
    parts_clear(&q);
    ctrt__cri_unpacked_free(other);
  }
done:
  ctrt_string_list_clear(&tags);
  return rc;
}

/* resolve + load_parts, errors wrapped with method. */
static int open_image(cri *c, const char *ref, const char *method, Ctrt__Containerd__GetImageResponse **img, parts *p) {
  memset(p, 0, sizeof *p);
  if (need_native(c, method) < 0 || resolve(c, ref, img) < 0 || load_parts(c, (*img)->image->target->digest, p) < 0) {
    ctrt__cri_unpacked_free(*img);
    *img = NULL;
    return ctrt__error_wrap("%s", method);
  }
  return 0;
}

/* ---- JSON to ctrt values ---- */

static int dup_opt(char **out, const char *text) {
  if (text == NULL || text[0] == '\0')
    return 0;
  return (*out = ctrt__strdup(text)) ? 0 : ctrt__error_no_memory();
}

static int strings_of(const json_t *array, char ***out, size_t *n) {
  size_t count = json_array_size(array);
  if (count == 0)
    return 0;
  char **items = ctrt__calloc(count, sizeof *items);
  CTRT__CHECK_ALLOC(items);
  *out = items;
  size_t i;
  const json_t *v;
  json_array_foreach(array, i, v) {
    if (!json_is_string(v))
      continue;
    CTRT__CHECK_ALLOC((items[*n] = ctrt__strdup(json_string_value(v))));
    (*n)++;
  }
  return 0;
}

static uint64_t layers_size(const json_t *manifest) {
  uint64_t total = 0;
  size_t i;
  const json_t *l;
  json_array_foreach(json_object_get(manifest, "layers"), i, l) total +=
      (uint64_t)json_integer_value(json_object_get(l, "size"));
  return total;
}

/* ---- inspect_image_native ---- */

static int fill_inspect(cri *c, ctrt_image_inspect_info *info, const Ctrt__Containerd__Image *img, const parts *p) {
  const json_t *cfg = p->config;
  const json_t *run = json_object_get(cfg, "config");
  ctrt_string_list tags = {0}, digests = {0};
  int rc = names_of(c, img->target->digest, p->config_digest, &tags, &digests);
  info->repo_tags = tags.items;
  info->n_repo_tags = tags.n_items;
  info->repo_digests = digests.items;
  info->n_repo_digests = digests.n_items;
  info->has_size = true;
  info->size = layers_size(p->manifest);
  if (rc < 0 || (rc = dup_opt(&info->id, p->config_digest)) < 0 ||
      (rc = dup_opt(&info->created, jstr(cfg, "created"))) < 0 ||
      (rc = dup_opt(&info->author, jstr(cfg, "author"))) < 0 ||
      (rc = dup_opt(&info->comment, jstr(cfg, "comment"))) < 0 ||
      (rc = dup_opt(&info->container, jstr(cfg, "container"))) < 0 ||
      (rc = dup_opt(&info->docker_version, jstr(cfg, "docker_version"))) < 0 ||
      (rc = dup_opt(&info->architecture, jstr(cfg, "architecture"))) < 0 ||
      (rc = dup_opt(&info->os, jstr(cfg, "os"))) < 0 ||
      (rc = dup_opt(&info->working_dir, jstr(run, "WorkingDir"))) < 0 ||
      (rc = dup_opt(&info->user, jstr(run, "User"))) < 0 ||
      (rc = strings_of(json_object_get(json_object_get(cfg, "rootfs"), "diff_ids"), &info->layers, &info->n_layers)) <
          0 ||
      (rc = strings_of(json_object_get(run, "Env"), &info->env, &info->n_env)) < 0 ||
      (rc = strings_of(json_object_get(run, "Cmd"), &info->cmd, &info->n_cmd)) < 0 ||
      (rc = strings_of(json_object_get(run, "Entrypoint"), &info->entrypoint, &info->n_entrypoint)) < 0)
    return rc;
  const json_t *labels = json_object_get(run, "Labels");
  if (json_object_size(labels) == 0)
    return 0;
  info->labels = ctrt__calloc(json_object_size(labels), sizeof *info->labels);
  CTRT__CHECK_ALLOC(info->labels);
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)labels, key, v) {
    if (!json_is_string(v))
      continue;
    ctrt_string_map_entry *e = &info->labels[info->n_labels++];
    CTRT__CHECK_ALLOC((e->key = ctrt__strdup(key)));
    CTRT__CHECK_ALLOC((e->value = ctrt__strdup(json_string_value(v))));
  }
  return 0;
}

int ctrt__cri_inspect_image_native(void *self, ctrt_image_inspect_info **out, const char *image) {
  cri *c = self;
  Ctrt__Containerd__GetImageResponse *img = NULL;
  parts p;
  int rc = open_image(c, image, "inspect_image_native", &img, &p);
  if (rc < 0)
    return rc;
  ctrt_image_inspect_info *info = ctrt__calloc(1, sizeof *info);
  rc = info ? fill_inspect(c, info, img->image, &p) : ctrt__error_no_memory();
  parts_clear(&p);
  ctrt__cri_unpacked_free(img);
  if (rc < 0) {
    ctrt_image_inspect_info_free(info);
    return ctrt__error_wrap("inspect_image_native");
  }
  *out = info;
  return 0;
}

/* ---- image_history ---- */

static int64_t unix_seconds(const char *rfc3339) {
  ctrt_timestamp ts = {0};
  if (rfc3339 == NULL || ctrt__timestamp_parse(&ts, rfc3339) < 0) {
    ctrt_error_clear();
    return 0;
  }
  return ts.seconds;
}

/* The config's history (oldest first) reversed; each entry that made a
 * layer gets that layer's size from the manifest (as stored: compressed).
 * The newest entry is the image itself, with its tags; older ones have no
 * image of their own ("<missing>", as Docker says for pulled images). */
static int fill_history(cri *c, ctrt_image_history_entry_list *l, const Ctrt__Containerd__Image *img, const parts *p) {
  const json_t *history = json_object_get(p->config, "history");
  const json_t *layers = json_object_get(p->manifest, "layers");
  size_t n = json_array_size(history);
  l->items = ctrt__calloc(n ? n : 1, sizeof *l->items);
  CTRT__CHECK_ALLOC(l->items);
  size_t layer = 0;
  for (size_t i = 0; i < n; i++) {
    const json_t *h = json_array_get(history, i);
    ctrt_image_history_entry *e = &l->items[n - 1 - i];
    l->n_items++;
    e->created = unix_seconds(jstr(h, "created"));
    e->created_by = ctrt__strdup(jstr(h, "created_by") ? jstr(h, "created_by") : "");
    e->comment = ctrt__strdup(jstr(h, "comment") ? jstr(h, "comment") : "");
    if (!json_is_true(json_object_get(h, "empty_layer")))
      e->size = (uint64_t)json_integer_value(json_object_get(json_array_get(layers, layer++), "size"));
    e->id = ctrt__strdup(i == n - 1 ? p->config_digest : "<missing>");
    if (e->created_by == NULL || e->comment == NULL || e->id == NULL)
      return ctrt__error_no_memory();
  }
  if (n == 0) {
    /* No history recorded: the image alone. */
    ctrt_image_history_entry *e = &l->items[l->n_items++];
    e->created = unix_seconds(jstr(p->config, "created"));
    e->size = layers_size(p->manifest);
    if ((e->id = ctrt__strdup(p->config_digest)) == NULL || (e->created_by = ctrt__strdup("")) == NULL ||
        (e->comment = ctrt__strdup("")) == NULL)
      return ctrt__error_no_memory();
  }
  ctrt_string_list tags = {0};
  int rc = names_of(c, img->target->digest, p->config_digest, &tags, NULL);
  l->items[0].tags = tags.items;
  l->items[0].n_tags = tags.n_items;
  return rc;
}

int ctrt__cri_image_history(void *self, ctrt_image_history_entry_list **out, const char *image) {
  cri *c = self;
  Ctrt__Containerd__GetImageResponse *img = NULL;
  parts p;
  int rc = open_image(c, image, "image_history", &img, &p);
  if (rc < 0)
    return rc;
  ctrt_image_history_entry_list *l = ctrt__calloc(1, sizeof *l);
  rc = l ? fill_history(c, l, img->image, &p) : ctrt__error_no_memory();
  parts_clear(&p);
  ctrt__cri_unpacked_free(img);
  if (rc < 0) {
    ctrt_image_history_entry_list_free(l);
    return ctrt__error_wrap("image_history");
  }
  *out = l;
  return 0;
}

/* ---- tag_image ---- */

/* CRI's image store follows containerd's image events in a goroutine of
 * its own ("ImageCreate event" / "ImageDelete event" in containerd's log,
 * 1.6.20), so a record made or deleted natively reaches CRI's ListImages,
 * ImageStatus and CreateContainer a moment later. Wait until CRI's view
 * shows the change: name leading to the image id (id NULL: name gone), up
 * to a bound after which the native change stands on its own. */
#define CRI_SYNC_POLL_NS 5000000L /* 5 ms */
#define CRI_SYNC_MAX_S 10

static bool cri_shows(cri *c, const char *name, const char *id) {
  Runtime__V1__ImageStatusResponse *st = NULL;
  if (ctrt__cri_image_status(c, name, &st) < 0) {
    ctrt_error_clear();
    return false;
  }
  bool shown;
  if (id != NULL) {
    shown = st->image != NULL && strcmp(st->image->id, id) == 0;
  } else {
    shown = true;
    for (size_t i = 0; st->image != NULL && i < st->image->n_repo_tags; i++)
      shown = shown && strcmp(st->image->repo_tags[i], name) != 0;
  }
  ctrt__cri_unpacked_free(st);
  return shown;
}

static void await_cri(cri *c, const char *name, const char *id) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  while (!cri_shows(c, name, id)) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - start.tv_sec >= CRI_SYNC_MAX_S)
      return;
    struct timespec ts = {0, CRI_SYNC_POLL_NS};
    nanosleep(&ts, NULL);
  }
}

/* A record named name with img's target and labels: created, or moved
 * there when the name exists (Images.Update replaces the whole record);
 * returns once CRI sees name as the image id. */
static int put_image(cri *c, const Ctrt__Containerd__Image *img, const char *name, const char *id) {
  Ctrt__Containerd__Image copy = *img;
  copy.name = (char *)name;
  copy.created_at = copy.updated_at = NULL;
  Ctrt__Containerd__CreateImageRequest creq = CTRT__CONTAINERD__CREATE_IMAGE_REQUEST__INIT;
  creq.image = &copy;
  int rc = ctd_call(c, ctrt__cricall_image_store_images_create(), &creq.base, NULL);
  if (rc < 0 && last_is(CTRT_ERROR_CONFLICT)) {
    /* 1.6.20: ALREADY_EXISTS "image \"NAME\": already exists". */
    ctrt_error_clear();
    Ctrt__Containerd__UpdateImageRequest ureq = CTRT__CONTAINERD__UPDATE_IMAGE_REQUEST__INIT;
    ureq.image = &copy;
    rc = ctd_call(c, ctrt__cricall_image_store_images_update(), &ureq.base, NULL);
  }
  if (rc < 0)
    return rc;
  if (id != NULL)
    await_cri(c, name, id);
  return 0;
}

int ctrt__cri_tag_image(void *self, const char *source, const char *target) {
  cri *c = self;
  int rc = need_native(c, "tag_image");
  if (rc < 0)
    return rc;
  char *name = normalize(target);
  CTRT__CHECK_ALLOC(name);
  Ctrt__Containerd__GetImageResponse *img = NULL;
  char *id = NULL;
  if ((rc = resolve(c, source, &img)) < 0)
    goto done;
  id = config_of(c, img->image->target->digest);
  rc = put_image(c, img->image, name, id);
done:
  ctrt__free(id);
  ctrt__cri_unpacked_free(img);
  ctrt__free(name);
  return rc < 0 ? ctrt__error_wrap("tag_image") : 0;
}

/* ---- prune_images ---- */

static bool used_by(const Runtime__V1__ListContainersResponse *cs, const Runtime__V1__Image *im) {
  for (size_t i = 0; i < cs->n_containers; i++) {
    const Runtime__V1__Container *ct = cs->containers[i];
    if (strcmp(ct->image_ref, im->id) == 0 || (ct->image && strcmp(ct->image->image, im->id) == 0))
      return true;
  }
  return false;
}

/* Dangling: no tag, and no container (running or not) made from it. CRI
 * alone can tell both, so this needs no native API. */
int ctrt__cri_prune_images(void *self, ctrt_prune_result **out) {
  cri *c = self;
  Runtime__V1__ListImagesRequest ireq = RUNTIME__V1__LIST_IMAGES_REQUEST__INIT;
  Runtime__V1__ListImagesResponse *images = NULL;
  Runtime__V1__ListContainersRequest creq = RUNTIME__V1__LIST_CONTAINERS_REQUEST__INIT;
  Runtime__V1__ListContainersResponse *cs = NULL;
  ctrt_prune_result *r = NULL;
  int rc;
  if ((rc = ctrt__cri_call(c, ctrt__cricall_prune_images_image_list_images(), 0, &ireq.base, (void **)&images)) < 0 ||
      (rc = CRI_CALL(c, ctrt__cricall_prune_images_runtime_list_containers(), &creq, &cs)) < 0)
    goto done;
  if ((r = ctrt__calloc(1, sizeof *r)) == NULL ||
      (r->deleted = ctrt__calloc(images->n_images + 1, sizeof *r->deleted)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  for (size_t i = 0; i < images->n_images; i++) {
    const Runtime__V1__Image *im = images->images[i];
    if (im->n_repo_tags > 0 || used_by(cs, im))
      continue;
    Runtime__V1__ImageSpec spec = RUNTIME__V1__IMAGE_SPEC__INIT;
    spec.image = im->id;
    Runtime__V1__RemoveImageRequest rreq = RUNTIME__V1__REMOVE_IMAGE_REQUEST__INIT;
    rreq.image = &spec;
    if ((rc = ctrt__cri_call(c, ctrt__cricall_prune_images_image_remove_image(), 0, &rreq.base, NULL)) < 0)
      goto done;
    r->space_reclaimed += im->size;
    if ((r->deleted[r->n_deleted++] = ctrt__strdup(im->id)) == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
  }
done:
  ctrt__cri_unpacked_free(images);
  ctrt__cri_unpacked_free(cs);
  if (rc < 0) {
    ctrt_prune_result_free(r);
    return ctrt__error_wrap("prune_images");
  }
  *out = r;
  return 0;
}

/* ---- pull_image_stream ---- */

/* CRI's PullImage reports nothing until it is done, so the stream says
 * what can be said: that the pull starts, then (once done) the layers the
 * image is made of, its digest and the done event. No byte counts of a
 * transfer are made up. */
typedef struct pull_state {
  cri *c;
  char *ref;
  ctrt_registry_auth *auth;
  bool pulled;
  ctrt_pull_progress **queue; /* after the pull: statuses, then done */
  size_t n_queue, next;
} pull_state;

static void pull_state_free(void *state) {
  pull_state *s = state;
  ctrt__free(s->ref);
  ctrt_registry_auth_free(s->auth);
  for (size_t i = s->next; i < s->n_queue; i++)
    ctrt_pull_progress_free(s->queue[i]);
  ctrt__free(s->queue);
  ctrt__free(s);
}

static ctrt_pull_progress *status_item(const char *id, const char *text, bool has_total, uint64_t total) {
  ctrt_pull_progress *p = ctrt__calloc(1, sizeof *p);
  if (p == NULL)
    return NULL;
  p->kind = CTRT_PULL_PROGRESS_STATUS;
  p->status.status = ctrt__strdup(text);
  p->status.has_total = has_total;
  p->status.total = total;
  if (p->status.status == NULL || (id && (p->status.id = ctrt__strdup(id)) == NULL)) {
    ctrt_pull_progress_free(p);
    return NULL;
  }
  return p;
}

static int queue_push(pull_state *s, ctrt_pull_progress *p) {
  ctrt_pull_progress **grown = p ? ctrt__realloc(s->queue, (s->n_queue + 1) * sizeof *grown) : NULL;
  if (grown == NULL) {
    ctrt_pull_progress_free(p);
    return ctrt__error_no_memory();
  }
  s->queue = grown;
  s->queue[s->n_queue++] = p;
  return 0;
}

/* After the pull: one status per layer (native API), the digest, done. */
static int queue_outcome(pull_state *s) {
  cri *c = s->c;
  Runtime__V1__ImageStatusResponse *st = NULL;
  Ctrt__Containerd__GetImageResponse *img = NULL;
  parts p = {0};
  char *text = NULL;
  const char *digest = NULL;
  int rc;
  if ((rc = ctrt__cri_image_status(c, s->ref, &st)) < 0)
    goto done;
  if (st->image == NULL) {
    rc = ctrt__error_internal("the pulled image %s is not there", s->ref);
    goto done;
  }
  if (st->image->n_repo_digests > 0) {
    const char *at = strchr(st->image->repo_digests[0], '@');
    digest = at ? at + 1 : NULL;
  }
  if (c->containerd_version != NULL && resolve(c, s->ref, &img) == 0 &&
      load_parts(c, img->image->target->digest, &p) == 0) {
    size_t i;
    const json_t *l;
    json_array_foreach(json_object_get(p.manifest, "layers"), i, l) {
      const char *d = jstr(l, "digest");
      char id[13];
      snprintf(id, sizeof id, "%.12s", d && strlen(d) > 7 ? d + 7 : "?");
      if ((rc = queue_push(s, status_item(id, "Layer in place", true,
                                          (uint64_t)json_integer_value(json_object_get(l, "size"))))) < 0)
        goto done;
    }
  }
  ctrt_error_clear(); /* the layer list is a bonus: CRI said the pull is done */
  if (digest != NULL && (text = ctrt__sprintf("Digest: %s", digest)) != NULL &&
      (rc = queue_push(s, status_item(NULL, text, false, 0))) < 0)
    goto done;
  ctrt__free(text);
  text = ctrt__sprintf("Status: pulled %s", s->ref);
  if ((rc = queue_push(s, text ? status_item(NULL, text, false, 0) : NULL)) < 0)
    goto done;
  ctrt_pull_progress *last = ctrt__calloc(1, sizeof *last);
  if (last != NULL) {
    last->kind = CTRT_PULL_PROGRESS_DONE;
    last->done.reference = ctrt__strdup(s->ref);
    if (digest)
      last->done.digest = ctrt__strdup(digest);
    if (last->done.reference == NULL || (digest && last->done.digest == NULL)) {
      ctrt_pull_progress_free(last);
      last = NULL;
    }
  }
  rc = queue_push(s, last); /* NULL: out of memory */
done:
  ctrt__free(text);
  parts_clear(&p);
  ctrt__cri_unpacked_free(img);
  ctrt__cri_unpacked_free(st);
  return rc;
}

static int pull_next(void *state, void **item) {
  pull_state *s = state;
  if (!s->pulled) {
    s->pulled = true;
    /* The first item comes before the pull blocks. */
    char *text = ctrt__sprintf("Pulling %s", s->ref);
    ctrt_pull_progress *p = text ? status_item(NULL, text, false, 0) : NULL;
    ctrt__free(text);
    CTRT__CHECK_ALLOC(p);
    *item = p;
    return 0;
  }
  if (s->queue == NULL) {
    int rc;
    if ((rc = ctrt__cri_pull(s->c, s->ref, s->auth, "pull_image_stream")) < 0 || (rc = queue_outcome(s)) < 0)
      return rc;
  }
  if (s->next >= s->n_queue)
    return CTRT_ITEROVER;
  *item = s->queue[s->next++];
  return 0;
}

int ctrt__cri_pull_image_stream(void *self, ctrt_pull_progress_stream **out, const char *image,
                                const ctrt_registry_auth *auth) {
  static const ctrt_stream_methods methods = {.next = pull_next, .destroy = pull_state_free};
  pull_state *s = ctrt__calloc(1, sizeof *s);
  CTRT__CHECK_ALLOC(s);
  s->c = self;
  s->ref = ctrt__strdup(image);
  if (s->ref == NULL || (auth && ctrt_registry_auth_copy(&s->auth, auth) < 0)) {
    pull_state_free(s);
    return ctrt__error_no_memory();
  }
  return ctrt_pull_progress_stream_new(out, &methods, s);
}

/* ---- remove_image ---- */

/* Only the tag name goes (Images.Delete of that record); returns once CRI
 * no longer lists it. */
static int untag(cri *c, char *name) {
  Ctrt__Containerd__DeleteImageRequest dreq = CTRT__CONTAINERD__DELETE_IMAGE_REQUEST__INIT;
  dreq.name = name;
  int rc;
  if ((rc = ctd_call(c, ctrt__cricall_image_store_images_delete(), &dreq.base, NULL)) < 0)
    return rc;
  await_cri(c, name, NULL);
  return 0;
}

/* Docker's removal on containerd's records, where CRI's RemoveImage of
 * one tag would remove the image with all its tags (containerd 1.6.20): a
 * tag of an image with other tags is only untagged (Images.Delete of that
 * name); an image a running container uses stays, even forced; an id
 * naming several tags, or an image a stopped container uses, goes only
 * when forced, and then CRI removes it whole. */
static int remove_native(cri *c, const char *image, bool force) {
  Ctrt__Containerd__GetImageResponse *img = NULL;
  parts p = {0};
  ctrt_string_list tags = {0};
  Runtime__V1__ListContainersRequest creq = RUNTIME__V1__LIST_CONTAINERS_REQUEST__INIT;
  Runtime__V1__ListContainersResponse *cs = NULL;
  char *name = normalize(image);
  int rc;
  if (name == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = resolve(c, image, &img)) < 0 || (rc = load_parts(c, img->image->target->digest, &p)) < 0 ||
      (rc = names_of(c, img->image->target->digest, p.config_digest, &tags, NULL)) < 0)
    goto done;
  bool by_tag = false;
  for (size_t i = 0; i < tags.n_items; i++)
    by_tag = by_tag || strcmp(tags.items[i], name) == 0;
  if (by_tag && tags.n_items > 1) {
    rc = untag(c, name);
    goto done;
  }
  if ((rc = CRI_CALL(c, ctrt__cricall_remove_image_runtime_list_containers(), &creq, &cs)) < 0)
    goto done;
  const char *running = NULL, *stopped = NULL;
  for (size_t i = 0; i < cs->n_containers; i++) {
    const Runtime__V1__Container *ct = cs->containers[i];
    if (strcmp(ct->image_ref, p.config_digest) != 0)
      continue;
    if (ct->state == RUNTIME__V1__CONTAINER_STATE__CONTAINER_RUNNING)
      running = ct->id;
    else
      stopped = ct->id;
  }
  if (running) {
    rc = ctrt__error_conflict("image %s is used by the running container %.12s", image, running);
    goto done;
  }
  if (!force && !by_tag && tags.n_items > 1) {
    rc = ctrt__error_conflict("image %s has %zu tags: removing it by id needs force", image, tags.n_items);
    goto done;
  }
  if (!force && stopped) {
    rc = ctrt__error_conflict("image %s is used by the stopped container %.12s", image, stopped);
    goto done;
  }
  Runtime__V1__ImageSpec spec = RUNTIME__V1__IMAGE_SPEC__INIT;
  spec.image = p.config_digest;
  Runtime__V1__RemoveImageRequest rreq = RUNTIME__V1__REMOVE_IMAGE_REQUEST__INIT;
  rreq.image = &spec;
  rc = ctrt__cri_call(c, ctrt__cricall_remove_image_image_remove_image(), 0, &rreq.base, NULL);
done:
  ctrt__cri_unpacked_free(cs);
  ctrt_string_list_clear(&tags);
  parts_clear(&p);
  ctrt__cri_unpacked_free(img);
  ctrt__free(name);
  return rc;
}

int ctrt__cri_remove_image(void *self, const char *image, bool force) {
  cri *c = self;
  if (c->containerd_version == NULL)
    return ctrt__cri_remove_image_cri(c, image, force);
  return remove_native(c, image, force) < 0 ? ctrt__error_wrap("remove_image") : 0;
}

/* ---- writing: leases, Content.Write, unpacking ---- */

/* The metadata of calls made under a lease: what they create is kept
 * until the lease goes (containerd's garbage collector ignores it). */
typedef struct lease {
  char id[64];
  char header[96];
  const char *md[3];
} lease;

static int lease_begin(cri *c, lease *l) {
  static unsigned serial;
  snprintf(l->id, sizeof l->id, "ctrt-%ld-%u-%ld", (long)getpid(), __atomic_add_fetch(&serial, 1, __ATOMIC_RELAXED),
           (long)time(NULL));
  snprintf(l->header, sizeof l->header, "containerd-lease: %s", l->id);
  l->md[0] = ctrt__cri_containerd_md[0];
  l->md[1] = l->header;
  l->md[2] = NULL;
  /* Expires by itself should the process die before lease_end. */
  char expire[40];
  time_t when = time(NULL) + 3600;
  struct tm tm;
  strftime(expire, sizeof expire, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&when, &tm));
  Ctrt__Containerd__LeaseCreateRequest__LabelsEntry label = CTRT__CONTAINERD__LEASE_CREATE_REQUEST__LABELS_ENTRY__INIT;
  label.key = "containerd.io/gc.expire";
  label.value = expire;
  Ctrt__Containerd__LeaseCreateRequest__LabelsEntry *labels[] = {&label};
  Ctrt__Containerd__LeaseCreateRequest req = CTRT__CONTAINERD__LEASE_CREATE_REQUEST__INIT;
  req.id = l->id;
  req.n_labels = 1;
  req.labels = labels;
  return ctd_call(c, ctrt__cricall_lease_leases_create(), &req.base, NULL);
}

static void lease_end(cri *c, lease *l) {
  ctrt_error saved = *ctrt_error_last();
  Ctrt__Containerd__LeaseDeleteRequest req = CTRT__CONTAINERD__LEASE_DELETE_REQUEST__INIT;
  req.id = l->id;
  ctd_call(c, ctrt__cricall_lease_leases_delete(), &req.base, NULL);
  /* A failed delete leaves a lease that expires: keep the caller's error. */
  ctrt__error_set(saved.kind, saved.http_status, "%s", saved.message);
}

static int lease_call(cri *c, const lease *l, const ctrt__cri_rpc *rpc, const ProtobufCMessage *req, void *reply) {
  return ctrt__cri_call_md(c, rpc, l->md, c->deadline_ms, req, (void **)reply);
}

/* One Content.Write message on a call of its own (the writer of ref is
 * resumed by the next call); the replies are read and dropped. */
static int write_message(cri *c, const lease *l, const Ctrt__Containerd__WriteContentRequest *req) {
  ctrt__grpc_call *call = NULL;
  int rc = ctrt__cri_stream_open(c, ctrt__cricall_layers_content_write(), l->md, c->deadline_ms, &req->base, &call);
  if (rc < 0)
    return rc;
  do {
    uint8_t *msg = NULL;
    size_t n = 0;
    rc = ctrt__grpc_call_next(call, &msg, &n);
    ctrt__free(msg);
  } while (rc == 0);
  ctrt__grpc_call_free(call);
  return rc == CTRT_ITEROVER ? 0 : rc;
}

/* A blob being written: chunks as they come, its digest computed here. */
typedef struct blob_writer {
  char ref[96];
  int64_t offset;
  ctrt__sha256 sha;
  uint8_t head[2]; /* the first bytes: gzip or not */
} blob_writer;

static void writer_begin(blob_writer *w, const lease *l, unsigned n) {
  memset(w, 0, sizeof *w);
  snprintf(w->ref, sizeof w->ref, "%s-%u", l->id, n);
  ctrt__sha256_init(&w->sha);
}

static int writer_put(cri *c, const lease *l, blob_writer *w, const void *data, size_t len) {
  if (w->offset < 2)
    for (size_t i = 0; i < len && w->offset + (int64_t)i < 2; i++)
      w->head[w->offset + i] = ((const uint8_t *)data)[i];
  ctrt__sha256_update(&w->sha, data, len);
  Ctrt__Containerd__WriteContentRequest req = CTRT__CONTAINERD__WRITE_CONTENT_REQUEST__INIT;
  req.action = CTRT__CONTAINERD__WRITE_ACTION__WRITE;
  req.ref = w->ref;
  req.offset = w->offset;
  req.data.data = (uint8_t *)data;
  req.data.len = len;
  int rc;
  if ((rc = write_message(c, l, &req)) < 0)
    return rc;
  w->offset += (int64_t)len;
  return 0;
}

/* Commit under the digest computed; content already there is fine. */
static int writer_commit(cri *c, const lease *l, blob_writer *w, char digest[72],
                         Ctrt__Containerd__WriteContentRequest__LabelsEntry **labels, size_t n_labels) {
  uint8_t raw[32];
  char hex[65];
  ctrt__sha256_final(&w->sha, raw);
  ctrt__sha256_hex(raw, hex);
  snprintf(digest, 72, "sha256:%s", hex);
  Ctrt__Containerd__WriteContentRequest req = CTRT__CONTAINERD__WRITE_CONTENT_REQUEST__INIT;
  req.action = CTRT__CONTAINERD__WRITE_ACTION__COMMIT;
  req.ref = w->ref;
  req.offset = w->offset;
  req.total = w->offset;
  req.expected = digest;
  req.n_labels = n_labels;
  req.labels = labels;
  int rc = write_message(c, l, &req);
  if (rc < 0 && last_is(CTRT_ERROR_CONFLICT)) {
    ctrt_error_clear(); /* "blob with expected digest ... exists" */
    Ctrt__Containerd__AbortRequest abort = CTRT__CONTAINERD__ABORT_REQUEST__INIT;
    abort.ref = w->ref;
    lease_call(c, l, ctrt__cricall_layers_content_abort(), &abort.base, NULL);
    ctrt_error_clear();
    rc = 0;
  }
  return rc;
}

/* A whole buffer as a blob. */
static int write_buffer(cri *c, const lease *l, unsigned n, const void *data, size_t len, char digest[72],
                        Ctrt__Containerd__WriteContentRequest__LabelsEntry **labels, size_t n_labels) {
  blob_writer w;
  writer_begin(&w, l, n);
  int rc;
  for (size_t off = 0; off < len; off += WRITE_CHUNK)
    if ((rc = writer_put(c, l, &w, (const uint8_t *)data + off, len - off < WRITE_CHUNK ? len - off : WRITE_CHUNK)) < 0)
      return rc;
  return writer_commit(c, l, &w, digest, labels, n_labels);
}

/* The chain id of layers 0..i: diff id 0, then sha256("PARENT DIFFID"). */
static void chain_next(char chain[72], const char *diff_id) {
  if (chain[0] == '\0') {
    snprintf(chain, 72, "%s", diff_id);
    return;
  }
  char text[160];
  int n = snprintf(text, sizeof text, "%s %s", chain, diff_id);
  char *d = ctrt__sha256_digest_string(text, (size_t)n);
  snprintf(chain, 72, "%s", d ? d : "");
  ctrt__free(d);
}

static int snapshot_exists(cri *c, const char *key, bool *exists) {
  Ctrt__Containerd__StatSnapshotRequest req = CTRT__CONTAINERD__STAT_SNAPSHOT_REQUEST__INIT;
  req.snapshotter = SNAPSHOTTER;
  req.key = (char *)key;
  int rc = ctd_call(c, ctrt__cricall_layers_snapshots_stat(), &req.base, NULL);
  *exists = rc == 0;
  if (rc < 0 && last_is(CTRT_ERROR_NOT_FOUND)) {
    ctrt_error_clear();
    return 0;
  }
  return rc;
}

/* One layer onto its parent's snapshot, committed as chain (what CRI's
 * CreateContainer looks for): Prepare, Diff.Apply, Commit. */
static int apply_layer(cri *c, const lease *l, const char *parent, const char *chain, const char *media_type,
                       const char *digest, int64_t size, const char *diff_id) {
  char key[160];
  snprintf(key, sizeof key, "%s-extract %s", l->id, chain);
  Ctrt__Containerd__PrepareSnapshotRequest preq = CTRT__CONTAINERD__PREPARE_SNAPSHOT_REQUEST__INIT;
  preq.snapshotter = SNAPSHOTTER;
  preq.key = key;
  preq.parent = (char *)parent;
  Ctrt__Containerd__PrepareSnapshotResponse *mounts = NULL;
  int rc = lease_call(c, l, ctrt__cricall_layers_snapshots_prepare(), &preq.base, &mounts);
  if (rc < 0)
    return rc;
  Ctrt__Containerd__Descriptor desc = CTRT__CONTAINERD__DESCRIPTOR__INIT;
  desc.media_type = (char *)media_type;
  desc.digest = (char *)digest;
  desc.size = size;
  Ctrt__Containerd__ApplyRequest areq = CTRT__CONTAINERD__APPLY_REQUEST__INIT;
  areq.diff = &desc;
  areq.n_mounts = mounts->n_mounts;
  areq.mounts = mounts->mounts;
  Ctrt__Containerd__ApplyResponse *applied = NULL;
  Ctrt__Containerd__CommitSnapshotRequest creq = CTRT__CONTAINERD__COMMIT_SNAPSHOT_REQUEST__INIT;
  creq.snapshotter = SNAPSHOTTER;
  creq.name = (char *)chain;
  creq.key = key;
  if ((rc = lease_call(c, l, ctrt__cricall_layers_diff_apply(), &areq.base, &applied)) < 0)
    goto done;
  if (applied->applied == NULL || strcmp(applied->applied->digest, diff_id) != 0) {
    rc = ctrt__error_invalid_spec("layer %s unpacks to %s, but the config says %s", digest,
                                  applied->applied ? applied->applied->digest : "nothing", diff_id);
    goto done;
  }
  rc = lease_call(c, l, ctrt__cricall_layers_snapshots_commit(), &creq.base, NULL);
done:
  if (rc < 0 && last_is(CTRT_ERROR_CONFLICT))
    rc = 0, ctrt_error_clear(); /* unpacked meanwhile by another load */
  if (rc < 0) {
    ctrt_error saved = *ctrt_error_last();
    Ctrt__Containerd__RemoveSnapshotRequest rreq = CTRT__CONTAINERD__REMOVE_SNAPSHOT_REQUEST__INIT;
    rreq.snapshotter = SNAPSHOTTER;
    rreq.key = key;
    lease_call(c, l, ctrt__cricall_layers_snapshots_remove(), &rreq.base, NULL);
    rc = ctrt__error_set(saved.kind, saved.http_status, "%s", saved.message);
  }
  ctrt__cri_unpacked_free(applied);
  ctrt__cri_unpacked_free(mounts);
  return rc;
}

/* A layer as written: its blob and what the config says it unpacks to. */
typedef struct layer_blob {
  char digest[72];
  int64_t size;
  bool gzip;
} layer_blob;

/* An image from a config and its layers (blobs already written, in the
 * config's order): unpacked into the snapshotter, config and manifest
 * written with the labels that keep what they use, and recorded under
 * each name (none: under the id, as CRI does). *id gets the config
 * digest. */
static int create_image(cri *c, const lease *l, const char *config, size_t config_len, const layer_blob *layers,
                        size_t n_layers, char *const *names, size_t n_names, char id[72]) {
  json_t *cfg = NULL, *m = NULL;
  char *text = NULL;
  Ctrt__Containerd__WriteContentRequest__LabelsEntry *refs = NULL, **ref_ptrs = NULL;
  char(*keys)[64] = NULL;
  char chain[72] = "", parent[72] = "", manifest[72] = "";
  int rc;
  if ((rc = ctrt__json_parse(&cfg, config, config_len)) < 0)
    goto done;
  const json_t *diff_ids = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
  if (json_array_size(diff_ids) != n_layers) {
    rc = ctrt__error_invalid_spec("the config lists %zu layers, the archive %zu", json_array_size(diff_ids), n_layers);
    goto done;
  }
  for (size_t i = 0; i < n_layers; i++) {
    const char *diff_id = json_string_value(json_array_get(diff_ids, i));
    if (diff_id == NULL) {
      rc = ctrt__error_invalid_spec("the config's diff id %zu is not a string", i);
      goto done;
    }
    snprintf(parent, sizeof parent, "%s", chain);
    chain_next(chain, diff_id);
    bool exists = false;
    if ((rc = snapshot_exists(c, chain, &exists)) < 0)
      goto done;
    if (!exists && (rc = apply_layer(c, l, parent, chain, layers[i].gzip ? MT_LAYER_GZIP : MT_LAYER, layers[i].digest,
                                     layers[i].size, diff_id)) < 0)
      goto done;
  }
  /* The config keeps the unpacked snapshot, the manifest the blobs. */
  Ctrt__Containerd__WriteContentRequest__LabelsEntry snap = CTRT__CONTAINERD__WRITE_CONTENT_REQUEST__LABELS_ENTRY__INIT;
  snap.key = "containerd.io/gc.ref.snapshot." SNAPSHOTTER;
  snap.value = chain;
  Ctrt__Containerd__WriteContentRequest__LabelsEntry *snap_labels[] = {&snap};
  if ((rc = write_buffer(c, l, 1000000, config, config_len, id, snap_labels, chain[0] ? 1 : 0)) < 0)
    goto done;
  if ((m = json_pack("{s:i, s:s, s:{s:s, s:I, s:s}, s:[]}", "schemaVersion", 2, "mediaType", MT_MANIFEST, "config",
                     "mediaType", MT_CONFIG, "size", (json_int_t)config_len, "digest", id, "layers")) == NULL ||
      (refs = ctrt__calloc(n_layers + 1, sizeof *refs)) == NULL ||
      (ref_ptrs = ctrt__calloc(n_layers + 1, sizeof *ref_ptrs)) == NULL ||
      (keys = ctrt__calloc(n_layers + 1, sizeof *keys)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  for (size_t i = 0; i <= n_layers; i++) {
    refs[i] =
        (Ctrt__Containerd__WriteContentRequest__LabelsEntry)CTRT__CONTAINERD__WRITE_CONTENT_REQUEST__LABELS_ENTRY__INIT;
    refs[i].key = keys[i];
    ref_ptrs[i] = &refs[i];
    if (i == n_layers) {
      snprintf(keys[i], sizeof keys[i], "containerd.io/gc.ref.content.config");
      refs[i].value = id;
      continue;
    }
    snprintf(keys[i], sizeof keys[i], "containerd.io/gc.ref.content.l.%zu", i);
    refs[i].value = (char *)layers[i].digest;
    if (json_array_append_new(json_object_get(m, "layers"),
                              json_pack("{s:s, s:I, s:s}", "mediaType", layers[i].gzip ? MT_LAYER_GZIP : MT_LAYER,
                                        "size", (json_int_t)layers[i].size, "digest", layers[i].digest)) != 0) {
      rc = ctrt__error_no_memory();
      goto done;
    }
  }
  if ((rc = ctrt__json_dump(&text, m)) < 0 ||
      (rc = write_buffer(c, l, 1000001, text, strlen(text), manifest, ref_ptrs, n_layers + 1)) < 0)
    goto done;
  Ctrt__Containerd__Descriptor target = CTRT__CONTAINERD__DESCRIPTOR__INIT;
  target.media_type = MT_MANIFEST;
  target.digest = manifest;
  target.size = (int64_t)strlen(text);
  Ctrt__Containerd__Image__LabelsEntry managed = CTRT__CONTAINERD__IMAGE__LABELS_ENTRY__INIT;
  managed.key = CRI_IMAGE_LABEL;
  managed.value = "managed";
  Ctrt__Containerd__Image__LabelsEntry *image_labels[] = {&managed};
  Ctrt__Containerd__Image img = CTRT__CONTAINERD__IMAGE__INIT;
  img.target = &target;
  img.n_labels = 1;
  img.labels = image_labels;
  /* CRI's record of the id, then the names. */
  if ((rc = put_image(c, &img, id, id)) < 0)
    goto done;
  for (size_t i = 0; i < n_names; i++) {
    char *name = normalize(names[i]);
    rc = name ? put_image(c, &img, name, id) : ctrt__error_no_memory();
    ctrt__free(name);
    if (rc < 0)
      goto done;
  }
done:
  json_decref(cfg);
  ctrt__free(text);
  ctrt__free(keys);
  ctrt__free(refs);
  ctrt__free(ref_ptrs);
  json_decref(m);
  return rc;
}

/* ---- load_images ---- */

/* A regular file of the archive: small ones kept in memory (written when
 * the manifest says what they are), others written to Content as read. */
typedef struct archive_file {
  char *path;
  uint8_t *data; /* small files */
  size_t size;
  layer_blob blob; /* large files: written */
} archive_file;

typedef struct load_ctx {
  cri *c;
  lease l;
  ctrt_byte_source *src;
  uint8_t buf[64 * 1024];  /* libarchive's input */
  uint8_t data[64 * 1024]; /* an entry's data */
  int source_error;
  archive_file *files;
  size_t n_files;
  unsigned n_writes;
} load_ctx;

static la_ssize_t source_read(struct archive *a, void *ctx, const void **buffer) {
  load_ctx *x = ctx;
  size_t n = 0;
  int rc = ctrt_byte_source_read(x->src, x->buf, sizeof x->buf, &n);
  if (rc == CTRT_ITEROVER)
    return 0;
  if (rc < 0) {
    x->source_error = rc;
    archive_set_error(a, EIO, "%s", ctrt_error_last()->message);
    return -1;
  }
  *buffer = x->buf;
  return (la_ssize_t)n;
}

static void load_ctx_clear(load_ctx *x) {
  for (size_t i = 0; i < x->n_files; i++) {
    ctrt__free(x->files[i].path);
    ctrt__free(x->files[i].data);
  }
  ctrt__free(x->files);
}

/* One entry's data: into memory, or streamed into a blob. */
static int read_entry(load_ctx *x, struct archive *a, archive_file *f, int64_t size) {
  if (size >= 0 && (size_t)size <= SMALL_FILE) {
    f->data = ctrt__malloc((size_t)size + 1);
    CTRT__CHECK_ALLOC(f->data);
    la_ssize_t n = size > 0 ? archive_read_data(a, f->data, (size_t)size) : 0;
    if (n != size)
      return x->source_error ? x->source_error
                             : ctrt__error_invalid_spec("%s: truncated (%s)", f->path, archive_error_string(a));
    f->data[size] = 0;
    f->size = (size_t)size;
    return 0;
  }
  blob_writer w;
  writer_begin(&w, &x->l, x->n_writes++);
  int rc = 0;
  for (;;) {
    la_ssize_t n = archive_read_data(a, x->data, sizeof x->data);
    if (n == 0)
      break;
    if (n < 0)
      return x->source_error ? x->source_error : ctrt__error_invalid_spec("%s: %s", f->path, archive_error_string(a));
    rc = writer_put(x->c, &x->l, &w, x->data, (size_t)n);
    if (rc < 0)
      return rc;
  }
  f->size = (size_t)w.offset;
  f->blob.size = w.offset;
  f->blob.gzip = w.head[0] == 0x1f && w.head[1] == 0x8b;
  return writer_commit(x->c, &x->l, &w, f->blob.digest, NULL, 0);
}

/* The failure of reading the archive: the source's own, else libarchive's. */
static int not_tar(const load_ctx *x, struct archive *a) {
  return x->source_error ? x->source_error
                         : ctrt__error_invalid_spec("not a docker-archive tar: %s", archive_error_string(a));
}

static int read_archive(load_ctx *x) {
  struct archive *a = archive_read_new();
  CTRT__CHECK_ALLOC(a);
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  int rc = 0;
  if (archive_read_open(a, x, NULL, source_read, NULL) != ARCHIVE_OK) {
    rc = not_tar(x, a);
    goto done;
  }
  for (;;) {
    struct archive_entry *e;
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF)
      break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      rc = not_tar(x, a);
      goto done;
    }
    if (archive_entry_filetype(e) != AE_IFREG)
      continue;
    archive_file *grown = ctrt__realloc(x->files, (x->n_files + 1) * sizeof *grown);
    if (grown == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
    x->files = grown;
    archive_file *f = &x->files[x->n_files++];
    memset(f, 0, sizeof *f);
    const char *path = archive_entry_pathname(e);
    if ((f->path = ctrt__strdup(strncmp(path, "./", 2) == 0 ? path + 2 : path)) == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
    if ((rc = read_entry(x, a, f, archive_entry_size(e))) < 0)
      goto done;
  }
done:
  archive_read_free(a);
  return rc;
}

static archive_file *find_file(load_ctx *x, const char *path) {
  for (size_t i = 0; path && i < x->n_files; i++)
    if (strcmp(x->files[i].path, path) == 0)
      return &x->files[i];
  return NULL;
}

/* A layer file as a blob: written now when it was kept in memory. */
static int layer_of(load_ctx *x, archive_file *f, layer_blob *out) {
  if (f->data != NULL && f->blob.digest[0] == '\0') {
    int rc = write_buffer(x->c, &x->l, x->n_writes++, f->data, f->size, f->blob.digest, NULL, 0);
    if (rc < 0)
      return rc;
    f->blob.size = (int64_t)f->size;
    f->blob.gzip = f->size >= 2 && f->data[0] == 0x1f && f->data[1] == 0x8b;
  }
  *out = f->blob;
  return 0;
}

/* One image of manifest.json created; its names appended to *refs. */
static int load_entry(load_ctx *x, const json_t *entry, ctrt_string_list *refs) {
  archive_file *cfg = find_file(x, jstr(entry, "Config"));
  const json_t *layers = json_object_get(entry, "Layers");
  size_t n = json_array_size(layers);
  layer_blob *blobs = NULL;
  ctrt_string_list tags = {0};
  char id[72];
  int rc;
  if (cfg == NULL || cfg->data == NULL) {
    rc = ctrt__error_invalid_spec("manifest.json names a config the archive lacks: %s",
                                  jstr(entry, "Config") ? jstr(entry, "Config") : "(none)");
    goto done;
  }
  if ((blobs = ctrt__calloc(n + 1, sizeof *blobs)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  for (size_t k = 0; k < n; k++) {
    archive_file *lf = find_file(x, json_string_value(json_array_get(layers, k)));
    if (lf == NULL) {
      rc = ctrt__error_invalid_spec("manifest.json names a layer the archive lacks");
      goto done;
    }
    if ((rc = layer_of(x, lf, &blobs[k])) < 0)
      goto done;
  }
  if ((rc = strings_of(json_object_get(entry, "RepoTags"), &tags.items, &tags.n_items)) < 0 ||
      (rc = create_image(x->c, &x->l, (const char *)cfg->data, cfg->size, blobs, n, tags.items, tags.n_items, id)) < 0)
    goto done;
  /* The names loaded (the id when untagged), as Docker's done event. */
  for (size_t k = 0; k < (tags.n_items ? tags.n_items : 1); k++) {
    char **grown = ctrt__realloc(refs->items, (refs->n_items + 1) * sizeof *grown);
    if (grown == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
    refs->items = grown;
    if ((grown[refs->n_items] = ctrt__strdup(tags.n_items ? tags.items[k] : id)) == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
    refs->n_items++;
  }
done:
  ctrt_string_list_clear(&tags);
  ctrt__free(blobs);
  return rc;
}

/* Each image of manifest.json created; its names appended to *refs. */
static int load_manifest(load_ctx *x, ctrt_string_list *refs) {
  archive_file *mf = find_file(x, "manifest.json");
  if (mf == NULL || mf->data == NULL)
    return ctrt__error_invalid_spec("not a docker-archive: no manifest.json");
  json_t *list = NULL;
  int rc;
  if ((rc = ctrt__json_parse(&list, (const char *)mf->data, mf->size)) < 0)
    goto done;
  if (!json_is_array(list)) {
    rc = ctrt__error_invalid_spec("manifest.json is not a list");
    goto done;
  }
  size_t i;
  json_t *entry;
  json_array_foreach(list, i, entry) {
    if ((rc = load_entry(x, entry, refs)) < 0)
      goto done;
  }
done:
  json_decref(list);
  return rc;
}

/* The archive read and its images created, under a lease of their own. */
static int load_leased(load_ctx *x, ctrt_string_list *refs) {
  int rc;
  if ((rc = lease_begin(x->c, &x->l)) < 0)
    return rc;
  if ((rc = read_archive(x)) < 0)
    goto done;
  rc = load_manifest(x, refs);
done:
  lease_end(x->c, &x->l);
  return rc;
}

/* The load happens in load_images itself (the source is the caller's only
 * for the call); the stream then tells what was loaded. */
typedef struct load_events {
  ctrt_load_progress **items;
  size_t n, next;
} load_events;

static void load_events_free(void *state) {
  load_events *s = state;
  for (size_t i = s->next; i < s->n; i++)
    ctrt_load_progress_free(s->items[i]);
  ctrt__free(s->items);
  ctrt__free(s);
}

static int load_events_next(void *state, void **item) {
  load_events *s = state;
  if (s->next >= s->n)
    return CTRT_ITEROVER;
  *item = s->items[s->next++];
  return 0;
}

/* Steals refs' items into the done event. */
static int load_events_of(load_events *s, ctrt_string_list *refs, bool quiet) {
  s->items = ctrt__calloc(refs->n_items + 2, sizeof *s->items);
  CTRT__CHECK_ALLOC(s->items);
  for (size_t i = 0; !quiet && i < refs->n_items; i++) {
    ctrt_load_progress *p = ctrt__calloc(1, sizeof *p);
    CTRT__CHECK_ALLOC(p);
    s->items[s->n++] = p;
    p->kind = CTRT_LOAD_PROGRESS_STATUS;
    CTRT__CHECK_ALLOC((p->status.status = ctrt__sprintf("Loaded image: %s", refs->items[i])));
  }
  ctrt_load_progress *done = ctrt__calloc(1, sizeof *done);
  CTRT__CHECK_ALLOC(done);
  s->items[s->n++] = done;
  done->kind = CTRT_LOAD_PROGRESS_DONE;
  done->done.references = refs->items;
  done->done.n_references = refs->n_items;
  refs->items = NULL;
  refs->n_items = 0;
  return 0;
}

int ctrt__cri_load_images(void *self, ctrt_load_progress_stream **out, ctrt_byte_source *tar, bool quiet) {
  cri *c = self;
  int rc = need_native(c, "load_images");
  if (rc < 0)
    return rc;
  load_ctx *x = ctrt__calloc(1, sizeof *x);
  CTRT__CHECK_ALLOC(x);
  x->c = c;
  x->src = tar;
  ctrt_string_list refs = {0};
  load_events *s = NULL;
  static const ctrt_stream_methods methods = {.next = load_events_next, .destroy = load_events_free};
  rc = load_leased(x, &refs);
  load_ctx_clear(x);
  ctrt__free(x);
  if (rc < 0)
    goto done;
  if ((s = ctrt__calloc(1, sizeof *s)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = load_events_of(s, &refs, quiet)) < 0)
    load_events_free(s);
done:
  ctrt_string_list_clear(&refs);
  if (rc < 0)
    return ctrt__error_wrap("load_images");
  return ctrt_load_progress_stream_new(out, &methods, s);
}

/* ---- save_images ---- */

/* The archive save_images streams: a docker-archive (manifest.json) whose
 * config and layer files are the content blobs under blobs/sha256/, the
 * layers as containerd stores them (gzip for pulled images; docker load
 * and load_images take both). Written entry by entry, each blob read from
 * Content as the consumer reads: memory stays bounded by a message. */
typedef struct save_entry {
  char path[80];
  size_t size;
  char *data;   /* manifest.json; NULL for a blob */
  char *digest; /* a blob */
} save_entry;

typedef struct save_state {
  cri *c;
  save_entry *entries;
  size_t n, at;
  enum { AT_HEADER, AT_BODY, AT_PAD, AT_END } phase;
  uint8_t block[512];
  size_t pos;  /* within the header, pad or end blocks */
  size_t sent; /* body bytes of the current entry */
  blob_cursor k;
} save_state;

static void save_state_free(void *state) {
  save_state *s = state;
  for (size_t i = 0; i < s->n; i++) {
    ctrt__free(s->entries[i].data);
    ctrt__free(s->entries[i].digest);
  }
  ctrt__free(s->entries);
  cursor_close(&s->k);
  ctrt__free(s);
}

static void tar_header(uint8_t block[512], const char *path, size_t size) {
  memset(block, 0, 512);
  snprintf((char *)block, 100, "%s", path);
  memcpy(block + 100, "0000644", 8);
  memcpy(block + 108, "0000000", 8);
  memcpy(block + 116, "0000000", 8);
  snprintf((char *)block + 124, 12, "%011llo", (unsigned long long)size);
  snprintf((char *)block + 136, 12, "%011o", 0);
  memset(block + 148, ' ', 8);
  block[156] = '0';
  memcpy(block + 257, "ustar", 6);
  block[263] = block[264] = '0'; /* version "00", no NUL */
  unsigned sum = 0;
  for (size_t i = 0; i < 512; i++)
    sum += block[i];
  snprintf((char *)block + 148, 8, "%06o", sum);
}

/* Body bytes of the current entry. */
static int save_body(save_state *s, save_entry *e, uint8_t *buf, size_t cap, size_t *n) {
  if (e->data != NULL) {
    *n = e->size - s->sent < cap ? e->size - s->sent : cap;
    memcpy(buf, e->data + s->sent, *n);
    return 0;
  }
  if (s->k.r.call == NULL) {
    int rc = blob_open(s->c, &s->k.r, e->digest);
    if (rc < 0)
      return rc;
  }
  /* No more than the entry's size: the tar header said it. */
  size_t left = e->size - s->sent;
  int rc = cursor_read(&s->k, buf, cap < left ? cap : left, n);
  if (rc == CTRT_ITEROVER)
    return ctrt__error_internal("blob %s ended after %zu of %zu bytes", e->digest, s->sent, e->size);
  return rc;
}

static int save_read(void *state, void *out, size_t cap, size_t *n_read) {
  save_state *s = state;
  uint8_t *buf = out;
  for (;;) {
    if (s->phase == AT_END || (s->phase == AT_HEADER && s->at == s->n)) {
      /* Two zero blocks end the archive. */
      if (s->phase != AT_END) {
        s->phase = AT_END;
        s->pos = 0;
      }
      if (s->pos >= 1024)
        return CTRT_ITEROVER;
      size_t n = 1024 - s->pos < cap ? 1024 - s->pos : cap;
      memset(buf, 0, n);
      s->pos += n;
      *n_read = n;
      return 0;
    }
    save_entry *e = &s->entries[s->at];
    if (s->phase == AT_HEADER) {
      if (s->pos == 0)
        tar_header(s->block, e->path, e->size);
      size_t n = 512 - s->pos < cap ? 512 - s->pos : cap;
      memcpy(buf, s->block + s->pos, n);
      s->pos += n;
      if (s->pos == 512) {
        s->phase = AT_BODY;
        s->sent = 0;
      }
      *n_read = n;
      return 0;
    }
    if (s->phase == AT_BODY && s->sent < e->size) {
      size_t n = 0;
      int rc = save_body(s, e, buf, cap, &n);
      if (rc < 0)
        return rc;
      s->sent += n;
      *n_read = n;
      return 0;
    }
    if (s->phase == AT_BODY) {
      cursor_close(&s->k);
      s->phase = AT_PAD;
      s->pos = 0;
    }
    size_t pad = (512 - e->size % 512) % 512;
    if (s->pos < pad) {
      size_t n = pad - s->pos < cap ? pad - s->pos : cap;
      memset(buf, 0, n);
      s->pos += n;
      *n_read = n;
      return 0;
    }
    s->at++;
    s->phase = AT_HEADER;
    s->pos = 0;
  }
}

/* A blob entry, once per digest. */
static int save_add_blob(save_state *s, const char *digest, json_int_t size) {
  if (digest == NULL || strncmp(digest, "sha256:", 7) != 0 || size < 0)
    return ctrt__error_internal("a descriptor without a sha256 digest or size");
  for (size_t i = 0; i < s->n; i++)
    if (s->entries[i].digest && strcmp(s->entries[i].digest, digest) == 0)
      return 0;
  save_entry *grown = ctrt__realloc(s->entries, (s->n + 1) * sizeof *grown);
  CTRT__CHECK_ALLOC(grown);
  s->entries = grown;
  save_entry *e = &s->entries[s->n];
  memset(e, 0, sizeof *e);
  snprintf(e->path, sizeof e->path, "blobs/sha256/%s", digest + 7);
  e->size = (size_t)size;
  CTRT__CHECK_ALLOC((e->digest = ctrt__strdup(digest)));
  s->n++;
  return 0;
}

static char *blob_path(const char *digest) { return ctrt__sprintf("blobs/sha256/%s", digest ? digest + 7 : ""); }

/* One image: its blobs, and its manifest.json entry appended to list. */
static int save_one(save_state *s, const char *name, json_t *list) {
  Ctrt__Containerd__GetImageResponse *img = NULL;
  parts p;
  json_t *entry = NULL;
  char *path = NULL;
  int rc;
  if ((rc = open_image(s->c, name, "save_images", &img, &p)) < 0)
    return rc;
  if ((rc = prefer_complete(s->c, &img, &p)) < 0)
    goto done;
  const json_t *cfg = json_object_get(p.manifest, "config");
  if ((rc = save_add_blob(s, jstr(cfg, "digest"), json_integer_value(json_object_get(cfg, "size")))) < 0)
    goto done;
  path = blob_path(p.config_digest);
  entry = json_pack("{s:s?, s:[], s:[]}", "Config", path, "RepoTags", "Layers");
  ctrt__free(path);
  path = NULL;
  if (entry == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  /* Saved by a name: that name (as given); by id: none, as Docker. */
  if (strncmp(name, "sha256:", 7) != 0 &&
      json_array_append_new(json_object_get(entry, "RepoTags"), json_string(name)) != 0) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  size_t i;
  const json_t *l;
  json_array_foreach(json_object_get(p.manifest, "layers"), i, l) {
    if ((rc = save_add_blob(s, jstr(l, "digest"), json_integer_value(json_object_get(l, "size")))) < 0)
      goto done;
    if ((path = blob_path(jstr(l, "digest"))) == NULL ||
        json_array_append_new(json_object_get(entry, "Layers"), json_string(path)) != 0) {
      rc = ctrt__error_no_memory();
      goto done;
    }
    ctrt__free(path);
    path = NULL;
  }
  rc = json_array_append_new(list, entry) != 0 ? ctrt__error_no_memory() : 0;
  entry = NULL; /* the list's, also when the append failed */
done:
  ctrt__free(path);
  json_decref(entry);
  parts_clear(&p);
  ctrt__cri_unpacked_free(img);
  return rc;
}

int ctrt__cri_save_images(void *self, ctrt_image_export_stream **out, const char *const *names, size_t n_names) {
  cri *c = self;
  int rc = need_native(c, "save_images");
  if (rc < 0)
    return rc;
  save_state *s = ctrt__calloc(1, sizeof *s);
  json_t *list = json_array();
  if (s == NULL || list == NULL) {
    ctrt__free(s);
    json_decref(list);
    return ctrt__error_no_memory();
  }
  static const ctrt_stream_methods methods = {.read = save_read, .destroy = save_state_free};
  s->c = c;
  /* Every image is resolved before the stream starts: a missing one is
   * not_found at once. */
  for (size_t i = 0; i < n_names; i++)
    if ((rc = save_one(s, names[i], list)) < 0)
      goto done;
  save_entry *grown = ctrt__realloc(s->entries, (s->n + 1) * sizeof *grown);
  if (grown == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  s->entries = grown;
  save_entry *e = &s->entries[s->n];
  memset(e, 0, sizeof *e);
  snprintf(e->path, sizeof e->path, "manifest.json");
  if ((rc = ctrt__json_dump(&e->data, list)) < 0)
    goto done;
  e->size = strlen(e->data);
  s->n++;
done:
  json_decref(list);
  if (rc < 0) {
    save_state_free(s);
    return rc;
  }
  return ctrt_image_export_stream_new(out, &methods, s);
}

/* ---- import_image ---- */

/* Whether block is a tar header: "ustar" magic, or a valid checksum (v7). */
static bool tar_block(const uint8_t *block, size_t len) {
  if (len < 512)
    return false;
  if (memcmp(block + 257, "ustar", 5) == 0)
    return true;
  unsigned sum = 0;
  for (size_t i = 0; i < 512; i++)
    sum += i >= 148 && i < 156 ? ' ' : block[i];
  char text[9];
  memcpy(text, block + 148, 8);
  text[8] = '\0';
  return sum > 8 * ' ' && strtoul(text, NULL, 8) == sum;
}

/* The rootfs tar as the image's one layer (uncompressed: its digest is
 * its diff id), a config with that layer and nothing else set, as
 * Docker's import makes. */
static int import_layer(cri *c, const lease *l, ctrt_byte_source *src, layer_blob *out) {
  uint8_t *buf = ctrt__malloc(WRITE_CHUNK);
  CTRT__CHECK_ALLOC(buf);
  blob_writer w;
  writer_begin(&w, l, 0);
  int rc;
  size_t have = 0;
  for (;;) {
    size_t n = 0;
    rc = ctrt_byte_source_read(src, buf + have, WRITE_CHUNK - have, &n);
    if (rc == CTRT_ITEROVER) {
      if (have == 0)
        break;
    } else if (rc < 0) {
      goto done;
    } else {
      have += n;
      if (have < WRITE_CHUNK)
        continue;
    }
    if (w.offset == 0 && !tar_block(buf, have)) {
      rc = ctrt__error_invalid_spec("not a tar archive (no tar header at the start; a plain tar is expected)");
      goto done;
    }
    if ((rc = writer_put(c, l, &w, buf, have)) < 0)
      goto done;
    if (have < WRITE_CHUNK)
      break;
    have = 0;
  }
  if (w.offset == 0) {
    rc = ctrt__error_invalid_spec("an empty archive");
    goto done;
  }
  rc = writer_commit(c, l, &w, out->digest, NULL, 0);
done:
  ctrt__free(buf);
  out->size = w.offset;
  out->gzip = false;
  return rc;
}

/* The tar as one layer of a new image named name (NULL: by id only),
 * under the lease l; id gets the image id. */
static int import_leased(cri *c, const lease *l, ctrt_byte_source *tar, char *name, char id[72]) {
  layer_blob layer = {0};
  json_t *cfg = NULL;
  char *text = NULL;
  int rc;
  if ((rc = import_layer(c, l, tar, &layer)) < 0)
    goto done;
  char now[40];
  time_t t = time(NULL);
  struct tm tm;
  strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
  if ((cfg = json_pack("{s:s, s:s, s:s, s:{}, s:{s:s, s:[s]}, s:[{s:s, s:s, s:s}]}", "architecture", HOST_ARCH, "os",
                       "linux", "created", now, "config", "rootfs", "type", "layers", "diff_ids", layer.digest,
                       "history", "created", now, "created_by", "import_image", "comment", "Imported from tar")) ==
      NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = ctrt__json_dump(&text, cfg)) < 0)
    goto done;
  rc = create_image(c, l, text, strlen(text), &layer, 1, name ? &name : NULL, name ? 1 : 0, id);
done:
  ctrt__free(text);
  json_decref(cfg);
  return rc;
}

int ctrt__cri_import_image(void *self, char **out, ctrt_byte_source *tar, const char *repo, const char *tag) {
  cri *c = self;
  int rc = need_native(c, "import_image");
  if (rc < 0)
    return rc;
  char *name = repo && repo[0] ? ctrt__sprintf("%s:%s", repo, tag && tag[0] ? tag : "latest") : NULL;
  if (repo && repo[0] && name == NULL)
    return ctrt__error_no_memory();
  lease l;
  char id[72] = "";
  if ((rc = lease_begin(c, &l)) < 0)
    goto done;
  rc = import_leased(c, &l, tar, name, id);
  lease_end(c, &l);
  if (rc < 0)
    goto done;
  *out = name ? name : ctrt__strdup(id);
  if (*out == NULL)
    rc = ctrt__error_no_memory();
  name = NULL;
done:
  ctrt__free(name);
  return rc < 0 ? ctrt__error_wrap("import_image") : 0;
}

/* ---- commit_container ---- */

/* "CMD [..]" (exec form) or "CMD text" (shell form) as a JSON list. */
static json_t *command_of(const char *arg) {
  if (arg[0] == '[') {
    json_t *list = NULL;
    if (ctrt__json_parse(&list, arg, strlen(arg)) == 0 && json_is_array(list))
      return list;
    json_decref(list);
    ctrt_error_clear();
    return NULL;
  }
  return json_pack("[s, s, s]", "/bin/sh", "-c", arg);
}

/* The Dockerfile-style changes onto the config's runnable part. */
static int apply_changes(json_t *run, char *const *changes, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const char *ch = changes[i];
    const char *sp = strchr(ch, ' ');
    size_t kw = sp ? (size_t)(sp - ch) : strlen(ch);
    const char *arg = sp ? sp + 1 : "";
    while (*arg == ' ')
      arg++;
    json_t *value = NULL;
    const char *key = NULL;
    if (kw == 3 && strncasecmp(ch, "CMD", 3) == 0) {
      key = "Cmd", value = command_of(arg);
    } else if (kw == 10 && strncasecmp(ch, "ENTRYPOINT", 10) == 0) {
      key = "Entrypoint", value = command_of(arg);
    } else if (kw == 7 && strncasecmp(ch, "WORKDIR", 7) == 0) {
      key = "WorkingDir", value = json_string(arg);
    } else if (kw == 4 && strncasecmp(ch, "USER", 4) == 0) {
      key = "User", value = json_string(arg);
    } else if ((kw == 3 && strncasecmp(ch, "ENV", 3) == 0) || (kw == 5 && strncasecmp(ch, "LABEL", 5) == 0)) {
      bool env = kw == 3;
      const char *eq = strchr(arg, '=');
      const char *sep = eq ? eq : strchr(arg, ' ');
      if (sep == NULL || sep == arg)
        return ctrt__error_invalid_spec("change \"%s\": KEY=VALUE expected", ch);
      char *k = ctrt__strndup(arg, (size_t)(sep - arg));
      const char *v = sep + 1;
      size_t vl = strlen(v);
      if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"')
        v++, vl -= 2;
      char *val = ctrt__strndup(v, vl);
      char *pair = k && val ? ctrt__sprintf("%s=%s", k, val) : NULL;
      int rc = 0;
      if (pair == NULL) {
        rc = ctrt__error_no_memory();
      } else if (env) {
        json_t *list = json_object_get(run, "Env");
        if (!json_is_array(list))
          json_object_set_new(run, "Env", list = json_array());
        size_t j;
        json_t *e;
        size_t kl = strlen(k);
        json_array_foreach(list, j, e) if (strncmp(json_string_value(e) ? json_string_value(e) : "", k, kl) == 0 &&
                                           json_string_value(e)[kl] == '=') {
          json_array_remove(list, j);
          break;
        }
        json_array_append_new(list, json_string(pair));
      } else {
        json_t *labels = json_object_get(run, "Labels");
        if (!json_is_object(labels))
          json_object_set_new(run, "Labels", labels = json_object());
        json_object_set_new(labels, k, json_string(val));
      }
      ctrt__free(k);
      ctrt__free(val);
      ctrt__free(pair);
      if (rc < 0)
        return rc;
      continue;
    } else {
      return ctrt__error_invalid_spec("change \"%s\": only CMD, ENTRYPOINT, ENV, LABEL, WORKDIR and USER apply", ch);
    }
    if (value == NULL)
      return ctrt__error_invalid_spec("change \"%s\": not a valid value", ch);
    json_object_set_new(run, key, value);
  }
  return 0;
}

/* What a differ's layer of a container's snapshot holds. */
typedef enum diff_span {
  DIFF_CHANGES, /* the container's snapshot against its parent: what it changed */
  DIFF_WHOLE,   /* the container's snapshot against nothing: its entire tree */
  DIFF_BASE,    /* its parent against nothing: the image's tree under it */
} diff_span;

static void remove_view(cri *c, const lease *l, const char *snapshotter, const char *key);

/* The differ's layer of a container's snapshot (span says which), written
 * under the lease. Views are read-only snapshots removed again here; a view
 * without a parent is an empty directory. */
static int snapshot_diff(cri *c, const lease *l, const char *container_id, diff_span span, const char *media_type,
                         Ctrt__Containerd__DiffResponse **out) {
  Ctrt__Containerd__GetContainerRequest greq = CTRT__CONTAINERD__GET_CONTAINER_REQUEST__INIT;
  greq.id = (char *)container_id;
  Ctrt__Containerd__GetContainerResponse *ct = NULL;
  Ctrt__Containerd__StatSnapshotResponse *st = NULL;
  Ctrt__Containerd__MountsResponse *upper = NULL;
  Ctrt__Containerd__ViewSnapshotResponse *lower = NULL, *base = NULL;
  const char *snapshotter = SNAPSHOTTER;
  bool viewed = false, base_viewed = false;
  char view[160], base_view[160];
  snprintf(view, sizeof view, "%s-view", l->id);
  snprintf(base_view, sizeof base_view, "%s-base", l->id);
  int rc;
  if ((rc = ctd_call(c, ctrt__cricall_snapshot_diff_containers_get(), &greq.base, &ct)) < 0)
    goto done;
  if (ct->container == NULL || ct->container->snapshot_key[0] == '\0') {
    rc = ctrt__error_internal("container %s has no snapshot", container_id);
    goto done;
  }
  if (ct->container->snapshotter[0])
    snapshotter = ct->container->snapshotter;
  Ctrt__Containerd__StatSnapshotRequest sreq = CTRT__CONTAINERD__STAT_SNAPSHOT_REQUEST__INIT;
  sreq.snapshotter = (char *)snapshotter;
  sreq.key = ct->container->snapshot_key;
  if (span != DIFF_WHOLE && (rc = ctd_call(c, ctrt__cricall_snapshot_diff_snapshots_stat(), &sreq.base, &st)) < 0)
    goto done;
  const char *parent = st && st->info ? st->info->parent : NULL;
  if (span == DIFF_BASE && (parent == NULL || parent[0] == '\0')) {
    rc = ctrt__error_internal("the snapshot of container %s has no parent", container_id);
    goto done;
  }
  /* The right side: the container's own mounts, or a view of its parent. */
  Ctrt__Containerd__MountsRequest mreq = CTRT__CONTAINERD__MOUNTS_REQUEST__INIT;
  mreq.snapshotter = (char *)snapshotter;
  mreq.key = sreq.key;
  if (span != DIFF_BASE && (rc = ctd_call(c, ctrt__cricall_snapshot_diff_snapshots_mounts(), &mreq.base, &upper)) < 0)
    goto done;
  Ctrt__Containerd__ViewSnapshotRequest breq = CTRT__CONTAINERD__VIEW_SNAPSHOT_REQUEST__INIT;
  breq.snapshotter = (char *)snapshotter;
  breq.key = base_view;
  breq.parent = (char *)parent;
  if (span == DIFF_BASE && (rc = lease_call(c, l, ctrt__cricall_snapshot_diff_snapshots_view(), &breq.base, &base)) < 0)
    goto done;
  base_viewed = base != NULL;
  /* The left side: the parent's tree for the changes, else nothing. */
  Ctrt__Containerd__ViewSnapshotRequest vreq = CTRT__CONTAINERD__VIEW_SNAPSHOT_REQUEST__INIT;
  vreq.snapshotter = (char *)snapshotter;
  vreq.key = view;
  vreq.parent = span == DIFF_CHANGES ? (char *)parent : NULL;
  if ((rc = lease_call(c, l, ctrt__cricall_snapshot_diff_snapshots_view(), &vreq.base, &lower)) < 0)
    goto done;
  viewed = true;
  Ctrt__Containerd__DiffRequest dreq = CTRT__CONTAINERD__DIFF_REQUEST__INIT;
  dreq.media_type = (char *)media_type;
  dreq.n_left = lower->n_mounts;
  dreq.left = lower->mounts;
  dreq.n_right = base ? base->n_mounts : upper->n_mounts;
  dreq.right = base ? base->mounts : upper->mounts;
  if ((rc = lease_call(c, l, ctrt__cricall_snapshot_diff_diff_diff(), &dreq.base, out)) < 0)
    goto done;
  if ((*out)->diff == NULL) {
    ctrt__cri_unpacked_free(*out);
    *out = NULL;
    rc = ctrt__error_internal("the differ returned no layer");
  }
done:
  if (viewed)
    remove_view(c, l, snapshotter, view);
  if (base_viewed)
    remove_view(c, l, snapshotter, base_view);
  ctrt__cri_unpacked_free(base);
  ctrt__cri_unpacked_free(lower);
  ctrt__cri_unpacked_free(upper);
  ctrt__cri_unpacked_free(st);
  ctrt__cri_unpacked_free(ct);
  return rc;
}

/* A view snapshot_diff made, removed again; the caller's error stays. */
static void remove_view(cri *c, const lease *l, const char *snapshotter, const char *key) {
  ctrt_error saved = *ctrt_error_last();
  Ctrt__Containerd__RemoveSnapshotRequest rreq = CTRT__CONTAINERD__REMOVE_SNAPSHOT_REQUEST__INIT;
  rreq.snapshotter = (char *)snapshotter;
  rreq.key = (char *)key;
  lease_call(c, l, ctrt__cricall_snapshot_diff_snapshots_remove(), &rreq.base, NULL);
  ctrt__error_set(saved.kind, saved.http_status, "%s", saved.message);
}

/* The container's snapshot against its parent: a gzip layer blob written
 * by containerd's differ (under the lease) and its diff id. */
static int diff_container(cri *c, const lease *l, const char *container_id, layer_blob *out, char diff_id[72]) {
  Ctrt__Containerd__DiffResponse *diff = NULL;
  Ctrt__Containerd__ContentInfoResponse *info = NULL;
  Ctrt__Containerd__ContentInfoRequest ireq = CTRT__CONTAINERD__CONTENT_INFO_REQUEST__INIT;
  int rc;
  /* What the differ makes (1.6.20 refuses the docker media type). */
  if ((rc = snapshot_diff(c, l, container_id, DIFF_CHANGES, MT_OCI_LAYER_GZIP, &diff)) < 0)
    goto done;
  ireq.digest = diff->diff->digest;
  if ((rc = ctd_call(c, ctrt__cricall_snapshot_diff_content_info(), &ireq.base, &info)) < 0)
    goto done;
  const char *uncompressed = NULL;
  for (size_t i = 0; info->info && i < info->info->n_labels; i++)
    if (strcmp(info->info->labels[i]->key, "containerd.io/uncompressed") == 0)
      uncompressed = info->info->labels[i]->value;
  if (uncompressed == NULL) {
    rc = ctrt__error_internal("the layer %s has no containerd.io/uncompressed label", diff->diff->digest);
    goto done;
  }
  snprintf(out->digest, sizeof out->digest, "%s", diff->diff->digest);
  out->size = diff->diff->size;
  out->gzip = true;
  snprintf(diff_id, 72, "%s", uncompressed);
done:
  ctrt__cri_unpacked_free(info);
  ctrt__cri_unpacked_free(diff);
  return rc;
}

/* The new config: the base's, with the layer, a history entry, the
 * options and the changes. */
static int commit_config(json_t *cfg, const char *diff_id, const char *container_id, const ctrt_commit_options *o,
                         const char *now) {
  json_t *rootfs = json_object_get(cfg, "rootfs");
  if (!json_is_object(rootfs))
    json_object_set_new(cfg, "rootfs", rootfs = json_pack("{s:s, s:[]}", "type", "layers", "diff_ids"));
  json_t *ids = json_object_get(rootfs, "diff_ids");
  json_t *history = json_object_get(cfg, "history");
  if (!json_is_array(history))
    json_object_set_new(cfg, "history", history = json_array());
  json_t *run = json_object_get(cfg, "config");
  if (!json_is_object(run))
    json_object_set_new(cfg, "config", run = json_object());
  if (!json_is_array(ids) || json_array_append_new(ids, json_string(diff_id)) != 0 ||
      json_array_append_new(history, json_pack("{s:s, s:s, s:s}", "created", now, "created_by", "commit_container",
                                               "comment", o->comment ? o->comment : "")) != 0)
    return ctrt__error_no_memory();
  json_object_set_new(cfg, "created", json_string(now));
  json_object_set_new(cfg, "container", json_string(container_id));
  if (o->author)
    json_object_set_new(cfg, "author", json_string(o->author));
  if (o->comment)
    json_object_set_new(cfg, "comment", json_string(o->comment));
  return o->has_changes ? apply_changes(run, o->changes, o->n_changes) : 0;
}

/* The container's changes as a layer over the n of p, and the image of
 * them all (named name, if any; image_id its id), under a lease. */
static int commit_leased(cri *c, const char *container_id, const ctrt_commit_options *o, parts *p, layer_blob *layers,
                         size_t n, char *name, char image_id[72]) {
  lease l;
  char diff_id[72] = "";
  char *text = NULL;
  int rc;
  if ((rc = lease_begin(c, &l)) < 0)
    return rc;
  if ((rc = diff_container(c, &l, container_id, &layers[n], diff_id)) < 0)
    goto done;
  char now[40];
  time_t t = time(NULL);
  struct tm tm;
  strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
  if ((rc = commit_config(p->config, diff_id, container_id, o, now)) < 0 ||
      (rc = ctrt__json_dump(&text, p->config)) < 0)
    goto done;
  rc = create_image(c, &l, text, strlen(text), layers, n + 1, name ? &name : NULL, name ? 1 : 0, image_id);
done:
  ctrt__free(text);
  lease_end(c, &l);
  return rc;
}

int ctrt__cri_commit_container(void *self, ctrt_commit_outcome **out, const ctrt_container_id *id,
                               const ctrt_commit_options *o) {
  cri *c = self;
  int rc = need_native(c, "commit_container");
  if (rc < 0)
    return rc;
  /* Bad changes are refused before anything is written. */
  json_t *probe = json_object();
  rc = probe ? (o->has_changes ? apply_changes(probe, o->changes, o->n_changes) : 0) : ctrt__error_no_memory();
  json_decref(probe);
  if (rc < 0)
    return ctrt__error_wrap("commit_container");
  found f;
  Runtime__V1__ContainerStatusResponse *st = NULL;
  rc = ctrt__cri_find_status(c, id, "commit_container", &f, &st);
  if (rc < 0)
    return rc;
  Ctrt__Containerd__GetImageResponse *img = NULL;
  parts p = {0};
  char *name = NULL;
  layer_blob *layers = NULL;
  char image_id[72] = "";
  const char *image_ref = st->status ? st->status->image_ref : "";
  if ((rc = resolve(c, image_ref, &img)) < 0 || (rc = load_parts(c, img->image->target->digest, &p)) < 0 ||
      (rc = prefer_complete(c, &img, &p)) < 0)
    goto done;
  if (o->repo && o->repo[0] &&
      (name = ctrt__sprintf("%s:%s", o->repo, o->tag && o->tag[0] ? o->tag : "latest")) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  /* The base's layers as blobs, the new one last. */
  const json_t *mlayers = json_object_get(p.manifest, "layers");
  size_t n = json_array_size(mlayers);
  if ((layers = ctrt__calloc(n + 1, sizeof *layers)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    const json_t *l = json_array_get(mlayers, i);
    const char *mt = jstr(l, "mediaType");
    snprintf(layers[i].digest, sizeof layers[i].digest, "%s", jstr(l, "digest") ? jstr(l, "digest") : "");
    layers[i].size = (int64_t)json_integer_value(json_object_get(l, "size"));
    layers[i].gzip = mt && strstr(mt, "gzip") != NULL;
  }
  rc = commit_leased(c, f.container_id, o, &p, layers, n, name, image_id);
done:
  ctrt__free(layers);
  ctrt__free(name);
  parts_clear(&p);
  ctrt__cri_unpacked_free(img);
  ctrt__cri_unpacked_free(st);
  ctrt__cri_found_clear(&f);
  if (rc < 0)
    return ctrt__error_wrap("commit_container");
  ctrt_commit_outcome *r = ctrt__calloc(1, sizeof *r);
  if (r == NULL || (r->id = ctrt__strdup(image_id)) == NULL) {
    ctrt__free(r);
    ctrt__error_no_memory();
    return ctrt__error_wrap("commit_container");
  }
  *out = r;
  return 0;
}

/* ---- export_container_fs of a container that does not run ---- */

/* CRI's Exec needs a running process, so a stopped container's tree comes
 * from its snapshot: containerd's differ writes the whole of it as one
 * uncompressed layer (under a lease that the stream ends), read back from
 * Content as the consumer reads. */
typedef struct export_state {
  cri *c;
  lease l;
  blob_cursor k;
} export_state;

static void export_state_free(void *state) {
  export_state *s = state;
  cursor_close(&s->k);
  lease_end(s->c, &s->l);
  ctrt__free(s);
}

static int export_read(void *state, void *out, size_t cap, size_t *n_read) {
  export_state *s = state;
  int rc = cursor_read(&s->k, out, cap, n_read);
  return rc < 0 && rc != CTRT_ITEROVER ? ctrt__error_wrap("export_container_fs") : rc;
}

int ctrt__cri_export_stopped(cri *c, const ctrt_container_id *id, ctrt_image_export_stream **out) {
  *out = NULL;
  if (c->containerd_version == NULL)
    return 0;
  found f;
  Runtime__V1__ContainerStatusResponse *st = NULL;
  int rc = ctrt__cri_find_status(c, id, "export_container_fs", &f, &st);
  if (rc < 0)
    return rc;
  bool running = ctrt__cri_is_running(st);
  ctrt__cri_unpacked_free(st);
  export_state *s = NULL;
  Ctrt__Containerd__DiffResponse *diff = NULL;
  if (running)
    goto done; /* CRI's Exec reads its tree */
  if ((s = ctrt__calloc(1, sizeof *s)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  s->c = c;
  if ((rc = lease_begin(c, &s->l)) < 0) {
    ctrt__free(s);
    s = NULL;
    goto done;
  }
  if ((rc = snapshot_diff(c, &s->l, f.container_id, DIFF_WHOLE, MT_OCI_LAYER, &diff)) < 0 ||
      (rc = blob_open(c, &s->k.r, diff->diff->digest)) < 0) {
    export_state_free(s);
    s = NULL;
  }
done:
  ctrt__cri_unpacked_free(diff);
  ctrt__cri_found_clear(&f);
  if (rc < 0)
    return ctrt__error_wrap("export_container_fs");
  if (s == NULL)
    return 0;
  static const ctrt_stream_methods methods = {.read = export_read, .destroy = export_state_free};
  return ctrt_image_export_stream_new(out, &methods, s);
}

/* ---- changes_container: the differ's layers read as tar listings ---- */

/* A layer blob fed to libarchive as Content.Read delivers it. */
typedef struct tar_source {
  blob_cursor k;
  int error;
  char buf[64 * 1024];
} tar_source;

static la_ssize_t tar_source_read(struct archive *a, void *ctx, const void **buf) {
  tar_source *t = ctx;
  size_t n = 0;
  int rc = cursor_read(&t->k, t->buf, sizeof t->buf, &n);
  if (rc == CTRT_ITEROVER)
    return 0;
  if (rc < 0) {
    t->error = rc;
    archive_set_error(a, EIO, "Content.Read failed");
    return -1;
  }
  *buf = t->buf;
  return (la_ssize_t)n;
}

/* The failure of reading a differ's layer: Content.Read's, else libarchive's. */
static int layer_error(const tar_source *t, struct archive *a, const char *digest) {
  return t->error ? t->error : ctrt__error_internal("the differ's layer %s: %s", digest, archive_error_string(a));
}

/* fn(ctx, "/a/b") for each entry of the tar blob but the root. */
static int each_tar_path(cri *c, const char *digest, int (*fn)(void *ctx, const char *path), void *ctx) {
  tar_source *t = ctrt__calloc(1, sizeof *t);
  struct archive *a = t ? archive_read_new() : NULL;
  if (a == NULL) {
    ctrt__free(t);
    return ctrt__error_no_memory();
  }
  archive_read_support_format_tar(a);
  archive_read_support_format_empty(a);
  int rc;
  if ((rc = blob_open(c, &t->k.r, digest)) < 0)
    goto done;
  if (archive_read_open(a, t, NULL, tar_source_read, NULL) != ARCHIVE_OK) {
    rc = layer_error(t, a, digest);
    goto done;
  }
  for (;;) {
    struct archive_entry *e;
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF)
      break;
    const char *name = r == ARCHIVE_OK || r == ARCHIVE_WARN ? archive_entry_pathname(e) : NULL;
    if (name == NULL) {
      rc = layer_error(t, a, digest);
      goto done;
    }
    while (name[0] == '.' && name[1] == '/')
      name += 2;
    while (name[0] == '/')
      name++;
    size_t len = strlen(name);
    while (len > 0 && name[len - 1] == '/')
      len--;
    if (len == 0 || (len == 1 && name[0] == '.'))
      continue; /* the root */
    char *path = ctrt__sprintf("/%.*s", (int)len, name);
    rc = path ? fn(ctx, path) : ctrt__error_no_memory();
    ctrt__free(path);
    if (rc < 0)
      goto done;
  }
done:
  archive_read_free(a);
  cursor_close(&t->k);
  ctrt__free(t);
  return rc;
}

/* fn(ctx, path) for each path of the differ's layer of the container's
 * snapshot (span says which). */
static int diff_paths(cri *c, const lease *l, const char *container_id, diff_span span,
                      int (*fn)(void *ctx, const char *path), void *ctx) {
  Ctrt__Containerd__DiffResponse *diff = NULL;
  int rc;
  if ((rc = snapshot_diff(c, l, container_id, span, MT_OCI_LAYER, &diff)) < 0)
    return rc;
  rc = each_tar_path(c, diff->diff->digest, fn, ctx);
  ctrt__cri_unpacked_free(diff);
  return rc;
}

typedef struct path_set {
  char **items;
  size_t n, cap;
} path_set;

static int path_set_add(void *ctx, const char *path) {
  path_set *s = ctx;
  if (s->n == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 256;
    char **grown = ctrt__realloc(s->items, cap * sizeof *grown);
    CTRT__CHECK_ALLOC(grown);
    s->items = grown;
    s->cap = cap;
  }
  return (s->items[s->n++] = ctrt__strdup(path)) ? 0 : (s->n--, ctrt__error_no_memory());
}

static int path_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void path_set_clear(path_set *s) {
  for (size_t i = 0; i < s->n; i++)
    ctrt__free(s->items[i]);
  ctrt__free(s->items);
  memset(s, 0, sizeof *s);
}

typedef struct changes_ctx {
  cri *c;
  const lease *l;
  const char *container_id;
  path_set base; /* the parent's paths, sorted, read at the first need */
  bool base_read;
  ctrt_filesystem_change_entry_list *list;
  size_t cap;
} changes_ctx;

/* Whether path is in the container's parent snapshot (the image). */
static int in_base(changes_ctx *x, const char *path, bool *there) {
  if (!x->base_read) {
    int rc;
    if ((rc = diff_paths(x->c, x->l, x->container_id, DIFF_BASE, path_set_add, &x->base)) < 0)
      return rc;
    qsort(x->base.items, x->base.n, sizeof *x->base.items, path_cmp);
    x->base_read = true;
  }
  *there = x->base.n > 0 && bsearch(&path, x->base.items, x->base.n, sizeof *x->base.items, path_cmp) != NULL;
  return 0;
}

/* One entry of the changes layer: a whiteout ".wh.NAME" is NAME deleted,
 * the opaque marker ".wh..wh..opq" says nothing more than its directory's
 * own entry; anything else was added, or modified when the image has it. */
static int add_change(void *ctx, const char *path) {
  changes_ctx *x = ctx;
  const char *slash = strrchr(path, '/');
  const char *name = slash + 1;
  ctrt_filesystem_change_kind kind;
  char *changed;
  if (strncmp(name, ".wh.", 4) == 0) {
    if (strcmp(name, ".wh..wh..opq") == 0)
      return 0;
    kind = CTRT_FILESYSTEM_CHANGE_KIND_DELETED;
    changed = ctrt__sprintf("%.*s%s", (int)(name - path), path, name + 4);
  } else {
    bool there = false;
    int rc = in_base(x, path, &there);
    if (rc < 0)
      return rc;
    kind = there ? CTRT_FILESYSTEM_CHANGE_KIND_MODIFIED : CTRT_FILESYSTEM_CHANGE_KIND_ADDED;
    changed = ctrt__strdup(path);
  }
  CTRT__CHECK_ALLOC(changed);
  ctrt_filesystem_change_entry_list *l = x->list;
  if (l->n_items == x->cap) {
    size_t cap = x->cap ? 2 * x->cap : 16;
    ctrt_filesystem_change_entry *grown = ctrt__realloc(l->items, cap * sizeof *grown);
    if (grown == NULL) {
      ctrt__free(changed);
      return ctrt__error_no_memory();
    }
    l->items = grown;
    x->cap = cap;
  }
  ctrt_filesystem_change_entry *e = &l->items[l->n_items++];
  *e = (ctrt_filesystem_change_entry)CTRT_FILESYSTEM_CHANGE_ENTRY_INIT;
  e->kind = kind;
  e->path = changed;
  return 0;
}

/* Docker's changes from containerd's Snapshots and Diff: the differ's
 * uncompressed layer of the container's snapshot against its parent (what
 * commit_container writes, gzipped) lists what the container added,
 * modified or deleted (whiteouts), with the parent directories of each
 * change; telling added from modified takes the parent's own listing, a
 * second layer of the image's tree (both written under a lease that ends
 * here, so containerd collects them). */
int ctrt__cri_changes_container(void *self, ctrt_filesystem_change_entry_list **out, const ctrt_container_id *id) {
  cri *c = self;
  int rc = need_native(c, "changes_container");
  if (rc < 0)
    return rc;
  found f;
  rc = ctrt__cri_find(c, id, &f, false, "changes_container");
  if (rc < 0)
    return rc;
  changes_ctx x = {.c = c, .container_id = f.container_id};
  lease l;
  if ((x.list = ctrt__malloc(sizeof *x.list)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  *x.list = (ctrt_filesystem_change_entry_list)CTRT_FILESYSTEM_CHANGE_ENTRY_LIST_INIT;
  if ((rc = lease_begin(c, &l)) < 0)
    goto done;
  x.l = &l;
  rc = diff_paths(c, &l, f.container_id, DIFF_CHANGES, add_change, &x);
  lease_end(c, &l);
done:
  path_set_clear(&x.base);
  ctrt__cri_found_clear(&f);
  if (rc < 0) {
    ctrt_filesystem_change_entry_list_free(x.list);
    return ctrt__error_wrap("changes_container");
  }
  *out = x.list;
  return 0;
}
