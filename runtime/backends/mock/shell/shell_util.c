/* SPDX-License-Identifier: MIT */
/*
 * Helpers every applet family uses: option parsing (busybox's getopt
 * subset), buffered output, reading a named input.
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

/* ---- shared helpers ---- */

bool sh_parse_long(const char *s, long long *out) {
  if (s == NULL || *s == '\0')
    return false;
  errno = 0;
  char *end;
  long long v = strtoll(s, &end, 10);
  if (errno != 0 || *end != '\0' || end == s)
    return false;
  *out = v;
  return true;
}

/* The position of option c among the letters of flags (the index of its
 * bit in *seen and of its argument in args), or -1. */
static int option_index(const char *flags, char c) {
  int index = 0;
  for (const char *k = flags; *k; k++) {
    if (*k == ':')
      continue;
    if (*k == c)
      return index;
    index++;
  }
  return -1;
}

int sh_getopt(sh_state *sh, sh_io *io, int argc, char **argv, const char *flags, unsigned *seen, char **args) {
  *seen = 0;
  char **operands = ctrt__calloc((size_t)argc + 1, sizeof *operands);
  if (operands == NULL)
    return sh_oom(sh), -1;
  int n_ops = 0;
  bool only_operands = false;
  for (int i = 1; i < argc; i++) {
    char *a = argv[i];
    if (only_operands || a[0] != '-' || a[1] == '\0') {
      operands[n_ops++] = a;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      only_operands = true;
      continue;
    }
    for (const char *o = a + 1; *o; o++) {
      int bit = *o == ':' ? -1 : option_index(flags, *o);
      if (bit < 0) {
        sh_err(sh, io, "invalid option -- '%c'", *o);
        sh_usage(sh, io, sh->applet_name);
        ctrt__free(operands);
        return -1;
      }
      *seen |= 1u << bit;
      if (strchr(flags, *o)[1] == ':') {
        char *val;
        if (o[1] != '\0')
          val = (char *)o + 1;
        else if (i + 1 < argc)
          val = argv[++i];
        else {
          sh_err(sh, io, "option requires an argument -- '%c'", *o);
          sh_usage(sh, io, sh->applet_name);
          ctrt__free(operands);
          return -1;
        }
        if (args != NULL)
          args[bit] = val;
        break;
      }
    }
  }
  for (int k = 0; k < n_ops; k++)
    argv[1 + k] = operands[k];
  argv[1 + n_ops] = NULL;
  ctrt__free(operands);
  return 1;
}

int sh_getopt_operands(sh_state *sh, sh_io *io, int argc, char **argv, const char *flags, unsigned *seen, char **args,
                       int min, int max) {
  if (sh_getopt(sh, io, argc, argv, flags, seen, args) < 0)
    return 1;
  int n = sh_count_args(argv + 1);
  if (n < min || (max >= 0 && n > max))
    return sh_usage(sh, io, sh->applet_name);
  return 0;
}

unsigned sh_optbit(const char *flags, char c) {
  int index = option_index(flags, c);
  return index < 0 ? 0 : 1u << index;
}

const char *sh_optarg(const char *flags, char c, char *const *args) {
  int index = option_index(flags, c);
  return index < 0 ? NULL : args[index];
}

int sh_count_args(char **argv) {
  int n = 0;
  while (argv[n] != NULL)
    n++;
  return n;
}

bool sh_out_flush(sh_outbuf *o) {
  if (o->b.len > 0 && !o->failed) {
    if (sh_write(o->sh, o->io, o->fd, o->b.data, o->b.len) < 0)
      o->failed = true;
  }
  o->b.len = 0;
  return !o->failed;
}

bool sh_out_add(sh_outbuf *o, const void *d, size_t n) {
  if (o->failed)
    return false;
  if (sh_buf_add(&o->b, d, n) < 0) {
    o->failed = true;
    sh_oom(o->sh);
    return false;
  }
  if (o->b.len >= 65536)
    return sh_out_flush(o);
  return true;
}

bool sh_out_c(sh_outbuf *o, char c) { return sh_out_add(o, &c, 1); }

bool sh_out_s(sh_outbuf *o, const char *s) { return sh_out_add(o, s, strlen(s)); }

bool sh_out_f(sh_outbuf *o, const char *fmt, ...) {
  char small[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    return false;
  if ((size_t)n < sizeof small)
    return sh_out_add(o, small, (size_t)n);
  char *big = ctrt__malloc((size_t)n + 1);
  if (big == NULL) {
    sh_oom(o->sh);
    o->failed = true;
    return false;
  }
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  bool ok = sh_out_add(o, big, (size_t)n);
  ctrt__free(big);
  return ok;
}

bool sh_out_done(sh_outbuf *o) {
  bool ok = sh_out_flush(o);
  sh_buf_free(&o->b);
  return ok;
}

/* Open NAME ("-" or NULL: stdin) for reading. */
int sh_open_named(sh_state *sh, sh_io *io, const char *name, sh_stream **s, int *err) {
  if (name == NULL || strcmp(name, "-") == 0) {
    *err = 0;
    if (io->fd[0] == NULL) {
      *err = EBADF;
      return -1;
    }
    *s = sh_stream_ref(io->fd[0]);
    return 0;
  }
  return sh_open_input(sh, io, name, s, err);
}

int sh_read_all(sh_state *sh, sh_io *io, const char *name, sh_buf *out, int *err) {
  sh_stream *s;
  if (sh_open_named(sh, io, name, &s, err) < 0)
    return 1;
  char chunk[8192];
  size_t got;
  int rc;
  while ((rc = sh_stream_read(sh, s, chunk, sizeof chunk, &got, err)) == 0) {
    if (sh_buf_add(out, chunk, got) < 0) {
      sh_stream_unref(sh->root, s);
      sh_oom(sh);
      return -2;
    }
  }
  sh_stream_unref(sh->root, s);
  if (rc == -2)
    return -2;
  return rc == -1 ? 1 : 0;
}
