"""User text in messages and positions in a source: made safe for a terminal, cut short, located."""

from __future__ import annotations

# Characters that must not reach a terminal raw: C0 and C1 controls, bidirectional overrides, lone surrogates.
_MESSAGE_UNSAFE = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
_TEXT_UNSAFE = "[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"


def printable(text: str, width: int = 60) -> str:
    """User text made safe to show in a message: control characters (newline too) escaped, cut to ``width``."""
    if len(text) > width:
        text = text[:width - 1] + "…"
    if text.isascii() and text.isprintable():  # the common case, without importing re
        return text
    import re

    if re.search(_TEXT_UNSAFE, text):
        text = re.sub(_TEXT_UNSAFE, lambda m: repr(m.group())[1:-1], text)
    return text


def escape_controls(text: str) -> str:
    """A whole message made safe for a terminal: every control character (but newline and tab),
    the bidirectional overrides and lone surrogates escaped, nothing cut.  The net under every
    message printed (output.report, warnings, click's usage errors), so that user text a message
    forgot to pass through ``printable`` still cannot retitle or clear the terminal."""
    if text.isascii() and text.isprintable():
        return text
    import re

    return re.sub(_MESSAGE_UNSAFE, lambda m: repr(m.group())[1:-1], text)


def line_col(source: str, pos: int) -> tuple:
    """1-based line and column of a character offset."""
    line = source.count("\n", 0, pos) + 1
    col = pos - (source.rfind("\n", 0, pos) + 1) + 1
    return line, col
