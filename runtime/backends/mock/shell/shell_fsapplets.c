/* SPDX-License-Identifier: MIT */
/*
 * Filesystem applets on the container's memfs: ls, mkdir, rmdir, rm,
 * touch, cp, mv, ln, chmod, stat, dd, sync, readlink, realpath. Errors are
 * checked against the memfs first (stat, parent directory, permissions) so
 * messages carry the errno text busybox prints.
 */
#include "shell_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <time.h>

/* ---- helpers ---- */

static char *join(const char *dir, const char *name) {
  size_t dl = strlen(dir);
  return ctrt__sprintf("%s%s%s", dir, dl > 0 && dir[dl - 1] == '/' ? "" : "/", name);
}

static const char *base_of(const char *p) {
  size_t len = strlen(p);
  while (len > 1 && p[len - 1] == '/')
    len--;
  const char *s = p + len;
  while (s > p && s[-1] != '/')
    s--;
  return s;
}

/* memfs calls under the lock; the errno of a failure. */
static int fs_mkdir(sh_state *sh, const char *abs, uint32_t perm) {
  sh_lock(sh);
  int rc = memfs_mkdir(sh_fs(sh), abs, perm, sh->root->proc->uid, sh->root->proc->gid, false);
  sh_unlock(sh);
  if (rc < 0) {
    ctrt_error_clear();
    if (rc == CTRT_ENO_MEMORY)
      sh_oom(sh);
    return rc == CTRT_ENOT_FOUND ? ENOENT : EEXIST;
  }
  return 0;
}

static int fs_remove(sh_state *sh, const char *abs, bool recursive) {
  sh_lock(sh);
  int rc = memfs_remove(sh_fs(sh), abs, recursive);
  sh_unlock(sh);
  if (rc < 0) {
    ctrt_error_clear();
    if (rc == CTRT_ENO_MEMORY)
      sh_oom(sh);
    return rc == CTRT_ENOT_FOUND ? ENOENT : rc == CTRT_EINVALID_SPEC ? ENOTEMPTY : EINVAL;
  }
  return 0;
}

static int fs_chmod(sh_state *sh, const char *abs, uint32_t perm) {
  sh_lock(sh);
  int rc = memfs_chmod(sh_fs(sh), abs, perm);
  sh_unlock(sh);
  if (rc < 0) {
    ctrt_error_clear();
    return rc == CTRT_ENO_MEMORY ? (sh_oom(sh), ENOMEM) : ENOENT;
  }
  return 0;
}

static int fs_touch(sh_state *sh, const char *abs, ctrt_timestamp t, bool create) {
  sh_lock(sh);
  int rc = memfs_touch(sh_fs(sh), abs, t, create, sh->root->proc->uid, sh->root->proc->gid);
  sh_unlock(sh);
  if (rc < 0) {
    ctrt_error_clear();
    return rc == CTRT_ENO_MEMORY ? (sh_oom(sh), ENOMEM) : ENOENT;
  }
  return 0;
}

static int fs_symlink(sh_state *sh, const char *target, const char *abs) {
  sh_lock(sh);
  int rc = memfs_symlink(sh_fs(sh), target, abs, sh->root->proc->uid, sh->root->proc->gid);
  sh_unlock(sh);
  if (rc < 0) {
    ctrt_error_clear();
    return rc == CTRT_ENO_MEMORY ? (sh_oom(sh), ENOMEM) : rc == CTRT_ENOT_FOUND ? ENOENT : EEXIST;
  }
  return 0;
}

/* Mode text "drwxr-xr-x". */
static void mode_string(uint32_t mode, char out[11]) {
  char t = '-';
  if (S_ISDIR(mode))
    t = 'd';
  else if (S_ISLNK(mode))
    t = 'l';
  else if (S_ISCHR(mode))
    t = 'c';
  else if (S_ISBLK(mode))
    t = 'b';
  else if (S_ISFIFO(mode))
    t = 'p';
  else if (S_ISSOCK(mode))
    t = 's';
  out[0] = t;
  const char *rwx = "rwxrwxrwx";
  for (int i = 0; i < 9; i++)
    out[1 + i] = (mode & (0400u >> i)) ? rwx[i] : '-';
  if (mode & S_ISUID)
    out[3] = (mode & 0100) ? 's' : 'S';
  if (mode & S_ISGID)
    out[6] = (mode & 0010) ? 's' : 'S';
  if (mode & S_ISVTX)
    out[9] = (mode & 0001) ? 't' : 'T';
  out[10] = '\0';
}

/* ---- users and groups (names for ls and stat) ---- */

typedef struct id_names {
  char *passwd, *group; /* file contents, or NULL */
} id_names;

static char *slurp(sh_state *sh, const char *path) {
  memfs_blob *blob = NULL;
  sh_lock(sh);
  int rc = memfs_read(sh_fs(sh), path, &blob);
  sh_unlock(sh);
  if (rc < 0) {
    ctrt_error_clear();
    return NULL;
  }
  char *t = ctrt__strndup((const char *)memfs_blob_data(blob), memfs_blob_len(blob));
  memfs_blob_unref(blob);
  return t;
}

static void names_load(sh_state *sh, id_names *n) {
  n->passwd = slurp(sh, "/etc/passwd");
  n->group = slurp(sh, "/etc/group");
}

static void names_free(id_names *n) {
  ctrt__free(n->passwd);
  ctrt__free(n->group);
}

/* The name with id in a passwd/group text (field 2): into out. */
static bool name_of(const char *text, uint32_t id, char *out, size_t cap) {
  if (text == NULL)
    return false;
  for (const char *line = text; *line;) {
    const char *nl = strchr(line, '\n');
    size_t len = nl ? (size_t)(nl - line) : strlen(line);
    const char *c1 = memchr(line, ':', len);
    const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
    if (c2 != NULL) {
      char *end;
      unsigned long v = strtoul(c2 + 1, &end, 10);
      if (end != c2 + 1 && v == id && (size_t)(c1 - line) < cap) {
        memcpy(out, line, (size_t)(c1 - line));
        out[c1 - line] = '\0';
        return true;
      }
    }
    line = nl ? nl + 1 : line + len;
  }
  return false;
}

/* ---- ls ---- */

typedef struct ls_entry {
  char *name; /* as shown */
  char *path; /* for stat */
  memfs_stat st;
  bool has_st;
  unsigned nlink;
} ls_entry;

typedef struct ls_opts {
  bool all, almost, lng, one, dir, deref, recurse, classify, slash, numeric, blocks, human, reverse, by_size, by_time,
      inode, columns_x, columns_c;
  id_names names;
  time_t now;
} ls_opts;

static void entry_free(ls_entry *e) {
  ctrt__free(e->name);
  ctrt__free(e->path);
}

static uint64_t blocks_1k(const memfs_stat *st) {
  if (S_ISDIR(st->mode))
    return 4;
  if (S_ISREG(st->mode))
    return ((uint64_t)st->size + 4095) / 4096 * 4;
  return 0;
}

/* busybox's make_human_readable_str: "4.0K", "1.9M"; without fraction
 * (ls's total line) rounded to "4K". */
static void human_size(uint64_t v, bool fraction, char *out, size_t cap) {
  const char *units = " KMGTPE";
  int u = 0;
  unsigned frac = 0;
  while (v >= 1024 && u < 6) {
    frac = (unsigned)(((v % 1024) * 10 + 512) / 1024);
    v /= 1024;
    u++;
  }
  if (frac >= 10) {
    v++;
    frac = 0;
  }
  if (u == 0)
    snprintf(out, cap, "%llu", (unsigned long long)v);
  else if (!fraction)
    snprintf(out, cap, "%llu%c", (unsigned long long)(v + (frac >= 5)), units[u]);
  else
    snprintf(out, cap, "%llu.%u%c", (unsigned long long)v, frac, units[u]);
}

static void ls_sort(ls_entry *e, size_t n, const ls_opts *o) {
  /* insertion sort: stable and small inputs */
  for (size_t i = 1; i < n; i++) {
    ls_entry key = e[i];
    size_t j = i;
    while (j > 0) {
      const ls_entry *a = &e[j - 1];
      int c;
      if (o->by_size && a->st.size != key.st.size)
        c = a->st.size < key.st.size ? 1 : -1;
      else if (o->by_time && (a->st.mtime.seconds != key.st.mtime.seconds || a->st.mtime.nanos != key.st.mtime.nanos))
        c = (a->st.mtime.seconds < key.st.mtime.seconds ||
             (a->st.mtime.seconds == key.st.mtime.seconds && a->st.mtime.nanos < key.st.mtime.nanos))
                ? 1
                : -1;
      else
        c = strcmp(a->name, key.name);
      if (o->reverse)
        c = -c;
      if (c <= 0)
        break;
      e[j] = e[j - 1];
      j--;
    }
    e[j] = key;
  }
}

static void ls_print_long(sh_state *sh, sh_buf *b, const ls_entry *e, const ls_opts *o) {
  char mode[11];
  mode_string(e->st.mode, mode);
  char user[64], group[64];
  if (o->numeric || !name_of(o->names.passwd, e->st.uid, user, sizeof user))
    snprintf(user, sizeof user, "%u", e->st.uid);
  if (o->numeric || !name_of(o->names.group, e->st.gid, group, sizeof group))
    snprintf(group, sizeof group, "%u", e->st.gid);
  char size[32];
  int size_width = 9;
  if (o->human) {
    human_size((uint64_t)e->st.size, true, size, sizeof size);
    size_width = 7;
  } else
    snprintf(size, sizeof size, "%llu", (unsigned long long)e->st.size);
  time_t t = (time_t)e->st.mtime.seconds;
  struct tm tm;
  gmtime_r(&t, &tm);
  char date[32];
  time_t age = o->now - t;
  if (age < 3600L * 24 * 365 / 2 && age > -15 * 60)
    strftime(date, sizeof date, "%b %e %H:%M", &tm);
  else {
    char md[16];
    strftime(md, sizeof md, "%b %e", &tm);
    snprintf(date, sizeof date, "%s %5d", md, tm.tm_year + 1900);
  }
  sh_buf_printf(b, "%s %4u %-8s %-8s %*s %s ", mode, e->nlink, user, group, size_width, size, date);
  (void)sh;
}

static void ls_print_entry(sh_state *sh, sh_buf *b, const ls_entry *e, const ls_opts *o) {
  if (o->inode)
    sh_buf_printf(b, "%8llu ", (unsigned long long)e->st.ino);
  if (o->blocks)
    sh_buf_printf(b, "%6llu ", (unsigned long long)blocks_1k(&e->st));
  if (o->lng)
    ls_print_long(sh, b, e, o);
  sh_buf_adds(b, e->name);
  if (o->classify || o->slash) {
    if (S_ISDIR(e->st.mode))
      sh_buf_addc(b, '/');
    else if (o->classify && S_ISLNK(e->st.mode))
      sh_buf_addc(b, '@');
    else if (o->classify && S_ISREG(e->st.mode) && (e->st.mode & 0111))
      sh_buf_addc(b, '*');
  }
  if (o->lng && S_ISLNK(e->st.mode))
    sh_buf_printf(b, " -> %s", e->st.link_target);
}

/* Names in columns (-C, -x) for an 80-column terminal. */
static void ls_columns(sh_state *sh, sh_buf *b, ls_entry *e, size_t n, const ls_opts *o) {
  size_t width = 0;
  sh_buf tmp = {0};
  char **shown = ctrt__calloc(n + 1, sizeof *shown);
  if (shown == NULL) {
    sh_oom(sh);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    tmp.len = 0;
    ls_print_entry(sh, &tmp, &e[i], o);
    shown[i] = ctrt__strndup(tmp.data ? tmp.data : "", tmp.len);
    size_t len = strlen(e[i].name);
    if (len > width)
      width = len;
  }
  /* busybox: the longest name, 2 spaces, room for -s and -i */
  width += 2 + (o->blocks ? 5 : 0) + (o->inode ? 8 : 0);
  sh_buf_free(&tmp);
  /* busybox: an 80-column terminal minus one */
  size_t ncols = 79 / width;
  if (ncols < 1)
    ncols = 1;
  size_t nrows = (n + ncols - 1) / ncols;
  for (size_t r = 0; r < nrows; r++) {
    for (size_t c = 0; c < ncols; c++) {
      size_t i = o->columns_x ? r * ncols + c : c * nrows + r;
      if (i >= n)
        continue;
      size_t next = o->columns_x ? i + 1 : i + nrows;
      bool last = c + 1 == ncols || next >= n;
      if (last)
        sh_buf_adds(b, shown[i] ? shown[i] : "");
      else
        sh_buf_printf(b, "%-*s", (int)width, shown[i] ? shown[i] : "");
    }
    sh_buf_addc(b, '\n');
  }
  for (size_t i = 0; i < n; i++)
    ctrt__free(shown[i]);
  ctrt__free(shown);
}

static void ls_print_list(sh_state *sh, sh_buf *b, ls_entry *e, size_t n, const ls_opts *o) {
  if ((o->columns_x || o->columns_c) && !o->lng && !o->one) {
    ls_columns(sh, b, e, n, o);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    ls_print_entry(sh, b, &e[i], o);
    sh_buf_addc(b, '\n');
  }
}

static bool ls_fill(sh_state *sh, ls_entry *e, bool follow) {
  int err = sh_stat(sh, e->path, follow, &e->st);
  if (err != 0 && follow)
    err = sh_stat(sh, e->path, false, &e->st); /* a dangling link shows as itself */
  if (err != 0)
    return false;
  e->has_st = true;
  e->nlink = e->st.nlink;
  return true;
}

static int ls_dir(sh_state *sh, sh_io *io, const char *shown, const char *abs, const ls_opts *o, sh_buf *b, bool header,
                  bool *first_out);

static int ls_dir(sh_state *sh, sh_io *io, const char *shown, const char *abs, const ls_opts *o, sh_buf *b, bool header,
                  bool *first_out) {
  memfs_stat dst;
  bool readable = sh_stat(sh, abs, true, &dst) == 0 && sh_may(sh, &dst, 4);
  bool searchable = readable && sh_may(sh, &dst, 1);
  if (!readable) {
    if (header) {
      if (!*first_out)
        sh_buf_addc(b, '\n');
      sh_buf_printf(b, "%s:\n", shown);
    }
    *first_out = false;
    sh_err(sh, io, "can't open '%s': %s", shown, strerror(EACCES));
    if (o->lng || o->blocks)
      sh_buf_adds(b, "total 0\n");
    return 1;
  }
  char **names = NULL;
  size_t n = 0;
  sh_lock(sh);
  int rc = memfs_list(sh_fs(sh), abs, &names, &n);
  sh_unlock(sh);
  if (rc < 0) {
    ctrt_error_clear();
    if (rc == CTRT_ENO_MEMORY)
      return sh_oom(sh), 2;
    return 0;
  }
  ls_entry *e = ctrt__calloc(n + 2, sizeof *e);
  if (e == NULL) {
    memfs_names_free(names, n);
    return sh_oom(sh), 2;
  }
  size_t m = 0;
  if (o->all) {
    const char *dots[] = {".", ".."};
    for (int k = 0; k < 2; k++) {
      e[m].name = ctrt__strdup(dots[k]);
      e[m].path = join(abs, dots[k]);
      char *clean = e[m].path ? sh_abspath(sh, e[m].path) : NULL;
      ctrt__free(e[m].path);
      e[m].path = clean;
      if (e[m].name && e[m].path)
        ls_fill(sh, &e[m], true);
      m++;
    }
  }
  int status = 0;
  for (size_t k = 0; k < n; k++) {
    if (names[k][0] == '.' && !o->all && !o->almost)
      continue;
    if (!searchable) {
      /* names without x on the directory, but no stat */
      char *p = join(shown, names[k]);
      sh_err(sh, io, "%s: %s", p ? p : names[k], strerror(EACCES));
      ctrt__free(p);
      status = 1;
      continue;
    }
    e[m].name = ctrt__strdup(names[k]);
    e[m].path = join(abs, names[k]);
    if (e[m].name && e[m].path)
      ls_fill(sh, &e[m], o->deref);
    m++;
  }
  memfs_names_free(names, n);
  ls_sort(e + (o->all ? 2 : 0), m - (o->all ? 2 : 0), o);
  if (header) {
    if (!*first_out)
      sh_buf_addc(b, '\n');
    sh_buf_printf(b, "%s:\n", shown);
  }
  *first_out = false;
  if (o->lng || o->blocks) {
    uint64_t total = 0;
    for (size_t k = 0; k < m; k++)
      total += blocks_1k(&e[k].st);
    if (o->human) {
      char t[32];
      human_size(total * 1024, false, t, sizeof t);
      sh_buf_printf(b, "total %-7s\n", t);
    } else
      sh_buf_printf(b, "total %llu\n", (unsigned long long)total);
  }
  ls_print_list(sh, b, e, m, o);
  if (b->len > 65536) {
    sh_write(sh, io, 1, b->data, b->len);
    b->len = 0;
  }
  if (o->recurse) {
    for (size_t k = 0; k < m && !sh_stopping(sh); k++) {
      if (!e[k].has_st || !S_ISDIR(e[k].st.mode) || strcmp(e[k].name, ".") == 0 || strcmp(e[k].name, "..") == 0)
        continue;
      char *child_shown = join(shown, e[k].name);
      if (child_shown == NULL) {
        sh_oom(sh);
        break;
      }
      int s = ls_dir(sh, io, child_shown, e[k].path, o, b, true, first_out);
      if (s > status)
        status = s;
      ctrt__free(child_shown);
    }
  }
  for (size_t k = 0; k < m; k++)
    entry_free(&e[k]);
  ctrt__free(e);
  return status;
}

SH_APPLET(ls) {
  static const char *flags = "1aAlLdRFpnshrStixCHcueT:w:";
  char *args[32] = {0};
  unsigned f;
  /* long options busybox knows */
  for (int i = 1; i < argc; i++)
    if (strncmp(argv[i], "--color", 7) == 0 || strcmp(argv[i], "--group-directories-first") == 0 ||
        strcmp(argv[i], "--full-time") == 0)
      argv[i] = "-1";
  if (sh_getopt(sh, io, argc, argv, flags, &f, args) < 0)
    return 1;
  ls_opts o = {0};
  o.one = f & sh_optbit(flags, '1');
  o.all = f & sh_optbit(flags, 'a');
  o.almost = f & sh_optbit(flags, 'A');
  o.lng = f & (sh_optbit(flags, 'l') | sh_optbit(flags, 'n'));
  o.deref = f & sh_optbit(flags, 'L');
  o.dir = f & sh_optbit(flags, 'd');
  o.recurse = (f & sh_optbit(flags, 'R')) && !o.dir;
  o.classify = f & sh_optbit(flags, 'F');
  o.slash = f & sh_optbit(flags, 'p');
  o.numeric = f & sh_optbit(flags, 'n');
  o.blocks = f & sh_optbit(flags, 's');
  o.human = f & sh_optbit(flags, 'h');
  o.reverse = f & sh_optbit(flags, 'r');
  o.by_size = f & sh_optbit(flags, 'S');
  o.by_time = f & sh_optbit(flags, 't');
  o.inode = f & sh_optbit(flags, 'i');
  o.columns_x = f & sh_optbit(flags, 'x');
  o.columns_c = f & sh_optbit(flags, 'C');
  o.now = (time_t)ctrt__timestamp_now().seconds;
  names_load(sh, &o.names);
  char *dot[] = {".", NULL};
  char **ops = argv[1] ? argv + 1 : dot;
  int nops = sh_count_args(ops);
  /* command-line symlinks are followed unless the link itself is shown */
  bool follow_args = o.deref || (f & sh_optbit(flags, 'H')) || (!o.lng && !o.dir && !o.classify);
  ls_entry *files = ctrt__calloc((size_t)nops + 1, sizeof *files);
  ls_entry *dirs = ctrt__calloc((size_t)nops + 1, sizeof *dirs);
  sh_buf b = {0};
  int status = 0;
  size_t nf = 0, nd = 0;
  if (files == NULL || dirs == NULL) {
    ctrt__free(files);
    ctrt__free(dirs);
    names_free(&o.names);
    return sh_oom(sh), 2;
  }
  for (int k = 0; k < nops; k++) {
    ls_entry e = {0};
    e.name = ctrt__strdup(ops[k]);
    e.path = sh_abspath(sh, ops[k]);
    if (e.name == NULL || e.path == NULL) {
      entry_free(&e);
      sh_oom(sh);
      break;
    }
    /* "NAME/" must be a directory (through a symlink) */
    size_t ol = strlen(ops[k]);
    bool slash = ol > 1 && ops[k][ol - 1] == '/';
    int err = sh_stat(sh, e.path, follow_args || slash, &e.st);
    if (err == 0 && slash && !S_ISDIR(e.st.mode))
      err = ENOTDIR;
    if (err != 0 && !slash) {
      /* a dangling link: ls shows it with -l, else it is missing */
      memfs_stat lst;
      if (o.lng && sh_stat(sh, e.path, false, &lst) == 0) {
        e.st = lst;
        err = 0;
      }
    }
    if (err != 0) {
      sh_err(sh, io, "%s: %s", ops[k], strerror(err));
      status = 1;
      entry_free(&e);
      continue;
    }
    e.has_st = true;
    e.nlink = e.st.nlink;
    if (S_ISDIR(e.st.mode) && !o.dir)
      dirs[nd++] = e;
    else
      files[nf++] = e;
  }
  ls_sort(files, nf, &o);
  ls_sort(dirs, nd, &o);
  ls_print_list(sh, &b, files, nf, &o);
  bool first_out = nf == 0;
  bool headers = nf > 0 || nd > 1 || o.recurse;
  for (size_t k = 0; k < nd && !sh_stopping(sh); k++) {
    int s = ls_dir(sh, io, dirs[k].name, dirs[k].path, &o, &b, headers, &first_out);
    if (s > status)
      status = s;
  }
  /* busybox's ls does not notice a failed write */
  if (b.len > 0)
    sh_write(sh, io, 1, b.data, b.len);
  sh_buf_free(&b);
  for (size_t k = 0; k < nf; k++)
    entry_free(&files[k]);
  for (size_t k = 0; k < nd; k++)
    entry_free(&dirs[k]);
  ctrt__free(files);
  ctrt__free(dirs);
  names_free(&o.names);
  return status;
}

/* ---- modes ---- */

/* Apply "755" or "u+x,g-w,o=r,a+X" to mode; false when invalid. */
static bool parse_mode(const char *s, uint32_t mode, bool is_dir, uint32_t umask_bits, uint32_t *out) {
  if (*s >= '0' && *s <= '7') {
    uint32_t v = 0;
    for (const char *p = s; *p; p++) {
      if (*p < '0' || *p > '7' || v > 07777)
        return false;
      v = v * 8 + (uint32_t)(*p - '0');
    }
    if (v > 07777)
      return false;
    *out = v;
    return true;
  }
  uint32_t m = mode & 07777;
  const char *p = s;
  while (*p) {
    uint32_t who = 0;
    for (; *p && strchr("ugoa", *p); p++)
      who |= *p == 'u' ? 04700 : *p == 'g' ? 02070 : *p == 'o' ? 01007 : 07777;
    bool explicit_who = who != 0;
    if (!explicit_who)
      who = 07777;
    if (*p == '\0')
      return false;
    while (*p && strchr("+-=", *p)) {
      char op = *p++;
      uint32_t bits = 0;
      for (; *p && strchr("rwxXstugo", *p); p++) {
        switch (*p) {
        case 'r':
          bits |= 0444;
          break;
        case 'w':
          bits |= 0222;
          break;
        case 'x':
          bits |= 0111;
          break;
        case 'X':
          if (is_dir || (m & 0111))
            bits |= 0111;
          break;
        case 's':
          bits |= 06000;
          break;
        case 't':
          bits |= 01000;
          break;
        case 'u':
          bits |= ((m >> 6) & 7) * 0111;
          break;
        case 'g':
          bits |= ((m >> 3) & 7) * 0111;
          break;
        case 'o':
          bits |= (m & 7) * 0111;
          break;
        }
      }
      uint32_t mask = who;
      if (!explicit_who)
        bits &= ~umask_bits | 07000;
      if (op == '+')
        m |= bits & mask;
      else if (op == '-')
        m &= ~(bits & mask);
      else {
        m &= ~(mask & 0777);
        if (explicit_who)
          m &= ~(mask & 07000);
        m |= bits & mask;
      }
    }
    if (*p == ',')
      p++;
    else if (*p != '\0')
      return false;
  }
  *out = m;
  return true;
}

/* ---- mkdir, rmdir ---- */

SH_APPLET(mkdir) {
  static const char *flags = "m:pv";
  char *args[4] = {0};
  unsigned f;
  if (sh_getopt(sh, io, argc, argv, flags, &f, args) < 0)
    return 1;
  if (argv[1] == NULL)
    return sh_usage(sh, io, "mkdir");
  bool parents = f & sh_optbit(flags, 'p');
  uint32_t perm = 0777 & ~sh->root->umask;
  bool explicit_mode = false;
  const char *mode = sh_optarg(flags, 'm', args);
  if (mode != NULL) {
    if (!parse_mode(mode, 0777, true, 0, &perm)) {
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
            err = fs_mkdir(sh, pabs, i == len ? perm : 0777 & ~sh->root->umask);
          if (err == 0 && i == len && explicit_mode)
            fs_chmod(sh, pabs, perm);
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
        err = fs_mkdir(sh, abs, perm);
      if (err == 0 && explicit_mode)
        fs_chmod(sh, abs, perm);
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
  if (sh_getopt(sh, io, argc, argv, flags, &f, NULL) < 0)
    return 1;
  if (argv[1] == NULL)
    return sh_usage(sh, io, "rmdir");
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
        err = fs_remove(sh, abs, false);
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
      char *cabs = join(abs, names[k]), *cshown = join(shown, names[k]);
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
    err = fs_remove(sh, abs, true);
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
    const char *b = base_of(name);
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
        err = fs_remove(sh, abs, false);
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
    memcpy(digits, s, n);
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
  if (sh_getopt(sh, io, argc, argv, flags, &f, args) < 0)
    return 1;
  if (argv[1] == NULL)
    return sh_usage(sh, io, "touch");
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
      err = fs_touch(sh, abs, when, create);
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
      fs_remove(sh, dst, false);
    }
    err = fs_symlink(sh, st.link_target, dst);
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
        err = fs_mkdir(sh, dst, o->preserve ? st.mode & 07777 : (st.mode & 07777 & ~sh->root->umask) | 0700);
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
      char *s2 = join(src, names[k]), *d2 = join(dst, names[k]);
      char *ss = join(src_shown, names[k]), *ds = join(dst_shown, names[k]);
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
      fs_chmod(sh, dst, st.mode & 07777);
    if (o->preserve || o->keep_owner_time)
      fs_touch(sh, dst, st.mtime, false);
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
    fs_remove(sh, dst, false);
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
    fs_chmod(sh, dst, st.mode & 07777);
  if (o->preserve || o->keep_owner_time)
    fs_touch(sh, dst, st.mtime, false);
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
  p->target = t->into ? join(t->dest, base_of(src)) : ctrt__strdup(t->dest);
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
    int err = fs_symlink(sh, p->src, p->target_abs);
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
  if (sh_getopt(sh, io, argc, argv, flags, &f, args) < 0)
    return 1;
  int n = sh_count_args(argv + 1);
  if (n < 1)
    return sh_usage(sh, io, "ln");
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
    char *lshown = dest_dir || ntargets > 1 ? join(dest, base_of(target)) : ctrt__strdup(dest);
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
        fs_remove(sh, labs, false);
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
          fs_remove(sh, labs, false);
      }
      if (err == 0)
        err = sh_parent_writable(sh, labs);
      if (err == 0)
        err = fs_symlink(sh, target, labs);
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
  if (!parse_mode(mode, st.mode, S_ISDIR(st.mode), sh->root->umask, &perm)) {
    sh_err(sh, io, "invalid mode '%s'", mode);
    return -1;
  }
  if (sh->root->proc->uid != 0 && sh->root->proc->uid != st.uid) {
    sh_err(sh, io, "%s: %s", shown, strerror(EPERM));
    return 1;
  }
  fs_chmod(sh, abs, perm);
  int status = 0;
  if (recursive && S_ISDIR(st.mode) && depth < 256) {
    char **names = NULL;
    size_t n = 0;
    sh_lock(sh);
    int rc = memfs_list(sh_fs(sh), abs, &names, &n);
    sh_unlock(sh);
    ctrt_error_clear();
    for (size_t k = 0; rc == 0 && k < n; k++) {
      char *cabs = join(abs, names[k]), *cshown = join(shown, names[k]);
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
  if (!parse_mode(mode, 0644, false, 0, &probe)) {
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

/* ---- stat ---- */

static void stat_time(char *out, size_t cap, ctrt_timestamp t) {
  time_t s = (time_t)t.seconds;
  struct tm tm;
  gmtime_r(&s, &tm);
  char d[32];
  strftime(d, sizeof d, "%Y-%m-%d %H:%M:%S", &tm);
  snprintf(out, cap, "%s.%09d +0000", d, (int)t.nanos);
}

static const char *file_type(uint32_t mode) {
  if (S_ISDIR(mode))
    return "directory";
  if (S_ISLNK(mode))
    return "symbolic link";
  if (S_ISCHR(mode))
    return "character special file";
  if (S_ISBLK(mode))
    return "block special file";
  if (S_ISFIFO(mode))
    return "fifo";
  if (S_ISSOCK(mode))
    return "socket";
  return "regular file";
}

SH_APPLET(stat) {
  static const char *flags = "c:fLt";
  char *args[8] = {0};
  unsigned f;
  if (sh_getopt(sh, io, argc, argv, flags, &f, args) < 0)
    return 1;
  if (argv[1] == NULL)
    return sh_usage(sh, io, "stat");
  bool follow = f & sh_optbit(flags, 'L');
  const char *fmt = sh_optarg(flags, 'c', args);
  id_names names;
  names_load(sh, &names);
  sh_buf b = {0};
  int status = 0;
  for (int k = 1; argv[k] != NULL; k++) {
    char *abs = sh_abspath(sh, argv[k]);
    if (abs == NULL) {
      sh_oom(sh);
      break;
    }
    memfs_stat st;
    int err = sh_stat(sh, abs, follow, &st);
    if (err != 0) {
      if (b.len) {
        sh_write(sh, io, 1, b.data, b.len);
        b.len = 0;
      }
      sh_err(sh, io, "can't stat '%s': %s", argv[k], strerror(err));
      status = 1;
      ctrt__free(abs);
      continue;
    }
    unsigned nlink = st.nlink;
    uint64_t blocks = blocks_1k(&st) * 2;
    char user[64], group[64], mode[11];
    if (!name_of(names.passwd, st.uid, user, sizeof user))
      snprintf(user, sizeof user, "UNKNOWN");
    if (!name_of(names.group, st.gid, group, sizeof group))
      snprintf(group, sizeof group, "UNKNOWN");
    mode_string(st.mode, mode);
    char tbuf[64];
    if (fmt != NULL) {
      for (const char *p = fmt; *p; p++) {
        if (*p != '%' || p[1] == '\0') {
          sh_buf_addc(&b, *p);
          continue;
        }
        p++;
        switch (*p) {
        case '%':
          sh_buf_addc(&b, '%');
          break;
        case 's':
          sh_buf_printf(&b, "%lld", (long long)st.size);
          break;
        case 'a':
          sh_buf_printf(&b, "%o", st.mode & 07777);
          break;
        case 'A':
          sh_buf_adds(&b, mode);
          break;
        case 'f':
          sh_buf_printf(&b, "%x", st.mode);
          break;
        case 'F':
          sh_buf_adds(&b, file_type(st.mode));
          break;
        case 'n':
          sh_buf_adds(&b, argv[k]);
          break;
        case 'N':
          if (S_ISLNK(st.mode))
            sh_buf_printf(&b, "'%s' -> '%s'", argv[k], st.link_target);
          else
            sh_buf_printf(&b, "'%s'", argv[k]);
          break;
        case 'u':
          sh_buf_printf(&b, "%u", st.uid);
          break;
        case 'g':
          sh_buf_printf(&b, "%u", st.gid);
          break;
        case 'U':
          sh_buf_adds(&b, user);
          break;
        case 'G':
          sh_buf_adds(&b, group);
          break;
        case 'h':
          sh_buf_printf(&b, "%u", nlink);
          break;
        case 'b':
          sh_buf_printf(&b, "%llu", (unsigned long long)blocks);
          break;
        case 'B':
          sh_buf_adds(&b, "512");
          break;
        case 'o':
          sh_buf_adds(&b, "4096");
          break;
        case 'i':
          sh_buf_printf(&b, "%llu", (unsigned long long)st.ino);
          break;
        case 'd':
          sh_buf_adds(&b, "65024");
          break;
        case 'D':
          sh_buf_adds(&b, "fe00");
          break;
        case 't':
        case 'T':
          sh_buf_adds(&b, "0");
          break;
        case 'x':
        case 'y':
        case 'z':
          stat_time(tbuf, sizeof tbuf, st.mtime);
          sh_buf_adds(&b, tbuf);
          break;
        case 'X':
        case 'Y':
        case 'Z':
          sh_buf_printf(&b, "%lld", (long long)st.mtime.seconds);
          break;
        case 'm':
          sh_buf_adds(&b, "/");
          break;
        default:
          sh_buf_addc(&b, *p);
          break;
        }
      }
      sh_buf_addc(&b, '\n');
    } else if (f & sh_optbit(flags, 't')) {
      sh_buf_printf(&b, "%s %lld %llu %x %u %u fe00 %llu %u 0 0 %lld %lld %lld 4096\n", argv[k], (long long)st.size,
                    (unsigned long long)blocks, st.mode, st.uid, st.gid, (unsigned long long)st.ino, nlink,
                    (long long)st.mtime.seconds, (long long)st.mtime.seconds, (long long)st.mtime.seconds);
    } else {
      stat_time(tbuf, sizeof tbuf, st.mtime);
      if (S_ISLNK(st.mode))
        sh_buf_printf(&b, "  File: '%s' -> '%s'\n", argv[k], st.link_target);
      else
        sh_buf_printf(&b, "  File: %s\n", argv[k]);
      sh_buf_printf(&b, "  Size: %-10lld\tBlocks: %-10llu IO Block: 4096   %s\n", (long long)st.size,
                    (unsigned long long)blocks, file_type(st.mode));
      sh_buf_printf(&b, "Device: fe00h/65024d\tInode: %-10llu  Links: %u\n", (unsigned long long)st.ino, nlink);
      sh_buf_printf(&b, "Access: (%04o/%s)  Uid: (%5u/%8s)   Gid: (%5u/%8s)\n", st.mode & 07777, mode, st.uid, user,
                    st.gid, group);
      sh_buf_printf(&b, "Access: %s\nModify: %s\nChange: %s\n", tbuf, tbuf, tbuf);
    }
    ctrt__free(abs);
  }
  if (b.len > 0 && sh_write(sh, io, 1, b.data, b.len) < 0 && status == 0)
    status = 1;
  sh_buf_free(&b);
  names_free(&names);
  return status;
}

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

SH_APPLET(dd) {
  const char *in_name = NULL, *out_name = NULL;
  uint64_t ibs = 512, obs = 512, count = UINT64_MAX, skip = 0, seek = 0;
  bool notrunc = false, sync_pad = false, status_none = false, skip_bytes = false, count_bytes = false,
       seek_bytes = false, append = false, fullblock = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *eq = strchr(a, '=');
    if (eq == NULL)
      return sh_usage(sh, io, "dd");
    size_t kl = (size_t)(eq - a);
    const char *v = eq + 1;
#define KEY(k) (kl == strlen(k) && strncmp(a, k, kl) == 0)
    uint64_t num = 0;
    bool numeric = KEY("bs") || KEY("ibs") || KEY("obs") || KEY("count") || KEY("skip") || KEY("seek");
    if (numeric && !dd_number(v, &num)) {
      sh_err(sh, io, "invalid number '%s'", v);
      return 1;
    }
    if (KEY("if"))
      in_name = v;
    else if (KEY("of"))
      out_name = v;
    else if (KEY("bs"))
      ibs = obs = num;
    else if (KEY("ibs"))
      ibs = num;
    else if (KEY("obs"))
      obs = num;
    else if (KEY("count"))
      count = num;
    else if (KEY("skip"))
      skip = num;
    else if (KEY("seek"))
      seek = num;
    else if (KEY("conv") || KEY("iflag") || KEY("oflag") || KEY("status")) {
      char *list = ctrt__strdup(v);
      if (list == NULL)
        return sh_oom(sh), 1;
      for (char *save = NULL, *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        bool ok = true;
        if (KEY("conv"))
          ok = strcmp(w, "notrunc") == 0 ? (notrunc = true)
               : strcmp(w, "sync") == 0
                   ? (sync_pad = true)
                   : (strcmp(w, "noerror") == 0 || strcmp(w, "fsync") == 0 || strcmp(w, "swab") == 0);
        else if (KEY("iflag"))
          ok = strcmp(w, "skip_bytes") == 0    ? (skip_bytes = true)
               : strcmp(w, "count_bytes") == 0 ? (count_bytes = true)
               : strcmp(w, "fullblock") == 0   ? (fullblock = true)
                                               : strcmp(w, "direct") == 0;
        else if (KEY("oflag"))
          ok = strcmp(w, "seek_bytes") == 0 ? (seek_bytes = true)
               : strcmp(w, "append") == 0   ? (append = true)
                                            : strcmp(w, "direct") == 0;
        else
          ok = strcmp(w, "none") == 0 ? (status_none = true) : strcmp(w, "noxfer") == 0;
        if (!ok) {
          sh_err(sh, io, "invalid argument '%s' to '%.*s'", w, (int)kl, a);
          ctrt__free(list);
          return 1;
        }
      }
      ctrt__free(list);
    } else {
      return sh_usage(sh, io, "dd");
    }
#undef KEY
  }
  if (ibs == 0 || obs == 0) {
    sh_err(sh, io, "invalid number '0'");
    return 1;
  }
  sh_stream *in = NULL;
  int err;
  if (in_name != NULL) {
    if (sh_open_input(sh, io, in_name, &in, &err) < 0) {
      sh_err(sh, io, "can't open '%s': %s", in_name, strerror(err));
      return 1;
    }
  } else {
    in = sh_stream_ref(io->fd[0]);
  }
  /* output: stdout, or a file assembled around what it already holds */
  sh_buf file = {0};
  uint64_t out_pos = 0;
  char *out_abs = NULL;
  if (out_name != NULL) {
    out_abs = sh_abspath(sh, out_name);
    sh_stream *probe = NULL;
    if (out_abs == NULL || sh_open_output(sh, io, out_name, true, &probe, &err) < 0) {
      if (out_abs != NULL)
        sh_err(sh, io, "can't open '%s': %s", out_name, strerror(err));
      sh_stream_unref(sh->root, in);
      ctrt__free(out_abs);
      return 1;
    }
    bool is_file = probe->kind == SH_S_FILE_OUT;
    sh_stream_unref(sh->root, probe);
    if (!is_file) {
      ctrt__free(out_abs);
      out_abs = NULL;
    } else {
      int e2;
      sh_read_all(sh, io, out_name, &file, &e2);
      out_pos = seek * (seek_bytes ? 1 : obs);
      if (append)
        out_pos = file.len;
      if (!notrunc && !append && file.len > out_pos)
        file.len = (size_t)out_pos;
    }
  }
  uint64_t in_full = 0, in_part = 0, out_full = 0, out_part = 0;
  sh_buf pending = {0};
  /* the file is assembled here: past the memfs's largest file it fails as
   * a full disk would, before growing (busybox: "error writing 'F': No
   * space left on device", the record counts, status 1) */
  sh_lock(sh);
  uint64_t max_file = memfs_max_file(sh_fs(sh));
  sh_unlock(sh);
  bool full = false;
  char *block = NULL;
  int status = 0;
  /* A block larger than the largest file the container may hold is refused
   * before it is allocated, the way busybox's allocation fails where memory
   * is short: the mock's memory is its embedder's. */
  if (max_file != 0 && (ibs > max_file || obs > max_file)) {
    sh_err(sh, io, "memory exhausted");
    status = 1;
    goto end;
  }
  block = ctrt__malloc((size_t)ibs);
  if (block == NULL) {
    sh_oom(sh);
    status = 1;
    goto end;
  }
  /* skip input */
  uint64_t to_skip = skip * (skip_bytes ? 1 : ibs);
  while (to_skip > 0 && !sh_stopping(sh)) {
    size_t got;
    int rc = sh_stream_read(sh, in, block, to_skip < ibs ? (size_t)to_skip : (size_t)ibs, &got, &err);
    if (rc != 0)
      break;
    to_skip -= got;
  }
  uint64_t copied = 0;
  uint64_t limit = count == UINT64_MAX ? UINT64_MAX : count * (count_bytes ? 1 : ibs);
  bool eof = false;
  while (!eof && copied < limit && !sh_stopping(sh)) {
    size_t want = (size_t)ibs;
    if (limit - copied < want)
      want = (size_t)(limit - copied);
    size_t got = 0;
    while (got < want) {
      size_t n;
      int rc = sh_stream_read(sh, in, block + got, want - got, &n, &err);
      if (rc == -1) {
        sh_err(sh, io, "%s: %s", in_name ? in_name : "standard input", strerror(err));
        status = 1;
        eof = true;
        break;
      }
      if (rc != 0) {
        eof = true;
        break;
      }
      got += n;
      if (!fullblock)
        break;
    }
    if (got == 0)
      break;
    copied += got;
    if (got == ibs)
      in_full++;
    else
      in_part++;
    if (sync_pad && got < ibs) {
      memset(block + got, 0, (size_t)ibs - got);
      got = (size_t)ibs;
    }
    if (sh_buf_add(&pending, block, got) < 0) {
      sh_oom(sh);
      break;
    }
    /* write whole output blocks (with bs=, each input block as it came) */
    while (pending.len > 0 && (pending.len >= obs || ibs == obs)) {
      size_t n = pending.len >= obs ? (size_t)obs : pending.len;
      if (out_abs != NULL) {
        if (max_file != 0 && out_pos + n > max_file) {
          full = true;
          status = 1;
          eof = true;
          break;
        }
        if (!zero_extend(&file, (size_t)(out_pos + n))) {
          sh_oom(sh);
          break;
        }
        memcpy(file.data + out_pos, pending.data, n);
        out_pos += n;
      } else if (sh_write(sh, io, 1, pending.data, n) < 0) {
        status = 1;
        eof = true;
        break;
      }
      if (n == obs)
        out_full++;
      else
        out_part++;
      memmove(pending.data, pending.data + n, pending.len - n);
      pending.len -= n;
    }
    if (sh_poll(sh))
      break;
  }
  if (pending.len > 0 && !full && !sh_stopping(sh)) {
    if (out_abs != NULL && max_file != 0 && out_pos + pending.len > max_file) {
      full = true;
      status = 1;
    } else if (out_abs != NULL) {
      if (!zero_extend(&file, (size_t)(out_pos + pending.len)))
        sh_oom(sh);
      else
        memcpy(file.data + out_pos, pending.data, pending.len);
      out_pos += pending.len;
    } else if (sh_write(sh, io, 1, pending.data, pending.len) < 0) {
      status = 1;
    }
    out_part++;
  }
  if (full)
    sh_err(sh, io, "error writing '%s': %s", out_name, strerror(ENOSPC));
  if (out_abs != NULL) {
    /* zero-filled gap when seeking past the end */
    if (max_file != 0 && out_pos > max_file) {
      if (!full)
        sh_err(sh, io, "error writing '%s': %s", out_name, strerror(ENOSPC));
      full = true;
      status = 1;
      out_pos = file.len;
    }
    if (!zero_extend(&file, (size_t)out_pos))
      sh_oom(sh);
    sh_lock(sh);
    int rc = memfs_write(sh_fs(sh), out_abs, file.data ? file.data : "", file.len, 0666 & ~sh->root->umask,
                         sh->root->proc->uid, sh->root->proc->gid, false);
    sh_unlock(sh);
    if (rc < 0) {
      bool no_space = memfs_full();
      ctrt_error_clear();
      if (no_space)
        sh_err(sh, io, "error writing '%s': %s", out_name, strerror(ENOSPC));
      else
        sh_err(sh, io, "%s: %s", out_name, strerror(ENOENT));
      status = 1;
    }
  }
  if (!status_none && !sh_stopping(sh))
    sh_printf(sh, io, 2, "%llu+%llu records in\n%llu+%llu records out\n", (unsigned long long)in_full,
              (unsigned long long)in_part, (unsigned long long)out_full, (unsigned long long)out_part);
end:
  ctrt__free(block);
  sh_buf_free(&pending);
  sh_buf_free(&file);
  ctrt__free(out_abs);
  sh_stream_unref(sh->root, in);
  return status;
}

/* ---- sync, readlink, realpath ---- */

SH_APPLET(sync) {
  (void)io;
  (void)argc;
  (void)argv;
  sh_flush_files(sh->root);
  return 0;
}

SH_APPLET(readlink) {
  static const char *flags = "fnve";
  unsigned f;
  if (sh_getopt(sh, io, argc, argv, flags, &f, NULL) < 0)
    return 1;
  if (argv[1] == NULL || argv[2] != NULL)
    return sh_usage(sh, io, "readlink");
  char *abs = sh_abspath(sh, argv[1]);
  if (abs == NULL)
    return sh_oom(sh), 1;
  const char *nl = (f & sh_optbit(flags, 'n')) ? "" : "\n";
  int status = 1;
  if (f & (sh_optbit(flags, 'f') | sh_optbit(flags, 'e'))) {
    char *real = NULL;
    sh_lock(sh);
    int rc = memfs_realpath(sh_fs(sh), abs, &real);
    sh_unlock(sh);
    ctrt_error_clear();
    if (rc == 0) {
      status = sh_printf(sh, io, 1, "%s%s", real, nl) < 0;
    } else if (f & sh_optbit(flags, 'f')) {
      /* -f: the last component may be missing */
      char *dir = ctrt__strdup(abs);
      char *slash = dir ? strrchr(dir, '/') : NULL;
      if (slash != NULL) {
        *slash = '\0';
        sh_lock(sh);
        rc = memfs_realpath(sh_fs(sh), dir[0] ? dir : "/", &real);
        sh_unlock(sh);
        ctrt_error_clear();
        if (rc == 0)
          status = sh_printf(sh, io, 1, "%s%s%s%s", real, strcmp(real, "/") ? "/" : "", slash + 1, nl) < 0;
      }
      ctrt__free(dir);
    }
    ctrt__free(real);
  } else {
    memfs_stat st;
    if (sh_stat(sh, abs, false, &st) == 0 && S_ISLNK(st.mode))
      status = sh_printf(sh, io, 1, "%s%s", st.link_target, nl) < 0;
  }
  ctrt__free(abs);
  return status;
}

SH_APPLET(realpath) {
  if (argc < 2)
    return sh_usage(sh, io, "realpath");
  int status = 0;
  for (int k = 1; k < argc; k++) {
    char *abs = sh_abspath(sh, argv[k]);
    if (abs == NULL)
      return sh_oom(sh), 1;
    char *real = NULL;
    sh_lock(sh);
    int rc = memfs_realpath(sh_fs(sh), abs, &real);
    sh_unlock(sh);
    ctrt_error_clear();
    if (rc == 0) {
      sh_printf(sh, io, 1, "%s\n", real);
    } else {
      /* like readlink -f: a missing last component is allowed */
      char *slash = strrchr(abs, '/');
      char *parent = slash && slash != abs ? ctrt__strndup(abs, (size_t)(slash - abs)) : ctrt__strdup("/");
      char *pr = NULL;
      sh_lock(sh);
      rc = parent ? memfs_realpath(sh_fs(sh), parent, &pr) : -1;
      sh_unlock(sh);
      ctrt_error_clear();
      if (rc == 0)
        sh_printf(sh, io, 1, "%s%s%s\n", pr, strcmp(pr, "/") ? "/" : "", slash + 1);
      else {
        sh_err(sh, io, "%s: %s", argv[k], strerror(ENOENT));
        status = 1;
      }
      ctrt__free(parent);
      ctrt__free(pr);
    }
    ctrt__free(real);
    ctrt__free(abs);
  }
  return status;
}
