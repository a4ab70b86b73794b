/* SPDX-License-Identifier: MIT */
/* Response hooks of generated stubs (spec: `response: {hook: NAME}`): the
 * request, the container lookup (and its rename retry) and the status
 * table are generated from the spec; these make the parsed JSON answer
 * into the method's result with the converters of docker_convert.c. */
#include "backends/docker/docker_internal.h"

/* ---- what each hook reads of its answer ----
 *
 * The stub keeps only these members (ctrt__docker_parse_kept): the rest of
 * an inspect body (Config, HostConfig, GraphDriver, Mounts: ~90 % of its
 * 5 KB) is skipped without allocating. A converter that reads a member not
 * listed here would see it absent: keep a table in step with its converter. */
static const ctrt__jkeep network_details[] = {{"Ports", NULL}, {"Networks", NULL}, {"IPAddress", NULL}, {NULL, NULL}};
static const ctrt__jkeep network_addresses[] = {
    {"IPAddress", NULL}, {"GlobalIPv6Address", NULL}, {"Networks", NULL}, {NULL, NULL}};
static const ctrt__jkeep network_ports[] = {{"Ports", NULL}, {NULL, NULL}};
const ctrt__jkeep ctrt__docker_keep_image_infos[] = {{"*", NULL}, {NULL, NULL}};
const ctrt__jkeep ctrt__docker_keep_prune_result[] = {{"*", NULL}, {NULL, NULL}};
const ctrt__jkeep ctrt__docker_keep_image_inspect_info[] = {{"*", NULL}, {NULL, NULL}};
const ctrt__jkeep ctrt__docker_keep_container_state[] = {{"State", NULL}, {NULL, NULL}};
const ctrt__jkeep ctrt__docker_keep_inspect_details[] = {
    {"State", NULL}, {"NetworkSettings", network_details}, {NULL, NULL}};
const ctrt__jkeep ctrt__docker_keep_container_ip[] = {{"NetworkSettings", network_addresses}, {NULL, NULL}};
const ctrt__jkeep ctrt__docker_keep_port_entries[] = {{"NetworkSettings", network_ports}, {NULL, NULL}};
const ctrt__jkeep ctrt__docker_keep_container_summaries[] = {{"Id", NULL}, {"Labels", NULL}, {NULL, NULL}};

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
