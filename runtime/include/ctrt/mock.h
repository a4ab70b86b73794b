/* SPDX-License-Identifier: MIT */
/*
 * The mock backend's scripting and set-up hooks (for runtimes opened with
 * ctrt_open(&rt, "mock:")). Each fails with CTRT_EINVALID_ARGUMENT on a
 * runtime of another backend. The mock is a library of its own: a program
 * that uses these links libctrt-mock (pkg-config ctrt-mock, CMake
 * ctrt::ctrt-mock); ctrt_open("mock:") alone loads it from beside libctrt.
 *
 * Scripted items are queued per container (by ContainerId, which need not
 * exist yet) or per image reference, first in first out, and the streaming
 * methods drain them before anything the mock produces itself: logs_stream
 * yields queued chunks (a queued error ends the stream with that error),
 * stats_stream queued samples, pull_image_stream queued progress events.
 */
#ifndef CTRT_MOCK_H
#define CTRT_MOCK_H

#include <ctrt/bytes.h>
#include <ctrt/error.h>
#include <ctrt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

CTRT_API int ctrt_mock_push_log_chunk(ctrt_runtime *rt, const ctrt_container_id *id, const ctrt_log_chunk *chunk);
CTRT_API int ctrt_mock_push_log_error(ctrt_runtime *rt, const ctrt_container_id *id, ctrt_error_kind kind,
                                      const char *message);
CTRT_API int ctrt_mock_push_stats_sample(ctrt_runtime *rt, const ctrt_container_id *id,
                                         const ctrt_stats_sample *sample);
CTRT_API int ctrt_mock_push_pull_progress(ctrt_runtime *rt, const char *image, const ctrt_pull_progress *event);

/*
 * Serve the image of a docker-archive tar (the first image of its manifest)
 * at reference ("127.0.0.1:5000/ctrt/busybox:latest") for pulls. With a
 * username, pulls must present those credentials (RegistryAuth).
 */
CTRT_API int ctrt_mock_registry_add(ctrt_runtime *rt, const char *reference, ctrt_byte_source *docker_archive,
                                    const char *username, const char *password);

/* Add an entry to the catalogue search_images searches. */
CTRT_API int ctrt_mock_search_add(ctrt_runtime *rt, const ctrt_image_search_result *result);

/*
 * Size limits of the mock's in-memory filesystems, in bytes (0: none): the
 * largest regular file, a container's filesystem (the total of its files'
 * contents) and an image's (its layers applied). Each defaults to
 * CTRT_MOCK_DEFAULT_FS_LIMIT, which a test machine survives. A write past
 * one fails inside the container as a full disk does (busybox's "No space
 * left on device"); an archive_put, load_images or import_image past one
 * fails with CTRT_EINVALID_SPEC and changes nothing. New limits apply to
 * containers created and images stored afterwards.
 */
#define CTRT_MOCK_DEFAULT_FS_LIMIT ((uint64_t)1 << 30)
CTRT_API int ctrt_mock_set_fs_limits(ctrt_runtime *rt, uint64_t max_file, uint64_t max_container, uint64_t max_image);

/*
 * Create a container the way another client of the engine would (`docker
 * create --name NAME`): from spec, named name, with no ContainerId and no
 * managed label, so no method reaches it until ctrt_runtime_adopt_container
 * adopts it; list_containers reports it without a managed_id. *engine_id
 * gets its engine id (64 hex digits; free with ctrt_free). The image must be
 * present (no pull). For tests of adopt_container.
 */
CTRT_API int ctrt_mock_create_outside(ctrt_runtime *rt, const char *name, const ctrt_service_spec *spec,
                                      char **engine_id);

#ifdef __cplusplus
}
#endif

#endif
