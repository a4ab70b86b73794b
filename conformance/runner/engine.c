/* What the runner asks of the runtime about itself: which engine it is
 * (expectations are scoped to it) and how each method is served. */
#include "runner.h"

#include <stdlib.h>
#include <string.h>

#include "gen_internal.h"

int conform_engine_get(ctrt_runtime *rt, conform_engine *out) {
  memset(out, 0, sizeof *out);
  const char *name = ctrt_runtime_backend_name(rt);
  out->name = strdup(name ? name : "unknown");
  if (out->name == NULL)
    abort();
  return 0;
}

void conform_engine_clear(conform_engine *e) {
  free(e->name);
  free(e->version);
  for (size_t i = 0; i < e->n_facts; i++)
    free(e->facts[i]);
  free(e->facts);
  memset(e, 0, sizeof *e);
}

const char *conform_engine_fact(const conform_engine *e, const char *key) {
  size_t n = strlen(key);
  for (size_t i = 0; i < e->n_facts; i++)
    if (strncmp(e->facts[i], key, n) == 0 && e->facts[i][n] == '=')
      return e->facts[i] + n + 1;
  return NULL;
}

conform_support conform_method_support(ctrt_runtime *rt, ctrt_op op) {
  return ctrt_supports(rt, op) ? SUPPORT_NATIVE : SUPPORT_NONE;
}

int conform_probe(ctrt_runtime *rt, ctrt_op op) { return ctrt__probe(rt, op); }
