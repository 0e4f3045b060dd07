"""The Rich console every drawing view prints to: colour only on a terminal, NO_COLOR respected."""

from __future__ import annotations

import os
import sys


class PlainConsole:
    """What the table view reads of a Rich Console when nothing will be styled: Rich is not imported.

    ``plain_console`` returns one only where Rich itself would print without colour or styles;
    tests/test_entry.py checks that the table comes out byte for byte as through Rich."""

    color_system = None
    is_terminal = False
    width = 1000  # as make_console's, when the output is not a terminal

    def __init__(self, file):
        self.file = file


def plain_console(file=None):
    """A PlainConsole when the output is certainly not a terminal for Rich, else None (then use
    make_console): a stream that says it is no tty, and none of the settings that make Rich treat
    it as one (FORCE_COLOR, TTY_COMPATIBLE) or that Rich handles specially (Jupyter)."""
    stream = file or sys.stdout
    isatty = getattr(stream, "isatty", None)
    if isatty is None or "FORCE_COLOR" in os.environ or "TTY_COMPATIBLE" in os.environ \
            or "IPython" in sys.modules:
        return None
    try:
        if isatty():
            return None
    except ValueError:  # a closed stream: let Rich decide what to do
        return None
    return PlainConsole(stream)


def make_console(file=None, stderr: bool = False):
    from rich.console import Console

    stream = file or (sys.stderr if stderr else sys.stdout)
    terminal = hasattr(stream, "isatty") and stream.isatty()
    # Piped output is plain text, wide enough that nothing wraps or gets cut.
    return Console(file=stream, highlight=False, emoji=False, soft_wrap=not terminal,
                   width=None if terminal else 1000, stderr=stderr)


VALUE_STYLE = "green"  # forward values, as in the lecture's figures
GRAD_STYLE = "red"  # gradients flowing back
