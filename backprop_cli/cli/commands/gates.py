"""backprop gates: the lecture's cheat sheet, printed from the gate table."""

from __future__ import annotations

import click

from .. import options

from .common import _set_debug, click_option, out_option
from .gates_run import run


@click.command(short_help="List every gate: forward rule, local gradients, backward pattern.")
@click_option(options.FORMATS["gates"])
@click_option(options.GATES_WIDTH)
@click_option(options.DEBUG, expose_value=False, callback=_set_debug, is_eager=True)
@out_option
def command(fmt, width, out):
    """\b
    backprop gates
    backprop gates --format json | jq '.[] | select(.name == "sigmoid")'

    Every gate of the language as the lecture's cheat sheet: its forward rule, its local
    gradient for each input (d/dx, written as a formula in the language), and the pattern
    the gradient follows backward (the add gate distributes, the mul gate swaps, the max
    gate routes).  Then the array gates (matmul, sum, softmax, ...), each input's
    vector-Jacobian product of the upstream gradient dout ("vjp" in JSON, where the
    elementwise gates have "local").  arity in JSON is [fewest, most] inputs, most null
    for any number.
    """
    run(fmt, width, out)
