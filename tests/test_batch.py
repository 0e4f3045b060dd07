"""backprop batch: rows in, value and gradients out, checked against the scalar engine row by row."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest

from backprop_cli.tasks.batch import chunks as batch

from backprop_cli import evaluate
from backprop_cli.api import build
from conftest import SAMPLES, run

NEURON = "1/(1+exp(-(w0*x0+w1*x1+w2)))"
NEURON_INPUTS = ["w0", "x0", "w1", "x1", "w2"]


def write_csv(path, names, rows):
    path.write_text(",".join(names) + "\n" + "".join(",".join(repr(float(v)) for v in r) + "\n"
                                                     for r in rows))
    return path


def read_csv(text):
    lines = text.splitlines()
    header = lines[0].split(",")
    return header, [[float(v) for v in line.split(",")] for line in lines[1:]]


def random_rows(n, k, seed=0):
    return np.random.default_rng(seed).normal(scale=2.0, size=(n, k)).tolist()


def test_each_row_matches_the_scalar_engine(tmp_path):
    rows = random_rows(50, 5)
    src = write_csv(tmp_path / "points.csv", NEURON_INPUTS, rows)
    result = run("batch", NEURON, "-i", src)
    assert result.exit_code == 0, result.stderr
    header, out = read_csv(result.stdout)
    assert header == NEURON_INPUTS + ["f"] + [f"df/d{n}" for n in NEURON_INPUTS]
    assert len(out) == len(rows)
    for row, got in zip(rows, out):
        r = evaluate(NEURON, at=dict(zip(NEURON_INPUTS, row)))
        assert got[:5] == row  # the inputs, repeated exactly
        assert got[5] == pytest.approx(r.value, rel=1e-14)
        assert got[6:] == pytest.approx(list(r.gradients.values()), rel=1e-12, abs=1e-300)


def test_the_lecture_neuron_in_a_batch(tmp_path):
    src = write_csv(tmp_path / "p.csv", NEURON_INPUTS, [[2, -1, -3, -2, -3]])
    header, out = read_csv(run("batch", NEURON, "-i", src).stdout)
    values = dict(zip(header, out[0]))
    assert round(values["f"], 2) == 0.73
    assert [round(values[f"df/d{n}"], 2) for n in NEURON_INPUTS] == [-0.20, 0.39, -0.39, -0.59, 0.20]


def test_exact_ops_are_exact_and_full_precision(tmp_path):
    # (x+y)*z has no elementary function: the batch must give the scalar engine's doubles exactly.
    rows = random_rows(30, 3, seed=1) + [[0.1, 0.2, 0.3]]
    src = write_csv(tmp_path / "p.csv", ["x", "y", "z"], rows)
    _, out = read_csv(run("batch", "(x+y)*z/3", "-i", src).stdout)
    for row, got in zip(rows, out):
        r = evaluate("(x+y)*z/3", at=dict(zip("xyz", row)))
        assert got == row + [r.value, *r.gradients.values()]
    assert run("batch", "x", "-i", src).stdout.splitlines()[-1] == "0.2,0.3,0.1,0.1,1.0"  # y, z pass through


def test_a_file_bigger_than_the_chunk_gives_the_same_rows(tmp_path):
    rows = random_rows(1000, 5, seed=2)
    src = write_csv(tmp_path / "p.csv", NEURON_INPUTS, rows)
    whole = run("batch", NEURON, "-i", src)
    for size in (1, 7, 333):
        chunked = run("batch", NEURON, "-i", src, "--chunk-size", size)
        assert chunked.exit_code == 0, chunked.stderr
        assert chunked.stdout == whole.stdout
    assert len(whole.stdout.splitlines()) == 1001


@pytest.mark.slow
def test_memory_stays_bounded_as_the_file_grows(tmp_path):
    """Peak memory of a run over a 0.5 MB file and over an 80 MB one: the file is never held whole
    (a passed-through column: a block at a time; tests/test_batch_stream.py has the streamed case)."""
    from conftest import batch_peak_rss

    block = "".join(f"{k * 0.001!r},{k * 0.5!r},{k}\n" for k in range(20_000)).encode()
    args = ("x*y + sin(x)", "--chunk-size", "20000")
    small_peak = batch_peak_rss(tmp_path, b"x,y,id\n", block, 1, *args)
    big_peak = batch_peak_rss(tmp_path, b"x,y,id\n", block, 200, *args)
    assert 200 * len(block) > 80e6 > 100 * len(block)
    # The big file is 80 MB; the run is allowed 40 MB more than over the 0.5 MB one.
    assert big_peak - small_peak < 40e6, (small_peak, big_peak)


def test_a_bad_row_is_named_by_its_line(tmp_path):
    src = tmp_path / "p.csv"
    src.write_text("x,y\n1,2\n\n3,oops\n5,6\n")  # line 4: the header is line 1, blank line 3
    result = run("batch", "x*y", "-i", src)
    assert result.exit_code == 1
    assert "line 4" in result.stderr and "'oops'" in result.stderr and "not a number" in result.stderr
    assert result.stderr.count("Error:") == 1
    assert "Traceback" not in result.stderr
    assert result.stdout.splitlines() == ["x,y,f,df/dx,df/dy", "1.0,2.0,2.0,2.0,1.0"]


def test_rows_before_an_undefined_one_are_written_whatever_the_chunk():
    text = "x\n" + "".join(f"{k}\n" for k in range(10, 0, -1)) + "0\n5\n"
    for size in (1, 3, 100):
        result = run("batch", "log(x)", "-i", "-", "--chunk-size", size, input=text)
        assert result.exit_code == 1 and "line 12" in result.stderr
        assert len(result.stdout.splitlines()) == 11


@pytest.mark.parametrize("row, why", [
    ("1,2,3", "has 3 fields, the header has 2"),
    ("1", "has 1 field, the header has 2"),
    ("1,", "not a number"),
    ("1,1_000", "not a number"),
    ("1,inf", "y is inf: inputs must be finite"),
    ("nan,1", "x is nan: inputs must be finite"),
])
def test_kinds_of_bad_rows(tmp_path, row, why):
    src = tmp_path / "p.csv"
    src.write_text(f"x,y\n1,2\n{row}\n")
    result = run("batch", "x*y", "-i", src)
    assert result.exit_code == 1
    assert "line 3" in result.stderr and why in result.stderr
    assert result.stdout.splitlines() == ["x,y,f,df/dx,df/dy", "1.0,2.0,2.0,2.0,1.0"]


def test_skip_bad_leaves_rows_out_and_counts_them(tmp_path):
    src = tmp_path / "p.csv"
    src.write_text("x,y\n1,2\nfoo,1\n3,4\n1,2,3\n5,6\n7,inf\n")
    result = run("batch", "x*y", "-i", src, "--skip-bad", "--chunk-size", 2)
    assert result.exit_code == 0
    _, out = read_csv(result.stdout)
    assert [r[:2] for r in out] == [[1, 2], [3, 4], [5, 6]]
    assert "Skipped 3 bad rows of 6" in result.stderr and "first: line 3" in result.stderr


def test_undefined_values_follow_evals_rules(tmp_path):
    src = tmp_path / "p.csv"
    src.write_text("x\n1\n0\n-1\n2\n")
    stopped = run("batch", "log(x)", "-i", src)
    assert stopped.exit_code == 1
    assert "line 3" in stopped.stderr and "log of a non-positive number" in stopped.stderr
    assert "--allow-nonfinite" in stopped.stderr

    ieee = run("batch", "log(x)", "-i", src, "--allow-nonfinite")
    assert ieee.exit_code == 0
    lines = ieee.stdout.splitlines()
    assert lines[2] == "0.0,-inf,inf" and lines[3] == "-1.0,nan,-1.0"  # as eval --allow-nonfinite
    r = evaluate("log(x)", at={"x": -1}, allow_nonfinite=True)
    assert math.isnan(r.value) and r.gradients["x"] == -1.0

    skipped = run("batch", "log(x)", "-i", src, "--skip-bad")
    assert skipped.exit_code == 0
    assert [r[0] for r in read_csv(skipped.stdout)[1]] == [1.0, 2.0]
    assert "Skipped 2 bad rows of 4" in skipped.stderr and "line 3" in skipped.stderr


def test_nonfinite_gradient_is_written_and_warned(tmp_path):
    src = tmp_path / "p.csv"
    src.write_text("x\n0\n4\n")
    result = run("batch", "sqrt(x)", "-i", src)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1:] == ["0.0,0.0,inf", "4.0,2.0,0.25"]
    assert "1 row with an infinite or nan gradient (first: line 2)" in result.stderr


def test_at_fixes_inputs_the_file_lacks(tmp_path):
    src = write_csv(tmp_path / "p.csv", ["x", "y"], [[-2, 5], [1, 1]])
    result = run("batch", "(x+y)*z", "-i", src, "--at", "z=-4")
    assert result.exit_code == 0, result.stderr
    header, out = read_csv(result.stdout)
    assert header == ["x", "y", "z", "f", "df/dx", "df/dy", "df/dz"]
    assert out[0] == [-2, 5, -4, -12, -4, -4, 3]  # the lecture's simple example


def test_at_overrides_a_column_with_a_warning(tmp_path):
    src = write_csv(tmp_path / "p.csv", ["x", "y"], [[1, 2]])
    result = run("batch", "x*y", "-i", src, "--at", "y=10")
    assert result.stdout.splitlines()[1] == "1.0,10.0,10.0,10.0,1.0"
    assert "--at y overrides the column y" in result.stderr


def test_program_defaults_fill_missing_columns():
    # samples/neuron.bp declares every input with a default; the file gives only x0 and x1.
    result = run("batch", "-f", SAMPLES / "neuron.bp", "-i", "-", input="x0,x1\n-1,-2\n")
    assert result.exit_code == 0, result.stderr
    header, out = read_csv(result.stdout)
    values = dict(zip(header, out[0]))
    assert round(values["f"], 2) == 0.73 and values["w0"] == 2.0


def test_missing_columns_exit_2_naming_them(tmp_path):
    src = write_csv(tmp_path / "p.csv", ["x"], [[1]])
    result = run("batch", "x*y + z", "-i", src)
    assert result.exit_code == 2
    assert "no column for inputs y, z" in result.stderr and "--at y=1,z=1" in result.stderr


def test_unused_columns_pass_through_so_rows_join_back(tmp_path):
    src = tmp_path / "p.csv"
    src.write_text('id,x,note\n7,1.5,"a, b"\n8,2,c\n')
    for size in (1, 1000):
        result = run("batch", "x^2", "-i", src, "--chunk-size", size)
        assert result.exit_code == 0, result.stderr
        assert result.stdout.splitlines() == ["id,note,x,f,df/dx", '7,"a, b",1.5,2.25,3.0', "8,c,2.0,4.0,4.0"]
        assert result.stderr == ""


def test_stdin_and_jsonl_in_and_out():
    text = '{"x": 1, "y": 2}\n\n{"x": 0.5, "y": -1, "label": "a"}\n'
    result = run("batch", "x*y", "-i", "-", input=text)
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows == [{"x": 1.0, "y": 2.0, "f": 2.0, "df/dx": 2.0, "df/dy": 1.0},
                    {"x": 0.5, "y": -1.0, "f": -0.5, "df/dx": -1.0, "df/dy": 0.5}]
    as_csv = run("batch", "x*y", "-i", "-", "--format", "csv", input=text)
    assert as_csv.stdout.splitlines()[0] == "x,y,f,df/dx,df/dy"


def test_jsonl_chosen_by_extension_and_strict_with_nonfinite(tmp_path):
    src = write_csv(tmp_path / "p.csv", ["x"], [[0.0], [1.0]])
    out = tmp_path / "out.ndjson"
    result = run("batch", "log(x)", "-i", src, "-o", out, "--allow-nonfinite")
    assert result.exit_code == 0 and result.stdout == ""
    rows = [json.loads(line, parse_constant=lambda c: pytest.fail(f"not strict JSON: {c}"))
            for line in out.read_text().splitlines()]
    assert rows[0] == {"x": 0.0, "f": "-inf", "df/dx": "inf"}
    assert rows[1] == {"x": 1.0, "f": 0.0, "df/dx": 1.0}


def test_bad_jsonl_rows(tmp_path):
    text = '{"x": 1}\n{"x": "two"}\n{"y": 3}\nnot json\n[1]\n{"x": true}\n{"x": "inf"}\n{"x": 4}\n'
    result = run("batch", "x*2", "-i", "-", input=text)
    assert result.exit_code == 1 and "line 2" in result.stderr and '"two"' in result.stderr
    skipped = run("batch", "x*2", "-i", "-", "--skip-bad", input=text)
    assert [json.loads(line)["x"] for line in skipped.stdout.splitlines()] == [1.0, 4.0]
    assert "Skipped 6 bad rows of 8" in skipped.stderr


def test_output_file_and_refusing_to_overwrite_the_input(tmp_path):
    src = write_csv(tmp_path / "p.csv", ["x"], [[3.0]])
    out = tmp_path / "o.csv"
    assert run("batch", "x^2", "-i", src, "-o", out).exit_code == 0
    assert out.read_text() == "x,f,df/dx\n3.0,9.0,6.0\n"
    same = run("batch", "x^2", "-i", src, "-o", src)
    assert same.exit_code == 2 and "input file" in same.stderr
    assert src.read_text() == "x\n3.0\n"


@pytest.mark.parametrize("text, message", [
    ("", "is empty"),
    ("\n\n", "is empty"),
    ("x,x\n1,2\n", "names column 'x' twice"),
    ("x,2y\n1,2\n", "'2y', not a name"),
    ("x,\n1,2\n", "column 2 of the header is empty"),
])
def test_bad_headers_exit_2(text, message):
    result = run("batch", "x", "-i", "-", input=text)
    assert result.exit_code == 2
    assert message in result.stderr


def test_header_only_gives_header_only():
    result = run("batch", "x*y", "-i", "-", input="x,y\n")
    assert result.exit_code == 0 and result.stdout == "x,y,f,df/dx,df/dy\n"


def test_program_and_points_cannot_both_be_stdin():
    result = run("batch", "-", "-i", "-", input="x\n1\n")
    assert result.exit_code == 2 and "standard input" in result.stderr


def test_columns_shadow_the_constants_like_at_does(tmp_path):
    src = write_csv(tmp_path / "p.csv", ["e"], [[2.0]])
    header, out = read_csv(run("batch", "e*e", "-i", src).stdout)
    assert header == ["e", "f", "df/de"] and out == [[2.0, 4.0, 4.0]]


def test_output_name_is_the_programs():
    result = run("batch", "loss = (x - 3)^2", "-i", "-", input="x\n1\n")
    assert result.stdout.splitlines() == ["x,loss,dloss/dx", "1.0,4.0,-4.0"]


def test_numpy_is_imported_only_by_the_commands_that_need_it():
    import os
    import subprocess
    import sys

    from conftest import ROOT

    def imported(*args):
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "backprop_cli.cli", *args],
                              capture_output=True, text=True, env=env, input="x\n1\n")
        assert proc.returncode == 0, proc.stderr[-2000:]
        return {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}

    for command in (["eval", "x^2", "--at", "x=1"],
                    ["optimize", "x^2", "--at", "x=1", "--steps", "2", "--format", "json"]):
        modules = imported(*command)
        assert not {"numpy", "pyarrow", "dask", "distributed"} & modules, command
    in_batch = imported("batch", "x^2", "-i", "-")  # a few bytes on standard input: numpy's engine
    assert "numpy" in in_batch and not {"polars", "pyarrow"} & in_batch
    assert not {"dask", "distributed"} & in_batch  # only --engine dask imports them


def test_a_run_that_loaded_pyarrow_leaves_without_the_interpreters_teardown(monkeypatch):
    """pyarrow's thread pool could abort the teardown (SIGABRT, 3 runs in 80 of `batch` on a loaded
    machine, after the output was written): such a run flushes and leaves with its exit code."""
    import os
    import sys

    from backprop_cli.cli import entry

    left = []
    monkeypatch.setattr(os, "_exit", lambda code: left.append(code))
    monkeypatch.delitem(sys.modules, "pyarrow", raising=False)
    monkeypatch.delitem(sys.modules, "polars", raising=False)
    entry.leave_if_threads(0)
    assert left == []  # eval, trace, ...: the usual exit
    monkeypatch.setitem(sys.modules, "pyarrow", object())
    entry.leave_if_threads(3)
    assert left == [3]


def test_batch_as_a_process_writes_everything_and_exits_0(tmp_path):
    import subprocess
    import sys

    data = tmp_path / "d.csv"
    data.write_text("x\n" + "\n".join(str(k) for k in range(5000)) + "\n")
    for _ in range(3):
        proc = subprocess.run([sys.executable, "-m", "backprop_cli", "batch", "x^2", "-i", str(data)],
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.splitlines()
        assert len(lines) == 5001 and lines[-1] == "4999.0,24990001.0,9998.0"


def test_a_pipe_named_as_the_input_is_read_once(tmp_path):
    """`-i <(command)`: a path without a suffix names a pipe; its format is sniffed from bytes peeked
    at, not read and lost (it said '/dev/fd/63 is empty')."""
    import os
    import threading

    fifo = tmp_path / "points"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "w") as fh:
            fh.write("x\n1\n2\n")

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        result = run("batch", "x*2", "-i", fifo)
    finally:
        writer.join(timeout=10)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == ["x,f,df/dx", "1.0,2.0,2.0", "2.0,4.0,2.0"]


def test_standard_input_takes_the_data_extras_engine_only_when_it_is_big():
    """A stream has no size: the first 4 MB are read ahead, and a stream that ends within them is read
    as a small file is (numpy, no 0.13 s import); a longer one by polars."""
    import io

    from backprop_cli.tasks.batch.read import ARROW_FROM_BYTES, open_reader

    small = open_reader("-", stream=io.BytesIO(b"x\n1\n2\n"), origin="<stdin>")
    assert not small.use_polars and small.use_arrow is False
    body = b"x\n" + b"0.125\n" * (ARROW_FROM_BYTES // 6 + 10)
    big = open_reader("-", stream=io.BytesIO(body), origin="<stdin>")
    assert big.use_polars
    got = np.concatenate([c.columns["x"] for c in big.chunks(["x"], [], 65536)])
    assert len(got) == ARROW_FROM_BYTES // 6 + 10 and (got == 0.125).all()
