"""batch without the data extra: CSV and JSON lines read and written with numpy only (pyarrow made
unimportable in a subprocess), byte for byte what the pyarrow path writes, the same bad-row messages
and line numbers; Parquet, Arrow and --csv-engine pyarrow refused with one message naming the extra."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from backprop_cli.tasks.batch.cells import csv_number
from conftest import ROOT

pytest.importorskip("pyarrow")  # the reference side of every comparison

NEURON = "1/(1+exp(-(w0*x0+w1*x1+w2)))"

#: runs the console entry point with pyarrow blocked: `import pyarrow` raises ImportError
BLOCKED = ("import sys; sys.modules['pyarrow'] = sys.modules['polars'] = None\n"
           "from backprop_cli.cli.entry import main\nsys.exit(main())\n")
WITH_ARROW = "import sys\nfrom backprop_cli.cli.entry import main\nsys.exit(main())\n"


def backprop(*args, arrow: bool, input: bytes = None, cwd=None):
    env = dict(os.environ, PYTHONPATH=str(ROOT), COLUMNS="100")
    env.pop("FORCE_COLOR", None)
    return subprocess.run([sys.executable, "-c", WITH_ARROW if arrow else BLOCKED, *map(str, args)],
                          input=input, capture_output=True, env=env, cwd=cwd, timeout=120)


def both(*args, input: bytes = None):
    """The run with pyarrow (asked for: auto takes numpy for a small file) and without it: the same
    exit code, output and messages."""
    with_arrow = backprop(*args, "--csv-engine", "pyarrow", arrow=True, input=input)
    without = backprop(*args, arrow=False, input=input)
    assert b"Traceback" not in without.stderr, without.stderr.decode()
    assert (without.returncode, without.stdout, without.stderr) == \
        (with_arrow.returncode, with_arrow.stdout, with_arrow.stderr)
    return without


def test_the_blocker_really_blocks_pyarrow():
    probe = subprocess.run([sys.executable, "-c", "import sys; sys.modules['pyarrow'] = None\n"
                            "from backprop_cli.tasks.batch.cells import have_arrow\n"
                            "print(have_arrow())\nimport pyarrow"], capture_output=True, text=True,
                           env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert probe.stdout.strip() == "False" and "ModuleNotFoundError" in probe.stderr


def random_csv(path, n, seed=0, extra=False):
    rng = np.random.default_rng(seed)
    # doubles of every magnitude, integers, and values where repr changes notation
    scales = 10.0 ** rng.integers(-20, 20, size=(n, 5))
    data = rng.normal(size=(n, 5)) * scales
    data[::7, 0] = np.round(data[::7, 0])
    data[::11, 1] = 1e16
    data[::13, 2] = 1e-5
    lines = ["id,w0,x0,w1,x1,w2" if extra else "w0,x0,w1,x1,w2"]
    for k, row in enumerate(data.tolist()):
        cells = [repr(v) for v in row]
        lines.append(",".join(([f"r{k}"] if extra else []) + cells))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("rows", [3, 2000])  # below and above the pyarrow path's small-block size
@pytest.mark.parametrize("extra", [False, True])
def test_csv_out_is_byte_for_byte_the_pyarrow_paths(tmp_path, rows, extra):
    src = random_csv(tmp_path / "p.csv", rows, extra=extra)
    result = both("batch", NEURON, "-i", src, "--allow-nonfinite", "--chunk-size", "700")
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    assert len(lines) == rows + 1
    # every number is csv_number's text: it reads back as the same double, with repr's digits
    for line in lines[1:]:
        for cell in line.split(",")[1 if extra else 0:]:
            assert csv_number(float(cell)) == cell


def test_quotes_blank_lines_crlf_and_passed_through_text(tmp_path):
    src = tmp_path / "p.csv"
    src.write_bytes(b'id,x,y,note\r\n1,2,-1,first\r\n\r\n2,0.5,3,"a, b"\r\n'
                    b'3, 4 ,1,"say ""hi"""\r\n4,1,1,last')
    result = both("batch", "x*y + sin(x)", "-i", src)
    assert result.stdout.decode().splitlines()[2] == '2,"a, b",0.5,3.0,1.979425538604203,3.8775825618903728,0.5'


@pytest.mark.parametrize("body, where", [
    (b"x,y\n1,2\n3,oops\n5,6\n", b"line 3: y (column 2) is 'oops', not a number"),
    (b"x,y\n1,2\n3\n5,6\n", b"line 3: has 1 field, the header has 2"),
    (b"x,y\n1,2\n\n1_000,2\n", b"line 4: x (column 1) is '1_000', not a number"),
    (b"x,y\n1,2\n3,\n", b"line 3: y (column 2) is '', not a number"),
    (b"x,y\n1,2\n3,inf\n", b"line 3: y is inf"),
    (b"x,y\n1,2\n0,-1\n", b"line 3: undefined"),
    (b"x,y\n1,2\n#3,4\n", b"line 3: x (column 1) is '#3', not a number"),
])
def test_bad_rows_have_the_same_message_and_line(tmp_path, body, where):
    src = tmp_path / "p.csv"
    src.write_bytes(body)
    result = both("batch", "log(x)*y", "-i", src)
    assert result.returncode == 1 and where in result.stderr


def test_skip_bad_and_rejects_agree(tmp_path):
    rows = ["x,y"] + [f"{k},{'oops' if k % 97 == 5 else k / 7}" for k in range(3000)]
    src = tmp_path / "p.csv"
    src.write_text("\n".join(rows) + "\n")
    outputs = []
    for arrow in (True, False):
        rejects = tmp_path / f"r{arrow}.csv"
        result = backprop("batch", "x*y", "-i", src, "--skip-bad", "--rejects", rejects, arrow=arrow)
        assert result.returncode == 0, result.stderr.decode()
        outputs.append((result.stdout, result.stderr.replace(bytes(rejects), b"R"), rejects.read_bytes()))
    assert outputs[0] == outputs[1]


def test_json_lines_with_passed_through_values_of_every_kind(tmp_path):
    records = [{"id": k, "tag": f"t{k}", "w": k * 0.5, "mixed": k if k % 2 else f"s{k}",
                "flag": k % 3 == 0, "nested": {"a": [k]}, "none": None, "num": k if k % 4 else k + 0.25,
                "x": k / 3} for k in range(40)]
    src = tmp_path / "p.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records))
    for out in ("jsonl", "csv"):
        result = both("batch", "x^2", "-i", src, "--format", out)
        assert result.returncode == 0 and len(result.stdout.splitlines()) >= 40


def test_standard_input_and_an_expression_without_file_inputs(tmp_path):
    both("batch", "x*y", "-i", "-", "--at", "y=2", input=b"x,id\n1,a\n2,b\n")
    both("batch", "x*y", "-i", "-", "--at", "x=1,y=2", input=b"x,id\n1,a\n2,b\n")


@pytest.mark.parametrize("args, needs", [
    (["-i", "{parquet}"], "Parquet"),
    (["-i", "{csv}", "-o", "{out}.parquet"], "Parquet"),
    (["-i", "{csv}", "--format", "feather"], "Arrow IPC"),
    (["-i", "{csv}", "--csv-engine", "pyarrow"], "--csv-engine pyarrow"),
])
def test_what_needs_the_data_extra_says_what_to_install(tmp_path, args, needs):
    import pyarrow as pa
    import pyarrow.parquet as pq

    csv_path = tmp_path / "p.csv"
    csv_path.write_text("x\n1\n")
    pq.write_table(pa.table({"x": [1.0]}), tmp_path / "p.parquet")
    args = [a.format(parquet=tmp_path / "p.parquet", csv=csv_path, out=tmp_path / "out") for a in args]
    result = backprop("batch", "x^2", *args, arrow=False)
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert needs in err and "pip install 'backprop-cli[data]'" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 2
    assert result.stdout == b"" and not (tmp_path / "out.parquet").exists()


def test_numpy_engine_chosen_with_pyarrow_installed_gives_the_same_bytes(tmp_path):
    src = random_csv(tmp_path / "p.csv", 1500, seed=3, extra=True)
    auto = backprop("batch", NEURON, "-i", src, "--allow-nonfinite", "--csv-engine", "pyarrow", arrow=True)
    forced = backprop("batch", NEURON, "-i", src, "--allow-nonfinite", "--csv-engine", "numpy", arrow=True)
    assert auto.returncode == forced.returncode == 0
    assert auto.stdout == forced.stdout


def test_auto_leaves_pyarrow_unloaded_for_a_small_file(tmp_path):
    src = tmp_path / "p.csv"
    src.write_text("x\n1\n")
    probe = ("import sys\nfrom backprop_cli.cli.entry import main\ncode = main()\n"
             "sys.stderr.write('pyarrow' in sys.modules and 'LOADED' or 'not loaded')\nsys.exit(code)\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-c", probe, "batch", "x^2", "-i", str(src)],
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0 and result.stderr.endswith("not loaded"), result.stderr
