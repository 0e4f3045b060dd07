"""The Hessian-vector product as flat numpy code: forward over reverse, written out.

``codegen --lang numpy --hvp`` writes ``f(x, y, x_dot, y_dot)`` returning the value, the gradient
(dx, dy) and H·v (dx_dot, dy_dot) for the direction v = (x_dot, y_dot).  The function has four
passes, each one assignment per node as in CS231n's flat code:

- the forward pass, and beside each node its tangent ``q_dot`` = sum of local × incoming tangent;
- the backward pass, ``dq``, and beside each gradient its tangent ``dq_dot``: the derivative of
  ``local * upstream`` along v, that is ``local * dupstream_dot + upstream * local_dot``, where
  ``local_dot`` = sum over the gate's inputs of its second derivative x that input's tangent.

The local gradients come from the gate table and the second derivatives from ``core/second.py``
(derived from them), both replayed through ``expressions.Dag``, the simplifier codegen and diff use.
numpy only: the arrays broadcast, so one call gives H·v at many points.
"""

from __future__ import annotations

from ..core.expr import build
from ..core.graph import Graph
from ..core.ops import GATES
from ..core.second import second_exprs
from .codegen import check_function_name, depends_on_inputs
from .expressions import Dag, Namer, Spell, is_identifier
from .reserved import RESERVED


def generate_hvp(graph: Graph, name: str = "f") -> str:
    check_function_name(name, "numpy")
    return _HvpWriter(graph, name).source()


class _HvpWriter:
    def __init__(self, graph: Graph, name: str) -> None:
        self.g, self.name = graph, name
        self.spell = Spell("numpy")
        self.dag = Dag()
        self.live = graph.live()
        self.needs = depends_on_inputs(graph)
        g = graph
        namer = Namer(RESERVED["numpy"])
        self.var: dict = {}
        self.params = [namer.claim(n) for n in g.inputs]
        for node, param in zip(g.inputs.values(), self.params):
            self.var[node] = param
        for i in range(g.output + 1):
            if self.live[i] and g.name[i] is not None and g.op[i] != "input":
                self.var[i] = namer.claim(g.name[i])
        out = g.output
        if out not in self.var and g.op[out] != "const" and is_identifier(g.output_name):
            self.var[out] = namer.claim(g.output_name)
        k = 0
        for i in range(out + 1):
            if self.live[i] and i not in self.var and g.op[i] not in ("const", "input"):
                k += 1
                self.var[i] = namer.claim(f"t{k}")
        self.tangent = {i: namer.claim(self.var[i] + "_dot") for i in self.var if self.needs[i]}
        self.grad = {i: namer.claim("d" + self.var[i]) for i in self.var if self.needs[i]}
        self.grad_dot = {i: namer.claim("d" + self.var[i] + "_dot") for i in self.var if self.needs[i]}

    def leaf(self, j: int) -> int:
        return self.dag.input(self.var[j]) if j in self.var else self.dag.num(self.g.payload[j])

    def text(self, k: int) -> str:
        return self.spell.dag(self.dag, k, {}).text

    def _operands(self, i: int) -> list:
        g, dag = self.g, self.dag
        args = [self.leaf(j) for j in g.args[i]]
        op = GATES[g.op[i]]
        if op.defaults and len(args) < len(op.params):
            args += [dag.num(d) for d in op.defaults[len(args) - len(op.params):]]
        return args

    def _sum(self, terms: list) -> int:
        total = None
        for t in terms:
            if self.dag.const_value(t) == 0:
                continue
            total = t if total is None else self.dag.add(total, t)
        return self.dag.num(0) if total is None else total

    def source(self) -> str:
        g, dag = self.g, self.dag
        out = g.output
        body = []
        every = self.params + [self.tangent[node] for node in g.inputs.values()]
        if every:
            body.append(f"{', '.join(every)} = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in "
                        f"({', '.join(every)})])")
        body.append("# forward pass, each node with its tangent along v")
        for i in range(out + 1):
            if not self.live[i] or g.op[i] in ("input",) or i not in self.var:
                continue
            value = self.spell.node(g.op[i], *[self.spell.dag(dag, self.leaf(j), {}) for j in g.args[i]]).text \
                if g.op[i] != "const" else self.spell.num(g.payload[i]).text
            body.append(f"{self.var[i]} = {value}")
            if self.needs[i]:
                terms = [dag.contribution(g.op[i], k, self.leaf(i), self._operands(i)[:len(g.args[i])],
                                          dag.input(self.tangent[j]))
                         for k, j in enumerate(g.args[i]) if self.needs[j]]
                body.append(f"{self.tangent[i]} = {self._tangent_text(i, self._sum(terms))}")
        value = self.text(self.leaf(out))
        body.append("# backward pass, each gradient with its tangent along v (H·v at the inputs)")
        assigned = set()
        if self.needs[out]:
            body.append(f"{self.grad[out]} = np.ones_like({value})")
            body.append(f"{self.grad_dot[out]} = np.zeros_like({value})")
            assigned.add(out)
        for i in range(out, -1, -1):
            args = g.args[i]
            if not args or not self.needs[i] or i not in assigned:
                continue
            up, up_dot = dag.input(self.grad[i]), dag.input(self.grad_dot[i])
            operands = self._operands(i)
            moving = [m for m, j in enumerate(args) if self.needs[j]]
            second = second_exprs(g.op[i], len(args))
            for k, j in enumerate(args):
                if not self.needs[j]:
                    continue
                local = dag.local(g.op[i], k, self.leaf(i), operands[:len(args)])
                # a blocking gate's zero local gradient passes 0 on, even for inf or nan (masked_mul)
                c = dag.contribution(g.op[i], k, self.leaf(i), operands[:len(args)], up)
                local_dot = self._sum([dag.mul(build(second[k][m], dag, self.leaf(i), operands, None, g.op[i]),
                                               dag.input(self.tangent[args[m]]))
                                       for m in moving if second[k][m] is not None])
                c_dot = self._sum([dag.contribution(g.op[i], k, self.leaf(i), operands[:len(args)], up_dot)] +
                                  ([] if dag.const_value(local_dot) == 0 else [dag.mul(up, local_dot)]))
                for target, expr in ((self.grad[j], c), (self.grad_dot[j], c_dot)):
                    text = self.text(expr)
                    body.append(f"{target} = {target} + {text}" if j in assigned else f"{target} = {text}")
                assigned.add(j)
        for node in g.inputs.values():
            if node not in assigned:
                body.append(f"{self.grad[node]} = np.zeros_like({self.var[node]})")
                body.append(f"{self.grad_dot[node]} = np.zeros_like({self.var[node]})")
        grads = [self.grad[node] for node in g.inputs.values()]
        dots = [self.grad_dot[node] for node in g.inputs.values()]
        n = len(grads)

        def tup(names):
            return f"({', '.join(names)}{',' if len(names) == 1 else ''})"

        if self.params and not self.needs[out]:
            value = f"np.full_like({self.params[0]}, {value})"
        params = ", ".join(every)
        lines = ["import numpy as np", "", "",
                 f"def {self.name}({params}):",
                 f'    """The value, the gradient {tup(grads)}, and H·v {tup(dots)} for v = {tup(every[n:])}."""']
        lines += ["    " + line for line in body]
        lines.append(f"    return {value}, {tup(grads)}, {tup(dots)}")
        return "\n".join(lines) + "\n"

    def _tangent_text(self, i: int, k: int) -> str:
        text = self.text(k)
        return text if self.dag.const_value(k) is None else f"np.zeros_like({self.var[i]}) + {text}"
