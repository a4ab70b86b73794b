/* SPDX-License-Identifier: MIT */
/* Lifetimes that forgive (issue 10): streams and exec sessions hold their
 * runtime, so ctrt_close while they are open leaves them working and the
 * backend closes with the last of them; a second ctrt_close is refused
 * with an error instead of freeing twice. Run under valgrind
 * (memcheck.test_mock_lifetimes): a read of freed memory fails it. */
#include "test_support.h"

#include "fixtures.h"

#include <stdlib.h>
#include <string.h>

static ctrt_fixture_image *image;

static int setup(void) {
  ctrt_fixture_image_options o = CTRT_FIXTURE_IMAGE_OPTIONS_INIT;
  return ctrt_fixture_image_build(&image, &o) < 0 ? -1 : 0;
}

static int teardown(void) {
  ctrt_fixture_image_free(image);
  return 0;
}

/* A mock with the fixture image loaded. */
static ctrt_runtime *open_with(const ctrt_open_options *options) {
  ctrt_runtime *rt = NULL;
  ASSERT_OK(ctrt_open_with_options(&rt, "mock:", options));
  ctrt_byte_source *src = NULL;
  ctrt_load_progress_stream *s = NULL;
  ASSERT_OK(ctrt_byte_source_from_buffer(&src, image->archive.data, image->archive.len));
  ASSERT_OK(ctrt_runtime_load_images(rt, &s, src, true));
  for (ctrt_load_progress *p = NULL; ctrt_load_progress_stream_next(&p, s) == 0; p = NULL)
    ctrt_load_progress_free(p);
  ctrt_load_progress_stream_close(s);
  ctrt_byte_source_free(src);
  return rt;
}

static ctrt_runtime *open_loaded(void) { return open_with(NULL); }

static void run(ctrt_runtime *rt, const char *service, const char *script) {
  char *args[] = {"sh", "-c", (char *)script};
  ctrt_command_spec cmd = CTRT_COMMAND_SPEC_INIT;
  cmd.has_args = true;
  cmd.args = args;
  cmd.n_args = 3;
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  spec.image.name = CTRT_FIXTURE_IMAGE_REF;
  spec.command = &cmd;
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = (char *)service;
  ASSERT_OK(ctrt_runtime_create_container(rt, &id, &spec));
  ASSERT_OK(ctrt_runtime_start_container(rt, &id));
}

static void test_stream_outlives_close(void) {
  ctrt_runtime *rt = open_loaded();
  /* prints one line, then sleeps: a follow stream
   * that stays open */
  run(rt, "lifetime-logs", "echo first; sleep 600");
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = "lifetime-logs";
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.follow = true;
  ctrt_logs_stream *s = NULL;
  ASSERT_OK(ctrt_runtime_logs_stream(rt, &s, &id, &o));
  ctrt_close(rt);
  /* the stream still reads, from a runtime the caller has let go */
  ctrt_log_chunk *got = NULL;
  ASSERT_OK(ctrt_logs_stream_next(&got, s));
  CU_ASSERT(got != NULL && got->data.len == 6 && memcmp(got->data.data, "first\n", 6) == 0);
  ctrt_log_chunk_free(got);
  /* closing the last holder closes the backend (and its container) */
  ctrt_logs_stream_close(s);
}

static void test_exec_session_outlives_close(void) {
  ctrt_runtime *rt = open_loaded();
  run(rt, "lifetime-exec", "sleep 600");
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = "lifetime-exec";
  char *command[] = {"cat"};
  ctrt_exec_options eo = CTRT_EXEC_OPTIONS_INIT;
  eo.command = command;
  eo.n_command = 1;
  eo.attach_stdin = eo.attach_stdout = eo.attach_stderr = true;
  ctrt_exec_handle *h = NULL;
  ASSERT_OK(ctrt_runtime_exec_pty(rt, &h, &id, &eo));
  /* and a second holder: both keep the runtime */
  ctrt_stats_stream *stats = NULL;
  ASSERT_OK(ctrt_runtime_stats_stream(rt, &stats, &id));
  ctrt_close(rt);
  ASSERT_OK(ctrt_exec_handle_write(h, "ping\n", 5));
  ASSERT_OK(ctrt_exec_handle_close_stdin(h));
  char buf[64];
  size_t used = 0, n = 0;
  int rc;
  while (used < sizeof buf && (rc = ctrt_exec_handle_read(h, NULL, buf + used, sizeof buf - used, &n)) == 0)
    used += n;
  CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
  CU_ASSERT(used == 5 && memcmp(buf, "ping\n", 5) == 0);
  int32_t code = -1;
  ASSERT_OK(ctrt_exec_handle_wait(h, &code));
  CU_ASSERT_EQUAL(code, 0);
  ctrt_exec_handle_free(h);
  /* the stats stream is the last holder now */
  ctrt_stats_sample *sample = NULL;
  ASSERT_OK(ctrt_stats_stream_next(&sample, stats));
  CU_ASSERT_PTR_NOT_NULL(sample);
  ctrt_stats_sample_free(sample);
  ctrt_stats_stream_close(stats);
}

static void test_close_twice(void) {
  ctrt_runtime *rt = NULL;
  ASSERT_OK(ctrt_open(&rt, "mock:"));
  ctrt_close(rt);
  /* refused, not freed again (valgrind would see the second free) */
  ctrt_error_clear();
  ctrt_close(rt);
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "closed twice"));
  /* and while a stream holds it: the first close lets go of the caller's
   * handle only, the second is refused all the same */
  rt = open_loaded();
  run(rt, "lifetime-twice", "sleep 600");
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = "lifetime-twice";
  ctrt_stats_stream *stats = NULL;
  ASSERT_OK(ctrt_runtime_stats_stream(rt, &stats, &id));
  ctrt_close(rt);
  ctrt_error_clear();
  ctrt_close(rt);
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_INVALID_ARGUMENT);
  ctrt_stats_sample *sample = NULL;
  ASSERT_OK(ctrt_stats_stream_next(&sample, stats));
  ctrt_stats_sample_free(sample);
  ctrt_stats_stream_close(stats);
  ctrt_close(NULL); /* NULL-safe */
}

/* A follow of a container that prints nothing ends with a timeout when the
 * runtime has a stream idle limit, instead of waiting forever. */
static void test_follow_idle_timeout(void) {
  ctrt_open_options oo = CTRT_OPEN_OPTIONS_INIT;
  oo.stream_idle_timeout_ms = 200;
  ctrt_runtime *rt = open_with(&oo);
  run(rt, "silent", "echo one; sleep 600");
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = "silent";
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.follow = true;
  ctrt_logs_stream *s = NULL;
  ASSERT_OK(ctrt_runtime_logs_stream(rt, &s, &id, &o));
  ctrt_log_chunk *got = NULL;
  ASSERT_OK(ctrt_logs_stream_next(&got, s));
  ctrt_log_chunk_free(got);
  got = NULL;
  ASSERT_FAILS_WITH(ctrt_logs_stream_next(&got, s), CTRT_ERROR_TIMEOUT);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "stream_idle_timeout_ms"));
  CU_ASSERT_PTR_NULL(got);
  /* the error ended the stream */
  CU_ASSERT_EQUAL(ctrt_logs_stream_next(&got, s), CTRT_ITEROVER);
  ctrt_logs_stream_close(s);
  ctrt_close(rt);
}

/* Bytes `seq 1 n` prints for line k alone. */
static uint64_t line_len(uint64_t k) {
  uint64_t len = 1;
  for (; k > 0; k /= 10)
    len++;
  return len;
}

static uint64_t first_line_of(ctrt_logs_stream *s) {
  ctrt_log_chunk *got = NULL;
  ASSERT_OK(ctrt_logs_stream_next(&got, s));
  char text[32] = "";
  if (got != NULL && got->data.len < sizeof text)
    memcpy(text, got->data.data, got->data.len);
  ctrt_log_chunk_free(got);
  return strtoull(text, NULL, 10);
}

/* Past the mock's 16 MiB log cap the oldest lines go, one by one (issue 10:
 * the eviction is O(1) now; this checks what it keeps, not its speed): the
 * log is the longest suffix of the output that fits in the cap. */
static void test_log_ring_eviction(void) {
  ctrt_runtime *rt = open_loaded();
  const uint64_t n = 2300000, cap = 16u << 20;
  run(rt, "ring", "seq 1 2300000");
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = "ring";
  int32_t code = -1;
  ASSERT_OK(ctrt_runtime_wait_container(rt, &code, &id));
  CU_ASSERT_EQUAL(code, 0);
  uint64_t first = n, kept = line_len(n);
  while (first > 1 && kept + line_len(first - 1) <= cap)
    kept += line_len(--first);
  CU_ASSERT_TRUE(first > 1); /* something was evicted */
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  ctrt_logs_stream *s = NULL;
  ASSERT_OK(ctrt_runtime_logs_stream(rt, &s, &id, &o));
  CU_ASSERT_EQUAL(first_line_of(s), first);
  ctrt_logs_stream_close(s);
  o.has_tail = true;
  o.tail = 2;
  ASSERT_OK(ctrt_runtime_logs_stream(rt, &s, &id, &o));
  CU_ASSERT_EQUAL(first_line_of(s), n - 1);
  CU_ASSERT_EQUAL(first_line_of(s), n);
  ctrt_log_chunk *got = NULL;
  CU_ASSERT_EQUAL(ctrt_logs_stream_next(&got, s), CTRT_ITEROVER);
  ctrt_logs_stream_close(s);
  ctrt_close(rt);
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("lifetimes", setup, teardown);
  CU_add_test(s, "a follow stream outlives ctrt_close", test_stream_outlives_close);
  CU_add_test(s, "an exec session and a stats stream outlive ctrt_close", test_exec_session_outlives_close);
  CU_add_test(s, "ctrt_close twice is refused", test_close_twice);
  CU_add_test(s, "a silent follow ends at the stream idle timeout", test_follow_idle_timeout);
  CU_add_test(s, "the log ring keeps the newest 16 MiB", test_log_ring_eviction);
}
