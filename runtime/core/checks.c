/* SPDX-License-Identifier: MIT */
/* Argument checks the generated dispatchers run before a backend sees the
 * arguments (spec: methods[].inputs[].check). */
#include "gen_internal.h"

#include <ctype.h>

int ctrt__check_container_id(const char *method, const ctrt_container_id *id) {
  if (id->service == NULL || id->service[0] == '\0')
    return ctrt__error_invalid_spec("%s: the container id has an empty service name", method);
  /* The service is part of every engine's container name (zlayer-{service}-
   * {replica}); Docker's name rule allows [a-zA-Z0-9_.-] after the prefix, so
   * anything else is refused here rather than by each engine differently. */
  for (const char *c = id->service; *c; c++)
    if (!isalnum((unsigned char)*c) && *c != '_' && *c != '.' && *c != '-')
      return ctrt__error_invalid_spec("%s: invalid service name '%s' (allowed: letters, digits, '_', '.', '-')", method,
                                      id->service);
  if (id->role != NULL && (id->role[0] == '\0' || strchr(id->role, '-') != NULL))
    return ctrt__error_invalid_spec("%s: container id role '%s' must be non-empty and free of '-'", method, id->role);
  return 0;
}

/* Docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (so at least two characters). */
int ctrt__check_container_name(const char *method, const char *name) {
  size_t len = strlen(name);
  bool ok = len >= 2 && isalnum((unsigned char)name[0]);
  for (size_t i = 1; ok && i < len; i++)
    ok = isalnum((unsigned char)name[i]) || name[i] == '_' || name[i] == '.' || name[i] == '-';
  if (!ok)
    return ctrt__error_invalid_spec("%s: invalid container name '%s' (must match [a-zA-Z0-9][a-zA-Z0-9_.-]+)", method,
                                    name);
  return 0;
}

/* adopt_container's engine_ref: a container name, or an id prefix of any
 * length (one hex digit is a prefix too). */
int ctrt__check_engine_ref(const char *method, const char *ref) {
  bool ok = isalnum((unsigned char)ref[0]);
  for (size_t i = 1; ok && ref[i]; i++)
    ok = isalnum((unsigned char)ref[i]) || ref[i] == '_' || ref[i] == '.' || ref[i] == '-';
  if (!ok)
    return ctrt__error_invalid_spec(
        "%s: invalid engine reference '%s' (an engine id, id prefix or name: [a-zA-Z0-9][a-zA-Z0-9_.-]*)", method, ref);
  return 0;
}

bool ctrt__engine_ref_offer(ctrt__engine_ref_match *m, const void *item, const char *id, const char *name) {
  if (strcmp(id, m->ref) == 0 || (name != NULL && strcmp(name, m->ref) == 0)) {
    m->exact = item;
    return true;
  }
  if (strncmp(id, m->ref, strlen(m->ref)) == 0) {
    m->by_prefix = item;
    m->n_prefix++;
  }
  return false;
}

int ctrt__engine_ref_result(const ctrt__engine_ref_match *m, const void **out) {
  *out = m->exact != NULL ? m->exact : m->n_prefix == 1 ? m->by_prefix : NULL;
  return *out != NULL ? 0 : ctrt__error_engine_ref_unmatched(m->ref, m->n_prefix);
}

int ctrt__error_engine_ref_unmatched(const char *ref, size_t n_prefix) {
  if (n_prefix == 0)
    return ctrt__error_not_found(ref, "no container has this id, id prefix or name");
  return ctrt__error_invalid_argument(
      "adopt_container: engine_ref '%s' is a prefix of several container ids: give more of the id", ref);
}

int ctrt__error_adopt_known_as(const char *ref, const char *known_as) {
  return ctrt__error_set(CTRT_ERROR_CONFLICT, 409, "adopt_container: container '%s' is already addressed as %s", ref,
                         known_as);
}

int ctrt__error_adopt_id_taken(const char *display, const char *engine_id) {
  return ctrt__error_set(CTRT_ERROR_CONFLICT, 409, "adopt_container: %s already names another container (%.12s)",
                         display, engine_id);
}

/* Docker's reference grammar (distribution/reference), decided here once
 * so every backend answers a malformed reference alike:
 *   [host[:port]/]path[:tag][@algorithm:hex]
 * The first component is a registry host when it contains '.' or ':' or is
 * "localhost" (the docker CLI's rule); every path component is lower case
 * [a-z0-9]+ joined by '.', '_', '__' or dashes; a tag is [A-Za-z0-9_]
 * then [A-Za-z0-9_.-], at most 128; a digest's hex has at least 32 digits.
 * Returns a reason, or NULL when the reference is well formed. */
static bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

static const char *path_component_problem(const char *s, size_t len) {
  if (len == 0)
    return "an empty path component";
  if (!is_lower_alnum(s[0]) || !is_lower_alnum(s[len - 1]))
    return isupper((unsigned char)s[0]) || isupper((unsigned char)s[len - 1])
               ? "the repository name must be lower case"
               : "a path component must start and end with [a-z0-9]";
  for (size_t i = 1; i < len; i++) {
    if (is_lower_alnum(s[i]))
      continue;
    if (isupper((unsigned char)s[i]))
      return "the repository name must be lower case";
    if (s[i] == '.' || s[i] == '_') {
      /* '.', '_' or '__' between two alphanumerics. */
      size_t run = 1;
      while (i + run < len && s[i + run] == '_' && s[i] == '_')
        run++;
      if (run > 2 || !is_lower_alnum(s[i + run]))
        return "separators in a path component are '.', '_', '__' or dashes between [a-z0-9]";
      i += run - 1;
      continue;
    }
    if (s[i] == '-')
      continue; /* any number of dashes; the last character is alphanumeric */
    return "a path component may hold only [a-z0-9], '.', '_' and '-'";
  }
  return NULL;
}

static const char *host_problem(const char *s, size_t len) {
  const char *colon = memchr(s, ':', len);
  size_t host_len = colon ? (size_t)(colon - s) : len;
  if (host_len == 0)
    return "the registry host is empty";
  for (size_t i = 0; i < host_len; i++) {
    bool edge = i == 0 || i == host_len - 1 || s[i - 1] == '.' || s[i + 1] == '.';
    if (isalnum((unsigned char)s[i]) || (s[i] == '-' && !edge) || (s[i] == '.' && i > 0 && i < host_len - 1))
      continue;
    return "the registry host is not a host name";
  }
  if (colon != NULL) {
    size_t port_len = len - host_len - 1;
    if (port_len == 0 || port_len > 5)
      return "the registry port is not a number";
    for (size_t i = 0; i < port_len; i++)
      if (!isdigit((unsigned char)colon[1 + i]))
        return "the registry port is not a number";
  }
  return NULL;
}

static const char *digest_problem(const char *d) {
  const char *colon = strchr(d, ':');
  if (colon == NULL || colon == d)
    return "a digest is algorithm:hex (sha256:...)";
  for (const char *c = d; c < colon; c++) {
    bool sep = *c == '+' || *c == '.' || *c == '-' || *c == '_';
    if (!(isalnum((unsigned char)*c) || (sep && c > d && c + 1 < colon)) || (c == d && !isalpha((unsigned char)*c)))
      return "a digest's algorithm is [A-Za-z][A-Za-z0-9]* (sha256)";
  }
  size_t hex = strlen(colon + 1);
  if (hex < 32)
    return "a digest's hex part has at least 32 hexadecimal digits";
  for (const char *c = colon + 1; *c; c++)
    if (!isxdigit((unsigned char)*c))
      return "a digest's hex part has only hexadecimal digits";
  return NULL;
}

static const char *tag_problem(const char *t, size_t len) {
  if (len == 0)
    return "the tag after ':' is empty";
  if (len > 128)
    return "a tag has at most 128 characters";
  for (size_t i = 0; i < len; i++) {
    bool word = isalnum((unsigned char)t[i]) || t[i] == '_';
    if (!word && (i == 0 || (t[i] != '.' && t[i] != '-')))
      return "a tag is [A-Za-z0-9_] followed by [A-Za-z0-9_.-]";
  }
  return NULL;
}

static const char *image_ref_problem(const char *ref) {
  if (ref[0] == '\0')
    return "it is empty";
  for (const char *c = ref; *c; c++)
    if (isspace((unsigned char)*c) || iscntrl((unsigned char)*c))
      return "it contains whitespace or control characters";
  const char *at = strchr(ref, '@');
  size_t name_len = at ? (size_t)(at - ref) : strlen(ref);
  if (at != NULL) {
    const char *why = digest_problem(at + 1);
    if (why != NULL)
      return why;
  }
  /* The tag is after the last ':' that follows the last '/'. */
  const char *last_slash = NULL;
  for (const char *c = ref; c < ref + name_len; c++)
    if (*c == '/')
      last_slash = c;
  const char *start = last_slash ? last_slash + 1 : ref;
  const char *tag = memchr(start, ':', name_len - (size_t)(start - ref));
  if (tag != NULL) {
    const char *why = tag_problem(tag + 1, name_len - (size_t)(tag + 1 - ref));
    if (why != NULL)
      return why;
    name_len = (size_t)(tag - ref);
  }
  if (name_len > 255)
    return "a repository name has at most 255 characters";
  const char *p = ref, *end = ref + name_len;
  const char *slash = memchr(p, '/', name_len);
  if (slash != NULL) {
    size_t first = (size_t)(slash - p);
    bool is_host = memchr(p, '.', first) || memchr(p, ':', first) || (first == 9 && strncmp(p, "localhost", 9) == 0);
    if (is_host) {
      const char *why = host_problem(p, first);
      if (why != NULL)
        return why;
      p = slash + 1;
    }
  }
  if (p == end)
    return "the repository name is empty";
  while (p <= end) {
    const char *next = memchr(p, '/', (size_t)(end - p));
    const char *comp_end = next ? next : end;
    const char *why = path_component_problem(p, (size_t)(comp_end - p));
    if (why != NULL)
      return why;
    p = comp_end + 1;
  }
  return NULL;
}

int ctrt__check_image_ref(const char *method, const char *ref) {
  const char *why = image_ref_problem(ref);
  if (why != NULL)
    return ctrt__error_invalid_spec("%s: invalid image reference '%s': %s", method, ref, why);
  return 0;
}

int ctrt__check_field_image_ref(const char *method, const char *path, const char *ref) {
  if (ref == NULL)
    return ctrt__error_invalid_spec("%s: %s is absent (an image reference is required)", method, path);
  const char *why = image_ref_problem(ref);
  if (why != NULL)
    return ctrt__error_invalid_spec("%s: %s: invalid image reference '%s': %s", method, path, ref, why);
  return 0;
}

int ctrt__check_search_term(const char *method, const char *term) {
  if (term[0] == '\0')
    return ctrt__error_invalid_spec("%s: the search term is empty (an empty term would query Docker Hub)", method);
  return 0;
}

int ctrt__check_absolute_path(const char *method, const char *path) {
  if (path[0] != '/')
    return ctrt__error_invalid_spec("%s: path '%s' must be absolute", method, path);
  return 0;
}

int ctrt__check_list(const char *method, const char *name, const void *items, size_t n, bool strings) {
  if (n > 0 && items == NULL)
    return ctrt__error_invalid_argument("%s: %s is NULL but its count is %zu", method, name, n);
  if (strings)
    for (size_t i = 0; i < n; i++)
      if (((const char *const *)items)[i] == NULL)
        return ctrt__error_invalid_argument("%s: %s[%zu] is NULL", method, name, i);
  return 0;
}

int ctrt__canonical_signal(char **out, const char *name) {
  if (name == NULL) {
    *out = ctrt__strdup("SIGKILL");
    return *out ? 0 : ctrt__error_no_memory();
  }
  return ctrt_validate_signal(out, name);
}
