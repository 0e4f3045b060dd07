"""The default view: one row per node in forward order, then the output and its gradients.

The columns are laid out here rather than by rich.table.Table, which measures every cell before
printing anything and takes minutes on a 100,000-node graph.  Without colour (piped, NO_COLOR) the
lines are written as they are made; on a colour terminal they become styled Rich Text.
"""

from __future__ import annotations

from ..core.engine import Result
from ..numbers import DEFAULT_DIGITS, show
from .console import GRAD_STYLE, VALUE_STYLE

HEADERS = ("id", "node", "op", "inputs", "value", "gradient")
#: the op column of a tensor program also gives the node's shape
RIGHT = (True, False, False, False, True, True)
STYLES = (None, None, None, None, VALUE_STYLE, GRAD_STYLE)
GAP = "   "
CHUNK = 2000


def cells(result: Result, digits: int = DEFAULT_DIGITS) -> list:
    g = result.graph
    if g.tensor or _has_arrays(result):
        return _tensor_cells(result, digits)
    values, grads = result.values, result.grads
    return [(str(i), g.label(i), g.op[i], " ".join(map(str, g.args[i])),
             show(values[i], digits), show(grads[i], digits)) for i in range(len(g))]


def _has_arrays(result: Result) -> bool:
    return any(type(v) is not float for v in result.at.values())


def _tensor_cells(result: Result, digits: int) -> list:
    """The tensor table: the shape joins the op (``matmul (3x1)``); small arrays in full."""
    from ..core.ops import shape_text
    from .tensor_text import brief

    g = result.graph
    values, grads = result.values, result.grads
    return [(str(i), g.label(i), f"{g.op[i]} {shape_text(getattr(values[i], 'shape', ()))}",
             " ".join(map(str, g.args[i])), brief(values[i], digits), brief(grads[i], digits))
            for i in range(len(g))]


def summary(result: Result, digits: int = DEFAULT_DIGITS) -> list:
    """(label, number, style) lines: the output's value, then d(output)/d(input) for each input."""
    f = result.graph.output_name
    if result.graph.tensor or _has_arrays(result):
        from .tensor_text import brief

        lines = [(f"{f} = ", brief(result.value, digits), VALUE_STYLE)]
        return lines + [(f"d{f}/d{name} = ", brief(grad, digits), GRAD_STYLE)
                        for name, grad in result.gradients.items()]
    lines = [(f"{f} = ", show(result.value, digits), VALUE_STYLE)]
    lines += [(f"d{f}/d{name} = ", show(grad, digits), GRAD_STYLE)
              for name, grad in result.gradients.items()]
    return lines


def _widths(rows: list) -> list:
    widths = [len(h) for h in HEADERS]
    for row in rows:
        for k, cell in enumerate(row):
            if len(cell) > widths[k]:
                widths[k] = len(cell)
    return widths


def _padded(row, widths) -> list:
    last = len(row) - 1
    return [cell.rjust(widths[k]) if RIGHT[k] else (cell if k == last else cell.ljust(widths[k]))
            for k, cell in enumerate(row)]


def render(result: Result, console, digits: int = DEFAULT_DIGITS) -> None:
    rows = cells(result, digits)
    widths = _widths(rows)
    rule = "─" * (sum(widths) + len(GAP) * (len(widths) - 1))
    output = result.graph.output
    if console.color_system is None:
        out = console.file
        out.write(GAP.join(_padded(HEADERS, widths)).rstrip() + "\n" + rule + "\n")
        for start in range(0, len(rows), CHUNK):
            out.write("".join(GAP.join(_padded(row, widths)).rstrip() + "\n"
                              for row in rows[start:start + CHUNK]))
        out.write("\n" + "".join(f"{label}{number}\n" for label, number, _ in summary(result, digits)))
        out.flush()
        return

    from rich.text import Text

    def styled(row, text: Text, bold: bool) -> None:
        for k, cell in enumerate(_padded(row, widths)):
            if k:
                text.append(GAP)
            style = STYLES[k]
            if bold:
                style = f"bold {style}" if style else "bold"
            text.append(cell, style=style)
        text.append("\n")

    head = Text()
    styled(HEADERS, head, bold=True)
    head.append(rule + "\n")
    console.print(head, end="")
    for start in range(0, len(rows), CHUNK):
        block = Text()
        for i in range(start, min(start + CHUNK, len(rows))):
            styled(rows[i], block, bold=(i == output))
        console.print(block, end="")
    tail = Text("\n")
    for label, number, style in summary(result, digits):
        tail.append(label)
        tail.append(number + "\n", style=style)
    console.print(tail, end="")
