"""d(output)/dx as a program in backprop's own language: reverse-mode differentiation, symbolically.

The graph is walked backward exactly as the engine does (same order, same products, same sums),
but instead of numbers it replays each gate's local gradients (its description in the gate table)
through ``expressions.Dag``, the simplifier codegen uses too: it folds constants and applies exact
identities (x*1, 1*x, x+0, x-0, x/1, x^1, x^0, --x; not x*0 = 0, which is nan for x = inf), and it
is hash-consed, so a shared subexpression is built once and printed once, as a named statement: the
program's size stays linear in the graph's.

The derivative program keeps the original inputs (and their ``input x = ...`` defaults), so
``backprop diff ... | backprop eval -`` evaluates it, and ``backprop diff`` can be applied again.
"""

from __future__ import annotations

from ..core.graph import Graph
from ..core.ops import CONSTANTS, function_names
from ..base.errors import unknown_input
from ..base.numbers import exact
from .expressions import Dag, Namer, Spell, is_identifier


class Derivative:
    """d(graph's output)/d(wrt) as a DAG node, with what is needed to print it as a program."""

    def __init__(self, graph: Graph, wrt: str) -> None:
        if wrt not in graph.inputs:
            raise unknown_input("--wrt", wrt, graph.inputs)
        self.graph, self.wrt = graph, wrt
        dag = self.dag = Dag(conditions=False)
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
            operands = [node[j] for j in args]
            for k, j in enumerate(args):
                if not on_path[j]:
                    continue
                c = dag.contribution(g.op[i], k, node[i], operands, up)
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

        namer = Namer(set(g.inputs) | set(function_names()) | set(CONSTANTS) | {"input"})
        claim = namer.claim
        names: dict = {}

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

        out_name = g.output_name if is_identifier(g.output_name) else "f"
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
        spell = Spell("backprop")
        for k in order:
            if k in statement:
                lines.append(f"{names[k]} = {self._text(k, names, spell)}")
        root_text = names.get(root) or self._text(root, names, spell)
        lines.append(f"{final} = {root_text}")
        return "\n".join(lines) + "\n"

    def _text(self, root: int, names: dict, spell: Spell) -> str:
        return spell.dag(self.dag, root, names).text


def derivative_program(graph: Graph, wrt: str) -> str:
    """The program for d(output)/d(wrt)."""
    return Derivative(graph, wrt).program()
