/* Conformance: container_logs, get_logs and logs_stream (lines, channels,
 * tail, timestamps, since/until, follow, cancellation). */
#include "../conform.h"

#include <pthread.h>

#define RT conform_rt()

/* Run argv to completion in a new container. */
static const ctrt_container_id *finished(const char *const *argv) {
  const ctrt_container_id *id = conform_new_id();
  int32_t code;
  return conform_run(id, NULL, argv) && conform_wait(id, &code) ? id : NULL;
}

static void get_logs_lines(void) {
  static const char *const argv[] = {"sh", "-c", "echo one; echo two >&2; echo three", NULL};
  const ctrt_container_id *id = finished(argv);
  ctrt_log_entry_list *logs = NULL;
  if (!id || !C_OK(ctrt_runtime_get_logs(RT, &logs, id)))
    return;
  if (C_EQ_INT(logs->n_items, 3)) {
    /* stdout and stderr are separate pipes: order is kept within each
     * stream only (a real engine timestamps lines as it reads them). */
    const char *out[3], *err[3];
    size_t n_out = 0, n_err = 0;
    for (size_t i = 0; i < 3; i++) {
      if (logs->items[i].stream == CTRT_OUTPUT_STREAM_STDERR)
        err[n_err++] = logs->items[i].message;
      else
        out[n_out++] = logs->items[i].message;
      C_CHECK(logs->items[i].timestamp.seconds > 1600000000, "log lines carry real timestamps");
      C_CHECK(logs->items[i].source.kind == CTRT_LOG_SOURCE_CONTAINER, "the source is the container");
    }
    if (C_EQ_INT(n_out, 2) && C_EQ_INT(n_err, 1)) {
      C_EQ_STR(out[0], "one");
      C_EQ_STR(out[1], "three");
      C_EQ_STR(err[0], "two");
    }
  }
  ctrt_log_entry_list_free(logs);
}

static void container_logs_tail(void) {
  static const char *const argv[] = {"sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done", NULL};
  const ctrt_container_id *id = finished(argv);
  ctrt_log_entry_list *logs = NULL;
  if (!id || !C_OK(ctrt_runtime_container_logs(RT, &logs, id, 2)))
    return;
  if (C_EQ_INT(logs->n_items, 2)) {
    C_EQ_STR(logs->items[0].message, "line4");
    C_EQ_STR(logs->items[1].message, "line5");
  }
  ctrt_log_entry_list_free(logs);
}

static void logs_missing_container(void) {
  ctrt_log_entry_list *logs = NULL;
  C_FAILS(CTRT_OP_GET_LOGS, ctrt_runtime_get_logs(RT, &logs, conform_new_id()), CTRT_ERROR_NOT_FOUND);
}

/* Drain a logs stream into text (per channel); returns the chunk count. */
static size_t drain(ctrt_logs_stream *s, char *out, char *err, size_t cap, bool *timestamps_ok, bool want_ts) {
  size_t chunks = 0, n_out = 0, n_err = 0;
  if (timestamps_ok)
    *timestamps_ok = true;
  for (;;) {
    ctrt_log_chunk *chunk = NULL;
    int rc = ctrt_logs_stream_next(&chunk, s);
    if (rc == CTRT_ITEROVER || !C_OK(rc))
      break;
    chunks++;
    char *dst = chunk->stream == CTRT_LOG_CHANNEL_STDERR ? err : out;
    size_t *used = chunk->stream == CTRT_LOG_CHANNEL_STDERR ? &n_err : &n_out;
    if (dst && *used + chunk->data.len < cap) {
      memcpy(dst + *used, chunk->data.data, chunk->data.len);
      *used += chunk->data.len;
    }
    if (timestamps_ok && chunk->has_timestamp != want_ts)
      *timestamps_ok = false;
    ctrt_log_chunk_free(chunk);
  }
  if (out)
    out[n_out] = '\0';
  if (err)
    err[n_err] = '\0';
  return chunks;
}

static ctrt_logs_stream *open_logs(const ctrt_container_id *id, const ctrt_logs_stream_options *o) {
  ctrt_logs_stream *s = NULL;
  return C_OK(ctrt_runtime_logs_stream(RT, &s, id, o)) ? s : NULL;
}

static void stream_all(void) {
  static const char *const argv[] = {"sh", "-c", "echo a; echo b >&2; printf c", NULL};
  const ctrt_container_id *id = finished(argv);
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  ctrt_logs_stream *s = id ? open_logs(id, &o) : NULL;
  if (s == NULL)
    return;
  char out[256], err[256];
  bool ts;
  drain(s, out, err, sizeof out, &ts, false);
  C_EQ_STR(out, "a\nc");
  C_EQ_STR(err, "b\n");
  C_CHECK(ts, "without the timestamps option, chunks carry no timestamp");
  ctrt_logs_stream_close(s);
}

static void stream_no_trailing_newline(void) {
  static const char *const argv[] = {"printf", "no newline at the end", NULL};
  const ctrt_container_id *id = finished(argv);
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  ctrt_logs_stream *s = id ? open_logs(id, &o) : NULL;
  if (s == NULL)
    return;
  char out[256];
  drain(s, out, NULL, sizeof out, NULL, false);
  C_EQ_STR(out, "no newline at the end");
  ctrt_logs_stream_close(s);
}

static void stream_timestamps(void) {
  static const char *const argv[] = {"echo", "stamped", NULL};
  const ctrt_container_id *id = finished(argv);
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.timestamps = true;
  ctrt_logs_stream *s = id ? open_logs(id, &o) : NULL;
  if (s == NULL)
    return;
  char out[256];
  bool ts;
  drain(s, out, NULL, sizeof out, &ts, true);
  C_EQ_STR(out, "stamped\n");
  C_CHECK(ts, "with the timestamps option every chunk has a timestamp (and the text has none)");
  ctrt_logs_stream_close(s);
}

static void stream_stdout_only(void) {
  static const char *const argv[] = {"sh", "-c", "echo out; echo err >&2", NULL};
  const ctrt_container_id *id = finished(argv);
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.stderr_ = false;
  ctrt_logs_stream *s = id ? open_logs(id, &o) : NULL;
  if (s == NULL)
    return;
  char out[256], err[256];
  drain(s, out, err, sizeof out, NULL, false);
  C_EQ_STR(out, "out\n");
  C_EQ_STR(err, "");
  ctrt_logs_stream_close(s);
}

static void stream_tail(void) {
  static const char *const argv[] = {"sh", "-c", "echo 1; echo 2; echo 3", NULL};
  const ctrt_container_id *id = finished(argv);
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.has_tail = true;
  o.tail = 1;
  ctrt_logs_stream *s = id ? open_logs(id, &o) : NULL;
  if (s == NULL)
    return;
  char out[256];
  drain(s, out, NULL, sizeof out, NULL, false);
  C_EQ_STR(out, "3\n");
  ctrt_logs_stream_close(s);
}

static void stream_since_until(void) {
  static const char *const argv[] = {"echo", "now", NULL};
  const ctrt_container_id *id = finished(argv);
  if (id == NULL)
    return;
  ctrt_timestamp now = {0, 0};
  ctrt_log_entry_list *logs = NULL;
  if (!C_OK(ctrt_runtime_get_logs(RT, &logs, id)) || !C_EQ_INT(logs->n_items, 1)) {
    ctrt_log_entry_list_free(logs);
    return;
  }
  now = logs->items[0].timestamp;
  ctrt_log_entry_list_free(logs);
  char out[256];
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.has_since = true;
  o.since = now.seconds + 3600; /* an hour later: nothing */
  ctrt_logs_stream *s = open_logs(id, &o);
  if (s) {
    drain(s, out, NULL, sizeof out, NULL, false);
    C_EQ_STR(out, "");
    ctrt_logs_stream_close(s);
  }
  o.since = now.seconds - 3600;
  o.has_until = true;
  o.until = now.seconds + 3600;
  if ((s = open_logs(id, &o)) != NULL) {
    drain(s, out, NULL, sizeof out, NULL, false);
    C_EQ_STR(out, "now\n");
    ctrt_logs_stream_close(s);
  }
}

static void stream_follow_ends_on_exit(void) {
  static const char *const argv[] = {"sh", "-c", "echo start; sleep 2; echo end", NULL};
  const ctrt_container_id *id = conform_new_id();
  if (!conform_run(id, NULL, argv))
    return;
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.follow = true;
  ctrt_logs_stream *s = open_logs(id, &o);
  if (s == NULL)
    return;
  uint64_t start = conform_now_ms();
  char out[256];
  drain(s, out, NULL, sizeof out, NULL, false);
  C_EQ_STR(out, "start\nend\n");
  C_CHECK(conform_now_ms() - start >= 1000, "follow waited for the later line");
  ctrt_logs_stream_close(s);
}

static void stream_follow_stopped(void) {
  /* Following a stopped container gives what is there and ends. */
  static const char *const argv[] = {"echo", "done", NULL};
  const ctrt_container_id *id = finished(argv);
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.follow = true;
  ctrt_logs_stream *s = id ? open_logs(id, &o) : NULL;
  if (s == NULL)
    return;
  char out[64];
  drain(s, out, NULL, sizeof out, NULL, false);
  C_EQ_STR(out, "done\n");
  ctrt_logs_stream_close(s);
}

typedef struct canceller {
  ctrt_logs_stream *s;
  unsigned after_ms;
} canceller;

static void *cancel_later(void *arg) {
  canceller *c = arg;
  conform_sleep_ms(c->after_ms);
  ctrt_logs_stream_cancel(c->s);
  return NULL;
}

static void stream_cancel_from_thread(void) {
  /* A follower blocked waiting for output is woken by a cancel. */
  const ctrt_container_id *id = conform_sleeper();
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.follow = true;
  ctrt_logs_stream *s = id ? open_logs(id, &o) : NULL;
  if (s == NULL)
    return;
  canceller c = {s, 500};
  pthread_t t;
  pthread_create(&t, NULL, cancel_later, &c);
  uint64_t start = conform_now_ms();
  ctrt_log_chunk *chunk = NULL;
  C_FAILS(CTRT_OP_LOGS_STREAM, ctrt_logs_stream_next(&chunk, s), CTRT_ERROR_CANCELLED);
  C_CHECK(conform_now_ms() - start < 10000, "the cancel woke the blocked reader");
  pthread_join(t, NULL);
  ctrt_logs_stream_close(s);
}

static void stream_close_half_way(void) {
  static const char *const argv[] = {"sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do echo $i; done", NULL};
  const ctrt_container_id *id = finished(argv);
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  ctrt_logs_stream *s = id ? open_logs(id, &o) : NULL;
  if (s == NULL)
    return;
  ctrt_log_chunk *chunk = NULL;
  if (C_OK(ctrt_logs_stream_next(&chunk, s)))
    ctrt_log_chunk_free(chunk);
  ctrt_logs_stream_close(s); /* with items left: no leak, no hang */
}

static void stream_large_output(void) {
  /* Half a megabyte of output (100000 lines) passes through in chunks. */
  static const char *const argv[] = {"seq", "1", "100000", NULL};
  const ctrt_container_id *id = finished(argv);
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  ctrt_logs_stream *s = id ? open_logs(id, &o) : NULL;
  if (s == NULL)
    return;
  size_t total = 0, chunks = 0;
  for (;;) {
    ctrt_log_chunk *chunk = NULL;
    int rc = ctrt_logs_stream_next(&chunk, s);
    if (rc == CTRT_ITEROVER || !C_OK(rc))
      break;
    total += chunk->data.len;
    chunks++;
    ctrt_log_chunk_free(chunk);
  }
  C_EQ_INT(total, 588895); /* the digits of 1..100000 plus a newline each */
  C_CHECK(chunks > 1, "the output came in more than one chunk (%zu)", chunks);
  ctrt_logs_stream_close(s);
}

static void stream_binary_bytes(void) {
  static const char *const argv[] = {"printf", "\\303\\244\\377\\001", NULL};
  const ctrt_container_id *id = finished(argv);
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  ctrt_logs_stream *s = id ? open_logs(id, &o) : NULL;
  if (s == NULL)
    return;
  ctrt_log_chunk *chunk = NULL;
  if (C_OK(ctrt_logs_stream_next(&chunk, s))) {
    C_CHECK(chunk->data.len == 4 && memcmp(chunk->data.data, "\xc3\xa4\xff\x01", 4) == 0,
            "bytes that are not UTF-8 pass through unchanged");
    ctrt_log_chunk_free(chunk);
  }
  ctrt_logs_stream_close(s);
}

static void stream_no_channel(void) {
  const ctrt_container_id *id = conform_sleeper();
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.stdout_ = o.stderr_ = false;
  ctrt_logs_stream *s = NULL;
  if (id)
    C_FAILS(CTRT_OP_LOGS_STREAM, ctrt_runtime_logs_stream(RT, &s, id, &o), CTRT_ERROR_INVALID_SPEC);
}

static void stream_missing_container(void) {
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  ctrt_logs_stream *s = NULL;
  C_FAILS(CTRT_OP_LOGS_STREAM, ctrt_runtime_logs_stream(RT, &s, conform_new_id(), &o), CTRT_ERROR_NOT_FOUND);
}

static const conform_case cases[] = {
    CONFORM_CASE("logs.get_logs_lines", get_logs_lines, "get_logs: lines, channels, timestamps, source.",
                 TESTS(CTRT_OP_GET_LOGS)),
    CONFORM_CASE("logs.container_logs_tail", container_logs_tail, "container_logs returns the last N lines.",
                 TESTS(CTRT_OP_CONTAINER_LOGS)),
    CONFORM_CASE("logs.missing_container", logs_missing_container, "Logs of an unknown container: not found.",
                 TESTS(CTRT_OP_GET_LOGS)),
    CONFORM_CASE("logs.stream_all", stream_all, "logs_stream of a finished container: every chunk, by channel.",
                 TESTS(CTRT_OP_LOGS_STREAM)),
    CONFORM_CASE("logs.stream_no_trailing_newline", stream_no_trailing_newline,
                 "Output without a final newline reaches the log.", TESTS(CTRT_OP_LOGS_STREAM)),
    CONFORM_CASE("logs.stream_timestamps", stream_timestamps, "timestamps adds a timestamp to every chunk.",
                 TESTS(CTRT_OP_LOGS_STREAM)),
    CONFORM_CASE("logs.stream_stdout_only", stream_stdout_only, "stderr can be left out.", TESTS(CTRT_OP_LOGS_STREAM)),
    CONFORM_CASE("logs.stream_tail", stream_tail, "tail 1 gives the last line.", TESTS(CTRT_OP_LOGS_STREAM)),
    CONFORM_CASE("logs.stream_since_until", stream_since_until, "since and until filter by time.",
                 TESTS(CTRT_OP_LOGS_STREAM, CTRT_OP_GET_LOGS)),
    CONFORM_CASE("logs.stream_follow_ends_on_exit", stream_follow_ends_on_exit,
                 "A follow stream waits for output and ends when the container exits.", TESTS(CTRT_OP_LOGS_STREAM)),
    CONFORM_CASE("logs.stream_follow_stopped", stream_follow_stopped,
                 "Following a stopped container ends after its logs.", TESTS(CTRT_OP_LOGS_STREAM)),
    CONFORM_CASE("logs.stream_cancel_from_thread", stream_cancel_from_thread,
                 "Another thread's cancel wakes a blocked follower.", TESTS(CTRT_OP_LOGS_STREAM)),
    CONFORM_CASE("logs.stream_close_half_way", stream_close_half_way, "Closing a stream with chunks left.",
                 TESTS(CTRT_OP_LOGS_STREAM)),
    CONFORM_CASE("logs.stream_large_output", stream_large_output, "Half a megabyte of output, streamed in chunks.",
                 TESTS(CTRT_OP_LOGS_STREAM)),
    CONFORM_CASE("logs.stream_binary_bytes", stream_binary_bytes, "Non-UTF-8 bytes pass through.",
                 TESTS(CTRT_OP_LOGS_STREAM)),
    CONFORM_CASE("logs.stream_no_channel", stream_no_channel, "Neither stdout nor stderr is invalid.",
                 TESTS(CTRT_OP_LOGS_STREAM)),
    CONFORM_CASE("logs.stream_missing_container", stream_missing_container, "Streaming unknown logs: not found.",
                 TESTS(CTRT_OP_LOGS_STREAM)),
};

const conform_area conform_area_logs = CONFORM_AREA("logs", cases);
