/* SPDX-License-Identifier: MIT */
/* Conformance: container_logs, get_logs and logs_stream (lines, channels,
 * tail, timestamps, since/until, follow, cancellation). */
#include "../conform.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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
  if (!id || !C_OK(ctrt_runtime_get_logs(RT, &logs, id, CONFORM_ALL_LOGS)))
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
  C_FAILS(CTRT_OP_GET_LOGS, ctrt_runtime_get_logs(RT, &logs, conform_new_id(), CONFORM_ALL_LOGS), CTRT_ERROR_NOT_FOUND);
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

/* Run argv to its end, then read its whole logs_stream with o: the chunk
 * count, or -1 when a step failed (the failure is recorded). */
static long stream_of(const char *const *argv, const ctrt_logs_stream_options *o, char *out, char *err, size_t cap,
                      bool *timestamps_ok, bool want_ts) {
  const ctrt_container_id *id = finished(argv);
  ctrt_logs_stream *s = id ? open_logs(id, o) : NULL;
  if (s == NULL)
    return -1;
  long chunks = (long)drain(s, out, err, cap, timestamps_ok, want_ts);
  ctrt_logs_stream_close(s);
  return chunks;
}

static void stream_all(void) {
  static const char *const argv[] = {"sh", "-c", "echo a; echo b >&2; printf c", NULL};
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  char out[256], err[256];
  bool ts;
  if (stream_of(argv, &o, out, err, sizeof out, &ts, false) < 0)
    return;
  C_EQ_STR(out, "a\nc");
  C_EQ_STR(err, "b\n");
  C_CHECK(ts, "without the timestamps option, chunks carry no timestamp");
}

static void stream_no_trailing_newline(void) {
  static const char *const argv[] = {"printf", "no newline at the end", NULL};
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  char out[256];
  if (stream_of(argv, &o, out, NULL, sizeof out, NULL, false) < 0)
    return;
  C_EQ_STR(out, "no newline at the end");
}

static void stream_timestamps(void) {
  static const char *const argv[] = {"echo", "stamped", NULL};
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.timestamps = true;
  char out[256];
  bool ts;
  if (stream_of(argv, &o, out, NULL, sizeof out, &ts, true) < 0)
    return;
  C_EQ_STR(out, "stamped\n");
  C_CHECK(ts, "with the timestamps option every chunk has a timestamp (and the text has none)");
}

static void stream_stdout_only(void) {
  static const char *const argv[] = {"sh", "-c", "echo out; echo err >&2", NULL};
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.stderr_ = false;
  char out[256], err[256];
  if (stream_of(argv, &o, out, err, sizeof out, NULL, false) < 0)
    return;
  C_EQ_STR(out, "out\n");
  C_EQ_STR(err, "");
}

static void stream_tail(void) {
  static const char *const argv[] = {"sh", "-c", "echo 1; echo 2; echo 3", NULL};
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.has_tail = true;
  o.tail = 1;
  char out[256];
  if (stream_of(argv, &o, out, NULL, sizeof out, NULL, false) < 0)
    return;
  C_EQ_STR(out, "3\n");
}

static void stream_since_until(void) {
  static const char *const argv[] = {"echo", "now", NULL};
  const ctrt_container_id *id = finished(argv);
  if (id == NULL)
    return;
  ctrt_timestamp now = {0, 0};
  ctrt_log_entry_list *logs = NULL;
  if (!C_OK(ctrt_runtime_get_logs(RT, &logs, id, CONFORM_ALL_LOGS)) || !C_EQ_INT(logs->n_items, 1)) {
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

/* Read chunks of s until the text read (stdout and stderr) ends with want;
 * false on an error or the end of the stream. */
static bool read_until(ctrt_logs_stream *s, char *text, size_t cap, const char *want) {
  size_t used = strlen(text);
  for (;;) {
    if (used >= strlen(want) && strcmp(text + used - strlen(want), want) == 0)
      return true;
    ctrt_log_chunk *chunk = NULL;
    int rc = ctrt_logs_stream_next(&chunk, s);
    if (rc == CTRT_ITEROVER)
      return C_CHECK(false, "the stream ended before \"%s\" (read \"%s\")", want, text);
    if (!C_OK(rc))
      return false;
    size_t take = chunk->data.len < cap - 1 - used ? chunk->data.len : cap - 1 - used;
    memcpy(text + used, chunk->data.data, take);
    used += take;
    text[used] = '\0';
    ctrt_log_chunk_free(chunk);
  }
}

static void stream_follow_ends_on_exit(void) {
  /* The container cannot print its last line before we let it. */
  static const char *const argv[] = {"sh", "-c", "echo start; " CONFORM_WAIT_GO "echo end", NULL};
  const ctrt_container_id *id = conform_new_id();
  if (!conform_run(id, NULL, argv))
    return;
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.follow = true;
  ctrt_logs_stream *s = open_logs(id, &o);
  if (s == NULL)
    return;
  char text[256] = "", rest[256];
  if (read_until(s, text, sizeof text, "start\n") && conform_release(id, "/tmp/go")) {
    drain(s, rest, NULL, sizeof rest, NULL, false);
    C_EQ_STR(rest, "end\n");
  }
  ctrt_logs_stream_close(s);
}

static void stream_follow_stopped(void) {
  /* Following a stopped container gives what is there and ends. */
  static const char *const argv[] = {"echo", "done", NULL};
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.follow = true;
  char out[64];
  if (stream_of(argv, &o, out, NULL, sizeof out, NULL, false) < 0)
    return;
  C_EQ_STR(out, "done\n");
}

typedef struct canceller {
  ctrt_logs_stream *s;
} canceller;

static void *cancel_later(void *arg) {
  canceller *c = arg;
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
  /* The container prints nothing: the reader blocks until the cancel,
   * whether it comes before or while next waits. */
  canceller c = {s};
  pthread_t t;
  pthread_create(&t, NULL, cancel_later, &c);
  ctrt_log_chunk *chunk = NULL;
  C_FAILS(CTRT_OP_LOGS_STREAM, ctrt_logs_stream_next(&chunk, s), CTRT_ERROR_CANCELLED);
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

/* seq 1 100000's output: the digits of 1..100000 plus a newline each. */
#define SEQ_BYTES ((size_t)588895)

static char *seq_text(void) {
  char *text = malloc(SEQ_BYTES + 8);
  size_t at = 0;
  for (int i = 1; text && i <= 100000 && at < SEQ_BYTES; i++)
    at += (size_t)snprintf(text + at, SEQ_BYTES + 8 - at, "%d\n", i);
  return text;
}

static void stream_large_output(void) {
  /* Half a megabyte of output (100000 lines) passes through in chunks,
   * byte for byte. What went missing is described exactly: seq writes
   * through stdio in 4096-byte blocks, so an engine that drops the end of
   * a container's output loses whole blocks (see expectations.json). */
  static const char *const argv[] = {"seq", "1", "100000", NULL};
  const ctrt_container_id *id = finished(argv);
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  ctrt_logs_stream *s = id ? open_logs(id, &o) : NULL;
  char *want = s ? seq_text() : NULL;
  if (s == NULL || !C_TRUE(want != NULL)) {
    ctrt_logs_stream_close(s);
    return;
  }
  size_t total = 0, chunks = 0, differs = SIZE_MAX;
  for (;;) {
    ctrt_log_chunk *chunk = NULL;
    int rc = ctrt_logs_stream_next(&chunk, s);
    if (rc == CTRT_ITEROVER || !C_OK(rc))
      break;
    for (size_t i = 0; i < chunk->data.len && differs == SIZE_MAX; i++)
      if (total + i >= SEQ_BYTES || chunk->data.data[i] != (uint8_t)want[total + i])
        differs = total + i;
    total += chunk->data.len;
    chunks++;
    ctrt_log_chunk_free(chunk);
  }
  char what[160];
  if (differs != SIZE_MAX)
    snprintf(what, sizeof what, "%zu bytes, differing from seq's output at byte %zu", total, differs);
  else if (total == SEQ_BYTES)
    snprintf(what, sizeof what, "all of them");
  else if (total % 4096 == 0)
    snprintf(what, sizeof what, "the first %zu only: the rest, whole 4096-byte writes of seq, is missing", total);
  else
    snprintf(what, sizeof what, "the first %zu only, cut inside one of seq's 4096-byte writes", total);
  C_CHECK(differs == SIZE_MAX && total == SEQ_BYTES, "seq's 588895 bytes arrived unchanged: %s", what);
  C_CHECK(chunks > 1, "the output came in more than one chunk (%zu)", chunks);
  free(want);
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

/* ---- more of container_logs and get_logs ---- */

static void container_logs_channels(void) {
  /* A tail longer than the log gives every line, with its channel. */
  static const char *const argv[] = {"sh", "-c", "echo out; echo err >&2", NULL};
  const ctrt_container_id *id = finished(argv);
  ctrt_log_entry_list *logs = NULL;
  if (!id || !C_OK(ctrt_runtime_container_logs(RT, &logs, id, 100)))
    return;
  if (C_EQ_INT(logs->n_items, 2)) {
    for (size_t i = 0; i < 2; i++) {
      const ctrt_log_entry *e = &logs->items[i];
      bool err = strcmp(e->message, "err") == 0;
      C_CHECK(err || strcmp(e->message, "out") == 0, "line %zu is out or err: %s", i, e->message);
      C_CHECK(e->stream == (err ? CTRT_OUTPUT_STREAM_STDERR : CTRT_OUTPUT_STREAM_STDOUT), "%s is on its channel",
              e->message);
      C_CHECK(e->timestamp.seconds > 1600000000, "%s has a real timestamp", e->message);
    }
  }
  ctrt_log_entry_list_free(logs);
}

static void container_logs_missing(void) {
  ctrt_log_entry_list *logs = NULL;
  C_FAILS(CTRT_OP_CONTAINER_LOGS, ctrt_runtime_container_logs(RT, &logs, conform_new_id(), 10), CTRT_ERROR_NOT_FOUND);
}

static void container_logs_running(void) {
  /* The lines so far of a container that still runs. */
  static const char *const argv[] = {"sh", "-c", "echo a; echo b; echo c; " CONFORM_WAIT_GO "echo d", NULL};
  const ctrt_container_id *id = conform_new_id();
  if (!conform_run(id, NULL, argv))
    return;
  /* Wait (through a follow stream) until the three lines are logged. */
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.follow = true;
  ctrt_logs_stream *s = open_logs(id, &o);
  char text[64] = "";
  bool ready = s && read_until(s, text, sizeof text, "c\n");
  ctrt_logs_stream_close(s);
  ctrt_log_entry_list *logs = NULL;
  if (!ready || !C_OK(ctrt_runtime_container_logs(RT, &logs, id, 2)))
    return;
  if (C_EQ_INT(logs->n_items, 2)) {
    C_EQ_STR(logs->items[0].message, "b");
    C_EQ_STR(logs->items[1].message, "c");
  }
  ctrt_log_entry_list_free(logs);
}

static void get_logs_empty(void) {
  static const char *const argv[] = {"true", NULL};
  const ctrt_container_id *id = finished(argv);
  ctrt_log_entry_list *logs = NULL;
  if (id && C_OK(ctrt_runtime_get_logs(RT, &logs, id, CONFORM_ALL_LOGS))) {
    C_EQ_INT(logs->n_items, 0);
    ctrt_log_entry_list_free(logs);
  }
}

/* get_logs with the caps (a cap < 0: none) keeps the messages want lists,
 * joined by ','. */
static void expect_capped(const ctrt_container_id *id, long max_lines, long max_bytes, const char *want) {
  ctrt_log_options o = CTRT_LOG_OPTIONS_INIT;
  o.has_max_lines = max_lines >= 0;
  o.max_lines = max_lines >= 0 ? (uint64_t)max_lines : 0;
  o.has_max_bytes = max_bytes >= 0;
  o.max_bytes = max_bytes >= 0 ? (uint64_t)max_bytes : 0;
  ctrt_log_entry_list *logs = NULL;
  if (!C_OK(ctrt_runtime_get_logs(RT, &logs, id, &o)))
    return;
  char got[256] = "";
  size_t used = 0;
  for (size_t i = 0; i < logs->n_items && used < sizeof got; i++)
    used += (size_t)snprintf(got + used, sizeof got - used, "%s%s", i ? "," : "", logs->items[i].message);
  ctrt_log_entry_list_free(logs);
  C_CHECK(strcmp(got, want) == 0, "max_lines %ld, max_bytes %ld (-1: none) keep \"%s\", not \"%s\"", max_lines,
          max_bytes, want, got);
}

static void get_logs_caps(void) {
  static const char *const lines[] = {"sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done", NULL};
  static const char *const long_first[] = {
      "sh", "-c", "echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; echo short", NULL};
  static const struct {
    long max_lines, max_bytes;
    const char *want;
  } caps[] = {
      {-1, -1, "line1,line2,line3,line4,line5"},
      {2, -1, "line1,line2"},
      {0, -1, ""},
      {-1, 15, "line1,line2,line3"}, /* bytes are the messages' without line endings */
      {-1, 14, "line1,line2"},
      {1, 15, "line1"}, /* both: the tighter holds */
  };
  const ctrt_container_id *id = finished(lines);
  for (size_t i = 0; id && i < sizeof caps / sizeof caps[0]; i++)
    expect_capped(id, caps[i].max_lines, caps[i].max_bytes, caps[i].want);
  /* Reading stops at the first entry that does not fit, even when a later,
   * shorter one would. */
  const ctrt_container_id *other = finished(long_first);
  if (other)
    expect_capped(other, -1, 20, "");
}

static void get_logs_order(void) {
  /* Many lines of one channel come back in order, timestamps never going back. */
  static const char *const argv[] = {"seq", "1", "50", NULL};
  const ctrt_container_id *id = finished(argv);
  ctrt_log_entry_list *logs = NULL;
  if (!id || !C_OK(ctrt_runtime_get_logs(RT, &logs, id, CONFORM_ALL_LOGS)))
    return;
  if (C_EQ_INT(logs->n_items, 50)) {
    bool in_order = true, time_order = true;
    for (size_t i = 0; i < 50; i++) {
      char want[8];
      snprintf(want, sizeof want, "%zu", i + 1);
      in_order = in_order && strcmp(logs->items[i].message, want) == 0;
      if (i > 0) {
        const ctrt_timestamp *a = &logs->items[i - 1].timestamp, *b = &logs->items[i].timestamp;
        time_order = time_order && (a->seconds < b->seconds || (a->seconds == b->seconds && a->nanos <= b->nanos));
      }
    }
    C_CHECK(in_order, "the lines are 1 to 50 in order");
    C_CHECK(time_order, "timestamps do not go back");
  }
  ctrt_log_entry_list_free(logs);
}

/* ---- more of logs_stream ---- */

static void stream_stderr_only(void) {
  static const char *const argv[] = {"sh", "-c", "echo out; echo err >&2; echo out2", NULL};
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.stdout_ = false;
  char out[256], err[256];
  if (stream_of(argv, &o, out, err, sizeof out, NULL, false) < 0)
    return;
  C_EQ_STR(out, "");
  C_EQ_STR(err, "err\n");
}

static void stream_tail_zero(void) {
  static const char *const argv[] = {"sh", "-c", "echo 1; echo 2", NULL};
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.has_tail = true;
  o.tail = 0;
  char out[256];
  long chunks = stream_of(argv, &o, out, NULL, sizeof out, NULL, false);
  if (chunks < 0)
    return;
  C_EQ_INT(chunks, 0);
  C_EQ_STR(out, "");
}

static void stream_timestamps_tail(void) {
  /* tail and timestamps together: the last lines, each stamped, in time
   * order, the stamps agreeing with get_logs. */
  static const char *const argv[] = {"sh", "-c", "for i in 1 2 3 4 5; do echo line$i; done", NULL};
  const ctrt_container_id *id = finished(argv);
  ctrt_log_entry_list *logs = NULL;
  if (!id || !C_OK(ctrt_runtime_get_logs(RT, &logs, id, CONFORM_ALL_LOGS)))
    return;
  if (!C_EQ_INT(logs->n_items, 5)) {
    ctrt_log_entry_list_free(logs);
    return;
  }
  ctrt_timestamp fourth = logs->items[3].timestamp;
  ctrt_log_entry_list_free(logs);
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.timestamps = true;
  o.has_tail = true;
  o.tail = 2;
  ctrt_logs_stream *s = open_logs(id, &o);
  if (s == NULL)
    return;
  char text[256] = "";
  size_t used = 0, chunks = 0;
  ctrt_timestamp first = {0, 0}, last = {0, 0};
  bool stamped = true, ordered = true;
  for (;;) {
    ctrt_log_chunk *chunk = NULL;
    int rc = ctrt_logs_stream_next(&chunk, s);
    if (rc == CTRT_ITEROVER || !C_OK(rc))
      break;
    if (used + chunk->data.len < sizeof text) {
      memcpy(text + used, chunk->data.data, chunk->data.len);
      used += chunk->data.len;
      text[used] = '\0';
    }
    stamped = stamped && chunk->has_timestamp;
    if (chunk->has_timestamp) {
      if (chunks == 0)
        first = chunk->timestamp;
      else if (chunk->timestamp.seconds < last.seconds ||
               (chunk->timestamp.seconds == last.seconds && chunk->timestamp.nanos < last.nanos))
        ordered = false;
      last = chunk->timestamp;
    }
    chunks++;
    ctrt_log_chunk_free(chunk);
  }
  ctrt_logs_stream_close(s);
  C_EQ_STR(text, "line4\nline5\n");
  C_CHECK(stamped, "every chunk has a timestamp");
  C_CHECK(ordered, "the timestamps do not go back");
  C_CHECK(first.seconds == fourth.seconds && first.nanos == fourth.nanos,
          "the first stamp is line4's as get_logs reports it (%lld.%09d vs %lld.%09d)", (long long)first.seconds,
          first.nanos, (long long)fourth.seconds, fourth.nanos);
}

static int64_t wall_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec;
}

static void stream_since_until_split(void) {
  /* Two lines logged in different seconds: since the later second gives
   * the later line only, until it the earlier only. */
  static const char *const argv[] = {"sh", "-c", "echo early; " CONFORM_WAIT_GO "echo late", NULL};
  const ctrt_container_id *id = conform_new_id();
  int32_t code;
  ctrt_log_entry_list *logs = NULL;
  if (!conform_run(id, NULL, argv))
    return;
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.follow = true;
  ctrt_logs_stream *s = open_logs(id, &o);
  char text[64] = "";
  bool ready = s && read_until(s, text, sizeof text, "early\n");
  ctrt_logs_stream_close(s);
  if (!ready || !C_OK(ctrt_runtime_get_logs(RT, &logs, id, CONFORM_ALL_LOGS)) || !C_EQ_INT(logs->n_items, 1)) {
    ctrt_log_entry_list_free(logs);
    return;
  }
  int64_t early = logs->items[0].timestamp.seconds;
  ctrt_log_entry_list_free(logs);
  /* Let the clock pass into the next second (an observable condition):
   * the later line is stamped after that. */
  while (wall_seconds() <= early)
    conform_sleep_ms(20);
  if (!conform_release(id, "/tmp/go") || !conform_wait(id, &code) ||
      !C_OK(ctrt_runtime_get_logs(RT, &logs, id, CONFORM_ALL_LOGS)) || !C_EQ_INT(logs->n_items, 2)) {
    ctrt_log_entry_list_free(logs);
    return;
  }
  int64_t late = logs->items[1].timestamp.seconds;
  ctrt_log_entry_list_free(logs);
  if (!C_CHECK(late > early, "the lines are in different seconds (%lld, %lld)", (long long)early, (long long)late))
    return;
  char out[64];
  o = (ctrt_logs_stream_options)CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.has_since = true;
  o.since = late;
  if ((s = open_logs(id, &o)) != NULL) {
    drain(s, out, NULL, sizeof out, NULL, false);
    C_EQ_STR(out, "late\n");
    ctrt_logs_stream_close(s);
  }
  o = (ctrt_logs_stream_options)CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.has_until = true;
  o.until = late;
  if ((s = open_logs(id, &o)) != NULL) {
    drain(s, out, NULL, sizeof out, NULL, false);
    C_EQ_STR(out, "early\n");
    ctrt_logs_stream_close(s);
  }
}

static void stream_follow_tail(void) {
  /* follow with tail 1: the last line so far, then what comes next. */
  static const char *const argv[] = {"sh", "-c", "echo a; echo b; " CONFORM_WAIT_GO "echo c", NULL};
  const ctrt_container_id *id = conform_new_id();
  if (!conform_run(id, NULL, argv))
    return;
  ctrt_logs_stream_options o = CTRT_LOGS_STREAM_OPTIONS_INIT;
  o.follow = true;
  ctrt_logs_stream *s = open_logs(id, &o);
  char text[64] = "";
  bool ready = s && read_until(s, text, sizeof text, "b\n");
  ctrt_logs_stream_close(s);
  if (!ready)
    return;
  o.has_tail = true;
  o.tail = 1;
  if ((s = open_logs(id, &o)) == NULL)
    return;
  char first[64] = "", rest[64];
  if (read_until(s, first, sizeof first, "b\n") && conform_release(id, "/tmp/go")) {
    C_EQ_STR(first, "b\n");
    drain(s, rest, NULL, sizeof rest, NULL, false);
    C_EQ_STR(rest, "c\n");
  }
  ctrt_logs_stream_close(s);
}

#define RUNNING CTRT_OP_CREATE_CONTAINER, CTRT_OP_START_CONTAINER
#define FINISHED RUNNING, CTRT_OP_WAIT_CONTAINER

static const conform_case cases[] = {
    CONFORM_CASE("logs.get_logs_lines", get_logs_lines, "get_logs: lines, channels, timestamps, source.",
                 TESTS(CTRT_OP_GET_LOGS), USES(FINISHED)),
    CONFORM_CASE("logs.get_logs_empty", get_logs_empty, "get_logs of a container that printed nothing: no entry.",
                 TESTS(CTRT_OP_GET_LOGS), USES(FINISHED)),
    CONFORM_CASE("logs.get_logs_order", get_logs_order, "get_logs keeps 50 lines in order, timestamps not going back.",
                 TESTS(CTRT_OP_GET_LOGS), USES(FINISHED)),
    CONFORM_CASE("logs.get_logs_caps", get_logs_caps,
                 "get_logs with max_lines and max_bytes: the oldest entries that fit, stopping at the first that does "
                 "not.",
                 TESTS(CTRT_OP_GET_LOGS), USES(FINISHED)),
    CONFORM_CASE("logs.container_logs_tail", container_logs_tail, "container_logs returns the last N lines.",
                 TESTS(CTRT_OP_CONTAINER_LOGS), USES(FINISHED)),
    CONFORM_CASE("logs.container_logs_channels", container_logs_channels,
                 "container_logs with a long tail: every line, on its channel, timestamped.",
                 TESTS(CTRT_OP_CONTAINER_LOGS), USES(FINISHED)),
    CONFORM_CASE("logs.container_logs_running", container_logs_running,
                 "container_logs of a running container: the last lines so far.", TESTS(CTRT_OP_CONTAINER_LOGS),
                 USES(RUNNING, CTRT_OP_LOGS_STREAM)),
    CONFORM_CASE("logs.container_logs_missing", container_logs_missing,
                 "container_logs of an unknown container: not found.", TESTS(CTRT_OP_CONTAINER_LOGS)),
    CONFORM_CASE("logs.missing_container", logs_missing_container, "Logs of an unknown container: not found.",
                 TESTS(CTRT_OP_GET_LOGS)),
    CONFORM_CASE("logs.stream_all", stream_all, "logs_stream of a finished container: every chunk, by channel.",
                 TESTS(CTRT_OP_LOGS_STREAM), USES(FINISHED)),
    CONFORM_CASE("logs.stream_no_trailing_newline", stream_no_trailing_newline,
                 "Output without a final newline reaches the log.", TESTS(CTRT_OP_LOGS_STREAM), USES(FINISHED)),
    CONFORM_CASE("logs.stream_timestamps", stream_timestamps, "timestamps adds a timestamp to every chunk.",
                 TESTS(CTRT_OP_LOGS_STREAM), USES(FINISHED)),
    CONFORM_CASE("logs.stream_stdout_only", stream_stdout_only, "stderr can be left out.", TESTS(CTRT_OP_LOGS_STREAM),
                 USES(FINISHED)),
    CONFORM_CASE("logs.stream_stderr_only", stream_stderr_only, "stdout can be left out.", TESTS(CTRT_OP_LOGS_STREAM),
                 USES(FINISHED)),
    CONFORM_CASE("logs.stream_tail", stream_tail, "tail 1 gives the last line.", TESTS(CTRT_OP_LOGS_STREAM),
                 USES(FINISHED)),
    CONFORM_CASE("logs.stream_tail_zero", stream_tail_zero, "tail 0 gives nothing.", TESTS(CTRT_OP_LOGS_STREAM),
                 USES(FINISHED)),
    CONFORM_CASE("logs.stream_timestamps_tail", stream_timestamps_tail,
                 "tail with timestamps: the last lines, stamped as get_logs stamps them.", TESTS(CTRT_OP_LOGS_STREAM),
                 USES(FINISHED, CTRT_OP_GET_LOGS)),
    CONFORM_CASE("logs.stream_since_until", stream_since_until, "since and until filter by time.",
                 TESTS(CTRT_OP_LOGS_STREAM), USES(FINISHED, CTRT_OP_GET_LOGS)),
    CONFORM_CASE("logs.stream_since_until_split", stream_since_until_split,
                 "since and until split lines logged in different seconds.", TESTS(CTRT_OP_LOGS_STREAM),
                 USES(FINISHED, CTRT_OP_GET_LOGS, CTRT_OP_EXEC), SLOW),
    CONFORM_CASE("logs.stream_follow_ends_on_exit", stream_follow_ends_on_exit,
                 "A follow stream waits for output and ends when the container exits.", TESTS(CTRT_OP_LOGS_STREAM),
                 USES(RUNNING, CTRT_OP_EXEC)),
    CONFORM_CASE("logs.stream_follow_tail", stream_follow_tail,
                 "follow with tail 1: the last line so far, then the new ones.", TESTS(CTRT_OP_LOGS_STREAM),
                 USES(RUNNING, CTRT_OP_EXEC)),
    CONFORM_CASE("logs.stream_follow_stopped", stream_follow_stopped,
                 "Following a stopped container ends after its logs.", TESTS(CTRT_OP_LOGS_STREAM), USES(FINISHED)),
    CONFORM_CASE("logs.stream_cancel_from_thread", stream_cancel_from_thread,
                 "Another thread's cancel wakes a blocked follower.", TESTS(CTRT_OP_LOGS_STREAM), USES(RUNNING)),
    CONFORM_CASE("logs.stream_close_half_way", stream_close_half_way, "Closing a stream with chunks left.",
                 TESTS(CTRT_OP_LOGS_STREAM), USES(FINISHED)),
    CONFORM_CASE("logs.stream_large_output", stream_large_output, "Half a megabyte of output, streamed in chunks.",
                 TESTS(CTRT_OP_LOGS_STREAM), USES(FINISHED)),
    CONFORM_CASE("logs.stream_binary_bytes", stream_binary_bytes, "Non-UTF-8 bytes pass through.",
                 TESTS(CTRT_OP_LOGS_STREAM), USES(FINISHED)),
    CONFORM_CASE("logs.stream_no_channel", stream_no_channel, "Neither stdout nor stderr is invalid.",
                 TESTS(CTRT_OP_LOGS_STREAM), USES(RUNNING)),
    CONFORM_CASE("logs.stream_missing_container", stream_missing_container, "Streaming unknown logs: not found.",
                 TESTS(CTRT_OP_LOGS_STREAM)),
};

const conform_area conform_area_logs = CONFORM_AREA("logs", cases);
