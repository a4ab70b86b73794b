/* SPDX-License-Identifier: MIT */
/*
 * System and identity applets: id, whoami (users and groups from the
 * memfs's /etc files), hostname, uname, date. Busybox 1.35's formats.
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

/* ---- users and groups from the memfs ---- */

typedef struct passwd_entry {
  char name[64];
  uint32_t uid, gid;
  bool found;
} passwd_entry;

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
  char *text = sh_slurp(sh, "/etc/passwd");
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
  char *text = sh_slurp(sh, "/etc/group");
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
  char *text = sh_slurp(sh, "/etc/group");
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
  sh_outbuf o = {sh, io, 1, {0}, false};
  if (u || g) {
    uint32_t v = u ? uid : gid;
    if (n) {
      bool found = u ? pw.found : group_name(sh, gid, gname, sizeof gname);
      if (!found) {
        sh_err(sh, io, "unknown %s %u", u ? "uid" : "gid", v);
        sh_out_f(&o, "%u\n", v);
        status = 1;
      } else
        sh_out_f(&o, "%s\n", u ? pw.name : gname);
    } else
      sh_out_f(&o, "%u\n", v);
  } else if (G) {
    for (size_t k = 0; k < ng; k++) {
      if (k > 0)
        sh_out_c(&o, ' ');
      if (n && group_name(sh, groups[k], gname, sizeof gname))
        sh_out_s(&o, gname);
      else
        sh_out_f(&o, "%u", groups[k]);
    }
    sh_out_c(&o, '\n');
  } else {
    sh_out_f(&o, "uid=%u", uid);
    if (pw.found)
      sh_out_f(&o, "(%s)", pw.name);
    sh_out_f(&o, " gid=%u", gid);
    if (group_name(sh, gid, gname, sizeof gname))
      sh_out_f(&o, "(%s)", gname);
    sh_out_s(&o, " groups=");
    for (size_t k = 0; k < ng; k++) {
      sh_out_f(&o, "%s%u", k ? "," : "", groups[k]);
      if (group_name(sh, groups[k], gname, sizeof gname))
        sh_out_f(&o, "(%s)", gname);
    }
    sh_out_c(&o, '\n');
  }
  if (!sh_out_done(&o))
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
  if (sh_getopt_operands(sh, io, argc, argv, flags, &f, NULL, 0, 0) != 0)
    return 1;
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
  sh_outbuf o = {sh, io, 1, {0}, false};
  bool first = true;
  for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
    if (!((f & sh_optbit(flags, fields[k].c)) || (all && fields[k].in_all)))
      continue;
    if (!first)
      sh_out_c(&o, ' ');
    sh_out_s(&o, fields[k].v);
    first = false;
  }
  sh_out_c(&o, '\n');
  return sh_out_done(&o) ? 0 : 1;
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
