/* SPDX-License-Identifier: MIT */
/*
 * Filesystem applets that change the memfs: mkdir, rmdir, rm, touch, cp,
 * mv, ln, chmod. Errors are checked against the memfs first (stat, parent
 * directory, permissions) so messages carry the errno text busybox prints.
 */
#include "shell_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <time.h>

/* ---- mkdir, rmdir ---- */

SH_APPLET(mkdir) {
  static const char *flags = "m:pv";
  char *args[4] = {0};
  unsigned f;
  if (sh_getopt_operands(sh, io, argc, argv, flags, &f, args, 1, -1) != 0)
    return 1;
  bool parents = f & sh_optbit(flags, 'p');
  uint32_t perm = 0777 & ~sh->root->umask;
  bool explicit_mode = false;
  const char *mode = sh_optarg(flags, 'm', args);
  if (mode != NULL) {
    if (!sh_parse_mode(mode, 0777, true, 0, &perm)) {
      sh_err(sh, io, "invalid mode '%s'", mode);
      return 1;
    }
    explicit_mode = true;
  }
  int status = 0;
  for (int k = 1; argv[k] != NULL && !sh_stopping(sh); k++) {
    const char *name = argv[k];
    char *abs = sh_abspath(sh, name);
    if (abs == NULL)
      return sh_oom(sh), 1;
    if (parents) {
      /* create each missing component; report the failing prefix as given */
      size_t len = strlen(name);
      for (size_t i = 1; i <= len; i++) {
        if (i < len && name[i] != '/')
          continue;
        if (name[i - 1] == '/')
          continue;
        char *pre = ctrt__strndup(name, i);
        char *pabs = pre ? sh_abspath(sh, pre) : NULL;
        if (pabs == NULL) {
          ctrt__free(pre);
          sh_oom(sh);
          break;
        }
        memfs_stat st;
        int err = sh_stat(sh, pabs, true, &st);
        if (err == 0 && !S_ISDIR(st.mode))
          err = ENOTDIR;
        else if (err == ENOENT) {
          err = sh_parent_writable(sh, pabs);
          if (err == 0)
            err = sh_fs_mkdir(sh, pabs, i == len ? perm : 0777 & ~sh->root->umask);
          if (err == 0 && i == len && explicit_mode)
            sh_fs_chmod(sh, pabs, perm);
        }
        if (err != 0) {
          sh_err(sh, io, "can't create directory '%.*s%s': %s", (int)i, name, i < len ? "/" : "", strerror(err));
          status = 1;
          ctrt__free(pre);
          ctrt__free(pabs);
          break;
        }
        ctrt__free(pre);
        ctrt__free(pabs);
      }
    } else {
      int err = sh_stat(sh, abs, false, NULL) == 0 ? EEXIST : 0;
      if (err == 0)
        err = sh_parent_writable(sh, abs);
      if (err == 0)
        err = sh_fs_mkdir(sh, abs, perm);
      if (err == 0 && explicit_mode)
        sh_fs_chmod(sh, abs, perm);
      if (err != 0) {
        sh_err(sh, io, "can't create directory '%s': %s", name, strerror(err));
        status = 1;
      }
    }
    ctrt__free(abs);
  }
  return status;
}

SH_APPLET(rmdir) {
  static const char *flags = "pv";
  unsigned f;
  if (sh_getopt_operands(sh, io, argc, argv, flags, &f, NULL, 1, -1) != 0)
    return 1;
  int status = 0;
  for (int k = 1; argv[k] != NULL; k++) {
    char *path = ctrt__strdup(argv[k]);
    if (path == NULL)
      return sh_oom(sh), 1;
    for (;;) {
      size_t len = strlen(path);
      while (len > 1 && path[len - 1] == '/')
        path[--len] = '\0';
      char *abs = sh_abspath(sh, path);
      if (abs == NULL) {
        sh_oom(sh);
        break;
      }
      memfs_stat st;
      int err = sh_stat(sh, abs, false, &st);
      if (err == 0 && !S_ISDIR(st.mode))
        err = ENOTDIR;
      if (err == 0 && strcmp(abs, "/") == 0)
        err = EBUSY;
      if (err == 0) {
        char **names = NULL;
        size_t n = 0;
        sh_lock(sh);
        if (memfs_list(sh_fs(sh), abs, &names, &n) == 0)
          memfs_names_free(names, n);
        sh_unlock(sh);
        ctrt_error_clear();
        if (n > 0)
          err = ENOTEMPTY;
      }
      if (err == 0)
        err = sh_parent_writable(sh, abs);
      if (err == 0)
        err = sh_fs_remove(sh, abs, false);
      ctrt__free(abs);
      if (err != 0) {
        sh_err(sh, io, "'%s': %s", path, strerror(err));
        status = 1;
        break;
      }
      if (!(f & sh_optbit(flags, 'p')))
        break;
      char *slash = strrchr(path, '/');
      if (slash == NULL)
        break;
      if (slash == path)
        slash[1] = '\0'; /* on to "/", which cannot be removed */
      else
        *slash = '\0';
    }
    ctrt__free(path);
  }
  return status;
}

/* ---- rm ---- */

/* Whether the process may remove the entry abs (st: its lstat): w+x on the
 * parent and, in a sticky directory, owning the entry or the directory.
 * 0 or an errno. */
static int may_unlink(sh_state *sh, const char *abs, const memfs_stat *st) {
  if (strcmp(abs, "/") == 0)
    return EBUSY;
  int err = sh_parent_writable(sh, abs);
  if (err != 0 || sh->root->proc->uid == 0)
    return err;
  char *parent = ctrt__strdup(abs);
  if (parent == NULL)
    return ENOMEM;
  char *slash = strrchr(parent, '/');
  if (slash == parent)
    slash[1] = '\0';
  else if (slash != NULL)
    *slash = '\0';
  memfs_stat pst;
  if (sh_stat(sh, parent, true, &pst) == 0 && (pst.mode & S_ISVTX) && st->uid != sh->root->proc->uid &&
      pst.uid != sh->root->proc->uid)
    err = EPERM;
  ctrt__free(parent);
  return err;
}

/* rm -r for one entry: children first, reporting each failure; a directory
 * goes only when all its entries did. */
static int rm_tree(sh_state *sh, sh_io *io, const char *shown, const char *abs, int depth) {
  memfs_stat st;
  int err = sh_stat(sh, abs, false, &st);
  if (err != 0) {
    sh_err(sh, io, "can't remove '%s': %s", shown, strerror(err));
    return 1;
  }
  int status = 0;
  if (S_ISDIR(st.mode) && sh->root->proc->uid != 0 && depth < 256) {
    if (!sh_may(sh, &st, 5))
      return 1; /* busybox fails without a word when it cannot list it */
    char **names = NULL;
    size_t n = 0;
    sh_lock(sh);
    int rc = memfs_list(sh_fs(sh), abs, &names, &n);
    sh_unlock(sh);
    ctrt_error_clear();
    for (size_t k = 0; rc == 0 && k < n && !sh_stopping(sh); k++) {
      char *cabs = sh_path_join(abs, names[k]), *cshown = sh_path_join(shown, names[k]);
      if (cabs && cshown)
        status |= rm_tree(sh, io, cshown, cabs, depth + 1);
      else
        sh_oom(sh);
      ctrt__free(cabs);
      ctrt__free(cshown);
    }
    memfs_names_free(names, n);
    if (status != 0)
      return status;
  }
  err = may_unlink(sh, abs, &st);
  if (err == 0)
    err = sh_fs_remove(sh, abs, true);
  if (err != 0) {
    sh_err(sh, io, "can't remove '%s': %s", shown, strerror(err));
    return 1;
  }
  return 0;
}

SH_APPLET(rm) {
  static const char *flags = "ifRrv";
  unsigned f;
  if (sh_getopt(sh, io, argc, argv, flags, &f, NULL) < 0)
    return 1;
  bool force = f & sh_optbit(flags, 'f');
  bool recursive = f & (sh_optbit(flags, 'R') | sh_optbit(flags, 'r'));
  if (argv[1] == NULL)
    return force ? 0 : sh_usage(sh, io, "rm");
  int status = 0;
  for (int k = 1; argv[k] != NULL && !sh_stopping(sh); k++) {
    const char *name = argv[k];
    const char *b = sh_base_of(name);
    if ((strcmp(b, ".") == 0 || strcmp(b, "..") == 0)) {
      sh_err(sh, io, "can't remove '.' or '..'");
      status = 1;
      continue;
    }
    char *abs = sh_abspath(sh, name);
    if (abs == NULL)
      return sh_oom(sh), 1;
    memfs_stat st;
    int err = sh_stat(sh, abs, false, &st);
    if (err != 0) {
      if (!force) {
        sh_err(sh, io, "can't remove '%s': %s", name, strerror(err));
        status = 1;
      }
      ctrt__free(abs);
      continue;
    }
    if (S_ISDIR(st.mode) && !recursive) {
      sh_err(sh, io, "'%s' is a directory", name);
      status = 1;
      ctrt__free(abs);
      continue;
    }
    if (S_ISDIR(st.mode)) {
      status |= rm_tree(sh, io, name, abs, 0);
    } else {
      err = may_unlink(sh, abs, &st);
      if (err == 0)
        err = sh_fs_remove(sh, abs, false);
      if (err != 0) {
        sh_err(sh, io, "can't remove '%s': %s", name, strerror(err));
        status = 1;
      }
    }
    ctrt__free(abs);
  }
  return status;
}

/* ---- touch ---- */

static bool parse_touch_date(const char *s, bool t_format, ctrt_timestamp *out) {
  struct tm tm = {0};
  if (!t_format) {
    int64_t v;
    if (!sh_parse_date(s, (time_t)ctrt__timestamp_now().seconds, false, &v))
      return false;
    out->seconds = v;
    out->nanos = 0;
    return true;
  }
  if (t_format) {
    /* [[CC]YY]MMDDhhmm[.ss] */
    char digits[16] = {0};
    const char *dot = strchr(s, '.');
    size_t n = dot ? (size_t)(dot - s) : strlen(s);
    if (n != 8 && n != 10 && n != 12)
      return false;
    snprintf(digits, sizeof digits, "%.*s", (int)n, s);
    for (size_t i = 0; i < n; i++)
      if (!isdigit((unsigned char)digits[i]))
        return false;
    ctrt_timestamp now = ctrt__timestamp_now();
    time_t nt = (time_t)now.seconds;
    struct tm cur;
    gmtime_r(&nt, &cur);
    int year = cur.tm_year + 1900;
    const char *p = digits;
    if (n == 12) {
      year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
      p += 4;
    } else if (n == 10) {
      int yy = (p[0] - '0') * 10 + (p[1] - '0');
      year = yy < 69 ? 2000 + yy : 1900 + yy;
      p += 2;
    }
    tm.tm_year = year - 1900;
    tm.tm_mon = (p[0] - '0') * 10 + (p[1] - '0') - 1;
    tm.tm_mday = (p[2] - '0') * 10 + (p[3] - '0');
    tm.tm_hour = (p[4] - '0') * 10 + (p[5] - '0');
    tm.tm_min = (p[6] - '0') * 10 + (p[7] - '0');
    if (dot) {
      /* ".ss": two digits, no atoi overflow */
      const char *ss = dot + 1;
      if (!isdigit((unsigned char)ss[0]) || !isdigit((unsigned char)ss[1]) || ss[2] != '\0')
        return false;
      tm.tm_sec = (ss[0] - '0') * 10 + (ss[1] - '0');
    }
  }
  out->seconds = (int64_t)timegm(&tm);
  out->nanos = 0;
  return true;
}

SH_APPLET(touch) {
  static const char *flags = "chamd:t:r:";
  char *args[8] = {0};
  unsigned f;
  if (sh_getopt_operands(sh, io, argc, argv, flags, &f, args, 1, -1) != 0)
    return 1;
  ctrt_timestamp when = ctrt__timestamp_now();
  const char *date = sh_optarg(flags, 'd', args);
  if (date != NULL && !parse_touch_date(date, false, &when)) {
    sh_err(sh, io, "invalid date '%s'", date);
    return 1;
  }
  const char *stamp = sh_optarg(flags, 't', args);
  if (stamp != NULL && !parse_touch_date(stamp, true, &when)) {
    sh_err(sh, io, "invalid date '%s'", stamp);
    return 1;
  }
  const char *reference = sh_optarg(flags, 'r', args);
  if (reference != NULL) {
    char *abs = sh_abspath(sh, reference);
    memfs_stat st;
    int err = abs ? sh_stat(sh, abs, true, &st) : ENOMEM;
    ctrt__free(abs);
    if (err != 0) {
      sh_err(sh, io, "%s: %s", reference, strerror(err));
      return 1;
    }
    when = st.mtime;
  }
  bool create = !(f & sh_optbit(flags, 'c'));
  int status = 0;
  for (int k = 1; argv[k] != NULL; k++) {
    char *abs = sh_abspath(sh, argv[k]);
    if (abs == NULL)
      return sh_oom(sh), 1;
    memfs_stat st;
    int err = sh_stat(sh, abs, true, &st);
    if (err == ENOENT) {
      if (!create) {
        ctrt__free(abs);
        continue;
      }
      err = sh_parent_writable(sh, abs);
    } else if (err == 0 && !sh_may(sh, &st, 2) && sh->root->proc->uid != st.uid) {
      err = EACCES;
    }
    if (err == 0 && create && sh_stat(sh, abs, true, NULL) != 0) {
      /* a new file takes 0666 minus the umask (memfs_touch would use 0644) */
      sh_lock(sh);
      int rc =
          memfs_write(sh_fs(sh), abs, "", 0, 0666 & ~sh->root->umask, sh->root->proc->uid, sh->root->proc->gid, false);
      sh_unlock(sh);
      if (rc < 0) {
        ctrt_error_clear();
        err = rc == CTRT_ENO_MEMORY ? (sh_oom(sh), ENOMEM) : ENOENT;
      }
    }
    if (err == 0)
      err = sh_fs_touch(sh, abs, when, create);
    if (err != 0) {
      sh_err(sh, io, "%s: %s", argv[k], strerror(err));
      status = 1;
    }
    ctrt__free(abs);
  }
  return status;
}

/* ---- copying trees (cp, mv) ---- */

typedef struct copy_opts {
  bool recursive, preserve, no_deref, force, no_clobber, keep_owner_time;
} copy_opts;

/* Copy the node at src to dst (which must not exist, or is a file to
 * replace). Returns an errno, with the message printed by the caller unless
 * *reported. */
static int copy_node(sh_state *sh, sh_io *io, const char *src, const char *dst, const char *src_shown,
                     const char *dst_shown, const copy_opts *o, int depth) {
  if (depth > 256)
    return ELOOP;
  memfs_stat st;
  int err = sh_stat(sh, src, !o->no_deref, &st);
  if (err != 0) {
    sh_err(sh, io, "can't stat '%s': %s", src_shown, strerror(err));
    return -1;
  }
  uint32_t uid = o->keep_owner_time ? st.uid : sh->root->proc->uid;
  uint32_t gid = o->keep_owner_time ? st.gid : sh->root->proc->gid;
  memfs_stat dst_st;
  int derr = sh_stat(sh, dst, false, &dst_st);
  if (S_ISLNK(st.mode)) {
    if (derr == 0) {
      if (o->no_clobber)
        return 0;
      sh_fs_remove(sh, dst, false);
    }
    err = sh_fs_symlink(sh, st.link_target, dst);
    if (err != 0) {
      sh_err(sh, io, "can't create symlink '%s': %s", dst_shown, strerror(err));
      return -1;
    }
    return 0;
  }
  if (S_ISDIR(st.mode)) {
    if (!o->recursive) {
      sh_err(sh, io, "omitting directory '%s'", src_shown);
      return -1;
    }
    if (derr == 0 && !S_ISDIR(dst_st.mode)) {
      sh_err(sh, io, "can't create directory '%s': %s", dst_shown, strerror(EEXIST));
      return -1;
    }
    if (derr != 0) {
      err = sh_parent_writable(sh, dst);
      if (err == 0)
        err = sh_fs_mkdir(sh, dst, o->preserve ? st.mode & 07777 : (st.mode & 07777 & ~sh->root->umask) | 0700);
      if (err != 0) {
        sh_err(sh, io, "can't create directory '%s': %s", dst_shown, strerror(err));
        return -1;
      }
    }
    char **names = NULL;
    size_t n = 0;
    sh_lock(sh);
    int rc = memfs_list(sh_fs(sh), src, &names, &n);
    sh_unlock(sh);
    ctrt_error_clear();
    int status = 0;
    for (size_t k = 0; rc == 0 && k < n && !sh_stopping(sh); k++) {
      char *s2 = sh_path_join(src, names[k]), *d2 = sh_path_join(dst, names[k]);
      char *ss = sh_path_join(src_shown, names[k]), *ds = sh_path_join(dst_shown, names[k]);
      if (s2 && d2 && ss && ds) {
        copy_opts child = *o;
        child.no_deref = true; /* inside a tree, links are copied as links */
        if (copy_node(sh, io, s2, d2, ss, ds, &child, depth + 1) != 0)
          status = -1;
      } else {
        sh_oom(sh);
      }
      ctrt__free(s2);
      ctrt__free(d2);
      ctrt__free(ss);
      ctrt__free(ds);
    }
    memfs_names_free(names, n);
    if (o->preserve)
      sh_fs_chmod(sh, dst, st.mode & 07777);
    if (o->preserve || o->keep_owner_time)
      sh_fs_touch(sh, dst, st.mtime, false);
    return status;
  }
  /* a regular file */
  if (derr == 0) {
    if (S_ISDIR(dst_st.mode)) {
      sh_err(sh, io, "can't create '%s': %s", dst_shown, strerror(EISDIR));
      return -1;
    }
    if (o->no_clobber)
      return 0;
  }
  memfs_blob *blob = NULL;
  sh_lock(sh);
  int rc = memfs_read(sh_fs(sh), src, &blob);
  sh_unlock(sh);
  if (rc < 0) {
    ctrt_error_clear();
    sh_err(sh, io, "can't open '%s': %s", src_shown, strerror(ENOENT));
    return -1;
  }
  if (!sh_may(sh, &st, 4)) {
    memfs_blob_unref(blob);
    sh_err(sh, io, "can't open '%s': %s", src_shown, strerror(EACCES));
    return -1;
  }
  err = derr == 0 ? (sh_may(sh, &dst_st, 2) ? 0 : EACCES) : sh_parent_writable(sh, dst);
  if (err == EACCES && derr == 0 && o->force) {
    sh_fs_remove(sh, dst, false);
    err = sh_parent_writable(sh, dst);
  }
  uint32_t perm = o->preserve ? st.mode & 07777 : st.mode & 0777 & ~sh->root->umask;
  if (err == 0) {
    sh_lock(sh);
    rc = memfs_write_blob(sh_fs(sh), dst, blob, perm, uid, gid);
    sh_unlock(sh);
    if (rc < 0) {
      ctrt_error_clear();
      err = rc == CTRT_ENO_MEMORY ? (sh_oom(sh), ENOMEM) : ENOENT;
    }
  }
  memfs_blob_unref(blob);
  if (err != 0) {
    sh_err(sh, io, "can't create '%s': %s", dst_shown, strerror(err));
    return -1;
  }
  if (o->preserve)
    sh_fs_chmod(sh, dst, st.mode & 07777);
  if (o->preserve || o->keep_owner_time)
    sh_fs_touch(sh, dst, st.mtime, false);
  return 0;
}

/* Whether b is a or inside a (absolute, cleaned paths). */
static bool inside(const char *a, const char *b) {
  size_t n = strlen(a);
  if (strcmp(a, "/") == 0)
    return true;
  return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

/* The operands of cp and mv: "SRC... DEST", or "-t DIR SRC...". */
typedef struct transfer {
  const char *dest; /* as given, for messages */
  char *dest_abs;
  char **srcs;
  int n_srcs;
  bool dest_dir; /* DEST is a directory and -T was not given */
  bool into;     /* each SRC goes to DEST/basename(SRC) */
} transfer;

/* 0, or the applet's exit status after printing its usage. t_dir is the
 * argument of -t (NULL without it). */
static int transfer_begin(sh_state *sh, sh_io *io, const char *applet, char **argv, const char *t_dir,
                          bool no_target_dir, transfer *t) {
  *t = (transfer){0};
  int n = sh_count_args(argv + 1);
  t->srcs = argv + 1;
  if (t_dir != NULL) {
    t->dest = t_dir;
    t->n_srcs = n;
  } else {
    t->dest = n >= 2 ? argv[n] : NULL;
    t->n_srcs = n - 1;
  }
  if (t->dest == NULL || t->n_srcs < 1 || (no_target_dir && t->n_srcs > 1))
    return sh_usage(sh, io, applet);
  t->dest_abs = sh_abspath(sh, t->dest);
  if (t->dest_abs == NULL)
    return sh_oom(sh), 1;
  memfs_stat st;
  bool dest_is_dir = sh_stat(sh, t->dest_abs, true, &st) == 0 && S_ISDIR(st.mode);
  if (no_target_dir && dest_is_dir) {
    /* -T puts a directory in place of a directory, never a file. */
    char *src_abs = sh_abspath(sh, t->srcs[0]);
    bool src_is_dir = src_abs != NULL && sh_stat(sh, src_abs, true, &st) == 0 && S_ISDIR(st.mode);
    ctrt__free(src_abs);
    if (!src_is_dir) {
      sh_err(sh, io, "'%s' is a directory", t->dest);
      ctrt__free(t->dest_abs);
      return 1;
    }
  }
  t->dest_dir = dest_is_dir && !no_target_dir;
  t->into = t->dest_dir || t->n_srcs > 1;
  return 0;
}

/* Where one source goes: its absolute path, the target as shown in
 * messages (DEST, or DEST/basename(SRC)) and the target's absolute path. */
typedef struct transfer_paths {
  const char *src;
  char *src_abs, *target, *target_abs;
} transfer_paths;

static void transfer_paths_clear(transfer_paths *p) {
  ctrt__free(p->src_abs);
  ctrt__free(p->target);
  ctrt__free(p->target_abs);
  *p = (transfer_paths){0};
}

/* 0, or -1 after sh_oom. */
static int transfer_paths_for(sh_state *sh, const transfer *t, const char *src, transfer_paths *p) {
  *p = (transfer_paths){.src = src};
  p->src_abs = sh_abspath(sh, src);
  p->target = t->into ? sh_path_join(t->dest, sh_base_of(src)) : ctrt__strdup(t->dest);
  p->target_abs = p->target ? sh_abspath(sh, p->target) : NULL;
  if (p->src_abs == NULL || p->target == NULL || p->target_abs == NULL) {
    transfer_paths_clear(p);
    sh_oom(sh);
    return -1;
  }
  return 0;
}

/* Each source in turn through one_fn; the exit status (1 when any failed). */
typedef int (*transfer_one_fn)(sh_state *sh, sh_io *io, const transfer *t, const transfer_paths *p, const void *ctx);

static int transfer_run(sh_state *sh, sh_io *io, transfer *t, transfer_one_fn one, const void *ctx) {
  int status = 0;
  for (int k = 0; k < t->n_srcs && !sh_stopping(sh); k++) {
    transfer_paths p;
    if (transfer_paths_for(sh, t, t->srcs[k], &p) < 0)
      break;
    if (one(sh, io, t, &p, ctx) != 0)
      status = 1;
    transfer_paths_clear(&p);
  }
  ctrt__free(t->dest_abs);
  return status;
}

/* Whether two existing paths name the same file (after symlinks). */
static bool same_file(sh_state *sh, const char *a, const char *b) {
  char *r1 = NULL, *r2 = NULL;
  sh_lock(sh);
  bool same = memfs_realpath(sh_fs(sh), a, &r1) == 0 && memfs_realpath(sh_fs(sh), b, &r2) == 0 && strcmp(r1, r2) == 0;
  sh_unlock(sh);
  ctrt_error_clear();
  ctrt__free(r1);
  ctrt__free(r2);
  return same;
}

typedef struct cp_ctx {
  copy_opts opts;
  bool symlinks; /* -s: make symlinks instead of copies */
} cp_ctx;

static int cp_one(sh_state *sh, sh_io *io, const transfer *t, const transfer_paths *p, const void *ctx) {
  const cp_ctx *c = ctx;
  memfs_stat sst, tst;
  int serr = sh_stat(sh, p->src_abs, !c->opts.no_deref, &sst);
  if (serr == 0 && sh_stat(sh, p->target_abs, true, &tst) == 0 && !S_ISDIR(sst.mode) &&
      same_file(sh, p->src_abs, p->target_abs)) {
    sh_err(sh, io, "'%s' and '%s' are the same file", p->src, p->target);
    return 1;
  }
  if (serr == 0 && t->into && !t->dest_dir) {
    int derr = sh_stat(sh, t->dest_abs, true, NULL);
    sh_err(sh, io, "%s '%s': %s", derr == ENOENT ? "can't create" : "can't stat", p->target,
           strerror(derr == 0 ? ENOTDIR : derr));
    return 1;
  }
  if (serr == 0 && S_ISDIR(sst.mode) && c->opts.recursive && inside(p->src_abs, p->target_abs)) {
    sh_err(sh, io, "recursion detected, omitting directory '%s'", p->target);
    return 1;
  }
  if (c->symlinks) {
    int err = sh_fs_symlink(sh, p->src, p->target_abs);
    if (err != 0)
      sh_err(sh, io, "can't create symlink '%s': %s", p->target, strerror(err));
    return err != 0;
  }
  return copy_node(sh, io, p->src_abs, p->target_abs, p->src, p->target, &c->opts, 0) != 0;
}

SH_APPLET(cp) {
  static const char *flags = "arRPdLHpfinlsTut:v";
  char *args[32] = {0};
  unsigned f;
  if (sh_getopt(sh, io, argc, argv, flags, &f, args) < 0)
    return 1;
  cp_ctx c = {0};
  c.opts.recursive = f & (sh_optbit(flags, 'a') | sh_optbit(flags, 'r') | sh_optbit(flags, 'R'));
  c.opts.preserve = f & (sh_optbit(flags, 'a') | sh_optbit(flags, 'p'));
  c.opts.keep_owner_time = c.opts.preserve;
  c.opts.no_deref = (f & (sh_optbit(flags, 'P') | sh_optbit(flags, 'd') | sh_optbit(flags, 'a'))) ||
                    (c.opts.recursive && !(f & (sh_optbit(flags, 'L') | sh_optbit(flags, 'H'))));
  c.opts.force = f & sh_optbit(flags, 'f');
  c.opts.no_clobber = f & sh_optbit(flags, 'n');
  c.symlinks = f & sh_optbit(flags, 's');
  transfer t;
  const char *t_dir = sh_optarg(flags, 't', args);
  int rc = transfer_begin(sh, io, "cp", argv, t_dir, f & sh_optbit(flags, 'T'), &t);
  return rc != 0 ? rc : transfer_run(sh, io, &t, cp_one, &c);
}

/* Why SRC cannot be renamed to its target (an errno), 0 when it can, or -1
 * when there is nothing to do. */
static int mv_check(sh_state *sh, const transfer *t, const transfer_paths *p, bool no_clobber) {
  memfs_stat sst, tst;
  int err = sh_stat(sh, p->src_abs, false, &sst);
  if (err == 0 && t->into && !t->dest_dir)
    err = sh_stat(sh, t->dest_abs, true, NULL) == 0 ? ENOTDIR : ENOENT;
  if (err == 0 && strcmp(p->src_abs, p->target_abs) == 0)
    return -1; /* onto itself */
  if (err != 0)
    return err;
  if (S_ISDIR(sst.mode) && inside(p->src_abs, p->target_abs))
    return EINVAL;
  bool target_exists = sh_stat(sh, p->target_abs, false, &tst) == 0;
  if (target_exists) {
    if (no_clobber)
      return -1;
    if (S_ISDIR(tst.mode) && !S_ISDIR(sst.mode))
      return EISDIR;
    if (!S_ISDIR(tst.mode) && S_ISDIR(sst.mode))
      return ENOTDIR;
    if (S_ISDIR(tst.mode)) {
      char **names = NULL;
      size_t cnt = 0;
      sh_lock(sh);
      if (memfs_list(sh_fs(sh), p->target_abs, &names, &cnt) == 0)
        memfs_names_free(names, cnt);
      sh_unlock(sh);
      ctrt_error_clear();
      if (cnt > 0)
        return ENOTEMPTY;
    }
  }
  err = sh_parent_writable(sh, p->src_abs);
  if (err == 0 && !target_exists)
    err = sh_parent_writable(sh, p->target_abs);
  return err;
}

static int mv_one(sh_state *sh, sh_io *io, const transfer *t, const transfer_paths *p, const void *ctx) {
  int err = mv_check(sh, t, p, *(const bool *)ctx);
  if (err < 0)
    return 0;
  if (err != 0) {
    sh_err(sh, io, "can't rename '%s': %s", p->src, strerror(err));
    return 1;
  }
  sh_lock(sh);
  int rc = memfs_rename(sh_fs(sh), p->src_abs, p->target_abs);
  sh_unlock(sh);
  if (rc < 0) {
    ctrt_error_clear();
    if (rc == CTRT_ENO_MEMORY)
      sh_oom(sh);
    sh_err(sh, io, "can't rename '%s': %s", p->src, strerror(rc == CTRT_ENOT_FOUND ? ENOENT : EINVAL));
    return 1;
  }
  return 0;
}

SH_APPLET(mv) {
  static const char *flags = "finTt:v";
  char *args[8] = {0};
  unsigned f;
  if (sh_getopt(sh, io, argc, argv, flags, &f, args) < 0)
    return 1;
  bool no_clobber = f & sh_optbit(flags, 'n');
  transfer t;
  const char *t_dir = sh_optarg(flags, 't', args);
  int rc = transfer_begin(sh, io, "mv", argv, t_dir, f & sh_optbit(flags, 'T'), &t);
  return rc != 0 ? rc : transfer_run(sh, io, &t, mv_one, &no_clobber);
}

/* ---- ln ---- */

SH_APPLET(ln) {
  static const char *flags = "sfnbtvTS:";
  char *args[16] = {0};
  unsigned f;
  if (sh_getopt_operands(sh, io, argc, argv, flags, &f, args, 1, -1) != 0)
    return 1;
  int n = sh_count_args(argv + 1);
  bool sym = f & sh_optbit(flags, 's');
  bool force = f & sh_optbit(flags, 'f');
  bool no_deref = f & sh_optbit(flags, 'n');
  const char *dest = n == 1 ? "." : argv[n];
  int ntargets = n == 1 ? 1 : n - 1;
  char *dabs = sh_abspath(sh, dest);
  if (dabs == NULL)
    return sh_oom(sh), 1;
  memfs_stat dst;
  bool dest_dir = sh_stat(sh, dabs, !no_deref, &dst) == 0 && S_ISDIR(dst.mode);
  int status = 0;
  for (int k = 0; k < ntargets; k++) {
    const char *target = argv[1 + k];
    char *lshown = dest_dir || ntargets > 1 ? sh_path_join(dest, sh_base_of(target)) : ctrt__strdup(dest);
    char *labs = lshown ? sh_abspath(sh, lshown) : NULL;
    if (labs == NULL) {
      ctrt__free(lshown);
      sh_oom(sh);
      break;
    }
    int err = 0;
    if (!sym) {
      /* a hard link */
      char *tabs = sh_abspath(sh, target);
      memfs_stat tst;
      err = tabs ? sh_stat(sh, tabs, false, &tst) : ENOMEM;
      if (err != 0) {
        sh_err(sh, io, "%s: %s", target, strerror(err));
        status = 1;
        ctrt__free(tabs);
        ctrt__free(lshown);
        ctrt__free(labs);
        continue;
      }
      if (S_ISDIR(tst.mode)) {
        sh_err(sh, io, "%s: %s", lshown, strerror(EPERM));
        status = 1;
        ctrt__free(tabs);
        ctrt__free(lshown);
        ctrt__free(labs);
        continue;
      }
      if (sh_stat(sh, labs, false, NULL) == 0) {
        if (!force) {
          sh_err(sh, io, "%s: %s", lshown, strerror(EEXIST));
          status = 1;
          ctrt__free(tabs);
          ctrt__free(lshown);
          ctrt__free(labs);
          continue;
        }
        sh_fs_remove(sh, labs, false);
      }
      sh_lock(sh);
      int rc = memfs_link(sh_fs(sh), tabs, labs);
      sh_unlock(sh);
      if (rc < 0) {
        ctrt_error_clear();
        if (rc == CTRT_ENO_MEMORY)
          sh_oom(sh);
        sh_err(sh, io, "%s: %s", lshown, strerror(rc == CTRT_ENOT_FOUND ? ENOENT : EEXIST));
        status = 1;
      }
      ctrt__free(tabs);
    } else {
      if (sh_stat(sh, labs, false, NULL) == 0) {
        if (!force)
          err = EEXIST;
        else
          sh_fs_remove(sh, labs, false);
      }
      if (err == 0)
        err = sh_parent_writable(sh, labs);
      if (err == 0)
        err = sh_fs_symlink(sh, target, labs);
      if (err != 0) {
        sh_err(sh, io, "%s: %s", lshown, strerror(err));
        status = 1;
      }
    }
    ctrt__free(lshown);
    ctrt__free(labs);
  }
  ctrt__free(dabs);
  return status;
}

/* ---- chmod ---- */

static int chmod_one(sh_state *sh, sh_io *io, const char *mode, const char *shown, const char *abs, bool recursive,
                     int depth) {
  memfs_stat st;
  int err = sh_stat(sh, abs, true, &st);
  if (err != 0) {
    sh_err(sh, io, "%s: %s", shown, strerror(err));
    return 1;
  }
  uint32_t perm;
  if (!sh_parse_mode(mode, st.mode, S_ISDIR(st.mode), sh->root->umask, &perm)) {
    sh_err(sh, io, "invalid mode '%s'", mode);
    return -1;
  }
  if (sh->root->proc->uid != 0 && sh->root->proc->uid != st.uid) {
    sh_err(sh, io, "%s: %s", shown, strerror(EPERM));
    return 1;
  }
  sh_fs_chmod(sh, abs, perm);
  int status = 0;
  if (recursive && S_ISDIR(st.mode) && depth < 256) {
    char **names = NULL;
    size_t n = 0;
    sh_lock(sh);
    int rc = memfs_list(sh_fs(sh), abs, &names, &n);
    sh_unlock(sh);
    ctrt_error_clear();
    for (size_t k = 0; rc == 0 && k < n; k++) {
      char *cabs = sh_path_join(abs, names[k]), *cshown = sh_path_join(shown, names[k]);
      memfs_stat cst;
      if (cabs && cshown && sh_stat(sh, cabs, false, &cst) == 0 && !S_ISLNK(cst.mode)) {
        int s = chmod_one(sh, io, mode, cshown, cabs, true, depth + 1);
        if (s != 0)
          status = s < 0 ? -1 : 1;
      }
      ctrt__free(cabs);
      ctrt__free(cshown);
      if (status < 0)
        break;
    }
    memfs_names_free(names, n);
  }
  return status;
}

SH_APPLET(chmod) {
  /* a mode like "-x" looks like an option: busybox accepts it as the mode */
  bool recursive = false;
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    if (strspn(argv[i] + 1, "Rcvf") != strlen(argv[i] + 1))
      break;
    if (strchr(argv[i], 'R'))
      recursive = true;
  }
  if (argc - i < 2)
    return sh_usage(sh, io, "chmod");
  const char *mode = argv[i++];
  uint32_t probe;
  if (!sh_parse_mode(mode, 0644, false, 0, &probe)) {
    sh_err(sh, io, "invalid mode '%s'", mode);
    return 1;
  }
  int status = 0;
  for (; i < argc; i++) {
    char *abs = sh_abspath(sh, argv[i]);
    if (abs == NULL)
      return sh_oom(sh), 1;
    int s = chmod_one(sh, io, mode, argv[i], abs, recursive, 0);
    ctrt__free(abs);
    if (s < 0)
      return 1;
    if (s)
      status = 1;
  }
  return status;
}
