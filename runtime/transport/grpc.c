/* gRPC over libcurl: every call is one HTTP/2 POST driven by a multi handle
 * of its own, so a caller pulls messages at its pace (the transfer pauses
 * while the buffer holds a whole message) and another thread can wake it.
 * Idle (multi, easy) pairs are kept for reuse only where libcurl reuses h2c
 * connections correctly; elsewhere each call connects afresh. */
#include "transport/grpc.h"
#include "transport/transport_private.h"

#include <ctype.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define POLL_SLICE_MS 1000
#define MAX_IDLE 4
#define WHAT_MAX 256

typedef struct pair {
  CURLM *multi;
  CURL *easy;
} pair;

struct ctrt__grpc_client {
  char *target;
  bool is_unix;
  char *unix_path;
  char *base_url; /* "http://localhost", "http://host:port" */
  long connect_timeout_ms;
  size_t max_message;
  bool reuse;
  const ctrt__grpc_message_rule *rules;
  atomic_long connections;
  pthread_mutex_t lock;
  pair idle[MAX_IDLE];
  size_t n_idle;
};

struct ctrt__grpc_call {
  ctrt__grpc_client *client;
  pair p;
  struct curl_slist *headers;
  uint8_t *request; /* framed */
  size_t request_len;
  uint8_t *buf; /* received, not yet returned */
  size_t len, off, cap;
  bool paused, done, failed;
  CURLcode result;
  int http_status;
  bool grpc_content;
  int grpc_status; /* -1 until seen */
  char *grpc_message;
  long deadline_ms;
  atomic_bool cancelled;
  char errbuf[CURL_ERROR_SIZE];
  char what[WHAT_MAX];
};

/* ---- Status mapping ---- */

static const char *const status_names[] = {
    "OK",        "CANCELLED",       "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
    "NOT_FOUND", "ALREADY_EXISTS",  "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED",   "OUT_OF_RANGE",    "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
    "DATA_LOSS", "UNAUTHENTICATED",
};

const char *ctrt__grpc_status_name(int status) {
  if (status < 0 || status >= (int)(sizeof status_names / sizeof *status_names))
    return NULL;
  return status_names[status];
}

static const ctrt_error_kind status_kinds[] = {
    [CTRT__GRPC_CANCELLED] = CTRT_ERROR_CANCELLED,
    [CTRT__GRPC_UNKNOWN] = CTRT_ERROR_INTERNAL,
    [CTRT__GRPC_INVALID_ARGUMENT] = CTRT_ERROR_INVALID_SPEC,
    [CTRT__GRPC_DEADLINE_EXCEEDED] = CTRT_ERROR_TIMEOUT,
    [CTRT__GRPC_NOT_FOUND] = CTRT_ERROR_NOT_FOUND,
    [CTRT__GRPC_ALREADY_EXISTS] = CTRT_ERROR_CONFLICT,
    [CTRT__GRPC_PERMISSION_DENIED] = CTRT_ERROR_CONFIGURATION,
    [CTRT__GRPC_RESOURCE_EXHAUSTED] = CTRT_ERROR_INTERNAL,
    [CTRT__GRPC_FAILED_PRECONDITION] = CTRT_ERROR_CONFLICT,
    [CTRT__GRPC_ABORTED] = CTRT_ERROR_CONFLICT,
    [CTRT__GRPC_OUT_OF_RANGE] = CTRT_ERROR_INVALID_SPEC,
    [CTRT__GRPC_UNIMPLEMENTED] = CTRT_ERROR_UNSUPPORTED,
    [CTRT__GRPC_INTERNAL] = CTRT_ERROR_INTERNAL,
    [CTRT__GRPC_UNAVAILABLE] = CTRT_ERROR_NETWORK,
    [CTRT__GRPC_DATA_LOSS] = CTRT_ERROR_INTERNAL,
    [CTRT__GRPC_UNAUTHENTICATED] = CTRT_ERROR_CONFIGURATION,
};

/* containerd (errdefs) sends typed failures as UNKNOWN whose text ends with
 * the errdefs wording when a wrapped error lost its gRPC code on the way
 * (CRI: "failed to reserve container name ...: name ... is reserved",
 * "...: not found"). */
static const ctrt__grpc_message_rule builtin_rules[] = {
    {"not found", CTRT_ERROR_NOT_FOUND},
    {"already exists", CTRT_ERROR_CONFLICT},
    {"is reserved", CTRT_ERROR_CONFLICT},
    {"failed precondition", CTRT_ERROR_CONFLICT},
    {"not implemented", CTRT_ERROR_UNSUPPORTED},
    {"invalid argument", CTRT_ERROR_INVALID_SPEC},
    {"context deadline exceeded", CTRT_ERROR_TIMEOUT},
    {NULL, CTRT_ERROR_NONE},
};

static ctrt_error_kind rule_kind(const ctrt__grpc_message_rule *rules, const char *message) {
  for (size_t i = 0; rules && rules[i].contains; i++)
    if (strstr(message, rules[i].contains) != NULL)
      return rules[i].kind;
  return CTRT_ERROR_NONE;
}

int ctrt__grpc_status_error(int status, const char *message, const char *method, const ctrt__grpc_message_rule *rules) {
  if (message == NULL)
    message = "";
  const char *name = ctrt__grpc_status_name(status);
  ctrt_error_kind kind = CTRT_ERROR_INTERNAL;
  if (name != NULL && status != CTRT__GRPC_OK)
    kind = status_kinds[status];
  if (status == CTRT__GRPC_UNKNOWN) {
    ctrt_error_kind k = rule_kind(rules, message);
    if (k == CTRT_ERROR_NONE)
      k = rule_kind(builtin_rules, message);
    if (k != CTRT_ERROR_NONE)
      kind = k;
  }
  char code[24];
  if (name == NULL) {
    snprintf(code, sizeof code, "status %d", status);
    name = code;
  }
  return ctrt__error_set(kind, 0, "%s: %s%s%s", method ? method : "gRPC call", name, message[0] ? ": " : "", message);
}

/* The gRPC HTTP-to-status mapping (grpc/doc/http-grpc-status-mapping.md)
 * for a response that is not gRPC at all. */
static int http_status_error(int http, const char *what) {
  int status = CTRT__GRPC_UNKNOWN;
  switch (http) {
  case 400:
    status = CTRT__GRPC_INTERNAL;
    break;
  case 401:
    status = CTRT__GRPC_UNAUTHENTICATED;
    break;
  case 403:
    status = CTRT__GRPC_PERMISSION_DENIED;
    break;
  case 404:
    status = CTRT__GRPC_UNIMPLEMENTED;
    break;
  case 429:
  case 502:
  case 503:
  case 504:
    status = CTRT__GRPC_UNAVAILABLE;
    break;
  default:
    break;
  }
  char text[64];
  snprintf(text, sizeof text, "HTTP status %d instead of a gRPC response", http);
  return ctrt__grpc_status_error(status, text, what, NULL);
}

/* ---- Client ---- */

bool ctrt__grpc_libcurl_reuse_broken(unsigned version_num) { return version_num < 0x080000; }

static bool has_prefix(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

static int parse_target(ctrt__grpc_client *c, const char *target) {
  if (target == NULL || target[0] == '\0')
    return ctrt__error_configuration("gRPC target: empty (use unix:///path or tcp://host:port)");
  if (has_prefix(target, "unix://")) {
    const char *path = target + strlen("unix://");
    if (path[0] != '/')
      return ctrt__error_configuration("gRPC target %s: a unix socket needs an absolute path (unix:///path)", target);
    c->is_unix = true;
    c->unix_path = ctrt__strdup(path);
    c->base_url = ctrt__strdup("http://localhost");
  } else {
    const char *rest = has_prefix(target, "tcp://") ? target + strlen("tcp://") : target;
    const char *colon = strrchr(rest, ':');
    if (strstr(rest, "://") != NULL || colon == NULL || colon == rest || colon[1] == '\0' ||
        strspn(colon + 1, "0123456789") != strlen(colon + 1) || strpbrk(rest, "/@?# ") != NULL)
      return ctrt__error_configuration("gRPC target %s: expected unix:///path or tcp://host:port", target);
    c->base_url = ctrt__sprintf("http://%s", rest);
  }
  if (c->base_url == NULL || (c->is_unix && c->unix_path == NULL))
    return ctrt__error_no_memory();
  return 0;
}

void ctrt__grpc_client_free(ctrt__grpc_client *c) {
  if (c == NULL)
    return;
  for (size_t i = 0; i < c->n_idle; i++) {
    curl_multi_remove_handle(c->idle[i].multi, c->idle[i].easy);
    curl_easy_cleanup(c->idle[i].easy);
    curl_multi_cleanup(c->idle[i].multi);
  }
  pthread_mutex_destroy(&c->lock);
  ctrt__free(c->target);
  ctrt__free(c->unix_path);
  ctrt__free(c->base_url);
  ctrt__free(c);
}

int ctrt__grpc_client_new(ctrt__grpc_client **out, const char *target, const ctrt__grpc_options *opts) {
  *out = NULL;
  int rc = ctrt__transport_global_init();
  if (rc < 0)
    return rc;
  ctrt__grpc_client *c = ctrt__calloc(1, sizeof *c);
  CTRT__CHECK_ALLOC(c);
  pthread_mutex_init(&c->lock, NULL);
  atomic_init(&c->connections, 0);
  ctrt__grpc_options o = {0};
  if (opts != NULL)
    o = *opts;
  c->connect_timeout_ms = o.connect_timeout_ms > 0 ? o.connect_timeout_ms : CTRT__GRPC_CONNECT_TIMEOUT_MS;
  c->max_message = o.max_message > 0 ? o.max_message : CTRT__GRPC_MAX_MESSAGE;
  c->rules = o.unknown_rules;
  if (o.reuse == CTRT__GRPC_REUSE_AUTO)
    c->reuse = !ctrt__grpc_libcurl_reuse_broken(curl_version_info(CURLVERSION_NOW)->version_num);
  else
    c->reuse = o.reuse == CTRT__GRPC_REUSE_ALWAYS;
  c->target = ctrt__strdup(target ? target : "");
  rc = c->target ? parse_target(c, target) : ctrt__error_no_memory();
  if (rc < 0) {
    ctrt__grpc_client_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

const char *ctrt__grpc_client_target(const ctrt__grpc_client *c) { return c->target; }
bool ctrt__grpc_client_reuses(const ctrt__grpc_client *c) { return c->reuse; }
long ctrt__grpc_client_connections(ctrt__grpc_client *c) { return atomic_load(&c->connections); }

static int pair_take(ctrt__grpc_client *c, pair *p) {
  pthread_mutex_lock(&c->lock);
  if (c->reuse && c->n_idle > 0) {
    *p = c->idle[--c->n_idle];
    pthread_mutex_unlock(&c->lock);
    curl_easy_reset(p->easy);
    return 0;
  }
  pthread_mutex_unlock(&c->lock);
  p->multi = curl_multi_init();
  p->easy = curl_easy_init();
  if (p->multi == NULL || p->easy == NULL) {
    curl_easy_cleanup(p->easy);
    curl_multi_cleanup(p->multi);
    p->easy = NULL; /* the call's free must not release them again */
    p->multi = NULL;
    return ctrt__error_no_memory();
  }
  return 0;
}

/* Keep the pair (and its connection) when the call ended cleanly on a
 * client that reuses connections. */
static void pair_release(ctrt__grpc_client *c, pair *p, bool clean) {
  if (p->easy == NULL)
    return;
  curl_multi_remove_handle(p->multi, p->easy);
  pthread_mutex_lock(&c->lock);
  if (clean && c->reuse && c->n_idle < MAX_IDLE) {
    c->idle[c->n_idle++] = *p;
    p->easy = NULL;
  }
  pthread_mutex_unlock(&c->lock);
  if (p->easy != NULL) {
    curl_easy_cleanup(p->easy);
    curl_multi_cleanup(p->multi);
  }
  p->easy = NULL;
  p->multi = NULL;
}

/* ---- Calls ---- */

static size_t on_body(char *data, size_t size, size_t n, void *ud) {
  ctrt__grpc_call *call = ud;
  size_t len = size * n;
  size_t have = call->len - call->off;
  /* Bounded memory: one whole message plus one write of libcurl's. Beyond
   * that the transfer waits until the caller takes a message. */
  if (have > 0 && have + len > call->client->max_message + 5 + CURL_MAX_WRITE_SIZE) {
    call->paused = true;
    return CURL_WRITEFUNC_PAUSE;
  }
  if (call->off > 0) {
    memmove(call->buf, call->buf + call->off, have);
    call->len = have;
    call->off = 0;
  }
  if (call->len + len > call->cap) {
    size_t cap = call->cap ? call->cap : 4096;
    while (cap < call->len + len)
      cap *= 2;
    uint8_t *grown = ctrt__realloc(call->buf, cap);
    if (grown == NULL)
      return 0; /* CURLE_WRITE_ERROR */
    call->buf = grown;
    call->cap = cap;
  }
  memcpy(call->buf + call->len, data, len);
  call->len += len;
  return len;
}

static char *percent_decode(const char *text, size_t len) {
  char *out = ctrt__malloc(len + 1);
  if (out == NULL)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    if (text[i] == '%' && i + 2 < len && isxdigit((unsigned char)text[i + 1]) && isxdigit((unsigned char)text[i + 2])) {
      char hex[3] = {text[i + 1], text[i + 2], '\0'};
      out[o++] = (char)strtol(hex, NULL, 16);
      i += 2;
    } else {
      out[o++] = text[i];
    }
  }
  out[o] = '\0';
  return out;
}

/* Response headers and, after the body, the trailers (libcurl 7.88 hands
 * both to the header callback). */
static size_t on_header(char *line, size_t size, size_t n, void *ud) {
  ctrt__grpc_call *call = ud;
  size_t len = size * n;
  while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
    len--;
  if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
    /* The line is not NUL-terminated: read the status within it (atoi
     * skipped the "\r\n" of a line without a code and read on past it). */
    const char *sp = memchr(line, ' ', len);
    int status = 0;
    for (const char *p = sp ? sp + 1 : line + len; p < line + len && isdigit((unsigned char)*p) && status < 1000; p++)
      status = status * 10 + (*p - '0');
    call->http_status = status;
    return size * n;
  }
  const char *colon = memchr(line, ':', len);
  if (colon == NULL)
    return size * n;
  size_t name_len = (size_t)(colon - line);
  const char *value = colon + 1;
  while (value < line + len && (*value == ' ' || *value == '\t'))
    value++;
  size_t value_len = (size_t)(line + len - value);
  if (name_len == 12 && strncasecmp(line, "content-type", 12) == 0) {
    call->grpc_content = value_len >= 16 && strncasecmp(value, "application/grpc", 16) == 0 &&
                         (value_len == 16 || value[16] == '+' || value[16] == ';');
  } else if (name_len == 11 && strncasecmp(line, "grpc-status", 11) == 0) {
    char digits[12];
    memcpy(digits, value, value_len < sizeof digits ? value_len : 0);
    digits[value_len < sizeof digits ? value_len : 0] = '\0';
    if (value_len > 0 && value_len < sizeof digits && strspn(digits, "0123456789") == value_len) {
      long code = strtol(digits, NULL, 10); /* digits only, at most 11: no overflow of long */
      call->grpc_status = code <= INT_MAX ? (int)code : CTRT__GRPC_UNKNOWN;
    } else {
      call->grpc_status = CTRT__GRPC_UNKNOWN;
    }
  } else if (name_len == 12 && strncasecmp(line, "grpc-message", 12) == 0) {
    ctrt__free(call->grpc_message);
    call->grpc_message = percent_decode(value, value_len);
  }
  return size * n;
}

static void frame_header(uint8_t out[5], size_t len) {
  out[0] = 0; /* not compressed */
  out[1] = (uint8_t)(len >> 24);
  out[2] = (uint8_t)(len >> 16);
  out[3] = (uint8_t)(len >> 8);
  out[4] = (uint8_t)len;
}

void ctrt__grpc_call_free(ctrt__grpc_call *call) {
  if (call == NULL)
    return;
  bool clean = call->done && call->result == CURLE_OK && !call->failed && call->len == call->off;
  pair_release(call->client, &call->p, clean);
  curl_slist_free_all(call->headers);
  ctrt__free(call->request);
  ctrt__free(call->buf);
  ctrt__free(call->grpc_message);
  ctrt__free(call);
}

static int add_header(ctrt__grpc_call *call, const char *line) {
  struct curl_slist *l = curl_slist_append(call->headers, line);
  CTRT__CHECK_ALLOC(l);
  call->headers = l;
  return 0;
}

/* Called once per new socket: counts connections (tests of reuse). */
static int sockopt(void *ud, curl_socket_t fd, curlsocktype purpose) {
  (void)fd;
  (void)purpose;
  atomic_fetch_add(&((ctrt__grpc_client *)ud)->connections, 1);
  return CURL_SOCKOPT_OK;
}

int ctrt__grpc_call_open(ctrt__grpc_client *client, const char *method, const ctrt__grpc_call_options *opts,
                         const void *request, size_t request_len, ctrt__grpc_call **out) {
  *out = NULL;
  CTRT__CHECK_ARG(client != NULL && method != NULL && method[0] == '/' && (request != NULL || request_len == 0),
                  "gRPC call: a client, a method \"/pkg.Service/Method\" and a request");
  CTRT__CHECK_ARG(request_len <= UINT32_MAX, "%s: request of %zu bytes is too large for gRPC", method, request_len);
  ctrt__grpc_call *call = ctrt__calloc(1, sizeof *call);
  CTRT__CHECK_ALLOC(call);
  call->client = client;
  call->grpc_status = -1;
  atomic_init(&call->cancelled, false);
  snprintf(call->what, sizeof call->what, "%s", method);
  call->deadline_ms = opts ? opts->deadline_ms : 0;
  int rc;
  char *url = NULL;
  call->request_len = 5 + request_len;
  if ((call->request = ctrt__malloc(call->request_len)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  frame_header(call->request, request_len);
  if (request_len > 0)
    memcpy(call->request + 5, request, request_len);

  if ((rc = add_header(call, "Content-Type: application/grpc")) < 0 || (rc = add_header(call, "TE: trailers")) < 0 ||
      (rc = add_header(call, "User-Agent: ctrt/0.1 grpc-c-libcurl")) < 0)
    goto done;
  if (call->deadline_ms > 0) {
    char line[48];
    snprintf(line, sizeof line, "grpc-timeout: %ldm", call->deadline_ms);
    if ((rc = add_header(call, line)) < 0)
      goto done;
  }
  for (size_t i = 0; opts && opts->metadata && opts->metadata[i]; i++) {
    const char *m = opts->metadata[i];
    if (strchr(m, ':') == NULL || strpbrk(m, "\r\n") != NULL) {
      rc = ctrt__error_invalid_argument("%s: metadata \"%s\" is not a \"name: value\" line", method, m);
      goto done;
    }
    if ((rc = add_header(call, m)) < 0)
      goto done;
  }
  if ((rc = pair_take(client, &call->p)) < 0)
    goto done;
  if ((url = ctrt__sprintf("%s%s", client->base_url, method)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  CURL *e = call->p.easy;
  curl_easy_setopt(e, CURLOPT_URL, url);
  if (client->is_unix)
    curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, client->unix_path);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, (const char *)call->request);
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)call->request_len);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, call->headers);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, call);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, call);
  curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, sockopt);
  curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, client);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, call->errbuf);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, client->connect_timeout_ms);
  if (call->deadline_ms > 0)
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, call->deadline_ms);
  if (!client->reuse) {
    /* The libcurl h2c reuse bug (see ctrt__grpc_libcurl_reuse_broken). */
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  }
  CURLMcode mc = curl_multi_add_handle(call->p.multi, e);
  if (mc != CURLM_OK) {
    call->failed = true;
    rc = ctrt__error_internal("%s: libcurl refused the transfer: %s", method, curl_multi_strerror(mc));
    goto done;
  }
  *out = call;
  call = NULL;
done:
  ctrt__free(url);
  ctrt__grpc_call_free(call);
  return rc;
}

void ctrt__grpc_call_cancel(ctrt__grpc_call *call) {
  if (call == NULL)
    return;
  atomic_store(&call->cancelled, true);
  curl_multi_wakeup(call->p.multi);
}

/* The error of a finished call that did not end with a clean OK. */
static int finish_error(ctrt__grpc_call *call) {
  ctrt__grpc_client *c = call->client;
  call->failed = true;
  if (call->result == CURLE_OPERATION_TIMEDOUT) {
    if (call->http_status == 0 && call->deadline_ms == 0)
      return ctrt__error_network("%s: connecting to %s timed out", call->what, c->target);
    return ctrt__error_set(CTRT_ERROR_TIMEOUT, 0, "%s: deadline of %ld ms exceeded (DEADLINE_EXCEEDED)", call->what,
                           call->deadline_ms);
  }
  /* A status that arrived before a broken end still says what happened. */
  if (call->grpc_status > 0)
    return ctrt__grpc_status_error(call->grpc_status, call->grpc_message, call->what, c->rules);
  if (call->result == CURLE_COULDNT_CONNECT || call->result == CURLE_COULDNT_RESOLVE_HOST)
    return ctrt__error_network("%s: cannot connect to %s: %s (UNAVAILABLE)", call->what, c->target,
                               call->errbuf[0] ? call->errbuf : curl_easy_strerror(call->result));
  if (call->result != CURLE_OK)
    return ctrt__error_network("%s: the connection to %s failed%s: %s (libcurl error %d)", call->what, c->target,
                               call->http_status ? " mid-response" : "",
                               call->errbuf[0] ? call->errbuf : curl_easy_strerror(call->result), (int)call->result);
  if (call->http_status != 200)
    return http_status_error(call->http_status, call->what);
  if (call->grpc_status < 0 && !call->grpc_content)
    return ctrt__error_network("%s: %s did not answer with a gRPC response (content-type is not application/grpc)",
                               call->what, c->target);
  if (call->grpc_status < 0)
    return ctrt__error_network("%s: the response ended without a grpc-status trailer", call->what);
  if (call->grpc_status > 0)
    return ctrt__grpc_status_error(call->grpc_status, call->grpc_message, call->what, c->rules);
  /* OK, yet bytes are left over: a message cut short. */
  return ctrt__error_network("%s: the response ended inside a message (%zu stray bytes)", call->what,
                             call->len - call->off);
}

static int drive(ctrt__grpc_call *call) {
  int running = 0;
  CURLMcode mc = curl_multi_perform(call->p.multi, &running);
  if (mc != CURLM_OK) {
    call->failed = true;
    return ctrt__error_internal("%s: libcurl: %s", call->what, curl_multi_strerror(mc));
  }
  int left;
  CURLMsg *m;
  while ((m = curl_multi_info_read(call->p.multi, &left)) != NULL) {
    if (m->msg == CURLMSG_DONE) {
      call->done = true;
      call->result = m->data.result;
    }
  }
  if (call->done)
    return 0;
  mc = curl_multi_poll(call->p.multi, NULL, 0, POLL_SLICE_MS, NULL);
  if (mc != CURLM_OK) {
    call->failed = true;
    return ctrt__error_internal("%s: libcurl: %s", call->what, curl_multi_strerror(mc));
  }
  return 0;
}

int ctrt__grpc_call_next(ctrt__grpc_call *call, uint8_t **msg, size_t *len) {
  *msg = NULL;
  *len = 0;
  for (;;) {
    if (atomic_load(&call->cancelled)) {
      call->failed = true;
      return ctrt__error_cancelled("%s: the call was cancelled", call->what);
    }
    if (call->failed)
      return ctrt__error_internal("%s: the call already failed", call->what);
    size_t have = call->len - call->off;
    /* Messages count only once the response is known to be gRPC. */
    if (have >= 5 && call->http_status == 200 && call->grpc_content) {
      const uint8_t *h = call->buf + call->off;
      size_t mlen = ((size_t)h[1] << 24) | ((size_t)h[2] << 16) | ((size_t)h[3] << 8) | h[4];
      if (h[0] != 0) {
        call->failed = true;
        return ctrt__error_network("%s: a %s message (flag byte %u) arrived; none was asked for", call->what,
                                   h[0] == 1 ? "compressed" : "malformed", h[0]);
      }
      if (mlen > call->client->max_message) {
        call->failed = true;
        return ctrt__error_network("%s: a message of %zu bytes exceeds the limit of %zu", call->what, mlen,
                                   call->client->max_message);
      }
      if (have >= 5 + mlen) {
        uint8_t *copy = ctrt__malloc(mlen ? mlen : 1);
        CTRT__CHECK_ALLOC(copy);
        memcpy(copy, h + 5, mlen);
        call->off += 5 + mlen;
        if (call->paused) {
          call->paused = false;
          curl_easy_pause(call->p.easy, CURLPAUSE_CONT);
        }
        *msg = copy;
        *len = mlen;
        return 0;
      }
    }
    if (call->done) {
      if (call->result == CURLE_OK && call->http_status == 200 && call->grpc_status == CTRT__GRPC_OK &&
          call->len == call->off)
        return CTRT_ITEROVER;
      return finish_error(call);
    }
    int rc = drive(call);
    if (rc < 0)
      return rc;
  }
}

int ctrt__grpc_unary(ctrt__grpc_client *client, const char *method, const ctrt__grpc_call_options *opts,
                     const void *request, size_t request_len, uint8_t **reply, size_t *reply_len) {
  *reply = NULL;
  *reply_len = 0;
  ctrt__grpc_call *call = NULL;
  uint8_t *msg = NULL;
  size_t len = 0;
  int rc;
  if ((rc = ctrt__grpc_call_open(client, method, opts, request, request_len, &call)) < 0)
    return rc;
  if ((rc = ctrt__grpc_call_next(call, &msg, &len)) == CTRT_ITEROVER)
    rc = ctrt__error_network("%s: the server answered OK without a message", method);
  if (rc < 0)
    goto done;
  uint8_t *extra = NULL;
  size_t extra_len = 0;
  int end = ctrt__grpc_call_next(call, &extra, &extra_len);
  if (end == 0) {
    ctrt__free(extra);
    call->failed = true;
    end = ctrt__error_network("%s: a unary call answered with more than one message", method);
  }
  if (end != CTRT_ITEROVER) {
    ctrt__free(msg);
    msg = NULL;
    rc = end;
  }
done:
  ctrt__grpc_call_free(call);
  if (rc < 0)
    return rc;
  *reply = msg;
  *reply_len = len;
  return 0;
}

/* ---- As a ctrt__stream ---- */

typedef struct grpc_stream {
  ctrt__grpc_call *call;
  ctrt__grpc_decode_fn decode;
  void *ctx;
  void (*ctx_free)(void *);
} grpc_stream;

static int grpc_stream_next(void *impl, void **item) {
  grpc_stream *s = impl;
  for (;;) {
    uint8_t *msg = NULL;
    size_t len = 0;
    int rc = ctrt__grpc_call_next(s->call, &msg, &len);
    if (rc < 0)
      return rc;
    rc = s->decode(s->ctx, msg, len, item);
    ctrt__free(msg);
    if (rc != 1)
      return rc;
    *item = NULL;
  }
}

static void grpc_stream_cancel(void *impl) { ctrt__grpc_call_cancel(((grpc_stream *)impl)->call); }

static void grpc_stream_destroy(void *impl) {
  grpc_stream *s = impl;
  ctrt__grpc_call_free(s->call);
  if (s->ctx_free)
    s->ctx_free(s->ctx);
  ctrt__free(s);
}

static const ctrt__stream_vtable grpc_stream_vtable = {
    .next = grpc_stream_next,
    .cancel = grpc_stream_cancel,
    .destroy = grpc_stream_destroy,
};

int ctrt__grpc_stream_new(ctrt__stream **out, ctrt__grpc_call *call, ctrt__grpc_decode_fn decode, void *ctx,
                          void (*ctx_free)(void *), void (*item_free)(void *)) {
  *out = NULL;
  grpc_stream *s = ctrt__calloc(1, sizeof *s);
  if (s == NULL) {
    ctrt__grpc_call_free(call);
    if (ctx_free)
      ctx_free(ctx);
    return ctrt__error_no_memory();
  }
  s->call = call;
  s->decode = decode;
  s->ctx = ctx;
  s->ctx_free = ctx_free;
  return ctrt__stream_new(out, &grpc_stream_vtable, s, item_free);
}
