/* ctrt-bench: the clients measured side by side.
 *
 * Every client does the same daemon requests as ctrt for a workload; they
 * differ only in what they do with the answer, which is what the benchmark
 * compares: nothing (raw libcurl), a DOM (jansson), a bare tokenizer pass
 * (yajl, the floor a decoder can approach), or a full binding (ctrt,
 * docker-py, the docker CLI). */
#ifndef CTRT_BENCH_CLIENTS_H
#define CTRT_BENCH_CLIENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a body is turned into after it is read. */
typedef enum {
  BENCH_PARSE_NONE,    /* raw libcurl: the bytes are kept, nothing else */
  BENCH_PARSE_JANSSON, /* json_loadb + json_decref */
  BENCH_PARSE_YAJL,    /* one yajl pass without callbacks */
} bench_parse;

typedef struct bench_curl bench_curl;

/* A libcurl client on the daemon's unix socket, reusing its connection. */
int bench_curl_new(bench_curl **out, const char *socket_path, bench_parse parse);
void bench_curl_free(bench_curl *c);
/* One request; the body (if any) is sent as JSON. Returns the HTTP status,
 * or -1 with a message in `err`. The answer is parsed as the client says. */
long bench_curl_request(bench_curl *c, const char *method, const char *path, const char *body, char *err,
                        size_t err_len);
/* The last answer's body (NUL-terminated) and its length. */
const char *bench_curl_body(const bench_curl *c, size_t *len);
/* Streams a GET to a sink that only counts bytes; returns the byte count or -1. */
long long bench_curl_stream(bench_curl *c, const char *path, char *err, size_t err_len);

/* A peer process driven over a pipe: docker-py (python3 bench/peers/docker_py_peer.py)
 * or Node (node bench/peers/node_http_peer.js). */
typedef struct bench_peer bench_peer;
int bench_peer_start(bench_peer **out, const char *interpreter, const char *script, const char *url, const char *image,
                     char *version, size_t version_len, char *err, size_t err_len);
/* Runs OP `calls` times in the peer (after one untimed call if `warm`); per-call
 * wall and CPU in microseconds. */
int bench_peer_run(bench_peer *p, const char *op, int calls, bool warm, const char *arg, double *wall_us,
                   double *cpu_us, char *err, size_t err_len);
void bench_peer_stop(bench_peer *p);

#endif
