/* SPDX-License-Identifier: MIT */
/* Run a container and follow its logs until it exits.
 *   run-and-follow URI [IMAGE.tar]      e.g. run-and-follow mock: busybox.tar
 * With a tar, the image is loaded first (the mock starts with no images). */
#include "example.h"

int main(int argc, char **argv) {
  ctrt_runtime *rt = NULL;
  int status = example_open(&rt, argc, argv);
  if (status != 0)
    return status;

  const char *args[] = {"sh", "-c", "for i in 1 2 3; do echo line $i; done; echo oops >&2"};
  ctrt_command_spec command = CTRT_COMMAND_SPEC_INIT;
  command.args = (char **)args;
  command.n_args = 3;
  command.has_args = true;
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  spec.image.name = "localhost/ctrt/busybox:latest";
  spec.command = &command;
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = "follow";
  id.replica = 1;
  if (ctrt_runtime_create_container(rt, &id, &spec) < 0)
    return example_fail("create");
  if (ctrt_runtime_start_container(rt, &id) < 0)
    return example_fail("start");

  ctrt_logs_stream_options options = CTRT_LOGS_STREAM_OPTIONS_INIT;
  options.follow = true;
  ctrt_logs_stream *logs = NULL;
  if (ctrt_runtime_logs_stream(rt, &logs, &id, &options) < 0)
    return example_fail("logs");
  ctrt_log_chunk *chunk = NULL;
  int rc;
  /* CTRT_ITEROVER (the end of the stream) is negative: test it first. */
  while ((rc = ctrt_logs_stream_next(&chunk, logs)) == 0) {
    FILE *to = chunk->stream == CTRT_LOG_CHANNEL_STDERR ? stderr : stdout;
    fwrite(chunk->data.data, 1, chunk->data.len, to);
    ctrt_log_chunk_free(chunk);
  }
  ctrt_logs_stream_close(logs);
  if (rc != CTRT_ITEROVER)
    return example_fail("logs");

  int32_t code = 0;
  if (ctrt_runtime_wait_container(rt, &code, &id) < 0 || ctrt_runtime_remove_container(rt, &id) < 0)
    return example_fail("wait/remove");
  printf("exit code %d\n", code);
  ctrt_close(rt);
  return 0;
}
