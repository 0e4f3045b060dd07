"""Newton's method on some inputs of a scalar graph, minimising its output.

Each step takes the gradient g and the Hessian H of the chosen inputs (forward over reverse,
``core/hessian.py``) and solves H p = -g.  Where H is not positive definite (Cholesky fails) or p is
not a descent direction, the step falls back to the gradient's: p = -g.  A backtracking line search
then halves t from 1 until f(x + t p) <= f(x) + 1e-4 t g·p (Armijo's condition): damped Newton, which
cannot overshoot the way a full Newton step can far from the minimum.  The descent stops early when a
step no longer moves the point (the gradient is 0, or no t gives a decrease).

Each step is a ``Step`` like gradient descent's (``optimize.py``), so the same views show it; which
kind of step was taken is counted in ``kinds``.
"""

from __future__ import annotations

import math
from typing import Callable, Mapping, Optional

from ..base.errors import InputError, MathError
from ..base.numbers import exact
from ..core.engine import forward, input_values, run
from ..core.graph import Graph
from ..core.hessian import hessian
from .optimize import Step, _where

#: Armijo's sufficient-decrease constant, and the most halvings of the step in a line search
ARMIJO = 1e-4
HALVINGS = 60


def newton(graph: Graph, start: Mapping[str, float], wrt: list, steps: int, allow_nonfinite: bool = False,
           on_step: Optional[Callable[[Step], None]] = None, keep_all: bool = True,
           kinds: Optional[dict] = None) -> list:
    """The points visited: step 0 (the start) to at most ``steps`` (without ``keep_all``, only the
    last); ``kinds`` (if given) counts the updates of each kind, "newton" and "gradient"."""
    import numpy as np

    if graph.tensor or any(type(v) is not float for v in start.values()):
        raise InputError("--method newton takes scalar programs for now, and this one uses vectors or matrices",
                         "Use --method gd for a tensor program.")
    point = input_values(graph, start)
    out = graph.output_name
    history: list = []
    for k in range(steps + 1):
        try:
            result = run(graph, point, allow_nonfinite=allow_nonfinite)
        except MathError as e:
            raise MathError(f"step {k}: the value is not finite at {_where(point, wrt)}:\n{e.message}",
                            "Start from another point (--at).") from None
        if not math.isfinite(result.value):
            raise MathError(f"step {k}: {out} = {exact(result.value)} at {_where(point, wrt)}",
                            "Start from another point (--at).")
        step = Step(k, result.value, dict(point), result.gradients)
        if keep_all or not history:
            history.append(step)
        else:
            history[0] = step
        if on_step is not None:
            on_step(step)
        if k == steps:
            break
        g = np.array([step.gradients[name] for name in wrt])
        if not np.isfinite(g).all():
            raise MathError(f"step {k}: the gradient is not finite at {_where(point, wrt)}: "
                            "Newton's method cannot move on from here", "Start from another point (--at).")
        table = hessian(result, wrt)
        h = np.array([[table[a][b] for b in wrt] for a in wrt])
        p, kind = _direction(g, h)
        moved = _line_search(graph, point, wrt, result.value, g, p)
        if moved is None:
            break  # no step along p decreases f: a minimum, to the precision of doubles
        if kinds is not None:
            kinds[kind] = kinds.get(kind, 0) + 1
        point.update(moved)
    return history


def _direction(g, h) -> tuple:
    """The Newton direction -H⁻¹g where H is positive definite and it points downhill, else -g."""
    import numpy as np

    if np.isfinite(h).all():
        try:
            lower = np.linalg.cholesky(h)
        except np.linalg.LinAlgError:
            lower = None
        if lower is not None:
            p = -np.linalg.solve(lower.T, np.linalg.solve(lower, g))
            if np.isfinite(p).all() and float(g @ p) < 0:
                return p, "newton"
    return -g, "gradient"


def _line_search(graph: Graph, point: dict, wrt: list, f0: float, g, p):
    """The new values of ``wrt`` after the longest step t p, t = 1, 1/2, 1/4, ..., that decreases f
    enough (Armijo); None if none does or the point would not move."""
    slope = float(g @ p)
    if not slope < 0:
        return None
    t = 1.0
    for _ in range(HALVINGS):
        moved = {name: point[name] + t * float(p[k]) for k, name in enumerate(wrt)}
        if all(moved[name] == point[name] for name in wrt):
            return None
        trial = dict(point)
        trial.update(moved)
        f = forward(graph, trial, allow_nonfinite=True)[graph.output]
        if f <= f0 + ARMIJO * t * slope:
            return moved
        t *= 0.5
    return None
