/* SPDX-License-Identifier: MIT */
/*
 * Evaluation of parse trees: lists, pipelines (stages run as coroutines
 * through bounded pipes), compound commands, functions, redirections and
 * command lookup (special builtins, functions, builtins, then PATH); and the
 * sh applet itself (sh -c, script files, scripts read from stdin).
 */
#include "shell_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>

static int eval_node(sh_state *sh, sh_node *n, sh_io *io);

/* ---- helpers ---- */

static void set_exit(sh_state *sh, int status) {
  if (sh->unwind == SH_U_NONE) {
    sh->unwind = SH_U_EXIT;
    sh->exit_status = status;
  }
}

/* Exit status of a (sub)shell that has finished running. */
static int final_status(const sh_state *sh) { return sh->unwind == SH_U_EXIT ? sh->exit_status : sh->status; }

static sh_func *find_func(sh_state *sh, const char *name) {
  for (size_t i = 0; i < sh->n_funcs; i++)
    if (strcmp(sh->funcs[i].name, name) == 0)
      return &sh->funcs[i];
  return NULL;
}

static int define_func(sh_state *sh, const char *name, sh_node *body) {
  sh_func *f = find_func(sh, name);
  if (f == NULL) {
    sh_func *fs = ctrt__realloc(sh->funcs, (sh->n_funcs + 1) * sizeof *fs);
    if (fs == NULL)
      return sh_oom(sh), -1;
    sh->funcs = fs;
    f = &sh->funcs[sh->n_funcs];
    f->name = ctrt__strdup(name);
    if (f->name == NULL)
      return sh_oom(sh), -1;
    f->arena = NULL;
    sh->n_funcs++;
  }
  sh_arena *old = f->arena;
  f->arena = sh_arena_ref(sh->cur_arena); /* before the unref: it may be the same */
  sh_arena_unref(old);
  f->body = body;
  return 0;
}

/* ---- redirections ---- */

static const char *open_errmsg(int err, const char *enoent) {
  if (err == ENOENT || err == ENOTDIR)
    return enoent;
  return strerror(err);
}

static bool all_digits(const char *s) {
  if (*s == '\0')
    return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9')
      return false;
  return true;
}

/* Apply redirections to io (a private copy): 0, or 1 after a message. */
static int apply_redirs(sh_state *sh, const sh_redir *r, sh_io *io) {
  for (; r != NULL; r = r->next) {
    if (sh_stopping(sh))
      return 1;
    char *word;
    if (r->op == SH_R_HEREDOC)
      word = r->heredoc_expand ? sh_expand_heredoc(sh, r->word) : ctrt__strdup(r->word);
    else
      word = sh_expand_one(sh, r->word);
    if (word == NULL) {
      if (!sh_stopping(sh))
        sh_oom(sh);
      return 1;
    }
    sh_stream *s = NULL;
    int err = 0;
    int fd = r->fd;
    switch (r->op) {
    case SH_R_IN:
      if (sh_open_input(sh, io, word, &s, &err) < 0) {
        sh_ash_err(sh, io, "can't open %s: %s", word, open_errmsg(err, "no such file"));
        ctrt__free(word);
        return 1;
      }
      break;
    case SH_R_RDWR: {
      char *abs = sh_abspath(sh, word);
      bool exists = abs != NULL && sh_stat(sh, abs, true, NULL) == 0;
      ctrt__free(abs);
      if (!exists) {
        sh_stream *created = NULL;
        if (sh_open_output(sh, io, word, true, &created, &err) < 0) {
          sh_ash_err(sh, io, "can't open %s: %s", word, open_errmsg(err, "no such file"));
          ctrt__free(word);
          return 1;
        }
        sh_stream_unref(sh->root, created);
      }
      if (sh_open_input(sh, io, word, &s, &err) < 0) {
        sh_ash_err(sh, io, "can't open %s: %s", word, open_errmsg(err, "no such file"));
        ctrt__free(word);
        return 1;
      }
      break;
    }
    case SH_R_OUT:
    case SH_R_APPEND:
      if (sh_open_output(sh, io, word, r->op == SH_R_APPEND, &s, &err) < 0) {
        sh_ash_err(sh, io, "can't create %s: %s", word, open_errmsg(err, "nonexistent directory"));
        ctrt__free(word);
        return 1;
      }
      break;
    case SH_R_DUPIN:
    case SH_R_DUPOUT:
      if (strcmp(word, "-") == 0) {
        s = NULL;
      } else if (all_digits(word)) {
        long src = strtol(word, NULL, 10);
        if (src >= SH_MAX_FD || io->fd[src] == NULL) {
          sh_ash_err(sh, io, "%s: Bad file descriptor", word);
          ctrt__free(word);
          return 1;
        }
        s = sh_stream_ref(io->fd[src]);
      } else if (r->op == SH_R_DUPOUT) {
        /* >&FILE: stdout and stderr to FILE */
        if (sh_open_output(sh, io, word, false, &s, &err) < 0) {
          sh_ash_err(sh, io, "can't create %s: %s", word, open_errmsg(err, "nonexistent directory"));
          ctrt__free(word);
          return 1;
        }
        if (fd == 1 && fd < SH_MAX_FD)
          sh_io_set(sh->root, io, 2, sh_stream_ref(s));
      } else {
        sh_ash_err(sh, io, "%s: Bad file descriptor", word);
        ctrt__free(word);
        return 1;
      }
      break;
    case SH_R_HEREDOC:
      s = sh_stream_from_data(sh->root, word, strlen(word));
      if (s == NULL) {
        ctrt__free(word);
        sh_oom(sh);
        return 1;
      }
      break;
    }
    ctrt__free(word);
    if (fd >= SH_MAX_FD) { /* accepted, nothing can use it */
      sh_stream_unref(sh->root, s);
      continue;
    }
    sh_io_set(sh->root, io, fd, s);
  }
  return sh_stopping(sh) ? 1 : 0;
}

/* ---- temporary assignments ---- */

typedef struct saved_var {
  char *name;
  bool existed, exported;
  char *value;
} saved_var;

/* Put one saved variable back (and free the saved copy). */
static void restore_one(sh_state *sh, saved_var *sv) {
  sh_var *v = sh_findvar(sh, sv->name, strlen(sv->name));
  if (v != NULL) {
    if (!sv->existed) {
      v->readonly = false;
      sh_unsetvar(sh, sv->name);
    } else {
      ctrt__free(v->value);
      v->value = sv->value;
      sv->value = NULL;
      v->exported = sv->exported;
    }
  }
  ctrt__free(sv->name);
  ctrt__free(sv->value);
  sv->name = sv->value = NULL;
}

static void restore_vars(sh_state *sh, saved_var *saved, size_t n) {
  for (size_t i = n; i-- > 0;)
    restore_one(sh, &saved[i]);
  ctrt__free(saved);
}

/* Set NAME=VALUE assignments for one command, remembering the old values:
 * 0, or -1 (a readonly variable: message printed, the shell exits 2). */
static int push_vars(sh_state *sh, char **assigns, size_t n, bool export_them, saved_var **out) {
  *out = NULL;
  if (n == 0)
    return 0;
  saved_var *saved = ctrt__calloc(n, sizeof *saved);
  if (saved == NULL)
    return sh_oom(sh), -1;
  size_t done = 0;
  for (size_t i = 0; i < n; i++) {
    const char *eq = strchr(assigns[i], '=');
    char *name = ctrt__strndup(assigns[i], (size_t)(eq - assigns[i]));
    if (name == NULL) {
      sh_oom(sh);
      break;
    }
    sh_var *v = sh_findvar(sh, name, strlen(name));
    saved[done].name = name;
    saved[done].existed = v != NULL;
    if (v != NULL) {
      saved[done].exported = v->exported;
      saved[done].value = v->value ? ctrt__strdup(v->value) : NULL;
      if (v->value != NULL && saved[done].value == NULL) {
        sh_oom(sh);
        done++;
        break;
      }
    }
    done++;
    if (sh_setvar(sh, name, eq + 1, export_them) < 0) {
      set_exit(sh, 2);
      break;
    }
  }
  if (sh_stopping(sh)) {
    restore_vars(sh, saved, done);
    return -1;
  }
  *out = saved;
  return 0;
}

/* ---- commands ---- */

static int call_function(sh_state *sh, sh_func *f, sh_io *io, char **argv, size_t argc) {
  if (sh->root->depth > SH_MAX_DEPTH) {
    sh_ash_err(sh, io, "%s: function nesting too deep", argv[0]);
    set_exit(sh, 2);
    return 2;
  }
  sh_strv params = {0};
  for (size_t i = 1; i < argc; i++)
    if (sh_strv_add(&params, argv[i]) < 0) {
      sh_strv_free(&params);
      return sh_oom(sh), 2;
    }
  sh_strv saved = sh->params;
  sh->params = params;
  sh_arena *arena = sh_arena_ref(f->arena);
  sh_arena *saved_arena = sh->cur_arena;
  sh->cur_arena = arena;
  sh_node *body = f->body;
  int saved_loops = sh->loop_depth;
  sh->loop_depth = 0;
  sh->func_depth++;
  sh->root->depth++;
  size_t locals_mark = sh->n_locals;
  size_t saved_base = sh->locals_base;
  sh->locals_base = locals_mark;
  int status = eval_node(sh, body, io);
  if (sh->unwind == SH_U_RETURN) {
    sh->unwind = SH_U_NONE;
    status = sh->exit_status;
  }
  /* local variables end with the call */
  while (sh->n_locals > locals_mark)
    restore_one(sh, &((saved_var *)sh->locals)[--sh->n_locals]);
  sh->locals_base = saved_base;
  sh->root->depth--;
  sh->func_depth--;
  sh->loop_depth = saved_loops;
  sh->cur_arena = saved_arena;
  sh_arena_unref(arena);
  sh_strv_free(&sh->params);
  sh->params = saved;
  return status & 255;
}

int sh_local_var(sh_state *sh, const char *assign) {
  const char *eq = strchr(assign, '=');
  size_t len = eq ? (size_t)(eq - assign) : strlen(assign);
  char *name = ctrt__strndup(assign, len);
  if (name == NULL)
    return sh_oom(sh), -1;
  /* already local in this call: just assign */
  saved_var *locals = sh->locals;
  bool known = false;
  for (size_t i = sh->locals_base; i < sh->n_locals; i++)
    if (strcmp(locals[i].name, name) == 0)
      known = true;
  if (!known) {
    if (sh->n_locals == sh->cap_locals) {
      size_t cap = sh->cap_locals ? sh->cap_locals * 2 : 8;
      saved_var *nl = ctrt__realloc(sh->locals, cap * sizeof *nl);
      if (nl == NULL) {
        ctrt__free(name);
        return sh_oom(sh), -1;
      }
      sh->locals = nl;
      sh->cap_locals = cap;
      locals = nl;
    }
    sh_var *v = sh_findvar(sh, name, len);
    saved_var *sv = &locals[sh->n_locals];
    memset(sv, 0, sizeof *sv);
    sv->name = name;
    sv->existed = v != NULL;
    if (v != NULL) {
      sv->exported = v->exported;
      sv->value = v->value ? ctrt__strdup(v->value) : NULL;
      if (v->value != NULL && sv->value == NULL)
        return sh_oom(sh), -1;
    }
    sh->n_locals++;
    name = NULL;
  }
  ctrt__free(name);
  if (eq != NULL) {
    char *n2 = ctrt__strndup(assign, len);
    if (n2 == NULL)
      return sh_oom(sh), -1;
    int rc = sh_setvar(sh, n2, eq + 1, false);
    ctrt__free(n2);
    return rc;
  }
  return 0;
}

void sh_free_locals(sh_state *sh) {
  saved_var *locals = sh->locals;
  for (size_t i = 0; i < sh->n_locals; i++) {
    ctrt__free(locals[i].name);
    ctrt__free(locals[i].value);
  }
  ctrt__free(locals);
  sh->locals = NULL;
  sh->n_locals = sh->cap_locals = 0;
}

static int run_external(sh_state *sh, sh_io *io, char **argv, size_t argc, char **assigns, size_t n_assigns) {
  const char *path = sh_getvar(sh, "PATH");
  for (size_t i = 0; i < n_assigns; i++)
    if (strncmp(assigns[i], "PATH=", 5) == 0)
      path = assigns[i] + 5;
  sh_resolved r;
  if (sh_resolve_cmd(sh, argv[0], path, &r) < 0)
    return 2;
  if (r.status != 0) {
    sh_ash_err(sh, io, "%s: %s", argv[0], r.err == EACCES ? "Permission denied" : "not found");
    int status = r.status;
    sh_resolved_clear(&r);
    return status;
  }
  saved_var *saved;
  sh_strv env = {0};
  if (push_vars(sh, assigns, n_assigns, true, &saved) < 0) {
    sh_resolved_clear(&r);
    return 2;
  }
  int rc = sh_environ(sh, &env);
  restore_vars(sh, saved, n_assigns);
  if (rc < 0) {
    sh_strv_free(&env);
    sh_resolved_clear(&r);
    return sh_oom(sh), 2;
  }
  sh_state *child = sh_state_new(sh->root, sh, env.v, env.n, sh->cwd);
  sh_strv_free(&env);
  if (child == NULL) {
    sh_resolved_clear(&r);
    return sh_oom(sh), 2;
  }
  child->parent_is_top = sh == sh->root->top;
  child->ctx_io = io;
  int status = sh_exec_resolved(child, io, &r, argv, argc);
  if (status < 0) {
    sh_ash_err(sh, io, "%s: not found", argv[0]);
    status = 127;
  }
  if (child->unwind == SH_U_EXIT && !child->is_shell)
    status = child->exit_status;
  sh_state_free(child);
  sh_resolved_clear(&r);
  return status & 255;
}

/* Run argv with assignments and redirections, after expansion. */
static int run_command(sh_state *sh, sh_io *io, const sh_redir *redirs, char **argv, size_t argc, char **assigns,
                       size_t n_assigns) {
  const char *name = argv[0];
  const sh_applet *special = sh_find_applet(name, SH_A_SPECIAL);
  sh_func *fn = special ? NULL : find_func(sh, name);
  const sh_applet *builtin = special || fn ? NULL : sh_find_applet(name, SH_A_BUILTIN);
  sh_io cmd_io = {0};
  sh_io_copy(&cmd_io, io);
  if (apply_redirs(sh, redirs, &cmd_io) != 0) {
    sh_io_clear(sh->root, &cmd_io);
    return 1;
  }
  sh_io *saved_ctx = sh->ctx_io;
  sh->ctx_io = io;
  int status;
  if (special != NULL) {
    for (size_t i = 0; i < n_assigns && !sh_stopping(sh); i++) {
      const char *eq = strchr(assigns[i], '=');
      char *vn = ctrt__strndup(assigns[i], (size_t)(eq - assigns[i]));
      if (vn == NULL) {
        sh_oom(sh);
        break;
      }
      if (sh_setvar(sh, vn, eq + 1, false) < 0)
        set_exit(sh, 2);
      ctrt__free(vn);
    }
    status = 2;
    if (!sh_stopping(sh)) {
      const char *saved_name = sh->builtin_name;
      sh->builtin_name = special->name;
      status = sh_call_applet(special, sh, &cmd_io, (int)argc, argv);
      sh->builtin_name = saved_name;
    }
  } else if (fn != NULL || builtin != NULL) {
    saved_var *saved;
    status = 2;
    if (push_vars(sh, assigns, n_assigns, fn != NULL, &saved) == 0) {
      if (fn != NULL) {
        status = call_function(sh, fn, &cmd_io, argv, argc);
      } else {
        const char *saved_name = sh->builtin_name;
        sh->builtin_name = builtin->name;
        status = sh_call_applet(builtin, sh, &cmd_io, (int)argc, argv);
        sh->builtin_name = saved_name;
      }
      restore_vars(sh, saved, n_assigns);
    }
  } else {
    status = run_external(sh, &cmd_io, argv, argc, assigns, n_assigns);
  }
  sh->ctx_io = saved_ctx;
  sh_io_clear(sh->root, &cmd_io);
  return status;
}

int sh_run_command(sh_state *sh, sh_io *io, char **argv, size_t argc, char **assigns, size_t n_assigns) {
  return run_command(sh, io, NULL, argv, argc, assigns, n_assigns);
}

/* set -x: "+ NAME=VALUE CMD ARGS" on stderr, quoted as ash does. */
static void quote_for_trace(sh_buf *b, const char *w) {
  static const char *const kws[] = {"!",  "case", "do",   "done",  "elif",  "else", "esac", "fi", "for",
                                    "if", "in",   "then", "until", "while", "{",    "}",    NULL};
  bool quote = false;
  for (const char *p = w; *p && !quote; p++) {
    unsigned char c = (unsigned char)*p;
    quote = c < '+' || (c >= ';' && c <= '?') || c == '`' || c == '[' || c == '\\' || c > 'z';
  }
  for (size_t k = 0; kws[k] != NULL && !quote; k++)
    quote = strcmp(w, kws[k]) == 0;
  if (!quote) {
    sh_buf_adds(b, w);
    return;
  }
  sh_buf_addc(b, '\'');
  for (const char *p = w; *p; p++) {
    if (*p == '\'')
      sh_buf_adds(b, "'\"'\"'");
    else
      sh_buf_addc(b, *p);
  }
  sh_buf_addc(b, '\'');
}

static void xtrace(sh_state *sh, sh_io *io, const sh_strv *assigns, const sh_strv *argv) {
  sh_buf b = {0};
  const char *ps4 = sh_getvar(sh, "PS4");
  sh_buf_adds(&b, ps4 ? ps4 : "+ ");
  bool first = true;
  for (size_t i = 0; i < assigns->n; i++) {
    const char *eq = strchr(assigns->v[i], '=');
    if (!first)
      sh_buf_addc(&b, ' ');
    sh_buf_add(&b, assigns->v[i], (size_t)(eq - assigns->v[i]) + 1);
    quote_for_trace(&b, eq + 1);
    first = false;
  }
  for (size_t i = 0; i < argv->n; i++) {
    if (!first)
      sh_buf_addc(&b, ' ');
    quote_for_trace(&b, argv->v[i]);
    first = false;
  }
  sh_buf_addc(&b, '\n');
  if (b.data != NULL)
    sh_write(sh, io, 2, b.data, b.len);
  sh_buf_free(&b);
}

static int eval_simple(sh_state *sh, sh_node *n, sh_io *io) {
  sh->lineno = n->lineno;
  sh->has_subst_status = false;
  sh_io *saved_ctx = sh->ctx_io;
  sh->ctx_io = io;
  sh_strv argv = {0};
  sh_strv assigns = {0};
  int status = 0;
  if (sh_expand_words(sh, n->u.cmd.words, n->u.cmd.n_words, &argv) < 0)
    goto out;
  for (size_t i = 0; i < n->u.cmd.n_assigns; i++) {
    const char *raw = n->u.cmd.assigns[i];
    const char *eq = strchr(raw, '=');
    char *value = sh_expand_one(sh, eq + 1);
    if (value == NULL)
      goto out;
    char *a = ctrt__sprintf("%.*s=%s", (int)(eq - raw), raw, value);
    ctrt__free(value);
    if (sh_strv_adopt(&assigns, a) < 0) {
      sh_oom(sh);
      goto out;
    }
  }
  if (sh->xtrace)
    xtrace(sh, io, &assigns, &argv);
  if (argv.n == 0) {
    sh_io tmp = {0};
    sh_io_copy(&tmp, io);
    int r = apply_redirs(sh, n->redirs, &tmp);
    sh_io_clear(sh->root, &tmp);
    if (r != 0) {
      status = 1;
      goto out;
    }
    for (size_t i = 0; i < assigns.n && !sh_stopping(sh); i++) {
      char *eq = strchr(assigns.v[i], '=');
      *eq = '\0';
      if (sh_setvar(sh, assigns.v[i], eq + 1, false) < 0)
        set_exit(sh, 2);
      *eq = '=';
    }
    status = sh->has_subst_status ? sh->subst_status : 0;
    goto out;
  }
  status = run_command(sh, io, n->redirs, argv.v, argv.n, assigns.v, assigns.n);
out:
  sh->ctx_io = saved_ctx;
  sh_strv_free(&argv);
  sh_strv_free(&assigns);
  if (sh_stopping(sh) && sh->unwind == SH_U_EXIT)
    return sh->exit_status;
  return status;
}

/* ---- subshells and pipelines ---- */

/* Run n in a copy of sh (a subshell): its status. */
static int run_subshell(sh_state *sh, sh_node *n, sh_io *io) {
  if (sh->root->depth > SH_MAX_DEPTH) {
    sh_ash_err(sh, io, "subshells nested too deeply");
    return 2;
  }
  sh_state *sub = sh_state_clone(sh);
  if (sub == NULL)
    return sh_oom(sh), 2;
  /* a subshell resets traps, except ignored signals */
  for (int i = 0; i < SH_NSIG; i++)
    if (sub->traps[i] != NULL && sub->traps[i][0] != '\0') {
      ctrt__free(sub->traps[i]);
      sub->traps[i] = NULL;
    }
  sub->ctx_io = io;
  sh->root->depth++;
  eval_node(sub, n, io);
  sh_run_exit_trap(sub, io);
  sh->root->depth--;
  int status = final_status(sub);
  sh_state_free(sub);
  return status & 255;
}

/* A pipeline runs each stage on a thread of its own, as a coroutine: the
 * scheduler (the thread that met the pipeline) lets one stage run at a
 * time, the lowest-numbered one that can make progress, until it ends or
 * waits on a pipe (empty to read, SH_PIPE_CAP full to write). So a writer
 * streams into its reader through a bounded buffer (`seq 1 2000000 | wc -c`
 * counts every byte, `yes | head -c 1` ends), a stage that writes less than
 * the cap still ends before the next starts, and the process state is never
 * touched by two threads at once: each hand-over goes through the mutex. */
typedef struct sh_stage {
  struct sh_pipeline *line;
  size_t index;
  sh_state *parent;
  sh_node *node;
  sh_io io;
  pthread_t thread;
  bool started, done;
  int waits; /* 0, or waiting: 1 to read from pipes[index - 1], 2 to write to pipes[index] */
  int status;
} sh_stage;

typedef struct sh_pipeline {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  size_t running; /* the stage allowed to run; n: the scheduler */
  size_t n;
  sh_stage *stages;
  sh_pipe *pipes; /* n - 1 */
} sh_pipeline;

/* Hand control back to the scheduler and wait for this stage's turn. */
static void stage_yield(sh_pipeline *line, size_t index, int waits) {
  pthread_mutex_lock(&line->mu);
  line->stages[index].waits = waits;
  line->running = line->n;
  pthread_cond_broadcast(&line->cv);
  while (line->running != index)
    pthread_cond_wait(&line->cv, &line->mu);
  line->stages[index].waits = 0;
  pthread_mutex_unlock(&line->mu);
}

bool sh_pipe_wait(sh_state *sh, sh_pipe *p, bool reading) {
  if (sh_stopping(sh))
    return false;
  stage_yield(p->line, reading ? p->writer + 1 : p->writer, reading ? 1 : 2);
  return !sh_stopping(sh);
}

static void *stage_main(void *arg) {
  sh_stage *st = arg;
  sh_pipeline *line = st->line;
  pthread_mutex_lock(&line->mu);
  while (line->running != st->index)
    pthread_cond_wait(&line->cv, &line->mu);
  pthread_mutex_unlock(&line->mu);
  st->status = run_subshell(st->parent, st->node, &st->io);
  sh_io_clear(st->parent->root, &st->io);
  pthread_mutex_lock(&line->mu);
  st->done = true;
  if (st->index > 0)
    line->pipes[st->index - 1].reader_done = true;
  if (st->index + 1 < line->n)
    line->pipes[st->index].writer_done = true;
  line->running = line->n;
  pthread_cond_broadcast(&line->cv);
  pthread_mutex_unlock(&line->mu);
  return NULL;
}

/* Whether stage i can make progress (the mutex held). */
static bool stage_ready(const sh_pipeline *line, const sh_root *root, size_t i) {
  const sh_stage *st = &line->stages[i];
  if (st->done)
    return false;
  if (st->waits == 0 || root->killed || root->fatal)
    return true;
  const sh_pipe *p = &line->pipes[st->waits == 1 ? i - 1 : i];
  if (st->waits == 1)
    return p->pos < p->buf.len || p->writer_done;
  return p->buf.len - p->pos < SH_PIPE_CAP || p->reader_done;
}

static bool stage_start(sh_stage *st) {
  pthread_attr_t attr;
  st->started = false;
  if (pthread_attr_init(&attr) != 0)
    return false;
  st->started = pthread_attr_setstacksize(&attr, MOCK_SHELL_STACK) == 0 &&
                pthread_create(&st->thread, &attr, stage_main, st) == 0;
  pthread_attr_destroy(&attr);
  return st->started;
}

static void pipeline_run(sh_state *sh, sh_pipeline *line) {
  pthread_mutex_lock(&line->mu);
  for (;;) {
    size_t i = 0;
    while (i < line->n && !stage_ready(line, sh->root, i))
      i++;
    if (i == line->n)
      break; /* all done (a linear pipeline cannot deadlock) */
    sh_stage *st = &line->stages[i];
    if (!st->started) {
      pthread_mutex_unlock(&line->mu);
      bool ok = stage_start(st);
      pthread_mutex_lock(&line->mu);
      if (!ok) {
        sh_fail(sh, ctrt__error_internal("cannot start a thread for a pipeline stage"));
        st->done = true;
        st->status = 2;
        if (i > 0)
          line->pipes[i - 1].reader_done = true;
        if (i + 1 < line->n)
          line->pipes[i].writer_done = true;
        continue;
      }
    }
    line->running = i;
    pthread_cond_broadcast(&line->cv);
    while (line->running != line->n)
      pthread_cond_wait(&line->cv, &line->mu);
  }
  pthread_mutex_unlock(&line->mu);
  for (size_t i = 0; i < line->n; i++)
    if (line->stages[i].started)
      pthread_join(line->stages[i].thread, NULL);
}

static int eval_pipe(sh_state *sh, sh_node *n, sh_io *io) {
  size_t count = n->u.list.n;
  sh_pipeline line = {.n = count, .running = count};
  line.stages = ctrt__calloc(count, sizeof *line.stages);
  line.pipes = count > 1 ? ctrt__calloc(count - 1, sizeof *line.pipes) : NULL;
  if (line.stages == NULL || (count > 1 && line.pipes == NULL)) {
    ctrt__free(line.stages);
    ctrt__free(line.pipes);
    return sh_oom(sh), 2;
  }
  pthread_mutex_init(&line.mu, NULL);
  pthread_cond_init(&line.cv, NULL);
  bool ok = true;
  for (size_t i = 0; i < count; i++) {
    sh_stage *st = &line.stages[i];
    st->line = &line;
    st->index = i;
    st->parent = sh;
    st->node = n->u.list.items[i];
    sh_io_copy(&st->io, io);
    if (i > 0) {
      sh_stream *in = sh_stream_new(sh->root, SH_S_PIPE_IN);
      if (in == NULL)
        ok = false;
      else
        in->pipe = &line.pipes[i - 1];
      sh_io_set(sh->root, &st->io, 0, in);
    }
    if (i + 1 < count) {
      line.pipes[i].line = &line;
      line.pipes[i].writer = i;
      sh_stream *out = sh_stream_new(sh->root, SH_S_PIPE_OUT);
      if (out == NULL)
        ok = false;
      else
        out->pipe = &line.pipes[i];
      sh_io_set(sh->root, &st->io, 1, out);
    }
  }
  if (ok)
    pipeline_run(sh, &line);
  else
    sh_oom(sh);
  int status = ok ? line.stages[count - 1].status : 2;
  for (size_t i = 0; i < count; i++)
    sh_io_clear(sh->root, &line.stages[i].io);
  for (size_t i = 0; i + 1 < count; i++)
    sh_buf_free(&line.pipes[i].buf);
  pthread_cond_destroy(&line.cv);
  pthread_mutex_destroy(&line.mu);
  ctrt__free(line.pipes);
  ctrt__free(line.stages);
  return status;
}

/* ---- compound commands ---- */

/* After a loop body: true when the loop must end (break, or stopping). */
static bool loop_control(sh_state *sh, bool *skip_rest) {
  *skip_rest = false;
  if (sh->unwind == SH_U_BREAK) {
    if (--sh->unwind_n <= 0)
      sh->unwind = SH_U_NONE;
    return true;
  }
  if (sh->unwind == SH_U_CONTINUE) {
    if (--sh->unwind_n <= 0) {
      sh->unwind = SH_U_NONE;
      *skip_rest = true;
      return false;
    }
    return true;
  }
  return sh_stopping(sh);
}

static int eval_cond(sh_state *sh, sh_node *n, sh_io *io) {
  bool saved = sh->in_condition;
  sh->in_condition = true;
  int s = eval_node(sh, n, io);
  sh->in_condition = saved;
  return s;
}

static int eval_loop(sh_state *sh, sh_node *n, sh_io *io, bool until) {
  int status = 0;
  sh->loop_depth++;
  for (;;) {
    if (sh_poll(sh))
      break;
    int c = eval_cond(sh, n->u.bin.a, io);
    bool skip;
    if (sh->unwind == SH_U_BREAK || sh->unwind == SH_U_CONTINUE) {
      if (loop_control(sh, &skip))
        break;
      continue;
    }
    if (sh_stopping(sh))
      break;
    if ((c == 0) == until)
      break;
    status = eval_node(sh, n->u.bin.b, io);
    if (loop_control(sh, &skip))
      break;
  }
  sh->loop_depth--;
  return status;
}

static int eval_for(sh_state *sh, sh_node *n, sh_io *io) {
  sh_strv words = {0};
  if (n->u.loop_for.has_in) {
    if (sh_expand_words(sh, n->u.loop_for.words, n->u.loop_for.n_words, &words) < 0) {
      sh_strv_free(&words);
      return sh->unwind == SH_U_EXIT ? sh->exit_status : 1;
    }
  } else {
    for (size_t i = 0; i < sh->params.n; i++)
      if (sh_strv_add(&words, sh->params.v[i]) < 0) {
        sh_strv_free(&words);
        return sh_oom(sh), 1;
      }
  }
  int status = 0;
  sh->loop_depth++;
  for (size_t i = 0; i < words.n; i++) {
    if (sh_poll(sh))
      break;
    if (sh_setvar(sh, n->u.loop_for.var, words.v[i], false) < 0) {
      set_exit(sh, 2);
      break;
    }
    status = eval_node(sh, n->u.loop_for.body, io);
    bool skip;
    if (loop_control(sh, &skip))
      break;
  }
  sh->loop_depth--;
  sh_strv_free(&words);
  return status;
}

static int eval_case(sh_state *sh, sh_node *n, sh_io *io) {
  sh->lineno = n->lineno;
  char *word = sh_expand_one(sh, n->u.sw.word);
  if (word == NULL)
    return sh->unwind == SH_U_EXIT ? sh->exit_status : 1;
  int status = 0;
  for (size_t i = 0; i < n->u.sw.n_items; i++) {
    const sh_case_item *item = &n->u.sw.items[i];
    bool hit = false;
    for (size_t k = 0; k < item->n_patterns && !hit; k++) {
      char *pat = sh_expand_pattern(sh, item->patterns[k]);
      if (pat == NULL) {
        ctrt__free(word);
        return sh->unwind == SH_U_EXIT ? sh->exit_status : 1;
      }
      hit = sh_match(pat, word);
      ctrt__free(pat);
    }
    if (hit) {
      if (item->body != NULL)
        status = eval_node(sh, item->body, io);
      break;
    }
  }
  ctrt__free(word);
  return status;
}

static int eval_compound(sh_state *sh, sh_node *n, sh_io *io) {
  switch (n->kind) {
  case SH_N_IF: {
    int c = eval_cond(sh, n->u.bin.a, io);
    if (sh_stopping(sh))
      return c;
    if (c == 0)
      return eval_node(sh, n->u.bin.b, io);
    if (n->u.bin.c != NULL)
      return eval_node(sh, n->u.bin.c, io);
    return 0;
  }
  case SH_N_WHILE:
    return eval_loop(sh, n, io, false);
  case SH_N_UNTIL:
    return eval_loop(sh, n, io, true);
  case SH_N_FOR:
    return eval_for(sh, n, io);
  case SH_N_CASE:
    return eval_case(sh, n, io);
  case SH_N_GROUP:
    return eval_node(sh, n->u.bin.a, io);
  case SH_N_SUBSHELL:
    return run_subshell(sh, n->u.bin.a, io);
  default:
    return 0;
  }
}

static int eval_node(sh_state *sh, sh_node *n, sh_io *io) {
  if (n == NULL || sh_stopping(sh))
    return sh->status;
  int status = 0;
  switch (n->kind) {
  case SH_N_LIST:
    status = sh->status;
    for (size_t i = 0; i < n->u.list.n; i++) {
      status = eval_node(sh, n->u.list.items[i], io);
      if (n->u.list.background[i]) /* no job control: ran in the foreground */
        status = 0;
      sh->status = status;
      if (sh_stopping(sh) || sh_poll(sh))
        break;
    }
    return status;
  case SH_N_AND:
  case SH_N_OR: {
    status = eval_cond(sh, n->u.bin.a, io);
    sh->status = status;
    if (!sh_stopping(sh) && ((status == 0) == (n->kind == SH_N_AND)))
      status = eval_node(sh, n->u.bin.b, io);
    break;
  }
  case SH_N_NOT:
    status = eval_cond(sh, n->u.bin.a, io) == 0 ? 1 : 0;
    break;
  case SH_N_PIPE:
    status = eval_pipe(sh, n, io);
    break;
  case SH_N_CMD:
    status = eval_simple(sh, n, io);
    break;
  case SH_N_FUNC:
    status = define_func(sh, n->u.func.name, n->u.func.body) < 0 ? 2 : 0;
    break;
  default:
    if (n->redirs != NULL) {
      sh->lineno = n->lineno;
      sh_io cio = {0};
      sh_io_copy(&cio, io);
      if (apply_redirs(sh, n->redirs, &cio) != 0)
        status = 1;
      else
        status = eval_compound(sh, n, &cio);
      sh_io_clear(sh->root, &cio);
    } else {
      status = eval_compound(sh, n, io);
    }
    break;
  }
  if (sh->unwind == SH_U_EXIT)
    status = sh->exit_status;
  sh->status = status;
  /* set -e: a failing command outside a condition ends the shell */
  if (sh->errexit && status != 0 && !sh->in_condition && sh->unwind == SH_U_NONE &&
      (n->kind == SH_N_CMD || n->kind == SH_N_PIPE || n->kind == SH_N_SUBSHELL))
    set_exit(sh, status);
  return status;
}

int sh_eval(sh_state *sh, sh_node *node, sh_io *io) { return eval_node(sh, node, io); }

/* ---- scripts ---- */

int sh_eval_string(sh_state *sh, const char *src, size_t len, sh_io *io, int first_line, bool per_line) {
  (void)per_line;
  sh_parser *p = NULL;
  if (sh_parser_new(&p, src, len, first_line) < 0)
    return sh_oom(sh), 2;
  sh_arena *saved_arena = sh->cur_arena;
  int status = 0;
  sh->status = sh->status & 255;
  for (;;) {
    if (sh_stopping(sh))
      break;
    sh_node *node;
    sh_arena *arena;
    int rc = sh_parse_next(p, &node, &arena);
    if (rc < 0) {
      sh_fail(sh, rc);
      break;
    }
    if (rc == 1)
      break;
    if (rc == 2) {
      int saved_line = sh->lineno;
      sh->lineno = sh_parser_error_line(p);
      sh_ash_err(sh, io, "%s", sh_parser_error(p));
      sh->lineno = saved_line;
      set_exit(sh, 2);
      break;
    }
    if (node != NULL) {
      sh->cur_arena = arena;
      status = eval_node(sh, node, io);
      sh->cur_arena = saved_arena;
    }
    sh_arena_unref(arena);
    if (!sh_stopping(sh))
      sh_poll(sh);
  }
  sh->cur_arena = saved_arena;
  sh_parser_free(p);
  return sh->unwind == SH_U_EXIT ? sh->exit_status : status;
}

void sh_run_exit_trap(sh_state *sh, sh_io *io) {
  if (sh->traps[0] == NULL || sh->traps[0][0] == '\0' || sh->root->killed || sh->root->fatal)
    return;
  char *action = sh->traps[0];
  sh->traps[0] = NULL;
  int status = final_status(sh);
  bool exiting = sh->unwind == SH_U_EXIT;
  sh->unwind = SH_U_NONE;
  sh->status = status;
  sh_eval_string(sh, action, strlen(action), io != NULL ? io : sh->ctx_io, sh->lineno, true);
  ctrt__free(action);
  if (sh->unwind != SH_U_EXIT) {
    /* the handler did not exit: the shell's status stands */
    sh->unwind = exiting ? SH_U_EXIT : SH_U_NONE;
    sh->exit_status = status;
    sh->status = status;
  }
}

/* Commands read from stdin as they arrive: each complete command runs as
 * soon as its last line is in (an interactive session sees its output
 * before sending more). */
static void run_stdin_script(sh_state *sh, sh_io *io) {
  sh_buf pending = {0};
  bool eof = false;
  size_t tried = 0; /* length of a prefix found incomplete */
  while (!sh_stopping(sh)) {
    /* the text up to the last newline (all of it at the end of input) */
    size_t upto = pending.len;
    if (!eof)
      while (upto > 0 && pending.data[upto - 1] != '\n')
        upto--;
    if (upto > 0 && (upto > tried || eof)) {
      sh_parser *p = NULL;
      if (sh_parser_new(&p, pending.data, upto, 0) < 0) {
        sh_oom(sh);
        break;
      }
      size_t consumed = 0;
      bool incomplete = false;
      for (;;) {
        sh_node *node;
        sh_arena *arena;
        int rc = sh_parse_next(p, &node, &arena);
        if (rc < 0) {
          sh_fail(sh, rc);
          break;
        }
        if (rc == 1) {
          consumed = upto;
          break;
        }
        if (rc == 2) {
          if (!eof && sh_parser_error_at_end(p)) {
            incomplete = true; /* wait for more lines */
            break;
          }
          sh_ash_err(sh, io, "%s", sh_parser_error(p));
          set_exit(sh, 2);
          break;
        }
        consumed = sh_parser_offset(p);
        if (node != NULL) {
          sh_arena *saved = sh->cur_arena;
          sh->cur_arena = arena;
          eval_node(sh, node, io);
          sh->cur_arena = saved;
        }
        sh_arena_unref(arena);
        if (sh_stopping(sh) || sh_poll(sh))
          break;
      }
      sh_parser_free(p);
      memmove(pending.data, pending.data + consumed, pending.len - consumed);
      pending.len -= consumed;
      tried = incomplete ? upto - consumed : 0;
    }
    if (eof || sh_stopping(sh))
      break;
    char chunk[4096];
    size_t got;
    int err;
    int rc = sh_read(sh, io, 0, chunk, sizeof chunk, &got, &err);
    if (rc == -2)
      break;
    if (rc != 0) {
      eof = true;
      continue;
    }
    if (sh_buf_add(&pending, chunk, got) < 0) {
      sh_oom(sh);
      break;
    }
  }
  sh_buf_free(&pending);
}

/* sh [-ceisx] [-c SCRIPT [ARG0 [ARGS...]] | FILE [ARGS...] | -s [ARGS...]] */
SH_APPLET(sh) {
  if (sh_shell_init(sh) < 0)
    return 2;
  sh->applet_name = "sh";
  const char *script = NULL;
  bool opt_c = false, opt_s = false;
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0 || strcmp(a, "-") == 0) {
      i++;
      break;
    }
    if ((a[0] != '-' && a[0] != '+') || a[1] == '\0')
      break;
    for (const char *o = a + 1; *o; o++) {
      switch (*o) {
      case 'c':
        opt_c = true;
        break;
      case 'e':
        sh->errexit = a[0] == '-';
        break;
      case 's':
        opt_s = true;
        break;
      case 'x':
      case 'i':
      case 'l':
      case 'u':
      case 'f':
      case 'v':
      case 'n':
        break;
      default:
        sh_printf(sh, io, 2, "sh: illegal option %c%c\n", a[0], *o);
        return 2;
      }
    }
  }
  ctrt__free(sh->arg0);
  sh->arg0 = ctrt__strdup(argv[0]);
  if (sh->arg0 == NULL)
    return sh_oom(sh), 2;
  int first_line = 0;
  sh_buf file = {0};
  bool from_stdin = false;
  if (opt_c) {
    if (i >= argc) {
      sh_printf(sh, io, 2, "sh: -c requires an argument\n");
      return 2;
    }
    script = argv[i++];
    if (i < argc) {
      ctrt__free(sh->arg0);
      sh->arg0 = ctrt__strdup(argv[i++]);
      if (sh->arg0 == NULL)
        return sh_oom(sh), 2;
      sh->has_commandname = true;
    }
  } else if (!opt_s && i < argc) {
    /* sh FILE: read the script from the memfs */
    const char *name = argv[i++];
    int err = 0;
    sh_stream *s = NULL;
    if (sh_open_input(sh, io, name, &s, &err) == 0) {
      char chunk[4096];
      size_t got;
      int rrc;
      while ((rrc = sh_stream_read(sh, s, chunk, sizeof chunk, &got, &err)) == 0)
        if (sh_buf_add(&file, chunk, got) < 0) {
          sh_oom(sh);
          break;
        }
      sh_stream_unref(sh->root, s);
      if (rrc == -1 && err == EISDIR) /* ash reads nothing from a directory */
        err = 0;
    }
    if (err != 0) {
      sh_printf(sh, io, 2, "sh: can't open '%s': %s\n", name, strerror(err));
      sh_buf_free(&file);
      return 2;
    }
    ctrt__free(sh->arg0);
    sh->arg0 = ctrt__strdup(name);
    if (sh->arg0 == NULL) {
      sh_buf_free(&file);
      return sh_oom(sh), 2;
    }
    sh->has_commandname = true;
    first_line = 1;
    script = file.data ? file.data : "";
  } else {
    from_stdin = true;
  }
  for (; i < argc; i++)
    if (sh_strv_add(&sh->params, argv[i]) < 0) {
      sh_buf_free(&file);
      return sh_oom(sh), 2;
    }
  sh->is_shell = true;
  sh->ctx_io = io;
  if (from_stdin)
    run_stdin_script(sh, io);
  else
    sh_eval_string(sh, script, opt_c ? strlen(script) : file.len, io, first_line, true);
  sh_buf_free(&file);
  sh_run_exit_trap(sh, io);
  int status = final_status(sh);
  if (sh->unwind == SH_U_EXIT)
    sh->unwind = SH_U_NONE; /* handled: the process ends here */
  sh_free_locals(sh);
  return status & 255;
}
