/* SPDX-License-Identifier: MIT */
/* Watch a running container's resource use, sample by sample, the way
 * `docker stats` does: CPU share between two samples, memory against its
 * limit (0 means unlimited), processes.
 *   watch-stats URI [IMAGE.tar [SAMPLES]]     e.g. watch-stats mock: busybox.tar 3 */
#include "example.h"

#include <stdlib.h>

static void print_memory(uint64_t bytes) { printf("%.1f MiB", (double)bytes / (1024.0 * 1024.0)); }

int main(int argc, char **argv) {
  ctrt_runtime *rt = NULL;
  int status = example_open(&rt, argc, argv);
  if (status != 0)
    return status;
  long samples = argc > 3 ? strtol(argv[3], NULL, 10) : 3;

  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = "watched";
  id.replica = 1;
  if (example_create_sleeper(rt, &id) < 0 || ctrt_runtime_start_container(rt, &id) < 0)
    return example_fail("create/start");

  ctrt_stats_stream *stats = NULL;
  if (ctrt_runtime_stats_stream(rt, &stats, &id) < 0)
    return example_fail("stats");
  uint64_t last_cpu = 0, last_system = 0;
  int rc = 0;
  for (long n = 1; n <= samples; n++) {
    ctrt_stats_sample *s = NULL;
    /* CTRT_ITEROVER (the container stopped) is negative: test it first. */
    if ((rc = ctrt_stats_stream_next(&s, stats)) == CTRT_ITEROVER || rc < 0)
      break;
    /* CPU %: the container's share of the host's time since the last sample. */
    double cpu = 0.0;
    if (n > 1 && s->cpu_system_ns > last_system)
      cpu = 100.0 * (double)(s->cpu_total_ns - last_cpu) / (double)(s->cpu_system_ns - last_system) * s->online_cpus;
    last_cpu = s->cpu_total_ns;
    last_system = s->cpu_system_ns;
    printf("sample %ld: cpu %.2f%%  memory ", n, cpu);
    print_memory(s->mem_used_bytes);
    printf(" / ");
    if (s->mem_limit_bytes == 0)
      printf("unlimited");
    else
      print_memory(s->mem_limit_bytes);
    printf("  pids %llu\n", (unsigned long long)s->pids_current);
    ctrt_stats_sample_free(s);
  }
  ctrt_stats_stream_close(stats);
  if (rc < 0 && rc != CTRT_ITEROVER)
    return example_fail("stats");

  if (ctrt_runtime_stop_container(rt, &id, 1) < 0 || ctrt_runtime_remove_container(rt, &id) < 0)
    return example_fail("stop/remove");
  ctrt_close(rt);
  return 0;
}
