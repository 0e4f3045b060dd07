"""The gradient check of a tensor program: every element of a small input by a centred finite
difference, a large input along random directions (as JAX's check_grads does); the worst is reported.

Each element (or direction) is a probe of the scalar check (``numeric.py``), and is judged by the
same code: the same steps, the same bound on the finite difference's own error (truncation seen in
D(h) - D(2h), and the rounding of f: ``rounding_noise``, which over arrays counts the additions of
sums and matmuls too), the same shrinking of the step near a kink, the same verdicts.  Only the
evaluation differs: the tensor engine's forward pass at each moved point, and the pieces (which
side of a kink) worked out over arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...core.ops import GATES, NO_KINK
from ...core.vectorized import tensor_forward
from .numeric import Probe, check_probes, rounding_noise

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
    #: the finite difference cannot see the slope: a kink (relu at 0, a tie) at the point or within reach
    kink: bool = False
    #: the worst probe's verdict: "pass", "fail", "kink", "near-kink", "inconclusive"
    status: str = "pass"
    #: the finite difference's own error, estimated (per unit step along the probe)
    numeric_error: float = 0.0
    step: float = 0.0
    note: str = ""


def _labels_only(graph, node: int) -> bool:
    """Is this input used only as the labels of cross_entropy (not differentiable)?"""
    uses = [(i, k) for i, args in enumerate(graph.args) for k, j in enumerate(args) if j == node]
    return bool(uses) and all(graph.op[i] == "cross_entropy" and k == 1 for i, k in uses)


def _sign_piece(x, *rest):
    return np.sign(x)


def _positive(x, *rest):
    return np.asarray(x) > 0


#: each gate's ``piece`` (ops.py) over arrays, for the gates whose piece is the sign of, or a
#: comparison on, their inputs (tests/test_check_tensors.py holds them equal to the table's)
ARRAY_PIECES = {
    "relu": _sign_piece, "abs": _sign_piece, "leaky_relu": _sign_piece, "step": _sign_piece,
    "sign": _sign_piece, "log": _positive, "log2": _positive, "log10": _positive, "sqrt": _positive,
    "div": lambda a, b: np.sign(b), "asin": lambda a: np.abs(a) < 1, "acos": lambda a: np.abs(a) < 1,
}


def _pieces(op: str, xs: list):
    """Which piece each element is on, or None for a gate without pieces (or not worked out)."""
    if op in ARRAY_PIECES:
        return ARRAY_PIECES[op](*xs)
    if op in ("max", "min"):  # which input wins, elementwise
        best = np.maximum.reduce if op == "max" else np.minimum.reduce
        m = best(np.broadcast_arrays(*xs))
        return np.stack(np.broadcast_arrays(*[x == m for x in xs]))
    if op in ("amax", "amin"):
        return None
    return None


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


class _TensorRuns:
    """f, and the piece nodes moved, at positions along each probe: the tensor engine's forward pass
    with one input moved (an element set to t, or the input plus t times a direction)."""

    def __init__(self, result, name: str, moves: dict) -> None:
        self.graph, self.name, self.moves = result.graph, name, moves
        self.inputs = dict(result.at)
        self.x = np.asarray(self.inputs[name], dtype=np.float64)
        g = self.graph
        live = g.live()
        self.pieces = [i for i in range(g.output + 1) if live[i] and g.args[i] and g.op[i] in GATES
                       and (g.op[i] in ARRAY_PIECES or g.op[i] in ("max", "min"))]
        self.here = [self._piece(result.values, i) for i in self.pieces]

    def _piece(self, values, i):
        return _pieces(self.graph.op[i], [np.asarray(values[j]) for j in self.graph.args[i]])

    def __call__(self, requests):
        for probe, ts in requests:
            runs = []
            for t in ts:
                values = self._forward(self.moves[probe.name], t)
                moved = tuple(p for p, i in enumerate(self.pieces)
                              if not np.array_equal(self._piece(values, i), self.here[p]))
                runs.append((float(np.sum(values[self.graph.output])), moved))
            yield runs

    def _forward(self, move, t):
        index, d = move
        if index is not None:
            x = self.x.copy()
            x[index] = t
        else:
            x = self.x + t * d
        with np.errstate(all="ignore"):
            return tensor_forward(self.graph, {**self.inputs, self.name: x})


def check_tensors(result, tolerance: float, seed: int = 0, method: str = "auto",
                  directions: int = DIRECTIONS) -> list:
    """``method``: "each-input" checks every element, "directions" random directions, "auto" every
    element of an input of at most EVERY_ELEMENT elements."""
    graph = result.graph
    at_kink = _at_kink(result)
    rng = np.random.default_rng(seed)
    noise = rounding_noise(result)
    report = []
    for name, node in graph.inputs.items():
        if _labels_only(graph, node):
            continue
        x = np.asarray(result.at[name], dtype=np.float64)
        grad = np.asarray(result.grads[node])
        probes, moves, units = [], {}, {}
        if method == "each-input" or (method == "auto" and x.size <= EVERY_ELEMENT):
            how = "every element"
            for idx in np.ndindex(*x.shape):
                where = f"[{', '.join(map(str, idx))}]" if x.ndim else ""
                probes.append(Probe(where, float(x[idx]), float(grad[idx]), None))
                moves[where], units[where] = (idx, None), 1.0
        else:
            how = f"{directions} random direction{'s' if directions != 1 else ''}"
            # A unit direction, stretched by the input's scale so that the step along it moves the
            # input by about the step each element would take on its own (as the scalar check's).
            scale = max(1.0, float(np.max(np.abs(x))) if x.size else 1.0)
            for k in range(directions):
                d = rng.standard_normal(x.shape)
                d = d / np.linalg.norm(d)
                where = f"direction {k + 1}"
                probes.append(Probe(where, None, float(np.sum(grad * d)) * scale, None, (seed, k)))
                moves[where], units[where] = (None, d * scale), scale
        evaluate = _TensorRuns(result, name, moves)
        pieces = evaluate.pieces
        checks = check_probes(result, probes, pieces, noise, tolerance, evaluate)
        report.append(_worst(name, tuple(x.shape), how, checks, units, at_kink, tolerance))
    return report


_RANK = {"fail": 3, "near-kink": 2, "kink": 2, "inconclusive": 1, "pass": 0}


def _worst(name, shape, how, checks, units, at_kink, tolerance) -> TensorCheck:
    """The input's row: its worst probe (a failure first, then by relative error)."""
    def badness(c):
        status = "kink" if c.status == "fail" and at_kink else c.status
        rel = c.relative_error if c.relative_error == c.relative_error else float("inf")
        # Errors within the tolerance are rounding, whose order differs between machines: none of
        # them is "the worst", and the first probe is shown.
        return (_RANK[status], rel if rel > tolerance else 0.0)

    c = max(checks, key=badness)
    status = "kink" if c.status == "fail" and at_kink else c.status
    if status == "kink" and c.status == "fail":
        c.note = "a kink (relu, abs, step or sign of 0, or a tie) at the point: the gradient there is a convention"
    unit = units[c.name]
    rel = c.relative_error if c.relative_error == c.relative_error else float("inf")
    return TensorCheck(name, shape, how, rel, c.name, c.backprop / unit, c.numeric / unit,
                       status != "fail", status in ("kink", "near-kink"), status, c.numeric_error / unit,
                       c.step * (unit if c.value is None else 1.0), c.note)
