"""backprop eval: every node's value and gradient, as a table or JSON."""

from __future__ import annotations

import click

from .. import options
from .common import ExpressionCommand, click_option, collapse_option, program_options
from .eval_run import run


@click.command(cls=ExpressionCommand, short_help="Show every node's value and gradient.")
@program_options
@click_option(options.FORMAT)
@click_option(options.DIGITS)
@click_option(options.NO_NODES)
@collapse_option
def command(expr, file, at, output, allow_nonfinite, fmt, digits, no_nodes, collapse):
    """\b
    backprop eval "(x+y)*z" --at x=-2,y=5,z=-4
    backprop eval "-x^2" --at x=3
    backprop eval "sin(x)*x" --at x=pi/4 --digits 10
    backprop eval -f samples/staged.bp --format json
    backprop eval -f samples/staged.bp --format tree --collapse sigmoid
    echo "log(x)" | backprop eval - --at x=0.5 --format json

    Evaluate EXPR at a point and backpropagate: every node's forward value and the
    gradient of the output with respect to it, then d(output)/d(input) for every input.

    EXPR '-' reads the program from standard input.  In a program, the last statement is
    the output unless --output NAME picks another; inputs given a default with
    'input x = 2' need no --at.
    """
    run(expr, file, at, output, allow_nonfinite, fmt, digits, no_nodes, collapse)
