/* SPDX-License-Identifier: MIT */
/*
 * grep on streams and memfs files: busybox 1.35's options, output and
 * exit statuses.
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

static int grep_stream(sh_state *sh, sh_io *io, grep_opts *g, sh_stream *s, const char *name, bool show_name,
                       sh_outbuf *o, bool *matched_any) {
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
      sh_out_flush(o);
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
                sh_out_f(o, "%s:", name);
              if (g->n)
                sh_out_f(o, "%lld:", lineno);
              sh_out_add(o, z + so, eo - so);
              sh_out_c(o, '\n');
            }
            from = eo > so ? eo : so + 1;
          }
        } else if (!g->o) {
          if (show_name)
            sh_out_f(o, "%s:", name);
          if (g->n)
            sh_out_f(o, "%lld:", lineno);
          sh_out_add(o, line, len);
          sh_out_c(o, '\n');
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
      sh_out_f(o, "%s:", name);
    sh_out_f(o, "%lld\n", count);
  }
  if (g->l && count > 0)
    sh_out_f(o, "%s\n", name);
  if (g->L) {
    /* -L succeeds when it lists a file */
    *matched_any = false;
    if (count == 0) {
      sh_out_f(o, "%s\n", name);
      g->listed = true;
    }
  }
  return 0;
}

static int grep_path(sh_state *sh, sh_io *io, grep_opts *g, const char *name, bool show_name, sh_outbuf *o,
                     bool *matched_any, bool top);

static int grep_dir(sh_state *sh, sh_io *io, grep_opts *g, const char *name, bool show_name, sh_outbuf *o,
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

static int grep_path(sh_state *sh, sh_io *io, grep_opts *g, const char *name, bool show_name, sh_outbuf *o,
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
  if (sh_open_named(sh, io, name, &s, &err) < 0) {
    if (!g->s) {
      sh_out_flush(o);
      sh_err(sh, io, "%s: %s", name, strerror(err));
    }
    return 2;
  }
  int rc = grep_stream(sh, io, g, s, name == NULL || strcmp(name, "-") == 0 ? "(standard input)" : name, show_name, o,
                       matched_any);
  sh_stream_unref(sh->root, s);
  return rc;
}

/* A flag without argument into g; false when c is not one. */
static bool grep_flag(grep_opts *g, char c) {
  switch (c) {
  case 'H':
    g->H = true, g->h = false;
    return true;
  case 'h':
    g->h = true, g->H = false;
    return true;
  case 'R':
    g->r = true;
    return true;
  case 'z':
    return true; /* accepted and ignored: lines stay newline-separated */
  default:
    break;
  }
  static const char letters[] = "nlLcoqvsriwxFE";
  bool *const flags[] = {&g->n, &g->l, &g->L, &g->c, &g->o, &g->q, &g->v,
                         &g->s, &g->r, &g->i, &g->w, &g->x, &g->F, &g->E};
  const char *k = strchr(letters, c);
  if (c == '\0' || k == NULL)
    return false;
  *flags[k - letters] = true;
  return true;
}

/* -f FILE: one pattern per line into pats; 0, 2 after the message, or -2
 * when out of memory. */
static int grep_pattern_file(sh_state *sh, sh_io *io, const char *file, sh_strv *pats) {
  sh_buf text = {0};
  int err;
  int rc = sh_read_all(sh, io, file, &text, &err);
  if (rc != 0) {
    if (rc == 1)
      sh_err(sh, io, "%s: %s", file, strerror(err));
    sh_buf_free(&text);
    return 2;
  }
  const char *t = text.data ? text.data : "";
  size_t len = text.len;
  for (size_t st = 0; st < len;) {
    const char *nl = memchr(t + st, '\n', len - st);
    size_t l = nl ? (size_t)(nl - (t + st)) : len - st;
    if (sh_strv_adopt(pats, ctrt__strndup(t + st, l)) < 0) {
      sh_buf_free(&text);
      return -2;
    }
    st += l + 1;
  }
  sh_buf_free(&text);
  return 0;
}

/* Options by hand (-e and -f repeat) into g, pats and operands; the first
 * operand is the pattern when no -e or -f gave one. 0, 2 after a message,
 * or -2 when out of memory. */
static int grep_parse(sh_state *sh, sh_io *io, int argc, char **argv, grep_opts *g, sh_strv *pats, sh_strv *operands) {
  bool only_ops = false;
  for (int i = 1; i < argc; i++) {
    char *a = argv[i];
    if (only_ops || a[0] != '-' || a[1] == '\0') {
      if (sh_strv_add(operands, a) < 0)
        return -2;
      continue;
    }
    if (strcmp(a, "--") == 0) {
      only_ops = true;
      continue;
    }
    for (const char *p = a + 1; *p; p++) {
      char c = *p;
      if (strchr("emfABC", c) == NULL) {
        if (grep_flag(g, c))
          continue;
        sh_err(sh, io, "invalid option -- '%c'", c);
        sh_usage(sh, io, "grep");
        return 2;
      }
      const char *val = p[1] ? p + 1 : i + 1 < argc ? argv[++i] : NULL;
      if (val == NULL) {
        sh_err(sh, io, "option requires an argument -- '%c'", c);
        sh_usage(sh, io, "grep");
        return 2;
      }
      int rc = 0; /* -A -B -C: context lines are not supported, matching lines only */
      if (c == 'e') {
        rc = sh_strv_add(pats, val) < 0 ? -2 : 0;
      } else if (c == 'f') {
        rc = grep_pattern_file(sh, io, val, pats);
      } else if (c == 'm' && !sh_parse_long(val, &g->max)) {
        sh_err(sh, io, "invalid number '%s'", val);
        rc = 2;
      }
      if (rc != 0)
        return rc;
      break; /* the argument took the rest of this word */
    }
  }
  if (pats->n > 0)
    return 0;
  if (operands->n == 0) {
    sh_usage(sh, io, "grep");
    return 2;
  }
  if (sh_strv_add(pats, operands->v[0]) < 0)
    return -2;
  ctrt__free(operands->v[0]);
  memmove(operands->v, operands->v + 1, operands->n * sizeof(char *));
  operands->n--;
  return 0;
}

/* The regexes of g->pats (unless -F); 0, or 2 after the message. */
static int grep_compile(sh_state *sh, sh_io *io, grep_opts *g) {
  if (g->F)
    return 0;
  g->res = ctrt__calloc(g->npats, sizeof *g->res);
  if (g->res == NULL)
    return sh_oom(sh), 2;
  for (size_t k = 0; k < g->npats; k++) {
    if (regcomp(&g->res[k], g->pats[k], (g->E ? REG_EXTENDED : 0) | (g->i ? REG_ICASE : 0)) != 0) {
      sh_err(sh, io, "bad regex '%s'", g->pats[k]);
      for (size_t j = 0; j < k; j++)
        regfree(&g->res[j]);
      ctrt__free(g->res);
      g->res = NULL;
      return 2;
    }
  }
  return 0;
}

/* Search the operands (none: stdin, or "." with -r); the exit status. */
static int grep_run(sh_state *sh, sh_io *io, grep_opts *g, const sh_strv *operands) {
  int status = 0;
  bool matched = false;
  sh_outbuf o = {sh, io, 1, {0}, false};
  bool show = g->H || ((operands->n > 1 || g->r) && !g->h);
  if (operands->n == 0) {
    status = grep_path(sh, io, g, g->r ? "." : NULL, show, &o, &matched, true);
  } else {
    for (size_t k = 0; k < operands->n && !sh_stopping(sh); k++) {
      int s = grep_path(sh, io, g, operands->v[k], show, &o, &matched, true);
      if (s > status)
        status = s;
      if (g->q && matched)
        break;
    }
  }
  if (!sh_out_done(&o) && status == 0)
    status = 2;
  if (g->L)
    matched = g->listed;
  if (g->q && matched)
    return 0;
  return status == 0 ? (matched ? 0 : 1) : status;
}

SH_APPLET(grep) {
  grep_opts g = {0};
  g.max = -1;
  sh_strv pats = {0};
  sh_strv operands = {0};
  int status = grep_parse(sh, io, argc, argv, &g, &pats, &operands);
  if (status == 0) {
    g.pats = pats.v;
    g.npats = pats.n;
    status = grep_compile(sh, io, &g);
  }
  if (status == 0) {
    status = grep_run(sh, io, &g, &operands);
    for (size_t k = 0; g.res != NULL && k < pats.n; k++)
      regfree(&g.res[k]);
    ctrt__free(g.res);
  }
  sh_strv_free(&pats);
  sh_strv_free(&operands);
  if (status == -2)
    return sh_oom(sh), 2;
  return status;
}
