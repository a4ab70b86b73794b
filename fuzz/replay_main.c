/*
 * Replay driver: runs files through a fuzz target without libFuzzer, so the
 * committed corpus and every past crash are regression tests in any build
 * (GCC included) and under valgrind.
 *
 *   replay_<target> [--timeout SECONDS] PATH...
 *
 * A PATH is a file or a directory (its files, recursively, in name order).
 * Each input gets SECONDS (default 60) of wall time (SIGALRM ends the
 * process: a hang is a failure). A file under a crashes directory named
 * after a class in fuzz/known-open.txt must be skipped by that class's guard
 * (a guard that misses its own reproducer is an error). Fails when nothing
 * at all was replayed.
 */
#include "fuzz_support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static unsigned timeout_s = 60;
static size_t n_run, n_known;
static int failures;

static int read_file(const char *path, uint8_t **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return -1;
  uint8_t *buf = NULL;
  size_t cap = 0, n = 0;
  for (;;) {
    if (n == cap) {
      cap = cap ? cap * 2 : 4096;
      uint8_t *grown = realloc(buf, cap);
      if (grown == NULL) {
        free(buf);
        fclose(f);
        return -1;
      }
      buf = grown;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0)
      break;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    return -1;
  }
  *out = buf;
  *len = n;
  return 0;
}

/* "shell-arith-depth-1" -> whether it is named after an open class. */
static const char *open_class_of(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  if (strstr(path, "/crashes/") == NULL)
    return NULL;
  static char cls[256];
  snprintf(cls, sizeof cls, "%s", base);
  /* The class is the name up to its last '-' (the reproducer's number). */
  for (char *dash; (dash = strrchr(cls, '-')) != NULL;) {
    *dash = '\0';
    if (ctrt_fuzz_class_is_open(cls))
      return cls;
  }
  return NULL;
}

static void run_file(const char *path) {
  uint8_t *data = NULL;
  size_t len = 0;
  if (read_file(path, &data, &len) < 0) {
    fprintf(stderr, "replay %s: cannot read %s\n", ctrt_fuzz_target_name, path);
    failures++;
    return;
  }
  alarm(timeout_s);
  LLVMFuzzerTestOneInput(data, len);
  alarm(0);
  free(data);
  n_run++;
  const char *cls = open_class_of(path);
  if (cls != NULL) {
    const char *skipped = ctrt_fuzz_last_skipped();
    if (skipped == NULL || strcmp(skipped, cls) != 0) {
      fprintf(stderr, "replay %s: %s is a reproducer of open class %s, but its guard did not skip it\n",
              ctrt_fuzz_target_name, path, cls);
      failures++;
    }
    n_known++;
  }
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void run_path(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) {
    fprintf(stderr, "replay %s: no such file or directory: %s\n", ctrt_fuzz_target_name, path);
    failures++;
    return;
  }
  if (!S_ISDIR(st.st_mode)) {
    run_file(path);
    return;
  }
  DIR *dir = opendir(path);
  if (dir == NULL) {
    failures++;
    return;
  }
  char **names = NULL;
  size_t n = 0;
  for (struct dirent *e; (e = readdir(dir)) != NULL;) {
    if (e->d_name[0] == '.')
      continue;
    char **grown = realloc(names, (n + 1) * sizeof *names);
    if (grown == NULL)
      break;
    names = grown;
    size_t len = strlen(path) + strlen(e->d_name) + 2;
    names[n] = malloc(len);
    if (names[n] == NULL)
      break;
    snprintf(names[n++], len, "%s/%s", path, e->d_name);
  }
  closedir(dir);
  qsort(names, n, sizeof *names, by_name);
  for (size_t i = 0; i < n; i++) {
    run_path(names[i]);
    free(names[i]);
  }
  free(names);
}

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  return 0;
}

int main(int argc, char **argv) {
  LLVMFuzzerInitialize(&argc, &argv);
  int first = 1;
  if (argc > 2 && strcmp(argv[1], "--timeout") == 0) {
    timeout_s = (unsigned)strtoul(argv[2], NULL, 10);
    first = 3;
  }
  for (int i = first; i < argc; i++)
    run_path(argv[i]);
  fprintf(stderr, "replay %s: %zu inputs, %zu of them reproducers of open classes skipped by their guards, %d errors\n",
          ctrt_fuzz_target_name, n_run, n_known, failures);
  if (n_run == 0) {
    fprintf(stderr, "replay %s: nothing was replayed\n", ctrt_fuzz_target_name);
    return 1;
  }
  return failures ? 1 : 0;
}
