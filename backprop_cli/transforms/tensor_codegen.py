"""``codegen --lang numpy`` for a tensor program: vectorised forward and backward code.

Written from the same gate descriptions as everything else: an elementwise gate's forward and
local gradients are spelled by ``Spell("numpy")`` and each contribution is summed back over the
broadcast axes (``bp.sum_to``); an array gate's forward and its vector-Jacobian products are
calls of the array primitives, whose source (from ``core/library.py``) is copied into the output,
so the generated module needs numpy only.
"""

from __future__ import annotations

import inspect

import numpy as np

from ..core import library
from ..core.expr import build, lift
from ..core.ops import GATES
from .expressions import Code, Namer, Spell
from .reserved import RESERVED

#: the array primitives generated code may call, by their name in ``bp``
_PRIMITIVES = ("matmul", "matmul_dx", "matmul_dy", "transpose", "sum", "mean", "amax", "amin", "expand",
               "count", "winners", "sum_keep", "logsumexp", "softmax", "log_softmax", "cross_entropy",
               "cross_entropy_dx", "zeros_like", "reshape", "like", "index", "unindex", "sum_to")


def _functions() -> list:
    out, seen = [], set()
    for name in _PRIMITIVES:
        for f in (library.LIBRARY[name].numpy, library._labels, library._shifted):
            if f.__name__ not in seen:
                seen.add(f.__name__)
                out.append(f)
    return out


def _helpers() -> str:
    functions = [inspect.getsource(f).rstrip() for f in _functions()]
    table = ", ".join(f"{n}={library.LIBRARY[n].numpy.__name__}" for n in _PRIMITIVES)
    return "\n\n\n".join(functions) + f"\n\n\nbp = SimpleNamespace({table})\n"


def _literal(value) -> str:
    if type(value) is float:
        return repr(value)
    return f"np.array({np.asarray(value).tolist()!r})"


def generate_tensor(graph, name: str = "f") -> str:
    from ..base.errors import InputError
    from ..core.vectorized import one_array_calls
    from .codegen import check_function_name

    check_function_name(name, "numpy")
    module_names = ("bp", "np", "SimpleNamespace") + tuple(f.__name__ for f in _functions())
    if name in module_names:  # the function would shadow numpy or a helper the generated code calls
        raise InputError(f"--name {name}: '{name}' is a name the generated module uses itself",
                         "Pick another name, e.g. --name f.")
    g = one_array_calls(graph)  # max(X) is amax(X) (and amax of a scalar is the scalar)
    spell = Spell("numpy", choices=("numpy",))
    live = g.live()
    namer = Namer(RESERVED["numpy"])
    for word in module_names:
        namer.taken.add(word)
    var: dict = {}
    params = [namer.claim(n) for n in g.inputs]
    for node, p in zip(g.inputs.values(), params):
        var[node] = p
    for i in range(g.output + 1):
        if live[i] and i not in var and g.op[i] != "input":
            var[i] = namer.claim(g.name[i].replace("#", "_") if g.name[i] else f"t{i}")
    body = []
    for i in range(g.output + 1):
        if not live[i] or g.op[i] == "input":
            continue
        op = g.op[i]
        if op == "const":
            body.append(f"    {var[i]} = {_literal(g.payload[i])}")
            continue
        codes = [Code(var[j]) for j in g.args[i]]
        statics = [Code(repr(s)) for s in (g.payload[i] or ())] if not GATES[op].elementwise else []
        body.append(f"    {var[i]} = {spell.node(op, *codes, *statics).text}")
    out = g.output
    grad: dict = {out: namer.claim("d" + var[out])}
    body.append("")
    body.append(f"    {grad[out]} = np.ones(np.shape({var[out]}))")
    for i in range(out, -1, -1):
        args = g.args[i]
        if not args or not live[i] or i not in grad:
            continue
        op = GATES[g.op[i]]
        codes = [Code(var[j]) for j in args]
        upstream = grad[i]
        for k, j in enumerate(args):
            if g.op[j] == "const":
                continue
            if not op.elementwise:
                e = op.vjp_exprs[k]
                if e is None:
                    continue
                statics = [Code(repr(s)) for s in (g.payload[i] or ())]
                text = build(lift(e), spell, Code(var[i]), codes + statics + [Code(upstream)], None, op.name).text
            else:
                local = build(op.local_expr(k), spell, Code(var[i]), codes, k, op.name)
                if op.blocks and local.value == 0:
                    continue  # a zero local gradient of a blocking gate passes 0 on
                if op.blocks and local.value is None:
                    term = spell.node("masked_mul", local, Code(upstream)).text
                else:
                    term = upstream if local.value == 1.0 else f"{upstream} * ({local.text})"
                text = f"bp.sum_to({term}, np.shape({var[j]}))"
            if j in grad:
                body.append(f"    {grad[j]} = {grad[j]} + {text}")
            else:
                grad[j] = namer.claim("d" + var[j])
                body.append(f"    {grad[j]} = {text}")
    results = [grad.get(node) or f"np.zeros(np.shape({var[node]}))" for node in g.inputs.values()]
    body.append(f"    return {var[out]}, ({', '.join(results)}{',' if len(results) == 1 else ''})")
    head = (f'"""Generated by backprop codegen --lang numpy: {name}({", ".join(params)}) returns the value\n'
            f'and the gradient of every input (an array of the input\'s shape)."""\n\n'
            "from types import SimpleNamespace\n\nimport numpy as np\n\n\n")
    return (head + _helpers() + f"\n\ndef {name}({', '.join(params)}):\n" + "\n".join(body) + "\n")
