"""The JSON document scripts read (schema in docs/language.md).  Strict JSON: non-finite numbers are strings.

The text is exactly what ``json.dumps(document(result), indent=2, ensure_ascii=False)`` gives
(tests/test_as_json.py compares them byte for byte), but it is written piece by piece as it is made,
with the indentation spelled out here: ``indent=2`` makes json use its pure-Python encoder, and
building the whole list of node dicts first took about 3 KB a node.  Strings go through json's C
string encoder; finite floats are their repr, as json writes them.  The json package itself is not
imported: with its decoder and ``re`` it is a tenth of `eval --format json`'s start-up.
"""

from __future__ import annotations

try:
    from _json import encode_basestring as _string  # json's C string encoder, without json's imports
except ImportError:  # pragma: no cover - Pythons without the C accelerator
    from json.encoder import encode_basestring as _string

from ..core.engine import Result
from ..core.graph import LABEL_WIDTH
from ..core.ops import Column
from ..base.numbers import json_value

#: nodes joined into one piece of text before it is handed on
NODES_PER_PIECE = 2048


def document(result: Result, nodes: bool = True) -> dict:
    """The document as Python data (for the API; the command writes ``pieces``)."""
    g = result.graph
    if g.tensor or any(type(v) is not float for v in result.at.values()):
        return _tensor_document(result, nodes)
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


def _tensor_document(result: Result, nodes: bool, array=None) -> dict:
    """The same document with arrays as nested lists (or, given ``array``, as ``array(x)``) and every
    node's shape."""
    import numpy as np

    if array is None:
        from .tensor_text import nested as array

    g = result.graph
    doc = {
        "output": {"name": g.output_name, "id": g.output, "shape": list(np.shape(result.value)),
                   "value": array(result.value)},
        "inputs": {name: array(v) for name, v in result.at.items()},
        "gradients": {name: array(v) for name, v in result.gradients.items()},
    }
    if nodes:
        doc["nodes"] = _LazyList(len(g), lambda i: {
            "id": i, "op": g.op[i], "label": g.label(i), "inputs": list(g.args[i]),
            "shape": list(np.shape(result.values[i])), "value": array(result.values[i]),
            "grad": array(result.grads[i]),
            "local": [array(x) for x in result.local[i]] if result.local[i] is not None else []})
        if array is not _Array:
            doc["nodes"] = list(doc["nodes"])
    doc["warnings"] = list(result.warnings)
    return doc


class _LazyList:
    """The nodes of a tensor document, each made when it is written."""

    def __init__(self, n: int, make) -> None:
        self.n, self.make = n, make

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        return (self.make(i) for i in range(self.n))


class _Array:
    """An array (or number) in a tensor document, written a block of rows at a time by ``_encode``."""

    __slots__ = ("value",)

    def __init__(self, value) -> None:
        self.value = value


#: elements of an array turned into text at a time
ELEMENTS_PER_PIECE = 1 << 16


def _encode(obj, level: int = 0):
    """``json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False)``'s text in pieces, for a
    document whose arrays are ``_Array``s: an array is never held as Python lists or as one text.
    (Nesting follows the document's few levels and an array's dimensions, never the graph.)"""
    if isinstance(obj, _Array):
        yield from _array_pieces(obj.value, level)
    elif isinstance(obj, dict):
        if not obj:
            yield "{}"
            return
        inner = "\n" + "  " * (level + 1)
        first = True
        for key, value in obj.items():
            yield ("{" if first else ",") + inner + _string(key) + ": "
            first = False
            yield from _encode(value, level + 1)
        yield "\n" + "  " * level + "}"
    elif isinstance(obj, (list, _LazyList)):
        if not len(obj):
            yield "[]"
            return
        inner = "\n" + "  " * (level + 1)
        first = True
        for value in obj:
            yield ("[" if first else ",") + inner
            first = False
            yield from _encode(value, level + 1)
        yield "\n" + "  " * level + "]"
    elif isinstance(obj, str):
        yield _string(obj)
    elif isinstance(obj, bool) or obj is None:
        yield {True: "true", False: "false", None: "null"}[obj]
    elif isinstance(obj, int):
        yield str(obj)
    else:
        yield _number(obj)


def _array_pieces(value, level: int):
    """An array as json.dumps writes its nested lists with indent=2 at ``level`` (one element a line),
    a block of rows at a time.  Between two rows, the lists of the axes after the first index that
    changed close and open again."""
    import numpy as np

    a = np.asarray(value, dtype=np.float64)
    if a.ndim == 0:
        yield _number(float(a))
        return
    if a.size == 0:  # [], [[], []]: small, as json writes them
        import json

        yield json.dumps(a.tolist(), indent=2).replace("\n", "\n" + "  " * level)
        return
    depth = a.ndim - 1  # the axes before the last
    rows = a.reshape(-1, a.shape[-1])
    pad = ["\n" + "  " * (level + k) for k in range(a.ndim + 1)]
    per_piece = max(1, ELEMENTS_PER_PIECE // a.shape[-1])
    element = "," + pad[depth + 1]
    previous = None
    for start in range(0, len(rows), per_piece):
        texts = []
        for r, row in enumerate(rows[start:start + per_piece], start):
            index = np.unravel_index(r, a.shape[:-1]) if depth else ()
            if previous is None:
                texts.append("[" + "".join(pad[j] + "[" for j in range(1, depth + 1)))
            else:
                k = next(j for j in range(depth) if index[j] != previous[j])
                texts.append("".join(pad[j] + "]" for j in range(depth - 1, k, -1)) + ","
                             + "".join(pad[j] + "[" for j in range(k + 1, depth + 1)))
            previous = index
            texts.append(pad[depth + 1] + element.join(_numbers(row)) + pad[depth] + "]")
        yield "".join(texts)
    yield "".join(pad[j] + "]" for j in range(depth - 1, -1, -1))


def inline(obj):
    """``json.dumps(obj, ensure_ascii=False, allow_nan=False)``'s text (one line) in pieces, where
    every float or numpy array or number in ``obj`` is written as ``nested`` would make it, a block
    of rows at a time (see ``inline_array``)."""
    import numpy as np

    if isinstance(obj, dict):
        first = True
        for key, value in obj.items():
            yield ("{" if first else ", ") + _string(key) + ": "
            first = False
            yield from inline(value)
        yield "}" if not first else "{}"
    elif isinstance(obj, list):
        for n, value in enumerate(obj):
            yield "[" if n == 0 else ", "
            yield from inline(value)
        yield "]" if obj else "[]"
    elif isinstance(obj, str):
        yield _string(obj)
    elif isinstance(obj, bool) or obj is None:
        yield {True: "true", False: "false", None: "null"}[obj]
    elif isinstance(obj, int):
        yield str(obj)
    elif isinstance(obj, (float, np.ndarray, np.generic)):
        yield from inline_array(obj)
    else:
        raise TypeError(f"not JSON: {type(obj).__name__}")


def inline_array(value):
    """An array (or number) as ``json.dumps(nested(value))`` writes it on one line, in pieces of a
    block of rows: ``[[1.0, 2.0], [3.0, "inf"]]``."""
    import numpy as np

    a = np.asarray(value, dtype=np.float64)
    if a.ndim == 0:
        yield _number(float(a))
        return
    if a.size == 0:
        import json

        yield json.dumps(a.tolist())
        return
    depth = a.ndim - 1
    rows = a.reshape(-1, a.shape[-1])
    per_piece = max(1, ELEMENTS_PER_PIECE // a.shape[-1])
    previous = None
    for start in range(0, len(rows), per_piece):
        texts = []
        for r, row in enumerate(rows[start:start + per_piece], start):
            index = np.unravel_index(r, a.shape[:-1]) if depth else ()
            if previous is None:
                texts.append("[" * (depth + 1))
            else:  # close the lists of the axes after the first index that changed, open them again
                k = next(j for j in range(depth) if index[j] != previous[j])
                texts.append("]" * (depth - 1 - k) + ", " + "[" * (depth - k))
            previous = index
            texts.append(", ".join(_numbers(row)) + "]")
        yield "".join(texts)
    yield "]" * depth


def _numbers(row) -> list:
    """Each element's JSON text: its repr, or "inf", "-inf", "nan" as strings (strict JSON)."""
    import numpy as np

    if np.isfinite(row).all():
        return list(map(float.__repr__, row.tolist()))
    return [_number(x) for x in row.tolist()]


def render(result: Result, nodes: bool = True) -> str:
    return "".join(pieces(result, nodes))


def pieces(result: Result, nodes: bool = True, ascii_only: bool = False):
    """The document's text, in pieces of a few thousand nodes, without a final newline.  With
    ``ascii_only`` (a stream that can only write ASCII) every other character is written as JSON's
    own escape, as json.dumps(ensure_ascii=True) does, so the document still says the same."""
    if ascii_only:
        return map(_ascii_escaped, pieces(result, nodes))
    return _pieces(result, nodes)


def _ascii_escaped(text: str) -> str:
    if text.isascii():
        return text
    out = []
    for c in text:
        code = ord(c)
        if code < 0x80:
            out.append(c)
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:  # a surrogate pair, as JSON spells a character beyond the first plane
            code -= 0x10000
            out.append(f"\\u{0xd800 | (code >> 10):04x}\\u{0xdc00 | (code & 0x3ff):04x}")
    return "".join(out)


def _pieces(result: Result, nodes: bool):
    g = result.graph
    if g.tensor or any(type(v) is not float for v in result.at.values()):
        yield from _encode(_tensor_document(result, nodes, _Array))
        return
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
    ops, args_of, names, starts, ends, source, label = g.op, g.args, g.name, g.start, g.end, g.source, g.label
    op_text = {name: _string(name) for name in set(ops)}
    number = _number
    local_text = _LocalText(result)
    value_texts: list = []  # mul's local gradients are its inputs' values: written once, reused
    keep_value = value_texts.append
    batch: list = []
    first = True
    for i, args in enumerate(args_of):
        op = ops[i]
        if not args:
            inputs = "[]"
        elif len(args) == 2:
            inputs = f"[\n        {args[0]},\n        {args[1]}\n      ]"
        else:
            inputs = "[\n        " + ",\n        ".join(map(str, args)) + "\n      ]"
        v = values[i]
        value = repr(v) if v.__class__ is float and v - v == 0.0 else number(v)
        keep_value(value)
        d = grads[i]
        s, e = starts[i], ends[i]
        if e - s <= LABEL_WIDTH and names[i] is None and op != "input":
            text = source[s:e]  # Graph.label, for the common case: short source text
            if " " in text or not text.isprintable():
                text = " ".join(text.split())
        else:
            text = label(i)
        batch.append(
            f'    {{\n      "id": {i},\n      "op": {op_text[op]},\n      "label": {_string(text)},\n'
            f'      "inputs": {inputs},\n      "value": {value},\n'
            f'      "grad": {repr(d) if d.__class__ is float and d - d == 0.0 else number(d)},\n'
            f'      "local": {local_text(i, op, args, value_texts) if args else "[]"}\n    }}')
        if len(batch) == NODES_PER_PIECE:
            yield ('  "nodes": [\n' if first else ",\n") + ",\n".join(batch)
            first = False
            batch = []
    yield ('  "nodes": [\n' if first else ",\n") + ",\n".join(batch) + "\n  ],\n"


class _LocalText:
    """The text of node i's local gradients: from the engine's record if it kept one, else computed
    by the gate's own function (for add, sub and neg, once: they are constants; for mul, they are
    the inputs' values, whose text is already written)."""

    def __init__(self, result: Result) -> None:
        g = result.graph
        self.values, self.ops, self.args = result.values, g.op, g.args
        out = g.output
        self.recorded = result.local if result.local[out] is not None or not g.args[out] else None
        self.live = None if self.recorded is not None else g.live()
        self.functions = _local_functions()
        self.constant: dict = {}

    def __call__(self, i: int, op: str, args: tuple, value_texts: list) -> str:
        if self.recorded is not None:
            loc = self.recorded[i]
            return "[]" if loc is None else self.format(loc)
        if not self.live[i]:
            return "[]"
        if op == "mul":
            a, b = args
            return f"[\n        {value_texts[b]},\n        {value_texts[a]}\n      ]"
        if op in _CONSTANT_LOCAL:
            text = self.constant.get(op)
            if text is None:
                text = self.constant[op] = self.format(self.compute(i, args))
            return text
        return self.format(self.compute(i, args))

    def compute(self, i: int, args: tuple):
        values = self.values
        if len(args) == 2:
            return self.functions[self.ops[i]](values[i], values[args[0]], values[args[1]])
        return self.functions[self.ops[i]](values[i], *[values[j] for j in args])

    @staticmethod
    def format(loc) -> str:
        if not loc:
            return "[]"
        return "[\n        " + ",\n        ".join(map(_number, loc)) + "\n      ]"


#: gates whose local gradients do not depend on their inputs
_CONSTANT_LOCAL = frozenset(("add", "sub", "neg"))


def _local_functions():
    return Column("local")  # each gate's local-gradient function, made for the gates asked for


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
    loc_fns = _local_functions()
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
    value = json_value(x)  # non-finite numbers are the strings "inf", "-inf", "nan"
    return _string(value) if isinstance(value, str) else repr(value)


def _object(mapping: dict) -> str:
    """A flat object of numbers at the second level, as json.dumps(indent=2) writes it."""
    if not mapping:
        return "{}"
    return "{\n    " + ",\n    ".join(f"{_string(k)}: {_number(v)}" for k, v in mapping.items()) + "\n  }"
