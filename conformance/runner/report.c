/* Reports of a run: the method table on the terminal, the JSON matrix and
 * JUnit XML. A method's verdict is the worst over the cases exercising it:
 * fail, then diverges, then unsupported, then pass; untested when no case
 * ran it. */
#include "runner.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

const char *conform_verdict_name(conform_verdict v) {
  switch (v) {
  case VERDICT_PASS:
    return "pass";
  case VERDICT_FAIL:
    return "fail";
  case VERDICT_UNSUPPORTED:
    return "unsupported";
  case VERDICT_DIVERGES:
    return "diverges";
  }
  return "?";
}

typedef struct method_row {
  const char *verdict;
  size_t cases[4]; /* per verdict */
} method_row;

static int rank(conform_verdict v) {
  return v == VERDICT_FAIL ? 3 : v == VERDICT_DIVERGES ? 2 : v == VERDICT_UNSUPPORTED ? 1 : 0;
}

static void method_rows(const conform_result *results, size_t n, method_row rows[CTRT_OP_COUNT]) {
  int worst[CTRT_OP_COUNT];
  for (int op = 0; op < CTRT_OP_COUNT; op++) {
    worst[op] = -1;
    memset(&rows[op], 0, sizeof rows[op]);
  }
  for (size_t i = 0; i < n; i++) {
    for (size_t k = 0; k < results[i].c->n_tests; k++) {
      ctrt_op op = results[i].c->tests[k];
      rows[op].cases[results[i].verdict]++;
      if (rank(results[i].verdict) > worst[op])
        worst[op] = rank(results[i].verdict);
    }
  }
  static const char *const by_rank[] = {"pass", "unsupported", "diverges", "fail"};
  for (int op = 0; op < CTRT_OP_COUNT; op++)
    rows[op].verdict = worst[op] < 0 ? "untested" : by_rank[worst[op]];
}

static void counts(const conform_result *results, size_t n, size_t out[4]) {
  memset(out, 0, 4 * sizeof *out);
  for (size_t i = 0; i < n; i++)
    out[results[i].verdict]++;
}

void conform_print_table(const char *backend, const conform_result *results, size_t n) {
  method_row rows[CTRT_OP_COUNT];
  method_rows(results, n, rows);
  size_t c[4];
  counts(results, n, c);
  printf("\n%-34s %-12s %s\n", "method", "verdict", "cases (pass/fail/unsupported/diverges)");
  printf("%-34s %-12s %s\n", "------", "-------", "-----");
  size_t by_verdict[5] = {0};
  for (int op = 0; op < CTRT_OP_COUNT; op++) {
    const method_row *r = &rows[op];
    printf("%-34s %-12s %zu/%zu/%zu/%zu\n", ctrt_op_info_get((ctrt_op)op)->name, r->verdict,
           r->cases[VERDICT_PASS], r->cases[VERDICT_FAIL], r->cases[VERDICT_UNSUPPORTED], r->cases[VERDICT_DIVERGES]);
    by_verdict[strcmp(r->verdict, "pass") == 0          ? 0
               : strcmp(r->verdict, "fail") == 0        ? 1
               : strcmp(r->verdict, "unsupported") == 0 ? 2
               : strcmp(r->verdict, "diverges") == 0    ? 3
                                                        : 4]++;
  }
  printf("\nbackend %s: %zu cases: %zu passed, %zu failed, %zu unsupported, %zu diverged\n", backend, n,
         c[VERDICT_PASS], c[VERDICT_FAIL], c[VERDICT_UNSUPPORTED], c[VERDICT_DIVERGES]);
  printf("methods: %zu/%d pass, %zu fail, %zu unsupported, %zu diverge, %zu untested\n", by_verdict[0], CTRT_OP_COUNT,
         by_verdict[1], by_verdict[2], by_verdict[3], by_verdict[4]);
}

int conform_write_matrix(const char *path, const char *backend, const conform_result *results, size_t n) {
  method_row rows[CTRT_OP_COUNT];
  method_rows(results, n, rows);
  size_t c[4];
  counts(results, n, c);
  json_t *methods = json_object();
  for (int op = 0; op < CTRT_OP_COUNT; op++)
    json_object_set_new(methods, ctrt_op_info_get((ctrt_op)op)->name, json_string(rows[op].verdict));
  json_t *doc = json_pack("{s:s, s:{s:I, s:I, s:I, s:I, s:I}, s:o}", "backend", backend, "cases", "total",
                          (json_int_t)n, "passed", (json_int_t)c[VERDICT_PASS], "failed", (json_int_t)c[VERDICT_FAIL],
                          "unsupported", (json_int_t)c[VERDICT_UNSUPPORTED], "diverged",
                          (json_int_t)c[VERDICT_DIVERGES], "methods", methods);
  int rc = doc ? json_dump_file(doc, path, JSON_INDENT(2)) : -1;
  json_decref(doc);
  return rc == 0 ? 0 : -1;
}

static void xml_text(FILE *f, const char *text) {
  for (const unsigned char *p = (const unsigned char *)text; p && *p; p++) {
    switch (*p) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    default:
      if (*p < 0x20 && *p != '\n' && *p != '\t')
        fprintf(f, "&#x%x;", *p == 0 ? 0xfffd : *p);
      else
        fputc(*p, f);
    }
  }
}

int conform_write_junit(const char *path, const char *backend, const conform_result *results, size_t n) {
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return -1;
  size_t c[4];
  counts(results, n, c);
  double total = 0;
  for (size_t i = 0; i < n; i++)
    total += results[i].seconds;
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  fprintf(f, "<testsuites name=\"ctrt-conform\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n", n,
          c[VERDICT_FAIL], c[VERDICT_UNSUPPORTED] + c[VERDICT_DIVERGES], total);
  fprintf(f, "  <testsuite name=\"");
  xml_text(f, backend);
  fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n", n, c[VERDICT_FAIL],
          c[VERDICT_UNSUPPORTED] + c[VERDICT_DIVERGES], total);
  for (size_t i = 0; i < n; i++) {
    const conform_result *r = &results[i];
    fprintf(f, "    <testcase classname=\"");
    xml_text(f, backend);
    fprintf(f, ".%s\" name=\"", r->area);
    xml_text(f, r->c->name);
    fprintf(f, "\" time=\"%.3f\">\n", r->seconds);
    fprintf(f, "      <properties><property name=\"verdict\" value=\"%s\"/><property name=\"methods\" value=\"",
            conform_verdict_name(r->verdict));
    for (size_t k = 0; k < r->c->n_tests; k++)
      fprintf(f, "%s%s", k ? "," : "", ctrt_op_info_get(r->c->tests[k])->name);
    fprintf(f, "\"/></properties>\n");
    if (r->verdict == VERDICT_FAIL) {
      fprintf(f, "      <failure message=\"conformance failure\">");
      xml_text(f, r->detail);
      fprintf(f, "</failure>\n");
    } else if (r->verdict != VERDICT_PASS) {
      fprintf(f, "      <skipped message=\"%s: ", conform_verdict_name(r->verdict));
      xml_text(f, r->detail);
      fprintf(f, "\"/>\n");
    }
    fprintf(f, "    </testcase>\n");
  }
  fprintf(f, "  </testsuite>\n</testsuites>\n");
  return fclose(f) == 0 ? 0 : -1;
}
