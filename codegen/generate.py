#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Entry point CMake runs: codegen/generate.py --spec spec --out build/generated."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ctrtgen.__main__ import main  # noqa: E402

sys.exit(main())
