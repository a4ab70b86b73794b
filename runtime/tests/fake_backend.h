/* SPDX-License-Identifier: MIT */
/* A fake backend, built as a plugin (fake_backend.c) that dispatch_test.c
 * opens with ctrt_open("plugin:PATH"). It implements the required methods
 * and a few others, records what the dispatchers pass on, and misbehaves
 * on request, chosen by the ContainerId's service name:
 *
 *   "fail-silently"   fail with CTRT_ENOT_FOUND without setting an error
 *   "fail-loudly"     fail with a not_found error and a message
 *   "no-result"       report success without producing the result
 *   "result-and-error" produce a result, then fail (the result must be freed)
 *   "stale-error"     set an error, then succeed anyway
 *   "quiet"           exec with empty stdout
 *
 * Built with FAKE_INCOMPLETE it lacks two required methods (exec, get_logs)
 * and calls itself "fake-incomplete".
 */
#ifndef CTRT_TESTS_FAKE_BACKEND_H
#define CTRT_TESTS_FAKE_BACKEND_H

#include <ctrt/ctrt.h>
#include <ctrt/json.h>
#include <ctrt/plugin.h>

#include <pthread.h>
#include <stdatomic.h>

#define FAKE_WAIT_CODE 137
#define FAKE_EXEC_STDOUT "out\n"
#define FAKE_EXEC_STDERR "err\n"
#define FAKE_EXEC_EXIT 3

typedef struct fake_state {
  pthread_mutex_t lock;
  char *uri;                 /* what open received */
  atomic_ulong calls;        /* every backend call */
  atomic_ulong update_calls; /* update_container_resources */
  /* What the last call of each kind received (under lock). */
  char *last_signal;   /* kill_container */
  char *last_new_name; /* rename_container */
  char *last_term;     /* search_images */
  char *last_image;    /* pull_image_with_policy */
  ctrt_pull_policy last_policy;
  size_t n_last_argv; /* exec */
  char **last_argv;
  ctrt_service_spec *last_spec; /* create_container (a copy) */
} fake_state;

#endif
