/* SPDX-License-Identifier: MIT */
/* ctrt_runtime_support(): NATIVE, DEFAULT or NONE from the backend's table
 * and the spec's defaults, agreeing with ctrt_supports() and with what a
 * call does; and the dispatchers' order for a method the backend lacks:
 * arguments first, then the declared default whatever the inputs, then the
 * short-circuits (an empty resource update is unsupported, not a success). */
#include "test_support.h"

#include "fake_backend.h"
#include "gen_internal.h"

#include <string.h>

#ifndef FAKE_BACKEND_PATH
#error "FAKE_BACKEND_PATH must name the fake backend plugin"
#endif

static ctrt_container_id make_id(const char *service, uint32_t replica) {
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = (char *)service;
  id.replica = replica;
  return id;
}

/* A runtime over `ops` made by hand (no backend could be opened lacking
 * required methods). */
static ctrt_runtime by_hand(const ctrt_backend_ops *ops) {
  ctrt_runtime rt;
  memset(&rt, 0, sizeof rt);
  rt.ops = ops;
  return rt;
}

static void test_fake_backend(void) {
  ctrt_runtime *rt = NULL;
  ASSERT_OK(ctrt_open(&rt, "plugin:" FAKE_BACKEND_PATH));
  /* Implemented, required or not. */
  CU_ASSERT_EQUAL(ctrt_runtime_support(rt, CTRT_OP_EXEC), CTRT_SUPPORT_NATIVE);
  CU_ASSERT_EQUAL(ctrt_runtime_support(rt, CTRT_OP_CREATE_CONTAINER), CTRT_SUPPORT_NATIVE);
  CU_ASSERT_EQUAL(ctrt_runtime_support(rt, CTRT_OP_KILL_CONTAINER), CTRT_SUPPORT_NATIVE);
  CU_ASSERT_EQUAL(ctrt_runtime_support(rt, CTRT_OP_UPDATE_CONTAINER_RESOURCES), CTRT_SUPPORT_NATIVE);
  /* Lacking, no default. */
  CU_ASSERT_EQUAL(ctrt_runtime_support(rt, CTRT_OP_PAUSE_CONTAINER), CTRT_SUPPORT_NONE);
  CU_ASSERT_EQUAL(ctrt_runtime_support(rt, CTRT_OP_ARCHIVE_GET), CTRT_SUPPORT_NONE);
  CU_ASSERT_EQUAL(ctrt_runtime_support(rt, CTRT_OP_EXEC_PTY), CTRT_SUPPORT_NONE);
  /* Lacking, served by the declared default. */
  CU_ASSERT_EQUAL(ctrt_runtime_support(rt, CTRT_OP_LIST_CONTAINERS), CTRT_SUPPORT_DEFAULT);             /* empty */
  CU_ASSERT_EQUAL(ctrt_runtime_support(rt, CTRT_OP_GET_CONTAINER_PORT_OVERRIDE), CTRT_SUPPORT_DEFAULT); /* empty */
  CU_ASSERT_EQUAL(ctrt_runtime_support(rt, CTRT_OP_SYNC_CONTAINER_VOLUMES), CTRT_SUPPORT_DEFAULT);      /* noop */
  CU_ASSERT_EQUAL(ctrt_runtime_support(rt, CTRT_OP_OVERLAY_ATTACH_KIND), CTRT_SUPPORT_DEFAULT);         /* value */
  CU_ASSERT_EQUAL(ctrt_runtime_support(rt, CTRT_OP_WAIT_OUTCOME), CTRT_SUPPORT_DEFAULT);
  CU_ASSERT_EQUAL(ctrt_runtime_support(rt, CTRT_OP_WAIT_OUTCOME_WITH_CONDITION), CTRT_SUPPORT_DEFAULT);
  CU_ASSERT_EQUAL(ctrt_runtime_support(rt, CTRT_OP_EXEC_STREAM), CTRT_SUPPORT_DEFAULT);
  CU_ASSERT_EQUAL(ctrt_runtime_support(rt, CTRT_OP_PULL_IMAGE_STREAM), CTRT_SUPPORT_DEFAULT);
  /* ctrt_supports() is "anything but NONE"; NATIVE is exactly the table. */
  for (int i = 0; i < CTRT_OP_COUNT; i++) {
    ctrt_support s = ctrt_runtime_support(rt, (ctrt_op)i);
    CU_ASSERT_EQUAL(ctrt_supports(rt, (ctrt_op)i), s != CTRT_SUPPORT_NONE);
    CU_ASSERT_EQUAL(s == CTRT_SUPPORT_NATIVE, ctrt__backend_ops_has(rt->ops, (ctrt_op)i));
  }
  /* Out of range, no runtime. */
  CU_ASSERT_EQUAL(ctrt_runtime_support(rt, CTRT_OP_COUNT), CTRT_SUPPORT_NONE);
  CU_ASSERT_EQUAL(ctrt_runtime_support(rt, (ctrt_op)-1), CTRT_SUPPORT_NONE);
  CU_ASSERT_EQUAL(ctrt_runtime_support(NULL, CTRT_OP_EXEC), CTRT_SUPPORT_NONE);
  ctrt_close(rt);
}

static void test_mock_is_all_native(void) {
  ctrt_runtime *rt = NULL;
  ASSERT_OK(ctrt_open(&rt, "mock:"));
  for (int i = 0; i < CTRT_OP_COUNT; i++)
    CU_ASSERT_EQUAL(ctrt_runtime_support(rt, (ctrt_op)i), CTRT_SUPPORT_NATIVE);
  ctrt_close(rt);
}

static int lone_wait_container(void *self, int32_t *out, const ctrt_container_id *id) {
  (void)self;
  (void)id;
  *out = 0;
  return 0;
}

static void test_delegation_needs_its_delegates(void) {
  ctrt_backend_ops ops;
  memset(&ops, 0, sizeof ops);
  ops.wait_container = lone_wait_container;
  ctrt_runtime rt = by_hand(&ops);
  CU_ASSERT_EQUAL(ctrt_runtime_support(&rt, CTRT_OP_WAIT_CONTAINER), CTRT_SUPPORT_NATIVE);
  /* Two levels: wait_outcome_with_condition -> wait_outcome -> wait_container. */
  CU_ASSERT_EQUAL(ctrt_runtime_support(&rt, CTRT_OP_WAIT_OUTCOME), CTRT_SUPPORT_DEFAULT);
  CU_ASSERT_EQUAL(ctrt_runtime_support(&rt, CTRT_OP_WAIT_OUTCOME_WITH_CONDITION), CTRT_SUPPORT_DEFAULT);
  /* Their delegates lack: no better than unsupported. */
  CU_ASSERT_EQUAL(ctrt_runtime_support(&rt, CTRT_OP_EXEC), CTRT_SUPPORT_NONE);
  CU_ASSERT_EQUAL(ctrt_runtime_support(&rt, CTRT_OP_EXEC_STREAM), CTRT_SUPPORT_NONE);
  CU_ASSERT_EQUAL(ctrt_runtime_support(&rt, CTRT_OP_EXEC_WITH_OPTS), CTRT_SUPPORT_NONE);
  CU_ASSERT_EQUAL(ctrt_runtime_support(&rt, CTRT_OP_PULL_IMAGE_STREAM), CTRT_SUPPORT_NONE);
  /* ... and the calls agree. */
  ctrt_container_id id = make_id("web", 1);
  ctrt_wait_outcome *outcome = NULL;
  ASSERT_OK(ctrt_runtime_wait_outcome_with_condition(&rt, &outcome, &id, CTRT_WAIT_CONDITION_NEXT_EXIT));
  ctrt_wait_outcome_free(outcome);
  const char *argv[] = {"true"};
  ctrt_exec_event_stream *events = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_exec_stream(&rt, &events, &id, argv, 1), CTRT_ERROR_UNSUPPORTED);
  CU_ASSERT_PTR_NULL(events);
  ctrt_pull_progress_stream *progress = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_pull_image_stream(&rt, &progress, "busybox:latest", NULL), CTRT_ERROR_UNSUPPORTED);
  CU_ASSERT_PTR_NULL(progress);
}

/* The probe's false fail (issue 7): a backend without
 * update_container_resources got success for an empty update, because the
 * "nothing to change" short-circuit ran before the missing-method check. */
static void test_lacking_update_is_unsupported_even_when_empty(void) {
  ctrt_backend_ops ops;
  memset(&ops, 0, sizeof ops);
  ctrt_runtime rt = by_hand(&ops);
  CU_ASSERT_EQUAL(ctrt_runtime_support(&rt, CTRT_OP_UPDATE_CONTAINER_RESOURCES), CTRT_SUPPORT_NONE);
  ctrt_container_id id = make_id("web", 1);
  ctrt_container_resource_update update = CTRT_CONTAINER_RESOURCE_UPDATE_INIT;
  CU_ASSERT_TRUE(ctrt_container_resource_update_is_empty(&update));
  ctrt_container_update_outcome *outcome = (ctrt_container_update_outcome *)1;
  ASSERT_FAILS_WITH(ctrt_runtime_update_container_resources(&rt, &outcome, &id, &update), CTRT_ERROR_UNSUPPORTED);
  ASSERT_STR(ctrt_error_last()->message, "update_container_resources is not supported by this runtime");
  CU_ASSERT_PTR_NULL(outcome);
  /* Not empty: the same. */
  update.has_memory = true;
  update.memory = 1 << 20;
  ASSERT_FAILS_WITH(ctrt_runtime_update_container_resources(&rt, &outcome, &id, &update), CTRT_ERROR_UNSUPPORTED);
  /* Arguments are still checked first. */
  ASSERT_FAILS_WITH(ctrt_runtime_update_container_resources(&rt, &outcome, &id, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_runtime_update_container_resources(&rt, NULL, &id, &update), CTRT_ERROR_INVALID_ARGUMENT);
  ctrt_container_id nameless = make_id("", 1);
  ASSERT_FAILS_WITH(ctrt_runtime_update_container_resources(&rt, &outcome, &nameless, &update),
                    CTRT_ERROR_INVALID_SPEC);
}

static void test_arguments_before_defaults(void) {
  ctrt_backend_ops ops;
  memset(&ops, 0, sizeof ops);
  ctrt_runtime rt = by_hand(&ops);
  ctrt_container_id nameless = make_id("", 1);
  ctrt_container_id id = make_id("web", 1);
  /* unsupported, noop, empty and delegation defaults alike. */
  ASSERT_FAILS_WITH(ctrt_runtime_pause_container(&rt, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_runtime_pause_container(&rt, &nameless), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(ctrt_runtime_pause_container(&rt, &id), CTRT_ERROR_UNSUPPORTED);
  ASSERT_FAILS_WITH(ctrt_runtime_sync_container_volumes(&rt, &nameless), CTRT_ERROR_INVALID_SPEC);
  ASSERT_OK(ctrt_runtime_sync_container_volumes(&rt, &id));
  ASSERT_FAILS_WITH(ctrt_runtime_list_containers(&rt, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  ctrt_exec_event_stream *events = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_exec_stream(&rt, &events, &id, NULL, 0), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(ctrt_runtime_kill_container(&rt, &id, "SIGNOPE"), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(ctrt_runtime_kill_container(&rt, &id, "SIGTERM"), CTRT_ERROR_UNSUPPORTED);
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("ctrt_runtime_support", NULL, NULL);
  CU_add_test(s, "fake backend: native, default, none", test_fake_backend);
  CU_add_test(s, "mock: all native", test_mock_is_all_native);
  CU_add_test(s, "delegation needs its delegates", test_delegation_needs_its_delegates);
  s = CU_add_suite("dispatch order for a lacking method", NULL, NULL);
  CU_add_test(s, "empty update, lacking: unsupported", test_lacking_update_is_unsupported_even_when_empty);
  CU_add_test(s, "arguments before defaults", test_arguments_before_defaults);
}
