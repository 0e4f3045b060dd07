"""The trace: the forward pass node by node, then the backward pass gate by gate in reverse
topological order, with every edge's upstream gradient, local gradient (formula and number) and
their product, and the sum where a branch adds.  Everything is read from the engine's Result
(``values``, ``grads``, ``local``, ``contrib``); nothing is recomputed."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..engine import Result
from ..numbers import DEFAULT_DIGITS, show
from ..ops import OPS
from .console import GRAD_STYLE, VALUE_STYLE
from .notation import (ancestors, derivative, describe, gradient_name, local_formula, same_text,
                       with_values)

HEAD_STYLE = "bold"
PATTERN_STYLE = "italic"


@dataclass
class Trace:
    """The trace in parts, so a live demo can pause between the backward steps."""

    forward: list = field(default_factory=list)
    #: one renderable per gate, in the order the backward pass visits them.
    steps: list = field(default_factory=list)
    summary: list = field(default_factory=list)

    def renderables(self) -> list:
        return [*self.forward, *self.steps, *self.summary]


def _num(x: float, digits: int, style: str, paren_negative: bool = False):
    from rich.text import Text

    text = show(x, digits)
    if paren_negative and text.startswith("-"):
        text = f"({text})"
    return Text(text, style=style)


def build(result: Result, digits: int = DEFAULT_DIGITS) -> Trace:
    from rich.text import Text

    g = result.graph
    values, grads, local, contrib = result.values, result.grads, result.local, result.contrib
    if any(local[i] is None for i in range(g.output + 1) if g.args[i]):
        raise ValueError("the trace needs a Result run with record=True")
    needed = ancestors(g, g.output)
    trace = Trace()
    f = g.output_name

    # ---- forward --------------------------------------------------------------------------
    trace.forward.append(Text("Forward pass: every node's value, in topological order", style=HEAD_STYLE))
    rows = []
    for i in range(g.output + 1):
        if not needed[i] or (g.op[i] == "const" and g.name[i] is None):
            continue
        label = g.label(i)
        line = Text()
        if g.args[i]:
            expression = describe(g, i)
            if not same_text(expression, label):
                line.append(f"= {expression} ")
            line.append(f"= {with_values(g, i, values, digits)} = ")
        else:
            line.append("= ")
        line.append(show(values[i], digits), style=VALUE_STYLE)
        if g.op[i] == "input":
            line.append("   (input)")
        rows.append([Text(label), line])
    trace.forward.append(align(rows, indent=2))
    trace.forward.append(Text(""))

    # ---- backward -------------------------------------------------------------------------
    # How many gate inputs each node feeds (on the way to the output): more than one is a branch.
    fan_out = [0] * len(g)
    for i in range(g.output + 1):
        if needed[i]:
            for j in g.args[i]:
                fan_out[j] += 1
    arrived = [0] * len(g)
    parts: list = [[] for _ in g.op]  # contributions that have arrived at each branching node

    head = Text("Backward pass, in reverse topological order: at every gate, the upstream gradient "
                "times the local gradient is the gradient that flows on to each input", style=HEAD_STYLE)
    start = Text()
    start.append(f"  {gradient_name(g, g.output)} = ")
    start.append("1", style=GRAD_STYLE)
    start.append("   (the output's gradient with respect to itself)")
    trace.forward.extend([head, start, Text("")])

    number = 0
    for i in range(g.output, -1, -1):
        if not needed[i] or not g.args[i]:
            continue
        number += 1
        op = OPS[g.op[i]]
        label, expression = g.label(i), describe(g, i)
        title = Text(f"step {number}: ", style=HEAD_STYLE)
        title.append(label if same_text(expression, label) else f"{label} = {expression}", style=HEAD_STYLE)
        title.append(f"   ({op.name} gate)")
        pattern = Text(f"  {op.pattern}", style=PATTERN_STYLE)
        upstream = Text(f"  upstream {gradient_name(g, i)} = ")
        upstream.append(show(grads[i], digits), style=GRAD_STYLE)

        edges = []
        branch_lines = []
        for k, j in enumerate(g.args[i]):
            loc, flow = local[i][k], contrib[i][k]
            formula = local_formula(g, i, k)
            local_text = Text(f"local {derivative(expression, g.label(j))} = ")
            if formula and formula != show(loc, digits):
                local_text.append(f"{formula} = ")
            local_text.append_text(_num(loc, digits, GRAD_STYLE))

            product = Text("upstream * local = ")
            product.append_text(_num(grads[i], digits, GRAD_STYLE))
            product.append(" * ")
            product.append_text(_num(loc, digits, GRAD_STYLE, paren_negative=True))
            product.append(" = ")
            product.append_text(_num(flow, digits, GRAD_STYLE))

            name = gradient_name(g, j)
            result_text = Text()
            if fan_out[j] > 1:
                arrived[j] += 1
                parts[j].append(flow)
                result_text.append(f"{name} += ")
                result_text.append_text(_num(flow, digits, GRAD_STYLE))
                result_text.append(f"   ({arrived[j]} of {fan_out[j]})")
                if arrived[j] == fan_out[j]:
                    branch_lines.append(_branch(g, j, parts[j], grads[j], digits))
            else:
                result_text.append(f"{name} = ")
                result_text.append_text(_num(flow, digits, GRAD_STYLE))
            if g.op[j] == "const":
                result_text.append("   (a constant: it goes nowhere)")
            edges.append([Text(f"-> {g.label(j)}"), local_text, product, result_text])

        trace.steps.append(_group(title, pattern, upstream, align(edges, indent=2, gap=3), *branch_lines,
                                  Text("")))

    # ---- summary --------------------------------------------------------------------------
    summary = Text(f"{f} = ", style=None)
    summary.append(show(result.value, digits), style=VALUE_STYLE)
    for name, grad in result.gradients.items():
        summary.append(f"\nd{f}/d{name} = ")
        summary.append(show(grad, digits), style=GRAD_STYLE)
    if number == 0:
        trace.summary.append(Text("(no gates: the output is a leaf)\n"))
    trace.summary.append(summary)
    return trace


def _branch(g, j: int, flows: list, total: float, digits: int):
    from rich.text import Text

    line = Text(f"  branch: {g.label(j)} feeds {len(flows)} gate inputs, so its gradients add: "
                f"{gradient_name(g, j)} = ")
    for n, flow in enumerate(flows):
        if n:
            line.append(" + ")
        line.append_text(_num(flow, digits, GRAD_STYLE, paren_negative=n > 0))
    line.append(" = ")
    line.append(show(total, digits), style=GRAD_STYLE)
    return line


def align(rows: list, indent: int = 0, gap: int = 1):
    """Rows of Text cells as one Text, each column padded to its widest cell; no trailing spaces."""
    from rich.text import Text

    widths: list = []
    for row in rows:
        for c, cell in enumerate(row):
            if c == len(widths):
                widths.append(0)
            widths[c] = max(widths[c], cell.cell_len)
    out = Text()
    for n, row in enumerate(rows):
        if n:
            out.append("\n")
        out.append(" " * indent)
        for c, cell in enumerate(row):
            out.append_text(cell)
            if c < len(row) - 1:
                out.append(" " * (widths[c] - cell.cell_len + gap))
    return out


def _group(*parts):
    from rich.console import Group

    return Group(*parts)


def render(result: Result, console, digits: int = DEFAULT_DIGITS) -> None:
    for part in build(result, digits).renderables():
        console.print(part)
