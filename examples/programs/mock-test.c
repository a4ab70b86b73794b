/* SPDX-License-Identifier: MIT */
/* Test your own code against the mock: the in-memory runtime behaves like a
 * real engine (lifecycle, exit codes, logs), needs no daemon, and takes the
 * same calls. Here the code under test is ensure_running().
 *   mock-test IMAGE.tar */
#include "example.h"

/* The code under test: start a container unless it already runs. */
static int ensure_running(ctrt_runtime *rt, const ctrt_container_id *id) {
  ctrt_container_state *state = NULL;
  int rc = ctrt_runtime_container_state(rt, &state, id);
  if (rc < 0)
    return rc;
  bool running = state->kind == CTRT_CONTAINER_STATE_RUNNING;
  ctrt_container_state_free(state);
  return running ? 0 : ctrt_runtime_start_container(rt, id);
}

static int check(bool ok, const char *what) {
  printf("%s: %s\n", ok ? "ok" : "FAILED", what);
  return ok ? 0 : 1;
}

int main(int argc, char **argv) {
  ctrt_runtime *rt = NULL;
  if (argc < 2 || ctrt_open(&rt, "mock:") < 0 || example_load(rt, argv[1]) < 0)
    return argc < 2 ? 2 : example_fail("set-up");
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = "under-test";
  id.replica = 1;
  int failures = 0;
  failures += check(example_create_sleeper(rt, &id) == 0, "create");
  failures += check(ensure_running(rt, &id) == 0, "ensure_running starts a created container");
  failures += check(ensure_running(rt, &id) == 0, "ensure_running leaves a running one alone");
  ctrt_container_id missing = id;
  missing.service = "missing";
  failures += check(ensure_running(rt, &missing) == CTRT_ENOT_FOUND, "a missing container is not_found");
  ctrt_container_state *state = NULL;
  failures += check(ctrt_runtime_container_state(rt, &state, &id) == 0 && state->kind == CTRT_CONTAINER_STATE_RUNNING,
                    "it runs");
  ctrt_container_state_free(state);
  ctrt_runtime_stop_container(rt, &id, 0);
  ctrt_runtime_remove_container(rt, &id);
  ctrt_close(rt);
  return failures == 0 ? 0 : 1;
}
