"""The Rich console every drawing view prints to: colour only on a terminal, NO_COLOR respected."""

from __future__ import annotations

import sys


def make_console(file=None, stderr: bool = False):
    from rich.console import Console

    stream = file or (sys.stderr if stderr else sys.stdout)
    terminal = hasattr(stream, "isatty") and stream.isatty()
    # Piped output is plain text, wide enough that nothing wraps or gets cut.
    console = Console(file=stream, highlight=False, emoji=False, soft_wrap=not terminal,
                      width=None if terminal else 1000, stderr=stderr)
    console.on_broken_pipe = _reader_left
    return console


def _reader_left() -> None:
    """The reader closed the pipe (`| head -1`, `| true`): stop quietly with exit 0 (Rich's own
    handler exits 1, which for `check` means "the check failed")."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    raise SystemExit(0)


VALUE_STYLE = "green"  # forward values, as in the lecture's figures
GRAD_STYLE = "red"  # gradients flowing back
