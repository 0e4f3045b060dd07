"""The gradient check of a tensor program: every element of a small input by a centred finite
difference, a large input along random directions (as JAX's check_grads does); the worst is reported."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core.ops import GATES, NO_KINK
from ...core.vectorized import tensor_forward

#: inputs with at most this many elements are checked element by element
EVERY_ELEMENT = 64
DIRECTIONS = 16


@dataclass
class TensorCheck:
    name: str
    shape: tuple
    method: str
    worst_error: float
    where: str
    analytic: float
    numeric: float
    passed: bool
    #: the finite difference changed with the step: a kink (relu at 0, a tie) lies within reach
    kink: bool = False


def _value(graph, inputs) -> float:
    with np.errstate(all="ignore"):
        return float(np.sum(tensor_forward(graph, inputs)[graph.output]))


def _labels_only(graph, node: int) -> bool:
    """Is this input used only as the labels of cross_entropy (not differentiable)?"""
    uses = [(i, k) for i, args in enumerate(graph.args) for k, j in enumerate(args) if j == node]
    return bool(uses) and all(graph.op[i] == "cross_entropy" and k == 1 for i, k in uses)


def _at_kink(result) -> bool:
    """Does some gate sit on one of its kinks (relu at 0, a tie in max or amax)?  The gradient there
    is PyTorch's convention, not a limit a finite difference can see.  The gate table says where
    each gate's kinks are, as for the scalar check: an elementwise gate's rule element by element."""
    g = result.graph
    live = g.live()
    for i in range(len(g)):
        gate = GATES[g.op[i]]
        if not live[i] or not g.args[i] or gate.kink is NO_KINK:
            continue
        xs = [result.values[j] for j in g.args[i]]
        if gate.elementwise:
            hit = np.vectorize(gate.kink, otypes=[bool])(*xs)
        else:
            hit = gate.kink(*xs, *(g.payload[i] or ()))
        if np.any(hit):
            return True
    return False


def check_tensors(result, tolerance: float, seed: int = 0, method: str = "auto",
                  directions: int = DIRECTIONS) -> list:
    """``method``: "each-input" checks every element, "directions" random directions, "auto" every
    element of an input of at most EVERY_ELEMENT elements."""
    graph = result.graph
    at_kink = _at_kink(result)
    inputs = dict(result.at)
    rng = np.random.default_rng(seed)
    report = []
    for name, node in graph.inputs.items():
        if _labels_only(graph, node):
            continue
        x = np.asarray(inputs[name], dtype=np.float64)
        g = np.asarray(result.grads[node])
        h = np.finfo(float).eps ** (1 / 3) * max(1.0, float(np.max(np.abs(x))) if x.size else 1.0)
        if method == "each-input" or (method == "auto" and x.size <= EVERY_ELEMENT):
            how = "every element"
            probes = [(f"[{', '.join(map(str, idx))}]" if x.ndim else "", np.eye(1, x.size, k).reshape(x.shape))
                      for k, idx in enumerate(np.ndindex(*x.shape))]
        else:
            how = f"{directions} random direction{'s' if directions != 1 else ''}"
            probes = []
            for k in range(directions):
                d = rng.standard_normal(x.shape)
                probes.append((f"direction {k + 1}", d / np.linalg.norm(d)))
        worst = (-1.0, "", 0.0, 0.0)
        for where, d in probes:
            up = _value(graph, {**inputs, name: x + h * d})
            down = _value(graph, {**inputs, name: x - h * d})
            numeric = (up - down) / (2 * h)
            analytic = float(np.sum(g * d))
            err = abs(analytic - numeric) / max(abs(analytic), abs(numeric), 1e-8)
            if not err == err:
                err = float("inf")
            if err > worst[0]:
                worst = (err, where, analytic, numeric)
        err, where, analytic, numeric = worst
        kink = False
        if err > tolerance and at_kink:
            kink = True
        elif err > tolerance:
            # Across a kink the difference quotient depends on the step; on a smooth function it
            # converges.  Halve the step: if the estimate moves as much as the error, say so.
            d = dict(probes)[where]
            half = (_value(graph, {**inputs, name: x + h / 2 * d}) - _value(graph, {**inputs, name: x - h / 2 * d})) / h
            kink = abs(half - numeric) > 0.25 * abs(analytic - numeric)
        report.append(TensorCheck(name, tuple(x.shape), how, err, where, analytic, numeric,
                                  err <= tolerance or kink, kink))
    return report
