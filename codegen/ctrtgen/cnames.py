# SPDX-License-Identifier: MIT
"""How spec names and type expressions become C.

Rules (architecture.md, "C conventions"):
- type `ContainerId` -> `ctrt_container_id`; enum constants
  `CTRT_WAIT_CONDITION_NOT_RUNNING`, 0 is `..._UNKNOWN`;
- method `m` -> `ctrt_runtime_m`; function `f` -> `ctrt_f`;
- optional scalars: `bool has_x` + value; optional strings, bytes, structs
  and unions: a pointer, NULL = absent; lists: `size_t n_x` + array; maps:
  ordered `{key, value}` entries;
- a member that would collide with a standard C macro or keyword gets a
  trailing underscore (`stdout` -> `stdout_`): stdin/stdout/stderr may be
  macros that expand to expressions, which cannot follow `.`.
"""

from .model import snake

RESERVED_MEMBERS = {
    "stdin", "stdout", "stderr", "errno", "assert", "auto", "break", "case", "char", "const",
    "continue", "default", "do", "double", "else", "enum", "extern", "float", "for", "goto",
    "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
    "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
    "volatile", "while", "bool", "true", "false",
}

SCALAR_C = {
    "bool": "bool",
    "i32": "int32_t",
    "i64": "int64_t",
    "u16": "uint16_t",
    "u32": "uint32_t",
    "u64": "uint64_t",
    "f64": "double",
    "string": "char *",
    "ip": "char *",
    "bytes": "ctrt_bytes",
    "timestamp": "ctrt_timestamp",
}

# Types whose optional form is a pointer (NULL = absent); the others use has_x.
POINTER_OPTIONAL = ("string", "ip", "bytes")


def member(name):
    return name + "_" if name in RESERVED_MEMBERS else name


def upper(name):
    return name.upper()


def tname(name):
    """Declared type name -> C type name."""
    return "ctrt_" + snake(name)


def const_prefix(name):
    return "CTRT_" + snake(name).upper()


def slot(t):
    """The mangled name of a (non-optional) type, used for helper names:
    string, u32, container_id, string_list, string_list_list, string_map."""
    if t.kind == "scalar":
        return t.name
    if t.kind == "named":
        return snake(t.name)
    if t.kind == "list":
        return slot(t.inner) + "_list"
    if t.kind == "map":
        return slot(t.inner) + "_map"
    raise ValueError("no slot for %s" % t.kind)


def ctype(t):
    """C type of one value of `t` (non-optional) when stored in a slot."""
    if t.kind == "scalar":
        return SCALAR_C[t.name]
    if t.kind == "named":
        return tname(t.name)
    if t.kind in ("list", "map"):
        return "ctrt_" + slot(t)
    raise ValueError("no C type for %s" % t.kind)


def decl(ctype_text, name):
    """`char *` + `x` -> `char *x`; `int32_t` + `x` -> `int32_t x`."""
    if ctype_text.endswith("*"):
        return ctype_text + name
    return ctype_text + " " + name


def ptr(ctype_text):
    """Pointer to a value of the given C type."""
    return ctype_text + "*" if ctype_text.endswith("*") else ctype_text + " *"


def const_ptr(ctype_text):
    """Pointer-to-const for a slot type (char * -> char *const *)."""
    if ctype_text.endswith("*"):
        return ctype_text + "const *"
    return "const " + ctype_text + " *"


def optional_is_pointer(t):
    """Whether `t?` is stored as a pointer (else as has_x + value)."""
    if t.kind == "scalar":
        return t.name in POINTER_OPTIONAL
    if t.kind == "named":
        return t.decl.what in ("struct", "union")
    return False
