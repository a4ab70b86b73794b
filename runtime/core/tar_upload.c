/* SPDX-License-Identifier: MIT */
/*
 * archive_put treats an upload as hostile and extracts all of it or none.
 * The rules on entry names live here, shared by the mock (which applies
 * them while staging into its in-memory tree) and by backends that hand the
 * archive to an engine (which check the whole archive first, spooled to an
 * anonymous temporary file, and only then send it).
 *
 * What a backend in front of an engine can check without seeing the
 * container's filesystem: names (no absolute ones, no ".."), symlinks the
 * archive itself creates (no later entry may be created through one that
 * leads outside the destination), hard links (their targets must be inside
 * the destination). Symlinks that already exist in the container are the
 * engine's to confine.
 */
#include "gen_internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SPOOL_CHUNK (64 * 1024)

/* ---- names ---- */

bool ctrt__path_next_component(const char **p, const char **start, size_t *n) {
  for (;;) {
    while (**p == '/')
      (*p)++;
    if (**p == '\0')
      return false;
    *start = *p;
    while (**p && **p != '/')
      (*p)++;
    *n = (size_t)(*p - *start);
    if (!(*n == 1 && (*start)[0] == '.'))
      return true;
  }
}

int ctrt__tar_upload_name(const char *raw, char *out, size_t cap, const char **why) {
  *why = NULL;
  if (raw == NULL || raw[0] == '\0') {
    *why = "entry without a name";
    return -1;
  }
  if (strlen(raw) >= cap || strlen(raw) >= CTRT__TAR_PATH_MAX) {
    *why = "name too long";
    return -1;
  }
  if (raw[0] == '/') {
    *why = "absolute path";
    return -1;
  }
  size_t len = 0;
  const char *p = raw;
  const char *start;
  size_t n;
  while (ctrt__path_next_component(&p, &start, &n)) {
    if (n == 2 && start[0] == '.' && start[1] == '.') {
      *why = "path contains \"..\"";
      return -1;
    }
    if (n > CTRT__TAR_NAME_MAX) {
      *why = "file name too long";
      return -1;
    }
    if (len > 0)
      out[len++] = '/';
    memcpy(out + len, start, n);
    len += n;
  }
  out[len] = '\0';
  return 0;
}

/* ---- the archive's own symlinks: a small string hash map ---- */

typedef struct link_slot {
  char *path; /* absolute, canonical; NULL = empty, TOMBSTONE = removed */
  char *target;
} link_slot;

static char tombstone;
#define TOMBSTONE (&tombstone)

typedef struct link_map {
  link_slot *slots;
  size_t cap, used; /* used counts tombstones too */
  size_t live;
} link_map;

static uint64_t hash_text(const char *text) {
  uint64_t h = 1469598103934665603ull;
  for (; *text; text++)
    h = (h ^ (unsigned char)*text) * 1099511628211ull;
  return h;
}

static link_slot *map_find(const link_map *m, const char *path) {
  if (m->cap == 0)
    return NULL;
  for (size_t i = hash_text(path) & (m->cap - 1), k = 0; k < m->cap; i = (i + 1) & (m->cap - 1), k++) {
    link_slot *s = &m->slots[i];
    if (s->path == NULL)
      return NULL;
    if (s->path != TOMBSTONE && strcmp(s->path, path) == 0)
      return s;
  }
  return NULL;
}

static void map_clear(link_map *m) {
  for (size_t i = 0; i < m->cap; i++) {
    if (m->slots[i].path && m->slots[i].path != TOMBSTONE) {
      ctrt__free(m->slots[i].path);
      ctrt__free(m->slots[i].target);
    }
  }
  ctrt__free(m->slots);
  memset(m, 0, sizeof *m);
}

static void map_insert_slot(link_map *m, char *path, char *target) {
  size_t i = hash_text(path) & (m->cap - 1);
  while (m->slots[i].path != NULL && m->slots[i].path != TOMBSTONE)
    i = (i + 1) & (m->cap - 1);
  if (m->slots[i].path == NULL)
    m->used++;
  m->slots[i].path = path;
  m->slots[i].target = target;
  m->live++;
}

static int map_grow(link_map *m) {
  size_t cap = m->cap ? m->cap * 2 : 64;
  if (m->live * 4 < m->cap)
    cap = m->cap; /* mostly tombstones: rehash in place */
  link_slot *slots = ctrt__calloc(cap, sizeof *slots);
  CTRT__CHECK_ALLOC(slots);
  link_map old = *m;
  m->slots = slots;
  m->cap = cap;
  m->used = m->live = 0;
  for (size_t i = 0; i < old.cap; i++)
    if (old.slots[i].path && old.slots[i].path != TOMBSTONE)
      map_insert_slot(m, old.slots[i].path, old.slots[i].target);
  ctrt__free(old.slots);
  return 0;
}

static void map_remove(link_map *m, const char *path) {
  link_slot *s = map_find(m, path);
  if (s == NULL)
    return;
  ctrt__free(s->path);
  ctrt__free(s->target);
  s->path = TOMBSTONE;
  s->target = NULL;
  m->live--;
}

static int map_put(link_map *m, const char *path, const char *target) {
  map_remove(m, path);
  if ((m->used + 1) * 2 > m->cap) {
    int rc = map_grow(m);
    if (rc < 0)
      return rc;
  }
  char *p = ctrt__strdup(path), *t = ctrt__strdup(target);
  if (p == NULL || t == NULL) {
    ctrt__free(p);
    ctrt__free(t);
    return ctrt__error_no_memory();
  }
  map_insert_slot(m, p, t);
  return 0;
}

/* ---- the checker ---- */

typedef struct checker {
  char dest[CTRT__TAR_PATH_MAX]; /* canonical absolute destination, "/" or "/a/b" */
  size_t dest_len;
  link_map links;
  const char *entry; /* raw name, for messages */
} checker;

static int reject(const checker *c, const char *why) {
  return ctrt__error_invalid_spec("tar entry \"%.512s\": %s", c->entry, why);
}

static int reject_link(const checker *c, const char *raw, const char *why) {
  return ctrt__error_invalid_spec("tar entry \"%.256s\": hard link target \"%.256s\": %s", c->entry, raw, why);
}

static bool inside_dest(const checker *c, const char *path) {
  if (c->dest_len == 1)
    return true; /* "/" holds everything */
  return strncmp(path, c->dest, c->dest_len) == 0 && (path[c->dest_len] == '\0' || path[c->dest_len] == '/');
}

/* Append a component to the absolute path buf (length *len). */
static bool push_component(char *buf, size_t *len, const char *comp, size_t n) {
  size_t need = *len + (*len > 1 ? 1 : 0) + n;
  if (need >= CTRT__TAR_PATH_MAX)
    return false;
  if (*len > 1)
    buf[(*len)++] = '/';
  memcpy(buf + *len, comp, n);
  *len += n;
  buf[*len] = '\0';
  return true;
}

static void pop_component(char *buf, size_t *len) {
  while (*len > 1 && buf[*len - 1] != '/')
    (*len)--;
  if (*len > 1)
    (*len)--; /* the separator, except the root's */
  buf[*len] = '\0';
}

/*
 * Resolve the directory dest/rel (rel already normalised) through the
 * symlinks the archive created, into out (absolute, canonical). Fails when
 * it leads outside the destination or loops.
 */
static int resolve_dir(const checker *c, const char *rel, char *out) {
  size_t len = c->dest_len;
  memcpy(out, c->dest, len + 1);
  if (c->links.live == 0) {
    /* No symlinks of the archive's: the lexical name is the location. */
    if (rel[0] != '\0' && !push_component(out, &len, rel, strlen(rel)))
      return reject(c, "name too long");
    return 0;
  }
  /* What is left to walk; a followed link's target goes in front. */
  char *rest = ctrt__strdup(rel);
  CTRT__CHECK_ALLOC(rest);
  size_t pos = 0;
  int followed = 0, rc = 0;
  while (rest[pos] != '\0') {
    while (rest[pos] == '/')
      pos++;
    const char *comp = rest + pos;
    size_t n = 0;
    while (comp[n] && comp[n] != '/')
      n++;
    pos += n;
    if (n == 0 || (n == 1 && comp[0] == '.'))
      continue;
    if (n == 2 && comp[0] == '.' && comp[1] == '.') {
      pop_component(out, &len);
      continue;
    }
    if (!push_component(out, &len, comp, n)) {
      rc = reject(c, "name too long");
      break;
    }
    const link_slot *link = map_find(&c->links, out);
    if (link == NULL)
      continue;
    if (++followed > 40) {
      rc = reject(c, "too many levels of symbolic links");
      break;
    }
    pop_component(out, &len);
    if (link->target[0] == '/') {
      len = 1;
      out[0] = '/';
      out[1] = '\0';
    }
    char *next = ctrt__sprintf("%s/%s", link->target, rest + pos);
    if (next == NULL) {
      rc = ctrt__error_no_memory();
      break;
    }
    ctrt__free(rest);
    rest = next;
    pos = 0;
  }
  ctrt__free(rest);
  if (rc < 0)
    return rc;
  if (!inside_dest(c, out))
    return reject(c, "a symlink leads outside the destination directory");
  return 0;
}

static int check_entry(checker *c, struct archive_entry *e) {
  const char *raw = archive_entry_pathname(e);
  c->entry = raw ? raw : "";
  char rel[CTRT__TAR_PATH_MAX];
  const char *why = NULL;
  if (ctrt__tar_upload_name(raw, rel, sizeof rel, &why) < 0)
    return raw == NULL || raw[0] == '\0' ? ctrt__error_invalid_spec("tar entry without a name") : reject(c, why);
  const char *hardlink = archive_entry_hardlink(e);
  mode_t type = archive_entry_filetype(e);
  if (rel[0] == '\0')
    return type == AE_IFDIR && hardlink == NULL ? 0 : reject(c, "not a directory");
  char *slash = strrchr(rel, '/');
  const char *base = slash ? slash + 1 : rel;
  char parent_rel[CTRT__TAR_PATH_MAX];
  size_t plen = slash ? (size_t)(slash - rel) : 0;
  memcpy(parent_rel, rel, plen);
  parent_rel[plen] = '\0';

  char parent[CTRT__TAR_PATH_MAX];
  int rc = resolve_dir(c, parent_rel, parent);
  if (rc < 0)
    return rc;
  if (hardlink != NULL) {
    char target_rel[CTRT__TAR_PATH_MAX];
    if (ctrt__tar_upload_name(hardlink, target_rel, sizeof target_rel, &why) < 0)
      return reject_link(c, hardlink, why);
    if (target_rel[0] == '\0')
      return reject_link(c, hardlink, "a directory cannot be hard-linked");
    /* The target's parent must be inside; the target itself is not followed. */
    char *tslash = strrchr(target_rel, '/');
    char target_parent[CTRT__TAR_PATH_MAX], resolved[CTRT__TAR_PATH_MAX];
    size_t tlen = tslash ? (size_t)(tslash - target_rel) : 0;
    memcpy(target_parent, target_rel, tlen);
    target_parent[tlen] = '\0';
    if ((rc = resolve_dir(c, target_parent, resolved)) < 0) {
      if (ctrt_error_last()->kind != CTRT_ERROR_INVALID_SPEC)
        return rc;
      return reject_link(c, hardlink, "outside the destination directory");
    }
  }
  size_t len = strlen(parent);
  if (!push_component(parent, &len, base, strlen(base)))
    return reject(c, "name too long");
  if (type == AE_IFLNK && hardlink == NULL) {
    const char *to = archive_entry_symlink(e);
    if (to == NULL || to[0] == '\0')
      return reject(c, "empty symlink target");
    if (strlen(to) >= CTRT__TAR_PATH_MAX)
      return reject(c, "symlink target too long");
    return map_put(&c->links, parent, to);
  }
  /* Anything else replaces a symlink of that name. */
  map_remove(&c->links, parent);
  return 0;
}

/* ---- spooling ---- */

typedef struct spool {
  ctrt_byte_source *src;
  int fd;
  int rc; /* the source's or the file's own error, kept apart from the archive's */
  bool eof;
  uint64_t total;
  uint8_t buf[SPOOL_CHUNK];
} spool;

static int write_all(int fd, const uint8_t *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return ctrt__error_internal("archive_put: spooling the upload to a temporary file failed: %s", strerror(errno));
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Read the next chunk of the source into s->buf and the file. */
static la_ssize_t spool_chunk(spool *s) {
  if (s->eof)
    return 0;
  size_t n = 0;
  int rc = ctrt_byte_source_read(s->src, s->buf, sizeof s->buf, &n);
  if (rc == CTRT_ITEROVER) {
    s->eof = true;
    return 0;
  }
  if (rc < 0 || (rc = write_all(s->fd, s->buf, n)) < 0) {
    s->rc = rc;
    return -1;
  }
  s->total += n;
  return (la_ssize_t)n;
}

static la_ssize_t spool_read(struct archive *a, void *ctx, const void **out) {
  spool *s = ctx;
  la_ssize_t n = spool_chunk(s);
  if (n < 0)
    archive_set_error(a, EIO, "reading the upload failed");
  *out = s->buf;
  return n;
}

static int anonymous_file(void) {
  const char *dir = getenv("TMPDIR");
  if (dir == NULL || dir[0] == '\0')
    dir = "/tmp";
#ifdef O_TMPFILE
  int fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0)
    return fd;
#endif
  char *path = ctrt__sprintf("%s/ctrt-upload-XXXXXX", dir);
  CTRT__CHECK_ALLOC(path);
  int tmp = mkstemp(path);
  int saved = errno;
  if (tmp >= 0)
    unlink(path);
  ctrt__free(path);
  if (tmp < 0)
    return ctrt__error_internal("archive_put: cannot create a temporary file in %s to check the upload: %s", dir,
                                strerror(saved));
  (void)fcntl(tmp, F_SETFD, FD_CLOEXEC);
  return tmp;
}

static int archive_failure(struct archive *a, const spool *s) {
  if (s->rc < 0)
    return s->rc;
  if (archive_errno(a) == ENOMEM)
    return ctrt__error_no_memory();
  const char *why = archive_error_string(a);
  return ctrt__error_invalid_spec("not a valid tar archive: %s", why ? why : "read error");
}

static int normalise_dest(checker *c, const char *dest) {
  CTRT__CHECK_ARG(dest != NULL && dest[0] == '/', "archive_put: the destination must be an absolute path");
  size_t len = 1;
  c->dest[0] = '/';
  c->dest[1] = '\0';
  const char *p = dest;
  const char *start;
  size_t n;
  while (ctrt__path_next_component(&p, &start, &n)) {
    if (n == 2 && start[0] == '.' && start[1] == '.')
      pop_component(c->dest, &len);
    else if (!push_component(c->dest, &len, start, n))
      return ctrt__error_invalid_argument("archive_put: the destination path is too long");
  }
  c->dest_len = len;
  return 0;
}

int ctrt__tar_upload_spool(int *out_fd, uint64_t *out_len, ctrt_byte_source *src, const char *dest) {
  *out_fd = -1;
  checker *c = ctrt__calloc(1, sizeof *c);
  spool *s = c ? ctrt__calloc(1, sizeof *s) : NULL;
  if (s == NULL) {
    ctrt__free(c);
    return ctrt__error_no_memory();
  }
  struct archive *a = NULL;
  int rc;
  s->src = src;
  s->fd = -1;
  if ((rc = normalise_dest(c, dest)) < 0 || (rc = anonymous_file()) < 0)
    goto done;
  s->fd = rc;
  rc = 0;
  if ((a = archive_read_new()) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  archive_read_support_format_tar(a);
  archive_read_support_format_empty(a); /* an empty body: nothing to extract */
  /* The compressions engines accept on uploads (Docker: gzip, bzip2, xz). */
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_lzma(a);
  archive_read_support_filter_zstd(a);
  if (archive_read_open(a, s, NULL, spool_read, NULL) != ARCHIVE_OK)
    rc = archive_failure(a, s);
  while (rc == 0) {
    struct archive_entry *e = NULL;
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF)
      break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      rc = archive_failure(a, s);
      break;
    }
    if ((rc = check_entry(c, e)) < 0)
      break;
    /* Read through the data (no seek callback: it streams into the file). */
    if (archive_read_data_skip(a) != ARCHIVE_OK)
      rc = archive_failure(a, s);
  }
  archive_read_free(a);
  a = NULL;
  if (rc < 0)
    goto done;
  /* The engine gets every byte: what follows the end-of-archive blocks too. */
  while (!s->eof)
    if (spool_chunk(s) < 0) {
      rc = s->rc;
      goto done;
    }
  if (lseek(s->fd, 0, SEEK_SET) != 0) {
    rc = ctrt__error_internal("archive_put: rewinding the temporary file failed: %s", strerror(errno));
    goto done;
  }
  *out_fd = s->fd;
  s->fd = -1;
  if (out_len)
    *out_len = s->total;
done:
  if (a != NULL)
    archive_read_free(a);
  map_clear(&c->links);
  if (s->fd >= 0)
    close(s->fd);
  ctrt__free(s);
  ctrt__free(c);
  return rc;
}
