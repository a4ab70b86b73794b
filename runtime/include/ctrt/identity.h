/* SPDX-License-Identifier: MIT */
/* ContainerId display and parse. */
#ifndef CTRT_IDENTITY_H
#define CTRT_IDENTITY_H

#include <ctrt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Display form: "{service}-rep-{replica}" when role is "default" (or NULL)
 * and node_id is 0, else "{service}-{role}-{replica}-on-{node_id}". Fails
 * with CTRT_EINVALID_ARGUMENT for an empty service or a role that is empty
 * or contains '-' (its display could not be parsed back). */
CTRT_API int ctrt_container_id_format(char **out, const ctrt_container_id *id);

/* The exact inverse of ctrt_container_id_format; anything else (a hex id, a
 * bare name, numbers with leading zeros) fails with CTRT_EINVALID_ARGUMENT. */
CTRT_API int ctrt_container_id_parse(ctrt_container_id **out, const char *text);

#ifdef __cplusplus
}
#endif

#endif
