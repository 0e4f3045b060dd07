"""Newton's method on some inputs of a scalar graph, minimising its output.

Each step takes the gradient g and the Hessian H of the chosen inputs (forward over reverse,
``core/hessian.py``) and solves H p = -g.  Where H is not positive definite (Cholesky fails) or p is
not a descent direction, the step falls back to the gradient's: p = -g.  A backtracking line search
then halves t from 1 until f(x + t p) <= f(x) + 1e-4 t g·p (Armijo's condition): damped Newton, which
cannot overshoot the way a full Newton step can far from the minimum.  The descent stops early when a
step no longer moves the point (the gradient is 0, or no t gives a decrease).

A tensor program never forms H: each step solves H p = -g by conjugate gradients with Hessian-vector
products (``core/tensor_hvp.py``), Newton-CG, with the same fallback and line search.

Each step is a ``Step`` like gradient descent's (``optimize.py``), so the same views show it; which
kind of step was taken is counted in ``kinds``.
"""

from __future__ import annotations

import math
from typing import Callable, Mapping, Optional

from ..base.errors import MathError
from ..core.engine import forward, input_values
from ..core.graph import Graph
from ..core.hessian import hessian
from .optimize import Step, _where, keep_step, scalar_result, tensor_result

#: Armijo's sufficient-decrease constant, and the most halvings of the step in a line search
ARMIJO = 1e-4
HALVINGS = 60


def newton(graph: Graph, start: Mapping[str, float], wrt: list, steps: int, allow_nonfinite: bool = False,
           on_step: Optional[Callable[[Step], None]] = None, keep_all: bool = True,
           kinds: Optional[dict] = None, seed=None) -> list:
    """The points visited: step 0 (the start) to at most ``steps`` (without ``keep_all``, only the
    last); ``kinds`` (if given) counts the updates of each kind, "newton" and "gradient"."""
    import numpy as np

    if graph.tensor or any(type(v) is not float for v in start.values()):
        return _newton_tensor(graph, start, wrt, steps, allow_nonfinite, on_step, keep_all, kinds, seed)
    point = input_values(graph, start)
    history: list = []
    for k in range(steps + 1):
        result = scalar_result(graph, point, wrt, k, allow_nonfinite, "Start from another point (--at).")
        step = keep_step(history, Step(k, result.value, dict(point), result.gradients), keep_all, on_step)
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


# ---- tensor programs: Newton-CG, the Hessian only through H·v products ----------------------------------

#: the most conjugate-gradient iterations a step spends on H p = -g
CG_ITERATIONS = 200


def _newton_tensor(graph, start, wrt, steps, allow_nonfinite, on_step, keep_all, kinds, seed) -> list:
    """Newton's method over arrays: H p = -g solved by conjugate gradients with H·v products
    (core/tensor_hvp.py), never a Hessian; negative curvature met on the first iteration gives the
    gradient step, later ones end the solve with the direction so far (Steihaug's rule)."""
    import numpy as np

    from ..core.tensor_hvp import tensor_hvp
    from ..core.vectorized import tensor_inputs

    point = tensor_inputs(graph, start, seed)
    history: list = []
    for k in range(steps + 1):
        result, value = tensor_result(graph, point, seed, k, allow_nonfinite, "Start from another point (--at).")
        step = keep_step(history, Step(k, value, dict(point), result.gradients), keep_all, on_step)
        if k == steps:
            break
        g = {name: np.asarray(step.gradients[name], dtype=np.float64) for name in wrt}
        if not all(np.isfinite(v).all() for v in g.values()):
            raise MathError(f"step {k}: the gradient has inf or nan elements: Newton's method cannot move on "
                            "from here", "Start from another point (--at).")
        p, kind = _cg_direction(lambda v: tensor_hvp(result, v), g, wrt)
        moved = _tensor_line_search(graph, point, wrt, value, g, p, seed)
        if moved is None:
            break
        if kinds is not None:
            kinds[kind] = kinds.get(kind, 0) + 1
        point.update(moved)
    return history


def _dot(a: dict, b: dict) -> float:
    import numpy as np

    return math.fsum(float(np.sum(a[k] * b[k])) for k in a)


def _cg_direction(hvp, g: dict, wrt: list) -> tuple:
    """An approximate solution of H p = -g by conjugate gradients, and "newton", or the gradient step
    -g and "gradient" where H shows no positive curvature along -g."""
    r = {k: -v for k, v in g.items()}
    p = {k: 0.0 * v for k, v in g.items()}
    d = dict(r)
    rr = _dot(r, r)
    tolerance = 1e-20 * max(rr, 1e-300)
    size = sum(v.size for v in g.values())
    for _ in range(min(CG_ITERATIONS, max(1, size))):
        hd_all = hvp(d)
        hd = {k: hd_all[k] for k in wrt}
        curvature = _dot(d, hd)
        if not curvature > 0 or not math.isfinite(curvature):
            break
        alpha = rr / curvature
        p = {k: p[k] + alpha * d[k] for k in p}
        r = {k: r[k] - alpha * hd[k] for k in r}
        new_rr = _dot(r, r)
        if new_rr <= tolerance:
            break
        d = {k: r[k] + (new_rr / rr) * d[k] for k in d}
        rr = new_rr
    if _dot(p, p) == 0 or not _dot(p, g) < 0:
        return {k: -v for k, v in g.items()}, "gradient"
    return p, "newton"


def _tensor_line_search(graph, point: dict, wrt: list, f0: float, g: dict, p: dict, seed):
    import numpy as np

    from ..core.vectorized import tensor_forward, tensor_inputs

    slope = _dot(g, p)
    if not slope < 0:
        return None
    t = 1.0
    for _ in range(HALVINGS):
        moved = {name: point[name] + t * p[name] for name in wrt}
        if all((moved[name] == point[name]).all() for name in wrt):
            return None
        trial = dict(point)
        trial.update(moved)
        with np.errstate(all="ignore"):
            f = float(tensor_forward(graph, tensor_inputs(graph, trial, seed))[graph.output])
        if f <= f0 + ARMIJO * t * slope:
            return moved
        t *= 0.5
    return None
