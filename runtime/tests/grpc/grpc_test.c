/* The gRPC transport against the scripted h2c server of fake_grpc.c: unary
 * and server-streaming calls, status trailers (trailers-only and after
 * messages) mapped to error kinds, messages split across reads, a server
 * that closes mid-stream or speaks garbage, deadlines, cancellation, and
 * both connection paths (one per call, reuse). */
#include "fake_grpc.h"
#include "test_support.h"
#include "transport/grpc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>

/* The handler's script is chosen by the method name. */
static void handler(const fgrpc_request *req, fgrpc_reply *r, void *ctx) {
  (void)ctx;
  const char *m = strrchr(req->path, '/');
  m = m ? m + 1 : "";
  if (strcmp(m, "Echo") == 0) {
    /* Reply with the request and what the server saw of the metadata. */
    char reply[4096];
    int n = snprintf(reply, sizeof reply, "%s|%.*s|%s", req->framed_ok ? "framed" : "unframed", (int)req->message_len,
                     (const char *)req->message, req->headers);
    fgrpc_headers(r, 200, NULL);
    fgrpc_message(r, reply, (size_t)n, false);
    fgrpc_trailers(r, 0, NULL);
  } else if (strcmp(m, "Status") == 0) {
    /* Trailers-only with the status and message the request names:
     * "5 some text". */
    char text[256];
    snprintf(text, sizeof text, "%.*s", (int)req->message_len, (const char *)req->message);
    char *sp = strchr(text, ' ');
    fgrpc_trailers_only(r, atoi(text), sp ? sp + 1 : NULL);
  } else if (strcmp(m, "Split") == 0) {
    static uint8_t big[200000];
    for (size_t i = 0; i < sizeof big; i++)
      big[i] = (uint8_t)(i * 7);
    fgrpc_headers(r, 200, NULL);
    fgrpc_message(r, "split-small", 11, true);
    fgrpc_message(r, big, sizeof big, false);
    fgrpc_message(r, "", 0, true);
    fgrpc_trailers(r, 0, NULL);
  } else if (strcmp(m, "Stream") == 0) {
    fgrpc_headers(r, 200, NULL);
    fgrpc_message(r, "one", 3, false);
    fgrpc_message(r, "skip", 4, false);
    fgrpc_message(r, "two", 3, true);
    fgrpc_message(r, "three", 5, false);
    fgrpc_trailers(r, 0, NULL);
  } else if (strcmp(m, "StreamThenError") == 0) {
    fgrpc_headers(r, 200, NULL);
    fgrpc_message(r, "one", 3, false);
    fgrpc_trailers(r, 14, "the%20engine%20went%20away");
  } else if (strcmp(m, "CloseMidStream") == 0) {
    fgrpc_headers(r, 200, NULL);
    fgrpc_message(r, "one", 3, false);
    fgrpc_data(r, "\0\0\0\0\x20partial", 12);
    fgrpc_close(r);
  } else if (strcmp(m, "Garbage") == 0) {
    fgrpc_garbage(r);
  } else if (strcmp(m, "Compressed") == 0) {
    fgrpc_headers(r, 200, NULL);
    fgrpc_data(r, "\x01\0\0\0\x03xyz", 8);
    fgrpc_trailers(r, 0, NULL);
  } else if (strcmp(m, "Truncated") == 0) {
    fgrpc_headers(r, 200, NULL);
    fgrpc_data(r, "\0\0\0\0\x10short", 10);
    fgrpc_trailers(r, 0, NULL);
  } else if (strcmp(m, "NoStatus") == 0) {
    fgrpc_headers(r, 200, NULL);
    fgrpc_message(r, "x", 1, false);
    fgrpc_end(r);
  } else if (strcmp(m, "Html") == 0) {
    fgrpc_headers(r, 404, "text/html");
    fgrpc_data(r, "<h1>no</h1>", 11);
    fgrpc_end(r);
  } else if (strcmp(m, "PlainOk") == 0) {
    fgrpc_headers(r, 200, "text/plain");
    fgrpc_data(r, "hello", 5);
    fgrpc_end(r);
  } else if (strcmp(m, "Two") == 0) {
    fgrpc_headers(r, 200, NULL);
    fgrpc_message(r, "a", 1, false);
    fgrpc_message(r, "b", 1, false);
    fgrpc_trailers(r, 0, NULL);
  } else if (strcmp(m, "Empty") == 0) {
    fgrpc_headers(r, 200, NULL);
    fgrpc_trailers(r, 0, NULL);
  } else if (strcmp(m, "Hang") == 0) {
    fgrpc_hang(r);
  } else if (strcmp(m, "OneThenHang") == 0) {
    fgrpc_headers(r, 200, NULL);
    fgrpc_message(r, "first", 5, false);
    fgrpc_hang(r);
  } else {
    fgrpc_trailers_only(r, 12, "unknown method");
  }
}

static fgrpc_server *server;
static ctrt__grpc_client *client;

static void open_client(bool tcp, ctrt__grpc_reuse reuse) {
  server = fgrpc_start(tcp, handler, NULL);
  ctrt__grpc_options o = {.reuse = reuse};
  ASSERT_OK(ctrt__grpc_client_new(&client, fgrpc_target(server), &o));
}

static void close_client(void) {
  ctrt__grpc_client_free(client);
  client = NULL;
  fgrpc_stop(server);
  server = NULL;
}

static char *unary_text(const char *method, const char *request, const ctrt__grpc_call_options *opts) {
  uint8_t *reply = NULL;
  size_t len = 0;
  int rc = ctrt__grpc_unary(client, method, opts, request, strlen(request), &reply, &len);
  if (rc < 0)
    return NULL;
  char *text = malloc(len + 1);
  memcpy(text, reply, len);
  text[len] = '\0';
  free(reply);
  return text;
}

static void test_unary_echo(bool tcp) {
  open_client(tcp, CTRT__GRPC_REUSE_AUTO);
  const char *md[] = {"containerd-namespace: k8s.io", NULL};
  ctrt__grpc_call_options o = {.metadata = md, .deadline_ms = 60000};
  char *text = unary_text("/test.Svc/Echo", "hello", &o);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  CU_ASSERT_EQUAL(strncmp(text, "framed|hello|", 13), 0);
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "containerd-namespace: k8s.io\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "content-type: application/grpc\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "te: trailers\n"));
  CU_ASSERT_PTR_NOT_NULL(strstr(text, "grpc-timeout: 60000m\n"));
  free(text);
  /* Without a deadline no grpc-timeout is sent; an empty request is one empty frame. */
  text = unary_text("/test.Svc/Echo", "", NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(text);
  CU_ASSERT_EQUAL(strncmp(text, "framed||", 8), 0);
  CU_ASSERT_PTR_NULL(strstr(text, "grpc-timeout"));
  free(text);
  close_client();
}

static void test_unary_unix(void) { test_unary_echo(false); }
static void test_unary_tcp(void) { test_unary_echo(true); }

static void expect_status(const char *request, ctrt_error_kind kind, const char *in_message) {
  uint8_t *reply = (uint8_t *)"x";
  size_t len = 1;
  ASSERT_FAILS_WITH(ctrt__grpc_unary(client, "/test.Svc/Status", NULL, request, strlen(request), &reply, &len), kind);
  CU_ASSERT_PTR_NULL(reply);
  CU_ASSERT_EQUAL(len, 0);
  if (strstr(ctrt_error_last()->message, in_message) == NULL)
    fprintf(stderr, "\n%s: message \"%s\" lacks \"%s\"\n", request, ctrt_error_last()->message, in_message);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, in_message));
}

static void test_trailers_only_errors(void) {
  open_client(false, CTRT__GRPC_REUSE_AUTO);
  expect_status("5 container \"abc\" does not exist", CTRT_ERROR_NOT_FOUND,
                "/test.Svc/Status: NOT_FOUND: container \"abc\" does not exist");
  expect_status("6 image exists", CTRT_ERROR_CONFLICT, "ALREADY_EXISTS: image exists");
  expect_status("12 method GetContainerEvents not implemented", CTRT_ERROR_UNSUPPORTED, "UNIMPLEMENTED");
  expect_status("4 took too long", CTRT_ERROR_TIMEOUT, "DEADLINE_EXCEEDED");
  expect_status("14 connection refused", CTRT_ERROR_NETWORK, "UNAVAILABLE");
  expect_status("9 not running", CTRT_ERROR_CONFLICT, "FAILED_PRECONDITION");
  expect_status("3 bad", CTRT_ERROR_INVALID_SPEC, "INVALID_ARGUMENT");
  expect_status("1 gone", CTRT_ERROR_CANCELLED, "CANCELLED");
  expect_status("13 boom", CTRT_ERROR_INTERNAL, "INTERNAL: boom");
  expect_status("99 odd", CTRT_ERROR_INTERNAL, "status 99: odd");
  /* UNKNOWN: known texts are mapped deliberately, the rest is internal;
   * grpc-message is percent-decoded. */
  expect_status("2 failed to reserve container name \"c1\": name \"c1\" is reserved for \"0123\"", CTRT_ERROR_CONFLICT,
                "is reserved");
  expect_status("2 an error occurred when try to find container \"x\": not found", CTRT_ERROR_NOT_FOUND, ": not found");
  expect_status("2 something%20else%3A%20odd", CTRT_ERROR_INTERNAL, "UNKNOWN: something else: odd");
  expect_status("16", CTRT_ERROR_CONFIGURATION, "UNAUTHENTICATED");
  close_client();
}

static void test_caller_rules(void) {
  server = fgrpc_start(false, handler, NULL);
  static const ctrt__grpc_message_rule rules[] = {{"is in CONTAINER_EXITED state", CTRT_ERROR_CONFLICT},
                                                  {"not found", CTRT_ERROR_INTERNAL},
                                                  {NULL, CTRT_ERROR_NONE}};
  ctrt__grpc_options o = {.unknown_rules = rules};
  ASSERT_OK(ctrt__grpc_client_new(&client, fgrpc_target(server), &o));
  expect_status("2 container is in CONTAINER_EXITED state", CTRT_ERROR_CONFLICT, "CONTAINER_EXITED");
  /* The caller's rules come first. */
  expect_status("2 x: not found", CTRT_ERROR_INTERNAL, "not found");
  close_client();
}

static void test_split_messages(void) {
  open_client(false, CTRT__GRPC_REUSE_AUTO);
  ctrt__grpc_call *call = NULL;
  ASSERT_OK(ctrt__grpc_call_open(client, "/test.Svc/Split", NULL, "", 0, &call));
  uint8_t *msg = NULL;
  size_t len = 0;
  ASSERT_OK(ctrt__grpc_call_next(call, &msg, &len));
  CU_ASSERT_EQUAL(len, 11);
  CU_ASSERT_EQUAL(memcmp(msg, "split-small", 11), 0);
  free(msg);
  ASSERT_OK(ctrt__grpc_call_next(call, &msg, &len));
  CU_ASSERT_EQUAL_FATAL(len, 200000);
  bool same = true;
  for (size_t i = 0; i < len; i++)
    same = same && msg[i] == (uint8_t)(i * 7);
  CU_ASSERT_TRUE(same);
  free(msg);
  ASSERT_OK(ctrt__grpc_call_next(call, &msg, &len));
  CU_ASSERT_EQUAL(len, 0);
  free(msg);
  CU_ASSERT_EQUAL(ctrt__grpc_call_next(call, &msg, &len), CTRT_ITEROVER);
  CU_ASSERT_PTR_NULL(msg);
  ctrt__grpc_call_free(call);
  close_client();
}

/* Decode for the typed stream: the message as a string; "skip" is skipped. */
static int decode_text(void *ctx, const uint8_t *msg, size_t len, void **item) {
  int *decoded = ctx;
  if (len == 4 && memcmp(msg, "skip", 4) == 0)
    return 1;
  char *text = malloc(len + 1);
  memcpy(text, msg, len);
  text[len] = '\0';
  *item = text;
  ++*decoded;
  return 0;
}

static ctrt__stream *open_stream(const char *method, int *decoded) {
  ctrt__grpc_call *call = NULL;
  ASSERT_OK(ctrt__grpc_call_open(client, method, NULL, "", 0, &call));
  ctrt__stream *s = NULL;
  ASSERT_OK(ctrt__grpc_stream_new(&s, call, decode_text, decoded, NULL, free));
  return s;
}

static void test_server_stream(void) {
  open_client(true, CTRT__GRPC_REUSE_AUTO);
  int decoded = 0;
  ctrt__stream *s = open_stream("/test.Svc/Stream", &decoded);
  const char *expected[] = {"one", "two", "three"};
  for (int i = 0; i < 3; i++) {
    void *item = NULL;
    ASSERT_OK(ctrt__stream_next(&item, s));
    ASSERT_STR(item, expected[i]);
    free(item);
  }
  void *item = NULL;
  CU_ASSERT_EQUAL(ctrt__stream_next(&item, s), CTRT_ITEROVER);
  CU_ASSERT_EQUAL(decoded, 3);
  ctrt__stream_close(s);

  /* Messages, then an error status: the items, then the mapped error. */
  s = open_stream("/test.Svc/StreamThenError", &decoded);
  ASSERT_OK(ctrt__stream_next(&item, s));
  ASSERT_STR(item, "one");
  free(item);
  ASSERT_FAILS_WITH(ctrt__stream_next(&item, s), CTRT_ERROR_NETWORK);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "UNAVAILABLE: the engine went away"));
  ctrt__stream_close(s);

  /* Closed before the end: nothing is left behind. */
  s = open_stream("/test.Svc/Stream", &decoded);
  ctrt__stream_close(s);
  close_client();
}

static void expect_unary_failure(const char *method, ctrt_error_kind kind, const char *in_message) {
  uint8_t *reply = NULL;
  size_t len = 0;
  ASSERT_FAILS_WITH(ctrt__grpc_unary(client, method, NULL, "q", 1, &reply, &len), kind);
  CU_ASSERT_PTR_NULL(reply);
  if (strstr(ctrt_error_last()->message, in_message) == NULL)
    fprintf(stderr, "\n%s: message \"%s\" lacks \"%s\"\n", method, ctrt_error_last()->message, in_message);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, in_message));
}

static void test_broken_servers(void) {
  open_client(false, CTRT__GRPC_REUSE_AUTO);
  /* A whole first message, then a cut in the second: the first arrives, then the failure. */
  ctrt__grpc_call *call = NULL;
  ASSERT_OK(ctrt__grpc_call_open(client, "/test.Svc/CloseMidStream", NULL, "", 0, &call));
  uint8_t *msg = NULL;
  size_t len = 0;
  ASSERT_OK(ctrt__grpc_call_next(call, &msg, &len));
  CU_ASSERT_EQUAL(len, 3);
  free(msg);
  ASSERT_FAILS_WITH(ctrt__grpc_call_next(call, &msg, &len), CTRT_ERROR_NETWORK);
  ctrt__grpc_call_free(call);

  expect_unary_failure("/test.Svc/Garbage", CTRT_ERROR_NETWORK, "/test.Svc/Garbage");
  expect_unary_failure("/test.Svc/Compressed", CTRT_ERROR_NETWORK, "compressed message");
  expect_unary_failure("/test.Svc/Truncated", CTRT_ERROR_NETWORK, "inside a message");
  expect_unary_failure("/test.Svc/NoStatus", CTRT_ERROR_NETWORK, "without a grpc-status");
  expect_unary_failure("/test.Svc/Html", CTRT_ERROR_UNSUPPORTED, "HTTP status 404");
  expect_unary_failure("/test.Svc/PlainOk", CTRT_ERROR_NETWORK, "not application/grpc");
  expect_unary_failure("/test.Svc/Two", CTRT_ERROR_NETWORK, "more than one message");
  expect_unary_failure("/test.Svc/Empty", CTRT_ERROR_NETWORK, "without a message");
  expect_unary_failure("/test.Svc/Nope", CTRT_ERROR_UNSUPPORTED, "UNIMPLEMENTED: unknown method");
  close_client();

  /* A message over the limit is refused before it is buffered whole. */
  server = fgrpc_start(false, handler, NULL);
  ctrt__grpc_options o = {.max_message = 1000};
  ASSERT_OK(ctrt__grpc_client_new(&client, fgrpc_target(server), &o));
  ASSERT_OK(ctrt__grpc_call_open(client, "/test.Svc/Split", NULL, "", 0, &call));
  ASSERT_OK(ctrt__grpc_call_next(call, &msg, &len));
  free(msg);
  ASSERT_FAILS_WITH(ctrt__grpc_call_next(call, &msg, &len), CTRT_ERROR_NETWORK);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "exceeds the limit of 1000"));
  ctrt__grpc_call_free(call);
  close_client();
}

static void test_deadline(void) {
  open_client(false, CTRT__GRPC_REUSE_AUTO);
  ctrt__grpc_call_options o = {.deadline_ms = 300};
  uint8_t *reply = NULL;
  size_t len = 0;
  ASSERT_FAILS_WITH(ctrt__grpc_unary(client, "/test.Svc/Hang", &o, "", 0, &reply, &len), CTRT_ERROR_TIMEOUT);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "deadline of 300 ms exceeded"));
  close_client();
}

static void *cancel_later(void *arg) {
  ctrt__stream *s = arg;
  fgrpc_wait_hanging(server);
  ctrt__stream_cancel(s);
  return NULL;
}

static void test_cancel(void) {
  open_client(false, CTRT__GRPC_REUSE_AUTO);
  int decoded = 0;
  ctrt__stream *s = open_stream("/test.Svc/OneThenHang", &decoded);
  void *item = NULL;
  ASSERT_OK(ctrt__stream_next(&item, s));
  ASSERT_STR(item, "first");
  free(item);
  pthread_t t;
  pthread_create(&t, NULL, cancel_later, s);
  ASSERT_FAILS_WITH(ctrt__stream_next(&item, s), CTRT_ERROR_CANCELLED);
  pthread_join(t, NULL);
  ctrt__stream_close(s);
  close_client();
}

static void test_no_server(void) {
  ASSERT_OK(ctrt__grpc_client_new(&client, "unix:///tmp/h-grpc-no-such-dir/none.sock", NULL));
  uint8_t *reply = NULL;
  size_t len = 0;
  ASSERT_FAILS_WITH(ctrt__grpc_unary(client, "/a.B/C", NULL, "", 0, &reply, &len), CTRT_ERROR_NETWORK);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "cannot connect"));
  ctrt__grpc_client_free(client);
  client = NULL;
  const char *bad[] = {"", "unix://relative", "http://x:1", "tcp://host", "tcp://host:port", "tcp://a:1/path"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ctrt__grpc_client *c = (ctrt__grpc_client *)1;
    ASSERT_FAILS_WITH(ctrt__grpc_client_new(&c, bad[i], NULL), CTRT_ERROR_CONFIGURATION);
    CU_ASSERT_PTR_NULL(c);
  }
  ASSERT_OK(ctrt__grpc_client_new(&client, "127.0.0.1:1", NULL));
  ASSERT_FAILS_WITH(ctrt__grpc_unary(client, "no-slash", NULL, "", 0, &reply, &len), CTRT_ERROR_INVALID_ARGUMENT);
  const char *md[] = {"no colon", NULL};
  ctrt__grpc_call_options o = {.metadata = md};
  ASSERT_FAILS_WITH(ctrt__grpc_unary(client, "/a.B/C", &o, "", 0, &reply, &len), CTRT_ERROR_INVALID_ARGUMENT);
  ctrt__grpc_client_free(client);
  client = NULL;
}

/* The reuse decision follows the libcurl version: 7.88.x (and anything
 * before 8.0.0) is treated as broken, 8.0.0 on as fixed. */
static void test_reuse_decision(void) {
  CU_ASSERT_TRUE(ctrt__grpc_libcurl_reuse_broken(0x075801)); /* 7.88.1 */
  CU_ASSERT_TRUE(ctrt__grpc_libcurl_reuse_broken(0x074400));
  CU_ASSERT_FALSE(ctrt__grpc_libcurl_reuse_broken(0x080000));
  CU_ASSERT_FALSE(ctrt__grpc_libcurl_reuse_broken(0x080500));
  ASSERT_OK(ctrt__grpc_client_new(&client, "tcp://127.0.0.1:1", NULL));
  bool broken = ctrt__grpc_libcurl_reuse_broken(curl_version_info(CURLVERSION_NOW)->version_num);
  CU_ASSERT_EQUAL(ctrt__grpc_client_reuses(client), !broken);
  ctrt__grpc_client_free(client);
  client = NULL;
}

/* One connection per call: three calls, three connections, all fine. */
static void test_fresh_connections(void) {
  open_client(false, CTRT__GRPC_REUSE_NEVER);
  CU_ASSERT_FALSE(ctrt__grpc_client_reuses(client));
  for (int i = 0; i < 3; i++) {
    char *text = unary_text("/test.Svc/Echo", "again", NULL);
    CU_ASSERT_PTR_NOT_NULL(text);
    free(text);
  }
  CU_ASSERT_EQUAL(ctrt__grpc_client_connections(client), 3);
  CU_ASSERT_EQUAL(fgrpc_connections(server), 3);
  close_client();
}

/* Reuse forced: where libcurl is fixed, three calls share one connection;
 * where it has the h2c reuse bug, the second call on the kept connection
 * fails the way cri-notes.md records (CURLE_HTTP2), which is why AUTO
 * avoids reuse there. Either way the outcome is asserted. */
static void test_reused_connection(void) {
  open_client(false, CTRT__GRPC_REUSE_ALWAYS);
  CU_ASSERT_TRUE(ctrt__grpc_client_reuses(client));
  char *text = unary_text("/test.Svc/Echo", "first", NULL);
  CU_ASSERT_PTR_NOT_NULL(text);
  free(text);
  bool broken = ctrt__grpc_libcurl_reuse_broken(curl_version_info(CURLVERSION_NOW)->version_num);
  uint8_t *reply = NULL;
  size_t len = 0;
  int rc = ctrt__grpc_unary(client, "/test.Svc/Echo", NULL, "second", 6, &reply, &len);
  if (broken) {
    CU_ASSERT_EQUAL(rc, -(int)CTRT_ERROR_NETWORK);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "libcurl error 16"));
    CU_ASSERT_EQUAL(ctrt__grpc_client_connections(client), 1);
  } else {
    CU_ASSERT_EQUAL(rc, 0);
    free(reply);
    text = unary_text("/test.Svc/Echo", "third", NULL);
    CU_ASSERT_PTR_NOT_NULL(text);
    free(text);
    CU_ASSERT_EQUAL(ctrt__grpc_client_connections(client), 1);
    CU_ASSERT_EQUAL(fgrpc_connections(server), 1);
  }
  close_client();
}

static void test_status_names(void) {
  ASSERT_STR(ctrt__grpc_status_name(0), "OK");
  ASSERT_STR(ctrt__grpc_status_name(12), "UNIMPLEMENTED");
  ASSERT_STR(ctrt__grpc_status_name(16), "UNAUTHENTICATED");
  CU_ASSERT_PTR_NULL(ctrt__grpc_status_name(17));
  CU_ASSERT_PTR_NULL(ctrt__grpc_status_name(-1));
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("grpc", NULL, NULL);
  CU_add_test(s, "unary over a unix socket, metadata, grpc-timeout", test_unary_unix);
  CU_add_test(s, "unary over TCP", test_unary_tcp);
  CU_add_test(s, "trailers-only errors mapped to kinds", test_trailers_only_errors);
  CU_add_test(s, "caller's UNKNOWN message rules", test_caller_rules);
  CU_add_test(s, "messages split across reads", test_split_messages);
  CU_add_test(s, "server streaming through ctrt__stream", test_server_stream);
  CU_add_test(s, "mid-stream close, garbage, malformed frames", test_broken_servers);
  CU_add_test(s, "deadline exceeded", test_deadline);
  CU_add_test(s, "cancel from another thread", test_cancel);
  CU_add_test(s, "no server, bad targets and arguments", test_no_server);
  CU_add_test(s, "reuse decided by libcurl version", test_reuse_decision);
  CU_add_test(s, "one connection per call", test_fresh_connections);
  CU_add_test(s, "reused connection", test_reused_connection);
  CU_add_test(s, "status names", test_status_names);
}
