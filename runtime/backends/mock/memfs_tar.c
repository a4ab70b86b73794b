/* SPDX-License-Identifier: MIT */
/*
 * memfs tar in and out, with libarchive.
 *
 * Out: libarchive's writer, unblocked, with a write callback that appends
 * to a small staging buffer; the pull-based reader advances the tree walk
 * one header or one data slice at a time, only when that buffer is empty,
 * so memory stays at a header plus a slice whatever the file sizes.
 *
 * In: the whole archive is applied to a clone of the tree (a staging area:
 * nodes copied, contents shared); only when every entry has been read and
 * checked does the clone's tree replace the original's, so a rejected or
 * truncated archive changes nothing.
 */
#include "memfs_internal.h"

#include "gen_internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <inttypes.h>

/* How much file data the reader hands libarchive per step. */
#define TAR_SLICE ((size_t)16 * 1024)
#define SOURCE_CHUNK (64 * 1024)

/* ======================================================================
 * tar out
 * ====================================================================== */

struct memfs_tar_out {
  struct archive *a;
  uint8_t *buf;
  size_t off, len, cap; /* pending bytes are buf[off, len) */
  size_t peak;          /* largest cap reached */
  bool no_memory, closed;
};

static la_ssize_t out_write(struct archive *a, void *ctx, const void *data, size_t len) {
  memfs_tar_out *t = ctx;
  if (t->off > 0 && t->len + len > t->cap) {
    memmove(t->buf, t->buf + t->off, t->len - t->off);
    t->len -= t->off;
    t->off = 0;
  }
  if (t->len + len > t->cap) {
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + len)
      cap *= 2;
    uint8_t *grown = ctrt__realloc(t->buf, cap);
    if (grown == NULL) {
      t->no_memory = true;
      archive_set_error(a, ENOMEM, "out of memory");
      return -1;
    }
    t->buf = grown;
    t->cap = cap;
    if (cap > t->peak)
      t->peak = cap;
  }
  memcpy(t->buf + t->len, data, len);
  t->len += len;
  return (la_ssize_t)len;
}

static int out_error(memfs_tar_out *t, const char *what) {
  if (t->no_memory)
    return ctrt__error_no_memory();
  return ctrt__error_internal("tar: %s: %s", what, archive_error_string(t->a) ? archive_error_string(t->a) : "?");
}

int memfs_tar_out_new(memfs_tar_out **out) {
  memfs_tar_out *t = ctrt__calloc(1, sizeof *t);
  if (t == NULL || (t->a = archive_write_new()) == NULL) {
    ctrt__free(t);
    return ctrt__error_no_memory();
  }
  /* ustar, with pax headers only where needed (long names, big ids), as
   * Docker's Go writer does; no blocking, so bytes reach out_write as soon
   * as they are produced. */
  if (archive_write_set_format_pax_restricted(t->a) != ARCHIVE_OK || archive_write_set_bytes_per_block(t->a, 0) ||
      archive_write_open(t->a, t, NULL, out_write, NULL) != ARCHIVE_OK) {
    int rc = out_error(t, "setting up the writer");
    memfs_tar_out_free(t);
    return rc;
  }
  *out = t;
  return 0;
}

void memfs_tar_out_free(memfs_tar_out *t) {
  if (t == NULL)
    return;
  archive_write_free(t->a); /* closes an open archive: only into our buffer */
  ctrt__free(t->buf);
  ctrt__free(t);
}

static size_t out_pending(const memfs_tar_out *t) { return t->len - t->off; }

static int out_header(memfs_tar_out *t, const char *name, const memfs_node *node, const char *hardlink) {
  struct archive_entry *e = archive_entry_new();
  CTRT__CHECK_ALLOC(e);
  archive_entry_set_pathname(e, name);
  archive_entry_set_uid(e, node->uid);
  archive_entry_set_gid(e, node->gid);
  /* Whole seconds, as Docker writes them. */
  archive_entry_set_mtime(e, node->mtime.seconds, 0);
  archive_entry_set_filetype(e, node->mode & S_IFMT);
  archive_entry_set_perm(e, node->mode & 07777);
  archive_entry_set_size(e, 0);
  if (hardlink)
    archive_entry_set_hardlink(e, hardlink);
  else if (memfs_is_reg(node))
    archive_entry_set_size(e, (la_int64_t)node->blob->len);
  else if (memfs_is_lnk(node))
    archive_entry_set_symlink(e, node->target);
  int r = archive_write_header(t->a, e);
  archive_entry_free(e);
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
    return out_error(t, name);
  return 0;
}

static int out_data(memfs_tar_out *t, const void *data, size_t len) {
  la_ssize_t n = archive_write_data(t->a, data, len);
  if (n < 0 || (size_t)n != len)
    return out_error(t, "writing file data");
  return 0;
}

static int out_close(memfs_tar_out *t) {
  if (t->closed)
    return 0;
  t->closed = true;
  if (archive_write_close(t->a) != ARCHIVE_OK)
    return out_error(t, "finishing the archive");
  return 0;
}

int memfs_tar_out_entry(memfs_tar_out *t, const char *name, const memfs_node *node, const char *hardlink) {
  int rc;
  if ((rc = out_header(t, name, node, hardlink)) < 0)
    return rc;
  if (!hardlink && memfs_is_reg(node) && node->blob->len > 0)
    return out_data(t, node->blob->data, node->blob->len);
  return 0;
}

int memfs_tar_out_empty_file(memfs_tar_out *t, const char *name) {
  memfs_node node = {.mode = S_IFREG | 0644};
  memfs_blob empty = {0};
  node.blob = &empty;
  return out_header(t, name, &node, NULL);
}

int memfs_tar_out_finish(memfs_tar_out *t, memfs_blob **blob) {
  int rc = out_close(t);
  if (rc < 0)
    return rc;
  memmove(t->buf, t->buf + t->off, out_pending(t));
  if ((rc = memfs_blob_adopt(blob, t->buf, out_pending(t))) < 0)
    return rc;
  t->buf = NULL;
  t->off = t->len = t->cap = 0;
  return 0;
}

/* ---- the pull-based reader ---- */

typedef struct tar_frame {
  const memfs_node *dir;
  size_t next;       /* index of the next entry to emit */
  size_t prefix_len; /* name prefix of its entries ("etc/") */
} tar_frame;

typedef enum { READER_START, READER_WALK, READER_DATA, READER_DONE } reader_state;

struct memfs_tar_reader {
  memfs *fs;
  bool owns_fs;
  memfs_tar_out *out;
  reader_state state;
  int error; /* sticky: a failed reader keeps failing */
  const memfs_node *top;
  char *top_name; /* MEMFS_TAR_PATH below the root: the top entry's name */
  tar_frame *stack;
  size_t depth, cap;
  char *name; /* the current entry's name */
  size_t name_len, name_cap;
  const memfs_blob *data; /* the regular file being written */
  size_t data_off;
  memfs_pmap links; /* node with several links -> its first name (char *) */
};

static int name_set(memfs_tar_reader *r, size_t keep, const char *add, bool slash) {
  size_t alen = strlen(add), need = keep + alen + 2;
  if (need > r->name_cap) {
    size_t cap = r->name_cap ? r->name_cap : 256;
    while (cap < need)
      cap *= 2;
    char *grown = ctrt__realloc(r->name, cap);
    CTRT__CHECK_ALLOC(grown);
    r->name = grown;
    r->name_cap = cap;
  }
  memcpy(r->name + keep, add, alen);
  r->name_len = keep + alen;
  if (slash)
    r->name[r->name_len++] = '/';
  r->name[r->name_len] = '\0';
  return 0;
}

static int push_frame(memfs_tar_reader *r, const memfs_node *dir) {
  if (r->depth == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 16;
    tar_frame *grown = ctrt__realloc(r->stack, cap * sizeof *grown);
    CTRT__CHECK_ALLOC(grown);
    r->stack = grown;
    r->cap = cap;
  }
  r->stack[r->depth++] = (tar_frame){dir, 0, r->name_len};
  return 0;
}

/* Header of the node named r->name; sets up its data or its frame. */
static int emit_node(memfs_tar_reader *r, const memfs_node *node) {
  const char *hardlink = NULL;
  if (!memfs_is_dir(node) && node->nlink > 1) {
    hardlink = memfs_pmap_get(&r->links, node);
    if (hardlink == NULL) {
      char *first = ctrt__strdup(r->name);
      CTRT__CHECK_ALLOC(first);
      if (memfs_pmap_put(&r->links, node, first) < 0) {
        ctrt__free(first);
        return ctrt__error_no_memory();
      }
    }
  }
  int rc = out_header(r->out, r->name, node, hardlink);
  if (rc < 0)
    return rc;
  if (hardlink == NULL && memfs_is_reg(node) && node->blob->len > 0) {
    r->data = node->blob;
    r->data_off = 0;
    r->state = READER_DATA;
  } else if (memfs_is_dir(node))
    rc = push_frame(r, node);
  return rc;
}

/* Produce the next piece of the archive into r->out. */
static int reader_step(memfs_tar_reader *r) {
  switch (r->state) {
  case READER_START:
    r->state = READER_WALK;
    if (r->top_name) {
      int rc = name_set(r, 0, r->top_name, memfs_is_dir(r->top));
      return rc < 0 ? rc : emit_node(r, r->top);
    }
    return push_frame(r, r->top); /* the contents, names relative to it */
  case READER_DATA: {
    size_t left = r->data->len - r->data_off;
    size_t slice = left < TAR_SLICE ? left : TAR_SLICE;
    int rc = out_data(r->out, r->data->data + r->data_off, slice);
    r->data_off += slice;
    if (r->data_off == r->data->len)
      r->state = READER_WALK;
    return rc;
  }
  case READER_WALK: {
    if (r->depth == 0) {
      r->state = READER_DONE;
      return out_close(r->out);
    }
    tar_frame *f = &r->stack[r->depth - 1];
    if (f->next == f->dir->n_entries) {
      r->depth--;
      return 0;
    }
    const memfs_dirent *d = &f->dir->entries[f->next++];
    int rc = name_set(r, f->prefix_len, d->name, memfs_is_dir(d->node));
    return rc < 0 ? rc : emit_node(r, d->node);
  }
  case READER_DONE:
    return 0;
  }
  return ctrt__error_internal("tar reader: corrupt state");
}

static void free_string(void *p) { ctrt__free(p); }

void memfs_tar_reader_free(memfs_tar_reader *reader) {
  if (reader == NULL)
    return;
  memfs_tar_out_free(reader->out);
  if (reader->owns_fs)
    memfs_free(reader->fs);
  ctrt__free(reader->top_name);
  ctrt__free(reader->stack);
  ctrt__free(reader->name);
  memfs_pmap_clear(&reader->links, free_string);
  ctrt__free(reader);
}

static int reader_new(memfs_tar_reader **out, memfs *fs, bool owns, const char *path, memfs_tar_scope scope) {
  memfs_tar_reader *r = ctrt__calloc(1, sizeof *r);
  if (r == NULL) {
    if (owns)
      memfs_free(fs);
    return ctrt__error_no_memory();
  }
  r->fs = fs;
  r->owns_fs = owns;
  if (path == NULL)
    path = "/";
  memfs_walk w;
  /* PATH archives a final symlink itself; ROOT wants the directory. */
  int rc;
  if ((rc = memfs_resolve(fs, path, scope == MEMFS_TAR_ROOT ? MEMFS_FOLLOW : 0, &w)) < 0)
    goto fail;
  r->top = memfs_walk_node(&w);
  if (scope == MEMFS_TAR_PATH && w.depth > 1 && (r->top_name = ctrt__strdup(memfs_walk_name(&w))) == NULL)
    rc = ctrt__error_no_memory();
  else if (r->top_name == NULL && !memfs_is_dir(r->top))
    rc = ctrt__error_invalid_spec("%s: not a directory", path);
  memfs_walk_clear(&w);
  if (rc < 0 || (rc = memfs_tar_out_new(&r->out)) < 0)
    goto fail;
  *out = r;
  return 0;
fail:
  memfs_tar_reader_free(r);
  return rc;
}

int memfs_tar_reader_new(memfs_tar_reader **out, memfs *fs, const char *path, memfs_tar_scope scope) {
  if (out == NULL || fs == NULL) {
    memfs_free(fs);
    return ctrt__error_invalid_argument("memfs_tar_reader_new: NULL argument");
  }
  return reader_new(out, fs, true, path, scope);
}

int memfs_tar_reader_read(memfs_tar_reader *reader, void *buf, size_t cap, size_t *n_read) {
  CTRT__CHECK_ARG(reader != NULL && buf != NULL && n_read != NULL && cap != 0,
                  "memfs_tar_reader_read: NULL argument or empty buffer");
  *n_read = 0;
  if (reader->error)
    return ctrt__error_set((ctrt_error_kind)-reader->error, 0, "tar reader: an earlier read failed");
  memfs_tar_out *t = reader->out;
  while (out_pending(t) == 0) {
    if (reader->state == READER_DONE)
      return CTRT_ITEROVER;
    int rc = reader_step(reader);
    if (rc < 0) {
      reader->error = rc;
      return rc;
    }
  }
  size_t n = out_pending(t) < cap ? out_pending(t) : cap;
  memcpy(buf, t->buf + t->off, n);
  t->off += n;
  if (t->off == t->len)
    t->off = t->len = 0;
  *n_read = n;
  return 0;
}

size_t memfs_tar_reader_buffer_peak(const memfs_tar_reader *reader) { return reader->out->peak; }

int memfs_tar_blob(memfs *fs, const char *path, memfs_tar_scope scope, memfs_blob **out) {
  CTRT__CHECK_ARG(fs != NULL && out != NULL, "memfs_tar_blob: NULL argument");
  memfs_tar_reader *r = NULL;
  int rc;
  if ((rc = reader_new(&r, fs, false, path, scope)) < 0)
    return rc;
  while (r->state != READER_DONE)
    if ((rc = reader_step(r)) < 0)
      goto done;
  rc = memfs_tar_out_finish(r->out, out);
done:
  memfs_tar_reader_free(r);
  return rc;
}

/* ======================================================================
 * tar in
 * ====================================================================== */

/*
 * Every tar the mock takes in reaches its tar reader through two libarchive
 * readers: `raw` only decompresses (any of the filters Docker takes, or
 * none), and what it yields is counted before the tar reader sees it. A
 * compressed tar is a decompression bomb otherwise: a 342-byte bzip2
 * stream unpacks to eight 15 MiB files (each under the per-file limit, the
 * total refused only at the end: 13.5 s under ASan, the fuzz finding
 * fuzz/crashes/mock_import_image/decompression-bomb-1), and one file
 * rewritten over and over grows the work without bound while the tree
 * stays small.
 */
struct memfs_unpack {
  ctrt_byte_source *src;
  int rc; /* the source's own error, kept apart from the archive's */
  struct archive *raw;
  bool started, ended, over;
  uint64_t plain, max_plain; /* uncompressed bytes read, allowed (0: any) */
  uint8_t buf[SOURCE_CHUNK];
};

static la_ssize_t source_read(struct archive *a, void *ctx, const void **out) {
  memfs_unpack *s = ctx;
  size_t n = 0;
  int rc = ctrt_byte_source_read(s->src, s->buf, sizeof s->buf, &n);
  if (rc == CTRT_ITEROVER)
    return 0;
  if (rc < 0) {
    s->rc = rc;
    archive_set_error(a, EIO, "%s", ctrt_error_last()->message);
    return -1;
  }
  *out = s->buf;
  return (la_ssize_t)n;
}

static la_ssize_t raw_failed(struct archive *a, const memfs_unpack *s) {
  const char *why = archive_error_string(s->raw);
  archive_set_error(a, archive_errno(s->raw) ? archive_errno(s->raw) : EIO, "%s", why ? why : "read error");
  return -1;
}

la_ssize_t memfs_unpack_read(struct archive *a, void *ctx, const void **out) {
  memfs_unpack *s = ctx;
  if (!s->started) {
    s->started = true;
    struct archive_entry *e;
    int r = archive_read_next_header(s->raw, &e);
    if (r == ARCHIVE_EOF)
      s->ended = true; /* an empty body */
    else if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
      return raw_failed(a, s);
  }
  if (s->ended)
    return 0;
  const void *block;
  size_t len;
  la_int64_t off;
  int r = archive_read_data_block(s->raw, &block, &len, &off);
  if (r == ARCHIVE_EOF) {
    s->ended = true;
    return 0;
  }
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
    return raw_failed(a, s);
  s->plain += len;
  if (s->max_plain != 0 && s->plain > s->max_plain) {
    s->over = true;
    archive_set_error(a, EFBIG, "the uncompressed tar passes %" PRIu64 " bytes", s->max_plain);
    return -1;
  }
  *out = block;
  return (la_ssize_t)len;
}

int memfs_unpack_new(memfs_unpack **out, ctrt_byte_source *src, uint64_t max_plain) {
  *out = NULL;
  memfs_unpack *s = ctrt__calloc(1, sizeof *s);
  if (s == NULL || (s->raw = archive_read_new()) == NULL) {
    ctrt__free(s);
    return ctrt__error_no_memory();
  }
  s->src = src;
  s->max_plain = max_plain;
  archive_read_support_format_raw(s->raw);
  archive_read_support_format_empty(s->raw); /* an empty body: nothing to do, as Docker */
  /* Warnings mean an external program would decompress: still fine. */
  archive_read_support_filter_gzip(s->raw);
  archive_read_support_filter_bzip2(s->raw);
  archive_read_support_filter_xz(s->raw);
  archive_read_support_filter_lzma(s->raw);
  archive_read_support_filter_zstd(s->raw);
  *out = s;
  if (archive_read_open(s->raw, s, NULL, source_read, NULL) == ARCHIVE_OK)
    return 0;
  if (s->rc < 0)
    return ctrt__error_wrap("reading the tar");
  const char *why = archive_error_string(s->raw);
  return ctrt__error_invalid_spec("not a valid tar archive: %s", why ? why : "read error");
}

int memfs_unpack_source_rc(const memfs_unpack *s) { return s->rc; }

bool memfs_unpack_over(const memfs_unpack *s) { return s->over; }

void memfs_unpack_free(memfs_unpack *s) {
  if (s == NULL)
    return;
  archive_read_free(s->raw);
  ctrt__free(s);
}

/*
 * How much uncompressed tar an extraction reads: twice the filesystem's
 * limit plus 1 MiB of headers. A tree that fits the limit comes in a tar of
 * about its size (a 512-byte header per entry, data padded to 512); more
 * is a tar that rewrites the same files again and again, or a million
 * empty entries. 0 (no limit set): any size.
 */
uint64_t memfs_tar_stream_max(uint64_t limit) {
  if (limit == 0 || limit > (UINT64_MAX - (1u << 20)) / 2)
    return 0;
  return 2 * limit + (1u << 20);
}

typedef struct apply_ctx {
  memfs *stage;
  const memfs_tar_options *opt;
  struct archive *a;
  memfs_unpack *source;
  memfs_node *dest;
  size_t dest_depth;  /* walk depth of dest: it sits at nodes[dest_depth - 1] */
  char *dest_path;    /* canonical */
  const char *entry;  /* the raw name, for messages */
  uint64_t unchecked; /* file contents added since the stage was last counted */
} apply_ctx;

typedef enum { ENTRY_DIR, ENTRY_FILE, ENTRY_SYMLINK, ENTRY_HARDLINK, ENTRY_SKIP } entry_type;

static int reject(const apply_ctx *c, const char *why) {
  return ctrt__error_invalid_spec("tar entry \"%.512s\": %s", c->entry, why);
}

/* A fault in a name the entry refers to (a hard link's target). */
static int reject_name(const apply_ctx *c, const char *raw, const char *why) {
  if (raw == c->entry)
    return reject(c, why);
  return ctrt__error_invalid_spec("tar entry \"%.256s\": hard link target \"%.256s\": %s", c->entry, raw, why);
}

/* The archive failed: the source's error, else a malformed archive. */
static int archive_failure(const apply_ctx *c) {
  if (c->source->rc < 0)
    return ctrt__error_wrap("reading the tar");
  if (c->source->over)
    return memfs_err_stream(c->stage, c->source->max_plain);
  const char *why = archive_error_string(c->a);
  if (archive_errno(c->a) == ENOMEM)
    return ctrt__error_no_memory();
  return ctrt__error_invalid_spec("not a valid tar archive: %s", why ? why : "read error");
}

/*
 * A name from the archive, made relative to the destination: "./a//b/" ->
 * "a/b". Uploads refuse absolute names and any ".." (ctrt__tar_upload_name,
 * shared with the backends that check uploads before an engine sees them);
 * layers (whose names may be absolute) resolve ".." lexically but may not
 * climb above the root. out has MEMFS_PATH_MAX bytes.
 */
static int normalize(const apply_ctx *c, const char *raw, char *out) {
  out[0] = '\0'; /* a string on every path, failures too */
  if (c->opt->mode == MEMFS_TAR_UPLOAD) {
    /* The rules every backend applies to uploads (core/tar_upload.c). */
    const char *why = NULL;
    return ctrt__tar_upload_name(raw, out, MEMFS_PATH_MAX, &why) < 0 ? reject_name(c, raw, why) : 0;
  }
  if (strlen(raw) >= MEMFS_PATH_MAX)
    return reject_name(c, raw, "name too long");
  size_t len = 0;
  const char *p = raw;
  const char *start;
  size_t n;
  while (ctrt__path_next_component(&p, &start, &n)) {
    if (n == 2 && start[0] == '.' && start[1] == '.') {
      if (len == 0)
        return reject_name(c, raw, "path escapes the root");
      while (len > 0 && out[len - 1] != '/')
        len--;
      if (len > 0)
        len--; /* the separator */
      continue;
    }
    if (n > MEMFS_NAME_MAX)
      return reject_name(c, raw, "file name too long");
    if (len > 0)
      out[len++] = '/';
    memcpy(out + len, start, n);
    len += n;
  }
  out[len] = '\0';
  return 0;
}

/* Whether the walk's location is the destination or below it. */
static bool inside_dest(const apply_ctx *c, const memfs_walk *w) {
  return w->depth >= c->dest_depth && w->nodes[c->dest_depth - 1] == c->dest;
}

static int resolve_in_dest(const apply_ctx *c, const char *rel, int flags, memfs_walk *w) {
  char path[2 * MEMFS_PATH_MAX + 2];
  snprintf(path, sizeof path, "%s/%s", c->dest_path, rel);
  int rc = memfs_resolve(c->stage, path, flags, w);
  if (rc < 0)
    return ctrt__error_wrap("tar entry \"%.512s\"", c->entry);
  return 0;
}

static void mark_touched(const apply_ctx *c, const memfs_walk *w) {
  for (size_t i = 0; i < w->depth; i++)
    w->nodes[i]->touch_gen = c->stage->gen;
}

static uint32_t entry_uid(const apply_ctx *c, struct archive_entry *e) {
  if (c->opt->mode == MEMFS_TAR_UPLOAD && !c->opt->copy_uid_gid)
    return c->opt->default_uid;
  return (uint32_t)archive_entry_uid(e);
}

static uint32_t entry_gid(const apply_ctx *c, struct archive_entry *e) {
  if (c->opt->mode == MEMFS_TAR_UPLOAD && !c->opt->copy_uid_gid)
    return c->opt->default_gid;
  return (uint32_t)archive_entry_gid(e);
}

/*
 * The directory rel (relative to dest) resolved, creating missing
 * directories as tar does (0755, owned by the default user for uploads,
 * root for layers). Uploads check every prefix: a symlink leading outside
 * the destination fails the entry.
 */
static int ensure_dir(const apply_ctx *c, const char *rel, memfs_walk *w) {
  bool upload = c->opt->mode == MEMFS_TAR_UPLOAD;
  uint32_t uid = upload ? c->opt->default_uid : 0, gid = upload ? c->opt->default_gid : 0;
  char prefix[MEMFS_PATH_MAX];
  size_t len = strlen(rel), i = 0;
  for (;;) {
    while (i < len && rel[i] != '/')
      i++;
    memcpy(prefix, rel, i);
    prefix[i] = '\0';
    int rc = resolve_in_dest(c, prefix, MEMFS_FOLLOW | MEMFS_ALLOW_MISSING, w);
    if (rc < 0)
      return rc;
    memfs_node *node = memfs_walk_node(w);
    if (upload && !inside_dest(c, w))
      rc = reject(c, "a symlink leads outside the destination directory");
    else if (node == NULL && w->via_symlink)
      rc = reject(c, "a parent is a dangling symlink");
    else if (node == NULL) {
      memfs_node *parent = memfs_walk_parent(w);
      if (w->depth > MEMFS_DEPTH_MAX)
        rc = reject(c, "directory tree too deep");
      else if ((node = memfs_node_new(c->stage, S_IFDIR | 0755, uid, gid)) == NULL)
        rc = ctrt__error_no_memory();
      else if ((rc = memfs_dir_insert(parent, w->missing, node)) < 0)
        memfs_node_unlink(node);
      else {
        memfs_dir_touched(c->stage, parent);
        /* Walk again so the stack ends at the new directory. */
        memfs_walk_clear(w);
        continue;
      }
    } else if (!memfs_is_dir(node))
      rc = reject(c, "a parent is not a directory");
    if (rc < 0) {
      memfs_walk_clear(w);
      return rc;
    }
    if (i >= len)
      return 0;
    memfs_walk_clear(w);
    i++;
  }
}

/* Opaque whiteout: what lower layers put in dir goes, what this layer added
 * (touched in this extraction) stays. */
static bool purge_lower(const apply_ctx *c, memfs_node *dir) {
  bool removed = false;
  for (size_t i = dir->n_entries; i-- > 0;) {
    memfs_node *child = dir->entries[i].node;
    if (child->touch_gen != c->stage->gen) {
      memfs_dir_remove(dir, dir->entries[i].name);
      removed = true;
    } else if (memfs_is_dir(child))
      purge_lower(c, child);
  }
  return removed;
}

static int apply_whiteout(const apply_ctx *c, const char *parent_rel, const char *base) {
  memfs_walk w;
  int rc = ensure_dir(c, parent_rel, &w);
  if (rc < 0)
    return rc;
  memfs_node *dir = memfs_walk_node(&w);
  mark_touched(c, &w);
  memfs_walk_clear(&w);
  if (strcmp(base, ".wh..wh..opq") == 0) {
    if (purge_lower(c, dir))
      memfs_dir_touched(c->stage, dir);
    return 0;
  }
  if (strncmp(base, ".wh..wh.", 8) == 0)
    return 0; /* aufs bookkeeping (.wh..wh.plnk, ...): not a file */
  const char *name = base + 4;
  if (*name == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return reject(c, "invalid whiteout");
  if (memfs_dir_find(dir, name)) {
    memfs_dir_remove(dir, name);
    memfs_dir_touched(c->stage, dir);
  }
  return 0;
}

/* A regular file's contents, read whole into a new blob. */
static int read_contents(const apply_ctx *c, struct archive_entry *e, memfs_blob **out) {
  la_int64_t declared = archive_entry_size_is_set(e) ? archive_entry_size(e) : 0;
  uint64_t max = c->stage->max_file;
  if (max != 0 && declared > 0 && (uint64_t)declared > max)
    return memfs_err_full(c->stage, c->entry, (uint64_t)declared);
  /* Do not trust the header for the allocation: grow as data comes. */
  size_t cap = declared > 0 ? (declared < (8 << 20) ? (size_t)declared : (size_t)(8 << 20)) : 4096;
  size_t len = 0;
  uint8_t *data = ctrt__malloc(cap);
  CTRT__CHECK_ALLOC(data);
  for (;;) {
    if (len == cap) {
      if (cap > SIZE_MAX / 2) {
        ctrt__free(data);
        return ctrt__error_no_memory();
      }
      uint8_t *grown = ctrt__realloc(data, cap * 2);
      if (grown == NULL) {
        ctrt__free(data);
        return ctrt__error_no_memory();
      }
      data = grown;
      cap *= 2;
    }
    la_ssize_t n = archive_read_data(c->a, data + len, cap - len);
    if (n < 0) {
      ctrt__free(data);
      return archive_failure(c);
    }
    if (n == 0)
      break;
    len += (size_t)n;
    if (max != 0 && len > max) { /* more data than the header said */
      ctrt__free(data);
      return memfs_err_full(c->stage, c->entry, len);
    }
  }
  int rc = memfs_blob_adopt(out, data, len);
  if (rc < 0)
    ctrt__free(data);
  return rc;
}

/* A hard link's target: an existing non-directory, inside the destination
 * for uploads. */
static int link_target(const apply_ctx *c, const char *raw, memfs_node **out) {
  char rel[MEMFS_PATH_MAX];
  int rc = normalize(c, raw, rel);
  if (rc < 0)
    return rc;
  if (rel[0] == '\0')
    return reject_name(c, raw, "a directory cannot be hard-linked");
  memfs_walk w;
  char path[2 * MEMFS_PATH_MAX + 2];
  snprintf(path, sizeof path, "%s/%s", c->dest_path, rel);
  if (memfs_resolve(c->stage, path, 0, &w) < 0) {
    if (ctrt_error_last()->kind == CTRT_ERROR_NO_MEMORY)
      return ctrt__error_no_memory();
    return reject_name(c, raw, ctrt_error_last()->message);
  }
  memfs_node *node = memfs_walk_node(&w);
  /* The target's parent must be inside; the target itself is not followed. */
  if (c->opt->mode == MEMFS_TAR_UPLOAD && (w.depth < 2 || w.depth - 1 < c->dest_depth || !inside_dest(c, &w)))
    rc = reject_name(c, raw, "outside the destination directory");
  else if (memfs_is_dir(node))
    rc = reject_name(c, raw, "a directory cannot be hard-linked");
  memfs_walk_clear(&w);
  if (rc < 0)
    return rc;
  *out = node;
  return 0;
}

static void set_header_metadata(const apply_ctx *c, memfs_node *node, struct archive_entry *e) {
  node->mode = (node->mode & S_IFMT) | (archive_entry_perm(e) & 07777);
  node->uid = entry_uid(c, e);
  node->gid = entry_gid(c, e);
  if (archive_entry_mtime_is_set(e))
    node->mtime =
        memfs_clamp_time((ctrt_timestamp){(int64_t)archive_entry_mtime(e), (int32_t)archive_entry_mtime_nsec(e)});
  else
    node->mtime = ctrt__timestamp_now();
  node->touch_gen = c->stage->gen;
  if (memfs_is_dir(node))
    node->header_gen = c->stage->gen;
}

static int apply_entry(apply_ctx *c, struct archive_entry *e, memfs_node **held);

/*
 * The total is checked while extracting, not only at the end: once a
 * quarter of the limit in new contents has come in, the stage is counted
 * (a walk of its tree; at most about eight walks over the whole stream, see
 * memfs_tar_stream_max), so a tar past the limit stops within a quarter of
 * it instead of materialising everything first.
 */
static int check_total(apply_ctx *c, uint64_t added) {
  uint64_t max = c->stage->max_total;
  if (max == 0 || (c->unchecked += added) <= max / 4)
    return 0;
  c->unchecked = 0;
  uint64_t total = memfs_size(c->stage);
  return total > max ? memfs_err_full(c->stage, c->entry, total) : 0;
}

/* Holds a link on a hard link's target while its entry applies, in case the
 * entry replaces a directory containing it. */
static int apply_entry_held(apply_ctx *c, struct archive_entry *e) {
  memfs_node *held = NULL;
  int rc = apply_entry(c, e, &held);
  memfs_node_unlink(held);
  return rc;
}

static int apply_entry(apply_ctx *c, struct archive_entry *e, memfs_node **held) {
  const char *raw = archive_entry_pathname(e);
  if (raw == NULL || *raw == '\0')
    return ctrt__error_invalid_spec("tar entry without a name");
  c->entry = raw;
  bool upload = c->opt->mode == MEMFS_TAR_UPLOAD;
  entry_type type;
  const char *hardlink = archive_entry_hardlink(e);
  switch (archive_entry_filetype(e)) {
  case AE_IFDIR:
    type = ENTRY_DIR;
    break;
  case AE_IFLNK:
    type = ENTRY_SYMLINK;
    break;
  case AE_IFREG:
  case 0: /* hard links may come without a type */
    type = ENTRY_FILE;
    break;
  default:
    type = ENTRY_SKIP; /* devices, fifos, sockets */
  }
  if (hardlink != NULL)
    type = ENTRY_HARDLINK;
  /* memfs holds directories, files and symlinks only. An upload asked for
   * the node: refused, not silently dropped (Docker would create it). Image
   * layers keep skipping them, as before. */
  if (type == ENTRY_SKIP && upload)
    return reject(c, "device nodes, FIFOs and sockets cannot be created in the mock's filesystem");
  /* A sparse entry's holes would be stored as zeros: a small tar could
   * claim gigabytes. Refused before any data is read. */
  if (type == ENTRY_FILE && archive_entry_sparse_count(e) > 0)
    return reject(c, "sparse files are not supported by the mock's filesystem (its holes would be stored)");
  if (type == ENTRY_SKIP)
    return 0;

  char rel[MEMFS_PATH_MAX];
  int rc = normalize(c, raw, rel);
  if (rc < 0)
    return rc;
  if (rel[0] == '\0') {
    /* "./": the destination itself; tar applies its metadata. */
    if (type != ENTRY_DIR)
      return reject(c, "not a directory");
    set_header_metadata(c, c->dest, e);
    return 0;
  }
  char *slash = strrchr(rel, '/');
  const char *base = slash ? slash + 1 : rel;
  char parent_rel[MEMFS_PATH_MAX] = ""; /* zeroed: the analyzer loses strlen over a memcpy'd prefix */
  size_t plen = slash ? (size_t)(slash - rel) : 0;
  memcpy(parent_rel, rel, plen);
  parent_rel[plen] = '\0';

  if (!upload && strncmp(base, ".wh.", 4) == 0)
    return apply_whiteout(c, parent_rel, base);

  memfs_node *target = NULL;
  if (type == ENTRY_HARDLINK) {
    if ((rc = link_target(c, hardlink, &target)) < 0)
      return rc;
    target->nlink++;
    *held = target;
  }

  memfs_walk w;
  if ((rc = ensure_dir(c, parent_rel, &w)) < 0)
    return rc;
  memfs_node *parent = memfs_walk_node(&w);
  mark_touched(c, &w);
  size_t depth = w.depth;
  memfs_walk_clear(&w);

  memfs_dirent *existing = memfs_dir_find(parent, base);
  if (existing) {
    memfs_node *old = existing->node;
    if (memfs_is_dir(old) && type == ENTRY_DIR) {
      set_header_metadata(c, old, e);
      return 0;
    }
    if (upload && c->opt->no_overwrite_dir_non_dir) {
      if (memfs_is_dir(old))
        return reject(c, "cannot overwrite a directory with a non-directory");
      if (type == ENTRY_DIR)
        return reject(c, "cannot overwrite a non-directory with a directory");
    }
    if (old == target) {
      old->touch_gen = c->stage->gen;
      return 0; /* a hard link to itself */
    }
    memfs_dir_remove(parent, base);
    memfs_dir_touched(c->stage, parent);
  }
  if (depth > MEMFS_DEPTH_MAX)
    return reject(c, "directory tree too deep");

  memfs_node *node = NULL;
  if (type == ENTRY_HARDLINK) {
    if ((rc = memfs_dir_insert(parent, base, target)) < 0)
      return rc;
    target->touch_gen = c->stage->gen;
    memfs_dir_touched(c->stage, parent);
    return 0;
  }
  if (type == ENTRY_SYMLINK) {
    const char *to = archive_entry_symlink(e);
    if (to == NULL || *to == '\0')
      return reject(c, "empty symlink target");
    if (strlen(to) >= MEMFS_PATH_MAX)
      return reject(c, "symlink target too long");
    node = memfs_node_new(c->stage, S_IFLNK | 0777, 0, 0);
    if (node && (node->target = ctrt__strdup(to)) == NULL) {
      memfs_node_unlink(node);
      node = NULL;
    }
  } else
    node = memfs_node_new(c->stage, type == ENTRY_DIR ? S_IFDIR : S_IFREG, 0, 0);
  CTRT__CHECK_ALLOC(node);
  if (type == ENTRY_FILE) {
    memfs_blob *blob = NULL;
    if ((rc = read_contents(c, e, &blob)) < 0) {
      memfs_node_unlink(node);
      return rc;
    }
    memfs_blob_unref(node->blob);
    node->blob = blob;
  }
  set_header_metadata(c, node, e);
  if (type == ENTRY_SYMLINK)
    node->mode = S_IFLNK | 0777; /* symlink permissions mean nothing on Linux */
  if ((rc = memfs_dir_insert(parent, base, node)) < 0) {
    memfs_node_unlink(node);
    return rc;
  }
  memfs_dir_touched(c->stage, parent);
  return type == ENTRY_FILE ? check_total(c, memfs_blob_len(node->blob)) : 0;
}

int memfs_apply_tar(memfs *fs, const char *dest_dir, ctrt_byte_source *src, const memfs_tar_options *options) {
  CTRT__CHECK_ARG(fs != NULL && dest_dir != NULL && src != NULL, "memfs_apply_tar: NULL argument");
  memfs_tar_options layer = {.mode = MEMFS_TAR_LAYER};
  apply_ctx c = {.opt = options ? options : &layer};
  memfs_walk w;
  int rc = memfs_resolve(fs, dest_dir, MEMFS_FOLLOW, &w);
  if (rc < 0)
    return rc;
  bool is_dir = memfs_is_dir(memfs_walk_node(&w));
  c.dest_path = memfs_walk_path(&w);
  memfs_walk_clear(&w);
  CTRT__CHECK_ALLOC(c.dest_path);
  if (!is_dir) {
    ctrt__free(c.dest_path);
    return ctrt__error_not_found(dest_dir, "not a directory");
  }

  /* Stage: a clone shares every blob, so this copies only nodes. */
  if ((rc = memfs_clone(&c.stage, fs)) < 0) {
    ctrt__free(c.dest_path);
    return rc;
  }
  c.stage->gen = fs->gen + 1;
  c.stage->extracting = true;
  if ((rc = memfs_resolve(c.stage, c.dest_path, 0, &w)) < 0)
    goto done;
  c.dest = memfs_walk_node(&w);
  c.dest_depth = w.depth;
  memfs_walk_clear(&w);
  if ((rc = memfs_unpack_new(&c.source, src, memfs_tar_stream_max(c.stage->max_total))) < 0)
    goto done;
  if ((c.a = archive_read_new()) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  archive_read_support_format_tar(c.a);
  archive_read_support_format_empty(c.a);
  if (archive_read_open(c.a, c.source, NULL, memfs_unpack_read, NULL) != ARCHIVE_OK)
    rc = archive_failure(&c);
  while (rc == 0) {
    struct archive_entry *e = NULL;
    int r = archive_read_next_header(c.a, &e);
    if (r == ARCHIVE_EOF)
      break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      rc = archive_failure(&c);
      break;
    }
    rc = apply_entry_held(&c, e);
  }
  if (rc < 0)
    goto done;
  if (c.stage->max_total != 0) {
    uint64_t total = memfs_size(c.stage);
    if (total > c.stage->max_total) {
      rc = memfs_err_full(c.stage, dest_dir, total);
      goto done;
    }
  }
  /* Everything checked: the staged tree becomes the tree. */
  memfs_node *old = fs->root;
  fs->root = c.stage->root;
  fs->next_ino = c.stage->next_ino;
  fs->gen = c.stage->gen;
  c.stage->root = old;
done:
  if (c.a)
    archive_read_free(c.a);
  memfs_unpack_free(c.source);
  ctrt__free(c.dest_path);
  memfs_free(c.stage);
  return rc;
}
