"""Reference documentation from the spec: man pages (section 3, one per
method and per type) and one browsable HTML page."""

import html
import os


def roff(text):
    """Text safe in a roff line: backslashes doubled, a leading '.' or '''
    escaped."""
    text = str(text).replace("\\", "\\e").replace("-", "\\-")
    lines = []
    for line in text.split("\n"):
        if line.startswith((".", "'")):
            line = "\\&" + line
        lines.append(line)
    return "\n".join(lines)


def add_filters(env):
    env.filters["roff"] = roff
    env.filters["html"] = lambda text: html.escape(str(text), quote=True)
