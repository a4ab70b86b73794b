/* The cri backend's logic that needs no engine: top's reading of ps(1)
 * output (titles, PID filter, a command column with spaces, malformed
 * output), the wrapping of exec options CRI's Exec has no field for, the
 * user lookup of containerd's native exec and its restarted task's logger
 * URI. */
#include "backends/cri/cri_internal.h"

#include "test_support.h"

static const char PS_EF[] = "UID          PID    PPID  C STIME TTY          TIME CMD\n"
                            "root           1       0  0 Dec06 ?        00:00:03 /sbin/init splash\n"
                            "root        4242    4200  0 00:10 ?        00:00:00 sleep 600\n"
                            "65534       4243    4242  0 00:10 pts/0    00:00:00 sh -c echo  two   spaces\n"
                            "root        9999       1  0 00:11 ?        00:00:00 other\n";

static void test_top_filters_by_pid(void) {
  static const uint32_t pids[] = {4242, 4243};
  ctrt_container_top_output *top = NULL;
  CU_ASSERT_EQUAL_FATAL(ctrt__cri_top_parse(PS_EF, pids, 2, &top), 0);
  CU_ASSERT_EQUAL(top->n_titles, 8);
  CU_ASSERT_STRING_EQUAL(top->titles[1], "PID");
  CU_ASSERT_STRING_EQUAL(top->titles[7], "CMD");
  CU_ASSERT_EQUAL_FATAL(top->n_processes, 2);
  CU_ASSERT_EQUAL(top->processes[0].n_items, 8);
  CU_ASSERT_STRING_EQUAL(top->processes[0].items[1], "4242");
  CU_ASSERT_STRING_EQUAL(top->processes[0].items[7], "sleep 600");
  /* The last column keeps its inner spacing, as ps printed it. */
  CU_ASSERT_STRING_EQUAL(top->processes[1].items[5], "pts/0");
  CU_ASSERT_STRING_EQUAL(top->processes[1].items[7], "sh -c echo  two   spaces");
  ctrt_container_top_output_free(top);
}

static void test_top_no_match(void) {
  static const uint32_t pids[] = {12345};
  ctrt_container_top_output *top = NULL;
  CU_ASSERT_EQUAL_FATAL(ctrt__cri_top_parse(PS_EF, pids, 1, &top), 0);
  CU_ASSERT_EQUAL(top->n_titles, 8);
  CU_ASSERT_EQUAL(top->n_processes, 0);
  ctrt_container_top_output_free(top);
}

static void test_top_aux_and_short_rows(void) {
  /* ps aux: PID is the second column; a row with fewer words than titles
   * (cut output) is dropped rather than misaligned. */
  static const char aux[] = "USER PID %CPU %MEM VSZ RSS TTY STAT START TIME COMMAND\n"
                            "root 77 0.0 0.1 1312 4 ? Ss 00:10 0:00 sleep infinity\n"
                            "root 78 0.0\n";
  static const uint32_t pids[] = {77, 78};
  ctrt_container_top_output *top = NULL;
  CU_ASSERT_EQUAL_FATAL(ctrt__cri_top_parse(aux, pids, 2, &top), 0);
  CU_ASSERT_EQUAL(top->n_titles, 11);
  CU_ASSERT_EQUAL_FATAL(top->n_processes, 1);
  CU_ASSERT_STRING_EQUAL(top->processes[0].items[0], "root");
  CU_ASSERT_STRING_EQUAL(top->processes[0].items[10], "sleep infinity");
  ctrt_container_top_output_free(top);
}

static void test_top_malformed(void) {
  static const uint32_t pids[] = {1};
  ctrt_container_top_output *top = NULL;
  ASSERT_FAILS_WITH(ctrt__cri_top_parse("USER COMMAND\nroot sh\n", pids, 1, &top), CTRT_ERROR_INTERNAL);
  CU_ASSERT_PTR_NULL(top);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "no PID column"));
  ASSERT_FAILS_WITH(ctrt__cri_top_parse("", pids, 1, &top), CTRT_ERROR_INTERNAL);
  CU_ASSERT_PTR_NULL(top);
}

static void test_wrap_argv(void) {
  char *command[] = {"sh", "-c", "echo \"$MOOD\""};
  char *env[] = {"MOOD=calm", "X=1"};
  ctrt_exec_options o = CTRT_EXEC_OPTIONS_INIT;
  o.command = command;
  o.n_command = 3;
  const char **argv = NULL;
  size_t n = 0;
  /* Nothing to wrap: the command as it is. */
  CU_ASSERT_EQUAL_FATAL(ctrt__cri_wrap_argv(&o, "exec_pty", &argv, &n), 0);
  CU_ASSERT_EQUAL(n, 3);
  CU_ASSERT_STRING_EQUAL(argv[0], "sh");
  ctrt__free(argv);
  /* env first, then the working directory, then the command. */
  o.env = env;
  o.n_env = 2;
  o.working_dir = "/tmp";
  CU_ASSERT_EQUAL_FATAL(ctrt__cri_wrap_argv(&o, "exec_pty", &argv, &n), 0);
  static const char *const want[] = {
      "env", "MOOD=calm", "X=1", "sh", "-c", "cd \"$0\" && exec \"$@\"", "/tmp", "sh", "-c", "echo \"$MOOD\""};
  CU_ASSERT_EQUAL_FATAL(n, 10);
  for (size_t i = 0; i < n; i++)
    CU_ASSERT_STRING_EQUAL(argv[i], want[i]);
  ctrt__free(argv);
  /* A user cannot be honoured: refused, naming the method. */
  o.user = "nobody";
  ASSERT_FAILS_WITH(ctrt__cri_wrap_argv(&o, "exec_pty", &argv, &n), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_PTR_NULL(argv);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "exec_pty"));
}

static const char PASSWD[] = "root:x:0:0:root:/root:/bin/sh\n"
                             "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                             "nobody:x:65534:65534:nobody:/home:/bin/false";
static const char GROUP[] = "root:x:0:\n"
                            "daemon:x:1:\n"
                            "wheel:x:10:root,daemon\n"
                            "audio:x:29:nobody\n"
                            "nogroup:x:65533:\n"
                            "nobody:x:65534:";

static void test_user_lookup(void) {
  ctrt__cri_user u;
  CU_ASSERT_EQUAL_FATAL(ctrt__cri_user_lookup("nobody", PASSWD, GROUP, "t", &u), 0);
  CU_ASSERT_EQUAL(u.uid, 65534);
  CU_ASSERT_EQUAL(u.gid, 65534);
  CU_ASSERT_EQUAL_FATAL(u.n_extra, 1);
  CU_ASSERT_EQUAL(u.extra[0], 29); /* audio lists nobody (the last line has no newline) */
  CU_ASSERT_EQUAL_FATAL(ctrt__cri_user_lookup("daemon:nogroup", PASSWD, GROUP, "t", &u), 0);
  CU_ASSERT_EQUAL(u.uid, 1);
  CU_ASSERT_EQUAL(u.gid, 65533);
  CU_ASSERT_EQUAL_FATAL(u.n_extra, 1);
  CU_ASSERT_EQUAL(u.extra[0], 10);
  /* Numeric: the passwd entry gives the primary group; none gives 0. */
  CU_ASSERT_EQUAL_FATAL(ctrt__cri_user_lookup("1", PASSWD, GROUP, "t", &u), 0);
  CU_ASSERT_EQUAL(u.gid, 1);
  CU_ASSERT_EQUAL_FATAL(ctrt__cri_user_lookup("1234:5678", NULL, NULL, "t", &u), 0);
  CU_ASSERT_EQUAL(u.uid, 1234);
  CU_ASSERT_EQUAL(u.gid, 5678);
  CU_ASSERT_EQUAL(u.n_extra, 0);
  CU_ASSERT_EQUAL_FATAL(ctrt__cri_user_lookup("4321", PASSWD, GROUP, "t", &u), 0);
  CU_ASSERT_EQUAL(u.uid, 4321);
  CU_ASSERT_EQUAL(u.gid, 0);
  /* A prefix of a name is not the name. */
  CU_ASSERT_EQUAL(ctrt__cri_user_lookup("nob", PASSWD, GROUP, "t", &u), CTRT_EINVALID_SPEC);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "unable to find user nob"));
  CU_ASSERT_EQUAL(ctrt__cri_user_lookup("nobody:nosuch", PASSWD, GROUP, "t", &u), CTRT_EINVALID_SPEC);
  CU_ASSERT_EQUAL(ctrt__cri_user_lookup("nobody", NULL, NULL, "t", &u), CTRT_EINVALID_SPEC);
  ctrt_error_clear();
}

static void test_logger_uri(void) {
  /* Percent-encoded past [A-Za-z0-9-_.~] (Go's query parser drops a pair
   * with a raw ';', and '+' would be a space); the log path single-quoted. */
  char *uri = ctrt__cri_logger_uri("/var/log/it's/c.log");
  CU_ASSERT_PTR_NOT_NULL_FATAL(uri);
  CU_ASSERT_EQUAL(strncmp(uri, "binary:///bin/sh?-c=L%3D%27%2Fvar%2Flog%2Fit%27%5C%27%27s%2Fc.log%27%3B%20", 72), 0);
  CU_ASSERT_PTR_NULL(strpbrk(uri + strlen("binary:///bin/sh?-c="), ";+ '&=\"\n"));
  ctrt__free(uri);
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("cri_stream", NULL, NULL);
  CU_add_test(s, "top_filters_by_pid", test_top_filters_by_pid);
  CU_add_test(s, "top_no_match", test_top_no_match);
  CU_add_test(s, "top_aux_and_short_rows", test_top_aux_and_short_rows);
  CU_add_test(s, "top_malformed", test_top_malformed);
  CU_add_test(s, "wrap_argv", test_wrap_argv);
  CU_add_test(s, "user_lookup", test_user_lookup);
  CU_add_test(s, "logger_uri", test_logger_uri);
}
