"""d(output)/dx as a program in backprop's own language: reverse-mode differentiation, symbolically.

The graph is walked backward exactly as the engine does (same order, same products, same sums),
but instead of numbers it builds expressions from the op table's ``emit_local`` formulas.  The
expressions live in a hash-consed DAG whose constructors fold constants and apply exact identities
(x*1, 1*x, x+0, x-0, x/1, x^1, x^0, --x) and x*0 = 0, so a shared subexpression is built once and
printed once, as a named statement: the program's size stays linear in the graph's.

The derivative program keeps the original inputs (and their ``input x = ...`` defaults), so
``backprop diff ... | backprop eval -`` evaluates it, and ``backprop diff`` can be applied again.
"""

from __future__ import annotations

import math
import re
from typing import Optional

from ..errors import unknown_input
from ..core.graph import Graph
from ..numbers import exact
from ..core.ops import CONSTANTS, OPS, function_names

ATOM = 5


class Dag:
    """Expressions in the language as a hash-consed DAG (flat lists, children before parents).

    It is the builder that ``emit_local`` formulas are written against (num, add, sub, mul, div,
    neg, pow, call, eq, ge, both, zero_where).
    """

    def __init__(self) -> None:
        self.op: list = []
        self.args: list = []
        self.payload: list = []
        self._ids: dict = {}

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
        return self._make("input", (), name)

    def const_value(self, i: int) -> Optional[float]:
        return self.payload[i] if self.op[i] == "const" else None

    # -- operations, simplified --

    def node(self, op: str, *args: int) -> int:
        values = [self.const_value(a) for a in args]
        if args and all(v is not None for v in values):
            v = OPS[op].forward(*values)
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
            if a == 0 or b == 0:
                return self.num(0)
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

    def add(self, a: int, b: int) -> int:
        return self.node("add", a, b)

    def sub(self, a: int, b: int) -> int:
        return self.node("sub", a, b)

    def mul(self, a: int, b: int) -> int:
        return self.node("mul", a, b)

    def div(self, a: int, b: int) -> int:
        return self.node("div", a, b)

    def neg(self, a: int) -> int:
        return self.node("neg", a)

    def pow(self, a: int, b: int) -> int:
        return self.node("pow", a, b)

    def call(self, name: str, *args: int) -> int:
        return self.node(name, *args)

    # -- conventions at special points --
    # The language has no conditionals.  A convention decided by constants (pow's exponent is the
    # constant 0, say) is applied; one that depends on a value is left to the formula, which
    # differs from the engine's convention only at that exact point (pow with base exactly 0 and an
    # exponent that is not a constant; see the README).

    def eq(self, a: int, b: int) -> Optional[bool]:
        va, vb = self.const_value(a), self.const_value(b)
        return None if va is None or vb is None else va == vb

    def ge(self, a: int, b: int) -> Optional[bool]:
        va, vb = self.const_value(a), self.const_value(b)
        return None if va is None or vb is None else va >= vb

    @staticmethod
    def both(p: Optional[bool], q: Optional[bool]) -> Optional[bool]:
        if p is False or q is False:
            return False
        if p is True and q is True:
            return True
        return None

    def zero_where(self, cond: Optional[bool], x: int) -> int:
        return self.num(0) if cond is True else x


class Derivative:
    """d(graph's output)/d(wrt) as a DAG node, with what is needed to print it as a program."""

    def __init__(self, graph: Graph, wrt: str) -> None:
        if wrt not in graph.inputs:
            raise unknown_input("--wrt", wrt, graph.inputs)
        self.graph, self.wrt = graph, wrt
        dag = self.dag = Dag()
        g = graph
        out = g.output
        live = g.live()
        x_node = g.inputs[wrt]

        # The forward nodes, as DAG nodes.  A node's name in the program is a hint for its statement.
        node: dict = {}
        self.hint: dict = {}
        self.forward_nodes: set = set()
        for i in range(out + 1):
            if not live[i]:
                continue
            op = g.op[i]
            if op == "input":
                k = dag.input(g.payload[i])
            elif op == "const":
                k = dag.num(g.payload[i])
            else:
                k = dag.node(op, *[node[j] for j in g.args[i]])
            node[i] = k
            self.forward_nodes.add(k)
            if g.name[i] is not None and op not in ("input", "const"):
                self.hint.setdefault(k, g.name[i])
        if out in node and g.op[out] not in ("input", "const"):
            self.hint.setdefault(node[out], g.output_name)

        # The backward pass, in the engine's order: node by node from the output down, each input
        # edge in turn, contributions added to a node's gradient as they arrive.
        on_path = [False] * (out + 1)
        for i in range(out + 1):
            on_path[i] = i == x_node or any(on_path[j] for j in g.args[i])
        grad: dict = {out: dag.num(1)} if on_path[out] else {}
        self.grad_of: dict = {}  # DAG node of a gradient -> DAG node of the forward value it is for
        for i in range(out, -1, -1):
            args = g.args[i]
            if not args or not on_path[i] or i not in grad:
                continue
            up = grad[i]
            if i != out:
                self.grad_of.setdefault(up, node[i])
            locs = OPS[g.op[i]].emit_local(dag, node[i], *[node[j] for j in args])
            for j, loc in zip(args, locs):
                if not on_path[j]:
                    continue
                c = dag.mul(loc, up)
                if dag.const_value(c) == 0:
                    continue
                grad[j] = c if j not in grad else dag.add(grad[j], c)
        self.result = grad.get(x_node, dag.num(0))

    # -- printing --

    def program(self) -> str:
        g, dag = self.graph, self.dag
        root = self.result

        # What the result needs, and how often each node is used.
        seen = {root}
        stack = [root]
        uses: dict = {}
        while stack:
            k = stack.pop()
            for a in dag.args[k]:
                uses[a] = uses.get(a, 0) + 1
                if a not in seen:
                    seen.add(a)
                    stack.append(a)
        order = sorted(seen)

        # Statements: nodes used more than once, nodes the program named, and the gradients of those.
        statement = set()
        for k in order:
            if dag.op[k] in ("input", "const") or k == root:
                continue
            if uses.get(k, 0) > 1 or k in self.hint:
                statement.add(k)
        for k in order:
            f = self.grad_of.get(k)
            if f is not None and k != root and dag.op[k] not in ("input", "const") and \
                    (f in statement or dag.op[f] == "input"):
                statement.add(k)

        reserved = set(g.inputs) | set(function_names()) | set(CONSTANTS) | {"input"}
        taken = set(reserved)
        names: dict = {}

        def claim(base: str) -> str:
            base = re.sub(r"[^A-Za-z_0-9]", "_", base)
            if not base or base[0].isdigit():
                base = "t" + base
            name, n = base, 1
            while name in taken:
                n += 1
                name = f"{base}_{n}"
            taken.add(name)
            return name

        for k in order:  # the program's own names first
            if k in statement and k in self.hint:
                names[k] = claim(self.hint[k])
        counter = 0
        for k in order:  # values of the original graph are t1, t2, ... even when also a gradient
            if k in statement and k not in names and (k not in self.grad_of or k in self.forward_nodes):
                counter += 1
                names[k] = claim(f"t{counter}")
        for k in order:
            if k in statement and k not in names:
                f = self.grad_of[k]
                base = names.get(f) or (dag.payload[f] if dag.op[f] == "input" else None)
                if base is None:
                    counter += 1
                    base = f"t{counter}"
                names[k] = claim("d" + base)

        out_name = g.output_name if re.fullmatch(r"[A-Za-z_][A-Za-z_0-9]*", g.output_name) else "f"
        final = claim(f"d{out_name}_d{self.wrt}")

        lines = [f"# d{out_name}/d{self.wrt}, by reverse-mode differentiation (backprop diff)"]
        decls = []
        for name in g.inputs:
            if name in g.defaults:
                decls.append(f"{name} = {exact(g.defaults[name])}")
            else:
                decls.append(name)
        if decls:
            lines.append("input " + ", ".join(decls))
        constants = {v: n for n, v in CONSTANTS.items() if n not in taken}
        for k in order:
            if k in statement:
                lines.append(f"{names[k]} = {self._text(k, names, constants)}")
        root_text = names.get(root) or self._text(root, names, constants)
        lines.append(f"{final} = {root_text}")
        return "\n".join(lines) + "\n"

    def _text(self, root: int, names: dict, constants: dict) -> str:
        """The expression of ``root``, with statements referred to by name (no recursion)."""
        dag = self.dag
        done: dict = {}  # node -> (text, precedence)

        def leaf(k: int):
            if k in names and k != root:
                return names[k], ATOM
            op = dag.op[k]
            if op == "input":
                return dag.payload[k], ATOM
            if op == "const":
                v = dag.payload[k]
                if v in constants:
                    return constants[v], ATOM
                text = exact(v)
                return text, (3 if text.startswith("-") else ATOM)
            return None

        stack = [root]
        while stack:
            k = stack[-1]
            if k in done:
                stack.pop()
                continue
            ready = leaf(k)
            if ready is not None:
                done[k] = ready
                stack.pop()
                continue
            pending = [a for a in dag.args[k] if a not in done]
            if pending:
                stack.extend(reversed(pending))
                continue
            stack.pop()
            done[k] = self._combine(k, [done[a] for a in dag.args[k]])
        return done[root][0]

    def _combine(self, k: int, parts: list) -> tuple:
        op = OPS[self.dag.op[k]]
        if op.notation == "infix":
            (lt, lp), (rt, rp) = parts
            p = op.precedence
            if op.name == "pow":  # base: an atom; exponent: a unary expression (right-associative)
                left = lt if lp >= ATOM else f"({lt})"
                right = rt if rp >= 3 else f"({rt})"
                return f"{left}^{right}", p
            left = lt if lp >= p else f"({lt})"
            right = rt if rp > p else f"({rt})"
            return f"{left} {op.symbol} {right}", p
        if op.notation == "prefix":
            (t, tp), = parts
            return (f"-{t}" if tp >= 3 and not t.startswith("-") else f"-({t})"), 3
        return f"{op.name}({', '.join(t for t, _ in parts)})", ATOM


def derivative_program(graph: Graph, wrt: str) -> str:
    """The program for d(output)/d(wrt)."""
    return Derivative(graph, wrt).program()
