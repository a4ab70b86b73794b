/*
 * X-Docker-Container-Path-Stat (ctrt__docker_path_stat_decode): the input is
 * the header's value. Properties: a decoded stat has every string set, a
 * size that is not negative, a mode a st_mode can hold, and survives the
 * public JSON codec unchanged; a refusal carries a message.
 */
#include "fuzz_support.h"

#include "backends/docker/docker_wire.h"

#include <stdlib.h>
#include <string.h>

const char ctrt_fuzz_target_name[] = "path_stat";

/* The stat's JSON inside the base64, or NULL. */
static json_t *inner_json(const char *value) {
  size_t len = strlen(value);
  uint8_t *raw = NULL;
  size_t raw_len = 0;
  while (len > 0 && strchr(" \r\n", value[len - 1]))
    len--;
  while (len > 0 && value[0] == ' ') {
    value++;
    len--;
  }
  if (ctrt__base64_decode(&raw, &raw_len, value, len) < 0)
    return NULL;
  json_error_t err;
  json_t *j = json_loadb((const char *)raw, raw_len, 0, &err);
  ctrt__free(raw);
  return j;
}

/* Narrowing (issue 10): a negative size or mode bits above 32 taken as is. */
const char *ctrt_fuzz_known_open_class(const uint8_t *data, size_t size) {
  char *text = ctrt__strndup((const char *)data, size);
  json_t *j = text ? inner_json(text) : NULL;
  ctrt__free(text);
  json_t *sz = json_object_get(j, "size"), *mode = json_object_get(j, "mode");
  bool narrow = (json_is_integer(sz) && json_integer_value(sz) < 0) ||
                (json_is_integer(mode) && (json_integer_value(mode) < 0 || json_integer_value(mode) > UINT32_MAX));
  json_decref(j);
  return narrow ? "narrowing" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (ctrt_fuzz_skip_known_open(data, size))
    return 0;
  char *value = ctrt__strndup((const char *)data, size); /* a header value ends at a NUL */
  CTRT_FUZZ_CHECK(value != NULL);
  ctrt_path_stat *ps = NULL;
  int rc = ctrt__docker_path_stat_decode(&ps, value);
  if (rc < 0) {
    CTRT_FUZZ_CHECK(ps == NULL && ctrt_error_last()->message[0] != '\0');
  } else {
    CTRT_FUZZ_CHECK(ps != NULL && ps->name && ps->link_target && ps->mtime);
    CTRT_FUZZ_CHECK(ps->size >= 0);
    char *text = NULL;
    CTRT_FUZZ_CHECK(ctrt_path_stat_to_json_string(&text, ps) == 0);
    ctrt_path_stat *again = NULL;
    CTRT_FUZZ_CHECK(ctrt_path_stat_from_json_string(&again, text, strlen(text)) == 0);
    CTRT_FUZZ_CHECK(ctrt_path_stat_equal(ps, again));
    ctrt_path_stat_free(again);
    ctrt_free(text);
  }
  ctrt_path_stat_free(ps);
  ctrt__free(value);
  return 0;
}
