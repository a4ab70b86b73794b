/* SPDX-License-Identifier: MIT */
/* ctrt: one C API over container runtimes. Include this header. */
#ifndef CTRT_H
#define CTRT_H

#include <ctrt/api.h>
#include <ctrt/bytes.h>
#include <ctrt/common.h>
#include <ctrt/error.h>
#include <ctrt/exec_handle.h>
#include <ctrt/identity.h>
#include <ctrt/ops.h>
#include <ctrt/runtime.h>
#include <ctrt/streams.h>
#include <ctrt/types.h>

#endif
