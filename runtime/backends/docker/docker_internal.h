/* SPDX-License-Identifier: MIT */
/*
 * Internals of the Docker backend's hand-written methods (docker_*.c):
 * requests addressed to one container, and the pure conversions between
 * Docker's JSON and the interface's types, kept apart from the exchanges so
 * that the unit tests (runtime/tests/docker) can check them alone.
 */
#ifndef CTRT_DOCKER_INTERNAL_H
#define CTRT_DOCKER_INTERNAL_H

#include "backends/docker/docker.h"
#include "backends/docker/docker_wire.h"

/* ---- requests against one container ---- */

/* A request on /containers/{ref}{suffix}. */
typedef struct ctrt__docker_call {
  const char *verb;   /* NULL = GET */
  const char *suffix; /* "/json", "/logs?stdout=1" (query escaped already) */
  const char *content_type;
  const void *body; /* small JSON body, or NULL */
  size_t body_len;
  const char *const *headers;
  long timeout_ms; /* 0 = the client's, < 0 = none (wait) */
  const ctrt__docker_status *statuses;
  size_t n_statuses;
} ctrt__docker_call;

/* Buffered exchange; the container reference comes from
 * ctrt__docker_container, and a 404 is retried once when a label lookup
 * finds the container under another reference (a rename). */
int ctrt__docker_container_send(ctrt__docker *d, const ctrt_container_id *id, const ctrt__docker_call *call,
                                const char *method, ctrt__http_response **out);
/* Streamed response, same resolution. */
int ctrt__docker_container_open(ctrt__docker *d, const ctrt_container_id *id, const ctrt__docker_call *call,
                                const char *method, ctrt__http_stream **out);
/* Hijacked connection, same resolution. */
int ctrt__docker_container_hijack(ctrt__docker *d, const ctrt_container_id *id, const ctrt__docker_call *call,
                                  const char *method, ctrt__http_conn **out);
/* ctrt__http_hijack with a status table (like ctrt__docker_open). */
int ctrt__docker_hijack(ctrt__docker *d, const ctrt__http_request *req, const ctrt__docker_status *statuses,
                        size_t n_statuses, const char *method, ctrt__http_conn **out);
/* GET /containers/{ref}/json, parsed. */
int ctrt__docker_inspect_container(ctrt__docker *d, const ctrt_container_id *id, const char *method, json_t **out);
/* A JSON value as a new compact string (request bodies). */
int ctrt__docker_json_text(char **out, json_t *value);
/* Whether text is empty or absent. */
static inline bool ctrt__docker_blank(const char *text) { return text == NULL || text[0] == '\0'; }
/* A duplicate of a JSON string value, NULL when absent or empty. */
int ctrt__docker_dup_nonempty(char **out, const json_t *value);

/* Read up to cap bytes of one multiplexed frame (the whole frame when it
 * fits; raw streams: one read) into buf. *frame_end tells whether the frame
 * is complete. 0, CTRT_ITEROVER or an error. */
int ctrt__docker_demux_piece(ctrt__demux *dm, int *stream, uint8_t *buf, size_t cap, size_t *len, bool *frame_end);

/* ---- conversions (pure; unit-tested) ---- */

/* The body of POST /containers/create for a ServiceSpec: Config plus
 * HostConfig, the managed label label_key=display added. */
int ctrt__docker_create_body(json_t **out, const ctrt_service_spec *spec, const char *label_key, const char *display);

/* The answers of docker_answers.c are decoded from their text (the
 * response body) without a DOM; errors name the JSON path. */

/* State.Status (and ExitCode, Error) of an inspect answer -> ContainerState. */
int ctrt__docker_state_from_inspect(ctrt_container_state **out, const char *text, size_t len);

/* A wait answer ({"StatusCode", "Error"}) and, when the container still
 * exists, its inspect answer (else NULL) -> WaitOutcome. */
int ctrt__docker_wait_classify(ctrt_wait_outcome **out, const json_t *wait, const json_t *inspect);

/* One stats object -> StatsSample / ContainerStats. */
/* create_container without its pull-policy step (a composed backend runs
 * that step with its own pull_image_with_policy first). */
int ctrt__docker_create_only(void *self, const ctrt_container_id *id, const ctrt_service_spec *spec);
/* A stats answer, walked (docker_answers.c). host_memory: the daemon's
 * MemTotal (0 = unknown); a limit at or above it is reported as 0,
 * unlimited (see ctrt__docker_host_memory). */
int ctrt__docker_container_stats_walk(ctrt_container_stats **out, const char *text, size_t len, uint64_t host_memory);
int ctrt__docker_stats_sample_walk(ctrt_stats_sample **out, const char *text, size_t len, uint64_t host_memory);
/* Docker's "no limit": memory and pids limits at or above 2^62. */
#define CTRT__DOCKER_UNLIMITED (UINT64_C(1) << 62)
/* A memory limit as ctrt reports it: 0 = unlimited (docker_convert.c). */
uint64_t ctrt__docker_memory_limit(uint64_t limit, uint64_t host_memory);
/* GET /info's MemTotal, asked once per runtime: dockerd (moby's stats
 * collector) and podman report the host's memory as the limit of a
 * container that has none. */
int ctrt__docker_host_memory(ctrt__docker *d, uint64_t *out);

/* Split Docker's "RFC3339Nano " prefix off a log line: true (with *ts and
 * *rest_offset set) when text starts with a timestamp and a space. */
bool ctrt__docker_log_timestamp(const char *text, size_t len, ctrt_timestamp *ts, size_t *rest_offset);

/* An image id as the interface gives it: "sha256:" added to a bare
 * 64-hex id (Podman's history and some of its answers omit it); anything
 * else copied; NULL for an empty one. */
int ctrt__docker_image_id(char **out, const char *id);
/* The digest of reference's repository among RepoDigests ("repo@sha256:x");
 * reference NULL: the first. NULL when none. */
const char *ctrt__docker_repo_digest(const json_t *repo_digests, const char *reference);
/* The digest ("sha256:x") of one RepoDigests entry "repo@sha256:x" when its
 * repository is reference's (reference NULL: any), else NULL. */
const char *ctrt__docker_digest_of(const char *digest, const char *reference);
/* GET /images/json (its text) -> one ImageInfo per tag (untagged images by
 * id), walked without a DOM (docker_answers.c). */
int ctrt__docker_image_infos(ctrt_image_info_list **out, const char *text, size_t len);
/* GET /images/{name}/json (its text) -> ImageInspectInfo, walked (no DOM;
 * docker_answers.c). */
int ctrt__docker_image_inspect_walk(ctrt_image_inspect_info **out, const char *text, size_t len);
/* POST /images/prune -> PruneResult, walked (docker_answers.c). */
int ctrt__docker_prune_walk(ctrt_prune_result **out, const char *text, size_t len);
/* GET /containers/json?all=1 -> summaries (managed_id from label_key). */
int ctrt__docker_container_summaries(ctrt_runtime_container_summary_list **out, const char *text, size_t len,
                                     const char *label_key);
/* NetworkSettings.Ports of an inspect answer -> one entry per host binding. */
int ctrt__docker_port_entries(ctrt_port_mapping_entry_list **out, const char *text, size_t len);
/* An inspect answer -> ContainerInspectDetails. */
int ctrt__docker_inspect_details(ctrt_container_inspect_details **out, const char *text, size_t len);
/* The container's address: NetworkSettings.IPAddress, else the first
 * network's (v4, then v6); NULL when it has none. */
int ctrt__docker_container_ip(char **out, const char *text, size_t len);

/* One line of a pull progress stream -> a status event (NULL *out for
 * lines that carry nothing); *digest gets the "Digest: sha256:..." value. */
int ctrt__docker_pull_event(ctrt_pull_progress **out, char **digest, const json_t *line);
/* GET /version and GET /info answers -> the engine's identity: "podman"
 * when Components name "Podman Engine" (its version), "docker" when they
 * name "Engine" (or the platform says Docker), else "docker-compatible";
 * facts from /info. Strict: a member of the wrong type fails (internal). */
int ctrt__docker_engine_info(ctrt_engine_info **out, const json_t *version, const json_t *info);
/* The backend's engine hook (GET /version, GET /info). */
int ctrt__docker_engine(void *self, ctrt_engine_info **out);

/* One line of a load stream -> a status event (or NULL), and the reference
 * a "Loaded image: X" / "Loaded image ID: X" line names (or NULL). */
int ctrt__docker_load_event(ctrt_load_progress **out, char **loaded, const json_t *line);

#endif
