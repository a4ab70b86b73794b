/* SPDX-License-Identifier: MIT */
/*
 * Filesystem applets that read: stat, readlink, realpath, sync.
 */
#include "shell_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <time.h>

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

/* What stat prints about one file. */
typedef struct stat_item {
  const char *name; /* as given */
  memfs_stat st;
  uint64_t blocks; /* of 512 bytes */
  char user[64], group[64], mode[11], time[64];
} stat_item;

/* A text directive of -c FORMAT (busybox's fixed answers for what the
 * memfs lacks: device, block sizes, mount point), or NULL. */
static const char *stat_text(const stat_item *x, char c) {
  switch (c) {
  case 'A':
    return x->mode;
  case 'F':
    return file_type(x->st.mode);
  case 'n':
    return x->name;
  case 'U':
    return x->user;
  case 'G':
    return x->group;
  case 'x':
  case 'y':
  case 'z':
    return x->time;
  case 'B':
    return "512";
  case 'o':
    return "4096";
  case 'd':
    return "65024";
  case 'D':
    return "fe00";
  case 't':
  case 'T':
    return "0";
  case 'm':
    return "/";
  default:
    return NULL;
  }
}

/* A numeric directive: its value into *v, and whether c is one; octal
 * ('a') and hexadecimal ('f') set *base. */
static bool stat_number(const stat_item *x, char c, long long *v, int *base) {
  *base = c == 'a' ? 8 : c == 'f' ? 16 : 10;
  switch (c) {
  case 's':
    *v = (long long)x->st.size;
    return true;
  case 'a':
    *v = x->st.mode & 07777;
    return true;
  case 'f':
    *v = x->st.mode;
    return true;
  case 'u':
    *v = x->st.uid;
    return true;
  case 'g':
    *v = x->st.gid;
    return true;
  case 'h':
    *v = x->st.nlink;
    return true;
  case 'b':
    *v = (long long)x->blocks;
    return true;
  case 'i':
    *v = (long long)x->st.ino;
    return true;
  case 'X':
  case 'Y':
  case 'Z':
    *v = (long long)x->st.mtime.seconds;
    return true;
  default:
    return false;
  }
}

/* One %c directive of -c FORMAT; an unknown one prints c. */
static void stat_directive(sh_buf *b, const stat_item *x, char c) {
  const char *text = stat_text(x, c);
  long long v = 0;
  int base = 10;
  if (text != NULL)
    sh_buf_adds(b, text);
  else if (c == 'N' && S_ISLNK(x->st.mode))
    sh_buf_printf(b, "'%s' -> '%s'", x->name, x->st.link_target);
  else if (c == 'N')
    sh_buf_printf(b, "'%s'", x->name);
  else if (!stat_number(x, c, &v, &base))
    sh_buf_addc(b, c);
  else if (base == 10)
    sh_buf_printf(b, "%lld", v);
  else
    sh_buf_printf(b, base == 8 ? "%llo" : "%llx", (unsigned long long)v);
}

static void stat_format(sh_buf *b, const stat_item *x, const char *fmt) {
  for (const char *p = fmt; *p; p++) {
    if (*p != '%' || p[1] == '\0')
      sh_buf_addc(b, *p);
    else
      stat_directive(b, x, *++p);
  }
  sh_buf_addc(b, '\n');
}

/* -t: the terse line. */
static void stat_terse(sh_buf *b, const stat_item *x) {
  const memfs_stat *st = &x->st;
  sh_buf_printf(b, "%s %lld %llu %x %u %u fe00 %llu %u 0 0 %lld %lld %lld 4096\n", x->name, (long long)st->size,
                (unsigned long long)x->blocks, st->mode, st->uid, st->gid, (unsigned long long)st->ino, st->nlink,
                (long long)st->mtime.seconds, (long long)st->mtime.seconds, (long long)st->mtime.seconds);
}

/* The default, long form. */
static void stat_long(sh_buf *b, const stat_item *x) {
  const memfs_stat *st = &x->st;
  if (S_ISLNK(st->mode))
    sh_buf_printf(b, "  File: '%s' -> '%s'\n", x->name, st->link_target);
  else
    sh_buf_printf(b, "  File: %s\n", x->name);
  sh_buf_printf(b, "  Size: %-10lld\tBlocks: %-10llu IO Block: 4096   %s\n", (long long)st->size,
                (unsigned long long)x->blocks, file_type(st->mode));
  sh_buf_printf(b, "Device: fe00h/65024d\tInode: %-10llu  Links: %u\n", (unsigned long long)st->ino, st->nlink);
  sh_buf_printf(b, "Access: (%04o/%s)  Uid: (%5u/%8s)   Gid: (%5u/%8s)\n", st->mode & 07777, x->mode, st->uid, x->user,
                st->gid, x->group);
  sh_buf_printf(b, "Access: %s\nModify: %s\nChange: %s\n", x->time, x->time, x->time);
}

/* Names, mode text and time of x->st. */
static void stat_fill(stat_item *x, const sh_id_names *names) {
  x->blocks = sh_blocks_1k(&x->st) * 2;
  if (!sh_name_of(names->passwd, x->st.uid, x->user, sizeof x->user))
    snprintf(x->user, sizeof x->user, "UNKNOWN");
  if (!sh_name_of(names->group, x->st.gid, x->group, sizeof x->group))
    snprintf(x->group, sizeof x->group, "UNKNOWN");
  sh_mode_string(x->st.mode, x->mode);
  stat_time(x->time, sizeof x->time, x->st.mtime);
}

SH_APPLET(stat) {
  static const char *flags = "c:fLt";
  char *args[8] = {0};
  unsigned f;
  if (sh_getopt_operands(sh, io, argc, argv, flags, &f, args, 1, -1) != 0)
    return 1;
  bool follow = f & sh_optbit(flags, 'L');
  const char *fmt = sh_optarg(flags, 'c', args);
  sh_id_names names;
  sh_names_load(sh, &names);
  sh_buf b = {0};
  int status = 0;
  for (int k = 1; argv[k] != NULL; k++) {
    char *abs = sh_abspath(sh, argv[k]);
    if (abs == NULL) {
      sh_oom(sh);
      break;
    }
    stat_item x = {.name = argv[k]};
    int err = sh_stat(sh, abs, follow, &x.st);
    ctrt__free(abs);
    if (err != 0) {
      if (b.len) {
        sh_write(sh, io, 1, b.data, b.len);
        b.len = 0;
      }
      sh_err(sh, io, "can't stat '%s': %s", argv[k], strerror(err));
      status = 1;
      continue;
    }
    stat_fill(&x, &names);
    if (fmt != NULL)
      stat_format(&b, &x, fmt);
    else if (f & sh_optbit(flags, 't'))
      stat_terse(&b, &x);
    else
      stat_long(&b, &x);
  }
  if (b.len > 0 && sh_write(sh, io, 1, b.data, b.len) < 0 && status == 0)
    status = 1;
  sh_buf_free(&b);
  sh_names_free(&names);
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
  if (sh_getopt_operands(sh, io, argc, argv, flags, &f, NULL, 1, 1) != 0)
    return 1;
  char *abs = sh_abspath(sh, argv[1]);
  if (abs == NULL)
    return sh_oom(sh), 1;
  const char *nl = (f & sh_optbit(flags, 'n')) ? "" : "\n";
  int status = 1;
  if (f & (sh_optbit(flags, 'f') | sh_optbit(flags, 'e'))) {
    char *real = NULL;
    sh_lock(sh);
    bool resolved = memfs_realpath(sh_fs(sh), abs, &real) == 0;
    sh_unlock(sh);
    ctrt_error_clear();
    if (resolved) {
      status = sh_printf(sh, io, 1, "%s%s", real, nl) < 0;
    } else if (f & sh_optbit(flags, 'f')) {
      /* -f: the last component may be missing */
      char *dir = ctrt__strdup(abs);
      char *slash = dir ? strrchr(dir, '/') : NULL;
      if (slash != NULL) {
        *slash = '\0';
        sh_lock(sh);
        resolved = memfs_realpath(sh_fs(sh), dir[0] ? dir : "/", &real) == 0;
        sh_unlock(sh);
        ctrt_error_clear();
        if (resolved)
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
    bool resolved = memfs_realpath(sh_fs(sh), abs, &real) == 0;
    sh_unlock(sh);
    ctrt_error_clear();
    if (resolved) {
      sh_printf(sh, io, 1, "%s\n", real);
    } else {
      /* like readlink -f: a missing last component is allowed */
      char *slash = strrchr(abs, '/');
      char *parent = slash && slash != abs ? ctrt__strndup(abs, (size_t)(slash - abs)) : ctrt__strdup("/");
      char *pr = NULL;
      sh_lock(sh);
      bool parent_resolved = parent != NULL && memfs_realpath(sh_fs(sh), parent, &pr) == 0;
      sh_unlock(sh);
      ctrt_error_clear();
      if (parent_resolved)
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
