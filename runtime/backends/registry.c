/* The backends built into libctrt, by URI scheme. */
#include "core/internal.h"

const ctrt_backend *const ctrt__builtin_backends[] = {
    NULL,
};
