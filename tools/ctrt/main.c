/* SPDX-License-Identifier: MIT */
/* ctrt: every method of a container runtime from the shell. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The runtime's URI: -H, CTRT_HOST, DOCKER_HOST, CONTAINER_HOST, else the
 * default socket. A bare unix:// or tcp:// address (what DOCKER_HOST and
 * CONTAINER_HOST hold, and what every Docker tool prints) is a Docker Engine
 * API endpoint. */
static char *resolve_host(const char *flag) {
  const char *uri = flag;
  const char *names[] = {"CTRT_HOST", "DOCKER_HOST", "CONTAINER_HOST"};
  for (size_t i = 0; uri == NULL && i < sizeof names / sizeof names[0]; i++) {
    const char *v = getenv(names[i]);
    if (v != NULL && v[0])
      uri = v;
  }
  if (uri == NULL)
    uri = "docker://unix:///var/run/docker.sock";
  if (strncmp(uri, "unix://", 7) == 0 || strncmp(uri, "tcp://", 6) == 0) {
    size_t len = strlen(uri) + sizeof "docker://";
    char *full = malloc(len);
    if (full != NULL)
      snprintf(full, len, "docker://%s", uri);
    return full;
  }
  return strdup(uri);
}

/* Split a batch line into words as the shell does for quotes and
 * backslashes; the words point into line, which is rewritten. */
static int split(char *line, char **words, int max) {
  int n = 0;
  char *r = line, *w = line;
  for (;;) {
    while (*r == ' ' || *r == '\t')
      r++;
    if (*r == '\0' || *r == '\n')
      return n;
    if (n == max)
      return -1;
    words[n++] = w;
    char quote = 0;
    for (; *r && (quote || (*r != ' ' && *r != '\t' && *r != '\n')); r++) {
      if (quote == 0 && (*r == '\'' || *r == '"')) {
        quote = *r;
      } else if (quote != 0 && *r == quote) {
        quote = 0;
      } else if (*r == '\\' && quote != '\'' && r[1]) {
        *w++ = *++r;
      } else {
        *w++ = *r;
      }
    }
    if (quote != 0)
      return -2;
    if (*r)
      r++;
    *w++ = '\0';
  }
}

/* --batch: one command per line on the same runtime (the way to drive the
 * in-process mock through several steps). "!" before a command expects it to
 * fail; "!KIND" expects that error kind. */
static int batch(cli *c, const char *path) {
  FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
  if (in == NULL) {
    fprintf(stderr, "ctrt: cannot open %s: %s\n", path, strerror(errno));
    return CLI_EXIT_LOCAL;
  }
  char *line = NULL;
  size_t cap = 0;
  int rc = 0;
  unsigned lineno = 0;
  const cli base = *c; /* options given on a line hold for that line only */
  while (rc == 0 && getline(&line, &cap, in) >= 0) {
    lineno++;
    *c = base;
    char *words[256];
    int n = split(line, words, 256);
    if (n < 0) {
      fprintf(stderr, "ctrt: %s:%u: %s\n", path, lineno, n == -1 ? "too many words" : "unterminated quote");
      rc = CLI_EXIT_USAGE;
      break;
    }
    if (n == 0 || words[0][0] == '#')
      continue;
    const char *expect = NULL;
    bool negate = words[0][0] == '!';
    if (negate) {
      expect = words[0][1] ? words[0] + 1 : NULL;
      n--;
      memmove(words, words + 1, (size_t)n * sizeof *words);
    }
    int status = cli_run(c, n, words);
    if (!negate) {
      rc = status;
      if (rc != 0)
        fprintf(stderr, "ctrt: %s:%u: stopped (exit status %d)\n", path, lineno, rc);
      continue;
    }
    ctrt_error_kind want = CTRT_ERROR_NONE;
    if (expect != NULL && ctrt_error_kind_from_name(&want, expect) < 0) {
      fprintf(stderr, "ctrt: %s:%u: no error kind '%s'\n", path, lineno, expect);
      rc = CLI_EXIT_USAGE;
    } else if (status == 0) {
      fprintf(stderr, "ctrt: %s:%u: expected to fail, but succeeded\n", path, lineno);
      rc = CLI_EXIT_LOCAL;
    } else if (expect != NULL && c->last_kind != want) {
      fprintf(stderr, "ctrt: %s:%u: expected %s, got %s\n", path, lineno, expect,
              c->last_kind == CTRT_ERROR_NONE ? "a usage error" : ctrt_error_kind_name(c->last_kind));
      rc = CLI_EXIT_LOCAL;
    }
  }
  free(line);
  if (in != stdin)
    fclose(in);
  return rc;
}

int main(int argc, char **argv) {
  cli c;
  memset(&c, 0, sizeof c);
  c.out_tty = isatty(1);
  c.err_tty = isatty(2);
  const char *host = NULL, *batch_file = NULL;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *a = argv[i];
    if ((strcmp(a, "-H") == 0 || strcmp(a, "--host") == 0) && i + 1 < argc) {
      host = argv[++i];
    } else if (strncmp(a, "--host=", 7) == 0) {
      host = a + 7;
    } else if (strcmp(a, "--batch") == 0 && i + 1 < argc) {
      batch_file = argv[++i];
    } else if (strcmp(a, "--json") == 0) {
      c.json = true;
    } else if (strcmp(a, "--table") == 0) {
      c.table = true;
    } else if (strcmp(a, "--no-progress") == 0) {
      c.no_progress = true;
    } else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && i + 1 < argc) {
      c.output = argv[++i];
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      cli_help(stdout, NULL);
      return 0;
    } else if (strcmp(a, "--version") == 0) {
      printf("ctrt %s\n", CTRT_PROJECT_VERSION);
      return 0;
    } else {
      fprintf(stderr, "ctrt: unknown option %s; `ctrt --help` lists them\n", a);
      return CLI_EXIT_USAGE;
    }
  }
  if (batch_file == NULL && i == argc) {
    cli_help(stderr, NULL);
    return CLI_EXIT_USAGE;
  }
  char *uri = resolve_host(host);
  if (uri == NULL)
    return CLI_EXIT_LOCAL;
  c.host = uri;
  /* Options are per command in batch mode; these are the defaults. */
  cli defaults = c;
  int rc;
  if (batch_file != NULL) {
    if (ctrt_open(&c.rt, uri) < 0) {
      rc = cli_fail(&c, -1);
    } else {
      defaults.rt = c.rt;
      c = defaults;
      rc = batch(&c, batch_file);
    }
  } else {
    rc = cli_run(&c, argc - i, argv + i);
  }
  ctrt_close(c.rt);
  free(uri);
  return rc;
}
