"""f and df/dx over a range of one input, the others fixed: the numbers behind `backprop plot`.

Every point is evaluated by the numpy engine, exactly as `backprop eval --allow-nonfinite` would at
that point; ``undefined`` marks the points where plain `eval` would stop (some node is inf or nan).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

import numpy as np

from ..core import vectorized
from ..core.engine import input_values
from ..errors import InputError, unknown_input
from ..core.graph import Graph
from ..core.ops import NO_KINK, OPS

DEFAULT_POINTS = {"csv": 101, "plot": 201}
MAX_POINTS = 10_000_000


@dataclass
class Range:
    name: str
    lo: float
    hi: float
    n: Optional[int]  # None: the command's default


def parse_over(text: str) -> Range:
    """``x=-5:5`` or ``x=-5:5:101``; the ends may be constant expressions (``x=-pi:pi``)."""
    from ..api import constant, _NAME

    name, eq, rest = text.partition("=")
    name = name.strip()
    example = "Write NAME=FROM:TO or NAME=FROM:TO:POINTS, e.g. --over x=-5:5 or --over x=-pi:pi:201."
    if not eq or not _NAME.match(name):
        raise InputError(f"--over '{text}': no input name before '='", example)
    parts = rest.split(":")
    if len(parts) not in (2, 3) or not all(p.strip() for p in parts):
        raise InputError(f"--over '{text}': expected FROM:TO or FROM:TO:POINTS after '='", example)
    try:
        lo, hi = constant(parts[0]), constant(parts[1])
    except InputError as e:
        raise InputError(f"--over '{text}': {e.message}", example) from None
    if not (np.isfinite(lo) and np.isfinite(hi)) or not lo < hi:
        raise InputError(f"--over '{text}': the range must go from a smaller to a larger finite number",
                         example)
    n = None
    if len(parts) == 3:
        try:
            n = int(parts[2])
        except ValueError:
            raise InputError(f"--over '{text}': the number of points '{parts[2]}' is not a whole number",
                             example) from None
        if not 2 <= n <= MAX_POINTS:
            raise InputError(f"--over '{text}': the number of points must be 2 to {MAX_POINTS:,}", example)
    return Range(name, lo, hi, n)


def grid(lo: float, hi: float, n: int) -> np.ndarray:
    """n evenly spaced points with both ends exact, and 0 exact in the middle of a symmetric range."""
    k = np.arange(n, dtype=np.float64)
    return (lo * (n - 1 - k) + hi * k) / (n - 1)


@dataclass
class Sweep:
    name: str
    xs: np.ndarray
    f: np.ndarray
    dfdx: np.ndarray
    #: points where `eval` would stop: some node is inf or nan.
    undefined: np.ndarray
    #: (x, node id) for sampled points that land exactly on a kink.
    kinks: list


def check_inputs(graph: Graph, name: str, at: Mapping[str, float]) -> dict:
    """The fixed inputs; InputError if ``name`` is not an input or another input has no value."""
    if name not in graph.inputs:
        raise unknown_input("--over", name, graph.inputs)
    fixed = input_values(graph, {**at, name: 0.0})
    del fixed[name]
    return fixed


def sweep(graph: Graph, name: str, xs: np.ndarray, fixed: Mapping[str, float]) -> Sweep:
    result = vectorized.run(graph, {**fixed, name: xs}, len(xs))
    undefined = result.undefined()
    if undefined is None:
        undefined = np.zeros(len(xs), dtype=bool)
    return Sweep(name, xs, np.array(result.value), np.array(result.gradients[name]), undefined,
                 _kinks(graph, result, xs))


KINK_SCAN_LIMIT = 2_000_000  # nodes x points; beyond it, kinks are not looked for


def _kinks(graph: Graph, result, xs: np.ndarray) -> list:
    """Sampled points where some node sits exactly on a kink (relu at 0, a tie in max, ...)."""
    candidates = [i for i, op in enumerate(graph.op) if OPS[op].kink is not NO_KINK]
    if not candidates or len(candidates) * len(xs) > KINK_SCAN_LIMIT:
        return []
    found = []
    for i in candidates:
        kink = OPS[graph.op[i]].kink
        args = [result.full(result.values[j]).tolist() for j in graph.args[i]]
        for k, point in enumerate(zip(*args)):
            if kink(*point):
                found.append((float(xs[k]), i))
    found.sort()
    return found
