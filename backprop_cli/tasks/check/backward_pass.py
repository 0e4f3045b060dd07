"""Grade a student's backward pass, CS231n's way: one ``d<name> = ...`` (or ``d<name> += ...``) line
per step, checked against the engine's recorded edges, with the known mistakes named.

The backward pass is a program in the same language: ``d<name>`` are ordinary names, the forward
pass's names are bound to their forward values, and a ``d<name>`` used before any line assigns it
starts at 0 (``d<output>`` at 1, the seed), so ``dx += ...`` works on a first use.

The student's gates are the program's named values: each statement ``q = x + y`` is one gate from the
names it uses to q.  Its local gradients dq/dx come from the engine's edges inside that statement
(backpropagated from q down to the names it reads), so a whole ``sigx = 1/(1 + exp(-x))`` is one gate,
as in the course notes.  A line for dx is taken to backprop through the gate(s) whose d<gate> it reads
(else the gate that explains its number), and should add upstream × local; what dx holds after it
should be the sum of the gates handled so far, and after its last line the full gradient.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...core.engine import Result
from ...base.errors import InputError, SourceError
from ...base.numbers import CHECK_TOLERANCE, DEFAULT_DIGITS, show
from ...core.ops import GATES
from .own_work import same

def _same(a: float, b: float, tolerance) -> bool:
    """a and b agree: within ``tolerance`` (own_work.same), or by ``tolerance(a, b)`` when it is a
    rule of its own (the quiz's significant digits)."""
    return tolerance(a, b) if callable(tolerance) else same(a, b, tolerance)


_NAME_TOKEN = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")

class _Mistakes(dict):
    """code -> the mistake in words; a compound code ("sign+upstream") joins its parts' words."""

    def get(self, code, default=None):
        try:
            return self[code]
        except KeyError:
            return default

    def __missing__(self, code):
        if "+" in code:
            return ", and ".join(self[part] for part in code.split("+"))
        raise KeyError(code)


#: the mistakes a diagnosis can name, in words (the codes are in the JSON): the chain rule's own here,
#: each gate's beside its local gradients in the gate table (core/ops.py, ``mistakes``)
MISTAKES = _Mistakes({
    "sign": "sign flipped",
    "no-upstream": "missing upstream factor",
    "no-local": "missing local gradient (the upstream passed on unchanged)",
    "overwritten": "overwritten instead of accumulated",
    "upstream": "wrong upstream (an earlier line)",
    "used-before": "used before it is computed",
    "twice": "the same gate counted twice",
})
for _op in GATES.values():
    for _code, _words, _locals in _op.mistakes:
        MISTAKES.setdefault(_code, _words)
del _op, _code, _words, _locals


@dataclass
class Gates:
    """The student's view of the forward pass: named values, and per gate its local gradients.

    A gate's local gradient d gate / d input is a sum of shares, one per engine edge into the input
    inside the gate (``f = q*z + q`` sends q the shares z and 1): a line may handle one share, a few,
    or the whole gate."""

    result: Result
    name_of: dict  # node -> the name a student writes for it
    node_of: dict  # name -> node
    partials: dict  # gate node -> {input node: d gate / d input}
    consumers: dict  # node -> [gate nodes that read it], in backward order
    inside: dict = field(default_factory=dict)  # gate -> its engine nodes, in increasing order
    acc: dict = field(default_factory=dict)  # gate -> {engine node inside: d gate / d node}
    edges: dict = field(default_factory=dict)  # gate -> {input node: [(engine node, arg index)]}

    def upstream(self, gate: int) -> float:
        return self.result.grads[gate]

    def contribution(self, gate: int, node: int) -> float:
        return self.result.grads[gate] * self.partials[gate][node]

    def share(self, gate: int, node: int, s: int) -> float:
        """Share s of d gate / d node: the path through the s-th engine edge into node."""
        i, k = self.edges[gate][node][s]
        return self.acc[gate][i] * self.result.local[i][k]

    def units(self, node: int, gates: list) -> list:
        """Every (gate, share) of ``gates`` for node."""
        return [(G, s) for G in gates for s in range(len(self.edges[G][node]))]

    def amount(self, node: int, units) -> float:
        """What the shares ``units`` send node: upstream × local, summed."""
        return sum(self.result.grads[G] * self.share(G, node, s) for G, s in units)


def gates_of(result: Result, name_of: dict | None = None) -> Gates:
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
    gates = Gates(result, name_of, node_of, {}, {node: [] for node in name_of})
    for gate in sorted(name_of):
        if not g.args[gate] or not live[gate]:
            continue
        inside = sorted(gate_nodes(g, gate, name_of))
        acc = {gate: 1.0}
        edges: dict = {}
        for i in reversed(inside):
            upstream = acc.get(i, 0.0)
            for k, (j, local) in enumerate(zip(g.args[i], result.local[i])):
                acc[j] = acc.get(j, 0.0) + upstream * local
                if j in name_of and j != gate:
                    edges.setdefault(j, []).append((i, k))
        gates.partials[gate] = {j: acc[j] for j in edges}
        gates.inside[gate], gates.edges[gate] = inside, edges
        gates.acc[gate] = {i: acc.get(i, 0.0) for i in inside}
        for j in edges:
            gates.consumers[j].append(gate)
    for node in gates.consumers:
        gates.consumers[node].sort(reverse=True)
    return gates


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


_LECTURE_TARGET = re.compile(r"(^|;)([ \t]*)[d∂]([A-Za-z_][A-Za-z_0-9]*)/[d∂]([A-Za-z_][A-Za-z_0-9]*)(?=[ \t]*[-+*/]?=(?!=))",
                             re.M)


def short_targets(source: str) -> str:
    """A line that assigns ``df/dx = ...`` (the lecture's name) as ``dx = ...``, padded so that every
    column (and so every caret) stays where it was.  Only a statement's target: on the right,
    ``df/dq`` is a division."""
    def short(m):
        whole = m.group(0)
        name = f"d{m.group(4)}"
        return m.group(1) + m.group(2) + name + " " * (len(whole) - len(m.group(1) + m.group(2)) - len(name))
    return _LECTURE_TARGET.sub(short, source)


def split_program(source: str, origin: str = "") -> tuple:
    """A program holding both passes to (forward text, backward text or None).  The backward part
    starts at the first line that assigns d<name> for a name defined above it.  The backward text
    keeps the forward part's line breaks (blanked), so its line numbers are the file's."""
    from ...language.parser import parse_statements

    source = short_targets(source)
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


def forward_bound(result: Result) -> tuple:
    """The forward pass's names (name -> node, the output's own name included) and every name a
    backward pass may read: those names and their d<name>."""
    fwd = result.graph
    forward_names = dict(fwd.bindings)
    forward_names.setdefault(result.output_name, fwd.output)
    return forward_names, list(forward_names) + ["d" + n for n in forward_names]


def bind_backward(g, raw: list, result: Result, forward_names: dict, source: str, origin: str, seed) -> dict:
    """The values a parsed backward pass starts from: each forward name its forward value, each
    d<name> ``seed(value, is_output)`` (the output's 1, else 0); an 'input' line or any other name
    is refused."""
    from ...base.suggest import nearest

    if any(st[0] == "input" for st in raw):
        raise InputError(f"{origin or 'the backward pass'}: an 'input' line in the backward pass",
                         "Declare inputs in the forward pass.")
    at = {}
    for name, node in g.inputs.items():
        if name in forward_names:
            at[name] = result.values[forward_names[name]]
        elif name.startswith("d") and name[1:] in forward_names:
            base = forward_names[name[1:]]
            at[name] = seed(result.values[base], base == result.graph.output)
        else:
            close = nearest(name, forward_names) or nearest(name, ["d" + n for n in forward_names])
            s = g.start[node]
            raise SourceError(f"'{name}' is neither a value of the forward pass nor a gradient d<name>",
                              source, s, s + len(name), origin,
                              (f"Did you mean '{close}'? " if close else "") +
                              "The forward pass defines: " + ", ".join(forward_names) + ".")
    return at


def backward_statements(g, raw: list, source: str, origin: str, written: str | None = None) -> list:
    """The parsed backward pass's lines as Statements, each shown as ``written`` (default: source)."""
    from ...base.text import LineIndex

    written = source if written is None else written
    statements = []
    lines = LineIndex(source)
    for st in raw:
        if st[0] != "=":
            start = g.start[st[0]]
            raise SourceError("a backward line assigns a gradient: write d<name> = ... or d<name> += ...",
                              source, start, st[2], origin)
        _, name, node, start, rhs, op = st
        end = statement_end(source, start)
        text = " ".join(source[start:end].split())
        after = text.split(op, 1)[1] if op in text else text
        text = " ".join(written[start:end].split())
        statements.append(Statement(lines.line_col(start)[0], start, text, name, op, node, rhs, _reads(after)))
    return statements


def read_backward(source: str, origin: str, gates: Gates) -> tuple:
    """Parse and run the backward program with the forward values bound: (statements, values)."""
    from ...core.engine import forward
    from ...language.parser import parse_statements
    from ...language.values import first_array

    result = gates.result
    forward_names, bound = forward_bound(result)
    written, source = source, short_targets(source)  # the same columns: lines are shown as written
    g, raw = parse_statements(source, origin, bound)
    array = first_array(g)
    if array is not None and not getattr(result.value, "ndim", 0):
        raise SourceError("an array in the backward pass of a scalar program: every gradient is one number",
                          source, g.start[array], g.end[array], origin)
    at = bind_backward(g, raw, result, forward_names, source, origin, lambda value, output: 1.0 if output else 0.0)
    statements = backward_statements(g, raw, source, origin, written)
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
    upstream: float | None = None  # the true d<gate>, for a single gate
    local: float | None = None  # the true d<gate>/d<name>
    diagnosis: str | None = None  # a key of MISTAKES
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


def gate_nodes(g, gate: int, named) -> list:
    """A named gate's own nodes, as a student's line sees them: ``gate`` and everything below it up
    to (not through) named values and leaves."""
    inside, stack, seen = [], [gate], {gate}
    while stack:
        i = stack.pop()
        inside.append(i)
        for j in g.args[i]:
            if j not in seen and j not in named and g.args[j]:
                seen.add(j)
                stack.append(j)
    return inside


def not_a_gradient(st, new, node_of: dict) -> "Graded":
    """A line whose target is no node's gradient: a forward value assigned (unknown), d<name> of
    no forward name (unknown, with the nearest name), or the student's own helper variable."""
    base = st.target[1:]
    if st.target in node_of:
        return Graded(st, "unknown", new, explanation=f"{st.target} is a value of the forward pass: the "
                      "backward pass should assign gradients, d<name>")
    if st.target.startswith("d") and base:
        from ...base.suggest import nearest

        close = nearest(base, list(node_of))
        return Graded(st, "unknown", new, explanation=f"the forward pass has no value '{base}'"
                      + (f" (did you mean d{close}?)" if close else ""))
    return Graded(st, "helper", new)


def gradient_statements(statements: list, values: list, node_of: dict, lines: list, current: dict):
    """(k, statement, d<base>'s base, its node, its value) for each line that assigns a node's
    gradient; any other line is graded here (``not_a_gradient``) and its value kept in ``current``."""
    for k, st in enumerate(statements):
        base = st.target[1:] if st.target.startswith("d") else None
        node = node_of.get(base) if base is not None else None
        new = values[st.node]
        if node is None:
            lines.append(not_a_gradient(st, new, node_of))
            current[st.target] = new
            continue
        yield k, st, base, node, new


def grade_statements(gates: Gates, statements: list, values: list, initial: dict, tolerance: float,
                     digits: int = 4) -> BackwardReport:
    result = gates.result
    g = result.graph
    num = lambda x: show(x, digits)  # noqa: E731
    current: dict = {}  # d<name> -> the student's value so far
    spent: dict = {}  # node -> the (gate, share)s handled by lines so far
    accounted: dict = {}  # node -> the gates whose every share lines have handled
    expected_total: dict = {}
    lines: list = []
    last_line = {st.target: k for k, st in enumerate(statements)}
    for k, st, base, node, new in gradient_statements(statements, values, gates.node_of, lines, current):
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
        done = accounted.setdefault(node, [])
        overwrote = st.op == "=" and st.target not in st.reads and has_prev and bool(spent.get(node))
        handled = spent.setdefault(node, set())
        consumers = gates.consumers[node]
        reads_gates = [G for G in consumers if "d" + gates.name_of[G] in st.reads]
        remaining = [u for u in gates.units(node, consumers) if u not in handled]
        used = {n: current.get(n, initial.get(n)) for n in st.reads}
        if node == g.output:
            chosen, expected_c = [], 1.0 if not has_prev else 0.0
        else:
            part = has_prev or last_line[st.target] > k  # one of several lines for this gradient
            chosen = _choose(gates, node, reads_gates, remaining, contribution, used, tolerance, part)
            expected_c = gates.amount(node, chosen)
        chosen_gates = list(dict.fromkeys(G for G, _ in chosen))
        total = expected_total.get(node, 0.0) + expected_c
        graded = Graded(st, "right", new, contribution, expected_c, total,
                        [gates.name_of[G] for G in chosen_gates])
        if len(chosen_gates) == 1:
            G = chosen_gates[0]
            graded.upstream = gates.upstream(G)
            graded.local = sum(gates.share(G, node, s) for _, s in chosen)
        contribution_right = _same(contribution, expected_c, tolerance)
        total_right = _same(new, total, tolerance)
        # A line is one edge's share (or a few): graded by what it adds; the total at the last line.
        if not contribution_right or not total_right and (overwrote or last_line[st.target] == k):
            graded.verdict = "wrong"
            twice = [G for G in reads_gates if G in done]
            if overwrote and contribution_right:
                earlier = ", ".join(dict.fromkeys(gates.name_of[G] for G, _ in sorted(handled)))
                graded.diagnosis = "overwritten"
                graded.explanation = (f"{base} feeds more than one gate: '=' threw away the {num(prev)} "
                                      f"already gathered from {earlier}; use += (d{base} should be {num(total)} here)")
            elif not chosen and twice and _same(contribution, sum(gates.contribution(G, node) for G in twice),
                                                tolerance):
                graded.diagnosis = "twice"
                graded.explanation = (f"an earlier line already added the gradient through "
                                      f"{', '.join(gates.name_of[G] for G in twice)}")
            elif contribution_right:
                graded.explanation = (f"what this line adds, {num(contribution)}, is right; d{base} ends wrong "
                                      f"because an earlier line for it is wrong")
            else:
                graded.diagnosis, graded.explanation = diagnose(gates, node, chosen_gates, contribution, used,
                                                                 st.reads, current, tolerance, num, chosen)
        handled.update(chosen)
        for G in chosen_gates:
            if G not in done and all(u in handled for u in gates.units(node, [G])):
                done.append(G)
        expected_total[node] = total
        current[st.target] = new
        lines.append(graded)
    findings = _findings(gates, current, accounted, spent, lines, tolerance, num)
    return BackwardReport(result, lines, findings, tolerance)


def _subsets(units: list):
    """The proper parts of a gate's remaining shares, smallest first (all of them for a few shares,
    else one at a time)."""
    from itertools import combinations

    sizes = range(1, len(units)) if len(units) <= 10 else range(1, 2)
    for n in sizes:
        for part in combinations(units, n):
            yield list(part)


def _choose(gates: Gates, node: int, reads_gates: list, remaining: list, c: float, used: dict,
            tolerance: float, part: bool = False) -> list:
    """The (gate, share)s a line for d<node> adding c is about.  A line that reads d<gate> is about
    that gate; one that reads none, about the gate whose number it matches.  Within a gate, the whole
    of what is left, or the shares whose sum it matches (one edge of ``q*z + q``), else the share a
    known mistake explains (one share first for a ``part`` of an accumulation over lines); failing
    all, the whole gate (the next in backward order)."""
    pool = [u for u in remaining if u[0] in reads_gates] if reads_gates else remaining
    if not pool:
        return []
    by_gate = {}
    for u in pool:
        by_gate.setdefault(u[0], []).append(u)
    if reads_gates and not part and _same(c, gates.amount(node, pool), tolerance):
        return pool
    for units in by_gate.values():
        if not part and _same(c, gates.amount(node, units), tolerance):
            return units
    for units in by_gate.values():
        for some in _subsets(units):
            if _same(c, gates.amount(node, some), tolerance):
                return some
        if part and _same(c, gates.amount(node, units), tolerance):
            return units
    if reads_gates and part and _same(c, gates.amount(node, pool), tolerance):
        return pool
    for units in by_gate.values():
        singles = [[u] for u in units] if len(units) > 1 else []
        for some in (singles + [units] if part else [units] + singles):
            if _explain(gates, node, some, c, used, tolerance):
                return some
    return pool if reads_gates else next(iter(by_gate.values()))


_WRONG_LOCALS: dict = {}


def _wrong_local(op_name: str, m: int, k: int, n_args: int):
    """The compiled wrong local gradient of mistake m of a gate for input k (None: not for k)."""
    key = (op_name, m, k if GATES[op_name].arity[1] is not None else -1)
    if key not in _WRONG_LOCALS:
        from ...core import library
        from ...core.expr import compile_expr, lift

        op = GATES[op_name]
        exprs = op.mistakes[m][2]
        e = exprs[0] if op.arity[1] is None else (exprs[k] if k < len(exprs) else None)
        calls = lambda n: GATES[n].forward if n in GATES else library.LIBRARY[n].scalar  # noqa: E731
        libs = lambda n: library.LIBRARY[n].scalar  # noqa: E731
        _WRONG_LOCALS[key] = None if e is None else compile_expr(lift(e), calls, libs, op_name, None, None)
    return _WRONG_LOCALS[key]


def _local_mistakes(gates: Gates, node: int, units: list):
    """(code, wrong local d gate / d node, engine node) for each mistake of the gate table made at one
    edge on the way from the gate (units[0]'s) down to node, counting only the shares ``units``."""
    result = gates.result
    g = result.graph
    G = units[0][0]
    picked = {gates.edges[G][node][s] for _, s in units}
    inside, acc = gates.inside[G], gates.acc[G]
    def sweep(sub=None) -> dict:
        """d node' / d node along the picked shares for every engine node inside, with the local
        gradient of edge ``sub`` = (i, k, w) replaced by w."""
        tangent: dict = {}
        for i in inside:
            total = 0.0
            for k, (j, local) in enumerate(zip(g.args[i], result.local[i])):
                t = (1.0 if (i, k) in picked else 0.0) if j == node else tangent.get(j, 0.0)
                if t:
                    total += (sub[2] if sub is not None and sub[0] == i and sub[1] == k else local) * t
            tangent[i] = total
        return tangent

    tangent = sweep()
    right = tangent[G]
    exact = len(inside) <= 64  # a small gate is swept again (no cancellation); a big one by the difference
    for i in inside:
        op = GATES.get(g.op[i])
        if op is None or not op.mistakes:
            continue
        xs = [result.values[j] for j in g.args[i]]
        for m, (code, _words, _exprs) in enumerate(op.mistakes):
            for k, j in enumerate(g.args[i]):
                t = (1.0 if (i, k) in picked else 0.0) if j == node else tangent.get(j, 0.0)
                wrong = _wrong_local(g.op[i], m, k, len(xs))
                if t == 0 or wrong is None:
                    continue
                try:
                    w = float(wrong(result.values[i], xs, k))
                except (ArithmeticError, ValueError, TypeError):
                    continue
                value = sweep((i, k, w))[G] if exact else right + acc[i] * (w - result.local[i][k]) * t
                yield code, value, i


def _explain(gates: Gates, node: int, units: list, c: float, used: dict, tolerance: float):
    """Which known mistake, at the shares ``units`` (of one gate), gives the number c for d<node>:
    (code, engine node of a gate-table mistake or None, the upstream used), or None.  One slip is
    tried before two; two are a wrong upstream, or a missing upstream, with a slip in the local."""
    if not units:
        return None
    G = units[0][0]
    if any(H != G for H, _ in units):
        e = gates.amount(node, units)
        return ("sign", None, None) if e != 0 and _same(c, -e, tolerance) else None
    u = gates.upstream(G)
    local = sum(gates.share(G, node, s) for _, s in units)
    e = u * local
    mine = used.get("d" + gates.name_of[G])
    ups = [("", u)]
    if mine is not None and not _same(mine, u, tolerance):
        ups.append(("upstream", mine))
    if not _same(u, 1.0, tolerance):
        ups.append(("no-upstream", 1.0))
    right = ("", local, None)
    locs = [("sign", -local, None)] if local != 0 else []
    locs += list(_local_mistakes(gates, node, units))  # the gate table's, for this gate
    if not _same(local, 1.0, tolerance):
        locs.append(("no-local", 1.0, None))
    # One slip before two: a wrong upstream, then a slip in the local gradient, then a missing upstream
    # (before a missing local gradient where the line does not read d<gate>: the same number, and
    # the upstream is what such a line left out).
    no_upstream = [(a, right) for a in ups[1:] if a[0] == "no-upstream"]
    pairs = [(a, right) for a in ups[1:2] if a[0] == "upstream"]
    if mine is None:
        pairs += [(ups[0], b) for b in locs if b[0] != "no-local"] + no_upstream
        pairs += [(ups[0], b) for b in locs if b[0] == "no-local"]
    else:
        pairs += [(ups[0], b) for b in locs] + no_upstream
    pairs += [(a, b) for a in ups[1:] for b in locs if (a[0], b[0]) != ("no-upstream", "no-local")]
    for (up_code, up), (local_code, wrong, at) in pairs:
        value = up * wrong
        if _same(c, value, tolerance) and not _same(value, e, tolerance):
            code = "+".join(x for x in (local_code, up_code) if x)
            return code, at, up
    return None


def _explains(gates: Gates, node: int, G: int, c: float, used: dict, tolerance: float) -> str | None:
    """Which known mistake, through all of gate G, gives the number c for d<node> (None: none)."""
    found = _explain(gates, node, gates.units(node, [G]), c, used, tolerance)
    return found[0] if found else None


def diagnose(gates: Gates, node: int, chosen: list, c: float, used: dict, reads, current: dict,
             tolerance: float, num, units: list | None = None) -> tuple:
    """(mistake, explanation) for a wrong number c for d<node>, taken to come through the gates
    ``chosen`` (the shares ``units`` of them; None: all); ``reads``/``used``: the names the line reads
    and their values there, ``current``: the d<name>s computed so far.  The mistake is None when no
    known one explains the number."""
    result = gates.result
    g = result.graph
    name = gates.name_of[node]
    early = [n for n in reads if n.startswith("d") and n[1:] in gates.node_of and n not in current
             and gates.node_of[n[1:]] != g.output]
    if early:
        n = early[0]
        return "used-before", (f"{n} is used before any line computes it (it is 0 here): go backwards "
                               f"from the output, computing d<gate> before the gate's inputs")
    if units is None:
        units = gates.units(node, chosen)
    if not units:
        return None, ""
    if len(chosen) != 1:
        expected = gates.amount(node, units)
        if expected != 0 and _same(c, -expected, tolerance):
            return "sign", f"d{name} should get {num(expected)}"
        for G in chosen:
            alone = gates.contribution(G, node)
            if not _same(alone, expected, tolerance) and _same(c, alone, tolerance):
                others = ", ".join(gates.name_of[H] for H in chosen if H != G)
                return "overwritten", (f"{num(c)} is only what {gates.name_of[G]} sends back; {name} also "
                                       f"feeds {others}, and the gradients from all of them add up")
        return None, ""
    G = chosen[0]
    gate = gates.name_of[G]
    u = gates.upstream(G)
    local = sum(gates.share(G, node, s) for _, s in units)
    e = u * local
    found = _explain(gates, node, units, c, used, tolerance)
    if found is None:
        return None, ""
    code, at, up = found
    parts = code.split("+")
    should = f"d{name} gets {_operand(num(u))} × {_operand(num(local))} = {num(e)}"
    words = []
    for part in parts:
        if part == "upstream":
            words.append(f"the upstream d{gate} you used is {num(up)}, not {num(u)}: fix the line for d{gate} first")
        elif part == "sign":
            words.append(f"∂{gate}/∂{name} is {num(local)}, not {num(-local)}")
        elif part == "no-upstream":
            words.append(f"the local gradient ∂{gate}/∂{name} = {num(local)} needs the upstream d{gate} "
                         f"= {num(u)} as a factor")
        elif part == "no-local":
            words.append(f"the upstream d{gate} = {num(u)} needs the local gradient ∂{gate}/∂{name} "
                         f"= {num(local)} as a factor")
        elif at is not None:
            words.append(_table_words(gates, at, part))
    if code == "upstream":
        return code, (f"your local gradient ∂{gate}/∂{name} = {num(local)} is right, but " + words[0])
    return code, "; ".join(words) + f"; {should}"


def _table_words(gates: Gates, i: int, code: str) -> str:
    """A gate-table mistake at engine node i in words: where it sits, its inputs' values (the mul
    gate's other input, the max's winner), and the gate's rule."""
    g = gates.result.graph
    op = GATES[g.op[i]]
    where = gates.name_of.get(i) or g.label(i, 30)
    inputs = ", ".join(f"{gates.name_of.get(j) or g.label(j, 20)} = {show(gates.result.values[j], 4)}"
                       for j in dict.fromkeys(g.args[i]) if g.op[j] != "const")
    return f"at {where}{f' ({inputs})' if inputs else ''}, {op.pattern}"


def _operand(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def _findings(gates: Gates, current: dict, accounted: dict, spent: dict, lines: list, tolerance: float,
              num) -> list:
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
        if target in wrong_names or _same(current[target], true, tolerance):
            continue
        missing = [G for G in gates.consumers[node] if G not in accounted.get(node, [])
                   and gates.contribution(G, node) != 0]
        def through_gate(G):  # a gate some of whose shares a line handled: what is still missing
            left = [u for u in gates.units(node, [G]) if u not in spent.get(node, ())]
            if len(left) == len(gates.units(node, [G])):
                return f"the gradient through {gates.name_of[G]} ({num(gates.contribution(G, node))})"
            return (f"part of the gradient through {gates.name_of[G]}, {num(gates.amount(node, left))} "
                    f"more ({name} is used there {'twice' if len(gates.units(node, [G])) == 2 else 'more than once'})")
        through = ", ".join(through_gate(G) for G in missing)
        findings.append(Finding(name, "missing-branch", true,
                                f"{target} ends at {num(current[target])} but should be {num(true)}"
                                + (f": it misses {through}; add it with +=" if through else "")))
    return findings
