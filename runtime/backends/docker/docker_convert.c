/* SPDX-License-Identifier: MIT */
/* Conversions between Docker's JSON and the interface's types, free of any
 * exchange: ServiceSpec -> create body, inspect -> state, details, ports,
 * wait -> outcome, stats, log timestamps, image lists, progress lines. */
#include "backends/docker/docker_dom.h"

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

/* Memory limits at or above this mean "unlimited" (cgroup v1 reports
 * 0x7FFFFFFFFFFFF000, cgroup v2 "max"). */

/* A memory limit as ctrt reports it: 0 = unlimited. Docker 20.10 and podman
 * 4.3 replace an unlimited cgroup's limit by the host's MemTotal. */
uint64_t ctrt__docker_memory_limit(uint64_t limit, uint64_t host_memory) {
  return limit >= CTRT__DOCKER_UNLIMITED || (host_memory > 0 && limit >= host_memory) ? 0 : limit;
}
#define NS_PER_SECOND INT64_C(1000000000)

int ctrt__docker_image_id(char **out, const char *id) {
  *out = NULL;
  if (ctrt__docker_blank(id))
    return 0;
  size_t n = strlen(id);
  bool hex = n == 64;
  for (size_t i = 0; hex && i < n; i++)
    hex = (id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f');
  *out = hex ? ctrt__sprintf("sha256:%s", id) : ctrt__strdup(id);
  return *out ? 0 : ctrt__error_no_memory();
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

/* ---- wait ---- */

int ctrt__docker_wait_classify(ctrt_wait_outcome **out, const json_t *wait, const json_t *inspect) {
  *out = NULL;
  int read_rc;
  rd r = rd_root(&read_rc, "wait_outcome");
  int64_t code = 0;
  /* Docker's StatusCode is an int64; an exit code is an int32 (2^32 must not
   * become "exit 0"). */
  if (!int_at(&r, wait, "StatusCode", INT32_MIN, INT32_MAX, &code))
    return read_rc < 0 ? read_rc
                       : ctrt__error_internal("wait_outcome: the Docker daemon's wait answer lacks the integer "
                                              "StatusCode");
  ctrt_wait_outcome *o = ctrt__malloc(sizeof *o);
  CTRT__CHECK_ALLOC(o);
  *o = (ctrt_wait_outcome)CTRT_WAIT_OUTCOME_INIT;
  o->exit_code = (int32_t)code;
  const char *error = inspect ? str_at(&r, inspect, "State.Error") : str_at(&r, wait, "Error.Message");
  int rc = 0;
  if (bool_at(&r, inspect, "State.OOMKilled")) {
    o->reason = CTRT_WAIT_REASON_OOM_KILLED;
  } else if (o->exit_code > 128) {
    o->reason = CTRT_WAIT_REASON_SIGNAL;
    rc = ctrt_signal_name_from_exit_code(&o->signal, o->exit_code);
  } else if (!ctrt__docker_blank(error)) {
    o->reason = CTRT_WAIT_REASON_RUNTIME_ERROR;
  } else {
    o->reason = CTRT_WAIT_REASON_EXITED;
  }
  o->has_finished_at = parse_time(str_at(&r, inspect, "State.FinishedAt"), &o->finished_at);
  *out = o;
  FINISH(rc, read_rc, out, ctrt_wait_outcome_free);
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

const char *ctrt__docker_digest_of(const char *digest, const char *reference) {
  const char *at_sign = digest ? strchr(digest, '@') : NULL;
  if (at_sign == NULL || reference == NULL)
    return at_sign ? at_sign + 1 : NULL;
  /* The tag's repository: everything before the tag's last ':' after its last '/'. */
  const char *slash = strrchr(reference, '/');
  const char *colon = strrchr(slash ? slash : reference, ':');
  size_t repo_len = colon ? (size_t)(colon - reference) : strlen(reference);
  return (size_t)(at_sign - digest) == repo_len && strncmp(digest, reference, repo_len) == 0 ? at_sign + 1 : NULL;
}

/* The digest of reference's repository among the RepoDigests array
 * ("repo@sha256:x"), or the first one when reference is NULL. */
static const char *digest_for(rd *r, const json_t *digests, const char *reference) {
  size_t i;
  const json_t *v;
  json_array_foreach(digests, i, v) {
    rd item = rd_sub(r, "RepoDigests", NULL, i);
    const char *found = ctrt__docker_digest_of(str_at(&item, v, ""), reference);
    if (found != NULL)
      return found;
  }
  return NULL;
}

const char *ctrt__docker_repo_digest(const json_t *repo_digests, const char *reference) {
  int rc = 0;
  rd r = rd_root(&rc, "RepoDigests");
  return json_is_array(repo_digests) ? digest_for(&r, repo_digests, reference) : NULL;
}

/* ---- progress lines ---- */

/* progressDetail counters: Docker sends -1 (or nothing) when unknown. */
static bool progress_at(rd *r, const json_t *line, const char *path, uint64_t *out) {
  int64_t v = 0;
  if (!int_at(r, line, path, -1, INT64_MAX, &v) || v < 0)
    return false;
  *out = (uint64_t)v;
  return true;
}

int ctrt__docker_pull_event(ctrt_pull_progress **out, char **digest, const json_t *line) {
  *out = NULL;
  int read_rc;
  rd r = rd_root(&read_rc, "pull_image_stream");
  const char *status = str_at(&r, line, "status");
  if (status == NULL)
    return read_rc;
  if (strncmp(status, "Digest: ", 8) == 0 && digest != NULL) {
    ctrt__free(*digest);
    CTRT__CHECK_ALLOC((*digest = ctrt__strdup(status + 8)));
  }
  ctrt_pull_progress *p = ctrt__malloc(sizeof *p);
  CTRT__CHECK_ALLOC(p);
  *p = (ctrt_pull_progress)CTRT_PULL_PROGRESS_INIT;
  p->kind = CTRT_PULL_PROGRESS_STATUS;
  p->status = (ctrt_pull_progress_status)CTRT_PULL_PROGRESS_STATUS_INIT;
  int rc;
  if ((p->status.status = ctrt__strdup(status)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = dup_opt(&p->status.id, str_at(&r, line, "id"))) < 0 ||
      (rc = dup_opt(&p->status.progress, str_at(&r, line, "progress"))) < 0)
    goto done;
  p->status.has_current = progress_at(&r, line, "progressDetail.current", &p->status.current);
  p->status.has_total = progress_at(&r, line, "progressDetail.total", &p->status.total);
done:
  *out = p;
  FINISH(rc, read_rc, out, ctrt_pull_progress_free);
}

static int load_status(ctrt_load_progress **out, const char *id, const char *text, size_t len) {
  ctrt_load_progress *p = ctrt__malloc(sizeof *p);
  CTRT__CHECK_ALLOC(p);
  *p = (ctrt_load_progress)CTRT_LOAD_PROGRESS_INIT;
  p->kind = CTRT_LOAD_PROGRESS_STATUS;
  p->status = (ctrt_load_progress_status)CTRT_LOAD_PROGRESS_STATUS_INIT;
  int rc;
  if ((p->status.status = ctrt__strndup(text, len)) == NULL)
    rc = ctrt__error_no_memory();
  else
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
  int read_rc;
  rd r = rd_root(&read_rc, "load_images");
  const char *stream = str_at(&r, line, "stream");
  if (read_rc < 0)
    return read_rc;
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
        CTRT__CHECK_ALLOC((*loaded = ctrt__strndup(stream + plen, len - plen)));
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
  const char *status = str_at(&r, line, "status");
  const char *id = str_at(&r, line, "id");
  if (read_rc < 0 || ctrt__docker_blank(status))
    return read_rc;
  return load_status(out, id, status, strlen(status));
}
