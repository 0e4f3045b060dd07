"""backprop trace: the forward and backward pass step by step, for a class or a careful reader."""

from __future__ import annotations

import click

from .. import options
from .trace_run import run
from .common import ExpressionCommand, collapse_option, labels_option, out_option, program_options, click_option


@click.command(cls=ExpressionCommand, short_help="Walk the forward and backward pass step by step.")
@program_options
@collapse_option
@click_option(options.DIGITS_SHOWN)
@click_option(options.TRACE_STEP)
@click_option(options.TRACE_DELAY)
@labels_option
@click_option(options.FORMATS["trace"])
@click_option(options.TRACE_MODE)
@click_option(options.TRACE_WRT)
@click_option(options.TRACE_TANGENT)
@out_option
def command(program, collapse, digits, step, delay, labels, fmt, out, mode, wrt, tangent):
    """\b
    backprop trace "(x+y)*z" --at x=-2,y=5,z=-4
    backprop trace -f samples/neuron.bp --collapse sigmoid
    backprop trace -f samples/staged.bp --step
    backprop trace "2*(x*y + max(z, w))" --at x=3,y=-4,z=2,w=-1 --delay 1.5
    backprop trace "(x+y)*z" --at x=-2,y=5,z=-4 --mode forward --wrt x

    The forward pass node by node, then the backward pass gate by gate in reverse
    topological order.  For every edge: the upstream gradient, the local gradient as a
    formula and a number, and their product, the gradient that flows on; where a node
    feeds several gates, its gradients add.

    Nodes go by short names as in the lecture (q, f, and t1, t2, ... for unnamed gates),
    listed with their formulas in the forward pass; --labels full writes out every
    subexpression instead.  Lines fit the terminal (or $COLUMNS when piped).

    --step and --delay are for a live demo; without a terminal they are ignored and
    everything prints at once.  --format json gives the same forward entries and
    backward steps to a script (see docs/commands.md); --format latex an align* block
    for slides (docs/notebooks.md).

    --mode forward runs forward mode instead (docs/forward-mode.md): every node's value
    and tangent along --wrt NAME or --tangent x=1,y=0.5, each gate's tangent as local
    × incoming tangent, then what the whole gradient costs in each mode.
    """
    return run(program, collapse=collapse, digits=digits, step=step, delay=delay, labels=labels, fmt=fmt,
               out=out, mode=mode, wrt=wrt, tangent=tangent)
