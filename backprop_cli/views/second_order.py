"""J·v, the Hessian and H·v as `eval` shows them: lines under the table, keys in the JSON, and the
names --get reads (d2f/dxdy, d2f/dx2)."""

from __future__ import annotations

import re

from ..base.numbers import DEFAULT_DIGITS, json_value, show

#: d2f/dxdy, d2f/dx2, d²f/dx², d2f/dx^2, d2f/d(x)d(y), d2f/dx dy (spaces are removed first)
_SECOND = re.compile(r"(?:d2|d²)\(?([^()/]+?)\)?/d(.+)\Z")


def second_names(text: str, graph):
    """(first, second) for a name of a second derivative of the output, else None."""
    text = text.replace(" ", "")
    match = _SECOND.match(text)
    if match is None or text in graph.bindings or text in graph.inputs:
        return None
    top, rest = match.groups()
    if top != graph.output_name:
        from ..base.errors import InputError

        raise InputError(f"--get {text}: second derivatives are of the output, {graph.output_name}",
                         f"To differentiate {top}, add --of {top}.")
    inputs = graph.inputs
    rest = rest.replace("(", "").replace(")", "")
    for square in ("²", "^2", "2"):
        if rest.endswith(square) and rest[:-len(square)] in inputs:
            return rest[:-len(square)], rest[:-len(square)]
    for k, ch in enumerate(rest):
        if ch == "d" and rest[:k] in inputs and rest[k + 1:] in inputs:
            return rest[:k], rest[k + 1:]
    from ..base.errors import InputError

    first = next(iter(inputs), "x")
    raise InputError(f"--get {text}: no two inputs of the program make '{rest}'",
                     f"Write d2{graph.output_name}/d{first}d{first} or d2{graph.output_name}/d{first}2 "
                     f"(inputs: {', '.join(inputs) or 'none'}).")


def _value(v, digits):
    from .tensor_text import brief

    return brief(v, digits) if hasattr(v, "shape") else show(v, digits)


def lines(out_name: str, jvp=None, hessian=None, hvp=None, digits: int = DEFAULT_DIGITS,
          width: int = 80) -> list:
    """Plain lines for the table view, none wider than ``width`` (an array breaks between its numbers)."""
    from .styled import wrap

    text = []
    if jvp is not None:
        text += wrap(f"J·v = d{out_name}/dv = {_value(jvp, digits)}", width)
    if hvp is not None:
        for name, v in hvp.items():
            text += wrap(f"(H·v)[{name}] = {_value(v, digits)}", width)
    if hessian is not None:
        text += hessian_lines(out_name, hessian, digits, width)
    return text


def hessian_lines(out_name: str, table: dict, digits: int, width: int) -> list:
    """The Hessian as a symmetric table, or (too wide for ``width``) its upper triangle one entry a line."""
    names = list(table)
    if not names:
        return [f"Hessian d²{out_name}: none (the program has no inputs)"]
    cells = [[show(table[a][b], digits) for b in names] for a in names]
    left = max(len(n) for n in names) if names else 0
    widths = [max(len(n), *(len(row[k]) for row in cells)) for k, n in enumerate(names)]
    head = [f"Hessian d²{out_name}/d(row)d(column), symmetric:"]
    if left + sum(w + 2 for w in widths) <= width:
        rows = [" " * left + "".join("  " + n.rjust(w) for n, w in zip(names, widths))]
        for a, row in zip(names, cells):
            rows.append(a.ljust(left) + "".join("  " + c.rjust(w) for c, w in zip(row, widths)))
        return head + ["  " + r.rstrip() for r in rows]
    out = [f"Hessian d²{out_name}/d(row)d(column), symmetric (upper triangle):"]
    for k, a in enumerate(names):
        for b in names[k:]:
            d = f"d{a}2" if a == b and not a[-1].isdigit() else f"d{a}d{b}"
            out.append(f"  d2{out_name}/{d} = {show(table[a][b], digits)}")
    return out


def document(jvp=None, hessian=None, hvp=None) -> dict:
    doc = {}
    if jvp is not None:
        doc["jvp"] = _json_any(jvp)
    if hessian is not None:
        doc["hessian"] = {a: {b: json_value(v) for b, v in row.items()} for a, row in hessian.items()}
    if hvp is not None:
        doc["hvp"] = {name: _json_any(v) for name, v in hvp.items()}
    return doc


def _json_any(v):
    if hasattr(v, "shape") and v.shape:
        from .tensor_text import nested

        return nested(v)
    return json_value(float(v))


def with_keys(pieces, doc: dict):
    """The pieces of a JSON object, with ``doc``'s keys added before its closing brace."""
    import json

    if not doc:
        yield from pieces
        return
    last = None
    for piece in pieces:
        if last is not None:
            yield last
        last = piece
    body = last.rstrip()
    assert body.endswith("}")
    extra = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v, allow_nan=False, ensure_ascii=False)}"
                       for k, v in doc.items())
    yield body[:-1].rstrip() + ",\n" + extra + "\n}"
