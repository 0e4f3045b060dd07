"""backprop graph: the computational graph as DOT or Mermaid text, or as a picture through Graphviz."""

from __future__ import annotations

import click

from .. import options
from .graph_run import run
from .common import ExpressionCommand, complete_file, collapse_option, program_options, click_option

@click.command(cls=ExpressionCommand, short_help="Draw the graph as DOT or Mermaid (or a picture).")
@program_options
@collapse_option
@click_option(options.FORMATS["graph"])
@click_option(options.GRAPH_OUT, shell_complete=complete_file)
@click_option(options.GRAPH_DIGITS)
def command(program, collapse, fmt, out, digits):
    """\b
    backprop graph "(x+y)*z" --at x=-2,y=5,z=-4
    backprop graph -f samples/neuron.bp -o neuron.svg
    backprop graph -f samples/neuron.bp --collapse sigmoid -o neuron.png
    backprop graph -f samples/staged.bp --format mermaid > staged.mmd
    backprop graph -f samples/gates.bp | dot -Tpdf -o gates.pdf

    The graph left to right, as in the lecture's figures: gates marked by their symbol,
    every wire labelled with its forward value (green) and the gradient flowing back
    along it (red).  Where a node feeds several gates, 'sum' is its total gradient.
    Gates are named as in the table and trace (q, t1, t2, ...).  Without --at (and with
    inputs that have no default) the structure alone is drawn.
    """
    return run(program, collapse=collapse, fmt=fmt, out=out, digits=digits)
