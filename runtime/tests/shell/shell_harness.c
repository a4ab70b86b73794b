/* SPDX-License-Identifier: MIT */
/* The interpreter's test harness (see shell_harness.h). */
#include "shell_harness.h"

#include "gen_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The test image: the passwd and group files busybox images ship. */
static const char passwd_text[] = "root:x:0:0:root:/root:/bin/sh\n"
                                  "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                                  "bin:x:2:2:bin:/bin:/bin/false\n"
                                  "sys:x:3:3:sys:/dev:/bin/false\n"
                                  "sync:x:4:100:sync:/bin:/bin/sync\n"
                                  "mail:x:8:8:mail:/var/spool/mail:/bin/false\n"
                                  "www-data:x:33:33:www-data:/var/www:/bin/false\n"
                                  "operator:x:37:37:Operator:/var:/bin/false\n"
                                  "nobody:x:65534:65534:nobody:/home:/bin/false\n";
static const char group_text[] = "root:x:0:\n"
                                 "daemon:x:1:\n"
                                 "bin:x:2:\n"
                                 "sys:x:3:\n"
                                 "adm:x:4:\n"
                                 "tty:x:5:\n"
                                 "disk:x:6:\n"
                                 "wheel:x:10:root\n"
                                 "mail:x:8:\n"
                                 "www-data:x:33:\n"
                                 "operator:x:37:\n"
                                 "users:x:100:\n"
                                 "nogroup:x:65534:\n";

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void deadline_ts(struct timespec *ts, uint64_t ms) {
  clock_gettime(CLOCK_REALTIME, ts);
  ts->tv_sec += (time_t)(ms / 1000);
  ts->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000L;
  }
}

/* ---- callbacks ---- */

static int cb_read_stdin(void *ctx, void *buf, size_t cap, size_t *n_read) {
  shh *h = ctx;
  *n_read = 0;
  pthread_mutex_lock(&h->lock);
  bool counted = false;
  for (;;) {
    if (h->n_signals > 0) {
      if (counted)
        h->waits--;
      pthread_mutex_unlock(&h->lock);
      return ctrt__error_cancelled("read interrupted by a signal");
    }
    if (h->in_pos < h->in_len) {
      size_t n = h->in_len - h->in_pos < cap ? h->in_len - h->in_pos : cap;
      memcpy(buf, h->in + h->in_pos, n);
      h->in_pos += n;
      *n_read = n;
      if (counted)
        h->waits--;
      pthread_mutex_unlock(&h->lock);
      return 0;
    }
    if (h->in_closed) {
      if (counted)
        h->waits--;
      pthread_mutex_unlock(&h->lock);
      return CTRT_ITEROVER;
    }
    if (!counted) {
      counted = true;
      h->waits++;
      h->blocks++;
      pthread_cond_broadcast(&h->cond);
    }
    pthread_cond_wait(&h->cond, &h->lock);
  }
}

static int cb_write(void *ctx, ctrt_log_channel channel, const void *data, size_t len) {
  shh *h = ctx;
  int idx = channel == CTRT_LOG_CHANNEL_STDERR ? 2 : 1;
  pthread_mutex_lock(&h->lock);
  if (h->fail_writes) {
    pthread_mutex_unlock(&h->lock);
    return ctrt__error_cancelled("reader gone");
  }
  char *grown = realloc(h->out[idx], h->out_len[idx] + len + 1);
  if (grown == NULL) {
    pthread_mutex_unlock(&h->lock);
    return ctrt__error_no_memory();
  }
  h->out[idx] = grown;
  memcpy(grown + h->out_len[idx], data, len);
  h->out_len[idx] += len;
  grown[h->out_len[idx]] = '\0';
  h->writes[idx]++;
  pthread_mutex_unlock(&h->lock);
  return 0;
}

static int cb_sleep_ms(void *ctx, uint64_t ms) {
  shh *h = ctx;
  pthread_mutex_lock(&h->lock);
  h->slept_ms += ms;
  h->sleeps++;
  h->waits++;
  h->blocks++;
  pthread_cond_broadcast(&h->cond);
  uint64_t end = now_ms() + ms;
  int sig = 0;
  for (;;) {
    if (h->n_signals > 0) {
      sig = h->signals[0];
      break;
    }
    uint64_t now = now_ms();
    if (now >= end)
      break;
    struct timespec ts;
    deadline_ts(&ts, end - now);
    pthread_cond_timedwait(&h->cond, &h->lock, &ts);
  }
  h->waits--;
  pthread_mutex_unlock(&h->lock);
  return sig;
}

static int cb_next_signal(void *ctx) {
  shh *h = ctx;
  pthread_mutex_lock(&h->lock);
  int sig = 0;
  if (h->n_signals > 0) {
    sig = h->signals[0];
    memmove(h->signals, h->signals + 1, (h->n_signals - 1) * sizeof h->signals[0]);
    h->n_signals--;
  }
  pthread_mutex_unlock(&h->lock);
  return sig;
}

static int cb_signal_pid(void *ctx, int pid, int sig) {
  shh *h = ctx;
  pthread_mutex_lock(&h->lock);
  if (h->n_kills < sizeof h->kills / sizeof h->kills[0])
    h->kills[h->n_kills++] = (shh_kill){pid, sig};
  bool known = pid == h->proc.pid;
  for (size_t i = 0; i < h->n_other_pids; i++)
    known |= h->other_pids[i] == pid;
  if (pid == h->proc.pid && sig != 0 && h->n_signals < sizeof h->signals / sizeof h->signals[0]) {
    h->signals[h->n_signals++] = sig;
    pthread_cond_broadcast(&h->cond);
  }
  pthread_mutex_unlock(&h->lock);
  return known ? 0 : ctrt__error_not_found("process", "no such process");
}

/* ---- setup ---- */

static void must(int rc, const char *what) {
  if (rc < 0) {
    fprintf(stderr, "harness: %s failed: %s\n", what, ctrt_error_last()->message);
    abort();
  }
}

static void seed(shh *h) {
  memfs *fs = h->fs;
  const ctrt_timestamp t = {1700000000, 0};
  must(memfs_mkdir(fs, "/bin", 0755, 0, 0, false), "mkdir /bin");
  must(memfs_mkdir(fs, "/etc", 0755, 0, 0, false), "mkdir /etc");
  must(memfs_mkdir(fs, "/tmp", 01777, 0, 0, false), "mkdir /tmp");
  must(memfs_chmod(fs, "/tmp", 01777), "chmod /tmp");
  must(memfs_mkdir(fs, "/root", 0700, 0, 0, false), "mkdir /root");
  must(memfs_mkdir(fs, "/dev", 0755, 0, 0, false), "mkdir /dev");
  must(memfs_mkdir(fs, "/proc", 0555, 0, 0, false), "mkdir /proc");
  const char placeholder[] = "\177ELF busybox placeholder";
  must(memfs_write(fs, "/bin/busybox", placeholder, sizeof placeholder - 1, 0755, 0, 0, false), "busybox");
  for (size_t i = 0; mock_shell_applets[i] != NULL; i++) {
    char path[128];
    snprintf(path, sizeof path, "/bin/%s", mock_shell_applets[i]);
    must(memfs_symlink(fs, "busybox", path, 0, 0), "applet link");
  }
  must(memfs_write(fs, "/etc/passwd", passwd_text, sizeof passwd_text - 1, 0644, 0, 0, false), "passwd");
  must(memfs_write(fs, "/etc/group", group_text, sizeof group_text - 1, 0644, 0, 0, false), "group");
  must(memfs_touch(fs, "/etc/passwd", t, false, 0, 0), "touch");
  must(memfs_touch(fs, "/etc/group", t, false, 0, 0), "touch");
}

shh *shh_new(void) {
  shh *h = calloc(1, sizeof *h);
  if (h == NULL)
    abort();
  pthread_mutex_init(&h->lock, NULL);
  pthread_cond_init(&h->cond, NULL);
  pthread_mutex_init(&h->fs_lock, NULL);
  must(memfs_new(&h->fs), "memfs_new");
  seed(h);
  h->env_storage[0] = strdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  h->env_storage[1] = strdup("HOSTNAME=testhost");
  h->env_storage[2] = strdup("HOME=/root");
  h->proc.ctx = h;
  h->proc.fs = h->fs;
  h->proc.fs_lock = &h->fs_lock;
  h->proc.env = h->env_storage;
  h->proc.n_env = 3;
  h->proc.cwd = "/";
  h->proc.uid = 0;
  h->proc.gid = 0;
  h->proc.hostname = "testhost";
  h->proc.pid = 2;
  h->proc.read_stdin = cb_read_stdin;
  h->proc.write = cb_write;
  h->proc.sleep_ms = cb_sleep_ms;
  h->proc.next_signal = cb_next_signal;
  h->proc.signal_pid = cb_signal_pid;
  h->in_closed = true;
  return h;
}

void shh_free(shh *h) {
  if (h == NULL)
    return;
  if (h->running)
    shh_join(h, 60000);
  memfs_free(h->fs);
  for (int i = 0; i < 3; i++)
    free(h->out[i]);
  free(h->in);
  for (size_t i = 0; i < sizeof h->env_storage / sizeof h->env_storage[0]; i++)
    free(h->env_storage[i]);
  for (size_t i = 0; i < h->argc; i++)
    free(h->argv[i]);
  free(h->argv);
  pthread_mutex_destroy(&h->fs_lock);
  pthread_mutex_destroy(&h->lock);
  pthread_cond_destroy(&h->cond);
  free(h);
}

void shh_set_stdin(shh *h, const char *data, size_t len, bool closed) {
  pthread_mutex_lock(&h->lock);
  free(h->in);
  h->in = malloc(len + 1);
  memcpy(h->in, data, len);
  h->in_len = len;
  h->in_pos = 0;
  h->in_closed = closed;
  pthread_cond_broadcast(&h->cond);
  pthread_mutex_unlock(&h->lock);
}

void shh_feed(shh *h, const char *data, size_t len) {
  pthread_mutex_lock(&h->lock);
  char *grown = realloc(h->in, h->in_len + len + 1);
  if (grown == NULL)
    abort();
  h->in = grown;
  memcpy(h->in + h->in_len, data, len);
  h->in_len += len;
  pthread_cond_broadcast(&h->cond);
  pthread_mutex_unlock(&h->lock);
}

void shh_close_stdin(shh *h) {
  pthread_mutex_lock(&h->lock);
  h->in_closed = true;
  pthread_cond_broadcast(&h->cond);
  pthread_mutex_unlock(&h->lock);
}

void shh_signal(shh *h, int sig) {
  pthread_mutex_lock(&h->lock);
  if (h->n_signals < sizeof h->signals / sizeof h->signals[0])
    h->signals[h->n_signals++] = sig;
  pthread_cond_broadcast(&h->cond);
  pthread_mutex_unlock(&h->lock);
}

bool shh_wait_blocked(shh *h, size_t n, int ms) {
  uint64_t end = now_ms() + (uint64_t)ms;
  pthread_mutex_lock(&h->lock);
  bool ok;
  for (;;) {
    ok = h->waits > 0 && h->blocks >= n;
    if (ok || h->done)
      break;
    uint64_t now = now_ms();
    if (now >= end)
      break;
    struct timespec ts;
    deadline_ts(&ts, end - now < 50 ? end - now : 50);
    pthread_cond_timedwait(&h->cond, &h->lock, &ts);
  }
  pthread_mutex_unlock(&h->lock);
  return ok;
}

int shh_run(shh *h, const char *const *argv, size_t argc, int *exit_code) {
  return mock_shell_run(&h->proc, argv, argc, exit_code);
}

int shh_sh(shh *h, const char *script, int *exit_code) {
  const char *argv[] = {"sh", "-c", script};
  return shh_run(h, argv, 3, exit_code);
}

static void *run_thread(void *arg) {
  shh *h = arg;
  int code = 0;
  int rc = mock_shell_run(&h->proc, (const char *const *)h->argv, h->argc, &code);
  pthread_mutex_lock(&h->lock);
  h->rc = rc;
  h->exit_code = code;
  h->done = true;
  pthread_cond_broadcast(&h->cond);
  pthread_mutex_unlock(&h->lock);
  return NULL;
}

void shh_start(shh *h, const char *const *argv, size_t argc) {
  for (size_t i = 0; i < h->argc; i++)
    free(h->argv[i]);
  free(h->argv);
  h->argv = calloc(argc + 1, sizeof *h->argv);
  for (size_t i = 0; i < argc; i++)
    h->argv[i] = strdup(argv[i]);
  h->argc = argc;
  h->done = false;
  h->running = true;
  if (pthread_create(&h->thread, NULL, run_thread, h) != 0)
    abort();
}

void shh_start_sh(shh *h, const char *script) {
  const char *argv[] = {"sh", "-c", script};
  shh_start(h, argv, 3);
}

bool shh_join(shh *h, int ms) {
  if (!h->running)
    return true;
  uint64_t end = now_ms() + (uint64_t)ms;
  pthread_mutex_lock(&h->lock);
  while (!h->done) {
    uint64_t now = now_ms();
    if (now >= end)
      break;
    struct timespec ts;
    deadline_ts(&ts, end - now);
    pthread_cond_timedwait(&h->cond, &h->lock, &ts);
  }
  bool done = h->done;
  pthread_mutex_unlock(&h->lock);
  if (!done) {
    /* a stuck process: kill it so the thread can be joined */
    shh_signal(h, 9);
    shh_close_stdin(h);
  }
  pthread_join(h->thread, NULL);
  h->running = false;
  return done;
}

const char *shh_stdout(shh *h) { return h->out[1] ? h->out[1] : ""; }

const char *shh_stderr(shh *h) { return h->out[2] ? h->out[2] : ""; }

void shh_clear_output(shh *h) {
  pthread_mutex_lock(&h->lock);
  for (int i = 0; i < 3; i++) {
    free(h->out[i]);
    h->out[i] = NULL;
    h->out_len[i] = 0;
    h->writes[i] = 0;
  }
  h->n_kills = 0;
  pthread_mutex_unlock(&h->lock);
}

void shh_write_file(shh *h, const char *path, const char *text, uint32_t mode) {
  pthread_mutex_lock(&h->fs_lock);
  must(memfs_write(h->fs, path, text, strlen(text), mode, 0, 0, false), path);
  must(memfs_chmod(h->fs, path, mode), path);
  pthread_mutex_unlock(&h->fs_lock);
}

char *shh_read_file(shh *h, const char *path) {
  pthread_mutex_lock(&h->fs_lock);
  memfs_blob *b = NULL;
  char *text = NULL;
  if (memfs_read(h->fs, path, &b) == 0) {
    text = malloc(memfs_blob_len(b) + 1);
    memcpy(text, memfs_blob_data(b), memfs_blob_len(b));
    text[memfs_blob_len(b)] = '\0';
  }
  memfs_blob_unref(b);
  ctrt_error_clear();
  pthread_mutex_unlock(&h->fs_lock);
  return text;
}
