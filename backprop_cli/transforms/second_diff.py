"""d²(output)/dx dy as a program: ``diff`` applied to ``diff``'s own program.

The first derivative is a program of the language (transforms/diff.py), the size of the input and
simplified by the one simplifier; reading it back and differentiating it once more gives the second
derivative, again simplified and linear in the first program's size, so in the original's.  Only
the comment at the top and the last statement's name are rewritten: d2f/dx2 (or d2f/dxdy).
"""

from __future__ import annotations

from ..core.graph import Graph
from ..language.program import build
from .diff import derivative_program


def second_derivative_program(graph: Graph, first: str, second: str) -> str:
    """The program for d²(output)/d(first)d(second): d/d(second) of d(output)/d(first)."""
    program = derivative_program(graph, first)
    again = build(program, at=list(graph.inputs))
    text = derivative_program(again, second)
    lines = text.rstrip("\n").split("\n")
    out = graph.output_name
    wrt = f"d{first}2" if first == second and not first[-1].isdigit() else f"d{first}d{second}"
    lines[0] = f"# d2{out}/{wrt}, by reverse-mode differentiation applied twice (backprop diff --order 2)"
    name, _, rest = lines[-1].partition(" = ")
    final = f"d2{out}_{wrt}" if out.isidentifier() else f"d2f_{wrt}"
    if final in text:  # taken by a statement or an input: keep diff's own unique name
        final = name
    lines[-1] = f"{final} = {rest}"
    return "\n".join(lines) + "\n"
