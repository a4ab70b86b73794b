/* SPDX-License-Identifier: MIT */
/*
 * ls on the memfs: busybox 1.35's options, sorting, columns and long format.
 */
#include "shell_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <time.h>

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
  sh_id_names names;
  time_t now;
} ls_opts;

static void entry_free(ls_entry *e) {
  ctrt__free(e->name);
  ctrt__free(e->path);
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
    snprintf(out, cap, "%llu%c", (unsigned long long)v + (frac >= 5), units[u]);
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
  sh_mode_string(e->st.mode, mode);
  char user[64], group[64];
  if (o->numeric || !sh_name_of(o->names.passwd, e->st.uid, user, sizeof user))
    snprintf(user, sizeof user, "%u", e->st.uid);
  if (o->numeric || !sh_name_of(o->names.group, e->st.gid, group, sizeof group))
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
  if (age < 3600L * 24 * 365 / 2 && age > -15L * 60)
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
    sh_buf_printf(b, "%6llu ", (unsigned long long)sh_blocks_1k(&e->st));
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
      e[m].path = sh_path_join(abs, dots[k]);
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
      char *p = sh_path_join(shown, names[k]);
      sh_err(sh, io, "%s: %s", p ? p : names[k], strerror(EACCES));
      ctrt__free(p);
      status = 1;
      continue;
    }
    e[m].name = ctrt__strdup(names[k]);
    e[m].path = sh_path_join(abs, names[k]);
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
      total += sh_blocks_1k(&e[k].st);
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
      char *child_shown = sh_path_join(shown, e[k].name);
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
  sh_names_load(sh, &o.names);
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
    sh_names_free(&o.names);
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
  sh_names_free(&o.names);
  return status;
}
