"""Bugs that were planted in a review (issue 21) and that no test caught: each has a test here that
fails when the bug is put back.  (amin computing max and the softmax rule's sign are caught in
tests/test_array_gates.py.)"""

from __future__ import annotations

import math

import pytest

from backprop_cli import evaluate
from backprop_cli.core.ops import GATES
from backprop_cli.core.names import short_names
from backprop_cli.language.program import build
from backprop_cli.tasks.check.numeric import check
from conftest import run


def _off_by(monkeypatch, name: str, factor: float) -> None:
    gate = GATES[name]
    right = gate.local
    monkeypatch.setitem(GATES, name, gate.replace(local=lambda out, *xs: tuple(d * factor for d in right(out, *xs))))


@pytest.mark.parametrize("relative", [1e-5, 1e-4])
def test_the_default_tolerance_catches_a_gradient_off_by_a_thousandth_of_a_percent(monkeypatch, relative):
    """The library's and the command's default tolerance (1e-6) fail a gradient 1e-5 off; loosened
    1000x (1e-3) they would pass it."""
    right = check(evaluate("exp(x)*sin(y)", at={"x": 0.3, "y": 1.1}))
    assert right.passed and max(c.relative_error for c in right.inputs) < 1e-8
    _off_by(monkeypatch, "exp", 1 + relative)
    report = check(evaluate("exp(x)*sin(y)", at={"x": 0.3, "y": 1.1}))
    assert not report.passed and {c.name: c.status for c in report.inputs}["x"] == "fail"
    assert run("check", "exp(x)*sin(y)", "--at", "x=0.3,y=1.1").exit_code == 1


def test_the_quiz_diagnoses_a_flipped_sign_through_two_gates():
    """df/dx through two gates (x feeds q = x*y, q feeds f = exp(q) + z): answering -df/dx is the
    sign mistake, at every depth."""
    from backprop_cli.tasks.quiz import Judge, questions

    result = evaluate("input x = 0.5, y = -2, z = 1\nq = x*y\nf = exp(q) + z\n")
    judge = Judge(result)
    asked = {q.name: q for q in questions(result) if q.kind == "gradient"}
    for name in ("q", "x", "y"):
        q = asked[name]
        assert q.expected != 0
        assert judge.diagnose(q, -q.expected)[0] == "sign", name


def _program_with_taken(names: list, gates: int) -> str:
    """A program that uses the names ``names`` for its inputs and has ``gates`` unnamed gates."""
    body = " + ".join(f"sin({n})" for n in names[:gates]) if gates else names[0]
    return f"input {', '.join(names)}\nf = {body}\n"


@pytest.mark.parametrize("taken", [["t1"], ["t1", "t2"], ["t1", "t2", "t3"], ["t2", "t3", "t4", "t1"],
                                   ["t1", "t3", "t5"]])
def test_generated_short_names_never_clash_however_many_are_taken(taken):
    graph = build(_program_with_taken(taken, len(taken)))
    names = short_names(graph)
    gates = [names[i] for i in range(len(graph)) if graph.args[i]]
    assert len(set(gates)) == len(gates), names  # one name per gate
    assert not set(gates) & set(taken), names  # and none is an input's
    generated = sorted((n for n in gates if n.startswith("t")), key=lambda n: int(n[1:]))
    free = [f"t{k}" for k in range(1, 20) if f"t{k}" not in taken]
    assert generated == free[:len(generated)], names  # the lowest free numbers, in order


def test_a_gradient_is_never_silently_wrong_through_the_gates_of_a_lecture_example():
    r = evaluate("input x = -2, y = 5, z = -4\nq = x + y\nf = q*z\n")
    assert (r.value, r.gradients["x"], r.gradients["y"], r.gradients["z"]) == (-12, -4, -4, 3)
    assert math.isclose(GATES["exp"].local(math.e, 1.0)[0], math.e)  # not the notes' slip, 1/x
