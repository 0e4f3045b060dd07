"""What `backprop eval` does once its options are read, without click.

The click command (eval.py) and the fast entry point (entry.py) both call ``run``.
"""

from __future__ import annotations

import sys

from ...base.numbers import DEFAULT_DIGITS
from ..output import echo, echo_pieces
from .common import load, result_stream, warn


def run(expr, file, at, output, allow_nonfinite, fmt="table", digits=DEFAULT_DIGITS, no_nodes=False,
        collapse=None, labels="short", get=(), out=None, jvp=(), hessian=False, hvp=()):
    """The command's work, without click: the fast entry point (entry.py) calls this too."""
    # JSON computes the local gradients as it writes each node, so the engine keeps no record of them.
    record = fmt != "json" and not get
    result = load(expr, file, at, output, allow_nonfinite, record=record, collapse=collapse)
    for message in result.warnings:
        warn(message)
    notes = kink_notes(result)
    for message in notes:
        echo(f"Note: {message}", err=True)
    second = None
    if jvp or hessian or hvp:
        from .eval_second import second_order

        second = second_order(result, jvp, hessian, hvp, get, bool(notes))
    with result_stream(out) as stream:
        if get:
            from ...base.numbers import exact
            from ...views.get import lookup

            stream.write("".join(exact(lookup(result, name)) + "\n" for name in get))
            stream.flush()
        elif fmt == "json":
            from ...views import as_json

            # A stream that cannot write every character (ASCII, Latin-1) gets JSON's own escapes.
            ascii_only = not (getattr(stream, "encoding", None) or "utf-8").lower().replace("_", "-").startswith("utf")
            text = as_json.pieces(result, nodes=not no_nodes, ascii_only=ascii_only)
            if second:
                from ...views.second_order import document, with_keys

                text = with_keys(text, document(second["jvp"], second["hessian"], second["hvp"]))
            if stream is sys.stdout:
                echo_pieces(text)
            else:
                stream.writelines(text)
                stream.write("\n")
        elif fmt == "tree":
            from ...views import tree
            from ...views.console import make_console

            tree.render(result, make_console(file=stream), digits, labels, second and second["tangents"])
            if second:
                from .eval_second import write_lines

                write_lines(result, second, digits, stream)
        else:
            from ...views.console import make_console, plain_console, terminal_console
            from ...views.table import render

            # The table needs no Rich, piped or on a plain terminal: sparing its import is most of the start-up.
            console = plain_console(stream) or terminal_console(stream) or make_console(file=stream)
            render(result, console, digits, labels)
            if second:
                from .eval_second import write_lines

                write_lines(result, second, digits, stream)


def kink_notes(result) -> list:
    """A note for every gate the output depends on that sits at a kink (relu at 0, a tie in max):
    its local gradient there is a convention, as check and plot say too."""
    from ...core import ops
    from ...core.ops import OPS

    g = result.graph
    smooth = getattr(ops, "NO_KINK", None)
    kinky = {name for name, op in OPS.items() if op.kink is not smooth}
    if not kinky.intersection(g.op):
        return []
    values = result.values
    notes = []
    live = g.live()
    for i in range(g.output + 1):
        if g.op[i] not in kinky or not live[i]:
            continue
        xs = [values[j] for j in g.args[i]]
        if any(type(x) is not float for x in xs):
            continue  # a tensor gate: kinks are judged per element by check, not noted here
        if OPS[g.op[i]].kink(*xs):
            line, col = g.line_col(i)
            where = f"{line}:{col}" if "\n" in g.source else f"column {col}"
            notes.append(f"{g.label(i, 40)} ({where}) is at a kink: its gradient there is a convention "
                         "(PyTorch's)")
            if len(notes) == 5:
                break
    return notes

