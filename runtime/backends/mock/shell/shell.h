/* SPDX-License-Identifier: MIT */
/*
 * The mock's processes: a small interpreter for the busybox applets the
 * conformance cases use, run against a container's memfs.
 *
 * A process is a call to mock_shell_run() on its own thread. Everything it
 * touches outside its own memory goes through the mock_proc callbacks, so
 * the mock decides where output lands (log records, exec buffers, streams, a
 * session socket), where input comes from, how time passes and how signals
 * arrive.
 *
 * Command resolution follows a real container: argv[0] without a '/' is
 * looked up in PATH (from the process environment, else
 * /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin) in the
 * filesystem. A command that is not found exits 127 ("NAME: not found" on
 * stderr, as busybox sh says it). A file that resolves (through symlinks) to
 * /bin/busybox, or is a hard link of it, runs the applet named by the
 * command's basename (busybox semantics: `/bin/busybox echo hi` runs echo);
 * an applet outside the vocabulary exits 127 with "applet not found". A
 * script starting with "#!" runs its interpreter (which must resolve to
 * busybox); a file that is not executable, or a directory, exits 126
 * ("Permission denied"). From inside busybox (sh, env, exec) the rules are
 * busybox's own: a command named like an applet of the vocabulary runs that
 * applet whatever PATH holds (Debian's busybox is built with
 * FEATURE_SH_STANDALONE), and an executable file without "#!" runs as an sh
 * script (ash's ENOEXEC fallback); started directly by the runtime such a
 * file fails with 126 ("exec format error").
 *
 * Vocabulary (shell.c has the details):
 *   sh / ash -c SCRIPT [ARG0 ARGS...], sh FILE [ARGS...], sh reading stdin:
 *       ';', '&&', '||', '!', newlines, '#' comments, single/double quotes
 *       and backslash escapes, $VAR ${VAR} $? $$ $# $0 $1.. $@ $* $-,
 *       ${VAR:-w} ${VAR:=w} ${VAR:+w} ${VAR:?w} ${#VAR} ${VAR#p} ${VAR%p}
 *       ${VAR:off:len} ${VAR/p/r}, $(...) and `...`, $((...)), ~, field
 *       splitting, globs against the memfs, redirections < > >| >> <> <& >&
 *       2>&1 N>&- << <<- with files in the memfs and /dev/null, /dev/zero,
 *       /dev/urandom, /dev/std*, pipelines a | b (stages stream through
 *       64 KiB pipes, one stage running at a time), '&' (runs in the foreground), { } and
 *       ( ), if/while/until/for/case, functions, set -e / -x;
 *       the builtins of applets.def;
 *   applets: those of applets.def, with busybox 1.35's options, output
 *   formats, messages and exit statuses (shell_<family>.c).
 * Exit statuses follow busybox: 0 success, 1 failure, 2 usage errors,
 * 126/127 as above, 128+N when a signal N terminates the process.
 */
#ifndef CTRT_MOCK_SHELL_H
#define CTRT_MOCK_SHELL_H

#include "backends/mock/memfs.h"

#include <pthread.h>

/* The stack of a process thread and of each pipeline stage's thread: the
 * shell's nesting limits (SH_MAX_DEPTH, SH_MAX_ARITH_DEPTH,
 * SH_MAX_EXPAND_DEPTH) fit in it, whatever RLIMIT_STACK says. */
#define MOCK_SHELL_STACK ((size_t)8 << 20)

/* What a running process can reach. All callbacks receive ctx. */
typedef struct mock_proc {
  void *ctx;

  /* The container's filesystem and the lock guarding it: hold fs_lock
   * around every memfs call, never while blocking in another callback. */
  memfs *fs;
  pthread_mutex_t *fs_lock;

  /* Environment ("KEY=VALUE"), working directory, identity. */
  char **env;
  size_t n_env;
  const char *cwd;
  uint32_t uid, gid;
  const char *hostname;
  int pid; /* 1 for a container's main process */

  /* Read stdin: 0 with *n_read > 0; CTRT_ITEROVER at end of input
   * (closed, or none attached); a negative error when the process must stop
   * (a signal arrived: see next_signal). Blocks until one of those. */
  int (*read_stdin)(void *ctx, void *buf, size_t cap, size_t *n_read);

  /* Write to stdout (channel CTRT_LOG_CHANNEL_STDOUT) or stderr
   * (CTRT_LOG_CHANNEL_STDERR). Never blocks for long; a negative return means
   * the reader is gone (write fails, like EPIPE). */
  int (*write)(void *ctx, ctrt_log_channel channel, const void *data, size_t len);

  /* Sleep for ms milliseconds of real time, or until a signal arrives:
   * returns 0 when the time has passed, else the signal number (which is
   * then also returned by next_signal). */
  int (*sleep_ms)(void *ctx, uint64_t ms);

  /* Take the next pending signal (0 if none). The interpreter calls it
   * between commands, inside loops and after blocking calls, then acts: a
   * trapped signal runs its handler; SIGKILL, or any untrapped signal when
   * pid != 1, ends the process with 128+N; pid 1 ignores untrapped signals
   * other than SIGKILL (as the kernel does for a container's init). */
  int (*next_signal)(void *ctx);

  /* `kill` applet: deliver sig to the process pid of the same container;
   * 0, or a negative error (no such process) that kill reports. */
  int (*signal_pid)(void *ctx, int pid, int sig);
} mock_proc;

/* Run argv as the process described by proc; *exit_code gets its status.
 * Returns 0, or a negative error only when the interpreter itself failed
 * (out of memory); command failures are exit codes, with messages on
 * stderr. */
int mock_shell_run(const mock_proc *proc, const char *const *argv, size_t argc, int *exit_code);

/* Whether argv[0] can start in fs (found in PATH and runnable as above):
 * 0 when it can; else 127 (not found) or 126 (not executable), with a
 * message like Docker's in *reason (a new string), runc's words:
 * 'exec: "X": executable file not found in $PATH', 'exec: "/x": stat /x: no
 * such file or directory', 'exec: "/x": permission denied', 'exec: "/x":
 * exec format error'. Used by start_container and exec to fail the way
 * Docker does before any process runs; the caller holds the lock that
 * guards fs. */
int mock_shell_resolve(const memfs *fs, char *const *env, size_t n_env, const char *argv0, char **reason);

/* The applets of the vocabulary, sorted, NULL-terminated (for images). */
extern const char *const mock_shell_applets[];

#endif
