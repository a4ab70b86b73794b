/* SPDX-License-Identifier: MIT */
/* Internals of ctrt-conform shared by its files.
 *
 * The runner forks one child process per case (runner/schedule.c): the
 * child runs the case through CUnit, cleans up, checks the shared fixtures
 * and writes what it observed (runner/outcome.c) for the parent, which
 * turns it into a verdict (runner/verdict.c) against the expectations
 * (runner/expectations.c) and reports it (runner/report.c). */
#ifndef CTRT_CONFORM_RUNNER_H
#define CTRT_CONFORM_RUNNER_H

#include "../conform.h"

#include <sys/types.h>

/* ---- the case running in this (child) process (helpers.c) ---- */

typedef struct conform_deferred {
  void *ptr;
  void (*free_fn)(void *);
  struct conform_deferred *next;
} conform_deferred;

typedef struct conform_created {
  ctrt_container_id *id;
  struct conform_created *next;
} conform_created;

typedef struct conform_tracked {
  char *reference;
  struct conform_tracked *next;
} conform_tracked;

/* One failed check, as observed. */
typedef struct conform_failure {
  char *check;    /* the check id (conform.h) */
  int op;         /* the method the check called, or -1 */
  char *observed; /* an error kind name, "success", or the message */
  char *message;  /* FILE:LINE: what went wrong */
  struct conform_failure *next;
} conform_failure;

typedef struct conform_state {
  ctrt_runtime *rt;
  conform_env env;
  const conform_case *c;
  unsigned case_index; /* names of what the case creates carry it */
  unsigned counter;
  conform_deferred *deferred; /* freed after the case */
  conform_deferred *messages; /* failure texts CUnit keeps */
  conform_created *created;
  conform_tracked *images;
  conform_failure *failures, **failures_tail;
  bool called[CTRT_OP_COUNT]; /* methods the case's checks called */
} conform_state;

extern conform_state conform_current;

void conform_cleanup_case(void);
void conform_run_deferred(conform_deferred **list);
void conform_failures_free(conform_failure *list);
/* The prefix of the managed ids of the containers case index i creates. */
char *conform_case_prefix(const conform_env *env, unsigned case_index);

/* ---- verdicts ---- */
typedef enum conform_verdict {
  VERDICT_PASS,
  VERDICT_DEFAULT,     /* passed, but a tested method is the dispatcher's default */
  VERDICT_DIVERGES,    /* failed exactly as an expectation for this engine says */
  VERDICT_UNSUPPORTED, /* a tested method (or one it needs) the backend lacks, confirmed */
  VERDICT_ERROR,       /* blocked: a set-up step failed, so nothing was learnt */
  VERDICT_FAIL,
  VERDICT_COUNT
} conform_verdict;

typedef struct conform_result {
  const conform_case *c;
  const char *area;
  conform_verdict verdict;
  double seconds;
  char *detail; /* why, for every verdict but pass */
  /* methods this case's verdict counts for (tested and not unsupported) */
  bool counts;
  /* the expectation it diverged by */
  const struct conform_expectation *expectation;
} conform_result;

const char *conform_verdict_name(conform_verdict v);

/* ---- what a child observed (outcome.c) ---- */
typedef struct conform_outcome {
  conform_failure *failures;
  char *undeclared;   /* methods called but not declared, comma-separated */
  char *fixture_harm; /* how the case damaged the shared fixtures */
  char *problem;      /* the child died, hung, or could not report */
} conform_outcome;

int conform_outcome_write(const char *path, const conform_state *st, const char *fixture_harm);
int conform_outcome_read(const char *path, conform_outcome *out);
void conform_outcome_clear(conform_outcome *o);

/* ---- expectations (expectations.c) ---- */
typedef struct conform_expected_failure {
  char *check, *observed;
} conform_expected_failure;

typedef struct conform_expectation {
  char *case_name, *engine, *versions, *nature, *issue, *reason, *evidence;
  char **when; /* "key=value" facts that must hold */
  size_t n_when;
  conform_expected_failure *fails;
  size_t n_fails;
  /* The failure does not happen every run (a race in the engine): a pass
   * is a pass, any failure still has to be exactly the expected one. */
  bool intermittent;
} conform_expectation;

typedef struct conform_expectations {
  conform_expectation *items;
  size_t n;
  char **engines;
  size_t n_engines;
} conform_expectations;

/* Load and validate: unknown cases, engines or keys, malformed entries or
 * versions are errors naming the entry. */
int conform_expectations_load(const char *path, bool (*case_exists)(const char *), conform_expectations *out);
void conform_expectations_clear(conform_expectations *e);
/* The entry for this case on this engine, or NULL. */
const conform_expectation *conform_expectation_find(const conform_expectations *e, const char *case_name,
                                                    const ctrt_engine_info *engine);
/* Whether a version satisfies a range like ">=20.10 <25" (space = and). */
int conform_version_matches(const char *range, const char *version, bool *match);

/* ---- the verdict of one case (verdict.c) ---- */
void conform_judge(const conform_case *c, const conform_outcome *o, const conform_expectation *x,
                   const ctrt_support support[CTRT_OP_COUNT], conform_result *r);

/* ---- reports (report.c) ---- */
/* What --benchmark measured of one method (bench.c). */
typedef struct conform_latency {
  double median_ms, p90_ms; /* < 0: not measured */
  size_t calls;             /* timed calls that succeeded */
  unsigned errors;          /* calls that failed (left out of the figures) */
} conform_latency;

typedef struct conform_run_info {
  const char *backend;
  const ctrt_engine_info *engine;
  unsigned jobs;
  const ctrt_support *support;  /* per method */
  const conform_verdict *probe; /* per method lacking support: unsupported or fail */
  char *const *probe_detail;    /* per method */
  double wall_seconds;
  const conform_latency *latency; /* per method, with --benchmark; else NULL */
} conform_run_info;

int conform_write_matrix(const char *path, const conform_run_info *run, const conform_result *results, size_t n);
int conform_write_junit(const char *path, const conform_run_info *run, const conform_result *results, size_t n);
int conform_write_tap(const char *path, const conform_run_info *run, const conform_result *results, size_t n);
void conform_print_table(const conform_run_info *run, const conform_result *results, size_t n);
/* Write text escaped for XML/HTML text and double-quoted attributes. */
void conform_xml_text(FILE *f, const char *text);
/* The verdict of each method over the results (report.c). */
const char *conform_method_verdict(const conform_run_info *run, const conform_result *results, size_t n, ctrt_op op,
                                   size_t counts[VERDICT_COUNT]);

/* ---- fixtures (env.c) ---- */
typedef struct conform_fixtures conform_fixtures;
/* Bring up what the cases need for this runtime (the test image, a
 * registry, a search endpoint) and fill env. A fixture the backend cannot
 * provide is noted in env (image_problem), not an error. */
int conform_env_setup(ctrt_runtime *rt, const char *backend, conform_env *env, conform_fixtures **out);
void conform_env_teardown(ctrt_runtime *rt, conform_fixtures *fixtures);
/* After a case: is the shared test image intact? If not, say how (a new
 * string) and put it back. */
char *conform_env_verify(ctrt_runtime *rt, const conform_env *env);
/* Remove the containers whose managed id starts with prefix; returns how
 * many there were. */
size_t conform_remove_containers(ctrt_runtime *rt, const char *prefix, char **names);

/* ---- the default expectations file (paths.c) ---- */
const char *conform_default_expectations(void);

#endif
