/* SPDX-License-Identifier: MIT */
/* Reference converters test_docker checks the walker against. */
#ifndef CTRT_TESTS_DOCKER_REFERENCE_H
#define CTRT_TESTS_DOCKER_REFERENCE_H

#include "backends/docker/docker_internal.h"

/* GET /images/{name}/json as a jansson value -> ImageInspectInfo, read by
 * the strict DOM reader (docker_dom.h): what ctrt__docker_image_inspect_walk
 * must agree with. */
int docker_ref_image_inspect_info(ctrt_image_inspect_info **out, const json_t *image);

#endif
