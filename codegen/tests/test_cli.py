# SPDX-License-Identifier: MIT
"""The generator's command line: --list-outputs, --stats, --check, --out."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from ctrtgen.emit import OUTPUTS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GENERATE = os.path.join(ROOT, "codegen", "generate.py")
SCHEMA = os.path.join("spec", "schema.yaml")
FIXTURE = os.path.join("codegen", "tests", "fixture_spec")
GOLDEN = os.path.join(ROOT, "codegen", "tests", "golden")

# What fixture_spec declares (see its files).
FIXTURE_STATS = {
    "methods": 21,
    "seed_structs": 3,  # Widget, ContainerId and the opaque FixtureBackend
    "seed_enums": 2,  # Color and the union Shape
    "structs": 11,
    "enums": 3,
    "unions": 5,
    "interface_errors": 4,
    "c_errors": 3,
    "streams": 5,
    "functions": 2,
}


def run(*args):
    return subprocess.run([sys.executable, GENERATE] + list(args), cwd=ROOT, capture_output=True, text=True)


class CommandLine(unittest.TestCase):
    def test_list_outputs(self):
        proc = run("--spec", "unused", "--list-outputs")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        listed = proc.stdout.splitlines()
        self.assertEqual(listed, [rel for _, rel in OUTPUTS])
        self.assertEqual(len(listed), len(set(listed)))
        # Exactly the files --out writes (the golden tree is such an output).
        golden = sorted(os.path.relpath(os.path.join(d, f), GOLDEN).replace(os.sep, "/")
                        for d, _, names in os.walk(GOLDEN) for f in names)
        self.assertEqual(sorted(listed), golden)

    def test_stats(self):
        proc = run("--spec", FIXTURE, "--schema", SCHEMA, "--stats")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(json.loads(proc.stdout), FIXTURE_STATS)
        self.assertEqual(proc.stderr, "")

    def test_stats_with_check(self):
        proc = run("--spec", FIXTURE, "--schema", SCHEMA, "--stats", "--check")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(json.loads(proc.stdout)["methods"], FIXTURE_STATS["methods"])

    def test_stats_of_a_bad_spec_fail(self):
        proc = run("--spec", os.path.join("codegen", "tests", "bad", "unknown_type.yaml"), "--schema", SCHEMA,
                   "--stats")
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stdout, "")
        self.assertIn("unknown type 'Widgit'", proc.stderr)

    def test_check_is_silent_and_writes_nothing(self):
        tmp = tempfile.mkdtemp(prefix="ctrt-cli-")
        try:
            out = os.path.join(tmp, "out")
            proc = run("--spec", FIXTURE, "--schema", SCHEMA, "--check", "--out", out)
            self.assertEqual((proc.returncode, proc.stdout, proc.stderr), (0, "", ""))
            self.assertFalse(os.path.exists(out))
        finally:
            shutil.rmtree(tmp)

    def test_out_is_required_without_check(self):
        proc = run("--spec", FIXTURE, "--schema", SCHEMA)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(proc.stdout, "")
        self.assertEqual(proc.stderr.splitlines()[-1],
                         "ctrtgen: error: --out is required unless --check, --stats or --list-outputs is given")

    def test_missing_spec_directory(self):
        proc = run("--spec", "no/such/spec", "--schema", SCHEMA, "--check")
        self.assertEqual(proc.returncode, 1)
        self.assertEqual(proc.stderr, "no/such/spec:1: error: no/such/spec does not exist\n")

    def test_the_real_spec_checks(self):
        proc = run("--spec", "spec", "--check")
        self.assertEqual((proc.returncode, proc.stdout, proc.stderr), (0, "", ""))


if __name__ == "__main__":
    unittest.main()
