/* SPDX-License-Identifier: MIT */
/* The mock's resource usage: counters that advance while the container runs
 * (CPU time, network and block I/O), memory from the container's writable
 * layer and processes, limits from update_container_resources; samples once
 * a second on a stream, as Docker sends them. */
#include "gen_internal.h"
#include "mock.h"

#include <unistd.h>

#define SAMPLE_INTERVAL_NS 1000000000u
#define BASE_MEMORY (1u << 20)
#define PER_PROCESS_MEMORY (256u << 10)

static size_t live_processes(const mock_container *c) {
  size_t n = 0;
  for (size_t i = 0; i < c->n_execs; i++)
    n += !c->execs[i]->finished;
  return n;
}

/* Advance c's counters to now (under the lock). */
static void advance(mock_container *c) {
  ctrt_timestamp now = ctrt__timestamp_now();
  if (c->state == MOCK_RUNNING) {
    int64_t elapsed_ns = (now.seconds - c->stats_at.seconds) * 1000000000 + (now.nanos - c->stats_at.nanos);
    if (elapsed_ns > 0) {
      /* A mostly idle container: 0.5% of a CPU per live process. */
      c->cpu_ns += (uint64_t)elapsed_ns / 200 * live_processes(c);
      c->net_rx += (uint64_t)elapsed_ns / 10000000 * 90;
      c->net_tx += (uint64_t)elapsed_ns / 10000000 * 30;
    }
  }
  c->stats_at = now;
}

static uint64_t memory_used(const mock_container *c) {
  if (!mock_container_running(c))
    return 0;
  uint64_t now = memfs_size(c->fs), before = memfs_size(c->base);
  return BASE_MEMORY + PER_PROCESS_MEMORY * live_processes(c) + (now > before ? now - before : 0) + c->log_bytes;
}

static uint32_t online_cpus(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (uint32_t)n : 1;
}

static int sample_of(mock_container *c, ctrt_stats_sample **out) {
  ctrt_stats_sample *s = ctrt__malloc(sizeof *s);
  CTRT__CHECK_ALLOC(s);
  *s = (ctrt_stats_sample)CTRT_STATS_SAMPLE_INIT;
  advance(c);
  bool running = mock_container_running(c);
  s->timestamp = c->stats_at;
  s->online_cpus = online_cpus();
  if (running) {
    s->cpu_total_ns = c->cpu_ns;
    s->cpu_system_ns = (uint64_t)c->stats_at.seconds * 1000000000u * s->online_cpus;
    s->mem_used_bytes = memory_used(c);
    s->mem_limit_bytes = c->limits.has_memory && c->limits.memory > 0 ? (uint64_t)c->limits.memory : 0;
    s->net_rx_bytes = c->net_rx;
    s->net_tx_bytes = c->net_tx;
    s->blkio_read_bytes = c->blk_read;
    s->blkio_write_bytes =
        c->blk_write + (memfs_size(c->fs) > memfs_size(c->base) ? memfs_size(c->fs) - memfs_size(c->base) : 0);
    s->pids_current = live_processes(c);
  }
  if (c->limits.has_pids_limit && c->limits.pids_limit > 0) {
    s->has_pids_limit = true;
    s->pids_limit = (uint64_t)c->limits.pids_limit;
  }
  *out = s;
  return 0;
}

int mock_get_container_stats(void *self, ctrt_container_stats **out, const ctrt_container_id *id) {
  mock_runtime *m = self;
  ctrt_container_stats *stats = ctrt__malloc(sizeof *stats);
  CTRT__CHECK_ALLOC(stats);
  *stats = (ctrt_container_stats)CTRT_CONTAINER_STATS_INIT;
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  if (c == NULL) {
    mock_unlock(m);
    ctrt_container_stats_free(stats);
    return ctrt__error_code();
  }
  advance(c);
  stats->cpu_usage_usec = mock_container_running(c) ? c->cpu_ns / 1000 : 0;
  stats->memory_bytes = memory_used(c);
  stats->memory_limit = c->limits.has_memory && c->limits.memory > 0 ? (uint64_t)c->limits.memory : 0;
  stats->timestamp = c->stats_at;
  mock_unlock(m);
  *out = stats;
  return 0;
}

/* ---- stats_stream ---- */

typedef struct stats_stream {
  mock_runtime *m;
  mock_container *c;
  bool scripted_done;
  bool cancelled;
  uint64_t next_at; /* monotonic ns of the next sample; 0 = now */
} stats_stream;

static int stats_next(void *impl, void **item) {
  stats_stream *s = impl;
  mock_runtime *m = s->m;
  int rc;
  mock_lock(m);
  for (;;) {
    if (s->cancelled) {
      rc = ctrt__error_cancelled("the stats stream was cancelled");
      break;
    }
    if (!s->scripted_done) {
      mock_script_item scripted;
      if (mock_script_pop(m->stats_scripts, m->n_stats_scripts, s->c->display, &scripted)) {
        if (scripted.value) {
          *item = scripted.value;
          scripted.value = NULL;
          rc = 0;
        } else {
          rc = ctrt__error_set(scripted.error_kind, 0, "%s", scripted.error_message ? scripted.error_message : "");
        }
        mock_script_item_clear(&scripted, ctrt__stats_stream_item_free);
        break;
      }
      s->scripted_done = true;
    }
    if (s->c->removed || m->closing) {
      rc = CTRT_ITEROVER;
      break;
    }
    if (s->next_at == 0 || mock_now_ns() >= s->next_at) {
      ctrt_stats_sample *sample = NULL;
      rc = sample_of(s->c, &sample);
      *item = sample;
      s->next_at = mock_now_ns() + SAMPLE_INTERVAL_NS;
      break;
    }
    mock_wait(m, s->next_at);
  }
  mock_unlock(m);
  return rc;
}

static void stats_cancel(void *impl) {
  stats_stream *s = impl;
  mock_lock(s->m);
  s->cancelled = true;
  mock_broadcast(s->m);
  mock_unlock(s->m);
}

static void stats_destroy(void *impl) {
  stats_stream *s = impl;
  mock_lock(s->m);
  mock_container_unref(s->c);
  mock_unlock(s->m);
  ctrt__free(s);
}

static const ctrt__stream_vtable stats_vtable = {
    .next = stats_next,
    .cancel = stats_cancel,
    .destroy = stats_destroy,
};

int mock_stats_stream(void *self, ctrt_stats_stream **out, const ctrt_container_id *id) {
  mock_runtime *m = self;
  stats_stream *s = ctrt__calloc(1, sizeof *s);
  CTRT__CHECK_ALLOC(s);
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  if (c == NULL) {
    mock_unlock(m);
    ctrt__free(s);
    return ctrt__error_code();
  }
  mock_container_ref(c);
  s->m = m;
  s->c = c;
  mock_unlock(m);
  ctrt__stream *stream = NULL;
  int rc = ctrt__stream_new(&stream, &stats_vtable, s, ctrt__stats_stream_item_free);
  *out = (ctrt_stats_stream *)stream;
  return rc;
}
