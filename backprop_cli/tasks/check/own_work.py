"""A student's numbers and formulas against backprop's: `check --expect` and `check --grad`.

Every comparison has one of three verdicts: "equal" (the same double, up to rounding noise), "close"
(within the tolerance shown: the relative --tolerance, or half a unit in the last decimal the student
wrote, so 0.73 for 0.7311 is close) and "wrong" (with the right value and the difference).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ...core.engine import Result
from ...base.errors import InputError, SourceError, caret
from ...base.numbers import show

EQUAL_NOISE = 1e-12  # relative: two ways of computing the same number differ by this much
_DECIMAL = re.compile(r"\s*[+-]?(\d*)\.(\d+)(?:[eE]([+-]?\d+))?\s*\Z")
_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*\Z")
#: the lecture's name for a gradient, df/dx (or ∂f/∂x, d(f)/d(x)): the same as dx
_DERIVATIVE = re.compile(r"[d∂]\(?([A-Za-z_][A-Za-z_0-9]*)\)?/[d∂]\(?([A-Za-z_][A-Za-z_0-9]*)\)?\Z")


def gradient_name(name: str) -> str:
    """``df/dx`` (the lecture's notation) -> ``d:f:x``, a name resolve() reads; other names unchanged."""
    m = _DERIVATIVE.match(name.replace(" ", ""))
    return f"d:{m.group(1)}:{m.group(2)}" if m else name


def _is_name(name: str) -> bool:
    return bool(_NAME.match(name)) or name.startswith("d:")


def formula_names(result: Result) -> dict:
    """The names a --grad formula may use: the program's, and the output's (f, or its own name)."""
    names = dict(result.graph.bindings)
    names.setdefault(result.output_name, result.graph.output)
    names.setdefault("f", result.graph.output)
    return names


@dataclass
class Comparison:
    name: str
    given: float
    expected: float
    verdict: str  # "equal" | "close" | "wrong"
    tolerance: float  # the absolute tolerance that was applied
    why: str  # where the tolerance comes from, in words
    written: str = ""  # the number as the student wrote it

    @property
    def difference(self) -> float:
        return self.given - self.expected

    @property
    def right(self) -> bool:
        return self.verdict != "wrong"


def rounding(text: str | None) -> float:
    """Half a unit in the last decimal place written: '0.73' -> 0.005; an integer or expression -> 0."""
    if text is None:
        return 0.0
    m = _DECIMAL.match(text)
    if not m:
        return 0.0
    exponent = int(m.group(3) or 0)
    return 0.5 * 10.0 ** (exponent - len(m.group(2)))


def same(a: float, b: float, tolerance: float) -> bool:
    """a and b agree within ``tolerance`` relative to max(1, |b|); nan agrees with nan, inf with itself."""
    if a != a or b != b:
        return a != a and b != b
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= tolerance * max(1.0, abs(b))


def compare(name: str, given: float, expected: float, tolerance: float,
            written: str | None = None) -> Comparison:
    if same(given, expected, EQUAL_NOISE):
        return Comparison(name, given, expected, "equal", 0.0, "", written or "")
    relative = tolerance * max(1.0, abs(expected))
    digits = rounding(written)
    tol, why = (digits, "the digits given") if digits > relative else (relative, f"relative {show(tolerance, 3)}")
    close = math.isfinite(given) and math.isfinite(expected) and abs(given - expected) <= tol
    return Comparison(name, given, expected, "close" if close else "wrong", tol, why, written or "")


# ---- what a name in --expect or --grad refers to ----------------------------------------------------

def targets(result: Result) -> dict:
    """Name -> ("value" | "gradient", node): every program name's value, d<name> its gradient, and
    f (or the output's name) for the output."""
    g = result.graph
    out: dict = {}
    for name, node in g.bindings.items():
        out[name] = ("value", node)
    out.setdefault(result.output_name, ("value", g.output))
    out.setdefault("f", ("value", g.output))
    for name, node in list(g.bindings.items()) + [(result.output_name, g.output)]:
        out.setdefault("d" + name, ("gradient", node))
    out.setdefault("df", ("gradient", g.output))
    return out


def resolve(result: Result, name: str, option: str) -> tuple:
    from ...base.suggest import nearest

    known = targets(result)
    if name.startswith("d:"):  # df/dx
        _, top, wrt = name.split(":")
        if top not in (result.output_name, "f") and known.get(top) != ("value", result.graph.output):
            raise InputError(f"{option} d{top}/d{wrt}: gradients are of the output, {result.output_name}",
                             f"Write d{result.output_name}/d{wrt}, or dx for short.")
        name = "d" + wrt
    if name in known:
        return known[name]
    inputs = list(result.graph.inputs)
    close = nearest(name, list(known))
    hint = (f"Did you mean '{close}'? " if close else "") + \
        f"Name the output's value {result.output_name}{'' if result.output_name == 'f' else ' (or f)'} " + \
        "and gradients d<name>, e.g. " + \
        ", ".join("d" + n for n in inputs[:4]) + "."
    raise InputError(f"{option} {name}: the program has no value or gradient called '{name}'", hint)


def true_number(result: Result, kind: str, node: int) -> float:
    return result.values[node] if kind == "value" else result.grads[node]


# ---- --expect dx=-4,dy=-4 ----------------------------------------------------------------------------

def parse_expect(items) -> list:
    """``--expect dx=-4,f=-12`` (repeatable) to [(name, value, text)] in the order given."""
    from ...language.values import constant, split_top_level

    out = []
    for item in items:
        for part in split_top_level(item):
            if not part.strip():
                continue
            name, eq, text = part.partition("=")
            name = gradient_name(name.strip())
            from ...base.text import printable

            if not eq or not _is_name(name) or not text.strip():
                raise InputError(f"--expect: '{printable(part)}' is not NAME=VALUE",
                                 "Write the numbers you worked out, e.g. --expect dx=-4,dy=-4,dz=3 or f=-12.")
            try:
                value = constant(text)
            except InputError as e:
                raise InputError(f"--expect {name}: {e.message}", e.hint) from None
            out.append((part.partition("=")[0].strip(), value, text.strip()))
    return out


def check_expected(result: Result, expected: list, tolerance: float) -> list:
    comparisons = []
    for name, value, text in expected:
        kind, node = resolve(result, gradient_name(name), "--expect")
        comparisons.append(compare(name, value, true_number(result, kind, node), tolerance, text))
    return comparisons


# ---- --grad "dx = formula" ---------------------------------------------------------------------------

@dataclass
class Formula:
    name: str  # "dx"
    text: str  # the formula after '='
    origin: str  # where it came from, for messages
    kind: str = "gradient"
    node: int = -1
    graph: object = None  # the formula parsed: a Graph over the program's names


def parse_formulas(grads, grad_file: str | None) -> list:
    """--grad "dx = ..." (repeatable) and --grad-file FILE (one ``d<name> = formula`` a line, '#' comments)."""
    lines = [(text, "--grad") for text in grads]
    if grad_file is not None:
        from ...language.source import read_text

        source = read_text(grad_file)
        for k, line in enumerate(source.splitlines(), 1):
            text = line.split("#", 1)[0].strip()
            if text:
                lines.append((text, f"{grad_file}:{k}"))
    formulas = []
    for text, origin in lines:
        name, eq, formula = text.partition("=")
        name = name.strip()
        if not eq or not _is_name(gradient_name(name)) or not formula.strip():
            from ...base.text import printable

            raise InputError(f"{origin}: '{printable(text)}' is not 'd<name> = formula'",
                             "Write, e.g., --grad \"dx = 2*x*sin(x) + x^2*cos(x)\".")
        formulas.append(Formula(name, formula.strip(), origin))
    return formulas


def bind_formulas(result: Result, formulas: list) -> None:
    """Parse each formula over the program's names; an unknown name is an input error."""
    from ...base.suggest import nearest
    from ...base.text import printable
    from ...language.program import build
    from ...language.values import first_array

    names = list(formula_names(result))
    for f in formulas:
        f.kind, f.node = resolve(result, gradient_name(f.name), f.origin)
        try:
            f.graph = build(f.text, at=names, origin=f"{f.origin} ({f.name})")
        except SourceError as e:
            raise InputError(f"{f.origin}: {f.name} = {e.message}\n{caret(f.text, e.start, e.end)}", e.hint) from None
        array = first_array(f.graph)
        scalar = not result.graph.tensor and not any(getattr(v, "ndim", 0) for v in result.at.values())
        if array is not None and scalar:
            raise InputError(f"{f.origin}: the formula for {f.name} makes an array "
                             f"({printable(f.graph.text(array), 40)}), and the program is scalar: "
                             f"{f.name} is one number", "Write a formula of the program's numbers, e.g. "
                             "--grad \"dx = 2*x\".")
        unknown = [n for n in f.graph.inputs if n not in names]
        if unknown:
            close = nearest(unknown[0], names)
            raise InputError(f"{f.origin}: the formula for {f.name} uses '{unknown[0]}', which the program "
                             "does not define", (f"Did you mean '{close}'? " if close else "") +
                             "A formula may use the program's inputs and names: " + ", ".join(names) + ".")


def check_formulas(result: Result, formulas: list, tolerance: float) -> list:
    from ...core.engine import forward

    bind_formulas(result, formulas)
    at = {n: result.values[node] for n, node in formula_names(result).items()}
    out = []
    for f in formulas:
        values = forward(f.graph, {n: at[n] for n in f.graph.inputs}, allow_nonfinite=True)
        given = values[f.graph.output]
        out.append(compare(f.name, given, true_number(result, f.kind, f.node), tolerance))
    return out


@dataclass
class RangeCheck:
    name: str
    over: str
    points: int
    differ: int  # how many points differ
    first: tuple | None = None  # (x, yours, true) at the first point that differs
    undefined_both: int = 0


def check_formulas_over(result: Result, formulas: list, over, tolerance: float, n: int) -> list:
    """Each formula against backprop at ``n`` points of ``over`` (a tasks.plot.Range), the other
    inputs fixed at their --at values."""
    import numpy as np

    from ...core import vectorized
    from ..plot import check_inputs, grid

    bind_formulas(result, formulas)
    g = result.graph
    fixed = check_inputs(g, over.name, result.at)
    # A chunk of points at a time, as plot sweeps: memory does not grow with n (10M points were
    # 684 MB for dx = 2*x; a 100-term formula ran out of memory).
    rows = min([vectorized.rows_for(g, 1 << 16)] + [vectorized.rows_for(f.graph, 1 << 16) for f in formulas])
    nodes = formula_names(result)  # f, the output, too
    differ = [0] * len(formulas)
    first: list = [None] * len(formulas)
    undefined_both = [0] * len(formulas)
    for start in range(0, n, rows):
        xs = grid(over.lo, over.hi, n, start, min(n, start + rows))
        m = len(xs)
        batch = vectorized.run(g, {**fixed, over.name: xs}, m)
        for k, f in enumerate(formulas):
            true = batch.full(batch.values[f.node] if f.kind == "value" else batch.grads[f.node])
            columns = {name: batch.full(batch.values[nodes[name]]) for name in f.graph.inputs}
            mine = np.broadcast_to(vectorized.run(f.graph, columns, m).value, (m,))
            both_nan = np.isnan(mine) & np.isnan(true)
            with np.errstate(invalid="ignore", over="ignore"):
                agree = both_nan | (mine == true) | (np.abs(mine - true) <= tolerance * np.maximum(1.0, np.abs(true)))
            bad = np.flatnonzero(~agree)
            if len(bad) and first[k] is None:
                j = int(bad[0])
                first[k] = (float(xs[j]), float(mine[j]), float(true[j]))
            differ[k] += len(bad)
            undefined_both[k] += int(both_nan.sum())
    return [RangeCheck(f.name, over.name, n, differ[k], first[k], undefined_both[k])
            for k, f in enumerate(formulas)]
