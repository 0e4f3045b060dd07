"""f at the points a gradient check asks for, many at a time.

A request is a probe (an input, or a direction through the point) and the positions along it to
evaluate.  For each position the answer is a run: f there, and the positions (in the check's list of
nodes with pieces) of the nodes that are on another piece there than at the point.

Two evaluators give the same answers.  The scalar one runs the engine's forward pass once a point
(small programs: no numpy to import).  The array one runs the numpy engine over a chunk of points
at a time: every point is a row; an input that no probe in the chunk moves stays one number, so
only the part of the graph below the moved inputs is computed row by row, and node values are
dropped as soon as nothing else needs them.  A node's piece is worked out only on the rows where its
arguments moved.
"""

from __future__ import annotations

from typing import Iterator

from ...core.engine import Result, forward
from ...core.ops import GATES
from .directions import direction, direction_scale

#: bytes the array evaluator may spend on one chunk's node values
MEMORY_BUDGET = 256 * 2**20
MAX_ROWS = 32768
MIN_ROWS = 64


def evaluator(result: Result, pieces: list, probes: list, arrays: bool):
    """A function from a list of (probe, positions) requests to an iterator of their runs."""
    if arrays:
        return _ArrayRuns(result, pieces, probes)
    return lambda requests: _scalar_runs(result, pieces, requests)


def _place(point: dict, base, names: list, probe, coefficients, t: float) -> None:
    if probe.direction is None:
        point[probe.name] = t
    else:
        for name, c in zip(names, coefficients):
            point[name] = base[name] + t * c


def _scalar_runs(result: Result, pieces: list, requests) -> Iterator[list]:
    g = result.graph
    out = g.output
    fns = [(GATES[g.op[i]].piece, g.args[i]) for i in pieces]
    here = [piece(*[result.values[j] for j in args]) for piece, args in fns]
    base = result.at
    point = dict(base)
    names = list(g.inputs)
    for probe, ts in requests:
        runs = []
        coefficients = None if probe.direction is None else direction(result, probe.direction).tolist()
        for t in ts:
            _place(point, base, names, probe, coefficients, t)
            values = forward(g, point, allow_nonfinite=True)
            moved = tuple(p for p, (piece, args) in enumerate(fns)
                          if piece(*[values[j] for j in args]) != here[p])
            runs.append((values[out], moved))
        point.update(base)
        yield runs


class _Block:
    """A node's values in one chunk that differ from its value at the point only on the rows
    [start, stop) (those of the one probe that moves it): the other rows are the point's value."""

    __slots__ = ("start", "stop", "values")

    def __init__(self, start: int, stop: int, values) -> None:
        self.start, self.stop, self.values = start, stop, values


class _ArrayRuns:
    def __init__(self, result: Result, pieces: list, probes: list) -> None:
        import numpy as np

        self.np = np
        self.result = result
        g = self.graph = result.graph
        self.pieces = pieces
        self.live = g.live()
        self.keep = {g.output} | {j for i in pieces for j in g.args[i]}
        self.here = [GATES[g.op[i]].piece(*[result.values[j] for j in g.args[i]]) for i in pieces]
        self.release = _release_lists(g, self.live, self.keep)
        inner = _peak_alive(g, self.live, self.release)
        # Input by input, the nodes below one moved input are blocks of a few rows; a node below two
        # is a column as long as the chunk.  Along directions every input is such a column.
        directions = any(p.direction is not None for p in probes)
        rows = MEMORY_BUDGET // (8 * (len(g.inputs) + inner if directions else inner))
        self.rows = max(MIN_ROWS, min(MAX_ROWS, rows))
        self.steps = None
        self.scale = None

    def __call__(self, requests) -> Iterator[list]:
        chunk, rows = [], 0
        for request in requests:
            chunk.append(request)
            rows += len(request[1])
            if rows >= self.rows:
                yield from self._chunk(chunk, rows)
                chunk, rows = [], 0
        if chunk:
            yield from self._chunk(chunk, rows)

    def _chunk(self, chunk: list, n: int) -> Iterator[list]:
        np = self.np
        base = self.result.at
        inputs = {}
        spans = []
        r = 0
        for probe, ts in chunk:
            spans.append((r, r + len(ts)))
            r += len(ts)
        if chunk[0][0].direction is not None:
            # Every input moves: input k's column is x_k + t * c_k, c_k the row's direction's coefficient.
            if self.scale is None:
                self.scale = direction_scale(self.result)
            names = list(self.graph.inputs)
            point = np.array([base[name] for name in names])[:, None]
            columns = np.empty((len(names), n))
            for (start, stop), (probe, ts) in zip(spans, chunk):
                c = direction(self.result, probe.direction, self.scale)[:, None]
                columns[:, start:stop] = point + c * np.asarray(ts, dtype=float)
            inputs = dict(zip(names, columns))
        else:
            for (start, stop), (probe, ts) in zip(spans, chunk):
                inputs[probe.name] = _Block(start, stop, np.asarray(ts, dtype=float))
        with np.errstate(all="ignore"):
            values = self._forward(inputs, n)
            f = self._rows(values, self.graph.output, n)
            moved = self._moved(values, n)
        for (start, stop), (probe, ts) in zip(spans, chunk):
            yield [(f[row], moved.get(row, ())) for row in range(start, stop)]

    def _forward(self, inputs: dict, n: int) -> list:
        """The numpy engine's forward pass over the live nodes, each value dropped after its last use.
        A node that nothing in this chunk moves keeps its value at the point (a float); one that a
        single probe moves is a block of that probe's rows."""
        if self.steps is None:
            from ...core.ops import Column

            fwd = Column("np_forward")
            g = self.graph
            self.steps = [(i, g.payload[i] if g.op[i] == "input" else None,
                           fwd[g.op[i]] if g.args[i] else None, g.args[i], self.release[i])
                          for i in range(g.output + 1) if self.live[i]]
        point = self.result.values
        values: list = [None] * (self.graph.output + 1)
        for i, name, f, args, release in self.steps:
            if name is not None:
                values[i] = inputs.get(name, point[i])
            elif f is None:
                values[i] = point[i]
            else:
                xs = [values[j] for j in args]
                block, dense, mixed = None, False, False
                for x in xs:
                    kind = type(x)
                    if kind is float:
                        continue
                    if kind is _Block:
                        if block is None:
                            block = x
                        elif x.start != block.start:
                            mixed = True
                    else:
                        dense = True
                if block is None:
                    values[i] = f(*xs) if dense else point[i]
                elif not (dense or mixed):
                    values[i] = _Block(block.start, block.stop,
                                       f(*[x.values if type(x) is _Block else x for x in xs]))
                else:
                    values[i] = self._column(f, xs, args, n)
            for j in release:
                values[j] = None
        return values

    def _column(self, f, xs: list, args, n: int):
        """f over a chunk whose arguments are blocks of different probes and columns: f with every
        block at its point's value, then each block's rows."""
        np, point = self.np, self.result.values
        plain = [point[j] if type(x) is _Block else x for x, j in zip(xs, args)]
        column = f(*plain)
        if not (type(column) is np.ndarray and column.shape == (n,) and column.base is None
                and all(column is not x for x in plain)):
            column = np.array(np.broadcast_to(column, (n,)), dtype=float)
        for start, stop in {(x.start, x.stop) for x in xs if type(x) is _Block}:
            column[start:stop] = f(*[_slice(x, j, start, stop, point) for x, j in zip(xs, args)])
        return column

    def _rows(self, values: list, j: int, n: int) -> list:
        """Node j's values on all n rows of the chunk, as floats."""
        return self.np.broadcast_to(_slice(values[j], j, 0, n, self.result.values), (n,)).tolist()

    def _moved(self, values: list, n: int) -> dict:
        """{row: positions of the pieces that moved there} for the rows where some did."""
        np = self.np
        g, point = self.graph, self.result.values
        moved: dict = {}
        for p, i in enumerate(self.pieces):
            args = g.args[i]
            xs = [values[j] for j in args]
            kinds = {type(x) for x in xs}
            if kinds == {float}:
                continue  # nothing this chunk moves reaches node i
            if np.ndarray in kinds:
                spans = [(0, n)]
            else:
                spans = sorted({(x.start, x.stop) for x in xs if type(x) is _Block})
            piece, here = GATES[g.op[i]].piece, self.here[p]
            for start, stop in spans:
                columns = [np.broadcast_to(_slice(x, j, start, stop, point), (stop - start,)) for x, j in zip(xs, args)]
                changed = np.zeros(stop - start, dtype=bool)
                for c, j in zip(columns, args):
                    changed |= ~(c == point[j])  # nan != nan: a nan argument is always looked at
                rows = np.flatnonzero(changed)
                if not rows.size:
                    continue
                picked = [c[rows].tolist() for c in columns]
                for row, ys in zip((rows + start).tolist(), zip(*picked)):
                    if piece(*ys) != here:
                        moved.setdefault(row, []).append(p)
        return {row: tuple(ps) for row, ps in moved.items()}


def _slice(x, j: int, start: int, stop: int, point: list):
    """Node j's value x on rows [start, stop): an array, or a float the same on all of them."""
    if type(x) is _Block:
        if (x.start, x.stop) == (start, stop):
            return x.values
        if x.stop <= start or stop <= x.start:
            return point[j]
        import numpy as np

        column = np.full(stop - start, point[j])
        low, high = max(start, x.start), min(stop, x.stop)
        column[low - start:high - start] = x.values[low - x.start:high - x.start]
        return column
    if type(x) is float:
        return x
    return x[start:stop]


def _release_lists(g, live, keep: set) -> list:
    """For every node, the nodes whose last use it is (and that need not be kept)."""
    last = {}
    for i in range(g.output + 1):
        if live[i]:
            for j in g.args[i]:
                last[j] = i
    release = [[] for _ in range(g.output + 1)]
    for j, i in last.items():
        if j not in keep:
            release[i].append(j)
    return release


def _peak_alive(g, live, release) -> int:
    """The most computed node values (not inputs or constants) alive at once in ``_forward``."""
    alive = peak = 0
    for i in range(g.output + 1):
        if live[i] and g.args[i]:
            alive += 1
            peak = max(peak, alive)
        for j in release[i] if live[i] else ():
            alive -= bool(g.args[j])
    return max(1, peak)
