"""The %backprop magics: ``%load_ext backprop_cli``, then

    %%backprop --at x=-2,y=5,z=-4          a program in the cell's body
    q = x + y
    f = q * z

    %backprop (x+y)*z --at x=-2,y=5,z=-4   one line; r = %backprop ... keeps the result

The options are `backprop eval`'s, built from the same entries (cli/options.py) and read by click:
--at, -i, -f, --of, --allow-nonfinite, --seed, --format table|tree|json|latex, --digits, --collapse,
--labels, --get.  The result is evaluate()'s (api.py), which shows itself (display.py).  A mistake is
one message, as on the command line, never a traceback."""

from __future__ import annotations

import shlex
import sys

_COMMAND = None


def _command():
    """The magic's options as a click command whose callback returns what it was given."""
    global _COMMAND
    if _COMMAND is None:
        import click

        from ..cli import options
        from ..cli.commands.common import click_option, collapse_option, labels_option

        @click.command("%backprop", context_settings={"help_option_names": ["-h", "--help"]})
        @click_option(options.FILE)
        @click_option(options.AT)
        @click_option(options.VALUES)
        @click_option(options.OUTPUT)
        @click_option(options.ALLOW_NONFINITE)
        @click_option(options.SEED)
        @click_option(options.FORMAT)
        @click_option(options.DIGITS)
        @collapse_option
        @labels_option
        @click.option("--get", "get", multiple=True, metavar="NAME",
                      help="Give only this number: the output (f), a named value, or a gradient such as df/dx.")
        def command(**given):
            """%backprop EXPR [OPTIONS] or %%backprop [OPTIONS] over a program in the cell."""
            return given

        _COMMAND = command
    return _COMMAND


def _flags() -> set:
    return {"-h", "--help"} | {flag for param in _command().params for flag in (*param.opts, *param.secondary_opts)}


def split_line(line: str) -> tuple:
    """(expression, option tokens): the words before the first option make the expression, so that
    `%backprop (x + y) * z --at x=1` and `%backprop -x^2 --at x=3` both read as written."""
    try:
        tokens = shlex.split(line)
    except ValueError as e:
        raise _usage(f"cannot read the line: {e}")
    flags = _flags()
    for k, token in enumerate(tokens):
        if token.split("=", 1)[0] in flags:
            return " ".join(tokens[:k]), tokens[k:]
    return " ".join(tokens), []


def _usage(message: str):
    from IPython.core.error import UsageError

    return UsageError(message)


def run(line: str, cell: str = None):
    """What %backprop and %%backprop do: the result, shown the way --format asks."""
    import click

    from ..base.errors import BackpropError

    if cell is None:
        expr, tokens = split_line(line)
    else:
        try:
            tokens = shlex.split(line)
        except ValueError as e:
            raise _usage(f"cannot read the options: {e}")
        expr = cell
    try:
        given = _command().main(tokens, prog_name="%backprop", standalone_mode=False)
    except click.ClickException as e:
        raise _usage(e.format_message()) from None
    if not isinstance(given, dict):  # --help was shown
        return None
    try:
        return _show(expr, given)
    except BackpropError as e:
        from ..base.text import escape_controls

        raise _usage(escape_controls(str(e))) from None  # the message and its hint, as the CLI says them


def _show(expr: str, given: dict):
    from ..api import load
    from ..base.errors import InputError
    from ..views.display import Evaluation

    file = given["file"]
    if file is not None and expr.strip():
        raise InputError("give either a program or -f FILE, not both")
    if "-" in (file, expr.strip(), given["values_path"]):
        raise InputError("a notebook has no standard input to read ('-')",
                         "Put the program in the cell (%%backprop), or give a file.")
    program = load(None if file is not None else expr, file=file, at=given["at"], values=given["values_path"],
                   output=given["output"], collapse=given["collapse"], seed=given["seed"],
                   allow_nonfinite=given["allow_nonfinite"])
    for message in program.notes:
        print(f"Warning: {message}", file=sys.stderr)
    result = Evaluation.of(program.run(), given["digits"], given["labels"])
    for message in result.warnings:
        print(f"Warning: {message}", file=sys.stderr)
    if given["get"]:
        from ..views.get import lookup

        numbers = {name: lookup(result, name) for name in given["get"]}
        return next(iter(numbers.values())) if len(numbers) == 1 else numbers
    fmt = given["fmt"]
    if fmt == "tree":
        return result.tree()
    if fmt == "json":
        return result.json()
    if fmt == "latex":
        from html import escape

        from ..views.display import Shown

        text = result.latex()
        return Shown(f"<pre>{escape(text)}</pre>", text)
    return result


def backprop(line: str, cell: str = None):
    """%backprop EXPR --at x=-2,y=5,z=-4 [--format table|tree|json|latex] [--collapse sigmoid]
    [--labels full] [--digits N] [--get NAME]; %%backprop [options] with the program in the cell."""
    return run(line, cell)


def load_ipython_extension(ipython) -> None:
    """%load_ext backprop_cli"""
    ipython.register_magic_function(backprop, magic_kind="line_cell", magic_name="backprop")
