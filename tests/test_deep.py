"""Nothing recurses: 100,000-deep expressions parse, evaluate, print and serialise."""

import json

import pytest

from backprop_cli import evaluate
from conftest import run

DEPTH = 100_000


@pytest.mark.slow
def test_deeply_nested_parentheses_and_functions():
    src = "sin(" * DEPTH + "x" + ")" * DEPTH
    r = evaluate(src, at={"x": 0.5})
    assert len(r.graph) == DEPTH + 1
    # d/dx sin(sin(...sin(x))) is a product of cosines; compare with a loop.
    import math
    v, d = 0.5, 1.0
    for _ in range(DEPTH):
        d *= math.cos(v)
        v = math.sin(v)
    assert r.value == pytest.approx(v, rel=1e-12)
    assert r.gradients["x"] == pytest.approx(d, rel=1e-9)


@pytest.mark.slow
def test_deep_right_nested_sum_and_unary_minus():
    src = "1+(" * DEPTH + "x" + ")" * DEPTH
    r = evaluate(src, at={"x": 2})
    assert r.value == DEPTH + 2 and r.gradients == {"x": 1}
    src = "-(" * DEPTH + "x" + ")" * DEPTH
    r = evaluate(src, at={"x": 2})
    assert r.value == 2 and r.gradients == {"x": 1}


@pytest.mark.slow
def test_deep_power_tower_of_ones_is_right_associative():
    src = "x" + "^1" * DEPTH
    r = evaluate(src, at={"x": 3})
    assert r.value == 3 and r.gradients["x"] == 1


@pytest.mark.slow
def test_long_program_of_statements():
    lines = ["a0 = x"] + [f"a{i} = a{i-1} * 1.0001 + y" for i in range(1, 20_000)]
    r = evaluate("\n".join(lines), at={"x": 1, "y": 0})
    assert r.gradients["x"] == pytest.approx(1.0001 ** 19_999, rel=1e-9)


@pytest.mark.slow
def test_deep_expression_through_the_cli_table_and_json():
    src = "tanh(" * DEPTH + "x" + ")" * DEPTH
    result = run("eval", src, "--at", "x=0.5", "--format", "json")
    assert result.exit_code == 0, result.stderr[-500:]
    doc = json.loads(result.stdout)
    assert len(doc["nodes"]) == DEPTH + 1
    assert all(len(n["label"]) <= 60 for n in doc["nodes"])  # labels are shortened, not megabytes
    result = run("eval", src, "--at", "x=0.5")
    assert result.exit_code == 0
    assert result.stdout.count("\n") > DEPTH
