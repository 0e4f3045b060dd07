"""The JSON document scripts read (schema in the README).  Strict JSON: non-finite numbers are strings.

The text is exactly what ``json.dumps(document(result), indent=2, ensure_ascii=False)`` gives
(tests/test_as_json.py compares them byte for byte), but it is written piece by piece as it is made,
with the indentation spelled out here: ``indent=2`` makes json use its pure-Python encoder, and
building the whole list of node dicts first took about 3 KB a node.  Strings go through json's C
string encoder; finite floats are their repr, as json writes them.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring as _string  # the C encoder when available

from ..core.engine import Result
from ..core.ops import OPS
from ..numbers import json_value

#: nodes joined into one piece of text before it is handed on
NODES_PER_PIECE = 2048


def document(result: Result, nodes: bool = True) -> dict:
    """The document as Python data (for the API; the command writes ``pieces``)."""
    g = result.graph
    doc = {
        "output": {"name": g.output_name, "id": g.output, "value": json_value(result.value)},
        "inputs": {name: json_value(v) for name, v in result.at.items()},
        "gradients": {name: json_value(v) for name, v in result.gradients.items()},
    }
    if nodes:
        values, grads, local = result.values, result.grads, local_gradients(result)
        doc["nodes"] = [
            {
                "id": i,
                "op": g.op[i],
                "label": g.label(i),
                "inputs": list(g.args[i]),
                "value": json_value(values[i]),
                "grad": json_value(grads[i]),
                "local": [json_value(x) for x in loc],
            }
            for i, loc in enumerate(local)
        ]
    doc["warnings"] = list(result.warnings)
    return doc


def render(result: Result, nodes: bool = True) -> str:
    return "".join(pieces(result, nodes))


def pieces(result: Result, nodes: bool = True):
    """The document's text, in pieces of a few thousand nodes, without a final newline."""
    g = result.graph
    yield (
        "{\n"
        f'  "output": {{\n    "name": {_string(g.output_name)},\n    "id": {g.output},\n'
        f'    "value": {_number(result.value)}\n  }},\n'
        f'  "inputs": {_object(result.at)},\n'
        f'  "gradients": {_object(result.gradients)},\n'
    )
    if nodes:
        yield from _node_pieces(result)
    warnings = result.warnings
    if warnings:
        yield '  "warnings": [\n    ' + ",\n    ".join(map(_string, warnings)) + "\n  ]\n}"
    else:
        yield '  "warnings": []\n}'


def _node_pieces(result: Result):
    g = result.graph
    if not len(g):
        yield '  "nodes": [],\n'
        return
    values, grads = result.values, result.grads
    ops, args_of, label = g.op, g.args, g.label
    op_text = {name: _string(name) for name in set(ops)}
    number = _number
    batch: list = []
    first = True
    for i, loc in enumerate(local_gradients(result)):
        args = args_of[i]
        if not args:
            inputs = "[]"
        elif len(args) == 2:
            inputs = f"[\n        {args[0]},\n        {args[1]}\n      ]"
        else:
            inputs = "[\n        " + ",\n        ".join(map(str, args)) + "\n      ]"
        if not loc:
            local = "[]"
        elif len(loc) == 2:
            local = f"[\n        {number(loc[0])},\n        {number(loc[1])}\n      ]"
        else:
            local = "[\n        " + ",\n        ".join(map(number, loc)) + "\n      ]"
        v = values[i]
        d = grads[i]
        batch.append(
            f'    {{\n      "id": {i},\n      "op": {op_text[ops[i]]},\n      "label": {_string(label(i))},\n'
            f'      "inputs": {inputs},\n'
            f'      "value": {repr(v) if v.__class__ is float and v - v == 0.0 else number(v)},\n'
            f'      "grad": {repr(d) if d.__class__ is float and d - d == 0.0 else number(d)},\n'
            f'      "local": {local}\n    }}')
        if len(batch) == NODES_PER_PIECE:
            yield ('  "nodes": [\n' if first else ",\n") + ",\n".join(batch)
            first = False
            batch = []
    yield ('  "nodes": [\n' if first else ",\n") + ",\n".join(batch) + "\n  ],\n"


def local_gradients(result: Result):
    """Each node's local gradients, one per input ([] for leaves and nodes the output does not
    depend on): the engine's record if it kept one, else computed now by the same gate functions
    from the same values, so a run without a record (which needs far less memory) reads the same."""
    g = result.graph
    local = result.local
    out = g.output
    if local[out] is not None or not g.args[out]:
        for loc in local:
            yield () if loc is None else loc
        return
    values, ops, args_of = result.values, g.op, g.args
    loc_fns = {name: op.local for name, op in OPS.items()}
    live = g.live()
    for i, args in enumerate(args_of):
        if not args or not live[i]:
            yield ()
        elif len(args) == 2:
            yield loc_fns[ops[i]](values[i], values[args[0]], values[args[1]])
        else:
            yield loc_fns[ops[i]](values[i], *[values[j] for j in args])


def _number(x) -> str:
    if type(x) is float and x - x == 0.0:  # finite (x - x is nan for inf and nan)
        return repr(x)
    return json.dumps(json_value(x))


def _object(mapping: dict) -> str:
    """A flat object of numbers at the second level, as json.dumps(indent=2) writes it."""
    if not mapping:
        return "{}"
    return "{\n    " + ",\n    ".join(f"{_string(k)}: {_number(v)}" for k, v in mapping.items()) + "\n  }"
