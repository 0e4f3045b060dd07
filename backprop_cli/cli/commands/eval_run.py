"""What `backprop eval` does once its options are read, without click.

The click command (eval.py) and the fast entry point (entry.py) both call ``run``.
"""

from __future__ import annotations

from ...numbers import DEFAULT_DIGITS
from ..output import echo_pieces
from .common import load, warn


def run(expr, file, at, output, allow_nonfinite, fmt="table", digits=DEFAULT_DIGITS, no_nodes=False,
        collapse=None):
    """The command's work, without click: the fast entry point (entry.py) calls this too."""
    # JSON computes the local gradients as it writes each node, so the engine keeps no record of them.
    result = load(expr, file, at, output, allow_nonfinite, record=fmt != "json", collapse=collapse)
    for message in result.warnings:
        warn(message)
    if fmt == "json":
        from ...views import as_json

        echo_pieces(as_json.pieces(result, nodes=not no_nodes))
    elif fmt == "tree":
        from ...views import tree
        from ...views.console import make_console

        tree.render(result, make_console(), digits)
    else:
        from ...views.console import make_console, plain_console, terminal_console
        from ...views.table import render

        # The table needs no Rich, piped or on a plain terminal: sparing its import is most of the start-up.
        render(result, plain_console() or terminal_console() or make_console(), digits)
