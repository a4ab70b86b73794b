/* SPDX-License-Identifier: MIT */
/* The Docker calls test: the spec's `docker: calls:` blocks as data
 * (generated into tests/docker_calls_expect.c) and the harness that checks
 * what each method sends against them (docker_calls_test.c). */
#ifndef CTRT_TEST_DOCKER_CALLS_H
#define CTRT_TEST_DOCKER_CALLS_H

#include "gen_internal.h"

#include <ctrt/ctrt.h>
#include <stdbool.h>
#include <stddef.h>

/* A query parameter or header: its name and, when the spec fixes it, its
 * value (NULL: taken from an input, any value). */
typedef struct dc_pair {
  const char *name;
  const char *value;
} dc_pair;

/* One declared call. */
typedef struct dc_call {
  const char *operation; /* Docker's operation id */
  const char *verb;
  const char *path; /* template: "/containers/{id}/json" */
  const char *framing;
  const dc_pair *query;
  size_t n_query;
  const dc_pair *headers; /* constant headers only */
  size_t n_headers;
  bool has_body;
  bool json_body;
  const char *content_type;
  const dc_pair *body_members; /* `body: members:`: JSON text, NULL for a boolean session value */
  size_t n_body_members;
  bool conditional;        /* `when:` made only in some cases */
  int when_status;         /* made after the previous call answered this status (0: not that case) */
  const char *when_answer; /* made after the daemon gave this kind of answer (schema.yaml's `answer:`) */
  bool unversioned;        /* sent without the /vX.Y prefix (docker_internal) */
} dc_call;

typedef struct dc_method {
  const char *name;
  bool generated; /* stub: generated */
  const dc_call *calls;
  size_t n_calls;
  unsigned n_variants; /* drives needed to give each enum input each of its values */
  int (*drive)(ctrt_runtime *rt, unsigned variant);
} dc_method;

extern const dc_method dc_methods[];
extern const size_t dc_n_methods;

/* The backend-internal calls (spec: docker_internal), drive NULL: the test
 * drives them (docker_calls_test.c, internal_drives). */
extern const dc_method dc_internal[];
extern const size_t dc_n_internal;

/* Uses an exec handle the way a caller would (resize, input, read to the
 * end, wait), so that each of its calls is made. */
int dc_drain_exec_handle(ctrt_exec_handle *handle);

#endif
