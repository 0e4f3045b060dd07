"""Printing for the CLI without click: a line on stdout or stderr, and errors turned into exit codes.

The click group (group.py) and the fast entry point (entry.py) both report through ``report``, so a
failure reads the same, with the same exit code, whichever of them ran the command.
"""

from __future__ import annotations

import os
import sys
import time


def echo(text: str, err: bool = False, nl: bool = True) -> None:
    """Write a line (``nl``: with its newline) and flush, as click.echo does for text."""
    if "\x1b" in text:  # click strips escape sequences when the stream is not a terminal: let it
        import click

        click.echo(text, err=err, nl=nl)
        return
    stream = sys.stderr if err else sys.stdout
    if err:
        text = fit_message(text, stream)
    _write(stream, text + "\n" if nl else text)
    stream.flush()


def fit_message(text: str, stream) -> str:
    """A message on a terminal, its lines of words wrapped at the terminal's width (a source line and
    its caret, indented, are left whole: breaking them would move the caret).  Piped, unchanged."""
    try:
        if not stream.isatty():
            return text
    except (AttributeError, ValueError):
        return text
    from ..views.console import view_width

    width = view_width(stream=stream)
    lines = text.split("\n")
    if all(len(line) <= width for line in lines):
        return text
    from ..views.styled import wrap

    out = []
    for line in lines:
        out += [line] if len(line) <= width or line.startswith(" ") else wrap(line, width, indent=2)
    return "\n".join(out)


def fit_click_error(error) -> None:
    """click's own usage errors ("No such option", "EXPR came in 3 words") fitted as fit_message fits
    ours: click prints ``Error: <message>`` on standard error, so the message is wrapped with that
    prefix and handed back for click to print."""
    try:
        message = error.format_message()
    except Exception:  # a message click could not format: click prints its own
        return
    fitted = fit_message("Error: " + message, sys.stderr)
    if fitted != "Error: " + message:
        error.format_message = lambda: fitted[len("Error: "):]


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


#: errno values that mean "the output could not be written" (the disk, the pipe, the descriptor)
_WRITE_ERRNOS = {"ENOSPC", "EDQUOT", "EFBIG", "EIO", "EBADF", "EROFS", "ENXIO", "EPIPE", "ECONNRESET"}


def _write_errno(error: OSError) -> bool:
    import errno

    return errno.errorcode.get(error.errno, "") in _WRITE_ERRNOS


def io_message(error: OSError, default_target: str = "standard output") -> str:
    """'cannot write out.csv: No space left on device': what failed, where, and why, on one line."""
    from ..base.text import printable

    reason = error.strerror or str(error) or type(error).__name__
    if error.filename is not None:
        return f"cannot write {printable(str(error.filename), 200)}: {reason}"
    if _write_errno(error):
        return f"cannot write to {default_target}: {reason}"
    return f"input/output error: {reason}"


def silence_stdout() -> None:
    """Point standard output at /dev/null, so that what is still buffered for a reader that left (or
    a disk that is full) is dropped quietly at exit, not reported as 'Exception ignored'."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def _is_out_of_memory(error: BaseException) -> bool:
    if isinstance(error, MemoryError):
        return True
    # CPython raises SystemError (or OverflowError) in a few places when an allocation fails.
    text = str(error).lower()
    return isinstance(error, SystemError) and ("memory" in text or "null" in text)


OUT_OF_MEMORY = ("Error: out of memory: the input is too large for this machine.\n"
                 "Give a smaller input (--max-size sets the largest one read).\n").encode()

#: memory set aside at start-up and given back when memory runs out, so that the message can be
#: printed (untouched pages of a large bytearray cost address space, not RAM)
_reserve = None


def out_of_memory(error: BaseException) -> None:
    """Say 'out of memory' on stderr without needing memory to say it."""
    global _reserve
    _reserve = None
    # The frames of the failed step hold what filled the memory: let them go.
    error.__traceback__ = None
    error.__context__ = None
    try:
        import gc

        gc.collect()
        sys.stderr.write(OUT_OF_MEMORY.decode())
        sys.stderr.flush()
        return
    except BaseException:  # no memory even for that: straight to the descriptor
        pass
    try:
        os.write(2, OUT_OF_MEMORY)
    except OSError:
        pass


def report(error: BaseException, debug: bool = False) -> int:
    """Print what went wrong on stderr and return the exit code (re-raise an internal error with --debug)."""
    from ..base.errors import BackpropError

    try:
        return _report(error, debug, BackpropError)
    except MemoryError as again:  # reporting needed memory too
        out_of_memory(again)
        return 2
    except OSError:  # standard error itself cannot be written: the exit code is all that is left
        if isinstance(error, BackpropError):
            return error.exit_code
        return 0 if isinstance(error, BrokenPipeError) else 1


def _report(error, debug, BackpropError) -> int:
    if isinstance(error, BackpropError):
        from ..base.text import escape_controls

        echo(escape_controls(f"Error: {error.detail}"), err=True)
        if error.hint:
            echo(escape_controls(error.hint), err=True)
        return error.exit_code
    if isinstance(error, BrokenPipeError):
        # `backprop ... | head`: the reader left; that is not our error.
        silence_stdout()
        return 0
    if isinstance(error, Terminated):
        echo("Terminated.", err=True)
        return 128 + error.signal
    if isinstance(error, KeyboardInterrupt):
        echo("Interrupted.", err=True)
        return 130
    if _is_out_of_memory(error):
        out_of_memory(error)
        return 2
    if isinstance(error, OSError):
        # A full disk, a closed standard output: the environment failed, not backprop.
        if error.filename is None and _write_errno(error):
            silence_stdout()  # what is still buffered would fail again at exit
        echo(f"Error: {io_message(error)}", err=True)
        return 1
    if isinstance(error, UnicodeEncodeError):
        echo(f"Error: cannot write to standard output: its encoding ({error.encoding}) cannot show "
             f"{error.object[error.start:error.end]!a}", err=True)
        echo("Set PYTHONIOENCODING=utf-8 or a UTF-8 locale (LC_ALL=C.UTF-8).", err=True)
        return 1
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


def finish(code: int) -> int:
    """The end of a run: flush standard output, so that a write error there (a full disk, a reader
    that left) is reported like any other rather than by the interpreter at exit."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError) as e:
        if isinstance(e, ValueError):  # closed already
            return code
        failed = report(e)
        return failed if code == 0 else code
    return code


class ClosedStream:
    """Standard output when the shell closed it (`backprop ... >&-`): writing fails as the
    descriptor would (EBADF), so the run reports it instead of printing nowhere with exit 0."""

    encoding = "utf-8"
    errors = "strict"
    closed = False

    def write(self, text):
        import errno

        raise OSError(errno.EBADF, "it is closed (Bad file descriptor)")

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    @property
    def buffer(self):
        """The bytes underneath, for writers that write bytes (batch): closed just the same."""
        return self

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        import errno

        raise OSError(errno.EBADF, "it is closed (Bad file descriptor)")


class Terminated(KeyboardInterrupt):
    """SIGTERM (or SIGHUP) as an exception, so that a file being written is removed, not left half
    written, and the run ends as an interrupted one does."""

    def __init__(self, signal: int) -> None:
        super().__init__(signal)
        self.signal = signal


def _terminate(signum, frame):
    raise Terminated(signum)


def catch_termination() -> None:
    import _signal as signal  # the signal module's functions without its enums (1 ms of start-up)

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) == signal.SIG_DFL:
            signal.signal(number, _terminate)


def start_up() -> None:
    """At start-up: a closed standard output becomes a ClosedStream; the descriptors 0-2 are held
    open (on /dev/null) so that no file this run opens takes their place; a stream that cannot
    encode UTF-8 falls back to ASCII; SIGTERM ends the run as an interrupt does; and memory is set
    aside for the out-of-memory message; a closed standard input reads as one message (exit 2);
    Python's warnings (numpy's RuntimeWarning, a library's UserWarning) are never printed raw: what
    users need to know, backprop says in its own words."""
    import warnings

    from ..base.stdin import stand_in_for_closed_stdin

    warnings.simplefilter("ignore")
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                devnull = os.open(os.devnull, os.O_RDWR)
                if devnull != fd:
                    os.dup2(devnull, fd)
                    os.close(devnull)
            except OSError:
                pass
    if sys.stdout is None:
        sys.stdout = ClosedStream()
    stand_in_for_closed_stdin()
    for stream in (sys.stdout, sys.stderr):
        ascii_fallback(stream)
    catch_termination()
    global _reserve
    _reserve = bytes(8 << 20)  # calloc'd: its pages are not touched (bytearray's were: 2 ms a run)


#: what a character of the views becomes on a stream that cannot encode it (LC_ALL=C, PYTHONIOENCODING=ascii)
ASCII_FALLBACK = {
    "─": "-", "━": "-", "│": "|", "┃": "|", "┌": "+", "┐": "+", "└": "+", "┘": "+", "├": "+", "┤": "+",
    "┬": "+", "┴": "+", "┼": "+", "╭": "+", "╮": "+", "╰": "+", "╯": "+", "═": "=", "║": "|",
    "±": "+/-", "…": "...", "∂": "d", "×": "*", "·": ".", "→": "->", "←": "<-", "≤": "<=", "≥": ">=",
    "≈": "~", "−": "-", "√": "sqrt", "∞": "inf", "²": "^2", "³": "^3", "÷": "/", "•": "*", "▏": "|",
    "█": "#", "▌": "#", "▐": "#", "░": ".", "▒": ":", "▓": "#", "⋅": ".", "‖": "||", "⁻": "-",
    "“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-",
}
_ERRORS = "backprop-ascii"
_registered = False


def _braille(c: str) -> str:
    """A braille dot pattern (plotext's plots): blank or '*'."""
    if "\u2800" <= c <= "\u28ff":
        return " " if c == "\u2800" else "*"
    return ""


def _fallback(error: UnicodeEncodeError):
    bad = error.object[error.start:error.end]
    return "".join(ASCII_FALLBACK.get(c) or _braille(c) or (f"\\u{ord(c):04x}" if ord(c) < 0x10000 else f"\\U{ord(c):08x}")
                   for c in bad), error.end


def _ascii_codec(name: str):
    import codecs

    if name.replace("_", "-") != _ERRORS:
        return None

    def encode(text, errors="strict"):
        return codecs.ascii_encode(text, _ERRORS)

    class Encoder(codecs.IncrementalEncoder):
        def encode(self, text, final=False):
            return codecs.ascii_encode(text, _ERRORS)[0]

    return codecs.CodecInfo(encode, codecs.ascii_decode, name=_ERRORS, incrementalencoder=Encoder,
                            incrementaldecoder=codecs.getincrementaldecoder("ascii"))


def ascii_fallback(stream) -> None:
    """A stream whose encoding is not UTF-8 writes what it cannot encode in ASCII ('±' as '+/-',
    box lines as '-' and '|', anything else as a \\u escape) instead of failing.  The stream gets
    an encoding of its own name, so that click does not take it for a misconfigured ASCII stream
    and write UTF-8 to it after all."""
    global _registered
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if not encoding or encoding.startswith("utf") or not hasattr(stream, "reconfigure"):
        return
    if not _registered:
        import codecs

        codecs.register_error(_ERRORS, _fallback)
        codecs.register(_ascii_codec)
        _registered = True
    try:
        if encoding in ("ascii", "usascii", "ansix3.41968", "646"):
            stream.reconfigure(encoding=_ERRORS, errors="strict")
        else:  # latin-1 and the like: keep what they can show
            stream.reconfigure(errors=_ERRORS)
    except (ValueError, OSError, LookupError):
        pass


class Progress:
    """Rich's progress bar on stderr for a slow step, the one progress bar of every command: drawn only
    when the stream is a terminal, and only once the step has taken ``delay`` seconds (Rich is not
    even imported before); ``done()`` wipes it.  Called with a fraction done (``progress(0.4)``:
    parsing, checking), or advanced by amounts of ``total`` (``progress.advance(bytes, rows)``: batch,
    whose bar also counts rows; ``total`` None: a count without an end)."""

    def __init__(self, what: str, delay: float = 1.0, stream=None, total=1.0, rows: bool = False) -> None:
        self.what = what
        self.stream = stream or sys.stderr
        self.start = time.monotonic() + delay
        self.active = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.total = total
        self.rows = rows
        self.completed = 0.0
        self.row_count = 0
        self.bar = None
        self.drawn = 0.0

    def __call__(self, fraction: float) -> None:
        self.completed = min(max(fraction, 0.0), 1.0) * (self.total or 1.0)
        self._draw()

    def advance(self, amount: float, rows: int = 0) -> None:
        self.completed += amount
        self.row_count += rows
        self._draw()

    def _draw(self) -> None:
        if not self.active:
            return
        now = time.monotonic()
        if now < self.start:
            return
        if self.bar is None:
            self._open()
        elif now - self.drawn < 0.1 and (self.total is None or self.completed < self.total):
            return  # a terminal is slow: at most ten redraws a second
        self.bar.update(self.task, completed=self.completed, rows=self.row_count)
        self.bar.refresh()
        self.drawn = now

    def _open(self) -> None:
        from rich.progress import (BarColumn, Progress as Bar, TaskProgressColumn, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        from ..views.console import make_console

        columns = [TextColumn("{task.description}"), BarColumn(), TaskProgressColumn()]
        if self.rows:
            columns.append(TextColumn("{task.fields[rows]:,} rows"))
        columns += [TimeElapsedColumn(), TimeRemainingColumn()]
        console = make_console(file=self.stream, stderr=True)
        self.bar = Bar(*columns, console=console, transient=True, auto_refresh=False)
        self.bar.start()
        self.task = self.bar.add_task(self.what, total=self.total, rows=0)

    def done(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.done()
        return False
