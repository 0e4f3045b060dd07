"""The JSON document scripts read (schema in docs/language.md).  Strict JSON: non-finite numbers are strings.

Written by ``dumps`` below, not by the json module: importing json is a tenth of `eval --format json`'s
start-up.  ``dumps(doc)`` is byte for byte ``json.dumps(doc, indent=2, ensure_ascii=False)`` for the
values a document holds (dicts with string keys, lists, strings, ints, finite floats);
tests/test_entry.py checks that on random documents.
"""

from __future__ import annotations

from ..core.engine import Result
from ..numbers import json_value


def document(result: Result, nodes: bool = True) -> dict:
    g = result.graph
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


def render(result: Result, nodes: bool = True) -> str:
    return dumps(document(result, nodes))


#: JSON's escapes for the characters a string may not hold as they are (as the json module writes them)
_ESCAPES = {i: f"\\u{i:04x}" for i in range(0x20)}
_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\", ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t",
                 ord("\b"): "\\b", ord("\f"): "\\f"})


def dumps(value) -> str:
    """``value`` as indented JSON, the way json.dumps(indent=2, ensure_ascii=False) writes it.
    A loop with an explicit stack, so no nesting depth is too deep."""
    out: list = []
    write = out.append
    # Work items: a value to write at an indent, or a literal piece of text (a str in a 1-tuple).
    stack: list = [(value, 0)]
    while stack:
        item = stack.pop()
        if len(item) == 1:
            write(item[0])
            continue
        value, depth = item
        if isinstance(value, str):
            write(f'"{value.translate(_ESCAPES)}"')
        elif value is True or value is False or value is None:
            write("true" if value else "false" if value is False else "null")
        elif isinstance(value, int):
            write(int.__repr__(value))
        elif isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(f"Out of range float values are not JSON compliant: {value!r}")
            write(float.__repr__(value))
        elif isinstance(value, dict) or isinstance(value, (list, tuple)):
            items = list(value.items()) if isinstance(value, dict) else list(value)
            opening, closing = ("{", "}") if isinstance(value, dict) else ("[", "]")
            if not items:
                write(opening + closing)
                continue
            inner = "\n" + "  " * (depth + 1)
            parts: list = [(opening + inner,)]
            for k, entry in enumerate(items):
                if k:
                    parts.append(("," + inner,))
                if isinstance(value, dict):
                    key, entry = entry
                    if not isinstance(key, str):
                        raise TypeError(f"keys must be str, not {type(key).__name__}")
                    parts.append((f'"{key.translate(_ESCAPES)}": ',))
                parts.append((entry, depth + 1))
            parts.append(("\n" + "  " * depth + closing,))
            stack.extend(reversed(parts))
        else:
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
    return "".join(out)
