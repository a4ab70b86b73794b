# SPDX-License-Identifier: MIT
"""The spec as Python objects: types, methods, streams, errors.

Loading turns the validated YAML documents into these objects; `check.py`
then resolves names and enforces the rules the schema cannot express, and
`cnames.py` / the templates read them to emit C.
"""

import re

from .errors import SpecError

SCALARS = ("bool", "i32", "i64", "u16", "u32", "u64", "f64", "string", "ip", "bytes", "timestamp")
INTEGERS = {
    "i32": (-(2**31), 2**31 - 1),
    "i64": (-(2**63), 2**63 - 1),
    "u16": (0, 2**16 - 1),
    "u32": (0, 2**32 - 1),
    "u64": (0, 2**63 - 1),  # jansson's json_int_t stops at 2^63-1
}


def field_chain(decl, dotted):
    """The fields a dotted path ("image.name") walks from the struct decl,
    or None when a field is missing or a step before the last is not a
    struct held by value."""
    chain = []
    for name in dotted.split("."):
        if decl is None or decl.what != "struct":
            return None
        field = next((f for f in decl.fields if f.name == name), None)
        if field is None:
            return None
        chain.append(field)
        decl = field.type.base.decl if field.type.is_named("struct") and not field.type.optional else None
    return chain


def snake(name):
    """PascalCase -> snake_case (ContainerId -> container_id)."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


class TypeRef:
    """A parsed type expression: scalar, named, optional, list, map, source,
    or (method results only) stream / handle."""

    def __init__(self, kind, name=None, inner=None, loc=None, text=None):
        self.kind = kind  # scalar | named | optional | list | map | source
        self.name = name  # scalar name or declared type name
        self.inner = inner
        self.loc = loc
        self.text = text
        self.decl = None  # resolved declaration for kind == named

    @classmethod
    def parse(cls, text, loc):
        original = text

        def fail(why):
            raise SpecError(loc, "bad type expression '%s': %s" % (original, why))

        def parse_at(text):
            if text.endswith("?"):
                inner = parse_at(text[:-1])
                if inner.kind == "optional":
                    fail("'??' is meaningless")
                return cls("optional", inner=inner, loc=loc, text=text)
            for wrapper in ("list", "map"):
                prefix = wrapper + "<"
                if text.startswith(prefix):
                    if not text.endswith(">"):
                        fail("missing '>'")
                    inner = parse_at(text[len(prefix):-1])
                    if inner.kind == "optional":
                        fail("%s elements cannot be optional" % wrapper)
                    return cls(wrapper, inner=inner, loc=loc, text=text)
            if "<" in text or ">" in text or "?" in text:
                fail("unbalanced or misplaced '<', '>' or '?'")
            if text in SCALARS:
                return cls("scalar", name=text, loc=loc, text=text)
            if text == "source":
                return cls("source", name=text, loc=loc, text=text)
            if re.match(r"^[A-Z][A-Za-z0-9]*$", text):
                return cls("named", name=text, loc=loc, text=text)
            fail("'%s' is neither a scalar (%s) nor a type name" % (text, ", ".join(SCALARS)))

        return parse_at(text)

    # Shape questions the templates ask.
    @property
    def base(self):
        """The type without its optional wrapper."""
        return self.inner if self.kind == "optional" else self

    @property
    def optional(self):
        return self.kind == "optional"

    def is_named(self, what=None):
        b = self.base
        return b.kind == "named" and (what is None or b.decl.what == what)

    def __str__(self):
        return self.text


class Decl:
    """Common parts of every declaration."""

    what = "decl"

    def __init__(self, doc, loc):
        self.name = doc["name"]
        self.doc = " ".join(str(doc.get("doc", "")).split())
        self.seed = bool(doc.get("seed", False))
        self.loc = loc
        self.raw = doc


class Field:
    def __init__(self, doc, loc):
        self.name = doc["name"]
        self.type = TypeRef.parse(doc["type"], loc)
        self.doc = " ".join(str(doc.get("doc", "")).split())
        self.wire = doc.get("wire", self.name)
        self.has_default = "default" in doc
        self.default = doc.get("default")
        self.explicit_required = doc.get("required")
        self.secret = bool(doc.get("secret", False))
        self.docker_wire = doc.get("docker")  # name in Docker Engine API JSON
        self.check = doc.get("check")  # validated by the dispatchers (capi.py)
        self.storage = doc.get("storage")  # "trailing": bytes may share the struct's block
        self.loc = loc

    @property
    def required(self):
        """Decoding rejects a value that lacks a required field."""
        return not self.type.optional and not self.has_default


def _fields(doc, key="fields"):
    items = doc.get(key) or []
    return [Field(f, items.loc_of(i)) for i, f in enumerate(items)]


class Struct(Decl):
    what = "struct"

    def __init__(self, doc, loc, synthetic_of=None):
        super().__init__(doc, loc)
        self.fields = _fields(doc)
        self.options = bool(doc.get("options", False))
        self.synthetic_of = synthetic_of  # (union, variant) for variant payloads


class EnumVariant:
    def __init__(self, doc, loc):
        self.name = doc["name"]
        self.wire = doc.get("wire", self.name)
        self.doc = " ".join(str(doc.get("doc", "")).split())
        self.accept = list(doc.get("accept") or [])
        self.docker_code = doc.get("docker_code")
        self.loc = loc


class Enum(Decl):
    what = "enum"

    def __init__(self, doc, loc):
        super().__init__(doc, loc)
        items = doc["variants"]
        self.variants = [EnumVariant(v, items.loc_of(i)) for i, v in enumerate(items)]
        self.default = doc.get("default")
        self.default_loc = doc.loc_of("default")

    @property
    def has_docker_codes(self):
        return any(v.docker_code is not None for v in self.variants)


class UnionVariant:
    def __init__(self, union, doc, loc):
        self.name = doc["name"]
        self.wire = doc.get("wire", self.name)
        self.doc = " ".join(str(doc.get("doc", "")).split())
        self.loc = loc
        self.value = TypeRef.parse(doc["value"], loc) if "value" in doc else None
        self.payload = None
        if "fields" in doc:
            payload_doc = {"name": union.name + _pascal(self.name),
                           "doc": "Payload of %s::%s." % (union.name, self.name),
                           "fields": doc["fields"]}
            self.payload = Struct(payload_doc, loc, synthetic_of=(union, self))
        if self.value is not None and self.payload is not None:
            raise SpecError(loc, "variant '%s' has both 'value' and 'fields'" % self.name)

    @property
    def shape(self):
        if self.payload is not None:
            return "struct"
        if self.value is not None:
            return "newtype"
        return "unit"


def _pascal(snake_name):
    return "".join(part.capitalize() for part in snake_name.split("_"))


class Union(Decl):
    what = "union"

    def __init__(self, doc, loc):
        super().__init__(doc, loc)
        self.tagging = doc["tagging"]
        self.tag = doc.get("tag")
        self.tag_loc = doc.loc_of("tag")
        items = doc["variants"]
        self.variants = [UnionVariant(self, v, items.loc_of(i)) for i, v in enumerate(items)]


class Opaque(Decl):
    what = "opaque"

    def __init__(self, doc, loc):
        super().__init__(doc, loc)
        self.kind = doc["kind"]


class Stream(Decl):
    what = "stream"

    def __init__(self, doc, loc):
        super().__init__(doc, loc)
        self.kind = doc["kind"]
        self.item = TypeRef.parse(doc["item"], doc.loc_of("item")) if "item" in doc else None
        self.error_item = bool(doc.get("error_item", False))


class ErrorField:
    def __init__(self, doc):
        self.name = doc["name"]
        self.type = doc["type"]


class ErrorKind(Decl):
    what = "error"

    def __init__(self, doc, loc):
        super().__init__(doc, loc)
        self.code = doc["code"]
        self.origin = doc["origin"]
        self.fields = [ErrorField(f) for f in doc["fields"]]
        self.message = doc["message"]
        self.message_loc = doc.loc_of("message")
        self.http = list(doc.get("http") or [])


class Param:
    def __init__(self, doc, loc):
        self.name = doc["name"]
        self.type = TypeRef.parse(doc["type"], loc)
        self.doc = " ".join(str(doc.get("doc", "")).split())
        self.check = doc.get("check")
        self.empty_is_noop = bool(doc.get("empty_is_noop", False))
        self.loc = loc


class Function(Decl):
    what = "function"

    def __init__(self, doc, loc):
        super().__init__(doc, loc)
        items = doc["inputs"]
        self.inputs = [Param(p, items.loc_of(i)) for i, p in enumerate(items)]
        self.result = TypeRef.parse(doc["result"], doc.loc_of("result")) if doc.get("result") else None
        self.errors = list(doc["errors"])
        self.errors_loc = doc.loc_of("errors")


class DockerValue:
    def __init__(self, doc, loc):
        self.name = doc["name"]
        self.source = doc.get("from")
        self.value = doc.get("value")
        self.encode = doc.get("encode")
        self.omit_zero = bool(doc.get("omit_zero", False))
        self.join = doc.get("join")
        self.loc = loc


class DockerCall:
    def __init__(self, doc, loc):
        self.operation = doc["operation"]
        self.verb = doc["verb"]
        self.path = doc["path"]
        self.path_loc = doc.loc_of("path")
        q = doc.get("query") or []
        self.query = [DockerValue(v, q.loc_of(i)) for i, v in enumerate(q)]
        h = doc.get("headers") or []
        self.headers = [DockerValue(v, h.loc_of(i)) for i, v in enumerate(h)]
        self.body = doc.get("body")
        self.body_loc = doc.loc_of("body")
        status = doc.get("status") or {}
        self.status = {int(k): v for k, v in status.items()}
        self.status_locs = {int(k): status.loc_of(k) for k in status} if hasattr(status, "loc_of") else {}
        self.response = doc["response"]
        self.framing = self.response["framing"]
        self.no_timeout = doc.get("timeout") == "none"  # the answer may take forever (wait)
        self.why = doc.get("why")
        self.when = dict(doc.get("when") or {}) or None  # {doc, status?, input?, answer?}: a call made only sometimes
        self.when_loc = doc.loc_of("when")
        self.result = self.response.get("result", "none")
        self.binds = dict(self.response.get("bind") or {})
        self.hook = self.response.get("hook")  # named hand-written response converter
        self.unversioned = bool(doc.get("unversioned", False))  # before the API version is chosen
        self.loc = loc

    @property
    def path_params(self):
        return re.findall(r"\{([^}]*)\}", self.path)


class PodmanValue(DockerValue):
    def __init__(self, doc, loc):
        super().__init__(doc, loc)
        self.bind = doc.get("bind")  # a string the caller binds
        self.json = doc.get("json")  # JSON text; a string "{name}" is a bound value


class PodmanCall(DockerCall):
    """A request of the podman backend (`podman: calls:`): libpod's, or a
    Docker-compatible one the Docker half has no call for (`api: compat`)."""

    def __init__(self, doc, loc):
        super().__init__(doc, loc)
        self.api = doc.get("api", "libpod")
        q = doc.get("query") or []
        self.query = [PodmanValue(v, q.loc_of(i)) for i, v in enumerate(q)]
        body = doc.get("body")
        self.body_fields = [(f["wire"], f["from"]) for f in (body or {}).get("fields") or []]


class CriCall:
    """A gRPC call of the cri backend (`cri: calls:`, `cri_internal:`)."""

    def __init__(self, doc, loc):
        self.rpc = doc["rpc"]
        self.service, self.rpc_method = self.rpc.split("/")
        self.request = doc["request"]
        self.reply = doc["reply"]
        self.api = doc["api"]
        self.stream = bool(doc.get("stream", False))
        self.why = " ".join(str(doc.get("why", "")).split()) or None
        self.loc = loc
        self.rpc_loc = doc.loc_of("rpc")
        self.request_loc = doc.loc_of("request")
        self.reply_loc = doc.loc_of("reply")

    @property
    def path(self):
        return "/" + self.rpc


class Method(Decl):
    what = "method"

    def __init__(self, doc, loc):
        super().__init__(doc, loc)
        self.group = doc["group"]
        items = doc["inputs"]
        self.inputs = [Param(p, items.loc_of(i)) for i, p in enumerate(items)]
        self.result = TypeRef.parse(doc["result"], doc.loc_of("result")) if doc.get("result") else None
        self.errors = list(doc["errors"])
        self.errors_loc = doc.loc_of("errors")
        self.prepare = doc.get("prepare")
        self.prepare_loc = doc.loc_of("prepare")
        default = doc["default"]
        self.default_loc = doc.loc_of("default")
        if isinstance(default, str):
            self.default_kind, self.default_value, self.delegates, self.default_impl = default, None, [], None
        elif "value" in default:
            self.default_kind, self.default_value, self.delegates, self.default_impl = "value", default["value"], [], None
        else:
            self.default_kind = "delegate"
            self.default_value = None
            self.delegates = list(default["delegate"])
            self.default_impl = default["impl"]
        docker = doc["docker"]
        self.docker_none = docker.get("none")
        self.docker_stub = docker.get("stub")  # generated | custom | None (no daemon call)
        self.docker_loc = doc.loc_of("docker")
        calls = docker.get("calls") or []
        self.docker_calls = [DockerCall(c, calls.loc_of(i)) for i, c in enumerate(calls)]
        self.docker_note = " ".join(str(docker.get("note", "")).split())
        podman = doc.get("podman") or {}
        pcalls = podman.get("calls") or []
        self.podman_calls = [PodmanCall(c, pcalls.loc_of(i)) for i, c in enumerate(pcalls)]
        cri = doc.get("cri") or {}
        ccalls = cri.get("calls") or []
        self.cri_calls = [CriCall(c, ccalls.loc_of(i)) for i, c in enumerate(ccalls)]
        self.cri_uses = list(cri.get("uses") or [])
        self.cri_loc = doc.loc_of("cri")
        self.cri_uses_loc = cri.loc_of("uses") if "uses" in cri else self.cri_loc
        self.has_cri = "cri" in doc

    def input(self, name):
        for p in self.inputs:
            if p.name == name:
                return p
        return None

    @property
    def streaming(self):
        return self.result is not None and self.result.is_named("stream")


class DockerInternal:
    """Daemon calls of the Docker backend outside any method (`docker_internal:`):
    shaped like a hand-written method without inputs, so that its calls get
    request builders the same way."""

    what = "docker_internal"

    def __init__(self, doc, loc):
        self.name = doc["name"]
        self.doc = " ".join(str(doc.get("doc", "")).split())
        self.loc = loc
        self.inputs = []
        self.docker_stub = "custom"
        calls = doc["calls"]
        self.docker_calls = [DockerCall(c, calls.loc_of(i)) for i, c in enumerate(calls)]

    def input(self, name):
        return None


class CriInternal:
    """gRPC calls of the cri backend's shared helpers (`cri_internal:`)."""

    what = "cri_internal"

    def __init__(self, doc, loc):
        self.name = doc["name"]
        self.doc = " ".join(str(doc.get("doc", "")).split())
        self.loc = loc
        calls = doc["calls"]
        self.cri_calls = [CriCall(c, calls.loc_of(i)) for i, c in enumerate(calls)]
        self.cri_uses = []


class Abi:
    """The backend ABI record: its version and the methods every backend of
    that version implements (those declared `default: required`)."""

    def __init__(self, doc, loc):
        self.loc = loc
        self.version = doc["version"]
        self.version_loc = doc.loc_of("version")
        self.required = list(doc["required"])
        self.required_loc = doc.loc_of("required")


class Spec:
    """Everything declared under one spec directory."""

    def __init__(self):
        self.errors = []
        self.structs = []
        self.enums = []
        self.unions = []
        self.opaque = []
        self.streams = []
        self.functions = []
        self.methods = []
        self.docker_internal = []
        self.cri_internal = []
        self.files = []
        self.groups = []  # method groups in the schema's order (its enum)
        self.abi = None
        self.abi_records = []  # every `abi:` seen (more than one is an error)

    def add_document(self, doc):
        builders = {
            "errors": (ErrorKind, self.errors),
            "structs": (Struct, self.structs),
            "enums": (Enum, self.enums),
            "unions": (Union, self.unions),
            "opaque": (Opaque, self.opaque),
            "streams": (Stream, self.streams),
            "functions": (Function, self.functions),
            "methods": (Method, self.methods),
            "docker_internal": (DockerInternal, self.docker_internal),
            "cri_internal": (CriInternal, self.cri_internal),
        }
        if "abi" in doc:
            self.abi_records.append(Abi(doc["abi"], doc.loc_of("abi")))
            self.abi = self.abi_records[0]
        for key, (cls, target) in builders.items():
            items = doc.get(key) or []
            for index, item in enumerate(items):
                target.append(cls(item, items.loc_of(index)))

    @property
    def payload_structs(self):
        return [v.payload for u in self.unions for v in u.variants if v.payload is not None]

    @property
    def all_structs(self):
        """Declared structs, then union payloads, in declaration order."""
        return self.structs + self.payload_structs

    def types(self):
        """Every declared type by name."""
        table = {}
        for decl in self.structs + self.enums + self.unions + self.opaque + self.streams:
            table.setdefault(decl.name, decl)
        return table
