"""What every command shares: reading the program, the point (--at), and the options for them."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Optional

from ...language import limits
from ...errors import InputError, listing
from ..output import echo

#: the default input-size limit; --max-size and BACKPROP_MAX_SIZE change it (see limits.py).
MAX_INPUT_BYTES = limits.DEFAULT_MAX_BYTES


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


def set_max_size(ctx, param, value):
    """--max-size: the input-size limit for this run (on the group and on every command)."""
    if value is None:
        if ctx.parent is None:
            limits.set_max_bytes(None)  # a new run starts from the environment or the default
        return None
    try:
        limit = limits.parse_size(value)
    except InputError as e:
        import click

        raise click.BadParameter(f"{e.message}. {e.hint}", ctx, param) from None
    limits.set_max_bytes(limit)
    return limit


def max_size_option(f):
    import click

    return click.option("--max-size", metavar="SIZE", expose_value=False, callback=set_max_size,
                        is_eager=True,
                        help=f"Largest input to read, e.g. 20MB (default {limits.describe(limits.DEFAULT_MAX_BYTES)}, "
                             f"or ${limits.ENV_MAX_SIZE}; 0: no limit).")(f)


#: --seed for randn(...) in input lines (None: the default seed)
SEED = None


def _set_seed(ctx, param, value):
    global SEED
    SEED = value
    return value


def program_options(f, point: bool = True, seed: bool = True):
    """EXPR, -f FILE, --at, --output, --allow-nonfinite, --max-size and --debug (without ``point``:
    no --at and --allow-nonfinite, for commands that only read the program)."""
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
        max_size_option,
        click.option("--seed", type=int, expose_value=False, callback=_set_seed, is_eager=True,
                     metavar="N", help="Seed for randn(...) starting values of tensor inputs (default 0)."),
        click.option("--debug", is_flag=True, expose_value=False, callback=_set_debug, is_eager=True,
                     help="Show the Python traceback of an internal error."),
    ]
    if not point:
        del decorators[6], decorators[4], decorators[2]  # --seed, --allow-nonfinite, --at
    elif not seed:
        del decorators[6]  # the command has a --seed of its own
    for d in reversed(decorators):
        f = d(f)
    return f


def program_options_own_seed(f):
    """program_options for a command with its own --seed (quiz)."""
    return program_options(f, seed=False)


def source_options(f):
    """EXPR, -f FILE, --output, --max-size and --debug: for commands that need no point."""
    return program_options(f, point=False)


def collapse_option(f):
    """--collapse PATTERN: fold a chain of gates into one before running (default: none)."""
    import click

    from ...transforms.collapse import CHOICES

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
        text, origin = _read(file), ("<stdin>" if file == "-" else file)
    elif expr == "-":
        text, origin = _read("-"), "<stdin>"
    else:
        text, origin = expr, ""
    limits.check_source(text, origin)
    return text, origin


def _read(path: str) -> str:
    shown = "standard input" if path == "-" else limits.printable(path, 200)
    limit = limits.max_bytes()
    try:
        if path == "-":
            if hasattr(sys.stdin, "buffer"):
                data = _read_at_most(sys.stdin.buffer, limit)
            else:
                data = sys.stdin.read(limit + 1 if limit else -1).encode("utf-8", "surrogateescape")
        else:
            with open(path, "rb") as fh:
                data = _read_at_most(fh, limit)
    except FileNotFoundError:
        raise InputError(f"cannot read {shown}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"cannot read {shown}: it is a directory") from None
    except OSError as e:
        raise InputError(f"cannot read {shown}: {e.strerror or e}") from None
    except ValueError as e:  # a path with a NUL byte in it
        raise InputError(f"cannot read {shown}: {e}") from None
    if limit and len(data) > limit:
        raise limits.too_large(shown, limit)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{shown} is not UTF-8 text (byte {e.start} is {data[e.start]:#04x})",
                         "Save the program as UTF-8; a program is plain text.") from None


def _read_at_most(fh, limit: int) -> bytes:
    """Up to ``limit`` + 1 bytes (one more tells that the input is too large); 0: everything.
    In chunks, so that a large limit does not allocate a buffer of its size up front."""
    chunks, total = [], 0
    while not limit or total <= limit:
        want = 1 << 20 if not limit else min(1 << 20, limit + 1 - total)
        chunk = fh.read(want)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def load(expr, file, at, output, allow_nonfinite, record=True, collapse=None):
    """Read, parse and run the program: the engine's Result.  Warns about unused --at names.
    ``collapse`` names a graph rewrite (see backprop_cli/collapse.py) done before running."""
    from ...api import parse_at
    from ...core.engine import run

    source, origin = read_program(expr, file)
    point = parse_at(at)
    graph = build_graph(source, origin, point, output, expr=expr, file=file)
    if graph.tensor or any(type(v) is not float for v in point.values()):
        from ...core.vectorized import run_tensor

        return run_tensor(graph, point, SEED, allow_nonfinite)
    if collapse and collapse != "none":
        from ...transforms.collapse import collapse as rewrite

        graph = rewrite(graph, collapse)
    return run(graph, point, allow_nonfinite=allow_nonfinite, record=record)


def build_graph(source, origin, point, output, expr=None, file=None, also_bound=()):
    """Parse the program (with a progress bar on a terminal for big inputs) and warn about --at
    names it does not use.  ``also_bound``: other names given values from outside (batch columns,
    plot's --over), which shadow pi and e like --at does."""
    from ...api import build
    from ..output import Progress

    progress = Progress("parsing")  # on a terminal, once parsing has taken a second
    try:
        graph = build(source, at=[*point, *also_bound], output=output, origin=origin, progress=progress)
    except InputError as e:
        if expr is not None and file is None and os.path.isfile(expr):
            e.hint = f"{e.hint or ''}\nTo read the program from the file {expr}, use -f {expr}.".strip()
        raise
    finally:
        progress.done()
    unused = [name for name in point if name not in graph.inputs]
    if unused:
        s = "s" if len(unused) > 1 else ""
        warn(f"--at {listing(unused)}: the program has no input{s} of that name; ignored")
    return graph


def scalar_only(graph, point, command: str) -> None:
    """Commands that work on numbers only refuse a tensor program with one clear message (exit 2)."""
    if graph.tensor or any(type(v) is not float for v in (point or {}).values()):
        raise InputError(f"{command} takes scalar programs only, and this one uses vectors or matrices",
                         "Tensor programs run with eval, trace, check, graph, optimize and "
                         "codegen --lang numpy.")


def warn(message: str) -> None:
    echo(f"Warning: {message}", err=True)
