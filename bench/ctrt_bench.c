/* ctrt-bench: ctrt measured side by side with its peers on one daemon.
 *
 * Round by round, every client runs the same workload against the same
 * containers, in an order that changes every round, so that the ratios are
 * paired: a round in which the machine was slow is slow for everyone. Per-call workloads report
 * wall and CPU time per call (the client's own thread or process, never the
 * daemon's); stream workloads run each client in a child process and report
 * its read rate, CPU and peak RSS. Nothing here asserts a time: it prints a
 * table of medians and ratios and writes JSON.
 *
 * The fixture containers are made (and removed) by the bench itself through
 * ctrt; see usage() for the options and scripts/dev.sh bench for the run. */
#include "clients.h"

#include <ctrt/ctrt.h>
#include <ctrt/mock.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define N_LIST_CONTAINERS 20
#define MAX_ROUNDS 64
#define BENCH_SERVICE "ctrtbench"

typedef enum { C_CTRT, C_CURL, C_JANSSON, C_YAJL, C_DOCKER_PY, C_NODE, C_CLI, N_CLIENTS } client_kind;
static const char *const client_names[N_CLIENTS] = {"ctrt",      "libcurl",   "libcurl+jansson", "libcurl+yajl",
                                                    "docker-py", "node http", "docker CLI"};

typedef struct {
  const char *name;
  int calls;     /* per round for in-process clients */
  int cli_calls; /* per round for the docker CLI (a process per call) */
  bool warm;     /* one untimed call first (in-process clients and docker-py) */
  const char *doc;
} workload;

static const workload per_call[] = {
    {"open", 20, 2, true, "open a client, GET /version and /info, close"},
    {"inspect", 50, 3, true, "inspect one container"},
    {"list", 20, 3, true, "list 20 containers"},
    {"images", 20, 3, true, "list the images"},
    {"stats", 1, 1, true, "one stats sample of a running container"},
    {"exec", 5, 2, false, "exec `true` and read its exit code"},
    {"lifecycle", 2, 1, false, "create + start + wait + remove a container running `true`"},
};
#define N_PER_CALL (sizeof per_call / sizeof per_call[0])

typedef struct {
  double wall_us[MAX_ROUNDS], cpu_us[MAX_ROUNDS];
  int n;
  bool skipped;
  char why[600];
} series;

typedef struct {
  const char *socket_path, *host_uri, *image, *image_tar, *peer_script, *node_script, *json_out, *docker_cli;
  int rounds;
  bool streams;
  const char *only;      /* "logs", "archive" or "streams": that stream workload alone */
  const char *workloads; /* comma-separated per-call workloads to run (NULL: all) */
  int stream_runs;       /* 0: the defaults below */
  long logs_mib, archive_mib;
} options;

static options opt = {
    .rounds = 5, .streams = true, .stream_runs = 0, .logs_mib = 200, .archive_mib = 100, .docker_cli = "docker"};

/* Paired runs of a stream workload without --stream-runs. dockerd's pace
 * reading out the same 100 MiB tar varied 2.5x from run to run (317-794
 * ms), so a median of 3 archive runs moved by +-20 % on its own; 15 runs
 * take about 30 s. 200 MiB of logs take ~20 s a run and varied less. */
#define LOGS_RUNS_DEFAULT 3
#define ARCHIVE_RUNS_DEFAULT 15

/* Whether the stream workload what ("logs", "archive") runs. */
static bool stream_selected(const char *what) {
  return opt.streams && (opt.only == NULL || strcmp(opt.only, "streams") == 0 || strcmp(opt.only, what) == 0);
}

/* Whether the per-call workload name runs (--workloads). */
static bool workload_selected(const char *name) {
  if (opt.workloads == NULL)
    return true;
  size_t n = strlen(name);
  for (const char *p = opt.workloads; p != NULL; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
    if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
      return true;
  return false;
}

/* ---- small utilities ---- */

static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("ctrt-bench: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

static void die_ctrt(const char *what) { die("%s: %s", what, ctrt_error_last()->message); }

static double mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double thread_cpu_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double tv_us(struct timeval tv) { return (double)tv.tv_sec * 1e6 + (double)tv.tv_usec; }

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* v's n values sorted, in a copy the caller frees. Any n: the alternated
 * wall has hundreds of pairs (a fixed MAX_ROUNDS copy overflowed there). */
static double *sorted_copy(const double *v, int n) {
  double *tmp = malloc((size_t)(n > 0 ? n : 1) * sizeof *tmp);
  if (tmp == NULL)
    die("out of memory");
  if (n > 0) {
    memcpy(tmp, v, (size_t)n * sizeof *v);
    qsort(tmp, (size_t)n, sizeof *tmp, cmp_double);
  }
  return tmp;
}

static double median(const double *v, int n) {
  if (n <= 0)
    return 0;
  double *tmp = sorted_copy(v, n);
  double m = n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
  free(tmp);
  return m;
}

/* A 95 % confidence interval of the median of n independent values, from
 * their order statistics (the binomial(n, 1/2) count of values below the
 * median, in its normal approximation: ranks n/2 -+ 0.98 sqrt(n)); free of
 * any assumption about the values' distribution. Below 10 values it is
 * the range of the values (false), which covers the median less often. */
static bool median_ci95(const double *v, int n, double *lo, double *hi) {
  *lo = *hi = 0;
  if (n <= 0)
    return false;
  double *tmp = sorted_copy(v, n);
  double half_width = 0.98 * sqrt((double)n);
  int j = (int)floor(n / 2.0 - half_width), k = (int)ceil(n / 2.0 + half_width);
  *lo = tmp[j < 1 ? 0 : j - 1]; /* ranks count from 1 */
  *hi = tmp[k > n - 1 ? n - 1 : k];
  if (n < 10) {
    *lo = tmp[0];
    *hi = tmp[n - 1];
  }
  free(tmp);
  return n >= 10;
}

static ctrt_container_id bench_id(const char *service, uint32_t replica) {
  ctrt_container_id id = {.service = (char *)service, .replica = replica};
  return id;
}

/* The Docker-side name of a ctrt container (documented in the backend). */
static void engine_name(char *buf, size_t len, const char *service, uint32_t replica) {
  snprintf(buf, len, "zlayer-%s-%u", service, replica);
}

/* ---- fixtures: containers made through ctrt ---- */

static void create_started(ctrt_runtime *rt, const char *service, uint32_t replica, const char *script) {
  char *args[] = {"sh", "-c", (char *)script};
  ctrt_command_spec cmd = {.has_args = true, .n_args = 3, .args = args};
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  spec.image.name = (char *)opt.image;
  spec.command = &cmd;
  ctrt_container_id id = bench_id(service, replica);
  ctrt_runtime_remove_container(rt, &id); /* a leftover of an interrupted run */
  if (ctrt_runtime_create_container(rt, &id, &spec) < 0)
    die_ctrt("create fixture container");
  if (ctrt_runtime_start_container(rt, &id) < 0)
    die_ctrt("start fixture container");
}

static void remove_quietly(ctrt_runtime *rt, const char *service, uint32_t replica) {
  ctrt_container_id id = bench_id(service, replica);
  ctrt_runtime_stop_container(rt, &id, 0);
  ctrt_runtime_remove_container(rt, &id);
}

static void setup(ctrt_runtime *rt) {
  for (uint32_t i = 1; i <= N_LIST_CONTAINERS && opt.only == NULL; i++)
    create_started(rt, BENCH_SERVICE, i, "exec sleep 1000000");
  char script[256];
  int32_t code;
  if (stream_selected("logs")) {
    /* 200 MiB of 64-byte lines: what a chatty service writes. */
    snprintf(script, sizeof script, "yes 012345678901234567890123456789012345678901234567890123456789012 | head -c %ld",
             opt.logs_mib << 20);
    create_started(rt, BENCH_SERVICE "logs", 1, script);
    ctrt_container_id logs = bench_id(BENCH_SERVICE "logs", 1);
    if (ctrt_runtime_wait_container(rt, &code, &logs) < 0 || code != 0)
      die("the logs fixture did not exit 0 (%s)", ctrt_error_last()->message);
  }
  if (stream_selected("archive")) {
    snprintf(script, sizeof script, "dd if=/dev/zero of=/big bs=1048576 count=%ld 2>/dev/null", opt.archive_mib);
    create_started(rt, BENCH_SERVICE "archive", 1, script);
    ctrt_container_id archive = bench_id(BENCH_SERVICE "archive", 1);
    if (ctrt_runtime_wait_container(rt, &code, &archive) < 0 || code != 0)
      die("the archive fixture did not exit 0 (%s)", ctrt_error_last()->message);
  }
}

static void teardown(ctrt_runtime *rt) {
  for (uint32_t i = 1; i <= N_LIST_CONTAINERS && opt.only == NULL; i++)
    remove_quietly(rt, BENCH_SERVICE, i);
  remove_quietly(rt, BENCH_SERVICE "logs", 1);
  remove_quietly(rt, BENCH_SERVICE "archive", 1);
}

/* A benchmark of calls that do nothing is worthless: the runtime must list
 * the containers and inspect the target before anything is timed. */
static void check_fixture(ctrt_runtime *rt, const char *where) {
  ctrt_runtime_container_summary_list *l = NULL;
  ctrt_container_inspect_details *d = NULL;
  ctrt_container_id target = bench_id(BENCH_SERVICE, 1);
  if (ctrt_runtime_list_containers(rt, &l) < 0 || ctrt_runtime_inspect_detailed(rt, &d, &target) < 0)
    die("%s: %s", where, ctrt_error_last()->message);
  size_t n = l->n_items;
  ctrt_runtime_container_summary_list_free(l);
  ctrt_container_inspect_details_free(d);
  if (n < N_LIST_CONTAINERS)
    die("%s lists %zu containers, expected at least %d", where, n, N_LIST_CONTAINERS);
}

/* ---- per-call workloads, one function per client ---- */

static uint32_t lifecycle_serial;

static int ctrt_call(ctrt_runtime *rt, const char *op) {
  ctrt_container_id target = bench_id(BENCH_SERVICE, 1);
  if (strcmp(op, "open") == 0) {
    ctrt_runtime *fresh = NULL;
    ctrt_engine_info *info = NULL;
    int rc = ctrt_open(&fresh, opt.host_uri);
    if (rc == 0)
      rc = ctrt_runtime_engine(fresh, &info);
    ctrt_engine_info_free(info);
    ctrt_close(fresh);
    return rc;
  }
  if (strcmp(op, "inspect") == 0) {
    ctrt_container_inspect_details *d = NULL;
    int rc = ctrt_runtime_inspect_detailed(rt, &d, &target);
    ctrt_container_inspect_details_free(d);
    return rc;
  }
  if (strcmp(op, "list") == 0) {
    ctrt_runtime_container_summary_list *l = NULL;
    int rc = ctrt_runtime_list_containers(rt, &l);
    ctrt_runtime_container_summary_list_free(l);
    return rc;
  }
  if (strcmp(op, "images") == 0) {
    ctrt_image_info_list *l = NULL;
    int rc = ctrt_runtime_list_images(rt, &l);
    ctrt_image_info_list_free(l);
    return rc;
  }
  if (strcmp(op, "stats") == 0) {
    ctrt_container_stats *s = NULL;
    int rc = ctrt_runtime_get_container_stats(rt, &s, &target);
    ctrt_container_stats_free(s);
    return rc;
  }
  if (strcmp(op, "exec") == 0) {
    const char *const argv[] = {"true"};
    ctrt_exec_result *r = NULL;
    int rc = ctrt_runtime_exec(rt, &r, &target, argv, 1);
    if (rc == 0 && r->exit_code != 0)
      rc = -1;
    ctrt_exec_result_free(r);
    return rc;
  }
  /* lifecycle */
  char *args[] = {"true"};
  ctrt_command_spec cmd = {.has_args = true, .n_args = 1, .args = args};
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  spec.image.name = (char *)opt.image;
  spec.command = &cmd;
  ctrt_container_id id = bench_id(BENCH_SERVICE "lc", ++lifecycle_serial);
  int32_t code = -1;
  int rc = ctrt_runtime_create_container(rt, &id, &spec);
  if (rc == 0)
    rc = ctrt_runtime_start_container(rt, &id);
  if (rc == 0)
    rc = ctrt_runtime_wait_container(rt, &code, &id);
  int rm = ctrt_runtime_remove_container(rt, &id);
  return rc < 0 ? rc : rm;
}

/* The value of "Id" in a small JSON answer, without a parser (the raw
 * client must not pay for one). */
static int json_id(const char *body, char *out, size_t len) {
  const char *p = strstr(body, "\"Id\":\"");
  if (p == NULL)
    return -1;
  p += 6;
  size_t n = strcspn(p, "\"");
  if (n == 0 || n >= len)
    return -1;
  memcpy(out, p, n);
  out[n] = '\0';
  return 0;
}

static int curl_call(bench_curl *c, bench_parse parse, const char *op, char *err, size_t err_len) {
  char name[64], path[512], id[128];
  size_t len;
  engine_name(name, sizeof name, BENCH_SERVICE, 1);
  if (strcmp(op, "open") == 0) {
    bench_curl *fresh = NULL;
    if (bench_curl_new(&fresh, opt.socket_path, parse) < 0)
      return -1;
    long s1 = bench_curl_request(fresh, "GET", "/version", NULL, err, err_len);
    long s2 = s1 == 200 ? bench_curl_request(fresh, "GET", "/info", NULL, err, err_len) : s1;
    bench_curl_free(fresh);
    return s2 == 200 ? 0 : -1;
  }
  if (strcmp(op, "inspect") == 0) {
    snprintf(path, sizeof path, "/containers/%s/json", name);
    return bench_curl_request(c, "GET", path, NULL, err, err_len) == 200 ? 0 : -1;
  }
  if (strcmp(op, "list") == 0)
    return bench_curl_request(c, "GET", "/containers/json?all=1", NULL, err, err_len) == 200 ? 0 : -1;
  if (strcmp(op, "images") == 0)
    return bench_curl_request(c, "GET", "/images/json", NULL, err, err_len) == 200 ? 0 : -1;
  if (strcmp(op, "stats") == 0) {
    snprintf(path, sizeof path, "/containers/%s/stats?stream=false", name);
    return bench_curl_request(c, "GET", path, NULL, err, err_len) == 200 ? 0 : -1;
  }
  if (strcmp(op, "exec") == 0) {
    snprintf(path, sizeof path, "/containers/%s/exec", name);
    if (bench_curl_request(c, "POST", path, "{\"Cmd\":[\"true\"],\"AttachStdout\":true,\"AttachStderr\":true}", err,
                           err_len) != 201 ||
        json_id(bench_curl_body(c, &len), id, sizeof id) < 0)
      return -1;
    snprintf(path, sizeof path, "/exec/%s/start", id);
    if (bench_curl_request(c, "POST", path, "{\"Detach\":false,\"Tty\":false}", err, err_len) != 200)
      return -1;
    snprintf(path, sizeof path, "/exec/%s/json", id);
    if (bench_curl_request(c, "GET", path, NULL, err, err_len) != 200)
      return -1;
    return strstr(bench_curl_body(c, &len), "\"ExitCode\":0") ? 0 : -1;
  }
  /* lifecycle */
  char body[512];
  snprintf(body, sizeof body, "{\"Image\":\"%s\",\"Cmd\":[\"true\"]}", opt.image);
  if (bench_curl_request(c, "POST", "/containers/create", body, err, err_len) != 201 ||
      json_id(bench_curl_body(c, &len), id, sizeof id) < 0)
    return -1;
  snprintf(path, sizeof path, "/containers/%s/start", id);
  long st = bench_curl_request(c, "POST", path, NULL, err, err_len);
  snprintf(path, sizeof path, "/containers/%s/wait", id);
  long wt = st == 204 ? bench_curl_request(c, "POST", path, NULL, err, err_len) : st;
  snprintf(path, sizeof path, "/containers/%s?force=1", id);
  long rm = bench_curl_request(c, "DELETE", path, NULL, err, err_len);
  return st == 204 && wt == 200 && rm == 204 ? 0 : -1;
}

/* The docker CLI: a process per call; its CPU is the children's rusage. */
static int cli_call(const char *op) {
  char name[64], host[600];
  engine_name(name, sizeof name, BENCH_SERVICE, 1);
  snprintf(host, sizeof host, "unix://%s", opt.socket_path);
  const char *argv[16] = {opt.docker_cli, "-H", host};
  int n = 3;
  if (strcmp(op, "open") == 0) {
    argv[n++] = "info";
  } else if (strcmp(op, "inspect") == 0) {
    argv[n++] = "inspect";
    argv[n++] = name;
  } else if (strcmp(op, "list") == 0) {
    argv[n++] = "ps";
    argv[n++] = "-a";
  } else if (strcmp(op, "images") == 0) {
    argv[n++] = "images";
  } else if (strcmp(op, "stats") == 0) {
    argv[n++] = "stats";
    argv[n++] = "--no-stream";
    argv[n++] = name;
  } else if (strcmp(op, "exec") == 0) {
    argv[n++] = "exec";
    argv[n++] = name;
    argv[n++] = "true";
  } else {
    argv[n++] = "run";
    argv[n++] = "--rm";
    argv[n++] = opt.image;
    argv[n++] = "true";
  }
  argv[n] = NULL;
  /* posix_spawn, not fork: glibc spawns with CLONE_VM|CLONE_VFORK, so this
   * process's pages are not made copy-on-write. After a fork() every page a
   * client writes next takes a fault, which billed the client that ran after
   * the CLI (ctrt ~1.3-1.4x the floor with the CLI in the rounds, ~1.05x
   * without it). */
  posix_spawn_file_actions_t io;
  if (posix_spawn_file_actions_init(&io) != 0)
    return -1;
  posix_spawn_file_actions_addopen(&io, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&io, 1, 2);
  pid_t pid;
  int spawned = posix_spawnp(&pid, argv[0], &io, NULL, (char *const *)argv, environ);
  posix_spawn_file_actions_destroy(&io);
  if (spawned != 0)
    return -1;
  int status;
  if (waitpid(pid, &status, 0) < 0)
    return -1;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* ---- the per-call rounds ---- */

typedef struct {
  ctrt_runtime *rt;
  bench_curl *curl[3]; /* none, jansson, yajl */
  bench_peer *py;
  bench_peer *node; /* Node http + JSON.parse: the lower bound of dockerode */
  bool have_cli;
} clients;

static void run_one(clients *cl, client_kind k, const workload *w, series *s) {
  char err[512] = "";
  if (s->skipped)
    return;
  int calls = k == C_CLI ? w->cli_calls : w->calls;
  double wall0 = mono_us(), cpu0 = thread_cpu_us();
  struct rusage ru0, ru1;
  getrusage(RUSAGE_CHILDREN, &ru0);
  int rc = 0;
  double wall = 0, cpu = 0;
  if (k == C_DOCKER_PY || k == C_NODE) {
    char name[64];
    engine_name(name, sizeof name, BENCH_SERVICE, 1);
    rc = bench_peer_run(k == C_NODE ? cl->node : cl->py, w->name, calls, w->warm, name, &wall, &cpu, err, sizeof err);
  } else {
    /* The untimed call: the steady per-call cost is measured, not the first
     * call after another client (or the CLI's process) left the caches
     * cold, which the changing order gives to each client in turn. */
    bool warm = w->warm && k != C_CLI;
    for (int i = warm ? -1 : 0; i < calls && rc == 0; i++) {
      if (i == 0) {
        wall0 = mono_us();
        cpu0 = thread_cpu_us();
      }
      if (k == C_CTRT) {
        rc = ctrt_call(cl->rt, w->name);
        if (rc < 0)
          snprintf(err, sizeof err, "%s", ctrt_error_last()->message);
      } else if (k == C_CLI) {
        rc = cli_call(w->name);
        if (rc < 0)
          snprintf(err, sizeof err, "the docker CLI failed");
      } else {
        bench_parse parse = (bench_parse)(k - C_CURL);
        rc = curl_call(cl->curl[k - C_CURL], parse, w->name, err, sizeof err);
      }
    }
    wall = (mono_us() - wall0) / calls;
    if (k == C_CLI) {
      getrusage(RUSAGE_CHILDREN, &ru1);
      cpu = (tv_us(ru1.ru_utime) + tv_us(ru1.ru_stime) - tv_us(ru0.ru_utime) - tv_us(ru0.ru_stime)) / calls;
    } else {
      cpu = (thread_cpu_us() - cpu0) / calls;
    }
  }
  if (rc < 0) {
    s->skipped = true;
    snprintf(s->why, sizeof s->why, "failed: %s", err[0] ? err : "(no message)");
    return;
  }
  s->wall_us[s->n] = wall;
  s->cpu_us[s->n] = cpu;
  s->n++;
}

/* ---- wall per call, ctrt and the floor alternated call by call ---- */

/* In the rounds each client's calls come in a block, so a pause of the
 * daemon (Go's garbage collector, a removed container's clean-up) lands on
 * one client's block and moves that round's wall ratio by 10 to 60 %, while
 * the calls' CPU matches within a few percent. Here ctrt's and the floor's
 * calls alternate one by one (who goes first swaps every pair), each call
 * timed alone: a pause hits both alike, and the median of single calls
 * leaves it out. What remains is the wall the client adds. */
typedef struct {
  double ctrt_us, floor_us, ratio, pair_ratio;
  double pair_lo, pair_hi; /* 95 % confidence interval of pair_ratio */
  int pairs;
} alternated;

static int alternated_wall(clients *cl, const workload *w, int passes, alternated *a) {
  int n = passes * w->calls;
  double *t = calloc((size_t)n * 3, sizeof *t);
  if (t == NULL)
    return -1;
  double *tc = t, *tf = t + n, *pair = t + 2 * n;
  bench_curl *floor_client = cl->curl[C_YAJL - C_CURL];
  char err[512] = "";
  /* One untimed call each, as in the rounds. */
  int rc = ctrt_call(cl->rt, w->name);
  if (rc == 0)
    rc = curl_call(floor_client, BENCH_PARSE_YAJL, w->name, err, sizeof err);
  for (int i = 0; i < n && rc == 0; i++) {
    for (int half = 0; half < 2 && rc == 0; half++) {
      bool ctrt_now = (half == 0) == (i % 2 == 0);
      double t0 = mono_us();
      rc = ctrt_now ? ctrt_call(cl->rt, w->name) : curl_call(floor_client, BENCH_PARSE_YAJL, w->name, err, sizeof err);
      *(ctrt_now ? &tc[i] : &tf[i]) = mono_us() - t0;
    }
    pair[i] = tc[i] / tf[i];
  }
  if (rc == 0) {
    a->pairs = n;
    a->pair_ratio = median(pair, n);
    median_ci95(pair, n, &a->pair_lo, &a->pair_hi);
    a->ctrt_us = median(tc, n);
    a->floor_us = median(tf, n);
    a->ratio = a->ctrt_us / a->floor_us;
  }
  free(t);
  return rc < 0 ? -1 : 0;
}

/* ---- streams, each client in a child process ---- */

typedef struct {
  double wall_s, cpu_s, maxrss_mib;
  long long bytes; /* as the client counts them: libcurl's logs include the 8-byte frame headers */
  bool ok;
  char why[256];
} stream_result;

static long long ctrt_stream(const char *what) {
  ctrt_runtime *rt = NULL;
  if (ctrt_open(&rt, opt.host_uri) < 0)
    return -1;
  long long total = 0;
  if (strcmp(what, "logs") == 0) {
    ctrt_container_id id = bench_id(BENCH_SERVICE "logs", 1);
    ctrt_logs_stream_options o = {.version = CTRT_LOGS_STREAM_OPTIONS_VERSION, .stdout_ = true, .stderr_ = true};
    ctrt_logs_stream *s = NULL;
    ctrt_log_chunk *chunk = NULL;
    int rc = ctrt_runtime_logs_stream(rt, &s, &id, &o);
    while (rc == 0 && (rc = ctrt_logs_stream_next(&chunk, s)) == 0) {
      total += (long long)chunk->data.len;
      ctrt_log_chunk_free(chunk);
    }
    ctrt_logs_stream_close(s);
    if (rc != CTRT_ITEROVER)
      total = -1;
  } else {
    ctrt_container_id id = bench_id(BENCH_SERVICE "archive", 1);
    ctrt_archive_stream *s = NULL;
    static char buf[65536];
    size_t n = 0;
    int rc = ctrt_runtime_archive_get(rt, &s, &id, "/big");
    while (rc == 0 && (rc = ctrt_archive_stream_read(s, buf, sizeof buf, &n)) == 0 && n > 0)
      total += (long long)n;
    ctrt_archive_stream_close(s);
    if (rc < 0 && rc != CTRT_ITEROVER) /* the end of a byte stream is CTRT_ITEROVER */
      total = -1;
  }
  if (total < 0)
    fprintf(stderr, "ctrt-bench: ctrt %s stream: %s\n", what, ctrt_error_last()->message);
  ctrt_close(rt);
  return total;
}

static long long curl_stream(const char *what) {
  bench_curl *c = NULL;
  char err[256], name[64], path[512];
  if (bench_curl_new(&c, opt.socket_path, BENCH_PARSE_NONE) < 0)
    return -1;
  if (strcmp(what, "logs") == 0) {
    engine_name(name, sizeof name, BENCH_SERVICE "logs", 1);
    snprintf(path, sizeof path, "/containers/%s/logs?stdout=1&stderr=1", name);
  } else {
    engine_name(name, sizeof name, BENCH_SERVICE "archive", 1);
    snprintf(path, sizeof path, "/containers/%s/archive?path=/big", name);
  }
  long long total = bench_curl_stream(c, path, err, sizeof err);
  if (total < 0)
    fprintf(stderr, "ctrt-bench: libcurl %s stream: %s\n", what, err);
  bench_curl_free(c);
  return total;
}

static stream_result measure_stream(client_kind k, const char *what) {
  stream_result r = {0};
  int fds[2];
  if (pipe(fds) < 0)
    die("pipe: %s", strerror(errno));
  double t0 = mono_us();
  pid_t pid = fork();
  if (pid < 0)
    die("fork: %s", strerror(errno));
  if (pid == 0) {
    close(fds[0]);
    long long n = k == C_CTRT ? ctrt_stream(what) : curl_stream(what);
    if (write(fds[1], &n, sizeof n) != (ssize_t)sizeof n)
      _exit(2);
    _exit(0);
  }
  close(fds[1]);
  long long bytes = -1;
  if (read(fds[0], &bytes, sizeof bytes) != (ssize_t)sizeof bytes)
    bytes = -1;
  close(fds[0]);
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0)
    die("wait4: %s", strerror(errno));
  r.wall_s = (mono_us() - t0) / 1e6;
  r.cpu_s = (tv_us(ru.ru_utime) + tv_us(ru.ru_stime)) / 1e6;
  r.maxrss_mib = (double)ru.ru_maxrss / 1024.0;
  r.bytes = bytes;
  r.ok = bytes > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!r.ok)
    snprintf(r.why, sizeof r.why, "the %s client failed to read the %s stream", client_names[k], what);
  return r;
}

/* ---- the mock: ctrt's own per-call cost without a daemon ---- */

static void mock_costs(json_t *out) {
  ctrt_runtime *rt = NULL;
  if (ctrt_open(&rt, "mock:") < 0)
    die_ctrt("open the mock");
  int fd = open(opt.image_tar, O_RDONLY);
  if (fd < 0)
    die("%s: %s", opt.image_tar, strerror(errno));
  ctrt_byte_source *src = NULL;
  ctrt_load_progress_stream *progress = NULL;
  ctrt_load_progress *event = NULL;
  if (ctrt_byte_source_from_fd(&src, fd) < 0 || ctrt_runtime_load_images(rt, &progress, src, true) < 0)
    die_ctrt("load the test image into the mock");
  int rc;
  while ((rc = ctrt_load_progress_stream_next(&event, progress)) == 0)
    ctrt_load_progress_free(event);
  ctrt_load_progress_stream_close(progress);
  ctrt_byte_source_free(src);
  close(fd);
  if (rc != CTRT_ITEROVER)
    die_ctrt("load the test image into the mock");
  for (uint32_t i = 1; i <= N_LIST_CONTAINERS; i++) {
    char *args[] = {"sh", "-c", "exec sleep 1000000"};
    ctrt_command_spec cmd = {.has_args = true, .n_args = 3, .args = args};
    ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
    spec.image.name = (char *)opt.image;
    spec.command = &cmd;
    ctrt_container_id id = bench_id(BENCH_SERVICE, i);
    if (ctrt_runtime_create_container(rt, &id, &spec) < 0 || ctrt_runtime_start_container(rt, &id) < 0)
      die_ctrt("create a mock container");
  }
  check_fixture(rt, "the mock");
  const char *ops[] = {"inspect", "list", "exec", "lifecycle"};
  const int calls[] = {2000, 1000, 200, 100};
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    double wall0 = mono_us(), cpu0 = thread_cpu_us();
    for (int c = 0; c < calls[i]; c++)
      if (ctrt_call(rt, ops[i]) < 0)
        die("mock %s: %s", ops[i], ctrt_error_last()->message);
    double wall = (mono_us() - wall0) / calls[i], cpu = (thread_cpu_us() - cpu0) / calls[i];
    printf("  mock %-10s %9.1f us wall %9.1f us CPU per call\n", ops[i], wall, cpu);
    json_object_set_new(out, ops[i], json_pack("{s:f,s:f,s:i}", "wall_us", wall, "cpu_us", cpu, "calls", calls[i]));
  }
  for (uint32_t i = 1; i <= N_LIST_CONTAINERS; i++)
    remove_quietly(rt, BENCH_SERVICE, i);
  ctrt_close(rt);
}

/* ---- the command line ---- */

static void usage(FILE *f) {
  fprintf(f,
          "usage: ctrt-bench --socket PATH --image REF --image-tar FILE [options]\n"
          "  Measures ctrt beside raw libcurl (no parse, jansson DOM, yajl bare pass), docker-py,\n"
          "  Node's http (dockerode's lower bound) and the docker CLI on one Docker daemon, round\n"
          "  by round, and prints medians and paired ratios. It creates its containers (named zlayer-" BENCH_SERVICE
          "*) and removes them.\n"
          "options:\n"
          "  --socket PATH       the daemon's unix socket\n"
          "  --image REF         an image present in the daemon with sh, sleep, yes, head, dd, true\n"
          "  --image-tar FILE    the same image as a docker-archive (loaded into the mock)\n"
          "  --rounds N          rounds of every per-call workload (default 5, at most %d)\n"
          "  --docker-py SCRIPT  bench/peers/docker_py_peer.py; without it docker-py is skipped\n"
          "  --node-peer SCRIPT  bench/peers/node_http_peer.js (Node's http + JSON.parse, the lower\n"
          "                      bound of dockerode); without it that client is skipped\n"
          "  --docker-cli PATH   the docker CLI (default: docker; skipped if it does not run)\n"
          "  --no-streams        skip the logs and archive stream workloads\n"
          "  --logs-mib N        size of the logs stream (default 200)\n"
          "  --archive-mib N     size of the archive stream (default 100)\n"
          "  --only WHAT         run only the stream workload WHAT (logs, archive or streams: both), no\n"
          "                      per-call workloads, docker-py or mock\n"
          "  --workloads A,B     run only these per-call workloads (open, inspect, list, images, stats,\n"
          "                      exec, lifecycle), one pass of each per round\n"
          "  --stream-runs N     paired runs of each stream workload (default: logs 3, archive 15;\n"
          "                      at most %d)\n"
          "  --json FILE         write every figure as JSON\n",
          MAX_ROUNDS, MAX_ROUNDS);
}

static void parse_args(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      exit(0);
    } else if (strcmp(a, "--no-streams") == 0) {
      opt.streams = false;
      continue;
    }
    if (v == NULL) {
      usage(stderr);
      die("%s needs a value", a);
    }
    i++;
    if (strcmp(a, "--socket") == 0)
      opt.socket_path = v;
    else if (strcmp(a, "--image") == 0)
      opt.image = v;
    else if (strcmp(a, "--image-tar") == 0)
      opt.image_tar = v;
    else if (strcmp(a, "--docker-py") == 0)
      opt.peer_script = v;
    else if (strcmp(a, "--node-peer") == 0)
      opt.node_script = v;
    else if (strcmp(a, "--docker-cli") == 0)
      opt.docker_cli = v;
    else if (strcmp(a, "--json") == 0)
      opt.json_out = v;
    else if (strcmp(a, "--workloads") == 0)
      opt.workloads = v;
    else if (strcmp(a, "--only") == 0) {
      if (strcmp(v, "logs") != 0 && strcmp(v, "archive") != 0 && strcmp(v, "streams") != 0)
        die("--only: '%s' is none of logs, archive, streams", v);
      opt.only = v;
    } else if (strcmp(a, "--rounds") == 0 || strcmp(a, "--stream-runs") == 0 || strcmp(a, "--logs-mib") == 0 ||
               strcmp(a, "--archive-mib") == 0) {
      char *end;
      long n = strtol(v, &end, 10);
      bool counts_rounds = strcmp(a, "--rounds") == 0 || strcmp(a, "--stream-runs") == 0;
      if (*end != '\0' || n < 1 || (counts_rounds && n > MAX_ROUNDS))
        die("%s: '%s' is not a valid count", a, v);
      if (strcmp(a, "--rounds") == 0)
        opt.rounds = (int)n;
      else if (strcmp(a, "--stream-runs") == 0)
        opt.stream_runs = (int)n;
      else if (strcmp(a, "--logs-mib") == 0)
        opt.logs_mib = n;
      else
        opt.archive_mib = n;
    } else {
      usage(stderr);
      die("unknown option %s", a);
    }
  }
  if (opt.socket_path == NULL || opt.image == NULL || opt.image_tar == NULL) {
    usage(stderr);
    die("--socket, --image and --image-tar are required");
  }
  if (opt.only && !opt.streams)
    die("--only and --no-streams exclude each other");
}

static json_t *series_json(const series *s) {
  if (s->skipped && s->n == 0)
    return json_pack("{s:s}", "skipped", s->why);
  json_t *walls = json_array(), *cpus = json_array();
  for (int i = 0; i < s->n; i++) {
    json_array_append_new(walls, json_real(s->wall_us[i]));
    json_array_append_new(cpus, json_real(s->cpu_us[i]));
  }
  return json_pack("{s:f,s:f,s:o,s:o}", "wall_us_median", median(s->wall_us, s->n), "cpu_us_median",
                   median(s->cpu_us, s->n), "wall_us_rounds", walls, "cpu_us_rounds", cpus);
}

/* The j-th client of a round. A plain rotation keeps the cyclic order, so
 * every client would always follow the same one (ctrt the docker CLI, whose
 * exits leave the daemon busy for a while; the floor jansson): a bias no
 * number of rounds removes. Stepping through the clients by s = 1 + round %
 * (N - 1) (N prime, so every step visits all of them) puts client k - s
 * before client k: over N - 1 rounds each client follows every other once.
 * The start moves by 3 a round so that who goes first varies too. */
static client_kind round_order(int round, int j) {
  _Static_assert(N_CLIENTS == 7, "round_order steps through the clients modulo a prime");
  int step = 1 + round % (N_CLIENTS - 1);
  return (client_kind)((3 * round + j * step) % N_CLIENTS);
}

/* The median over rounds of a/b per round: a paired ratio. */
static double paired_ratio(const double *a, const double *b, int n) {
  double r[MAX_ROUNDS];
  for (int i = 0; i < n; i++)
    r[i] = b[i] > 0 ? a[i] / b[i] : 0;
  return median(r, n);
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  static char uri[600];
  snprintf(uri, sizeof uri, "docker://unix://%s", opt.socket_path);
  opt.host_uri = uri;
  curl_global_init(CURL_GLOBAL_DEFAULT);

  json_t *out = json_object();
  time_t now = time(NULL);
  char date[64], host[256] = "";
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  gethostname(host, sizeof host - 1);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  json_object_set_new(out, "date", json_string(date));
  json_object_set_new(out, "cpus", json_integer(cpus));
  json_object_set_new(out, "rounds", json_integer(opt.rounds));

  clients cl = {0};
  if (ctrt_open(&cl.rt, opt.host_uri) < 0)
    die_ctrt("open the daemon");
  ctrt_engine_info *engine = NULL;
  if (ctrt_runtime_engine(cl.rt, &engine) < 0)
    die_ctrt("ask the daemon its version");
  const char *engine_version = engine->version ? engine->version : "unknown";
  printf("ctrt-bench %s, %ld CPU(s), engine %s %s, %d round(s)\n", date, cpus, engine->name, engine_version,
         opt.rounds);
  json_object_set_new(out, "engine", json_pack("{s:s,s:s}", "name", engine->name, "version", engine_version));
  ctrt_engine_info_free(engine);

  for (int i = 0; i < 3; i++)
    if (bench_curl_new(&cl.curl[i], opt.socket_path, (bench_parse)i) < 0)
      die("libcurl did not initialise");

  series results[N_PER_CALL][N_CLIENTS];
  memset(results, 0, sizeof results);
  char py_version[64] = "", node_version[64] = "", err[512];
  const struct {
    client_kind kind;
    const char *interpreter, *script, *what;
    bench_peer **peer;
    char *version;
  } peers[] = {
      {C_DOCKER_PY, "python3", opt.peer_script, "--docker-py", &cl.py, py_version},
      {C_NODE, "node", opt.node_script, "--node-peer", &cl.node, node_version},
  };
  for (size_t i = 0; i < sizeof peers / sizeof peers[0]; i++) {
    err[0] = '\0';
    if (opt.only == NULL && peers[i].script != NULL &&
        bench_peer_start(peers[i].peer, peers[i].interpreter, peers[i].script, uri + strlen("docker://"), opt.image,
                         peers[i].version, 64, err, sizeof err) == 0)
      continue;
    for (size_t w = 0; w < N_PER_CALL; w++) {
      results[w][peers[i].kind].skipped = true;
      snprintf(results[w][peers[i].kind].why, sizeof results[w][peers[i].kind].why, "%s",
               peers[i].script ? err : "no script given");
    }
  }
  char version_cmd[700];
  snprintf(version_cmd, sizeof version_cmd, "%s -H unix://%s version >/dev/null 2>&1", opt.docker_cli, opt.socket_path);
  cl.have_cli = system(version_cmd) == 0;
  for (size_t w = 0; w < N_PER_CALL && !cl.have_cli; w++) {
    results[w][C_CLI].skipped = true;
    snprintf(results[w][C_CLI].why, sizeof results[w][C_CLI].why, "%s does not run", opt.docker_cli);
  }
  json_object_set_new(out, "peers",
                      json_pack("{s:s,s:s,s:s,s:s}", "docker-py", py_version[0] ? py_version : "skipped", "node http",
                                node_version[0] ? node_version : "skipped", "dockerode",
                                "not run: not in Debian 12 and the npm registry is unreachable here; 'node http' is "
                                "its lower bound",
                                "libcurl", curl_version_info(CURLVERSION_NOW)->version));

  if (opt.only)
    printf("setting up the %s fixture%s...\n", opt.only, strcmp(opt.only, "streams") == 0 ? "s" : "");
  else
    printf("setting up %d containers%s...\n", N_LIST_CONTAINERS, opt.streams ? " and the stream fixtures" : "");
  setup(cl.rt);
  if (opt.only == NULL)
    check_fixture(cl.rt, "the daemon");

  for (int round = 0; round < (opt.only ? 0 : opt.rounds); round++) {
    for (size_t w = 0; w < N_PER_CALL; w++)
      for (int j = 0; j < N_CLIENTS && workload_selected(per_call[w].name); j++) {
        client_kind k = round_order(round, j);
        run_one(&cl, k, &per_call[w], &results[w][k]);
      }
    fprintf(stderr, "round %d/%d done\n", round + 1, opt.rounds);
  }

  if (opt.only == NULL) {
    printf("\nper call: median over rounds of wall / CPU microseconds (client side only)\n");
    printf("%-10s", "workload");
    for (int k = 0; k < N_CLIENTS; k++)
      printf(" | %21s", client_names[k]);
    printf(" | ctrt CPU / yajl floor | ctrt wall / yajl floor | docker-py CPU / ctrt | node http CPU / ctrt\n");
    json_t *pc = json_object();
    for (size_t w = 0; w < N_PER_CALL; w++) {
      if (!workload_selected(per_call[w].name))
        continue;
      printf("%-10s", per_call[w].name);
      json_t *row = json_object();
      for (int k = 0; k < N_CLIENTS; k++) {
        series *s = &results[w][k];
        if (s->n == 0)
          printf(" | %21s", "skipped");
        else
          printf(" | %10.0f / %8.0f", median(s->wall_us, s->n), median(s->cpu_us, s->n));
        json_object_set_new(row, client_names[k], series_json(s));
      }
      series *c = &results[w][C_CTRT], *y = &results[w][C_YAJL], *p = &results[w][C_DOCKER_PY],
             *nd = &results[w][C_NODE];
      int n = c->n < y->n ? c->n : y->n;
      double cpu_ratio = paired_ratio(c->cpu_us, y->cpu_us, n), wall_ratio = paired_ratio(c->wall_us, y->wall_us, n);
      int np = c->n < p->n ? c->n : p->n, nn = c->n < nd->n ? c->n : nd->n;
      double py_ratio = np ? paired_ratio(p->cpu_us, c->cpu_us, np) : 0;
      double node_ratio = nn ? paired_ratio(nd->cpu_us, c->cpu_us, nn) : 0;
      printf(" | %21.2f | %22.2f | %s%20.2f | %s%19.2f\n", cpu_ratio, wall_ratio, np ? "" : "n/a ", py_ratio,
             nn ? "" : "n/a ", node_ratio);
      json_object_set_new(row, "ratios",
                          json_pack("{s:f,s:f,s:f,s:f}", "ctrt_cpu_over_yajl_floor", cpu_ratio,
                                    "ctrt_wall_over_yajl_floor", wall_ratio, "docker_py_cpu_over_ctrt", py_ratio,
                                    "node_http_cpu_over_ctrt", node_ratio));
      json_object_set_new(row, "doc", json_string(per_call[w].doc));
      json_object_set_new(pc, per_call[w].name, row);
      for (int k = 0; k < N_CLIENTS; k++)
        if (results[w][k].skipped && results[w][k].n == 0 && k != C_DOCKER_PY && k != C_NODE && k != C_CLI)
          fprintf(stderr, "  %s %s: %s\n", per_call[w].name, client_names[k], results[w][k].why);
    }
    json_object_set_new(out, "per_call", pc);
  }

  if (opt.only == NULL) {
    static const char *const alternate[] = {"inspect", "list", "images"};
    printf("\nwall per call, ctrt and the floor (libcurl+yajl) alternated call by call: median of single calls\n");
    json_t *aw = json_object();
    for (size_t w = 0; w < N_PER_CALL; w++) {
      bool wanted = false;
      for (size_t i = 0; i < sizeof alternate / sizeof alternate[0]; i++)
        wanted = wanted || strcmp(per_call[w].name, alternate[i]) == 0;
      if (!wanted || !workload_selected(per_call[w].name))
        continue;
      alternated a = {0};
      if (alternated_wall(&cl, &per_call[w], opt.rounds, &a) < 0) {
        fprintf(stderr, "  %s alternated: a call failed\n", per_call[w].name);
        continue;
      }
      /* The interval says whether a ratio off 1 is ctrt or the noise. */
      printf("%-10s ctrt %8.0f us | floor %8.0f us | ctrt / floor %.2f (median of the %d pairs' ratios %.3f, 95 %% "
             "CI %.3f-%.3f: %s)\n",
             per_call[w].name, a.ctrt_us, a.floor_us, a.ratio, a.pairs, a.pair_ratio, a.pair_lo, a.pair_hi,
             a.pair_hi < 1   ? "ctrt faster"
             : a.pair_lo > 1 ? "ctrt slower"
                             : "no difference seen");
      json_object_set_new(aw, per_call[w].name,
                          json_pack("{s:f,s:f,s:f,s:f,s:[f,f],s:i}", "ctrt_wall_us", a.ctrt_us, "floor_wall_us",
                                    a.floor_us, "ctrt_over_floor", a.ratio, "median_pair_ratio", a.pair_ratio,
                                    "median_pair_ratio_ci95", a.pair_lo, a.pair_hi, "pairs", a.pairs));
    }
    json_object_set_new(out, "alternated_wall", aw);
  }

  if (opt.streams) {
    printf("\nstreams: median of paired runs, each client in its own process\n");
    json_t *st = json_object();
    const char *what[] = {"logs", "archive"};
    for (int i = 0; i < 2; i++) {
      if (!stream_selected(what[i]))
        continue;
      int runs = opt.stream_runs ? opt.stream_runs : i == 0 ? LOGS_RUNS_DEFAULT : ARCHIVE_RUNS_DEFAULT;
      json_t *row = json_object();
      double rate[2][MAX_ROUNDS], rss[2][MAX_ROUNDS], cpu[2][MAX_ROUNDS];
      long long archive_bytes = 0; /* the tar's size, as ctrt reads it */
      for (int run = 0; run < runs; run++)
        for (int j = 0; j < 2; j++) {
          client_kind k = (run + j) % 2 ? C_CURL : C_CTRT;
          stream_result r = measure_stream(k, what[i]);
          if (!r.ok)
            die("%s", r.why);
          /* Both rates are of the same content, the log's text or the tar,
           * so the ratio is one of times: libcurl's raw logs stream also
           * carries an 8-byte header per 64-byte line (12.5 % more bytes),
           * which ctrt's count of the text leaves out. */
          long long content = i == 0 ? opt.logs_mib << 20 : archive_bytes;
          if (k == C_CTRT && i == 1 && archive_bytes == 0)
            content = archive_bytes = r.bytes;
          /* The tar is the same bytes for both; only libcurl's logs carry more. */
          bool whole = k == C_CTRT || i == 1 ? r.bytes == content : r.bytes >= content;
          if (content > 0 && !whole)
            die("the %s client read %lld bytes of the %s stream, which holds %lld", client_names[k], r.bytes, what[i],
                content);
          rate[k == C_CTRT ? 0 : 1][run] = content > 0 ? (double)content / (1 << 20) / r.wall_s : 0;
          rss[k == C_CTRT ? 0 : 1][run] = r.maxrss_mib;
          cpu[k == C_CTRT ? 0 : 1][run] = r.cpu_s;
          if (j == 1)
            fprintf(stderr, "  %s run %d/%d: ctrt %.1f MiB/s, libcurl %.1f MiB/s, ratio %.2f\n", what[i], run + 1, runs,
                    rate[0][run], rate[1][run], rate[0][run] / rate[1][run]);
        }
      double per_run[MAX_ROUNDS], lo, hi;
      for (int run = 0; run < runs; run++)
        per_run[run] = rate[1][run] > 0 ? rate[0][run] / rate[1][run] : 0;
      double ratio = median(per_run, runs);
      bool ci = median_ci95(per_run, runs, &lo, &hi);
      printf("%-8s ctrt %7.1f MiB/s %6.2f s CPU %6.1f MiB RSS | libcurl %7.1f MiB/s %6.2f s CPU %6.1f MiB RSS | "
             "ctrt rate / libcurl %.2f over %d runs (%s %.2f-%.2f)\n",
             what[i], median(rate[0], runs), median(cpu[0], runs), median(rss[0], runs), median(rate[1], runs),
             median(cpu[1], runs), median(rss[1], runs), ratio, runs, ci ? "95 % CI" : "range", lo, hi);
      json_object_set_new(row, "ctrt",
                          json_pack("{s:f,s:f,s:f}", "mib_per_s", median(rate[0], runs), "cpu_s", median(cpu[0], runs),
                                    "max_rss_mib", median(rss[0], runs)));
      json_object_set_new(row, "libcurl",
                          json_pack("{s:f,s:f,s:f}", "mib_per_s", median(rate[1], runs), "cpu_s", median(cpu[1], runs),
                                    "max_rss_mib", median(rss[1], runs)));
      json_object_set_new(row, "ctrt_rate_over_libcurl", json_real(ratio));
      json_object_set_new(row, ci ? "ctrt_rate_over_libcurl_ci95" : "ctrt_rate_over_libcurl_range",
                          json_pack("[f,f]", lo, hi));
      json_object_set_new(row, "runs", json_integer(runs));
      json_object_set_new(row, "mib", json_integer(i == 0 ? opt.logs_mib : opt.archive_mib));
      json_object_set_new(st, what[i], row);
    }
    json_object_set_new(out, "streams", st);
  }

  if (opt.only == NULL) {
    printf("\nthe mock (in process, no daemon):\n");
    json_t *mock = json_object();
    mock_costs(mock);
    json_object_set_new(out, "mock", mock);
  }

  teardown(cl.rt);
  bench_peer_stop(cl.py);
  bench_peer_stop(cl.node);
  for (int i = 0; i < 3; i++)
    bench_curl_free(cl.curl[i]);
  ctrt_close(cl.rt);
  if (opt.json_out && json_dump_file(out, opt.json_out, JSON_INDENT(2) | JSON_SORT_KEYS) < 0)
    die("cannot write %s", opt.json_out);
  json_decref(out);
  curl_global_cleanup();
  return 0;
}
