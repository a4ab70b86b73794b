/* The CRI log-file reader (runtime/backends/cri/cri_log.c) on files this
 * test writes: line parsing, P/F reassembly, the logs_stream options,
 * garbage and cut lines, and following a file that grows in pieces, is
 * rotated, truncated, or appears late. Following is made deterministic
 * through the reader's `running` callback, which it calls each time it has
 * read the file to its end: the callback writes the next step. */
#include "backends/cri/cri_log.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_support.h"

static char dir[64];
static char path[128];

static int suite_init(void) {
  snprintf(dir, sizeof dir, "/tmp/ctrt-cri-log-XXXXXX");
  if (mkdtemp(dir) == NULL)
    return 1;
  snprintf(path, sizeof path, "%s/c.log", dir);
  return 0;
}

static int suite_clean(void) {
  char rotated[160];
  snprintf(rotated, sizeof rotated, "%s.1", path);
  unlink(path);
  unlink(rotated);
  return rmdir(dir);
}

static void write_file(const char *text, const char *mode) {
  FILE *f = fopen(path, mode);
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs(text, f);
  fclose(f);
}

static ctrt__cri_log_config config(void) {
  ctrt__cri_log_config c = {.options = CTRT_LOGS_STREAM_OPTIONS_INIT, .poll_ms = 20};
  return c;
}

/* Every record of a reader as "stream:data|" (data with its '\n' shown as
 * "\n"; an incomplete record marked with '~'). */
static char *records_of(ctrt__cri_log_reader *r, int *final_rc) {
  static char out[8192];
  size_t used = 0;
  ctrt__cri_log_record rec;
  int rc;
  out[0] = '\0';
  while ((rc = ctrt__cri_log_next(r, &rec)) == 0) {
    used += (size_t)snprintf(out + used, sizeof out - used, "%s:%s",
                             rec.stream == CTRT_LOG_CHANNEL_STDERR ? "err" : "out", rec.complete ? "" : "~");
    for (size_t i = 0; i < rec.len && used + 3 < sizeof out; i++) {
      if (rec.data[i] == '\n') {
        out[used++] = '\\';
        out[used++] = 'n';
      } else {
        out[used++] = (char)rec.data[i];
      }
    }
    used += (size_t)snprintf(out + used, sizeof out - used, "|");
  }
  *final_rc = rc;
  return out;
}

static char *read_all(const ctrt__cri_log_config *c) {
  ctrt__cri_log_reader *r = NULL;
  ASSERT_OK(ctrt__cri_log_open(&r, path, c));
  int rc;
  char *out = records_of(r, &rc);
  CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
  ctrt__cri_log_free(r);
  return out;
}

#define T1 "2026-12-06T20:58:37.33906968Z"
#define T2 "2026-12-06T20:58:38.5Z"
#define T3 "2026-12-06T20:58:40.000000001Z"
#define T4 "2026-12-06T20:58:41Z"

/* ---- parsing ---- */

static void test_parse_line(void) {
  ctrt__cri_log_line l;
  const char *full = T1 " stdout F hello world";
  CU_ASSERT_TRUE_FATAL(ctrt__cri_log_parse_line(full, strlen(full), &l));
  CU_ASSERT_EQUAL(l.stream, CTRT_LOG_CHANNEL_STDOUT);
  CU_ASSERT_FALSE(l.partial);
  CU_ASSERT_EQUAL(l.timestamp.seconds, 1796590717);
  CU_ASSERT_EQUAL(l.timestamp.nanos, 339069680);
  CU_ASSERT_EQUAL(l.len, 11);
  CU_ASSERT_NSTRING_EQUAL(l.message, "hello world", 11);

  const char *part = "2026-12-06T22:58:37.5+02:00 stderr P  two spaces ";
  CU_ASSERT_TRUE_FATAL(ctrt__cri_log_parse_line(part, strlen(part), &l));
  CU_ASSERT_EQUAL(l.stream, CTRT_LOG_CHANNEL_STDERR);
  CU_ASSERT_TRUE(l.partial);
  CU_ASSERT_EQUAL(l.timestamp.seconds, 1796590717); /* the offset is converted to UTC */
  CU_ASSERT_EQUAL(l.timestamp.nanos, 500000000);
  CU_ASSERT_EQUAL(l.len, strlen(" two spaces "));

  /* An empty line, with or without the space; tags after a ':'. */
  const char *empty[] = {T1 " stdout F ", T1 " stdout F", T1 " stdout F:x "};
  for (size_t i = 0; i < 3; i++) {
    CU_ASSERT_TRUE(ctrt__cri_log_parse_line(empty[i], strlen(empty[i]), &l));
    CU_ASSERT_EQUAL(l.len, 0);
    CU_ASSERT_FALSE(l.partial);
  }

  const char *bad[] = {"",
                       "hello",
                       T1,
                       T1 " ",
                       T1 " stdin F x",
                       T1 " stdout X x",
                       T1 " stdout Fx x",
                       T1 " stdout",
                       "2026-13-45T99:00:00Z stdout F x",
                       "yesterday-at-noon-ish stdout F x",
                       "2026-12-06T20:58:37.33906968Z\tstdout F x"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    if (ctrt__cri_log_parse_line(bad[i], strlen(bad[i]), &l))
      fprintf(stderr, "\naccepted: \"%s\"\n", bad[i]);
    CU_ASSERT_FALSE(ctrt__cri_log_parse_line(bad[i], strlen(bad[i]), &l));
  }
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NONE); /* a failed parse sets no error */
}

/* ---- whole files ---- */

static void test_reassembly(void) {
  /* A long stdout line in three parts, a stderr line between its parts; a
   * message keeps the timestamp of its first part. */
  write_file(T1 " stdout P abc\n" T2 " stderr F oops\n" T2 " stdout P def\n" T3 " stdout F ghi\n" T4 " stdout F \n",
             "w");
  ctrt__cri_log_config c = config();
  ASSERT_STR(read_all(&c), "err:oops\\n|out:abcdefghi\\n|out:\\n|");

  ctrt__cri_log_reader *r = NULL;
  ctrt__cri_log_record rec;
  ASSERT_OK(ctrt__cri_log_open(&r, path, &c));
  ASSERT_OK(ctrt__cri_log_next(r, &rec));
  CU_ASSERT_EQUAL(rec.timestamp.nanos, 500000000); /* T2 */
  ASSERT_OK(ctrt__cri_log_next(r, &rec));
  CU_ASSERT_EQUAL(rec.timestamp.seconds, 1796590717); /* T1: the first part's */
  CU_ASSERT_EQUAL(rec.timestamp.nanos, 339069680);
  CU_ASSERT_TRUE(rec.complete);
  ctrt__cri_log_free(r);
}

static void test_garbage_and_cut_lines(void) {
  /* Garbage lines, a runaway line of 2 MiB without a newline in its first
   * MiB, then a last line cut short (no '\n') and a P part left open on
   * stderr at the end. */
  write_file("not a log line\n" T1 " stdout F one\n\n" T1 " stdinn F x\n", "w");
  FILE *f = fopen(path, "a");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fputs(T1 " stdout F ", f);
  for (int i = 0; i < 2 * 1024; i++)
    fprintf(f, "%01023d", 0);
  fputs("\n" T2 " stderr P open\n" T3 " stdout F cut sho", f);
  fclose(f);
  ctrt__cri_log_config c = config();
  ctrt__cri_log_reader *r = NULL;
  ASSERT_OK(ctrt__cri_log_open(&r, path, &c));
  int rc;
  ASSERT_STR(records_of(r, &rc), "out:one\\n|out:cut sho\\n|err:~open|");
  CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
  CU_ASSERT_EQUAL(ctrt__cri_log_garbage_lines(r), 4); /* garbage, empty, stdinn, the runaway */
  ctrt__cri_log_free(r);
}

static void test_missing_file_is_empty(void) {
  unlink(path);
  ctrt__cri_log_config c = config();
  ASSERT_STR(read_all(&c), "");
}

static void test_options(void) {
  write_file(T1 " stdout F a\n" T2 " stderr F b\n" T3 " stdout P c\n" T3 " stdout F d\n" T4 " stderr F e\n", "w");
  ctrt__cri_log_config c = config();
  c.options.stderr_ = false;
  ASSERT_STR(read_all(&c), "out:a\\n|out:cd\\n|");
  c = config();
  c.options.stdout_ = false;
  ASSERT_STR(read_all(&c), "err:b\\n|err:e\\n|");

  /* since/until in Unix seconds: T1 = ...717.3, T2 = ...718.5, T3 = ...720.000000001, T4 = ...721. */
  c = config();
  c.options.has_since = true;
  c.options.since = 1796590718;
  ASSERT_STR(read_all(&c), "err:b\\n|out:cd\\n|err:e\\n|");
  c.options.has_until = true;
  c.options.until = 1796590720; /* T3 is past it by a nanosecond */
  ASSERT_STR(read_all(&c), "err:b\\n|");
  c.options.until = 1796590721;
  ASSERT_STR(read_all(&c), "err:b\\n|out:cd\\n|err:e\\n|");

  /* tail counts the selected messages (a reassembled one once). */
  c = config();
  c.options.has_tail = true;
  c.options.tail = 2;
  ASSERT_STR(read_all(&c), "out:cd\\n|err:e\\n|");
  c.options.stderr_ = false;
  ASSERT_STR(read_all(&c), "out:a\\n|out:cd\\n|");
  c.options.tail = 0;
  ASSERT_STR(read_all(&c), "");
  c.options.tail = 100;
  ASSERT_STR(read_all(&c), "out:a\\n|out:cd\\n|");

  static int sentinel;
  ctrt__cri_log_reader *r = (ctrt__cri_log_reader *)&sentinel; /* open must reset it */
  c = config();
  c.options.stdout_ = c.options.stderr_ = false;
  ASSERT_FAILS_WITH(ctrt__cri_log_open(&r, path, &c), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_PTR_NULL(r);
}

static void test_stream_adapter(void) {
  write_file(T1 " stdout F a\n" T2 " stderr P b\n", "w");
  for (int timestamps = 0; timestamps < 2; timestamps++) {
    ctrt__cri_log_config c = config();
    c.options.timestamps = timestamps;
    ctrt__cri_log_reader *r = NULL;
    ctrt_logs_stream *s = NULL;
    ASSERT_OK(ctrt__cri_log_open(&r, path, &c));
    ASSERT_OK(ctrt__cri_log_stream(&s, r));
    ctrt_log_chunk *chunk = NULL;
    ASSERT_OK(ctrt_logs_stream_next(&chunk, s));
    CU_ASSERT_EQUAL(chunk->stream, CTRT_LOG_CHANNEL_STDOUT);
    CU_ASSERT_EQUAL(chunk->data.len, 2);
    CU_ASSERT_EQUAL(memcmp(chunk->data.data, "a\n", 2), 0);
    CU_ASSERT_EQUAL(chunk->has_timestamp, timestamps);
    if (timestamps)
      CU_ASSERT_EQUAL(chunk->timestamp.nanos, 339069680);
    ctrt_log_chunk_free(chunk);
    ASSERT_OK(ctrt_logs_stream_next(&chunk, s));
    CU_ASSERT_EQUAL(chunk->stream, CTRT_LOG_CHANNEL_STDERR);
    CU_ASSERT_EQUAL(chunk->data.len, 1); /* an open partial: no '\n' */
    ctrt_log_chunk_free(chunk);
    CU_ASSERT_EQUAL(ctrt_logs_stream_next(&chunk, s), CTRT_ITEROVER);
    ctrt_logs_stream_close(s);
  }
}

static void test_entries(void) {
  write_file(T1 " stdout F a\n" T2 " stderr F b\n" T3 " stdout P c", "w");
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = "web";
  id.replica = 2;
  ctrt_log_entry_list *list = NULL;
  ASSERT_OK(ctrt__cri_log_entries(&list, path, &id, false, 0, NULL));
  CU_ASSERT_EQUAL_FATAL(list->n_items, 3);
  ASSERT_STR(list->items[0].message, "a");
  CU_ASSERT_EQUAL(list->items[0].stream, CTRT_OUTPUT_STREAM_STDOUT);
  CU_ASSERT_EQUAL(list->items[0].timestamp.nanos, 339069680);
  ASSERT_STR(list->items[1].message, "b");
  CU_ASSERT_EQUAL(list->items[1].stream, CTRT_OUTPUT_STREAM_STDERR);
  ASSERT_STR(list->items[2].message, "c");
  CU_ASSERT_EQUAL(list->items[2].source.kind, CTRT_LOG_SOURCE_CONTAINER);
  ASSERT_STR(list->items[2].source.container.id, "web-rep-2");
  ASSERT_STR(list->items[2].service, "web");
  ctrt_log_entry_list_free(list);

  ASSERT_OK(ctrt__cri_log_entries(&list, path, &id, true, 1, NULL));
  CU_ASSERT_EQUAL_FATAL(list->n_items, 1);
  ASSERT_STR(list->items[0].message, "c");
  ctrt_log_entry_list_free(list);

  /* get_logs' caps: the oldest entries that fit ("a" and "b" are 2 bytes). */
  ctrt_log_options cap = CTRT_LOG_OPTIONS_INIT;
  cap.has_max_bytes = true;
  cap.max_bytes = 2;
  ASSERT_OK(ctrt__cri_log_entries(&list, path, &id, false, 0, &cap));
  CU_ASSERT_EQUAL_FATAL(list->n_items, 2);
  ASSERT_STR(list->items[1].message, "b");
  ctrt_log_entry_list_free(list);
  cap.has_max_lines = true;
  cap.max_lines = 1;
  ASSERT_OK(ctrt__cri_log_entries(&list, path, &id, false, 0, &cap));
  CU_ASSERT_EQUAL(list->n_items, 1);
  ctrt_log_entry_list_free(list);
}

/* ---- following ---- */

/* A script of steps, one per end of file the reader reaches; the callback
 * reports "still running" while steps remain. */
typedef struct script {
  void (*steps[8])(void);
  int n, calls;
} script;

static bool run_step(void *ctx) {
  script *s = ctx;
  if (s->calls >= s->n)
    return false;
  s->steps[s->calls++]();
  return true;
}

static char *follow(script *s, int *calls_at_first) {
  ctrt__cri_log_config c = config();
  c.options.follow = true;
  c.running = run_step;
  c.running_ctx = s;
  ctrt__cri_log_reader *r = NULL;
  ASSERT_OK(ctrt__cri_log_open(&r, path, &c));
  static char out[4096];
  out[0] = '\0';
  ctrt__cri_log_record rec;
  int rc, n = 0;
  while ((rc = ctrt__cri_log_next(r, &rec)) == 0) {
    if (n++ == 1 && calls_at_first)
      *calls_at_first = s->calls; /* steps run before the second record came */
    strncat(out, (const char *)rec.data, rec.len < 100 ? rec.len : 100);
    strcat(out, "|");
  }
  CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
  CU_ASSERT_EQUAL(s->calls, s->n);
  ctrt__cri_log_free(r);
  return out;
}

/* Appends with raw write(2), so each piece reaches the file as it is. */
static void append(const char *text) {
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
  CU_ASSERT_TRUE_FATAL(fd >= 0);
  CU_ASSERT_EQUAL(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
}

static void split_1(void) { append("lo\n" T3 " stdout P one-"); }
static void split_2(void) { append("\n" T4 " stdout F two\n"); }

static void test_follow_split_writes(void) {
  /* A line arrives in two writes, cut in its message; a P line is cut
   * right before its '\n'. Nothing is handed out before its line is whole. */
  write_file(T1 " stdout F first\n" T2 " stdout F hel", "w");
  script s = {.steps = {split_1, split_2}, .n = 2};
  int calls = -1;
  ASSERT_STR(follow(&s, &calls), "first\n|hello\n|one-two\n|");
  CU_ASSERT_EQUAL(calls, 1); /* "hello" only after the step that finished it */
}

static void split_header(void) { append("12-06T20:58:41Z std"); }
static void split_header_2(void) { append("err F late\n"); }

static void test_follow_split_header(void) {
  write_file(T1 " stdout F a\n2026-", "w");
  script s = {.steps = {split_header, split_header_2}, .n = 2};
  ASSERT_STR(follow(&s, NULL), "a\n|late\n|");
}

static void rotate(void) {
  char rotated[160];
  snprintf(rotated, sizeof rotated, "%s.1", path);
  CU_ASSERT_EQUAL(rename(path, rotated), 0);
  /* A write to the old file after the rename, before the runtime reopens. */
  FILE *f = fopen(rotated, "a");
  fputs(T2 " stdout F old-late\n", f);
  fclose(f);
  write_file(T3 " stdout F new-1\n", "w");
}
static void rotate_append(void) { append(T4 " stdout F new-2\n"); }

static void test_follow_rotation(void) {
  write_file(T1 " stdout F old\n", "w");
  script s = {.steps = {rotate, rotate_append}, .n = 2};
  ASSERT_STR(follow(&s, NULL), "old\n|old-late\n|new-1\n|new-2\n|");
}

static void truncate_step(void) { write_file(T3 " stdout F x\n", "w"); }

static void test_follow_truncation(void) {
  write_file(T1 " stdout F a long first line\n" T2 " stdout F b\n", "w");
  script s = {.steps = {truncate_step}, .n = 1};
  ASSERT_STR(follow(&s, NULL), "a long first line\n|b\n|x\n|");
}

static void appear(void) { write_file(T1 " stdout F here\n", "w"); }
static void nothing(void) {}

static void test_follow_file_appears(void) {
  unlink(path);
  script s = {.steps = {nothing, appear}, .n = 2};
  ASSERT_STR(follow(&s, NULL), "here\n|");
}

static bool write_then_exit(void *ctx) {
  (*(int *)ctx)++;
  append(T4 " stdout F bye\n");
  return false;
}

static void test_follow_drains_after_exit(void) {
  /* The container wrote its last line and exited between the reader's
   * last read and its question: the line is still read. */
  write_file(T1 " stdout F a\n", "w");
  ctrt__cri_log_config c = config();
  int calls = 0;
  c.options.follow = true;
  c.running = write_then_exit;
  c.running_ctx = &calls;
  ctrt__cri_log_reader *r = NULL;
  ASSERT_OK(ctrt__cri_log_open(&r, path, &c));
  int rc;
  ASSERT_STR(records_of(r, &rc), "out:a\\n|out:bye\\n|");
  CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
  CU_ASSERT_EQUAL(calls, 1);
  ctrt__cri_log_free(r);
}

/* ---- exited and cancel from another thread ---- */

static void *exit_main(void *r) {
  append(T2 " stdout F last words\n");
  ctrt__cri_log_exited(r);
  return NULL;
}

static void test_follow_until_exited(void) {
  /* Without a callback and with a long poll interval: only the exit
   * notice ends the wait, and the line written before it is read. */
  write_file(T1 " stdout F a\n", "w");
  ctrt__cri_log_config c = config();
  c.options.follow = true;
  c.poll_ms = 3600 * 1000;
  ctrt__cri_log_reader *r = NULL;
  ASSERT_OK(ctrt__cri_log_open(&r, path, &c));
  pthread_t t;
  CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, exit_main, r), 0);
  int rc;
  char *out = records_of(r, &rc);
  pthread_join(t, NULL);
  ASSERT_STR(out, "out:a\\n|out:last words\\n|");
  CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
  ctrt__cri_log_free(r);
}

static void *cancel_main(void *s) {
  ctrt_logs_stream_cancel(s);
  return NULL;
}

static void test_follow_cancel(void) {
  /* Cancel through the stream from another thread while next blocks (or
   * before it does: the result is the same). */
  write_file(T1 " stdout F a\n", "w");
  ctrt__cri_log_config c = config();
  c.options.follow = true;
  c.poll_ms = 3600 * 1000;
  ctrt__cri_log_reader *r = NULL;
  ctrt_logs_stream *s = NULL;
  ASSERT_OK(ctrt__cri_log_open(&r, path, &c));
  ASSERT_OK(ctrt__cri_log_stream(&s, r));
  ctrt_log_chunk *chunk = NULL;
  ASSERT_OK(ctrt_logs_stream_next(&chunk, s));
  ctrt_log_chunk_free(chunk);
  pthread_t t;
  CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, cancel_main, s), 0);
  ASSERT_FAILS_WITH(ctrt_logs_stream_next(&chunk, s), CTRT_ERROR_CANCELLED);
  pthread_join(t, NULL);
  ctrt_logs_stream_close(s);
}

static bool always_running(void *ctx) {
  (void)ctx;
  return true;
}

static void test_follow_idle_timeout(void) {
  /* A running container whose log stays silent: with idle_ms
   * (stream_idle_timeout_ms) the wait ends by itself, even with a long
   * poll interval, after the lines that are there; a new line read in
   * time is data like any other. */
  write_file(T1 " stdout F a\n", "w");
  ctrt__cri_log_config c = config();
  c.options.follow = true;
  c.running = always_running;
  c.poll_ms = 3600 * 1000;
  c.idle_ms = 200;
  ctrt__cri_log_reader *r = NULL;
  ASSERT_OK(ctrt__cri_log_open(&r, path, &c));
  int rc;
  char *out = records_of(r, &rc);
  ASSERT_STR(out, "out:a\\n|");
  CU_ASSERT_EQUAL(rc, CTRT_ETIMEOUT);
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_TIMEOUT);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "stream_idle_timeout_ms"));
  /* The reader goes on after a timeout: a line written since is read. */
  write_file(T2 " stderr F b\n", "a");
  out = records_of(r, &rc);
  ASSERT_STR(out, "err:b\\n|");
  CU_ASSERT_EQUAL(rc, CTRT_ETIMEOUT);
  ctrt__cri_log_free(r);
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("cri_log", suite_init, suite_clean);
  CU_add_test(s, "parse_line", test_parse_line);
  CU_add_test(s, "reassembly", test_reassembly);
  CU_add_test(s, "garbage_and_cut_lines", test_garbage_and_cut_lines);
  CU_add_test(s, "missing_file_is_empty", test_missing_file_is_empty);
  CU_add_test(s, "options", test_options);
  CU_add_test(s, "stream_adapter", test_stream_adapter);
  CU_add_test(s, "entries", test_entries);
  CU_add_test(s, "follow_split_writes", test_follow_split_writes);
  CU_add_test(s, "follow_split_header", test_follow_split_header);
  CU_add_test(s, "follow_rotation", test_follow_rotation);
  CU_add_test(s, "follow_truncation", test_follow_truncation);
  CU_add_test(s, "follow_file_appears", test_follow_file_appears);
  CU_add_test(s, "follow_drains_after_exit", test_follow_drains_after_exit);
  CU_add_test(s, "follow_until_exited", test_follow_until_exited);
  CU_add_test(s, "follow_cancel", test_follow_cancel);
  CU_add_test(s, "follow_idle_timeout", test_follow_idle_timeout);
}
