"""What `backprop live` shows, without Textual: the program being edited, the inputs' current values,
the last good Result, the rows of the graph view and the backward pass step by step.

The app (app.py) only draws what this holds and forwards keys to it, so every number on screen can
be tested here against `eval` without a terminal.
"""

from __future__ import annotations

import math

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Optional

from ..core.engine import Result, run
from ..core.graph import Graph
from ..core.ops import GATES
from ..base.errors import BackpropError, InputError, SourceError
from ..language import limits
from ..base.numbers import show
from ..core.names import short_names
from ..views.notation import ancestors, describe, display_label

#: the value a new input gets while the program is typed (before the user gives it one)
NEW_INPUT_VALUE = 1.0
#: graphs with more rows than this show only the part around the selected input
FOLD_AT = 2000
#: how many rows a folded graph shows
FOLD_ROWS = 200
DIGITS = 4


class Row:
    """One node of the graph view, as text."""

    __slots__ = ("node", "name", "expression", "value", "gradient", "tangent")

    def __init__(self, node: int, name: str, expression: str, value: str, gradient: str,
                 tangent: str = "") -> None:
        self.node, self.name, self.expression, self.value, self.gradient = (
            node, name, expression, value, gradient)
        #: forward mode on: d(node)/d(selected input), else ""
        self.tangent = tangent


class Step:
    """One gate of the backward pass, with what flows along each of its input edges."""

    def __init__(self, number: int, total: int, node: int) -> None:
        self.number, self.total, self.node = number, total, node
        self.title = ""
        self.pattern = ""
        self.upstream = ""
        #: (input node, its name, local gradient text, product text, gradient-so-far text)
        self.edges: list = []
        #: sentences for branches that are complete at this step: "x feeds 2 gates ..."
        self.branches: list = []
        self.kink = False


class Session:
    """The program, the inputs, and the last good result."""

    def __init__(self, source: str, point: Optional[dict] = None, *, origin: str = "",
                 output: Optional[str] = None, collapse: bool = False,
                 allow_nonfinite: bool = False) -> None:
        self.origin = origin
        self.allow_nonfinite = allow_nonfinite
        self.output = output
        self.collapse = collapse
        self.full_labels = False
        #: forward mode: show each node's tangent d(node)/d(selected input) beside its gradient
        self.forward = False
        #: input name -> value; ``pinned`` are the names given by --at or changed in the app, which
        #: keep their value when the program's own default changes.
        self.values: dict = dict(point or {})
        self.pinned: set = set(self.values)
        self.step_size = 1.0
        self.selected: Optional[str] = None
        #: backward steps shown in step mode (None: step mode is off)
        self.stepped: Optional[int] = None
        self.error: Optional[BackpropError] = None
        self.source = source
        self.graph: Optional[Graph] = None  # the last good program as parsed (before collapse)
        self.result: Optional[Result] = None
        self._cache: dict = {}
        self._tangents = None
        self._prepare(source)
        if self.graph is None and self.error is not None:
            raise self.error  # the program given on the command line must parse
        self._recompute()
        if self.error is not None:
            raise self.error

    @classmethod
    def of(cls, program, collapse: bool = False) -> "Session":
        """A session on a program loaded by api.load (its text, inputs and options)."""
        program.scalar_only("live")
        return cls(program.source, program.point, origin=program.origin, output=program.output,
                   collapse=collapse, allow_nonfinite=program.allow_nonfinite)

    # ---- changes ------------------------------------------------------------------------------

    def edit(self, source: str) -> bool:
        """The editor's text changed: parse it; on an error keep the last good graph.  True if good."""
        self.source = source
        self.error = None
        if not self._prepare(source):
            return False
        self._recompute()
        return self.error is None

    def set_value(self, name: str, value: float) -> None:
        if not math.isfinite(value):
            raise ValueError(f"{name}: {value} is not a finite number")
        self.values[name] = float(value)
        self.pinned.add(name)
        self._recompute()

    def nudge(self, direction: int) -> None:
        """Move the selected input by one step up (+1) or down (-1)."""
        name = self.selected
        if name is None:
            return
        value = self.values[name] + direction * self.step_size
        # Steps of 0.1 must land on 0.3, not 0.30000000000000004.
        self.set_value(name, round(value, 12) if abs(value) < 1e12 else value)

    def scale_step(self, factor: float) -> None:
        self.step_size = min(1e6, max(1e-6, float(f"{self.step_size * factor:.6g}")))

    def toggle_collapse(self) -> None:
        self.collapse = not self.collapse
        self._recompute()

    def select(self, name: str) -> None:
        if self.graph is not None and name in self.graph.inputs:
            self.selected = name

    # ---- step mode ----------------------------------------------------------------------------

    def gates(self) -> list:
        """The gates of the backward pass, in the order it visits them."""
        return self._facts()["gates"]

    def step(self, delta: int) -> None:
        """Walk the backward pass: +1 a gate further, -1 a gate back (step mode starts at 0)."""
        total = len(self.gates())
        now = max(1, delta) if self.stepped is None else self.stepped + delta
        self.stepped = max(0, min(total, now))

    def stop_stepping(self) -> None:
        self.stepped = None

    # ---- what is shown ------------------------------------------------------------------------

    def _facts(self) -> dict:
        """What depends only on the graph (not on the values): worked out once per graph."""
        g = self.result.graph
        facts = self._cache
        if facts.get("graph") is not g:
            needed = ancestors(g, g.output)
            nodes = [i for i in range(g.output + 1)
                     if needed[i] and not (g.op[i] == "const" and g.name[i] is None)]
            facts = self._cache = {"graph": g, "needed": needed, "nodes": nodes,
                                   "gates": [i for i in range(g.output, -1, -1) if needed[i] and g.args[i]]}
        key = "full" if self.full_labels else "short"
        if key not in facts:
            facts[key] = ([display_label(g, i) for i in range(len(g))] if self.full_labels
                          else short_names(g))
        return facts

    @property
    def names(self) -> list:
        return self._facts()["full" if self.full_labels else "short"]

    def inputs(self) -> list:
        """(name, value, d(output)/d(name)) for every input, in order of first appearance."""
        r = self.result
        return [(name, r.values[i], r.grads[i]) for name, i in r.graph.inputs.items()]

    def shown_nodes(self) -> tuple:
        """The node ids the graph view lists (what the output depends on, unnamed constants left
        out), and whether the list was folded to the part around the selected input."""
        nodes = self._facts()["nodes"]
        if len(nodes) <= FOLD_AT:
            return nodes, False
        return self._around(nodes), True

    def _around(self, nodes: list) -> list:
        """The FOLD_ROWS nodes nearest the selected input (breadth first over the wires, both ways),
        and the output."""
        g = self.result.graph
        facts = self._facts()
        if "consumers" not in facts:
            facts["consumers"], facts["keep"] = g.consumers(), set(nodes)
        consumers, keep = facts["consumers"], facts["keep"]
        start = g.inputs.get(self.selected, g.output)
        seen = {start}
        frontier = [start]
        while frontier and len(seen) < FOLD_ROWS:
            following = []
            for i in frontier:
                for j in (*g.args[i], *consumers[i]):
                    if j not in seen and j in keep and len(seen) < FOLD_ROWS:
                        seen.add(j)
                        following.append(j)
            frontier = following
        seen.add(g.output)
        return sorted(seen)

    def tangents(self) -> Optional[list]:
        """Forward mode's tangents along the selected input (None when forward mode is off)."""
        if not self.forward or self.selected is None or self.selected not in self.result.graph.inputs:
            return None
        key = ("tangents", id(self.result), self.selected)
        if self._tangents is None or self._tangents[0] != key:
            from ..core.forward import tangent_pass

            self._tangents = (key, tangent_pass(self.result, {self.selected: 1.0}).tangents)
        return self._tangents[1]

    def view(self) -> "Rows":
        """The graph view's rows, made when drawn (a screen shows a few dozen of a thousand)."""
        nodes, folded = self.shown_nodes()
        grads = self.partial_gradients() if self.stepped is not None else None
        return Rows(self, nodes, grads, folded)

    def rows(self) -> list:
        """Every row of the graph view: short name, gate over its inputs, value, gradient (in step mode,
        the gradient as far as the backward pass has got: '' where nothing has arrived yet)."""
        view = self.view()
        return [view[k] for k in range(len(view))]

    def partial_gradients(self) -> list:
        """In step mode: each node's gradient summed over the edges walked so far (None: none yet)."""
        r = self.result
        g = r.graph
        grads: list = [None] * len(g)
        grads[g.output] = 1.0
        for i in self.gates()[: self.stepped or 0]:
            for k, j in enumerate(g.args[i]):
                grads[j] = (grads[j] or 0.0) + r.contrib[i][k]
        return grads

    def current_step(self) -> Optional[Step]:
        """The last gate walked in step mode, described as the trace does (None before the first)."""
        if not self.stepped:
            return None
        r = self.result
        g = r.graph
        gates = self.gates()
        i = gates[self.stepped - 1]
        names = self.names
        f = g.output_name
        op = GATES[g.op[i]]
        step = Step(self.stepped, len(gates), i)
        expression = describe(g, i, names)
        step.title = f"{names[i]} = {expression}   ({op.name} gate)" if names[i] != expression else (
            f"{names[i]}   ({op.name} gate)")
        step.pattern = op.pattern
        step.upstream = f"d{f}/d{names[i]} = {show(r.grads[i], DIGITS)}"
        step.kink = bool(op.kink(*[r.values[j] for j in g.args[i]]))
        # How many gate inputs each node feeds, and how many of them the walk has passed.
        walked = gates[: self.stepped]
        fan_out: dict = {}
        arrived: dict = {}
        for n, gate in enumerate(gates):
            for j in g.args[gate]:
                fan_out[j] = fan_out.get(j, 0) + 1
                if n < self.stepped:
                    arrived[j] = arrived.get(j, 0) + 1
        sums = self.partial_gradients()
        for k, j in enumerate(g.args[i]):
            loc, flow = r.local[i][k], r.contrib[i][k]
            product = f"{show(r.grads[i], DIGITS)} * {_paren(show(loc, DIGITS))} = {show(flow, DIGITS)}"
            if fan_out[j] > 1:
                total = f"d{f}/d{names[j]} += {show(flow, DIGITS)} ({arrived[j]} of {fan_out[j]})"
                if arrived[j] == fan_out[j] and j not in (e[0] for e in step.edges):
                    flows = [r.contrib[h][m] for h in walked for m, a in enumerate(g.args[h]) if a == j]
                    terms = " + ".join(_paren(show(x, DIGITS)) if n else show(x, DIGITS)
                                       for n, x in enumerate(flows[:10]))
                    if len(flows) > 10:
                        terms += f" + … ({len(flows) - 10} more)"
                    step.branches.append(f"a branch adds: {names[j]} feeds {fan_out[j]} gate inputs, so "
                                         f"d{f}/d{names[j]} = {terms} = {show(sums[j], DIGITS)}")
            else:
                total = f"d{f}/d{names[j]} = {show(flow, DIGITS)}"
            step.edges.append((j, names[j], show(loc, DIGITS), product, total))
        return step

    def highlighted(self) -> tuple:
        """In step mode: (the gate of the current step, its inputs), else (None, ())."""
        if not self.stepped:
            return None, ()
        i = self.gates()[self.stepped - 1]
        return i, tuple(self.result.graph.args[i])

    def error_text(self, brief: bool = False) -> str:
        """The error as `eval` says it (with the caret under the place), one message and hint;
        ``brief``: the message and the caret only (the panels keep their room)."""
        e = self.error
        if e is None:
            return ""
        text = str(e)
        if brief:
            lines = text.splitlines()
            keep = lines[:1] + [ln for ln in lines[1:3] if ln.startswith("  ")]
            text = "\n".join(keep)
        return text

    # ---- internals ----------------------------------------------------------------------------

    def _prepare(self, source: str) -> bool:
        from ..api import build

        try:
            limits.check_source(source, self.origin)
            graph = build(source, at=list(self.values), output=self.output, origin=self.origin)
        except BackpropError as e:
            self.error = e
            return False
        except RecursionError:  # the parser does not recurse, but a guard costs nothing
            self.error = SourceError("the program is nested too deeply", source, 0)
            return False
        if graph.tensor:
            self.error = InputError("live shows scalar programs, and this one uses vectors or matrices",
                                    "Tensor programs run with eval, trace, check, graph and optimize.")
            return False
        self.graph = graph
        for name in graph.inputs:
            if name not in self.pinned:
                self.values[name] = graph.defaults.get(name, self.values.get(name, NEW_INPUT_VALUE))
        if self.selected not in graph.inputs:
            self.selected = next(iter(graph.inputs), None)
        return True

    def _recompute(self) -> None:
        from ..transforms.collapse import collapse

        graph = collapse(self.graph, "sigmoid") if self.collapse else self.graph
        point = {name: self.values[name] for name in graph.inputs}
        try:
            result = run(graph, point, allow_nonfinite=self.allow_nonfinite)
        except BackpropError as e:
            self.error = e
            return
        self.error = None
        old = self.result
        self.result = result
        if self.stepped is not None and (old is None or len(old.graph) != len(graph)
                                         or old.graph.args != graph.args):
            self.stepped = 0  # a different graph: the walk starts again


class Rows:
    """The graph view's rows as a sequence whose items are made on demand."""

    def __init__(self, session: Session, nodes: list, grads: Optional[list], folded: bool) -> None:
        self.session, self.nodes, self.grads, self.folded = session, nodes, grads, folded
        self.names = session.names
        self.tangents = session.tangents()
        #: the tangent column's header, d·/dx (None: forward mode off)
        self.tangent_header = None if self.tangents is None else f"d·/d{session.selected}"
        self._index: Optional[dict] = None

    def __len__(self) -> int:
        return len(self.nodes)

    def __getitem__(self, k: int) -> Row:
        s = self.session
        r = s.result
        g = r.graph
        i = self.nodes[k]
        if g.args[i]:
            expression = describe(g, i, None if s.full_labels else self.names)
        else:
            expression = "input" if g.op[i] == "input" else ""
        if self.grads is None:
            gradient = show(r.grads[i], DIGITS)
        else:
            gradient = "" if self.grads[i] is None else show(self.grads[i], DIGITS)
        tangent = "" if self.tangents is None or g.op[i] == "const" else \
            show(0.0 if self.tangents[i] is None else self.tangents[i], DIGITS)
        return Row(i, self.names[i], expression, show(r.values[i], DIGITS), gradient, tangent)

    def index(self, node: int) -> Optional[int]:
        if self._index is None:
            self._index = {i: k for k, i in enumerate(self.nodes)}
        return self._index.get(node)

    def numbers(self, gradients: bool):
        """The values (or gradients) as the rows show them, made without making the rows."""
        r = self.session.result
        for i in self.nodes:
            if not gradients:
                yield show(r.values[i], DIGITS)
            elif self.grads is None:
                yield show(r.grads[i], DIGITS)
            elif self.grads[i] is not None:
                yield show(self.grads[i], DIGITS)

    def name_width(self) -> int:
        facts = self.session._facts()
        key = ("width", self.session.full_labels, len(self.nodes), self.folded)
        if key not in facts:
            facts[key] = max((len(self.names[i]) for i in self.nodes), default=0)
        return facts[key]


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") else text
