"""A student's tensor work against backprop's: `check --expect dW=[[...]]` and `check --grad
"dW = D @ transpose(X)"` on a tensor program, element by element, with the mistakes of matrix
calculus named.

A gradient must have its value's shape (dW has W's shape), so the shape is judged first: a
transposed result, a product that does not multiply, a broadcast not summed back, or another
shape are each said with the shapes and the fix.  Then the values, element by element (the worst
element and its index are shown), with the same three verdicts as the scalar grader (equal, close,
wrong).  A wrong array is explained by replaying the learners' mistakes the gate table lists at
each array gate (``mistakes``: a transpose missing at a matmul, a mean's missing 1/N, the softmax
gradient without the one-hot subtraction): the backward pass is rerun with one gate's VJP replaced
by the mistaken one, and a match names the mistake and the gate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ...base.errors import InputError, caret
from ...base.numbers import show
from ...core.engine import Result
from ...core.ops import GATES, ShapeError, mistaken_vjp, shape_text
from .backward_pass import MISTAKES
from .own_work import EQUAL_NOISE, parse_formulas, resolve, rounding

#: the mistakes of matrix calculus, beside the chain rule's (backward_pass.MISTAKES, which holds these
#: too, so that the grader and the quiz word them alike) and those the gate table lists at the array
#: gates (core/ops.py, ``mistakes``: a transpose missing, a mean's 1/N, softmax without one-hot)
for _code, _words in {
    "transposed": "transposed (a transpose missing or on the wrong side)",
    "does-not-multiply": "a product that does not multiply (a transpose missing or on the wrong side)",
    "not-summed": "a broadcast not summed back",
    "shape": "a gradient of the wrong shape",
}.items():
    MISTAKES.setdefault(_code, _words)
del _code, _words
TENSOR_MISTAKES = MISTAKES

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


@dataclass
class TensorComparison:
    """One of the student's arrays against backprop's."""

    name: str
    expected: np.ndarray
    given: Optional[np.ndarray]  # None: the formula could not be computed (``explanation`` says why)
    verdict: str  # "equal" | "close" | "wrong"
    tolerance: float = 0.0  # the absolute tolerance applied to the worst element
    why: str = ""
    where: Optional[tuple] = None  # the worst element's index (same shapes only)
    diagnosis: Optional[str] = None  # a key of TENSOR_MISTAKES
    explanation: str = ""
    written: str = ""
    node: int = -1  # the program's node whose value or gradient this is
    wrong: int = 0  # how many elements are wrong (same shapes only)

    @property
    def right(self) -> bool:
        return self.verdict != "wrong"

    @property
    def shape(self) -> tuple:
        return np.shape(self.expected)

    @property
    def given_shape(self) -> Optional[tuple]:
        return None if self.given is None else np.shape(self.given)

    @property
    def worst(self) -> Optional[tuple]:
        """(given, expected) at the worst element, when the shapes agree."""
        if self.where is None:
            return None
        return float(self.given[self.where]), float(self.expected[self.where])


def index_text(where: tuple) -> str:
    return "[" + ", ".join(map(str, where)) + "]"


#: the diagnoses after which the views print the rule that makes the gradient at each matmul that
#: reads the value (dW = dY @ transpose(X), from the matmul gate's VJP): where the transpose goes
SHOW_RULE = ("transposed", "does-not-multiply", "shape", "no-transpose")


def matmul_uses(result: Result, node: int) -> list:
    """(gate node, input index) for each matmul that reads ``node``: where its gradient is made
    by a product, and a transpose goes."""
    g = result.graph
    return [(i, args.index(node)) for i, args in enumerate(g.args) if g.op[i] == "matmul" and node in args]


def _t(shape: tuple) -> tuple:
    return tuple(reversed(shape)) if len(shape) == 2 else shape


# ---- the diagnoses ------------------------------------------------------------------------------------

def _close(a, b, tolerance: float) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False
    with np.errstate(all="ignore"):
        both_nan = np.isnan(a) & np.isnan(b)
        ok = both_nan | (a == b) | (np.abs(a - b) <= tolerance * np.maximum(1.0, np.abs(b)))
    return bool(np.all(ok))


def _summed_axes(given_shape: tuple, shape: tuple) -> Optional[tuple]:
    """The axes to sum ``given_shape`` over to get ``shape``, when numpy's broadcasting of a value
    of ``shape`` gives ``given_shape`` (None when it does not)."""
    lead = len(given_shape) - len(shape)
    if lead < 0 or given_shape == shape:
        return None
    axes = list(range(lead))
    for k, n in enumerate(shape):
        if n == given_shape[lead + k]:
            continue
        if n != 1:
            return None
        axes.append(lead + k)
    return tuple(axes)


#: the gates whose mistakes are replayed for one diagnosis (each a backward pass over the program)
REPLAYS = 200


def mistaken_gradients(result: Result, node: int):
    """(code, words, gate node, the gradient of ``node`` a learner making that mistake gets), for
    every mistake the gate table lists at a gate of the program (an array gate's wrong VJP, an
    elementwise gate's wrong local gradient), one gate at a time, at most REPLAYS of them."""
    from ...core.vectorized import tensor_backward

    g = result.graph
    shapes = [np.shape(v) for v in result.values]
    live = g.live()
    replays = 0
    for i, op in enumerate(g.op):
        gate = GATES[op]
        if not gate.mistakes or not live[i] or not g.args[i] or replays >= REPLAYS:
            continue
        replays += 1
        for m, (code, words, _exprs) in enumerate(gate.mistakes):
            try:
                with np.errstate(all="ignore"):
                    grads = tensor_backward(g, result.values, shapes, replace={i: mistaken_vjp(gate, m)})[0]
            except (ValueError, IndexError, AssertionError, TypeError):
                continue  # the mistake does not even make a gradient of the right shape here
            yield code, words, i, grads[node]


def diagnose(result: Result, node: int, given, expected, tolerance: float, name: str,
             offset=None) -> tuple:
    """(code, explanation) for a wrong array ``given`` for the gradient of ``node`` (``expected``);
    code None when no known mistake explains it.  ``offset``: what the gradient is beside this
    share, when ``expected`` is one line's share of it (check --backward)."""
    shape = np.shape(expected)
    gshape = np.shape(given)
    value = result.graph.label(node, 30) if name[1:] not in result.graph.bindings else name[1:]
    must = f"{name} must have {value}'s shape {shape_text(shape)}"
    if gshape != shape:
        if len(shape) == 2 and gshape == _t(shape):
            text = f"{must}; yours is {shape_text(gshape)}, the transpose"
            if _close(np.transpose(given), expected, tolerance):
                text += " of the right answer"
            return "transposed", text
        if np.size(given) == np.size(expected) and tuple(n for n in gshape if n != 1) == \
                tuple(n for n in shape if n != 1):
            kind = "row" if len(gshape) == 2 and gshape[0] == 1 else "column" if len(gshape) == 2 else "array"
            right = _close(np.reshape(given, shape), expected, tolerance)
            return "shape", (f"{must}; yours is a {shape_text(gshape)} {kind}"
                             + (" (its numbers are right)" if right else ""))
        axes = _summed_axes(gshape, shape)
        if axes is not None:
            summed = np.sum(given, axis=axes).reshape(shape)
            fix = f"sum over axis {axes[0]}" if len(axes) == 1 else f"sum over axes {', '.join(map(str, axes))}"
            text = (f"{name} has the broadcast shape {shape_text(gshape)} instead of {value}'s "
                    f"{shape_text(shape)}: {fix}")
            if len(axes) == 1 and len(gshape) == len(shape) + 1:
                text += f", {name} = sum(..., {axes[0]})"
            if _close(summed, expected, tolerance):
                text += " (summed, yours is right)"
            return "not-summed", text
        return "shape", f"{must}; yours is {shape_text(gshape)}"
    if _close(given, -np.asarray(expected), tolerance) and np.any(np.asarray(expected) != 0):
        return "sign", f"yours is -{name} (every element's sign flipped)"
    for code, words, i, wrong in mistaken_gradients(result, node):
        if offset is not None:
            wrong = wrong - offset
        if np.shape(wrong) == shape and _close(given, wrong, tolerance) and not _close(wrong, expected, tolerance):
            gate = GATES[result.graph.op[i]]
            at = result.graph.label(i, 40)
            return code, f"at {at}, {gate.pattern}"
    if len(shape) == 2 and shape[0] == shape[1] and _close(np.transpose(given), expected, tolerance) \
            and not _close(given, expected, tolerance):
        return "transposed", f"yours is the transpose of {name}"
    return None, ""


def compare_arrays(result: Result, name: str, node: int, given, expected, tolerance: float,
                   written: str = "", diagnose_it: bool = True) -> TensorComparison:
    """The student's array against backprop's: the shape first, then element by element."""
    expected = np.asarray(expected, dtype=float)
    c = TensorComparison(name, expected, None if given is None else np.asarray(given, dtype=float), "wrong",
                         written=written, node=node if diagnose_it else -1)
    if c.given is None:
        return c
    if c.given_shape != c.shape:
        if diagnose_it:
            c.diagnosis, c.explanation = diagnose(result, node, c.given, expected, tolerance, name)
        if not c.diagnosis:
            c.diagnosis, c.explanation = "shape", (f"{name} must have the shape {shape_text(c.shape)}; "
                                                   f"yours is {shape_text(c.given_shape)}")
        return c
    with np.errstate(all="ignore"):
        diff = np.abs(c.given - expected)
        scale = np.maximum(1.0, np.abs(expected))
        both_nan = np.isnan(c.given) & np.isnan(expected)
        same_inf = np.isinf(c.given) & (c.given == expected)
        rel = np.where(both_nan | same_inf, 0.0, np.where(np.isnan(diff), np.inf, diff / scale))
    c.where = tuple(int(k) for k in np.unravel_index(int(np.argmax(rel)), c.shape)) if c.given.size else ()
    worst = float(rel[c.where]) if c.given.size else 0.0
    digits = _digits(written, c.shape)
    allowed = np.maximum(tolerance * scale, digits) if digits is not None else tolerance * scale
    if worst <= EQUAL_NOISE:
        c.verdict = "equal"
    elif bool(np.all(both_nan | same_inf | (diff <= allowed))):
        c.verdict = "close"
        used_digits = digits is not None and bool(np.any(digits > tolerance * scale))
        c.tolerance = float(np.max(allowed)) if c.given.size else 0.0
        c.why = "the digits given" if used_digits else f"relative {show(tolerance, 3)}"
    else:
        c.wrong = int(np.sum(~(both_nan | same_inf | (diff <= allowed))))
        c.tolerance = float(np.max(tolerance * scale)) if c.given.size else 0.0
        c.why = f"relative {show(tolerance, 3)}"
        if diagnose_it:
            c.diagnosis, c.explanation = diagnose(result, node, c.given, expected, tolerance, name)
    return c


def _digits(written: str, shape: tuple):
    """Half a unit in the last decimal of each number written in an array literal, in order (None
    when the text is not a plain literal of ``size`` numbers: a file, an expression)."""
    if not written or written.startswith("@"):
        return None
    numbers = _NUMBER.findall(written)
    if len(numbers) != int(np.prod(shape)):
        return None
    return np.array([rounding(n) for n in numbers]).reshape(shape)


# ---- --expect dW=[[...]] ------------------------------------------------------------------------------

def parse_expect(items) -> list:
    """``--expect dW=[[1, 2]],db=@db.npy,f=0.5`` to [(name, value, text)]: arrays and numbers."""
    from ...language.values import parse_at, split_top_level

    out = []
    for item in items:
        for part in split_top_level(item):
            if not part.strip():
                continue
            name, eq, text = part.partition("=")
            if not eq or not text.strip():
                from ...base.text import printable

                raise InputError(f"--expect: '{printable(part)}' is not NAME=VALUE",
                                 "Write your arrays, e.g. --expect 'dW=[[1, 2], [3, 4]]' or dW=@dW.npy.")
            try:
                value = parse_at([part])[name.strip()]
            except InputError as e:
                raise InputError(e.message.replace("--at", "--expect", 1), e.hint) from None
            out.append((name.strip(), value, text.strip()))
    return out


def check_expected(result: Result, expected: list, tolerance: float) -> list:
    out = []
    for name, value, text in expected:
        kind, node = resolve(result, name, "--expect")
        truth = result.values[node] if kind == "value" else result.grads[node]
        out.append(compare_arrays(result, name, node, value, truth, tolerance, text, kind == "gradient"))
    return out


# ---- --grad "dW = formula" ----------------------------------------------------------------------------

def evaluate_formula(graph, at: dict) -> tuple:
    """A formula's value over arrays, as written on paper: (value, None), or (None, (code, words))
    when its shapes do not fit (the gate, both shapes, and a caret under the part)."""
    values, errors = paper_forward(graph, at)
    if values[graph.output] is None:
        return None, errors[min(errors)]
    return values[graph.output], None


def paper_forward(graph, at: dict) -> tuple:
    """Every node's value over arrays, as written on paper: (values, errors), a value None where
    the shapes do not fit (and everything computed from it), errors {node: (code, words)}.

    On paper a vector is a column and its transpose a row, so here transpose(v) of a vector is a
    1xn row and ``g @ transpose(x)`` of two vectors their outer product (2*(W@x) @ transpose(x) is
    dW of sum(square(W @ x))), ``transpose(v) @ w`` their inner product; matrices are numpy's."""
    from ...core.ops import Column

    fwd = Column("np_forward")
    values: list = []
    errors: dict = {}
    for i, (op, args, payload) in enumerate(zip(graph.op, graph.args, graph.payload)):
        if op == "const":
            values.append(np.float64(payload) if type(payload) is float else np.asarray(payload, dtype=float))
            continue
        if op == "input":
            values.append(np.asarray(at[payload], dtype=float))
            continue
        xs = [values[j] for j in args]
        if any(x is None for x in xs):
            values.append(None)
            continue
        gate = GATES[op]
        statics = tuple(payload or ())
        if gate.one_array is not None and len(xs) == 1 and np.ndim(xs[0]):
            gate, statics = GATES[gate.one_array], (None,)
        try:
            with np.errstate(all="ignore"):
                if op == "transpose" and np.ndim(xs[0]) == 1:
                    values.append(np.asarray(xs[0])[None, :])
                elif op == "matmul":
                    values.append(_paper_matmul(*xs))
                elif gate.elementwise:
                    try:
                        np.broadcast_shapes(*(np.shape(x) for x in xs))
                    except ValueError:
                        sep = f" {gate.symbol} " if gate.notation == "infix" else ", "
                        raise ShapeError(sep.join(shape_text(np.shape(x)) for x in xs) +
                                         " — shapes do not broadcast") from None
                    values.append(fwd[gate.name](*xs))
                else:
                    gate.shape(tuple(np.shape(x) for x in xs), statics)
                    values.append(np.asarray(fwd[gate.name](*xs, *statics), dtype=float))
        except (ShapeError, ValueError, IndexError) as e:
            name = gate.symbol if gate.notation == "infix" else gate.name
            code = "does-not-multiply" if op == "matmul" else "shape"
            where = caret(graph.source, graph.start[i], graph.end[i])
            errors[i] = (code, f"{name}: {str(e).replace(' — ', ': ', 1)}\n{where}")
            values.append(None)
    return values, errors


def _paper_matmul(a, b):
    """a @ b with a vector on the left of a row taken as a column (the outer product), and a row
    times a vector as their inner product; otherwise numpy's rule, its shape error the gate's."""
    if np.ndim(a) == 1 and np.ndim(b) == 2 and np.shape(b)[0] == 1:
        return np.multiply.outer(a, b[0])
    if np.ndim(a) == 2 and np.shape(a)[0] == 1 and np.ndim(b) == 1 and np.shape(a)[1] == np.shape(b)[0]:
        return np.float64(a[0] @ b)
    GATES["matmul"].shape((np.shape(a), np.shape(b)), ())
    return np.matmul(a, b)


def check_formulas(result: Result, formulas: list, tolerance: float) -> list:
    from .own_work import bind_formulas

    bind_formulas(result, formulas)
    g = result.graph
    at = {n: result.values[node] for n, node in g.bindings.items()}
    out = []
    for f in formulas:
        given, failed = evaluate_formula(f.graph, at)
        truth = result.values[f.node] if f.kind == "value" else result.grads[f.node]
        c = compare_arrays(result, f.name, f.node, given, truth, tolerance, diagnose_it=f.kind == "gradient")
        c.written = f.text
        if failed is not None:
            code, words = failed
            c.diagnosis = code
            shape = np.shape(truth)
            words = words.replace("\n", "\n    ")
            whose = f"{f.name[1:]}'s shape" if f.kind == "gradient" and f.name[1:] in g.bindings else "the shape"
            c.explanation = f"{words}\n{f.name} must have {whose} {shape_text(shape)}"
        out.append(c)
    return out


__all__ = ["TENSOR_MISTAKES", "TensorComparison", "check_expected", "check_formulas", "compare_arrays",
           "diagnose", "index_text", "mistaken_gradients", "parse_expect", "parse_formulas",
           "matmul_uses", "SHOW_RULE"]
