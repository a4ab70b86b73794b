/* For a method the backend lacks: does calling it say so? */
#include "runner.h"

#include "gen_internal.h"

int conform_probe(ctrt_runtime *rt, ctrt_op op) { return ctrt__probe(rt, op); }
