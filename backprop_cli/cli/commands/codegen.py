"""backprop codegen: the forward and backward pass as flat code in Python, numpy, C or JavaScript."""

from __future__ import annotations

import click

from .. import options

from .codegen_run import run
from .common import ExpressionCommand, source_options, out_option, click_option


@click.command(cls=ExpressionCommand, short_help="Write the forward and backward pass as flat code.")
@source_options
@click_option(options.CODEGEN_LANG)
@click_option(options.CODEGEN_NAME)
@click_option(options.FORMATS["codegen"])
@click_option(options.CODEGEN_HVP)
@out_option
def command(program, lang, name, fmt, out, hvp):
    """\b
    backprop codegen "(x+y)*z"
    backprop codegen -f samples/staged.bp --lang numpy
    backprop codegen "1/(1+exp(-(w0*x0+w1*x1+w2)))" --lang c --name neuron
    backprop codegen "max(x, y)*z" --lang js > f.js
    backprop codegen "x^2*sin(y)" --lang numpy --hvp

    Write a function that computes EXPR and its gradient the way CS231n's "flat"
    backprop code does: the forward pass as one assignment per node, then the backward
    pass in reverse with one gradient variable per node (dq for a node q) and '+=' where
    gradients add.  Nodes the output does not depend on are left out.

    \b
    python, numpy  def f(x, y, z) returning (value, (dx, dy, dz)); numpy works
                   elementwise over arrays (they broadcast together)
    c              double f(double x, double y, double z, double grad[3]) returns the
                   value and fills grad (needs <math.h>: link with -lm)
    js             function f(x, y, z) returning [value, [dx, dy, dz]]

    The inputs come in order of first appearance.  Kinks follow the engine:
    relu'(0) = 0, abs'(0) = 0, and a tie in max or min splits the gradient evenly.
    """
    run(program, lang=lang, name=name, fmt=fmt, out=out, hvp=hvp)
