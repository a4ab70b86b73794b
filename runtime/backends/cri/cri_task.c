/* Processes of ctrt's own in CRI's containers through containerd's Tasks
 * API on the same socket (containerd only; CRI-O keeps the CRI Exec path
 * of cri_exec.c). CRI's Exec takes an argv and tty/stdin flags only, and
 * its WebSocket protocol (v4.channel.k8s.io) cannot half-close stdin;
 * Tasks.Exec takes a whole OCI Process (user, cwd, env, terminal) and
 * FIFOs of the client's, as `ctr tasks exec` does:
 *
 *   Containers.Get -> the container's OCI spec, whose process is the base
 *   mkfifo in a private directory (0700): stdin, stdout, stderr
 *   Tasks.Exec (exec id of ours) -> Tasks.Start -> read the FIFOs
 *   Tasks.CloseIO (after closing our end of stdin): the process sees EOF
 *   Tasks.ResizePty, Tasks.Wait (exit status), Tasks.DeleteProcess
 *
 * A user name is resolved from the container's /etc/passwd and
 * /etc/group (read with CRI's ExecSync), as Docker and runc's user lookup
 * do: uid, primary gid, and the groups that list the user. */
#include "backends/cri/cri_internal.h"
#include "backends/cri/cri_log.h"
#include "containerd_images.pb-c.h" /* GetContainerRequest */
#include "containerd_tasks.pb-c.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROCESS_TYPE_URL "types.containerd.io/opencontainers/runtime-spec/1/Process"
#define READ_PIECE ((size_t)32 * 1024)

struct ctrt__cri_task {
  cri *c;
  const char *method;
  char *container_id;
  char exec_id[40];
  char *dir;                 /* the private directory of the FIFOs */
  int in_fd, out_fd, err_fd; /* -1 when not attached (or closed) */
  int cancel_fd;             /* eventfd: cancel from any thread */
  int poll_fd;               /* epoll set of out_fd and err_fd, for ctrt__cri_task_fd */
  bool started, waited;
  int32_t exit_code;
  char *start_error; /* runc could not start the command: exit 126 with this on stderr */
  bool start_error_sent;
};

/* ---- the process spec ---- */

/* The container's OCI spec (Containers.Get), parsed. */
static int container_spec(cri *c, const char *container_id, json_t **out) {
  *out = NULL;
  Ctrt__Containerd__GetContainerRequest req = CTRT__CONTAINERD__GET_CONTAINER_REQUEST__INIT;
  req.id = (char *)container_id;
  Ctrt__Containerd__GetContainerSpecResponse *resp = NULL;
  int rc = CRI_CALL(c, ctrt__cricall_exec_task_containers_get(), &req, &resp);
  if (rc < 0)
    return rc;
  const Ctrt__Containerd__Any *spec = resp->container ? resp->container->spec : NULL;
  json_error_t e;
  *out = spec ? json_loadb((const char *)spec->value.data, spec->value.len, 0, &e) : NULL;
  ctrt__cri_unpacked_free(resp);
  if (*out == NULL || !json_is_object(json_object_get(*out, "process"))) {
    json_decref(*out);
    *out = NULL;
    return ctrt__error_network("containerd's container %s has no OCI process spec", container_id);
  }
  return 0;
}

/* A file of the container (ExecSync cat): its text, NULL when absent. */
static int container_file(cri *c, const char *container_id, const char *path, char **out) {
  *out = NULL;
  char *argv[] = {"cat", (char *)path};
  Runtime__V1__ExecSyncRequest req = RUNTIME__V1__EXEC_SYNC_REQUEST__INIT;
  req.container_id = (char *)container_id;
  req.n_cmd = 2;
  req.cmd = argv;
  Runtime__V1__ExecSyncResponse *resp = NULL;
  int rc = CRI_CALL(c, ctrt__cricall_exec_task_runtime_exec_sync(), &req, &resp);
  if (rc < 0)
    return rc;
  if (resp->exit_code == 0 && (*out = ctrt__strndup((const char *)resp->stdout.data, resp->stdout.len)) == NULL)
    rc = ctrt__error_no_memory();
  ctrt__cri_unpacked_free(resp);
  return rc;
}

/* The fields of the first line of text (passwd or group format) whose
 * field `key` (0: name, 2: id) equals want, split into f[0..n) in a copy
 * (*line, to free); false when none. */
static bool colon_line(const char *text, int key, const char *want, char **f, int n, char **line) {
  *line = NULL;
  for (const char *p = text; p && *p;) {
    size_t len = strcspn(p, "\n");
    char *l = ctrt__strndup(p, len);
    if (l == NULL)
      return false;
    char *q = l;
    for (int k = 0; k < n; k++) {
      f[k] = q;
      q = q ? strchr(q, ':') : NULL;
      if (q)
        *q++ = '\0';
    }
    if (f[key] && strcmp(f[key], want) == 0) {
      *line = l;
      return true;
    }
    ctrt__free(l);
    p += len + (p[len] == '\n');
  }
  return false;
}

static bool all_digits(const char *s) {
  if (*s == '\0')
    return false;
  for (; *s; s++)
    if (*s < '0' || *s > '9')
      return false;
  return true;
}

int ctrt__cri_user_lookup(const char *spec_user, const char *passwd, const char *groups, const char *method,
                          ctrt__cri_user *out) {
  memset(out, 0, sizeof *out);
  char *name = ctrt__strdup(spec_user);
  CTRT__CHECK_ALLOC(name);
  char *group = strchr(name, ':');
  if (group)
    *group++ = '\0';
  char *f[7] = {0}, *line = NULL;
  int rc = 0;
  char *user_name = NULL; /* for the supplementary groups */
  if (all_digits(name)) {
    out->uid = strtoll(name, NULL, 10);
    /* A uid without a passwd entry is fine: gid 0, as Docker. */
    if (passwd && colon_line(passwd, 2, name, f, 7, &line) && f[3]) {
      out->gid = strtoll(f[3], NULL, 10);
      user_name = ctrt__strdup(f[0]);
    }
  } else if (passwd == NULL || !colon_line(passwd, 0, name, f, 7, &line) || !f[2] || !f[3]) {
    rc = ctrt__error_invalid_spec("%s: unable to find user %s: no matching entries in the container's /etc/passwd",
                                  method, name);
    goto done;
  } else {
    out->uid = strtoll(f[2], NULL, 10);
    out->gid = strtoll(f[3], NULL, 10);
    user_name = ctrt__strdup(f[0]);
  }
  ctrt__free(line);
  line = NULL;
  if (group && all_digits(group)) {
    out->gid = strtoll(group, NULL, 10);
  } else if (group) {
    char *g[4] = {0};
    if (groups == NULL || !colon_line(groups, 0, group, g, 4, &line) || !g[2]) {
      rc = ctrt__error_invalid_spec("%s: unable to find group %s: no matching entries in the container's /etc/group",
                                    method, group);
      goto done;
    }
    out->gid = strtoll(g[2], NULL, 10);
  }
  /* Supplementary groups: those of /etc/group that list the user. */
  for (const char *p = groups; user_name && p && *p;) {
    size_t len = strcspn(p, "\n");
    char *l = ctrt__strndup(p, len), *g[4] = {0}, *q = l;
    for (int k = 0; q && k < 4; k++) {
      g[k] = q;
      q = strchr(q, ':');
      if (q)
        *q++ = '\0';
    }
    char *save = NULL;
    for (char *m = g[3] ? strtok_r(g[3], ",", &save) : NULL; m && g[2]; m = strtok_r(NULL, ",", &save)) {
      int64_t gid = strtoll(g[2], NULL, 10);
      if (strcmp(m, user_name) == 0 && gid != out->gid && out->n_extra < CTRT__CRI_USER_GROUPS_MAX)
        out->extra[out->n_extra++] = gid;
    }
    ctrt__free(l);
    p += len + (p[len] == '\n');
  }
done:
  ctrt__free(line);
  ctrt__free(user_name);
  ctrt__free(name);
  return rc;
}

/* The user of the exec as process.user of the spec. */
static int resolve_user(cri *c, const char *container_id, const char *spec_user, const char *method, json_t *user) {
  char *passwd = NULL, *groups = NULL;
  ctrt__cri_user u;
  int rc;
  if ((rc = container_file(c, container_id, "/etc/passwd", &passwd)) < 0 ||
      (rc = container_file(c, container_id, "/etc/group", &groups)) < 0 ||
      (rc = ctrt__cri_user_lookup(spec_user, passwd, groups, method, &u)) < 0)
    goto done;
  json_t *extra = json_array();
  for (size_t i = 0; i < u.n_extra; i++)
    json_array_append_new(extra, json_integer(u.extra[i]));
  json_object_set_new(user, "uid", json_integer(u.uid));
  json_object_set_new(user, "gid", json_integer(u.gid));
  json_object_set_new(user, "additionalGids", extra);
  json_object_del(user, "username");
done:
  ctrt__free(passwd);
  ctrt__free(groups);
  return rc;
}

/* Whether env (KEY=VALUE texts) has a variable of the key of kv. */
static size_t env_find(json_t *env, const char *kv) {
  size_t klen = strcspn(kv, "=");
  size_t i;
  json_t *v;
  json_array_foreach(env, i, v) {
    const char *t = json_string_value(v);
    if (t && strncmp(t, kv, klen) == 0 && (t[klen] == '=' || t[klen] == '\0'))
      return i;
  }
  return (size_t)-1;
}

static void env_set(json_t *env, const char *kv) {
  size_t at = env_find(env, kv);
  if (at != (size_t)-1)
    json_array_set_new(env, at, json_string(kv));
  else
    json_array_append_new(env, json_string(kv));
}

/* The process of the exec: the container's, with the options applied. */
static int process_json(cri *c, const char *container_id, const ctrt_exec_options *o, const char *method, char **out) {
  *out = NULL;
  json_t *spec = NULL;
  int rc = container_spec(c, container_id, &spec);
  if (rc < 0)
    return rc;
  json_t *p = json_deep_copy(json_object_get(spec, "process"));
  json_decref(spec);
  CTRT__CHECK_ALLOC(p);
  json_t *args = json_array();
  for (size_t i = 0; i < o->n_command; i++)
    json_array_append_new(args, json_string(o->command[i]));
  json_object_set_new(p, "args", args);
  json_object_set_new(p, "terminal", json_boolean(o->tty));
  if (o->working_dir && o->working_dir[0])
    json_object_set_new(p, "cwd", json_string(o->working_dir));
  json_t *env = json_object_get(p, "env");
  if (!json_is_array(env)) {
    env = json_array();
    json_object_set_new(p, "env", env);
  }
  /* A terminal gets TERM, as Docker's and CRI's tty execs do. */
  if (o->tty && env_find(env, "TERM") == (size_t)-1)
    json_array_append_new(env, json_string("TERM=xterm"));
  for (size_t i = 0; i < o->n_env; i++)
    env_set(env, o->env[i]);
  if (o->user && o->user[0]) {
    json_t *user = json_object_get(p, "user");
    if (!json_is_object(user)) {
      user = json_object();
      json_object_set_new(p, "user", user);
    }
    if ((rc = resolve_user(c, container_id, o->user, method, user)) < 0)
      goto done;
  }
  if ((*out = json_dumps(p, JSON_COMPACT)) == NULL)
    rc = ctrt__error_no_memory();
done:
  json_decref(p);
  return rc;
}

/* ---- FIFOs ---- */

static int make_fifo(ctrt__cri_task *t, const char *name, char **path) {
  *path = ctrt__sprintf("%s/%s", t->dir, name);
  CTRT__CHECK_ALLOC(*path);
  if (mkfifo(*path, 0600) != 0)
    return ctrt__error_set(CTRT_ERROR_INTERNAL, 0, "%s: mkfifo %s: %s", t->method, *path, strerror(errno));
  return 0;
}

/* A FIFO of the exec, opened on our side. */
static int open_fifo(ctrt__cri_task *t, const char *name, int flags, char **path, int *fd) {
  int rc;
  if ((rc = make_fifo(t, name, path)) < 0)
    return rc;
  if ((*fd = open(*path, flags | O_CLOEXEC)) < 0)
    return ctrt__error_set(CTRT_ERROR_INTERNAL, 0, "%s: open %s: %s", t->method, *path, strerror(errno));
  return 0;
}

/* The directory of the FIFOs: $TMPDIR or /tmp, private to us (the shim
 * runs as root on the same host and opens them by path). */
static int make_dir(ctrt__cri_task *t) {
  const char *tmp = getenv("TMPDIR");
  t->dir = ctrt__sprintf("%s/ctrt-exec-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
  CTRT__CHECK_ALLOC(t->dir);
  if (mkdtemp(t->dir) == NULL) {
    int rc = ctrt__error_set(CTRT_ERROR_INTERNAL, 0, "%s: mkdtemp %s: %s", t->method, t->dir, strerror(errno));
    ctrt__free(t->dir);
    t->dir = NULL;
    return rc;
  }
  return 0;
}

static void remove_dir(ctrt__cri_task *t) {
  if (t->dir == NULL)
    return;
  static const char *const names[] = {"stdin", "stdout", "stderr"};
  for (size_t i = 0; i < 3; i++) {
    char *path = ctrt__sprintf("%s/%s", t->dir, names[i]);
    if (path)
      unlink(path);
    ctrt__free(path);
  }
  rmdir(t->dir);
  ctrt__free(t->dir);
  t->dir = NULL;
}

static void close_fd(int *fd) {
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}

/* ---- the process ---- */

static int task_call(ctrt__cri_task *t, const ctrt__cri_rpc *rpc, const ProtobufCMessage *req, void **reply,
                     long deadline_ms) {
  return ctrt__cri_call(t->c, rpc, deadline_ms, req, reply);
}

/* rc, with not_found (the process or task is gone already) as done. */
static int gone_is_done(int rc) {
  if (rc < 0 && ctrt_error_last()->kind == CTRT_ERROR_NOT_FOUND) {
    ctrt_error_clear();
    return 0;
  }
  return rc;
}

static int delete_process(ctrt__cri_task *t) {
  Ctrt__Containerd__DeleteProcessRequest req = CTRT__CONTAINERD__DELETE_PROCESS_REQUEST__INIT;
  req.container_id = t->container_id;
  req.exec_id = t->exec_id;
  return task_call(t, ctrt__cricall_exec_task_tasks_delete_process(), &req.base, NULL, t->c->deadline_ms);
}

static int new_exec_id(char *buf, size_t cap) {
  uint8_t r[12];
  if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
    return ctrt__error_set(CTRT_ERROR_INTERNAL, 0, "getrandom: %s", strerror(errno));
  size_t n = (size_t)snprintf(buf, cap, "ctrt-");
  for (size_t i = 0; i < sizeof r && n + 2 < cap; i++)
    n += (size_t)snprintf(buf + n, cap - n, "%02x", r[i]);
  return 0;
}

/* Create and start the exec (FIFOs open on our side first, so the shim's
 * blocking opens complete at once). */
static int task_start(ctrt__cri_task *t, const ctrt_exec_options *o, bool in, bool out, bool err) {
  char *process = NULL, *in_path = NULL, *out_path = NULL, *err_path = NULL;
  int rc;
  if ((rc = process_json(t->c, t->container_id, o, t->method, &process)) < 0 || (rc = make_dir(t)) < 0)
    goto done;
  if (in && (rc = open_fifo(t, "stdin", O_RDWR, &in_path, &t->in_fd)) < 0)
    goto done;
  if (out && (rc = open_fifo(t, "stdout", O_RDONLY | O_NONBLOCK, &out_path, &t->out_fd)) < 0)
    goto done;
  /* With a terminal, stderr is the terminal too. */
  if (err && !o->tty && (rc = open_fifo(t, "stderr", O_RDONLY | O_NONBLOCK, &err_path, &t->err_fd)) < 0)
    goto done;
  if ((rc = new_exec_id(t->exec_id, sizeof t->exec_id)) < 0)
    goto done;
  Ctrt__Containerd__Any spec = CTRT__CONTAINERD__ANY__INIT;
  spec.type_url = PROCESS_TYPE_URL;
  spec.value.data = (uint8_t *)process;
  spec.value.len = strlen(process);
  Ctrt__Containerd__ExecProcessRequest exec_req = CTRT__CONTAINERD__EXEC_PROCESS_REQUEST__INIT;
  exec_req.container_id = t->container_id;
  exec_req.exec_id = t->exec_id;
  exec_req.stdin = in_path ? in_path : "";
  exec_req.stdout = out_path ? out_path : "";
  exec_req.stderr = err_path ? err_path : "";
  exec_req.terminal = o->tty;
  exec_req.spec = &spec;
  if ((rc = task_call(t, ctrt__cricall_exec_task_tasks_exec(), &exec_req.base, NULL, t->c->deadline_ms)) < 0) {
    /* The container exists but has no task: it does not run (1.6.20:
     * NOT_FOUND "no running task found: task ID not found"). */
    if (ctrt_error_last()->kind == CTRT_ERROR_NOT_FOUND)
      rc = ctrt__error_conflict("%s: container %s is not running", t->method, t->container_id);
    goto done;
  }
  Ctrt__Containerd__StartRequest start_req = CTRT__CONTAINERD__START_REQUEST__INIT;
  start_req.container_id = t->container_id;
  start_req.exec_id = t->exec_id;
  Ctrt__Containerd__StartResponse *resp = NULL;
  rc = task_call(t, ctrt__cricall_exec_task_tasks_start(), &start_req.base, (void **)&resp, t->c->deadline_ms);
  ctrt__cri_unpacked_free(resp);
  if (rc < 0 && strstr(ctrt_error_last()->message, "OCI runtime exec failed") != NULL) {
    /* runc could not start the command: Docker reports exit 126 with
     * the text on stderr (as cri.c's exec does for ExecSync). */
    t->start_error = ctrt__sprintf("%s\n", ctrt_error_last()->message);
    rc = t->start_error ? 0 : ctrt__error_no_memory();
    ctrt_error_clear();
    t->waited = true;
    t->exit_code = 126;
    close_fd(&t->out_fd);
    close_fd(&t->in_fd);
    if (t->err_fd < 0)
      t->start_error_sent = true; /* no stderr attached: nowhere to put it */
    close_fd(&t->err_fd);
    delete_process(t);
    ctrt_error_clear();
  } else if (rc < 0) {
    ctrt_error saved = *ctrt_error_last();
    delete_process(t);
    ctrt__error_set(saved.kind, saved.http_status, "%s", saved.message);
  } else {
    t->started = true;
  }
done:
  ctrt__free(process);
  ctrt__free(in_path);
  ctrt__free(out_path);
  ctrt__free(err_path);
  return rc;
}

void ctrt__cri_task_free(ctrt__cri_task *t) {
  if (t == NULL)
    return;
  /* The caller's error (if any) outlives the clean-up calls. */
  ctrt_error saved = *ctrt_error_last();
  close_fd(&t->in_fd);
  close_fd(&t->out_fd);
  close_fd(&t->err_fd);
  if (t->started && !t->waited) {
    /* Freed while it runs: end it, so the shim can let it go. */
    Ctrt__Containerd__KillRequest kill = CTRT__CONTAINERD__KILL_REQUEST__INIT;
    kill.container_id = t->container_id;
    kill.exec_id = t->exec_id;
    kill.signal = SIGKILL;
    task_call(t, ctrt__cricall_exec_task_tasks_kill(), &kill.base, NULL, t->c->deadline_ms);
    Ctrt__Containerd__WaitRequest wait = CTRT__CONTAINERD__WAIT_REQUEST__INIT;
    wait.container_id = t->container_id;
    wait.exec_id = t->exec_id;
    task_call(t, ctrt__cricall_exec_task_tasks_wait(), &wait.base, NULL, t->c->deadline_ms);
  }
  if (t->started)
    delete_process(t);
  ctrt_error_clear();
  if (saved.kind != CTRT_ERROR_NONE)
    ctrt__error_set(saved.kind, saved.http_status, "%s", saved.message);
  remove_dir(t);
  close_fd(&t->cancel_fd);
  close_fd(&t->poll_fd);
  ctrt__free(t->start_error);
  ctrt__free(t->container_id);
  ctrt__free(t);
}

int ctrt__cri_task_open(cri *c, const char *container_id, const ctrt_exec_options *o, bool in, bool out, bool err,
                        const char *method, ctrt__cri_task **out_task) {
  *out_task = NULL;
  if (o->privileged)
    return ctrt__error_invalid_spec("%s: a privileged exec is not supported by the cri backend", method);
  ctrt__cri_task *t = ctrt__calloc(1, sizeof *t);
  CTRT__CHECK_ALLOC(t);
  t->c = c;
  t->method = method;
  t->in_fd = t->out_fd = t->err_fd = t->poll_fd = t->cancel_fd = -1;
  int rc;
  if ((t->container_id = ctrt__strdup(container_id)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((t->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
    rc = ctrt__error_set(CTRT_ERROR_INTERNAL, 0, "%s: eventfd: %s", method, strerror(errno));
    goto done;
  }
  rc = task_start(t, o, in, out, err);
done:
  if (rc < 0) {
    ctrt__cri_task_free(t);
    return ctrt__error_wrap("%s", method);
  }
  *out_task = t;
  return 0;
}

int ctrt__cri_task_next(ctrt__cri_task *t, int *channel, uint8_t **data, size_t *len) {
  *data = NULL;
  *len = 0;
  if (t->start_error && !t->start_error_sent) {
    t->start_error_sent = true;
    *channel = CTRT__K8S_STDERR;
    *len = strlen(t->start_error);
    *data = (uint8_t *)ctrt__strdup(t->start_error);
    return *data ? 0 : ctrt__error_no_memory();
  }
  while (t->out_fd >= 0 || t->err_fd >= 0) {
    struct pollfd p[3] = {{t->out_fd, POLLIN, 0}, {t->err_fd, POLLIN, 0}, {t->cancel_fd, POLLIN, 0}};
    long idle = t->c->stream_idle_ms;
    int n = poll(p, 3, idle > 0 ? (int)idle : -1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return ctrt__error_network("%s: poll: %s", t->method, strerror(errno));
    if (n == 0)
      return ctrt__error_set(CTRT_ERROR_TIMEOUT, 0, "%s: nothing arrived for %ld ms (stream_idle_timeout_ms)",
                             t->method, idle);
    if (p[2].revents)
      return ctrt__error_cancelled("%s: the session was cancelled", t->method);
    for (int i = 0; i < 2; i++) {
      /* poll reports POLLHUP only once a writer came and went, so a read
       * of 0 after it is the end, never a shim that has not opened yet. */
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      int *fd = i == 0 ? &t->out_fd : &t->err_fd;
      uint8_t *buf = ctrt__malloc(READ_PIECE + 1);
      CTRT__CHECK_ALLOC(buf);
      ssize_t got = read(*fd, buf, READ_PIECE);
      if (got > 0) {
        buf[got] = '\0';
        *channel = i == 0 ? CTRT__K8S_STDOUT : CTRT__K8S_STDERR;
        *data = buf;
        *len = (size_t)got;
        return 0;
      }
      ctrt__free(buf);
      if (got == 0 || (errno != EAGAIN && errno != EINTR))
        close_fd(fd);
    }
  }
  return CTRT_ITEROVER;
}

int ctrt__cri_task_write(ctrt__cri_task *t, const void *data, size_t len) {
  if (t->in_fd < 0)
    return ctrt__error_conflict("%s: stdin is not attached or was closed", t->method);
  const uint8_t *p = data;
  while (len > 0) {
    ssize_t n = write(t->in_fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return ctrt__error_network("%s: writing stdin: %s", t->method, strerror(errno));
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Our end of the FIFO first, then CloseIO: the shim's copy drains what
 * was written, sees EOF and closes the process's stdin. */
int ctrt__cri_task_close_stdin(ctrt__cri_task *t) {
  if (t->in_fd < 0)
    return 0;
  close_fd(&t->in_fd);
  if (!t->started || t->waited)
    return 0;
  Ctrt__Containerd__CloseIORequest req = CTRT__CONTAINERD__CLOSE_IOREQUEST__INIT;
  req.container_id = t->container_id;
  req.exec_id = t->exec_id;
  req.stdin = true;
  /* The process has ended already: its stdin is gone with it. */
  int rc = gone_is_done(task_call(t, ctrt__cricall_exec_task_tasks_close_io(), &req.base, NULL, t->c->deadline_ms));
  return rc < 0 ? ctrt__error_wrap("%s: closing stdin", t->method) : 0;
}

int ctrt__cri_task_resize(ctrt__cri_task *t, uint16_t rows, uint16_t cols) {
  if (!t->started || t->waited)
    return 0;
  Ctrt__Containerd__ResizePtyRequest req = CTRT__CONTAINERD__RESIZE_PTY_REQUEST__INIT;
  req.container_id = t->container_id;
  req.exec_id = t->exec_id;
  req.width = cols;
  req.height = rows;
  /* Ended meanwhile: no terminal left to resize (gone, or stopped and not
   * yet waited for: runc's UNKNOWN "cannot resize a stopped container"). */
  int rc = gone_is_done(task_call(t, ctrt__cricall_exec_task_tasks_resize_pty(), &req.base, NULL, t->c->deadline_ms));
  if (rc < 0 && strstr(ctrt_error_last()->message, "cannot resize a stopped container") != NULL) {
    ctrt_error_clear();
    rc = 0;
  }
  return rc;
}

/* The exit status (Tasks.Wait, no deadline: the process runs as long as
 * it runs). Call once the output has ended, or with nothing attached. */
int ctrt__cri_task_wait(ctrt__cri_task *t, int32_t *code) {
  if (!t->waited) {
    Ctrt__Containerd__WaitRequest req = CTRT__CONTAINERD__WAIT_REQUEST__INIT;
    req.container_id = t->container_id;
    req.exec_id = t->exec_id;
    Ctrt__Containerd__WaitResponse *resp = NULL;
    int rc = task_call(t, ctrt__cricall_exec_task_tasks_wait(), &req.base, (void **)&resp, 0);
    if (rc < 0)
      return ctrt__error_wrap("%s: waiting for the exit", t->method);
    t->waited = true;
    t->exit_code = (int32_t)resp->exit_status;
    ctrt__cri_unpacked_free(resp);
  }
  *code = t->exit_code;
  return 0;
}

void ctrt__cri_task_cancel(ctrt__cri_task *t) {
  if (t == NULL)
    return;
  uint64_t one = 1;
  ssize_t ignored = write(t->cancel_fd, &one, sizeof one);
  (void)ignored;
}

/* One descriptor that polls readable when either output has something
 * (or ended): an epoll set of both FIFOs (a closed one leaves it). */
int ctrt__cri_task_fd(ctrt__cri_task *t) {
  if (t->poll_fd < 0 && (t->out_fd >= 0 || t->err_fd >= 0)) {
    t->poll_fd = epoll_create1(EPOLL_CLOEXEC);
    int fds[] = {t->out_fd, t->err_fd};
    for (size_t i = 0; t->poll_fd >= 0 && i < 2; i++) {
      struct epoll_event ev = {.events = EPOLLIN, .data.fd = fds[i]};
      if (fds[i] >= 0)
        epoll_ctl(t->poll_fd, EPOLL_CTL_ADD, fds[i], &ev);
    }
  }
  return t->poll_fd;
}

/* ---- a whole exec, for exec_with_opts ---- */

typedef struct collected {
  uint8_t *data;
  size_t len, cap;
} collected;

static int collect(collected *b, const uint8_t *data, size_t len, size_t *room, bool *cut) {
  size_t take = len < *room ? len : *room;
  *cut = *cut || take < len;
  *room -= take;
  if (b->len + take + 1 > b->cap) {
    size_t cap = (b->len + take + 1) * 2;
    uint8_t *grown = ctrt__realloc(b->data, cap);
    CTRT__CHECK_ALLOC(grown);
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, take);
  b->len += take;
  return 0;
}

static int take_collected(ctrt_bytes *dst, collected *b) {
  if (b->len == 0) {
    ctrt__free(b->data);
    b->data = NULL;
    return ctrt__bytes_set(dst, NULL, 0);
  }
  b->data[b->len] = '\0';
  int rc = ctrt__bytes_take(dst, b->data, b->len);
  b->data = NULL;
  return rc;
}

int ctrt__cri_task_run(cri *c, const char *container_id, const ctrt_exec_options *o, const char *method,
                       ctrt_exec_result **out) {
  *out = NULL;
  ctrt__cri_task *t = NULL;
  int rc = ctrt__cri_task_open(c, container_id, o, false, true, true, method, &t);
  if (rc < 0)
    return rc;
  collected b[2] = {{0}, {0}};
  size_t room = c->exec_output_max;
  bool cut = false;
  for (;;) {
    int channel = 0;
    uint8_t *data = NULL;
    size_t len = 0;
    rc = ctrt__cri_task_next(t, &channel, &data, &len);
    if (rc == CTRT_ITEROVER) {
      rc = 0;
      break;
    }
    if (rc < 0)
      break;
    rc = collect(&b[channel == CTRT__K8S_STDERR], data, len, &room, &cut);
    ctrt__free(data);
    if (rc < 0)
      break;
  }
  int32_t code = 0;
  ctrt_exec_result *r = NULL;
  if (rc < 0 || (rc = ctrt__cri_task_wait(t, &code)) < 0)
    goto done;
  if ((r = ctrt__calloc(1, sizeof *r)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = take_collected(&r->stdout_, &b[0])) < 0)
    goto done;
  rc = take_collected(&r->stderr_, &b[1]);
done:
  ctrt__free(b[0].data);
  ctrt__free(b[1].data);
  ctrt__cri_task_free(t);
  if (rc < 0) {
    ctrt_exec_result_free(r);
    return ctrt__error_wrap("%s", method);
  }
  r->exit_code = code;
  r->output_truncated = cut;
  *out = r;
  return 0;
}

/* ---- a new task for an exited container (start after exit) ----
 *
 * CRI cannot start a container again; containerd can give the same
 * container (same snapshot, so the files of the first run stay) a new
 * task: Tasks.Create with the snapshot's mounts as rootfs, then Start.
 * CRI's own status stays at the first exit (its exit monitor belongs to
 * the task it started), so ctrt__cri_status_of reads this task's state
 * over it. CRI's log copiers belonged to the first task: the new one's
 * stdout and stderr go to containerd's "binary" logging (the shim runs a
 * program with the output pipes as fds 3 and 4, and waits for fd 5 to
 * close): ctrt-cri-logger (logger/), or the host's /bin/sh where it is
 * not installed, appending CRI log lines ("TIME STREAM F|P text") to the
 * container's log file, as CRI's copiers write them. */

int ctrt__cri_task_get(cri *c, const char *container_id, ctrt__cri_task_state *out) {
  memset(out, 0, sizeof *out);
  Ctrt__Containerd__GetTaskRequest req = CTRT__CONTAINERD__GET_TASK_REQUEST__INIT;
  req.container_id = (char *)container_id;
  Ctrt__Containerd__GetTaskResponse *resp = NULL;
  int rc = ctrt__cri_call(c, ctrt__cricall_task_tasks_get(), c->deadline_ms, &req.base, (void **)&resp);
  if (rc < 0)
    return gone_is_done(rc);
  if (resp->process) {
    out->status = resp->process->status;
    out->exit_code = (int32_t)resp->process->exit_status;
    if (resp->process->exited_at)
      out->exited_ns = resp->process->exited_at->seconds * 1000000000LL + resp->process->exited_at->nanos;
  }
  ctrt__cri_unpacked_free(resp);
  return 1;
}

/* Kill (any error ignored: it may have ended) and wait up to
 * deadline_ms; the wait's error (a timeout) is returned. */
static int kill_wait(cri *c, const char *container_id, int signal, long deadline_ms) {
  Ctrt__Containerd__KillRequest kill = CTRT__CONTAINERD__KILL_REQUEST__INIT;
  kill.container_id = (char *)container_id;
  kill.signal = (uint32_t)signal;
  kill.all = signal == SIGKILL;
  ctrt__cri_call(c, ctrt__cricall_task_tasks_kill(), c->deadline_ms, &kill.base, NULL);
  ctrt_error_clear();
  Ctrt__Containerd__WaitRequest wait = CTRT__CONTAINERD__WAIT_REQUEST__INIT;
  wait.container_id = (char *)container_id;
  return ctrt__cri_call(c, ctrt__cricall_task_tasks_wait(), deadline_ms, &wait.base, NULL);
}

static bool task_runs(const ctrt__cri_task_state *st) {
  return st->status == CTRT__CRI_TASK_RUNNING || st->status == CTRT__CRI_TASK_PAUSED ||
         st->status == CTRT__CRI_TASK_PAUSING || st->status == CTRT__CRI_TASK_CREATED;
}

int ctrt__cri_task_stop(cri *c, const char *container_id, uint32_t timeout_s) {
  ctrt__cri_task_state st;
  int rc = ctrt__cri_task_get(c, container_id, &st);
  if (rc <= 0 || !task_runs(&st))
    return rc < 0 ? rc : 0;
  /* SIGTERM, then SIGKILL after the grace period, as Docker's stop. */
  if (timeout_s > 0 && kill_wait(c, container_id, SIGTERM, (long)timeout_s * 1000) == 0)
    return 0;
  ctrt_error_clear();
  return kill_wait(c, container_id, SIGKILL, c->deadline_ms);
}

int ctrt__cri_task_remove(cri *c, const char *container_id) {
  ctrt__cri_task_state st;
  int rc = ctrt__cri_task_get(c, container_id, &st);
  if (rc <= 0)
    return rc;
  if (task_runs(&st) && (rc = kill_wait(c, container_id, SIGKILL, c->deadline_ms)) < 0)
    return rc;
  Ctrt__Containerd__DeleteTaskRequest del = CTRT__CONTAINERD__DELETE_TASK_REQUEST__INIT;
  del.container_id = (char *)container_id;
  return gone_is_done(ctrt__cri_call(c, ctrt__cricall_task_tasks_delete(), c->deadline_ms, &del.base, NULL));
}

/* Without ctrt-cri-logger (not installed), the host's /bin/sh is the
 * logger: one reader per stream (the shim gives it no PATH, hence
 * /bin/date); a last text without newline is a P line. It drops NUL
 * bytes (read) and costs a process per line. TERM (the shim's at task
 * delete) is ignored so that the readers drain to the end of the pipes.
 * Like ctrt-cri-logger it keeps its pid in LOG.logger until it is done. */
static const char LOGGER[] = "trap '' TERM; echo $$ >\"$L.logger\"; exec 5>&-; "
                             "t() { /bin/date -u +%Y-%m-%dT%H:%M:%S.%NZ; }; "
                             "c() { while IFS= read -r l; do printf '%s %s F %s\\n' \"$(t)\" $1 \"$l\"; done; "
                             "[ -z \"$l\" ] || printf '%s %s P %s\\n' \"$(t)\" $1 \"$l\"; }; "
                             "c stdout <&3 >>\"$L\" & c stderr <&4 >>\"$L\"; wait; /bin/rm -f \"$L.logger\"";

/* How long after the task's exit a live logger still counts as writing
 * (the shim kills it 12 s after a delete): past it a stuck one no longer
 * keeps the container running. */
#define LOGGER_DRAIN_NS (12 * 1000000000LL)

bool ctrt__cri_logger_draining(const char *log_file, int64_t exited_ns) {
  if (log_file == NULL || log_file[0] == '\0')
    return false;
  char *marker = ctrt__sprintf("%s.logger", log_file);
  if (marker == NULL)
    return false;
  char text[32] = "";
  FILE *f = fopen(marker, "re");
  if (f != NULL) {
    if (fgets(text, sizeof text, f) == NULL)
      text[0] = '\0';
    fclose(f);
  }
  char *end = NULL;
  long pid = strtol(text, &end, 10);
  /* A logger in another PID namespace is not seen (ESRCH): the exit
   * then counts at once. */
  bool alive = f != NULL && pid > 1 && end != text && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
  if (f != NULL && !alive)
    unlink(marker); /* a logger that was killed */
  ctrt__free(marker);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now); /* exited_ns is containerd's wall clock */
  return alive && now.tv_sec * 1000000000LL + now.tv_nsec - exited_ns < LOGGER_DRAIN_NS;
}

/* LOG.exit: "CODE EXITED_NS", the exit of a restarted run whose task is
 * deleted. */
static char *exit_file(const char *log_file) { return ctrt__sprintf("%s.exit", log_file); }

bool ctrt__cri_exit_recorded(const char *log_file, ctrt__cri_task_state *out) {
  if (log_file == NULL || log_file[0] == '\0')
    return false;
  char *path = exit_file(log_file);
  FILE *f = path ? fopen(path, "re") : NULL;
  ctrt__free(path);
  if (f == NULL)
    return false;
  char text[64] = "";
  bool ok = fgets(text, sizeof text, f) != NULL;
  fclose(f);
  char *end = text;
  errno = 0;
  long code = strtol(text, &end, 10);
  char *ns_end = end;
  long long ns = strtoll(end, &ns_end, 10);
  ok = ok && errno == 0 && end != text && ns_end != end && code >= INT32_MIN && code <= INT32_MAX;
  if (ok)
    *out = (ctrt__cri_task_state){.status = CTRT__CRI_TASK_STOPPED, .exit_code = (int32_t)code, .exited_ns = ns};
  return ok;
}

void ctrt__cri_exit_forget(const char *log_file) {
  char *path = log_file && log_file[0] ? exit_file(log_file) : NULL;
  if (path != NULL)
    unlink(path);
  ctrt__free(path);
}

void ctrt__cri_restart_files_remove(const char *log_file) {
  ctrt__cri_exit_forget(log_file);
  char *marker = log_file && log_file[0] ? ctrt__sprintf("%s.logger", log_file) : NULL;
  if (marker != NULL)
    unlink(marker); /* a logger killed with its task leaves it */
  ctrt__free(marker);
}

/* The shim holds the write ends of the logger's pipes until the task is
 * deleted (containerd 1.6.20: the logger saw EOF only then, 12 s later
 * when nothing deleted it), and Tasks.Delete returns once the logger has
 * exited. So a stopped restarted task is deleted, which writes the run's
 * last output, after its exit is kept in LOG.exit (written whole: a
 * temporary renamed) for the status reads that follow. */
int ctrt__cri_task_settle(cri *c, const char *container_id, const char *log_file) {
  pthread_mutex_lock(&c->task_lock);
  ctrt__cri_task_state st;
  int rc = ctrt__cri_task_get(c, container_id, &st);
  if (rc <= 0 || st.status != CTRT__CRI_TASK_STOPPED) {
    pthread_mutex_unlock(&c->task_lock);
    return rc < 0 ? rc : 0;
  }
  char *path = exit_file(log_file), *temp = path ? ctrt__sprintf("%s.tmp", path) : NULL;
  FILE *f = temp ? fopen(temp, "we") : NULL;
  if (path == NULL || temp == NULL) {
    rc = ctrt__error_no_memory();
  } else if (f == NULL || fprintf(f, "%d %lld\n", st.exit_code, (long long)st.exited_ns) < 0 || fclose(f) != 0 ||
             rename(temp, path) != 0) {
    rc = ctrt__error_internal("cannot keep the exit of container %s in %s: %s", container_id, path, strerror(errno));
  } else {
    rc = ctrt__cri_task_remove(c, container_id);
  }
  ctrt__free(path);
  ctrt__free(temp);
  pthread_mutex_unlock(&c->task_lock);
  return rc;
}

/* Percent-encode text onto u (room for 3 bytes per byte), keeping
 * unreserved characters and, in a path, '/'. Returns the end. */
static char *pct_encode(char *u, const char *text, bool path) {
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-_.~", *p) ||
        (path && *p == '/'))
      *u++ = (char)*p;
    else
      u += sprintf(u, "%%%02X", *p);
  }
  *u = '\0';
  return u;
}

/* The logger program: $CTRT_CRI_LOGGER, else the installed one; NULL when
 * neither is executable (the shell script then). */
static const char *logger_program(void) {
  const char *env = getenv("CTRT_CRI_LOGGER");
  const char *path = env && env[0] ? env : CTRT__CRI_LOGGER;
  return path[0] == '/' && access(path, X_OK) == 0 ? path : NULL;
}

/* binary:///PROGRAM?--file=LOG, or without ctrt-cri-logger
 * binary:///bin/sh?-c=L='log file';SCRIPT; the query percent-encoded (Go's
 * query parser drops pairs with a raw ';'), one pair only (Go passes them
 * to the program in map order). */
char *ctrt__cri_logger_uri(const char *log_file) {
  const char *program = logger_program();
  if (program != NULL) {
    char *uri = ctrt__malloc(sizeof "binary://?--file=" + 3 * (strlen(program) + strlen(log_file)));
    if (uri != NULL) {
      char *u = pct_encode(uri + sprintf(uri, "binary://"), program, true);
      pct_encode(u + sprintf(u, "?--file="), log_file, false);
    }
    return uri;
  }
  size_t len = strlen(log_file);
  char *quoted = ctrt__malloc(len * 4 + 3), *q = quoted;
  if (quoted == NULL)
    return NULL;
  *q++ = '\'';
  for (const char *p = log_file; *p; p++) {
    if (*p == '\'') {
      memcpy(q, "'\\''", 4);
      q += 4;
    } else {
      *q++ = *p;
    }
  }
  *q++ = '\'';
  *q = '\0';
  char *script = ctrt__sprintf("L=%s; %s", quoted, LOGGER);
  ctrt__free(quoted);
  if (script == NULL)
    return NULL;
  char *uri = ctrt__malloc(sizeof "binary:///bin/sh?-c=" + strlen(script) * 3);
  if (uri != NULL)
    pct_encode(uri + sprintf(uri, "binary:///bin/sh?-c="), script, false);
  ctrt__free(script);
  return uri;
}

/* A run's last text without newline is a P line, which a reader joins
 * with the next line of its stream: the next run's first. So before a new
 * run, a stream whose last line (in the file's last 64 KiB) is P gets an
 * empty F line that ends the message with its run, as Docker ends a log
 * entry at a run's end. */
static void end_open_messages(const char *log_file) {
  int fd = open(log_file, O_RDWR | O_APPEND | O_CLOEXEC);
  if (fd < 0)
    return; /* no log yet: nothing open */
  enum { TAIL = 64 * 1024 };
  char *tail = ctrt__malloc(TAIL);
  off_t size = lseek(fd, 0, SEEK_END);
  off_t from = size > TAIL ? size - TAIL : 0;
  ssize_t got = tail && size > 0 ? pread(fd, tail, (size_t)(size - from), from) : 0;
  bool open_stream[2] = {false, false}; /* stdout, stderr */
  /* Whole lines only: skip the first when the window cut it. */
  const char *p = tail, *end = tail + (got > 0 ? got : 0);
  if (from > 0 && p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    p = nl ? nl + 1 : end;
  }
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = (size_t)((nl ? nl : end) - p);
    ctrt__cri_log_line line;
    if (nl && ctrt__cri_log_parse_line(p, len, &line))
      open_stream[line.stream == CTRT_LOG_CHANNEL_STDERR] = line.partial;
    p = nl ? nl + 1 : end;
  }
  static const char *const names[2] = {"stdout", "stderr"};
  for (int i = 0; i < 2; i++) {
    if (!open_stream[i])
      continue;
    char stamp[64], line[96];
    ctrt_timestamp now = ctrt__timestamp_now();
    if (ctrt__timestamp_format(stamp, sizeof stamp, &now) == 0) {
      int n = snprintf(line, sizeof line, "%s %s F \n", stamp, names[i]);
      if (n > 0 && (size_t)n < sizeof line && write(fd, line, (size_t)n) != n)
        break; /* best effort: the message then joins the next run's */
    }
  }
  ctrt__free(tail);
  close(fd);
}

/* ctrt__cri_task_restart under task_lock. */
static int task_restart(cri *c, const char *container_id, const char *log_file) {
  /* The previous task of ours, stopped (CRI deleted its own at exit). */
  int rc = ctrt__cri_task_remove(c, container_id);
  if (rc < 0)
    return rc;
  ctrt__cri_exit_forget(log_file); /* the status is the new task's */
  if (log_file && log_file[0])
    end_open_messages(log_file);
  Ctrt__Containerd__GetContainerResponse *ct = NULL;
  Ctrt__Containerd__MountsResponse *mounts = NULL;
  char *uri = NULL;
  if ((rc = ctrt__cri_snapshot_mounts(c, container_id, &ct, &mounts)) < 0)
    goto done;
  if (log_file && log_file[0] && (uri = ctrt__cri_logger_uri(log_file)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  Ctrt__Containerd__CreateTaskRequest creq = CTRT__CONTAINERD__CREATE_TASK_REQUEST__INIT;
  creq.container_id = (char *)container_id;
  creq.n_rootfs = mounts->n_mounts;
  creq.rootfs = mounts->mounts;
  creq.stdin = "";
  creq.stdout = creq.stderr = uri ? uri : "";
  if ((rc = ctrt__cri_call(c, ctrt__cricall_task_tasks_create(), c->deadline_ms, &creq.base, NULL)) < 0)
    goto done;
  Ctrt__Containerd__StartRequest sreq = CTRT__CONTAINERD__START_REQUEST__INIT;
  sreq.container_id = (char *)container_id;
  sreq.exec_id = "";
  if ((rc = ctrt__cri_call(c, ctrt__cricall_task_tasks_start(), c->deadline_ms, &sreq.base, NULL)) < 0) {
    ctrt_error saved = *ctrt_error_last();
    ctrt__cri_task_remove(c, container_id);
    ctrt__error_set(saved.kind, saved.http_status, "%s", saved.message);
  }
done:
  ctrt__free(uri);
  ctrt__cri_unpacked_free(mounts);
  ctrt__cri_unpacked_free(ct);
  return rc;
}

int ctrt__cri_snapshot_mounts(cri *c, const char *container_id, Ctrt__Containerd__GetContainerResponse **ct,
                              Ctrt__Containerd__MountsResponse **mounts) {
  *ct = NULL;
  *mounts = NULL;
  Ctrt__Containerd__GetContainerRequest greq = CTRT__CONTAINERD__GET_CONTAINER_REQUEST__INIT;
  greq.id = (char *)container_id;
  Ctrt__Containerd__MountsRequest mreq = CTRT__CONTAINERD__MOUNTS_REQUEST__INIT;
  int rc;
  if ((rc = CRI_CALL(c, ctrt__cricall_task_containers_get(), &greq, ct)) < 0)
    return rc;
  if ((*ct)->container == NULL || (*ct)->container->snapshot_key[0] == '\0')
    return ctrt__error_internal("container %s has no snapshot", container_id);
  /* None named: containerd's default, overlayfs. */
  mreq.snapshotter = (*ct)->container->snapshotter[0] ? (*ct)->container->snapshotter : "overlayfs";
  mreq.key = (*ct)->container->snapshot_key;
  return CRI_CALL(c, ctrt__cricall_task_snapshots_mounts(), &mreq, mounts);
}

int ctrt__cri_task_restart(cri *c, const char *container_id, const char *log_file) {
  pthread_mutex_lock(&c->task_lock);
  int rc = task_restart(c, container_id, log_file);
  pthread_mutex_unlock(&c->task_lock);
  return rc;
}
