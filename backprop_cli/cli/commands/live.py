"""backprop live: a full-screen app where the inputs move and every value and gradient follows."""

from __future__ import annotations

import click

from .common import ExpressionCommand, collapse_option, program_options


@click.command(cls=ExpressionCommand, short_help="A full-screen app: type, nudge the inputs, step backprop.")
@program_options
@collapse_option
def command(expr, file, at, output, allow_nonfinite, collapse):
    """\b
    backprop live "(x+y)*z" --at x=-2,y=5,z=-4
    backprop live -f samples/neuron.bp
    backprop live "1/(1+exp(-(w0*x0+w1*x1+w2)))" --at w0=2,x0=-1,w1=-3,x1=-2,w2=-3

    The expression in an editor at the top (it re-parses as you type), the graph with
    every node's value (green) and gradient (red), and the inputs beside it: select one
    with up/down, nudge it with left/right, +/- change the step, enter types a value.
    n and b walk the backward pass one gate at a time; c collapses the sigmoid, l shows
    full labels, p plots f and df/dx over the selected input; s saves the program with
    the current inputs as its defaults; e exports JSON, DOT or a picture; ? for help.

    Needs a terminal (80x24 or larger); q quits.
    """
    import sys

    from ...api import parse_at
    from ...errors import InputError
    from .common import read_program

    source, origin = read_program(expr, file)
    point = parse_at(at)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise InputError("backprop live needs a terminal (standard input and output)",
                         "Run it in a terminal; for a printout use backprop eval or backprop trace.")
    from ...live.model import Session

    session = Session(source, point, origin=origin, output=output, collapse=collapse == "sigmoid",
                      allow_nonfinite=allow_nonfinite)
    from ...live.app import LiveApp

    ctx = click.get_current_context()
    app = LiveApp(session, path=file if file not in (None, "-") else "",
                  debug=bool(ctx.meta.get("backprop.debug")))
    app.run()
    if app.failure is not None:
        raise app.failure
