"""The trace as JSON for scripts (`trace --format json`): the same forward legend and backward steps as
the text trace, in the same names, with full-precision numbers.

    {"output": {"name", "value"},
     "forward": [{"id", "name", "op", "expression", "inputs", "value", "gradient"}, ...],
     "backward": [{"step", "id", "name", "op", "kink", "upstream",
                   "edges": [{"to", "local_formula", "local", "flows"}, ...]}, ...],
     "gradients": {input: gradient}}

A tensor program (one with vectors or matrices) writes the same keys, every value and gradient a
number or nested lists in its shape, with a ``shape`` (``[]`` for a number) beside each:

    {"output": {"name", "shape", "value"},
     "forward": [{"id", "name", "op", "expression", "inputs", "shape", "value", "gradient"}, ...],
     "backward": [{"step", "id", "name", "op", "shape", "upstream",
                   "edges": [{"to", "shape", "rule", "shapes", "local_formula", "local", "flows"}, ...]}, ...],
     "gradients": {input: gradient}}

An edge's ``rule`` is the gate's vector-Jacobian product as the text trace writes it (``dW = dY @ Xᵀ``,
``dt1 += dL``; an elementwise gate: ``dY += dt1 * ∂t1/∂Y``), ``shapes`` the shapes it moves between;
an elementwise gate's edges also have ``local_formula`` and ``local`` (its local gradient, elementwise).
An input that takes no gradient (cross_entropy's labels) has ``"flows": null`` and a ``note``; edges
to constants are left out, as in the text.

One forward entry for each node the output depends on (constants without a name left out, as in the
text), in topological order; one backward step for each gate, in reverse.  ``flows`` is upstream x
local, what the edge adds to its target's gradient.  Non-finite numbers are the strings "inf", "-inf"
and "nan".  The document is written entry by entry, one line each, so a big trace is never held whole.
"""

from __future__ import annotations

import json

from ..core.engine import Result
from ..core.ops import GATES
from ..base.numbers import json_value
from .notation import describe, local_formula, names as node_names, same_text


def _line(item) -> str:
    return json.dumps(item, ensure_ascii=False, allow_nan=False)


def pieces(result: Result, labels: str = "short"):
    """The document as pieces of text, in order."""
    g = result.graph
    if type(result.value) is not float:
        yield from _tensor_pieces(result, labels)
        return
    values, grads, local, contrib = result.values, result.grads, result.local, result.contrib
    out = g.output
    needed = g.live()
    name = node_names(g, labels)
    yield '{\n  "output": ' + _line({"name": g.output_name, "value": json_value(result.value)})
    yield ',\n  "forward": ['
    first = True
    for i in range(out + 1):
        if not needed[i] or (g.op[i] == "const" and g.name[i] is None):
            continue
        item = _forward_entry(g, i, name)
        item["value"] = json_value(values[i])
        item["gradient"] = json_value(grads[i])
        yield ("\n    " if first else ",\n    ") + _line(item)
        first = False
    yield '\n  ],\n  "backward": ['
    step = 0
    for i in range(out, -1, -1):
        args = g.args[i]
        if not needed[i] or not args:
            continue
        step += 1
        op = GATES[g.op[i]]
        edges = [{"to": name[j], "local_formula": local_formula(g, i, k, name),
                  "local": json_value(local[i][k]), "flows": json_value(contrib[i][k])}
                 for k, j in enumerate(args)]
        item = {"step": step, "id": i, "name": name[i], "op": g.op[i],
                "kink": bool(op.kink(*[values[j] for j in args])), "upstream": json_value(grads[i]),
                "edges": edges}
        yield ("\n    " if step == 1 else ",\n    ") + _line(item)
    yield '\n  ],\n  "gradients": ' + _line({k: json_value(v) for k, v in result.gradients.items()}) + "\n}\n"


def _forward_entry(g, i: int, name) -> dict:
    """A forward entry's node: id, name, op and, for a gate, its expression (where it differs from
    the name) and its inputs; the scalar and the tensor trace add the numbers."""
    item = {"id": i, "name": name[i], "op": g.op[i]}
    if g.args[i]:
        expression = describe(g, i, name)
        if not same_text(expression, name[i]):
            item["expression"] = expression
        item["inputs"] = [name[j] for j in g.args[i]]
    return item


def _tensor_pieces(result: Result, labels: str):
    import numpy as np

    from .as_json import inline
    from .tensor_trace import edge_rule

    def shape(x) -> list:
        return list(np.shape(x))

    g = result.graph
    values, grads, local, contrib = result.values, result.grads, result.local, result.contrib
    needed = g.live()
    name = node_names(g, labels)
    yield '{\n  "output": '
    yield from inline({"name": g.output_name, "shape": shape(result.value), "value": result.value})
    yield ',\n  "forward": ['
    first = True
    for i in range(g.output + 1):
        if not needed[i] or (g.op[i] == "const" and g.name[i] is None):
            continue
        item = _forward_entry(g, i, name)
        item.update(shape=shape(values[i]), value=values[i], gradient=grads[i])
        yield "\n    " if first else ",\n    "
        yield from inline(item)
        first = False
    yield '\n  ],\n  "backward": ['
    step = 0
    for i in range(g.output, -1, -1):
        args = g.args[i]
        if not needed[i] or not args or contrib[i] is None:
            continue
        step += 1
        op = GATES[g.op[i]]
        edges = []
        for k, j in enumerate(args):
            if g.op[j] == "const":
                continue
            edge = {"to": name[j], "shape": shape(values[j])}
            if contrib[i][k] is None:
                edge["flows"] = None
                edge["note"] = "no gradient: " + ("labels" if op.name == "cross_entropy" else "static")
            else:
                edge["rule"], edge["shapes"] = edge_rule(result, i, k, name)
                if local[i] is not None and op.vjp_exprs is None:
                    edge["local_formula"] = local_formula(g, i, k, name)
                    edge["local"] = local[i][k]
                edge["flows"] = contrib[i][k]
            edges.append(edge)
        item = {"step": step, "id": i, "name": name[i], "op": g.op[i], "shape": shape(grads[i]),
                "upstream": grads[i], "edges": edges}
        yield "\n    " if step == 1 else ",\n    "
        yield from inline(item)
    yield '\n  ],\n  "gradients": '
    yield from inline(dict(result.gradients))
    yield "\n}\n"
