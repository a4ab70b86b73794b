/* SPDX-License-Identifier: MIT */
/* The mock's images: a content-addressed store (id = sha256 of the image
 * config), tags and digests, docker-archive load/save, import, commit, and
 * pulls from the configurable in-memory registry with Docker's progress
 * events. */
#include "gen_internal.h"
#include "mock.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>

#define ARCHIVE_CHUNK ((size_t)64 * 1024)

/* ---- references ---- */

char *mock_normalize_ref(const char *ref) {
  if (strchr(ref, '@') != NULL)
    return ctrt__strdup(ref);
  const char *slash = strrchr(ref, '/');
  const char *colon = strrchr(slash ? slash : ref, ':');
  if (colon != NULL)
    return ctrt__strdup(ref);
  return ctrt__sprintf("%s:latest", ref);
}

/* "host:5000/ctrt/busybox:latest" -> repository "host:5000/ctrt/busybox". */
static char *repository_of(const char *normalized) {
  const char *at = strchr(normalized, '@');
  if (at)
    return ctrt__strndup(normalized, (size_t)(at - normalized));
  const char *slash = strrchr(normalized, '/');
  const char *colon = strrchr(slash ? slash : normalized, ':');
  return colon ? ctrt__strndup(normalized, (size_t)(colon - normalized)) : ctrt__strdup(normalized);
}

static bool is_hex(const char *s) {
  if (*s == '\0')
    return false;
  for (; *s; s++)
    if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
      return false;
  return true;
}

mock_image *mock_find_image(mock_runtime *m, const char *ref) {
  if (ref == NULL)
    return NULL;
  char *normalized = mock_normalize_ref(ref);
  mock_image *found = NULL;
  for (size_t i = 0; normalized && i < m->n_images && !found; i++) {
    mock_image *img = m->images[i];
    for (size_t t = 0; t < img->n_tags && !found; t++)
      if (strcmp(img->tags[t], normalized) == 0)
        found = img;
    for (size_t d = 0; d < img->n_digests && !found; d++)
      if (strcmp(img->digests[d], ref) == 0)
        found = img;
  }
  ctrt__free(normalized);
  if (found)
    return found;
  /* Ids: "sha256:<hex>" or a unique hex prefix of at least 4 digits. */
  const char *hex = strncmp(ref, "sha256:", 7) == 0 ? ref + 7 : ref;
  if (!is_hex(hex) || strlen(hex) < 4)
    return NULL;
  size_t matches = 0;
  for (size_t i = 0; i < m->n_images; i++) {
    if (strncmp(m->images[i]->id + 7, hex, strlen(hex)) == 0) {
      found = m->images[i];
      matches++;
    }
  }
  return matches == 1 ? found : NULL;
}

static int image_not_found(const char *ref) { return ctrt__error_not_found(ref, "No such image"); }

/* ---- the store ---- */

void mock_image_free(mock_image *img) {
  if (img == NULL)
    return;
  ctrt__free(img->id);
  ctrt__free(img->config_json);
  json_decref(img->config);
  for (size_t i = 0; i < img->n_layers; i++)
    memfs_blob_unref(img->layers[i]);
  ctrt__free(img->layers);
  for (size_t i = 0; i < img->n_tags; i++)
    ctrt__free(img->tags[i]);
  ctrt__free(img->tags);
  for (size_t i = 0; i < img->n_digests; i++)
    ctrt__free(img->digests[i]);
  ctrt__free(img->digests);
  ctrt__free(img->parent);
  memfs_free(img->rootfs);
  ctrt__free(img);
}

static int strv_add(char ***items, size_t *n, const char *value) {
  for (size_t i = 0; i < *n; i++)
    if (strcmp((*items)[i], value) == 0)
      return 0;
  char **grown = ctrt__realloc(*items, (*n + 1) * sizeof *grown);
  CTRT__CHECK_ALLOC(grown);
  *items = grown;
  grown[*n] = ctrt__strdup(value);
  CTRT__CHECK_ALLOC(grown[*n]);
  (*n)++;
  return 0;
}

static bool strv_remove(char **items, size_t *n, const char *value) {
  for (size_t i = 0; i < *n; i++) {
    if (strcmp(items[i], value) == 0) {
      ctrt__free(items[i]);
      memmove(&items[i], &items[i + 1], (*n - i - 1) * sizeof *items);
      (*n)--;
      return true;
    }
  }
  return false;
}

/* Point tag at img, taking it away from whichever image had it. */
static int move_tag(mock_runtime *m, mock_image *img, const char *tag) {
  for (size_t i = 0; i < m->n_images; i++)
    if (m->images[i] != img)
      strv_remove(m->images[i]->tags, &m->images[i]->n_tags, tag);
  return strv_add(&img->tags, &img->n_tags, tag);
}

static int apply_layer(memfs *fs, memfs_blob *layer) {
  ctrt_byte_source *src = NULL;
  memfs_tar_options options = {.mode = MEMFS_TAR_LAYER};
  int rc;
  if ((rc = ctrt_byte_source_from_buffer(&src, memfs_blob_data(layer), memfs_blob_len(layer))) < 0)
    goto done;
  rc = memfs_apply_tar(fs, "/", src, &options);
done:
  ctrt_byte_source_free(src);
  return rc;
}

int mock_store_image(mock_runtime *m, const char *config_json, memfs_blob **layers, size_t n_layers, const char *tag,
                     mock_image **out) {
  char *id = ctrt__sha256_digest_string(config_json, strlen(config_json));
  CTRT__CHECK_ALLOC(id);
  mock_image *img = NULL;
  for (size_t i = 0; i < m->n_images && !img; i++)
    if (strcmp(m->images[i]->id, id) == 0)
      img = m->images[i];
  int rc = 0;
  if (img == NULL) {
    json_error_t jerr;
    json_t *config = json_loads(config_json, 0, &jerr);
    if (!json_is_object(config)) {
      json_decref(config);
      ctrt__free(id);
      return ctrt__error_invalid_spec("the image config is not a JSON object: %s", jerr.text);
    }
    img = ctrt__calloc(1, sizeof *img);
    mock_image **grown = img ? ctrt__realloc(m->images, (m->n_images + 1) * sizeof *grown) : NULL;
    if (grown == NULL) {
      json_decref(config);
      ctrt__free(img);
      ctrt__free(id);
      return ctrt__error_no_memory();
    }
    m->images = grown;
    img->id = id;
    id = NULL;
    img->config = config;
    img->config_json = ctrt__strdup(config_json);
    img->layers = ctrt__calloc(n_layers ? n_layers : 1, sizeof *img->layers);
    if ((rc = img->config_json && img->layers ? memfs_new(&img->rootfs) : ctrt__error_no_memory()) < 0)
      goto fail;
    memfs_set_limits(img->rootfs, m->max_file, m->max_image);
    for (size_t i = 0; i < n_layers; i++) {
      img->layers[img->n_layers++] = memfs_blob_ref(layers[i]);
      if ((rc = apply_layer(img->rootfs, layers[i])) < 0)
        goto fail;
    }
    img->size = memfs_size(img->rootfs);
    m->images[m->n_images++] = img;
  }
  ctrt__free(id);
  if (tag != NULL) {
    char *normalized = mock_normalize_ref(tag);
    rc = normalized ? move_tag(m, img, normalized) : ctrt__error_no_memory();
    ctrt__free(normalized);
    if (rc < 0)
      return rc;
  }
  if (out)
    *out = img;
  return 0;
fail:
  mock_image_free(img);
  return rc;
}

bool mock_image_in_use(mock_runtime *m, const mock_image *img, mock_container **user) {
  for (size_t i = 0; i < m->n_containers; i++) {
    mock_container *c = m->containers[i];
    if (!c->removed && strcmp(c->image_id, img->id) == 0) {
      if (user)
        *user = c;
      return true;
    }
  }
  return false;
}

static void drop_image(mock_runtime *m, mock_image *img) {
  for (size_t i = 0; i < m->n_images; i++) {
    if (m->images[i] == img) {
      memmove(&m->images[i], &m->images[i + 1], (m->n_images - i - 1) * sizeof *m->images);
      m->n_images--;
      break;
    }
  }
  mock_image_free(img);
}

/* ---- docker-archive parsing (load_images, registry_add) ---- */

typedef struct archive_file {
  char *name;
  memfs_blob *blob;
} archive_file;

typedef struct archive_files {
  archive_file *files;
  size_t n;
} archive_files;

static void archive_files_clear(archive_files *af) {
  for (size_t i = 0; i < af->n; i++) {
    ctrt__free(af->files[i].name);
    memfs_blob_unref(af->files[i].blob);
  }
  ctrt__free(af->files);
  af->files = NULL;
  af->n = 0;
}

static memfs_blob *archive_file_get(const archive_files *af, const char *name) {
  for (size_t i = 0; i < af->n; i++)
    if (strcmp(af->files[i].name, name) == 0)
      return af->files[i].blob;
  return NULL;
}

/* The archive's failure: the source's error, a limit, or a malformed tar. */
static int archive_failure(struct archive *a, const memfs_unpack *u, uint64_t max, const char *what) {
  if (memfs_unpack_source_rc(u) < 0)
    return memfs_unpack_source_rc(u);
  if (memfs_unpack_over(u))
    return ctrt__error_invalid_spec("docker-archive: the uncompressed tar passes %" PRIu64
                                    " bytes (the mock's limit: four images at ctrt_mock_set_fs_limits's max_image)",
                                    max);
  return ctrt__error_invalid_spec("%s: %s", what, archive_error_string(a));
}

/*
 * Read every regular file of a tar (any compression) into memory, at most
 * memfs_tar_stream_max(4 * max_image) bytes of uncompressed tar (0: any):
 * bounded like every tar the mock takes in (memfs_unpack), so a few
 * hundred bytes of bzip2 cannot fill memory.
 */
static int read_archive_files(ctrt_byte_source *src, uint64_t max_image, archive_files *out) {
  memset(out, 0, sizeof *out);
  uint64_t max = max_image <= UINT64_MAX / 4 ? memfs_tar_stream_max(4 * max_image) : 0;
  memfs_unpack *reader = NULL;
  struct archive *a = NULL;
  int rc;
  if ((rc = memfs_unpack_new(&reader, src, max)) < 0)
    goto done;
  if ((a = archive_read_new()) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  archive_read_support_format_tar(a);
  if (archive_read_open(a, reader, NULL, memfs_unpack_read, NULL) != ARCHIVE_OK)
    rc = archive_failure(a, reader, max, "not a docker-archive tar");
  struct archive_entry *entry;
  while (rc == 0) {
    int r = archive_read_next_header(a, &entry);
    if (r == ARCHIVE_EOF)
      break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      rc = archive_failure(a, reader, max, "not a docker-archive tar");
      break;
    }
    if (archive_entry_filetype(entry) != AE_IFREG)
      continue;
    const char *name = archive_entry_pathname(entry);
    while (name[0] == '.' && name[1] == '/')
      name += 2;
    size_t cap = (size_t)64 * 1024, len = 0;
    uint8_t *data = ctrt__malloc(cap);
    for (;;) {
      if (data == NULL) {
        rc = ctrt__error_no_memory();
        break;
      }
      if (len == cap) {
        uint8_t *grown = ctrt__realloc(data, cap *= 2);
        if (grown == NULL) {
          ctrt__free(data);
          data = NULL;
          continue;
        }
        data = grown;
      }
      la_ssize_t n = archive_read_data(a, data + len, cap - len);
      if (n == 0)
        break;
      if (n < 0) {
        rc = archive_failure(a, reader, max, "truncated docker-archive");
        break;
      }
      len += (size_t)n;
    }
    if (rc < 0) {
      ctrt__free(data);
      break;
    }
    archive_file *grown = ctrt__realloc(out->files, (out->n + 1) * sizeof *grown);
    memfs_blob *blob = NULL;
    if (grown == NULL || memfs_blob_adopt(&blob, data, len) < 0) {
      if (grown)
        out->files = grown;
      if (blob == NULL)
        ctrt__free(data);
      rc = ctrt__error_no_memory();
      break;
    }
    out->files = grown;
    out->files[out->n].blob = blob;
    out->files[out->n].name = ctrt__strdup(name);
    out->n++;
    if (out->files[out->n - 1].name == NULL)
      rc = ctrt__error_no_memory();
  }
done:
  if (a != NULL)
    archive_read_free(a);
  memfs_unpack_free(reader);
  if (rc < 0)
    archive_files_clear(out);
  return rc;
}

/* ---- references as Docker parses them (distribution/reference) ---- */

static bool ref_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/* path-component: [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)* */
static bool ref_path_component(const char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t st = i;
    while (i < n && ref_alnum(s[i]))
      i++;
    if (i == st)
      return false;
    if (i == n)
      return true;
    size_t sep = i;
    if (s[i] == '.')
      i++;
    else if (s[i] == '_')
      i += i + 1 < n && s[i + 1] == '_' ? 2 : 1;
    else
      while (i < n && s[i] == '-')
        i++;
    if (i == sep)
      return false;
  }
  return false; /* ends with a separator */
}

/* domain: host components [A-Za-z0-9-] (no '-' at their ends), '.'-joined,
 * then an optional ":port" */
static bool ref_domain(const char *s, size_t n) {
  const char *colon = memchr(s, ':', n);
  size_t hn = colon ? (size_t)(colon - s) : n;
  if (colon != NULL) {
    size_t pn = n - hn - 1;
    if (pn == 0)
      return false;
    for (size_t i = 0; i < pn; i++)
      if (!isdigit((unsigned char)colon[1 + i]))
        return false;
  }
  size_t i = 0;
  while (i <= hn) {
    size_t st = i;
    while (i < hn && (isalnum((unsigned char)s[i]) || s[i] == '-'))
      i++;
    if (i == st || s[st] == '-' || s[i - 1] == '-')
      return false;
    if (i == hn)
      return true;
    if (s[i] != '.')
      return false;
    i++;
  }
  return false;
}

/* Whether ref is a "name:tag" Docker accepts in RepoTags; else 0 with the
 * message Docker's image load gives. */
static int check_repo_tag(const char *ref) {
  CTRT__CHECK_ARG(ref[0] != '\0', "repository name must have at least one component");
  const char *slash = strrchr(ref, '/');
  const char *colon = strrchr(slash ? slash : ref, ':');
  size_t name_len = colon ? (size_t)(colon - ref) : strlen(ref);
  /* a first component with '.' or ':', or "localhost", is a registry; one
   * with uppercase is not (Docker 20.10's reference grammar, and the
   * dispatcher's check of every other reference: a load must not store a
   * tag that inspect then refuses) */
  const char *first_end = memchr(ref, '/', name_len);
  size_t path_start = 0;
  if (first_end != NULL) {
    size_t fn = (size_t)(first_end - ref);
    bool domain = fn == 9 && strncmp(ref, "localhost", 9) == 0;
    for (size_t i = 0; i < fn && !domain; i++)
      domain = ref[i] == '.' || ref[i] == ':';
    if (domain) {
      CTRT__CHECK_ARG(ref_domain(ref, fn), "invalid reference format");
      path_start = fn + 1;
    }
  }
  CTRT__CHECK_ARG(name_len <= 255, "invalid reference format: repository name must not be more than 255 characters");
  for (size_t i = path_start; i < name_len; i++)
    if (isupper((unsigned char)ref[i]))
      return ctrt__error_invalid_argument("invalid reference format: repository name must be lowercase");
  for (size_t i = path_start; i <= name_len;) {
    const char *end = memchr(ref + i, '/', name_len - i);
    size_t cn = end ? (size_t)(end - ref) - i : name_len - i;
    CTRT__CHECK_ARG(ref_path_component(ref + i, cn), "invalid reference format");
    i += cn + 1;
  }
  CTRT__CHECK_ARG(colon != NULL, "invalid tag \"%s\"", ref);
  const char *tag = colon + 1;
  size_t tn = strlen(tag);
  bool ok = tn >= 1 && tn <= 128 && (isalnum((unsigned char)tag[0]) || tag[0] == '_');
  for (size_t i = 1; ok && i < tn; i++)
    ok = isalnum((unsigned char)tag[i]) || tag[i] == '_' || tag[i] == '.' || tag[i] == '-';
  return ok ? 0 : ctrt__error_invalid_argument("invalid reference format");
}

/* One image of a manifest.json. */
typedef struct archive_image {
  const char *config_json; /* borrowed from the files (NUL-terminated copy) */
  char *config_copy;
  memfs_blob **layers;
  size_t n_layers;
  json_t *tags; /* borrowed array */
} archive_image;

static int read_manifest(const archive_files *af, json_t **manifest) {
  memfs_blob *blob = archive_file_get(af, "manifest.json");
  if (blob == NULL)
    return ctrt__error_invalid_spec("not a docker-archive: manifest.json is missing");
  json_error_t jerr;
  *manifest = json_loadb((const char *)memfs_blob_data(blob), memfs_blob_len(blob), 0, &jerr);
  if (!json_is_array(*manifest) || json_array_size(*manifest) == 0) {
    json_decref(*manifest);
    *manifest = NULL;
    return ctrt__error_invalid_spec("not a docker-archive: manifest.json is not a non-empty array (%s)", jerr.text);
  }
  return 0;
}

static void archive_image_clear(archive_image *ai) {
  ctrt__free(ai->config_copy);
  ctrt__free(ai->layers);
  memset(ai, 0, sizeof *ai);
}

static int manifest_image(const archive_files *af, json_t *item, archive_image *out) {
  memset(out, 0, sizeof *out);
  const char *config_name = json_string_value(json_object_get(item, "Config"));
  json_t *layers = json_object_get(item, "Layers");
  if (config_name == NULL || !json_is_array(layers))
    return ctrt__error_invalid_spec("not a docker-archive: a manifest entry lacks Config or Layers");
  memfs_blob *config = archive_file_get(af, config_name);
  if (config == NULL)
    return ctrt__error_invalid_spec("docker-archive: config %s is missing", config_name);
  /* The id hashes the config's bytes, and JSON text never holds a NUL: one
   * would make the hash (and the parse) cover only what precedes it. */
  const void *nul = memchr(memfs_blob_data(config), 0, memfs_blob_len(config));
  if (nul != NULL)
    return ctrt__error_invalid_spec("docker-archive: config %s is not JSON (a NUL byte at offset %zu)", config_name,
                                    (size_t)((const uint8_t *)nul - memfs_blob_data(config)));
  out->config_copy = ctrt__strndup((const char *)memfs_blob_data(config), memfs_blob_len(config));
  out->layers = ctrt__calloc(json_array_size(layers) + 1, sizeof *out->layers);
  if (out->config_copy == NULL || out->layers == NULL) {
    archive_image_clear(out);
    return ctrt__error_no_memory();
  }
  out->config_json = out->config_copy;
  for (size_t i = 0; i < json_array_size(layers); i++) {
    const char *name = json_string_value(json_array_get(layers, i));
    memfs_blob *layer = name ? archive_file_get(af, name) : NULL;
    if (layer == NULL) {
      archive_image_clear(out);
      return ctrt__error_invalid_spec("docker-archive: layer %s is missing", name ? name : "(not a string)");
    }
    out->layers[out->n_layers++] = layer;
  }
  out->tags = json_object_get(item, "RepoTags");
  /* checked before anything is stored, as Docker parses them */
  for (size_t t = 0; t < json_array_size(out->tags); t++) {
    const char *tag = json_string_value(json_array_get(out->tags, t));
    int rc = tag != NULL ? check_repo_tag(tag) : ctrt__error_invalid_argument("invalid reference format");
    if (rc < 0) {
      archive_image_clear(out);
      return rc;
    }
  }
  return 0;
}

/* ---- load_images ---- */

static int push_item(void ***items, size_t *n, void *item) {
  void **grown = ctrt__realloc(*items, (*n + 1) * sizeof *grown);
  CTRT__CHECK_ALLOC(grown);
  *items = grown;
  grown[(*n)++] = item;
  return 0;
}

static int load_status(void ***items, size_t *n, const char *id, const char *text) {
  ctrt_load_progress *p = ctrt__malloc(sizeof *p);
  CTRT__CHECK_ALLOC(p);
  *p = (ctrt_load_progress)CTRT_LOAD_PROGRESS_INIT;
  p->kind = CTRT_LOAD_PROGRESS_STATUS;
  p->status = (ctrt_load_progress_status)CTRT_LOAD_PROGRESS_STATUS_INIT;
  p->status.id = id ? ctrt__strdup(id) : NULL;
  p->status.status = ctrt__strdup(text);
  if (p->status.status == NULL || (id && p->status.id == NULL) || push_item(items, n, p) < 0) {
    ctrt_load_progress_free(p);
    return ctrt__error_no_memory();
  }
  return 0;
}

static void free_load_items(void **items, size_t n) {
  for (size_t i = 0; i < n; i++)
    ctrt_load_progress_free(items[i]);
  ctrt__free(items);
}

/* One manifest entry: its layers' status lines, the image, its tags. */
static int load_one(mock_runtime *m, const archive_files *af, json_t *item, bool quiet, void ***items, size_t *n_items,
                    ctrt_load_progress *done) {
  archive_image ai;
  mock_image *img = NULL;
  char *text = NULL, *normalized = NULL;
  int rc;
  if ((rc = manifest_image(af, item, &ai)) < 0)
    return rc;
  for (size_t l = 0; !quiet && l < ai.n_layers; l++) {
    char *digest = ctrt__sha256_digest_string(memfs_blob_data(ai.layers[l]), memfs_blob_len(ai.layers[l]));
    text = digest ? ctrt__sprintf("Loading layer %.12s", digest + 7) : NULL;
    ctrt__free(digest);
    if ((rc = text ? load_status(items, n_items, NULL, text) : ctrt__error_no_memory()) < 0)
      goto done;
    ctrt__free(text);
    text = NULL;
  }
  if ((rc = mock_store_image(m, ai.config_json, ai.layers, ai.n_layers, NULL, &img)) < 0)
    goto done;
  size_t n_tags = json_array_size(ai.tags);
  for (size_t t = 0; t < n_tags; t++) {
    normalized = mock_normalize_ref(json_string_value(json_array_get(ai.tags, t)));
    text = normalized ? ctrt__sprintf("Loaded image: %s", normalized) : NULL;
    if ((rc = normalized ? move_tag(m, img, normalized) : ctrt__error_no_memory()) < 0 ||
        (rc = text ? load_status(items, n_items, NULL, text) : ctrt__error_no_memory()) < 0 ||
        (rc = strv_add(&done->done.references, &done->done.n_references, normalized)) < 0)
      goto done;
    ctrt__free(text);
    ctrt__free(normalized);
    text = normalized = NULL;
  }
  if (n_tags == 0) {
    text = ctrt__sprintf("Loaded image ID: %s", img->id);
    if ((rc = text ? load_status(items, n_items, NULL, text) : ctrt__error_no_memory()) < 0 ||
        (rc = strv_add(&done->done.references, &done->done.n_references, img->id)) < 0)
      goto done;
  }
done:
  ctrt__free(text);
  ctrt__free(normalized);
  archive_image_clear(&ai);
  return rc;
}

int mock_load_images(void *self, ctrt_load_progress_stream **out, ctrt_byte_source *tar, bool quiet) {
  mock_runtime *m = self;
  archive_files af;
  void **items = NULL;
  size_t n_items = 0;
  int final_error = 0;
  char final_message[CTRT__ERROR_MESSAGE_MAX] = "";
  json_t *manifest = NULL;
  ctrt_load_progress *done = NULL;
  int rc;
  if ((rc = read_archive_files(tar, m->max_image, &af)) < 0 || (rc = read_manifest(&af, &manifest)) < 0)
    goto loaded;
  if ((done = ctrt__malloc(sizeof *done)) == NULL) {
    rc = ctrt__error_no_memory();
    goto loaded;
  }
  *done = (ctrt_load_progress)CTRT_LOAD_PROGRESS_INIT;
  done->kind = CTRT_LOAD_PROGRESS_DONE;
  done->done = (ctrt_load_progress_done)CTRT_LOAD_PROGRESS_DONE_INIT;
  mock_lock(m);
  for (size_t i = 0; i < json_array_size(manifest); i++)
    if ((rc = load_one(m, &af, json_array_get(manifest, i), quiet, &items, &n_items, done)) < 0)
      break;
  mock_unlock(m);
loaded:
  json_decref(manifest);
  archive_files_clear(&af);
  if (rc == CTRT_ENO_MEMORY) {
    free_load_items(items, n_items);
    ctrt_load_progress_free(done);
    return rc;
  }
  if (rc < 0) {
    /* Like Docker: the request succeeds and the error arrives in the stream. */
    final_error = rc;
    snprintf(final_message, sizeof final_message, "%s", ctrt_error_last()->message);
    ctrt_load_progress_free(done);
    done = NULL;
  } else if (push_item(&items, &n_items, done) < 0) {
    ctrt_load_progress_free(done);
    free_load_items(items, n_items);
    return ctrt__error_no_memory();
  }
  ctrt__stream *stream = NULL;
  rc = ctrt__stream_from_items(&stream, items, n_items, ctrt__load_progress_stream_item_free, final_error,
                               final_error ? final_message : NULL);
  *out = (ctrt_load_progress_stream *)stream;
  return rc;
}

/* ---- import_image / commit_container: building configs ---- */

static char *now_rfc3339(void) {
  char buf[64];
  ctrt_timestamp now = ctrt__timestamp_now();
  ctrt__timestamp_format(buf, sizeof buf, &now);
  return ctrt__strdup(buf);
}

static char *layer_digest(memfs_blob *layer) {
  return ctrt__sha256_digest_string(memfs_blob_data(layer), memfs_blob_len(layer));
}

static int dump_config(json_t *config, char **out) {
  *out = json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS);
  return *out ? 0 : ctrt__error_no_memory();
}

/* Read the whole rootfs (it becomes an in-memory layer anyway). */
static int read_layer(ctrt_byte_source *src, memfs_blob **out) {
  size_t cap = ARCHIVE_CHUNK, len = 0;
  uint8_t *data = ctrt__malloc(cap);
  CTRT__CHECK_ALLOC(data);
  int rc;
  for (;;) {
    if (len == cap) {
      uint8_t *grown = ctrt__realloc(data, cap *= 2);
      if (grown == NULL) {
        rc = ctrt__error_no_memory();
        goto fail;
      }
      data = grown;
    }
    size_t n = 0;
    if ((rc = ctrt_byte_source_read(src, data + len, cap - len, &n)) == CTRT_ITEROVER)
      break;
    if (rc < 0)
      goto fail;
    len += n;
  }
  if ((rc = memfs_blob_adopt(out, data, len)) < 0)
    goto fail;
  return 0;
fail:
  ctrt__free(data);
  return rc;
}

int mock_import_image(void *self, char **out, ctrt_byte_source *tar, const char *repo, const char *tag) {
  mock_runtime *m = self;
  memfs_blob *layer = NULL;
  memfs *probe = NULL;
  char *created = NULL, *digest = NULL, *config_json = NULL, *reference = NULL;
  mock_image *img = NULL;
  int rc;
  if ((rc = read_layer(tar, &layer)) < 0 || (rc = memfs_new(&probe)) < 0)
    goto done;
  /* Check it is a tar by extracting it, as Docker does. */
  memfs_set_limits(probe, m->max_file, m->max_image);
  if (apply_layer(probe, layer) < 0) {
    rc = ctrt__error_wrap("import_image: the upload is not a rootfs tar");
    goto done;
  }
  memfs_free(probe);
  probe = NULL;
  created = now_rfc3339();
  digest = layer_digest(layer);
  if (created == NULL || digest == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  json_t *config = json_pack("{s:s, s:s, s:{}, s:s, s:{s:s, s:[s]}, s:[{s:s, s:s}]}", "architecture", "amd64", "os",
                             "linux", "config", "created", created, "rootfs", "type", "layers", "diff_ids", digest,
                             "history", "created", created, "comment", "Imported from -");
  rc = config ? dump_config(config, &config_json) : ctrt__error_no_memory();
  json_decref(config);
  if (rc < 0)
    goto done;
  if (repo != NULL && repo[0] != '\0' &&
      (reference = ctrt__sprintf("%s:%s", repo, tag && tag[0] ? tag : "latest")) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  mock_lock(m);
  if ((rc = mock_store_image(m, config_json, &layer, 1, reference, &img)) >= 0 &&
      (*out = ctrt__strdup(reference ? reference : img->id)) == NULL)
    rc = ctrt__error_no_memory();
  mock_unlock(m);
done:
  memfs_free(probe);
  memfs_blob_unref(layer);
  ctrt__free(created);
  ctrt__free(digest);
  ctrt__free(config_json);
  ctrt__free(reference);
  return rc;
}

/* Split "CMD [\"a\", \"b\"]" / "CMD a b" into a JSON array (shell form runs
 * under /bin/sh -c, as Dockerfiles do). */
static json_t *command_value(const char *args, bool shell_form_allowed) {
  json_error_t jerr;
  while (isspace((unsigned char)*args))
    args++;
  if (*args == '[') {
    json_t *array = json_loads(args, 0, &jerr);
    if (json_is_array(array))
      return array;
    json_decref(array);
    return NULL;
  }
  if (!shell_form_allowed)
    return NULL;
  return json_pack("[s, s, s]", "/bin/sh", "-c", args);
}

/* ENV or LABEL KEY=VALUE (a quoted value loses its quotes). */
static int set_key_value(json_t *cfg, const char *instruction, const char *key, char *value) {
  if (value[0] == '"' && strlen(value) >= 2 && value[strlen(value) - 1] == '"') {
    memmove(value, value + 1, strlen(value));
    value[strlen(value) - 1] = '\0';
  }
  if (strcmp(instruction, "ENV") != 0) {
    json_t *labels = json_object_get(cfg, "Labels");
    if (!json_is_object(labels)) {
      labels = json_object();
      json_object_set_new(cfg, "Labels", labels);
    }
    json_object_set_new(labels, key, json_string(value));
    return 0;
  }
  json_t *env = json_object_get(cfg, "Env");
  if (!json_is_array(env)) {
    env = json_array();
    json_object_set_new(cfg, "Env", env);
  }
  size_t klen = strlen(key);
  size_t i;
  json_t *item;
  json_array_foreach(env, i, item) {
    const char *s = json_string_value(item);
    if (s && strncmp(s, key, klen) == 0 && s[klen] == '=') {
      json_array_remove(env, i);
      break;
    }
  }
  char *entry = ctrt__sprintf("%s=%s", key, value);
  CTRT__CHECK_ALLOC(entry);
  json_array_append_new(env, json_string(entry));
  ctrt__free(entry);
  return 0;
}

static int apply_change(json_t *cfg, const char *change) {
  while (isspace((unsigned char)*change))
    change++;
  size_t word = strcspn(change, " \t");
  char instruction[16] = "";
  for (size_t i = 0; i < word && i + 1 < sizeof instruction; i++)
    instruction[i] = (char)toupper((unsigned char)change[i]);
  const char *args = change + word;
  while (isspace((unsigned char)*args))
    args++;
  if (strcmp(instruction, "CMD") == 0 || strcmp(instruction, "ENTRYPOINT") == 0) {
    json_t *value = command_value(args, true);
    if (value == NULL)
      return ctrt__error_invalid_spec("commit: cannot parse %s arguments '%s'", instruction, args);
    json_object_set_new(cfg, strcmp(instruction, "CMD") == 0 ? "Cmd" : "Entrypoint", value);
    return 0;
  }
  if (strcmp(instruction, "ENV") == 0 || strcmp(instruction, "LABEL") == 0) {
    const char *eq = strchr(args, '=');
    const char *sp = strpbrk(args, " \t");
    char *key, *value;
    if (eq && (!sp || eq < sp)) {
      key = ctrt__strndup(args, (size_t)(eq - args));
      value = ctrt__strdup(eq + 1);
    } else if (sp) {
      key = ctrt__strndup(args, (size_t)(sp - args));
      const char *v = sp;
      while (isspace((unsigned char)*v))
        v++;
      value = ctrt__strdup(v);
    } else {
      return ctrt__error_invalid_spec("commit: %s needs KEY=VALUE, got '%s'", instruction, args);
    }
    int rc = key && value ? set_key_value(cfg, instruction, key, value) : ctrt__error_no_memory();
    ctrt__free(key);
    ctrt__free(value);
    return rc;
  }
  if (strcmp(instruction, "WORKDIR") == 0 || strcmp(instruction, "USER") == 0) {
    json_object_set_new(cfg, strcmp(instruction, "WORKDIR") == 0 ? "WorkingDir" : "User", json_string(args));
    return 0;
  }
  if (strcmp(instruction, "EXPOSE") == 0) {
    json_t *ports = json_object_get(cfg, "ExposedPorts");
    if (!json_is_object(ports)) {
      ports = json_object();
      json_object_set_new(cfg, "ExposedPorts", ports);
    }
    char *port = strchr(args, '/') ? ctrt__strdup(args) : ctrt__sprintf("%s/tcp", args);
    CTRT__CHECK_ALLOC(port);
    json_object_set_new(ports, port, json_object());
    ctrt__free(port);
    return 0;
  }
  return ctrt__error_invalid_spec("%s is not a valid change command (supported: CMD, ENTRYPOINT, ENV, LABEL, "
                                  "WORKDIR, USER, EXPOSE)",
                                  instruction[0] ? instruction : "(empty)");
}

static json_t *strv_json(char *const *items, size_t n) {
  json_t *array = json_array();
  for (size_t i = 0; array && i < n; i++)
    json_array_append_new(array, json_string(items[i]));
  return array;
}

/* The committed image's config: the base's, with the container's
 * configuration and the requested changes, a new layer and history entry. */
static int commit_config(json_t *config, const mock_container *c, const ctrt_commit_options *options,
                         const char *created, const char *digest) {
  int rc;
  json_t *cfg = json_object_get(config, "config");
  if (!json_is_object(cfg)) {
    cfg = json_object();
    json_object_set_new(config, "config", cfg);
  }
  json_object_set_new(cfg, "Env", strv_json(c->env, c->n_env));
  json_object_set_new(cfg, "Cmd", strv_json(c->argv, c->argc));
  json_object_del(cfg, "Entrypoint");
  if (c->workdir)
    json_object_set_new(cfg, "WorkingDir", json_string(c->workdir));
  json_t *labels = json_object_get(cfg, "Labels");
  if (!json_is_object(labels)) {
    labels = json_object();
    json_object_set_new(cfg, "Labels", labels);
  }
  for (size_t i = 0; i < c->spec->n_labels; i++)
    json_object_set_new(labels, c->spec->labels[i].key, json_string(c->spec->labels[i].value));
  for (size_t i = 0; options->has_changes && i < options->n_changes; i++)
    if ((rc = apply_change(cfg, options->changes[i])) < 0)
      return rc;
  json_object_set_new(config, "created", json_string(created));
  json_object_set_new(config, "container", json_string(c->runtime_id));
  json_object_set_new(config, "docker_version", json_string("ctrt-mock"));
  if (options->author)
    json_object_set_new(config, "author", json_string(options->author));
  else
    json_object_del(config, "author");
  if (options->comment)
    json_object_set_new(config, "comment", json_string(options->comment));
  else
    json_object_del(config, "comment");
  json_t *rootfs = json_object_get(config, "rootfs");
  json_t *diff_ids = json_object_get(rootfs, "diff_ids");
  if (!json_is_array(diff_ids)) {
    diff_ids = json_array();
    json_object_set_new(config, "rootfs", json_pack("{s:s, s:o}", "type", "layers", "diff_ids", diff_ids));
  }
  json_array_append_new(diff_ids, json_string(digest));
  json_t *history = json_object_get(config, "history");
  if (!json_is_array(history)) {
    history = json_array();
    json_object_set_new(config, "history", history);
  }
  json_t *entry = json_pack("{s:s, s:s}", "created", created, "created_by", c->argc ? c->argv[c->argc - 1] : "");
  if (options->comment)
    json_object_set_new(entry, "comment", json_string(options->comment));
  if (options->author)
    json_object_set_new(entry, "author", json_string(options->author));
  json_array_append_new(history, entry);
  return 0;
}

/* The base's layers and the new one, stored; a new image's parent is the base. */
static int store_commit(mock_runtime *m, const mock_image *base, memfs_blob *layer, const char *config_json,
                        const char *reference, mock_image **img) {
  memfs_blob **layers = ctrt__calloc(base->n_layers + 1, sizeof *layers);
  CTRT__CHECK_ALLOC(layers);
  memcpy(layers, base->layers, base->n_layers * sizeof *layers);
  layers[base->n_layers] = layer;
  char *parent = ctrt__strdup(base->id);
  int rc;
  if (parent == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = mock_store_image(m, config_json, layers, base->n_layers + 1, reference, img)) < 0)
    goto done;
  if ((*img)->parent == NULL) {
    (*img)->parent = parent;
    parent = NULL;
  }
done:
  ctrt__free(parent);
  ctrt__free(layers);
  return rc;
}

int mock_commit_container(void *self, ctrt_commit_outcome **out, const ctrt_container_id *id,
                          const ctrt_commit_options *options) {
  mock_runtime *m = self;
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  mock_image *base = c ? mock_find_image(m, c->image_id) : NULL;
  memfs_blob *layer = NULL;
  json_t *config = NULL;
  char *config_json = NULL, *created = NULL, *digest = NULL, *reference = NULL;
  mock_image *img = NULL;
  int rc;
  if ((rc = c == NULL      ? ctrt__error_code()
            : base == NULL ? image_not_found(c->image_id)
                           : 0) < 0 ||
      (rc = memfs_diff_tar(c->base, c->fs, &layer)) < 0)
    goto done;
  json_error_t jerr;
  config = json_loads(base->config_json, 0, &jerr);
  created = now_rfc3339();
  digest = layer_digest(layer);
  if (config == NULL || created == NULL || digest == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = commit_config(config, c, options, created, digest)) < 0 || (rc = dump_config(config, &config_json)) < 0)
    goto done;
  if (options->repo && options->repo[0] &&
      (reference = ctrt__sprintf("%s:%s", options->repo, options->tag && options->tag[0] ? options->tag : "latest")) ==
          NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = store_commit(m, base, layer, config_json, reference, &img)) < 0)
    goto done;
  *out = ctrt__malloc(sizeof **out);
  if (*out == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  **out = (ctrt_commit_outcome)CTRT_COMMIT_OUTCOME_INIT;
  (*out)->id = ctrt__strdup(img->id);
  if ((*out)->id == NULL) {
    ctrt_commit_outcome_free(*out);
    *out = NULL;
    rc = ctrt__error_no_memory();
  }
done:
  mock_unlock(m);
  memfs_blob_unref(layer);
  json_decref(config);
  ctrt__free(config_json);
  ctrt__free(created);
  ctrt__free(digest);
  ctrt__free(reference);
  return rc;
}

/* ---- save_images: a docker-archive built as a memfs tree ---- */

/* A layer's folder (once: a layer shared with an image already written is
 * just referenced) and its entry in the manifest's Layers. */
static int save_layer(memfs *tree, memfs_blob *layer, json_t *layers) {
  char *digest = layer_digest(layer);
  CTRT__CHECK_ALLOC(digest);
  char dir[100], file[128];
  char *json = NULL;
  int rc = 0;
  snprintf(dir, sizeof dir, "/%s", digest + 7);
  if (!memfs_exists(tree, dir, false)) {
    if ((rc = memfs_mkdir(tree, dir, 0755, 0, 0, false)) < 0)
      goto done;
    snprintf(file, sizeof file, "%s/layer.tar", dir);
    if ((rc = memfs_write_blob(tree, file, layer, 0644, 0, 0)) < 0)
      goto done;
    snprintf(file, sizeof file, "%s/VERSION", dir);
    if ((rc = memfs_write(tree, file, "1.0", 3, 0644, 0, 0, false)) < 0)
      goto done;
    snprintf(file, sizeof file, "%s/json", dir);
    if ((json = ctrt__sprintf("{\"id\":\"%s\"}", digest + 7)) == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
    if ((rc = memfs_write(tree, file, json, strlen(json), 0644, 0, 0, false)) < 0)
      goto done;
  }
  snprintf(file, sizeof file, "%s/layer.tar", digest + 7);
  json_array_append_new(layers, json_string(file));
done:
  ctrt__free(json);
  ctrt__free(digest);
  return rc;
}

/* The image's tags in the RepoTags list and in the repositories file's map. */
static json_t *save_tags(const mock_image *img, json_t *repositories) {
  json_t *tags = json_array();
  for (size_t t = 0; tags && t < img->n_tags; t++) {
    json_array_append_new(tags, json_string(img->tags[t]));
    char *repo = repository_of(img->tags[t]);
    const char *tag_name = strrchr(img->tags[t], ':') + 1;
    json_t *entry = repo ? json_object_get(repositories, repo) : NULL;
    if (repo && entry == NULL) {
      entry = json_object();
      json_object_set_new(repositories, repo, entry);
    }
    if (entry)
      json_object_set_new(entry, tag_name, json_string(img->id + 7));
    ctrt__free(repo);
  }
  return tags;
}

/* One image: its config and layers in the tree, its manifest entry. */
static int save_image(memfs *tree, const mock_image *img, json_t *manifest, json_t *repositories) {
  char *config_name = ctrt__sprintf("%s.json", img->id + 7);
  json_t *layers = json_array();
  char path[128];
  int rc;
  if (config_name == NULL || layers == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  snprintf(path, sizeof path, "/%s", config_name);
  if ((rc = memfs_write(tree, path, img->config_json, strlen(img->config_json), 0644, 0, 0, false)) < 0)
    goto done;
  for (size_t l = 0; l < img->n_layers; l++)
    if ((rc = save_layer(tree, img->layers[l], layers)) < 0)
      goto done;
  json_t *tags = save_tags(img, repositories);
  json_array_append_new(manifest, json_pack("{s:s, s:o, s:o}", "Config", config_name, "RepoTags",
                                            tags ? tags : json_null(), "Layers", layers));
  layers = NULL;
done:
  json_decref(layers);
  ctrt__free(config_name);
  return rc;
}

static int save_json(memfs *tree, const char *path, const json_t *value) {
  char *text = json_dumps(value, JSON_COMPACT);
  CTRT__CHECK_ALLOC(text);
  int rc = memfs_write(tree, path, text, strlen(text), 0644, 0, 0, false);
  ctrt__free(text);
  return rc;
}

int mock_save_images(void *self, ctrt_image_export_stream **out, const char *const *names, size_t n_names) {
  mock_runtime *m = self;
  memfs *tree = NULL;
  json_t *manifest = json_array();
  json_t *repositories = json_object();
  memfs_tar_reader *reader = NULL;
  int rc;
  if ((rc = manifest && repositories ? memfs_new(&tree) : ctrt__error_no_memory()) < 0)
    goto done;
  if (n_names == 0) {
    rc = ctrt__error_invalid_spec("save_images: no image named");
    goto done;
  }
  mock_lock(m);
  for (size_t i = 0; i < n_names; i++) {
    mock_image *img = mock_find_image(m, names[i]);
    if ((rc = img == NULL ? image_not_found(names[i]) : save_image(tree, img, manifest, repositories)) < 0)
      break;
  }
  mock_unlock(m);
  if (rc < 0 || (rc = save_json(tree, "/manifest.json", manifest)) < 0 ||
      (rc = save_json(tree, "/repositories", repositories)) < 0)
    goto done;
  rc = memfs_tar_reader_new(&reader, tree, "/", MEMFS_TAR_ROOT);
  tree = NULL; /* the reader owns it now */
done:
  json_decref(manifest);
  json_decref(repositories);
  memfs_free(tree);
  if (rc < 0)
    return rc;
  ctrt__stream *stream = NULL;
  rc = mock_tar_stream(&stream, reader);
  *out = (ctrt_image_export_stream *)stream;
  return rc;
}

/* ---- tags, removal, prune ---- */

int mock_tag_image(void *self, const char *source, const char *target) {
  mock_runtime *m = self;
  char *normalized = mock_normalize_ref(target);
  CTRT__CHECK_ALLOC(normalized);
  int rc;
  if (strchr(normalized, '@') != NULL) {
    rc = ctrt__error_invalid_spec("tag_image: '%s' is a digest reference, not a tag", target);
    goto done;
  }
  mock_lock(m);
  mock_image *img = mock_find_image(m, source);
  rc = img == NULL ? image_not_found(source) : move_tag(m, img, normalized);
  mock_unlock(m);
done:
  ctrt__free(normalized);
  return rc;
}

int mock_remove_image(void *self, const char *image, bool force) {
  mock_runtime *m = self;
  mock_lock(m);
  int rc = 0;
  mock_image *img = mock_find_image(m, image);
  char *normalized = mock_normalize_ref(image);
  bool by_tag = false;
  for (size_t t = 0; img && normalized && t < img->n_tags; t++)
    by_tag = by_tag || strcmp(img->tags[t], normalized) == 0;
  mock_container *user = NULL;
  if (img == NULL) {
    rc = image_not_found(image);
  } else if (normalized == NULL) {
    rc = ctrt__error_no_memory();
  } else if (by_tag && img->n_tags > 1) {
    /* One of several tags: only the tag goes ("Untagged: ..."). */
    strv_remove(img->tags, &img->n_tags, normalized);
  } else if (mock_image_in_use(m, img, &user)) {
    if (mock_container_running(user))
      rc = ctrt__error_set(CTRT_ERROR_CONFLICT, 409,
                           "conflict: unable to delete %.12s (cannot be forced) - image is being used by running "
                           "container %.12s",
                           img->id + 7, user->runtime_id);
    else if (!force)
      rc = ctrt__error_set(CTRT_ERROR_CONFLICT, 409,
                           "conflict: unable to delete %.12s (must be forced) - image is being used by stopped "
                           "container %.12s",
                           img->id + 7, user->runtime_id);
    else
      while (img->n_tags > 0) /* forced: untag, keep the image for the container */
        strv_remove(img->tags, &img->n_tags, img->tags[0]);
  } else if (!by_tag && img->n_tags > 1 && !force) {
    rc = ctrt__error_set(CTRT_ERROR_CONFLICT, 409,
                         "conflict: unable to delete %.12s (must be forced) - image is referenced in multiple "
                         "repositories",
                         img->id + 7);
  } else {
    drop_image(m, img);
  }
  mock_unlock(m);
  ctrt__free(normalized);
  return rc;
}

int mock_prune_images(void *self, ctrt_prune_result **out) {
  mock_runtime *m = self;
  ctrt_prune_result *result = ctrt__malloc(sizeof *result);
  CTRT__CHECK_ALLOC(result);
  *result = (ctrt_prune_result)CTRT_PRUNE_RESULT_INIT;
  int rc = 0;
  mock_lock(m);
  for (size_t i = 0; i < m->n_images;) {
    mock_image *img = m->images[i];
    if (img->n_tags == 0 && img->n_digests == 0 && !mock_image_in_use(m, img, NULL)) {
      if ((rc = strv_add(&result->deleted, &result->n_deleted, img->id)) < 0)
        break;
      result->space_reclaimed += img->size;
      drop_image(m, img);
      continue;
    }
    i++;
  }
  mock_unlock(m);
  if (rc < 0) {
    ctrt_prune_result_free(result);
    return rc;
  }
  *out = result;
  return 0;
}

/* ---- queries ---- */

static int strv_from_json(char ***items, size_t *n, json_t *array) {
  size_t i;
  json_t *item;
  json_array_foreach(array, i, item) {
    if (json_is_string(item) && strv_add(items, n, json_string_value(item)) < 0)
      return ctrt__error_no_memory();
  }
  return 0;
}

static int set_optional_string(char **field, json_t *value) {
  const char *text = json_string_value(value);
  if (text == NULL || text[0] == '\0')
    return 0;
  *field = ctrt__strdup(text);
  return *field ? 0 : ctrt__error_no_memory();
}

static int set_labels(ctrt_image_inspect_info *info, json_t *labels) {
  if (!json_is_object(labels) || json_object_size(labels) == 0)
    return 0;
  info->labels = ctrt__calloc(json_object_size(labels), sizeof *info->labels);
  CTRT__CHECK_ALLOC(info->labels);
  const char *key;
  json_t *value;
  json_object_foreach(labels, key, value) {
    ctrt_string_map_entry *e = &info->labels[info->n_labels++];
    e->key = ctrt__strdup(key);
    e->value = ctrt__strdup(json_string_value(value) ? json_string_value(value) : "");
    if (e->key == NULL || e->value == NULL)
      return ctrt__error_no_memory();
  }
  return 0;
}

/* The image's inspect fields from its config; the caller frees on failure. */
static int fill_inspect_info(ctrt_image_inspect_info *info, const mock_image *img) {
  json_t *cfg = json_object_get(img->config, "config");
  int rc;
  info->has_size = true;
  info->size = img->size;
  info->id = ctrt__strdup(img->id);
  CTRT__CHECK_ALLOC(info->id);
  for (size_t i = 0; i < img->n_tags; i++)
    if ((rc = strv_add(&info->repo_tags, &info->n_repo_tags, img->tags[i])) < 0)
      return rc;
  for (size_t i = 0; i < img->n_digests; i++)
    if ((rc = strv_add(&info->repo_digests, &info->n_repo_digests, img->digests[i])) < 0)
      return rc;
  if (img->parent)
    CTRT__CHECK_ALLOC((info->parent = ctrt__strdup(img->parent)));
  if ((rc = set_optional_string(&info->comment, json_object_get(img->config, "comment"))) < 0 ||
      (rc = set_optional_string(&info->created, json_object_get(img->config, "created"))) < 0 ||
      (rc = set_optional_string(&info->container, json_object_get(img->config, "container"))) < 0 ||
      (rc = set_optional_string(&info->docker_version, json_object_get(img->config, "docker_version"))) < 0 ||
      (rc = set_optional_string(&info->author, json_object_get(img->config, "author"))) < 0 ||
      (rc = set_optional_string(&info->architecture, json_object_get(img->config, "architecture"))) < 0 ||
      (rc = set_optional_string(&info->os, json_object_get(img->config, "os"))) < 0)
    return rc;
  if ((rc = strv_from_json(&info->layers, &info->n_layers,
                           json_object_get(json_object_get(img->config, "rootfs"), "diff_ids"))) < 0 ||
      (rc = strv_from_json(&info->env, &info->n_env, json_object_get(cfg, "Env"))) < 0 ||
      (rc = strv_from_json(&info->cmd, &info->n_cmd, json_object_get(cfg, "Cmd"))) < 0 ||
      (rc = strv_from_json(&info->entrypoint, &info->n_entrypoint, json_object_get(cfg, "Entrypoint"))) < 0)
    return rc;
  if ((rc = set_optional_string(&info->working_dir, json_object_get(cfg, "WorkingDir"))) < 0 ||
      (rc = set_optional_string(&info->user, json_object_get(cfg, "User"))) < 0)
    return rc;
  return set_labels(info, json_object_get(cfg, "Labels"));
}

int mock_inspect_image_native(void *self, ctrt_image_inspect_info **out, const char *image) {
  mock_runtime *m = self;
  ctrt_image_inspect_info *info = ctrt__malloc(sizeof *info);
  CTRT__CHECK_ALLOC(info);
  *info = (ctrt_image_inspect_info)CTRT_IMAGE_INSPECT_INFO_INIT;
  mock_lock(m);
  mock_image *img = mock_find_image(m, image);
  int rc;
  if ((rc = img ? fill_inspect_info(info, img) : image_not_found(image)) < 0)
    goto done;
  *out = info;
  info = NULL;
done:
  mock_unlock(m);
  ctrt_image_inspect_info_free(info);
  return rc;
}

/* History entry k (0 is the newest), taking its layer's size from the top. */
static int history_entry(ctrt_image_history_entry *e, json_t *h, const mock_image *img, size_t k, size_t *layer) {
  *e = (ctrt_image_history_entry)CTRT_IMAGE_HISTORY_ENTRY_INIT;
  bool empty = json_is_true(json_object_get(h, "empty_layer"));
  e->id = ctrt__strdup(k == 0 ? img->id : "<missing>");
  ctrt_timestamp created = {0, 0};
  const char *when = json_string_value(json_object_get(h, "created"));
  if (when)
    ctrt__timestamp_parse(&created, when);
  e->created = created.seconds;
  const char *by = json_string_value(json_object_get(h, "created_by"));
  e->created_by = ctrt__strdup(by ? by : "");
  const char *comment = json_string_value(json_object_get(h, "comment"));
  e->comment = ctrt__strdup(comment ? comment : "");
  if (!empty && *layer > 0)
    e->size = memfs_blob_len(img->layers[--*layer]);
  if (e->id == NULL || e->created_by == NULL || e->comment == NULL)
    return ctrt__error_no_memory();
  int rc;
  for (size_t t = 0; k == 0 && t < img->n_tags; t++)
    if ((rc = strv_add(&e->tags, &e->n_tags, img->tags[t])) < 0)
      return rc;
  return 0;
}

int mock_image_history(void *self, ctrt_image_history_entry_list **out, const char *image) {
  mock_runtime *m = self;
  ctrt_image_history_entry_list *list = ctrt__malloc(sizeof *list);
  CTRT__CHECK_ALLOC(list);
  *list = (ctrt_image_history_entry_list)CTRT_IMAGE_HISTORY_ENTRY_LIST_INIT;
  mock_lock(m);
  mock_image *img = mock_find_image(m, image);
  int rc;
  if (img == NULL) {
    rc = image_not_found(image);
    goto done;
  }
  json_t *history = json_object_get(img->config, "history");
  size_t n = json_array_size(history);
  if (n > 0 && (list->items = ctrt__calloc(n, sizeof *list->items)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  /* Newest first; non-empty history entries consume layers from the top. */
  size_t layer = img->n_layers;
  for (size_t k = 0; k < n; k++)
    if ((rc = history_entry(&list->items[list->n_items++], json_array_get(history, n - 1 - k), img, k, &layer)) < 0)
      goto done;
  *out = list;
  list = NULL;
  rc = 0;
done:
  mock_unlock(m);
  ctrt_image_history_entry_list_free(list);
  return rc;
}

static int add_image_info(ctrt_image_info_list *list, const mock_image *img, const char *reference) {
  ctrt_image_info *grown = ctrt__realloc(list->items, (list->n_items + 1) * sizeof *grown);
  CTRT__CHECK_ALLOC(grown);
  list->items = grown;
  ctrt_image_info *info = &grown[list->n_items++];
  *info = (ctrt_image_info)CTRT_IMAGE_INFO_INIT;
  info->reference = ctrt__strdup(reference);
  info->has_size_bytes = true;
  info->size_bytes = img->size;
  if (img->n_digests > 0)
    info->digest = ctrt__strdup(strchr(img->digests[0], '@') + 1);
  return info->reference && (img->n_digests == 0 || info->digest) ? 0 : ctrt__error_no_memory();
}

int mock_list_images(void *self, ctrt_image_info_list **out) {
  mock_runtime *m = self;
  ctrt_image_info_list *list = ctrt__malloc(sizeof *list);
  CTRT__CHECK_ALLOC(list);
  *list = (ctrt_image_info_list)CTRT_IMAGE_INFO_LIST_INIT;
  int rc = 0;
  mock_lock(m);
  /* One entry per tag, as `docker images` shows them; untagged by id. */
  for (size_t i = 0; i < m->n_images; i++) {
    mock_image *img = m->images[i];
    for (size_t t = 0; t < img->n_tags; t++)
      if ((rc = add_image_info(list, img, img->tags[t])) < 0)
        goto done;
    if (img->n_tags == 0 && (rc = add_image_info(list, img, img->id)) < 0)
      goto done;
  }
  *out = list;
  list = NULL;
done:
  mock_unlock(m);
  ctrt_image_info_list_free(list);
  return rc;
}
