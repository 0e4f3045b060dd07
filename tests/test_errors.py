"""Bad input: one clear message on stderr, never a traceback; exit 2 for input, 1 for maths."""

import pytest

from conftest import run


def fails(*args, code, input=None):
    result = run("eval", *args, input=input)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: ")
    assert result.stderr.count("Error: ") == 1
    return result.stderr


def test_parse_error_shows_line_column_and_caret():
    err = fails("x + * y", "--at", "x=1,y=2", code=2)
    assert err.splitlines()[:3] == ["Error: 1:5: unexpected '*'", "  x + * y", "      ^"]


def test_parse_error_in_a_file_names_the_file_and_line(tmp_path):
    path = tmp_path / "prog.bp"
    path.write_text("input x = 1\ny = x +\nz = y\n")
    err = fails("-f", path, code=2)
    assert f"{path}:2:8: unexpected end of line" in err
    assert "  y = x +\n         ^" in err


def test_missing_operator_suggests_star():
    err = fails("2x", "--at", "x=1", code=2)
    assert "1:2" in err and "write '*'" in err


def test_unclosed_and_unmatched_parentheses():
    assert "'(' is never closed" in fails("(x + (y", "--at", "x=1,y=2", code=2)
    err = fails("x + y)", "--at", "x=1,y=2", code=2)
    assert "')' has no matching '('" in err and "1:6" in err


def test_unexpected_character():
    err = fails("x $ y", "--at", "x=1,y=2", code=2)
    assert "unexpected character '$'" in err and "1:3" in err


def test_unknown_function_suggests_the_nearest_known_name():
    err = fails("exq(x)", "--at", "x=1", code=2)
    assert "unknown function 'exq'" in err and "Did you mean 'exp'?" in err
    assert "Did you mean 'sigmoid'?" in fails("sigmod(x)", "--at", "x=1", code=2)
    assert "Did you mean 'tanh'?" in fails("tahn(x)", "--at", "x=1", code=2)


@pytest.mark.parametrize("expr, expected", [
    ("exp(x, y)", "exp takes 1 argument, got 2"),
    ("pow(x)", "pow takes 2 arguments, got 1"),
    ("max()", "max takes at least 1 argument, got 0"),
    ("sin()", "sin takes 1 argument, got 0"),
])
def test_wrong_arity_says_what_is_expected(expr, expected):
    assert expected in fails(expr, "--at", "x=1,y=2", code=2)


def test_every_unbound_input_is_named_at_once():
    err = fails("w0*x0 + w1*x1 + b", "--at", "x0=1", code=2)
    assert "no value for inputs w0, w1, x1, b" in err
    assert "--at w0=1,w1=1,x1=1,b=1" in err


@pytest.mark.parametrize("at, expected", [
    ("x", "'x' has no '='"),
    ("x=", "'x=' has no value"),
    ("2x=1", "'2x' in '2x=1' is not a name"),
    ("x=foo", "the value of x: 'foo' is not a constant"),
    ("x=1,,y", "'y' has no '='"),
    ("x=(1", "the value of x ('(1'): this '(' is never closed"),
    ("x=1e400", "the value of x ('1e400')"),
    ("x=log(0)", "the value of x"),
])
def test_malformed_at_says_which_part(at, expected):
    err = fails("x + y", "--at", "y=1", "--at", at, code=2)
    assert expected in err


def test_unknown_output_name():
    err = fails("a = x\nb = a*2", "--at", "x=1", "--output", "c", code=2)
    assert "no name 'c'" in err


def test_empty_expression():
    assert "empty" in fails("", code=2)
    assert "empty" in fails("# just a comment\n", code=2)


def test_no_expression_and_both_expression_and_file(tmp_path):
    assert "no expression given" in fails(code=2)
    path = tmp_path / "p.bp"
    path.write_text("1")
    assert "not both" in fails("x", "-f", path, code=2)


def test_missing_file_and_non_utf8_file(tmp_path):
    assert "no such file" in fails("-f", tmp_path / "nope.bp", code=2)
    bad = tmp_path / "latin1.bp"
    bad.write_bytes(b"x * \xe9\n")
    assert "not UTF-8" in fails("-f", bad, "--at", "x=1", code=2)


def test_bad_flag_is_exit_2():
    result = run("eval", "x", "--at", "x=1", "--format", "yaml")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    result = run("eval", "x", "--at", "x=1", "--no-such-flag")
    assert result.exit_code == 2 and "No such option" in result.stderr


@pytest.mark.parametrize("expr, at, why", [
    ("log(x - 1)", "x=1", "log of a non-positive number"),
    ("log(x)", "x=-2", "log of a non-positive number"),
    ("x / y", "x=1,y=0", "division by zero"),
    ("x / y", "x=0,y=0", "division by zero"),
    ("sqrt(x)", "x=-1", "sqrt of a negative number"),
    ("x ^ 0.5", "x=-4", "a negative base to a non-integer power"),
    ("x ^ -1", "x=0", "zero to a negative power"),
    ("exp(x)", "x=1000", "overflows"),
    ("x * x", "x=1e200", "overflows"),
])
def test_undefined_value_names_node_op_and_inputs(expr, at, why):
    err = fails(expr, "--at", at, code=1)
    assert why in err
    assert "node " in err and "op " in err
    assert "--allow-nonfinite" in err


def test_undefined_value_reports_the_first_bad_node_and_its_inputs():
    err = fails("a = x - 1\nb = log(a)\nc = b * 2", "--at", "x=1", code=1)
    assert "2:5: b = log(a) is undefined (-inf)" in err
    assert "op log, input: a = 0" in err


def test_allow_nonfinite_lets_inf_and_nan_flow():
    result = run("eval", "log(x) + 1", "--at", "x=0", "--allow-nonfinite", "--format", "json")
    assert result.exit_code == 0
    import json
    doc = json.loads(result.stdout)
    assert doc["output"]["value"] == "-inf"
    assert doc["gradients"]["x"] == "inf"


def test_infinite_gradient_with_finite_value_is_a_warning_not_an_error():
    result = run("eval", "sqrt(x)", "--at", "x=0", "--format", "json")
    assert result.exit_code == 0
    assert "Warning: df/dx is inf" in result.stderr and "sqrt" in result.stderr
    import json
    doc = json.loads(result.stdout)
    assert doc["output"]["value"] == 0 and doc["gradients"]["x"] == "inf"
    assert doc["warnings"]


def test_number_too_large_for_a_double():
    assert "too large for a double" in fails("1e999 * x", "--at", "x=1", code=2)


def test_input_declared_after_assignment():
    assert "put 'input' lines first" in fails("x = 3\ninput x = 2\nx", code=2)


def test_input_default_must_be_constant():
    assert "must be a constant" in fails("input x = y\nx", code=2)


def test_a_file_name_given_as_the_expression_suggests_dash_f(monkeypatch):
    from conftest import ROOT

    monkeypatch.chdir(ROOT)
    err = fails("samples/neuron.bp", code=2)
    assert "use -f samples/neuron.bp" in err


@pytest.mark.parametrize("at, hinted", [("x=1,000", True), ("x=2,y=1,000.5", True), ("x=1,y", False),
                                        ("1000", False), ("x=1,1e3", False)])
def test_digits_after_a_comma_are_taken_for_thousands(at, hinted):
    err = fails("x*2", "--at", at, code=2)
    assert "has no '='" in err
    assert ("no thousands separators: write 1000, not 1,000" in " ".join(err.split())) == hinted, err


def test_a_missing_extra_says_how_to_install_it_from_pypi_and_from_a_clone():
    from backprop_cli.base.errors import install_extra

    assert install_extra("live") == "pip install 'backprop-cli[live]' (from a clone: pip install -e '.[live]')"
