/* Mock set-up shared by the mock fuzz targets (mock_tar_fuzz.c,
 * mock_exec_fuzz.c): one mock runtime per process, the busybox fixture
 * image loaded once, a fresh container per input. */
#ifndef CTRT_FUZZ_MOCK_SUPPORT_H
#define CTRT_FUZZ_MOCK_SUPPORT_H

#include "fuzz_support.h"

#include <ctrt/ctrt.h>

#define CTRT_FUZZ_IMAGE "localhost/ctrt/busybox:latest"

/* The runtime (opened on first use, closed at exit); with_image also loads
 * the fixture image. Aborts when set-up fails: nothing can be fuzzed. */
ctrt_runtime *ctrt_fuzz_mock(bool with_image);
/* Create and start container `name` running `sleep 100000` (aborts on
 * failure); remove it (killed first) with ctrt_fuzz_mock_drop. */
ctrt_container_id ctrt_fuzz_mock_container(const char *name);
void ctrt_fuzz_mock_drop(const ctrt_container_id *id);
/* Whether a tar's headers (read with libarchive) declare an entry larger
 * than limit bytes or a sparse one: the memfs size class. */
bool ctrt_fuzz_tar_declares_large(const uint8_t *data, size_t size, int64_t limit);

#endif
