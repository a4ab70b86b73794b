/* SPDX-License-Identifier: MIT */
/*
 * The Docker backend ("docker://unix:///run/docker.sock", "docker://tcp://
 * host:2376", "docker://" from DOCKER_HOST): the Runtime interface over the
 * Docker Engine API.
 *
 * Half of it is generated from the spec's mappings (build/generated/src/
 * docker_stubs.c: the mechanical methods, the codecs and the method table);
 * the other half is here, in docker_*.c: the methods marked `stub: custom`
 * (ctrt__docker_<method>, declared in docker_gen.h) and the helpers both
 * halves use, declared below.
 *
 * Containers: a ContainerId is created as `zlayer-{service}-{replica}` and
 * labelled `<managed label>=<display form>`. Requests address it by that
 * name (or its Docker id once known); a rename is found again through the
 * label.
 */
#ifndef CTRT_DOCKER_BACKEND_H
#define CTRT_DOCKER_BACKEND_H

#include "docker_gen.h"
#include "transport/transport.h"

#include <pthread.h>

typedef struct ctrt__docker ctrt__docker;

/* Where the docker CLI looks when DOCKER_HOST is unset. */
#define CTRT__DOCKER_DEFAULT_HOST "unix:///var/run/docker.sock"

/* What the docker CLI reads: DOCKER_HOST (default unix:///var/run/docker.sock),
 * DOCKER_TLS_VERIFY (non-empty: TLS with verification), DOCKER_CERT_PATH
 * (ca.pem, cert.pem, key.pem; default ~/.docker; non-empty alone means TLS
 * without verification, like the Go client), DOCKER_API_VERSION (pin).
 * Certificate files are used only when they exist. Clears *out first; on
 * failure *out is left cleared. (docker_env.c) */
int ctrt__docker_config_from_env(ctrt__http_config *out);

/* Docker ids of managed containers, by display form (a small cache). */
typedef struct ctrt__docker_known {
  char *display;
  char *docker_id;
} ctrt__docker_known;

/* A session's state: one attach connection per container (write_stdin). */
typedef struct ctrt__docker_attach {
  char *display;
  ctrt__http_conn *conn;
} ctrt__docker_attach;

struct ctrt__docker {
  ctrt__http_client *client;
  char *label_key;        /* com.zlayer.container_id by default */
  size_t exec_output_max; /* ctrt_open_options.exec_output_max, resolved */
  char *auth_socket_target;
  pthread_mutex_t lock; /* guards known and attaches */
  ctrt__docker_known *known;
  size_t n_known;
  ctrt__docker_attach *attaches;
  size_t n_attaches;
  uint64_t host_memory; /* GET /info MemTotal once asked (under lock), else 0 */
};

/* ---- state, for this backend and those composed on it ---- */

/* Set up d (embedded first in a composed backend's state, so the generated
 * stubs and ctrt__docker_ops can take the composed state as theirs) for
 * uri; an empty uri means default_host, or DOCKER_HOST when that is NULL.
 * peer names the engine in messages (static; NULL: "the Docker daemon").
 * Negotiates the API version (fails when nobody answers). On failure d is
 * left cleared. */
int ctrt__docker_init(ctrt__docker *d, const char *uri, const char *default_host, const char *peer,
                      const ctrt_open_options *options);
/* Release what ctrt__docker_init set up (not d itself). */
void ctrt__docker_fini(ctrt__docker *d);

/* ---- containers ---- */

/* The reference to put in a path or query for id: its Docker id when known,
 * else its name. refresh looks the id up by label (a renamed container). */
int ctrt__docker_container(ctrt__docker *d, char **out, const ctrt_container_id *id, bool refresh);
/* After a 404 on used: whether a label lookup finds id under another
 * reference (then the caller retries once). */
bool ctrt__docker_container_moved(ctrt__docker *d, const ctrt_container_id *id, const char *used);
/* Remember / forget the Docker id of a managed container. */
void ctrt__docker_remember(ctrt__docker *d, const ctrt_container_id *id, const char *docker_id);
void ctrt__docker_forget(ctrt__docker *d, const ctrt_container_id *id);
/* The name a managed container is created with: zlayer-{service}-{replica}. */
char *ctrt__docker_container_name(const ctrt_container_id *id);

/* ---- query strings and headers ---- */

typedef struct ctrt__dq {
  char *text; /* "" or "?a=1&b=2" */
  size_t len, cap;
  int error; /* first failure (out of memory) */
} ctrt__dq;
#define CTRT__DQ_INIT                                                                                                  \
  { NULL, 0, 0, 0 }

/* Add name=value (escaped); a NULL value adds nothing. */
void ctrt__dq_add(ctrt__dq *q, const char *name, const char *value);
void ctrt__dq_add_int(ctrt__dq *q, const char *name, int64_t value);
void ctrt__dq_add_u64(ctrt__dq *q, const char *name, uint64_t value);
/* Values joined by sep into one parameter (ps_args). */
void ctrt__dq_add_joined(ctrt__dq *q, const char *name, const char *const *values, size_t n, const char *sep);
/* The repository / tag part of an image reference ("host:5000/a/b:t" ->
 * "host:5000/a/b" and "t"; no tag gives "latest"; a digest reference gives
 * "repo@sha256:..." and no tag). */
void ctrt__dq_add_ref_repo(ctrt__dq *q, const char *name, const char *reference);
void ctrt__dq_add_ref_tag(ctrt__dq *q, const char *name, const char *reference);
/* The engine name of a managed container (zlayer-{service}-{replica}). */
void ctrt__dq_add_container_name(ctrt__dq *q, const char *name, const ctrt_container_id *id);
/* A ContainerList filter on the managed label: {"label":["<key>=<display id>"]}. */
void ctrt__dq_add_label_filter(ctrt__dq *q, const char *name, const char *label_key, const ctrt_container_id *id);
const char *ctrt__dq_text(const ctrt__dq *q);
int ctrt__dq_error(const ctrt__dq *q);
void ctrt__dq_clear(ctrt__dq *q);

typedef struct ctrt__dh {
  char **lines; /* "Name: value", NULL-terminated */
  size_t n;
  int error;
} ctrt__dh;
#define CTRT__DH_INIT                                                                                                  \
  { NULL, 0, 0 }

void ctrt__dh_add(ctrt__dh *h, const char *name, const char *value);
/* X-Registry-Auth for pulling reference (serveraddress: its registry host). */
void ctrt__dh_add_registry_auth(ctrt__dh *h, const ctrt_registry_auth *auth, const char *reference);
const char *const *ctrt__dh_lines(const ctrt__dh *h);
int ctrt__dh_error(const ctrt__dh *h);
void ctrt__dh_clear(ctrt__dh *h);

/* Escape a path segment that may hold '/' ':' '@' (image names). */
char *ctrt__docker_escape_path(const char *text);
/* Split a reference into repository and tag (tag NULL for digests). */
int ctrt__docker_split_ref(const char *reference, char **repo, char **tag);

/* ---- exchanges ---- */

/* A status with a meaning of its own for one call: CTRT_ERROR_NONE makes it
 * a success (304 on start), another kind an error of that kind. */
typedef struct ctrt__docker_status {
  int status;
  ctrt_error_kind kind;
} ctrt__docker_status;

/* Send a buffered request; statuses >= 400 (and those in the table that are
 * not successes) become errors carrying the daemon's message, prefixed with
 * the method. */
int ctrt__docker_send(ctrt__docker *d, const ctrt__http_request *req, const ctrt__docker_status *statuses,
                      size_t n_statuses, const char *method, ctrt__http_response **out);
/* Open a streamed response, with the same status handling. */
int ctrt__docker_open(ctrt__docker *d, const ctrt__http_request *req, const ctrt__docker_status *statuses,
                      size_t n_statuses, const char *method, ctrt__http_stream **out);
/* What a caller of ctrt__docker_consume_progress does with each line that
 * is not an error: 0 to go on, or an error. */
typedef int (*ctrt__docker_progress_fn)(void *ctx, const json_t *line);
/* Open a JSON-lines progress stream and read it to the end, handing each
 * line to on_line (may be NULL); a line with "error"/"errorDetail" fails
 * with the kind the table gives 500 (else internal), keeping the daemon's
 * message (Docker answers 200 before it knows). */
int ctrt__docker_consume_progress(ctrt__docker *d, const ctrt__http_request *req, const ctrt__docker_status *statuses,
                                  size_t n_statuses, const char *method, ctrt__docker_progress_fn on_line, void *ctx);
/* Parse a response body as JSON (empty: an internal error, the daemon's
 * fault); errors name the method. */
int ctrt__docker_parse_body(json_t **out, const ctrt__http_response *resp, const char *method);
/* An internal error unless the response has a body (JSON was expected). */
int ctrt__docker_need_body(const ctrt__http_response *resp, const char *method);
/* The walker's syntax error set (json_walk.h) under the method's name. */
int ctrt__docker_invalid_json(const char *method);
/* An answer that did not decode (the error set names the JSON path): an
 * internal error of method, keeping that message. */
int ctrt__docker_bad_answer(const char *method);
/* After a walked answer failed (docker_answers.c): the walker's error under
 * the method's name, as ctrt__docker_invalid_json when the text is invalid
 * (syntax), else as ctrt__docker_bad_answer; running out of memory stays so. */
int ctrt__docker_walk_error(const char *method, bool syntax);
/* A byte stream (archive, export, save) over an open response; takes it. */
int ctrt__docker_byte_stream(ctrt__stream **out, ctrt__http_stream *hs);
/* The message of an "error"/"errorDetail" progress line, or NULL. */
const char *ctrt__docker_progress_error(const json_t *line);

#endif
