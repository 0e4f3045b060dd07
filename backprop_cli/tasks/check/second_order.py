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

#: what a kink note says at second order
KINK_NOTE = ("the first derivative has a kink here, so the second derivative is undefined; backprop "
             "gives the derivative of the convention (relu'' = step' = 0)")


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
            c.name = f"d2{out}/d{name}2" if c.name == name else f"d2{out}/d{name}d{c.name}"
            if c.status in ("kink", "near-kink"):
                where = c.note.split(":", 1)[0]
                c.note = f"{where} of d{out}/d{name}: {KINK_NOTE}"
            c.node = None  # a node of the derivative program, not of this one: the note names it
        report.inputs.extend(part.inputs)
    return report
