"""`check --order 2`: the Hessian (forward over reverse) against finite differences of the gradient.

Row x of the Hessian is the gradient of df/dx.  ``diff`` writes df/dx as a program that computes the
engine's doubles (transforms/diff.py); the ordinary gradient check (numeric.py) then differentiates
that program numerically, input by input, with its steps, verdicts and kink handling, and compares
with the Hessian's row in place of the program's own gradient.  A kink of the first derivative
(relu's step at 0, a tie in max) is a kink of that program, so it is found and reported the same way:
the second derivative is undefined there.
"""

from __future__ import annotations

from ...core.engine import Result, run
from ...core.hessian import hessian
from .numeric import CheckReport, check

#: the most inputs checked at second order: n derivative programs, each checked along n inputs
MOST_INPUTS = 200


def convention(gate) -> str:
    """A gate's convention at its kink, from the gate table: a flat gate's (step, sign, share: the
    derivatives of relu, abs, max) derivative is 0 on both sides, so 0 there too; otherwise the
    convention its pattern states (relu'(0) = 0, a tie splits it)."""
    import re

    if all(e.kind == "num" and e.value == 0 for e in gate.local_exprs):
        return f"{gate.name}' = 0, as on both sides"
    stated = re.search(r"\(((?:[^()]|\([^()]*\))*)\)$", gate.pattern)
    if stated is None:
        return f"{gate.name}'s local gradient there"
    return stated.group(1) if gate.name in stated.group(1) else f"{gate.name}: {stated.group(1)}"


def kink_note(c, graph, values, of: str) -> str:
    """A second-order check's kink note, worded from the gate at the kink of the derivative program
    ``of`` (df/dx), whose node names (df_dy, t1) the user never sees."""
    from ...base.numbers import show
    from ...core.ops import GATES

    i = c.node
    gate = GATES[graph.op[i]]
    args = graph.args[i]
    at = f"{gate.name}({', '.join(graph.label(j, 20) for j in args)})"
    ins = ", ".join(show(float(values[j]), 6) for j in args)
    if c.status == "kink":
        return (f"{of} has a kink here, at {at} ({gate.name} of {ins}): the second derivative is undefined; "
                f"backprop gives the derivative of the convention ({convention(gate)})")
    rest = c.note.split(" is within ", 1)
    return f"near a kink of {of}: {at} ({gate.name} of {ins}) is within {rest[1]}" if len(rest) == 2 else c.note


def check_hessian(result: Result, tolerance: float, seed: int = 0, progress=None) -> CheckReport:
    """Every entry d²f/dxdy of the Hessian against a centred difference of df/dx along y."""
    from ...language.program import build
    from ...transforms.diff import derivative_program

    g = result.graph
    if len(g.inputs) > MOST_INPUTS:
        from ...base.errors import InputError

        raise InputError(f"check --order 2: {len(g.inputs):,} inputs make {len(g.inputs) ** 2:,} second "
                         f"derivatives to check, more than the {MOST_INPUTS ** 2:,} checked at most",
                         "Check the gradient (without --order 2), or a smaller program.")
    table = hessian(result)
    names = list(g.inputs)
    report = CheckReport(result, tolerance, method="each input")
    out = g.output_name
    for row, name in enumerate(names):
        program = derivative_program(g, name)
        graph = build(program, at=names)
        gradient = run(graph, result.at, allow_nonfinite=True)
        for other, node in graph.inputs.items():
            gradient.grads[node] = table[name][other]
        part = check(gradient, tolerance, "each-input", seed=seed,
                     progress=None if progress is None else
                     (lambda f, row=row: progress((row + f) / len(names))))
        for c in part.inputs:
            c.along, c.of = c.name, f"d{out}/d{name}"
            c.name = f"d2{out}/d{name}2" if c.name == name else f"d2{out}/d{name}d{c.name}"
            if c.status in ("kink", "near-kink") and c.node is not None:
                c.note = kink_note(c, graph, gradient.values, c.of)
            c.node = None  # a node of the derivative program, not of this one: the note names it
        report.inputs.extend(part.inputs)
    return report
