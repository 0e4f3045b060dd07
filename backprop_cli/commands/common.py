"""What every command shares: reading the program, the point (--at), and the options for them."""

from __future__ import annotations

import os
import sys
from typing import Optional

import click

from ..errors import InputError

MAX_INPUT_BYTES = 10_000_000


class ExpressionCommand(click.Command):
    """A command whose EXPR may start with '-' ("-x^2"): such an argument is taken as the
    expression, not as an unknown option."""

    def parse_args(self, ctx, args):
        takes_value = set()
        known = set()
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                names = param.opts + param.secondary_opts
                known.update(names)
                if not param.is_flag and not param.count:
                    takes_value.update(param.opts)
        out, moved, skip_next = [], [], False
        for k, arg in enumerate(args):
            if skip_next:
                skip_next = False
                out.append(arg)
                continue
            if arg == "--":
                out.extend(args[k:])
                break
            if arg in takes_value:
                skip_next = True
            elif _looks_like_expression(arg, known, takes_value):
                moved.append(arg)
                continue
            out.append(arg)
        if moved:
            out += moved if "--" in out else ["--", *moved]
        return super().parse_args(ctx, out)


def _looks_like_expression(arg: str, known: set, takes_value: set) -> bool:
    if not arg.startswith("-") or arg == "-" or arg in known:
        return False
    if arg.startswith("--") and (arg[2:3].isalpha() or arg.split("=", 1)[0] in known):
        return False  # a long option, known or not (click says which is unknown)
    return arg[:2] not in takes_value  # not -fFILE, a short option with its value attached


def _set_debug(ctx, param, value):
    if value:
        ctx.meta["backprop.debug"] = True
    return value


def program_options(f):
    """EXPR, -f FILE, --at, --output, --allow-nonfinite and --debug."""
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


def load(expr, file, at, output, allow_nonfinite, record=True):
    """Read, parse and run the program: the engine's Result.  Warns about unused --at names."""
    from ..api import build, parse_at
    from ..engine import run

    source, origin = read_program(expr, file)
    point = parse_at(at)
    try:
        graph = build(source, at=point, output=output, origin=origin)
    except InputError as e:
        if expr is not None and file is None and os.path.isfile(expr):
            e.hint = f"{e.hint or ''}\nTo read the program from the file {expr}, use -f {expr}.".strip()
        raise
    unused = [name for name in point if name not in graph.inputs]
    if unused:
        s = "s" if len(unused) > 1 else ""
        warn(f"--at {', '.join(unused)}: the program has no input{s} of that name; ignored")
    return run(graph, point, allow_nonfinite=allow_nonfinite, record=record)


def warn(message: str) -> None:
    click.echo(f"Warning: {message}", err=True)
