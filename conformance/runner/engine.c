/* What the runner asks of the runtime about each method: how it is served
 * and, for one it lacks, whether calling it says so. */
#include "runner.h"

#include <stdlib.h>
#include <string.h>

#include "gen_internal.h"

conform_support conform_method_support(ctrt_runtime *rt, ctrt_op op) {
  return ctrt_supports(rt, op) ? SUPPORT_NATIVE : SUPPORT_NONE;
}

int conform_probe(ctrt_runtime *rt, ctrt_op op) { return ctrt__probe(rt, op); }
