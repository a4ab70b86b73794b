/* SPDX-License-Identifier: MIT */
/* The backends built into libctrt, by URI scheme. The mock is not one of
 * them: it is a library of its own (libctrt-mock), see ctrt__open_mock. */
#include "core/internal.h"

extern const ctrt_backend ctrt__docker_backend;
extern const ctrt_backend ctrt__cri_backend;
extern const ctrt_backend ctrt__podman_backend;

const ctrt_backend *const ctrt__builtin_backends[] = {
    &ctrt__docker_backend,
    &ctrt__cri_backend,
    &ctrt__podman_backend,
    NULL,
};
