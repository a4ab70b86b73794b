/* SPDX-License-Identifier: MIT */
/* Health checks: while a container with a health check runs, a monitor
 * thread runs the check every interval (Docker's defaults: 30 s interval,
 * 30 s timeout, 3 retries), as an exec would, and keeps Docker's status:
 * starting until the first result, healthy after a success, unhealthy once
 * `retries` consecutive checks failed. */
#include "gen_internal.h"
#include "mock.h"

#include <signal.h>

#define OUTPUT_MAX 4096

typedef struct monitor {
  mock_runtime *m;
  mock_container *c;
} monitor;

/* The monitor watches one run: a restart (c->exits moved on) ends it. */
static bool still_running(const mock_runtime *m, const mock_container *c, uint64_t run) {
  return mock_container_running(c) && !c->removed && !m->closing && c->exits == run;
}

/* Run the check once (under the lock); 0 = healthy. */
static int run_check(mock_runtime *m, mock_container *c, uint64_t timeout_ns, char **output) {
  const ctrt_health_check_spec *hc = c->spec->health_check;
  char *const *argv = hc->cmd;
  size_t argc = hc->n_cmd;
  char *shell[] = {"/bin/sh", "-c", NULL};
  /* Docker's forms: ["CMD", args...], ["CMD-SHELL", "script"], or plain args. */
  if (argc >= 2 && strcmp(argv[0], "CMD-SHELL") == 0) {
    shell[2] = argv[1];
    argv = shell;
    argc = 3;
  } else if (argc >= 2 && strcmp(argv[0], "CMD") == 0) {
    argv++;
    argc--;
  }
  if (argc == 0) {
    *output = ctrt__strdup("the health check has no command");
    return 1;
  }
  mock_process *p = NULL;
  if (mock_process_start(m, c, MOCK_SINK_BUFFER, argv, argc, NULL, 0, NULL, NULL, false, false, &p) < 0) {
    *output = ctrt__strdup(ctrt_error_last()->message);
    return 1;
  }
  int code;
  if (!mock_process_wait(m, p, mock_now_ns() + timeout_ns)) {
    mock_process_signal(m, p, SIGKILL);
    mock_process_wait(m, p, 0);
    *output = ctrt__strdup("Health check exceeded timeout");
    code = 1;
  } else {
    *output = ctrt__sprintf("%.*s%.*s", OUTPUT_MAX / 2, p->out[1] ? p->out[1] : "", OUTPUT_MAX / 2,
                            p->out[2] ? p->out[2] : "");
    code = p->exit_code;
  }
  mock_process_unref(p);
  mock_container_reap(m, c);
  return code;
}

static void *monitor_main(void *arg) {
  monitor *mon = arg;
  mock_runtime *m = mon->m;
  mock_container *c = mon->c;
  const ctrt_health_check_spec *hc = c->spec->health_check;
  uint64_t interval = (hc->has_interval && hc->interval ? hc->interval : 30) * 1000000000ull;
  uint64_t timeout = (hc->has_timeout && hc->timeout ? hc->timeout : 30) * 1000000000ull;
  uint32_t retries = hc->has_retries && hc->retries ? hc->retries : 3;
  mock_lock(m);
  uint64_t run = c->exits;
  uint64_t next = mock_now_ns() + interval;
  while (still_running(m, c, run)) {
    if (c->state == MOCK_PAUSED || mock_now_ns() < next) {
      mock_wait(m, c->state == MOCK_PAUSED ? 0 : next);
      continue;
    }
    char *output = NULL;
    int code = run_check(m, c, timeout, &output);
    if (!still_running(m, c, run)) {
      ctrt__free(output);
      break;
    }
    if (code == 0) {
      c->health_status = CTRT_HEALTH_STATUS_HEALTHY;
      c->failing_streak = 0;
    } else if (++c->failing_streak >= retries) {
      c->health_status = CTRT_HEALTH_STATUS_UNHEALTHY;
    }
    ctrt__free(c->health_output);
    c->health_output = output;
    mock_broadcast(m);
    next = mock_now_ns() + interval;
  }
  c->health_running = false;
  mock_broadcast(m);
  mock_container_unref(c);
  mock_unlock(m);
  ctrt__free(mon);
  return NULL;
}

int mock_health_start(mock_runtime *m, mock_container *c) {
  if (c->spec->health_check == NULL)
    return 0;
  while (c->health_running) /* the monitor of an earlier run is ending */
    mock_wait(m, 0);
  mock_health_reap(m, c);
  monitor *mon = ctrt__malloc(sizeof *mon);
  CTRT__CHECK_ALLOC(mon);
  mon->m = m;
  mon->c = c;
  c->health_status = CTRT_HEALTH_STATUS_STARTING;
  c->failing_streak = 0;
  mock_container_ref(c);
  c->health_running = true;
  if (pthread_create(&c->health_thread, NULL, monitor_main, mon) != 0) {
    c->health_running = false;
    mock_container_unref(c);
    ctrt__free(mon);
    return ctrt__error_internal("cannot start the health monitor thread");
  }
  c->health_joinable = true;
  return 0;
}

void mock_health_reap(mock_runtime *m, mock_container *c) {
  if (!c->health_joinable || c->health_running)
    return;
  pthread_t thread = c->health_thread;
  c->health_joinable = false;
  mock_unlock(m);
  pthread_join(thread, NULL);
  mock_lock(m);
}
