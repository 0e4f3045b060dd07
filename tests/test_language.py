"""The language: numbers, names, precedence, calls, constants, statements, defaults."""

import math

import pytest
from hypothesis import given, settings, strategies as st

from backprop_cli import InputError, evaluate


def value(src, **at):
    return evaluate(src, at=at).value


def grads(src, **at):
    return evaluate(src, at=at).gradients


@pytest.mark.parametrize("src, expected", [
    ("2.5E2", 250.0), ("1e-3", 0.001), ("42", 42.0), ("3.", 3.0), (".5", 0.5), ("1.25e+2", 125.0),
    ("2^3^2", 512.0), ("2**3**2", 512.0), ("-2^2", -4.0), ("(-2)^2", 4.0), ("2^-1", 0.5),
    ("2 - 3 - 4", -5.0), ("24 / 4 / 3", 2.0), ("2 + 3 * 4", 14.0), ("(2 + 3) * 4", 20.0),
    ("--3", 3.0), ("+3", 3.0), ("-+-3", 3.0), ("2*-3", -6.0), ("pow(2, 10)", 1024.0),
    ("max(1, 5, 3)", 5.0), ("min(4, -2, 7)", -2.0), ("max(7)", 7.0), ("abs(-3)", 3.0),
    ("relu(-3)", 0.0), ("relu(2)", 2.0), ("sqrt(16)", 4.0), ("log(e)", 1.0), ("exp(0)", 1.0),
    ("sin(0)", 0.0), ("cos(0)", 1.0), ("tan(0)", 0.0), ("tanh(0)", 0.0), ("sigmoid(0)", 0.5),
    ("pi", math.pi), ("e", math.e), ("2*pi", 2 * math.pi),
])
def test_constant_expressions(src, expected):
    assert value(src) == pytest.approx(expected, rel=1e-15)


def test_power_binds_tighter_than_unary_minus():
    assert value("-x^2", x=3) == -9
    assert grads("-x^2", x=3) == {"x": -6}
    assert value("x^-1", x=4) == 0.25
    assert grads("x^-1", x=4)["x"] == pytest.approx(-1 / 16)
    assert value("-x**2", x=3) == -9


def test_identifiers():
    assert grads("w0*x_1 + _b", w0=2, x_1=3, _b=1) == {"w0": 3, "x_1": 2, "_b": 1}


def test_binding_shadows_constants():
    assert value("e*2", e=3) == 6
    assert grads("pi*x", pi=2, x=5) == {"pi": 5, "x": 2}
    assert value("pi = 3\npi*2") == 6
    assert value("input e = 1\ne + 1") == 2


def test_statements_newlines_semicolons_comments():
    src = "# the lecture's first graph\nq = x + y   # an add gate\n\nf = q * z; # a mul gate\n"
    r = evaluate(src, at=dict(x=-2, y=5, z=-4))
    assert r.value == -12 and r.output_name == "f"
    assert r.gradients == {"x": -4, "y": -4, "z": 3}


def test_reassignment_is_a_new_node_like_python():
    # c = a + b; c += c + 1  means  c2 = c1 + (c1 + 1) = 2(a + b) + 1
    r = evaluate("c = a + b; c += c + 1", at=dict(a=1, b=2))
    assert r.value == 7
    assert r.gradients == {"a": 2, "b": 2}
    g = r.graph
    assert [g.label(i) for i in range(len(g)) if g.name[i]] == ["c", "c#2"]


@pytest.mark.parametrize("op, expected, grad", [("+=", 5, 1), ("-=", 1, 1), ("*=", 6, 2), ("/=", 1.5, 0.5)])
def test_augmented_assignment(op, expected, grad):
    r = evaluate(f"y = x\ny {op} 2\ny", at={"x": 3})
    assert r.value == expected and r.gradients["x"] == grad


def test_last_statement_is_the_output_unless_output_names_another():
    src = "a = x * 2\nb = a + 1\nc = b * b"
    assert evaluate(src, at={"x": 1}).value == 9
    r = evaluate(src, at={"x": 1}, output="a")
    assert r.value == 2 and r.gradients == {"x": 2} and r.output_name == "a"


def test_newline_inside_parentheses_continues_the_statement():
    src = "f = (x +\n     y) * max(x,\n y)\n"
    assert value(src, x=2, y=3) == 15


def test_a_newline_outside_parentheses_ends_the_statement():
    with pytest.raises(InputError):
        evaluate("f = x +\ny", at={"x": 1, "y": 2})


def test_input_defaults_and_at_overrides_them():
    src = "input x = -2, y = 5, z = pi/4\nf = (x + y) * z"
    assert evaluate(src).value == pytest.approx(3 * math.pi / 4)
    assert evaluate(src, at={"z": 2}).value == 6
    assert list(evaluate(src).gradients) == ["x", "y", "z"]


def test_input_declaration_without_default_sets_the_order():
    r = evaluate("input z, y\nf = y*z + x", at=dict(x=1, y=2, z=3))
    assert list(r.gradients) == ["z", "y", "x"]


def test_a_name_used_twice_is_one_node_and_gradients_add():
    r = evaluate("x*x + x", at={"x": 3})
    g = r.graph
    assert g.op.count("input") == 1
    assert r.gradients["x"] == 7  # 2x + 1
    x = g.inputs["x"]
    assert sum(1 for a in g.args for j in a if j == x) == 3  # three consumers


def test_branch_gradients_add_in_named_program():
    # a feeds two gates; its gradient is the sum of what flows back along each edge.
    r = evaluate("a = x * y\nb = a + 1\nc = a * 2\nf = b * c", at=dict(x=2, y=3))
    a = r.graph.bindings["a"]
    contributions = [r.contrib[i][k] for i, args in enumerate(r.graph.args) for k, j in enumerate(args) if j == a]
    assert len(contributions) == 2
    assert r.grads[a] == pytest.approx(sum(contributions))
    # f = (a+1)*2a = 2a^2 + 2a -> df/da = 4a + 2 = 26
    assert r.grads[a] == 26


def test_unused_statements_get_zero_gradient():
    r = evaluate("unused = exp(x)\nf = y * 2", at=dict(x=1, y=1))
    assert r.gradients == {"x": 0, "y": 2}


def test_labels_are_names_or_source_text():
    r = evaluate("q = x + y\nf = q * (z - 1)", at=dict(x=1, y=2, z=3))
    labels = [r.graph.label(i) for i in range(len(r.graph))]
    assert labels == ["x", "y", "q", "z", "1", "z - 1", "f"]


NUMBER_TEXT = st.builds(
    lambda sign, whole, frac, exp, pad: f"{pad}{sign}{whole}{frac}{exp}{pad}",
    st.sampled_from(["", "-"]), st.sampled_from(["", "0", "1", "12", "007", "123456789"]),
    st.sampled_from(["", ".", ".5", ".25", ".000"]),
    st.sampled_from(["", "e0", "e5", "E-3", "e+308", "e309", "e-320", "e-330", "e-400", "E400"]),
    st.sampled_from(["", " "])).filter(lambda t: any(c.isdigit() for c in t.lower().partition("e")[0]))


@settings(max_examples=300, deadline=None)
@given(NUMBER_TEXT)
def test_a_plain_number_reads_as_the_parser_reads_it(text):
    """constant() reads plain numbers without the parser (for -i files of 100,000 values): the same
    value, sign of zero and refusals as parsing the text."""
    from backprop_cli.api import constant
    from backprop_cli.core.engine import run
    from backprop_cli.language.parser import parse

    def parsed():
        return run(parse(text), {}, record=False).value

    try:
        expected = parsed()
    except Exception as e:  # the parser refuses it: so does constant, with the same message
        with pytest.raises(type(e)) as caught:
            constant(text)
        assert str(caught.value) == str(e)
        return
    got = constant(text)
    assert got == expected and math.copysign(1, got) == math.copysign(1, expected)
