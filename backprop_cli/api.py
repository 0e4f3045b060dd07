"""The importable API: what the CLI commands call, and what a notebook can call too.

    >>> from backprop_cli import evaluate
    >>> r = evaluate("(x+y)*z", at={"x": -2, "y": 5, "z": -4})
    >>> r.value, r.gradients
    (-12.0, {'x': -4.0, 'y': -4.0, 'z': 3.0})
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Iterable, Mapping, Optional, Union

    from .core.graph import Graph

    Point = Mapping[str, Union[float, int, str]]

from .base.errors import InputError
from .core.engine import Result, run
from .language.program import build
from .language.values import array_value, constant, parse_at, resolve_point, split_top_level

__all__ = ["Result", "array_value", "build", "check_hessian", "constant", "descend", "direction", "evaluate",
           "forward_mode", "hessian", "hvp", "jvp", "newton", "parse_at", "resolve_point",
           "second_derivative", "split_top_level"]


def evaluate(source: str, at: Optional[Point] = None, *, output: Optional[str] = None,
             allow_nonfinite: bool = False, origin: str = "", record: bool = True, seed=None) -> Result:
    """Parse, run forward and backward, and return the result.

    ``at`` maps input names to numbers, or to constant expressions as text ("pi/4"), or to arrays
    (a tensor program: values and gradients are then numpy arrays; ``seed`` draws randn(...)).
    """
    arrays = {k: v for k, v in (at or {}).items() if not isinstance(v, (str, int, float))}
    point = resolve_point({k: v for k, v in (at or {}).items() if k not in arrays})
    point.update(arrays)
    graph = build(source, at=point, output=output, origin=origin)
    if graph.tensor or arrays:
        from .core.vectorized import run_tensor

        return run_tensor(graph, point, seed, allow_nonfinite)
    return run(graph, point, allow_nonfinite=allow_nonfinite, record=record)


# ---- forward mode and second order (core/forward.py, core/hessian.py) --------------------------------


def direction(wrt: Optional[str] = None, tangent: Iterable[str] = (), option: str = "--tangent") -> dict:
    """The direction of a forward-mode pass: ``--wrt x`` is {x: 1}; ``--tangent x=1,y=0.5`` names
    each input's tangent (the inputs left out have none).  Not both."""
    tangent = list(tangent)
    if wrt is not None and tangent:
        raise InputError(f"give --wrt NAME or {option} NAME=VALUE,..., not both",
                         "--wrt x is the direction x=1 (every other input 0).")
    if wrt is not None:
        return {wrt: 1.0}
    return parse_at(tangent)


def forward_mode(result: Result, along: Mapping, option: str = "--tangent"):
    """Forward mode over a scalar result: every node's tangent along ``along`` (input -> tangent).
    ``.jvp`` is the output's tangent, J·v."""
    from .core.forward import check_direction, tangent_pass

    _scalar_only(result, option)
    return tangent_pass(result, check_direction(result.graph, along, option))


def jvp(result: Result, along: Mapping) -> float:
    """J·v: the output's derivative along ``along`` (input -> component), by one forward pass (an
    array in the output's shape for a tensor program)."""
    if type(result.value) is not float:
        from .core.tensor_hvp import tensor_jvp

        return tensor_jvp(result, along)
    return forward_mode(result, along, "--jvp").jvp


def hessian(result: Result, wrt=None) -> dict:
    """{x: {y: d²f/dxdy}} of a scalar program, by forward over reverse (one H·v per input)."""
    from .core.hessian import hessian as table

    _scalar_only(result, "--hessian")
    return table(result, wrt)


def hvp(result: Result, vector: Mapping) -> dict:
    """H·v by forward over reverse: {input: its component of H·v}, in the inputs' shapes (arrays for
    a tensor program)."""
    if type(result.value) is not float:
        from .core.tensor_hvp import tensor_hvp

        return tensor_hvp(result, vector)
    from .core.forward import check_direction
    from .core.hessian import product

    return product(result, check_direction(result.graph, vector, "--hvp")).by_input()


def second_derivative(result: Result, first: str, second: str) -> float:
    """d²f/d(first)d(second) of a scalar program."""
    from .base.errors import unknown_input
    from .core.hessian import second_derivative as entry

    _scalar_only(result, "--get")
    for name in (first, second):
        if name not in result.graph.inputs:
            raise unknown_input("--get", name, result.graph.inputs)
    return entry(result, first, second)


def _scalar_only(result: Result, option: str) -> None:
    if type(result.value) is not float:
        raise InputError(f"{option} takes scalar programs for now, and this one uses vectors or matrices",
                         "For a tensor program, --hvp W=[[...]],x=[...] gives a Hessian-vector product.")


def newton(graph: Graph, start: Mapping, wrt: list, steps: int, allow_nonfinite: bool = False,
           on_step=None, keep_all: bool = True, kinds: Optional[dict] = None) -> list:
    """Damped Newton's method on ``wrt`` from ``start`` (tasks/newton.py): the Steps visited."""
    from .tasks.newton import newton as run_newton

    return run_newton(graph, start, wrt, steps, allow_nonfinite, on_step, keep_all, kinds)


def descend(graph: Graph, start: Mapping, wrt: list, lr: float, steps: int, allow_nonfinite: bool = False,
            on_step=None, keep_all: bool = True, seed=None) -> list:
    """Gradient descent on ``wrt`` from ``start`` (tasks/optimize.py): the Steps visited."""
    from .tasks.optimize import descend as run_descend

    return run_descend(graph, start, wrt, lr, steps, allow_nonfinite, on_step, keep_all, seed)


def check_hessian(result: Result, tolerance: float = 1e-6, seed: int = 0, progress=None):
    """The Hessian against finite differences of the gradient (tasks/check/second_order.py): a
    CheckReport whose entries are named d2f/dxdy."""
    from .tasks.check.second_order import check_hessian as run_check

    _scalar_only(result, "check --order 2")
    return run_check(result, tolerance, seed, progress)
