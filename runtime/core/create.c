/* SPDX-License-Identifier: MIT */
/* create_container's prepare hook: the image's pull policy, applied the same
 * way for every backend before the backend creates anything, then the auth
 * context. */
#include "gen_internal.h"

/* core/auth.c. Declared here, not in internal.h: the generator's fixture spec
 * compiles internal.h without a ServiceSpec. */
int ctrt__auth_context_prepare(ctrt_runtime *rt, ctrt_service_spec **replacement, const ctrt_container_id *id,
                               const ctrt_service_spec *spec);

/* never: fails as not_found at once when the image is absent; if_not_present:
 * pulls only an absent image; always and newer: ask the registry even for a
 * present one. The backends' pull_image_with_policy implements each. */
static int apply_pull_policy(ctrt_runtime *rt, const ctrt_image_spec *image) {
  ctrt_source_policy source = image->has_source_policy ? image->source_policy : CTRT_SOURCE_POLICY_LOCAL_FIRST;
  if (ctrt_runtime_pull_image_with_policy(rt, image->name, image->pull_policy, NULL, source) == 0)
    return 0;
  const char *policy = ctrt_pull_policy_to_string(image->pull_policy);
  /* Name the caller's image once: the pull's message may name it already. */
  if (strstr(ctrt_error_last()->message, image->name) != NULL)
    return ctrt__error_wrap("create_container (pull_policy %s)", policy);
  return ctrt__error_wrap("create_container: image %s (pull_policy %s)", image->name, policy);
}

int ctrt__create_container_prepare(ctrt_runtime *rt, ctrt_service_spec **replacement, const ctrt_container_id *id,
                                   const ctrt_service_spec *spec) {
  *replacement = NULL;
  int rc = apply_pull_policy(rt, &spec->image);
  if (rc < 0)
    return rc;
  /* The pull cleared the thread's error on success: nothing to restore. */
  return ctrt__auth_context_prepare(rt, replacement, id, spec);
}
