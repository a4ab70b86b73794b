/* SPDX-License-Identifier: MIT */
/* The interface's two free functions: signal names from exit codes and the
 * validation of kill signals (runtime-interface.md, "Free functions"). */
#include "gen_internal.h"

#include <ctype.h>

static const struct {
  int number;
  const char *name;
} known_signals[] = {
    {1, "SIGHUP"},   {2, "SIGINT"},   {3, "SIGQUIT"},  {4, "SIGILL"},   {6, "SIGABRT"},  {7, "SIGBUS"},
    {8, "SIGFPE"},   {9, "SIGKILL"},  {10, "SIGUSR1"}, {11, "SIGSEGV"}, {12, "SIGUSR2"}, {13, "SIGPIPE"},
    {14, "SIGALRM"}, {15, "SIGTERM"}, {17, "SIGSTOP"}, {18, "SIGCONT"},
};

static const char *const allowed_signals[] = {"SIGKILL", "SIGTERM", "SIGINT", "SIGHUP", "SIGUSR1", "SIGUSR2"};

int ctrt_signal_name_from_exit_code(char **out, int32_t code) {
  ctrt_error_clear();
  CTRT__CHECK_ARG(out != NULL, "signal_name_from_exit_code: out must not be NULL");
  *out = NULL;
  if (code <= 128)
    return 0;
  int n = code - 128;
  for (size_t i = 0; i < sizeof known_signals / sizeof known_signals[0]; i++) {
    if (known_signals[i].number == n) {
      *out = ctrt__strdup(known_signals[i].name);
      return *out ? 0 : ctrt__error_no_memory();
    }
  }
  *out = ctrt__sprintf("signal_%d", n);
  return *out ? 0 : ctrt__error_no_memory();
}

int ctrt_validate_signal(char **out, const char *name) {
  ctrt_error_clear();
  CTRT__CHECK_ARG(out != NULL && name != NULL, "validate_signal: NULL argument");
  *out = NULL;
  while (isspace((unsigned char)*name))
    name++;
  size_t len = strlen(name);
  while (len > 0 && isspace((unsigned char)name[len - 1]))
    len--;
  if (len == 0)
    return ctrt__error_invalid_spec("signal must not be empty");
  bool prefixed = len >= 3 && toupper((unsigned char)name[0]) == 'S' && toupper((unsigned char)name[1]) == 'I' &&
                  toupper((unsigned char)name[2]) == 'G';
  char canonical[32];
  size_t o = 0;
  if (!prefixed) {
    memcpy(canonical, "SIG", 3);
    o = 3;
  }
  for (size_t i = 0; i < len && o + 1 < sizeof canonical; i++)
    canonical[o++] = (char)toupper((unsigned char)name[i]);
  canonical[o] = '\0';
  for (size_t i = 0; i < sizeof allowed_signals / sizeof allowed_signals[0]; i++) {
    if (len + (prefixed ? 0 : 3) == strlen(allowed_signals[i]) && strcmp(canonical, allowed_signals[i]) == 0) {
      *out = ctrt__strdup(allowed_signals[i]);
      return *out ? 0 : ctrt__error_no_memory();
    }
  }
  return ctrt__error_invalid_spec("unsupported signal '%.*s' (allowed: SIGKILL, SIGTERM, SIGINT, SIGHUP, SIGUSR1, "
                                  "SIGUSR2)",
                                  (int)(len > 64 ? 64 : len), name);
}
