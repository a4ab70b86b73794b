/* SPDX-License-Identifier: MIT */
/* The mock's container lifecycle, with Docker's semantics: create from an
 * image, start (a missing binary fails like runc does), stop (SIGTERM, then
 * SIGKILL after the timeout), kill, pause, rename, update, the three wait
 * conditions, remove, prune and list. */
#include "gen_internal.h"
#include "mock.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#define MIN_MEMORY_LIMIT ((int64_t)6 * 1024 * 1024)

/* ---- process exits ---- */

void mock_process_finished(mock_runtime *m, mock_process *p, int exit_code) {
  mock_container *c = p->container;
  p->finished = true;
  p->exit_code = exit_code;
  switch (p->sink) {
  case MOCK_SINK_LOGS:
    mock_log_flush_partial(m, p);
    break;
  case MOCK_SINK_EVENTS: {
    ctrt_exec_event *ev = ctrt__malloc(sizeof *ev);
    if (ev != NULL) {
      *ev = (ctrt_exec_event)CTRT_EXEC_EVENT_INIT;
      ev->kind = CTRT_EXEC_EVENT_EXIT;
      ev->exit = exit_code;
      mock_process_push_event(p, ev);
    }
    break;
  }
  case MOCK_SINK_SOCKET:
    if (p->sock >= 0) {
      close(p->sock); /* the client reads what is left, then EOF */
      p->sock = -1;
    }
    break;
  default:
    break;
  }
  if (p == c->main) {
    c->state = MOCK_EXITED;
    c->exit_code = exit_code;
    c->finished_at = ctrt__timestamp_now();
    c->has_finished = true;
    c->exits++;
    c->ip_octet = 0;
    /* The container's other processes die with its main process. */
    for (size_t i = 0; i < c->n_execs; i++)
      if (c->execs[i] != p)
        mock_process_signal(m, c->execs[i], SIGKILL);
  }
  mock_broadcast(m);
}

/* Kill every process of c and wait for them (under the lock). */
static void kill_all(mock_runtime *m, mock_container *c) {
  for (size_t i = 0; i < c->n_execs; i++)
    mock_process_signal(m, c->execs[i], SIGKILL);
  for (size_t i = 0; i < c->n_execs; i++)
    mock_process_wait(m, c->execs[i], 0);
  while (c->health_running)
    mock_wait(m, 0);
  mock_health_reap(m, c);
  mock_container_reap(m, c);
}

/* ---- image configuration ---- */

static int strv_append(char ***items, size_t *n, const char *value) {
  char **grown = ctrt__realloc(*items, (*n + 2) * sizeof *grown);
  CTRT__CHECK_ALLOC(grown);
  *items = grown;
  grown[*n] = ctrt__strdup(value);
  grown[*n + 1] = NULL;
  return grown[(*n)++] ? 0 : ctrt__error_no_memory();
}

static int strv_from_config(char ***items, size_t *n, json_t *array) {
  size_t i;
  json_t *item;
  json_array_foreach(array, i, item) {
    if (json_is_string(item) && strv_append(items, n, json_string_value(item)) < 0)
      return ctrt__error_no_memory();
  }
  return 0;
}

/* Set KEY=VALUE in an environment list, replacing an existing KEY. */
static int env_set(char ***env, size_t *n, const char *key, const char *value, bool keep_existing) {
  size_t klen = strlen(key);
  for (size_t i = 0; i < *n; i++) {
    if (strncmp((*env)[i], key, klen) == 0 && (*env)[i][klen] == '=') {
      if (keep_existing)
        return 0;
      char *entry = ctrt__sprintf("%s=%s", key, value);
      CTRT__CHECK_ALLOC(entry);
      ctrt__free((*env)[i]);
      (*env)[i] = entry;
      return 0;
    }
  }
  char *entry = ctrt__sprintf("%s=%s", key, value);
  int rc = entry ? strv_append(env, n, entry) : ctrt__error_no_memory();
  ctrt__free(entry);
  return rc;
}

static int mkdir_both(mock_container *c, const char *path) {
  int rc;
  if ((rc = memfs_mkdir(c->base, path, 0755, 0, 0, true)) < 0)
    return rc;
  return memfs_mkdir(c->fs, path, 0755, 0, 0, true);
}

/* ---- operations ---- */

/* Create a container of spec named name. id NULL: an "outside" container
 * (ctrt_mock_create_outside), with no ContainerId and no managed label, as
 * another client of the engine would have made it; *runtime_id (may be
 * NULL) gets its engine id. */
static int create_in(mock_runtime *m, const ctrt_container_id *id, const char *name, const ctrt_service_spec *spec,
                     char **runtime_id);

int mock_create_container(void *self, const ctrt_container_id *id, const ctrt_service_spec *spec) {
  return create_in(self, id, NULL, spec, NULL);
}

/* A live container with the same ContainerId or name is a conflict. */
static int check_unique(const mock_runtime *m, const mock_container *c) {
  for (size_t i = 0; i < m->n_containers; i++) {
    const mock_container *other = m->containers[i];
    bool same_id = c->display && other->display && strcmp(other->display, c->display) == 0;
    if (!other->removed && (same_id || strcmp(other->name, c->name) == 0))
      return ctrt__error_set(CTRT_ERROR_CONFLICT, 409,
                             "Conflict. The container name \"/%s\" is already in use by container \"%s\". You have "
                             "to remove (or rename) that container to be able to reuse that name.",
                             c->name, other->runtime_id);
  }
  return 0;
}

/* Docker's rule: an entrypoint given in the spec replaces the image's and
 * drops the image's cmd; args replace the cmd. */
static int container_command(mock_container *c, const ctrt_command_spec *cmd, json_t *cfg) {
  bool own_entrypoint = cmd && cmd->has_entrypoint;
  int rc;
  for (size_t i = 0; own_entrypoint && i < cmd->n_entrypoint; i++)
    if ((rc = strv_append(&c->argv, &c->argc, cmd->entrypoint[i])) < 0)
      return rc;
  if (!own_entrypoint && (rc = strv_from_config(&c->argv, &c->argc, json_object_get(cfg, "Entrypoint"))) < 0)
    return rc;
  if (cmd && cmd->has_args) {
    for (size_t i = 0; i < cmd->n_args; i++)
      if ((rc = strv_append(&c->argv, &c->argc, cmd->args[i])) < 0)
        return rc;
  } else if (!own_entrypoint && (rc = strv_from_config(&c->argv, &c->argc, json_object_get(cfg, "Cmd"))) < 0) {
    return rc;
  }
  if (c->argc == 0)
    return ctrt__error_set(CTRT_ERROR_INVALID_SPEC, 400, "No command specified");
  return 0;
}

/* The image's Env, then the spec's, then PATH if unset and HOSTNAME. */
static int container_env(mock_container *c, const ctrt_service_spec *spec, json_t *cfg) {
  int rc;
  if ((rc = strv_from_config(&c->env, &c->n_env, json_object_get(cfg, "Env"))) < 0)
    return rc;
  for (size_t i = 0; i < spec->n_env; i++)
    if ((rc = env_set(&c->env, &c->n_env, spec->env[i].key, spec->env[i].value ? spec->env[i].value : "", false)) < 0)
      return rc;
  if ((rc = env_set(&c->env, &c->n_env, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", true)) <
      0)
    return rc;
  c->hostname = ctrt__strndup(c->runtime_id, 12);
  CTRT__CHECK_ALLOC(c->hostname);
  return env_set(&c->env, &c->n_env, "HOSTNAME", c->hostname, false);
}

/* Working directory, user and the first limits (update changes them). */
static int container_settings(mock_container *c, const ctrt_service_spec *spec, json_t *cfg) {
  const ctrt_command_spec *cmd = spec->command;
  const char *workdir = cmd && cmd->workdir ? cmd->workdir : json_string_value(json_object_get(cfg, "WorkingDir"));
  CTRT__CHECK_ALLOC((c->workdir = ctrt__strdup(workdir && workdir[0] ? workdir : "/")));
  const char *user = spec->user ? spec->user : json_string_value(json_object_get(cfg, "User"));
  if (user && user[0])
    CTRT__CHECK_ALLOC((c->user = ctrt__strdup(user)));
  const ctrt_resources_spec *res = spec->resources;
  if (res && res->has_memory && res->memory > 0) {
    c->limits.has_memory = true;
    c->limits.memory = (int64_t)res->memory;
  }
  if (res && res->has_pids_limit && res->pids_limit > 0) {
    c->limits.has_pids_limit = true;
    c->limits.pids_limit = res->pids_limit;
  }
  return 0;
}

/* The container's tree and the base its changes are diffed against. Mount
 * points exist in both from the start, as Docker creates them, so they
 * never show up as changes. */
static int container_fs(const mock_runtime *m, mock_container *c, const mock_image *img,
                        const ctrt_service_spec *spec) {
  int rc;
  if ((rc = memfs_clone(&c->fs, img->rootfs)) < 0)
    return rc;
  memfs_set_limits(c->fs, m->max_file, m->max_container);
  if ((rc = memfs_clone(&c->base, img->rootfs)) < 0)
    return rc;
  for (size_t i = 0; i < spec->n_mounts; i++)
    if ((rc = mkdir_both(c, spec->mounts[i].target)) < 0)
      return rc;
  if (c->workdir[0] == '/' && !memfs_exists(c->fs, c->workdir, true))
    return mkdir_both(c, c->workdir);
  return 0;
}

static int create_in(mock_runtime *m, const ctrt_container_id *id, const char *name, const ctrt_service_spec *spec,
                     char **runtime_id) {
  void *self = m;
  /* The encoder sends a NULL name as "", which dockerd refuses before
   * anything exists; the mock refuses it the same way. */
  CTRT__CHECK_ARG(spec->image.name != NULL && spec->image.name[0] != '\0',
                  "create_container: spec.image.name is empty: name the image to run");
  ctrt_source_policy source =
      spec->image.has_source_policy ? spec->image.source_policy : CTRT_SOURCE_POLICY_LOCAL_FIRST;
  if (mock_pull_image_with_policy(self, spec->image.name, spec->image.pull_policy, NULL, source) < 0)
    return ctrt__error_wrap_create_pull(spec->image.name, ctrt_pull_policy_to_string(spec->image.pull_policy));
  mock_container *c = ctrt__calloc(1, sizeof *c);
  CTRT__CHECK_ALLOC(c);
  c->refs = 1;
  c->next_pid = 1;
  c->stdin_pipe.closed = false;
  int rc;
  if (id != NULL &&
      ((rc = ctrt_container_id_format(&c->display, id)) < 0 || (rc = ctrt_container_id_copy(&c->id, id)) < 0))
    goto fail;
  if ((rc = ctrt_service_spec_copy(&c->spec, spec)) < 0)
    goto fail;
  if ((c->name = id ? ctrt__sprintf("zlayer-%s-%u", id->service, id->replica) : ctrt__strdup(name)) == NULL) {
    rc = ctrt__error_no_memory();
    goto fail;
  }
  mock_lock(m);
  if ((rc = check_unique(m, c)) < 0)
    goto unlock;
  mock_image *img = mock_find_image(m, spec->image.name);
  if (img == NULL) {
    rc = ctrt__error_not_found(spec->image.name, "No such image");
    goto unlock;
  }
  json_t *cfg = json_object_get(img->config, "config");
  c->image_ref = ctrt__strdup(spec->image.name);
  c->image_id = ctrt__strdup(img->id);
  c->runtime_id = mock_new_hex_id(m, c->display ? c->display : c->name);
  if (c->runtime_id && runtime_id)
    *runtime_id = ctrt__strdup(c->runtime_id);
  if (!c->image_ref || !c->image_id || !c->runtime_id || (runtime_id && !*runtime_id)) {
    rc = ctrt__error_no_memory();
    goto unlock;
  }
  if ((rc = container_command(c, spec->command, cfg)) < 0 || (rc = container_env(c, spec, cfg)) < 0 ||
      (rc = container_settings(c, spec, cfg)) < 0 || (rc = container_fs(m, c, img, spec)) < 0)
    goto unlock;
  mock_container **grown = ctrt__realloc(m->containers, (m->n_containers + 1) * sizeof *grown);
  if (grown == NULL) {
    rc = ctrt__error_no_memory();
    goto unlock;
  }
  m->containers = grown;
  c->state = MOCK_CREATED;
  c->created_at = ctrt__timestamp_now();
  grown[m->n_containers++] = c;
  mock_broadcast(m);
unlock:
  mock_unlock(m);
fail:
  if (rc < 0) {
    mock_container_unref(c);
    if (runtime_id != NULL) {
      ctrt__free(*runtime_id);
      *runtime_id = NULL;
    }
  }
  return rc;
}

int ctrt_mock_create_outside(ctrt_runtime *rt, const char *name, const ctrt_service_spec *spec, char **engine_id) {
  mock_runtime *m = mock_of(rt, "create_outside");
  if (m == NULL)
    return ctrt__error_code();
  CTRT__CHECK_ARG(name != NULL && name[0] != '\0' && spec != NULL && engine_id != NULL,
                  "create_outside: name, spec and engine_id are required");
  *engine_id = NULL;
  return create_in(m, NULL, name, spec, engine_id);
}

/* The container engine_ref names (ctrt__engine_ref_offer). Under the lock. */
static int find_engine_ref(mock_runtime *m, const char *engine_ref, mock_container **out) {
  ctrt__engine_ref_match match = CTRT__ENGINE_REF_MATCH_INIT(engine_ref);
  for (size_t i = 0; i < m->n_containers; i++) {
    const mock_container *c = m->containers[i];
    if (!c->removed && ctrt__engine_ref_offer(&match, c, c->runtime_id, c->name))
      break;
  }
  const void *hit = NULL;
  int rc = ctrt__engine_ref_result(&match, &hit);
  *out = (mock_container *)hit; /* the mock's own, offered const above */
  return rc;
}

int mock_adopt_container(void *self, const char *engine_ref, const ctrt_container_id *id) {
  mock_runtime *m = self;
  char *display = NULL, *name = NULL;
  ctrt_container_id *copy = NULL;
  mock_container *c = NULL;
  int rc;
  if ((rc = ctrt_container_id_format(&display, id)) < 0 || (rc = ctrt_container_id_copy(&copy, id)) < 0)
    goto out;
  if ((name = ctrt__sprintf("zlayer-%s-%u", id->service, id->replica)) == NULL) {
    rc = ctrt__error_no_memory();
    goto out;
  }
  mock_lock(m);
  if ((rc = find_engine_ref(m, engine_ref, &c)) < 0)
    goto done;
  if (c->display != NULL && strcmp(c->display, display) != 0) {
    rc = ctrt__error_adopt_known_as(engine_ref, c->display);
    goto done;
  }
  for (size_t i = 0; i < m->n_containers; i++) {
    mock_container *other = m->containers[i];
    if (other != c && !other->removed &&
        ((other->display && strcmp(other->display, display) == 0) || strcmp(other->name, name) == 0)) {
      rc = ctrt__error_adopt_id_taken(display, other->runtime_id);
      goto done;
    }
  }
  if (c->display == NULL) {
    /* Like the Docker backend: the container takes the name create_container
     * would have given it. */
    c->display = display;
    c->id = copy;
    c->adopted = true;
    ctrt__free(c->name);
    c->name = name;
    display = name = NULL;
    copy = NULL;
  }
done:
  mock_unlock(m);
out:
  ctrt_container_id_free(copy);
  ctrt__free(display);
  ctrt__free(name);
  return rc;
}

int mock_start_container(void *self, const ctrt_container_id *id) {
  mock_runtime *m = self;
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  int rc = c ? 0 : ctrt__error_code();
  if (c == NULL || c->state == MOCK_RUNNING)
    goto done; /* Docker: 304 when already started */
  if (c->state == MOCK_PAUSED) {
    rc = ctrt__error_set(CTRT_ERROR_CONFLICT, 409, "cannot start a paused container, try unpause instead");
    goto done;
  }
  if (mock_resolve_user(c->fs, c->user, &c->uid, &c->gid) < 0) {
    rc = ctrt__error_start_failed(c->display, ctrt_error_last()->message);
    goto done;
  }
  char *reason = NULL;
  int status = mock_shell_resolve(c->fs, c->env, c->n_env, c->argv[0], &reason);
  if (status != 0) {
    /* runc fails before any process runs; the container stays created. */
    c->exit_code = status;
    ctrt__free(c->error);
    c->error = reason;
    rc = ctrt__error_set(CTRT_ERROR_START_FAILED, 400,
                         "start of %s failed: OCI runtime create failed: runc create failed: unable to start container "
                         "process: exec: \"%s\": %s: unknown",
                         c->display, c->argv[0], reason ? reason : "cannot execute");
    goto done;
  }
  ctrt__free(reason);
  if (c->main) {
    mock_container_reap(m, c);
    mock_process_unref(c->main);
    c->main = NULL;
  }
  /* A fresh run: ports, address, stdin. */
  if (c->host_ports == NULL && c->spec->n_port_mappings > 0) {
    c->host_ports = ctrt__calloc(c->spec->n_port_mappings, sizeof *c->host_ports);
    if (c->host_ports == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
  }
  for (size_t i = 0; i < c->spec->n_port_mappings; i++) {
    const ctrt_port_mapping *pm = &c->spec->port_mappings[i];
    c->host_ports[i] = pm->has_host_port ? pm->host_port : (uint16_t)(m->next_port++);
    if (m->next_port > 60999)
      m->next_port = 32768;
  }
  c->ip_octet = m->next_ip++;
  if (m->next_ip > 254)
    m->next_ip = 2;
  c->stdin_pipe.len = 0;
  c->stdin_pipe.closed = false;
  ctrt__free(c->error);
  c->error = NULL;
  c->exit_code = 0;
  mock_process *p = NULL;
  rc = mock_process_start(m, c, MOCK_SINK_LOGS, c->argv, c->argc, NULL, 0, c->workdir, NULL, c->spec->tty, false, &p);
  if (rc < 0)
    goto done;
  p->stdin_pipe = c->spec->stdin_open ? &c->stdin_pipe : NULL;
  c->main = p;
  c->state = MOCK_RUNNING;
  c->started_at = ctrt__timestamp_now();
  c->stats_at = c->started_at;
  c->has_started = true;
  rc = mock_health_start(m, c);
  mock_broadcast(m);
done:
  mock_unlock(m);
  return rc;
}

static int paused_error(const mock_container *c) {
  return ctrt__error_set(CTRT_ERROR_CONFLICT, 409,
                         "Container %s is paused. Unpause the container before stopping or killing", c->runtime_id);
}

int mock_stop_container(void *self, const ctrt_container_id *id, uint32_t timeout) {
  mock_runtime *m = self;
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  int rc = 0;
  if (c == NULL || c->state == MOCK_PAUSED) {
    rc = c == NULL ? ctrt__error_code() : paused_error(c);
    goto done;
  }
  if (c->state == MOCK_RUNNING) {
    mock_container_ref(c);
    mock_process *main = c->main;
    mock_process_signal(m, main, SIGTERM);
    if (!mock_process_wait(m, main, mock_now_ns() + (uint64_t)timeout * 1000000000u)) {
      mock_process_signal(m, main, SIGKILL);
      mock_process_wait(m, main, 0);
    }
    mock_container_reap(m, c);
    mock_container_unref(c);
  }
done:
  mock_unlock(m);
  return rc;
}

int mock_remove_container(void *self, const ctrt_container_id *id) {
  mock_runtime *m = self;
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  if (c == NULL) {
    mock_unlock(m);
    return ctrt__error_code();
  }
  mock_container_ref(c);
  if (c->state == MOCK_PAUSED)
    c->state = MOCK_RUNNING; /* forced removal thaws, then kills */
  kill_all(m, c);
  c->removed = true;
  c->state = MOCK_REMOVING;
  c->stdin_pipe.closed = true;
  for (size_t i = 0; i < m->n_containers; i++) {
    if (m->containers[i] == c) {
      memmove(&m->containers[i], &m->containers[i + 1], (m->n_containers - i - 1) * sizeof *m->containers);
      m->n_containers--;
      break;
    }
  }
  mock_broadcast(m);
  mock_container_unref(c); /* the list's reference */
  mock_container_unref(c); /* ours */
  mock_unlock(m);
  return 0;
}

int mock_container_state(void *self, ctrt_container_state **out, const ctrt_container_id *id) {
  mock_runtime *m = self;
  ctrt_container_state *state = ctrt__malloc(sizeof *state);
  CTRT__CHECK_ALLOC(state);
  *state = (ctrt_container_state)CTRT_CONTAINER_STATE_INIT;
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  int rc = 0;
  if (c == NULL) {
    rc = ctrt__error_code();
    goto done;
  }
  switch (c->state) {
  case MOCK_CREATED:
    state->kind = CTRT_CONTAINER_STATE_PENDING;
    break;
  case MOCK_RUNNING:
  case MOCK_PAUSED:
    state->kind = CTRT_CONTAINER_STATE_RUNNING;
    break;
  case MOCK_RESTARTING:
    state->kind = CTRT_CONTAINER_STATE_INITIALIZING;
    break;
  case MOCK_REMOVING:
    state->kind = CTRT_CONTAINER_STATE_STOPPING;
    break;
  case MOCK_EXITED:
    state->kind = CTRT_CONTAINER_STATE_EXITED;
    state->exited.code = c->exit_code;
    break;
  case MOCK_DEAD:
    state->kind = CTRT_CONTAINER_STATE_FAILED;
    state->failed.reason = ctrt__strdup(c->error && c->error[0] ? c->error : "container is dead");
    if (state->failed.reason == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
    break;
  }
  *out = state;
  state = NULL;
done:
  mock_unlock(m);
  ctrt_container_state_free(state);
  return rc;
}

int mock_rename_container(void *self, const ctrt_container_id *id, const char *new_name) {
  mock_runtime *m = self;
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  char *name = NULL;
  int rc = 0;
  if (c == NULL) {
    rc = ctrt__error_code();
    goto done;
  }
  if (strcmp(c->name, new_name) == 0) {
    rc = ctrt__error_set(CTRT_ERROR_INVALID_SPEC, 400, "Renaming a container with the same name as its current name");
    goto done;
  }
  for (size_t i = 0; i < m->n_containers; i++)
    if (m->containers[i] != c && strcmp(m->containers[i]->name, new_name) == 0) {
      rc = ctrt__error_set(CTRT_ERROR_CONFLICT, 409,
                           "Error when allocating new name: Conflict. The container name \"/%s\" is already in use by "
                           "container \"%s\". You have to remove (or rename) that container to be able to reuse that "
                           "name.",
                           new_name, m->containers[i]->runtime_id);
      goto done;
    }
  if ((name = ctrt__strdup(new_name)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  ctrt__free(c->name);
  c->name = name;
done:
  mock_unlock(m);
  return rc;
}

/* Found, not paused and running, or why not. */
static int running_check(const mock_container *c) {
  if (c == NULL)
    return ctrt__error_code();
  if (c->state == MOCK_PAUSED)
    return paused_error(c);
  if (c->state != MOCK_RUNNING)
    return mock_not_running_error(c);
  return 0;
}

static int signal_number(const char *name) {
  static const struct {
    const char *name;
    int number;
  } table[] = {{"SIGKILL", SIGKILL}, {"SIGTERM", SIGTERM}, {"SIGINT", SIGINT},
               {"SIGHUP", SIGHUP},   {"SIGUSR1", SIGUSR1}, {"SIGUSR2", SIGUSR2}};
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(table[i].name, name) == 0)
      return table[i].number;
  return 0;
}

int mock_kill_container(void *self, const ctrt_container_id *id, const char *signal) {
  mock_runtime *m = self;
  int sig = signal_number(signal); /* the dispatcher validated and canonicalised it */
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  int rc;
  if ((rc = running_check(c)) < 0)
    goto done;
  if (sig == 0) {
    rc = ctrt__error_invalid_spec("unsupported signal %s", signal);
    goto done;
  }
  mock_process_signal(m, c->main, sig);
done:
  mock_unlock(m);
  return rc;
}

int mock_pause_container(void *self, const ctrt_container_id *id) {
  mock_runtime *m = self;
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  int rc;
  if (c != NULL && c->state == MOCK_PAUSED)
    rc = ctrt__error_set(CTRT_ERROR_CONFLICT, 409, "Container %s is already paused", c->runtime_id);
  else if ((rc = running_check(c)) == 0) {
    c->state = MOCK_PAUSED;
    mock_broadcast(m);
  }
  mock_unlock(m);
  return rc;
}

int mock_unpause_container(void *self, const ctrt_container_id *id) {
  mock_runtime *m = self;
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  int rc = 0;
  /* The spec's kind for "not paused" is conflict (Docker 20.10 answers 500,
   * which its backend reports as internal). */
  if (c == NULL)
    rc = ctrt__error_code();
  else if (c->state != MOCK_PAUSED)
    rc = ctrt__error_set(CTRT_ERROR_CONFLICT, 409, "Container %s is not paused", c->runtime_id);
  else {
    c->state = MOCK_RUNNING;
    mock_broadcast(m);
  }
  mock_unlock(m);
  return rc;
}

#define MERGE(field)                                                                                                   \
  do {                                                                                                                 \
    if (update->has_##field) {                                                                                         \
      c->limits.has_##field = true;                                                                                    \
      c->limits.field = update->field;                                                                                 \
    }                                                                                                                  \
  } while (0)

static int merge_string(char **dst, const char *src) {
  if (src == NULL)
    return 0;
  char *copy = ctrt__strdup(src);
  CTRT__CHECK_ALLOC(copy);
  ctrt__free(*dst);
  *dst = copy;
  return 0;
}

int mock_update_container_resources(void *self, ctrt_container_update_outcome **out, const ctrt_container_id *id,
                                    const ctrt_container_resource_update *update) {
  mock_runtime *m = self;
  ctrt_container_update_outcome *outcome = ctrt__malloc(sizeof *outcome);
  CTRT__CHECK_ALLOC(outcome);
  *outcome = (ctrt_container_update_outcome)CTRT_CONTAINER_UPDATE_OUTCOME_INIT;
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  ctrt_container_restart_policy_update *policy = NULL;
  int rc = 0;
  if (c == NULL) {
    rc = ctrt__error_code();
    goto done;
  }
  if (update->has_memory && update->memory > 0 && update->memory < MIN_MEMORY_LIMIT) {
    rc = ctrt__error_set(CTRT_ERROR_INVALID_SPEC, 400, "Minimum memory limit allowed is 6MB");
    goto done;
  }
  if (update->restart_policy && update->restart_policy->has_maximum_retry_count &&
      update->restart_policy->maximum_retry_count < 0) {
    rc = ctrt__error_set(CTRT_ERROR_INVALID_SPEC, 400, "maximum retry count cannot be negative");
    goto done;
  }
  if (update->has_kernel_memory) {
    /* Accepted, not applied: what Docker 20.10 does on cgroup v1 kernels. */
    outcome->warnings = ctrt__calloc(1, sizeof *outcome->warnings);
    if (outcome->warnings)
      outcome->warnings[0] = ctrt__strdup("Setting kernel memory limit is deprecated and will be removed in a "
                                          "future release; the limit was not applied");
    if (outcome->warnings == NULL || outcome->warnings[0] == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
    outcome->n_warnings = 1;
  }
  MERGE(cpu_shares);
  MERGE(memory);
  MERGE(cpu_period);
  MERGE(cpu_quota);
  MERGE(cpu_realtime_period);
  MERGE(cpu_realtime_runtime);
  MERGE(memory_reservation);
  MERGE(memory_swap);
  MERGE(blkio_weight);
  MERGE(pids_limit);
  if ((rc = merge_string(&c->limits.cpuset_cpus, update->cpuset_cpus)) < 0 ||
      (rc = merge_string(&c->limits.cpuset_mems, update->cpuset_mems)) < 0)
    goto done;
  if (update->restart_policy) {
    if ((rc = ctrt_container_restart_policy_update_copy(&policy, update->restart_policy)) < 0)
      goto done;
    ctrt_container_restart_policy_update_free(c->limits.restart_policy);
    c->limits.restart_policy = policy;
  }
  *out = outcome;
  outcome = NULL;
done:
  mock_unlock(m);
  ctrt_container_update_outcome_free(outcome);
  return rc;
}

/* ---- waiting ---- */

static int classify(mock_container *c, ctrt_wait_outcome **out) {
  ctrt_wait_outcome *outcome = ctrt__malloc(sizeof *outcome);
  CTRT__CHECK_ALLOC(outcome);
  *outcome = (ctrt_wait_outcome)CTRT_WAIT_OUTCOME_INIT;
  outcome->exit_code = c->exit_code;
  int rc = 0;
  if (c->oom_killed) {
    outcome->reason = CTRT_WAIT_REASON_OOM_KILLED;
  } else if (c->exit_code > 128) {
    outcome->reason = CTRT_WAIT_REASON_SIGNAL;
    rc = ctrt_signal_name_from_exit_code(&outcome->signal, c->exit_code);
  } else if (c->error && c->error[0]) {
    outcome->reason = CTRT_WAIT_REASON_RUNTIME_ERROR;
  } else {
    outcome->reason = CTRT_WAIT_REASON_EXITED;
  }
  if (c->has_finished) {
    outcome->has_finished_at = true;
    outcome->finished_at = c->finished_at;
  }
  if (rc < 0) {
    ctrt_wait_outcome_free(outcome);
    return rc;
  }
  *out = outcome;
  return 0;
}

/* Wait under condition; c stays referenced by the caller. */
static void wait_for(mock_runtime *m, mock_container *c, ctrt_wait_condition condition) {
  uint64_t exits = c->exits;
  switch (condition) {
  case CTRT_WAIT_CONDITION_NEXT_EXIT:
    while (c->exits == exits && !c->removed && !m->closing)
      mock_wait(m, 0);
    break;
  case CTRT_WAIT_CONDITION_REMOVED:
    while (!c->removed && !m->closing)
      mock_wait(m, 0);
    break;
  default:
    while (mock_container_running(c) && !m->closing)
      mock_wait(m, 0);
    break;
  }
  mock_container_reap(m, c);
}

static int wait_outcome(mock_runtime *m, ctrt_wait_outcome **out, const ctrt_container_id *id,
                        ctrt_wait_condition condition, int32_t *code) {
  mock_lock(m);
  mock_container *c = mock_find_container(m, id);
  if (c == NULL) {
    mock_unlock(m);
    return ctrt__error_code();
  }
  int rc = 0;
  mock_container_ref(c);
  wait_for(m, c, condition);
  if (m->closing)
    rc = ctrt__error_cancelled("the runtime was closed while waiting");
  else if (out)
    rc = classify(c, out);
  else
    *code = c->exit_code;
  mock_container_unref(c);
  mock_unlock(m);
  return rc;
}

int mock_wait_container(void *self, int32_t *out, const ctrt_container_id *id) {
  return wait_outcome(self, NULL, id, CTRT_WAIT_CONDITION_NOT_RUNNING, out);
}

int mock_wait_outcome(void *self, ctrt_wait_outcome **out, const ctrt_container_id *id) {
  return wait_outcome(self, out, id, CTRT_WAIT_CONDITION_NOT_RUNNING, NULL);
}

int mock_wait_outcome_with_condition(void *self, ctrt_wait_outcome **out, const ctrt_container_id *id,
                                     ctrt_wait_condition condition) {
  return wait_outcome(self, out, id, condition, NULL);
}

/* ---- prune and list ---- */

int mock_prune_containers(void *self, ctrt_container_prune_result **out) {
  mock_runtime *m = self;
  ctrt_container_prune_result *result = ctrt__malloc(sizeof *result);
  CTRT__CHECK_ALLOC(result);
  *result = (ctrt_container_prune_result)CTRT_CONTAINER_PRUNE_RESULT_INIT;
  int rc = 0;
  mock_lock(m);
  for (size_t i = 0; i < m->n_containers;) {
    mock_container *c = m->containers[i];
    if (mock_container_running(c)) {
      i++;
      continue;
    }
    char **grown = ctrt__realloc(result->deleted, (result->n_deleted + 1) * sizeof *grown);
    if (grown == NULL) {
      rc = ctrt__error_no_memory();
      break;
    }
    result->deleted = grown;
    if ((grown[result->n_deleted] = ctrt__strdup(c->runtime_id)) == NULL) {
      rc = ctrt__error_no_memory();
      break;
    }
    result->n_deleted++;
    uint64_t now = memfs_size(c->fs), before = memfs_size(c->base);
    result->space_reclaimed += now > before ? now - before : 0;
    mock_container_reap(m, c);
    c->removed = true;
    memmove(&m->containers[i], &m->containers[i + 1], (m->n_containers - i - 1) * sizeof *m->containers);
    m->n_containers--;
    mock_container_unref(c);
  }
  mock_broadcast(m);
  mock_unlock(m);
  if (rc < 0) {
    ctrt_container_prune_result_free(result);
    return rc;
  }
  *out = result;
  return 0;
}

int mock_list_containers(void *self, ctrt_runtime_container_summary_list **out) {
  mock_runtime *m = self;
  ctrt_runtime_container_summary_list *list = ctrt__malloc(sizeof *list);
  CTRT__CHECK_ALLOC(list);
  *list = (ctrt_runtime_container_summary_list)CTRT_RUNTIME_CONTAINER_SUMMARY_LIST_INIT;
  int rc = 0;
  mock_lock(m);
  if (m->n_containers > 0 && (list->items = ctrt__calloc(m->n_containers, sizeof *list->items)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  for (size_t i = 0; i < m->n_containers; i++) {
    ctrt_runtime_container_summary *s = &list->items[list->n_items++];
    *s = (ctrt_runtime_container_summary)CTRT_RUNTIME_CONTAINER_SUMMARY_INIT;
    s->runtime_id = ctrt__strdup(m->containers[i]->runtime_id);
    /* An outside container has no label, an adopted one neither (as on Docker) */
    const char *managed = m->containers[i]->adopted ? NULL : m->containers[i]->display;
    s->managed_id = managed ? ctrt__strdup(managed) : NULL;
    if (s->runtime_id == NULL || (managed && s->managed_id == NULL)) {
      rc = ctrt__error_no_memory();
      goto done;
    }
  }
  *out = list;
  list = NULL;
done:
  mock_unlock(m);
  ctrt_runtime_container_summary_list_free(list);
  return rc;
}
