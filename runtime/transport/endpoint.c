/* SPDX-License-Identifier: MIT */
/* Endpoints: DOCKER_HOST and friends, read the way the docker CLI reads them. */
#include "transport/transport_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

bool ctrt__api_version_parse(const char *text, int *major, int *minor) {
  if (text == NULL)
    return false;
  long v[2] = {0, 0};
  const char *p = text;
  for (int i = 0; i < 2; i++) {
    if (*p < '0' || *p > '9')
      return false;
    for (; *p >= '0' && *p <= '9'; p++) {
      v[i] = v[i] * 10 + (*p - '0');
      if (v[i] > 9999)
        return false;
    }
    if (i == 0 && *p++ != '.')
      return false;
  }
  if (*p != '\0')
    return false;
  *major = (int)v[0];
  *minor = (int)v[1];
  return true;
}

void ctrt__endpoint_clear(ctrt__endpoint *ep) {
  if (ep == NULL)
    return;
  ctrt__free(ep->unix_path);
  ctrt__free(ep->base_url);
  ctrt__free(ep->host_header);
  memset(ep, 0, sizeof *ep);
}

static bool has_prefix(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

int ctrt__endpoint_parse(ctrt__endpoint *out, const char *host, bool tls) {
  memset(out, 0, sizeof *out);
  if (host == NULL || host[0] == '\0')
    host = CTRT__DOCKER_DEFAULT_HOST;
  if (has_prefix(host, "unix://")) {
    const char *path = host + strlen("unix://");
    if (path[0] != '/')
      return ctrt__error_configuration("Docker host %s: a unix socket needs an absolute path (unix:///path)", host);
    out->is_unix = true;
    out->unix_path = ctrt__strdup(path);
    out->base_url = ctrt__strdup("http://localhost");
    out->host_header = ctrt__strdup("localhost");
    if (out->unix_path == NULL || out->base_url == NULL || out->host_header == NULL) {
      ctrt__endpoint_clear(out);
      return ctrt__error_no_memory();
    }
    return 0;
  }
  const char *rest;
  if (has_prefix(host, "tcp://")) {
    rest = host + strlen("tcp://");
  } else if (has_prefix(host, "http://")) {
    rest = host + strlen("http://");
    tls = false;
  } else if (has_prefix(host, "https://")) {
    rest = host + strlen("https://");
    tls = true;
  } else {
    return ctrt__error_configuration("Docker host %s: unsupported scheme (use unix://, tcp://, http:// or https://)",
                                     host);
  }
  /* host[:port], host may be a bracketed IPv6 literal; "/" alone may end it. */
  size_t len = strlen(rest);
  if (len > 0 && rest[len - 1] == '/')
    len--;
  if (len == 0)
    return ctrt__error_configuration("Docker host %s: the host is missing (expected %.*shost[:port])", host,
                                     (int)(rest - host), host);
  if (memchr(rest, '/', len) != NULL || memchr(rest, '@', len) != NULL)
    return ctrt__error_configuration("Docker host %s: expected %.*shost[:port] without a path", host,
                                     (int)(rest - host), host);
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)rest[i] <= ' ' || rest[i] == '?' || rest[i] == '#')
      return ctrt__error_configuration("Docker host %s: invalid character in the address", host);
  const char *host_end = rest + len;
  if (rest[0] == '[') {
    const char *close = memchr(rest, ']', len);
    if (close == NULL || close == rest + 1)
      return ctrt__error_configuration("Docker host %s: unterminated IPv6 address", host);
    host_end = close + 1;
  } else {
    const char *colon = memchr(rest, ':', len);
    if (colon != NULL)
      host_end = colon;
  }
  if (host_end == rest)
    return ctrt__error_configuration("Docker host %s: missing host name", host);
  long port = tls ? 2376 : 2375;
  if (host_end < rest + len) {
    if (*host_end != ':' || host_end + 1 == rest + len)
      return ctrt__error_configuration("Docker host %s: expected host:port", host);
    char *end = NULL;
    port = strtol(host_end + 1, &end, 10);
    if (end != rest + len || port < 1 || port > 65535)
      return ctrt__error_configuration("Docker host %s: invalid port", host);
  }
  out->tls = tls;
  out->host_header = ctrt__sprintf("%.*s:%ld", (int)(host_end - rest), rest, port);
  out->base_url = out->host_header ? ctrt__sprintf("%s://%s", tls ? "https" : "http", out->host_header) : NULL;
  if (out->base_url == NULL) {
    ctrt__endpoint_clear(out);
    return ctrt__error_no_memory();
  }
  return 0;
}

void ctrt__docker_config_clear(ctrt__docker_config *cfg) {
  if (cfg == NULL)
    return;
  ctrt__free(cfg->host);
  ctrt__free(cfg->ca_file);
  ctrt__free(cfg->cert_file);
  ctrt__free(cfg->key_file);
  ctrt__free(cfg->api_version);
  memset(cfg, 0, sizeof *cfg);
}

static const char *env(const char *name) {
  const char *v = getenv(name);
  return v && v[0] ? v : NULL;
}

/* dir/name if the file exists, else NULL (like the CLI, missing files are
 * skipped). *out stays NULL and 0 is returned when it does not exist. */
static int cert_file(char **out, const char *dir, const char *name) {
  char *path = ctrt__sprintf("%s/%s", dir, name);
  if (path == NULL)
    return ctrt__error_no_memory();
  if (access(path, F_OK) != 0) {
    ctrt__free(path);
    return 0;
  }
  *out = path;
  return 0;
}

int ctrt__docker_config_from_env(ctrt__docker_config *out) {
  if (out == NULL)
    return ctrt__error_invalid_argument("docker_config_from_env: out must not be NULL");
  memset(out, 0, sizeof *out);
  const char *host = env("DOCKER_HOST");
  const char *verify = env("DOCKER_TLS_VERIFY");
  const char *cert_path = env("DOCKER_CERT_PATH");
  const char *version = env("DOCKER_API_VERSION");

  out->tls_verify = verify != NULL;
  out->tls = verify != NULL || cert_path != NULL;
  out->host = ctrt__strdup(host ? host : CTRT__DOCKER_DEFAULT_HOST);
  if (out->host == NULL)
    return ctrt__error_no_memory();

  /* Validate now so the message can name the variable. */
  ctrt__endpoint ep;
  if (ctrt__endpoint_parse(&ep, out->host, out->tls) < 0) {
    ctrt__docker_config_clear(out);
    return ctrt__error_wrap("DOCKER_HOST");
  }
  ctrt__endpoint_clear(&ep);

  if (version != NULL) {
    int major, minor;
    if (!ctrt__api_version_parse(version, &major, &minor)) {
      ctrt__docker_config_clear(out);
      return ctrt__error_configuration("DOCKER_API_VERSION=%s: expected a version like 1.41", version);
    }
    out->api_version = ctrt__strdup(version);
    if (out->api_version == NULL) {
      ctrt__docker_config_clear(out);
      return ctrt__error_no_memory();
    }
  }

  if (out->tls) {
    char *home_dir = NULL;
    if (cert_path == NULL) {
      const char *home = env("HOME");
      if (home == NULL)
        return 0; /* no certificate directory: system CAs, no client cert */
      home_dir = ctrt__sprintf("%s/.docker", home);
      if (home_dir == NULL) {
        ctrt__docker_config_clear(out);
        return ctrt__error_no_memory();
      }
      cert_path = home_dir;
    }
    int rc = cert_file(&out->ca_file, cert_path, "ca.pem");
    if (rc == 0)
      rc = cert_file(&out->cert_file, cert_path, "cert.pem");
    if (rc == 0)
      rc = cert_file(&out->key_file, cert_path, "key.pem");
    if (rc == 0 && (out->cert_file == NULL) != (out->key_file == NULL))
      rc = ctrt__error_configuration("%s has %s but not %s: a client certificate needs both", cert_path,
                                     out->cert_file ? "cert.pem" : "key.pem", out->cert_file ? "key.pem" : "cert.pem");
    ctrt__free(home_dir);
    if (rc < 0) {
      ctrt__docker_config_clear(out);
      return rc;
    }
  }
  return 0;
}
