/*
 * ctrt-conform: run the conformance cases against one backend and report a
 * verdict per case and per method.
 *
 *   ctrt-conform --backend NAME [--host URI] [--backend-lib PATH]
 *                [--junit FILE] [--matrix FILE] [--filter GLOB] [--list]
 *                [--divergences FILE] [--timeout SECONDS]
 */
#include "runner.h"

#include <CUnit/Basic.h>
#include <fnmatch.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conform_probe.h"

#ifndef CONFORM_DIVERGENCES_DEFAULT
#define CONFORM_DIVERGENCES_DEFAULT "conformance/divergences.json"
#endif
#define DEFAULT_CASE_TIMEOUT 180

static const conform_area *const areas[] = {
    &conform_area_images, &conform_area_lifecycle, &conform_area_inspection, &conform_area_logs,
    &conform_area_exec,   &conform_area_archive,   &conform_area_errors,     &conform_area_streams,
};

typedef struct options {
  const char *backend, *host, *backend_lib, *junit, *matrix, *filter, *divergences;
  bool list;
  unsigned timeout;
} options;

static void usage(FILE *to) {
  fprintf(to,
          "usage: ctrt-conform --backend NAME [options]\n"
          "\n"
          "Run the ctrt conformance suite against a container runtime backend.\n"
          "\n"
          "  --backend NAME        mock, docker, or the name to report for --backend-lib\n"
          "  --host URI            daemon endpoint (docker: unix:///path or tcp://host:port;\n"
          "                        default $DOCKER_HOST, else unix:///var/run/docker.sock)\n"
          "  --backend-lib PATH    load the backend from a shared object (see ctrt/plugin.h)\n"
          "  --junit FILE          write JUnit XML\n"
          "  --matrix FILE         write the per-method verdicts as JSON\n"
          "  --filter GLOB         run only the cases whose name matches (e.g. 'logs.*')\n"
          "  --divergences FILE    expected divergences (default: %s)\n"
          "  --timeout SECONDS     per-case limit (default %d)\n"
          "  --list                list the cases and the methods they exercise\n"
          "  --help                this text\n"
          "\n"
          "Exit status: 0 when no case failed, 1 when one did, 2 on a usage or set-up error.\n",
          CONFORM_DIVERGENCES_DEFAULT, DEFAULT_CASE_TIMEOUT);
}

static int parse_options(int argc, char **argv, options *o) {
  static const struct option longs[] = {
      {"backend", required_argument, NULL, 'b'}, {"host", required_argument, NULL, 'H'},
      {"backend-lib", required_argument, NULL, 'l'}, {"junit", required_argument, NULL, 'j'},
      {"matrix", required_argument, NULL, 'm'}, {"filter", required_argument, NULL, 'f'},
      {"divergences", required_argument, NULL, 'd'}, {"timeout", required_argument, NULL, 't'},
      {"list", no_argument, NULL, 'L'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  memset(o, 0, sizeof *o);
  o->divergences = CONFORM_DIVERGENCES_DEFAULT;
  o->timeout = DEFAULT_CASE_TIMEOUT;
  int opt;
  while ((opt = getopt_long(argc, argv, "", longs, NULL)) != -1) {
    switch (opt) {
    case 'b': o->backend = optarg; break;
    case 'H': o->host = optarg; break;
    case 'l': o->backend_lib = optarg; break;
    case 'j': o->junit = optarg; break;
    case 'm': o->matrix = optarg; break;
    case 'f': o->filter = optarg; break;
    case 'd': o->divergences = optarg; break;
    case 't': o->timeout = (unsigned)strtoul(optarg, NULL, 10); break;
    case 'L': o->list = true; break;
    case 'h': usage(stdout); exit(0);
    default: usage(stderr); return -1;
    }
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
  if (o->timeout == 0)
    o->timeout = DEFAULT_CASE_TIMEOUT;
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
  return ctrt_backend_error(CTRT_ERROR_INVALID_ARGUMENT, 0,
                            "unknown backend '%s' (use mock, docker, or --backend-lib PATH)", o->backend);
}

/* ---- the watchdog: a hung case ends the run rather than hanging CI ---- */

static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_cond = PTHREAD_COND_INITIALIZER;
static const char *watch_case;
static uint64_t watch_deadline_ms;
static bool watch_stop;

static void *watchdog(void *arg) {
  (void)arg;
  pthread_mutex_lock(&watch_lock);
  while (!watch_stop) {
    if (watch_case && conform_now_ms() > watch_deadline_ms) {
      fprintf(stderr, "\nctrt-conform: case %s exceeded its time limit; aborting the run\n", watch_case);
      fflush(NULL);
      _exit(3);
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 1;
    pthread_cond_timedwait(&watch_cond, &watch_lock, &ts);
  }
  pthread_mutex_unlock(&watch_lock);
  return NULL;
}

static void watch(const char *name, unsigned seconds) {
  pthread_mutex_lock(&watch_lock);
  watch_case = name;
  watch_deadline_ms = conform_now_ms() + (uint64_t)seconds * 1000u;
  pthread_mutex_unlock(&watch_lock);
}

/* ---- running ---- */

static char *append(char *text, const char *more) {
  size_t a = text ? strlen(text) : 0, b = strlen(more);
  char *out = realloc(text, a + b + 2);
  if (out == NULL)
    abort();
  if (a)
    out[a++] = '\n';
  memcpy(out + a, more, b + 1);
  return out;
}

static char *failures_text(void) {
  char *text = NULL;
  for (CU_pFailureRecord f = CU_get_failure_list(); f; f = f->pNext) {
    char line[4096];
    snprintf(line, sizeof line, "%s:%u: %s", f->strFileName ? f->strFileName : "?", f->uiLineNumber,
             f->strCondition ? f->strCondition : "");
    text = append(text, line);
  }
  return text ? text : append(NULL, "the case failed");
}

static void run_case(const options *o, CU_pSuite suite, CU_pTest test, const conform_case *c,
                     const conform_divergence *divs, size_t n_divs, conform_result *r) {
  uint64_t start = conform_now_ms();
  watch(c->name, c->timeout_s ? c->timeout_s : o->timeout);
  /* A backend that lacks a method the case needs: the method must say so. */
  char *missing = NULL;
  bool honest = true;
  for (size_t i = 0; i < c->n_tests; i++) {
    if (ctrt_supports(conform_current.rt, c->tests[i]))
      continue;
    const char *name = ctrt_op_info_get(c->tests[i])->name;
    int rc = conform_probe(conform_current.rt, c->tests[i]);
    char line[2048];
    if (rc == CTRT_EUNSUPPORTED) {
      snprintf(line, sizeof line, "%s: unsupported", name);
    } else {
      honest = false;
      snprintf(line, sizeof line, "%s: reported unsupported, but calling it gave %s (%s)", name,
               rc == 0 ? "success" : ctrt_error_kind_name(ctrt_error_last()->kind), ctrt_error_last()->message);
    }
    missing = append(missing, line);
  }
  if (missing) {
    r->verdict = honest ? VERDICT_UNSUPPORTED : VERDICT_FAIL;
    r->detail = missing;
  } else {
    CU_run_test(suite, test);
    bool failed = CU_get_number_of_tests_failed() > 0 || CU_get_number_of_failures() > 0;
    r->verdict = failed ? VERDICT_FAIL : VERDICT_PASS;
    r->detail = failed ? failures_text() : NULL;
    conform_cleanup_case();
  }
  const conform_divergence *d = conform_divergence_find(divs, n_divs, c->name, o->backend);
  if (d && r->verdict == VERDICT_FAIL) {
    r->verdict = VERDICT_DIVERGES;
    char *why = append(NULL, d->reason);
    why = append(why, r->detail ? r->detail : "");
    free(r->detail);
    r->detail = why;
  } else if (d && r->verdict == VERDICT_PASS) {
    r->verdict = VERDICT_FAIL;
    r->detail = append(NULL, "listed as an expected divergence but passed: remove the entry from the divergences file");
  }
  r->seconds = (double)(conform_now_ms() - start) / 1000.0;
  watch(NULL, 0);
}

/* Containers left by an earlier, interrupted run of the suite. */
static void remove_leftovers(ctrt_runtime *rt) {
  ctrt_runtime_container_summary_list *list = NULL;
  if (ctrt_runtime_list_containers(rt, &list) < 0)
    return;
  for (size_t i = 0; i < list->n_items; i++) {
    ctrt_container_id *id = NULL;
    const char *managed = list->items[i].managed_id;
    if (managed && strncmp(managed, "cfc-", 4) == 0 && ctrt_container_id_parse(&id, managed) == 0)
      ctrt_runtime_remove_container(rt, id);
    ctrt_container_id_free(id);
  }
  ctrt_runtime_container_summary_list_free(list);
}

int main(int argc, char **argv) {
  options o;
  if (parse_options(argc, argv, &o) < 0)
    return 2;

  /* Case names are unique and every listed method exists. */
  size_t total = 0;
  for (size_t a = 0; a < sizeof areas / sizeof areas[0]; a++)
    for (size_t i = 0; i < areas[a]->n_cases; i++) {
      const conform_case *c = &areas[a]->cases[i];
      total++;
      for (size_t b = 0; b <= a; b++)
        for (size_t k = 0; k < areas[b]->n_cases && !(b == a && k >= i); k++)
          if (strcmp(areas[b]->cases[k].name, c->name) == 0) {
            fprintf(stderr, "ctrt-conform: duplicate case name %s\n", c->name);
            return 2;
          }
    }

  if (o.list) {
    for (size_t a = 0; a < sizeof areas / sizeof areas[0]; a++)
      for (size_t i = 0; i < areas[a]->n_cases; i++) {
        const conform_case *c = &areas[a]->cases[i];
        if (o.filter && fnmatch(o.filter, c->name, 0) != 0)
          continue;
        printf("%-48s", c->name);
        for (size_t k = 0; k < c->n_tests; k++)
          printf("%s%s", k ? "," : " ", ctrt_op_info_get(c->tests[k])->name);
        printf("\n    %s\n", c->doc);
      }
    return 0;
  }

  conform_divergence *divs = NULL;
  size_t n_divs = 0;
  if (conform_divergences_load(o.divergences, &divs, &n_divs) < 0) {
    fprintf(stderr, "ctrt-conform: %s\n", ctrt_error_last()->message);
    return 2;
  }
  ctrt_runtime *rt = NULL;
  if (open_runtime(&o, &rt) < 0) {
    fprintf(stderr, "ctrt-conform: cannot open the %s runtime: %s\n", o.backend, ctrt_error_last()->message);
    conform_divergences_free(divs, n_divs);
    return 2;
  }
  conform_current.rt = rt;
  remove_leftovers(rt);
  conform_fixtures *fixtures = NULL;
  printf("ctrt-conform: backend %s: setting up fixtures...\n", o.backend);
  fflush(stdout);
  if (conform_env_setup(rt, o.backend, &conform_current.env, &fixtures) < 0) {
    fprintf(stderr, "ctrt-conform: fixture set-up failed: %s\n", ctrt_error_last()->message);
    conform_env_teardown(rt, fixtures);
    ctrt_close(rt);
    conform_divergences_free(divs, n_divs);
    return 2;
  }

  if (CU_initialize_registry() != CUE_SUCCESS) {
    fprintf(stderr, "ctrt-conform: CUnit initialisation failed\n");
    return 2;
  }
  conform_result *results = calloc(total ? total : 1, sizeof *results);
  if (results == NULL)
    abort();
  pthread_t watcher;
  pthread_create(&watcher, NULL, watchdog, NULL);
  size_t n_results = 0;
  for (size_t a = 0; a < sizeof areas / sizeof areas[0]; a++) {
    CU_pSuite suite = CU_add_suite(areas[a]->name, NULL, NULL);
    for (size_t i = 0; i < areas[a]->n_cases; i++) {
      const conform_case *c = &areas[a]->cases[i];
      if (o.filter && fnmatch(o.filter, c->name, 0) != 0)
        continue;
      CU_pTest test = CU_add_test(suite, c->name, c->fn);
      conform_result *r = &results[n_results++];
      r->c = c;
      r->area = areas[a]->name;
      run_case(&o, suite, test, c, divs, n_divs, r);
      printf("%-12s %-50s %6.2f s\n", conform_verdict_name(r->verdict), c->name, r->seconds);
      if (r->detail && r->verdict != VERDICT_PASS) {
        for (char *line = r->detail, *end; line && *line; line = end ? end + 1 : NULL) {
          end = strchr(line, '\n');
          printf("             %.*s\n", end ? (int)(end - line) : (int)strlen(line), line);
        }
      }
      fflush(stdout);
    }
  }
  pthread_mutex_lock(&watch_lock);
  watch_stop = true;
  pthread_cond_signal(&watch_cond);
  pthread_mutex_unlock(&watch_lock);
  pthread_join(watcher, NULL);

  conform_print_table(o.backend, results, n_results);
  int status = 0;
  for (size_t i = 0; i < n_results; i++)
    if (results[i].verdict == VERDICT_FAIL)
      status = 1;
  if (n_results == 0) {
    fprintf(stderr, "ctrt-conform: no case matched\n");
    status = 1;
  }
  if (o.matrix && conform_write_matrix(o.matrix, o.backend, results, n_results) < 0) {
    fprintf(stderr, "ctrt-conform: cannot write %s\n", o.matrix);
    status = 2;
  }
  if (o.junit && conform_write_junit(o.junit, o.backend, results, n_results) < 0) {
    fprintf(stderr, "ctrt-conform: cannot write %s\n", o.junit);
    status = 2;
  }
  for (size_t i = 0; i < n_results; i++)
    free(results[i].detail);
  free(results);
  CU_cleanup_registry();
  conform_run_deferred(&conform_current.messages);
  remove_leftovers(rt);
  conform_env_teardown(rt, fixtures);
  ctrt_close(rt);
  conform_divergences_free(divs, n_divs);
  return status;
}
