/* SPDX-License-Identifier: MIT */
/* Inspection: details, pid, address and published ports from the inspect
 * answer; one stats reading and the stats stream. */
#include "backends/docker/docker_internal.h"

int ctrt__docker_inspect_detailed(void *self, ctrt_container_inspect_details **out, const ctrt_container_id *id) {
  json_t *inspect = NULL;
  int rc = ctrt__docker_inspect_container(self, id, "inspect_detailed", &inspect);
  if (rc == 0)
    rc = ctrt__docker_inspect_details(out, inspect);
  json_decref(inspect);
  return rc;
}

int ctrt__docker_get_container_pid(void *self, bool *has_out, uint32_t *out, const ctrt_container_id *id) {
  json_t *inspect = NULL;
  int rc = ctrt__docker_inspect_container(self, id, "get_container_pid", &inspect);
  if (rc == 0) {
    json_int_t pid = json_integer_value(json_object_get(json_object_get(inspect, "State"), "Pid"));
    /* 0: not running. */
    *has_out = pid > 0;
    *out = pid > 0 ? (uint32_t)pid : 0;
  }
  json_decref(inspect);
  return rc;
}

int ctrt__docker_get_container_ip(void *self, char **out, const ctrt_container_id *id) {
  json_t *inspect = NULL;
  int rc = ctrt__docker_inspect_container(self, id, "get_container_ip", &inspect);
  if (rc == 0)
    rc = ctrt__docker_container_ip(out, inspect);
  json_decref(inspect);
  return rc;
}

int ctrt__docker_port_mappings_container(void *self, ctrt_port_mapping_entry_list **out, const ctrt_container_id *id) {
  json_t *inspect = NULL;
  int rc = ctrt__docker_inspect_container(self, id, "port_mappings_container", &inspect);
  if (rc == 0)
    rc = ctrt__docker_port_entries(out, inspect);
  json_decref(inspect);
  return rc;
}

int ctrt__docker_get_container_stats(void *self, ctrt_container_stats **out, const ctrt_container_id *id) {
  /* stream=false: the daemon waits about a second to fill precpu_stats. */
  char *target = NULL;
  ctrt__http_response *resp = NULL;
  json_t *json = NULL;
  int rc = ctrt__dockerreq_get_container_stats_container_stats(&target, id);
  ctrt__docker_call call = {.suffix = target};
  if (rc == 0)
    rc = ctrt__docker_container_send(self, id, &call, "get_container_stats", &resp);
  ctrt__free(target);
  if (rc == 0)
    rc = ctrt__docker_parse_body(&json, resp, "get_container_stats");
  if (rc == 0)
    rc = ctrt__docker_container_stats(out, json);
  json_decref(json);
  ctrt__http_response_free(resp);
  return rc;
}

/* ---- stats_stream: one JSON object per sample ---- */

typedef struct stats_stream {
  ctrt__http_stream *hs;
  ctrt__jsonl *lines;
} stats_stream;

static int stats_next(void *impl, void **item) {
  stats_stream *s = impl;
  json_t *sample = NULL;
  int rc = ctrt__jsonl_next(s->lines, ctrt__http_stream_pull, s->hs, &sample);
  if (rc == CTRT_ITEROVER)
    return rc;
  if (rc < 0)
    return ctrt__error_wrap("stats_stream");
  rc = ctrt__docker_stats_sample((ctrt_stats_sample **)item, sample);
  json_decref(sample);
  return rc;
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
  if (s == NULL)
    return ctrt__error_no_memory();
  char *target = NULL;
  int rc = ctrt__jsonl_new(&s->lines, 0);
  if (rc == 0)
    rc = ctrt__dockerreq_stats_stream_container_stats(&target, id);
  ctrt__docker_call call = {.suffix = target};
  if (rc == 0)
    rc = ctrt__docker_container_open(self, id, &call, "stats_stream", &s->hs);
  ctrt__free(target);
  if (rc < 0) {
    stats_destroy(s);
    return rc;
  }
  ctrt__stream *stream = NULL;
  rc = ctrt__stream_new(&stream, &stats_vtable, s, ctrt__stats_stream_item_free);
  *out = (ctrt_stats_stream *)stream;
  return rc;
}
