/* SPDX-License-Identifier: MIT */
/* Conversions between Docker's JSON and the interface's types, free of any
 * exchange: ServiceSpec -> create body, inspect -> state, details, ports,
 * wait -> outcome, stats, log timestamps, image lists, progress lines. */
#include "backends/docker/docker_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

/* Memory limits at or above this mean "unlimited" (cgroup v1 reports
 * 0x7FFFFFFFFFFFF000, cgroup v2 "max"). */
#define UNLIMITED_FLOOR (UINT64_C(1) << 62)
#define NS_PER_SECOND INT64_C(1000000000)

/* ---- small JSON helpers ---- */

/* Object member by a dotted path ("cpu_stats.cpu_usage.total_usage"). */
static const json_t *at(const json_t *obj, const char *path) {
  char key[64];
  while (obj != NULL && *path) {
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    if (n >= sizeof key)
      return NULL;
    memcpy(key, path, n);
    key[n] = '\0';
    obj = json_object_get(obj, key);
    path += dot ? n + 1 : n;
  }
  return obj;
}

static uint64_t u64_at(const json_t *obj, const char *path) {
  const json_t *v = at(obj, path);
  if (json_is_integer(v))
    return json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
  if (json_is_real(v))
    return json_real_value(v) > 0 ? (uint64_t)json_real_value(v) : 0;
  return 0;
}

static const char *str_at(const json_t *obj, const char *path) { return json_string_value(at(obj, path)); }

static int dup_opt(char **out, const char *text) {
  *out = NULL;
  if (ctrt__docker_blank(text))
    return 0;
  return (*out = ctrt__strdup(text)) ? 0 : ctrt__error_no_memory();
}

/* A JSON array of strings -> a new list (NULL entries skipped). */
static int dup_strings(char ***items, size_t *n, const json_t *array) {
  *items = NULL;
  *n = 0;
  size_t count = json_array_size(array);
  if (count == 0)
    return 0;
  char **list = ctrt__calloc(count, sizeof *list);
  if (list == NULL)
    return ctrt__error_no_memory();
  size_t used = 0;
  for (size_t i = 0; i < count; i++) {
    const char *text = json_string_value(json_array_get(array, i));
    if (text == NULL)
      continue;
    if ((list[used] = ctrt__strdup(text)) == NULL) {
      ctrt__clear_array_string(list, used);
      return ctrt__error_no_memory();
    }
    used++;
  }
  *items = list;
  *n = used;
  return 0;
}

static json_t *string_array(char *const *items, size_t n) {
  json_t *array = json_array();
  for (size_t i = 0; array && i < n; i++) {
    if (json_array_append_new(array, json_string(items[i] ? items[i] : "")) != 0) {
      json_decref(array);
      return NULL;
    }
  }
  return array;
}

/* Parse an RFC 3339 instant; Go's zero time ("0001-01-01T00:00:00Z") and
 * anything unparsable count as absent. */
static bool parse_time(const char *text, ctrt_timestamp *ts) {
  if (ctrt__docker_blank(text) || strncmp(text, "0001-01-01", 10) == 0)
    return false;
  return ctrt__timestamp_parse(ts, text) == 0;
}

/* ---- ServiceSpec -> POST /containers/create body ---- */

typedef struct builder {
  bool failed;
} builder;

static void set(builder *b, json_t *obj, const char *key, json_t *value) {
  if (value == NULL || json_object_set_new(obj, key, value) != 0)
    b->failed = true;
}

static void set_string(builder *b, json_t *obj, const char *key, const char *text) {
  if (text != NULL)
    set(b, obj, key, json_string(text));
}

static void set_strings(builder *b, json_t *obj, const char *key, char *const *items, size_t n) {
  if (n > 0)
    set(b, obj, key, string_array(items, n));
}

static json_t *env_array(const ctrt_service_spec *spec) {
  json_t *array = json_array();
  for (size_t i = 0; array && i < spec->n_env; i++) {
    const ctrt_string_map_entry *e = &spec->env[i];
    char *line = ctrt__sprintf("%s=%s", e->key ? e->key : "", e->value ? e->value : "");
    if (line == NULL || json_array_append_new(array, json_string(line)) != 0) {
      if (line != NULL)
        memset(line, 0, strlen(line)); /* may carry the injected token */
      ctrt__free(line);
      json_decref(array);
      return NULL;
    }
    memset(line, 0, strlen(line));
    ctrt__free(line);
  }
  return array;
}

static json_t *labels_object(const ctrt_service_spec *spec, const char *label_key, const char *display) {
  json_t *labels = json_object();
  for (size_t i = 0; labels && i < spec->n_labels; i++) {
    const ctrt_string_map_entry *e = &spec->labels[i];
    if (e->key && json_object_set_new(labels, e->key, json_string(e->value ? e->value : "")) != 0) {
      json_decref(labels);
      return NULL;
    }
  }
  /* The managed label wins over a user label of the same key. */
  if (labels && json_object_set_new(labels, label_key, json_string(display)) != 0) {
    json_decref(labels);
    return NULL;
  }
  return labels;
}

static const char *protocol_name(ctrt_port_protocol p) {
  const char *name = ctrt_port_protocol_to_string(p);
  return name ? name : "tcp";
}

/* ExposedPorts {"8080/tcp": {}} and PortBindings {"8080/tcp": [{HostIp, HostPort}]}. */
static void ports(builder *b, json_t *config, json_t *host, const ctrt_service_spec *spec) {
  if (spec->n_port_mappings == 0)
    return;
  json_t *exposed = json_object(), *bindings = json_object();
  if (exposed == NULL || bindings == NULL)
    b->failed = true;
  for (size_t i = 0; !b->failed && i < spec->n_port_mappings; i++) {
    const ctrt_port_mapping *pm = &spec->port_mappings[i];
    char key[32], host_port[8] = "";
    snprintf(key, sizeof key, "%u/%s", (unsigned)pm->container_port, protocol_name(pm->protocol));
    if (pm->has_host_port)
      snprintf(host_port, sizeof host_port, "%u", (unsigned)pm->host_port);
    json_t *binding = json_pack("{s:s,s:s}", "HostIp", pm->host_ip ? pm->host_ip : "0.0.0.0", "HostPort", host_port);
    json_t *list = json_object_get(bindings, key);
    if (list == NULL) {
      list = json_array();
      set(b, bindings, key, list);
      set(b, exposed, key, json_object());
    }
    if (binding == NULL || list == NULL || json_array_append_new(list, binding) != 0)
      b->failed = true;
  }
  set(b, config, "ExposedPorts", exposed);
  set(b, host, "PortBindings", bindings);
}

static void mounts(builder *b, json_t *host, const ctrt_service_spec *spec) {
  if (spec->n_mounts == 0)
    return;
  json_t *binds = json_array();
  if (binds == NULL)
    b->failed = true;
  for (size_t i = 0; binds && i < spec->n_mounts; i++) {
    const ctrt_mount_spec *m = &spec->mounts[i];
    char *bind =
        ctrt__sprintf("%s:%s%s", m->source ? m->source : "", m->target ? m->target : "", m->read_only ? ":ro" : "");
    if (bind == NULL || json_array_append_new(binds, json_string(bind)) != 0)
      b->failed = true;
    ctrt__free(bind);
  }
  set(b, host, "Binds", binds);
}

static void resources(builder *b, json_t *host, const ctrt_resources_spec *r) {
  if (r == NULL)
    return;
  if (r->has_memory)
    set(b, host, "Memory", json_integer(r->memory > INT64_MAX ? INT64_MAX : (json_int_t)r->memory));
  if (r->has_cpu)
    set(b, host, "NanoCpus", json_integer((json_int_t)llround(r->cpu * 1e9)));
  if (r->has_pids_limit)
    set(b, host, "PidsLimit", json_integer(r->pids_limit));
}

static void restart_policy(builder *b, json_t *host, const ctrt_restart_policy *p) {
  if (p == NULL)
    return;
  const char *name = ctrt_restart_policy_name_to_string(p->name);
  json_t *policy = json_pack("{s:s}", "Name", name ? name : "");
  /* Docker refuses a retry count with any policy but on-failure. */
  if (policy && p->name == CTRT_RESTART_POLICY_NAME_ON_FAILURE)
    set(b, policy, "MaximumRetryCount", json_integer(p->maximum_retry_count));
  set(b, host, "RestartPolicy", policy);
}

static void healthcheck(builder *b, json_t *config, const ctrt_health_check_spec *h) {
  if (h == NULL)
    return;
  json_t *check = json_object();
  if (check == NULL) {
    b->failed = true;
    return;
  }
  if (h->n_cmd > 0) {
    const char *first = h->cmd[0] ? h->cmd[0] : "";
    bool kind_given = strcmp(first, "CMD") == 0 || strcmp(first, "CMD-SHELL") == 0 || strcmp(first, "NONE") == 0;
    json_t *test = kind_given ? json_array() : json_pack("[s]", "CMD");
    for (size_t i = 0; test && i < h->n_cmd; i++)
      if (json_array_append_new(test, json_string(h->cmd[i] ? h->cmd[i] : "")) != 0)
        b->failed = true;
    set(b, check, "Test", test);
  }
  /* Docker wants nanoseconds. */
  if (h->has_interval)
    set(b, check, "Interval", json_integer((json_int_t)h->interval * NS_PER_SECOND));
  if (h->has_timeout)
    set(b, check, "Timeout", json_integer((json_int_t)h->timeout * NS_PER_SECOND));
  if (h->has_retries)
    set(b, check, "Retries", json_integer(h->retries));
  set(b, config, "Healthcheck", check);
}

int ctrt__docker_create_body(json_t **out, const ctrt_service_spec *spec, const char *label_key, const char *display) {
  *out = NULL;
  builder b = {false};
  json_t *config = json_object(), *host = json_object();
  if (config == NULL || host == NULL) {
    json_decref(config);
    json_decref(host);
    return ctrt__error_no_memory();
  }
  set_string(&b, config, "Image", spec->image.name ? spec->image.name : "");
  const ctrt_command_spec *cmd = spec->command;
  /* Absent entrypoint or args: the image's own. */
  if (cmd && cmd->has_entrypoint)
    set(&b, config, "Entrypoint", string_array(cmd->entrypoint, cmd->n_entrypoint));
  if (cmd && cmd->has_args)
    set(&b, config, "Cmd", string_array(cmd->args, cmd->n_args));
  if (cmd && !ctrt__docker_blank(cmd->workdir))
    set_string(&b, config, "WorkingDir", cmd->workdir);
  if (spec->n_env > 0)
    set(&b, config, "Env", env_array(spec));
  set(&b, config, "Labels", labels_object(spec, label_key, display));
  if (!ctrt__docker_blank(spec->user))
    set_string(&b, config, "User", spec->user);
  set(&b, config, "Tty", json_boolean(spec->tty));
  if (spec->stdin_open) {
    /* StdinOnce: closing the attach stream ends the process's input. */
    set(&b, config, "OpenStdin", json_true());
    set(&b, config, "AttachStdin", json_true());
    set(&b, config, "StdinOnce", json_true());
  }
  ports(&b, config, host, spec);
  healthcheck(&b, config, spec->health_check);
  mounts(&b, host, spec);
  set_strings(&b, host, "CapAdd", spec->capabilities, spec->n_capabilities);
  set_strings(&b, host, "CapDrop", spec->cap_drop, spec->n_cap_drop);
  if (spec->privileged)
    set(&b, host, "Privileged", json_true());
  if (spec->host_network)
    set_string(&b, host, "NetworkMode", "host");
  set_strings(&b, host, "Dns", spec->dns, spec->n_dns);
  set_strings(&b, host, "ExtraHosts", spec->extra_hosts, spec->n_extra_hosts);
  restart_policy(&b, host, spec->restart_policy);
  resources(&b, host, spec->resources);
  set(&b, config, "HostConfig", host);
  if (b.failed) {
    json_decref(config);
    return ctrt__error_no_memory();
  }
  *out = config;
  return 0;
}

/* ---- container state ---- */

static int new_state(ctrt_container_state **out, ctrt_container_state_kind kind) {
  *out = ctrt__malloc(sizeof **out);
  if (*out == NULL)
    return ctrt__error_no_memory();
  **out = (ctrt_container_state)CTRT_CONTAINER_STATE_INIT;
  (*out)->kind = kind;
  return 0;
}

int ctrt__docker_state_from_inspect(ctrt_container_state **out, const json_t *inspect) {
  *out = NULL;
  const json_t *state = json_object_get(inspect, "State");
  const char *status = json_string_value(json_object_get(state, "Status"));
  if (status == NULL)
    return ctrt__error_internal("container_state: the Docker daemon's answer has no State.Status");
  if (strcmp(status, "created") == 0)
    return new_state(out, CTRT_CONTAINER_STATE_PENDING);
  if (strcmp(status, "running") == 0 || strcmp(status, "paused") == 0)
    return new_state(out, CTRT_CONTAINER_STATE_RUNNING);
  if (strcmp(status, "restarting") == 0)
    return new_state(out, CTRT_CONTAINER_STATE_INITIALIZING);
  if (strcmp(status, "removing") == 0)
    return new_state(out, CTRT_CONTAINER_STATE_STOPPING);
  if (strcmp(status, "exited") == 0) {
    int rc = new_state(out, CTRT_CONTAINER_STATE_EXITED);
    if (rc == 0)
      (*out)->exited.code = (int32_t)json_integer_value(json_object_get(state, "ExitCode"));
    return rc;
  }
  if (strcmp(status, "dead") == 0) {
    int rc = new_state(out, CTRT_CONTAINER_STATE_FAILED);
    if (rc < 0)
      return rc;
    const char *error = json_string_value(json_object_get(state, "Error"));
    (*out)->failed.reason = ctrt__strdup(ctrt__docker_blank(error) ? "container is dead" : error);
    if ((*out)->failed.reason == NULL) {
      ctrt_container_state_free(*out);
      *out = NULL;
      return ctrt__error_no_memory();
    }
    return 0;
  }
  return ctrt__error_internal("container_state: unknown Docker state \"%s\"", status);
}

/* ---- wait ---- */

int ctrt__docker_wait_classify(ctrt_wait_outcome **out, const json_t *wait, const json_t *inspect) {
  *out = NULL;
  const json_t *code = json_object_get(wait, "StatusCode");
  if (!json_is_integer(code))
    return ctrt__error_internal("wait_outcome: the Docker daemon's wait answer lacks the integer StatusCode");
  ctrt_wait_outcome *o = ctrt__malloc(sizeof *o);
  if (o == NULL)
    return ctrt__error_no_memory();
  *o = (ctrt_wait_outcome)CTRT_WAIT_OUTCOME_INIT;
  o->exit_code = (int32_t)json_integer_value(code);
  const json_t *state = json_object_get(inspect, "State");
  const char *error =
      inspect ? json_string_value(json_object_get(state, "Error")) : json_string_value(at(wait, "Error.Message"));
  int rc = 0;
  if (json_is_true(json_object_get(state, "OOMKilled"))) {
    o->reason = CTRT_WAIT_REASON_OOM_KILLED;
  } else if (o->exit_code > 128) {
    o->reason = CTRT_WAIT_REASON_SIGNAL;
    rc = ctrt_signal_name_from_exit_code(&o->signal, o->exit_code);
  } else if (!ctrt__docker_blank(error)) {
    o->reason = CTRT_WAIT_REASON_RUNTIME_ERROR;
  } else {
    o->reason = CTRT_WAIT_REASON_EXITED;
  }
  o->has_finished_at = parse_time(json_string_value(json_object_get(state, "FinishedAt")), &o->finished_at);
  if (rc < 0) {
    ctrt_wait_outcome_free(o);
    return rc;
  }
  *out = o;
  return 0;
}

/* ---- stats ---- */

static uint64_t memory_used(const json_t *stats) {
  uint64_t usage = u64_at(stats, "memory_stats.usage");
  uint64_t cache = u64_at(stats, "memory_stats.stats.cache");
  return cache <= usage ? usage - cache : usage;
}

static void sum_blkio(const json_t *stats, uint64_t *read, uint64_t *write) {
  const json_t *entries = at(stats, "blkio_stats.io_service_bytes_recursive");
  size_t i;
  const json_t *e;
  json_array_foreach(entries, i, e) {
    const char *op = json_string_value(json_object_get(e, "op"));
    if (op && strcasecmp(op, "read") == 0)
      *read += u64_at(e, "value");
    else if (op && strcasecmp(op, "write") == 0)
      *write += u64_at(e, "value");
  }
}

static ctrt_timestamp read_time(const json_t *stats) {
  ctrt_timestamp ts = {0, 0};
  if (!parse_time(json_string_value(json_object_get(stats, "read")), &ts))
    ts = ctrt__timestamp_now();
  return ts;
}

int ctrt__docker_stats_sample(ctrt_stats_sample **out, const json_t *stats) {
  *out = NULL;
  if (!json_is_object(stats))
    return ctrt__error_internal("stats_stream: a stats sample of the Docker daemon is not an object");
  ctrt_stats_sample *s = ctrt__calloc(1, sizeof *s);
  if (s == NULL)
    return ctrt__error_no_memory();
  *s = (ctrt_stats_sample)CTRT_STATS_SAMPLE_INIT;
  s->cpu_total_ns = u64_at(stats, "cpu_stats.cpu_usage.total_usage");
  s->cpu_system_ns = u64_at(stats, "cpu_stats.system_cpu_usage");
  uint64_t cpus = u64_at(stats, "cpu_stats.online_cpus");
  if (cpus == 0)
    cpus = json_array_size(at(stats, "cpu_stats.cpu_usage.percpu_usage"));
  s->online_cpus = cpus > UINT32_MAX ? UINT32_MAX : (uint32_t)cpus;
  s->mem_used_bytes = memory_used(stats);
  uint64_t limit = u64_at(stats, "memory_stats.limit");
  s->mem_limit_bytes = limit >= UNLIMITED_FLOOR ? 0 : limit;
  const json_t *networks = json_object_get(stats, "networks");
  const char *name;
  const json_t *net;
  json_object_foreach((json_t *)networks, name, net) {
    s->net_rx_bytes += u64_at(net, "rx_bytes");
    s->net_tx_bytes += u64_at(net, "tx_bytes");
  }
  sum_blkio(stats, &s->blkio_read_bytes, &s->blkio_write_bytes);
  s->pids_current = u64_at(stats, "pids_stats.current");
  uint64_t pids_limit = u64_at(stats, "pids_stats.limit");
  if (pids_limit > 0 && pids_limit < UNLIMITED_FLOOR) {
    s->has_pids_limit = true;
    s->pids_limit = pids_limit;
  }
  s->timestamp = read_time(stats);
  *out = s;
  return 0;
}

int ctrt__docker_container_stats(ctrt_container_stats **out, const json_t *stats) {
  *out = NULL;
  if (!json_is_object(stats))
    return ctrt__error_internal("get_container_stats: the Docker daemon's stats answer is not an object");
  ctrt_container_stats *s = ctrt__malloc(sizeof *s);
  if (s == NULL)
    return ctrt__error_no_memory();
  *s = (ctrt_container_stats)CTRT_CONTAINER_STATS_INIT;
  s->cpu_usage_usec = u64_at(stats, "cpu_stats.cpu_usage.total_usage") / 1000;
  s->memory_bytes = memory_used(stats);
  uint64_t limit = u64_at(stats, "memory_stats.limit");
  s->memory_limit = limit == 0 || limit >= UNLIMITED_FLOOR ? UINT64_MAX : limit;
  s->timestamp = read_time(stats);
  *out = s;
  return 0;
}

/* ---- logs ---- */

bool ctrt__docker_log_timestamp(const char *text, size_t len, ctrt_timestamp *ts, size_t *rest_offset) {
  /* "2026-11-28T11:44:42.367997686Z " is 31 bytes; offsets make it longer. */
  char stamp[48];
  size_t i = 0;
  while (i < len && i < sizeof stamp - 1 && text[i] != ' ')
    i++;
  if (i == len || text[i] != ' ' || i < 20)
    return false;
  memcpy(stamp, text, i);
  stamp[i] = '\0';
  if (ctrt__timestamp_parse(ts, stamp) < 0) {
    ctrt_error_clear();
    return false;
  }
  *rest_offset = i + 1;
  return true;
}

/* ---- images ---- */

/* The digest of reference's repository among RepoDigests ("repo@sha256:x"). */
static const char *digest_for(const json_t *repo_digests, const char *reference) {
  const char *first = NULL;
  size_t i;
  const json_t *v;
  json_array_foreach(repo_digests, i, v) {
    const char *rd = json_string_value(v);
    const char *at_sign = rd ? strchr(rd, '@') : NULL;
    if (at_sign == NULL)
      continue;
    if (first == NULL)
      first = at_sign + 1;
    if (reference == NULL)
      return at_sign + 1;
    /* The tag's repository: everything before the tag's last ':' after its last '/'. */
    const char *slash = strrchr(reference, '/');
    const char *colon = strrchr(slash ? slash : reference, ':');
    size_t repo_len = colon ? (size_t)(colon - reference) : strlen(reference);
    if ((size_t)(at_sign - rd) == repo_len && strncmp(rd, reference, repo_len) == 0)
      return at_sign + 1;
  }
  return reference == NULL ? first : NULL;
}

static int image_info(ctrt_image_info *info, const char *reference, const json_t *image, bool by_id) {
  *info = (ctrt_image_info)CTRT_IMAGE_INFO_INIT;
  const char *digest = digest_for(json_object_get(image, "RepoDigests"), by_id ? NULL : reference);
  info->reference = ctrt__strdup(reference);
  int rc = info->reference ? dup_opt(&info->digest, digest) : ctrt__error_no_memory();
  const json_t *size = json_object_get(image, "Size");
  if (json_is_integer(size) && json_integer_value(size) >= 0) {
    info->has_size_bytes = true;
    info->size_bytes = (uint64_t)json_integer_value(size);
  }
  return rc;
}

int ctrt__docker_image_infos(ctrt_image_info_list **out, const json_t *images) {
  *out = NULL;
  if (!json_is_array(images) && !json_is_null(images))
    return ctrt__error_internal("list_images: the Docker daemon's answer is not a list");
  size_t count = 0, i;
  const json_t *image;
  json_array_foreach(images, i, image) {
    size_t tags = 0, k;
    const json_t *tag;
    json_array_foreach(json_object_get(image, "RepoTags"), k, tag) {
      const char *t = json_string_value(tag);
      tags += t && strcmp(t, "<none>:<none>") != 0;
    }
    count += tags ? tags : 1;
  }
  ctrt_image_info_list *list = ctrt__malloc(sizeof *list);
  if (list == NULL)
    return ctrt__error_no_memory();
  *list = (ctrt_image_info_list)CTRT_IMAGE_INFO_LIST_INIT;
  list->items = count ? ctrt__calloc(count, sizeof *list->items) : NULL;
  if (count && list->items == NULL) {
    ctrt__free(list);
    return ctrt__error_no_memory();
  }
  int rc = 0;
  json_array_foreach(images, i, image) {
    size_t before = list->n_items, k;
    const json_t *tag;
    json_array_foreach(json_object_get(image, "RepoTags"), k, tag) {
      const char *t = json_string_value(tag);
      if (rc == 0 && t && strcmp(t, "<none>:<none>") != 0)
        rc = image_info(&list->items[list->n_items++], t, image, false);
    }
    if (rc == 0 && list->n_items == before) {
      const char *id = json_string_value(json_object_get(image, "Id"));
      rc = image_info(&list->items[list->n_items++], id ? id : "", image, true);
    }
    if (rc < 0)
      break;
  }
  if (rc < 0) {
    ctrt_image_info_list_free(list);
    return rc;
  }
  *out = list;
  return 0;
}

static int string_map(ctrt_string_map_entry **items, size_t *n, const json_t *obj) {
  *items = NULL;
  *n = 0;
  size_t count = json_object_size(obj);
  if (count == 0)
    return 0;
  ctrt_string_map_entry *entries = ctrt__calloc(count, sizeof *entries);
  if (entries == NULL)
    return ctrt__error_no_memory();
  const char *key;
  const json_t *value;
  size_t used = 0;
  json_object_foreach((json_t *)obj, key, value) {
    const char *text = json_string_value(value);
    entries[used].key = ctrt__strdup(key);
    entries[used].value = ctrt__strdup(text ? text : "");
    used++;
    if (entries[used - 1].key == NULL || entries[used - 1].value == NULL) {
      ctrt__clear_entries_string(entries, used);
      return ctrt__error_no_memory();
    }
  }
  *items = entries;
  *n = used;
  return 0;
}

int ctrt__docker_image_inspect_info(ctrt_image_inspect_info **out, const json_t *image) {
  *out = NULL;
  if (!json_is_object(image))
    return ctrt__error_internal("inspect_image_native: the Docker daemon's answer is not an object");
  ctrt_image_inspect_info *info = ctrt__malloc(sizeof *info);
  if (info == NULL)
    return ctrt__error_no_memory();
  *info = (ctrt_image_inspect_info)CTRT_IMAGE_INSPECT_INFO_INIT;
  const json_t *config = json_object_get(image, "Config");
  int rc = dup_opt(&info->id, str_at(image, "Id"));
  if (rc == 0)
    rc = dup_strings(&info->repo_tags, &info->n_repo_tags, json_object_get(image, "RepoTags"));
  if (rc == 0)
    rc = dup_strings(&info->repo_digests, &info->n_repo_digests, json_object_get(image, "RepoDigests"));
  if (rc == 0)
    rc = dup_opt(&info->parent, str_at(image, "Parent"));
  if (rc == 0)
    rc = dup_opt(&info->comment, str_at(image, "Comment"));
  if (rc == 0)
    rc = dup_opt(&info->created, str_at(image, "Created"));
  if (rc == 0)
    rc = dup_opt(&info->container, str_at(image, "Container"));
  if (rc == 0)
    rc = dup_opt(&info->docker_version, str_at(image, "DockerVersion"));
  if (rc == 0)
    rc = dup_opt(&info->author, str_at(image, "Author"));
  if (rc == 0)
    rc = dup_opt(&info->architecture, str_at(image, "Architecture"));
  if (rc == 0)
    rc = dup_opt(&info->os, str_at(image, "Os"));
  const json_t *size = json_object_get(image, "Size");
  if (json_is_integer(size) && json_integer_value(size) >= 0) {
    info->has_size = true;
    info->size = (uint64_t)json_integer_value(size);
  }
  if (rc == 0)
    rc = dup_strings(&info->layers, &info->n_layers, at(image, "RootFS.Layers"));
  if (rc == 0)
    rc = dup_strings(&info->env, &info->n_env, json_object_get(config, "Env"));
  if (rc == 0)
    rc = dup_strings(&info->cmd, &info->n_cmd, json_object_get(config, "Cmd"));
  if (rc == 0)
    rc = dup_strings(&info->entrypoint, &info->n_entrypoint, json_object_get(config, "Entrypoint"));
  if (rc == 0)
    rc = dup_opt(&info->working_dir, str_at(config, "WorkingDir"));
  if (rc == 0)
    rc = dup_opt(&info->user, str_at(config, "User"));
  if (rc == 0)
    rc = string_map(&info->labels, &info->n_labels, json_object_get(config, "Labels"));
  if (rc < 0) {
    ctrt_image_inspect_info_free(info);
    return rc;
  }
  *out = info;
  return 0;
}

int ctrt__docker_prune_result(ctrt_prune_result **out, const json_t *answer) {
  *out = NULL;
  ctrt_prune_result *r = ctrt__malloc(sizeof *r);
  if (r == NULL)
    return ctrt__error_no_memory();
  *r = (ctrt_prune_result)CTRT_PRUNE_RESULT_INIT;
  const json_t *deleted = json_object_get(answer, "ImagesDeleted");
  size_t n = json_array_size(deleted), i;
  const json_t *item;
  int rc = 0;
  /* Each item names an untagged reference or a deleted id (or both). */
  r->deleted = n ? ctrt__calloc(n * 2, sizeof *r->deleted) : NULL;
  if (n && r->deleted == NULL)
    rc = ctrt__error_no_memory();
  json_array_foreach(deleted, i, item) {
    static const char *const keys[] = {"Untagged", "Deleted"};
    for (size_t k = 0; rc == 0 && k < 2; k++) {
      const char *text = json_string_value(json_object_get(item, keys[k]));
      if (ctrt__docker_blank(text))
        continue;
      if ((r->deleted[r->n_deleted] = ctrt__strdup(text)) == NULL)
        rc = ctrt__error_no_memory();
      else
        r->n_deleted++;
    }
  }
  r->space_reclaimed = u64_at(answer, "SpaceReclaimed");
  if (rc < 0) {
    ctrt_prune_result_free(r);
    return rc;
  }
  *out = r;
  return 0;
}

/* ---- containers ---- */

int ctrt__docker_container_summaries(ctrt_runtime_container_summary_list **out, const json_t *containers,
                                     const char *label_key) {
  *out = NULL;
  if (!json_is_array(containers) && !json_is_null(containers))
    return ctrt__error_internal("list_containers: the Docker daemon's answer is not a list");
  size_t n = json_array_size(containers), i;
  ctrt_runtime_container_summary_list *list = ctrt__malloc(sizeof *list);
  if (list == NULL)
    return ctrt__error_no_memory();
  *list = (ctrt_runtime_container_summary_list)CTRT_RUNTIME_CONTAINER_SUMMARY_LIST_INIT;
  list->items = n ? ctrt__calloc(n, sizeof *list->items) : NULL;
  int rc = n && list->items == NULL ? ctrt__error_no_memory() : 0;
  const json_t *c;
  json_array_foreach(containers, i, c) {
    if (rc < 0)
      break;
    ctrt_runtime_container_summary *s = &list->items[list->n_items++];
    *s = (ctrt_runtime_container_summary)CTRT_RUNTIME_CONTAINER_SUMMARY_INIT;
    const char *id = json_string_value(json_object_get(c, "Id"));
    if ((s->runtime_id = ctrt__strdup(id ? id : "")) == NULL)
      rc = ctrt__error_no_memory();
    else
      rc = dup_opt(&s->managed_id, json_string_value(json_object_get(json_object_get(c, "Labels"), label_key)));
  }
  if (rc < 0) {
    ctrt_runtime_container_summary_list_free(list);
    return rc;
  }
  *out = list;
  return 0;
}

/* One host binding of NetworkSettings.Ports. */
typedef struct binding {
  uint16_t container_port;
  ctrt_port_protocol protocol;
  const char *host_ip; /* NULL when empty */
  bool has_host_port;
  uint16_t host_port;
} binding;

/* Calls fn for each binding; counts them when fn is NULL. */
static int each_binding(const json_t *inspect, int (*fn)(void *ctx, const binding *b), void *ctx, size_t *count) {
  const json_t *ports = at(inspect, "NetworkSettings.Ports");
  const char *key;
  const json_t *list;
  *count = 0;
  json_object_foreach((json_t *)ports, key, list) {
    char *end = NULL;
    unsigned long port = strtoul(key, &end, 10);
    binding b = {(uint16_t)port, CTRT_PORT_PROTOCOL_TCP, NULL, false, 0};
    if (end && *end == '/' && ctrt_port_protocol_from_string(&b.protocol, end + 1) < 0) {
      ctrt_error_clear();
      b.protocol = CTRT_PORT_PROTOCOL_TCP;
    }
    size_t i;
    const json_t *hb;
    json_array_foreach(list, i, hb) {
      const char *ip = json_string_value(json_object_get(hb, "HostIp"));
      const char *hp = json_string_value(json_object_get(hb, "HostPort"));
      b.host_ip = ctrt__docker_blank(ip) ? NULL : ip;
      b.has_host_port = !ctrt__docker_blank(hp);
      b.host_port = b.has_host_port ? (uint16_t)strtoul(hp, NULL, 10) : 0;
      (*count)++;
      if (fn != NULL) {
        int rc = fn(ctx, &b);
        if (rc < 0)
          return rc;
      }
    }
  }
  return 0;
}

static int add_entry(void *ctx, const binding *b) {
  ctrt_port_mapping_entry_list *list = ctx;
  ctrt_port_mapping_entry *e = &list->items[list->n_items++];
  *e = (ctrt_port_mapping_entry)CTRT_PORT_MAPPING_ENTRY_INIT;
  e->container_port = b->container_port;
  e->protocol = b->protocol;
  e->has_host_port = b->has_host_port;
  e->host_port = b->host_port;
  return dup_opt(&e->host_ip, b->host_ip);
}

int ctrt__docker_port_entries(ctrt_port_mapping_entry_list **out, const json_t *inspect) {
  *out = NULL;
  size_t n = 0;
  each_binding(inspect, NULL, NULL, &n);
  ctrt_port_mapping_entry_list *list = ctrt__malloc(sizeof *list);
  if (list == NULL)
    return ctrt__error_no_memory();
  *list = (ctrt_port_mapping_entry_list)CTRT_PORT_MAPPING_ENTRY_LIST_INIT;
  list->items = n ? ctrt__calloc(n, sizeof *list->items) : NULL;
  int rc = n && list->items == NULL ? ctrt__error_no_memory() : each_binding(inspect, add_entry, list, &n);
  if (rc < 0) {
    ctrt_port_mapping_entry_list_free(list);
    return rc;
  }
  *out = list;
  return 0;
}

static int add_port(void *ctx, const binding *b) {
  ctrt_container_inspect_details *d = ctx;
  ctrt_port_mapping *p = &d->ports[d->n_ports++];
  *p = (ctrt_port_mapping)CTRT_PORT_MAPPING_INIT;
  p->container_port = b->container_port;
  p->protocol = b->protocol;
  p->has_host_port = b->has_host_port;
  p->host_port = b->host_port;
  return dup_opt(&p->host_ip, b->host_ip);
}

static int networks(ctrt_container_inspect_details *d, const json_t *inspect) {
  const json_t *nets = at(inspect, "NetworkSettings.Networks");
  size_t n = json_object_size(nets);
  if (n == 0)
    return 0;
  if ((d->networks = ctrt__calloc(n, sizeof *d->networks)) == NULL)
    return ctrt__error_no_memory();
  const char *name;
  const json_t *net;
  json_object_foreach((json_t *)nets, name, net) {
    ctrt_network_attachment_detail *a = &d->networks[d->n_networks++];
    *a = (ctrt_network_attachment_detail)CTRT_NETWORK_ATTACHMENT_DETAIL_INIT;
    if ((a->network = ctrt__strdup(name)) == NULL)
      return ctrt__error_no_memory();
    int rc = dup_strings(&a->aliases, &a->n_aliases, json_object_get(net, "Aliases"));
    if (rc == 0)
      rc = dup_opt(&a->ipv4, str_at(net, "IPAddress"));
    if (rc < 0)
      return rc;
  }
  return 0;
}

static int health(ctrt_container_inspect_details *d, const json_t *inspect) {
  const json_t *h = at(inspect, "State.Health");
  if (!json_is_object(h))
    return 0;
  if ((d->health = ctrt__malloc(sizeof *d->health)) == NULL)
    return ctrt__error_no_memory();
  *d->health = (ctrt_health_detail)CTRT_HEALTH_DETAIL_INIT;
  const char *status = str_at(h, "Status");
  if (ctrt_health_status_from_string(&d->health->status, status ? status : "") < 0) {
    ctrt_error_clear();
    d->health->status = CTRT_HEALTH_STATUS_NONE;
  }
  const json_t *streak = json_object_get(h, "FailingStreak");
  if (json_is_integer(streak)) {
    d->health->has_failing_streak = true;
    d->health->failing_streak = (uint32_t)json_integer_value(streak);
  }
  const json_t *log = json_object_get(h, "Log");
  size_t n = json_array_size(log);
  if (n > 0) {
    const char *output = str_at(json_array_get(log, n - 1), "Output");
    if (output != NULL && (d->health->last_output = ctrt__strdup(output)) == NULL)
      return ctrt__error_no_memory();
  }
  return 0;
}

int ctrt__docker_container_ip(char **out, const json_t *inspect) {
  *out = NULL;
  static const char *const fields[] = {"IPAddress", "GlobalIPv6Address"};
  const json_t *settings = json_object_get(inspect, "NetworkSettings");
  for (size_t f = 0; f < 2; f++) {
    const char *ip = str_at(settings, fields[f]);
    if (!ctrt__docker_blank(ip))
      return dup_opt(out, ip);
    const char *name;
    const json_t *net;
    json_object_foreach(json_object_get(settings, "Networks"), name, net) {
      ip = str_at(net, fields[f]);
      if (!ctrt__docker_blank(ip))
        return dup_opt(out, ip);
    }
  }
  return 0;
}

int ctrt__docker_inspect_details(ctrt_container_inspect_details **out, const json_t *inspect) {
  *out = NULL;
  ctrt_container_inspect_details *d = ctrt__malloc(sizeof *d);
  if (d == NULL)
    return ctrt__error_no_memory();
  *d = (ctrt_container_inspect_details)CTRT_CONTAINER_INSPECT_DETAILS_INIT;
  size_t n = 0;
  each_binding(inspect, NULL, NULL, &n);
  int rc = 0;
  if (n && (d->ports = ctrt__calloc(n, sizeof *d->ports)) == NULL)
    rc = ctrt__error_no_memory();
  if (rc == 0)
    rc = each_binding(inspect, add_port, d, &n);
  if (rc == 0)
    rc = networks(d, inspect);
  if (rc == 0) {
    /* Only the IPv4 address (IPAddress; else the first network's). */
    const char *ip = str_at(inspect, "NetworkSettings.IPAddress");
    for (size_t i = 0; ctrt__docker_blank(ip) && i < d->n_networks; i++)
      ip = d->networks[i].ipv4;
    rc = dup_opt(&d->ipv4, ip);
  }
  if (rc == 0)
    rc = health(d, inspect);
  const char *status = str_at(inspect, "State.Status");
  if (status && (strcmp(status, "exited") == 0 || strcmp(status, "dead") == 0)) {
    d->has_exit_code = true;
    d->exit_code = (int32_t)json_integer_value(at(inspect, "State.ExitCode"));
  }
  if (rc < 0) {
    ctrt_container_inspect_details_free(d);
    return rc;
  }
  *out = d;
  return 0;
}

/* ---- progress lines ---- */

int ctrt__docker_pull_event(ctrt_pull_progress **out, char **digest, const json_t *line) {
  *out = NULL;
  const char *status = str_at(line, "status");
  if (status == NULL)
    return 0;
  if (strncmp(status, "Digest: ", 8) == 0 && digest != NULL) {
    ctrt__free(*digest);
    if ((*digest = ctrt__strdup(status + 8)) == NULL)
      return ctrt__error_no_memory();
  }
  ctrt_pull_progress *p = ctrt__malloc(sizeof *p);
  if (p == NULL)
    return ctrt__error_no_memory();
  *p = (ctrt_pull_progress)CTRT_PULL_PROGRESS_INIT;
  p->kind = CTRT_PULL_PROGRESS_STATUS;
  p->status = (ctrt_pull_progress_status)CTRT_PULL_PROGRESS_STATUS_INIT;
  int rc = (p->status.status = ctrt__strdup(status)) ? 0 : ctrt__error_no_memory();
  if (rc == 0)
    rc = dup_opt(&p->status.id, str_at(line, "id"));
  if (rc == 0)
    rc = dup_opt(&p->status.progress, str_at(line, "progress"));
  const json_t *current = at(line, "progressDetail.current"), *total = at(line, "progressDetail.total");
  if (json_is_integer(current) && json_integer_value(current) >= 0) {
    p->status.has_current = true;
    p->status.current = (uint64_t)json_integer_value(current);
  }
  if (json_is_integer(total) && json_integer_value(total) >= 0) {
    p->status.has_total = true;
    p->status.total = (uint64_t)json_integer_value(total);
  }
  if (rc < 0) {
    ctrt_pull_progress_free(p);
    return rc;
  }
  *out = p;
  return 0;
}

static int load_status(ctrt_load_progress **out, const char *id, const char *text, size_t len) {
  ctrt_load_progress *p = ctrt__malloc(sizeof *p);
  if (p == NULL)
    return ctrt__error_no_memory();
  *p = (ctrt_load_progress)CTRT_LOAD_PROGRESS_INIT;
  p->kind = CTRT_LOAD_PROGRESS_STATUS;
  p->status = (ctrt_load_progress_status)CTRT_LOAD_PROGRESS_STATUS_INIT;
  int rc = (p->status.status = ctrt__strndup(text, len)) ? 0 : ctrt__error_no_memory();
  if (rc == 0)
    rc = dup_opt(&p->status.id, id);
  if (rc < 0) {
    ctrt_load_progress_free(p);
    return rc;
  }
  *out = p;
  return 0;
}

int ctrt__docker_load_event(ctrt_load_progress **out, char **loaded, const json_t *line) {
  *out = NULL;
  *loaded = NULL;
  const char *stream = str_at(line, "stream");
  if (stream != NULL) {
    size_t len = strlen(stream);
    while (len > 0 && (stream[len - 1] == '\n' || stream[len - 1] == '\r' || stream[len - 1] == ' '))
      len--;
    if (len == 0)
      return 0;
    static const char *const prefixes[] = {"Loaded image ID: ", "Loaded image: "};
    for (size_t i = 0; i < 2; i++) {
      size_t plen = strlen(prefixes[i]);
      if (len > plen && strncmp(stream, prefixes[i], plen) == 0) {
        if ((*loaded = ctrt__strndup(stream + plen, len - plen)) == NULL)
          return ctrt__error_no_memory();
        break;
      }
    }
    int rc = load_status(out, NULL, stream, len);
    if (rc < 0) {
      ctrt__free(*loaded);
      *loaded = NULL;
    }
    return rc;
  }
  const char *status = str_at(line, "status");
  if (ctrt__docker_blank(status))
    return 0;
  return load_status(out, str_at(line, "id"), status, strlen(status));
}
