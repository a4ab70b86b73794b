# SPDX-License-Identifier: MIT
"""Podman's own requests, from the spec's `podman: calls:` blocks.

The podman backend (runtime/backends/podman) is the Docker backend with
some methods replaced; where a replacement asks libpod (or a
Docker-compatible call the Docker half has no declaration for), the
request comes from here: per call, a descriptor
`ctrt__podmancall_<method>_<operation>` (verb, API, status table) and a
request target `ctrt__podmanreq_<method>_<operation>()` returning the path
(after /containers/{id} for a container's call) and the query, plus a body
builder for a body of dotted fields. A path parameter, `bind:` or JSON
placeholder that is no input of the method is a string the caller binds.
"""

import json
import re

from . import cnames
from .ccode import c_string_literal
from .docker import ExpectedCall, RequestTarget
from .errors import SpecError
from .model import snake

_PLACEHOLDER = re.compile(r'"\{([a-z][a-z0-9_]*)\}"')


def _json_format(text):
    """printf format of a `json:` query value (each string "{name}" a %s
    that receives the JSON string of a bound value) and the names."""
    names = _PLACEHOLDER.findall(text)
    return _PLACEHOLDER.sub("%s", text), names


class PodmanTarget(RequestTarget):
    """The request target, descriptor and body builder of one podman call."""

    def __init__(self, method, mc, call):
        super().__init__(method, mc, call)
        suffix = "%s_%s" % (method.name, snake(call.operation))
        self.name = "ctrt__podmanreq_" + suffix
        self.descriptor = "ctrt__podmancall_" + suffix
        self.libpod = call.api == "libpod"
        bound = list(self.bound)
        for q in call.query:
            names = [q.bind] if q.bind else _json_format(q.json)[1] if q.json else []
            bound += [n for n in names if n not in bound]
        self.bound = bound
        self.fields = []
        if call.body:
            decl = method.input(call.body["from"]).type.base.decl
            for wire, name in call.body_fields:
                field = next(f for f in decl.fields if f.name == name)
                self.fields.append((wire, cnames.member(field.name), field))
            self.body_type = cnames.tname(decl.name)
            self.body_input = cnames.member(call.body["from"])

    def query_lines_all(self):
        """The query in declaration order: bound strings and JSON text here,
        inputs and constants as the Docker targets encode them."""
        lines = []
        saved = self.call.query
        try:
            for q in saved:
                name = c_string_literal(q.name)
                if q.bind:
                    lines.append("ctrt__dq_add(&q, %s, %s);" % (name, q.bind))
                elif q.json:
                    fmt, names = _json_format(q.json)
                    values = "(const char *const[]){%s}" % ", ".join(names)
                    lines.append("if ((rc = dq_add_json(&q, %s, %s, %s, %d)) < 0)\n    goto done;" % (
                        name, c_string_literal(fmt), values, len(names)))
                else:
                    self.call.query = [q]
                    lines += super().query_lines_all()
        finally:
            self.call.query = saved
        return lines

    @property
    def body_name(self):
        return self.name + "_body" if self.fields else None

    def field_lines(self):
        """One `put` per body field, guarded by its presence."""
        lines = []
        for wire, member, field in self.fields:
            base = field.type.base
            src = "%s->%s" % (self.body_input, member)
            if base.kind == "scalar" and base.name in ("string", "ip"):
                guard, value = "%s != NULL" % src, "json_string(%s)" % src
            elif base.kind == "scalar" and base.name in ("i32", "i64", "u16", "u32"):
                guard = "%s->has_%s" % (self.body_input, field.name) if field.type.optional else None
                value = "json_integer((json_int_t)%s)" % src
            else:
                raise SpecError(self.call.body_loc, "%s: no podman body encoding for %s" % (self.m.name, field.type))
            put = "(rc = put_dotted(body, %s, %s)) < 0" % (c_string_literal(wire), value)
            lines.append("if (%s && %s)\n    goto done;" % (guard, put) if guard else "if (%s)\n    goto done;" % put)
        return lines

    @property
    def content_type(self):
        ct = (self.call.body or {}).get("content_type")
        return c_string_literal(ct) if ct else "NULL"


def podman_targets(methods):
    """PodmanTarget of every declared podman call, in method order."""
    out = []
    for mc in methods:
        seen = set()
        for call in mc.m.podman_calls:
            target = PodmanTarget(mc.m, mc, call)
            if target.name in seen:
                raise SpecError(call.loc, "%s: %s is declared twice" % (mc.m.name, call.operation))
            seen.add(target.name)
            out.append(target)
    return out


class ExpectedPodmanCall(ExpectedCall):
    """What the podman recording test expects of one call: the Docker test's
    record, the path below the libpod prefix, and the Docker-half call after
    whose status (`when: {after, status}`) it is made."""

    def __init__(self, call):
        super().__init__(call)
        self.libpod = call.api == "libpod"
        self.query = [(q.name, q.value) for q in call.query]
        self.json_body = call.body is not None
        self.when_after = (call.when or {}).get("after")
        self.provoked = not call.when or "input" in call.when or "after" in call.when


def expected_podman_calls(method):
    return [ExpectedPodmanCall(c) for c in method.podman_calls]


def check_podman(method, error_names):
    """What the schema cannot say of a `podman:` block."""
    for call in method.podman_calls:
        for code, kind in sorted(call.status.items()):
            if kind != "ok" and kind not in error_names:
                raise SpecError(call.status_locs.get(code, call.loc), "%s: podman status %d maps to '%s', which is "
                                "not ok or an error kind" % (method.name, code, kind))
        for q in call.query:
            given = [k for k in ("from", "value", "bind", "json") if getattr(q, {"from": "source"}.get(k, k))]
            if len(given) != 1:
                raise SpecError(q.loc, "%s: %s needs exactly one of from, value, bind and json" % (method.name, q.name))
            if q.source and method.input(q.source) is None:
                raise SpecError(q.loc, "%s: query %s is from '%s', which is not an input" % (
                    method.name, q.name, q.source))
            if q.json and "%" in q.json:
                raise SpecError(q.loc, "%s: query %s: '%%' in JSON text" % (method.name, q.name))
            if q.json:
                try:
                    json.loads(q.json)
                except ValueError as exc:
                    raise SpecError(q.loc, "%s: query %s: not JSON: %s" % (method.name, q.name, exc))
        if call.body:
            param = method.input(call.body["from"])
            if param is None or not param.type.is_named("struct"):
                raise SpecError(call.body_loc, "%s: a podman body is from a struct input" % method.name)
            names = {f.name for f in param.type.base.decl.fields}
            for wire, name in call.body_fields:
                if name not in names:
                    raise SpecError(call.body_loc, "%s: body field %s: %s has no field '%s'" % (
                        method.name, wire, param.type.base.name, name))
        when = call.when or {}
        if ("status" in when) != ("after" in when):
            raise SpecError(call.when_loc, "%s: when: status and after go together" % method.name)
        if "input" in when:
            param = method.input(when["input"])
            if param is None or not param.type.is_named("enum"):
                raise SpecError(call.when_loc, "%s: when: input '%s' is no enum input" % (method.name, when["input"]))
