/* SPDX-License-Identifier: MIT */
/* Engine identity: what a backend says about the engine behind it
 * (ctrt_runtime_engine), and the helpers backends build the answer with. */
#include "gen_internal.h"

#include <ctype.h>

int ctrt__engine_info_new(ctrt_engine_info **out, const char *name, const char *version, const char *api_version) {
  *out = NULL;
  ctrt_engine_info *info = ctrt__calloc(1, sizeof *info);
  CTRT__CHECK_ALLOC(info);
  info->name = ctrt__strdup(name);
  if (info->name)
    for (char *p = info->name; *p; p++)
      *p = (char)tolower((unsigned char)*p);
  info->version = version ? ctrt__strdup(version) : NULL;
  info->api_version = api_version ? ctrt__strdup(api_version) : NULL;
  if (info->name == NULL || (version && info->version == NULL) || (api_version && info->api_version == NULL)) {
    ctrt_engine_info_free(info);
    return ctrt__error_no_memory();
  }
  *out = info;
  return 0;
}

int ctrt__engine_info_add_fact(ctrt_engine_info *info, const char *key, const char *value) {
  if (value == NULL || value[0] == '\0')
    return 0;
  char *fact = ctrt__sprintf("%s=%s", key, value);
  CTRT__CHECK_ALLOC(fact);
  char **grown = ctrt__realloc(info->facts, (info->n_facts + 1) * sizeof *grown);
  if (grown == NULL) {
    ctrt__free(fact);
    return ctrt__error_no_memory();
  }
  info->facts = grown;
  info->facts[info->n_facts++] = fact;
  return 0;
}

void ctrt_engine_info_free(ctrt_engine_info *info) {
  if (info == NULL)
    return;
  ctrt__free(info->name);
  ctrt__free(info->version);
  ctrt__free(info->api_version);
  for (size_t i = 0; i < info->n_facts; i++)
    ctrt__free(info->facts[i]);
  ctrt__free(info->facts);
  ctrt__free(info);
}

const char *ctrt_engine_info_fact(const ctrt_engine_info *info, const char *key) {
  if (info == NULL || key == NULL)
    return NULL;
  size_t klen = strlen(key);
  for (size_t i = 0; i < info->n_facts; i++) {
    const char *fact = info->facts[i];
    if (fact && strncmp(fact, key, klen) == 0 && fact[klen] == '=')
      return fact + klen + 1;
  }
  return NULL;
}

/* What a plugin handed back must hold together before a caller sees it. */
static int check_answer(const ctrt_engine_info *info, const char *backend) {
  if (info == NULL)
    return ctrt__error_internal("runtime_engine: backend '%s' succeeded without an answer", backend);
  if (info->name == NULL || info->name[0] == '\0')
    return ctrt__error_internal("runtime_engine: backend '%s' reported an engine without a name", backend);
  for (const char *p = info->name; *p; p++)
    if (isupper((unsigned char)*p))
      return ctrt__error_internal("runtime_engine: backend '%s' reported the engine name \"%s\" (must be lower-case)",
                                  backend, info->name);
  if (info->n_facts > 0 && info->facts == NULL)
    return ctrt__error_internal("runtime_engine: backend '%s' reported %zu facts without an array", backend,
                                info->n_facts);
  for (size_t i = 0; i < info->n_facts; i++) {
    const char *fact = info->facts[i];
    const char *eq = fact ? strchr(fact, '=') : NULL;
    if (eq == NULL || eq == fact)
      return ctrt__error_internal("runtime_engine: backend '%s' reported fact %zu \"%s\" (expected key=value)", backend,
                                  i, fact ? fact : "(null)");
  }
  return 0;
}

int ctrt_runtime_engine(ctrt_runtime *rt, ctrt_engine_info **out) {
  ctrt_error_clear();
  CTRT__CHECK_ARG(out != NULL, "runtime_engine: out must not be NULL");
  *out = NULL;
  CTRT__CHECK_ARG(rt != NULL && rt->backend != NULL, "runtime_engine: rt must be an open runtime");
  const ctrt_backend *backend = rt->backend;
  const char *name = backend->name ? backend->name : "unknown";
  if (backend->engine == NULL)
    return ctrt__engine_info_new(out, name, NULL, NULL);
  ctrt_engine_info *info = NULL;
  int rc;
  if ((rc = ctrt__backend_result(backend->engine(rt->self, &info), "runtime_engine")) < 0)
    goto done;
  if ((rc = check_answer(info, name)) < 0)
    goto done;
  *out = info;
  info = NULL;
done:
  ctrt_engine_info_free(info);
  return rc;
}
