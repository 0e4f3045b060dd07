"""Non-differentiable points follow PyTorch: relu'(0) = 0, abs'(0) = 0, ties in max/min split evenly."""

import pytest

from backprop_cli import evaluate
from backprop_cli.core.ops import GATES


def g(src, **at):
    return evaluate(src, at=at).gradients


def test_relu_at_zero_is_zero():
    assert g("relu(x)", x=0) == {"x": 0}
    assert g("relu(x)", x=1e-300) == {"x": 1}
    assert g("relu(x)", x=-1e-300) == {"x": 0}


def test_abs_at_zero_is_zero():
    assert g("abs(x)", x=0) == {"x": 0}
    assert g("abs(x)", x=-2) == {"x": -1}
    assert g("abs(x)", x=2) == {"x": 1}


def test_max_and_min_tie_split_evenly():
    assert g("max(x, y)", x=1, y=1) == {"x": 0.5, "y": 0.5}
    assert g("min(x, y)", x=1, y=1) == {"x": 0.5, "y": 0.5}
    assert g("max(x, y, z)", x=2, y=2, z=2) == pytest.approx({"x": 1 / 3, "y": 1 / 3, "z": 1 / 3})
    assert g("max(x, y, z)", x=2, y=2, z=1) == {"x": 0.5, "y": 0.5, "z": 0}


def test_max_routes_to_the_larger_input():
    # The lecture: the max gate routes the gradient; the smaller input gets 0.
    assert g("max(z, w)", z=2, w=-1) == {"z": 1, "w": 0}
    assert g("min(z, w)", z=2, w=-1) == {"z": 0, "w": 1}


def test_max_of_a_value_with_itself_gets_the_whole_gradient():
    # Both edges come from x; the halves add back up to 1, as in PyTorch.
    assert g("max(x, x)", x=3) == {"x": 1}


def test_kink_predicate_in_the_op_table():
    assert GATES["relu"].kink(0.0) and not GATES["relu"].kink(0.5)
    assert GATES["abs"].kink(0.0) and not GATES["abs"].kink(-1.0)
    assert GATES["max"].kink(1.0, 1.0) and not GATES["max"].kink(1.0, 2.0)
    assert GATES["min"].kink(3.0, 3.0, 4.0) and not GATES["min"].kink(3.0, 4.0)
    assert not GATES["exp"].kink(0.0)


def test_sqrt_at_zero_has_an_infinite_gradient_and_finite_value():
    r = evaluate("sqrt(x)", at={"x": 0})
    assert r.value == 0 and r.gradients["x"] == float("inf")
    assert r.warnings and "inf" in r.warnings[0]


def test_pow_conventions_at_zero():
    # d/dx x^0 = 0 even at x = 0 (PyTorch), and x^2 at 0 has gradient 0.
    assert g("x^0", x=0) == {"x": 0}
    assert g("x^2", x=0) == {"x": 0}
    assert g("x^3", x=-2) == {"x": 12}
    # d/dy 0^y = 0 for y >= 0 (PyTorch masks the log).
    assert g("x^y", x=0, y=2) == {"x": 0, "y": 0}
