/* SPDX-License-Identifier: MIT */
/* The auth context: what create_container injects into every container when
 * the runtime was opened with a ContainerAuthContext. The secret only ever
 * feeds the HMAC; it is never copied into messages, specs or JSON. */
#include "gen_internal.h"

#include <time.h>

#define TOKEN_LIFETIME_SECONDS ((int64_t)365 * 24 * 3600)

static char *b64url_json(json_t *json) {
  char *text = NULL;
  if (ctrt__json_dump(&text, json) < 0)
    return NULL;
  char *out = ctrt__base64_encode(text, strlen(text), true);
  ctrt__free(text);
  return out;
}

int ctrt__auth_token(char **out, const char *secret, const ctrt_container_id *id, int64_t issued_at) {
  *out = NULL;
  char *subject = ctrt__sprintf("container:%s:%s-%u", id->service, id->service, id->replica);
  CTRT__CHECK_ALLOC(subject);
  json_t *header = json_pack("{s:s, s:s}", "alg", "HS256", "typ", "JWT");
  json_t *claims = json_pack("{s:s, s:I, s:I, s:s, s:[s]}", "sub", subject, "iat", (json_int_t)issued_at, "exp",
                             (json_int_t)issued_at + TOKEN_LIFETIME_SECONDS, "iss", "zlayer", "roles", "container");
  ctrt__free(subject);
  char *head = header ? b64url_json(header) : NULL;
  char *body = claims ? b64url_json(claims) : NULL;
  json_decref(header);
  json_decref(claims);
  char *signing_input = head && body ? ctrt__sprintf("%s.%s", head, body) : NULL;
  ctrt__free(head);
  ctrt__free(body);
  CTRT__CHECK_ALLOC(signing_input);
  uint8_t mac[32];
  ctrt__hmac_sha256(secret, strlen(secret), signing_input, strlen(signing_input), mac);
  char *signature = ctrt__base64_encode(mac, sizeof mac, true);
  *out = signature ? ctrt__sprintf("%s.%s", signing_input, signature) : NULL;
  ctrt__free(signature);
  ctrt__free(signing_input);
  return *out ? 0 : ctrt__error_no_memory();
}

/* Set key=value in a map, replacing an existing entry of that key. */
static int map_set(ctrt_string_map_entry **entries, size_t *n, const char *key, const char *value) {
  for (size_t i = 0; i < *n; i++) {
    if ((*entries)[i].key && strcmp((*entries)[i].key, key) == 0) {
      char *copy = ctrt__strdup(value);
      CTRT__CHECK_ALLOC(copy);
      ctrt__free((*entries)[i].value);
      (*entries)[i].value = copy;
      return 0;
    }
  }
  ctrt_string_map_entry *grown = ctrt__realloc(*entries, (*n + 1) * sizeof **entries);
  CTRT__CHECK_ALLOC(grown);
  *entries = grown;
  grown[*n].key = ctrt__strdup(key);
  grown[*n].value = ctrt__strdup(value);
  (*n)++;
  return grown[*n - 1].key && grown[*n - 1].value ? 0 : ctrt__error_no_memory();
}

int ctrt__auth_context_prepare(ctrt_runtime *rt, ctrt_service_spec **replacement, const ctrt_container_id *id,
                               const ctrt_service_spec *spec) {
  *replacement = NULL;
  if (rt->auth == NULL)
    return 0;
  ctrt_service_spec *copy = NULL;
  char *token = NULL;
  int rc;
  if ((rc = ctrt_service_spec_copy(&copy, spec)) < 0)
    goto done;
  if ((rc = ctrt__auth_token(&token, rt->auth->jwt_secret ? rt->auth->jwt_secret : "", id, (int64_t)time(NULL))) < 0)
    goto done;
  if ((rc = map_set(&copy->env, &copy->n_env, "ZLAYER_API_URL", rt->auth->api_url ? rt->auth->api_url : "")) < 0)
    goto done;
  if ((rc = map_set(&copy->env, &copy->n_env, "ZLAYER_TOKEN", token)) < 0)
    goto done;
  if ((rc = map_set(&copy->env, &copy->n_env, "ZLAYER_SOCKET", rt->auth_socket_target)) < 0)
    goto done;
  if (rt->auth->socket_path && rt->auth->socket_path[0]) {
    ctrt_mount_spec *grown = ctrt__realloc(copy->mounts, (copy->n_mounts + 1) * sizeof *grown);
    if (grown == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
    copy->mounts = grown;
    ctrt_mount_spec *mount = &grown[copy->n_mounts++];
    *mount = (ctrt_mount_spec)CTRT_MOUNT_SPEC_INIT;
    mount->source = ctrt__strdup(rt->auth->socket_path);
    mount->target = ctrt__strdup(rt->auth_socket_target);
    mount->read_only = true;
    if (mount->source == NULL || mount->target == NULL)
      rc = ctrt__error_no_memory();
  }
done:
  if (token != NULL) {
    memset(token, 0, strlen(token));
    ctrt__free(token);
  }
  if (rc < 0) {
    ctrt_service_spec_free(copy);
    return rc;
  }
  *replacement = copy;
  return 0;
}
