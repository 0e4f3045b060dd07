"""batch's CSV engines (polars, pyarrow, numpy) give the same run: the same bytes out, the same bad
rows with the same messages and lines.  polars' parser is trusted only where it reads exactly what
Python's float reads (the line-by-line reader's rule); everything else falls to that reader."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

from backprop_cli.tasks.batch.read import open_reader
from conftest import run

pytest.importorskip("polars")
pytest.importorskip("pyarrow")

NEURON = "1/(1+exp(-(w0*x0+w1*x1+w2)))"
ENGINES = ("polars", "pyarrow", "numpy")


def engines_agree(*args, input=None):
    """The run with each engine: one exit code, output and message."""
    results = [run(*args, "--csv-engine", engine, input=input) for engine in ENGINES]
    first = results[0]
    for engine, result in zip(ENGINES, results):
        assert "Traceback" not in result.stderr, (engine, result.stderr)
        assert (result.exit_code, result.stdout, result.stderr) == (first.exit_code, first.stdout, first.stderr), engine
    return first


def test_numbers_of_every_magnitude_in_big_and_small_blocks(tmp_path):
    rng = np.random.default_rng(11)
    data = rng.normal(size=(3000, 5)) * 10.0 ** rng.integers(-12, 17, size=(3000, 5))
    data[::7, 0] = np.round(data[::7, 0])
    data[::13, 2] = 1e-5
    src = tmp_path / "p.csv"
    src.write_text("w0,x0,w1,x1,w2\n" + "".join(",".join(map(repr, row)) + "\n" for row in data.tolist()))
    for chunk in ("7", "700", "65536"):
        result = engines_agree("batch", NEURON, "-i", src, "--allow-nonfinite", "--chunk-size", chunk)
        assert result.exit_code == 0 and len(result.stdout.splitlines()) == 3001


@pytest.mark.parametrize("body", [
    "x,y,note\r\n1,2,first\r\n\r\n2,0.5,\"a, b\"\r\n3, 4 ,x\r\n4,1,last",  # CRLF, blank line, quotes, spaces
    "x,y,note\n1,2,a\n3,4\n5,6,c\n",           # a short row (the missing field is not used)
    "x,y,note\n1,2,\n3,4,\n",                  # empty unused cells: good rows
    "x,y,note\n1,2,a\n3,4,b,extra\n",          # a long row
    "x,y,note\n1,,a\n3,4,b\n",                 # an empty used cell
    "x,y,note\n1,2,a\n \n3,4,b\n",             # a line of spaces
    "x,y,note\n1,2,a\n3,4,b",                  # no line break at the end
    "note,y,x\nq,1,2\nr,3,4\n",                # used columns in another order than the file's
    "x,y,note\n1e400,2,a\n-1e-400,4,b\n",      # overflow and underflow
    "x,y,note\nnan,2,a\n+inf,4,b\n",           # non-finite numbers
    "x,y,note\n1_000,2,a\n0x10,4,b\n١,1,c\n",  # what Python's float refuses here
])
@pytest.mark.parametrize("extra", [[], ["--skip-bad"], ["--allow-nonfinite", "--skip-bad"]])
def test_awkward_files(tmp_path, body, extra):
    src = tmp_path / "p.csv"
    src.write_bytes(body.encode())
    engines_agree("batch", "x*y + sin(x)", "-i", src, *extra)


def test_non_utf8_bytes_in_an_unused_column(tmp_path):
    src = tmp_path / "p.csv"
    src.write_bytes(b"x,note\n1,a\n2,\xff\xfe\n")
    result = engines_agree("batch", "x^2", "-i", src)
    assert result.exit_code != 0 and "line 3 is not UTF-8 text" in result.stderr


def test_standard_input_and_json_lines_out(tmp_path):
    body = "x,y\n" + "".join(f"{k / 7},{k * 1e-6}\n" for k in range(2000))
    for fmt in ("csv", "jsonl"):
        engines_agree("batch", "x*y", "-i", "-", "--format", fmt, input=body)


CELL = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet="0123456789+-.eE_ xainfINFtyd\t١", max_size=8),
    st.sampled_from(["inf", "-Infinity", "nan", "NaN", "+nan", "1.", ".5", ".", "1e", "e5", "0x1", "1_0",
                     "1 ", " 1", "", "1e-400", "1e400", "00012", "--1"]),
)


def read_all(path, engine):
    reader = open_reader(str(path), csv_engine=engine)
    try:
        got = []
        for chunk in reader.chunks(["a", "b"], [], 3):
            got.append(({k: v.tolist() for k, v in chunk.columns.items()}, chunk.lines.tolist(), chunk.bad))
        return got
    finally:
        reader.close()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(CELL, CELL), min_size=1, max_size=9))
@example([("1 ", "2")])
@example([("", "2"), ("nan", "-inf")])
def test_polars_reads_each_cell_as_the_line_by_line_reader_does(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("cells") / "p.csv"
    path.write_text("a,b\n" + "".join(f"{a},{b}\n" for a, b in rows))
    expected, got = read_all(path, "numpy"), read_all(path, "polars")
    assert repr(got) == repr(expected)  # repr: nan equals nan


def test_the_polars_engine_reads_its_blocks_with_polars(tmp_path, monkeypatch):
    """The fast path is taken (not the line-by-line reader every time), and a refused block falls back."""
    import polars as pl

    calls = []
    real = pl.read_csv
    monkeypatch.setattr(pl, "read_csv", lambda *a, **k: calls.append(1) or real(*a, **k))
    src = tmp_path / "p.csv"
    src.write_text("a,b\n" + "".join(f"{k},{k / 3}\n" for k in range(10)) + "oops,1\n")
    got = read_all(src, "polars")
    assert len(calls) == 4  # blocks of 3 lines
    assert got[-1][2] == [(12, "a (column 1) is 'oops', not a number")]


def test_a_polars_with_another_number_layout_leaves_the_writing_to_numpy(tmp_path, monkeypatch):
    from backprop_cli.tasks.batch import write

    src = tmp_path / "p.csv"
    src.write_text("x,y\n" + "".join(f"{k * 1e-6!r},{k * 1e15!r}\n" for k in range(3000)))
    native = run("batch", "x*y", "-i", src, "--csv-engine", "polars")
    monkeypatch.setattr(write, "_POLARS_LAYOUT", [False])
    calls = []
    monkeypatch.setattr(write.CsvWriter, "_polars_block", lambda *a: calls.append(1))
    fallback = run("batch", "x*y", "-i", src, "--csv-engine", "polars")
    assert calls == [] and fallback.exit_code == 0 and fallback.stdout == native.stdout
