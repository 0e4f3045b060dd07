"""Standard input when the process was started with it closed (``backprop eval - <&-``): Python
then sets ``sys.stdin`` to None, and every command that reads '-' would fail on None.read.  This
stand-in answers every read with one message (exit 2), and says it is not a terminal."""

from __future__ import annotations

import sys

from .errors import InputError


class ClosedInput:
    """Reads raise InputError; ``isatty`` is False."""

    closed = True

    def _closed(self, *args, **kwargs):
        raise InputError("cannot read standard input: it is closed",
                         "Give the program as an argument or with -f FILE, or pipe it in: ... | backprop eval -")

    read = readline = readlines = fileno = __iter__ = _closed

    @property
    def buffer(self):
        self._closed()

    def isatty(self) -> bool:
        return False

    def close(self) -> None:
        pass


def stand_in_for_closed_stdin() -> None:
    """Put a ClosedInput where a closed standard input left None."""
    if sys.stdin is None:
        sys.stdin = ClosedInput()
