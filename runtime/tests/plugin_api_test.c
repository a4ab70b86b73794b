/* SPDX-License-Identifier: MIT */
/* Unit tests of the public plugin API (ctrt/plugin.h): the stream and
 * exec-handle constructors a backend outside the library uses, with their
 * ownership rules. Linked against the shared libctrt, like a plugin. */
#include "test_support.h"

#include <ctrt/plugin.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a producer of N log chunks, then an optional error ---- */

typedef struct producer {
  int next, n;
  int final_error; /* 0: CTRT_ITEROVER at the end */
  int cancels, *destroys;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  bool block, cancelled;
} producer;

static int chunk_next(void *state, void **item) {
  producer *p = state;
  if (p->block) {
    pthread_mutex_lock(&p->lock);
    while (!p->cancelled)
      pthread_cond_wait(&p->cond, &p->lock);
    pthread_mutex_unlock(&p->lock);
    return ctrt_backend_error(CTRT_ERROR_CANCELLED, 0, "woken");
  }
  if (p->next == p->n) {
    if (p->final_error)
      return ctrt_backend_error((ctrt_error_kind)p->final_error, 0, "the producer failed after %d chunks", p->n);
    return CTRT_ITEROVER;
  }
  ctrt_log_chunk chunk = CTRT_LOG_CHUNK_INIT;
  char text[16];
  snprintf(text, sizeof text, "line %d\n", p->next++);
  chunk.stream = CTRT_LOG_CHANNEL_STDOUT;
  chunk.data.data = (uint8_t *)text;
  chunk.data.len = strlen(text);
  ctrt_log_chunk *copy = NULL;
  int rc = ctrt_log_chunk_copy(&copy, &chunk);
  *item = copy;
  return rc;
}

static void producer_cancel(void *state) {
  producer *p = state;
  pthread_mutex_lock(&p->lock);
  p->cancels++;
  p->cancelled = true;
  pthread_cond_broadcast(&p->cond);
  pthread_mutex_unlock(&p->lock);
}

static void producer_destroy(void *state) {
  producer *p = state;
  (*p->destroys)++;
  pthread_mutex_destroy(&p->lock);
  pthread_cond_destroy(&p->cond);
  free(p);
}

static const ctrt_stream_methods chunk_methods = {
    .next = chunk_next, .cancel = producer_cancel, .destroy = producer_destroy};

static producer *new_producer(int n, int final_error, int *destroys) {
  producer *p = calloc(1, sizeof *p);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  p->n = n;
  p->final_error = final_error;
  p->destroys = destroys;
  pthread_mutex_init(&p->lock, NULL);
  pthread_cond_init(&p->cond, NULL);
  return p;
}

static void test_typed_stream_delivers_items_then_end(void) {
  int destroys = 0;
  ctrt_logs_stream *s = NULL;
  ASSERT_OK(ctrt_logs_stream_new(&s, &chunk_methods, new_producer(3, 0, &destroys)));
  ctrt_log_chunk *c = NULL;
  for (int i = 0; i < 3; i++) {
    ASSERT_OK(ctrt_logs_stream_next(&c, s));
    char expected[16];
    snprintf(expected, sizeof expected, "line %d\n", i);
    CU_ASSERT_EQUAL(c->data.len, strlen(expected));
    CU_ASSERT_EQUAL(memcmp(c->data.data, expected, c->data.len), 0);
    ctrt_log_chunk_free(c);
  }
  CU_ASSERT_EQUAL(ctrt_logs_stream_next(&c, s), CTRT_ITEROVER);
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NONE);
  CU_ASSERT_EQUAL(ctrt_logs_stream_next(&c, s), CTRT_ITEROVER);
  CU_ASSERT_EQUAL(destroys, 0);
  ctrt_logs_stream_close(s);
  CU_ASSERT_EQUAL(destroys, 1);
}

static void test_typed_stream_error_ends_it(void) {
  int destroys = 0;
  ctrt_logs_stream *s = NULL;
  ASSERT_OK(ctrt_logs_stream_new(&s, &chunk_methods, new_producer(1, CTRT_ERROR_NETWORK, &destroys)));
  ctrt_log_chunk *c = NULL;
  ASSERT_OK(ctrt_logs_stream_next(&c, s));
  ctrt_log_chunk_free(c);
  ASSERT_FAILS_WITH(ctrt_logs_stream_next(&c, s), CTRT_ERROR_NETWORK);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "failed after 1 chunks"));
  CU_ASSERT_PTR_NULL(c);
  CU_ASSERT_EQUAL(ctrt_logs_stream_next(&c, s), CTRT_ITEROVER);
  ctrt_logs_stream_close(s);
  CU_ASSERT_EQUAL(destroys, 1);
}

static void *cancel_later(void *arg) {
  usleep(20 * 1000);
  ctrt_logs_stream_cancel(arg);
  return NULL;
}

static void test_cancel_wakes_a_blocked_next_once(void) {
  int destroys = 0;
  producer *p = new_producer(0, 0, &destroys);
  p->block = true;
  ctrt_logs_stream *s = NULL;
  ASSERT_OK(ctrt_logs_stream_new(&s, &chunk_methods, p));
  pthread_t t;
  CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, cancel_later, s), 0);
  ctrt_log_chunk *c = NULL;
  ASSERT_FAILS_WITH(ctrt_logs_stream_next(&c, s), CTRT_ERROR_CANCELLED);
  pthread_join(t, NULL);
  CU_ASSERT_EQUAL(p->cancels, 1);
  ctrt_logs_stream_close(s); /* no second cancel */
  CU_ASSERT_EQUAL(destroys, 1);
}

static void test_close_unread_cancels_and_destroys(void) {
  int destroys = 0;
  producer *p = new_producer(5, 0, &destroys);
  ctrt_logs_stream *s = NULL;
  ASSERT_OK(ctrt_logs_stream_new(&s, &chunk_methods, p));
  ctrt_logs_stream_close(s);
  CU_ASSERT_EQUAL(destroys, 1);
  ctrt_logs_stream_close(NULL);
}

static void test_constructor_failure_destroys_state(void) {
  int destroys = 0;
  static const ctrt_stream_methods no_next = {.destroy = producer_destroy};
  ctrt_logs_stream *s = (ctrt_logs_stream *)&destroys; /* must be reset */
  ASSERT_FAILS_WITH(ctrt_logs_stream_new(&s, &no_next, new_producer(0, 0, &destroys)), CTRT_ERROR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NULL(s);
  CU_ASSERT_EQUAL(destroys, 1);
  ASSERT_FAILS_WITH(ctrt_logs_stream_new(NULL, &chunk_methods, new_producer(0, 0, &destroys)),
                    CTRT_ERROR_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(destroys, 2);
  /* A byte stream needs read, not next. */
  ctrt_archive_stream *a = NULL;
  ASSERT_FAILS_WITH(ctrt_archive_stream_new(&a, &chunk_methods, new_producer(0, 0, &destroys)),
                    CTRT_ERROR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NULL(a);
  CU_ASSERT_EQUAL(destroys, 3);
  ASSERT_FAILS_WITH(ctrt_logs_stream_new(&s, NULL, NULL), CTRT_ERROR_INVALID_ARGUMENT);
}

/* ---- a byte stream over a string, in chunks of at most 4 bytes ---- */

typedef struct text_reader {
  const char *text;
  size_t pos;
  int *destroys;
} text_reader;

static int text_read(void *state, void *buf, size_t cap, size_t *n_read) {
  text_reader *r = state;
  size_t left = strlen(r->text) - r->pos;
  if (left == 0)
    return CTRT_ITEROVER;
  size_t n = left < cap ? left : cap;
  n = n > 4 ? 4 : n;
  memcpy(buf, r->text + r->pos, n);
  r->pos += n;
  *n_read = n;
  return 0;
}

static void text_destroy(void *state) {
  text_reader *r = state;
  (*r->destroys)++;
  free(r);
}

static void test_byte_stream_reads_everything(void) {
  static const ctrt_stream_methods methods = {.read = text_read, .destroy = text_destroy};
  int destroys = 0;
  text_reader *r = calloc(1, sizeof *r);
  CU_ASSERT_PTR_NOT_NULL_FATAL(r);
  r->text = "hello, byte stream";
  r->destroys = &destroys;
  ctrt_image_export_stream *s = NULL;
  ASSERT_OK(ctrt_image_export_stream_new(&s, &methods, r));
  char got[64] = "";
  size_t used = 0, n = 0;
  int rc;
  while ((rc = ctrt_image_export_stream_read(s, got + used, sizeof got - 1 - used, &n)) == 0)
    used += n;
  CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
  CU_ASSERT_STRING_EQUAL(got, "hello, byte stream");
  ctrt_image_export_stream_close(s);
  CU_ASSERT_EQUAL(destroys, 1);
}

/* ---- an exec session echoing what is written, exit code = bytes written ---- */

typedef struct echo {
  char buf[64];
  size_t len, pos;
  bool stdin_closed;
  int *destroys;
} echo;

static int echo_write(void *state, const void *data, size_t len) {
  echo *e = state;
  if (e->stdin_closed)
    return ctrt_backend_error(CTRT_ERROR_CONFLICT, 0, "stdin is closed");
  if (len > sizeof e->buf - e->len)
    return ctrt_backend_error(CTRT_ERROR_INTERNAL, 0, "echo buffer full");
  memcpy(e->buf + e->len, data, len);
  e->len += len;
  return 0;
}

static int echo_read(void *state, ctrt_log_channel *channel, void *buf, size_t cap, size_t *n_read) {
  echo *e = state;
  if (e->pos == e->len)
    return e->stdin_closed ? CTRT_ITEROVER : ctrt_backend_error(CTRT_ERROR_TIMEOUT, 0, "would block");
  size_t n = e->len - e->pos < cap ? e->len - e->pos : cap;
  memcpy(buf, e->buf + e->pos, n);
  e->pos += n;
  *channel = CTRT_LOG_CHANNEL_STDOUT;
  *n_read = n;
  return 0;
}

static int echo_close_stdin(void *state) {
  ((echo *)state)->stdin_closed = true;
  return 0;
}

static int echo_wait(void *state, int32_t *exit_code) {
  *exit_code = (int32_t)((echo *)state)->len;
  return 0;
}

static void echo_destroy(void *state) {
  echo *e = state;
  (*e->destroys)++;
  free(e);
}

static void test_exec_handle_over_a_backend_session(void) {
  static const ctrt_exec_handle_methods methods = {.write = echo_write,
                                                   .read = echo_read,
                                                   .close_stdin = echo_close_stdin,
                                                   .wait = echo_wait,
                                                   .destroy = echo_destroy};
  int destroys = 0;
  echo *e = calloc(1, sizeof *e);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  e->destroys = &destroys;
  ctrt_exec_handle *h = NULL;
  ASSERT_OK(ctrt_exec_handle_new(&h, &methods, e));
  ASSERT_OK(ctrt_exec_handle_write(h, "ping", 4));
  char buf[16];
  size_t n = 0;
  ctrt_log_channel channel = CTRT_LOG_CHANNEL_STDERR;
  ASSERT_OK(ctrt_exec_handle_read(h, &channel, buf, sizeof buf, &n));
  CU_ASSERT_EQUAL(n, 4);
  CU_ASSERT_EQUAL(memcmp(buf, "ping", 4), 0);
  CU_ASSERT_EQUAL(channel, CTRT_LOG_CHANNEL_STDOUT);
  ASSERT_OK(ctrt_exec_handle_close_stdin(h));
  CU_ASSERT_EQUAL(ctrt_exec_handle_read(h, NULL, buf, sizeof buf, &n), CTRT_ITEROVER);
  ASSERT_FAILS_WITH(ctrt_exec_handle_write(h, "x", 1), CTRT_ERROR_CONFLICT);
  /* Optional callbacks left out. */
  ASSERT_FAILS_WITH(ctrt_exec_handle_resize(h, 24, 80), CTRT_ERROR_UNSUPPORTED);
  CU_ASSERT_EQUAL(ctrt_exec_handle_fd(h), -1);
  int32_t code = -1;
  ASSERT_OK(ctrt_exec_handle_wait(h, &code));
  CU_ASSERT_EQUAL(code, 4);
  ctrt_exec_handle_free(h);
  CU_ASSERT_EQUAL(destroys, 1);
}

static void test_exec_handle_constructor_failure_destroys_state(void) {
  static const ctrt_exec_handle_methods no_wait = {
      .write = echo_write, .read = echo_read, .close_stdin = echo_close_stdin, .destroy = echo_destroy};
  int destroys = 0;
  echo *e = calloc(1, sizeof *e);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  e->destroys = &destroys;
  ctrt_exec_handle *h = NULL;
  ASSERT_FAILS_WITH(ctrt_exec_handle_new(&h, &no_wait, e), CTRT_ERROR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NULL(h);
  CU_ASSERT_EQUAL(destroys, 1);
}

/* This program links libctrt only: "mock:" loads libctrt-mock from beside
 * it, like any plugin, and the mock then works as if linked. */
static void test_mock_module_loads_beside_libctrt(void) {
  ctrt_runtime *rt = NULL;
  ASSERT_OK(ctrt_open(&rt, "mock:"));
  CU_ASSERT_STRING_EQUAL(ctrt_runtime_backend_name(rt), "mock");
  ctrt_container_id id = {.service = "svc", .replica = 1};
  ctrt_container_state *state = NULL;
  ASSERT_FAILS_WITH(ctrt_runtime_container_state(rt, &state, &id), CTRT_ERROR_NOT_FOUND);
  ctrt_close(rt);
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("typed streams", NULL, NULL);
  CU_add_test(s, "items then end", test_typed_stream_delivers_items_then_end);
  CU_add_test(s, "an error ends it", test_typed_stream_error_ends_it);
  CU_add_test(s, "cancel wakes next", test_cancel_wakes_a_blocked_next_once);
  CU_add_test(s, "close unread", test_close_unread_cancels_and_destroys);
  CU_add_test(s, "constructor failure", test_constructor_failure_destroys_state);
  s = CU_add_suite("byte streams", NULL, NULL);
  CU_add_test(s, "reads everything", test_byte_stream_reads_everything);
  s = CU_add_suite("exec handles", NULL, NULL);
  CU_add_test(s, "a backend session", test_exec_handle_over_a_backend_session);
  CU_add_test(s, "constructor failure", test_exec_handle_constructor_failure_destroys_state);
  s = CU_add_suite("mock module", NULL, NULL);
  CU_add_test(s, "loads beside libctrt", test_mock_module_loads_beside_libctrt);
}
