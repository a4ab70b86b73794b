/* SPDX-License-Identifier: MIT */
/* Running cases in child processes (schedule.c). */
#ifndef CTRT_CONFORM_SCHEDULE_H
#define CTRT_CONFORM_SCHEDULE_H

#include "runner.h"

typedef struct conform_job {
  const conform_case *c;
  const char *area;
  unsigned index; /* unique in the run: names what the case creates */
  unsigned timeout_s;
  const conform_expectation *expectation; /* for this case on this engine, or NULL */
  conform_result *result;
} conform_job;

typedef struct conform_schedule {
  ctrt_runtime *rt;
  const conform_env *env;
  const ctrt_support *support; /* per method */
  unsigned jobs;               /* cases at once */
  const char *dir;             /* where children leave their outcomes */
  void (*on_done)(const conform_job *job);
} conform_schedule;

/* Run the jobs (in this order, `jobs` at a time, as the cases' ALONE and
 * TAGS_TEST_IMAGE allow) and judge each. */
int conform_schedule_run(const conform_schedule *s, conform_job *jobs, size_t n);

#endif
