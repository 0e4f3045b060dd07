"""The one simplifier, the one name allocator and the one printer of codegen and diff.

``Dag`` holds expressions as a hash-consed DAG (flat lists, children before parents).  It is the
builder that the gates' descriptions (``core/expr.py``) are replayed through, and it simplifies as it
builds: constants are folded (when the result is finite) and the exact IEEE identities x*1, 1*x,
x*-1, x+0, 0+x, x-0, 0-x, x/1, x^1, x^0, --x, a + -b and a - -b are applied.  x*0 is not 0 (inf*0
is nan), so a program built here computes the engine's doubles.

``Spell(lang)`` writes an expression in one language: "python", "numpy", "c", "js" (generated
code) or "backprop" (diff's programs).  A gate is written from its description: a library function
by the name ``core/library.py`` gives it in that language, anything else by replaying its forward
expression (relu becomes ``(0.0 if x <= 0 else x)`` in Python).  Non-finite constants are each
language's own (math.inf, np.inf, INFINITY, Infinity; nan likewise).

A language may lack a library function (JavaScript and numpy have no erf): ``core/library.py``
says so and why, and spelling it raises InputError (exit 2) naming the languages that have it.  A
function a language gets from a helper (Python's cbrt: ``math.cbrt`` is 3.11+) is recorded in
``Spell.helpers``, whose source the generated code carries.

``Namer`` hands out identifiers that are unique and not reserved (see ``reserved``).
"""

from __future__ import annotations

import math
import re

from ..base.errors import InputError
from ..core import library
from ..core.expr import COMPARE, build
from ..core.ops import GATES
from ..base.numbers import exact

ATOM = 5  # precedence of names, literals, calls and parenthesised expressions
LANGUAGES = ("python", "numpy", "c", "js")
LANGUAGE_NAMES = {"python": "Python", "numpy": "numpy", "c": "C", "js": "JavaScript"}

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_0-9]*\Z")
_CONDITIONS = ("where", "at", "cmp", "and")


def scalar_function(name: str):
    op = GATES.get(name)
    return op.forward if op is not None else library.LIBRARY[name].scalar


class Dag:
    """Expressions as a hash-consed DAG.  Conditions known while building are True or False;
    ``conditions=False`` (diff: the language has no conditionals) keeps only the general formula of
    a convention whose condition depends on a value."""

    def __init__(self, conditions: bool = True) -> None:
        self.op: list = []
        self.args: list = []
        self.payload: list = []
        self._ids: dict = {}
        self.conditions = conditions

    def __len__(self) -> int:
        return len(self.op)

    def _make(self, op: str, args: tuple, payload=None) -> int:
        key = (op, args, payload)
        i = self._ids.get(key)
        if i is None:
            i = len(self.op)
            self.op.append(op)
            self.args.append(args)
            self.payload.append(payload)
            self._ids[key] = i
        return i

    # -- leaves --

    def num(self, v: float) -> int:
        v = float(v)
        return self._make("const", (), 0.0 if v == 0 else v)

    def input(self, name: str) -> int:
        """A named value: an input of the program, or a variable of generated code."""
        return self._make("input", (), name)

    def const_value(self, i: int):
        return self.payload[i] if self.op[i] == "const" else None

    # -- gates, simplified --

    def node(self, op: str, *args: int) -> int:
        values = [self.const_value(a) for a in args]
        if args and all(v is not None for v in values):
            v = scalar_function(op)(*values)
            if math.isfinite(v):
                return self.num(v)
        a = values[0] if args else None
        b = values[1] if len(args) > 1 else None
        if op == "add":
            if b == 0:
                return args[0]
            if a == 0:
                return args[1]
            # a + -b is a - b, and -a + b is b - a: the same doubles, easier to read.
            if self.op[args[1]] == "neg":
                return self.sub(args[0], self.args[args[1]][0])
            if self.op[args[0]] == "neg":
                return self.sub(args[1], self.args[args[0]][0])
        elif op == "sub":
            if b == 0:
                return args[0]
            if a == 0:
                return self.neg(args[1])
            if self.op[args[1]] == "neg":
                return self.add(args[0], self.args[args[1]][0])
        elif op == "mul":
            if a == 1:
                return args[1]
            if b == 1:
                return args[0]
            if a == -1:
                return self.neg(args[1])
            if b == -1:
                return self.neg(args[0])
        elif op == "div":
            if b == 1:
                return args[0]
        elif op == "neg":
            if self.op[args[0]] == "neg":
                return self.args[args[0]][0]
        elif op == "pow":
            if b == 1:
                return args[0]
            if b == 0:
                return self.num(1)
        return self._make(op, tuple(args))

    def lib(self, op: str, *args: int) -> int:
        return self.node(op, *args)

    def add(self, a: int, b: int) -> int:
        return self.node("add", a, b)

    def sub(self, a: int, b: int) -> int:
        return self.node("sub", a, b)

    def mul(self, a: int, b: int) -> int:
        return self.node("mul", a, b)

    def neg(self, a: int) -> int:
        return self.node("neg", a)

    # -- conditions: True, False, or a node --

    def compare(self, symbol: str, a: int, b: int):
        va, vb = self.const_value(a), self.const_value(b)
        if va is not None and vb is not None:
            return COMPARE[symbol](va, vb)
        return self._make("cmp", (a, b), symbol)

    def both(self, p, q):
        if p is False or q is False:
            return False
        if p is True:
            return q
        if q is True:
            return p
        return self._make("and", (p, q))

    def where(self, c, a: int, b: int) -> int:
        if c is True:
            return a
        if c is False:
            return b
        if not self.conditions:
            raise ValueError("a piecewise formula cannot be written without conditionals")
        return self._make("where", (c, a, b))

    def at(self, c, value: int, general: int) -> int:
        """``value`` where ``c`` holds (a convention at special points), else ``general``."""
        if c is True:
            return value
        if c is False or not self.conditions:
            return general
        return self._make("at", (c, value, general))

    def contribution(self, op_name: str, k: int, out: int, args: list, upstream: int) -> int:
        """What input ``k`` of gate ``op_name`` receives: upstream * its local gradient, masked
        (``masked_mul``: a zero local gradient passes 0 on, even for an inf or nan upstream) when
        the gate blocks."""
        local = self.local(op_name, k, out, args)
        u = self.const_value(upstream)
        if GATES[op_name].blocks and (u is None or not math.isfinite(u)):
            v = self.const_value(local)
            if v == 0:
                return self.num(0)
            if v is None:
                return self.node("masked_mul", local, upstream)
        return self.mul(local, upstream)

    def local(self, op_name: str, k: int, out: int, args: list) -> int:
        """The DAG of gate ``op_name``'s local gradient for input ``k``."""
        op = GATES[op_name]
        full = list(args) + [self.num(d) for d in op.defaults[len(args) - len(op.params):]] \
            if op.defaults and len(args) < len(op.params) else args
        return build(op.local_expr(k), self, out, full, k, op_name)


class Code:
    """An expression in a target language: its text, its precedence, its value if constant."""

    __slots__ = ("text", "prec", "value")

    def __init__(self, text: str, prec: int = ATOM, value=None) -> None:
        self.text, self.prec, self.value = text, prec, value

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Code({self.text!r})"


_NONFINITE = {
    "python": ("math.inf", "math.nan"), "numpy": ("np.inf", "np.nan"), "c": ("INFINITY", "NAN"),
    "js": ("Infinity", "NaN"),
}


class Spell:
    """Writes gates, numbers and conditions in one language, from Code operands."""

    def __init__(self, lang: str, constants: dict = None, choices=LANGUAGES) -> None:
        self.lang = lang
        #: value -> name, for diff: pi and e written by name.
        self.constants = constants or {}
        #: the languages the user could pick instead, should this one lack a function.
        self.choices = choices
        #: the library functions whose helper source the generated code must carry, in order of use.
        self.helpers: dict = {}

    # -- leaves --

    def num(self, v: float) -> Code:
        v = float(v)
        lang = self.lang
        if v in self.constants:
            return Code(self.constants[v], ATOM, v)
        if lang == "backprop":
            text = exact(v)
        elif not math.isfinite(v):
            big, nan = _NONFINITE[lang]
            text = nan if v != v else big if v > 0 else f"-{big}"
        else:
            text = repr(v)
            if lang == "js" and text.endswith(".0"):
                text = text[:-2]
        return Code(text, 3 if text.startswith("-") else ATOM, v)

    def literal(self, c: Code) -> str:
        """A constant in a comparison: 0 rather than 0.0 (the same value in every language)."""
        v = c.value
        if v is not None and math.isfinite(v) and v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return c.text

    # -- gates --

    def _binary(self, symbol: str, prec: int, a: Code, b: Code) -> Code:
        left = a.text if a.prec >= prec else f"({a.text})"
        right = b.text if b.prec > prec else f"({b.text})"
        return Code(f"{left} {symbol} {right}", prec)

    def node(self, name: str, *args: Code) -> Code:
        op = GATES.get(name)
        if self.lang == "backprop":
            return self._backprop(op, name, args)
        if op is None or op.forward_expr.kind == "lib":
            return self.lib(name, *args)
        if op.defaults and len(args) < len(op.params):
            args = args + tuple(self.num(d) for d in op.defaults[len(args) - len(op.params):])
        return build(op.forward_expr, self, None, list(args), None, name)

    def lib(self, name: str, *args: Code) -> Code:
        fn = library.LIBRARY[name]
        if fn.infix is not None:
            symbol, prec = fn.infix
            if len(args) == 1:
                (a,) = args
                return Code(f"{symbol}{a.text}" if a.prec >= 3 else f"{symbol}({a.text})", 3)
            return self._binary(symbol, prec, *args)
        spelling = fn.code.get(self.lang)
        if spelling is None and self.lang != "backprop":
            raise self._lacking(fn)
        if self.lang in fn.helper:
            self.helpers.setdefault(name, fn.helper[self.lang])
        if callable(spelling):
            texts = [a.text if a.prec >= ATOM else f"({a.text})" for a in args]
            return Code(spelling(*texts), fn.prec)
        return Code(f"{spelling}({', '.join(a.text for a in args)})", ATOM)

    def _lacking(self, fn) -> InputError:
        lang = LANGUAGE_NAMES[self.lang]
        why = fn.lacks.get(self.lang) or f"{lang} has no {fn.name}"
        others = [c for c in self.choices if c != self.lang and fn.code.get(c) is not None]
        hint = (f"Use {' or '.join('--lang ' + c for c in others)}, or write {fn.name} with "
                "other functions." if others else
                f"Write {fn.name} with other functions; backprop eval and batch compute it.")
        return InputError(f"{fn.name} cannot be written in {lang}: {why}", hint)

    def _backprop(self, op, name: str, parts) -> Code:
        if op.notation == "infix":
            a, b = parts
            if name == "pow":  # base: an atom; exponent: a unary expression (right-associative)
                left = a.text if a.prec >= ATOM else f"({a.text})"
                right = b.text if b.prec >= 3 else f"({b.text})"
                return Code(f"{left}^{right}", op.precedence)
            return self._binary(op.symbol, op.precedence, a, b)
        if op.notation == "prefix":
            (a,) = parts
            t = a.text
            return Code(f"-{t}" if a.prec >= 3 and not t.startswith("-") else f"-({t})", 3)
        return Code(f"{name}({', '.join(a.text for a in parts)})", ATOM)

    # -- conditions --

    def compare(self, symbol: str, a: Code, b: Code) -> Code:
        return Code(f"{self.literal(a)} {symbol} {self.literal(b)}", 0)

    def both(self, p: Code, q: Code) -> Code:
        if self.lang == "python":
            return Code(f"{p.text} and {q.text}", 0)
        if self.lang == "numpy":
            return Code(f"({p.text}) & ({q.text})", 0)
        return Code(f"{p.text} && {q.text}", 0)

    def where(self, c: Code, a: Code, b: Code) -> Code:
        if self.lang == "python":
            return Code(f"({a.text} if {c.text} else {b.text})")
        if self.lang == "numpy":
            return Code(f"np.where({c.text}, {a.text}, {b.text})")
        if self.lang == "backprop":
            raise ValueError("the language has no conditionals")
        return Code(f"({c.text} ? {a.text} : {b.text})")

    at = where

    # -- a DAG node --

    def dag(self, dag: Dag, root: int, names: dict) -> Code:
        """Node ``root`` of ``dag``, with the nodes in ``names`` written by name (no recursion)."""
        done: dict = {}
        stack = [root]
        while stack:
            k = stack[-1]
            if k in done:
                stack.pop()
                continue
            op = dag.op[k]
            if k in names and k != root:
                done[k] = Code(names[k])
            elif op == "input":
                done[k] = Code(dag.payload[k])
            elif op == "const":
                done[k] = self.num(dag.payload[k])
            else:
                pending = [a for a in dag.args[k] if a not in done]
                if pending:
                    stack.extend(reversed(pending))
                    continue
                parts = [done[a] for a in dag.args[k]]
                if op == "cmp":
                    done[k] = self.compare(dag.payload[k], *parts)
                elif op == "and":
                    done[k] = self.both(*parts)
                elif op == "where":
                    done[k] = self.where(*parts)
                elif op == "at":
                    done[k] = self.at(*parts)
                else:
                    done[k] = self.node(op, *parts)
            stack.pop()
        return done[root]


# ---- names -------------------------------------------------------------------------------------


class Namer:
    """Hands out identifiers that are unique and not reserved: a clash gets ``_``, then ``_2``, ..."""

    def __init__(self, reserved) -> None:
        self.taken = _Taken(reserved)

    def claim(self, base: str) -> str:
        base = re.sub(r"[^A-Za-z_0-9]", "_", base) or "t"
        if base[0].isdigit():
            base = "t" + base
        if base in self.taken and f"{base}_" in self.taken:
            base = "v" + base  # reserved as a family (C's M_PI, _X, __x): no suffix would do
        name, k = base, 1
        while name in self.taken:
            k += 1
            name = f"{base}_" if k == 2 else f"{base}_{k - 1}"
        self.taken.add(name)
        return name


class _Taken(set):
    """The names handed out, plus the reserved ones (a set, or an object with ``in``)."""

    def __init__(self, reserved) -> None:
        super().__init__()
        self.reserved = reserved

    def __contains__(self, name) -> bool:
        return set.__contains__(self, name) or name in self.reserved


def is_identifier(text: str) -> bool:
    return bool(_IDENTIFIER.match(text))
