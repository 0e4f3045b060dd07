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
from ..base.errors import InputError, MathError, unknown_input
from ..core.graph import Graph
from ..base.numbers import exact


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
        # Data read from files (input X = @x.npy) stays put unless named: the weights are trained.
        data = {n for n, d in graph.defaults.items() if "load" in getattr(d, "ops", ())}
        return [name for name in graph.inputs if name not in data] or list(graph.inputs)
    return [name for name in graph.inputs if name in names]


def descend(graph: Graph, start: Mapping[str, float], wrt: list, lr: float, steps: int,
            allow_nonfinite: bool = False,
            on_step: Optional[Callable[[Step], None]] = None, keep_all: bool = True, seed=None) -> list:
    """The points visited: step 0 (the start) to step ``steps`` (without ``keep_all``, only the last:
    memory then does not grow with ``steps``; ``on_step`` sees every one).  Raises MathError if one
    is not finite."""
    if graph.tensor or any(type(v) is not float for v in start.values()):
        return _descend_tensor(graph, start, wrt, lr, steps, allow_nonfinite, on_step, seed, keep_all)
    point = input_values(graph, start)
    history: list = []
    out = graph.output_name
    for k in range(steps + 1):
        result = scalar_result(graph, point, wrt, k, allow_nonfinite, _advice(k, lr), record=False)
        step = keep_step(history, Step(k, result.value, dict(point), result.gradients), keep_all, on_step)
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


def _descend_tensor(graph, start, wrt, lr, steps, allow_nonfinite, on_step, seed, keep_all=True) -> list:
    """The same descent over arrays: every input in ``wrt`` moves by -lr times its gradient (same shape)."""
    import numpy as np

    from ..core.vectorized import tensor_inputs

    point = tensor_inputs(graph, start, seed)
    history: list = []
    out = graph.output_name
    for k in range(steps + 1):
        result, value = tensor_result(graph, point, seed, k, allow_nonfinite, _advice(k, lr), wrt=wrt)
        step = keep_step(history, Step(k, value, dict(point), result.gradients), keep_all, on_step)
        if k == steps:
            break
        for name in wrt:
            if not np.isfinite(step.gradients[name]).all():
                raise MathError(f"step {k}: d{out}/d{name} has inf or nan elements: "
                                "gradient descent cannot move on from here", _advice(k, lr))
        point.update({name: point[name] - lr * step.gradients[name] for name in wrt})
    return history


def keep_step(history: list, step: Step, keep_all: bool, on_step: Optional[Callable[[Step], None]]) -> Step:
    """Record a visited point: every one with ``keep_all``, else only the last (memory then does not
    grow with the steps); ``on_step`` sees each."""
    if keep_all or not history:
        history.append(step)
    else:
        history[0] = step
    if on_step is not None:
        on_step(step)
    return step


def scalar_result(graph: Graph, point: dict, wrt: list, k: int, allow_nonfinite: bool, advice: str,
                  record: bool = True):
    """The engine's Result at step ``k``'s point; MathError (with ``advice``) where the value is not finite."""
    try:
        result = run(graph, point, allow_nonfinite=allow_nonfinite, record=record)
    except MathError as e:
        raise MathError(f"step {k}: the value is not finite at {_where(point, wrt)}:\n{e.message}",
                        advice) from None
    if not math.isfinite(result.value):
        raise MathError(f"step {k}: {graph.output_name} = {exact(result.value)} at {_where(point, wrt)}",
                        advice)
    return result


def tensor_result(graph: Graph, point: dict, seed, k: int, allow_nonfinite: bool, advice: str, wrt=None) -> tuple:
    """(Result, its value as a float) of a tensor program at step ``k``'s point: InputError unless the
    output is one number, MathError (with ``advice``) where it is not finite."""
    import numpy as np

    from ..core.vectorized import run_tensor

    out = graph.output_name
    try:
        result = run_tensor(graph, point, seed, allow_nonfinite, wrt=wrt)
    except MathError as e:
        raise MathError(f"step {k}: the value is not finite:\n{e.message}", advice) from None
    if np.ndim(result.value):
        raise InputError(f"optimize minimises a number, and {out} has shape {np.shape(result.value)}",
                         "Minimise a scalar loss, e.g. its sum(...), mean(...) or a cross_entropy(...).")
    value = float(result.value)
    if not math.isfinite(value):
        raise MathError(f"step {k}: {out} = {exact(value)}", advice)
    return result, value


def _where(point: Mapping[str, float], wrt: list) -> str:
    return ", ".join(f"{name} = {exact(point[name])}" for name in wrt)


def _advice(k: int, lr: float) -> str:
    if k == 0:
        return "Start from another point (--at)."
    return f"The steps may be too long: try a smaller --lr than {exact(lr)}, or fewer --steps."
