"""The JSON document scripts read (schema in the README).  Strict JSON: non-finite numbers are strings."""

from __future__ import annotations

import json

from ..core.engine import Result
from ..numbers import json_value


def document(result: Result, nodes: bool = True) -> dict:
    g = result.graph
    if g.tensor or any(type(v) is not float for v in result.at.values()):
        return _tensor_document(result, nodes)
    doc = {
        "output": {"name": g.output_name, "id": g.output, "value": json_value(result.value)},
        "inputs": {name: json_value(v) for name, v in result.at.items()},
        "gradients": {name: json_value(v) for name, v in result.gradients.items()},
    }
    if nodes:
        values, grads, local = result.values, result.grads, result.local
        doc["nodes"] = [
            {
                "id": i,
                "op": g.op[i],
                "label": g.label(i),
                "inputs": list(g.args[i]),
                "value": json_value(values[i]),
                "grad": json_value(grads[i]),
                "local": [json_value(x) for x in local[i]] if local[i] is not None else [],
            }
            for i in range(len(g))
        ]
    doc["warnings"] = list(result.warnings)
    return doc


def _tensor_document(result: Result, nodes: bool) -> dict:
    """The same document with arrays as nested lists and every node's shape."""
    import numpy as np

    from .tensor_text import nested

    g = result.graph
    doc = {
        "output": {"name": g.output_name, "id": g.output, "shape": list(np.shape(result.value)),
                   "value": nested(result.value)},
        "inputs": {name: nested(v) for name, v in result.at.items()},
        "gradients": {name: nested(v) for name, v in result.gradients.items()},
    }
    if nodes:
        doc["nodes"] = [
            {"id": i, "op": g.op[i], "label": g.label(i), "inputs": list(g.args[i]),
             "shape": list(np.shape(result.values[i])), "value": nested(result.values[i]),
             "grad": nested(result.grads[i]),
             "local": [nested(x) for x in result.local[i]] if result.local[i] is not None else []}
            for i in range(len(g))
        ]
    doc["warnings"] = list(result.warnings)
    return doc


def render(result: Result, nodes: bool = True) -> str:
    return json.dumps(document(result, nodes), indent=2, allow_nan=False, ensure_ascii=False)
