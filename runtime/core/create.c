/* SPDX-License-Identifier: MIT */
/* create_container's pull-policy step, which every backend's create runs
 * first with its own pull_image_with_policy (in the backend, not the
 * dispatcher: a backend that forwards to another runtime must not pull
 * twice). */
#include "internal.h"

int ctrt__error_wrap_create_pull(const char *image, const char *policy) {
  /* Name the caller's image once: the pull's message may name it already. */
  if (strstr(ctrt_error_last()->message, image) != NULL)
    return ctrt__error_wrap("create_container (pull_policy %s)", policy);
  return ctrt__error_wrap("create_container: image %s (pull_policy %s)", image, policy);
}
