/* The cri backend against the scripted h2c server of tests/grpc: opening
 * (CRI Version, the containerd probe), the engine identity, the CRI-only
 * path of an engine without containerd's API (CRI-O), and the errors that
 * need no engine state (missing container, refused specs). Real engines
 * are covered by `ctrt-conform --backend cri`. */
#include "containerd_api.pb-c.h"
#include "cri_runtime_v1.pb-c.h"
#include "fake_grpc.h"
#include "test_support.h"

#include <stdlib.h>

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
}
