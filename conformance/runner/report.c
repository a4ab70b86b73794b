/* SPDX-License-Identifier: MIT */
/* Reports of a run: the method table on the terminal, the JSON matrix
 * (schema "ctrt-conform-matrix/1", documented in conformance/README.md),
 * JUnit XML and TAP.
 *
 * A method's verdict: "unsupported" when the backend lacks it and says so
 * (else "fail"); otherwise the worst over the cases that test it and count
 * (fail, error, diverges, then pass), where a pass is "default" when the
 * dispatcher's declared default served it; "untested" when no case did. */
#include "runner.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char *const verdict_names[VERDICT_COUNT] = {"pass", "default", "diverges", "unsupported", "error", "fail"};

const char *conform_verdict_name(conform_verdict v) { return v < VERDICT_COUNT ? verdict_names[v] : "?"; }

static bool tests(const conform_case *c, ctrt_op op) {
  for (size_t i = 0; i < c->n_tests; i++)
    if (c->tests[i] == op)
      return true;
  return false;
}

const char *conform_method_verdict(const conform_run_info *run, const conform_result *results, size_t n, ctrt_op op,
                                   size_t counts[VERDICT_COUNT]) {
  memset(counts, 0, VERDICT_COUNT * sizeof *counts);
  int worst = -1;
  for (size_t i = 0; i < n; i++) {
    if (!tests(results[i].c, op))
      continue;
    counts[results[i].verdict]++;
    if (results[i].counts && (int)results[i].verdict > worst)
      worst = (int)results[i].verdict;
  }
  if (run->support[op] == CTRT_SUPPORT_NONE)
    return run->probe[op] == VERDICT_UNSUPPORTED ? "unsupported" : "fail";
  if (worst < 0)
    return "untested";
  if (worst <= VERDICT_DEFAULT)
    return run->support[op] == CTRT_SUPPORT_DEFAULT ? "default" : "pass";
  return verdict_names[worst];
}

static void case_counts(const conform_result *results, size_t n, size_t out[VERDICT_COUNT]) {
  memset(out, 0, VERDICT_COUNT * sizeof *out);
  for (size_t i = 0; i < n; i++)
    out[results[i].verdict]++;
}

/* The method verdicts, in the order they are printed. */
static const char *const method_verdicts[] = {"pass",  "default", "diverges", "unsupported",
                                              "error", "fail",    "untested"};
#define N_METHOD_VERDICTS (sizeof method_verdicts / sizeof method_verdicts[0])

void conform_print_table(const conform_run_info *run, const conform_result *results, size_t n) {
  printf("\n%-34s %-12s %s\n", "method", "verdict", "cases (pass/default/diverges/unsupported/error/fail)");
  printf("%-34s %-12s %s\n", "------", "-------", "-----");
  size_t by_verdict[N_METHOD_VERDICTS] = {0};
  for (int op = 0; op < CTRT_OP_COUNT; op++) {
    size_t k[VERDICT_COUNT];
    const char *v = conform_method_verdict(run, results, n, (ctrt_op)op, k);
    printf("%-34s %-12s %zu/%zu/%zu/%zu/%zu/%zu\n", ctrt_op_info_get((ctrt_op)op)->name, v, k[0], k[1], k[2], k[3],
           k[4], k[5]);
    for (size_t i = 0; i < N_METHOD_VERDICTS; i++)
      if (strcmp(v, method_verdicts[i]) == 0)
        by_verdict[i]++;
  }
  size_t c[VERDICT_COUNT];
  case_counts(results, n, c);
  printf("\nbackend %s (engine %s%s%s), %u job%s, %.1f s\n", run->backend, run->engine->name,
         run->engine->version ? " " : "", run->engine->version ? run->engine->version : "", run->jobs,
         run->jobs == 1 ? "" : "s", run->wall_seconds);
  printf("cases: %zu: %zu pass, %zu default, %zu diverge, %zu unsupported, %zu error, %zu fail\n", n, c[0], c[1], c[2],
         c[3], c[4], c[5]);
  printf("methods: %d:", CTRT_OP_COUNT);
  for (size_t i = 0; i < N_METHOD_VERDICTS; i++)
    printf("%s %zu %s", i ? "," : "", by_verdict[i], method_verdicts[i]);
  printf("\n%zu passed, %zu failed\n", c[VERDICT_PASS] + c[VERDICT_DEFAULT], c[VERDICT_FAIL] + c[VERDICT_ERROR]);
}

static json_t *op_names(const ctrt_op *ops, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, json_string(ctrt_op_info_get(ops[i])->name));
  return a;
}

/* What a diverged case was expected to do: the report merged across
 * engines shows the reason and the check ids. */
static json_t *expectation_json(const conform_expectation *x) {
  json_t *checks = json_array();
  for (size_t i = 0; i < x->n_fails; i++)
    json_array_append_new(checks, json_string(x->fails[i].check));
  return json_pack("{s:s, s:s?, s:s, s:o}", "nature", x->nature, "issue", x->issue, "reason", x->reason, "checks",
                   checks);
}

int conform_write_matrix(const char *path, const conform_run_info *run, const conform_result *results, size_t n) {
  static const char *const support_names[] = {"none", "default", "native"};
  json_t *methods = json_object(), *detail = json_object(), *cases = json_array(), *facts = json_object();
  for (int op = 0; op < CTRT_OP_COUNT; op++) {
    size_t k[VERDICT_COUNT];
    const char *name = ctrt_op_info_get((ctrt_op)op)->name;
    const char *v = conform_method_verdict(run, results, n, (ctrt_op)op, k);
    json_object_set_new(methods, name, json_string(v));
    json_t *per = json_object();
    for (int i = 0; i < VERDICT_COUNT; i++)
      json_object_set_new(per, verdict_names[i], json_integer((json_int_t)k[i]));
    json_t *d = json_pack("{s:s, s:s, s:o}", "verdict", v, "support", support_names[run->support[op]], "cases", per);
    if (run->latency && run->latency[op].median_ms >= 0) {
      json_object_set_new(d, "latency_ms", json_real(run->latency[op].median_ms));
      json_object_set_new(d, "latency_p90_ms", json_real(run->latency[op].p90_ms));
    }
    json_object_set_new(detail, name, d);
  }
  for (size_t i = 0; i < n; i++) {
    const conform_result *r = &results[i];
    json_t *entry = json_pack("{s:s, s:s, s:s, s:o, s:o, s:f, s:s?}", "case", r->c->name, "area", r->area, "verdict",
                              verdict_names[r->verdict], "tests", op_names(r->c->tests, r->c->n_tests), "uses",
                              op_names(r->c->uses, r->c->n_uses), "seconds", r->seconds, "detail", r->detail);
    if (r->expectation)
      json_object_set_new(entry, "expectation", expectation_json(r->expectation));
    json_array_append_new(cases, entry);
  }
  for (size_t i = 0; i < run->engine->n_facts; i++) {
    const char *f = run->engine->facts[i], *eq = strchr(f, '=');
    if (eq) {
      char key[128];
      snprintf(key, sizeof key, "%.*s", (int)(eq - f), f);
      json_object_set_new(facts, key, json_string(eq + 1));
    }
  }
  size_t c[VERDICT_COUNT];
  case_counts(results, n, c);
  json_t *totals = json_pack("{s:I}", "total", (json_int_t)n);
  for (int i = 0; i < VERDICT_COUNT; i++)
    json_object_set_new(totals, verdict_names[i], json_integer((json_int_t)c[i]));
  json_t *doc =
      json_pack("{s:s, s:s, s:{s:s, s:s?, s:o}, s:i, s:f, s:o, s:o, s:o, s:o}", "schema", "ctrt-conform-matrix/1",
                "backend", run->backend, "engine", "name", run->engine->name, "version", run->engine->version, "facts",
                facts, "jobs", (int)run->jobs, "seconds", run->wall_seconds, "totals", totals, "methods", methods,
                "method_detail", detail, "cases", cases);
  int rc = doc ? json_dump_file(doc, path, JSON_INDENT(2)) : -1;
  json_decref(doc);
  return rc == 0 ? 0 : -1;
}

void conform_xml_text(FILE *f, const char *text) {
  for (const unsigned char *p = (const unsigned char *)text; p && *p; p++) {
    switch (*p) {
    case '<':
      fputs("&lt;", f);
      break;
    case '>':
      fputs("&gt;", f);
      break;
    case '&':
      fputs("&amp;", f);
      break;
    case '"':
      fputs("&quot;", f);
      break;
    default:
      if (*p < 0x20 && *p != '\n' && *p != '\t')
        fprintf(f, "&#x%x;", 0xfffd);
      else
        fputc(*p, f);
    }
  }
}

int conform_write_junit(const char *path, const conform_run_info *run, const conform_result *results, size_t n) {
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return -1;
  size_t c[VERDICT_COUNT];
  case_counts(results, n, c);
  double total = 0;
  for (size_t i = 0; i < n; i++)
    total += results[i].seconds;
  size_t failures = c[VERDICT_FAIL], errors = c[VERDICT_ERROR], skipped = c[VERDICT_UNSUPPORTED] + c[VERDICT_DIVERGES];
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  fprintf(f,
          "<testsuites name=\"ctrt-conform\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
          "time=\"%.3f\">\n",
          n, failures, errors, skipped, total);
  fprintf(f, "  <testsuite name=\"");
  conform_xml_text(f, run->backend);
  fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n", n, failures, errors,
          skipped, total);
  for (size_t i = 0; i < n; i++) {
    const conform_result *r = &results[i];
    fprintf(f, "    <testcase classname=\"");
    conform_xml_text(f, run->backend);
    fprintf(f, ".%s\" name=\"", r->area);
    conform_xml_text(f, r->c->name);
    fprintf(f, "\" time=\"%.3f\">\n", r->seconds);
    fprintf(f, "      <properties><property name=\"verdict\" value=\"%s\"/><property name=\"tests\" value=\"",
            verdict_names[r->verdict]);
    for (size_t k = 0; k < r->c->n_tests; k++)
      fprintf(f, "%s%s", k ? "," : "", ctrt_op_info_get(r->c->tests[k])->name);
    fprintf(f, "\"/></properties>\n");
    if (r->verdict == VERDICT_FAIL || r->verdict == VERDICT_ERROR) {
      fprintf(f, "      <%s message=\"%s\">", r->verdict == VERDICT_FAIL ? "failure" : "error",
              r->verdict == VERDICT_FAIL ? "conformance failure" : "blocked by a set-up step");
      conform_xml_text(f, r->detail);
      fprintf(f, "</%s>\n", r->verdict == VERDICT_FAIL ? "failure" : "error");
    } else if (r->verdict == VERDICT_UNSUPPORTED || r->verdict == VERDICT_DIVERGES) {
      fprintf(f, "      <skipped message=\"%s: ", verdict_names[r->verdict]);
      conform_xml_text(f, r->detail);
      fprintf(f, "\"/>\n");
    }
    fprintf(f, "    </testcase>\n");
  }
  fprintf(f, "  </testsuite>\n</testsuites>\n");
  return fclose(f) == 0 ? 0 : -1;
}

/* TAP 13: fail and error are "not ok"; an expected divergence is "not ok"
 * with a TODO directive; unsupported is "ok" with SKIP. */
int conform_write_tap(const char *path, const conform_run_info *run, const conform_result *results, size_t n) {
  bool to_stdout = strcmp(path, "-") == 0;
  FILE *f = to_stdout ? stdout : fopen(path, "w");
  if (f == NULL)
    return -1;
  fprintf(f, "TAP version 13\n1..%zu\n# backend %s, engine %s %s\n", n, run->backend, run->engine->name,
          run->engine->version ? run->engine->version : "");
  for (size_t i = 0; i < n; i++) {
    const conform_result *r = &results[i];
    bool ok = r->verdict == VERDICT_PASS || r->verdict == VERDICT_DEFAULT || r->verdict == VERDICT_UNSUPPORTED;
    fprintf(f, "%s %zu - %s", ok ? "ok" : "not ok", i + 1, r->c->name);
    if (r->verdict == VERDICT_UNSUPPORTED)
      fprintf(f, " # SKIP unsupported");
    else if (r->verdict == VERDICT_DIVERGES)
      fprintf(f, " # TODO expected divergence");
    fprintf(f, "\n");
    if (r->detail && r->verdict != VERDICT_PASS) {
      fprintf(f, "  ---\n  verdict: %s\n  detail: |\n", verdict_names[r->verdict]);
      for (const char *line = r->detail, *end; line && *line; line = end ? end + 1 : NULL) {
        end = strchr(line, '\n');
        fprintf(f, "    %.*s\n", end ? (int)(end - line) : (int)strlen(line), line);
      }
      fprintf(f, "  ...\n");
    }
  }
  if (to_stdout)
    return fflush(f) == 0 ? 0 : -1;
  return fclose(f) == 0 ? 0 : -1;
}
