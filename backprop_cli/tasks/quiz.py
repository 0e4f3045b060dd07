"""Practice: ask for every node's forward value in order, then every gradient in backward order.

The questions, the judging of an answer (to the stated significant digits) and the diagnosis of a wrong
gradient (the mistakes of tasks/check/backward_pass.py, at the node's own gates) live here, apart from any
terminal: the command asks, this module answers.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Optional

from ..core.names import describe, short_names, with_values
from ..core.engine import Result
from ..core.ops import GATES
from ..base.numbers import QUIZ_SIGNIFICANT, show
from .check.backward_pass import MISTAKES, Gates, diagnose, gates_of
from .check.own_work import same

#: an answer is right when it gets this many significant digits of the true value right (the
#: lecture writes -0.20 for -0.1966 and 0.73 for 0.7311)
DEFAULT_SIGNIFICANT = QUIZ_SIGNIFICANT
#: the working shown with an answer and a diagnosis, by default (quiz --digits)
WORKING_DIGITS = 6
TRIES = 2


class Significant:
    """``Significant(2)(a, b)``: does a give b to 2 significant digits, i.e. lie within half a unit
    of b's 2nd significant digit?  Relative to b's own size, so 0 is not 0.00248; b = 0 needs 0."""

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __call__(self, a: float, b: float) -> bool:
        import math

        if not (math.isfinite(a) and math.isfinite(b)):
            return same(a, b, 0.0)
        if b == 0:
            return abs(a) <= 1e-12
        half_unit = 0.5 * 10.0 ** (math.floor(math.log10(abs(b))) - (self.digits - 1))
        return abs(a - b) <= half_unit * (1 + 1e-9)


def _names(result: Result) -> dict:
    """node -> the name a learner writes (the shared short names), for every node but the constants."""
    g = result.graph
    return {i: name for i, name in enumerate(short_names(g)) if g.op[i] != "const"}


def number(x: float, digits: int = WORKING_DIGITS) -> str:
    """A number as an operand: negative ones in parentheses, so 1 × (-0.53) reads unambiguously."""
    text = show(x, digits)
    return f"({text})" if text.startswith("-") else text


def gate_text(result: Result, labels: list, i: int, values: bool = False, digits: int = WORKING_DIGITS) -> str:
    """``w0*x0``, ``max(z, w)``, ``-s``, as every view writes the gate over the short names ``labels``
    (with ``values``: the inputs' numbers instead of names, ``2 * (-1)``)."""
    if values:
        return "".join(text for text, _ in with_values(result.graph, i, result.values, digits))
    return describe(result.graph, i, labels)


@dataclass
class Question:
    node: int
    name: str
    kind: str  # "value" | "gradient"
    prompt: str
    expected: float
    working: str
    answers: list = field(default_factory=list)  # as typed
    values: list = field(default_factory=list)  # their values (None: not a number)
    verdict: str = "unanswered"  # "right" | "right on retry" | "wrong" | "unanswered"
    diagnosis: Optional[str] = None
    explanation: str = ""
    #: a tensor program's element questions: the element asked (dW[0, 3])
    index: Optional[tuple] = None

    @property
    def right(self) -> bool:
        return self.verdict in ("right", "right on retry")


def steps(result: Result) -> list:
    """Every step of the forward pass as ``t1 = w0*x0 = -2``, in order (shown before gradients)."""
    g = result.graph
    names, labels = _names(result), short_names(g)
    live = g.live()
    return [f"{names[i]} = {gate_text(result, labels, i)} = {show(result.values[i], WORKING_DIGITS)}"
            for i in range(g.output + 1) if g.args[i] and live[i]]


def questions(result: Result, only: str = "all", digits: int = WORKING_DIGITS) -> list:
    """The questions, each with its working shown to ``digits`` significant digits."""
    g = result.graph
    names, labels = _names(result), short_names(g)
    live = g.live()
    out = []
    f = result.output_name
    if only in ("all", "forward"):
        for i in range(g.output + 1):
            if not g.args[i] or not live[i]:
                continue
            formula = gate_text(result, labels, i)
            out.append(Question(i, names[i], "value", f"{names[i]} = {formula}", result.values[i],
                                f"{names[i]} = {gate_text(result, labels, i, values=True, digits=digits)} = "
                                f"{show(result.values[i], digits)}"))
    if only in ("all", "backward"):
        consumers = g.consumers()
        for i in range(g.output - 1, -1, -1):
            if g.op[i] == "const" or not live[i]:
                continue
            parts, numbers = [], []
            for G in sorted(set(consumers[i]), reverse=True):
                if G > g.output or not live[G]:
                    continue
                local = sum(l for j, l in zip(g.args[G], result.local[G]) if j == i)
                parts.append(f"d{names[G]} × ∂{names[G]}/∂{names[i]}")
                numbers.append(f"{number(result.grads[G], digits)} × {number(local, digits)}")
            working = f"d{names[i]} = " + " + ".join(parts) + " = " + " + ".join(numbers) + \
                f" = {show(result.grads[i], digits)}"
            out.append(Question(i, names[i], "gradient", f"d{names[i]} = ∂{f}/∂{names[i]}",
                                result.grads[i], working))
    return out


class Judge:
    """Judges answers: right to ``significant`` digits of the true value, and for a wrong gradient
    the known mistake that explains it (to as many digits)."""

    def __init__(self, result: Result, significant: int = DEFAULT_SIGNIFICANT, digits: int = WORKING_DIGITS) -> None:
        self.result = result
        self.significant = significant
        self.digits = digits  # the diagnosis's numbers, as the working's
        self.tolerance = Significant(significant)
        names = _names(result)
        self.gates: Gates = gates_of(result, names)

    def right(self, q: Question, value: float) -> bool:
        return self.tolerance(value, q.expected)

    def diagnose(self, q: Question, value: float) -> tuple:
        if q.kind == "value":
            if q.expected != 0 and self.tolerance(value, -q.expected):
                return None, "the sign is wrong"
            return None, ""
        g = self.result.graph
        consumers = [G for G in self.gates.consumers.get(q.node, []) if G <= g.output]
        num = lambda x: show(x, self.digits)  # noqa: E731
        code, text = diagnose(self.gates, q.node, consumers, value, {}, (), {}, self.tolerance, num)
        return code, text


def answer(judge: Judge, q: Question, value: Optional[float], text: str) -> str:
    """Record one try; returns "right", "retry" (wrong, one more try) or "done" (wrong, no more)."""
    q.answers.append(text)
    q.values.append(value)
    if value is not None and judge.right(q, value):
        q.verdict = "right" if len(q.answers) == 1 else "right on retry"
        return "right"
    if value is not None:
        code, text_ = judge.diagnose(q, value)
        if code or text_ or len(q.answers) == 1:
            q.diagnosis, q.explanation = code, text_
    if len(q.answers) < TRIES and text.strip():
        return "retry"
    q.verdict = "wrong"
    return "done"


def describe_mistake(q: Question) -> str:
    if q.diagnosis:
        return f"{MISTAKES[q.diagnosis]}: {q.explanation}"
    return q.explanation


# ---- a random exercise -----------------------------------------------------------------------------

def random_exercise(seed: int) -> str:
    """A small staged program, CS231n style: two or three inputs with small distinct integer values,
    three or four gates (add, mul, max, sub, and sometimes a sigmoid), each step using the one before,
    and no tie in a max (a kink has no single right answer).  The same seed gives the same exercise."""
    from ..core.engine import run
    from ..language.program import build

    rng = random.Random(seed)
    for _ in range(100):
        source = _draw(rng)
        result = run(build(source), {})
        g = result.graph
        kinks = [i for i, op in enumerate(g.op)
                 if GATES[op].kink is not None and g.args[i] and _at_kink(GATES[op], [result.values[j] for j in g.args[i]])]
        if not kinks:
            return source
    return source


def _at_kink(op, xs) -> bool:
    try:
        return bool(op.kink(*xs))
    except TypeError:
        return False


def _draw(rng: random.Random) -> str:
    names = ["x", "y", "z"][: rng.choice([2, 3])]
    values = dict(zip(names, rng.sample([-4, -3, -2, -1, 1, 2, 3, 4], len(names))))
    lines = ["input " + ", ".join(f"{n} = {v}" for n, v in values.items())]
    available = list(names)
    steps = rng.choice([3, 4])
    for k in range(steps):
        target = "f" if k == steps - 1 else "abcd"[k]
        a = available[-1] if k else rng.choice(available)
        b = rng.choice([n for n in available if n != a] or available)
        op = rng.choice(["+", "*", "*", "max", "-"] + (["sigmoid"] if k == steps - 2 else []))
        if op == "max":
            expr = f"max({a}, {b})"
        elif op == "sigmoid":
            expr = f"sigmoid({a})"
        else:
            expr = f"{a} {op} {b}"
        lines.append(f"{target} = {expr}")
        available.append(target)
    used = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", " ".join(lines[1:])))
    unused = [n for n in names if n not in used]
    if unused:  # every input takes part
        lines[-1] = lines[-1] + " + " + " + ".join(unused)
    return "\n".join(lines) + "\n"


# ---- a tensor program: shapes first, then chosen elements ---------------------------------------------
#
# CS231n's first question about a matrix gradient is its shape ("what shape is dW?": W's), asked
# before any number; then a few elements, each a number judged as above.

#: elements asked of each array (the largest in size, then the first that differs from it)
ELEMENTS = 2

_SHAPE = re.compile(r"\s*[\(\[]?\s*(\d+(?:\s*(?:x|×|,|by|\*)\s*\d+)*)?\s*,?\s*[\)\]]?\s*\Z", re.I)


def parse_shape(text: str) -> Optional[tuple]:
    """An answer to "what shape?": "3x4", "3 x 4", "(3, 4)", "[3, 4]", "(3,)" or "3" for a vector,
    "()" or "scalar" for a number.  None when the text is not a shape."""
    t = text.strip().lower()
    if t in ("scalar", "a scalar", "number", "()", "[]"):
        return ()
    m = _SHAPE.match(t)
    if not m or not m.group(1):
        return None
    return tuple(int(n) for n in re.split(r"\s*(?:x|×|,|by|\*)\s*", m.group(1)))


def _array_nodes(result: Result) -> list:
    """The nodes a learner names (the program's names, the output), in order, with their names;
    constants and inputs that take no gradient (cross_entropy's labels) left out."""
    g = result.graph
    names = _names(result)
    live = g.live()
    out = []
    for i in range(g.output + 1):
        if g.op[i] == "const" or not live[i]:
            continue
        if g.op[i] != "input" and g.name[i] is None and i != g.output:
            continue
        if g.op[i] == "input" and all(g.op[G] == "cross_entropy" and g.args[G].index(i) == 1
                                      for G in range(len(g)) if i in g.args[G]):
            continue
        out.append((i, names[i]))
    return out


def _chosen(x) -> list:
    """The elements asked of an array: the largest in size, then the first that differs from it."""
    import numpy as np

    a = np.asarray(x)
    if a.ndim == 0:
        return [()]
    big = tuple(int(k) for k in np.unravel_index(int(np.argmax(np.abs(a))), a.shape))
    picked = [big]
    for idx in np.ndindex(*a.shape):
        if len(picked) >= ELEMENTS:
            break
        if idx != big and a[idx] != a[big]:
            picked.append(tuple(int(k) for k in idx))
    return picked


def _element_name(name: str, idx: tuple) -> str:
    return name + ("[" + ", ".join(map(str, idx)) + "]" if idx else "")


def tensor_questions(result: Result, only: str = "all") -> list:
    """The shape of each named value, then chosen elements (forward); the shape of each gradient,
    in backward order, then chosen elements of each (backward)."""
    import numpy as np

    from ..core.ops import shape_text

    g = result.graph
    nodes = _array_nodes(result)
    f = result.output_name
    out = []
    if only in ("all", "forward"):
        steps_ = [(i, n) for i, n in nodes if g.args[i]]
        for i, name in steps_:
            if np.ndim(result.values[i]):
                out.append(Question(i, name, "shape", f"shape of {name}", tuple(np.shape(result.values[i])),
                                    f"{name} is {shape_text(np.shape(result.values[i]))}"))
        for i, name in steps_:
            for idx in _chosen(result.values[i]):
                v = float(np.asarray(result.values[i])[idx])
                out.append(Question(i, name, "value", _element_name(name, idx), v,
                                    f"{_element_name(name, idx)} = {show(v, 6)}", index=idx))
    if only in ("all", "backward"):
        back = [(i, n) for i, n in reversed(nodes) if i != g.output]
        for i, name in back:
            shape = tuple(np.shape(result.grads[i]))
            if shape:
                out.append(Question(i, name, "shape", f"shape of d{name} = ∂{f}/∂{name}", shape,
                                    f"d{name} has {name}'s shape {shape_text(shape)}: a gradient has its "
                                    "value's shape"))
        for i, name in back:
            for idx in _chosen(result.grads[i]):
                v = float(np.asarray(result.grads[i])[idx])
                el = _element_name(name, idx)
                out.append(Question(i, name, "gradient", f"d{el} = ∂{f}/∂{el}", v,
                                    f"d{el} = {show(v, 6)}", index=idx))
    return out


class TensorJudge:
    """Judges a tensor program's answers: a shape exactly, a number to ``significant`` digits; a
    wrong one gets the mistake that explains it (a transposed shape, a value's shape for its
    gradient's, the gate table's array mistakes replayed, a sign)."""

    def __init__(self, result: Result, significant: int = DEFAULT_SIGNIFICANT, digits: int = WORKING_DIGITS) -> None:
        self.result = result
        self.significant = significant
        self.digits = digits  # the diagnosis's numbers, as the working's
        self.tolerance = Significant(significant)

    def right(self, q: Question, value) -> bool:
        if q.kind == "shape":
            return tuple(value) == q.expected
        return self.tolerance(value, q.expected)

    def diagnose(self, q: Question, value) -> tuple:
        from ..core.ops import shape_text
        from .check.tensor_work import mistaken_gradients

        if q.kind == "shape":
            value = tuple(value)
            if len(value) == 2 and value == q.expected[::-1]:
                return "transposed", (f"{shape_text(value)} is the transpose: d{q.name} has {q.name}'s shape "
                                      f"{shape_text(q.expected)}" if q.prompt.startswith("shape of d") else
                                      f"{shape_text(value)} is the transpose of {q.name}'s shape")
            return None, ""
        if q.expected != 0 and self.tolerance(value, -q.expected):
            return "sign", "the sign is wrong"
        if q.kind == "gradient":
            import numpy as np

            for code, words, i, wrong in mistaken_gradients(self.result, q.node):
                w = float(np.asarray(wrong)[q.index])
                if self.tolerance(value, w) and not self.tolerance(w, q.expected):
                    g = self.result.graph
                    return code, f"at {g.label(i, 30)}, {GATES[g.op[i]].pattern}"
        return None, ""


def read_answer(q: Question, text: str):
    """The value of an answer: a shape for a shape question (None when empty), else a number or a
    constant expression; raises InputError when it is neither."""
    if not text.strip():
        return None
    if q.kind == "shape":
        shape = parse_shape(text)
        if shape is None:
            from ..base.errors import InputError

            raise InputError(f"'{text.strip()}' is not a shape")
        return shape
    from ..language.values import constant

    return constant(text)
