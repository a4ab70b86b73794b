/* SPDX-License-Identifier: MIT */
/*
 * Decoding JSON text straight into C structs, without a DOM.
 *
 * The generator describes every type once (a descriptor table: wire name, C
 * offset, shape, element type, required or not); one hand-written walker
 * (json_walk.c) reads the text with its own pull tokenizer and fills the
 * struct, skipping unknown members without allocating. It is as strict as
 * the jansson path it replaces and reports the same JSON-path messages
 * ("$.networks[2].ipv4: expected string, got integer"); a syntax error
 * anywhere in the text wins over a decode error, as with a DOM parsed first.
 *
 * Types the walker does not know natively (unions, nested named lists) are
 * captured as a jansson subtree and handed to their DOM decoder.
 */
#ifndef CTRT_CORE_JSON_WALK_H
#define CTRT_CORE_JSON_WALK_H

#include "core/internal.h"

#include <stddef.h>
#include <stdint.h>

/* Deeper nesting is refused (jansson's own limit, so both paths agree). */
#define CTRT__JWALK_MAX_DEPTH 2048

typedef enum ctrt__jkind {
  CTRT__JK_BOOL,
  CTRT__JK_I32,
  CTRT__JK_I64,
  CTRT__JK_U16,
  CTRT__JK_U32,
  CTRT__JK_U64,
  CTRT__JK_F64,
  CTRT__JK_STRING, /* char *, NULL-free text */
  CTRT__JK_IP,     /* char *, an IP address */
  CTRT__JK_TIMESTAMP,
  CTRT__JK_BYTES,   /* base64 text */
  CTRT__JK_COUNTER, /* uint64_t from an integer or a real in [0, 2^64): Go sends counters either way */
  CTRT__JK_ENUM,    /* a string, made a value by text_dec */
  CTRT__JK_CODE,    /* an integer, made a value by int_dec (Docker's enum codes) */
  CTRT__JK_STRUCT,  /* an object described by obj */
  CTRT__JK_ARRAY,   /* an array of elem (null: empty) as a ctrt__jarray: a list as a map's value */
  CTRT__JK_DOM,     /* anything else: a jansson subtree for dom_dec */
} ctrt__jkind;

typedef struct ctrt__jstruct ctrt__jstruct;

/* What one JSON value becomes. */
typedef struct ctrt__jtype {
  ctrt__jkind kind;
  size_t size;                    /* sizeof the C value */
  const ctrt__jstruct *obj;       /* STRUCT */
  const struct ctrt__jtype *elem; /* ARRAY: the element */
  const char *expect;             /* ENUM, CODE, DOM: the "expected ..." of a type error */
  int (*text_dec)(void *out, const char *text, const ctrt__jpath *path);  /* ENUM */
  int (*int_dec)(void *out, int64_t value, const ctrt__jpath *path);      /* CODE */
  int (*dom_dec)(void *out, const json_t *json, const ctrt__jpath *path); /* DOM */
  void (*clear)(void *value);                                             /* STRUCT, DOM */
} ctrt__jtype;

/* Where a member lands in its struct. */
typedef enum ctrt__jshape {
  CTRT__JS_VALUE, /* the value itself at offset (strings: a char *, NULL when absent) */
  CTRT__JS_FLAG,  /* the value at offset, bool at has_offset set when present */
  CTRT__JS_PTR,   /* an allocated value, its pointer at offset (NULL when absent) */
  CTRT__JS_LIST,  /* items at offset, count at count_offset (and has_offset when optional) */
  CTRT__JS_MAP,   /* entries {char *key; value} at offset, count at count_offset */
} ctrt__jshape;

#define CTRT__JF_REQUIRED 1u /* absent is an error */
#define CTRT__JF_NULLABLE 2u /* null is absent (else null is a type error) */
#define CTRT__JF_NO_OFFSET SIZE_MAX

typedef struct ctrt__jfield {
  const char *wire;
  unsigned char shape;
  unsigned char flags;
  size_t offset;
  size_t count_offset;       /* LIST, MAP */
  size_t has_offset;         /* FLAG, optional LIST; else CTRT__JF_NO_OFFSET */
  size_t entry_size;         /* MAP: sizeof the entry */
  size_t entry_value_offset; /* MAP: offsetof the entry's value (its key is a char * at 0) */
  const ctrt__jtype *type;   /* the value, or the element of a LIST / MAP */
} ctrt__jfield;

struct ctrt__jstruct {
  const char *name;
  size_t size;
  const void *init; /* the _INIT value every decode starts from */
  const ctrt__jfield *fields;
  size_t n_fields;
};

/* The C value of an ARRAY: items of elem->size bytes (NULL when empty). */
typedef struct ctrt__jarray {
  void *items;
  size_t n;
} ctrt__jarray;

/* Decode the JSON text (one value, whitespace around it allowed) as the
 * member `root` describes, into the struct at `base` (for a VALUE root of a
 * STRUCT type, base is that struct). On failure nothing is owned by base
 * (it is left cleared) and ctrt_error_last() names the JSON path. */
int ctrt__jwalk_decode(const ctrt__jfield *root, void *base, const char *text, size_t len);

/* As ctrt__jwalk_decode; on failure *syntax tells invalid text (the error
 * "$: invalid JSON ...") from a value that does not decode. */
int ctrt__jwalk_decode_ex(const ctrt__jfield *root, void *base, const char *text, size_t len, bool *syntax);

/* The integer at the member path keys[0].keys[1]... of the text's top
 * object, everything else skipped without allocating (a narrow read such
 * as State.Pid). *found is false when a member on the way is absent or
 * null; a member on the way that is not an object, or a value that is not
 * an integer, is an error naming its JSON path. */
int ctrt__jwalk_int_at(const char *text, size_t len, const char *const *keys, size_t n_keys, int64_t *out, bool *found);

/* Free what a decoded value of type t owns (the value's own memory stays). */
void ctrt__jwalk_clear_value(const ctrt__jtype *t, void *value);

/* Check only that text is one valid JSON value (the skip path of the walker,
 * allocation-free); 0 or an invalid-argument error "$: invalid JSON ...". */
int ctrt__jwalk_validate(const char *text, size_t len);

/* Tables are libctrt's own data: hidden, so that the version script's
 * CTRT_PRIVATE_0 node (ctrt__* functions for libctrt-mock) never exports
 * them (scripts/check-structure.sh fails on exported ctrt__ data). */
#define CTRT__TABLE __attribute__((visibility("hidden")))

/* The scalars' descriptors, by slot name (the generated tables add one per
 * enum and aggregate: ctrt__jt_container_id, ...). */
extern CTRT__TABLE const ctrt__jtype ctrt__jt_bool, ctrt__jt_i32, ctrt__jt_i64, ctrt__jt_u16, ctrt__jt_u32,
    ctrt__jt_u64, ctrt__jt_f64, ctrt__jt_string, ctrt__jt_ip, ctrt__jt_timestamp, ctrt__jt_bytes, ctrt__jt_counter;

#endif
