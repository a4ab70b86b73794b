/* SPDX-License-Identifier: MIT */
/* Unit tests of runtime/core: the free functions, ContainerId, text
 * encodings, SHA-256/HMAC, the auth token, errors, byte sources, streams. */
#include "test_support.h"

#include "gen_internal.h"
#include "backends/docker/docker_wire.h"
#include "core/log_records.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool starts_with(const char *text, const char *prefix) { return strncmp(text, prefix, strlen(prefix)) == 0; }

/* ---- signal_name_from_exit_code ------------------------------------------ */

static void test_signal_names_of_every_listed_signal(void) {
  static const struct {
    int n;
    const char *name;
  } listed[] = {{1, "SIGHUP"},   {2, "SIGINT"},   {3, "SIGQUIT"},  {4, "SIGILL"},   {6, "SIGABRT"},  {7, "SIGBUS"},
                {8, "SIGFPE"},   {9, "SIGKILL"},  {10, "SIGUSR1"}, {11, "SIGSEGV"}, {12, "SIGUSR2"}, {13, "SIGPIPE"},
                {14, "SIGALRM"}, {15, "SIGTERM"}, {17, "SIGSTOP"}, {18, "SIGCONT"}};
  for (size_t i = 0; i < sizeof listed / sizeof listed[0]; i++) {
    char *name = NULL;
    ASSERT_OK(ctrt_signal_name_from_exit_code(&name, 128 + listed[i].n));
    ASSERT_STR(name, listed[i].name);
    ctrt_free(name);
  }
}

static void test_signal_names_of_unlisted_numbers(void) {
  static const int unlisted[] = {5, 16, 19, 20, 31, 64, 127};
  for (size_t i = 0; i < sizeof unlisted / sizeof unlisted[0]; i++) {
    char *name = NULL, expected[32];
    snprintf(expected, sizeof expected, "signal_%d", unlisted[i]);
    ASSERT_OK(ctrt_signal_name_from_exit_code(&name, 128 + unlisted[i]));
    ASSERT_STR(name, expected);
    ctrt_free(name);
  }
  char *name = NULL;
  ASSERT_OK(ctrt_signal_name_from_exit_code(&name, INT32_MAX));
  ASSERT_STR(name, "signal_2147483519");
  ctrt_free(name);
}

static void test_signal_names_absent_up_to_128(void) {
  static const int32_t codes[] = {128, 127, 1, 0, -1, -137, INT32_MIN};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    char *name = (char *)"sentinel";
    ASSERT_OK(ctrt_signal_name_from_exit_code(&name, codes[i]));
    CU_ASSERT_PTR_NULL(name);
    CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NONE);
  }
  ASSERT_FAILS_WITH(ctrt_signal_name_from_exit_code(NULL, 137), CTRT_ERROR_INVALID_ARGUMENT);
}

/* ---- validate_signal -------------------------------------------------------- */

static void test_validate_signal_canonicalises(void) {
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"SIGKILL", "SIGKILL"}, {"SIGTERM", "SIGTERM"},  {"SIGINT", "SIGINT"},        {"SIGHUP", "SIGHUP"},
      {"SIGUSR1", "SIGUSR1"}, {"SIGUSR2", "SIGUSR2"},  {"kill", "SIGKILL"},         {"term", "SIGTERM"},
      {"Int", "SIGINT"},      {"hUp", "SIGHUP"},       {"usr1", "SIGUSR1"},         {"USR2", "SIGUSR2"},
      {"sigkill", "SIGKILL"}, {"SigTerm", "SIGTERM"},  {"  TERM  ", "SIGTERM"},     {"\tsigint\n", "SIGINT"},
      {" hup", "SIGHUP"},     {"sigusr1 ", "SIGUSR1"}, {"\r\n kill \v", "SIGKILL"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *out = NULL;
    ASSERT_OK(ctrt_validate_signal(&out, cases[i].in));
    ASSERT_STR(out, cases[i].out);
    ctrt_free(out);
  }
}

static void test_validate_signal_rejects_empty(void) {
  static const char *const empty[] = {"", " ", "\t\n "};
  for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
    char *out = (char *)"sentinel";
    ASSERT_FAILS_WITH(ctrt_validate_signal(&out, empty[i]), CTRT_ERROR_INVALID_SPEC);
    CU_ASSERT_PTR_NULL(out);
    /* The kind's template puts "invalid spec: " before the reference's text. */
    ASSERT_STR(ctrt_error_last()->message, "invalid spec: signal must not be empty");
  }
}

static void test_validate_signal_rejects_others_naming_the_allowed_set(void) {
  static const char *const bad[] = {"SIGSTOP",  "STOP",  "SIGQUIT",  "9",          "SIG9",    "SIG",
                                    "SIGKILLX", "KILL9", "SIG KILL", "SIGSIGKILL", "KILL;rm", "ＫＩＬＬ"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char *out = NULL;
    ASSERT_FAILS_WITH(ctrt_validate_signal(&out, bad[i]), CTRT_ERROR_INVALID_SPEC);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "SIGKILL, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, bad[i]));
  }
  /* A very long name is quoted truncated, the allowed set still named. */
  char long_name[400];
  memset(long_name, 'X', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  char *out = NULL;
  ASSERT_FAILS_WITH(ctrt_validate_signal(&out, long_name), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "SIGUSR2"));
  CU_ASSERT_TRUE(strlen(ctrt_error_last()->message) < 200);
  ASSERT_FAILS_WITH(ctrt_validate_signal(NULL, "KILL"), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_validate_signal(&out, NULL), CTRT_ERROR_INVALID_ARGUMENT);
}

/* ---- ContainerId ---------------------------------------------------------------- */

typedef struct id_case {
  const char *text;
  const char *service;
  uint32_t replica;
  const char *role;
  uint64_t node;
} id_case;

static const id_case id_cases[] = {
    {"web-rep-1", "web", 1, "default", 0},
    {"web-rep-0", "web", 0, "default", 0},
    {"my-web-app-rep-12", "my-web-app", 12, "default", 0},
    {"a-rep-b-rep-3", "a-rep-b", 3, "default", 0},
    {"x-rep-rep-2", "x-rep", 2, "default", 0},
    {"turn-on-rep-3", "turn-on", 3, "default", 0},
    {"a-on-5-rep-2", "a-on-5", 2, "default", 0},
    {"svc-rep-4294967295", "svc", 4294967295u, "default", 0},
    {"web-worker-3-on-7", "web", 3, "worker", 7},
    {"web-default-1-on-5", "web", 1, "default", 5},
    {"my-web-db-0-on-1", "my-web", 0, "db", 1},
    {"a-on-b-worker-3-on-7", "a-on-b", 3, "worker", 7},
    {"s-on-1-r-2-on-3", "s-on-1", 2, "r", 3},
    {"web-rep-1-on-5", "web", 1, "rep", 5},
    {"x-rep-9-db-2-on-4", "x-rep-9", 2, "db", 4},
    {"web-2-db-1-on-4", "web-2", 1, "db", 4},
    {"a--r-1-on-2", "a-", 1, "r", 2},
    {"svc-r-4294967295-on-18446744073709551615", "svc", 4294967295u, "r", UINT64_MAX},
};

static void test_container_id_parse(void) {
  for (size_t i = 0; i < sizeof id_cases / sizeof id_cases[0]; i++) {
    const id_case *c = &id_cases[i];
    ctrt_container_id *id = NULL;
    ASSERT_OK(ctrt_container_id_parse(&id, c->text));
    ASSERT_STR(id->service, c->service);
    CU_ASSERT_EQUAL(id->replica, c->replica);
    ASSERT_STR(id->role, c->role);
    CU_ASSERT_EQUAL(id->node_id, c->node);
    ctrt_container_id_free(id);
  }
}

static void test_container_id_format_and_round_trip(void) {
  for (size_t i = 0; i < sizeof id_cases / sizeof id_cases[0]; i++) {
    const id_case *c = &id_cases[i];
    ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
    id.service = (char *)c->service;
    id.replica = c->replica;
    id.role = (char *)c->role;
    id.node_id = c->node;
    char *text = NULL;
    ASSERT_OK(ctrt_container_id_format(&text, &id));
    ASSERT_STR(text, c->text);
    ctrt_container_id *back = NULL;
    ASSERT_OK(ctrt_container_id_parse(&back, text));
    CU_ASSERT_TRUE(ctrt_container_id_equal(&id, back));
    char *again = NULL;
    ASSERT_OK(ctrt_container_id_format(&again, back));
    ASSERT_STR(again, text);
    ctrt_free(again);
    ctrt_free(text);
    ctrt_container_id_free(back);
  }
  /* role NULL means "default": legacy shape on node 0, cluster shape elsewhere. */
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = (char *)"api";
  id.replica = 4;
  char *text = NULL;
  ASSERT_OK(ctrt_container_id_format(&text, &id));
  ASSERT_STR(text, "api-rep-4");
  ctrt_free(text);
  id.node_id = 9;
  ASSERT_OK(ctrt_container_id_format(&text, &id));
  ASSERT_STR(text, "api-default-4-on-9");
  ctrt_free(text);
}

static void test_container_id_format_rejects_unparseable(void) {
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  char *text = (char *)"sentinel";
  id.replica = 1;
  ASSERT_FAILS_WITH(ctrt_container_id_format(&text, &id), CTRT_ERROR_INVALID_ARGUMENT); /* NULL service */
  CU_ASSERT_PTR_NULL(text);
  id.service = (char *)"";
  ASSERT_FAILS_WITH(ctrt_container_id_format(&text, &id), CTRT_ERROR_INVALID_ARGUMENT);
  id.service = (char *)"web";
  id.role = (char *)"";
  ASSERT_FAILS_WITH(ctrt_container_id_format(&text, &id), CTRT_ERROR_INVALID_ARGUMENT);
  id.role = (char *)"back-end";
  ASSERT_FAILS_WITH(ctrt_container_id_format(&text, &id), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_container_id_format(NULL, &id), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_container_id_format(&text, NULL), CTRT_ERROR_INVALID_ARGUMENT);
}

static void test_container_id_parse_rejects_non_ids(void) {
  static const char *const bad[] = {
      "",             /* empty */
      "3f4e5a6b7c8d", /* a hex id */
      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
      "web",                              /* a bare name */
      "zlayer-web-1",                     /* a Docker container name */
      "web-rep-",                         /* no replica */
      "-rep-1",                           /* no service */
      "web-rep-01",                       /* leading zero */
      "web-rep-00",                       /* leading zero */
      "web-rep-+1",                       /* sign */
      "web-rep--1",                       /* negative */
      "web-rep-1x",                       /* trailing junk */
      "web-rep-1 ",                       /* trailing space */
      "web-rep-4294967296",               /* replica overflows u32 */
      "web-rep-99999999999999999999999",  /* far too long */
      "web-db-1-on-18446744073709551616", /* node overflows u64 */
      "web-db-4294967296-on-1",           /* replica overflows u32 */
      "web-db-01-on-2",                   /* leading zero */
      "web-db-1-on-02",                   /* leading zero */
      "web-db-1-on-",                     /* no node */
      "web--1-on-2",                      /* empty role */
      "db-1-on-2",                        /* no service */
      "-db-1-on-2",                       /* empty service */
      "web-default-1-on-0",               /* default role on node 0 is the legacy shape */
      "WEB-REP-1",                        /* keywords are lowercase */
      "web-rep-1-on-x",                   /* node not a number */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ctrt_container_id *id = (ctrt_container_id *)1;
    int rc = ctrt_container_id_parse(&id, bad[i]);
    if (rc == 0)
      fprintf(stderr, "\n'%s' parsed as a container id\n", bad[i]);
    CU_ASSERT_EQUAL(rc, CTRT_EINVALID_ARGUMENT);
    CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_INVALID_ARGUMENT);
    CU_ASSERT_PTR_NULL(id);
    if (rc == 0)
      ctrt_container_id_free(id);
  }
  ctrt_container_id *id = NULL;
  ASSERT_FAILS_WITH(ctrt_container_id_parse(&id, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_container_id_parse(NULL, "web-rep-1"), CTRT_ERROR_INVALID_ARGUMENT);
}

/* ---- base64 ----------------------------------------------------------------------- */

static void test_base64_encode_rfc4648(void) {
  static const struct {
    const char *in, *std, *url;
  } cases[] = {
      {"", "", ""},
      {"f", "Zg==", "Zg"},
      {"fo", "Zm8=", "Zm8"},
      {"foo", "Zm9v", "Zm9v"},
      {"foob", "Zm9vYg==", "Zm9vYg"},
      {"fooba", "Zm9vYmE=", "Zm9vYmE"},
      {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *std = ctrt__base64_encode(cases[i].in, strlen(cases[i].in), false);
    char *url = ctrt__base64_encode(cases[i].in, strlen(cases[i].in), true);
    ASSERT_STR(std, cases[i].std);
    ASSERT_STR(url, cases[i].url);
    ctrt_free(std);
    ctrt_free(url);
  }
  /* The alphabets differ in the last two characters. */
  static const uint8_t high[] = {0xfb, 0xff, 0xbf};
  char *std = ctrt__base64_encode(high, sizeof high, false);
  char *url = ctrt__base64_encode(high, sizeof high, true);
  ASSERT_STR(std, "+/+/");
  ASSERT_STR(url, "-_-_");
  ctrt_free(std);
  ctrt_free(url);
}

static void test_base64_decode_both_alphabets(void) {
  static const struct {
    const char *text;
    const char *bytes;
    size_t len;
  } cases[] = {
      {"", "", 0},
      {"Zg==", "f", 1},
      {"Zg", "f", 1},
      {"Zm8=", "fo", 2},
      {"Zm8", "fo", 2},
      {"Zm9v", "foo", 3},
      {"Zm9vYmFy", "foobar", 6},
      {"+/+/", "\xfb\xff\xbf", 3},
      {"-_-_", "\xfb\xff\xbf", 3},
      {"+/-_", "\xfb\xff\xbf", 3},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t *out = NULL;
    size_t len = 99;
    ASSERT_OK(ctrt__base64_decode(&out, &len, cases[i].text, strlen(cases[i].text)));
    CU_ASSERT_EQUAL(len, cases[i].len);
    CU_ASSERT_TRUE(len == cases[i].len && memcmp(out, cases[i].bytes, len) == 0);
    ctrt_free(out);
  }
  /* Every byte value survives both alphabets, at every tail length. */
  uint8_t all[256];
  for (int i = 0; i < 256; i++)
    all[i] = (uint8_t)i;
  for (size_t n = 250; n <= 256; n++) {
    for (int url_safe = 0; url_safe < 2; url_safe++) {
      char *text = ctrt__base64_encode(all, n, url_safe);
      CU_ASSERT_PTR_NOT_NULL_FATAL(text);
      uint8_t *out = NULL;
      size_t len = 0;
      ASSERT_OK(ctrt__base64_decode(&out, &len, text, strlen(text)));
      CU_ASSERT_TRUE(len == n && memcmp(out, all, n) == 0);
      ctrt_free(out);
      ctrt_free(text);
    }
  }
}

static void test_base64_decode_rejects_bad_input(void) {
  static const char *const bad[] = {
      "Z",        /* a dangling character */
      "Zm9vY",    /* same, after a full group */
      "Zm9v!",    /* not in either alphabet */
      "Zm 9v",    /* whitespace */
      "Zg=a",     /* padding in the middle */
      "=Zg=",     /* padding first */
      "Zg===",    /* too much padding */
      "Zm9v====", /* a whole group of padding */
      "Zm8==",    /* padding that does not complete a group */
      "Zg=",      /* too little padding */
      "Zm9\x80v", /* a non-ASCII byte */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint8_t *out = (uint8_t *)1;
    size_t len = 99;
    int rc = ctrt__base64_decode(&out, &len, bad[i], strlen(bad[i]));
    if (rc == 0)
      fprintf(stderr, "\n'%s' decoded as base64\n", bad[i]);
    CU_ASSERT_EQUAL(rc, CTRT_EINVALID_ARGUMENT);
    CU_ASSERT_PTR_NULL(out);
    CU_ASSERT_EQUAL(len, 0);
    if (rc == 0)
      ctrt_free(out);
  }
}

/* ---- RFC 3339 ------------------------------------------------------------------------ */

static void test_timestamp_format(void) {
  static const struct {
    int64_t seconds;
    int32_t nanos;
    const char *text;
  } cases[] = {
      {0, 0, "1970-01-01T00:00:00Z"},
      {1764326208, 0, "2025-11-28T10:36:48Z"},
      {1764326208, 500000000, "2025-11-28T10:36:48.5Z"},
      {1764326208, 123456789, "2025-11-28T10:36:48.123456789Z"},
      {1764326208, 1, "2025-11-28T10:36:48.000000001Z"},
      {1764326208, 120000, "2025-11-28T10:36:48.00012Z"},
      {-1, 0, "1969-12-31T23:59:59Z"},
      {-1, 999999999, "1969-12-31T23:59:59.999999999Z"},
      {1709164800, 0, "2024-02-29T00:00:00Z"},
      {-62135596800, 0, "0001-01-01T00:00:00Z"},
      {253402300799, 999999999, "9999-12-31T23:59:59.999999999Z"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char buf[64];
    ctrt_timestamp ts = {cases[i].seconds, cases[i].nanos};
    CU_ASSERT_EQUAL_FATAL(ctrt__timestamp_format(buf, sizeof buf, &ts), 0);
    ASSERT_STR(buf, cases[i].text);
    ctrt_timestamp back = {7, 7};
    CU_ASSERT_EQUAL(ctrt__timestamp_parse(&back, buf), 0);
    CU_ASSERT_EQUAL(back.seconds, ts.seconds);
    CU_ASSERT_EQUAL(back.nanos, ts.nanos);
  }
  /* Outside years 0..9999, with invalid nanoseconds, or too small a buffer. */
  char buf[64];
  ctrt_timestamp out_of_range[] = {{253402300800, 0}, {-62167219201, 0}, {0, -1},
                                   {0, 1000000000},   {INT64_MAX, 0},    {INT64_MIN, 0}};
  for (size_t i = 0; i < sizeof out_of_range / sizeof out_of_range[0]; i++)
    CU_ASSERT_EQUAL(ctrt__timestamp_format(buf, sizeof buf, &out_of_range[i]), -1);
  ctrt_timestamp ts = {0, 0};
  CU_ASSERT_EQUAL(ctrt__timestamp_format(buf, 20, &ts), -1); /* needs 21 with the NUL */
  CU_ASSERT_EQUAL(ctrt__timestamp_format(buf, 21, &ts), 0);

  /* Parse accepts exactly what format accepts: an offset or a leap second
   * that carries an instant out of years 0..9999 is refused, and every
   * instant parse accepts formats and parses back to itself. */
  const char *edges[] = {"9999-12-31T23:59:59-01:00", "9999-12-31T23:59:60Z", "0000-01-01T00:00:00+00:01",
                         "9999-12-31T23:59:59Z",      "0000-01-01T00:00:00Z", "0000-01-01T00:59:00+00:59",
                         "9999-12-31T22:59:59-01:00"};
  for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
    ctrt_timestamp t = {0, 0}, again = {0, 0};
    bool parsed = ctrt__timestamp_parse(&t, edges[i]) == 0;
    CU_ASSERT_EQUAL(parsed, i >= 3);
    if (parsed) {
      CU_ASSERT_EQUAL(ctrt__timestamp_format(buf, sizeof buf, &t), 0);
      CU_ASSERT_EQUAL(ctrt__timestamp_parse(&again, buf), 0);
      CU_ASSERT_EQUAL(again.seconds, t.seconds);
    }
  }
}

static void test_timestamp_parse(void) {
  static const struct {
    const char *text;
    int64_t seconds;
    int32_t nanos;
  } cases[] = {
      {"2025-11-28T10:36:48Z", 1764326208, 0},
      {"2025-11-28t10:36:48z", 1764326208, 0},
      {"2025-11-28T10:36:48.5Z", 1764326208, 500000000},
      {"2025-11-28T10:36:48.123456789Z", 1764326208, 123456789},
      {"2025-11-28T10:36:48.1234567891234Z", 1764326208, 123456789}, /* beyond ns: truncated */
      {"2025-11-28T10:36:48+00:00", 1764326208, 0},
      {"2025-11-28T16:06:48+05:30", 1764326208, 0},
      {"2025-11-28T02:36:48-08:00", 1764326208, 0},
      {"2025-11-28T00:00:00.25-10:36", 1764326160, 250000000}, /* 10:36:00.25 UTC */
      {"0001-01-01T00:00:00Z", -62135596800, 0},
      {"1969-12-31T23:59:59.999Z", -1, 999000000},
      {"2024-02-29T00:00:00Z", 1709164800, 0},
      {"2000-02-29T00:00:00Z", 951782400, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ctrt_timestamp ts = {0, 0};
    int rc = ctrt__timestamp_parse(&ts, cases[i].text);
    if (rc != 0)
      fprintf(stderr, "\n'%s' did not parse\n", cases[i].text);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(ts.seconds, cases[i].seconds);
    CU_ASSERT_EQUAL(ts.nanos, cases[i].nanos);
  }
}

static void test_timestamp_parse_rejects_invalid(void) {
  static const char *const bad[] = {
      "",
      "yesterday",
      "2025-11-28",
      "2025-11-28T10:36:48",       /* no offset */
      "2025-11-28T10:36Z",         /* no seconds */
      "2025-1-28T10:36:48Z",       /* one-digit month */
      "2025-11-28T10:36:48.Z",     /* empty fraction */
      "2025-11-28T10:36:48+0530",  /* offset without colon */
      "2025-11-28T10:36:48+24:00", /* offset hours */
      "2025-11-28T10:36:48+05:60", /* offset minutes */
      "2025-11-28T10:36:48Zjunk",  /* trailing junk */
      "2025-13-01T00:00:00Z",      /* month 13 */
      "2025-00-10T00:00:00Z",      /* month 0 */
      "2025-04-31T00:00:00Z",      /* April has 30 days */
      "2025-01-00T00:00:00Z",      /* day 0 */
      "2023-02-29T00:00:00Z",      /* not a leap year */
      "1900-02-29T00:00:00Z",      /* not a leap year either */
      "2025-01-01T24:00:00Z",      /* hour 24 */
      "2025-01-01T23:60:00Z",      /* minute 60 */
      "2025-01-01T23:59:61Z",      /* second 61 */
      "2025-01-01X23:59:59Z",      /* separator */
      "+2025-01-01T00:00:00Z",     /* sign */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ctrt_timestamp ts = {0, 0};
    int rc = ctrt__timestamp_parse(&ts, bad[i]);
    if (rc == 0)
      fprintf(stderr, "\n'%s' parsed as a timestamp\n", bad[i]);
    CU_ASSERT_EQUAL(rc, -1);
  }
}

/* ---- SHA-256 and HMAC ---------------------------------------------------------------- */

static void hex(const uint8_t *digest, char out[65]) { ctrt__sha256_hex(digest, out); }

static void sha256_of(const void *data, size_t len, char out[65]) {
  ctrt__sha256 ctx;
  uint8_t digest[32];
  ctrt__sha256_init(&ctx);
  ctrt__sha256_update(&ctx, data, len);
  ctrt__sha256_final(&ctx, digest);
  hex(digest, out);
}

static void test_sha256_vectors(void) {
  char out[65];
  sha256_of("abc", 3, out);
  ASSERT_STR(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  sha256_of("", 0, out);
  ASSERT_STR(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  sha256_of(m448, strlen(m448), out);
  ASSERT_STR(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

  /* One million 'a': at once, and in uneven pieces across block edges. */
  const char *million = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
  char *a = malloc(1000000);
  CU_ASSERT_PTR_NOT_NULL_FATAL(a);
  memset(a, 'a', 1000000);
  sha256_of(a, 1000000, out);
  ASSERT_STR(out, million);
  ctrt__sha256 ctx;
  uint8_t digest[32];
  ctrt__sha256_init(&ctx);
  size_t done = 0, step = 1;
  while (done < 1000000) {
    size_t n = step < 1000000 - done ? step : 1000000 - done;
    ctrt__sha256_update(&ctx, a + done, n);
    done += n;
    step = step * 7 % 131 + 1;
  }
  ctrt__sha256_final(&ctx, digest);
  hex(digest, out);
  ASSERT_STR(out, million);
  free(a);

  char *digest_string = ctrt__sha256_digest_string("abc", 3);
  ASSERT_STR(digest_string, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  ctrt_free(digest_string);
}

static void test_hmac_sha256_rfc4231(void) {
  uint8_t key1[20], key3[20], data3[50], key4[25], data4[50], key6[131];
  memset(key1, 0x0b, sizeof key1);
  memset(key3, 0xaa, sizeof key3);
  memset(data3, 0xdd, sizeof data3);
  for (int i = 0; i < 25; i++)
    key4[i] = (uint8_t)(i + 1);
  memset(data4, 0xcd, sizeof data4);
  memset(key6, 0xaa, sizeof key6);
  const char *data6 = "Test Using Larger Than Block-Size Key - Hash Key First";
  const char *data7 = "This is a test using a larger than block-size key and a larger than block-size data. The key "
                      "needs to be hashed before being used by the HMAC algorithm.";
  const struct {
    const void *key;
    size_t key_len;
    const void *data;
    size_t len;
    const char *mac;
  } cases[] = {
      {key1, sizeof key1, "Hi There", 8, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"Jefe", 4, "what do ya want for nothing?", 28,
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {key3, sizeof key3, data3, sizeof data3, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {key4, sizeof key4, data4, sizeof data4, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {key6, sizeof key6, data6, strlen(data6), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {key6, sizeof key6, data7, strlen(data7), "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t mac[32];
    char out[65];
    ctrt__hmac_sha256(cases[i].key, cases[i].key_len, cases[i].data, cases[i].len, mac);
    hex(mac, out);
    ASSERT_STR(out, cases[i].mac);
  }
}

/* ---- The auth token ------------------------------------------------------------------- */

static json_t *decode_segment(const char *text, size_t len) {
  uint8_t *raw = NULL;
  size_t raw_len = 0;
  if (ctrt__base64_decode(&raw, &raw_len, text, len) < 0)
    return NULL;
  json_t *json = json_loadb((const char *)raw, raw_len, 0, NULL);
  ctrt_free(raw);
  return json;
}

static void test_auth_token(void) {
  const char *secret = "s3cr3t-jwt-key";
  ctrt_container_id id = CTRT_CONTAINER_ID_INIT;
  id.service = (char *)"web-api";
  id.replica = 3;
  const int64_t iat = 1764326208;
  char *token = NULL;
  ASSERT_OK(ctrt__auth_token(&token, secret, &id, iat));
  CU_ASSERT_PTR_NOT_NULL_FATAL(token);
  CU_ASSERT_PTR_NULL(strstr(token, secret));
  CU_ASSERT_PTR_NULL(strpbrk(token, "=+/ \n")); /* base64url, unpadded */

  const char *dot1 = strchr(token, '.');
  CU_ASSERT_PTR_NOT_NULL_FATAL(dot1);
  const char *dot2 = strchr(dot1 + 1, '.');
  CU_ASSERT_PTR_NOT_NULL_FATAL(dot2);
  CU_ASSERT_PTR_NULL(strchr(dot2 + 1, '.'));

  json_t *header = decode_segment(token, (size_t)(dot1 - token));
  CU_ASSERT_PTR_NOT_NULL_FATAL(header);
  ASSERT_STR(json_string_value(json_object_get(header, "alg")), "HS256");
  ASSERT_STR(json_string_value(json_object_get(header, "typ")), "JWT");
  json_decref(header);

  json_t *claims = decode_segment(dot1 + 1, (size_t)(dot2 - dot1 - 1));
  CU_ASSERT_PTR_NOT_NULL_FATAL(claims);
  ASSERT_STR(json_string_value(json_object_get(claims, "sub")), "container:web-api:web-api-3");
  ASSERT_STR(json_string_value(json_object_get(claims, "iss")), "zlayer");
  CU_ASSERT_TRUE(json_is_integer(json_object_get(claims, "iat")));
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(claims, "iat")), iat);
  CU_ASSERT_EQUAL(json_integer_value(json_object_get(claims, "exp")), iat + 365 * 24 * 3600);
  json_t *roles = json_object_get(claims, "roles");
  CU_ASSERT_TRUE(json_is_array(roles) && json_array_size(roles) == 1);
  ASSERT_STR(json_string_value(json_array_get(roles, 0)), "container");
  CU_ASSERT_EQUAL(json_object_size(claims), 5);
  json_decref(claims);

  /* The signature is HMAC-SHA256(secret, "header.claims"), base64url. */
  uint8_t mac[32];
  ctrt__hmac_sha256(secret, strlen(secret), token, (size_t)(dot2 - token), mac);
  char *expected = ctrt__base64_encode(mac, sizeof mac, true);
  ASSERT_STR(dot2 + 1, expected);
  ctrt_free(expected);

  /* Another secret signs differently; the same inputs sign the same. */
  char *other = NULL, *same = NULL;
  ASSERT_OK(ctrt__auth_token(&other, "another secret", &id, iat));
  ASSERT_OK(ctrt__auth_token(&same, secret, &id, iat));
  CU_ASSERT_STRING_NOT_EQUAL(other, token);
  CU_ASSERT_EQUAL(strncmp(other, token, (size_t)(dot2 - token)), 0);
  ASSERT_STR(same, token);
  ctrt_free(other);
  ctrt_free(same);
  ctrt_free(token);
}

/* ---- Errors ------------------------------------------------------------------------------ */

static void *error_in_thread(void *arg) {
  int *ok = arg;
  /* The main thread's error is not visible here. */
  *ok = ctrt_error_last()->kind == CTRT_ERROR_NONE && ctrt_error_last()->message[0] == '\0' &&
        ctrt_error_last()->http_status == 0;
  ctrt_backend_error(CTRT_ERROR_NETWORK, 0, "thread error");
  *ok = *ok && ctrt_error_last()->kind == CTRT_ERROR_NETWORK && strcmp(ctrt_error_last()->message, "thread error") == 0;
  return NULL;
}

static void test_error_is_thread_local(void) {
  ctrt_backend_error(CTRT_ERROR_NOT_FOUND, 404, "main %s", "error");
  int ok = 0;
  pthread_t thread;
  CU_ASSERT_EQUAL_FATAL(pthread_create(&thread, NULL, error_in_thread, &ok), 0);
  pthread_join(thread, NULL);
  CU_ASSERT_TRUE(ok);
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NOT_FOUND);
  CU_ASSERT_EQUAL(ctrt_error_last()->http_status, 404);
  ASSERT_STR(ctrt_error_last()->message, "main error");
}

/* adopt_container's reference, as every backend resolves it: an exact id
 * or name wins wherever it stands, a unique id prefix otherwise. */
static void test_engine_ref_match(void) {
  static const char *const ids[] = {"abc123", "abd456", "ff0000"};
  static const char *const names[] = {"web", "abd", "db"};
  struct {
    const char *ref;
    int want_rc;
    int want_index; /* -1: none */
  } cases[] = {
      {"ab", CTRT_EINVALID_ARGUMENT, -1}, /* two ids start with it */
      {"abd", 0, 1},                      /* a name, though also a prefix of two ids */
      {"abc", 0, 0},                      /* a unique prefix */
      {"ff0000", 0, 2},                   /* the full id */
      {"db", 0, 2},                       /* a name */
      {"zz", CTRT_ENOT_FOUND, -1},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    ctrt__engine_ref_match m = CTRT__ENGINE_REF_MATCH_INIT(cases[k].ref);
    for (size_t i = 0; i < 3; i++)
      if (ctrt__engine_ref_offer(&m, &ids[i], ids[i], names[i]))
        break;
    const void *hit = &m;
    CU_ASSERT_EQUAL(ctrt__engine_ref_result(&m, &hit), cases[k].want_rc);
    CU_ASSERT_PTR_EQUAL(hit, cases[k].want_index < 0 ? NULL : &ids[cases[k].want_index]);
  }
  /* The wording every backend gives. */
  ctrt__error_engine_ref_unmatched("ab", 2);
  ASSERT_STR(ctrt_error_last()->message,
             "adopt_container: engine_ref 'ab' is a prefix of several container ids: give more of the id");
  CU_ASSERT_EQUAL(ctrt__error_adopt_known_as("web", "svc-1"), CTRT_ECONFLICT);
  CU_ASSERT_EQUAL(ctrt_error_last()->http_status, 409);
  ASSERT_STR(ctrt_error_last()->message, "adopt_container: container 'web' is already addressed as svc-1");
  CU_ASSERT_EQUAL(ctrt__error_adopt_id_taken("svc-1", "0123456789abcdef"), CTRT_ECONFLICT);
  ASSERT_STR(ctrt_error_last()->message, "adopt_container: svc-1 already names another container (0123456789ab)");
}

static void test_error_messages_are_truncated(void) {
  char huge[5000];
  memset(huge, 'm', sizeof huge - 1);
  huge[sizeof huge - 1] = '\0';
  CU_ASSERT_EQUAL(ctrt_backend_error(CTRT_ERROR_INTERNAL, 500, "%s%s", huge, huge), CTRT_EINTERNAL);
  const ctrt_error *err = ctrt_error_last();
  CU_ASSERT_EQUAL(strlen(err->message), CTRT__ERROR_MESSAGE_MAX - 1);
  CU_ASSERT_EQUAL(err->message[0], 'm');
  CU_ASSERT_EQUAL(err->http_status, 500);

  /* Wrapping keeps the kind and status and also stays in bounds; it may
   * quote its own message (the old text is copied before it is replaced). */
  CU_ASSERT_EQUAL(ctrt__error_wrap("context %s", huge), CTRT_EINTERNAL);
  CU_ASSERT_EQUAL(strlen(ctrt_error_last()->message), CTRT__ERROR_MESSAGE_MAX - 1);
  CU_ASSERT_TRUE(starts_with(ctrt_error_last()->message, "context mmm"));
  CU_ASSERT_EQUAL(ctrt_error_last()->http_status, 500);
  ctrt_backend_error(CTRT_ERROR_NOT_FOUND, 0, "no such thing");
  CU_ASSERT_EQUAL(ctrt__error_wrap("archive_put %s", "/etc"), CTRT_ENOT_FOUND);
  ASSERT_STR(ctrt_error_last()->message, "archive_put /etc: no such thing");
  ctrt_backend_error(CTRT_ERROR_NOT_FOUND, 0, "abc");
  ctrt_backend_error(CTRT_ERROR_NOT_FOUND, 0, "%s-%s", ctrt_error_last()->message, ctrt_error_last()->message);
  ASSERT_STR(ctrt_error_last()->message, "abc-abc");
  /* Wrapping when there is no error makes an internal one. */
  ctrt_error_clear();
  CU_ASSERT_EQUAL(ctrt__error_wrap("lost"), CTRT_EINTERNAL);
  ASSERT_STR(ctrt_error_last()->message, "lost");
}

/* Found by fuzz/ (error_body): a cut in the middle of a character left
 * invalid UTF-8 at the end of the message. */
static void test_error_messages_are_cut_between_characters(void) {
  char wide[3000] = "";
  for (size_t i = 0; i + 2 < sizeof wide; i += 2)
    memcpy(wide + i, "\xc3\xa9", 3); /* U+00E9, two bytes, at every offset parity */
  for (int shift = 0; shift < 4; shift++) {
    ctrt_backend_error(CTRT_ERROR_INTERNAL, 0, "%.*s%s", shift, "xyz", wide);
    const char *m = ctrt_error_last()->message;
    CU_ASSERT_TRUE(ctrt__utf8_valid(m, strlen(m)));
    CU_ASSERT_TRUE(strlen(m) >= CTRT__ERROR_MESSAGE_MAX - 2);
    CU_ASSERT_EQUAL(ctrt__error_wrap("%.*s", shift, "xyz"), CTRT_EINTERNAL);
    CU_ASSERT_TRUE(ctrt__utf8_valid(m, strlen(m)));
    ctrt__docker_error_from_body(404, wide, strlen(wide), shift ? "GET /x" : NULL);
    CU_ASSERT_TRUE(ctrt__utf8_valid(m, strlen(m)));
  }
  /* Four-byte characters, and nothing is cut from a message that fits. */
  CU_ASSERT_EQUAL(ctrt__utf8_cut("a\xf0\x9f\x98", 4), 1);
  CU_ASSERT_EQUAL(ctrt__utf8_cut("a\xf0\x9f\x98\x80", 5), 5);
  CU_ASSERT_EQUAL(ctrt__utf8_cut("ab", 2), 2);
}

static void test_error_clear_and_setters(void) {
  ctrt_backend_error(CTRT_ERROR_CONFLICT, 409, "busy");
  ctrt_error_clear();
  const ctrt_error *err = ctrt_error_last();
  CU_ASSERT_EQUAL(err->kind, CTRT_ERROR_NONE);
  CU_ASSERT_EQUAL(err->http_status, 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL(err->message);
  ASSERT_STR(err->message, "");
  CU_ASSERT_EQUAL(ctrt__error_code(), 0);

  /* A backend passing "none" still reports a failure. */
  CU_ASSERT_EQUAL(ctrt_backend_error(CTRT_ERROR_NONE, 0, "oops"), CTRT_EINTERNAL);
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_INTERNAL);

  /* Generated setters apply the spec's message templates. */
  CU_ASSERT_EQUAL(ctrt__error_unsupported("pause_container"), CTRT_EUNSUPPORTED);
  ASSERT_STR(ctrt_error_last()->message, "pause_container is not supported by this runtime");
  CU_ASSERT_EQUAL(ctrt__error_not_found("web-rep-1", "gone"), CTRT_ENOT_FOUND);
  ASSERT_STR(ctrt_error_last()->message, "web-rep-1: not found: gone");
  CU_ASSERT_EQUAL(ctrt__error_unexpected_exit("web-rep-1", 137), CTRT_EUNEXPECTED_EXIT);
  ASSERT_STR(ctrt_error_last()->message, "web-rep-1 exited unexpectedly with code 137");
  CU_ASSERT_EQUAL(ctrt__error_invalid_spec("bad %s %d%%", "name", 5), CTRT_EINVALID_SPEC);
  ASSERT_STR(ctrt_error_last()->message, "invalid spec: bad name 5%");
  CU_ASSERT_EQUAL(ctrt__error_no_memory(), CTRT_ENO_MEMORY);
  ASSERT_STR(ctrt_error_last()->message, "out of memory");
  CU_ASSERT_EQUAL(ctrt__error_code(), CTRT_ENO_MEMORY);

  /* Docker statuses map deliberately. */
  CU_ASSERT_EQUAL(ctrt__error_kind_for_http(404), CTRT_ERROR_NOT_FOUND);
  CU_ASSERT_EQUAL(ctrt__error_kind_for_http(400), CTRT_ERROR_INVALID_SPEC);
  CU_ASSERT_EQUAL(ctrt__error_kind_for_http(409), CTRT_ERROR_CONFLICT);
  CU_ASSERT_EQUAL(ctrt__error_kind_for_http(500), CTRT_ERROR_INTERNAL);
  CU_ASSERT_EQUAL(ctrt__error_kind_for_http(503), CTRT_ERROR_INTERNAL);
  CU_ASSERT_EQUAL(ctrt__error_kind_for_http(501), CTRT_ERROR_UNSUPPORTED);
  CU_ASSERT_EQUAL(ctrt__error_kind_for_http(599), CTRT_ERROR_INTERNAL);
  CU_ASSERT_EQUAL(ctrt__error_kind_for_http(418), CTRT_ERROR_INVALID_SPEC);
}

static void test_error_kind_names(void) {
  static const char *const names[] = {
      "none",
      "not_found",
      "pull_failed",
      "create_failed",
      "start_failed",
      "unexpected_exit",
      "health_check_failed",
      "init_action_failed",
      "timeout",
      "dependency_timeout",
      "invalid_spec",
      "network",
      "configuration",
      "internal",
      "unsupported",
      "conflict",
      "invalid_argument",
      "cancelled",
      "no_memory",
      "iteration_over",
  };
  CU_ASSERT_EQUAL_FATAL(sizeof names / sizeof names[0], CTRT_ERROR_KIND_COUNT);
  for (ctrt_error_kind kind = CTRT_ERROR_NONE; kind < CTRT_ERROR_KIND_COUNT; kind++) {
    ASSERT_STR(ctrt_error_kind_name(kind), names[kind]);
    if (kind == CTRT_ERROR_NONE)
      continue;
    ctrt_error_kind back = CTRT_ERROR_NONE;
    ASSERT_OK(ctrt_error_kind_from_name(&back, names[kind]));
    CU_ASSERT_EQUAL(back, kind);
  }
  ASSERT_STR(ctrt_error_kind_name((ctrt_error_kind)CTRT_ERROR_KIND_COUNT), "unknown");
  ASSERT_STR(ctrt_error_kind_name((ctrt_error_kind)-1), "unknown");
  ctrt_error_kind kind = CTRT_ERROR_NONE;
  ASSERT_FAILS_WITH(ctrt_error_kind_from_name(&kind, "not-found"), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_error_kind_from_name(&kind, "NOT_FOUND"), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_error_kind_from_name(&kind, ""), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_error_kind_from_name(&kind, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_error_kind_from_name(NULL, "internal"), CTRT_ERROR_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(CTRT_ITEROVER, -(int)CTRT_ERROR_ITERATION_OVER);
}

/* ---- Byte sources ----------------------------------------------------------------------- */

/* Read a source to its end in chunks of at most cap; returns the bytes
 * (NUL-terminated) or NULL when a read failed (rc in *rc_out). */
static char *drain(ctrt_byte_source *src, size_t cap, int *rc_out) {
  size_t used = 0, size = 64;
  char *all = malloc(size);
  char *buf = malloc(cap);
  int rc;
  for (;;) {
    size_t n = 12345;
    rc = ctrt_byte_source_read(src, buf, cap, &n);
    if (rc != 0)
      break;
    if (n == 0 || n > cap) {
      rc = -999;
      break;
    }
    while (used + n + 1 > size)
      all = realloc(all, size *= 2);
    memcpy(all + used, buf, n);
    used += n;
  }
  free(buf);
  *rc_out = rc;
  if (rc != CTRT_ITEROVER) {
    free(all);
    return NULL;
  }
  all[used] = '\0';
  return all;
}

static void test_byte_source_buffer(void) {
  const char *text = "hello, byte sources";
  for (size_t cap = 1; cap <= 32; cap += 3) {
    ctrt_byte_source *src = NULL;
    ASSERT_OK(ctrt_byte_source_from_buffer(&src, text, strlen(text)));
    CU_ASSERT_FALSE(ctrt__byte_source_done(src));
    int rc = 0;
    char *all = drain(src, cap, &rc);
    CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
    ASSERT_STR(all, text);
    free(all);
    CU_ASSERT_TRUE(ctrt__byte_source_done(src));
    CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NONE);
    char c;
    size_t n = 9;
    CU_ASSERT_EQUAL(ctrt_byte_source_read(src, &c, 1, &n), CTRT_ITEROVER); /* stays at its end */
    CU_ASSERT_EQUAL(n, 0);
    ctrt_byte_source_free(src);
  }
  ctrt_byte_source *src = NULL;
  ASSERT_OK(ctrt_byte_source_from_buffer(&src, NULL, 0));
  char c;
  size_t n = 9;
  CU_ASSERT_EQUAL(ctrt_byte_source_read(src, &c, 1, &n), CTRT_ITEROVER);
  ASSERT_FAILS_WITH(ctrt_byte_source_read(src, &c, 0, &n), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_byte_source_read(src, NULL, 1, &n), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_byte_source_read(src, &c, 1, NULL), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_byte_source_read(NULL, &c, 1, &n), CTRT_ERROR_INVALID_ARGUMENT);
  ctrt_byte_source_free(src);
  ctrt_byte_source_free(NULL);
  src = (ctrt_byte_source *)1;
  ASSERT_FAILS_WITH(ctrt_byte_source_from_buffer(&src, NULL, 3), CTRT_ERROR_INVALID_ARGUMENT);
  ASSERT_FAILS_WITH(ctrt_byte_source_from_buffer(NULL, "x", 1), CTRT_ERROR_INVALID_ARGUMENT);
}

typedef struct pipe_writer {
  int fd;
  size_t len;
} pipe_writer;

static void *write_pipe(void *arg) {
  pipe_writer *w = arg;
  char block[4096];
  size_t sent = 0;
  while (sent < w->len) {
    size_t n = w->len - sent < sizeof block ? w->len - sent : sizeof block;
    for (size_t i = 0; i < n; i++)
      block[i] = (char)('a' + (sent + i) % 26);
    ssize_t k = write(w->fd, block, n);
    if (k <= 0)
      break;
    sent += (size_t)k;
  }
  close(w->fd);
  return NULL;
}

static void test_byte_source_fd(void) {
  int fds[2];
  CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
  /* More than a pipe holds, so reads and writes interleave. */
  pipe_writer w = {fds[1], 300 * 1000};
  pthread_t thread;
  CU_ASSERT_EQUAL_FATAL(pthread_create(&thread, NULL, write_pipe, &w), 0);
  ctrt_byte_source *src = NULL;
  ASSERT_OK(ctrt_byte_source_from_fd(&src, fds[0]));
  int rc = 0;
  char *all = drain(src, 7000, &rc);
  pthread_join(thread, NULL);
  CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
  CU_ASSERT_PTR_NOT_NULL_FATAL(all);
  CU_ASSERT_EQUAL(strlen(all), w.len);
  bool same = true;
  for (size_t i = 0; i < w.len && same; i++)
    same = all[i] == (char)('a' + i % 26);
  CU_ASSERT_TRUE(same);
  free(all);
  ctrt_byte_source_free(src);
  /* The descriptor is not closed by the source. */
  CU_ASSERT_EQUAL(close(fds[0]), 0);

  ASSERT_FAILS_WITH(ctrt_byte_source_from_fd(&src, -1), CTRT_ERROR_INVALID_ARGUMENT);
  /* A descriptor that cannot be read fails with the reason. */
  CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
  ASSERT_OK(ctrt_byte_source_from_fd(&src, fds[1])); /* the write end */
  char buf[8];
  size_t n = 0;
  ASSERT_FAILS_WITH(ctrt_byte_source_read(src, buf, sizeof buf, &n), CTRT_ERROR_INTERNAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, strerror(EBADF)));
  ctrt_byte_source_free(src);
  close(fds[0]);
  close(fds[1]);
}

typedef struct chunks {
  const char *const *parts;
  size_t next;
  int fail_with;    /* after the parts: 0 = end, else this code */
  bool set_message; /* set an error message when failing */
  bool zero_bytes;  /* return 0 with *n_read == 0 */
} chunks;

static int read_chunks(void *ctx, void *buf, size_t cap, size_t *n_read) {
  chunks *c = ctx;
  if (c->zero_bytes) {
    *n_read = 0;
    return 0;
  }
  if (c->parts[c->next] == NULL) {
    if (c->fail_with == 0)
      return CTRT_ITEROVER;
    if (c->set_message)
      return ctrt_backend_error((ctrt_error_kind)-c->fail_with, 0, "disk on fire");
    return c->fail_with;
  }
  size_t len = strlen(c->parts[c->next]);
  CU_ASSERT_TRUE(len <= cap);
  memcpy(buf, c->parts[c->next++], len);
  *n_read = len;
  return 0;
}

static void test_byte_source_callback(void) {
  static const char *const parts[] = {"one,", "two,", "three", NULL};
  chunks c = {parts, 0, 0, false, false};
  ctrt_byte_source *src = NULL;
  ASSERT_OK(ctrt_byte_source_from_callback(&src, read_chunks, &c));
  int rc = 0;
  char *all = drain(src, 64, &rc);
  CU_ASSERT_EQUAL(rc, CTRT_ITEROVER);
  ASSERT_STR(all, "one,two,three");
  free(all);
  ctrt_byte_source_free(src);

  /* A callback error with a message keeps both. */
  c = (chunks){parts, 0, CTRT_ENETWORK, true, false};
  ASSERT_OK(ctrt_byte_source_from_callback(&src, read_chunks, &c));
  all = drain(src, 64, &rc);
  CU_ASSERT_PTR_NULL(all);
  CU_ASSERT_EQUAL(rc, CTRT_ENETWORK);
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NETWORK);
  ASSERT_STR(ctrt_error_last()->message, "disk on fire");
  ctrt_byte_source_free(src);

  /* Without a message, one is made up for the code: even when an older,
   * unrelated error is still in the record. */
  c = (chunks){parts, 0, CTRT_ECANCELLED, false, false};
  ASSERT_OK(ctrt_byte_source_from_callback(&src, read_chunks, &c));
  char buf[64];
  size_t n = 0;
  for (int i = 0; i < 3; i++)
    ASSERT_OK(ctrt_byte_source_read(src, buf, sizeof buf, &n));
  ctrt_backend_error(CTRT_ERROR_NOT_FOUND, 404, "an older error");
  ASSERT_FAILS_WITH(ctrt_byte_source_read(src, buf, sizeof buf, &n), CTRT_ERROR_CANCELLED);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "the upload callback failed"));
  CU_ASSERT_EQUAL(ctrt_error_last()->http_status, 0);
  ctrt_byte_source_free(src);

  /* Codes that are no error kind become internal errors. */
  c = (chunks){parts + 3, 0, -1000, false, false};
  ASSERT_OK(ctrt_byte_source_from_callback(&src, read_chunks, &c));
  ASSERT_FAILS_WITH(ctrt_byte_source_read(src, buf, sizeof buf, &n), CTRT_ERROR_INTERNAL);
  ctrt_byte_source_free(src);

  /* Success with no bytes breaks the contract. */
  c = (chunks){parts, 0, 0, false, true};
  ASSERT_OK(ctrt_byte_source_from_callback(&src, read_chunks, &c));
  ASSERT_FAILS_WITH(ctrt_byte_source_read(src, buf, sizeof buf, &n), CTRT_ERROR_INVALID_ARGUMENT);
  ctrt_byte_source_free(src);

  ASSERT_FAILS_WITH(ctrt_byte_source_from_callback(&src, NULL, NULL), CTRT_ERROR_INVALID_ARGUMENT);
}

/* ---- Streams ----------------------------------------------------------------------------- */

static int freed_items;

static void count_free(void *item) {
  freed_items++;
  ctrt_free(item);
}

static void **make_items(size_t n) {
  void **items = ctrt__calloc(n, sizeof *items);
  for (size_t i = 0; i < n; i++) {
    char text[16];
    snprintf(text, sizeof text, "item %zu", i);
    items[i] = ctrt__strdup(text);
  }
  return items;
}

static void test_stream_from_items(void) {
  ctrt__stream *s = NULL;
  freed_items = 0;
  ASSERT_OK(ctrt__stream_from_items(&s, make_items(3), 3, count_free, 0, NULL));
  for (size_t i = 0; i < 3; i++) {
    void *item = NULL;
    ASSERT_OK(ctrt__stream_next(&item, s));
    char expected[16];
    snprintf(expected, sizeof expected, "item %zu", i);
    ASSERT_STR(item, expected);
    ctrt_free(item); /* delivered items belong to the caller */
  }
  for (int again = 0; again < 3; again++) {
    void *item = (void *)1;
    ctrt_backend_error(CTRT_ERROR_INTERNAL, 0, "stale");
    CU_ASSERT_EQUAL(ctrt__stream_next(&item, s), CTRT_ITEROVER);
    CU_ASSERT_PTR_NULL(item);
    CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NONE); /* the end is no error */
  }
  ctrt__stream_close(s);
  CU_ASSERT_EQUAL(freed_items, 0);

  /* An empty stream. */
  ASSERT_OK(ctrt__stream_from_items(&s, NULL, 0, count_free, 0, NULL));
  void *item = NULL;
  CU_ASSERT_EQUAL(ctrt__stream_next(&item, s), CTRT_ITEROVER);
  ctrt__stream_close(s);
}

static void test_stream_final_error(void) {
  ctrt__stream *s = NULL;
  freed_items = 0;
  ASSERT_OK(ctrt__stream_from_items(&s, make_items(2), 2, count_free, CTRT_ENETWORK, "connection reset"));
  void *item = NULL;
  for (int i = 0; i < 2; i++) {
    ASSERT_OK(ctrt__stream_next(&item, s));
    ctrt_free(item);
  }
  ASSERT_FAILS_WITH(ctrt__stream_next(&item, s), CTRT_ERROR_NETWORK);
  CU_ASSERT_PTR_NULL(item);
  ASSERT_STR(ctrt_error_last()->message, "connection reset");
  /* The error item ended the stream. */
  CU_ASSERT_EQUAL(ctrt__stream_next(&item, s), CTRT_ITEROVER);
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NONE);
  ctrt__stream_close(s);
  CU_ASSERT_EQUAL(freed_items, 0);
}

static void test_stream_close_early_frees_undelivered(void) {
  ctrt__stream *s = NULL;
  freed_items = 0;
  ASSERT_OK(ctrt__stream_from_items(&s, make_items(5), 5, count_free, CTRT_EINTERNAL, "never seen"));
  void *item = NULL;
  ASSERT_OK(ctrt__stream_next(&item, s));
  ctrt_free(item);
  ctrt__stream_close(s);
  CU_ASSERT_EQUAL(freed_items, 4);
  ctrt__stream_close(NULL);
  ctrt__stream_cancel(NULL);
}

static void test_stream_cancel(void) {
  ctrt__stream *s = NULL;
  freed_items = 0;
  ASSERT_OK(ctrt__stream_from_items(&s, make_items(3), 3, count_free, 0, NULL));
  void *item = NULL;
  ASSERT_OK(ctrt__stream_next(&item, s));
  ctrt_free(item);
  CU_ASSERT_FALSE(ctrt__stream_cancelled(s));
  ctrt__stream_cancel(s);
  ctrt__stream_cancel(s); /* idempotent */
  CU_ASSERT_TRUE(ctrt__stream_cancelled(s));
  for (int i = 0; i < 2; i++) {
    item = (void *)1;
    CU_ASSERT_EQUAL(ctrt__stream_next(&item, s), CTRT_ECANCELLED);
    CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_CANCELLED);
    CU_ASSERT_PTR_NULL(item);
  }
  ctrt__stream_close(s);
  CU_ASSERT_EQUAL(freed_items, 2);

  /* Through a generated typed wrapper. */
  void **events = ctrt__calloc(1, sizeof *events);
  ctrt_exec_event *ev = ctrt__calloc(1, sizeof *ev);
  ev->kind = CTRT_EXEC_EVENT_EXIT;
  ev->exit = 7;
  events[0] = ev;
  ASSERT_OK(ctrt__stream_from_items(&s, events, 1, ctrt__exec_event_stream_item_free, 0, NULL));
  ctrt_exec_event_stream *typed = (ctrt_exec_event_stream *)s;
  ctrt_exec_event *got = NULL;
  ASSERT_OK(ctrt_exec_event_stream_next(&got, typed));
  CU_ASSERT_EQUAL(got->kind, CTRT_EXEC_EVENT_EXIT);
  CU_ASSERT_EQUAL(got->exit, 7);
  ctrt_exec_event_free(got);
  ctrt_exec_event_stream_cancel(typed);
  CU_ASSERT_EQUAL(ctrt_exec_event_stream_next(&got, typed), CTRT_ECANCELLED);
  CU_ASSERT_PTR_NULL(got);
  ASSERT_FAILS_WITH(ctrt_exec_event_stream_next(NULL, typed), CTRT_ERROR_INVALID_ARGUMENT);
  ctrt_exec_event_stream_close(typed);
  ctrt_exec_event_stream_close(NULL);
}

/* A byte stream over a string, read in small pieces. */
typedef struct text_reader {
  const char *text;
  size_t pos;
  bool destroyed;
} text_reader;

static int text_read(void *impl, void *buf, size_t cap, size_t *n_read) {
  text_reader *r = impl;
  size_t left = strlen(r->text) - r->pos;
  if (left == 0)
    return CTRT_ITEROVER;
  size_t n = left < cap ? left : cap;
  memcpy(buf, r->text + r->pos, n);
  r->pos += n;
  *n_read = n;
  return 0;
}

static void text_destroy(void *impl) { ((text_reader *)impl)->destroyed = true; }

static void test_byte_stream(void) {
  static const ctrt__stream_vtable vt = {.read = text_read, .destroy = text_destroy};
  text_reader r = {"tar bytes", 0, false};
  ctrt__stream *s = NULL;
  ASSERT_OK(ctrt__stream_new(&s, &vt, &r, NULL));
  char buf[4], all[32] = "";
  size_t n = 0;
  while (ctrt__stream_read(s, buf, sizeof buf, &n) == 0)
    strncat(all, buf, n);
  ASSERT_STR(all, "tar bytes");
  CU_ASSERT_EQUAL(ctrt_error_last()->kind, CTRT_ERROR_NONE);
  CU_ASSERT_EQUAL(ctrt__stream_read(s, buf, sizeof buf, &n), CTRT_ITEROVER);
  void *item = NULL;
  ASSERT_FAILS_WITH(ctrt__stream_next(&item, s), CTRT_ERROR_INVALID_ARGUMENT);
  ctrt__stream_close(s);
  CU_ASSERT_TRUE(r.destroyed);
}

/* Producers that fail with a bare code, without setting an error. */
static int bare_next(void *impl, void **item) {
  (void)impl;
  (void)item;
  return CTRT_ENETWORK;
}

static int bare_read(void *impl, void *buf, size_t cap, size_t *n_read) {
  (void)impl;
  (void)buf;
  (void)cap;
  (void)n_read;
  return CTRT_ENETWORK;
}

static void test_stream_failing_without_an_error(void) {
  static const ctrt__stream_vtable typed = {.next = bare_next};
  static const ctrt__stream_vtable bytes = {.read = bare_read};
  ctrt__stream *s = NULL;
  ASSERT_OK(ctrt__stream_new(&s, &typed, NULL, NULL));
  void *item = NULL;
  ASSERT_FAILS_WITH(ctrt__stream_next(&item, s), CTRT_ERROR_INTERNAL);
  CU_ASSERT_PTR_NOT_NULL(strstr(ctrt_error_last()->message, "without setting an error"));
  CU_ASSERT_EQUAL(ctrt__stream_next(&item, s), CTRT_ITEROVER); /* the failure ended it */
  ctrt__stream_close(s);
  ASSERT_OK(ctrt__stream_new(&s, &bytes, NULL, NULL));
  char buf[8];
  size_t n = 0;
  ASSERT_FAILS_WITH(ctrt__stream_read(s, buf, sizeof buf, &n), CTRT_ERROR_INTERNAL);
  CU_ASSERT_EQUAL(ctrt__stream_read(s, buf, sizeof buf, &n), CTRT_ITEROVER);
  ctrt__stream_close(s);
}

/* LogChunk.data is `storage: trailing`: a chunk of a busy logs_stream is one
 * allocation, and _free/_copy/clear handle both layouts (valgrind checks
 * that nothing leaks or is freed twice). */
static void test_log_chunk_trailing_bytes(void) {
  ctrt_timestamp ts = {.seconds = 1700000000, .nanos = 5};
  ctrt_log_chunk *one = NULL, *copy = NULL;
  CU_ASSERT_EQUAL_FATAL(ctrt__log_chunk_new(&one, CTRT_LOG_CHANNEL_STDERR, "a\0b", 3, &ts), 0);
  CU_ASSERT_PTR_EQUAL(one->data.data, (uint8_t *)(one + 1));
  CU_ASSERT_EQUAL(one->data.len, 3);
  CU_ASSERT_EQUAL(memcmp(one->data.data, "a\0b", 4), 0); /* the NUL after them too */
  CU_ASSERT_TRUE(one->has_timestamp);
  CU_ASSERT_EQUAL(one->timestamp.nanos, 5);
  /* A copy holds its bytes apart, as a hand-built chunk does. */
  CU_ASSERT_EQUAL_FATAL(ctrt_log_chunk_copy(&copy, one), 0);
  CU_ASSERT_PTR_NOT_EQUAL(copy->data.data, (uint8_t *)(copy + 1));
  CU_ASSERT_EQUAL(memcmp(copy->data.data, "a\0b", 3), 0);
  ctrt_log_chunk_free(one);
  ctrt_log_chunk_free(copy);
  ctrt_log_chunk *empty = NULL;
  CU_ASSERT_EQUAL_FATAL(ctrt__log_chunk_new(&empty, CTRT_LOG_CHANNEL_STDOUT, NULL, 0, NULL), 0);
  CU_ASSERT_EQUAL(empty->data.len, 0);
  CU_ASSERT_EQUAL(empty->data.data[0], '\0');
  CU_ASSERT_FALSE(empty->has_timestamp);
  ctrt_log_chunk_free(empty);
}

void test_register(void) {
  CU_pSuite s = CU_add_suite("signals", NULL, NULL);
  CU_add_test(s, "signal_name_from_exit_code: listed signals", test_signal_names_of_every_listed_signal);
  CU_add_test(s, "signal_name_from_exit_code: signal_<n>", test_signal_names_of_unlisted_numbers);
  CU_add_test(s, "signal_name_from_exit_code: absent up to 128", test_signal_names_absent_up_to_128);
  CU_add_test(s, "validate_signal: canonical forms", test_validate_signal_canonicalises);
  CU_add_test(s, "validate_signal: empty", test_validate_signal_rejects_empty);
  CU_add_test(s, "validate_signal: others", test_validate_signal_rejects_others_naming_the_allowed_set);

  s = CU_add_suite("container_id", NULL, NULL);
  CU_add_test(s, "parse", test_container_id_parse);
  CU_add_test(s, "format and round trip", test_container_id_format_and_round_trip);
  CU_add_test(s, "format rejects", test_container_id_format_rejects_unparseable);
  CU_add_test(s, "parse rejects non-ids", test_container_id_parse_rejects_non_ids);

  s = CU_add_suite("text", NULL, NULL);
  CU_add_test(s, "base64 encode", test_base64_encode_rfc4648);
  CU_add_test(s, "base64 decode", test_base64_decode_both_alphabets);
  CU_add_test(s, "base64 rejects", test_base64_decode_rejects_bad_input);
  CU_add_test(s, "timestamp format", test_timestamp_format);
  CU_add_test(s, "timestamp parse", test_timestamp_parse);
  CU_add_test(s, "timestamp rejects", test_timestamp_parse_rejects_invalid);

  s = CU_add_suite("crypto", NULL, NULL);
  CU_add_test(s, "sha256 vectors", test_sha256_vectors);
  CU_add_test(s, "hmac-sha256 rfc4231", test_hmac_sha256_rfc4231);
  CU_add_test(s, "auth token", test_auth_token);

  s = CU_add_suite("errors", NULL, NULL);
  CU_add_test(s, "thread-local", test_error_is_thread_local);
  CU_add_test(s, "truncation", test_error_messages_are_truncated);
  CU_add_test(s, "truncation between characters", test_error_messages_are_cut_between_characters);
  CU_add_test(s, "clear and setters", test_error_clear_and_setters);
  CU_add_test(s, "kind names", test_error_kind_names);
  CU_add_test(s, "engine_ref match and errors", test_engine_ref_match);

  s = CU_add_suite("byte_sources", NULL, NULL);
  CU_add_test(s, "buffer", test_byte_source_buffer);
  CU_add_test(s, "fd", test_byte_source_fd);
  CU_add_test(s, "callback", test_byte_source_callback);

  s = CU_add_suite("streams", NULL, NULL);
  CU_add_test(s, "items", test_stream_from_items);
  CU_add_test(s, "final error", test_stream_final_error);
  CU_add_test(s, "close early", test_stream_close_early_frees_undelivered);
  CU_add_test(s, "cancel", test_stream_cancel);
  CU_add_test(s, "byte stream", test_byte_stream);
  CU_add_test(s, "failing without an error", test_stream_failing_without_an_error);
  CU_add_test(s, "log chunk with trailing bytes", test_log_chunk_trailing_bytes);
}
