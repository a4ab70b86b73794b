/* SPDX-License-Identifier: MIT */
/*
 * The hot answers decoded without a DOM: container inspect (state, details,
 * address, published ports), the container list and the image list. Each is walked straight
 * from the response body (core/json_walk.h) into a wire struct holding only
 * the members its converter reads; everything else in the body (Config,
 * HostConfig, GraphDriver, Mounts: ~90 % of a 5 KB inspect) is skipped
 * without allocating. Strings are moved from the wire struct into the
 * result, not copied.
 *
 * Errors are the walker's (a JSON path and what was wrong) or the
 * converter's own checks on the same paths, both under
 * "METHOD: the Docker daemon's answer has $.PATH: ...". Every member is
 * nullable: Docker (and podman) send null for an empty map or list.
 */
#include "backends/docker/docker_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <strings.h>

/* ---- the wire structs and their descriptor tables ---- */

#define NULLABLE CTRT__JF_NULLABLE
#define NO_OFFSET CTRT__JF_NO_OFFSET
#define W_VALUE(T, m, wire, type)                                                                                      \
  { wire, CTRT__JS_VALUE, NULLABLE, offsetof(T, m), 0, NO_OFFSET, 0, 0, &(type) }
#define W_FLAG(T, m, has, wire, type)                                                                                  \
  { wire, CTRT__JS_FLAG, NULLABLE, offsetof(T, m), 0, offsetof(T, has), 0, 0, &(type) }
#define W_PTR(T, m, wire, type)                                                                                        \
  { wire, CTRT__JS_PTR, NULLABLE, offsetof(T, m), 0, NO_OFFSET, 0, 0, &(type) }
#define W_LIST(T, m, n, wire, type)                                                                                    \
  { wire, CTRT__JS_LIST, NULLABLE, offsetof(T, m), offsetof(T, n), NO_OFFSET, 0, 0, &(type) }
#define W_MAP(T, m, n, E, wire, type)                                                                                  \
  { wire, CTRT__JS_MAP, NULLABLE, offsetof(T, m), offsetof(T, n), NO_OFFSET, sizeof(E), offsetof(E, value), &(type) }
#define W_STRUCT(name, T, fields)                                                                                      \
  static const T name##_init;                                                                                          \
  static const ctrt__jstruct name##_struct = {#T, sizeof(T), &name##_init, fields,                                     \
                                              sizeof(fields) / sizeof((fields)[0])};                                   \
  static const ctrt__jtype name = {.kind = CTRT__JK_STRUCT, .size = sizeof(T), .obj = &name##_struct}

/* One host binding of NetworkSettings.Ports["8080/tcp"]. */
typedef struct w_binding {
  char *host_ip;
  char *host_port;
} w_binding;
static const ctrt__jfield w_binding_fields[] = {
    W_VALUE(w_binding, host_ip, "HostIp", ctrt__jt_string),
    W_VALUE(w_binding, host_port, "HostPort", ctrt__jt_string),
};
W_STRUCT(jt_binding, w_binding, w_binding_fields);
/* The bindings of a port: an array, or null for an unpublished port. */
static const ctrt__jtype jt_bindings = {.kind = CTRT__JK_ARRAY, .size = sizeof(ctrt__jarray), .elem = &jt_binding};

typedef struct w_port {
  char *key;
  ctrt__jarray value; /* of w_binding */
} w_port;

typedef struct w_network {
  char **aliases;
  size_t n_aliases;
  char *ip;
  char *ipv6;
} w_network;
static const ctrt__jfield w_network_fields[] = {
    W_LIST(w_network, aliases, n_aliases, "Aliases", ctrt__jt_string),
    W_VALUE(w_network, ip, "IPAddress", ctrt__jt_string),
    W_VALUE(w_network, ipv6, "GlobalIPv6Address", ctrt__jt_string),
};
W_STRUCT(jt_network, w_network, w_network_fields);

typedef struct w_network_entry {
  char *key;
  w_network value;
} w_network_entry;

typedef struct w_settings {
  w_port *ports;
  size_t n_ports;
  w_network_entry *networks;
  size_t n_networks;
  char *ip;
  char *ipv6;
} w_settings;
static const ctrt__jfield w_settings_fields[] = {
    W_MAP(w_settings, ports, n_ports, w_port, "Ports", jt_bindings),
    W_MAP(w_settings, networks, n_networks, w_network_entry, "Networks", jt_network),
    W_VALUE(w_settings, ip, "IPAddress", ctrt__jt_string),
    W_VALUE(w_settings, ipv6, "GlobalIPv6Address", ctrt__jt_string),
};
W_STRUCT(jt_settings, w_settings, w_settings_fields);

typedef struct w_log {
  char *output;
} w_log;
static const ctrt__jfield w_log_fields[] = {W_VALUE(w_log, output, "Output", ctrt__jt_string)};
W_STRUCT(jt_log, w_log, w_log_fields);

typedef struct w_health {
  char *status;
  bool has_streak;
  int64_t streak;
  w_log *log;
  size_t n_log;
} w_health;
static const ctrt__jfield w_health_fields[] = {
    W_VALUE(w_health, status, "Status", ctrt__jt_string),
    W_FLAG(w_health, streak, has_streak, "FailingStreak", ctrt__jt_i64),
    W_LIST(w_health, log, n_log, "Log", jt_log),
};
W_STRUCT(jt_health, w_health, w_health_fields);

typedef struct w_state {
  char *status;
  bool has_exit_code;
  int64_t exit_code;
  w_health *health;
} w_state;
static const ctrt__jfield w_state_fields[] = {
    W_VALUE(w_state, status, "Status", ctrt__jt_string),
    W_FLAG(w_state, exit_code, has_exit_code, "ExitCode", ctrt__jt_i64),
    W_PTR(w_state, health, "Health", jt_health),
};
W_STRUCT(jt_state, w_state, w_state_fields);

/* What inspect_detailed, get_container_ip and port_mappings read. */
typedef struct w_inspect {
  w_state *state;
  w_settings *settings;
} w_inspect;
static const ctrt__jfield w_inspect_fields[] = {
    W_PTR(w_inspect, state, "State", jt_state),
    W_PTR(w_inspect, settings, "NetworkSettings", jt_settings),
};
W_STRUCT(jt_inspect, w_inspect, w_inspect_fields);
static const ctrt__jfield w_inspect_root = {NULL, CTRT__JS_VALUE, 0, 0, 0, NO_OFFSET, 0, 0, &jt_inspect};

/* container_state reads three members of State: the status is matched as
 * it is read, so nothing is allocated unless the container is dead. */
typedef enum w_status {
  W_STATUS_NONE,
  W_STATUS_CREATED,
  W_STATUS_RUNNING,
  W_STATUS_RESTARTING,
  W_STATUS_REMOVING,
  W_STATUS_EXITED,
  W_STATUS_DEAD,
} w_status;

static int status_dec(void *out, const char *text, const ctrt__jpath *path) {
  static const struct {
    const char *name;
    w_status status;
  } names[] = {
      {"created", W_STATUS_CREATED},   {"running", W_STATUS_RUNNING},
      {"paused", W_STATUS_RUNNING},    {"restarting", W_STATUS_RESTARTING},
      {"removing", W_STATUS_REMOVING}, {"exited", W_STATUS_EXITED},
      {"dead", W_STATUS_DEAD},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(text, names[i].name) == 0) {
      *(w_status *)out = names[i].status;
      return 0;
    }
  return ctrt__json_error(path, "unknown Docker state \"%.64s\"", text);
}
static const ctrt__jtype jt_status = {
    .kind = CTRT__JK_ENUM, .size = sizeof(w_status), .expect = "string", .text_dec = status_dec};

typedef struct w_narrow_state {
  w_status status;
  bool has_exit_code;
  int64_t exit_code;
  char *error;
} w_narrow_state;
static const ctrt__jfield w_narrow_state_fields[] = {
    W_VALUE(w_narrow_state, status, "Status", jt_status),
    W_FLAG(w_narrow_state, exit_code, has_exit_code, "ExitCode", ctrt__jt_i64),
    W_VALUE(w_narrow_state, error, "Error", ctrt__jt_string),
};
W_STRUCT(jt_narrow_state, w_narrow_state, w_narrow_state_fields);

typedef struct w_state_inspect {
  w_narrow_state state;
  bool has_state;
} w_state_inspect;
static const ctrt__jfield w_state_inspect_fields[] = {
    W_FLAG(w_state_inspect, state, has_state, "State", jt_narrow_state),
};
W_STRUCT(jt_state_inspect, w_state_inspect, w_state_inspect_fields);
static const ctrt__jfield w_state_inspect_root = {NULL, CTRT__JS_VALUE, 0, 0, 0, NO_OFFSET, 0, 0, &jt_state_inspect};

/* One entry of GET /containers/json. */
typedef struct w_label {
  char *key;
  char *value;
} w_label;

typedef struct w_summary {
  char *id;
  w_label *labels;
  size_t n_labels;
} w_summary;
static const ctrt__jfield w_summary_fields[] = {
    W_VALUE(w_summary, id, "Id", ctrt__jt_string),
    W_MAP(w_summary, labels, n_labels, w_label, "Labels", ctrt__jt_string),
};
W_STRUCT(jt_summary, w_summary, w_summary_fields);
static const ctrt__jtype jt_summaries = {.kind = CTRT__JK_ARRAY, .size = sizeof(ctrt__jarray), .elem = &jt_summary};
static const ctrt__jfield w_summaries_root = {NULL, CTRT__JS_VALUE, 0, 0, 0, NO_OFFSET, 0, 0, &jt_summaries};

/* One entry of GET /images/json (Labels, Containers, ParentId, ... skipped). */
typedef struct w_image {
  char *id;
  char **tags;
  size_t n_tags;
  char **digests;
  size_t n_digests;
  bool has_size;
  int64_t size;
} w_image;
static const ctrt__jfield w_image_fields[] = {
    W_VALUE(w_image, id, "Id", ctrt__jt_string),
    W_LIST(w_image, tags, n_tags, "RepoTags", ctrt__jt_string),
    W_LIST(w_image, digests, n_digests, "RepoDigests", ctrt__jt_string),
    W_FLAG(w_image, size, has_size, "Size", ctrt__jt_i64),
};
W_STRUCT(jt_image, w_image, w_image_fields);
static const ctrt__jtype jt_images = {.kind = CTRT__JK_ARRAY, .size = sizeof(ctrt__jarray), .elem = &jt_image};
static const ctrt__jfield w_images_root = {NULL, CTRT__JS_VALUE, 0, 0, 0, NO_OFFSET, 0, 0, &jt_images};

/* ---- decoding and its errors ---- */

/* The error set (a JSON path and what was wrong) under the method's name. */
static int answer_error(const char *method, bool syntax) {
  const ctrt_error *e = ctrt_error_last();
  if (e->kind == CTRT_ERROR_NO_MEMORY)
    return ctrt__error_code();
  char message[CTRT__ERROR_MESSAGE_MAX];
  snprintf(message, sizeof message, "%s", e->message);
  if (syntax)
    return ctrt__error_internal("%s: the Docker daemon answered with invalid JSON: %s", method, message);
  return ctrt__error_internal("%s: the Docker daemon's answer has %s", method, message);
}

int ctrt__docker_walk_error(const char *method, bool syntax) {
  if (ctrt_error_last()->kind == CTRT_ERROR_NO_MEMORY)
    return ctrt__error_code();
  return syntax ? ctrt__docker_invalid_json(method) : ctrt__docker_bad_answer(method);
}

static int decode(const ctrt__jfield *root, void *wire, const char *text, size_t len, const char *method) {
  bool syntax = false;
  return ctrt__jwalk_decode_ex(root, wire, text, len, &syntax) < 0 ? answer_error(method, syntax) : 0;
}

/* A value the converter refuses: "expected WHAT, got string "TEXT"". */
static int bad_text(const char *method, const ctrt__jpath *path, const char *what, const char *text) {
  (void)ctrt__json_error(path, "expected %s, got string \"%.64s\"", what, text);
  return answer_error(method, false);
}

static int narrow_int(const char *method, const ctrt__jpath *path, int64_t v, int64_t lo, int64_t hi, int64_t *out) {
  if (v >= lo && v <= hi) {
    *out = v;
    return 0;
  }
  (void)ctrt__json_error(path, "expected an integer in %" PRId64 "..%" PRId64 ", got integer %" PRId64, lo, hi, v);
  return answer_error(method, false);
}

/* An IP address as the library's own encoder accepts it ("" is none). */
static int check_ip(const char *method, const ctrt__jpath *path, const char *ip) {
  return ctrt__docker_blank(ip) || ctrt__ip_valid(ip) ? 0 : bad_text(method, path, "an IP address", ip);
}

/* Moves a non-blank string out of the wire struct (NULL otherwise). */
static char *take(char **text) {
  char *t = ctrt__docker_blank(*text) ? NULL : *text;
  if (t != NULL)
    *text = NULL;
  return t;
}

/* ---- container_state ---- */

static int new_state(ctrt_container_state **out, ctrt_container_state_kind kind) {
  CTRT__CHECK_ALLOC((*out = ctrt__malloc(sizeof **out)));
  **out = (ctrt_container_state)CTRT_CONTAINER_STATE_INIT;
  (*out)->kind = kind;
  return 0;
}

int ctrt__docker_state_from_inspect(ctrt_container_state **out, const char *text, size_t len) {
  *out = NULL;
  static const char method[] = "container_state";
  w_state_inspect w;
  int rc = decode(&w_state_inspect_root, &w, text, len, method);
  if (rc < 0)
    return rc;
  const w_narrow_state *s = &w.state;
  ctrt__jpath state_path = CTRT__JPATH_KEY(NULL, "State"), code_path = CTRT__JPATH_KEY(&state_path, "ExitCode");
  int64_t code = 0;
  switch (w.has_state ? s->status : W_STATUS_NONE) {
  case W_STATUS_NONE:
    rc = ctrt__error_internal("%s: the Docker daemon's answer has no State.Status", method);
    break;
  case W_STATUS_CREATED:
    rc = new_state(out, CTRT_CONTAINER_STATE_PENDING);
    break;
  case W_STATUS_RUNNING:
    rc = new_state(out, CTRT_CONTAINER_STATE_RUNNING);
    break;
  case W_STATUS_RESTARTING:
    rc = new_state(out, CTRT_CONTAINER_STATE_INITIALIZING);
    break;
  case W_STATUS_REMOVING:
    rc = new_state(out, CTRT_CONTAINER_STATE_STOPPING);
    break;
  case W_STATUS_EXITED:
    if (s->has_exit_code && (rc = narrow_int(method, &code_path, s->exit_code, INT32_MIN, INT32_MAX, &code)) < 0)
      break;
    if ((rc = new_state(out, CTRT_CONTAINER_STATE_EXITED)) == 0)
      (*out)->exited.code = (int32_t)code;
    break;
  case W_STATUS_DEAD:
    if ((rc = new_state(out, CTRT_CONTAINER_STATE_FAILED)) == 0 &&
        ((*out)->failed.reason = ctrt__strdup(ctrt__docker_blank(s->error) ? "container is dead" : s->error)) == NULL) {
      rc = ctrt__error_no_memory();
      ctrt_container_state_free(*out);
      *out = NULL;
    }
    break;
  }
  ctrt__jwalk_clear_value(&jt_state_inspect, &w);
  return rc;
}

/* ---- published ports ---- */

/* "8080/tcp" (or "8080"): the port must be 1..65535 in plain digits, so
 * "70000/tcp" or "-1/udp" is an error, not 4464 or 65535. */
static bool port_key(const char *key, uint16_t *port, ctrt_port_protocol *protocol) {
  const char *slash = strchr(key, '/');
  size_t len = slash ? (size_t)(slash - key) : strlen(key);
  uint64_t value = 0;
  if (!ctrt__parse_uint(key, len, 10, UINT16_MAX, &value) || value == 0)
    return false;
  *port = (uint16_t)value;
  *protocol = CTRT_PORT_PROTOCOL_TCP;
  if (slash && ctrt_port_protocol_from_string(protocol, slash + 1) < 0) {
    ctrt_error_clear();
    *protocol = CTRT_PORT_PROTOCOL_TCP;
  }
  return true;
}

/* NetworkSettings.Ports checked and counted, one binding per mapping. */
static int check_ports(const char *method, const w_settings *s, size_t *count) {
  *count = 0;
  ctrt__jpath settings = CTRT__JPATH_KEY(NULL, "NetworkSettings"), ports = CTRT__JPATH_KEY(&settings, "Ports");
  for (size_t i = 0; s != NULL && i < s->n_ports; i++) {
    const w_port *p = &s->ports[i];
    ctrt__jpath kp = CTRT__JPATH_KEY(&ports, p->key);
    uint16_t port = 0;
    ctrt_port_protocol protocol = CTRT_PORT_PROTOCOL_TCP;
    if (!port_key(p->key, &port, &protocol)) {
      (void)ctrt__json_error(&kp, "expected a key \"PORT/PROTOCOL\" with PORT in 1..65535");
      return answer_error(method, false);
    }
    const w_binding *b = p->value.items;
    for (size_t k = 0; k < p->value.n; k++) {
      ctrt__jpath bp = CTRT__JPATH_INDEX(&kp, k), ip = CTRT__JPATH_KEY(&bp, "HostIp"),
                  hp = CTRT__JPATH_KEY(&bp, "HostPort");
      uint64_t host_port = 0;
      int rc = check_ip(method, &ip, b[k].host_ip);
      if (rc < 0)
        return rc;
      if (!ctrt__docker_blank(b[k].host_port) && !ctrt__parse_uint_cstr(b[k].host_port, 10, UINT16_MAX, &host_port))
        return bad_text(method, &hp, "a port number in 0..65535", b[k].host_port);
    }
    *count += p->value.n;
  }
  return 0;
}

/* Calls fn for each binding of checked ports (check_ports). */
static int each_binding(w_settings *s, int (*fn)(void *ctx, uint16_t port, ctrt_port_protocol protocol, w_binding *b),
                        void *ctx) {
  for (size_t i = 0; s != NULL && i < s->n_ports; i++) {
    uint16_t port = 0;
    ctrt_port_protocol protocol = CTRT_PORT_PROTOCOL_TCP;
    (void)port_key(s->ports[i].key, &port, &protocol);
    w_binding *b = s->ports[i].value.items;
    for (size_t k = 0; k < s->ports[i].value.n; k++) {
      int rc = fn(ctx, port, protocol, &b[k]);
      if (rc < 0)
        return rc;
    }
  }
  return 0;
}

/* The fields common to ctrt_port_mapping and ctrt_port_mapping_entry. */
#define FILL_MAPPING(m, port, protocol, b)                                                                             \
  do {                                                                                                                 \
    uint64_t host_port_ = 0;                                                                                           \
    (m)->container_port = (port);                                                                                      \
    (m)->protocol = (protocol);                                                                                        \
    (m)->has_host_port = !ctrt__docker_blank((b)->host_port);                                                          \
    if ((m)->has_host_port)                                                                                            \
      (void)ctrt__parse_uint_cstr((b)->host_port, 10, UINT16_MAX, &host_port_);                                        \
    (m)->host_port = (uint16_t)host_port_;                                                                             \
    (m)->host_ip = take(&(b)->host_ip);                                                                                \
  } while (0)

static int add_entry(void *ctx, uint16_t port, ctrt_port_protocol protocol, w_binding *b) {
  ctrt_port_mapping_entry_list *list = ctx;
  ctrt_port_mapping_entry *e = &list->items[list->n_items++];
  *e = (ctrt_port_mapping_entry)CTRT_PORT_MAPPING_ENTRY_INIT;
  FILL_MAPPING(e, port, protocol, b);
  return 0;
}

static int add_port(void *ctx, uint16_t port, ctrt_port_protocol protocol, w_binding *b) {
  ctrt_container_inspect_details *d = ctx;
  ctrt_port_mapping *p = &d->ports[d->n_ports++];
  *p = (ctrt_port_mapping)CTRT_PORT_MAPPING_INIT;
  FILL_MAPPING(p, port, protocol, b);
  return 0;
}

int ctrt__docker_port_entries(ctrt_port_mapping_entry_list **out, const char *text, size_t len) {
  *out = NULL;
  static const char method[] = "port_mappings";
  w_inspect w;
  size_t n = 0;
  int rc = decode(&w_inspect_root, &w, text, len, method);
  if (rc < 0)
    return rc;
  ctrt_port_mapping_entry_list *list = NULL;
  if ((rc = check_ports(method, w.settings, &n)) < 0)
    goto done;
  if ((list = ctrt__malloc(sizeof *list)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  *list = (ctrt_port_mapping_entry_list)CTRT_PORT_MAPPING_ENTRY_LIST_INIT;
  if (n && (list->items = ctrt__calloc(n, sizeof *list->items)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  rc = each_binding(w.settings, add_entry, list);
done:
  ctrt__jwalk_clear_value(&jt_inspect, &w);
  if (rc < 0)
    ctrt_port_mapping_entry_list_free(list);
  else
    *out = list;
  return rc;
}

/* ---- addresses ---- */

int ctrt__docker_container_ip(char **out, const char *text, size_t len) {
  *out = NULL;
  static const char method[] = "container_ip";
  w_inspect w;
  int rc = decode(&w_inspect_root, &w, text, len, method);
  if (rc < 0)
    return rc;
  /* IPv4 first (the settings', then each network's), then IPv6 likewise. */
  ctrt__jpath settings = CTRT__JPATH_KEY(NULL, "NetworkSettings"), nets = CTRT__JPATH_KEY(&settings, "Networks");
  w_settings *s = w.settings;
  for (int v6 = 0; s != NULL && *out == NULL && v6 < 2; v6++) {
    const char *field = v6 ? "GlobalIPv6Address" : "IPAddress";
    ctrt__jpath p = CTRT__JPATH_KEY(&settings, field);
    char **ip = v6 ? &s->ipv6 : &s->ip;
    if ((rc = check_ip(method, &p, *ip)) < 0)
      goto done;
    *out = take(ip);
    for (size_t i = 0; *out == NULL && i < s->n_networks; i++) {
      ctrt__jpath np = CTRT__JPATH_KEY(&nets, s->networks[i].key), fp = CTRT__JPATH_KEY(&np, field);
      ip = v6 ? &s->networks[i].value.ipv6 : &s->networks[i].value.ip;
      if ((rc = check_ip(method, &fp, *ip)) < 0)
        goto done;
      *out = take(ip);
    }
  }
done:
  ctrt__jwalk_clear_value(&jt_inspect, &w);
  if (rc < 0) {
    ctrt__free(*out);
    *out = NULL;
  }
  return rc;
}

/* ---- inspect_detailed ---- */

static int networks(const char *method, ctrt_container_inspect_details *d, w_settings *s) {
  if (s == NULL || s->n_networks == 0)
    return 0;
  CTRT__CHECK_ALLOC((d->networks = ctrt__calloc(s->n_networks, sizeof *d->networks)));
  ctrt__jpath settings = CTRT__JPATH_KEY(NULL, "NetworkSettings"), nets = CTRT__JPATH_KEY(&settings, "Networks");
  for (size_t i = 0; i < s->n_networks; i++) {
    w_network_entry *e = &s->networks[i];
    ctrt__jpath np = CTRT__JPATH_KEY(&nets, e->key), ip = CTRT__JPATH_KEY(&np, "IPAddress");
    int rc = check_ip(method, &ip, e->value.ip);
    if (rc < 0)
      return rc;
    ctrt_network_attachment_detail *a = &d->networks[d->n_networks++];
    *a = (ctrt_network_attachment_detail)CTRT_NETWORK_ATTACHMENT_DETAIL_INIT;
    a->network = e->key;
    e->key = NULL;
    a->aliases = e->value.aliases;
    a->n_aliases = e->value.n_aliases;
    e->value.aliases = NULL;
    e->value.n_aliases = 0;
    a->ipv4 = take(&e->value.ip);
  }
  return 0;
}

static int health(const char *method, ctrt_container_inspect_details *d, w_health *h) {
  /* Podman 4.3 always sends State.Health, with Status "" when the
   * container has no health check: that is no health entry. */
  if (h == NULL || ctrt__docker_blank(h->status))
    return 0;
  CTRT__CHECK_ALLOC((d->health = ctrt__malloc(sizeof *d->health)));
  *d->health = (ctrt_health_detail)CTRT_HEALTH_DETAIL_INIT;
  if (ctrt_health_status_from_string(&d->health->status, h->status) < 0) {
    ctrt_error_clear();
    d->health->status = CTRT_HEALTH_STATUS_NONE;
  }
  if (h->has_streak) {
    ctrt__jpath state = CTRT__JPATH_KEY(NULL, "State"), hp = CTRT__JPATH_KEY(&state, "Health"),
                sp = CTRT__JPATH_KEY(&hp, "FailingStreak");
    int64_t streak = 0;
    int rc = narrow_int(method, &sp, h->streak, 0, UINT32_MAX, &streak);
    if (rc < 0)
      return rc;
    d->health->has_failing_streak = true;
    d->health->failing_streak = (uint32_t)streak;
  }
  if (h->n_log > 0) {
    d->health->last_output = h->log[h->n_log - 1].output;
    h->log[h->n_log - 1].output = NULL;
  }
  return 0;
}

int ctrt__docker_inspect_details(ctrt_container_inspect_details **out, const char *text, size_t len) {
  *out = NULL;
  static const char method[] = "inspect_container";
  w_inspect w;
  size_t n = 0;
  int rc = decode(&w_inspect_root, &w, text, len, method);
  if (rc < 0)
    return rc;
  ctrt_container_inspect_details *d = NULL;
  w_state *st = w.state;
  if ((rc = check_ports(method, w.settings, &n)) < 0)
    goto done;
  if ((d = ctrt__malloc(sizeof *d)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  *d = (ctrt_container_inspect_details)CTRT_CONTAINER_INSPECT_DETAILS_INIT;
  if (n && (d->ports = ctrt__calloc(n, sizeof *d->ports)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = each_binding(w.settings, add_port, d)) < 0 || (rc = networks(method, d, w.settings)) < 0)
    goto done;
  if (w.settings != NULL) {
    /* Only the IPv4 address (IPAddress; else the first network's). */
    ctrt__jpath settings = CTRT__JPATH_KEY(NULL, "NetworkSettings"), ip = CTRT__JPATH_KEY(&settings, "IPAddress");
    if ((rc = check_ip(method, &ip, w.settings->ip)) < 0)
      goto done;
    d->ipv4 = take(&w.settings->ip);
    for (size_t i = 0; d->ipv4 == NULL && i < d->n_networks; i++) {
      if (!ctrt__docker_blank(d->networks[i].ipv4) && (d->ipv4 = ctrt__strdup(d->networks[i].ipv4)) == NULL) {
        rc = ctrt__error_no_memory();
        goto done;
      }
    }
  }
  if (st != NULL && (rc = health(method, d, st->health)) < 0)
    goto done;
  if (st != NULL && st->has_exit_code && st->status != NULL &&
      (strcmp(st->status, "exited") == 0 || strcmp(st->status, "dead") == 0)) {
    ctrt__jpath state = CTRT__JPATH_KEY(NULL, "State"), code_path = CTRT__JPATH_KEY(&state, "ExitCode");
    int64_t code = 0;
    if ((rc = narrow_int(method, &code_path, st->exit_code, INT32_MIN, INT32_MAX, &code)) < 0)
      goto done;
    d->has_exit_code = true;
    d->exit_code = (int32_t)code;
  }
done:
  ctrt__jwalk_clear_value(&jt_inspect, &w);
  if (rc < 0)
    ctrt_container_inspect_details_free(d);
  else
    *out = d;
  return rc;
}

/* ---- list_containers ---- */

int ctrt__docker_container_summaries(ctrt_runtime_container_summary_list **out, const char *text, size_t len,
                                     const char *label_key) {
  *out = NULL;
  ctrt__jarray w = {NULL, 0};
  int rc = decode(&w_summaries_root, &w, text, len, "list_containers");
  if (rc < 0)
    return rc;
  w_summary *items = w.items;
  ctrt_runtime_container_summary_list *list = ctrt__malloc(sizeof *list);
  if (list == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  *list = (ctrt_runtime_container_summary_list)CTRT_RUNTIME_CONTAINER_SUMMARY_LIST_INIT;
  if (w.n && (list->items = ctrt__calloc(w.n, sizeof *list->items)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  for (size_t i = 0; i < w.n; i++) {
    ctrt_runtime_container_summary *s = &list->items[list->n_items++];
    *s = (ctrt_runtime_container_summary)CTRT_RUNTIME_CONTAINER_SUMMARY_INIT;
    /* The managed id is the label this runtime sets. */
    for (size_t k = 0; k < items[i].n_labels && s->managed_id == NULL; k++)
      if (strcmp(items[i].labels[k].key, label_key) == 0)
        s->managed_id = take(&items[i].labels[k].value);
    s->runtime_id = items[i].id != NULL ? items[i].id : ctrt__strdup("");
    items[i].id = NULL;
    if (s->runtime_id == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
  }
done:
  ctrt__jwalk_clear_value(&jt_summaries, &w);
  if (rc < 0)
    ctrt_runtime_container_summary_list_free(list);
  else
    *out = list;
  return rc;
}

/* ---- list_images ---- */

/* One ImageInfo: reference taken or copied, the digest of its repository
 * (any when by id), the size unless Docker's -1 ("unknown"). */
static int image_info(ctrt_image_info *info, char *reference, const w_image *image, bool by_id) {
  *info = (ctrt_image_info)CTRT_IMAGE_INFO_INIT;
  info->reference = reference;
  CTRT__CHECK_ALLOC(reference);
  const char *digest = NULL;
  for (size_t k = 0; k < image->n_digests && digest == NULL; k++)
    digest = ctrt__docker_digest_of(image->digests[k], by_id ? NULL : reference);
  if (digest != NULL && (info->digest = ctrt__strdup(digest)) == NULL)
    return ctrt__error_no_memory();
  info->has_size_bytes = image->has_size && image->size >= 0;
  info->size_bytes = info->has_size_bytes ? (uint64_t)image->size : 0;
  return 0;
}

static bool shown_tag(const char *tag) { return strcmp(tag, "<none>:<none>") != 0; }

int ctrt__docker_image_infos(ctrt_image_info_list **out, const char *text, size_t len) {
  *out = NULL;
  static const char method[] = "list_images";
  ctrt__jarray w = {NULL, 0};
  int rc = decode(&w_images_root, &w, text, len, method);
  if (rc < 0)
    return rc;
  w_image *images = w.items;
  ctrt_image_info_list *list = NULL;
  size_t count = 0;
  for (size_t i = 0; i < w.n; i++) {
    ctrt__jpath ip = CTRT__JPATH_INDEX(NULL, i), sp = CTRT__JPATH_KEY(&ip, "Size");
    int64_t size = 0;
    if (images[i].has_size && (rc = narrow_int(method, &sp, images[i].size, -1, INT64_MAX, &size)) < 0)
      goto done;
    size_t tags = 0;
    for (size_t k = 0; k < images[i].n_tags; k++)
      tags += shown_tag(images[i].tags[k]);
    count += tags ? tags : 1;
  }
  if ((list = ctrt__malloc(sizeof *list)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  *list = (ctrt_image_info_list)CTRT_IMAGE_INFO_LIST_INIT;
  if (count && (list->items = ctrt__calloc(count, sizeof *list->items)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  for (size_t i = 0; i < w.n; i++) {
    w_image *image = &images[i];
    size_t before = list->n_items;
    for (size_t k = 0; k < image->n_tags; k++) {
      if (!shown_tag(image->tags[k]))
        continue;
      rc = image_info(&list->items[list->n_items++], image->tags[k], image, false);
      image->tags[k] = NULL; /* moved */
      if (rc < 0)
        goto done;
    }
    if (list->n_items == before) {
      char *id = NULL;
      if ((rc = ctrt__docker_image_id(&id, image->id)) < 0 ||
          (rc = image_info(&list->items[list->n_items++], id ? id : ctrt__strdup(""), image, true)) < 0)
        goto done;
    }
  }
done:
  /* Moved tags left NULL entries: the walker's clear frees what remains. */
  ctrt__jwalk_clear_value(&jt_images, &w);
  if (rc < 0)
    ctrt_image_info_list_free(list);
  else
    *out = list;
  return rc;
}

/* ---- inspect_image_native ---- */

/* What GET /images/{name}/json gives the ImageInspectInfo (ContainerConfig,
 * GraphDriver, Metadata and most of Config are skipped). */
typedef struct w_rootfs {
  char **layers;
  size_t n_layers;
} w_rootfs;
static const ctrt__jfield w_rootfs_fields[] = {W_LIST(w_rootfs, layers, n_layers, "Layers", ctrt__jt_string)};
W_STRUCT(jt_rootfs, w_rootfs, w_rootfs_fields);

typedef struct w_image_config {
  char **env;
  size_t n_env;
  char **cmd;
  size_t n_cmd;
  char **entrypoint;
  size_t n_entrypoint;
  char *working_dir;
  char *user;
  w_label *labels;
  size_t n_labels;
} w_image_config;
static const ctrt__jfield w_image_config_fields[] = {
    W_LIST(w_image_config, env, n_env, "Env", ctrt__jt_string),
    W_LIST(w_image_config, cmd, n_cmd, "Cmd", ctrt__jt_string),
    W_LIST(w_image_config, entrypoint, n_entrypoint, "Entrypoint", ctrt__jt_string),
    W_VALUE(w_image_config, working_dir, "WorkingDir", ctrt__jt_string),
    W_VALUE(w_image_config, user, "User", ctrt__jt_string),
    W_MAP(w_image_config, labels, n_labels, w_label, "Labels", ctrt__jt_string),
};
W_STRUCT(jt_image_config, w_image_config, w_image_config_fields);

/* The plain texts, in the order of image_texts' offsets below. */
enum { W_PARENT, W_COMMENT, W_CREATED, W_CONTAINER, W_DOCKER_VERSION, W_AUTHOR, W_ARCH, W_OS, W_N_TEXTS };

typedef struct w_image_inspect {
  char *id;
  char **repo_tags;
  size_t n_repo_tags;
  char **repo_digests;
  size_t n_repo_digests;
  char *texts[W_N_TEXTS];
  bool has_size;
  int64_t size;
  w_rootfs *rootfs;
  w_image_config *config;
} w_image_inspect;
static const ctrt__jfield w_image_inspect_fields[] = {
    W_VALUE(w_image_inspect, id, "Id", ctrt__jt_string),
    W_LIST(w_image_inspect, repo_tags, n_repo_tags, "RepoTags", ctrt__jt_string),
    W_LIST(w_image_inspect, repo_digests, n_repo_digests, "RepoDigests", ctrt__jt_string),
    W_VALUE(w_image_inspect, texts[W_PARENT], "Parent", ctrt__jt_string),
    W_VALUE(w_image_inspect, texts[W_COMMENT], "Comment", ctrt__jt_string),
    W_VALUE(w_image_inspect, texts[W_CREATED], "Created", ctrt__jt_string),
    W_VALUE(w_image_inspect, texts[W_CONTAINER], "Container", ctrt__jt_string),
    W_VALUE(w_image_inspect, texts[W_DOCKER_VERSION], "DockerVersion", ctrt__jt_string),
    W_VALUE(w_image_inspect, texts[W_AUTHOR], "Author", ctrt__jt_string),
    W_VALUE(w_image_inspect, texts[W_ARCH], "Architecture", ctrt__jt_string),
    W_VALUE(w_image_inspect, texts[W_OS], "Os", ctrt__jt_string),
    W_FLAG(w_image_inspect, size, has_size, "Size", ctrt__jt_i64),
    W_PTR(w_image_inspect, rootfs, "RootFS", jt_rootfs),
    W_PTR(w_image_inspect, config, "Config", jt_image_config),
};
W_STRUCT(jt_image_inspect, w_image_inspect, w_image_inspect_fields);
static const ctrt__jfield w_image_inspect_root = {NULL, CTRT__JS_VALUE, 0, 0, 0, NO_OFFSET, 0, 0, &jt_image_inspect};

/* Moves a walked list of strings (items and count) into the result's. */
static void take_list(char ***items, size_t *n, char ***from, size_t *from_n) {
  *items = *from;
  *n = *from_n;
  *from = NULL;
  *from_n = 0;
}

int ctrt__docker_image_inspect_walk(ctrt_image_inspect_info **out, const char *text, size_t len) {
  *out = NULL;
  static const char method[] = "inspect_image_native";
  w_image_inspect w;
  int rc = decode(&w_image_inspect_root, &w, text, len, method);
  if (rc < 0)
    return rc;
  ctrt_image_inspect_info *info = NULL;
  int64_t size = 0;
  ctrt__jpath sp = CTRT__JPATH_KEY(NULL, "Size");
  if (w.has_size && (rc = narrow_int(method, &sp, w.size, -1, INT64_MAX, &size)) < 0)
    goto done;
  if ((info = ctrt__malloc(sizeof *info)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  *info = (ctrt_image_inspect_info)CTRT_IMAGE_INSPECT_INFO_INIT;
  if ((rc = ctrt__docker_image_id(&info->id, w.id)) < 0)
    goto done;
  char **const texts[W_N_TEXTS] = {&info->parent,         &info->comment, &info->created,      &info->container,
                                   &info->docker_version, &info->author,  &info->architecture, &info->os};
  for (size_t i = 0; i < W_N_TEXTS; i++)
    *texts[i] = take(&w.texts[i]);
  take_list(&info->repo_tags, &info->n_repo_tags, &w.repo_tags, &w.n_repo_tags);
  take_list(&info->repo_digests, &info->n_repo_digests, &w.repo_digests, &w.n_repo_digests);
  info->has_size = w.has_size && size >= 0; /* Docker's -1: unknown */
  info->size = info->has_size ? (uint64_t)size : 0;
  if (w.rootfs != NULL)
    take_list(&info->layers, &info->n_layers, &w.rootfs->layers, &w.rootfs->n_layers);
  w_image_config *c = w.config;
  if (c != NULL) {
    take_list(&info->env, &info->n_env, &c->env, &c->n_env);
    take_list(&info->cmd, &info->n_cmd, &c->cmd, &c->n_cmd);
    take_list(&info->entrypoint, &info->n_entrypoint, &c->entrypoint, &c->n_entrypoint);
    info->working_dir = take(&c->working_dir);
    info->user = take(&c->user);
    if (c->n_labels && (info->labels = ctrt__calloc(c->n_labels, sizeof *info->labels)) == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
    for (size_t i = 0; i < c->n_labels; i++, info->n_labels++) {
      info->labels[i].key = c->labels[i].key;
      info->labels[i].value = c->labels[i].value;
      c->labels[i].key = c->labels[i].value = NULL;
    }
  }
done:
  ctrt__jwalk_clear_value(&jt_image_inspect, &w);
  if (rc < 0)
    ctrt_image_inspect_info_free(info);
  else
    *out = info;
  return rc;
}

/* ---- get_container_stats ---- */

/* The members of a stats answer one reading reports (Go sends its
 * counters as integers, or reals past 2^53: both are read). */
typedef struct w_cpu_usage {
  uint64_t total;
} w_cpu_usage;
static const ctrt__jfield w_cpu_usage_fields[] = {W_VALUE(w_cpu_usage, total, "total_usage", ctrt__jt_counter)};
W_STRUCT(jt_cpu_usage, w_cpu_usage, w_cpu_usage_fields);

typedef struct w_cpu {
  w_cpu_usage usage;
} w_cpu;
static const ctrt__jfield w_cpu_fields[] = {W_VALUE(w_cpu, usage, "cpu_usage", jt_cpu_usage)};
W_STRUCT(jt_cpu, w_cpu, w_cpu_fields);

typedef struct w_memory_detail {
  uint64_t cache;
} w_memory_detail;
static const ctrt__jfield w_memory_detail_fields[] = {W_VALUE(w_memory_detail, cache, "cache", ctrt__jt_counter)};
W_STRUCT(jt_memory_detail, w_memory_detail, w_memory_detail_fields);

typedef struct w_memory {
  uint64_t usage;
  uint64_t limit;
  w_memory_detail stats;
} w_memory;
static const ctrt__jfield w_memory_fields[] = {
    W_VALUE(w_memory, usage, "usage", ctrt__jt_counter),
    W_VALUE(w_memory, limit, "limit", ctrt__jt_counter),
    W_VALUE(w_memory, stats, "stats", jt_memory_detail),
};
W_STRUCT(jt_memory, w_memory, w_memory_fields);

typedef struct w_stats {
  w_cpu cpu;
  w_memory memory;
  char *read;
} w_stats;
static const ctrt__jfield w_stats_fields[] = {
    W_VALUE(w_stats, cpu, "cpu_stats", jt_cpu),
    W_VALUE(w_stats, memory, "memory_stats", jt_memory),
    W_VALUE(w_stats, read, "read", ctrt__jt_string),
};
W_STRUCT(jt_stats, w_stats, w_stats_fields);
static const ctrt__jfield w_stats_root = {NULL, CTRT__JS_VALUE, 0, 0, 0, NO_OFFSET, 0, 0, &jt_stats};

/* A reading's time: Go's zero time or an unreadable one is now. */
static ctrt_timestamp stats_time(const char *read) {
  ctrt_timestamp ts = {0, 0};
  if (ctrt__docker_blank(read) || strncmp(read, "0001-01-01", 10) == 0 || ctrt__timestamp_parse(&ts, read) < 0)
    ts = ctrt__timestamp_now();
  return ts;
}

/* The page cache is not the container's own use (docker stats does the same). */
static uint64_t memory_used(const w_memory *m) {
  return m->stats.cache <= m->usage ? m->usage - m->stats.cache : m->usage;
}

int ctrt__docker_container_stats_walk(ctrt_container_stats **out, const char *text, size_t len, uint64_t host_memory) {
  *out = NULL;
  w_stats w;
  int rc = decode(&w_stats_root, &w, text, len, "get_container_stats");
  if (rc < 0)
    return rc;
  ctrt_container_stats *s = ctrt__malloc(sizeof *s);
  if (s == NULL) {
    ctrt__jwalk_clear_value(&jt_stats, &w);
    return ctrt__error_no_memory();
  }
  *s = (ctrt_container_stats)CTRT_CONTAINER_STATS_INIT;
  s->cpu_usage_usec = w.cpu.usage.total / 1000;
  s->memory_bytes = memory_used(&w.memory);
  s->memory_limit = ctrt__docker_memory_limit(w.memory.limit, host_memory);
  s->timestamp = stats_time(w.read);
  ctrt__jwalk_clear_value(&jt_stats, &w);
  *out = s;
  return 0;
}

/* ---- stats_stream: one sample per line ---- */

/* A sample reads more than one reading: the system CPU, the CPU count (from
 * percpu_usage when online_cpus is absent, as with cgroup v1 on old
 * daemons), networks, block I/O and pids. percpu_usage's elements are read as
 * counters (the DOM path counted them whatever they were: Go sends uint64). */
typedef struct w_sample_cpu_usage {
  uint64_t total;
  uint64_t *percpu;
  size_t n_percpu;
} w_sample_cpu_usage;
static const ctrt__jfield w_sample_cpu_usage_fields[] = {
    W_VALUE(w_sample_cpu_usage, total, "total_usage", ctrt__jt_counter),
    W_LIST(w_sample_cpu_usage, percpu, n_percpu, "percpu_usage", ctrt__jt_counter),
};
W_STRUCT(jt_sample_cpu_usage, w_sample_cpu_usage, w_sample_cpu_usage_fields);

typedef struct w_sample_cpu {
  w_sample_cpu_usage usage;
  uint64_t system;
  uint64_t online;
} w_sample_cpu;
static const ctrt__jfield w_sample_cpu_fields[] = {
    W_VALUE(w_sample_cpu, usage, "cpu_usage", jt_sample_cpu_usage),
    W_VALUE(w_sample_cpu, system, "system_cpu_usage", ctrt__jt_counter),
    W_VALUE(w_sample_cpu, online, "online_cpus", ctrt__jt_counter),
};
W_STRUCT(jt_sample_cpu, w_sample_cpu, w_sample_cpu_fields);

typedef struct w_net {
  uint64_t rx;
  uint64_t tx;
} w_net;
static const ctrt__jfield w_net_fields[] = {
    W_VALUE(w_net, rx, "rx_bytes", ctrt__jt_counter),
    W_VALUE(w_net, tx, "tx_bytes", ctrt__jt_counter),
};
W_STRUCT(jt_net, w_net, w_net_fields);

typedef struct w_net_entry {
  char *key;
  w_net value;
} w_net_entry;

typedef struct w_blkio_entry {
  char *op;
  uint64_t value;
} w_blkio_entry;
static const ctrt__jfield w_blkio_entry_fields[] = {
    W_VALUE(w_blkio_entry, op, "op", ctrt__jt_string),
    W_VALUE(w_blkio_entry, value, "value", ctrt__jt_counter),
};
W_STRUCT(jt_blkio_entry, w_blkio_entry, w_blkio_entry_fields);

typedef struct w_blkio {
  w_blkio_entry *bytes;
  size_t n_bytes;
} w_blkio;
static const ctrt__jfield w_blkio_fields[] = {
    W_LIST(w_blkio, bytes, n_bytes, "io_service_bytes_recursive", jt_blkio_entry),
};
W_STRUCT(jt_blkio, w_blkio, w_blkio_fields);

typedef struct w_pids {
  uint64_t current;
  uint64_t limit;
} w_pids;
static const ctrt__jfield w_pids_fields[] = {
    W_VALUE(w_pids, current, "current", ctrt__jt_counter),
    W_VALUE(w_pids, limit, "limit", ctrt__jt_counter),
};
W_STRUCT(jt_pids, w_pids, w_pids_fields);

typedef struct w_sample {
  w_sample_cpu cpu;
  w_memory memory;
  w_net_entry *networks;
  size_t n_networks;
  w_blkio blkio;
  w_pids pids;
  char *read;
} w_sample;
static const ctrt__jfield w_sample_fields[] = {
    W_VALUE(w_sample, cpu, "cpu_stats", jt_sample_cpu),
    W_VALUE(w_sample, memory, "memory_stats", jt_memory),
    W_MAP(w_sample, networks, n_networks, w_net_entry, "networks", jt_net),
    W_VALUE(w_sample, blkio, "blkio_stats", jt_blkio),
    W_VALUE(w_sample, pids, "pids_stats", jt_pids),
    W_VALUE(w_sample, read, "read", ctrt__jt_string),
};
W_STRUCT(jt_sample, w_sample, w_sample_fields);
static const ctrt__jfield w_sample_root = {NULL, CTRT__JS_VALUE, 0, 0, 0, NO_OFFSET, 0, 0, &jt_sample};

/* pids_stats.limit at or above this is "no limit" (cgroup's "max"). */

int ctrt__docker_stats_sample_walk(ctrt_stats_sample **out, const char *text, size_t len, uint64_t host_memory) {
  *out = NULL;
  w_sample w;
  int rc = decode(&w_sample_root, &w, text, len, "stats_stream");
  if (rc < 0)
    return rc;
  ctrt_stats_sample *s = ctrt__malloc(sizeof *s);
  if (s == NULL) {
    ctrt__jwalk_clear_value(&jt_sample, &w);
    return ctrt__error_no_memory();
  }
  *s = (ctrt_stats_sample)CTRT_STATS_SAMPLE_INIT;
  s->cpu_total_ns = w.cpu.usage.total;
  s->cpu_system_ns = w.cpu.system;
  uint64_t cpus = w.cpu.online ? w.cpu.online : w.cpu.usage.n_percpu;
  s->online_cpus = cpus > UINT32_MAX ? UINT32_MAX : (uint32_t)cpus;
  s->mem_used_bytes = memory_used(&w.memory);
  s->mem_limit_bytes = ctrt__docker_memory_limit(w.memory.limit, host_memory);
  for (size_t i = 0; i < w.n_networks; i++) {
    s->net_rx_bytes += w.networks[i].value.rx;
    s->net_tx_bytes += w.networks[i].value.tx;
  }
  for (size_t i = 0; i < w.blkio.n_bytes; i++) {
    const w_blkio_entry *e = &w.blkio.bytes[i];
    if (e->op && strcasecmp(e->op, "read") == 0)
      s->blkio_read_bytes += e->value;
    else if (e->op && strcasecmp(e->op, "write") == 0)
      s->blkio_write_bytes += e->value;
  }
  s->pids_current = w.pids.current;
  if (w.pids.limit > 0 && w.pids.limit < CTRT__DOCKER_UNLIMITED) {
    s->has_pids_limit = true;
    s->pids_limit = w.pids.limit;
  }
  s->timestamp = stats_time(w.read);
  ctrt__jwalk_clear_value(&jt_sample, &w);
  *out = s;
  return 0;
}

/* ---- prune_images ---- */

/* Each item of ImagesDeleted names an untagged reference or a deleted id (or both). */
typedef struct w_pruned {
  char *untagged;
  char *deleted;
} w_pruned;
static const ctrt__jfield w_pruned_fields[] = {
    W_VALUE(w_pruned, untagged, "Untagged", ctrt__jt_string),
    W_VALUE(w_pruned, deleted, "Deleted", ctrt__jt_string),
};
W_STRUCT(jt_pruned, w_pruned, w_pruned_fields);

typedef struct w_prune {
  w_pruned *items;
  size_t n_items;
  uint64_t reclaimed;
} w_prune;
static const ctrt__jfield w_prune_fields[] = {
    W_LIST(w_prune, items, n_items, "ImagesDeleted", jt_pruned),
    W_VALUE(w_prune, reclaimed, "SpaceReclaimed", ctrt__jt_counter),
};
W_STRUCT(jt_prune, w_prune, w_prune_fields);
static const ctrt__jfield w_prune_root = {NULL, CTRT__JS_VALUE, 0, 0, 0, NO_OFFSET, 0, 0, &jt_prune};

int ctrt__docker_prune_walk(ctrt_prune_result **out, const char *text, size_t len) {
  *out = NULL;
  w_prune w;
  int rc = decode(&w_prune_root, &w, text, len, "prune_images");
  if (rc < 0)
    return rc;
  ctrt_prune_result *p = ctrt__malloc(sizeof *p);
  if (p != NULL) {
    *p = (ctrt_prune_result)CTRT_PRUNE_RESULT_INIT;
    p->space_reclaimed = w.reclaimed;
    if (w.n_items && (p->deleted = ctrt__calloc(w.n_items * 2, sizeof *p->deleted)) == NULL) {
      ctrt_prune_result_free(p);
      p = NULL;
    }
  }
  if (p == NULL) {
    ctrt__jwalk_clear_value(&jt_prune, &w);
    return ctrt__error_no_memory();
  }
  /* The names move from the wire struct: nothing is copied. */
  for (size_t i = 0; i < w.n_items; i++) {
    char *untagged = take(&w.items[i].untagged), *deleted = take(&w.items[i].deleted);
    if (untagged != NULL)
      p->deleted[p->n_deleted++] = untagged;
    if (deleted != NULL)
      p->deleted[p->n_deleted++] = deleted;
  }
  ctrt__jwalk_clear_value(&jt_prune, &w);
  *out = p;
  return 0;
}
