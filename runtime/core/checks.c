/* SPDX-License-Identifier: MIT */
/* Argument checks the generated dispatchers run before a backend sees the
 * arguments (spec: methods[].inputs[].check). */
#include "gen_internal.h"

#include <ctype.h>

int ctrt__check_container_id(const char *method, const ctrt_container_id *id) {
  if (id->service == NULL || id->service[0] == '\0')
    return ctrt__error_invalid_spec("%s: the container id has an empty service name", method);
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

int ctrt__check_image_ref(const char *method, const char *ref) {
  if (ref[0] == '\0')
    return ctrt__error_invalid_spec("%s: the image reference is empty", method);
  for (const char *c = ref; *c; c++)
    if (isspace((unsigned char)*c) || iscntrl((unsigned char)*c))
      return ctrt__error_invalid_spec("%s: invalid image reference '%s' (contains whitespace or control characters)",
                                      method, ref);
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
