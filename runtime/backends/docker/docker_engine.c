/* SPDX-License-Identifier: MIT */
/* Engine identity over the Docker Engine API: GET /version says which
 * engine answers (Docker Engine, or Podman's compat service) and its
 * version; GET /info gives the configuration facts expectations are scoped
 * on (log driver, storage driver, cgroups, OS). */
#include "backends/docker/docker_internal.h"

/* ---- strict reading of the two answers ---- */

static int bad_field(const char *what, const ctrt__jpath *path, const char *expected, const json_t *got) {
  char where[256];
  ctrt__jpath_format(path, where, sizeof where);
  return ctrt__error_internal("runtime_engine: the daemon's %s answer is malformed: %s: expected %s, got %s", what,
                              where, expected, got ? ctrt__json_type_name(got) : "nothing");
}

/* An optional string member: NULL when absent or null, an error when of
 * another type. */
static int opt_string(const char **out, const json_t *object, const char *key, const ctrt__jpath *parent,
                      const char *what) {
  *out = NULL;
  const json_t *v = json_object_get(object, key);
  if (v == NULL || json_is_null(v))
    return 0;
  if (!json_is_string(v)) {
    ctrt__jpath path = CTRT__JPATH_KEY(parent, key);
    return bad_field(what, &path, "a string", v);
  }
  *out = json_string_value(v);
  return 0;
}

/* Which engine a /version answer describes, and its version. */
typedef struct version_facts {
  const char *name; /* "docker", "podman", "docker-compatible" */
  const char *version;
  const char *api_version;
  const char *platform;
  const char *os, *arch;
  const char *containerd, *runc;
} version_facts;

static int read_version(version_facts *vf, const json_t *version) {
  static const char what[] = "GET /version";
  const ctrt__jpath *root = NULL;
  memset(vf, 0, sizeof *vf);
  if (!json_is_object(version))
    return bad_field(what, root, "an object", version);
  int rc;
  if ((rc = opt_string(&vf->version, version, "Version", root, what)) < 0)
    return rc;
  if (vf->version == NULL || vf->version[0] == '\0') {
    ctrt__jpath path = CTRT__JPATH_KEY(root, "Version");
    return bad_field(what, &path, "a non-empty string", json_object_get(version, "Version"));
  }
  if ((rc = opt_string(&vf->api_version, version, "ApiVersion", root, what)) < 0 ||
      (rc = opt_string(&vf->os, version, "Os", root, what)) < 0 ||
      (rc = opt_string(&vf->arch, version, "Arch", root, what)) < 0)
    return rc;
  const json_t *platform = json_object_get(version, "Platform");
  ctrt__jpath platform_path = CTRT__JPATH_KEY(root, "Platform");
  if (platform != NULL && !json_is_null(platform)) {
    if (!json_is_object(platform))
      return bad_field(what, &platform_path, "an object", platform);
    if ((rc = opt_string(&vf->platform, platform, "Name", &platform_path, what)) < 0)
      return rc;
  }
  bool docker = vf->platform != NULL && strstr(vf->platform, "Docker") != NULL;
  const char *podman_version = NULL;
  bool podman = false;
  const json_t *components = json_object_get(version, "Components");
  ctrt__jpath components_path = CTRT__JPATH_KEY(root, "Components");
  if (components != NULL && !json_is_null(components)) {
    if (!json_is_array(components))
      return bad_field(what, &components_path, "an array", components);
    size_t i;
    const json_t *c;
    json_array_foreach(components, i, c) {
      ctrt__jpath cpath = CTRT__JPATH_INDEX(&components_path, i);
      if (!json_is_object(c))
        return bad_field(what, &cpath, "an object", c);
      const char *name = NULL, *cversion = NULL;
      if ((rc = opt_string(&name, c, "Name", &cpath, what)) < 0 ||
          (rc = opt_string(&cversion, c, "Version", &cpath, what)) < 0)
        return rc;
      if (name == NULL) {
        ctrt__jpath npath = CTRT__JPATH_KEY(&cpath, "Name");
        return bad_field(what, &npath, "a string", NULL);
      }
      if (strcmp(name, "Podman Engine") == 0) {
        podman = true;
        podman_version = cversion;
      } else if (strcmp(name, "Engine") == 0)
        docker = true;
      else if (strcmp(name, "containerd") == 0)
        vf->containerd = cversion;
      else if (strcmp(name, "runc") == 0)
        vf->runc = cversion;
    }
  }
  /* Podman's compat service names itself in Components; Docker Engine has
   * an "Engine" component (and "Docker Engine - ..." as its platform when
   * built by Docker Inc.); anything else speaks the API without saying. */
  if (podman) {
    vf->name = "podman";
    if (podman_version != NULL && podman_version[0] != '\0')
      vf->version = podman_version;
  } else
    vf->name = docker ? "docker" : "docker-compatible";
  return 0;
}

int ctrt__docker_engine_info(ctrt_engine_info **out, const json_t *version, const json_t *info) {
  *out = NULL;
  version_facts vf;
  int rc = read_version(&vf, version);
  if (rc < 0)
    return rc;
  static const char what[] = "GET /info";
  const ctrt__jpath *root = NULL;
  static const struct {
    const char *key, *fact;
  } info_facts[] = {
      {"LoggingDriver", "log_driver"},     {"Driver", "storage_driver"},          {"CgroupDriver", "cgroup_driver"},
      {"CgroupVersion", "cgroup_version"}, {"DefaultRuntime", "default_runtime"}, {"OSType", "os"},
  };
  const char *values[sizeof info_facts / sizeof info_facts[0]] = {0};
  if (!json_is_object(info))
    return bad_field(what, root, "an object", info);
  for (size_t i = 0; i < sizeof info_facts / sizeof info_facts[0]; i++)
    if ((rc = opt_string(&values[i], info, info_facts[i].key, root, what)) < 0)
      return rc;
  ctrt_engine_info *e = NULL;
  if ((rc = ctrt__engine_info_new(&e, vf.name, vf.version, vf.api_version)) < 0)
    goto done;
  for (size_t i = 0; i < sizeof info_facts / sizeof info_facts[0]; i++) {
    const char *value = values[i];
    if (value == NULL && strcmp(info_facts[i].fact, "os") == 0)
      value = vf.os;
    if ((rc = ctrt__engine_info_add_fact(e, info_facts[i].fact, value)) < 0)
      goto done;
  }
  if ((rc = ctrt__engine_info_add_fact(e, "arch", vf.arch)) < 0 ||
      (rc = ctrt__engine_info_add_fact(e, "containerd_version", vf.containerd)) < 0 ||
      (rc = ctrt__engine_info_add_fact(e, "runc_version", vf.runc)) < 0)
    goto done;
  if (strcmp(vf.name, "docker-compatible") == 0 && (rc = ctrt__engine_info_add_fact(e, "platform", vf.platform)) < 0)
    goto done;
  *out = e;
  e = NULL;
done:
  ctrt_engine_info_free(e);
  return rc;
}

/* ---- the exchange ---- */

static int get_json(ctrt__docker *d, const char *path, json_t **out) {
  ctrt__http_request req = CTRT__HTTP_REQUEST_INIT;
  req.path = path;
  ctrt__http_response *resp = NULL;
  int rc;
  if ((rc = ctrt__docker_send(d, &req, NULL, 0, "runtime_engine", &resp)) < 0)
    goto done;
  if ((rc = ctrt__docker_parse_body(out, resp, "runtime_engine")) < 0)
    rc = ctrt__error_wrap("GET %s", path);
done:
  ctrt__http_response_free(resp);
  return rc;
}

int ctrt__docker_host_memory(ctrt__docker *d, uint64_t *out) {
  pthread_mutex_lock(&d->lock);
  *out = d->host_memory;
  pthread_mutex_unlock(&d->lock);
  if (*out > 0)
    return 0;
  json_t *info = NULL;
  char *path = NULL;
  /* get_container_stats' and stats_stream's declared SystemInfo call. */
  int rc;
  if ((rc = ctrt__dockerreq_get_container_stats_system_info(&path)) < 0)
    return rc;
  rc = get_json(d, path, &info);
  ctrt__free(path);
  json_int_t total = json_integer_value(json_object_get(info, "MemTotal"));
  json_decref(info);
  if (rc < 0)
    return ctrt__error_wrap("the host's memory");
  if (total <= 0)
    return 0; /* not reported: limits are taken as given */
  pthread_mutex_lock(&d->lock);
  d->host_memory = *out = (uint64_t)total;
  pthread_mutex_unlock(&d->lock);
  return 0;
}

/* runtime_engine is no spec method (ctrt_engine_info is the library's own
 * record, not a Runtime result): its two GETs are the spec's
 * docker_internal "runtime_engine" calls. */
int ctrt__docker_engine(void *self, ctrt_engine_info **out) {
  ctrt__docker *d = self;
  char *version_path = NULL, *info_path = NULL;
  json_t *version = NULL, *info = NULL;
  int rc;
  if ((rc = ctrt__dockerreq_runtime_engine_system_version(&version_path)) < 0 ||
      (rc = ctrt__dockerreq_runtime_engine_system_info(&info_path)) < 0 ||
      (rc = get_json(d, version_path, &version)) < 0 || (rc = get_json(d, info_path, &info)) < 0)
    goto done;
  rc = ctrt__docker_engine_info(out, version, info);
done:
  ctrt__free(version_path);
  ctrt__free(info_path);
  json_decref(version);
  json_decref(info);
  return rc;
}
