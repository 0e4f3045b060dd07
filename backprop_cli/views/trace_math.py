"""The trace's lines as LaTeX maths for the notebook's typeset views (the HTML of the widget, the
Markdown of ``.trace()``): the same facts as the text trace (trace_steps.py), the formulas of
latex.py, values green and gradients red (``\\color``, which MathJax and KaTeX both read).  Each
view only wraps these lines in its own markup."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..base.numbers import DEFAULT_DIGITS
from . import latex
from .dot import GRAD_COLOUR, VALUE_COLOUR
from .trace_steps import Steps


@dataclass
class StepMath:
    number: int
    head: str  # the gate's name = its formula, in maths
    op: str
    pattern: str
    kink: bool
    #: (maths, note): one per edge (note: "2 of 3" where a branch's shares arrive), then the sums
    lines: list = field(default_factory=list)


def value(x, digits: int) -> str:
    return rf"\color{{{VALUE_COLOUR}}}{{{latex.number(x, digits)}}}"


def grad(x, digits: int) -> str:
    return rf"\color{{{GRAD_COLOUR}}}{{{latex.number(x, digits)}}}"


class TraceMath:
    """``forward()``: one maths line per node (name = formula = numbers = value); ``seed``: the
    output's gradient with respect to itself; ``steps()``: the backward steps; ``result``: the output
    and d(output)/d(input) lines."""

    def __init__(self, result, digits: int = DEFAULT_DIGITS, labels: str = "short") -> None:
        self.steps_ = Steps(result, labels)
        self.result, self.digits = result, digits
        g, label = self.steps_.graph, self.steps_.names
        self.seed = f"{latex.partial(self.steps_.top, label[g.output])} = {grad(1.0, digits)}"

    def forward(self):
        g, label, digits = self.steps_.graph, self.steps_.names, self.digits
        for entry in self.steps_.forward():
            line = f"{latex.name(entry.name)} = "
            if g.args[entry.id]:
                if entry.expression is not None:
                    line += latex.expression(g, entry.id, label) + " = "
                line += latex.with_values(g, entry.id, self.result.values, digits) + " = "
            yield line + value(entry.value, digits)

    def steps(self):
        g, label, top, digits = self.steps_.graph, self.steps_.names, self.steps_.top, self.digits
        for step in self.steps_.backward():
            head = latex.name(step.name) + (" = " + latex.expression(g, step.id, label) if step.expression else "")
            shown = StepMath(step.number, head, step.op, step.pattern, step.kink)
            upstream = latex.operand_number(step.upstream, digits)
            for edge in step.edges:
                if g.op[edge.to] == "const" and g.name[edge.to] is None:
                    continue  # nothing flows on from a constant
                formula = latex.local_formula(g, step.id, edge.k, label)
                local = latex.operand_number(edge.local, digits)
                relation = r"\mathrel{+}=" if edge.fan_out > 1 else "="
                local_shown = f"{formula} = {local}" if formula and formula.replace(" ", "") != local else local
                note = f"{edge.arrived} of {edge.fan_out}" if edge.fan_out > 1 else ""
                shown.lines.append((f"{latex.partial(top, label[edge.to])} {relation} "
                                    rf"\underbrace{{\color{{{GRAD_COLOUR}}}{{{upstream}}}}}_{{\text{{upstream}}}} \times "
                                    rf"\underbrace{{{local_shown}}}_{{\text{{local}}}} = {grad(edge.flows, digits)}",
                                    note))
            for j, shares, total in step.branches:
                terms = " + ".join(latex.operand_number(s, digits) if n else latex.number(s, digits)
                                   for n, s in enumerate(shares[:10]))
                if len(shares) > 10:
                    terms += r" + \dots"
                shown.lines.append((f"{latex.partial(top, label[j])} = {terms} = {grad(total, digits)}",
                                    "a branch adds"))
            yield shown

    def result_lines(self) -> list:
        top, digits = self.steps_.top, self.digits
        return [f"{latex.name(top)} = {value(self.result.value, digits)}"] + \
            [f"{latex.partial(top, name)} = {grad(v, digits)}" for name, v in self.result.gradients.items()]
