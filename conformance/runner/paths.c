/* SPDX-License-Identifier: MIT */
/* Where the default expectations file is: next to the binary's install
 * prefix (share/ctrt/conformance/), so an installed ctrt-conform works
 * without the source tree, even when installed with `cmake --install
 * --prefix` somewhere other than the configured prefix; the binary in the
 * build tree reads the source copy instead. */
#include "runner.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CONFORM_EXPECTATIONS_FILE
#define CONFORM_EXPECTATIONS_FILE "expectations.json"
#endif

static char default_path[PATH_MAX + 64];

static bool readable(const char *path) { return access(path, R_OK) == 0; }

const char *conform_default_expectations(void) {
  if (default_path[0])
    return default_path;
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  char *slash = NULL;
  if (n > 0) {
    self[n] = '\0';
    slash = strrchr(self, '/');
  }
  if (slash)
    *slash = '\0'; /* the binary's directory */
#ifdef CONFORM_BUILD_DIR
  char build_dir[PATH_MAX];
  if (slash && realpath(CONFORM_BUILD_DIR, build_dir) != NULL && strcmp(self, build_dir) == 0) {
    snprintf(default_path, sizeof default_path, "%s", CONFORM_SOURCE_DIR "/" CONFORM_EXPECTATIONS_FILE);
    return default_path;
  }
#endif
#ifdef CONFORM_BIN_TO_DATA
  /* e.g. PREFIX/bin/../share/ctrt/conformance/expectations.json */
  if (slash) {
    snprintf(default_path, sizeof default_path, "%s/%s/ctrt/conformance/%s", self, CONFORM_BIN_TO_DATA,
             CONFORM_EXPECTATIONS_FILE);
    char resolved[PATH_MAX];
    if (readable(default_path)) {
      if (realpath(default_path, resolved) != NULL)
        snprintf(default_path, sizeof default_path, "%s", resolved);
      return default_path;
    }
  }
#endif
#ifdef CONFORM_INSTALLED_DATA_DIR
  snprintf(default_path, sizeof default_path, "%s", CONFORM_INSTALLED_DATA_DIR "/" CONFORM_EXPECTATIONS_FILE);
#else
  snprintf(default_path, sizeof default_path, "%s", "conformance/" CONFORM_EXPECTATIONS_FILE);
#endif
  return default_path;
}
