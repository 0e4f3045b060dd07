"""Every op in the table: its local gradients agree with finite differences of its own forward,
and with SymPy's derivative of the same function."""

import math

import pytest
import sympy as sp
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import gate_oracle
from backprop_cli.core.ops import GATES, gate_names

NAMES = sorted(gate_names())

X, Y = sp.symbols("x y", real=True)
NOT_GENERIC = {"share"}  # three or more arguments, flat between its jumps: checked in test_diff.py


def _reference(name, n):
    return gate_oracle.forward(name, [X, Y][:n])


def _interior(op, xs, h=1e-9) -> bool:
    """Not on the edge of a smooth piece (asin at 1, atan2 at the origin): the piece is the same
    a tiny step away in every direction."""
    if op.piece is None:
        return True
    here = op.piece(*xs)
    for k in range(len(xs)):
        for s in (-h, h):
            ys = list(xs)
            ys[k] += s * max(1.0, abs(ys[k]))
            if op.piece(*ys) != here:
                return False
    return True


def _arity(op):
    lo, hi = op.arity
    return max(lo, 2) if hi is None else lo


def test_every_gate_has_a_sympy_reference():
    # Built from the gate's forward description: a new gate needs nothing here.
    for name in NAMES:
        if name not in NOT_GENERIC:
            assert _reference(name, _arity(GATES[name])) is not None


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60, deadline=None)
@given(xs=st.lists(st.floats(-4, 4, allow_nan=False), min_size=2, max_size=2))
def test_local_gradients_match_sympy_and_finite_differences(name, xs):
    if name in NOT_GENERIC:
        return
    op = GATES[name]
    xs = xs[:_arity(op)]
    out = op.forward(*xs)
    assume(math.isfinite(out) and abs(out) < 1e6)
    assume(not op.kink(*xs))
    assume(_interior(op, xs))
    local = op.local(out, *xs)
    assert len(local) == len(xs)
    symbols = (X, Y)[:len(xs)]
    subs = dict(zip(symbols, xs))
    reference = _reference(name, len(xs))
    assert out == pytest.approx(float(reference.evalf(20, subs=subs)), rel=1e-12, abs=1e-12)
    for k, sym in enumerate(symbols):
        if name == "pow" and k == 1 and xs[0] < 0:
            assert math.isnan(local[1])  # d/dy x^y for x < 0: not real (SymPy's complex part may underflow)
            continue
        try:
            expected = complex(reference.diff(sym).evalf(20, subs=subs))
        except (ZeroDivisionError, TypeError):
            continue  # e.g. sqrt'(0): SymPy has no number there
        if expected.imag != 0 or not math.isfinite(expected.real):
            continue  # e.g. d/dy x^y for x < 0: undefined in the reals
        if 0 < abs(out) < 2.2250738585072014e-308 and name == "hypot":
            continue  # the output itself is subnormal (a few bits): x/hypot(x, y) as PyTorch computes it
        if not math.isfinite(local[k]) and 0 < min([abs(x) for x in xs if x] or [1]) < 1e-150:
            continue  # x^2 + y^2 underflows at atan2(0, 1e-286) (as in PyTorch): the true gradient is huge
        assert local[k] == pytest.approx(expected.real, rel=1e-9, abs=1e-9), (name, xs, k)
        h = 1e-6 * max(1.0, abs(xs[k]))
        up = list(xs)
        down = list(xs)
        up[k] += h
        down[k] -= h
        hi, lo = op.forward(*up), op.forward(*down)
        # A step across a kink (abs near 0, a near-tie in max) says nothing about the gradient.
        smooth = all(math.isclose(u, d, rel_tol=1e-3, abs_tol=1e-6)
                     for u, d in zip(op.local(hi, *up), op.local(lo, *down)))
        # ... or across a jump (step, sign near 0), which the table's piece tells.
        smooth = smooth and (op.piece is None or op.piece(*up) == op.piece(*down))
        if math.isfinite(hi) and math.isfinite(lo) and smooth:
            assert local[k] == pytest.approx((hi - lo) / (2 * h), rel=1e-4, abs=1e-5), (name, xs, k)


def test_exp_local_gradient_is_its_output_not_one_over_x():
    # The lecture notes' slip: d/dx e^x written as 1/x.
    for x in (-1.0, 0.5, 2.0):
        out = GATES["exp"].forward(x)
        assert GATES["exp"].local(out, x) == (math.exp(x),)
        assert GATES["exp"].local(out, x)[0] != pytest.approx(1 / x)


def test_forwards_are_total_over_ieee_doubles():
    inf, nan = math.inf, math.nan
    specials = [0.0, -0.0, 1.0, -1.0, inf, -inf, nan, 1e308, -1e308, 5e-324]
    for name in NAMES:
        op = GATES[name]
        n = _arity(op)
        for a in specials:
            for b in specials if n >= 2 else [None]:
                xs = (a, b, a) if n == 3 else (a, b) if n == 2 else (a,)
                out = op.forward(*xs)  # never raises
                assert isinstance(out, float), (name, xs)
                op.local(out, *xs)


def test_patterns_use_the_lectures_words():
    assert "distributes" in GATES["add"].pattern
    assert "swaps" in GATES["mul"].pattern
    assert "routes" in GATES["max"].pattern
