"""The trace as JSON for scripts (`trace --format json`): the same forward legend and backward steps as
the text trace, in the same names, with full-precision numbers.

    {"output": {"name", "value"},
     "forward": [{"id", "name", "op", "expression", "inputs", "value", "gradient"}, ...],
     "backward": [{"step", "id", "name", "op", "kink", "upstream",
                   "edges": [{"to", "local_formula", "local", "flows"}, ...]}, ...],
     "gradients": {input: gradient}}

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
        item = {"id": i, "name": name[i], "op": g.op[i]}
        if g.args[i]:
            expression = describe(g, i, name)
            if not same_text(expression, name[i]):
                item["expression"] = expression
            item["inputs"] = [name[j] for j in g.args[i]]
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
