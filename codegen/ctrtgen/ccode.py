# SPDX-License-Identifier: MIT
"""C code for the members of generated types.

The templates lay out files and functions; this module answers, for one
field of one type, "how is it declared, initialised, encoded, decoded,
freed, copied, compared and sampled". Every helper it calls is either
generated (named types, lists, maps) or hand-written in runtime/core for
scalars, with one uniform signature per operation:

    int  ctrt__enc_S(json_t **out, const T *v, const ctrt__jpath *path);
    int  ctrt__dec_S(T *out, const json_t *json, const ctrt__jpath *path);
    void ctrt__clear_S(T *v);
    int  ctrt__copy_S(T *dst, const T *src);
    bool ctrt__eq_S(const T *a, const T *b);

where S is cnames.slot(type) and T its C type.
"""

from . import cnames
from .cnames import member


def c_string_literal(text):
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif 32 <= code < 127:
            out.append(ch)
        else:
            for byte in ch.encode("utf-8"):
                out.append("\\%03o" % byte)
    out.append('"')
    return "".join(out)


def default_literal(field):
    """C expression of a scalar/enum field's default."""
    t = field.type
    value = field.default
    if t.kind == "named":  # enum
        return "%s_%s" % (cnames.const_prefix(t.name), value.upper())
    if t.name == "bool":
        return "true" if value else "false"
    if t.name == "f64":
        return repr(float(value))
    if t.name in ("i64",):
        return "INT64_C(%d)" % value
    if t.name in ("u64",):
        return "UINT64_C(%d)" % value
    if t.name in ("u32", "u16"):
        return "%du" % value
    return str(value)


class FieldCode:
    """C snippets for one field. `v`, `a`, `b`, `dst`, `src`, `out` are the
    variable names the surrounding templates use."""

    def __init__(self, field):
        self.f = field
        self.t = field.type
        self.base = field.type.base
        self.m = member(field.name)
        self.optional = field.type.optional
        self.kind = self.base.kind  # scalar | named | list | map
        if self.kind in ("scalar", "named"):
            self.shape = "pointer" if self.optional and cnames.optional_is_pointer(self.base) else \
                ("flag" if self.optional else "value")
        else:
            self.shape = self.kind  # list | map
        self.is_string = self.kind == "scalar" and self.base.name in ("string", "ip")
        self.elem = self.base.inner if self.kind in ("list", "map") else None

    # ---- declaration -------------------------------------------------
    def members(self):
        """Lines declaring the field inside its struct."""
        m = self.m
        if self.shape == "list":
            lines = ["bool has_%s;" % self.f.name] if self.optional else []
            return lines + ["size_t n_%s;" % self.f.name,
                            "%s;" % cnames.decl(cnames.ptr(cnames.ctype(self.elem)), m)]
        if self.shape == "map":
            return ["size_t n_%s;" % self.f.name,
                    "%s *%s;" % (self.entry_type(), m)]
        ct = cnames.ctype(self.base)
        if self.shape == "pointer":
            if self.is_string:
                return ["%s;" % cnames.decl(ct, m)]
            return ["%s;" % cnames.decl(cnames.ptr(ct), m)]
        if self.shape == "flag":
            return ["bool has_%s;" % self.f.name, "%s;" % cnames.decl(ct, m)]
        return ["%s;" % cnames.decl(ct, m)]

    def entry_type(self):
        return "ctrt_%s_map_entry" % cnames.slot(self.elem)

    def init(self):
        """Designated initializer for INIT macros, or None when zero."""
        if self.f.has_default and self.shape == "value" and not self.is_string:
            if self.kind == "scalar" and self.base.name in ("bytes", "timestamp"):
                return None
            return ".%s = %s" % (self.m, default_literal(self.f))
        if self.shape == "value" and self.kind == "named" and self.base.decl.what in ("struct", "union"):
            return ".%s = %s_INIT" % (self.m, cnames.const_prefix(self.base.name))
        return None

    def string_default(self):
        if self.is_string and self.shape == "value":
            return c_string_literal(self.f.default if self.f.has_default else "")
        return None

    # ---- JSON -------------------------------------------------------
    def enc(self):
        if self.f.secret:
            return "/* %s is secret: never serialized */" % self.f.name
        s = cnames.slot(self.base) if self.kind in ("scalar", "named") else None
        wire = c_string_literal(self.f.wire)
        if self.shape == "value" and self.is_string:
            value = "rc = ctrt__enc_%s_cstr(&j, v->%s ? v->%s : %s, &p);" % (
                s, self.m, self.m, self.string_default())
            guard = None
        elif self.shape == "value":
            value, guard = "rc = ctrt__enc_%s(&j, &v->%s, &p);" % (s, self.m), None
        elif self.shape == "flag":
            value, guard = "rc = ctrt__enc_%s(&j, &v->%s, &p);" % (s, self.m), "v->has_%s" % self.f.name
        elif self.shape == "pointer":
            arg = "&v->%s" % self.m if self.is_string else "v->%s" % self.m
            value, guard = "rc = ctrt__enc_%s(&j, %s, &p);" % (s, arg), "v->%s != NULL" % self.m
        elif self.shape == "list":
            value = "rc = ctrt__enc_array_%s(&j, v->%s, v->n_%s, &p);" % (cnames.slot(self.elem), self.m, self.f.name)
            guard = "v->has_%s" % self.f.name if self.optional else None
        else:
            value = "rc = ctrt__enc_entries_%s(&j, v->%s, v->n_%s, &p);" % (cnames.slot(self.elem), self.m, self.f.name)
            guard = None
        body = ("{\n    ctrt__jpath p = CTRT__JPATH_KEY(path, %s);\n    json_t *j = NULL;\n    %s\n"
                "    if (rc < 0 || (rc = ctrt__json_put(obj, %s, j, &p)) < 0)\n      goto fail;\n  }") % (
                    wire, value, wire)
        if guard:
            return "if (%s) %s" % (guard, body)
        return body

    def dec(self):
        wire = c_string_literal(self.f.wire)
        s = cnames.slot(self.base) if self.kind in ("scalar", "named") else None
        if self.shape == "value":
            value = "rc = ctrt__dec_%s(&out->%s, j, &p);" % (s, self.m)
        elif self.shape == "flag":
            value = "rc = ctrt__dec_%s(&out->%s, j, &p);\n      out->has_%s = rc == 0;" % (s, self.m, self.f.name)
        elif self.shape == "pointer" and self.is_string:
            value = "rc = ctrt__dec_%s(&out->%s, j, &p);" % (s, self.m)
        elif self.shape == "pointer":
            value = ("out->%s = ctrt__calloc(1, sizeof *out->%s);\n"
                     "      rc = out->%s ? ctrt__dec_%s(out->%s, j, &p) : ctrt__error_no_memory();") % (
                         self.m, self.m, self.m, s, self.m)
        elif self.shape == "list":
            value = "rc = ctrt__dec_array_%s(&out->%s, &out->n_%s, j, &p);" % (
                cnames.slot(self.elem), self.m, self.f.name)
            if self.optional:
                value += "\n      out->has_%s = rc == 0;" % self.f.name
        else:
            value = "rc = ctrt__dec_entries_%s(&out->%s, &out->n_%s, j, &p);" % (
                cnames.slot(self.elem), self.m, self.f.name)
        absent = "j == NULL || json_is_null(j)" if self.optional else "j == NULL"
        if self.f.required:
            missing = "rc = ctrt__json_missing(&p);\n      goto fail;"
        else:
            missing = "/* absent: keep the default */"
        return ("{\n    ctrt__jpath p = CTRT__JPATH_KEY(path, %s);\n    const json_t *j = json_object_get(json, %s);\n"
                "    if (%s) {\n      %s\n    } else {\n      %s\n      if (rc < 0)\n        goto fail;\n    }\n  }") % (
                    wire, wire, absent, missing, value)

    def walk(self, ctype, wire=None, jtype=None, nullable=None, required=None):
        """The ctrt__jfield initializer of this member of struct `ctype` for
        the descriptor walker (core/json_walk.h). The Docker codec passes its
        own wire name, element descriptor and null rule."""
        n = self.f.name
        wire = self.f.wire if wire is None else wire
        elem = self.elem if self.shape in ("list", "map") else self.base
        jtype = jtype or "&ctrt__jt_%s" % cnames.slot(elem)
        flags = []
        if self.f.required if required is None else required:
            flags.append("CTRT__JF_REQUIRED")
        if self.optional if nullable is None else nullable:
            flags.append("CTRT__JF_NULLABLE")
        off = lambda m: "offsetof(%s, %s)" % (ctype, m)
        count = has = "CTRT__JF_NO_OFFSET"
        entry = ("0", "0")
        shape = {"value": "VALUE", "flag": "FLAG", "pointer": "PTR", "list": "LIST", "map": "MAP"}[self.shape]
        if self.shape == "flag" or (self.shape == "list" and self.optional):
            has = off("has_" + n)
        if self.shape in ("list", "map"):
            count = off("n_" + n)
        if self.shape == "map":
            e = self.entry_type()
            entry = ("sizeof(%s)" % e, "offsetof(%s, value)" % e)
        return "{%s, CTRT__JS_%s, %s, %s, %s, %s, %s, %s, %s}" % (
            c_string_literal(wire), shape, " | ".join(flags) or "0", off(self.m), count, has, entry[0], entry[1], jtype)

    # ---- memory ------------------------------------------------------
    def clear(self):
        m = self.m
        if self.shape == "list":
            return "ctrt__clear_array_%s(v->%s, v->n_%s);" % (cnames.slot(self.elem), m, self.f.name)
        if self.shape == "map":
            return "ctrt__clear_entries_%s(v->%s, v->n_%s);" % (cnames.slot(self.elem), m, self.f.name)
        s = cnames.slot(self.base)
        if self.f.storage == "trailing":
            # Bytes right after the struct are in its own block (freed with it).
            return "if (v->%s.data != (uint8_t *)(v + 1))\n    ctrt__clear_%s(&v->%s);" % (m, s, m)
        if self.shape == "pointer" and not self.is_string:
            return "if (v->%s) {\n    ctrt__clear_%s(v->%s);\n    ctrt__free(v->%s);\n  }" % (m, s, m, m)
        return "ctrt__clear_%s(&v->%s);" % (s, m)

    def copy(self):
        m = self.m
        n = self.f.name
        if self.shape == "list":
            code = "rc = ctrt__copy_array_%s(&dst->%s, &dst->n_%s, src->%s, src->n_%s);" % (
                cnames.slot(self.elem), m, n, m, n)
            if self.optional:
                code = "dst->has_%s = src->has_%s;\n  " % (n, n) + code
            return code + "\n  if (rc < 0)\n    goto fail;"
        if self.shape == "map":
            return ("rc = ctrt__copy_entries_%s(&dst->%s, &dst->n_%s, src->%s, src->n_%s);\n"
                    "  if (rc < 0)\n    goto fail;") % (cnames.slot(self.elem), m, n, m, n)
        s = cnames.slot(self.base)
        if self.shape == "pointer" and not self.is_string:
            return ("if (src->%s) {\n    dst->%s = ctrt__calloc(1, sizeof *dst->%s);\n"
                    "    rc = dst->%s ? ctrt__copy_%s(dst->%s, src->%s) : ctrt__error_no_memory();\n"
                    "    if (rc < 0)\n      goto fail;\n  }") % (m, m, m, m, s, m, m)
        code = "rc = ctrt__copy_%s(&dst->%s, &src->%s);\n  if (rc < 0)\n    goto fail;" % (s, m, m)
        if self.shape == "flag":
            code = "dst->has_%s = src->has_%s;\n  " % (n, n) + code
        return code

    def eq(self):
        m = self.m
        n = self.f.name
        if self.shape == "list":
            code = "ctrt__eq_array_%s(a->%s, a->n_%s, b->%s, b->n_%s)" % (cnames.slot(self.elem), m, n, m, n)
            if self.optional:
                code = "a->has_%s == b->has_%s && (!a->has_%s || %s)" % (n, n, n, code)
            return code
        if self.shape == "map":
            return "ctrt__eq_entries_%s(a->%s, a->n_%s, b->%s, b->n_%s)" % (cnames.slot(self.elem), m, n, m, n)
        s = cnames.slot(self.base)
        if self.shape == "value" and self.is_string:
            return "ctrt__eq_cstr_default(a->%s, b->%s, %s)" % (m, m, self.string_default())
        if self.shape == "pointer" and self.is_string:
            return "ctrt__eq_cstr_optional(a->%s, b->%s)" % (m, m)
        if self.shape == "pointer":
            return "(a->%s == NULL) == (b->%s == NULL) && (a->%s == NULL || ctrt__eq_%s(a->%s, b->%s))" % (
                m, m, m, s, m, m)
        if self.shape == "flag":
            return "a->has_%s == b->has_%s && (!a->has_%s || ctrt__eq_%s(&a->%s, &b->%s))" % (n, n, n, s, m, m)
        return "ctrt__eq_%s(&a->%s, &b->%s)" % (s, m, m)

    # ---- test samples --------------------------------------------------
    def sample(self, index):
        """Fill the field of `v` for the round-trip tests: mode 0 = present
        and non-zero, 1 = present and zero/empty, 2 = optional ones absent."""
        if self.f.secret:
            return "/* %s is secret: not serialized, so not sampled */" % self.f.name
        m = self.m
        n = self.f.name
        seed = "seed * 7u + %du" % index
        if self.shape in ("list", "map"):
            es = cnames.slot(self.elem)
            count = "(mode == 1 ? 0u : 2u)"
            if self.shape == "list":
                fill = ("v->n_%s = %s;\n    v->%s = v->n_%s ? test_calloc(v->n_%s, sizeof *v->%s) : NULL;\n"
                        "    for (size_t i = 0; i < v->n_%s; i++)\n      sample_%s(&v->%s[i], mode, %s + (unsigned)i);") % (
                            n, count, m, n, n, m, n, es, m, seed)
            else:
                fill = ("v->n_%s = %s;\n    v->%s = v->n_%s ? test_calloc(v->n_%s, sizeof *v->%s) : NULL;\n"
                        "    for (size_t i = 0; i < v->n_%s; i++) {\n"
                        "      v->%s[i].key = test_key(i);\n"
                        "      sample_%s(&v->%s[i].value, mode, %s + (unsigned)i);\n    }") % (
                            n, count, m, n, n, m, n, m, es, m, seed)
            if self.optional:
                return "if (mode != 2) {\n    v->has_%s = true;\n    %s\n  }" % (n, fill)
            return "{\n    %s\n  }" % fill
        s = cnames.slot(self.base)
        if self.shape == "pointer" and not self.is_string:
            return ("if (mode != 2) {\n    v->%s = test_calloc(1, sizeof *v->%s);\n"
                    "    sample_%s(v->%s, mode, %s);\n  }") % (m, m, s, m, seed)
        if self.shape == "pointer":
            return "if (mode != 2)\n    sample_%s(&v->%s, mode, %s);" % (s, m, seed)
        if self.shape == "flag":
            return "if (mode != 2) {\n    v->has_%s = true;\n    sample_%s(&v->%s, mode, %s);\n  }" % (n, s, m, seed)
        return "sample_%s(&v->%s, mode, %s);" % (s, m, seed)


def collect_containers(spec):
    """Every list<X> and map<X> type the C code needs helpers or structs for.

    Returns (array_elems, entry_elems, list_structs, map_structs): element
    types that need array / map-entry helpers, and list/map types that need a
    named struct (used as a method result, a stream item or nested in another
    container)."""
    array_elems, entry_elems, list_structs, map_structs = {}, {}, {}, {}

    def visit(t, nested):
        if t is None:
            return
        t = t.base
        if t.kind == "list":
            array_elems[cnames.slot(t.inner)] = t.inner
            if nested:
                list_structs[cnames.slot(t)] = t
            visit(t.inner, True)
        elif t.kind == "map":
            entry_elems[cnames.slot(t.inner)] = t.inner
            if nested:
                map_structs[cnames.slot(t)] = t
            visit(t.inner, True)

    for struct in spec.all_structs:
        for field in struct.fields:
            visit(field.type, False)
    for union in spec.unions:
        for variant in union.variants:
            visit(variant.value, True)
    for method in spec.methods:
        visit(method.result, True)
    for fn in spec.functions:
        visit(fn.result, True)
    key = lambda item: item[0]
    return (sorted(array_elems.items(), key=key), sorted(entry_elems.items(), key=key),
            sorted(list_structs.items(), key=key), sorted(map_structs.items(), key=key))
