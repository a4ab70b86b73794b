/* SPDX-License-Identifier: MIT */
/* Conformance: exec, exec_with_opts, exec_stream, exec_pty sessions and the
 * main process's stdin. */
#include "../conform.h"

#include <poll.h>
#include <pthread.h>

#define RT conform_rt()

CONFORM_FREER(exec_result)

static void exec_stdout(void) {
  const ctrt_container_id *id = conform_sleeper();
  static const char *const argv[] = {"echo", "hello", NULL};
  ctrt_exec_result *r = id ? conform_exec(id, argv) : NULL;
  if (r) {
    C_EQ_INT(r->exit_code, 0);
    C_EQ_TEXT(r->stdout_, "hello\n");
    C_EQ_TEXT(r->stderr_, "");
  }
}

static void exec_stderr_separate(void) {
  const ctrt_container_id *id = conform_sleeper();
  static const char *const argv[] = {"sh", "-c", "echo out; echo err >&2; exit 4", NULL};
  ctrt_exec_result *r = id ? conform_exec(id, argv) : NULL;
  if (r) {
    C_EQ_INT(r->exit_code, 4);
    C_EQ_TEXT(r->stdout_, "out\n");
    C_EQ_TEXT(r->stderr_, "err\n");
  }
}

static void exec_no_trailing_newline(void) {
  const ctrt_container_id *id = conform_sleeper();
  static const char *const argv[] = {"printf", "abc", NULL};
  ctrt_exec_result *r = id ? conform_exec(id, argv) : NULL;
  if (r)
    C_EQ_TEXT(r->stdout_, "abc");
}

/* Process output is bytes: NULs and bytes that are not UTF-8 come back as
 * they were written, on both channels (printf's octal escapes, busybox and
 * the mock alike). */
#define BINARY_SCRIPT "printf 'abc\\000def\\377\\376\\n'; printf '\\000\\200x' >&2"
static const char binary_out[] = "abc\0def\377\376\n";
static const char binary_err[] = "\0\200x";

static void exec_binary_output(void) {
  const ctrt_container_id *id = conform_sleeper();
  static const char *const argv[] = {"sh", "-c", BINARY_SCRIPT, NULL};
  ctrt_exec_result *r = id ? conform_exec(id, argv) : NULL;
  if (r) {
    C_EQ_INT(r->exit_code, 0);
    C_EQ_BYTES(r->stdout_, binary_out, sizeof binary_out - 1);
    C_EQ_BYTES(r->stderr_, binary_err, sizeof binary_err - 1);
    C_TRUE(!r->output_truncated);
  }
}

/* No output is the empty value of returned bytes on every backend: data
 * "" (not NULL), len 0 (ctrt/common.h). */
static void exec_empty_output(void) {
  const ctrt_container_id *id = conform_sleeper();
  static const char *const argv[] = {"true", NULL};
  ctrt_exec_result *r = id ? conform_exec(id, argv) : NULL;
  if (r) {
    C_EQ_INT(r->exit_code, 0);
    C_EQ_TEXT(r->stdout_, "");
    C_EQ_TEXT(r->stderr_, "");
  }
}

static void exec_with_opts_binary_output(void) {
  const ctrt_container_id *id = conform_sleeper();
  if (id == NULL)
    return;
  char *command[] = {"sh", "-c", BINARY_SCRIPT};
  ctrt_exec_options o = CTRT_EXEC_OPTIONS_INIT;
  o.command = command;
  o.n_command = 3;
  ctrt_exec_result *r = NULL;
  if (C_OK(ctrt_runtime_exec_with_opts(RT, &r, id, &o))) {
    C_EQ_BYTES(r->stdout_, binary_out, sizeof binary_out - 1);
    C_EQ_BYTES(r->stderr_, binary_err, sizeof binary_err - 1);
    ctrt_exec_result_free(r);
  }
}

static void exec_missing_binary(void) {
  /* runc cannot start it: Docker reports exit code 126, not 127. */
  const ctrt_container_id *id = conform_sleeper();
  static const char *const argv[] = {"no-such-command", NULL};
  ctrt_exec_result *r = id ? conform_exec(id, argv) : NULL;
  if (r)
    C_EQ_INT(r->exit_code, 126);
}

static void exec_unknown_command_in_shell(void) {
  const ctrt_container_id *id = conform_sleeper();
  static const char *const argv[] = {"sh", "-c", "no-such-command", NULL};
  ctrt_exec_result *r = id ? conform_exec(id, argv) : NULL;
  if (r) {
    C_EQ_INT(r->exit_code, 127);
    C_CHECK(strstr(conform_text(&r->stderr_), "not found"), "sh reports the missing command on stderr: %s",
            conform_text(&r->stderr_));
  }
}

static void exec_not_running(void) {
  const ctrt_container_id *id = conform_new_id();
  static const char *const sleep_argv[] = {"sleep", "600", NULL};
  static const char *const argv[] = {"true"};
  ctrt_exec_result *r = NULL;
  if (conform_create(id, NULL, sleep_argv))
    C_FAILS(CTRT_OP_EXEC, ctrt_runtime_exec(RT, &r, id, argv, 1), CTRT_ERROR_CONFLICT);
}

static void exec_paused(void) {
  const ctrt_container_id *id = conform_sleeper();
  static const char *const argv[] = {"true"};
  ctrt_exec_result *r = NULL;
  if (id && C_OK(ctrt_runtime_pause_container(RT, id))) {
    C_FAILS(CTRT_OP_EXEC, ctrt_runtime_exec(RT, &r, id, argv, 1), CTRT_ERROR_CONFLICT);
    C_OK(ctrt_runtime_unpause_container(RT, id));
  }
}

static void exec_not_found(void) {
  static const char *const argv[] = {"true"};
  ctrt_exec_result *r = NULL;
  C_FAILS(CTRT_OP_EXEC, ctrt_runtime_exec(RT, &r, conform_new_id(), argv, 1), CTRT_ERROR_NOT_FOUND);
}

static void exec_with_options(void) {
  const ctrt_container_id *id = conform_sleeper();
  if (id == NULL)
    return;
  char *command[] = {"sh", "-c", "echo $GREETING; pwd; id -u", NULL};
  char *env[] = {"GREETING=bonjour", NULL};
  ctrt_exec_options o = CTRT_EXEC_OPTIONS_INIT;
  o.command = command;
  o.n_command = 3;
  o.env = env;
  o.n_env = 1;
  o.working_dir = "/tmp";
  o.user = "nobody";
  ctrt_exec_result *r = NULL;
  if (C_OK(ctrt_runtime_exec_with_opts(RT, &r, id, &o))) {
    C_EQ_TEXT(r->stdout_, "bonjour\n/tmp\n65534\n");
    C_EQ_INT(r->exit_code, 0);
    ctrt_exec_result_free(r);
  }
}

/* Run command through exec_with_opts (working dir and user when not NULL);
 * the result is owned by the case. */
static ctrt_exec_result *exec_opts(const ctrt_container_id *id, char **command, size_t n, char **env, size_t n_env,
                                   const char *working_dir, const char *user) {
  ctrt_exec_options o = CTRT_EXEC_OPTIONS_INIT;
  o.command = command;
  o.n_command = n;
  o.env = env;
  o.n_env = n_env;
  o.working_dir = (char *)working_dir;
  o.user = (char *)user;
  ctrt_exec_result *r = NULL;
  if (!C_OK(ctrt_runtime_exec_with_opts(RT, &r, id, &o)))
    return NULL;
  conform_defer(r, free_exec_result);
  return r;
}

static void with_opts_env(void) {
  /* Several variables, a value with spaces and '=', and one that replaces
   * the container's own value; the container's others stay. */
  const ctrt_container_id *id = conform_new_id();
  static const char *const sleep_argv[] = {"sleep", "600", NULL};
  ctrt_service_spec *spec = conform_spec(sleep_argv);
  spec->env = calloc(2, sizeof *spec->env);
  spec->n_env = 2;
  spec->env[0].key = strdup("FROM_SPEC");
  spec->env[0].value = strdup("spec");
  spec->env[1].key = strdup("REPLACED");
  spec->env[1].value = strdup("old");
  if (!conform_run(id, spec, sleep_argv))
    return;
  char *command[] = {"sh", "-c", "echo \"$ONE|$TWO|$REPLACED|$FROM_SPEC\""};
  char *env[] = {"ONE=1", "TWO=two words=x", "REPLACED=new"};
  ctrt_exec_result *r = exec_opts(id, command, 3, env, 3, NULL, NULL);
  if (r) {
    C_EQ_TEXT(r->stdout_, "1|two words=x|new|spec\n");
    C_EQ_INT(r->exit_code, 0);
  }
  /* The variables were for that exec only. */
  static const char *const plain[] = {"sh", "-c", "echo \"$ONE|$REPLACED\"", NULL};
  ctrt_exec_result *again = conform_exec(id, plain);
  if (again)
    C_EQ_TEXT(again->stdout_, "|old\n");
}

static void with_opts_user_ids(void) {
  /* A numeric uid:gid needs no passwd entry. */
  const ctrt_container_id *id = conform_sleeper();
  char *command[] = {"sh", "-c", "id -u; id -g"};
  ctrt_exec_result *r = id ? exec_opts(id, command, 3, NULL, 0, NULL, "1234:5678") : NULL;
  if (r) {
    C_EQ_TEXT(r->stdout_, "1234\n5678\n");
    C_EQ_INT(r->exit_code, 0);
  }
}

static void with_opts_user_denied(void) {
  /* Another user cannot write where root alone may. */
  const ctrt_container_id *id = conform_sleeper();
  char *command[] = {"sh", "-c", "echo x > /etc/denied"};
  ctrt_exec_result *r = id ? exec_opts(id, command, 3, NULL, 0, NULL, "nobody") : NULL;
  if (r) {
    C_EQ_INT(r->exit_code, 1);
    C_CHECK(strstr(conform_text(&r->stderr_), "ermission denied"), "with a message on stderr: %s",
            conform_text(&r->stderr_));
  }
}

static void with_opts_working_dir(void) {
  /* Relative paths resolve against the working directory. */
  const ctrt_container_id *id = conform_sleeper();
  char *pwd[] = {"pwd"};
  char *cat_group[] = {"cat", "group"};
  ctrt_exec_result *r = id ? exec_opts(id, pwd, 1, NULL, 0, "/etc", NULL) : NULL;
  if (r)
    C_EQ_TEXT(r->stdout_, "/etc\n");
  r = id ? exec_opts(id, cat_group, 2, NULL, 0, "/etc", NULL) : NULL;
  if (r) {
    C_EQ_INT(r->exit_code, 0);
    C_CHECK(strncmp(conform_text(&r->stdout_), "root:", 5) == 0, "cat group read /etc/group: %s",
            conform_text(&r->stdout_));
  }
}

static void with_opts_exit_and_stderr(void) {
  const ctrt_container_id *id = conform_sleeper();
  char *command[] = {"sh", "-c", "echo to-out; echo to-err >&2; exit 42"};
  ctrt_exec_result *r = id ? exec_opts(id, command, 3, NULL, 0, NULL, NULL) : NULL;
  if (r) {
    C_EQ_INT(r->exit_code, 42);
    C_EQ_TEXT(r->stdout_, "to-out\n");
    C_EQ_TEXT(r->stderr_, "to-err\n");
  }
}

static void with_opts_not_running(void) {
  const ctrt_container_id *id = conform_new_id();
  static const char *const sleep_argv[] = {"sleep", "600", NULL};
  char *command[] = {"true"};
  ctrt_exec_options o = CTRT_EXEC_OPTIONS_INIT;
  o.command = command;
  o.n_command = 1;
  ctrt_exec_result *r = NULL;
  if (conform_create(id, NULL, sleep_argv))
    C_FAILS(CTRT_OP_EXEC_WITH_OPTS, ctrt_runtime_exec_with_opts(RT, &r, id, &o), CTRT_ERROR_CONFLICT);
  C_FAILS(CTRT_OP_EXEC_WITH_OPTS, ctrt_runtime_exec_with_opts(RT, &r, conform_new_id(), &o), CTRT_ERROR_NOT_FOUND);
}

static void exec_exit_codes(void) {
  const ctrt_container_id *id = conform_sleeper();
  static const int codes[] = {0, 1, 3, 127, 255};
  for (size_t i = 0; id && i < sizeof codes / sizeof codes[0]; i++) {
    char text[32];
    snprintf(text, sizeof text, "exit %d", codes[i]);
    const char *argv[] = {"sh", "-c", text, NULL};
    ctrt_exec_result *r = conform_exec(id, argv);
    if (r)
      C_CHECK(r->exit_code == codes[i], "sh -c '%s' gives %d (got %d)", text, codes[i], r->exit_code);
  }
  static const char *const f[] = {"false", NULL};
  ctrt_exec_result *r = id ? conform_exec(id, f) : NULL;
  if (r)
    C_EQ_INT(r->exit_code, 1);
}

static void exec_env_of_container(void) {
  /* exec sees the environment the container was created with. */
  const ctrt_container_id *id = conform_new_id();
  static const char *const sleep_argv[] = {"sleep", "600", NULL};
  ctrt_service_spec *spec = conform_spec(sleep_argv);
  spec->env = calloc(1, sizeof *spec->env);
  spec->n_env = 1;
  spec->env[0].key = strdup("GREETING");
  spec->env[0].value = strdup("hello there");
  static const char *const argv[] = {"sh", "-c", "echo \"$GREETING\"", NULL};
  ctrt_exec_result *r = conform_run(id, spec, sleep_argv) ? conform_exec(id, argv) : NULL;
  if (r) {
    C_EQ_TEXT(r->stdout_, "hello there\n");
    C_EQ_INT(r->exit_code, 0);
  }
}

static void exec_no_stdin(void) {
  /* exec attaches no stdin: a reader sees end of input at once. */
  const ctrt_container_id *id = conform_sleeper();
  static const char *const argv[] = {"sh", "-c", "cat; echo end $?", NULL};
  ctrt_exec_result *r = id ? conform_exec(id, argv) : NULL;
  if (r) {
    C_EQ_TEXT(r->stdout_, "end 0\n");
    C_EQ_INT(r->exit_code, 0);
  }
}

static void exec_large_output(void) {
  /* 100000 lines (588895 bytes) on stdout and a line on stderr. */
  const ctrt_container_id *id = conform_sleeper();
  static const char *const argv[] = {"sh", "-c", "seq 1 100000; echo done >&2", NULL};
  ctrt_exec_result *r = id ? conform_exec(id, argv) : NULL;
  if (r) {
    const char *out = conform_text(&r->stdout_);
    C_EQ_INT(r->stdout_.len, 588895);
    C_CHECK(strlen(out) == r->stdout_.len && strncmp(out, "1\n2\n", 4) == 0 &&
                strcmp(out + strlen(out) - 7, "100000\n") == 0,
            "stdout starts with 1 and ends with 100000");
    C_EQ_TEXT(r->stderr_, "done\n");
  }
}

/* ---- exec_stream ---- */

typedef struct collected {
  char out[4096], err[4096]; /* the bytes, with a NUL after (cut at 4095) */
  size_t out_len, err_len;
  int exits;
  int32_t code;
  bool exit_last;
  size_t events;
} collected;

static void append_bytes(char *buf, size_t cap, size_t *len, const ctrt_bytes *b) {
  size_t take = b->len < cap - 1 - *len ? b->len : cap - 1 - *len;
  if (take > 0)
    memcpy(buf + *len, b->data, take);
  *len += take;
  buf[*len] = 0;
}

static bool collect_events(ctrt_exec_event_stream *s, collected *c) {
  memset(c, 0, sizeof *c);
  for (;;) {
    ctrt_exec_event *ev = NULL;
    int rc = ctrt_exec_event_stream_next(&ev, s);
    if (rc == CTRT_ITEROVER)
      return true;
    if (!C_OK(rc))
      return false;
    c->events++;
    c->exit_last = ev->kind == CTRT_EXEC_EVENT_EXIT;
    if (ev->kind == CTRT_EXEC_EVENT_STDOUT) {
      C_CHECK(ev->stdout_.len > 0, "an output event is never empty");
      append_bytes(c->out, sizeof c->out, &c->out_len, &ev->stdout_);
    } else if (ev->kind == CTRT_EXEC_EVENT_STDERR) {
      C_CHECK(ev->stderr_.len > 0, "an output event is never empty");
      append_bytes(c->err, sizeof c->err, &c->err_len, &ev->stderr_);
    } else if (ev->kind == CTRT_EXEC_EVENT_EXIT) {
      c->exits++;
      c->code = ev->exit;
    }
    ctrt_exec_event_free(ev);
  }
}

static void stream_events(void) {
  const ctrt_container_id *id = conform_sleeper();
  static const char *const argv[] = {"sh", "-c", "echo a; echo b >&2; exit 2"};
  ctrt_exec_event_stream *s = NULL;
  collected c;
  if (!id || !C_OK(ctrt_runtime_exec_stream(RT, &s, id, argv, 3)))
    return;
  if (collect_events(s, &c)) {
    C_EQ_STR(c.out, "a\n");
    C_EQ_STR(c.err, "b\n");
    C_EQ_INT(c.exits, 1);
    C_TRUE(c.exit_last);
    C_EQ_INT(c.code, 2);
  }
  ctrt_exec_event_stream_close(s);
}

static void stream_binary_output(void) {
  const ctrt_container_id *id = conform_sleeper();
  static const char *const argv[] = {"sh", "-c", BINARY_SCRIPT};
  ctrt_exec_event_stream *s = NULL;
  collected c;
  if (!id || !C_OK(ctrt_runtime_exec_stream(RT, &s, id, argv, 3)))
    return;
  if (collect_events(s, &c)) {
    C_CHECK(c.out_len == sizeof binary_out - 1 && memcmp(c.out, binary_out, c.out_len) == 0,
            "stdout events carry the %zu bytes with their NUL (got %zu bytes)", sizeof binary_out - 1, c.out_len);
    C_CHECK(c.err_len == sizeof binary_err - 1 && memcmp(c.err, binary_err, c.err_len) == 0,
            "stderr events carry the %zu bytes with their NULs (got %zu bytes)", sizeof binary_err - 1, c.err_len);
    C_EQ_INT(c.exits, 1);
    C_TRUE(c.exit_last);
  }
  ctrt_exec_event_stream_close(s);
}

static void stream_empty_output(void) {
  /* No output: no output event at all (an event is never empty), one exit. */
  const ctrt_container_id *id = conform_sleeper();
  static const char *const argv[] = {"true"};
  ctrt_exec_event_stream *s = NULL;
  collected c;
  if (!id || !C_OK(ctrt_runtime_exec_stream(RT, &s, id, argv, 1)))
    return;
  if (collect_events(s, &c)) {
    C_EQ_INT(c.events, 1);
    C_EQ_INT(c.exits, 1);
    C_EQ_INT(c.code, 0);
  }
  ctrt_exec_event_stream_close(s);
}

static void stream_no_trailing_newline(void) {
  const ctrt_container_id *id = conform_sleeper();
  static const char *const argv[] = {"printf", "partial"};
  ctrt_exec_event_stream *s = NULL;
  collected c;
  if (!id || !C_OK(ctrt_runtime_exec_stream(RT, &s, id, argv, 2)))
    return;
  if (collect_events(s, &c)) {
    C_EQ_STR(c.out, "partial");
    C_EQ_INT(c.exits, 1);
  }
  ctrt_exec_event_stream_close(s);
}

/* sh -c: print first, wait for /tmp/go, print second. */
#define AFTER_GO(first, second) "echo " first "; " CONFORM_WAIT_GO "echo " second

static void stream_incremental(void) {
  /* Output arrives as it is produced, not when the command ends: the
   * command cannot end before we let it. */
  const ctrt_container_id *id = conform_sleeper();
  static const char *const argv[] = {"sh", "-c", AFTER_GO("first", "second")};
  ctrt_exec_event_stream *s = NULL;
  if (!id || !C_OK(ctrt_runtime_exec_stream(RT, &s, id, argv, 3)))
    return;
  ctrt_exec_event *ev = NULL;
  if (C_OK(ctrt_exec_event_stream_next(&ev, s))) {
    C_CHECK(ev->kind == CTRT_EXEC_EVENT_STDOUT && ev->stdout_.len == 6 && memcmp(ev->stdout_.data, "first\n", 6) == 0,
            "the first line came while the command still waited");
    ctrt_exec_event_free(ev);
    collected c;
    if (conform_release(id, "/tmp/go") && collect_events(s, &c)) {
      C_EQ_STR(c.out, "second\n");
      C_EQ_INT(c.exits, 1);
      C_EQ_INT(c.code, 0);
    }
  }
  ctrt_exec_event_stream_close(s);
}

static void stream_cancel_half_way(void) {
  const ctrt_container_id *id = conform_sleeper();
  static const char *const argv[] = {"sh", "-c", "while true; do echo tick; sleep 0.1; done"};
  ctrt_exec_event_stream *s = NULL;
  if (!id || !C_OK(ctrt_runtime_exec_stream(RT, &s, id, argv, 3)))
    return;
  for (int i = 0; i < 3; i++) {
    ctrt_exec_event *ev = NULL;
    if (!C_OK(ctrt_exec_event_stream_next(&ev, s)))
      break;
    ctrt_exec_event_free(ev);
  }
  ctrt_exec_event_stream_cancel(s);
  ctrt_exec_event *ev = NULL;
  C_FAILS(CTRT_OP_EXEC_STREAM, ctrt_exec_event_stream_next(&ev, s), CTRT_ERROR_CANCELLED);
  ctrt_exec_event_stream_close(s);
  /* The runtime is still usable. */
  static const char *const echo[] = {"echo", "ok", NULL};
  ctrt_exec_result *r = conform_exec(id, echo);
  if (r)
    C_EQ_TEXT(r->stdout_, "ok\n");
}

/* ---- exec_pty ---- */

static ctrt_exec_handle *open_session(const ctrt_container_id *id, char **command, size_t n, bool tty, bool in,
                                      bool out) {
  ctrt_exec_options o = CTRT_EXEC_OPTIONS_INIT;
  o.command = command;
  o.n_command = n;
  o.tty = tty;
  o.attach_stdin = in;
  o.attach_stdout = out;
  o.attach_stderr = out;
  ctrt_exec_handle *h = NULL;
  return C_OK(ctrt_runtime_exec_pty(RT, &h, id, &o)) ? h : NULL;
}

/* Read until end of output; returns the bytes of channel ch (or all when
 * ch is 0). */
static size_t read_all(ctrt_exec_handle *h, ctrt_log_channel ch, char *buf, size_t cap) {
  size_t used = 0;
  char chunk[1024];
  for (;;) {
    ctrt_log_channel got;
    size_t n = 0;
    int rc = ctrt_exec_handle_read(h, &got, chunk, sizeof chunk, &n);
    if (rc == CTRT_ITEROVER || !C_OK(rc))
      break;
    if (ch != 0 && got != ch)
      continue;
    size_t take = n < cap - 1 - used ? n : cap - 1 - used;
    memcpy(buf + used, chunk, take);
    used += take;
  }
  buf[used] = '\0';
  return used;
}

static void pty_cat_half_close(void) {
  /* Half-closing stdin ends a `cat` session. */
  const ctrt_container_id *id = conform_sleeper();
  char *command[] = {"cat", NULL};
  ctrt_exec_handle *h = id ? open_session(id, command, 1, false, true, true) : NULL;
  if (h == NULL)
    return;
  char buf[256];
  int32_t code = -1;
  if (C_OK(ctrt_exec_handle_write(h, "hello\nworld", 11)) && C_OK(ctrt_exec_handle_close_stdin(h))) {
    read_all(h, CTRT_LOG_CHANNEL_STDOUT, buf, sizeof buf);
    C_EQ_STR(buf, "hello\nworld");
    if (C_OK(ctrt_exec_handle_wait(h, &code)))
      C_EQ_INT(code, 0);
  }
  ctrt_exec_handle_free(h);
}

static void pty_no_streams(void) {
  /* An exec with nothing attached still runs and reports its exit code. */
  const ctrt_container_id *id = conform_sleeper();
  char *command[] = {"sh", "-c", "echo ignored; exit 4", NULL};
  ctrt_exec_handle *h = id ? open_session(id, command, 3, false, false, false) : NULL;
  if (h == NULL)
    return;
  int32_t code = -1;
  char buf[64];
  read_all(h, 0, buf, sizeof buf);
  C_EQ_STR(buf, "");
  if (C_OK(ctrt_exec_handle_wait(h, &code)))
    C_EQ_INT(code, 4);
  ctrt_exec_handle_free(h);
}

static void pty_channels(void) {
  const ctrt_container_id *id = conform_sleeper();
  char *command[] = {"sh", "-c", "echo out; echo err >&2", NULL};
  ctrt_exec_handle *h = id ? open_session(id, command, 3, false, false, true) : NULL;
  if (h == NULL)
    return;
  char out[64] = "", err[64] = "";
  size_t n_out = 0, n_err = 0;
  for (;;) {
    char chunk[64];
    ctrt_log_channel ch;
    size_t n = 0;
    int rc = ctrt_exec_handle_read(h, &ch, chunk, sizeof chunk, &n);
    if (rc == CTRT_ITEROVER || !C_OK(rc))
      break;
    if (ch == CTRT_LOG_CHANNEL_STDERR && n_err + n < sizeof err) {
      memcpy(err + n_err, chunk, n);
      n_err += n;
    } else if (ch == CTRT_LOG_CHANNEL_STDOUT && n_out + n < sizeof out) {
      memcpy(out + n_out, chunk, n);
      n_out += n;
    }
  }
  out[n_out] = err[n_err] = '\0';
  C_EQ_STR(out, "out\n");
  C_EQ_STR(err, "err\n");
  ctrt_exec_handle_free(h);
}

static void pty_tty(void) {
  /* A terminal translates newlines and merges stderr into stdout. The
   * resize comes while the process surely runs (it waits for /tmp/go): a
   * resize after the process ended may be refused (podman 4.3.1: 500,
   * "failed to write to ctl file to resize terminal: broken pipe"). */
  const ctrt_container_id *id = conform_sleeper();
  char *command[] = {"sh", "-c", CONFORM_WAIT_GO "echo one; echo two >&2", NULL};
  ctrt_exec_handle *h = id ? open_session(id, command, 3, true, false, true) : NULL;
  if (h == NULL)
    return;
  C_OK(ctrt_exec_handle_resize(h, 40, 120));
  if (!conform_release(id, "/tmp/go")) {
    ctrt_exec_handle_free(h);
    return;
  }
  char buf[256];
  read_all(h, 0, buf, sizeof buf);
  C_EQ_STR(buf, "one\r\ntwo\r\n");
  int32_t code = -1;
  if (C_OK(ctrt_exec_handle_wait(h, &code)))
    C_EQ_INT(code, 0);
  ctrt_exec_handle_free(h);
}

static void pty_fd_polls(void) {
  const ctrt_container_id *id = conform_sleeper();
  char *command[] = {"sh", "-c", CONFORM_WAIT_GO "echo ready", NULL};
  ctrt_exec_handle *h = id ? open_session(id, command, 3, false, false, true) : NULL;
  if (h == NULL)
    return;
  int fd = ctrt_exec_handle_fd(h);
  if (C_CHECK(fd >= 0, "the session has a descriptor for poll()")) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (conform_release(id, "/tmp/go"))
      C_CHECK(poll(&p, 1, 120000) == 1 && (p.revents & POLLIN), "the descriptor becomes readable");
    char buf[64];
    read_all(h, CTRT_LOG_CHANNEL_STDOUT, buf, sizeof buf);
    C_EQ_STR(buf, "ready\n");
  }
  ctrt_exec_handle_free(h);
}

static void pty_wait_then_read(void) {
  /* The exit code can be awaited first; the output stays readable. */
  const ctrt_container_id *id = conform_sleeper();
  char *command[] = {"printf", "kept", NULL};
  ctrt_exec_handle *h = id ? open_session(id, command, 2, false, false, true) : NULL;
  if (h == NULL)
    return;
  int32_t code = -1;
  if (C_OK(ctrt_exec_handle_wait(h, &code)))
    C_EQ_INT(code, 0);
  char buf[64];
  read_all(h, CTRT_LOG_CHANNEL_STDOUT, buf, sizeof buf);
  C_EQ_STR(buf, "kept");
  ctrt_exec_handle_free(h);
}

static void stream_not_running(void) {
  const ctrt_container_id *id = conform_new_id();
  static const char *const sleep_argv[] = {"sleep", "600", NULL};
  static const char *const argv[] = {"true"};
  ctrt_exec_event_stream *s = NULL;
  if (conform_create(id, NULL, sleep_argv))
    C_FAILS(CTRT_OP_EXEC_STREAM, ctrt_runtime_exec_stream(RT, &s, id, argv, 1), CTRT_ERROR_CONFLICT);
  C_FAILS(CTRT_OP_EXEC_STREAM, ctrt_runtime_exec_stream(RT, &s, conform_new_id(), argv, 1), CTRT_ERROR_NOT_FOUND);
}

static void pty_not_running(void) {
  const ctrt_container_id *id = conform_new_id();
  static const char *const sleep_argv[] = {"sleep", "600", NULL};
  char *command[] = {"true"};
  ctrt_exec_options o = CTRT_EXEC_OPTIONS_INIT;
  o.command = command;
  o.n_command = 1;
  ctrt_exec_handle *h = NULL;
  if (conform_create(id, NULL, sleep_argv))
    C_FAILS(CTRT_OP_EXEC_PTY, ctrt_runtime_exec_pty(RT, &h, id, &o), CTRT_ERROR_CONFLICT);
  C_FAILS(CTRT_OP_EXEC_PTY, ctrt_runtime_exec_pty(RT, &h, conform_new_id(), &o), CTRT_ERROR_NOT_FOUND);
}

static void pty_env_user_workdir(void) {
  /* A session honours the options exec_with_opts does. */
  const ctrt_container_id *id = conform_sleeper();
  if (id == NULL)
    return;
  char *command[] = {"sh", "-c", "echo \"$MOOD\"; pwd; id -u"};
  char *env[] = {"MOOD=calm"};
  ctrt_exec_options o = CTRT_EXEC_OPTIONS_INIT;
  o.command = command;
  o.n_command = 3;
  o.env = env;
  o.n_env = 1;
  o.working_dir = "/tmp";
  o.user = "nobody";
  ctrt_exec_handle *h = NULL;
  if (!C_OK(ctrt_runtime_exec_pty(RT, &h, id, &o)))
    return;
  char buf[256];
  read_all(h, CTRT_LOG_CHANNEL_STDOUT, buf, sizeof buf);
  C_EQ_STR(buf, "calm\n/tmp\n65534\n");
  int32_t code = -1;
  if (C_OK(ctrt_exec_handle_wait(h, &code)))
    C_EQ_INT(code, 0);
  ctrt_exec_handle_free(h);
}

/* ---- the main process's stdin ---- */

/* The exit status says whether the process read exactly the bytes
 * written, apart from the log, so that an engine losing the output at
 * the exit (containerd, expectations.json) is told from stdin not
 * arriving. */
static void stdin_reaches_main_process(void) {
  const ctrt_container_id *id = conform_new_id();
  static const char *const argv[] = {
      "sh", "-c", "in=$(cat); printf '%s\\n' \"$in\"; [ \"$in\" = \"$(printf 'line one\\nline two')\" ]", NULL};
  ctrt_service_spec *spec = conform_spec(argv);
  spec->stdin_open = true;
  int32_t code = -1;
  if (!conform_run(id, spec, argv) || !C_OK(ctrt_runtime_write_stdin(RT, id, "line one\nline two\n", 18)) ||
      !C_OK(ctrt_runtime_close_stdin(RT, id)) || !conform_wait(id, &code))
    return;
  C_EQ_INT(code, 0);
  ctrt_log_entry_list *logs = NULL;
  if (C_OK(ctrt_runtime_get_logs(RT, &logs, id, CONFORM_ALL_LOGS))) {
    /* The first line is shown so that a failure tells stdin arriving
     * empty ("") from a partial read. */
    C_CHECK(logs->n_items == 2 && strcmp(logs->items[0].message, "line one") == 0 &&
                strcmp(logs->items[1].message, "line two") == 0,
            "the process echoed both lines it read to the log (%zu lines), the first \"%.40s\"", logs->n_items,
            logs->n_items ? logs->items[0].message : "");
    ctrt_log_entry_list_free(logs);
  }
}

static void stdin_not_open(void) {
  const ctrt_container_id *id = conform_sleeper();
  if (id)
    C_FAILS(CTRT_OP_WRITE_STDIN, ctrt_runtime_write_stdin(RT, id, "x", 1), CTRT_ERROR_CONFLICT);
}

static void stdin_missing_container(void) {
  C_FAILS(CTRT_OP_CLOSE_STDIN, ctrt_runtime_close_stdin(RT, conform_new_id()), CTRT_ERROR_NOT_FOUND);
}

/* ---- several threads on one runtime ---- */

typedef struct exec_job {
  const ctrt_container_id *id;
  int n;
  bool ok;
} exec_job;

static void *exec_worker(void *arg) {
  exec_job *job = arg;
  char text[16];
  snprintf(text, sizeof text, "%d", job->n);
  const char *argv[] = {"echo", text};
  job->ok = true;
  for (int i = 0; i < 5; i++) {
    ctrt_exec_result *r = NULL;
    if (ctrt_runtime_exec(conform_rt(), &r, job->id, argv, 2) != 0) {
      job->ok = false;
      return NULL;
    }
    char want[20];
    snprintf(want, sizeof want, "%d\n", job->n);
    job->ok = job->ok && r->exit_code == 0 && r->stdout_.len == strlen(want) &&
              memcmp(r->stdout_.data, want, r->stdout_.len) == 0;
    ctrt_exec_result_free(r);
  }
  return NULL;
}

static void concurrent_execs(void) {
  const ctrt_container_id *id = conform_sleeper();
  if (id == NULL)
    return;
  exec_job jobs[8];
  pthread_t threads[8];
  for (int i = 0; i < 8; i++) {
    jobs[i] = (exec_job){id, i, false};
    pthread_create(&threads[i], NULL, exec_worker, &jobs[i]);
  }
  for (int i = 0; i < 8; i++) {
    pthread_join(threads[i], NULL);
    C_CHECK(jobs[i].ok, "thread %d got its own output five times", i);
  }
}

#define RUNNING CTRT_OP_CREATE_CONTAINER, CTRT_OP_START_CONTAINER

static const conform_case cases[] = {
    CONFORM_CASE("exec.stdout", exec_stdout, "exec collects stdout and the exit code.", TESTS(CTRT_OP_EXEC),
                 USES(RUNNING)),
    CONFORM_CASE("exec.stderr_separate", exec_stderr_separate, "stdout and stderr stay apart; exit 4.",
                 TESTS(CTRT_OP_EXEC), USES(RUNNING)),
    CONFORM_CASE("exec.no_trailing_newline", exec_no_trailing_newline, "Output without a final newline is kept as is.",
                 TESTS(CTRT_OP_EXEC), USES(RUNNING)),
    CONFORM_CASE("exec.binary_output", exec_binary_output,
                 "Output is bytes: NUL and non-UTF-8 bytes survive, on stdout and stderr.", TESTS(CTRT_OP_EXEC),
                 USES(RUNNING)),
    CONFORM_CASE("exec.empty_output", exec_empty_output,
                 "No output is empty bytes, data \"\" and len 0 (never NULL), on every backend.", TESTS(CTRT_OP_EXEC),
                 USES(RUNNING)),
    CONFORM_CASE("exec.with_opts_binary_output", exec_with_opts_binary_output,
                 "exec_with_opts keeps NUL and non-UTF-8 bytes too.", TESTS(CTRT_OP_EXEC_WITH_OPTS), USES(RUNNING)),
    CONFORM_CASE("exec.missing_binary", exec_missing_binary, "A command that cannot start exits 126.",
                 TESTS(CTRT_OP_EXEC), USES(RUNNING)),
    CONFORM_CASE("exec.unknown_command_in_shell", exec_unknown_command_in_shell,
                 "sh -c with an unknown command exits 127 with a message.", TESTS(CTRT_OP_EXEC), USES(RUNNING)),
    CONFORM_CASE("exec.exit_codes", exec_exit_codes, "Exit codes 0, 1, 3, 127 and 255 come back as they are.",
                 TESTS(CTRT_OP_EXEC), USES(RUNNING)),
    CONFORM_CASE("exec.env_of_container", exec_env_of_container,
                 "exec sees the environment the container was created with.", TESTS(CTRT_OP_EXEC), USES(RUNNING)),
    CONFORM_CASE("exec.no_stdin", exec_no_stdin, "exec attaches no stdin: a reader sees end of input.",
                 TESTS(CTRT_OP_EXEC), USES(RUNNING)),
    CONFORM_CASE("exec.large_output", exec_large_output, "Half a megabyte of stdout is collected whole.",
                 TESTS(CTRT_OP_EXEC), USES(RUNNING)),
    CONFORM_CASE("exec.not_running", exec_not_running, "exec into a created container: conflict.", TESTS(CTRT_OP_EXEC),
                 USES(CTRT_OP_CREATE_CONTAINER)),
    CONFORM_CASE("exec.paused", exec_paused, "exec into a paused container: conflict.", TESTS(CTRT_OP_EXEC),
                 USES(RUNNING, CTRT_OP_PAUSE_CONTAINER, CTRT_OP_UNPAUSE_CONTAINER)),
    CONFORM_CASE("exec.not_found", exec_not_found, "exec into an unknown container: not found.", TESTS(CTRT_OP_EXEC)),
    CONFORM_CASE("exec.with_options", exec_with_options, "exec_with_opts honours env, working dir and user.",
                 TESTS(CTRT_OP_EXEC_WITH_OPTS), USES(RUNNING)),
    CONFORM_CASE("exec.with_opts_env", with_opts_env,
                 "exec_with_opts env adds and overrides variables for that exec only.", TESTS(CTRT_OP_EXEC_WITH_OPTS),
                 USES(RUNNING, CTRT_OP_EXEC)),
    CONFORM_CASE("exec.with_opts_user_ids", with_opts_user_ids, "exec_with_opts as a numeric uid:gid.",
                 TESTS(CTRT_OP_EXEC_WITH_OPTS), USES(RUNNING)),
    CONFORM_CASE("exec.with_opts_user_denied", with_opts_user_denied,
                 "exec_with_opts as nobody has nobody's permissions.", TESTS(CTRT_OP_EXEC_WITH_OPTS), USES(RUNNING)),
    CONFORM_CASE("exec.with_opts_working_dir", with_opts_working_dir,
                 "exec_with_opts resolves relative paths in the working directory.", TESTS(CTRT_OP_EXEC_WITH_OPTS),
                 USES(RUNNING)),
    CONFORM_CASE("exec.with_opts_exit_and_stderr", with_opts_exit_and_stderr,
                 "exec_with_opts reports the exit code and keeps stderr apart.", TESTS(CTRT_OP_EXEC_WITH_OPTS),
                 USES(RUNNING)),
    CONFORM_CASE("exec.with_opts_not_running", with_opts_not_running,
                 "exec_with_opts into a created container: conflict; an unknown one: not found.",
                 TESTS(CTRT_OP_EXEC_WITH_OPTS), USES(CTRT_OP_CREATE_CONTAINER)),
    CONFORM_CASE("exec.stream_events", stream_events, "exec_stream: stdout, stderr, then exactly one exit, last.",
                 TESTS(CTRT_OP_EXEC_STREAM), USES(RUNNING)),
    CONFORM_CASE("exec.stream_binary_output", stream_binary_output,
                 "exec_stream events carry NUL and non-UTF-8 bytes as written.", TESTS(CTRT_OP_EXEC_STREAM),
                 USES(RUNNING)),
    CONFORM_CASE("exec.stream_empty_output", stream_empty_output,
                 "exec_stream of a silent command: no output event, one exit.", TESTS(CTRT_OP_EXEC_STREAM),
                 USES(RUNNING)),
    CONFORM_CASE("exec.stream_no_trailing_newline", stream_no_trailing_newline,
                 "exec_stream delivers output without a final newline.", TESTS(CTRT_OP_EXEC_STREAM), USES(RUNNING)),
    CONFORM_CASE("exec.stream_incremental", stream_incremental,
                 "exec_stream delivers output while the command still runs.", TESTS(CTRT_OP_EXEC_STREAM),
                 USES(RUNNING, CTRT_OP_EXEC)),
    CONFORM_CASE("exec.stream_cancel_half_way", stream_cancel_half_way,
                 "Cancelling an endless exec stream; the runtime stays usable.", TESTS(CTRT_OP_EXEC_STREAM),
                 USES(RUNNING, CTRT_OP_EXEC)),
    CONFORM_CASE("exec.stream_not_running", stream_not_running,
                 "exec_stream into a created container: conflict; an unknown one: not found.",
                 TESTS(CTRT_OP_EXEC_STREAM), USES(CTRT_OP_CREATE_CONTAINER)),
    CONFORM_CASE("exec.pty_cat_half_close", pty_cat_half_close, "Half-closing stdin ends a cat session (exit 0).",
                 TESTS(CTRT_OP_EXEC_PTY), USES(RUNNING)),
    CONFORM_CASE("exec.pty_no_streams", pty_no_streams, "A session with nothing attached still gives its exit code.",
                 TESTS(CTRT_OP_EXEC_PTY), USES(RUNNING)),
    CONFORM_CASE("exec.pty_channels", pty_channels, "A non-TTY session keeps stdout and stderr apart.",
                 TESTS(CTRT_OP_EXEC_PTY), USES(RUNNING)),
    CONFORM_CASE("exec.pty_tty", pty_tty, "A TTY session: CRLF output, stderr merged, resize works.",
                 TESTS(CTRT_OP_EXEC_PTY), USES(RUNNING, CTRT_OP_EXEC)),
    CONFORM_CASE("exec.pty_fd_polls", pty_fd_polls, "The session descriptor polls readable when output arrives.",
                 TESTS(CTRT_OP_EXEC_PTY), USES(RUNNING, CTRT_OP_EXEC)),
    CONFORM_CASE("exec.pty_wait_then_read", pty_wait_then_read, "Waiting first keeps the output readable.",
                 TESTS(CTRT_OP_EXEC_PTY), USES(RUNNING)),
    CONFORM_CASE("exec.pty_env_user_workdir", pty_env_user_workdir, "A session honours env, working dir and user.",
                 TESTS(CTRT_OP_EXEC_PTY), USES(RUNNING)),
    CONFORM_CASE("exec.pty_not_running", pty_not_running,
                 "exec_pty into a created container: conflict; an unknown one: not found.", TESTS(CTRT_OP_EXEC_PTY),
                 USES(CTRT_OP_CREATE_CONTAINER)),
    CONFORM_CASE("exec.stdin_reaches_main_process", stdin_reaches_main_process,
                 "write_stdin feeds the main process; close_stdin ends its input.",
                 TESTS(CTRT_OP_WRITE_STDIN, CTRT_OP_CLOSE_STDIN),
                 USES(RUNNING, CTRT_OP_WAIT_CONTAINER, CTRT_OP_GET_LOGS)),
    CONFORM_CASE("exec.stdin_not_open", stdin_not_open, "A container created without stdin_open: conflict.",
                 TESTS(CTRT_OP_WRITE_STDIN), USES(RUNNING)),
    CONFORM_CASE("exec.stdin_missing_container", stdin_missing_container, "close_stdin of an unknown container.",
                 TESTS(CTRT_OP_CLOSE_STDIN)),
    CONFORM_CASE("exec.concurrent_execs", concurrent_execs, "Eight threads exec into one container at once.",
                 TESTS(CTRT_OP_EXEC), USES(RUNNING)),
};

const conform_area conform_area_exec = CONFORM_AREA("exec", cases);
