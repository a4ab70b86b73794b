/* SPDX-License-Identifier: MIT */
/* What a case's child process observed, passed to the parent as a small
 * JSON file: the failed checks (id, method, observed value, message), the
 * methods called without being declared, and any harm to the fixtures. */
#include "runner.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int conform_outcome_write(const char *path, const conform_state *st, const char *fixture_harm) {
  json_t *failures = json_array();
  for (const conform_failure *f = st->failures; f; f = f->next) {
    const ctrt_op_info *info = f->op >= 0 ? ctrt_op_info_get((ctrt_op)f->op) : NULL;
    json_array_append_new(failures,
                          json_pack("{s:s, s:s?, s:s, s:s}", "check", f->check, "method", info ? info->name : NULL,
                                    "observed", f->observed, "message", f->message));
  }
  /* A method called through a check must be one the case declares. */
  char undeclared[2048] = "";
  for (int op = 0; op < CTRT_OP_COUNT; op++) {
    if (!st->called[op])
      continue;
    bool declared = false;
    for (size_t i = 0; i < st->c->n_tests && !declared; i++)
      declared = st->c->tests[i] == (ctrt_op)op;
    for (size_t i = 0; i < st->c->n_uses && !declared; i++)
      declared = st->c->uses[i] == (ctrt_op)op;
    if (!declared) {
      size_t at = strlen(undeclared);
      snprintf(undeclared + at, sizeof undeclared - at, "%s%s", at ? ", " : "", ctrt_op_info_get((ctrt_op)op)->name);
    }
  }
  json_t *doc = json_pack("{s:o, s:s?, s:s?}", "failures", failures, "undeclared", undeclared[0] ? undeclared : NULL,
                          "fixture_harm", fixture_harm);
  int rc = doc ? json_dump_file(doc, path, 0) : -1;
  json_decref(doc);
  return rc == 0 ? 0 : -1;
}

static char *dup_or_null(json_t *v) {
  const char *s = json_string_value(v);
  char *out = s ? strdup(s) : NULL;
  if (s && out == NULL)
    abort();
  return out;
}

int conform_outcome_read(const char *path, conform_outcome *out) {
  memset(out, 0, sizeof *out);
  json_error_t err;
  json_t *doc = json_load_file(path, 0, &err);
  json_t *failures = json_object_get(doc, "failures");
  if (doc == NULL || !json_is_array(failures)) {
    json_decref(doc);
    return -1;
  }
  conform_failure **tail = &out->failures;
  size_t i;
  json_t *item;
  json_array_foreach(failures, i, item) {
    conform_failure *f = calloc(1, sizeof *f);
    if (f == NULL)
      abort();
    f->check = dup_or_null(json_object_get(item, "check"));
    f->observed = dup_or_null(json_object_get(item, "observed"));
    f->message = dup_or_null(json_object_get(item, "message"));
    ctrt_op op;
    const char *method = json_string_value(json_object_get(item, "method"));
    f->op = method && ctrt_op_from_name(&op, method) == 0 ? (int)op : -1;
    *tail = f;
    tail = &f->next;
    if (f->check == NULL || f->observed == NULL || f->message == NULL) {
      json_decref(doc);
      conform_outcome_clear(out);
      return -1;
    }
  }
  out->undeclared = dup_or_null(json_object_get(doc, "undeclared"));
  out->fixture_harm = dup_or_null(json_object_get(doc, "fixture_harm"));
  json_decref(doc);
  return 0;
}

void conform_outcome_clear(conform_outcome *o) {
  conform_failures_free(o->failures);
  free(o->undeclared);
  free(o->fixture_harm);
  free(o->problem);
  memset(o, 0, sizeof *o);
}
