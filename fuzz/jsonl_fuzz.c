/*
 * The JSON-lines framer of progress streams (runtime/transport/jsonl.c).
 * The first bytes choose read splits and the message cap; the rest is the
 * stream. Properties: fed whole or in pieces (push side) and pulled in
 * split reads (ctrt__jsonl_next), the same values come out in the same
 * order, and the stream ends the same way (clean, truncated or invalid).
 */
#include "fuzz_support.h"

#include "transport/transport.h"

const char ctrt_fuzz_target_name[] = "jsonl";

typedef struct outcome {
  json_t *values; /* array */
  bool failed;    /* an error before the end */
} outcome;

static void take_all(ctrt__jsonl *d, outcome *o) {
  for (;;) {
    json_t *v = NULL;
    int rc = ctrt__jsonl_take(d, &v);
    if (rc < 0) {
      o->failed = true;
      return;
    }
    if (rc == 0)
      return;
    CTRT_FUZZ_CHECK(v != NULL && json_array_append_new(o->values, v) == 0);
  }
}

static void push(outcome *o, const uint8_t *data, size_t size, size_t max, ctrt_fuzz_splitter *split) {
  o->values = json_array();
  o->failed = false;
  ctrt__jsonl *d = NULL;
  CTRT_FUZZ_CHECK(ctrt__jsonl_new(&d, max) == 0);
  while (size > 0 && !o->failed) {
    size_t n = split ? ctrt_fuzz_splitter_next(split, size) : size;
    CTRT_FUZZ_CHECK(ctrt__jsonl_feed(d, data, n) == 0);
    take_all(d, o);
    data += n;
    size -= n;
  }
  if (!o->failed && ctrt__jsonl_finish(d) < 0)
    o->failed = true;
  ctrt__jsonl_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ctrt_fuzz_splitter split;
  ctrt_fuzz_splitter_init(&split, &data, &size);
  /* A small cap now and then, so the limit is exercised too. */
  size_t max = split.n_ctl && split.ctl[0] < 0x20 ? 16 + split.ctl[0] : 0;
  outcome whole, pieces, pulled = {json_array(), false};
  push(&whole, data, size, max, NULL);
  push(&pieces, data, size, max, &split);
  CTRT_FUZZ_CHECK(whole.failed == pieces.failed && json_equal(whole.values, pieces.values));

  ctrt_fuzz_reader r = {data, size, 0, &split};
  ctrt__jsonl *d = NULL;
  CTRT_FUZZ_CHECK(ctrt__jsonl_new(&d, max) == 0);
  for (;;) {
    json_t *v = NULL;
    int rc = ctrt__jsonl_next(d, ctrt_fuzz_reader_pull, &r, &v);
    if (rc == CTRT_ITEROVER)
      break;
    if (rc < 0) {
      pulled.failed = true;
      break;
    }
    CTRT_FUZZ_CHECK(json_array_append_new(pulled.values, v) == 0);
  }
  ctrt__jsonl_free(d);
  /* The pull side reads in its own chunks, so a cap can strike a message
   * at a different moment; values before it must agree all the same. */
  CTRT_FUZZ_CHECK(whole.failed == pulled.failed);
  CTRT_FUZZ_CHECK(json_equal(whole.values, pulled.values));
  json_decref(whole.values);
  json_decref(pieces.values);
  json_decref(pulled.values);
  return 0;
}
