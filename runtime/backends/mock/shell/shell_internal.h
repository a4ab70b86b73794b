/* SPDX-License-Identifier: MIT */
/*
 * Private interface of the mock's command interpreter (shell*.c): the parse
 * tree, the process state, streams and the helpers applets share. See
 * shell.c for the vocabulary and the design.
 */
#ifndef CTRT_MOCK_SHELL_INTERNAL_H
#define CTRT_MOCK_SHELL_INTERNAL_H

#include "gen_internal.h"
#include "shell.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Signals 0 (EXIT) .. 64. */
#define SH_NSIG 65
#define SH_MAX_FD 10
/* A pipe holds at most this much unread output (Linux's default pipe
 * size): a writer past it waits for its reader (shell_eval.c runs pipeline
 * stages as coroutines), and is killed by SIGPIPE once the reader is gone. */
#define SH_PIPE_CAP ((size_t)64 << 10)
/* Nesting limit of functions, eval, nested shells and subshells. */
#define SH_MAX_DEPTH 200
/* Nesting limits of the recursive parts of the expander: '(' and prefix
 * operators in $((...)), and ${...} / quotes inside ${...}. They bound the
 * stack a process thread needs (mock_process.c sizes it) and, for ${...},
 * the rescanning of nested words to depth x length. */
#define SH_MAX_ARITH_DEPTH 1000
#define SH_MAX_EXPAND_DEPTH 100
#define SH_BUSYBOX "/bin/busybox"

/* ---- growable byte buffers ---- */
typedef struct sh_buf {
  char *data;
  size_t len, cap;
} sh_buf;

int sh_buf_add(sh_buf *b, const void *data, size_t len);
int sh_buf_addc(sh_buf *b, char c);
int sh_buf_adds(sh_buf *b, const char *s);
int sh_buf_printf(sh_buf *b, const char *fmt, ...) CTRT__PRINTF(2, 3);
/* NUL-terminates and hands over the data (an empty string when NULL). */
char *sh_buf_take(sh_buf *b);
void sh_buf_free(sh_buf *b);

/* ---- string vectors ---- */
typedef struct sh_strv {
  char **v; /* NULL-terminated once non-empty */
  size_t n, cap;
} sh_strv;

int sh_strv_add(sh_strv *sv, const char *s);
int sh_strv_adopt(sh_strv *sv, char *s); /* takes s (freed on failure) */
void sh_strv_free(sh_strv *sv);

/* ---- parse trees (shell_parse.c): allocated in a reference-counted arena
 * so function definitions can keep their bodies alive ---- */
typedef struct sh_arena sh_arena;
sh_arena *sh_arena_ref(sh_arena *a);
void sh_arena_unref(sh_arena *a);

typedef enum sh_redir_op {
  SH_R_IN,      /* <  */
  SH_R_OUT,     /* >  and >| */
  SH_R_APPEND,  /* >> */
  SH_R_RDWR,    /* <> */
  SH_R_DUPIN,   /* <& */
  SH_R_DUPOUT,  /* >& */
  SH_R_HEREDOC, /* << and <<- (word holds the body) */
} sh_redir_op;

typedef struct sh_redir {
  int fd;
  sh_redir_op op;
  const char *word;
  bool heredoc_expand; /* unquoted delimiter: the body is expanded */
  struct sh_redir *next;
} sh_redir;

typedef enum sh_node_kind {
  SH_N_CMD,
  SH_N_PIPE,
  SH_N_AND,
  SH_N_OR,
  SH_N_NOT,
  SH_N_LIST,
  SH_N_IF,
  SH_N_WHILE,
  SH_N_UNTIL,
  SH_N_FOR,
  SH_N_CASE,
  SH_N_GROUP,
  SH_N_SUBSHELL,
  SH_N_FUNC,
} sh_node_kind;

typedef struct sh_node sh_node;

typedef struct sh_case_item {
  const char **patterns;
  size_t n_patterns;
  sh_node *body; /* may be NULL */
} sh_case_item;

struct sh_node {
  sh_node_kind kind;
  int lineno;
  sh_redir *redirs; /* compound commands and simple commands */
  union {
    struct {
      const char **assigns;
      size_t n_assigns;
      const char **words;
      size_t n_words;
    } cmd;
    struct {
      sh_node **items;
      bool *background; /* SH_N_LIST: item followed by '&' */
      size_t n;
    } list; /* SH_N_PIPE, SH_N_LIST */
    struct {
      sh_node *a, *b, *c; /* and/or: a b; not: a; if: cond then else; loops: cond body; group: a */
    } bin;
    struct {
      const char *var;
      const char **words;
      size_t n_words;
      bool has_in;
      sh_node *body;
    } loop_for;
    struct {
      const char *word;
      sh_case_item *items;
      size_t n_items;
    } sw;
    struct {
      const char *name;
      sh_node *body;
    } func;
  } u;
};

typedef struct sh_parser sh_parser;

/* A parser over src (not copied: must outlive the parser and its trees).
 * first_line: the line number of src's first line in error messages. */
int sh_parser_new(sh_parser **out, const char *src, size_t len, int first_line);
void sh_parser_free(sh_parser *p);
/* The next complete command (everything up to a newline at the top level):
 * 0 with *node (NULL for an empty line) allocated in *arena (a new
 * reference); 1 at the end of the input; 2 on a syntax error, with the
 * message (without "sh: ") in sh_parser_error(); negative on failure. */
int sh_parse_next(sh_parser *p, sh_node **node, sh_arena **arena);
const char *sh_parser_error(const sh_parser *p);
int sh_parser_error_line(const sh_parser *p);
/* Whether the syntax error was met at the end of the text (the command may
 * continue on lines not read yet). */
bool sh_parser_error_at_end(const sh_parser *p);
/* Offset just past the last complete command returned. */
size_t sh_parser_offset(const sh_parser *p);
/* Parse a whole string at once (eval, traps, command substitution): same
 * returns, the complete commands joined in one SH_N_LIST. */
int sh_parse_all(const char *src, size_t len, int first_line, sh_node **node, sh_arena **arena, char **error);
/* The length of a command substitution's body: s starts right after "$(";
 * false when there is no matching ')'. */
bool sh_subst_length(const char *s, size_t len, size_t *body_len);
/* Whether s[0..len) is a variable name. */
bool sh_valid_name(const char *s, size_t len);

/* ---- streams and file descriptors (shell_io.c) ---- */
typedef enum sh_stream_kind {
  SH_S_PROC_IN,  /* the process's stdin (read_stdin) */
  SH_S_PROC_OUT, /* the process's stdout / stderr (write) */
  SH_S_DATA_IN,  /* bytes read from the start: a file, a pipe, a here-document */
  SH_S_PIPE_OUT, /* a pipe (pipe set) or a command substitution being filled */
  SH_S_PIPE_IN,  /* the reading end of a pipe between pipeline stages */
  SH_S_FILE_OUT, /* a file in the memfs (written back on flush) */
  SH_S_NULL,     /* /dev/null */
  SH_S_ZERO,     /* /dev/zero */
  SH_S_RANDOM,   /* /dev/urandom, /dev/random */
} sh_stream_kind;

typedef struct sh_pipe sh_pipe;

typedef struct sh_stream {
  int refs;
  sh_stream_kind kind;
  ctrt_log_channel channel; /* SH_S_PROC_OUT */
  bool eof;                 /* SH_S_PROC_IN: end of input seen */
  /* SH_S_DATA_IN: data is blob's or owned */
  memfs_blob *blob;
  char *owned;
  const uint8_t *data;
  size_t len, pos;
  /* SH_S_PIPE_OUT / SH_S_FILE_OUT */
  sh_buf buf;
  sh_pipe *pipe;                           /* SH_S_PIPE_OUT / SH_S_PIPE_IN between stages */
  bool broken;                             /* a pipe whose reader is gone */
  bool full;                               /* a file past the memfs limits: writes fail with ENOSPC */
  char *path;                              /* SH_S_FILE_OUT */
  size_t flushed;                          /* bytes written back so far */
  int read_err;                            /* SH_S_DATA_IN: reads fail with this errno (a directory) */
  uint32_t seed;                           /* SH_S_RANDOM */
  struct sh_stream *next_file, *prev_file; /* open file outputs (flushed before blocking) */
} sh_stream;

typedef struct sh_io {
  sh_stream *fd[SH_MAX_FD];
} sh_io;

typedef struct sh_root sh_root;
typedef struct sh_state sh_state;

sh_stream *sh_stream_new(sh_root *root, sh_stream_kind kind);
sh_stream *sh_stream_ref(sh_stream *s);
void sh_stream_unref(sh_root *root, sh_stream *s); /* flushes files */
/* A stream reading len bytes (copied) / a blob (referenced). */
sh_stream *sh_stream_from_data(sh_root *root, const void *data, size_t len);
sh_stream *sh_stream_from_blob(sh_root *root, memfs_blob *blob);

void sh_io_copy(sh_io *dst, const sh_io *src); /* takes references */
void sh_io_clear(sh_root *root, sh_io *io);
void sh_io_set(sh_root *root, sh_io *io, int fd, sh_stream *s); /* takes s */

/* Write to fd: 0; -1 when the fd is closed or the write failed (a pipe past
 * its cap or a reader gone: the writer is then killed by SIGPIPE unless it is
 * pid 1's shell, and sh_stopping() turns true). */
int sh_write(sh_state *sh, sh_io *io, int fd, const void *data, size_t len);
int sh_puts(sh_state *sh, sh_io *io, int fd, const char *s);
/* The errno of a failed write to fd: EBADF (closed), ENOSPC (a file past the
 * filesystem's limits) or EPIPE. */
int sh_write_errno(const sh_io *io, int fd);
int sh_printf(sh_state *sh, sh_io *io, int fd, const char *fmt, ...) CTRT__PRINTF(4, 5);
/* An error line "APPLET: message\n" on fd 2 (APPLET: sh->applet_name). */
void sh_err(sh_state *sh, sh_io *io, const char *fmt, ...) CTRT__PRINTF(3, 4);
/* ash's own messages: "ARG0: [CMD: ][line N: ]message\n". */
void sh_ash_err(sh_state *sh, sh_io *io, const char *fmt, ...) CTRT__PRINTF(3, 4);
/* Read up to cap bytes from fd: 0 with *n > 0; 1 at end of input; -1 on an
 * error (errno code in *err: EBADF, EISDIR); -2 when a signal ends the
 * process while waiting. Blocks on the process's stdin. */
int sh_read(sh_state *sh, sh_io *io, int fd, void *buf, size_t cap, size_t *n, int *err);
int sh_stream_read(sh_state *sh, sh_stream *s, void *buf, size_t cap, size_t *n, int *err);
/* Open path (relative to the cwd) for reading: 0 with *out, or -1 with an
 * errno code (ENOENT, ENOTDIR, EACCES). Devices: /dev/null, /dev/zero,
 * /dev/urandom, /dev/random, /dev/stdin. A directory opens, and fails to read
 * with EISDIR. */
int sh_open_input(sh_state *sh, sh_io *io, const char *path, sh_stream **out, int *err);
/* Open path for writing (truncated unless append; created 0666 & ~umask):
 * 0 with *out, or -1 with an errno code. /dev/null, /dev/stdout and
 * /dev/stderr are devices. */
int sh_open_output(sh_state *sh, sh_io *io, const char *path, bool append, sh_stream **out, int *err);
/* A pipe between pipeline stages (shell_eval.c). A stage that finds its
 * input pipe empty, or its output pipe full, hands control back to the
 * pipeline's scheduler and waits to be resumed: only one stage runs at a
 * time, so the process state needs no locks and output order stays
 * deterministic (a stage writing less than SH_PIPE_CAP ends before the next
 * one starts, as before pipes streamed). */
struct sh_pipe {
  struct sh_pipeline *line;
  size_t writer; /* the writing stage; the reader is writer + 1 */
  sh_buf buf;    /* unread bytes: buf.data[pos..buf.len) */
  size_t pos;
  bool writer_done; /* end of input for the reader */
  bool reader_done; /* the writer gets SIGPIPE */
};
/* Wait for data or the writer's end (reading), or for room or the reader's
 * end (writing): false when sh must stop instead. */
bool sh_pipe_wait(sh_state *sh, sh_pipe *p, bool reading);

/* Write pending file output back to the memfs (before blocking calls). */
void sh_flush_files(sh_root *root);

/* ---- process state ---- */
typedef struct sh_var {
  char *name;
  char *value; /* NULL: declared but unset (export NAME) */
  bool exported, readonly;
  uint64_t seq; /* insertion order inside ash's hash chain */
} sh_var;

typedef struct sh_func {
  char *name;
  sh_node *body;
  sh_arena *arena;
} sh_func;

typedef enum sh_unwind {
  SH_U_NONE,
  SH_U_EXIT, /* exit, or a fatal shell error, or SIGPIPE in a pipeline stage */
  SH_U_BREAK,
  SH_U_CONTINUE,
  SH_U_RETURN,
} sh_unwind;

struct sh_root {
  const mock_proc *proc;
  sh_state *top;    /* the process's own shell (receives signals) */
  int killed;       /* signal that ended the process */
  int fatal;        /* negative error: the interpreter itself failed */
  uint64_t pending; /* trapped signals waiting for their handler */
  bool in_trap;
  uint32_t umask;
  sh_stream *files; /* open file outputs */
  uint32_t random;  /* $RANDOM, /dev/urandom */
  int depth;        /* nesting of shells, functions, eval */
  int arith_depth;  /* recursion inside $((...)) (SH_MAX_ARITH_DEPTH) */
  int expand_depth; /* nesting of ${...} and quotes (SH_MAX_EXPAND_DEPTH) */
};

struct sh_state {
  sh_root *root;
  bool is_shell;            /* an sh process (or subshell), not an applet */
  bool subshell;            /* a copy of a shell for ( ), pipelines, $( ) */
  const char *applet_name;  /* prefix of applet errors ("sh", "cat") */
  char *arg0;               /* $0 and the prefix of ash's messages */
  bool has_commandname;     /* sh -c SCRIPT ARG0: ash adds "line N" */
  const char *builtin_name; /* the builtin running (ash's commandname) */
  int lineno;
  sh_var *vars;
  size_t n_vars, cap_vars;
  uint64_t var_seq;
  sh_strv params; /* $1 ... */
  char *cwd;
  char *traps[SH_NSIG]; /* NULL: default; "": ignored */
  sh_func *funcs;
  size_t n_funcs;
  int status; /* $? */
  sh_unwind unwind;
  int unwind_n; /* break/continue levels */
  int exit_status;
  int loop_depth;
  int func_depth;
  bool errexit;
  bool xtrace;       /* set -x */
  bool in_condition; /* set -e does not apply */
  sh_io *ctx_io;     /* where a trap handler writes */
  char **cmd_env;    /* the environment the process started with */
  size_t n_cmd_env;
  bool parent_is_top;  /* an applet started by the process's own shell */
  sh_arena *cur_arena; /* of the tree being run (function definitions) */
  int subst_status;    /* of the last command substitution */
  bool has_subst_status;
  void *locals; /* saved values of `local` variables (shell_eval.c) */
  size_t n_locals, cap_locals, locals_base;
};

/* Whether sh must stop what it does (exit, break, killed, fatal error). */
static inline bool sh_stopping(const sh_state *sh) {
  return sh->unwind != SH_U_NONE || sh->root->killed != 0 || sh->root->fatal != 0;
}

/* Record an interpreter failure (the current ctrt error); returns true. */
bool sh_fail(sh_state *sh, int rc);
/* A fatal out-of-memory failure. */
bool sh_oom(sh_state *sh);

/* Check for signals and act on them (see shell.c); true when sh must stop. */
bool sh_poll(sh_state *sh);
/* Take pending signals without running trap handlers (inside a long
 * expansion, where ash would not run them either); true when sh must stop. */
bool sh_take_signals(sh_state *sh);
/* Same as sh_poll; *took tells whether a signal was taken. */
bool sh_poll_took(sh_state *sh, bool *took);
/* Deliver a signal to the process as if it came from outside. */
void sh_deliver(sh_state *sh, int sig);
/* Kill the current command with SIGPIPE (a write past a pipe's end). */
void sh_sigpipe(sh_state *sh);
/* Sleep ms of real time, acting on signals; true when sh must stop. */
bool sh_sleep(sh_state *sh, uint64_t ms);

/* Variables. */
const char *sh_getvar(const sh_state *sh, const char *name);
sh_var *sh_findvar(const sh_state *sh, const char *name, size_t len);
/* 0, or -1 (readonly: message printed) or a fatal failure (sh_stopping). */
int sh_setvar(sh_state *sh, const char *name, const char *value, bool export_it);
int sh_unsetvar(sh_state *sh, const char *name);
/* Exported variables as "K=V" in ash's order (a new vector). */
int sh_environ(const sh_state *sh, sh_strv *out);

/* Paths: an absolute, lexically cleaned path for p relative to the cwd. */
char *sh_abspath(const sh_state *sh, const char *p);
/* memfs access under the process's lock (never held across a callback). */
void sh_lock(sh_state *sh);
void sh_unlock(sh_state *sh);
memfs *sh_fs(sh_state *sh);
/* stat an absolute path under the lock: 0, or an errno code (ENOENT,
 * ENOTDIR when a component is not a directory, ELOOP). */
int sh_stat(sh_state *sh, const char *abs, bool follow, memfs_stat *st);
/* Same, the lock already held. */
int sh_stat_locked(sh_state *sh, const char *abs, bool follow, memfs_stat *st);
/* Access check for the process's uid/gid: root may read and write anything
 * and execute what has an x bit. want: 4 read, 2 write, 1 execute. */
bool sh_may(const sh_state *sh, const memfs_stat *st, int want);
/* Whether the parent directory of abs lets the process create or remove an
 * entry: 0 or an errno code (ENOENT, ENOTDIR, EACCES). */
int sh_parent_writable(sh_state *sh, const char *abs);
/* Map a failed memfs call (rc < 0) to an errno code. */
int sh_errno_of(int rc);

/* Expansion (shell_expand.c). */
int sh_expand_words(sh_state *sh, const char *const *words, size_t n, sh_strv *out);
/* One word without field splitting or globbing (assignments, redirections,
 * case); NULL when sh must stop. */
char *sh_expand_one(sh_state *sh, const char *word);
char *sh_expand_pattern(sh_state *sh, const char *word); /* keeps quoting as \ escapes */
char *sh_expand_heredoc(sh_state *sh, const char *body);
/* Arithmetic: 0 with *out, or -1 (message printed, sh stops). */
int sh_arith(sh_state *sh, const char *expr, long long *out);
/* fnmatch on a pattern from sh_expand_pattern. */
bool sh_match(const char *pattern, const char *text);
/* Run src in a subshell and collect its output (command substitution). */
char *sh_command_subst(sh_state *sh, const char *src, size_t len);

/* Evaluation (shell_eval.c). */
int sh_eval(sh_state *sh, sh_node *node, sh_io *io);
/* Parse and run a script in sh (sh -c, eval, traps, . FILE). */
int sh_eval_string(sh_state *sh, const char *src, size_t len, sh_io *io, int first_line, bool per_line);
/* Run argv as a command from sh (builtins, functions, PATH). */
int sh_run_command(sh_state *sh, sh_io *io, char **argv, size_t argc, char **assigns, size_t n_assigns);
/* `local NAME[=VALUE]` in the running function. */
int sh_local_var(sh_state *sh, const char *assign);
void sh_free_locals(sh_state *sh);

/* Command resolution (shell.c). */
typedef struct sh_resolved {
  int status;                /* 0, 126 (not executable), 127 (not found) */
  int err;                   /* ENOENT, EACCES */
  char *path;                /* the file found */
  bool is_busybox;           /* runs the applet named by argv[0]'s basename */
  char *interp, *interp_arg; /* "#!" line of a script */
  bool bad_format;           /* neither busybox nor "#!": ash runs it as a script */
  bool oom;
} sh_resolved;
/* Look argv0 up (PATH when it has no '/'; path_var NULL: the default):
 * 0 with *r filled, -1 on failure (sh_stopping). */
int sh_resolve(sh_state *sh, const char *argv0, const char *path_var, sh_resolved *r);
void sh_resolved_clear(sh_resolved *r);
/* How busybox itself runs a command (sh, env, exec): a name that is one of
 * its applets runs that applet whatever PATH says (FEATURE_SH_STANDALONE,
 * PREFER_APPLETS); anything else goes through sh_resolve. */
int sh_resolve_cmd(sh_state *sh, const char *argv0, const char *path_var, sh_resolved *r);
/* Run a resolved file as the process sh (exec): its exit status, or -1 when
 * a script's interpreter cannot run (the caller says "not found"). */
int sh_exec_resolved(sh_state *sh, sh_io *io, const sh_resolved *r, char **argv, size_t argc);
/* Turn a process state into an ash shell (variables as ash sets them up). */
int sh_shell_init(sh_state *sh);
/* Traps waiting to run. */
void sh_run_pending_traps(sh_state *sh);
/* Run the EXIT trap of a shell that is ending. */
void sh_run_exit_trap(sh_state *sh, sh_io *io);

/* A new state for a process (applet or shell) started from parent (NULL for
 * the process itself), with env "K=V" (copied). */
sh_state *sh_state_new(sh_root *root, sh_state *parent, char *const *env, size_t n_env, const char *cwd);
/* A subshell: a full copy of sh. */
sh_state *sh_state_clone(sh_state *sh);
void sh_state_free(sh_state *sh);

/* Applets, one family per file: shell_text.c, shell_grep.c, shell_proc.c,
 * shell_sys.c, shell_testexpr.c, shell_ls.c, shell_fs.c, shell_stat.c,
 * shell_dd.c; their helpers in shell_util.c and shell_fsutil.c. */
typedef int (*sh_applet_fn)(sh_state *sh, sh_io *io, int argc, char **argv);

enum {
  SH_A_APPLET = 1,  /* a busybox applet (found through PATH) */
  SH_A_BUILTIN = 2, /* an ash builtin (no PATH lookup, runs in the shell) */
  SH_A_SPECIAL = 4, /* a special builtin: assignments before it persist */
};

typedef struct sh_applet {
  const char *name;
  sh_applet_fn fn;
  unsigned flags;
} sh_applet;

const sh_applet *sh_find_applet(const char *name, unsigned flags);
/* Call an applet on a private copy of the argv array (applets reorder it). */
int sh_call_applet(const sh_applet *a, sh_state *sh, sh_io *io, int argc, char **argv);

/* The applet functions. */
#define SH_APPLET(name) int sh_applet_##name(sh_state *sh, sh_io *io, int argc, char **argv)
SH_APPLET(echo);
SH_APPLET(printf);
SH_APPLET(cat);
SH_APPLET(sleep);
SH_APPLET(usleep);
SH_APPLET(true);
SH_APPLET(false);
SH_APPLET(env);
SH_APPLET(printenv);
SH_APPLET(id);
SH_APPLET(whoami);
SH_APPLET(hostname);
SH_APPLET(uname);
SH_APPLET(date);
SH_APPLET(kill);
SH_APPLET(wc);
SH_APPLET(head);
SH_APPLET(tail);
SH_APPLET(seq);
SH_APPLET(yes);
SH_APPLET(tee);
SH_APPLET(grep);
SH_APPLET(basename);
SH_APPLET(dirname);
SH_APPLET(test);
SH_APPLET(sh);
SH_APPLET(busybox);
SH_APPLET(pwd);
SH_APPLET(ls);
SH_APPLET(mkdir);
SH_APPLET(rmdir);
SH_APPLET(rm);
SH_APPLET(touch);
SH_APPLET(cp);
SH_APPLET(mv);
SH_APPLET(ln);
SH_APPLET(chmod);
SH_APPLET(stat);
SH_APPLET(dd);
SH_APPLET(sync);
SH_APPLET(readlink);
SH_APPLET(realpath);
/* ash builtins (shell_eval.c) */
SH_APPLET(colon);
SH_APPLET(cd);
SH_APPLET(exit);
SH_APPLET(export);
SH_APPLET(readonly);
SH_APPLET(unset);
SH_APPLET(trap);
SH_APPLET(set);
SH_APPLET(shift);
SH_APPLET(read);
SH_APPLET(eval);
SH_APPLET(exec);
SH_APPLET(break);
SH_APPLET(continue);
SH_APPLET(return );
SH_APPLET(local);
SH_APPLET(wait);
SH_APPLET(dot);
SH_APPLET(umask);
SH_APPLET(type);
SH_APPLET(command);

/* Shared helpers of the applets. */
/* Parse a decimal integer (with sign); false when s is not one. */
bool sh_parse_long(const char *s, long long *out);
/* A date as busybox's date -d / touch -d read it: "@SECONDS" (an instant
 * gmtime can break down), "YYYY-MM-DD[( |T)hh:mm[:ss]]" with every field
 * range-checked (year 0..9999), and with time_only "hh:mm[:ss]" today (UTC).
 * false when invalid; never overflows. */
bool sh_parse_date(const char *s, time_t now, bool time_only, int64_t *out);
/* Signal numbers and names ("TERM", "SIGTERM", "15"); -1 when unknown. */
int sh_signal_number(const char *name);
const char *sh_signal_name(int sig); /* "TERM"; NULL when unknown */
/* The usage text of an applet (busybox --help), printed on fd 2. */
int sh_usage(sh_state *sh, sh_io *io, const char *applet);
/* Read a whole input (a file or fd 0 when name is NULL or "-") for applets
 * that need it; 0, or 1 after printing "APPLET: NAME: error" (fmt chooses
 * the message form), or -2 when sh must stop. */
int sh_read_all(sh_state *sh, sh_io *io, const char *name, sh_buf *out, int *err);

/* Options in busybox's getopt32 style: flags is a string of single-letter
 * options ("nc:"); a ':' after a letter takes an argument; options and
 * operands may mix ("--" ends options). Moves the operands to argv[1...]
 * (NULL-ended) and returns 1, or -1 after printing "APPLET: invalid option
 * -- 'x'" and the usage. Option letters seen set bits (1 << position in
 * flags); args[position] takes an option's argument. */
int sh_getopt(sh_state *sh, sh_io *io, int argc, char **argv, const char *flags, unsigned *seen, char **args);
/* The opening of most applets: sh_getopt, then the usage unless min to max
 * operands remain (max < 0: no limit). 0 to go on, else 1 (the applet's
 * status, the error printed). */
int sh_getopt_operands(sh_state *sh, sh_io *io, int argc, char **argv, const char *flags, unsigned *seen, char **args,
                       int min, int max);
/* The bit sh_getopt sets in *seen for option c of flags; 0 when c is not
 * one of them. */
unsigned sh_optbit(const char *flags, char c);
/* The argument sh_getopt stored in args for option c ("c:" in flags); NULL
 * when the option was not given. */
const char *sh_optarg(const char *flags, char c, char *const *args);
/* The number of entries before the NULL that ends argv. */
int sh_count_args(char **argv);

/* Output collected in a buffer and written in large pieces (shell_util.c);
 * the functions return false once a write failed (sh_out_done: and free). */
typedef struct sh_outbuf {
  sh_state *sh;
  sh_io *io;
  int fd;
  sh_buf b;
  bool failed;
} sh_outbuf;
bool sh_out_flush(sh_outbuf *o);
bool sh_out_add(sh_outbuf *o, const void *d, size_t n);
bool sh_out_c(sh_outbuf *o, char c);
bool sh_out_s(sh_outbuf *o, const char *s);
bool sh_out_f(sh_outbuf *o, const char *fmt, ...) CTRT__PRINTF(2, 3);
bool sh_out_done(sh_outbuf *o);
/* Open NAME ("-" or NULL: stdin) for reading. */
int sh_open_named(sh_state *sh, sh_io *io, const char *name, sh_stream **s, int *err);

/* Helpers of the filesystem applets (shell_fsutil.c). */
char *sh_path_join(const char *dir, const char *name); /* "dir/name" */
const char *sh_base_of(const char *p);                 /* last component */
/* memfs calls under the lock; the errno of a failure. */
int sh_fs_mkdir(sh_state *sh, const char *abs, uint32_t perm);
int sh_fs_remove(sh_state *sh, const char *abs, bool recursive);
int sh_fs_chmod(sh_state *sh, const char *abs, uint32_t perm);
int sh_fs_touch(sh_state *sh, const char *abs, ctrt_timestamp t, bool create);
int sh_fs_symlink(sh_state *sh, const char *target, const char *abs);
/* Mode text "drwxr-xr-x". */
void sh_mode_string(uint32_t mode, char out[11]);
/* 1K blocks a file takes, as busybox counts them on a 4K-block filesystem. */
uint64_t sh_blocks_1k(const memfs_stat *st);
/* Apply "755" or "u+x,g-w,o=r,a+X" to mode; false when invalid. */
bool sh_parse_mode(const char *s, uint32_t mode, bool is_dir, uint32_t umask_bits, uint32_t *out);
/* /etc/passwd and /etc/group of the memfs, for user and group names. */
typedef struct sh_id_names {
  char *passwd, *group; /* file contents, or NULL */
} sh_id_names;
char *sh_slurp(sh_state *sh, const char *path); /* a whole memfs file, or NULL */
void sh_names_load(sh_state *sh, sh_id_names *n);
void sh_names_free(sh_id_names *n);
/* The name with id in a passwd/group text (field 2): into out. */
bool sh_name_of(const char *text, uint32_t id, char *out, size_t cap);

#endif
