/* SPDX-License-Identifier: MIT */
/*
 * test and [: busybox ash's expression grammar, file tests on the memfs.
 */
#include "shell_internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <time.h>

/* ---- test, [ ---- */

typedef struct test_ctx {
  sh_state *sh;
  sh_io *io;
  char **args;
  int n, pos;
  bool failed;
} test_ctx;

static const char *const test_unops[] = {"-r", "-w", "-x", "-e", "-f", "-d", "-c", "-b", "-p", "-u", "-g",
                                         "-k", "-s", "-t", "-z", "-n", "-h", "-O", "-G", "-L", "-S", NULL};
static const char *const test_binops[] = {"=",   "==",  "!=",  "<",   ">",   "-eq", "-ne", "-ge",
                                          "-gt", "-le", "-lt", "-nt", "-ot", "-ef", NULL};

static bool in_list(const char *s, const char *const *list) {
  if (s == NULL)
    return false;
  for (; *list; list++)
    if (strcmp(s, *list) == 0)
      return true;
  return false;
}

static void test_fail(test_ctx *t, const char *op, const char *msg) {
  if (t->failed)
    return;
  t->failed = true;
  if (op != NULL && *op)
    sh_err(t->sh, t->io, "%s: %s", op, msg);
  else
    sh_err(t->sh, t->io, "%s", msg);
}

static long long test_num(test_ctx *t, const char *s) {
  errno = 0;
  char *end;
  long long v = strtoll(s, &end, 10);
  if (errno != 0) {
    test_fail(t, s, "out of range");
    return 0;
  }
  while (isspace((unsigned char)*end))
    end++;
  if (end == s || *end != '\0') {
    test_fail(t, s, "bad number");
    return 0;
  }
  return v;
}

static const char *targ(const test_ctx *t, int k) { return k < t->n ? t->args[k] : NULL; }

static bool test_file(test_ctx *t, const char *op, const char *path) {
  char *abs = sh_abspath(t->sh, path);
  if (abs == NULL) {
    sh_oom(t->sh);
    return false;
  }
  memfs_stat st;
  char c = op[1];
  bool follow = !(c == 'h' || c == 'L');
  int e = sh_stat(t->sh, abs, follow, &st);
  ctrt__free(abs);
  if (e != 0)
    return false;
  switch (c) {
  case 'e':
    return true;
  case 'f':
    return S_ISREG(st.mode);
  case 'd':
    return S_ISDIR(st.mode);
  case 'h':
  case 'L':
    return S_ISLNK(st.mode);
  case 's':
    return st.size > 0 && !S_ISDIR(st.mode) ? true : S_ISDIR(st.mode);
  case 'r':
    return sh_may(t->sh, &st, 4);
  case 'w':
    return sh_may(t->sh, &st, 2);
  case 'x':
    return sh_may(t->sh, &st, 1);
  case 'u':
    return (st.mode & S_ISUID) != 0;
  case 'g':
    return (st.mode & S_ISGID) != 0;
  case 'k':
    return (st.mode & S_ISVTX) != 0;
  case 'O':
    return st.uid == t->sh->root->proc->uid;
  case 'G':
    return st.gid == t->sh->root->proc->gid;
  default: /* -c -b -p -S: no devices, fifos or sockets in the memfs */
    return false;
  }
}

static bool test_binop(test_ctx *t) {
  static const char *const int_ops[] = {"-eq", "-ne", "-ge", "-gt", "-le", "-lt", NULL};
  const char *a = targ(t, t->pos);
  const char *op = targ(t, t->pos + 1);
  const char *b = targ(t, t->pos + 2);
  t->pos += 2;
  if (b == NULL) {
    test_fail(t, op, "argument expected");
    return false;
  }
  if (in_list(op, int_ops)) {
    long long x = test_num(t, a), y = test_num(t, b);
    if (t->failed)
      return false;
    if (strcmp(op, "-eq") == 0)
      return x == y;
    if (strcmp(op, "-ne") == 0)
      return x != y;
    if (strcmp(op, "-ge") == 0)
      return x >= y;
    if (strcmp(op, "-gt") == 0)
      return x > y;
    if (strcmp(op, "-le") == 0)
      return x <= y;
    return x < y;
  }
  if (op[0] != '-') {
    int c = strcmp(a, b);
    if (op[0] == '=')
      return c == 0;
    if (op[0] == '!')
      return c != 0;
    if (op[0] == '<')
      return c < 0;
    return c > 0;
  }
  /* -nt -ot -ef */
  char *pa = sh_abspath(t->sh, a), *pb = sh_abspath(t->sh, b);
  memfs_stat sa, sb;
  bool r = false;
  if (pa && pb && sh_stat(t->sh, pa, true, &sa) == 0 && sh_stat(t->sh, pb, true, &sb) == 0) {
    int64_t ta = sa.mtime.seconds * 1000000000 + sa.mtime.nanos, tb = sb.mtime.seconds * 1000000000 + sb.mtime.nanos;
    if (strcmp(op, "-nt") == 0)
      r = ta > tb;
    else if (strcmp(op, "-ot") == 0)
      r = ta < tb;
    else {
      char *ra = NULL, *rb = NULL;
      sh_lock(t->sh);
      if (memfs_realpath(sh_fs(t->sh), pa, &ra) == 0 && memfs_realpath(sh_fs(t->sh), pb, &rb) == 0)
        r = strcmp(ra, rb) == 0;
      sh_unlock(t->sh);
      ctrt_error_clear();
      ctrt__free(ra);
      ctrt__free(rb);
    }
  }
  ctrt__free(pa);
  ctrt__free(pb);
  return r;
}

static bool test_oexpr(test_ctx *t);

static bool test_primary(test_ctx *t) {
  const char *a = targ(t, t->pos);
  if (a == NULL) {
    test_fail(t, NULL, "argument expected");
    return false;
  }
  if (strcmp(a, "(") == 0) {
    t->pos++;
    bool r = test_oexpr(t);
    t->pos++;
    if (!t->failed && (targ(t, t->pos) == NULL || strcmp(targ(t, t->pos), ")") != 0))
      test_fail(t, NULL, "closing paren expected");
    return r;
  }
  /* "a binop b" is tried before "unop a" */
  if (targ(t, t->pos + 1) != NULL && targ(t, t->pos + 2) != NULL && in_list(targ(t, t->pos + 1), test_binops))
    return test_binop(t);
  if (in_list(a, test_unops)) {
    const char *b = targ(t, t->pos + 1);
    if (b == NULL)
      return a[0] != '\0';
    t->pos++;
    if (strcmp(a, "-z") == 0)
      return b[0] == '\0';
    if (strcmp(a, "-n") == 0)
      return b[0] != '\0';
    if (strcmp(a, "-t") == 0) {
      test_num(t, b);
      return false; /* no terminal in the mock */
    }
    return test_file(t, a, b);
  }
  if (in_list(targ(t, t->pos + 1), test_binops))
    return test_binop(t);
  return a[0] != '\0';
}

static bool test_nexpr(test_ctx *t) {
  const char *a = targ(t, t->pos);
  if (a != NULL && strcmp(a, "!") == 0) {
    if (targ(t, t->pos + 1) == NULL)
      return true; /* "[ ! ]" */
    t->pos++;
    return !test_nexpr(t);
  }
  return test_primary(t);
}

static bool test_aexpr(test_ctx *t) {
  bool r = test_nexpr(t);
  const char *next = targ(t, t->pos + 1);
  if (!t->failed && next != NULL && strcmp(next, "-a") == 0) {
    t->pos += 2;
    bool r2 = test_aexpr(t);
    return r2 && r;
  }
  return r;
}

static bool test_oexpr(test_ctx *t) {
  bool r = test_aexpr(t);
  const char *next = targ(t, t->pos + 1);
  if (!t->failed && next != NULL && strcmp(next, "-o") == 0) {
    t->pos += 2;
    bool r2 = test_oexpr(t);
    return r2 || r;
  }
  return r;
}

SH_APPLET(test) {
  const char *name = argv[0];
  const char *slash = strrchr(name, '/');
  if (slash)
    name = slash + 1;
  if (name[0] == '[') {
    if (argc < 2 || strcmp(argv[argc - 1], "]") != 0) {
      sh_err(sh, io, "missing ]");
      return 2;
    }
    argc--;
  }
  test_ctx t = {sh, io, argv + 1, argc - 1, 0, false};
  /* POSIX's special cases for up to three arguments, with leading '!' */
  bool negate = false;
  int base = 0;
  for (;;) {
    int n = t.n - base;
    char **a = t.args + base;
    if (n == 0)
      return negate ? 0 : 1;
    if (n == 1)
      return (a[0][0] != '\0') != negate ? 0 : 1;
    if (n == 3 && in_list(a[1], test_binops)) {
      test_ctx t3 = {sh, io, a, 3, 0, false};
      bool r = test_binop(&t3);
      if (t3.failed)
        return 2;
      return r != negate ? 0 : 1;
    }
    if (strcmp(a[0], "!") == 0) {
      negate = !negate;
      base++;
      continue;
    }
    break;
  }
  t.pos = 0;
  bool r = test_oexpr(&t);
  if (t.failed)
    return 2;
  if (t.pos + 1 < t.n) {
    sh_err(sh, io, "%s: unknown operand", t.args[t.pos + 1]);
    return 2;
  }
  return r ? 0 : 1;
}
