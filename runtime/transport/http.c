/* SPDX-License-Identifier: MIT */
/* HTTP over libcurl's multi interface: buffered requests, streamed uploads
 * and paused/resumable streamed responses, API version negotiation.
 *
 * Every transfer runs on a (multi, easy) pair taken from the client's pool
 * and driven by our own loop (curl_multi_perform + curl_multi_poll), so the
 * same code gives timeouts we control, cancellation (curl_multi_wakeup) and
 * pausing a stream while its reader does not read.
 *
 * Pooled connections remember the process that opened them: after fork()
 * a child never reuses (and so never interleaves requests on) a connection
 * its parent may still be using; it opens its own. */
#include "transport/transport_private.h"

#include <errno.h>
#include <sys/socket.h>
#include <stdio.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

struct ctrt__pooled {
  CURLM *multi;
  CURL *easy;
  pid_t owner; /* getpid() of the process that opened its connection */
  bool plain;  /* the easy holds only what pooled_setup sets (and a GET's URL, headers, data) */
  char errbuf[CURL_ERROR_SIZE];
  struct ctrt__pooled *next;
};

#define POOL_MAX_IDLE 16
#define ERROR_BODY_MAX ((size_t)64 * 1024)
#define POLL_SLICE_MS 1000
/* A stream's receive buffer: libcurl's default 16 KiB took four recv()s,
 * four write callbacks and two pump rounds per 64 KiB a reader asks for
 * (strace of archive_get, 100 MiB: 6393 recv of 16384 bytes). */
#define STREAM_RECV_BUFFER (64L * 1024)

/* ---- process-wide set-up ---- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_OK;

/* getpid(), for the pool's owner check on every request: glibc >= 2.25 no
 * longer caches it, so each call was a system call. A fork() child updates
 * it before anything else runs there (a child of vfork() or a raw clone()
 * must not use the library, as for any fork without exec). */
static pid_t process_id;

static void after_fork_in_child(void) { process_id = getpid(); }

static void global_init(void) {
  global_rc = curl_global_init(CURL_GLOBAL_ALL);
  process_id = getpid();
  pthread_atfork(NULL, NULL, after_fork_in_child);
}

int ctrt__transport_global_init(void) {
  pthread_once(&global_once, global_init);
  if (global_rc != CURLE_OK)
    return ctrt__error_internal("libcurl initialisation failed: %s", curl_easy_strerror(global_rc));
  return 0;
}

int64_t ctrt__transport_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ctrt__transport_duration(char *buf, size_t cap, long ms) { snprintf(buf, cap, "%gs", (double)ms / 1000.0); }

/* ---- headers ---- */

int ctrt__transport_add_header(ctrt__http_headers *h, const char *line, size_t len) {
  while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
    len--;
  const char *colon = memchr(line, ':', len);
  if (colon == NULL || colon == line)
    return 0; /* not a header line: ignore, as browsers do */
  size_t name_len = (size_t)(colon - line);
  const char *value = colon + 1;
  size_t value_len = len - name_len - 1;
  while (value_len > 0 && (*value == ' ' || *value == '\t')) {
    value++;
    value_len--;
  }
  while (value_len > 0 && (value[value_len - 1] == ' ' || value[value_len - 1] == '\t'))
    value_len--;
  /* A NUL would split the pair: such a line is cut there. */
  name_len = strnlen(line, name_len);
  value_len = strnlen(value, value_len);
  size_t need = h->len + name_len + value_len + 2;
  if (need > h->cap) {
    size_t cap = h->cap ? h->cap * 2 : 512;
    while (cap < need)
      cap *= 2;
    char *grown = ctrt__realloc(h->buf, cap);
    CTRT__CHECK_ALLOC(grown);
    h->buf = grown;
    h->cap = cap;
  }
  memcpy(h->buf + h->len, line, name_len);
  h->buf[h->len + name_len] = '\0';
  memcpy(h->buf + h->len + name_len + 1, value, value_len);
  h->buf[need - 1] = '\0';
  h->len = need;
  return 0;
}

void ctrt__transport_free_headers(ctrt__http_headers *h) {
  ctrt__free(h->buf);
  *h = (ctrt__http_headers){0};
}

const char *ctrt__transport_find_header(const ctrt__http_headers *h, const char *name) {
  const char *p = h->buf, *end = h->buf + h->len;
  while (p < end) {
    const char *value = p + strlen(p) + 1;
    if (strcasecmp(p, name) == 0)
      return value;
    p = value + strlen(value) + 1;
  }
  return NULL;
}

const char *ctrt__http_response_header(const ctrt__http_response *r, const char *name) {
  if (r == NULL || name == NULL)
    return NULL;
  return ctrt__transport_find_header(&r->headers, name);
}

void ctrt__http_response_free(ctrt__http_response *r) {
  if (r == NULL)
    return;
  ctrt__transport_free_headers(&r->headers);
  ctrt__free(r->body);
  ctrt__free(r);
}

/* ---- client ---- */

static void share_lock(CURL *handle, curl_lock_data data, curl_lock_access access, void *userptr) {
  (void)handle;
  (void)access;
  ctrt__http_client *c = userptr;
  if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
    pthread_mutex_lock(&c->share_locks[data]);
}

static void share_unlock(CURL *handle, curl_lock_data data, void *userptr) {
  (void)handle;
  ctrt__http_client *c = userptr;
  if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
    pthread_mutex_unlock(&c->share_locks[data]);
}

static void pooled_destroy(ctrt__pooled *p) {
  if (p == NULL)
    return;
  if (p->easy)
    curl_easy_cleanup(p->easy);
  if (p->multi)
    curl_multi_cleanup(p->multi);
  ctrt__free(p);
}

static void client_destroy(ctrt__http_client *c) {
  while (c->idle) {
    ctrt__pooled *p = c->idle;
    c->idle = p->next;
    pooled_destroy(p);
  }
  if (c->share)
    curl_share_cleanup(c->share);
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
    pthread_mutex_destroy(&c->share_locks[i]);
  pthread_mutex_destroy(&c->pool_lock);
  pthread_mutex_destroy(&c->version_lock);
  ctrt__endpoint_clear(&c->ep);
  ctrt__free(c->host);
  ctrt__free(c->ca_file);
  ctrt__free(c->cert_file);
  ctrt__free(c->key_file);
  ctrt__free(c);
}

static void client_unref(ctrt__http_client *c) {
  if (c != NULL && atomic_fetch_sub(&c->refs, 1) == 1)
    client_destroy(c);
}

void ctrt__http_client_free(ctrt__http_client *client) { client_unref(client); }

const char *ctrt__http_client_host(const ctrt__http_client *client) { return client ? client->host : ""; }

static int copy_readable(char **out, const char *path, const char *what) {
  if (path == NULL)
    return 0;
  if (access(path, R_OK) != 0)
    return ctrt__error_configuration("cannot read the TLS %s %s: %s", what, path, strerror(errno));
  *out = ctrt__strdup(path);
  return *out ? 0 : ctrt__error_no_memory();
}

static void set_version(ctrt__http_client *c, int major, int minor) {
  snprintf(c->version, sizeof c->version, "%d.%d", major, minor);
  snprintf(c->prefix, sizeof c->prefix, "/v%d.%d", major, minor);
  atomic_store_explicit(&c->negotiated, true, memory_order_release);
}

int ctrt__http_client_new(ctrt__http_client **out, const ctrt__http_config *cfg) {
  CTRT__CHECK_ARG(out != NULL && cfg != NULL, "http_client_new: out and cfg must not be NULL");
  *out = NULL;
  int rc = ctrt__transport_global_init();
  if (rc < 0)
    return rc;
  ctrt__http_client *c = ctrt__calloc(1, sizeof *c);
  CTRT__CHECK_ALLOC(c);
  atomic_init(&c->refs, 1);
  atomic_init(&c->negotiated, false);
  pthread_mutex_init(&c->version_lock, NULL);
  pthread_mutex_init(&c->pool_lock, NULL);
  for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
    pthread_mutex_init(&c->share_locks[i], NULL);

  c->host = ctrt__strdup(cfg->host != NULL ? cfg->host : "");
  if (c->host == NULL) {
    rc = ctrt__error_no_memory();
    goto fail;
  }
  if ((rc = ctrt__endpoint_parse(&c->ep, c->host, cfg->tls)) < 0)
    goto fail;
  c->tls_verify = cfg->tls_verify;
  if (c->ep.tls && ((rc = copy_readable(&c->ca_file, cfg->ca_file, "CA certificate")) < 0 ||
                    (rc = copy_readable(&c->cert_file, cfg->cert_file, "client certificate")) < 0 ||
                    (rc = copy_readable(&c->key_file, cfg->key_file, "client key")) < 0))
    goto fail;
  c->connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : CTRT__HTTP_CONNECT_TIMEOUT_MS;
  c->error_from_body = cfg->error_from_body != NULL ? cfg->error_from_body : ctrt__http_error_plain;
  c->stream_idle_ms = cfg->stream_idle_ms > 0 ? cfg->stream_idle_ms : 0;
  c->negotiate = cfg->negotiate;
  c->peer = cfg->peer != NULL ? cfg->peer : "the server";
  c->tls_hint = cfg->tls_hint;
  c->request_timeout_ms = cfg->request_timeout_ms == 0  ? CTRT__HTTP_REQUEST_TIMEOUT_MS
                          : cfg->request_timeout_ms < 0 ? -1
                                                        : cfg->request_timeout_ms;
  if (cfg->api_version != NULL) {
    int major, minor;
    if (!ctrt__api_version_parse(cfg->api_version, &major, &minor)) {
      rc = ctrt__error_configuration("API version %s: expected a version like 1.41", cfg->api_version);
      goto fail;
    }
    set_version(c, major, minor);
  }
  c->share = curl_share_init();
  if (c->share == NULL || curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
      curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
      curl_share_setopt(c->share, CURLSHOPT_USERDATA, c) != CURLSHE_OK ||
      curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
      curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
    rc = ctrt__error_internal("libcurl share handle set-up failed");
    goto fail;
  }
  *out = c;
  return 0;
fail:
  client_destroy(c);
  return rc;
}

/* Sockets to the daemon are close-on-exec: a process the caller starts
 * (a registry, a helper) must not inherit them. An inherited copy keeps a
 * connection open after we close it: dockerd then goes on writing a
 * cancelled archive, holding the container, until that process exits. */
static curl_socket_t open_cloexec(void *ctx, curlsocktype purpose, struct curl_sockaddr *address) {
  (void)ctx;
  (void)purpose;
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

void ctrt__transport_easy_setup(const ctrt__http_client *c, CURL *easy, bool use_share) {
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, open_cloexec);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, NULL);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);                              /* threads: no SIGALRM for DNS timeouts */
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1); /* streams and hijack need 1.1 */
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  /* The daemon is addressed directly; a proxy from the environment would
   * also capture unix-socket requests. */
  curl_easy_setopt(easy, CURLOPT_PROXY, "");
  curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, CTRT__USER_AGENT);
  if (c->ep.is_unix)
    curl_easy_setopt(easy, CURLOPT_UNIX_SOCKET_PATH, c->ep.unix_path);
  if (c->ep.tls) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, c->tls_verify ? 1L : 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, c->tls_verify ? 2L : 0L);
    if (c->ca_file)
      curl_easy_setopt(easy, CURLOPT_CAINFO, c->ca_file);
    if (c->cert_file) {
      curl_easy_setopt(easy, CURLOPT_SSLCERT, c->cert_file);
      curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (c->key_file) {
      curl_easy_setopt(easy, CURLOPT_SSLKEY, c->key_file);
      curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
    }
  }
  if (use_share)
    curl_easy_setopt(easy, CURLOPT_SHARE, c->share);
}

int ctrt__transport_curl_error(const ctrt__http_client *c, CURL *easy, CURLcode rc, const char *errbuf,
                               const char *what, bool got_headers) {
  const char *detail = errbuf && errbuf[0] ? errbuf : curl_easy_strerror(rc);
  long os_errno = 0;
  if (easy)
    curl_easy_getinfo(easy, CURLINFO_OS_ERRNO, &os_errno);
  char dur[32];
  switch (rc) {
  case CURLE_COULDNT_CONNECT:
  case CURLE_COULDNT_RESOLVE_HOST:
    return ctrt__error_network("cannot connect to %s at %s: %s (is it running?)", c->peer, c->host,
                               os_errno ? strerror((int)os_errno) : detail);
  case CURLE_OPERATION_TIMEDOUT: /* only the connect timeout is libcurl's */
    ctrt__transport_duration(dur, sizeof dur, c->connect_timeout_ms);
    ctrt__error_timeout(dur);
    return ctrt__error_wrap("cannot connect to %s at %s", c->peer, c->host);
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CRL_BADFILE:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_ENGINE_NOTFOUND:
  case CURLE_SSL_CIPHER:
    return ctrt__error_configuration("TLS with %s at %s failed: %s (%s)", c->peer, c->host, detail,
                                     c->tls_hint ? c->tls_hint : "check the CA, certificate and key files");
  case CURLE_SSL_CONNECT_ERROR:
    return ctrt__error_network("TLS handshake with %s at %s failed: %s", c->peer, c->host, detail);
  case CURLE_GOT_NOTHING:
    return ctrt__error_network("%s: %s at %s closed the connection without answering", what, c->peer, c->host);
  case CURLE_PARTIAL_FILE:
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
    /* TLS 1.3 reports a refused client certificate after the handshake,
     * as an alert on the first read. */
    if (c->ep.tls && !got_headers && strstr(detail, "alert") && strstr(detail, "certificate"))
      return ctrt__error_configuration("TLS with %s at %s failed: %s (%s: it wants a client certificate it trusts)",
                                       c->peer, c->host, detail,
                                       c->tls_hint ? c->tls_hint : "check the certificate and key files");
    if (got_headers)
      return ctrt__error_network("%s: %s at %s closed the connection in the middle of the response (%s)", what, c->peer,
                                 c->host, detail);
    return ctrt__error_network("%s: the connection to %s at %s broke: %s", what, c->peer, c->host, detail);
  case CURLE_WEIRD_SERVER_REPLY:
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_BAD_CONTENT_ENCODING:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    return ctrt__error_network("%s: the reply from %s is not valid HTTP (%s); is it %s?", what, c->host, detail,
                               c->peer);
  case CURLE_OUT_OF_MEMORY:
    return ctrt__error_no_memory();
  default:
    return ctrt__error_network("%s: request to %s at %s failed: %s", what, c->peer, c->host, detail);
  }
}

/* ---- request targets ---- */

static bool path_ok(const char *path) {
  if (path == NULL || path[0] != '/')
    return false;
  for (const unsigned char *p = (const unsigned char *)path; *p; p++)
    if (*p <= ' ' || *p == 0x7f)
      return false;
  return true;
}

static bool method_ok(const char *method) {
  if (method[0] == '\0')
    return false;
  for (const char *p = method; *p; p++)
    if (*p < 'A' || *p > 'Z')
      return false;
  return true;
}

/* "GET /containers/x/json": the path without its query (values there may be
 * long), cut to fit. Built by hand: this runs on every request. */
static void describe_into(char *what, size_t cap, const char *method, const char *path) {
  size_t m = strlen(method), p = strcspn(path, "?");
  if (m > cap - 2)
    m = cap - 2;
  if (p > cap - 2 - m)
    p = cap - 2 - m;
  memcpy(what, method, m);
  what[m] = ' ';
  memcpy(what + m + 1, path, p);
  what[m + 1 + p] = '\0';
}

int ctrt__transport_check(ctrt__http_client *c, const ctrt__http_request *req, const char **prefix, char *what,
                          size_t what_cap) {
  *prefix = "";
  const char *method = req->method ? req->method : "GET";
  CTRT__CHECK_ARG(method_ok(method), "HTTP request: invalid method \"%s\"", method);
  CTRT__CHECK_ARG(path_ok(req->path),
                  "HTTP request: the path must start with / and contain no spaces or control characters");
  if (req->body != NULL && req->upload != NULL)
    return ctrt__error_invalid_argument("HTTP request: body and upload are exclusive");
  if (req->headers)
    for (const char *const *h = req->headers; *h; h++)
      CTRT__CHECK_ARG(strpbrk(*h, "\r\n") == NULL && strchr(*h, ':') != NULL,
                      "HTTP request: header lines must be \"Name: value\" on one line");
  if (req->content_type && strpbrk(req->content_type, "\r\n") != NULL)
    return ctrt__error_invalid_argument("HTTP request: invalid content type");
  describe_into(what, what_cap, method, req->path);
  if (!req->unversioned) {
    int rc = ctrt__http_negotiate(c);
    if (rc < 0)
      return rc;
    *prefix = c->prefix;
  }
  return 0;
}

int ctrt__transport_target(ctrt__http_client *c, const ctrt__http_request *req, char **target, char *what,
                           size_t what_cap) {
  *target = NULL;
  const char *prefix;
  int rc = ctrt__transport_check(c, req, &prefix, what, what_cap);
  if (rc < 0)
    return rc;
  *target = ctrt__sprintf("%s%s", prefix, req->path);
  return *target ? 0 : ctrt__error_no_memory();
}

/* ---- transfers ---- */

typedef enum { SINK_BUFFER, SINK_STREAM } sink_mode;
typedef enum { UNTIL_DONE, UNTIL_HEADERS, UNTIL_DATA } pump_goal;

typedef struct xfer {
  ctrt__http_client *client;
  ctrt__pooled *p;
  bool added;
  struct curl_slist *headers;
  char what[256];

  /* response head */
  int status;
  bool headers_done;
  ctrt__http_headers hdrs;

  /* body: the whole body (buffer mode) or the undelivered rest of one chunk
   * (stream mode: buf[off..len)) */
  sink_mode mode;
  char *buf;
  size_t len, cap, off, max;
  bool truncate; /* buffer mode: drop what exceeds max instead of failing */
  bool too_large, nomem;
  bool no_body; /* HEAD: a Content-Length announces nothing to buffer */

  /* stream mode: the reader's buffer during a read */
  uint8_t *target;
  size_t target_cap, delivered;
  bool paused;

  /* upload */
  ctrt_byte_source *upload;
  bool upload_failed;
  ctrt_error_kind up_kind;
  int up_status;
  char up_msg[CTRT__ERROR_MESSAGE_MAX];

  /* time limits */
  long timeout_ms;     /* <= 0: none */
  bool idle_based;     /* uploads: limit inactivity, not total time */
  bool after_connect;  /* the limit starts once connected (handshakes) */
  bool limit_body;     /* false for streams: limit until headers only */
  bool track_activity; /* t_activity is read (uploads, streams): the callbacks and the pump keep it */
  bool wrote;          /* write_cb ran since the pump last read the clock */
  int64_t t_start, t_activity;

  bool done;
  CURLcode result;
  atomic_bool cancelled;
} xfer;

static size_t header_cb(char *data, size_t size, size_t n, void *userdata);
static size_t write_cb(char *data, size_t size, size_t n, void *userdata);

/* What a pair's easy handle keeps between transfers: the client's options
 * (ctrt__transport_easy_setup, the share) and our callbacks and error
 * buffer. A plain GET only sets its URL, headers and callback data on top;
 * any other transfer sets options a later one must not inherit, so the
 * handle is reset before its next use. */
static void pooled_setup(const ctrt__http_client *c, ctrt__pooled *p, bool use_share) {
  ctrt__transport_easy_setup(c, p->easy, use_share);
  curl_easy_setopt(p->easy, CURLOPT_ERRORBUFFER, p->errbuf);
  curl_easy_setopt(p->easy, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt(p->easy, CURLOPT_WRITEFUNCTION, write_cb);
  p->plain = true;
}

static ctrt__pooled *pool_get(ctrt__http_client *c) {
  pid_t self = process_id;
  pthread_mutex_lock(&c->pool_lock);
  ctrt__pooled **at = &c->idle;
  while (*at && (*at)->owner != self)
    at = &(*at)->next; /* inherited across fork(): the parent's, left alone */
  ctrt__pooled *p = *at;
  if (p) {
    *at = p->next;
    c->n_idle--;
  }
  pthread_mutex_unlock(&c->pool_lock);
  if (p == NULL) {
    p = ctrt__calloc(1, sizeof *p);
    if (p == NULL)
      return NULL;
    p->owner = self;
    p->multi = curl_multi_init();
    p->easy = curl_easy_init();
    if (p->multi == NULL || p->easy == NULL) {
      pooled_destroy(p);
      return NULL;
    }
    pooled_setup(c, p, true);
  }
  p->next = NULL;
  return p;
}

static void pool_put(ctrt__http_client *c, ctrt__pooled *p) {
  pthread_mutex_lock(&c->pool_lock);
  if (c->n_idle < POOL_MAX_IDLE) {
    p->next = c->idle;
    c->idle = p;
    c->n_idle++;
    p = NULL;
  }
  pthread_mutex_unlock(&c->pool_lock);
  pooled_destroy(p);
}

static bool buf_reserve(xfer *x, size_t need) {
  if (need <= x->cap)
    return true;
  size_t cap = x->cap ? x->cap : 4096;
  while (cap < need)
    cap *= 2;
  char *grown = ctrt__realloc(x->buf, cap);
  if (grown == NULL)
    return false;
  x->buf = grown;
  x->cap = cap;
  return true;
}

static bool is_header(const char *line, size_t len, const char *name, size_t name_len) {
  return len > name_len && line[name_len] == ':' && strncasecmp(line, name, name_len) == 0;
}

static size_t header_cb(char *data, size_t size, size_t n, void *userdata) {
  xfer *x = userdata;
  size_t len = size * n;
  if (x->track_activity)
    x->t_activity = ctrt__transport_now_ms();
  size_t l = len;
  while (l > 0 && (data[l - 1] == '\r' || data[l - 1] == '\n'))
    l--;
  if (l >= 5 && memcmp(data, "HTTP/", 5) == 0) {
    /* A new response (after 1xx interim ones): forget earlier headers. */
    x->hdrs.len = 0;
    /* libcurl's header data is not NUL-terminated: read the three digits
     * within the line only. */
    const char *sp = memchr(data, ' ', l);
    uint64_t status = 0;
    size_t at = sp ? (size_t)(sp + 1 - data) : l;
    x->status = at + 3 <= l && ctrt__parse_uint(data + at, 3, 10, 999, &status) ? (int)status : 0;
    return len;
  }
  if (x->headers_done)
    return len; /* trailers */
  if (l == 0) {
    if (x->status >= 200)
      x->headers_done = true;
    return len;
  }
  if (ctrt__transport_add_header(&x->hdrs, data, l) < 0) {
    x->nomem = true;
    return 0;
  }
  /* A buffered body of announced size gets its buffer at once, rather than
   * growing (and copying) by doubling. */
  uint64_t announced;
  if (x->mode == SINK_BUFFER && !x->no_body && x->status >= 200 && is_header(data, l, "Content-Length", 14) &&
      ctrt__parse_uint_cstr(ctrt__transport_find_header(&x->hdrs, "Content-Length"), 10, x->max, &announced) &&
      !buf_reserve(x, x->len + (size_t)announced + 1)) {
    x->nomem = true;
    return 0;
  }
  return len;
}

static size_t write_cb(char *data, size_t size, size_t n, void *userdata) {
  xfer *x = userdata;
  size_t len = size * n;
  /* The pump reads the clock once per curl_multi_perform, not once per
   * HTTP chunk (a chatty log is a chunk per 64-byte line: 262 144 clock
   * reads in 16 MiB, 5.6M instructions). */
  x->wrote = true;
  if (x->mode == SINK_BUFFER) {
    size_t take = len;
    if (x->len + len > x->max) {
      if (!x->truncate) {
        x->too_large = true;
        return 0; /* aborts the transfer */
      }
      take = x->max - x->len;
    }
    if (!buf_reserve(x, x->len + take + 1)) {
      x->nomem = true;
      return 0;
    }
    memcpy(x->buf + x->len, data, take);
    x->len += take;
    x->buf[x->len] = '\0';
    return len;
  }
  /* Stream: chunks go straight into the reader's buffer while it has room;
   * the rest of the one that fills it waits in ours, and later ones stay
   * with libcurl (paused) until the reader asks again, which bounds our
   * memory. */
  if (x->len > x->off || (x->target ? x->delivered == x->target_cap : x->delivered > 0)) {
    x->paused = true;
    return CURL_WRITEFUNC_PAUSE;
  }
  size_t take = 0;
  if (x->target) {
    size_t room = x->target_cap - x->delivered;
    take = len < room ? len : room;
    memcpy(x->target + x->delivered, data, take);
    x->delivered += take;
  }
  if (take < len) {
    x->off = 0;
    x->len = 0;
    if (!buf_reserve(x, len - take)) {
      x->nomem = true;
      return 0;
    }
    memcpy(x->buf, data + take, len - take);
    x->len = len - take;
  }
  return len;
}

static size_t read_cb(char *buf, size_t size, size_t n, void *userdata) {
  xfer *x = userdata;
  size_t got = 0;
  int rc = ctrt_byte_source_read(x->upload, buf, size * n, &got);
  if (rc == CTRT_ITEROVER)
    return 0;
  if (rc < 0) {
    /* Keep the source's error: libcurl only reports "aborted". */
    const ctrt_error *e = ctrt_error_last();
    x->upload_failed = true;
    x->up_kind = e->kind;
    x->up_status = e->http_status;
    snprintf(x->up_msg, sizeof x->up_msg, "%s", e->message);
    return CURL_READFUNC_ABORT;
  }
  x->t_activity = ctrt__transport_now_ms();
  return got;
}

static void xfer_end(xfer *x) {
  if (x->p) {
    if (x->added)
      curl_multi_remove_handle(x->p->multi, x->p->easy); /* closes an unfinished transfer's connection */
    pool_put(x->client, x->p);
    x->p = NULL;
  }
  curl_slist_free_all(x->headers);
  ctrt__free(x->buf);
  ctrt__transport_free_headers(&x->hdrs);
  x->headers = NULL;
  x->buf = NULL;
}

static bool add_header(xfer *x, const char *line) {
  struct curl_slist *l = curl_slist_append(x->headers, line);
  if (l == NULL)
    return false;
  x->headers = l;
  return true;
}

/* Set the easy's URL to base_url + prefix + path without a heap copy in
 * the common case (libcurl keeps its own). */
static int set_url(const ctrt__http_client *c, CURL *e, const char *prefix, const char *path) {
  char small[1024];
  size_t b = strlen(c->ep.base_url), v = strlen(prefix), p = strlen(path);
  char *url = b + v + p < sizeof small ? small : ctrt__malloc(b + v + p + 1);
  CTRT__CHECK_ALLOC(url);
  memcpy(url, c->ep.base_url, b + 1); /* each terminated: the next one overwrites it */
  memcpy(url + b, prefix, v + 1);
  memcpy(url + b + v, path, p + 1);
  CURLcode cc = curl_easy_setopt(e, CURLOPT_URL, url);
  if (url != small)
    ctrt__free(url);
  return cc == CURLE_OK ? 0 : ctrt__error_no_memory();
}

static int xfer_begin(xfer *x, ctrt__http_client *c, const ctrt__http_request *req, sink_mode mode, bool stream) {
  x->client = c;
  x->mode = mode;
  atomic_init(&x->cancelled, false);
  const char *prefix = NULL;
  int rc = ctrt__transport_check(c, req, &prefix, x->what, sizeof x->what);
  if (rc < 0)
    return rc;
  x->p = pool_get(c);
  CTRT__CHECK_ALLOC(x->p);
  CURL *e = x->p->easy;
  const char *method = req->method ? req->method : "GET";
  bool get = strcmp(method, "GET") == 0;
  bool plain = get && !stream && req->body == NULL && req->upload == NULL;
  if (!x->p->plain) {
    curl_easy_reset(e); /* keeps the connection and the share */
    pooled_setup(c, x->p, false);
  }
  x->p->plain = plain; /* else: options below that the next transfer must not keep */
  x->p->errbuf[0] = '\0';
  rc = set_url(c, e, prefix, req->path);
  if (rc < 0)
    return rc;
  curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
  if (stream)
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, STREAM_RECV_BUFFER);

  if (req->body != NULL || req->upload != NULL) {
    char line[256];
    if (req->content_type)
      snprintf(line, sizeof line, "Content-Type: %s", req->content_type);
    else
      snprintf(line, sizeof line, "Content-Type:"); /* not libcurl's form type */
    /* Expect: no 100-continue round trip */
    if (!add_header(x, "Expect:") || !add_header(x, line))
      return ctrt__error_no_memory();
  } else if (strcmp(method, "POST") == 0 && !add_header(x, "Content-Type:")) {
    return ctrt__error_no_memory();
  }
  for (const char *const *h = req->headers; h != NULL && *h; h++)
    if (!add_header(x, *h))
      return ctrt__error_no_memory();
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);

  if (req->upload) {
    /* Unknown size over HTTP/1.1: libcurl sends it chunked. */
    x->upload = req->upload;
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(e, CURLOPT_READDATA, x);
    if (strcmp(method, "PUT") != 0)
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
  } else if (req->body != NULL || strcmp(method, "POST") == 0) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body ? req->body_len : 0));
    curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body ? (const char *)req->body : "");
    if (strcmp(method, "POST") != 0)
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
  } else if (strcmp(method, "HEAD") == 0) {
    x->no_body = true;
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (get) {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
  }

  x->timeout_ms = req->timeout_ms == 0 ? c->request_timeout_ms : req->timeout_ms < 0 ? -1 : req->timeout_ms;
  x->idle_based = req->upload != NULL;
  x->after_connect = req->after_connect;
  x->limit_body = !stream;
  x->track_activity = x->idle_based || stream;
  x->t_start = x->t_activity = ctrt__transport_now_ms();
  if (curl_multi_add_handle(x->p->multi, e) != CURLM_OK)
    return ctrt__error_internal("%s: libcurl refused the transfer", x->what);
  x->added = true;
  return 0;
}

/* A stream past its headers: only the idle limit applies (t_activity is
 * reset when the reader starts waiting, so a slow reader is not idle). */
static bool stream_idling(const xfer *x) { return !x->limit_body && x->headers_done; }

static int64_t xfer_deadline(const xfer *x) {
  if (stream_idling(x))
    return x->client->stream_idle_ms > 0 ? x->t_activity + x->client->stream_idle_ms : 0;
  if (x->timeout_ms <= 0)
    return 0;
  if (x->after_connect) {
    /* Connecting (a TLS setup can be slow under valgrind) is bounded by
     * CURLOPT_CONNECTTIMEOUT; the answer gets timeout_ms from then on. */
    curl_off_t tcp = 0, app = 0;
    curl_easy_getinfo(x->p->easy, CURLINFO_CONNECT_TIME_T, &tcp);
    curl_easy_getinfo(x->p->easy, CURLINFO_APPCONNECT_TIME_T, &app);
    curl_off_t connected = x->client->ep.tls ? app : tcp;
    if (connected <= 0)
      return 0;
    return x->t_start + (int64_t)(connected / 1000) + x->timeout_ms;
  }
  return (x->idle_based ? x->t_activity : x->t_start) + x->timeout_ms;
}

static bool goal_reached(const xfer *x, pump_goal goal) {
  switch (goal) {
  case UNTIL_HEADERS:
    return x->headers_done;
  case UNTIL_DATA:
    return x->delivered > 0 || x->len > x->off;
  case UNTIL_DONE:
    break;
  }
  return false;
}

/* Drive the transfer until the goal, its end, a timeout or a cancel. */
static int xfer_pump(xfer *x, pump_goal goal) {
  CURLM *multi = x->p->multi;
  for (;;) {
    if (atomic_load(&x->cancelled))
      return ctrt__error_cancelled("%s: the stream was cancelled", x->what);
    int running = 0;
    CURLMcode mc = curl_multi_perform(multi, &running);
    if (mc != CURLM_OK)
      return ctrt__error_internal("%s: libcurl: %s", x->what, curl_multi_strerror(mc));
    if (x->wrote && x->track_activity)
      x->t_activity = ctrt__transport_now_ms();
    x->wrote = false;
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(multi, &left)) != NULL)
      if (msg->msg == CURLMSG_DONE) {
        x->done = true;
        x->result = msg->data.result;
      }
    if (x->done || goal_reached(x, goal))
      return 0;
    int wait = POLL_SLICE_MS;
    int64_t deadline = xfer_deadline(x);
    if (deadline) {
      int64_t now = ctrt__transport_now_ms();
      if (now >= deadline) {
        char dur[32];
        if (stream_idling(x)) {
          ctrt__transport_duration(dur, sizeof dur, x->client->stream_idle_ms);
          ctrt__error_timeout(dur);
          return ctrt__error_wrap("%s: the stream from %s sent nothing for %s (stream_idle_timeout_ms)", x->what,
                                  x->client->host, dur);
        }
        ctrt__transport_duration(dur, sizeof dur, x->timeout_ms);
        ctrt__error_timeout(dur);
        return ctrt__error_wrap("%s: %s at %s did not answer in time", x->what, x->client->peer, x->client->host);
      }
      if (deadline - now < wait)
        wait = (int)(deadline - now);
    }
    mc = curl_multi_poll(multi, NULL, 0, wait, NULL);
    if (mc != CURLM_OK)
      return ctrt__error_internal("%s: libcurl: %s", x->what, curl_multi_strerror(mc));
  }
}

/* The error of a finished, failed transfer. */
static int xfer_error(xfer *x) {
  if (x->upload_failed) {
    ctrt__error_set(x->up_kind == CTRT_ERROR_NONE ? CTRT_ERROR_INTERNAL : x->up_kind, x->up_status, "%s", x->up_msg);
    return ctrt__error_wrap("%s: reading the request body failed", x->what);
  }
  if (x->too_large)
    return ctrt__error_internal("%s: the response body exceeds %zu bytes", x->what, x->max);
  if (x->nomem)
    return ctrt__error_no_memory();
  return ctrt__transport_curl_error(x->client, x->p ? x->p->easy : NULL, x->result, x->p ? x->p->errbuf : NULL, x->what,
                                    x->headers_done);
}

/* ---- buffered requests ---- */

int ctrt__http_do(ctrt__http_client *client, const ctrt__http_request *req, ctrt__http_response **out) {
  if (out)
    *out = NULL;
  CTRT__CHECK_ARG(client != NULL && req != NULL && out != NULL, "http_do: client, req and out must not be NULL");
  ctrt__http_response *r = ctrt__calloc(1, sizeof *r);
  CTRT__CHECK_ALLOC(r);
  xfer x;
  memset(&x, 0, sizeof x);
  x.max = CTRT__HTTP_MAX_BODY;
  int rc;
  if ((rc = xfer_begin(&x, client, req, SINK_BUFFER, false)) < 0 || (rc = xfer_pump(&x, UNTIL_DONE)) < 0)
    goto done;
  if (x.result != CURLE_OK) {
    rc = xfer_error(&x);
    goto done;
  }
  if (x.buf == NULL && !buf_reserve(&x, 1)) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  x.buf[x.len] = '\0';
  r->status = x.status;
  r->body = x.buf;
  r->body_len = x.len;
  r->headers = x.hdrs;
  x.buf = NULL;
  x.hdrs = (ctrt__http_headers){0};
  *out = r;
  r = NULL;
done:
  xfer_end(&x);
  ctrt__http_response_free(r);
  return rc;
}

static void describe(char *what, size_t cap, const ctrt__http_request *req) {
  const char *path = req->path ? req->path : "";
  snprintf(what, cap, "%s %.*s", req->method ? req->method : "GET", (int)strcspn(path, "?"), path);
}

int ctrt__http_do_checked(ctrt__http_client *client, const ctrt__http_request *req, ctrt__http_response **out) {
  int rc = ctrt__http_do(client, req, out);
  if (rc < 0 || *out == NULL || (*out)->status < 400) /* *out is set when rc is 0 */
    return rc;
  char what[256];
  describe(what, sizeof what, req);
  rc = client->error_from_body((*out)->status, (*out)->body, (*out)->body_len, what);
  ctrt__http_response_free(*out);
  *out = NULL;
  return rc;
}

int ctrt__http_do_json(ctrt__http_client *client, const ctrt__http_request *req, int *status, json_t **out) {
  CTRT__CHECK_ARG(out != NULL, "http_do_json: out must not be NULL");
  *out = NULL;
  ctrt__http_response *r = NULL;
  int rc = ctrt__http_do_checked(client, req, &r);
  if (rc < 0 || r == NULL) /* r is set when rc is 0 */
    return rc;
  if (status)
    *status = r->status;
  size_t i = 0;
  while (i < r->body_len && (r->body[i] == ' ' || r->body[i] == '\n' || r->body[i] == '\r' || r->body[i] == '\t'))
    i++;
  if (i == r->body_len) {
    *out = json_null();
  } else {
    json_error_t err;
    *out = json_loadb(r->body, r->body_len, JSON_DECODE_ANY, &err);
    if (*out == NULL) {
      char what[256];
      describe(what, sizeof what, req);
      rc = ctrt__error_internal("%s: the answer of %s is not valid JSON: %s (byte %d)", what, client->peer, err.text,
                                err.position);
    }
  }
  ctrt__http_response_free(r);
  return rc;
}

/* ---- streams ---- */

struct ctrt__http_stream {
  xfer x;
};

static void stream_destroy(ctrt__http_stream *s) {
  ctrt__http_client *c = s->x.client;
  bool ref = s->x.p != NULL;
  xfer_end(&s->x);
  if (ref)
    client_unref(c);
  ctrt__free(s);
}

int ctrt__http_stream_open(ctrt__http_client *client, const ctrt__http_request *req, ctrt__http_stream **out) {
  if (out)
    *out = NULL;
  CTRT__CHECK_ARG(client != NULL && req != NULL && out != NULL,
                  "http_stream_open: client, req and out must not be NULL");
  ctrt__http_stream *s = ctrt__calloc(1, sizeof *s);
  CTRT__CHECK_ALLOC(s);
  xfer *x = &s->x;
  int rc = xfer_begin(x, client, req, SINK_STREAM, true);
  if (x->p)
    atomic_fetch_add(&client->refs, 1); /* the pair goes back to this client's pool */
  if (rc < 0 || (rc = xfer_pump(x, UNTIL_HEADERS)) < 0)
    goto fail;
  if (x->done && x->result != CURLE_OK) {
    rc = xfer_error(x);
    goto fail;
  }
  if (!x->headers_done) {
    rc = ctrt__error_network("%s: %s at %s sent no response headers", x->what, client->peer, client->host);
    goto fail;
  }
  if (x->status >= 400) {
    /* Collect the (small) error body: what a chunk already brought, then
     * the rest, under the request time limit again. */
    if (x->buf)
      memmove(x->buf, x->buf + x->off, x->len - x->off);
    x->len -= x->off;
    x->off = 0;
    x->mode = SINK_BUFFER;
    x->max = ERROR_BODY_MAX;
    x->truncate = true;
    if (x->len > x->max)
      x->len = x->max;
    x->limit_body = true;
    x->t_start = x->t_activity = ctrt__transport_now_ms();
    if (x->paused && !x->done) {
      x->paused = false;
      curl_easy_pause(x->p->easy, CURLPAUSE_CONT);
    }
    if (!x->done)
      (void)xfer_pump(x, UNTIL_DONE); /* best effort: the status alone is enough */
    if ((rc = x->client->error_from_body(x->status, x->buf ? x->buf : "", x->len, x->what)) < 0)
      goto fail;
  }
  *out = s;
  return 0;
fail:
  stream_destroy(s);
  return rc;
}

int ctrt__http_stream_status(const ctrt__http_stream *s) { return s ? s->x.status : 0; }

const char *ctrt__http_stream_header(const ctrt__http_stream *s, const char *name) {
  if (s == NULL || name == NULL)
    return NULL;
  return ctrt__transport_find_header(&s->x.hdrs, name);
}

/* A paused transfer goes on; libcurl may deliver right here. */
static int resume_paused(xfer *x) {
  if (!x->paused)
    return 0;
  x->paused = false;
  CURLcode cc = curl_easy_pause(x->p->easy, CURLPAUSE_CONT);
  if (cc != CURLE_OK)
    return ctrt__error_internal("%s: resuming the transfer failed: %s", x->what, curl_easy_strerror(cc));
  return 0;
}

int ctrt__http_stream_read(ctrt__http_stream *s, void *buf, size_t cap, size_t *n_read) {
  if (n_read)
    *n_read = 0;
  CTRT__CHECK_ARG(s != NULL && buf != NULL && cap != 0 && n_read != NULL,
                  "http_stream_read: needs a stream, a buffer and n_read");
  xfer *x = &s->x;
  for (;;) {
    if (atomic_load(&x->cancelled))
      return ctrt__error_cancelled("%s: the stream was cancelled", x->what);
    if (x->len > x->off) {
      size_t take = x->len - x->off < cap ? x->len - x->off : cap;
      memcpy(buf, x->buf + x->off, take);
      x->off += take;
      if (x->off == x->len)
        x->off = x->len = 0;
      *n_read = take;
      return 0;
    }
    if (x->done)
      return x->result == CURLE_OK ? CTRT_ITEROVER : xfer_error(x);
    x->target = buf;
    x->target_cap = cap;
    x->delivered = 0;
    x->t_activity = ctrt__transport_now_ms(); /* the idle clock runs while the reader waits */
    int rc;
    if ((rc = resume_paused(x)) >= 0 && x->delivered == 0)
      rc = xfer_pump(x, UNTIL_DATA);
    x->target = NULL;
    size_t delivered = x->delivered;
    x->delivered = 0;
    if (rc < 0)
      return rc;
    if (delivered > 0) {
      *n_read = delivered;
      return 0;
    }
    /* else: data went to the pending chunk, or the transfer ended */
  }
}

int ctrt__http_stream_pull(void *stream, void *buf, size_t cap, size_t *n_read) {
  return ctrt__http_stream_read(stream, buf, cap, n_read);
}

void ctrt__http_stream_cancel(ctrt__http_stream *s) {
  if (s == NULL)
    return;
  atomic_store(&s->x.cancelled, true);
  if (s->x.p)
    curl_multi_wakeup(s->x.p->multi); /* thread-safe: ends a curl_multi_poll */
}

void ctrt__http_stream_free(ctrt__http_stream *s) {
  if (s != NULL)
    stream_destroy(s);
}

/* ---- version negotiation ---- */

static int negotiate_locked(ctrt__http_client *c) {
  int major = 0, minor = 0;
  if (c->negotiate == NULL) {
    /* Nothing to ask: paths go as they are. */
    c->version[0] = '\0';
    c->prefix[0] = '\0';
    atomic_store_explicit(&c->negotiated, true, memory_order_release);
    return 0;
  }
  int rc = c->negotiate(c, &major, &minor);
  if (rc < 0)
    return rc;
  set_version(c, major, minor);
  return 0;
}

long ctrt__http_client_connect_timeout(const ctrt__http_client *client) {
  return client ? client->connect_timeout_ms : CTRT__HTTP_CONNECT_TIMEOUT_MS;
}

int ctrt__http_negotiate(ctrt__http_client *client) {
  CTRT__CHECK_ARG(client != NULL, "http_negotiate: client must not be NULL");
  if (atomic_load_explicit(&client->negotiated, memory_order_acquire))
    return 0;
  pthread_mutex_lock(&client->version_lock);
  int rc = 0;
  if (!atomic_load_explicit(&client->negotiated, memory_order_acquire))
    rc = negotiate_locked(client);
  pthread_mutex_unlock(&client->version_lock);
  return rc;
}

const char *ctrt__http_api_version(const ctrt__http_client *client) {
  if (client == NULL || !atomic_load_explicit(&client->negotiated, memory_order_acquire) || client->version[0] == '\0')
    return NULL;
  return client->version;
}
