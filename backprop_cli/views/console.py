"""The Rich console every drawing view prints to: colour only on a terminal, NO_COLOR respected."""

from __future__ import annotations

import sys


def make_console(file=None, stderr: bool = False):
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # Rich exits with status 1 here; the reader leaving is not a failure (output.report
            # makes it exit 0, as for every other command).
            raise BrokenPipeError(32, "Broken pipe")

    Console = _Console
    stream = file or (sys.stderr if stderr else sys.stdout)
    terminal = hasattr(stream, "isatty") and stream.isatty()
    # Piped output is plain text, wide enough that nothing wraps or gets cut.
    return Console(file=stream, highlight=False, emoji=False, soft_wrap=not terminal,
                   width=None if terminal else 1000, stderr=stderr)


VALUE_STYLE = "green"  # forward values, as in the lecture's figures
GRAD_STYLE = "red"  # gradients flowing back
