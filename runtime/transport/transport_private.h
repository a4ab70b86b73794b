/* SPDX-License-Identifier: MIT */
/* What the transport's own files share: the client's state and the libcurl
 * set-up common to pooled transfers and hijacked connections. */
#ifndef CTRT_TRANSPORT_PRIVATE_H
#define CTRT_TRANSPORT_PRIVATE_H

#include "transport/transport.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>

#define CTRT__USER_AGENT "ctrt/0.1"

/* A parsed DOCKER_HOST. */
typedef struct ctrt__endpoint {
  bool is_unix;
  char *unix_path;   /* unix sockets */
  char *base_url;    /* "http://localhost", "https://host:2376" */
  char *host_header; /* "localhost", "host:2376" */
  bool tls;
} ctrt__endpoint;

int ctrt__endpoint_parse(ctrt__endpoint *out, const char *host, bool tls);
void ctrt__endpoint_clear(ctrt__endpoint *ep);

typedef struct ctrt__pooled ctrt__pooled;

struct ctrt__http_client {
  atomic_int refs; /* the owner's + one per open stream */
  char *host;
  ctrt__endpoint ep;
  bool tls_verify;
  char *ca_file, *cert_file, *key_file;
  long connect_timeout_ms;
  long request_timeout_ms; /* < 0: none */
  ctrt__http_error_fn error_from_body;
  long stream_idle_ms; /* <= 0: none */
  ctrt__http_version_fn negotiate;
  const char *peer;     /* names the host in messages; static */
  const char *tls_hint; /* static, or NULL */

  /* Negotiated once; version/prefix are written before the release store
   * of negotiated and never change after. */
  pthread_mutex_t version_lock;
  atomic_bool negotiated;
  char version[16];
  char prefix[20]; /* "/v1.41" */

  /* Idle (multi, easy) pairs: each multi keeps its connection cache, so a
   * thread that takes a pair reuses its keep-alive connection. */
  pthread_mutex_t pool_lock;
  ctrt__pooled *idle;
  size_t n_idle;

  /* DNS and TLS sessions are shared between pairs (locked); connections
   * are not, since libcurl does not support a connection cache shared by
   * concurrent threads. */
  CURLSH *share;
  pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
};

/* curl_global_init, once per process (never cleaned up). */
int ctrt__transport_global_init(void);
/* Endpoint, TLS, timeouts and safety options of every handle. */
void ctrt__transport_easy_setup(const ctrt__http_client *c, CURL *easy, bool use_share);
/* Set the error for a failed libcurl transfer; what is "GET /path". */
int ctrt__transport_curl_error(const ctrt__http_client *c, CURL *easy, CURLcode rc, const char *errbuf,
                               const char *what, bool got_headers);
/* Check a request, find its version prefix ("/v1.41", "" when unversioned)
 * and describe it for messages ("POST /containers/x/start"). */
int ctrt__transport_check(ctrt__http_client *c, const ctrt__http_request *req, const char **prefix, char *what,
                          size_t what_cap);
/* Check a request and build its versioned target ("/v1.41/containers/json")
 * and its description for messages ("POST /containers/x/start"). */
int ctrt__transport_target(ctrt__http_client *c, const ctrt__http_request *req, char **target, char *what,
                           size_t what_cap);
/* "0.3s", "120s" */
void ctrt__transport_duration(char *buf, size_t cap, long ms);
int64_t ctrt__transport_now_ms(void);
/* Keep header lines of a response: parse one "Name: value" line. */
int ctrt__transport_add_header(ctrt__http_headers *h, const char *line, size_t len);
void ctrt__transport_free_headers(ctrt__http_headers *h);
const char *ctrt__transport_find_header(const ctrt__http_headers *h, const char *name);

#endif
