# SPDX-License-Identifier: MIT
"""Semantic checks: what the schema cannot say.

Each check raises SpecError at the line of the offending declaration, so
the message reads `spec/FILE:LINE: error: ...`.
"""

import difflib
import json
import re

from .errors import SpecError
from .cri import check_cri_spec
from .podman import check_podman
from .model import INTEGERS, field_chain

DATA_KINDS = ("struct", "enum", "union")
STRING_SCALARS = ("string", "ip")


def _did_you_mean(word, choices):
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return " (did you mean '%s'?)" % close[0] if close else ""


def _unique(items, what, key=lambda d: d.name):
    seen = {}
    for item in items:
        name = key(item)
        if name in seen:
            raise SpecError(item.loc, "duplicate %s '%s' (first declared at %s)" % (what, name, seen[name].loc))
        seen[name] = item


def _resolve(ref, table, context, allowed):
    """Attach declarations to every named type in `ref`; `allowed` lists the
    declaration kinds valid at this position."""
    if ref.kind in ("optional", "list", "map"):
        _resolve(ref.inner, table, context, DATA_KINDS)
        return
    if ref.kind != "named":
        return
    decl = table.get(ref.name)
    if decl is None:
        raise SpecError(ref.loc, "%s: unknown type '%s'%s" % (context, ref.name, _did_you_mean(ref.name, table)))
    if decl.what not in allowed:
        raise SpecError(ref.loc, "%s: '%s' is a %s, not usable here (expected %s)" % (
            context, ref.name, decl.what, " or ".join(allowed)))
    ref.decl = decl


def _check_default(field, owner):
    t = field.type
    value = field.default
    where = "%s.%s" % (owner, field.name)
    if field.explicit_required is True and field.has_default:
        raise SpecError(field.loc, "%s: a required field cannot have a default" % where)
    if field.explicit_required is True and t.optional:
        raise SpecError(field.loc, "%s: an optional type (%s) cannot be required" % (where, t))
    if field.explicit_required is False and not t.optional and not field.has_default:
        raise SpecError(field.loc, "%s: a non-optional field needs a default to be not required" % where)
    if field.storage == "trailing" and (t.kind != "scalar" or t.name != "bytes"):
        raise SpecError(field.loc, "%s: storage: trailing is for a bytes field (this one is %s)" % (where, t))
    if field.secret and field.required:
        raise SpecError(field.loc, "%s: a secret field is never serialized, so it cannot be required "
                                   "(give it a default, e.g. \"\")" % where)
    if not field.has_default:
        return
    if t.optional:
        raise SpecError(field.loc, "%s: an optional field cannot have a default (its default is absence)" % where)
    kind = t.kind
    if kind == "list":
        if value != []:
            raise SpecError(field.loc, "%s: a list default can only be []" % where)
        return
    if kind == "map":
        if value != {}:
            raise SpecError(field.loc, "%s: a map default can only be {}" % where)
        return
    if isinstance(value, (list, dict)):
        raise SpecError(field.loc, "%s: [] and {} are defaults for lists and maps only, not %s" % (where, t))
    if kind == "named":
        if t.decl.what != "enum":
            raise SpecError(field.loc, "%s: a %s field cannot have a default" % (where, t.decl.what))
        if value not in [v.name for v in t.decl.variants]:
            raise SpecError(field.loc, "%s: default '%s' is not a variant of %s" % (where, value, t.name))
        return
    name = t.name
    if name == "bool":
        if not isinstance(value, bool):
            raise SpecError(field.loc, "%s: bool default must be true or false" % where)
    elif name in INTEGERS:
        lo, hi = INTEGERS[name]
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise SpecError(field.loc, "%s: default %r is not a %s" % (where, value, name))
    elif name == "f64":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SpecError(field.loc, "%s: default %r is not a number" % (where, value))
    elif name in STRING_SCALARS:
        if not isinstance(value, str):
            raise SpecError(field.loc, "%s: default %r is not a string (quote it)" % (where, value))
    else:
        raise SpecError(field.loc, "%s: %s fields cannot have a default" % (where, name))


def _check_fields(fields, owner, table, tag=None):
    _unique(fields, "field of %s" % owner)
    _unique(fields, "wire name in %s" % owner, key=lambda f: f.wire)
    for field in fields:
        if field.type.kind == "source":
            raise SpecError(field.loc, "%s.%s: 'source' is for method inputs only" % (owner, field.name))
        _resolve(field.type, table, "%s.%s" % (owner, field.name), DATA_KINDS)
        if tag is not None and field.wire == tag:
            raise SpecError(field.loc, "%s.%s: wire name '%s' collides with the union tag" % (owner, field.name, tag))
        if field.type.optional and field.type.inner.kind == "map":
            raise SpecError(field.loc, "%s.%s: optional maps are not supported; an empty map is absent" % (owner, field.name))
        if field.check == "image_ref" and field.type.text != "string":
            raise SpecError(field.loc, "%s.%s: check 'image_ref' needs a string field" % (owner, field.name))
        _check_default(field, owner)


def _check_embedding(spec):
    """A struct that contains itself without a pointer has infinite size."""
    by_name = {s.name: s for s in spec.all_structs}

    def visit(struct, stack):
        if struct.name in stack:
            raise SpecError(struct.loc, "struct %s contains itself (%s); make one link optional" % (
                struct.name, " -> ".join(stack + [struct.name])))
        for field in struct.fields:
            t = field.type
            if t.kind == "named" and t.decl.what == "struct":
                visit(by_name[t.name], stack + [struct.name])

    for struct in spec.all_structs:
        visit(struct, [])


def _check_errors(spec):
    _unique(spec.errors, "error kind")
    seen = {}
    for err in spec.errors:
        if err.code <= 0:
            raise SpecError(err.loc, "error %s: code must be positive" % err.name)
        if err.code in seen:
            raise SpecError(err.loc, "error %s: code %d already used by %s" % (err.name, err.code, seen[err.code]))
        seen[err.code] = err.name
        names = {f.name for f in err.fields}
        for placeholder in re.findall(r"\{([^}]*)\}", err.message):
            if placeholder not in names:
                raise SpecError(err.message_loc, "error %s: message names '{%s}', which is not one of its fields (%s)" % (
                    err.name, placeholder, ", ".join(f.name for f in err.fields) or "it has none"))


def _check_input(param, owner, table, result_allowed=False):
    t = param.type
    _resolve(t, table, "%s(%s)" % (owner, param.name), DATA_KINDS)
    base = t.base
    if param.check in ("container_name", "engine_ref", "image_ref", "search_term", "absolute_path") and \
            not (base.kind == "scalar" and base.name == "string"):
        raise SpecError(param.loc, "%s(%s): check '%s' needs a string input" % (owner, param.name, param.check))
    if param.check == "signal" and t.text != "string?":
        raise SpecError(param.loc, "%s(%s): check 'signal' needs a string? input (absent = SIGKILL)" % (owner, param.name))
    if param.check == "non_empty" and base.kind != "list":
        raise SpecError(param.loc, "%s(%s): check 'non_empty' needs a list input" % (owner, param.name))
    if param.empty_is_noop:
        if not (t.kind == "named" and t.decl.what == "struct" and all(f.type.optional for f in t.decl.fields)):
            raise SpecError(param.loc, "%s(%s): empty_is_noop needs a struct whose fields are all optional" % (
                owner, param.name))
    if t.kind == "map" or (t.kind == "list" and t.inner.kind != "scalar"):
        raise SpecError(param.loc, "%s(%s): inputs may be lists of scalars, not %s" % (owner, param.name, t))


def _check_result(method, table):
    result = method.result
    if result is None:
        return
    allowed = DATA_KINDS + ("stream", "opaque")
    _resolve(result, table, "%s result" % method.name, allowed)
    if result.kind == "named" and result.decl.what == "opaque" and result.decl.kind != "handle":
        raise SpecError(result.loc, "%s: result %s is not a handle" % (method.name, result.name))
    if result.kind == "named" and result.decl.what == "stream" and result.decl.kind not in ("typed", "bytes"):
        raise SpecError(result.loc, "%s: result %s is a %s stream; methods return typed or byte streams" % (
            method.name, result.name, result.decl.kind))
    if result.kind == "source":
        raise SpecError(result.loc, "%s: 'source' is for inputs only" % method.name)


def _check_default_behaviour(method, by_name):
    kind = method.default_kind
    result = method.result
    loc = method.default_loc
    if kind == "delegate":
        for target in method.delegates:
            if target not in by_name:
                raise SpecError(loc, "%s: default delegates to missing method '%s'%s" % (
                    method.name, target, _did_you_mean(target, by_name)))
            if target == method.name:
                raise SpecError(loc, "%s: default delegates to itself" % method.name)
    elif kind == "noop":
        if result is not None:
            raise SpecError(loc, "%s: a no-op default needs a method without a result" % method.name)
    elif kind == "value":
        if result is None or not result.is_named("enum") or result.optional:
            raise SpecError(loc, "%s: a value default needs an enum result" % method.name)
        if method.default_value not in [v.name for v in result.decl.variants]:
            raise SpecError(loc, "%s: default value '%s' is not a variant of %s" % (
                method.name, method.default_value, result.name))
    elif kind == "empty":
        ok = result is not None and (
            result.optional or result.kind == "list" or
            (result.kind == "named" and result.decl.what == "struct" and
             all(not f.required for f in result.decl.fields)))
        if not ok:
            raise SpecError(loc, "%s: an empty default needs a list, optional or all-default struct result" % method.name)


def _check_docker(method, error_names):
    bound = set()
    session = set()
    for call in method.docker_calls:
        # Status kinds are the interface's error kinds (errors.yaml), or ok.
        for code, kind in sorted(call.status.items()):
            if kind != "ok" and kind not in error_names:
                raise SpecError(call.status_locs.get(code, call.loc), "%s: status %d maps to '%s', which is not ok or an error kind%s" % (
                    method.name, code, kind, _did_you_mean(kind, sorted(error_names) + ["ok"])))
        for param in call.path_params:
            root = param.split(".")[0]
            if method.input(root) is None and root not in bound:
                raise SpecError(call.path_loc, "%s: path parameter '{%s}' is not an input of the method%s" % (
                    method.name, param, " or a value bound by an earlier call" if bound else ""))
        for value in call.query + call.headers:
            if (value.source is None) == (value.value is None):
                raise SpecError(value.loc, "%s: %s needs exactly one of 'from' and 'value'" % (method.name, value.name))
            if value.source is None:
                continue
            if value.source.startswith("$"):
                session.add(value.source[1:])
                continue
            root, _, sub = value.source.partition(".")
            param = method.input(root)
            if param is None and root not in bound:
                raise SpecError(value.loc, "%s: %s takes its value from '%s', which is not an input (inputs: %s)" % (
                    method.name, value.name, root, ", ".join(p.name for p in method.inputs) or "none"))
            if sub and param is not None:
                if field_chain(param.type.base.decl, sub) is None:
                    raise SpecError(value.loc, "%s: %s takes its value from '%s', but %s has no field '%s'" % (
                        method.name, value.name, value.source, param.type, sub))
            if value.encode == "registry_auth" and (param is None or param.type.base.name != "RegistryAuth"):
                raise SpecError(value.loc, "%s: registry_auth encoding needs a RegistryAuth input" % method.name)
            if value.encode in ("container_name", "label_filter") and (
                    param is None or sub or param.type.base.name != "ContainerId"):
                raise SpecError(value.loc, "%s: %s encoding needs a ContainerId input" % (method.name, value.encode))
        members = (call.body or {}).get("members") or []
        for i, doc in enumerate(members):
            loc = members.loc_of(i)
            value = doc.get("value")
            source = doc.get("from")
            if (source is None) == (value is None) or (source is not None and not source.startswith("$")):
                raise SpecError(loc, "%s: body member %s needs a JSON 'value' or a session value 'from: $name'" % (
                    method.name, doc["name"]))
            if value is not None:
                try:
                    json.loads(value)
                except ValueError:
                    raise SpecError(loc, "%s: body member %s: %r is not JSON" % (method.name, doc["name"], value))
        if members and method.docker_stub != "custom":
            raise SpecError(call.body_loc, "%s: body members are built by a hand-written method's request target" %
                            method.name)
        if call.body and call.body.get("from"):
            if method.input(call.body["from"]) is None:
                raise SpecError(call.body_loc, "%s: body comes from '%s', which is not an input" % (
                    method.name, call.body["from"]))
        if call.when:
            when_input = call.when.get("input")
            if when_input is not None:
                from .docker import when_input_values
                if when_input_values(method, when_input) is None:
                    raise SpecError(call.when_loc, "%s: 'when: input: %s' must name an enum input, an optional string "
                                    "input or (dotted) an enum field of a struct input of the method" % (
                                        method.name, when_input))
            if "status" in call.when and call is method.docker_calls[0]:
                raise SpecError(call.when_loc, "%s: 'when: status' follows an earlier call; the first has none" % (
                    method.name))
        bound.update(call.binds)


def _docker_types(t, out):
    """Structs reachable from t that generated Docker codecs must handle."""
    t = t.base
    if t.kind in ("list", "map"):
        _docker_types(t.inner, out)
    elif t.kind == "named" and t.decl.what == "struct" and t.decl.name not in out:
        out[t.decl.name] = t.decl
        for f in t.decl.fields:
            if f.docker_wire:
                _docker_types(f.type, out)


def _check_docker_stub(method):
    """A generated stub must be mechanical: one call, inputs mapped to the
    request, and a response that becomes the result without judgement."""
    if method.docker_stub != "generated":
        for call in method.docker_calls:
            if call.hook is not None:
                raise SpecError(call.loc, "%s: a response hook belongs to a generated stub (stub: generated)" %
                                method.name)
        return
    where = "%s: a generated Docker stub" % method.name
    if len(method.docker_calls) != 1:
        raise SpecError(method.docker_loc, "%s makes exactly one call (this one makes %d); mark it stub: custom" % (
            where, len(method.docker_calls)))
    call = method.docker_calls[0]
    result = method.result
    if call.framing not in ("none", "json", "json_lines", "raw"):
        raise SpecError(call.loc, "%s cannot handle %s framing; mark it stub: custom" % (where, call.framing))
    if call.binds:
        raise SpecError(call.loc, "%s cannot bind values for later calls" % where)
    for value in call.query + call.headers:
        if value.source and value.source.startswith("$"):
            raise SpecError(value.loc, "%s has no session values like %s" % (where, value.source))
    body = call.body or {}
    if body.get("from"):
        param = method.input(body["from"])
        if param.type.kind != "source" and body.get("encode") != "docker":
            raise SpecError(call.body_loc, "%s sends a body from a source input, or from a struct with encode: docker" %
                            where)
        if body.get("encode") == "docker" and not param.type.is_named("struct"):
            raise SpecError(call.body_loc, "%s: encode: docker needs a struct input" % where)
    elif body.get("encode"):
        raise SpecError(call.body_loc, "%s: an encoded body needs 'from'" % where)
    is_stream = result is not None and result.is_named("stream")
    if call.hook is not None:
        if call.framing != "json" or result is None or call.result != "none":
            raise SpecError(call.loc, "%s: a response hook takes a JSON answer and makes the result (no result: "
                            "body or field beside it)" % where)
        return
    if call.framing == "raw":
        if not (is_stream and result.decl.kind == "bytes"):
            raise SpecError(call.loc, "%s: raw framing gives a byte stream result" % where)
        return
    if is_stream:
        raise SpecError(call.loc, "%s: a stream result needs raw framing" % where)
    if result is None:
        if call.result != "none":
            raise SpecError(call.loc, "%s: the method has no result, so the response result must be none" % where)
        return
    if call.result == "body":
        base = result.base
        target = base.inner if base.kind == "list" else base
        if call.framing != "json" or not target.is_named("struct"):
            raise SpecError(call.loc, "%s: result body decodes a JSON struct or list of structs" % where)
        structs = {}
        _docker_types(target, structs)
        for struct in structs.values():
            if not any(f.docker_wire for f in struct.fields):
                raise SpecError(struct.loc, "%s: %s needs docker wire names on its fields" % (where, struct.name))
        return
    if isinstance(call.result, dict):
        if not (result.base.kind == "scalar" and result.base.name in ("i32", "i64", "u32", "u64")):
            raise SpecError(call.loc, "%s: result field gives an integer result" % where)
        if bool(call.result.get("zero_absent")) != bool(result.optional):
            raise SpecError(call.loc, "%s: an optional integer result comes from a field with zero_absent: true "
                            "(and only it)" % where)
        return
    raise SpecError(call.loc, "%s: the response must say how the result is made (result: body or {field: ...})" %
                    where)


def check(spec):
    """Raise SpecError on the first semantic problem."""
    _check_errors(spec)
    error_names = {e.name for e in spec.errors}

    types = spec.structs + spec.enums + spec.unions + spec.opaque + spec.streams
    _unique(types + spec.payload_structs, "type")
    table = spec.types()

    for enum in spec.enums:
        _unique(enum.variants, "variant of %s" % enum.name)
        wires = {}
        for variant in enum.variants:
            for wire in [variant.wire] + variant.accept:
                if wire in wires:
                    raise SpecError(variant.loc, "%s.%s: wire string '%s' already means %s" % (
                        enum.name, variant.name, wire, wires[wire]))
                wires[wire] = variant.name
        if enum.default is not None and enum.default not in [v.name for v in enum.variants]:
            raise SpecError(enum.default_loc, "%s: default '%s' is not one of its variants (%s)" % (
                enum.name, enum.default, ", ".join(v.name for v in enum.variants)))
        codes = [v for v in enum.variants if v.docker_code is not None]
        if codes and len(codes) != len(enum.variants):
            raise SpecError(enum.loc, "%s: docker_code must be given for every variant or none" % enum.name)
        _unique(codes, "docker_code in %s" % enum.name, key=lambda v: v.docker_code)

    for union in spec.unions:
        _unique(union.variants, "variant of %s" % union.name)
        _unique(union.variants, "wire name in %s" % union.name, key=lambda v: v.wire)
        if union.tagging == "internal":
            if not union.tag:
                raise SpecError(union.loc, "%s: internal tagging needs a 'tag' field name" % union.name)
            for variant in union.variants:
                if variant.shape == "newtype":
                    raise SpecError(variant.loc, "%s.%s: internally tagged unions cannot have newtype variants" % (
                        union.name, variant.name))
        elif union.tag is not None:
            raise SpecError(union.tag_loc, "%s: 'tag' is only meaningful with internal tagging" % union.name)
        for variant in union.variants:
            if variant.value is not None:
                _resolve(variant.value, table, "%s.%s" % (union.name, variant.name), DATA_KINDS)
                if variant.value.kind in ("optional", "list", "map"):
                    raise SpecError(variant.loc, "%s.%s: newtype variants hold a scalar or a named type" % (
                        union.name, variant.name))

    for struct in spec.all_structs:
        tag = None
        if struct.synthetic_of and struct.synthetic_of[0].tagging == "internal":
            tag = struct.synthetic_of[0].tag
        _check_fields(struct.fields, struct.name, table, tag)
    _check_embedding(spec)

    for stream in spec.streams:
        if stream.kind in ("typed", "future"):
            if stream.item is None:
                raise SpecError(stream.loc, "%s: a %s stream needs an item type" % (stream.name, stream.kind))
            _resolve(stream.item, table, stream.name, DATA_KINDS)
            if stream.kind == "typed" and not (stream.item.kind == "named" and stream.item.decl.what in ("struct", "union")):
                raise SpecError(stream.loc, "%s: a typed stream's item must be a struct or union (items are "
                                            "allocated and freed one by one), not %s" % (stream.name, stream.item))
        elif stream.item is not None:
            raise SpecError(stream.loc, "%s: a %s stream has no item type" % (stream.name, stream.kind))

    _unique(spec.functions, "function")
    for fn in spec.functions:
        _unique(fn.inputs, "input of %s" % fn.name)
        for param in fn.inputs:
            _check_input(param, fn.name, table)
        if fn.result is not None:
            _resolve(fn.result, table, "%s result" % fn.name, DATA_KINDS)
        for err in fn.errors:
            if err not in error_names:
                raise SpecError(fn.errors_loc, "%s: unknown error kind '%s'" % (fn.name, err))

    _unique(spec.methods, "method")
    by_name = {m.name: m for m in spec.methods}
    for method in spec.methods:
        _unique(method.inputs, "input of %s" % method.name)
        for param in method.inputs:
            _check_input(param, method.name, table)
        _check_result(method, table)
        for err in method.errors:
            if err not in error_names:
                raise SpecError(method.errors_loc, "%s: unknown error kind '%s'" % (method.name, err))
        if method.prepare is not None and method.input(method.prepare["replaces"]) is None:
            raise SpecError(method.prepare_loc, "%s: prepare replaces '%s', which is not an input" % (
                method.name, method.prepare["replaces"]))
        _check_default_behaviour(method, by_name)
        _check_docker(method, error_names)
        _check_docker_stub(method)
        check_podman(method, error_names)
        for call in method.docker_calls:
            if call.unversioned:
                raise SpecError(call.loc, "%s: only a docker_internal call is sent unversioned" % method.name)
    _unique(spec.docker_internal, "docker_internal")
    for internal in spec.docker_internal:
        if by_name.get(internal.name):
            raise SpecError(internal.loc, "docker_internal %s: a method has that name" % internal.name)
        _check_docker(internal, error_names)
    check_cri_spec(spec)

    # A delegation chain must end somewhere. Two delegates may share a
    # delegate of their own (a diamond); only a path back to itself is a cycle.
    def follow(method, path):
        for target in by_name[path[-1]].delegates:
            if target in path:
                raise SpecError(method.default_loc, "%s: delegation cycle %s" % (
                    method.name, " -> ".join(path[path.index(target):] + [target])))
            follow(method, path + [target])

    for method in spec.methods:
        follow(method, [method.name])

    _check_abi(spec)


def _check_abi(spec):
    """The ABI record must name exactly the methods declared `default:
    required`: adding one breaks every backend built before (the library
    refuses to open a backend that lacks a required method), so the record
    and the version that goes with it change together."""
    required = sorted(m.name for m in spec.methods if m.default_kind == "required")
    listing = "[%s]" % ", ".join(required)
    if len(spec.abi_records) > 1:
        raise SpecError(spec.abi_records[1].loc, "a second abi record; the first is at %s" % spec.abi_records[0].loc)
    abi = spec.abi
    if abi is None:
        if spec.methods:
            raise SpecError(spec.methods[0].loc, "the spec declares methods but no abi record; add spec/abi.yaml with "
                                                 "abi: {version: 1, required: %s}" % listing)
        return
    if abi.version < 1:
        raise SpecError(abi.version_loc, "abi version must be 1 or more, not %d" % abi.version)
    recorded = abi.required
    duplicates = sorted({name for name in recorded if recorded.count(name) > 1})
    if duplicates:
        raise SpecError(abi.required_loc, "abi required lists %s twice" % ", ".join(duplicates))
    if set(recorded) != set(required):
        added = [name for name in required if name not in recorded]
        dropped = [name for name in sorted(recorded) if name not in required]
        what = []
        if added:
            what.append("now required: %s" % ", ".join(added))
        if dropped:
            what.append("no longer required: %s" % ", ".join(
                name if name in {m.name for m in spec.methods} else name + " (not a method)" for name in dropped))
        raise SpecError(abi.version_loc, "the required methods changed since backend ABI version %d (%s); backends "
                                         "built for version %d break, so bump version to %d and set required to %s" % (
                                             abi.version, "; ".join(what), abi.version, abi.version + 1, listing))
    if recorded != required:
        raise SpecError(abi.required_loc, "abi required must be sorted: %s" % listing)
