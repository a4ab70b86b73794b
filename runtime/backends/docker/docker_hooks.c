/* SPDX-License-Identifier: MIT */
/* Response hooks of generated stubs (spec: `response: {hook: NAME}`): the
 * request, the container lookup (and its rename retry) and the status
 * table are generated from the spec; these make the answer's text into the
 * method's result. Every answer is walked straight from its text into the
 * result (docker_answers.c): no jansson value is built. */
#include "backends/docker/docker_internal.h"

#include <stdio.h>

int ctrt__docker_hook_image_infos(void *self, ctrt_image_info_list **out, const char *text, size_t len) {
  (void)self;
  return ctrt__docker_image_infos(out, text, len);
}

int ctrt__docker_hook_prune_result(void *self, ctrt_prune_result **out, const char *text, size_t len) {
  (void)self;
  return ctrt__docker_prune_walk(out, text, len);
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
