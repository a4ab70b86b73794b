/* SPDX-License-Identifier: MIT */
/* Defaults of delegating methods (spec: default.delegate): what a backend
 * that lacks the method gets, built from the methods it has, exactly as
 * runtime-interface.md describes. They call the public dispatchers, so the
 * delegates' own defaults and checks apply too. */
#include "core/log_records.h"
#include "gen_internal.h"

static int single_status(void **item, const char *text) {
  ctrt_pull_progress *p = ctrt__malloc(sizeof *p);
  CTRT__CHECK_ALLOC(p);
  *p = (ctrt_pull_progress)CTRT_PULL_PROGRESS_INIT;
  p->kind = CTRT_PULL_PROGRESS_STATUS;
  p->status = (ctrt_pull_progress_status)CTRT_PULL_PROGRESS_STATUS_INIT;
  p->status.status = ctrt__strdup(text);
  *item = p;
  return p->status.status ? 0 : ctrt__error_no_memory();
}

int ctrt__default_pull_image_stream(ctrt_runtime *rt, ctrt_pull_progress_stream **out, const char *image,
                                    const ctrt_registry_auth *auth) {
  int rc = ctrt_runtime_pull_image_with_policy(rt, image, CTRT_PULL_POLICY_IF_NOT_PRESENT, auth,
                                               CTRT_SOURCE_POLICY_LOCAL_FIRST);
  if (rc < 0)
    return rc;
  void **items = ctrt__calloc(2, sizeof *items);
  CTRT__CHECK_ALLOC(items);
  char *status = ctrt__sprintf("Pulling from %s", image);
  rc = status ? single_status(&items[0], status) : ctrt__error_no_memory();
  ctrt__free(status);
  if (rc < 0)
    goto fail;
  ctrt_pull_progress *done = ctrt__malloc(sizeof *done);
  if (done == NULL) {
    rc = ctrt__error_no_memory();
    goto fail;
  }
  *done = (ctrt_pull_progress)CTRT_PULL_PROGRESS_INIT;
  done->kind = CTRT_PULL_PROGRESS_DONE;
  done->done = (ctrt_pull_progress_done)CTRT_PULL_PROGRESS_DONE_INIT;
  done->done.reference = ctrt__strdup(image);
  items[1] = done;
  if (done->done.reference == NULL) {
    rc = ctrt__error_no_memory();
    goto fail;
  }
  ctrt__stream *stream = NULL;
  rc = ctrt__stream_from_items(&stream, items, 2, ctrt__pull_progress_stream_item_free, 0, NULL);
  *out = (ctrt_pull_progress_stream *)stream;
  return rc;
fail:
  ctrt_pull_progress_free(items[0]);
  ctrt_pull_progress_free(items[1]);
  ctrt__free(items);
  return rc;
}

int ctrt__default_wait_outcome(ctrt_runtime *rt, ctrt_wait_outcome **out, const ctrt_container_id *id) {
  int32_t code = 0;
  int rc = ctrt_runtime_wait_container(rt, &code, id);
  if (rc < 0)
    return rc;
  ctrt_wait_outcome *outcome = ctrt__malloc(sizeof *outcome);
  CTRT__CHECK_ALLOC(outcome);
  *outcome = (ctrt_wait_outcome)CTRT_WAIT_OUTCOME_INIT;
  outcome->exit_code = code;
  outcome->reason = CTRT_WAIT_REASON_EXITED;
  *out = outcome;
  return 0;
}

int ctrt__default_wait_outcome_with_condition(ctrt_runtime *rt, ctrt_wait_outcome **out, const ctrt_container_id *id,
                                              ctrt_wait_condition condition) {
  (void)condition; /* the reference: "condition ignored" */
  return ctrt_runtime_wait_outcome(rt, out, id);
}

int ctrt__default_exec_with_opts(ctrt_runtime *rt, ctrt_exec_result **out, const ctrt_container_id *id,
                                 const ctrt_exec_options *options) {
  /* user, working_dir and env are dropped, as the reference says. */
  return ctrt_runtime_exec(rt, out, id, (const char *const *)options->command, options->n_command);
}

int ctrt__default_exec_stream(ctrt_runtime *rt, ctrt_exec_event_stream **out, const ctrt_container_id *id,
                              const char *const *argv, size_t n_argv) {
  ctrt_exec_result *result = NULL;
  int rc = ctrt_runtime_exec(rt, &result, id, argv, n_argv);
  if (rc < 0)
    return rc;
  void **items = ctrt__calloc(3, sizeof *items);
  size_t n = 0;
  if (items == NULL) {
    rc = ctrt__error_no_memory();
    goto fail;
  }
  /* Events are never empty: an empty output gives none. */
  if (result->stdout_.len > 0 && (rc = ctrt__exec_event_new((ctrt_exec_event **)&items[n++], CTRT_EXEC_EVENT_STDOUT,
                                                            result->stdout_.data, result->stdout_.len, 0)) < 0)
    goto fail;
  if (result->stderr_.len > 0 && (rc = ctrt__exec_event_new((ctrt_exec_event **)&items[n++], CTRT_EXEC_EVENT_STDERR,
                                                            result->stderr_.data, result->stderr_.len, 0)) < 0)
    goto fail;
  if ((rc = ctrt__exec_event_new((ctrt_exec_event **)&items[n++], CTRT_EXEC_EVENT_EXIT, NULL, 0, result->exit_code)) <
      0)
    goto fail;
  ctrt_exec_result_free(result);
  ctrt__stream *stream = NULL;
  rc = ctrt__stream_from_items(&stream, items, n, ctrt__exec_event_stream_item_free, 0, NULL);
  *out = (ctrt_exec_event_stream *)stream;
  return rc;
fail:
  ctrt_exec_result_free(result);
  for (size_t i = 0; items && i < n; i++)
    ctrt_exec_event_free(items[i]);
  ctrt__free(items);
  return rc;
}
