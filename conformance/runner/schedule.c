/* SPDX-License-Identifier: MIT */
/* Running cases: each in a child process of its own, up to `jobs` at once.
 *
 * A child inherits the runtime handle and the fixtures set up before the
 * first fork; it runs one case through CUnit, removes what the case made,
 * checks the shared fixtures, writes its outcome to a file and exits. So a
 * case cannot crash, hang or corrupt the run: the parent kills a child past
 * its deadline and reports the case as a FAIL, and an in-process backend
 * (the mock) gives each case a copy of the fixtures to itself. A case marked
 * ALONE starts only when no other case runs, and none starts beside it; of
 * the cases marked TAGS_TEST_IMAGE one runs at a time. */
#include "runner.h"

#include <CUnit/CUnit.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "schedule.h"

static void child_run(const conform_job *job, ctrt_runtime *rt, const char *path) {
  conform_current.rt = rt;
  conform_current.c = job->c;
  conform_current.case_index = job->index;
  conform_current.counter = 0;
  int status = 0;
  if (CU_initialize_registry() != CUE_SUCCESS)
    _exit(4);
  CU_pSuite suite = CU_add_suite(job->area, NULL, NULL);
  CU_pTest test = suite ? CU_add_test(suite, job->c->name, job->c->fn) : NULL;
  if (test == NULL || CU_run_test(suite, test) != CUE_SUCCESS)
    status = 4;
  conform_cleanup_case();
  char *harm = conform_env_verify(rt, &conform_current.env);
  char *prefix = conform_case_prefix(&conform_current.env, job->index), *left = NULL;
  if (conform_remove_containers(rt, prefix, &left) > 0) {
    char *more = NULL;
    size_t n = (harm ? strlen(harm) : 0) + strlen(left) + 64;
    if ((more = malloc(n)) == NULL)
      abort();
    snprintf(more, n, "%s%sit left containers behind: %s", harm ? harm : "", harm ? "; " : "", left);
    free(harm);
    harm = more;
  }
  if (status == 0 && conform_outcome_write(path, &conform_current, harm) < 0)
    status = 5;
  free(prefix);
  free(left);
  free(harm);
  conform_failures_free(conform_current.failures);
  CU_cleanup_registry();
  conform_run_deferred(&conform_current.messages);
  fflush(NULL);
  /* Not exit(): the libraries' exit handlers would free (and so copy, page
   * by page) what the parent set up, for nothing. */
  _exit(status);
}

typedef struct running {
  pid_t pid;
  conform_job *job;
  uint64_t start_ms, deadline_ms;
} running;

static void finish(const conform_schedule *s, running *r, int wstatus, bool timed_out) {
  conform_job *job = r->job;
  conform_outcome o;
  char path[512];
  snprintf(path, sizeof path, "%s/%u.json", s->dir, job->index);
  bool clean_exit = !timed_out && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
  bool read = conform_outcome_read(path, &o) == 0;
  if (!read)
    memset(&o, 0, sizeof o);
  unlink(path);
  char problem[1024] = "";
  if (clean_exit && !read) /* nothing observed is never a pass */
    snprintf(problem, sizeof problem, "the case's process ended without a readable outcome in %s", path);
  else if (timed_out)
    snprintf(problem, sizeof problem, "hung: the case did not finish within %u s and was killed", job->timeout_s);
  else if (WIFSIGNALED(wstatus))
    snprintf(problem, sizeof problem, "crashed: the case's process died of signal %d (%s)", WTERMSIG(wstatus),
             strsignal(WTERMSIG(wstatus)));
  else if (!clean_exit)
    snprintf(problem, sizeof problem,
             "the case's process exited with status %d (1 under valgrind: memory errors, see its output)",
             WEXITSTATUS(wstatus));
  if (problem[0] && (o.problem = strdup(problem)) == NULL)
    abort();
  if (timed_out || !clean_exit) {
    /* It could not clean up after itself: do it from here. */
    char *prefix = conform_case_prefix(s->env, job->index);
    conform_remove_containers(s->rt, prefix, NULL);
    free(prefix);
  }
  job->result->seconds = (double)(conform_now_ms() - r->start_ms) / 1000.0;
  conform_judge(job->c, &o, job->expectation, s->support, job->result);
  conform_outcome_clear(&o);
  if (s->on_done)
    s->on_done(job);
}

static bool start(const conform_schedule *s, running *slot, conform_job *job) {
  char path[512];
  snprintf(path, sizeof path, "%s/%u.json", s->dir, job->index);
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    return false;
  if (pid == 0)
    child_run(job, s->rt, path);
  slot->pid = pid;
  slot->job = job;
  slot->start_ms = conform_now_ms();
  slot->deadline_ms = slot->start_ms + (uint64_t)job->timeout_s * 1000u;
  return true;
}

/* What runs now, as far as starting another case is concerned. */
typedef struct field {
  size_t active;
  bool alone;   /* an ALONE case runs */
  bool tagging; /* a case that tags the test image runs */
} field;

/* Whether job may start beside what runs: an ALONE case only on an empty
 * field, nothing beside an ALONE case, one case at a time that tags the
 * test image. */
static bool may_start(const field *f, const conform_job *job) {
  if (f->alone)
    return false;
  if (job->c->alone)
    return f->active == 0;
  return !(job->c->tags_test_image && f->tagging);
}

static void vacate(field *f, running *slot) {
  f->active--;
  f->alone = false;
  if (slot->job->c->tags_test_image)
    f->tagging = false;
  memset(slot, 0, sizeof *slot);
}

int conform_schedule_run(const conform_schedule *s, conform_job *jobs, size_t n) {
  unsigned width = s->jobs ? s->jobs : 1;
  running *slots = calloc(width, sizeof *slots);
  bool *started = calloc(n ? n : 1, sizeof *started);
  if (slots == NULL || started == NULL)
    abort();
  size_t first = 0; /* every job before it has started */
  field f = {0};
  int rc = 0;
  while (first < n || f.active > 0) {
    /* Start what may start, in order. A case that may not start yet holds
     * up the ones after it only when it runs alone (ALONE cases come last
     * and must find the field empty); one that waits for another tagging
     * case to end lets later cases go first. */
    for (size_t j = first; j < n && f.active < width; j++) {
      if (started[j])
        continue;
      if (!may_start(&f, &jobs[j])) {
        if (jobs[j].c->alone || f.alone)
          break;
        continue;
      }
      size_t k = 0;
      while (slots[k].pid)
        k++;
      if (!start(s, &slots[k], &jobs[j])) {
        rc = ctrt_backend_error(CTRT_ERROR_INTERNAL, 0, "fork failed: %s", strerror(errno));
        for (size_t i = 0; i < n; i++) /* start nothing more */
          started[i] = true;
        break;
      }
      started[j] = true;
      f.active++;
      f.alone = jobs[j].c->alone;
      f.tagging |= jobs[j].c->tags_test_image;
    }
    while (first < n && started[first])
      first++;
    /* Reap only our cases: the fixtures (a registry) are children too. */
    int wstatus;
    bool reaped = false;
    for (unsigned k = 0; k < width; k++)
      if (slots[k].pid && waitpid(slots[k].pid, &wstatus, WNOHANG) == slots[k].pid) {
        finish(s, &slots[k], wstatus, false);
        vacate(&f, &slots[k]);
        reaped = true;
      }
    if (reaped)
      continue;
    uint64_t now = conform_now_ms();
    for (unsigned k = 0; k < width; k++)
      if (slots[k].pid && now > slots[k].deadline_ms) {
        kill(slots[k].pid, SIGKILL);
        waitpid(slots[k].pid, &wstatus, 0);
        finish(s, &slots[k], wstatus, true);
        vacate(&f, &slots[k]);
      }
    conform_sleep_ms(2);
  }
  free(started);
  free(slots);
  return rc;
}
