/*
 * Shared by every fuzz target (fuzz/README.md): the property check, the
 * known-open guard, and helpers for split input and JSON comparison.
 *
 * A target defines LLVMFuzzerTestOneInput, the string ctrt_fuzz_target_name,
 * and optionally LLVMFuzzerInitialize and ctrt_fuzz_known_open_class. It is
 * linked either with libFuzzer (clang, -DCTRT_FUZZ=ON) or with replay_main.c,
 * which runs files through it (any compiler, ctest, valgrind).
 */
#ifndef CTRT_FUZZ_SUPPORT_H
#define CTRT_FUZZ_SUPPORT_H

#include "gen_internal.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern const char ctrt_fuzz_target_name[];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A violated property is a finding: say which and abort, as a memory error
 * would under a sanitizer. */
#define CTRT_FUZZ_CHECK(cond)                                                                                          \
  do {                                                                                                                 \
    if (!(cond))                                                                                                       \
      ctrt_fuzz_fail(__FILE__, __LINE__, #cond);                                                                       \
  } while (0)
_Noreturn void ctrt_fuzz_fail(const char *file, int line, const char *what);

/* ---- Known-open classes (fuzz/known-open.txt) ----
 *
 * A target that can hit a class another change is fixing defines
 * ctrt_fuzz_known_open_class: the class name the input belongs to, or NULL.
 * Only a class listed in known-open.txt (compiled in as
 * CTRT_FUZZ_KNOWN_OPEN="a b c") is skipped; once its line is removed the
 * guard is inert and the class's reproducers under fuzz/crashes/ run. */
const char *ctrt_fuzz_known_open_class(const uint8_t *data, size_t size);
bool ctrt_fuzz_skip_known_open(const uint8_t *data, size_t size);
/* The class the last input was skipped as (NULL when it ran). */
const char *ctrt_fuzz_last_skipped(void);
bool ctrt_fuzz_class_is_open(const char *cls);

/* ---- Input helpers ---- */

/* A cursor that splits an input into chunk sizes taken from its own bytes
 * (a control prefix), so the fuzzer explores read splits. */
typedef struct ctrt_fuzz_splitter {
  const uint8_t *ctl;
  size_t n_ctl, next;
} ctrt_fuzz_splitter;
/* Take up to 8 control bytes off the front of *data. */
void ctrt_fuzz_splitter_init(ctrt_fuzz_splitter *s, const uint8_t **data, size_t *size);
/* The next chunk size (1..left; cycles through the control bytes). */
size_t ctrt_fuzz_splitter_next(ctrt_fuzz_splitter *s, size_t left);

/* A ctrt_read_fn over a buffer, in splitter-sized reads. */
typedef struct ctrt_fuzz_reader {
  const uint8_t *data;
  size_t len, off;
  ctrt_fuzz_splitter *split;
} ctrt_fuzz_reader;
int ctrt_fuzz_reader_pull(void *ctx, void *buf, size_t cap, size_t *n_read);

/* The front of a transport target's input: a mode byte, then up to 8
 * split-control bytes (ctrt_fuzz_splitter_init). False, taking nothing,
 * when the input is empty or longer than max. */
bool ctrt_fuzz_take_mode(const uint8_t **data, size_t *size, size_t max, uint8_t *mode, ctrt_fuzz_splitter *split);

/* A growable record of what one run produced (messages, endings), so two
 * runs over the same input in different read splits can be compared. */
typedef struct ctrt_fuzz_transcript {
  uint8_t *bytes;
  size_t len, cap;
} ctrt_fuzz_transcript;
void ctrt_fuzz_put(ctrt_fuzz_transcript *t, const void *data, size_t len);
void ctrt_fuzz_put_u64(ctrt_fuzz_transcript *t, uint64_t v);
bool ctrt_fuzz_transcripts_equal(const ctrt_fuzz_transcript *a, const ctrt_fuzz_transcript *b);

/* Whether encoded says what original says on every key encoded carries
 * (recursively; a key original lacks or has null is a default and is
 * skipped). Arrays must have the same length. */
bool ctrt_fuzz_json_agrees(const json_t *encoded, const json_t *original);

#endif
