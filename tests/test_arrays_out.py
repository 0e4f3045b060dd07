"""Arrays out (#22.2) and -o on every command that prints a result (#22.6)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import SAMPLES, run

AT = ("--at", "W=[[1,2],[3,4]],x=[1,-1]")
PROGRAM = "sum(square(W @ x))"


def _oracle():
    """f = |W x|², df/dW = 2 (W x) xᵀ, df/dx = 2 Wᵀ (W x), by numpy."""
    W, x = np.array([[1.0, 2], [3, 4]]), np.array([1.0, -1])
    y = W @ x
    return float(y @ y), 2 * np.outer(y, x), 2 * W.T @ y


def test_get_prints_an_array_row_by_row():
    f, dW, dx = _oracle()
    r = run("eval", PROGRAM, *AT, "--get", "f", "--get", "df/dW", "--get", "df/dx")
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert float(lines[0]) == f
    np.testing.assert_array_equal(np.array([[float(v) for v in line.split()] for line in lines[1:3]]), dW)
    np.testing.assert_array_equal([float(v) for v in lines[3].split()], dx)


def test_get_prints_full_precision_and_a_0d_value_as_a_number():
    r = run("eval", "sum(x) / 3", "--at", "x=[1,1,0.1]", "--get", "f", "--get", "df/dx")
    assert r.exit_code == 0, r.stderr
    value, grads = r.stdout.splitlines()
    assert float(value) == (1 + 1 + 0.1) / 3 and "array" not in value
    assert [float(v) for v in grads.split()] == [1 / 3] * 3


def test_get_of_a_tensor_program_loss_is_a_plain_number():
    r = run("eval", "-f", str(SAMPLES / "tensors" / "vectorized.bp"), "--get", "L")
    assert r.exit_code == 0, r.stderr
    assert float(r.stdout) == pytest.approx(0.5) and "array" not in r.stdout


def test_a_three_axis_array_is_every_row_of_its_last_axis():
    from backprop_cli.views.get import text

    assert text(np.arange(8.0).reshape(2, 2, 2)) == "0 1\n2 3\n4 5\n6 7\n"
    assert text(np.float64(0.1)) == "0.1\n" and text(0.1) == "0.1\n"
    assert text(np.zeros((0,))) == "\n"


def test_out_npz_holds_every_value_and_gradient(tmp_path):
    f, dW, dx = _oracle()
    path = tmp_path / "grads.npz"
    r = run("eval", PROGRAM, *AT, "-o", str(path))
    assert r.exit_code == 0 and r.stdout == "", r.stderr
    with np.load(path) as data:
        assert float(data["f"]) == f
        np.testing.assert_array_equal(data["df/dW"], dW)
        np.testing.assert_array_equal(data["df/dx"], dx)
        np.testing.assert_array_equal(data["W"], [[1, 2], [3, 4]])


def test_out_npy_holds_the_one_get(tmp_path):
    path = tmp_path / "dW.npy"
    assert run("eval", PROGRAM, *AT, "--get", "df/dW", "-o", str(path)).exit_code == 0
    np.testing.assert_array_equal(np.load(path), _oracle()[1])
    r = run("eval", PROGRAM, *AT, "-o", str(path))
    assert r.exit_code == 2 and "one array" in r.stderr and "--get" in r.stderr


def test_out_npz_of_a_scalar_program(tmp_path):
    path = tmp_path / "g.npz"
    assert run("eval", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "-o", str(path)).exit_code == 0
    with np.load(path) as data:
        assert {k: float(data[k]) for k in ("f", "df/dx", "df/dy", "df/dz")} == {"f": -12, "df/dx": -4,
                                                                                 "df/dy": -4, "df/dz": 3}


OUT_CASES = [
    ("check", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--format", "json"),
    ("optimize", "(x-3)^2", "--at", "x=0", "--steps", "3", "--format", "json"),
    ("gates", "--format", "json"),
    ("quiz", "x*y", "--at", "x=2,y=3", "--format", "json", "--answers", "/dev/null"),
]


@pytest.mark.parametrize("args", OUT_CASES, ids=[a[0] for a in OUT_CASES])
def test_out_writes_what_standard_output_would_show(args, tmp_path):
    path = tmp_path / "out.json"
    plain = run(*args)
    written = run(*args, "-o", str(path))
    assert written.exit_code == plain.exit_code == 0, written.stderr
    assert written.stdout == ""
    assert json.loads(path.read_text()) == json.loads(plain.stdout)


def test_a_failed_check_still_writes_its_report(tmp_path):
    path = tmp_path / "report.txt"
    r = run("check", "(x+y)*z", "--at", "x=-2,y=5,z=-4", "--expect", "dx=1", "-o", str(path))
    assert r.exit_code == 1 and "wrong" in r.stderr
    assert "WRONG" in path.read_text()


def test_out_into_a_missing_folder_is_one_message(tmp_path):
    r = run("gates", "-o", str(tmp_path / "no" / "such" / "file.txt"))
    assert r.exit_code == 2 and r.stderr.startswith("Error: cannot write") and "Traceback" not in r.stderr


from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

FINITE = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4), elements=FINITE))
def test_get_text_reads_back_exactly(array):
    from backprop_cli.views.get import text

    printed = text(array)
    back = np.array([[float(v) for v in line.split()] for line in printed.splitlines()])
    assert back.size == array.size
    np.testing.assert_array_equal(back.reshape(array.shape), array)  # full precision, row by row
    assert printed.count("\n") == (1 if array.ndim == 0 else array.size // array.shape[-1])  # a row a line


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_get_of_a_matrix_gradient_is_numpys(rows, cols, seed):
    """df/dW of sum(square(W @ x)) through --get, against the formula 2 (W x) xᵀ in numpy."""
    rng = np.random.default_rng(seed)
    W, x = rng.standard_normal((rows, cols)), rng.standard_normal(cols)
    at = f"W={json.dumps(W.tolist())},x={json.dumps(x.tolist())}"
    r = run("eval", PROGRAM, "--at", at, "--get", "df/dW")
    assert r.exit_code == 0, r.stderr
    got = np.array([[float(v) for v in line.split()] for line in r.stdout.splitlines()])
    np.testing.assert_allclose(got, 2 * np.outer(W @ x, x), rtol=1e-12, atol=1e-12)


def test_the_api_loads_once_from_a_mapping_or_from_at_items(tmp_path):
    from backprop_cli import api

    values = tmp_path / "v.json"
    values.write_text('{"x": -2, "y": 5}')
    a = api.load("(x+y)*z", at={"x": -2, "y": 5, "z": "-4"}).run()
    b = api.load("(x+y)*z", at=["z=-4"], values=str(values)).run()
    assert a.value == b.value == -12 and a.gradients == b.gradients == {"x": -4.0, "y": -4.0, "z": 3.0}
    program = api.load("(x+y)*z", at=["x=1,y=2,z=3,w=4"])
    assert program.notes and "w" in program.notes[0] and program.point == {"x": 1, "y": 2, "z": 3, "w": 4}
