# SPDX-License-Identifier: MIT
"""Strict YAML loading with line numbers.

PyYAML's safe loader silently accepts duplicate keys (the last one wins) and
YAML 1.1 booleans (`on:` becomes True). Both turn typos into wrong specs, so
this loader walks PyYAML's node graph itself and resolves plain scalars with
a small, explicit rule set. Every mapping and sequence remembers where it
came from, so later stages can report `FILE:LINE`.
"""

import re

import yaml

from .errors import SpecError

# Plain scalars YAML 1.1 reads as booleans; YAML 1.2 and humans disagree.
_AMBIGUOUS_BOOL = {"yes", "no", "on", "off", "y", "n"}
_INT = re.compile(r"^-?(0|[1-9][0-9]*)$")
_FLOAT = re.compile(r"^-?(0|[1-9][0-9]*)\.[0-9]+$")


class Loc:
    """A position in a spec file; prints as FILE:LINE."""

    __slots__ = ("file", "line")

    def __init__(self, file, line):
        self.file = file
        self.line = line

    def __str__(self):
        return "%s:%d" % (self.file, self.line)


class LDict(dict):
    """A mapping that knows its own location and the line of each key."""

    def __init__(self, loc):
        super().__init__()
        self.loc = loc
        self.key_locs = {}

    def loc_of(self, key):
        return self.key_locs.get(key, self.loc)


class LList(list):
    """A sequence that knows its own location and the line of each item."""

    def __init__(self, loc):
        super().__init__()
        self.loc = loc
        self.item_locs = []

    def loc_of(self, index):
        if 0 <= index < len(self.item_locs):
            return self.item_locs[index]
        return self.loc


def _loc(display, node):
    return Loc(display, node.start_mark.line + 1)


def _scalar(display, node):
    value = node.value
    if node.style is not None:  # quoted or block scalar: always a string
        return value
    lowered = value.lower()
    if value in ("", "~", "null"):
        return None
    if value == "true":
        return True
    if value == "false":
        return False
    if lowered in _AMBIGUOUS_BOOL or lowered in ("true", "false"):
        raise SpecError(
            _loc(display, node),
            "ambiguous plain scalar '%s' (a YAML 1.1 boolean); quote it, or write true/false" % value,
        )
    if lowered == "null":
        raise SpecError(_loc(display, node), "ambiguous plain scalar '%s' (a null to YAML); quote it, or write null" % value)
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return value


def _convert(display, node):
    if isinstance(node, yaml.ScalarNode):
        return _scalar(display, node)
    if isinstance(node, yaml.SequenceNode):
        out = LList(_loc(display, node))
        for item in node.value:
            out.item_locs.append(_loc(display, item))
            out.append(_convert(display, item))
        return out
    if isinstance(node, yaml.MappingNode):
        out = LDict(_loc(display, node))
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise SpecError(_loc(display, key_node), "mapping keys must be plain scalars")
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise SpecError(_loc(display, key_node), "merge keys (<<) are not allowed")
            key = _scalar(display, key_node)
            if key in out:
                raise SpecError(
                    _loc(display, key_node),
                    "duplicate key '%s' (first defined on line %d)" % (key, out.key_locs[key].line),
                )
            out.key_locs[key] = _loc(display, key_node)
            out[key] = _convert(display, value_node)
        return out
    raise SpecError(_loc(display, node), "unsupported YAML node")


def _reject_features(display, text):
    """Anchors, aliases and explicit tags make a spec harder to read and
    check; none is needed, so none is allowed."""
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        anchor = getattr(event, "anchor", None)
        where = Loc(display, event.start_mark.line + 1)
        if isinstance(event, yaml.AliasEvent):
            raise SpecError(where, "aliases (*%s) are not allowed" % event.anchor)
        if anchor is not None:
            raise SpecError(where, "anchors (&%s) are not allowed" % anchor)
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            implicit = getattr(event, "implicit", True)
            if implicit is False or implicit == (False, False):
                raise SpecError(where, "explicit tags (%s) are not allowed" % tag)


def load_file(path, display):
    """Load one YAML document from `path`; errors name it as `display`."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(Loc(display, 1), "cannot read: %s" % exc) from None
    try:
        _reject_features(display, text)
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise SpecError(Loc(display, line), "YAML syntax: %s" % (exc.problem or exc.context)) from None
    if len(nodes) != 1:
        raise SpecError(Loc(display, 1), "expected exactly one YAML document, found %d" % len(nodes))
    if nodes[0] is None:
        return LDict(Loc(display, 1))
    return _convert(display, nodes[0])
