"""batch at scale: Parquet and Arrow IPC, pass-through columns, bulk CSV formatting, rejects, and the
data-loss and hostile-input cases of issue 11 (atomic output, stdin as output, control characters)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings, strategies as st

from backprop_cli import evaluate
from backprop_cli.tasks.batch.cells import csv_number
from backprop_cli.tasks.batch.write import float_text
from conftest import ROOT, run

NEURON = "1/(1+exp(-(w0*x0+w1*x1+w2)))"
NAMES = ["w0", "x0", "w1", "x1", "w2"]


def points(n, seed=0):
    return np.random.default_rng(seed).normal(scale=2.0, size=(n, 5))


def write_csv(path, names, rows):
    path.write_text(",".join(names) + "\n" + "".join(",".join(repr(float(v)) for v in r) + "\n" for r in rows))
    return path


def read_csv(text):
    lines = text.splitlines()
    return lines[0].split(","), [[float(v) for v in line.split(",")] for line in lines[1:]]


def csv_number_by_hand(v: float) -> str:
    """The CSV layout, written out from repr's text independently of cells.csv_number: positional
    from 1e-5 up to 1e16, scientific elsewhere, the exponent of a number below 1e-5 without zeros."""
    r = repr(v)
    if "e-" not in r:
        return r
    digits, exponent = r.split("e-")
    sign = "-" if digits.startswith("-") else ""
    digits = digits.lstrip("-")
    if int(exponent) == 5:
        return sign + "0.0000" + digits.replace(".", "")
    return f"{sign}{digits}e-{int(exponent)}"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=1, max_size=50))
def test_bulk_float_text_is_csv_numbers_text(values):
    got = float_text(np.array(values, dtype=np.float64)).to_pylist()
    assert got == [csv_number(float(v)) for v in values] == [csv_number_by_hand(float(v)) for v in values]


def test_float_text_at_every_magnitude():
    rng = np.random.default_rng(5)
    values = rng.normal(size=20000) * 10.0 ** rng.integers(-320, 308, 20000)
    values[:8] = [0.0, -0.0, 1.0, -3.0, 1e15, 9007199254740993.0, 1e-5, 123456.789]
    tiny = rng.uniform(-1, 1, 20000) * 10.0 ** rng.integers(-9, -3, 20000)  # where the layouts differ
    values = np.concatenate([values, tiny, [1e-6, np.nextafter(1e-6, 0), 1e-4, np.nextafter(1e-4, 0)]])
    assert float_text(values).to_pylist() == [csv_number_by_hand(v) for v in values.tolist()]


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_a_csv_number_reads_back_as_the_same_double_with_reprs_digits(v):
    text = csv_number(v)
    assert text == csv_number_by_hand(v)
    back = float(text)
    assert back == v and np.signbit(back) == np.signbit(v) or (v != v and back != back)
    assert text.lstrip("-0.").split("e")[0].replace(".", "") == repr(v).lstrip("-0.").split("e")[0].replace(".", "")


def test_csv_number_is_polars_layout():
    """The layout is polars' own (so its writer needs no rewriting), at every magnitude, where the
    probe of a few numbers says so (polars 1.0 wrote 1e16 as 1e16: then numpy's path writes)."""
    pl = pytest.importorskip("polars")
    from backprop_cli.tasks.batch.write import polars_writes_csv_numbers

    if not polars_writes_csv_numbers():
        pytest.skip(f"polars {pl.__version__} has another layout; its engine writes with numpy's path")
    rng = np.random.default_rng(7)
    bits = rng.integers(0, 2**64, size=200_000, dtype=np.uint64, endpoint=False)
    values = bits.view(np.float64)
    values = np.concatenate([values[np.isfinite(values)], rng.uniform(-1, 1, 200_000) * 10.0 ** rng.integers(-12, 20, 200_000),
                             [0.0, -0.0, 1e-5, -1e-5, 1e-4, 1e16, 5e-324, np.inf, -np.inf]])
    written = pl.DataFrame({"a": values}).write_csv(None, include_header=False).splitlines()
    assert written == [csv_number(v) for v in values.tolist()]


def test_a_big_csv_block_is_byte_for_byte_the_small_path(tmp_path):
    # 3,000 rows go through pyarrow's bulk formatting; chunks of 7 through Python's %r.
    rows = points(3000, seed=3)
    rows[:10] = np.round(rows[:10])  # integers: 2.0, not 2
    src = write_csv(tmp_path / "p.csv", NAMES, rows)
    bulk = run("batch", NEURON, "-i", src)
    small = run("batch", NEURON, "-i", src, "--chunk-size", 7)
    assert bulk.exit_code == 0 and bulk.stdout == small.stdout
    header, out = read_csv(bulk.stdout)
    for row, got in zip(rows[:40], out[:40]):
        r = evaluate(NEURON, at=dict(zip(NAMES, row.tolist())))
        assert got[5] == pytest.approx(r.value, rel=1e-14)
        assert got[6:] == pytest.approx(list(r.gradients.values()), rel=1e-12, abs=1e-300)


def _table(n=100, seed=1, with_id=True):
    rows = points(n, seed)
    data = {}
    if with_id:
        data["id"] = pa.array(np.arange(n, dtype=np.int64))
    data.update({name: pa.array(rows[:, k]) for k, name in enumerate(NAMES)})
    return pa.table(data), rows


@pytest.mark.parametrize("suffix", [".parquet", ".feather"])
def test_columnar_in_and_out_give_the_csv_numbers(tmp_path, suffix):
    table, rows = _table(300)
    src = tmp_path / f"p{suffix}"
    if suffix == ".parquet":
        pq.write_table(table, src, row_group_size=70)
    else:
        import pyarrow.feather as feather

        feather.write_feather(table, src, chunksize=70)
    csv_src = tmp_path / "p.csv"
    csv_src.write_text("id," + ",".join(NAMES) + "\n" + "".join(
        f"{k}," + ",".join(repr(v) for v in row) + "\n" for k, row in enumerate(rows.tolist())))
    out = tmp_path / f"out{suffix}"
    result = run("batch", NEURON, "-i", src, "-o", out, "--chunk-size", 50)
    assert result.exit_code == 0, result.stderr
    got = pq.read_table(out) if suffix == ".parquet" else pa.ipc.open_file(pa.OSFile(str(out))).read_all()
    assert got.column_names == ["id", *NAMES, "f", *[f"df/d{n}" for n in NAMES]]
    assert got.column("id").to_pylist() == list(range(300))
    assert got.schema.field("id").type == pa.int64() and got.schema.field("f").type == pa.float64()
    as_csv = run("batch", NEURON, "-i", csv_src)
    header, expected = read_csv(as_csv.stdout)
    assert header == got.column_names
    assert [list(map(float, r)) for r in zip(*[got.column(c).to_pylist() for c in header])] == expected
    # The same file to CSV on standard output: the same text as from CSV.
    assert run("batch", NEURON, "-i", src, "--format", "csv").stdout == as_csv.stdout


def test_integer_columns_are_float64_and_nulls_are_bad_rows(tmp_path):
    table = pa.table({"x": pa.array([1, 2, None, 4, 5, 6], pa.int32()), "y": [0.5, None, 1.0, 2.0, 3.0, 4.0],
                      "tag": ["a", "b", "c", "d", "e", "f"]})
    src = tmp_path / "p.parquet"
    pq.write_table(table, src, row_group_size=4)
    stopped = run("batch", "x*y", "-i", src, "--format", "csv")
    assert stopped.exit_code == 1
    assert "row 2 (row group 1, row 2): y is null" in stopped.stderr
    skipped = run("batch", "x*y", "-i", src, "--format", "csv", "--skip-bad")
    assert skipped.exit_code == 0, skipped.stderr
    assert skipped.stdout.splitlines() == ["tag,x,y,f,df/dx,df/dy", "a,1.0,0.5,0.5,0.5,1.0",
                                          "d,4.0,2.0,8.0,2.0,4.0", "e,5.0,3.0,15.0,3.0,5.0",
                                          "f,6.0,4.0,24.0,4.0,6.0"]
    assert "Skipped 2 bad rows of 6" in skipped.stderr and "rows 2-3" in skipped.stderr
    text = run("batch", "x*tag", "-i", src)
    assert text.exit_code == 2 and "column tag holds string, not numbers" in text.stderr


def test_format_by_option_when_the_suffix_says_nothing(tmp_path):
    table, _ = _table(10)
    src = tmp_path / "data.bin"
    pq.write_table(table, src)
    out = tmp_path / "result.bin"
    result = run("batch", NEURON, "-i", src, "--in-format", "parquet", "-o", out, "--out-format", "feather")
    assert result.exit_code == 0, result.stderr
    assert pa.ipc.open_file(pa.OSFile(str(out))).read_all().num_rows == 10
    sniffed = run("batch", NEURON, "-i", src, "--format", "jsonl")  # PAR1 at the start
    assert sniffed.exit_code == 0 and json.loads(sniffed.stdout.splitlines()[0])["id"] == 0


def test_a_directory_and_a_glob_of_inputs(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    all_rows = []
    for k in range(3):
        table, rows = _table(20, seed=k, with_id=False)
        pq.write_table(table, folder / f"part{k}.parquet")
        all_rows.append(rows)
    (folder / "notes.md").write_text("not data")
    outdir = tmp_path / "out"
    result = run("batch", NEURON, "-i", folder, "-o", f"{outdir}/")
    assert result.exit_code == 0, result.stderr
    assert sorted(os.listdir(outdir)) == ["part0.parquet", "part1.parquet", "part2.parquet"]
    one = tmp_path / "all.csv"
    result = run("batch", NEURON, "-i", str(folder / "part*.parquet"), "-o", one)
    assert result.exit_code == 0, result.stderr
    _, out = read_csv(one.read_text())
    assert len(out) == 60
    assert [r[:5] for r in out] == np.concatenate(all_rows).tolist()
    per_file = pq.read_table(outdir / "part1.parquet")
    assert per_file.column("f").to_pylist() == [r[5] for r in out[20:40]]


def test_skip_bad_lists_every_line_on_stderr_or_in_rejects(tmp_path):
    src = tmp_path / "p.csv"
    src.write_text("id,x\n" + "".join(f"{k},{'bad' if k % 3 == 0 else k}\n" for k in range(1, 20)))
    result = run("batch", "x*2", "-i", src, "--skip-bad")
    assert result.exit_code == 0
    assert "Skipped 6 bad rows of 19" in result.stderr
    assert "lines 4, 7, 10, 13, 16, 19" in result.stderr
    rejects = tmp_path / "rejects.csv"
    result = run("batch", "x*2", "-i", src, "--skip-bad", "--rejects", rejects)
    assert result.exit_code == 0 and f"listed in {rejects}" in result.stderr
    lines = rejects.read_text().splitlines()
    assert lines[0] == "file,position,reason" and len(lines) == 7
    assert lines[1].startswith(f'{src},line 4,"x (column 2) is \'bad\'')
    assert run("batch", "x", "-i", src, "--rejects", rejects).exit_code == 2  # needs --skip-bad


# ---- issue 11 -----------------------------------------------------------------------------------


def _cli(*args, **kw):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "backprop_cli.cli", *map(str, args)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def test_a_failed_run_leaves_the_previous_output_whole(tmp_path):
    src = tmp_path / "p.csv"
    src.write_text("x\n" + "".join(f"{k}\n" for k in range(1, 2000)) + "0\n")
    out = tmp_path / "out.csv"
    out.write_text("the previous result\n")
    result = run("batch", "log(x)", "-i", src, "-o", out)
    assert result.exit_code == 1 and "line 2001" in result.stderr
    assert out.read_text() == "the previous result\n"
    assert sorted(os.listdir(tmp_path)) == ["out.csv", "p.csv"]  # no temporary file left


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("engine", ["numpy", "polars"])
def test_an_interrupted_run_ends_at_once_and_leaves_the_previous_output_whole(tmp_path, sig, engine):
    """With polars the file streams through one query (tasks/batch/stream.py), in a thread of its
    own: in the main thread it would hold SIGTERM until it ended."""
    if engine == "polars":
        pytest.importorskip("polars")
    src = tmp_path / "p.csv"
    block = "".join(f"{k * 0.25!r},{k}\n" for k in range(10000))
    with open(src, "w") as fh:
        fh.write("x,y\n")
        for _ in range(100):
            fh.write(block)
    out = tmp_path / "out.csv"
    out.write_text("the previous result\n")
    proc = _cli("batch", "sin(x)*y", "-i", src, "-o", out, "--chunk-size", 20, "--csv-engine", engine)
    deadline = time.monotonic() + 60
    while not any(name.endswith(".tmp") for name in os.listdir(tmp_path)) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    sent = time.monotonic()
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert time.monotonic() - sent < 5
    assert (proc.returncode, err.decode()) == ((130, "Interrupted.\n") if sig == signal.SIGINT else
                                               (128 + signal.SIGTERM, "Terminated.\n"))
    assert out.read_text() == "the previous result\n"
    assert sorted(os.listdir(tmp_path)) == ["out.csv", "p.csv"]


def test_refuses_when_standard_input_is_the_output(tmp_path):
    big = tmp_path / "big.csv"
    big.write_text("x\n1\n2\n")
    with open(big, "rb") as stdin:
        proc = _cli("batch", "x^2", "-i", "-", "-o", big, stdin=stdin)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and b"would write over standard input" in err
    assert big.read_text() == "x\n1\n2\n"


def test_control_characters_from_data_are_escaped(tmp_path):
    src = tmp_path / "p.csv"
    src.write_text("x\n\x1b]0;PWNED\x07\x1b[2J\n")
    result = run("batch", "x", "-i", src)
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr and "\\x1b" in result.stderr
    keys = '{"x\\u001b[2J\\n\\u202e": 1, "y": 2}\n'
    result = run("batch", "z", "-i", "-", input=keys)
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\u202e" not in result.stderr and "\\n" in result.stderr


def test_a_number_of_400_digits_is_a_bad_row():
    text = '{"x": 1}\n{"x": ' + "9" * 400 + '}\n{"x": 3}\n'
    stopped = run("batch", "x*2", "-i", "-", input=text)
    assert stopped.exit_code == 1 and "line 2" in stopped.stderr and "400 digits" in stopped.stderr
    skipped = run("batch", "x*2", "-i", "-", "--skip-bad", input=text)
    assert skipped.exit_code == 0
    assert [json.loads(line)["x"] for line in skipped.stdout.splitlines()] == [1.0, 3.0]


@pytest.mark.slow
def test_time_is_linear_in_the_columns_used(tmp_path):
    def seconds(n):
        names = [f"c{k}" for k in range(n)]
        src = tmp_path / f"wide{n}.csv"
        src.write_text(",".join(names) + "\n" + "\n".join(",".join(["1"] * n) for _ in range(3)) + "\n")
        program = tmp_path / f"sum{n}.bp"
        program.write_text("+".join(names))
        start = time.perf_counter()
        result = run("batch", "-f", program, "-i", src)
        took = time.perf_counter() - start
        assert result.exit_code == 0, result.stderr[-500:]
        lines = result.stdout.splitlines()
        assert len(lines) == 4 and lines[1].split(",")[n] == f"{float(n)}"
        return took

    small, big = seconds(10_000), seconds(50_000)
    # 5x the columns: linear is 5x the time, the quadratic look-ups it had were 25x (85 s at 100,000).
    assert big < 12 * small, (small, big)


@pytest.mark.slow
def test_passed_through_columns_are_bounded_and_linear(tmp_path):
    """#24.13: a file of 100,000 columns, two of them used, the rest passed through: the memory per
    column is bounded (pyarrow's CSV reader took 1.3 GB, about 12 KB a column, where numpy's path
    takes under 2 KB), and the time is linear in the columns (a look-up per column that listed every
    column made 100,000 columns take 70 s)."""
    import subprocess
    import sys

    def run_wide(n: int) -> tuple:
        src = tmp_path / f"pass{n}.csv"
        names = ["x", "y", *(f"c{k}" for k in range(n))]
        src.write_text(",".join(names) + "\n" + "\n".join(",".join(["1", "2", *map(str, range(n))])
                                                         for _ in range(10)) + "\n")
        out = tmp_path / f"out{n}.csv"
        measure = ("import resource, subprocess, sys, time\n"
                   "start = time.perf_counter()\n"
                   "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
                   "took = time.perf_counter() - start\n"
                   "print(done.returncode, took, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
                   "sys.stderr.write(done.stderr)\n")
        done = subprocess.run([sys.executable, "-c", measure, sys.executable, "-m", "backprop_cli", "batch",
                               "x*y", "-i", str(src), "-o", str(out)], capture_output=True, text=True)
        code, took, peak_kb = done.stdout.split()
        assert code == "0", done.stderr[-500:]
        header, first = out.read_text().splitlines()[:2]
        assert header.split(",")[-1] == "df/dy" and first.split(",")[n - 1] == str(n - 1)  # passed through first
        return float(took), int(peak_kb) * 1024

    small_s, _ = run_wide(10_000)
    big_s, big_peak = run_wide(100_000)
    assert big_peak < 2_000 * 100_000 + 150 * 2**20, big_peak
    assert big_s < 25 * small_s + 2, (small_s, big_s)
