/* SPDX-License-Identifier: MIT */
/* The podman calls test: the spec's `podman: calls:` blocks as data
 * (generated into tests/podman_calls_expect.c), in the Docker calls test's
 * records (docker_calls.h). */
#ifndef CTRT_TEST_PODMAN_CALLS_H
#define CTRT_TEST_PODMAN_CALLS_H

#include "docker_calls.h"

/* What a podman call adds to the Docker test's record. */
typedef struct pc_extra {
  bool libpod;            /* below /v{version}/libpod, else the compat API */
  const char *when_after; /* made after this Docker-half call answered when_status */
  bool provoked;          /* the fake brings it about (else a note says it is not) */
} pc_extra;

typedef struct pc_method {
  const char *name;
  const dc_call *calls;
  const pc_extra *extra;
  size_t n_calls;
} pc_method;

extern const pc_method pc_methods[];
extern const size_t pc_n_methods;

#endif
