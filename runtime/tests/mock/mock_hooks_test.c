/* SPDX-License-Identifier: MIT */
/* The mock's scripting hooks (ctrt/mock.h): queued log chunks, log errors,
 * stats samples and pull progress are drained in order, before what the
 * mock produces itself; the hooks refuse other backends. */
#include "test_support.h"

#include <ctrt/mock.h>

#include "fixtures.h"

#include <string.h>

static ctrt_runtime *rt;
static ctrt_fixture_image *image;

/* Open the mock with options and load the fixture image into it. */
static int open_loaded(const ctrt_open_options *options) {
  ctrt_fixture_image_options o = CTRT_FIXTURE_IMAGE_OPTIONS_INIT;
  if (ctrt_open_with_options(&rt, "mock:", options) < 0 || ctrt_fixture_image_build(&image, &o) < 0)
    return -1;
  ctrt_byte_source *src = NULL;
  ctrt_load_progress_stream *s = NULL;
  int rc = ctrt_byte_source_from_buffer(&src, image->archive.data, image->archive.len);
  if (rc == 0)
    rc = ctrt_runtime_load_images(rt, &s, src, true);
  for (ctrt_load_progress *p = NULL; rc == 0 && ctrt_load_progress_stream_next(&p, s) == 0; p = NULL)
    ctrt_load_progress_free(p);
  ctrt_load_progress_stream_close(s);
  ctrt_byte_source_free(src);
  return rc;
}

static int setup(void) { return open_loaded(NULL); }

static int teardown(void) {
  ctrt_close(rt);
  ctrt_fixture_image_free(image);
  return 0;
}

static ctrt_container_id id_of(const char *service) {
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = (char *)service;
  return id;
}

static void create(const ctrt_container_id *id, const char *script) {
  char *args[] = {"sh", "-c", (char *)script};
  ctrt_command_spec cmd = CTRT_COMMAND_SPEC_INIT;
  cmd.has_args = true;
  cmd.args = args;
  cmd.n_args = 3;
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  spec.image.name = CTRT_FIXTURE_IMAGE_REF;
  spec.command = &cmd;
  ASSERT_OK(ctrt_runtime_create_container(rt, id, &spec));
}

static void test_log_chunks_then_error(void) {
  /* Queued before the container even exists. */
  ctrt_container_id id = id_of("hooks-logs");
  ctrt_log_chunk chunk = CTRT_LOG_CHUNK_INIT;
  chunk.stream = CTRT_LOG_CHANNEL_STDERR;
  chunk.data.data = (uint8_t *)"first";
  chunk.data.len = 5;
  ASSERT_OK(ctrt_mock_push_log_chunk(rt, &id, &chunk));
  chunk.stream = CTRT_LOG_CHANNEL_STDOUT;
  chunk.data.data = (uint8_t *)"second";
  chunk.data.len = 6;
  ASSERT_OK(ctrt_mock_push_log_chunk(rt, &id, &chunk));
  ASSERT_OK(ctrt_mock_push_log_error(rt, &id, CTRT_ERROR_NETWORK, "scripted outage"));
  create(&id, "echo real");
  ASSERT_OK(ctrt_runtime_start_container(rt, &id));
  int32_t code;
  ASSERT_OK(ctrt_runtime_wait_container(rt, &code, &id));

  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  ctrt_logs_stream *s = NULL;
  ASSERT_OK(ctrt_runtime_logs_stream(rt, &s, &id, &o));
  ctrt_log_chunk *got = NULL;
  ASSERT_OK(ctrt_logs_stream_next(&got, s));
  CU_ASSERT_EQUAL(got->stream, CTRT_LOG_CHANNEL_STDERR);
  CU_ASSERT(got->data.len == 5 && memcmp(got->data.data, "first", 5) == 0);
  ctrt_log_chunk_free(got);
  ASSERT_OK(ctrt_logs_stream_next(&got, s));
  CU_ASSERT(got->data.len == 6 && memcmp(got->data.data, "second", 6) == 0);
  ctrt_log_chunk_free(got);
  got = NULL;
  ASSERT_FAILS_WITH(ctrt_logs_stream_next(&got, s), CTRT_ERROR_NETWORK);
  CU_ASSERT_STRING_EQUAL(ctrt_error_last()->message, "scripted outage");
  CU_ASSERT_PTR_NULL(got);
  /* The error ended the stream. */
  CU_ASSERT_EQUAL(ctrt_logs_stream_next(&got, s), CTRT_ITEROVER);
  ctrt_logs_stream_close(s);

  /* The queue is drained: a new stream gives the real log. */
  ASSERT_OK(ctrt_runtime_logs_stream(rt, &s, &id, &o));
  ASSERT_OK(ctrt_logs_stream_next(&got, s));
  CU_ASSERT(got->data.len == 5 && memcmp(got->data.data, "real\n", 5) == 0);
  ctrt_log_chunk_free(got);
  CU_ASSERT_EQUAL(ctrt_logs_stream_next(&got, s), CTRT_ITEROVER);
  ctrt_logs_stream_close(s);
  ASSERT_OK(ctrt_runtime_remove_container(rt, &id));
}

static void test_stats_samples_in_order(void) {
  ctrt_container_id id = id_of("hooks-stats");
  create(&id, "sleep 600");
  ASSERT_OK(ctrt_runtime_start_container(rt, &id));
  for (uint64_t i = 1; i <= 3; i++) {
    ctrt_stats_sample sample = CTRT_STATS_SAMPLE_INIT;
    sample.cpu_total_ns = i * 1000;
    sample.online_cpus = 4;
    ASSERT_OK(ctrt_mock_push_stats_sample(rt, &id, &sample));
  }
  ctrt_stats_stream *s = NULL;
  ASSERT_OK(ctrt_runtime_stats_stream(rt, &s, &id));
  for (uint64_t i = 1; i <= 3; i++) {
    ctrt_stats_sample *got = NULL;
    ASSERT_OK(ctrt_stats_stream_next(&got, s));
    CU_ASSERT_EQUAL(got->cpu_total_ns, i * 1000);
    CU_ASSERT_EQUAL(got->online_cpus, 4);
    ctrt_stats_sample_free(got);
  }
  /* Then the mock's own samples. */
  ctrt_stats_sample *got = NULL;
  ASSERT_OK(ctrt_stats_stream_next(&got, s));
  CU_ASSERT(got->pids_current >= 1);
  ctrt_stats_sample_free(got);
  ctrt_stats_stream_close(s);
  ASSERT_OK(ctrt_runtime_remove_container(rt, &id));
}

static void test_pull_progress_scripted(void) {
  const char *ref = "127.0.0.1:5999/scripted/image:v1";
  ctrt_pull_progress p = CTRT_PULL_PROGRESS_INIT;
  p.kind = CTRT_PULL_PROGRESS_STATUS;
  p.status = (ctrt_pull_progress_status)CTRT_PULL_PROGRESS_STATUS_INIT;
  p.status.status = "Waiting";
  ASSERT_OK(ctrt_mock_push_pull_progress(rt, ref, &p));
  /* No registry serves the host yet: the scripted event comes, then the
   * pull fails as from a registry nothing listens on. */
  ctrt_pull_progress_stream *s = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_pull_image_stream(rt, &s, ref, NULL), CTRT_ERROR_PULL_FAILED);

  /* Served by the registry: scripted first, then the real progress. */
  ctrt_byte_source *src = NULL;
  ASSERT_OK(ctrt_byte_source_from_buffer(&src, image->archive.data, image->archive.len));
  ASSERT_OK(ctrt_mock_registry_add(rt, ref, src, NULL, NULL));
  ctrt_byte_source_free(src);
  ASSERT_OK(ctrt_mock_push_pull_progress(rt, ref, &p));
  ASSERT_OK(ctrt_runtime_pull_image_stream(rt, &s, ref, NULL));
  ctrt_pull_progress *got = NULL;
  ASSERT_OK(ctrt_pull_progress_stream_next(&got, s));
  CU_ASSERT(got->kind == CTRT_PULL_PROGRESS_STATUS && strcmp(got->status.status, "Waiting") == 0);
  ctrt_pull_progress_free(got);
  size_t dones = 0;
  while (ctrt_pull_progress_stream_next(&got, s) == 0) {
    dones += got->kind == CTRT_PULL_PROGRESS_DONE;
    ctrt_pull_progress_free(got);
  }
  CU_ASSERT_EQUAL(dones, 1);
  ctrt_pull_progress_stream_close(s);
}

static void test_hooks_refuse_other_backends(void) {
  ctrt_container_id id = id_of("x");
  ctrt_log_chunk chunk = CTRT_LOG_CHUNK_INIT;
  ASSERT_FAILS_WITH(ctrt_mock_push_log_chunk(NULL, &id, &chunk), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_mock_push_log_error(rt, &id, CTRT_ERROR_NONE, "x"), CTRT_ERROR_INVALID_ARGUMENT);
  ctrt_image_search_result r = CTRT_IMAGE_SEARCH_RESULT_INIT;
  ASSERT_FAILS_WITH(ctrt_mock_search_add(rt, &r), CTRT_ERROR_INVALID_ARGUMENT);
}

/* ---- the exec output cap (ctrt_open_options.exec_output_max): what fits
 * is kept, the result says output_truncated, never a silent cut. The Docker
 * backend's side is in runtime/tests/docker, against a fake daemon. ---- */

static int setup_capped(void) {
  ctrt_open_options o = CTRT_OPEN_OPTIONS_INIT;
  o.exec_output_max = 1000;
  return open_loaded(&o);
}

static void test_exec_output_cap(void) {
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = "cap";
  create(&id, "sleep 1000");
  ASSERT_OK(ctrt_runtime_start_container(rt, &id));

  /* Under the cap: whole, not truncated. */
  const char *small[] = {"sh", "-c", "seq 1 100; echo oops >&2"};
  ctrt_exec_result *r = NULL;
  ASSERT_OK(ctrt_runtime_exec(rt, &r, &id, small, 3));
  CU_ASSERT_EQUAL(r->stdout_.len, 292);
  ASSERT_BYTES_STR(r->stderr_, "oops\n");
  CU_ASSERT_FALSE(r->output_truncated);
  ctrt_exec_result_free(r);

  /* Over it (stdout and stderr together): cut at the cap, and said so. */
  const char *big[] = {"sh", "-c", "echo first >&2; seq 1 5000"};
  r = NULL;
  ASSERT_OK(ctrt_runtime_exec(rt, &r, &id, big, 3));
  ASSERT_BYTES_STR(r->stderr_, "first\n");
  CU_ASSERT_EQUAL(r->stdout_.len + r->stderr_.len, 1000);
  CU_ASSERT_EQUAL(memcmp(r->stdout_.data, "1\n2\n3\n", 6), 0);
  CU_ASSERT_TRUE(r->output_truncated);
  ctrt_exec_result_free(r);
  ASSERT_OK(ctrt_runtime_remove_container(rt, &id));
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("mock hooks", setup, teardown);
  CU_add_test(s, "log chunks then a log error", test_log_chunks_then_error);
  CU_add_test(s, "stats samples in order", test_stats_samples_in_order);
  CU_add_test(s, "pull progress", test_pull_progress_scripted);
  CU_add_test(s, "refusals", test_hooks_refuse_other_backends);
  s = CU_add_suite("exec output cap", setup_capped, teardown);
  CU_add_test(s, "mock: cut at exec_output_max and flagged", test_exec_output_cap);
}
