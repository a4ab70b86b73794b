/* SPDX-License-Identifier: MIT */
/*
 * The interpreter's plumbing: buffers, streams (what a file descriptor of a
 * command refers to), reads and writes through the mock_proc callbacks,
 * error messages in busybox's and ash's formats, and memfs helpers.
 */
#include "shell_internal.h"

#include <errno.h>
#include <stdio.h>

/* ---- buffers ---- */

static int buf_reserve(sh_buf *b, size_t extra) {
  if (b->len + extra + 1 <= b->cap)
    return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + extra + 1)
    cap *= 2;
  char *d = ctrt__realloc(b->data, cap);
  CTRT__CHECK_ALLOC(d);
  b->data = d;
  b->cap = cap;
  return 0;
}

int sh_buf_add(sh_buf *b, const void *data, size_t len) {
  if (buf_reserve(b, len) < 0)
    return -1;
  if (len > 0)
    memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = '\0';
  return 0;
}

int sh_buf_addc(sh_buf *b, char c) { return sh_buf_add(b, &c, 1); }

int sh_buf_adds(sh_buf *b, const char *s) { return sh_buf_add(b, s, strlen(s)); }

int sh_buf_printf(sh_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    return ctrt__error_internal("vsnprintf failed");
  if ((size_t)n < sizeof small)
    return sh_buf_add(b, small, (size_t)n);
  if (buf_reserve(b, (size_t)n) < 0)
    return -1;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 0;
}

char *sh_buf_take(sh_buf *b) {
  char *d = b->data;
  if (d == NULL)
    d = ctrt__strdup("");
  b->data = NULL;
  b->len = b->cap = 0;
  return d;
}

void sh_buf_free(sh_buf *b) {
  ctrt__free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

int sh_strv_adopt(sh_strv *sv, char *s) {
  CTRT__CHECK_ALLOC(s);
  if (sv->n + 2 > sv->cap) {
    size_t cap = sv->cap ? sv->cap * 2 : 8;
    char **v = ctrt__realloc(sv->v, cap * sizeof *v);
    if (v == NULL) {
      ctrt__free(s);
      return ctrt__error_no_memory();
    }
    sv->v = v;
    sv->cap = cap;
  }
  sv->v[sv->n++] = s;
  sv->v[sv->n] = NULL;
  return 0;
}

int sh_strv_add(sh_strv *sv, const char *s) { return sh_strv_adopt(sv, ctrt__strdup(s)); }

void sh_strv_free(sh_strv *sv) {
  for (size_t i = 0; i < sv->n; i++)
    ctrt__free(sv->v[i]);
  ctrt__free(sv->v);
  sv->v = NULL;
  sv->n = sv->cap = 0;
}

/* ---- memfs helpers ---- */

void sh_lock(sh_state *sh) {
  /* the process reads what it wrote through open descriptors */
  sh_flush_files(sh->root);
  if (sh->root->proc->fs_lock != NULL)
    pthread_mutex_lock(sh->root->proc->fs_lock);
}

void sh_unlock(sh_state *sh) {
  if (sh->root->proc->fs_lock != NULL)
    pthread_mutex_unlock(sh->root->proc->fs_lock);
}

memfs *sh_fs(sh_state *sh) { return sh->root->proc->fs; }

int sh_errno_of(int rc) {
  switch (-rc) {
  case CTRT_ERROR_NOT_FOUND:
    return ENOENT;
  case CTRT_ERROR_NO_MEMORY:
    return ENOMEM;
  default:
    return EINVAL;
  }
}

int sh_stat_locked(sh_state *sh, const char *abs, bool follow, memfs_stat *st) {
  memfs_stat tmp;
  if (st == NULL)
    st = &tmp;
  int rc = memfs_stat_path(sh_fs(sh), abs, follow, st);
  bool found = rc == 0;
  if (found)
    return 0;
  if (rc == CTRT_ENO_MEMORY)
    return ENOMEM;
  /* Tell ENOTDIR (a component is a file) and ELOOP from ENOENT. */
  size_t len = strlen(abs);
  char *prefix = ctrt__malloc(len + 1);
  if (prefix == NULL)
    return ENOMEM;
  int err = ENOENT;
  for (size_t i = 1; i <= len; i++) {
    if (i < len && abs[i] != '/')
      continue;
    memcpy(prefix, abs, i);
    prefix[i] = '\0';
    memfs_stat pst;
    int prc = memfs_stat_path(sh_fs(sh), prefix, true, &pst);
    if (prc != 0) {
      memfs_stat lst;
      if (memfs_stat_path(sh_fs(sh), prefix, false, &lst) == 0 && S_ISLNK(lst.mode))
        err = rc == CTRT_EINVALID_SPEC ? ELOOP : ENOENT;
      break;
    }
    if (i < len && !S_ISDIR(pst.mode)) {
      err = ENOTDIR;
      break;
    }
  }
  ctrt__free(prefix);
  return err;
}

int sh_stat(sh_state *sh, const char *abs, bool follow, memfs_stat *st) {
  sh_lock(sh);
  int err = sh_stat_locked(sh, abs, follow, st);
  sh_unlock(sh);
  return err;
}

bool sh_may(const sh_state *sh, const memfs_stat *st, int want) {
  const mock_proc *proc = sh->root->proc;
  uint32_t mode = st->mode;
  if (proc->uid == 0) {
    if (want & 1)
      return S_ISDIR(mode) || (mode & 0111) != 0;
    return true;
  }
  uint32_t bits;
  if (st->uid == proc->uid)
    bits = (mode >> 6) & 7;
  else if (st->gid == proc->gid)
    bits = (mode >> 3) & 7;
  else
    bits = mode & 7;
  return ((uint32_t)want & bits) == (uint32_t)want;
}

static char *parent_of(const char *abs) {
  const char *slash = strrchr(abs, '/');
  if (slash == NULL || slash == abs)
    return ctrt__strdup("/");
  return ctrt__strndup(abs, (size_t)(slash - abs));
}

int sh_parent_writable(sh_state *sh, const char *abs) {
  char *parent = parent_of(abs);
  if (parent == NULL)
    return ENOMEM;
  memfs_stat st;
  int err = sh_stat(sh, parent, true, &st);
  if (err == 0 && !S_ISDIR(st.mode))
    err = ENOTDIR;
  if (err == 0 && !sh_may(sh, &st, 3))
    err = EACCES;
  ctrt__free(parent);
  return err;
}

/* Lexically clean an absolute path: no "//", ".", "..", trailing '/'. */
static char *clean_path(const char *path) {
  size_t len = strlen(path);
  char *out = ctrt__malloc(len + 2);
  if (out == NULL)
    return NULL;
  size_t o = 0;
  const char *s = path;
  while (*s) {
    while (*s == '/')
      s++;
    if (!*s)
      break;
    const char *e = s;
    while (*e && *e != '/')
      e++;
    size_t n = (size_t)(e - s);
    if (n == 1 && s[0] == '.') {
      /* skip */
    } else if (n == 2 && s[0] == '.' && s[1] == '.') {
      while (o > 0 && out[o - 1] != '/')
        o--;
      if (o > 0)
        o--;
    } else {
      out[o++] = '/';
      memcpy(out + o, s, n);
      o += n;
    }
    s = e;
  }
  if (o == 0)
    out[o++] = '/';
  out[o] = '\0';
  return out;
}

char *sh_abspath(const sh_state *sh, const char *p) {
  if (p[0] == '/')
    return clean_path(p);
  const char *cwd = sh->cwd ? sh->cwd : "/";
  char *joined = ctrt__sprintf("%s/%s", cwd, p);
  if (joined == NULL)
    return NULL;
  char *out = clean_path(joined);
  ctrt__free(joined);
  return out;
}

/* ---- streams ---- */

sh_stream *sh_stream_new(sh_root *root, sh_stream_kind kind) {
  sh_stream *s = ctrt__calloc(1, sizeof *s);
  if (s == NULL)
    return NULL;
  s->refs = 1;
  s->kind = kind;
  if (kind == SH_S_FILE_OUT) {
    s->next_file = root->files;
    if (root->files != NULL)
      root->files->prev_file = s;
    root->files = s;
  }
  return s;
}

sh_stream *sh_stream_ref(sh_stream *s) {
  if (s != NULL)
    s->refs++;
  return s;
}

static void file_flush(sh_root *root, sh_stream *s) {
  if (s->buf.len == 0)
    return;
  const mock_proc *proc = root->proc;
  if (proc->fs_lock != NULL)
    pthread_mutex_lock(proc->fs_lock);
  /* A failure (the file's directory removed meanwhile) loses the data, as
   * writes to an unlinked file would. */
  int rc = memfs_write(proc->fs, s->path, s->buf.data, s->buf.len, 0666 & ~root->umask, proc->uid, proc->gid, true);
  if (proc->fs_lock != NULL)
    pthread_mutex_unlock(proc->fs_lock);
  if (rc == CTRT_ENO_MEMORY && root->fatal == 0)
    root->fatal = rc;
  if (rc < 0 && memfs_full())
    s->full = true; /* a full disk: later writes fail with ENOSPC */
  ctrt_error_clear();
  s->flushed += s->buf.len;
  s->buf.len = 0;
}

void sh_flush_files(sh_root *root) {
  for (sh_stream *s = root->files; s != NULL; s = s->next_file)
    file_flush(root, s);
}

void sh_stream_unref(sh_root *root, sh_stream *s) {
  if (s == NULL || --s->refs > 0)
    return;
  if (s->kind == SH_S_FILE_OUT) {
    file_flush(root, s);
    if (s->prev_file != NULL)
      s->prev_file->next_file = s->next_file;
    else
      root->files = s->next_file;
    if (s->next_file != NULL)
      s->next_file->prev_file = s->prev_file;
  }
  memfs_blob_unref(s->blob);
  ctrt__free(s->owned);
  ctrt__free(s->path);
  sh_buf_free(&s->buf);
  ctrt__free(s);
}

sh_stream *sh_stream_from_data(sh_root *root, const void *data, size_t len) {
  sh_stream *s = sh_stream_new(root, SH_S_DATA_IN);
  if (s == NULL)
    return NULL;
  s->owned = ctrt__malloc(len + 1);
  if (s->owned == NULL) {
    ctrt__free(s);
    return NULL;
  }
  if (len > 0)
    memcpy(s->owned, data, len);
  s->data = (const uint8_t *)s->owned;
  s->len = len;
  return s;
}

sh_stream *sh_stream_from_blob(sh_root *root, memfs_blob *blob) {
  sh_stream *s = sh_stream_new(root, SH_S_DATA_IN);
  if (s == NULL)
    return NULL;
  s->blob = memfs_blob_ref(blob);
  s->data = memfs_blob_data(blob);
  s->len = memfs_blob_len(blob);
  return s;
}

void sh_io_copy(sh_io *dst, const sh_io *src) {
  for (int i = 0; i < SH_MAX_FD; i++)
    dst->fd[i] = sh_stream_ref(src->fd[i]);
}

void sh_io_clear(sh_root *root, sh_io *io) {
  for (int i = 0; i < SH_MAX_FD; i++) {
    sh_stream_unref(root, io->fd[i]);
    io->fd[i] = NULL;
  }
}

void sh_io_set(sh_root *root, sh_io *io, int fd, sh_stream *s) {
  sh_stream_unref(root, io->fd[fd]);
  io->fd[fd] = s;
}

/* ---- writing ---- */

/* Into a pipe between stages: what fits, then wait for the reader. */
static int pipe_write(sh_state *sh, sh_stream *s, const void *data, size_t len) {
  sh_pipe *p = s->pipe;
  const char *at = data;
  while (len > 0) {
    if (p->reader_done)
      s->broken = true;
    if (s->broken) {
      sh_sigpipe(sh);
      return -1;
    }
    if (p->pos > 0 && p->pos == p->buf.len)
      p->pos = p->buf.len = 0;
    size_t unread = p->buf.len - p->pos;
    if (unread >= SH_PIPE_CAP) {
      if (!sh_pipe_wait(sh, p, false))
        return -1;
      continue;
    }
    if (p->pos >= SH_PIPE_CAP) {
      /* keep the buffer within twice the cap */
      memmove(p->buf.data, p->buf.data + p->pos, unread);
      p->buf.len = unread;
      p->pos = 0;
    }
    size_t n = SH_PIPE_CAP - unread < len ? SH_PIPE_CAP - unread : len;
    if (sh_buf_add(&p->buf, at, n) < 0)
      return sh_oom(sh), -1;
    at += n;
    len -= n;
  }
  return 0;
}

/* Into a command substitution: everything, up to the largest file the
 * container's filesystem takes (ash keeps it all in memory; a variable
 * bigger than any file would be is a runaway writer). Past it writes fail
 * with ENOSPC and sh_command_subst says why. */
static int subst_write(sh_state *sh, sh_stream *s, const void *data, size_t len) {
  if (s->full)
    return -1;
  sh_lock(sh);
  uint64_t max = memfs_max_file(sh_fs(sh));
  sh_unlock(sh);
  if (max != 0 && (uint64_t)s->buf.len + len > max) {
    s->full = true;
    return -1;
  }
  if (sh_buf_add(&s->buf, data, len) < 0)
    return sh_oom(sh), -1;
  return 0;
}

int sh_write(sh_state *sh, sh_io *io, int fd, const void *data, size_t len) {
  if (fd < 0 || fd >= SH_MAX_FD || io->fd[fd] == NULL)
    return -1;
  if (sh_stopping(sh))
    return -1;
  sh_stream *s = io->fd[fd];
  switch (s->kind) {
  case SH_S_PROC_OUT: {
    if (len == 0)
      return 0;
    const mock_proc *proc = sh->root->proc;
    if (proc->write(proc->ctx, s->channel, data, len) < 0) {
      ctrt_error_clear();
      sh_sigpipe(sh);
      return -1;
    }
    return 0;
  }
  case SH_S_PIPE_OUT:
    if (s->pipe != NULL)
      return pipe_write(sh, s, data, len);
    return subst_write(sh, s, data, len);
  case SH_S_FILE_OUT: {
    if (s->full)
      return -1;
    /* past the largest file the memfs takes: fail now rather than buffer
     * it (cat /dev/zero > f would otherwise grow without bound) */
    sh_lock(sh);
    uint64_t max = memfs_max_file(sh_fs(sh));
    sh_unlock(sh);
    if (max != 0 && (uint64_t)s->flushed + s->buf.len + len > max) {
      file_flush(sh->root, s);
      s->full = true;
      return -1;
    }
    if (sh_buf_add(&s->buf, data, len) < 0)
      return sh_oom(sh), -1;
    /* appends copy the file: flush in growing pieces to stay linear */
    if (s->buf.len >= 65536 && s->buf.len >= s->flushed)
      file_flush(sh->root, s);
    return s->full ? -1 : 0;
  }
  case SH_S_NULL:
  case SH_S_ZERO:
  case SH_S_RANDOM:
    return 0;
  case SH_S_PROC_IN:
  case SH_S_DATA_IN:
  case SH_S_PIPE_IN:
    return -1;
  }
  return -1;
}

int sh_write_errno(const sh_io *io, int fd) {
  const sh_stream *s = fd >= 0 && fd < SH_MAX_FD ? io->fd[fd] : NULL;
  if (s == NULL)
    return EBADF;
  return (s->kind == SH_S_FILE_OUT || s->kind == SH_S_PIPE_OUT) && s->full ? ENOSPC : EPIPE;
}

int sh_puts(sh_state *sh, sh_io *io, int fd, const char *s) { return sh_write(sh, io, fd, s, strlen(s)); }

static int vwritef(sh_state *sh, sh_io *io, int fd, const char *fmt, va_list ap) {
  char small[512];
  va_list copy;
  va_copy(copy, ap);
  int n = vsnprintf(small, sizeof small, fmt, copy);
  va_end(copy);
  if (n < 0)
    return -1;
  if ((size_t)n < sizeof small)
    return sh_write(sh, io, fd, small, (size_t)n);
  char *big = ctrt__malloc((size_t)n + 1);
  if (big == NULL)
    return sh_oom(sh), -1;
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  int rc = sh_write(sh, io, fd, big, (size_t)n);
  ctrt__free(big);
  return rc;
}

int sh_printf(sh_state *sh, sh_io *io, int fd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = vwritef(sh, io, fd, fmt, ap);
  va_end(ap);
  return rc;
}

void sh_err(sh_state *sh, sh_io *io, const char *fmt, ...) {
  sh_buf b = {0};
  va_list ap;
  va_start(ap, fmt);
  char msg[1024];
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (sh_buf_printf(&b, "%s: %s\n", sh->applet_name ? sh->applet_name : "sh", msg) < 0) {
    sh_oom(sh);
    return;
  }
  sh_write(sh, io, 2, b.data, b.len);
  sh_buf_free(&b);
}

void sh_ash_err(sh_state *sh, sh_io *io, const char *fmt, ...) {
  sh_buf b = {0};
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const char *arg0 = sh->arg0 ? sh->arg0 : "sh";
  /* ash names the builtin (its commandname) and, when running a script
   * (sh -c SCRIPT NAME, sh FILE), the line. */
  const char *cmd = sh->builtin_name;
  if (cmd == NULL && sh->has_commandname)
    cmd = arg0;
  if (sh_buf_printf(&b, "%s: ", arg0) < 0 ||
      (cmd != NULL && ((strcmp(cmd, arg0) != 0 && sh_buf_printf(&b, "%s: ", cmd) < 0) ||
                       sh_buf_printf(&b, "line %d: ", sh->lineno) < 0)) ||
      sh_buf_printf(&b, "%s\n", msg) < 0)
    sh_oom(sh);
  else
    sh_write(sh, io, 2, b.data, b.len);
  sh_buf_free(&b);
}

/* ---- reading ---- */

static uint32_t next_random(uint32_t *state) {
  /* xorshift32: deterministic bytes for /dev/urandom */
  uint32_t x = *state ? *state : 2463534242u;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

int sh_stream_read(sh_state *sh, sh_stream *s, void *buf, size_t cap, size_t *n, int *err) {
  *n = 0;
  *err = 0;
  if (sh_stopping(sh))
    return -2;
  switch (s->kind) {
  case SH_S_PROC_IN: {
    const mock_proc *proc = sh->root->proc;
    while (!s->eof) {
      sh_flush_files(sh->root);
      size_t got = 0;
      int rc = proc->read_stdin(proc->ctx, buf, cap, &got);
      bool read_ok = rc == 0;
      if (read_ok && got > 0) {
        *n = got;
        return 0;
      }
      if (read_ok)
        continue; /* nothing yet: read again */
      ctrt_error_clear();
      if (rc == CTRT_ITEROVER)
        break;
      /* Interrupted: act on the signal; a handled or ignored one means read
       * on. An error without a signal counts as the end of input. */
      bool took = false;
      if (sh_poll_took(sh, &took) || !took)
        break;
    }
    if (sh_stopping(sh))
      return -2;
    s->eof = true;
    return 1;
  }
  case SH_S_DATA_IN:
    if (s->read_err != 0) {
      *err = s->read_err;
      return -1;
    }
    if (s->pos >= s->len)
      return 1;
    *n = s->len - s->pos < cap ? s->len - s->pos : cap;
    memcpy(buf, s->data + s->pos, *n);
    s->pos += *n;
    return 0;
  case SH_S_PIPE_IN: {
    sh_pipe *p = s->pipe;
    while (p->pos >= p->buf.len) {
      if (p->writer_done)
        return 1;
      if (!sh_pipe_wait(sh, p, true))
        return -2;
    }
    *n = p->buf.len - p->pos < cap ? p->buf.len - p->pos : cap;
    memcpy(buf, p->buf.data + p->pos, *n);
    p->pos += *n;
    return 0;
  }
  case SH_S_ZERO:
    memset(buf, 0, cap);
    *n = cap;
    return 0;
  case SH_S_RANDOM:
    for (size_t i = 0; i < cap; i++)
      ((uint8_t *)buf)[i] = (uint8_t)(next_random(&sh->root->random) >> 24);
    *n = cap;
    return 0;
  case SH_S_NULL:
    return 1;
  case SH_S_PROC_OUT:
  case SH_S_PIPE_OUT:
  case SH_S_FILE_OUT:
    *err = EBADF;
    return -1;
  }
  *err = EBADF;
  return -1;
}

int sh_read(sh_state *sh, sh_io *io, int fd, void *buf, size_t cap, size_t *n, int *err) {
  if (fd < 0 || fd >= SH_MAX_FD || io->fd[fd] == NULL) {
    *n = 0;
    *err = EBADF;
    return -1;
  }
  return sh_stream_read(sh, io->fd[fd], buf, cap, n, err);
}

/* Devices every container has (Docker mounts /dev), whatever the image. */
static sh_stream *open_device(sh_state *sh, sh_io *io, const char *abs) {
  if (strcmp(abs, "/dev/null") == 0)
    return sh_stream_new(sh->root, SH_S_NULL);
  if (strcmp(abs, "/dev/zero") == 0)
    return sh_stream_new(sh->root, SH_S_ZERO);
  if (strcmp(abs, "/dev/urandom") == 0 || strcmp(abs, "/dev/random") == 0)
    return sh_stream_new(sh->root, SH_S_RANDOM);
  int fd = -1;
  if (strcmp(abs, "/dev/stdin") == 0 || strcmp(abs, "/proc/self/fd/0") == 0 || strcmp(abs, "/dev/fd/0") == 0)
    fd = 0;
  else if (strcmp(abs, "/dev/stdout") == 0 || strcmp(abs, "/proc/self/fd/1") == 0 || strcmp(abs, "/dev/fd/1") == 0)
    fd = 1;
  else if (strcmp(abs, "/dev/stderr") == 0 || strcmp(abs, "/proc/self/fd/2") == 0 || strcmp(abs, "/dev/fd/2") == 0)
    fd = 2;
  if (fd < 0)
    return NULL;
  if (io->fd[fd] != NULL)
    return sh_stream_ref(io->fd[fd]);
  return sh_stream_new(sh->root, SH_S_NULL);
}

static bool is_device_path(const char *abs) {
  return strncmp(abs, "/dev/", 5) == 0 || strncmp(abs, "/proc/self/fd/", 14) == 0;
}

/* What opening for input and for output share: the absolute path, and a
 * device (/dev/null...) opened here. 1 with *abs to go on; 0 with *out, the
 * device; -1 with *err. */
static int open_start(sh_state *sh, sh_io *io, const char *path, sh_stream **out, int *err, char **abs) {
  *out = NULL;
  *err = 0;
  if ((*abs = sh_abspath(sh, path)) == NULL) {
    sh_oom(sh);
    *err = ENOMEM;
    return -1;
  }
  if (is_device_path(*abs) && (*out = open_device(sh, io, *abs)) != NULL) {
    ctrt__free(*abs);
    *abs = NULL;
    return 0;
  }
  return 1;
}

int sh_open_input(sh_state *sh, sh_io *io, const char *path, sh_stream **out, int *err) {
  char *abs;
  int started = open_start(sh, io, path, out, err, &abs);
  if (started <= 0)
    return started;
  size_t plen = strlen(path);
  bool dir_only = plen > 1 && path[plen - 1] == '/'; /* "NAME/" */
  sh_lock(sh);
  memfs_stat st;
  int e = sh_stat_locked(sh, abs, true, &st);
  memfs_blob *blob = NULL;
  if (e == 0 && dir_only && !S_ISDIR(st.mode))
    e = ENOTDIR;
  if (e == 0 && !sh_may(sh, &st, 4))
    e = EACCES;
  if (e == 0 && S_ISREG(st.mode)) {
    int rc = memfs_read(sh_fs(sh), abs, &blob);
    if (rc < 0) {
      e = sh_errno_of(rc);
      ctrt_error_clear();
    }
  }
  sh_unlock(sh);
  ctrt__free(abs);
  if (e != 0) {
    *err = e;
    return -1;
  }
  sh_stream *s;
  if (blob != NULL) {
    s = sh_stream_from_blob(sh->root, blob);
    memfs_blob_unref(blob);
  } else {
    s = sh_stream_new(sh->root, SH_S_DATA_IN);
    if (s != NULL)
      s->read_err = EISDIR;
  }
  if (s == NULL) {
    sh_oom(sh);
    *err = ENOMEM;
    return -1;
  }
  *out = s;
  return 0;
}

int sh_open_output(sh_state *sh, sh_io *io, const char *path, bool append, sh_stream **out, int *err) {
  char *abs;
  int started = open_start(sh, io, path, out, err, &abs);
  if (started <= 0)
    return started;
  size_t plen = strlen(path);
  if (plen > 1 && path[plen - 1] == '/') { /* open("NAME/", O_CREAT) */
    ctrt__free(abs);
    *err = EISDIR;
    return -1;
  }
  sh_lock(sh);
  memfs_stat st;
  int e = sh_stat_locked(sh, abs, true, &st);
  bool exists = e == 0;
  if (exists) {
    if (S_ISDIR(st.mode))
      e = EISDIR;
    else if (!sh_may(sh, &st, 2))
      e = EACCES;
  } else if (e == ENOENT) {
    /* a dangling symlink creates its target; else the parent must allow it */
    sh_unlock(sh);
    e = sh_parent_writable(sh, abs);
    sh_lock(sh);
  }
  if (e == 0 && (!exists || !append)) {
    int rc =
        memfs_write(sh_fs(sh), abs, "", 0, 0666 & ~sh->root->umask, sh->root->proc->uid, sh->root->proc->gid, false);
    if (rc < 0) {
      e = rc == CTRT_ENO_MEMORY ? ENOMEM : ENOENT;
      ctrt_error_clear();
    }
  }
  sh_unlock(sh);
  if (e != 0) {
    ctrt__free(abs);
    *err = e;
    if (e == ENOMEM)
      sh_oom(sh);
    return -1;
  }
  sh_stream *s = sh_stream_new(sh->root, SH_S_FILE_OUT);
  if (s == NULL) {
    ctrt__free(abs);
    sh_oom(sh);
    *err = ENOMEM;
    return -1;
  }
  s->path = abs;
  *out = s;
  return 0;
}
