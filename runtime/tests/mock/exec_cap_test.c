/* The exec output cap (ctrt_open_options.exec_output_max) on the mock: what
 * fits is kept, the result says output_truncated, never a silent cut. (The
 * Docker backend's side is in runtime/tests/docker, against a fake daemon.) */
#include "test_support.h"

#include "fixtures.h"

#include <string.h>

static ctrt_runtime *rt;
static ctrt_fixture_image *image;

static int setup(void) {
  ctrt_fixture_image_options o = CTRT_FIXTURE_IMAGE_OPTIONS_INIT;
  ctrt_open_options oo = CTRT_OPEN_OPTIONS_INIT;
  oo.exec_output_max = 1000;
  if (ctrt_open_with_options(&rt, "mock:", &oo) < 0 || ctrt_fixture_image_build(&image, &o) < 0)
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

static int teardown(void) {
  ctrt_close(rt);
  ctrt_fixture_image_free(image);
  return 0;
}

static void test_exec_output_cap(void) {
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = "cap";
  char *args[] = {"sleep", "1000"};
  ctrt_command_spec cmd = CTRT_COMMAND_SPEC_INIT;
  cmd.has_args = true;
  cmd.args = args;
  cmd.n_args = 2;
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  spec.image.name = CTRT_FIXTURE_IMAGE_REF;
  spec.command = &cmd;
  ASSERT_OK(ctrt_runtime_create_container(rt, &id, &spec));
  ASSERT_OK(ctrt_runtime_start_container(rt, &id));

  /* Under the cap: whole, not truncated. */
  const char *small[] = {"sh", "-c", "seq 1 100; echo oops >&2"};
  ctrt_exec_result *r = NULL;
  ASSERT_OK(ctrt_runtime_exec(rt, &r, &id, small, 3));
  CU_ASSERT_EQUAL(strlen(r->stdout_), 292);
  CU_ASSERT_STRING_EQUAL(r->stderr_, "oops\n");
  CU_ASSERT_FALSE(r->output_truncated);
  ctrt_exec_result_free(r);

  /* Over it (stdout and stderr together): cut at the cap, and said so. */
  const char *big[] = {"sh", "-c", "echo first >&2; seq 1 5000"};
  r = NULL;
  ASSERT_OK(ctrt_runtime_exec(rt, &r, &id, big, 3));
  CU_ASSERT_STRING_EQUAL(r->stderr_, "first\n");
  CU_ASSERT_EQUAL(strlen(r->stdout_) + strlen(r->stderr_), 1000);
  CU_ASSERT_EQUAL(strncmp(r->stdout_, "1\n2\n3\n", 6), 0);
  CU_ASSERT_TRUE(r->output_truncated);
  ctrt_exec_result_free(r);
  ASSERT_OK(ctrt_runtime_remove_container(rt, &id));
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("exec output cap", setup, teardown);
  CU_add_test(s, "mock: cut at exec_output_max and flagged", test_exec_output_cap);
}
