"""backprop plot: f and df/dx over a range of one input, in the terminal or as CSV."""

from __future__ import annotations

import click

from .. import options

from .plot_run import run
from .common import ExpressionCommand, program_options, out_option, click_option


@click.command(cls=ExpressionCommand, short_help="Draw f and df/dx over a range in the terminal.")
@program_options
@click_option(options.PLOT_OVER)
@click_option(options.FORMATS["plot"])
@click_option(options.PLOT_WIDTH)
@click_option(options.PLOT_HEIGHT)
@out_option
def command(program, over, fmt, width, height, out):
    """\b
    backprop plot "relu(x)" --over x=-2:2
    backprop plot "sigmoid(x)" --over x=-6:6
    backprop plot "x^2*sin(x)" --over x=-pi:pi:401
    backprop plot "w*x + b" --over w=-1:1 --at x=3,b=0.5
    backprop plot "log(x)" --over x=-1:3:9 --format csv

    Evaluate EXPR at evenly spaced points of one input (the others fixed with --at or
    the program's defaults) and draw f above and df/dx below, the points joined by
    straight lines: kinks stay corners, jumps stay jumps.  Points where the value is
    undefined (log at x <= 0) are gaps in the picture and listed below it; in CSV they
    hold what `eval --allow-nonfinite` gives there (inf, -inf or nan).
    """
    return run(program, over=over, fmt=fmt, width=width, height=height, out=out)
