/* SPDX-License-Identifier: MIT */
/*
 * ctrt-conform: run the conformance cases against one backend and report a
 * verdict per case and per method (see conformance/README.md).
 */
#include "runner.h"

#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "conform_probe.h"
#include "merge.h"
#include "schedule.h"

#define DEFAULT_CASE_TIMEOUT 180

static const conform_area *const areas[] = {
    &conform_area_images,  &conform_area_lifecycle, &conform_area_inspection, &conform_area_logs,  &conform_area_exec,
    &conform_area_archive, &conform_area_errors,    &conform_area_streams,    &conform_area_adopt,
};
#define N_AREAS (sizeof areas / sizeof areas[0])

typedef struct options {
  const char *backend, *host, *backend_lib, *junit, *matrix, *tap, *filter, *expectations, *html, *markdown;
  bool list, merge;
  unsigned timeout, jobs, benchmark;
} options;

static void usage(FILE *to) {
  fprintf(to,
          "usage: ctrt-conform --backend NAME [options]\n"
          "       ctrt-conform --merge MATRIX.json... [--markdown FILE] [--html FILE]\n"
          "\n"
          "Run the ctrt conformance suite against a container runtime backend and give\n"
          "a verdict per case and per method: pass, default, diverges, unsupported,\n"
          "error or fail (see the README of ctrt's conformance suite).\n"
          "\n"
          "  --backend NAME        mock, docker, podman, cri, or the name to report for --backend-lib\n"
          "  --host URI            daemon endpoint (docker: unix:///path or tcp://host:port;\n"
          "                        default $DOCKER_HOST, else unix:///var/run/docker.sock)\n"
          "  --backend-lib PATH    load the backend from a shared object (see ctrt/plugin.h)\n"
          "  -j, --jobs N          run up to N cases at once (default 1)\n"
          "  --junit FILE          write JUnit XML\n"
          "  --matrix FILE         write the verdicts as JSON (schema in the README)\n"
          "  --tap FILE            write TAP version 13 ('-' for standard output)\n"
          "  --filter GLOB         run only the cases whose name matches (e.g. 'logs.*')\n"
          "  --expectations FILE   expected engine differences (default: %s)\n"
          "  --timeout SECONDS     per-case limit (default %d); a case past it is a FAIL\n"
          "  --list                list the cases, the methods each tests and uses\n"
          "  --benchmark N         after the cases (none with --filter matching none), time\n"
          "                        N rounds of each method's basic operation: median and\n"
          "                        p90 per method, printed and in --matrix (latency_ms,\n"
          "                        latency_p90_ms); nothing asserts a time\n"
          "  --merge               merge the --matrix files of several runs (one per engine)\n"
          "                        into one method x engine table\n"
          "  --markdown FILE       with --merge: write it as Markdown ('-', the default\n"
          "                        without --html: standard output)\n"
          "  --html FILE           with --merge: write it as a self-contained HTML page\n"
          "  --help                this text\n"
          "\n"
          "Exit status: 0 when every case passed, diverged as expected, was unsupported\n"
          "or ran on a default; 1 when a case failed or was blocked (error); 2 on a\n"
          "usage or set-up error. --merge: 0, or 2 when a file cannot be read or is not\n"
          "a matrix (the message names it).\n",
          conform_default_expectations(), DEFAULT_CASE_TIMEOUT);
}

static bool parse_count(const char *text, unsigned *out, unsigned max) {
  char *end;
  unsigned long v = strtoul(text, &end, 10);
  if (*text == '\0' || *end != '\0' || v == 0 || v > max)
    return false;
  *out = (unsigned)v;
  return true;
}

static int parse_options(int argc, char **argv, options *o) {
  static const struct option longs[] = {{"backend", required_argument, NULL, 'b'},
                                        {"host", required_argument, NULL, 'H'},
                                        {"backend-lib", required_argument, NULL, 'l'},
                                        {"junit", required_argument, NULL, 'J'},
                                        {"matrix", required_argument, NULL, 'm'},
                                        {"tap", required_argument, NULL, 'T'},
                                        {"filter", required_argument, NULL, 'f'},
                                        {"expectations", required_argument, NULL, 'e'},
                                        {"timeout", required_argument, NULL, 't'},
                                        {"jobs", required_argument, NULL, 'j'},
                                        {"list", no_argument, NULL, 'L'},
                                        {"benchmark", required_argument, NULL, 'B'},
                                        {"merge", no_argument, NULL, 'M'},
                                        {"markdown", required_argument, NULL, 'D'},
                                        {"html", required_argument, NULL, 'W'},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};
  memset(o, 0, sizeof *o);
  o->expectations = conform_default_expectations();
  o->timeout = DEFAULT_CASE_TIMEOUT;
  o->jobs = 1;
  int opt;
  while ((opt = getopt_long(argc, argv, "j:", longs, NULL)) != -1) {
    switch (opt) {
    case 'b':
      o->backend = optarg;
      break;
    case 'H':
      o->host = optarg;
      break;
    case 'l':
      o->backend_lib = optarg;
      break;
    case 'J':
      o->junit = optarg;
      break;
    case 'm':
      o->matrix = optarg;
      break;
    case 'T':
      o->tap = optarg;
      break;
    case 'f':
      o->filter = optarg;
      break;
    case 'e':
      o->expectations = optarg;
      break;
    case 't':
      if (!parse_count(optarg, &o->timeout, 86400)) {
        fprintf(stderr, "ctrt-conform: --timeout takes seconds from 1 to 86400, not '%s'\n", optarg);
        return -1;
      }
      break;
    case 'j':
      if (!parse_count(optarg, &o->jobs, 64)) {
        fprintf(stderr, "ctrt-conform: --jobs takes a number from 1 to 64, not '%s'\n", optarg);
        return -1;
      }
      break;
    case 'L':
      o->list = true;
      break;
    case 'B':
      if (!parse_count(optarg, &o->benchmark, 100000)) {
        fprintf(stderr, "ctrt-conform: --benchmark takes a number of rounds from 1 to 100000, not '%s'\n", optarg);
        return -1;
      }
      break;
    case 'M':
      o->merge = true;
      break;
    case 'D':
      o->markdown = optarg;
      break;
    case 'W':
      o->html = optarg;
      break;
    case 'h':
      usage(stdout);
      exit(0);
    default:
      usage(stderr);
      return -1;
    }
  }
  if (o->merge) {
    /* The matrices are the arguments; nothing is run. */
    if (o->backend || o->list) {
      fprintf(stderr, "ctrt-conform: --merge runs nothing: it takes no --backend or --list\n");
      return -1;
    }
    if (!o->markdown && !o->html)
      o->markdown = "-";
    return 0;
  }
  if (o->markdown || o->html) {
    fprintf(stderr, "ctrt-conform: --markdown and --html go with --merge\n");
    usage(stderr);
    return -1;
  }
  if (optind < argc) {
    fprintf(stderr, "ctrt-conform: unexpected argument '%s'\n", argv[optind]);
    usage(stderr);
    return -1;
  }
  if (!o->list && o->backend == NULL) {
    fprintf(stderr, "ctrt-conform: --backend is required\n");
    usage(stderr);
    return -1;
  }
  return 0;
}

static int open_runtime(const options *o, ctrt_runtime **rt) {
  ctrt_open_options opts = CTRT_OPEN_OPTIONS_INIT;
  if (o->backend_lib) {
    opts.backend_library = o->backend_lib;
    return ctrt_open_with_options(rt, o->host ? o->host : "", &opts);
  }
  if (strcmp(o->backend, "mock") == 0)
    return ctrt_open(rt, "mock:");
  if (strcmp(o->backend, "docker") == 0) {
    const char *host = o->host ? o->host : getenv("DOCKER_HOST");
    char uri[1024];
    snprintf(uri, sizeof uri, "docker://%s", host && host[0] ? host : "unix:///var/run/docker.sock");
    return ctrt_open(rt, uri);
  }
  if (strcmp(o->backend, "cri") == 0) {
    char uri[1024];
    snprintf(uri, sizeof uri, "cri://%s", o->host ? o->host : "");
    return ctrt_open(rt, uri);
  }
  if (strcmp(o->backend, "podman") == 0) {
    /* No --host: the backend reads CONTAINER_HOST, else Podman's socket. */
    char uri[1024];
    snprintf(uri, sizeof uri, "podman://%s", o->host ? o->host : "");
    return ctrt_open(rt, uri);
  }
  return ctrt_backend_error(CTRT_ERROR_INVALID_ARGUMENT, 0,
                            "unknown backend '%s' (use mock, docker, podman, cri, or --backend-lib PATH)", o->backend);
}

static bool case_exists(const char *name) {
  for (size_t a = 0; a < N_AREAS; a++)
    for (size_t i = 0; i < areas[a]->n_cases; i++)
      if (strcmp(areas[a]->cases[i].name, name) == 0)
        return true;
  return false;
}

/* Case names are unique; every case tests at least one method and does not
 * also list a tested method as used. */
static int check_cases(size_t *total) {
  *total = 0;
  for (size_t a = 0; a < N_AREAS; a++)
    for (size_t i = 0; i < areas[a]->n_cases; i++) {
      const conform_case *c = &areas[a]->cases[i];
      (*total)++;
      for (size_t b = 0; b <= a; b++)
        for (size_t k = 0; k < areas[b]->n_cases && !(b == a && k >= i); k++)
          if (strcmp(areas[b]->cases[k].name, c->name) == 0) {
            fprintf(stderr, "ctrt-conform: duplicate case name %s\n", c->name);
            return -1;
          }
      if (c->n_tests == 0) {
        fprintf(stderr, "ctrt-conform: case %s tests no method\n", c->name);
        return -1;
      }
      for (size_t t = 0; t < c->n_tests; t++)
        for (size_t u = 0; u < c->n_uses; u++)
          if (c->tests[t] == c->uses[u]) {
            fprintf(stderr, "ctrt-conform: case %s lists %s in both TESTS and USES\n", c->name,
                    ctrt_op_info_get(c->tests[t])->name);
            return -1;
          }
    }
  return 0;
}

static void list_ops(const char *label, const ctrt_op *ops, size_t n) {
  if (n == 0)
    return;
  printf("    %s", label);
  for (size_t k = 0; k < n; k++)
    printf("%s%s", k ? "," : " ", ctrt_op_info_get(ops[k])->name);
  printf("\n");
}

static void list_cases(const char *filter) {
  for (size_t a = 0; a < N_AREAS; a++)
    for (size_t i = 0; i < areas[a]->n_cases; i++) {
      const conform_case *c = &areas[a]->cases[i];
      if (filter && fnmatch(filter, c->name, 0) != 0)
        continue;
      printf("%s%s%s%s\n    %s\n", c->name, c->alone ? "  (alone)" : "",
             c->tags_test_image ? "  (tags the test image)" : "", c->slow ? "  (slow)" : "", c->doc);
      list_ops("tests:", c->tests, c->n_tests);
      list_ops("uses: ", c->uses, c->n_uses);
    }
}

static void print_result(const conform_result *r) {
  printf("%-12s %-50s %6.2f s\n", conform_verdict_name(r->verdict), r->c->name, r->seconds);
  if (r->detail && r->verdict != VERDICT_PASS) {
    for (const char *line = r->detail, *end; line && *line; line = end ? end + 1 : NULL) {
      end = strchr(line, '\n');
      printf("             %.*s\n", end ? (int)(end - line) : (int)strlen(line), line);
    }
  }
  fflush(stdout);
}

static void on_done(const conform_job *job) { print_result(job->result); }

/* Before running a case: is everything it calls there? A tested method the
 * backend lacks must say so (the probe); a used one it lacks, or a test
 * image that could not be put in place, makes the case unsupported with
 * the reason. Returns true when the verdict is already decided. */
static bool precheck(const conform_case *c, const conform_run_info *run, const conform_env *env, conform_result *r) {
  char text[2048] = "";
  size_t at = 0;
  bool decided = false, honest = true;
  for (size_t i = 0; i < c->n_tests; i++) {
    ctrt_op op = c->tests[i];
    if (run->support[op] != CTRT_SUPPORT_NONE)
      continue;
    decided = true;
    honest = honest && run->probe[op] == VERDICT_UNSUPPORTED;
    at += (size_t)snprintf(text + at, sizeof text - at, "%s%s", at ? "\n" : "", run->probe_detail[op]);
  }
  if (decided) {
    r->verdict = honest ? VERDICT_UNSUPPORTED : VERDICT_FAIL;
    r->counts = !honest;
  }
  for (size_t i = 0; !decided && i < c->n_uses; i++) {
    ctrt_op op = c->uses[i];
    if (run->support[op] != CTRT_SUPPORT_NONE)
      continue;
    at += (size_t)snprintf(text + at, sizeof text - at, "%sneeds %s to set up, which the backend does not implement",
                           at ? "\n" : "", ctrt_op_info_get(op)->name);
  }
  if (!decided && at) {
    decided = true;
    r->verdict = VERDICT_UNSUPPORTED;
  }
  if (!decided && env->image_problem) {
    for (size_t i = 0; i < c->n_tests + c->n_uses; i++) {
      ctrt_op op = i < c->n_tests ? c->tests[i] : c->uses[i - c->n_tests];
      if (op == CTRT_OP_CREATE_CONTAINER || op == CTRT_OP_INSPECT_IMAGE_NATIVE || op == CTRT_OP_TAG_IMAGE ||
          op == CTRT_OP_SAVE_IMAGES || op == CTRT_OP_IMAGE_HISTORY) {
        decided = true;
        r->verdict = VERDICT_UNSUPPORTED;
        snprintf(text, sizeof text, "needs the test image: %s", env->image_problem);
        break;
      }
    }
  }
  if (decided && (r->detail = strdup(text)) == NULL)
    abort();
  return decided;
}

int main(int argc, char **argv) {
  options o;
  size_t total = 0;
  if (parse_options(argc, argv, &o) < 0 || check_cases(&total) < 0)
    return 2;
  if (o.merge)
    return conform_merge((const char *const *)argv + optind, (size_t)(argc - optind), o.markdown, o.html);
  if (o.list) {
    list_cases(o.filter);
    return 0;
  }
  conform_expectations expectations;
  if (conform_expectations_load(o.expectations, case_exists, &expectations) < 0) {
    fprintf(stderr, "ctrt-conform: %s\n", ctrt_error_last()->message);
    return 2;
  }
  ctrt_runtime *rt = NULL;
  if (open_runtime(&o, &rt) < 0) {
    fprintf(stderr, "ctrt-conform: cannot open the %s runtime: %s\n", o.backend, ctrt_error_last()->message);
    conform_expectations_clear(&expectations);
    return 2;
  }
  ctrt_engine_info *engine = NULL;
  ctrt_support support[CTRT_OP_COUNT];
  conform_verdict probe[CTRT_OP_COUNT];
  char *probe_detail[CTRT_OP_COUNT] = {0};
  if (ctrt_runtime_engine(rt, &engine) < 0) {
    fprintf(stderr, "ctrt-conform: cannot tell which engine %s runs: %s\n", o.backend, ctrt_error_last()->message);
    ctrt_close(rt);
    conform_expectations_clear(&expectations);
    return 2;
  }
  for (int op = 0; op < CTRT_OP_COUNT; op++) {
    support[op] = ctrt_runtime_support(rt, (ctrt_op)op);
    probe[op] = VERDICT_PASS;
    if (support[op] != CTRT_SUPPORT_NONE)
      continue;
    /* A method the backend lacks must answer CTRT_EUNSUPPORTED. */
    const char *name = ctrt_op_info_get((ctrt_op)op)->name;
    int rc = conform_probe(rt, (ctrt_op)op);
    char line[2048];
    probe[op] = rc == CTRT_EUNSUPPORTED ? VERDICT_UNSUPPORTED : VERDICT_FAIL;
    if (rc == CTRT_EUNSUPPORTED)
      snprintf(line, sizeof line, "%s: unsupported", name);
    else
      snprintf(line, sizeof line, "%s: reported unsupported, but calling it gave %s (%s)", name,
               rc == 0 ? "success" : ctrt_error_kind_name(ctrt_error_last()->kind), ctrt_error_last()->message);
    if ((probe_detail[op] = strdup(line)) == NULL)
      abort();
  }
  conform_run_info run = {.backend = o.backend,
                          .engine = engine,
                          .jobs = o.jobs,
                          .support = support,
                          .probe = probe,
                          .probe_detail = probe_detail};

  printf("ctrt-conform: backend %s, engine %s %s: setting up fixtures...\n", o.backend, engine->name,
         engine->version ? engine->version : "");
  fflush(stdout);
  conform_fixtures *fixtures = NULL;
  int status = 0;
  if (conform_env_setup(rt, o.backend, &conform_current.env, &fixtures) < 0) {
    fprintf(stderr, "ctrt-conform: fixture set-up failed: %s\n", ctrt_error_last()->message);
    status = 2;
  }
  conform_current.env.host = o.host;
  if (conform_current.env.image_problem)
    printf("ctrt-conform: %s; cases that need it are unsupported\n", conform_current.env.image_problem);

  conform_result *results = calloc(total ? total : 1, sizeof *results);
  conform_job *jobs = calloc(total ? total : 1, sizeof *jobs);
  if (results == NULL || jobs == NULL)
    abort();
  size_t n_results = 0, n_jobs = 0;
  /* Slow cases start first and cases that must run alone go last, so that
   * neither holds the others up. */
  for (int pass = 0; pass < 3 && status == 0; pass++)
    for (size_t a = 0; a < N_AREAS; a++)
      for (size_t i = 0; i < areas[a]->n_cases; i++) {
        const conform_case *c = &areas[a]->cases[i];
        int order = c->alone ? 2 : c->slow ? 0 : 1;
        if ((o.filter && fnmatch(o.filter, c->name, 0) != 0) || order != pass)
          continue;
        conform_result *r = &results[n_results++];
        r->c = c;
        r->area = areas[a]->name;
        if (precheck(c, &run, &conform_current.env, r)) {
          print_result(r);
          continue;
        }
        conform_job *job = &jobs[n_jobs++];
        job->c = c;
        job->area = areas[a]->name;
        job->index = (unsigned)(n_results - 1);
        job->timeout_s = c->timeout_s ? c->timeout_s : o.timeout;
        job->expectation = conform_expectation_find(&expectations, c->name, engine);
        job->result = r;
      }

  char dir[] = "/tmp/ctrt-conform-XXXXXX";
  uint64_t start = conform_now_ms();
  if (status == 0 && mkdtemp(dir) == NULL) {
    perror("ctrt-conform: mkdtemp");
    status = 2;
  }
  if (status == 0) {
    conform_schedule sched = {
        .rt = rt, .env = &conform_current.env, .support = support, .jobs = o.jobs, .dir = dir, .on_done = on_done};
    if (conform_schedule_run(&sched, jobs, n_jobs) < 0) {
      fprintf(stderr, "ctrt-conform: %s\n", ctrt_error_last()->message);
      status = 2;
    }
    rmdir(dir);
  }
  run.wall_seconds = (double)(conform_now_ms() - start) / 1000.0;

  conform_latency latency[CTRT_OP_COUNT];
  if (status == 0 && o.benchmark) {
    if (conform_benchmark(rt, &conform_current.env, o.benchmark, latency) == 0) {
      fprintf(stderr, "ctrt-conform: the benchmark measured no method (every call failed)\n");
      status = 1;
    }
    run.latency = latency;
  }

  if (status == 0) {
    conform_print_table(&run, results, n_results);
    for (size_t i = 0; i < n_results; i++)
      if (results[i].verdict == VERDICT_FAIL || results[i].verdict == VERDICT_ERROR)
        status = 1;
    for (int op = 0; op < CTRT_OP_COUNT; op++)
      if (support[op] == CTRT_SUPPORT_NONE && probe[op] == VERDICT_FAIL)
        status = 1;
    if (n_results == 0 && !o.benchmark) {
      fprintf(stderr, "ctrt-conform: no case matched\n");
      status = 1;
    }
    if (o.matrix && conform_write_matrix(o.matrix, &run, results, n_results) < 0) {
      fprintf(stderr, "ctrt-conform: cannot write %s\n", o.matrix);
      status = 2;
    }
    if (o.junit && conform_write_junit(o.junit, &run, results, n_results) < 0) {
      fprintf(stderr, "ctrt-conform: cannot write %s\n", o.junit);
      status = 2;
    }
    if (o.tap && conform_write_tap(o.tap, &run, results, n_results) < 0) {
      fprintf(stderr, "ctrt-conform: cannot write %s\n", o.tap);
      status = 2;
    }
  }
  for (size_t i = 0; i < n_results; i++)
    free(results[i].detail);
  free(results);
  free(jobs);
  for (int op = 0; op < CTRT_OP_COUNT; op++)
    free(probe_detail[op]);
  if (conform_current.env.run_token) {
    char *prefix = conform_case_prefix(&conform_current.env, 0);
    prefix[strlen(prefix) - 2] = '\0'; /* "cfc-TOKEN-": everything of this run */
    conform_remove_containers(rt, prefix, NULL);
    free(prefix);
  }
  conform_env_teardown(rt, fixtures);
  ctrt_close(rt);
  ctrt_engine_info_free(engine);
  conform_expectations_clear(&expectations);
  return status;
}
