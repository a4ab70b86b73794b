/* SPDX-License-Identifier: MIT */
/*
 * memfs differences: Docker's `changes` (what an overlay upper directory
 * would hold, as OverlayChanges reports it) and the image layer that
 * `commit` stores.
 */
#include "memfs_internal.h"

#include "gen_internal.h"

#include <stdlib.h>

/* A change and the current node at its path (NULL for deletions), so the
 * layer writer needs no lookups. */
typedef struct change_item {
  memfs_change change;
  const memfs_node *node;
} change_item;

typedef struct change_list {
  change_item *items;
  size_t n, cap;
} change_list;

typedef struct path_buf {
  char *text;
  size_t len, cap;
} path_buf;

static int path_push(path_buf *p, const char *name) {
  size_t n = strlen(name);
  size_t need = p->len + n + 2;
  if (need > p->cap) {
    size_t cap = p->cap ? p->cap : 256;
    while (cap < need)
      cap *= 2;
    char *grown = ctrt__realloc(p->text, cap);
    CTRT__CHECK_ALLOC(grown);
    p->text = grown;
    p->cap = cap;
  }
  p->text[p->len++] = '/';
  memcpy(p->text + p->len, name, n + 1);
  p->len += n;
  return 0;
}

static void path_pop(path_buf *p, size_t len) {
  p->len = len;
  if (p->text)
    p->text[len] = '\0';
}

static int add_change(change_list *l, const char *path, ctrt_filesystem_change_kind kind, const memfs_node *node) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 32;
    change_item *grown = ctrt__realloc(l->items, cap * sizeof *grown);
    CTRT__CHECK_ALLOC(grown);
    l->items = grown;
    l->cap = cap;
  }
  char *copy = ctrt__strdup(path);
  CTRT__CHECK_ALLOC(copy);
  l->items[l->n++] = (change_item){{copy, kind}, node};
  return 0;
}

/* The node's own differences: type, permissions, owner, mtime (a copy-up
 * in Docker), contents, link target. Not a directory's entries. */
static bool node_changed(const memfs_node *a, const memfs_node *b) {
  if (a->mode != b->mode || a->uid != b->uid || a->gid != b->gid)
    return true;
  if (a->mtime.seconds != b->mtime.seconds || a->mtime.nanos != b->mtime.nanos)
    return true;
  if (memfs_is_reg(a))
    return a->blob != b->blob && (a->blob->len != b->blob->len ||
                                  memcmp(memfs_blob_data(a->blob), memfs_blob_data(b->blob), a->blob->len) != 0);
  if (memfs_is_lnk(a))
    return strcmp(a->target, b->target) != 0;
  return false;
}

/* Everything below an added directory is added too. */
static int add_tree(change_list *l, const memfs_node *node, path_buf *p);

static int add_all(change_list *l, const memfs_node *dir, path_buf *p) {
  for (size_t i = 0; i < dir->n_entries; i++) {
    size_t keep = p->len;
    int rc;
    if ((rc = path_push(p, dir->entries[i].name)) < 0)
      return rc;
    rc = add_tree(l, dir->entries[i].node, p);
    path_pop(p, keep);
    if (rc < 0)
      return rc;
  }
  return 0;
}

/* The node at p added, and everything inside if it is a directory. */
static int add_tree(change_list *l, const memfs_node *node, path_buf *p) {
  int rc;
  if ((rc = add_change(l, p->text, CTRT_FILESYSTEM_CHANGE_KIND_ADDED, node)) < 0)
    return rc;
  return memfs_is_dir(node) ? add_all(l, node, p) : 0;
}

static int diff_dir(change_list *l, const memfs_node *b, const memfs_node *c, path_buf *p, bool *changed);

/* One name at p: only in the base (deleted), only in the container
 * (added), or in both (compared). */
static int diff_entry(change_list *l, const memfs_dirent *db, const memfs_dirent *dc, path_buf *p, bool *changed) {
  int rc;
  if (dc == NULL) {
    *changed = true;
    return add_change(l, p->text, CTRT_FILESYSTEM_CHANGE_KIND_DELETED, NULL);
  }
  if (db == NULL) {
    *changed = true;
    return add_tree(l, dc->node, p);
  }
  if (memfs_is_dir(db->node) && memfs_is_dir(dc->node)) {
    bool inner = false;
    if ((rc = diff_dir(l, db->node, dc->node, p, &inner)) < 0)
      return rc;
    if (!inner && !node_changed(db->node, dc->node))
      return 0;
    *changed = true;
    return add_change(l, p->text, CTRT_FILESYSTEM_CHANGE_KIND_MODIFIED, dc->node);
  }
  if (!node_changed(db->node, dc->node))
    return 0;
  /* A new type is a change of the path; a new directory's contents are
   * all added (an opaque directory in overlay terms). */
  *changed = true;
  if ((rc = add_change(l, p->text, CTRT_FILESYSTEM_CHANGE_KIND_MODIFIED, dc->node)) < 0)
    return rc;
  return memfs_is_dir(dc->node) ? add_all(l, dc->node, p) : 0;
}

/* Compare two directories' entries (both sorted); *changed tells whether
 * anything inside differs, which makes the directory itself changed. */
static int diff_dir(change_list *l, const memfs_node *b, const memfs_node *c, path_buf *p, bool *changed) {
  size_t i = 0, j = 0;
  *changed = false;
  while (i < b->n_entries || j < c->n_entries) {
    int cmp = i == b->n_entries ? 1 : j == c->n_entries ? -1 : strcmp(b->entries[i].name, c->entries[j].name);
    const memfs_dirent *db = cmp <= 0 ? &b->entries[i] : NULL;
    const memfs_dirent *dc = cmp >= 0 ? &c->entries[j] : NULL;
    size_t keep = p->len;
    int rc;
    if ((rc = path_push(p, (db ? db : dc)->name)) < 0)
      return rc;
    rc = diff_entry(l, db, dc, p, changed);
    path_pop(p, keep);
    if (rc < 0)
      return rc;
    if (db)
      i++;
    if (dc)
      j++;
  }
  return 0;
}

static int change_cmp(const void *a, const void *b) {
  return strcmp(((const change_item *)a)->change.path, ((const change_item *)b)->change.path);
}

static void list_free(change_list *l) {
  for (size_t i = 0; i < l->n; i++)
    ctrt__free(l->items[i].change.path);
  ctrt__free(l->items);
}

/* All changes, sorted by path. */
static int collect(const memfs *base, const memfs *current, change_list *l) {
  memset(l, 0, sizeof *l);
  path_buf p = {0};
  bool changed = false;
  int rc = diff_dir(l, base->root, current->root, &p, &changed);
  ctrt__free(p.text);
  if (rc < 0) {
    list_free(l);
    return rc;
  }
  if (l->n > 1)
    qsort(l->items, l->n, sizeof *l->items, change_cmp);
  return 0;
}

void memfs_changes_free(memfs_change *changes, size_t n) {
  if (changes == NULL)
    return;
  for (size_t i = 0; i < n; i++)
    ctrt__free(changes[i].path);
  ctrt__free(changes);
}

int memfs_diff(const memfs *base, const memfs *current, memfs_change **changes, size_t *n) {
  CTRT__CHECK_ARG(base != NULL && current != NULL && changes != NULL && n != NULL, "memfs_diff: NULL argument");
  change_list l;
  int rc = collect(base, current, &l);
  if (rc < 0)
    return rc;
  memfs_change *out = ctrt__calloc(l.n ? l.n : 1, sizeof *out);
  if (out == NULL) {
    list_free(&l);
    return ctrt__error_no_memory();
  }
  for (size_t i = 0; i < l.n; i++)
    out[i] = l.items[i].change; /* the paths move over */
  ctrt__free(l.items);
  *changes = out;
  *n = l.n;
  return 0;
}

static void free_string(void *p) { ctrt__free(p); }

static int diff_tar_entries(memfs_tar_out *t, const memfs *base, const memfs *current, const change_list *l) {
  const memfs_node *br = base->root, *cr = current->root;
  int rc;
  /* The root is never a change, but its metadata travels as "./". */
  if ((br->mode != cr->mode || br->uid != cr->uid || br->gid != cr->gid) &&
      (rc = memfs_tar_out_entry(t, "./", cr, NULL)) < 0)
    return rc;
  memfs_pmap links = {0}; /* node -> name of its first entry in this layer */
  rc = 0;
  for (size_t i = 0; i < l->n; i++) {
    const char *path = l->items[i].change.path + 1; /* relative names */
    const memfs_node *node = l->items[i].node;
    char *name;
    if (node == NULL) {
      const char *slash = strrchr(path, '/');
      name = slash ? ctrt__sprintf("%.*s/.wh.%s", (int)(slash - path), path, slash + 1) : ctrt__sprintf(".wh.%s", path);
      rc = name ? memfs_tar_out_empty_file(t, name) : ctrt__error_no_memory();
      ctrt__free(name);
      if (rc < 0)
        break;
      continue;
    }
    if ((name = ctrt__sprintf("%s%s", path, memfs_is_dir(node) ? "/" : "")) == NULL) {
      rc = ctrt__error_no_memory();
      break;
    }
    const char *hardlink = NULL;
    if (!memfs_is_dir(node) && node->nlink > 1) {
      hardlink = memfs_pmap_get(&links, node);
      if (hardlink == NULL && memfs_pmap_put(&links, node, name) < 0) {
        ctrt__free(name);
        rc = ctrt__error_no_memory();
        break;
      }
    }
    rc = memfs_tar_out_entry(t, name, node, hardlink);
    if (memfs_pmap_get(&links, node) != name)
      ctrt__free(name); /* else the map owns it */
    if (rc < 0)
      break;
  }
  memfs_pmap_clear(&links, free_string);
  return rc;
}

int memfs_diff_tar(const memfs *base, const memfs *current, memfs_blob **out) {
  CTRT__CHECK_ARG(out != NULL, "memfs_diff_tar: NULL argument");
  CTRT__CHECK_ARG(base != NULL && current != NULL, "memfs_diff_tar: NULL argument");
  change_list l;
  int rc = collect(base, current, &l);
  if (rc < 0)
    return rc;
  memfs_tar_out *t = NULL;
  if ((rc = memfs_tar_out_new(&t)) < 0 || (rc = diff_tar_entries(t, base, current, &l)) < 0)
    goto done;
  rc = memfs_tar_out_finish(t, out);
done:
  memfs_tar_out_free(t);
  list_free(&l);
  return rc;
}
