/* SPDX-License-Identifier: MIT */
/* The generated dispatchers over a fake backend loaded as a plugin
 * (fake_backend.c): declared defaults, argument checks, backend
 * misbehaviour, the auth context, and use from several threads. */
#include "test_support.h"

#include "fake_backend.h"
#include "gen_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef FAKE_BACKEND_PATH
#error "FAKE_BACKEND_PATH must name the fake backend plugin"
#endif

#define SECRET "jwt-secret-0123456789-do-not-leak"

static ctrt_runtime *open_fake(void) {
  ctrt_runtime *rt = NULL;
  ASSERT_OK(ctrt_open(&rt, "plugin:" FAKE_BACKEND_PATH));
  return rt;
}

static fake_state *state_of(ctrt_runtime *rt) { return rt->self; }

static ctrt_container_id make_id(const char *service, uint32_t replica) {
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = (char *)service;
  id.replica = replica;
  return id;
}

static unsigned long calls(ctrt_runtime *rt) { return atomic_load(&state_of(rt)->calls); }

/* ---- Opening ------------------------------------------------------------- */

static void test_open_plugin(void) {
  ctrt_runtime *rt = open_fake();
  ASSERT_STR(ctrt_runtime_backend_name(rt), "fake");
  ASSERT_STR(state_of(rt)->uri, "");
  ctrt_close(rt);

  /* The part after '?' goes to the backend. */
  ASSERT_OK(ctrt_open(&rt, "plugin:" FAKE_BACKEND_PATH "?socket=/tmp/x&debug=1"));
  ASSERT_STR(state_of(rt)->uri, "socket=/tmp/x&debug=1");
  ctrt_close(rt);

  /* The backend_library option loads the plugin for any URI. */
  ctrt_open_options options = CTRT_OPEN_OPTIONS_INIT;
  options.backend_library = FAKE_BACKEND_PATH;
  ASSERT_OK(ctrt_open_with_options(&rt, "fake://somewhere:1234", &options));
  ASSERT_STR(ctrt_runtime_backend_name(rt), "fake");
  ASSERT_STR(state_of(rt)->uri, "fake://somewhere:1234");
  ctrt_close(rt);
  ctrt_close(NULL);
  CU_ASSERT_PTR_NULL(ctrt_runtime_backend_name(NULL));
}

static void test_open_failures(void) {
  ctrt_runtime *rt = (ctrt_runtime *)1;
  /* Required methods missing: a configuration error naming each. */
  ASSERT_FAILS_WITH(ctrt_open(&rt, "plugin:" FAKE_BACKEND_INCOMPLETE_PATH), CTRT_ERROR_CONFIGURATION);
  CU_ASSERT_PTR_NULL(rt);
  const char *message = ctrt_error_last()->message;
  const char *prefix = "configuration error: backend 'fake-incomplete' lacks required methods: ";
  CU_ASSERT_EQUAL(strncmp(message, prefix, strlen(prefix)), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(message, "exec"));
  CU_ASSERT_PTR_NOT_NULL(strstr(message, "get_logs"));
  CU_ASSERT_EQUAL(strlen(message), strlen(prefix) + strlen("get_logs, exec"));

  ASSERT_FAILS_WITH(ctrt_open(&rt, "plugin:/no/such/libbackend.so"), CTRT_ERROR_CONFIGURATION);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "cannot load backend library /no/such/libbackend.so"));
  ASSERT_FAILS_WITH(ctrt_open(&rt, "nosuch://x"), CTRT_ERROR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "nosuch"));
  ASSERT_FAILS_WITH(ctrt_open(&rt, "no-scheme-at-all"), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_open(&rt, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_open(NULL, "plugin:" FAKE_BACKEND_PATH), CTRT_ERROR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NULL(rt);

  ctrt_open_options options = CTRT_OPEN_OPTIONS_INIT;
  options.version = 99;
  ASSERT_FAILS_WITH(ctrt_open_with_options(&rt, "plugin:" FAKE_BACKEND_PATH, &options), CTRT_ERROR_INVALID_ARGUMENT);

  ctrt_container_auth_context auth = CTRT_CONTAINER_AUTH_CONTEXT_INIT;
  auth.api_url = (char *)"http://api";
  auth.jwt_secret = (char *)SECRET;
  auth.socket_path = (char *)"/run/api.sock";
  options = (ctrt_open_options)CTRT_OPEN_OPTIONS_INIT;
  options.auth_context = &auth;
  options.auth_socket_target = "relative/api.sock";
  ASSERT_FAILS_WITH(ctrt_open_with_options(&rt, "plugin:" FAKE_BACKEND_PATH, &options), CTRT_ERROR_CONFIGURATION);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "relative/api.sock"));
  CU_ASSERT_PTR_NULL(strstr(ctrt_error_last()->message, SECRET));
  CU_ASSERT_PTR_NULL(rt);
}

/* ---- Defaults ----------------------------------------------------------------- */

static void test_default_unsupported(void) {
  ctrt_runtime *rt = open_fake();
  ctrt_container_id id = make_id("web", 1);
  unsigned long before = calls(rt);
  ASSERT_FAILS_WITH(ctrt_runtime_pause_container(rt, &id), CTRT_ERROR_UNSUPPORTED);
  ASSERT_STR(ctrt_error_last()->message, "pause_container is not supported by this runtime");
  ctrt_archive_stream *archive = (ctrt_archive_stream *)1;
  ASSERT_FAILS_WITH(ctrt_runtime_archive_get(rt, &archive, &id, "/etc"), CTRT_ERROR_UNSUPPORTED);
  ASSERT_STR(ctrt_error_last()->message, "archive_get is not supported by this runtime");
  CU_ASSERT_PTR_NULL(archive);
  ctrt_image_info_list *images = (ctrt_image_info_list *)1;
  ASSERT_FAILS_WITH(ctrt_runtime_list_images(rt, &images), CTRT_ERROR_UNSUPPORTED);
  ASSERT_STR(ctrt_error_last()->message, "list_images is not supported by this runtime");
  CU_ASSERT_PTR_NULL(images);
  ctrt_logs_stream_options logs_options = CTRT_LOGS_STREAM_OPTIONS_INIT;
  ctrt_logs_stream *logs = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_logs_stream(rt, &logs, &id, &logs_options), CTRT_ERROR_UNSUPPORTED);
  ASSERT_STR(ctrt_error_last()->message, "logs_stream is not supported by this runtime");
  CU_ASSERT_EQUAL(calls(rt), before);
  ctrt_close(rt);
}

static void test_default_empty_noop_value(void) {
  ctrt_runtime *rt = open_fake();
  ctrt_container_id id = make_id("web", 1);
  unsigned long before = calls(rt);

  ctrt_runtime_container_summary_list *list = NULL;
  ASSERT_OK(ctrt_runtime_list_containers(rt, &list));
  CU_ASSERT_PTR_NOT_NULL_FATAL(list);
  CU_ASSERT_EQUAL(list->n_items, 0);
  ctrt_runtime_container_summary_list_free(list);

  ctrt_container_inspect_details *details = NULL;
  ASSERT_OK(ctrt_runtime_inspect_detailed(rt, &details, &id));
  CU_ASSERT_PTR_NOT_NULL_FATAL(details);
  ctrt_container_inspect_details empty = CTRT_CONTAINER_INSPECT_DETAILS_INIT;
  CU_ASSERT_TRUE(ctrt_container_inspect_details_equal(details, &empty));
  CU_ASSERT_EQUAL(details->n_ports, 0);
  CU_ASSERT_EQUAL(details->n_networks, 0);
  CU_ASSERT_PTR_NULL(details->ipv4);
  CU_ASSERT_PTR_NULL(details->health);
  CU_ASSERT_FALSE(details->has_exit_code);
  ctrt_container_inspect_details_free(details);

  bool has_port = true;
  uint16_t port = 77;
  ASSERT_OK(ctrt_runtime_get_container_port_override(rt, &has_port, &port, &id));
  CU_ASSERT_FALSE(has_port);
  CU_ASSERT_EQUAL(port, 0);

  ASSERT_OK(ctrt_runtime_sync_container_volumes(rt, &id));
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NONE);

  ctrt_overlay_attach_kind kind = CTRT_OVERLAY_ATTACH_KIND_UNKNOWN;
  ASSERT_OK(ctrt_runtime_overlay_attach_kind(rt, &kind));
  CU_ASSERT_EQUAL(kind, CTRT_OVERLAY_ATTACH_KIND_HOST_NETNS);
  CU_ASSERT_EQUAL(calls(rt), before); /* none of them bothered the backend */

  /* Arguments are still checked. */
  ASSERT_FAILS_WITH(ctrt_runtime_list_containers(rt, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_runtime_inspect_detailed(rt, &details, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NULL(details);
  ASSERT_FAILS_WITH(ctrt_runtime_overlay_attach_kind(rt, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  ctrt_container_id nameless = make_id("", 1);
  ASSERT_FAILS_WITH(ctrt_runtime_sync_container_volumes(rt, &nameless), CTRT_ERROR_INVALID_SPEC);
  ctrt_close(rt);
}

static void test_default_wait_outcome(void) {
  ctrt_runtime *rt = open_fake();
  ctrt_container_id id = make_id("web", 1);
  ctrt_wait_outcome *outcome = NULL;
  unsigned long before = calls(rt);
  ASSERT_OK(ctrt_runtime_wait_outcome(rt, &outcome, &id));
  CU_ASSERT_PTR_NOT_NULL_FATAL(outcome);
  CU_ASSERT_EQUAL(outcome->exit_code, FAKE_WAIT_CODE);
  CU_ASSERT_EQUAL(outcome->reason, CTRT_WAIT_REASON_EXITED);
  CU_ASSERT_PTR_NULL(outcome->signal);
  CU_ASSERT_FALSE(outcome->has_finished_at);
  ctrt_wait_outcome_free(outcome);
  CU_ASSERT_EQUAL(calls(rt), before + 1); /* one wait_container */

  /* wait_outcome_with_condition ignores the condition and delegates on. */
  ASSERT_OK(ctrt_runtime_wait_outcome_with_condition(rt, &outcome, &id, CTRT_WAIT_CONDITION_REMOVED));
  CU_ASSERT_EQUAL(outcome->exit_code, FAKE_WAIT_CODE);
  CU_ASSERT_EQUAL(outcome->reason, CTRT_WAIT_REASON_EXITED);
  ctrt_wait_outcome_free(outcome);

  /* The delegate's error comes through unchanged. */
  ctrt_container_id missing = make_id("fail-loudly", 1);
  outcome = (ctrt_wait_outcome *)1;
  ASSERT_FAILS_WITH(ctrt_runtime_wait_outcome(rt, &outcome, &missing), CTRT_ERROR_NOT_FOUND);
  ASSERT_STR(ctrt_error_last()->message, "no such container: fail-loudly");
  CU_ASSERT_EQUAL(ctrt_error_last()->http_status, 404);
  CU_ASSERT_PTR_NULL(outcome);
  ctrt_close(rt);
}

/* Collect an exec event stream: returns the number of events. */
static size_t drain_exec_events(ctrt_exec_event_stream *stream, ctrt_exec_event **events, size_t cap) {
  size_t n = 0;
  for (;;) {
    ctrt_exec_event *ev = NULL;
    int rc = ctrt_exec_event_stream_next(&ev, stream);
    if (rc != 0) {
      CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
      CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NONE);
      break;
    }
    if (n < cap)
      events[n] = ev;
    else
      ctrt_exec_event_free(ev);
    n++;
  }
  return n;
}

static void test_default_exec_stream_and_with_opts(void) {
  ctrt_runtime *rt = open_fake();
  ctrt_container_id id = make_id("web", 1);
  const char *argv[] = {"sh", "-c", "echo out; echo err >&2; exit 3"};

  ctrt_exec_event_stream *stream = NULL;
  ASSERT_OK(ctrt_runtime_exec_stream(rt, &stream, &id, argv, 3));
  ctrt_exec_event *events[4] = {NULL};
  size_t n = drain_exec_events(stream, events, 4);
  ctrt_exec_event_stream_close(stream);
  CU_ASSERT_EQUAL_FATAL(n, 3);
  CU_ASSERT_EQUAL(events[0]->kind, CTRT_EXEC_EVENT_STDOUT);
  ASSERT_BYTES_STR(events[0]->stdout_, FAKE_EXEC_STDOUT);
  CU_ASSERT_EQUAL(events[1]->kind, CTRT_EXEC_EVENT_STDERR);
  ASSERT_BYTES_STR(events[1]->stderr_, FAKE_EXEC_STDERR);
  CU_ASSERT_EQUAL(events[2]->kind, CTRT_EXEC_EVENT_EXIT);
  CU_ASSERT_EQUAL(events[2]->exit, FAKE_EXEC_EXIT);
  for (size_t i = 0; i < n; i++)
    ctrt_exec_event_free(events[i]);
  fake_state *st = state_of(rt);
  CU_ASSERT_EQUAL_FATAL(st->n_last_argv, 3);
  for (size_t i = 0; i < 3; i++)
    ASSERT_STR(st->last_argv[i], argv[i]);

  /* Empty output gives no event; the exit event always comes, last. */
  ctrt_container_id quiet = make_id("quiet", 1);
  ASSERT_OK(ctrt_runtime_exec_stream(rt, &stream, &quiet, argv, 1));
  memset(events, 0, sizeof events);
  n = drain_exec_events(stream, events, 4);
  ctrt_exec_event_stream_close(stream);
  CU_ASSERT_EQUAL_FATAL(n, 2);
  CU_ASSERT_EQUAL(events[0]->kind, CTRT_EXEC_EVENT_STDERR);
  CU_ASSERT_EQUAL(events[1]->kind, CTRT_EXEC_EVENT_EXIT);
  for (size_t i = 0; i < n; i++)
    ctrt_exec_event_free(events[i]);

  /* Closing a delegated stream early frees the rest. */
  ASSERT_OK(ctrt_runtime_exec_stream(rt, &stream, &id, argv, 3));
  ctrt_exec_event *first = NULL;
  ASSERT_OK(ctrt_exec_event_stream_next(&first, stream));
  ctrt_exec_event_free(first);
  ctrt_exec_event_stream_close(stream);

  /* exec_with_opts runs options.command through exec. */
  char *command[] = {(char *)"id", (char *)"-u"};
  char *env[] = {(char *)"A=1"};
  ctrt_exec_options options = CTRT_EXEC_OPTIONS_INIT;
  options.command = command;
  options.n_command = 2;
  options.env = env;
  options.n_env = 1;
  options.user = (char *)"nobody";
  options.working_dir = (char *)"/tmp";
  ctrt_exec_result *result = NULL;
  ASSERT_OK(ctrt_runtime_exec_with_opts(rt, &result, &id, &options));
  CU_ASSERT_EQUAL(result->exit_code, FAKE_EXEC_EXIT);
  ASSERT_BYTES_STR(result->stdout_, FAKE_EXEC_STDOUT);
  ASSERT_BYTES_STR(result->stderr_, FAKE_EXEC_STDERR);
  ctrt_exec_result_free(result);
  CU_ASSERT_EQUAL_FATAL(st->n_last_argv, 2);
  ASSERT_STR(st->last_argv[0], "id");
  ASSERT_STR(st->last_argv[1], "-u");
  /* ... and exec's checks apply to it. */
  options.n_command = 0;
  options.command = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_exec_with_opts(rt, &result, &id, &options), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_PTR_NULL(result);
  ctrt_container_id missing = make_id("fail-loudly", 1);
  ASSERT_FAILS_WITH(ctrt_runtime_exec_stream(rt, &stream, &missing, argv, 1), CTRT_ERROR_NOT_FOUND);
  CU_ASSERT_PTR_NULL(stream);
  ctrt_close(rt);
}

static void test_default_pull_image_stream(void) {
  ctrt_runtime *rt = open_fake();
  ctrt_pull_progress_stream *stream = NULL;
  ASSERT_OK(ctrt_runtime_pull_image_stream(rt, &stream, "busybox:latest", NULL));
  fake_state *st = state_of(rt);
  ASSERT_STR(st->last_image, "busybox:latest");
  CU_ASSERT_EQUAL(st->last_policy, CTRT_PULL_POLICY_IF_NOT_PRESENT);
  size_t statuses = 0, dones = 0, n = 0;
  bool done_last = false;
  for (;;) {
    ctrt_pull_progress *p = NULL;
    int rc = ctrt_pull_progress_stream_next(&p, stream);
    if (rc == CTRT_ITEROVER)
      break;
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    n++;
    done_last = p->kind == CTRT_PULL_PROGRESS_DONE;
    if (p->kind == CTRT_PULL_PROGRESS_STATUS) {
      statuses++;
      CU_ASSERT_FALSE(dones > 0); /* nothing after done */
      ASSERT_STR(p->status.status, "Pulling from busybox:latest");
    } else if (p->kind == CTRT_PULL_PROGRESS_DONE) {
      dones++;
      ASSERT_STR(p->done.reference, "busybox:latest");
    }
    ctrt_pull_progress_free(p);
  }
  ctrt_pull_progress_stream_close(stream);
  CU_ASSERT_TRUE(statuses >= 1);
  CU_ASSERT_EQUAL(dones, 1);
  CU_ASSERT_TRUE(done_last);
  CU_ASSERT_EQUAL(n, statuses + dones);

  /* A failed pull fails the call itself; a bad reference never reaches the backend. */
  stream = (ctrt_pull_progress_stream *)1;
  ASSERT_FAILS_WITH(ctrt_runtime_pull_image_stream(rt, &stream, "fail/image", NULL), CTRT_ERROR_PULL_FAILED);
  CU_ASSERT_PTR_NULL(stream);
  unsigned long before = calls(rt);
  ASSERT_FAILS_WITH(ctrt_runtime_pull_image_stream(rt, &stream, "bad ref", NULL), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(ctrt_runtime_pull_image_stream(rt, &stream, "", NULL), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_EQUAL(calls(rt), before);
  ctrt_close(rt);
}

/* ---- ctrt_supports ------------------------------------------------------------- */

static int lone_wait_container(void *self, int32_t *out, const ctrt_container_id *id) {
  (void)self;
  (void)id;
  *out = 0;
  return 0;
}

static void test_supports(void) {
  ctrt_runtime *rt = open_fake();
  /* Implemented (required and optional ones). */
  CU_ASSERT_TRUE(ctrt_supports(rt, CTRT_OP_EXEC));
  CU_ASSERT_TRUE(ctrt_supports(rt, CTRT_OP_CREATE_CONTAINER));
  CU_ASSERT_TRUE(ctrt_supports(rt, CTRT_OP_KILL_CONTAINER));
  CU_ASSERT_TRUE(ctrt_supports(rt, CTRT_OP_SEARCH_IMAGES));
  /* Lacking, with an unsupported default. */
  CU_ASSERT_FALSE(ctrt_supports(rt, CTRT_OP_PAUSE_CONTAINER));
  CU_ASSERT_FALSE(ctrt_supports(rt, CTRT_OP_ARCHIVE_GET));
  CU_ASSERT_FALSE(ctrt_supports(rt, CTRT_OP_EXEC_PTY));
  /* Lacking, with a default that succeeds. */
  CU_ASSERT_TRUE(ctrt_supports(rt, CTRT_OP_LIST_CONTAINERS));             /* empty */
  CU_ASSERT_TRUE(ctrt_supports(rt, CTRT_OP_INSPECT_DETAILED));            /* empty */
  CU_ASSERT_TRUE(ctrt_supports(rt, CTRT_OP_GET_CONTAINER_PORT_OVERRIDE)); /* empty */
  CU_ASSERT_TRUE(ctrt_supports(rt, CTRT_OP_SYNC_CONTAINER_VOLUMES));      /* noop */
  CU_ASSERT_TRUE(ctrt_supports(rt, CTRT_OP_OVERLAY_ATTACH_KIND));         /* value */
  CU_ASSERT_TRUE(ctrt_supports(rt, CTRT_OP_WAIT_OUTCOME));                /* via wait_container */
  CU_ASSERT_TRUE(ctrt_supports(rt, CTRT_OP_WAIT_OUTCOME_WITH_CONDITION)); /* via wait_outcome */
  CU_ASSERT_TRUE(ctrt_supports(rt, CTRT_OP_EXEC_STREAM));                 /* via exec */
  CU_ASSERT_TRUE(ctrt_supports(rt, CTRT_OP_EXEC_WITH_OPTS));              /* via exec */
  CU_ASSERT_TRUE(ctrt_supports(rt, CTRT_OP_PULL_IMAGE_STREAM));           /* via pull_image_with_policy */
  CU_ASSERT_FALSE(ctrt_supports(rt, CTRT_OP_COUNT));
  CU_ASSERT_FALSE(ctrt_supports(rt, (ctrt_op)-1));
  CU_ASSERT_FALSE(ctrt_supports(NULL, CTRT_OP_EXEC));
  ctrt_close(rt);

  /* A delegation is only as good as its delegates: a runtime (made by
   * hand, no backend could be opened like this) with wait_container only. */
  ctrt_backend_ops ops;
  memset(&ops, 0, sizeof ops);
  ops.wait_container = lone_wait_container;
  ctrt_runtime lone;
  memset(&lone, 0, sizeof lone);
  lone.ops = &ops;
  CU_ASSERT_TRUE(ctrt_supports(&lone, CTRT_OP_WAIT_OUTCOME_WITH_CONDITION));
  CU_ASSERT_FALSE(ctrt_supports(&lone, CTRT_OP_EXEC));
  CU_ASSERT_FALSE(ctrt_supports(&lone, CTRT_OP_EXEC_STREAM));
  CU_ASSERT_FALSE(ctrt_supports(&lone, CTRT_OP_EXEC_WITH_OPTS));
  CU_ASSERT_FALSE(ctrt_supports(&lone, CTRT_OP_PULL_IMAGE_STREAM));
  ctrt_container_id id = make_id("web", 1);
  const char *argv[] = {"true"};
  ctrt_exec_event_stream *stream = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_exec_stream(&lone, &stream, &id, argv, 1), CTRT_ERROR_UNSUPPORTED);
  ASSERT_STR(ctrt_error_last()->message, "exec is not supported by this runtime");
  ctrt_wait_outcome *outcome = NULL;
  ASSERT_OK(ctrt_runtime_wait_outcome_with_condition(&lone, &outcome, &id, CTRT_WAIT_CONDITION_NEXT_EXIT));
  CU_ASSERT_EQUAL(outcome->exit_code, 0);
  ctrt_wait_outcome_free(outcome);

  /* The operation table agrees. */
  ctrt_op op = CTRT_OP_COUNT;
  ASSERT_OK(ctrt_op_from_name(&op, "wait_outcome"));
  CU_ASSERT_EQUAL(op, CTRT_OP_WAIT_OUTCOME);
  const ctrt_op_info *info = ctrt_op_info_get(op);
  CU_ASSERT_PTR_NOT_NULL_FATAL(info);
  CU_ASSERT_EQUAL(info->default_kind, CTRT_OP_DEFAULT_DELEGATE);
  CU_ASSERT_EQUAL_FATAL(info->n_delegates, 1);
  CU_ASSERT_EQUAL(info->delegates[0], CTRT_OP_WAIT_CONTAINER);
  ASSERT_FAILS_WITH(ctrt_op_from_name(&op, "wait"), CTRT_ERROR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NULL(ctrt_op_info_get(CTRT_OP_COUNT));
}

/* ---- Argument checks ------------------------------------------------------------ */

static void test_null_and_identity_checks(void) {
  ctrt_runtime *rt = open_fake();
  ctrt_container_id id = make_id("web", 1);
  unsigned long before = calls(rt);
  ctrt_container_state *state = (ctrt_container_state *)1;
  ASSERT_FAILS_WITH(ctrt_runtime_container_state(NULL, &state, &id), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_STR(ctrt_error_last()->message, "container_state: rt must not be NULL");
  ASSERT_FAILS_WITH(ctrt_runtime_container_state(rt, NULL, &id), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_STR(ctrt_error_last()->message, "container_state: out must not be NULL");
  ASSERT_FAILS_WITH(ctrt_runtime_container_state(rt, &state, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_STR(ctrt_error_last()->message, "container_state: id must not be NULL");
  CU_ASSERT_PTR_NULL(state);
  ASSERT_FAILS_WITH(ctrt_runtime_start_container(NULL, &id), CTRT_ERROR_INVALID_ARGUMENT);
  bool has = true;
  uint32_t pid = 5;
  ASSERT_FAILS_WITH(ctrt_runtime_get_container_pid(rt, NULL, &pid, &id), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_runtime_get_container_pid(rt, &has, NULL, &id), CTRT_ERROR_INVALID_ARGUMENT);

  ctrt_container_id bad = make_id("", 1);
  ASSERT_FAILS_WITH(ctrt_runtime_start_container(rt, &bad), CTRT_ERROR_INVALID_SPEC);
  ASSERT_STR(ctrt_error_last()->message, "invalid spec: start_container: the container id has an empty service name");
  bad.service = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_start_container(rt, &bad), CTRT_ERROR_INVALID_SPEC);
  bad = make_id("web", 1);
  bad.role = (char *)"back-end";
  ASSERT_FAILS_WITH(ctrt_runtime_stop_container(rt, &bad, 10), CTRT_ERROR_INVALID_SPEC);
  bad.role = (char *)"";
  ASSERT_FAILS_WITH(ctrt_runtime_remove_container(rt, &bad), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_EQUAL(calls(rt), before);

  /* Lists: NULL with a count, NULL elements, empty argv. */
  ctrt_exec_result *result = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_exec(rt, &result, &id, NULL, 0), CTRT_ERROR_INVALID_SPEC);
  ASSERT_STR(ctrt_error_last()->message, "invalid spec: exec: argv must not be empty");
  ASSERT_FAILS_WITH(ctrt_runtime_exec(rt, &result, &id, NULL, 2), CTRT_ERROR_INVALID_ARGUMENT);
  const char *with_null[] = {"ls", NULL};
  ASSERT_FAILS_WITH(ctrt_runtime_exec(rt, &result, &id, with_null, 2), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_STR(ctrt_error_last()->message, "exec: argv[1] is NULL");
  CU_ASSERT_PTR_NULL(result);
  CU_ASSERT_EQUAL(calls(rt), before);
  ctrt_close(rt);
}

static void test_rename_names(void) {
  ctrt_runtime *rt = open_fake();
  ctrt_container_id id = make_id("web", 1);
  static const char *const bad[] = {"", "a", "-abc", "_abc", ".abc", "a b", "a/b", "ab!", "caf\xc3\xa9", "a\nb", "a:b"};
  unsigned long before = calls(rt);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ASSERT_FAILS_WITH(ctrt_runtime_rename_container(rt, &id, bad[i]), CTRT_ERROR_INVALID_SPEC);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "[a-zA-Z0-9][a-zA-Z0-9_.-]+"));
  }
  ASSERT_FAILS_WITH(ctrt_runtime_rename_container(rt, &id, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(calls(rt), before);
  static const char *const good[] = {"ab", "a-b_c.d", "0abc", "Web2", "x.", "9-", "a__b"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    ASSERT_OK(ctrt_runtime_rename_container(rt, &id, good[i]));
    ASSERT_STR(state_of(rt)->last_new_name, good[i]);
  }
  ctrt_close(rt);
}

static void test_kill_signals(void) {
  ctrt_runtime *rt = open_fake();
  ctrt_container_id id = make_id("web", 1);
  static const struct {
    const char *in, *out;
  } good[] = {{"term", "SIGTERM"}, {" sigterm ", "SIGTERM"}, {"SIGTERM", "SIGTERM"}, {"hup", "SIGHUP"},
              {"Usr1", "SIGUSR1"}, {"int", "SIGINT"},        {"usr2", "SIGUSR2"},    {"KILL", "SIGKILL"}};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    ASSERT_OK(ctrt_runtime_kill_container(rt, &id, good[i].in));
    ASSERT_STR(state_of(rt)->last_signal, good[i].out);
  }
  /* Absent means SIGKILL. */
  ASSERT_OK(ctrt_runtime_kill_container(rt, &id, NULL));
  ASSERT_STR(state_of(rt)->last_signal, "SIGKILL");

  unsigned long before = calls(rt);
  ASSERT_FAILS_WITH(ctrt_runtime_kill_container(rt, &id, ""), CTRT_ERROR_INVALID_SPEC);
  ASSERT_STR(ctrt_error_last()->message, "invalid spec: signal must not be empty");
  ASSERT_FAILS_WITH(ctrt_runtime_kill_container(rt, &id, "STOP"), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "SIGKILL, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2"));
  ASSERT_FAILS_WITH(ctrt_runtime_kill_container(rt, &id, "9"), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_EQUAL(calls(rt), before);
  ASSERT_STR(state_of(rt)->last_signal, "SIGKILL");
  ctrt_close(rt);
}

static void test_other_checks(void) {
  ctrt_runtime *rt = open_fake();
  ctrt_container_id id = make_id("web", 1);
  unsigned long before = calls(rt);
  ctrt_image_search_result_list *found = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_search_images(rt, &found, "", 10), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "search term is empty"));
  ctrt_archive_stream *archive = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_archive_get(rt, &archive, &id, "etc/passwd"), CTRT_ERROR_INVALID_SPEC);
  ASSERT_STR(ctrt_error_last()->message, "invalid spec: archive_get: path 'etc/passwd' must be absolute");
  ctrt_path_stat *stat = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_archive_head(rt, &stat, &id, ""), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(ctrt_runtime_pull_image(rt, "busy box"), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(ctrt_runtime_pull_image(rt, ""), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(ctrt_runtime_pull_image(rt, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_runtime_tag_image(rt, "busybox", "bad\ttag"), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_EQUAL(calls(rt), before);
  ASSERT_OK(ctrt_runtime_search_images(rt, &found, "busybox", 10));
  ASSERT_STR(state_of(rt)->last_term, "busybox");
  ctrt_image_search_result_list_free(found);
  ctrt_close(rt);
}

static void test_update_resources(void) {
  ctrt_runtime *rt = open_fake();
  ctrt_container_id id = make_id("web", 1);
  ctrt_container_resource_update update = CTRT_CONTAINER_RESOURCE_UPDATE_INIT;
  ctrt_container_update_outcome *outcome = NULL;
  /* All absent: a no-op that never reaches the backend. */
  ASSERT_OK(ctrt_runtime_update_container_resources(rt, &outcome, &id, &update));
  CU_ASSERT_PTR_NOT_NULL_FATAL(outcome);
  CU_ASSERT_EQUAL(outcome->n_warnings, 0);
  ctrt_container_update_outcome_free(outcome);
  CU_ASSERT_EQUAL(atomic_load(&state_of(rt)->update_calls), 0);
  /* Zero is not absent. */
  update.has_memory = true;
  update.memory = 0;
  ASSERT_OK(ctrt_runtime_update_container_resources(rt, &outcome, &id, &update));
  CU_ASSERT_EQUAL(atomic_load(&state_of(rt)->update_calls), 1);
  CU_ASSERT_EQUAL_FATAL(outcome->n_warnings, 1);
  ASSERT_STR(outcome->warnings[0], "applied");
  ctrt_container_update_outcome_free(outcome);
  update = (ctrt_container_resource_update)CTRT_CONTAINER_RESOURCE_UPDATE_INIT;
  update.cpuset_cpus = (char *)"";
  ASSERT_OK(ctrt_runtime_update_container_resources(rt, &outcome, &id, &update));
  ctrt_container_update_outcome_free(outcome);
  CU_ASSERT_EQUAL(atomic_load(&state_of(rt)->update_calls), 2);
  ASSERT_FAILS_WITH(ctrt_runtime_update_container_resources(rt, &outcome, &id, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NULL(outcome);
  ctrt_close(rt);
}

/* ---- Backend misbehaviour ---------------------------------------------------------- */

static void test_backend_failures(void) {
  ctrt_runtime *rt = open_fake();
  ctrt_container_state *state = NULL;

  /* Failing without setting an error: an internal error naming the method. */
  ctrt_container_id silent = make_id("fail-silently", 1);
  state = (ctrt_container_state *)1;
  ASSERT_FAILS_WITH(ctrt_runtime_container_state(rt, &state, &silent), CTRT_ERROR_INTERNAL);
  CU_ASSERT_PTR_NULL(state);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "container_state"));
  bool has = true;
  uint32_t pid = 9;
  ASSERT_FAILS_WITH(ctrt_runtime_get_container_pid(rt, &has, &pid, &silent), CTRT_ERROR_INTERNAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "get_container_pid"));
  CU_ASSERT_FALSE(has);

  /* Failing with an error: kept as it is. */
  ctrt_container_id loud = make_id("fail-loudly", 1);
  ASSERT_FAILS_WITH(ctrt_runtime_container_state(rt, &state, &loud), CTRT_ERROR_NOT_FOUND);
  ASSERT_STR(ctrt_error_last()->message, "no such container: fail-loudly");
  CU_ASSERT_EQUAL(ctrt_error_last()->http_status, 404);

  /* Success without the result. */
  ctrt_container_id no_result = make_id("no-result", 1);
  ASSERT_FAILS_WITH(ctrt_runtime_container_state(rt, &state, &no_result), CTRT_ERROR_INTERNAL);
  ASSERT_STR(ctrt_error_last()->message,
             "internal error: container_state: the backend reported success but returned no result");
  CU_ASSERT_PTR_NULL(state);
  char *image_id = (char *)1;
  ctrt_byte_source *tar = NULL;
  ASSERT_OK(ctrt_byte_source_from_buffer(&tar, "", 0));
  ASSERT_FAILS_WITH(ctrt_runtime_import_image(rt, &image_id, tar, "no-result", NULL), CTRT_ERROR_INTERNAL);
  CU_ASSERT_PTR_NULL(image_id);
  ASSERT_OK(ctrt_runtime_import_image(rt, &image_id, tar, "repo", "tag"));
  ASSERT_STR(image_id, "sha256:0123");
  ctrt_free(image_id);
  ctrt_byte_source_free(tar);

  /* A result and a failure: the result is released (valgrind checks). */
  ctrt_container_id both = make_id("result-and-error", 1);
  ASSERT_FAILS_WITH(ctrt_runtime_container_state(rt, &state, &both), CTRT_ERROR_INTERNAL);
  CU_ASSERT_PTR_NULL(state);

  /* An error set but success returned: success, with no error left. */
  ctrt_container_id stale = make_id("stale-error", 1);
  ASSERT_OK(ctrt_runtime_container_state(rt, &state, &stale));
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NONE);
  ASSERT_STR(ctrt_error_last()->message, "");
  CU_ASSERT_EQUAL(state->kind, CTRT_CONTAINER_STATE_RUNNING);
  ctrt_container_state_free(state);
  ASSERT_OK(ctrt_runtime_get_container_pid(rt, &has, &pid, &stale));
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NONE);

  /* Each call starts from no error. */
  ctrt_container_id id = make_id("web", 4);
  ASSERT_OK(ctrt_runtime_get_container_pid(rt, &has, &pid, &id));
  CU_ASSERT_TRUE(has);
  CU_ASSERT_EQUAL(pid, 4);
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NONE);
  ctrt_close(rt);
}

/* ---- The auth context ---------------------------------------------------------------- */

static const char *env_value(const ctrt_service_spec *spec, const char *key, size_t *count) {
  const char *value = NULL;
  *count = 0;
  for (size_t i = 0; i < spec->n_env; i++) {
    if (strcmp(spec->env[i].key, key) == 0) {
      value = spec->env[i].value;
      (*count)++;
    }
  }
  return value;
}

static json_t *decode_segment(const char *text, size_t len) {
  uint8_t *raw = NULL;
  size_t raw_len = 0;
  if (ctrt__base64_decode(&raw, &raw_len, text, len) < 0)
    return NULL;
  json_t *json = json_loadb((const char *)raw, raw_len, 0, NULL);
  ctrt_free(raw);
  return json;
}

/* Check the token's claims and its signature with the secret. */
static void check_token(const char *token, const char *sub, time_t before, time_t after) {
  CU_ASSERT_PTR_NULL(strstr(token, SECRET));
  const char *dot1 = strchr(token, '.');
  CU_ASSERT_PTR_NOT_NULL_FATAL(dot1);
  const char *dot2 = strchr(dot1 + 1, '.');
  CU_ASSERT_PTR_NOT_NULL_FATAL(dot2);
  json_t *header = decode_segment(token, (size_t)(dot1 - token));
  CU_ASSERT_PTR_NOT_NULL_FATAL(header);
  ASSERT_STR(json_string_value(json_object_get(header, "alg")), "HS256");
  json_decref(header);
  json_t *claims = decode_segment(dot1 + 1, (size_t)(dot2 - dot1 - 1));
  CU_ASSERT_PTR_NOT_NULL_FATAL(claims);
  ASSERT_STR(json_string_value(json_object_get(claims, "sub")), sub);
  ASSERT_STR(json_string_value(json_object_get(claims, "iss")), "zlayer");
  json_int_t iat = json_integer_value(json_object_get(claims, "iat"));
  CU_ASSERT_TRUE(iat >= (json_int_t)before && iat <= (json_int_t)after);
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(claims, "exp")), iat + 365 * 24 * 3600);
  json_t *roles = json_object_get(claims, "roles");
  CU_ASSERT_TRUE(json_is_array(roles) && json_array_size(roles) == 1 &&
                 strcmp(json_string_value(json_array_get(roles, 0)), "container") == 0);
  json_decref(claims);
  uint8_t mac[32];
  ctrt__hmac_sha256(SECRET, strlen(SECRET), token, (size_t)(dot2 - token), mac);
  char *signature = ctrt__base64_encode(mac, sizeof mac, true);
  ASSERT_STR(dot2 + 1, signature);
  ctrt_free(signature);
}

static void test_auth_context(void) {
  ctrt_container_auth_context auth = CTRT_CONTAINER_AUTH_CONTEXT_INIT;
  auth.api_url = (char *)"http://10.0.0.1:8080";
  auth.jwt_secret = (char *)SECRET;
  auth.socket_path = (char *)"/run/zlayer/api.sock";
  ctrt_open_options options = CTRT_OPEN_OPTIONS_INIT;
  options.auth_context = &auth;
  ctrt_runtime *rt = NULL;
  ASSERT_OK(ctrt_open_with_options(&rt, "plugin:" FAKE_BACKEND_PATH, &options));

  ctrt_string_map_entry env[] = {{(char *)"A", (char *)"1"}, {(char *)"ZLAYER_API_URL", (char *)"caller's"}};
  ctrt_mount_spec mounts[] = {CTRT_MOUNT_SPEC_INIT};
  mounts[0].source = (char *)"/data";
  mounts[0].target = (char *)"/srv";
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  spec.image.name = (char *)"busybox:latest";
  spec.env = env;
  spec.n_env = 2;
  spec.mounts = mounts;
  spec.n_mounts = 1;
  ctrt_service_spec *before_copy = NULL;
  ASSERT_OK(ctrt_service_spec_copy(&before_copy, &spec));

  ctrt_container_id id = make_id("web", 2);
  time_t before = time(NULL);
  ASSERT_OK(ctrt_runtime_create_container(rt, &id, &spec));
  time_t after = time(NULL);

  /* The caller's spec is untouched. */
  CU_ASSERT_TRUE(ctrt_service_spec_equal(&spec, before_copy));
  CU_ASSERT_PTR_EQUAL(spec.env, env);
  CU_ASSERT_EQUAL(spec.n_env, 2);
  CU_ASSERT_EQUAL(spec.n_mounts, 1);
  ASSERT_STR(env[1].value, "caller's");
  ctrt_service_spec_free(before_copy);

  /* The backend got the injected variables and the socket mount. */
  const ctrt_service_spec *got = state_of(rt)->last_spec;
  CU_ASSERT_PTR_NOT_NULL_FATAL(got);
  size_t count = 0;
  ASSERT_STR(env_value(got, "A", &count), "1");
  ASSERT_STR(env_value(got, "ZLAYER_API_URL", &count), "http://10.0.0.1:8080");
  CU_ASSERT_EQUAL(count, 1);
  ASSERT_STR(env_value(got, "ZLAYER_SOCKET", &count), CTRT__DEFAULT_AUTH_SOCKET_TARGET);
  CU_ASSERT_EQUAL(count, 1);
  const char *token = env_value(got, "ZLAYER_TOKEN", &count);
  CU_ASSERT_EQUAL(count, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(token);
  check_token(token, "container:web:web-2", before, after);
  CU_ASSERT_EQUAL_FATAL(got->n_mounts, 2);
  ASSERT_STR(got->mounts[0].source, "/data");
  ASSERT_STR(got->mounts[1].source, "/run/zlayer/api.sock");
  ASSERT_STR(got->mounts[1].target, CTRT__DEFAULT_AUTH_SOCKET_TARGET);
  CU_ASSERT_TRUE(got->mounts[1].read_only);

  /* The secret is in no serialized form and no error message. */
  char *json = NULL;
  ASSERT_OK(ctrt_service_spec_to_json_string(&json, got));
  CU_ASSERT_PTR_NULL(strstr(json, SECRET));
  CU_ASSERT_PTR_NOT_NULL(strstr(json, "ZLAYER_TOKEN"));
  ctrt_free(json);
  ctrt_container_id loud = make_id("fail-loudly", 1);
  ASSERT_FAILS_WITH(ctrt_runtime_create_container(rt, &loud, &spec), CTRT_ERROR_CREATE_FAILED);
  CU_ASSERT_PTR_NULL(strstr(ctrt_error_last()->message, SECRET));
  ctrt_container_id nameless = make_id("", 1);
  ASSERT_FAILS_WITH(ctrt_runtime_create_container(rt, &nameless, &spec), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_PTR_NULL(strstr(ctrt_error_last()->message, SECRET));
  ASSERT_FAILS_WITH(ctrt_runtime_create_container(rt, &id, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NULL(strstr(ctrt_error_last()->message, SECRET));
  ASSERT_FAILS_WITH(ctrt_runtime_kill_container(rt, &id, SECRET), CTRT_ERROR_INVALID_SPEC); /* the caller's own text */
  ctrt_close(rt);

  /* Another in-container path for the socket. */
  options.auth_socket_target = "/zl/api.sock";
  ASSERT_OK(ctrt_open_with_options(&rt, "plugin:" FAKE_BACKEND_PATH, &options));
  ctrt_container_id other = make_id("db", 0);
  before = time(NULL);
  ASSERT_OK(ctrt_runtime_create_container(rt, &other, &spec));
  after = time(NULL);
  got = state_of(rt)->last_spec;
  ASSERT_STR(env_value(got, "ZLAYER_SOCKET", &count), "/zl/api.sock");
  ASSERT_STR(got->mounts[got->n_mounts - 1].target, "/zl/api.sock");
  check_token(env_value(got, "ZLAYER_TOKEN", &count), "container:db:db-0", before, after);
  ctrt_close(rt);

  /* Without an auth context the spec reaches the backend as it is. */
  rt = open_fake();
  ASSERT_OK(ctrt_runtime_create_container(rt, &id, &spec));
  CU_ASSERT_TRUE(ctrt_service_spec_equal(state_of(rt)->last_spec, &spec));
  CU_ASSERT_PTR_NULL(env_value(state_of(rt)->last_spec, "ZLAYER_TOKEN", &count));
  ctrt_close(rt);
}

/* ---- Threads ------------------------------------------------------------------------ */

#define THREADS 8
#define CALLS 200

typedef struct worker {
  ctrt_runtime *rt;
  int index;
  int failures;
  unsigned long backend_calls; /* how many calls should have reached the backend */
} worker;

static void *work(void *arg) {
  worker *w = arg;
  char service[32], bad_signal[32];
  snprintf(service, sizeof service, "svc-%d", w->index);
  snprintf(bad_signal, sizeof bad_signal, "bogus-%d", w->index);
  const char *argv[] = {"true"};
  for (int i = 0; i < CALLS; i++) {
    ctrt_container_id id = make_id(service, (uint32_t)i);
    bool has = false;
    uint32_t pid = 0;
    if (ctrt_runtime_get_container_pid(w->rt, &has, &pid, &id) != 0 || !has || pid != (uint32_t)i ||
        ctrt_error_last()->kind != CTRT_ERROR_NONE)
      w->failures++;
    w->backend_calls++;
    switch (i % 4) {
    case 0: { /* an error in this thread, with this thread's text */
      if (ctrt_runtime_kill_container(w->rt, &id, bad_signal) != CTRT_EINVALID_SPEC ||
          strstr(ctrt_error_last()->message, bad_signal) == NULL)
        w->failures++;
      break;
    }
    case 1: { /* a delegated default */
      ctrt_wait_outcome *outcome = NULL;
      if (ctrt_runtime_wait_outcome(w->rt, &outcome, &id) != 0 || outcome->exit_code != FAKE_WAIT_CODE)
        w->failures++;
      ctrt_wait_outcome_free(outcome);
      w->backend_calls++;
      break;
    }
    case 2: { /* a delegated stream */
      ctrt_exec_event_stream *stream = NULL;
      if (ctrt_runtime_exec_stream(w->rt, &stream, &id, argv, 1) != 0) {
        w->failures++;
        break;
      }
      w->backend_calls++;
      int events = 0;
      ctrt_exec_event *ev = NULL;
      while (ctrt_exec_event_stream_next(&ev, stream) == 0) {
        events++;
        ctrt_exec_event_free(ev);
      }
      if (events != 3 || ctrt_error_last()->kind != CTRT_ERROR_NONE)
        w->failures++;
      ctrt_exec_event_stream_close(stream);
      break;
    }
    default: { /* a default that never reaches the backend */
      ctrt_container_inspect_details *details = NULL;
      if (ctrt_runtime_inspect_detailed(w->rt, &details, &id) != 0)
        w->failures++;
      ctrt_container_inspect_details_free(details);
      break;
    }
    }
  }
  return NULL;
}

static void test_threads(void) {
  ctrt_runtime *rt = open_fake();
  unsigned long before = calls(rt);
  pthread_t threads[THREADS];
  worker workers[THREADS];
  for (int i = 0; i < THREADS; i++) {
    workers[i] = (worker){rt, i, 0, 0};
    CU_ASSERT_EQUAL_FATAL(pthread_create(&threads[i], NULL, work, &workers[i]), 0);
  }
  unsigned long expected = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(threads[i], NULL);
    CU_ASSERT_EQUAL(workers[i].failures, 0);
    expected += workers[i].backend_calls;
  }
  CU_ASSERT_EQUAL(calls(rt) - before, expected);
  CU_ASSERT_EQUAL(expected, THREADS * (CALLS + CALLS / 2));
  ctrt_close(rt);
}

/* Moved from the conformance suite: images, lifecycle, errors, streams */

/* These never reach a backend: the generated dispatcher (argument checks,
 * declared defaults) or the core (the error record) answers. They run on
 * the mock, addressed at containers that do not exist, so a check that let
 * the call through would show as not_found instead. */

static ctrt_runtime *open_mock(void) {
  ctrt_runtime *rt = NULL;
  ASSERT_OK(ctrt_open(&rt, "mock:"));
  return rt;
}

/* lifecycle.update_empty_is_noop */
static void test_moved_update_empty_is_noop(void) {
  /* An all-absent update does nothing at all: not even an existence check. */
  ctrt_runtime *rt = open_mock();
  ctrt_container_id id = make_id("moved-nobody", 0);
  ctrt_container_resource_update update = CTRT_CONTAINER_RESOURCE_UPDATE_INIT;
  ctrt_container_update_outcome *outcome = NULL;
  ASSERT_OK(ctrt_runtime_update_container_resources(rt, &outcome, &id, &update));
  CU_ASSERT_PTR_NOT_NULL_FATAL(outcome);
  CU_ASSERT_EQUAL(outcome->n_warnings, 0);
  ctrt_container_update_outcome_free(outcome);
  ctrt_close(rt);
}

/* lifecycle.rename_bad_names */
static void test_moved_rename_bad_names(void) {
  ctrt_runtime *rt = open_mock();
  ctrt_container_id id = make_id("moved-nobody", 0);
  static const char *const bad[] = {"", "x", "-leading-dash", "has space", "slash/name", "bang!"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ASSERT_FAILS_WITH(ctrt_runtime_rename_container(rt, &id, bad[i]), CTRT_ERROR_INVALID_SPEC);
  /* A valid name gets through to the mock, which does not know the id. */
  ASSERT_FAILS_WITH(ctrt_runtime_rename_container(rt, &id, "valid-name"), CTRT_ERROR_NOT_FOUND);
  ctrt_close(rt);
}

/* lifecycle.kill_invalid_signal */
static void test_moved_kill_invalid_signal(void) {
  ctrt_runtime *rt = open_mock();
  ctrt_container_id id = make_id("moved-nobody", 0);
  ASSERT_FAILS_WITH(ctrt_runtime_kill_container(rt, &id, "SIGSEGV"), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "SIGKILL"));
  ASSERT_FAILS_WITH(ctrt_runtime_kill_container(rt, &id, "  "), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(ctrt_runtime_kill_container(rt, &id, "term"), CTRT_ERROR_NOT_FOUND);
  ctrt_close(rt);
}

/* images.search_empty_term */
static void test_moved_search_empty_term(void) {
  ctrt_runtime *rt = open_mock();
  ctrt_image_search_result_list *r = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_search_images(rt, &r, "", 0), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_PTR_NULL(r);
  ctrt_close(rt);
}

/* errors.invalid_container_id */
static void test_moved_invalid_container_id(void) {
  ctrt_runtime *rt = open_mock();
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = "";
  ASSERT_FAILS_WITH(ctrt_runtime_start_container(rt, &id), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(ctrt_runtime_start_container(rt, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  ctrt_close(rt);
}

/* errors.null_arguments */
static void test_moved_null_arguments(void) {
  ctrt_runtime *rt = open_mock();
  ASSERT_FAILS_WITH(ctrt_runtime_list_images(rt, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_runtime_list_images(NULL, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  CU_ASSERT_NOT_EQUAL(ctrt_error_last()->message[0], '\0');
  ctrt_close(rt);
}

/* errors.relative_archive_path */
static void test_moved_relative_archive_path(void) {
  ctrt_runtime *rt = open_mock();
  ctrt_container_id id = make_id("moved-nobody", 0);
  ctrt_path_stat *st = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_archive_head(rt, &st, &id, "etc/passwd"), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_PTR_NULL(st);
  ctrt_close(rt);
}

/* errors.bad_image_reference */
static void test_moved_bad_image_reference(void) {
  ctrt_runtime *rt = open_mock();
  ASSERT_FAILS_WITH(ctrt_runtime_pull_image(rt, "has space:latest"), CTRT_ERROR_INVALID_SPEC);
  ASSERT_FAILS_WITH(ctrt_runtime_pull_image(rt, ""), CTRT_ERROR_INVALID_SPEC);
  ctrt_close(rt);
}

/* Docker's reference grammar, decided by the dispatcher: a well-formed
 * reference reaches the mock (which has no images: not found), a malformed
 * one never does (invalid_spec naming it). */
static void test_image_reference_grammar(void) {
  ctrt_runtime *rt = open_mock();
  static const char *const good[] = {
      "busybox",
      "busybox:1.36",
      "library/busybox:latest",
      "docker.io/library/busybox",
      "localhost/x:1",
      "localhost:5000/a/b-c__d.e:v1.2-rc_3",
      "Registry.Example.com:443/team/app",
      "127.0.0.1:1/ctrt/absent:latest",
      "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "a--b",
      "0123456789ab",
  };
  static const char *const bad[] = {
      "Not:A:Valid::Ref",
      "UPPER/case",
      "Upper",
      "localhost:1/x@sha256:zz",
      "x@sha256:abc",
      "x@:0123456789abcdef0123456789abcdef",
      "x:",
      ":tag",
      "a//b",
      "a/",
      "/a",
      "a/-b",
      "a_/b",
      "a___b",
      "host:99999999/x",
      "x:-tag",
      "has space",
      "",
  };
  for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
    ctrt_image_inspect_info *info = NULL;
    int rc = ctrt_runtime_inspect_image_native(rt, &info, good[i]);
    CU_ASSERT_EQUAL(rc, -(int)CTRT_ERROR_NOT_FOUND);
    if (rc != -(int)CTRT_ERROR_NOT_FOUND)
      fprintf(stderr, "good reference '%s' refused: %s\n", good[i], ctrt_error_last()->message);
  }
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ctrt_image_inspect_info *info = NULL;
    int rc = ctrt_runtime_inspect_image_native(rt, &info, bad[i]);
    CU_ASSERT_EQUAL(rc, -(int)CTRT_ERROR_INVALID_SPEC);
    if (rc != -(int)CTRT_ERROR_INVALID_SPEC)
      fprintf(stderr, "bad reference '%s' accepted (%d)\n", bad[i], rc);
    else
      CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, bad[i]));
  }
  ASSERT_FAILS_WITH(ctrt_runtime_pull_image(rt, "UPPER/case"), CTRT_ERROR_INVALID_SPEC);
  ASSERT_STR(ctrt_error_last()->message,
             "invalid spec: pull_image: invalid image reference 'UPPER/case': the repository name must be lower case");
  /* create: the field is named, and an absent name is refused too. */
  ctrt_container_id id = make_id("refgrammar", 0);
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  spec.image.name = "localhost:1/x@sha256:zz";
  ASSERT_FAILS_WITH(ctrt_runtime_create_container(rt, &id, &spec), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_PTR_NOT_NULL(
      strstr(ctrt_error_last()->message, "create_container: spec.image.name: invalid image reference"));
  spec.image.name = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_create_container(rt, &id, &spec), CTRT_ERROR_INVALID_SPEC);
  ASSERT_STR(ctrt_error_last()->message,
             "invalid spec: create_container: spec.image.name is absent (an image reference is required)");
  ctrt_close(rt);
}

/* A service name every engine can put into its container name. */
static void test_service_names(void) {
  ctrt_runtime *rt = open_mock();
  static const char *const bad[] = {"a/b", "a b", "a:b", "é"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ctrt_container_id id = make_id(bad[i], 0);
    ctrt_container_state *st = NULL;
    ASSERT_FAILS_WITH(ctrt_runtime_container_state(rt, &st, &id), CTRT_ERROR_INVALID_SPEC);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, bad[i]));
  }
  ctrt_container_id ok = make_id("Web_1.a-b", 0);
  ctrt_container_state *st = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_container_state(rt, &st, &ok), CTRT_ERROR_NOT_FOUND);
  ctrt_close(rt);
}

/* Runtime URIs: case-insensitive schemes, the bare Docker-API forms, and
 * errors that list what is valid or say what is missing. */
static void test_uri_forms(void) {
  ctrt_runtime *rt = NULL;
  ASSERT_OK(ctrt_open(&rt, "MOCK:"));
  ctrt_close(rt);
  rt = NULL;
  ASSERT_OK(ctrt_open(&rt, "Mock://"));
  ctrt_close(rt);
  rt = NULL;
  ASSERT_FAILS_WITH(ctrt_open(&rt, "nosuch://x"), CTRT_ERROR_INVALID_ARGUMENT);
  const char *m = ctrt_error_last()->message;
  CU_ASSERT_PTR_NOT_NULL(strstr(m, "no backend for 'nosuch:'"));
  CU_ASSERT_PTR_NOT_NULL(strstr(m, "valid schemes: mock:, docker://"));
  CU_ASSERT_PTR_NOT_NULL(strstr(m, "unix:///PATH"));
  ASSERT_FAILS_WITH(ctrt_open(&rt, "no-scheme-here"), CTRT_ERROR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "valid schemes: mock:"));
  /* A Docker host without its host name says so, in either case. */
  ASSERT_FAILS_WITH(ctrt_open(&rt, "docker://tcp://"), CTRT_ERROR_CONFIGURATION);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "the host is missing"));
  ASSERT_FAILS_WITH(ctrt_open(&rt, "DOCKER://TCP://"), CTRT_ERROR_CONFIGURATION);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "the host is missing"));
  /* The bare forms every Docker tool prints reach the docker backend: a
   * socket nobody serves is a network error, not "no backend". */
  static const char *const bare[] = {"unix:///nonexistent/ctrt-uri-test.sock", "UNIX:///nonexistent/ctrt-uri-test.sock",
                                     "docker://Unix:///nonexistent/ctrt-uri-test.sock"};
  for (size_t i = 0; i < sizeof bare / sizeof *bare; i++) {
    int rc = ctrt_open(&rt, bare[i]);
    CU_ASSERT_TRUE(rc < 0);
    CU_ASSERT_PTR_NULL(strstr(ctrt_error_last()->message, "no backend"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "/nonexistent/ctrt-uri-test.sock"));
  }
  ASSERT_FAILS_WITH(ctrt_open(&rt, "tcp://"), CTRT_ERROR_CONFIGURATION);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "the host is missing"));
  CU_ASSERT_PTR_NULL(rt);
}

/* errors.success_clears_error */
static void test_moved_success_clears_error(void) {
  ctrt_runtime *rt = open_mock();
  ctrt_container_id id = make_id("moved-nobody", 0);
  ctrt_container_state *s = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_container_state(rt, &s, &id), CTRT_ERROR_NOT_FOUND);
  ctrt_overlay_attach_kind kind;
  ASSERT_OK(ctrt_runtime_overlay_attach_kind(rt, &kind));
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NONE);
  CU_ASSERT_EQUAL(ctrt_error_last()->message[0], '\0');
  ctrt_close(rt);
}

/* errors.errors_are_per_thread */
static void *moved_look_at_error(void *arg) {
  *(ctrt_error_kind *)arg = ctrt_error_last()->kind;
  return NULL;
}

static void test_moved_errors_are_per_thread(void) {
  ctrt_runtime *rt = open_mock();
  ctrt_container_id id = make_id("moved-nobody", 0);
  ctrt_container_state *s = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_container_state(rt, &s, &id), CTRT_ERROR_NOT_FOUND);
  ctrt_error_kind seen = CTRT_ERROR_INTERNAL;
  pthread_t t;
  CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, moved_look_at_error, &seen), 0);
  pthread_join(t, NULL);
  CU_ASSERT_EQUAL(seen, CTRT_ERROR_NONE);
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NOT_FOUND);
  ctrt_close(rt);
}

/* Moved from the conformance suite: inspection, logs, exec, archive */

/* These checks are the generated dispatcher's: they answer before any
 * backend is called, so they are unit tests (here on the mock, which has
 * no image and no container: a call that reached it would say not found). */
static void test_mock_exec_empty_argv(void) {
  ctrt_runtime *rt = NULL;
  ASSERT_OK(ctrt_open(&rt, "mock:"));
  ctrt_container_id id = make_id("conform", 0);
  ctrt_exec_result *result = (ctrt_exec_result *)1;
  /* exec.empty_argv: an empty command is invalid. */
  ASSERT_FAILS_WITH(ctrt_runtime_exec(rt, &result, &id, NULL, 0), CTRT_ERROR_INVALID_SPEC);
  ASSERT_STR(ctrt_error_last()->message, "invalid spec: exec: argv must not be empty");
  CU_ASSERT_PTR_NULL(result);
  ctrt_exec_event_stream *events = (ctrt_exec_event_stream *)1;
  ASSERT_FAILS_WITH(ctrt_runtime_exec_stream(rt, &events, &id, NULL, 0), CTRT_ERROR_INVALID_SPEC);
  ASSERT_STR(ctrt_error_last()->message, "invalid spec: exec_stream: argv must not be empty");
  CU_ASSERT_PTR_NULL(events);
  /* Past the dispatcher the mock answers: the container is unknown. */
  const char *argv[] = {"true"};
  ASSERT_FAILS_WITH(ctrt_runtime_exec(rt, &result, &id, argv, 1), CTRT_ERROR_NOT_FOUND);
  ctrt_close(rt);
}

static void test_mock_archive_relative_paths(void) {
  ctrt_runtime *rt = NULL;
  ASSERT_OK(ctrt_open(&rt, "mock:"));
  ctrt_container_id id = make_id("conform", 0);
  ctrt_archive_stream *archive = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_archive_get(rt, &archive, &id, "tmp"), CTRT_ERROR_INVALID_SPEC);
  ASSERT_STR(ctrt_error_last()->message, "invalid spec: archive_get: path 'tmp' must be absolute");
  CU_ASSERT_PTR_NULL(archive);
  ctrt_path_stat *stat = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_archive_head(rt, &stat, &id, "./tmp"), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_PTR_NULL(stat);
  ctrt_byte_source *src = NULL;
  ASSERT_OK(ctrt_byte_source_from_buffer(&src, "", 0));
  ctrt_archive_put_options options = CTRT_ARCHIVE_PUT_OPTIONS_INIT;
  ASSERT_FAILS_WITH(ctrt_runtime_archive_put(rt, &id, "tmp", src, &options), CTRT_ERROR_INVALID_SPEC);
  ASSERT_STR(ctrt_error_last()->message, "invalid spec: archive_put: path 'tmp' must be absolute");
  /* An absolute path reaches the mock, which does not know the container. */
  ASSERT_FAILS_WITH(ctrt_runtime_archive_head(rt, &stat, &id, "/tmp"), CTRT_ERROR_NOT_FOUND);
  ctrt_byte_source_free(src);
  ctrt_close(rt);
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("open", NULL, NULL);
  CU_add_test(s, "plugin", test_open_plugin);
  CU_add_test(s, "failures", test_open_failures);

  s = CU_add_suite("defaults", NULL, NULL);
  CU_add_test(s, "unsupported", test_default_unsupported);
  CU_add_test(s, "empty, noop, value", test_default_empty_noop_value);
  CU_add_test(s, "wait_outcome via wait_container", test_default_wait_outcome);
  CU_add_test(s, "exec_stream and exec_with_opts via exec", test_default_exec_stream_and_with_opts);
  CU_add_test(s, "pull_image_stream via pull_image_with_policy", test_default_pull_image_stream);
  CU_add_test(s, "ctrt_supports", test_supports);

  s = CU_add_suite("checks", NULL, NULL);
  CU_add_test(s, "NULL and identity", test_null_and_identity_checks);
  CU_add_test(s, "rename names", test_rename_names);
  CU_add_test(s, "kill signals", test_kill_signals);
  CU_add_test(s, "search term, paths, images", test_other_checks);
  CU_add_test(s, "empty resource update", test_update_resources);

  s = CU_add_suite("backend", NULL, NULL);
  CU_add_test(s, "misbehaviour", test_backend_failures);
  CU_add_test(s, "auth context", test_auth_context);
  CU_add_test(s, "threads", test_threads);

  s = CU_add_suite("moved from the conformance suite", NULL, NULL);
  CU_add_test(s, "lifecycle.update_empty_is_noop", test_moved_update_empty_is_noop);
  CU_add_test(s, "lifecycle.rename_bad_names", test_moved_rename_bad_names);
  CU_add_test(s, "lifecycle.kill_invalid_signal", test_moved_kill_invalid_signal);
  CU_add_test(s, "images.search_empty_term", test_moved_search_empty_term);
  CU_add_test(s, "errors.invalid_container_id", test_moved_invalid_container_id);
  CU_add_test(s, "errors.null_arguments", test_moved_null_arguments);
  CU_add_test(s, "errors.relative_archive_path", test_moved_relative_archive_path);
  CU_add_test(s, "errors.bad_image_reference", test_moved_bad_image_reference);
  CU_add_test(s, "image reference grammar", test_image_reference_grammar);
  CU_add_test(s, "service names", test_service_names);
  CU_add_test(s, "runtime URI forms", test_uri_forms);
  CU_add_test(s, "errors.success_clears_error", test_moved_success_clears_error);
  CU_add_test(s, "errors.errors_are_per_thread", test_moved_errors_are_per_thread);
  s = CU_add_suite("moved from conformance: inspection, logs, exec, archive", NULL, NULL);
  CU_add_test(s, "exec.empty_argv (mock)", test_mock_exec_empty_argv);
  CU_add_test(s, "archive relative paths (mock)", test_mock_archive_relative_paths);
}
