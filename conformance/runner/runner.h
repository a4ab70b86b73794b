/* Internals of ctrt-conform shared by its files. */
#ifndef CTRT_CONFORM_RUNNER_H
#define CTRT_CONFORM_RUNNER_H

#include "../conform.h"

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

/* The one case running now (cases run one after another). */
typedef struct conform_state {
  ctrt_runtime *rt;
  conform_env env;
  unsigned counter;
  conform_deferred *deferred; /* freed after each case */
  conform_deferred *messages; /* failure messages, freed at exit */
  conform_created *created;
  conform_tracked *images;
} conform_state;

extern conform_state conform_current;

void conform_cleanup_case(void);
void conform_run_deferred(conform_deferred **list);

/* ---- verdicts and reports (report.c) ---- */
typedef enum conform_verdict { VERDICT_PASS, VERDICT_FAIL, VERDICT_UNSUPPORTED, VERDICT_DIVERGES } conform_verdict;

typedef struct conform_result {
  const conform_case *c;
  const char *area;
  conform_verdict verdict;
  double seconds;
  char *detail; /* failure messages, the unsupported methods, or the divergence reason */
} conform_result;

const char *conform_verdict_name(conform_verdict v);
int conform_write_matrix(const char *path, const char *backend, const conform_result *results, size_t n);
int conform_write_junit(const char *path, const char *backend, const conform_result *results, size_t n);
void conform_print_table(const char *backend, const conform_result *results, size_t n);

/* ---- environment (env.c) ---- */
typedef struct conform_fixtures conform_fixtures;
/* Bring up what the cases need for this runtime (the test image, a
 * registry, a search endpoint) and fill env. */
int conform_env_setup(ctrt_runtime *rt, const char *backend, conform_env *env, conform_fixtures **out);
void conform_env_teardown(ctrt_runtime *rt, conform_fixtures *fixtures);

/* ---- expected divergences (divergences.c) ---- */
typedef struct conform_divergence {
  char *case_name, *backend, *reason, *evidence;
} conform_divergence;
int conform_divergences_load(const char *path, conform_divergence **out, size_t *n);
const conform_divergence *conform_divergence_find(const conform_divergence *list, size_t n, const char *case_name,
                                                  const char *backend);
void conform_divergences_free(conform_divergence *list, size_t n);

/* ---- the default expectations file (paths.c) ---- */
const char *conform_default_expectations(void);

#endif
