"""What every command shares: reading the program, the point (--at), and the options for them."""

from __future__ import annotations

import os
import sys

from ...language import limits
from ...base.text import escape_controls, printable
from ...base.errors import InputError, listing
from ..output import echo
from ...language.source import read_program, read_text

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


def click_option(option, **extra):
    """The click option for an entry of ../options.py (``extra``: click-only settings, e.g. a callback)."""
    import click

    kwargs = {"help": option.help}
    if option.metavar is not None:
        kwargs["metavar"] = option.metavar
    if option.is_flag:
        kwargs["is_flag"] = True
    elif option.default is not None:
        kwargs.update(default=option.default, show_default=True)
    if option.multiple:
        kwargs["multiple"] = True
    if option.choices is not None:
        kwargs["type"] = click.Choice(list(option.choices))
    if option.int_range is not None:
        kwargs["type"] = click.IntRange(*option.int_range)
    kwargs.update(extra)
    return click.option(*option.flags, option.dest, **kwargs)


def program_options(f, point: bool = True, seed: bool = True, values: bool = True):
    """EXPR, -f FILE, --at, -i FILE, --output, --allow-nonfinite, --max-size and --debug (without
    ``point``: no --at, -i and --allow-nonfinite, for commands that only read the program; without
    ``values``: no -i, for batch, whose -i is its data)."""
    import click

    from .. import options

    decorators = [
        click.argument("expr", required=False, metavar="EXPR"),
        click_option(options.FILE, shell_complete=complete_file),
        click_option(options.AT),
        click_option(options.VALUES, shell_complete=complete_file),
        click_option(options.OUTPUT),
        # The old spelling of --of, kept working; a value that can only be a file goes to -o.
        click_option(options.OUTPUT_ALIAS, hidden=True),
        click_option(options.ALLOW_NONFINITE),
        max_size_option,
        click_option(options.SEED, type=int, expose_value=False, callback=_set_seed, is_eager=True),
        click_option(options.DEBUG, expose_value=False, callback=_set_debug, is_eager=True),
    ]
    if not point:
        del decorators[8], decorators[6], decorators[3], decorators[2]  # --seed, --allow-nonfinite, -i, --at
    else:
        if not seed:
            del decorators[8]  # the command has a --seed of its own
        if not values:
            del decorators[3]
        else:
            f = _merge_values_file(f)
    f = _merge_output_alias(f)
    for d in reversed(decorators):
        f = d(f)
    return f


def program_options_no_values(f):
    """program_options for batch, whose -i is the data it reads."""
    return program_options(f, values=False)


def _merge_values_file(f):
    """Read -i FILE into the point, before the --at values (which override it)."""
    import functools

    @functools.wraps(f)
    def command(*args, **kwargs):
        path = kwargs.pop("values_path", None)
        if path is not None:
            from ..values import read_values

            if path == "-" and (kwargs.get("file") == "-" or kwargs.get("expr") == "-"):
                raise InputError("standard input cannot hold both the program and the values (-i -)",
                                 "Put one of them in a file.")
            kwargs["at"] = (read_values(path, read_text(path)), *kwargs.get("at", ()))
        return f(*args, **kwargs)

    return command


def program_options_own_seed(f):
    """program_options for a command with its own --seed (quiz)."""
    return program_options(f, seed=False)


_FILE_NAME = None


def _looks_like_file(value: str) -> bool:
    """A plain file name with a suffix (x.svg, out/g.dot): never a name of the language."""
    global _FILE_NAME
    if _FILE_NAME is None:
        import re

        _FILE_NAME = re.compile(r"[\w.~/\\-]*\.[A-Za-z0-9]{1,8}")
    return value == "-" or bool(_FILE_NAME.fullmatch(value))


def _merge_output_alias(f):
    """Read the hidden --output: a name means --of NAME (its old meaning), a file name means -o FILE
    (what people type: `graph --output x.svg`)."""
    import functools

    @functools.wraps(f)
    def command(*args, **kwargs):
        import click

        alias = kwargs.pop("output_alias", None)
        if alias is not None:
            if _looks_like_file(alias):
                key = "out" if "out" in kwargs else "out_path" if "out_path" in kwargs else None
                if key is None:
                    raise click.UsageError(f"--output {alias}: this command writes to standard output; "
                                           "redirect it (> FILE).  --of NAME picks the value to differentiate.")
                if kwargs[key] in (None, "-"):
                    kwargs[key] = alias
            elif kwargs.get("output") is None:
                kwargs["output"] = alias
        return f(*args, **kwargs)

    return command


def complete_file(ctx, param, incomplete):
    """Shell completion of a file name (as click.Path offers, without its checks: the command
    reports a bad path in its own words)."""
    from click.shell_completion import CompletionItem

    return [CompletionItem(incomplete, type="file")]


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
    echo(escape_controls(f"Warning: {message}"), err=True)


def out_option(f, help_text: str = "Write the result to FILE instead of standard output ('-': standard output)."):
    """-o/--out FILE: where the command's result goes (every command spells it the same)."""
    import click

    return click.option("-o", "--out", "out", metavar="FILE", shell_complete=complete_file,
                        help=help_text)(f)


def labels_option(f):
    """--labels short|full: how the views name the nodes."""
    import click

    return click.option("--labels", type=click.Choice(["short", "full"]), default="short", show_default=True,
                        help="short: name every node as the lecture does (q, f, t1, t2, ...); "
                             "full: write out each node's whole subexpression.")(f)


class result_stream:
    """``with result_stream(out) as stream:`` standard output for None or '-', else FILE written
    atomically (a temporary name beside it, renamed when complete)."""

    def __init__(self, out) -> None:
        self.out = None if out in (None, "-") else out
        self.writer = None

    def __enter__(self):
        if self.out is None:
            return sys.stdout
        from ...base.files import atomic_write

        self.writer = atomic_write(self.out, "w", encoding="utf-8")
        try:
            return self.writer.__enter__()
        except OSError as e:
            raise InputError(f"cannot write {printable(self.out, 200)}: {e.strerror or e}") from None

    def __exit__(self, *exc):
        if self.writer is None:
            return False
        try:
            return self.writer.__exit__(*exc)
        except OSError as e:
            raise InputError(f"cannot write {printable(self.out, 200)}: {e.strerror or e}") from None
