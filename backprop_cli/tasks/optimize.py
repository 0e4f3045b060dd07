"""Plain gradient descent on some inputs of a graph, minimising its output.

Each step runs the scalar engine on the graph built once (no re-parsing), then moves every chosen
input against its gradient: x <- x - lr * df/dx.  A step that would make the value or a gradient
inf or nan stops the descent with a MathError that says which step and what went wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Optional

from ..core.engine import input_values, run
from ..errors import InputError, MathError, unknown_input
from ..core.graph import Graph
from ..numbers import exact


@dataclass
class Step:
    #: 0 for the starting point; step k is the point after k updates.
    step: int
    value: float
    at: dict
    gradients: dict


def choose_inputs(graph: Graph, wrt: Iterable[str]) -> list:
    """The inputs to move: those named (in the graph's order), or all of them."""
    names = list(dict.fromkeys(wrt))
    for name in names:
        if name not in graph.inputs:
            raise unknown_input("--wrt", name, graph.inputs)
    if not names:
        if not graph.inputs:
            raise InputError("the expression has no inputs to optimise",
                             "Give an expression of some inputs, e.g. \"(x-3)^2\".")
        return list(graph.inputs)
    return [name for name in graph.inputs if name in names]


def descend(graph: Graph, start: Mapping[str, float], wrt: list, lr: float, steps: int,
            allow_nonfinite: bool = False,
            on_step: Optional[Callable[[Step], None]] = None, keep_all: bool = True) -> list:
    """The points visited: step 0 (the start) to step ``steps`` (without ``keep_all``, only the last:
    memory then does not grow with ``steps``; ``on_step`` sees every one).  Raises MathError if one
    is not finite."""
    point = input_values(graph, start)
    history: list = []
    out = graph.output_name
    for k in range(steps + 1):
        try:
            result = run(graph, point, allow_nonfinite=allow_nonfinite, record=False)
        except MathError as e:
            raise MathError(f"step {k}: the value is not finite at {_where(point, wrt)}:\n{e.message}",
                            _advice(k, lr)) from None
        if not math.isfinite(result.value):
            raise MathError(f"step {k}: {out} = {exact(result.value)} at {_where(point, wrt)}",
                            _advice(k, lr))
        step = Step(k, result.value, dict(point), result.gradients)
        if keep_all or not history:
            history.append(step)
        else:
            history[0] = step
        if on_step is not None:
            on_step(step)
        if k == steps:
            break
        for name in wrt:
            g = step.gradients[name]
            if not math.isfinite(g):
                raise MathError(f"step {k}: d{out}/d{name} = {exact(g)} at {_where(point, wrt)}: "
                                "gradient descent cannot move on from here", _advice(k, lr))
        moved = {name: point[name] - lr * step.gradients[name] for name in wrt}
        for name, v in moved.items():
            if not math.isfinite(v):
                raise MathError(f"step {k + 1}: the update made {name} = {exact(v)} "
                                f"(from {exact(point[name])}, d{out}/d{name} = "
                                f"{exact(step.gradients[name])})", _advice(k + 1, lr))
        point.update(moved)
    return history


def _where(point: Mapping[str, float], wrt: list) -> str:
    return ", ".join(f"{name} = {exact(point[name])}" for name in wrt)


def _advice(k: int, lr: float) -> str:
    if k == 0:
        return "Start from another point (--at)."
    return f"The steps may be too long: try a smaller --lr than {exact(lr)}, or fewer --steps."
