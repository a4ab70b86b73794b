# SPDX-License-Identifier: MIT
"""Docker Engine API client stubs, generated from the spec's mappings.

A method whose mapping says `stub: generated` gets a C function
`ctrt__dockergen_<method>` that builds the request (path parameters,
query, headers, body) from its inputs, sends it through the transport,
applies the mapping's status table, and makes the result from the response
(nothing, a JSON body decoded with the fields' `docker:` names, one integer
field, or a byte stream). `stub: custom` methods are written by hand in
runtime/backends/docker as `ctrt__docker_<method>`; methods without a daemon
call are left out of the table, so the dispatcher applies their default.
"""

import json
import re

from . import cnames
from .ccode import FieldCode, c_string_literal
from .errors import SpecError
from .model import field_chain, snake


def docker_structs(spec):
    """Structs generated Docker codecs are needed for, in declaration order."""
    needed = {}

    def visit(t):
        t = t.base
        if t.kind in ("list", "map"):
            visit(t.inner)
        elif t.kind == "named" and t.decl.what == "struct" and t.decl.name not in needed:
            needed[t.decl.name] = t.decl
            for f in t.decl.fields:
                if f.docker_wire:
                    visit(f.type)

    for m in spec.methods:
        # Bodies declared `encode: docker`, of generated and hand-written
        # methods alike (exec's ExecOptions).
        for s in docker_body_structs(m):
            visit_decl = s
            if visit_decl.name not in needed:
                needed[visit_decl.name] = visit_decl
                for f in visit_decl.fields:
                    if f.docker_wire:
                        visit(f.type)
        if m.docker_stub != "generated":
            continue
        call = m.docker_calls[0]
        if call.result == "body":
            visit(m.result)
    return [s for s in spec.all_structs if s.name in needed]


def docker_body_structs(method):
    """Struct declarations the method's calls send as `encode: docker` bodies."""
    out = []
    for call in method.docker_calls:
        body = call.body or {}
        if body.get("encode") == "docker":
            decl = method.input(body["from"]).type.base.decl
            if decl not in out:
                out.append(decl)
    return out


def _is_docker_struct(t, names):
    return t.kind == "named" and t.decl.what == "struct" and t.name in names


def field_dec(f, names):
    """Decoding of one field from Docker JSON (into `out`): unknown keys are
    ignored, a field with a default may be absent, a required one may not."""
    wire = c_string_literal(f.docker_wire)
    t = f.type
    base = t.base
    m = cnames.member(f.name)
    if base.kind == "list":
        elem = base.inner
        fn = ("ctrt__docker_dec_array_%s" if _is_docker_struct(elem, names) else "ctrt__dec_array_%s") % cnames.slot(elem)
        code = "rc = %s(&out->%s, &out->n_%s, j, &p);" % (fn, m, f.name)
        if t.optional:
            code += "\n      out->has_%s = rc == 0;" % f.name
    elif base.kind == "named" and base.decl.what == "struct":
        if t.optional:
            code = ("out->%s = ctrt__calloc(1, sizeof *out->%s);\n"
                    "      rc = out->%s ? ctrt__docker_dec_%s(out->%s, j, &p) : ctrt__error_no_memory();") % (
                        m, m, m, cnames.slot(base), m)
        else:
            code = "rc = ctrt__docker_dec_%s(&out->%s, j, &p);" % (cnames.slot(base), m)
    elif base.kind == "named" and base.decl.what == "enum" and base.decl.has_docker_codes:
        code = "rc = ctrt__docker_dec_code_%s(&out->%s, j, &p);" % (cnames.slot(base), m)
        if t.optional:
            code += "\n      out->has_%s = rc == 0;" % f.name
    elif base.kind in ("scalar", "named"):
        code = "rc = ctrt__dec_%s(&out->%s, j, &p);" % (cnames.slot(base), m)
        if t.optional and not cnames.optional_is_pointer(base):
            code += "\n      out->has_%s = rc == 0;" % f.name
    else:
        raise SpecError(f.loc, "%s: no Docker decoding for %s" % (f.name, t))
    # A field without a default is required: an answer that lacks it is not
    # the expected one (e.g. a search result of another engine's shape) and
    # fails naming its JSON path, instead of decoding to NULL / 0.
    missing = ""
    if f.required:
        missing = " else {\n      rc = ctrt__json_missing(&p);\n      goto fail;\n    }"
    return ("{\n    ctrt__jpath p = CTRT__JPATH_KEY(path, %s);\n    const json_t *j = json_object_get(json, %s);\n"
            "    if (j != NULL && !json_is_null(j)) {\n      %s\n      if (rc < 0)\n        goto fail;\n    }%s\n  }") % (
                wire, wire, code, missing)


def walk_type(t, names):
    """The walker descriptor of one Docker value: the Docker table of a docker
    struct (ctrt__djt_S), Docker's integer code of an enum (ctrt__djt_code_E),
    or None for the public one (ctrt__jt_S)."""
    if _is_docker_struct(t, names):
        return "&ctrt__djt_%s" % cnames.slot(t)
    if t.kind == "named" and t.decl.what == "enum" and t.decl.has_docker_codes:
        return "&ctrt__djt_code_%s" % cnames.slot(t)
    return None


def field_walk(f, names, ctype):
    """The ctrt__jfield of one field for Docker's JSON: its `docker:` name,
    null as absent (as field_dec), required when it has no default."""
    base = f.type.base
    elem = base.inner if base.kind in ("list", "map") else base
    return FieldCode(f).walk(ctype, wire=f.docker_wire, jtype=walk_type(elem, names), nullable=True,
                             required=f.required)


def field_enc(f, names):
    """Encoding of one field into Docker JSON (`obj`); absent fields are left
    out, so Docker keeps its own defaults."""
    wire = c_string_literal(f.docker_wire)
    t = f.type
    base = t.base
    m = cnames.member(f.name)
    guard = None
    if base.kind == "list":
        elem = base.inner
        fn = ("ctrt__docker_enc_array_%s" if _is_docker_struct(elem, names) else "ctrt__enc_array_%s") % cnames.slot(elem)
        value = "rc = %s(&j, v->%s, v->n_%s, &p);" % (fn, m, f.name)
        guard = "v->has_%s" % f.name if t.optional else None
    elif base.kind == "named" and base.decl.what == "struct":
        arg = "v->%s" % m if t.optional else "&v->%s" % m
        value = "rc = ctrt__docker_enc_%s(&j, %s, &p);" % (cnames.slot(base), arg)
        guard = "v->%s != NULL" % m if t.optional else None
    elif base.kind == "named" and base.decl.what == "enum" and base.decl.has_docker_codes:
        value = "rc = ctrt__docker_enc_code_%s(&j, &v->%s, &p);" % (cnames.slot(base), m)
        guard = "v->has_%s" % f.name if t.optional else None
    else:
        s = cnames.slot(base)
        if t.optional and cnames.optional_is_pointer(base):
            value = "rc = ctrt__enc_%s(&j, &v->%s, &p);" % (s, m)
            guard = "v->%s != NULL" % m
        else:
            value = "rc = ctrt__enc_%s(&j, &v->%s, &p);" % (s, m)
            guard = "v->has_%s" % f.name if t.optional else None
    body = ("{\n    ctrt__jpath p = CTRT__JPATH_KEY(path, %s);\n    json_t *j = NULL;\n    %s\n"
            "    if (rc < 0 || (rc = ctrt__json_put(obj, %s, j, &p)) < 0)\n      goto fail;\n  }") % (wire, value, wire)
    return "if (%s) %s" % (guard, body) if guard else body


class StubC:
    """The C body of one generated stub."""

    def __init__(self, method, mc):
        self.m = method
        self.mc = mc
        self.call = method.docker_calls[0]

    def _value_expr(self, source):
        """(type, C expression, C presence test or None, C count for lists)
        of an input or a field of a struct input ("options.repo")."""
        root, _, sub = source.partition(".")
        param = self.m.input(root)
        member = cnames.member(param.name)
        if not sub:
            return param.type, member, None, "n_" + param.name
        chain = field_chain(param.type.base.decl, sub)
        field = chain[-1]
        prefix = member + "->" + "".join(cnames.member(f.name) + "." for f in chain[:-1])
        expr = prefix + cnames.member(field.name)
        has = None
        if field.type.optional and (field.type.base.kind == "list" or not cnames.optional_is_pointer(field.type.base)):
            has = "%shas_%s" % (prefix, field.name)
        return field.type, expr, has, "%sn_%s" % (prefix, field.name)

    def query_lines(self):
        return self.query_lines_all()

    @property
    def query_uses_container(self):
        """The query names the container (rebuilt after each lookup)."""
        return any(", container);" in line for line in self.query_lines_all())

    def query_lines_all(self):
        lines = []
        for q in self.call.query:
            name = c_string_literal(q.name)
            if q.value is not None:
                lines.append("ctrt__dq_add(&q, %s, %s);" % (name, c_string_literal(q.value)))
                continue
            if q.source.startswith("$"):
                lines.append("ctrt__dq_add_int(&q, %s, %s);" % (name, q.source[1:]))
                continue
            t, expr, has, count = self._value_expr(q.source)
            base = t.base
            if q.encode in ("image_repo", "image_tag"):
                line = "ctrt__dq_add_ref_%s(&q, %s, %s);" % (q.encode[6:], name, expr)
            elif q.encode == "container_name":
                line = "ctrt__dq_add_container_name(&q, %s, %s);" % (name, expr)
            elif q.encode == "label_filter":
                line = "ctrt__dq_add_label_filter(&q, %s, label_key, %s);" % (name, expr)
            elif base.kind == "named" and base.name == "ContainerId":
                line = "ctrt__dq_add(&q, %s, container);" % name
            elif base.kind == "list" and q.join is not None:
                line = "ctrt__dq_add_joined(&q, %s, (const char *const *)%s, %s, %s);" % (
                    name, expr, count, c_string_literal(q.join))
            elif base.kind == "list":
                line = "for (size_t i = 0; i < %s; i++)\n    ctrt__dq_add(&q, %s, %s[i]);" % (count, name, expr)
            elif base.kind == "scalar" and base.name in ("string", "ip"):
                line = "ctrt__dq_add(&q, %s, %s);" % (name, expr)
            elif base.kind == "scalar" and base.name == "bool":
                line = "ctrt__dq_add(&q, %s, %s ? \"1\" : \"0\");" % (name, expr)
            elif base.kind == "scalar" and base.name == "u64" and not q.omit_zero:
                # Above INT64_MAX it stays unsigned (a tail of "everything").
                line = "ctrt__dq_add_u64(&q, %s, %s);" % (name, expr)
            elif base.kind == "scalar" and base.name in ("i32", "i64", "u16", "u32", "u64"):
                line = "ctrt__dq_add_int(&q, %s, (int64_t)%s);" % (name, expr)
                if q.omit_zero:
                    has = "%s != 0" % expr if has is None else "%s && %s != 0" % (has, expr)
            elif base.kind == "named" and base.decl.what == "enum":
                line = "ctrt__dq_add(&q, %s, %s_to_string(%s));" % (name, cnames.tname(base.name), expr)
            else:
                raise SpecError(q.loc, "%s: no query encoding for %s" % (self.m.name, t))
            if has:
                line = "if (%s) {\n    %s\n  }" % (has, line.replace("\n", "\n  "))
            lines.append(line)
        return lines

    def path_expr(self):
        """printf format and arguments of the request path."""
        return _path_format(self.call.path, self._segment_arg)

    def _segment_arg(self, name):
        param = self.m.input(name)
        return "container" if param.type.base.name == "ContainerId" else "seg_%s" % name

    @property
    def path_segments(self):
        out = []
        for name in self.call.path_params:
            param = self.m.input(name)
            if param.type.base.name != "ContainerId":
                out.append((name, cnames.member(param.name)))
        return out

    @property
    def container_input(self):
        for p in self.m.inputs:
            if p.type.base.kind == "named" and p.type.base.name == "ContainerId":
                return cnames.member(p.name)
        return None

    @property
    def statuses(self):
        items = sorted(self.call.status.items())
        return ", ".join("{%d, %s}" % (code, "CTRT_ERROR_NONE" if kind == "ok" else "CTRT_ERROR_" + kind.upper())
                         for code, kind in items)

    @property
    def n_statuses(self):
        return len(self.call.status)

    @property
    def header_lines(self):
        lines = []
        for h in self.call.headers:
            if h.value is not None:
                lines.append("ctrt__dh_add(&h, %s, %s);" % (c_string_literal(h.name), c_string_literal(h.value)))
            elif h.encode == "registry_auth":
                _, expr, _, _ = self._value_expr(h.source)
                image = next((cnames.member(p.name) for p in self.m.inputs if p.check == "image_ref"), "NULL")
                lines.append("if (%s != NULL)\n    ctrt__dh_add_registry_auth(&h, %s, %s);" % (expr, expr, image))
            else:
                raise SpecError(h.loc, "%s: no header encoding for %s" % (self.m.name, h.name))
        return lines

    @property
    def body(self):
        return self.call.body or {}

    @property
    def body_from(self):
        src = self.body.get("from")
        return cnames.member(src) if src else None

    @property
    def body_is_upload(self):
        src = self.body.get("from")
        return bool(src) and self.m.input(src).type.kind == "source"

    @property
    def body_struct(self):
        src = self.body.get("from")
        if src and self.body.get("encode") == "docker":
            return cnames.slot(self.m.input(src).type.base)
        return None

    @property
    def body_literal(self):
        """A constant JSON body (`body: {json: "{}"}`), as a C literal."""
        text = self.body.get("json")
        return c_string_literal(text) if text is not None else None

    @property
    def content_type(self):
        ct = self.body.get("content_type")
        return c_string_literal(ct) if ct else "NULL"

    @property
    def result_kind(self):
        if self.call.framing == "raw":
            return "stream"
        if self.call.hook is not None:
            return "hook"
        if self.m.result is None:
            return "none"
        if self.call.result == "body":
            return "body"
        return "field"

    @property
    def result_slot(self):
        return cnames.slot(self.m.result.base)

    @property
    def result_field(self):
        return c_string_literal(self.call.result["field"])

    @property
    def result_field_path(self):
        """The JSON members from the answer to the field, outermost first."""
        return [c_string_literal(k) for k in self.call.result["field"].split(".")]

    @property
    def result_zero_absent(self):
        return bool(self.call.result.get("zero_absent"))

    @property
    def result_range(self):
        """C test that the integer v is out of the result type's range, or None."""
        limits = {"u32": "v < 0 || v > UINT32_MAX", "i32": "v < INT32_MIN || v > INT32_MAX", "u64": "v < 0"}
        return limits.get(self.m.result.base.name)


def _path_format(path, arg_of):
    """printf format of a path template and the C argument of each {name}."""
    fmt, args = [], []
    for piece in re.split(r"(\{[^}]*\})", path):
        if piece.startswith("{"):
            fmt.append("%s")
            args.append(arg_of(piece[1:-1]))
        else:
            fmt.append(piece.replace("%", "%%"))
    return c_string_literal("".join(fmt)), args


def docker_lists(spec, structs):
    """list<S> types of docker structs that a result decodes (ctrt_S_list)."""
    names = {s.name for s in structs}
    out = {}
    for m in spec.methods:
        if m.docker_stub == "generated" and m.result is not None and m.result.kind == "list":
            inner = m.result.inner
            if _is_docker_struct(inner, names):
                out[cnames.slot(inner)] = inner
    return sorted(out.items())


def docker_array_names(spec, structs):
    """Docker structs that appear as list elements (need array codecs)."""
    names = {s.name for s in structs}
    out = {t.name for _, t in docker_lists(spec, structs)}
    for s in structs:
        for f in s.fields:
            if f.docker_wire and f.type.base.kind == "list" and _is_docker_struct(f.type.base.inner, names):
                out.add(f.type.base.inner.name)
    return out


class WalkResult:
    """A result type generated stubs decode from the answer's text with the
    walker: its root member and the function reading it
    (ctrt__docker_walk_<slot>)."""

    def __init__(self, t):
        self.slot = cnames.slot(t)
        self.ctype = cnames.ctype(t)
        self.is_list = t.kind == "list"
        self.elem_slot = cnames.slot(t.inner) if self.is_list else self.slot
        self.init = "CTRT_%s_INIT" % self.slot.upper() if self.is_list else cnames.const_prefix(t.name) + "_INIT"


def _decodes_body(m):
    """The method's generated stub decodes its result from a JSON body
    (StubC.result_kind == "body")."""
    if m.docker_stub != "generated" or m.result is None:
        return False
    call = m.docker_calls[0]
    return call.framing != "raw" and call.hook is None and call.result == "body"


def walk_results(spec):
    """The distinct results of stubs decoding a JSON body, in method order."""
    out = {}
    for m in spec.methods:
        if _decodes_body(m):
            out.setdefault(cnames.slot(m.result.base), WalkResult(m.result.base))
    return list(out.values())


def walk_structs(spec, structs):
    """(docker structs, enums with Docker codes) the walked results reach,
    in declaration order: the tables to generate (an unused static table
    would be a warning)."""
    names = {s.name for s in structs}
    seen, enums = set(), set()

    def visit(t):
        t = t.base
        if t.kind in ("list", "map"):
            visit(t.inner)
        elif t.kind == "named" and t.decl.what == "enum" and t.decl.has_docker_codes:
            enums.add(t.decl.name)
        elif _is_docker_struct(t, names) and t.decl.name not in seen:
            seen.add(t.decl.name)
            for f in t.decl.fields:
                if f.docker_wire:
                    visit(f.type)

    for m in spec.methods:
        if _decodes_body(m):
            visit(m.result)
    return [s for s in structs if s.name in seen], [e for e in spec.enums if e.name in enums]


class FuzzJsonTarget:
    """One libFuzzer target per Docker wire response type that a generated
    stub decodes into its result (`result: body`): the bytes become that
    response, decoded, re-encoded and decoded again."""

    def __init__(self, method, call):
        self.method = method.name
        self.wire = call.response["type"]
        self.is_list = self.wire.startswith("[")
        bare = self.wire.strip("[]")
        self.name = "json_" + snake(bare) + ("_list" if self.is_list else "")
        base = method.result.base
        self.slot = cnames.slot(base)
        self.ctype = cnames.ctype(base)
        self.elem_slot = cnames.slot(base.inner) if self.is_list else None


def fuzz_json_targets(spec):
    """The targets in method order, one per distinct wire type."""
    out, seen = [], set()
    for m in spec.methods:
        if m.docker_stub != "generated":
            continue
        call = m.docker_calls[0]
        if call.result != "body" or call.framing != "json":
            continue
        target = FuzzJsonTarget(m, call)
        if target.name not in seen:
            seen.add(target.name)
            out.append(target)
    return out


class ExpectedCall:
    """What a recording daemon must see of one declared call (the generated
    docker_calls test): verb, path template, the query names it may carry
    (constants with their value), constant headers, and whether a body of
    which content type comes with it."""

    def __init__(self, call):
        self.operation = call.operation
        self.verb = call.verb
        self.path = call.path
        self.framing = call.framing
        # (name, constant value or None)
        self.query = [(q.name, q.value) for q in call.query]
        self.headers = [(h.name, h.value) for h in call.headers if h.value is not None]
        body = call.body
        self.has_body = body is not None
        self.content_type = (body or {}).get("content_type")
        self.json_body = self.content_type == "application/json" or "json" in (body or {})
        # (member, constant JSON text or None for a boolean session value)
        self.body_members = [(m["name"], m.get("value")) for m in (body or {}).get("members") or []]
        self.when = call.when
        self.when_status = (call.when or {}).get("status", 0)
        # An answer case the recording daemon plays (its name, C string).
        self.when_answer = (call.when or {}).get("answer")
        self.unversioned = call.unversioned
        # A `when:` with only a doc names a case the test cannot bring about.
        self.provoked = not call.when or any(k in call.when for k in ("status", "input", "answer"))


def expected_calls(method):
    return [ExpectedCall(c) for c in method.docker_calls]


def when_input_values(method, path):
    """What the calls test sets to bring about `when: {input: PATH}`: (the C
    lvalue in its driver, the C values it cycles through), or None when PATH
    names nothing the driver can vary. PATH is an enum input (every
    variant), an optional string input (absent, then given) or a dotted
    path to an enum field of a struct input (`spec.image.pull_policy`)."""
    head, *rest = path.split(".")
    param = method.input(head)
    if param is None:
        return None
    t = param.type
    if not rest:
        if t.is_named("enum") and not t.optional:
            return ("in_" + head, enum_values(t.base.decl))
        if t.optional and t.base.kind == "scalar" and t.base.name == "string":
            return ("in_" + head, ["NULL", "call_text"])
        return None
    chain = None if t.optional or not t.is_named("struct") else field_chain(t.base.decl, ".".join(rest))
    if chain is None or chain[-1].type.optional or not chain[-1].type.is_named("enum"):
        return None
    lvalue = "value_%s.%s" % (head, ".".join(cnames.member(f.name) for f in chain))
    return (lvalue, enum_values(chain[-1].type.base.decl))


def enum_values(decl):
    return ["%s_%s" % (cnames.const_prefix(decl.name), v.name.upper()) for v in decl.variants]


def driven_inputs(method):
    """The `when: input:` values a calls-test driver varies besides the
    method's own enum inputs (which it always cycles): [(lvalue, values)]."""
    out = []
    for call in method.docker_calls:
        path = (call.when or {}).get("input")
        if path is None or (method.input(path) is not None and method.input(path).type.is_named("enum")):
            continue
        found = when_input_values(method, path)
        if found is not None and found not in out:
            out.append(found)
    return out


class RequestTarget(StubC):
    """The request target of one call of a hand-written (`stub: custom`)
    method, built from the spec like a generated stub builds its own: a
    function `ctrt__dockerreq_<method>_<operation>` that returns the path
    and query. For a call on /containers/{id}... it returns what follows
    that prefix (the caller resolves the container, or uses the Docker id an
    inspect gave); other path parameters are inputs of the method, values an
    earlier call bound (`bind:`, a string parameter) or, in the query,
    session values (`$name`, an integer parameter)."""

    CONTAINER_PREFIX = "/containers/{id}"

    def __init__(self, method, mc, call, occurrence=1):
        super().__init__(method, mc)
        self.call = call
        # A method calling one operation twice (adopt_container inspects two
        # containers) numbers the later targets: ..._container_inspect_2.
        suffix = "" if occurrence == 1 else "_%d" % occurrence
        self.name = "ctrt__dockerreq_%s_%s%s" % (method.name, snake(call.operation), suffix)
        self.container_relative = call.path.startswith(self.CONTAINER_PREFIX)
        self.bound = [p for p in call.path_params if method.input(p.split(".")[0]) is None]
        self.session = [q.source[1:] for q in call.query if q.source and q.source.startswith("$")]
        self.label_filter = any(q.encode == "label_filter" for q in call.query)
        members = (call.body or {}).get("members") or []
        # A body of constant JSON members and boolean session values
        # (ExecStart's {"Detach":false,"Tty":$tty}): a second function.
        self.body_members = [(m["name"], m.get("value"), m["from"][1:] if m.get("from") else None) for m in members]
        if _query_from_container(method, call):
            raise SpecError(call.loc, "%s: a query from the container id has no request target" % method.name)

    @property
    def used_inputs(self):
        """Inputs the path or the query reads: the target's parameters (a
        container's own id is resolved by the caller)."""
        used = {q.source.split(".")[0] for q in self.call.query if q.source and not q.source.startswith("$")}
        used.update(p.split(".")[0] for p in self.call.path_params if not (self.container_relative and p == "id"))
        return used

    @property
    def params(self):
        out = ["char **out"]
        for i in self.mc.inputs:
            if i.p.name in self.used_inputs:
                out += list(i.params)
        out += ["const char *%s" % b for b in self.bound]
        out += ["int64_t %s" % s for s in self.session]
        if self.label_filter:
            out.append("const char *label_key")
        return ", ".join(out)

    @property
    def body_name(self):
        return self.name + "_body" if self.body_members else None

    @property
    def body_params(self):
        return ", ".join(["char **out"] + ["bool %s" % s for _, _, s in self.body_members if s])

    def body_format(self):
        """printf format and arguments of the members' JSON object."""
        fmt, args = [], []
        for name, value, session in self.body_members:
            key = json.dumps(name)
            if session:
                fmt.append("%s:%%s" % key)
                args.append('%s ? "true" : "false"' % session)
            else:
                fmt.append("%s:%s" % (key, value.replace("%", "%%")))
        return c_string_literal("{" + ",".join(fmt) + "}"), args

    def path_expr(self):
        path = self.call.path[len(self.CONTAINER_PREFIX):] if self.container_relative else self.call.path
        return _path_format(path, lambda name: "seg_%s" % name.replace(".", "_"))

    @property
    def segments(self):
        """(segment variable, C expression) of the path parameters."""
        out = []
        for name in self.call.path_params:
            if self.container_relative and name == "id":
                continue
            root, _, rest = name.partition(".")
            param = self.m.input(root)
            if param is None:
                out.append((name, name))
            elif rest:  # a field of a struct input: {spec.image.name}
                out.append((name.replace(".", "_"), "%s->%s" % (cnames.member(param.name), rest)))
            else:
                out.append((name, cnames.member(param.name)))
        return out


def _query_from_container(method, call):
    """A query value that is the container id as the caller resolved it (a
    generated stub's `container`); an id encoded into the engine's name or
    the managed label's filter is built from the ContainerId itself."""
    ids = {p.name for p in method.inputs if p.type.base.kind == "named" and p.type.base.name == "ContainerId"}
    return any(q.source in ids and q.encode not in ("container_name", "label_filter") for q in call.query)


def _container_elsewhere(method, call):
    """A container id in the path other than as its /containers/{id} prefix
    (the caller resolves a container only there)."""
    ids = {p.name for p in method.inputs if p.type.base.kind == "named" and p.type.base.name == "ContainerId"}
    params = list(call.path_params)
    if call.path.startswith(RequestTarget.CONTAINER_PREFIX):
        params.remove("id")
    return any(p in ids for p in params)


class _NoInputs:
    """The C view of a docker_internal entry: a method without inputs."""

    inputs = []


def request_targets(spec, methods):
    """RequestTarget of every call of the hand-written methods and of the
    backend-internal calls (`docker_internal:`)."""
    out = []
    for internal in spec.docker_internal:
        seen = {}
        for call in internal.docker_calls:
            seen[call.operation] = seen.get(call.operation, 0) + 1
            out.append(RequestTarget(internal, _NoInputs(), call, seen[call.operation]))
    for mc in methods:
        if mc.m.docker_stub != "custom":
            continue
        seen = {}
        for call in mc.m.docker_calls:
            if _query_from_container(mc.m, call) or _container_elsewhere(mc.m, call):
                continue  # create's name: the container's display name, made by hand
            seen[call.operation] = seen.get(call.operation, 0) + 1
            out.append(RequestTarget(mc.m, mc, call, seen[call.operation]))
    return out


def response_hooks(methods):
    """(hook name, C parameters) of the generated stubs' response hooks; a
    hook shared by two methods must have one signature."""
    out = {}
    for mc in methods:
        if mc.m.docker_stub != "generated" or mc.m.docker_calls[0].hook is None:
            continue
        call = mc.m.docker_calls[0]
        params = ", ".join(["void *self"] + list(mc.out_params) + ["const char *text", "size_t len"])
        if out.setdefault(call.hook, params) != params:
            raise SpecError(call.loc, "%s: hook %s is used with another signature elsewhere" % (mc.name, call.hook))
    return sorted(out.items())
