"""The trace: the forward pass as a legend of short names (t3 = 1 + t2 = 1 + 0.3679 = 1.368), then
the backward pass gate by gate in reverse topological order, every edge in those names
(t3 -> t2: upstream -0.5344 × local 1 = -0.5344), and the sum where a branch adds.  Everything is
read from the engine's Result (``values``, ``grads``, ``local``, ``contrib``); nothing is recomputed.

The trace is produced part by part (``parts``) and written as it is made, so a million-gate trace
needs no more memory than the engine's result: each part is a few lines of (text, style) pieces
(styled.py), fitted to the terminal's width and written plain or with ANSI colour.  Every number is
formatted once and every width measured once.
"""

from __future__ import annotations

from ..core.engine import Result
from ..core.ops import GATES
from ..base.numbers import DEFAULT_DIGITS, show
from .console import GRAD_STYLE, VALUE_STYLE
from .notation import describe, local_formula, names as node_names, output_symbol, same_text
from .styled import BREAK, Writer, fit, plain, prose, writer_for

HEAD_STYLE = "bold"
PATTERN_STYLE = "italic"
NOTE_STYLE = "dim"
#: a branch's sum lists at most this many terms (a name used 100,000 times would fill a screen)
BRANCH_TERMS = 10
#: the forward legend aligns its '=' signs unless a name is longer than this
ALIGN_NAMES = 24


def _d(name: str) -> str:
    """d(name) for a derivative: a name or number as is, anything else in parentheses."""
    if name.isidentifier() or name.replace("_", "a").replace("#", "a").isalnum() or _is_number(name):
        return name
    return f"({name})"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


def parts(result: Result, digits: int = DEFAULT_DIGITS, labels: str = "short"):
    """The trace as (kind, lines): kind "forward", "step" (one per gate) or "summary"; lines are
    lists of (text, style) pieces with BREAKs where a long line may continue on the next."""
    g = result.graph
    values, grads, local, contrib = result.values, result.grads, result.local, result.contrib
    out = g.output
    needed = g.live()
    args_of, ops = g.args, g.op
    for i in range(out + 1):
        if needed[i] and args_of[i] and local[i] is None:
            raise ValueError("the trace needs a Result run with record=True")
    name = node_names(g, labels)
    top = output_symbol(g, name)
    dtop = f"d{_d(top)}/d"
    V, G = VALUE_STYLE, GRAD_STYLE

    # ---- forward: a legend of names ----------------------------------------------------------
    shown = [None] * (out + 1)  # each needed value, formatted once
    titles = {}  # each gate as the forward legend described it, for its backward step's title
    pad = 0
    for i in range(out + 1):
        if needed[i]:
            shown[i] = show(values[i], digits)
            if ops[i] != "const" or g.name[i] is not None:
                size = len(name[i])
                if pad < size <= ALIGN_NAMES:
                    pad = size
    lines = [prose("Forward pass, in topological order", HEAD_STYLE)]
    for i in range(out + 1):
        if not needed[i] or (ops[i] == "const" and g.name[i] is None):
            continue
        own = name[i]
        line = [(f"  {own.ljust(pad)} = ", None)]
        a = args_of[i]
        if a:
            expression = describe(g, i, name)
            if same_text(expression, own):
                titles[i] = own
            else:
                titles[i] = f"{own} = {expression}"
                line += [(expression, None), BREAK, (" = ", None)]
            line += _with_values(ops[i], a, shown, V)
            line += [BREAK, (" = ", None), (shown[i], V)]
        else:
            line.append((shown[i], V))
            if ops[i] == "input":
                line.append(("   (input)", NOTE_STYLE))
        lines.append(line)
    lines.append([])
    lines.append(prose("Backward pass: upstream × local = what flows on", HEAD_STYLE))
    lines.append([(f"  {dtop}{_d(name[out])} = ", None), ("1", G), BREAK,
                  *prose("   (the output's gradient with respect to itself)", NOTE_STYLE)])
    yield "forward", lines

    # ---- backward: one step a gate -----------------------------------------------------------
    fan_out = [0] * (out + 1)
    for i in range(out + 1):
        if needed[i]:
            for j in args_of[i]:
                fan_out[j] += 1
    arrived = [0] * (out + 1)
    patterns: dict = {}  # op -> its pattern line, made once
    flows_into: dict = {}  # branching node -> the contributions that have arrived so far
    number = 0
    for i in range(out, -1, -1):
        a = args_of[i]
        if not needed[i] or not a:
            continue
        number += 1
        op = GATES[ops[i]]
        own = name[i]
        head = [(f"step {number}: ", HEAD_STYLE), (titles.pop(i), HEAD_STYLE), BREAK, (f"   ({op.name} gate)", None)]
        if op.kink(*[values[j] for j in a]):
            head += _KINK_NOTE
        upstream = show(grads[i], digits)
        pattern = patterns.get(op.name)
        if pattern is None:
            pattern = patterns[op.name] = tuple(prose(f"  {op.pattern}", PATTERN_STYLE))  # the writer remembers it
        lines = [head, pattern,
                 [(f"  upstream {dtop}{_d(own)} = ", None), (upstream, G)]]
        width = max(len(name[j]) for j in a) if len(a) > 1 else 0
        branches = []
        for k, j in enumerate(a):
            loc_text = show(local[i][k], digits)
            formula = local_formula(g, i, k, name)
            edge = [(f"  {own} -> {(name[j] + ':').ljust(width + 1)} upstream ", None), (upstream, G),
                    (" × local ", None), BREAK]
            if formula and formula != loc_text:
                edge += [(f"({formula} = ", None), (loc_text, G), (")", None)]
            else:
                edge.append((loc_text, G))
            flow = show(contrib[i][k], digits)
            edge += [BREAK, (" = ", None), (flow, G)]
            if fan_out[j] > 1:
                arrived[j] += 1
                flows_into.setdefault(j, []).append(flow)
                edge += [BREAK, (f"   {dtop}{_d(name[j])} += ", None), (flow, G),
                         (f" ({arrived[j]} of {fan_out[j]})", NOTE_STYLE)]
                if arrived[j] == fan_out[j]:
                    branches.append(_branch(name[j], dtop, flows_into.pop(j), grads[j], digits))
            if ops[j] == "const":
                edge += [BREAK, ("   (a constant: stops here)", NOTE_STYLE)]
            lines.append(edge)
        lines += branches
        yield "step", lines

    # ---- summary ---------------------------------------------------------------------------
    lines = []
    if number == 0:
        lines += [[("(no gates: the output is a leaf)", NOTE_STYLE)], []]
    lines.append([(f"{top} = ", None), (show(result.value, digits), V)])
    for input_name, grad in result.gradients.items():
        lines.append([(f"{dtop}{_d(input_name)} = ", None), (show(grad, digits), G)])
    yield "summary", lines


def _with_values(op_name: str, a, shown: list, V) -> list:
    """The gate over its inputs' values: 3 * (-4), exp(4), max(2, -1)."""
    op = GATES[op_name]
    if op.notation == "infix" and len(a) == 2:
        left, right = shown[a[0]], shown[a[1]]
        if op.symbol == "^" and left.startswith("-"):
            left = f"({left})"
        return [(left, V), (f" {op.symbol} ", None), (_paren(right), V)]
    if op.notation == "prefix" and len(a) == 1:
        return [(f"{op.symbol}(", None), (shown[a[0]], V), (")", None)]
    pieces = [(f"{op_name}(", None)]
    for n, j in enumerate(a):
        if n:
            pieces.append((", ", None))
        pieces.append((shown[j], V))
    pieces.append((")", None))
    return pieces


#: a kink's note in a step's title, and the words of a branch's sum after the count of inputs
_KINK_NOTE = [BREAK, *prose("   at a kink: the local gradient here is a convention (PyTorch's)", NOTE_STYLE)]
_BRANCH_WORDS = [BREAK, *prose(" gate inputs, and a branch adds their gradients:")]


def _branch(who: str, dtop: str, flows: list, total: float, digits: int) -> list:
    """The sum at a branch; ``flows``: the contributions as shown."""
    if " " in who:
        line = prose(f"  branch: {who} feeds {len(flows)} gate inputs, and a branch adds their gradients:")
    else:  # the same pieces, most of them made once
        line = [("  branch:", None), BREAK, (f" {who}", None), BREAK, (" feeds", None), BREAK,
                (f" {len(flows)}", None), *_BRANCH_WORDS]
    line += [BREAK, (f" {dtop}{_d(who)} = ", None)]
    terms = flows if len(flows) <= BRANCH_TERMS else flows[:BRANCH_TERMS - 2]
    for n, text in enumerate(terms):
        if n:
            line += [BREAK, (" + ", None)]
        line.append((_paren(text) if n else text, GRAD_STYLE))
    if len(terms) < len(flows):
        line += [BREAK, (f" + … ({len(flows) - len(terms) - 1:,} more) + ", None),
                 (_paren(flows[-1]), GRAD_STYLE)]
    line += [BREAK, (" = ", None), (show(total, digits), GRAD_STYLE)]
    return line


def write(result: Result, writer: Writer, digits: int = DEFAULT_DIGITS, labels: str = "short",
          before_step=None) -> None:
    """Write the trace as it is made; ``before_step()`` runs before each backward step (a live
    demo's pause).  A blank line separates the parts."""
    first = True
    try:
        for kind, lines in parts(result, digits, labels):
            if not first:
                writer.blank()
            first = False
            if kind == "step" and before_step is not None:
                writer.flush()
                before_step()
            for line in lines:
                writer.line(line)
        writer.flush()
    except BaseException:
        writer.abandon()
        raise


def render(result: Result, console, digits: int = DEFAULT_DIGITS, labels: str = "short") -> None:
    write(result, writer_for(console), digits, labels)


class Trace:
    """The whole trace in memory, as plain text parts (for tests and the live app; the command
    streams it instead)."""

    def __init__(self, texts: list, width: int) -> None:
        self.texts = texts
        self.width = width

    def plain(self) -> list:
        return self.texts


def build(result: Result, digits: int = DEFAULT_DIGITS, labels: str = "short", width: int = 10 ** 6) -> Trace:
    texts = []
    for _, lines in parts(result, digits, labels):
        texts.append("\n".join(plain(piece) for line in lines for piece in fit(line, width)))
    return Trace(texts, width)
