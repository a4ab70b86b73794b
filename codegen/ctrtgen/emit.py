# SPDX-License-Identifier: MIT
"""Load, validate and render: the generator's driver."""

import os
import subprocess

import jinja2

from . import capi, ccode, cnames, cri, docker, docs, podman
from .check import check
from .errors import SpecError
from .loader import Loc, load_file
from .model import Spec, snake
from .schema import Schema

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATES = os.path.join(os.path.dirname(HERE), "templates")

# template -> output path below the output directory
OUTPUTS = [
    ("error_kinds.h.j2", "include/ctrt/error_kinds.h"),
    ("types.h.j2", "include/ctrt/types.h"),
    ("json.h.j2", "include/ctrt/json.h"),
    ("streams.h.j2", "include/ctrt/streams.h"),
    ("ops.h.j2", "include/ctrt/ops.h"),
    ("backend.h.j2", "include/ctrt/backend.h"),
    ("api.h.j2", "include/ctrt/api.h"),
    ("gen_errors.h.j2", "src/gen_errors.h"),
    ("internal.h.j2", "src/gen_internal.h"),
    ("errors.c.j2", "src/errors.c"),
    ("types.c.j2", "src/types.c"),
    ("json.c.j2", "src/json.c"),
    ("streams.c.j2", "src/streams.c"),
    ("ops.c.j2", "src/ops.c"),
    ("api.c.j2", "src/api.c"),
    ("docker_gen.h.j2", "src/docker_gen.h"),
    ("docker_stubs.c.j2", "src/docker_stubs.c"),
    ("podman_gen.h.j2", "src/podman_gen.h"),
    ("podman_req.c.j2", "src/podman_req.c"),
    ("cri_calls.h.j2", "src/cri_calls.h"),
    ("cri_calls.c.j2", "src/cri_calls.c"),
    ("roundtrip_test.c.j2", "tests/roundtrip_test.c"),
    ("forward_backend.h.j2", "tests/forward_backend.h"),
    ("forward_backend.c.j2", "tests/forward_backend.c"),
    ("drop_ops_test.c.j2", "tests/drop_ops_test.c"),
    ("docker_calls_test.c.j2", "tests/docker_calls_expect.c"),
    ("podman_calls_test.c.j2", "tests/podman_calls_expect.c"),
    ("cri_calls_test.c.j2", "tests/cri_calls_expect.c"),
    ("conform_probe.h.j2", "conformance/conform_probe.h"),
    ("conform_probe.c.j2", "conformance/conform_probe.c"),
    ("fuzz_json.c.j2", "fuzz/fuzz_json.c"),
    ("fuzz_json.dict.j2", "fuzz/json.dict"),
]


def spec_files(spec_path):
    """YAML files of a spec: a directory (recursively, schema.yaml excluded)
    or a single file. Returns (path, display) pairs in a stable order."""
    if os.path.isfile(spec_path):
        root = os.path.dirname(os.path.dirname(os.path.abspath(spec_path)))
        paths = [os.path.abspath(spec_path)]
    else:
        root = os.path.dirname(os.path.abspath(spec_path.rstrip("/")))
        paths = []
        for dirpath, dirnames, filenames in os.walk(spec_path):
            dirnames.sort()
            for name in sorted(filenames):
                if name.endswith(".yaml") and name != "schema.yaml":
                    paths.append(os.path.abspath(os.path.join(dirpath, name)))
        paths.sort()
    return [(p, os.path.relpath(p, root)) for p in paths]


def load_spec(spec_path, schema_path):
    schema_doc = load_file(schema_path, os.path.basename(schema_path))
    schema = Schema(schema_doc)
    spec = Spec()
    files = spec_files(spec_path)
    if not files:
        why = "does not exist" if not os.path.exists(spec_path) else "holds no *.yaml spec files (schema.yaml does not count)"
        raise SpecError(Loc(spec_path, 1), "%s %s" % (spec_path, why))
    for path, display in files:
        doc = load_file(path, display)
        schema.validate(doc, doc.loc)
        spec.add_document(doc)
        spec.files.append(display)
    check(spec)
    # Methods in the order of the groups the schema lists (the reference's
    # numbering: images 1-14, lifecycle 15-29, ...), each group in file order.
    spec.groups = list(schema_doc["definitions"]["method"]["properties"]["group"]["enum"])
    spec.methods.sort(key=lambda m: spec.groups.index(m.group))
    return spec


def stats(spec):
    seed_structs = [s for s in spec.structs if s.seed] + [o for o in spec.opaque if o.seed]
    seed_enums = [e for e in spec.enums if e.seed] + [u for u in spec.unions if u.seed]
    return {
        "methods": len(spec.methods),
        "seed_structs": len(seed_structs),
        "seed_enums": len(seed_enums),
        "structs": len(spec.structs),
        "enums": len(spec.enums),
        "unions": len(spec.unions),
        "interface_errors": len([e for e in spec.errors if e.origin == "interface"]),
        "c_errors": len([e for e in spec.errors if e.origin == "c"]),
        "streams": len(spec.streams),
        "functions": len(spec.functions),
    }


def _environment():
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    docs.add_filters(env)  # the reference docs' helpers (api.h's comments)
    env.filters.update(
        snake=snake,
        tname=cnames.tname,
        upper=str.upper,
        const_prefix=cnames.const_prefix,
        member=cnames.member,
        cstr=ccode.c_string_literal,
        slot=cnames.slot,
        ctype=cnames.ctype,
        decl=cnames.decl,
        ptr=cnames.ptr,
        const_ptr=cnames.const_ptr,
        comment=lambda text: text.replace("*/", "* /"),
        # "a, b, \"\"": the wire strings of variants, for messages.
        wires=lambda variants: ", ".join(v.wire if v.wire else '""' for v in variants),
        # Text that goes into a printf format verbatim.
        printf_escape=lambda text: text.replace("%", "%%"),
    )
    return env


def _context(spec):
    arrays, entries, list_structs, map_structs = ccode.collect_containers(spec)
    methods = [capi.MethodC(m, i) for i, m in enumerate(spec.methods)]
    by_name = {m.name: m for m in methods}
    structs = spec.all_structs
    dstructs = docker.docker_structs(spec)
    dnames = {s.name for s in dstructs}
    body_structs = []
    for m in spec.methods:
        for decl in docker.docker_body_structs(m):
            if decl not in body_structs:
                body_structs.append(decl)
    return {
        "docker_structs": dstructs,
        "docker_lists": docker.docker_lists(spec, dstructs),
        "docker_array_names": docker.docker_array_names(spec, dstructs),
        "walk_results": docker.walk_results(spec),
        "walk_structs": docker.walk_structs(spec, dstructs)[0],
        "walk_code_enums": docker.walk_structs(spec, dstructs)[1],
        "docker_body_structs": body_structs,
        "fuzz_json_targets": docker.fuzz_json_targets(spec),
        "fuzz_json_wire_names": sorted({f.docker_wire for s in dstructs for f in s.fields if f.docker_wire}),
        "docker_field_dec": lambda f: docker.field_dec(f, dnames),
        "docker_field_enc": lambda f: docker.field_enc(f, dnames),
        "docker_field_walk": lambda f, ctype: docker.field_walk(f, dnames, ctype),
        "stub": lambda mc: docker.StubC(mc.m, mc),
        "expected_calls": docker.expected_calls,
        "driven_inputs": docker.driven_inputs,
        "request_targets": docker.request_targets(spec, methods),
        "response_hooks": docker.response_hooks(methods),
        "podman_targets": podman.podman_targets(methods),
        "expected_podman_calls": podman.expected_podman_calls,
        "cri_targets": cri.cri_targets(spec),
        "cri_declared": cri.cri_declared(spec),
        "spec": spec,
        "groups": spec.groups,
        "files": spec.files,
        # The banner names the spec's folder, not each file: one short line.
        "spec_root": sorted({f.split("/")[0] + "/" if "/" in f else f for f in spec.files}),
        "errors": [capi.ErrorC(e) for e in sorted(spec.errors, key=lambda e: e.code)],
        "enums": spec.enums,
        "unions": spec.unions,
        "structs": structs,
        "opaque": spec.opaque,
        "streams": spec.streams,
        "typed_streams": [s for s in spec.streams if s.kind == "typed"],
        "byte_streams": [s for s in spec.streams if s.kind == "bytes"],
        "functions": [capi.FunctionC(f) for f in spec.functions],
        "methods": methods,
        "method_by_name": by_name,
        "array_elems": arrays,
        "entry_elems": entries,
        "list_structs": list_structs,
        "map_structs": map_structs,
        "fields": lambda struct: [ccode.FieldCode(f) for f in struct.fields],
        "field_code": ccode.FieldCode,
        "elem_ctype": lambda t: cnames.ctype(t),
        "struct_order": _struct_order(spec, list_structs, map_structs, entries),
        "all_optional": lambda s: bool(s.fields) and all(f.type.optional for f in s.fields),
        "error_mask": lambda names: " | ".join(
            "CTRT_ERROR_BIT(CTRT_ERROR_%s)" % n.upper() for n in names if n in {e.name for e in spec.errors}) or "0",
    }


def _struct_order(spec, list_structs, map_structs, entry_elems):
    """Every aggregate the headers define (structs, unions, list and map
    structs, map entries) in an order where a type is complete before
    another embeds it by value. All are forward-declared first, so members
    that are pointers impose no order."""
    nodes = {}
    for s in spec.all_structs:
        nodes["struct:" + s.name] = ("struct", s)
    for u in spec.unions:
        nodes["union:" + u.name] = ("union", u)
    for slot, t in list_structs:
        nodes["list:" + slot] = ("list", t)
    for slot, t in map_structs:
        nodes["map:" + slot] = ("map", t)
    for slot, t in entry_elems:
        nodes["entry:" + slot] = ("entry", t)

    def by_value(t):
        """The node a by-value member of (non-optional) type t needs."""
        if t.kind == "named" and t.decl.what in ("struct", "union"):
            return "%s:%s" % (t.decl.what, t.name)
        if t.kind in ("list", "map"):
            return "%s:%s" % (t.kind, cnames.slot(t))
        return None

    def deps(node):
        kind, item = nodes[node]
        if kind == "struct":
            return [by_value(f.type) for f in item.fields if not f.type.optional and f.type.kind == "named"]
        if kind == "union":
            return ["struct:" + v.payload.name if v.payload is not None else by_value(v.value)
                    for v in item.variants if v.shape != "unit"]
        if kind == "entry":
            return [by_value(item)]
        return []

    order, done = [], set()

    def visit(node):
        if node is None or node in done:
            return
        done.add(node)
        for dep in deps(node):
            visit(dep)
        order.append(nodes[node])

    for node in nodes:
        visit(node)
    return order


def render(spec, out_dir, clang_format=None):
    """Write every output below out_dir; with clang_format (a program), the C
    files are then formatted by the repository's .clang-format, so generated
    code reads like the hand-written code (and stays within 120 columns)."""
    env = _environment()
    context = _context(spec)
    written = []
    for template, relpath in OUTPUTS:
        text = env.get_template(template).render(**context)
        path = os.path.join(out_dir, relpath)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        written.append(relpath)
    format_c(clang_format, out_dir, written)
    return written


def format_c(clang_format, out_dir, relpaths):
    """clang-format the C files among relpaths (below out_dir) in place with
    the repository's .clang-format; nothing when clang_format is None."""
    c_files = [os.path.join(out_dir, r) for r in relpaths if r.endswith((".c", ".h"))]
    if clang_format and c_files:
        style = "--style=file:" + os.path.join(os.path.dirname(os.path.dirname(HERE)), ".clang-format")
        subprocess.run([clang_format, "-i", style] + c_files, check=True)
