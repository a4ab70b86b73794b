# SPDX-License-Identifier: MIT
"""The real spec declares the whole interface (runtime-interface.md)."""

import os
import unittest

from ctrtgen.emit import load_spec, stats

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = os.path.join(ROOT, "spec")


class RealSpec(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.spec = load_spec(SPEC, os.path.join(SPEC, "schema.yaml"))

    def test_counts(self):
        self.assertEqual(stats(self.spec)["methods"], 55)
        self.assertEqual(stats(self.spec)["seed_structs"], 30)
        self.assertEqual(stats(self.spec)["seed_enums"], 8)
        self.assertEqual(stats(self.spec)["interface_errors"], 14)
        self.assertEqual(stats(self.spec)["streams"], 9)
        self.assertEqual(stats(self.spec)["functions"], 2)

    def test_every_method_maps_to_docker_or_says_why_not(self):
        for method in self.spec.methods:
            with self.subTest(method=method.name):
                self.assertTrue(method.docker_calls or method.docker_none)


if __name__ == "__main__":
    unittest.main()
