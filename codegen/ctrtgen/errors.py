# SPDX-License-Identifier: MIT
"""The one exception the generator reports to its user."""


class SpecError(Exception):
    """A problem in the spec, reported as `FILE:LINE: error: MESSAGE`."""

    def __init__(self, loc, message):
        super().__init__(message)
        self.loc = loc
        self.message = message

    def __str__(self):
        return "%s: error: %s" % (self.loc, self.message)
