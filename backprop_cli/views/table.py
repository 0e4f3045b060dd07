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
RIGHT = (True, False, False, False, True, True)
STYLES = (None, None, None, None, VALUE_STYLE, GRAD_STYLE)
GAP = "   "
CHUNK = 2000


def cells(result: Result, digits: int = DEFAULT_DIGITS) -> list:
    g = result.graph
    values, grads = result.values, result.grads
    return [(str(i), g.label(i), g.op[i], " ".join(map(str, g.args[i])),
             show(values[i], digits), show(grads[i], digits)) for i in range(len(g))]


def summary(result: Result, digits: int = DEFAULT_DIGITS) -> list:
    """(label, number, style) lines: the output's value, then d(output)/d(input) for each input."""
    f = result.graph.output_name
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

    if getattr(console, "writes_ansi", False):  # console.AnsiConsole: a terminal, without Rich
        if console.fits([rule, *(cell for row in rows for cell in row),
                         *(label + number for label, number, _ in summary(result, digits))]) \
                and len(rule) <= console.width:
            _write_ansi(console, rows, widths, rule, output, summary(result, digits))
            return
        from .console import make_console

        console = make_console(console.file)  # a line wider than the terminal: Rich wraps it

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


def _write_ansi(console, rows, widths, rule, output, lines) -> None:
    """What the Rich branch below prints, as console.AnsiConsole writes it."""
    style = console.styled

    def line(row, bold: bool) -> str:
        parts = []
        for k, cell in enumerate(_padded(row, widths)):
            wanted = STYLES[k]
            if bold:
                wanted = f"bold {wanted}" if wanted else "bold"
            parts.append(style(cell, wanted))
        return GAP.join(parts) + "\n"

    out = console.file
    out.write(line(HEADERS, True) + rule + "\n")
    for start in range(0, len(rows), CHUNK):
        out.write("".join(line(rows[i], i == output) for i in range(start, min(start + CHUNK, len(rows)))))
    out.write("\n" + "".join(f"{label}{style(number, wanted)}\n" for label, number, wanted in lines))
    out.flush()
