/* SPDX-License-Identifier: MIT */
/*
 * Text applets: echo, printf, cat, wc, head, tail, seq, yes, tee,
 * basename, dirname. Options, output formats, messages and exit statuses
 * are busybox 1.35's.
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

/* ---- escapes (echo -e, printf, %b) ---- */

/* s points after a backslash: the byte it stands for, advancing *s; an
 * unknown escape yields '\\' and leaves *s alone (busybox's rules). */
static int escape_char(const char **s) {
  const char *q = *s;
  unsigned base = 8, n = 0, digits = 0;
  if (*q == 'x') {
    q++;
    base = 16;
    digits = 1;
  }
  for (;;) {
    unsigned d;
    unsigned char c = (unsigned char)*q;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
      d = (unsigned)((c | 0x20) - 'a' + 10);
    else
      d = 99;
    if (d >= base) {
      if (base == 16 && --digits == 0)
        return '\\'; /* "\x" then a non-hex character */
      break;
    }
    if (n * base + d > 255)
      break;
    n = n * base + d;
    q++;
    if (++digits >= 3)
      break;
  }
  if (digits == 0) {
    static const char from[] = "abefnrtv\\";
    static const char to[] = "\a\b\033\f\n\r\t\v\\";
    const char *p = *q ? strchr(from, *q) : NULL;
    if (p == NULL)
      return '\\';
    q++;
    n = (unsigned char)to[p - from];
  }
  *s = q;
  return (int)n;
}

/* echo -e and %b: "\0NNN" also accepted; \c stops everything (true). */
static bool add_echo_escapes(sh_outbuf *o, const char *s) {
  while (*s) {
    char c = *s++;
    if (c == '\\') {
      if (*s == 'c')
        return true;
      if (*s == '0' && s[1] >= '0' && s[1] <= '7')
        s++;
      c = (char)escape_char(&s);
    }
    sh_out_c(o, c);
  }
  return false;
}

SH_APPLET(echo) {
  bool newline = true, escapes = false;
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (a[0] != '-' || a[1] == '\0' || a[strspn(a + 1, "neE") + 1] != '\0')
      break;
    for (const char *p = a + 1; *p; p++) {
      if (*p == 'n')
        newline = false;
      else if (*p == 'e')
        escapes = true;
      else
        escapes = false;
    }
  }
  sh_outbuf o = {sh, io, 1, {0}, false};
  bool stopped = false;
  for (; i < argc && !stopped; i++) {
    if (escapes)
      stopped = add_echo_escapes(&o, argv[i]);
    else
      sh_out_s(&o, argv[i]);
    if (i + 1 < argc && !stopped)
      sh_out_c(&o, ' ');
  }
  if (newline && !stopped)
    sh_out_c(&o, '\n');
  if (!sh_out_done(&o)) {
    if (!sh_stopping(sh))
      sh_err(sh, io, "write error: %s", strerror(sh_write_errno(io, 1)));
    return 1;
  }
  return 0;
}

/* ---- printf ---- */

static bool printf_number(sh_state *sh, sh_io *io, const char *arg, bool is_unsigned, long long *out) {
  char tmp[16];
  if (arg[0] == '"' || arg[0] == '\'') {
    snprintf(tmp, sizeof tmp, "%u", (unsigned char)arg[1]);
    arg = tmp;
  }
  const char *s = arg;
  while (isspace((unsigned char)*s))
    s++;
  if (*s == '+')
    s++;
  errno = 0;
  char *end;
  long long v;
  if (is_unsigned) {
    v = (long long)strtoull(s, &end, 0);
    if (errno != 0) { /* out of unsigned range: try signed, like busybox */
      errno = 0;
      v = strtoll(s, &end, 0);
    }
  } else {
    v = strtoll(s, &end, 0);
  }
  if (errno != 0 || end == s || *end != '\0') {
    sh_err(sh, io, "invalid number '%s'", arg);
    *out = 0;
    return false;
  }
  *out = v;
  return true;
}

/* The next argument as a '*' width or precision: 0 when there is none, or
 * (with the error busybox prints) when it is not a number. */
static int star_arg(sh_state *sh, sh_io *io, char **args, int nargs, int *used, bool *conv_err) {
  long long v = 0;
  if (*used < nargs && !sh_parse_long(args[*used], &v)) {
    sh_err(sh, io, "invalid number '%s'", args[*used]);
    *conv_err = true;
    v = 0;
  }
  if (*used < nargs)
    (*used)++;
  return (int)v;
}

/* One pass over the format: the number of arguments used, or -1 after an
 * invalid directive; *stop when \c or %b's \c ended the output. */
static int printf_pass(sh_state *sh, sh_io *io, sh_outbuf *o, const char *f, char **args, int nargs, bool *conv_err,
                       bool *stop) {
  int used = 0;
  *stop = false;
  for (; *f && !*stop; f++) {
    if (*f == '\\') {
      f++;
      if (*f == 'c') {
        *stop = true;
        break;
      }
      const char *p = f;
      int c = escape_char(&p);
      sh_out_c(o, (char)c);
      f = p - 1;
      continue;
    }
    if (*f != '%') {
      sh_out_c(o, *f);
      continue;
    }
    const char *start = f++;
    if (*f == '%') {
      sh_out_c(o, '%');
      continue;
    }
    if (*f == 'b') {
      if (used < nargs && add_echo_escapes(o, args[used++]))
        *stop = true;
      continue;
    }
    char spec[64];
    size_t sl = 0;
    spec[sl++] = '%';
    int width = 0, prec = 0;
    bool has_width = false, has_prec = false;
    if (*f && strchr("-+ #", *f))
      spec[sl++] = *f++;
    if (*f == '*') {
      f++;
      has_width = true;
      width = star_arg(sh, io, args, nargs, &used, conv_err);
      spec[sl++] = '*';
    } else {
      while (isdigit((unsigned char)*f) && sl < 40)
        spec[sl++] = *f++;
    }
    if (*f == '.') {
      spec[sl++] = *f++;
      if (*f == '*') {
        f++;
        has_prec = true;
        prec = star_arg(sh, io, args, nargs, &used, conv_err);
        spec[sl++] = '*';
      } else {
        while (isdigit((unsigned char)*f) && sl < 50)
          spec[sl++] = *f++;
      }
    }
    const char *mods = f;
    while ((*f | 0x20) == 'l' || *f == 'h' || *f == 'z')
      f++;
    if (*f == '\0' || strchr("diouxXfeEgGcs", *f) == NULL) {
      /* busybox names the directive with its size modifiers removed */
      sh_out_flush(o);
      sh_err(sh, io, "%.*s%s: invalid format", (int)(mods - start), start, f);
      return -1;
    }
    char conv = *f;
    const char *arg = used < nargs ? args[used++] : "";
    char buf[512];
    char *big = NULL;
    int n = 0;
    if (strchr("diouxX", conv)) {
      long long v;
      if (!printf_number(sh, io, arg, conv != 'd' && conv != 'i', &v))
        *conv_err = true;
      spec[sl++] = 'l';
      spec[sl++] = 'l';
      spec[sl++] = conv;
      spec[sl] = '\0';
#define CALL_FMT(...)                                                                                                  \
  do {                                                                                                                 \
    if (has_width && has_prec)                                                                                         \
      n = snprintf(buf, sizeof buf, spec, width, prec, __VA_ARGS__);                                                   \
    else if (has_width)                                                                                                \
      n = snprintf(buf, sizeof buf, spec, width, __VA_ARGS__);                                                         \
    else if (has_prec)                                                                                                 \
      n = snprintf(buf, sizeof buf, spec, prec, __VA_ARGS__);                                                          \
    else                                                                                                               \
      n = snprintf(buf, sizeof buf, spec, __VA_ARGS__);                                                                \
  } while (0)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
      CALL_FMT(v);
    } else if (strchr("feEgG", conv)) {
      char *end;
      double d = strtod(arg, &end);
      if (*end != '\0') {
        sh_err(sh, io, "invalid number '%s'", arg);
        *conv_err = true;
        d = 0;
      }
      spec[sl++] = conv;
      spec[sl] = '\0';
      CALL_FMT(d);
    } else if (conv == 'c') {
      spec[sl++] = 'c';
      spec[sl] = '\0';
      CALL_FMT(arg[0]);
      if (arg[0] == '\0') { /* a NUL byte, padded */
        sh_out_add(o, buf, (size_t)n);
        n = -1;
      }
    } else {
      spec[sl++] = 's';
      spec[sl] = '\0';
      CALL_FMT(arg);
      if (n >= (int)sizeof buf) {
        big = ctrt__malloc((size_t)n + 1);
        if (big == NULL)
          return sh_oom(sh), -1;
        if (has_width && has_prec)
          snprintf(big, (size_t)n + 1, spec, width, prec, arg);
        else if (has_width)
          snprintf(big, (size_t)n + 1, spec, width, arg);
        else if (has_prec)
          snprintf(big, (size_t)n + 1, spec, prec, arg);
        else
          snprintf(big, (size_t)n + 1, spec, arg);
      }
    }
#pragma GCC diagnostic pop
#undef CALL_FMT
    if (n >= 0) {
      if (big != NULL)
        sh_out_add(o, big, (size_t)n);
      else
        sh_out_add(o, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
    }
    ctrt__free(big);
  }
  return used;
}

SH_APPLET(printf) {
  int i = 1;
  if (i < argc && strcmp(argv[i], "--") == 0)
    i++;
  if (i >= argc) {
    if (strcmp(sh->applet_name, "printf") != 0) {
      sh_err(sh, io, "usage: printf FORMAT [ARGUMENT...]");
      return 2;
    }
    return sh_usage(sh, io, "printf");
  }
  const char *format = argv[i++];
  char **args = argv + i;
  int nargs = argc - i;
  sh_outbuf o = {sh, io, 1, {0}, false};
  bool conv_err = false, stop = false;
  int status = 0;
  for (;;) {
    int used = printf_pass(sh, io, &o, format, args, nargs, &conv_err, &stop);
    if (used < 0) {
      status = 1;
      break;
    }
    args += used;
    nargs -= used;
    if (stop || used == 0 || nargs <= 0 || sh_stopping(sh))
      break;
  }
  if (!sh_out_done(&o))
    return 1;
  return status || conv_err ? 1 : 0;
}

/* ---- cat ---- */

static void cat_visible(sh_outbuf *o, const char *d, size_t n, bool v, bool t, bool e, bool number, bool nonblank,
                        long *line, bool *at_start) {
  for (size_t k = 0; k < n; k++) {
    unsigned char c = (unsigned char)d[k];
    if (*at_start && (number || nonblank)) {
      if (!(nonblank && c == '\n'))
        sh_out_f(o, "%6ld\t", ++*line);
      *at_start = false;
    }
    if (c == '\n') {
      if (e)
        sh_out_c(o, '$');
      sh_out_c(o, '\n');
      *at_start = true;
      continue;
    }
    if (c == '\t' && !t) {
      sh_out_c(o, '\t');
      continue;
    }
    if (v || t) {
      if (c >= 128) {
        sh_out_s(o, "M-");
        c -= 128;
      }
      if (c < 32 || c == 127) {
        sh_out_c(o, '^');
        sh_out_c(o, c == 127 ? '?' : (char)(c + '@'));
        continue;
      }
    }
    sh_out_c(o, (char)c);
  }
}

SH_APPLET(cat) {
  static const char *flags = "nbvteAu";
  unsigned f;
  if (sh_getopt(sh, io, argc, argv, flags, &f, NULL) < 0)
    return 1;
  bool number = f & sh_optbit(flags, 'n'), nonblank = f & sh_optbit(flags, 'b');
  bool v = f & (sh_optbit(flags, 'v') | sh_optbit(flags, 'A') | sh_optbit(flags, 't') | sh_optbit(flags, 'e'));
  bool t = f & (sh_optbit(flags, 't') | sh_optbit(flags, 'A'));
  bool e = f & (sh_optbit(flags, 'e') | sh_optbit(flags, 'A'));
  bool plain = !number && !nonblank && !v;
  char *stdin_only[] = {"-", NULL};
  char **files = argv[1] ? argv + 1 : stdin_only;
  int status = 0;
  long line = 0;
  bool at_start = true;
  for (; *files != NULL && !sh_stopping(sh); files++) {
    sh_stream *s;
    int err;
    if (sh_open_named(sh, io, *files, &s, &err) < 0) {
      if (!sh_stopping(sh))
        sh_err(sh, io, "can't open '%s': %s", *files, strerror(err));
      status = 1;
      continue;
    }
    char chunk[16384];
    size_t got;
    int rc;
    while ((rc = sh_stream_read(sh, s, chunk, sizeof chunk, &got, &err)) == 0) {
      if (plain) {
        if (sh_write(sh, io, 1, chunk, got) < 0) {
          rc = 2;
          break;
        }
      } else {
        sh_outbuf o = {sh, io, 1, {0}, false};
        cat_visible(&o, chunk, got, v, t, e, number, nonblank, &line, &at_start);
        if (!sh_out_done(&o)) {
          rc = 2;
          break;
        }
      }
      if (sh_poll(sh))
        break;
    }
    sh_stream_unref(sh->root, s);
    if ((number || nonblank) && !at_start && rc == 1) {
      /* numbered output ends its last line */
      sh_write(sh, io, 1, "\n", 1);
      at_start = true;
    }
    if (rc == -1) {
      sh_err(sh, io, "read error: %s", strerror(err));
      status = 1;
    } else if (rc == 2) {
      if (!sh_stopping(sh))
        sh_err(sh, io, "write error: %s", strerror(sh_write_errno(io, 1)));
      return 1;
    }
  }
  return status;
}

/* ---- wc ---- */

SH_APPLET(wc) {
  static const char *flags = "cmlwL";
  unsigned f;
  if (sh_getopt(sh, io, argc, argv, flags, &f, NULL) < 0)
    return 1;
  if (f == 0)
    f = sh_optbit(flags, 'l') | sh_optbit(flags, 'w') | sh_optbit(flags, 'c');
  /* columns in busybox's order: lines, words, chars, bytes, longest */
  const char order[] = "lwmcL";
  int ncols = 0;
  for (int k = 0; k < 5; k++)
    if (f & sh_optbit(flags, order[k]))
      ncols++;
  char *stdin_only[] = {NULL, NULL};
  char **files = argv[1] ? argv + 1 : stdin_only;
  int nfiles = argv[1] ? sh_count_args(argv + 1) : 1;
  bool plain = nfiles <= 1 && ncols == 1;
  unsigned long long total[5] = {0};
  int status = 0;
  sh_outbuf o = {sh, io, 1, {0}, false};
  for (int fi = 0; fi < nfiles && !sh_stopping(sh); fi++) {
    const char *name = files[fi];
    sh_stream *s;
    int err;
    if (sh_open_named(sh, io, name, &s, &err) < 0) {
      sh_out_flush(&o);
      sh_err(sh, io, "%s: %s", name ? name : "-", strerror(err));
      status = 1;
      continue;
    }
    unsigned long long c[5] = {0}; /* l w m c L */
    unsigned long long linelen = 0;
    bool in_word = false;
    char chunk[16384];
    size_t got;
    int rc;
    while ((rc = sh_stream_read(sh, s, chunk, sizeof chunk, &got, &err)) == 0) {
      for (size_t k = 0; k < got; k++) {
        unsigned char ch = (unsigned char)chunk[k];
        c[3]++;
        if ((ch & 0xc0) != 0x80)
          c[2]++;
        if (ch == '\n') {
          c[0]++;
          if (linelen > c[4])
            c[4] = linelen;
          linelen = 0;
        } else if (ch == '\t') {
          linelen = (linelen + 8) & ~(unsigned long long)7;
        } else if ((ch & 0xc0) != 0x80) {
          linelen++;
        }
        if (isspace(ch)) {
          in_word = false;
        } else if (!in_word && isprint(ch)) {
          in_word = true;
          c[1]++;
        }
      }
      if (sh_poll(sh))
        break;
    }
    if (linelen > c[4])
      c[4] = linelen;
    sh_stream_unref(sh->root, s);
    if (rc == -1) {
      sh_out_flush(&o);
      sh_err(sh, io, "%s: %s", name ? name : "-", strerror(err));
      status = 1;
    }
    unsigned long long vals[5] = {c[0], c[1], c[2], c[3], c[4]};
    bool first = true;
    for (int k = 0; k < 5; k++) {
      if (!(f & sh_optbit(flags, order[k])))
        continue;
      sh_out_f(&o, plain ? "%llu" : first ? "%9llu" : " %9llu", vals[k]);
      first = false;
      total[k] = k == 4 ? (vals[k] > total[k] ? vals[k] : total[k]) : total[k] + vals[k];
    }
    if (name != NULL)
      sh_out_f(&o, " %s", name);
    sh_out_c(&o, '\n');
  }
  if (nfiles > 1) {
    bool first = true;
    for (int k = 0; k < 5; k++) {
      if (!(f & sh_optbit(flags, order[k])))
        continue;
      sh_out_f(&o, first ? "%9llu" : " %9llu", total[k]);
      first = false;
    }
    sh_out_s(&o, " total\n");
  }
  if (!sh_out_done(&o))
    return 1;
  return status;
}

/* ---- head, tail ---- */

/* "N", "-N", "+N" with b/k/m suffixes. */
static bool parse_count(const char *s, long long *v, char *sign) {
  *sign = 0;
  if (*s == '-' || *s == '+')
    *sign = *s++;
  if (!isdigit((unsigned char)*s))
    return false;
  char *end;
  errno = 0;
  long long n = strtoll(s, &end, 10);
  if (errno != 0)
    return false;
  long long mult = 1;
  if (*end != '\0') {
    if (strcmp(end, "b") == 0)
      mult = 512;
    else if (strcmp(end, "k") == 0)
      mult = 1024;
    else if (strcmp(end, "m") == 0)
      mult = 1024LL * 1024;
    else
      return false;
  }
  *v = n * mult;
  return true;
}

/* Rewrite the obsolete "-5" / "+5" forms to "-n 5" / "-n +5". */
static char **fix_obsolete(sh_state *sh, int *argc, char **argv, bool plus) {
  if (*argc < 2)
    return NULL;
  const char *a = argv[1];
  if (!((a[0] == '-' || (plus && a[0] == '+')) && isdigit((unsigned char)a[1])))
    return NULL;
  char **nv = ctrt__calloc((size_t)*argc + 2, sizeof *nv);
  if (nv == NULL) {
    sh_oom(sh);
    return NULL;
  }
  nv[0] = argv[0];
  nv[1] = "-n";
  nv[2] = a[0] == '-' ? (char *)a + 1 : (char *)a;
  for (int k = 2; k < *argc; k++)
    nv[k + 1] = argv[k];
  (*argc)++;
  return nv;
}

/* What head and tail share: busybox's obsolete -N/+N form, the options
 * with -n or -c COUNT parsed, and the files (standard input when none),
 * with a header each when several. */
typedef struct count_opts {
  char **fixed; /* argv as rewritten by fix_obsolete: free it */
  unsigned f;
  long long count;
  char sign;
  bool bytes, headers;
  char *stdin_only[2];
  char **files;
  int nfiles;
} count_opts;

/* 0, or 1 after the error. */
static int count_options(sh_state *sh, sh_io *io, int argc, char **argv, const char *flags, bool plus, count_opts *o) {
  char *args[8] = {0};
  *o = (count_opts){.count = 10};
  if ((o->fixed = fix_obsolete(sh, &argc, argv, plus)) != NULL)
    argv = o->fixed;
  if (sh_getopt(sh, io, argc, argv, flags, &o->f, args) < 0)
    goto fail;
  o->bytes = o->f & sh_optbit(flags, 'c');
  const char *cs = sh_optarg(flags, o->bytes ? 'c' : 'n', args);
  if (cs != NULL && !parse_count(cs, &o->count, &o->sign)) {
    sh_err(sh, io, "invalid number '%s'", cs);
    goto fail;
  }
  o->files = argv[1] ? argv + 1 : o->stdin_only;
  o->nfiles = argv[1] ? sh_count_args(argv + 1) : 1;
  o->headers = (o->nfiles > 1 && !(o->f & sh_optbit(flags, 'q'))) || (o->f & sh_optbit(flags, 'v'));
  return 0;
fail:
  ctrt__free(o->fixed);
  return 1;
}

SH_APPLET(head) {
  static const char *flags = "n:c:qv";
  count_opts c;
  if (count_options(sh, io, argc, argv, flags, false, &c) != 0)
    return 1;
  long long count = c.count;
  char sign = c.sign;
  bool bytes = c.bytes, headers = c.headers;
  char **files = c.files, **fixed = c.fixed;
  int nfiles = c.nfiles;
  int status = 0;
  sh_outbuf o = {sh, io, 1, {0}, false};
  for (int fi = 0; fi < nfiles && !sh_stopping(sh); fi++) {
    const char *name = files[fi];
    sh_stream *s;
    int err;
    if (sh_open_named(sh, io, name, &s, &err) < 0) {
      sh_out_flush(&o);
      sh_err(sh, io, "%s: %s", name ? name : "-", strerror(err));
      status = 1;
      continue;
    }
    if (headers)
      sh_out_f(&o, "%s==> %s <==\n", fi > 0 ? "\n" : "", name ? name : "standard input");
    if (sign == '-') {
      /* all but the last N lines/bytes: needs the whole input */
      sh_buf all = {0};
      char chunk[8192];
      size_t got;
      while (sh_stream_read(sh, s, chunk, sizeof chunk, &got, &err) == 0)
        if (sh_buf_add(&all, chunk, got) < 0) {
          sh_oom(sh);
          break;
        }
      size_t keep = 0;
      if (bytes) {
        keep = (long long)all.len > count ? all.len - (size_t)count : 0;
      } else {
        /* lines, a final unterminated one included; keep all but count */
        long long lines = 0;
        for (size_t k = 0; k < all.len; k++)
          if (all.data[k] == '\n' || k + 1 == all.len)
            lines++;
        long long want = lines - count;
        for (size_t k = 0; k < all.len && want > 0; k++)
          if (all.data[k] == '\n' || k + 1 == all.len) {
            keep = k + 1;
            want--;
          }
      }
      sh_out_add(&o, all.data, keep);
      sh_buf_free(&all);
    } else {
      long long left = count;
      char chunk[8192];
      size_t got;
      while (left > 0 &&
             sh_stream_read(sh, s, chunk, bytes && (size_t)left < sizeof chunk ? (size_t)left : sizeof chunk, &got,
                            &err) == 0) {
        size_t take = got;
        if (bytes) {
          left -= (long long)got;
        } else {
          for (size_t k = 0; k < got; k++)
            if (chunk[k] == '\n' && --left == 0) {
              take = k + 1;
              break;
            }
        }
        sh_out_add(&o, chunk, take);
        if (!sh_out_flush(&o) || sh_poll(sh))
          break;
      }
    }
    sh_stream_unref(sh->root, s);
  }
  ctrt__free(fixed);
  if (!sh_out_done(&o))
    return 1;
  return status;
}

static void tail_emit(sh_outbuf *o, const char *d, size_t len, long long count, char sign, bool bytes) {
  size_t start = 0;
  if (sign == '+') {
    if (bytes) {
      start = count > 0 ? (size_t)(count - 1) : 0;
    } else {
      long long line = 1;
      while (start < len && line < count) {
        if (d[start] == '\n')
          line++;
        start++;
      }
    }
  } else if (bytes) {
    start = (long long)len > count ? len - (size_t)count : 0;
  } else {
    long long lines = 0;
    size_t k = len;
    if (k > 0 && d[k - 1] == '\n')
      k--;
    while (k > 0) {
      if (d[k - 1] == '\n' && ++lines == count)
        break;
      k--;
    }
    start = count == 0 ? len : k;
  }
  if (start > len)
    start = len;
  sh_out_add(o, d + start, len - start);
}

SH_APPLET(tail) {
  static const char *flags = "fFn:c:qvs:";
  count_opts c;
  if (count_options(sh, io, argc, argv, flags, true, &c) != 0)
    return 1;
  unsigned f = c.f;
  long long count = c.count;
  char sign = c.sign;
  bool bytes = c.bytes, headers = c.headers;
  char **files = c.files, **fixed = c.fixed;
  int nfiles = c.nfiles;
  bool follow = f & (sh_optbit(flags, 'f') | sh_optbit(flags, 'F'));
  int status = 0, opened = 0;
  size_t *sizes = ctrt__calloc((size_t)nfiles, sizeof *sizes);
  bool *ok = ctrt__calloc((size_t)nfiles, sizeof *ok);
  if (sizes == NULL || ok == NULL) {
    ctrt__free(sizes);
    ctrt__free(ok);
    ctrt__free(fixed);
    return sh_oom(sh), 1;
  }
  sh_outbuf o = {sh, io, 1, {0}, false};
  for (int fi = 0; fi < nfiles && !sh_stopping(sh); fi++) {
    const char *name = files[fi];
    sh_buf all = {0};
    int err;
    int rc = sh_read_all(sh, io, name, &all, &err);
    if (rc == -2) {
      sh_buf_free(&all);
      break;
    }
    if (rc != 0) {
      sh_out_flush(&o);
      sh_err(sh, io, "can't open '%s': %s", name ? name : "-", strerror(err));
      status = 1;
      sh_buf_free(&all);
      continue;
    }
    opened++;
    ok[fi] = name != NULL && strcmp(name, "-") != 0;
    sizes[fi] = all.len;
    if (headers)
      sh_out_f(&o, "%s==> %s <==\n", fi > 0 ? "\n" : "", name ? name : "standard input");
    tail_emit(&o, all.data ? all.data : "", all.len, count, sign, bytes);
    sh_buf_free(&all);
  }
  if (opened == 0 && nfiles > 0 && status != 0) {
    sh_out_flush(&o);
    sh_err(sh, io, "no files");
  }
  sh_out_flush(&o);
  /* -f: print what files gain, until a signal ends the process */
  while (follow && !o.failed && !sh_stopping(sh) && opened > 0) {
    if (sh_sleep(sh, 1000))
      break;
    for (int fi = 0; fi < nfiles; fi++) {
      if (!ok[fi])
        continue;
      sh_buf all = {0};
      int err;
      if (sh_read_all(sh, io, files[fi], &all, &err) == 0 && all.len > sizes[fi]) {
        sh_out_add(&o, all.data + sizes[fi], all.len - sizes[fi]);
        sizes[fi] = all.len;
      } else if (all.len < sizes[fi]) {
        sizes[fi] = all.len;
      }
      sh_buf_free(&all);
    }
    sh_out_flush(&o);
  }
  ctrt__free(sizes);
  ctrt__free(ok);
  ctrt__free(fixed);
  if (!sh_out_done(&o))
    return 1;
  return status;
}

/* ---- seq, yes ---- */

static int decimals_of(const char *s) {
  const char *dot = strchr(s, '.');
  if (dot == NULL)
    return 0;
  int n = 0;
  for (dot++; isdigit((unsigned char)*dot); dot++)
    n++;
  return n;
}

SH_APPLET(seq) {
  const char *sep = "\n";
  bool width = false;
  int i = 1;
  /* options come first (getopt stops at the first operand) */
  while (i < argc && argv[i][0] == '-' && argv[i][1] != '\0') {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    for (const char *p = argv[i] + 1; *p; p++) {
      if (*p == 'w')
        width = true;
      else if (*p == 's') {
        if (p[1])
          sep = p + 1;
        else if (i + 1 < argc)
          sep = argv[++i];
        else {
          sh_err(sh, io, "option requires an argument -- 's'");
          return sh_usage(sh, io, "seq");
        }
        break;
      } else {
        sh_err(sh, io, "invalid option -- '%c'", *p);
        return sh_usage(sh, io, "seq");
      }
    }
    i++;
  }
  int n = argc - i;
  if (n < 1 || n > 3)
    return sh_usage(sh, io, "seq");
  double v[3];
  int prec = 0;
  for (int k = 0; k < n; k++) {
    char *end;
    v[k] = strtod(argv[i + k], &end);
    if (*end != '\0' || end == argv[i + k])
      return sh_usage(sh, io, "seq");
    int d = decimals_of(argv[i + k]);
    if (d > prec)
      prec = d;
  }
  double first = 1, inc = 1, last = v[n - 1];
  if (n >= 2)
    first = v[0];
  if (n == 3)
    inc = v[1];
  int w = 0;
  if (width) {
    char a[64], b[64];
    w = snprintf(a, sizeof a, "%.*f", prec, first);
    int w2 = snprintf(b, sizeof b, "%.*f", prec, last);
    if (w2 > w)
      w = w2;
  }
  sh_outbuf o = {sh, io, 1, {0}, false};
  bool any = false;
  unsigned long long k = 0;
  for (;; k++) {
    double x = first + (double)k * inc;
    if ((inc > 0 && x > last) || (inc < 0 && x < last) || o.failed)
      break;
    if (any)
      sh_out_s(&o, sep);
    if (prec == 0 && !width && fabs(x) < 1e15) {
      /* integers: cheaper than %f for long runs */
      char num[24];
      long long iv = (long long)x;
      char *p = num + sizeof num;
      unsigned long long u = iv < 0 ? 0ULL - (unsigned long long)iv : (unsigned long long)iv;
      do
        *--p = (char)('0' + u % 10);
      while ((u /= 10) != 0);
      if (iv < 0)
        *--p = '-';
      sh_out_add(&o, p, (size_t)(num + sizeof num - p));
    } else {
      sh_out_f(&o, width ? "%0*.*f" : "%*.*f", w, prec, x);
    }
    any = true;
    if (inc == 0 && k > 0 && (k & 1023) == 0 && (!sh_out_flush(&o) || sh_poll(sh)))
      break;
    if ((k & 4095) == 4095 && sh_poll(sh))
      break;
  }
  if (any)
    sh_out_c(&o, '\n');
  return sh_out_done(&o) ? 0 : 1;
}

SH_APPLET(yes) {
  sh_buf line = {0};
  for (int i = 1; i < argc; i++)
    if ((i > 1 && sh_buf_addc(&line, ' ') < 0) || sh_buf_adds(&line, argv[i]) < 0)
      return sh_oom(sh), 1;
  if (argc < 2 && sh_buf_adds(&line, "y") < 0)
    return sh_oom(sh), 1;
  if (sh_buf_addc(&line, '\n') < 0)
    return sh_oom(sh), 1;
  /* lines in 4 KiB blocks: same bytes, fewer writes */
  sh_buf block = {0};
  while (block.len < 4096)
    if (sh_buf_add(&block, line.data, line.len) < 0) {
      sh_buf_free(&line);
      sh_buf_free(&block);
      return sh_oom(sh), 1;
    }
  sh_buf_free(&line);
  while (!sh_stopping(sh)) {
    if (sh_write(sh, io, 1, block.data, block.len) < 0)
      break;
    if (sh_poll(sh))
      break;
  }
  sh_buf_free(&block);
  return 1;
}

/* ---- tee ---- */

SH_APPLET(tee) {
  static const char *flags = "ai";
  unsigned f;
  if (sh_getopt(sh, io, argc, argv, flags, &f, NULL) < 0)
    return 1;
  int status = 0;
  int nfiles = sh_count_args(argv + 1);
  sh_stream **outs = ctrt__calloc((size_t)nfiles + 1, sizeof *outs);
  if (outs == NULL)
    return sh_oom(sh), 1;
  for (int k = 0; k < nfiles; k++) {
    int err;
    if (strcmp(argv[1 + k], "-") == 0) {
      outs[k] = sh_stream_ref(io->fd[1]);
      continue;
    }
    if (sh_open_output(sh, io, argv[1 + k], f & sh_optbit(flags, 'a'), &outs[k], &err) < 0) {
      sh_err(sh, io, "%s: %s", argv[1 + k], strerror(err));
      status = 1;
    }
  }
  char chunk[16384];
  size_t got;
  int err, rc;
  bool stdout_ok = true;
  while ((rc = sh_read(sh, io, 0, chunk, sizeof chunk, &got, &err)) == 0) {
    if (stdout_ok && sh_write(sh, io, 1, chunk, got) < 0) {
      stdout_ok = false;
      status = 1;
      if (sh_stopping(sh))
        break;
    }
    for (int k = 0; k < nfiles; k++)
      if (outs[k] != NULL) {
        sh_io one = {{0}};
        one.fd[1] = outs[k];
        sh_write(sh, &one, 1, chunk, got);
      }
    sh_flush_files(sh->root);
    if (sh_poll(sh))
      break;
  }
  for (int k = 0; k < nfiles; k++)
    sh_stream_unref(sh->root, outs[k]);
  ctrt__free(outs);
  if (rc == -1) {
    sh_err(sh, io, "read error: %s", strerror(err));
    status = 1;
  }
  return status;
}

/* ---- basename, dirname ---- */

static void basename_of(const char *path, const char *suffix, sh_outbuf *o) {
  size_t len = strlen(path);
  while (len > 1 && path[len - 1] == '/')
    len--;
  size_t start = len;
  while (start > 0 && path[start - 1] != '/')
    start--;
  if (len == 1 && path[0] == '/')
    start = 0;
  size_t n = len - start;
  if (suffix != NULL) {
    size_t sl = strlen(suffix);
    if (sl < n && memcmp(path + start + n - sl, suffix, sl) == 0)
      n -= sl;
  }
  sh_out_add(o, path + start, n);
  sh_out_c(o, '\n');
}

SH_APPLET(basename) {
  int i = 1;
  bool multi = false;
  const char *suffix = NULL;
  while (i < argc && argv[i][0] == '-' && argv[i][1] != '\0') {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    if (strcmp(argv[i], "-a") == 0)
      multi = true;
    else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
      suffix = argv[++i];
      multi = true;
    } else {
      sh_err(sh, io, "invalid option -- '%c'", argv[i][1]);
      return sh_usage(sh, io, "basename");
    }
    i++;
  }
  int n = argc - i;
  if (n < 1 || (!multi && n > 2))
    return sh_usage(sh, io, "basename");
  sh_outbuf o = {sh, io, 1, {0}, false};
  if (!multi)
    basename_of(argv[i], n == 2 ? argv[i + 1] : NULL, &o);
  else
    for (; i < argc; i++)
      basename_of(argv[i], suffix, &o);
  return sh_out_done(&o) ? 0 : 1;
}

SH_APPLET(dirname) {
  int i = 1;
  if (i < argc && strcmp(argv[i], "--") == 0)
    i++;
  if (argc - i != 1)
    return sh_usage(sh, io, "dirname");
  const char *p = argv[i];
  size_t len = strlen(p);
  while (len > 1 && p[len - 1] == '/')
    len--;
  while (len > 0 && p[len - 1] != '/')
    len--;
  if (len == 0)
    return sh_puts(sh, io, 1, ".\n") < 0 ? 1 : 0;
  while (len > 1 && p[len - 1] == '/')
    len--;
  return sh_printf(sh, io, 1, "%.*s\n", (int)len, p) < 0 ? 1 : 0;
}
