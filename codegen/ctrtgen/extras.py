# SPDX-License-Identifier: MIT
"""Outputs beyond the library, each set rendered by its own CMake rule:

  --what cli    tools/cli_commands.c, tools/ctrt.bash (completion), tools/ctrt.1
  --what docs   doc/man3/<function>.3 for every method and type, doc/html/index.html

python3 -m ctrtgen.extras --spec DIR --out DIR --what cli|docs [--stamp FILE]
"""

import argparse
import os
import sys

from . import cli, emit
from .errors import SpecError

CLI_OUTPUTS = [
    ("cli_commands.c.j2", "tools/cli_commands.c"),
    ("cli_completion.bash.j2", "tools/ctrt.bash"),
    ("cli_man.1.j2", "tools/ctrt.1"),
]


def _write(out_dir, relpath, text, written):
    path = os.path.join(out_dir, relpath)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # Rewrite only what changed, so a spec edit rebuilds little.
    try:
        with open(path, encoding="utf-8") as handle:
            if handle.read() == text:
                written.append(relpath)
                return
    except OSError:
        pass
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    written.append(relpath)


def _context(spec):
    context = emit._context(spec)
    context["commands"] = cli.commands(spec, context["methods"])
    context["exit_code"] = cli.exit_code
    context["version"] = os.environ.get("CTRT_VERSION", "")
    return context


def render_cli(spec, out_dir, clang_format=None):
    env = emit._environment()
    context = _context(spec)
    written = []
    for template, relpath in CLI_OUTPUTS:
        _write(out_dir, relpath, env.get_template(template).render(**context), written)
    emit.format_c(clang_format, out_dir, written)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(prog="ctrtgen.extras")
    parser.add_argument("--spec", required=True)
    parser.add_argument("--schema")
    parser.add_argument("--out", required=True)
    parser.add_argument("--what", choices=["cli", "docs"], required=True)
    parser.add_argument("--stamp", help="file touched after a successful run")
    parser.add_argument("--clang-format", metavar="PROGRAM", help="format the generated C with PROGRAM")
    args = parser.parse_args(argv)
    schema = args.schema or os.path.join(args.spec, "schema.yaml")
    try:
        spec = emit.load_spec(args.spec, schema)
    except SpecError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.what == "cli":
        render_cli(spec, args.out, args.clang_format)
    else:
        from . import docs
        docs.render(spec, args.out, _context(spec))
    if args.stamp:
        with open(args.stamp, "w", encoding="utf-8") as handle:
            handle.write("ok\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
