/* SPDX-License-Identifier: MIT */
/* Expectations: where an engine legitimately differs from the interface
 * reference, an entry names the case, the engine it holds for (narrowed by
 * version range and configuration facts), and exactly which checks fail and
 * what they observe. A case failing in exactly that way "diverges"; failing
 * any other way is a FAIL naming both. The file format is documented in
 * conformance/README.md; everything it does not allow is an error at load. */
#include "runner.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_string(json_t *v) {
  const char *s = json_string_value(v);
  char *out = s ? strdup(s) : NULL;
  if (s && out == NULL)
    abort();
  return out;
}

static bool only_keys(json_t *obj, const char *const *allowed, const char **bad) {
  const char *key;
  json_t *v;
  json_object_foreach(obj, key, v) {
    bool ok = false;
    for (size_t i = 0; allowed[i] && !ok; i++)
      ok = strcmp(key, allowed[i]) == 0;
    if (!ok) {
      *bad = key;
      return false;
    }
  }
  return true;
}

/* Compare a version with a range's bound on the bound's components only,
 * so "20.10" stands for every 20.10.x: -1, 0 or 1. Components past the
 * leading numbers ("-ce", "+dfsg") do not count. */
static int version_cmp(const char *version, const char *bound) {
  while (*bound) {
    char *end_v, *end_b;
    unsigned long v = strtoul(version, &end_v, 10), b = strtoul(bound, &end_b, 10);
    if (v != b)
      return v < b ? -1 : 1;
    version = *end_v == '.' ? end_v + 1 : end_v;
    bound = *end_b == '.' ? end_b + 1 : end_b;
  }
  return 0;
}

static bool valid_version(const char *v) {
  if (!isdigit((unsigned char)*v))
    return false;
  for (; *v; v++)
    if (!isdigit((unsigned char)*v) && *v != '.')
      return false;
  return v[-1] != '.';
}

int conform_version_matches(const char *range, const char *version, bool *match) {
  *match = true;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", range);
  for (char *save = NULL, *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    const char *op = tok;
    size_t n = strspn(tok, "<>=");
    const char *v = tok + n;
    if (!valid_version(v) || n > 2)
      return -1;
    if (!*match || version == NULL) {
      *match = false;
      continue;
    }
    int c = version_cmp(version, v);
    if (n == 0 || (n == 1 && op[0] == '='))
      *match = c == 0;
    else if (strncmp(op, ">=", n) == 0 && n == 2)
      *match = c >= 0;
    else if (strncmp(op, "<=", n) == 0 && n == 2)
      *match = c <= 0;
    else if (n == 1 && op[0] == '>')
      *match = c > 0;
    else if (n == 1 && op[0] == '<')
      *match = c < 0;
    else
      return -1;
  }
  return 0;
}

static int load_entry(const char *path, size_t index, json_t *item, const conform_expectations *all,
                      bool (*case_exists)(const char *), conform_expectation *x) {
  static const char *const keys[] = {"case",  "engine", "versions", "when",         "nature", "issue",
                                     "fails", "reason", "evidence", "intermittent", NULL};
  const char *bad = NULL;
  const char *name = json_string_value(json_object_get(item, "case"));
#define FAIL_ENTRY(...)                                                                                                \
  do {                                                                                                                 \
    char what_[512];                                                                                                   \
    snprintf(what_, sizeof what_, __VA_ARGS__);                                                                        \
    return ctrt_backend_error(CTRT_ERROR_CONFIGURATION, 0, "%s: expectation %zu (%s): %s", path, index,                \
                              name ? name : "no case", what_);                                                         \
  } while (0)
  if (!json_is_object(item))
    FAIL_ENTRY("not an object");
  if (!only_keys(item, keys, &bad))
    FAIL_ENTRY("unknown key \"%s\"", bad);
  if (name == NULL)
    FAIL_ENTRY("\"case\" must be a string");
  if (!case_exists(name))
    FAIL_ENTRY("no case is named \"%s\" (see ctrt-conform --list)", name);
  x->case_name = dup_string(json_object_get(item, "case"));
  x->engine = dup_string(json_object_get(item, "engine"));
  if (x->engine == NULL)
    FAIL_ENTRY("\"engine\" must be a string");
  bool known = false;
  for (size_t i = 0; i < all->n_engines && !known; i++)
    known = strcmp(all->engines[i], x->engine) == 0;
  if (!known)
    FAIL_ENTRY("unknown engine \"%s\" (the file's \"engines\" lists those it knows)", x->engine);
  json_t *versions = json_object_get(item, "versions");
  if (versions) {
    bool m;
    if ((x->versions = dup_string(versions)) == NULL || conform_version_matches(x->versions, "0", &m) < 0)
      FAIL_ENTRY("\"versions\" must be a range such as \">=20.10 <25\"");
  }
  json_t *when = json_object_get(item, "when");
  if (when) {
    if (!json_is_object(when) || json_object_size(when) == 0)
      FAIL_ENTRY("\"when\" must be an object of facts, e.g. {\"log_driver\": \"json-file\"}");
    x->when = calloc(json_object_size(when), sizeof *x->when);
    if (x->when == NULL)
      abort();
    const char *key;
    json_t *v;
    json_object_foreach(when, key, v) {
      if (!json_is_string(v))
        FAIL_ENTRY("fact \"%s\" must be a string", key);
      size_t n = strlen(key) + json_string_length(v) + 2;
      if ((x->when[x->n_when] = malloc(n)) == NULL)
        abort();
      snprintf(x->when[x->n_when++], n, "%s=%s", key, json_string_value(v));
    }
  }
  x->nature = dup_string(json_object_get(item, "nature"));
  if (x->nature == NULL || (strcmp(x->nature, "engine") != 0 && strcmp(x->nature, "ctrt") != 0))
    FAIL_ENTRY("\"nature\" must be \"engine\" (a property of the engine) or \"ctrt\" (a ctrt limitation)");
  x->issue = dup_string(json_object_get(item, "issue"));
  if (strcmp(x->nature, "ctrt") == 0 && (x->issue == NULL || x->issue[0] == '\0'))
    FAIL_ENTRY("a ctrt limitation names the \"issue\" that tracks it");
  x->reason = dup_string(json_object_get(item, "reason"));
  x->evidence = dup_string(json_object_get(item, "evidence"));
  if (x->reason == NULL || x->evidence == NULL || !x->reason[0] || !x->evidence[0])
    FAIL_ENTRY("\"reason\" and \"evidence\" are required strings");
  json_t *intermittent = json_object_get(item, "intermittent");
  if (intermittent && !json_is_boolean(intermittent))
    FAIL_ENTRY("\"intermittent\" must be true or false");
  x->intermittent = json_is_true(intermittent);
  json_t *fails = json_object_get(item, "fails");
  if (!json_is_array(fails) || json_array_size(fails) == 0)
    FAIL_ENTRY("\"fails\" must list the checks that fail: [{\"check\": ID, \"observed\": VALUE}]");
  x->fails = calloc(json_array_size(fails), sizeof *x->fails);
  if (x->fails == NULL)
    abort();
  size_t i;
  json_t *f;
  json_array_foreach(fails, i, f) {
    static const char *const fail_keys[] = {"check", "observed", NULL};
    if (!json_is_object(f) || !only_keys(f, fail_keys, &bad))
      FAIL_ENTRY("fails[%zu]: only \"check\" and \"observed\" are allowed", i);
    conform_expected_failure *ef = &x->fails[x->n_fails++];
    ef->check = dup_string(json_object_get(f, "check"));
    ef->observed = dup_string(json_object_get(f, "observed"));
    if (ef->check == NULL || ef->observed == NULL || !ef->check[0] || !ef->observed[0])
      FAIL_ENTRY("fails[%zu]: \"check\" and \"observed\" are required strings", i);
  }
#undef FAIL_ENTRY
  return 0;
}

int conform_expectations_load(const char *path, bool (*case_exists)(const char *), conform_expectations *out) {
  memset(out, 0, sizeof *out);
  json_error_t err;
  json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
  if (doc == NULL)
    return ctrt_backend_error(CTRT_ERROR_CONFIGURATION, 0, "%s:%d: %s", path, err.line, err.text);
  static const char *const keys[] = {"about", "engines", "expectations", NULL};
  const char *bad = NULL;
  json_t *engines = json_object_get(doc, "engines"), *list = json_object_get(doc, "expectations");
  int rc = 0;
  if (!json_is_object(doc) || !only_keys(doc, keys, &bad))
    rc = ctrt_backend_error(CTRT_ERROR_CONFIGURATION, 0, "%s: unknown top-level key \"%s\"", path, bad ? bad : "?");
  else if (!json_is_array(engines) || !json_is_array(list))
    rc = ctrt_backend_error(CTRT_ERROR_CONFIGURATION, 0, "%s: expected {\"engines\": [...], \"expectations\": [...]}",
                            path);
  if (rc == 0) {
    out->engines = calloc(json_array_size(engines) + 1, sizeof *out->engines);
    out->items = calloc(json_array_size(list) + 1, sizeof *out->items);
    if (out->engines == NULL || out->items == NULL)
      abort();
    size_t i;
    json_t *v;
    json_array_foreach(engines, i, v) {
      if ((out->engines[out->n_engines] = dup_string(v)) == NULL) {
        rc = ctrt_backend_error(CTRT_ERROR_CONFIGURATION, 0, "%s: engines[%zu] must be a string", path, i);
        break;
      }
      out->n_engines++;
    }
    json_array_foreach(list, i, v) {
      if (rc < 0)
        break;
      rc = load_entry(path, i, v, out, case_exists, &out->items[out->n++]);
    }
  }
  json_decref(doc);
  if (rc < 0)
    conform_expectations_clear(out);
  return rc;
}

void conform_expectations_clear(conform_expectations *e) {
  for (size_t i = 0; i < e->n; i++) {
    conform_expectation *x = &e->items[i];
    free(x->case_name);
    free(x->engine);
    free(x->versions);
    free(x->nature);
    free(x->issue);
    free(x->reason);
    free(x->evidence);
    for (size_t k = 0; k < x->n_when; k++)
      free(x->when[k]);
    free(x->when);
    for (size_t k = 0; k < x->n_fails; k++) {
      free(x->fails[k].check);
      free(x->fails[k].observed);
    }
    free(x->fails);
  }
  free(e->items);
  for (size_t i = 0; i < e->n_engines; i++)
    free(e->engines[i]);
  free(e->engines);
  memset(e, 0, sizeof *e);
}

const conform_expectation *conform_expectation_find(const conform_expectations *e, const char *case_name,
                                                    const ctrt_engine_info *engine) {
  for (size_t i = 0; i < e->n; i++) {
    const conform_expectation *x = &e->items[i];
    if (strcmp(x->case_name, case_name) != 0 || engine->name == NULL || strcmp(x->engine, engine->name) != 0)
      continue;
    bool match = true;
    if (x->versions && (conform_version_matches(x->versions, engine->version, &match) < 0 || !match))
      continue;
    for (size_t k = 0; k < x->n_when && match; k++) {
      const char *eq = strchr(x->when[k], '=');
      char key[128];
      snprintf(key, sizeof key, "%.*s", (int)(eq - x->when[k]), x->when[k]);
      const char *value = ctrt_engine_info_fact(engine, key);
      match = value && strcmp(value, eq + 1) == 0;
    }
    if (match)
      return x;
  }
  return NULL;
}
