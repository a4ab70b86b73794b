/* SPDX-License-Identifier: MIT */
/* Docker's own wire forms, kept out of the HTTP transport: the registry
 * auth header, the archive path-stat header and the daemon's error bodies. */
#include "backends/docker/docker_wire.h"

#include "docker_gen.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- X-Registry-Auth ---- */

static int put_field(json_t *obj, const char *key, const char *value, const char *label) {
  if (value == NULL || value[0] == '\0')
    return 0;
  /* Never echo the value: it may be the password. */
  if (!ctrt__utf8_valid(value, strlen(value)))
    return ctrt__error_invalid_argument("registry auth: the %s is not valid UTF-8", label);
  json_t *s = json_string(value);
  if (s == NULL || json_object_set_new(obj, key, s) != 0)
    return ctrt__error_no_memory();
  return 0;
}

int ctrt__docker_registry_auth(char **out, const char *username, const char *password, const char *server_address) {
  CTRT__CHECK_ARG(out != NULL, "registry auth: out must not be NULL");
  *out = NULL;
  json_t *obj = json_object();
  CTRT__CHECK_ALLOC(obj);
  int rc;
  if ((rc = put_field(obj, "username", username, "user name")) < 0 ||
      (rc = put_field(obj, "password", password, "password")) < 0 ||
      (rc = put_field(obj, "serveraddress", server_address, "server address")) < 0) {
    json_decref(obj);
    return rc;
  }
  char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(obj);
  CTRT__CHECK_ALLOC(text);
  size_t len = strlen(text);
  char *b64 = ctrt__base64_encode(text, len, true);
  explicit_bzero(text, len);
  free(text); /* jansson's allocator is malloc */
  CTRT__CHECK_ALLOC(b64);
  /* Docker decodes with Go's base64.URLEncoding, which wants padding. */
  size_t b64_len = strlen(b64);
  size_t pad = (4 - b64_len % 4) % 4;
  char *padded = ctrt__malloc(b64_len + pad + 1);
  if (padded == NULL) {
    explicit_bzero(b64, b64_len);
    ctrt__free(b64);
    return ctrt__error_no_memory();
  }
  memcpy(padded, b64, b64_len);
  memset(padded + b64_len, '=', pad);
  padded[b64_len + pad] = '\0';
  explicit_bzero(b64, b64_len);
  ctrt__free(b64);
  *out = padded;
  return 0;
}

/* ---- X-Docker-Container-Path-Stat ---- */

/* Go os.FileMode bits. */
#define GO_MODE_DIR (UINT64_C(1) << 31)
#define GO_MODE_SYMLINK (UINT64_C(1) << 27)
#define GO_MODE_DEVICE (UINT64_C(1) << 26)
#define GO_MODE_NAMED_PIPE (UINT64_C(1) << 25)
#define GO_MODE_SOCKET (UINT64_C(1) << 24)
#define GO_MODE_SETUID (UINT64_C(1) << 23)
#define GO_MODE_SETGID (UINT64_C(1) << 22)
#define GO_MODE_CHAR_DEVICE (UINT64_C(1) << 21)
#define GO_MODE_STICKY (UINT64_C(1) << 20)

uint32_t ctrt__docker_file_mode_to_posix(uint64_t go_mode) {
  uint32_t mode = (uint32_t)(go_mode & 0777);
  if (go_mode & GO_MODE_DIR)
    mode |= S_IFDIR;
  else if (go_mode & GO_MODE_SYMLINK)
    mode |= S_IFLNK;
  else if (go_mode & GO_MODE_CHAR_DEVICE) /* Go sets Device too for these */
    mode |= S_IFCHR;
  else if (go_mode & GO_MODE_DEVICE)
    mode |= S_IFBLK;
  else if (go_mode & GO_MODE_NAMED_PIPE)
    mode |= S_IFIFO;
  else if (go_mode & GO_MODE_SOCKET)
    mode |= S_IFSOCK;
  else
    mode |= S_IFREG;
  if (go_mode & GO_MODE_SETUID)
    mode |= S_ISUID;
  if (go_mode & GO_MODE_SETGID)
    mode |= S_ISGID;
  if (go_mode & GO_MODE_STICKY)
    mode |= S_ISVTX;
  return mode;
}

static int stat_error(const char *what) {
  return ctrt__error_internal("X-Docker-Container-Path-Stat from the daemon: %s", what);
}

/* The header's fields have the types a path stat needs. */
static int stat_fields_check(const json_t *name, const json_t *size, const json_t *mode, const json_t *mtime,
                             const json_t *link, int64_t *size_v, int64_t *mode_v) {
  if (!ctrt__json_string_clean(name))
    return stat_error("\"name\" is missing, not a string or carries a NUL");
  if (!ctrt__json_int_in(size, 0, INT64_MAX, size_v))
    return stat_error("\"size\" is missing or not a non-negative integer");
  /* Go's FileMode is a uint32: wider values are not a mode. */
  if (!ctrt__json_int_in(mode, 0, UINT32_MAX, mode_v))
    return stat_error("\"mode\" is missing or not an integer in 0..4294967295");
  if (mtime != NULL && !ctrt__json_string_clean(mtime))
    return stat_error("\"mtime\" is not a string or carries a NUL");
  if (link != NULL && !json_is_null(link) && !ctrt__json_string_clean(link))
    return stat_error("\"linkTarget\" is not a string or carries a NUL");
  return 0;
}

int ctrt__docker_path_stat_decode(ctrt_path_stat **out, const char *header_value) {
  CTRT__CHECK_ARG(out != NULL, "path_stat_decode: out must not be NULL");
  *out = NULL;
  if (header_value == NULL)
    return stat_error("the header is missing");
  size_t len = strlen(header_value);
  while (len > 0 && (header_value[len - 1] == ' ' || header_value[len - 1] == '\r' || header_value[len - 1] == '\n'))
    len--;
  while (len > 0 && header_value[0] == ' ') {
    header_value++;
    len--;
  }
  uint8_t *raw = NULL;
  size_t raw_len = 0;
  if (ctrt__base64_decode(&raw, &raw_len, header_value, len) < 0)
    return stat_error("not base64");
  json_error_t err;
  json_t *j = json_loadb((const char *)raw, raw_len, JSON_ALLOW_NUL, &err);
  ctrt__free(raw);
  if (j == NULL || !json_is_object(j)) {
    json_decref(j);
    return stat_error("not a JSON object");
  }
  json_t *name = json_object_get(j, "name");
  json_t *size = json_object_get(j, "size");
  json_t *mode = json_object_get(j, "mode");
  json_t *mtime = json_object_get(j, "mtime");
  json_t *link = json_object_get(j, "linkTarget");
  int64_t size_v = 0, mode_v = 0;
  ctrt_path_stat *ps = NULL;
  int rc;
  if ((rc = stat_fields_check(name, size, mode, mtime, link, &size_v, &mode_v)) < 0)
    goto done;
  if ((ps = ctrt__calloc(1, sizeof *ps)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  ps->name = ctrt__strdup(json_string_value(name));
  ps->size = size_v;
  ps->mode = ctrt__docker_file_mode_to_posix((uint64_t)mode_v);
  ps->link_target = ctrt__strdup(json_is_string(link) ? json_string_value(link) : "");
  /* Docker sends the container's local time; keep one form: UTC. */
  const char *t = mtime ? json_string_value(mtime) : "";
  ctrt_timestamp ts;
  char buf[64];
  if (t[0] != '\0' && ctrt__timestamp_parse(&ts, t) == 0 && ctrt__timestamp_format(buf, sizeof buf, &ts) == 0)
    ps->mtime = ctrt__strdup(buf);
  else
    ps->mtime = ctrt__strdup(t);
  if (ps->name == NULL || ps->link_target == NULL || ps->mtime == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  *out = ps;
  ps = NULL;
done:
  json_decref(j);
  ctrt_path_stat_free(ps);
  return rc;
}

/* ---- error bodies ---- */

/* Whether needle (n bytes) occurs in hay[0..hay_len) ignoring ASCII case. */
static bool contains_nocase(const char *hay, size_t hay_len, const char *needle, size_t n) {
  for (size_t i = 0; n > 0 && i + n <= hay_len; i++)
    if (strncasecmp(hay + i, needle, n) == 0)
      return true;
  return false;
}

/* Daemons wrap their own errors with the object's name again: dockerd 20.10
 * answers an image inspect's 404 with "no such image: X: No such image: X",
 * podman 4.3 with "failed to find image X: X: No such image". Drop each
 * ": "-separated part that the text before it already says (ignoring case),
 * so the caller reads "no such image: X" once. */
void ctrt__docker_dedupe_message(char *text) {
  size_t out = 0;
  const char *part = text;
  for (;;) {
    const char *sep = strstr(part, ": ");
    size_t n = sep ? (size_t)(sep - part) : strlen(part);
    if (out == 0 || !contains_nocase(text, out, part, n)) {
      if (out > 0) {
        memmove(text + out, ": ", 2);
        out += 2;
      }
      memmove(text + out, part, n);
      out += n;
    }
    if (sep == NULL)
      break;
    part = sep + 2;
  }
  text[out] = '\0';
}

/* ---- API version ---- */

/* A GET of the handshake, bounded by limit from the connection on. */
static ctrt__http_request handshake_get(const char *path, bool unversioned, long limit) {
  return (ctrt__http_request){
      .method = "GET", .path = path, .unversioned = unversioned, .timeout_ms = limit, .after_connect = true};
}

/* The API version a server states: the ping's Api-Version header, else
 * (old or unusual servers) the ApiVersion of GET /version. Both requests
 * are the spec's docker_internal "negotiate" calls, sent unversioned since
 * no version is chosen yet. *found false: the server stated none. */
static int stated_version(ctrt__http_client *client, long limit, int *major, int *minor, bool *found) {
  char *ping_path = NULL, *version_path = NULL;
  ctrt__http_response *r = NULL;
  json_t *body = NULL;
  int rc;
  *found = false;
  if ((rc = ctrt__dockerreq_negotiate_system_ping(&ping_path)) < 0 ||
      (rc = ctrt__dockerreq_negotiate_system_version(&version_path)) < 0)
    goto done;
  ctrt__http_request ping = handshake_get(ping_path, CTRT__DOCKERREQ_NEGOTIATE_SYSTEM_PING_UNVERSIONED, limit);
  if ((rc = ctrt__http_do(client, &ping, &r)) < 0)
    goto done;
  if ((*found = ctrt__api_version_parse(ctrt__http_response_header(r, "Api-Version"), major, minor)))
    goto done;
  ctrt__http_request version = handshake_get(version_path, CTRT__DOCKERREQ_NEGOTIATE_SYSTEM_VERSION_UNVERSIONED, limit);
  if (ctrt__http_do_json(client, &version, NULL, &body) == 0)
    *found = ctrt__api_version_parse(json_string_value(json_object_get(body, "ApiVersion")), major, minor);
  if (!*found && r->status >= 400)
    rc = ctrt__docker_error_from_body(r->status, r->body, r->body_len, ping_path);
done:
  json_decref(body);
  ctrt__http_response_free(r);
  ctrt__free(ping_path);
  ctrt__free(version_path);
  return rc;
}

int ctrt__docker_negotiate(ctrt__http_client *client, int *major, int *minor) {
  /* The handshake is bounded by the connect timeout, not the request timeout
   * (120 s): connecting (TCP, TLS) by CURLOPT_CONNECTTIMEOUT, the daemon's
   * answer to the ping by the same limit from then on. A stopped daemon
   * (SIGSTOP) accepts the connection but never answers: open fails in
   * seconds. */
  bool found = false;
  int rc;
  if ((rc = stated_version(client, ctrt__http_client_connect_timeout(client), major, minor, &found)) < 0)
    return rc;
  if (!found) {
    /* Reachable but silent about its version: what the Go client assumes. */
    *major = 1;
    *minor = 24;
  }
  ctrt_error_clear();
  int our_major = 0, our_minor = 0;
  ctrt__api_version_parse(CTRT__DOCKER_API_VERSION, &our_major, &our_minor);
  if (*major > our_major || (*major == our_major && *minor > our_minor)) {
    *major = our_major;
    *minor = our_minor;
  }
  return 0;
}

/* ---- error bodies ---- */

int ctrt__docker_error_from_body(int status, const char *body, size_t len, const char *context) {
  ctrt_error_kind kind = ctrt__error_kind_for_http(status);
  char text[512];
  text[0] = '\0';
  if (body != NULL && len > 0) {
    json_error_t err;
    json_t *j = json_loadb(body, len, 0, &err);
    const char *message = json_string_value(json_object_get(j, "message"));
    if (message != NULL) {
      if (snprintf(text, sizeof text, "%s", message) >= (int)sizeof text)
        text[ctrt__utf8_cut(text, sizeof text - 1)] = '\0'; /* not inside a character */
    } else if (status == 404) {
      /* A 404 without the daemon's JSON message comes from its router: no
       * such endpoint (Podman 4.3: POST /containers/{id}/update answers
       * text/plain "Not Found"), not a missing object. */
      json_decref(j);
      return ctrt__error_set(CTRT_ERROR_UNSUPPORTED, status, "the daemon does not serve %s (HTTP 404, no JSON message)",
                             context != NULL && context[0] != '\0' ? context : "this endpoint");
    } else {
      ctrt__http_body_line(text, sizeof text, body, len); /* not Docker's JSON: a proxy, another server */
    }
    json_decref(j);
    ctrt__docker_dedupe_message(text);
  }
  if (text[0] == '\0')
    snprintf(text, sizeof text, "no message from the Docker daemon"); /* HEAD answers have no body */
  if (context != NULL && context[0] != '\0')
    return ctrt__error_set(kind, status, "%s (HTTP %d from %s)", text, status, context);
  return ctrt__error_set(kind, status, "%s (HTTP %d)", text, status);
}
