"""Graph rewrites that fold a chain of gates into one, as the lecture folds the sigmoid.

Which chains fold comes from the gate table: a gate's ``collapses`` is the textbook chain it stands
for, an expression in the description form (the sigmoid's is ``1 / (1 + F.exp(-X))``).
``collapse(graph, "sigmoid")`` returns a new graph in which every occurrence of that chain over any
node ``z`` is one ``sigmoid`` node over ``z``, with the gate's own local gradient sigma*(1 - sigma).
Matched exactly, gate for gate:

- a number in the chain matches a constant equal to it (``1``, ``1.0``, or a name bound to one);
- an add or mul matches its inputs in either order (``1/(exp(-z) + 1)`` folds too);
- ``-X`` matches a ``neg`` gate (``-z``, ``-(...)``) over any node ``z``.

Not matched (they stay as they are): ``exp(-3)`` and ``exp(-(3))`` (the parser makes a negated
number one signed constant, so there is no neg gate),
``exp(0 - z)``, ``exp(-1*z)``, ``(1 + exp(-z))^-1``, ``exp(z)/(1 + exp(z))``, ``1/(1 - exp(-z))``.

The new node takes the chain's top node's place, name and source span.  The chain's other nodes
(the constants, the add, the exp and the neg) are dropped only when nothing else uses them: a node
that is the output or that feeds another gate is kept, and so is everything it needs.  Names bound
to dropped nodes disappear from ``bindings``.  Inputs are never dropped.  The rewrite is a few
loops over the node list: no recursion over the graph (matching recurses only as deep as the
chain's own expression, a few gates).
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Optional

from ..core.graph import Graph
from ..core.ops import GATES
from ..base.errors import InputError

#: what --collapse accepts: every gate that describes the chain it folds.
CHOICES = tuple(name for name, op in GATES.items() if op.collapses is not None)


def collapse(graph: Graph, what: Optional[str]) -> Graph:
    if not what or what == "none":
        return graph
    if what in CHOICES:
        return collapse_gate(graph, what)
    raise InputError(f"--collapse {what}: unknown pattern", "Known: " + ", ".join(CHOICES) + ".")


def match(g: Graph, i: int, pattern) -> Optional[tuple]:
    """If node ``i`` is the chain ``pattern``, the nodes its inputs X, Y, ... stand for; else None."""
    bound: dict = {}
    if not _match(g, pattern, i, bound):
        return None
    return tuple(bound[k] for k in sorted(bound))


def _match(g: Graph, e, i: int, bound: dict) -> bool:
    kind = e.kind
    if kind == "arg":
        if e.value in bound:
            return bound[e.value] == i
        bound[e.value] = i
        return True
    if kind == "num":
        return g.op[i] == "const" and g.payload[i] == e.value
    if kind != "call" or g.op[i] != e.value or len(g.args[i]) != len(e.args):
        return False
    args = g.args[i]
    for order in ([args, args[::-1]] if GATES[e.value].commutative else [args]):
        trial = dict(bound)
        if all(_match(g, a, j, trial) for a, j in zip(e.args, order)):
            bound.update(trial)
            return True
    return False


def match_sigmoid(g: Graph, i: int) -> Optional[int]:
    """If node ``i`` is 1/(1 + exp(-z)) (or 1/(exp(-z) + 1)), the id of ``z``; else None."""
    found = match(g, i, GATES["sigmoid"].collapses)
    return None if found is None else found[0]


def collapse_sigmoid(g: Graph) -> Graph:
    return collapse_gate(g, "sigmoid")


def collapse_gate(g: Graph, gate: str) -> Graph:
    pattern = GATES[gate].collapses
    n = len(g)
    uses = [0] * n
    for args in g.args:
        for j in args:
            uses[j] += 1
    ops = list(g.op)
    args = list(g.args)
    dropped = [False] * n
    for i in range(n):
        found = match(g, i, pattern)
        if found is None:
            continue
        released = list(args[i])
        ops[i], args[i] = gate, found
        for z in found:
            uses[z] += 1
        # Drop what only this chain used; stops at z (used by the sigmoid now) and at anything
        # with another consumer.
        while released:
            j = released.pop()
            uses[j] -= 1
            if uses[j] == 0 and j != g.output and ops[j] != "input" and not dropped[j]:
                dropped[j] = True
                released.extend(args[j])
    if not any(ops[i] == gate and g.op[i] != gate for i in range(n)):
        return g

    new_id = [-1] * n
    out = Graph(g.source)
    for i in range(n):
        if dropped[i]:
            continue
        new_id[i] = out.add(ops[i], tuple(new_id[j] for j in args[i]), g.start[i], g.end[i],
                            g.payload[i])
        out.name[new_id[i]] = g.name[i]
    out.inputs = {name: new_id[i] for name, i in g.inputs.items()}
    out.defaults = dict(g.defaults)
    out.output = new_id[g.output]
    out.output_name = g.output_name
    out.bindings = {name: new_id[i] for name, i in g.bindings.items() if not dropped[i]}
    return out
