/* SPDX-License-Identifier: MIT */
/* Tests of the Docker backend's hand-written methods: the conversions
 * between Docker's JSON and the interface's types on their own, then the
 * methods against a scripted fake daemon (no real engine needed). */
#include "test_support.h"

#include "backends/docker/docker_internal.h"
#include "docker_reference.h"
#include "fake_server.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ====================================================================== */
/* Helpers                                                                */
/* ====================================================================== */

static json_t *parse(const char *text) {
  json_error_t err;
  json_t *j = json_loads(text, 0, &err);
  if (j == NULL)
    fprintf(stderr, "bad test JSON: %s: %s\n", err.text, text);
  CU_ASSERT_PTR_NOT_NULL_FATAL(j);
  return j;
}

static const char *jstr(const json_t *obj, const char *key) { return json_string_value(json_object_get(obj, key)); }

static ctrt_string_map_entry entry(const char *k, const char *v) {
  ctrt_string_map_entry e = {(char *)k, (char *)v};
  return e;
}

/* ====================================================================== */
/* ServiceSpec -> create body                                             */
/* ====================================================================== */

static void test_create_body_full(void) {
  char *entrypoint[] = {"/bin/sh", "-c"};
  char *args[] = {"echo hi"};
  ctrt_command_spec cmd = CTRT_COMMAND_SPEC_INIT;
  cmd.has_entrypoint = true;
  cmd.entrypoint = entrypoint;
  cmd.n_entrypoint = 2;
  cmd.has_args = true;
  cmd.args = args;
  cmd.n_args = 1;
  cmd.workdir = "/srv";
  ctrt_string_map_entry env[] = {entry("A", "1"), entry("B", "two=2")};
  ctrt_string_map_entry labels[] = {entry("team", "core"), entry("com.zlayer.container_id", "spoofed")};
  ctrt_port_mapping ports[3] = {CTRT_PORT_MAPPING_INIT, CTRT_PORT_MAPPING_INIT, CTRT_PORT_MAPPING_INIT};
  ports[0].container_port = 8080; /* ephemeral host port, default address */
  ports[1].container_port = 53;
  ports[1].protocol = CTRT_PORT_PROTOCOL_UDP;
  ports[1].has_host_port = true;
  ports[1].host_port = 5353;
  ports[1].host_ip = "127.0.0.1";
  ports[2].container_port = 8080; /* a second binding of the same port */
  ports[2].has_host_port = true;
  ports[2].host_port = 18080;
  ctrt_resources_spec res = CTRT_RESOURCES_SPEC_INIT;
  res.has_cpu = true;
  res.cpu = 1.5;
  res.has_memory = true;
  res.memory = 64u << 20;
  res.has_pids_limit = true;
  res.pids_limit = 99;
  ctrt_mount_spec mounts[2] = {{"/host/a", "/a", false}, {"/run/api.sock", "/var/run/zlayer/api.sock", true}};
  char *caps[] = {"NET_ADMIN"}, *drop[] = {"MKNOD"}, *dns[] = {"10.0.0.53"}, *hosts[] = {"db:10.0.0.7"};
  char *check_cmd[] = {"curl", "-f", "http://localhost/"};
  ctrt_health_check_spec hc = CTRT_HEALTH_CHECK_SPEC_INIT;
  hc.cmd = check_cmd;
  hc.n_cmd = 3;
  hc.has_interval = hc.has_timeout = hc.has_retries = true;
  hc.interval = 2;
  hc.timeout = 3;
  hc.retries = 4;
  ctrt_restart_policy rp = CTRT_RESTART_POLICY_INIT;
  rp.name = CTRT_RESTART_POLICY_NAME_ON_FAILURE;
  rp.maximum_retry_count = 5;
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  spec.image.name = "reg:5000/app:1";
  spec.command = &cmd;
  spec.env = env;
  spec.n_env = 2;
  spec.labels = labels;
  spec.n_labels = 2;
  spec.port_mappings = ports;
  spec.n_port_mappings = 3;
  spec.resources = &res;
  spec.mounts = mounts;
  spec.n_mounts = 2;
  spec.capabilities = caps;
  spec.n_capabilities = 1;
  spec.cap_drop = drop;
  spec.n_cap_drop = 1;
  spec.privileged = true;
  spec.host_network = true;
  spec.dns = dns;
  spec.n_dns = 1;
  spec.extra_hosts = hosts;
  spec.n_extra_hosts = 1;
  spec.restart_policy = &rp;
  spec.health_check = &hc;
  spec.tty = true;
  spec.stdin_open = true;
  spec.user = "1000:1000";

  json_t *b = NULL;
  ASSERT_OK(ctrt__docker_create_body(&b, &spec, "com.zlayer.container_id", "web-rep-2"));
  CU_ASSERT_STRING_EQUAL(jstr(b, "Image"), "reg:5000/app:1");
  json_t *want = parse("{\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Cmd\":[\"echo hi\"],\"Env\":[\"A=1\",\"B=two=2\"],"
                       "\"Labels\":{\"team\":\"core\",\"com.zlayer.container_id\":\"web-rep-2\"},"
                       "\"ExposedPorts\":{\"8080/tcp\":{},\"53/udp\":{}},"
                       "\"Healthcheck\":{\"Test\":[\"CMD\",\"curl\",\"-f\",\"http://localhost/\"],"
                       "\"Interval\":2000000000,\"Timeout\":3000000000,\"Retries\":4}}");
  const char *key;
  json_t *value;
  json_object_foreach(want, key, value) {
    CU_ASSERT_TRUE(json_equal(json_object_get(b, key), value));
    if (!json_equal(json_object_get(b, key), value))
      fprintf(stderr, "\ncreate body: %s differs\n", key);
  }
  json_decref(want);
  CU_ASSERT_STRING_EQUAL(jstr(b, "WorkingDir"), "/srv");
  CU_ASSERT_STRING_EQUAL(jstr(b, "User"), "1000:1000");
  CU_ASSERT_TRUE(json_is_true(json_object_get(b, "Tty")));
  CU_ASSERT_TRUE(json_is_true(json_object_get(b, "OpenStdin")));
  CU_ASSERT_TRUE(json_is_true(json_object_get(b, "AttachStdin")));
  CU_ASSERT_TRUE(json_is_true(json_object_get(b, "StdinOnce")));
  json_t *host = json_object_get(b, "HostConfig");
  want = parse("{\"PortBindings\":{\"8080/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"\"},"
               "{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"18080\"}],"
               "\"53/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"5353\"}]},"
               "\"Binds\":[\"/host/a:/a\",\"/run/api.sock:/var/run/zlayer/api.sock:ro\"],"
               "\"CapAdd\":[\"NET_ADMIN\"],\"CapDrop\":[\"MKNOD\"],\"Privileged\":true,\"NetworkMode\":\"host\","
               "\"Dns\":[\"10.0.0.53\"],\"ExtraHosts\":[\"db:10.0.0.7\"],"
               "\"RestartPolicy\":{\"Name\":\"on-failure\",\"MaximumRetryCount\":5},"
               "\"Memory\":67108864,\"NanoCpus\":1500000000,\"PidsLimit\":99}");
  json_object_foreach(want, key, value) {
    CU_ASSERT_TRUE(json_equal(json_object_get(host, key), value));
    if (!json_equal(json_object_get(host, key), value))
      fprintf(stderr, "\ncreate body: HostConfig.%s differs\n", key);
  }
  json_decref(want);
  json_decref(b);
}

static void test_create_body_minimal(void) {
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  spec.image.name = "localhost/x:latest";
  json_t *b = NULL;
  ASSERT_OK(ctrt__docker_create_body(&b, &spec, "my.label", "svc-rep-0"));
  /* Absent command: the image's own entrypoint and cmd. */
  CU_ASSERT_PTR_NULL(json_object_get(b, "Cmd"));
  CU_ASSERT_PTR_NULL(json_object_get(b, "Entrypoint"));
  CU_ASSERT_PTR_NULL(json_object_get(b, "OpenStdin"));
  CU_ASSERT_PTR_NULL(json_object_get(b, "Healthcheck"));
  json_t *labels = parse("{\"my.label\":\"svc-rep-0\"}");
  CU_ASSERT_TRUE(json_equal(json_object_get(b, "Labels"), labels));
  json_decref(labels);
  json_t *host = json_object_get(b, "HostConfig");
  CU_ASSERT_TRUE(json_is_object(host));
  CU_ASSERT_EQUAL(json_object_size(host), 0);

  /* Kinds of health checks and restart policies. */
  char *shell[] = {"CMD-SHELL", "test -e /ok"};
  ctrt_health_check_spec hc = CTRT_HEALTH_CHECK_SPEC_INIT;
  hc.cmd = shell;
  hc.n_cmd = 2;
  ctrt_restart_policy rp = CTRT_RESTART_POLICY_INIT;
  rp.name = CTRT_RESTART_POLICY_NAME_ALWAYS;
  rp.maximum_retry_count = 3;
  char *no_args[1] = {NULL};
  ctrt_command_spec cmd = CTRT_COMMAND_SPEC_INIT;
  cmd.has_args = true;
  cmd.args = no_args;
  cmd.n_args = 0;
  spec.health_check = &hc;
  spec.restart_policy = &rp;
  spec.command = &cmd;
  json_decref(b);
  ASSERT_OK(ctrt__docker_create_body(&b, &spec, "my.label", "svc-rep-0"));
  json_t *want = parse("[\"CMD-SHELL\",\"test -e /ok\"]");
  CU_ASSERT_TRUE(json_equal(json_object_get(json_object_get(b, "Healthcheck"), "Test"), want));
  json_decref(want);
  CU_ASSERT_PTR_NULL(json_object_get(json_object_get(b, "Healthcheck"), "Interval"));
  want = parse("{\"Name\":\"always\"}"); /* no retry count but with on-failure */
  CU_ASSERT_TRUE(json_equal(json_object_get(json_object_get(b, "HostConfig"), "RestartPolicy"), want));
  json_decref(want);
  CU_ASSERT_EQUAL(json_array_size(json_object_get(b, "Cmd")), 0); /* present and empty */
  CU_ASSERT_TRUE(json_is_array(json_object_get(b, "Cmd")));
  json_decref(b);
}

/* ====================================================================== */
/* Hostile answers: strict types, range-checked narrowing                 */
/* ====================================================================== */

/* The converters of inspect and list answers read the body's text
 * (docker_answers.c): the test's JSON is handed to them dumped. */
static char *dumped(const json_t *j) {
  char *text = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  return text;
}
#define FROM_TEXT(name, T, convert)                                                                                    \
  static int name(T **out, const json_t *j) {                                                                          \
    char *text = dumped(j);                                                                                            \
    int rc = convert(out, text, strlen(text));                                                                         \
    free(text);                                                                                                        \
    return rc;                                                                                                         \
  }
FROM_TEXT(state_of, ctrt_container_state, ctrt__docker_state_from_inspect)
FROM_TEXT(details_of, ctrt_container_inspect_details, ctrt__docker_inspect_details)
FROM_TEXT(ports_of, ctrt_port_mapping_entry_list, ctrt__docker_port_entries)
FROM_TEXT(ip_of, char, ctrt__docker_container_ip)
FROM_TEXT(images_of, ctrt_image_info_list, ctrt__docker_image_infos)
static int summaries_of(ctrt_runtime_container_summary_list **out, const json_t *j, const char *label_key) {
  char *text = dumped(j);
  int rc = ctrt__docker_container_summaries(out, text, strlen(text), label_key);
  free(text);
  return rc;
}

typedef int (*convert_fn)(const json_t *j);

/* A converter on hostile input: fails, and leaves *out NULL. */
#define CONVERTER(name, T, free_fn, convert)                                                                           \
  static int name(const json_t *j) {                                                                                   \
    T *v = NULL;                                                                                                       \
    int rc = convert(&v, j);                                                                                           \
    CU_ASSERT_PTR_NULL(v);                                                                                             \
    free_fn(v);                                                                                                        \
    return rc;                                                                                                         \
  }
static int stats_alone(ctrt_stats_sample **out, const json_t *stats) { return docker_ref_stats_sample(out, stats, 0); }
static int wait_alone(ctrt_wait_outcome **out, const json_t *wait) {
  return ctrt__docker_wait_classify(out, wait, NULL);
}
CONVERTER(conv_state, ctrt_container_state, ctrt_container_state_free, state_of)
CONVERTER(conv_wait, ctrt_wait_outcome, ctrt_wait_outcome_free, wait_alone)
CONVERTER(conv_details, ctrt_container_inspect_details, ctrt_container_inspect_details_free, details_of)
CONVERTER(conv_ports, ctrt_port_mapping_entry_list, ctrt_port_mapping_entry_list_free, ports_of)
CONVERTER(conv_stats, ctrt_stats_sample, ctrt_stats_sample_free, stats_alone)
CONVERTER(conv_images, ctrt_image_info_list, ctrt_image_info_list_free, images_of)
CONVERTER(conv_image, ctrt_image_inspect_info, ctrt_image_inspect_info_free, docker_ref_image_inspect_info)
CONVERTER(conv_ip, char, ctrt__free, ip_of)
static int conv_pull(const json_t *j) {
  ctrt_pull_progress *p = NULL;
  char *digest = NULL;
  int rc = ctrt__docker_pull_event(&p, &digest, j);
  CU_ASSERT_PTR_NULL(p);
  ctrt_pull_progress_free(p);
  ctrt__free(digest);
  return rc;
}
static int conv_load(const json_t *j) {
  ctrt_load_progress *p = NULL;
  char *loaded = NULL;
  int rc = ctrt__docker_load_event(&p, &loaded, j);
  CU_ASSERT_PTR_NULL(p);
  CU_ASSERT_PTR_NULL(loaded);
  ctrt_load_progress_free(p);
  ctrt__free(loaded);
  return rc;
}

static void test_hostile_answers(void) {
  static const struct {
    convert_fn fn;
    const char *json;
    const char *message; /* the JSON path, and what was wrong */
  } cases[] = {
      /* Narrowing: never wrapped. */
      {conv_state, "{\"State\":{\"Status\":\"exited\",\"ExitCode\":4294967297}}", "$.State.ExitCode"},
      {conv_wait, "{\"StatusCode\":4294967296}", "$.StatusCode: expected an integer in -2147483648..2147483647"},
      {conv_details, "{\"State\":{\"Status\":\"exited\",\"ExitCode\":-4294967296}}", "$.State.ExitCode"},
      {conv_ports, "{\"NetworkSettings\":{\"Ports\":{\"70000/tcp\":null}}}",
       "$.NetworkSettings.Ports[\"70000/tcp\"]: expected a key"},
      {conv_ports, "{\"NetworkSettings\":{\"Ports\":{\"-1/udp\":null}}}", "$.NetworkSettings.Ports[\"-1/udp\"]"},
      {conv_ports, "{\"NetworkSettings\":{\"Ports\":{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"99999\"}]}}}",
       "$.NetworkSettings.Ports[\"80/tcp\"][0].HostPort: expected a port number"},
      {conv_details, "{\"NetworkSettings\":{\"Ports\":{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"+80\"}]}}}",
       "HostPort"},
      {conv_details, "{\"State\":{\"Health\":{\"Status\":\"healthy\",\"FailingStreak\":-1}}}",
       "$.State.Health.FailingStreak: expected an integer in 0..4294967295"},
      /* Reals past 2^64 are refused, never cast. */
      {conv_stats, "{\"memory_stats\":{\"usage\":1e30}}", "$.memory_stats.usage: expected a number in 0..2^64"},
      {conv_stats, "{\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":-5}}}", "$.cpu_stats.cpu_usage.total_usage"},
      /* A wrong type is an error with its path, not "absent". */
      /* (the inspect and list answers are walked: the walker's words, as the generated decoders') */
      {conv_state, "{\"State\":{\"Status\":7}}", "$.State.Status: expected string, got integer"},
      {conv_state, "{\"State\":[]}", "$.State: expected object, got array"},
      {conv_wait, "{\"StatusCode\":\"0\"}", "$.StatusCode"},
      {conv_wait, "{\"StatusCode\":0,\"Error\":{\"Message\":5}}", "$.Error.Message: expected a string"},
      {conv_stats, "{\"networks\":{\"eth0\":{\"rx_bytes\":\"many\"}}}", "$.networks.eth0.rx_bytes"},
      {conv_images, "[{\"RepoTags\":\"web:1\"}]", "$[0].RepoTags: expected array, got string"},
      {conv_images, "[{\"RepoTags\":[\"web:1\"],\"Size\":true}]", "$[0].Size"},
      {conv_images, "[{\"Id\":\"x\"},{\"Id\":\"y\",\"Size\":-5}]", "$[1].Size: expected an integer in -1.."},
      {conv_image, "{\"Id\":\"sha256:1\",\"Config\":{\"Labels\":{\"a\":1}}}", "$.Config.Labels.a"},
      {conv_image, "{\"Id\":\"sha256:1\",\"RepoTags\":[\"a\",2]}", "$.RepoTags[1]: expected a string"},
      /* Strings the encoder would refuse are refused here. */
      {conv_ip, "{\"NetworkSettings\":{\"IPAddress\":\"999.1.1.1\"}}",
       "$.NetworkSettings.IPAddress: expected an IP address"},
      {conv_details, "{\"NetworkSettings\":{\"Networks\":{\"bridge\":{\"IPAddress\":\"not an ip\"}}}}",
       "$.NetworkSettings.Networks.bridge.IPAddress"},
      {conv_details, "{\"NetworkSettings\":{\"Ports\":{\"80/tcp\":{}}}}",
       "$.NetworkSettings.Ports[\"80/tcp\"]: expected array, got object"},
      {conv_ports, "{\"NetworkSettings\":{\"Ports\":{\"80/tcp\":[{\"HostIp\":\"x\",\"HostPort\":\"80\"}]}}}",
       "HostIp: expected an IP address"},
      /* NUL characters are never cut silently. */
      {conv_state, "{\"State\":{\"Status\":\"exited\\u0000x\"}}", "$.State.Status: the string carries a NUL"},
      {conv_pull, "{\"status\":\"Pulling\",\"id\":\"busybox\\u0000:x\"}", "$.id: expected a string without NUL"},
      {conv_load, "{\"stream\":\"Loaded image: busybox\\u0000:x\\n\"}", "$.stream"},
      {conv_pull, "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":1.5}}", "$.progressDetail.current"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_error_t err;
    json_t *j = json_loads(cases[i].json, JSON_ALLOW_NUL | JSON_DECODE_ANY, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    int rc = cases[i].fn(j);
    CU_ASSERT_EQUAL(rc, -(int)CTRT_ERROR_INTERNAL);
    const char *message = ctrt_error_last()->message;
    if (rc >= 0 || strstr(message, cases[i].message) == NULL)
      fprintf(stderr, "\ncase %zu (%s): rc %d, message: %s\n", i, cases[i].json, rc, message);
    CU_ASSERT_PTR_NOT_NULL(strstr(message, cases[i].message));
    json_decref(j);
  }
}

/* Generated stubs walk the answer's text with generated tables
 * (ctrt__docker_walk_*): what the Docker DOM decoder accepts they accept,
 * alike, and what it refuses they refuse with the same JSON path. */
static void test_walked_stub_answers(void) {
  static const struct {
    const char *json;
    const char *message; /* NULL: decodes */
  } cases[] = {
      {"{\"Titles\":[\"PID\",\"CMD\"],\"Processes\":[[\"1\",\"sh\"],[\"7\",\"top\"]],\"Other\":{\"x\":[1]}}", NULL},
      {"{\"Titles\":null,\"Processes\":[]}", "$.Titles: missing required field"},
      {"{\"Titles\":[\"PID\"],\"Titles\":null,\"Processes\":[]}", "$.Titles: missing required field"},
      {"{\"Titles\":null,\"Titles\":[\"PID\"],\"Processes\":[]}", NULL},
      {"{\"Processes\":[]}", "$.Titles: missing required field"},
      {"{\"Titles\":[\"PID\",2],\"Processes\":[]}", "$.Titles[1]: expected string, got integer"},
      {"{\"Titles\":[],\"Processes\":[[\"1\"],{}]}", "$.Processes[1]: expected"},
      {"[]", "$: expected object, got array"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ctrt_container_top_output walked, tree;
    bool syntax = true;
    int rc = ctrt__docker_walk_container_top_output(&walked, cases[i].json, strlen(cases[i].json), &syntax);
    char message[CTRT__ERROR_MESSAGE_MAX];
    snprintf(message, sizeof message, "%s", ctrt_error_last()->message);
    CU_ASSERT_FALSE(syntax);
    json_t *j = parse(cases[i].json);
    int tree_rc = ctrt__docker_dec_container_top_output(&tree, j, NULL);
    json_decref(j);
    if ((rc == 0) != (cases[i].message == NULL) || (rc < 0 && strstr(message, cases[i].message) == NULL))
      fprintf(stderr, "\ncase %zu (%s): rc %d, message: %s\n", i, cases[i].json, rc, message);
    CU_ASSERT_EQUAL(rc == 0, cases[i].message == NULL);
    CU_ASSERT_EQUAL(rc == 0, tree_rc == 0);
    if (rc < 0) {
      CU_ASSERT_PTR_NOT_NULL(strstr(message, cases[i].message));
      CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, cases[i].message)); /* the DOM's words */
    }
    if (rc == 0 && tree_rc == 0)
      CU_ASSERT_TRUE(ctrt_container_top_output_equal(&walked, &tree));
    if (rc == 0)
      ctrt_container_top_output_clear(&walked);
    if (tree_rc == 0)
      ctrt_container_top_output_clear(&tree);
  }
  /* A list answer: null is empty; invalid text is told from a bad value. */
  ctrt_filesystem_change_entry_list changes;
  bool syntax = false;
  ASSERT_OK(ctrt__docker_walk_filesystem_change_entry_list(&changes, "null", 4, &syntax));
  CU_ASSERT_EQUAL(changes.n_items, 0);
  static const char good[] = "[{\"Path\":\"/a\",\"Kind\":1},{\"Path\":\"/b\",\"Kind\":2,\"x\":[{}]}]";
  ASSERT_OK(ctrt__docker_walk_filesystem_change_entry_list(&changes, good, strlen(good), &syntax));
  CU_ASSERT_EQUAL_FATAL(changes.n_items, 2);
  CU_ASSERT_STRING_EQUAL(changes.items[1].path, "/b");
  ctrt_filesystem_change_kind kind = CTRT_FILESYSTEM_CHANGE_KIND_MODIFIED;
  CU_ASSERT_EQUAL(ctrt_filesystem_change_kind_from_docker_code(&kind, 2), 0);
  CU_ASSERT_EQUAL(changes.items[1].kind, kind);
  ctrt_filesystem_change_entry_list_clear(&changes);
  static const char bad_code[] = "[{\"Path\":\"/a\",\"Kind\":9}]";
  CU_ASSERT_TRUE(ctrt__docker_walk_filesystem_change_entry_list(&changes, bad_code, strlen(bad_code), &syntax) < 0);
  CU_ASSERT_FALSE(syntax);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "$[0].Kind: unknown Docker FilesystemChangeKind code 9"));
  static const char truncated[] = "[{\"Path\":\"/a\",\"Kind\":1}";
  CU_ASSERT_TRUE(ctrt__docker_walk_filesystem_change_entry_list(&changes, truncated, strlen(truncated), &syntax) < 0);
  CU_ASSERT_TRUE(syntax);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "$: invalid JSON"));
}

/* ====================================================================== */
/* State, wait, stats, log timestamps                                     */
/* ====================================================================== */

static void check_state(const char *json, ctrt_container_state_kind kind, int32_t code, const char *reason) {
  json_t *j = parse(json);
  ctrt_container_state *s = NULL;
  ASSERT_OK(state_of(&s, j));
  CU_ASSERT_EQUAL(s->kind, kind);
  if (kind == CTRT_CONTAINER_STATE_EXITED)
    CU_ASSERT_EQUAL(s->exited.code, code);
  if (kind == CTRT_CONTAINER_STATE_FAILED)
    CU_ASSERT_STRING_EQUAL(s->failed.reason, reason);
  ctrt_container_state_free(s);
  json_decref(j);
}

static void test_state_mapping(void) {
  check_state("{\"State\":{\"Status\":\"created\"}}", CTRT_CONTAINER_STATE_PENDING, 0, NULL);
  check_state("{\"State\":{\"Status\":\"running\"}}", CTRT_CONTAINER_STATE_RUNNING, 0, NULL);
  check_state("{\"State\":{\"Status\":\"paused\"}}", CTRT_CONTAINER_STATE_RUNNING, 0, NULL);
  check_state("{\"State\":{\"Status\":\"restarting\"}}", CTRT_CONTAINER_STATE_INITIALIZING, 0, NULL);
  check_state("{\"State\":{\"Status\":\"removing\"}}", CTRT_CONTAINER_STATE_STOPPING, 0, NULL);
  check_state("{\"State\":{\"Status\":\"exited\",\"ExitCode\":3}}", CTRT_CONTAINER_STATE_EXITED, 3, NULL);
  check_state("{\"State\":{\"Status\":\"dead\",\"Error\":\"\"}}", CTRT_CONTAINER_STATE_FAILED, 0, "container is dead");
  check_state("{\"State\":{\"Status\":\"dead\",\"Error\":\"shim died\"}}", CTRT_CONTAINER_STATE_FAILED, 0, "shim died");
  json_t *j = parse("{\"State\":{\"Status\":\"sleeping\"}}");
  ctrt_container_state *s = NULL;
  ASSERT_FAILS_WITH(state_of(&s, j), CTRT_ERROR_INTERNAL);
  CU_ASSERT_PTR_NULL(s);
  json_decref(j);
}

static ctrt_wait_outcome *classify(const char *wait, const char *inspect) {
  json_t *w = parse(wait), *i = inspect ? parse(inspect) : NULL;
  ctrt_wait_outcome *o = NULL;
  ASSERT_OK(ctrt__docker_wait_classify(&o, w, i));
  json_decref(w);
  json_decref(i);
  return o;
}

static void test_wait_classify(void) {
  ctrt_wait_outcome *o = classify("{\"StatusCode\":3,\"Error\":null}", "{\"State\":{\"OOMKilled\":false,\"Error\":\"\","
                                                                       "\"FinishedAt\":\"2024-01-02T03:04:05.5Z\"}}");
  CU_ASSERT_EQUAL(o->exit_code, 3);
  CU_ASSERT_EQUAL(o->reason, CTRT_WAIT_REASON_EXITED);
  CU_ASSERT_PTR_NULL(o->signal);
  CU_ASSERT_TRUE(o->has_finished_at);
  CU_ASSERT_EQUAL(o->finished_at.seconds, 1704164645);
  CU_ASSERT_EQUAL(o->finished_at.nanos, 500000000);
  ctrt_wait_outcome_free(o);

  o = classify("{\"StatusCode\":137}", "{\"State\":{\"OOMKilled\":false,\"FinishedAt\":\"0001-01-01T00:00:00Z\"}}");
  CU_ASSERT_EQUAL(o->reason, CTRT_WAIT_REASON_SIGNAL);
  CU_ASSERT_STRING_EQUAL(o->signal, "SIGKILL");
  CU_ASSERT_FALSE(o->has_finished_at); /* Go's zero time: absent */
  ctrt_wait_outcome_free(o);

  o = classify("{\"StatusCode\":137}", "{\"State\":{\"OOMKilled\":true}}");
  CU_ASSERT_EQUAL(o->reason, CTRT_WAIT_REASON_OOM_KILLED);
  ctrt_wait_outcome_free(o);

  o = classify("{\"StatusCode\":127}", "{\"State\":{\"OOMKilled\":false,\"Error\":\"exec: no such file\"}}");
  CU_ASSERT_EQUAL(o->reason, CTRT_WAIT_REASON_RUNTIME_ERROR);
  CU_ASSERT_EQUAL(o->exit_code, 127);
  ctrt_wait_outcome_free(o);

  o = classify("{\"StatusCode\":143}", "{\"State\":{\"Error\":\"ignored: a signal comes first\"}}");
  CU_ASSERT_EQUAL(o->reason, CTRT_WAIT_REASON_SIGNAL);
  CU_ASSERT_STRING_EQUAL(o->signal, "SIGTERM");
  ctrt_wait_outcome_free(o);

  /* Removed already: the wait answer alone. */
  o = classify("{\"StatusCode\":129}", NULL);
  CU_ASSERT_EQUAL(o->reason, CTRT_WAIT_REASON_SIGNAL);
  CU_ASSERT_STRING_EQUAL(o->signal, "SIGHUP");
  ctrt_wait_outcome_free(o);
  o = classify("{\"StatusCode\":1,\"Error\":{\"Message\":\"boom\"}}", NULL);
  CU_ASSERT_EQUAL(o->reason, CTRT_WAIT_REASON_RUNTIME_ERROR);
  ctrt_wait_outcome_free(o);

  json_t *w = parse("{\"Error\":null}");
  ASSERT_FAILS_WITH(ctrt__docker_wait_classify(&o, w, NULL), CTRT_ERROR_INTERNAL);
  json_decref(w);
}

static const char STATS[] =
    "{\"read\":\"2024-05-06T07:08:09.123456789Z\","
    "\"pids_stats\":{\"current\":3,\"limit\":64},"
    "\"blkio_stats\":{\"io_service_bytes_recursive\":[{\"major\":8,\"minor\":0,\"op\":\"Read\",\"value\":4096},"
    "{\"major\":8,\"minor\":0,\"op\":\"Write\",\"value\":100},{\"major\":8,\"minor\":0,\"op\":\"Sync\",\"value\":7},"
    "{\"major\":8,\"minor\":16,\"op\":\"read\",\"value\":4}]},"
    "\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":123456789,\"percpu_usage\":[1,2]},"
    "\"system_cpu_usage\":999000000000,\"online_cpus\":2},"
    "\"memory_stats\":{\"usage\":10000000,\"limit\":134217728,\"stats\":{\"cache\":4000000}},"
    "\"networks\":{\"eth0\":{\"rx_bytes\":100,\"tx_bytes\":10},\"eth1\":{\"rx_bytes\":5,\"tx_bytes\":1}}}";

/* get_container_stats walks its answer: the walked reading and the DOM
 * converter's agree on every field. */
static void stats_agree(const char *text, uint64_t host_memory) {
  json_t *j = parse(text);
  ctrt_container_stats *dom = NULL, *walked = NULL;
  ASSERT_OK(docker_ref_container_stats(&dom, j, host_memory));
  ASSERT_OK(ctrt__docker_container_stats_walk(&walked, text, strlen(text), host_memory));
  CU_ASSERT_EQUAL(walked->cpu_usage_usec, dom->cpu_usage_usec);
  CU_ASSERT_EQUAL(walked->memory_bytes, dom->memory_bytes);
  CU_ASSERT_EQUAL(walked->memory_limit, dom->memory_limit);
  if (strstr(text, "\"read\"") != NULL) { /* else both read the clock */
    CU_ASSERT_EQUAL(walked->timestamp.seconds, dom->timestamp.seconds);
    CU_ASSERT_EQUAL(walked->timestamp.nanos, dom->timestamp.nanos);
  }
  ctrt_container_stats_free(dom);
  ctrt_container_stats_free(walked);
  json_decref(j);
}

static void test_stats_walked(void) {
  stats_agree(STATS, 0);
  stats_agree(STATS, 134217728);
  stats_agree(STATS, 134217729);
  /* Reals (Go past 2^53), nulls for absent, the cgroup v1 "unlimited". */
  stats_agree("{\"read\":\"2024-05-06T07:08:09Z\",\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":1.8e19}},"
              "\"memory_stats\":{\"usage\":4096.0,\"limit\":9223372036854771712,\"stats\":null},\"networks\":null}",
              0);
  stats_agree("{\"cpu_stats\":null,\"memory_stats\":{\"usage\":1,\"stats\":{\"cache\":9}}}", 0);
  static const char *const bad[][2] = {
      {"{\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":-1}}}",
       "get_container_stats: the Docker daemon's answer has $.cpu_stats.cpu_usage.total_usage: expected a number in "
       "0..2^64, got integer -1"},
      {"{\"memory_stats\":{\"limit\":2e19}}",
       "get_container_stats: the Docker daemon's answer has $.memory_stats.limit: expected a number in 0..2^64, got "
       "real 2e+19"},
      {"{\"memory_stats\":[]}",
       "get_container_stats: the Docker daemon's answer has $.memory_stats: expected object, got array"},
      {"{\"read\":7}", "get_container_stats: the Docker daemon's answer has $.read: expected string, got integer"},
      {"{\"read\":\"x\",", "get_container_stats: the Docker daemon answered with invalid JSON"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ctrt_container_stats *cs = NULL;
    json_t *j = json_loads(bad[i][0], 0, NULL);
    if (j != NULL) { /* the DOM converter refuses it too */
      CU_ASSERT_TRUE(docker_ref_container_stats(&cs, j, 0) < 0);
      json_decref(j);
    }
    CU_ASSERT_TRUE(ctrt__docker_container_stats_walk(&cs, bad[i][0], strlen(bad[i][0]), 0) < 0);
    CU_ASSERT_PTR_NULL(cs);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, bad[i][1]));
  }
}

/* stats_stream walks each sample from the line's bytes: the walked sample
 * and the DOM converter's agree on every field. */
static void sample_agree(const char *text, uint64_t host_memory) {
  json_t *j = parse(text);
  ctrt_stats_sample *dom = NULL, *walked = NULL;
  ASSERT_OK(docker_ref_stats_sample(&dom, j, host_memory));
  ASSERT_OK(ctrt__docker_stats_sample_walk(&walked, text, strlen(text), host_memory));
  CU_ASSERT_EQUAL(walked->cpu_total_ns, dom->cpu_total_ns);
  CU_ASSERT_EQUAL(walked->cpu_system_ns, dom->cpu_system_ns);
  CU_ASSERT_EQUAL(walked->online_cpus, dom->online_cpus);
  CU_ASSERT_EQUAL(walked->mem_used_bytes, dom->mem_used_bytes);
  CU_ASSERT_EQUAL(walked->mem_limit_bytes, dom->mem_limit_bytes);
  CU_ASSERT_EQUAL(walked->net_rx_bytes, dom->net_rx_bytes);
  CU_ASSERT_EQUAL(walked->net_tx_bytes, dom->net_tx_bytes);
  CU_ASSERT_EQUAL(walked->blkio_read_bytes, dom->blkio_read_bytes);
  CU_ASSERT_EQUAL(walked->blkio_write_bytes, dom->blkio_write_bytes);
  CU_ASSERT_EQUAL(walked->pids_current, dom->pids_current);
  CU_ASSERT_EQUAL(walked->has_pids_limit, dom->has_pids_limit);
  CU_ASSERT_EQUAL(walked->pids_limit, dom->pids_limit);
  if (strstr(text, "\"read\"") != NULL && strstr(text, "0001-01-01") == NULL) { /* else both read the clock */
    CU_ASSERT_EQUAL(walked->timestamp.seconds, dom->timestamp.seconds);
    CU_ASSERT_EQUAL(walked->timestamp.nanos, dom->timestamp.nanos);
  }
  ctrt_stats_sample_free(dom);
  ctrt_stats_sample_free(walked);
  json_decref(j);
}

/* A sample recorded from dockerd 20.10.24 (this project's fixture daemon,
 * cgroup v1 host) on 2026-12-07: GET /containers/{id}/stats?stream=false on
 * a busybox `sleep`. */
static const char RECORDED_SAMPLE[] =
    "{\"read\":\"2026-12-07T17:01:37.297621762Z\",\"preread\":\"2026-12-07T17:01:36.233504948Z\",\"pids_s"
    "tats\":{\"current\":1},\"blkio_stats\":{\"io_service_bytes_recursive\":[],\"io_serviced_recursive\":"
    "[],\"io_queue_recursive\":[],\"io_service_time_recursive\":[],\"io_wait_time_recursive\":[],\"io_mer"
    "ged_recursive\":[],\"io_time_recursive\":[],\"sectors_recursive\":[]},\"num_procs\":0,\"storage_stat"
    "s\":{},\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":85207734,\"percpu_usage\":[66564762,18642972],"
    "\"usage_in_kernelmode\":30000000,\"usage_in_usermode\":40000000},\"system_cpu_usage\":16509522000000"
    "0,\"online_cpus\":2,\"throttling_data\":{\"periods\":0,\"throttled_periods\":0,\"throttled_time\":0}"
    "},\"precpu_stats\":{\"cpu_usage\":{\"total_usage\":85207734,\"percpu_usage\":[66564762,18642972],\"u"
    "sage_in_kernelmode\":30000000,\"usage_in_usermode\":40000000},\"system_cpu_usage\":165093100000000,"
    "\"online_cpus\":2,\"throttling_data\":{\"periods\":0,\"throttled_periods\":0,\"throttled_time\":0}},"
    "\"memory_stats\":{\"usage\":319488,\"max_usage\":3747840,\"stats\":{\"active_anon\":4096,\"active_fi"
    "le\":0,\"cache\":0,\"dirty\":0,\"hierarchical_memory_limit\":9223372036854771712,\"hierarchical_mems"
    "w_limit\":9223372036854771712,\"inactive_anon\":45056,\"inactive_file\":0,\"mapped_file\":0,\"pgfaul"
    "t\":1079,\"pgmajfault\":0,\"pgpgin\":810,\"pgpgout\":798,\"rss\":49152,\"rss_huge\":0,\"total_active"
    "_anon\":4096,\"total_active_file\":0,\"total_cache\":0,\"total_dirty\":0,\"total_inactive_anon\":450"
    "56,\"total_inactive_file\":0,\"total_mapped_file\":0,\"total_pgfault\":1079,\"total_pgmajfault\":0,"
    "\"total_pgpgin\":810,\"total_pgpgout\":798,\"total_rss\":49152,\"total_rss_huge\":0,\"total_unevicta"
    "ble\":0,\"total_writeback\":0,\"unevictable\":0,\"writeback\":0},\"limit\":25276157952},\"name\":\"/"
    "h-walk5-statsrec\",\"id\":\"1feaab28ef716f6226c4390a9ab0664f937e80145fa474145893fc0697ec0f0b\",\"net"
    "works\":{\"eth0\":{\"rx_bytes\":736,\"rx_packets\":8,\"rx_errors\":0,\"rx_dropped\":0,\"tx_bytes\":0"
    ",\"tx_packets\":0,\"tx_errors\":0,\"tx_dropped\":0}}}";

static void test_stats_sample_walked(void) {
  sample_agree(STATS, 0);
  sample_agree(STATS, 134217728);
  sample_agree(RECORDED_SAMPLE, 0);
  sample_agree(RECORDED_SAMPLE, 25276157952);
  /* Reals, nulls for absent, no online_cpus (percpu_usage counted), the
   * cgroup v1 "unlimited", an unlimited pids limit, Go's zero time. */
  sample_agree("{\"read\":\"2024-05-06T07:08:09Z\",\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":1.8e19,"
               "\"percpu_usage\":[1,2,3]},\"system_cpu_usage\":5.0},\"pids_stats\":{\"current\":2,\"limit\":0},"
               "\"memory_stats\":{\"usage\":4096.0,\"limit\":9223372036854771712,\"stats\":null},\"networks\":null,"
               "\"blkio_stats\":{\"io_service_bytes_recursive\":null}}",
               0);
  sample_agree("{\"read\":\"0001-01-01T00:00:00Z\",\"cpu_stats\":null,\"memory_stats\":{\"usage\":1,\"stats\":"
               "{\"cache\":9}},\"networks\":{\"a\":{},\"b\":{\"rx_bytes\":null,\"tx_bytes\":3}}}",
               0);
  sample_agree("{}", 0);
  static const char *const bad[][2] = {
      {"{\"cpu_stats\":{\"system_cpu_usage\":-1}}",
       "stats_stream: the Docker daemon's answer has $.cpu_stats.system_cpu_usage: expected a number in 0..2^64, got "
       "integer -1"},
      {"{\"networks\":{\"eth0\":{\"rx_bytes\":\"7\"}}}",
       "stats_stream: the Docker daemon's answer has $.networks.eth0.rx_bytes: expected number in 0..2^64, got "
       "string"},
      {"{\"networks\":[]}", "stats_stream: the Docker daemon's answer has $.networks: expected object, got array"},
      {"{\"blkio_stats\":{\"io_service_bytes_recursive\":[{\"op\":7}]}}",
       "stats_stream: the Docker daemon's answer has $.blkio_stats.io_service_bytes_recursive[0].op: expected string, "
       "got integer"},
      {"{\"pids_stats\":{\"limit\":true}}",
       "stats_stream: the Docker daemon's answer has $.pids_stats.limit: expected number in 0..2^64, got boolean"},
      {"{\"read\":\"a\\u0000b\"}", "stats_stream: the Docker daemon's answer has $.read"},
      {"[]", "stats_stream: the Docker daemon's answer has $: expected object, got array"},
      {"{\"read\":\"x\",", "stats_stream: the Docker daemon answered with invalid JSON"},
      /* Past int64 (cgroup v2's "max" as MaxUint64): refused as jansson does. */
      {"{\"pids_stats\":{\"limit\":18446744073709551615}}",
       "stats_stream: the Docker daemon answered with invalid JSON: $: invalid JSON at line 1, column 24: too big "
       "integer"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ctrt_stats_sample *s = NULL;
    json_t *j = json_loads(bad[i][0], JSON_ALLOW_NUL, NULL);
    if (j != NULL) { /* the DOM converter refuses it too */
      CU_ASSERT_TRUE(docker_ref_stats_sample(&s, j, 0) < 0);
      CU_ASSERT_PTR_NULL(s);
      json_decref(j);
    }
    CU_ASSERT_TRUE(ctrt__docker_stats_sample_walk(&s, bad[i][0], strlen(bad[i][0]), 0) < 0);
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, bad[i][1]));
  }
}

/* prune_images walks its answer: the walked result and the DOM converter's agree. */
static void prune_agree(const char *text) {
  json_t *j = parse(text);
  ctrt_prune_result *dom = NULL, *walked = NULL;
  ASSERT_OK(docker_ref_prune_result(&dom, j));
  ASSERT_OK(ctrt__docker_prune_walk(&walked, text, strlen(text)));
  CU_ASSERT_EQUAL(walked->space_reclaimed, dom->space_reclaimed);
  CU_ASSERT_EQUAL_FATAL(walked->n_deleted, dom->n_deleted);
  for (size_t i = 0; i < dom->n_deleted; i++)
    CU_ASSERT_STRING_EQUAL(walked->deleted[i], dom->deleted[i]);
  ctrt_prune_result_free(dom);
  ctrt_prune_result_free(walked);
  json_decref(j);
}

static void test_prune_walked(void) {
  prune_agree("{\"ImagesDeleted\":[{\"Untagged\":\"a:1\"},{\"Deleted\":\"sha256:aaa\"},{\"Untagged\":\"b@sha256:c\","
              "\"Deleted\":\"sha256:c\"},{\"Untagged\":\"\",\"Deleted\":null},{}],\"SpaceReclaimed\":77}");
  prune_agree("{\"ImagesDeleted\":null,\"SpaceReclaimed\":0}");
  prune_agree("{\"ImagesDeleted\":[],\"SpaceReclaimed\":1.5e10,\"Other\":[1,{\"x\":2}]}");
  prune_agree("{}");
  static const char *const bad[][2] = {
      {"{\"ImagesDeleted\":{}}",
       "prune_images: the Docker daemon's answer has $.ImagesDeleted: expected array, got object"},
      {"{\"ImagesDeleted\":[{\"Deleted\":1}]}",
       "prune_images: the Docker daemon's answer has $.ImagesDeleted[0].Deleted: expected string, got integer"},
      {"{\"SpaceReclaimed\":-5}",
       "prune_images: the Docker daemon's answer has $.SpaceReclaimed: expected a number in 0..2^64, got integer -5"},
      {"{\"ImagesDeleted\":[", "prune_images: the Docker daemon answered with invalid JSON"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ctrt_prune_result *pr = NULL;
    json_t *j = json_loads(bad[i][0], 0, NULL);
    if (j != NULL) {
      CU_ASSERT_TRUE(docker_ref_prune_result(&pr, j) < 0);
      CU_ASSERT_PTR_NULL(pr);
      json_decref(j);
    }
    CU_ASSERT_TRUE(ctrt__docker_prune_walk(&pr, bad[i][0], strlen(bad[i][0])) < 0);
    CU_ASSERT_PTR_NULL(pr);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, bad[i][1]));
  }
}

static void test_stats_conversion(void) {
  json_t *j = parse(STATS);
  ctrt_stats_sample *s = NULL;
  ASSERT_OK(docker_ref_stats_sample(&s, j, 0));
  CU_ASSERT_EQUAL(s->cpu_total_ns, 123456789);
  CU_ASSERT_EQUAL(s->cpu_system_ns, 999000000000ull);
  CU_ASSERT_EQUAL(s->online_cpus, 2);
  CU_ASSERT_EQUAL(s->mem_used_bytes, 6000000); /* usage minus cache */
  CU_ASSERT_EQUAL(s->mem_limit_bytes, 134217728);
  CU_ASSERT_EQUAL(s->net_rx_bytes, 105);
  CU_ASSERT_EQUAL(s->net_tx_bytes, 11);
  CU_ASSERT_EQUAL(s->blkio_read_bytes, 4100);
  CU_ASSERT_EQUAL(s->blkio_write_bytes, 100);
  CU_ASSERT_EQUAL(s->pids_current, 3);
  CU_ASSERT_TRUE(s->has_pids_limit);
  CU_ASSERT_EQUAL(s->pids_limit, 64);
  CU_ASSERT_EQUAL(s->timestamp.seconds, 1714979289);
  CU_ASSERT_EQUAL(s->timestamp.nanos, 123456789);
  ctrt_stats_sample_free(s);
  ctrt_container_stats *cs = NULL;
  ASSERT_OK(docker_ref_container_stats(&cs, j, 0));
  CU_ASSERT_EQUAL(cs->cpu_usage_usec, 123456);
  CU_ASSERT_EQUAL(cs->memory_bytes, 6000000);
  CU_ASSERT_EQUAL(cs->memory_limit, 134217728);
  CU_ASSERT_EQUAL(cs->timestamp.seconds, 1714979289);
  ctrt_container_stats_free(cs);
  json_decref(j);

  /* Unlimited memory (cgroup v1's huge limit), no pids limit, no online_cpus. */
  j = parse("{\"read\":\"2024-05-06T07:08:09Z\",\"pids_stats\":{\"current\":1},"
            "\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":5,\"percpu_usage\":[1,2,3,4]}},"
            "\"memory_stats\":{\"usage\":4096,\"limit\":9223372036854771712},\"networks\":null}");
  ASSERT_OK(docker_ref_stats_sample(&s, j, 0));
  CU_ASSERT_EQUAL(s->mem_limit_bytes, 0);
  CU_ASSERT_EQUAL(s->mem_used_bytes, 4096);
  CU_ASSERT_FALSE(s->has_pids_limit);
  CU_ASSERT_EQUAL(s->online_cpus, 4);
  CU_ASSERT_EQUAL(s->net_rx_bytes, 0);
  ctrt_stats_sample_free(s);
  ASSERT_OK(docker_ref_container_stats(&cs, j, 0));
  CU_ASSERT_EQUAL(cs->memory_limit, 0);
  ctrt_container_stats_free(cs);
  json_decref(j);

  /* No limit on cgroup v2: the daemon reports the host's MemTotal. */
  j = parse(STATS);
  ASSERT_OK(docker_ref_stats_sample(&s, j, 134217728));
  CU_ASSERT_EQUAL(s->mem_limit_bytes, 0);
  ctrt_stats_sample_free(s);
  ASSERT_OK(docker_ref_container_stats(&cs, j, 134217728));
  CU_ASSERT_EQUAL(cs->memory_limit, 0);
  ctrt_container_stats_free(cs);
  ASSERT_OK(docker_ref_container_stats(&cs, j, 134217729));
  CU_ASSERT_EQUAL(cs->memory_limit, 134217728);
  ctrt_container_stats_free(cs);
  json_decref(j);
}

static void test_dedupe_message(void) {
  static const char *const cases[][2] = {
      {"no such image: a/b:1: No such image: a/b:1", "no such image: a/b:1"}, /* dockerd 20.10 */
      {"failed to find image a/b:1: a/b:1: No such image", "failed to find image a/b:1: No such image"}, /* podman */
      {"No such container: zlayer-web-1", "No such container: zlayer-web-1"},
      {"conflict: unable to delete abc (must be forced)", "conflict: unable to delete abc (must be forced)"},
      {"", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[128];
    snprintf(text, sizeof text, "%s", cases[i][0]);
    ctrt__docker_dedupe_message(text);
    CU_ASSERT_STRING_EQUAL(text, cases[i][1]);
  }
}

static void test_log_timestamp(void) {
  ctrt_timestamp ts;
  size_t off = 0;
  const char *line = "2026-11-28T11:44:42.367997686Z two\n";
  CU_ASSERT_TRUE(ctrt__docker_log_timestamp(line, strlen(line), &ts, &off));
  CU_ASSERT_EQUAL(off, 31);
  CU_ASSERT_STRING_EQUAL(line + off, "two\n");
  CU_ASSERT_EQUAL(ts.nanos, 367997686);
  line = "2026-11-28T11:44:42Z ";
  CU_ASSERT_TRUE(ctrt__docker_log_timestamp(line, strlen(line), &ts, &off));
  CU_ASSERT_EQUAL(off, strlen(line));
  line = "2026-11-28T12:44:42+01:00 offset";
  CU_ASSERT_TRUE(ctrt__docker_log_timestamp(line, strlen(line), &ts, &off));
  CU_ASSERT_STRING_EQUAL(line + off, "offset");
  CU_ASSERT_EQUAL(ts.seconds % 86400, 11 * 3600 + 44 * 60 + 42);
  static const char *const bad[] = {"no timestamp here", "2026-11-28T11:44:42.1Z", "", "short text",
                                    "2026-13-28T11:44:42.1Z x"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CU_ASSERT_FALSE(ctrt__docker_log_timestamp(bad[i], strlen(bad[i]), &ts, &off));
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NONE);
}

/* ====================================================================== */
/* Lists and inspect answers                                              */
/* ====================================================================== */

static void test_image_conversions(void) {
  json_t *j = parse("[{\"Id\":\"sha256:aaa\",\"RepoTags\":[\"reg:5000/a/b:1\",\"localhost/b:latest\"],"
                    "\"RepoDigests\":[\"reg:5000/a/b@sha256:d1\"],\"Size\":2000000},"
                    "{\"Id\":\"sha256:bbb\",\"RepoTags\":null,\"RepoDigests\":[\"x/y@sha256:d2\"],\"Size\":5},"
                    "{\"Id\":\"sha256:ccc\",\"RepoTags\":[\"<none>:<none>\"],\"RepoDigests\":[],\"Size\":6}]");
  ctrt_image_info_list *list = NULL;
  ASSERT_OK(images_of(&list, j));
  CU_ASSERT_EQUAL_FATAL(list->n_items, 4);
  CU_ASSERT_STRING_EQUAL(list->items[0].reference, "reg:5000/a/b:1");
  CU_ASSERT_STRING_EQUAL(list->items[0].digest, "sha256:d1");
  CU_ASSERT_TRUE(list->items[0].has_size_bytes && list->items[0].size_bytes == 2000000);
  CU_ASSERT_STRING_EQUAL(list->items[1].reference, "localhost/b:latest");
  CU_ASSERT_PTR_NULL(list->items[1].digest); /* that digest is another repository's */
  CU_ASSERT_STRING_EQUAL(list->items[2].reference, "sha256:bbb");
  CU_ASSERT_STRING_EQUAL(list->items[2].digest, "sha256:d2");
  CU_ASSERT_STRING_EQUAL(list->items[3].reference, "sha256:ccc");
  ctrt_image_info_list_free(list);
  json_decref(j);
  /* Docker's -1 is an unknown size; a null list is empty. */
  j = parse("[{\"Id\":\"sha256:ddd\",\"RepoTags\":null,\"Size\":-1,\"Labels\":{\"a\":\"b\"}}]");
  ASSERT_OK(images_of(&list, j));
  CU_ASSERT_EQUAL_FATAL(list->n_items, 1);
  CU_ASSERT_FALSE(list->items[0].has_size_bytes);
  ctrt_image_info_list_free(list);
  json_decref(j);
  ASSERT_OK(ctrt__docker_image_infos(&list, "null", 4));
  CU_ASSERT_EQUAL(list->n_items, 0);
  ctrt_image_info_list_free(list);

  /* The DOM converter and the walked one (what the hook runs) agree. */
  static const char image_text[] =
      "{\"Id\":\"sha256:aaa\",\"RepoTags\":[\"a:1\"],\"RepoDigests\":[],\"Parent\":\"\",\"Comment\":\"c\","
      "\"Created\":\"2024-01-01T00:00:00Z\",\"Container\":\"\",\"DockerVersion\":\"20.10\",\"Author\":\"me\","
      "\"Architecture\":\"amd64\",\"Os\":\"linux\",\"Size\":42,\"RootFS\":{\"Layers\":[\"sha256:l1\"]},"
      "\"Config\":{\"Env\":[\"PATH=/bin\"],\"Cmd\":[\"sh\"],\"Entrypoint\":null,\"WorkingDir\":\"/w\","
      "\"User\":\"\",\"Labels\":{\"k\":\"v\"}},\"GraphDriver\":{\"Data\":{\"x\":[1,{\"y\":null}]}}}";
  for (int walked = 0; walked < 2; walked++) {
    ctrt_image_inspect_info *info = NULL;
    j = parse(image_text);
    if (walked)
      ASSERT_OK(ctrt__docker_image_inspect_walk(&info, image_text, strlen(image_text)));
    else
      ASSERT_OK(docker_ref_image_inspect_info(&info, j));
    CU_ASSERT_STRING_EQUAL(info->id, "sha256:aaa");
    CU_ASSERT_EQUAL_FATAL(info->n_repo_tags, 1);
    CU_ASSERT_STRING_EQUAL(info->repo_tags[0], "a:1");
    CU_ASSERT_EQUAL(info->n_repo_digests, 0);
    CU_ASSERT_PTR_NULL(info->parent);
    CU_ASSERT_PTR_NULL(info->container);
    CU_ASSERT_STRING_EQUAL(info->comment, "c");
    CU_ASSERT_STRING_EQUAL(info->created, "2024-01-01T00:00:00Z");
    CU_ASSERT_STRING_EQUAL(info->docker_version, "20.10");
    CU_ASSERT_STRING_EQUAL(info->author, "me");
    CU_ASSERT_STRING_EQUAL(info->architecture, "amd64");
    CU_ASSERT_STRING_EQUAL(info->os, "linux");
    CU_ASSERT_TRUE(info->has_size && info->size == 42);
    CU_ASSERT_EQUAL_FATAL(info->n_layers, 1);
    CU_ASSERT_STRING_EQUAL(info->layers[0], "sha256:l1");
    CU_ASSERT_STRING_EQUAL(info->env[0], "PATH=/bin");
    CU_ASSERT_STRING_EQUAL(info->cmd[0], "sh");
    CU_ASSERT_EQUAL(info->n_entrypoint, 0);
    CU_ASSERT_STRING_EQUAL(info->working_dir, "/w");
    CU_ASSERT_PTR_NULL(info->user);
    CU_ASSERT_EQUAL_FATAL(info->n_labels, 1);
    CU_ASSERT_STRING_EQUAL(info->labels[0].key, "k");
    CU_ASSERT_STRING_EQUAL(info->labels[0].value, "v");
    ctrt_image_inspect_info_free(info);
    json_decref(j);
  }
  /* Walked: a 64-hex id gains its algorithm, -1 is an unknown size, and a
   * wrong member is an error naming its path. */
  ctrt_image_inspect_info *info = NULL;
  static const char hex_id[] =
      "{\"Id\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"Size\":-1}";
  ASSERT_OK(ctrt__docker_image_inspect_walk(&info, hex_id, strlen(hex_id)));
  CU_ASSERT_STRING_EQUAL(info->id, "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  CU_ASSERT_FALSE(info->has_size);
  ctrt_image_inspect_info_free(info);
  static const char *const bad[][2] = {
      {"{\"Size\":-2}", "inspect_image_native: the Docker daemon's answer has $.Size: expected an integer in -1.."},
      {"{\"RootFS\":{\"Layers\":[\"a\",7]}}",
       "inspect_image_native: the Docker daemon's answer has $.RootFS.Layers[1]: expected string, got integer"},
      {"{\"Config\":{\"Labels\":{\"k\":true}}}",
       "inspect_image_native: the Docker daemon's answer has $.Config.Labels.k: expected string, got boolean"},
      {"{\"Os\":\"linux\"", "inspect_image_native: the Docker daemon answered with invalid JSON"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    info = NULL;
    CU_ASSERT_TRUE(ctrt__docker_image_inspect_walk(&info, bad[i][0], strlen(bad[i][0])) < 0);
    CU_ASSERT_PTR_NULL(info);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, bad[i][1]));
  }

  j = parse("{\"ImagesDeleted\":[{\"Untagged\":\"a:1\"},{\"Deleted\":\"sha256:aaa\"}],\"SpaceReclaimed\":77}");
  ctrt_prune_result *pr = NULL;
  ASSERT_OK(docker_ref_prune_result(&pr, j));
  CU_ASSERT_EQUAL_FATAL(pr->n_deleted, 2);
  CU_ASSERT_STRING_EQUAL(pr->deleted[0], "a:1");
  CU_ASSERT_STRING_EQUAL(pr->deleted[1], "sha256:aaa");
  CU_ASSERT_EQUAL(pr->space_reclaimed, 77);
  ctrt_prune_result_free(pr);
  json_decref(j);
  j = parse("{\"ImagesDeleted\":null,\"SpaceReclaimed\":0}");
  ASSERT_OK(docker_ref_prune_result(&pr, j));
  CU_ASSERT_EQUAL(pr->n_deleted, 0);
  ctrt_prune_result_free(pr);
  json_decref(j);
}

static const char INSPECT_RUNNING[] =
    "{\"Id\":\"c1\",\"State\":{\"Status\":\"running\",\"Pid\":4242,\"ExitCode\":0,"
    "\"Health\":{\"Status\":\"unhealthy\",\"FailingStreak\":3,\"Log\":[{\"Output\":\"old\"},{\"Output\":\"nope\\n\"}]}}"
    ","
    "\"Config\":{\"Tty\":false,\"OpenStdin\":true},"
    "\"NetworkSettings\":{\"IPAddress\":\"\",\"GlobalIPv6Address\":\"\","
    "\"Ports\":{\"8080/"
    "tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"49153\"},{\"HostIp\":\"::\",\"HostPort\":\"49153\"}],"
    "\"9090/udp\":null,\"53/udp\":[{\"HostIp\":\"\",\"HostPort\":\"\"}]},"
    "\"Networks\":{\"front\":{\"Aliases\":[\"web\",\"c1\"],\"IPAddress\":\"\"},"
    "\"back\":{\"Aliases\":null,\"IPAddress\":\"10.1.0.5\"}}}}";

static void test_container_conversions(void) {
  json_t *j = parse("[{\"Id\":\"c1\",\"Labels\":{\"com.zlayer.container_id\":\"web-rep-0\"}},"
                    "{\"Id\":\"c2\",\"Labels\":{}},{\"Id\":\"c3\",\"Labels\":null}]");
  ctrt_runtime_container_summary_list *sl = NULL;
  ASSERT_OK(summaries_of(&sl, j, "com.zlayer.container_id"));
  CU_ASSERT_EQUAL_FATAL(sl->n_items, 3);
  CU_ASSERT_STRING_EQUAL(sl->items[0].runtime_id, "c1");
  CU_ASSERT_STRING_EQUAL(sl->items[0].managed_id, "web-rep-0");
  CU_ASSERT_PTR_NULL(sl->items[1].managed_id);
  CU_ASSERT_PTR_NULL(sl->items[2].managed_id);
  ctrt_runtime_container_summary_list_free(sl);
  json_decref(j);

  j = parse(INSPECT_RUNNING);
  ctrt_port_mapping_entry_list *pl = NULL;
  ASSERT_OK(ports_of(&pl, j));
  CU_ASSERT_EQUAL_FATAL(pl->n_items, 3); /* one per binding; unpublished 9090 none */
  CU_ASSERT_EQUAL(pl->items[0].container_port, 8080);
  CU_ASSERT_EQUAL(pl->items[0].protocol, CTRT_PORT_PROTOCOL_TCP);
  CU_ASSERT_STRING_EQUAL(pl->items[0].host_ip, "0.0.0.0");
  CU_ASSERT_TRUE(pl->items[0].has_host_port && pl->items[0].host_port == 49153);
  CU_ASSERT_STRING_EQUAL(pl->items[1].host_ip, "::");
  CU_ASSERT_EQUAL(pl->items[2].protocol, CTRT_PORT_PROTOCOL_UDP);
  CU_ASSERT_PTR_NULL(pl->items[2].host_ip);
  CU_ASSERT_FALSE(pl->items[2].has_host_port);
  ctrt_port_mapping_entry_list_free(pl);

  ctrt_container_inspect_details *d = NULL;
  ASSERT_OK(details_of(&d, j));
  CU_ASSERT_EQUAL(d->n_ports, 3);
  CU_ASSERT_EQUAL_FATAL(d->n_networks, 2);
  CU_ASSERT_STRING_EQUAL(d->networks[0].network, "front");
  CU_ASSERT_EQUAL(d->networks[0].n_aliases, 2);
  CU_ASSERT_PTR_NULL(d->networks[0].ipv4); /* empty: absent */
  CU_ASSERT_STRING_EQUAL(d->networks[1].ipv4, "10.1.0.5");
  CU_ASSERT_STRING_EQUAL(d->ipv4, "10.1.0.5"); /* the first network that has one */
  CU_ASSERT_PTR_NOT_NULL_FATAL(d->health);
  CU_ASSERT_EQUAL(d->health->status, CTRT_HEALTH_STATUS_UNHEALTHY);
  CU_ASSERT_TRUE(d->health->has_failing_streak && d->health->failing_streak == 3);
  CU_ASSERT_STRING_EQUAL(d->health->last_output, "nope\n");
  CU_ASSERT_FALSE(d->has_exit_code);
  ctrt_container_inspect_details_free(d);
  char *ip = NULL;
  ASSERT_OK(ip_of(&ip, j));
  CU_ASSERT_STRING_EQUAL(ip, "10.1.0.5");
  ctrt_free(ip);
  json_decref(j);

  j = parse("{\"State\":{\"Status\":\"exited\",\"ExitCode\":9,\"Health\":{\"Status\":\"\",\"FailingStreak\":0}},"
            "\"NetworkSettings\":{\"IPAddress\":\"\",\"Ports\":{},\"Networks\":{\"bridge\":{\"IPAddress\":\"\"}}}}");
  ASSERT_OK(details_of(&d, j));
  CU_ASSERT_TRUE(d->has_exit_code && d->exit_code == 9);
  CU_ASSERT_PTR_NULL(d->ipv4);
  CU_ASSERT_EQUAL(d->n_ports, 0);
  /* An empty health status (Podman sends one always) is no health check. */
  CU_ASSERT_PTR_NULL(d->health);
  ctrt_container_inspect_details_free(d);
  ASSERT_OK(ip_of(&ip, j));
  CU_ASSERT_PTR_NULL(ip);
  json_decref(j);

  j = parse(
      "{\"NetworkSettings\":{\"IPAddress\":\"172.17.0.2\",\"Networks\":{\"n\":{\"GlobalIPv6Address\":\"fd00::2\"}}}}");
  ASSERT_OK(ip_of(&ip, j));
  CU_ASSERT_STRING_EQUAL(ip, "172.17.0.2");
  ctrt_free(ip);
  json_decref(j);
  j = parse("{\"NetworkSettings\":{\"IPAddress\":\"\",\"Networks\":{\"n\":{\"IPAddress\":\"\",\"GlobalIPv6Address\":"
            "\"fd00::2\"}}}}");
  ASSERT_OK(ip_of(&ip, j));
  CU_ASSERT_STRING_EQUAL(ip, "fd00::2");
  ctrt_free(ip);
  json_decref(j);
}

static void test_progress_lines(void) {
  char *digest = NULL;
  ctrt_pull_progress *p = NULL;
  json_t *j = parse("{\"status\":\"Downloading\",\"progressDetail\":{\"current\":10,\"total\":100},"
                    "\"progress\":\"[=>  ]\",\"id\":\"abc\"}");
  ASSERT_OK(ctrt__docker_pull_event(&p, &digest, j));
  CU_ASSERT_EQUAL(p->kind, CTRT_PULL_PROGRESS_STATUS);
  CU_ASSERT_STRING_EQUAL(p->status.status, "Downloading");
  CU_ASSERT_STRING_EQUAL(p->status.id, "abc");
  CU_ASSERT_STRING_EQUAL(p->status.progress, "[=>  ]");
  CU_ASSERT_TRUE(p->status.has_current && p->status.current == 10);
  CU_ASSERT_TRUE(p->status.has_total && p->status.total == 100);
  ctrt_pull_progress_free(p);
  json_decref(j);
  j = parse("{\"status\":\"Digest: sha256:0123\",\"progressDetail\":{}}");
  ASSERT_OK(ctrt__docker_pull_event(&p, &digest, j));
  CU_ASSERT_STRING_EQUAL(digest, "sha256:0123");
  CU_ASSERT_FALSE(p->status.has_current);
  CU_ASSERT_PTR_NULL(p->status.id);
  ctrt_pull_progress_free(p);
  json_decref(j);
  ctrt_free(digest);
  j = parse("{\"aux\":{\"Tag\":\"x\"}}");
  ASSERT_OK(ctrt__docker_pull_event(&p, NULL, j));
  CU_ASSERT_PTR_NULL(p);
  json_decref(j);

  ctrt_load_progress *l = NULL;
  char *loaded = NULL;
  j = parse("{\"stream\":\"Loaded image: localhost/ctrt/busybox:latest\\n\"}");
  ASSERT_OK(ctrt__docker_load_event(&l, &loaded, j));
  CU_ASSERT_STRING_EQUAL(loaded, "localhost/ctrt/busybox:latest");
  CU_ASSERT_STRING_EQUAL(l->status.status, "Loaded image: localhost/ctrt/busybox:latest");
  ctrt_load_progress_free(l);
  ctrt_free(loaded);
  json_decref(j);
  j = parse("{\"stream\":\"Loaded image ID: sha256:feed\\n\"}");
  ASSERT_OK(ctrt__docker_load_event(&l, &loaded, j));
  CU_ASSERT_STRING_EQUAL(loaded, "sha256:feed");
  ctrt_load_progress_free(l);
  ctrt_free(loaded);
  json_decref(j);
  j = parse("{\"status\":\"Loading layer\",\"id\":\"e3b0\",\"progressDetail\":{\"current\":1,\"total\":2}}");
  ASSERT_OK(ctrt__docker_load_event(&l, &loaded, j));
  CU_ASSERT_PTR_NULL(loaded);
  CU_ASSERT_STRING_EQUAL(l->status.id, "e3b0");
  CU_ASSERT_STRING_EQUAL(l->status.status, "Loading layer");
  ctrt_load_progress_free(l);
  json_decref(j);
  j = parse("{\"stream\":\"\\n\"}");
  ASSERT_OK(ctrt__docker_load_event(&l, &loaded, j));
  CU_ASSERT_PTR_NULL(l);
  json_decref(j);
}

/* ====================================================================== */
/* Engine identity                                                        */
/* ====================================================================== */

/* What dockerd 20.10 (Debian's docker.io) and Podman 4.3's compat service
 * answer, trimmed. */
static const char docker_version[] =
    "{\"Platform\":{\"Name\":\"\"},\"Components\":[{\"Name\":\"Engine\",\"Version\":\"20.10.24+dfsg1\","
    "\"Details\":{\"ApiVersion\":\"1.41\"}},{\"Name\":\"containerd\",\"Version\":\"1.6.20~ds1\"},"
    "{\"Name\":\"runc\",\"Version\":\"1.1.5+ds1\"},{\"Name\":\"docker-init\",\"Version\":\"0.19.0\"}],"
    "\"Version\":\"20.10.24+dfsg1\",\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.12\",\"Os\":\"linux\","
    "\"Arch\":\"amd64\"}";
static const char docker_info[] =
    "{\"LoggingDriver\":\"json-file\",\"Driver\":\"overlay2\",\"CgroupDriver\":\"cgroupfs\","
    "\"CgroupVersion\":\"1\",\"DefaultRuntime\":\"runc\",\"OSType\":\"linux\",\"Containers\":3}";
static const char podman_version[] =
    "{\"Platform\":{\"Name\":\"linux/amd64/debian-12\"},\"Components\":[{\"Name\":\"Podman Engine\","
    "\"Version\":\"4.3.1\",\"Details\":{\"APIVersion\":\"4.3.1\",\"MinAPIVersion\":\"4.0.0\"}}],"
    "\"Version\":\"4.3.1\",\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.24\",\"Os\":\"linux\",\"Arch\":\"amd64\"}";
static const char podman_info[] =
    "{\"LoggingDriver\":\"k8s-file\",\"Driver\":\"overlay\",\"CgroupDriver\":\"cgroupfs\","
    "\"CgroupVersion\":\"1\",\"OSType\":\"linux\"}";

static void assert_facts(const ctrt_engine_info *info, const char *const *want, size_t n) {
  CU_ASSERT_EQUAL(info->n_facts, n);
  for (size_t i = 0; i < n && i < info->n_facts; i++)
    ASSERT_STR(info->facts[i], want[i]);
}

static void test_engine_identity(void) {
  json_t *v = parse(docker_version), *i = parse(docker_info);
  ctrt_engine_info *e = NULL;
  ASSERT_OK(ctrt__docker_engine_info(&e, v, i));
  ASSERT_STR(e->name, "docker");
  ASSERT_STR(e->version, "20.10.24+dfsg1");
  ASSERT_STR(e->api_version, "1.41");
  static const char *const docker_facts[] = {
      "log_driver=json-file", "storage_driver=overlay2",       "cgroup_driver=cgroupfs",
      "cgroup_version=1",     "default_runtime=runc",          "os=linux",
      "arch=amd64",           "containerd_version=1.6.20~ds1", "runc_version=1.1.5+ds1"};
  assert_facts(e, docker_facts, sizeof docker_facts / sizeof docker_facts[0]);
  ctrt_engine_info_free(e);
  json_decref(v);
  json_decref(i);

  /* Podman's compat /version names "Podman Engine" among its components. */
  v = parse(podman_version);
  i = parse(podman_info);
  ASSERT_OK(ctrt__docker_engine_info(&e, v, i));
  ASSERT_STR(e->name, "podman");
  ASSERT_STR(e->version, "4.3.1");
  ASSERT_STR(e->api_version, "1.41");
  static const char *const podman_facts[] = {
      "log_driver=k8s-file", "storage_driver=overlay", "cgroup_driver=cgroupfs", "cgroup_version=1", "os=linux",
      "arch=amd64"};
  assert_facts(e, podman_facts, sizeof podman_facts / sizeof podman_facts[0]);
  ctrt_engine_info_free(e);
  json_decref(v);
  json_decref(i);

  /* Neither: another server speaking the API; the platform says which. */
  v = parse("{\"Version\":\"1.0\",\"Platform\":{\"Name\":\"Acme Engine\"},\"Components\":null}");
  i = parse("{}");
  ASSERT_OK(ctrt__docker_engine_info(&e, v, i));
  ASSERT_STR(e->name, "docker-compatible");
  ASSERT_STR(e->version, "1.0");
  CU_ASSERT_PTR_NULL(e->api_version);
  static const char *const other_facts[] = {"platform=Acme Engine"};
  assert_facts(e, other_facts, 1);
  ctrt_engine_info_free(e);
  json_decref(v);
  json_decref(i);
}

static void test_engine_identity_strict(void) {
  static const struct {
    const char *version, *info, *says;
  } bad[] = {
      {"[]", "{}", "GET /version answer is malformed: $: expected an object, got array"},
      {"{}", "{}", "$.Version: expected a non-empty string, got nothing"},
      {"{\"Version\":\"\"}", "{}", "$.Version: expected a non-empty string"},
      {"{\"Version\":20}", "{}", "$.Version: expected a string, got integer"},
      {"{\"Version\":\"1\",\"ApiVersion\":1.41}", "{}", "$.ApiVersion: expected a string, got real"},
      {"{\"Version\":\"1\",\"Platform\":\"x\"}", "{}", "$.Platform: expected an object, got string"},
      {"{\"Version\":\"1\",\"Components\":{}}", "{}", "$.Components: expected an array, got object"},
      {"{\"Version\":\"1\",\"Components\":[1]}", "{}", "$.Components[0]: expected an object, got integer"},
      {"{\"Version\":\"1\",\"Components\":[{\"Version\":\"2\"}]}", "{}",
       "$.Components[0].Name: expected a string, got nothing"},
      {"{\"Version\":\"1\"}", "[]", "GET /info answer is malformed: $: expected an object, got array"},
      {"{\"Version\":\"1\"}", "{\"LoggingDriver\":false}", "$.LoggingDriver: expected a string, got boolean"},
  };
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    json_t *v = parse(bad[k].version), *i = parse(bad[k].info);
    ctrt_engine_info *e = NULL;
    ASSERT_FAILS_WITH(ctrt__docker_engine_info(&e, v, i), CTRT_ERROR_INTERNAL);
    CU_ASSERT_PTR_NULL(e);
    if (strstr(ctrt_error_last()->message, bad[k].says) == NULL)
      fprintf(stderr, "\ncase %zu: %s\n  lacks %s\n", k, ctrt_error_last()->message, bad[k].says);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, bad[k].says));
    json_decref(v);
    json_decref(i);
  }
}

/* ====================================================================== */
/* A scripted fake daemon                                                 */
/* ====================================================================== */

#define MAX_SEEN 64

typedef struct daemon daemon;
typedef fake_next (*route_fn)(fake_conn *c, const fake_request *r, daemon *dm);

struct daemon {
  pthread_mutex_t lock;
  route_fn route;
  fake_server *fs;
  ctrt_runtime *rt;
  int n_seen;
  char seen[MAX_SEEN][512];
  char bodies[MAX_SEEN][4096];
  char registry_auth[1024];
  char attached[256];
  size_t attached_len;
  bool attach_eof;
  int attaches;
  int polls;
  int variant;
  int puts; /* archive_put: PUT requests that reached the daemon */
  size_t put_total;
  char put_sha[65];
};

static daemon dm;

static fake_next dispatch(fake_conn *c, const fake_request *r, void *arg) {
  daemon *d = arg;
  if (strcmp(r->target, "/_ping") == 0) {
    fake_respond(c, 200, "Api-Version: 1.41\r\n", "OK");
    return FAKE_KEEP;
  }
  pthread_mutex_lock(&d->lock);
  if (d->n_seen < MAX_SEEN) {
    snprintf(d->seen[d->n_seen], sizeof d->seen[0], "%.15s %.490s", r->method, r->target);
    snprintf(d->bodies[d->n_seen], sizeof d->bodies[0], "%s", r->body ? (const char *)r->body : "");
    d->n_seen++;
  }
  char v[1024];
  if (fake_request_header(r, "X-Registry-Auth", v, sizeof v))
    snprintf(d->registry_auth, sizeof d->registry_auth, "%s", v);
  pthread_mutex_unlock(&d->lock);
  return d->route(c, r, d);
}

static void daemon_start(route_fn route) {
  memset(&dm, 0, sizeof dm);
  pthread_mutex_init(&dm.lock, NULL);
  dm.route = route;
  dm.fs = fake_server_start(FAKE_UNIX, dispatch, &dm);
  CU_ASSERT_PTR_NOT_NULL_FATAL(dm.fs);
  char uri[256];
  snprintf(uri, sizeof uri, "docker://%s", fake_server_host(dm.fs));
  ASSERT_OK(ctrt_open(&dm.rt, uri));
}

/* ctrt_open_from_env reaches the daemon DOCKER_HOST names, and "docker://"
 * does the same. */
static fake_next route_nothing(fake_conn *c, const fake_request *r, daemon *d) {
  (void)r;
  (void)d;
  fake_respond(c, 404, NULL, "{\"message\":\"nothing here\"}");
  return FAKE_KEEP;
}

static void test_image_ids_and_digests(void) {
  char *id = NULL;
  static const char hex[] = "5f5a214ce624938f72b4bd9e1b1c969ec94f799b65a4f46e65ffb65788ac149b";
  ASSERT_OK(ctrt__docker_image_id(&id, hex));
  CU_ASSERT_TRUE(id && strncmp(id, "sha256:", 7) == 0 && strcmp(id + 7, hex) == 0);
  ctrt_free(id);
  ASSERT_OK(ctrt__docker_image_id(&id, "sha256:abc"));
  CU_ASSERT_STRING_EQUAL(id, "sha256:abc");
  ctrt_free(id);
  ASSERT_OK(ctrt__docker_image_id(&id, "<missing>"));
  CU_ASSERT_STRING_EQUAL(id, "<missing>");
  ctrt_free(id);
  ASSERT_OK(ctrt__docker_image_id(&id, ""));
  CU_ASSERT_PTR_NULL(id);
  json_t *rd = parse("[\"reg:5000/other@sha256:aaa\",\"reg:5000/a/b@sha256:bbb\"]");
  CU_ASSERT_STRING_EQUAL(ctrt__docker_repo_digest(rd, "reg:5000/a/b:1"), "sha256:bbb");
  CU_ASSERT_STRING_EQUAL(ctrt__docker_repo_digest(rd, NULL), "sha256:aaa");
  CU_ASSERT_PTR_NULL(ctrt__docker_repo_digest(rd, "reg:5000/c:1"));
  json_decref(rd);
}

static void test_open_from_env(void) {
  memset(&dm, 0, sizeof dm);
  pthread_mutex_init(&dm.lock, NULL);
  dm.route = route_nothing;
  dm.fs = fake_server_start(FAKE_UNIX, dispatch, &dm);
  CU_ASSERT_PTR_NOT_NULL_FATAL(dm.fs);
  const char *saved = getenv("DOCKER_HOST");
  char *previous = saved ? strdup(saved) : NULL;
  setenv("DOCKER_HOST", fake_server_host(dm.fs), 1);
  ctrt_runtime *rt = NULL;
  ASSERT_OK(ctrt_open_from_env(&rt));
  CU_ASSERT_STRING_EQUAL(ctrt_runtime_backend_name(rt), "docker");
  ctrt_close(rt);
  /* A host that is not there fails at open, with a network error. */
  setenv("DOCKER_HOST", "unix:///nonexistent/ctrt/docker.sock", 1);
  rt = NULL;
  ASSERT_FAILS_WITH(ctrt_open_from_env(&rt), CTRT_ERROR_NETWORK);
  CU_ASSERT_PTR_NULL(rt);
  if (previous) {
    setenv("DOCKER_HOST", previous, 1);
    free(previous);
  } else {
    unsetenv("DOCKER_HOST");
  }
  fake_server_stop(dm.fs);
  pthread_mutex_destroy(&dm.lock);
}

static void daemon_stop(void) {
  ctrt_close(dm.rt);
  fake_server_stop(dm.fs);
  pthread_mutex_destroy(&dm.lock);
}

/* Index of the first request whose "METHOD target" starts with prefix. */
static int seen(const char *prefix) {
  pthread_mutex_lock(&dm.lock);
  int found = -1;
  for (int i = 0; i < dm.n_seen && found < 0; i++)
    if (strncmp(dm.seen[i], prefix, strlen(prefix)) == 0)
      found = i;
  pthread_mutex_unlock(&dm.lock);
  return found;
}

static void json_answer(fake_conn *c, int status, const char *body) {
  fake_respond(c, status, "Content-Type: application/json\r\n", body);
}

static bool is(const fake_request *r, const char *method, const char *target) {
  return strcmp(r->method, method) == 0 && strcmp(r->target, target) == 0;
}

static bool starts(const fake_request *r, const char *method, const char *prefix) {
  return strcmp(r->method, method) == 0 && strncmp(r->target, prefix, strlen(prefix)) == 0;
}

/* A multiplexed frame appended to buf at *len. */
static void frame(uint8_t *buf, size_t *len, int stream, const char *text) {
  size_t n = strlen(text);
  ctrt__stdcopy_header(buf + *len, stream, (uint32_t)n);
  memcpy(buf + *len + CTRT__STDCOPY_HEADER_LEN, text, n);
  *len += CTRT__STDCOPY_HEADER_LEN + n;
}

static const ctrt_container_id *cid(const char *service, uint32_t replica) {
  static ctrt_container_id id;
  id = (ctrt_container_id)CTRT_CONTAINER_ID_INIT;
  id.service = (char *)service;
  id.replica = replica;
  return &id;
}

/* ---- create, state, the remembered id, the rename retry ---- */

static fake_next route_create(fake_conn *c, const fake_request *r, daemon *d) {
  if (starts(r, "POST", "/v1.41/containers/create?name=")) {
    if (d->variant == 0)
      json_answer(c, 201, "{\"Id\":\"c0ffee\",\"Warnings\":[]}");
    else if (d->variant == 404)
      json_answer(c, 404, "{\"message\":\"No such image: x:1\"}");
    else if (d->variant == 409)
      json_answer(c, 409, "{\"message\":\"Conflict. The container name \\\"/zlayer-web-2\\\" is already in use\"}");
    else
      json_answer(c, d->variant, "{\"message\":\"invalid mount config\"}");
    return FAKE_KEEP;
  }
  if (starts(r, "GET", "/v1.41/images/")) {
    json_answer(c, 200, "{\"Id\":\"sha256:5f5a\"}"); /* present: if_not_present pulls nothing */
    return FAKE_KEEP;
  }
  if (is(r, "GET", "/v1.41/containers/c0ffee/json")) {
    json_answer(c, 200, "{\"Id\":\"c0ffee\",\"State\":{\"Status\":\"exited\",\"ExitCode\":3}}");
    return FAKE_KEEP;
  }
  /* A renamed container: its name is gone, its label finds it. */
  if (is(r, "GET", "/v1.41/containers/zlayer-moved-0/json")) {
    json_answer(c, 404, "{\"message\":\"No such container: zlayer-moved-0\"}");
    return FAKE_KEEP;
  }
  if (starts(r, "GET", "/v1.41/containers/json?all=1&filters=")) {
    json_answer(c, 200, strstr(r->target, "moved-rep-0") ? "[{\"Id\":\"feed01\"}]" : "[]");
    return FAKE_KEEP;
  }
  if (is(r, "GET", "/v1.41/containers/feed01/json")) {
    json_answer(c, 200, "{\"Id\":\"feed01\",\"State\":{\"Status\":\"paused\"}}");
    return FAKE_KEEP;
  }
  json_answer(c, 404, "{\"message\":\"No such container\"}");
  return FAKE_KEEP;
}

static void test_fake_create_and_state(void) {
  daemon_start(route_create);
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  spec.image.name = "localhost/x:1";
  ASSERT_OK(ctrt_runtime_create_container(dm.rt, cid("web", 2), &spec));
  int i = seen("POST /v1.41/containers/create?name=zlayer-web-2");
  CU_ASSERT_TRUE_FATAL(i >= 0);
  json_t *body = parse(dm.bodies[i]);
  CU_ASSERT_STRING_EQUAL(jstr(json_object_get(body, "Labels"), "com.zlayer.container_id"), "web-rep-2");
  json_decref(body);
  /* Later calls use the Docker id the create returned. */
  ctrt_container_state *s = NULL;
  ASSERT_OK(ctrt_runtime_container_state(dm.rt, &s, cid("web", 2)));
  CU_ASSERT_EQUAL(s->kind, CTRT_CONTAINER_STATE_EXITED);
  CU_ASSERT_EQUAL(s->exited.code, 3);
  ctrt_container_state_free(s);
  CU_ASSERT_TRUE(seen("GET /v1.41/containers/c0ffee/json") >= 0);
  /* Not found by name, found again by label. */
  ASSERT_OK(ctrt_runtime_container_state(dm.rt, &s, cid("moved", 0)));
  CU_ASSERT_EQUAL(s->kind, CTRT_CONTAINER_STATE_RUNNING);
  ctrt_container_state_free(s);
  /* Unknown everywhere: not found, naming the container. */
  ASSERT_FAILS_WITH(ctrt_runtime_container_state(dm.rt, &s, cid("ghost", 0)), CTRT_ERROR_NOT_FOUND);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "container_state"));
  CU_ASSERT_EQUAL(ctrt_error_last()->http_status, 404);
  daemon_stop();
}

static void test_fake_create_errors(void) {
  static const struct {
    int status;
    ctrt_error_kind kind;
  } cases[] = {{404, CTRT_ERROR_NOT_FOUND},
               {409, CTRT_ERROR_CONFLICT},
               {400, CTRT_ERROR_CREATE_FAILED},
               {500, CTRT_ERROR_CREATE_FAILED}};
  daemon_start(route_create);
  ctrt_service_spec spec = CTRT_SERVICE_SPEC_INIT;
  spec.image.name = "x:1";
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    dm.variant = cases[i].status;
    ASSERT_FAILS_WITH(ctrt_runtime_create_container(dm.rt, cid("web", 2), &spec), cases[i].kind);
    CU_ASSERT_EQUAL(ctrt_error_last()->http_status, cases[i].status);
  }
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "invalid mount config"));
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "web-rep-2"));
  daemon_stop();
}

/* ---- wait ---- */

static fake_next route_wait(fake_conn *c, const fake_request *r, daemon *d) {
  (void)d;
  if (starts(r, "POST", "/v1.41/containers/zlayer-w-0/wait")) {
    json_answer(c, 200, "{\"Error\":null,\"StatusCode\":137}");
    return FAKE_KEEP;
  }
  if (is(r, "GET", "/v1.41/containers/zlayer-w-0/json")) {
    json_answer(c, 200,
                "{\"Id\":\"w\",\"State\":{\"Status\":\"exited\",\"ExitCode\":137,\"OOMKilled\":false,"
                "\"Error\":\"\",\"FinishedAt\":\"2024-01-02T03:04:05Z\"}}");
    return FAKE_KEEP;
  }
  if (starts(r, "POST", "/v1.41/containers/zlayer-gone-0/wait")) {
    json_answer(c, 200, "{\"Error\":null,\"StatusCode\":3}");
    return FAKE_KEEP;
  }
  if (starts(r, "GET", "/v1.41/containers/json?"))
    json_answer(c, 200, "[]");
  else
    json_answer(c, 404, "{\"message\":\"No such container\"}");
  return FAKE_KEEP;
}

static void test_fake_wait_outcome(void) {
  daemon_start(route_wait);
  ctrt_wait_outcome *o = NULL;
  ASSERT_OK(ctrt_runtime_wait_outcome(dm.rt, &o, cid("w", 0)));
  CU_ASSERT_EQUAL(o->exit_code, 137);
  CU_ASSERT_EQUAL(o->reason, CTRT_WAIT_REASON_SIGNAL);
  CU_ASSERT_STRING_EQUAL(o->signal, "SIGKILL");
  CU_ASSERT_TRUE(o->has_finished_at && o->finished_at.seconds == 1704164645);
  ctrt_wait_outcome_free(o);
  ASSERT_OK(ctrt_runtime_wait_outcome_with_condition(dm.rt, &o, cid("w", 0), CTRT_WAIT_CONDITION_NEXT_EXIT));
  ctrt_wait_outcome_free(o);
  CU_ASSERT_TRUE(seen("POST /v1.41/containers/zlayer-w-0/wait?condition=next-exit") >= 0);
  /* Removed once the wait returns (condition removed): the wait answer decides. */
  ASSERT_OK(ctrt_runtime_wait_outcome_with_condition(dm.rt, &o, cid("gone", 0), CTRT_WAIT_CONDITION_REMOVED));
  CU_ASSERT_EQUAL(o->exit_code, 3);
  CU_ASSERT_EQUAL(o->reason, CTRT_WAIT_REASON_EXITED);
  ctrt_wait_outcome_free(o);
  CU_ASSERT_TRUE(seen("POST /v1.41/containers/zlayer-gone-0/wait?condition=removed") >= 0);
  ASSERT_FAILS_WITH(ctrt_runtime_wait_outcome(dm.rt, &o, cid("ghost", 0)), CTRT_ERROR_NOT_FOUND);
  CU_ASSERT_PTR_NULL(o);
  daemon_stop();
}

/* ---- logs ---- */

static fake_next route_logs(fake_conn *c, const fake_request *r, daemon *d) {
  bool tty = d->variant == 1;
  if (is(r, "GET", "/v1.41/containers/zlayer-l-0/json")) {
    json_answer(c, 200,
                tty ? "{\"Id\":\"lid\",\"Config\":{\"Tty\":true}}" : "{\"Id\":\"lid\",\"Config\":{\"Tty\":false}}");
    return FAKE_KEEP;
  }
  if (starts(r, "GET", "/v1.41/containers/zlayer-l-0/logs?")) {
    if (strstr(r->target, "follow=1")) { /* a follower blocked until cancelled */
      fake_chunked_head(c, 200, NULL);
      fake_wait(c);
      return FAKE_CLOSE;
    }
    bool ts = strstr(r->target, "timestamps=1") != NULL;
    static uint8_t body[4096];
    size_t len = 0;
    if (tty) {
      const char *raw = ts ? "2024-01-02T03:04:05.000000001Z line one\r\n2024-01-02T03:04:06Z line two\n"
                             "2024-01-02T03:04:07Z no newline"
                           : "raw tty bytes";
      memcpy(body, raw, strlen(raw));
      len = strlen(raw);
    } else if (d->variant == 3) { /* several frames of a stream in one read */
      frame(body, &len, 1, "a\n");
      frame(body, &len, 1, "");
      frame(body, &len, 1, "b\n");
      frame(body, &len, 2, "err\n");
      frame(body, &len, 1, "c\n");
    } else {
      frame(body, &len, 1, ts ? "2024-01-02T03:04:05.000000001Z hello\n" : "hello\n");
      frame(body, &len, 2, ts ? "2024-01-02T03:04:06Z err\n" : "err\n");
      frame(body, &len, 1, ts ? "2024-01-02T03:04:07Z partial" : "partial");
    }
    /* variant 2: the Content-Type API 1.42 states (the framing without an
     * inspect); otherwise none, as 20.10 (API 1.41) answers. */
    fake_chunked_head(c, 200, d->variant == 2 ? "Content-Type: application/vnd.docker.multiplexed-stream\r\n" : NULL);
    /* a byte at a time: every split of frames and stamps (variant 3: whole) */
    fake_chunk(c, body, len, d->variant != 3);
    fake_chunked_end(c);
    return FAKE_KEEP;
  }
  json_answer(c, 404, "{\"message\":\"No such container: zlayer-ghost-0\"}");
  return FAKE_KEEP;
}

static void test_fake_logs_stream(void) {
  daemon_start(route_logs);
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.timestamps = true;
  o.has_tail = true;
  o.tail = 10;
  o.has_since = true;
  o.since = 1700000000;
  ctrt_logs_stream *s = NULL;
  ASSERT_OK(ctrt_runtime_logs_stream(dm.rt, &s, cid("l", 0), &o));
  CU_ASSERT_TRUE(
      seen("GET /v1.41/containers/zlayer-l-0/logs?follow=0&tail=10&since=1700000000&timestamps=1&stdout=1&stderr=1") >=
      0);
  static const struct {
    ctrt_log_channel ch;
    const char *text;
    int64_t seconds;
  } want[] = {{CTRT_LOG_CHANNEL_STDOUT, "hello\n", 1704164645},
              {CTRT_LOG_CHANNEL_STDERR, "err\n", 1704164646},
              {CTRT_LOG_CHANNEL_STDOUT, "partial", 1704164647}};
  for (size_t i = 0; i < 3; i++) {
    ctrt_log_chunk *chunk = NULL;
    ASSERT_OK(ctrt_logs_stream_next(&chunk, s));
    CU_ASSERT_EQUAL(chunk->stream, want[i].ch);
    CU_ASSERT_EQUAL(chunk->data.len, strlen(want[i].text));
    CU_ASSERT_TRUE(chunk->data.len == strlen(want[i].text) &&
                   memcmp(chunk->data.data, want[i].text, chunk->data.len) == 0);
    CU_ASSERT_TRUE(chunk->has_timestamp);
    CU_ASSERT_EQUAL(chunk->timestamp.seconds, want[i].seconds);
    ctrt_log_chunk_free(chunk);
  }
  ctrt_log_chunk *chunk = NULL;
  CU_ASSERT_EQUAL(ctrt_logs_stream_next(&chunk, s), CTRT_ITEROVER);
  ctrt_logs_stream_close(s);

  /* Without timestamps nothing is stripped. */
  o = (ctrt_logs_stream_options)CTRT_LOGS_STREAM_OPTIONS_INIT;
  ASSERT_OK(ctrt_runtime_logs_stream(dm.rt, &s, cid("l", 0), &o));
  ASSERT_OK(ctrt_logs_stream_next(&chunk, s));
  CU_ASSERT_FALSE(chunk->has_timestamp);
  CU_ASSERT_TRUE(chunk->data.len == 6 && memcmp(chunk->data.data, "hello\n", 6) == 0);
  ctrt_log_chunk_free(chunk);
  ctrt_logs_stream_close(s); /* with chunks left */

  /* Frames of one stream received together make one chunk (no timestamps
   * to keep apart); another stream's frame ends it, order kept. */
  dm.variant = 3;
  ASSERT_OK(ctrt_runtime_logs_stream(dm.rt, &s, cid("l", 0), &o));
  static const struct {
    ctrt_log_channel ch;
    const char *text;
  } runs[] = {
      {CTRT_LOG_CHANNEL_STDOUT, "a\nb\n"}, {CTRT_LOG_CHANNEL_STDERR, "err\n"}, {CTRT_LOG_CHANNEL_STDOUT, "c\n"}};
  for (size_t i = 0; i < 3; i++) {
    ASSERT_OK(ctrt_logs_stream_next(&chunk, s));
    CU_ASSERT_EQUAL(chunk->stream, runs[i].ch);
    CU_ASSERT_EQUAL(chunk->data.len, strlen(runs[i].text));
    CU_ASSERT_STRING_EQUAL((const char *)chunk->data.data, runs[i].text); /* NUL-terminated */
    ctrt_log_chunk_free(chunk);
  }
  CU_ASSERT_EQUAL(ctrt_logs_stream_next(&chunk, s), CTRT_ITEROVER);
  ctrt_logs_stream_close(s);
  dm.variant = 0;

  ASSERT_FAILS_WITH(ctrt_runtime_logs_stream(dm.rt, &s, cid("ghost", 0), &o), CTRT_ERROR_NOT_FOUND);
  CU_ASSERT_PTR_NULL(s);
  daemon_stop();
}

static const ctrt_log_options all_logs = CTRT_LOG_OPTIONS_INIT;

static void test_fake_get_logs(void) {
  daemon_start(route_logs);
  ctrt_log_entry_list *logs = NULL;
  ASSERT_OK(ctrt_runtime_get_logs(dm.rt, &logs, cid("l", 0), &all_logs));
  CU_ASSERT_EQUAL_FATAL(logs->n_items, 3);
  CU_ASSERT_STRING_EQUAL(logs->items[0].message, "hello");
  CU_ASSERT_EQUAL(logs->items[0].stream, CTRT_OUTPUT_STREAM_STDOUT);
  CU_ASSERT_EQUAL(logs->items[0].timestamp.seconds, 1704164645);
  CU_ASSERT_EQUAL(logs->items[0].timestamp.nanos, 1);
  CU_ASSERT_EQUAL(logs->items[0].source.kind, CTRT_LOG_SOURCE_CONTAINER);
  CU_ASSERT_STRING_EQUAL(logs->items[0].source.container.id, "l-rep-0");
  CU_ASSERT_STRING_EQUAL(logs->items[0].service, "l");
  CU_ASSERT_STRING_EQUAL(logs->items[1].message, "err");
  CU_ASSERT_EQUAL(logs->items[1].stream, CTRT_OUTPUT_STREAM_STDERR);
  CU_ASSERT_STRING_EQUAL(logs->items[2].message, "partial");
  ctrt_log_entry_list_free(logs);
  ASSERT_OK(ctrt_runtime_container_logs(dm.rt, &logs, cid("l", 0), 2));
  CU_ASSERT_TRUE(seen("GET /v1.41/containers/zlayer-l-0/logs?stdout=1&stderr=1&timestamps=1&tail=2") >= 0);
  ctrt_log_entry_list_free(logs);

  /* Caps: the oldest entries that fit; bytes are the messages'. */
  ctrt_log_options capped = CTRT_LOG_OPTIONS_INIT;
  capped.has_max_lines = true;
  capped.max_lines = 1;
  ASSERT_OK(ctrt_runtime_get_logs(dm.rt, &logs, cid("l", 0), &capped));
  CU_ASSERT_TRUE(logs->n_items == 1 && strcmp(logs->items[0].message, "hello") == 0);
  ctrt_log_entry_list_free(logs);
  capped = (ctrt_log_options)CTRT_LOG_OPTIONS_INIT;
  capped.has_max_bytes = true;
  capped.max_bytes = 8; /* "hello" and "err" */
  ASSERT_OK(ctrt_runtime_get_logs(dm.rt, &logs, cid("l", 0), &capped));
  CU_ASSERT_EQUAL(logs->n_items, 2);
  ctrt_log_entry_list_free(logs);
  capped.max_bytes = 4; /* "hello" does not fit: nothing */
  ASSERT_OK(ctrt_runtime_get_logs(dm.rt, &logs, cid("l", 0), &capped));
  CU_ASSERT_EQUAL(logs->n_items, 0);
  ctrt_log_entry_list_free(logs);
  CU_ASSERT_TRUE(seen("GET /v1.41/containers/zlayer-l-0/json") >= 0); /* no Content-Type: Config.Tty tells */

  /* A Content-Type that states the framing spares the inspect. */
  daemon_stop();
  daemon_start(route_logs);
  dm.variant = 2;
  ASSERT_OK(ctrt_runtime_get_logs(dm.rt, &logs, cid("l", 0), &all_logs));
  CU_ASSERT_TRUE(logs->n_items == 3 && strcmp(logs->items[1].message, "err") == 0);
  ctrt_log_entry_list_free(logs);
  CU_ASSERT_EQUAL(seen("GET /v1.41/containers/zlayer-l-0/json"), -1);
  dm.variant = 0;

  /* A TTY container: raw bytes, one entry per line. */
  dm.variant = 1;
  ASSERT_OK(ctrt_runtime_get_logs(dm.rt, &logs, cid("l", 0), &all_logs));
  CU_ASSERT_EQUAL_FATAL(logs->n_items, 3);
  CU_ASSERT_STRING_EQUAL(logs->items[0].message, "line one");
  CU_ASSERT_EQUAL(logs->items[0].timestamp.nanos, 1);
  CU_ASSERT_STRING_EQUAL(logs->items[1].message, "line two");
  CU_ASSERT_EQUAL(logs->items[1].timestamp.seconds, 1704164646);
  CU_ASSERT_STRING_EQUAL(logs->items[2].message, "no newline");
  ctrt_log_entry_list_free(logs);
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  ctrt_logs_stream *s = NULL;
  ASSERT_OK(ctrt_runtime_logs_stream(dm.rt, &s, cid("l", 0), &o));
  char text[64] = "";
  for (ctrt_log_chunk *chunk = NULL; ctrt_logs_stream_next(&chunk, s) == 0; chunk = NULL) {
    CU_ASSERT_EQUAL(chunk->stream, CTRT_LOG_CHANNEL_STDOUT);
    strncat(text, (const char *)chunk->data.data, chunk->data.len < 63 - strlen(text) ? chunk->data.len : 0);
    ctrt_log_chunk_free(chunk);
  }
  CU_ASSERT_STRING_EQUAL(text, "raw tty bytes");
  ctrt_logs_stream_close(s);
  daemon_stop();
}

typedef struct later {
  ctrt_logs_stream *s;
} later;

static void *cancel_later(void *arg) {
  struct timespec ts = {0, 200 * 1000000};
  nanosleep(&ts, NULL);
  ctrt_logs_stream_cancel(((later *)arg)->s);
  return NULL;
}

static void test_fake_logs_cancel(void) {
  daemon_start(route_logs);
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.follow = true;
  ctrt_logs_stream *s = NULL;
  ASSERT_OK(ctrt_runtime_logs_stream(dm.rt, &s, cid("l", 0), &o));
  later l = {s};
  pthread_t t;
  pthread_create(&t, NULL, cancel_later, &l);
  ctrt_log_chunk *chunk = NULL;
  ASSERT_FAILS_WITH(ctrt_logs_stream_next(&chunk, s), CTRT_ERROR_CANCELLED);
  pthread_join(t, NULL);
  ctrt_logs_stream_close(s);
  daemon_stop();
}

/* ---- stats ---- */

static fake_next route_stats(fake_conn *c, const fake_request *r, daemon *d) {
  (void)d;
  if (is(r, "GET", "/v1.41/info")) {
    json_answer(c, 200, "{\"MemTotal\":134217728}"); /* the STATS limit: no limit set */
    return FAKE_KEEP;
  }
  if (is(r, "GET", "/v1.41/containers/zlayer-s-0/stats?stream=true")) {
    fake_chunked_head(c, 200, "Content-Type: application/json\r\n");
    fake_chunk(c, STATS, strlen(STATS), false);
    fake_chunk(c, "\n", 1, false);
    fake_chunk(c, STATS, strlen(STATS), true);
    fake_chunk(c, "\n", 1, false);
    fake_chunked_end(c);
    return FAKE_KEEP;
  }
  if (is(r, "GET", "/v1.41/containers/zlayer-s-0/stats?stream=false")) {
    json_answer(c, 200, STATS);
    return FAKE_KEEP;
  }
  json_answer(c, 404, "{\"message\":\"No such container\"}");
  return FAKE_KEEP;
}

static void test_fake_stats(void) {
  daemon_start(route_stats);
  ctrt_stats_stream *s = NULL;
  ASSERT_OK(ctrt_runtime_stats_stream(dm.rt, &s, cid("s", 0)));
  for (int i = 0; i < 2; i++) {
    ctrt_stats_sample *sample = NULL;
    ASSERT_OK(ctrt_stats_stream_next(&sample, s));
    CU_ASSERT_EQUAL(sample->cpu_total_ns, 123456789);
    CU_ASSERT_EQUAL(sample->mem_limit_bytes, 0);
    CU_ASSERT_EQUAL(sample->pids_limit, 64);
    ctrt_stats_sample_free(sample);
  }
  ctrt_stats_sample *sample = NULL;
  CU_ASSERT_EQUAL(ctrt_stats_stream_next(&sample, s), CTRT_ITEROVER);
  ctrt_stats_stream_close(s);
  ctrt_container_stats *cs = NULL;
  ASSERT_OK(ctrt_runtime_get_container_stats(dm.rt, &cs, cid("s", 0)));
  CU_ASSERT_EQUAL(cs->memory_limit, 0);
  ctrt_container_stats_free(cs);
  /* The host's memory is asked once per runtime. */
  int infos = 0;
  pthread_mutex_lock(&dm.lock);
  for (int i = 0; i < dm.n_seen; i++)
    infos += strcmp(dm.seen[i], "GET /v1.41/info") == 0;
  pthread_mutex_unlock(&dm.lock);
  CU_ASSERT_EQUAL(infos, 1);
  daemon_stop();
}

/* ---- exec ---- */

static fake_next route_exec(fake_conn *c, const fake_request *r, daemon *d) {
  if (is(r, "POST", "/v1.41/containers/zlayer-x-0/exec")) {
    json_answer(c, 201, "{\"Id\":\"e1\"}");
    return FAKE_KEEP;
  }
  if (is(r, "POST", "/v1.41/containers/zlayer-paused-0/exec")) {
    json_answer(c, 409, "{\"message\":\"Container x is paused, unpause the container before exec\"}");
    return FAKE_KEEP;
  }
  if (is(r, "POST", "/v1.41/exec/e1/start")) {
    /* Docker's answer: a raw stream until the connection closes. */
    uint8_t body[256];
    size_t len = 0;
    frame(body, &len, 1, "out\n");
    frame(body, &len, 2, "err\n");
    frame(body, &len, 1, "more");
    const char *head = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n";
    fake_write(c, head, strlen(head));
    fake_write_slow(c, body, len);
    return FAKE_CLOSE;
  }
  if (is(r, "GET", "/v1.41/exec/e1/json")) {
    pthread_mutex_lock(&d->lock);
    int polls = ++d->polls;
    pthread_mutex_unlock(&d->lock);
    /* The exit is recorded a moment after the output ends. */
    json_answer(c, 200,
                polls < 3 ? "{\"ID\":\"e1\",\"Running\":true,\"ExitCode\":null}"
                          : "{\"ID\":\"e1\",\"Running\":false,\"ExitCode\":4}");
    return FAKE_KEEP;
  }
  if (starts(r, "GET", "/v1.41/containers/json?"))
    json_answer(c, 200, "[]");
  else
    json_answer(c, 404, "{\"message\":\"No such container\"}");
  return FAKE_KEEP;
}

static void test_fake_exec(void) {
  daemon_start(route_exec);
  const char *argv[] = {"sh", "-c", "echo out"};
  ctrt_exec_result *r = NULL;
  ASSERT_OK(ctrt_runtime_exec(dm.rt, &r, cid("x", 0), argv, 3));
  CU_ASSERT_EQUAL(r->exit_code, 4);
  ASSERT_BYTES_STR(r->stdout_, "out\nmore");
  ASSERT_BYTES_STR(r->stderr_, "err\n");
  CU_ASSERT_FALSE(r->output_truncated);
  ctrt_exec_result_free(r);
  int i = seen("POST /v1.41/containers/zlayer-x-0/exec");
  CU_ASSERT_TRUE_FATAL(i >= 0);
  json_t *body = parse(dm.bodies[i]);
  json_t *want = parse("{\"AttachStdin\":false,\"AttachStdout\":true,\"AttachStderr\":true,\"Tty\":false,"
                       "\"Privileged\":false,\"Cmd\":[\"sh\",\"-c\",\"echo out\"],\"Env\":[]}");
  CU_ASSERT_TRUE(json_equal(body, want));
  json_decref(body);
  json_decref(want);
  i = seen("POST /v1.41/exec/e1/start");
  CU_ASSERT_TRUE_FATAL(i >= 0);
  CU_ASSERT_STRING_EQUAL(dm.bodies[i], "{\"Detach\":false,\"Tty\":false}");

  /* Options reach the exec's config. */
  char *command[] = {"id"}, *env[] = {"A=1"};
  ctrt_exec_options o = CTRT_EXEC_OPTIONS_INIT;
  o.command = command;
  o.n_command = 1;
  o.env = env;
  o.n_env = 1;
  o.user = "nobody";
  o.working_dir = "/tmp";
  dm.polls = 5;
  ASSERT_OK(ctrt_runtime_exec_with_opts(dm.rt, &r, cid("x", 0), &o));
  ctrt_exec_result_free(r);
  body = parse(dm.bodies[dm.n_seen - 3]);
  CU_ASSERT_STRING_EQUAL(jstr(body, "User"), "nobody");
  CU_ASSERT_STRING_EQUAL(jstr(body, "WorkingDir"), "/tmp");
  CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(json_object_get(body, "Env"), 0)), "A=1");
  json_decref(body);

  /* The stream: one event per frame, then exactly one exit. */
  ctrt_exec_event_stream *s = NULL;
  ASSERT_OK(ctrt_runtime_exec_stream(dm.rt, &s, cid("x", 0), argv, 3));
  static const struct {
    ctrt_exec_event_kind kind;
    const char *text;
  } events[] = {{CTRT_EXEC_EVENT_STDOUT, "out\n"}, {CTRT_EXEC_EVENT_STDERR, "err\n"}, {CTRT_EXEC_EVENT_STDOUT, "more"}};
  for (size_t k = 0; k < 3; k++) {
    ctrt_exec_event *ev = NULL;
    ASSERT_OK(ctrt_exec_event_stream_next(&ev, s));
    CU_ASSERT_EQUAL(ev->kind, events[k].kind);
    ASSERT_BYTES_STR(ev->kind == CTRT_EXEC_EVENT_STDERR ? ev->stderr_ : ev->stdout_, events[k].text);
    ctrt_exec_event_free(ev);
  }
  ctrt_exec_event *ev = NULL;
  ASSERT_OK(ctrt_exec_event_stream_next(&ev, s));
  CU_ASSERT_EQUAL(ev->kind, CTRT_EXEC_EVENT_EXIT);
  CU_ASSERT_EQUAL(ev->exit, 4);
  ctrt_exec_event_free(ev);
  ev = NULL;
  CU_ASSERT_EQUAL(ctrt_exec_event_stream_next(&ev, s), CTRT_ITEROVER);
  ctrt_exec_event_stream_close(s);

  ASSERT_FAILS_WITH(ctrt_runtime_exec(dm.rt, &r, cid("paused", 0), argv, 3), CTRT_ERROR_CONFLICT);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "unpause"));
  ASSERT_FAILS_WITH(ctrt_runtime_exec(dm.rt, &r, cid("ghost", 0), argv, 3), CTRT_ERROR_NOT_FOUND);
  ASSERT_FAILS_WITH(ctrt_runtime_exec_stream(dm.rt, &s, cid("ghost", 0), argv, 3), CTRT_ERROR_NOT_FOUND);
  CU_ASSERT_PTR_NULL(s);
  daemon_stop();
}

/* ---- the exec output cap ---- */

static fake_next route_exec_flood(fake_conn *c, const fake_request *r, daemon *d) {
  (void)d;
  if (is(r, "POST", "/v1.41/containers/zlayer-x-0/exec")) {
    json_answer(c, 201, "{\"Id\":\"ef\"}");
    return FAKE_KEEP;
  }
  if (is(r, "POST", "/v1.41/exec/ef/start")) {
    /* `yes` in a container: far more output than the cap. */
    const char *head = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n";
    fake_write(c, head, strlen(head));
    static char line[1001];
    memset(line, 'y', 1000);
    uint8_t body[1100];
    for (int i = 0; i < 64; i++) {
      size_t len = 0;
      frame(body, &len, i == 0 ? 2 : 1, i == 0 ? "warn\n" : line);
      fake_write(c, body, len);
    }
    return FAKE_CLOSE;
  }
  if (is(r, "GET", "/v1.41/exec/ef/json")) {
    json_answer(c, 200, "{\"ID\":\"ef\",\"Running\":false,\"ExitCode\":141}");
    return FAKE_KEEP;
  }
  json_answer(c, 404, "{\"message\":\"No such container\"}");
  return FAKE_KEEP;
}

static void test_fake_exec_output_cap(void) {
  memset(&dm, 0, sizeof dm);
  pthread_mutex_init(&dm.lock, NULL);
  dm.route = route_exec_flood;
  dm.fs = fake_server_start(FAKE_UNIX, dispatch, &dm);
  CU_ASSERT_PTR_NOT_NULL_FATAL(dm.fs);
  char uri[256];
  snprintf(uri, sizeof uri, "docker://%s", fake_server_host(dm.fs));
  ctrt_open_options o = CTRT_OPEN_OPTIONS_INIT;
  o.exec_output_max = 2500;
  ASSERT_OK(ctrt_open_with_options(&dm.rt, uri, &o));
  const char *argv[] = {"yes"};
  ctrt_exec_result *r = NULL;
  ASSERT_OK(ctrt_runtime_exec(dm.rt, &r, cid("x", 0), argv, 1));
  CU_ASSERT_TRUE(r->output_truncated);
  ASSERT_BYTES_STR(r->stderr_, "warn\n");
  CU_ASSERT_EQUAL(r->stdout_.len + r->stderr_.len, 2500);
  CU_ASSERT_EQUAL(r->exit_code, 141);
  ctrt_exec_result_free(r);
  daemon_stop();
}

/* ---- exec_pty ---- */

static fake_next route_pty(fake_conn *c, const fake_request *r, daemon *d) {
  if (is(r, "POST", "/v1.41/containers/zlayer-p-0/exec")) {
    json_answer(c, 201, "{\"Id\":\"e2\"}");
    return FAKE_KEEP;
  }
  if (is(r, "POST", "/v1.41/exec/e2/start")) {
    /* Output in the same write as the head, then stdin echoed back as
     * stdout frames until the client half-closes. */
    uint8_t out[512];
    size_t len = 0;
    const char *head = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n"
                       "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
    memcpy(out, head, strlen(head));
    len = strlen(head);
    frame(out, &len, 1, "hi\n");
    frame(out, &len, 2, "oops\n");
    fake_write(c, out, len);
    char buf[256];
    long got;
    while ((got = fake_read(c, buf, sizeof buf - 1)) > 0) {
      buf[got] = '\0';
      len = 0;
      frame(out, &len, 1, buf);
      fake_write_slow(c, out, len);
    }
    pthread_mutex_lock(&d->lock);
    d->attach_eof = true;
    pthread_mutex_unlock(&d->lock);
    return FAKE_CLOSE;
  }
  if (starts(r, "POST", "/v1.41/exec/e2/resize?")) {
    fake_respond(c, d->variant == 1 ? 500 : 201, NULL, d->variant == 1 ? "{\"message\":\"process not found\"}" : "");
    return FAKE_KEEP;
  }
  if (is(r, "GET", "/v1.41/exec/e2/json")) {
    pthread_mutex_lock(&d->lock);
    bool ended = d->attach_eof;
    pthread_mutex_unlock(&d->lock);
    json_answer(c, 200, ended ? "{\"Running\":false,\"ExitCode\":7}" : "{\"Running\":true,\"ExitCode\":null}");
    return FAKE_KEEP;
  }
  json_answer(c, 404, "{\"message\":\"no route\"}");
  return FAKE_KEEP;
}

static void test_fake_exec_pty(void) {
  daemon_start(route_pty);
  char *command[] = {"cat"};
  ctrt_exec_options o = CTRT_EXEC_OPTIONS_INIT;
  o.command = command;
  o.n_command = 1;
  o.attach_stdin = true;
  ctrt_exec_handle *h = NULL;
  ASSERT_OK(ctrt_runtime_exec_pty(dm.rt, &h, cid("p", 0), &o));
  int i = seen("POST /v1.41/containers/zlayer-p-0/exec");
  CU_ASSERT_TRUE_FATAL(i >= 0);
  json_t *body = parse(dm.bodies[i]);
  CU_ASSERT_TRUE(json_is_true(json_object_get(body, "AttachStdin")));
  json_decref(body);
  CU_ASSERT_TRUE(ctrt_exec_handle_fd(h) >= 0);
  ASSERT_OK(ctrt_exec_handle_resize(h, 40, 120));
  CU_ASSERT_TRUE(seen("POST /v1.41/exec/e2/resize?h=40&w=120") >= 0);
  ASSERT_OK(ctrt_exec_handle_write(h, "typed", 5));
  ASSERT_OK(ctrt_exec_handle_close_stdin(h));
  char out[64] = "", err[64] = "";
  for (;;) {
    char buf[16];
    size_t n = 0;
    ctrt_log_channel ch;
    int rc = ctrt_exec_handle_read(h, &ch, buf, sizeof buf, &n);
    if (rc == CTRT_ITEROVER)
      break;
    ASSERT_OK(rc);
    strncat(ch == CTRT_LOG_CHANNEL_STDERR ? err : out, buf, n);
  }
  CU_ASSERT_STRING_EQUAL(out, "hi\ntyped");
  CU_ASSERT_STRING_EQUAL(err, "oops\n");
  int32_t code = -1;
  ASSERT_OK(ctrt_exec_handle_wait(h, &code));
  CU_ASSERT_EQUAL(code, 7);
  /* Resizing a session whose process has exited is a no-op. */
  dm.variant = 1;
  ASSERT_OK(ctrt_exec_handle_resize(h, 24, 80));
  ctrt_exec_handle_free(h);
  daemon_stop();
}

/* ---- pull and load ---- */

static fake_next route_images(fake_conn *c, const fake_request *r, daemon *d) {
  if (starts(r, "POST", "/v1.41/images/create?fromImage=")) {
    if (strstr(r->target, "missing")) {
      json_answer(c, 404, "{\"message\":\"manifest for reg:5000/missing:1 not found\"}");
      return FAKE_KEEP;
    }
    fake_chunked_head(c, 200, "Content-Type: application/json\r\n");
    const char *lines =
        d->variant == 1
            ? "{\"status\":\"Pulling from a/b\",\"id\":\"1\"}\n"
              "{\"errorDetail\":{\"message\":\"unauthorized: authentication required\"},\"error\":\"unauthorized\"}\n"
            : "{\"status\":\"Pulling from a/b\",\"id\":\"1\"}\n"
              "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":5,\"total\":10},\"id\":\"l1\"}\n"
              "{\"status\":\"Digest: sha256:c0de\"}\n"
              "{\"status\":\"Status: Downloaded newer image for reg:5000/a/b:1\"}\n";
    fake_chunk(c, lines, strlen(lines), true);
    fake_chunked_end(c);
    return FAKE_KEEP;
  }
  if (starts(r, "GET", "/v1.41/images/")) {
    if (strstr(r->target, "present"))
      json_answer(c, 200, "{\"Id\":\"sha256:aaa\"}");
    else
      json_answer(c, 404, "{\"message\":\"No such image\"}");
    return FAKE_KEEP;
  }
  if (starts(r, "POST", "/v1.41/images/load?quiet=")) {
    fake_chunked_head(c, 200, "Content-Type: application/json\r\n");
    const char *lines = d->variant == 1
                            ? "{\"errorDetail\":{\"message\":\"unexpected EOF\"},\"error\":\"unexpected EOF\"}\n"
                            : "{\"status\":\"Loading layer\",\"id\":\"l1\"}\n"
                              "{\"stream\":\"Loaded image: a/b:1\\n\"}\n"
                              "{\"stream\":\"Loaded image: a/b:2\\n\"}\n";
    fake_chunk(c, lines, strlen(lines), false);
    fake_chunked_end(c);
    return FAKE_KEEP;
  }
  json_answer(c, 404, "{\"message\":\"no route\"}");
  return FAKE_KEEP;
}

static void test_fake_pull(void) {
  daemon_start(route_images);
  ctrt_registry_auth auth = CTRT_REGISTRY_AUTH_INIT;
  auth.username = "user";
  auth.password = "pa55word";
  ctrt_pull_progress_stream *s = NULL;
  ASSERT_OK(ctrt_runtime_pull_image_stream(dm.rt, &s, "reg:5000/a/b:1", &auth));
  CU_ASSERT_TRUE(seen("POST /v1.41/images/create?fromImage=reg%3A5000%2Fa%2Fb&tag=1") >= 0);
  CU_ASSERT_TRUE(dm.registry_auth[0] != '\0');
  size_t statuses = 0, dones = 0;
  for (;;) {
    ctrt_pull_progress *p = NULL;
    int rc = ctrt_pull_progress_stream_next(&p, s);
    if (rc == CTRT_ITEROVER)
      break;
    ASSERT_OK(rc);
    if (p->kind == CTRT_PULL_PROGRESS_STATUS) {
      statuses++;
      CU_ASSERT_EQUAL(dones, 0);
    } else {
      dones++;
      CU_ASSERT_STRING_EQUAL(p->done.reference, "reg:5000/a/b:1");
      CU_ASSERT_STRING_EQUAL(p->done.digest, "sha256:c0de");
    }
    ctrt_pull_progress_free(p);
  }
  CU_ASSERT_EQUAL(statuses, 4);
  CU_ASSERT_EQUAL(dones, 1);
  ctrt_pull_progress_stream_close(s);

  /* An error line ends the stream with pull_failed, and no password. */
  dm.variant = 1;
  ASSERT_OK(ctrt_runtime_pull_image_stream(dm.rt, &s, "reg:5000/a/b:1", &auth));
  ctrt_pull_progress *p = NULL;
  ASSERT_OK(ctrt_pull_progress_stream_next(&p, s));
  ctrt_pull_progress_free(p);
  p = NULL;
  ASSERT_FAILS_WITH(ctrt_pull_progress_stream_next(&p, s), CTRT_ERROR_PULL_FAILED);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "authentication required"));
  CU_ASSERT_PTR_NULL(strstr(ctrt_error_last()->message, "pa55word"));
  CU_ASSERT_EQUAL(ctrt_pull_progress_stream_next(&p, s), CTRT_ITEROVER);
  ctrt_pull_progress_stream_close(s);
  ASSERT_FAILS_WITH(ctrt_runtime_pull_image_with_policy(dm.rt, "reg:5000/a/b:1", CTRT_PULL_POLICY_ALWAYS, &auth,
                                                        CTRT_SOURCE_POLICY_LOCAL_FIRST),
                    CTRT_ERROR_PULL_FAILED);
  CU_ASSERT_PTR_NULL(strstr(ctrt_error_last()->message, "pa55word"));

  /* Policies. */
  ASSERT_FAILS_WITH(ctrt_runtime_pull_image_stream(dm.rt, &s, "reg:5000/missing:1", NULL), CTRT_ERROR_NOT_FOUND);
  int before = dm.n_seen;
  ASSERT_OK(ctrt_runtime_pull_image_with_policy(dm.rt, "reg:5000/present:1", CTRT_PULL_POLICY_IF_NOT_PRESENT, NULL,
                                                CTRT_SOURCE_POLICY_LOCAL_FIRST));
  ASSERT_OK(ctrt_runtime_pull_image_with_policy(dm.rt, "reg:5000/present:1", CTRT_PULL_POLICY_NEVER, NULL,
                                                CTRT_SOURCE_POLICY_LOCAL_FIRST));
  CU_ASSERT_EQUAL(dm.n_seen, before + 2); /* two inspects, no pull */
  ASSERT_FAILS_WITH(ctrt_runtime_pull_image_with_policy(dm.rt, "reg:5000/absent:1", CTRT_PULL_POLICY_NEVER, NULL,
                                                        CTRT_SOURCE_POLICY_LOCAL_FIRST),
                    CTRT_ERROR_NOT_FOUND);
  dm.variant = 0;
  ASSERT_OK(ctrt_runtime_pull_image_with_policy(dm.rt, "reg:5000/absent:1", CTRT_PULL_POLICY_IF_NOT_PRESENT, NULL,
                                                CTRT_SOURCE_POLICY_LOCAL_FIRST));
  CU_ASSERT_TRUE(seen("POST /v1.41/images/create?fromImage=reg%3A5000%2Fabsent&tag=1") >= 0);
  daemon_stop();
}

static void test_fake_load(void) {
  daemon_start(route_images);
  static const char tar[] = "pretend this is a docker archive";
  ctrt_byte_source *src = NULL;
  ASSERT_OK(ctrt_byte_source_from_buffer(&src, tar, sizeof tar));
  ctrt_load_progress_stream *s = NULL;
  ASSERT_OK(ctrt_runtime_load_images(dm.rt, &s, src, true));
  ctrt_byte_source_free(src); /* the upload is complete when load_images returns */
  CU_ASSERT_TRUE(seen("POST /v1.41/images/load?quiet=1") >= 0);
  size_t statuses = 0;
  ctrt_load_progress *done = NULL;
  for (;;) {
    ctrt_load_progress *p = NULL;
    int rc = ctrt_load_progress_stream_next(&p, s);
    if (rc == CTRT_ITEROVER)
      break;
    ASSERT_OK(rc);
    if (p->kind == CTRT_LOAD_PROGRESS_DONE) {
      CU_ASSERT_PTR_NULL(done);
      done = p;
    } else {
      statuses++;
      ctrt_load_progress_free(p);
    }
  }
  CU_ASSERT_EQUAL(statuses, 3);
  CU_ASSERT_PTR_NOT_NULL_FATAL(done);
  CU_ASSERT_EQUAL_FATAL(done->done.n_references, 2);
  CU_ASSERT_STRING_EQUAL(done->done.references[0], "a/b:1");
  CU_ASSERT_STRING_EQUAL(done->done.references[1], "a/b:2");
  ctrt_load_progress_free(done);
  ctrt_load_progress_stream_close(s);

  dm.variant = 1;
  ASSERT_OK(ctrt_byte_source_from_buffer(&src, tar, sizeof tar));
  ASSERT_OK(ctrt_runtime_load_images(dm.rt, &s, src, false));
  ctrt_byte_source_free(src);
  ctrt_load_progress *p = NULL;
  ASSERT_FAILS_WITH(ctrt_load_progress_stream_next(&p, s), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "unexpected EOF"));
  ctrt_load_progress_stream_close(s);
  daemon_stop();
}

/* ---- stdin of the main process ---- */

static fake_next route_stdin(fake_conn *c, const fake_request *r, daemon *d) {
  if (is(r, "GET", "/v1.41/containers/zlayer-in-0/json")) {
    json_answer(c, 200, "{\"Id\":\"inid\",\"Config\":{\"OpenStdin\":true}}");
    return FAKE_KEEP;
  }
  if (is(r, "GET", "/v1.41/containers/zlayer-closed-0/json")) {
    json_answer(c, 200, "{\"Id\":\"closedid\",\"Config\":{\"OpenStdin\":false}}");
    return FAKE_KEEP;
  }
  if (is(r, "POST", "/v1.41/containers/inid/attach?stream=1&stdin=1")) {
    pthread_mutex_lock(&d->lock);
    d->attaches++;
    pthread_mutex_unlock(&d->lock);
    const char *head = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                       "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
    fake_write(c, head, strlen(head));
    char buf[256];
    long got;
    while ((got = fake_read(c, buf, sizeof buf)) > 0) {
      pthread_mutex_lock(&d->lock);
      size_t room = sizeof d->attached - 1 - d->attached_len;
      size_t take = (size_t)got < room ? (size_t)got : room;
      memcpy(d->attached + d->attached_len, buf, take);
      d->attached_len += take;
      pthread_mutex_unlock(&d->lock);
    }
    pthread_mutex_lock(&d->lock);
    d->attach_eof = got == 0;
    pthread_mutex_unlock(&d->lock);
    return FAKE_CLOSE;
  }
  if (starts(r, "GET", "/v1.41/containers/json?"))
    json_answer(c, 200, "[]");
  else
    json_answer(c, 404, "{\"message\":\"No such container\"}");
  return FAKE_KEEP;
}

static void test_fake_stdin(void) {
  daemon_start(route_stdin);
  ASSERT_OK(ctrt_runtime_write_stdin(dm.rt, cid("in", 0), "line one\n", 9));
  ASSERT_OK(ctrt_runtime_write_stdin(dm.rt, cid("in", 0), "line two\n", 9));
  ASSERT_OK(ctrt_runtime_close_stdin(dm.rt, cid("in", 0)));
  for (int i = 0; i < 200; i++) { /* the server thread sees the end */
    pthread_mutex_lock(&dm.lock);
    bool eof = dm.attach_eof;
    pthread_mutex_unlock(&dm.lock);
    if (eof)
      break;
    struct timespec ts = {0, 10 * 1000000};
    nanosleep(&ts, NULL);
  }
  pthread_mutex_lock(&dm.lock);
  CU_ASSERT_TRUE(dm.attach_eof);
  CU_ASSERT_EQUAL(dm.attaches, 1); /* one connection for both writes */
  dm.attached[dm.attached_len] = '\0';
  CU_ASSERT_STRING_EQUAL(dm.attached, "line one\nline two\n");
  pthread_mutex_unlock(&dm.lock);
  ASSERT_FAILS_WITH(ctrt_runtime_write_stdin(dm.rt, cid("closed", 0), "x", 1), CTRT_ERROR_CONFLICT);
  ASSERT_OK(ctrt_runtime_close_stdin(dm.rt, cid("closed", 0))); /* nothing to close */
  ASSERT_FAILS_WITH(ctrt_runtime_close_stdin(dm.rt, cid("ghost", 0)), CTRT_ERROR_NOT_FOUND);
  /* An attach left open is closed with the runtime. */
  ASSERT_OK(ctrt_runtime_write_stdin(dm.rt, cid("in", 0), "x", 1));
  daemon_stop();
}

/* ---- archive_head ---- */

static fake_next route_archive(fake_conn *c, const fake_request *r, daemon *d) {
  (void)d;
  if (is(r, "HEAD", "/v1.41/containers/zlayer-a-0/archive?path=%2Fdata%2Flink")) {
    /* {"name":"link","size":8,"mode":134218239,"mtime":"2024-01-01T00:00:00Z","linkTarget":"/data/file.txt"} */
    fake_respond(c, 200,
                 "X-Docker-Container-Path-Stat: eyJuYW1lIjoibGluayIsInNpemUiOjgsIm1vZGUiOjEzNDIxODIzOSwibXRpbWUiOiIy"
                 "MDI0LTAxLTAxVDAwOjAwOjAwWiIsImxpbmtUYXJnZXQiOiIvZGF0YS9maWxlLnR4dCJ9\r\n",
                 "");
    return FAKE_KEEP;
  }
  if (starts(r, "HEAD", "/v1.41/containers/zlayer-a-0/archive?")) {
    fake_respond(c, 404, NULL, "");
    return FAKE_KEEP;
  }
  if (is(r, "GET", "/v1.41/containers/zlayer-a-0/json")) {
    json_answer(c, 200, "{\"Id\":\"aid\"}");
    return FAKE_KEEP;
  }
  if (starts(r, "GET", "/v1.41/containers/json?"))
    json_answer(c, 200, "[]");
  else if (strcmp(r->method, "HEAD") == 0)
    fake_respond(c, 404, NULL, "");
  else
    json_answer(c, 404, "{\"message\":\"No such container: zlayer-ghost-0\"}");
  return FAKE_KEEP;
}

static void test_fake_archive_head(void) {
  daemon_start(route_archive);
  ctrt_path_stat *st = NULL;
  ASSERT_OK(ctrt_runtime_archive_head(dm.rt, &st, cid("a", 0), "/data/link"));
  CU_ASSERT_STRING_EQUAL(st->name, "link");
  CU_ASSERT_EQUAL(st->size, 8);
  CU_ASSERT_TRUE(S_ISLNK(st->mode));
  CU_ASSERT_STRING_EQUAL(st->link_target, "/data/file.txt"); /* as Docker says */
  ctrt_path_stat_free(st);
  st = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_archive_head(dm.rt, &st, cid("a", 0), "/no/such"), CTRT_ERROR_NOT_FOUND);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "/no/such"));
  ASSERT_FAILS_WITH(ctrt_runtime_archive_head(dm.rt, &st, cid("ghost", 0), "/x"), CTRT_ERROR_NOT_FOUND);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "zlayer-ghost-0"));
  CU_ASSERT_PTR_NULL(st);
  daemon_stop();
}

/* ---- unpause: Docker's 500 for "not paused" is the interface's conflict ---- */

static fake_next route_unpause(fake_conn *c, const fake_request *r, daemon *d) {
  (void)d;
  if (starts(r, "POST", "/v1.41/containers/zlayer-")) {
    bool paused = strstr(r->target, "zlayer-broken-0") != NULL;
    json_answer(c, 500,
                paused ? "{\"message\":\"cannot thaw the cgroup\"}" : "{\"message\":\"Container aid is not paused\"}");
  } else if (is(r, "GET", "/v1.41/containers/zlayer-calm-0/json")) {
    json_answer(c, 200, "{\"Id\":\"aid\",\"State\":{\"Status\":\"running\",\"Paused\":false}}");
  } else if (is(r, "GET", "/v1.41/containers/zlayer-broken-0/json")) {
    json_answer(c, 200, "{\"Id\":\"bid\",\"State\":{\"Status\":\"paused\",\"Paused\":true}}");
  } else {
    json_answer(c, 404, "{\"message\":\"page not found\"}");
  }
  return FAKE_KEEP;
}

static void test_fake_unpause(void) {
  daemon_start(route_unpause);
  ASSERT_FAILS_WITH(ctrt_runtime_unpause_container(dm.rt, cid("calm", 0)), CTRT_ERROR_CONFLICT);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "not paused"));
  /* A paused container whose unpause fails keeps Docker's own error. */
  int rc = ctrt_runtime_unpause_container(dm.rt, cid("broken", 0));
  CU_ASSERT_TRUE(rc < 0 && rc != CTRT_ECONFLICT);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "cannot thaw the cgroup"));
  daemon_stop();
}

/* ---- runtime_engine ---- */

static fake_next route_engine(fake_conn *c, const fake_request *r, daemon *d) {
  bool podman = d->variant == 1;
  if (is(r, "GET", "/v1.41/version"))
    json_answer(c, 200, podman ? podman_version : docker_version);
  else if (is(r, "GET", "/v1.41/info") && d->variant == 2)
    json_answer(c, 500, "{\"message\":\"info is broken\"}");
  else if (is(r, "GET", "/v1.41/info") && d->variant == 3)
    fake_respond(c, 200, "Content-Type: application/json\r\n", "{\"LoggingDriver\":");
  else if (is(r, "GET", "/v1.41/info"))
    json_answer(c, 200, podman ? podman_info : docker_info);
  else
    json_answer(c, 404, "{\"message\":\"page not found\"}");
  return FAKE_KEEP;
}

static void test_fake_engine(void) {
  daemon_start(route_engine);
  ctrt_engine_info *e = NULL;
  ASSERT_OK(ctrt_runtime_engine(dm.rt, &e));
  ASSERT_STR(e->name, "docker");
  ASSERT_STR(e->version, "20.10.24+dfsg1");
  ASSERT_STR(ctrt_engine_info_fact(e, "log_driver"), "json-file");
  ASSERT_STR(ctrt_runtime_backend_name(dm.rt), "docker");
  ctrt_engine_info_free(e);
  e = NULL;
  dm.variant = 1; /* the same backend in front of Podman */
  ASSERT_OK(ctrt_runtime_engine(dm.rt, &e));
  ASSERT_STR(e->name, "podman");
  ASSERT_STR(e->version, "4.3.1");
  ASSERT_STR(ctrt_engine_info_fact(e, "log_driver"), "k8s-file");
  ctrt_engine_info_free(e);
  e = NULL;
  dm.variant = 2;
  ASSERT_FAILS_WITH(ctrt_runtime_engine(dm.rt, &e), CTRT_ERROR_INTERNAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "info is broken"));
  CU_ASSERT_EQUAL(ctrt_error_last()->http_status, 500);
  CU_ASSERT_PTR_NULL(e);
  dm.variant = 3;
  CU_ASSERT_TRUE(ctrt_runtime_engine(dm.rt, &e) < 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "/info"));
  CU_ASSERT_PTR_NULL(e);
  daemon_stop();
}

/* podman:// and CONTAINER_HOST: the backend opens only on a Podman service
 * (its /version), and ctrt_open_from_env picks it when only CONTAINER_HOST
 * names a host. */
static void test_open_podman(void) {
  memset(&dm, 0, sizeof dm);
  pthread_mutex_init(&dm.lock, NULL);
  dm.route = route_engine;
  dm.variant = 1;
  dm.fs = fake_server_start(FAKE_UNIX, dispatch, &dm);
  CU_ASSERT_PTR_NOT_NULL_FATAL(dm.fs);
  const char *saved = getenv("DOCKER_HOST");
  char *previous = saved ? strdup(saved) : NULL;
  unsetenv("DOCKER_HOST");
  setenv("CONTAINER_HOST", fake_server_host(dm.fs), 1);
  ctrt_runtime *rt = NULL;
  ASSERT_OK(ctrt_open_from_env(&rt));
  CU_ASSERT_STRING_EQUAL(ctrt_runtime_backend_name(rt), "podman");
  ctrt_engine_info *e = NULL;
  ASSERT_OK(ctrt_runtime_engine(rt, &e));
  CU_ASSERT_STRING_EQUAL(e->name, "podman");
  ctrt_engine_info_free(e);
  ctrt_close(rt);
  /* A Docker Engine behind podman:// is refused at open. */
  dm.variant = 0;
  char uri[512];
  snprintf(uri, sizeof uri, "podman://%s", fake_server_host(dm.fs));
  rt = NULL;
  ASSERT_FAILS_WITH(ctrt_open(&rt, uri), CTRT_ERROR_CONFIGURATION);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "not Podman"));
  CU_ASSERT_PTR_NULL(rt);
  unsetenv("CONTAINER_HOST");
  if (previous) {
    setenv("DOCKER_HOST", previous, 1);
    free(previous);
  }
  fake_server_stop(dm.fs);
  pthread_mutex_destroy(&dm.lock);
}

/* ---- stream_idle_timeout_ms: follow streams and hijacked sessions ---- */

/* A daemon that starts every follow stream and exec session, then goes
 * silent (variant 1: Podman). */
static fake_next route_silent(fake_conn *c, const fake_request *r, daemon *d) {
  if (is(r, "GET", "/v1.41/version")) {
    json_answer(c, 200, d->variant == 1 ? podman_version : docker_version);
  } else if (is(r, "GET", "/v1.41/info")) {
    json_answer(c, 200, d->variant == 1 ? podman_info : docker_info);
  } else if (is(r, "GET", "/v1.41/containers/zlayer-x-0/json")) {
    json_answer(c, 200, "{\"Id\":\"xid\",\"Config\":{\"Tty\":false},\"State\":{\"Running\":true}}");
  } else if (starts(r, "GET", "/v1.41/containers/zlayer-x-0/logs?")) {
    fake_chunked_head(c, 200, NULL);
    fake_wait(c);
    return FAKE_CLOSE;
  } else if (starts(r, "POST", "/v1.41/containers/zlayer-x-0/exec")) {
    json_answer(c, 201, "{\"Id\":\"e1\"}");
  } else if (is(r, "POST", "/v1.41/exec/e1/start")) {
    const char *head = "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                       "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n";
    fake_write(c, head, strlen(head));
    fake_wait(c);
    return FAKE_CLOSE;
  } else {
    json_answer(c, 404, "{\"message\":\"page not found\"}");
  }
  return FAKE_KEEP;
}

static void silent_streams(const char *scheme, int variant) {
  memset(&dm, 0, sizeof dm);
  pthread_mutex_init(&dm.lock, NULL);
  dm.route = route_silent;
  dm.variant = variant;
  dm.fs = fake_server_start(FAKE_UNIX, dispatch, &dm);
  CU_ASSERT_PTR_NOT_NULL_FATAL(dm.fs);
  char uri[256];
  snprintf(uri, sizeof uri, "%s://%s", scheme, fake_server_host(dm.fs));
  ctrt_open_options opts = CTRT_OPEN_OPTIONS_INIT;
  opts.stream_idle_timeout_ms = 200;
  ASSERT_OK(ctrt_open_with_options(&dm.rt, uri, &opts));
  CU_ASSERT_STRING_EQUAL(ctrt_runtime_backend_name(dm.rt), scheme);

  /* logs with follow: headers, then nothing. */
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.follow = true;
  ctrt_logs_stream *s = NULL;
  ASSERT_OK(ctrt_runtime_logs_stream(dm.rt, &s, cid("x", 0), &o));
  ctrt_log_chunk *chunk = NULL;
  ASSERT_FAILS_WITH(ctrt_logs_stream_next(&chunk, s), CTRT_ERROR_TIMEOUT);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "stream_idle_timeout_ms"));
  CU_ASSERT_PTR_NULL(chunk);
  ctrt_logs_stream_close(s);

  /* An exec session (hijacked connection): 101, then nothing. */
  ctrt_exec_options eo = CTRT_EXEC_OPTIONS_INIT;
  const char *argv[] = {"sh"};
  eo.command = (char **)argv;
  eo.n_command = 1;
  eo.attach_stdin = eo.attach_stdout = eo.attach_stderr = true;
  ctrt_exec_handle *h = NULL;
  ASSERT_OK(ctrt_runtime_exec_pty(dm.rt, &h, cid("x", 0), &eo));
  char buf[64];
  size_t n = 0;
  ctrt_log_channel ch;
  ASSERT_FAILS_WITH(ctrt_exec_handle_read(h, &ch, buf, sizeof buf, &n), CTRT_ERROR_TIMEOUT);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "stream_idle_timeout_ms"));
  CU_ASSERT_EQUAL(n, 0);
  ctrt_exec_handle_free(h);
  daemon_stop();
}

static void test_silent_follow_streams(void) {
  silent_streams("docker", 0);
  silent_streams("podman", 1);
}

/* ---- archive_put: the destination and the archive checked first ---- */

/* A path-stat header value for {name, mode (Go bits), linkTarget}. */
static void path_stat_header(char *buf, size_t cap, const char *name, uint64_t go_mode, const char *link) {
  char json[512];
  snprintf(json, sizeof json,
           "{\"name\":\"%s\",\"size\":4096,\"mode\":%llu,\"mtime\":\"2024-01-01T00:00:00Z\","
           "\"linkTarget\":\"%s\"}",
           name, (unsigned long long)go_mode, link);
  char *b64 = ctrt__base64_encode(json, strlen(json), false);
  snprintf(buf, cap, "X-Docker-Container-Path-Stat: %s\r\n", b64);
  ctrt_free(b64);
}

static fake_next route_put(fake_conn *c, const fake_request *r, daemon *d) {
  char header[1024];
  if (is(r, "HEAD", "/v1.41/containers/zlayer-a-0/archive?path=%2Fdst") ||
      is(r, "HEAD", "/v1.41/containers/zlayer-a-0/archive?path=%2Fdst%2Freal")) {
    path_stat_header(header, sizeof header, "dst", (1ull << 31) | 0755, "");
    fake_respond(c, 200, header, "");
  } else if (is(r, "HEAD", "/v1.41/containers/zlayer-a-0/archive?path=%2Ffile.txt")) {
    path_stat_header(header, sizeof header, "file.txt", 0644, "");
    fake_respond(c, 200, header, "");
  } else if (is(r, "HEAD", "/v1.41/containers/zlayer-a-0/archive?path=%2Flink")) {
    path_stat_header(header, sizeof header, "link", (1ull << 27) | 0777, "/dst/real");
    fake_respond(c, 200, header, "");
  } else if (is(r, "HEAD", "/v1.41/containers/zlayer-a-0/archive?path=%2Fdangling")) {
    path_stat_header(header, sizeof header, "dangling", (1ull << 27) | 0777, "/nowhere");
    fake_respond(c, 200, header, "");
  } else if (starts(r, "HEAD", "/v1.41/containers/zlayer-a-0/archive?")) {
    fake_respond(c, 404, NULL, "");
  } else if (starts(r, "PUT", "/v1.41/containers/zlayer-a-0/archive?path=")) {
    pthread_mutex_lock(&d->lock);
    d->puts++;
    d->put_total = r->body_total;
    snprintf(d->put_sha, sizeof d->put_sha, "%s", r->body_sha256);
    pthread_mutex_unlock(&d->lock);
    if (d->variant == 500)
      json_answer(c, 500, "{\"message\":\"Error processing tar file(exit status 1): no space left on device\"}");
    else
      fake_respond(c, 200, NULL, "");
  } else if (is(r, "GET", "/v1.41/containers/zlayer-a-0/json")) {
    json_answer(c, 200, "{\"Id\":\"aid\"}");
  } else if (starts(r, "GET", "/v1.41/containers/json?")) {
    json_answer(c, 200, "[]");
  } else if (strcmp(r->method, "HEAD") == 0) {
    fake_respond(c, 404, NULL, "");
  } else {
    json_answer(c, 404, "{\"message\":\"No such container: zlayer-ghost-0\"}");
  }
  return FAKE_KEEP;
}

typedef struct tar_item {
  const char *name;
  char type; /* '0' file, '5' dir, '2' symlink, '1' hard link */
  const char *data;
} tar_item;

/* A ustar archive of items, written by hand (names < 100 bytes). */
static uint8_t *make_tar(const tar_item *items, size_t n, size_t *len) {
  size_t cap = 1024;
  for (size_t i = 0; i < n; i++)
    cap += 512 + (items[i].type == '0' ? (strlen(items[i].data) + 511) / 512 * 512 : 0);
  uint8_t *tar = calloc(1, cap);
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    uint8_t *h = tar + at;
    size_t size = items[i].type == '0' ? strlen(items[i].data) : 0;
    snprintf((char *)h, 100, "%s", items[i].name);
    snprintf((char *)h + 100, 8, "%07o", items[i].type == '5' ? 0755 : 0644);
    snprintf((char *)h + 108, 8, "%07o", 0);
    snprintf((char *)h + 116, 8, "%07o", 0);
    snprintf((char *)h + 124, 12, "%011o", (unsigned)(size & 07777777));
    snprintf((char *)h + 136, 12, "%011o", 0);
    h[156] = (uint8_t)items[i].type;
    if (items[i].type == '1' || items[i].type == '2')
      snprintf((char *)h + 157, 100, "%s", items[i].data);
    memcpy(h + 257,
           "ustar\0"
           "00",
           8);
    memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (size_t k = 0; k < 512; k++)
      sum += h[k];
    snprintf((char *)h + 148, 8, "%06o", sum);
    at += 512;
    if (size) {
      memcpy(tar + at, items[i].data, size);
      at += (size + 511) / 512 * 512;
    }
  }
  *len = at + 1024; /* two zero blocks */
  return tar;
}

static int put_items(const char *dir, const tar_item *items, size_t n, size_t *len, char sha[65]) {
  uint8_t *tar = make_tar(items, n, len);
  if (sha) {
    uint8_t digest[32];
    ctrt__sha256 ctx;
    ctrt__sha256_init(&ctx);
    ctrt__sha256_update(&ctx, tar, *len);
    ctrt__sha256_final(&ctx, digest);
    ctrt__sha256_hex(digest, sha);
  }
  ctrt_byte_source *src = NULL;
  ctrt_archive_put_options options = CTRT_ARCHIVE_PUT_OPTIONS_INIT;
  int rc = ctrt_byte_source_from_buffer(&src, tar, *len);
  if (rc == 0)
    rc = ctrt_runtime_archive_put(dm.rt, cid("a", 0), dir, src, &options);
  ctrt_byte_source_free(src);
  free(tar);
  return rc;
}

static int puts_seen(void) {
  pthread_mutex_lock(&dm.lock);
  int n = dm.puts;
  pthread_mutex_unlock(&dm.lock);
  return n;
}

static void test_fake_archive_put(void) {
  daemon_start(route_put);
  tar_item good[] = {{"sub", '5', NULL}, {"sub/a.txt", '0', "alpha"}, {"sub/l", '2', "a.txt"}, {"h", '1', "sub/a.txt"}};
  size_t len = 0;
  char sha[65];
  ASSERT_OK(put_items("/dst", good, 4, &len, sha));
  CU_ASSERT_EQUAL(puts_seen(), 1);
  CU_ASSERT_TRUE(seen("HEAD /v1.41/containers/zlayer-a-0/archive?path=%2Fdst") >= 0);
  CU_ASSERT_TRUE(seen("PUT /v1.41/containers/zlayer-a-0/archive?path=%2Fdst&noOverwriteDirNonDir=0&copyUIDGID=0") >= 0);
  /* The daemon got the archive byte for byte. */
  CU_ASSERT_EQUAL(dm.put_total, len);
  CU_ASSERT_STRING_EQUAL(dm.put_sha, sha);
  /* A symlink to a directory is followed (Docker extracts into its target). */
  ASSERT_OK(put_items("/link", good, 4, &len, NULL));
  CU_ASSERT_EQUAL(puts_seen(), 2);
  CU_ASSERT_TRUE(seen("HEAD /v1.41/containers/zlayer-a-0/archive?path=%2Fdst%2Freal") >= 0);

  /* Not a directory, missing, a dangling link: not_found naming the path,
   * and the daemon never sees the upload. */
  ASSERT_FAILS_WITH(put_items("/file.txt", good, 4, &len, NULL), CTRT_ERROR_NOT_FOUND);
  ASSERT_STR(ctrt_error_last()->message, "archive_put: /file.txt: not found: it exists in the container but is not a "
                                         "directory to extract into");
  ASSERT_FAILS_WITH(put_items("/no/such/dir", good, 4, &len, NULL), CTRT_ERROR_NOT_FOUND);
  ASSERT_STR(ctrt_error_last()->message,
             "archive_put: /no/such/dir: not found: no such directory in the container to extract into");
  ASSERT_FAILS_WITH(put_items("/dangling", good, 4, &len, NULL), CTRT_ERROR_NOT_FOUND);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "/nowhere"));
  CU_ASSERT_EQUAL(puts_seen(), 2);
  /* A missing container: not_found naming it. */
  ctrt_byte_source *src = NULL;
  ctrt_archive_put_options options = CTRT_ARCHIVE_PUT_OPTIONS_INIT;
  ASSERT_OK(ctrt_byte_source_from_buffer(&src, "", 0));
  ASSERT_FAILS_WITH(ctrt_runtime_archive_put(dm.rt, cid("ghost", 0), "/dst", src, &options), CTRT_ERROR_NOT_FOUND);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "zlayer-ghost-0"));
  ctrt_byte_source_free(src);

  /* Hostile archives: invalid_spec naming the entry; nothing is sent. */
  static const struct {
    tar_item items[3];
    size_t n;
    const char *says;
  } hostile[] = {
      {{{"ok.txt", '0', "fine"}, {"../escaped.txt", '0', "evil"}}, 2, "tar entry \"../escaped.txt\": path contains"},
      {{{"ok.txt", '0', "fine"}, {"/etc/evil.txt", '0', "evil"}}, 2, "tar entry \"/etc/evil.txt\": absolute path"},
      {{{"ok.txt", '0', "fine"}, {"out", '2', "/etc"}, {"out/evil.txt", '0', "evil"}},
       3,
       "tar entry \"out/evil.txt\": a symlink leads outside the destination directory"},
      {{{"up", '2', ".."}, {"up/evil.txt", '0', "evil"}},
       2,
       "tar entry \"up/evil.txt\": a symlink leads outside the destination directory"},
      {{{"pw", '1', "../etc/passwd"}}, 1, "tar entry \"pw\": hard link target \"../etc/passwd\""},
  };
  for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
    ASSERT_FAILS_WITH(put_items("/dst", hostile[i].items, hostile[i].n, &len, NULL), CTRT_ERROR_INVALID_SPEC);
    if (strstr(ctrt_error_last()->message, hostile[i].says) == NULL)
      fprintf(stderr, "\nhostile %zu: %s\n", i, ctrt_error_last()->message);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, hostile[i].says));
    CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "archive_put /dst"));
  }
  static const char garbage[] = "this is not a tar archive at all, just some text that goes on for a while";
  ASSERT_OK(ctrt_byte_source_from_buffer(&src, garbage, sizeof garbage));
  ASSERT_FAILS_WITH(ctrt_runtime_archive_put(dm.rt, cid("a", 0), "/dst", src, &options), CTRT_ERROR_INVALID_SPEC);
  ctrt_byte_source_free(src);
  CU_ASSERT_EQUAL(puts_seen(), 2);

  /* The daemon's own extraction failure: 500 is invalid_spec. */
  dm.variant = 500;
  ASSERT_FAILS_WITH(put_items("/dst", good, 4, &len, NULL), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "no space left on device"));
  CU_ASSERT_EQUAL(puts_seen(), 3);
  daemon_stop();
}

/* ---- lists ---- */

static fake_next route_lists(fake_conn *c, const fake_request *r, daemon *d) {
  (void)d;
  if (is(r, "GET", "/v1.41/containers/json?all=1")) {
    json_answer(c, 200, "[{\"Id\":\"c1\",\"Labels\":{\"com.zlayer.container_id\":\"web-rep-0\"}},{\"Id\":\"c2\"}]");
    return FAKE_KEEP;
  }
  if (is(r, "GET", "/v1.41/images/json")) {
    json_answer(c, 200, "[{\"Id\":\"sha256:aaa\",\"RepoTags\":[\"a:1\"],\"Size\":10}]");
    return FAKE_KEEP;
  }
  if (is(r, "POST", "/v1.41/images/prune")) {
    json_answer(c, 200, "{\"ImagesDeleted\":[{\"Deleted\":\"sha256:bbb\"}],\"SpaceReclaimed\":5}");
    return FAKE_KEEP;
  }
  json_answer(c, 500, "{\"message\":\"boom\"}");
  return FAKE_KEEP;
}

static void test_fake_lists(void) {
  daemon_start(route_lists);
  ctrt_runtime_container_summary_list *cl = NULL;
  ASSERT_OK(ctrt_runtime_list_containers(dm.rt, &cl));
  CU_ASSERT_EQUAL_FATAL(cl->n_items, 2);
  CU_ASSERT_STRING_EQUAL(cl->items[0].managed_id, "web-rep-0");
  ctrt_runtime_container_summary_list_free(cl);
  ctrt_image_info_list *il = NULL;
  ASSERT_OK(ctrt_runtime_list_images(dm.rt, &il));
  CU_ASSERT_EQUAL_FATAL(il->n_items, 1);
  CU_ASSERT_STRING_EQUAL(il->items[0].reference, "a:1");
  ctrt_image_info_list_free(il);
  ctrt_prune_result *pr = NULL;
  ASSERT_OK(ctrt_runtime_prune_images(dm.rt, &pr));
  CU_ASSERT_EQUAL(pr->n_deleted, 1);
  ctrt_prune_result_free(pr);
  ctrt_image_inspect_info *info = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_inspect_image_native(dm.rt, &info, "a:1"), CTRT_ERROR_INTERNAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "boom"));
  daemon_stop();
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("docker conversions", NULL, NULL);
  CU_add_test(s, "create body: every field", test_create_body_full);
  CU_add_test(s, "create body: defaults", test_create_body_minimal);
  CU_add_test(s, "state mapping", test_state_mapping);
  CU_add_test(s, "hostile answers: strict types and ranges", test_hostile_answers);
  CU_add_test(s, "wait classification", test_wait_classify);
  CU_add_test(s, "stats conversion", test_stats_conversion);
  CU_add_test(s, "stats walked", test_stats_walked);
  CU_add_test(s, "stats sample walked", test_stats_sample_walked);
  CU_add_test(s, "prune walked", test_prune_walked);
  CU_add_test(s, "log timestamps", test_log_timestamp);
  CU_add_test(s, "daemon messages said once", test_dedupe_message);
  CU_add_test(s, "image lists", test_image_conversions);
  CU_add_test(s, "container lists and details", test_container_conversions);
  CU_add_test(s, "progress lines", test_progress_lines);
  CU_add_test(s, "engine identity", test_engine_identity);
  CU_add_test(s, "engine identity: strict decoding", test_engine_identity_strict);
  s = CU_add_suite("docker against a fake daemon", NULL, NULL);
  CU_add_test(s, "create and state", test_fake_create_and_state);
  CU_add_test(s, "create errors", test_fake_create_errors);
  CU_add_test(s, "wait outcome", test_fake_wait_outcome);
  CU_add_test(s, "logs stream", test_fake_logs_stream);
  CU_add_test(s, "get logs", test_fake_get_logs);
  CU_add_test(s, "logs cancel", test_fake_logs_cancel);
  CU_add_test(s, "stats", test_fake_stats);
  CU_add_test(s, "exec", test_fake_exec);
  CU_add_test(s, "exec pty", test_fake_exec_pty);
  CU_add_test(s, "exec output cap", test_fake_exec_output_cap);
  CU_add_test(s, "pull", test_fake_pull);
  CU_add_test(s, "load", test_fake_load);
  CU_add_test(s, "stdin", test_fake_stdin);
  CU_add_test(s, "archive head", test_fake_archive_head);
  CU_add_test(s, "unpause of a container that is not paused", test_fake_unpause);
  CU_add_test(s, "archive put", test_fake_archive_put);
  CU_add_test(s, "lists", test_fake_lists);
  CU_add_test(s, "runtime_engine", test_fake_engine);
  CU_add_test(s, "open from the environment", test_open_from_env);
  CU_add_test(s, "image ids and repo digests", test_image_ids_and_digests);
  CU_add_test(s, "generated stubs' answers walked", test_walked_stub_answers);
  CU_add_test(s, "podman:// and CONTAINER_HOST", test_open_podman);
  CU_add_test(s, "docker and podman: follow streams and exec sessions end at stream_idle_timeout_ms",
              test_silent_follow_streams);
}
