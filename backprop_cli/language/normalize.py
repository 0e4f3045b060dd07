"""Maths pasted from slides or typed as maths, made into the language before it is tokenised:
− (U+2212) and – for minus, × · ⋅ ∗ for times, ÷ for divide, ² and ³ for a power, ln(...) for log(...),
and a no-break space for a space.

``normalize`` returns the new text and a ``Positions`` map, so that an error found in the new text is
shown at the right place in the text as it was given (see ``remap``).
"""

from __future__ import annotations

_SIMPLE = {"\u2212": "-", "\u2013": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u2217": "*",
           "\u00f7": "/", "\u00b2": "^2", "\u00b3": "^3", "\u00a0": " "}
_PATTERN = "[" + "".join(_SIMPLE) + r"]|\bln(?=[ \t]*\()"  # compiled (re caches it) when needed


class Positions:
    """Where each place of the normalised text came from in the original."""

    __slots__ = ("marks",)

    def __init__(self, marks: list) -> None:
        #: (position in the new text, position in the original), at the start of every change
        #: and just after it, in increasing order
        self.marks = marks

    def original(self, pos: int) -> int:
        from bisect import bisect_right

        k = bisect_right(self.marks, (pos, float("inf"))) - 1
        if k < 0:
            return pos
        new, old = self.marks[k]
        if k + 1 < len(self.marks):
            next_new, next_old = self.marks[k + 1]
            return min(old + (pos - new), max(old, next_old - 1)) if pos < next_new else next_old
        return old + (pos - new)


def normalize(source: str) -> tuple:
    """(text in the language's own symbols, Positions or None when nothing changed)."""
    if source.isascii() and "ln" not in source:
        return source, None
    marks: list = []
    out: list = []
    last = 0
    shift = 0  # len(new) - len(old) so far
    import re

    for match in re.finditer(_PATTERN, source):
        start, end = match.span()
        replacement = "log" if match.group() == "ln" else _SIMPLE[match.group()]
        out.append(source[last:start])
        out.append(replacement)
        marks.append((start + shift, start))
        shift += len(replacement) - (end - start)
        marks.append((end + shift, end))
        last = end
    if not marks:
        return source, None
    out.append(source[last:])
    return "".join(out), Positions(marks)


def remap(error, original: str, positions) -> None:
    """Point a SourceError found in the normalised text at the same place in ``original``."""
    if positions is None or getattr(error, "source", None) is None:
        return
    error.source = original
    error.start = positions.original(error.start)
    if error.end is not None:
        error.end = max(error.start + 1, positions.original(error.end))
