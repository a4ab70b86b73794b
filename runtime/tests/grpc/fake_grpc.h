/* A scripted gRPC server for the transport tests: h2c (HTTP/2 with prior
 * knowledge) via libnghttp2 on a unix socket or a TCP loopback port, a
 * thread per connection, requests served one at a time. For each request a
 * handler records a script of replies (headers, framed messages, raw bytes,
 * trailers, or misbehaviour: closing mid-stream, non-HTTP/2 garbage,
 * hanging) which the connection's thread then plays. */
#ifndef CTRT_TEST_FAKE_GRPC_H
#define CTRT_TEST_FAKE_GRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fgrpc_request {
  char path[256];
  char headers[2048]; /* "name: value\n" lines of the request */
  uint8_t *message;   /* the request message, unframed */
  size_t message_len;
  bool framed_ok; /* the body was exactly one uncompressed gRPC frame */
} fgrpc_request;

typedef struct fgrpc_reply fgrpc_reply;

/* Response headers: :status and content-type (NULL: application/grpc). */
void fgrpc_headers(fgrpc_reply *r, int http_status, const char *content_type);
/* A framed message in DATA frames; split: a few bytes per frame, each
 * flushed on its own with a short pause, so the client sees every split. */
void fgrpc_message(fgrpc_reply *r, const void *data, size_t len, bool split);
/* Raw DATA bytes (a malformed or truncated frame). */
void fgrpc_data(fgrpc_reply *r, const void *data, size_t len);
/* End of stream with trailers grpc-status / grpc-message (NULL: none). */
void fgrpc_trailers(fgrpc_reply *r, int status, const char *message);
/* End of stream without trailers. */
void fgrpc_end(fgrpc_reply *r);
/* A trailers-only response: one HEADERS block with the status, ending the stream. */
void fgrpc_trailers_only(fgrpc_reply *r, int status, const char *message);
/* Flush what is queued, then close the connection abruptly. */
void fgrpc_close(fgrpc_reply *r);
/* Write bytes that are not HTTP/2 on the socket, then close. */
void fgrpc_garbage(fgrpc_reply *r);
/* Flush what is queued, then answer nothing until the client goes away. */
void fgrpc_hang(fgrpc_reply *r);

typedef void (*fgrpc_handler)(const fgrpc_request *req, fgrpc_reply *reply, void *ctx);

typedef struct fgrpc_server fgrpc_server;

fgrpc_server *fgrpc_start(bool tcp, fgrpc_handler handler, void *ctx);
/* "unix:///tmp/.../grpc.sock" or "tcp://127.0.0.1:PORT" */
const char *fgrpc_target(const fgrpc_server *s);
int fgrpc_connections(fgrpc_server *s);
/* Block until some connection has entered fgrpc_hang. */
void fgrpc_wait_hanging(fgrpc_server *s);
void fgrpc_stop(fgrpc_server *s);

#endif
