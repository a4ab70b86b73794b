/* SPDX-License-Identifier: MIT */
/*
 * Word expansion as ash does it: tilde, parameters, command substitution and
 * arithmetic, then field splitting on IFS (only what came from unquoted
 * expansions), pathname expansion against the memfs, quote removal.
 *
 * Each expanded character carries a flag: quoted (never split, never a glob
 * character) or not. Splitting happens while unquoted expansion results are
 * appended, so literal text never splits.
 */
#include "shell_internal.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>

enum { EXP_FIELDS, EXP_ONE, EXP_PATTERN };
enum { F_LIT = 0, F_QUOTED = 1 };

typedef struct exp {
  sh_state *sh;
  int mode;
  sh_buf text;
  sh_buf flags;
  bool has_field;   /* the current field exists (even if empty) */
  bool after_split; /* the last thing seen was an IFS whitespace split */
  sh_strv *out;     /* EXP_FIELDS */
  bool failed;      /* an expansion error: sh stops */
} exp;

static bool exp_ok(const exp *e) { return !e->failed && !sh_stopping(e->sh); }

static bool exp_nomem(exp *e) {
  e->failed = true;
  return sh_oom(e->sh);
}

/* An expansion error: message printed; the (sub)shell exits with 2. */
static void exp_error(exp *e, const char *fmt, ...) CTRT__PRINTF(2, 3);
static void exp_error(exp *e, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  sh_ash_err(e->sh, e->sh->ctx_io, "%s", msg);
  e->failed = true;
  if (e->sh->unwind == SH_U_NONE) {
    e->sh->unwind = SH_U_EXIT;
    e->sh->exit_status = 2;
  }
}

static void add_char(exp *e, char c, int flag) {
  if (sh_buf_addc(&e->text, c) < 0 || sh_buf_addc(&e->flags, (char)flag) < 0) {
    exp_nomem(e);
    return;
  }
  e->has_field = true;
  e->after_split = false;
}

static void add_str(exp *e, const char *s, size_t n, int flag) {
  for (size_t i = 0; i < n && !e->failed; i++)
    add_char(e, s[i], flag);
}

static bool has_glob(const exp *e) {
  for (size_t i = 0; i < e->text.len; i++) {
    char c = e->text.data[i];
    if (e->flags.data[i] == F_LIT && (c == '*' || c == '?' || c == '['))
      return true;
  }
  return false;
}

/* The current text as an fnmatch pattern: quoted characters escaped. */
static char *as_pattern(const exp *e) {
  sh_buf b = {0};
  for (size_t i = 0; i < e->text.len; i++) {
    char c = e->text.data[i];
    if (e->flags.data[i] == F_QUOTED && strchr("*?[]\\", c) != NULL && sh_buf_addc(&b, '\\') < 0)
      goto fail;
    if (sh_buf_addc(&b, c) < 0)
      goto fail;
  }
  return sh_buf_take(&b);
fail:
  sh_buf_free(&b);
  return NULL;
}

static int glob_expand(sh_state *sh, const char *pattern, sh_strv *out);

static void end_field(exp *e) {
  if (e->failed)
    return;
  if (e->mode == EXP_FIELDS && e->has_field) {
    size_t before = e->out->n;
    if (has_glob(e)) {
      char *pat = as_pattern(e);
      if (pat == NULL || glob_expand(e->sh, pat, e->out) < 0) {
        ctrt__free(pat);
        exp_nomem(e);
        return;
      }
      ctrt__free(pat);
    }
    if (e->out->n == before &&
        sh_strv_adopt(e->out, ctrt__strndup(e->text.data ? e->text.data : "", e->text.len)) < 0) {
      exp_nomem(e);
      return;
    }
    e->text.len = 0;
    e->flags.len = 0;
  }
  e->has_field = false;
}

/* Append the result of an unquoted expansion: split on IFS in EXP_FIELDS. */
static void add_split(exp *e, const char *s, size_t n) {
  if (e->mode != EXP_FIELDS) {
    add_str(e, s, n, F_LIT);
    return;
  }
  const char *ifs = sh_getvar(e->sh, "IFS");
  if (ifs == NULL)
    ifs = " \t\n";
  for (size_t i = 0; i < n && !e->failed; i++) {
    char c = s[i];
    if (c != '\0' && strchr(ifs, c) != NULL) {
      if (c == ' ' || c == '\t' || c == '\n') {
        if (e->has_field) {
          end_field(e);
          e->after_split = true;
        }
      } else {
        if (e->has_field)
          end_field(e);
        else if (!e->after_split) {
          e->has_field = true; /* an empty field before this delimiter */
          end_field(e);
        }
        e->after_split = false;
      }
      continue;
    }
    add_char(e, c, F_LIT);
  }
}

/* ---- scanning raw text ---- */

/* Index just past the quote that closes the one at s[i]. */
static size_t skip_squote(const char *s, size_t n, size_t i) {
  i++;
  while (i < n && s[i] != '\'')
    i++;
  return i < n ? i + 1 : n;
}

static size_t skip_paren(const char *s, size_t n, size_t i);

static size_t skip_dquote(const char *s, size_t n, size_t i) {
  i++;
  while (i < n && s[i] != '"') {
    if (s[i] == '\\' && i + 1 < n)
      i += 2;
    else if (s[i] == '$' && i + 1 < n && s[i + 1] == '(')
      i = skip_paren(s, n, i + 1);
    else if (s[i] == '`') {
      i++;
      while (i < n && s[i] != '`')
        i += (s[i] == '\\' && i + 1 < n) ? 2 : 1;
      i++;
    } else
      i++;
  }
  return i < n ? i + 1 : n;
}

/* s[i] is the '(' of "$(": index just past its matching ')', found by
 * parsing (a case pattern's ')' does not end it). */
static size_t skip_paren(const char *s, size_t n, size_t i) {
  size_t body;
  if (sh_subst_length(s + i + 1, n - i - 1, &body))
    return i + 1 + body + 1;
  return n;
}

/* s[i] is '{': index just past its matching '}'. */
static size_t skip_brace(const char *s, size_t n, size_t i) {
  int depth = 0;
  while (i < n) {
    char c = s[i];
    if (c == '\\' && i + 1 < n) {
      i += 2;
      continue;
    }
    if (c == '\'') {
      i = skip_squote(s, n, i);
      continue;
    }
    if (c == '"') {
      i = skip_dquote(s, n, i);
      continue;
    }
    if (c == '$' && i + 1 < n && s[i + 1] == '(') {
      i = skip_paren(s, n, i + 1);
      continue;
    }
    if (c == '{')
      depth++;
    else if (c == '}' && --depth == 0)
      return i + 1;
    i++;
  }
  return n;
}

static void exp_text(exp *e, const char *s, size_t n, bool dq, bool *saw_at_only);

/* ---- parameters ---- */

/* The value of a parameter (a new string), NULL when unset. */
static char *param_value(exp *e, const char *name, size_t len, bool *oom) {
  sh_state *sh = e->sh;
  *oom = false;
  char buf[32];
  const char *v = NULL;
  if (len == 1 && name[0] == '?') {
    snprintf(buf, sizeof buf, "%d", sh->status);
    v = buf;
  } else if (len == 1 && name[0] == '$') {
    snprintf(buf, sizeof buf, "%d", sh->root->proc->pid);
    v = buf;
  } else if (len == 1 && name[0] == '#') {
    snprintf(buf, sizeof buf, "%zu", sh->params.n);
    v = buf;
  } else if (len == 1 && name[0] == '!') {
    v = NULL;
  } else if (len == 1 && name[0] == '-') {
    snprintf(buf, sizeof buf, "%s%s", sh->errexit ? "e" : "", sh->has_commandname || sh->arg0 ? "c" : "s");
    v = buf;
  } else if (isdigit((unsigned char)name[0])) {
    long long idx = 0;
    for (size_t i = 0; i < len && idx < 100000; i++)
      idx = idx * 10 + (name[i] - '0');
    if (idx == 0)
      v = sh->arg0 ? sh->arg0 : "sh";
    else if ((size_t)idx <= sh->params.n)
      v = sh->params.v[idx - 1];
  } else if (len == 6 && memcmp(name, "RANDOM", 6) == 0 && sh_findvar(sh, name, len) == NULL) {
    sh->root->random = sh->root->random * 1103515245u + 12345u;
    snprintf(buf, sizeof buf, "%u", (sh->root->random >> 16) & 0x7fff);
    v = buf;
  } else if (len == 6 && memcmp(name, "LINENO", 6) == 0) {
    snprintf(buf, sizeof buf, "%d", sh->lineno);
    v = buf;
  } else {
    sh_var *var = sh_findvar(sh, name, len);
    v = var ? var->value : NULL;
  }
  if (v == NULL)
    return NULL;
  char *d = ctrt__strdup(v);
  if (d == NULL)
    *oom = true;
  return d;
}

/* Expand a sub-word (the w of ${v:-w}) into a string, no splitting. */
static char *expand_sub(exp *e, const char *s, size_t n, int mode) {
  exp sub = {0};
  sub.sh = e->sh;
  sub.mode = mode;
  exp_text(&sub, s, n, false, NULL);
  char *r = NULL;
  if (!sub.failed) {
    if (mode == EXP_PATTERN) {
      r = as_pattern(&sub);
    } else {
      r = ctrt__strndup(sub.text.data ? sub.text.data : "", sub.text.len);
    }
    if (r == NULL)
      exp_nomem(e);
  } else {
    e->failed = true;
  }
  sh_buf_free(&sub.text);
  sh_buf_free(&sub.flags);
  return r;
}

/* Append "$@" / "$*" (or ${@...}). */
static void add_params(exp *e, bool star, bool dq) {
  sh_state *sh = e->sh;
  if (dq && star) {
    const char *ifs = sh_getvar(sh, "IFS");
    char sep = ifs == NULL ? ' ' : ifs[0];
    for (size_t i = 0; i < sh->params.n; i++) {
      if (i > 0 && sep != '\0')
        add_char(e, sep, F_QUOTED);
      add_str(e, sh->params.v[i], strlen(sh->params.v[i]), F_QUOTED);
    }
    e->has_field = true;
    return;
  }
  for (size_t i = 0; i < sh->params.n && !e->failed; i++) {
    if (i > 0) {
      if (e->mode == EXP_FIELDS)
        end_field(e);
      else
        add_char(e, ' ', dq ? F_QUOTED : F_LIT);
    }
    if (dq)
      add_str(e, sh->params.v[i], strlen(sh->params.v[i]), F_QUOTED);
    else
      add_split(e, sh->params.v[i], strlen(sh->params.v[i]));
    if (dq)
      e->has_field = true;
  }
}

static void add_value(exp *e, const char *v, size_t n, bool dq) {
  if (dq)
    add_str(e, v, n, F_QUOTED);
  else
    add_split(e, v, n);
}

/* Remove the shortest/longest prefix/suffix matching pat. */
static char *trim_match(const char *v, const char *pat, bool suffix, bool longest) {
  size_t len = strlen(v);
  char *tmp = ctrt__malloc(len + 1);
  if (tmp == NULL)
    return NULL;
  size_t cut_start = 0, cut_len = 0;
  bool found = false;
  for (size_t k = 0; k <= len && !found; k++) {
    size_t i = longest ? len - k : k; /* candidate match length */
    if (!suffix) {
      memcpy(tmp, v, i);
      tmp[i] = '\0';
      if (fnmatch(pat, tmp, 0) == 0) {
        found = true;
        cut_start = 0;
        cut_len = i;
      }
    } else {
      if (fnmatch(pat, v + len - i, 0) == 0) {
        found = true;
        cut_start = len - i;
        cut_len = i;
      }
    }
  }
  ctrt__free(tmp);
  char *r = ctrt__malloc(len + 1);
  if (r == NULL)
    return NULL;
  if (!found) {
    memcpy(r, v, len + 1);
  } else {
    memcpy(r, v, cut_start);
    memcpy(r + cut_start, v + cut_start + cut_len, len - cut_start - cut_len);
    r[len - cut_len] = '\0';
  }
  return r;
}

/* ${v/pat/rep}, ${v//pat/rep}: longest matches, left to right. */
static char *replace_match(const char *v, const char *pat, const char *rep, bool all) {
  size_t len = strlen(v);
  sh_buf b = {0};
  char *tmp = ctrt__malloc(len + 1);
  if (tmp == NULL)
    return NULL;
  size_t i = 0;
  bool done = false;
  while (i <= len) {
    size_t match = 0;
    bool found = false;
    if (!done) {
      for (size_t k = len - i + 1; k-- > 0;) {
        memcpy(tmp, v + i, k);
        tmp[k] = '\0';
        if (k > 0 && fnmatch(pat, tmp, 0) == 0) {
          found = true;
          match = k;
          break;
        }
      }
    }
    if (found) {
      if (sh_buf_adds(&b, rep) < 0)
        goto fail;
      i += match;
      if (!all)
        done = true;
      continue;
    }
    if (i < len && sh_buf_addc(&b, v[i]) < 0)
      goto fail;
    i++;
  }
  ctrt__free(tmp);
  return sh_buf_take(&b);
fail:
  ctrt__free(tmp);
  sh_buf_free(&b);
  return NULL;
}

/* ${name=word} with name unset: assign word's expansion, then use it. */
static void brace_assign(exp *e, const char *name, const char *w, size_t wn, bool dq) {
  char *nv = expand_sub(e, w, wn, EXP_ONE);
  if (nv == NULL)
    return;
  if (!sh_valid_name(name, strlen(name)))
    exp_error(e, "%s: bad variable name", name);
  else if (sh_setvar(e->sh, name, nv, false) < 0) {
    e->failed = true;
    if (e->sh->unwind == SH_U_NONE) {
      e->sh->unwind = SH_U_EXIT;
      e->sh->exit_status = 2;
    }
  } else
    add_value(e, nv, strlen(nv), dq);
  ctrt__free(nv);
}

/* ${v#pat} ${v##pat} ${v%pat} ${v%%pat} */
static void brace_trim(exp *e, const char *val, char opc, const char *w, size_t wn, bool dq) {
  bool longest = wn > 0 && w[0] == opc;
  if (longest) {
    w++;
    wn--;
  }
  char *pat = expand_sub(e, w, wn, EXP_PATTERN);
  if (pat != NULL) {
    char *r = trim_match(val ? val : "", pat, opc == '%', longest);
    if (r == NULL)
      exp_nomem(e);
    else
      add_value(e, r, strlen(r), dq);
    ctrt__free(r);
  }
  ctrt__free(pat);
}

/* ${v/pat/rep} ${v//pat/rep} */
static void brace_replace(exp *e, const char *val, const char *w, size_t wn, bool dq) {
  bool all = wn > 0 && w[0] == '/';
  if (all) {
    w++;
    wn--;
  }
  size_t k = 0;
  while (k < wn && w[k] != '/')
    k += (w[k] == '\\' && k + 1 < wn) ? 2 : 1;
  char *pat = expand_sub(e, w, k, EXP_PATTERN);
  char *rep = k < wn ? expand_sub(e, w + k + 1, wn - k - 1, EXP_ONE) : ctrt__strdup("");
  if (pat != NULL && rep != NULL) {
    char *r = replace_match(val ? val : "", pat, rep, all);
    if (r == NULL)
      exp_nomem(e);
    else
      add_value(e, r, strlen(r), dq);
    ctrt__free(r);
  } else if (!e->failed)
    exp_nomem(e);
  ctrt__free(pat);
  ctrt__free(rep);
}

/* ${v:off} ${v:off:len} */
static void brace_substring(exp *e, const char *val, const char *w, size_t wn, bool dq) {
  size_t k = 0;
  while (k < wn && w[k] != ':')
    k++;
  char *offs = expand_sub(e, w, k, EXP_ONE);
  char *lens = k < wn ? expand_sub(e, w + k + 1, wn - k - 1, EXP_ONE) : NULL;
  long long off = 0, ln = -1;
  if (offs != NULL && sh_arith(e->sh, offs, &off) < 0)
    e->failed = true;
  if (!e->failed && lens != NULL && sh_arith(e->sh, lens, &ln) < 0)
    e->failed = true;
  if (!e->failed && offs != NULL) {
    const char *v = val ? val : "";
    long long vl = (long long)strlen(v);
    if (off < 0)
      off = vl + off < 0 ? 0 : vl + off;
    if (off > vl)
      off = vl;
    long long take = vl - off;
    if (ln >= 0 && ln < take)
      take = ln;
    if (ln < -1) /* a negative length counts from the end */
      take = vl + ln + 1 - off > 0 ? vl + ln + 1 - off : 0;
    add_value(e, v + off, (size_t)take, dq);
  }
  ctrt__free(offs);
  ctrt__free(lens);
}

/* ${...}: s points after '{', n up to (not including) the '}'. */
static void exp_brace(exp *e, const char *s, size_t n, bool dq, bool *saw_at) {
  size_t i = 0;
  bool length = false;
  if (n > 1 && s[0] == '#') {
    length = true;
    i = 1;
  }
  size_t ns = i;
  if (i < n && (isalpha((unsigned char)s[i]) || s[i] == '_')) {
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
      i++;
  } else if (i < n && isdigit((unsigned char)s[i])) {
    while (i < n && isdigit((unsigned char)s[i]))
      i++;
  } else if (i < n) {
    i++;
  }
  const char *name = s + ns;
  size_t nlen = i - ns;
  bool is_at = nlen == 1 && (name[0] == '@' || name[0] == '*');
  if (is_at && i == n && !length) {
    if (name[0] == '@' && dq && saw_at != NULL)
      *saw_at = true;
    add_params(e, name[0] == '*', dq);
    return;
  }
  bool oom;
  char *val;
  if (is_at) {
    /* "$*" joined, for the operators below */
    sh_buf j = {0};
    for (size_t k = 0; k < e->sh->params.n; k++)
      if ((k > 0 && sh_buf_addc(&j, ' ') < 0) || sh_buf_adds(&j, e->sh->params.v[k]) < 0) {
        sh_buf_free(&j);
        exp_nomem(e);
        return;
      }
    val = sh_buf_take(&j);
    oom = val == NULL;
  } else {
    val = param_value(e, name, nlen, &oom);
  }
  if (oom) {
    exp_nomem(e);
    return;
  }
  if (length) {
    char num[32];
    snprintf(num, sizeof num, "%zu", val ? strlen(val) : (size_t)(is_at ? e->sh->params.n : 0));
    if (is_at)
      snprintf(num, sizeof num, "%zu", e->sh->params.n);
    add_value(e, num, strlen(num), dq);
    ctrt__free(val);
    return;
  }
  if (i == n) {
    if (val != NULL)
      add_value(e, val, strlen(val), dq);
    ctrt__free(val);
    return;
  }
  const char *op = s + i;
  bool colon = false;
  if (op[0] == ':' && i + 1 < n && strchr("-=+?", op[1]) != NULL) {
    colon = true;
    op++;
    i++;
  }
  char opc = op[0];
  const char *w = op + 1;
  size_t wn = n - i - 1;
  bool unset = val == NULL || (colon && val[0] == '\0');
  char *name_z = ctrt__strndup(name, nlen);
  if (name_z == NULL) {
    ctrt__free(val);
    exp_nomem(e);
    return;
  }
  switch (opc) {
  case '-':
    if (unset)
      exp_text(e, w, wn, dq, NULL);
    else
      add_value(e, val, strlen(val), dq);
    break;
  case '+':
    if (!unset)
      exp_text(e, w, wn, dq, NULL);
    break;
  case '=':
    if (unset)
      brace_assign(e, name_z, w, wn, dq);
    else
      add_value(e, val, strlen(val), dq);
    break;
  case '?':
    if (unset) {
      char *msg = expand_sub(e, w, wn, EXP_ONE);
      if (msg != NULL)
        exp_error(e, "%s: %s", name_z, wn > 0 ? msg : "parameter not set");
      ctrt__free(msg);
    } else
      add_value(e, val, strlen(val), dq);
    break;
  case '#':
  case '%':
    brace_trim(e, val, opc, w, wn, dq);
    break;
  case '/':
    brace_replace(e, val, w, wn, dq);
    break;
  case ':':
    brace_substring(e, val, w, wn, dq);
    break;
  default:
    exp_error(e, "syntax error: bad substitution");
    break;
  }
  ctrt__free(name_z);
  ctrt__free(val);
}

/* Handle '$' at s[i]; returns the index after the expansion. */
static size_t exp_dollar(exp *e, const char *s, size_t n, size_t i, bool dq, bool *saw_at) {
  size_t j = i + 1;
  if (j >= n) {
    add_char(e, '$', dq ? F_QUOTED : F_LIT);
    return j;
  }
  char c = s[j];
  if (c == '(' && j + 1 < n && s[j + 1] == '(') {
    /* $(( expr )) */
    size_t k = j + 2;
    int depth = 0;
    while (k < n) {
      if (s[k] == '(')
        depth++;
      else if (s[k] == ')') {
        if (depth == 0 && k + 1 < n && s[k + 1] == ')')
          break;
        if (depth > 0)
          depth--;
      }
      k++;
    }
    char *expr = expand_sub(e, s + j + 2, k - j - 2, EXP_ONE);
    if (expr != NULL) {
      long long v;
      if (sh_arith(e->sh, expr, &v) == 0) {
        char num[32];
        snprintf(num, sizeof num, "%lld", v);
        add_value(e, num, strlen(num), dq);
      } else {
        e->failed = true;
      }
    }
    ctrt__free(expr);
    return k + 2 <= n ? k + 2 : n;
  }
  if (c == '(') {
    size_t end = skip_paren(s, n, j);
    char *out = sh_command_subst(e->sh, s + j + 1, end - j - 2);
    if (out == NULL) {
      e->failed = true;
      return end;
    }
    add_value(e, out, strlen(out), dq);
    ctrt__free(out);
    return end;
  }
  if (c == '{') {
    size_t end = skip_brace(s, n, j);
    exp_brace(e, s + j + 1, end - j - 2, dq, saw_at);
    return end;
  }
  if (c == '@' || c == '*') {
    if (c == '@' && dq && saw_at != NULL)
      *saw_at = true;
    add_params(e, c == '*', dq);
    return j + 1;
  }
  size_t k = j;
  if (isalpha((unsigned char)c) || c == '_') {
    while (k < n && (isalnum((unsigned char)s[k]) || s[k] == '_'))
      k++;
  } else if (isdigit((unsigned char)c) || strchr("?$#!-", c) != NULL) {
    k++;
  } else {
    add_char(e, '$', dq ? F_QUOTED : F_LIT);
    return j;
  }
  bool oom;
  char *v = param_value(e, s + j, k - j, &oom);
  if (oom)
    exp_nomem(e);
  else if (v != NULL)
    add_value(e, v, strlen(v), dq);
  ctrt__free(v);
  return k;
}

/* `...`: backslashes before ` \ $ are removed, then it runs like $(...). */
static size_t exp_backquote(exp *e, const char *s, size_t n, size_t i, bool dq) {
  size_t j = i + 1;
  sh_buf body = {0};
  while (j < n && s[j] != '`') {
    if (s[j] == '\\' && j + 1 < n && (s[j + 1] == '`' || s[j + 1] == '\\' || s[j + 1] == '$')) {
      j++;
    }
    if (sh_buf_addc(&body, s[j]) < 0) {
      sh_buf_free(&body);
      exp_nomem(e);
      return n;
    }
    j++;
  }
  char *out = sh_command_subst(e->sh, body.data ? body.data : "", body.len);
  sh_buf_free(&body);
  if (out == NULL)
    e->failed = true;
  else
    add_value(e, out, strlen(out), dq);
  ctrt__free(out);
  return j < n ? j + 1 : n;
}

static void exp_text_nest(exp *e, const char *s, size_t n, bool dq, bool *saw_at_only);

/* Nested ${...} and quotes recurse and rescan their text: the depth is
 * bounded (stack, and depth x length work), and signals are taken on the
 * way so kill/remove of the container never wait for a long expansion. */
static void exp_text(exp *e, const char *s, size_t n, bool dq, bool *saw_at_only) {
  sh_root *root = e->sh->root;
  if (root->expand_depth >= SH_MAX_EXPAND_DEPTH) {
    exp_error(e, "expansion nested too deeply");
    return;
  }
  if (root->expand_depth > 0 && sh_take_signals(e->sh)) {
    e->failed = true;
    return;
  }
  root->expand_depth++;
  exp_text_nest(e, s, n, dq, saw_at_only);
  root->expand_depth--;
}

static void exp_text_nest(exp *e, const char *s, size_t n, bool dq, bool *saw_at_only) {
  size_t i = 0;
  size_t next_check = 65536;
  /* tilde at the start of an unquoted word */
  if (!dq && n > 0 && s[0] == '~' && (n == 1 || s[1] == '/')) {
    const char *home = sh_getvar(e->sh, "HOME");
    add_str(e, home ? home : "~", strlen(home ? home : "~"), F_QUOTED);
    i = 1;
  }
  while (i < n && exp_ok(e)) {
    if (i >= next_check) {
      next_check = i + 65536;
      if (sh_take_signals(e->sh))
        break;
    }
    char c = s[i];
    if (!dq && c == '\'') {
      size_t end = skip_squote(s, n, i);
      size_t close = end > i + 1 && s[end - 1] == '\'' ? end - 1 : end;
      add_str(e, s + i + 1, close - i - 1, F_QUOTED);
      e->has_field = true;
      i = end;
    } else if (!dq && c == '"') {
      size_t end = skip_dquote(s, n, i);
      size_t close = end > i + 1 && s[end - 1] == '"' ? end - 1 : end;
      bool saw_at = false;
      size_t before = e->text.len;
      bool had = e->has_field;
      exp_text(e, s + i + 1, close - i - 1, true, &saw_at);
      /* "" makes an (empty) field; "$@" without parameters makes none */
      if (!(saw_at && e->sh->params.n == 0 && e->text.len == before))
        e->has_field = true;
      else
        e->has_field = had;
      i = end;
    } else if (c == '\\') {
      /* A backslash quotes the next character, except at the end and, in
       * double quotes, before one that is not special there. */
      if (i + 1 < n && (!dq || strchr("$`\"\\\n", s[i + 1]) != NULL)) {
        add_char(e, s[i + 1], F_QUOTED);
        i += 2;
      } else {
        add_char(e, '\\', F_QUOTED);
        i++;
      }
    } else if (c == '$') {
      i = exp_dollar(e, s, n, i, dq, saw_at_only);
    } else if (c == '`') {
      i = exp_backquote(e, s, n, i, dq);
    } else {
      add_char(e, c, dq ? F_QUOTED : F_LIT);
      i++;
    }
  }
}

int sh_expand_words(sh_state *sh, const char *const *words, size_t n, sh_strv *out) {
  exp e = {0};
  e.sh = sh;
  e.mode = EXP_FIELDS;
  e.out = out;
  for (size_t i = 0; i < n && exp_ok(&e); i++) {
    e.has_field = false;
    e.after_split = false;
    e.text.len = e.flags.len = 0;
    exp_text(&e, words[i], strlen(words[i]), false, NULL);
    end_field(&e);
  }
  sh_buf_free(&e.text);
  sh_buf_free(&e.flags);
  return e.failed || sh_stopping(sh) ? -1 : 0;
}

static char *expand_mode(sh_state *sh, const char *word, int mode) {
  exp e = {0};
  e.sh = sh;
  e.mode = mode;
  exp_text(&e, word, strlen(word), false, NULL);
  char *r = NULL;
  if (exp_ok(&e)) {
    r = mode == EXP_PATTERN ? as_pattern(&e) : ctrt__strndup(e.text.data ? e.text.data : "", e.text.len);
    if (r == NULL)
      sh_oom(sh);
  }
  sh_buf_free(&e.text);
  sh_buf_free(&e.flags);
  return r;
}

char *sh_expand_one(sh_state *sh, const char *word) { return expand_mode(sh, word, EXP_ONE); }

char *sh_expand_pattern(sh_state *sh, const char *word) { return expand_mode(sh, word, EXP_PATTERN); }

char *sh_expand_heredoc(sh_state *sh, const char *body) {
  /* like double quotes, except that '"' is an ordinary character */
  exp e = {0};
  e.sh = sh;
  e.mode = EXP_ONE;
  size_t n = strlen(body);
  size_t i = 0;
  while (i < n && exp_ok(&e)) {
    char c = body[i];
    if (c == '\\' && i + 1 < n && strchr("$`\\\n", body[i + 1]) != NULL) {
      if (body[i + 1] != '\n')
        add_char(&e, body[i + 1], F_QUOTED);
      i += 2;
    } else if (c == '$') {
      i = exp_dollar(&e, body, n, i, true, NULL);
    } else if (c == '`') {
      i = exp_backquote(&e, body, n, i, true);
    } else {
      add_char(&e, c, F_QUOTED);
      i++;
    }
  }
  char *r = NULL;
  if (exp_ok(&e)) {
    r = ctrt__strndup(e.text.data ? e.text.data : "", e.text.len);
    if (r == NULL)
      sh_oom(sh);
  }
  sh_buf_free(&e.text);
  sh_buf_free(&e.flags);
  return r;
}

bool sh_match(const char *pattern, const char *text) { return fnmatch(pattern, text, 0) == 0; }

/* ---- globbing against the memfs ---- */

static bool component_has_glob(const char *c, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (c[i] == '\\' && i + 1 < n) {
      i++;
      continue;
    }
    if (c[i] == '*' || c[i] == '?' || c[i] == '[')
      return true;
  }
  return false;
}

/* Remove backslash escapes from a literal pattern component. */
static char *unescape(const char *c, size_t n) {
  char *r = ctrt__malloc(n + 1);
  if (r == NULL)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (c[i] == '\\' && i + 1 < n)
      i++;
    r[o++] = c[i];
  }
  r[o] = '\0';
  return r;
}

/* prefix: the path built so far as the user wrote it ("" or "/x/");
 * rest: the remaining pattern components. */
static int glob_walk(sh_state *sh, const char *prefix, const char *rest, sh_strv *out) {
  while (*rest == '/')
    rest++;
  const char *slash = strchr(rest, '/');
  size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
  if (n == 0) {
    return 0;
  }
  char *dir_rel = prefix[0] ? ctrt__strdup(prefix) : ctrt__strdup(".");
  if (dir_rel == NULL)
    return -1;
  char *dir_abs = sh_abspath(sh, dir_rel);
  ctrt__free(dir_rel);
  if (dir_abs == NULL)
    return -1;
  int rc = 0;
  if (!component_has_glob(rest, n)) {
    char *lit = unescape(rest, n);
    char *path = lit ? ctrt__sprintf("%s%s", prefix, lit) : NULL;
    ctrt__free(lit);
    if (path == NULL) {
      ctrt__free(dir_abs);
      return -1;
    }
    char *abs = sh_abspath(sh, path);
    if (abs == NULL)
      rc = -1;
    else if (slash == NULL) {
      if (sh_stat(sh, abs, false, NULL) == 0)
        rc = sh_strv_adopt(out, path), path = NULL;
    } else {
      memfs_stat st;
      if (sh_stat(sh, abs, true, &st) == 0 && S_ISDIR(st.mode)) {
        char *np = ctrt__sprintf("%s/", path);
        rc = np ? glob_walk(sh, np, slash + 1, out) : -1;
        ctrt__free(np);
      }
    }
    ctrt__free(abs);
    ctrt__free(path);
    ctrt__free(dir_abs);
    return rc;
  }
  char *pat = ctrt__strndup(rest, n);
  char **names = NULL;
  size_t count = 0;
  sh_lock(sh);
  int lrc = memfs_list(sh_fs(sh), dir_abs, &names, &count);
  sh_unlock(sh);
  ctrt__free(dir_abs);
  if (lrc < 0) {
    ctrt_error_clear();
    ctrt__free(pat);
    return lrc == CTRT_ENO_MEMORY ? -1 : 0;
  }
  if (pat == NULL) {
    memfs_names_free(names, count);
    return -1;
  }
  /* readdir also returns "." and "..": a pattern starting with '.' sees them */
  const char *dots[] = {".", ".."};
  for (size_t i = 0; i < count + 2 && rc == 0; i++) {
    const char *name = i < 2 ? dots[i] : names[i - 2];
    if (i < 2 && pat[0] != '.')
      continue;
    if (fnmatch(pat, name, FNM_PERIOD) != 0)
      continue;
    char *path = ctrt__sprintf("%s%s", prefix, name);
    if (path == NULL) {
      rc = -1;
      break;
    }
    if (slash == NULL) {
      rc = sh_strv_adopt(out, path);
    } else {
      char *abs = sh_abspath(sh, path);
      memfs_stat st;
      if (abs == NULL)
        rc = -1;
      else if (sh_stat(sh, abs, true, &st) == 0 && S_ISDIR(st.mode)) {
        char *np = ctrt__sprintf("%s/", path);
        rc = np ? glob_walk(sh, np, slash + 1, out) : -1;
        ctrt__free(np);
      }
      ctrt__free(abs);
      ctrt__free(path);
    }
  }
  memfs_names_free(names, count);
  ctrt__free(pat);
  return rc;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int glob_expand(sh_state *sh, const char *pattern, sh_strv *out) {
  size_t before = out->n;
  int rc = glob_walk(sh, pattern[0] == '/' ? "/" : "", pattern, out);
  if (rc < 0)
    return -1;
  if (out->n > before)
    qsort(out->v + before, out->n - before, sizeof(char *), cmp_str);
  return 0;
}

/* ---- arithmetic ---- */

typedef struct arith {
  sh_state *sh;
  const char *s;
  size_t pos;
  bool error;
  const char *msg;
} arith;

static void ar_ws(arith *a) {
  while (a->s[a->pos] == ' ' || a->s[a->pos] == '\t' || a->s[a->pos] == '\n')
    a->pos++;
}

static bool ar_fail(arith *a, const char *msg) {
  if (!a->error) {
    a->error = true;
    a->msg = msg;
  }
  return false;
}

/* A number as busybox reads one: unsigned 64 bits wrapped into signed
 * ($((9223372036854775808)) is INT64_MIN), 0 past 2^64-1. */
static long long ar_strtonum(const char *s, char **end) {
  errno = 0;
  unsigned long long u = strtoull(s, end, 0);
  if (errno == ERANGE)
    return 0;
  return (long long)u;
}

static bool ar_parse_number(const char *s, long long *out) {
  if (*s == '\0') {
    *out = 0;
    return true;
  }
  char *end;
  long long v = ar_strtonum(s, &end);
  while (*end == ' ' || *end == '\t' || *end == '\n')
    end++;
  if (*end != '\0')
    return false;
  *out = v;
  return true;
}

static long long ar_var(arith *a, const char *name, size_t len) {
  sh_var *v = sh_findvar(a->sh, name, len);
  if (v == NULL || v->value == NULL)
    return 0;
  long long r;
  if (!ar_parse_number(v->value, &r)) {
    /* ash evaluates a variable's value as an expression */
    if (a->sh->root->depth > SH_MAX_DEPTH) {
      ar_fail(a, "expression recursion loop detected");
      return 0;
    }
    a->sh->root->depth++;
    int rc = sh_arith(a->sh, v->value, &r);
    a->sh->root->depth--;
    if (rc < 0) {
      a->error = true;
      a->msg = NULL; /* already reported */
      return 0;
    }
  }
  return r;
}

static bool ar_assign(arith *a, const char *name, size_t len, long long v, bool noeval) {
  if (noeval)
    return true;
  char *n = ctrt__strndup(name, len);
  char num[32];
  snprintf(num, sizeof num, "%lld", v);
  if (n == NULL) {
    sh_oom(a->sh);
    return ar_fail(a, NULL);
  }
  int rc = sh_setvar(a->sh, n, num, false);
  ctrt__free(n);
  if (rc < 0) {
    a->error = true;
    a->msg = NULL;
    return false;
  }
  return true;
}

static long long ar_expr(arith *a, bool noeval);
static long long ar_ternary(arith *a, bool noeval);

/* l / r or l % r for r != 0, wrapping like busybox on x86-64 where C
 * overflows: INT64_MIN / -1 is INT64_MIN, INT64_MIN % -1 is 0. */
static long long ar_divide(char op, long long l, long long r) {
  if (r == -1)
    return op == '/' ? (long long)(0 - (unsigned long long)l) : 0;
  return op == '/' ? l / r : l % r;
}

/* '(' , prefix operators, '**', '?:' and assignments recurse: past
 * SH_MAX_ARITH_DEPTH the expression is refused instead of overflowing the
 * process thread's stack (busybox's math.c does not recurse and has no
 * message for this). */
static bool ar_enter(arith *a) {
  /* in sh_root: a variable's value evaluated as an expression nests too */
  if (a->sh->root->arith_depth >= SH_MAX_ARITH_DEPTH)
    return ar_fail(a, "arithmetic expression nested too deeply");
  a->sh->root->arith_depth++;
  return true;
}

static long long ar_unary_nest(arith *a, bool noeval);

static long long ar_unary(arith *a, bool noeval) {
  if (!ar_enter(a))
    return 0;
  long long v = ar_unary_nest(a, noeval);
  a->sh->root->arith_depth--;
  return v;
}

static long long ar_unary_nest(arith *a, bool noeval) {
  ar_ws(a);
  const char *s = a->s + a->pos;
  if (s[0] == '+' && s[1] == '+') {
    a->pos += 2;
    ar_ws(a);
    size_t st = a->pos;
    while (isalnum((unsigned char)a->s[a->pos]) || a->s[a->pos] == '_')
      a->pos++;
    if (a->pos == st)
      return ar_fail(a, "arithmetic syntax error"), 0;
    long long v = ar_var(a, a->s + st, a->pos - st) + 1;
    ar_assign(a, a->s + st, a->pos - st, v, noeval);
    return v;
  }
  if (s[0] == '-' && s[1] == '-') {
    a->pos += 2;
    ar_ws(a);
    size_t st = a->pos;
    while (isalnum((unsigned char)a->s[a->pos]) || a->s[a->pos] == '_')
      a->pos++;
    if (a->pos == st)
      return ar_fail(a, "arithmetic syntax error"), 0;
    long long v = ar_var(a, a->s + st, a->pos - st) - 1;
    ar_assign(a, a->s + st, a->pos - st, v, noeval);
    return v;
  }
  if (s[0] == '-') {
    a->pos++;
    return -(unsigned long long)ar_unary(a, noeval);
  }
  if (s[0] == '+') {
    a->pos++;
    return ar_unary(a, noeval);
  }
  if (s[0] == '!') {
    a->pos++;
    return !ar_unary(a, noeval);
  }
  if (s[0] == '~') {
    a->pos++;
    return ~ar_unary(a, noeval);
  }
  if (s[0] == '(') {
    a->pos++;
    long long v = ar_expr(a, noeval);
    ar_ws(a);
    if (a->s[a->pos] != ')')
      return ar_fail(a, "arithmetic syntax error"), 0;
    a->pos++;
    return v;
  }
  if (isdigit((unsigned char)s[0])) {
    char *end;
    long long v = ar_strtonum(s, &end);
    if (isalnum((unsigned char)*end) || *end == '_')
      return ar_fail(a, "arithmetic syntax error"), 0;
    a->pos += (size_t)(end - s);
    return v;
  }
  if (isalpha((unsigned char)s[0]) || s[0] == '_') {
    size_t st = a->pos;
    while (isalnum((unsigned char)a->s[a->pos]) || a->s[a->pos] == '_')
      a->pos++;
    size_t len = a->pos - st;
    ar_ws(a);
    const char *o = a->s + a->pos;
    /* assignments and postfix ++/-- */
    if (o[0] == '+' && o[1] == '+') {
      a->pos += 2;
      long long v = ar_var(a, a->s + st, len);
      ar_assign(a, a->s + st, len, v + 1, noeval);
      return v;
    }
    if (o[0] == '-' && o[1] == '-') {
      a->pos += 2;
      long long v = ar_var(a, a->s + st, len);
      ar_assign(a, a->s + st, len, v - 1, noeval);
      return v;
    }
    static const char *const ops[] = {"<<=", ">>=", "+=", "-=", "*=", "/=", "%=", "&=", "^=", "|=", "="};
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
      size_t ol = strlen(ops[k]);
      if (strncmp(o, ops[k], ol) == 0 && !(ol == 1 && o[1] == '=')) {
        a->pos += ol;
        long long rhs = ar_ternary(a, noeval); /* binds tighter than ',' */
        if (a->error)
          return 0;
        long long cur = ol > 1 ? ar_var(a, a->s + st, len) : 0;
        long long v = rhs;
        switch (ops[k][0]) {
        case '<':
          v = (long long)((unsigned long long)cur << (rhs & 63));
          break;
        case '>':
          v = cur >> (rhs & 63);
          break;
        case '+':
          v = (long long)((unsigned long long)cur + (unsigned long long)rhs);
          break;
        case '-':
          v = (long long)((unsigned long long)cur - (unsigned long long)rhs);
          break;
        case '*':
          v = (long long)((unsigned long long)cur * (unsigned long long)rhs);
          break;
        case '/':
        case '%':
          if (rhs == 0 && !noeval)
            return ar_fail(a, "divide by zero"), 0;
          if (rhs != 0)
            v = ar_divide(ops[k][0], cur, rhs);
          break;
        case '&':
          v = cur & rhs;
          break;
        case '^':
          v = cur ^ rhs;
          break;
        case '|':
          v = cur | rhs;
          break;
        default:
          break;
        }
        ar_assign(a, a->s + st, len, v, noeval);
        return v;
      }
    }
    return ar_var(a, a->s + st, len);
  }
  return ar_fail(a, "arithmetic syntax error"), 0;
}

static long long ar_power(arith *a, bool noeval) {
  long long base = ar_unary(a, noeval);
  ar_ws(a);
  if (a->s[a->pos] == '*' && a->s[a->pos + 1] == '*') {
    a->pos += 2;
    if (!ar_enter(a))
      return 0;
    long long ex = ar_power(a, noeval);
    a->sh->root->arith_depth--;
    if (a->error)
      return 0;
    if (ex < 0)
      return ar_fail(a, "exponent less than 0"), 0;
    /* busybox multiplies ex times, wrapping modulo 2^64 ($((3**200)) is
     * 6627890308811632801); squaring gives the same residue in O(log ex) */
    unsigned long long r = 1, b = (unsigned long long)base;
    for (unsigned long long e = (unsigned long long)ex; e != 0; e >>= 1) {
      if (e & 1)
        r *= b;
      b *= b;
    }
    return (long long)r;
  }
  return base;
}

/* Binary operators by precedence (C's), lowest index binds weakest. */
static int ar_binop(arith *a, int level, size_t *len) {
  static const char *const levels[][5] = {
      {"||", NULL},
      {"&&", NULL},
      {"|", NULL},
      {"^", NULL},
      {"&", NULL},
      {"==", "!=", NULL},
      {"<=", ">=", "<", ">", NULL},
      {"<<", ">>", NULL},
      {"+", "-", NULL},
      {"*", "/", "%", NULL},
  };
  const char *s = a->s + a->pos;
  for (int k = 0; levels[level][k] != NULL; k++) {
    const char *op = levels[level][k];
    size_t ol = strlen(op);
    if (strncmp(s, op, ol) != 0)
      continue;
    /* do not take the first char of a longer operator or an assignment */
    if (ol == 1 && (s[1] == s[0] && strchr("|&<>*", s[0]) != NULL))
      continue;
    if (s[ol] == '=' && !(op[0] == '=' || op[0] == '!' || ((op[0] == '<' || op[0] == '>') && ol == 1)))
      continue;
    if (ol == 1 && (op[0] == '<' || op[0] == '>') && s[1] == '=')
      continue;
    *len = ol;
    return k;
  }
  return -1;
}

static long long ar_level(arith *a, int level, bool noeval) {
  if (level == 10)
    return ar_power(a, noeval);
  long long left = ar_level(a, level + 1, noeval);
  for (;;) {
    if (a->error)
      return 0;
    ar_ws(a);
    size_t ol;
    int k = ar_binop(a, level, &ol);
    if (k < 0)
      return left;
    const char *op = a->s + a->pos;
    char o0 = op[0], o1 = ol > 1 ? op[1] : '\0';
    a->pos += ol;
    if (level == 0) { /* || */
      long long right = ar_level(a, level + 1, noeval || left != 0);
      left = (left != 0) || (right != 0);
      continue;
    }
    if (level == 1) { /* && */
      long long right = ar_level(a, level + 1, noeval || left == 0);
      left = (left != 0) && (right != 0);
      continue;
    }
    long long right = ar_level(a, level + 1, noeval);
    if (a->error)
      return 0;
    switch (o0) {
    case '|':
      left |= right;
      break;
    case '^':
      left ^= right;
      break;
    case '&':
      left &= right;
      break;
    case '=':
      left = left == right;
      break;
    case '!':
      left = left != right;
      break;
    case '<':
      left = o1 == '<'   ? (long long)((unsigned long long)left << (right & 63))
             : o1 == '=' ? left <= right
                         : left < right;
      break;
    case '>':
      left = o1 == '>' ? left >> (right & 63) : o1 == '=' ? left >= right : left > right;
      break;
    case '+':
      left = (long long)((unsigned long long)left + (unsigned long long)right);
      break;
    case '-':
      left = (long long)((unsigned long long)left - (unsigned long long)right);
      break;
    case '*':
      left = (long long)((unsigned long long)left * (unsigned long long)right);
      break;
    case '/':
    case '%':
      if (right == 0) {
        if (noeval) {
          left = 0;
          break;
        }
        return ar_fail(a, "divide by zero"), 0;
      }
      left = ar_divide(o0, left, right);
      break;
    default:
      break;
    }
  }
}

static long long ar_ternary_nest(arith *a, bool noeval);

static long long ar_ternary(arith *a, bool noeval) {
  if (!ar_enter(a))
    return 0;
  long long v = ar_ternary_nest(a, noeval);
  a->sh->root->arith_depth--;
  return v;
}

static long long ar_ternary_nest(arith *a, bool noeval) {
  long long c = ar_level(a, 0, noeval);
  ar_ws(a);
  if (!a->error && a->s[a->pos] == '?') {
    a->pos++;
    long long t = ar_expr(a, noeval || c == 0);
    ar_ws(a);
    if (a->s[a->pos] != ':')
      return ar_fail(a, "arithmetic syntax error"), 0;
    a->pos++;
    long long f = ar_ternary(a, noeval || c != 0);
    return c != 0 ? t : f;
  }
  return c;
}

/* expr , expr: the value of the last one */
static long long ar_expr(arith *a, bool noeval) {
  long long v = ar_ternary(a, noeval);
  ar_ws(a);
  while (!a->error && a->s[a->pos] == ',') {
    a->pos++;
    v = ar_ternary(a, noeval);
    ar_ws(a);
  }
  return v;
}

int sh_arith(sh_state *sh, const char *expr, long long *out) {
  arith a = {0};
  a.sh = sh;
  a.s = expr;
  ar_ws(&a);
  long long v = 0;
  if (a.s[a.pos] != '\0') {
    v = ar_expr(&a, false);
    ar_ws(&a);
    if (!a.error && a.s[a.pos] != '\0')
      ar_fail(&a, "arithmetic syntax error");
  }
  if (a.error) {
    if (a.msg != NULL)
      sh_ash_err(sh, sh->ctx_io, "%s", a.msg);
    if (sh->unwind == SH_U_NONE) {
      sh->unwind = SH_U_EXIT;
      sh->exit_status = 2;
    }
    return -1;
  }
  *out = v;
  return 0;
}

/* ---- command substitution ---- */

char *sh_command_subst(sh_state *sh, const char *src, size_t len) {
  sh_state *sub = sh_state_clone(sh);
  if (sub == NULL) {
    sh_oom(sh);
    return NULL;
  }
  sh_io io = {0};
  if (sh->ctx_io != NULL)
    sh_io_copy(&io, sh->ctx_io);
  sh_stream *out = sh_stream_new(sh->root, SH_S_PIPE_OUT);
  if (out == NULL) {
    sh_io_clear(sh->root, &io);
    sh_state_free(sub);
    sh_oom(sh);
    return NULL;
  }
  sh_io_set(sh->root, &io, 1, sh_stream_ref(out));
  sub->ctx_io = &io;
  sh_eval_string(sub, src, len, &io, sh->lineno, true);
  int status = sub->unwind == SH_U_EXIT ? sub->exit_status : sub->status;
  sh_state_free(sub);
  sh_io_clear(sh->root, &io);
  if (out->full && !sh_stopping(sh) && sh->ctx_io != NULL) {
    /* writes past the limit failed with ENOSPC: say which limit */
    sh_ash_err(sh, sh->ctx_io, "command substitution: output larger than the container's file size limit");
    if ((status & 255) == 0)
      status = 1;
  }
  sh->subst_status = status & 255;
  sh->has_subst_status = true;
  char *r = NULL;
  if (!sh->root->killed && !sh->root->fatal) {
    size_t n = out->buf.len;
    while (n > 0 && out->buf.data[n - 1] == '\n')
      n--;
    r = ctrt__strndup(n ? out->buf.data : "", n);
    if (r == NULL)
      sh_oom(sh);
  }
  sh_stream_unref(sh->root, out);
  return r;
}
