/* SPDX-License-Identifier: MIT */
/* Text encodings: base64, RFC 3339 timestamps, UTF-8 and IP checks. */
#include "gen_internal.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

/* ---- base64 ---- */

static const char std_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

char *ctrt__base64_encode(const void *data, size_t len, bool url_safe) {
  const uint8_t *in = data;
  const char *alphabet = url_safe ? url_alphabet : std_alphabet;
  char *out = ctrt__malloc((len + 2) / 3 * 4 + 1);
  if (out == NULL)
    return NULL;
  size_t o = 0, i = 0;
  for (; i + 2 < len; i += 3) {
    uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
    out[o++] = alphabet[v >> 18 & 63];
    out[o++] = alphabet[v >> 12 & 63];
    out[o++] = alphabet[v >> 6 & 63];
    out[o++] = alphabet[v & 63];
  }
  if (i < len) {
    uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
    out[o++] = alphabet[v >> 18 & 63];
    out[o++] = alphabet[v >> 12 & 63];
    if (i + 1 < len)
      out[o++] = alphabet[v >> 6 & 63];
    else if (!url_safe)
      out[o++] = '=';
    if (!url_safe)
      out[o++] = '=';
  }
  out[o] = '\0';
  return out;
}

static int base64_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+' || c == '-')
    return 62;
  if (c == '/' || c == '_')
    return 63;
  return -1;
}

int ctrt__base64_decode(uint8_t **out, size_t *out_len, const char *text, size_t len) {
  *out = NULL;
  *out_len = 0;
  size_t padding = 0;
  while (len > 0 && text[len - 1] == '=') {
    len--;
    padding++;
  }
  if (len % 4 == 1)
    return ctrt__error_invalid_argument("base64 text has a dangling character");
  /* Padding is optional, but when present it completes the last group. */
  if (padding > 0 && (len % 4 == 0 || (len + padding) % 4 != 0))
    return ctrt__error_invalid_argument("base64 text has %zu padding character(s) after %zu data characters", padding,
                                        len);
  uint8_t *buf = ctrt__malloc(len / 4 * 3 + 3);
  CTRT__CHECK_ALLOC(buf);
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; i++) {
    int v = base64_value(text[i]);
    if (v < 0) {
      ctrt__free(buf);
      return ctrt__error_invalid_argument("invalid base64 character at offset %zu", i);
    }
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      buf[o++] = (uint8_t)(acc >> bits);
    }
  }
  buf[o] = 0; /* room is always left: ctrt_bytes' NUL after the data */
  *out = buf;
  *out_len = o;
  return 0;
}

/* ---- RFC 3339 ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

int ctrt__timestamp_format(char *buf, size_t cap, const ctrt_timestamp *ts) {
  if (ts->nanos < 0 || ts->nanos >= 1000000000)
    return -1;
  int64_t days = ts->seconds / 86400;
  int64_t rem = ts->seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    days--;
  }
  int64_t year;
  unsigned month, day;
  civil_from_days(days, &year, &month, &day);
  if (year < 0 || year > 9999)
    return -1;
  char frac[16] = "";
  if (ts->nanos != 0) {
    snprintf(frac, sizeof frac, ".%09d", (int)ts->nanos);
    size_t n = strlen(frac);
    while (n > 1 && frac[n - 1] == '0') /* frac[0] is the dot */
      frac[--n] = '\0';
  }
  int n = snprintf(buf, cap, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02d%sZ", year, month, day, (int)(rem / 3600),
                   (int)(rem / 60 % 60), (int)(rem % 60), frac);
  return n > 0 && (size_t)n < cap ? 0 : -1;
}

static bool digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int ctrt__timestamp_parse(ctrt_timestamp *out, const char *text) {
  int year, month, day, hour, minute, second;
  size_t len = strlen(text);
  if (len < 20 || !digits(text, 4, &year) || text[4] != '-' || !digits(text + 5, 2, &month) || text[7] != '-' ||
      !digits(text + 8, 2, &day) || (text[10] != 'T' && text[10] != 't') || !digits(text + 11, 2, &hour) ||
      text[13] != ':' || !digits(text + 14, 2, &minute) || text[16] != ':' || !digits(text + 17, 2, &second))
    return -1;
  static const int month_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > month_days[month - 1] + (month == 2 && leap(year) ? 1 : 0) ||
      hour > 23 || minute > 59 || second > 60)
    return -1;
  const char *p = text + 19;
  int32_t nanos = 0;
  if (*p == '.') {
    p++;
    int n = 0;
    for (; *p >= '0' && *p <= '9'; p++, n++)
      if (n < 9)
        nanos = nanos * 10 + (*p - '0');
    if (n == 0)
      return -1;
    for (; n < 9; n++)
      nanos *= 10;
  }
  int64_t offset = 0;
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    int oh, om;
    if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 || om > 59)
      return -1;
    offset = (int64_t)(oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
    p += 6;
  } else {
    return -1;
  }
  if (*p != '\0')
    return -1;
  int64_t seconds = days_from_civil(year, (unsigned)month, (unsigned)day) * 86400 + (int64_t)hour * 3600 +
                    (int64_t)minute * 60 + second - offset;
  /* One range for parse and format: an offset or a leap second can carry
   * 9999-12-31 into year 10000 (or 0000-01-01 into year -1), which the
   * formatter refuses. */
  if (seconds < days_from_civil(0, 1, 1) * 86400 || seconds > days_from_civil(9999, 12, 31) * 86400 + 86399)
    return -1;
  out->seconds = seconds;
  out->nanos = nanos;
  return 0;
}

ctrt_timestamp ctrt__timestamp_now(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return (ctrt_timestamp){(int64_t)now.tv_sec, (int32_t)now.tv_nsec};
}

/* ---- UTF-8 and IP ---- */

size_t ctrt__utf8_cut(const char *text, size_t len) {
  const unsigned char *s = (const unsigned char *)text;
  size_t i = len, trail = 0;
  while (i > 0 && trail < 3 && (s[i - 1] & 0xC0) == 0x80) {
    i--;
    trail++;
  }
  if (i == 0 || s[i - 1] < 0xC0)
    return len; /* ASCII or stray continuation bytes: not ours to judge */
  unsigned char lead = s[i - 1];
  size_t need = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1;
  return trail < need ? i - 1 : len;
}

bool ctrt__utf8_valid(const char *text, size_t len) {
  const unsigned char *s = (const unsigned char *)text;
  size_t i = 0;
  while (i < len) {
    unsigned char c = s[i];
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (size_t k = 1; k <= n; k++) {
      if (i + k >= len || (s[i + k] & 0xC0) != 0x80)
        return false;
      cp = cp << 6 | (s[i + k] & 0x3F);
    }
    /* Overlong forms, surrogates and values past U+10FFFF. */
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || (cp >= 0xD800 && cp <= 0xDFFF) ||
        cp > 0x10FFFF)
      return false;
    i += n + 1;
  }
  return true;
}

bool ctrt__ip_valid(const char *text) {
  unsigned char buf[16];
  return inet_pton(AF_INET, text, buf) == 1 || inet_pton(AF_INET6, text, buf) == 1;
}
