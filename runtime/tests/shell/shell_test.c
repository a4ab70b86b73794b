/* SPDX-License-Identifier: MIT */
/*
 * Tests of the mock's command interpreter. The busybox suite replays
 * shell_cases.inc: scripts run with real busybox 1.35 (gen_cases.py) whose
 * stdout, stderr and exit status the mock must reproduce byte for byte.
 * The other suites cover what a table cannot: signals and traps arriving
 * from another thread, stdin fed while the process runs, resolution and
 * mock_shell_resolve, the memfs after commands, callbacks failing.
 */
#include "shell_harness.h"
#include "test_support.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- replayed busybox cases ---- */

typedef struct bb_case {
  const char *area;
  const char *script;
  const char *in;
  size_t in_len;
  const char *out;
  size_t out_len;
  const char *err;
  size_t err_len;
  int status;
  int uid; /* uid = gid; 0: root with groups 0 and 10 */
} bb_case;

static const bb_case bb_cases[] = {
#include "shell_cases.inc"
};

static void show(const char *what, const char *data, size_t len) {
  fprintf(stderr, "  %s (%zu bytes): \"", what, len);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)data[i];
    if (c == '\n')
      fputs("\\n", stderr);
    else if (c == '\t')
      fputs("\\t", stderr);
    else if (c < 32 || c >= 127)
      fprintf(stderr, "\\%03o", c);
    else
      fputc(c, stderr);
  }
  fputs("\"\n", stderr);
}

static void run_area(const char *area) {
  size_t n = sizeof bb_cases / sizeof bb_cases[0];
  for (size_t i = 0; i < n; i++) {
    const bb_case *c = &bb_cases[i];
    if (strcmp(c->area, area) != 0)
      continue;
    shh *h = shh_new();
    if (c->in != NULL)
      shh_set_stdin(h, c->in, c->in_len, true);
    h->proc.uid = (uint32_t)c->uid;
    h->proc.gid = (uint32_t)c->uid;
    int code = -1;
    int rc = shh_sh(h, c->script, &code);
    bool out_ok = h->out_len[1] == c->out_len && memcmp(shh_stdout(h), c->out, c->out_len) == 0;
    bool err_ok = h->out_len[2] == c->err_len && memcmp(shh_stderr(h), c->err, c->err_len) == 0;
    bool ok = rc == 0 && code == c->status && out_ok && err_ok;
    if (!ok) {
      fprintf(stderr, "\n[%s] case %zu: sh -c '%s'\n", area, i, c->script);
      if (rc != 0)
        fprintf(stderr, "  mock_shell_run failed: %s\n", ctrt_error_last()->message);
      if (code != c->status)
        fprintf(stderr, "  status: busybox %d, mock %d\n", c->status, code);
      if (!out_ok) {
        show("busybox stdout", c->out, c->out_len);
        show("mock stdout", shh_stdout(h), h->out_len[1]);
      }
      if (!err_ok) {
        show("busybox stderr", c->err, c->err_len);
        show("mock stderr", shh_stderr(h), h->out_len[2]);
      }
    }
    CU_ASSERT_TRUE(ok);
    shh_free(h);
  }
}

#define AREA_TEST(name)                                                                                                \
  static void test_bb_##name(void) { run_area(#name); }
AREA_TEST(syntax)
AREA_TEST(lists)
AREA_TEST(expand)
AREA_TEST(arith)
AREA_TEST(glob)
AREA_TEST(compound)
AREA_TEST(redir)
AREA_TEST(builtins)
AREA_TEST(exec)
AREA_TEST(echo)
AREA_TEST(printf)
AREA_TEST(ls)
AREA_TEST(files)
AREA_TEST(text)
AREA_TEST(system)
AREA_TEST(test)
AREA_TEST(pipes)
AREA_TEST(stdin)
AREA_TEST(nonroot)

/* ---- helpers of the hand-written tests ---- */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Run a script to completion; assert its output and status. */
static void expect_sh(shh *h, const char *script, const char *out, const char *err, int status) {
  shh_clear_output(h);
  int code = -1;
  ASSERT_OK(shh_sh(h, script, &code));
  if (code != status || strcmp(shh_stdout(h), out) != 0 || strcmp(shh_stderr(h), err) != 0)
    fprintf(stderr, "\nsh -c '%s': status %d (want %d)\n  stdout \"%s\" (want \"%s\")\n  stderr \"%s\" (want \"%s\")\n",
            script, code, status, shh_stdout(h), out, shh_stderr(h), err);
  CU_ASSERT_EQUAL(code, status);
  CU_ASSERT_STRING_EQUAL(shh_stdout(h), out);
  CU_ASSERT_STRING_EQUAL(shh_stderr(h), err);
}

static void expect_argv(shh *h, const char *const *argv, size_t argc, const char *out, const char *err, int status) {
  shh_clear_output(h);
  int code = -1;
  ASSERT_OK(shh_run(h, argv, argc, &code));
  if (code != status || strcmp(shh_stdout(h), out) != 0 || strcmp(shh_stderr(h), err) != 0)
    fprintf(stderr, "\n%s: status %d (want %d)\n  stdout \"%s\" (want \"%s\")\n  stderr \"%s\" (want \"%s\")\n",
            argv[0], code, status, shh_stdout(h), out, shh_stderr(h), err);
  CU_ASSERT_EQUAL(code, status);
  CU_ASSERT_STRING_EQUAL(shh_stdout(h), out);
  CU_ASSERT_STRING_EQUAL(shh_stderr(h), err);
}

/* Start argv/script, wait until it blocks, deliver sig, wait for the end:
 * the exit code (-1 if it did not end within 30 s); *elapsed in seconds. */
static int signal_run(shh *h, const char *script, int sig, double *elapsed) {
  double t0 = now_s();
  shh_start_sh(h, script);
  CU_ASSERT_TRUE(shh_wait_blocked(h, 1, 30000));
  shh_signal(h, sig);
  bool done = shh_join(h, 30000);
  if (elapsed != NULL)
    *elapsed = now_s() - t0;
  CU_ASSERT_TRUE(done);
  CU_ASSERT_EQUAL(h->rc, 0);
  return done ? h->exit_code : -1;
}

/* ---- signals ---- */

static void test_sleep_killed_by_term(void) {
  shh *h = shh_new();
  const char *argv[] = {"sleep", "100"};
  double t0 = now_s();
  shh_start(h, argv, 2);
  CU_ASSERT_TRUE(shh_wait_blocked(h, 1, 30000));
  shh_signal(h, SIGTERM);
  CU_ASSERT_TRUE(shh_join(h, 30000));
  CU_ASSERT_EQUAL(h->exit_code, 143);
  CU_ASSERT_TRUE(now_s() - t0 < 30);
  CU_ASSERT_STRING_EQUAL(shh_stdout(h), "");
  CU_ASSERT_STRING_EQUAL(shh_stderr(h), "");
  shh_free(h);
}

static void test_pid1_kill(void) {
  shh *h = shh_new();
  h->proc.pid = 1;
  const char *argv[] = {"sleep", "100"};
  shh_start(h, argv, 2);
  CU_ASSERT_TRUE(shh_wait_blocked(h, 1, 30000));
  shh_signal(h, SIGKILL);
  CU_ASSERT_TRUE(shh_join(h, 30000));
  CU_ASSERT_EQUAL(h->exit_code, 137);
  shh_free(h);
}

static void test_pid1_ignores_term(void) {
  shh *h = shh_new();
  h->proc.pid = 1;
  const char *argv[] = {"sleep", "0.4"};
  double t0 = now_s();
  shh_start(h, argv, 2);
  CU_ASSERT_TRUE(shh_wait_blocked(h, 1, 30000));
  shh_signal(h, SIGTERM);
  shh_signal(h, SIGINT);
  shh_signal(h, SIGHUP);
  CU_ASSERT_TRUE(shh_join(h, 30000));
  /* the signals were dropped and the sleep ran its full time */
  CU_ASSERT_EQUAL(h->exit_code, 0);
  CU_ASSERT_TRUE(now_s() - t0 >= 0.35);
  shh_free(h);

  h = shh_new();
  h->proc.pid = 1;
  CU_ASSERT_EQUAL(signal_run(h, "sleep 0.2; echo done", SIGTERM, NULL), 0);
  CU_ASSERT_STRING_EQUAL(shh_stdout(h), "done\n");
  shh_free(h);
}

static void test_trap_exit_143(void) {
  /* As with busybox ash in a container: the handler runs once the sleep it
   * interrupted has finished (sleep is another process there). */
  shh *h = shh_new();
  h->proc.pid = 1;
  double elapsed;
  CU_ASSERT_EQUAL(signal_run(h, "trap 'exit 143' TERM; sleep 1", SIGTERM, &elapsed), 143);
  CU_ASSERT_TRUE(elapsed >= 0.9 && elapsed < 30);
  shh_free(h);

  /* SIGINT to pid 1 with a trap on TERM only: ignored, KILL still works */
  h = shh_new();
  h->proc.pid = 1;
  shh_start_sh(h, "trap 'exit 143' TERM; while true; do sleep 1; done");
  CU_ASSERT_TRUE(shh_wait_blocked(h, 1, 30000));
  shh_signal(h, SIGINT);
  CU_ASSERT_FALSE(shh_join(h, 300)); /* still running: the harness kills it */
  CU_ASSERT_EQUAL(h->exit_code, 137);
  shh_free(h);

  /* exec replaces the shell and its handlers: the sleep, pid 1 now, drops TERM */
  h = shh_new();
  h->proc.pid = 1;
  shh_start_sh(h, "trap 'echo handler' TERM; exec sleep 0.3");
  CU_ASSERT_TRUE(shh_wait_blocked(h, 1, 30000));
  shh_signal(h, SIGTERM);
  CU_ASSERT_TRUE(shh_join(h, 30000));
  CU_ASSERT_EQUAL(h->exit_code, 0);
  CU_ASSERT_STRING_EQUAL(shh_stdout(h), "");
  shh_free(h);
}

static void test_trap_handler_then_continue(void) {
  shh *h = shh_new();
  double elapsed;
  CU_ASSERT_EQUAL(signal_run(h, "trap 'echo caught' TERM; sleep 0.3; echo after", SIGTERM, &elapsed), 0);
  CU_ASSERT_STRING_EQUAL(shh_stdout(h), "caught\nafter\n");
  CU_ASSERT_TRUE(elapsed >= 0.25); /* the sleep went on after the handler */
  shh_free(h);

  /* ignored with an empty trap */
  h = shh_new();
  CU_ASSERT_EQUAL(signal_run(h, "trap '' TERM; sleep 0.2; echo survived", SIGTERM, NULL), 0);
  CU_ASSERT_STRING_EQUAL(shh_stdout(h), "survived\n");
  shh_free(h);

  /* the handler's status does not replace $? */
  h = shh_new();
  CU_ASSERT_EQUAL(signal_run(h, "trap 'false' USR1; sleep 0.2; echo $?", SIGUSR1, NULL), 0);
  CU_ASSERT_STRING_EQUAL(shh_stdout(h), "0\n");
  shh_free(h);
}

static void test_loops_are_killable(void) {
  shh *h = shh_new();
  CU_ASSERT_EQUAL(signal_run(h, "while true; do sleep 1; done", SIGTERM, NULL), 143);
  shh_free(h);

  /* a loop that never blocks still takes signals */
  h = shh_new();
  h->proc.pid = 1;
  shh_start_sh(h, "while true; do :; done");
  sleep_ms(100);
  shh_signal(h, SIGKILL);
  CU_ASSERT_TRUE(shh_join(h, 30000));
  CU_ASSERT_EQUAL(h->exit_code, 137);
  shh_free(h);

  h = shh_new();
  shh_start_sh(h, "trap 'echo bye; exit 3' TERM; i=0; while :; do i=$((i+1)); done");
  sleep_ms(100);
  shh_signal(h, SIGTERM);
  CU_ASSERT_TRUE(shh_join(h, 30000));
  CU_ASSERT_EQUAL(h->exit_code, 3);
  CU_ASSERT_STRING_EQUAL(shh_stdout(h), "bye\n");
  shh_free(h);

  h = shh_new();
  shh_start_sh(h, "for i in $(seq 100000000 | head -c 100); do :; done; yes > /dev/null");
  sleep_ms(100);
  shh_signal(h, SIGTERM);
  CU_ASSERT_TRUE(shh_join(h, 30000));
  CU_ASSERT_EQUAL(h->exit_code, 143);
  shh_free(h);
}

static void test_signal_interrupts_read(void) {
  shh *h = shh_new();
  shh_set_stdin(h, "", 0, false);
  CU_ASSERT_EQUAL(signal_run(h, "cat", SIGTERM, NULL), 143);
  shh_free(h);

  /* pid 1 drops it and keeps reading */
  h = shh_new();
  h->proc.pid = 1;
  shh_set_stdin(h, "", 0, false);
  const char *argv[] = {"cat"};
  shh_start(h, argv, 1);
  CU_ASSERT_TRUE(shh_wait_blocked(h, 1, 30000));
  shh_signal(h, SIGTERM);
  CU_ASSERT_TRUE(shh_wait_blocked(h, 2, 30000));
  shh_feed(h, "data\n", 5);
  shh_close_stdin(h);
  CU_ASSERT_TRUE(shh_join(h, 30000));
  CU_ASSERT_EQUAL(h->exit_code, 0);
  CU_ASSERT_STRING_EQUAL(shh_stdout(h), "data\n");
  shh_free(h);

  /* a trap runs while read waits, then read goes on */
  h = shh_new();
  shh_set_stdin(h, "", 0, false);
  shh_start_sh(h, "trap 'echo T' USR1; read x; echo \"got $x\"");
  CU_ASSERT_TRUE(shh_wait_blocked(h, 1, 30000));
  shh_signal(h, SIGUSR1);
  CU_ASSERT_TRUE(shh_wait_blocked(h, 2, 30000));
  shh_feed(h, "v\n", 2);
  CU_ASSERT_TRUE(shh_join(h, 30000));
  CU_ASSERT_EQUAL(h->exit_code, 0);
  CU_ASSERT_STRING_EQUAL(shh_stdout(h), "T\ngot v\n");
  shh_free(h);
}

static void test_kill_applet(void) {
  shh *h = shh_new();
  expect_sh(h, "kill $$; echo no", "", "", 143);
  CU_ASSERT_EQUAL(h->n_kills, 1);
  CU_ASSERT_EQUAL(h->kills[0].pid, 2);
  CU_ASSERT_EQUAL(h->kills[0].sig, SIGTERM);
  h->proc.pid = 1;
  expect_sh(h, "kill $$; echo yes", "yes\n", "", 0);
  expect_sh(h, "trap 'echo got HUP' HUP; kill -HUP $$; echo after", "got HUP\nafter\n", "", 0);
  expect_sh(h, "kill -9 $$; echo no", "", "", 137);
  h->proc.pid = 2;
  h->other_pids[h->n_other_pids++] = 7;
  expect_sh(h, "kill -USR1 7; echo $?; kill 8", "0\n", "sh: can't kill pid 8: No such process\n", 1);
  CU_ASSERT_EQUAL(h->n_kills, 2);
  CU_ASSERT_EQUAL(h->kills[0].pid, 7);
  CU_ASSERT_EQUAL(h->kills[0].sig, SIGUSR1);
  CU_ASSERT_EQUAL(h->kills[1].pid, 8);
  CU_ASSERT_EQUAL(h->kills[1].sig, SIGTERM);
  expect_sh(h, "kill -s KILL 7 && kill -0 7; echo $?", "0\n", "", 0);
  const char *argv[] = {"kill", "-TERM", "8"};
  expect_argv(h, argv, 3, "", "kill: can't kill pid 8: No such process\n", 1);
  shh_free(h);
}

static void test_exit_trap_and_signals(void) {
  shh *h = shh_new();
  CU_ASSERT_EQUAL(signal_run(h, "trap 'echo bye' EXIT; sleep 100", SIGTERM, NULL), 143);
  CU_ASSERT_STRING_EQUAL(shh_stdout(h), "");
  shh_free(h);

  h = shh_new();
  CU_ASSERT_EQUAL(signal_run(h, "trap 'echo bye' EXIT; trap 'exit 7' TERM; sleep 1", SIGTERM, NULL), 7);
  CU_ASSERT_STRING_EQUAL(shh_stdout(h), "bye\n");
  shh_free(h);
}

static void test_trap_waits_for_subshell(void) {
  /* the shell that owns the trap runs it once the pipeline it waits for ends */
  shh *h = shh_new();
  h->proc.pid = 1;
  double elapsed;
  CU_ASSERT_EQUAL(signal_run(h, "trap 'echo T' TERM; sleep 0.3 | cat; echo after", SIGTERM, &elapsed), 0);
  CU_ASSERT_STRING_EQUAL(shh_stdout(h), "T\nafter\n");
  CU_ASSERT_TRUE(elapsed >= 0.25);
  shh_free(h);

  /* an untrapped signal still ends everything at once */
  h = shh_new();
  CU_ASSERT_EQUAL(signal_run(h, "sh -c 'sleep 100'; echo no", SIGTERM, &elapsed), 143);
  CU_ASSERT_STRING_EQUAL(shh_stdout(h), "");
  CU_ASSERT_TRUE(elapsed < 30);
  shh_free(h);
}

static void test_write_failure_is_sigpipe(void) {
  shh *h = shh_new();
  h->fail_writes = true;
  const char *argv[] = {"yes"};
  int code = -1;
  ASSERT_OK(shh_run(h, argv, 1, &code));
  CU_ASSERT_EQUAL(code, 141);
  ASSERT_OK(shh_sh(h, "echo a; echo b", &code));
  CU_ASSERT_EQUAL(code, 141);
  /* pid 1 does not get SIGPIPE: the write just fails */
  h->proc.pid = 1;
  ASSERT_OK(shh_run(h, argv, 1, &code));
  CU_ASSERT_EQUAL(code, 1);
  ASSERT_OK(shh_sh(h, "trap '' PIPE; echo a; echo $? > /tmp/st", &code));
  char *st = shh_read_file(h, "/tmp/st");
  CU_ASSERT_PTR_NOT_NULL_FATAL(st);
  CU_ASSERT_STRING_EQUAL(st, "1\n");
  free(st);
  shh_free(h);
}

/* ---- stdin ---- */

static bool wait_stdout(shh *h, const char *want, int ms) {
  for (int waited = 0; waited < ms; waited += 10) {
    pthread_mutex_lock(&h->lock);
    bool ok = strcmp(shh_stdout(h), want) == 0;
    pthread_mutex_unlock(&h->lock);
    if (ok)
      return true;
    sleep_ms(10);
  }
  return false;
}

static void test_cat_until_half_close(void) {
  shh *h = shh_new();
  shh_set_stdin(h, "", 0, false);
  const char *argv[] = {"cat"};
  shh_start(h, argv, 1);
  CU_ASSERT_TRUE(shh_wait_blocked(h, 1, 30000));
  shh_feed(h, "a", 1);
  CU_ASSERT_TRUE(wait_stdout(h, "a", 30000)); /* copied as it arrives */
  shh_feed(h, "b\n", 2);
  CU_ASSERT_TRUE(wait_stdout(h, "ab\n", 30000));
  CU_ASSERT_FALSE(h->done);
  shh_close_stdin(h);
  CU_ASSERT_TRUE(shh_join(h, 30000));
  CU_ASSERT_EQUAL(h->exit_code, 0);
  CU_ASSERT_STRING_EQUAL(shh_stdout(h), "ab\n");
  shh_free(h);

  /* no stdin attached: end of input at once */
  h = shh_new();
  expect_argv(h, argv, 1, "", "", 0);
  expect_sh(h, "read x; echo $?; cat; wc -c", "1\n0\n", "", 0);
  shh_free(h);
}

static void test_interactive_sh(void) {
  shh *h = shh_new();
  shh_set_stdin(h, "", 0, false);
  const char *argv[] = {"sh"};
  shh_start(h, argv, 1);
  shh_feed(h, "echo one\n", 9);
  CU_ASSERT_TRUE(wait_stdout(h, "one\n", 30000)); /* ran before more input came */
  shh_feed(h, "if true\n", 8);
  CU_ASSERT_TRUE(shh_wait_blocked(h, 2, 30000));
  shh_feed(h, "then echo two; fi\n", 18);
  CU_ASSERT_TRUE(wait_stdout(h, "one\ntwo\n", 30000));
  shh_feed(h, "exit 4\necho never\n", 18);
  CU_ASSERT_TRUE(shh_join(h, 30000));
  CU_ASSERT_EQUAL(h->exit_code, 4);
  CU_ASSERT_STRING_EQUAL(shh_stdout(h), "one\ntwo\n");
  shh_free(h);

  /* a line at a time into read */
  h = shh_new();
  shh_set_stdin(h, "", 0, false);
  shh_start_sh(h, "while read l; do echo \"<$l>\"; done; echo end");
  shh_feed(h, "x\n", 2);
  CU_ASSERT_TRUE(wait_stdout(h, "<x>\n", 30000));
  shh_feed(h, "y\n", 2);
  CU_ASSERT_TRUE(wait_stdout(h, "<x>\n<y>\n", 30000));
  shh_close_stdin(h);
  CU_ASSERT_TRUE(shh_join(h, 30000));
  CU_ASSERT_STRING_EQUAL(shh_stdout(h), "<x>\n<y>\nend\n");
  shh_free(h);
}

/* ---- resolution ---- */

static void expect_resolve(shh *h, const char *argv0, int status, const char *reason) {
  char *why = NULL;
  int rc = mock_shell_resolve(h->fs, h->proc.env, h->proc.n_env, argv0, &why);
  if (rc != status)
    fprintf(stderr, "\nresolve %s: %d (want %d) %s\n", argv0, rc, status, why ? why : "");
  CU_ASSERT_EQUAL(rc, status);
  if (reason == NULL) {
    CU_ASSERT_PTR_NULL(why);
  } else {
    CU_ASSERT_PTR_NOT_NULL(why);
    if (why != NULL) {
      CU_ASSERT_STRING_EQUAL(why, reason);
    }
  }
  free(why);
}

static void test_resolve(void) {
  shh *h = shh_new();
  for (size_t i = 0; mock_shell_applets[i] != NULL; i++) {
    if (i > 0)
      CU_ASSERT_TRUE(strcmp(mock_shell_applets[i - 1], mock_shell_applets[i]) < 0);
    expect_resolve(h, mock_shell_applets[i], 0, NULL);
  }
  expect_resolve(h, "/bin/busybox", 0, NULL);
  expect_resolve(h, "/bin/sh", 0, NULL);
  expect_resolve(h, "nosuch", 127, "exec: \"nosuch\": executable file not found in $PATH");
  expect_resolve(h, "/nosuch", 127, "exec: \"/nosuch\": stat /nosuch: no such file or directory");
  expect_resolve(h, "/etc/passwd", 126, "exec: \"/etc/passwd\": permission denied");
  expect_resolve(h, "/tmp", 126, "exec: \"/tmp\": permission denied");
  shh_write_file(h, "/tmp/script", "#!/bin/sh\necho hi\n", 0755);
  expect_resolve(h, "/tmp/script", 0, NULL);
  shh_write_file(h, "/tmp/plain", "echo hi\n", 0755);
  expect_resolve(h, "/tmp/plain", 126, "exec: \"/tmp/plain\": exec format error");
  shh_write_file(h, "/tmp/lost", "#!/nonexist/sh\n", 0755);
  expect_resolve(h, "/tmp/lost", 127, "exec: \"/tmp/lost\": no such file or directory");
  ASSERT_OK(memfs_symlink(h->fs, "/bin/busybox", "/bin/frobnicate", 0, 0));
  expect_resolve(h, "frobnicate", 0, NULL); /* starts; busybox then says "applet not found" */
  const char *frob[] = {"frobnicate", "x"};
  expect_argv(h, frob, 2, "", "frobnicate: applet not found\n", 127);
  /* PATH comes from the environment */
  ASSERT_OK(memfs_mkdir(h->fs, "/opt", 0755, 0, 0, false));
  shh_write_file(h, "/opt/tool", "#!/bin/sh\necho tool\n", 0755);
  expect_resolve(h, "tool", 127, "exec: \"tool\": executable file not found in $PATH");
  char *env[] = {"PATH=/opt:/bin"};
  char *why = NULL;
  CU_ASSERT_EQUAL(mock_shell_resolve(h->fs, env, 1, "tool", &why), 0);
  CU_ASSERT_PTR_NULL(why);
  shh_free(h);
}

static void test_direct_argv(void) {
  shh *h = shh_new();
  const char *echo[] = {"echo", "-n", "x"};
  expect_argv(h, echo, 3, "x", "", 0);
  const char *bb[] = {"/bin/busybox", "echo", "hi"};
  expect_argv(h, bb, 3, "hi\n", "", 0);
  const char *missing[] = {"nosuch"};
  expect_argv(h, missing, 1, "", "", 127);
  const char *noexec[] = {"/etc/passwd"};
  expect_argv(h, noexec, 1, "", "", 126);
  /* a link to busybox runs the applet named by argv[0] */
  ASSERT_OK(memfs_mkdir(h->fs, "/usr", 0755, 0, 0, false));
  ASSERT_OK(memfs_mkdir(h->fs, "/usr/bin", 0755, 0, 0, false));
  ASSERT_OK(memfs_link(h->fs, "/bin/busybox", "/usr/bin/hardcat"));
  ASSERT_OK(memfs_link(h->fs, "/bin/busybox", "/usr/bin/cat2"));
  const char *hard[] = {"hardcat"};
  expect_argv(h, hard, 1, "", "hardcat: applet not found\n", 127);
  expect_sh(h, "/usr/bin/hardcat", "", "hardcat: applet not found\n", 127);
  ASSERT_OK(memfs_link(h->fs, "/bin/busybox", "/usr/bin/id"));
  ASSERT_OK(memfs_remove(h->fs, "/bin/id", false));
  const char *id[] = {"id", "-u"};
  expect_argv(h, id, 2, "0\n", "", 0);
  /* scripts */
  shh_write_file(h, "/tmp/s", "#!/bin/sh\necho \"script $0 $1\"\nexit 5\n", 0755);
  const char *script[] = {"/tmp/s", "arg"};
  expect_argv(h, script, 2, "script /tmp/s arg\n", "", 5);
  shh_write_file(h, "/tmp/bb", "#!/bin/busybox sh\necho via busybox\n", 0755);
  const char *bbscript[] = {"/tmp/bb"};
  expect_argv(h, bbscript, 1, "via busybox\n", "", 0);
  /* env as the process: the runtime's order, untouched */
  const char *env[] = {"env"};
  expect_argv(h, env, 1,
              "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\nHOSTNAME=testhost\nHOME=/root\n", "",
              0);
  /* exit statuses */
  expect_sh(h, "exit 300", "", "", 44);
  expect_sh(h, "echo out; echo err >&2; printf tail", "out\ntail", "err\n", 0);
  shh_free(h);
}

static void test_identity(void) {
  shh *h = shh_new();
  h->proc.uid = 1000;
  h->proc.gid = 1000;
  expect_sh(h, "id; whoami", "uid=1000 gid=1000 groups=1000\n", "whoami: unknown uid 1000\n", 1);
  h->proc.uid = 33;
  h->proc.gid = 33;
  expect_sh(h, "id; whoami; id -un", "uid=33(www-data) gid=33(www-data) groups=33(www-data)\nwww-data\nwww-data\n", "",
            0);
  h->proc.uid = 0;
  h->proc.gid = 0;
  expect_sh(h, "id", "uid=0(root) gid=0(root) groups=0(root),10(wheel)\n", "", 0);
  /* without /etc/group entries: just the primary group */
  shh_write_file(h, "/etc/group", "root:x:0:\n", 0644);
  expect_sh(h, "id", "uid=0(root) gid=0(root) groups=0(root)\n", "", 0);
  h->proc.hostname = "box1";
  h->proc.cwd = "/tmp";
  expect_sh(h, "hostname; uname -n; pwd; echo $PWD", "box1\nbox1\n/tmp\n/tmp\n", "", 0);
  shh_free(h);
}

/* ---- the filesystem ---- */

static void test_files_and_owners(void) {
  shh *h = shh_new();
  h->proc.uid = 1000;
  h->proc.gid = 1000;
  expect_sh(h, "echo hi > /tmp/x; echo more >> /tmp/x", "", "", 0);
  memfs_stat st;
  ASSERT_OK(memfs_stat_path(h->fs, "/tmp/x", false, &st));
  CU_ASSERT_EQUAL(st.mode, (uint32_t)(S_IFREG | 0644));
  CU_ASSERT_EQUAL(st.uid, 1000);
  CU_ASSERT_EQUAL(st.gid, 1000);
  char *text = shh_read_file(h, "/tmp/x");
  CU_ASSERT_STRING_EQUAL(text, "hi\nmore\n");
  free(text);
  expect_sh(h, "echo x > /etc/passwd", "", "sh: can't create /etc/passwd: Permission denied\n", 1);
  expect_sh(h, "umask 077; mkdir /tmp/d; touch /tmp/d/f; ls -ld /tmp/d | while read m rest; do echo $m; done",
            "drwx------\n", "", 0);
  ASSERT_OK(memfs_stat_path(h->fs, "/tmp/d/f", false, &st));
  CU_ASSERT_EQUAL(st.mode, (uint32_t)(S_IFREG | 0600));
  shh_free(h);

  /* many writes through one descriptor, big files */
  h = shh_new();
  expect_sh(h, "seq 100000 > /tmp/s; wc -l < /tmp/s; tail -n 1 /tmp/s", "100000\n100000\n", "", 0);
  expect_sh(h, "dd if=/dev/zero of=/tmp/big bs=64k count=64 2>/dev/null; wc -c < /tmp/big", "4194304\n", "", 0);
  expect_sh(h, "{ echo a; echo b; } >> /tmp/ab; cat /tmp/ab; mv /tmp/ab /tmp/cd; ls /tmp/ab /tmp/cd", "a\nb\n/tmp/cd\n",
            "ls: /tmp/ab: No such file or directory\n", 1);
  shh_free(h);
}

static void test_output_visible_while_blocked(void) {
  shh *h = shh_new();
  shh_start_sh(h, "{ echo first; sleep 100; echo second; } > /tmp/f");
  CU_ASSERT_TRUE(shh_wait_blocked(h, 1, 30000));
  char *text = shh_read_file(h, "/tmp/f");
  CU_ASSERT_PTR_NOT_NULL(text);
  if (text != NULL) {
    CU_ASSERT_STRING_EQUAL(text, "first\n");
  }
  free(text);
  shh_signal(h, SIGKILL);
  CU_ASSERT_TRUE(shh_join(h, 30000));
  CU_ASSERT_EQUAL(h->exit_code, 137);
  shh_free(h);
}

static void test_pipes_are_bounded(void) {
  shh *h = shh_new();
  /* an endless writer ends when its reader does (SIGPIPE) */
  expect_sh(h, "yes | head -c 100 | wc -c; cat /dev/zero | head -c 10 | wc -c; seq 1 0 1 | head -n 2",
            "100\n10\n1\n1\n", "", 0);
  expect_sh(h, "yes | true; echo $?; cat /dev/zero | head -c 5000000 | wc -c", "0\n5000000\n", "", 0);
  shh_free(h);
}

/* Pipes stream between stages (issue 10): nothing is cut at a buffer size,
 * the counts are busybox's. */
static void test_pipes_stream(void) {
  shh *h = shh_new();
  expect_sh(h, "seq 1 2000000 | wc -c", "14888896\n", "", 0);
  /* through several stages, and with a reader that stops early */
  expect_sh(h, "seq 1 300000 | cat | tail -n 1; seq 1 300000 | cat | head -n 2 | wc -l", "300000\n2\n", "", 0);
  /* $(...) holds all of it too */
  expect_sh(h, "x=$(seq 1 500000); echo ${#x}", "3388894\n", "", 0);
  /* a stage's stderr still comes before the next stage's when it writes
   * less than a pipe holds */
  expect_sh(h, "echo a >&2 | echo b >&2", "", "a\nb\n", 0);
  shh_free(h);
}

/* date -d / touch -d with years no struct tm holds: refused, no int
 * overflow (issue 10; UBSan in the sanitizer build would flag one). */
static void test_extreme_years(void) {
  shh *h = shh_new();
  expect_sh(h, "date -d 99999-01-01", "", "date: invalid date '99999-01-01'\n", 1);
  expect_sh(h, "date -d @99999999999999999999", "", "date: invalid date '@99999999999999999999'\n", 1);
  expect_sh(h, "touch -d 99999-01-01 /tmp/y; echo $?", "1\n", "touch: invalid date '99999-01-01'\n", 0);
  expect_sh(h, "touch -d @99999999999999999999 /tmp/y; echo $?", "1\n", "touch: invalid date '@99999999999999999999'\n",
            0);
  shh_free(h);
}

/* ---- hostile scripts (issue 10): limits, not crashes ---- */

/* prefix + n copies of unit + suffix... as a script (a new string). */
static char *repeat3(const char *head, const char *unit, size_t n, const char *mid, const char *unit2, size_t n2,
                     const char *tail) {
  size_t len = strlen(head) + strlen(unit) * n + strlen(mid) + strlen(unit2) * n2 + strlen(tail) + 1;
  char *s = malloc(len);
  CU_ASSERT_PTR_NOT_NULL_FATAL(s);
  char *p = s;
  p += sprintf(p, "%s", head);
  for (size_t i = 0; i < n; i++)
    p += sprintf(p, "%s", unit);
  p += sprintf(p, "%s", mid);
  for (size_t i = 0; i < n2; i++)
    p += sprintf(p, "%s", unit2);
  sprintf(p, "%s", tail);
  return s;
}

static void expect_sh_free(shh *h, char *script, const char *out, const char *err, int status) {
  expect_sh(h, script, out, err, status);
  free(script);
}

static void test_arith_depth_limit(void) {
  shh *h = shh_new();
  const char *deep = "sh: arithmetic expression nested too deeply\n";
  /* busybox evaluates these (its math.c does not recurse); the mock refuses
   * past SH_MAX_ARITH_DEPTH instead of overflowing the stack */
  expect_sh_free(h, repeat3("echo $((", "(", 100000, "1", ")", 100000, "))"), "", deep, 2);
  expect_sh_free(h, repeat3("echo $((", "-+", 50000, "1", "", 0, "))"), "", deep, 2);
  expect_sh_free(h, repeat3("echo $((", "!", 100000, "1", "", 0, "))"), "", deep, 2);
  expect_sh_free(h, repeat3("echo $((", "~", 50000, "1", "", 0, "))"), "", deep, 2);
  expect_sh_free(h, repeat3("echo $((1", "**1", 100000, "", "", 0, "))"), "", deep, 2);
  expect_sh_free(h, repeat3("echo $((", "1?1:", 100000, "1", "", 0, "))"), "", deep, 2);
  expect_sh_free(h, repeat3("echo $((", "a=", 100000, "1", "", 0, "))"), "", deep, 2);
  /* a variable's value evaluated as an expression shares the budget */
  expect_sh_free(h, repeat3("x='", "(", 400, "1", ")", 400, "'; echo $((x))"), "1\n", "", 0);
  char *x = repeat3("x='", "(", 400, "1", ")", 400, "'; ");
  char *y = repeat3("echo $((", "(", 100, "x", ")", 100, "))");
  size_t xl = strlen(x);
  x = realloc(x, xl + strlen(y) + 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(x);
  strcpy(x + xl, y);
  free(y);
  expect_sh_free(h, x, "", deep, 2);
  /* what scripts use is far below the limit */
  expect_sh_free(h, repeat3("echo $((", "(", 200, "1", ")", 200, ")) $((- - -1)) $((!!!0))"), "1 -1 1\n", "", 0);
  shh_free(h);
}

static void test_arith_overflow(void) {
  shh *h = shh_new();
  /* outputs of Debian's busybox-static 1.35 (x86-64), which wraps */
  expect_sh(h, "echo $((3**200)) $((3**128)) $((2**63)) $((2**64)) $((7**0)) $((0**0))",
            "6627890308811632801 -9204772141784466943 -9223372036854775808 0 1 1\n", "", 0);
  expect_sh(h, "x=-9223372036854775808; echo $((x/=-1)) $x; x=-9223372036854775808; echo $((x%=-1)) $x",
            "-9223372036854775808 -9223372036854775808\n0 0\n", "", 0);
  expect_sh(h, "echo $((-9223372036854775808 / -1)) $((-9223372036854775808 % -1))", "-9223372036854775808 0\n", "", 0);
  /* literals and values read as unsigned 64 bits; 0 past 2^64-1 */
  expect_sh(
      h,
      "x=18446744073709551616; echo $((18446744073709551615)) $((0xffffffffffffffff)) $((x)) $((-9223372036854775809))",
      "-1 -1 0 9223372036854775807\n", "", 0);
  /* a huge exponent is O(log n), not a loop of 2^62 multiplications */
  expect_sh(h, "echo $((1**4611686018427387904)) $((-1**4611686018427387905))", "1 -1\n", "", 0);
  expect_sh(h, "echo $((3**-1))", "", "sh: exponent less than 0\n", 2);
  shh_free(h);
}

static void test_expand_depth_limit(void) {
  shh *h = shh_new();
  const char *deep = "sh: expansion nested too deeply\n";
  expect_sh_free(h, repeat3("echo ", "${x:-", 20000, "a", "}", 20000, ""), "", deep, 2);
  expect_sh_free(h, repeat3("echo ", "\"${x:-", 20000, "a", "}\"", 20000, ""), "", deep, 2);
  expect_sh_free(h, repeat3("echo ", "${x:+", 20000, "a", "}", 20000, "; echo after"), "\nafter\n", "", 0);
  expect_sh_free(h, repeat3("x=1; echo ", "${x:+", 20000, "a", "}", 20000, "; echo after"), "", deep, 2);
  /* a deep but reasonable nesting works */
  expect_sh_free(h, repeat3("echo ", "${x:-", 40, "a", "}", 40, ""), "a\n", "", 0);
  shh_free(h);
}

/* A container filesystem with limits: writes fail as on a full disk, with
 * busybox's messages (measured on a 1 MiB tmpfs), and never grow a buffer
 * past the limit. */
static void test_full_disk(void) {
  shh *h = shh_new();
  /* 3 MiB on top of what the image holds (/bin/busybox) */
  memfs_set_limits(h->fs, 1 << 20, memfs_size(h->fs) + (3 << 20));
  expect_sh(h, "dd if=/dev/zero of=/tmp/f bs=1M count=2; echo $?; wc -c < /tmp/f", "1\n1048576\n",
            "dd: error writing '/tmp/f': No space left on device\n2+0 records in\n1+0 records out\n", 0);
  expect_sh(h, "cat /dev/zero > /tmp/g; echo $?; test $(wc -c < /tmp/g) -le 1048576 && echo bounded", "1\nbounded\n",
            "cat: write error: No space left on device\n", 0);
  /* the total: 2 MiB used of 3 (g holds what fitted below 1 MiB) */
  expect_sh(h,
            "dd if=/dev/zero of=/tmp/h bs=512k count=2 2>/dev/null; echo $?; dd if=/dev/zero of=/tmp/i bs=64k count=1",
            "0\n", "dd: error writing '/tmp/i': No space left on device\n1+0 records in\n1+0 records out\n", 1);
  expect_sh(h, "rm /tmp/f /tmp/g; echo hi > /tmp/i; cat /tmp/i", "hi\n", "", 0);
  shh_free(h);
}

void test_register(void) {
  CU_pSuite bb = CU_add_suite("busybox cases", NULL, NULL);
  CU_add_test(bb, "syntax errors", test_bb_syntax);
  CU_pSuite hostile = CU_add_suite("hostile scripts", NULL, NULL);
  CU_add_test(hostile, "arithmetic nesting is limited", test_arith_depth_limit);
  CU_add_test(hostile, "arithmetic wraps like busybox", test_arith_overflow);
  CU_add_test(hostile, "expansion nesting is limited", test_expand_depth_limit);
  CU_add_test(hostile, "a full filesystem", test_full_disk);
  CU_add_test(bb, "lists and conditions", test_bb_lists);
  CU_add_test(bb, "quoting and expansion", test_bb_expand);
  CU_add_test(bb, "arithmetic", test_bb_arith);
  CU_add_test(bb, "globbing", test_bb_glob);
  CU_add_test(bb, "compound commands", test_bb_compound);
  CU_add_test(bb, "redirections", test_bb_redir);
  CU_add_test(bb, "builtins", test_bb_builtins);
  CU_add_test(bb, "scripts and resolution", test_bb_exec);
  CU_add_test(bb, "echo", test_bb_echo);
  CU_add_test(bb, "printf", test_bb_printf);
  CU_add_test(bb, "ls", test_bb_ls);
  CU_add_test(bb, "file applets", test_bb_files);
  CU_add_test(bb, "text applets", test_bb_text);
  CU_add_test(bb, "identity and system", test_bb_system);
  CU_add_test(bb, "test and [", test_bb_test);
  CU_add_test(bb, "pipelines", test_bb_pipes);
  CU_add_test(bb, "stdin", test_bb_stdin);
  CU_add_test(bb, "unprivileged users", test_bb_nonroot);

  CU_pSuite sig = CU_add_suite("signals", NULL, NULL);
  CU_add_test(sig, "TERM ends a sleeping process", test_sleep_killed_by_term);
  CU_add_test(sig, "KILL ends pid 1", test_pid1_kill);
  CU_add_test(sig, "pid 1 ignores untrapped signals", test_pid1_ignores_term);
  CU_add_test(sig, "trap 'exit 143' TERM", test_trap_exit_143);
  CU_add_test(sig, "trap handlers run and the script goes on", test_trap_handler_then_continue);
  CU_add_test(sig, "loops take signals", test_loops_are_killable);
  CU_add_test(sig, "signals while reading stdin", test_signal_interrupts_read);
  CU_add_test(sig, "kill", test_kill_applet);
  CU_add_test(sig, "EXIT trap", test_exit_trap_and_signals);
  CU_add_test(sig, "traps wait for subshells", test_trap_waits_for_subshell);
  CU_add_test(sig, "write failures are SIGPIPE", test_write_failure_is_sigpipe);

  CU_pSuite in = CU_add_suite("stdin", NULL, NULL);
  CU_add_test(in, "cat copies stdin until it is closed", test_cat_until_half_close);
  CU_add_test(in, "sh runs commands as lines arrive", test_interactive_sh);

  CU_pSuite res = CU_add_suite("resolution", NULL, NULL);
  CU_add_test(res, "mock_shell_resolve", test_resolve);
  CU_add_test(res, "processes started with argv", test_direct_argv);
  CU_add_test(res, "identity", test_identity);

  CU_pSuite fs = CU_add_suite("filesystem", NULL, NULL);
  CU_add_test(fs, "files, modes and owners", test_files_and_owners);
  CU_add_test(fs, "output visible while the process blocks", test_output_visible_while_blocked);
  CU_add_test(fs, "pipes are bounded", test_pipes_are_bounded);
  CU_add_test(fs, "pipes stream between stages", test_pipes_stream);
  CU_add_test(fs, "date -d and touch -d with extreme years", test_extreme_years);
}
