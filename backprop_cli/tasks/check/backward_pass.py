"""Grade a student's backward pass, CS231n's way: one ``d<name> = ...`` (or ``d<name> += ...``) line
per step, checked against the engine's recorded edges, with the known mistakes named.

The backward pass is a program in the same language: ``d<name>`` are ordinary names, the forward
pass's names are bound to their forward values, and a ``d<name>`` used before any line assigns it
starts at 0 (``d<output>`` at 1, the seed), so ``dx += ...`` works on a first use.

The student's gates are the program's named values: each statement ``q = x + y`` is one gate from the
names it uses to q.  Its local gradients dq/dx come from the engine's edges inside that statement
(backpropagated from q down to the names it reads), so a whole ``sigx = 1/(1 + exp(-x))`` is one gate,
as in the course notes.  A line for dx is taken to backprop through the gate(s) whose d<gate> it reads
(else the gate that explains its number), and should add upstream x local; what dx holds after it
should be the sum of the gates handled so far, and after its last line the full gradient.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from ...core.engine import Result
from ...base.errors import InputError, SourceError
from ...base.numbers import CHECK_TOLERANCE, DEFAULT_DIGITS, show
from .own_work import same

_NAME_TOKEN = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")

#: the mistakes a diagnosis can name, in words (the codes are in the JSON)
MISTAKES = {
    "sign": "sign flipped",
    "no-upstream": "missing upstream factor",
    "overwritten": "overwritten instead of accumulated",
    "own-value": "own value instead of the other input's",
    "routing": "routed to the wrong input",
    "upstream": "wrong upstream (an earlier line)",
    "used-before": "used before it is computed",
    "twice": "the same gate counted twice",
}


@dataclass
class Gates:
    """The student's view of the forward pass: named values, and per gate its local gradients."""

    result: Result
    name_of: dict  # node -> the name a student writes for it
    node_of: dict  # name -> node
    partials: dict  # gate node -> {input node: d gate / d input}
    consumers: dict  # node -> [gate nodes that read it], in backward order

    def upstream(self, gate: int) -> float:
        return self.result.grads[gate]

    def contribution(self, gate: int, node: int) -> float:
        return self.result.grads[gate] * self.partials[gate][node]


def gates_of(result: Result, name_of: Optional[dict] = None) -> Gates:
    """The gates as a student sees them: each named value is one.  ``name_of`` (node -> name) names
    the values; by default the program's names, so a statement is one gate (the quiz names every node)."""
    g = result.graph
    if name_of is None:
        name_of = {}
        for name, node in g.bindings.items():
            name_of.setdefault(node, name)
        name_of.setdefault(g.output, result.output_name)
    node_of = {name: node for node, name in name_of.items()}
    for name, node in g.bindings.items():
        node_of.setdefault(name, node)
    live = g.live()
    partials: dict = {}
    consumers: dict = {node: [] for node in name_of}
    for gate in sorted(name_of):
        if not g.args[gate] or not live[gate]:
            continue
        # The gate's own nodes: everything below it up to (not through) named values and leaves.
        inside, stack, seen = [], [gate], {gate}
        while stack:
            i = stack.pop()
            inside.append(i)
            for j in g.args[i]:
                if j not in seen and j not in name_of and g.args[j]:
                    seen.add(j)
                    stack.append(j)
        acc = {gate: 1.0}
        for i in sorted(inside, reverse=True):
            upstream = acc.get(i, 0.0)
            for j, local in zip(g.args[i], result.local[i]):
                acc[j] = acc.get(j, 0.0) + upstream * local
        partials[gate] = {j: v for j, v in acc.items() if j in name_of and j != gate}
        for j in partials[gate]:
            consumers[j].append(gate)
    for node in consumers:
        consumers[node].sort(reverse=True)
    return Gates(result, name_of, node_of, partials, consumers)


# ---- the student's program ---------------------------------------------------------------------------

@dataclass
class Statement:
    line: int
    start: int
    text: str  # the statement as written, whitespace collapsed
    target: str
    op: str  # "=", "+=", "-=", "*=", "/="
    node: int  # in the backward graph: the value bound after the line
    rhs: int  # in the backward graph: the right-hand side
    reads: list  # names the right-hand side reads, in order


def statement_end(source: str, start: int) -> int:
    """Where the statement starting at ``start`` ends: a newline or ';' outside parentheses, or '#'."""
    depth = 0
    for k in range(start, len(source)):
        ch = source[k]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "#" or ch == ";" or (ch == "\n" and depth <= 0):
            return k
    return len(source)


def _reads(text: str) -> list:
    """The names a right-hand side reads (function names left out)."""
    out = []
    for m in _NAME_TOKEN.finditer(text):
        rest = text[m.end():].lstrip()
        if not rest.startswith("(") and m.group() not in out:
            out.append(m.group())
    return out


def split_program(source: str, origin: str = "") -> tuple:
    """A program holding both passes to (forward text, backward text or None).  The backward part
    starts at the first line that assigns d<name> for a name defined above it.  The backward text
    keeps the forward part's line breaks (blanked), so its line numbers are the file's."""
    from ...language.parser import parse_statements

    g, statements = parse_statements(source, origin)
    assigned: set = set()
    for st in statements:
        if st[0] != "=":
            continue
        name, start = st[1], st[3]
        base = name[1:]
        defined = base in assigned or (base in g.inputs and g.start[g.inputs[base]] < start)
        if name.startswith("d") and defined and name not in assigned:
            blank = "".join(ch if ch == "\n" else " " for ch in source[:start])
            return source[:start], blank + source[start:]
        assigned.add(name)
    return source, None


def read_backward(source: str, origin: str, gates: Gates) -> tuple:
    """Parse and run the backward program with the forward values bound: (statements, values)."""
    from ...core.engine import forward
    from ...base.text import line_col
    from ...language.parser import parse_statements
    from ...base.suggest import nearest

    result = gates.result
    fwd = result.graph
    forward_names = dict(fwd.bindings)
    forward_names.setdefault(result.output_name, fwd.output)
    bound = list(forward_names) + ["d" + n for n in forward_names]
    g, raw = parse_statements(source, origin, bound)
    if any(st[0] == "input" for st in raw):
        raise InputError(f"{origin or 'the backward pass'}: an 'input' line in the backward pass",
                         "Declare inputs in the forward pass.")
    at = {}
    for name, node in g.inputs.items():
        if name in forward_names:
            at[name] = result.values[forward_names[name]]
        elif name.startswith("d") and name[1:] in forward_names:
            at[name] = 1.0 if forward_names[name[1:]] == fwd.output else 0.0
        else:
            close = nearest(name, forward_names) or nearest(name, ["d" + n for n in forward_names])
            s = g.start[node]
            raise SourceError(f"'{name}' is neither a value of the forward pass nor a gradient d<name>",
                              source, s, s + len(name), origin,
                              (f"Did you mean '{close}'? " if close else "") +
                              "The forward pass defines: " + ", ".join(forward_names) + ".")
    statements = []
    for st in raw:
        if st[0] != "=":
            start = g.start[st[0]]
            raise SourceError("a backward line assigns a gradient: write d<name> = ... or d<name> += ...",
                              source, start, st[2], origin)
        _, name, node, start, rhs, op = st
        end = statement_end(source, start)
        text = " ".join(source[start:end].split())
        after = text.split(op, 1)[1] if op in text else text
        statements.append(Statement(line_col(source, start)[0], start, text, name, op, node, rhs, _reads(after)))
    values = forward(g, at, allow_nonfinite=True)
    return statements, values, at


# ---- grading -----------------------------------------------------------------------------------------

@dataclass
class Graded:
    statement: Statement
    verdict: str  # "right" | "wrong" | "unknown" | "helper"
    value: float = 0.0  # what d<name> holds after the line
    contribution: float = 0.0  # what the line added
    expected: float = 0.0  # what it should have added
    expected_total: float = 0.0  # what d<name> should hold after the line
    gates: list = field(default_factory=list)  # gate names it is taken to backprop through
    upstream: Optional[float] = None  # the true d<gate>, for a single gate
    local: Optional[float] = None  # the true d<gate>/d<name>
    diagnosis: Optional[str] = None  # a key of MISTAKES
    explanation: str = ""

    @property
    def right(self) -> bool:
        return self.verdict in ("right", "helper")


@dataclass
class Finding:
    name: str
    kind: str  # "never-computed" | "missing-branch" | "skipped"
    expected: float
    text: str

    @property
    def failure(self) -> bool:
        return self.kind != "skipped"


@dataclass
class BackwardReport:
    result: Result
    lines: list
    findings: list
    tolerance: float

    @property
    def passed(self) -> bool:
        return all(g.right for g in self.lines) and not any(f.failure for f in self.findings)

    @property
    def graded(self) -> list:
        return [g for g in self.lines if g.verdict != "helper"]


def grade(result: Result, source: str, origin: str = "", tolerance: float = CHECK_TOLERANCE, digits: int = DEFAULT_DIGITS) -> BackwardReport:
    gates = gates_of(result)
    statements, values, initial = read_backward(source, origin, gates)
    return grade_statements(gates, statements, values, initial, tolerance, digits)


def grade_statements(gates: Gates, statements: list, values: list, initial: dict, tolerance: float,
                     digits: int = 4) -> BackwardReport:
    result = gates.result
    g = result.graph
    num = lambda x: show(x, digits)  # noqa: E731
    current: dict = {}  # d<name> -> the student's value so far
    accounted: dict = {}  # node -> gates handled by lines so far
    expected_total: dict = {}
    lines: list = []
    for st in statements:
        base = st.target[1:] if st.target.startswith("d") else None
        node = gates.node_of.get(base) if base is not None else None
        new = values[st.node]
        if node is None:
            if st.target in gates.node_of:
                lines.append(Graded(st, "unknown", new, explanation=f"{st.target} is a value of the forward "
                                    "pass: the backward pass should assign gradients, d<name>"))
            elif st.target.startswith("d") and len(st.target) > 1:
                from ...base.suggest import nearest

                close = nearest(base, list(gates.node_of))
                lines.append(Graded(st, "unknown", new, explanation=f"the forward pass has no value '{base}'"
                                    + (f" (did you mean d{close}?)" if close else "")))
            else:
                lines.append(Graded(st, "helper", new))
            current[st.target] = new
            continue
        prev = current.get(st.target)
        has_prev = prev is not None
        if prev is None:
            prev = 0.0
        if st.op == "+=":
            contribution = values[st.rhs]
        elif st.op == "-=":
            contribution = -values[st.rhs]
        elif st.op == "=" and st.target not in st.reads:
            contribution = new
        else:
            contribution = new - prev
        overwrote = st.op == "=" and st.target not in st.reads and has_prev and bool(accounted.get(node))
        done = accounted.setdefault(node, [])
        reads_gates = [G for G in gates.consumers[node] if "d" + gates.name_of[G] in st.reads]
        remaining = [G for G in gates.consumers[node] if G not in done]
        used = {n: current.get(n, initial.get(n)) for n in st.reads}
        chosen = reads_gates or _choose(gates, node, remaining, contribution, tolerance)
        if node == g.output:
            expected_c = 1.0 if not has_prev else 0.0
        else:
            expected_c = sum(gates.contribution(G, node) for G in chosen if G not in done)
        total = expected_total.get(node, 0.0) + expected_c
        graded = Graded(st, "right", new, contribution, expected_c, total,
                        [gates.name_of[G] for G in chosen])
        if len(chosen) == 1:
            G = chosen[0]
            graded.upstream, graded.local = gates.upstream(G), gates.partials[G][node]
        contribution_right = same(contribution, expected_c, tolerance)
        if not (contribution_right and same(new, total, tolerance)):
            graded.verdict = "wrong"
            twice = [G for G in chosen if G in done]
            if overwrote and contribution_right:
                earlier = ", ".join(gates.name_of[G] for G in done)
                graded.diagnosis = "overwritten"
                graded.explanation = (f"{base} feeds more than one gate: '=' threw away the {num(prev)} "
                                      f"already gathered from {earlier}; use += (d{base} should be {num(total)} here)")
            elif twice and same(contribution, sum(gates.contribution(G, node) for G in twice), tolerance):
                graded.diagnosis = "twice"
                graded.explanation = (f"an earlier line already added the gradient through "
                                      f"{', '.join(gates.name_of[G] for G in twice)}")
            else:
                graded.diagnosis, graded.explanation = diagnose(gates, node, chosen, contribution, used,
                                                                 st.reads, current, tolerance, num)
        for G in chosen:
            if G not in done:
                done.append(G)
        expected_total[node] = total
        current[st.target] = new
        lines.append(graded)
    findings = _findings(gates, current, accounted, lines, tolerance, num)
    return BackwardReport(result, lines, findings, tolerance)


def _choose(gates: Gates, node: int, remaining: list, contribution: float, tolerance: float) -> list:
    """The gate a line that reads no d<gate> is about: the one whose number it matches, else one of
    whose known mistakes it matches, else the next one in backward order."""
    if not remaining:
        return []
    if len(remaining) == 1:
        return remaining
    for G in remaining:
        if same(contribution, gates.contribution(G, node), tolerance):
            return [G]
    for G in remaining:
        if _explains(gates, node, G, contribution, {}, tolerance):
            return [G]
    return remaining[:1]


def _explains(gates: Gates, node: int, G: int, c: float, used: dict, tolerance: float) -> Optional[str]:
    """Which known mistake, at gate G, gives the number c for d<node> (None: none of them)."""
    result = gates.result
    g = result.graph
    u, local = gates.upstream(G), gates.partials[G][node]
    e = u * local
    mine = used.get("d" + gates.name_of[G])
    if mine is not None and not same(mine, u, tolerance) and same(c, mine * local, tolerance):
        return "upstream"
    if e != 0 and same(c, -e, tolerance):
        return "sign"
    if not same(u, 1.0, tolerance) and same(c, local, tolerance) and not same(c, e, tolerance):
        return "no-upstream"
    op, args = g.op[G], g.args[G]
    if op == "mul" and node in args and args[0] != args[1]:
        own = result.values[node]
        other = result.values[args[1] if args[0] == node else args[0]]
        if not same(own, other, tolerance):
            for up in (u, mine):
                if up is not None and same(c, up * own, tolerance):
                    return "own-value"
    if op in ("max", "min") and node in args:
        if local == 0 and u != 0 and same(c, u, tolerance):
            return "routing"
        if local != 0 and e != 0 and same(c, 0.0, tolerance):
            return "routing"
    return None


def diagnose(gates: Gates, node: int, chosen: list, c: float, used: dict, reads, current: dict,
             tolerance: float, num) -> tuple:
    """(mistake, explanation) for a wrong number c for d<node>, taken to come through the gates
    ``chosen``; ``reads``/``used``: the names the line reads and their values there, ``current``: the
    d<name>s computed so far.  The mistake is None when no known one explains the number."""
    result = gates.result
    g = result.graph
    name = gates.name_of[node]
    early = [n for n in reads if n.startswith("d") and n[1:] in gates.node_of and n not in current
             and gates.node_of[n[1:]] != g.output]
    if early:
        n = early[0]
        return "used-before", (f"{n} is used before any line computes it (it is 0 here): go backwards "
                               f"from the output, computing d<gate> before the gate's inputs")
    if len(chosen) != 1:
        expected = sum(gates.contribution(G, node) for G in chosen)
        if expected != 0 and same(c, -expected, tolerance):
            return "sign", f"d{name} should get {num(expected)}"
        for G in chosen:
            alone = gates.contribution(G, node)
            if not same(alone, expected, tolerance) and same(c, alone, tolerance):
                others = ", ".join(gates.name_of[H] for H in chosen if H != G)
                return "overwritten", (f"{num(c)} is only what {gates.name_of[G]} sends back; {name} also "
                                       f"feeds {others}, and the gradients from all of them add up")
        return None, ""
    G = chosen[0]
    gate = gates.name_of[G]
    u, local = gates.upstream(G), gates.partials[G][node]
    e = u * local
    code = _explains(gates, node, G, c, used, tolerance)
    if code == "upstream":
        mine = used["d" + gate]
        return code, (f"your local gradient ∂{gate}/∂{name} = {num(local)} is right, but the upstream "
                      f"d{gate} you used is {num(mine)}, not {num(u)}: fix the line for d{gate} first")
    if code == "sign":
        return code, (f"∂{gate}/∂{name} is {num(local)}, so d{name} gets "
                      f"{_operand(num(u))} x {_operand(num(local))} = {num(e)}")
    if code == "no-upstream":
        return code, (f"{num(c)} is the local gradient ∂{gate}/∂{name} alone; "
                      f"multiply it by the upstream d{gate} = {num(u)}")
    if code == "own-value":
        args = g.args[G]
        other = args[1] if args[0] == node else args[0]
        return code, (f"the mul gate {gate} sends each input the "
                      f"upstream times the OTHER input, here {gates.name_of.get(other) or g.label(other, 30)} = "
                      f"{num(result.values[other])}")
    if code == "routing":
        winners = [gates.name_of.get(j) or g.label(j, 30) for j, lj in zip(g.args[G], result.local[G]) if lj != 0]
        op = g.op[G]
        which = "largest" if op == "max" else "smallest"
        return code, (f"{op} passes d{gate} to its {which} input "
                      f"({', '.join(winners) or 'none'}); {name} gets {num(local)} x d{gate}")
    return None, ""


def _operand(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def _findings(gates: Gates, current: dict, accounted: dict, lines: list, tolerance: float, num) -> list:
    result = gates.result
    g = result.graph
    live = g.live()
    findings = []
    wrong_names = {gl.statement.target for gl in lines if gl.verdict == "wrong"}
    for node, name in sorted(gates.name_of.items()):
        if node == g.output or not live[node] or g.op[node] == "const":
            continue
        true = result.grads[node]
        target = "d" + name
        if target not in current:
            if g.op[node] == "input":
                findings.append(Finding(name, "never-computed", true,
                                        f"no line computes {target} (it should be {num(true)})"))
            else:
                findings.append(Finding(name, "skipped", true,
                                        f"no line computes {target} = {num(true)}; fine if the lines "
                                        "below do without it"))
            continue
        if target in wrong_names or same(current[target], true, tolerance):
            continue
        missing = [G for G in gates.consumers[node] if G not in accounted.get(node, [])
                   and gates.contribution(G, node) != 0]
        through = ", ".join(f"{gates.name_of[G]} ({num(gates.contribution(G, node))})" for G in missing)
        findings.append(Finding(name, "missing-branch", true,
                                f"{target} ends at {num(current[target])} but should be {num(true)}"
                                + (f": it misses the gradient through {through}; add it with +=" if through else "")))
    return findings
