# SPDX-License-Identifier: MIT
"""Reference documentation from the spec: man pages (section 3, one per
method and per type) and one browsable HTML page."""

import html
import os


def roff(text):
    """Text safe in a roff line: backslashes doubled, a leading '.' or '''
    escaped."""
    text = str(text).replace("\\", "\\e").replace("-", "\\-")
    lines = []
    for line in text.split("\n"):
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def wrap_comment(text, indent):
    """Text wrapped at 100 columns for a C comment, continuation lines
    starting with `indent`."""
    import textwrap
    lines = textwrap.wrap(text.replace("*/", "* /"), 100 - len(indent), break_on_hyphens=False,
                          break_long_words=False)
    return ("\n" + indent).join(lines)


def add_filters(env):
    """Filters and functions the reference templates (and api.h) use."""
    env.filters["roff"] = roff
    env.filters["cwrap"] = wrap_comment
    env.filters["html"] = lambda text: html.escape(str(text), quote=True)
    env.globals.update(method_params=method_params, method_return=method_return,
                       method_default=method_default, method_docker=method_docker,
                       method_podman=method_podman, method_cri=method_cri)


CHECKS = {
    "image_ref": "must be a valid image reference",
    "container_name": "must match [a-zA-Z0-9][a-zA-Z0-9_.-]+",
    "engine_ref": "must match [a-zA-Z0-9][a-zA-Z0-9_.-]* (an engine id, id prefix or name)",
    "absolute_path": "must be an absolute path",
    "search_term": "must be a non-empty search term",
    "signal": "a signal name or number (SIGTERM, TERM, 15)",
    "non_empty": "must not be empty",
}


def _type_text(t):
    return str(t)


def method_params(mc):
    """(name, C declaration, text) for each parameter of a method's public
    function, in order: rt, the outputs, the inputs."""
    rows = [("rt", "ctrt_runtime *rt", "The runtime (ctrt_open()); may be used from several threads.")]
    r = mc.result
    if not r.none:
        base = r.ref.base
        name = base.name if base.kind == "named" else str(base)
        if r.is_stream:
            own = "[out] the stream (%s); the caller closes it with %s_close(), which may be called at any time " \
                  "and cancels the transfer." % (name, r.ctype)
        elif r.is_handle:
            own = "[out] the session (%s); the caller ends it with %s_free()." % (name, r.ctype)
        elif r.kind == "object":
            own = "[out] the result (%s), owned by the caller, who frees it with %s_free() (deep, NULL-safe)." % (
                name, r.ctype)
        elif r.kind == "string":
            own = "[out] a new string owned by the caller, freed with ctrt_free()%s." % (
                "; NULL when absent" if r.optional else "")
        elif r.kind == "flag":
            own = "[out] whether *out is set (the result, %s, is optional)." % name
        else:
            own = "[out] the result (%s)." % name
        if r.kind == "flag":
            rows.append(("has_out", "bool *has_out", own))
            rows.append(("out", "%s *out" % r.ctype, "[out] the result when *has_out is true."))
        else:
            rows.append(("out", r.params[0], own))
    for i in mc.inputs:
        p = i.p
        text = p.doc or ""
        t = p.type
        extra = []
        if i.is_container_id:
            extra.append("the container (service, replica)")
        if t.optional:
            extra.append("optional: NULL when absent")
        if i.kind == "source":
            extra.append("read front to back, not consumed or freed")
        if i.check in CHECKS:
            extra.append(CHECKS[i.check])
        if p.empty_is_noop:
            extra.append("empty does nothing")
        if t.base.kind == "named" and t.base.decl.what == "enum" and t.base.decl.default:
            extra.append("the spec's default: %s" % t.base.decl.default)
        if t.base.kind == "named" and t.base.decl.what == "struct" and t.base.decl.options:
            extra.append("start from CTRT_%s_INIT" % _snake_upper(t.base.name))
        if extra:
            joined = "; ".join(extra)
            text = (text.rstrip(".") + ". " if text else "") + joined[0].upper() + joined[1:] + "."
        text = ("[in] %s. " % _type_text(t)) + text + (" Borrowed, never stolen." if i.pointer else "")
        for decl in i.params:
            rows.append((decl.split()[-1].lstrip("*"), decl, text))
            text = "[in] its length." if "len" in decl or decl.startswith("size_t") else text
    return rows


def _snake_upper(name):
    import re
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).upper()


def method_return(mc):
    return "0, or a negative CTRT_E* code with kind and message in ctrt_error_last(); kinds: %s." % (
        ", ".join(mc.error_kinds))


def method_default(m):
    kind = m.default_kind
    if kind == "unsupported":
        return "fails with unsupported (CTRT_EUNSUPPORTED)"
    if kind == "empty":
        return "succeeds with an empty result"
    if kind == "value":
        return "succeeds with %s" % (m.default_value,)
    if kind == "delegate":
        return "done by the dispatcher through %s" % ", ".join(m.delegates)
    if kind == "required":
        return "every backend implements it (ABI-required)"
    return kind


def method_docker(m):
    if not m.docker_calls:
        return m.docker_none or "no daemon call"
    text = "; ".join("%s %s" % (c.verb, c.path) for c in m.docker_calls)
    if m.docker_note:
        text += ". " + m.docker_note
    return text


def method_podman(m):
    """The podman backend's own requests (`podman: calls:`), or None."""
    if not m.podman_calls:
        return None
    return "; ".join("%s %s%s (%s)" % (c.verb, "/libpod" if c.api == "libpod" else "", c.path, c.why)
                     for c in m.podman_calls)


def method_cri(m):
    """The cri backend's gRPC calls (`cri:`), or None."""
    if not getattr(m, "has_cri", False):
        return None
    text = "; ".join("%s%s" % (c.rpc, " (%s)" % c.why if c.why else "") for c in m.cri_calls)
    if m.cri_uses:
        text += ("; " if text else "") + "through the shared calls " + ", ".join(m.cri_uses)
    return text


def type_fields(decl):
    """(name, type, text) rows of a struct, enum or union, for the reference."""
    from . import cnames
    rows = []
    if decl.what == "struct":
        for f in decl.fields:
            text = f.doc
            if f.has_default:
                text = (text + " " if text else "") + "Default: %s." % (
                    str(f.default).lower() if isinstance(f.default, bool) else (f.default if f.default != "" else '""'))
            elif f.type.optional:
                text = (text + " " if text else "") + "Optional (absent: NULL or has_%s false)." % f.name
            if f.secret:
                text += " Secret: never serialized."
            rows.append((cnames.member(f.name), str(f.type), text, f.wire))
    elif decl.what == "enum":
        for v in decl.variants:
            rows.append(("%s_%s" % (cnames.const_prefix(decl.name), v.name.upper()), "\"%s\"" % v.wire, v.doc, v.wire))
    elif decl.what == "union":
        for v in decl.variants:
            shape = "fields of %s" % v.payload.name if v.payload is not None else (
                str(v.value) if v.value is not None else "no value")
            rows.append(("%s_%s" % (cnames.const_prefix(decl.name), v.name.upper()), shape, v.doc, v.wire))
    return rows


def render(spec, out_dir, context):
    """man3 pages and the HTML reference; returns the files written."""
    from . import cnames, emit
    env = emit._environment()
    context = dict(context)
    context["type_fields"] = type_fields
    types = [d for d in spec.structs + spec.enums + spec.unions]
    context["ref_types"] = types
    written = []

    def put(rel, text):
        path = os.path.join(out_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        written.append(rel)

    page = env.get_template("doc_method.3.j2")
    for mc in context["methods"]:
        put("doc/man3/%s.3" % mc.public, page.render(mc=mc, **context))
    page = env.get_template("doc_type.3.j2")
    for decl in types:
        put("doc/man3/%s.3" % cnames.tname(decl.name), page.render(decl=decl, **context))
    put("doc/html/index.html", env.get_template("doc_reference.html.j2").render(**context))
    return written
