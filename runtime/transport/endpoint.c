/* SPDX-License-Identifier: MIT */
/* Endpoints: unix://, tcp://, http:// and https:// hosts parsed into what libcurl needs. */
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
    return ctrt__error_configuration("no host to connect to (expected unix:///path, tcp://host:port or http[s]://)");
  if (has_prefix(host, "unix://")) {
    const char *path = host + strlen("unix://");
    if (path[0] != '/')
      return ctrt__error_configuration("host %s: a unix socket needs an absolute path (unix:///path)", host);
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
    return ctrt__error_configuration("host %s: unsupported scheme (use unix://, tcp://, http:// or https://)", host);
  }
  /* host[:port], host may be a bracketed IPv6 literal; "/" alone may end it. */
  size_t len = strlen(rest);
  if (len > 0 && rest[len - 1] == '/')
    len--;
  if (len == 0)
    return ctrt__error_configuration("host %s: the host is missing (expected %.*shost[:port])", host,
                                     (int)(rest - host), host);
  if (memchr(rest, '/', len) != NULL || memchr(rest, '@', len) != NULL)
    return ctrt__error_configuration("host %s: expected %.*shost[:port] without a path", host, (int)(rest - host),
                                     host);
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)rest[i] <= ' ' || rest[i] == '?' || rest[i] == '#')
      return ctrt__error_configuration("host %s: invalid character in the address", host);
  const char *host_end = rest + len;
  if (rest[0] == '[') {
    const char *close = memchr(rest, ']', len);
    if (close == NULL || close == rest + 1)
      return ctrt__error_configuration("host %s: unterminated IPv6 address", host);
    host_end = close + 1;
  } else {
    const char *colon = memchr(rest, ':', len);
    if (colon != NULL)
      host_end = colon;
  }
  if (host_end == rest)
    return ctrt__error_configuration("host %s: missing host name", host);
  long port = tls ? 2376 : 2375;
  if (host_end < rest + len) {
    if (*host_end != ':' || host_end + 1 == rest + len)
      return ctrt__error_configuration("host %s: expected host:port", host);
    char *end = NULL;
    port = strtol(host_end + 1, &end, 10);
    if (end != rest + len || port < 1 || port > 65535)
      return ctrt__error_configuration("host %s: invalid port", host);
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

void ctrt__http_config_clear(ctrt__http_config *cfg) {
  if (cfg == NULL)
    return;
  ctrt__free(cfg->host);
  ctrt__free(cfg->ca_file);
  ctrt__free(cfg->cert_file);
  ctrt__free(cfg->key_file);
  ctrt__free(cfg->api_version);
  memset(cfg, 0, sizeof *cfg);
}

int ctrt__http_host_check(const char *host, bool tls) {
  ctrt__endpoint ep;
  int rc;
  if ((rc = ctrt__endpoint_parse(&ep, host, tls)) < 0)
    return rc; /* it holds nothing then */
  ctrt__endpoint_clear(&ep);
  return 0;
}
