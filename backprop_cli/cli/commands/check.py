"""backprop check: every input's gradient against centred finite differences."""

from __future__ import annotations

import click

from .. import options
from .check_run import run
from .common import ExpressionCommand, out_option, program_options, click_option


def _not_negative(ctx, param, value):
    if not value >= 0:
        raise click.BadParameter("must be a number >= 0, e.g. 1e-6")
    return value


@click.command(cls=ExpressionCommand, short_help="Compare the gradients with finite differences.")
@program_options
@click_option(options.CHECK_TOLERANCE_OPTION, callback=_not_negative)
@click_option(options.FORMATS["check"])
@click_option(options.CHECK_DIGITS)
@click_option(options.CHECK_METHOD)
@click_option(options.CHECK_DIRECTIONS)
@click.option("--expect", "expect", multiple=True, metavar="NAME=VALUE,...",
              help="Your own numbers to grade, e.g. --expect dx=-4,dy=-4,dz=3 (f=... for the value).")
@click.option("--grad", "grads", multiple=True, metavar='"dNAME = FORMULA"',
              help='Your gradient formula to grade, e.g. --grad "dx = 2*x" (repeatable).')
@click.option("--grad-file", metavar="FILE", help="Formulas to grade, one 'dNAME = formula' a line.")
@click_option(options.CHECK_OVER)
@click.option("--backward", metavar="[FILE]", is_flag=False, flag_value="-program-",
              help="Grade a backward pass: the d<name> lines in FILE, or (with no FILE) in the program.")
@click_option(options.CHECK_ORDER)
@out_option
def command(program, tolerance, fmt, digits, method, directions, expect,
            grads, grad_file, over, backward, out, order):
    """\b
    backprop check "(x+y)*z" --at x=-2,y=5,z=-4
    backprop check -f samples/neuron.bp
    backprop check "relu(x)*y" --at x=0,y=2          (a kink: flagged, not a failure)
    backprop check -f model.bp --tolerance 1e-8 --format json
    backprop check "x^2*y + sin(x*y)" --at x=1,y=2 --order 2

    Compare backprop's gradient with a centred finite difference for every input,
    as the lecture advises before trusting a gradient.  Each input gets its own step,
    h = eps^(1/3) * max(1, |x|), shown with the relative error and the verdict.

    Exit status 0 when every gradient passes, 1 when any fails, so a script can use
    it as a guard.  A kink (relu or abs at 0, a tie in max or min) is flagged and not
    counted as a failure; so is a kink closer than the step can resolve.

    Many inputs are checked together on numpy arrays.  A program too big to check
    input by input in reasonable time (inputs x nodes above 1e9, e.g. 100,000 inputs)
    is checked along 16 random directions instead (--method, --directions).

    \b
    Check your own work (see docs/check-your-work.md):
    backprop check "(x+y)*z" --at x=-2,y=5,z=-4 --expect dx=-4,dy=-4,dz=3,f=-12
    backprop check "x^2*sin(x)" --at x=1 --grad "dx = 2*x*sin(x) + x^2*cos(x)"
    backprop check "x^2*sin(x)" --grad "dx = 2*x*sin(x)" --over x=-3:3
    backprop check -f samples/exercises/simple-mistakes.bp --backward
    backprop check -f samples/simple.bp --backward my-backward.txt
    """
    return run(program, tolerance=tolerance, fmt=fmt, digits=digits, method=method, directions=directions,
               expect=expect, grads=grads, grad_file=grad_file, over=over, backward=backward, out=out,
               order=order)
