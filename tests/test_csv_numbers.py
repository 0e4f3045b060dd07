"""orjson reads and writes plain CSV blocks for the default install (tasks/batch/csv_numbers.py): the
numbers it reads are the doubles Python's float reads, the text it writes is ``csv_number``'s, and
every block it does not take goes to the reader or writer that took it before, with the same result."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import example, given, settings, strategies as st

from backprop_cli.tasks.batch import csv_numbers
from backprop_cli.tasks.batch.csv_numbers import read_numbers, write_numbers
from conftest import ROOT, run
from test_batch_formats import csv_number_by_hand

pytest.importorskip("orjson")

NEURON = "1/(1+exp(-(w0*x0+w1*x1+w2)))"


def by_hand(block: np.ndarray) -> bytes:
    return "".join(",".join(csv_number_by_hand(v) for v in row) + "\n" for row in block.tolist()).encode()


def test_orjson_writes_the_csv_layout_at_every_magnitude():
    rng = np.random.default_rng(3)
    bits = rng.integers(0, 2**64, size=300_000, dtype=np.uint64, endpoint=False).view(np.float64)
    values = np.concatenate([bits[np.isfinite(bits)][:240_000],
                             rng.uniform(-1, 1, 60_000) * 10.0 ** rng.integers(-12, 20, 60_000),
                             [0.0, -0.0, 1e-5, -1e-5, 1e-4, np.nextafter(1e-4, 0), 1e16, np.nextafter(1e16, 0),
                              5e-324, 1.7976931348623157e308, 2.0 ** 53, 0.1, 1 / 3]])
    values = values[:len(values) // 6 * 6]
    for k in (1, 2, 6):
        block = values.reshape(-1, k)
        assert bytes(write_numbers(block)) == by_hand(block), k


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4).flatmap(lambda k: st.lists(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=k, max_size=k), min_size=1, max_size=20)))
def test_written_rows_are_csv_numbers_or_left_to_the_writer(rows):
    block = np.array(rows, dtype=np.float64)
    text = write_numbers(block)
    if not np.isfinite(block).all():
        assert text is None  # JSON has no nan or inf: Python's % writes them
    else:
        assert bytes(text) == by_hand(block)


CELL = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda v: f"{v:.25e}"),
    st.integers(-10**30, 10**30).map(str),
    st.text(alphabet="0123456789+-.eE \t", max_size=8),
    st.sampled_from(["-0", "-0.0", " -0 ", "0", "1e-0", "1.", ".5", "01", "+1", "1e400", "-1e400", "1e-400",
                     "18446744073709551615", "1" * 400, "true", "null", "[1", "2]", "nan", "inf"]),
)


def python_floats(cells):
    try:
        return [float(c) for c in cells]
    except ValueError:
        return None


@settings(max_examples=500, deadline=None)
@given(st.integers(1, 3).flatmap(lambda k: st.lists(st.lists(CELL, min_size=k, max_size=k), min_size=1, max_size=6)),
       st.booleans(), st.booleans(), st.sampled_from([1 << 20, 12, 1]))
@example([["-0", "1"]], False, False, 1 << 20)
@example([["1e400", "1"]], False, False, 1 << 20)
@example([["true", "1"]], False, False, 1 << 20)
@example([["[1", "2]"]], False, False, 1 << 20)
@example([["1", "2"], ["3", "4"], ["5", "6"]], True, True, 4)
def test_a_block_read_is_what_pythons_float_reads(rows, crlf, last_line_break, piece_bytes):
    k = len(rows[0])
    text = ("\r\n" if crlf else "\n").join(",".join(row) for row in rows) + ("\n" if last_line_break else "")
    default, csv_numbers.PIECE_BYTES = csv_numbers.PIECE_BYTES, piece_bytes  # read in pieces of so many bytes
    try:
        got = read_numbers(text.encode(), len(rows), k)
    finally:
        csv_numbers.PIECE_BYTES = default
    if got is None:
        return  # the caller's reader takes it (tests/test_batch_engines.py: every engine agrees)
    expected = np.array([python_floats(row) for row in rows], dtype=np.float64)
    assert got.shape == (len(rows), k)
    assert np.array_equal(got, expected) and np.array_equal(np.signbit(got), np.signbit(expected))


def test_a_plain_block_is_read_by_orjson_and_anything_else_is_given_back(monkeypatch):
    rows = ["1,2.5", "-3e-7, 4 ", "0.1,-0.0", "12345678901234567890,1E5"]
    got = read_numbers(("\r\n".join(rows) + "\r\n").encode(), 4, 2)
    assert got.tolist() == [[1.0, 2.5], [-3e-7, 4.0], [0.1, -0.0], [12345678901234567890.0, 1e5]]
    assert np.signbit(got[2, 1])
    calls = []
    real = csv_numbers._orjson().loads
    monkeypatch.setattr(csv_numbers._orjson(), "loads", lambda text: calls.append(len(text)) or real(text))
    big = "".join(f"{k},{k / 7}\n" for k in range(200_000)).encode()  # 4.5 MB: read a piece at a time
    got = read_numbers(big, 200_000, 2)
    assert got[:, 0].tolist() == list(range(200_000)) and got[-1, 1] == 199_999 / 7
    assert len(calls) == 5 and max(calls) <= csv_numbers.PIECE_BYTES + 2
    for block in [b"1,2\n\n3,4\n",      # a blank line
                  b"1,2\n3\n",           # a short row
                  b"1,2\n3,4,5\n",       # a long row (the count is right: 5 numbers in 2 rows)
                  b"1,-0\n3,4\n",        # JSON's -0 is the integer 0: Python's float keeps the sign
                  b"1,nan\n3,4\n", b"1,\"2\"\n3,4\n", b"1,+2\n3,4\n", b"1,2.\n3,4\n", b"1,1e400\n3,4\n",
                  "1,\u0661\n3,4\n".encode()]:
        lines = block.count(b"\n")
        assert read_numbers(block, lines, 2) is None, block


@pytest.mark.parametrize("layout_ok", [True, False])
def test_without_orjson_or_with_another_layout_the_bytes_are_the_same(tmp_path, monkeypatch, layout_ok):
    """The run with orjson, and with orjson missing (or writing another layout): numpy's loadtxt and
    Python's % then read and write, and the output is the same bytes."""
    rng = np.random.default_rng(8)
    data = rng.normal(size=(3000, 5)) * 10.0 ** rng.integers(-9, 2, size=(3000, 5))  # gradients below 1e-4 too
    src = tmp_path / "p.csv"
    src.write_text("w0,x0,w1,x1,w2\n" + "".join(",".join(map(repr, row)) + "\n" for row in data.tolist()))
    calls = []
    real_loads = csv_numbers._orjson().loads
    monkeypatch.setattr(csv_numbers._orjson(), "loads", lambda *a: calls.append(1) or real_loads(*a))
    fast = run("batch", NEURON, "-i", src, "--csv-engine", "numpy", "--chunk-size", "1000")
    assert fast.exit_code == 0 and len(calls) == 3, fast.stderr  # every block was read by orjson
    if layout_ok:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        blocked = subprocess.run(
            [sys.executable, "-c", "import sys; sys.modules['orjson'] = None\n"
             "from backprop_cli.cli.entry import main\nsys.exit(main())\n",
             "batch", NEURON, "-i", str(src), "--csv-engine", "numpy", "--chunk-size", "1000"],
            capture_output=True, text=True, env=env, timeout=120)
        assert blocked.returncode == 0 and blocked.stderr == "" and blocked.stdout == fast.stdout
    else:
        monkeypatch.setattr(csv_numbers, "_ORJSON", [None])
        calls.clear()
        slow = run("batch", NEURON, "-i", src, "--csv-engine", "numpy", "--chunk-size", "1000")
        assert calls == [] and slow.exit_code == 0 and slow.stdout == fast.stdout


def test_an_old_orjson_layout_is_caught_by_the_probe(monkeypatch):
    orjson = csv_numbers._orjson()
    real_dumps = orjson.dumps

    class OldLayout:  # orjson before 3.12: 1e16, not 1e+16
        JSONDecodeError = orjson.JSONDecodeError
        OPT_SERIALIZE_NUMPY = orjson.OPT_SERIALIZE_NUMPY
        loads = orjson.loads

        @staticmethod
        def dumps(*args, **kwargs):
            return real_dumps(*args, **kwargs).replace(b"e+", b"e")

    monkeypatch.setattr(csv_numbers, "_ORJSON", [])
    monkeypatch.setitem(sys.modules, "orjson", OldLayout)
    assert csv_numbers._orjson() is None
    assert write_numbers(np.array([[1.0, 2.0]])) is None and read_numbers(b"1,2\n", 1, 2) is None
