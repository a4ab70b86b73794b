# SPDX-License-Identifier: MIT
"""The backend ABI record (spec/abi.yaml): CTRT_BACKEND_ABI_VERSION comes
from it, and a change to the set of required methods that the record does
not follow stops the generator at the record's version line."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GENERATE = os.path.join(ROOT, "codegen", "generate.py")
SCHEMA = os.path.join(ROOT, "spec", "schema.yaml")
FIXTURE = os.path.join(ROOT, "codegen", "tests", "fixture_spec")
DEFINE = re.compile(r"^#define CTRT_BACKEND_ABI_VERSION (\d+)$", re.M)

# fixture_spec/abi.yaml: the line of `version:`, and what it lists.
FIXTURE_VERSION_LINE = 5
FIXTURE_REQUIRED = ["create_widget", "get_widget", "wait_widget", "widget_address"]


class AbiRecord(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ctrt-abi-")
        self.spec = os.path.join(self.tmp, "fixture_spec")
        shutil.copytree(FIXTURE, self.spec)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def edit(self, rel, old, new):
        path = os.path.join(self.spec, rel)
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        self.assertEqual(text.count(old), 1, "%r must occur once in %s" % (old, rel))
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text.replace(old, new))

    def generate(self, *extra):
        return subprocess.run([sys.executable, GENERATE, "--spec", self.spec, "--schema", SCHEMA] + list(extra),
                              cwd=self.tmp, capture_output=True, text=True)

    def define_of(self, out):
        with open(os.path.join(out, "include", "ctrt", "backend.h"), encoding="utf-8") as handle:
            found = DEFINE.findall(handle.read())
        self.assertEqual(len(found), 1)
        return int(found[0])

    def mismatch(self, now_required=(), no_longer=()):
        listing = sorted(set(FIXTURE_REQUIRED) - set(no_longer) | set(now_required))
        what = []
        if now_required:
            what.append("now required: " + ", ".join(now_required))
        if no_longer:
            what.append("no longer required: " + ", ".join(no_longer))
        return ("fixture_spec/abi.yaml:%d: error: the required methods changed since backend ABI version 1 (%s); "
                "backends built for version 1 break, so bump version to 2 and set required to [%s]\n" % (
                    FIXTURE_VERSION_LINE, "; ".join(what), ", ".join(listing)))

    def test_record_matches_and_sets_the_version(self):
        out = os.path.join(self.tmp, "out")
        proc = self.generate("--out", out)
        self.assertEqual((proc.returncode, proc.stderr), (0, ""))
        self.assertEqual(self.define_of(out), 1)
        # The define is the record's version, whatever it is.
        self.edit("abi.yaml", "version: 1", "version: 7")
        proc = self.generate("--out", out)
        self.assertEqual((proc.returncode, proc.stderr), (0, ""))
        self.assertEqual(self.define_of(out), 7)

    def test_a_new_required_method_needs_a_new_version(self):
        # list_widgets was `empty`; make it required without touching the record.
        self.edit("methods/widgets.yaml", "    result: list<Widget>\n    default: empty",
                  "    result: list<Widget>\n    default: required")
        proc = self.generate("--check")
        self.assertEqual((proc.returncode, proc.stdout), (1, ""))
        self.assertEqual(proc.stderr, self.mismatch(now_required=["list_widgets"]))
        # Following the message makes it pass.
        self.edit("abi.yaml", "version: 1", "version: 2")
        self.edit("abi.yaml", "[create_widget, get_widget,", "[create_widget, get_widget, list_widgets,")
        proc = self.generate("--check")
        self.assertEqual((proc.returncode, proc.stderr), (0, ""))

    def test_a_method_no_longer_required_is_a_change_too(self):
        self.edit("methods/widgets.yaml", "    result: Widget\n    default: required",
                  "    result: Widget\n    default: unsupported")
        proc = self.generate("--check")
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stderr, self.mismatch(no_longer=["get_widget"]))

    def test_a_misspelt_name_is_named(self):
        self.edit("abi.yaml", "wait_widget,", "wait_widgte,")
        proc = self.generate("--check")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("(now required: wait_widget; no longer required: wait_widgte (not a method))", proc.stderr)
        self.assertTrue(proc.stderr.startswith("fixture_spec/abi.yaml:%d: error: " % FIXTURE_VERSION_LINE))

    def test_one_record_only(self):
        with open(os.path.join(self.spec, "types", "abi_again.yaml"), "w", encoding="utf-8") as handle:
            handle.write("# Another record.\nabi:\n  version: 1\n  required: []\n")
        proc = self.generate("--check")
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stderr, "fixture_spec/types/abi_again.yaml:2: error: a second abi record; the first is "
                                      "at fixture_spec/abi.yaml:4\n")

    def test_version_must_be_positive(self):
        self.edit("abi.yaml", "version: 1", "version: 0")
        proc = self.generate("--check")
        self.assertEqual(proc.stderr, "fixture_spec/abi.yaml:%d: error: abi version must be 1 or more, not 0\n" % (
            FIXTURE_VERSION_LINE))


class RealSpecAbi(unittest.TestCase):
    def test_required_methods_match_the_record(self):
        proc = subprocess.run([sys.executable, GENERATE, "--spec", "spec", "--check"], cwd=ROOT, capture_output=True,
                              text=True)
        self.assertEqual((proc.returncode, proc.stderr), (0, ""))


if __name__ == "__main__":
    unittest.main()
