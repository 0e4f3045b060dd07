"""Flat forward and backward code from a graph, like CS231n's "flat" backprop code.

The forward pass is one assignment per node, in graph order; the backward pass walks the same nodes in
reverse, with one gradient variable per node (``dq`` for a node named ``q``), ``=`` for the first
gradient that reaches a node and ``+=`` for the ones that add to it.  The order of the backward pass
and of the additions is the engine's, so the generated code computes the same doubles as
``backprop eval`` (up to the last bit of a maths library that differs, as JavaScript's may).

What each op looks like in code comes from the op table (``ops.py``): an op's ``code`` templates for
its forward, and its ``emit_local`` for its local gradients, built here with a ``Printer``.
"""

from __future__ import annotations

import keyword
import re
from typing import Optional

from ..errors import InputError
from ..core.graph import Graph
from ..core.ops import OPS

LANGUAGES = ("python", "numpy", "c", "js")

ATOM = 5  # precedence of names, literals, calls and parenthesised expressions

_LIBRARY = {"python": "math.", "numpy": "np.", "c": "", "js": "Math."}
_COMMENT = {"python": "#", "numpy": "#", "c": "//", "js": "//"}

_C_WORDS = """auto break case char const continue default do double else enum extern float for goto if
inline int long register restrict return short signed sizeof static struct switch typedef union
unsigned void volatile while _Alignas _Alignof _Atomic _Bool _Complex _Generic _Imaginary _Noreturn
_Static_assert _Thread_local alignas alignof bool constexpr false nullptr static_assert thread_local
true typeof typeof_unqual main NAN INFINITY HUGE_VAL NULL errno""".split()
_JS_WORDS = """await break case catch class const continue debugger default delete do else enum export
extends false finally for function if implements import in instanceof interface let new null package
private protected public return static super switch this throw true try typeof var void while with
yield arguments eval undefined NaN Infinity Math""".split()

#: names generated code uses for itself, which an input or a node must not shadow.
RESERVED = {
    "python": set(keyword.kwlist) | {"math", "abs", "max", "min", "float"},
    "numpy": set(keyword.kwlist) | {"np"},
    "c": set(_C_WORDS) | {"grad", "exp", "log", "sqrt", "sin", "cos", "tan", "tanh", "pow", "fabs",
                          "fmax", "fmin"},
    "js": set(_JS_WORDS),
}

_COMMENT_STEP = object()  # marks a comment line among the backward pass's steps
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_0-9]*\Z")


class Code:
    """An expression in the target language: its text, its precedence, and its value if constant."""

    __slots__ = ("text", "prec", "value")

    def __init__(self, text: str, prec: int = ATOM, value: Optional[float] = None) -> None:
        self.text, self.prec, self.value = text, prec, value

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Code({self.text!r})"


class Cond:
    """A condition: its text, or its truth when known while generating (a comparison of constants)."""

    __slots__ = ("text", "value")

    def __init__(self, text: Optional[str], value: Optional[bool] = None) -> None:
        self.text, self.value = text, value


class Printer:
    """The builder that ops' ``emit_local`` formulas are written against, printing one language.

    Arithmetic on constants is folded and the exact identities x*1, 1*x, x+0, x-0, x/1, x^1 are
    applied, so a local gradient of 1 does not show as ``1.0 * dq``.  The folding is IEEE double
    arithmetic, the same in every target language, so it changes no result.
    """

    def __init__(self, lang: str) -> None:
        self.lang = lang

    # -- leaves --

    def num(self, v: float) -> Code:
        v = float(v)
        text = repr(v)
        if self.lang == "js" and text.endswith(".0"):
            text = text[:-2]
        return Code(text, ATOM if v >= 0 or v != v else 3, v)

    @staticmethod
    def var(name: str) -> Code:
        return Code(name)

    # -- arithmetic --

    def _binary(self, symbol: str, prec: int, a: Code, b: Code) -> Code:
        left = a.text if a.prec >= prec else f"({a.text})"
        right = b.text if b.prec > prec else f"({b.text})"
        return Code(f"{left} {symbol} {right}", prec)

    def add(self, a: Code, b: Code) -> Code:
        if a.value is not None and b.value is not None:
            return self.num(a.value + b.value)
        if b.value == 0:
            return a
        if a.value == 0:
            return b
        return self._binary("+", 1, a, b)

    def sub(self, a: Code, b: Code) -> Code:
        if a.value is not None and b.value is not None:
            return self.num(a.value - b.value)
        if b.value == 0:
            return a
        if a.value == 0:
            return self.neg(b)
        return self._binary("-", 1, a, b)

    def mul(self, a: Code, b: Code) -> Code:
        if a.value is not None and b.value is not None:
            return self.num(a.value * b.value)
        if a.value == 1:
            return b
        if b.value == 1:
            return a
        if a.value == -1:
            return self.neg(b)
        if b.value == -1:
            return self.neg(a)
        return self._binary("*", 2, a, b)

    def div(self, a: Code, b: Code) -> Code:
        if a.value is not None and b.value is not None and b.value != 0:
            return self.num(a.value / b.value)
        if b.value == 1:
            return a
        return self._binary("/", 2, a, b)

    def neg(self, a: Code) -> Code:
        if a.value is not None:
            return self.num(-a.value)
        return Code(f"-{a.text}" if a.prec >= 3 else f"-({a.text})", 3)

    def pow(self, a: Code, b: Code) -> Code:
        if b.value == 1:
            return a
        if b.value == 0:
            return self.num(1)
        return self.call("pow", a, b)

    def call(self, name: str, *args: Code) -> Code:
        texts = [a.text if a.prec >= ATOM else f"({a.text})" for a in args]
        return Code(forward_text(name, texts, self.lang), ATOM)

    # -- conventions at special points --

    def _compare(self, symbol: str, a: Code, b: Code, test) -> Cond:
        if a.value is not None and b.value is not None:
            return Cond(None, test(a.value, b.value))
        return Cond(f"{a.text} {symbol} {b.text}")

    def eq(self, a: Code, b: Code) -> Cond:
        return self._compare("==", a, b, lambda x, y: x == y)

    def ge(self, a: Code, b: Code) -> Cond:
        return self._compare(">=", a, b, lambda x, y: x >= y)

    def both(self, p: Cond, q: Cond) -> Cond:
        if p.value is False or q.value is False:
            return Cond(None, False)
        if p.value is True:
            return q
        if q.value is True:
            return p
        if self.lang == "python":
            return Cond(f"{p.text} and {q.text}")
        if self.lang == "numpy":
            return Cond(f"({p.text}) & ({q.text})")
        return Cond(f"{p.text} && {q.text}")

    def zero_where(self, cond: Cond, x: Code) -> Code:
        """0 where ``cond`` holds, else ``x``."""
        if cond.value is True:
            return self.num(0)
        if cond.value is False:
            return x
        zero = self.num(0).text
        if self.lang == "python":
            return Code(f"({zero} if {cond.text} else {x.text})")
        if self.lang == "numpy":
            return Code(f"np.where({cond.text}, {zero}, {x.text})")
        return Code(f"({cond.text} ? {zero} : {x.text})")


def forward_text(op_name: str, args: list, lang: str) -> str:
    """The op applied to argument texts (names, literals or parenthesised), in ``lang``."""
    op = OPS[op_name]
    template = op.code.get(lang)
    if template is not None:
        return template(*args) if callable(template) else template.format(*args)
    if op.notation == "infix":
        return f"{args[0]} {op.symbol} {args[1]}"
    if op.notation == "prefix":
        return f"{op.symbol}{args[0]}"
    return f"{_LIBRARY[lang]}{op_name}({', '.join(args)})"


class Namer:
    """Hands out identifiers that are unique and not reserved in the target language."""

    def __init__(self, reserved: set) -> None:
        self.taken = set(reserved)

    def claim(self, base: str) -> str:
        base = re.sub(r"[^A-Za-z_0-9]", "_", base) or "t"
        if base[0].isdigit():
            base = "t" + base
        name, k = base, 1
        while name in self.taken:
            k += 1
            name = f"{base}_" if k == 2 else f"{base}_{k - 1}"
        self.taken.add(name)
        return name


def depends_on_inputs(graph: Graph) -> list:
    """needs[i]: node i depends on some input, so it has a gradient worth computing."""
    needs = [False] * len(graph)
    for i, (op, args) in enumerate(zip(graph.op, graph.args)):
        needs[i] = op == "input" or any(needs[j] for j in args)
    return needs


def check_function_name(name: str, lang: str) -> None:
    if not _IDENTIFIER.match(name):
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
        self.p = Printer(lang)
        self.live = graph.live()
        self.needs = depends_on_inputs(graph)
        self._name_nodes()
        self._operands: dict = {}
        self._forward: dict = {}

    # -- names --

    def _name_nodes(self) -> None:
        g, live = self.g, self.live
        namer = Namer(RESERVED[self.lang])
        self.var: dict = {}
        # The names a user chose come first: inputs, then named nodes; then the output; then the rest.
        self.params = [namer.claim(n) for n in g.inputs]
        for node, param in zip(g.inputs.values(), self.params):
            self.var[node] = param
        for i in range(g.output + 1):
            if live[i] and g.name[i] is not None and g.op[i] != "input":
                self.var[i] = namer.claim(g.name[i])
        out = g.output
        if out not in self.var and g.op[out] != "const" and _IDENTIFIER.match(g.output_name):
            self.var[out] = namer.claim(g.output_name)
        k = 0
        for i in range(out + 1):
            if live[i] and i not in self.var and g.op[i] not in ("const", "input"):
                k += 1
                self.var[i] = namer.claim(f"t{k}")
        self.grad_var: dict = {}
        for node in g.inputs.values():
            self.grad_var[node] = namer.claim("d" + self.var[node])
        for i in range(out + 1):
            if live[i] and self.needs[i] and i not in self.grad_var:
                self.grad_var[i] = namer.claim("d" + self.var[i])

    def operand(self, j: int) -> Code:
        c = self._operands.get(j)
        if c is None:
            if j in self.var:
                c = self.p.var(self.var[j])
            else:
                c = self.p.num(self.g.payload[j])  # an unnamed constant, written inline
            self._operands[j] = c
        return c

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
                text = self.p.num(g.payload[i]).text
            else:
                args = []
                for j in g.args[i]:
                    c = self.operand(j)
                    args.append(c.text if c.prec >= ATOM else f"({c.text})")
                text = forward_text(g.op[i], args, self.lang)
            self._forward[i] = text
        return text

    def forward_line(self, i: int) -> str:
        return self.assign(self.var[i], self.forward_expression(i), True)

    def forward_comment(self, i: int) -> str:
        return f"{self.var[i]} = {self.forward_expression(i)}"

    def source(self) -> str:
        g, lang, p = self.g, self.lang, self.p
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
        value = self.operand(out).text
        if lang == "numpy" and self.params and not self.needs[out]:
            value = f"np.full_like({self.params[0]}, {value})"  # the inputs' shape, like the gradients

        # The backward pass, first as a list of (target node, contribution) in the engine's order.
        steps: list = []  # ("comment", text) or (target, Code)
        if lang == "numpy":
            seed = p.var(self.grad_var[out]) if self.needs[out] else p.num(1)
        else:
            seed = p.num(1)
        reached = {out} if self.needs[out] else set()
        for i in range(out, -1, -1):
            args = g.args[i]
            if not args or not self.needs[i] or i not in reached:
                continue
            up = seed if i == out else p.var(self.grad_var[i])
            locs = OPS[g.op[i]].emit_local(p, self.operand(i), *[self.operand(j) for j in args])
            header = False
            for j, loc in zip(args, locs):
                if not self.needs[j]:
                    continue
                c = p.mul(loc, up)
                if c.value == 0:
                    continue
                if not header:
                    steps.append((_COMMENT_STEP, self.forward_comment(i)))
                    header = True
                steps.append((j, c))
                reached.add(j)
        remaining: dict = {}
        for target, _ in steps:
            remaining[target] = remaining.get(target, 0) + 1

        body.append(f"{comment} backward pass")
        if lang == "numpy" and self.needs[out]:
            body.append(self.assign(self.grad_var[out], f"np.ones_like({value})", True))
        elif out in g.inputs.values():
            body.append(self.assign(self.grad_var[out], p.num(1).text, True))
        assigned = set()
        for target, c in steps:
            if target is _COMMENT_STEP:
                body.append(f"{comment} {c}")
                continue
            name = self.grad_var[target]
            remaining[target] -= 1
            if target in assigned:
                body.append(self.accumulate(name, c.text))
                continue
            assigned.add(target)
            text = c.text
            if lang == "numpy" and _IDENTIFIER.match(text) and (remaining[target] or g.op[target] == "input"):
                text += ".copy()"  # its own array: `+=` below must not change the one it came from
            body.append(self.assign(name, text, True, mutable=remaining[target] > 0))
        grads = []
        for node in g.inputs.values():
            name = self.grad_var[node]
            if node not in assigned and node != out:
                zero = f"np.zeros_like({self.var[node]})" if lang == "numpy" else p.num(0).text
                body.append(self.assign(name, zero, True))
            grads.append(name)
        return self._wrap(body, value, grads)

    def _wrap(self, body: list, value: str, grads: list) -> str:
        lang, name = self.lang, self.name
        params = ", ".join(self.params)
        n = len(grads)
        if lang in ("python", "numpy"):
            head = "import math" if lang == "python" else "import numpy as np"
            tuple_text = f"({', '.join(grads)}{',' if n == 1 else ''})"
            lines = [head, "", "", f"def {name}({params}):",
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
