/* SPDX-License-Identifier: MIT */
/*
 * A deliberately broken backend for the runner's own tests: the mock through
 * the generated forwarding backend, except that archive_put accepts every
 * upload and extracts nothing, so a hostile archive ('..', absolute names)
 * "succeeds". The runner must report the hostile-archive cases as FAIL even
 * with an expectation for a different failure of those cases.
 */
#include <ctrt/ctrt.h>
#include <ctrt/json.h>
#include <ctrt/plugin.h>

#include "forward_backend.h"

static int lying_archive_put(void *self, const ctrt_container_id *id, const char *path, ctrt_byte_source *tar,
                             const ctrt_archive_put_options *options) {
  (void)self, (void)id, (void)path, (void)options;
  char buf[4096];
  size_t n = 0;
  int rc;
  while ((rc = ctrt_byte_source_read(tar, buf, sizeof buf, &n)) == 0) {
  }
  return rc == CTRT_ITEROVER ? 0 : rc;
}

static ctrt_backend_ops lying_ops;

static const ctrt_backend lying_backend = {
    .abi_version = CTRT_BACKEND_ABI_VERSION,
    .name = "liar",
    .open = forward_open,
    .close = forward_close,
    .ops = &lying_ops,
    .ops_size = sizeof lying_ops,
};

__attribute__((visibility("default"))) const ctrt_backend *ctrt_backend_entry(void);
__attribute__((visibility("default"))) const ctrt_backend *ctrt_backend_entry(void) {
  lying_ops = forward_ops;
  lying_ops.archive_put = lying_archive_put;
  return &lying_backend;
}
