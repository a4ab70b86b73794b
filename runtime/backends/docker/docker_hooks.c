/* SPDX-License-Identifier: MIT */
/* Response hooks of generated stubs (spec: `response: {hook: NAME}`): the
 * request, the container lookup (and its rename retry) and the status
 * table are generated from the spec; these make the answer's text into the
 * method's result. The inspect and list answers are walked straight into
 * their results (docker_answers.c), the image list and image inspect too;
 * prune still goes through a jansson value, built by the walker from the same
 * text with only the members their converters read. */
#include "backends/docker/docker_internal.h"

#include <stdio.h>

/* The answer as a jansson value holding only what the converter reads
 * (keep): the rest of the text is skipped without allocating. */
static int parse(json_t **out, const char *text, size_t len, const char *method, const ctrt__jkeep *keep) {
  if (ctrt__jwalk_prune(out, text, len, keep) < 0)
    return ctrt__docker_invalid_json(method);
  return 0;
}

/* What ctrt__docker_prune_result reads of POST /images/prune. */
static const ctrt__jkeep prune_keep[] = {{"ImagesDeleted", NULL}, {"SpaceReclaimed", NULL}, {NULL, NULL}};

int ctrt__docker_hook_image_infos(void *self, ctrt_image_info_list **out, const char *text, size_t len) {
  (void)self;
  return ctrt__docker_image_infos(out, text, len);
}

int ctrt__docker_hook_prune_result(void *self, ctrt_prune_result **out, const char *text, size_t len) {
  (void)self;
  json_t *answer = NULL;
  int rc;
  if ((rc = parse(&answer, text, len, "prune_images", prune_keep)) < 0)
    goto done;
  rc = ctrt__docker_prune_result(out, answer);
done:
  json_decref(answer);
  return rc;
}

int ctrt__docker_hook_image_inspect_info(void *self, ctrt_image_inspect_info **out, const char *text, size_t len) {
  (void)self;
  return ctrt__docker_image_inspect_walk(out, text, len);
}

int ctrt__docker_hook_container_state(void *self, ctrt_container_state **out, const char *text, size_t len) {
  (void)self;
  return ctrt__docker_state_from_inspect(out, text, len);
}

int ctrt__docker_hook_inspect_details(void *self, ctrt_container_inspect_details **out, const char *text, size_t len) {
  (void)self;
  return ctrt__docker_inspect_details(out, text, len);
}

int ctrt__docker_hook_container_ip(void *self, char **out, const char *text, size_t len) {
  (void)self;
  return ctrt__docker_container_ip(out, text, len);
}

int ctrt__docker_hook_port_entries(void *self, ctrt_port_mapping_entry_list **out, const char *text, size_t len) {
  (void)self;
  return ctrt__docker_port_entries(out, text, len);
}

/* Summaries name the managed id from the label this runtime sets. */
int ctrt__docker_hook_container_summaries(void *self, ctrt_runtime_container_summary_list **out, const char *text,
                                          size_t len) {
  ctrt__docker *d = self;
  return ctrt__docker_container_summaries(out, text, len, d->label_key);
}
