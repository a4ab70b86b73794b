/* SPDX-License-Identifier: MIT */
/* What every example does besides its point: report an error, and load the
 * busybox test image from a docker-archive tar (`ctrt-fixture image FILE`
 * makes one), since the mock starts with no images. */
#ifndef CTRT_EXAMPLE_H
#define CTRT_EXAMPLE_H

#include <ctrt/ctrt.h>

#include <stdio.h>

#define EXAMPLE_IMAGE "localhost/ctrt/busybox:latest"

static inline int example_fail(const char *what) {
  fprintf(stderr, "%s: %s\n", what, ctrt_error_last()->message);
  return 1;
}

static inline int example_load(ctrt_runtime *rt, const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return -1;
  ctrt_byte_source *src = NULL;
  ctrt_load_progress_stream *progress = NULL;
  int rc = ctrt_byte_source_from_fd(&src, fileno(f));
  if (rc == 0)
    rc = ctrt_runtime_load_images(rt, &progress, src, true);
  ctrt_load_progress *event = NULL;
  while (rc == 0 && (rc = ctrt_load_progress_stream_next(&event, progress)) == 0)
    ctrt_load_progress_free(event);
  ctrt_load_progress_stream_close(progress);
  ctrt_byte_source_free(src);
  fclose(f);
  return rc == CTRT_ITEROVER ? 0 : rc;
}

/* Open argv[1] ("mock:", "docker://unix:///var/run/docker.sock", ...) and
 * load argv[2] when given; 0, or the exit status to return. */
static inline int example_open(ctrt_runtime **rt, int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s URI [IMAGE.tar]\n", argv[0]);
    return 2;
  }
  if (ctrt_open(rt, argv[1]) < 0)
    return example_fail("open");
  if (argc > 2 && example_load(*rt, argv[2]) < 0)
    return example_fail("load");
  return 0;
}

/* Create a container of the test image that sleeps once started. */
static inline int example_create_sleeper(ctrt_runtime *rt, const ctrt_container_id *id) {
  const char *sleeper[] = {"sleep", "600"};
  ctrt_command_spec command = CTRT_COMMAND_SPEC_INIT;
  command.has_args = true;
  command.args = (char **)sleeper; /* spec fields are char *: the spec is only read */
  command.n_args = 2;
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  spec.image.name = EXAMPLE_IMAGE;
  spec.command = &command;
  return ctrt_runtime_create_container(rt, id, &spec);
}

#endif
