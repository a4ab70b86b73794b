/* The cri backend against the scripted h2c server of tests/grpc: opening
 * (CRI Version, the containerd probe), the engine identity, the CRI-only
 * path of an engine without containerd's API (CRI-O), and the errors that
 * need no engine state (missing container, refused specs), and that each
 * method's gRPC calls are the ones its `cri:` block declares. Real engines
 * are covered by `ctrt-conform --backend cri`. */
#include "containerd_api.pb-c.h"
#include "cri_runtime_v1.pb-c.h"
#include "fake_grpc.h"
#include "test_support.h"

#include <pthread.h>
#include <stdlib.h>

/* Each method's declared gRPC paths (generated from the spec's `cri:` blocks). */
#include "cri_calls_expect.c"

typedef struct engine {
  const char *name, *version;
  bool containerd; /* serves containerd's Version service */
} engine;

static void reply_packed(fgrpc_reply *r, const ProtobufCMessage *m) {
  size_t len = protobuf_c_message_get_packed_size(m);
  uint8_t *buf = malloc(len + 1);
  protobuf_c_message_pack(m, buf);
  fgrpc_headers(r, 200, NULL);
  fgrpc_message(r, buf, len, false);
  fgrpc_trailers(r, 0, NULL);
  free(buf);
}

static void handler(const fgrpc_request *req, fgrpc_reply *r, void *ctx) {
  const engine *e = ctx;
  if (strcmp(req->path, "/runtime.v1.RuntimeService/Version") == 0) {
    Runtime__V1__VersionRequest *in = runtime__v1__version_request__unpack(NULL, req->message_len, req->message);
    bool asked_v1 = in && strcmp(in->version, "v1") == 0;
    runtime__v1__version_request__free_unpacked(in, NULL);
    Runtime__V1__VersionResponse v = RUNTIME__V1__VERSION_RESPONSE__INIT;
    v.version = "0.1.0";
    v.runtime_name = (char *)e->name;
    v.runtime_version = (char *)e->version;
    v.runtime_api_version = asked_v1 ? "v1" : "v1alpha2";
    reply_packed(r, &v.base);
  } else if (strcmp(req->path, "/containerd.services.version.v1.Version/Version") == 0 && e->containerd) {
    Ctrt__Containerd__VersionResponse v = CTRT__CONTAINERD__VERSION_RESPONSE__INIT;
    v.version = (char *)e->version;
    v.revision = "abc";
    reply_packed(r, &v.base);
  } else if (strcmp(req->path, "/runtime.v1.RuntimeService/ListContainers") == 0) {
    Runtime__V1__ListContainersResponse l = RUNTIME__V1__LIST_CONTAINERS_RESPONSE__INIT;
    reply_packed(r, &l.base);
  } else {
    fgrpc_trailers_only(r, 12, "unknown service");
  }
}

static fgrpc_server *server;

/* ---- the declared calls ---- */

/* The paths the recording engine was asked for, in order. */
#define MAX_RECORDED 256
static pthread_mutex_t recorded_lock = PTHREAD_MUTEX_INITIALIZER;
static char recorded[MAX_RECORDED][256];
static size_t n_recorded;

static void record(const char *path) {
  pthread_mutex_lock(&recorded_lock);
  if (n_recorded < MAX_RECORDED)
    snprintf(recorded[n_recorded++], sizeof recorded[0], "%s", path);
  pthread_mutex_unlock(&recorded_lock);
}

/* containerd whose CRI knows one managed container, exited (c1 in pod p1):
 * ListContainers finds it, ContainerStatus describes it, ExecSync exits 0
 * with no output; any other call gets an empty message, valid for every
 * reply type (every field at its default), so methods go on to their
 * next calls until they find nothing to work on. */
static void recording_handler(const fgrpc_request *req, fgrpc_reply *r, void *ctx) {
  (void)ctx;
  record(req->path);
  if (strcmp(req->path, "/runtime.v1.RuntimeService/Version") == 0) {
    Runtime__V1__VersionResponse v = RUNTIME__V1__VERSION_RESPONSE__INIT;
    v.version = "0.1.0";
    v.runtime_name = "containerd";
    v.runtime_version = "1.6.20";
    v.runtime_api_version = "v1";
    reply_packed(r, &v.base);
  } else if (strcmp(req->path, "/containerd.services.version.v1.Version/Version") == 0) {
    Ctrt__Containerd__VersionResponse v = CTRT__CONTAINERD__VERSION_RESPONSE__INIT;
    v.version = "1.6.20";
    reply_packed(r, &v.base);
  } else if (strcmp(req->path, "/runtime.v1.RuntimeService/ListContainers") == 0) {
    Runtime__V1__Container ct = RUNTIME__V1__CONTAINER__INIT, *cts[] = {&ct};
    ct.id = "c1";
    ct.pod_sandbox_id = "p1";
    ct.state = RUNTIME__V1__CONTAINER_STATE__CONTAINER_EXITED;
    Runtime__V1__ListContainersResponse l = RUNTIME__V1__LIST_CONTAINERS_RESPONSE__INIT;
    l.n_containers = 1;
    l.containers = cts;
    reply_packed(r, &l.base);
  } else if (strcmp(req->path, "/runtime.v1.RuntimeService/ContainerStatus") == 0) {
    Runtime__V1__ContainerStatus st = RUNTIME__V1__CONTAINER_STATUS__INIT;
    st.id = "c1";
    st.state = RUNTIME__V1__CONTAINER_STATE__CONTAINER_EXITED;
    st.log_path = "/tmp/h-cri-test-no-such.log";
    Runtime__V1__ContainerStatusResponse resp = RUNTIME__V1__CONTAINER_STATUS_RESPONSE__INIT;
    resp.status = &st;
    reply_packed(r, &resp.base);
  } else {
    reply_packed(r, &(Ctrt__Containerd__Empty)CTRT__CONTAINERD__EMPTY__INIT.base);
  }
}

static const ctrt_container_id some_id = {.service = "web", .replica = 1};

/* One method called on the recording engine (its outcome does not matter:
 * the calls it made do). */
typedef struct driver {
  const char *method;
  void (*call)(ctrt_runtime *rt);
} driver;

static void d_container_state(ctrt_runtime *rt) {
  ctrt_container_state *st = NULL;
  if (ctrt_runtime_container_state(rt, &st, &some_id) == 0)
    ctrt_container_state_free(st);
}
static void d_start(ctrt_runtime *rt) { ctrt_runtime_start_container(rt, &some_id); }
static void d_stop(ctrt_runtime *rt) { ctrt_runtime_stop_container(rt, &some_id, 1); }
static void d_remove(ctrt_runtime *rt) { ctrt_runtime_remove_container(rt, &some_id); }
static void d_kill(ctrt_runtime *rt) { ctrt_runtime_kill_container(rt, &some_id, "SIGKILL"); }
static void d_pause(ctrt_runtime *rt) { ctrt_runtime_pause_container(rt, &some_id); }
static void d_unpause(ctrt_runtime *rt) { ctrt_runtime_unpause_container(rt, &some_id); }
static void d_list_images(ctrt_runtime *rt) {
  ctrt_image_info_list *l = NULL;
  if (ctrt_runtime_list_images(rt, &l) == 0)
    ctrt_image_info_list_free(l);
}
static void d_pull(ctrt_runtime *rt) { ctrt_runtime_pull_image(rt, "busybox:latest"); }
static void d_remove_image(ctrt_runtime *rt) { ctrt_runtime_remove_image(rt, "busybox:latest", false); }
static void d_tag(ctrt_runtime *rt) { ctrt_runtime_tag_image(rt, "busybox:latest", "busybox:other"); }
static void d_prune_images(ctrt_runtime *rt) {
  ctrt_prune_result *p = NULL;
  if (ctrt_runtime_prune_images(rt, &p) == 0)
    ctrt_prune_result_free(p);
}
static void d_prune_containers(ctrt_runtime *rt) {
  ctrt_container_prune_result *p = NULL;
  if (ctrt_runtime_prune_containers(rt, &p) == 0)
    ctrt_container_prune_result_free(p);
}
static void d_list_containers(ctrt_runtime *rt) {
  ctrt_runtime_container_summary_list *l = NULL;
  if (ctrt_runtime_list_containers(rt, &l) == 0)
    ctrt_runtime_container_summary_list_free(l);
}
static void d_stats(ctrt_runtime *rt) {
  ctrt_container_stats *s = NULL;
  if (ctrt_runtime_get_container_stats(rt, &s, &some_id) == 0)
    ctrt_container_stats_free(s);
}
static void d_exec(ctrt_runtime *rt) {
  const char *argv[] = {"true"};
  ctrt_exec_result *r = NULL;
  if (ctrt_runtime_exec(rt, &r, &some_id, argv, 1) == 0)
    ctrt_exec_result_free(r);
}
static void d_top(ctrt_runtime *rt) {
  ctrt_container_top_output *t = NULL;
  if (ctrt_runtime_top_container(rt, &t, &some_id, NULL, 0) == 0)
    ctrt_container_top_output_free(t);
}
static void d_ip(ctrt_runtime *rt) {
  char *ip = NULL;
  if (ctrt_runtime_get_container_ip(rt, &ip, &some_id) == 0)
    free(ip);
}

static const driver drivers[] = {
    {"container_state", d_container_state},
    {"start_container", d_start},
    {"stop_container", d_stop},
    {"remove_container", d_remove},
    {"kill_container", d_kill},
    {"pause_container", d_pause},
    {"unpause_container", d_unpause},
    {"list_images", d_list_images},
    {"pull_image", d_pull},
    {"remove_image", d_remove_image},
    {"tag_image", d_tag},
    {"prune_images", d_prune_images},
    {"prune_containers", d_prune_containers},
    {"list_containers", d_list_containers},
    {"get_container_stats", d_stats},
    {"exec", d_exec},
    {"top_container", d_top},
    {"get_container_ip", d_ip},
};

static const cri_expected *expected_of(const char *method) {
  for (const cri_expected *e = ctrt__cri_expected_calls; e->method; e++)
    if (strcmp(e->method, method) == 0)
      return e;
  return NULL;
}

static bool declared(const cri_expected *e, const char *path) {
  for (size_t i = 0; i < e->n_paths; i++)
    if (strcmp(e->paths[i], path) == 0)
      return true;
  return false;
}

static void test_declared_calls(void) {
  server = fgrpc_start(false, recording_handler, NULL);
  char uri[256];
  snprintf(uri, sizeof uri, "cri://%s", fgrpc_target(server));
  ctrt_runtime *rt = NULL;
  ASSERT_OK(ctrt_open(&rt, uri));
  size_t n_declared = 0, n_methods = 0, n_matched = 0;
  for (const cri_expected *e = ctrt__cri_expected_calls; e->method; e++, n_methods++)
    n_declared += e->n_paths;
  for (size_t d = 0; d < sizeof drivers / sizeof drivers[0]; d++) {
    const cri_expected *e = expected_of(drivers[d].method);
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    pthread_mutex_lock(&recorded_lock);
    n_recorded = 0;
    pthread_mutex_unlock(&recorded_lock);
    drivers[d].call(rt);
    ctrt_error_clear();
    bool made[64] = {false};
    CU_ASSERT_FATAL(e->n_paths <= 64);
    pthread_mutex_lock(&recorded_lock);
    for (size_t i = 0; i < n_recorded; i++) {
      if (!declared(e, recorded[i])) {
        printf("\n  %s made %s, which its cri: block does not declare", e->method, recorded[i]);
        CU_FAIL("a call that is not declared");
      }
      for (size_t k = 0; k < e->n_paths; k++)
        made[k] = made[k] || strcmp(e->paths[k], recorded[i]) == 0;
    }
    pthread_mutex_unlock(&recorded_lock);
    for (size_t k = 0; k < e->n_paths; k++) {
      n_matched += made[k];
      if (!made[k])
        printf("\n  note: %s: %s declared, not brought about by the fake", e->method, e->paths[k]);
    }
  }
  printf("\n  %zu declared calls of %zu methods, %zu brought about and matched\n", n_declared, n_methods, n_matched);
  CU_ASSERT(n_matched > 0);
  ctrt_close(rt);
  fgrpc_stop(server);
  server = NULL;
}

static ctrt_runtime *open_engine(const engine *e) {
  server = fgrpc_start(false, handler, (void *)e);
  char uri[256];
  snprintf(uri, sizeof uri, "cri://%s", fgrpc_target(server));
  ctrt_runtime *rt = NULL;
  ASSERT_OK(ctrt_open(&rt, uri));
  return rt;
}

static void done(ctrt_runtime *rt) {
  ctrt_close(rt);
  fgrpc_stop(server);
  server = NULL;
}

static bool has_fact(const ctrt_engine_info *info, const char *fact) {
  for (size_t i = 0; i < info->n_facts; i++)
    if (strcmp(info->facts[i], fact) == 0)
      return true;
  return false;
}

static const ctrt_container_id missing_id = {.service = "web", .replica = 1};

static void test_containerd_identity(void) {
  static const engine e = {"containerd", "1.6.20~ds1", true};
  ctrt_runtime *rt = open_engine(&e);
  ASSERT_STR(ctrt_runtime_backend_name(rt), "cri");
  ctrt_engine_info *info = NULL;
  ASSERT_OK(ctrt_runtime_engine(rt, &info));
  ASSERT_STR(info->name, "containerd");
  ASSERT_STR(info->version, "1.6.20~ds1");
  ASSERT_STR(info->api_version, "v1");
  CU_ASSERT_TRUE(has_fact(info, "cri_version=0.1.0"));
  CU_ASSERT_TRUE(has_fact(info, "native_api=containerd"));
  ctrt_engine_info_free(info);

  /* A missing container: ListContainers by label finds nothing. */
  ctrt_container_state *st = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_container_state(rt, &st, &missing_id), CTRT_ERROR_NOT_FOUND);
  CU_ASSERT_PTR_NULL(st);
  ASSERT_FAILS_WITH(ctrt_runtime_pause_container(rt, &missing_id), CTRT_ERROR_NOT_FOUND);

  /* Without CNI portmap a published port is the host network's own port:
   * remapping it to another host port is refused before any call. */
  ctrt_port_mapping port = {
      .container_port = 80, .has_host_port = true, .host_port = 8080, .protocol = CTRT_PORT_PROTOCOL_TCP};
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  spec.image.name = "busybox:latest";
  spec.n_port_mappings = 1;
  spec.port_mappings = &port;
  ASSERT_FAILS_WITH(ctrt_runtime_create_container(rt, &missing_id, &spec), CTRT_ERROR_INVALID_SPEC);
  done(rt);
}

static void test_cri_only_engine(void) {
  static const engine e = {"cri-o", "1.25.1", false};
  ctrt_runtime *rt = open_engine(&e);
  ctrt_engine_info *info = NULL;
  ASSERT_OK(ctrt_runtime_engine(rt, &info));
  ASSERT_STR(info->name, "cri-o");
  CU_ASSERT_FALSE(has_fact(info, "native_api=containerd"));
  ctrt_engine_info_free(info);
  /* Without containerd's API, pause is unsupported with the reason. */
  ASSERT_FAILS_WITH(ctrt_runtime_pause_container(rt, &missing_id), CTRT_ERROR_UNSUPPORTED);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "serves no containerd API"));
  /* So are the image methods made of containerd's Images and Content. */
  ASSERT_FAILS_WITH(ctrt_runtime_tag_image(rt, "busybox:latest", "busybox:other"), CTRT_ERROR_UNSUPPORTED);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "serves no containerd API"));
  ctrt_image_inspect_info *inspected = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_inspect_image_native(rt, &inspected, "busybox:latest"), CTRT_ERROR_UNSUPPORTED);
  const char *names[] = {"busybox:latest"};
  ctrt_image_export_stream *saved = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_save_images(rt, &saved, names, 1), CTRT_ERROR_UNSUPPORTED);
  CU_ASSERT_PTR_NULL(saved);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "serves no containerd API"));
  done(rt);
}

static void test_open_failures(void) {
  ctrt_runtime *rt = NULL;
  ASSERT_FAILS_WITH(ctrt_open(&rt, "cri://unix:///tmp/h-grpc-no-such-dir/x.sock"), CTRT_ERROR_NETWORK);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "cri backend at unix:///tmp/h-grpc-no-such-dir/x.sock"));
  ASSERT_FAILS_WITH(ctrt_open(&rt, "cri://relative.sock"), CTRT_ERROR_CONFIGURATION);
  CU_ASSERT_PTR_NULL(rt);
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("cri", NULL, NULL);
  CU_add_test(s, "containerd: identity, missing container, refused spec", test_containerd_identity);
  CU_add_test(s, "a CRI-only engine", test_cri_only_engine);
  CU_add_test(s, "open failures", test_open_failures);
  CU_add_test(s, "each method's calls are declared in its cri: block", test_declared_calls);
}
