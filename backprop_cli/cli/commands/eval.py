"""backprop eval: every node's value and gradient, as a table or JSON."""

from __future__ import annotations

import click

from .. import options
from .common import ExpressionCommand, click_option, collapse_option, complete_file, labels_option, program_options
from .eval_run import show


@click.command(cls=ExpressionCommand, short_help="Show every node's value and gradient.")
@program_options
@click_option(options.FORMAT)
@click_option(options.DIGITS)
@click_option(options.NO_NODES)
@collapse_option
@labels_option
@click_option(options.GET)
@click.option("--jvp", "jvp", multiple=True, metavar="NAME=VALUE,...",
              help="Also J·v, the derivative along the direction v, by forward mode, e.g. --jvp x=1,y=0.5.")
@click.option("--hessian", is_flag=True, help="Also the Hessian (every d2f/dxdy), by forward over reverse.")
@click_option(options.EVAL_HVP)
@click_option(options.EVAL_OUT, shell_complete=complete_file)
def command(program, fmt, digits, no_nodes, collapse, labels, get, out, jvp, hessian, hvp):
    """\b
    backprop eval "(x+y)*z" --at x=-2,y=5,z=-4
    backprop eval "-x^2" --at x=3
    backprop eval "sin(x)*x" --at x=pi/4 --digits 10
    backprop eval -f samples/staged.bp --format json
    backprop eval -f samples/staged.bp --format tree --collapse sigmoid
    echo "log(x)" | backprop eval - --at x=0.5 --format json
    backprop eval "x*sin(x)" --at x=1 --get df/dx
    backprop eval "x^2*y" --at x=3,y=2 --hessian --jvp x=1,y=0.5
    backprop eval "x^2*y" --at x=3,y=2 --get d2f/dxdy

    Evaluate EXPR at a point and backpropagate: every node's forward value and the
    gradient of the output with respect to it, then d(output)/d(input) for every input.

    EXPR '-' reads the program from standard input.  In a program, the last statement is
    the output unless --of NAME picks another; inputs given a default with
    'input x = 2' need no --at.  Nodes go by short names (q, f, t1, t2, ...);
    --labels full writes out each node's subexpression.  A constant's gradient is left
    out of the table and tree (nothing flows on from it); JSON keeps it.

    Second order (docs/forward-mode.md): --jvp gives J·v by forward mode, --hessian the
    Hessian, --hvp H·v (forward over reverse), --get d2f/dxdy and d2f/dx2 one entry.
    """
    show(program, fmt, digits, no_nodes, collapse, labels, get, out, jvp=jvp, hessian=hessian, hvp=hvp)
