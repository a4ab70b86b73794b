/* SPDX-License-Identifier: MIT */
/* Docker's wire forms that are not HTTP: API version negotiation, the
 * X-Registry-Auth header, the X-Docker-Container-Path-Stat header and the
 * daemon's error bodies. The transport knows none of them; the docker
 * backend hands ctrt__docker_negotiate and ctrt__docker_error_from_body to
 * its client as hooks. */
#ifndef CTRT_DOCKER_WIRE_H
#define CTRT_DOCKER_WIRE_H

#include "gen_internal.h"
#include "transport/transport.h"

/* The newest Engine API version ctrt speaks (Podman's compat API follows
 * Docker's numbering). */
#define CTRT__DOCKER_API_VERSION "1.41"

/* The client's version hook (ctrt__http_version_fn): GET /_ping's
 * Api-Version header, else GET /version's ApiVersion, else 1.24 (what the
 * Go client assumes of a daemon that answers but names no version); the
 * lower of the daemon's and CTRT__DOCKER_API_VERSION. */
int ctrt__docker_negotiate(ctrt__http_client *client, int *major, int *minor);

/* X-Registry-Auth value: URL-safe padded base64 of {"username", "password",
 * "serveraddress"} (NULL/empty fields left out; all absent gives "e30=").
 * Never puts the password in an error message; wipes its scratch copies. */
int ctrt__docker_registry_auth(char **out, const char *username, const char *password, const char *server_address);

/* Decode X-Docker-Container-Path-Stat (base64 JSON {name, size, mode, mtime,
 * linkTarget}); mode becomes a POSIX st_mode, mtime RFC 3339 UTC. */
int ctrt__docker_path_stat_decode(ctrt_path_stat **out, const char *header_value);
/* Go os.FileMode bits to st_mode (type bits, setuid/setgid/sticky, 0777). */
uint32_t ctrt__docker_file_mode_to_posix(uint64_t go_mode);

/* Set the error for an HTTP error response and return its code: kind from
 * ctrt__error_kind_for_http(status), the daemon's {"message": ...} (or the
 * body's text) kept, context ("GET /containers/x/json") appended. */
int ctrt__docker_error_from_body(int status, const char *body, size_t len, const char *context);
/* Drop the ": "-separated parts of a daemon's message that an earlier part
 * already says ("no such image: X: No such image: X" -> "no such image: X"). */
void ctrt__docker_dedupe_message(char *text);

#endif
