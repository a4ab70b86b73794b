# SPDX-License-Identifier: MIT
"""The `ctrt` command line as data: one subcommand per method, its
arguments and options derived from the method's inputs (and, for struct
inputs, from the struct's fields), so the tool never falls behind the spec.

Rules (kept here, not in templates, so the CLI, its completion and its man
page agree):

  ContainerId input        two positionals SERVICE REPLICA (+ --role, --node-id)
  required string / ip     a positional
  optional string          --name VALUE
  bool                     --name (a switch)
  u16/u32/u64/i32/i64      --name N (0 when absent)
  enum                     --name VALUE (the enum's default when absent)
  list<string>             the rest of the command line, or --name VALUE...
  source                   --name FILE ('-' is stdin, the default)
  bytes                    --name TEXT (stdin when absent)
  struct (options, specs)  --name JSON, and one option per top-level field:
                           strings/numbers/enums take a value, bools are
                           switches (--x=false to clear), lists repeat,
                           maps take KEY=VALUE, nested structs take JSON (or a
                           plain string for their first required string
                           field: --image busybox)
"""

from . import cnames
from .model import INTEGERS

# Stream items the hand-written core shows its own way (raw output, progress
# bars); every other item is printed as one JSON line.
RENDERED_ITEMS = {"LogChunk": "log_chunk", "PullProgress": "pull_progress",
                  "LoadProgress": "load_progress", "ExecEvent": "exec_event"}
# Struct results the CLI prints itself (without --json): exec output is raw bytes.
RENDERED_RESULTS = {"ExecResult": "exec_result"}

# Options every subcommand has, handled by the core.
GLOBAL_FLAGS = ["help", "json", "table", "output", "no-progress"]


def flag(name):
    return name.replace("_", "-")


class Opt:
    """One argument or option of a subcommand."""

    def __init__(self, flag_name, kind, doc, param, positional=False, required=False, field=None,
                 choices=None, shortcut=None, default=None, metavar=None):
        self.flag = flag_name
        self.kind = kind  # C enum suffix: ID, STRING, STRLIST, BOOL, INT, ENUM, SOURCE, BYTES, JSON,
        #                   F_STRING, F_BOOL, F_INT, F_REAL, F_STRLIST, F_MAP, F_JSON, F_REST
        self.doc = doc
        self.param = param  # index of the method input it feeds
        self.positional = positional
        self.required = required
        self.field = field  # wire name of a struct field
        self.choices = choices or []
        self.shortcut = shortcut  # F_JSON: the field a plain string sets
        self.default = default
        self.metavar = metavar or flag_name.upper().replace("-", "_")

    @property
    def usage(self):
        if self.positional:
            text = self.metavar + ("..." if self.kind in ("STRLIST", "F_REST") else "")
            return text if self.required else "[%s]" % text
        if self.kind in ("BOOL", "F_BOOL"):
            return "[--%s]" % self.flag
        return "[--%s %s]" % (self.flag, self.metavar)


class Param:
    """A method input as the generated run function sees it."""

    def __init__(self, mc, inp, index):
        self.inp = inp
        self.index = index
        self.name = inp.p.name
        t = inp.p.type.base
        self.t = t
        self.optional = inp.optional
        if inp.is_container_id:
            self.kind = "ID"
        elif t.kind == "source":
            self.kind = "SOURCE"
        elif t.kind == "list":
            self.kind = "STRLIST"
        elif t.kind == "named" and t.decl.what == "enum":
            self.kind = "ENUM"
            self.ctype = cnames.tname(t.name)
            self.default = t.decl.default
        elif t.kind == "named":
            self.kind = "JSON"
            self.ctype = cnames.tname(t.name)
        elif t.name in ("string", "ip"):
            self.kind = "STRING"
        elif t.name == "bool":
            self.kind = "BOOL"
        elif t.name == "bytes":
            self.kind = "BYTES"
        elif t.name in INTEGERS:
            self.kind = "INT"
            self.ctype = cnames.SCALAR_C[t.name]
            self.max = INTEGERS[t.name][1]
            self.min = INTEGERS[t.name][0]
        else:
            raise ValueError("%s(%s): no CLI form for %s" % (mc.name, self.name, inp.p.type))


def _field_opt(f, param_index, taken, rest_free):
    t = f.type.base
    name = flag(f.name)
    if name in taken:
        name = flag("%s_%s" % (taken[None], f.name))
    kind = None
    shortcut = None
    choices = []
    if t.kind == "scalar" and t.name in ("string", "ip"):
        kind = "F_STRING"
    elif t.kind == "scalar" and t.name == "bool":
        kind = "F_BOOL"
    elif t.kind == "scalar" and t.name in INTEGERS:
        kind = "F_INT"
    elif t.kind == "scalar" and t.name == "f64":
        kind = "F_REAL"
    elif t.kind == "named" and t.decl.what == "enum":
        kind = "F_STRING"
        choices = [v.wire for v in t.decl.variants]
    elif t.kind == "list" and t.inner.kind == "scalar" and t.inner.name in ("string", "ip"):
        kind = "F_REST" if (rest_free and f.required) else "F_STRLIST"
    elif t.kind == "map" and t.inner.kind == "scalar" and t.inner.name == "string":
        kind = "F_MAP"
    elif t.kind in ("named", "list", "map"):
        kind = "F_JSON"
        if t.kind == "named" and t.decl.what == "struct":
            first = next((x for x in t.decl.fields if x.required and x.type.base.kind == "scalar"
                          and x.type.base.name == "string"), None)
            shortcut = first.wire if first is not None else None
    if kind is None:
        return None
    doc = f.doc
    if choices:
        doc = (doc + " " if doc else "") + "One of: %s." % ", ".join(choices)
    if f.has_default and f.default not in (None, [], {}, ""):
        doc = (doc + " " if doc else "") + "Default: %s." % (
            str(f.default).lower() if isinstance(f.default, bool) else f.default)
    return Opt(name, kind, doc, param_index, positional=(kind == "F_REST"), required=(kind == "F_REST"),
               field=f.wire, choices=choices, shortcut=shortcut,
               metavar={"F_MAP": "KEY=VALUE", "F_JSON": "JSON", "F_INT": "N", "F_REAL": "X"}.get(
                   kind, flag(f.name).upper().replace("-", "_")))


class Command:
    def __init__(self, mc, spec):
        self.mc = mc
        self.m = mc.m
        self.name = flag(mc.name)
        self.params = [Param(mc, i, n) for n, i in enumerate(mc.inputs)]
        self.opts = []
        taken = {g: True for g in GLOBAL_FLAGS}
        lists = [p for p in self.params if p.kind == "STRLIST"]
        rest = lists[-1] if len(lists) == 1 else None
        for p in self.params:
            doc = p.inp.p.doc
            if p.kind == "ID":
                self.opts.append(Opt("service", "ID", "Service name of the container.", p.index, True, True,
                                     metavar="SERVICE"))
                self.opts.append(Opt("replica", "ID", "Replica number of the container.", p.index, True, True,
                                     metavar="REPLICA"))
                self.opts.append(Opt("role", "ID", "Replica role. Default: default.", p.index, metavar="ROLE"))
                self.opts.append(Opt("node-id", "ID", "Cluster node of the replica. Default: 0.", p.index,
                                     metavar="N"))
            elif p.kind == "STRING" and not p.optional:
                self.opts.append(Opt(flag(p.name), "STRING", doc, p.index, True, True))
            elif p.kind == "STRLIST" and p is rest:
                self.opts.append(Opt(flag(p.name), "STRLIST", doc, p.index, True,
                                     p.inp.check == "non_empty"))
            elif p.kind == "ENUM":
                choices = [v.wire for v in p.t.decl.variants if v.name != "unknown"]
                d = (doc + " " if doc else "") + "One of: %s." % ", ".join(choices)
                if p.default:
                    d += " Default: %s." % next(v.wire for v in p.t.decl.variants if v.name == p.default)
                self.opts.append(Opt(flag(p.name), "ENUM", d, p.index, required=not p.default,
                                     choices=choices, metavar="VALUE"))
            elif p.kind == "SOURCE":
                self.opts.append(Opt(flag(p.name), "SOURCE", (doc + " " if doc else "") +
                                     "A file; '-' (the default) is stdin.", p.index, metavar="FILE"))
            elif p.kind == "BYTES":
                self.opts.append(Opt(flag(p.name), "BYTES", (doc + " " if doc else "") +
                                     "Default: everything read from stdin.", p.index, metavar="TEXT"))
            elif p.kind == "JSON":
                decl = p.t.decl
                what = "Optional. " if p.optional else ""
                self.opts.append(Opt(flag(p.name), "JSON", "%s%s as JSON (%s); the options below override its fields."
                                     % (what, decl.name, decl.doc.rstrip(".")) if decl.doc else
                                     "%s%s as JSON." % (what, decl.name), p.index, metavar="JSON"))
            else:
                self.opts.append(Opt(flag(p.name), p.kind, doc, p.index,
                                     metavar={"INT": "N"}.get(p.kind, flag(p.name).upper())))
            for o in self.opts:
                taken[o.flag] = True
        rest_free = rest is None
        for p in self.params:
            if p.kind != "JSON" or p.t.decl.what != "struct":
                continue
            taken[None] = p.name
            for f in p.t.decl.fields:
                o = _field_opt(f, p.index, taken, rest_free)
                if o is None:
                    continue
                if o.kind == "F_REST":
                    rest_free = False
                self.opts.append(o)
                taken[o.flag] = True
        taken.pop(None, None)
        # Positionals in order first; the rest argument last.
        self.positionals = [o for o in self.opts if o.positional and o.kind not in ("STRLIST", "F_REST")]
        self.positionals += [o for o in self.opts if o.positional and o.kind in ("STRLIST", "F_REST")]
        self.flags = [o for o in self.opts if not o.positional]
        r = mc.result
        self.result = r
        self.item = None
        self.renderer = None
        self.stream_kind = None
        if r.is_stream:
            decl = spec.types()[r.type_name]
            self.stream_kind = decl.kind
            if decl.kind == "typed":
                self.item = cnames.tname(decl.item.name)
                self.renderer = RENDERED_ITEMS.get(decl.item.name)
        elif not r.none and r.kind == "object" and r.ref.base.kind == "named":
            self.renderer = RENDERED_RESULTS.get(r.ref.base.name)
        self.list_result = (not r.none and r.ref.base.kind == "list")
        self.scalar_fmt = None
        if r.kind in ("value", "flag"):
            base = r.ref.base
            if base.kind == "named":
                self.scalar_fmt = "enum"
            else:
                self.scalar_fmt = "signed" if base.name.startswith("i") else "unsigned"

    @property
    def usage(self):
        parts = [o.usage for o in self.positionals] + [o.usage for o in self.flags if o.required]
        return " ".join(["ctrt [-H URI]", self.name] + parts + ["[OPTIONS]"])

    @property
    def summary(self):
        doc = self.m.doc
        cut = doc.find(". ")
        return doc if cut < 0 else doc[:cut + 1]

    @property
    def errors(self):
        return self.mc.error_kinds

    @property
    def docker(self):
        return "; ".join("%s %s" % (c.verb, c.path) for c in self.m.docker_calls)


def commands(spec, methods):
    return [Command(mc, spec) for mc in methods]


def exit_code(error):
    """The CLI's exit status for an error kind: 10 + its code."""
    return 10 + error.e.code
