# SPDX-License-Identifier: MIT
"""Golden output of the generator for a small fixture spec.

codegen/tests/fixture_spec declares one of every shape the generator knows
(field kinds, defaults, wire names, secrets, enum accept/docker codes,
internally and externally tagged unions, streams, functions, every default
behaviour of a method, docker mappings); codegen/tests/golden holds the
exact tree `generate.py --out` produces for it.

After an intended change to a template, accept the new output with

    CTRT_UPDATE_GOLDEN=1 python3 -m unittest discover -s codegen/tests -t codegen

and review the diff of codegen/tests/golden like any other change.
"""

import difflib
import os
import shutil
import subprocess
import sys
import tempfile
import unittest
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GENERATE = os.path.join(ROOT, "codegen", "generate.py")
SCHEMA = os.path.join(ROOT, "spec", "schema.yaml")
FIXTURE = os.path.join("codegen", "tests", "fixture_spec")
GOLDEN = os.path.join(ROOT, "codegen", "tests", "golden")


def generate(out_dir, hash_seed=None):
    """Run the generator on the fixture spec, as CMake would."""
    env = dict(os.environ)
    if hash_seed is not None:
        env["PYTHONHASHSEED"] = str(hash_seed)
    clang_format = shutil.which("clang-format") or shutil.which("clang-format-14")
    if clang_format is None:
        raise AssertionError("clang-format not found: the generator formats its C with it (Debian: clang-format)")
    proc = subprocess.run(
        [sys.executable, GENERATE, "--spec", FIXTURE, "--schema", SCHEMA, "--out", out_dir,
         "--clang-format", clang_format],
        cwd=ROOT, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssertionError("generator failed (exit %d):\n%s%s" % (proc.returncode, proc.stdout, proc.stderr))
    return out_dir


def read_tree(top):
    """{relative path: bytes} of every file below top."""
    files = {}
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            with open(path, "rb") as handle:
                files[os.path.relpath(path, top).replace(os.sep, "/")] = handle.read()
    return files


def tree_diff(expected, actual, expected_name, actual_name):
    """Human-readable differences between two trees ("" when equal)."""
    report = []
    for rel in sorted(set(expected) - set(actual)):
        report.append("missing from %s: %s" % (actual_name, rel))
    for rel in sorted(set(actual) - set(expected)):
        report.append("not in %s: %s" % (expected_name, rel))
    for rel in sorted(set(expected) & set(actual)):
        if expected[rel] != actual[rel]:
            diff = difflib.unified_diff(
                expected[rel].decode("utf-8", "replace").splitlines(keepends=True),
                actual[rel].decode("utf-8", "replace").splitlines(keepends=True),
                fromfile="%s/%s" % (expected_name, rel), tofile="%s/%s" % (actual_name, rel))
            report.append("".join(diff))
    return "\n".join(report)


class Golden(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ctrt-golden-")
        cls.out = generate(os.path.join(cls.tmp, "out"))
        cls.generated = read_tree(cls.out)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_matches_golden(self):
        if os.environ.get("CTRT_UPDATE_GOLDEN") == "1":
            shutil.rmtree(GOLDEN, ignore_errors=True)
            shutil.copytree(self.out, GOLDEN)
            sys.stderr.write("\nrewrote %s (%d files)\n" % (GOLDEN, len(self.generated)))
        golden = read_tree(GOLDEN)
        self.assertTrue(golden, "no golden files in %s; run with CTRT_UPDATE_GOLDEN=1 to create them" % GOLDEN)
        report = tree_diff(golden, self.generated, "golden", "generated")
        if report:
            self.fail("generator output differs from codegen/tests/golden (if the change is intended, rerun "
                      "with CTRT_UPDATE_GOLDEN=1 and review the diff):\n" + report)

    def test_deterministic(self):
        # Different hash seeds change the iteration order of sets and
        # dicts keyed by strings: output must not depend on it.
        runs = [read_tree(generate(os.path.join(self.tmp, "run%d" % seed), hash_seed=seed)) for seed in (1, 2)]
        self.assertEqual(tree_diff(self.generated, runs[0], "first run", "second run"), "")
        self.assertEqual(tree_diff(runs[0], runs[1], "PYTHONHASHSEED=1", "PYTHONHASHSEED=2"), "")

    def test_every_output_has_the_banner(self):
        self.assertTrue(self.generated)
        for rel, data in self.generated.items():
            with self.subTest(file=rel):
                first = data.decode("utf-8").split("\n", 1)[0]
                # A libFuzzer dictionary takes only '#' comments.
                opener, closer = ("# ", ".") if rel.endswith(".dict") else ("/* ", ". */")
                self.assertTrue(first.startswith(opener + "Generated by codegen/ctrtgen from fixture_spec/"), first)
                self.assertTrue(first.endswith("; do not edit" + closer), first)

    def test_banner_is_one_short_line(self):
        # The spec's folder, not its files: the build's dependencies list those.
        banner = self.generated["include/ctrt/types.h"].decode("utf-8").split("\n", 1)[0]
        self.assertEqual(banner, "/* Generated by codegen/ctrtgen from fixture_spec/; do not edit. */")

    def test_generated_c_compiles(self):
        """The fixture's C must compile (warning-free, like the project's
        own build) against the hand-written headers: this covers shapes the
        real spec does not use yet."""
        compiler = Compiler.find()
        if compiler is None:
            self.skipTest("no C compiler with the jansson headers")
        sources = sorted(rel for rel in self.generated if rel.endswith(".c"))
        self.assertIn("src/api.c", sources)
        include = ["-I" + os.path.join(ROOT, "runtime", "include"), "-I" + os.path.join(ROOT, "runtime"),
                   "-I" + os.path.join(self.out, "include"), "-I" + os.path.join(self.out, "src"),
                   "-I" + os.path.join(ROOT, "runtime", "tests", "support"), "-I" + os.path.join(ROOT, "fuzz"),
                   "-I" + os.path.join(ROOT, "runtime", "tests", "docker_calls"),
                   "-I" + os.path.join(ROOT, "runtime", "tests", "podman_calls")]
        jobs = []
        for rel in sources:
            if rel.startswith("tests/") and not compiler.has_cunit:
                continue
            jobs.append(rel)
        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda rel: (rel, compiler.check(os.path.join(self.out, rel), include)), jobs))
        failures = ["%s:\n%s" % (rel, out) for rel, out in results if out is not None]
        if failures:
            self.fail("generated C for the fixture spec does not compile. If a hand-written header now names "
                      "another spec type, declare it in codegen/tests/fixture_spec/types/prelude.yaml.\n"
                      + "\n".join(failures))


class Compiler:
    FLAGS = ["-std=c11", "-fsyntax-only", "-D_POSIX_C_SOURCE=200809L", "-D_DEFAULT_SOURCE", "-Wall", "-Wextra",
             "-Wshadow", "-Wstrict-prototypes", "-Wno-missing-field-initializers", "-Werror"]

    def __init__(self, cc, cflags):
        self.cc = cc
        self.cflags = cflags
        self.has_cunit = self._compiles("#include <CUnit/CUnit.h>\n")

    @classmethod
    def find(cls):
        cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        if not cc:
            return None
        cflags = []
        if shutil.which("pkg-config"):
            proc = subprocess.run(["pkg-config", "--cflags", "jansson"], capture_output=True, text=True)
            if proc.returncode == 0:
                cflags = proc.stdout.split()
        compiler = cls(cc, cflags)
        return compiler if compiler._compiles("#include <jansson.h>\n") else None

    def _compiles(self, text):
        proc = subprocess.run([self.cc, "-x", "c", "-fsyntax-only"] + self.cflags + ["-"], input=text,
                              capture_output=True, text=True)
        return proc.returncode == 0

    def check(self, path, include):
        """None when path compiles, else the compiler's output."""
        proc = subprocess.run([self.cc] + self.FLAGS + self.cflags + include + [path], capture_output=True, text=True)
        return None if proc.returncode == 0 else (proc.stdout + proc.stderr)


if __name__ == "__main__":
    unittest.main()
