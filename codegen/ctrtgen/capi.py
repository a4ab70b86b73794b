# SPDX-License-Identifier: MIT
"""C signatures of methods and free functions, and the argument handling of
the generated dispatchers.

Rules (one per input or result shape, so every signature follows from the
spec):

  input ContainerId/struct    const ctrt_x *name          (NULL only if optional)
  input enum                  ctrt_x name
  input string / ip           const char *name            (NULL = absent if optional)
  input scalar                T name
  input bytes                 const void *name, size_t name_len
  input source                ctrt_byte_source *name      (read, not consumed)
  input list<string>          const char *const *name, size_t n_name
  input list<scalar>          const T *name, size_t n_name

  result i32/u64/...          T *out
  result u32? / u16? / enum?  bool *has_out, T *out
  result enum                 ctrt_x *out
  result string/ip(?)         char **out                  (NULL = absent)
  result struct/union         ctrt_x **out
  result list<X>              ctrt_x_list **out
  result stream / handle      ctrt_<name> **out
"""

import re

from . import cnames
from .ccode import c_string_literal
from .errors import SpecError


class InputC:
    def __init__(self, param, owner):
        self.p = param
        self.name = cnames.member(param.name)
        t = param.type
        base = t.base
        self.kind = base.kind
        self.optional = t.optional
        self.check = param.check
        self.is_container_id = base.kind == "named" and base.name == "ContainerId"
        if base.kind == "named":
            what = base.decl.what
            if what == "enum":
                if t.optional:
                    raise SpecError(param.loc, "%s(%s): optional enum inputs are not supported" % (owner, param.name))
                self.params = ["%s %s" % (cnames.tname(base.name), self.name)]
                self.pointer = False
            else:
                self.params = ["const %s *%s" % (cnames.tname(base.name), self.name)]
                self.pointer = True
        elif base.kind == "scalar":
            if base.name in ("string", "ip"):
                self.params = ["const char *%s" % self.name]
                self.pointer = True
            elif base.name == "bytes":
                self.params = ["const void *%s" % self.name, "size_t %s_len" % param.name]
                self.pointer = False
            elif t.optional:
                raise SpecError(param.loc, "%s(%s): optional %s inputs are not supported; use a struct" % (
                    owner, param.name, base.name))
            else:
                self.params = [cnames.decl(cnames.SCALAR_C[base.name], self.name)]
                self.pointer = False
        elif base.kind == "source":
            self.params = ["ctrt_byte_source *%s" % self.name]
            self.pointer = True
        elif base.kind == "list":
            elem = base.inner
            if elem.kind == "scalar" and elem.name in ("string", "ip"):
                self.params = ["const char *const *%s" % self.name, "size_t n_%s" % param.name]
            else:
                self.params = ["const %s *%s" % (cnames.ctype(elem), self.name), "size_t n_%s" % param.name]
            self.pointer = False
        else:
            raise SpecError(param.loc, "%s(%s): unsupported input type %s" % (owner, param.name, t))
        self.list_of_strings = base.kind == "list" and base.inner.kind == "scalar" and base.inner.name in ("string", "ip")

    @property
    def args(self):
        """Argument names in call order."""
        if self.kind == "scalar" and self.p.type.base.name == "bytes":
            return [self.name, "%s_len" % self.p.name]
        if self.kind == "list":
            return [self.name, "n_%s" % self.p.name]
        return [self.name]

    def validation(self, method_name):
        """C statements rejecting unusable arguments; `rc` and `fail` exist."""
        lines = []
        lit = c_string_literal("%s: %s must not be NULL" % (method_name, self.p.name))
        if self.pointer and not self.optional:
            lines.append("if (%s == NULL) {\n    rc = ctrt__error_invalid_argument(%s);\n    goto done;\n  }" % (
                self.name, lit))
        if self.kind == "scalar" and self.p.type.base.name == "bytes":
            lines.append("if (%s == NULL && %s_len > 0) {\n    rc = ctrt__error_invalid_argument(%s);\n    goto done;\n  }" % (
                self.name, self.p.name, lit))
        if self.kind == "list":
            lines.append("if ((rc = ctrt__check_list(%s, %s, (const void *)%s, n_%s, %s)) < 0)\n    goto done;" % (
                c_string_literal(method_name), c_string_literal(self.p.name), self.name, self.p.name,
                "true" if self.list_of_strings else "false"))
        if self.is_container_id and not self.optional:
            lines.append("if ((rc = ctrt__check_container_id(%s, %s)) < 0)\n    goto done;" % (
                c_string_literal(method_name), self.name))
        if self.check == "non_empty":
            lines.append("if (n_%s == 0) {\n    rc = ctrt__error_invalid_spec(%s);\n    goto done;\n  }" % (
                self.p.name, c_string_literal("%s: %s must not be empty" % (method_name, self.p.name))))
        elif self.check in ("container_name", "engine_ref", "image_ref", "search_term", "absolute_path"):
            lines.append("if ((rc = ctrt__check_%s(%s, %s)) < 0)\n    goto done;" % (
                self.check, c_string_literal(method_name), self.name))
        for path, c_expr, check in self.checked_fields:
            lines.append("if ((rc = ctrt__check_field_%s(%s, %s, %s)) < 0)\n    goto done;" % (
                check, c_string_literal(method_name), c_string_literal(path), c_expr))
        return lines

    @property
    def checked_fields(self):
        """(spec path, C expression, check) of every field with a `check`
        reachable by value from a struct input (a NULL pointer is refused
        before these run; optional members are pointers and are skipped)."""
        base = self.p.type.base
        if self.optional or base.kind != "named" or base.decl.what != "struct":
            return []
        found = []

        def walk(struct, path, expr):
            for f in struct.fields:
                member = cnames.member(f.name)
                if f.check:
                    found.append(("%s.%s" % (path, f.name), "%s%s" % (expr, member), f.check))
                ft = f.type
                if not ft.optional and ft.kind == "named" and ft.decl.what == "struct":
                    walk(ft.decl, "%s.%s" % (path, f.name), "%s%s." % (expr, member))

        walk(base.decl, self.p.name, "%s->" % self.name)
        return found


class ResultC:
    def __init__(self, ref, owner):
        self.ref = ref
        self.none = ref is None
        self.params = []
        self.kind = None
        self.is_stream = self.is_handle = False
        self.optional = False
        if ref is None:
            return
        base = ref.base
        if base.kind == "named" and base.decl.what == "stream":
            self.kind = "object"
            self.ctype = cnames.tname(base.name)
        elif base.kind == "named" and base.decl.what == "opaque":
            self.kind = "object"
            self.ctype = cnames.tname(base.name)
        elif base.kind == "named" and base.decl.what in ("struct", "union"):
            self.kind = "object"
            self.ctype = cnames.tname(base.name)
        elif base.kind == "list":
            self.kind = "object"
            self.ctype = "ctrt_" + cnames.slot(base)
        elif base.kind == "named" and base.decl.what == "enum":
            self.kind = "flag" if ref.optional else "value"
            self.ctype = cnames.tname(base.name)
        elif base.kind == "scalar" and base.name in ("string", "ip"):
            self.kind = "string"
            self.ctype = "char *"
        elif base.kind == "scalar" and base.name not in ("bytes",):
            self.kind = "flag" if ref.optional else "value"
            self.ctype = cnames.SCALAR_C[base.name]
        else:
            raise SpecError(ref.loc, "%s: unsupported result type %s" % (owner, ref))
        if self.kind == "object":
            self.params = ["%s **out" % self.ctype]
        elif self.kind == "string":
            self.params = ["char **out"]
        elif self.kind == "flag":
            self.params = ["bool *has_out", cnames.decl(cnames.ptr(self.ctype), "out")]
        else:
            self.params = [cnames.decl(cnames.ptr(self.ctype), "out")]
        self.optional = ref.optional
        self.is_stream = base.kind == "named" and base.decl.what == "stream"
        self.is_handle = base.kind == "named" and base.decl.what == "opaque"
        self.type_name = base.name if base.kind == "named" else None

    @property
    def args(self):
        if self.none:
            return []
        if self.kind == "flag":
            return ["has_out", "out"]
        return ["out"]

    def reset(self):
        """Statements putting the outputs in their 'nothing' state."""
        if self.none:
            return []
        if self.kind in ("object", "string"):
            return ["*out = NULL;"]
        if self.kind == "flag":
            return ["*has_out = false;", "memset(out, 0, sizeof *out);"]
        return ["memset(out, 0, sizeof *out);"]

    def null_checks(self):
        return [a for a in self.args]

    def empty(self):
        """Statements producing the method's empty result (default: empty)."""
        if self.kind == "object":
            init = "%s_INIT" % ("CTRT_" + self.ctype[len("ctrt_"):].upper())
            return ["*out = ctrt__malloc(sizeof **out);",
                    "if (*out == NULL) {\n      rc = ctrt__error_no_memory();\n      goto done;\n    }",
                    "**out = (%s)%s;" % (self.ctype, init)]
        return []  # optional scalars and strings: the reset state is empty

    def release(self):
        """Statement freeing a result a failing backend left behind."""
        if self.kind == "object":
            if self.is_stream:
                return "%s_close(*out);" % self.ctype
            return "%s_free(*out);" % self.ctype
        if self.kind == "string":
            return "ctrt__free(*out);"
        return None

    def must_be_set(self):
        """Whether a successful backend must have produced *out (objects
        and strings that are not optional)."""
        return self.kind in ("object", "string") and not self.optional


class MethodC:
    def __init__(self, method, index):
        self.m = method
        self.index = index
        self.name = method.name
        self.const = "CTRT_OP_" + method.name.upper()
        self.inputs = [InputC(p, method.name) for p in method.inputs]
        self.result = ResultC(method.result, method.name)
        self.public = "ctrt_runtime_" + method.name
        self.signal_input = next((i for i in self.inputs if i.check == "signal"), None)
        self.noop_input = next((i for i in self.inputs if i.p.empty_is_noop), None)
        self.prepare_input = None
        if method.prepare:
            self.prepare_input = next(i for i in self.inputs if i.p.name == method.prepare["replaces"])
            if not self.prepare_input.p.type.is_named("struct") or self.prepare_input.optional:
                raise SpecError(method.prepare_loc, "%s: prepare can only replace a required struct input" % method.name)
            self.prepare_type = cnames.tname(self.prepare_input.p.type.name)

    @property
    def prepare_params(self):
        """Parameters of the prepare hook: it may set *replacement to a new
        value of the replaced input, which the dispatcher then passes on
        and frees."""
        return ", ".join(["ctrt_runtime *rt", "%s **replacement" % self.prepare_type] + self.in_params)

    @property
    def out_params(self):
        return self.result.params

    @property
    def in_params(self):
        return [p for i in self.inputs for p in i.params]

    @property
    def public_params(self):
        return ", ".join(["ctrt_runtime *rt"] + self.out_params + self.in_params)

    @property
    def backend_params(self):
        return ", ".join(["void *self"] + self.out_params + self.in_params)

    @property
    def default_params(self):
        """Parameters of a hand-written default (delegation) implementation."""
        return self.public_params

    @property
    def default_needs_release(self):
        """Whether the default of a backend lacking the method may leave a
        result behind on failure (a hand-written delegation)."""
        return self.m.default_kind == "delegate" and self.result.release() is not None

    def default_args(self):
        """Arguments a delegation default gets: the checked inputs (the
        canonical signal), not prepared ones (prepare is for the backend)."""
        args = list(self.result.args)
        for i in self.inputs:
            args.append("signal_canonical" if i is self.signal_input else ", ".join(i.args))
        return ", ".join(args)

    def forward_args(self):
        """The backend entry's parameters passed on as they came (a
        forwarding backend calling the public dispatcher)."""
        return ", ".join(list(self.result.args) + [a for i in self.inputs for a in i.args])

    def backend_args(self):
        """Arguments the dispatcher passes on, after checks and prepare."""
        args = list(self.result.args)
        for i in self.inputs:
            if i is self.signal_input:
                args.append("signal_canonical")
            elif i is self.prepare_input:
                args.append("%s_prepared ? %s_prepared : %s" % (i.name, i.name, i.name))
            else:
                args.extend(i.args)
        return ", ".join(args)

    @property
    def error_kinds(self):
        """The kinds the method may return: those the spec declares, plus
        those every call of its shape can give (argument checks, C-side
        failures, cancelled streams and sessions)."""
        kinds = list(self.m.errors)
        implied = ["invalid_argument", "no_memory"]
        if any(i.check or i.is_container_id or i.checked_fields for i in self.inputs):
            implied.append("invalid_spec")
        if self.result.is_stream or self.result.is_handle:
            implied.append("cancelled")
        return kinds + [k for k in implied if k not in kinds]

    @property
    def docker_verb(self):
        return self.m.docker_calls[0].verb if self.m.docker_calls else None

    @property
    def docker_path(self):
        return self.m.docker_calls[0].path if self.m.docker_calls else None


class FunctionC:
    """A free function: declared from the spec, implemented by hand."""

    def __init__(self, fn):
        self.fn = fn
        self.name = "ctrt_" + fn.name
        self.inputs = [InputC(p, fn.name) for p in fn.inputs]
        self.result = ResultC(fn.result, fn.name)

    @property
    def params(self):
        return ", ".join(self.result.params + [p for i in self.inputs for p in i.params]) or "void"


class ErrorC:
    """The setter generated for one error kind.

    A kind whose only field is `msg` gets a printf-style setter
    (`ctrt__error_invalid_spec("bad name '%s'", name)`); the others take
    their fields as arguments. Both apply the spec's message template."""

    def __init__(self, err):
        self.e = err
        self.name = err.name
        self.const = "CTRT_ERROR_" + err.name.upper()
        self.printf_style = [f.name for f in err.fields] == ["msg"]
        types = {f.name: f.type for f in err.fields}
        pieces = re.split(r"(\{[^}]*\})", err.message)
        fmt, args = [], []
        for piece in pieces:
            if piece.startswith("{") and piece.endswith("}"):
                name = piece[1:-1]
                if types[name] == "string":
                    fmt.append("%s")
                    args.append("%s ? %s : \"\"" % (name, name) if not self.printf_style else "text")
                else:
                    fmt.append("%d")
                    args.append("(int)%s" % name)
            else:
                fmt.append(piece.replace("%", "%%"))
        self.format = c_string_literal("".join(fmt))
        self.args = args
        if self.printf_style:
            self.params = "const char *fmt, ..."
        elif err.fields:
            self.params = ", ".join(("const char *%s" if f.type == "string" else "int32_t %s") % f.name
                                    for f in err.fields)
        else:
            self.params = "void"
