/* SPDX-License-Identifier: MIT */
/*
 * memfs internals shared by memfs.c (tree, paths, file operations),
 * memfs_tar.c (tar in and out) and memfs_diff.c (changes, layers), plus a
 * few test-only accessors. Not for the rest of the mock: use memfs.h.
 */
#ifndef CTRT_MOCK_MEMFS_INTERNAL_H
#define CTRT_MOCK_MEMFS_INTERNAL_H

#include "memfs.h"

#include <stdatomic.h>

/* Linux limits: a path of at most PATH_MAX - 1 bytes, names of NAME_MAX. */
#define MEMFS_PATH_MAX 4096
#define MEMFS_NAME_MAX 255
#define MEMFS_SYMLOOP_MAX 40
/* Nesting limit, so recursive walks stay far from any thread's stack size. */
#define MEMFS_DEPTH_MAX 256

struct memfs_blob {
  atomic_size_t refs;
  size_t len, cap;
  uint8_t *data; /* NULL when len == 0 */
};

typedef struct memfs_node memfs_node;

typedef struct memfs_dirent {
  char *name;
  memfs_node *node;
} memfs_dirent;

/* A node is an inode: hard links are several dirents pointing at one node
 * (nlink of them); directories are never hard-linked. */
struct memfs_node {
  uint32_t mode; /* file type and permission bits */
  uint32_t uid, gid;
  uint32_t nlink;
  uint64_t ino;
  ctrt_timestamp mtime;
  memfs_blob *blob;      /* regular file: never NULL */
  char *target;          /* symlink */
  memfs_dirent *entries; /* directory: sorted bytewise by name */
  size_t n_entries, cap_entries;
  /* Tar extraction marks: the extraction that last touched the node (an
   * entry, or an ancestor of one) and the one that set its mtime from a
   * header (so later children do not bump it). */
  uint64_t touch_gen, header_gen;
};

struct memfs {
  memfs_node *root;
  uint64_t next_ino;
  uint64_t gen;                 /* number of the last tar extraction */
  bool extracting;              /* a staging tree during memfs_apply_tar */
  uint64_t max_file, max_total; /* memfs_set_limits; 0: none */
};

/* The "no space left on device" failure of a write past a limit. */
int memfs_err_full(const memfs *fs, const char *path, uint64_t want);
/* A tar whose uncompressed stream passes max bytes (memfs_tar.c). */
int memfs_err_stream(const memfs *fs, uint64_t max);

/* ---- nodes ---- */
memfs_node *memfs_node_new(memfs *fs, uint32_t mode, uint32_t uid, uint32_t gid);
/* Drop one link; frees the node (and a directory's subtree) at zero. */
void memfs_node_unlink(memfs_node *node);
memfs_dirent *memfs_dir_find(const memfs_node *dir, const char *name);
/* Insert (name must be absent); takes a link on node. */
int memfs_dir_insert(memfs_node *dir, const char *name, memfs_node *node);
/* Remove the entry and drop its link. */
void memfs_dir_remove(memfs_node *dir, const char *name);
/* Height of a subtree (1 for a leaf). */
size_t memfs_node_height(const memfs_node *node);

static inline bool memfs_is_dir(const memfs_node *n) { return S_ISDIR(n->mode); }
static inline bool memfs_is_reg(const memfs_node *n) { return S_ISREG(n->mode); }
static inline bool memfs_is_lnk(const memfs_node *n) { return S_ISLNK(n->mode); }

/* ---- path resolution ---- */
typedef struct memfs_walk {
  /* nodes[0] is the root; nodes[i] is named names[i] in nodes[i - 1]. When
   * the final component is missing, the stack ends at its parent and
   * missing holds its name. names point into dirents: valid until the
   * tree changes. */
  memfs_node **nodes;
  const char **names;
  size_t depth, cap;
  bool missing_final;
  bool via_symlink; /* the final component was reached through a symlink */
  bool trailing_slash;
  char missing[MEMFS_NAME_MAX + 1];
} memfs_walk;

enum {
  MEMFS_FOLLOW = 1,       /* follow a final symlink */
  MEMFS_ALLOW_MISSING = 2 /* a missing final component is not an error */
};

/* Resolve path like the kernel, confined to the root. Errors name path. */
int memfs_resolve(const memfs *fs, const char *path, int flags, memfs_walk *w);
void memfs_walk_clear(memfs_walk *w);
static inline memfs_node *memfs_walk_node(const memfs_walk *w) {
  return w->missing_final ? NULL : w->nodes[w->depth - 1];
}
static inline memfs_node *memfs_walk_parent(const memfs_walk *w) {
  if (w->missing_final)
    return w->nodes[w->depth - 1];
  return w->depth >= 2 ? w->nodes[w->depth - 2] : NULL;
}
static inline const char *memfs_walk_name(const memfs_walk *w) {
  return w->missing_final ? w->missing : w->names[w->depth - 1];
}
/* The canonical path of the resolved location, a new string. */
char *memfs_walk_path(const memfs_walk *w);

/* A directory's mtime moves when its entries change, unless a tar
 * extraction in progress gave it its header's mtime. */
void memfs_dir_touched(const memfs *fs, memfs_node *dir);

/* ---- pointer map (node -> value), for hard links ---- */
typedef struct memfs_pmap {
  const void **keys;
  void **values;
  size_t n, cap;
} memfs_pmap;
void *memfs_pmap_get(const memfs_pmap *map, const void *key);
int memfs_pmap_put(memfs_pmap *map, const void *key, void *value);
/* free_value (may be NULL) is called on every value. */
void memfs_pmap_clear(memfs_pmap *map, void (*free_value)(void *));

/* ---- tar writing (memfs_tar.c), shared with memfs_diff.c ---- */
typedef struct memfs_tar_out memfs_tar_out;
int memfs_tar_out_new(memfs_tar_out **out);
void memfs_tar_out_free(memfs_tar_out *t);
/* One entry: its header, then (regular files) all its data. name is
 * relative ("etc/passwd"; directories get a trailing '/'). hardlink, when
 * not NULL, makes it a hard link to that name. */
int memfs_tar_out_entry(memfs_tar_out *t, const char *name, const memfs_node *node, const char *hardlink);
/* An empty regular file (whiteouts). */
int memfs_tar_out_empty_file(memfs_tar_out *t, const char *name);
/* Finish the archive and hand its bytes over as a new blob. */
int memfs_tar_out_finish(memfs_tar_out *t, memfs_blob **blob);

/* ---- test-only accessors ---- */
/* Largest size the reader's staging buffer ever reached, in bytes. */
size_t memfs_tar_reader_buffer_peak(const memfs_tar_reader *reader);

#endif
