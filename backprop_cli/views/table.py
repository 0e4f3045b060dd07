"""The default view: one row per node in forward order, then the output and its gradients."""

from __future__ import annotations

from ..engine import Result
from ..numbers import DEFAULT_DIGITS, show
from .console import GRAD_STYLE, VALUE_STYLE


def renderables(result: Result, digits: int = DEFAULT_DIGITS) -> list:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    g = result.graph
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("id", justify="right")
    table.add_column("node")
    table.add_column("op")
    table.add_column("inputs")
    table.add_column("value", justify="right", style=VALUE_STYLE)
    table.add_column("gradient", justify="right", style=GRAD_STYLE)
    for i in range(len(g)):
        table.add_row(str(i), Text(g.label(i)), g.op[i], " ".join(map(str, g.args[i])),
                      show(result.values[i], digits), show(result.grads[i], digits),
                      style="bold" if i == g.output else None)

    f = g.output_name
    summary = Text()
    summary.append(f"{f} = ")
    summary.append(show(result.value, digits), style=VALUE_STYLE)
    for name, grad in result.gradients.items():
        summary.append(f"\nd{f}/d{name} = ")
        summary.append(show(grad, digits), style=GRAD_STYLE)
    return [table, Text(""), summary]


def render(result: Result, console, digits: int = DEFAULT_DIGITS) -> None:
    for part in renderables(result, digits):
        console.print(part)
