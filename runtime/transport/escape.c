/* SPDX-License-Identifier: MIT */
/* Percent-encoding of query values and path segments (RFC 3986). */
#include "transport/transport.h"

#include <string.h>

char *ctrt__http_escape(const char *text) { return ctrt__http_escape_keeping(text, ""); }

char *ctrt__http_escape_keeping(const char *text, const char *also_keep) {
  if (text == NULL) {
    ctrt__error_invalid_argument("http_escape: text must not be NULL");
    return NULL;
  }
  static const char hex[] = "0123456789ABCDEF";
  size_t len = strlen(text);
  char *out = ctrt__malloc(len * 3 + 1);
  if (out == NULL) {
    ctrt__error_no_memory();
    return NULL;
  }
  size_t o = 0;
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    unsigned char c = *p;
    /* ASCII by hand: isalnum() would follow the caller's locale. */
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '.' || c == '_' || c == '~';
    if (unreserved || strchr(also_keep, c) != NULL) {
      out[o++] = (char)c;
    } else {
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  out[o] = '\0';
  return out;
}
