"""The default view: one row per node in forward order, then the output and its gradients.

Each node is written by its short name with its formula (t7 = 1 + t6; ``labels="full"``: the whole
subexpression).  The table fits the width it is given: the numbers keep their full text and the node
column takes what is left, its labels cut with an ellipsis.  A constant's row leaves the gradient
empty (nothing flows on from a constant; JSON still has the number).

The columns are laid out here rather than by rich.table.Table, which measures every cell before
printing anything and takes minutes on a 100,000-node graph; lines are written in blocks, plain or
with ANSI colour from their styled pieces.
"""

from __future__ import annotations

from ..core.engine import Result
from ..base.numbers import DEFAULT_DIGITS, show
from .console import GRAD_STYLE, VALUE_STYLE
from .notation import describe, names as node_names, output_symbol, same_text
from .styled import ansi, cells as width_of, truncate, view_width

HEADERS = ("id", "node", "op", "value", "gradient")
RIGHT = (True, False, False, True, True)
STYLES = (None, None, None, VALUE_STYLE, GRAD_STYLE)
GAP = "   "
CHUNK = 2000
#: the node column is never made narrower than this (the numbers come first; labels are cut)
MIN_NODE = 8


def node_label(g, name, i: int) -> str:
    """A node as the table and tree write it: its name, with its formula when it is a gate."""
    own = name[i]
    if not g.args[i]:
        return own
    expression = describe(g, i, name)
    return own if same_text(expression, own) else f"{own} = {expression}"


def cells(result: Result, digits: int = DEFAULT_DIGITS, labels: str = "short") -> list:
    g = result.graph
    if g.tensor or _has_arrays(result):
        return _tensor_cells(result, digits, labels)
    values, grads = result.values, result.grads
    name = node_names(g, labels)
    return [(str(i), node_label(g, name, i), g.op[i], show(values[i], digits),
             "" if g.op[i] == "const" else show(grads[i], digits)) for i in range(len(g))]


def _has_arrays(result: Result) -> bool:
    return any(type(v) is not float for v in result.at.values())


def _tensor_cells(result: Result, digits: int, labels: str = "short") -> list:
    """The tensor table: the shape joins the op (``matmul (3x1)``); small arrays in full."""
    from ..core.ops import shape_text
    from .tensor_text import brief

    g = result.graph
    values, grads = result.values, result.grads
    name = node_names(g, labels)
    return [(str(i), node_label(g, name, i), f"{g.op[i]} {shape_text(getattr(values[i], 'shape', ()))}",
             brief(values[i], digits), "" if g.op[i] == "const" else brief(grads[i], digits))
            for i in range(len(g))]


def summary(result: Result, digits: int = DEFAULT_DIGITS, labels: str = "short") -> list:
    """(label, number, style) lines: the output's value, then d(output)/d(input) for each input."""
    g = result.graph
    f = output_symbol(g, node_names(g, "full"))
    if g.tensor or _has_arrays(result):
        from .tensor_text import brief

        lines = [(f"{f} = ", brief(result.value, digits), VALUE_STYLE)]
        return lines + [(f"d{f}/d{name} = ", brief(grad, digits), GRAD_STYLE)
                        for name, grad in result.gradients.items()]
    lines = [(f"{f} = ", show(result.value, digits), VALUE_STYLE)]
    lines += [(f"d{f}/d{name} = ", show(grad, digits), GRAD_STYLE)
              for name, grad in result.gradients.items()]
    return lines


def _widths(rows: list, width: int) -> list:
    widths = [len(h) for h in HEADERS]
    for row in rows:
        for k, cell in enumerate(row):
            size = len(cell) if cell.isascii() else width_of(cell)
            if size > widths[k]:
                widths[k] = size
    fixed = sum(widths) - widths[1] + len(GAP) * (len(widths) - 1)
    widths[1] = max(MIN_NODE, min(widths[1], width - fixed))
    return widths


def _padded(row, widths) -> list:
    out = []
    for k, cell in enumerate(row):
        size = len(cell) if cell.isascii() else width_of(cell)
        if k == 1 and size > widths[1]:
            cell = truncate(cell, widths[1])
            size = width_of(cell)
        fill = " " * (widths[k] - size)
        out.append(fill + cell if RIGHT[k] else cell + fill)
    return out


def render(result: Result, console, digits: int = DEFAULT_DIGITS, labels: str = "short") -> None:
    rows = cells(result, digits, labels)
    width = view_width(console)
    widths = _widths(rows, width)
    if result.graph.tensor or _has_arrays(result):
        if sum(widths) + len(GAP) * (len(widths) - 1) > width or widths[1] < _natural(rows):
            return _stacked(result, rows, console, digits, labels)
        return _tensor_table(result, rows, widths, console, digits, labels)
    rule = "─" * (sum(widths) + len(GAP) * (len(widths) - 1))
    output = result.graph.output
    colour = console.color_system is not None and not console.no_color
    out = console.file

    def line(row, bold: bool = False) -> str:
        padded = _padded(row, widths)
        if not colour:
            return GAP.join(padded).rstrip()
        pieces = []
        for k, cell in enumerate(padded):
            if k:
                pieces.append((GAP, None))
            style = STYLES[k]
            if bold:
                style = f"bold {style}" if style else "bold"
            pieces.append((cell, style))
        return ansi(pieces).rstrip()

    out.write(line(HEADERS, bold=True) + "\n" + rule + "\n")
    for start in range(0, len(rows), CHUNK):
        out.write("".join(line(rows[i], i == output) + "\n"
                          for i in range(start, min(start + CHUNK, len(rows)))))
    tail = ["\n"]
    for label, number, style in summary(result, digits, labels):
        tail.append(label + (ansi([(number, style)]) if colour else number) + "\n")
    out.write("".join(tail))
    out.flush()


def _natural(rows: list) -> int:
    """The node column's width with no label cut."""
    return max([len(HEADERS[1]), *(width_of(row[1]) for row in rows)])


def _tensor_table(result: Result, rows: list, widths: list, console, digits: int, labels: str) -> None:
    """A tensor program's table that fits as a table; the summary lines wrap between numbers."""
    from .styled import prose, writer_for

    writer = writer_for(console)
    header = _padded(HEADERS, widths)
    writer.line([(GAP.join(header).rstrip(), "bold")])
    writer.line([("─" * (sum(widths) + len(GAP) * (len(widths) - 1)), None)])
    for i, row in enumerate(rows):
        padded = _padded(row, widths)
        pieces = []
        for k, cell in enumerate(padded):
            if k:
                pieces.append((GAP, None))
            pieces.append((cell, STYLES[k]))
        writer.line(pieces)
    writer.blank()
    for label, number, style in summary(result, digits, labels):
        writer.line([(label, None), *prose(number, style)], indent=width_of(label))
    writer.flush()


def _stacked(result: Result, rows: list, console, digits: int, labels: str) -> None:
    """A tensor program whose arrays do not fit in columns: each node's line (id, node, op), then
    its value and gradient on lines of their own, wrapped between the numbers."""
    from .styled import prose, writer_for

    writer = writer_for(console)
    width = writer.width
    id_w = max(len(row[0]) for row in rows)
    writer.line([("id".rjust(id_w) + GAP + "node, op, and under it value and gradient", "bold")])
    writer.line([("─" * min(width, 60), None)])
    lead = " " * (id_w + len(GAP))
    for row in rows:
        number, label, op, value, grad = row
        room = max(MIN_NODE, width - id_w - 2 * len(GAP) - width_of(op))
        writer.line([(number.rjust(id_w) + GAP + truncate(label, room) + GAP, None), (op, None)])
        for word, text, style in (("value    ", value, VALUE_STYLE), ("gradient ", grad, GRAD_STYLE)):
            if text:
                writer.line([(lead + word, None), *prose(text, style)], indent=len(word))
    writer.blank()
    for label, number, style in summary(result, digits, labels):
        writer.line([(label, None), *prose(number, style)], indent=width_of(label))
    writer.flush()
