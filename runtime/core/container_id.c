/* SPDX-License-Identifier: MIT */
/* ContainerId display and parse (runtime-interface.md, "Identity"). */
#include "gen_internal.h"

#include <inttypes.h>

static bool role_is_default(const ctrt_container_id *id) {
  return id->role == NULL || strcmp(id->role, "default") == 0;
}

int ctrt_container_id_format(char **out, const ctrt_container_id *id) {
  ctrt_error_clear();
  CTRT__CHECK_ARG(out != NULL && id != NULL, "container_id_format: NULL argument");
  *out = NULL;
  CTRT__CHECK_ARG(id->service != NULL && id->service[0] != '\0', "container_id_format: empty service name");
  if (id->role != NULL && (id->role[0] == '\0' || strchr(id->role, '-') != NULL))
    return ctrt__error_invalid_argument("container_id_format: role '%s' must be non-empty and free of '-'", id->role);
  if (role_is_default(id) && id->node_id == 0)
    *out = ctrt__sprintf("%s-rep-%" PRIu32, id->service, id->replica);
  else
    *out = ctrt__sprintf("%s-%s-%" PRIu32 "-on-%" PRIu64, id->service, id->role ? id->role : "default", id->replica,
                         id->node_id);
  return *out ? 0 : ctrt__error_no_memory();
}

/* A canonical decimal (no sign, no leading zeros) up to max. */
static bool parse_decimal(const char *s, size_t len, uint64_t max, uint64_t *out) {
  if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
    return false;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (max - d) / 10)
      return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

/* Find the last occurrence of needle in text[0..len). */
static const char *last_of(const char *text, size_t len, const char *needle) {
  size_t n = strlen(needle);
  for (size_t i = len >= n ? len - n + 1 : 0; i-- > 0;)
    if (memcmp(text + i, needle, n) == 0)
      return text + i;
  return NULL;
}

typedef struct parsed_id {
  size_t service_len;
  const char *role;
  size_t role_len;
  uint64_t replica, node;
} parsed_id;

/* {service}-{role}-{replica}-on-{node}, parsed from the right. */
static bool parse_cluster(const char *text, size_t len, parsed_id *p) {
  const char *on = last_of(text, len, "-on-");
  if (on == NULL)
    return false;
  const char *node_text = on + 4;
  if (!parse_decimal(node_text, (size_t)(text + len - node_text), UINT64_MAX, &p->node))
    return false;
  const char *dash = last_of(text, (size_t)(on - text), "-");
  if (dash == NULL || !parse_decimal(dash + 1, (size_t)(on - dash - 1), UINT32_MAX, &p->replica))
    return false;
  const char *dash2 = last_of(text, (size_t)(dash - text), "-");
  if (dash2 == NULL || dash2 == text)
    return false;
  p->role = dash2 + 1;
  p->role_len = (size_t)(dash - p->role);
  p->service_len = (size_t)(dash2 - text);
  /* The default role on node 0 is always displayed in the legacy shape. */
  if (p->role_len == 0 || (p->node == 0 && p->role_len == 7 && memcmp(p->role, "default", 7) == 0))
    return false;
  return true;
}

/* {service}-rep-{replica} */
static bool parse_legacy(const char *text, size_t len, parsed_id *p) {
  const char *rep = last_of(text, len, "-rep-");
  if (rep == NULL || rep == text)
    return false;
  if (!parse_decimal(rep + 5, (size_t)(text + len - rep - 5), UINT32_MAX, &p->replica))
    return false;
  p->service_len = (size_t)(rep - text);
  p->role = NULL;
  p->role_len = 0;
  p->node = 0;
  return true;
}

int ctrt_container_id_parse(ctrt_container_id **out, const char *text) {
  ctrt_error_clear();
  CTRT__CHECK_ARG(out != NULL && text != NULL, "container_id_parse: NULL argument");
  *out = NULL;
  size_t len = strlen(text);
  parsed_id p = {0};
  if (!parse_cluster(text, len, &p) && !parse_legacy(text, len, &p))
    return ctrt__error_invalid_argument("'%s' is not a container id ({service}-rep-{replica} or "
                                        "{service}-{role}-{replica}-on-{node})",
                                        text);
  ctrt_container_id *id = ctrt__malloc(sizeof *id);
  CTRT__CHECK_ALLOC(id);
  *id = (ctrt_container_id)CTRT_CONTAINER_ID_INIT;
  id->service = ctrt__strndup(text, p.service_len);
  id->replica = (uint32_t)p.replica;
  id->node_id = p.node;
  id->role = ctrt__strndup(p.role ? p.role : "default", p.role ? p.role_len : 7);
  if (id->service == NULL || id->role == NULL) {
    ctrt_container_id_free(id);
    return ctrt__error_no_memory();
  }
  *out = id;
  return 0;
}
