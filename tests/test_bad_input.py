"""Bad input that used to end in an internal error (exit 70) or a wrong number (issue 23, items 5 and
8): each is one message on stderr and exit 2, run as users run it (a subprocess where standard input
or warnings matter)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import run


def _refused(result, *words):
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert "Internal error" not in result.stderr and "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr, result.stderr
    return result.stderr


# ---- item 5: arrays that are not real numbers -------------------------------------------------------------


@pytest.mark.parametrize("array, word", [
    (np.array([1 + 2j, 3]), "complex"),
    (np.array(["2020-01-01"], dtype="datetime64[D]"), "dates"),
    (np.array([1], dtype="timedelta64[s]"), "time spans"),
    (np.array(["1.5", "2"]), "text"),
    (np.array([b"1"]), "bytes"),
])
def test_an_npy_of_other_than_real_numbers_is_refused(tmp_path, array, word):
    path = tmp_path / "a.npy"
    np.save(path, array)
    _refused(run("eval", "sum(W)", "--at", f"W=@{path}"), word, "not real numbers")


def test_a_complex_npy_is_refused_without_a_raw_warning(tmp_path):
    path = tmp_path / "c.npy"
    np.save(path, np.array([1 + 2j, 3]))
    proc = subprocess.run([sys.executable, "-m", "backprop_cli", "eval", "sum(W)", "--at", f"W=@{path}"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2 and "Warning" not in proc.stderr and "complex" in proc.stderr


def test_integers_and_booleans_are_still_read(tmp_path):
    path = tmp_path / "i.npy"
    np.save(path, np.array([1, 2, 3], dtype=np.int32))
    result = run("eval", "sum(W)", "--at", f"W=@{path}")
    assert result.exit_code == 0 and "f = 6" in result.stdout


# ---- item 8: internal errors ---------------------------------------------------------------------------------


def test_an_empty_npy(tmp_path):
    path = tmp_path / "empty.npy"
    path.write_bytes(b"")
    _refused(run("eval", "sum(W)", "--at", f"W=@{path}"), "empty")


def test_more_than_32_dimensions(tmp_path):
    path = tmp_path / "d33.npy"
    np.save(path, np.zeros((1,) * 33))
    _refused(run("eval", "sum(W)", "--at", f"W=@{path}"), "33 dimensions")
    _refused(run("eval", "sum(W)", "--at", "W=" + "[" * 33 + "1" + "]" * 33), "33 dimensions")


def test_a_400_digit_integer_in_json(tmp_path):
    big = "9" * 400
    path = tmp_path / "big.json"
    path.write_text(f"[{big}]")
    _refused(run("eval", "sum(W)", "--at", f"W=@{path}"), "too large for a double")
    values = tmp_path / "values.json"
    values.write_text(f'{{"x": {big}}}')
    _refused(run("eval", "x", "-i", values), "400 digits")
    values.write_text(f'{{"W": [{big}]}}')
    _refused(run("eval", "sum(W)", "-i", values), "too large for a double")


def test_json_nested_100000_deep(tmp_path):
    deep = "[" * 100_000 + "1" + "]" * 100_000
    path = tmp_path / "deep.json"
    path.write_text(deep)
    _refused(run("eval", "sum(W)", "--at", f"W=@{path}"), "nested too deep")
    values = tmp_path / "values.json"
    values.write_text(f'{{"W": {deep}}}')
    _refused(run("eval", "sum(W)", "-i", values), "nested too deep")


def test_json_lines_nested_100000_deep_in_batch(tmp_path):
    deep = "[" * 100_000 + "1" + "]" * 100_000
    path = tmp_path / "deep.jsonl"
    path.write_text('{"x": 1}\n{"x": ' + deep + "}\n")
    bad_row = run("batch", "x*x", "-i", path)  # a bad row: batch's exit 1, as for every bad row
    assert bad_row.exit_code == 1 and "line 2: has arrays nested too deep" in bad_row.stderr
    path.write_text('{"x": ' + deep + "}\n")
    _refused(run("batch", "x*x", "-i", path), "line 1", "nested too deep")


@pytest.mark.parametrize("recipe, word", [("zeros(1e19)", "elements"), ("randn(-1)", "negative"),
                                          ("zeros(3, -2)", "negative"), ("randn(" + ", ".join(["1"] * 33) + ")", "33 dimensions")])
def test_impossible_shapes(recipe, word):
    _refused(run("eval", f"input W = {recipe}\nsum(W)"), word)


@pytest.mark.parametrize("command", ["eval", "check", "optimize"])
def test_a_negative_seed(command):
    _refused(run(command, "input W = randn(3)\nsum(W*W)", "--seed", "-1"), "--seed")


@pytest.mark.parametrize("flag, value, word", [
    ("--grad", "dx = [1, 2]", "array"),
    ("--expect", "dx=[1,2]", "array"),
    ("--expect", "f=sum([1,2])", "array"),
])
def test_an_array_given_to_a_scalar_program_s_check(flag, value, word):
    _refused(run("check", "x*x", "--at", "x=1", flag, value), word)


def test_an_array_in_a_backward_pass_of_a_scalar_program(tmp_path):
    path = tmp_path / "backward.txt"
    path.write_text("dx = [1, 2]\n")
    _refused(run("check", "x*x", "--at", "x=1", "--backward", path), "array")


READERS_OF_STDIN = [
    ["eval", "-"], ["eval", "-f", "-"], ["trace", "-"], ["check", "-"], ["graph", "-"], ["codegen", "-"],
    ["diff", "-", "--wrt", "x"], ["eval", "x", "-i", "-"], ["batch", "x*x", "-i", "-"], ["optimize", "-"],
    ["plot", "-", "--over", "x=0:1"], ["check", "x*x", "--at", "x=1", "--backward", "-"],
    ["check", "x*x", "--at", "x=1", "--grad-file", "-"],
]


@pytest.mark.parametrize("args", READERS_OF_STDIN, ids=" ".join)
def test_a_closed_standard_input(args):
    proc = subprocess.run([sys.executable, "-m", "backprop_cli", *args], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, preexec_fn=lambda: os.close(0))
    assert proc.returncode == 2, proc.stderr
    assert "standard input" in proc.stderr and "Internal error" not in proc.stderr


def test_parquet_integers_beyond_2_53_and_a_column_named_twice(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    big = tmp_path / "big.parquet"
    pq.write_table(pa.table({"x": pa.array([2**60, 1], pa.int64())}), big)
    _refused(run("batch", "x*x", "-i", big), "2^53")
    twice = tmp_path / "twice.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array([1.0]), pa.array([2.0])], names=["x", "x"]), twice)
    _refused(run("batch", "x*x", "-i", twice), "more than one column is named x")
    fine = tmp_path / "fine.parquet"
    pq.write_table(pa.table({"x": pa.array([2**53, -3], pa.int64())}), fine)
    assert run("batch", "x", "-i", fine).exit_code == 0


def test_a_tls_scheduler(tmp_path):
    pytest.importorskip("distributed")
    path = tmp_path / "in.csv"
    path.write_text("x\n1\n")
    _refused(run("batch", "x*x", "-i", path, "--engine", "dask", "--scheduler", "tls://127.0.0.1:1"), "tls")


@pytest.mark.parametrize("name", ["np", "bp", "np_sum", "SimpleNamespace"])
def test_codegen_numpy_refuses_a_name_that_shadows_numpy(name):
    _refused(run("codegen", "input W = [1, 2]\nsum(W*W)", "--lang", "numpy", "--name", name), name)
    if name in ("np", "bp"):
        _refused(run("codegen", "x*x", "--lang", "numpy", "--name", name), name)


def test_no_raw_python_warning_reaches_stderr():
    """Every run starts with start_up(), which silences Python's warnings: numpy's RuntimeWarning or a
    library's UserWarning would be the only sign of something backprop should say in its words."""
    code = ("import warnings, numpy\n"
            "from backprop_cli.cli.output import start_up\n"
            "start_up()\n"
            "warnings.warn('raw', UserWarning)\n"
            "numpy.log(numpy.array([0.0]))\n"
            "numpy.array([1 + 2j]).astype(float)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONWARNINGS": "default"})
    assert proc.returncode == 0 and proc.stderr == ""
