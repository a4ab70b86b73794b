/* SPDX-License-Identifier: MIT */
/* What every example does besides its point: report an error, and load the
 * busybox test image from a docker-archive tar (`ctrt-fixture image FILE`
 * makes one), since the mock starts with no images. */
#ifndef CTRT_EXAMPLE_H
#define CTRT_EXAMPLE_H

#include <ctrt/ctrt.h>

#include <stdio.h>

#define EXAMPLE_IMAGE "localhost/ctrt/busybox:latest"

static int example_fail(const char *what) {
  fprintf(stderr, "%s: %s\n", what, ctrt_error_last()->message);
  return 1;
}

static int example_load(ctrt_runtime *rt, const char *path) {
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

#endif
