/* SPDX-License-Identifier: MIT */
/* Exec a command in a running container and capture its output.
 *   exec-capture URI [IMAGE.tar] */
#include "example.h"

int main(int argc, char **argv) {
  ctrt_runtime *rt = NULL;
  int status = example_open(&rt, argc, argv);
  if (status != 0)
    return status;

  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = "exec";
  id.replica = 1;
  if (example_create_sleeper(rt, &id) < 0 || ctrt_runtime_start_container(rt, &id) < 0)
    return example_fail("create/start");

  const char *argv_exec[] = {"sh", "-c", "echo hello from $(hostname); echo warning >&2; exit 3"};
  ctrt_exec_result *result = NULL;
  if (ctrt_runtime_exec(rt, &result, &id, argv_exec, 3) < 0)
    return example_fail("exec");
  /* Output is bytes (pointer + length), never NULL; a NUL follows them, so
   * text prints with %s. */
  printf("exit %d\nstdout: %sstderr: %s", result->exit_code, (const char *)result->stdout_.data,
         (const char *)result->stderr_.data);
  ctrt_exec_result_free(result);

  /* Binary output keeps every byte, NULs included: write it with its length. */
  const char *argv_bin[] = {"printf", "a\\000b\\377"};
  if (ctrt_runtime_exec(rt, &result, &id, argv_bin, 2) < 0)
    return example_fail("exec");
  printf("binary: %zu bytes:", result->stdout_.len);
  for (size_t i = 0; i < result->stdout_.len; i++)
    printf(" %02x", result->stdout_.data[i]);
  printf("\n");
  ctrt_exec_result_free(result);

  if (ctrt_runtime_stop_container(rt, &id, 0) < 0 || ctrt_runtime_remove_container(rt, &id) < 0)
    return example_fail("stop/remove");
  ctrt_close(rt);
  return 0;
}
