"""What every command shares: reading the program, the point (--at), and the options for them."""

from __future__ import annotations

import sys

from ...language import limits
from ...base.text import escape_controls, printable
from ...base.errors import InputError
from ..output import echo
from ...language.source import read_program

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


def _set_seed(ctx, param, value):
    ctx.meta["backprop.seed"] = value
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
        kwargs.update(default=option.default, show_default=option.show_default)
    if option.multiple:
        kwargs["multiple"] = True
    if option.required:
        kwargs["required"] = True
    if option.choices is not None:
        kwargs["type"] = click.Choice(list(option.choices))
    if option.int_range is not None:
        kwargs["type"] = click.IntRange(*option.int_range)
    if option.float_range is not None:
        low, high, low_open = option.float_range
        kwargs["type"] = float if low is None and high is None else click.FloatRange(low, high, min_open=low_open)
    kwargs.update(extra)
    return click.option(*option.flags, option.dest, **kwargs)


def program_options(f, point: bool = True, seed: bool = True, values: bool = True):
    """EXPR, -f FILE, --at, -i FILE, --of, --allow-nonfinite, --seed, --max-size and --debug, handed
    to the command as one ``program`` (a ProgramArgs: ``program.load()`` is the front door).
    Without ``point``: no --at, -i, --seed and --allow-nonfinite, for commands that only read the
    program; without ``seed``: the command has a --seed of its own (quiz); without ``values``: no -i,
    for batch, whose -i is its data."""
    import click

    from .. import options

    given = [
        (True, click.argument("expr", required=False, metavar="EXPR")),
        (True, click_option(options.FILE, shell_complete=complete_file)),
        (point, click_option(options.AT)),
        (point and values, click_option(options.VALUES, shell_complete=complete_file)),
        (True, click_option(options.OUTPUT)),
        # The old spelling of --of, kept working; a value that can only be a file goes to -o.
        (True, click_option(options.OUTPUT_ALIAS, hidden=True)),
        (point, click_option(options.ALLOW_NONFINITE)),
        (True, max_size_option),
        (point and seed, click_option(options.SEED, expose_value=False, callback=_set_seed, is_eager=True)),
        (True, click_option(options.DEBUG, expose_value=False, callback=_set_debug, is_eager=True)),
    ]
    decorators = [d for wanted, d in given if wanted]
    f = _merge_output_alias(_program_args(f))
    for d in reversed(decorators):
        f = d(f)
    return f


class ProgramArgs:
    """What the options say about the program and its inputs; ``load()`` reads them once, through
    the API (api.load), with a progress bar for big inputs and the API's notes as warnings."""

    __slots__ = ("expr", "file", "at", "values", "output", "allow_nonfinite", "seed")

    def __init__(self, expr=None, file=None, at=(), values=None, output=None, allow_nonfinite=False,
                 seed=None):
        self.expr = expr
        self.file = file
        self.at = at
        self.values = values
        self.output = output
        self.allow_nonfinite = allow_nonfinite
        self.seed = seed

    def load(self, collapse=None, also_bound=(), at=None, source=None, origin=""):
        """The api.Program (``at``: other --at items, e.g. a default for a swept input; ``source``:
        the program's text already read)."""
        from ...api import load
        from ..output import Progress

        progress = Progress("parsing")  # on a terminal, once parsing has taken a second
        try:
            program = load(None if source is not None else self.expr, file=self.file, source=source,
                           origin=origin, at=self.at if at is None else at, values=self.values,
                           output=self.output, collapse=collapse, seed=self.seed,
                           allow_nonfinite=self.allow_nonfinite, also_bound=also_bound, progress=progress)
        finally:
            progress.done()
        for note in program.notes:
            warn(note)
        return program

    def run(self, record=True, collapse=None):
        """Load and run: the engine's Result, with its warnings said."""
        result = self.load(collapse=collapse).run(record=record)
        for message in result.warnings:
            warn(message)
        return result

    def read_source(self) -> tuple:
        """The program's text and its origin, read once (for commands that split it first)."""
        return read_program(self.expr, self.file)


def _program_args(f):
    """Hand the program's options to the command as one ``program`` (ProgramArgs)."""
    import functools

    @functools.wraps(f)
    def command(*args, **kwargs):
        import click

        ctx = click.get_current_context(silent=True)
        keep_inputs(kwargs.get("out"), kwargs.get("file"), kwargs.get("values_path"))
        kwargs["program"] = ProgramArgs(
            kwargs.pop("expr", None), kwargs.pop("file", None), kwargs.pop("at", ()),
            kwargs.pop("values_path", None), kwargs.pop("output", None), kwargs.pop("allow_nonfinite", False),
            None if ctx is None else ctx.meta.get("backprop.seed"))
        return f(*args, **kwargs)

    return command


def keep_inputs(out, *inputs) -> None:
    """-o naming the program file or the -i file the run reads (or a link to one): refused before
    anything is read, so that no run writes over its own input."""
    if out in (None, "-"):
        return
    import os

    for path in inputs:
        if path in (None, "-"):
            continue
        try:
            same = os.path.samefile(out, path)
        except (OSError, ValueError):
            continue  # one of them does not exist (yet): nothing to lose
        if same:
            what = "the program file" if path == inputs[0] else "the values file (-i)"
            raise InputError(f"-o {printable(out, 200)} is {what} this run reads ({printable(path, 200)}): "
                             "writing it would destroy it",
                             "Write the result to another file.")


def program_options_no_values(f):
    """program_options for batch, whose -i is the data it reads."""
    return program_options(f, values=False)


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
    from .. import options

    return click_option(options.COLLAPSE, type=click.Choice(["none", *CHOICES]))(f)


def warn(message: str) -> None:
    echo(escape_controls(f"Warning: {message}"), err=True)


def out_option(f, option=None):
    """-o/--out FILE: where the command's result goes (every command spells it the same)."""
    from .. import options

    return click_option(option or options.OUT, shell_complete=complete_file)(f)


def labels_option(f):
    """--labels short|full: how the views name the nodes."""
    from .. import options

    return click_option(options.LABELS)(f)


#: -o's suffixes that name a format (the name a script reads the file by)
SUFFIX_FORMATS = {".json": ("json", "JSON"), ".tex": ("latex", "LaTeX")}


def suffix_agrees(out: str, fmt: str, command: str) -> None:
    """-o FILE.json or FILE.tex with a --format that writes something else: refused, so that a script
    never finds a table in its .json file."""
    import os

    from .. import options

    suffix = os.path.splitext(out)[1].lower()
    if suffix not in SUFFIX_FORMATS or SUFFIX_FORMATS[suffix][0] == fmt:
        return
    wanted, called = SUFFIX_FORMATS[suffix]
    choices = options.FORMATS[command].choices
    what = f"-o {printable(out, 200)}: a {suffix} file, but the result is --format {fmt}"
    if wanted in choices:
        raise InputError(what, f"Add --format {wanted}, or name the file for what it holds (.txt).")
    raise InputError(what, f"backprop {command} writes no {called} (--format {'/'.join(choices)}): name the "
                           f"file for what it holds (.txt).")


class result_stream:
    """``with result_stream(out) as stream:`` standard output for None or '-', else FILE written through
    files.output_file (a regular file atomically; a device, FIFO or link as what it is).  ``binary``:
    a byte stream.  A MathError (a failed check: the report is whole) keeps the file; any other
    error leaves what was at FILE as it was."""

    def __init__(self, out, binary: bool = False, fmt: str = None, command: str = None) -> None:
        self.out = None if out in (None, "-") else out
        self.binary = binary
        self.writer = None
        if self.out is not None and not binary and self.out.lower().endswith((".npz", ".npy")):
            raise InputError(f"-o {printable(self.out, 200)}: this command writes text, not numpy arrays",
                             "backprop eval -o FILE.npz writes values and gradients as arrays; here use "
                             "another suffix (.txt, .json).")
        if self.out is not None and fmt is not None:
            suffix_agrees(self.out, fmt, command)

    def __enter__(self):
        if self.out is None:
            return sys.stdout.buffer if self.binary else sys.stdout
        from ...base.files import output_file

        self.writer = output_file(self.out, "wb") if self.binary else output_file(self.out, "w", encoding="utf-8")
        return self.writer.__enter__()

    def __exit__(self, kind, error, traceback):
        if self.writer is None:
            return False
        from ...base.errors import MathError

        if kind is not None and issubclass(kind, MathError):
            kind = error = traceback = None  # the result is whole; the error still goes on
        self.writer.__exit__(kind, error, traceback)  # output_file: its errors name FILE
        return False


class output_to:
    """``with output_to(out):`` what the command prints on standard output goes to FILE instead (for
    commands that print through click.echo and Rich consoles: check, optimize, quiz, gates)."""

    def __init__(self, out, fmt: str = None, command: str = None) -> None:
        self.stream = result_stream(out, fmt=fmt, command=command)
        self.saved = None

    def __enter__(self):
        stream = self.stream.__enter__()
        self.saved = sys.stdout
        sys.stdout = stream
        return stream

    def __exit__(self, *exc):
        sys.stdout = self.saved
        return self.stream.__exit__(*exc)
