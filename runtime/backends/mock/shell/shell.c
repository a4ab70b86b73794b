/* SPDX-License-Identifier: MIT */
/*
 * The mock's processes: an interpreter for busybox's ash and the applets the
 * conformance cases use, checked against busybox 1.35 (Debian's
 * busybox-static): same output, same exit codes, same error messages.
 *
 * Vocabulary
 *   sh / ash: sh -c SCRIPT [ARG0 ARGS...], sh FILE [ARGS...], scripts with a
 *     "#!" line, executable files without one (run as sh scripts, as ash does).
 *     Grammar: lists with ';' '&&' '||' '!' and newlines, '#' comments,
 *     pipelines a | b, '&' (runs in the foreground: there are no jobs),
 *     { ...; } and ( ... ), if/elif/else, while, until, for (with and without
 *     "in"), case (patterns with | and globs), functions NAME() { ...; }.
 *     Words: '...', "...", backslashes, $VAR ${VAR} $? $$ $# $0 $1.. $@ $* $!
 *     $-, ${VAR:-w} ${VAR-w} ${VAR:=w} ${VAR:+w} ${VAR:?w} ${#VAR} ${VAR#p}
 *     ${VAR##p} ${VAR%p} ${VAR%%p} ${VAR:off:len} ${VAR/p/r}, $(...) and
 *     `...`, $((...)) (C integer operators, assignments), ~, field splitting
 *     on IFS, globbing against the memfs (* ? [...]).
 *     Redirections: < > >| >> <> <& >& (N>&M, N>&-) << <<- (here-documents)
 *     with files in the memfs and /dev/null, /dev/zero, /dev/urandom,
 *     /dev/stdin, /dev/stdout, /dev/stderr.
 *     Builtins and applets: those of applets.def (the one list, which the
 *     test image and the busybox recorder read too). Applets run through
 *     PATH or /bin/busybox NAME, and by name from sh, env and exec whatever
 *     PATH says, as Debian's busybox does. Options, formats and messages are
 *     busybox 1.35's (one applet family per shell_<family>.c; usage texts in
 *     shell_usage.c).
 *
 * Design
 *   A process is one thread running mock_shell_run(). Commands run one after
 *   another on it. A pipeline's stages run on threads of their own as
 *   coroutines (shell_eval.c): one at a time, a writer until its pipe holds
 *   SH_PIPE_CAP bytes, then its reader, so output streams whatever its size,
 *   and a writer whose reader has ended gets SIGPIPE (`yes | head -c 100`
 *   ends). $(...) collects output up to the container's file size limit.
 *   Subshells (pipeline stages, ( ), $(...)) run on a copy of the shell's
 *   state, so their assignments, cd and exit stay inside.
 *
 *   Signals belong to the process (the container's pid, or the exec's).
 *   They are taken with next_signal between commands, in every loop, while
 *   long applets run, and when a blocking call (sleep_ms, read_stdin) returns
 *   early. SIGKILL, or a signal without a trap in a process other than pid 1,
 *   ends the process at once with 128+N; pid 1 ignores signals it has no trap
 *   for, as the kernel does for a container's init; "trap '' SIG" ignores. A
 *   trapped signal runs its handler as soon as the shell that set it is in
 *   control: between its commands, or while one of its applets sleeps or
 *   waits for input (the applet then carries on, unless the handler exited);
 *   while a subshell or a nested sh runs, the handler waits for it to finish.
 *   (Real ash also waits for a foreground `sleep` child before running a
 *   handler; the mock runs it at once, as the conformance design asks.)
 *
 *   Files written through redirections are buffered and written back to the
 *   memfs when closed, when they grow (in doubling steps, so appending stays
 *   linear), before the process touches the memfs itself and before it
 *   blocks, so another process sees what a sleeping one wrote. The memfs lock is taken around
 *   each memfs call and never held while calling back into the mock.
 */
#include "shell_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <signal.h>
#include <time.h>

/* ---- the vocabulary ---- */

/* The vocabulary is applets.def, the list the test image and the busybox
 * recorder read too. */

/* Applets an image links to /bin/busybox (sorted bytewise). */
#define SH_LINKS_IMAGE(name) name,
#define SH_LINKS_MOCK(name) name,
#define SH_LINKS_NONE(name)
#define SH_CMD(name, fn, kinds, links) SH_LINKS_##links(name)
#define SH_REAL_ONLY(name)
const char *const mock_shell_applets[] = {
#include "applets.def"
    NULL,
};
#undef SH_CMD
#undef SH_LINKS_IMAGE
#undef SH_LINKS_MOCK
#undef SH_LINKS_NONE

#define A SH_A_APPLET
#define B SH_A_BUILTIN
#define S (SH_A_BUILTIN | SH_A_SPECIAL)
#define SH_CMD(name, fn, kinds, links) {name, sh_applet_##fn, kinds},
static const sh_applet applets[] = {
#include "applets.def"
};
#undef SH_CMD
#undef SH_REAL_ONLY
#undef A
#undef B
#undef S

const sh_applet *sh_find_applet(const char *name, unsigned flags) {
  size_t lo = 0, hi = sizeof applets / sizeof applets[0];
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(name, applets[mid].name);
    if (c == 0)
      return (applets[mid].flags & flags) != 0 ? &applets[mid] : NULL;
    if (c < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return NULL;
}

int sh_call_applet(const sh_applet *a, sh_state *sh, sh_io *io, int argc, char **argv) {
  char **copy = ctrt__calloc((size_t)argc + 1, sizeof *copy);
  if (copy == NULL)
    return sh_oom(sh), 2;
  memcpy(copy, argv, (size_t)argc * sizeof *copy);
  int status = a->fn(sh, io, argc, copy);
  ctrt__free(copy);
  return status;
}

/* ---- failures of the interpreter itself ---- */

bool sh_fail(sh_state *sh, int rc) {
  if (sh->root->fatal == 0)
    sh->root->fatal = rc < 0 ? rc : ctrt__error_internal("shell: unexpected failure");
  return true;
}

bool sh_oom(sh_state *sh) { return sh_fail(sh, ctrt__error_no_memory()); }

/* ---- variables ---- */

/* ash's hash chains: exported variables are listed bucket by bucket, each
 * chain in insertion order (that is the order `env` prints). */
static unsigned var_bucket(const char *name) {
  unsigned h = (unsigned)(unsigned char)*name << 4;
  for (const char *p = name; *p && *p != '='; p++)
    h += (unsigned char)*p;
  return h % 39;
}

/* The variables ash defines before reading its environment, in order. */
static const struct {
  const char *name, *value;
} ash_fixed_vars[] = {
    {"IFS", " \t\n"},    {"MAIL", NULL},   {"MAILPATH", NULL}, {"PATH", "/sbin:/usr/sbin:/bin:/usr/bin"},
    {"PS1", "\\w \\$ "}, {"PS2", "> "},    {"PS4", "+ "},      {"OPTIND", "1"},
    {"LINENO", ""},      {"FUNCNAME", ""}, {"LC_ALL", NULL},   {"LC_CTYPE", NULL},
    {"HISTFILE", NULL},
};
#define N_FIXED_VARS (sizeof ash_fixed_vars / sizeof ash_fixed_vars[0])

sh_var *sh_findvar(const sh_state *sh, const char *name, size_t len) {
  for (size_t i = 0; i < sh->n_vars; i++)
    if (strncmp(sh->vars[i].name, name, len) == 0 && sh->vars[i].name[len] == '\0')
      return &sh->vars[i];
  return NULL;
}

const char *sh_getvar(const sh_state *sh, const char *name) {
  sh_var *v = sh_findvar(sh, name, strlen(name));
  return v != NULL ? v->value : NULL;
}

static sh_var *var_add(sh_state *sh, const char *name, size_t len) {
  if (sh->n_vars == sh->cap_vars) {
    size_t cap = sh->cap_vars ? sh->cap_vars * 2 : 32;
    sh_var *v = ctrt__realloc(sh->vars, cap * sizeof *v);
    if (v == NULL)
      return NULL;
    sh->vars = v;
    sh->cap_vars = cap;
  }
  sh_var *v = &sh->vars[sh->n_vars];
  memset(v, 0, sizeof *v);
  v->name = ctrt__strndup(name, len);
  if (v->name == NULL)
    return NULL;
  v->seq = sh->var_seq++;
  sh->n_vars++;
  return v;
}

/* Set without checks (value may be NULL: declared, unset). */
static int var_put(sh_state *sh, const char *name, size_t len, const char *value, bool export_it) {
  sh_var *v = sh_findvar(sh, name, len);
  if (v == NULL && (v = var_add(sh, name, len)) == NULL)
    return sh_oom(sh), -1;
  if (value != NULL) {
    char *copy = ctrt__strdup(value);
    if (copy == NULL)
      return sh_oom(sh), -1;
    ctrt__free(v->value);
    v->value = copy;
  }
  if (export_it)
    v->exported = true;
  return 0;
}

int sh_setvar(sh_state *sh, const char *name, const char *value, bool export_it) {
  sh_var *v = sh_findvar(sh, name, strlen(name));
  if (v != NULL && v->readonly) {
    sh_ash_err(sh, sh->ctx_io, "%s: is read only", name);
    return -1;
  }
  return var_put(sh, name, strlen(name), value, export_it);
}

int sh_unsetvar(sh_state *sh, const char *name) {
  sh_var *v = sh_findvar(sh, name, strlen(name));
  if (v == NULL)
    return 0;
  if (v->readonly) {
    sh_ash_err(sh, sh->ctx_io, "%s: is read only", name);
    return -1;
  }
  ctrt__free(v->value);
  v->value = NULL;
  v->exported = false;
  if (v->seq >= N_FIXED_VARS) { /* ash frees it; the fixed ones keep their slot */
    ctrt__free(v->name);
    size_t i = (size_t)(v - sh->vars);
    memmove(&sh->vars[i], &sh->vars[i + 1], (sh->n_vars - i - 1) * sizeof *v);
    sh->n_vars--;
  }
  return 0;
}

static int cmp_env_order(const void *a, const void *b) {
  const sh_var *x = *(sh_var *const *)a, *y = *(sh_var *const *)b;
  unsigned bx = var_bucket(x->name), by = var_bucket(y->name);
  if (bx != by)
    return bx < by ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int sh_environ(const sh_state *sh, sh_strv *out) {
  if (!sh->is_shell) {
    for (size_t i = 0; i < sh->n_cmd_env; i++)
      if (sh_strv_add(out, sh->cmd_env[i]) < 0)
        return -1;
    return 0;
  }
  sh_var **list = ctrt__malloc((sh->n_vars + 1) * sizeof *list);
  CTRT__CHECK_ALLOC(list);
  size_t n = 0;
  for (size_t i = 0; i < sh->n_vars; i++)
    if (sh->vars[i].exported && sh->vars[i].value != NULL)
      list[n++] = &sh->vars[i];
  qsort(list, n, sizeof *list, cmp_env_order);
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++)
    rc = sh_strv_adopt(out, ctrt__sprintf("%s=%s", list[i]->name, list[i]->value));
  ctrt__free(list);
  return rc;
}

/* ---- states ---- */

sh_state *sh_state_new(sh_root *root, sh_state *parent, char *const *env, size_t n_env, const char *cwd) {
  sh_state *sh = ctrt__calloc(1, sizeof *sh);
  if (sh == NULL)
    return NULL;
  sh->root = root;
  sh->applet_name = "sh";
  sh->cwd = ctrt__strdup(cwd != NULL && cwd[0] == '/' ? cwd : "/");
  sh->cmd_env = ctrt__calloc(n_env + 1, sizeof *sh->cmd_env);
  if (sh->cwd == NULL || sh->cmd_env == NULL)
    goto fail;
  for (size_t i = 0; i < n_env; i++) {
    const char *eq = strchr(env[i], '=');
    if (eq == NULL)
      continue;
    if ((sh->cmd_env[sh->n_cmd_env] = ctrt__strdup(env[i])) == NULL)
      goto fail;
    sh->n_cmd_env++;
    if (var_put(sh, env[i], (size_t)(eq - env[i]), eq + 1, true) < 0)
      goto fail;
  }
  if (parent != NULL)
    sh->ctx_io = parent->ctx_io;
  return sh;
fail:
  sh_state_free(sh);
  return NULL;
}

/* ash's start-up: its fixed variables, the environment, PPID, SHLVL, PWD. */
int sh_shell_init(sh_state *sh) {
  for (size_t i = 0; i < sh->n_vars; i++) {
    ctrt__free(sh->vars[i].name);
    ctrt__free(sh->vars[i].value);
  }
  sh->n_vars = 0;
  sh->var_seq = 0;
  sh->is_shell = true;
  for (size_t i = 0; i < N_FIXED_VARS; i++)
    if (var_put(sh, ash_fixed_vars[i].name, strlen(ash_fixed_vars[i].name), ash_fixed_vars[i].value, false) < 0)
      return -1;
  for (size_t i = 0; i < sh->n_cmd_env; i++) {
    const char *e = sh->cmd_env[i];
    const char *eq = strchr(e, '=');
    if (var_put(sh, e, (size_t)(eq - e), eq + 1, true) < 0)
      return -1;
  }
  if (var_put(sh, "IFS", 3, " \t\n", false) < 0 || var_put(sh, "OPTIND", 6, "1", false) < 0 ||
      var_put(sh, "PPID", 4, "0", false) < 0)
    return -1;
  const char *lvl = sh_getvar(sh, "SHLVL");
  char num[24];
  long level = lvl ? strtol(lvl, NULL, 10) : 0; /* ash: a bad SHLVL counts as 0 */
  snprintf(num, sizeof num, "%ld", level < LONG_MAX ? level + 1 : level);
  if (var_put(sh, "SHLVL", 5, num, true) < 0)
    return -1;
  if (sh_getvar(sh, "HOSTNAME") == NULL && sh->root->proc->hostname != NULL &&
      var_put(sh, "HOSTNAME", 8, sh->root->proc->hostname, false) < 0)
    return -1;
  return var_put(sh, "PWD", 3, sh->cwd, true);
}

static char *dup_or_null(const char *s, bool *ok) {
  if (s == NULL)
    return NULL;
  char *d = ctrt__strdup(s);
  if (d == NULL)
    *ok = false;
  return d;
}

sh_state *sh_state_clone(sh_state *src) {
  sh_state *sh = ctrt__calloc(1, sizeof *sh);
  if (sh == NULL)
    return NULL;
  bool ok = true;
  *sh = *src;
  sh->vars = NULL;
  sh->n_vars = sh->cap_vars = 0;
  sh->params = (sh_strv){0};
  sh->funcs = NULL;
  sh->n_funcs = 0;
  sh->cmd_env = NULL;
  sh->n_cmd_env = 0;
  sh->locals = NULL;
  sh->n_locals = sh->cap_locals = sh->locals_base = 0;
  sh->subshell = true;
  sh->unwind = SH_U_NONE;
  sh->loop_depth = 0;
  sh->cwd = dup_or_null(src->cwd, &ok);
  sh->arg0 = dup_or_null(src->arg0, &ok);
  for (int i = 0; i < SH_NSIG; i++)
    sh->traps[i] = dup_or_null(src->traps[i], &ok);
  if (src->vars != NULL && ok) {
    sh->vars = ctrt__calloc(src->n_vars ? src->n_vars : 1, sizeof *sh->vars);
    if (sh->vars == NULL)
      ok = false;
    for (size_t i = 0; ok && i < src->n_vars; i++) {
      sh->vars[i] = src->vars[i];
      sh->vars[i].name = dup_or_null(src->vars[i].name, &ok);
      sh->vars[i].value = dup_or_null(src->vars[i].value, &ok);
      sh->n_vars = i + 1;
    }
    sh->cap_vars = src->n_vars ? src->n_vars : 1;
  }
  for (size_t i = 0; ok && i < src->params.n; i++)
    ok = sh_strv_add(&sh->params, src->params.v[i]) == 0;
  if (ok && src->n_funcs > 0) {
    sh->funcs = ctrt__calloc(src->n_funcs, sizeof *sh->funcs);
    if (sh->funcs == NULL)
      ok = false;
    for (size_t i = 0; ok && i < src->n_funcs; i++) {
      sh->funcs[i].name = dup_or_null(src->funcs[i].name, &ok);
      sh->funcs[i].body = src->funcs[i].body;
      sh->funcs[i].arena = sh_arena_ref(src->funcs[i].arena);
      sh->n_funcs = i + 1;
    }
  }
  if (ok && src->cmd_env != NULL) {
    sh->cmd_env = ctrt__calloc(src->n_cmd_env + 1, sizeof *sh->cmd_env);
    if (sh->cmd_env == NULL)
      ok = false;
    for (size_t i = 0; ok && i < src->n_cmd_env; i++) {
      sh->cmd_env[i] = dup_or_null(src->cmd_env[i], &ok);
      sh->n_cmd_env = i + 1;
    }
  }
  if (!ok) {
    sh_state_free(sh);
    return NULL;
  }
  return sh;
}

void sh_state_free(sh_state *sh) {
  if (sh == NULL)
    return;
  for (size_t i = 0; i < sh->n_vars; i++) {
    ctrt__free(sh->vars[i].name);
    ctrt__free(sh->vars[i].value);
  }
  ctrt__free(sh->vars);
  sh_strv_free(&sh->params);
  ctrt__free(sh->cwd);
  ctrt__free(sh->arg0);
  for (int i = 0; i < SH_NSIG; i++)
    ctrt__free(sh->traps[i]);
  for (size_t i = 0; i < sh->n_funcs; i++) {
    ctrt__free(sh->funcs[i].name);
    sh_arena_unref(sh->funcs[i].arena);
  }
  ctrt__free(sh->funcs);
  for (size_t i = 0; i < sh->n_cmd_env; i++)
    ctrt__free(sh->cmd_env[i]);
  ctrt__free(sh->cmd_env);
  sh_free_locals(sh);
  ctrt__free(sh);
}

/* ---- signals ---- */

static const char *const signal_names[] = {
    NULL,   "HUP",  "INT",  "QUIT", "ILL",    "TRAP",   "ABRT",  "BUS",  "FPE",  "KILL", "USR1",
    "SEGV", "USR2", "PIPE", "ALRM", "TERM",   "STKFLT", "CHLD",  "CONT", "STOP", "TSTP", "TTIN",
    "TTOU", "URG",  "XCPU", "XFSZ", "VTALRM", "PROF",   "WINCH", "POLL", "PWR",  "SYS",
};
#define N_SIGNAL_NAMES ((int)(sizeof signal_names / sizeof signal_names[0]))

const char *sh_signal_name(int sig) {
  if (sig > 0 && sig < N_SIGNAL_NAMES)
    return signal_names[sig];
  return NULL;
}

int sh_signal_number(const char *name) {
  if (name[0] >= '0' && name[0] <= '9') {
    long long v;
    if (!sh_parse_long(name, &v) || v < 0 || v >= SH_NSIG)
      return -1;
    return (int)v;
  }
  if (strncasecmp(name, "SIG", 3) == 0)
    name += 3;
  for (int i = 1; i < N_SIGNAL_NAMES; i++)
    if (strcasecmp(name, signal_names[i]) == 0)
      return i;
  if (strcasecmp(name, "IO") == 0)
    return SIGIO;
  if (strcasecmp(name, "IOT") == 0)
    return SIGABRT;
  if (strcasecmp(name, "CLD") == 0)
    return SIGCHLD;
  return -1;
}

static bool default_ignored(int sig) {
  return sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH || sig == SIGSTOP || sig == SIGTSTP ||
         sig == SIGTTIN || sig == SIGTTOU;
}

void sh_deliver(sh_state *sh, int sig) {
  sh_root *root = sh->root;
  if (sig <= 0 || sig >= SH_NSIG || root->killed != 0)
    return;
  if (sig == SIGKILL) {
    root->killed = SIGKILL;
    return;
  }
  const char *trap = root->top->is_shell ? root->top->traps[sig] : NULL;
  if (trap != NULL) {
    if (*trap != '\0')
      root->pending |= UINT64_C(1) << (sig - 1);
    return;
  }
  if (root->proc->pid == 1 || default_ignored(sig))
    return;
  root->killed = sig;
}

void sh_sigpipe(sh_state *sh) {
  sh_root *root = sh->root;
  const char *trap = root->top->is_shell ? root->top->traps[SIGPIPE] : NULL;
  if (trap != NULL && *trap == '\0')
    return; /* ignored: the write just fails */
  if (sh == root->top && root->proc->pid == 1)
    return; /* init: the kernel does not deliver it */
  if (sh == root->top && trap == NULL) {
    root->killed = SIGPIPE;
    return;
  }
  /* A command inside the shell (a pipeline stage, an applet) dies. */
  if (sh->unwind == SH_U_NONE) {
    sh->unwind = SH_U_EXIT;
    sh->exit_status = 128 + SIGPIPE;
  }
}

/* Whether a trap handler may run now: when the shell that set it is in
 * control, between its commands or while one of its own applets sleeps or
 * waits for input; not while a subshell, a nested sh or another handler
 * runs (the handler waits for them). busybox ash also waits for a
 * foreground `sleep` (`trap 'exit 143' TERM; sleep 3` exits after the
 * sleep); the mock does not, as the header of this file says. */
static bool traps_may_run(const sh_state *sh) {
  const sh_state *top = sh->root->top;
  if (sh->root->in_trap)
    return false;
  return sh == top;
}

static void take_signals(sh_state *sh, bool *took) {
  sh_root *root = sh->root;
  const mock_proc *proc = root->proc;
  *took = false;
  while (root->killed == 0 && root->fatal == 0) {
    int sig = proc->next_signal != NULL ? proc->next_signal(proc->ctx) : 0;
    if (sig <= 0)
      break;
    *took = true;
    sh_deliver(sh, sig);
  }
}

bool sh_take_signals(sh_state *sh) {
  bool took;
  take_signals(sh, &took);
  return sh_stopping(sh);
}

static bool poll_took(sh_state *sh, bool *took) {
  sh_root *root = sh->root;
  take_signals(sh, took);
  if (root->pending != 0 && traps_may_run(sh)) {
    sh_run_pending_traps(sh);
    /* the handler exited the shell: its running applet ends with it */
    if (sh != root->top && root->top->unwind == SH_U_EXIT && sh->unwind == SH_U_NONE) {
      sh->unwind = SH_U_EXIT;
      sh->exit_status = root->top->exit_status;
    }
  }
  return sh_stopping(sh);
}

bool sh_poll(sh_state *sh) {
  bool took;
  return poll_took(sh, &took);
}

bool sh_poll_took(sh_state *sh, bool *took) { return poll_took(sh, took); }

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool sh_sleep(sh_state *sh, uint64_t ms) {
  const mock_proc *proc = sh->root->proc;
  uint64_t deadline = now_ms() + ms;
  for (;;) {
    if (sh_poll(sh))
      return true;
    uint64_t now = now_ms();
    if (now >= deadline)
      return false;
    sh_flush_files(sh->root);
    int sig = proc->sleep_ms(proc->ctx, deadline - now);
    if (sig == 0)
      return sh_poll(sh);
    bool took;
    if (poll_took(sh, &took))
      return true;
    if (!took) /* the signal was not queued for next_signal: act on it here */
      sh_deliver(sh, sig);
    /* a handled or ignored signal: sleep for the rest of the time */
  }
}

void sh_run_pending_traps(sh_state *sh) {
  sh_root *root = sh->root;
  sh_state *top = root->top;
  while (root->pending != 0 && !sh_stopping(top) && !root->in_trap) {
    int sig = 1;
    while (!(root->pending & (UINT64_C(1) << (sig - 1))))
      sig++;
    root->pending &= ~(UINT64_C(1) << (sig - 1));
    if (top->traps[sig] == NULL || top->traps[sig][0] == '\0')
      continue;
    char *action = ctrt__strdup(top->traps[sig]);
    if (action == NULL) {
      sh_oom(sh);
      return;
    }
    root->in_trap = true;
    int saved = top->status;
    sh_eval_string(top, action, strlen(action), top->ctx_io, top->lineno, false);
    root->in_trap = false;
    if (top->unwind == SH_U_NONE)
      top->status = saved;
    ctrt__free(action);
  }
}

/* ---- resolution ---- */

static const char *default_path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

/* Whether the file at real (symlinks resolved) is busybox: /bin/busybox
 * itself, a hard link of it, or a copy. Locked. */
static bool is_busybox_locked(memfs *fs, const char *real) {
  if (strcmp(real, SH_BUSYBOX) == 0)
    return true;
  memfs_stat a, b;
  if (memfs_stat_path(fs, real, true, &a) < 0 || memfs_stat_path(fs, SH_BUSYBOX, true, &b) < 0) {
    ctrt_error_clear();
    return false;
  }
  if (a.ino == b.ino)
    return true;
  if (a.size != b.size || !S_ISREG(a.mode) || !S_ISREG(b.mode))
    return false;
  memfs_blob *x = NULL, *y = NULL;
  bool same = false;
  if (memfs_read(fs, real, &x) == 0 && memfs_read(fs, SH_BUSYBOX, &y) == 0)
    same = memfs_blob_data(x) == memfs_blob_data(y) ||
           (memfs_blob_len(x) == memfs_blob_len(y) &&
            memcmp(memfs_blob_data(x), memfs_blob_data(y), memfs_blob_len(x)) == 0);
  memfs_blob_unref(x);
  memfs_blob_unref(y);
  ctrt_error_clear();
  return same;
}

/* Classify the file at abs (locked). */
static void classify_locked(memfs *fs, const char *abs, sh_resolved *r) {
  char *real = NULL;
  if (memfs_realpath(fs, abs, &real) < 0) {
    ctrt_error_clear();
    real = NULL;
  }
  if (real != NULL && is_busybox_locked(fs, real)) {
    r->is_busybox = true;
    ctrt__free(real);
    return;
  }
  ctrt__free(real);
  memfs_blob *blob = NULL;
  if (memfs_read(fs, abs, &blob) < 0) {
    ctrt_error_clear();
    r->bad_format = true;
    return;
  }
  const char *d = (const char *)memfs_blob_data(blob);
  size_t n = memfs_blob_len(blob);
  if (n >= 2 && d[0] == '#' && d[1] == '!') {
    /* "#!INTERP [ARG]" (one optional argument, as Linux parses it) */
    size_t i = 2, end = 2;
    while (end < n && d[end] != '\n' && end < 256)
      end++;
    while (i < end && (d[i] == ' ' || d[i] == '\t'))
      i++;
    size_t s = i;
    while (i < end && d[i] != ' ' && d[i] != '\t')
      i++;
    r->interp = ctrt__strndup(d + s, i - s);
    while (i < end && (d[i] == ' ' || d[i] == '\t'))
      i++;
    size_t e = end;
    while (e > i && (d[e - 1] == ' ' || d[e - 1] == '\t' || d[e - 1] == '\r'))
      e--;
    if (e > i)
      r->interp_arg = ctrt__strndup(d + i, e - i);
    if (r->interp == NULL || (e > i && r->interp_arg == NULL))
      r->oom = true;
  } else {
    r->bad_format = true;
  }
  memfs_blob_unref(blob);
}

static int try_candidate_locked(sh_state *sh, memfs *fs, const char *abs, sh_resolved *r) {
  memfs_stat st;
  int err = sh_stat_locked(sh, abs, true, &st);
  if (err != 0)
    return err;
  if (!S_ISREG(st.mode) || !sh_may(sh, &st, 1))
    return EACCES;
  r->path = ctrt__strdup(abs);
  if (r->path == NULL) {
    r->oom = true;
    return ENOMEM;
  }
  classify_locked(fs, abs, r);
  return 0;
}

void sh_resolved_clear(sh_resolved *r) {
  ctrt__free(r->path);
  ctrt__free(r->interp);
  ctrt__free(r->interp_arg);
  memset(r, 0, sizeof *r);
}

int sh_resolve(sh_state *sh, const char *argv0, const char *path_var, sh_resolved *r) {
  memset(r, 0, sizeof *r);
  memfs *fs = sh_fs(sh);
  if (argv0[0] == '\0') {
    r->err = ENOENT;
    r->status = 127;
    return 0;
  }
  if (strchr(argv0, '/') != NULL) {
    char *abs = sh_abspath(sh, argv0);
    if (abs == NULL)
      return sh_oom(sh), -1;
    sh_lock(sh);
    r->err = try_candidate_locked(sh, fs, abs, r);
    sh_unlock(sh);
    ctrt__free(abs);
  } else {
    const char *p = path_var != NULL ? path_var : default_path;
    int first_err = ENOENT;
    sh_lock(sh);
    for (;;) {
      const char *colon = strchr(p, ':');
      size_t n = colon ? (size_t)(colon - p) : strlen(p);
      char *dir = n == 0 ? ctrt__strdup(".") : ctrt__strndup(p, n);
      char *cand = dir ? ctrt__sprintf("%s/%s", dir, argv0) : NULL;
      char *abs = cand ? sh_abspath(sh, cand) : NULL;
      ctrt__free(dir);
      ctrt__free(cand);
      if (abs == NULL) {
        r->oom = true;
        break;
      }
      int err = try_candidate_locked(sh, fs, abs, r);
      ctrt__free(abs);
      if (err == 0 || r->oom) {
        first_err = err;
        break;
      }
      if (err == EACCES)
        first_err = EACCES;
      if (colon == NULL)
        break;
      p = colon + 1;
    }
    sh_unlock(sh);
    r->err = first_err;
  }
  if (r->oom)
    return sh_oom(sh), -1;
  r->status = r->err == 0 ? 0 : r->err == EACCES ? 126 : 127;
  return 0;
}

int sh_resolve_cmd(sh_state *sh, const char *argv0, const char *path_var, sh_resolved *r) {
  if (strchr(argv0, '/') == NULL && sh_find_applet(argv0, SH_A_APPLET) != NULL) {
    memset(r, 0, sizeof *r);
    r->is_busybox = true;
    r->path = ctrt__strdup(argv0);
    if (r->path == NULL)
      return sh_oom(sh), -1;
    return 0;
  }
  return sh_resolve(sh, argv0, path_var, r);
}

int mock_shell_resolve(const memfs *fs, char *const *env, size_t n_env, const char *argv0, char **reason) {
  *reason = NULL;
  mock_proc proc = {0};
  proc.fs = (memfs *)fs;
  sh_root root = {0};
  root.proc = &proc;
  sh_state sh = {0};
  sh.root = &root;
  sh.cwd = (char *)"/";
  root.top = &sh;
  const char *path = NULL;
  for (size_t i = 0; i < n_env; i++)
    if (strncmp(env[i], "PATH=", 5) == 0)
      path = env[i] + 5;
  sh_resolved r;
  if (sh_resolve(&sh, argv0, path, &r) < 0)
    return root.fatal;
  int status = r.status;
  if (status == 0 && r.bad_format)
    status = 126;
  if (status == 0 && !r.is_busybox && r.interp != NULL) {
    /* the interpreter of a script must itself resolve */
    sh_resolved ir;
    if (sh_resolve(&sh, r.interp, NULL, &ir) < 0) {
      sh_resolved_clear(&r);
      return root.fatal;
    }
    if (ir.status != 0 || !ir.is_busybox)
      status = 127;
    sh_resolved_clear(&ir);
  }
  /* a busybox link of an unknown name starts, then busybox itself says
   * "applet not found" (exit 127), as in a real container */
  if (status != 0) {
    bool has_slash = strchr(argv0, '/') != NULL;
    if (status == 127 && !has_slash && r.err != 0)
      *reason = ctrt__sprintf("exec: \"%s\": executable file not found in $PATH", argv0);
    else if (status == 127 && r.err != 0)
      *reason = ctrt__sprintf("exec: \"%s\": stat %s: no such file or directory", argv0, argv0);
    else if (status == 127)
      *reason = ctrt__sprintf("exec: \"%s\": no such file or directory", argv0);
    else if (r.err == 0)
      *reason = ctrt__sprintf("exec: \"%s\": exec format error", argv0);
    else
      *reason = ctrt__sprintf("exec: \"%s\": permission denied", argv0);
    if (*reason == NULL) {
      sh_resolved_clear(&r);
      return ctrt__error_no_memory();
    }
  }
  sh_resolved_clear(&r);
  return status;
}

/* ---- running a resolved file in a process state ---- */

int sh_exec_resolved(sh_state *sh, sh_io *io, const sh_resolved *r, char **argv, size_t argc) {
  if (sh->root->depth > SH_MAX_DEPTH) {
    sh_err(sh, io, "too many nested processes");
    return 2;
  }
  if (r->is_busybox) {
    const char *name = base_name(argv[0]);
    const sh_applet *a = sh_find_applet(name, SH_A_APPLET);
    sh->applet_name = name;
    if (a == NULL) {
      sh_printf(sh, io, 2, "%s: applet not found\n", name);
      return 127;
    }
    sh->root->depth++;
    int status = sh_call_applet(a, sh, io, (int)argc, argv);
    sh->root->depth--;
    return status;
  }
  /* A script: "#!INTERP [ARG] PATH ARGS..." or, without "#!", sh PATH ARGS. */
  sh_strv av = {0};
  const char *interp = r->interp != NULL ? r->interp : SH_BUSYBOX;
  if (sh_strv_add(&av, r->interp != NULL ? r->interp : "sh") < 0 ||
      (r->interp_arg != NULL && sh_strv_add(&av, r->interp_arg) < 0) || sh_strv_add(&av, argv[0]) < 0)
    goto oom;
  for (size_t i = 1; i < argc; i++)
    if (sh_strv_add(&av, argv[i]) < 0)
      goto oom;
  sh_resolved ir;
  int status = 127;
  if (sh_resolve(sh, interp, NULL, &ir) == 0) {
    if (ir.status == 0 && ir.is_busybox)
      status = sh_exec_resolved(sh, io, &ir, av.v, av.n);
    else
      status = -1; /* the caller reports "not found" */
    sh_resolved_clear(&ir);
  }
  sh_strv_free(&av);
  return status;
oom:
  sh_strv_free(&av);
  return sh_oom(sh), 2;
}

/* ---- entry point ---- */

/* argv (NULL entries as ""), into av. */
static int strv_copy(sh_strv *av, const char *const *argv, size_t argc) {
  int rc;
  for (size_t i = 0; i < argc; i++)
    if ((rc = sh_strv_add(av, argv[i] != NULL ? argv[i] : "")) < 0)
      return rc;
  return 0;
}

/* The process's command, resolved on PATH and run; its exit status. */
static int run_command(sh_state *sh, sh_io *io, const sh_strv *av) {
  io->fd[1]->channel = CTRT_LOG_CHANNEL_STDOUT;
  io->fd[2]->channel = CTRT_LOG_CHANNEL_STDERR;
  sh->ctx_io = io;
  sh->applet_name = base_name(av->v[0]);
  sh_resolved r;
  int status = 0;
  if (sh_resolve(sh, av->v[0], sh_getvar(sh, "PATH"), &r) == 0) {
    /* The mock resolves before starting (mock_shell_resolve); a process
     * that cannot start has nothing to print. */
    if (r.status != 0 || (r.bad_format && !r.is_busybox))
      status = r.status != 0 ? r.status : 126;
    else if ((status = sh_exec_resolved(sh, io, &r, av->v, av->n)) < 0)
      status = 127;
    sh_resolved_clear(&r);
  }
  return status;
}

int mock_shell_run(const mock_proc *proc, const char *const *argv, size_t argc, int *exit_code) {
  *exit_code = 0;
  CTRT__CHECK_ARG(proc != NULL && argv != NULL && argc != 0 && argv[0] != NULL, "mock_shell_run: no command");
  sh_root root = {0};
  root.proc = proc;
  root.umask = 022;
  root.random = (uint32_t)proc->pid * 2654435761u + 1;
  sh_state *sh = sh_state_new(&root, NULL, proc->env, proc->n_env, proc->cwd);
  CTRT__CHECK_ALLOC(sh);
  root.top = sh;
  sh_io io = {0};
  io.fd[0] = sh_stream_new(&root, SH_S_PROC_IN);
  io.fd[1] = sh_stream_new(&root, SH_S_PROC_OUT);
  io.fd[2] = sh_stream_new(&root, SH_S_PROC_OUT);
  sh_strv av = {0};
  int status = 0;
  if (io.fd[0] == NULL || io.fd[1] == NULL || io.fd[2] == NULL || strv_copy(&av, argv, argc) < 0)
    sh_oom(sh);
  else
    status = run_command(sh, &io, &av);
  sh_strv_free(&av);
  sh_io_clear(&root, &io);
  sh_flush_files(&root);
  if (root.killed != 0)
    status = 128 + root.killed;
  sh_state_free(sh);
  if (root.fatal != 0) {
    *exit_code = 255;
    return root.fatal;
  }
  *exit_code = status & 255;
  return 0;
}
