# SPDX-License-Identifier: MIT
"""Validation of spec documents against spec/schema.yaml.

The schema language is a small JSON Schema subset (type, properties,
required, items, enum, pattern, patternProperties, anyOf, minItems,
maxItems, maxProperties, $ref to a definition by name). Objects are closed:
keys the schema does not list are errors, because in a spec an unknown key is
almost always a misspelt known one.
"""

import difflib
import re

from .errors import SpecError
from .loader import LDict, LList

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _describe(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _at(where):
    """How a position is named in messages: a path inside the document
    (`structs[0].fields[2]`), whose file and line the location gives."""
    return where or "top level"


def _suggest(word, choices):
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return "; did you mean '%s'?" % close[0] if close else ""


# The keywords a schema node may use. The schema is checked against this
# list before any spec is, so a misspelt keyword (`enun:`) is an error with
# FILE:LINE instead of a constraint that silently never applies.
_KEYWORDS = {
    "type", "properties", "required", "items", "enum", "pattern", "patternProperties",
    "anyOf", "minItems", "maxItems", "maxProperties", "$ref",
}


def _loc_in(node, key, fallback):
    return node.loc_of(key) if isinstance(node, LDict) else fallback


class Schema:
    def __init__(self, document):
        self.root = document
        self.definitions = document.get("definitions", {})
        self._check_schema()

    def _check_schema(self):
        """Rejects what the schema language does not know, so that every
        keyword written in schema.yaml really constrains the spec."""
        loc = getattr(self.root, "loc", None)
        if not isinstance(self.root, dict):
            raise SpecError(loc, "schema: expected an object at the top level")
        definitions = self.root.get("definitions", {})
        if not isinstance(definitions, dict):
            raise SpecError(_loc_in(self.root, "definitions", loc), "schema: definitions: expected an object")
        for name, node in definitions.items():
            self._check_node(node, _loc_in(definitions, name, loc), "definitions.%s" % name)
        self._check_node(self.root, loc, "schema", skip=("definitions",))

    def _check_node(self, node, loc, where, skip=()):
        if not isinstance(node, dict):
            raise SpecError(loc, "%s: expected a schema object, got %s" % (where, _describe(node)))
        for key, value in node.items():
            if key in skip:
                continue
            key_loc = _loc_in(node, key, loc)
            if key not in _KEYWORDS:
                raise SpecError(key_loc, "%s: unknown schema keyword '%s' (allowed: %s)%s" % (
                    where, key, ", ".join(sorted(_KEYWORDS)), _suggest(key, _KEYWORDS)))
            child = "%s.%s" % (where, key)
            if key == "type":
                for t in value if isinstance(value, list) else [value]:
                    if t not in _TYPES:
                        raise SpecError(key_loc, "%s: unknown type '%s' (allowed: %s)%s" % (
                            child, t, ", ".join(sorted(_TYPES)), _suggest(t, _TYPES)))
            elif key == "$ref":
                if value not in self.definitions:
                    raise SpecError(key_loc, "%s: no definition named '%s'%s" % (
                        child, value, _suggest(value, self.definitions)))
            elif key in ("properties", "patternProperties"):
                if not isinstance(value, dict):
                    raise SpecError(key_loc, "%s: expected an object" % child)
                for name, sub in value.items():
                    self._check_node(sub, _loc_in(value, name, key_loc), "%s.%s" % (child, name))
            elif key == "items":
                self._check_node(value, key_loc, child)
            elif key == "anyOf":
                if not isinstance(value, list) or not value:
                    raise SpecError(key_loc, "%s: expected a non-empty list" % child)
                for index, sub in enumerate(value):
                    sub_loc = value.loc_of(index) if isinstance(value, LList) else key_loc
                    self._check_node(sub, sub_loc, "%s[%d]" % (child, index))
            elif key == "required":
                listed = node.get("properties", {})
                for name in value if isinstance(value, list) else [value]:
                    if name not in listed:
                        raise SpecError(key_loc, "%s: '%s' is required but not among the properties%s" % (
                            child, name, _suggest(name, listed)))
            elif key == "enum":
                if not isinstance(value, list) or not value:
                    raise SpecError(key_loc, "%s: expected a non-empty list" % child)

    def _resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            node = self.definitions[node["$ref"]]
        return node

    def validate(self, value, loc, where=""):
        self._check(value, self.root, loc, where)

    def _check(self, value, schema, loc, where):
        schema = self._resolve(schema)
        if "anyOf" in schema:
            failures = []
            for option in schema["anyOf"]:
                try:
                    self._check(value, option, loc, where)
                    return
                except SpecError as exc:
                    failures.append(exc)
            # A failure inside a nested value points at the real mistake;
            # failures at this value's own level only say "wrong shape".
            prefix = _at(where) + ": "
            nested = [f for f in failures if not f.message.startswith(prefix)]
            if nested:
                raise max(nested, key=lambda e: e.loc.line)
            reasons = []
            for f in failures:
                reason = f.message[len(prefix):]
                if reason not in reasons:
                    reasons.append(reason)
            raise SpecError(loc, "%s: matches none of the allowed forms (%s)" % (_at(where), "; or ".join(reasons)))
        if "enum" in schema:
            if not any(value == e and type(value) is type(e) for e in schema["enum"]):
                raise SpecError(loc, "%s: '%s' is not one of %s%s" % (
                    _at(where), value, ", ".join(str(e) for e in schema["enum"]), _suggest(value, schema["enum"])))
        if "type" in schema:
            allowed = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(_TYPES[t](value) for t in allowed):
                raise SpecError(loc, "%s: expected %s, got %s" % (
                    _at(where), " or ".join(allowed), _describe(value)))
        if "pattern" in schema and isinstance(value, str):
            if not re.search(schema["pattern"], value):
                raise SpecError(loc, "%s: '%s' does not match %s" % (_at(where), value, schema["pattern"]))
        if isinstance(value, list):
            if "minItems" in schema and len(value) < schema["minItems"]:
                raise SpecError(loc, "%s: needs at least %d item(s)" % (_at(where), schema["minItems"]))
            if "maxItems" in schema and len(value) > schema["maxItems"]:
                raise SpecError(loc, "%s: allows at most %d item(s)" % (_at(where), schema["maxItems"]))
            if "items" in schema:
                for index, item in enumerate(value):
                    item_loc = value.loc_of(index) if isinstance(value, LList) else loc
                    self._check(item, schema["items"], item_loc, "%s[%d]" % (where, index))
        if isinstance(value, dict):
            if "maxProperties" in schema and len(value) > schema["maxProperties"]:
                raise SpecError(loc, "%s: allows at most %d key(s)" % (_at(where), schema["maxProperties"]))
            for key in schema.get("required", []):
                if key not in value:
                    raise SpecError(loc, "%s: missing required key '%s'" % (_at(where), key))
            properties = schema.get("properties", {})
            patterns = schema.get("patternProperties", {})
            for key, item in value.items():
                key_loc = value.loc_of(key) if isinstance(value, LDict) else loc
                child = "%s.%s" % (where, key) if where else str(key)
                if key in properties:
                    self._check(item, properties[key], key_loc, child)
                    continue
                matched = [p for p in patterns if re.search(p, str(key))]
                if matched:
                    self._check(item, patterns[matched[0]], key_loc, child)
                    continue
                if "properties" in schema or "patternProperties" in schema or schema.get("type") == "object":
                    known = ", ".join(sorted(properties)) or "none"
                    raise SpecError(key_loc, "%s: unknown key '%s' (allowed: %s)%s" % (
                        _at(where), key, known, _suggest(key, properties)))
