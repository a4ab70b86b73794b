/* ctrt-conform --merge: one method x engine report from the matrix JSONs
 * of several runs (schema "ctrt-conform-matrix/1", conformance/README.md).
 *
 * Every input is checked completely before anything is written: the
 * schema string, every key (unknown ones too: a changed shape must change
 * the schema string), the types, the verdict names, and the method set,
 * which must be exactly the spec's. The rows are the spec's methods in its
 * order; the columns are the files in the order given. */
#include "merge.h"

#include "runner.h"

#include <jansson.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MATRIX_SCHEMA "ctrt-conform-matrix/1"
/* Method verdicts: the case verdicts, then "untested". */
#define N_METHOD_VERDICTS (VERDICT_COUNT + 1)

static const char *method_verdict_name(int i) { return i < VERDICT_COUNT ? conform_verdict_name(i) : "untested"; }

/* What each method verdict means, for the legend of both reports. */
static const char *const legend[N_METHOD_VERDICTS] = {
    "every case that tests the method and ran passed, on the backend's own implementation",
    "every such case passed, but the backend does not implement the method: the dispatcher served it from the "
    "default the spec declares",
    "a case that tests the method failed exactly as an expectation for this engine says (the same checks with the "
    "same observed values), and none failed otherwise; the expectation gives the reason",
    "the backend lacks the method and calling it gave CTRT_EUNSUPPORTED",
    "a case that tests the method was blocked: a method it only uses to set up failed, so it judged nothing; none "
    "failed",
    "a case that tests the method failed otherwise than any expectation says (or passed although one says it "
    "fails), or the backend lacks the method and a call did not answer CTRT_EUNSUPPORTED",
    "no case tests the method",
};

typedef struct column {
  const char *path, *file; /* as given; its last component */
  json_t *doc;
  const char *backend, *name, *version; /* version may be NULL */
  json_t *facts, *totals, *methods, *detail, *cases;
  json_t *native_api; /* the native_api_methods fact (a reference), or NULL */
  json_int_t jobs;
  double seconds;
} column;

/* One engine's cell of one method. */
typedef struct cell {
  const char *verdict, *support;
  json_int_t k[VERDICT_COUNT], n, ok; /* cases by verdict; testing it; passed */
  double latency_ms, p90_ms;          /* median, 90th percentile; < 0: not measured */
} cell;

/* ---- reading and checking ---- */

static int bad(const column *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "ctrt-conform: %s: ", c->path);
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  return -1;
}

static bool has_word(const char *list, const char *word) {
  size_t len = strlen(word);
  for (const char *p = list; (p = strstr(p, word)) != NULL; p += len)
    if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
      return true;
  return false;
}

/* obj has every key of required, and no key outside required + optional
 * (space-separated lists). */
static int check_keys(const column *c, const char *where, json_t *obj, const char *required, const char *optional) {
  const char *key;
  json_t *value;
  json_object_foreach(obj, key, value) {
    if (!has_word(required, key) && !has_word(optional, key))
      return bad(c, "%s: unknown key \"%s\" (not in schema %s)", where, key, MATRIX_SCHEMA);
  }
  char word[64];
  for (const char *p = required; *p;) {
    size_t len = strcspn(p, " ");
    snprintf(word, sizeof word, "%.*s", (int)len, p);
    if (json_object_get(obj, word) == NULL)
      return bad(c, "%s: \"%s\" is missing", where, word);
    p += len + (p[len] == ' ');
  }
  return 0;
}

enum { NUMBER = -1 };

/* The member key of obj, of the given type (NUMBER: integer or real), or
 * NULL after saying what is wrong. A null member is allowed when
 * nullable (and returned as JSON null). */
static json_t *member(const column *c, const char *where, json_t *obj, const char *key, int type, bool nullable) {
  json_t *v = json_object_get(obj, key);
  static const char *const type_names[] = {[JSON_OBJECT] = "an object",
                                           [JSON_ARRAY] = "an array",
                                           [JSON_STRING] = "a string",
                                           [JSON_INTEGER] = "an integer"};
  if (v && nullable && json_is_null(v))
    return v;
  if (v && (type == NUMBER ? json_is_number(v) && json_number_value(v) >= 0 : (int)json_typeof(v) == type) &&
      !(type == JSON_INTEGER && json_integer_value(v) < 0))
    return v;
  bad(c, "%s.%s: expected %s%s", where, key,
      type == NUMBER         ? "a number >= 0"
      : type == JSON_INTEGER ? "an integer >= 0"
                             : type_names[type],
      nullable ? " or null" : "");
  return NULL;
}

static const char *string_member(const column *c, const char *where, json_t *obj, const char *key, bool nullable) {
  json_t *v = member(c, where, obj, key, JSON_STRING, nullable);
  return v ? (json_is_null(v) ? "" : json_string_value(v)) : NULL;
}

static int verdict_index(const char *name, int count) {
  for (int i = 0; i < count; i++)
    if (strcmp(name, method_verdict_name(i)) == 0)
      return i;
  return -1;
}

/* {"pass": n, ..., "fail": n}, every case verdict, counts >= 0. */
static int check_counts(const column *c, const char *where, json_t *counts, const char *extra) {
  char required[128] = "";
  for (int i = 0; i < VERDICT_COUNT; i++)
    snprintf(required + strlen(required), sizeof required - strlen(required), "%s%s", i ? " " : "",
             conform_verdict_name(i));
  if (check_keys(c, where, counts, required, extra) < 0)
    return -1;
  for (int i = 0; i < VERDICT_COUNT; i++)
    if (!member(c, where, counts, conform_verdict_name(i), JSON_INTEGER, false))
      return -1;
  return 0;
}

static int check_method_names(const column *c, const char *where, json_t *obj) {
  const char *key;
  json_t *value;
  ctrt_op op;
  json_object_foreach(obj, key, value) {
    if (ctrt_op_from_name(&op, key) < 0)
      return bad(c, "%s: \"%s\" is not a method of the spec", where, key);
  }
  for (int i = 0; i < CTRT_OP_COUNT; i++)
    if (json_object_get(obj, ctrt_op_info_get((ctrt_op)i)->name) == NULL)
      return bad(c, "%s: the method %s is missing", where, ctrt_op_info_get((ctrt_op)i)->name);
  return 0;
}

static int check_method(const column *c, const char *name) {
  char where[160];
  snprintf(where, sizeof where, "method_detail.%s", name);
  json_t *d = json_object_get(c->detail, name);
  const char *verdict = string_member(c, "methods", c->methods, name, false);
  if (verdict == NULL)
    return -1;
  if (verdict_index(verdict, N_METHOD_VERDICTS) < 0)
    return bad(c, "methods.%s: \"%s\" is not a method verdict", name, verdict);
  if (!json_is_object(d))
    return bad(c, "%s: expected an object", where);
  if (check_keys(c, where, d, "verdict support cases", "latency_ms latency_p90_ms note") < 0)
    return -1;
  const char *dv = string_member(c, where, d, "verdict", false),
             *support = string_member(c, where, d, "support", false);
  if (dv == NULL || support == NULL)
    return -1;
  if (strcmp(dv, verdict) != 0)
    return bad(c, "%s.verdict: \"%s\", but methods.%s is \"%s\"", where, dv, name, verdict);
  if (strcmp(support, "native") != 0 && strcmp(support, "default") != 0 && strcmp(support, "none") != 0)
    return bad(c, "%s.support: \"%s\" is not native, default or none", where, support);
  json_t *counts = member(c, where, d, "cases", JSON_OBJECT, false);
  strncat(where, ".cases", sizeof where - strlen(where) - 1);
  if (counts == NULL || check_counts(c, where, counts, "") < 0)
    return -1;
  where[strlen(where) - strlen(".cases")] = '\0';
  if (json_object_get(d, "latency_ms") && !member(c, where, d, "latency_ms", NUMBER, false))
    return -1;
  if (json_object_get(d, "latency_p90_ms") && !member(c, where, d, "latency_p90_ms", NUMBER, false))
    return -1;
  if (json_object_get(d, "note") && !string_member(c, where, d, "note", false))
    return -1;
  return 0;
}

static int check_op_list(const column *c, const char *where, json_t *entry, const char *key) {
  json_t *list = member(c, where, entry, key, JSON_ARRAY, false), *v;
  size_t i;
  ctrt_op op;
  if (list == NULL)
    return -1;
  json_array_foreach(list, i, v) {
    if (!json_is_string(v) || ctrt_op_from_name(&op, json_string_value(v)) < 0)
      return bad(c, "%s.%s[%zu]: not a method of the spec", where, key, i);
  }
  return 0;
}

static int check_case(const column *c, size_t i, json_t *entry) {
  char where[64];
  snprintf(where, sizeof where, "cases[%zu]", i);
  if (!json_is_object(entry))
    return bad(c, "%s: expected an object", where);
  if (check_keys(c, where, entry, "case area verdict tests uses seconds detail", "expectation") < 0 ||
      !string_member(c, where, entry, "case", false) || !string_member(c, where, entry, "area", false) ||
      check_op_list(c, where, entry, "tests") < 0 || check_op_list(c, where, entry, "uses") < 0 ||
      !member(c, where, entry, "seconds", NUMBER, false) || !string_member(c, where, entry, "detail", true))
    return -1;
  const char *verdict = string_member(c, where, entry, "verdict", false);
  if (verdict == NULL)
    return -1;
  if (verdict_index(verdict, VERDICT_COUNT) < 0)
    return bad(c, "%s.verdict: \"%s\" is not a case verdict", where, verdict);
  json_t *x = json_object_get(entry, "expectation"), *check;
  if (x == NULL)
    return 0;
  strncat(where, ".expectation", sizeof where - strlen(where) - 1);
  if (!json_is_object(x))
    return bad(c, "%s: expected an object", where);
  json_t *checks = NULL;
  if (check_keys(c, where, x, "nature reason", "issue checks") < 0 || !string_member(c, where, x, "nature", false) ||
      !string_member(c, where, x, "reason", false) ||
      (json_object_get(x, "issue") && !string_member(c, where, x, "issue", true)) ||
      (json_object_get(x, "checks") && (checks = member(c, where, x, "checks", JSON_ARRAY, false)) == NULL))
    return -1;
  size_t k;
  json_array_foreach(checks, k, check) {
    if (!json_is_string(check))
      return bad(c, "%s.checks[%zu]: expected a string", where, k);
  }
  return 0;
}

static int check_matrix(column *c) {
  json_t *doc = c->doc, *engine, *v;
  if (!json_is_object(doc))
    return bad(c, "not a ctrt-conform matrix (the top level is not an object)");
  json_t *schema = json_object_get(doc, "schema");
  if (!json_is_string(schema))
    return bad(c, "not a ctrt-conform matrix (no \"schema\")");
  if (strcmp(json_string_value(schema), MATRIX_SCHEMA) != 0)
    return bad(c, "schema \"%s\", but this ctrt-conform reads \"%s\"", json_string_value(schema), MATRIX_SCHEMA);
  if (check_keys(c, "the matrix", doc, "schema backend engine jobs seconds totals methods method_detail cases", "") <
          0 ||
      (c->backend = string_member(c, "the matrix", doc, "backend", false)) == NULL ||
      (engine = member(c, "the matrix", doc, "engine", JSON_OBJECT, false)) == NULL ||
      check_keys(c, "engine", engine, "name facts", "version") < 0 ||
      (c->name = string_member(c, "engine", engine, "name", false)) == NULL ||
      (c->facts = member(c, "engine", engine, "facts", JSON_OBJECT, false)) == NULL ||
      (v = member(c, "the matrix", doc, "jobs", JSON_INTEGER, false)) == NULL)
    return -1;
  c->jobs = json_integer_value(v);
  if ((v = member(c, "the matrix", doc, "seconds", NUMBER, false)) == NULL)
    return -1;
  c->seconds = json_number_value(v);
  if (json_object_get(engine, "version") && (c->version = string_member(c, "engine", engine, "version", true)) == NULL)
    return -1;
  if (c->version && c->version[0] == '\0')
    c->version = NULL;
  if (c->name[0] == '\0' || c->backend[0] == '\0')
    return bad(c, "engine.name and backend must not be empty");
  const char *key;
  json_object_foreach(c->facts, key, v) {
    if (!json_is_string(v))
      return bad(c, "engine.facts.%s: expected a string", key);
  }
  if ((c->totals = member(c, "the matrix", doc, "totals", JSON_OBJECT, false)) == NULL ||
      check_counts(c, "totals", c->totals, "total") < 0 ||
      !member(c, "totals", c->totals, "total", JSON_INTEGER, false))
    return -1;
  json_int_t sum = 0;
  for (int i = 0; i < VERDICT_COUNT; i++)
    sum += json_integer_value(json_object_get(c->totals, conform_verdict_name(i)));
  if (sum != json_integer_value(json_object_get(c->totals, "total")))
    return bad(c, "totals: the verdicts add up to %lld, not total %lld", (long long)sum,
               (long long)json_integer_value(json_object_get(c->totals, "total")));
  if ((c->methods = member(c, "the matrix", doc, "methods", JSON_OBJECT, false)) == NULL ||
      (c->detail = member(c, "the matrix", doc, "method_detail", JSON_OBJECT, false)) == NULL ||
      (c->cases = member(c, "the matrix", doc, "cases", JSON_ARRAY, false)) == NULL ||
      check_method_names(c, "methods", c->methods) < 0 || check_method_names(c, "method_detail", c->detail) < 0)
    return -1;
  for (int op = 0; op < CTRT_OP_COUNT; op++)
    if (check_method(c, ctrt_op_info_get((ctrt_op)op)->name) < 0)
      return -1;
  size_t i;
  json_array_foreach(c->cases, i, v) {
    if (check_case(c, i, v) < 0)
      return -1;
  }
  return 0;
}

static bool same(const char *a, const char *b) { return a == b || (a && b && strcmp(a, b) == 0); }

/* The engine fact native_api_methods (the cri backend reports it: "method"
 * or "method: what" entries separated by "; ") names what the backend
 * serves through containerd's own API rather than CRI. Each becomes the
 * method's note, saying what a CRI-only engine (CRI-O) would lose; the fact
 * leaves the engine's header, the notes saying it. */
#define NATIVE_API_FACT "native_api_methods"

static int native_api_notes(column *c) {
  json_t *fact = json_object_get(c->facts, NATIVE_API_FACT);
  if (fact == NULL)
    return 0;
  const char *p = json_string_value(fact);
  while (*p) {
    size_t len = strcspn(p, ";");
    char entry[512];
    snprintf(entry, sizeof entry, "%.*s", (int)len, p);
    p += len + (p[len] == ';');
    p += strspn(p, " ");
    char *what = strchr(entry, ':');
    if (what) {
      *what++ = '\0';
      what += strspn(what, " ");
    }
    ctrt_op op;
    if (ctrt_op_from_name(&op, entry) < 0)
      return bad(c, "engine.facts." NATIVE_API_FACT ": \"%s\" is not a method of this ctrt", entry);
    json_t *d = json_object_get(c->detail, entry);
    if (json_object_get(d, "note"))
      continue; /* the run's own note stands */
    char note[768];
    snprintf(note, sizeof note, "a CRI-only engine (CRI-O) loses %s: served by containerd's own API",
             what && what[0] ? what : "it");
    json_object_set_new(d, "note", json_string(note));
  }
  c->native_api = json_incref(fact); /* for the engine's summary line */
  json_object_del(c->facts, NATIVE_API_FACT);
  return 0;
}

static int load_column(column *cols, size_t i, const char *path) {
  column *c = &cols[i];
  c->path = path;
  const char *slash = strrchr(path, '/');
  c->file = slash ? slash + 1 : path;
  FILE *f = fopen(path, "r");
  struct stat st;
  if (f == NULL)
    return bad(c, "cannot read it: %s", strerror(errno));
  if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
    fclose(f);
    return bad(c, "cannot read it: not a regular file");
  }
  json_error_t err;
  c->doc = json_loadf(f, JSON_REJECT_DUPLICATES, &err);
  fclose(f);
  if (c->doc == NULL)
    return bad(c, "not JSON: %s (line %d, column %d)", err.text, err.line, err.column);
  if (check_matrix(c) < 0 || native_api_notes(c) < 0)
    return -1;
  /* A column is an engine, at a version, through a backend: the same one
   * twice is a mistake (the same file given twice, or two runs mixed up). */
  for (size_t k = 0; k < i; k++)
    if (same(cols[k].name, c->name) && same(cols[k].version, c->version) && same(cols[k].backend, c->backend))
      return bad(c, "engine %s %s (backend %s) is already given by %s", c->name, c->version ? c->version : "",
                 c->backend, cols[k].path);
  return 0;
}

/* ---- what a cell says ---- */

static bool case_tests(json_t *entry, const char *method) {
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(entry, "tests"), i, v) {
    if (strcmp(json_string_value(v), method) == 0)
      return true;
  }
  return false;
}

static void cell_of(const column *c, const char *method, cell *out) {
  json_t *d = json_object_get(c->detail, method), *counts = json_object_get(d, "cases");
  json_t *latency = json_object_get(d, "latency_ms");
  memset(out, 0, sizeof *out);
  out->verdict = json_string_value(json_object_get(c->methods, method));
  out->support = json_string_value(json_object_get(d, "support"));
  out->latency_ms = latency ? json_number_value(latency) : -1;
  json_t *p90 = json_object_get(d, "latency_p90_ms");
  out->p90_ms = p90 ? json_number_value(p90) : -1;
  for (int i = 0; i < VERDICT_COUNT; i++) {
    out->k[i] = json_integer_value(json_object_get(counts, conform_verdict_name(i)));
    out->n += out->k[i];
  }
  out->ok = out->k[VERDICT_PASS] + out->k[VERDICT_DEFAULT];
}

/* "diverges 4/5, 1 diverges": the verdict, of the n cases that test the
 * method k passed, the others by verdict. */
static void cell_text(const cell *x, char *buf, size_t size) {
  size_t at = (size_t)snprintf(buf, size, "%s", x->verdict);
  if (x->n)
    at += (size_t)snprintf(buf + at, size - at, " %lld/%lld", (long long)x->ok, (long long)x->n);
  for (int i = VERDICT_DIVERGES; i < VERDICT_COUNT && at < size; i++)
    if (x->k[i])
      at += (size_t)snprintf(buf + at, size - at, ", %lld %s", (long long)x->k[i], conform_verdict_name(i));
}

/* "12.0 ms, p90 15.1 ms" (below a millisecond, the in-process mock's, in
 * microseconds), or "" when not measured: the latency column's cell. */
static void latency_text(const cell *x, char *buf, size_t size) {
  buf[0] = '\0';
  if (x->latency_ms < 0)
    return;
  size_t at = (size_t)snprintf(buf, size, x->latency_ms < 1 ? "%.0f \xc2\xb5s" : "%.1f ms",
                               x->latency_ms < 1 ? x->latency_ms * 1000 : x->latency_ms);
  if (x->p90_ms >= 0 && at < size)
    snprintf(buf + at, size - at, x->p90_ms < 1 ? ", p90 %.0f \xc2\xb5s" : ", p90 %.1f ms",
             x->p90_ms < 1 ? x->p90_ms * 1000 : x->p90_ms);
}

/* Whether the engine's matrix has latencies (--benchmark): then its
 * verdict column is followed by a latency column. */
static bool has_latency(const column *c) {
  for (int op = 0; op < CTRT_OP_COUNT; op++)
    if (json_object_get(json_object_get(c->detail, ctrt_op_info_get((ctrt_op)op)->name), "latency_ms"))
      return true;
  return false;
}

/* "50 pass, 2 diverges, 2 unsupported": how many methods got each verdict. */
static void method_totals(const column *c, char *buf, size_t size) {
  json_int_t by[N_METHOD_VERDICTS] = {0};
  for (int op = 0; op < CTRT_OP_COUNT; op++)
    by[verdict_index(json_string_value(json_object_get(c->methods, ctrt_op_info_get((ctrt_op)op)->name)),
                     N_METHOD_VERDICTS)]++;
  size_t at = 0;
  buf[0] = '\0';
  for (int i = 0; i < N_METHOD_VERDICTS && at < size; i++)
    if (by[i])
      at +=
          (size_t)snprintf(buf + at, size - at, "%s%lld %s", at ? ", " : "", (long long)by[i], method_verdict_name(i));
}

/* "269 cases: 260 pass, 9 diverges" */
static void case_totals(const column *c, char *buf, size_t size) {
  size_t at =
      (size_t)snprintf(buf, size, "%lld cases", (long long)json_integer_value(json_object_get(c->totals, "total")));
  const char *sep = ": ";
  for (int i = 0; i < VERDICT_COUNT && at < size; i++) {
    json_int_t k = json_integer_value(json_object_get(c->totals, conform_verdict_name(i)));
    if (k) {
      at += (size_t)snprintf(buf + at, size - at, "%s%lld %s", sep, (long long)k, conform_verdict_name(i));
      sep = ", ";
    }
  }
}

static bool any_note(const column *cols, size_t n, const char *method) {
  for (size_t i = 0; i < n; i++)
    if (json_object_get(json_object_get(cols[i].detail, method), "note"))
      return true;
  return false;
}

static bool notes_column(const column *cols, size_t n) {
  for (int op = 0; op < CTRT_OP_COUNT; op++)
    if (any_note(cols, n, ctrt_op_info_get((ctrt_op)op)->name))
      return true;
  return false;
}

/* The notes on a method, "engine: note" each, in a format: open, between
 * the engine and its note, close; sep between two notes. */
static void write_notes(FILE *f, const column *cols, size_t n, const char *method, void (*text)(FILE *, const char *),
                        const char *const marks[4]) {
  bool first = true;
  for (size_t i = 0; i < n; i++) {
    json_t *note = json_object_get(json_object_get(cols[i].detail, method), "note");
    if (note == NULL)
      continue;
    fputs(first ? marks[0] : marks[3], f);
    text(f, cols[i].name);
    fputs(marks[1], f);
    text(f, json_string_value(note));
    fputs(marks[2], f);
    first = false;
  }
}

/* ---- Markdown ---- */

/* Text in a table cell: '|' and what Markdown would take for markup are
 * escaped, a line break becomes a space. */
static void md_text(FILE *f, const char *text) {
  for (const char *p = text; p && *p; p++) {
    if (*p == '\n' || *p == '\r')
      fputc(' ', f);
    else {
      if (strchr("|\\<>*`", *p))
        fputc('\\', f);
      fputc(*p, f);
    }
  }
}

static void md_engine_label(FILE *f, const column *c) {
  md_text(f, c->name);
  if (c->version) {
    fputc(' ', f);
    md_text(f, c->version);
  }
  if (strcmp(c->backend, c->name) != 0) {
    fputs(" (backend ", f);
    md_text(f, c->backend);
    fputc(')', f);
  }
}

static void write_markdown(FILE *f, const column *cols, size_t n) {
  bool notes = notes_column(cols, n);
  char text[512];
  fprintf(f, "# ctrt conformance: %d methods \xc3\x97 %zu engine%s\n\n| method |", CTRT_OP_COUNT, n, n == 1 ? "" : "s");
  size_t n_latency = 0;
  for (size_t i = 0; i < n; i++) {
    fputc(' ', f);
    md_engine_label(f, &cols[i]);
    fputs(" |", f);
    if (has_latency(&cols[i])) {
      fputs(" latency: ", f);
      md_engine_label(f, &cols[i]);
      fputs(" |", f);
      n_latency++;
    }
  }
  fprintf(f, "%s\n|---|", notes ? " notes |" : "");
  for (size_t i = 0; i < n + n_latency + notes; i++)
    fputs("---|", f);
  fputc('\n', f);
  for (int op = 0; op < CTRT_OP_COUNT; op++) {
    const char *method = ctrt_op_info_get((ctrt_op)op)->name;
    fprintf(f, "| %s |", method);
    for (size_t i = 0; i < n; i++) {
      cell x;
      cell_of(&cols[i], method, &x);
      cell_text(&x, text, sizeof text);
      fprintf(f, " %s |", text);
      if (has_latency(&cols[i])) {
        latency_text(&x, text, sizeof text);
        fprintf(f, " %s |", text);
      }
    }
    if (notes) {
      static const char *const marks[4] = {"", ": ", "", "; "};
      fputc(' ', f);
      write_notes(f, cols, n, method, md_text, marks);
      fputs(" |", f);
    }
    fputc('\n', f);
  }
  for (int row = 0; row < 2; row++) {
    fprintf(f, "| **%s** |", row ? "cases" : "methods");
    for (size_t i = 0; i < n; i++) {
      (row ? case_totals : method_totals)(&cols[i], text, sizeof text);
      fprintf(f, " %s |%s", text, has_latency(&cols[i]) ? " |" : "");
    }
    fprintf(f, "%s\n", notes ? " |" : "");
  }
  fputs("\nA cell is the method's verdict on the engine, then k/n: of the n cases that test the method, k passed "
        "(pass or default); then the other cases by verdict.",
        f);
  if (n_latency)
    fputs(" A latency cell is the median and 90th percentile of one call of the method's basic operation "
          "(ctrt-conform --benchmark).",
          f);
  fputs("\n\n## Engines\n\n", f);
  for (size_t i = 0; i < n; i++) {
    const column *c = &cols[i];
    fputs("- ", f);
    md_engine_label(f, c);
    fputs(": backend ", f);
    md_text(f, c->backend);
    const char *key, *sep = "; facts ";
    json_t *v;
    json_object_foreach(c->facts, key, v) {
      fputs(sep, f);
      md_text(f, key);
      fputc('=', f);
      md_text(f, json_string_value(v));
      sep = ", ";
    }
    fprintf(f, "; %lld cases at -j %lld in %.1f s (",
            (long long)json_integer_value(json_object_get(c->totals, "total")), (long long)c->jobs, c->seconds);
    md_text(f, c->file);
    fputs(")\n", f);
    if (c->native_api) {
      fputs("  - served through containerd's own API, so a CRI-only engine (CRI-O) would lose it: ", f);
      md_text(f, json_string_value(c->native_api));
      fputc('\n', f);
    }
  }
  fputs("\n## Verdicts\n\n", f);
  for (int i = 0; i < N_METHOD_VERDICTS; i++)
    fprintf(f, "- **%s**: %s\n", method_verdict_name(i), legend[i]);
}

/* ---- HTML ---- */

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>ctrt conformance</title>\n<style>\n"
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1a1a1a}\n"
    "table{border-collapse:collapse}\n"
    "th,td{border:1px solid #b8b8b8;padding:3px 7px;vertical-align:top;text-align:left}\n"
    ".matrix thead th{position:sticky;top:0;background:#f2f2f2;min-width:11em}\n"
    ".matrix tbody th{font-family:ui-monospace,monospace;font-weight:normal;white-space:nowrap}\n"
    ".matrix tfoot th,.matrix tfoot td{background:#f2f2f2;font-weight:bold}\n"
    ".engine{font-size:16px}.version{font-family:ui-monospace,monospace}\n"
    ".about{font-weight:normal;font-size:12px;color:#444;margin:2px 0 0 0;padding-left:1.1em}\n"
    ".v-pass{background:#cfeccf}.v-default{background:#e6f2c2}.v-diverges{background:#fde6a0}\n"
    ".v-unsupported{background:#dedede;color:#404040}.v-error{background:#fbc88c}\n"
    ".v-fail{background:#f29a9a;font-weight:bold}.v-untested{background:#fff;color:#707070}\n"
    "summary{cursor:pointer}details ul{margin:4px 0;padding-left:1.2em;font-weight:normal}\n"
    "details pre{white-space:pre-wrap;max-width:44em;font-size:12px;margin:2px 0}\n"
    ".why{margin:2px 0}.support,.note,.latency{font-size:12px;color:#404040}\n"
    "</style>\n</head>\n<body>\n";

static void html(FILE *f, const char *text) { conform_xml_text(f, text); }

static void html_engine_header(FILE *f, const column *c) {
  fputs("<th scope=\"col\"><div class=\"engine\">", f);
  html(f, c->name);
  fputs("</div>", f);
  if (c->version) {
    fputs("<div class=\"version\">", f);
    html(f, c->version);
    fputs("</div>", f);
  }
  fputs("<ul class=\"about\"><li>backend ", f);
  html(f, c->backend);
  fputs("</li>", f);
  const char *key;
  json_t *v;
  json_object_foreach(c->facts, key, v) {
    fputs("<li>", f);
    html(f, key);
    fputc('=', f);
    html(f, json_string_value(v));
    fputs("</li>", f);
  }
  if (c->native_api) {
    fputs("<li>a CRI-only engine (CRI-O) would lose what goes through containerd's own API: ", f);
    html(f, json_string_value(c->native_api));
    fputs("</li>", f);
  }
  fprintf(f, "<li>-j %lld, %.1f s</li><li>", (long long)c->jobs, c->seconds);
  html(f, c->file);
  fputs("</li></ul></th>", f);
}

/* The cases of this column that test the method and did not pass. */
static void html_cases(FILE *f, const column *c, const char *method) {
  size_t i;
  json_t *entry;
  fputs("<ul>", f);
  json_array_foreach(c->cases, i, entry) {
    const char *verdict = json_string_value(json_object_get(entry, "verdict"));
    if (!case_tests(entry, method) || strcmp(verdict, "pass") == 0)
      continue;
    fprintf(f, "<li><b>%s</b> <code>", verdict);
    html(f, json_string_value(json_object_get(entry, "case")));
    fputs("</code>", f);
    json_t *x = json_object_get(entry, "expectation");
    if (x) {
      json_t *issue = json_object_get(x, "issue"), *checks = json_object_get(x, "checks"), *check;
      fputs("<div class=\"why\">expected (", f);
      html(f, json_string_value(json_object_get(x, "nature")));
      if (json_is_string(issue)) {
        fputs(", ", f);
        html(f, json_string_value(issue));
      }
      fputs("): ", f);
      html(f, json_string_value(json_object_get(x, "reason")));
      fputs("</div>", f);
      size_t k;
      json_array_foreach(checks, k, check) {
        fputs(k ? ", <code>" : "<div class=\"why\">checks: <code>", f);
        html(f, json_string_value(check));
        fputs("</code>", f);
      }
      if (json_array_size(checks))
        fputs("</div>", f);
    }
    const char *detail = json_string_value(json_object_get(entry, "detail"));
    if (detail) {
      fputs("<pre>", f);
      html(f, detail);
      fputs("</pre>", f);
    }
    fputs("</li>", f);
  }
  fputs("</ul>", f);
}

/* The first reason a cell's cases give, for its tooltip. */
static const char *first_reason(const column *c, const char *method) {
  size_t i;
  json_t *entry;
  json_array_foreach(c->cases, i, entry) {
    json_t *x = json_object_get(entry, "expectation");
    if (x && case_tests(entry, method))
      return json_string_value(json_object_get(x, "reason"));
  }
  return NULL;
}

static void html_cell(FILE *f, const column *c, const char *method) {
  cell x;
  char text[512];
  cell_of(c, method, &x);
  cell_text(&x, text, sizeof text);
  const char *reason = first_reason(c, method);
  fprintf(f, "<td class=\"v-%s\" title=\"%s: %lld of %lld cases that test it passed; support %s", x.verdict, x.verdict,
          (long long)x.ok, (long long)x.n, x.support);
  if (reason) {
    fputs("&#10;expected: ", f);
    html(f, reason);
  }
  fputs("\">", f);
  if (x.n > x.ok) {
    fputs("<details><summary>", f);
    html(f, text);
    fputs("</summary>", f);
    html_cases(f, c, method);
    fputs("</details>", f);
  } else
    html(f, text);
  if (strcmp(x.support, "native") != 0)
    fprintf(f, "<div class=\"support\">support: %s</div>", x.support);
  fputs("</td>", f);
}

static void write_html(FILE *f, const column *cols, size_t n) {
  bool notes = notes_column(cols, n);
  char text[512];
  fputs(html_head, f);
  fprintf(f, "<h1>ctrt conformance: %d methods &#215; %zu engine%s</h1>\n", CTRT_OP_COUNT, n, n == 1 ? "" : "s");
  fputs("<p>A cell is the method's verdict on the engine, then <i>k/n</i>: of the <i>n</i> cases that test the "
        "method, <i>k</i> passed (pass or default); then the other cases by verdict. Hover over a cell for a summary; "
        "open it for each case that did not pass, its detail, and the expectation's reason and check ids.</p>\n",
        f);
  fputs("<table class=\"matrix\">\n<thead><tr><th scope=\"col\">method</th>", f);
  for (size_t i = 0; i < n; i++) {
    html_engine_header(f, &cols[i]);
    if (has_latency(&cols[i])) {
      fputs("<th scope=\"col\" class=\"latency\">latency: ", f);
      html(f, cols[i].name);
      fputs("<div>median, p90 (--benchmark)</div></th>", f);
    }
  }
  fprintf(f, "%s</tr></thead>\n<tbody>\n", notes ? "<th scope=\"col\">notes</th>" : "");
  for (int op = 0; op < CTRT_OP_COUNT; op++) {
    const char *method = ctrt_op_info_get((ctrt_op)op)->name;
    fprintf(f, "<tr id=\"m-%s\"><th scope=\"row\">%s</th>", method, method);
    for (size_t i = 0; i < n; i++) {
      html_cell(f, &cols[i], method);
      if (has_latency(&cols[i])) {
        cell x;
        cell_of(&cols[i], method, &x);
        latency_text(&x, text, sizeof text);
        fputs("<td class=\"latency\">", f);
        html(f, text);
        fputs("</td>", f);
      }
    }
    if (notes) {
      static const char *const marks[4] = {"<div><b>", "</b>: ", "</div>", "<div><b>"};
      fputs("<td class=\"note\">", f);
      write_notes(f, cols, n, method, html, marks);
      fputs("</td>", f);
    }
    fputs("</tr>\n", f);
  }
  fputs("</tbody>\n<tfoot>\n", f);
  for (int row = 0; row < 2; row++) {
    fprintf(f, "<tr><th scope=\"row\">%s</th>", row ? "cases" : "methods");
    for (size_t i = 0; i < n; i++) {
      (row ? case_totals : method_totals)(&cols[i], text, sizeof text);
      fputs("<td>", f);
      html(f, text);
      fputs("</td>", f);
      if (has_latency(&cols[i]))
        fputs("<td></td>", f);
    }
    fprintf(f, "%s</tr>\n", notes ? "<td></td>" : "");
  }
  fputs("</tfoot>\n</table>\n<h2>Verdicts</h2>\n<table class=\"legend\">\n", f);
  for (int i = 0; i < N_METHOD_VERDICTS; i++)
    fprintf(f, "<tr><td class=\"v-%s\">%s</td><td>%s</td></tr>\n", method_verdict_name(i), method_verdict_name(i),
            legend[i]);
  fputs("</table>\n</body>\n</html>\n", f);
}

/* ---- the command ---- */

static int write_report(const char *path, void (*write)(FILE *, const column *, size_t), const column *cols, size_t n) {
  bool to_stdout = strcmp(path, "-") == 0;
  FILE *f = to_stdout ? stdout : fopen(path, "w");
  if (f == NULL) {
    fprintf(stderr, "ctrt-conform: cannot write %s: %s\n", path, strerror(errno));
    return -1;
  }
  write(f, cols, n);
  if (to_stdout ? fflush(f) != 0 : fclose(f) != 0) {
    fprintf(stderr, "ctrt-conform: cannot write %s\n", path);
    return -1;
  }
  return 0;
}

int conform_merge(const char *const *paths, size_t n, const char *markdown, const char *html_path) {
  column *cols = calloc(n ? n : 1, sizeof *cols);
  if (cols == NULL)
    abort();
  int status = n ? 0 : 2;
  if (n == 0)
    fprintf(stderr, "ctrt-conform: --merge needs at least one matrix file\n");
  for (size_t i = 0; i < n && status == 0; i++)
    if (load_column(cols, i, paths[i]) < 0)
      status = 2;
  if (status == 0 && markdown && write_report(markdown, write_markdown, cols, n) < 0)
    status = 2;
  if (status == 0 && html_path && write_report(html_path, write_html, cols, n) < 0)
    status = 2;
  for (size_t i = 0; i < n; i++) {
    json_decref(cols[i].native_api);
    json_decref(cols[i].doc);
  }
  free(cols);
  return status;
}
