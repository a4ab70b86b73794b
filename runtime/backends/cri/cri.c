/* The cri backend: the Kubernetes CRI (runtime.v1) over gRPC
 * (transport/grpc.c) with protobuf-c messages generated from proto/, and
 * containerd's own API on the same socket where CRI stops (kill with a
 * signal). One pod sandbox per container, both labelled with the managed
 * id, the container in a PID namespace of its own so its command is PID 1.
 *
 * URI: cri://unix:///run/containerd/containerd.sock (the default), or
 * cri://unix:///var/run/crio/crio.sock. Environment (all optional):
 *   CTRT_CRI_LOG_DIR        where pod log directories are made (default
 *                           /var/log/ctrt-cri)
 *   CTRT_CRI_CGROUP_PARENT  cgroup parent of the pods
 *   CTRT_CRI_POD_NETWORK    "node" for host networking of every pod
 *                           (engines without a CNI network)
 *   CTRT_CRI_CNI_NETWORK    the CNI network's name, for inspect_detailed
 *                           (CRI does not report it; default "cni")
 *
 * Other files hold method families: cri_log.c (the log files),
 * cri_exec.c (exec_stream, exec_pty, write_stdin, close_stdin over the
 * streaming server's WebSocket), cri_archive.c (archive methods through
 * tar and stat run in the container), cri_top_stats.c (top_container via
 * containerd's ListPids and the host's ps, stats_stream), cri_images.c
 * (image inspection, history, tagging, save/load/import/commit through
 * containerd's Images, Content, Diff and Snapshots). Rename is unsupported
 * (CRI names are fixed: the pod and container names are part of their
 * identity). get_container_port_override keeps the spec's default (empty):
 * a CRI engine never forces a port. CRI cannot start a container that
 * exited ("container is in CONTAINER_EXITED state"); on containerd the same
 * container gets a new task (cri_task.c: same snapshot, so its files stay),
 * elsewhere that is the engine's conflict. exec_with_opts and exec_pty run
 * through containerd's Tasks.Exec on containerd (user, half-close), CRI's
 * ExecSync/Exec elsewhere (runtime/backends/cri/README.md). */
#include "backends/cri/cri_internal.h"
#include "backends/cri/cri_log.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_URI "unix:///run/containerd/containerd.sock"
#define DEFAULT_LOG_DIR "/var/log/ctrt-cri"
#define CALL_DEADLINE_MS 120000L
#define WAIT_POLL_NS 50000000L /* status polling of wait_container */
#define POD_NAMESPACE "ctrt"

/* UNKNOWN texts of containerd's CRI plugin, mapped deliberately: 1.6.20
 * answers a name in use and a start of a running or exited container with
 * grpc-status 2 and only the text ("failed to reserve container name ...",
 * "container is in CONTAINER_EXITED state"; cri-notes.md). */
static const ctrt__grpc_message_rule cri_rules[] = {
    {"failed to reserve container name", CTRT_ERROR_CONFLICT},
    {"failed to reserve sandbox name", CTRT_ERROR_CONFLICT},
    {"is in CONTAINER_", CTRT_ERROR_CONFLICT},
    /* containerd's task states (runc's messages). */
    {"cannot pause a paused container", CTRT_ERROR_CONFLICT},
    {"cannot resume a running process", CTRT_ERROR_CONFLICT},
    {"cannot exec in a paused state", CTRT_ERROR_CONFLICT},
    {NULL, CTRT_ERROR_NONE},
};

/* ---- calls ---- */

/* A request packed for rpc (p->buf to free) with the call's options:
 * metadata NULL is containerd's namespace for a containerd rpc, none for
 * CRI's. Only the declared request type is sent (another is a bug). */
typedef struct packed {
  uint8_t *buf;
  size_t len;
  ctrt__grpc_call_options o;
} packed;

static int pack_request(const ctrt__cri_rpc *rpc, const char *const *metadata, long deadline_ms,
                        const ProtobufCMessage *request, packed *p) {
  CTRT__CHECK_ARG(request == NULL || request->descriptor == rpc->request, "%s: a %s, not the declared %s", rpc->path,
                  request ? request->descriptor->name : "", rpc->request->name);
  p->o = (ctrt__grpc_call_options){.metadata = metadata          ? metadata
                                               : rpc->containerd ? ctrt__cri_containerd_md
                                                                 : NULL,
                                   .deadline_ms = deadline_ms};
  p->len = request ? protobuf_c_message_get_packed_size(request) : 0;
  p->buf = ctrt__malloc(p->len ? p->len : 1);
  CTRT__CHECK_ALLOC(p->buf);
  if (request)
    protobuf_c_message_pack(request, p->buf);
  return 0;
}

int ctrt__cri_call_md(cri *c, const ctrt__cri_rpc *rpc, const char *const *metadata, long deadline_ms,
                      const ProtobufCMessage *request, void **reply) {
  if (reply)
    *reply = NULL;
  packed p = {.buf = NULL};
  uint8_t *out = NULL;
  size_t out_len = 0;
  int rc = pack_request(rpc, metadata, deadline_ms, request, &p);
  if (rc < 0)
    return rc;
  rc = ctrt__grpc_unary(c->grpc, rpc->path, &p.o, p.buf, p.len, &out, &out_len);
  ctrt__free(p.buf);
  if (rc < 0)
    return rc;
  if (reply != NULL) {
    *reply = protobuf_c_message_unpack(rpc->reply, NULL, out_len, out);
    if (*reply == NULL)
      rc = ctrt__error_network("%s: the reply is not a valid %s message", rpc->path, rpc->reply->name);
  }
  ctrt__free(out);
  return rc;
}

int ctrt__cri_stream_open(cri *c, const ctrt__cri_rpc *rpc, const char *const *metadata, long deadline_ms,
                          const ProtobufCMessage *request, ctrt__grpc_call **out) {
  packed p = {.buf = NULL};
  int rc;
  if ((rc = pack_request(rpc, metadata, deadline_ms, request, &p)) < 0)
    return rc;
  rc = ctrt__grpc_call_open(c->grpc, rpc->path, &p.o, p.buf, p.len, out);
  ctrt__free(p.buf);
  return rc;
}

void ctrt__cri_unpacked_free(void *msg) {
  if (msg != NULL)
    protobuf_c_message_free_unpacked(msg, NULL);
}

const char *const ctrt__cri_containerd_md[] = {"containerd-namespace: k8s.io", NULL};

/* ---- open / close / engine ---- */

static void cri_close(void *self) {
  cri *c = self;
  if (c == NULL)
    return;
  ctrt__cri_stdin_free_all(c);
  ctrt__cri_adopted_free_all(c);
  pthread_mutex_destroy(&c->adopt_lock);
  pthread_mutex_destroy(&c->task_lock);
  ctrt__grpc_client_free(c->grpc);
  ctrt__free(c->uri);
  ctrt__free(c->runtime_name);
  ctrt__free(c->runtime_version);
  ctrt__free(c->runtime_api_version);
  ctrt__free(c->cri_version);
  ctrt__free(c->containerd_version);
  ctrt__free(c->log_dir);
  ctrt__free(c->cgroup_parent);
  ctrt__free(c->label_key);
  ctrt__free(c);
}

static char *env_dup(const char *name, const char *dflt) {
  const char *v = getenv(name);
  if (v == NULL || v[0] == '\0')
    v = dflt;
  return v ? ctrt__strdup(v) : NULL;
}

static int cri_open(void **self, const char *uri, const ctrt_open_options *options) {
  cri *c = ctrt__calloc(1, sizeof *c);
  CTRT__CHECK_ALLOC(c);
  pthread_mutex_init(&c->adopt_lock, NULL);
  pthread_mutex_init(&c->task_lock, NULL);
  c->uri = ctrt__strdup(uri && uri[0] ? uri : DEFAULT_URI);
  c->log_dir = env_dup("CTRT_CRI_LOG_DIR", DEFAULT_LOG_DIR);
  c->cgroup_parent = env_dup("CTRT_CRI_CGROUP_PARENT", NULL);
  const char *net = getenv("CTRT_CRI_POD_NETWORK");
  c->node_network = net != NULL && strcmp(net, "node") == 0;
  c->label_key = ctrt__strdup(options && options->managed_label ? options->managed_label : CTRT__DEFAULT_MANAGED_LABEL);
  c->deadline_ms = options && options->request_timeout_ms ? (long)options->request_timeout_ms : CALL_DEADLINE_MS;
  c->exec_output_max = ctrt__exec_output_max(options);
  if (options && options->version >= 3)
    c->stream_idle_ms = (long)options->stream_idle_timeout_ms;
  Runtime__V1__VersionRequest vreq = RUNTIME__V1__VERSION_REQUEST__INIT;
  vreq.version = "v1";
  Runtime__V1__VersionResponse *v = NULL;
  ctrt__grpc_options go = {.unknown_rules = cri_rules};
  if (options && options->connect_timeout_ms)
    go.connect_timeout_ms = (long)options->connect_timeout_ms;
  int rc;
  if (c->uri == NULL || c->log_dir == NULL || c->label_key == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = ctrt__grpc_client_new(&c->grpc, c->uri, &go)) < 0)
    goto done;
  /* CRI Version: fail at open when the engine is not there, and learn
   * which engine it is. */
  if ((rc = CRI_CALL(c, ctrt__cricall_open_runtime_version(), &vreq, &v)) < 0)
    goto done;
  c->runtime_name = ctrt__strdup(v->runtime_name);
  c->runtime_version = ctrt__strdup(v->runtime_version);
  c->runtime_api_version = ctrt__strdup(v->runtime_api_version);
  c->cri_version = ctrt__strdup(v->version);
  if (!c->runtime_name || !c->runtime_version || !c->runtime_api_version || !c->cri_version)
    rc = ctrt__error_no_memory();
done:
  ctrt__cri_unpacked_free(v);
  if (rc < 0) {
    ctrt__error_wrap("cri backend at %s", c->uri);
    rc = ctrt__error_code();
    cri_close(c);
    return rc;
  }
  /* containerd's own Version service on the same socket switches on the
   * native API; CRI-O has none (UNIMPLEMENTED), which is not an error. */
  Ctrt__Containerd__VersionResponse *cv = NULL;
  if (ctrt__cri_call(c, ctrt__cricall_open_version_version(), c->deadline_ms, NULL, (void **)&cv) == 0)
    c->containerd_version = ctrt__strdup(cv->version);
  ctrt__cri_unpacked_free(cv);
  ctrt_error_clear();
  *self = c;
  return 0;
}

/* What this backend serves through containerd's own API, not CRI: a
 * CRI-only engine (CRI-O) loses it. Keep it beside the calls: a method that
 * starts calling a containerd service (`api: containerd`) gets a line here. Reported as
 * the engine fact native_api_methods, from which the merged conformance
 * report notes the loss per method. */
static const struct {
  ctrt_op op;
  const char *what; /* NULL: the whole method */
} native_api_ops[] = {
    {CTRT_OP_KILL_CONTAINER, "signals other than SIGKILL"},
    {CTRT_OP_PAUSE_CONTAINER, NULL},
    {CTRT_OP_UNPAUSE_CONTAINER, NULL},
    {CTRT_OP_REMOVE_IMAGE, "removing one tag of several"},
    {CTRT_OP_PULL_IMAGE_STREAM, "the per-layer statuses"},
    {CTRT_OP_INSPECT_IMAGE_NATIVE, "by name"},
    {CTRT_OP_IMAGE_HISTORY, NULL},
    {CTRT_OP_TAG_IMAGE, NULL},
    {CTRT_OP_SAVE_IMAGES, NULL},
    {CTRT_OP_LOAD_IMAGES, NULL},
    {CTRT_OP_IMPORT_IMAGE, NULL},
    {CTRT_OP_COMMIT_CONTAINER, NULL},
    {CTRT_OP_CHANGES_CONTAINER, NULL},
    {CTRT_OP_TOP_CONTAINER, NULL},
    {CTRT_OP_STATS_STREAM, "pids_current and pids_limit"},
    {CTRT_OP_CREATE_CONTAINER, "a pids limit"},
    {CTRT_OP_UPDATE_CONTAINER_RESOURCES, "the pids limit"},
    {CTRT_OP_START_CONTAINER, "of a container that has exited"},
    {CTRT_OP_EXEC_WITH_OPTS, "a user"},
    {CTRT_OP_EXEC_PTY, "a user and stdin half-close"},
    {CTRT_OP_ARCHIVE_GET, "of a container that does not run"},
    {CTRT_OP_ARCHIVE_HEAD, "of a container that does not run"},
    {CTRT_OP_EXPORT_CONTAINER_FS, "of a container that does not run"},
};

/* "method: what; method; ..." of native_api_ops. */
static char *native_api_fact(void) {
  char *text = ctrt__strdup("");
  for (size_t i = 0; text && i < sizeof native_api_ops / sizeof *native_api_ops; i++) {
    const char *name = ctrt_op_info_get(native_api_ops[i].op)->name, *what = native_api_ops[i].what;
    char *next = ctrt__sprintf("%s%s%s%s%s", text, i ? "; " : "", name, what ? ": " : "", what ? what : "");
    ctrt__free(text);
    text = next;
  }
  return text;
}

static int cri_engine(void *self, ctrt_engine_info **out) {
  cri *c = self;
  char *native = NULL;
  int rc;
  if ((rc = ctrt__engine_info_new(out, c->runtime_name, c->runtime_version, c->runtime_api_version)) < 0 ||
      (rc = ctrt__engine_info_add_fact(*out, "cri_version", c->cri_version)) < 0 ||
      (rc = ctrt__engine_info_add_fact(*out, "native_api", c->containerd_version ? "containerd" : NULL)) < 0)
    goto done;
  if ((native = native_api_fact()) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  rc = ctrt__engine_info_add_fact(*out, "native_api_methods", native);
done:
  ctrt__free(native);
  if (rc < 0) {
    ctrt_engine_info_free(*out);
    *out = NULL;
  }
  return rc;
}

/* ---- finding a managed container ---- */

void ctrt__cri_found_clear(found *f) {
  ctrt__free(f->container_id);
  ctrt__free(f->pod_id);
  f->container_id = f->pod_id = NULL;
}

char *ctrt__cri_display_of(const ctrt_container_id *id) {
  char *display = NULL;
  return ctrt_container_id_format(&display, id) == 0 ? display : NULL;
}

/* The CRI container (and its pod) labelled with id: 0 with f filled, or
 * not_found (missing_ok: 0 with f empty). */
int ctrt__cri_find(cri *c, const ctrt_container_id *id, found *f, bool missing_ok, const char *method) {
  memset(f, 0, sizeof *f);
  char *display = ctrt__cri_display_of(id);
  CTRT__CHECK_ALLOC(display);
  int adopted = ctrt__cri_adopted_find(c, display, f, NULL); /* adopt_container's mapping first */
  if (adopted != 0) {
    if (adopted < 0)
      ctrt__cri_found_clear(f);
    ctrt__free(display);
    return adopted < 0 ? adopted : 0;
  }
  Runtime__V1__ContainerFilter__LabelSelectorEntry sel = RUNTIME__V1__CONTAINER_FILTER__LABEL_SELECTOR_ENTRY__INIT;
  sel.key = c->label_key;
  sel.value = display;
  Runtime__V1__ContainerFilter__LabelSelectorEntry *sels[] = {&sel};
  Runtime__V1__ContainerFilter filter = RUNTIME__V1__CONTAINER_FILTER__INIT;
  filter.n_label_selector = 1;
  filter.label_selector = sels;
  Runtime__V1__ListContainersRequest req = RUNTIME__V1__LIST_CONTAINERS_REQUEST__INIT;
  req.filter = &filter;
  Runtime__V1__ListContainersResponse *resp = NULL;
  int rc;
  if ((rc = CRI_CALL(c, ctrt__cricall_lookup_runtime_list_containers(), &req, &resp)) < 0)
    goto done;
  if (resp->n_containers > 0) {
    f->container_id = ctrt__strdup(resp->containers[0]->id);
    f->pod_id = ctrt__strdup(resp->containers[0]->pod_sandbox_id);
    if (f->container_id == NULL || f->pod_id == NULL)
      rc = ctrt__error_no_memory();
  } else if (!missing_ok) {
    rc = ctrt__error_not_found(display, "no such container");
  }
done:
  if (rc < 0) {
    ctrt__cri_found_clear(f);
    ctrt__error_wrap("%s", method);
  }
  ctrt__cri_unpacked_free(resp);
  ctrt__free(display);
  return rc < 0 ? ctrt__error_code() : 0;
}

/* CRI's own status, as CRI keeps it. */
static int status_raw(cri *c, const found *f, bool verbose, Runtime__V1__ContainerStatusResponse **out) {
  Runtime__V1__ContainerStatusRequest req = RUNTIME__V1__CONTAINER_STATUS_REQUEST__INIT;
  req.container_id = f->container_id;
  req.verbose = verbose;
  return CRI_CALL(c, ctrt__cricall_lookup_runtime_container_status(), &req, out);
}

/* Whether CRI says the container ran and exited (a StartError never ran). */
static bool cri_exited(const Runtime__V1__ContainerStatusResponse *st) {
  return st->status && st->status->state == RUNTIME__V1__CONTAINER_STATE__CONTAINER_EXITED &&
         st->status->started_at != 0;
}

/* CRI's status with the state of a task that start_container gave the
 * exited container natively (ctrt__cri_task_restart) read over it: CRI
 * keeps the first run's exit. CRI deletes its own task before it reports
 * EXITED, so a task found then is that one; once it stopped it is settled
 * (its exit kept beside the log, the task deleted so that its logger
 * writes the last output), and the kept exit is read after that. */
int ctrt__cri_status_of(cri *c, const found *f, bool verbose, Runtime__V1__ContainerStatusResponse **out) {
  int rc = status_raw(c, f, verbose, out);
  if (rc < 0 || c->containerd_version == NULL || !cri_exited(*out))
    return rc;
  Runtime__V1__ContainerStatus *st = (*out)->status;
  ctrt__cri_task_state t;
  int has_task = ctrt__cri_task_get(c, f->container_id, &t);
  if (has_task < 0) {
    ctrt_error_clear(); /* CRI's view stands */
    return 0;
  }
  bool settled = false;
  if (has_task == 1 && t.status == CTRT__CRI_TASK_STOPPED && st->log_path && st->log_path[0]) {
    if (ctrt__cri_task_settle(c, f->container_id, st->log_path) < 0)
      ctrt_error_clear(); /* the task stays: read again next time */
    /* Again: another thread may have started a new run meanwhile. */
    if ((has_task = ctrt__cri_task_get(c, f->container_id, &t)) < 0) {
      ctrt_error_clear();
      return 0;
    }
  }
  if (has_task == 0) {
    if (!ctrt__cri_exit_recorded(st->log_path, &t))
      return 0; /* never restarted: CRI's view */
    /* Another caller's delete may still be waiting for the logger: the
     * exit counts once the output is written, as Docker reports an exit
     * after its log copiers finish. */
    settled = !ctrt__cri_logger_draining(st->log_path, t.exited_ns);
  } else {
    settled = t.status == CTRT__CRI_TASK_STOPPED;
  }
  if (settled) {
    st->exit_code = t.exit_code;
    st->finished_at = t.exited_ns;
  } else {
    st->state = RUNTIME__V1__CONTAINER_STATE__CONTAINER_RUNNING;
    st->exit_code = 0;
    st->finished_at = 0;
  }
  return 0;
}

int ctrt__cri_find_status(cri *c, const ctrt_container_id *id, const char *method, found *f,
                          Runtime__V1__ContainerStatusResponse **st) {
  *st = NULL;
  int rc = ctrt__cri_find(c, id, f, false, method);
  if (rc < 0)
    return rc;
  rc = ctrt__cri_status_of(c, f, false, st);
  if (rc < 0) {
    ctrt__cri_found_clear(f);
    return ctrt__error_wrap("%s", method);
  }
  return 0;
}

bool ctrt__cri_is_running(const Runtime__V1__ContainerStatusResponse *st) {
  return st != NULL && st->status != NULL && st->status->state == RUNTIME__V1__CONTAINER_STATE__CONTAINER_RUNNING;
}

/* ---- pods ---- */

static int remove_pod(cri *c, const char *pod_id) {
  Runtime__V1__StopPodSandboxRequest sreq = RUNTIME__V1__STOP_POD_SANDBOX_REQUEST__INIT;
  sreq.pod_sandbox_id = (char *)pod_id;
  Runtime__V1__RemovePodSandboxRequest rreq = RUNTIME__V1__REMOVE_POD_SANDBOX_REQUEST__INIT;
  rreq.pod_sandbox_id = (char *)pod_id;
  int rc;
  if ((rc = CRI_CALL(c, ctrt__cricall_remove_runtime_stop_pod_sandbox(), &sreq, NULL)) < 0)
    return rc;
  return CRI_CALL(c, ctrt__cricall_remove_runtime_remove_pod_sandbox(), &rreq, NULL);
}

/* A name CRI accepts for pods and containers, unique per managed id. */
static char *cri_name(const ctrt_container_id *id) {
  char *name = ctrt__sprintf("zlayer-%s-%" PRIu32 "-%016" PRIx64, id->service, id->replica, id->node_id);
  for (char *p = name; p && *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
      *p = '-';
  return name;
}

/* ---- create ---- */

/* The pieces of a create, kept alive until the requests are packed. */
typedef struct create_ctx {
  Runtime__V1__PodSandboxMetadata pod_meta;
  Runtime__V1__PodSandboxConfig pod;
  Runtime__V1__DNSConfig dns;
  Runtime__V1__NamespaceOption ns;
  Runtime__V1__LinuxSandboxSecurityContext pod_sec;
  Runtime__V1__LinuxPodSandboxConfig pod_linux;
  Runtime__V1__PodSandboxConfig__LabelsEntry pod_label;
  Runtime__V1__PodSandboxConfig__LabelsEntry *pod_labels[1];

  Runtime__V1__ContainerMetadata meta;
  Runtime__V1__ImageSpec image;
  Runtime__V1__ContainerConfig config;
  Runtime__V1__KeyValue *envs;
  Runtime__V1__KeyValue **env_ptrs;
  Runtime__V1__Mount *mounts;
  Runtime__V1__Mount **mount_ptrs;
  Runtime__V1__ContainerConfig__LabelsEntry *labels;
  Runtime__V1__ContainerConfig__LabelsEntry **label_ptrs;
  Runtime__V1__LinuxContainerResources res;
  Runtime__V1__Capability caps;
  Runtime__V1__Int64Value uid, gid;
  Runtime__V1__LinuxContainerSecurityContext sec;
  Runtime__V1__LinuxContainerConfig linux_;
  char **env_texts; /* "KEY" halves split off "KEY=VALUE" */
  char *log_dir;
  char *name;
  char *display;
  Runtime__V1__ContainerConfig__AnnotationsEntry ports_entry;
  Runtime__V1__ContainerConfig__AnnotationsEntry pids_entry;
  char pids_text[24];
  Runtime__V1__ContainerConfig__AnnotationsEntry *annotations[2];
  char *ports_text;
} create_ctx;

static void create_ctx_clear(create_ctx *x) {
  if (x->env_texts)
    for (size_t i = 0; i < x->config.n_envs; i++)
      ctrt__free(x->env_texts[i]);
  ctrt__free(x->env_texts);
  ctrt__free(x->envs);
  ctrt__free(x->env_ptrs);
  ctrt__free(x->mounts);
  ctrt__free(x->mount_ptrs);
  ctrt__free(x->labels);
  ctrt__free(x->label_ptrs);
  ctrt__free(x->log_dir);
  ctrt__free(x->name);
  ctrt__free(x->display);
  ctrt__free(x->ports_text);
}

/* Published ports: no CNI portmap here (it needs iptables), so a pod that
 * publishes runs in the host's network namespace, where the container's
 * port is the host's port on every address. A mapping to another host port
 * or one host address cannot be honoured and is refused. The mappings are
 * kept in this annotation ("8080/tcp 5353/udp") for port_mappings_container
 * and inspect_detailed. */
#define PORTS_ANNOTATION "io.ctrt.ports"
/* The spec's pids limit (CRI has no field for it), see set_pids_limit. */
#define PIDS_ANNOTATION "io.ctrt.pids-limit"

static int ports_text(const ctrt_service_spec *spec, char **out) {
  *out = ctrt__strdup("");
  for (size_t i = 0; *out && i < spec->n_port_mappings; i++) {
    const ctrt_port_mapping *m = &spec->port_mappings[i];
    if (m->has_host_port && m->host_port != m->container_port)
      return ctrt__error_invalid_spec("create_container: port %u cannot be published on host port %u: without CNI's "
                                      "portmap plugin (iptables) the pod publishes from the host network, where the "
                                      "host port is the container port",
                                      m->container_port, m->host_port);
    if (m->host_ip && m->host_ip[0] && strcmp(m->host_ip, "0.0.0.0") != 0)
      return ctrt__error_invalid_spec("create_container: port %u cannot be bound to %s alone: a pod on the host "
                                      "network is reached on every host address",
                                      m->container_port, m->host_ip);
    char *next =
        ctrt__sprintf("%s%s%u/%s", *out, i ? " " : "", m->container_port, ctrt_port_protocol_to_string(m->protocol));
    ctrt__free(*out);
    *out = next;
  }
  return *out ? 0 : ctrt__error_no_memory();
}

/* The mappings create kept on the container (see PORTS_ANNOTATION). */
static int ports_of(const Runtime__V1__ContainerStatusResponse *st, ctrt_port_mapping **out, size_t *n) {
  *out = NULL;
  *n = 0;
  const char *text = NULL;
  for (size_t i = 0; st->status && i < st->status->n_annotations; i++)
    if (strcmp(st->status->annotations[i]->key, PORTS_ANNOTATION) == 0)
      text = st->status->annotations[i]->value;
  if (text == NULL || text[0] == '\0')
    return 0;
  size_t cap = 1;
  for (const char *p = text; *p; p++)
    cap += *p == ' ';
  *out = ctrt__calloc(cap, sizeof **out);
  CTRT__CHECK_ALLOC(*out);
  for (const char *p = text; *p && *n < cap;) {
    /* "8080/tcp": strtoul, since sscanf's %u overflows silently. */
    char proto[16] = "";
    char *end = NULL;
    unsigned long port = *p >= '0' && *p <= '9' ? strtoul(p, &end, 10) : 0;
    if (port == 0 || port > 65535 || *end != '/')
      break;
    size_t proto_len = strspn(end + 1, "abcdefghijklmnopqrstuvwxyz");
    if (proto_len == 0 || proto_len >= sizeof proto)
      break;
    memcpy(proto, end + 1, proto_len);
    size_t used = (size_t)(end + 1 - p) + proto_len;
    ctrt_port_mapping *m = &(*out)[(*n)++];
    *m = (ctrt_port_mapping)CTRT_PORT_MAPPING_INIT;
    m->container_port = m->host_port = (uint16_t)port;
    m->has_host_port = true;
    if (ctrt_port_protocol_from_string(&m->protocol, proto) < 0 || (m->host_ip = ctrt__strdup("0.0.0.0")) == NULL) {
      for (size_t i = 0; i < *n; i++)
        ctrt_port_mapping_clear(&(*out)[i]);
      ctrt__free(*out);
      *out = NULL;
      *n = 0;
      return ctrt_error_last()->kind == CTRT_ERROR_NONE ? ctrt__error_no_memory() : ctrt__error_code();
    }
    p += used;
    p += strspn(p, " ");
  }
  return 0;
}

static bool all_digits(const char *s, size_t n) {
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

/* The ServiceSpec in CRI terms. */
static int build_create(cri *c, create_ctx *x, const ctrt_container_id *id, const ctrt_service_spec *spec) {
  x->name = cri_name(id);
  x->display = ctrt__cri_display_of(id);
  x->log_dir = x->name ? ctrt__sprintf("%s/%s", c->log_dir, x->name) : NULL;
  if (x->name == NULL || x->display == NULL || x->log_dir == NULL)
    return ctrt__error_no_memory();

  /* The pod: labelled, host or CNI network, PID namespace per container. */
  x->pod_meta = (Runtime__V1__PodSandboxMetadata)RUNTIME__V1__POD_SANDBOX_METADATA__INIT;
  x->pod_meta.name = x->name;
  x->pod_meta.uid = x->name;
  x->pod_meta.namespace_ = POD_NAMESPACE;
  x->pod_label = (Runtime__V1__PodSandboxConfig__LabelsEntry)RUNTIME__V1__POD_SANDBOX_CONFIG__LABELS_ENTRY__INIT;
  x->pod_label.key = c->label_key;
  x->pod_label.value = x->display;
  x->pod_labels[0] = &x->pod_label;
  x->ns = (Runtime__V1__NamespaceOption)RUNTIME__V1__NAMESPACE_OPTION__INIT;
  bool node = spec->host_network || c->node_network || spec->n_port_mappings > 0;
  x->ns.network = node ? RUNTIME__V1__NAMESPACE_MODE__NODE : RUNTIME__V1__NAMESPACE_MODE__POD;
  x->ns.pid = RUNTIME__V1__NAMESPACE_MODE__CONTAINER;
  x->pod_sec = (Runtime__V1__LinuxSandboxSecurityContext)RUNTIME__V1__LINUX_SANDBOX_SECURITY_CONTEXT__INIT;
  x->pod_sec.namespace_options = &x->ns;
  x->pod_sec.privileged = spec->privileged;
  x->pod_linux = (Runtime__V1__LinuxPodSandboxConfig)RUNTIME__V1__LINUX_POD_SANDBOX_CONFIG__INIT;
  x->pod_linux.security_context = &x->pod_sec;
  if (c->cgroup_parent)
    x->pod_linux.cgroup_parent = c->cgroup_parent;
  x->dns = (Runtime__V1__DNSConfig)RUNTIME__V1__DNSCONFIG__INIT;
  x->dns.n_servers = spec->n_dns;
  x->dns.servers = spec->dns;
  x->pod = (Runtime__V1__PodSandboxConfig)RUNTIME__V1__POD_SANDBOX_CONFIG__INIT;
  x->pod.metadata = &x->pod_meta;
  /* Host network shares the host's UTS namespace: runc refuses a hostname. */
  x->pod.hostname = node ? "" : x->name;
  x->pod.log_directory = x->log_dir;
  if (spec->n_dns > 0)
    x->pod.dns_config = &x->dns;
  x->pod.n_labels = 1;
  x->pod.labels = x->pod_labels;
  x->pod.linux = &x->pod_linux;

  /* The container. */
  x->meta = (Runtime__V1__ContainerMetadata)RUNTIME__V1__CONTAINER_METADATA__INIT;
  x->meta.name = x->name;
  x->image = (Runtime__V1__ImageSpec)RUNTIME__V1__IMAGE_SPEC__INIT;
  x->image.image = spec->image.name;
  x->config = (Runtime__V1__ContainerConfig)RUNTIME__V1__CONTAINER_CONFIG__INIT;
  x->config.metadata = &x->meta;
  x->config.image = &x->image;
  if (spec->command) {
    if (spec->command->has_entrypoint) {
      x->config.n_command = spec->command->n_entrypoint;
      x->config.command = spec->command->entrypoint;
    }
    if (spec->command->has_args) {
      x->config.n_args = spec->command->n_args;
      x->config.args = spec->command->args;
    }
    if (spec->command->workdir)
      x->config.working_dir = spec->command->workdir;
  }
  x->config.log_path = "container.log";
  x->config.tty = spec->tty;
  x->config.stdin = spec->stdin_open;
  /* The end of write_stdin's attach stream closes the process's stdin
   * (close_stdin, cri_exec.c). */
  x->config.stdin_once = spec->stdin_open;

  x->envs = ctrt__calloc(spec->n_env + 1, sizeof *x->envs);
  x->env_ptrs = ctrt__calloc(spec->n_env + 1, sizeof *x->env_ptrs);
  x->env_texts = ctrt__calloc(spec->n_env + 1, sizeof *x->env_texts);
  x->mounts = ctrt__calloc(spec->n_mounts + 1, sizeof *x->mounts);
  x->mount_ptrs = ctrt__calloc(spec->n_mounts + 1, sizeof *x->mount_ptrs);
  x->labels = ctrt__calloc(spec->n_labels + 1, sizeof *x->labels);
  x->label_ptrs = ctrt__calloc(spec->n_labels + 1, sizeof *x->label_ptrs);
  if (!x->envs || !x->env_ptrs || !x->env_texts || !x->mounts || !x->mount_ptrs || !x->labels || !x->label_ptrs)
    return ctrt__error_no_memory();
  for (size_t i = 0; i < spec->n_env; i++) {
    x->envs[i] = (Runtime__V1__KeyValue)RUNTIME__V1__KEY_VALUE__INIT;
    x->envs[i].key = spec->env[i].key;
    x->envs[i].value = spec->env[i].value ? spec->env[i].value : "";
    x->env_ptrs[i] = &x->envs[i];
  }
  x->config.n_envs = spec->n_env;
  x->config.envs = x->env_ptrs;
  for (size_t i = 0; i < spec->n_mounts; i++) {
    x->mounts[i] = (Runtime__V1__Mount)RUNTIME__V1__MOUNT__INIT;
    x->mounts[i].host_path = spec->mounts[i].source;
    x->mounts[i].container_path = spec->mounts[i].target;
    x->mounts[i].readonly = spec->mounts[i].read_only;
    x->mount_ptrs[i] = &x->mounts[i];
  }
  x->config.n_mounts = spec->n_mounts;
  x->config.mounts = x->mount_ptrs;
  /* The managed label last, so a spec label of the same key cannot hide it. */
  size_t nl = 0;
  for (size_t i = 0; i < spec->n_labels; i++) {
    if (strcmp(spec->labels[i].key, c->label_key) == 0)
      continue;
    x->labels[nl] = (Runtime__V1__ContainerConfig__LabelsEntry)RUNTIME__V1__CONTAINER_CONFIG__LABELS_ENTRY__INIT;
    x->labels[nl].key = spec->labels[i].key;
    x->labels[nl].value = spec->labels[i].value ? spec->labels[i].value : "";
    x->label_ptrs[nl] = &x->labels[nl];
    nl++;
  }
  x->labels[nl] = (Runtime__V1__ContainerConfig__LabelsEntry)RUNTIME__V1__CONTAINER_CONFIG__LABELS_ENTRY__INIT;
  x->labels[nl].key = c->label_key;
  x->labels[nl].value = x->display;
  x->label_ptrs[nl] = &x->labels[nl];
  x->config.n_labels = nl + 1;
  x->config.labels = x->label_ptrs;
  if (spec->n_port_mappings > 0) {
    int rc = ports_text(spec, &x->ports_text);
    if (rc < 0)
      return rc;
    x->ports_entry =
        (Runtime__V1__ContainerConfig__AnnotationsEntry)RUNTIME__V1__CONTAINER_CONFIG__ANNOTATIONS_ENTRY__INIT;
    x->ports_entry.key = PORTS_ANNOTATION;
    x->ports_entry.value = x->ports_text;
    x->annotations[x->config.n_annotations++] = &x->ports_entry;
    x->config.annotations = x->annotations;
  }
  /* CRI has no pids limit: kept here, applied natively at each start. */
  if (spec->resources && spec->resources->has_pids_limit && spec->resources->pids_limit > 0 &&
      c->containerd_version != NULL) {
    snprintf(x->pids_text, sizeof x->pids_text, "%lld", (long long)spec->resources->pids_limit);
    x->pids_entry =
        (Runtime__V1__ContainerConfig__AnnotationsEntry)RUNTIME__V1__CONTAINER_CONFIG__ANNOTATIONS_ENTRY__INIT;
    x->pids_entry.key = PIDS_ANNOTATION;
    x->pids_entry.value = x->pids_text;
    x->annotations[x->config.n_annotations++] = &x->pids_entry;
    x->config.annotations = x->annotations;
  }

  x->res = (Runtime__V1__LinuxContainerResources)RUNTIME__V1__LINUX_CONTAINER_RESOURCES__INIT;
  bool has_res = false;
  if (spec->resources && spec->resources->has_cpu && spec->resources->cpu > 0) {
    x->res.cpu_period = 100000;
    x->res.cpu_quota = (int64_t)(spec->resources->cpu * 100000.0 + 0.5);
    has_res = true;
  }
  if (spec->resources && spec->resources->has_memory) {
    x->res.memory_limit_in_bytes = (int64_t)spec->resources->memory;
    has_res = true;
  }
  x->caps = (Runtime__V1__Capability)RUNTIME__V1__CAPABILITY__INIT;
  x->caps.n_add_capabilities = spec->n_capabilities;
  x->caps.add_capabilities = spec->capabilities;
  x->caps.n_drop_capabilities = spec->n_cap_drop;
  x->caps.drop_capabilities = spec->cap_drop;
  x->sec = (Runtime__V1__LinuxContainerSecurityContext)RUNTIME__V1__LINUX_CONTAINER_SECURITY_CONTEXT__INIT;
  x->sec.capabilities = &x->caps;
  x->sec.privileged = spec->privileged;
  x->sec.namespace_options = &x->ns;
  if (spec->user && spec->user[0]) {
    /* "uid", "uid:gid" or a user name (group names have no CRI field). */
    const char *colon = strchr(spec->user, ':');
    size_t ulen = colon ? (size_t)(colon - spec->user) : strlen(spec->user);
    if (all_digits(spec->user, ulen)) {
      x->uid = (Runtime__V1__Int64Value)RUNTIME__V1__INT64_VALUE__INIT;
      x->uid.value = strtoll(spec->user, NULL, 10);
      x->sec.run_as_user = &x->uid;
      if (colon && all_digits(colon + 1, strlen(colon + 1))) {
        x->gid = (Runtime__V1__Int64Value)RUNTIME__V1__INT64_VALUE__INIT;
        x->gid.value = strtoll(colon + 1, NULL, 10);
        x->sec.run_as_group = &x->gid;
      } else if (colon) {
        return ctrt__error_invalid_spec("user %s: CRI takes a numeric group only", spec->user);
      }
    } else if (colon) {
      return ctrt__error_invalid_spec("user %s: CRI takes a user name without a group", spec->user);
    } else {
      x->sec.run_as_username = spec->user;
    }
  }
  x->linux_ = (Runtime__V1__LinuxContainerConfig)RUNTIME__V1__LINUX_CONTAINER_CONFIG__INIT;
  x->linux_.security_context = &x->sec;
  if (has_res)
    x->linux_.resources = &x->res;
  x->config.linux = &x->linux_;
  return 0;
}

static int mkdir_p(const char *path) {
  char *copy = ctrt__strdup(path);
  CTRT__CHECK_ALLOC(copy);
  for (char *p = copy + 1; *p; p++) {
    if (*p == '/') {
      *p = '\0';
      mkdir(copy, 0755);
      *p = '/';
    }
  }
  int rc = 0;
  if (mkdir(copy, 0755) != 0 && errno != EEXIST)
    rc = ctrt__error_configuration("cannot create the pod log directory %s: %s", copy, strerror(errno));
  ctrt__free(copy);
  return rc;
}

static int cri_pull_image_with_policy(void *self, const char *image, ctrt_pull_policy policy,
                                      const ctrt_registry_auth *auth, ctrt_source_policy source_policy);

static int cri_create_container(void *self, const ctrt_container_id *id, const ctrt_service_spec *spec) {
  cri *c = self;
  found f;
  int rc = ctrt__cri_find(c, id, &f, true, "create_container");
  if (rc < 0)
    return rc;
  if (f.container_id != NULL) {
    ctrt__cri_found_clear(&f);
    char *display = ctrt__cri_display_of(id);
    rc = ctrt__error_conflict("create_container: container %s already exists", display ? display : "?");
    ctrt__free(display);
    return rc;
  }
  create_ctx x;
  memset(&x, 0, sizeof x);
  Runtime__V1__RunPodSandboxRequest preq = RUNTIME__V1__RUN_POD_SANDBOX_REQUEST__INIT;
  preq.config = &x.pod;
  Runtime__V1__RunPodSandboxResponse *pod = NULL;
  Runtime__V1__CreateContainerRequest creq = RUNTIME__V1__CREATE_CONTAINER_REQUEST__INIT;
  Runtime__V1__CreateContainerResponse *created = NULL;
  if ((rc = build_create(c, &x, id, spec)) < 0)
    goto done;
  /* The pull policy, once the spec is known to be one the engine takes;
   * its failure has a message of its own (not wrapped below). */
  if (cri_pull_image_with_policy(c, spec->image.name, spec->image.pull_policy, NULL, CTRT_SOURCE_POLICY_LOCAL_FIRST) <
      0) {
    create_ctx_clear(&x);
    return ctrt__error_wrap_create_pull(spec->image.name, ctrt_pull_policy_to_string(spec->image.pull_policy));
  }
  if ((rc = mkdir_p(x.log_dir)) < 0 ||
      (rc = CRI_CALL(c, ctrt__cricall_create_container_runtime_run_pod_sandbox(), &preq, &pod)) < 0)
    goto done;
  creq.pod_sandbox_id = pod->pod_sandbox_id;
  creq.config = &x.config;
  creq.sandbox_config = &x.pod;
  rc = CRI_CALL(c, ctrt__cricall_create_container_runtime_create_container(), &creq, &created);
  ctrt__cri_unpacked_free(created);
  if (rc < 0) {
    /* No pod without its container; keep the create's error. */
    ctrt_error saved = *ctrt_error_last();
    char message[CTRT__ERROR_MESSAGE_MAX];
    snprintf(message, sizeof message, "%s", saved.message);
    remove_pod(c, pod->pod_sandbox_id);
    rc = ctrt__error_set(saved.kind, saved.http_status, "%s", message);
  }
done:
  ctrt__cri_unpacked_free(pod);
  create_ctx_clear(&x);
  if (rc < 0)
    return ctrt__error_wrap("create_container");
  return 0;
}

/* ---- lifecycle ---- */

/* The task's pids limit through containerd's Tasks.Update (runc update
 * with an OCI LinuxResources of pids only: runc leaves the zero values of
 * the other resources unchanged). CRI's LinuxContainerResources has no
 * pids field (cri-api v0.25). */
static int set_pids_limit(cri *c, const char *container_id, int64_t limit) {
  char json[64];
  snprintf(json, sizeof json, "{\"pids\":{\"limit\":%lld}}", (long long)limit);
  Ctrt__Containerd__Any any = CTRT__CONTAINERD__ANY__INIT;
  any.type_url = "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources";
  any.value.data = (uint8_t *)json;
  any.value.len = strlen(json);
  Ctrt__Containerd__UpdateTaskRequest req = CTRT__CONTAINERD__UPDATE_TASK_REQUEST__INIT;
  req.container_id = (char *)container_id;
  req.resources = &any;
  return CRI_CALL(c, ctrt__cricall_pids_limit_tasks_update(), &req, NULL);
}

/* The pids limit create kept (PIDS_ANNOTATION), 0 when none. */
static int64_t pids_annotation(const Runtime__V1__ContainerStatusResponse *st) {
  for (size_t i = 0; st->status && i < st->status->n_annotations; i++)
    if (strcmp(st->status->annotations[i]->key, PIDS_ANNOTATION) == 0)
      return strtoll(st->status->annotations[i]->value, NULL, 10);
  return 0;
}

static int cri_start_container(void *self, const ctrt_container_id *id) {
  cri *c = self;
  found f;
  Runtime__V1__ContainerStatusResponse *st = NULL;
  int rc = ctrt__cri_find_status(c, id, "start_container", &f, &st);
  if (rc < 0)
    return rc;
  bool running = ctrt__cri_is_running(st);
  /* An exited container starts again as a new task of containerd's
   * (CRI: "container is in CONTAINER_EXITED state"). */
  bool again = !running && c->containerd_version != NULL && cri_exited(st);
  int64_t pids_limit = pids_annotation(st);
  char *log_path = again && st->status->log_path ? ctrt__strdup(st->status->log_path) : NULL;
  ctrt__cri_unpacked_free(st);
  if (again) {
    rc = ctrt__cri_task_restart(c, f.container_id, log_path);
    goto done;
  }
  if (running)
    goto done;
  Runtime__V1__StartContainerRequest req = RUNTIME__V1__START_CONTAINER_REQUEST__INIT;
  req.container_id = f.container_id;
  if ((rc = CRI_CALL(c, ctrt__cricall_start_container_runtime_start_container(), &req, NULL)) < 0) {
    /* The runtime refused to run the process (a missing binary...). */
    if (ctrt_error_last()->kind == CTRT_ERROR_INTERNAL) {
      char message[CTRT__ERROR_MESSAGE_MAX];
      snprintf(message, sizeof message, "%s", ctrt_error_last()->message);
      rc = ctrt__error_start_failed(f.container_id, message);
    }
    goto done;
  }
  /* Just after the process started (CRI creates the task there); a
   * process that already ended has no task left to limit. */
  if (pids_limit > 0 && set_pids_limit(c, f.container_id, pids_limit) < 0) {
    if (ctrt_error_last()->kind == CTRT_ERROR_NOT_FOUND)
      ctrt_error_clear();
    else
      rc = ctrt__error_code();
  }
done:
  ctrt__free(log_path);
  ctrt__cri_found_clear(&f);
  return rc < 0 ? ctrt__error_wrap("start_container") : 0;
}

static int cri_stop_container(void *self, const ctrt_container_id *id, uint32_t timeout) {
  cri *c = self;
  found f;
  int rc = ctrt__cri_find(c, id, &f, false, "stop_container");
  if (rc < 0)
    return rc;
  Runtime__V1__StopContainerRequest req = RUNTIME__V1__STOP_CONTAINER_REQUEST__INIT;
  req.container_id = f.container_id;
  req.timeout = timeout;
  Runtime__V1__ContainerStatusResponse *st = NULL;
  if ((rc = ctrt__cri_call(c, ctrt__cricall_stop_container_runtime_stop_container(),
                           c->deadline_ms + (long)timeout * 1000, &req.base, NULL)) < 0)
    goto done;
  /* CRI's StopContainer does nothing to an exited container: a task
   * start_container made for it again is stopped natively. */
  if (c->containerd_version == NULL || (rc = status_raw(c, &f, false, &st)) < 0)
    goto done;
  if (cri_exited(st))
    rc = ctrt__cri_task_stop(c, f.container_id, timeout);
done:
  ctrt__cri_unpacked_free(st);
  ctrt__cri_found_clear(&f);
  return rc < 0 ? ctrt__error_wrap("stop_container") : 0;
}

static int signal_number(const char *name) {
  static const struct {
    const char *name;
    int number;
  } table[] = {{"SIGKILL", SIGKILL}, {"SIGTERM", SIGTERM}, {"SIGINT", SIGINT},
               {"SIGHUP", SIGHUP},   {"SIGUSR1", SIGUSR1}, {"SIGUSR2", SIGUSR2}};
  for (size_t i = 0; i < sizeof table / sizeof *table; i++)
    if (strcmp(name, table[i].name) == 0)
      return table[i].number;
  return -1;
}

static int cri_kill_container(void *self, const ctrt_container_id *id, const char *signal) {
  cri *c = self;
  int number = signal_number(signal);
  if (number < 0)
    return ctrt__error_invalid_spec("kill_container: unsupported signal %s", signal);
  found f;
  Runtime__V1__ContainerStatusResponse *st = NULL;
  int rc = ctrt__cri_find_status(c, id, "kill_container", &f, &st);
  if (rc < 0)
    return rc;
  bool running = ctrt__cri_is_running(st);
  ctrt__cri_unpacked_free(st);
  if (!running) {
    rc = ctrt__error_conflict("container is not running");
    goto done;
  }
  if (c->containerd_version != NULL) {
    /* containerd's Tasks.Kill: any signal, on CRI's own container id. */
    Ctrt__Containerd__KillRequest req = CTRT__CONTAINERD__KILL_REQUEST__INIT;
    req.container_id = f.container_id;
    req.signal = (uint32_t)number;
    rc = CRI_CALL(c, ctrt__cricall_kill_container_tasks_kill(), &req, NULL);
  } else if (number == SIGKILL) {
    /* CRI alone: StopContainer with no grace period is a SIGKILL. */
    Runtime__V1__StopContainerRequest req = RUNTIME__V1__STOP_CONTAINER_REQUEST__INIT;
    req.container_id = f.container_id;
    rc = CRI_CALL(c, ctrt__cricall_kill_container_runtime_stop_container(), &req, NULL);
  } else {
    rc = ctrt__error_unsupported("kill_container");
    ctrt__error_wrap("CRI has no signal delivery and %s serves no containerd API (%s)", c->runtime_name, signal);
  }
done:
  ctrt__cri_found_clear(&f);
  return rc < 0 ? ctrt__error_wrap("kill_container") : 0;
}

/* containerd's Tasks.Pause / Tasks.Resume (freezer cgroup); CRI has
 * neither. CRI keeps reporting RUNNING while the task is paused. */
static int pause_resume(cri *c, const ctrt_container_id *id, bool pause, const char *method) {
  if (c->containerd_version == NULL) {
    int rc = ctrt__error_unsupported(method);
    ctrt__error_wrap("CRI has no pause and %s serves no containerd API", c->runtime_name);
    return rc;
  }
  found f;
  int rc = ctrt__cri_find(c, id, &f, false, method);
  if (rc < 0)
    return rc;
  Ctrt__Containerd__PauseTaskRequest preq = CTRT__CONTAINERD__PAUSE_TASK_REQUEST__INIT;
  Ctrt__Containerd__ResumeTaskRequest rreq = CTRT__CONTAINERD__RESUME_TASK_REQUEST__INIT;
  preq.container_id = rreq.container_id = f.container_id;
  rc = ctrt__cri_call(
      c, pause ? ctrt__cricall_pause_container_tasks_pause() : ctrt__cricall_unpause_container_tasks_resume(),
      c->deadline_ms, pause ? &preq.base : &rreq.base, NULL);
  /* The container exists (found above) but has no task: not running
   * (1.6.20: NOT_FOUND "no running task found: task ID not found"). */
  if (rc < 0 && ctrt_error_last()->kind == CTRT_ERROR_NOT_FOUND)
    rc = ctrt__error_conflict("container %s is not running", f.container_id);
  ctrt__cri_found_clear(&f);
  return rc < 0 ? ctrt__error_wrap("%s", method) : 0;
}

static int cri_pause_container(void *self, const ctrt_container_id *id) {
  return pause_resume(self, id, true, "pause_container");
}

static int cri_unpause_container(void *self, const ctrt_container_id *id) {
  return pause_resume(self, id, false, "unpause_container");
}

/* Removes f's container and its pod, then the log file CRI leaves behind
 * (cri-notes.md: the client deletes it); id NULL keeps the log file. */
static int remove_found(cri *c, const found *f, const ctrt_container_id *id) {
  /* A task start_container made natively for an exited container: CRI's
   * delete of the container fails while it exists. */
  Runtime__V1__ContainerStatusResponse *st = NULL;
  Runtime__V1__RemoveContainerRequest req = RUNTIME__V1__REMOVE_CONTAINER_REQUEST__INIT;
  req.container_id = f->container_id;
  int rc = 0;
  if (c->containerd_version != NULL) {
    if ((rc = status_raw(c, f, false, &st)) < 0 ||
        (cri_exited(st) && (rc = ctrt__cri_task_remove(c, f->container_id)) < 0))
      goto done;
  }
  /* RemoveContainer stops a running container first (containerd and CRI-O). */
  if ((rc = CRI_CALL(c, ctrt__cricall_remove_runtime_remove_container(), &req, NULL)) < 0 ||
      (rc = remove_pod(c, f->pod_id)) < 0)
    goto done;
  if (id != NULL) {
    char *name = cri_name(id);
    char *file = name ? ctrt__sprintf("%s/%s/container.log", c->log_dir, name) : NULL;
    char *dir = name ? ctrt__sprintf("%s/%s", c->log_dir, name) : NULL;
    if (file)
      unlink(file);
    ctrt__cri_restart_files_remove(file);
    if (dir)
      rmdir(dir);
    ctrt__free(name);
    ctrt__free(file);
    ctrt__free(dir);
  }
done:
  ctrt__cri_unpacked_free(st);
  return rc;
}

static int cri_remove_container(void *self, const ctrt_container_id *id) {
  cri *c = self;
  found f;
  int rc = ctrt__cri_find(c, id, &f, false, "remove_container");
  if (rc < 0)
    return rc;
  rc = remove_found(c, &f, id);
  ctrt__cri_found_clear(&f);
  if (rc < 0)
    return ctrt__error_wrap("remove_container");
  ctrt__cri_adopted_drop(c, id);
  return 0;
}

/* Every container of the engine (ListContainers without a filter). */
static int list_all(cri *c, Runtime__V1__ListContainersResponse **resp, const char *method) {
  Runtime__V1__ListContainersRequest req = RUNTIME__V1__LIST_CONTAINERS_REQUEST__INIT;
  int rc = CRI_CALL(c, ctrt__cricall_lookup_runtime_list_containers(), &req, resp);
  return rc < 0 ? ctrt__error_wrap("%s", method) : 0;
}

/* The managed id a container is labelled with (display form), or NULL. */
const char *ctrt__cri_managed_value(const cri *c, const Runtime__V1__Container *ct) {
  for (size_t k = 0; k < ct->n_labels; k++)
    if (strcmp(ct->labels[k]->key, c->label_key) == 0)
      return ct->labels[k]->value;
  return NULL;
}

/* Docker's prune removes every stopped container; here only the managed
 * ones (carrying the managed label), since a CRI engine is usually shared
 * with a kubelet whose containers are not ours to remove. Created ones are
 * stopped too, as in Docker. CRI reports no reclaimed space. */
static int cri_prune_containers(void *self, ctrt_container_prune_result **out) {
  cri *c = self;
  Runtime__V1__ListContainersResponse *resp = NULL;
  int rc = list_all(c, &resp, "prune_containers");
  if (rc < 0)
    return rc;
  ctrt_container_prune_result *r = NULL;
  if ((r = ctrt__calloc(1, sizeof *r)) == NULL ||
      (r->deleted = ctrt__calloc(resp->n_containers + 1, sizeof *r->deleted)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  for (size_t i = 0; i < resp->n_containers; i++) {
    Runtime__V1__Container *ct = resp->containers[i];
    const char *display = ctrt__cri_managed_value(c, ct);
    if (display == NULL || ct->state == RUNTIME__V1__CONTAINER_STATE__CONTAINER_RUNNING ||
        ct->state == RUNTIME__V1__CONTAINER_STATE__CONTAINER_UNKNOWN)
      continue;
    ctrt_container_id *id = NULL;
    if (ctrt_container_id_parse(&id, display) < 0)
      ctrt_error_clear(); /* not ctrt's label format: remove, keep its log */
    found f = {.container_id = ct->id, .pod_id = ct->pod_sandbox_id};
    rc = remove_found(c, &f, id);
    ctrt_container_id_free(id);
    /* Removed meanwhile by someone else: not ours to report. */
    if (rc < 0 && ctrt_error_last()->kind == CTRT_ERROR_NOT_FOUND) {
      ctrt_error_clear();
      rc = 0;
      continue;
    }
    if (rc < 0)
      goto done;
    if ((r->deleted[r->n_deleted++] = ctrt__strdup(ct->id)) == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
  }
done:
  ctrt__cri_unpacked_free(resp);
  if (rc < 0) {
    ctrt_container_prune_result_free(r);
    return ctrt__error_wrap("prune_containers");
  }
  *out = r;
  return 0;
}

static int cri_container_state(void *self, ctrt_container_state **out, const ctrt_container_id *id) {
  cri *c = self;
  found f;
  int rc = ctrt__cri_find(c, id, &f, false, "container_state");
  if (rc < 0)
    return rc;
  Runtime__V1__ContainerStatusResponse *st = NULL;
  rc = ctrt__cri_status_of(c, &f, false, &st);
  ctrt__cri_found_clear(&f);
  if (rc < 0)
    return ctrt__error_wrap("container_state");
  ctrt_container_state *s = ctrt__calloc(1, sizeof *s);
  if (s == NULL) {
    ctrt__cri_unpacked_free(st);
    return ctrt__error_no_memory();
  }
  switch (st->status ? st->status->state : RUNTIME__V1__CONTAINER_STATE__CONTAINER_UNKNOWN) {
  case RUNTIME__V1__CONTAINER_STATE__CONTAINER_CREATED:
    s->kind = CTRT_CONTAINER_STATE_PENDING;
    break;
  case RUNTIME__V1__CONTAINER_STATE__CONTAINER_RUNNING:
    s->kind = CTRT_CONTAINER_STATE_RUNNING;
    break;
  case RUNTIME__V1__CONTAINER_STATE__CONTAINER_EXITED:
    /* A failed StartContainer leaves the container EXITED with reason
     * StartError, exit code 128 and no start time (containerd 1.6.20): it
     * never ran, which the interface calls created, as Docker does. */
    if (st->status->started_at == 0) {
      s->kind = CTRT_CONTAINER_STATE_PENDING;
      break;
    }
    s->kind = CTRT_CONTAINER_STATE_EXITED;
    s->exited.code = st->status->exit_code;
    break;
  default:
    s->kind = CTRT_CONTAINER_STATE_UNKNOWN;
    break;
  }
  ctrt__cri_unpacked_free(st);
  *out = s;
  return 0;
}

/* CRI has no wait: poll the status until the container is not running
 * (containerd's Tasks.Wait would race CRI's own task deletion at exit,
 * cri-notes.md). A created container that never ran ends the wait at once.
 * *st is the final status, or NULL for a created one. */
static int wait_status(cri *c, const ctrt_container_id *id, Runtime__V1__ContainerStatus **out,
                       Runtime__V1__ContainerStatusResponse **resp, const char *method) {
  *out = NULL;
  *resp = NULL;
  found f;
  int rc = ctrt__cri_find(c, id, &f, false, method);
  if (rc < 0)
    return rc;
  for (;;) {
    Runtime__V1__ContainerStatusResponse *st = NULL;
    rc = ctrt__cri_status_of(c, &f, false, &st);
    if (rc < 0)
      break;
    Runtime__V1__ContainerState state =
        st->status ? st->status->state : RUNTIME__V1__CONTAINER_STATE__CONTAINER_UNKNOWN;
    if (state == RUNTIME__V1__CONTAINER_STATE__CONTAINER_EXITED) {
      *out = st->status;
      *resp = st;
      break;
    }
    ctrt__cri_unpacked_free(st);
    if (state == RUNTIME__V1__CONTAINER_STATE__CONTAINER_CREATED)
      break;
    struct timespec ts = {0, WAIT_POLL_NS};
    nanosleep(&ts, NULL);
  }
  ctrt__cri_found_clear(&f);
  return rc < 0 ? ctrt__error_wrap("%s", method) : 0;
}

static int cri_wait_container(void *self, int32_t *out, const ctrt_container_id *id) {
  Runtime__V1__ContainerStatus *st;
  Runtime__V1__ContainerStatusResponse *resp;
  int rc;
  if ((rc = wait_status(self, id, &st, &resp, "wait_container")) < 0)
    return rc;
  *out = st ? st->exit_code : 0;
  ctrt__cri_unpacked_free(resp);
  return 0;
}

/* The outcome a final status says (NULL: a created container that never
 * ran, exit 0). */
static int outcome_of(ctrt_wait_outcome **out, const Runtime__V1__ContainerStatus *st) {
  ctrt_wait_outcome *o = ctrt__calloc(1, sizeof *o);
  CTRT__CHECK_ALLOC(o);
  int rc = 0;
  o->reason = CTRT_WAIT_REASON_EXITED;
  if (st != NULL) {
    o->exit_code = st->exit_code;
    /* CRI reports runc's 128+N for a process ended by signal N. */
    if (strcmp(st->reason, "OOMKilled") == 0) {
      o->reason = CTRT_WAIT_REASON_OOM_KILLED;
    } else if (st->exit_code > 128) {
      if ((rc = ctrt_signal_name_from_exit_code(&o->signal, st->exit_code)) < 0)
        goto done;
      o->reason = CTRT_WAIT_REASON_SIGNAL;
    }
    if (st->finished_at > 0) {
      o->has_finished_at = true;
      o->finished_at.seconds = st->finished_at / 1000000000;
      o->finished_at.nanos = (int32_t)(st->finished_at % 1000000000);
    }
  }
  *out = o;
  o = NULL;
done:
  ctrt_wait_outcome_free(o);
  return rc;
}

static int cri_wait_outcome(void *self, ctrt_wait_outcome **out, const ctrt_container_id *id) {
  Runtime__V1__ContainerStatus *st;
  Runtime__V1__ContainerStatusResponse *resp;
  int rc;
  if ((rc = wait_status(self, id, &st, &resp, "wait_outcome")) < 0)
    return rc;
  rc = outcome_of(out, st);
  ctrt__cri_unpacked_free(resp);
  return rc;
}

/* next-exit and removed by polling CRI's status (no events in CRI 1.6:
 * GetContainerEvents is UNIMPLEMENTED). next-exit waits for an exit after
 * the container was seen running, so an exited container's earlier exit
 * does not count; removed ends when the status is gone, with the last
 * status seen. */
static int cri_wait_outcome_with_condition(void *self, ctrt_wait_outcome **out, const ctrt_container_id *id,
                                           ctrt_wait_condition condition) {
  if (condition != CTRT_WAIT_CONDITION_NEXT_EXIT && condition != CTRT_WAIT_CONDITION_REMOVED)
    return cri_wait_outcome(self, out, id);
  cri *c = self;
  *out = NULL;
  found f;
  int rc = ctrt__cri_find(c, id, &f, false, "wait_outcome_with_condition");
  if (rc < 0)
    return rc;
  Runtime__V1__ContainerStatusResponse *last = NULL;
  bool seen_running = false, removed = false, first = true;
  /* An exit with another end time than the one seen first is a later
   * run's, even if its run was too short for a poll to see it running. */
  int64_t first_finished = 0;
  for (;;) {
    Runtime__V1__ContainerStatusResponse *st = NULL;
    rc = ctrt__cri_status_of(c, &f, false, &st);
    if (rc < 0) {
      removed = ctrt_error_last()->kind == CTRT_ERROR_NOT_FOUND;
      break;
    }
    ctrt__cri_unpacked_free(last);
    last = st;
    Runtime__V1__ContainerState state =
        st->status ? st->status->state : RUNTIME__V1__CONTAINER_STATE__CONTAINER_UNKNOWN;
    seen_running = seen_running || state == RUNTIME__V1__CONTAINER_STATE__CONTAINER_RUNNING;
    int64_t finished = st->status ? st->status->finished_at : 0;
    if (first)
      first_finished = finished;
    first = false;
    if (condition == CTRT_WAIT_CONDITION_NEXT_EXIT && state == RUNTIME__V1__CONTAINER_STATE__CONTAINER_EXITED &&
        (seen_running || finished != first_finished))
      break;
    struct timespec ts = {0, WAIT_POLL_NS};
    nanosleep(&ts, NULL);
  }
  if (removed && condition == CTRT_WAIT_CONDITION_REMOVED) {
    ctrt_error_clear();
    const Runtime__V1__ContainerStatus *st = last ? last->status : NULL;
    if (st != NULL && st->state == RUNTIME__V1__CONTAINER_STATE__CONTAINER_RUNNING) {
      /* Removed while running, between two polls: CRI RemoveContainer
       * stops a running container with no grace period, i.e. SIGKILL
       * (containerd 1.6.20: stopContainer(ctx, c, 0)), so the exit was
       * 128+9 although the status that said so was never seen. */
      if ((rc = outcome_of(out, NULL)) < 0)
        goto done;
      (*out)->exit_code = 137;
      rc = ctrt_signal_name_from_exit_code(&(*out)->signal, 137);
      (*out)->reason = CTRT_WAIT_REASON_SIGNAL;
    } else {
      rc = outcome_of(out, st && st->state == RUNTIME__V1__CONTAINER_STATE__CONTAINER_EXITED ? st : NULL);
    }
  } else if (rc < 0) {
    if (removed)
      ctrt__error_wrap("the container was removed before its next exit");
  } else {
    rc = outcome_of(out, last->status);
  }
done:
  ctrt__cri_unpacked_free(last);
  ctrt__cri_found_clear(&f);
  if (rc < 0) {
    if (*out) {
      ctrt_wait_outcome_free(*out);
      *out = NULL;
    }
    return ctrt__error_wrap("wait_outcome_with_condition");
  }
  return 0;
}

/* What of an update CRI's LinuxContainerResources cannot carry: applied
 * nowhere, so each one present is named in a warning of the outcome
 * (pids_applied: containerd's Tasks.Update took the pids limit). */
static int update_warnings(ctrt_container_update_outcome *o, const ctrt_container_resource_update *u,
                           bool pids_applied) {
  const struct {
    bool present;
    const char *text;
  } dropped[] = {
      {u->has_kernel_memory, "KernelMemory is deprecated and CRI has no field for it: not applied"},
      {u->has_pids_limit && !pids_applied, "PidsLimit not applied: CRI has no pids limit (and the container has no "
                                           "task for containerd's Tasks.Update)"},
      {u->has_blkio_weight, "BlkioWeight not applied: CRI has no block IO weight"},
      {u->has_memory_reservation, "MemoryReservation not applied: CRI has no memory reservation"},
      {u->has_cpu_realtime_period || u->has_cpu_realtime_runtime,
       "CPU realtime period and runtime not applied: CRI has no fields for them"},
  };
  size_t n = sizeof dropped / sizeof *dropped;
  o->warnings = ctrt__calloc(n + 1, sizeof *o->warnings);
  CTRT__CHECK_ALLOC(o->warnings);
  for (size_t i = 0; i < n; i++)
    if (dropped[i].present && (o->warnings[o->n_warnings++] = ctrt__strdup(dropped[i].text)) == NULL)
      return ctrt__error_no_memory();
  return 0;
}

/* CRI UpdateContainerResources: containerd applies the fields that are set
 * (non-zero) to the task's cgroup and keeps them in the container's spec,
 * so an exited container can be updated too. CRI has no restart policy
 * (restarting is the kubelet's job): an update that sets one is refused. */
static int cri_update_container_resources(void *self, ctrt_container_update_outcome **out, const ctrt_container_id *id,
                                          const ctrt_container_resource_update *u) {
  cri *c = self;
  const ctrt_container_restart_policy_update *policy = u->restart_policy;
  if (policy && policy->has_maximum_retry_count && policy->maximum_retry_count < 0)
    return ctrt__error_invalid_spec("update_container_resources: the maximum retry count %" PRId64 " is negative",
                                    policy->maximum_retry_count);
  found f;
  bool pids_applied = false;
  int rc = ctrt__cri_find(c, id, &f, false, "update_container_resources");
  if (rc < 0)
    return rc;
  if (policy != NULL) {
    ctrt__cri_found_clear(&f);
    return ctrt__error_invalid_spec("update_container_resources: CRI has no restart policy (the kubelet restarts "
                                    "containers); %s cannot keep one",
                                    c->runtime_name);
  }
  Runtime__V1__LinuxContainerResources res = RUNTIME__V1__LINUX_CONTAINER_RESOURCES__INIT;
  res.cpu_shares = u->has_cpu_shares ? u->cpu_shares : 0;
  res.cpu_period = u->has_cpu_period ? u->cpu_period : 0;
  res.cpu_quota = u->has_cpu_quota ? u->cpu_quota : 0;
  res.memory_limit_in_bytes = u->has_memory ? u->memory : 0;
  res.memory_swap_limit_in_bytes = u->has_memory_swap ? u->memory_swap : 0;
  res.cpuset_cpus = u->cpuset_cpus ? u->cpuset_cpus : "";
  res.cpuset_mems = u->cpuset_mems ? u->cpuset_mems : "";
  bool any = res.cpu_shares || res.cpu_period || res.cpu_quota || res.memory_limit_in_bytes ||
             res.memory_swap_limit_in_bytes || res.cpuset_cpus[0] || res.cpuset_mems[0];
  if (any) {
    Runtime__V1__UpdateContainerResourcesRequest req = RUNTIME__V1__UPDATE_CONTAINER_RESOURCES_REQUEST__INIT;
    req.container_id = f.container_id;
    req.linux = &res;
    if ((rc = CRI_CALL(c, ctrt__cricall_update_container_resources_runtime_update_container_resources(), &req, NULL)) <
        0)
      goto done;
  }
  /* The pids limit natively (containerd), on the running task. */
  if (u->has_pids_limit && c->containerd_version != NULL) {
    rc = set_pids_limit(c, f.container_id, u->pids_limit > 0 ? u->pids_limit : -1);
    pids_applied = rc == 0;
    if (rc < 0 && ctrt_error_last()->kind == CTRT_ERROR_NOT_FOUND) {
      ctrt_error_clear();
      rc = 0;
    }
  }
done:
  ctrt__cri_found_clear(&f);
  if (rc < 0)
    return ctrt__error_wrap("update_container_resources");
  ctrt_container_update_outcome *o = ctrt__calloc(1, sizeof *o);
  CTRT__CHECK_ALLOC(o);
  rc = update_warnings(o, u, pids_applied);
  if (rc < 0) {
    ctrt_container_update_outcome_free(o);
    return rc;
  }
  *out = o;
  return 0;
}

static int cri_list_containers(void *self, ctrt_runtime_container_summary_list **out) {
  cri *c = self;
  Runtime__V1__ListContainersResponse *resp = NULL;
  int rc = list_all(c, &resp, "list_containers");
  if (rc < 0)
    return rc;
  ctrt_runtime_container_summary_list *l = NULL;
  if ((l = ctrt__calloc(1, sizeof *l)) == NULL ||
      (l->items = ctrt__calloc(resp->n_containers + 1, sizeof *l->items)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  for (size_t i = 0; i < resp->n_containers; i++) {
    Runtime__V1__Container *ct = resp->containers[i];
    ctrt_runtime_container_summary *item = &l->items[l->n_items++];
    item->runtime_id = ctrt__strdup(ct->id);
    const char *managed = ctrt__cri_managed_value(c, ct);
    if (managed != NULL)
      item->managed_id = ctrt__strdup(managed);
    if (item->runtime_id == NULL) {
      rc = ctrt__error_no_memory();
      goto done;
    }
  }
  *out = l;
  l = NULL;
done:
  ctrt__cri_unpacked_free(resp);
  ctrt_runtime_container_summary_list_free(l);
  return rc;
}

/* ---- inspection ---- */

static int cri_get_container_pid(void *self, bool *has_out, uint32_t *out, const ctrt_container_id *id) {
  cri *c = self;
  *has_out = false;
  found f;
  int rc = ctrt__cri_find(c, id, &f, false, "get_container_pid");
  if (rc < 0)
    return rc;
  Runtime__V1__ContainerStatusResponse *st = NULL;
  rc = ctrt__cri_status_of(c, &f, true, &st);
  ctrt__cri_found_clear(&f);
  if (rc < 0)
    return ctrt__error_wrap("get_container_pid");
  bool running = st->status && st->status->state == RUNTIME__V1__CONTAINER_STATE__CONTAINER_RUNNING;
  /* The verbose info's "info" entry is JSON with the task's pid. */
  for (size_t i = 0; running && i < st->n_info; i++) {
    if (strcmp(st->info[i]->key, "info") != 0)
      continue;
    json_t *info = NULL;
    if (ctrt__json_parse(&info, st->info[i]->value, strlen(st->info[i]->value)) == 0) {
      json_int_t pid = json_integer_value(json_object_get(info, "pid"));
      if (pid > 0 && pid <= UINT32_MAX) {
        *has_out = true;
        *out = (uint32_t)pid;
      }
      json_decref(info);
    }
    ctrt_error_clear();
  }
  ctrt__cri_unpacked_free(st);
  return 0;
}

/* The pod's IP while the container runs (NULL when it does not run, or
 * for host-network pods, which have none of their own), and its state. */
static int running_ip(cri *c, const found *f, char **ip, Runtime__V1__ContainerStatusResponse **status) {
  *ip = NULL;
  int rc = ctrt__cri_status_of(c, f, false, status);
  if (rc < 0)
    return rc;
  if (!(*status)->status || (*status)->status->state != RUNTIME__V1__CONTAINER_STATE__CONTAINER_RUNNING)
    return 0;
  Runtime__V1__PodSandboxStatusRequest req = RUNTIME__V1__POD_SANDBOX_STATUS_REQUEST__INIT;
  req.pod_sandbox_id = f->pod_id;
  Runtime__V1__PodSandboxStatusResponse *st = NULL;
  rc = CRI_CALL(c, ctrt__cricall_pod_ip_runtime_pod_sandbox_status(), &req, &st);
  if (rc < 0)
    return rc;
  const char *text = st->status && st->status->network ? st->status->network->ip : "";
  if (text[0] != '\0' && (*ip = ctrt__strdup(text)) == NULL)
    rc = ctrt__error_no_memory();
  ctrt__cri_unpacked_free(st);
  return rc;
}

static int cri_get_container_ip(void *self, char **out, const ctrt_container_id *id) {
  cri *c = self;
  found f;
  int rc = ctrt__cri_find(c, id, &f, false, "get_container_ip");
  if (rc < 0)
    return rc;
  Runtime__V1__ContainerStatusResponse *st = NULL;
  rc = running_ip(c, &f, out, &st);
  ctrt__cri_unpacked_free(st);
  ctrt__cri_found_clear(&f);
  return rc < 0 ? ctrt__error_wrap("get_container_ip") : 0;
}

static int cri_inspect_detailed(void *self, ctrt_container_inspect_details **out, const ctrt_container_id *id) {
  cri *c = self;
  found f;
  int rc = ctrt__cri_find(c, id, &f, false, "inspect_detailed");
  if (rc < 0)
    return rc;
  char *ip = NULL;
  Runtime__V1__ContainerStatusResponse *st = NULL;
  ctrt_container_inspect_details *d = NULL;
  rc = running_ip(c, &f, &ip, &st);
  ctrt__cri_found_clear(&f);
  if (rc < 0)
    goto done;
  if ((d = ctrt__calloc(1, sizeof *d)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  if ((rc = ports_of(st, &d->ports, &d->n_ports)) < 0)
    goto done;
  if (st->status && st->status->state == RUNTIME__V1__CONTAINER_STATE__CONTAINER_EXITED) {
    d->has_exit_code = true;
    d->exit_code = st->status->exit_code;
  }
  if (ip != NULL) {
    /* One attachment: the pod's CNI network (host-network pods have no
     * address and no network of their own). */
    d->networks = ctrt__calloc(1, sizeof *d->networks);
    d->ipv4 = ip;
    ip = NULL;
    if (d->networks != NULL) {
      d->n_networks = 1;
      d->networks[0].network = env_dup("CTRT_CRI_CNI_NETWORK", "cni");
      d->networks[0].ipv4 = ctrt__strdup(d->ipv4);
    }
    if (d->networks == NULL || d->networks[0].network == NULL || d->networks[0].ipv4 == NULL)
      rc = ctrt__error_no_memory();
  }
done:
  ctrt__free(ip);
  ctrt__cri_unpacked_free(st);
  if (rc < 0) {
    ctrt_container_inspect_details_free(d);
    return ctrt__error_wrap("inspect_detailed");
  }
  *out = d;
  return 0;
}

static int cri_port_mappings_container(void *self, ctrt_port_mapping_entry_list **out, const ctrt_container_id *id) {
  cri *c = self;
  found f;
  Runtime__V1__ContainerStatusResponse *st = NULL;
  int rc = ctrt__cri_find_status(c, id, "port_mappings_container", &f, &st);
  if (rc < 0)
    return rc;
  ctrt__cri_found_clear(&f);
  ctrt_port_mapping *ports = NULL;
  size_t n = 0;
  ctrt_port_mapping_entry_list *l = NULL;
  rc = ports_of(st, &ports, &n);
  ctrt__cri_unpacked_free(st);
  if (rc < 0)
    goto done;
  if ((l = ctrt__calloc(1, sizeof *l)) == NULL || (l->items = ctrt__calloc(n + 1, sizeof *l->items)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  for (size_t i = 0; i < n; i++) {
    ctrt_port_mapping_entry *e = &l->items[l->n_items++];
    e->container_port = ports[i].container_port;
    e->protocol = ports[i].protocol;
    e->has_host_port = ports[i].has_host_port;
    e->host_port = ports[i].host_port;
    e->host_ip = ports[i].host_ip; /* moved */
    ports[i].host_ip = NULL;
  }
  *out = l;
  l = NULL;
done:
  for (size_t i = 0; i < n; i++)
    ctrt_port_mapping_clear(&ports[i]);
  ctrt__free(ports);
  ctrt_port_mapping_entry_list_free(l);
  if (rc < 0)
    return ctrt__error_wrap("port_mappings_container");
  return 0;
}

/* ---- exec ---- */

/* ExecSync's output, exact bytes, within the exec output cap: containerd
 * has buffered it all already, so what is past the cap (stdout first, as
 * the other backends keep what came first) is dropped here and flagged. */
static int take_output(ctrt_bytes *dst, const ProtobufCBinaryData *b, size_t *room, bool *cut) {
  size_t len = b->len < *room ? b->len : *room;
  *cut = *cut || len < b->len;
  *room -= len;
  return ctrt__bytes_set(dst, b->data, len);
}

/* runc could not start the command (containerd 1.6.20: UNKNOWN "failed to
 * exec in container: ... OCI runtime exec failed: ..."). Docker reports
 * that as exit code 126 with the text on stderr: do the same. */
static int exec_failed(ctrt_exec_result **out) {
  ctrt_exec_result *r = ctrt__calloc(1, sizeof *r);
  char *text = ctrt__sprintf("%s\n", ctrt_error_last()->message);
  int rc;
  if (r == NULL || text == NULL || ctrt__bytes_set(&r->stdout_, NULL, 0) < 0) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  ctrt__bytes_take(&r->stderr_, text, strlen(text));
  text = NULL;
  r->exit_code = 126;
  ctrt_error_clear();
  *out = r;
  r = NULL;
  rc = 0;
done:
  ctrt__free(text);
  ctrt_exec_result_free(r);
  return rc;
}

static int cri_exec(void *self, ctrt_exec_result **out, const ctrt_container_id *id, const char *const *argv,
                    size_t n_argv) {
  cri *c = self;
  found f;
  int rc = ctrt__cri_find(c, id, &f, false, "exec");
  if (rc < 0)
    return rc;
  Runtime__V1__ExecSyncRequest req = RUNTIME__V1__EXEC_SYNC_REQUEST__INIT;
  req.container_id = f.container_id;
  req.n_cmd = n_argv;
  req.cmd = (char **)argv;
  Runtime__V1__ExecSyncResponse *resp = NULL;
  rc = ctrt__cri_call(c, ctrt__cricall_exec_sync_runtime_exec_sync(), 0, &req.base, (void **)&resp);
  ctrt__cri_found_clear(&f);
  if (rc < 0) {
    if (strstr(ctrt_error_last()->message, "OCI runtime exec failed") != NULL)
      return exec_failed(out);
    return ctrt__error_wrap("exec");
  }
  ctrt_exec_result *r = NULL;
  size_t room = c->exec_output_max;
  bool cut = false;
  if ((r = ctrt__calloc(1, sizeof *r)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  r->exit_code = resp->exit_code;
  if ((rc = take_output(&r->stdout_, &resp->stdout, &room, &cut)) < 0 ||
      (rc = take_output(&r->stderr_, &resp->stderr, &room, &cut)) < 0)
    goto done;
  r->output_truncated = cut;
  *out = r;
  r = NULL;
done:
  ctrt__cri_unpacked_free(resp);
  ctrt_exec_result_free(r);
  return rc;
}

/* containerd: Tasks.Exec with the options as a process spec (cri_task.c).
 * Else ExecSync, which takes an argv only: the options become a wrapper
 * command run in the container (ctrt__cri_wrap_argv: env, working
 * directory); a user, tty, stdin and privileged have no ExecSync
 * equivalent and are refused. */
static int cri_exec_with_opts(void *self, ctrt_exec_result **out, const ctrt_container_id *id,
                              const ctrt_exec_options *o) {
  cri *c = self;
  if (c->containerd_version != NULL && !o->tty && !o->attach_stdin) {
    found f;
    int rc;
    if ((rc = ctrt__cri_running(c, id, "exec_with_opts", &f)) < 0)
      return rc;
    rc = ctrt__cri_task_run(c, f.container_id, o, "exec_with_opts", out);
    ctrt__cri_found_clear(&f);
    return rc;
  }
  if (o->tty || o->privileged || o->attach_stdin || (o->user && o->user[0]))
    return ctrt__error_invalid_spec("exec_with_opts: CRI's ExecSync has no user, tty, stdin or privileged mode");
  const char **argv = NULL;
  size_t n = 0;
  int rc;
  if ((rc = ctrt__cri_wrap_argv(o, "exec_with_opts", &argv, &n)) < 0)
    return rc;
  rc = cri_exec(self, out, id, argv, n);
  ctrt__free(argv);
  return rc;
}

/* ---- images ---- */

/* The image's CRI record, or NULL when absent (ImageStatus answers OK with
 * no image for a missing one). */
int ctrt__cri_image_status(cri *c, const char *image, Runtime__V1__ImageStatusResponse **out) {
  Runtime__V1__ImageSpec spec = RUNTIME__V1__IMAGE_SPEC__INIT;
  spec.image = (char *)image;
  Runtime__V1__ImageStatusRequest req = RUNTIME__V1__IMAGE_STATUS_REQUEST__INIT;
  req.image = &spec;
  return CRI_CALL(c, ctrt__cricall_image_status_image_image_status(), &req, out);
}

int ctrt__cri_pull(cri *c, const char *image, const ctrt_registry_auth *auth, const char *method) {
  Runtime__V1__ImageSpec spec = RUNTIME__V1__IMAGE_SPEC__INIT;
  spec.image = (char *)image;
  Runtime__V1__AuthConfig ac = RUNTIME__V1__AUTH_CONFIG__INIT;
  Runtime__V1__PullImageRequest req = RUNTIME__V1__PULL_IMAGE_REQUEST__INIT;
  req.image = &spec;
  if (auth != NULL) {
    ac.username = auth->username ? auth->username : "";
    ac.password = auth->password ? auth->password : "";
    req.auth = &ac;
  }
  Runtime__V1__PullImageResponse *resp = NULL;
  int rc = ctrt__cri_call(c, ctrt__cricall_pull_image_pull_image(), 0, &req.base, (void **)&resp);
  ctrt__cri_unpacked_free(resp);
  if (rc < 0) {
    /* Keep the engine's text (it never carries the credentials). */
    char message[CTRT__ERROR_MESSAGE_MAX];
    snprintf(message, sizeof message, "%s", ctrt_error_last()->message);
    ctrt_error_kind kind = ctrt_error_last()->kind;
    /* A missing tag is NOT_FOUND (cri-notes.md) and stays not_found. */
    if (kind == CTRT_ERROR_INTERNAL || kind == CTRT_ERROR_CONFIGURATION)
      return ctrt__error_set(CTRT_ERROR_PULL_FAILED, 0, "%s: pull of %s failed: %s", method, image, message);
    return ctrt__error_wrap("%s", method);
  }
  return 0;
}

/* Whether the engine has the image. */
static int image_present(cri *c, const char *image, bool *present) {
  Runtime__V1__ImageStatusResponse *st = NULL;
  int rc;
  if ((rc = ctrt__cri_image_status(c, image, &st)) < 0)
    return rc;
  *present = st->image != NULL;
  ctrt__cri_unpacked_free(st);
  return 0;
}

static int cri_pull_image(void *self, const char *image) { return ctrt__cri_pull(self, image, NULL, "pull_image"); }

static int cri_pull_image_with_policy(void *self, const char *image, ctrt_pull_policy policy,
                                      const ctrt_registry_auth *auth, ctrt_source_policy source_policy) {
  cri *c = self;
  (void)source_policy; /* the engine has one source: its registries */
  if (policy == CTRT_PULL_POLICY_IF_NOT_PRESENT || policy == CTRT_PULL_POLICY_NEVER) {
    bool present = false;
    if (image_present(c, image, &present) < 0)
      return ctrt__error_wrap("pull_image_with_policy");
    if (present)
      return 0;
    if (policy == CTRT_PULL_POLICY_NEVER)
      return ctrt__error_not_found(image, "the image is not present and the pull policy is never");
  }
  return ctrt__cri_pull(c, image, auth, "pull_image_with_policy");
}

static int cri_list_images(void *self, ctrt_image_info_list **out) {
  cri *c = self;
  Runtime__V1__ListImagesRequest req = RUNTIME__V1__LIST_IMAGES_REQUEST__INIT;
  Runtime__V1__ListImagesResponse *resp = NULL;
  int rc = CRI_CALL(c, ctrt__cricall_list_images_image_list_images(), &req, &resp);
  if (rc < 0)
    return ctrt__error_wrap("list_images");
  ctrt_image_info_list *l = NULL;
  size_t n = 0;
  for (size_t i = 0; i < resp->n_images; i++)
    n += resp->images[i]->n_repo_tags ? resp->images[i]->n_repo_tags : 1;
  if ((l = ctrt__calloc(1, sizeof *l)) == NULL || (l->items = ctrt__calloc(n + 1, sizeof *l->items)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  /* One entry per tag (the image id when untagged), like Docker's list. */
  for (size_t i = 0; i < resp->n_images; i++) {
    Runtime__V1__Image *im = resp->images[i];
    size_t tags = im->n_repo_tags ? im->n_repo_tags : 1;
    for (size_t t = 0; t < tags; t++) {
      ctrt_image_info *info = &l->items[l->n_items++];
      info->has_size_bytes = true;
      info->size_bytes = im->size;
      if ((info->reference = ctrt__strdup(im->n_repo_tags ? im->repo_tags[t] : im->id)) == NULL) {
        rc = ctrt__error_no_memory();
        goto done;
      }
      if (im->n_repo_digests > 0) {
        const char *at = strchr(im->repo_digests[0], '@');
        if ((info->digest = ctrt__strdup(at ? at + 1 : im->repo_digests[0])) == NULL) {
          rc = ctrt__error_no_memory();
          goto done;
        }
      }
    }
  }
  *out = l;
  l = NULL;
done:
  ctrt__cri_unpacked_free(resp);
  ctrt_image_info_list_free(l);
  return rc;
}

int ctrt__cri_remove_image_cri(void *self, const char *image, bool force) {
  cri *c = self;
  (void)force; /* CRI removes regardless of containers using the image */
  /* RemoveImage of a missing image succeeds in CRI; the interface says not_found. */
  bool present = false;
  int rc;
  if (image_present(c, image, &present) < 0)
    return ctrt__error_wrap("remove_image");
  if (!present)
    return ctrt__error_not_found(image, "no such image");
  Runtime__V1__ImageSpec spec = RUNTIME__V1__IMAGE_SPEC__INIT;
  spec.image = (char *)image;
  Runtime__V1__RemoveImageRequest req = RUNTIME__V1__REMOVE_IMAGE_REQUEST__INIT;
  req.image = &spec;
  rc = ctrt__cri_call(c, ctrt__cricall_remove_image_image_remove_image(), 0, &req.base, NULL);
  return rc < 0 ? ctrt__error_wrap("remove_image") : 0;
}

static int cri_get_container_stats(void *self, ctrt_container_stats **out, const ctrt_container_id *id) {
  cri *c = self;
  found f;
  int rc = ctrt__cri_find(c, id, &f, false, "get_container_stats");
  if (rc < 0)
    return rc;
  Runtime__V1__ContainerStatsRequest req = RUNTIME__V1__CONTAINER_STATS_REQUEST__INIT;
  req.container_id = f.container_id;
  Runtime__V1__ContainerStatsResponse *resp = NULL;
  rc = CRI_CALL(c, ctrt__cricall_get_container_stats_runtime_container_stats(), &req, &resp);
  ctrt__cri_found_clear(&f);
  if (rc < 0)
    return ctrt__error_wrap("get_container_stats");
  ctrt_container_stats *st = ctrt__calloc(1, sizeof *st);
  if (st == NULL) {
    ctrt__cri_unpacked_free(resp);
    return ctrt__error_no_memory();
  }
  const Runtime__V1__CpuUsage *cpu = resp->stats ? resp->stats->cpu : NULL;
  const Runtime__V1__MemoryUsage *mem = resp->stats ? resp->stats->memory : NULL;
  if (cpu && cpu->usage_core_nano_seconds)
    st->cpu_usage_usec = cpu->usage_core_nano_seconds->value / 1000;
  /* The working set (usage less inactive file cache), what kubelet and
   * `docker stats` show; the limit is working set + available when one
   * is set (available is absent without a limit). */
  uint64_t ws = mem && mem->working_set_bytes ? mem->working_set_bytes->value : 0;
  st->memory_bytes = ws;
  st->memory_limit = mem && mem->available_bytes && mem->available_bytes->value ? ws + mem->available_bytes->value : 0;
  int64_t ts = cpu && cpu->timestamp ? cpu->timestamp : (mem ? mem->timestamp : 0);
  if (ts > 0) {
    st->timestamp.seconds = ts / 1000000000;
    st->timestamp.nanos = (int32_t)(ts % 1000000000);
  } else {
    st->timestamp = ctrt__timestamp_now();
  }
  ctrt__cri_unpacked_free(resp);
  *out = st;
  return 0;
}

/* The container's CRI log file (LogDirectory/LogPath as create set them). */
static char *log_file(cri *c, const ctrt_container_id *id) {
  char *display = ctrt__cri_display_of(id), *adopted_log = NULL;
  found f = {0};
  if (display && ctrt__cri_adopted_find(c, display, &f, &adopted_log) == 1 && adopted_log[0] != '\0') {
    ctrt__cri_found_clear(&f);
    ctrt__free(display);
    return adopted_log; /* an adopted container logs where its creator said */
  }
  ctrt__cri_found_clear(&f);
  ctrt__free(adopted_log);
  ctrt__free(display);
  char *name = cri_name(id);
  char *file = name ? ctrt__sprintf("%s/%s/container.log", c->log_dir, name) : NULL;
  ctrt__free(name);
  return file;
}

/* container_logs (has_tail) and get_logs: the messages of the container's
 * log file, which the runtime writes and the client reads (CRI has no logs
 * call). A container that does not exist is not_found first. */
static int read_logs(cri *c, ctrt_log_entry_list **out, const ctrt_container_id *id, bool has_tail, uint64_t tail,
                     const ctrt_log_options *cap, const char *method) {
  found f;
  int rc = ctrt__cri_find(c, id, &f, false, method);
  if (rc < 0)
    return rc;
  ctrt__cri_found_clear(&f);
  char *file = log_file(c, id);
  CTRT__CHECK_ALLOC(file);
  rc = ctrt__cri_log_entries(out, file, id, has_tail, tail, cap);
  ctrt__free(file);
  return rc < 0 ? ctrt__error_wrap("%s", method) : 0;
}

static int cri_container_logs(void *self, ctrt_log_entry_list **out, const ctrt_container_id *id, uint64_t tail) {
  return read_logs(self, out, id, true, tail, NULL, "container_logs");
}

static int cri_get_logs(void *self, ctrt_log_entry_list **out, const ctrt_container_id *id,
                        const ctrt_log_options *options) {
  return read_logs(self, out, id, false, 0, options, "get_logs");
}

/* What a following logs reader asks each poll: is the container running? */
typedef struct follow_ctx {
  cri *c;
  found f;
} follow_ctx;

static bool follow_running(void *ctx) {
  follow_ctx *fc = ctx;
  Runtime__V1__ContainerStatusResponse *st = NULL;
  bool running = ctrt__cri_status_of(fc->c, &fc->f, false, &st) == 0 && ctrt__cri_is_running(st);
  ctrt__cri_unpacked_free(st);
  ctrt_error_clear(); /* a container removed meanwhile has simply stopped */
  return running;
}

static void follow_free(void *ctx) {
  follow_ctx *fc = ctx;
  if (fc != NULL)
    ctrt__cri_found_clear(&fc->f);
  ctrt__free(fc);
}

/* The log file as a stream; with follow, until the container stops (asked
 * over CRI each poll, CRI having no log or event call for it). */
static int cri_logs_stream(void *self, ctrt_logs_stream **out, const ctrt_container_id *id,
                           const ctrt_logs_stream_options *options) {
  cri *c = self;
  follow_ctx *fc = ctrt__calloc(1, sizeof *fc);
  CTRT__CHECK_ALLOC(fc);
  fc->c = c;
  char *file = NULL;
  int rc;
  if ((rc = ctrt__cri_find(c, id, &fc->f, false, "logs_stream")) < 0)
    goto done;
  if ((file = log_file(c, id)) == NULL) {
    rc = ctrt__error_no_memory();
    goto done;
  }
  ctrt__cri_log_config cfg = {.options = *options, .idle_ms = (unsigned)c->stream_idle_ms};
  if (options->follow) {
    cfg.running = follow_running;
    cfg.running_ctx = fc;
    cfg.running_ctx_free = follow_free;
    fc = NULL; /* the reader's, also when it fails to open */
  }
  ctrt__cri_log_reader *reader = NULL;
  if (ctrt__cri_log_open(&reader, file, &cfg) < 0 || ctrt__cri_log_stream(out, reader) < 0)
    rc = ctrt__error_wrap("logs_stream");
done:
  follow_free(fc);
  ctrt__free(file);
  return rc;
}

static const ctrt_backend_ops cri_ops = {
    .pull_image = cri_pull_image,
    .pull_image_with_policy = cri_pull_image_with_policy,
    .list_images = cri_list_images,
    .remove_image = ctrt__cri_remove_image,
    .inspect_image_native = ctrt__cri_inspect_image_native,
    .image_history = ctrt__cri_image_history,
    .tag_image = ctrt__cri_tag_image,
    .prune_images = ctrt__cri_prune_images,
    .pull_image_stream = ctrt__cri_pull_image_stream,
    .save_images = ctrt__cri_save_images,
    .load_images = ctrt__cri_load_images,
    .import_image = ctrt__cri_import_image,
    .commit_container = ctrt__cri_commit_container,
    .changes_container = ctrt__cri_changes_container,
    .create_container = cri_create_container,
    .start_container = cri_start_container,
    .stop_container = cri_stop_container,
    .remove_container = cri_remove_container,
    .container_state = cri_container_state,
    .kill_container = cri_kill_container,
    .pause_container = cri_pause_container,
    .unpause_container = cri_unpause_container,
    .wait_container = cri_wait_container,
    .wait_outcome = cri_wait_outcome,
    .wait_outcome_with_condition = cri_wait_outcome_with_condition,
    .update_container_resources = cri_update_container_resources,
    .prune_containers = cri_prune_containers,
    .list_containers = cri_list_containers,
    .adopt_container = ctrt__cri_adopt_container,
    .get_container_pid = cri_get_container_pid,
    .get_container_ip = cri_get_container_ip,
    .inspect_detailed = cri_inspect_detailed,
    .port_mappings_container = cri_port_mappings_container,
    .get_container_stats = cri_get_container_stats,
    .container_logs = cri_container_logs,
    .get_logs = cri_get_logs,
    .logs_stream = cri_logs_stream,
    .exec = cri_exec,
    .exec_with_opts = cri_exec_with_opts,
    .exec_stream = ctrt__cri_exec_stream,
    .exec_pty = ctrt__cri_exec_pty,
    .write_stdin = ctrt__cri_write_stdin,
    .close_stdin = ctrt__cri_close_stdin,
    .top_container = ctrt__cri_top_container,
    .stats_stream = ctrt__cri_stats_stream,
    .archive_get = ctrt__cri_archive_get,
    .archive_head = ctrt__cri_archive_head,
    .archive_put = ctrt__cri_archive_put,
    .export_container_fs = ctrt__cri_export_container_fs,
};

const ctrt_backend ctrt__cri_backend = {
    .abi_version = CTRT_BACKEND_ABI_VERSION,
    .name = "cri",
    .open = cri_open,
    .close = cri_close,
    .ops = &cri_ops,
    .ops_size = sizeof cri_ops,
    .engine = cri_engine,
};
