"""Gradient checking: backprop's gradient against centred finite differences, input by input
(or along random directions).

For an input with value x the step is h = eps^(1/3) * max(1, |x|) (eps = 2.2e-16, so h is about
6.1e-6 * max(1, |x|)): the step that balances the centred difference's truncation error (h^2) against
its rounding error (eps/h).  The numeric derivative is

    D(h) = (f(x + h) - f(x - h)) / ((x + h) - (x - h))

and its own error is estimated as |D(h) - D(2h)| (truncation shows there: it grows with h^2) plus
the rounding of f at the two ends.  The graph is not parsed again: the engine's ``forward`` runs on
the graph already built, at the shifted points.

Where the expression is not differentiable the gradient is a convention (relu'(0) = 0, ...), not a
limit, so such a point is reported as a kink, never as a failure.  The op table's ``kink`` finds
them among the graph's nodes at the point; its ``piece`` finds the nodes a step would carry across a
kink (or a singularity): then the step is made smaller until it does not, and only when even a step
2^16 times smaller crosses one is the input reported as "near a kink" (and not as a failure).

Each input's check is a generator (``_check_probe``) that asks for the points it needs, round by
round; ``_drive`` gathers a round's points of every input and has them evaluated together
(``points.py``: the scalar engine for small programs, numpy arrays for big ones).  A program
too big to check input by input (inputs x nodes above EACH_INPUT_WORK) is checked along random
directions through the point instead, with the same steps and verdicts, as JAX's check_grads does.
"""

from __future__ import annotations

import math
import operator
import sys
from dataclasses import dataclass, field
from typing import Optional

from ...core.engine import Result
from ...core.graph import Graph
from ...base.numbers import CHECK_TOLERANCE, show
from ...core.ops import NO_KINK, GATES
from .directions import direction, direction_scale

EPS = sys.float_info.epsilon
#: the spacing of doubles near 0 (the smallest subnormal): no value is known better than this.
TINY = math.ulp(0.0)
STEP_FACTOR = EPS ** (1.0 / 3.0)
STEP_RULE = "h = eps^(1/3) * max(1, |x|)"
RELATIVE_ERROR_RULE = "|backprop - numeric| / max(|backprop|, |numeric|)"
DEFAULT_TOLERANCE = CHECK_TOLERANCE
#: when the finite difference's own error is above this fraction of the gradient's natural scale,
#: it cannot confirm or refute anything.
UNCERTAIN = 1e-3
SHRINK = 16
SHRINK_TIMES = 4

#: ops with kinks (relu, abs, max, min, ...), as opposed to ops whose pieces meet at a singularity.
_KINK_GATES = {name for name, op in GATES.items() if op.kink is not NO_KINK}


@dataclass
class InputCheck:
    #: the input's name, or "direction k" for a check along a random direction
    name: str
    #: the input's value (None for a direction)
    value: Optional[float]
    step: float
    backprop: float
    numeric: float
    #: the finite difference's own error, estimated.
    numeric_error: float
    relative_error: float
    #: "pass", "fail", "kink" (not differentiable at the point), "near-kink" (a kink closer than the
    #: smallest step), "inconclusive" (finite differences cannot tell here).
    status: str
    note: str = ""
    #: the node behind a "kink" / "near-kink" status, or the one that made the step smaller.
    node: Optional[int] = None
    #: a second-order check (``name`` the entry d2f/dxdy): the input moved (y) and the derivative
    #: differentiated (df/dx)
    along: Optional[str] = None
    of: Optional[str] = None

    @property
    def failed(self) -> bool:
        return self.status == "fail"


@dataclass
class CheckReport:
    result: Result
    tolerance: float
    inputs: list = field(default_factory=list)
    #: "each input", or "N random directions" (see ``check``)
    method: str = "each input"
    #: the seed of the random directions
    seed: Optional[int] = None

    @property
    def failures(self) -> list:
        return [c for c in self.inputs if c.failed]

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class Probe:
    """One derivative to check: d f / d(input), or f's slope along a direction through the point."""
    name: str
    #: the input's value; None for a direction (whose parameter starts at 0)
    value: Optional[float]
    backprop: float
    #: a node at a kink at the point that moving along this probe moves (None if there is none)
    at_kink: Optional[int]
    #: for a direction: (seed, k), the k-th of ``direction``'s directions
    direction: Optional[tuple] = None

    @property
    def start(self) -> float:
        return 0.0 if self.value is None else self.value


def _first_kink_above(graph: Graph, kinks: list) -> list:
    """For every node, the first kink (in node order) that depends on it, or None: one pass down
    the graph from the kinks."""
    first = [None] * len(graph)
    for i in kinks:
        first[i] = i
    args = graph.args
    for i in range(len(graph) - 1, -1, -1):
        k = first[i]
        if k is not None:
            for j in args[i]:
                if first[j] is None or k < first[j]:
                    first[j] = k
    return first


#: the largest (inputs x nodes) checked input by input on the scalar engine; above it, on numpy arrays
SCALAR_WORK = 200_000
#: the largest (inputs x nodes) checked input by input at all; above it, along random directions
EACH_INPUT_WORK = 1_000_000_000
DIRECTIONS = 16
METHODS = ("auto", "each-input", "directions")


def choose_method(result: Result, method: str = "auto") -> str:
    """"each-input" or "directions": what ``check`` does with ``method`` "auto" on this program."""
    if method != "auto":
        return method
    work = len(result.graph.inputs) * sum(result.graph.live())
    return "each-input" if work <= EACH_INPUT_WORK else "directions"


def check(result: Result, tolerance: float = DEFAULT_TOLERANCE, method: str = "auto",
          directions: int = DIRECTIONS, seed: int = 0, progress=None) -> CheckReport:
    """Check the gradient in ``result`` against finite differences: input by input, or (``method``
    "directions", or "auto" on a program too big for that) along ``directions`` random directions
    through the point, the way JAX's check_grads does.  Many probes are run at once on the numpy
    engine; ``progress(fraction)`` is called as they go."""
    g = result.graph
    live = g.live()
    method = choose_method(result, method)
    values = result.values
    # The nodes whose local gradient may change abruptly: those with pieces, on the way to the output.
    pieces = [i for i in range(g.output + 1)
              if live[i] and g.args[i] and GATES[g.op[i]].piece is not None]
    kinks = [i for i in pieces if GATES[g.op[i]].kink(*[values[j] for j in g.args[i]])]
    report = CheckReport(result, tolerance)
    above = _first_kink_above(g, kinks)
    probes = []
    if method == "directions":
        report.method = f"{directions} random direction{'s' if directions != 1 else ''}"
        report.seed = seed
        at_kink = min((above[node] for node in g.inputs.values() if above[node] is not None), default=None)
        grads = [result.grads[node] for node in g.inputs.values()]
        scale = direction_scale(result)
        for k in range(directions):
            bp = math.fsum(map(operator.mul, direction(result, (seed, k), scale).tolist(), grads))
            probes.append(Probe(f"direction {k + 1}", None, bp, at_kink, (seed, k)))
    else:
        for name, node in g.inputs.items():
            probes.append(Probe(name, result.at[name], result.grads[node], above[node]))
    noise = rounding_noise(result)
    if any(0 < abs(v) < sys.float_info.min for v in values):
        # Subnormal values (below 2.2e-308) have lost precision: no f is known better than TINY.
        noise = max(noise, TINY)
    from .points import evaluator

    evaluate = evaluator(result, pieces, probes, len(probes) * sum(live) > SCALAR_WORK)
    report.inputs = check_probes(result, probes, pieces, noise, tolerance, evaluate, progress)
    return report


def check_probes(result: Result, probes: list, pieces: list, noise: float, tolerance: float, evaluate,
                 progress=None) -> list:
    """One InputCheck a probe: its steps, its finite differences with their own error bound, its
    verdict.  ``evaluate`` answers requests [(probe, positions)] with runs (f, moved pieces); the
    tensor check (``tensors.py``) gives its own, over arrays, and shares everything else."""
    return _drive([_check_probe(result, p, pieces, noise, tolerance) for p in probes], probes, evaluate,
                  progress)


def _drive(checks: list, probes: list, evaluate, progress) -> list:
    """Run every probe's check (a generator that yields the points it needs and is sent f and the
    pieces there) round by round, the points of a round evaluated together.  ``progress`` is given
    the points done over the most there can be (a probe may shrink its step SHRINK_TIMES times)."""
    results = [None] * len(checks)
    pending = [(k, next(gen)) for k, gen in enumerate(checks)]
    done, rounds, shown = 0, 0, 0.0
    most = sum(len(ts) for _, ts in pending) + 4 * SHRINK_TIMES * len(pending)
    while pending:
        following = []
        for (k, ts), runs in zip(pending, evaluate([(probes[k], ts) for k, ts in pending])):
            try:
                following.append((k, checks[k].send(runs)))
            except StopIteration as stop:
                results[k] = stop.value
                checks[k] = None
                most -= 4 * (SHRINK_TIMES - rounds)  # the steps it did not need
            done += len(ts)
            if progress is not None and done >= (shown + 0.005) * most:
                shown = done / most
                progress(shown)
        pending = following
        rounds += 1
    return results


def _check_probe(result: Result, probe: Probe, pieces: list, noise: float, tolerance: float):
    """The check of one probe, as a generator: it yields the points it needs (positions along the
    probe) and is sent, for each, f there and the positions in ``pieces`` of the nodes that are on
    another piece there than at the point (ascending); it returns the InputCheck."""
    g = result.graph
    name, x, bp, at_kink = probe.name, probe.start, probe.backprop, probe.at_kink

    def crossing(runs):
        """The first piece node (in node order) that some run is on another piece of."""
        moved = [r[1][0] for r in runs if r[1]]
        return pieces[min(moved)] if moved else None

    first_h = h = STEP_FACTOR * max(1.0, abs(x))
    # How steep f is around here, from a wide difference (a tenth of x's scale): the yardstick for
    # "the finite difference is accurate".  It never decides pass or fail by itself.
    wide = 0.1 * max(1.0, abs(x))
    runs = yield (x - wide, x + wide, x - 2 * h, x - h, x + h, x + 2 * h)
    slope = abs(runs[1][0] - runs[0][0]) / (2 * wide)
    slope = slope if math.isfinite(slope) else 0.0
    runs = runs[2:]
    first_runs = runs
    ladder = []
    for attempt in range(SHRINK_TIMES + 1):
        if attempt:
            runs = yield (x - 2 * h, x - h, x + h, x + 2 * h)
        xs = (x - 2 * h, x - h, x + h, x + 2 * h)
        st = _Stencil(h, xs, [r[0] for r in runs], crossing(runs), noise, bp, x, slope)
        ladder.append(st)
        if at_kink is not None or (st.valid and st.numeric_error <= tolerance * st.natural):
            break  # at a kink the default step is as good as any; otherwise: accurate enough
        h /= SHRINK
    valid = [k for k, st in enumerate(ladder) if st.valid]
    if at_kink is not None or not valid:
        st = ladder[0]  # no step stays on one piece: the default step (the least rounding) is shown
    elif len(ladder) == 1:
        st = ladder[0]
    else:
        # A hard case (rapid change, large cancellation, a kink close by): among the steps that
        # cross nothing, the one whose error estimate, widened by how far it is from its
        # neighbour's difference, is smallest.  Differences that are noise disagree with each other.
        for k in valid:
            near = k + 1 if k + 1 in valid else k - 1 if k - 1 in valid else None
            if near is not None:
                ladder[k].numeric_error += abs(ladder[k].d1 - ladder[near].d1)
        st = ladder[min(valid, key=lambda k: ladder[k].numeric_error)]
        st.settle()

    check = InputCheck(name, probe.value, st.h, bp, st.d1, st.numeric_error, st.rel, "pass")
    agrees = math.isfinite(st.diff) and (st.rel <= tolerance or st.diff <= st.numeric_error)
    # Agreeing to within the tolerance settles it; agreeing only to within the finite difference's
    # own error counts when that error is small against how steep f is here.
    uncertain = not (st.rel <= tolerance or st.numeric_error <= UNCERTAIN * st.natural)

    if at_kink is not None:
        check.status, check.node = "kink", at_kink
        check.note = (f"a kink at {_describe(g, result.values, at_kink)}: not differentiable here, the "
                      "gradient is a convention" + ("; finite differences agree" if agrees and not uncertain
                                                    else "; finite differences see another slope"))
        return check
    if st.crossed is not None or st.nonfinite:
        if agrees and not uncertain:
            return check
        if st.crossed is not None:
            check.node = st.crossed
            kink = g.op[st.crossed] in _KINK_GATES
            check.status = "near-kink" if kink else "inconclusive"
            check.note = (f"{'near a kink' if kink else 'near a singularity'}: "
                          f"{_describe(g, result.values, st.crossed)} is within {show(ladder[-1].h, 2)} of "
                          f"{'its kink' if kink else 'a singularity'}, so finite differences cannot see the slope")
        else:
            check.status = "inconclusive"
            where = f"of {name} = {show(x, 6)}" if probe.value is not None else f"of the point along {name}"
            check.note = f"f is not finite within {show(ladder[-1].h, 2)} {where}: finite differences cannot be taken"
        return check
    notes = []
    if st.h != first_h:
        # The first piece node crossed by the first step, taking the runs in order.
        crossed = next((pieces[r[1][0]] for r in first_runs if r[1]), None)
        if crossed is not None:
            check.node = crossed
            kink = g.op[crossed] in _KINK_GATES
            notes.append(f"{'near a kink' if kink else 'near a singularity'}: "
                         f"{_describe(g, result.values, crossed)} is within the step {show(first_h, 2)}, "
                         f"so the step was made {first_h / st.h:g} times smaller to stay on one side")
        else:
            notes.append(f"step made {first_h / st.h:g} times smaller, where the finite difference's "
                         "error estimate is smallest")
    if agrees and not uncertain:
        if st.rel > tolerance:
            notes.append(f"agrees within the finite difference's own error (±{show(st.numeric_error, 2)})")
        check.note = "; ".join(notes)
        return check
    if uncertain:
        check.status = "inconclusive"
        notes.append(f"the finite difference is too uncertain here (±{show(st.numeric_error, 2)}) "
                     "to confirm or refute the gradient")
        check.note = "; ".join(notes)
        return check
    check.status = "fail"
    check.note = "; ".join(notes)
    return check


class _Stencil:
    """One centred difference: D(h), D(2h), and what they say."""

    def __init__(self, h, xs, fs, crossed, noise, bp, x, slope) -> None:
        self.h, self.crossed = h, crossed
        self.nonfinite = not all(math.isfinite(v) for v in fs)
        self.valid = crossed is None and not self.nonfinite
        self.bp = bp
        fm2, fm1, fp1, fp2 = fs
        self.d1 = (fp1 - fm1) / (xs[2] - xs[1])
        d2 = (fp2 - fm2) / (xs[3] - xs[0])
        scale_f = max(abs(fm1), abs(fp1))
        # The rounding in f(x + h) and f(x - h), over the step, and the truncation that shows in
        # D(h) - D(2h) (it grows as h^2).
        self.numeric_error = abs(self.d1 - d2) + 4 * max(noise, EPS * scale_f) / (xs[2] - xs[1])
        self.scale_f, self.x, self.slope = scale_f, x, slope
        self.settle()

    def settle(self) -> None:
        """The comparison with backprop, from d1 and numeric_error."""
        bp = self.bp
        if self.numeric_error != self.numeric_error:
            self.numeric_error = math.inf
        self.diff = abs(bp - self.d1)
        biggest = max(abs(bp), abs(self.d1))
        if self.diff == 0:
            self.rel = 0.0
        elif not math.isfinite(self.diff):
            self.rel = math.nan if (bp != bp or self.d1 != self.d1) else math.inf
        else:
            self.rel = self.diff / biggest
        # The gradient's natural scale as the finite differences see it (not backprop: a wrong
        # gradient must not make the numeric one look accurate).
        d1 = abs(self.d1) if math.isfinite(self.d1) else 0.0
        self.natural = max(d1, self.slope, self.scale_f / max(1.0, abs(self.x)))


def rounding_noise(result: Result) -> float:
    """How far rounding may move the computed f: every node's rounding (eps * |value|) times how
    much f depends on that node (|gradient|), summed to first order.  It is large where a big
    intermediate cancels out, (x + 1e10) - 1e10 say, and finite differences become noise."""
    g = result.graph
    live = g.live()
    if type(result.value) is not float:  # a tensor program: arrays, and reductions that round as they add
        return _array_rounding_noise(result, live)
    total = abs(result.value)
    for i, (op, v, d) in enumerate(zip(g.op, result.values, result.grads)):
        if live[i] and op != "const":
            t = abs(v * d)
            if t == t and t != math.inf:
                total += t
    return EPS * total


def _array_rounding_noise(result: Result, live) -> float:
    """``rounding_noise`` over arrays: every element's rounding times its gradient, and, for a gate
    that adds many terms (a sum, a matmul, softmax's denominator), the rounding of those additions:
    about log2(n) roundings of the sum of the |terms| (numpy adds pairwise)."""
    import numpy as np

    from ...core.ops import GATES

    g = result.graph
    with np.errstate(all="ignore"):
        total = float(np.sum(np.abs(result.values[g.output])))
        for i, (op, v, d) in enumerate(zip(g.op, result.values, result.grads)):
            if not live[i] or op == "const":
                continue
            total += _finite_sum(np.abs(np.asarray(v) * d))
            if not GATES[op].elementwise and g.args[i]:
                x = np.asarray(result.values[g.args[i][0]])
                if op == "matmul":
                    y = np.asarray(result.values[g.args[i][1]])
                    terms = x.shape[-1] if x.ndim else 1
                    size = _finite_sum(np.abs(np.matmul(np.abs(x), np.abs(y)) * d))
                else:
                    terms = max(1, x.size // max(1, np.size(v)))
                    size = _finite_sum(np.abs(x)) * float(np.max(np.abs(d), initial=0.0))
                total += math.log2(terms + 1) * size
    return EPS * total


def _finite_sum(a) -> float:
    import numpy as np

    a = np.asarray(a)
    t = float(np.sum(a[np.isfinite(a)])) if a.ndim else (float(a) if math.isfinite(a) else 0.0)
    return t if math.isfinite(t) else 0.0


def _describe(g: Graph, values: list, i: int) -> str:
    from ...core.ops import shape_text

    ins = ", ".join(show(float(values[j]), 6) if getattr(values[j], "ndim", 0) == 0 else
                    shape_text(values[j].shape) for j in g.args[i])
    return f"{g.label(i, 40)} ({g.op[i]} of {ins})"
