/* Checked narrowing: every place a wire integer (a JSON number, a decimal or
 * hexadecimal field of a header) becomes a C integer goes through here, so an
 * out-of-range value is refused instead of wrapping. */
#include "core/internal.h"

#include <math.h>

static int digit_value(char c, int base) {
  int v = c >= '0' && c <= '9'   ? c - '0'
          : c >= 'a' && c <= 'f' ? c - 'a' + 10
          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                 : 99;
  return v < base ? v : -1;
}

bool ctrt__parse_uint(const char *text, size_t len, int base, uint64_t max, uint64_t *out) {
  if (text == NULL || len == 0 || (base != 10 && base != 16))
    return false;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    int d = digit_value(text[i], base);
    if (d < 0 || v > (max - (uint64_t)d) / (uint64_t)base)
      return false;
    v = v * (uint64_t)base + (uint64_t)d;
  }
  *out = v;
  return true;
}

bool ctrt__parse_uint_cstr(const char *text, int base, uint64_t max, uint64_t *out) {
  return text != NULL && ctrt__parse_uint(text, strlen(text), base, max, out);
}

bool ctrt__json_int_in(const json_t *json, int64_t lo, int64_t hi, int64_t *out) {
  if (!json_is_integer(json))
    return false;
  json_int_t v = json_integer_value(json);
  if (v < lo || v > hi)
    return false;
  *out = (int64_t)v;
  return true;
}

bool ctrt__json_number_u64(const json_t *json, uint64_t *out) {
  if (json_is_integer(json)) {
    if (json_integer_value(json) < 0)
      return false;
    *out = (uint64_t)json_integer_value(json);
    return true;
  }
  if (!json_is_real(json))
    return false;
  /* Casting a double outside [0, 2^64) is undefined: check first. */
  double v = json_real_value(json);
  if (!isfinite(v) || v < 0 || v >= 18446744073709551616.0)
    return false;
  *out = (uint64_t)v;
  return true;
}

bool ctrt__json_string_clean(const json_t *json) {
  return json_is_string(json) && strlen(json_string_value(json)) == json_string_length(json);
}
