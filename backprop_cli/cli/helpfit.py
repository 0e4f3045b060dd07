"""Help screens that fit the terminal: click rewraps prose, but leaves the example blocks (marked
with \\b) and the aligned tables in them as written.  ``FittedFormatter`` breaks any line still too
wide: a shell example at a space, continued with a backslash (so it still copies and pastes), any other
line at a space, continued under where its text starts."""

from __future__ import annotations

import re

import click

_COLUMN = re.compile(r"\S.*?\s{2,}(?=\S)")


class FittedFormatter(click.HelpFormatter):
    def getvalue(self) -> str:
        limit = (self.width or 78) + 2
        out = []
        for line in super().getvalue().split("\n"):
            out += _fit(line, limit) if len(line) > limit else [line]
        return "\n".join(out)


def _fit(line: str, limit: int) -> list:
    lead = len(line) - len(line.lstrip(" "))
    shell = line.lstrip().startswith(("backprop ", "echo ", "python "))
    if shell:
        pad, tail = " " * (lead + 4), " \\"
    else:
        column = _COLUMN.match(line, lead)
        pad = " " * (column.end() if column and column.end() < limit // 2 else lead + 2)
        tail = ""
    lines, rest, first = [], line, True
    while len(rest) > limit:
        room = limit - len(tail)
        cut = rest.rfind(" ", len(pad) + 1 if not first else lead + 1, room + 1)
        if cut <= (len(pad) if not first else lead):
            break  # one word longer than the line: leave it
        lines.append(rest[:cut].rstrip() + tail)
        rest = pad + rest[cut:].lstrip()
        first = False
    lines.append(rest)
    return lines


class FittedContext(click.Context):
    formatter_class = FittedFormatter
