/* ctrt-bench: the peers (raw libcurl with three ways of reading the body,
 * and docker-py or Node over a pipe). See clients.h. */
#define _GNU_SOURCE /* pipe2 */
#include "clients.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>

struct bench_curl {
  CURL *easy;
  bench_parse parse;
  char *buf;
  size_t len, cap;
  long long streamed;
};

static size_t collect(char *data, size_t size, size_t n, void *ud) {
  bench_curl *c = ud;
  size_t add = size * n;
  if (c->len + add + 1 > c->cap) {
    size_t cap = c->cap ? c->cap : 16384;
    while (cap < c->len + add + 1)
      cap *= 2;
    char *grown = realloc(c->buf, cap);
    if (grown == NULL)
      return 0;
    c->buf = grown;
    c->cap = cap;
  }
  memcpy(c->buf + c->len, data, add);
  c->len += add;
  c->buf[c->len] = '\0';
  return add;
}

static size_t count_only(char *data, size_t size, size_t n, void *ud) {
  (void)data;
  ((bench_curl *)ud)->streamed += (long long)(size * n);
  return size * n;
}

int bench_curl_new(bench_curl **out, const char *socket_path, bench_parse parse) {
  bench_curl *c = calloc(1, sizeof *c);
  if (c == NULL || (c->easy = curl_easy_init()) == NULL) {
    free(c);
    return -1;
  }
  c->parse = parse;
  curl_easy_setopt(c->easy, CURLOPT_UNIX_SOCKET_PATH, socket_path);
  curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
  *out = c;
  return 0;
}

void bench_curl_free(bench_curl *c) {
  if (c == NULL)
    return;
  curl_easy_cleanup(c->easy);
  free(c->buf);
  free(c);
}

const char *bench_curl_body(const bench_curl *c, size_t *len) {
  *len = c->len;
  return c->buf ? c->buf : "";
}

static int parse_body(bench_curl *c, char *err, size_t err_len) {
  if (c->len == 0 || c->parse == BENCH_PARSE_NONE)
    return 0;
  if (c->parse == BENCH_PARSE_JANSSON) {
    json_error_t jerr;
    json_t *doc = json_loadb(c->buf, c->len, 0, &jerr);
    if (doc == NULL) {
      snprintf(err, err_len, "jansson: %s", jerr.text);
      return -1;
    }
    json_decref(doc);
    return 0;
  }
  yajl_handle h = yajl_alloc(NULL, NULL, NULL);
  int ok = h != NULL && yajl_parse(h, (const unsigned char *)c->buf, c->len) == yajl_status_ok &&
           yajl_complete_parse(h) == yajl_status_ok;
  if (h != NULL)
    yajl_free(h);
  if (!ok)
    snprintf(err, err_len, "yajl rejected the body");
  return ok ? 0 : -1;
}

long bench_curl_request(bench_curl *c, const char *method, const char *path, const char *body, char *err,
                        size_t err_len) {
  char url[1024];
  snprintf(url, sizeof url, "http://localhost/v1.41%s", path);
  struct curl_slist *headers = NULL;
  c->len = 0;
  curl_easy_setopt(c->easy, CURLOPT_URL, url);
  curl_easy_setopt(c->easy, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
  if (body != NULL) {
    headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, headers);
  } else {
    curl_easy_setopt(c->easy, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c->easy, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, NULL);
  }
  CURLcode rc = curl_easy_perform(c->easy);
  curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, NULL);
  curl_easy_setopt(c->easy, CURLOPT_POSTFIELDS, NULL);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    snprintf(err, err_len, "%s %s: %s", method, path, curl_easy_strerror(rc));
    return -1;
  }
  long status = 0;
  curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
  if (status < 400 && parse_body(c, err, err_len) < 0)
    return -1;
  return status;
}

long long bench_curl_stream(bench_curl *c, const char *path, char *err, size_t err_len) {
  char url[1024];
  snprintf(url, sizeof url, "http://localhost/v1.41%s", path);
  c->streamed = 0;
  curl_easy_setopt(c->easy, CURLOPT_URL, url);
  curl_easy_setopt(c->easy, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(c->easy, CURLOPT_CUSTOMREQUEST, NULL);
  curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, count_only);
  curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
  CURLcode rc = curl_easy_perform(c->easy);
  if (rc != CURLE_OK) {
    snprintf(err, err_len, "GET %s: %s", path, curl_easy_strerror(rc));
    return -1;
  }
  return c->streamed;
}

struct bench_peer {
  pid_t pid;
  FILE *to, *from;
};

int bench_peer_start(bench_peer **out, const char *interpreter, const char *script, const char *url, const char *image,
                     char *version, size_t version_len, char *err, size_t err_len) {
  int in[2], outp[2];
  /* Close-on-exec: a second peer must not inherit the first one's stdin, or
   * the first never sees EOF when it is stopped. */
  if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0) {
    snprintf(err, err_len, "pipe: %s", strerror(errno));
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(err, err_len, "fork: %s", strerror(errno));
    return -1;
  }
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(outp[1], 1);
    close(in[0]);
    close(in[1]);
    close(outp[0]);
    close(outp[1]);
    execlp(interpreter, interpreter, script, url, image, (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  close(outp[1]);
  bench_peer *p = calloc(1, sizeof *p);
  if (p == NULL)
    return -1;
  p->pid = pid;
  p->to = fdopen(in[1], "w");
  p->from = fdopen(outp[0], "r");
  char line[512];
  if (fgets(line, sizeof line, p->from) == NULL || strncmp(line, "ready ", 6) != 0) {
    snprintf(err, err_len, "the %s peer %s did not start (python3-docker or nodejs missing?)", interpreter, script);
    bench_peer_stop(p);
    return -1;
  }
  line[strcspn(line, "\n")] = '\0';
  snprintf(version, version_len, "%s", line + 6);
  *out = p;
  return 0;
}

int bench_peer_run(bench_peer *p, const char *op, int calls, bool warm, const char *arg, double *wall_us,
                   double *cpu_us, char *err, size_t err_len) {
  fprintf(p->to, "%s %d %d %s\n", op, calls, warm ? 1 : 0, arg ? arg : "");
  fflush(p->to);
  char line[1024];
  if (fgets(line, sizeof line, p->from) == NULL) {
    snprintf(err, err_len, "the peer exited");
    return -1;
  }
  line[strcspn(line, "\n")] = '\0';
  if (sscanf(line, "%lf %lf", wall_us, cpu_us) != 2) {
    snprintf(err, err_len, "peer: %s", line);
    return -1;
  }
  return 0;
}

void bench_peer_stop(bench_peer *p) {
  if (p == NULL)
    return;
  if (p->to)
    fclose(p->to);
  if (p->from)
    fclose(p->from);
  int status;
  if (waitpid(p->pid, &status, 0) < 0) {
    kill(p->pid, SIGKILL);
    waitpid(p->pid, &status, 0);
  }
  free(p);
}
