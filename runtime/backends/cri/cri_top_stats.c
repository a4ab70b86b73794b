/* top_container and stats_stream for the cri backend.
 *
 * top: CRI has no process list. containerd's Tasks.ListPids gives the
 * container's host pids, and, as dockerd does for `docker top`, the host's
 * ps(1) with the caller's arguments gives the columns, keeping the rows of
 * those pids. That reads the engine host's process table, so it is only
 * right when the backend runs on that host, i.e. reaches the engine over a
 * unix socket; over TCP it fails rather than list the wrong machine's
 * processes. CRI-O (no containerd API) has no pid list: unsupported.
 *
 * stats_stream: ContainerStats polled once a second (the interval of
 * Docker's stats stream), the first sample at once; cancel wakes the wait. */
#include "backends/cri/cri_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define PS_OUTPUT_MAX ((size_t)4 * 1024 * 1024)
#define STATS_INTERVAL_MS 1000

/* The container's host pids (containerd's Tasks.ListPids). */
static int list_pids(cri *c, const found *f, const char *method, uint32_t **pids, size_t *n) {
  *pids = NULL;
  *n = 0;
  if (c->containerd_version == NULL)
    return ctrt__error_set(CTRT_ERROR_UNSUPPORTED, 0,
                           "%s: CRI has no process list and the engine (%s) serves no containerd Tasks API", method,
                           c->runtime_name);
  Ctrt__Containerd__ListPidsRequest req = CTRT__CONTAINERD__LIST_PIDS_REQUEST__INIT;
  req.container_id = f->container_id;
  Ctrt__Containerd__ListPidsResponse *resp = NULL;
  int rc = CRI_CALL(c, ctrt__cricall_pids_tasks_list_pids(), &req, &resp);
  if (rc < 0)
    return ctrt__error_wrap("%s", method);
  *pids = ctrt__calloc(resp->n_processes + 1, sizeof **pids);
  if (*pids == NULL) {
    ctrt__cri_unpacked_free(resp);
    return ctrt__error_no_memory();
  }
  for (size_t i = 0; i < resp->n_processes; i++)
    (*pids)[(*n)++] = resp->processes[i]->pid;
  ctrt__cri_unpacked_free(resp);
  return 0;
}

/* ---- top ---- */

static bool pid_in(uint32_t pid, const uint32_t *pids, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid)
      return true;
  return false;
}

/* Whitespace-separated words of line; the last of max words takes the rest
 * of the line (ps's command column has spaces), as dockerd splits it. */
static int split_row(const char *line, size_t max, ctrt_string_list *row) {
  size_t words = 0;
  for (const char *p = line; *p; p++)
    words += *p != ' ' && *p != '\t' && (p == line || p[-1] == ' ' || p[-1] == '\t');
  if (words < max)
    max = words;
  row->items = ctrt__calloc(max ? max : 1, sizeof *row->items);
  CTRT__CHECK_ALLOC(row->items);
  const char *p = line;
  while (row->n_items < max) {
    while (*p == ' ' || *p == '\t')
      p++;
    if (*p == '\0')
      break;
    const char *end = p;
    if (row->n_items + 1 == max) {
      end = p + strlen(p);
      while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    } else {
      while (*end && *end != ' ' && *end != '\t')
        end++;
    }
    CTRT__CHECK_ALLOC((row->items[row->n_items++] = ctrt__strndup(p, (size_t)(end - p))));
    p = end;
  }
  return 0;
}

int ctrt__cri_top_parse(const char *ps_output, const uint32_t *pids, size_t n_pids, ctrt_container_top_output **out) {
  *out = NULL;
  ctrt_container_top_output *top = ctrt__calloc(1, sizeof *top);
  char *text = ctrt__strdup(ps_output);
  int rc;
  if (top == NULL || text == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  long pid_col = -1;
  char *save = NULL;
  size_t lines = 0;
  for (const char *p = text; *p; p++)
    lines += *p == '\n';
  if ((top->processes = ctrt__calloc(lines + 1, sizeof *top->processes)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (top->titles == NULL) {
      ctrt_string_list titles = {0};
      rc = split_row(line, SIZE_MAX, &titles);
      top->titles = titles.items;
      top->n_titles = titles.n_items;
      if (rc < 0)
        goto done;
      for (size_t i = 0; i < top->n_titles; i++)
        if (strcmp(top->titles[i], "PID") == 0)
          pid_col = (long)i;
      if (pid_col < 0) {
        rc = ctrt__error_internal("top_container: ps printed no PID column (titles: %s)", line);
        goto done;
      }
      continue;
    }
    ctrt_string_list row = {0};
    if ((rc = split_row(line, top->n_titles, &row)) == 0) {
      char *end = NULL;
      unsigned long pid = row.n_items > (size_t)pid_col ? strtoul(row.items[pid_col], &end, 10) : 0;
      if (end && *end == '\0' && pid_in((uint32_t)pid, pids, n_pids) && row.n_items == top->n_titles) {
        top->processes[top->n_processes++] = row;
        continue;
      }
    }
    for (size_t i = 0; i < row.n_items; i++)
      ctrt__free(row.items[i]);
    ctrt__free(row.items);
    if (rc < 0)
      goto done;
  }
  if (top->titles == NULL) {
    rc = ctrt__error_internal("top_container: ps printed nothing");
    goto done;
  }
  *out = top;
  top = NULL;
  rc = 0;
done:
  ctrt__free(text);
  ctrt_container_top_output_free(top);
  return rc;
}

/* Both of ps's pipes read at once until both end, so a chatty stderr
 * cannot block it. */
static int read_both(const int fds[2], char *buf[2], size_t len[2]) {
  size_t cap[2] = {0, 0};
  struct pollfd pfd[2] = {{.fd = fds[0], .events = POLLIN}, {.fd = fds[1], .events = POLLIN}};
  while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
    if (poll(pfd, 2, -1) < 0) {
      if (errno == EINTR)
        continue;
      return ctrt__error_internal("top_container: poll: %s", strerror(errno));
    }
    for (int k = 0; k < 2; k++) {
      if (pfd[k].fd < 0 || pfd[k].revents == 0)
        continue;
      if (len[k] + 4096 + 1 > cap[k]) {
        size_t grown_cap = cap[k] ? cap[k] * 2 : 8192;
        if (grown_cap > PS_OUTPUT_MAX)
          return ctrt__error_internal("top_container: ps printed more than %zu bytes", PS_OUTPUT_MAX);
        char *grown = ctrt__realloc(buf[k], grown_cap);
        CTRT__CHECK_ALLOC(grown);
        buf[k] = grown;
        cap[k] = grown_cap;
      }
      ssize_t got = read(pfd[k].fd, buf[k] + len[k], cap[k] - len[k] - 1);
      if (got > 0)
        len[k] += (size_t)got;
      else if (got == 0 || errno != EINTR)
        pfd[k].fd = -1;
    }
  }
  return 0;
}

/* Run the host's ps with args (none: -ef, dockerd's default), its stdout
 * collected; a failure carries its stderr. */
static int run_ps(const char *const *args, size_t n_args, char **out) {
  *out = NULL;
  const char **argv = ctrt__calloc(n_args + 3, sizeof *argv);
  CTRT__CHECK_ALLOC(argv);
  size_t n = 0;
  argv[n++] = "ps";
  if (n_args == 0)
    argv[n++] = "-ef";
  for (size_t i = 0; i < n_args; i++)
    argv[n++] = args[i];
  int fds[4] = {-1, -1, -1, -1}; /* stdout's pipe, stderr's pipe */
  char *buf[2] = {NULL, NULL};
  size_t len[2] = {0, 0};
  int rc;
  if (pipe(fds) != 0 || pipe(fds + 2) != 0 || fcntl(fds[0], F_SETFD, FD_CLOEXEC) != 0 ||
      fcntl(fds[1], F_SETFD, FD_CLOEXEC) != 0 || fcntl(fds[2], F_SETFD, FD_CLOEXEC) != 0 ||
      fcntl(fds[3], F_SETFD, FD_CLOEXEC) != 0) {
    rc = ctrt__error_internal("top_container: pipe: %s", strerror(errno));
    goto done;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[3], 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  pid_t child = -1;
  int err = posix_spawnp(&child, "ps", &fa, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (err != 0) {
    rc = ctrt__error_configuration("top_container: running the host's ps failed: %s (install procps)", strerror(err));
    goto done;
  }
  close(fds[1]);
  close(fds[3]);
  fds[1] = fds[3] = -1;
  rc = read_both((const int[2]){fds[0], fds[2]}, buf, len);
  close(fds[0]);
  close(fds[2]);
  fds[0] = fds[2] = -1;
  if (rc < 0)
    kill(child, SIGKILL);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (rc < 0)
    goto done;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const char *msg = buf[1] ? (buf[1][len[1]] = '\0', buf[1]) : "";
    size_t el = strlen(msg);
    while (el > 0 && msg[el - 1] == '\n')
      el--;
    rc = ctrt__error_invalid_spec("top_container: ps failed (exit %d): %.*s",
                                  WIFEXITED(status) ? WEXITSTATUS(status) : -1, (int)el, msg);
    goto done;
  }
  if (buf[0] == NULL && (buf[0] = ctrt__strdup("")) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  buf[0][len[0]] = '\0';
  *out = buf[0];
  buf[0] = NULL;
done:
  for (int k = 0; k < 4; k++)
    if (fds[k] >= 0)
      close(fds[k]);
  ctrt__free(buf[0]);
  ctrt__free(buf[1]);
  ctrt__free(argv);
  return rc;
}

int ctrt__cri_top_container(void *self, ctrt_container_top_output **out, const ctrt_container_id *id,
                            const char *const *ps_args, size_t n_ps_args) {
  cri *c = self;
  if (strncmp(c->uri, "unix://", 7) != 0)
    return ctrt__error_set(CTRT_ERROR_UNSUPPORTED, 0,
                           "top_container: the cri backend reads the engine host's process table, which it can do "
                           "only on that host (a unix:// socket), not over %s",
                           c->uri);
  found f;
  Runtime__V1__ContainerStatusResponse *st = NULL;
  int rc = ctrt__cri_find_status(c, id, "top_container", &f, &st);
  if (rc < 0)
    return rc;
  bool running = ctrt__cri_is_running(st);
  ctrt__cri_unpacked_free(st);
  uint32_t *pids = NULL;
  size_t n = 0;
  char *ps = NULL;
  if (!running) {
    rc = ctrt__error_conflict("top_container: the container is not running");
    goto done;
  }
  if ((rc = list_pids(c, &f, "top_container", &pids, &n)) < 0 || (rc = run_ps(ps_args, n_ps_args, &ps)) < 0)
    goto done;
  rc = ctrt__cri_top_parse(ps, pids, n, out);
done:
  ctrt__free(ps);
  ctrt__free(pids);
  ctrt__cri_found_clear(&f);
  return rc;
}

/* ---- stats_stream ---- */

typedef struct stats_poll {
  cri *c;
  found f;
  int wake; /* eventfd: cancel */
  bool first;
} stats_poll;

/* The host's CPU time since boot (the first line of /proc/stat, in clock
 * ticks), Docker's system_cpu_usage; 0 when unreadable. The backend runs
 * on the engine's host when it reaches it over a unix socket; over TCP
 * this would be the wrong machine's, so it stays 0. */
static uint64_t host_cpu_ns(const cri *c) {
  if (strncmp(c->uri, "unix://", 7) != 0)
    return 0;
  FILE *f = fopen("/proc/stat", "re");
  if (f == NULL)
    return 0;
  char line[512];
  uint64_t ticks = 0;
  if (fgets(line, sizeof line, f) != NULL && strncmp(line, "cpu ", 4) == 0) {
    char *p = line + 4;
    for (int i = 0; i < 8; i++) { /* user..steal; guest time is inside user */
      char *end = NULL;
      unsigned long long v = strtoull(p, &end, 10);
      if (end == p)
        break;
      ticks += v;
      p = end;
    }
  }
  fclose(f);
  long hz = sysconf(_SC_CLK_TCK);
  return hz > 0 ? ticks * (1000000000ULL / (uint64_t)hz) : 0;
}

/* The pids cgroup's limit from containerd's Tasks.Metrics (the shim's
 * cgroup v1 or v2 metrics; CRI's stats have no pids): x unchanged when
 * there is none or the task is gone. */
static void pids_limit_of(cri *c, const char *container_id, ctrt_stats_sample *x) {
  char *filter = ctrt__sprintf("id==%s", container_id);
  if (filter == NULL)
    return;
  Ctrt__Containerd__MetricsRequest req = CTRT__CONTAINERD__METRICS_REQUEST__INIT;
  req.n_filters = 1;
  req.filters = &filter;
  Ctrt__Containerd__MetricsResponse *resp = NULL;
  int rc = CRI_CALL(c, ctrt__cricall_stats_stream_tasks_metrics(), &req, &resp);
  ctrt__free(filter);
  const Ctrt__Containerd__Any *data = rc == 0 && resp->n_metrics == 1 ? resp->metrics[0]->data : NULL;
  uint64_t limit = 0;
  if (data && strstr(data->type_url, "cgroups.v1.Metrics")) {
    Ctrt__Containerd__CgroupV1Metrics *m =
        ctrt__containerd__cgroup_v1_metrics__unpack(NULL, data->value.len, data->value.data);
    limit = m && m->pids ? m->pids->limit : 0;
    ctrt__cri_unpacked_free(m);
  } else if (data && strstr(data->type_url, "cgroups.v2.Metrics")) {
    Ctrt__Containerd__CgroupV2Metrics *m =
        ctrt__containerd__cgroup_v2_metrics__unpack(NULL, data->value.len, data->value.data);
    limit = m && m->pids ? m->pids->limit : 0;
    ctrt__cri_unpacked_free(m);
  }
  ctrt__cri_unpacked_free(resp);
  /* 0 is "max" in the cgroup metrics: no limit. */
  if (limit > 0) {
    x->has_pids_limit = true;
    x->pids_limit = limit;
  }
}

static int stats_sample(stats_poll *s, ctrt_stats_sample **out) {
  Runtime__V1__ContainerStatsRequest req = RUNTIME__V1__CONTAINER_STATS_REQUEST__INIT;
  req.container_id = s->f.container_id;
  Runtime__V1__ContainerStatsResponse *resp = NULL;
  int rc = CRI_CALL(s->c, ctrt__cricall_stats_stream_runtime_container_stats(), &req, &resp);
  if (rc < 0)
    return ctrt__error_wrap("stats_stream");
  ctrt_stats_sample *x = ctrt__malloc(sizeof *x);
  if (x == NULL) {
    ctrt__cri_unpacked_free(resp);
    return ctrt__error_no_memory();
  }
  *x = (ctrt_stats_sample)CTRT_STATS_SAMPLE_INIT;
  const Runtime__V1__CpuUsage *cpu = resp->stats ? resp->stats->cpu : NULL;
  const Runtime__V1__MemoryUsage *mem = resp->stats ? resp->stats->memory : NULL;
  if (cpu && cpu->usage_core_nano_seconds)
    x->cpu_total_ns = cpu->usage_core_nano_seconds->value;
  /* The working set, as get_container_stats reports; CRI gives the limit
   * only as what is still available under it. */
  uint64_t ws = mem && mem->working_set_bytes ? mem->working_set_bytes->value : 0;
  x->mem_used_bytes = ws;
  x->mem_limit_bytes =
      mem && mem->available_bytes && mem->available_bytes->value ? ws + mem->available_bytes->value : 0;
  x->cpu_system_ns = host_cpu_ns(s->c);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  x->online_cpus = cpus > 0 ? (uint32_t)cpus : 1;
  int64_t ts = cpu && cpu->timestamp ? cpu->timestamp : (mem ? mem->timestamp : 0);
  if (ts > 0) {
    x->timestamp.seconds = ts / 1000000000;
    x->timestamp.nanos = (int32_t)(ts % 1000000000);
  } else {
    x->timestamp = ctrt__timestamp_now();
  }
  ctrt__cri_unpacked_free(resp);
  /* CRI counts no processes; containerd's pid list does. */
  uint32_t *pids = NULL;
  size_t n = 0;
  if (s->c->containerd_version && list_pids(s->c, &s->f, "stats_stream", &pids, &n) == 0)
    x->pids_current = n;
  ctrt__free(pids);
  if (s->c->containerd_version)
    pids_limit_of(s->c, s->f.container_id, x);
  ctrt_error_clear(); /* a task gone between the calls leaves the count at 0 */
  *out = x;
  return 0;
}

static int stats_next(void *impl, void **item) {
  stats_poll *s = impl;
  if (!s->first) {
    struct pollfd p = {.fd = s->wake, .events = POLLIN};
    int r;
    while ((r = poll(&p, 1, STATS_INTERVAL_MS)) < 0 && errno == EINTR) {
    }
    if (r != 0)
      return ctrt__error_cancelled("stats_stream: cancelled");
  }
  s->first = false;
  return stats_sample(s, (ctrt_stats_sample **)item);
}

static void stats_cancel(void *impl) {
  stats_poll *s = impl;
  uint64_t one = 1;
  ssize_t ignored = write(s->wake, &one, sizeof one);
  (void)ignored;
}

static void stats_destroy(void *impl) {
  stats_poll *s = impl;
  if (s->wake >= 0)
    close(s->wake);
  ctrt__cri_found_clear(&s->f);
  ctrt__free(s);
}

static const ctrt__stream_vtable stats_vtable = {
    .next = stats_next,
    .cancel = stats_cancel,
    .destroy = stats_destroy,
};

int ctrt__cri_stats_stream(void *self, ctrt_stats_stream **out, const ctrt_container_id *id) {
  stats_poll *s = ctrt__calloc(1, sizeof *s);
  CTRT__CHECK_ALLOC(s);
  s->c = self;
  s->first = true;
  int rc;
  if ((s->wake = eventfd(0, EFD_CLOEXEC)) < 0) {
    rc = ctrt__error_internal("stats_stream: eventfd: %s", strerror(errno));
    goto done;
  }
  if ((rc = ctrt__cri_find(s->c, id, &s->f, false, "stats_stream")) < 0)
    goto done;
  ctrt__stream *stream = NULL;
  rc = ctrt__stream_new(&stream, &stats_vtable, s, ctrt__stats_stream_item_free); /* owns s, failing or not */
  *out = (ctrt_stats_stream *)stream;
  s = NULL;
done:
  if (s != NULL)
    stats_destroy(s);
  return rc;
}
