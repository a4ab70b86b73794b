/* SPDX-License-Identifier: MIT */
/* Response hooks of generated stubs (spec: `response: {hook: NAME}`): the
 * request, the container lookup (and its rename retry) and the status
 * table are generated from the spec; these make the parsed JSON answer
 * into the method's result with the converters of docker_convert.c. */
#include "backends/docker/docker_internal.h"

/* The converters read an inspect answer as an object. */
static int need_object(const json_t *answer, const char *method) {
  if (json_is_object(answer))
    return 0;
  return ctrt__error_internal("%s: the Docker daemon's answer is not an object", method);
}

int ctrt__docker_hook_image_infos(void *self, ctrt_image_info_list **out, const json_t *answer) {
  (void)self;
  return ctrt__docker_image_infos(out, answer);
}

int ctrt__docker_hook_prune_result(void *self, ctrt_prune_result **out, const json_t *answer) {
  (void)self;
  return ctrt__docker_prune_result(out, answer);
}

int ctrt__docker_hook_image_inspect_info(void *self, ctrt_image_inspect_info **out, const json_t *answer) {
  (void)self;
  int rc = need_object(answer, "inspect_image_native");
  return rc < 0 ? rc : ctrt__docker_image_inspect_info(out, answer);
}

int ctrt__docker_hook_container_state(void *self, ctrt_container_state **out, const json_t *answer) {
  (void)self;
  int rc = need_object(answer, "container_state");
  return rc < 0 ? rc : ctrt__docker_state_from_inspect(out, answer);
}

int ctrt__docker_hook_inspect_details(void *self, ctrt_container_inspect_details **out, const json_t *answer) {
  (void)self;
  int rc = need_object(answer, "inspect_detailed");
  return rc < 0 ? rc : ctrt__docker_inspect_details(out, answer);
}

int ctrt__docker_hook_container_ip(void *self, char **out, const json_t *answer) {
  (void)self;
  int rc = need_object(answer, "get_container_ip");
  return rc < 0 ? rc : ctrt__docker_container_ip(out, answer);
}

int ctrt__docker_hook_port_entries(void *self, ctrt_port_mapping_entry_list **out, const json_t *answer) {
  (void)self;
  int rc = need_object(answer, "port_mappings_container");
  return rc < 0 ? rc : ctrt__docker_port_entries(out, answer);
}

/* Summaries name the managed id from the label this runtime sets. */
int ctrt__docker_hook_container_summaries(void *self, ctrt_runtime_container_summary_list **out, const json_t *answer) {
  ctrt__docker *d = self;
  return ctrt__docker_container_summaries(out, answer, d->label_key);
}

/* State.Pid; Docker reports 0 for a container that is not running, which
 * the interface gives as absent. Strict: a missing or non-integer Pid is
 * an answer of another shape. */
int ctrt__docker_hook_container_pid(void *self, bool *has_out, uint32_t *out, const json_t *answer) {
  (void)self;
  *has_out = false;
  *out = 0;
  const json_t *pid = json_object_get(json_object_get(answer, "State"), "Pid");
  if (!json_is_integer(pid) || json_integer_value(pid) < 0 || json_integer_value(pid) > UINT32_MAX)
    return ctrt__error_internal("get_container_pid: the Docker daemon's answer has no integer State.Pid");
  *has_out = json_integer_value(pid) > 0;
  *out = (uint32_t)json_integer_value(pid);
  return 0;
}
