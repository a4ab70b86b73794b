/* SPDX-License-Identifier: MIT */
/*
 * HTTP transport of the engine backends (internal, not installed): HTTP/1.1
 * over unix sockets, TCP and TLS (libcurl), a version prefix on request paths
 * (found by the backend's hook), buffered and streamed requests, hijacked
 * connections (exec/attach), and the stream framings the engines share
 * (multiplexed stdcopy frames, JSON-lines progress streams). What a server
 * means by its answers (error bodies, versions) is the backend's business.
 *
 * Conventions: functions return 0 or a negative CTRT_E* code with the error
 * set (kind, message, HTTP status when there was one); readers return
 * CTRT_ITEROVER at the end; outputs belong to the caller; frees are NULL-safe.
 *
 * Threads: a client may be used by any number of threads at once. A stream
 * or a hijacked connection belongs to one thread, except that _cancel may be
 * called from any thread and a connection may be read by one thread while
 * another writes to it.
 */
#ifndef CTRT_TRANSPORT_H
#define CTRT_TRANSPORT_H

#include "gen_errors.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ====================================================================== */
/* Endpoints and configuration                                            */
/* ====================================================================== */

#define CTRT__HTTP_CONNECT_TIMEOUT_MS 10000L
#define CTRT__HTTP_REQUEST_TIMEOUT_MS 120000L

/* Sets the error for an HTTP error response (status >= 400, its small body,
 * "GET /path" as context) and returns its code. The daemon's error format
 * is the backend's business: the docker backend passes
 * ctrt__docker_error_from_body. */
typedef int (*ctrt__http_error_fn)(int status, const char *body, size_t len, const char *context);

typedef struct ctrt__http_client ctrt__http_client;

/* Finds the API version to prefix versioned paths with ("/v1.41/..."): 0
 * with *major and *minor set, or an error. Called once per client, under its
 * lock, before the first versioned request (again after a failure); it may
 * send unversioned requests on the client. How a server tells its version
 * is the backend's business: the docker backend passes ctrt__docker_negotiate. */
typedef int (*ctrt__http_version_fn)(ctrt__http_client *client, int *major, int *minor);

typedef struct ctrt__http_config {
  /* "unix:///path", "tcp://host[:port]", "http://host:port" or
   * "https://host:port". tcp:// means https:// when tls is set; a missing
   * port is 2375 (2376 with TLS). The caller may replace it (free + strdup)
   * after filling it from the environment (the docker backend's
   * ctrt__docker_config_from_env). Required. */
  char *host;
  bool tls;        /* talk HTTPS to tcp:// hosts */
  bool tls_verify; /* verify the daemon's certificate (ca_file, else the system store) */
  char *ca_file;   /* PEM files; NULL when unused */
  char *cert_file; /* client certificate, with key_file */
  char *key_file;
  char *api_version;                   /* pinned "1.40" (no negotiation); NULL = negotiate */
  long connect_timeout_ms;             /* 0 = CTRT__HTTP_CONNECT_TIMEOUT_MS */
  long request_timeout_ms;             /* 0 = CTRT__HTTP_REQUEST_TIMEOUT_MS, < 0 = none */
  ctrt__http_error_fn error_from_body; /* NULL = ctrt__http_error_plain */
  long stream_idle_ms;                 /* streams: the longest wait for data; 0 = none */
  ctrt__http_version_fn negotiate;     /* NULL (and no api_version): paths go unprefixed */
  /* For messages, static strings: what the host is ("the Docker daemon";
   * NULL = "the server") and where its TLS files come from ("check
   * DOCKER_CERT_PATH"; NULL = the file names). */
  const char *peer;
  const char *tls_hint;
} ctrt__http_config;

/* 0 if host is a valid "unix://", "tcp://", "http://" or "https://" host
 * (the error set otherwise), for callers that validate configuration early. */
int ctrt__http_host_check(const char *host, bool tls);
/* "1.41" -> 1, 41; false unless digits.digits. */
bool ctrt__api_version_parse(const char *text, int *major, int *minor);
/* Free the strings and zero the struct (NULL-safe). */
void ctrt__http_config_clear(ctrt__http_config *cfg);

/* ====================================================================== */
/* Client                                                                 */
/* ====================================================================== */

/* Validate the configuration (copied) and create a client; connects lazily. */
int ctrt__http_client_new(ctrt__http_client **out, const ctrt__http_config *cfg);
/* Release the caller's reference (NULL-safe). Open streams keep the client
 * alive until they are freed; hijacked connections do not need it. */
void ctrt__http_client_free(ctrt__http_client *client);
/* The host as configured ("unix:///var/run/docker.sock"), for messages. */
const char *ctrt__http_client_host(const ctrt__http_client *client);

/* The connect timeout in use (ms), which also bounds a version handshake. */
long ctrt__http_client_connect_timeout(const ctrt__http_client *client);

/* Find the API version now (the configuration's negotiate hook; nothing
 * without one). Versioned requests do this on first use anyway; call it to
 * fail early. Retried on the next request after a failure. */
int ctrt__http_negotiate(ctrt__http_client *client);
/* The version in use ("1.41"), or NULL before a successful negotiation (or
 * without a version). */
const char *ctrt__http_api_version(const ctrt__http_client *client);

/* ====================================================================== */
/* Requests                                                               */
/* ====================================================================== */

typedef struct ctrt__http_request {
  const char *method; /* "GET", "POST", "PUT", "DELETE", "HEAD"; NULL = GET */
  /* "/containers/json?all=1" (escape query values with ctrt__http_escape);
   * sent as /v<version>/containers/json?all=1. */
  const char *path;
  bool unversioned;           /* send path as is (/_ping, /version) */
  const char *const *headers; /* extra "Name: value" lines, NULL-terminated, or NULL */
  const char *content_type;   /* of the body ("application/json", "application/x-tar") */
  const void *body;           /* small in-memory body (copied) ... */
  size_t body_len;
  ctrt_byte_source *upload; /* ... or a streamed body, sent chunked, read once */
  long timeout_ms;          /* 0 = the client's request timeout, < 0 = none */
  bool after_connect;       /* timeout_ms counts from the established connection
                               (TCP and TLS are bounded by the connect timeout) */
} ctrt__http_request;

#define CTRT__HTTP_REQUEST_INIT                                                                                        \
  { .method = "GET" }

/* Timeouts: a request without upload must complete within the request
 * timeout. With an upload, the limit is on inactivity (nothing sent or
 * received for that long). Streams and hijacked connections are limited
 * until their response headers only; their bodies may take forever. */

/* Header lines as "name\0value\0" pairs in one buffer: one allocation for
 * all of a response's headers rather than two per line. */
typedef struct ctrt__http_headers {
  char *buf;
  size_t len, cap;
} ctrt__http_headers;

typedef struct ctrt__http_response {
  int status;
  ctrt__http_headers headers; /* of the final response, in order */
  char *body;                 /* NUL-terminated (not counted), never NULL */
  size_t body_len;
} ctrt__http_response;

/* Largest body a buffered request accepts; larger ones need a stream. */
#define CTRT__HTTP_MAX_BODY ((size_t)64 * 1024 * 1024)

/* Case-insensitive header lookup; NULL when absent (or r is NULL). */
const char *ctrt__http_response_header(const ctrt__http_response *r, const char *name);
void ctrt__http_response_free(ctrt__http_response *r);

/* Send a request and buffer the whole response. Any HTTP status is a
 * success here; only transport failures (connect, timeout, broken or
 * non-HTTP reply, upload source error) fail. */
int ctrt__http_do(ctrt__http_client *client, const ctrt__http_request *req, ctrt__http_response **out);
/* Same, but a status >= 400 becomes the error the client's error_from_body
 * maps it to, and *out stays NULL. */
int ctrt__http_do_checked(ctrt__http_client *client, const ctrt__http_request *req, ctrt__http_response **out);
/* ctrt__http_do_checked, then parse the body as JSON (an empty body gives JSON
 * null). status may be NULL. */
int ctrt__http_do_json(ctrt__http_client *client, const ctrt__http_request *req, int *status, json_t **out);

/* ---- Streamed responses (logs, stats, pull, archive get, export...) ---- */

typedef struct ctrt__http_stream ctrt__http_stream;

/* Send the request and return once the response headers are in. A status
 * >= 400 reads the (small) error body and fails with the mapped error. */
int ctrt__http_stream_open(ctrt__http_client *client, const ctrt__http_request *req, ctrt__http_stream **out);
int ctrt__http_stream_status(const ctrt__http_stream *s);
const char *ctrt__http_stream_header(const ctrt__http_stream *s, const char *name);
/* Read 1..cap body bytes (blocks): 0, CTRT_ITEROVER at the end, or an error
 * (network when the daemon closed the connection mid-response, cancelled
 * after ctrt__http_stream_cancel). Memory stays bounded by one chunk: the
 * transfer is paused while the caller does not read. */
int ctrt__http_stream_read(ctrt__http_stream *s, void *buf, size_t cap, size_t *n_read);
/* ctrt__http_stream_read as a ctrt_read_fn (ctx is the stream). */
int ctrt__http_stream_pull(void *stream, void *buf, size_t cap, size_t *n_read);
/* Wake a blocked read and make every later read fail with cancelled. Any
 * thread; the stream must still be freed by its owner. */
void ctrt__http_stream_cancel(ctrt__http_stream *s);
/* Abort the transfer if unfinished (its connection is closed, not reused). */
void ctrt__http_stream_free(ctrt__http_stream *s);

/* ---- Hijacked connections (exec start, attach) ---- */

typedef struct ctrt__http_conn ctrt__http_conn;

/* Send the request on a connection of its own with `Connection: Upgrade`
 * and `Upgrade: tcp` (added here), expect 101 (or 200 from old daemons),
 * and hand over the raw duplex connection. Bytes that came with the
 * response headers are kept for the first reads. Other statuses fail with
 * the mapped error. req->upload is not supported (use body). */
int ctrt__http_hijack(ctrt__http_client *client, const ctrt__http_request *req, ctrt__http_conn **out);
int ctrt__http_conn_status(const ctrt__http_conn *conn);
const char *ctrt__http_conn_header(const ctrt__http_conn *conn, const char *name);
/* Write all of data (blocks). */
int ctrt__http_conn_write(ctrt__http_conn *conn, const void *data, size_t len);
/* Read 1..cap bytes (blocks): 0, CTRT_ITEROVER when the daemon closed its
 * side, or an error (cancelled after ctrt__http_conn_cancel). */
int ctrt__http_conn_read(ctrt__http_conn *conn, void *buf, size_t cap, size_t *n_read);
/* ctrt__http_conn_read as a ctrt_read_fn (ctx is the connection). */
int ctrt__http_conn_pull(void *conn, void *buf, size_t cap, size_t *n_read);
/* Half-close: shutdown(SHUT_WR), so the process sees end of stdin; reading
 * goes on. (Over TLS too: Go daemons take a TCP EOF at a record boundary as
 * a clean end.) */
int ctrt__http_conn_close_write(ctrt__http_conn *conn);
/* The socket, for poll(POLLIN). Do not read or close it. Check
 * ctrt__http_conn_pending first: bytes already buffered in user space (TLS)
 * do not make it readable. */
int ctrt__http_conn_fd(const ctrt__http_conn *conn);
bool ctrt__http_conn_pending(const ctrt__http_conn *conn);
/* Wake blocked reads/writes; later ones fail with cancelled. Any thread. */
void ctrt__http_conn_cancel(ctrt__http_conn *conn);
void ctrt__http_conn_free(ctrt__http_conn *conn);

/* ====================================================================== */
/* Docker's multiplexed stream framing (stdcopy)                          */
/* ====================================================================== */

/* Frame: stream byte (0 stdin, 1 stdout, 2 stderr, 3 daemon error), three
 * zero bytes, big-endian u32 payload length, payload. A TTY stream is raw
 * bytes instead. The docker backend maps 0/1/2 to log channels. */
#define CTRT__STDCOPY_HEADER_LEN 8
#define CTRT__STDCOPY_STDIN 0
#define CTRT__STDCOPY_STDOUT 1
#define CTRT__STDCOPY_STDERR 2
#define CTRT__STDCOPY_SYSTEMERR 3

/* Write a frame header. */
void ctrt__stdcopy_header(uint8_t out[CTRT__STDCOPY_HEADER_LEN], int stream, uint32_t len);
/* Encode data as one frame (several above 4 GiB) in a new buffer. */
int ctrt__stdcopy_encode(uint8_t **out, size_t *out_len, int stream, const void *data, size_t len);

/* Incremental decoder: feed any split of the input; payload pieces point
 * into the input. */
typedef struct ctrt__stdcopy_decoder {
  uint8_t header[CTRT__STDCOPY_HEADER_LEN];
  size_t have;        /* header bytes collected */
  uint32_t remaining; /* payload bytes left in the current frame */
  int stream;
  bool in_payload;
} ctrt__stdcopy_decoder;
#define CTRT__STDCOPY_DECODER_INIT                                                                                     \
  { .have = 0 }

typedef struct ctrt__stdcopy_piece {
  int stream;
  const uint8_t *data; /* into the input */
  size_t len;          /* may be 0 for an empty frame */
  bool frame_end;      /* the last piece of its frame */
} ctrt__stdcopy_piece;

/* Consume input from *in (advancing it and *in_len): 1 with a payload piece, 0 when
 * the input is used up, or an error on a malformed header. */
int ctrt__stdcopy_decode(ctrt__stdcopy_decoder *d, const uint8_t **in, size_t *in_len, ctrt__stdcopy_piece *piece);
/* Whether the input so far ends on a frame boundary (a clean end of stream). */
bool ctrt__stdcopy_at_boundary(const ctrt__stdcopy_decoder *d);

/* Pull-side demultiplexer over any reader (a stream or a connection); it
 * reads payloads straight into the caller's buffer, so it holds no data. */
typedef struct ctrt__demux {
  ctrt_read_fn pull;
  void *ctx;
  bool multiplexed; /* false: TTY, raw bytes reported as stdout */
  ctrt__stdcopy_decoder dec;
} ctrt__demux;

void ctrt__demux_init(ctrt__demux *d, bool multiplexed, ctrt_read_fn pull, void *ctx);
/* Read 1..cap bytes of one stream (*stream = 1 or 2, 0 for stdin echoes):
 * 0, CTRT_ITEROVER at a clean end, network error on a truncated frame,
 * internal error carrying the daemon's text for a systemerr frame. */
int ctrt__demux_read(ctrt__demux *d, int *stream, void *buf, size_t cap, size_t *n_read);
/* Read one whole frame (a log message) into a new NUL-terminated buffer;
 * frames longer than max_len fail. Raw streams return what one read gives. */
int ctrt__demux_read_frame(ctrt__demux *d, int *stream, char **data, size_t *len, size_t max_len);

/* Buffered pull-side frame reader: reads the wire in pieces of its buffer's
 * size and hands out payloads pointing into that buffer, so a stream of
 * small frames costs one read per buffer instead of two per frame. A frame
 * that fits the buffer comes out whole; a larger one in pieces, its length
 * never allocated. */
typedef struct ctrt__frame_reader {
  ctrt_read_fn pull;
  void *ctx;
  uint8_t *buf;
  size_t cap, off, len; /* unread input: buf[off..len) */
  uint32_t remaining;   /* payload bytes still to come of a frame larger than the buffer */
  int stream;           /* that frame's stream */
  bool eof;
  size_t err_len; /* a systemerr frame's text so far */
  char err[1024];
} ctrt__frame_reader;

/* ctrt__frame_reader_next without may_pull: the next piece needs more input. */
#define CTRT__FRAME_READER_DRY 1

/* Allocates the buffer (cap bytes, at least 64). */
int ctrt__frame_reader_init(ctrt__frame_reader *r, ctrt_read_fn pull, void *ctx, size_t cap);
void ctrt__frame_reader_clear(ctrt__frame_reader *r);
/* The next non-empty payload piece (stream 0..2), pointing into the reader's
 * buffer and valid until the next call that may pull: 0, CTRT_ITEROVER at a
 * clean end, network error on a frame cut by the end of the input, internal
 * error with the daemon's text for a systemerr frame, the reader's errors.
 * With may_pull false only what is buffered is decoded, and a frame that is
 * not all there yet gives CTRT__FRAME_READER_DRY (pieces handed out since
 * the last pulling call stay valid). The reader is plain data: a copy of
 * it, put back, undoes the calls that did not pull. */
int ctrt__frame_reader_next(ctrt__frame_reader *r, ctrt__stdcopy_piece *piece, bool may_pull);
/* Without pulling: the payloads of the whole frames of stream (1 or 2) that
 * are buffered next, copied into dst while they fit cap, up to another
 * stream's frame, a partial frame or anything next_ must decide (a bad
 * header, systemerr); returns the bytes copied (empty frames count 0). The
 * buffered bytes, r->len - r->off, bound what it can copy. */
size_t ctrt__frame_reader_run(ctrt__frame_reader *r, int stream, uint8_t *dst, size_t cap);

/* ====================================================================== */
/* JSON-lines progress streams (pull, push, load, stats, events)          */
/* ====================================================================== */

/* One JSON value per line, or values simply concatenated; whitespace
 * between them is skipped. A value longer than max_message bytes fails.
 * (A bare number or literal at the very end needs a trailing newline.) */
#define CTRT__JSONL_MAX_MESSAGE ((size_t)1024 * 1024)

typedef struct ctrt__jsonl ctrt__jsonl;

/* max_message 0 = CTRT__JSONL_MAX_MESSAGE. */
int ctrt__jsonl_new(ctrt__jsonl **out, size_t max_message);
void ctrt__jsonl_free(ctrt__jsonl *d);
/* Push side: add bytes. The cap is checked by take; ctrt__jsonl_next feeds
 * one read at a time, so its memory stays near max_message. */
int ctrt__jsonl_feed(ctrt__jsonl *d, const void *data, size_t len);
/* 1 with the next complete value, 0 when more input is needed, or an error
 * for invalid JSON. */
int ctrt__jsonl_take(ctrt__jsonl *d, json_t **out);
/* At end of input: 0 if nothing but whitespace is left, else an error. */
int ctrt__jsonl_finish(const ctrt__jsonl *d);
/* Pull side: the next value from the reader: 0, CTRT_ITEROVER, or an error. */
int ctrt__jsonl_next(ctrt__jsonl *d, ctrt_read_fn pull, void *ctx, json_t **out);
/* The same handing back the value's bytes (not parsed: the caller decodes
 * and reports invalid JSON), pointing into the reader's buffer and valid
 * until the next feed, take or next call. */
int ctrt__jsonl_take_text(ctrt__jsonl *d, const char **text, size_t *len);
int ctrt__jsonl_next_text(ctrt__jsonl *d, ctrt_read_fn pull, void *ctx, const char **text, size_t *len);

/* The mapper used when the configuration names none: the kind from the
 * status, the body's text on one line (cut at a character boundary), the
 * context appended. */
int ctrt__http_error_plain(int status, const char *body, size_t len, const char *context);
/* A response body as one line of text: control characters become spaces,
 * runs of spaces one, cut to cap - 1 bytes at a character boundary. */
void ctrt__http_body_line(char *text, size_t cap, const char *body, size_t len);

/* ====================================================================== */
/* Escaping                                                               */
/* ====================================================================== */

/* Percent-encode everything but RFC 3986 unreserved characters (for query
 * values and path segments); NULL with the error set on failure. */
char *ctrt__http_escape(const char *text);
/* The same, leaving the characters of also_keep as they are (e.g. "/:@" for
 * an image name in a path). */
char *ctrt__http_escape_keeping(const char *text, const char *also_keep);

#endif
