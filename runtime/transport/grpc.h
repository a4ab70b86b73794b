/*
 * gRPC over libcurl (internal, not installed): HTTP/2 with prior knowledge
 * (h2c) over a unix socket or TCP, 5-byte length-prefixed messages,
 * grpc-status / grpc-message trailers mapped to ctrt error kinds, deadlines
 * (grpc-timeout and a transfer limit), metadata headers, unary and
 * server-streaming calls. Messages are opaque bytes: the transport knows
 * gRPC, not CRI or protobuf.
 *
 * Conventions as in transport.h: 0 or a negative CTRT_E* code with the
 * error set; readers return CTRT_ITEROVER at the end; outputs belong to the
 * caller; frees are NULL-safe. A client may be used by several threads at
 * once; a call belongs to one thread (ctrt__grpc_call_cancel: any thread).
 */
#ifndef CTRT_TRANSPORT_GRPC_H
#define CTRT_TRANSPORT_GRPC_H

#include "gen_errors.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* gRPC status codes (grpc/doc/statuscodes.md). */
enum {
  CTRT__GRPC_OK = 0,
  CTRT__GRPC_CANCELLED = 1,
  CTRT__GRPC_UNKNOWN = 2,
  CTRT__GRPC_INVALID_ARGUMENT = 3,
  CTRT__GRPC_DEADLINE_EXCEEDED = 4,
  CTRT__GRPC_NOT_FOUND = 5,
  CTRT__GRPC_ALREADY_EXISTS = 6,
  CTRT__GRPC_PERMISSION_DENIED = 7,
  CTRT__GRPC_RESOURCE_EXHAUSTED = 8,
  CTRT__GRPC_FAILED_PRECONDITION = 9,
  CTRT__GRPC_ABORTED = 10,
  CTRT__GRPC_OUT_OF_RANGE = 11,
  CTRT__GRPC_UNIMPLEMENTED = 12,
  CTRT__GRPC_INTERNAL = 13,
  CTRT__GRPC_UNAVAILABLE = 14,
  CTRT__GRPC_DATA_LOSS = 15,
  CTRT__GRPC_UNAUTHENTICATED = 16,
};

/* Largest message accepted by default (gRPC's own default receive limit). */
#define CTRT__GRPC_MAX_MESSAGE ((size_t)4 * 1024 * 1024)
#define CTRT__GRPC_CONNECT_TIMEOUT_MS 10000L

/* Connection reuse between calls. */
typedef enum ctrt__grpc_reuse {
  CTRT__GRPC_REUSE_AUTO = 0, /* by libcurl version (ctrt__grpc_libcurl_reuse_broken) */
  CTRT__GRPC_REUSE_NEVER,    /* one connection per call */
  CTRT__GRPC_REUSE_ALWAYS,   /* keep connections (tests of the reuse path) */
} ctrt__grpc_reuse;

/* A substring of the message of an UNKNOWN status and the kind it means:
 * servers such as containerd send most failures as UNKNOWN with text only. */
typedef struct ctrt__grpc_message_rule {
  const char *contains;
  ctrt_error_kind kind;
} ctrt__grpc_message_rule;

typedef struct ctrt__grpc_options {
  long connect_timeout_ms; /* 0 = CTRT__GRPC_CONNECT_TIMEOUT_MS */
  size_t max_message;      /* 0 = CTRT__GRPC_MAX_MESSAGE */
  ctrt__grpc_reuse reuse;
  /* Checked before the built-in rules (containerd's errdefs texts); the
   * array ends with a NULL contains. May be NULL. Must outlive the client. */
  const ctrt__grpc_message_rule *unknown_rules;
} ctrt__grpc_options;

typedef struct ctrt__grpc_client ctrt__grpc_client;

/* target: "unix:///path/to.sock", "tcp://host:port" or "host:port". The
 * options are copied; opts may be NULL. Connects lazily. */
int ctrt__grpc_client_new(ctrt__grpc_client **out, const char *target, const ctrt__grpc_options *opts);
void ctrt__grpc_client_free(ctrt__grpc_client *client);
const char *ctrt__grpc_client_target(const ctrt__grpc_client *client);
/* Whether calls share connections (the reuse decision, made once). */
bool ctrt__grpc_client_reuses(const ctrt__grpc_client *client);
/* Connections opened so far (each call on a fresh connection adds one). */
long ctrt__grpc_client_connections(ctrt__grpc_client *client);

/* libcurl 7.88.x fails the second request on a reused h2c prior-knowledge
 * connection with CURLE_HTTP2 (measured with 7.88.1 against containerd, a
 * TCP relay and nghttpd, ../shared/cri-notes.md; fixed by curl PR #10643,
 * released in 8.0.0). Older versions are treated alike: h2c reuse is not
 * trusted below 8.0.0. version_num is curl_version_info()->version_num. */
bool ctrt__grpc_libcurl_reuse_broken(unsigned version_num);

typedef struct ctrt__grpc_call_options {
  /* Extra metadata as "name: value" lines, NULL-terminated, or NULL
   * (e.g. "containerd-namespace: k8s.io"). */
  const char *const *metadata;
  /* Whole call, from the request to the final status; 0 = none. Sent as
   * grpc-timeout; exceeding it fails with CTRT_ERROR_TIMEOUT. */
  long deadline_ms;
} ctrt__grpc_call_options;

/* Unary call: method is "/package.Service/Method". The reply is one
 * message, in a new buffer (*reply may be NULL for an empty message when
 * *reply_len is 0). On a non-OK status the mapped error is set. */
int ctrt__grpc_unary(ctrt__grpc_client *client, const char *method, const ctrt__grpc_call_options *opts,
                     const void *request, size_t request_len, uint8_t **reply, size_t *reply_len);

/* Server-streaming call, pulled message by message. */
typedef struct ctrt__grpc_call ctrt__grpc_call;

/* Send the request; returns once it is under way (response headers are
 * read by the first _next). */
int ctrt__grpc_call_open(ctrt__grpc_client *client, const char *method, const ctrt__grpc_call_options *opts,
                         const void *request, size_t request_len, ctrt__grpc_call **out);
/* The next message in a new buffer: 0, CTRT_ITEROVER after the last one
 * with an OK status, or the error of the status / transport. */
int ctrt__grpc_call_next(ctrt__grpc_call *call, uint8_t **msg, size_t *len);
/* Any thread: wake a blocked _next; later ones fail with cancelled. */
void ctrt__grpc_call_cancel(ctrt__grpc_call *call);
/* Abort the call if unfinished. */
void ctrt__grpc_call_free(ctrt__grpc_call *call);

/* A typed ctrt__stream (core/stream.c) over a server-streaming call: each
 * message goes through decode into an item freed by item_free; ctx is
 * passed to decode and freed with ctx_free (may be NULL) when the stream is
 * closed. decode returns 0 with *item set, 1 to skip the message, or an
 * error. On failure the call, ctx are freed. */
typedef int (*ctrt__grpc_decode_fn)(void *ctx, const uint8_t *msg, size_t len, void **item);
int ctrt__grpc_stream_new(ctrt__stream **out, ctrt__grpc_call *call, ctrt__grpc_decode_fn decode, void *ctx,
                          void (*ctx_free)(void *), void (*item_free)(void *));

/* Set the error for a gRPC status and return its code (status must not be
 * OK). rules may be NULL. */
int ctrt__grpc_status_error(int status, const char *message, const char *method, const ctrt__grpc_message_rule *rules);
/* "NOT_FOUND" for 5; "code 42" style names are not returned: NULL outside 0..16. */
const char *ctrt__grpc_status_name(int status);

#endif
