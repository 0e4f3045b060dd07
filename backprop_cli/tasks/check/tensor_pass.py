"""Grade a student's backward pass over arrays (``check --backward`` on a tensor program), CS231n's
vectorised way: ``dY = D; dW = dY @ transpose(X)``, one ``d<name>`` a line, ``+=`` where gradients add.

As for numbers (backward_pass.py), the student's gates are the program's named values, and a line
for d<name> is taken to send back the share of the gate(s) whose d<gate> it reads (else the gate
whose share it matches); what it adds should be that share (upstream through the gate's VJPs, from
the engine's recorded contributions), and after the last line for d<name> the whole gradient.  The
arrays are compared as tensor_work compares them, shapes first, and a wrong line gets the same
diagnoses (a transpose missing or on the wrong side, a broadcast not summed back, a mean's 1/N, the
softmax gradient without the one-hot subtraction), besides the chain rule's own (overwritten
instead of accumulated, a wrong upstream from an earlier line).
"""

from __future__ import annotations

import numpy as np

from ...core.engine import Result
from .backward_pass import (BackwardReport, Finding, Graded, backward_statements, bind_backward, forward_bound,
                            gate_nodes, gradient_statements, statement_end)
from .tensor_work import _close, diagnose, paper_forward


class TensorGates:
    """Named values and, per gate, the share of the true gradient it sends each named input."""

    def __init__(self, result: Result) -> None:
        g = result.graph
        self.result = result
        self.name_of: dict = {}
        for name, node in g.bindings.items():
            self.name_of.setdefault(node, name)
        self.name_of.setdefault(g.output, result.output_name)
        self.node_of = {name: node for node, name in self.name_of.items()}
        for name, node in g.bindings.items():
            self.node_of.setdefault(name, node)
        self.shares: dict = {}  # gate -> {named input node: array}
        self.consumers: dict = {node: [] for node in self.name_of}
        live = g.live()
        for gate in sorted(self.name_of):
            if not g.args[gate] or not live[gate]:
                continue
            inside = gate_nodes(g, gate, self.name_of)
            shares: dict = {}
            for i in sorted(inside, reverse=True):
                for j, c in zip(g.args[i], result.contrib[i] or ()):
                    if j in self.name_of and j != gate and c is not None:
                        shares.setdefault(j, []).append(c)
            self.shares[gate] = shares
            for j in shares:
                self.consumers[j].append(gate)
        for node in self.consumers:
            self.consumers[node].sort(reverse=True)

    def units(self, node: int, gates: list) -> list:
        """Every (gate, share) the gates send node: one a recorded edge into it inside the gate
        (L = sum(h*h) + sum(h) sends h the shares 2h and 1)."""
        return [(G, s) for G in gates for s in range(len(self.shares[G][node]))]

    def amount(self, node: int, units) -> np.ndarray:
        total = np.zeros(np.shape(self.result.grads[node]))
        for G, s in units:
            total = total + self.shares[G][node][s]
        return total


def read_backward(source: str, origin: str, gates: TensorGates) -> tuple:
    """Parse and run the backward program over arrays, the forward values bound: (statements,
    values, errors, initial)."""
    from ...language.parser import parse_statements

    result = gates.result
    forward_names, bound = forward_bound(result)
    g, raw = parse_statements(source, origin, bound)
    at = bind_backward(g, raw, result, forward_names, source, origin,
                       lambda value, output: np.ones(np.shape(value)) if output else np.zeros(np.shape(value)))
    statements = backward_statements(g, raw, source, origin)
    values, errors = paper_forward(g, at)
    return statements, values, errors, at, g


def _plus(a, b):
    try:
        return np.add(a, b)
    except ValueError:
        return None


def grade(result: Result, source: str, origin: str, tolerance: float) -> BackwardReport:
    gates = TensorGates(result)
    statements, values, errors, initial, g = read_backward(source, origin, gates)
    fwd = result.graph
    current: dict = {}
    spent: dict = {}  # node -> gates whose share lines have sent
    lines: list = []
    last_line = {st.target: k for k, st in enumerate(statements)}
    for k, st, base, node, new in gradient_statements(statements, values, gates.node_of, lines, current):
        has_prev = st.target in current
        prev = current.get(st.target, initial.get(st.target, np.zeros(np.shape(result.values[node]))))
        true = result.grads[node]
        handled = spent.setdefault(node, [])
        remaining = [u for u in gates.units(node, gates.consumers[node]) if u not in handled]
        reads_gates = [G for G in gates.consumers[node] if "d" + gates.name_of[G] in st.reads]
        if new is None:
            failed = [i for i in errors if g.start[i] >= st.start and g.end[i] <= statement_end(g.source, st.start)]
            code, words = errors[failed[0]] if failed else ("shape", "its shapes do not fit")
            explanation = words.replace("\n", "\n    ")
            lines.append(Graded(st, "wrong", None, expected_total=true,
                                gates=list(dict.fromkeys(gates.name_of[G] for G, _ in remaining)),
                                diagnosis=code, explanation=explanation))
            current[st.target] = None
            continue
        if st.op == "+=":
            contribution = values[st.rhs]
        elif st.op == "-=":
            contribution = -values[st.rhs]
        elif st.op == "=" and st.target not in st.reads:
            contribution = new
        else:
            contribution = None if prev is None else _plus(new, -np.asarray(prev))
        overwrote = st.op == "=" and st.target not in st.reads and has_prev and bool(handled)
        if node == fwd.output:
            chosen, expected_c = [], np.ones(np.shape(true))
        else:
            chosen = _choose(gates, node, reads_gates, remaining, contribution, tolerance,
                             last_line[st.target] == k)
            expected_c = gates.amount(node, chosen)
        total = gates.amount(node, handled + chosen) if node != fwd.output else expected_c
        chosen_gates = list(dict.fromkeys(G for G, _ in chosen))
        graded = Graded(st, "right", new, contribution, expected_c, total, [gates.name_of[G] for G in chosen_gates])
        if len(chosen_gates) == 1:
            graded.upstream = result.grads[chosen_gates[0]]
        contribution_right = contribution is not None and _close(contribution, expected_c, tolerance)
        total_right = _close(new, total, tolerance)
        if not contribution_right or not total_right and (overwrote or last_line[st.target] == k):
            graded.verdict = "wrong"
            early = [n for n in st.reads if n.startswith("d") and n[1:] in gates.node_of and n not in current
                     and gates.node_of[n[1:]] != fwd.output]
            used = [(G, current.get("d" + gates.name_of[G])) for G in reads_gates]
            bad_up = [G for G, v in used if v is not None and not _close(v, result.grads[G], tolerance)]
            if early:
                graded.diagnosis = "used-before"
                graded.explanation = (f"{early[0]} is used before any line computes it (it is zeros here): go "
                                      "backwards from the output, computing d<gate> before the gate's inputs")
            elif overwrote and contribution_right:
                graded.diagnosis = "overwritten"
                graded.explanation = (f"{base} feeds more than one gate: '=' threw away what the lines above "
                                      "gathered; use +=")
            elif contribution_right:
                graded.explanation = f"what this line adds is right; d{base} ends wrong because an earlier line is"
            elif bad_up and np.shape(contribution) == np.shape(expected_c):
                G = bad_up[0]
                graded.diagnosis = "upstream"
                graded.explanation = f"the upstream d{gates.name_of[G]} you used is wrong: fix its line first"
            else:
                offset = true - expected_c
                code, words = diagnose(result, node, contribution, expected_c, tolerance, st.target,
                                       offset=offset)
                graded.diagnosis, graded.explanation = code, words
        handled.extend(chosen)
        current[st.target] = new
        lines.append(graded)
    findings = _findings(gates, current, lines, tolerance)
    return BackwardReport(result, lines, findings, tolerance)


def _choose(gates: TensorGates, node: int, reads_gates: list, remaining: list, c, tolerance: float,
            last: bool) -> list:
    """The (gate, share)s a line adding ``c`` to d<node> sends: those of the gates it reads d<gate>
    of (all, or the part it matches), else the share(s) it matches, else all remaining at the last
    line, else the next gate's in backward order."""
    from itertools import combinations

    pool = [u for u in remaining if u[0] in reads_gates] if reads_gates else remaining
    if not pool:
        return []
    if c is not None:
        if _close(c, gates.amount(node, pool), tolerance):
            return pool
        sizes = range(1, len(pool)) if len(pool) <= 8 else range(1, 2)
        for n in sizes:
            for part in combinations(pool, n):
                if _close(c, gates.amount(node, part), tolerance):
                    return list(part)
    if reads_gates or last:
        return pool
    first = pool[0][0]
    return [u for u in pool if u[0] == first]


def _findings(gates: TensorGates, current: dict, lines: list, tolerance: float) -> list:
    from ...core.ops import shape_text

    result = gates.result
    g = result.graph
    live = g.live()
    out = []
    wrong_names = {gl.statement.target for gl in lines if gl.verdict == "wrong"}
    # Inputs are often data (X, the labels, an upstream D): a missing dX is a failure only when
    # no input's gradient is computed at all.
    some_input = any("d" + name in current for node, name in gates.name_of.items() if g.op[node] == "input")
    for node, name in sorted(gates.name_of.items()):
        if node == g.output or not live[node] or g.op[node] == "const" or not gates.consumers.get(node) and \
                g.op[node] != "input":
            continue
        if g.op[node] == "input" and not gates.consumers.get(node):
            continue  # labels of cross_entropy, an unused input: no gradient to compute
        true = result.grads[node]
        target = "d" + name
        shape = shape_text(np.shape(true))
        if target not in current:
            kind = "never-computed" if g.op[node] == "input" and not some_input else "skipped"
            text = (f"no line computes {target} {shape}" if kind == "never-computed" else
                    f"no line computes {target} {shape}; fine if you need no gradient for it"
                    if g.op[node] == "input" else
                    f"no line computes {target} {shape}; fine if the lines below do without it")
            out.append(Finding(name, kind, true, text))
            continue
        if target in wrong_names or current[target] is None or _close(current[target], true, tolerance):
            continue
        out.append(Finding(name, "missing-branch", true,
                           f"{target} ends wrong: it misses a share; where {name} feeds more than one gate, "
                           "add each with +="))
    return out
