/* SPDX-License-Identifier: MIT */
/* ctrt-cri-logger: the log writer of a task that ctrt's cri backend starts
 * natively for an exited container (cri_task.c), run by containerd's shim
 * as a "binary" logger:
 *
 *   binary:///usr/libexec/ctrt/ctrt-cri-logger?--file=LOG
 *
 * The shim passes the task's stdout and stderr pipes as fds 3 and 4 and
 * waits for fd 5 to close before it starts the task. Each chunk of output
 * is appended to LOG as CRI's own copiers write it, so that the backend's
 * log reader sees one file across runs:
 *
 *   2026-12-07T10:02:03.123456789Z stdout F text
 *
 * F ends a message; P marks a part that the next line of the same stream
 * continues (a line longer than CRI's 16 KiB buffer, or text without a
 * newline at the end). Bytes pass unchanged, NUL included.
 *
 * LOG.logger holds this process's pid from before fd 5 closes until the
 * last line is written: the backend counts the container as running until
 * then, because the task's exit does not wait for its logger.
 *
 * No dependency on libctrt: the shim starts it once per run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* containerd's max_container_log_line_size default: longer lines are cut
 * into P parts of this size. */
#define LINE_MAX_BYTES (16 * 1024)

typedef struct stream {
  int fd;           /* -1 once at its end */
  const char *name; /* "stdout" or "stderr" */
  char buf[LINE_MAX_BYTES];
  size_t len;
} stream;

static int write_all(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* One CRI line in one write (O_APPEND keeps lines whole across writers). */
static int emit(int log_fd, const char *stream_name, char tag, const char *text, size_t len) {
  static char line[64 + LINE_MAX_BYTES + 2];
  struct timespec now;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &now);
  gmtime_r(&now.tv_sec, &tm);
  char date[32];
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  int head = snprintf(line, 64, "%s.%09ldZ %s %c ", date, now.tv_nsec, stream_name, tag);
  if (head < 0 || head >= 64)
    return -1;
  memcpy(line + head, text, len);
  line[(size_t)head + len] = '\n';
  return write_all(log_fd, line, (size_t)head + len + 1);
}

/* Emit the complete lines in s->buf (F), a full buffer as a part (P), and
 * at the end (eof) what is left as a part. */
static int drain(int log_fd, stream *s, int eof) {
  size_t start = 0;
  for (;;) {
    char *nl = memchr(s->buf + start, '\n', s->len - start);
    if (nl == NULL)
      break;
    size_t n = (size_t)(nl - (s->buf + start));
    if (emit(log_fd, s->name, 'F', s->buf + start, n) < 0)
      return -1;
    start += n + 1;
  }
  size_t rest = s->len - start;
  if (rest > 0 && (eof || (start == 0 && rest == sizeof s->buf))) {
    if (emit(log_fd, s->name, 'P', s->buf + start, rest) < 0)
      return -1;
    rest = 0;
    start = s->len;
  }
  memmove(s->buf, s->buf + start, rest);
  s->len = rest;
  return 0;
}

static int usage(FILE *to, int status) {
  fprintf(to, "usage: ctrt-cri-logger --file LOG\n\n"
              "containerd \"binary\" logger of ctrt's cri backend: appends the output\n"
              "pipes on fds 3 (stdout) and 4 (stderr) to LOG in the CRI log format,\n"
              "closes fd 5 when ready, and keeps its pid in LOG.logger until done.\n");
  return status;
}

int main(int argc, char **argv) {
  const char *file = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0)
      return usage(stdout, 0);
    if (strcmp(argv[i], "--file") == 0 && i + 1 < argc)
      file = argv[++i];
    else if (strncmp(argv[i], "--file=", 7) == 0)
      file = argv[i] + 7;
    else
      return usage(stderr, 2);
  }
  if (file == NULL || file[0] == '\0')
    return usage(stderr, 2);

  /* The shim's TERM at task delete must not cut the end of the output:
   * the pipes' EOF ends this process. */
  signal(SIGTERM, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);

  int log_fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (log_fd < 0) {
    fprintf(stderr, "ctrt-cri-logger: %s: %s\n", file, strerror(errno));
    return 1;
  }
  /* The marker, written whole (a temporary renamed) before fd 5 closes. */
  char marker[4096], temp[4096 + 8];
  if ((size_t)snprintf(marker, sizeof marker, "%s.logger", file) >= sizeof marker) {
    fprintf(stderr, "ctrt-cri-logger: %s: path too long\n", file);
    return 1;
  }
  snprintf(temp, sizeof temp, "%s.tmp", marker);
  FILE *m = fopen(temp, "we");
  if (m == NULL || fprintf(m, "%ld\n", (long)getpid()) < 0 || fclose(m) != 0 || rename(temp, marker) != 0) {
    fprintf(stderr, "ctrt-cri-logger: %s: %s\n", marker, strerror(errno));
    return 1;
  }
  close(5);

  static stream streams[2] = {{.fd = 3, .name = "stdout"}, {.fd = 4, .name = "stderr"}};
  int status = 0;
  for (;;) {
    struct pollfd p[2];
    nfds_t n = 0;
    stream *which[2];
    for (int i = 0; i < 2; i++) {
      if (streams[i].fd < 0)
        continue;
      p[n] = (struct pollfd){.fd = streams[i].fd, .events = POLLIN};
      which[n++] = &streams[i];
    }
    if (n == 0)
      break;
    if (poll(p, n, -1) < 0) {
      if (errno == EINTR)
        continue;
      status = 1;
      break;
    }
    for (nfds_t i = 0; i < n; i++) {
      if (p[i].revents == 0)
        continue;
      stream *s = which[i];
      if (p[i].revents & POLLNVAL) { /* the shim gave no such pipe */
        s->fd = -1;
        continue;
      }
      ssize_t got = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
      if (got < 0 && errno == EINTR)
        continue;
      int eof = got <= 0;
      if (!eof)
        s->len += (size_t)got;
      if (drain(log_fd, s, eof) < 0)
        status = 1;
      if (eof) {
        close(s->fd);
        s->fd = -1;
      }
    }
  }
  close(log_fd);
  unlink(marker);
  return status;
}
