/* SPDX-License-Identifier: MIT */
/*
 * dd on streams and memfs files: busybox 1.35's operands, its records
 * report and messages.
 */
#include "shell_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <time.h>

/* ---- dd ---- */

/* Grow b to len bytes with zeros (never shrinks). */
static bool zero_extend(sh_buf *b, size_t len) {
  if (b->len >= len)
    return true;
  char zeros[4096] = {0};
  while (b->len < len) {
    size_t n = len - b->len < sizeof zeros ? len - b->len : sizeof zeros;
    if (sh_buf_add(b, zeros, n) < 0)
      return false;
  }
  return true;
}

static bool dd_number(const char *s, uint64_t *out) {
  if (!isdigit((unsigned char)*s))
    return false;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0)
    return false;
  static const struct {
    const char *suf;
    uint64_t mult;
  } sufs[] = {{"", 1},     {"c", 1},        {"w", 2},       {"b", 512},         {"kB", 1000},     {"k", 1024},
              {"K", 1024}, {"MB", 1000000}, {"M", 1048576}, {"GB", 1000000000}, {"G", 1073741824}};
  for (size_t k = 0; k < sizeof sufs / sizeof sufs[0]; k++)
    if (strcmp(end, sufs[k].suf) == 0) {
      *out = (uint64_t)v * sufs[k].mult;
      return true;
    }
  return false;
}

/* The operands. */
typedef struct dd_opts {
  const char *in_name, *out_name;
  uint64_t ibs, obs, count, skip, seek;
  bool notrunc, sync_pad, status_none, skip_bytes, count_bytes, seek_bytes, append, fullblock;
} dd_opts;

/* One word of conv=, iflag=, oflag= or status= (key); false when unknown.
 * The accepted no-ops are busybox's too. */
static bool dd_flag(dd_opts *o, const char *key, const char *w) {
  bool set = true;
  bool *flag = NULL;
  if (strcmp(key, "conv") == 0) {
    flag = strcmp(w, "notrunc") == 0 ? &o->notrunc : strcmp(w, "sync") == 0 ? &o->sync_pad : NULL;
    set = flag != NULL || strcmp(w, "noerror") == 0 || strcmp(w, "fsync") == 0 || strcmp(w, "swab") == 0;
  } else if (strcmp(key, "iflag") == 0) {
    flag = strcmp(w, "skip_bytes") == 0    ? &o->skip_bytes
           : strcmp(w, "count_bytes") == 0 ? &o->count_bytes
           : strcmp(w, "fullblock") == 0   ? &o->fullblock
                                           : NULL;
    set = flag != NULL || strcmp(w, "direct") == 0;
  } else if (strcmp(key, "oflag") == 0) {
    flag = strcmp(w, "seek_bytes") == 0 ? &o->seek_bytes : strcmp(w, "append") == 0 ? &o->append : NULL;
    set = flag != NULL || strcmp(w, "direct") == 0;
  } else {
    flag = strcmp(w, "none") == 0 ? &o->status_none : NULL;
    set = flag != NULL || strcmp(w, "noxfer") == 0;
  }
  if (flag != NULL)
    *flag = true;
  return set;
}

/* KEY=VALUE operands into *o; -1, or the exit status after a message. */
static int dd_parse(sh_state *sh, sh_io *io, int argc, char **argv, dd_opts *o) {
  *o = (dd_opts){.ibs = 512, .obs = 512, .count = UINT64_MAX};
  static const char *const numeric[] = {"bs", "ibs", "obs", "count", "skip", "seek"};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *eq = strchr(a, '=');
    if (eq == NULL)
      return sh_usage(sh, io, "dd");
    char key[8];
    size_t kl = (size_t)(eq - a);
    if (kl >= sizeof key)
      return sh_usage(sh, io, "dd");
    memcpy(key, a, kl);
    key[kl] = '\0';
    const char *v = eq + 1;
    uint64_t num = 0;
    for (size_t k = 0; k < sizeof numeric / sizeof numeric[0]; k++)
      if (strcmp(key, numeric[k]) == 0 && !dd_number(v, &num)) {
        sh_err(sh, io, "invalid number '%s'", v);
        return 1;
      }
    if (strcmp(key, "if") == 0)
      o->in_name = v;
    else if (strcmp(key, "of") == 0)
      o->out_name = v;
    else if (strcmp(key, "bs") == 0)
      o->ibs = o->obs = num;
    else if (strcmp(key, "ibs") == 0)
      o->ibs = num;
    else if (strcmp(key, "obs") == 0)
      o->obs = num;
    else if (strcmp(key, "count") == 0)
      o->count = num;
    else if (strcmp(key, "skip") == 0)
      o->skip = num;
    else if (strcmp(key, "seek") == 0)
      o->seek = num;
    else if (strcmp(key, "conv") == 0 || strcmp(key, "iflag") == 0 || strcmp(key, "oflag") == 0 ||
             strcmp(key, "status") == 0) {
      char *list = ctrt__strdup(v);
      if (list == NULL)
        return sh_oom(sh), 1;
      for (char *save = NULL, *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        if (!dd_flag(o, key, w)) {
          sh_err(sh, io, "invalid argument '%s' to '%s'", w, key);
          ctrt__free(list);
          return 1;
        }
      }
      ctrt__free(list);
    } else {
      return sh_usage(sh, io, "dd");
    }
  }
  if (o->ibs == 0 || o->obs == 0) {
    sh_err(sh, io, "invalid number '0'");
    return 1;
  }
  return -1;
}

/* A run: the output is stdout, or a memfs file assembled in `file` around
 * what it already holds and written back at the end. */
typedef struct dd_run {
  sh_state *sh;
  sh_io *io;
  const dd_opts *o;
  sh_stream *in;
  char *out_abs; /* NULL: the output is fd 1 */
  sh_buf file;
  uint64_t out_pos;
  uint64_t max_file; /* the memfs's largest file, 0: no limit */
  sh_buf pending;    /* read, not yet written as an output block */
  uint64_t in_full, in_part, out_full, out_part;
  bool full; /* the output reached max_file ("No space left on device") */
  int status;
} dd_run;

/* Open of= (a memfs file is read in, then cut at seek unless notrunc or
 * append); 0, or 1 after the message. */
static int dd_open_output(dd_run *r) {
  const dd_opts *o = r->o;
  int err;
  r->out_abs = sh_abspath(r->sh, o->out_name);
  sh_stream *probe = NULL;
  if (r->out_abs == NULL || sh_open_output(r->sh, r->io, o->out_name, true, &probe, &err) < 0) {
    if (r->out_abs != NULL)
      sh_err(r->sh, r->io, "can't open '%s': %s", o->out_name, strerror(err));
    return 1;
  }
  bool is_file = probe->kind == SH_S_FILE_OUT;
  sh_stream_unref(r->sh->root, probe);
  if (!is_file) {
    ctrt__free(r->out_abs);
    r->out_abs = NULL;
    return 0;
  }
  int e2;
  sh_read_all(r->sh, r->io, o->out_name, &r->file, &e2);
  r->out_pos = o->seek * (o->seek_bytes ? 1 : o->obs);
  if (o->append)
    r->out_pos = r->file.len;
  if (!o->notrunc && !o->append && r->file.len > r->out_pos)
    r->file.len = (size_t)r->out_pos;
  return 0;
}

/* Write n bytes of data as output; false to stop (full, write error, out
 * of memory). */
static bool dd_emit(dd_run *r, const char *data, size_t n) {
  if (r->out_abs == NULL) {
    if (sh_write(r->sh, r->io, 1, data, n) < 0) {
      r->status = 1;
      return false;
    }
    return true;
  }
  if (r->max_file != 0 && r->out_pos + n > r->max_file) {
    r->full = true;
    r->status = 1;
    return false;
  }
  if (!zero_extend(&r->file, (size_t)(r->out_pos + n))) {
    sh_oom(r->sh);
    return false;
  }
  memcpy(r->file.data + r->out_pos, data, n);
  r->out_pos += n;
  return true;
}

/* Write the whole output blocks of pending (with bs=, each input block as
 * it came); false to stop. */
static bool dd_flush_blocks(dd_run *r) {
  uint64_t obs = r->o->obs;
  while (r->pending.len > 0 && (r->pending.len >= obs || r->o->ibs == obs)) {
    size_t n = r->pending.len >= obs ? (size_t)obs : r->pending.len;
    if (!dd_emit(r, r->pending.data, n))
      return false;
    if (n == obs)
      r->out_full++;
    else
      r->out_part++;
    memmove(r->pending.data, r->pending.data + n, r->pending.len - n);
    r->pending.len -= n;
  }
  return true;
}

/* Read one input block of at most want bytes (more reads with fullblock);
 * *eof at the end of the input or after a read error. */
static size_t dd_read_block(dd_run *r, char *block, size_t want, bool *eof) {
  size_t got = 0;
  while (got < want) {
    size_t n;
    int err;
    int rc = sh_stream_read(r->sh, r->in, block + got, want - got, &n, &err);
    if (rc == -1) {
      sh_err(r->sh, r->io, "%s: %s", r->o->in_name ? r->o->in_name : "standard input", strerror(err));
      r->status = 1;
      *eof = true;
      break;
    }
    if (rc != 0) {
      *eof = true;
      break;
    }
    got += n;
    if (!r->o->fullblock)
      break;
  }
  return got;
}

/* skip=, then copy count= input blocks through output blocks. */
static void dd_copy(dd_run *r, char *block) {
  const dd_opts *o = r->o;
  uint64_t to_skip = o->skip * (o->skip_bytes ? 1 : o->ibs);
  while (to_skip > 0 && !sh_stopping(r->sh)) {
    size_t got;
    int err;
    if (sh_stream_read(r->sh, r->in, block, to_skip < o->ibs ? (size_t)to_skip : (size_t)o->ibs, &got, &err) != 0)
      break;
    to_skip -= got;
  }
  uint64_t copied = 0;
  uint64_t limit = o->count == UINT64_MAX ? UINT64_MAX : o->count * (o->count_bytes ? 1 : o->ibs);
  bool eof = false;
  while (!eof && copied < limit && !sh_stopping(r->sh)) {
    size_t want = limit - copied < o->ibs ? (size_t)(limit - copied) : (size_t)o->ibs;
    size_t got = dd_read_block(r, block, want, &eof);
    if (got == 0)
      break;
    copied += got;
    if (got == o->ibs)
      r->in_full++;
    else
      r->in_part++;
    if (o->sync_pad && got < o->ibs) {
      memset(block + got, 0, (size_t)o->ibs - got);
      got = (size_t)o->ibs;
    }
    if (sh_buf_add(&r->pending, block, got) < 0) {
      sh_oom(r->sh);
      break;
    }
    if (!dd_flush_blocks(r) || sh_poll(r->sh))
      break;
  }
  /* the last, partial output block */
  if (r->pending.len > 0 && !r->full && !sh_stopping(r->sh)) {
    if (r->out_abs != NULL && r->max_file != 0 && r->out_pos + r->pending.len > r->max_file) {
      r->full = true;
      r->status = 1;
    } else if (r->out_abs != NULL) {
      if (!zero_extend(&r->file, (size_t)(r->out_pos + r->pending.len)))
        sh_oom(r->sh);
      else
        memcpy(r->file.data + r->out_pos, r->pending.data, r->pending.len);
      r->out_pos += r->pending.len;
    } else if (sh_write(r->sh, r->io, 1, r->pending.data, r->pending.len) < 0) {
      r->status = 1;
    }
    r->out_part++;
  }
}

/* Write the assembled file back to the memfs (a gap seeked past the end is
 * zeros; past the largest file: "No space left on device"). */
static void dd_store(dd_run *r) {
  sh_state *sh = r->sh;
  const char *out_name = r->o->out_name;
  if (r->max_file != 0 && r->out_pos > r->max_file) {
    if (!r->full)
      sh_err(sh, r->io, "error writing '%s': %s", out_name, strerror(ENOSPC));
    r->full = true;
    r->status = 1;
    r->out_pos = r->file.len;
  }
  if (!zero_extend(&r->file, (size_t)r->out_pos))
    sh_oom(sh);
  sh_lock(sh);
  int rc = memfs_write(sh_fs(sh), r->out_abs, r->file.data ? r->file.data : "", r->file.len, 0666 & ~sh->root->umask,
                       sh->root->proc->uid, sh->root->proc->gid, false);
  sh_unlock(sh);
  if (rc < 0) {
    bool no_space = memfs_full();
    ctrt_error_clear();
    if (no_space)
      sh_err(sh, r->io, "error writing '%s': %s", out_name, strerror(ENOSPC));
    else
      sh_err(sh, r->io, "%s: %s", out_name, strerror(ENOENT));
    r->status = 1;
  }
}

SH_APPLET(dd) {
  dd_opts o;
  int status = dd_parse(sh, io, argc, argv, &o);
  if (status >= 0)
    return status;
  dd_run r = {.sh = sh, .io = io, .o = &o};
  int err;
  if (o.in_name == NULL) {
    r.in = sh_stream_ref(io->fd[0]);
  } else if (sh_open_input(sh, io, o.in_name, &r.in, &err) < 0) {
    sh_err(sh, io, "can't open '%s': %s", o.in_name, strerror(err));
    return 1;
  }
  char *block = NULL;
  if (o.out_name != NULL && (r.status = dd_open_output(&r)) != 0)
    goto end;
  /* The file is assembled here: past the memfs's largest file it fails as
   * a full disk would, before growing (busybox: "error writing 'F': No
   * space left on device", the record counts, status 1). */
  sh_lock(sh);
  r.max_file = memfs_max_file(sh_fs(sh));
  sh_unlock(sh);
  /* A block larger than the largest file the container may hold is refused
   * before it is allocated, the way busybox's allocation fails where memory
   * is short: the mock's memory is its embedder's. */
  if (r.max_file != 0 && (o.ibs > r.max_file || o.obs > r.max_file)) {
    sh_err(sh, io, "memory exhausted");
    r.status = 1;
    goto end;
  }
  block = ctrt__malloc((size_t)o.ibs);
  if (block == NULL) {
    sh_oom(sh);
    r.status = 1;
    goto end;
  }
  dd_copy(&r, block);
  if (r.full)
    sh_err(sh, io, "error writing '%s': %s", o.out_name, strerror(ENOSPC));
  if (r.out_abs != NULL)
    dd_store(&r);
  if (!o.status_none && !sh_stopping(sh))
    sh_printf(sh, io, 2, "%llu+%llu records in\n%llu+%llu records out\n", (unsigned long long)r.in_full,
              (unsigned long long)r.in_part, (unsigned long long)r.out_full, (unsigned long long)r.out_part);
end:
  ctrt__free(block);
  sh_buf_free(&r.pending);
  sh_buf_free(&r.file);
  ctrt__free(r.out_abs);
  sh_stream_unref(sh->root, r.in);
  return status == -1 ? r.status : status;
}
