"""What every command shares: reading the program, the point (--at), and the options for them."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Optional

from ..errors import InputError
from ..output import echo

MAX_INPUT_BYTES = 10_000_000


def _set_debug(ctx, param, value):
    if value:
        ctx.meta["backprop.debug"] = True
    return value


def __getattr__(name):
    # click is imported only when a click command is built, so that the fast entry point
    # (entry.py) can use load() and warn() without it.
    if name == "ExpressionCommand":
        from .expression import ExpressionCommand

        return ExpressionCommand
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def program_options(f):
    """EXPR, -f FILE, --at, --output, --allow-nonfinite and --debug."""
    import click

    decorators = [
        click.argument("expr", required=False, metavar="EXPR"),
        click.option("-f", "--file", "file", metavar="FILE",
                     help="Read the program from FILE ('-' for standard input) instead of EXPR."),
        click.option("--at", "at", multiple=True, metavar="NAME=VALUE,...",
                     help="Input values, e.g. --at x=-2,y=5 or --at x=pi/4 (repeatable)."),
        click.option("--output", "output", metavar="NAME",
                     help="Differentiate the value named NAME instead of the last statement."),
        click.option("--allow-nonfinite", is_flag=True,
                     help="Let inf and nan flow through (IEEE) instead of stopping at an undefined value."),
        click.option("--debug", is_flag=True, expose_value=False, callback=_set_debug, is_eager=True,
                     help="Show the Python traceback of an internal error."),
    ]
    for d in reversed(decorators):
        f = d(f)
    return f


def collapse_option(f):
    """--collapse PATTERN: fold a chain of gates into one before running (default: none)."""
    import click

    from ..collapse import CHOICES

    return click.option("--collapse", "collapse", type=click.Choice(["none", *CHOICES]), default="none",
                        show_default=True,
                        help="Fold 1/(1+exp(-z)) into one sigmoid gate, as the lecture does.")(f)


def read_program(expr: Optional[str], file: Optional[str]) -> tuple:
    """The program's text and where it came from (for messages)."""
    if expr is not None and file is not None:
        raise InputError("give either EXPR or -f FILE, not both")
    if expr is None and file is None:
        raise InputError("no expression given",
                         "Pass one as an argument, e.g. backprop eval \"(x+y)*z\" --at x=-2,y=5,z=-4, "
                         "or read a program with -f FILE.")
    if file is not None:
        return _read(file), ("<stdin>" if file == "-" else file)
    if expr == "-":
        return _read("-"), "<stdin>"
    return expr, ""


def _read(path: str) -> str:
    try:
        if path == "-":
            data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1) if hasattr(sys.stdin, "buffer") \
                else sys.stdin.read(MAX_INPUT_BYTES + 1).encode()
        else:
            with open(path, "rb") as fh:
                data = fh.read(MAX_INPUT_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"cannot read {path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"cannot read {path}: it is a directory") from None
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{'standard input' if path == '-' else path} is larger than "
                         f"{MAX_INPUT_BYTES // 1_000_000} MB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{'standard input' if path == '-' else path} is not UTF-8 text "
                         f"(byte {e.start} is {data[e.start]:#04x})") from None


def load(expr, file, at, output, allow_nonfinite, record=True, collapse=None):
    """Read, parse and run the program: the engine's Result.  Warns about unused --at names.
    ``collapse`` names a graph rewrite (see backprop_cli/collapse.py) done before running."""
    from ..api import build, parse_at
    from ..engine import run

    source, origin = read_program(expr, file)
    point = parse_at(at)
    from ..output import Progress

    progress = Progress("parsing")  # on a terminal, once parsing has taken a second
    try:
        graph = build(source, at=point, output=output, origin=origin, progress=progress)
    except InputError as e:
        if expr is not None and file is None and os.path.isfile(expr):
            e.hint = f"{e.hint or ''}\nTo read the program from the file {expr}, use -f {expr}.".strip()
        raise
    finally:
        progress.done()
    unused = [name for name in point if name not in graph.inputs]
    if unused:
        s = "s" if len(unused) > 1 else ""
        warn(f"--at {', '.join(unused)}: the program has no input{s} of that name; ignored")
    if collapse and collapse != "none":
        from ..collapse import collapse as rewrite

        graph = rewrite(graph, collapse)
    return run(graph, point, allow_nonfinite=allow_nonfinite, record=record)


def warn(message: str) -> None:
    echo(f"Warning: {message}", err=True)
