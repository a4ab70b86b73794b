/*
 * The mock's shell through exec: the input (up to its first NUL) runs as
 * `sh -c INPUT` in a fresh container of the busybox fixture image.
 * Properties: the call returns, with an exit status 0-255.
 * Limits that make a hang a finding: a watchdog kills the container after
 * WATCHDOG_MS, so a script that loops forever ends; a shell that does not
 * stop for the kill runs into libFuzzer's -timeout (scripts/dev.sh fuzz
 * sets it, and -rss_limit_mb) or the replay driver's alarm.
 *
 * Known-open classes (fuzz/known-open.txt), recognised in the text:
 * shell-depth (deep arithmetic or ${...} nesting), shell-arith-overflow
 * (compound /= and %=, **), shell-date-years (date/touch -d), memfs-size
 * (dd into the in-memory filesystem).
 */
#include "mock_support.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#define WATCHDOG_MS 2000

const char ctrt_fuzz_target_name[] = "mock_exec";

static size_t count(const char *s, const char *chars) {
  size_t n = 0;
  for (; *s; s++)
    n += strchr(chars, *s) != NULL;
  return n;
}

static size_t count_str(const char *s, const char *what) {
  size_t n = 0;
  for (; (s = strstr(s, what)) != NULL; s++)
    n++;
  return n;
}

const char *ctrt_fuzz_known_open_class(const uint8_t *data, size_t size) {
  char *s = ctrt__strndup((const char *)data, size);
  const char *cls = NULL;
  if (s == NULL)
    return NULL;
  if (count(s, "(!~-+") > 200 || count_str(s, "${") > 32)
    cls = "shell-depth";
  else if (strstr(s, "/=") || strstr(s, "%=") || strstr(s, "**"))
    cls = "shell-arith-overflow";
  else if (strstr(s, "-d") && (strstr(s, "date") || strstr(s, "touch")))
    cls = "shell-date-years";
  else if (strstr(s, "dd"))
    cls = "memfs-size";
  ctrt__free(s);
  return cls;
}

typedef struct watchdog {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  bool done;
  const ctrt_container_id *id;
} watchdog;

static void *watch(void *arg) {
  watchdog *w = arg;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += WATCHDOG_MS / 1000;
  pthread_mutex_lock(&w->lock);
  while (!w->done && pthread_cond_timedwait(&w->cond, &w->lock, &until) == 0)
    ;
  bool late = !w->done;
  pthread_mutex_unlock(&w->lock);
  if (late)
    ctrt_runtime_kill_container(ctrt_fuzz_mock(true), w->id, "KILL");
  return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (ctrt_fuzz_skip_known_open(data, size))
    return 0;
  ctrt_runtime *rt = ctrt_fuzz_mock(true);
  char *script = ctrt__strndup((const char *)data, size);
  CTRT_FUZZ_CHECK(script != NULL);
  ctrt_container_id id = ctrt_fuzz_mock_container("fuzz-exec");
  watchdog w = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, &id};
  pthread_t thread;
  CTRT_FUZZ_CHECK(pthread_create(&thread, NULL, watch, &w) == 0);
  const char *argv[] = {"sh", "-c", script};
  ctrt_exec_result *r = NULL;
  int rc = ctrt_runtime_exec(rt, &r, &id, argv, 3);
  pthread_mutex_lock(&w.lock);
  w.done = true;
  pthread_cond_signal(&w.cond);
  pthread_mutex_unlock(&w.lock);
  pthread_join(thread, NULL);
  if (rc == 0) {
    CTRT_FUZZ_CHECK(r->exit_code >= 0 && r->exit_code <= 255);
    ctrt_exec_result_free(r);
  } else {
    /* Only the watchdog's kill may stop an exec from returning a result. */
    CTRT_FUZZ_CHECK(r == NULL && ctrt_error_last()->message[0] != '\0');
  }
  ctrt_fuzz_mock_drop(&id);
  ctrt__free(script);
  return 0;
}
