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
from ..base.errors import InputError, unknown_input
from ..base.text import printable
from ..core.graph import Graph
from ..core.ops import NO_KINK, GATES

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
    from ..language.values import NAME, constant

    name, eq, rest = text.partition("=")
    name = name.strip()
    example = "Write NAME=FROM:TO or NAME=FROM:TO:POINTS, e.g. --over x=-5:5 or --over x=-pi:pi:201."
    if not eq or not NAME.match(name):
        raise InputError(f"--over '{printable(text)}': no input name before '='", example)
    parts = rest.split(":")
    if len(parts) not in (2, 3) or not all(p.strip() for p in parts):
        raise InputError(f"--over '{printable(text)}': expected FROM:TO or FROM:TO:POINTS after '='", example)
    try:
        lo, hi = constant(parts[0]), constant(parts[1])
    except InputError as e:
        raise InputError(f"--over '{printable(text)}': {e.message}", example) from None
    if not (np.isfinite(lo) and np.isfinite(hi)) or not lo < hi:
        raise InputError(f"--over '{printable(text)}': the range must go from a smaller to a larger finite number",
                         example)
    if not np.isfinite(hi - lo):
        raise InputError(f"--over '{printable(text)}': the range is wider than a double can hold "
                         f"(TO - FROM = {hi - lo!r})", "Make it at most 1.7e308 wide, e.g. --over x=-8e307:8e307.")
    n = None
    if len(parts) == 3:
        try:
            n = int(parts[2])
        except ValueError:
            raise InputError(f"--over '{printable(text)}': the number of points '{printable(parts[2])}' is not a whole number",
                             example) from None
        if not 2 <= n <= MAX_POINTS:
            raise InputError(f"--over '{printable(text)}': the number of points must be 2 to {MAX_POINTS:,}", example)
    return Range(name, lo, hi, n)


def grid(lo: float, hi: float, n: int, start: int = 0, stop: Optional[int] = None,
         stride: int = 1) -> np.ndarray:
    """n evenly spaced points with both ends exact, and 0 exact in the middle of a symmetric range
    (or those of them numbered start, start + stride, ... below stop).  Every point is finite however
    wide the range (-1e308:1e308): the points are never inf or nan."""
    k = np.arange(start, n if stop is None else stop, stride, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        xs = (lo * (n - 1 - k) + hi * k) / (n - 1)
        if not np.isfinite(xs).all():
            # lo * (n - 1) overflowed: weights in [0, 1] instead (each term stays within the range),
            # and rounding kept inside [lo, hi].
            t = k / (n - 1)
            xs = np.clip(lo * (1 - t) + hi * t, lo, hi)
            xs[k == 0] = lo
            xs[k == n - 1] = hi
    return xs


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
    candidates = [i for i, op in enumerate(graph.op) if GATES[op].kink is not NO_KINK]
    if not candidates or len(candidates) * len(xs) > KINK_SCAN_LIMIT:
        return []
    found = []
    for i in candidates:
        kink = GATES[graph.op[i]].kink
        args = [result.full(result.values[j]).tolist() for j in graph.args[i]]
        for k, point in enumerate(zip(*args)):
            if kink(*point):
                found.append((float(xs[k]), i))
    found.sort()
    return found


#: a sweep of more points than this is evaluated in chunks and only every k-th point is kept for
#: the picture and its notes (a terminal shows a few hundred columns): memory stays flat however
#: many points --over asks for.
KEEP_POINTS = 5_001


def chunked_sweep(graph: Graph, name: str, lo: float, hi: float, n: int, fixed: Mapping[str, float],
                  on_chunk=None) -> Sweep:
    """``sweep`` over ``grid(lo, hi, n)`` a chunk at a time.  ``on_chunk(sweep)`` sees every chunk
    whole (CSV writes it out); the Sweep returned holds every k-th point (and the last), at most
    about KEEP_POINTS of them, for the picture and the notes."""
    stride = max(1, -(-n // KEEP_POINTS))
    rows = vectorized.rows_for(graph, 1 << 16)
    rows = max(stride, rows - rows % stride)  # chunks start on a kept point
    kept = []
    for start in range(0, n, rows):
        xs = grid(lo, hi, n, start, min(n, start + rows))
        part = sweep(graph, name, xs, fixed)
        if on_chunk is not None:
            on_chunk(part)
        pick = np.arange(0, len(xs), stride)
        if start + len(xs) == n and (len(xs) - 1) % stride:
            pick = np.append(pick, len(xs) - 1)
        kept.append(Sweep(name, part.xs[pick], part.f[pick], part.dfdx[pick], part.undefined[pick],
                          [(x, i) for x, i in part.kinks if x in set(part.xs[pick].tolist())]))
    return Sweep(name, np.concatenate([s.xs for s in kept]), np.concatenate([s.f for s in kept]),
                 np.concatenate([s.dfdx for s in kept]), np.concatenate([s.undefined for s in kept]),
                 [k for s in kept for k in s.kinks])
