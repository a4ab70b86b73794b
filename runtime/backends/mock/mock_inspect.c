/* SPDX-License-Identifier: MIT */
/* The mock's inspection methods: details, pid and address, published ports,
 * the process table (as `ps` prints it), filesystem changes, stats, and the
 * VM-only methods that a container runtime accepts as no-ops. */
#include "gen_internal.h"
#include "mock.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* What the host would see: pids of a container's processes. */
#define HOST_PID_BASE 4000

static int find(mock_runtime *m, const ctrt_container_id *id, mock_container **out) {
  *out = mock_find_container(m, id);
  return *out ? 0 : ctrt__error_code();
}

static char *container_ip(const mock_container *c) {
  if (!mock_container_running(c) || c->spec->host_network || c->ip_octet == 0)
    return NULL;
  return ctrt__sprintf("172.17.0.%u", c->ip_octet);
}

/* Host bindings of a running container, as Docker lists them: a 0.0.0.0
 * binding also appears for "::". */
typedef struct binding {
  uint16_t container_port;
  ctrt_port_protocol protocol;
  const char *host_ip;
  uint16_t host_port;
} binding;

static size_t bindings(const mock_container *c, binding *out, size_t cap) {
  size_t n = 0;
  if (!mock_container_running(c) || c->host_ports == NULL)
    return 0;
  for (size_t i = 0; i < c->spec->n_port_mappings; i++) {
    const ctrt_port_mapping *pm = &c->spec->port_mappings[i];
    const char *ip = pm->host_ip ? pm->host_ip : "0.0.0.0";
    for (int family = 0; family < (strcmp(ip, "0.0.0.0") == 0 ? 2 : 1) && n < cap; family++)
      out[n++] = (binding){pm->container_port, pm->protocol, family ? "::" : ip, c->host_ports[i]};
  }
  return n;
}

/* What inspect shows of c: ports, network, exit code, health. */
static int fill_details(ctrt_container_inspect_details *d, const mock_container *c) {
  binding b[64];
  size_t n = bindings(c, b, 64);
  if (n > 0)
    CTRT__CHECK_ALLOC((d->ports = ctrt__calloc(n, sizeof *d->ports)));
  for (size_t i = 0; i < n; i++) {
    ctrt_port_mapping *pm = &d->ports[d->n_ports++];
    *pm = (ctrt_port_mapping)CTRT_PORT_MAPPING_INIT;
    pm->container_port = b[i].container_port;
    pm->protocol = b[i].protocol;
    pm->has_host_port = true;
    pm->host_port = b[i].host_port;
    CTRT__CHECK_ALLOC((pm->host_ip = ctrt__strdup(b[i].host_ip)));
  }
  d->ipv4 = container_ip(c);
  CTRT__CHECK_ALLOC((d->networks = ctrt__calloc(1, sizeof *d->networks)));
  d->n_networks = 1;
  d->networks[0] = (ctrt_network_attachment_detail)CTRT_NETWORK_ATTACHMENT_DETAIL_INIT;
  d->networks[0].network = ctrt__strdup(c->spec->host_network ? "host" : "bridge");
  d->networks[0].ipv4 = container_ip(c);
  CTRT__CHECK_ALLOC(d->networks[0].network);
  if (c->state == MOCK_EXITED || c->state == MOCK_DEAD) {
    d->has_exit_code = true;
    d->exit_code = c->exit_code;
  }
  if (c->spec->health_check == NULL)
    return 0;
  CTRT__CHECK_ALLOC((d->health = ctrt__malloc(sizeof *d->health)));
  *d->health = (ctrt_health_detail)CTRT_HEALTH_DETAIL_INIT;
  d->health->status = c->health_status ? c->health_status : CTRT_HEALTH_STATUS_NONE;
  d->health->has_failing_streak = true;
  d->health->failing_streak = c->failing_streak;
  if (c->health_output)
    CTRT__CHECK_ALLOC((d->health->last_output = ctrt__strdup(c->health_output)));
  return 0;
}

int mock_inspect_detailed(void *self, ctrt_container_inspect_details **out, const ctrt_container_id *id) {
  mock_runtime *m = self;
  ctrt_container_inspect_details *d = ctrt__malloc(sizeof *d);
  CTRT__CHECK_ALLOC(d);
  *d = (ctrt_container_inspect_details)CTRT_CONTAINER_INSPECT_DETAILS_INIT;
  mock_lock(m);
  mock_container *c;
  int rc;
  if ((rc = find(m, id, &c)) < 0 || (rc = fill_details(d, c)) < 0)
    goto done;
  *out = d;
  d = NULL;
done:
  mock_unlock(m);
  ctrt_container_inspect_details_free(d);
  return rc;
}

int mock_get_container_pid(void *self, bool *has_out, uint32_t *out, const ctrt_container_id *id) {
  mock_runtime *m = self;
  mock_lock(m);
  mock_container *c;
  int rc;
  if ((rc = find(m, id, &c)) == 0 && mock_container_running(c) && c->main) {
    *has_out = true;
    *out = HOST_PID_BASE + (uint32_t)(c->ip_octet * 100) + (uint32_t)c->main->pid;
  }
  mock_unlock(m);
  return rc;
}

int mock_get_container_ip(void *self, char **out, const ctrt_container_id *id) {
  mock_runtime *m = self;
  mock_lock(m);
  mock_container *c;
  int rc;
  if ((rc = find(m, id, &c)) == 0 && mock_container_running(c) && !c->spec->host_network &&
      (*out = container_ip(c)) == NULL)
    rc = ctrt__error_no_memory();
  mock_unlock(m);
  return rc;
}

int mock_get_container_port_override(void *self, bool *has_out, uint16_t *out, const ctrt_container_id *id) {
  mock_runtime *m = self;
  (void)has_out; /* a container runtime never overrides ports */
  (void)out;
  mock_lock(m);
  mock_container *c;
  int rc = find(m, id, &c);
  mock_unlock(m);
  return rc;
}

int mock_overlay_attach_kind(void *self, ctrt_overlay_attach_kind *out) {
  (void)self;
  *out = CTRT_OVERLAY_ATTACH_KIND_HOST_NETNS;
  return 0;
}

int mock_push_overlay_config(void *self, const ctrt_container_id *id, const ctrt_guest_overlay_config *config) {
  mock_runtime *m = self;
  if (config->address == NULL || config->address[0] == '\0')
    return ctrt__error_invalid_spec("push_overlay_config: the overlay address is empty");
  mock_lock(m);
  mock_container *c;
  int rc;
  if ((rc = find(m, id, &c)) == 0 && !mock_container_running(c))
    rc = mock_not_running_error(c);
  mock_unlock(m);
  return rc;
}

/* A container runtime's volumes are bind mounts: there is never anything to
 * sync, for any id (Docker has no such call either). */
int mock_sync_container_volumes(void *self, const ctrt_container_id *id) {
  (void)self;
  (void)id;
  return 0;
}

int mock_port_mappings_container(void *self, ctrt_port_mapping_entry_list **out, const ctrt_container_id *id) {
  mock_runtime *m = self;
  ctrt_port_mapping_entry_list *list = ctrt__malloc(sizeof *list);
  CTRT__CHECK_ALLOC(list);
  *list = (ctrt_port_mapping_entry_list)CTRT_PORT_MAPPING_ENTRY_LIST_INIT;
  mock_lock(m);
  mock_container *c;
  binding b[64];
  size_t n = 0;
  int rc;
  if ((rc = find(m, id, &c)) < 0)
    goto done;
  n = bindings(c, b, 64);
  if (n > 0 && (list->items = ctrt__calloc(n, sizeof *list->items)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    ctrt_port_mapping_entry *e = &list->items[list->n_items++];
    *e = (ctrt_port_mapping_entry)CTRT_PORT_MAPPING_ENTRY_INIT;
    e->container_port = b[i].container_port;
    e->protocol = b[i].protocol;
    e->has_host_port = true;
    e->host_port = b[i].host_port;
    if ((e->host_ip = ctrt__strdup(b[i].host_ip)) == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
  }
  *out = list;
  list = NULL;
done:
  mock_unlock(m);
  ctrt_port_mapping_entry_list_free(list);
  return rc;
}

int mock_changes_container(void *self, ctrt_filesystem_change_entry_list **out, const ctrt_container_id *id) {
  mock_runtime *m = self;
  ctrt_filesystem_change_entry_list *list = ctrt__malloc(sizeof *list);
  CTRT__CHECK_ALLOC(list);
  *list = (ctrt_filesystem_change_entry_list)CTRT_FILESYSTEM_CHANGE_ENTRY_LIST_INIT;
  memfs_change *changes = NULL;
  size_t n = 0;
  mock_lock(m);
  mock_container *c;
  int rc;
  if ((rc = find(m, id, &c)) < 0 || (rc = memfs_diff(c->base, c->fs, &changes, &n)) < 0) {
    mock_unlock(m);
    goto done;
  }
  mock_unlock(m);
  if (n > 0 && (list->items = ctrt__calloc(n, sizeof *list->items)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    ctrt_filesystem_change_entry *e = &list->items[list->n_items++];
    e->kind = changes[i].kind;
    e->path = changes[i].path;
    changes[i].path = NULL; /* moved */
  }
  *out = list;
  list = NULL;
done:
  memfs_changes_free(changes, n);
  ctrt_filesystem_change_entry_list_free(list);
  return rc;
}

/* ---- top ---- */

typedef enum ps_format { PS_DEFAULT, PS_AUX, PS_CUSTOM } ps_format;

static int add_row(ctrt_container_top_output *top, char **cells, size_t n) {
  ctrt_string_list *grown = ctrt__realloc(top->processes, (top->n_processes + 1) * sizeof *grown);
  CTRT__CHECK_ALLOC(grown);
  top->processes = grown;
  ctrt_string_list *row = &grown[top->n_processes++];
  row->items = ctrt__calloc(n, sizeof *row->items);
  row->n_items = 0;
  CTRT__CHECK_ALLOC(row->items);
  for (size_t i = 0; i < n; i++) {
    row->items[row->n_items] = ctrt__strdup(cells[i]);
    CTRT__CHECK_ALLOC(row->items[row->n_items++]);
  }
  return 0;
}

static int set_titles(ctrt_container_top_output *top, const char *const *titles, size_t n) {
  top->titles = ctrt__calloc(n, sizeof *top->titles);
  CTRT__CHECK_ALLOC(top->titles);
  for (size_t i = 0; i < n; i++)
    CTRT__CHECK_ALLOC((top->titles[top->n_titles++] = ctrt__strdup(titles[i])));
  return 0;
}

static int parse_ps_args(const char *const *args, size_t n, ps_format *format, char fields[8][16], size_t *n_fields) {
  *format = PS_DEFAULT;
  *n_fields = 0;
  for (size_t i = 0; i < n; i++) {
    const char *a = args[i];
    if (strcmp(a, "-ef") == 0 || strcmp(a, "-e") == 0 || strcmp(a, "-f") == 0)
      continue;
    if (strcmp(a, "aux") == 0 || strcmp(a, "-aux") == 0) {
      *format = PS_AUX;
      continue;
    }
    if (strcmp(a, "-o") == 0 && i + 1 < n) {
      *format = PS_CUSTOM;
      char list[128];
      snprintf(list, sizeof list, "%s", args[++i]);
      for (char *tok = strtok(list, ","); tok && *n_fields < 8; tok = strtok(NULL, ",")) {
        if (strcmp(tok, "pid") != 0 && strcmp(tok, "ppid") != 0 && strcmp(tok, "user") != 0 &&
            strcmp(tok, "comm") != 0 && strcmp(tok, "args") != 0 && strcmp(tok, "uid") != 0)
          return ctrt__error_set(CTRT_ERROR_INTERNAL, 500, "ps: unknown output field '%s'", tok);
        snprintf(fields[(*n_fields)++], 16, "%s", tok);
      }
      continue;
    }
    return ctrt__error_set(CTRT_ERROR_INTERNAL, 500, "ps: unsupported option '%s' (the mock knows -ef, aux, -o)", a);
  }
  return 0;
}

/* One process's row of ps output. */
static int top_row(ctrt_container_top_output *top, const mock_container *c, const mock_process *p, ps_format format,
                   char fields[8][16], size_t n_fields) {
  uint32_t base = HOST_PID_BASE + (uint32_t)(c->ip_octet * 100);
  char cmd[512] = "";
  for (size_t a = 0; a < p->argc; a++)
    snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), "%s%s", a ? " " : "", p->argv[a]);
  char pid[16], ppid[16], uid[16], stime[16];
  snprintf(pid, sizeof pid, "%u", base + (uint32_t)p->pid);
  snprintf(ppid, sizeof ppid, "%u", p->pid == 1 ? base - 1 : base + 1);
  snprintf(uid, sizeof uid, "%u", p->uid);
  time_t started = (time_t)c->started_at.seconds;
  struct tm tm;
  gmtime_r(&started, &tm);
  strftime(stime, sizeof stime, "%H:%M", &tm);
  const char *user = p->uid == 0 ? "root" : uid;
  if (format == PS_DEFAULT) {
    char *cells[] = {(char *)user, pid, ppid, "0", stime, "?", "00:00:00", cmd};
    return add_row(top, cells, 8);
  }
  if (format == PS_AUX) {
    char *cells[] = {(char *)user, pid, "0.0", "0.0", "1312", "4", "?", "Ss", stime, "0:00", cmd};
    return add_row(top, cells, 11);
  }
  char *cells[8];
  for (size_t f = 0; f < n_fields; f++)
    cells[f] = strcmp(fields[f], "pid") == 0    ? pid
               : strcmp(fields[f], "ppid") == 0 ? ppid
               : strcmp(fields[f], "user") == 0 ? (char *)user
               : strcmp(fields[f], "uid") == 0  ? uid
               : strcmp(fields[f], "comm") == 0 ? p->argv[0]
                                                : cmd;
  return add_row(top, cells, n_fields);
}

int mock_top_container(void *self, ctrt_container_top_output **out, const ctrt_container_id *id,
                       const char *const *ps_args, size_t n_ps_args) {
  mock_runtime *m = self;
  ps_format format;
  char fields[8][16];
  size_t n_fields;
  int rc = parse_ps_args(ps_args, n_ps_args, &format, fields, &n_fields);
  if (rc < 0)
    return rc;
  ctrt_container_top_output *top = ctrt__malloc(sizeof *top);
  CTRT__CHECK_ALLOC(top);
  *top = (ctrt_container_top_output)CTRT_CONTAINER_TOP_OUTPUT_INIT;
  static const char *const default_titles[] = {"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"};
  static const char *const aux_titles[] = {"USER", "PID",  "%CPU",  "%MEM", "VSZ",    "RSS",
                                           "TTY",  "STAT", "START", "TIME", "COMMAND"};
  if (format == PS_DEFAULT)
    rc = set_titles(top, default_titles, 8);
  else if (format == PS_AUX)
    rc = set_titles(top, aux_titles, 11);
  else {
    const char *titles[8];
    char upper[8][16];
    for (size_t i = 0; i < n_fields; i++) {
      for (size_t k = 0; k < 16; k++)
        upper[i][k] = (char)(fields[i][k] >= 'a' && fields[i][k] <= 'z' ? fields[i][k] - 32 : fields[i][k]);
      titles[i] = strcmp(fields[i], "args") == 0 ? "COMMAND" : upper[i];
    }
    rc = set_titles(top, titles, n_fields);
  }
  if (rc < 0)
    goto fail;
  mock_lock(m);
  mock_container *c;
  if ((rc = find(m, id, &c)) < 0 || (!mock_container_running(c) && (rc = mock_not_running_error(c)) < 0))
    goto unlock;
  for (size_t i = 0; i < c->n_execs; i++)
    if (!c->execs[i]->finished && (rc = top_row(top, c, c->execs[i], format, fields, n_fields)) < 0)
      goto unlock;
unlock:
  mock_unlock(m);
  if (rc < 0)
    goto fail;
  *out = top;
  return 0;
fail:
  ctrt_container_top_output_free(top);
  return rc;
}
