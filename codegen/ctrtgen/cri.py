# SPDX-License-Identifier: MIT
"""The cri backend's gRPC calls, from the spec's `cri:` blocks.

Each declared call becomes a descriptor `ctrt__cricall_<block>_<svc>_<rpc>()`
(block: the method or the `cri_internal:` entry) in src/cri_calls.c: the
full gRPC path, the request and reply message descriptors of protobuf-c and
whether containerd's namespace metadata goes with it. The backend passes
only these to its call helpers, so a path or a message type cannot drift
from the declaration. The message types are checked against the project's
.proto files (runtime/backends/cri/proto): a CRI call must be an rpc of a
service declared there with exactly those types; a containerd call (the
subsets declare no services) must name messages of package ctrt.containerd.
"""

import os
import re

from .errors import SpecError
from .model import snake

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTO_DIR = os.path.join(ROOT, "runtime", "backends", "cri", "proto")

_PACKAGE = re.compile(r"^\s*package\s+([A-Za-z0-9_.]+)\s*;", re.M)
_MESSAGE = re.compile(r"^\s*message\s+([A-Za-z0-9_]+)\s*\{", re.M)
_SERVICE = re.compile(r"^\s*service\s+([A-Za-z0-9_]+)\s*\{(.*?)^\}", re.M | re.S)
_RPC = re.compile(r"rpc\s+([A-Za-z0-9_]+)\s*\(\s*(stream\s+)?([A-Za-z0-9_.]+)\s*\)\s*returns\s*\(\s*(stream\s+)?"
                  r"([A-Za-z0-9_.]+)\s*\)")
# The C prefix protoc-c gives each package's names.
_C_PREFIX = {"runtime.v1": "runtime__v1__", "ctrt.containerd": "ctrt__containerd__"}
# The API each proto package serves: containerd's messages go to its own services.
_API = {"runtime.v1": "cri", "ctrt.containerd": "containerd"}


class Protos:
    """Messages (by package) and rpcs of the .proto files in a directory."""

    def __init__(self, directory=PROTO_DIR):
        self.messages = {}  # package -> set of top-level message names
        self.rpcs = {}  # "package.Service/Method" -> (request, reply, streaming)
        for name in sorted(os.listdir(directory)):
            if not name.endswith(".proto"):
                continue
            with open(os.path.join(directory, name), encoding="utf-8") as handle:
                text = re.sub(r"//[^\n]*", "", handle.read())
            package = _PACKAGE.search(text).group(1)
            self.messages.setdefault(package, set()).update(_MESSAGE.findall(text))
            for service, body in _SERVICE.findall(text):
                for rpc, s_in, req, s_out, rep in _RPC.findall(body):
                    self.rpcs["%s.%s/%s" % (package, service, rpc)] = (req, rep, bool(s_in or s_out))


_protos = None


def protos():
    global _protos
    if _protos is None:
        _protos = Protos()
    return _protos


def _package_of(api):
    return next(p for p, a in _API.items() if a == api)


def _descriptor(package, message):
    return "&%s%s__descriptor" % (_C_PREFIX[package], snake(message))


def check_cri(block, where, internal_names):
    """What the schema cannot say of a `cri:` block or a cri_internal entry."""
    p = protos()
    seen = set()
    for call in block.cri_calls:
        if call.rpc in seen:
            raise SpecError(call.rpc_loc, "%s: cri call %s is declared twice" % (where, call.rpc))
        seen.add(call.rpc)
        package = _package_of(call.api)
        for what, name, loc in (("request", call.request, call.request_loc), ("reply", call.reply, call.reply_loc)):
            if name not in p.messages.get(package, ()):
                raise SpecError(loc, "%s: %s: %s type %s is no message of package %s in %s" % (
                    where, call.rpc, what, name, package, os.path.relpath(PROTO_DIR, ROOT)))
        if call.api == "cri":
            declared = p.rpcs.get(call.rpc)
            if declared is None:
                raise SpecError(call.rpc_loc, "%s: unknown rpc %s (no such rpc in the CRI .proto services)" % (
                    where, call.rpc))
            if declared[:2] != (call.request, call.reply):
                raise SpecError(call.request_loc, "%s: %s takes %s and returns %s, not %s and %s" % (
                    where, call.rpc, declared[0], declared[1], call.request, call.reply))
            if declared[2] != call.stream:
                raise SpecError(call.loc, "%s: %s is %sa stream" % (where, call.rpc, "" if declared[2] else "not "))
        else:
            if not call.rpc.startswith("containerd.services."):
                raise SpecError(call.rpc_loc, "%s: unknown rpc %s (containerd's services are "
                                              "containerd.services.<name>.v1.<Service>)" % (where, call.rpc))
            if not call.why:
                raise SpecError(call.loc, "%s: %s goes through containerd's API: say why (CRI lacks it) in why:" % (
                    where, call.rpc))
    for name in block.cri_uses:
        if name not in internal_names:
            raise SpecError(block.cri_uses_loc, "%s: uses '%s', which is no cri_internal entry" % (where, name))


def check_cri_spec(spec):
    names = {i.name for i in spec.cri_internal}
    methods = {m.name for m in spec.methods}
    seen = set()
    for internal in spec.cri_internal:
        if internal.name in seen:
            raise SpecError(internal.loc, "cri_internal %s is declared twice" % internal.name)
        if internal.name in methods:
            raise SpecError(internal.loc, "cri_internal %s: a method has that name" % internal.name)
        seen.add(internal.name)
        check_cri(internal, "cri_internal " + internal.name, names)
    for method in spec.methods:
        if method.has_cri and not method.cri_calls and not method.cri_uses:
            raise SpecError(method.cri_loc, "%s: a cri block needs calls or uses" % method.name)
        check_cri(method, method.name, names)


class CriTarget:
    """The descriptor of one declared call of a block (method or internal)."""

    def __init__(self, block, call):
        self.block = block.name
        self.call = call
        service = call.service.rsplit(".", 1)[1]
        service = re.sub(r"Service$", "", service)
        self.name = "ctrt__cricall_%s_%s_%s" % (block.name, snake(service), snake(call.rpc_method))
        package = _package_of(call.api)
        self.request = _descriptor(package, call.request)
        self.reply = _descriptor(package, call.reply)
        self.containerd = call.api == "containerd"


def cri_targets(spec):
    """CriTarget of every declared call: internals first, then methods."""
    out = []
    for block in list(spec.cri_internal) + list(spec.methods):
        out += [CriTarget(block, call) for call in block.cri_calls]
    return out


def cri_declared(spec):
    """(method, [paths]) of every method with a cri block: its own calls and
    those of the internals it uses, for the recording test."""
    internals = {i.name: i for i in spec.cri_internal}
    out = []
    for m in spec.methods:
        if not m.has_cri:
            continue
        paths = [c.path for c in m.cri_calls]
        for name in m.cri_uses:
            paths += [c.path for c in internals[name].cri_calls if c.path not in paths]
        out.append((m, paths))
    return out
