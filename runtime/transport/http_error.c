/* SPDX-License-Identifier: MIT */
/* Error responses when the backend gives no mapper of its own, and the
 * one-line form of a body that is not the daemon's JSON. */
#include "transport/transport.h"

#include <stdio.h>

void ctrt__http_body_line(char *text, size_t cap, const char *body, size_t len) {
  size_t o = 0;
  for (size_t i = 0; i < len && o + 1 < cap; i++) {
    unsigned char c = (unsigned char)body[i];
    char put = c < ' ' || c == 0x7f ? ' ' : (char)c;
    if (put == ' ' && (o == 0 || text[o - 1] == ' '))
      continue;
    text[o++] = put;
  }
  o = ctrt__utf8_cut(text, o);
  while (o > 0 && text[o - 1] == ' ')
    o--;
  text[o] = '\0';
}

int ctrt__http_error_plain(int status, const char *body, size_t len, const char *context) {
  char text[512] = "";
  if (body != NULL && len > 0)
    ctrt__http_body_line(text, sizeof text, body, len);
  if (context == NULL || context[0] == '\0')
    context = "the server";
  return ctrt__error_set(ctrt__error_kind_for_http(status), status, "HTTP %d from %s%s%s", status, context,
                         text[0] ? ": " : "", text);
}
