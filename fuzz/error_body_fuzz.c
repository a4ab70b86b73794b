/*
 * Docker error bodies (ctrt__docker_error_from_body): the first two bytes
 * pick the HTTP status (400-599), the rest is the body. Properties: the
 * result is the negative code of the kind the status maps to (a 404 without
 * the daemon's JSON message, and not empty, is the router's: unsupported), the status is
 * kept, and the message is non-empty, names the status, and is valid UTF-8
 * whenever the body was.
 */
#include "fuzz_support.h"

#include "backends/docker/docker_wire.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

const char ctrt_fuzz_target_name[] = "error_body";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2)
    return 0;
  int status = 400 + (data[0] << 8 | data[1]) % 200;
  const char *body = (const char *)data + 2;
  size_t len = size - 2;
  int rc = ctrt__docker_error_from_body(status, body, len, (data[0] & 1) ? "GET /containers/x/json" : NULL);
  const ctrt_error *e = ctrt_error_last();
  json_t *j = json_loadb(body, len, 0, NULL);
  bool daemon_message = json_is_string(json_object_get(j, "message"));
  json_decref(j);
  /* An empty 404 stays not_found: only a body that is not the daemon's JSON names the router. */
  ctrt_error_kind want =
      status == 404 && len > 0 && !daemon_message ? CTRT_ERROR_UNSUPPORTED : ctrt__error_kind_for_http(status);
  CTRT_FUZZ_CHECK(rc < 0 && e->kind == want && e->http_status == status);
  char needle[16];
  snprintf(needle, sizeof needle, "HTTP %d", status);
  CTRT_FUZZ_CHECK(e->message[0] != '\0' && strstr(e->message, needle) != NULL);
  if (ctrt__utf8_valid(body, len) && memchr(body, '\0', len) == NULL)
    CTRT_FUZZ_CHECK(ctrt__utf8_valid(e->message, strlen(e->message)));
  return 0;
}
