"""schema.yaml itself is checked: a keyword the schema language does not know,
an unknown type, a dangling $ref or a required key that is not a property is
an error with FILE:LINE, because otherwise the constraint would silently never
apply (`enun:` once let `verb: PSOT` through)."""

import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GENERATE = os.path.join(ROOT, "codegen", "generate.py")
SCHEMA = os.path.join(ROOT, "spec", "schema.yaml")

# (text in schema.yaml, its replacement, expected stderr after "schema.yaml:LINE: error: ")
MUTATIONS = [
    # The Docker mapping's own keywords (response hooks, conditional calls).
    ("hook: {$ref: snake_name}", "hook: {$ref: snake_nam}",
     "definitions.docker_call.properties.response.properties.hook.$ref: no definition named 'snake_nam'; "
     "did you mean 'snake_name'?"),
    ("status: {type: integer}", "status: {type: intger}",
     "definitions.docker_call.properties.when.properties.status.type: unknown type 'intger' (allowed: array, "
     "boolean, integer, null, object, string); did you mean 'integer'?"),
    ("origin: {enum: [interface, c]}", "origin: {enun: [interface, c]}",
     "definitions.error.properties.origin: unknown schema keyword 'enun' (allowed: $ref, anyOf, enum, items, "
     "maxItems, maxProperties, minItems, pattern, patternProperties, properties, required, type); "
     "did you mean 'enum'?"),
    ("code: {type: integer}", "code: {type: integr}",
     "definitions.error.properties.code.type: unknown type 'integr' (allowed: array, boolean, integer, null, "
     "object, string); did you mean 'integer'?"),
    ("name: {$ref: snake_name}", "name: {$ref: snake_nam}",
     "definitions.error.properties.name.$ref: no definition named 'snake_nam'; did you mean 'snake_name'?"),
    ("required: [name, code, origin, doc, fields, message]",
     "required: [name, code, origin, doc, fields, mesage]",
     "definitions.error.required: 'mesage' is required but not among the properties; did you mean 'message'?"),
]


class SchemaKeywords(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ctrt-schema-")
        with open(SCHEMA, encoding="utf-8") as handle:
            self.text = handle.read()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def run_with(self, text):
        path = os.path.join(self.tmp, "schema.yaml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return subprocess.run([sys.executable, GENERATE, "--spec", os.path.join(ROOT, "spec"), "--schema", path,
                               "--check"], cwd=ROOT, capture_output=True, text=True)

    def test_the_real_schema_passes(self):
        proc = self.run_with(self.text)
        self.assertEqual((proc.returncode, proc.stderr), (0, ""))

    def test_each_mistake_names_its_line(self):
        for old, new, message in MUTATIONS:
            with self.subTest(mistake=new):
                # The first occurrence is the one the schema checker meets first.
                self.assertIn(old, self.text)
                line = self.text[:self.text.index(old)].count("\n") + 1
                proc = self.run_with(self.text.replace(old, new, 1))
                self.assertEqual(proc.stderr, "schema.yaml:%d: error: %s\n" % (line, message))
                self.assertEqual(proc.returncode, 1)


if __name__ == "__main__":
    unittest.main()
