# SPDX-License-Identifier: MIT
"""Command line: python3 -m ctrtgen --spec DIR --out DIR [options]."""

import argparse
import json
import os
import sys

from .docker import fuzz_json_targets
from .emit import OUTPUTS, load_spec, render, stats
from .errors import SpecError


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="ctrtgen",
        description="Generate ctrt's C types, JSON codecs, operation table, backend table, "
                    "dispatchers and round-trip tests from the declarative spec.")
    parser.add_argument("--spec", required=True, help="spec directory (or one spec file)")
    parser.add_argument("--schema", help="schema of the spec format (default: SPEC/schema.yaml)")
    parser.add_argument("--out", help="output directory (generated/ in the build tree)")
    parser.add_argument("--check", action="store_true", help="validate only; write nothing")
    parser.add_argument("--stats", action="store_true", help="print declaration counts as JSON")
    parser.add_argument("--list-outputs", action="store_true", help="print the files --out would hold")
    parser.add_argument("--list-fuzz-targets", action="store_true",
                        help="print the names of the generated JSON fuzz targets (fuzz/fuzz_json.c)")
    parser.add_argument("--clang-format", metavar="PROGRAM",
                        help="format the generated C with PROGRAM and the repository's .clang-format")
    args = parser.parse_args(argv)

    if args.list_outputs:
        for _, relpath in OUTPUTS:
            print(relpath)
        return 0
    schema = args.schema or os.path.join(args.spec, "schema.yaml")
    try:
        spec = load_spec(args.spec, schema)
    except SpecError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.list_fuzz_targets:
        for target in fuzz_json_targets(spec):
            print(target.name)
        return 0
    if args.stats:
        print(json.dumps(stats(spec), indent=2, sort_keys=True))
    if args.check:
        return 0
    if not args.out:
        if args.stats:
            return 0
        parser.error("--out is required unless --check, --stats or --list-outputs is given")
    render(spec, args.out, args.clang_format)
    return 0


if __name__ == "__main__":
    sys.exit(main())
