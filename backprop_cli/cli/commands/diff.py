"""backprop diff: d(output)/dx as a program in backprop's own language."""

from __future__ import annotations

import click

from .. import options

from .diff_run import run
from .common import ExpressionCommand, source_options, out_option, click_option


@click.command(cls=ExpressionCommand, short_help="Write d(output)/dx as a program in this language.")
@source_options
@click_option(options.DIFF_WRT)
@click_option(options.FORMATS["diff"])
@click_option(options.DIFF_ORDER)
@out_option
def command(program, wrt, fmt, out, order):
    """\b
    backprop diff "x^3 + sin(x)*y" --wrt x
    backprop diff -f samples/neuron.bp --wrt w0 | backprop eval -
    backprop diff "x^3" --wrt x --order 2                       (the second derivative)
    backprop diff "x^2*sin(y)" --wrt x,y --order 2
    backprop diff "relu(x)*y" --wrt x | backprop eval - --at x=2,y=3

    Write d(output)/d(NAME) as a program that backprop reads: the original inputs
    (with their defaults), named statements for shared subexpressions, and the
    derivative last.  It is built by walking the graph backward as 'eval' does,
    simplified (constants folded, x*1, x+0, --x; not x*0, which is nan at inf),
    and has the size of the input.

    The derivatives of relu, abs, max and min are written with step(x), sign(x) and
    share(a, m, x1, ...), which follow the engine at the kinks.  EXPR '-' reads the
    program from standard input, so diff can be applied twice.
    """
    run(program, wrt=wrt, fmt=fmt, out=out, order=order)
