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


class AnsiConsole:
    """The table view on a terminal without importing Rich: bold, green and red written as the same
    ANSI escapes Rich writes (tests/test_entry.py compares them byte for byte).  ``terminal_console``
    makes one only where Rich would colour with no surprises; the table asks ``fits`` and hands a
    line too wide for the terminal (which Rich would wrap) to Rich."""

    is_terminal = True
    color_system = "standard"  # what the table view asks; the three colours are the same in every system
    writes_ansi = True

    def __init__(self, file, width: int, no_color: bool = False):
        self.file = file
        self.width = width
        self.no_color = no_color

    def fits(self, lines) -> bool:
        return all(len(line) <= self.width and (line.isascii() and line.isprintable() or
                                                  set(line) == {"─"}) for line in lines)

    def styled(self, text: str, style) -> str:
        codes = []
        for word in (style or "").split():
            if word == "bold":
                codes.append("1")
            elif not self.no_color:
                codes.append(_COLOURS[word])
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m" if codes and text else text


_COLOURS = {"green": "32", "red": "31"}


def terminal_console(file=None):
    """An AnsiConsole when the output is a terminal that Rich would colour plainly, else None (then
    use make_console).  Anything unusual (FORCE_COLOR, TTY_COMPATIBLE, a dumb terminal, Windows,
    Jupyter, an unknown width) is left to Rich."""
    stream = file or sys.stdout
    env = os.environ
    if sys.platform == "win32" or "FORCE_COLOR" in env or "TTY_COMPATIBLE" in env or "IPython" in sys.modules \
            or env.get("TERM", "").strip().lower() in ("dumb", "unknown"):
        return None
    try:
        if not stream.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return AnsiConsole(stream, _width(), no_color=env.get("NO_COLOR", "") != "")


#: narrowest width any view lays itself out for
MIN_WIDTH = 20


def view_width(console=None, stream=None) -> int:
    """The one width policy of every view: on a terminal, the terminal's width (Rich's, for a Rich
    console); piped, $COLUMNS; else 80.  Never below MIN_WIDTH.  A view may lay itself out narrower
    (a plot no wider than is readable), never wider."""
    if console is not None and console.is_terminal:
        return max(MIN_WIDTH, console.width)
    if stream is not None and hasattr(stream, "isatty") and stream.isatty():
        return max(MIN_WIDTH, _width())
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return max(MIN_WIDTH, int(columns))
    return 80


def view_height(stream=None, default: int = 24) -> int:
    """The terminal's lines when ``stream`` is one ($LINES over it), else ``default``."""
    import shutil

    if stream is not None and hasattr(stream, "isatty") and stream.isatty():
        return shutil.get_terminal_size((80, default)).lines
    lines = os.environ.get("LINES", "")
    return int(lines) if lines.isdigit() and int(lines) > 0 else default


def _width() -> int:
    """The terminal's width as Rich's Console.size finds it: the first standard stream that is a
    terminal, COLUMNS over it, 80 when neither says (a pseudo-terminal may report 0)."""
    width = None
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):
            continue
        break
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        width = int(columns)
    return width or 80


def view_console(file=None):
    """The console for a view written through ``styled.writer_for`` (trace, check, quiz, the
    grader): Rich's, or where Rich would only write plain text or its three colours, a PlainConsole
    or an AnsiConsole, so that Rich is not imported (a fifth of such a command's start-up)."""
    return plain_console(file) or terminal_console(file) or make_console(file=file)


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
