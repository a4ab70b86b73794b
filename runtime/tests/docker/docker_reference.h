/* SPDX-License-Identifier: MIT */
/* Reference converters test_docker checks the walker against. */
#ifndef CTRT_TESTS_DOCKER_REFERENCE_H
#define CTRT_TESTS_DOCKER_REFERENCE_H

#include "backends/docker/docker_internal.h"

/* GET /images/{name}/json as a jansson value -> ImageInspectInfo, read by
 * the strict DOM reader (docker_dom.h): what ctrt__docker_image_inspect_walk
 * must agree with. */
int docker_ref_image_inspect_info(ctrt_image_inspect_info **out, const json_t *image);

/* A stats answer (GET /containers/{id}/stats) -> one stats_stream sample
 * and get_container_stats' reading. */
int docker_ref_stats_sample(ctrt_stats_sample **out, const json_t *stats, uint64_t host_memory);
int docker_ref_container_stats(ctrt_container_stats **out, const json_t *stats, uint64_t host_memory);

/* POST /images/prune's answer -> PruneResult. */
int docker_ref_prune_result(ctrt_prune_result **out, const json_t *answer);

#endif
