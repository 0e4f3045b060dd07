"""Flat forward and backward code from a graph, like CS231n's "flat" backprop code.

The forward pass is one assignment per node, in graph order; the backward pass walks the same nodes in
reverse, with one gradient variable per node (``dq`` for a node named ``q``), ``=`` for the first
gradient that reaches a node and ``+=`` for the ones that add to it.  The order of the backward pass
and of the additions is the engine's, so the generated code computes the same doubles as
``backprop eval`` (up to the last bit of a maths library that differs, as JavaScript's may).

What each gate looks like in code comes from its one description in the gate table: its forward is
written by ``expressions.Spell`` and its local gradients are replayed through ``expressions.Dag``,
the simplifier ``diff`` uses too.  Identifiers avoid ``reserved.RESERVED`` by construction.
"""

from __future__ import annotations

import inspect

from ..core.graph import Graph
from ..base.errors import InputError
from .expressions import LANGUAGES, Dag, Namer, Spell, is_identifier
from .reserved import RESERVED

__all__ = ["LANGUAGES", "RESERVED", "generate"]

_COMMENT = {"python": "#", "numpy": "#", "c": "//", "js": "//"}
_COMMENT_STEP = object()  # marks a comment line among the backward pass's steps
_LOCAL_STEP = object()  # marks a local gradient named before the masked product that uses it twice


def name_values(g: Graph, live: list, namer: Namer) -> tuple:
    """(params, var): the parameters' names and a variable name for every live node that is not a
    constant.  The names a user chose come first: inputs, then named nodes; then the output; then
    the rest, t1, t2, ..."""
    var: dict = {}
    params = [namer.claim(n) for n in g.inputs]
    for node, param in zip(g.inputs.values(), params):
        var[node] = param
    for i in range(g.output + 1):
        if live[i] and g.name[i] is not None and g.op[i] != "input":
            var[i] = namer.claim(g.name[i])
    out = g.output
    if out not in var and g.op[out] != "const" and is_identifier(g.output_name):
        var[out] = namer.claim(g.output_name)
    k = 0
    for i in range(out + 1):
        if live[i] and i not in var and g.op[i] not in ("const", "input"):
            k += 1
            var[i] = namer.claim(f"t{k}")
    return params, var


def depends_on_inputs(graph: Graph) -> list:
    """needs[i]: node i depends on some input, so it has a gradient worth computing."""
    needs = [False] * len(graph)
    for i, (op, args) in enumerate(zip(graph.op, graph.args)):
        needs[i] = op == "input" or any(needs[j] for j in args)
    return needs


def check_function_name(name: str, lang: str) -> None:
    if not is_identifier(name):
        raise InputError(f"--name {name!r} is not a name",
                         "Use letters, digits and '_', starting with a letter, e.g. --name loss.")
    if name in RESERVED[lang]:
        raise InputError(f"--name {name}: '{name}' is reserved in {lang} or used by the generated code",
                         "Pick another name, e.g. --name f.")


def generate(graph: Graph, lang: str = "python", name: str = "f") -> str:
    """The source of a function ``name`` computing the output and its gradient, in ``lang``."""
    if lang not in LANGUAGES:
        raise InputError(f"unknown language {lang!r}", "Choose one of: " + ", ".join(LANGUAGES) + ".")
    check_function_name(name, lang)
    return _Generator(graph, lang, name).source()


class _Generator:
    def __init__(self, graph: Graph, lang: str, name: str) -> None:
        self.g, self.lang, self.name = graph, lang, name
        self.spell = Spell(lang)
        self.dag = Dag()
        self.live = graph.live()
        self.needs = depends_on_inputs(graph)
        self._name_nodes()
        self._operands: dict = {}
        self._forward: dict = {}

    # -- names --

    def _name_nodes(self) -> None:
        g, live = self.g, self.live
        namer = self.namer = Namer(RESERVED[self.lang])
        self.params, self.var = name_values(g, live, namer)
        out = g.output
        self.grad_var: dict = {}
        for node in g.inputs.values():
            self.grad_var[node] = namer.claim("d" + self.var[node])
        for i in range(out + 1):
            if live[i] and self.needs[i] and i not in self.grad_var:
                self.grad_var[i] = namer.claim("d" + self.var[i])

    def operand(self, j: int):
        """Node ``j`` as a leaf of the DAG: its variable, or an unnamed constant written inline."""
        k = self._operands.get(j)
        if k is None:
            k = self.dag.input(self.var[j]) if j in self.var else self.dag.num(self.g.payload[j])
            self._operands[j] = k
        return k

    def text(self, k: int):
        return self.spell.dag(self.dag, k, {})

    # -- statements --

    def assign(self, name: str, text: str, declare: bool, mutable: bool = False) -> str:
        if self.lang == "c":
            return f"{'double ' if declare else ''}{name} = {text};"
        if self.lang == "js":
            return f"{('let ' if mutable else 'const ') if declare else ''}{name} = {text};"
        return f"{name} = {text}"

    def accumulate(self, name: str, text: str) -> str:
        return f"{name} += {text}" + (";" if self.lang in ("c", "js") else "")

    def forward_expression(self, i: int) -> str:
        text = self._forward.get(i)
        if text is None:
            g = self.g
            if g.op[i] == "const":
                text = self.spell.num(g.payload[i]).text
            else:
                args = [self.text(self.operand(j)) for j in g.args[i]]
                text = self.spell.node(g.op[i], *args).text
            self._forward[i] = text
        return text

    def forward_line(self, i: int) -> str:
        return self.assign(self.var[i], self.forward_expression(i), True)

    def forward_comment(self, i: int) -> str:
        return f"{self.var[i]} = {self.forward_expression(i)}"

    def source(self) -> str:
        g, lang, dag = self.g, self.lang, self.dag
        out = g.output
        body: list = []
        comment = _COMMENT[lang]

        if lang == "numpy" and self.params:
            arrays = ", ".join(self.params)
            body.append(f"{arrays}{',' if len(self.params) == 1 else ''} = np.broadcast_arrays("
                        f"*[np.asarray(a, dtype=float) for a in ({arrays}{',' if len(self.params) == 1 else ''})])")

        body.append(f"{comment} forward pass")
        for i in range(out + 1):
            if not self.live[i] or g.op[i] == "input" or i not in self.var:
                continue
            body.append(self.forward_line(i))
        value = self.text(self.operand(out)).text
        if lang == "numpy" and self.params and not self.needs[out]:
            value = f"np.full_like({self.params[0]}, {value})"  # the inputs' shape, like the gradients

        # The backward pass, first as a list of (target node, contribution) in the engine's order.
        steps: list = []  # ("comment", text) or (target, Code)
        if lang == "numpy":
            seed = dag.input(self.grad_var[out]) if self.needs[out] else dag.num(1)
        else:
            seed = dag.num(1)
        reached = {out} if self.needs[out] else set()
        locals_named = 0
        for i in range(out, -1, -1):
            args = g.args[i]
            if not args or not self.needs[i] or i not in reached:
                continue
            up = seed if i == out else dag.input(self.grad_var[i])
            operands = [self.operand(j) for j in args]
            header = False
            for k, j in enumerate(args):
                if not self.needs[j]:
                    continue
                c = dag.contribution(g.op[i], k, self.operand(i), operands, up)
                if dag.const_value(c) == 0:
                    continue
                if not header:
                    steps.append((_COMMENT_STEP, self.forward_comment(i), i))
                    header = True
                names = {}
                if dag.op[c] == "masked_mul" and dag.op[dag.args[c][0]] not in ("input", "const"):
                    # (local == 0 ? 0 : local * upstream) reads the local gradient twice: name it once
                    local = dag.args[c][0]
                    locals_named += 1
                    names[local] = self.namer.claim(f"local{locals_named}")
                    steps.append((_LOCAL_STEP, (names[local], self.text(local).text), i))
                steps.append((j, self.spell.dag(dag, c, names), i))
                reached.add(j)
        steps = self._read_steps(steps)
        remaining: dict = {}
        for target, _, _ in steps:
            remaining[target] = remaining.get(target, 0) + 1

        body.append(f"{comment} backward pass")
        if lang == "numpy" and self.needs[out]:
            body.append(self.assign(self.grad_var[out], f"np.ones_like({value})", True))
        elif out in g.inputs.values():
            body.append(self.assign(self.grad_var[out], self.spell.num(1).text, True))
        assigned = set()
        for target, c, _ in steps:
            if target is _COMMENT_STEP:
                body.append(f"{comment} {c}")
                continue
            if target is _LOCAL_STEP:
                body.append(self.assign(c[0], c[1], True))
                continue
            name = self.grad_var[target]
            remaining[target] -= 1
            if target in assigned:
                body.append(self.accumulate(name, c.text))
                continue
            assigned.add(target)
            text = c.text
            if lang == "numpy" and is_identifier(text) and (remaining[target] or g.op[target] == "input"):
                text += ".copy()"  # its own array: `+=` below must not change the one it came from
            body.append(self.assign(name, text, True, mutable=remaining[target] > 0))
        grads = []
        for node in g.inputs.values():
            name = self.grad_var[node]
            if node not in assigned and node != out:
                zero = f"np.zeros_like({self.var[node]})" if lang == "numpy" else self.spell.num(0).text
                body.append(self.assign(name, zero, True))
            grads.append(name)
        return self._wrap(body, value, grads)

    def _read_steps(self, steps: list) -> list:
        """The steps whose gradient is read: an input's, or one a kept step of its gate reads.  (A
        gate whose local gradients are all 0, like step's or share's, reads nothing: the gradient
        that reached it would be an unused variable, an error in C with -Werror.)"""
        inputs = set(self.g.inputs.values())
        read, kept, next_kept = set(), [], False
        for step in reversed(steps):
            target, _, gate = step
            if target is _COMMENT_STEP:
                if gate in read:
                    kept.append(step)
                continue
            if target is _LOCAL_STEP:  # named for the step after it
                if next_kept:
                    kept.append(step)
                continue
            next_kept = target in inputs or target in read
            if next_kept:
                kept.append(step)
                read.add(gate)
        return kept[::-1]

    def _wrap(self, body: list, value: str, grads: list) -> str:
        lang, name = self.lang, self.name
        params = ", ".join(self.params)
        n = len(grads)
        if lang in ("python", "numpy"):
            head = "import math" if lang == "python" else "import numpy as np"
            tuple_text = f"({', '.join(grads)}{',' if n == 1 else ''})"
            lines = [head, "", ""]
            for helper in self.spell.helpers.values():  # e.g. cbrt: math.cbrt is Python 3.11+
                lines += [inspect.getsource(helper).rstrip(), "", ""]
            lines += [f"def {name}({params}):",
                     f'    """The value and the gradient ({", ".join(grads) or "none"}): backprop, flat."""']
            lines += ["    " + line for line in body]
            lines.append(f"    return {value}, {tuple_text}")
            return "\n".join(lines) + "\n"
        if lang == "c":
            signature = ", ".join([f"double {p}" for p in self.params] +
                                  ([f"double grad[{n}]"] if n else [])) or "void"
            lines = ["#include <math.h>", "",
                     f"/* Returns the value; grad[] gets {', '.join(grads) or 'nothing'}, in that order. */",
                     f"double {name}({signature})", "{"]
            lines += ["    " + line for line in body]
            lines += [f"    grad[{k}] = {gname};" for k, gname in enumerate(grads)]
            lines += [f"    return {value};", "}"]
            return "\n".join(lines) + "\n"
        lines = [f"// Returns [value, [{', '.join(grads)}]].", f"function {name}({params}) {{"]
        lines += ["  " + line for line in body]
        lines += [f"  return [{value}, [{', '.join(grads)}]];", "}"]
        return "\n".join(lines) + "\n"
