"""Graph rewrites that fold a chain of gates into one, as the lecture folds the sigmoid.

``collapse(graph, "sigmoid")`` returns a new graph in which every

    1/(1 + exp(-z))      and      1/(exp(-z) + 1)

is one ``sigmoid`` node over ``z``, with local gradient sigma*(1 - sigma).  Matched exactly:

- a ``div`` whose numerator is a constant equal to 1 (``1``, ``1.0``, or a name bound to one),
- whose divisor is an ``add`` of a constant equal to 1 and an ``exp``, in either order,
- whose argument is a ``neg`` gate (``-z``, ``-(...)``) over any node ``z``.

Not matched (they stay as they are): ``exp(-3)`` and ``exp(-(3))`` (the parser makes a negated
number one signed constant, so there is no neg gate),
``exp(0 - z)``, ``exp(-1*z)``, ``(1 + exp(-z))^-1``, ``exp(z)/(1 + exp(z))``, ``1/(1 - exp(-z))``.

The sigmoid node takes the ``div`` node's place, name and source span.  The chain's other nodes
(the constants, the add, the exp and the neg) are dropped only when nothing else uses them: a node
that is the output or that feeds another gate is kept, and so is everything it needs.  Names bound
to dropped nodes disappear from ``bindings``.  Inputs are never dropped.  The rewrite is a few
loops over the node list: no recursion, however deep the graph.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Optional

from ..errors import InputError
from ..core.graph import Graph

#: what --collapse accepts; each a rewrite below.
CHOICES = ("sigmoid",)


def collapse(graph: Graph, what: Optional[str]) -> Graph:
    if not what or what == "none":
        return graph
    if what == "sigmoid":
        return collapse_sigmoid(graph)
    raise InputError(f"--collapse {what}: unknown pattern", "Known: " + ", ".join(CHOICES) + ".")


def _is_one(g: Graph, i: int) -> bool:
    return g.op[i] == "const" and g.payload[i] == 1.0


def match_sigmoid(g: Graph, i: int) -> Optional[int]:
    """If node ``i`` is 1/(1 + exp(-z)) (or 1/(exp(-z) + 1)), the id of ``z``; else None."""
    if g.op[i] != "div":
        return None
    numerator, divisor = g.args[i]
    if not _is_one(g, numerator) or g.op[divisor] != "add":
        return None
    a, b = g.args[divisor]
    if _is_one(g, a) and g.op[b] == "exp":
        e = b
    elif _is_one(g, b) and g.op[a] == "exp":
        e = a
    else:
        return None
    (m,) = g.args[e]
    if g.op[m] != "neg":
        return None
    return g.args[m][0]


def collapse_sigmoid(g: Graph) -> Graph:
    n = len(g)
    uses = [0] * n
    for args in g.args:
        for j in args:
            uses[j] += 1
    ops = list(g.op)
    args = list(g.args)
    dropped = [False] * n
    for i in range(n):
        z = match_sigmoid(g, i)
        if z is None:
            continue
        released = list(args[i])
        ops[i], args[i] = "sigmoid", (z,)
        uses[z] += 1
        # Drop what only this chain used; stops at z (used by the sigmoid now) and at anything
        # with another consumer.
        while released:
            j = released.pop()
            uses[j] -= 1
            if uses[j] == 0 and j != g.output and ops[j] != "input" and not dropped[j]:
                dropped[j] = True
                released.extend(args[j])
    if not any(ops[i] == "sigmoid" and g.op[i] != "sigmoid" for i in range(n)):
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
