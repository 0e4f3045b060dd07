"""The trace: the forward pass node by node, then the backward pass gate by gate in reverse
topological order, with every edge's upstream gradient, local gradient (formula and number) and
their product, and the sum where a branch adds.  Everything is read from the engine's Result
(``values``, ``grads``, ``local``, ``contrib``); nothing is recomputed.

Each part is one Rich ``Text`` with styled spans (values green, gradients red).  The pieces are
gathered as (string, style) pairs and turned into a Text once per part: a Text per number would
make a 100,000-gate trace take minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.engine import Result
from ..numbers import DEFAULT_DIGITS, show
from ..core.ops import OPS
from .console import GRAD_STYLE, VALUE_STYLE
from .notation import (ancestors, derivative, describe, display_label, gradient_name, local_formula,
                       same_text, with_values)

HEAD_STYLE = "bold"
PATTERN_STYLE = "italic"
NOTE_STYLE = "dim"
#: a branch's sum lists at most this many terms (a name used 100,000 times would fill a screen)
BRANCH_TERMS = 10


@dataclass
class Trace:
    """The trace in parts, so a live demo can pause between the backward steps."""

    #: the forward pass, and the start of the backward pass (Styled parts; see renderables()).
    forward: list = field(default_factory=list)
    #: one part per gate, in the order the backward pass visits them.
    steps: list = field(default_factory=list)
    summary: list = field(default_factory=list)

    def renderables(self) -> list:
        """Every part as a Rich Text."""
        return [part.text() for part in (*self.forward, *self.steps, *self.summary)]

    def plain(self) -> list:
        """Every part as plain text: what a console without colour prints, made much faster."""
        return [part.plain() for part in (*self.forward, *self.steps, *self.summary)]


class Styled:
    """Text gathered as (string, style) pieces; ``text()`` makes the one Rich Text."""

    __slots__ = ("pieces",)

    def __init__(self, *pieces) -> None:
        self.pieces: list = list(pieces)

    def add(self, text: str, style=None) -> "Styled":
        self.pieces.append((text, style))
        return self

    def extend(self, other: "Styled") -> "Styled":
        self.pieces.extend(other.pieces)
        return self

    def width(self) -> int:
        from rich.cells import cell_len

        return sum(len(t) if t.isascii() else cell_len(t) for t, _ in self.pieces)

    def plain(self) -> str:
        return "".join(t for t, _ in self.pieces)

    def text(self):
        from rich.text import Span, Text

        spans, parts, at = [], [], 0
        for t, style in self.pieces:
            if style and t:
                spans.append(Span(at, at + len(t), style))
            parts.append(t)
            at += len(t)
        return Text("".join(parts), spans=spans)


def _num(x: float, digits: int, paren_negative: bool = False) -> str:
    text = show(x, digits)
    return f"({text})" if paren_negative and text.startswith("-") else text


def align(rows: list, indent: int = 0, gap: int = 1) -> Styled:
    """Rows of Styled cells as lines, each column padded to its widest cell; no trailing spaces."""
    widths: list = []
    measured = []
    for row in rows:
        sizes = [cell.width() for cell in row]
        measured.append(sizes)
        for c, size in enumerate(sizes):
            if c == len(widths):
                widths.append(0)
            widths[c] = max(widths[c], size)
    out = Styled()
    for n, (row, sizes) in enumerate(zip(rows, measured)):
        if n:
            out.add("\n")
        out.add(" " * indent)
        for c, cell in enumerate(row):
            out.extend(cell)
            if c < len(row) - 1:
                out.add(" " * (widths[c] - sizes[c] + gap))
    return out


def build(result: Result, digits: int = DEFAULT_DIGITS) -> Trace:
    g = result.graph
    values, grads, local, contrib = result.values, result.grads, result.local, result.contrib
    needed = ancestors(g, g.output)
    # Only the nodes the output depends on have recorded edges: the engine skips the others.
    if any(local[i] is None for i in range(g.output + 1) if g.args[i] and needed[i]):
        raise ValueError("the trace needs a Result run with record=True")
    trace = Trace()
    V, G = VALUE_STYLE, GRAD_STYLE

    # ---- forward --------------------------------------------------------------------------
    rows = []
    for i in range(g.output + 1):
        if not needed[i] or (g.op[i] == "const" and g.name[i] is None):
            continue
        label = display_label(g, i)
        line = Styled()
        if g.args[i]:
            expression = describe(g, i)
            if not same_text(expression, label):
                line.add(f"= {expression} ")
            line.add("= ")
            for piece, is_value in with_values(g, i, values, digits):
                line.add(piece, V if is_value else None)
            line.add(" = ")
        else:
            line.add("= ")
        line.add(show(values[i], digits), V)
        if g.op[i] == "input":
            line.add("   (input)", NOTE_STYLE)
        rows.append([Styled((label, None)), line])
    forward = Styled(("Forward pass, in topological order: every node the output depends on\n",
                      HEAD_STYLE))
    forward.extend(align(rows, indent=2))
    forward.add("\n\n")
    forward.add("Backward pass, in reverse topological order (at every gate: upstream * local = what "
                "flows on)\n", HEAD_STYLE)
    forward.add(f"  {gradient_name(g, g.output)} = ").add("1", G)
    forward.add("   (the output's gradient with respect to itself)\n", NOTE_STYLE)
    trace.forward.append(forward)

    # ---- backward -------------------------------------------------------------------------
    # How many gate inputs each node feeds (on the way to the output): more than one is a branch.
    fan_out = [0] * len(g)
    for i in range(g.output + 1):
        if needed[i]:
            for j in g.args[i]:
                fan_out[j] += 1
    arrived = [0] * len(g)
    parts: dict = {}  # node -> the contributions that have arrived so far, for branching nodes

    number = 0
    for i in range(g.output, -1, -1):
        if not needed[i] or not g.args[i]:
            continue
        number += 1
        op = OPS[g.op[i]]
        label, expression = display_label(g, i), describe(g, i)
        step = Styled((f"step {number}: ", HEAD_STYLE))
        step.add(label if same_text(expression, label) else f"{label} = {expression}", HEAD_STYLE)
        step.add(f"   ({op.name} gate)")
        if op.kink(*[values[j] for j in g.args[i]]):
            step.add("   at a kink: the local gradient here is a convention (PyTorch's)", NOTE_STYLE)
        step.add("\n")
        step.add(f"  {op.pattern}\n", PATTERN_STYLE)
        step.add(f"  upstream {gradient_name(g, i)} = ").add(show(grads[i], digits), G).add("\n")

        edges, branches = [], []
        upstream = show(grads[i], digits)
        for k, j in enumerate(g.args[i]):
            loc, flow = local[i][k], contrib[i][k]
            loc_text, flow_text = show(loc, digits), show(flow, digits)
            formula = local_formula(g, i, k)
            local_cell = Styled((f"local {derivative(expression, g.label(j))} = ", None))
            if formula and formula != loc_text:
                local_cell.add(f"{formula} = ")
            local_cell.add(loc_text, G)
            product = Styled(("upstream * local = ", None), (upstream, G), (" * ", None),
                             (_num(loc, digits, True), G), (" = ", None), (flow_text, G))
            name = gradient_name(g, j)
            total = Styled()
            if fan_out[j] > 1:
                arrived[j] += 1
                parts.setdefault(j, []).append(flow)
                total.add(f"{name} += ").add(flow_text, G)
                total.add(f"   ({arrived[j]} of {fan_out[j]})", NOTE_STYLE)
                if arrived[j] == fan_out[j]:
                    branches.append(_branch(g, j, parts.pop(j), grads[j], digits))
            else:
                total.add(f"{name} = ").add(flow_text, G)
            if g.op[j] == "const":
                total.add("   (a constant: it goes nowhere)", NOTE_STYLE)
            edges.append([Styled((f"-> {g.label(j)}", None)), local_cell, product, total])
        step.extend(align(edges, indent=2, gap=3))
        for line in branches:
            step.add("\n").extend(line)
        step.add("\n")
        trace.steps.append(step)

    # ---- summary --------------------------------------------------------------------------
    f = g.output_name
    summary = Styled()
    if number == 0:
        summary.add("(no gates: the output is a leaf)\n\n", NOTE_STYLE)
    summary.add(f"{f} = ").add(show(result.value, digits), V)
    for name, grad in result.gradients.items():
        summary.add(f"\nd{f}/d{name} = ").add(show(grad, digits), G)
    trace.summary.append(summary)
    return trace


def _branch(g, j: int, flows: list, total: float, digits: int) -> Styled:
    line = Styled((f"  branch: {g.label(j)} feeds {len(flows)} gate inputs, and a branch adds their "
                   f"gradients: {gradient_name(g, j)} = ", None))
    shown = flows if len(flows) <= BRANCH_TERMS else flows[:BRANCH_TERMS - 2]
    for n, flow in enumerate(shown):
        if n:
            line.add(" + ")
        line.add(_num(flow, digits, n > 0), GRAD_STYLE)
    if len(shown) < len(flows):
        line.add(f" + … ({len(flows) - len(shown) - 1:,} more) + ")
        line.add(_num(flows[-1], digits, True), GRAD_STYLE)
    line.add(" = ").add(show(total, digits), GRAD_STYLE)
    return line


def render(result: Result, console, digits: int = DEFAULT_DIGITS) -> None:
    trace = build(result, digits)
    show_parts(console, trace.forward + trace.steps + trace.summary)


def show_parts(console, parts: list) -> None:
    """Print Styled parts: through Rich, or, where Rich would print them plain anyway (no colour, not
    a terminal), as their plain text directly, which is many times faster on a big trace."""
    if console.color_system is None and not console.is_terminal:
        write = console.file.write
        for part in parts:
            write(part.plain() + "\n")
    else:
        for part in parts:
            console.print(part.text())
