# SPDX-License-Identifier: MIT
"""ctrtgen: turns spec/*.yaml into ctrt's C headers, sources and tests."""
