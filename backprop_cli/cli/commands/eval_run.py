"""What `backprop eval` does once its options are read, without click.

The click command (eval.py) and the fast entry point (entry.py) both call ``run``.
"""

from __future__ import annotations

from ...numbers import DEFAULT_DIGITS
from ..output import echo
from .common import load, result_stream, warn


def run(expr, file, at, output, allow_nonfinite, fmt="table", digits=DEFAULT_DIGITS, no_nodes=False,
        collapse=None, labels="short", get=(), out=None):
    """The command's work, without click: the fast entry point (entry.py) calls this too."""
    record = not ((fmt == "json" and no_nodes) or get)
    result = load(expr, file, at, output, allow_nonfinite, record=record, collapse=collapse)
    for message in result.warnings:
        warn(message)
    for message in kink_notes(result):
        echo(f"Note: {message}", err=True)
    with result_stream(out) as stream:
        if get:
            from ...numbers import exact
            from ...views.get import lookup

            stream.write("".join(exact(lookup(result, name)) + "\n" for name in get))
            stream.flush()
        elif fmt == "json":
            from ...views import as_json

            stream.write(as_json.render(result, nodes=not no_nodes) + "\n")
            stream.flush()
        elif fmt == "tree":
            from ...views import tree
            from ...views.console import make_console

            tree.render(result, make_console(file=stream), digits, labels)
        else:
            from ...views.console import make_console
            from ...views.table import render

            render(result, make_console(file=stream), digits, labels)


def kink_notes(result) -> list:
    """A note for every gate the output depends on that sits at a kink (relu at 0, a tie in max):
    its local gradient there is a convention, as check and plot say too."""
    from ...core.ops import OPS

    g = result.graph
    from ...core import ops

    smooth = getattr(ops, "NO_KINK", None)
    kinky = {name for name, op in OPS.items() if op.kink is not smooth}
    if not kinky.intersection(g.op):
        return []
    values = result.values
    notes = []
    live = g.live()
    for i in range(g.output + 1):
        a = g.args[i]
        if g.op[i] in kinky and live[i] and OPS[g.op[i]].kink(*[values[j] for j in a]):
            line, col = g.line_col(i)
            where = f"{line}:{col}" if "\n" in g.source else f"column {col}"
            notes.append(f"{g.label(i, 40)} ({where}) is at a kink: its gradient there is a convention "
                         "(PyTorch's)")
            if len(notes) == 5:
                break
    return notes

