"""backprop optimize: plain gradient descent on some inputs, minimising the output."""

from __future__ import annotations

import click

from .. import options
from .optimize_run import run
from .common import ExpressionCommand, out_option, program_options, click_option

@click.command(cls=ExpressionCommand, short_help="Minimise the output by gradient descent.")
@program_options
@click_option(options.OPTIMIZE_WRT)
@click_option(options.OPTIMIZE_LR)
@click_option(options.OPTIMIZE_STEPS)
@click_option(options.FORMATS["optimize"])
@click_option(options.OPTIMIZE_EVERY)
@click_option(options.OPTIMIZE_DELAY)
@click_option(options.OPTIMIZE_DIGITS)
@click_option(options.OPTIMIZE_LOG_Y)
@click_option(options.OPTIMIZE_METHOD)
@out_option
def command(program, wrt, lr, steps, fmt, every, delay, digits, log_y, out, method):
    """\b
    backprop optimize "(x-3)^2" --at x=0
    backprop optimize "(x-1)^2 + 10*(y-x^2)^2" --at x=-1,y=1 --lr 0.01 --steps 2000
    backprop optimize -f samples/neuron.bp --wrt w0,w1,w2 --steps 50
    backprop optimize "(w*x - 2)^2" --at w=0,x=1 --wrt w --format json
    backprop optimize "(1-x)^2 + 100*(y-x^2)^2" --at x=-1.2,y=1 --method newton --steps 50

    Gradient descent: from the point given by --at (and the program's defaults), move
    each input in --wrt against its gradient, x <- x - lr * df/dx, --steps times,
    minimising the output.  In a terminal a table of the steps updates as it runs;
    then the final point and the loss curve (f by step).  Piped, the table is printed
    once.  --format json gives {"steps": [...], "final": {...}}: step k holds the
    value, point and gradients before update k+1; final is the point after the last.

    A step that makes the value or a gradient inf or nan stops with exit 1 (usually
    the learning rate is too large); JSON is then closed with "final": null and
    "error".

    --method newton solves H p = -g with the Hessian (falling back to -g where H is
    not positive definite) and halves the step until f decreases enough; it stops
    when no step decreases f.  A tensor program solves H p = -g by conjugate
    gradients with Hessian-vector products (Newton-CG), never forming H.
    """
    return run(program, wrt=wrt, lr=lr, steps=steps, fmt=fmt, every=every, delay=delay, digits=digits,
               log_y=log_y, out=out, method=method)
