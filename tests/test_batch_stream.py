"""A clean CSV file goes through polars' streaming engine end to end (tasks/batch/stream.py): the
same bytes, messages and exit codes as the usual loop (numpy's engine here), whatever the file
holds.  A file the stream cannot take (an awkward line anywhere, a bad row with --skip-bad) is cut
back and read again by the usual loop; what it does not apply to never goes there."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import run

pytest.importorskip("polars")

from backprop_cli.base.files import named_errors, write_error  # noqa: E402
from backprop_cli.tasks.batch import stream  # noqa: E402

NEURON = "1/(1+exp(-(w0*x0+w1*x1+w2)))"
NEURON_INPUTS = ("w0", "x0", "w1", "x1", "w2")


@pytest.fixture
def outcomes(monkeypatch):
    """What stream.run did on each call: "streamed", "usual loop" (it handed the file back) or the
    name of what it raised."""
    seen = []
    real = stream.run

    def spy(*args, **kwargs):
        try:
            result = real(*args, **kwargs)
        except BaseException as error:
            seen.append(type(error).__name__)
            raise
        seen.append("usual loop" if result is None else "streamed")
        return result

    monkeypatch.setattr(stream, "run", spy)
    return seen


def runs_agree(tmp_path, src, *args):
    """`batch ... -o FILE` with polars (streamed where it can be) and with numpy's engine: one exit
    code, message and file (or the file that was there before, left whole)."""
    got = {}
    for engine in ("polars", "numpy"):
        out = tmp_path / f"out_{engine}.csv"
        out.write_text("the previous result\n")
        result = run("batch", *args, "-i", src, "-o", out, "--csv-engine", engine)
        assert "Traceback" not in result.stderr, result.stderr
        got[engine] = (result.exit_code, result.stderr.replace(str(out), "OUT"), out.read_bytes())
    assert got["polars"] == got["numpy"]
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    return got["polars"]


def points(rows: int, columns: int = 2, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    data = rng.normal(size=(rows, columns)) * 10.0 ** rng.integers(-12, 17, size=(rows, columns))
    data[::7, 0] = np.round(data[::7, 0])
    data[::13, -1] = 1e-5
    return data


def csv_text(data, names=("x", "y")) -> str:
    return ",".join(names) + "\n" + "".join(",".join(map(repr, row)) + "\n" for row in data.tolist())


@pytest.mark.parametrize("chunk", ["7", "700", "65536"])
def test_a_clean_file_streams_to_the_same_bytes(tmp_path, outcomes, chunk):
    src = tmp_path / "p.csv"
    src.write_text(csv_text(points(20_000)))  # several of polars' morsels, in any order
    exit_code, message, out = runs_agree(tmp_path, src, "x*y + sin(x) + z", "--at", "z=2", "--chunk-size", chunk)
    assert (exit_code, message) == (0, "") and out.count(b"\n") == 20_001
    assert outcomes == ["streamed"]


def test_the_neuron_and_a_header_after_blank_lines(tmp_path, outcomes):
    src = tmp_path / "p.csv"
    src.write_bytes(b"\xef\xbb\xbf\n\r\n" + csv_text(np.random.default_rng(2).normal(size=(5000, 5)), NEURON_INPUTS).encode().replace(b"\n", b"\r\n"))
    assert runs_agree(tmp_path, src, NEURON)[0] == 0
    assert outcomes == ["streamed"]



def test_infinite_gradients_are_counted_as_the_usual_loop_counts_them(tmp_path, outcomes):
    data = np.abs(np.random.default_rng(3).normal(size=(20_000, 2))) + 0.5
    data[[5, 12_345, 19_999], 0] = 0.0
    src = tmp_path / "p.csv"
    src.write_text(csv_text(data))
    exit_code, message, _ = runs_agree(tmp_path, src, "sqrt(x)*y")
    assert exit_code == 0 and "3 rows with an infinite or nan gradient (first: line 7)" in message
    assert outcomes == ["streamed"]


def test_allow_nonfinite_writes_nan_and_inf_as_the_usual_loop(tmp_path, outcomes):
    data = points(20_000, seed=4)
    src = tmp_path / "p.csv"
    text = csv_text(data).splitlines()
    text[3000], text[15_000] = "inf,1.5", "nan,-inf"
    src.write_text("\n".join(text) + "\n")
    exit_code, _, out = runs_agree(tmp_path, src, "log(x)*y", "--allow-nonfinite")
    assert exit_code == 0 and b"nan" in out and b",inf" in out
    assert outcomes == ["streamed"]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(0, 29_999), min_size=1, max_size=4), st.sampled_from(["log", "inf"]))
def test_the_first_bad_row_of_the_file_is_the_one_reported(tmp_path, outcomes, rows, kind):
    """Morsels are evaluated in any order: the error is still the file's first bad row's."""
    data = np.abs(points(30_000, seed=5)) + 1.0
    lines = csv_text(data).splitlines()
    for row in rows:
        lines[row + 1] = "-1.0,2.0" if kind == "log" else "1.0,-inf"
    src = tmp_path / "p.csv"
    src.write_text("\n".join(lines) + "\n")
    outcomes.clear()
    exit_code, message, out = runs_agree(tmp_path, src, "log(x)*y")
    assert exit_code == 1 and f"line {min(rows) + 2}:" in message
    assert out == b"the previous result\n"
    assert outcomes == ["BadRow"]


AWKWARD_LINES = [
    "", "  ", "1", "1,2,3", "1,", ",2", '"1",2', "1_000,2", " 1,2", "1,2 ", "abc,2", "0x10,2", "1e400,2",
    "1,2\r",
]


@pytest.mark.parametrize("line", AWKWARD_LINES)
@pytest.mark.parametrize("where", [3, 15_000])  # in the lines read ahead, and far past them
@pytest.mark.parametrize("extra", [[], ["--skip-bad"]])
def test_awkward_lines_go_to_the_usual_loop(tmp_path, outcomes, line, where, extra):
    lines = csv_text(points(20_000, seed=6)).splitlines()
    lines[where] = line
    src = tmp_path / "p.csv"
    src.write_text("\n".join(lines) + "\n")
    runs_agree(tmp_path, src, "x*y", *extra)
    assert outcomes in (["usual loop"], ["streamed"], ["BadRow"])


def test_skipped_rows_and_their_rejects_are_the_usual_loops(tmp_path, outcomes):
    data = np.abs(points(20_000, seed=7)) + 1.0
    data[[10, 8000, 16_000], 0] = -1.0
    src = tmp_path / "p.csv"
    src.write_text(csv_text(data))
    rejects = {}
    for engine in ("polars", "numpy"):
        path = tmp_path / f"rejects_{engine}.csv"
        result = run("batch", "log(x)*y", "-i", src, "-o", tmp_path / f"out_{engine}.csv", "--csv-engine", engine,
                     "--skip-bad", "--rejects", path)
        rejects[engine] = (result.exit_code, result.stderr.replace(str(path), "REJECTS"), path.read_text(),
                           (tmp_path / f"out_{engine}.csv").read_bytes())
    assert rejects["polars"] == rejects["numpy"]
    assert "Skipped 3 bad rows of 20,000" in rejects["polars"][1]
    assert outcomes == ["usual loop"]


def test_per_file_outputs_stream_each_file(tmp_path, outcomes):
    folder = tmp_path / "in"
    folder.mkdir()
    for k in range(2):
        (folder / f"p{k}.csv").write_text(csv_text(points(3000, seed=10 + k)))
    result = run("batch", "x*y", "-i", folder, "-o", f"{tmp_path / 'out'}{os.sep}", "--csv-engine", "polars")
    assert result.exit_code == 0, result.stderr
    expected = run("batch", "x*y", "-i", folder / "p1.csv", "--csv-engine", "numpy").stdout
    assert (tmp_path / "out" / "p1.csv").read_text() == expected
    assert outcomes == ["streamed", "streamed"]


def test_what_does_not_stream(tmp_path, outcomes):
    src = tmp_path / "p.csv"
    src.write_text(csv_text(points(3000, seed=8)))
    with_note = tmp_path / "note.csv"
    with_note.write_text("x,y,note\n1,2,a\n3,4,b\n")
    cases = [
        ["-i", src],                                            # standard output
        ["-i", "-", "-o", tmp_path / "a.csv"],                  # standard input
        ["-i", src, "-o", tmp_path / "a.jsonl"],                # not CSV out
        ["-i", src, "-o", tmp_path / "a.csv", "--at", "x=1"],   # a column replaced by --at
        ["-i", with_note, "-o", tmp_path / "b.csv"],            # a column passed through
        ["-i", src, "-o", "/dev/null"],                         # a device, written in place
    ]
    for args in cases:
        result = run("batch", "x*y", *args, "--csv-engine", "polars", input=src.read_text())
        assert result.exit_code == 0, (args, result.stderr)
    assert outcomes == []


def test_a_write_error_is_the_usual_message(tmp_path, monkeypatch, outcomes):
    """polars words an error of the file it writes to as its own ("input/output error: ..."): the
    sink's first error is raised as it was."""
    src = tmp_path / "p.csv"
    src.write_text(csv_text(points(3000, seed=9)))
    real = named_errors.write

    def full(self, data):
        if len(data) > 100:  # the header goes; the rows meet a full disk
            raise write_error(self.path, OSError(28, "No space left on device"))
        return real(self, data)

    monkeypatch.setattr(named_errors, "write", full)
    exit_code, message, out = runs_agree(tmp_path, src, "x*y")
    assert exit_code == 1 and message == "Error: cannot write OUT: No space left on device\n"
    assert out == b"the previous result\n"
    assert outcomes == ["OutputError"]


def test_nothing_lands_once_the_sink_is_closed():
    target = io.BytesIO()
    sink = stream._Sink(named_errors(target, "out.csv"))
    sink.write(b"a,b\n")
    sink.close()
    with pytest.raises(ValueError):
        sink.write(b"late\n")
    sink.flush()
    assert target.getvalue() == b"a,b\n"


@pytest.mark.slow
def test_memory_stays_bounded_as_a_streamed_file_grows(tmp_path):
    """polars' chunks are of a fixed size (stream.CHUNK_BYTES): its default grows them with the file
    (0.33 GB of memory for 180 MB of CSV, 0.43 GB for 540 MB)."""
    from conftest import batch_peak_rss

    block = "".join(f"{k * 0.001!r},{k * 0.5!r}\n" for k in range(20_000)).encode()
    args = ("x*y + sin(x)", "--csv-engine", "polars")
    small, big = (batch_peak_rss(tmp_path, b"x,y\n", block, copies, *args) for copies in (300, 900))
    assert big - small < 40e6, (small, big)  # 90 MB and 270 MB of CSV
