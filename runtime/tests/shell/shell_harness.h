/* SPDX-License-Identifier: MIT */
/*
 * A mock_proc for the interpreter's tests: output into buffers, stdin from
 * a buffer or a queue fed by another thread, real-time sleeps interrupted
 * by signals, signals injected from another thread, kill calls recorded;
 * and a memfs seeded like the busybox test image (/bin/busybox and a link
 * per applet, /etc/passwd, /etc/group, /tmp, /root, /dev, /proc).
 */
#ifndef CTRT_TEST_SHELL_HARNESS_H
#define CTRT_TEST_SHELL_HARNESS_H

#include "backends/mock/shell/shell.h"

#include <pthread.h>
#include <stdbool.h>

typedef struct shh_kill {
  int pid, sig;
} shh_kill;

typedef struct shh {
  mock_proc proc;
  memfs *fs;
  pthread_mutex_t fs_lock;
  /* everything below is guarded by lock */
  pthread_mutex_t lock;
  pthread_cond_t cond;
  char *out[3]; /* by ctrt_log_channel */
  size_t out_len[3];
  size_t writes[3]; /* number of write calls */
  char *in;
  size_t in_len, in_pos;
  bool in_closed;
  int signals[64];
  size_t n_signals;
  shh_kill kills[64];
  size_t n_kills;
  int other_pids[8]; /* pids signal_pid accepts besides proc.pid */
  size_t n_other_pids;
  bool fail_writes;  /* the reader is gone */
  uint64_t slept_ms; /* total asked of sleep_ms */
  size_t sleeps;     /* sleep_ms calls */
  size_t waits;      /* blocked reads and sleeps in progress */
  size_t blocks;     /* times the process started blocking */
  /* a run on a thread */
  pthread_t thread;
  bool running, done;
  int rc, exit_code;
  char **argv;
  size_t argc;
  char *env_storage[16];
} shh;

/* A harness with the seeded filesystem, pid 2, uid 0, cwd "/", hostname
 * "testhost", environment PATH, HOSTNAME=testhost, HOME=/root; stdin closed
 * (no input attached). */
shh *shh_new(void);
void shh_free(shh *h);

/* Replace stdin: data, then closed or left open for shh_feed. */
void shh_set_stdin(shh *h, const char *data, size_t len, bool closed);
void shh_feed(shh *h, const char *data, size_t len);
void shh_close_stdin(shh *h);
/* Queue a signal as if the runtime delivered it. */
void shh_signal(shh *h, int sig);
/* Wait until the process blocks (in a read or a sleep) at least n times in
 * total, or ms milliseconds pass; true if it did. */
bool shh_wait_blocked(shh *h, size_t n, int ms);

/* Run argv to completion on this thread. */
int shh_run(shh *h, const char *const *argv, size_t argc, int *exit_code);
/* sh -c script */
int shh_sh(shh *h, const char *script, int *exit_code);
/* Start on a thread / wait for it (true when it ended within ms). */
void shh_start(shh *h, const char *const *argv, size_t argc);
void shh_start_sh(shh *h, const char *script);
bool shh_join(shh *h, int ms);

/* Collected output (NUL-terminated copies inside the harness). */
const char *shh_stdout(shh *h);
const char *shh_stderr(shh *h);
void shh_clear_output(shh *h);

/* Files in the memfs (test setup and checks). */
void shh_write_file(shh *h, const char *path, const char *text, uint32_t mode);
/* Contents of a file as a new string, NULL if missing. */
char *shh_read_file(shh *h, const char *path);

#endif
