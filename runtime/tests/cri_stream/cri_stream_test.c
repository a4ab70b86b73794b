/* The cri backend's logic that needs no engine: top's reading of ps(1)
 * output (titles, PID filter, a command column with spaces, malformed
 * output) and the wrapping of exec options CRI's Exec has no field for. */
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

void test_register(void) {
  CU_pSuite s = CU_add_suite("cri_stream", NULL, NULL);
  CU_add_test(s, "top_filters_by_pid", test_top_filters_by_pid);
  CU_add_test(s, "top_no_match", test_top_no_match);
  CU_add_test(s, "top_aux_and_short_rows", test_top_aux_and_short_rows);
  CU_add_test(s, "top_malformed", test_top_malformed);
  CU_add_test(s, "wrap_argv", test_wrap_argv);
}
