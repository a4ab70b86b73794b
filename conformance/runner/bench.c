/* SPDX-License-Identifier: MIT */
/* ctrt-conform --benchmark N: the time of each method's basic operation on
 * the backend, as critest -benchmark times the CRI's. N rounds of one
 * container's life (create, start, state, inspect, exec, stats, logs, stop,
 * wait, remove) and of the image and list calls beside it, each call timed
 * on its own; the median and the 90th percentile per method go into the
 * matrix (method_detail.M.latency_ms, latency_p90_ms). Nothing asserts a
 * time: a call that fails is counted, reported and left out of the figures.
 *
 * The methods timed are those whose basic operation needs nothing but the
 * test image and a container; the calls are hand-written because each one's
 * arguments are (the spec gives the signatures, not a meaningful call). */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct samples {
  double *ms;
  size_t n, cap;
  unsigned errors;
  char *first_error;
} samples;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Record one timed call of op: its time when it succeeded, else the error. */
static bool record(samples *all, ctrt_op op, int rc, double start) {
  double elapsed = now_ms() - start;
  samples *s = &all[op];
  if (rc < 0) {
    if (s->errors++ == 0) {
      char text[1024];
      snprintf(text, sizeof text, "%s: %s", ctrt_error_kind_name(ctrt_error_last()->kind), ctrt_error_last()->message);
      s->first_error = strdup(text);
    }
    return false;
  }
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 16;
    if ((s->ms = realloc(s->ms, s->cap * sizeof *s->ms)) == NULL)
      abort();
  }
  s->ms[s->n++] = elapsed;
  return true;
}

/* Time the call; false when it failed (recorded). */
#define TIMED(all, op, call) (t0 = now_ms(), record((all), (op), (call), t0))

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The q-quantile by the nearest rank of sorted values. */
static double quantile(const double *sorted, size_t n, double q) {
  size_t rank = (size_t)(q * (double)n + 0.999999);
  return sorted[rank ? rank - 1 : 0];
}

/* One round: the image and list calls, then one container's life. */
static void round_of(ctrt_runtime *rt, const conform_env *env, unsigned round, samples *all) {
  double t0;
  ctrt_image_info_list *images = NULL;
  if (TIMED(all, CTRT_OP_LIST_IMAGES, ctrt_runtime_list_images(rt, &images)))
    ctrt_image_info_list_free(images);
  ctrt_image_inspect_info *image = NULL;
  if (TIMED(all, CTRT_OP_INSPECT_IMAGE_NATIVE, ctrt_runtime_inspect_image_native(rt, &image, env->image)))
    ctrt_image_inspect_info_free(image);

  char service[96];
  snprintf(service, sizeof service, "cfc-%s-bench-%u", env->run_token, round);
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = service;
  static const char *const argv[] = {"sh", "-c", "echo ready; sleep 600"};
  ctrt_command_spec command = CTRT_COMMAND_SPEC_INIT;
  command.has_args = true;
  command.args = (char **)argv;
  command.n_args = sizeof argv / sizeof argv[0];
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  spec.image.name = (char *)env->image;
  spec.command = &command;
  if (!TIMED(all, CTRT_OP_CREATE_CONTAINER, ctrt_runtime_create_container(rt, &id, &spec)))
    return;
  if (TIMED(all, CTRT_OP_START_CONTAINER, ctrt_runtime_start_container(rt, &id))) {
    ctrt_container_state *state = NULL;
    if (TIMED(all, CTRT_OP_CONTAINER_STATE, ctrt_runtime_container_state(rt, &state, &id)))
      ctrt_container_state_free(state);
    ctrt_container_inspect_details *details = NULL;
    if (TIMED(all, CTRT_OP_INSPECT_DETAILED, ctrt_runtime_inspect_detailed(rt, &details, &id)))
      ctrt_container_inspect_details_free(details);
    ctrt_runtime_container_summary_list *list = NULL;
    if (TIMED(all, CTRT_OP_LIST_CONTAINERS, ctrt_runtime_list_containers(rt, &list)))
      ctrt_runtime_container_summary_list_free(list);
    static const char *const truth[] = {"true"};
    ctrt_exec_result *result = NULL;
    if (TIMED(all, CTRT_OP_EXEC, ctrt_runtime_exec(rt, &result, &id, truth, 1)))
      ctrt_exec_result_free(result);
    ctrt_container_stats *stats = NULL;
    if (TIMED(all, CTRT_OP_GET_CONTAINER_STATS, ctrt_runtime_get_container_stats(rt, &stats, &id)))
      ctrt_container_stats_free(stats);
    ctrt_log_entry_list *logs = NULL;
    ctrt_log_options all_logs = CTRT_LOG_OPTIONS_INIT;
    if (TIMED(all, CTRT_OP_GET_LOGS, ctrt_runtime_get_logs(rt, &logs, &id, &all_logs)))
      ctrt_log_entry_list_free(logs);
    if (TIMED(all, CTRT_OP_CONTAINER_LOGS, ctrt_runtime_container_logs(rt, &logs, &id, 1)))
      ctrt_log_entry_list_free(logs);
    TIMED(all, CTRT_OP_STOP_CONTAINER, ctrt_runtime_stop_container(rt, &id, 0));
    int32_t code;
    TIMED(all, CTRT_OP_WAIT_CONTAINER, ctrt_runtime_wait_container(rt, &code, &id));
  }
  TIMED(all, CTRT_OP_REMOVE_CONTAINER, ctrt_runtime_remove_container(rt, &id));
}

int conform_benchmark(ctrt_runtime *rt, const conform_env *env, unsigned rounds, conform_latency out[CTRT_OP_COUNT]) {
  samples *all = calloc(CTRT_OP_COUNT, sizeof *all);
  if (all == NULL)
    abort();
  for (unsigned r = 0; r < rounds; r++)
    round_of(rt, env, r, all);
  int measured = 0;
  printf("\nctrt-conform: benchmark, %u rounds (ms per call)\n%-28s %10s %10s %6s  %s\n", rounds, "method", "median",
         "p90", "calls", "errors");
  for (int op = 0; op < CTRT_OP_COUNT; op++) {
    samples *s = &all[op];
    out[op] = (conform_latency){.median_ms = -1, .p90_ms = -1, .calls = s->n, .errors = s->errors};
    if (s->n == 0 && s->errors == 0)
      continue;
    if (s->n) {
      qsort(s->ms, s->n, sizeof *s->ms, by_value);
      out[op].median_ms = quantile(s->ms, s->n, 0.5);
      out[op].p90_ms = quantile(s->ms, s->n, 0.9);
      measured++;
      printf("%-28s %10.3f %10.3f %6zu  %u%s%s\n", ctrt_op_info_get((ctrt_op)op)->name, out[op].median_ms,
             out[op].p90_ms, s->n, s->errors, s->errors ? " " : "", s->first_error ? s->first_error : "");
    } else {
      printf("%-28s %10s %10s %6zu  %u %s\n", ctrt_op_info_get((ctrt_op)op)->name, "-", "-", s->n, s->errors,
             s->first_error ? s->first_error : "");
    }
    free(s->ms);
    free(s->first_error);
  }
  fflush(stdout);
  free(all);
  return measured;
}
