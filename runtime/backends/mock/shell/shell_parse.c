/* SPDX-License-Identifier: MIT */
/*
 * The interpreter's parser: ash's grammar (the subset shell.c lists) turned
 * into a tree of sh_node. Words keep their raw text (quotes included) and
 * are expanded when the command runs, as ash does; command substitutions are
 * parsed here too so their syntax errors surface at parse time, like ash's.
 *
 * A script is parsed one complete command (a top-level line) at a time and
 * each one runs before the next is parsed: "echo hi\nif" prints hi before the
 * syntax error, "echo hi; if" does not.
 */
#include "shell_internal.h"

#include <ctype.h>
#include <stdalign.h>

/* ---- arena ---- */

typedef struct sh_chunk {
  struct sh_chunk *next;
  size_t used, cap;
  alignas(max_align_t) unsigned char data[];
} sh_chunk;

struct sh_arena {
  int refs;
  sh_chunk *chunks;
};

static sh_arena *arena_new(void) {
  sh_arena *a = ctrt__calloc(1, sizeof *a);
  if (a != NULL)
    a->refs = 1;
  return a;
}

sh_arena *sh_arena_ref(sh_arena *a) {
  if (a != NULL)
    a->refs++;
  return a;
}

void sh_arena_unref(sh_arena *a) {
  if (a == NULL || --a->refs > 0)
    return;
  sh_chunk *c = a->chunks;
  while (c != NULL) {
    sh_chunk *next = c->next;
    ctrt__free(c);
    c = next;
  }
  ctrt__free(a);
}

static void *arena_alloc(sh_arena *a, size_t size) {
  size = (size + 15) & ~(size_t)15;
  if (a->chunks == NULL || a->chunks->cap - a->chunks->used < size) {
    size_t cap = size > 4000 ? size : 4000;
    sh_chunk *c = ctrt__malloc(sizeof *c + cap);
    if (c == NULL)
      return NULL;
    c->next = a->chunks;
    c->used = 0;
    c->cap = cap;
    a->chunks = c;
  }
  void *p = a->chunks->data + a->chunks->used;
  a->chunks->used += size;
  memset(p, 0, size);
  return p;
}

static char *arena_strndup(sh_arena *a, const char *s, size_t len) {
  char *d = arena_alloc(a, len + 1);
  if (d != NULL) {
    memcpy(d, s, len);
    d[len] = '\0';
  }
  return d;
}

/* ---- tokens ---- */

typedef enum tok_kind {
  T_EOF,
  T_NL,
  T_SEMI,
  T_DSEMI,
  T_AMP,
  T_AND,
  T_PIPE,
  T_OR,
  T_LPAREN,
  T_RPAREN,
  T_REDIR,
  T_WORD,
} tok_kind;

typedef struct tok {
  tok_kind kind;
  const char *text; /* T_WORD: arena copy */
  size_t len;
  bool quoted; /* the word contains quoting: never a keyword */
  int line;
  /* T_REDIR */
  int fd;
  sh_redir_op op;
  bool dash; /* <<- */
  const char *opname;
} tok;

struct sh_parser {
  const char *src;
  size_t len, pos;
  int line;
  sh_arena *arena;
  char *error;
  int error_line;
  bool error_at_end;
  size_t offset; /* past the last complete command */
  bool failed;   /* allocation failure */
  bool have_tok;
  tok cur;
  sh_redir *heredocs[16]; /* waiting for the next newline */
  bool heredoc_dash[16];
  size_t n_heredocs;
  int depth;
};

static bool is_meta(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' ||
         c == ')';
}

bool sh_valid_name(const char *s, size_t len) {
  if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
    return false;
  for (size_t i = 1; i < len; i++)
    if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
      return false;
  return true;
}

static int peekc(const sh_parser *p, size_t ahead) {
  return p->pos + ahead < p->len ? (unsigned char)p->src[p->pos + ahead] : -1;
}

/* Record a syntax error (the first one wins); returns -1. */
static int syntax(sh_parser *p, const char *fmt, ...) CTRT__PRINTF(2, 3);
static int syntax(sh_parser *p, const char *fmt, ...) {
  if (p->error == NULL && !p->failed) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->error = ctrt__sprintf("syntax error: %s", msg);
    if (p->error == NULL)
      p->failed = true;
    p->error_line = p->line;
    p->error_at_end = p->pos >= p->len;
  }
  return -1;
}

static int nomem(sh_parser *p) {
  p->failed = true;
  return -1;
}

static bool stop(const sh_parser *p) { return p->error != NULL || p->failed; }

static void advance(sh_parser *p) {
  if (p->pos < p->len && p->src[p->pos] == '\n')
    p->line++;
  p->pos++;
}

static int lex_dollar(sh_parser *p, sh_buf *w);
static int lex_backquote(sh_parser *p, sh_buf *w);
static sh_node *parse_list(sh_parser *p, bool top);
static int next_tok(sh_parser *p, tok *t);
static const tok *peek_tok(sh_parser *p);
static void skip_newlines(sh_parser *p);

static int put(sh_parser *p, sh_buf *w, char c) { return sh_buf_addc(w, c) < 0 ? nomem(p) : 0; }

/* Inside double quotes, from after the opening quote to after the closing. */
static int lex_dquote(sh_parser *p, sh_buf *w) {
  for (;;) {
    int c = peekc(p, 0);
    if (c < 0)
      return syntax(p, "unterminated quoted string");
    if (c == '"') {
      advance(p);
      return put(p, w, '"');
    }
    if (c == '\\') {
      int d = peekc(p, 1);
      if (d == '\n') { /* line continuation */
        advance(p);
        advance(p);
        continue;
      }
      advance(p);
      if (put(p, w, '\\') < 0)
        return -1;
      if (d < 0)
        continue;
      advance(p);
      if (put(p, w, (char)d) < 0)
        return -1;
      continue;
    }
    if (c == '$') {
      if (lex_dollar(p, w) < 0)
        return -1;
      continue;
    }
    if (c == '`') {
      if (lex_backquote(p, w) < 0)
        return -1;
      continue;
    }
    advance(p);
    if (put(p, w, (char)c) < 0)
      return -1;
  }
}

static int lex_backquote(sh_parser *p, sh_buf *w) {
  advance(p);
  if (put(p, w, '`') < 0)
    return -1;
  for (;;) {
    int c = peekc(p, 0);
    if (c < 0)
      return syntax(p, "EOF in backquote substitution");
    advance(p);
    if (put(p, w, (char)c) < 0)
      return -1;
    if (c == '`')
      return 0;
    if (c == '\\' && peekc(p, 0) >= 0) {
      int d = peekc(p, 0);
      advance(p);
      if (put(p, w, (char)d) < 0)
        return -1;
    }
  }
}

/* ${...}: checked against the forms sh_expand knows, as ash does at parse
 * time ("bad substitution", "missing '}'"). */
static int lex_brace(sh_parser *p, sh_buf *w) {
  advance(p); /* the '{' */
  /* find the closing brace, honouring quotes and nesting */
  int depth = 1;
  size_t end = p->pos;
  for (size_t i = p->pos; i < p->len; i++) {
    char c = p->src[i];
    if (c == '\\' && i + 1 < p->len) {
      i++;
      continue;
    }
    if (c == '\'') {
      while (++i < p->len && p->src[i] != '\'')
        ;
      continue;
    }
    if (c == '"') {
      while (++i < p->len && p->src[i] != '"')
        if (p->src[i] == '\\')
          i++;
      continue;
    }
    if (c == '{')
      depth++;
    else if (c == '}' && --depth == 0) {
      end = i;
      break;
    }
  }
  if (depth != 0) {
    p->pos = p->len;
    return syntax(p, "missing '}'");
  }
  const char *s = p->src + p->pos;
  size_t n = end - p->pos;
  size_t i = 0;
  bool length = false;
  if (n > 1 && s[0] == '#') {
    length = true;
    i = 1;
  }
  size_t name_start = i;
  if (i < n && (isalpha((unsigned char)s[i]) || s[i] == '_')) {
    while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '_'))
      i++;
  } else if (i < n && isdigit((unsigned char)s[i])) {
    while (i < n && isdigit((unsigned char)s[i]))
      i++;
  } else if (i < n && strchr("@*#?$!-", s[i]) != NULL) {
    i++;
  }
  bool ok = i > name_start;
  if (ok && i < n) {
    const char *rest = s + i;
    if (length)
      ok = false;
    else
      ok = (rest[0] == ':' && n - i > 1 && strchr("-=+?", rest[1]) != NULL) || strchr("-=+?%#/:", rest[0]) != NULL;
  }
  if (!ok) {
    p->pos = end + 1;
    return syntax(p, "bad substitution");
  }
  /* copy verbatim, keeping line numbers right */
  if (put(p, w, '{') < 0)
    return -1;
  while (p->pos <= end) {
    if (put(p, w, p->src[p->pos]) < 0)
      return -1;
    advance(p);
  }
  return 0;
}

/* $(( ... )) */
static int lex_arith(sh_parser *p, sh_buf *w) {
  /* at the second '(' */
  advance(p);
  if (sh_buf_adds(w, "((") < 0)
    return nomem(p);
  int depth = 0;
  for (;;) {
    int c = peekc(p, 0);
    if (c < 0)
      return syntax(p, "unexpected end of file (expecting \"))\")");
    if (c == '(')
      depth++;
    else if (c == ')') {
      if (depth == 0 && peekc(p, 1) == ')') {
        advance(p);
        advance(p);
        return sh_buf_adds(w, "))") < 0 ? nomem(p) : 0;
      }
      if (depth > 0)
        depth--;
    }
    advance(p);
    if (put(p, w, (char)c) < 0)
      return -1;
  }
}

/* $( ... ): parsed as a list up to its ')'. */
static int lex_subst(sh_parser *p, sh_buf *w) {
  /* at '(' */
  advance(p);
  size_t start = p->pos;
  if (p->depth > SH_MAX_DEPTH)
    return syntax(p, "nested too deeply");
  /* the outer token has been consumed: the lookahead is free */
  bool had = p->have_tok;
  tok saved = p->cur;
  p->have_tok = false;
  p->depth++;
  skip_newlines(p);
  if (!stop(p) && peek_tok(p)->kind != T_RPAREN)
    parse_list(p, false);
  p->depth--;
  if (stop(p))
    return -1;
  tok t;
  if (next_tok(p, &t) < 0)
    return -1;
  if (t.kind != T_RPAREN) {
    if (t.kind == T_EOF)
      return syntax(p, "unexpected end of file (expecting \")\")");
    return syntax(p, "unexpected \"%.*s\" (expecting \")\")", (int)t.len, t.text);
  }
  p->have_tok = had;
  p->cur = saved;
  size_t end = p->pos - 1; /* the ')' */
  if (sh_buf_adds(w, "(") < 0 || sh_buf_add(w, p->src + start, end - start) < 0 || sh_buf_adds(w, ")") < 0)
    return nomem(p);
  return 0;
}

static int lex_dollar(sh_parser *p, sh_buf *w) {
  advance(p);
  if (put(p, w, '$') < 0)
    return -1;
  int c = peekc(p, 0);
  if (c == '(') {
    if (peekc(p, 1) == '(') {
      advance(p);
      return lex_arith(p, w);
    }
    return lex_subst(p, w);
  }
  if (c == '{')
    return lex_brace(p, w);
  return 0;
}

/* A word: from the current position to the next unquoted metacharacter. */
static int lex_word(sh_parser *p, sh_buf *w, bool *quoted) {
  for (;;) {
    int c = peekc(p, 0);
    if (c < 0 || is_meta(c))
      return 0;
    if (c == '\\') {
      int d = peekc(p, 1);
      if (d == '\n') {
        advance(p);
        advance(p);
        continue;
      }
      *quoted = true;
      advance(p);
      if (put(p, w, '\\') < 0)
        return -1;
      if (d >= 0) {
        advance(p);
        if (put(p, w, (char)d) < 0)
          return -1;
      }
      continue;
    }
    if (c == '\'') {
      *quoted = true;
      advance(p);
      if (put(p, w, '\'') < 0)
        return -1;
      for (;;) {
        int d = peekc(p, 0);
        if (d < 0)
          return syntax(p, "unterminated quoted string");
        advance(p);
        if (put(p, w, (char)d) < 0)
          return -1;
        if (d == '\'')
          break;
      }
      continue;
    }
    if (c == '"') {
      *quoted = true;
      advance(p);
      if (put(p, w, '"') < 0 || lex_dquote(p, w) < 0)
        return -1;
      continue;
    }
    if (c == '$') {
      if (lex_dollar(p, w) < 0)
        return -1;
      continue;
    }
    if (c == '`') {
      *quoted = true;
      if (lex_backquote(p, w) < 0)
        return -1;
      continue;
    }
    advance(p);
    if (put(p, w, (char)c) < 0)
      return -1;
  }
}

/* Read the bodies of the here-documents announced on the line just ended. */
static int read_heredocs(sh_parser *p) {
  for (size_t h = 0; h < p->n_heredocs; h++) {
    sh_redir *r = p->heredocs[h];
    bool dash = p->heredoc_dash[h];
    const char *delim = r->word;
    size_t dlen = strlen(delim);
    sh_buf body = {0};
    while (p->pos < p->len) {
      size_t ls = p->pos;
      while (dash && ls < p->len && p->src[ls] == '\t')
        ls++;
      size_t le = ls;
      while (le < p->len && p->src[le] != '\n')
        le++;
      bool last = le >= p->len;
      bool is_delim = le - ls == dlen && memcmp(p->src + ls, delim, dlen) == 0;
      /* consume the line */
      while (p->pos < le)
        advance(p);
      if (!last)
        advance(p);
      if (is_delim)
        break;
      if (sh_buf_add(&body, p->src + ls, le - ls) < 0 || (!last && sh_buf_addc(&body, '\n') < 0)) {
        sh_buf_free(&body);
        return nomem(p);
      }
    }
    char *text = arena_strndup(p->arena, body.data ? body.data : "", body.len);
    sh_buf_free(&body);
    if (text == NULL)
      return nomem(p);
    r->word = text;
  }
  p->n_heredocs = 0;
  return 0;
}

/* The delimiter of a here-document: quotes removed; quoted -> no expansion. */
static char *heredoc_delim(sh_parser *p, const char *raw, bool *quoted) {
  sh_buf b = {0};
  *quoted = false;
  for (const char *s = raw; *s; s++) {
    if (*s == '\'' || *s == '"') {
      *quoted = true;
      continue;
    }
    if (*s == '\\' && s[1]) {
      *quoted = true;
      s++;
    }
    if (sh_buf_addc(&b, *s) < 0) {
      sh_buf_free(&b);
      return NULL;
    }
  }
  char *d = arena_strndup(p->arena, b.data ? b.data : "", b.len);
  sh_buf_free(&b);
  return d;
}

static int next_tok_raw(sh_parser *p, tok *t) {
  memset(t, 0, sizeof *t);
  t->fd = -1;
  for (;;) {
    int c = peekc(p, 0);
    if (c == ' ' || c == '\t') {
      advance(p);
      continue;
    }
    if (c == '\\' && peekc(p, 1) == '\n') {
      advance(p);
      advance(p);
      continue;
    }
    if (c == '#') {
      while (peekc(p, 0) >= 0 && peekc(p, 0) != '\n')
        advance(p);
      continue;
    }
    break;
  }
  t->line = p->line;
  int c = peekc(p, 0);
  if (c < 0) {
    t->kind = T_EOF;
    t->text = "end of file";
    /* here-documents cut short by the end of the input are empty */
    return p->n_heredocs > 0 ? read_heredocs(p) : 0;
  }
  if (c == '\n') {
    advance(p);
    t->kind = T_NL;
    t->text = "newline";
    return p->n_heredocs > 0 ? read_heredocs(p) : 0;
  }
  int d = peekc(p, 1);
  struct {
    const char *s;
    tok_kind kind;
  } ops[] = {{"&&", T_AND}, {"||", T_OR},  {";;", T_DSEMI}, {";", T_SEMI},
             {"&", T_AMP},  {"|", T_PIPE}, {"(", T_LPAREN}, {")", T_RPAREN}};
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    size_t n = strlen(ops[i].s);
    if (c == ops[i].s[0] && (n == 1 || d == ops[i].s[1])) {
      for (size_t k = 0; k < n; k++)
        advance(p);
      t->kind = ops[i].kind;
      t->text = ops[i].s;
      t->len = n;
      return 0;
    }
  }
  /* redirections, with an optional fd number in front */
  size_t save = p->pos;
  int fd = -1;
  if (isdigit(c)) {
    size_t i = p->pos;
    int v = 0;
    while (i < p->len && isdigit((unsigned char)p->src[i]) && v < 1000)
      v = v * 10 + (p->src[i++] - '0');
    if (i < p->len && (p->src[i] == '<' || p->src[i] == '>')) {
      fd = v;
      p->pos = i;
      c = peekc(p, 0);
    }
  }
  if (c == '<' || c == '>') {
    static const struct {
      const char *s;
      sh_redir_op op;
      int fd;
    } rops[] = {{"<<-", SH_R_HEREDOC, 0}, {"<<", SH_R_HEREDOC, 0}, {"<&", SH_R_DUPIN, 0},
                {"<>", SH_R_RDWR, 0},     {"<", SH_R_IN, 0},       {">>", SH_R_APPEND, 1},
                {">&", SH_R_DUPOUT, 1},   {">|", SH_R_OUT, 1},     {">", SH_R_OUT, 1}};
    for (size_t i = 0; i < sizeof rops / sizeof rops[0]; i++) {
      size_t n = strlen(rops[i].s);
      if (p->pos + n <= p->len && memcmp(p->src + p->pos, rops[i].s, n) == 0) {
        p->pos += n;
        t->kind = T_REDIR;
        t->op = rops[i].op;
        t->fd = fd >= 0 ? fd : rops[i].fd;
        t->dash = n == 3;
        t->text = rops[i].s;
        t->len = n;
        return 0;
      }
    }
  }
  p->pos = save;
  sh_buf w = {0};
  bool quoted = false;
  if (lex_word(p, &w, &quoted) < 0) {
    sh_buf_free(&w);
    return -1;
  }
  t->kind = T_WORD;
  t->quoted = quoted;
  t->len = w.len;
  t->text = arena_strndup(p->arena, w.data ? w.data : "", w.len);
  sh_buf_free(&w);
  return t->text == NULL ? nomem(p) : 0;
}

static int next_tok(sh_parser *p, tok *t) {
  if (p->have_tok) {
    *t = p->cur;
    p->have_tok = false;
    return 0;
  }
  return next_tok_raw(p, t);
}

static const tok *peek_tok(sh_parser *p) {
  if (!p->have_tok) {
    if (next_tok_raw(p, &p->cur) < 0) {
      p->cur.kind = T_EOF;
      p->cur.text = "end of file";
    }
    p->have_tok = true;
  }
  return &p->cur;
}

static bool is_kw(const tok *t, const char *kw) { return t->kind == T_WORD && !t->quoted && strcmp(t->text, kw) == 0; }

static bool ends_list(const tok *t) {
  static const char *const kws[] = {"then", "else", "elif", "fi", "do", "done", "esac", "}"};
  if (t->kind == T_EOF || t->kind == T_RPAREN || t->kind == T_DSEMI)
    return true;
  for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++)
    if (is_kw(t, kws[i]))
      return true;
  return false;
}

static bool is_reserved(const tok *t) {
  static const char *const kws[] = {"!",   "case", "do", "done", "elif",  "else",  "esac", "fi",
                                    "for", "if",   "in", "then", "until", "while", "{",    "}"};
  for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++)
    if (is_kw(t, kws[i]))
      return true;
  return false;
}

static int unexpected(sh_parser *p, const tok *t, const char *expecting) {
  char what[80];
  if (t->kind == T_EOF || t->kind == T_NL)
    snprintf(what, sizeof what, "%s", t->text);
  else if (t->kind == T_WORD && !is_reserved(t))
    snprintf(what, sizeof what, "word");
  else
    snprintf(what, sizeof what, "\"%.60s\"", t->text);
  if (expecting != NULL)
    return syntax(p, "unexpected %s (expecting \"%s\")", what, expecting);
  return syntax(p, "unexpected %s", what);
}

static void skip_newlines(sh_parser *p) {
  while (!stop(p) && peek_tok(p)->kind == T_NL) {
    tok t;
    next_tok(p, &t);
  }
}

static int expect_kw(sh_parser *p, const char *kw) {
  const tok *t = peek_tok(p);
  if (stop(p))
    return -1;
  if (!is_kw(t, kw))
    return unexpected(p, t, kw);
  tok dummy;
  return next_tok(p, &dummy);
}

static sh_node *new_node(sh_parser *p, sh_node_kind kind, int line) {
  sh_node *n = arena_alloc(p->arena, sizeof *n);
  if (n == NULL) {
    nomem(p);
    return NULL;
  }
  n->kind = kind;
  n->lineno = line;
  return n;
}

/* Growable arrays inside the arena (copied on growth; the old copies are
 * simply left in the arena). */
static void **grow(sh_parser *p, void **arr, size_t n, size_t *cap, size_t elem) {
  if (n < *cap)
    return arr;
  size_t ncap = *cap ? *cap * 2 : 4;
  void **fresh = arena_alloc(p->arena, ncap * elem);
  if (fresh == NULL) {
    nomem(p);
    return NULL;
  }
  if (arr != NULL)
    memcpy(fresh, arr, n * elem);
  *cap = ncap;
  return fresh;
}

static int parse_redir(sh_parser *p, sh_redir ***tail) {
  tok op;
  if (next_tok(p, &op) < 0)
    return -1;
  tok w;
  if (next_tok(p, &w) < 0)
    return -1;
  if (w.kind != T_WORD)
    return unexpected(p, &w, NULL);
  sh_redir *r = arena_alloc(p->arena, sizeof *r);
  if (r == NULL)
    return nomem(p);
  r->fd = op.fd;
  r->op = op.op;
  r->word = w.text;
  if (op.op == SH_R_HEREDOC) {
    bool quoted;
    char *delim = heredoc_delim(p, w.text, &quoted);
    if (delim == NULL)
      return nomem(p);
    r->word = delim;
    r->heredoc_expand = !quoted;
    if (p->n_heredocs >= sizeof p->heredocs / sizeof p->heredocs[0])
      return syntax(p, "too many here-documents");
    p->heredoc_dash[p->n_heredocs] = op.dash;
    p->heredocs[p->n_heredocs++] = r;
  }
  **tail = r;
  *tail = &r->next;
  return 0;
}

static sh_node *parse_command(sh_parser *p);

static sh_node *parse_redirs_after(sh_parser *p, sh_node *n) {
  sh_redir **tail = &n->redirs;
  while (*tail != NULL)
    tail = &(*tail)->next;
  while (!stop(p) && peek_tok(p)->kind == T_REDIR)
    if (parse_redir(p, &tail) < 0)
      return NULL;
  return stop(p) ? NULL : n;
}

static sh_node *parse_simple(sh_parser *p) {
  sh_node *n = new_node(p, SH_N_CMD, peek_tok(p)->line);
  if (n == NULL)
    return NULL;
  size_t cap_a = 0, cap_w = 0;
  sh_redir **tail = &n->redirs;
  for (;;) {
    const tok *t = peek_tok(p);
    if (stop(p))
      return NULL;
    if (t->kind == T_REDIR) {
      if (parse_redir(p, &tail) < 0)
        return NULL;
      continue;
    }
    if (t->kind != T_WORD)
      break;
    tok w;
    next_tok(p, &w);
    const char *eq = strchr(w.text, '=');
    if (n->u.cmd.n_words == 0 && eq != NULL && sh_valid_name(w.text, (size_t)(eq - w.text))) {
      n->u.cmd.assigns = (const char **)grow(p, (void **)n->u.cmd.assigns, n->u.cmd.n_assigns, &cap_a, sizeof(char *));
      if (n->u.cmd.assigns == NULL)
        return NULL;
      n->u.cmd.assigns[n->u.cmd.n_assigns++] = w.text;
      continue;
    }
    if (n->u.cmd.n_words == 0 && n->u.cmd.n_assigns == 0 && n->redirs == NULL && peek_tok(p)->kind == T_LPAREN) {
      /* name() compound-command */
      tok lp, rp;
      next_tok(p, &lp);
      if (next_tok(p, &rp) < 0)
        return NULL;
      if (rp.kind != T_RPAREN) {
        unexpected(p, &rp, ")");
        return NULL;
      }
      if (!sh_valid_name(w.text, w.len) || w.quoted) {
        syntax(p, "bad function name");
        return NULL;
      }
      skip_newlines(p);
      sh_node *f = new_node(p, SH_N_FUNC, n->lineno);
      if (f == NULL)
        return NULL;
      f->u.func.name = w.text;
      f->u.func.body = parse_command(p);
      return f->u.func.body == NULL ? NULL : f;
    }
    n->u.cmd.words = (const char **)grow(p, (void **)n->u.cmd.words, n->u.cmd.n_words, &cap_w, sizeof(char *));
    if (n->u.cmd.words == NULL)
      return NULL;
    n->u.cmd.words[n->u.cmd.n_words++] = w.text;
  }
  if (n->u.cmd.n_words == 0 && n->u.cmd.n_assigns == 0 && n->redirs == NULL) {
    unexpected(p, peek_tok(p), NULL);
    return NULL;
  }
  if (peek_tok(p)->kind == T_LPAREN) {
    unexpected(p, peek_tok(p), NULL);
    return NULL;
  }
  return n;
}

static sh_node *parse_if(sh_parser *p, int line) {
  sh_node *n = new_node(p, SH_N_IF, line);
  if (n == NULL)
    return NULL;
  n->u.bin.a = parse_list(p, false);
  if (n->u.bin.a == NULL || expect_kw(p, "then") < 0)
    return NULL;
  n->u.bin.b = parse_list(p, false);
  if (n->u.bin.b == NULL)
    return NULL;
  const tok *t = peek_tok(p);
  if (is_kw(t, "elif")) {
    tok kw;
    next_tok(p, &kw);
    n->u.bin.c = parse_if(p, kw.line);
    return n->u.bin.c == NULL ? NULL : n;
  }
  if (is_kw(t, "else")) {
    tok kw;
    next_tok(p, &kw);
    n->u.bin.c = parse_list(p, false);
    if (n->u.bin.c == NULL)
      return NULL;
  }
  return expect_kw(p, "fi") < 0 ? NULL : n;
}

static sh_node *parse_loop(sh_parser *p, sh_node_kind kind, int line) {
  sh_node *n = new_node(p, kind, line);
  if (n == NULL)
    return NULL;
  n->u.bin.a = parse_list(p, false);
  if (n->u.bin.a == NULL || expect_kw(p, "do") < 0)
    return NULL;
  n->u.bin.b = parse_list(p, false);
  if (n->u.bin.b == NULL || expect_kw(p, "done") < 0)
    return NULL;
  return n;
}

static sh_node *parse_for(sh_parser *p, int line) {
  sh_node *n = new_node(p, SH_N_FOR, line);
  if (n == NULL)
    return NULL;
  tok var;
  if (next_tok(p, &var) < 0)
    return NULL;
  if (var.kind != T_WORD || var.quoted || !sh_valid_name(var.text, var.len)) {
    syntax(p, "bad for loop variable");
    return NULL;
  }
  n->u.loop_for.var = var.text;
  skip_newlines(p);
  const tok *t = peek_tok(p);
  if (is_kw(t, "in")) {
    tok kw;
    next_tok(p, &kw);
    n->u.loop_for.has_in = true;
    size_t cap = 0;
    while (!stop(p) && peek_tok(p)->kind == T_WORD) {
      tok w;
      next_tok(p, &w);
      n->u.loop_for.words =
          (const char **)grow(p, (void **)n->u.loop_for.words, n->u.loop_for.n_words, &cap, sizeof(char *));
      if (n->u.loop_for.words == NULL)
        return NULL;
      n->u.loop_for.words[n->u.loop_for.n_words++] = w.text;
    }
    t = peek_tok(p);
    if (t->kind != T_SEMI && t->kind != T_NL) {
      unexpected(p, t, NULL);
      return NULL;
    }
    next_tok(p, &kw);
  } else if (t->kind == T_SEMI) {
    tok s;
    next_tok(p, &s);
  }
  skip_newlines(p);
  if (expect_kw(p, "do") < 0)
    return NULL;
  n->u.loop_for.body = parse_list(p, false);
  if (n->u.loop_for.body == NULL || expect_kw(p, "done") < 0)
    return NULL;
  return n;
}

static sh_node *parse_case(sh_parser *p, int line) {
  sh_node *n = new_node(p, SH_N_CASE, line);
  if (n == NULL)
    return NULL;
  tok w;
  if (next_tok(p, &w) < 0)
    return NULL;
  if (w.kind != T_WORD) {
    unexpected(p, &w, NULL);
    return NULL;
  }
  n->u.sw.word = w.text;
  skip_newlines(p);
  if (expect_kw(p, "in") < 0)
    return NULL;
  size_t cap = 0;
  for (;;) {
    skip_newlines(p);
    const tok *t = peek_tok(p);
    if (stop(p))
      return NULL;
    if (is_kw(t, "esac")) {
      tok kw;
      next_tok(p, &kw);
      return n;
    }
    if (t->kind == T_LPAREN) {
      tok lp;
      next_tok(p, &lp);
    }
    sh_case_item item = {0};
    size_t pcap = 0;
    for (;;) {
      tok pat;
      if (next_tok(p, &pat) < 0)
        return NULL;
      if (pat.kind != T_WORD) {
        unexpected(p, &pat, NULL);
        return NULL;
      }
      item.patterns = (const char **)grow(p, (void **)item.patterns, item.n_patterns, &pcap, sizeof(char *));
      if (item.patterns == NULL)
        return NULL;
      item.patterns[item.n_patterns++] = pat.text;
      tok sep;
      if (next_tok(p, &sep) < 0)
        return NULL;
      if (sep.kind == T_RPAREN)
        break;
      if (sep.kind != T_PIPE) {
        unexpected(p, &sep, ")");
        return NULL;
      }
    }
    skip_newlines(p);
    t = peek_tok(p);
    if (!is_kw(t, "esac") && t->kind != T_DSEMI) {
      item.body = parse_list(p, false);
      if (item.body == NULL)
        return NULL;
    }
    sh_case_item *items = (sh_case_item *)grow(p, (void **)n->u.sw.items, n->u.sw.n_items, &cap, sizeof *items);
    if (items == NULL)
      return NULL;
    n->u.sw.items = items;
    n->u.sw.items[n->u.sw.n_items++] = item;
    t = peek_tok(p);
    if (t->kind == T_DSEMI) {
      tok ds;
      next_tok(p, &ds);
      continue;
    }
    if (!is_kw(t, "esac")) {
      unexpected(p, t, "esac");
      return NULL;
    }
  }
}

static sh_node *parse_command(sh_parser *p) {
  if (p->depth > SH_MAX_DEPTH) {
    syntax(p, "nested too deeply");
    return NULL;
  }
  const tok *t = peek_tok(p);
  if (stop(p))
    return NULL;
  sh_node *n = NULL;
  int line = t->line;
  p->depth++;
  if (t->kind == T_WORD && !t->quoted) {
    tok kw = *t;
    if (strcmp(kw.text, "if") == 0) {
      next_tok(p, &kw);
      n = parse_if(p, line);
    } else if (strcmp(kw.text, "while") == 0 || strcmp(kw.text, "until") == 0) {
      next_tok(p, &kw);
      n = parse_loop(p, kw.text[0] == 'w' ? SH_N_WHILE : SH_N_UNTIL, line);
    } else if (strcmp(kw.text, "for") == 0) {
      next_tok(p, &kw);
      n = parse_for(p, line);
    } else if (strcmp(kw.text, "case") == 0) {
      next_tok(p, &kw);
      n = parse_case(p, line);
    } else if (strcmp(kw.text, "{") == 0) {
      next_tok(p, &kw);
      n = new_node(p, SH_N_GROUP, line);
      if (n != NULL && ((n->u.bin.a = parse_list(p, false)) == NULL || expect_kw(p, "}") < 0))
        n = NULL;
    } else if (ends_list(&kw) || strcmp(kw.text, "in") == 0 || strcmp(kw.text, "!") == 0) {
      unexpected(p, &kw, NULL);
    } else {
      n = parse_simple(p);
      p->depth--;
      return n;
    }
  } else if (t->kind == T_LPAREN) {
    tok lp;
    next_tok(p, &lp);
    n = new_node(p, SH_N_SUBSHELL, line);
    if (n != NULL) {
      n->u.bin.a = parse_list(p, false);
      if (n->u.bin.a == NULL)
        n = NULL;
      else {
        tok rp;
        if (next_tok(p, &rp) < 0)
          n = NULL;
        else if (rp.kind != T_RPAREN) {
          unexpected(p, &rp, ")");
          n = NULL;
        }
      }
    }
  } else if (t->kind == T_WORD || t->kind == T_REDIR) {
    n = parse_simple(p);
    p->depth--;
    return n;
  } else {
    unexpected(p, t, NULL);
  }
  p->depth--;
  if (n == NULL)
    return NULL;
  return parse_redirs_after(p, n);
}

static sh_node *parse_pipeline(sh_parser *p) {
  bool bang = false;
  while (is_kw(peek_tok(p), "!")) {
    tok t;
    next_tok(p, &t);
    bang = !bang;
  }
  int line = peek_tok(p)->line;
  sh_node *first = parse_command(p);
  if (first == NULL)
    return NULL;
  sh_node *n = first;
  if (peek_tok(p)->kind == T_PIPE) {
    n = new_node(p, SH_N_PIPE, line);
    if (n == NULL)
      return NULL;
    size_t cap = 0;
    n->u.list.items = (sh_node **)grow(p, NULL, 0, &cap, sizeof(sh_node *));
    if (n->u.list.items == NULL)
      return NULL;
    n->u.list.items[n->u.list.n++] = first;
    while (peek_tok(p)->kind == T_PIPE) {
      tok t;
      next_tok(p, &t);
      skip_newlines(p);
      sh_node *c = parse_command(p);
      if (c == NULL)
        return NULL;
      n->u.list.items = (sh_node **)grow(p, (void **)n->u.list.items, n->u.list.n, &cap, sizeof(sh_node *));
      if (n->u.list.items == NULL)
        return NULL;
      n->u.list.items[n->u.list.n++] = c;
    }
  }
  if (bang) {
    sh_node *neg = new_node(p, SH_N_NOT, line);
    if (neg == NULL)
      return NULL;
    neg->u.bin.a = n;
    n = neg;
  }
  return stop(p) ? NULL : n;
}

static sh_node *parse_and_or(sh_parser *p) {
  sh_node *left = parse_pipeline(p);
  while (left != NULL) {
    const tok *t = peek_tok(p);
    if (t->kind != T_AND && t->kind != T_OR)
      break;
    tok op;
    next_tok(p, &op);
    skip_newlines(p);
    sh_node *right = parse_pipeline(p);
    if (right == NULL)
      return NULL;
    sh_node *n = new_node(p, op.kind == T_AND ? SH_N_AND : SH_N_OR, left->lineno);
    if (n == NULL)
      return NULL;
    n->u.bin.a = left;
    n->u.bin.b = right;
    left = n;
  }
  return stop(p) ? NULL : left;
}

/* top: a newline ends the list (left for the caller); else newlines separate
 * commands and the list must not be empty. */
static sh_node *parse_list(sh_parser *p, bool top) {
  sh_node *n = new_node(p, SH_N_LIST, p->line);
  if (n == NULL)
    return NULL;
  size_t cap = 0, bcap = 0;
  for (;;) {
    if (!top)
      skip_newlines(p);
    const tok *t = peek_tok(p);
    if (stop(p))
      return NULL;
    if (ends_list(t) || (top && t->kind == T_NL)) {
      /* an empty list: ash lets the caller report a missing keyword at the
       * end of the input, and complains about any other token itself */
      if (n->u.list.n == 0 && !top && t->kind != T_EOF) {
        unexpected(p, t, NULL);
        return NULL;
      }
      break;
    }
    sh_node *item = parse_and_or(p);
    if (item == NULL)
      return NULL;
    if (n->u.list.n == 0)
      n->lineno = item->lineno;
    n->u.list.items = (sh_node **)grow(p, (void **)n->u.list.items, n->u.list.n, &cap, sizeof(sh_node *));
    n->u.list.background = (bool *)grow(p, (void **)n->u.list.background, n->u.list.n, &bcap, sizeof(bool));
    if (n->u.list.items == NULL || n->u.list.background == NULL)
      return NULL;
    n->u.list.background[n->u.list.n] = false;
    n->u.list.items[n->u.list.n++] = item;
    t = peek_tok(p);
    if (t->kind == T_SEMI || t->kind == T_AMP) {
      n->u.list.background[n->u.list.n - 1] = t->kind == T_AMP;
      tok s;
      next_tok(p, &s);
      continue;
    }
    if (t->kind == T_NL && !top)
      continue;
    break;
  }
  return n;
}

/* ---- entry points ---- */

int sh_parser_new(sh_parser **out, const char *src, size_t len, int first_line) {
  sh_parser *p = ctrt__calloc(1, sizeof *p);
  CTRT__CHECK_ALLOC(p);
  p->src = src;
  p->len = len;
  p->line = first_line;
  *out = p;
  return 0;
}

void sh_parser_free(sh_parser *p) {
  if (p == NULL)
    return;
  sh_arena_unref(p->arena);
  ctrt__free(p->error);
  ctrt__free(p);
}

const char *sh_parser_error(const sh_parser *p) { return p->error ? p->error : ""; }

int sh_parser_error_line(const sh_parser *p) { return p->error_line; }

bool sh_parser_error_at_end(const sh_parser *p) { return p->error_at_end; }

size_t sh_parser_offset(const sh_parser *p) { return p->offset; }

int sh_parse_next(sh_parser *p, sh_node **node, sh_arena **arena) {
  *node = NULL;
  *arena = NULL;
  if (p->error != NULL)
    return 2;
  sh_arena_unref(p->arena);
  p->arena = arena_new();
  CTRT__CHECK_ALLOC(p->arena);
  p->have_tok = false;
  const tok *t = peek_tok(p);
  if (stop(p))
    goto done;
  if (t->kind == T_EOF)
    return 1;
  sh_node *n = NULL;
  if (t->kind != T_NL)
    n = parse_list(p, true);
  if (!stop(p)) {
    tok end;
    next_tok(p, &end);
    if (!stop(p) && end.kind != T_NL && end.kind != T_EOF)
      unexpected(p, &end, NULL);
  }
done:
  if (p->failed)
    return ctrt__error_no_memory();
  if (p->error != NULL)
    return 2;
  p->offset = p->pos;
  *node = n;
  *arena = sh_arena_ref(p->arena);
  return 0;
}

bool sh_subst_length(const char *s, size_t len, size_t *body_len) {
  sh_parser *p = NULL;
  if (sh_parser_new(&p, s, len, 0) < 0) {
    ctrt_error_clear();
    return false;
  }
  bool ok = false;
  p->arena = arena_new();
  if (p->arena != NULL) {
    skip_newlines(p);
    if (!stop(p) && peek_tok(p)->kind != T_RPAREN)
      parse_list(p, false);
    tok t;
    if (!stop(p) && next_tok(p, &t) == 0 && t.kind == T_RPAREN) {
      *body_len = p->pos - 1;
      ok = true;
    }
  }
  sh_parser_free(p);
  return ok;
}

int sh_parse_all(const char *src, size_t len, int first_line, sh_node **node, sh_arena **arena, char **error) {
  *node = NULL;
  *arena = NULL;
  *error = NULL;
  sh_parser *p = NULL;
  int rc = sh_parser_new(&p, src, len, first_line);
  if (rc < 0)
    return rc;
  p->arena = arena_new();
  if (p->arena == NULL) {
    sh_parser_free(p);
    return ctrt__error_no_memory();
  }
  sh_node *all = new_node(p, SH_N_LIST, first_line);
  size_t cap = 0, bcap = 0;
  while (all != NULL && !stop(p)) {
    p->have_tok = false;
    const tok *t = peek_tok(p);
    if (stop(p) || t->kind == T_EOF)
      break;
    sh_node *n = NULL;
    if (t->kind != T_NL)
      n = parse_list(p, true);
    if (stop(p))
      break;
    tok end;
    next_tok(p, &end);
    if (!stop(p) && end.kind != T_NL && end.kind != T_EOF)
      unexpected(p, &end, NULL);
    if (n == NULL || stop(p))
      continue;
    all->u.list.items = (sh_node **)grow(p, (void **)all->u.list.items, all->u.list.n, &cap, sizeof(sh_node *));
    all->u.list.background = (bool *)grow(p, (void **)all->u.list.background, all->u.list.n, &bcap, sizeof(bool));
    if (all->u.list.items == NULL || all->u.list.background == NULL)
      break;
    all->u.list.background[all->u.list.n] = false;
    all->u.list.items[all->u.list.n++] = n;
  }
  if (p->failed || all == NULL) {
    sh_parser_free(p);
    return ctrt__error_no_memory();
  }
  if (p->error != NULL) {
    *error = p->error;
    p->error = NULL;
    sh_parser_free(p);
    return 2;
  }
  *node = all;
  *arena = sh_arena_ref(p->arena);
  sh_parser_free(p);
  return 0;
}
