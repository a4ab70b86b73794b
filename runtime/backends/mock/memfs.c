/* SPDX-License-Identifier: MIT */
/*
 * memfs: blobs, the tree, kernel-like path resolution confined to the root,
 * and the file operations the shell and the mock use. Tar in/out lives in
 * memfs_tar.c, differences in memfs_diff.c.
 */
#include "memfs_internal.h"

#include "gen_internal.h"

#include <inttypes.h>
#include <stdlib.h>

/* ---- blobs ---- */

int memfs_blob_adopt(memfs_blob **out, void *data, size_t len) {
  memfs_blob *blob = ctrt__malloc(sizeof *blob);
  CTRT__CHECK_ALLOC(blob);
  atomic_init(&blob->refs, 1);
  blob->len = blob->cap = len;
  blob->data = data;
  if (len == 0) {
    ctrt__free(data);
    blob->data = NULL;
  }
  *out = blob;
  return 0;
}

int memfs_blob_new(memfs_blob **out, const void *data, size_t len) {
  void *copy = NULL;
  if (len > 0) {
    CTRT__CHECK_ALLOC((copy = ctrt__malloc(len)));
    memcpy(copy, data, len);
  }
  int rc = memfs_blob_adopt(out, copy, len);
  if (rc < 0)
    ctrt__free(copy);
  return rc;
}

memfs_blob *memfs_blob_ref(memfs_blob *blob) {
  if (blob)
    atomic_fetch_add(&blob->refs, 1);
  return blob;
}

void memfs_blob_unref(memfs_blob *blob) {
  if (blob == NULL || atomic_fetch_sub(&blob->refs, 1) != 1)
    return;
  ctrt__free(blob->data);
  ctrt__free(blob);
}

const uint8_t *memfs_blob_data(const memfs_blob *blob) {
  /* Never NULL, so callers may memcmp an empty blob. */
  return blob->data ? blob->data : (const uint8_t *)"";
}

size_t memfs_blob_len(const memfs_blob *blob) { return blob->len; }

/* Append to the blob in *slot. Blobs are immutable once shared, but one held
 * only by this file can grow in place, which keeps `>>` loops linear. */
static int blob_append(memfs_blob **slot, const void *data, size_t len) {
  memfs_blob *blob = *slot;
  if (len == 0)
    return 0;
  if (blob->len > SIZE_MAX / 2 - len)
    return ctrt__error_no_memory();
  size_t need = blob->len + len;
  if (atomic_load(&blob->refs) == 1) {
    if (need > blob->cap) {
      size_t cap = blob->cap < 64 ? 64 : blob->cap;
      while (cap < need)
        cap *= 2;
      uint8_t *grown = ctrt__realloc(blob->data, cap);
      CTRT__CHECK_ALLOC(grown);
      blob->data = grown;
      blob->cap = cap;
    }
    memcpy(blob->data + blob->len, data, len);
    blob->len = need;
    return 0;
  }
  uint8_t *copy = ctrt__malloc(need);
  CTRT__CHECK_ALLOC(copy);
  memcpy(copy, memfs_blob_data(blob), blob->len);
  memcpy(copy + blob->len, data, len);
  memfs_blob *fresh = NULL;
  if (memfs_blob_adopt(&fresh, copy, need) < 0) {
    ctrt__free(copy);
    return ctrt__error_no_memory();
  }
  memfs_blob_unref(blob);
  *slot = fresh;
  return 0;
}

/* ---- pointer map: open addressing, linear probing ---- */

static size_t pmap_slot(const memfs_pmap *map, const void *key) {
  uint64_t h = (uint64_t)(uintptr_t)key;
  h ^= h >> 33;
  h *= UINT64_C(0xff51afd7ed558ccd);
  h ^= h >> 33;
  size_t i = (size_t)h & (map->cap - 1);
  while (map->keys[i] != NULL && map->keys[i] != key)
    i = (i + 1) & (map->cap - 1);
  return i;
}

void *memfs_pmap_get(const memfs_pmap *map, const void *key) {
  if (map->cap == 0)
    return NULL;
  size_t i = pmap_slot(map, key);
  return map->keys[i] ? map->values[i] : NULL;
}

int memfs_pmap_put(memfs_pmap *map, const void *key, void *value) {
  if ((map->n + 1) * 2 > map->cap) {
    memfs_pmap bigger = {.cap = map->cap ? map->cap * 2 : 16};
    bigger.keys = ctrt__calloc(bigger.cap, sizeof *bigger.keys);
    bigger.values = ctrt__calloc(bigger.cap, sizeof *bigger.values);
    if (bigger.keys == NULL || bigger.values == NULL) {
      ctrt__free(bigger.keys);
      ctrt__free(bigger.values);
      return ctrt__error_no_memory();
    }
    for (size_t i = 0; i < map->cap; i++)
      if (map->keys[i]) {
        size_t j = pmap_slot(&bigger, map->keys[i]);
        bigger.keys[j] = map->keys[i];
        bigger.values[j] = map->values[i];
        bigger.n++;
      }
    ctrt__free(map->keys);
    ctrt__free(map->values);
    *map = bigger;
  }
  size_t i = pmap_slot(map, key);
  if (map->keys[i] == NULL)
    map->n++;
  map->keys[i] = key;
  map->values[i] = value;
  return 0;
}

void memfs_pmap_clear(memfs_pmap *map, void (*free_value)(void *)) {
  for (size_t i = 0; free_value && i < map->cap; i++)
    if (map->keys[i])
      free_value(map->values[i]);
  ctrt__free(map->keys);
  ctrt__free(map->values);
  memset(map, 0, sizeof *map);
}

/* ---- nodes and directories ---- */

memfs_node *memfs_node_new(memfs *fs, uint32_t mode, uint32_t uid, uint32_t gid) {
  memfs_node *node = ctrt__calloc(1, sizeof *node);
  if (node == NULL)
    return NULL;
  node->mode = mode;
  node->uid = uid;
  node->gid = gid;
  node->ino = ++fs->next_ino;
  node->mtime = ctrt__timestamp_now();
  if (S_ISREG(mode) && memfs_blob_adopt(&node->blob, NULL, 0) < 0) {
    ctrt__free(node);
    return NULL;
  }
  return node;
}

void memfs_node_unlink(memfs_node *node) {
  if (node == NULL)
    return;
  if (node->nlink > 1) {
    node->nlink--;
    return;
  }
  memfs_blob_unref(node->blob);
  ctrt__free(node->target);
  for (size_t i = 0; i < node->n_entries; i++) {
    ctrt__free(node->entries[i].name);
    memfs_node_unlink(node->entries[i].node);
  }
  ctrt__free(node->entries);
  ctrt__free(node);
}

/* Index of the first entry whose name is >= name. */
static size_t dir_lower_bound(const memfs_node *dir, const char *name) {
  size_t lo = 0, hi = dir->n_entries;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(dir->entries[mid].name, name) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

memfs_dirent *memfs_dir_find(const memfs_node *dir, const char *name) {
  size_t i = dir_lower_bound(dir, name);
  if (i < dir->n_entries && strcmp(dir->entries[i].name, name) == 0)
    return &dir->entries[i];
  return NULL;
}

int memfs_dir_insert(memfs_node *dir, const char *name, memfs_node *node) {
  if (dir->n_entries == dir->cap_entries) {
    size_t cap = dir->cap_entries ? dir->cap_entries * 2 : 8;
    memfs_dirent *grown = ctrt__realloc(dir->entries, cap * sizeof *grown);
    CTRT__CHECK_ALLOC(grown);
    dir->entries = grown;
    dir->cap_entries = cap;
  }
  char *copy = ctrt__strdup(name);
  CTRT__CHECK_ALLOC(copy);
  size_t i = dir_lower_bound(dir, name);
  memmove(&dir->entries[i + 1], &dir->entries[i], (dir->n_entries - i) * sizeof *dir->entries);
  dir->entries[i] = (memfs_dirent){copy, node};
  dir->n_entries++;
  node->nlink++;
  return 0;
}

void memfs_dir_remove(memfs_node *dir, const char *name) {
  size_t i = dir_lower_bound(dir, name);
  if (i >= dir->n_entries || strcmp(dir->entries[i].name, name) != 0)
    return;
  memfs_dirent gone = dir->entries[i];
  memmove(&dir->entries[i], &dir->entries[i + 1], (dir->n_entries - i - 1) * sizeof *dir->entries);
  dir->n_entries--;
  ctrt__free(gone.name);
  memfs_node_unlink(gone.node);
}

size_t memfs_node_height(const memfs_node *node) {
  size_t h = 0;
  for (size_t i = 0; i < node->n_entries; i++) {
    size_t c = memfs_node_height(node->entries[i].node);
    if (c > h)
      h = c;
  }
  return h + 1;
}

void memfs_dir_touched(const memfs *fs, memfs_node *dir) {
  if (fs->extracting && dir->header_gen == fs->gen)
    return;
  dir->mtime = ctrt__timestamp_now();
}

/* ---- trees ---- */

ctrt_timestamp memfs_clamp_time(ctrt_timestamp t) {
  const int64_t min = -62167219200; /* 0000-01-01T00:00:00Z */
  const int64_t max = 253402300799; /* 9999-12-31T23:59:59Z */
  if (t.nanos < 0 || t.nanos > 999999999)
    t.nanos = t.nanos < 0 ? 0 : 999999999;
  if (t.seconds < min)
    return (ctrt_timestamp){min, 0};
  if (t.seconds > max)
    return (ctrt_timestamp){max, 999999999};
  return t;
}

#define MEMFS_FULL_TEXT "no space left on device"
static _Thread_local bool last_full;

void memfs_set_limits(memfs *fs, uint64_t max_file, uint64_t max_total) {
  fs->max_file = max_file;
  fs->max_total = max_total;
}

uint64_t memfs_max_file(const memfs *fs) { return fs->max_file; }

/* The flag outlives the error it marked: the current error must still be
 * the "no space" one. */
bool memfs_full(void) {
  const ctrt_error *e = ctrt_error_last();
  return last_full && e->kind == CTRT_ERROR_INVALID_SPEC && strstr(e->message, MEMFS_FULL_TEXT) != NULL;
}

int memfs_err_full(const memfs *fs, const char *path, uint64_t want) {
  int rc =
      ctrt__error_invalid_spec("%s: " MEMFS_FULL_TEXT " (%" PRIu64 " bytes past the limit of %" PRIu64 " bytes per %s)",
                               path, want, fs->max_file && want > fs->max_file ? fs->max_file : fs->max_total,
                               fs->max_file && want > fs->max_file ? "file" : "filesystem");
  last_full = true;
  return rc;
}

int memfs_err_stream(const memfs *fs, uint64_t max) {
  int rc = ctrt__error_invalid_spec("tar: " MEMFS_FULL_TEXT " (the uncompressed tar passes %" PRIu64
                                    " bytes, twice the limit of %" PRIu64 " bytes per filesystem plus 1 MiB)",
                                    max, fs->max_total);
  last_full = true;
  return rc;
}

/* 0, or the "no space" failure when path (current contents old_len) cannot
 * take new_len bytes. */
static int check_space(const memfs *fs, const char *path, uint64_t old_len, uint64_t new_len) {
  last_full = false;
  if (fs->max_file != 0 && new_len > fs->max_file)
    return memfs_err_full(fs, path, new_len);
  if (fs->max_total != 0 && new_len > old_len) {
    uint64_t total = memfs_size(fs) - old_len + new_len;
    if (total > fs->max_total)
      return memfs_err_full(fs, path, total);
  }
  return 0;
}

bool memfs_fits(const memfs *fs, const char *path, uint64_t len) {
  memfs_blob *cur = NULL;
  uint64_t old_len = 0;
  if (memfs_read(fs, path, &cur) == 0)
    old_len = cur->len;
  else
    ctrt_error_clear();
  memfs_blob_unref(cur);
  bool ok = check_space(fs, path, old_len, len) == 0;
  if (!ok)
    ctrt_error_clear();
  return ok;
}

int memfs_new(memfs **out) {
  memfs *fs = ctrt__calloc(1, sizeof *fs);
  CTRT__CHECK_ALLOC(fs);
  fs->root = memfs_node_new(fs, S_IFDIR | 0755, 0, 0);
  if (fs->root == NULL) {
    ctrt__free(fs);
    return ctrt__error_no_memory();
  }
  fs->root->nlink = 1;
  *out = fs;
  return 0;
}

void memfs_free(memfs *fs) {
  if (fs == NULL)
    return;
  memfs_node_unlink(fs->root);
  ctrt__free(fs);
}

/* Copy a node (and a directory's subtree); nodes with several links are
 * copied once, through map. */
static memfs_node *clone_node(const memfs_node *src, memfs_pmap *map) {
  if (src->nlink > 1) {
    memfs_node *seen = memfs_pmap_get(map, src);
    if (seen)
      return seen;
  }
  memfs_node *n = ctrt__calloc(1, sizeof *n);
  if (n == NULL)
    return NULL;
  *n = *src;
  n->nlink = 0;
  n->blob = memfs_blob_ref(src->blob);
  n->target = NULL;
  n->entries = NULL;
  n->n_entries = n->cap_entries = 0;
  if (src->target && (n->target = ctrt__strdup(src->target)) == NULL)
    goto fail;
  if (src->n_entries) {
    if ((n->entries = ctrt__malloc(src->n_entries * sizeof *n->entries)) == NULL)
      goto fail;
    n->cap_entries = src->n_entries;
    for (size_t i = 0; i < src->n_entries; i++) {
      char *name = ctrt__strdup(src->entries[i].name);
      memfs_node *child = name ? clone_node(src->entries[i].node, map) : NULL;
      if (child == NULL) {
        ctrt__free(name);
        goto fail;
      }
      child->nlink++;
      n->entries[n->n_entries++] = (memfs_dirent){name, child};
    }
  }
  if (src->nlink > 1 && memfs_pmap_put(map, src, n) < 0)
    goto fail;
  return n;
fail:
  memfs_node_unlink(n);
  return NULL;
}

int memfs_clone(memfs **out, const memfs *fs) {
  memfs *copy = ctrt__calloc(1, sizeof *copy);
  CTRT__CHECK_ALLOC(copy);
  memfs_pmap map = {0};
  copy->root = clone_node(fs->root, &map);
  memfs_pmap_clear(&map, NULL);
  if (copy->root == NULL) {
    ctrt__free(copy);
    return ctrt__error_no_memory();
  }
  copy->root->nlink = 1;
  copy->next_ino = fs->next_ino;
  copy->gen = fs->gen;
  copy->max_file = fs->max_file;
  copy->max_total = fs->max_total;
  *out = copy;
  return 0;
}

static int size_walk(const memfs_node *node, memfs_pmap *seen, uint64_t *total) {
  if (memfs_is_reg(node)) {
    if (node->nlink > 1) {
      if (memfs_pmap_get(seen, node))
        return 0;
      if (memfs_pmap_put(seen, node, (void *)node) < 0)
        return -1;
    }
    *total += node->blob->len;
  }
  for (size_t i = 0; i < node->n_entries; i++)
    if (size_walk(node->entries[i].node, seen, total) < 0)
      return -1;
  return 0;
}

uint64_t memfs_size(const memfs *fs) {
  uint64_t total = 0;
  memfs_pmap seen = {0};
  size_walk(fs->root, &seen, &total); /* on no memory: links counted twice at worst */
  memfs_pmap_clear(&seen, NULL);
  return total;
}

/* ---- path resolution ---- */

static int walk_push(memfs_walk *w, memfs_node *node, const char *name) {
  if (w->depth == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 16;
    memfs_node **nodes = ctrt__realloc(w->nodes, cap * sizeof *nodes);
    CTRT__CHECK_ALLOC(nodes);
    w->nodes = nodes;
    const char **names = ctrt__realloc(w->names, cap * sizeof *names);
    CTRT__CHECK_ALLOC(names);
    w->names = names;
    w->cap = cap;
  }
  w->nodes[w->depth] = node;
  w->names[w->depth] = name;
  w->depth++;
  return 0;
}

void memfs_walk_clear(memfs_walk *w) {
  ctrt__free(w->nodes);
  ctrt__free(w->names);
  memset(w, 0, sizeof *w);
}

static int err_not_found(const char *path) { return ctrt__error_not_found(path, "no such file or directory"); }
static int err_not_dir(const char *path) { return ctrt__error_invalid_spec("%s: not a directory", path); }
static int err_is_dir(const char *path) { return ctrt__error_invalid_spec("%s: is a directory", path); }
static int err_exists(const char *path) { return ctrt__error_conflict("%s: file exists", path); }

/*
 * Component by component, as the kernel's lookup does: "." stays, ".."
 * goes to the parent of where the walk physically is (the root's parent is
 * the root), a symlink's target replaces it in the remaining path (an
 * absolute target restarts at the root), so nothing can leave the tree.
 */
int memfs_resolve(const memfs *fs, const char *path, int flags, memfs_walk *w) {
  memset(w, 0, sizeof *w);
  CTRT__CHECK_ARG(path != NULL, "memfs: NULL path");
  if (*path == '\0')
    return err_not_found(path);
  if (strlen(path) >= MEMFS_PATH_MAX)
    return ctrt__error_invalid_spec("%.64s...: file name too long", path);
  int rc = walk_push(w, fs->root, "");
  char *rest = ctrt__strdup(path);
  if (rest == NULL)
    rc = ctrt__error_no_memory();
  const char *p = rest;
  int links = 0;
  bool final_via_link = false;
  while (rc == 0) {
    while (*p == '/')
      p++;
    if (*p == '\0')
      break;
    const char *start = p;
    while (*p && *p != '/')
      p++;
    size_t len = (size_t)(p - start);
    const char *after = p;
    while (*after == '/')
      after++;
    bool last = *after == '\0';
    bool trailing = last && after != p;
    memfs_node *cur = w->nodes[w->depth - 1];
    if (!memfs_is_dir(cur)) {
      rc = err_not_dir(path);
      break;
    }
    if (len > MEMFS_NAME_MAX) {
      rc = ctrt__error_invalid_spec("%s: file name too long", path);
      break;
    }
    if (last)
      w->trailing_slash = trailing;
    if (len == 1 && start[0] == '.')
      continue;
    if (len == 2 && start[0] == '.' && start[1] == '.') {
      if (w->depth > 1)
        w->depth--;
      continue;
    }
    char name[MEMFS_NAME_MAX + 1];
    memcpy(name, start, len);
    name[len] = '\0';
    memfs_dirent *d = memfs_dir_find(cur, name);
    if (d == NULL) {
      if (last && (flags & MEMFS_ALLOW_MISSING)) {
        w->missing_final = true;
        memcpy(w->missing, name, len + 1);
        break;
      }
      rc = err_not_found(path);
      break;
    }
    memfs_node *child = d->node;
    if (memfs_is_lnk(child) && (!last || trailing || (flags & MEMFS_FOLLOW))) {
      if (++links > MEMFS_SYMLOOP_MAX) {
        rc = ctrt__error_invalid_spec("%s: too many levels of symbolic links", path);
        break;
      }
      size_t tlen = strlen(child->target), plen = strlen(p);
      char *next = ctrt__malloc(tlen + plen + 1);
      if (next == NULL) {
        rc = ctrt__error_no_memory();
        break;
      }
      memcpy(next, child->target, tlen);
      memcpy(next + tlen, p, plen + 1);
      if (child->target[0] == '/')
        w->depth = 1;
      ctrt__free(rest);
      rest = next;
      p = rest;
      if (last)
        final_via_link = true;
      continue;
    }
    rc = walk_push(w, child, d->name);
    if (last)
      break;
  }
  ctrt__free(rest);
  if (rc < 0)
    goto fail;
  if (w->trailing_slash && !w->missing_final && !memfs_is_dir(memfs_walk_node(w))) {
    rc = err_not_dir(path);
    goto fail;
  }
  w->via_symlink = final_via_link;
  return 0;
fail:
  memfs_walk_clear(w);
  return rc;
}

char *memfs_walk_path(const memfs_walk *w) {
  size_t len = 1;
  for (size_t i = 1; i < w->depth; i++)
    len += strlen(w->names[i]) + 1;
  if (w->missing_final)
    len += strlen(w->missing) + 1;
  char *out = ctrt__malloc(len + 1);
  if (out == NULL)
    return NULL;
  char *q = out;
  for (size_t i = 1; i < w->depth; i++)
    q += sprintf(q, "/%s", w->names[i]);
  if (w->missing_final)
    q += sprintf(q, "/%s", w->missing);
  if (q == out)
    *q++ = '/';
  *q = '\0';
  return out;
}

/* Where a new entry of the walk's missing name would sit: checks depth. */
static int check_new_depth(const memfs_walk *w, size_t height, const char *path) {
  if (w->depth + height - 1 > MEMFS_DEPTH_MAX)
    return ctrt__error_invalid_spec("%s: directory tree too deep (more than %d levels)", path, MEMFS_DEPTH_MAX);
  return 0;
}

/* ---- queries ---- */

static void fill_stat(const memfs_node *node, memfs_stat *out) {
  memset(out, 0, sizeof *out);
  out->mode = node->mode;
  out->uid = node->uid;
  out->gid = node->gid;
  out->mtime = node->mtime;
  out->ino = node->ino;
  out->nlink = node->nlink;
  if (memfs_is_reg(node))
    out->size = (int64_t)node->blob->len;
  else if (memfs_is_lnk(node)) {
    out->size = (int64_t)strlen(node->target);
    snprintf(out->link_target, sizeof out->link_target, "%s", node->target);
  } else {
    out->size = 4096;
    out->nlink = 2;
    for (size_t i = 0; i < node->n_entries; i++)
      if (memfs_is_dir(node->entries[i].node))
        out->nlink++;
  }
}

int memfs_stat_path(const memfs *fs, const char *path, bool follow, memfs_stat *out) {
  memfs_walk w;
  int rc = memfs_resolve(fs, path, follow ? MEMFS_FOLLOW : 0, &w);
  if (rc < 0)
    return rc;
  fill_stat(memfs_walk_node(&w), out);
  memfs_walk_clear(&w);
  return 0;
}

bool memfs_exists(const memfs *fs, const char *path, bool follow) {
  memfs_walk w;
  if (memfs_resolve(fs, path, follow ? MEMFS_FOLLOW : 0, &w) < 0)
    return false;
  memfs_walk_clear(&w);
  return true;
}

int memfs_realpath(const memfs *fs, const char *path, char **out) {
  memfs_walk w;
  int rc = memfs_resolve(fs, path, MEMFS_FOLLOW, &w);
  if (rc < 0)
    return rc;
  *out = memfs_walk_path(&w);
  memfs_walk_clear(&w);
  return *out ? 0 : ctrt__error_no_memory();
}

int memfs_read(const memfs *fs, const char *path, memfs_blob **out) {
  memfs_walk w;
  int rc = memfs_resolve(fs, path, MEMFS_FOLLOW, &w);
  if (rc < 0)
    return rc;
  memfs_node *node = memfs_walk_node(&w);
  memfs_walk_clear(&w);
  if (memfs_is_dir(node))
    return err_is_dir(path);
  *out = memfs_blob_ref(node->blob);
  return 0;
}

int memfs_list(const memfs *fs, const char *path, char ***names, size_t *n) {
  memfs_walk w;
  int rc = memfs_resolve(fs, path, MEMFS_FOLLOW, &w);
  if (rc < 0)
    return rc;
  memfs_node *dir = memfs_walk_node(&w);
  memfs_walk_clear(&w);
  if (!memfs_is_dir(dir))
    return err_not_dir(path);
  char **list = ctrt__calloc(dir->n_entries ? dir->n_entries : 1, sizeof *list);
  CTRT__CHECK_ALLOC(list);
  for (size_t i = 0; i < dir->n_entries; i++)
    if ((list[i] = ctrt__strdup(dir->entries[i].name)) == NULL) {
      memfs_names_free(list, i);
      return ctrt__error_no_memory();
    }
  *names = list;
  *n = dir->n_entries;
  return 0;
}

void memfs_names_free(char **names, size_t n) {
  if (names == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    ctrt__free(names[i]);
  ctrt__free(names);
}

/* ---- changes ---- */

/* Insert a new node under the walk's missing name. */
static int add_new(memfs *fs, memfs_walk *w, memfs_node *node, const char *path) {
  memfs_node *parent = memfs_walk_parent(w);
  int rc;
  if ((rc = check_new_depth(w, 1, path)) < 0 || (rc = memfs_dir_insert(parent, w->missing, node)) < 0) {
    memfs_node_unlink(node);
    return rc;
  }
  memfs_dir_touched(fs, parent);
  return 0;
}

/* Write contents: data/len, or blob when not NULL. */
static int write_file(memfs *fs, const char *path, const void *data, size_t len, memfs_blob *blob, uint32_t perm,
                      uint32_t uid, uint32_t gid, bool append) {
  memfs_walk w;
  int rc = memfs_resolve(fs, path, MEMFS_FOLLOW | MEMFS_ALLOW_MISSING, &w);
  if (rc < 0)
    return rc;
  memfs_node *node = memfs_walk_node(&w);
  uint64_t old_len = node && memfs_is_reg(node) ? node->blob->len : 0;
  uint64_t new_len = blob ? blob->len : append ? old_len + len : len;
  if ((rc = check_space(fs, path, old_len, new_len)) < 0) {
    memfs_walk_clear(&w);
    return rc;
  }
  if (node == NULL) {
    /* O_CREAT creates a missing file, also at a dangling symlink's target. */
    if (w.trailing_slash) {
      memfs_walk_clear(&w);
      return err_is_dir(path);
    }
    node = memfs_node_new(fs, S_IFREG | (perm & 07777), uid, gid);
    if (node == NULL) {
      memfs_walk_clear(&w);
      return ctrt__error_no_memory();
    }
    rc = add_new(fs, &w, node, path);
    memfs_walk_clear(&w);
    if (rc < 0)
      return rc;
    append = false;
  } else {
    memfs_walk_clear(&w);
    if (memfs_is_dir(node))
      return err_is_dir(path);
  }
  if (blob) {
    memfs_blob_unref(node->blob);
    node->blob = memfs_blob_ref(blob);
  } else if (append) {
    if ((rc = blob_append(&node->blob, data, len)) < 0)
      return rc;
  } else {
    memfs_blob *fresh = NULL;
    if ((rc = memfs_blob_new(&fresh, data, len)) < 0)
      return rc;
    memfs_blob_unref(node->blob);
    node->blob = fresh;
  }
  node->mtime = ctrt__timestamp_now();
  return 0;
}

int memfs_write(memfs *fs, const char *path, const void *data, size_t len, uint32_t perm, uint32_t uid, uint32_t gid,
                bool append) {
  if (data == NULL && len > 0)
    return ctrt__error_invalid_argument("memfs_write: NULL data");
  return write_file(fs, path, data, len, NULL, perm, uid, gid, append);
}

int memfs_write_blob(memfs *fs, const char *path, memfs_blob *blob, uint32_t perm, uint32_t uid, uint32_t gid) {
  CTRT__CHECK_ARG(blob != NULL, "memfs_write_blob: NULL blob");
  return write_file(fs, path, NULL, 0, blob, perm, uid, gid, false);
}

/* mkdir(2): the final component must not exist, not even as a dangling
 * symlink. existing_ok (mkdir -p): an existing directory is fine, a
 * non-directory is "not a directory" on the way and "exists" at the end. */
static int mkdir_one(memfs *fs, const char *path, uint32_t perm, uint32_t uid, uint32_t gid, bool existing_ok,
                     bool final) {
  memfs_walk w;
  int rc = memfs_resolve(fs, path, MEMFS_ALLOW_MISSING | (existing_ok ? MEMFS_FOLLOW : 0), &w);
  if (rc < 0)
    return rc;
  memfs_node *node = memfs_walk_node(&w);
  if (node != NULL || w.via_symlink) {
    bool dir = node && memfs_is_dir(node);
    memfs_walk_clear(&w);
    if (existing_ok && dir)
      return 0;
    return existing_ok && node && !final ? err_not_dir(path) : err_exists(path);
  }
  node = memfs_node_new(fs, S_IFDIR | (perm & 07777), uid, gid);
  rc = node ? add_new(fs, &w, node, path) : ctrt__error_no_memory();
  memfs_walk_clear(&w);
  return rc;
}

int memfs_mkdir(memfs *fs, const char *path, uint32_t perm, uint32_t uid, uint32_t gid, bool parents) {
  CTRT__CHECK_ARG(path != NULL, "memfs_mkdir: NULL path");
  if (!parents)
    return mkdir_one(fs, path, perm, uid, gid, false, true);
  /* mkdir -p: each textual prefix in turn, as busybox does; intermediate
   * directories get 0755. */
  size_t len = strlen(path);
  if (len >= MEMFS_PATH_MAX)
    return ctrt__error_invalid_spec("%.64s...: file name too long", path);
  if (len == 0)
    return err_not_found(path);
  char prefix[MEMFS_PATH_MAX];
  size_t i = 0;
  int rc;
  while (i < len) {
    while (i < len && path[i] == '/')
      i++;
    while (i < len && path[i] != '/')
      i++;
    size_t end = i;
    while (end < len && path[end] == '/')
      end++;
    bool final = end == len;
    memcpy(prefix, path, i);
    prefix[i] = '\0';
    if (i > 0 && prefix[i - 1] != '/' && (rc = mkdir_one(fs, prefix, final ? perm : 0755, uid, gid, true, final)) < 0)
      return rc;
  }
  return 0;
}

int memfs_symlink(memfs *fs, const char *target, const char *path, uint32_t uid, uint32_t gid) {
  if (target == NULL || *target == '\0')
    return ctrt__error_invalid_spec("%s: empty symlink target", path ? path : "");
  if (strlen(target) >= MEMFS_PATH_MAX)
    return ctrt__error_invalid_spec("%s: symlink target too long", path ? path : "");
  memfs_walk w;
  int rc = memfs_resolve(fs, path, MEMFS_ALLOW_MISSING, &w);
  if (rc < 0)
    return rc;
  if (!w.missing_final || w.via_symlink) {
    memfs_walk_clear(&w);
    return err_exists(path);
  }
  memfs_node *node = memfs_node_new(fs, S_IFLNK | 0777, uid, gid);
  if (node && (node->target = ctrt__strdup(target)) == NULL) {
    memfs_node_unlink(node);
    node = NULL;
  }
  rc = node ? add_new(fs, &w, node, path) : ctrt__error_no_memory();
  memfs_walk_clear(&w);
  return rc;
}

/* The last textual component is "." or "..": rm and rmdir refuse those. */
static bool ends_with_dot(const char *path) {
  size_t len = strlen(path);
  while (len > 1 && path[len - 1] == '/')
    len--;
  size_t start = len;
  while (start > 0 && path[start - 1] != '/')
    start--;
  size_t n = len - start;
  return (n == 1 && path[start] == '.') || (n == 2 && path[start] == '.' && path[start + 1] == '.');
}

int memfs_remove(memfs *fs, const char *path, bool recursive) {
  CTRT__CHECK_ARG(path != NULL, "memfs_remove: NULL path");
  if (ends_with_dot(path))
    return ctrt__error_invalid_spec("%s: refusing to remove '.' or '..'", path);
  memfs_walk w;
  int rc = memfs_resolve(fs, path, 0, &w);
  if (rc < 0)
    return rc;
  memfs_node *node = memfs_walk_node(&w), *parent = memfs_walk_parent(&w);
  if (parent == NULL)
    rc = ctrt__error_invalid_spec("%s: cannot remove the root directory", path);
  else if (w.via_symlink) /* "link/": rmdir(2) will not remove through a symlink */
    rc = err_not_dir(path);
  else if (memfs_is_dir(node) && node->n_entries > 0 && !recursive)
    rc = ctrt__error_invalid_spec("%s: directory not empty", path);
  else {
    memfs_dir_remove(parent, memfs_walk_name(&w));
    memfs_dir_touched(fs, parent);
  }
  memfs_walk_clear(&w);
  return rc;
}

int memfs_touch(memfs *fs, const char *path, ctrt_timestamp mtime, bool create, uint32_t uid, uint32_t gid) {
  memfs_walk w;
  int rc = memfs_resolve(fs, path, MEMFS_FOLLOW | (create ? MEMFS_ALLOW_MISSING : 0), &w);
  if (rc < 0)
    return rc;
  memfs_node *node = memfs_walk_node(&w);
  if (node == NULL) {
    if (w.trailing_slash) {
      rc = err_is_dir(path);
      goto done;
    }
    if ((node = memfs_node_new(fs, S_IFREG | 0644, uid, gid)) == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
    if ((rc = add_new(fs, &w, node, path)) < 0)
      goto done;
  }
  node->mtime = memfs_clamp_time(mtime);
done:
  memfs_walk_clear(&w);
  return rc;
}

int memfs_chmod(memfs *fs, const char *path, uint32_t perm) {
  memfs_walk w;
  int rc = memfs_resolve(fs, path, MEMFS_FOLLOW, &w);
  if (rc < 0)
    return rc;
  memfs_node *node = memfs_walk_node(&w);
  node->mode = (node->mode & S_IFMT) | (perm & 07777);
  memfs_walk_clear(&w);
  return 0;
}

int memfs_link(memfs *fs, const char *oldpath, const char *newpath) {
  memfs_walk from, to;
  int rc = memfs_resolve(fs, oldpath, 0, &from);
  if (rc < 0)
    return rc;
  memfs_node *node = memfs_walk_node(&from);
  memfs_walk_clear(&from);
  if (memfs_is_dir(node))
    return ctrt__error_invalid_spec("%s: hard link not allowed for directory", oldpath);
  if ((rc = memfs_resolve(fs, newpath, MEMFS_ALLOW_MISSING, &to)) < 0)
    return rc;
  if (!to.missing_final || to.via_symlink) {
    rc = err_exists(newpath);
    goto done;
  }
  if ((rc = check_new_depth(&to, 1, newpath)) < 0 ||
      (rc = memfs_dir_insert(memfs_walk_parent(&to), to.missing, node)) < 0)
    goto done;
  memfs_dir_touched(fs, memfs_walk_parent(&to));
done:
  memfs_walk_clear(&to);
  return rc;
}

/* Why rename(2) would refuse to move from's node to to, or 0 (also when
 * both name the same file, which rename does nothing to). */
static int rename_check(const memfs_walk *from, const memfs_walk *to, const char *oldpath, const char *newpath) {
  memfs_node *node = memfs_walk_node(from), *existing = memfs_walk_node(to);
  if (memfs_walk_parent(from) == NULL || memfs_walk_parent(to) == NULL)
    return ctrt__error_invalid_spec("rename %s to %s: device or resource busy", oldpath, newpath);
  if (from->via_symlink || to->via_symlink)
    return err_not_dir(from->via_symlink ? oldpath : newpath);
  if (existing == node)
    return 0;
  if (memfs_is_dir(node)) {
    for (size_t i = 0; i < to->depth; i++)
      if (to->nodes[i] == node)
        return ctrt__error_invalid_spec("rename %s to %s: cannot move a directory into itself", oldpath, newpath);
    if (existing && !memfs_is_dir(existing))
      return err_not_dir(newpath);
    if (existing && existing->n_entries > 0)
      return ctrt__error_invalid_spec("%s: directory not empty", newpath);
  } else if (existing && memfs_is_dir(existing)) {
    return err_is_dir(newpath);
  }
  size_t depth_at = existing ? to->depth - 1 : to->depth;
  if (depth_at + memfs_node_height(node) - 1 > MEMFS_DEPTH_MAX)
    return ctrt__error_invalid_spec("%s: directory tree too deep (more than %d levels)", newpath, MEMFS_DEPTH_MAX);
  return 0;
}

int memfs_rename(memfs *fs, const char *oldpath, const char *newpath) {
  CTRT__CHECK_ARG(oldpath != NULL && newpath != NULL, "memfs_rename: NULL path");
  if (ends_with_dot(oldpath) || ends_with_dot(newpath))
    return ctrt__error_invalid_spec("rename %s to %s: invalid argument", oldpath, newpath);
  memfs_walk from, to;
  int rc = memfs_resolve(fs, oldpath, 0, &from);
  if (rc < 0)
    return rc;
  if ((rc = memfs_resolve(fs, newpath, MEMFS_ALLOW_MISSING, &to)) < 0) {
    memfs_walk_clear(&from);
    return rc;
  }
  memfs_node *node = memfs_walk_node(&from), *old_parent = memfs_walk_parent(&from);
  memfs_node *existing = memfs_walk_node(&to), *new_parent = memfs_walk_parent(&to);
  char *new_name = NULL, *old_name = NULL;
  if ((rc = rename_check(&from, &to, oldpath, newpath)) < 0 || existing == node)
    goto done; /* the same file: rename(2) does nothing */
  new_name = ctrt__strdup(memfs_walk_name(&to));
  old_name = ctrt__strdup(memfs_walk_name(&from));
  if (new_name == NULL || old_name == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  /* Hold a link while the node has no name, then move it. */
  node->nlink++;
  memfs_dir_remove(old_parent, old_name);
  if (existing)
    memfs_dir_remove(new_parent, new_name);
  rc = memfs_dir_insert(new_parent, new_name, node);
  if (rc < 0) /* no memory: put it back where it was (that slot was just freed) */
    rc = memfs_dir_insert(old_parent, old_name, node) == 0 ? ctrt__error_no_memory() : rc;
  memfs_node_unlink(node);
  memfs_dir_touched(fs, old_parent);
  memfs_dir_touched(fs, new_parent);
done:
  ctrt__free(new_name);
  ctrt__free(old_name);
  memfs_walk_clear(&from);
  memfs_walk_clear(&to);
  return rc;
}

/* ---- equality ---- */

static bool node_equal(const memfs_node *a, const memfs_node *b) {
  if (a->mode != b->mode || a->uid != b->uid || a->gid != b->gid)
    return false;
  if (memfs_is_reg(a))
    return a->blob == b->blob || (a->blob->len == b->blob->len &&
                                  memcmp(memfs_blob_data(a->blob), memfs_blob_data(b->blob), a->blob->len) == 0);
  if (memfs_is_lnk(a))
    return strcmp(a->target, b->target) == 0;
  if (a->n_entries != b->n_entries)
    return false;
  for (size_t i = 0; i < a->n_entries; i++)
    if (strcmp(a->entries[i].name, b->entries[i].name) != 0 || !node_equal(a->entries[i].node, b->entries[i].node))
      return false;
  return true;
}

bool memfs_equal(const memfs *a, const memfs *b) { return node_equal(a->root, b->root); }
