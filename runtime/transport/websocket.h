/*
 * WebSocket client (RFC 6455) for the CRI streaming server (internal, not
 * installed): the HTTP/1.1 upgrade handshake on a TCP socket of its own,
 * masked client frames, fragmented messages reassembled, control frames
 * handled (ping answered with pong, close answered and reported as the
 * end), and the Kubernetes channel protocol on top (`v4.channel.k8s.io`:
 * one channel byte before each binary message: 0 stdin, 1 stdout, 2 stderr,
 * 3 the final metav1.Status, 4 resize).
 *
 * Conventions as in transport.h. A session belongs to one reading thread
 * and one writing thread at a time; _cancel may be called from any thread.
 */
#ifndef CTRT_TRANSPORT_WEBSOCKET_H
#define CTRT_TRANSPORT_WEBSOCKET_H

#include "gen_errors.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
  CTRT__WS_CONTINUATION = 0x0,
  CTRT__WS_TEXT = 0x1,
  CTRT__WS_BINARY = 0x2,
  CTRT__WS_CLOSE = 0x8,
  CTRT__WS_PING = 0x9,
  CTRT__WS_PONG = 0xA,
};

/* Largest message accepted (after reassembly). */
#define CTRT__WS_MAX_MESSAGE ((size_t)16 * 1024 * 1024)

typedef struct ctrt__ws ctrt__ws;

/* Connect to "http://host:port/path" (or ws://) and upgrade, asking for
 * subprotocol (may be NULL; when given, the server must pick it).
 * timeout_ms bounds the connect and the handshake (0 = 10 s). A status
 * other than 101 fails with the kind of that HTTP status and the body's
 * text. */
int ctrt__ws_connect(ctrt__ws **out, const char *url, const char *subprotocol, long timeout_ms);
/* The subprotocol the server chose, or NULL. */
const char *ctrt__ws_subprotocol(const ctrt__ws *ws);
/* Send one message as a single masked frame (text, binary, ping, pong). */
int ctrt__ws_send(ctrt__ws *ws, int opcode, const void *data, size_t len);
/* The next data message (*opcode TEXT or BINARY), reassembled from its
 * fragments, in a new buffer (NUL-terminated, not counted): 0, or
 * CTRT_ITEROVER once the server sent a close frame (answered here) or ended
 * the connection cleanly between messages, or an error (network for a
 * protocol violation or a connection cut inside a frame). Pings are
 * answered with pongs while reading; pongs are dropped. */
int ctrt__ws_recv(ctrt__ws *ws, int *opcode, uint8_t **data, size_t *len);
/* The status code of the server's close frame (1000 normal), 1005 when it
 * had none, 0 before a close. */
int ctrt__ws_close_status(const ctrt__ws *ws);
/* Send a close frame (once; later calls do nothing). Reading may go on
 * until the server's close arrives. */
int ctrt__ws_close(ctrt__ws *ws, uint16_t status, const char *reason);
/* Reads that wait longer than idle_ms for data fail with
 * CTRT_ERROR_TIMEOUT, naming stream_idle_timeout_ms (a stalled server);
 * 0 = no limit (the default). */
void ctrt__ws_set_idle_timeout(ctrt__ws *ws, long idle_ms);
/* The socket, for poll(POLLIN); check ctrt__ws_pending first. */
int ctrt__ws_fd(const ctrt__ws *ws);
bool ctrt__ws_pending(const ctrt__ws *ws);
/* Wake blocked reads/writes; later ones fail with cancelled. Any thread. */
void ctrt__ws_cancel(ctrt__ws *ws);
void ctrt__ws_free(ctrt__ws *ws);

/* ---- Kubernetes channels (k8s.io/apimachinery wsstream) ---- */

#define CTRT__K8S_SUBPROTOCOL_V4 "v4.channel.k8s.io"
enum {
  CTRT__K8S_STDIN = 0,
  CTRT__K8S_STDOUT = 1,
  CTRT__K8S_STDERR = 2,
  CTRT__K8S_ERROR = 3,
  CTRT__K8S_RESIZE = 4,
};

/* One binary message: the channel byte, then data. */
int ctrt__k8s_channel_write(ctrt__ws *ws, int channel, const void *data, size_t len);
/* The next message with at least one byte of payload (messages holding
 * only the channel byte are skipped): *channel, the payload in a new
 * NUL-terminated buffer. CTRT_ITEROVER at the end. */
int ctrt__k8s_channel_read(ctrt__ws *ws, int *channel, uint8_t **data, size_t *len);
/* The terminal size on the resize channel ({"Width":w,"Height":h}). */
int ctrt__k8s_resize(ctrt__ws *ws, unsigned width, unsigned height);
/* The exit code in the error channel's metav1.Status: "Success" gives 0,
 * "NonZeroExitCode" the ExitCode cause; any other status fails with its
 * message (internal). */
int ctrt__k8s_status_exit_code(const char *json, size_t len, int *exit_code);

#endif
