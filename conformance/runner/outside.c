/* SPDX-License-Identifier: MIT */
/* conform_outside_container: a container ctrt did not create, made through
 * each engine's own API the way another client would, for the adopt cases.
 * This is the one place the suite speaks to an engine without ctrt. */
#include "runner.h"

#include <ctrt/mock.h>
#include <curl/curl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *backend(void) { return conform_env_get()->backend; }

/* ---- docker and podman: the Docker Engine API over the daemon's socket ---- */

typedef struct buf {
  char *data;
  size_t len;
} buf;

static size_t collect(char *ptr, size_t size, size_t n, void *ctx) {
  buf *b = ctx;
  char *grown = realloc(b->data, b->len + size * n + 1);
  if (grown == NULL)
    return 0;
  memcpy(grown + b->len, ptr, size * n);
  b->len += size * n;
  grown[b->len] = '\0';
  b->data = grown;
  return size * n;
}

/* One request; the status, or -1 when it could not be sent. *body (may be
 * NULL) gets the answer. */
static long engine_http(const char *verb, const char *path, const char *json, char **body) {
  const char *host = conform_env_get()->host;
  if (host == NULL || host[0] == '\0')
    host = getenv(strcmp(backend(), "podman") == 0 ? "CONTAINER_HOST" : "DOCKER_HOST");
  if (host == NULL || host[0] == '\0')
    host = "unix:///var/run/docker.sock";
  CURL *curl = curl_easy_init();
  if (curl == NULL)
    return -1;
  char url[1024];
  if (strncmp(host, "unix://", 7) == 0) {
    curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, host + 7);
    snprintf(url, sizeof url, "http://localhost%s", path);
  } else {
    snprintf(url, sizeof url, "http://%s%s", strstr(host, "://") ? strstr(host, "://") + 3 : host, path);
  }
  struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
  buf answer = {NULL, 0};
  curl_easy_setopt(curl, CURLOPT_URL, url);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, verb);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
  if (json != NULL)
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json);
  long status = -1;
  if (curl_easy_perform(curl) == CURLE_OK)
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (body != NULL)
    *body = answer.data;
  else
    free(answer.data);
  return status;
}

static void docker_remove(void *engine_id) {
  char path[256];
  snprintf(path, sizeof path, "/containers/%s?force=1", (const char *)engine_id);
  engine_http("DELETE", path, NULL, NULL); /* gone already (removed through ctrt) is fine */
  free(engine_id);
}

static const char *docker_outside(const char *name, const char *const *argv) {
  json_t *cmd = json_array();
  for (size_t i = 0; argv[i]; i++)
    json_array_append_new(cmd, json_string(argv[i]));
  json_t *config = json_pack("{s:s, s:o}", "Image", conform_env_get()->image, "Cmd", cmd);
  char *text = config ? json_dumps(config, JSON_COMPACT) : NULL;
  json_decref(config);
  char *answer = NULL;
  long status = text ? engine_http("POST", conform_printf("/containers/create?name=%s", name), text, &answer) : -1;
  free(text);
  json_t *reply = answer ? json_loads(answer, 0, NULL) : NULL;
  const char *id = json_string_value(json_object_get(reply, "Id"));
  char *engine_id = id && status == 201 ? strdup(id) : NULL;
  C_CHECK(engine_id != NULL, "the engine's own create of %s answered %ld: %s", name, status, answer ? answer : "");
  json_decref(reply);
  free(answer);
  if (engine_id == NULL)
    return NULL;
  conform_defer(engine_id, docker_remove);
  return engine_id;
}

/* ---- cri: the fixture's CRI client (RunPodSandbox, CreateContainer) ---- */

/* The fixture's CRI client: the source tree's copy, else the one installed
 * beside the default expectations (share/ctrt/conformance/cri.py). */
static const char *cri_py_path(void) {
  static char path[PATH_MAX + 16];
  if (access(CONFORM_SOURCE_DIR "/../fixtures/containerd/cri.py", R_OK) == 0)
    return CONFORM_SOURCE_DIR "/../fixtures/containerd/cri.py";
  snprintf(path, sizeof path, "%s", conform_default_expectations());
  char *slash = strrchr(path, '/');
  snprintf(slash ? slash + 1 : path, sizeof path - (size_t)(slash ? slash + 1 - path : 0), "cri.py");
  return path;
}
#define CRI_PY cri_py_path()

/* Run cri.py with args; its first output line in out (may be NULL). */
static bool cri_py(const char *const *args, char *out, size_t cap) {
  int fds[2];
  if (pipe(fds) < 0)
    return false;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    if (out == NULL) /* clean-up: a pod removed through ctrt already is fine */
      freopen("/dev/null", "w", stderr);
    close(fds[0]);
    close(fds[1]);
    execvp("python3", (char *const *)args);
    _exit(127);
  }
  close(fds[1]);
  size_t len = 0;
  ssize_t n;
  char sink[256];
  while ((n = read(fds[0], out && len + 1 < cap ? out + len : sink,
                   out && len + 1 < cap ? cap - 1 - len : sizeof sink)) > 0)
    if (out && len + 1 < cap)
      len += (size_t)n;
  close(fds[0]);
  if (out)
    out[len] = '\0';
  int status = 0;
  return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static const char *cri_sock(void) {
  const char *host = conform_env_get()->host;
  return host && host[0] ? host : "unix:///run/containerd/containerd.sock";
}

static void cri_remove(void *pod) {
  const char *args[] = {"python3", CRI_PY, cri_sock(), "rmp", pod, NULL};
  cri_py(args, NULL, 0);
  free(pod);
}

static const char *cri_outside(const char *name, const char *const *argv) {
  if (!C_CHECK(access(CRI_PY, R_OK) == 0, "%s (the fixture's CRI client) is not there", CRI_PY))
    return NULL;
  const char *log_dir = getenv("CTRT_CRI_LOG_DIR"), *cgroup = getenv("CTRT_CRI_CGROUP_PARENT");
  const char *net = getenv("CTRT_CRI_POD_NETWORK");
  const char *args[64] = {"python3",
                          CRI_PY,
                          cri_sock(),
                          "run",
                          name,
                          conform_env_get()->image,
                          log_dir && log_dir[0] ? log_dir : "/var/log/pods",
                          cgroup ? cgroup : "",
                          net && strcmp(net, "node") == 0 ? "node" : "pod"};
  size_t n = 9;
  for (size_t i = 0; argv[i] && n < 63; i++)
    args[n++] = argv[i];
  args[n] = NULL;
  char line[512];
  bool ok = cri_py(args, line, sizeof line);
  char pod[200] = "", container[200] = "";
  if (!C_CHECK(ok && sscanf(line, "%199s %199s", pod, container) == 2, "cri.py run %s failed (%s)", name, line))
    return NULL;
  char *pod_copy = strdup(pod);
  if (pod_copy)
    conform_defer(pod_copy, cri_remove);
  return conform_printf("%s", container);
}

/* ---- mock: its test hook ---- */

static const char *mock_outside(const char *name, const char *const *argv) {
  char *engine_id = NULL;
  if (!C_OK(ctrt_mock_create_outside(conform_rt(), name, conform_spec(argv), &engine_id)))
    return NULL;
  conform_defer(engine_id, ctrt_free);
  return engine_id;
}

const char *conform_outside_container(const char *name, const char *const *argv) {
  if (strcmp(backend(), "mock") == 0)
    return mock_outside(name, argv);
  if (strcmp(backend(), "docker") == 0 || strcmp(backend(), "podman") == 0)
    return docker_outside(name, argv);
  if (strcmp(backend(), "cri") == 0)
    return cri_outside(name, argv);
  C_CHECK(false, "no way to create a container outside ctrt on backend %s", backend());
  return NULL;
}
