/* SPDX-License-Identifier: MIT */
/* The Docker CLI's environment (DOCKER_HOST, DOCKER_TLS_VERIFY,
 * DOCKER_CERT_PATH, DOCKER_API_VERSION) read into the transport's
 * configuration: Docker's convention, so the backend's, not the transport's. */
#include "backends/docker/docker.h"
#include "backends/docker/docker_wire.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *env(const char *name) {
  const char *v = getenv(name);
  return v && v[0] ? v : NULL;
}

/* dir/name if the file exists, else NULL (like the CLI, missing files are
 * skipped). *out stays NULL and 0 is returned when it does not exist. */
static int cert_file(char **out, const char *dir, const char *name) {
  char *path = ctrt__sprintf("%s/%s", dir, name);
  CTRT__CHECK_ALLOC(path);
  if (access(path, F_OK) != 0) {
    ctrt__free(path);
    return 0;
  }
  *out = path;
  return 0;
}

int ctrt__docker_config_from_env(ctrt__http_config *out) {
  CTRT__CHECK_ARG(out != NULL, "docker_config_from_env: out must not be NULL");
  memset(out, 0, sizeof *out);
  /* Docker's hooks: the transport knows HTTP, not the daemon's answers. */
  out->error_from_body = ctrt__docker_error_from_body;
  out->negotiate = ctrt__docker_negotiate;
  out->peer = "the Docker daemon";
  out->tls_hint = "check DOCKER_CERT_PATH and DOCKER_TLS_VERIFY";
  const char *host = env("DOCKER_HOST");
  const char *verify = env("DOCKER_TLS_VERIFY");
  const char *cert_path = env("DOCKER_CERT_PATH");
  const char *version = env("DOCKER_API_VERSION");

  out->tls_verify = verify != NULL;
  out->tls = verify != NULL || cert_path != NULL;
  out->host = ctrt__strdup(host ? host : CTRT__DOCKER_DEFAULT_HOST);
  CTRT__CHECK_ALLOC(out->host);

  char *home_dir = NULL;
  int rc = 0;
  /* Validate now so the message can name the variable. */
  if (ctrt__http_host_check(out->host, out->tls) < 0) {
    rc = ctrt__error_wrap("DOCKER_HOST");
    goto done;
  }
  int major, minor;
  if (version != NULL && !ctrt__api_version_parse(version, &major, &minor)) {
    rc = ctrt__error_configuration("DOCKER_API_VERSION=%s: expected a version like 1.41", version);
    goto done;
  }
  if (version != NULL && (out->api_version = ctrt__strdup(version)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if (!out->tls)
    goto done;
  if (cert_path == NULL) {
    const char *home = env("HOME");
    if (home == NULL)
      goto done; /* no certificate directory: system CAs, no client cert */
    if ((home_dir = ctrt__sprintf("%s/.docker", home)) == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
    cert_path = home_dir;
  }
  if ((rc = cert_file(&out->ca_file, cert_path, "ca.pem")) < 0 ||
      (rc = cert_file(&out->cert_file, cert_path, "cert.pem")) < 0 ||
      (rc = cert_file(&out->key_file, cert_path, "key.pem")) < 0)
    goto done;
  if ((out->cert_file == NULL) != (out->key_file == NULL))
    rc = ctrt__error_configuration("%s has %s but not %s: a client certificate needs both", cert_path,
                                   out->cert_file ? "cert.pem" : "key.pem", out->cert_file ? "key.pem" : "cert.pem");
done:
  ctrt__free(home_dir);
  if (rc < 0)
    ctrt__http_config_clear(out);
  return rc;
}
