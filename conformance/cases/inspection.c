/* SPDX-License-Identifier: MIT */
/* Conformance: inspection and resources (inspect, pid, address, ports, top,
 * changes, stats, health, and the VM-only methods). */
#include "../conform.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <time.h>

#define RT conform_rt()

static const char *const SLEEP[] = {"sleep", "600", NULL};

static void inspect_running(void) {
  const ctrt_container_id *id = conform_sleeper();
  ctrt_container_inspect_details *d = NULL;
  if (!id || !C_OK(ctrt_runtime_inspect_detailed(RT, &d, id)))
    return;
  unsigned char addr[16];
  C_CHECK(d->ipv4 && inet_pton(AF_INET, d->ipv4, addr) == 1, "a running container has an IPv4 address");
  C_CHECK(d->n_networks >= 1 && d->networks[0].network && d->networks[0].network[0], "it is attached to a network");
  C_CHECK(!d->has_exit_code, "a running container has no exit code yet");
  C_CHECK(d->health == NULL, "no health without a health check");
  ctrt_container_inspect_details_free(d);
}

static void inspect_exited(void) {
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"sh", "-c", "exit 9", NULL};
  int32_t code;
  ctrt_container_inspect_details *d = NULL;
  if (!conform_run(id, NULL, argv) || !conform_wait(id, &code) || !C_OK(ctrt_runtime_inspect_detailed(RT, &d, id)))
    return;
  C_CHECK(d->has_exit_code && d->exit_code == 9, "the exit code is reported");
  C_CHECK(d->ipv4 == NULL, "a stopped container has no address");
  ctrt_container_inspect_details_free(d);
}

static void inspect_missing(void) {
  ctrt_container_inspect_details *d = NULL;
  C_FAILS(CTRT_OP_INSPECT_DETAILED, ctrt_runtime_inspect_detailed(RT, &d, conform_new_id()), CTRT_ERROR_NOT_FOUND);
}

static void pid_and_ip(void) {
  const ctrt_container_id *id = conform_sleeper();
  bool has_pid = false;
  uint32_t pid = 0;
  char *ip = NULL;
  if (!id || !C_OK(ctrt_runtime_get_container_pid(RT, &has_pid, &pid, id)) ||
      !C_OK(ctrt_runtime_get_container_ip(RT, &ip, id)))
    return;
  C_CHECK(has_pid && pid > 1, "a running container has a host pid");
  unsigned char addr[16];
  C_CHECK(ip && (inet_pton(AF_INET, ip, addr) == 1 || inet_pton(AF_INET6, ip, addr) == 1), "an IP address: %s",
          ip ? ip : "(none)");
  ctrt_free(ip);
  if (C_OK(ctrt_runtime_stop_container(RT, id, 0))) {
    ip = NULL;
    if (C_OK(ctrt_runtime_get_container_pid(RT, &has_pid, &pid, id)))
      C_CHECK(!has_pid, "a stopped container has no pid");
    if (C_OK(ctrt_runtime_get_container_ip(RT, &ip, id)))
      C_CHECK(ip == NULL, "a stopped container has no address");
    ctrt_free(ip);
  }
}

static void port_override_absent(void) {
  const ctrt_container_id *id = conform_sleeper();
  bool has = true;
  uint16_t port = 0;
  if (id && C_OK(ctrt_runtime_get_container_port_override(RT, &has, &port, id)))
    C_CHECK(!has, "container runtimes do not override ports");
}

static void overlay_attach(void) {
  ctrt_overlay_attach_kind kind = CTRT_OVERLAY_ATTACH_KIND_UNKNOWN;
  if (C_OK(ctrt_runtime_overlay_attach_kind(RT, &kind)))
    C_EQ_INT(kind, CTRT_OVERLAY_ATTACH_KIND_HOST_NETNS);
}

/* The answer describes the backend, not a moment: a known kind, the same
 * every time, with no container involved. */
static void overlay_attach_stable(void) {
  ctrt_overlay_attach_kind first = CTRT_OVERLAY_ATTACH_KIND_UNKNOWN, again = CTRT_OVERLAY_ATTACH_KIND_UNKNOWN;
  if (C_OK(ctrt_runtime_overlay_attach_kind(RT, &first)) && C_OK(ctrt_runtime_overlay_attach_kind(RT, &again))) {
    C_CHECK(first != CTRT_OVERLAY_ATTACH_KIND_UNKNOWN, "the attach kind is a known one, got %s",
            ctrt_overlay_attach_kind_to_string(first));
    C_EQ_INT(again, first);
  }
}

static void overlay_config_push(void) {
  const ctrt_container_id *id = conform_sleeper();
  ctrt_guest_overlay_config config = CTRT_GUEST_OVERLAY_CONFIG_INIT;
  config.address = "10.200.0.2/24";
  if (id)
    C_OK(ctrt_runtime_push_overlay_config(RT, id, &config));
}

static void volumes_sync(void) {
  const ctrt_container_id *id = conform_sleeper();
  if (id)
    C_OK(ctrt_runtime_sync_container_volumes(RT, id));
}

static void port_override_published(void) {
  /* Publishing a port is not an override either. */
  const ctrt_container_id *id = conform_new_id();
  ctrt_service_spec *spec = conform_spec(SLEEP);
  spec->port_mappings = calloc(1, sizeof *spec->port_mappings);
  spec->n_port_mappings = 1;
  spec->port_mappings[0] = (ctrt_port_mapping)CTRT_PORT_MAPPING_INIT;
  spec->port_mappings[0].container_port = 8081;
  bool has = true;
  uint16_t port = 0;
  if (conform_run(id, spec, SLEEP) && C_OK(ctrt_runtime_get_container_port_override(RT, &has, &port, id)))
    C_CHECK(!has, "no override (got %u)", port);
}

static void overlay_config_missing(void) {
  ctrt_guest_overlay_config config = CTRT_GUEST_OVERLAY_CONFIG_INIT;
  config.address = "10.200.0.3/24";
  C_FAILS(CTRT_OP_PUSH_OVERLAY_CONFIG, ctrt_runtime_push_overlay_config(RT, conform_new_id(), &config),
          CTRT_ERROR_NOT_FOUND);
}

static void volumes_sync_exited(void) {
  /* Nothing to sync for an exited container either: success. */
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"true", NULL};
  int32_t code;
  if (conform_run(id, NULL, argv) && conform_wait(id, &code))
    C_OK(ctrt_runtime_sync_container_volumes(RT, id));
}

static void ports_published(void) {
  const ctrt_container_id *id = conform_new_id();
  ctrt_service_spec *spec = conform_spec(SLEEP);
  spec->port_mappings = calloc(1, sizeof *spec->port_mappings);
  spec->n_port_mappings = 1;
  spec->port_mappings[0] = (ctrt_port_mapping)CTRT_PORT_MAPPING_INIT;
  spec->port_mappings[0].container_port = 8080;
  ctrt_port_mapping_entry_list *list = NULL;
  if (!conform_run(id, spec, SLEEP) || !C_OK(ctrt_runtime_port_mappings_container(RT, &list, id)))
    return;
  bool v4 = false;
  for (size_t i = 0; i < list->n_items; i++) {
    const ctrt_port_mapping_entry *e = &list->items[i];
    C_CHECK(e->container_port == 8080 && e->protocol == CTRT_PORT_PROTOCOL_TCP, "the mapping is 8080/tcp");
    C_CHECK(e->has_host_port && e->host_port > 0, "a host port was assigned");
    v4 = v4 || (e->host_ip && strcmp(e->host_ip, "0.0.0.0") == 0);
  }
  C_CHECK(list->n_items >= 1 && v4, "bound on 0.0.0.0 (%zu entries)", list->n_items);
  ctrt_port_mapping_entry_list_free(list);
  ctrt_container_inspect_details *d = NULL;
  if (C_OK(ctrt_runtime_inspect_detailed(RT, &d, id))) {
    C_CHECK(d->n_ports >= 1 && d->ports[0].container_port == 8080, "inspect lists the published port");
    ctrt_container_inspect_details_free(d);
  }
}

static void ports_none(void) {
  const ctrt_container_id *id = conform_sleeper();
  ctrt_port_mapping_entry_list *list = NULL;
  if (id && C_OK(ctrt_runtime_port_mappings_container(RT, &list, id))) {
    C_EQ_INT(list->n_items, 0);
    ctrt_port_mapping_entry_list_free(list);
  }
}

static bool row_has(const ctrt_container_top_output *top, const char *text) {
  for (size_t r = 0; r < top->n_processes; r++)
    for (size_t c = 0; c < top->processes[r].n_items; c++)
      if (strstr(top->processes[r].items[c], text))
        return true;
  return false;
}

/* top of a container started by conform_sleeper, once it lists the sleep.
 * start returns once the runtime told its init to exec the command, not
 * once it did: for a moment the process is still the runtime's init (podman
 * under load listed no sleep, with and without ps arguments). Asked again
 * for up to 5 s; the caller's check then fails if it never shows. NULL when
 * a call failed (recorded). */
static ctrt_container_top_output *top_once_sleeping(const ctrt_container_id *id, const char *const *args,
                                                    size_t n_args) {
  ctrt_container_top_output *top = NULL;
  if (!C_OK(ctrt_runtime_top_container(RT, &top, id, args, n_args)))
    return NULL;
  for (int i = 0; i < 50 && !row_has(top, "sleep"); i++) {
    ctrt_container_top_output_free(top);
    top = NULL;
    conform_sleep_ms(100);
    if (!C_OK(ctrt_runtime_top_container(RT, &top, id, args, n_args)))
      return NULL;
  }
  return top;
}

static void top_default(void) {
  const ctrt_container_id *id = conform_sleeper();
  ctrt_container_top_output *top = id ? top_once_sleeping(id, NULL, 0) : NULL;
  if (top == NULL)
    return;
  bool has_pid = false;
  for (size_t i = 0; i < top->n_titles; i++)
    has_pid = has_pid || strcmp(top->titles[i], "PID") == 0;
  C_CHECK(has_pid, "the default columns include PID");
  C_CHECK(row_has(top, "sleep"), "the sleep process is listed");
  for (size_t r = 0; r < top->n_processes; r++)
    C_CHECK(top->processes[r].n_items == top->n_titles, "row %zu has a cell per title", r);
  ctrt_container_top_output_free(top);
}

static void top_aux(void) {
  const ctrt_container_id *id = conform_sleeper();
  static const char *const args[] = {"aux"};
  ctrt_container_top_output *top = id ? top_once_sleeping(id, args, 1) : NULL;
  if (top == NULL)
    return;
  bool has_user = false;
  for (size_t i = 0; i < top->n_titles; i++)
    has_user = has_user || strcmp(top->titles[i], "USER") == 0;
  C_CHECK(has_user, "ps aux columns include USER");
  C_CHECK(row_has(top, "sleep"), "the sleep process is listed");
  ctrt_container_top_output_free(top);
}

static void top_not_running(void) {
  const ctrt_container_id *id = conform_new_id();
  ctrt_container_top_output *top = NULL;
  if (conform_create(id, NULL, SLEEP))
    C_FAILS(CTRT_OP_TOP_CONTAINER, ctrt_runtime_top_container(RT, &top, id, NULL, 0), CTRT_ERROR_CONFLICT);
}

static int change_kind(const ctrt_filesystem_change_entry_list *l, const char *path) {
  for (size_t i = 0; i < l->n_items; i++)
    if (strcmp(l->items[i].path, path) == 0)
      return (int)l->items[i].kind;
  return -1;
}

static void changes_kinds(void) {
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {
      "sh", "-c", "mkdir /newdir && echo x > /newdir/f && echo changed >> /etc/group && rm /etc/passwd", NULL};
  int32_t code;
  ctrt_filesystem_change_entry_list *l = NULL;
  if (!conform_run(id, NULL, argv) || !conform_wait(id, &code) || !C_EQ_INT(code, 0) ||
      !C_OK(ctrt_runtime_changes_container(RT, &l, id)))
    return;
  C_EQ_INT(change_kind(l, "/newdir"), CTRT_FILESYSTEM_CHANGE_KIND_ADDED);
  C_EQ_INT(change_kind(l, "/newdir/f"), CTRT_FILESYSTEM_CHANGE_KIND_ADDED);
  C_EQ_INT(change_kind(l, "/etc/group"), CTRT_FILESYSTEM_CHANGE_KIND_MODIFIED);
  C_EQ_INT(change_kind(l, "/etc/passwd"), CTRT_FILESYSTEM_CHANGE_KIND_DELETED);
  C_EQ_INT(change_kind(l, "/etc"), CTRT_FILESYSTEM_CHANGE_KIND_MODIFIED);
  C_EQ_INT(change_kind(l, "/bin"), -1);
  ctrt_filesystem_change_entry_list_free(l);
}

static void changes_none(void) {
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {"true", NULL};
  int32_t code;
  ctrt_filesystem_change_entry_list *l = NULL;
  if (conform_run(id, NULL, argv) && conform_wait(id, &code) && C_OK(ctrt_runtime_changes_container(RT, &l, id))) {
    C_EQ_INT(l->n_items, 0);
    ctrt_filesystem_change_entry_list_free(l);
  }
}

static void stats_once(void) {
  const ctrt_container_id *id = conform_sleeper();
  ctrt_container_stats *s = NULL;
  if (!id || !C_OK(ctrt_runtime_get_container_stats(RT, &s, id)))
    return;
  C_CHECK(s->memory_bytes > 0, "a running container uses memory");
  C_CHECK(s->timestamp.seconds > 1600000000, "the sample has a timestamp");
  ctrt_container_stats_free(s);
}

/* No memory limit is 0 on every backend, one-shot and streamed (Docker and
 * podman report the host's memory there; the CRI no available bytes). */
static void stats_unlimited_memory(void) {
  const ctrt_container_id *id = conform_sleeper();
  ctrt_container_stats *once = NULL;
  if (!id || !C_OK(ctrt_runtime_get_container_stats(RT, &once, id)))
    return;
  C_EQ_INT(once->memory_limit, 0);
  ctrt_container_stats_free(once);
  ctrt_stats_stream *s = NULL;
  ctrt_stats_sample *sample = NULL;
  if (C_OK(ctrt_runtime_stats_stream(RT, &s, id)) && C_OK(ctrt_stats_stream_next(&sample, s)))
    C_EQ_INT(sample->mem_limit_bytes, 0);
  ctrt_stats_sample_free(sample);
  ctrt_stats_stream_close(s);
}

static void stats_stream_samples(void) {
  const ctrt_container_id *id = conform_sleeper();
  ctrt_stats_stream *s = NULL;
  if (!id || !C_OK(ctrt_runtime_stats_stream(RT, &s, id)))
    return;
  ctrt_stats_sample *a = NULL, *b = NULL;
  if (C_OK(ctrt_stats_stream_next(&a, s)) && C_OK(ctrt_stats_stream_next(&b, s))) {
    C_CHECK(b->cpu_total_ns >= a->cpu_total_ns, "CPU time does not go back");
    C_CHECK(b->net_rx_bytes >= a->net_rx_bytes, "network counters do not go back");
    C_CHECK(b->timestamp.seconds >= a->timestamp.seconds, "samples are in time order");
    C_CHECK(a->online_cpus >= 1 && a->pids_current >= 1, "CPUs and processes are counted");
    C_CHECK(a->mem_used_bytes > 0, "memory use is reported");
  }
  ctrt_stats_sample_free(a);
  ctrt_stats_sample_free(b);
  ctrt_stats_stream_close(s);
}

static void stats_stream_limits(void) {
  const ctrt_container_id *id = conform_sleeper();
  if (id == NULL)
    return;
  ctrt_container_resource_update u = CTRT_CONTAINER_RESOURCE_UPDATE_INIT;
  u.has_memory = u.has_memory_swap = true;
  u.memory = u.memory_swap = 128 * 1024 * 1024;
  u.has_pids_limit = true;
  u.pids_limit = 64;
  ctrt_container_update_outcome *o = NULL;
  if (!C_OK(ctrt_runtime_update_container_resources(RT, &o, id, &u)))
    return;
  ctrt_container_update_outcome_free(o);
  ctrt_stats_stream *s = NULL;
  ctrt_stats_sample *sample = NULL;
  if (C_OK(ctrt_runtime_stats_stream(RT, &s, id)) && C_OK(ctrt_stats_stream_next(&sample, s))) {
    C_EQ_INT(sample->mem_limit_bytes, 128 * 1024 * 1024);
    C_CHECK(sample->has_pids_limit && sample->pids_limit == 64, "the pids limit shows in the sample");
  }
  ctrt_stats_sample_free(sample);
  ctrt_stats_stream_close(s);
}

typedef struct stats_canceller {
  ctrt_stats_stream *s;
} stats_canceller;

static void *cancel_stats(void *arg) {
  ctrt_stats_stream_cancel(((stats_canceller *)arg)->s);
  return NULL;
}

static void stats_stream_cancel(void) {
  const ctrt_container_id *id = conform_sleeper();
  ctrt_stats_stream *s = NULL;
  ctrt_stats_sample *sample = NULL;
  if (!id || !C_OK(ctrt_runtime_stats_stream(RT, &s, id)))
    return;
  if (C_OK(ctrt_stats_stream_next(&sample, s)))
    ctrt_stats_sample_free(sample);
  stats_canceller c = {s};
  pthread_t t;
  pthread_create(&t, NULL, cancel_stats, &c);
  sample = NULL;
  int rc = ctrt_stats_stream_next(&sample, s);
  pthread_join(t, NULL);
  /* Samples already on their way may come first; then the cancel. */
  for (int i = 0; rc == 0 && i < 3; i++) {
    ctrt_stats_sample_free(sample);
    sample = NULL;
    rc = ctrt_stats_stream_next(&sample, s);
  }
  if (rc == 0)
    ctrt_stats_sample_free(sample);
  C_FAILS(CTRT_OP_STATS_STREAM, rc, CTRT_ERROR_CANCELLED);
  ctrt_stats_stream_close(s);
}

static void stats_missing(void) {
  ctrt_container_stats *s = NULL;
  C_FAILS(CTRT_OP_GET_CONTAINER_STATS, ctrt_runtime_get_container_stats(RT, &s, conform_new_id()),
          CTRT_ERROR_NOT_FOUND);
}

static void health_transitions(void) {
  const ctrt_container_id *id = conform_new_id();
  ctrt_service_spec *spec = conform_spec(SLEEP);
  spec->health_check = calloc(1, sizeof *spec->health_check);
  *spec->health_check = (ctrt_health_check_spec)CTRT_HEALTH_CHECK_SPEC_INIT;
  spec->health_check->cmd = calloc(3, sizeof(char *));
  spec->health_check->cmd[0] = strdup("CMD-SHELL");
  spec->health_check->cmd[1] = strdup("test -e /tmp/healthy");
  spec->health_check->n_cmd = 2;
  spec->health_check->has_interval = spec->health_check->has_retries = true;
  spec->health_check->interval = 1;
  spec->health_check->retries = 1;
  if (!conform_run(id, spec, SLEEP))
    return;
  /* Poll the status (with a generous bound: checks run every second). */
  ctrt_health_status seen = CTRT_HEALTH_STATUS_UNKNOWN;
  uint64_t deadline = conform_now_ms() + 120000;
  while (seen != CTRT_HEALTH_STATUS_UNHEALTHY && conform_now_ms() < deadline) {
    ctrt_container_inspect_details *d = NULL;
    if (!C_OK(ctrt_runtime_inspect_detailed(RT, &d, id)))
      return;
    seen = d->health ? d->health->status : CTRT_HEALTH_STATUS_UNKNOWN;
    ctrt_container_inspect_details_free(d);
    conform_sleep_ms(100);
  }
  C_CHECK(seen == CTRT_HEALTH_STATUS_UNHEALTHY, "a failing check makes the container unhealthy");
  static const char *const touch[] = {"touch", "/tmp/healthy", NULL};
  if (conform_exec(id, touch) == NULL)
    return;
  deadline = conform_now_ms() + 120000;
  while (seen != CTRT_HEALTH_STATUS_HEALTHY && conform_now_ms() < deadline) {
    ctrt_container_inspect_details *d = NULL;
    if (!C_OK(ctrt_runtime_inspect_detailed(RT, &d, id)))
      return;
    seen = d->health ? d->health->status : CTRT_HEALTH_STATUS_UNKNOWN;
    if (seen == CTRT_HEALTH_STATUS_HEALTHY)
      C_CHECK(d->health->has_failing_streak && d->health->failing_streak == 0, "a success resets the streak");
    ctrt_container_inspect_details_free(d);
    conform_sleep_ms(100);
  }
  C_CHECK(seen == CTRT_HEALTH_STATUS_HEALTHY, "once the check passes the container is healthy");
}

/* ---- more fields ---- */

static const ctrt_container_id *limited(int64_t memory, int64_t pids) {
  const ctrt_container_id *id = conform_new_id();
  ctrt_service_spec *spec = conform_spec(SLEEP);
  spec->resources = calloc(1, sizeof *spec->resources);
  *spec->resources = (ctrt_resources_spec)CTRT_RESOURCES_SPEC_INIT;
  spec->resources->has_memory = true;
  spec->resources->memory = (uint64_t)memory;
  spec->resources->has_pids_limit = true;
  spec->resources->pids_limit = pids;
  return conform_run(id, spec, SLEEP) ? id : NULL;
}

static int64_t wall_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec;
}

static void stats_once_limit(void) {
  /* The memory limit of the spec, and use within it. */
  const ctrt_container_id *id = limited(64 * 1024 * 1024, 32);
  ctrt_container_stats *s = NULL;
  int64_t before = wall_seconds();
  if (!id || !C_OK(ctrt_runtime_get_container_stats(RT, &s, id)))
    return;
  int64_t after = wall_seconds();
  C_EQ_INT(s->memory_limit, 64 * 1024 * 1024);
  C_CHECK(s->memory_bytes > 0 && s->memory_bytes <= s->memory_limit, "use (%llu) is within the limit",
          (unsigned long long)s->memory_bytes);
  C_CHECK(s->timestamp.seconds >= before - 5 && s->timestamp.seconds <= after + 5,
          "the sample is from now (%lld, called in [%lld, %lld])", (long long)s->timestamp.seconds, (long long)before,
          (long long)after);
  ctrt_container_stats_free(s);
}

static void stats_once_cpu_counts(void) {
  /* CPU time never goes back between two reads. */
  const ctrt_container_id *id = conform_sleeper();
  ctrt_container_stats *a = NULL, *b = NULL;
  if (id && C_OK(ctrt_runtime_get_container_stats(RT, &a, id)) && C_OK(ctrt_runtime_get_container_stats(RT, &b, id))) {
    C_CHECK(b->cpu_usage_usec >= a->cpu_usage_usec, "CPU time does not go back (%llu then %llu)",
            (unsigned long long)a->cpu_usage_usec, (unsigned long long)b->cpu_usage_usec);
    C_CHECK(b->timestamp.seconds >= a->timestamp.seconds, "samples are in time order");
  }
  ctrt_container_stats_free(a);
  ctrt_container_stats_free(b);
}

static void stats_stream_spec_limits(void) {
  /* Limits given at create show in the samples, with use within them. */
  const ctrt_container_id *id = limited(96 * 1024 * 1024, 48);
  ctrt_stats_stream *s = NULL;
  ctrt_stats_sample *sample = NULL;
  if (id && C_OK(ctrt_runtime_stats_stream(RT, &s, id)) && C_OK(ctrt_stats_stream_next(&sample, s))) {
    C_EQ_INT(sample->mem_limit_bytes, 96 * 1024 * 1024);
    C_CHECK(sample->mem_used_bytes > 0 && sample->mem_used_bytes <= sample->mem_limit_bytes,
            "use (%llu) is within the limit", (unsigned long long)sample->mem_used_bytes);
    C_CHECK(sample->has_pids_limit && sample->pids_limit == 48, "the pids limit of the spec shows");
    C_CHECK(sample->pids_current >= 1 && sample->pids_current <= 48, "processes (%llu) are within it",
            (unsigned long long)sample->pids_current);
  }
  ctrt_stats_sample_free(sample);
  ctrt_stats_stream_close(s);
}

static void stats_stream_consistent(void) {
  /* Fields agree with one another: the container's processes counted (the
   * main one and two exec sessions blocked in cat), its CPU time within
   * the system's, use within limits, the time now. */
  const ctrt_container_id *id = conform_sleeper();
  if (id == NULL)
    return;
  char *command[] = {"cat", NULL};
  ctrt_exec_handle *h[2] = {NULL, NULL};
  ctrt_stats_stream *s = NULL;
  ctrt_stats_sample *sample = NULL;
  for (int i = 0; i < 2; i++) {
    ctrt_exec_options o = CTRT_EXEC_OPTIONS_INIT;
    o.command = command;
    o.n_command = 1;
    o.attach_stdin = true;
    if (!C_OK(ctrt_runtime_exec_pty(RT, &h[i], id, &o)))
      goto out;
  }
  int64_t before = wall_seconds();
  if (!C_OK(ctrt_runtime_stats_stream(RT, &s, id)))
    goto out;
  /* Read samples until exactly the three are counted (while the sessions
   * start, the engine's helpers may be counted too; generous bound). */
  uint64_t deadline = conform_now_ms() + 60000;
  while (C_OK(ctrt_stats_stream_next(&sample, s))) {
    if (sample->pids_current == 3 || conform_now_ms() > deadline)
      break;
    ctrt_stats_sample_free(sample);
    sample = NULL;
  }
  int64_t after = wall_seconds();
  if (sample) {
    C_EQ_INT(sample->pids_current, 3);
    C_CHECK(sample->online_cpus >= 1, "CPUs are counted");
    C_CHECK(sample->cpu_total_ns <= sample->cpu_system_ns,
            "the container's CPU time (%llu) is within the system's (%llu)", (unsigned long long)sample->cpu_total_ns,
            (unsigned long long)sample->cpu_system_ns);
    C_CHECK(sample->mem_limit_bytes == 0 || sample->mem_used_bytes <= sample->mem_limit_bytes,
            "use is within the limit");
    C_CHECK(!sample->has_pids_limit || sample->pids_current <= sample->pids_limit, "processes are within the limit");
    C_CHECK(sample->timestamp.seconds >= before - 5 && sample->timestamp.seconds <= after + 5,
            "the sample is from now (%lld, read in [%lld, %lld])", (long long)sample->timestamp.seconds,
            (long long)before, (long long)after);
  }
out:
  ctrt_stats_sample_free(sample);
  ctrt_stats_stream_close(s);
  for (int i = 0; i < 2; i++) {
    int32_t code;
    if (h[i] && C_OK(ctrt_exec_handle_close_stdin(h[i])))
      C_OK(ctrt_exec_handle_wait(h[i], &code));
    ctrt_exec_handle_free(h[i]);
  }
}

static void stats_stream_missing(void) {
  ctrt_stats_stream *s = NULL;
  C_FAILS(CTRT_OP_STATS_STREAM, ctrt_runtime_stats_stream(RT, &s, conform_new_id()), CTRT_ERROR_NOT_FOUND);
}

static void top_missing(void) {
  ctrt_container_top_output *top = NULL;
  C_FAILS(CTRT_OP_TOP_CONTAINER, ctrt_runtime_top_container(RT, &top, conform_new_id(), NULL, 0), CTRT_ERROR_NOT_FOUND);
}

static void top_lists_main_pid(void) {
  /* top's PID column holds the pid get_container_pid reports. */
  const ctrt_container_id *id = conform_sleeper();
  bool has_pid = false;
  uint32_t pid = 0;
  ctrt_container_top_output *top = NULL;
  if (!id || !C_OK(ctrt_runtime_get_container_pid(RT, &has_pid, &pid, id)) || !C_TRUE(has_pid) ||
      !C_OK(ctrt_runtime_top_container(RT, &top, id, NULL, 0)))
    return;
  size_t col = top->n_titles;
  for (size_t i = 0; i < top->n_titles; i++)
    if (strcmp(top->titles[i], "PID") == 0)
      col = i;
  char want[16];
  snprintf(want, sizeof want, "%u", pid);
  bool found = false;
  for (size_t r = 0; col < top->n_titles && r < top->n_processes; r++)
    found = found || (col < top->processes[r].n_items && strcmp(top->processes[r].items[col], want) == 0);
  C_CHECK(found, "pid %s is listed", want);
  ctrt_container_top_output_free(top);
}

static void changes_missing(void) {
  ctrt_filesystem_change_entry_list *l = NULL;
  C_FAILS(CTRT_OP_CHANGES_CONTAINER, ctrt_runtime_changes_container(RT, &l, conform_new_id()), CTRT_ERROR_NOT_FOUND);
}

static void pid_and_ip_missing(void) {
  bool has_pid = false;
  uint32_t pid = 0;
  char *ip = NULL;
  C_FAILS(CTRT_OP_GET_CONTAINER_PID, ctrt_runtime_get_container_pid(RT, &has_pid, &pid, conform_new_id()),
          CTRT_ERROR_NOT_FOUND);
  C_FAILS(CTRT_OP_GET_CONTAINER_IP, ctrt_runtime_get_container_ip(RT, &ip, conform_new_id()), CTRT_ERROR_NOT_FOUND);
}

static void created_has_nothing_yet(void) {
  /* A container created but never started: no pid, no address, no exit
   * code, no network address in inspect. */
  const ctrt_container_id *id = conform_new_id();
  bool has_pid = true;
  uint32_t pid = 0;
  char *ip = NULL;
  ctrt_container_inspect_details *d = NULL;
  if (!conform_create(id, NULL, SLEEP))
    return;
  if (C_OK(ctrt_runtime_get_container_pid(RT, &has_pid, &pid, id)))
    C_CHECK(!has_pid, "no pid (got %u)", pid);
  if (C_OK(ctrt_runtime_get_container_ip(RT, &ip, id)))
    C_CHECK(ip == NULL, "no address (got %s)", ip ? ip : "");
  ctrt_free(ip);
  if (C_OK(ctrt_runtime_inspect_detailed(RT, &d, id))) {
    C_CHECK(d->ipv4 == NULL, "inspect has no address");
    C_CHECK(!d->has_exit_code, "inspect has no exit code (got %d)", d->exit_code);
    ctrt_container_inspect_details_free(d);
  }
}

static void inspect_address_agrees(void) {
  /* inspect's address, its network's address and get_container_ip agree. */
  const ctrt_container_id *id = conform_sleeper();
  char *ip = NULL;
  ctrt_container_inspect_details *d = NULL;
  if (!id || !C_OK(ctrt_runtime_get_container_ip(RT, &ip, id)) || !C_OK(ctrt_runtime_inspect_detailed(RT, &d, id))) {
    ctrt_free(ip);
    return;
  }
  C_CHECK(ip && d->ipv4 && strcmp(ip, d->ipv4) == 0, "inspect's ipv4 %s is get_container_ip's %s",
          d->ipv4 ? d->ipv4 : "(none)", ip ? ip : "(none)");
  if (C_CHECK(d->n_networks >= 1, "one network at least"))
    C_CHECK(d->networks[0].ipv4 && d->ipv4 && strcmp(d->networks[0].ipv4, d->ipv4) == 0,
            "the network's address is the container's");
  ctrt_free(ip);
  ctrt_container_inspect_details_free(d);
}

static void inspect_health_starting(void) {
  /* Before its first check a container's health is starting, streak 0. */
  const ctrt_container_id *id = conform_new_id();
  ctrt_service_spec *spec = conform_spec(SLEEP);
  spec->health_check = calloc(1, sizeof *spec->health_check);
  *spec->health_check = (ctrt_health_check_spec)CTRT_HEALTH_CHECK_SPEC_INIT;
  spec->health_check->cmd = calloc(3, sizeof(char *));
  spec->health_check->cmd[0] = strdup("CMD-SHELL");
  spec->health_check->cmd[1] = strdup("true");
  spec->health_check->n_cmd = 2;
  spec->health_check->has_interval = true;
  spec->health_check->interval = 3600;
  ctrt_container_inspect_details *d = NULL;
  if (!conform_run(id, spec, SLEEP) || !C_OK(ctrt_runtime_inspect_detailed(RT, &d, id)))
    return;
  if (C_CHECK(d->health != NULL, "a container with a health check has a health")) {
    C_EQ_INT(d->health->status, CTRT_HEALTH_STATUS_STARTING);
    C_CHECK(!d->health->has_failing_streak || d->health->failing_streak == 0, "no failure yet");
  }
  ctrt_container_inspect_details_free(d);
}

static void ports_udp(void) {
  const ctrt_container_id *id = conform_new_id();
  ctrt_service_spec *spec = conform_spec(SLEEP);
  spec->port_mappings = calloc(1, sizeof *spec->port_mappings);
  spec->n_port_mappings = 1;
  spec->port_mappings[0] = (ctrt_port_mapping)CTRT_PORT_MAPPING_INIT;
  spec->port_mappings[0].container_port = 5353;
  spec->port_mappings[0].protocol = CTRT_PORT_PROTOCOL_UDP;
  ctrt_port_mapping_entry_list *list = NULL;
  if (!conform_run(id, spec, SLEEP) || !C_OK(ctrt_runtime_port_mappings_container(RT, &list, id)))
    return;
  C_CHECK(list->n_items >= 1, "the port is mapped (%zu entries)", list->n_items);
  for (size_t i = 0; i < list->n_items; i++) {
    const ctrt_port_mapping_entry *e = &list->items[i];
    C_CHECK(e->container_port == 5353 && e->protocol == CTRT_PORT_PROTOCOL_UDP, "the mapping is 5353/udp");
    C_CHECK(e->has_host_port && e->host_port > 0, "a host port was assigned");
  }
  ctrt_port_mapping_entry_list_free(list);
}

static void ports_missing(void) {
  ctrt_port_mapping_entry_list *list = NULL;
  C_FAILS(CTRT_OP_PORT_MAPPINGS_CONTAINER, ctrt_runtime_port_mappings_container(RT, &list, conform_new_id()),
          CTRT_ERROR_NOT_FOUND);
}

#define RUNNING CTRT_OP_CREATE_CONTAINER, CTRT_OP_START_CONTAINER

static const conform_case cases[] = {
    CONFORM_CASE("inspection.inspect_running", inspect_running, "inspect_detailed of a running container.",
                 TESTS(CTRT_OP_INSPECT_DETAILED), USES(RUNNING)),
    CONFORM_CASE("inspection.inspect_exited", inspect_exited, "inspect_detailed after exit 9.",
                 TESTS(CTRT_OP_INSPECT_DETAILED), USES(RUNNING, CTRT_OP_WAIT_CONTAINER)),
    CONFORM_CASE("inspection.inspect_missing", inspect_missing, "Inspecting an unknown container: not found.",
                 TESTS(CTRT_OP_INSPECT_DETAILED)),
    CONFORM_CASE("inspection.inspect_address_agrees", inspect_address_agrees,
                 "inspect's address, its network's and get_container_ip's agree.",
                 TESTS(CTRT_OP_INSPECT_DETAILED, CTRT_OP_GET_CONTAINER_IP), USES(RUNNING)),
    CONFORM_CASE("inspection.inspect_health_starting", inspect_health_starting,
                 "Before its first check a container's health is starting.", TESTS(CTRT_OP_INSPECT_DETAILED),
                 USES(RUNNING)),
    CONFORM_CASE("inspection.created_has_nothing_yet", created_has_nothing_yet,
                 "A created container has no pid, address or exit code.",
                 TESTS(CTRT_OP_GET_CONTAINER_PID, CTRT_OP_GET_CONTAINER_IP, CTRT_OP_INSPECT_DETAILED),
                 USES(CTRT_OP_CREATE_CONTAINER)),
    CONFORM_CASE("inspection.pid_and_ip", pid_and_ip, "pid and address while running, absent once stopped.",
                 TESTS(CTRT_OP_GET_CONTAINER_PID, CTRT_OP_GET_CONTAINER_IP), USES(RUNNING, CTRT_OP_STOP_CONTAINER)),
    CONFORM_CASE("inspection.pid_and_ip_missing", pid_and_ip_missing, "pid and address of an unknown container.",
                 TESTS(CTRT_OP_GET_CONTAINER_PID, CTRT_OP_GET_CONTAINER_IP)),
    CONFORM_CASE("inspection.port_override_absent", port_override_absent, "No port override.",
                 TESTS(CTRT_OP_GET_CONTAINER_PORT_OVERRIDE), USES(RUNNING)),
    CONFORM_CASE("inspection.port_override_published", port_override_published,
                 "A published port is not a port override.", TESTS(CTRT_OP_GET_CONTAINER_PORT_OVERRIDE), USES(RUNNING)),
    CONFORM_CASE("inspection.overlay_config_missing", overlay_config_missing,
                 "push_overlay_config to an unknown container: not found.", TESTS(CTRT_OP_PUSH_OVERLAY_CONFIG)),
    CONFORM_CASE("inspection.volumes_sync_exited", volumes_sync_exited,
                 "sync_container_volumes of an exited container succeeds.", TESTS(CTRT_OP_SYNC_CONTAINER_VOLUMES),
                 USES(RUNNING, CTRT_OP_WAIT_CONTAINER)),
    CONFORM_CASE("inspection.overlay_attach_kind", overlay_attach, "Containers attach in the host's namespace.",
                 TESTS(CTRT_OP_OVERLAY_ATTACH_KIND)),
    CONFORM_CASE("inspection.overlay_attach_kind_stable", overlay_attach_stable,
                 "The attach kind is a known kind, the same on every call.", TESTS(CTRT_OP_OVERLAY_ATTACH_KIND)),
    CONFORM_CASE("inspection.overlay_config_push", overlay_config_push, "push_overlay_config to a running container.",
                 TESTS(CTRT_OP_PUSH_OVERLAY_CONFIG), USES(RUNNING)),
    CONFORM_CASE("inspection.volumes_sync", volumes_sync, "sync_container_volumes succeeds.",
                 TESTS(CTRT_OP_SYNC_CONTAINER_VOLUMES), USES(RUNNING)),
    CONFORM_CASE("inspection.ports_published", ports_published, "A published port shows in both views.",
                 TESTS(CTRT_OP_PORT_MAPPINGS_CONTAINER, CTRT_OP_INSPECT_DETAILED), USES(RUNNING)),
    CONFORM_CASE("inspection.ports_none", ports_none, "No published port, no mapping.",
                 TESTS(CTRT_OP_PORT_MAPPINGS_CONTAINER), USES(RUNNING)),
    CONFORM_CASE("inspection.ports_udp", ports_udp, "A published UDP port is mapped as udp.",
                 TESTS(CTRT_OP_PORT_MAPPINGS_CONTAINER), USES(RUNNING)),
    CONFORM_CASE("inspection.ports_missing", ports_missing, "Port mappings of an unknown container: not found.",
                 TESTS(CTRT_OP_PORT_MAPPINGS_CONTAINER)),
    CONFORM_CASE("inspection.top_default", top_default, "top with default columns lists the process.",
                 TESTS(CTRT_OP_TOP_CONTAINER), USES(RUNNING)),
    CONFORM_CASE("inspection.top_aux", top_aux, "top with ps aux columns.", TESTS(CTRT_OP_TOP_CONTAINER),
                 USES(RUNNING)),
    CONFORM_CASE("inspection.top_lists_main_pid", top_lists_main_pid, "top's PID column holds the main process's pid.",
                 TESTS(CTRT_OP_TOP_CONTAINER), USES(RUNNING, CTRT_OP_GET_CONTAINER_PID)),
    CONFORM_CASE("inspection.top_not_running", top_not_running, "top of a created container: conflict.",
                 TESTS(CTRT_OP_TOP_CONTAINER), USES(CTRT_OP_CREATE_CONTAINER)),
    CONFORM_CASE("inspection.top_missing", top_missing, "top of an unknown container: not found.",
                 TESTS(CTRT_OP_TOP_CONTAINER)),
    CONFORM_CASE("inspection.changes_kinds", changes_kinds, "changes: added, modified and deleted, parents modified.",
                 TESTS(CTRT_OP_CHANGES_CONTAINER), USES(RUNNING, CTRT_OP_WAIT_CONTAINER)),
    CONFORM_CASE("inspection.changes_none", changes_none, "A container that writes nothing has no changes.",
                 TESTS(CTRT_OP_CHANGES_CONTAINER), USES(RUNNING, CTRT_OP_WAIT_CONTAINER)),
    CONFORM_CASE("inspection.changes_missing", changes_missing, "changes of an unknown container: not found.",
                 TESTS(CTRT_OP_CHANGES_CONTAINER)),
    CONFORM_CASE("inspection.stats_once", stats_once, "get_container_stats of a running container.",
                 TESTS(CTRT_OP_GET_CONTAINER_STATS), USES(RUNNING)),
    CONFORM_CASE("inspection.stats_once_limit", stats_once_limit,
                 "get_container_stats: the spec's memory limit, use within it, a current timestamp.",
                 TESTS(CTRT_OP_GET_CONTAINER_STATS), USES(RUNNING)),
    CONFORM_CASE("inspection.stats_once_cpu_counts", stats_once_cpu_counts,
                 "get_container_stats: CPU time and timestamps do not go back.", TESTS(CTRT_OP_GET_CONTAINER_STATS),
                 USES(RUNNING)),
    CONFORM_CASE("inspection.stats_missing", stats_missing, "Stats of an unknown container: not found.",
                 TESTS(CTRT_OP_GET_CONTAINER_STATS)),
    CONFORM_CASE("inspection.stats_unlimited_memory", stats_unlimited_memory,
                 "No memory limit is reported as 0 (unlimited) by get_container_stats and stats_stream.",
                 TESTS(CTRT_OP_GET_CONTAINER_STATS, CTRT_OP_STATS_STREAM), USES(RUNNING)),
    CONFORM_CASE("inspection.stats_stream_samples", stats_stream_samples, "Two samples with monotonic counters.",
                 TESTS(CTRT_OP_STATS_STREAM), USES(RUNNING), SLOW),
    CONFORM_CASE("inspection.stats_stream_limits", stats_stream_limits, "Limits set by update show in samples.",
                 TESTS(CTRT_OP_STATS_STREAM), USES(RUNNING, CTRT_OP_UPDATE_CONTAINER_RESOURCES)),
    CONFORM_CASE("inspection.stats_stream_spec_limits", stats_stream_spec_limits,
                 "Limits given at create show in samples, use within them.", TESTS(CTRT_OP_STATS_STREAM),
                 USES(RUNNING)),
    CONFORM_CASE("inspection.stats_stream_consistent", stats_stream_consistent,
                 "A sample counts the container's three processes; its fields agree with one another.",
                 TESTS(CTRT_OP_STATS_STREAM), USES(RUNNING, CTRT_OP_EXEC_PTY)),
    CONFORM_CASE("inspection.stats_stream_cancel", stats_stream_cancel, "Cancel a stats stream from another thread.",
                 TESTS(CTRT_OP_STATS_STREAM), USES(RUNNING)),
    CONFORM_CASE("inspection.stats_stream_missing", stats_stream_missing,
                 "A stats stream of an unknown container: not found.", TESTS(CTRT_OP_STATS_STREAM)),
    CONFORM_CASE("inspection.health_transitions", health_transitions,
                 "A health check goes unhealthy, then healthy once it passes.", TESTS(CTRT_OP_INSPECT_DETAILED),
                 USES(RUNNING, CTRT_OP_EXEC), TIMEOUT_S(300), SLOW),
};

const conform_area conform_area_inspection = CONFORM_AREA("inspection", cases);
