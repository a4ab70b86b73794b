/* SPDX-License-Identifier: MIT */
/*
 * ash's builtins that act on the shell itself: cd, exit, export, readonly,
 * unset, trap, set, shift, read, eval, exec, break, continue, return, local,
 * wait, ., umask, type, command. Messages and statuses follow busybox 1.35:
 * errors ash raises (bad numbers, bad names, read-only variables) end a
 * non-interactive shell with status 2.
 */
#include "shell_internal.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>

/* An error ash raises: message, then the shell exits with 2. */
static int raise_error(sh_state *sh, sh_io *io, const char *fmt, ...) CTRT__PRINTF(3, 4);
static int raise_error(sh_state *sh, sh_io *io, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  sh_ash_err(sh, io, "%s", msg);
  if (sh->unwind == SH_U_NONE) {
    sh->unwind = SH_U_EXIT;
    sh->exit_status = 2;
  }
  return 2;
}

/* ash's number(): a non-negative decimal, else "Illegal number". */
static bool ash_number(sh_state *sh, sh_io *io, const char *s, long long *out) {
  long long v;
  if (!sh_parse_long(s, &v) || v < 0 || s[0] == '-' || s[0] == '+') {
    raise_error(sh, io, "Illegal number: %s", s);
    return false;
  }
  *out = v;
  return true;
}

SH_APPLET(colon) {
  (void)sh;
  (void)io;
  (void)argc;
  (void)argv;
  return 0;
}

SH_APPLET(cd) {
  int i = 1;
  while (i < argc && (strcmp(argv[i], "-L") == 0 || strcmp(argv[i], "-P") == 0))
    i++;
  if (i < argc && strcmp(argv[i], "--") == 0)
    i++;
  const char *target = i < argc ? argv[i] : sh_getvar(sh, "HOME");
  bool print = false;
  if (target != NULL && strcmp(target, "-") == 0) {
    target = sh_getvar(sh, "OLDPWD");
    print = true;
  }
  if (target == NULL || target[0] == '\0')
    target = i < argc ? "." : "/";
  char *abs = sh_abspath(sh, target);
  if (abs == NULL)
    return sh_oom(sh), 2;
  memfs_stat st;
  int err = sh_stat(sh, abs, true, &st);
  if (err == 0 && !S_ISDIR(st.mode))
    err = ENOTDIR;
  if (err == 0 && !sh_may(sh, &st, 1))
    err = EACCES;
  if (err != 0) {
    sh_ash_err(sh, io, "can't cd to %s: %s", target, strerror(err));
    ctrt__free(abs);
    return 2;
  }
  char *old = sh->cwd;
  sh->cwd = abs;
  int rc;
  if ((rc = sh_setvar(sh, "OLDPWD", old, true)) >= 0)
    rc = sh_setvar(sh, "PWD", abs, true);
  ctrt__free(old);
  if (print)
    sh_printf(sh, io, 1, "%s\n", abs);
  return rc < 0 ? 2 : 0;
}

SH_APPLET(exit) {
  long long v = sh->status;
  if (argc > 1 && !ash_number(sh, io, argv[1], &v))
    return 2;
  sh->unwind = SH_U_EXIT;
  sh->exit_status = (int)(v & 255);
  return sh->exit_status;
}

SH_APPLET(return ) {
  long long v = sh->status;
  if (argc > 1 && !ash_number(sh, io, argv[1], &v))
    return 2;
  /* outside a function, return ends the script (ash) */
  sh->unwind = sh->func_depth > 0 ? SH_U_RETURN : SH_U_EXIT;
  sh->exit_status = (int)(v & 255);
  return sh->exit_status;
}

static int loop_jump(sh_state *sh, sh_io *io, int argc, char **argv, sh_unwind kind) {
  long long n = 1;
  if (argc > 1 && !ash_number(sh, io, argv[1], &n))
    return 2;
  if (n == 0)
    return raise_error(sh, io, "Illegal number: %s", argv[1]);
  if (sh->loop_depth == 0)
    return 0;
  if (n > sh->loop_depth)
    n = sh->loop_depth;
  sh->unwind = kind;
  sh->unwind_n = (int)n;
  return 0;
}

SH_APPLET(break) { return loop_jump(sh, io, argc, argv, SH_U_BREAK); }

SH_APPLET(continue) { return loop_jump(sh, io, argc, argv, SH_U_CONTINUE); }

/* Single-quote a value as ash's `export -p`, `set` and `trap` do. */
static char *single_quote(const char *s) {
  sh_buf b = {0};
  if (sh_buf_addc(&b, '\'') < 0)
    return NULL;
  for (; *s; s++) {
    if (*s == '\'') {
      if (sh_buf_adds(&b, "'\"'\"'") < 0)
        goto fail;
    } else if (sh_buf_addc(&b, *s) < 0)
      goto fail;
  }
  if (sh_buf_addc(&b, '\'') < 0)
    goto fail;
  return sh_buf_take(&b);
fail:
  sh_buf_free(&b);
  return NULL;
}

static int cmp_var_name(const void *a, const void *b) {
  return strcmp((*(sh_var *const *)a)->name, (*(sh_var *const *)b)->name);
}

/* List variables sorted by name: prefix "export "/"readonly "/"" */
static int list_vars(sh_state *sh, sh_io *io, const char *prefix, bool want_export, bool want_readonly) {
  sh_var **list = ctrt__malloc((sh->n_vars + 1) * sizeof *list);
  if (list == NULL)
    return sh_oom(sh), 2;
  size_t n = 0;
  for (size_t i = 0; i < sh->n_vars; i++) {
    sh_var *v = &sh->vars[i];
    if ((want_export && !v->exported) || (want_readonly && !v->readonly))
      continue;
    if (!want_export && !want_readonly && v->value == NULL)
      continue;
    list[n++] = v;
  }
  qsort(list, n, sizeof *list, cmp_var_name);
  for (size_t i = 0; i < n && !sh_stopping(sh); i++) {
    if (list[i]->value == NULL) {
      sh_printf(sh, io, 1, "%s%s\n", prefix, list[i]->name);
      continue;
    }
    char *q = single_quote(list[i]->value);
    if (q == NULL) {
      sh_oom(sh);
      break;
    }
    sh_printf(sh, io, 1, "%s%s=%s\n", prefix, list[i]->name, q);
    ctrt__free(q);
  }
  ctrt__free(list);
  return 0;
}

static int export_or_readonly(sh_state *sh, sh_io *io, int argc, char **argv, bool ro) {
  int i = 1;
  bool unexport = false;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    for (const char *o = argv[i] + 1; *o; o++) {
      if (*o == 'p')
        continue;
      if (*o == 'n' && !ro) {
        unexport = true;
        continue;
      }
      return raise_error(sh, io, "illegal option -%c", *o);
    }
  }
  if (i >= argc)
    return list_vars(sh, io, ro ? "readonly " : "export ", !ro, ro);
  for (; i < argc; i++) {
    const char *a = argv[i];
    const char *eq = strchr(a, '=');
    size_t len = eq ? (size_t)(eq - a) : strlen(a);
    if (!sh_valid_name(a, len))
      return raise_error(sh, io, "%.*s: bad variable name", (int)len, a);
    char *name = ctrt__strndup(a, len);
    if (name == NULL)
      return sh_oom(sh), 2;
    sh_var *v = sh_findvar(sh, name, len);
    if (eq != NULL && v != NULL && v->readonly) {
      raise_error(sh, io, "%s: is read only", name);
      ctrt__free(name);
      return 2;
    }
    int rc = 0;
    if (unexport) {
      if (v != NULL)
        v->exported = false;
    } else if (eq != NULL || v == NULL) {
      /* export NAME declares it; the value stays unset */
      rc = sh_setvar(sh, name, eq ? eq + 1 : NULL, !ro);
    } else if (!ro) {
      v->exported = true;
    }
    if (rc >= 0 && ro && (v = sh_findvar(sh, name, len)) != NULL)
      v->readonly = true;
    ctrt__free(name);
    if (rc < 0)
      return sh_stopping(sh) ? 2 : raise_error(sh, io, "out of memory");
  }
  return 0;
}

SH_APPLET(export) { return export_or_readonly(sh, io, argc, argv, false); }

SH_APPLET(readonly) { return export_or_readonly(sh, io, argc, argv, true); }

SH_APPLET(unset) {
  bool funcs = false;
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    for (const char *o = argv[i] + 1; *o; o++) {
      if (*o == 'f')
        funcs = true;
      else if (*o != 'v')
        return raise_error(sh, io, "illegal option -%c", *o);
    }
  }
  for (; i < argc; i++) {
    if (funcs) {
      for (size_t k = 0; k < sh->n_funcs; k++)
        if (strcmp(sh->funcs[k].name, argv[i]) == 0) {
          ctrt__free(sh->funcs[k].name);
          sh_arena_unref(sh->funcs[k].arena);
          memmove(&sh->funcs[k], &sh->funcs[k + 1], (sh->n_funcs - k - 1) * sizeof *sh->funcs);
          sh->n_funcs--;
          break;
        }
      continue;
    }
    sh_var *v = sh_findvar(sh, argv[i], strlen(argv[i]));
    if (v != NULL && v->readonly)
      return raise_error(sh, io, "%s: is read only", argv[i]);
    sh_unsetvar(sh, argv[i]);
  }
  return 0;
}

SH_APPLET(trap) {
  int i = 1;
  if (i < argc && strcmp(argv[i], "--") == 0)
    i++;
  else if (i < argc && argv[i][0] == '-' && argv[i][1] != '\0')
    return raise_error(sh, io, "illegal option %s", argv[i]);
  if (i >= argc) {
    for (int sig = 0; sig < SH_NSIG && !sh_stopping(sh); sig++) {
      if (sh->traps[sig] == NULL)
        continue;
      char *q = single_quote(sh->traps[sig]);
      if (q == NULL)
        return sh_oom(sh), 2;
      const char *name = sig == 0 ? "EXIT" : sh_signal_name(sig);
      char num[16];
      if (name == NULL) {
        snprintf(num, sizeof num, "%d", sig);
        name = num;
      }
      sh_printf(sh, io, 1, "trap -- %s %s\n", q, name);
      ctrt__free(q);
    }
    return 0;
  }
  /* "trap SIG..." (first operand a signal) resets; "trap - SIG" too */
  const char *action = argv[i];
  bool reset = strcmp(action, "-") == 0;
  if (!reset && i + 1 >= argc)
    reset = true;
  else
    i++;
  int status = 0;
  for (; i < argc; i++) {
    int sig = strcmp(argv[i], "EXIT") == 0 ? 0 : sh_signal_number(argv[i]);
    if (sig < 0) {
      sh_ash_err(sh, io, "%s: invalid signal specification", argv[i]);
      status = 1;
      continue;
    }
    ctrt__free(sh->traps[sig]);
    sh->traps[sig] = NULL;
    if (!reset) {
      sh->traps[sig] = ctrt__strdup(action);
      if (sh->traps[sig] == NULL)
        return sh_oom(sh), 2;
    }
  }
  return status;
}

SH_APPLET(set) {
  if (argc == 1) {
    list_vars(sh, io, "", false, false);
    return 0;
  }
  int i = 1;
  for (; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      goto params;
    }
    if ((a[0] != '-' && a[0] != '+') || a[1] == '\0')
      break;
    bool on = a[0] == '-';
    for (const char *o = a + 1; *o; o++) {
      if (*o == 'o') {
        if (i + 1 >= argc) {
          static const char *const opts[] = {"errexit", "noglob", "ignoreeof", "monitor",   "noexec",    "nounset",
                                             "verbose", "vi",     "emacs",     "noclobber", "allexport", "notify",
                                             "nolog",   "debug",  "pipefail",  "xtrace"};
          for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++)
            sh_printf(sh, io, 1, "%-16s%s\n", opts[k],
                      (k == 0 && sh->errexit) || (k == 15 && sh->xtrace) ? "on" : "off");
          return 0;
        }
        const char *name = argv[++i];
        if (strcmp(name, "errexit") == 0)
          sh->errexit = on;
        else if (strcmp(name, "xtrace") == 0)
          sh->xtrace = on;
        else if (strcmp(name, "pipefail") != 0 && strcmp(name, "nounset") != 0 && strcmp(name, "noglob") != 0)
          return raise_error(sh, io, "illegal option -o %s", name);
        continue;
      }
      switch (*o) {
      case 'e':
        sh->errexit = on;
        break;
      case 'x':
        sh->xtrace = on;
        break;
      case 'u':
      case 'f':
      case 'v':
      case 'a':
      case 'm':
      case 'n':
      case 'C':
        break;
      default:
        return raise_error(sh, io, "illegal option %c%c", a[0], *o);
      }
    }
  }
  if (i >= argc)
    return 0;
params:;
  sh_strv params = {0};
  for (; i < argc; i++)
    if (sh_strv_add(&params, argv[i]) < 0) {
      sh_strv_free(&params);
      return sh_oom(sh), 2;
    }
  sh_strv_free(&sh->params);
  sh->params = params;
  return 0;
}

SH_APPLET(shift) {
  long long n = 1;
  if (argc > 1 && !ash_number(sh, io, argv[1], &n))
    return 2;
  if ((size_t)n > sh->params.n)
    return 1;
  for (long long k = 0; k < n; k++)
    ctrt__free(sh->params.v[k]);
  memmove(sh->params.v, sh->params.v + n, (sh->params.n - (size_t)n + 1) * sizeof(char *));
  sh->params.n -= (size_t)n;
  return 0;
}

/* read [-r] [-p PROMPT] [NAME...]: one line, byte by byte, so the rest of
 * the input stays for the next command. */
SH_APPLET(read) {
  bool raw = false;
  const char *prompt = NULL;
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    for (const char *o = argv[i] + 1; *o; o++) {
      if (*o == 'r')
        raw = true;
      else if (*o == 'p' && o[1] == '\0' && i + 1 < argc)
        prompt = argv[++i];
      else if (*o == 'p')
        prompt = o + 1, o += strlen(o) - 1;
      else {
        sh_printf(sh, io, 2, "sh: read: invalid option -- '%c'\n", *o);
        return 1;
      }
    }
  }
  for (int k = i; k < argc; k++)
    if (!sh_valid_name(argv[k], strlen(argv[k]))) {
      sh_printf(sh, io, 2, "sh: read: '%s': bad variable name\n", argv[k]);
      return 1;
    }
  if (prompt != NULL)
    sh_puts(sh, io, 2, prompt);
  sh_buf line = {0}; /* the text, with escaped characters marked by \x01 */
  sh_buf quoted = {0};
  int status = 0;
  bool escape = false;
  for (;;) {
    char c;
    size_t got;
    int err;
    int rc = sh_read(sh, io, 0, &c, 1, &got, &err);
    if (rc == -2) {
      sh_buf_free(&line);
      sh_buf_free(&quoted);
      return 1;
    }
    if (rc != 0) {
      status = 1;
      break;
    }
    if (escape) {
      escape = false;
      if (c == '\n')
        continue;
      if (sh_buf_addc(&line, c) < 0 || sh_buf_addc(&quoted, 1) < 0)
        goto oom;
      continue;
    }
    if (c == '\\' && !raw) {
      escape = true;
      continue;
    }
    if (c == '\n')
      break;
    if (sh_buf_addc(&line, c) < 0 || sh_buf_addc(&quoted, 0) < 0)
      goto oom;
  }
  {
    const char *ifs = sh_getvar(sh, "IFS");
    if (ifs == NULL)
      ifs = " \t\n";
    const char *def_name = "REPLY";
    int nnames = argc - i;
    char **names = nnames > 0 ? argv + i : (char **)&def_name;
    if (nnames == 0)
      nnames = 1;
    size_t pos = 0, len = line.len;
    const char *s = line.data ? line.data : "";
    const char *q = quoted.data ? quoted.data : "";
#define IS_IFS(k) (!q[k] && s[k] != '\0' && strchr(ifs, s[k]) != NULL)
#define IS_WS(k) (IS_IFS(k) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n'))
    if (nnames > 1 || argc - i > 0)
      while (pos < len && IS_WS(pos))
        pos++;
    for (int k = 0; k < nnames && !sh_stopping(sh); k++) {
      size_t start = pos, end;
      if (k == nnames - 1) {
        end = len;
        /* the last name takes the rest, minus trailing IFS whitespace */
        if (argc - i > 0)
          while (end > start && IS_WS(end - 1))
            end--;
        pos = len;
      } else {
        while (pos < len && !IS_IFS(pos))
          pos++;
        end = pos;
        while (pos < len && IS_WS(pos))
          pos++;
        if (pos < len && IS_IFS(pos)) {
          pos++;
          while (pos < len && IS_WS(pos))
            pos++;
        }
      }
      char *v = ctrt__strndup(s + start, end - start);
      if (v == NULL)
        goto oom;
      if (sh_setvar(sh, names[k], v, false) < 0)
        status = 2;
      ctrt__free(v);
    }
#undef IS_IFS
#undef IS_WS
  }
  sh_buf_free(&line);
  sh_buf_free(&quoted);
  return status;
oom:
  sh_buf_free(&line);
  sh_buf_free(&quoted);
  return sh_oom(sh), 2;
}

SH_APPLET(eval) {
  sh_buf b = {0};
  for (int i = 1; i < argc; i++)
    if ((i > 1 && sh_buf_addc(&b, ' ') < 0) || sh_buf_adds(&b, argv[i]) < 0) {
      sh_buf_free(&b);
      return sh_oom(sh), 2;
    }
  if (sh->root->depth > SH_MAX_DEPTH) {
    sh_buf_free(&b);
    return raise_error(sh, io, "eval nested too deeply");
  }
  const char *saved = sh->builtin_name;
  sh->builtin_name = NULL;
  sh->root->depth++;
  sh->status = 0;
  int status = b.len ? sh_eval_string(sh, b.data, b.len, io, sh->lineno, true) : 0;
  sh->root->depth--;
  sh->builtin_name = saved;
  sh_buf_free(&b);
  return status;
}

SH_APPLET(exec) {
  int i = 1;
  if (i < argc && strcmp(argv[i], "--") == 0)
    i++;
  if (i >= argc) {
    /* only redirections: they stay for the rest of the shell */
    sh_io *ctx = sh->ctx_io;
    if (ctx != NULL)
      for (int fd = 0; fd < SH_MAX_FD; fd++)
        if (ctx->fd[fd] != io->fd[fd])
          sh_io_set(sh->root, ctx, fd, sh_stream_ref(io->fd[fd]));
    return 0;
  }
  sh_resolved r;
  if (sh_resolve_cmd(sh, argv[i], sh_getvar(sh, "PATH"), &r) < 0)
    return 2;
  if (r.status != 0) {
    sh_ash_err(sh, io, "%s: %s", argv[i], r.err == EACCES ? "Permission denied" : "not found");
    int status = r.status;
    sh_resolved_clear(&r);
    sh->unwind = SH_U_EXIT;
    sh->exit_status = status;
    return status;
  }
  /* the process becomes the command: handlers are gone (ignored signals
   * stay ignored) and it inherits the exported variables */
  for (int sig = 0; sig < SH_NSIG; sig++)
    if (sh->traps[sig] != NULL && sh->traps[sig][0] != '\0') {
      ctrt__free(sh->traps[sig]);
      sh->traps[sig] = NULL;
    }
  sh_strv env = {0};
  int status = 2;
  if (sh_environ(sh, &env) == 0) {
    sh_state *child = sh_state_new(sh->root, sh, env.v, env.n, sh->cwd);
    if (child != NULL) {
      child->parent_is_top = sh == sh->root->top;
      child->ctx_io = io;
      const char *saved = sh->builtin_name;
      sh->builtin_name = NULL;
      status = sh_exec_resolved(child, io, &r, argv + i, (size_t)(argc - i));
      sh->builtin_name = saved;
      if (status < 0) {
        sh_ash_err(sh, io, "%s: not found", argv[i]);
        status = 127;
      }
      if (child->unwind == SH_U_EXIT && !child->is_shell)
        status = child->exit_status;
      sh_state_free(child);
    } else {
      sh_oom(sh);
    }
  } else {
    sh_oom(sh);
  }
  sh_strv_free(&env);
  sh_resolved_clear(&r);
  if (sh->unwind == SH_U_NONE) {
    sh->unwind = SH_U_EXIT;
    sh->exit_status = status & 255;
  }
  return status & 255;
}

SH_APPLET(local) {
  if (sh->func_depth == 0)
    return raise_error(sh, io, "not in a function");
  for (int i = 1; i < argc; i++) {
    const char *eq = strchr(argv[i], '=');
    size_t len = eq ? (size_t)(eq - argv[i]) : strlen(argv[i]);
    if (!sh_valid_name(argv[i], len))
      return raise_error(sh, io, "%.*s: bad variable name", (int)len, argv[i]);
    if (sh_local_var(sh, argv[i]) < 0)
      return 2;
  }
  return 0;
}

SH_APPLET(wait) {
  /* no background jobs: '&' ran them in the foreground */
  (void)io;
  (void)argc;
  (void)argv;
  return sh_poll(sh) ? 2 : 0;
}

SH_APPLET(dot) {
  if (argc < 2)
    return raise_error(sh, io, ".: missing argument");
  const char *name = argv[1];
  sh_stream *s = NULL;
  int err = 0;
  sh_buf text = {0};
  char *path = NULL;
  if (strchr(name, '/') == NULL) {
    /* ash looks the file up in PATH */
    sh_resolved r;
    memset(&r, 0, sizeof r);
    const char *p = sh_getvar(sh, "PATH");
    if (p == NULL)
      p = "/sbin:/usr/sbin:/bin:/usr/bin";
    for (;;) {
      const char *colon = strchr(p, ':');
      size_t n = colon ? (size_t)(colon - p) : strlen(p);
      char *cand = ctrt__sprintf("%.*s/%s", (int)n, n ? p : ".", name);
      char *abs = cand ? sh_abspath(sh, cand) : NULL;
      ctrt__free(cand);
      if (abs == NULL)
        return sh_oom(sh), 2;
      memfs_stat st;
      if (sh_stat(sh, abs, true, &st) == 0 && S_ISREG(st.mode)) {
        path = abs;
        break;
      }
      ctrt__free(abs);
      if (colon == NULL)
        break;
      p = colon + 1;
    }
    if (path == NULL)
      return raise_error(sh, io, "%s: not found", name);
    name = path;
  }
  if (sh_open_input(sh, io, name, &s, &err) == 0) {
    char chunk[4096];
    size_t got;
    int rc;
    while ((rc = sh_stream_read(sh, s, chunk, sizeof chunk, &got, &err)) == 0)
      if (sh_buf_add(&text, chunk, got) < 0) {
        sh_oom(sh);
        break;
      }
    sh_stream_unref(sh->root, s);
    if (rc == -1 && err == EISDIR)
      err = 0;
  }
  if (err != 0) {
    raise_error(sh, io, "can't open '%s': %s", name, strerror(err));
    sh_buf_free(&text);
    ctrt__free(path);
    return 2;
  }
  sh_strv saved = sh->params;
  bool has_args = argc > 2;
  if (has_args) {
    sh_strv params = {0};
    for (int i = 2; i < argc; i++)
      if (sh_strv_add(&params, argv[i]) < 0) {
        sh_strv_free(&params);
        sh_buf_free(&text);
        ctrt__free(path);
        return sh_oom(sh), 2;
      }
    sh->params = params;
  }
  const char *saved_name = sh->builtin_name;
  sh->builtin_name = NULL;
  sh->status = 0;
  sh->root->depth++;
  int status = text.len ? sh_eval_string(sh, text.data, text.len, io, 1, true) : 0;
  sh->root->depth--;
  sh->builtin_name = saved_name;
  if (has_args) {
    sh_strv_free(&sh->params);
    sh->params = saved;
  }
  sh_buf_free(&text);
  ctrt__free(path);
  return status;
}

SH_APPLET(umask) {
  int i = 1;
  bool symbolic = false;
  if (i < argc && strcmp(argv[i], "-S") == 0) {
    symbolic = true;
    i++;
  }
  if (i >= argc) {
    uint32_t m = sh->root->umask;
    if (!symbolic) {
      sh_printf(sh, io, 1, "%04o\n", m);
      return 0;
    }
    char out[64];
    size_t o = 0;
    const char who[] = "ugo";
    for (int k = 0; k < 3; k++) {
      uint32_t bits = (~m >> (6 - 3 * k)) & 7;
      o += (size_t)snprintf(out + o, sizeof out - o, "%s%c=%s%s%s", k ? "," : "", who[k], bits & 4 ? "r" : "",
                            bits & 2 ? "w" : "", bits & 1 ? "x" : "");
    }
    sh_printf(sh, io, 1, "%s\n", out);
    return 0;
  }
  const char *s = argv[i];
  uint32_t v = 0;
  if (*s == '\0')
    return raise_error(sh, io, "illegal mode: %s", s);
  for (const char *p = s; *p; p++) {
    if (*p < '0' || *p > '7' || v > 0777)
      return raise_error(sh, io, "illegal mode: %s", s);
    v = v * 8 + (uint32_t)(*p - '0');
  }
  if (v > 0777)
    return raise_error(sh, io, "illegal mode: %s", s);
  sh->root->umask = v;
  return 0;
}

/* "NAME is ..." for type and command -V; 0 when found. */
static int describe(sh_state *sh, sh_io *io, const char *name, bool path_only) {
  const sh_applet *a = sh_find_applet(name, SH_A_BUILTIN);
  bool is_func = false;
  for (size_t k = 0; k < sh->n_funcs; k++)
    if (strcmp(sh->funcs[k].name, name) == 0)
      is_func = true;
  if (a != NULL && (a->flags & SH_A_SPECIAL)) {
    sh_printf(sh, io, 1, path_only ? "%s\n" : "%s is a special shell builtin\n", name);
    return 0;
  }
  if (is_func) {
    sh_printf(sh, io, 1, path_only ? "%s\n" : "%s is a function\n", name);
    return 0;
  }
  if (a != NULL) {
    sh_printf(sh, io, 1, path_only ? "%s\n" : "%s is a shell builtin\n", name);
    return 0;
  }
  sh_resolved r;
  if (sh_resolve_cmd(sh, name, sh_getvar(sh, "PATH"), &r) < 0)
    return 2;
  int status = 0;
  if (r.status == 0) {
    const char *shown = strchr(name, '/') ? name : r.path;
    sh_printf(sh, io, 1, path_only ? "%s\n" : "%s is %s\n", path_only ? shown : name, shown);
  } else {
    if (!path_only)
      sh_printf(sh, io, 1, "%s: not found\n", name);
    status = 127;
  }
  sh_resolved_clear(&r);
  return status;
}

SH_APPLET(type) {
  int status = 0;
  for (int i = 1; i < argc; i++) {
    int s = describe(sh, io, argv[i], false);
    if (s != 0)
      status = s;
  }
  return status;
}

SH_APPLET(command) {
  int i = 1;
  bool v = false, V = false;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    }
    for (const char *o = argv[i] + 1; *o; o++) {
      if (*o == 'v')
        v = true;
      else if (*o == 'V')
        V = true;
      else if (*o != 'p')
        return raise_error(sh, io, "illegal option -%c", *o);
    }
  }
  if (i >= argc)
    return 0;
  if (v || V) {
    int status = 0;
    for (; i < argc; i++) {
      int s = describe(sh, io, argv[i], v && !V);
      if (s != 0)
        status = s;
    }
    return status;
  }
  /* command NAME ARGS: skip functions */
  const char *saved = sh->builtin_name;
  sh->builtin_name = NULL;
  int status = sh_run_command(sh, io, argv + i, (size_t)(argc - i), NULL, 0);
  sh->builtin_name = saved;
  return status;
}
