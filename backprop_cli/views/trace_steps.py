"""The trace's facts as data, for the views that typeset it (HTML, LaTeX): the forward legend and
the backward steps in the same order, names and numbers as the text trace (trace.py) and its JSON
(trace_json.py), read from the engine's Result and never recomputed.  Numbers stay floats: each view
formats them its own way."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.engine import Result
from ..core.ops import GATES as OPS
from .notation import describe, names as node_names, output_symbol, same_text


@dataclass
class Entry:
    """A forward-legend line: ``name = expression = value`` (``expression`` None for a leaf or when it
    reads the same as the name)."""

    id: int
    name: str
    expression: object
    value: float


@dataclass
class Edge:
    """One edge of a backward step: into input ``k`` (node ``to``) flows upstream x local."""

    k: int
    to: int
    local: float
    flows: float
    #: how many gates the target feeds, and how many shares have arrived with this one
    fan_out: int = 1
    arrived: int = 1


@dataclass
class Step:
    number: int
    id: int
    name: str
    expression: object
    op: str
    pattern: str
    kink: bool
    upstream: float
    edges: list = field(default_factory=list)
    #: (node, its shares in order of arrival, their sum): the branches completed at this step
    branches: list = field(default_factory=list)


class Steps:
    """The trace of ``result`` as data: ``names`` (node id -> name), ``top`` (the output's name in
    d<top>/d...), ``forward()`` and ``backward()`` (generators, so a big trace is never held whole)."""

    def __init__(self, result: Result, labels: str = "short") -> None:
        g = result.graph
        for i in range(g.output + 1):
            if g.args[i] and result.local[i] is None and g.live()[i]:
                raise ValueError("the trace needs a Result run with record=True")
        self.result = result
        self.graph = g
        self.names = node_names(g, labels)
        self.top = output_symbol(g, self.names)
        self.needed = g.live()

    def _expression(self, i: int):
        expression = describe(self.graph, i, self.names)
        return None if same_text(expression, self.names[i]) else expression

    def forward(self):
        g, values = self.graph, self.result.values
        for i in range(g.output + 1):
            if not self.needed[i] or (g.op[i] == "const" and g.name[i] is None):
                continue
            yield Entry(i, self.names[i], self._expression(i) if g.args[i] else None, values[i])

    def backward(self):
        g, r = self.graph, self.result
        out = g.output
        fan_out = [0] * (out + 1)
        for i in range(out + 1):
            if self.needed[i]:
                for j in g.args[i]:
                    fan_out[j] += 1
        arrived = [0] * (out + 1)
        shares: dict = {}
        number = 0
        for i in range(out, -1, -1):
            args = g.args[i]
            if not self.needed[i] or not args:
                continue
            number += 1
            op = OPS[g.op[i]]
            step = Step(number, i, self.names[i], self._expression(i), op.name, op.pattern,
                        bool(op.kink(*[r.values[j] for j in args])), r.grads[i])
            for k, j in enumerate(args):
                arrived[j] += 1
                step.edges.append(Edge(k, j, r.local[i][k], r.contrib[i][k], fan_out[j], arrived[j]))
                if fan_out[j] > 1:
                    shares.setdefault(j, []).append(r.contrib[i][k])
                    if arrived[j] == fan_out[j]:
                        step.branches.append((j, shares.pop(j), r.grads[j]))
            yield step
