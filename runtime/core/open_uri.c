/* SPDX-License-Identifier: MIT */
/* Runtime URIs: which built-in backend a URI names and what it receives.
 *
 *   SCHEME:[//]REST     a built-in backend by name (mock, docker, podman, cri)
 *   unix:///path        the Docker-API forms every Docker tool prints: the
 *   tcp://host[:port]   docker backend, given the whole URI
 *
 * Schemes compare case-insensitively (RFC 3986 3.1), the outer one and the
 * inner one a backend receives ("DOCKER://UNIX:///x" is "docker://unix:///x").
 * plugin:PATH is handled by the caller (its PATH keeps its case). */
#include "gen_internal.h"

#include <ctype.h>
#include <strings.h>

/* Docker-API host schemes accepted without "docker://" in front. */
static const char *const bare_docker_schemes[] = {"unix", "tcp", NULL};

static bool scheme_is(const char *uri, size_t len, const char *name) {
  return strlen(name) == len && strncasecmp(uri, name, len) == 0;
}

static size_t scheme_length(const char *s) {
  if (!isalpha((unsigned char)s[0]))
    return 0;
  size_t n = 1;
  while (isalnum((unsigned char)s[n]) || s[n] == '+' || s[n] == '-' || s[n] == '.')
    n++;
  return s[n] == ':' ? n : 0;
}

/* "valid schemes: mock:, docker://, ...", from the backends of this build. */
static void list_schemes(char *buf, size_t size) {
  /* The mock is a module of its own (libctrt-mock), opened by runtime.c. */
  int first = snprintf(buf, size, "mock:");
  size_t used = first > 0 && (size_t)first < size ? (size_t)first : 0;
  for (size_t i = 0; ctrt__builtin_backends[i] != NULL; i++) {
    const char *name = ctrt__builtin_backends[i]->name;
    int n = snprintf(buf + used, size - used, "%s%s://", used ? ", " : "", name);
    if (n < 0 || (size_t)n >= size - used)
      return;
    used += (size_t)n;
  }
  snprintf(buf + used, size - used, "%splugin:PATH, unix:///PATH and tcp://HOST[:PORT] (Docker API)", used ? ", " : "");
}

static int unknown_uri(const char *uri, bool has_scheme) {
  char valid[256];
  list_schemes(valid, sizeof valid);
  CTRT__CHECK_ARG(has_scheme, "'%s' is not a runtime URI (no scheme); valid schemes: %s", uri, valid);
  return ctrt__error_invalid_argument("no backend for '%.*s:' in this build (URI '%s'); valid schemes: %s",
                                      (int)scheme_length(uri), uri, uri, valid);
}

/* A copy of s whose leading "scheme://" is lower case. */
static char *lower_inner_scheme(const char *s) {
  char *copy = ctrt__strdup(s);
  if (copy == NULL)
    return NULL;
  size_t n = scheme_length(copy);
  if (n > 0 && strncmp(copy + n, "://", 3) == 0)
    for (size_t i = 0; i < n; i++)
      copy[i] = (char)tolower((unsigned char)copy[i]);
  return copy;
}

int ctrt__open_resolve(const ctrt_backend **backend, char **rest, const char *uri) {
  *backend = NULL;
  *rest = NULL;
  size_t len = scheme_length(uri);
  if (len == 0)
    return unknown_uri(uri, false);
  for (size_t i = 0; bare_docker_schemes[i] != NULL; i++) {
    if (scheme_is(uri, len, bare_docker_schemes[i])) {
      for (size_t j = 0; ctrt__builtin_backends[j] != NULL; j++)
        if (strcmp(ctrt__builtin_backends[j]->name, "docker") == 0)
          *backend = ctrt__builtin_backends[j];
      if (*backend == NULL)
        return unknown_uri(uri, true);
      *rest = lower_inner_scheme(uri);
      return *rest ? 0 : ctrt__error_no_memory();
    }
  }
  for (size_t i = 0; ctrt__builtin_backends[i] != NULL; i++)
    if (scheme_is(uri, len, ctrt__builtin_backends[i]->name))
      *backend = ctrt__builtin_backends[i];
  if (*backend == NULL)
    return unknown_uri(uri, true);
  const char *after = uri + len + 1;
  if (strncmp(after, "//", 2) == 0)
    after += 2;
  *rest = lower_inner_scheme(after);
  return *rest ? 0 : ctrt__error_no_memory();
}
