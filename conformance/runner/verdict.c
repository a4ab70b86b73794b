/* SPDX-License-Identifier: MIT */
/* The verdict of a case that ran, from what its process observed:
 *   fail      a tested method misbehaved, the case called a method it did
 *             not declare, damaged the shared fixtures, crashed or hung, or
 *             failed other than its expectation says (or passed despite one);
 *   error     its first failure was in a set-up method (USES): blocked;
 *   diverges  it failed exactly as the engine's expectation says;
 *   default   it passed, but a tested method is the dispatcher's default;
 *   pass      it passed. */
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool in(const ctrt_op *ops, size_t n, int op) {
  for (size_t i = 0; i < n; i++)
    if ((int)ops[i] == op)
      return true;
  return false;
}

static void add(char **text, const char *fmt, const char *a, const char *b) {
  size_t old = *text ? strlen(*text) : 0;
  size_t n = strlen(fmt) + strlen(a) + (b ? strlen(b) : 0) + 2;
  char *out = realloc(*text, old + n);
  if (out == NULL)
    abort();
  if (old)
    out[old++] = '\n';
  snprintf(out + old, n, fmt, a, b);
  *text = out;
}

static bool failure_matches(const conform_failure *f, const conform_expected_failure *e) {
  if (strcmp(f->check, e->check) != 0)
    return false;
  /* A kind or "success" is matched exactly; a message by what it contains. */
  return strcmp(f->observed, e->observed) == 0 || (strlen(e->observed) > 3 && strstr(f->observed, e->observed));
}

static void judge_expectation(const conform_outcome *o, const conform_expectation *x, conform_result *r) {
  char *mismatch = NULL;
  for (const conform_failure *f = o->failures; f; f = f->next) {
    bool expected = false;
    for (size_t i = 0; i < x->n_fails && !expected; i++)
      expected = failure_matches(f, &x->fails[i]);
    if (!expected) {
      char line[4096];
      snprintf(line, sizeof line, "  not expected: check \"%s\" observing \"%s\" (%s)", f->check, f->observed,
               f->message);
      add(&mismatch, "%s", line, NULL);
    }
  }
  for (size_t i = 0; i < x->n_fails; i++) {
    bool seen = false;
    for (const conform_failure *f = o->failures; f && !seen; f = f->next)
      seen = failure_matches(f, &x->fails[i]);
    if (!seen)
      add(&mismatch, "  expected but not seen: check \"%s\" observing \"%s\"", x->fails[i].check, x->fails[i].observed);
  }
  if (mismatch == NULL) {
    r->verdict = VERDICT_DIVERGES;
    r->expectation = x;
    if (strcmp(x->nature, "ctrt") == 0)
      add(&r->detail, "expected on %s, a ctrt limitation (%s):", x->engine, x->issue);
    else
      add(&r->detail, "expected on %s, a property of the engine: %s", x->engine, x->reason);
    if (strcmp(x->nature, "ctrt") == 0)
      add(&r->detail, "%s", x->reason, NULL);
    for (const conform_failure *f = o->failures; f; f = f->next)
      add(&r->detail, "%s", f->message, NULL);
    return;
  }
  r->verdict = VERDICT_FAIL;
  add(&r->detail, "failed otherwise than the expectation for %s on %s says:", x->case_name, x->engine);
  add(&r->detail, "%s", mismatch, NULL);
  free(mismatch);
}

void conform_judge(const conform_case *c, const conform_outcome *o, const conform_expectation *x,
                   const ctrt_support support[CTRT_OP_COUNT], conform_result *r) {
  r->counts = true;
  if (o->problem) {
    r->verdict = VERDICT_FAIL;
    add(&r->detail, "%s", o->problem, NULL);
    for (const conform_failure *f = o->failures; f; f = f->next)
      add(&r->detail, "%s", f->message, NULL);
    return;
  }
  if (o->undeclared) {
    r->verdict = VERDICT_FAIL;
    add(&r->detail, "the case calls %s, which it does not declare in TESTS or USES: fix the case's declaration",
        o->undeclared, NULL);
    return;
  }
  if (o->fixture_harm) {
    r->verdict = VERDICT_FAIL;
    add(&r->detail, "the case damaged the shared fixtures: %s (restored)", o->fixture_harm, NULL);
    for (const conform_failure *f = o->failures; f; f = f->next)
      add(&r->detail, "%s", f->message, NULL);
    return;
  }
  const conform_failure *first = o->failures;
  if (first && first->op >= 0 && !in(c->tests, c->n_tests, first->op) && in(c->uses, c->n_uses, first->op)) {
    r->verdict = VERDICT_ERROR;
    add(&r->detail, "blocked: the set-up step %s failed, so the tested methods were not judged",
        ctrt_op_info_get((ctrt_op)first->op)->name, NULL);
    for (const conform_failure *f = o->failures; f; f = f->next)
      add(&r->detail, "%s", f->message, NULL);
    return;
  }
  if (first == NULL) {
    if (x && !x->intermittent) {
      r->verdict = VERDICT_FAIL;
      add(&r->detail, "passed, but an expectation for %s says it fails: remove or narrow the stale entry (%s)",
          x->engine, x->reason);
      return;
    }
    r->verdict = VERDICT_PASS;
    if (x)
      add(&r->detail, "passed; the expectation for %s says it fails in some runs only, not in this one (%s)", x->engine,
          x->reason);
    for (size_t i = 0; i < c->n_tests; i++)
      if (support[c->tests[i]] == CTRT_SUPPORT_DEFAULT) {
        r->verdict = VERDICT_DEFAULT;
        add(&r->detail, "passed on the dispatcher's declared default of %s (the backend does not implement it)",
            ctrt_op_info_get(c->tests[i])->name, NULL);
      }
    return;
  }
  if (x) {
    judge_expectation(o, x, r);
    return;
  }
  r->verdict = VERDICT_FAIL;
  for (const conform_failure *f = o->failures; f; f = f->next)
    add(&r->detail, "%s", f->message, NULL);
}
