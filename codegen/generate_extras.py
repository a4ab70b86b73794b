#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Entry point CMake runs for the CLI and the reference docs:
codegen/generate_extras.py --spec spec --out build/generated --what cli|docs."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ctrtgen.extras import main  # noqa: E402

sys.exit(main())
