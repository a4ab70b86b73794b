/* ctrt-cri-logger (runtime/backends/cri/logger/) run as containerd's shim
 * runs it: output pipes on fds 3 and 4, a ready pipe on fd 5. What it
 * writes is read back with the backend's own CRI log reader, so the two
 * agree on the format; and the library's side of its protocol: the
 * binary:// URI and the LOG.logger marker that keeps a container running
 * until its output is written. */
#define _GNU_SOURCE /* asprintf */
#include "backends/cri/cri_internal.h"
#include "backends/cri/cri_log.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_support.h"

static char dir[64];
static char path[128];
static char marker[160];

static int suite_init(void) {
  snprintf(dir, sizeof dir, "/tmp/ctrt-cri-logger-XXXXXX");
  if (mkdtemp(dir) == NULL)
    return 1;
  snprintf(path, sizeof path, "%s/container.log", dir);
  snprintf(marker, sizeof marker, "%s.logger", path);
  return 0;
}

static int suite_clean(void) {
  unlink(path);
  unlink(marker);
  return rmdir(dir);
}

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

typedef struct logger_proc {
  pid_t pid;
  int out, err; /* write ends of the task's stdout and stderr */
} logger_proc;

/* Start the logger and wait until it closed fd 5 (ready), as the shim does. */
static logger_proc start_logger(void) {
  int o[2], e[2], ready[2];
  if (pipe(o) != 0 || pipe(e) != 0 || pipe(ready) != 0) {
    CU_FAIL_FATAL("pipe");
    return (logger_proc){-1, -1, -1};
  }
  pid_t pid = fork();
  CU_ASSERT_FATAL(pid >= 0);
  if (pid == 0) {
    /* Above 5 first, so that the dup2s below cannot overwrite one another. */
    int r_out = fcntl(o[0], F_DUPFD, 10), r_err = fcntl(e[0], F_DUPFD, 10), w_ready = fcntl(ready[1], F_DUPFD, 10);
    if (r_out < 0 || r_err < 0 || w_ready < 0 || dup2(r_out, 3) < 0 || dup2(r_err, 4) < 0 || dup2(w_ready, 5) < 0)
      _exit(126);
    for (int fd = 6; fd < 64; fd++)
      close(fd);
    execl(LOGGER_PATH, "ctrt-cri-logger", "--file", path, (char *)NULL);
    _exit(127);
  }
  close(o[0]);
  close(e[0]);
  close(ready[1]);
  char c;
  CU_ASSERT(read(ready[0], &c, 1) == 0); /* EOF: ready */
  close(ready[0]);
  return (logger_proc){pid, o[1], e[1]};
}

static void write_all(int fd, const void *data, size_t len) { CU_ASSERT_FATAL(write(fd, data, len) == (ssize_t)len); }

static void writes_cri_lines_the_reader_reassembles(void) {
  unlink(path);
  logger_proc lp = start_logger();

  /* From before the task starts until the end: the marker names it. */
  FILE *m = fopen(marker, "r");
  char text[32] = "";
  CU_ASSERT_FATAL(m != NULL);
  CU_ASSERT(fgets(text, sizeof text, m) != NULL);
  fclose(m);
  long pid = strtol(text, NULL, 10);
  CU_ASSERT_EQUAL(pid, lp.pid);
  CU_ASSERT_TRUE(ctrt__cri_logger_draining(path, now_ns()));

  static char big[20001];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\n';
  write_all(lp.out, "one\n", 4);
  write_all(lp.out, "bin\0ary\n", 8);
  write_all(lp.err, big, sizeof big);
  write_all(lp.out, "tail", 4);
  close(lp.out);
  close(lp.err);
  int status = -1;
  CU_ASSERT(waitpid(lp.pid, &status, 0) == lp.pid);
  CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CU_ASSERT_EQUAL(access(marker, F_OK), -1); /* done: gone */
  CU_ASSERT_FALSE(ctrt__cri_logger_draining(path, now_ns()));

  ctrt__cri_log_config cfg = {.options = CTRT_LOGS_STREAM_OPTIONS_INIT, .poll_ms = 20};
  ctrt__cri_log_reader *r = NULL;
  CU_ASSERT_FATAL(ctrt__cri_log_open(&r, path, &cfg) == 0);
  ctrt__cri_log_record rec;
  int n_out = 0, n_err = 0, rc;
  while ((rc = ctrt__cri_log_next(r, &rec)) == 0) {
    if (rec.stream == CTRT_LOG_CHANNEL_STDERR) {
      /* 20000 bytes: one 16 KiB P part, then the F rest, reassembled. */
      CU_ASSERT(rec.complete && rec.len == sizeof big && memcmp(rec.data, big, sizeof big) == 0);
      n_err++;
      continue;
    }
    switch (n_out++) {
    case 0:
      CU_ASSERT(rec.complete && rec.len == 4 && memcmp(rec.data, "one\n", 4) == 0);
      break;
    case 1:
      CU_ASSERT(rec.complete && rec.len == 8 && memcmp(rec.data, "bin\0ary\n", 8) == 0); /* NUL kept */
      break;
    case 2:
      CU_ASSERT(!rec.complete && rec.len == 4 && memcmp(rec.data, "tail", 4) == 0); /* no newline: P */
      break;
    default:
      CU_FAIL("an unexpected stdout record");
    }
  }
  CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
  CU_ASSERT_EQUAL(n_out, 3);
  CU_ASSERT_EQUAL(n_err, 1);
  ctrt__cri_log_free(r);
}

/* A marker whose process is gone (a logger killed with its task) does not
 * keep the container running, and is removed; a live one stops counting
 * 12 s after the exit (when the shim kills it). */
static void marker_of_dead_or_late_logger(void) {
  pid_t child = fork();
  CU_ASSERT_FATAL(child >= 0);
  if (child == 0)
    _exit(0);
  waitpid(child, NULL, 0);
  FILE *m = fopen(marker, "w");
  CU_ASSERT_FATAL(m != NULL);
  fprintf(m, "%ld\n", (long)child);
  fclose(m);
  CU_ASSERT_FALSE(ctrt__cri_logger_draining(path, now_ns()));
  CU_ASSERT_EQUAL(access(marker, F_OK), -1);

  m = fopen(marker, "w");
  CU_ASSERT_FATAL(m != NULL);
  fprintf(m, "%ld\n", (long)getpid());
  fclose(m);
  CU_ASSERT_TRUE(ctrt__cri_logger_draining(path, now_ns()));
  CU_ASSERT_FALSE(ctrt__cri_logger_draining(path, now_ns() - 13 * 1000000000LL));
  CU_ASSERT_FALSE(ctrt__cri_logger_draining(NULL, now_ns()));
  unlink(marker);
  CU_ASSERT_FALSE(ctrt__cri_logger_draining(path, now_ns()));
}

/* The exit of a deleted restarted task, kept beside the log. */
static void exit_kept_beside_the_log(void) {
  ctrt__cri_task_state t = {0};
  CU_ASSERT_FALSE(ctrt__cri_exit_recorded(path, &t));
  char exit_path[200];
  snprintf(exit_path, sizeof exit_path, "%s.exit", path);
  FILE *f = fopen(exit_path, "w");
  CU_ASSERT_FATAL(f != NULL);
  fputs("42 1765100000123456789\n", f);
  fclose(f);
  CU_ASSERT_TRUE(ctrt__cri_exit_recorded(path, &t));
  CU_ASSERT_EQUAL(t.status, CTRT__CRI_TASK_STOPPED);
  CU_ASSERT_EQUAL(t.exit_code, 42);
  CU_ASSERT_EQUAL(t.exited_ns, 1765100000123456789LL);
  ctrt__cri_exit_forget(path);
  CU_ASSERT_EQUAL(access(exit_path, F_OK), -1);
  CU_ASSERT_FALSE(ctrt__cri_exit_recorded(path, &t));
  CU_ASSERT_FALSE(ctrt__cri_exit_recorded(NULL, &t));
}

/* The program the shim runs, and its one query pair, percent-encoded. */
static void uri_names_the_program(void) {
  setenv("CTRT_CRI_LOGGER", LOGGER_PATH, 1);
  char *uri = ctrt__cri_logger_uri("/var/log/pods/a b;c/container.log");
  CU_ASSERT_FATAL(uri != NULL);
  char *want = NULL;
  CU_ASSERT(asprintf(&want, "binary://%s?--file=%%2Fvar%%2Flog%%2Fpods%%2Fa%%20b%%3Bc%%2Fcontainer.log", LOGGER_PATH) >
            0);
  CU_ASSERT_STRING_EQUAL(uri, want);
  free(want);
  ctrt__free(uri);

  /* Not installed: the host's shell as the logger. */
  setenv("CTRT_CRI_LOGGER", "/nonexistent/ctrt-cri-logger", 1);
  uri = ctrt__cri_logger_uri("/l");
  CU_ASSERT_FATAL(uri != NULL);
  CU_ASSERT(strncmp(uri, "binary:///bin/sh?-c=", 20) == 0);
  ctrt__free(uri);
  unsetenv("CTRT_CRI_LOGGER");
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("cri_logger", suite_init, suite_clean);
  CU_add_test(s, "writes_cri_lines_the_reader_reassembles", writes_cri_lines_the_reader_reassembles);
  CU_add_test(s, "marker_of_dead_or_late_logger", marker_of_dead_or_late_logger);
  CU_add_test(s, "exit_kept_beside_the_log", exit_kept_beside_the_log);
  CU_add_test(s, "uri_names_the_program", uri_names_the_program);
}
