"""Printing for the CLI without click: a line on stdout or stderr, and errors turned into exit codes.

The click group (group.py) and the fast entry point (entry.py) both report through ``report``, so a
failure reads the same, with the same exit code, whichever of them ran the command.
"""

from __future__ import annotations

import os
import sys
import time


def echo(text: str, err: bool = False) -> None:
    """Write a line and flush, as click.echo does for text."""
    if "\x1b" in text:  # click strips escape sequences when the stream is not a terminal: let it
        import click

        click.echo(text, err=err)
        return
    stream = sys.stderr if err else sys.stdout
    _write(stream, text + "\n")
    stream.flush()


def echo_pieces(pieces, err: bool = False) -> None:
    """Write text made piece by piece as it comes, then a newline, as ``echo("".join(pieces))`` would,
    without holding it all.  For text with no escape sequences in it (JSON escapes them)."""
    stream = sys.stderr if err else sys.stdout
    if not _utf8_or_ascii(stream):
        # A piece this encoding cannot write switches to UTF-8 bytes; the pieces before it would be in
        # another encoding.  echo() writes the whole text in one or the other.
        echo("".join(pieces), err=err)
        return
    for piece in pieces:
        _write(stream, piece)  # ASCII is UTF-8 too: a switch midway writes the same bytes as echo()
    _write(stream, "\n")
    stream.flush()


def _utf8_or_ascii(stream) -> bool:
    import codecs

    try:
        return codecs.lookup(getattr(stream, "encoding", None) or "").name in ("utf-8", "ascii")
    except LookupError:
        return False


def _write(stream, data: str) -> None:
    try:
        stream.write(data)
    except UnicodeEncodeError:  # a stream that cannot encode the text: UTF-8 bytes, as click would
        buffer = getattr(stream, "buffer", None)
        if buffer is None:
            raise
        stream.flush()
        buffer.write(data.encode("utf-8", "replace"))


def report(error: BaseException, debug: bool = False) -> int:
    """Print what went wrong on stderr and return the exit code (re-raise an internal error with --debug)."""
    from ..errors import BackpropError

    if isinstance(error, BackpropError):
        echo(f"Error: {error.detail}", err=True)
        if error.hint:
            echo(error.hint, err=True)
        return error.exit_code
    if isinstance(error, BrokenPipeError):
        # `backprop ... | head`: the reader left; that is not our error.
        sys.stderr.close()
        return 0
    if isinstance(error, KeyboardInterrupt):
        echo("Interrupted.", err=True)
        return 130
    if isinstance(error, MemoryError):
        echo("Error: out of memory: the input is too large for this machine.", err=True)
        echo("Give a smaller input (--max-size sets the largest one read).", err=True)
        return 2
    if isinstance(error, Exception):  # an internal error: one line, and the way to see more
        if debug or os.environ.get("BACKPROP_DEBUG"):
            raise error
        what = " ".join(str(error).split())  # one line, however the exception reads
        if len(what) > 200:
            what = what[:199] + "…"
        echo(f"Internal error: {type(error).__name__}{': ' + what if what else ''}. "
             "This is a bug in backprop; rerun with --debug for the traceback.", err=True)
        return 70
    raise error


class Progress:
    """A progress bar on stderr for a slow step: drawn only on a terminal, and only once the step
    has taken more than ``delay`` seconds; ``done()`` wipes it."""

    def __init__(self, what: str, delay: float = 1.0, stream=None) -> None:
        self.what = what
        self.stream = stream or sys.stderr
        self.start = time.monotonic() + delay
        self.active = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.shown = False

    def __call__(self, fraction: float) -> None:
        if not self.active or time.monotonic() < self.start:
            return
        width = 30
        filled = int(min(max(fraction, 0.0), 1.0) * width)
        self.stream.write(f"\r{self.what} {fraction:4.0%} [{'#' * filled}{'.' * (width - filled)}]")
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * (len(self.what) + 40) + "\r")
            self.stream.flush()
            self.shown = False
