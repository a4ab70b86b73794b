# SPDX-License-Identifier: MIT
"""Bad specs must fail with exactly the right FILE:LINE: error: MESSAGE.

Each codegen/tests/bad/NAME.yaml is a self-contained spec whose first line
is `# expect: bad/NAME.yaml:LINE: error: MESSAGE`, the one line the
generator must print on stderr (exit status 1) for it.
"""

import os
import re
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GENERATE = os.path.join(ROOT, "codegen", "generate.py")
SCHEMA = os.path.join("spec", "schema.yaml")
BAD = os.path.join(ROOT, "codegen", "tests", "bad")
EXPECT = re.compile(r"^# expect: (bad/([^:]+):(\d+): error: .+)$")


def bad_specs():
    return sorted(name for name in os.listdir(BAD) if name.endswith(".yaml"))


class BadSpecs(unittest.TestCase):
    def test_there_are_enough(self):
        self.assertGreaterEqual(len(bad_specs()), 10)

    def test_each_fails_with_its_expected_line(self):
        for name in bad_specs():
            with self.subTest(spec=name):
                with open(os.path.join(BAD, name), encoding="utf-8") as handle:
                    first = handle.readline().rstrip("\n")
                match = EXPECT.match(first)
                self.assertIsNotNone(match, "first line must be '# expect: bad/%s:LINE: error: MESSAGE'" % name)
                expected, file_name, line = match.group(1), match.group(2), int(match.group(3))
                self.assertEqual(file_name, name, "the expected line must name the file itself")
                self.assertGreater(line, 1, "line 1 is the expectation itself")
                proc = subprocess.run(
                    [sys.executable, GENERATE, "--spec", os.path.join("codegen", "tests", "bad", name),
                     "--schema", SCHEMA, "--check"],
                    cwd=ROOT, capture_output=True, text=True)
                self.assertEqual(proc.stderr, expected + "\n")
                self.assertEqual(proc.returncode, 1)
                self.assertEqual(proc.stdout, "")


if __name__ == "__main__":
    unittest.main()
