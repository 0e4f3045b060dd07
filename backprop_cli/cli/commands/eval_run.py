"""What `backprop eval` does once its options are read, without click.

The click command (eval.py) and the fast entry point (entry.py) both call ``show``.
"""

from __future__ import annotations

import sys

from ...base.numbers import DEFAULT_DIGITS
from ...base.text import printable
from ..output import echo, echo_pieces
from .common import result_stream


def show(program, fmt="table", digits=DEFAULT_DIGITS, no_nodes=False, collapse=None, labels="short", get=(),
         out=None, jvp=(), hessian=False, hvp=()):
    """The command's work once its options are read (``program``: a ProgramArgs), without click."""
    if get and fmt != "table":
        from ...base.errors import InputError

        raise InputError(f"--get prints plain numbers, one a line, not --format {fmt}",
                         f"Leave out --format for --get, or leave out --get for the whole "
                         f"{ {'json': 'JSON', 'latex': 'LaTeX table'}.get(fmt, fmt)}"
                         + (" (its keys output and gradients hold every value --get reads)." if fmt == "json"
                            else "."))
    # JSON computes the local gradients as it writes each node, so the engine keeps no record of them.
    record = fmt != "json" and not get
    result = program.run(record=record, collapse=collapse)
    notes = kink_notes(result)
    for message in notes:
        echo(f"Note: {message}", err=True)
    second = None
    if jvp or hessian or hvp:
        from .eval_second import second_order

        second = second_order(result, jvp, hessian, hvp, get, bool(notes), fmt)
    suffix = out.rpartition(".")[2].lower() if out and "." in out.replace("\\", "/").rpartition("/")[2] else ""
    if suffix in ("npz", "npy"):
        return write_arrays(result, out, suffix, get, second)
    with result_stream(out, fmt=None if get else fmt, command="eval") as stream:
        if get:
            from ...views.get import lookup, text

            stream.write("".join(text(lookup(result, name)) for name in get))
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
        elif fmt == "latex":
            from ...views.latex import table

            stream.writelines(table(result, digits, labels))
            stream.flush()
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


def write_arrays(result, out: str, suffix: str, get=(), second=None) -> None:
    """-o FILE.npz: every value and gradient (or the --get names) as numpy arrays by name, with
    --jvp/--hessian/--hvp's results (eval_second.arrays); -o FILE.npy: the one --get value."""
    import numpy as np

    from ...base.errors import InputError
    from ...views.get import named_arrays

    if suffix == "npy" and len(get) != 1:
        raise InputError(f"-o {printable(out, 200)}: a .npy file holds one array, and "
                         f"{'no --get names one' if not get else f'{len(get)} --get names are given'}",
                         "Name the one value with --get (e.g. --get df/dW), or write every value and "
                         "gradient to a .npz file.")
    arrays = named_arrays(result, get)
    if second:
        from .eval_second import arrays as second_arrays

        arrays.update(second_arrays(result.graph.output_name, second))
    with result_stream(out, binary=True) as stream:
        if suffix == "npy":
            np.save(stream, arrays[get[0]], allow_pickle=False)
        else:
            np.savez(stream, **arrays)


def kink_notes(result) -> list:
    """A note for every gate the output depends on that sits at a kink (relu at 0, a tie in max):
    its local gradient there is a convention, as check and plot say too."""
    from ...core import ops
    from ...core.ops import GATES

    g = result.graph
    smooth = getattr(ops, "NO_KINK", None)
    kinky = {name for name, op in GATES.items() if op.kink is not smooth}
    if not kinky.intersection(g.op):
        return []
    values = result.values
    notes = []
    live = getattr(result, "live", None) or g.live()
    for i in range(g.output + 1):
        if g.op[i] not in kinky or not live[i]:
            continue
        xs = [values[j] for j in g.args[i]]
        if any(type(x) is not float for x in xs):
            continue  # a tensor gate: kinks are judged per element by check, not noted here
        if GATES[g.op[i]].kink(*xs):
            line, col = g.line_col(i)
            where = f"{line}:{col}" if "\n" in g.source else f"column {col}"
            notes.append(f"{g.label(i, 40)} ({where}) is at a kink: its gradient there is a convention "
                         "(PyTorch's)")
            if len(notes) == 5:
                break
    return notes

