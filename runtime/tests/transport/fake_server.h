/* SPDX-License-Identifier: MIT */
/* A scripted HTTP/1.1 server for the transport tests: a thread accepting on
 * a unix socket, a TCP loopback port or TLS over TCP, one thread per
 * connection, each request handed to a handler that writes whatever bytes
 * the test wants (slowly, broken, hijacked...). Request bodies are hashed
 * as they arrive, so large uploads need no memory. */
#ifndef CTRT_TEST_FAKE_SERVER_H
#define CTRT_TEST_FAKE_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_BODY_KEEP (64 * 1024)

typedef struct fake_request {
  char method[16];
  char target[2048];
  char *head;    /* the header lines, NUL-terminated */
  uint8_t *body; /* the first FAKE_BODY_KEEP bytes, NUL-terminated */
  size_t body_len;
  size_t body_total;
  char body_sha256[65];
  bool chunked;
} fake_request;

/* Header value (case-insensitive name) copied into buf, or NULL. */
const char *fake_request_header(const fake_request *r, const char *name, char *buf, size_t cap);

typedef struct fake_conn fake_conn;
typedef enum { FAKE_KEEP, FAKE_CLOSE } fake_next;
typedef fake_next (*fake_handler)(fake_conn *c, const fake_request *req, void *ctx);

void fake_write(fake_conn *c, const void *data, size_t len);
/* One byte per write, with a short pause, so readers see every split. */
void fake_write_slow(fake_conn *c, const void *data, size_t len);
void fake_printf(fake_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A complete response with Content-Length; extra_headers are "Name: v\r\n" lines or NULL. */
void fake_respond(fake_conn *c, int status, const char *extra_headers, const char *body);
/* Chunked responses. */
void fake_chunked_head(fake_conn *c, int status, const char *extra_headers);
void fake_chunk(fake_conn *c, const void *data, size_t len, bool slow);
void fake_chunked_end(fake_conn *c);
/* Raw bytes from the client after the request (hijacked sessions): >0, 0 at EOF, <0 on error. */
long fake_read(fake_conn *c, void *buf, size_t cap);
void fake_shutdown_write(fake_conn *c);
/* Block until the server stops or the client closes the connection. */
void fake_wait(fake_conn *c);
int fake_conn_index(const fake_conn *c);

typedef struct fake_server fake_server;
typedef enum { FAKE_UNIX, FAKE_TCP, FAKE_TLS } fake_kind;

fake_server *fake_server_start(fake_kind kind, fake_handler handler, void *ctx);
/* DOCKER_HOST form: "unix:///tmp/.../sock", "tcp://127.0.0.1:PORT". */
const char *fake_server_host(const fake_server *s);
int fake_server_port(const fake_server *s);
int fake_server_connections(fake_server *s);
/* Wake every waiting handler, close every connection, join every thread. */
void fake_server_stop(fake_server *s);

/* TLS material of the fake server, written as ca.pem, cert.pem, key.pem
 * (the client's) into dir, the layout of DOCKER_CERT_PATH. */
bool fake_tls_available(void);
int fake_tls_write_cert_dir(const char *dir);

#endif
