/* SPDX-License-Identifier: MIT */
/* Inspection: details, pid, address and published ports from the inspect
 * answer; one stats reading and the stats stream. */
#include "backends/docker/docker_internal.h"

/* ---- get_container_stats: one reading ---- */

int ctrt__docker_get_container_stats(void *self, ctrt_container_stats **out, const ctrt_container_id *id) {
  *out = NULL;
  uint64_t host_memory = 0;
  char *target = NULL;
  ctrt__http_response *resp = NULL;
  int rc;
  if ((rc = ctrt__docker_host_memory(self, &host_memory)) < 0 ||
      (rc = ctrt__dockerreq_get_container_stats_container_stats(&target)) < 0)
    goto done;
  ctrt__docker_call call = {.suffix = target};
  if ((rc = ctrt__docker_container_send(self, id, &call, "get_container_stats", &resp)) < 0 ||
      (rc = ctrt__docker_need_body(resp, "get_container_stats")) < 0)
    goto done;
  /* Walked: the per-CPU, per-device and precpu_stats members (most of a
   * ~2 KB answer) are skipped without allocating. */
  rc = ctrt__docker_container_stats_walk(out, resp->body, resp->body_len, host_memory);
done:
  ctrt__http_response_free(resp);
  ctrt__free(target);
  return rc;
}

/* ---- stats_stream: one JSON object per sample ---- */

typedef struct stats_stream {
  ctrt__http_stream *hs;
  ctrt__jsonl *lines;
  uint64_t host_memory;
} stats_stream;

static int stats_next(void *impl, void **item) {
  stats_stream *s = impl;
  const char *text = NULL;
  size_t len = 0;
  int rc = ctrt__jsonl_next_text(s->lines, ctrt__http_stream_pull, s->hs, &text, &len);
  if (rc == CTRT_ITEROVER)
    return rc;
  if (rc < 0)
    return ctrt__error_wrap("stats_stream");
  /* Walked from the line's bytes: the per-CPU and precpu_stats members are
   * skipped without allocating. */
  return ctrt__docker_stats_sample_walk((ctrt_stats_sample **)item, text, len, s->host_memory);
}

static void stats_cancel(void *impl) { ctrt__http_stream_cancel(((stats_stream *)impl)->hs); }

static void stats_destroy(void *impl) {
  stats_stream *s = impl;
  ctrt__http_stream_free(s->hs);
  ctrt__jsonl_free(s->lines);
  ctrt__free(s);
}

static const ctrt__stream_vtable stats_vtable = {
    .next = stats_next,
    .cancel = stats_cancel,
    .destroy = stats_destroy,
};

int ctrt__docker_stats_stream(void *self, ctrt_stats_stream **out, const ctrt_container_id *id) {
  stats_stream *s = ctrt__calloc(1, sizeof *s);
  CTRT__CHECK_ALLOC(s);
  char *target = NULL;
  ctrt__stream *stream = NULL;
  int rc;
  if ((rc = ctrt__jsonl_new(&s->lines, 0)) < 0 || (rc = ctrt__docker_host_memory(self, &s->host_memory)) < 0 ||
      (rc = ctrt__dockerreq_stats_stream_container_stats(&target)) < 0)
    goto fail;
  ctrt__docker_call call = {.suffix = target};
  if ((rc = ctrt__docker_container_open(self, id, &call, "stats_stream", &s->hs)) < 0)
    goto fail;
  ctrt__free(target);
  rc = ctrt__stream_new(&stream, &stats_vtable, s, ctrt__stats_stream_item_free);
  *out = (ctrt_stats_stream *)stream;
  return rc;
fail:
  ctrt__free(target);
  stats_destroy(s);
  return rc;
}
