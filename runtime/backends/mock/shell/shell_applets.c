/* SPDX-License-Identifier: MIT */
/*
 * Text and process applets: echo, printf, cat, sleep, usleep, true, false,
 * env, id, whoami, hostname, uname, date, kill, wc, head, tail, seq, yes,
 * tee, grep, basename, dirname, test/[, pwd, busybox. Options, output
 * formats, messages and exit statuses are busybox 1.35's.
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

/* Output collected in a buffer and written in large pieces. */
typedef struct outbuf {
  sh_state *sh;
  sh_io *io;
  int fd;
  sh_buf b;
  bool failed;
} outbuf;

static bool out_flush(outbuf *o) {
  if (o->b.len > 0 && !o->failed) {
    if (sh_write(o->sh, o->io, o->fd, o->b.data, o->b.len) < 0)
      o->failed = true;
  }
  o->b.len = 0;
  return !o->failed;
}

static bool out_add(outbuf *o, const void *d, size_t n) {
  if (o->failed)
    return false;
  if (sh_buf_add(&o->b, d, n) < 0) {
    o->failed = true;
    sh_oom(o->sh);
    return false;
  }
  if (o->b.len >= 65536)
    return out_flush(o);
  return true;
}

static bool out_c(outbuf *o, char c) { return out_add(o, &c, 1); }

static bool out_s(outbuf *o, const char *s) { return out_add(o, s, strlen(s)); }

static bool out_f(outbuf *o, const char *fmt, ...) CTRT__PRINTF(2, 3);
static bool out_f(outbuf *o, const char *fmt, ...) {
  char small[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    return false;
  if ((size_t)n < sizeof small)
    return out_add(o, small, (size_t)n);
  char *big = ctrt__malloc((size_t)n + 1);
  if (big == NULL) {
    sh_oom(o->sh);
    o->failed = true;
    return false;
  }
  va_start(ap, fmt);
  vsnprintf(big, (size_t)n + 1, fmt, ap);
  va_end(ap);
  bool ok = out_add(o, big, (size_t)n);
  ctrt__free(big);
  return ok;
}

static bool out_done(outbuf *o) {
  bool ok = out_flush(o);
  sh_buf_free(&o->b);
  return ok;
}

/* Open NAME ("-" or NULL: stdin) for reading. */
static int open_named(sh_state *sh, sh_io *io, const char *name, sh_stream **s, int *err) {
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
  if (open_named(sh, io, name, &s, err) < 0)
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

/* ---- true, false, pwd, sync-like trivia ---- */

SH_APPLET(true) {
  (void)sh;
  (void)io;
  (void)argc;
  (void)argv;
  return 0;
}

SH_APPLET(false) {
  (void)sh;
  (void)io;
  (void)argc;
  (void)argv;
  return 1;
}

SH_APPLET(pwd) {
  (void)argc;
  (void)argv;
  if (sh_printf(sh, io, 1, "%s\n", sh->cwd) < 0 && !sh_stopping(sh)) {
    sh_err(sh, io, "write error: %s", strerror(EBADF));
    return 1;
  }
  return 0;
}

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
static bool add_echo_escapes(outbuf *o, const char *s) {
  while (*s) {
    char c = *s++;
    if (c == '\\') {
      if (*s == 'c')
        return true;
      if (*s == '0' && s[1] >= '0' && s[1] <= '7')
        s++;
      c = (char)escape_char(&s);
    }
    out_c(o, c);
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
  outbuf o = {sh, io, 1, {0}, false};
  bool stopped = false;
  for (; i < argc && !stopped; i++) {
    if (escapes)
      stopped = add_echo_escapes(&o, argv[i]);
    else
      out_s(&o, argv[i]);
    if (i + 1 < argc && !stopped)
      out_c(&o, ' ');
  }
  if (newline && !stopped)
    out_c(&o, '\n');
  if (!out_done(&o)) {
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

/* One pass over the format: the number of arguments used, or -1 after an
 * invalid directive; *stop when \c or %b's \c ended the output. */
static int printf_pass(sh_state *sh, sh_io *io, outbuf *o, const char *f, char **args, int nargs, bool *conv_err,
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
      out_c(o, (char)c);
      f = p - 1;
      continue;
    }
    if (*f != '%') {
      out_c(o, *f);
      continue;
    }
    const char *start = f++;
    if (*f == '%') {
      out_c(o, '%');
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
      long long v = 0;
      if (used < nargs && !sh_parse_long(args[used], &v)) {
        sh_err(sh, io, "invalid number '%s'", args[used]);
        *conv_err = true;
        v = 0;
      }
      if (used < nargs)
        used++;
      width = (int)v;
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
        long long v = 0;
        if (used < nargs && !sh_parse_long(args[used], &v)) {
          sh_err(sh, io, "invalid number '%s'", args[used]);
          *conv_err = true;
          v = 0;
        }
        if (used < nargs)
          used++;
        prec = (int)v;
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
      out_flush(o);
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
        out_add(o, buf, (size_t)n);
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
        out_add(o, big, (size_t)n);
      else
        out_add(o, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
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
  outbuf o = {sh, io, 1, {0}, false};
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
  if (!out_done(&o))
    return 1;
  return status || conv_err ? 1 : 0;
}

/* ---- cat ---- */

static void cat_visible(outbuf *o, const char *d, size_t n, bool v, bool t, bool e, bool number, bool nonblank,
                        long *line, bool *at_start) {
  for (size_t k = 0; k < n; k++) {
    unsigned char c = (unsigned char)d[k];
    if (*at_start && (number || nonblank)) {
      if (!(nonblank && c == '\n'))
        out_f(o, "%6ld\t", ++*line);
      *at_start = false;
    }
    if (c == '\n') {
      if (e)
        out_c(o, '$');
      out_c(o, '\n');
      *at_start = true;
      continue;
    }
    if (c == '\t' && !t) {
      out_c(o, '\t');
      continue;
    }
    if (v || t) {
      if (c >= 128) {
        out_s(o, "M-");
        c -= 128;
      }
      if (c < 32 || c == 127) {
        out_c(o, '^');
        out_c(o, c == 127 ? '?' : (char)(c + '@'));
        continue;
      }
    }
    out_c(o, (char)c);
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
    if (open_named(sh, io, *files, &s, &err) < 0) {
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
        outbuf o = {sh, io, 1, {0}, false};
        cat_visible(&o, chunk, got, v, t, e, number, nonblank, &line, &at_start);
        if (!out_done(&o)) {
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

/* ---- sleep, usleep ---- */

/* "1.5", "2m", "inf": milliseconds (false if not a duration). */
static bool parse_duration(const char *s, double *ms) {
  if (strcasecmp(s, "inf") == 0 || strcasecmp(s, "infinity") == 0) {
    *ms = INFINITY;
    return true;
  }
  if (!isdigit((unsigned char)s[0]) && s[0] != '.')
    return false;
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno != 0 || end == s)
    return false;
  double mult = 1000;
  if (*end != '\0') {
    if (end[1] != '\0')
      return false;
    switch (*end) {
    case 's':
      break;
    case 'm':
      mult = 60e3;
      break;
    case 'h':
      mult = 3600e3;
      break;
    case 'd':
      mult = 86400e3;
      break;
    default:
      return false;
    }
  }
  *ms = v * mult;
  return true;
}

static const uint64_t forever_ms = UINT64_C(100) * 365 * 86400 * 1000;

SH_APPLET(sleep) {
  if (argc < 2)
    return sh_usage(sh, io, "sleep");
  double total = 0;
  for (int i = 1; i < argc; i++) {
    double ms;
    if (strcmp(argv[i], "--") == 0 && i == 1)
      continue;
    if (!parse_duration(argv[i], &ms)) {
      sh_err(sh, io, "invalid number '%s'", argv[i]);
      return 1;
    }
    total += ms;
  }
  uint64_t ms = total >= (double)forever_ms ? forever_ms : (uint64_t)ceil(total);
  sh_sleep(sh, ms);
  return 0;
}

SH_APPLET(usleep) {
  if (argc < 2)
    return sh_usage(sh, io, "usleep");
  long long us;
  if (!sh_parse_long(argv[1], &us) || us < 0) {
    sh_err(sh, io, "invalid number '%s'", argv[1]);
    return 1;
  }
  sh_sleep(sh, (uint64_t)(us + 999) / 1000);
  return 0;
}

/* ---- users and groups from the memfs ---- */

typedef struct passwd_entry {
  char name[64];
  uint32_t uid, gid;
  bool found;
} passwd_entry;

static char *read_text_file(sh_state *sh, const char *path) {
  memfs_blob *blob = NULL;
  sh_lock(sh);
  int rc = memfs_read(sh_fs(sh), path, &blob);
  sh_unlock(sh);
  if (rc < 0) {
    ctrt_error_clear();
    return NULL;
  }
  char *text = ctrt__strndup((const char *)memfs_blob_data(blob), memfs_blob_len(blob));
  memfs_blob_unref(blob);
  return text;
}

/* Field k (0-based) of a ':'-separated line. */
static bool field(const char *line, size_t len, int k, const char **start, size_t *flen) {
  const char *s = line, *end = line + len;
  for (int i = 0; i < k; i++) {
    const char *c = memchr(s, ':', (size_t)(end - s));
    if (c == NULL)
      return false;
    s = c + 1;
  }
  const char *c = memchr(s, ':', (size_t)(end - s));
  *start = s;
  *flen = c ? (size_t)(c - s) : (size_t)(end - s);
  return true;
}

/* Look a user up by name (name != NULL) or uid in /etc/passwd. */
static bool lookup_user(sh_state *sh, const char *name, uint32_t uid, passwd_entry *out) {
  memset(out, 0, sizeof *out);
  char *text = read_text_file(sh, "/etc/passwd");
  if (text == NULL)
    return false;
  for (char *line = text; *line;) {
    char *nl = strchr(line, '\n');
    size_t len = nl ? (size_t)(nl - line) : strlen(line);
    const char *f0, *f2, *f3;
    size_t l0, l2, l3;
    if (field(line, len, 0, &f0, &l0) && field(line, len, 2, &f2, &l2) && field(line, len, 3, &f3, &l3) &&
        l0 < sizeof out->name) {
      char num[32];
      snprintf(num, sizeof num, "%.*s", (int)(l2 < 20 ? l2 : 20), f2);
      uint32_t u = (uint32_t)strtoul(num, NULL, 10);
      snprintf(num, sizeof num, "%.*s", (int)(l3 < 20 ? l3 : 20), f3);
      uint32_t g = (uint32_t)strtoul(num, NULL, 10);
      bool hit = name ? (strlen(name) == l0 && memcmp(name, f0, l0) == 0) : u == uid;
      if (hit) {
        memcpy(out->name, f0, l0);
        out->name[l0] = '\0';
        out->uid = u;
        out->gid = g;
        out->found = true;
        break;
      }
    }
    line = nl ? nl + 1 : line + len;
  }
  ctrt__free(text);
  return out->found;
}

/* Group name of gid ("" when unknown). */
static bool group_name(sh_state *sh, uint32_t gid, char *name, size_t cap) {
  name[0] = '\0';
  char *text = read_text_file(sh, "/etc/group");
  if (text == NULL)
    return false;
  bool found = false;
  for (char *line = text; *line && !found;) {
    char *nl = strchr(line, '\n');
    size_t len = nl ? (size_t)(nl - line) : strlen(line);
    const char *f0, *f2;
    size_t l0, l2;
    if (field(line, len, 0, &f0, &l0) && field(line, len, 2, &f2, &l2) && l0 < cap) {
      char num[32];
      snprintf(num, sizeof num, "%.*s", (int)(l2 < 20 ? l2 : 20), f2);
      if ((uint32_t)strtoul(num, NULL, 10) == gid && l2 > 0) {
        memcpy(name, f0, l0);
        name[l0] = '\0';
        found = true;
      }
    }
    line = nl ? nl + 1 : line + len;
  }
  ctrt__free(text);
  return found;
}

/* The groups of a user: its primary group, then the groups listing it. */
static size_t user_groups(sh_state *sh, const char *user, uint32_t gid, uint32_t *out, size_t cap) {
  size_t n = 0;
  out[n++] = gid;
  if (user == NULL || user[0] == '\0')
    return n;
  char *text = read_text_file(sh, "/etc/group");
  if (text == NULL)
    return n;
  for (char *line = text; *line && n < cap;) {
    char *nl = strchr(line, '\n');
    size_t len = nl ? (size_t)(nl - line) : strlen(line);
    const char *f2, *f3;
    size_t l2, l3;
    if (field(line, len, 2, &f2, &l2) && field(line, len, 3, &f3, &l3)) {
      char num[32];
      snprintf(num, sizeof num, "%.*s", (int)(l2 < 20 ? l2 : 20), f2);
      uint32_t g = (uint32_t)strtoul(num, NULL, 10);
      /* members: comma-separated */
      const char *m = f3, *mend = f3 + l3;
      while (m < mend) {
        const char *c = memchr(m, ',', (size_t)(mend - m));
        size_t ml = c ? (size_t)(c - m) : (size_t)(mend - m);
        if (ml == strlen(user) && memcmp(m, user, ml) == 0) {
          bool dup = false;
          for (size_t k = 0; k < n; k++)
            dup |= out[k] == g;
          if (!dup)
            out[n++] = g;
          break;
        }
        m = c ? c + 1 : mend;
      }
    }
    line = nl ? nl + 1 : line + len;
  }
  ctrt__free(text);
  return n;
}

SH_APPLET(id) {
  static const char *flags = "ugGnr";
  unsigned f;
  if (sh_getopt(sh, io, argc, argv, flags, &f, NULL) < 0)
    return 1;
  bool u = f & sh_optbit(flags, 'u'), g = f & sh_optbit(flags, 'g'), G = f & sh_optbit(flags, 'G'),
       n = f & sh_optbit(flags, 'n');
  if ((u + g + G) > 1 || (n && !(u || g || G)))
    return sh_usage(sh, io, "id");
  passwd_entry pw;
  uint32_t uid = sh->root->proc->uid, gid = sh->root->proc->gid;
  if (argv[1] != NULL) {
    if (!lookup_user(sh, argv[1], 0, &pw)) {
      sh_err(sh, io, "unknown user %s", argv[1]);
      return 1;
    }
    uid = pw.uid;
    gid = pw.gid;
  } else {
    lookup_user(sh, NULL, uid, &pw);
  }
  uint32_t groups[64];
  size_t ng = user_groups(sh, pw.found ? pw.name : NULL, gid, groups, 64);
  char gname[64];
  int status = 0;
  outbuf o = {sh, io, 1, {0}, false};
  if (u || g) {
    uint32_t v = u ? uid : gid;
    if (n) {
      bool found = u ? pw.found : group_name(sh, gid, gname, sizeof gname);
      if (!found) {
        sh_err(sh, io, "unknown %s %u", u ? "uid" : "gid", v);
        out_f(&o, "%u\n", v);
        status = 1;
      } else
        out_f(&o, "%s\n", u ? pw.name : gname);
    } else
      out_f(&o, "%u\n", v);
  } else if (G) {
    for (size_t k = 0; k < ng; k++) {
      if (k > 0)
        out_c(&o, ' ');
      if (n && group_name(sh, groups[k], gname, sizeof gname))
        out_s(&o, gname);
      else
        out_f(&o, "%u", groups[k]);
    }
    out_c(&o, '\n');
  } else {
    out_f(&o, "uid=%u", uid);
    if (pw.found)
      out_f(&o, "(%s)", pw.name);
    out_f(&o, " gid=%u", gid);
    if (group_name(sh, gid, gname, sizeof gname))
      out_f(&o, "(%s)", gname);
    out_s(&o, " groups=");
    for (size_t k = 0; k < ng; k++) {
      out_f(&o, "%s%u", k ? "," : "", groups[k]);
      if (group_name(sh, groups[k], gname, sizeof gname))
        out_f(&o, "(%s)", gname);
    }
    out_c(&o, '\n');
  }
  if (!out_done(&o))
    return 1;
  return status;
}

SH_APPLET(whoami) {
  (void)argc;
  (void)argv;
  passwd_entry pw;
  if (!lookup_user(sh, NULL, sh->root->proc->uid, &pw)) {
    sh_err(sh, io, "unknown uid %u", sh->root->proc->uid);
    return 1;
  }
  return sh_printf(sh, io, 1, "%s\n", pw.name) < 0 ? 1 : 0;
}

/* ---- hostname, uname, date ---- */

SH_APPLET(hostname) {
  static const char *flags = "sidfF:";
  unsigned f;
  if (sh_getopt(sh, io, argc, argv, flags, &f, NULL) < 0)
    return 1;
  if (argv[1] != NULL || (f & sh_optbit(flags, 'F'))) {
    sh_err(sh, io, "sethostname: %s", strerror(EPERM));
    return 1;
  }
  const char *h = sh->root->proc->hostname ? sh->root->proc->hostname : "localhost";
  if (f & sh_optbit(flags, 'i')) {
    sh_err(sh, io, "%s: %s", h, "Name or service not known");
    return 1;
  }
  size_t len = strlen(h);
  const char *dot = strchr(h, '.');
  if (f & sh_optbit(flags, 's'))
    len = dot ? (size_t)(dot - h) : len;
  if (f & sh_optbit(flags, 'd')) {
    if (dot == NULL)
      return 0;
    return sh_printf(sh, io, 1, "%s\n", dot + 1) < 0 ? 1 : 0;
  }
  return sh_printf(sh, io, 1, "%.*s\n", (int)len, h) < 0 ? 1 : 0;
}

SH_APPLET(uname) {
  static const char *flags = "amnrspvio";
  unsigned f;
  if (sh_getopt(sh, io, argc, argv, flags, &f, NULL) < 0)
    return 1;
  if (argv[1] != NULL)
    return sh_usage(sh, io, "uname");
  /* a container sees the host's kernel */
  struct utsname u;
  if (uname(&u) != 0) {
    snprintf(u.release, sizeof u.release, "6.1.0");
    snprintf(u.version, sizeof u.version, "#1 SMP");
    snprintf(u.machine, sizeof u.machine, "x86_64");
  }
  const char *node = sh->root->proc->hostname ? sh->root->proc->hostname : "localhost";
  bool all = f & sh_optbit(flags, 'a');
  if (f == 0)
    f = sh_optbit(flags, 's');
  const struct {
    char c;
    const char *v;
    bool in_all;
  } fields[] = {{'s', "Linux", true},   {'n', node, true},       {'r', u.release, true},  {'v', u.version, true},
                {'m', u.machine, true}, {'p', "unknown", false}, {'i', "unknown", false}, {'o', "GNU/Linux", true}};
  outbuf o = {sh, io, 1, {0}, false};
  bool first = true;
  for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
    if (!((f & sh_optbit(flags, fields[k].c)) || (all && fields[k].in_all)))
      continue;
    if (!first)
      out_c(&o, ' ');
    out_s(&o, fields[k].v);
    first = false;
  }
  out_c(&o, '\n');
  return out_done(&o) ? 0 : 1;
}

/* A run of 1..max_digits decimal digits at *s, in [lo, hi]; advances *s. */
static bool date_field(const char **s, int max_digits, int lo, int hi, int *out) {
  int v = 0, n = 0;
  while (isdigit((unsigned char)**s) && n < max_digits) {
    v = v * 10 + (**s - '0');
    (*s)++;
    n++;
  }
  if (n == 0 || isdigit((unsigned char)**s) || v < lo || v > hi)
    return false;
  *out = v;
  return true;
}

bool sh_parse_date(const char *s, time_t now, bool time_only, int64_t *out) {
  struct tm tm;
  if (s[0] == '@') {
    long long v;
    time_t t;
    /* only instants gmtime can break down (busybox: "invalid date") */
    if (!sh_parse_long(s + 1, &v) || (long long)(t = (time_t)v) != v || gmtime_r(&t, &tm) == NULL)
      return false;
    *out = v;
    return true;
  }
  /* every field range-checked before it reaches struct tm: no int overflow
   * whatever the digits say (busybox refuses years past 9999 too) */
  gmtime_r(&now, &tm);
  const char *p = s;
  int Y = 0, M = 0, D = 0, h = 0, m = 0, sec = 0;
  bool has_date = false;
  if (date_field(&p, 4, 0, 9999, &Y) && *p == '-') {
    p++;
    if (!date_field(&p, 2, 1, 12, &M) || *p++ != '-' || !date_field(&p, 2, 1, 31, &D))
      return false;
    has_date = true;
    if (*p == '\0') {
      tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
      goto done;
    }
    if (*p != ' ' && *p != 'T')
      return false;
    while (*p == ' ' || *p == 'T')
      p++;
  } else if (!time_only) {
    return false;
  } else {
    p = s;
  }
  if (!date_field(&p, 2, 0, 23, &h) || *p++ != ':' || !date_field(&p, 2, 0, 59, &m))
    return false;
  if (*p == ':') {
    p++;
    if (!date_field(&p, 2, 0, 61, &sec))
      return false;
  }
  if (*p != '\0')
    return false;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = sec;
done:
  if (has_date) {
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
  }
  *out = (int64_t)timegm(&tm);
  return true;
}

SH_APPLET(date) {
  static const char *flags = "Rd:uI:s:r:D:";
  char *args[16] = {0};
  unsigned f;
  /* -I takes an optional attached argument only */
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "-I") == 0)
      argv[i] = "-Idate";
  if (sh_getopt(sh, io, argc, argv, flags, &f, args) < 0)
    return 1;
  if (f & sh_optbit(flags, 's')) {
    sh_err(sh, io, "can't set date: %s", strerror(EPERM));
    return 1;
  }
  ctrt_timestamp ts = ctrt__timestamp_now();
  time_t t = (time_t)ts.seconds;
  const char *date = sh_optarg(flags, 'd', args);
  int64_t parsed;
  if (date != NULL) {
    if (!sh_parse_date(date, t, true, &parsed)) {
      sh_err(sh, io, "invalid date '%s'", date);
      return 1;
    }
    t = (time_t)parsed;
  }
  const char *reference = sh_optarg(flags, 'r', args);
  if (reference != NULL) {
    char *abs = sh_abspath(sh, reference);
    memfs_stat st;
    if (abs == NULL || sh_stat(sh, abs, true, &st) != 0) {
      ctrt__free(abs);
      sh_err(sh, io, "can't stat '%s': %s", reference, strerror(ENOENT));
      return 1;
    }
    ctrt__free(abs);
    t = (time_t)st.mtime.seconds;
  }
  const char *fmt = "%a %b %e %H:%M:%S %Z %Y";
  if (f & sh_optbit(flags, 'R'))
    fmt = "%a, %d %b %Y %H:%M:%S %z";
  if (f & sh_optbit(flags, 'I')) {
    const char *what = sh_optarg(flags, 'I', args);
    if (strncmp(what, "date", strlen(what)) == 0)
      fmt = "%Y-%m-%d";
    else if (strncmp(what, "hours", strlen(what)) == 0)
      fmt = "%Y-%m-%dT%H+00:00";
    else if (strncmp(what, "minutes", strlen(what)) == 0)
      fmt = "%Y-%m-%dT%H:%M+00:00";
    else
      fmt = "%Y-%m-%dT%H:%M:%S+00:00";
  }
  if (argv[1] != NULL) {
    if (argv[1][0] != '+') {
      sh_err(sh, io, "can't set date: %s", strerror(EPERM));
      return 1;
    }
    fmt = argv[1] + 1;
  }
  struct tm tm;
  gmtime_r(&t, &tm);
  /* a container without TZ calls its zone "UTC" (strftime says GMT) */
  sh_buf f2 = {0};
  for (const char *p = fmt; *p; p++) {
    if (p[0] == '%' && p[1] == 'Z') {
      sh_buf_adds(&f2, "UTC");
      p++;
    } else if (p[0] == '%' && p[1] == '%') {
      sh_buf_adds(&f2, "%%");
      p++;
    } else
      sh_buf_addc(&f2, *p);
  }
  char out[1024];
  size_t n = f2.len ? strftime(out, sizeof out, f2.data, &tm) : 0;
  sh_buf_free(&f2);
  out[n] = '\0';
  return sh_printf(sh, io, 1, "%s\n", out) < 0 ? 1 : 0;
}

/* ---- kill ---- */

SH_APPLET(kill) {
  int i = 1;
  int sig = SIGTERM;
  if (argc < 2) {
    sh_err(sh, io, "you need to specify whom to kill");
    return 1;
  }
  if (strcmp(argv[1], "-l") == 0) {
    outbuf o = {sh, io, 1, {0}, false};
    if (argc == 2) {
      for (int s = 1; s < 32; s++)
        out_f(&o, "%2d) %s\n", s, sh_signal_name(s));
    }
    for (int k = 2; k < argc; k++) {
      const char *a = argv[k];
      if (isdigit((unsigned char)a[0])) {
        long long v;
        if (!sh_parse_long(a, &v)) {
          out_done(&o);
          sh_err(sh, io, "bad signal name '%s'", a);
          return 1;
        }
        if (v > 128)
          v -= 128;
        const char *name = v == 0 ? "EXIT" : v > 0 && v < 32 ? sh_signal_name((int)v) : NULL;
        if (name)
          out_f(&o, "%s\n", name);
        else
          out_f(&o, "%s\n", a);
      } else {
        int s = sh_signal_number(a);
        if (s <= 0) {
          out_done(&o);
          sh_err(sh, io, "unknown signal '%s'", a);
          return 1;
        }
        out_f(&o, "%d\n", s);
      }
    }
    return out_done(&o) ? 0 : 1;
  }
  if (argv[1][0] == '-' && argv[1][1] != '\0' && strcmp(argv[1], "--") != 0) {
    const char *name = argv[1] + 1;
    i = 2;
    if (strcmp(name, "s") == 0 && argc > 2) {
      name = argv[2];
      i = 3;
    }
    sig = sh_signal_number(name);
    if (sig < 0) {
      sh_err(sh, io, "bad signal name '%s'", name);
      return 1;
    }
  }
  if (i < argc && strcmp(argv[i], "--") == 0)
    i++;
  if (i >= argc) {
    sh_err(sh, io, "you need to specify whom to kill");
    return 1;
  }
  int errors = 0;
  const mock_proc *proc = sh->root->proc;
  for (; i < argc; i++) {
    long long pid;
    if (!sh_parse_long(argv[i], &pid) || pid > INT_MAX || pid < INT_MIN) {
      sh_err(sh, io, "invalid number '%s'", argv[i]);
      return 1;
    }
    int rc = proc->signal_pid != NULL ? proc->signal_pid(proc->ctx, (int)pid, sig) : -1;
    if (rc < 0) {
      ctrt_error_clear();
      sh_err(sh, io, "can't kill pid %lld: %s", pid, strerror(ESRCH));
      errors++;
    }
  }
  sh_poll(sh);
  return errors;
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
  outbuf o = {sh, io, 1, {0}, false};
  for (int fi = 0; fi < nfiles && !sh_stopping(sh); fi++) {
    const char *name = files[fi];
    sh_stream *s;
    int err;
    if (open_named(sh, io, name, &s, &err) < 0) {
      out_flush(&o);
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
      out_flush(&o);
      sh_err(sh, io, "%s: %s", name ? name : "-", strerror(err));
      status = 1;
    }
    unsigned long long vals[5] = {c[0], c[1], c[2], c[3], c[4]};
    bool first = true;
    for (int k = 0; k < 5; k++) {
      if (!(f & sh_optbit(flags, order[k])))
        continue;
      out_f(&o, plain ? "%llu" : first ? "%9llu" : " %9llu", vals[k]);
      first = false;
      total[k] = k == 4 ? (vals[k] > total[k] ? vals[k] : total[k]) : total[k] + vals[k];
    }
    if (name != NULL)
      out_f(&o, " %s", name);
    out_c(&o, '\n');
  }
  if (nfiles > 1) {
    bool first = true;
    for (int k = 0; k < 5; k++) {
      if (!(f & sh_optbit(flags, order[k])))
        continue;
      out_f(&o, first ? "%9llu" : " %9llu", total[k]);
      first = false;
    }
    out_s(&o, " total\n");
  }
  if (!out_done(&o))
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
      mult = 1024 * 1024;
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

SH_APPLET(head) {
  char **fixed = fix_obsolete(sh, &argc, argv, false);
  if (fixed != NULL)
    argv = fixed;
  static const char *flags = "n:c:qv";
  char *args[8] = {0};
  unsigned f;
  int status = 0;
  if (sh_getopt(sh, io, argc, argv, flags, &f, args) < 0) {
    ctrt__free(fixed);
    return 1;
  }
  long long count = 10;
  char sign = 0;
  bool bytes = f & sh_optbit(flags, 'c');
  const char *cs = bytes ? sh_optarg(flags, 'c', args) : sh_optarg(flags, 'n', args);
  if (cs != NULL && !parse_count(cs, &count, &sign)) {
    sh_err(sh, io, "invalid number '%s'", cs);
    ctrt__free(fixed);
    return 1;
  }
  char *stdin_only[] = {NULL, NULL};
  char **files = argv[1] ? argv + 1 : stdin_only;
  int nfiles = argv[1] ? sh_count_args(argv + 1) : 1;
  bool headers = (nfiles > 1 && !(f & sh_optbit(flags, 'q'))) || (f & sh_optbit(flags, 'v'));
  outbuf o = {sh, io, 1, {0}, false};
  for (int fi = 0; fi < nfiles && !sh_stopping(sh); fi++) {
    const char *name = files[fi];
    sh_stream *s;
    int err;
    if (open_named(sh, io, name, &s, &err) < 0) {
      out_flush(&o);
      sh_err(sh, io, "%s: %s", name ? name : "-", strerror(err));
      status = 1;
      continue;
    }
    if (headers)
      out_f(&o, "%s==> %s <==\n", fi > 0 ? "\n" : "", name ? name : "standard input");
    if (sign == '-') {
      /* all but the last N lines/bytes: needs the whole input */
      sh_buf all = {0};
      char chunk[8192];
      size_t got;
      int rc;
      while ((rc = sh_stream_read(sh, s, chunk, sizeof chunk, &got, &err)) == 0)
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
      out_add(&o, all.data, keep);
      sh_buf_free(&all);
    } else {
      long long left = count;
      char chunk[8192];
      size_t got;
      int rc;
      while (left > 0 &&
             (rc = sh_stream_read(sh, s, chunk, bytes && (size_t)left < sizeof chunk ? (size_t)left : sizeof chunk,
                                  &got, &err)) == 0) {
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
        out_add(&o, chunk, take);
        if (!out_flush(&o) || sh_poll(sh))
          break;
      }
    }
    sh_stream_unref(sh->root, s);
  }
  ctrt__free(fixed);
  if (!out_done(&o))
    return 1;
  return status;
}

static void tail_emit(outbuf *o, const char *d, size_t len, long long count, char sign, bool bytes) {
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
  out_add(o, d + start, len - start);
}

SH_APPLET(tail) {
  char **fixed = fix_obsolete(sh, &argc, argv, true);
  if (fixed != NULL)
    argv = fixed;
  static const char *flags = "fFn:c:qvs:";
  char *args[8] = {0};
  unsigned f;
  if (sh_getopt(sh, io, argc, argv, flags, &f, args) < 0) {
    ctrt__free(fixed);
    return 1;
  }
  long long count = 10;
  char sign = 0;
  bool bytes = f & sh_optbit(flags, 'c');
  const char *cs = bytes ? sh_optarg(flags, 'c', args) : sh_optarg(flags, 'n', args);
  if (cs != NULL && !parse_count(cs, &count, &sign)) {
    sh_err(sh, io, "invalid number '%s'", cs);
    ctrt__free(fixed);
    return 1;
  }
  bool follow = f & (sh_optbit(flags, 'f') | sh_optbit(flags, 'F'));
  char *stdin_only[] = {NULL, NULL};
  char **files = argv[1] ? argv + 1 : stdin_only;
  int nfiles = argv[1] ? sh_count_args(argv + 1) : 1;
  bool headers = (nfiles > 1 && !(f & sh_optbit(flags, 'q'))) || (f & sh_optbit(flags, 'v'));
  int status = 0, opened = 0;
  size_t *sizes = ctrt__calloc((size_t)nfiles, sizeof *sizes);
  bool *ok = ctrt__calloc((size_t)nfiles, sizeof *ok);
  if (sizes == NULL || ok == NULL) {
    ctrt__free(sizes);
    ctrt__free(ok);
    ctrt__free(fixed);
    return sh_oom(sh), 1;
  }
  outbuf o = {sh, io, 1, {0}, false};
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
      out_flush(&o);
      sh_err(sh, io, "can't open '%s': %s", name ? name : "-", strerror(err));
      status = 1;
      sh_buf_free(&all);
      continue;
    }
    opened++;
    ok[fi] = name != NULL && strcmp(name, "-") != 0;
    sizes[fi] = all.len;
    if (headers)
      out_f(&o, "%s==> %s <==\n", fi > 0 ? "\n" : "", name ? name : "standard input");
    tail_emit(&o, all.data ? all.data : "", all.len, count, sign, bytes);
    sh_buf_free(&all);
  }
  if (opened == 0 && nfiles > 0 && status != 0) {
    out_flush(&o);
    sh_err(sh, io, "no files");
  }
  out_flush(&o);
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
        out_add(&o, all.data + sizes[fi], all.len - sizes[fi]);
        sizes[fi] = all.len;
      } else if (all.len < sizes[fi]) {
        sizes[fi] = all.len;
      }
      sh_buf_free(&all);
    }
    out_flush(&o);
  }
  ctrt__free(sizes);
  ctrt__free(ok);
  ctrt__free(fixed);
  if (!out_done(&o))
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
  outbuf o = {sh, io, 1, {0}, false};
  bool any = false;
  unsigned long long k = 0;
  for (;; k++) {
    double x = first + (double)k * inc;
    if ((inc > 0 && x > last) || (inc < 0 && x < last) || o.failed)
      break;
    if (any)
      out_s(&o, sep);
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
      out_add(&o, p, (size_t)(num + sizeof num - p));
    } else {
      out_f(&o, width ? "%0*.*f" : "%*.*f", w, prec, x);
    }
    any = true;
    if (inc == 0 && k > 0 && (k & 1023) == 0 && (!out_flush(&o) || sh_poll(sh)))
      break;
    if ((k & 4095) == 4095 && sh_poll(sh))
      break;
  }
  if (any)
    out_c(&o, '\n');
  return out_done(&o) ? 0 : 1;
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

/* ---- grep ---- */

typedef struct grep_opts {
  bool H, h, n, l, L, c, o, q, v, s, r, i, w, x, F, E;
  bool listed; /* -L printed a name */
  long long max;
  char **pats;
  size_t npats;
  regex_t *res;
} grep_opts;

static bool is_word_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* First match of pattern k in line at or after off: true with [so, eo). */
static bool grep_find(const grep_opts *g, size_t k, const char *line, size_t len, size_t off, size_t *so, size_t *eo) {
  if (g->F) {
    const char *p = g->pats[k];
    size_t pl = strlen(p);
    for (size_t s = off; s + pl <= len; s++) {
      bool eq = g->i ? strncasecmp(line + s, p, pl) == 0 : memcmp(line + s, p, pl) == 0;
      if (eq) {
        *so = s;
        *eo = s + pl;
        return true;
      }
    }
    return false;
  }
  regmatch_t m;
  m.rm_so = (regoff_t)off;
  m.rm_eo = (regoff_t)len;
  int flags = REG_STARTEND | (off > 0 ? REG_NOTBOL : 0);
  if (regexec(&g->res[k], line, 1, &m, flags) != 0)
    return false;
  *so = (size_t)m.rm_so;
  *eo = (size_t)m.rm_eo;
  return true;
}

/* Whether a line matches (with -w / -x), and the first match span. */
static bool grep_line(const grep_opts *g, const char *line, size_t len, size_t from, size_t *mso, size_t *meo) {
  bool found = false;
  size_t best_so = 0, best_eo = 0;
  for (size_t k = 0; k < g->npats; k++) {
    size_t off = from;
    while (off <= len) {
      size_t so, eo;
      if (!grep_find(g, k, line, len, off, &so, &eo))
        break;
      bool ok = true;
      if (g->x)
        ok = so == 0 && eo == len;
      else if (g->w)
        ok = (so == 0 || !is_word_char(line[so - 1])) && (eo == len || !is_word_char(line[eo])) && eo > so;
      if (ok) {
        if (!found || so < best_so || (so == best_so && eo > best_eo)) {
          best_so = so;
          best_eo = eo;
        }
        found = true;
        break;
      }
      off = so + 1;
    }
  }
  *mso = best_so;
  *meo = best_eo;
  return found;
}

static int grep_stream(sh_state *sh, sh_io *io, grep_opts *g, sh_stream *s, const char *name, bool show_name, outbuf *o,
                       bool *matched_any) {
  sh_buf all = {0};
  char chunk[16384];
  size_t got;
  int err, rc;
  while ((rc = sh_stream_read(sh, s, chunk, sizeof chunk, &got, &err)) == 0)
    if (sh_buf_add(&all, chunk, got) < 0) {
      sh_buf_free(&all);
      return sh_oom(sh), 2;
    }
  if (rc == -2) {
    sh_buf_free(&all);
    return 2;
  }
  if (rc == -1) {
    sh_buf_free(&all);
    if (!g->s) {
      out_flush(o);
      sh_err(sh, io, "%s: %s", name, strerror(err));
    }
    return 2;
  }
  long long count = 0;
  long long lineno = 0;
  const char *d = all.data ? all.data : "";
  size_t pos = 0;
  while (pos < all.len && !sh_stopping(sh)) {
    const char *nl = memchr(d + pos, '\n', all.len - pos);
    size_t len = nl ? (size_t)(nl - (d + pos)) : all.len - pos;
    const char *line = d + pos;
    lineno++;
    /* regexec needs a terminated line */
    char *z = ctrt__strndup(line, len);
    if (z == NULL) {
      sh_buf_free(&all);
      return sh_oom(sh), 2;
    }
    size_t so, eo;
    bool hit = grep_line(g, z, len, 0, &so, &eo) != g->v;
    if (hit) {
      count++;
      *matched_any = true;
      if (g->q) {
        ctrt__free(z);
        sh_buf_free(&all);
        return 0;
      }
      if (!g->l && !g->L && !g->c) {
        if (g->o && !g->v) {
          size_t from = 0;
          while (from <= len && grep_line(g, z, len, from, &so, &eo)) {
            if (eo > so) {
              if (show_name)
                out_f(o, "%s:", name);
              if (g->n)
                out_f(o, "%lld:", lineno);
              out_add(o, z + so, eo - so);
              out_c(o, '\n');
            }
            from = eo > so ? eo : so + 1;
          }
        } else if (!g->o) {
          if (show_name)
            out_f(o, "%s:", name);
          if (g->n)
            out_f(o, "%lld:", lineno);
          out_add(o, line, len);
          out_c(o, '\n');
        }
      }
    }
    ctrt__free(z);
    pos += len + (nl ? 1 : 0);
    if (g->max >= 0 && count >= g->max)
      break;
  }
  sh_buf_free(&all);
  if (g->c) {
    if (show_name)
      out_f(o, "%s:", name);
    out_f(o, "%lld\n", count);
  }
  if (g->l && count > 0)
    out_f(o, "%s\n", name);
  if (g->L) {
    /* -L succeeds when it lists a file */
    *matched_any = false;
    if (count == 0) {
      out_f(o, "%s\n", name);
      g->listed = true;
    }
  }
  return 0;
}

static int grep_path(sh_state *sh, sh_io *io, grep_opts *g, const char *name, bool show_name, outbuf *o,
                     bool *matched_any, bool top);

static int grep_dir(sh_state *sh, sh_io *io, grep_opts *g, const char *name, bool show_name, outbuf *o,
                    bool *matched_any) {
  char *abs = sh_abspath(sh, name);
  if (abs == NULL)
    return sh_oom(sh), 2;
  char **names = NULL;
  size_t n = 0;
  sh_lock(sh);
  int rc = memfs_list(sh_fs(sh), abs, &names, &n);
  sh_unlock(sh);
  ctrt__free(abs);
  if (rc < 0) {
    ctrt_error_clear();
    return 2;
  }
  int status = 0;
  for (size_t k = 0; k < n && !sh_stopping(sh); k++) {
    size_t nl = strlen(name);
    char *child = ctrt__sprintf("%s%s%s", name, nl > 0 && name[nl - 1] == '/' ? "" : "/", names[k]);
    if (child == NULL) {
      sh_oom(sh);
      break;
    }
    int s = grep_path(sh, io, g, child, show_name, o, matched_any, false);
    if (s > status)
      status = s;
    ctrt__free(child);
  }
  memfs_names_free(names, n);
  return status;
}

static int grep_path(sh_state *sh, sh_io *io, grep_opts *g, const char *name, bool show_name, outbuf *o,
                     bool *matched_any, bool top) {
  if (g->r && name != NULL && strcmp(name, "-") != 0) {
    char *abs = sh_abspath(sh, name);
    memfs_stat st;
    if (abs == NULL)
      return sh_oom(sh), 2;
    /* -r follows symlinks given on the command line only */
    int e = sh_stat(sh, abs, top, &st);
    ctrt__free(abs);
    if (e == 0 && S_ISDIR(st.mode))
      return grep_dir(sh, io, g, name, show_name, o, matched_any);
    if (e == 0 && S_ISLNK(st.mode))
      return 0;
  }
  sh_stream *s;
  int err;
  if (open_named(sh, io, name, &s, &err) < 0) {
    if (!g->s) {
      out_flush(o);
      sh_err(sh, io, "%s: %s", name, strerror(err));
    }
    return 2;
  }
  int rc = grep_stream(sh, io, g, s, name == NULL || strcmp(name, "-") == 0 ? "(standard input)" : name, show_name, o,
                       matched_any);
  sh_stream_unref(sh->root, s);
  return rc;
}

SH_APPLET(grep) {
  grep_opts g = {0};
  g.max = -1;
  sh_strv pats = {0};
  sh_strv operands = {0};
  int status = 0;
  bool only_ops = false;
  /* options by hand: -e and -f repeat */
  for (int i = 1; i < argc; i++) {
    char *a = argv[i];
    if (only_ops || a[0] != '-' || a[1] == '\0') {
      if (sh_strv_add(&operands, a) < 0)
        goto oom;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      only_ops = true;
      continue;
    }
    for (const char *p = a + 1; *p; p++) {
      char c = *p;
      const char *val = NULL;
      if (strchr("emfABC", c)) {
        if (p[1])
          val = p + 1;
        else if (i + 1 < argc)
          val = argv[++i];
        else {
          sh_err(sh, io, "option requires an argument -- '%c'", c);
          sh_usage(sh, io, "grep");
          status = 2;
          goto done;
        }
      }
      switch (c) {
      case 'H':
        g.H = true, g.h = false;
        break;
      case 'h':
        g.h = true, g.H = false;
        break;
      case 'n':
        g.n = true;
        break;
      case 'l':
        g.l = true;
        break;
      case 'L':
        g.L = true;
        break;
      case 'c':
        g.c = true;
        break;
      case 'o':
        g.o = true;
        break;
      case 'q':
        g.q = true;
        break;
      case 'v':
        g.v = true;
        break;
      case 's':
        g.s = true;
        break;
      case 'r':
      case 'R':
        g.r = true;
        break;
      case 'i':
        g.i = true;
        break;
      case 'w':
        g.w = true;
        break;
      case 'x':
        g.x = true;
        break;
      case 'F':
        g.F = true;
        break;
      case 'E':
        g.E = true;
        break;
      case 'z':
        break;
      case 'e':
        if (sh_strv_add(&pats, val) < 0)
          goto oom;
        break;
      case 'f': {
        sh_buf text = {0};
        int err;
        int rc = sh_read_all(sh, io, val, &text, &err);
        if (rc != 0) {
          if (rc == 1)
            sh_err(sh, io, "%s: %s", val, strerror(err));
          sh_buf_free(&text);
          status = 2;
          goto done;
        }
        char *t = text.data ? text.data : "";
        size_t len = text.len;
        size_t st = 0;
        while (st < len) {
          char *nl = memchr(t + st, '\n', len - st);
          size_t l = nl ? (size_t)(nl - (t + st)) : len - st;
          if (sh_strv_adopt(&pats, ctrt__strndup(t + st, l)) < 0) {
            sh_buf_free(&text);
            goto oom;
          }
          st += l + 1;
        }
        sh_buf_free(&text);
        break;
      }
      case 'm': {
        long long m;
        if (!sh_parse_long(val, &m)) {
          sh_err(sh, io, "invalid number '%s'", val);
          status = 2;
          goto done;
        }
        g.max = m;
        break;
      }
      case 'A':
      case 'B':
      case 'C':
        break; /* context lines are not supported: matching lines only */
      default:
        sh_err(sh, io, "invalid option -- '%c'", c);
        sh_usage(sh, io, "grep");
        status = 2;
        goto done;
      }
      if (val != NULL)
        break;
    }
  }
  if (pats.n == 0) {
    if (operands.n == 0) {
      sh_usage(sh, io, "grep");
      status = 2;
      goto done;
    }
    if (sh_strv_add(&pats, operands.v[0]) < 0)
      goto oom;
    ctrt__free(operands.v[0]);
    memmove(operands.v, operands.v + 1, operands.n * sizeof(char *));
    operands.n--;
  }
  g.pats = pats.v;
  g.npats = pats.n;
  if (!g.F) {
    g.res = ctrt__calloc(pats.n, sizeof *g.res);
    if (g.res == NULL)
      goto oom;
    for (size_t k = 0; k < pats.n; k++) {
      int rc = regcomp(&g.res[k], pats.v[k], (g.E ? REG_EXTENDED : 0) | (g.i ? REG_ICASE : 0));
      if (rc != 0) {
        sh_err(sh, io, "bad regex '%s'", pats.v[k]);
        for (size_t j = 0; j < k; j++)
          regfree(&g.res[j]);
        ctrt__free(g.res);
        g.res = NULL;
        status = 2;
        goto done;
      }
    }
  }
  {
    bool matched = false;
    outbuf o = {sh, io, 1, {0}, false};
    bool show = (operands.n > 1 || g.r) && !g.h;
    if (g.H)
      show = true;
    if (operands.n == 0) {
      status = grep_path(sh, io, &g, g.r ? "." : NULL, show, &o, &matched, true);
    } else {
      for (size_t k = 0; k < operands.n && !sh_stopping(sh); k++) {
        int s = grep_path(sh, io, &g, operands.v[k], show, &o, &matched, true);
        if (s > status)
          status = s;
        if (g.q && matched)
          break;
      }
    }
    if (!out_done(&o) && status == 0)
      status = 2;
    if (g.L)
      matched = g.listed;
    if (g.q && matched)
      status = 0;
    else if (status == 0)
      status = matched ? 0 : 1;
    if (g.res != NULL)
      for (size_t k = 0; k < pats.n; k++)
        regfree(&g.res[k]);
    ctrt__free(g.res);
  }
done:
  sh_strv_free(&pats);
  sh_strv_free(&operands);
  return status;
oom:
  sh_strv_free(&pats);
  sh_strv_free(&operands);
  return sh_oom(sh), 2;
}

/* ---- basename, dirname ---- */

static void basename_of(const char *path, const char *suffix, outbuf *o) {
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
  out_add(o, path + start, n);
  out_c(o, '\n');
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
  outbuf o = {sh, io, 1, {0}, false};
  if (!multi)
    basename_of(argv[i], n == 2 ? argv[i + 1] : NULL, &o);
  else
    for (; i < argc; i++)
      basename_of(argv[i], suffix, &o);
  return out_done(&o) ? 0 : 1;
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

/* ---- env ---- */

SH_APPLET(env) {
  sh_strv env = {0};
  if (sh_environ(sh, &env) < 0)
    return sh_oom(sh), 1;
  int i = 1;
  int status = 0;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-") == 0 || strcmp(a, "-i") == 0) {
      sh_strv_free(&env);
      continue;
    }
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (strcmp(a, "-u") == 0 || strncmp(a, "-u", 2) == 0) {
      const char *name = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
      if (name == NULL) {
        sh_err(sh, io, "option requires an argument -- 'u'");
        sh_strv_free(&env);
        return sh_usage(sh, io, "env");
      }
      size_t nl = strlen(name);
      for (size_t k = 0; k < env.n; k++)
        if (strncmp(env.v[k], name, nl) == 0 && env.v[k][nl] == '=') {
          ctrt__free(env.v[k]);
          memmove(&env.v[k], &env.v[k + 1], (env.n - k) * sizeof(char *));
          env.n--;
          break;
        }
      continue;
    }
    if (strcmp(a, "-0") == 0)
      continue;
    if (a[0] == '-' && a[1] != '\0') {
      sh_err(sh, io, "invalid option -- '%c'", a[1]);
      sh_strv_free(&env);
      return sh_usage(sh, io, "env");
    }
    break;
  }
  /* NAME=VALUE: set or replace */
  for (; i < argc && strchr(argv[i], '=') != NULL; i++) {
    const char *eq = strchr(argv[i], '=');
    size_t nl = (size_t)(eq - argv[i]);
    bool replaced = false;
    for (size_t k = 0; k < env.n && !replaced; k++)
      if (strncmp(env.v[k], argv[i], nl + 1) == 0) {
        char *d = ctrt__strdup(argv[i]);
        if (d == NULL) {
          sh_strv_free(&env);
          return sh_oom(sh), 1;
        }
        ctrt__free(env.v[k]);
        env.v[k] = d;
        replaced = true;
      }
    if (!replaced && sh_strv_add(&env, argv[i]) < 0) {
      sh_strv_free(&env);
      return sh_oom(sh), 1;
    }
  }
  if (i >= argc) {
    outbuf o = {sh, io, 1, {0}, false};
    for (size_t k = 0; k < env.n; k++) {
      out_s(&o, env.v[k]);
      out_c(&o, '\n');
    }
    sh_strv_free(&env);
    return out_done(&o) ? 0 : 1;
  }
  const char *path = NULL;
  for (size_t k = 0; k < env.n; k++)
    if (strncmp(env.v[k], "PATH=", 5) == 0)
      path = env.v[k] + 5;
  sh_resolved r;
  if (sh_resolve_cmd(sh, argv[i], path, &r) < 0) {
    sh_strv_free(&env);
    return 1;
  }
  if (r.status != 0) {
    sh_err(sh, io, "can't execute '%s': %s", argv[i], strerror(r.err));
    status = r.status;
  } else {
    sh_state *child = sh_state_new(sh->root, sh, env.v, env.n, sh->cwd);
    if (child == NULL) {
      sh_oom(sh);
      status = 1;
    } else {
      child->parent_is_top = sh->parent_is_top || sh == sh->root->top;
      child->ctx_io = io;
      status = sh_exec_resolved(child, io, &r, argv + i, (size_t)(argc - i));
      if (status < 0) {
        sh_err(sh, io, "can't execute '%s': %s", argv[i], strerror(ENOENT));
        status = 127;
      }
      if (child->unwind == SH_U_EXIT && !child->is_shell)
        status = child->exit_status;
      sh_state_free(child);
    }
  }
  sh_resolved_clear(&r);
  sh_strv_free(&env);
  return status;
}

/* ---- busybox ---- */

SH_APPLET(busybox) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0) {
    outbuf o = {sh, io, 1, {0}, false};
    out_s(&o, "BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\n"
              "BusyBox is copyrighted by many authors between 1998-2015.\n"
              "Licensed under GPLv2. See source distribution for detailed\n"
              "copyright notices.\n\n"
              "Usage: busybox [function [arguments]...]\n"
              "   or: busybox --list[-full]\n"
              "   or: busybox --install [-s] [DIR]\n"
              "   or: function [arguments]...\n\n"
              "\tBusyBox is a multi-call binary that combines many common Unix\n"
              "\tutilities into a single executable.  The shell in this build\n"
              "\tis configured to run built-in utilities without $PATH search.\n"
              "\tYou don't need to install a link to busybox for each utility.\n"
              "\tTo run external program, use full path (/sbin/ip instead of ip).\n\n"
              "Currently defined functions:\n");
    size_t col = 0;
    for (size_t k = 0; mock_shell_applets[k] != NULL; k++) {
      const char *a = mock_shell_applets[k];
      bool last = mock_shell_applets[k + 1] == NULL;
      if (col == 0)
        col = 8, out_c(&o, '\t');
      else if (col + strlen(a) + 2 > 78)
        col = 8, out_s(&o, "\n\t");
      else
        col++, out_c(&o, ' ');
      out_s(&o, a);
      col += strlen(a) + 1;
      out_s(&o, last ? "\n" : ",");
    }
    return out_done(&o) ? 0 : 1;
  }
  if (strcmp(argv[1], "--list") == 0 || strcmp(argv[1], "--list-full") == 0) {
    outbuf o = {sh, io, 1, {0}, false};
    bool full = argv[1][6] == '-';
    for (size_t k = 0; mock_shell_applets[k] != NULL; k++)
      out_f(&o, "%s%s\n", full ? "bin/" : "", mock_shell_applets[k]);
    return out_done(&o) ? 0 : 1;
  }
  const char *name = argv[1];
  const char *slash = strrchr(name, '/');
  if (slash)
    name = slash + 1;
  const sh_applet *a = sh_find_applet(name, SH_A_APPLET);
  if (a == NULL) {
    sh_printf(sh, io, 2, "%s: applet not found\n", name);
    return 127;
  }
  sh->applet_name = name;
  return sh_call_applet(a, sh, io, argc - 1, argv + 1);
}
