"""The forward-mode trace: the lecture's trace run the other way.  Node by node in topological order,
each value and its tangent (d node / dx, or along a direction v), a gate's tangent written as local
gradient × incoming tangent summed over its inputs; then the directional derivative, and what the whole
gradient costs in forward mode (one pass per input) against reverse mode (one backward pass) on this
program, counted in gate evaluations.

Everything is read from ``core/forward.py``'s Tangents (values, local gradients, shares); nothing is
recomputed.  Text is made part by part as (text, style) pieces (styled.py), fitted to the width; the
JSON (``pieces_json``) has the same entries with full-precision numbers.
"""

from __future__ import annotations

import json

from ..base.numbers import DEFAULT_DIGITS, json_value, show
from .console import GRAD_STYLE, VALUE_STYLE
from .notation import describe, local_formula, names as node_names, output_symbol, same_text
from .styled import BREAK, Writer, prose
from .trace import ALIGN_NAMES, HEAD_STYLE, NOTE_STYLE, _d, _paren, _with_values


def direction_text(tangents) -> str:
    """x for --wrt x; v = (x: 1, y: 0.5) for a direction."""
    d = tangents.direction
    if len(d) == 1 and type(next(iter(d.values()))) in (float, int) and next(iter(d.values())) == 1.0:
        return next(iter(d))
    return "v"


def cost(tangents) -> dict:
    """What the whole gradient costs on this program: forward mode one pass per input, reverse mode
    one backward pass, each pass evaluating the gates the output depends on."""
    from ..core.forward import gate_count

    result = tangents.result
    gates = gate_count(result)
    g = result.graph
    # an array input has one direction (so one forward pass) per element
    n = sum(int(getattr(result.values[i], "size", 1)) for i in g.inputs.values())
    out = {"gates": gates, "inputs": n, "forward_passes": n, "forward_gate_evaluations": n * gates,
           "reverse_passes": 1, "reverse_gate_evaluations": gates}
    if type(result.value) is not float:
        out["inputs_are"] = "numbers in the input arrays"
    return out


def cost_lines(c: dict) -> list:
    g, n = c["gates"], c["inputs"]
    s = "s" if n != 1 else ""
    gs = "s" if g != 1 else ""
    unit = "input number" if "inputs_are" in c else "input"
    return [
        prose(f"Cost of the whole gradient ({g:,} gate{gs}, {n:,} {unit}{s}), in gate evaluations:", HEAD_STYLE),
        prose(f"  forward mode: {n:,} pass{'es' if n != 1 else ''} (one per {unit}) × {g:,} gate{gs} = "
              f"{c['forward_gate_evaluations']:,}"),
        prose(f"  reverse mode: 1 backward pass × {g:,} gate{gs} = {c['reverse_gate_evaluations']:,}"),
    ]


def _is_tensor(tangents) -> bool:
    return type(tangents.result.value) is not float


def _tensor_parts(tangents, digits: int, labels: str):
    """A tensor program's tangent trace: each node's shape, value and tangent (small arrays in full)."""
    import numpy as np

    from ..core.ops import shape_text
    from .tensor_text import brief

    result = tangents.result
    g = result.graph
    name = node_names(g, labels)
    needed = g.live()
    wrt = direction_text(tangents)
    along = ", ".join(tangents.direction)
    yield "head", [prose(f"Forward mode along v (tangents of {along}; every other input 0)", HEAD_STYLE),
                   prose("Each node: its shape, value and tangent d(node)/dv, in the node's shape", NOTE_STYLE),
                   []]
    for i in range(g.output + 1):
        if not needed[i] or (g.op[i] == "const" and g.name[i] is None):
            continue
        if g.args[i]:
            expression = describe(g, i, name)
            head = name[i] if same_text(expression, name[i]) else f"{name[i]} = {expression}"
        else:
            head = f"{name[i]}  ({g.op[i]})"
        t = tangents.tangents[i]
        yield "node", [prose(f"  {head}  {shape_text(np.shape(result.values[i]))}"),
                       [("      value   ", None), *prose(brief(result.values[i], digits), VALUE_STYLE)],
                       [(f"      d/d{wrt}    ", None),
                        *prose(brief(t, digits) if t is not None else "0 (not in the direction)" if not g.args[i]
                               else "0 (no input of the direction reaches it)", GRAD_STYLE)]]
    top = output_symbol(g, name)
    yield "summary", [[], [(f"{top} = ", None), *prose(brief(result.value, digits), VALUE_STYLE)],
                      [(f"d{_d(top)}/d{wrt} = ", None), *prose(brief(tangents.jvp, digits), GRAD_STYLE),
                       *prose("   (the directional derivative J·v, from one forward pass)", NOTE_STYLE)], [],
                      *cost_lines(cost(tangents))]


def parts(tangents, digits: int = DEFAULT_DIGITS, labels: str = "short"):
    """The trace as (kind, lines), lines of (text, style) pieces with BREAKs."""
    if _is_tensor(tangents):
        yield from _tensor_parts(tangents, digits, labels)
        return
    result = tangents.result
    g = result.graph
    values, t, local = result.values, tangents.tangents, tangents.local
    out = g.output
    needed = g.live()
    name = node_names(g, labels)
    wrt = direction_text(tangents)
    V, G = VALUE_STYLE, GRAD_STYLE

    def dd(i) -> str:
        return f"d{_d(name[i])}/d{wrt}"

    def tan(i) -> str:
        return show(0.0 if t[i] is None else t[i], digits)

    shown = [show(values[i], digits) if needed[i] else None for i in range(out + 1)]
    pad = max([len(name[i]) for i in range(out + 1) if needed[i] and len(name[i]) <= ALIGN_NAMES] or [0])
    if wrt == "v":
        along = ", ".join(f"{k}: {show(v, digits)}" for k, v in tangents.direction.items())
        head = f"Forward mode along v = ({along}), every other input 0"
    else:
        head = f"Forward mode with respect to {wrt}: d{wrt}/d{wrt} = 1, every other input 0"
    lines = [prose(head, HEAD_STYLE),
             prose("Each node: its value, then its tangent = sum of local × incoming tangent", NOTE_STYLE), []]
    yield "head", lines
    for i in range(out + 1):
        if not needed[i] or (g.op[i] == "const" and g.name[i] is None):
            continue
        own = name[i]
        line = [(f"  {own.ljust(pad)} = ", None)]
        a = g.args[i]
        if not a:
            line.append((shown[i], V))
            if g.op[i] == "input":
                line += [("   (input)   ", NOTE_STYLE), (f"{dd(i)} = ", None), (tan(i), G)]
            yield "node", [line]
            continue
        expression = describe(g, i, name)
        if not same_text(expression, own):
            line += [(expression, None), BREAK, (" = ", None)]
        line += _with_values(g.op[i], a, shown, V)
        line += [BREAK, (" = ", None), (shown[i], V)]
        tangent_line = [(" " * (pad + 5) + f"{dd(i)} = ", None)]
        if local[i] is None:
            tangent_line += [("0", G), ("   (no input of the direction reaches it)", NOTE_STYLE)]
        else:
            terms = [(k, j) for k, j in enumerate(a) if g.op[j] != "const"]  # a constant's tangent is 0
            for n, (k, j) in enumerate(terms):
                if n:
                    tangent_line += [BREAK, (" + ", None)]
                loc_text = show(local[i][k], digits)
                formula = local_formula(g, i, k, name)
                if formula and formula != loc_text:
                    tangent_line += [(f"({formula} = ", None), (loc_text, G), (")", None)]
                else:
                    tangent_line.append((_paren(loc_text), G))
                tangent_line += [(" × ", None), (_paren(tan(j)), G)]
            tangent_line += [BREAK, (" = ", None), (tan(i), G)]
        yield "node", [line, tangent_line]
    top = output_symbol(g, name)
    summary = [[], [(f"{top} = ", None), (show(result.value, digits), V)],
               [(f"d{_d(top)}/d{wrt} = ", None), (show(tangents.jvp, digits), G),
                *prose("   (the directional derivative J·v, from one forward pass)" if wrt == "v" else
                       f"   (one forward pass gives the derivative along {wrt})", NOTE_STYLE)], []]
    yield "summary", summary + cost_lines(cost(tangents))


def write(tangents, writer: Writer, digits: int = DEFAULT_DIGITS, labels: str = "short") -> None:
    for _, lines in parts(tangents, digits, labels):
        for line in lines:
            writer.line(line)
    writer.flush()


def pieces_json(tangents, labels: str = "short"):
    """The forward-mode trace as JSON, entry by entry:

        {"mode": "forward", "direction": {input: tangent}, "output": {"name", "value", "tangent"},
         "forward": [{"id", "name", "op", "expression", "inputs", "value", "tangent",
                      "edges": [{"from", "local_formula", "local", "tangent_in", "share"}]}, ...],
         "jvp": ..., "cost": {...}}
    """
    result = tangents.result
    g = result.graph
    values, t, local, shares = result.values, tangents.tangents, tangents.local, tangents.shares
    name = node_names(g, labels)
    needed = g.live()

    def line(item) -> str:
        return json.dumps(item, ensure_ascii=False, allow_nan=False)

    def number(v):
        if type(v) is float or not hasattr(v, "shape"):
            return json_value(float(v))
        from .tensor_text import nested

        return nested(v)

    yield ('{\n  "mode": "forward",\n  "direction": ' + line({k: number(v) for k, v in tangents.direction.items()})
           + ',\n  "output": ' + line({"name": g.output_name, "value": number(result.value),
                                       "tangent": number(tangents.jvp)}))
    yield ',\n  "forward": ['
    first = True
    for i in range(g.output + 1):
        if not needed[i] or (g.op[i] == "const" and g.name[i] is None):
            continue
        item = {"id": i, "name": name[i], "op": g.op[i]}
        a = g.args[i]
        if a:
            expression = describe(g, i, name)
            if not same_text(expression, name[i]):
                item["expression"] = expression
            item["inputs"] = [name[j] for j in a]
        item["value"] = number(values[i])
        item["tangent"] = number(0.0 if t[i] is None else t[i])
        if a and local[i] is not None:
            item["edges"] = [{"from": name[j], "local_formula": local_formula(g, i, k, name),
                              "local": json_value(local[i][k]),
                              "tangent_in": json_value(0.0 if t[j] is None else t[j]),
                              "share": json_value(0.0 if shares[i][k] is None else shares[i][k])}
                             for k, j in enumerate(a)]
        yield ("\n    " if first else ",\n    ") + line(item)
        first = False
    yield ('\n  ],\n  "jvp": ' + json.dumps(number(tangents.jvp)) + ',\n  "cost": '
           + line(cost(tangents)) + "\n}\n")
