"""backprop batch against hand-written scripts: the sigmoid neuron, file to file, side by side.

    python bench/batch_vs_numpy.py                   # 1,000,000 rows, best of 3
    python bench/batch_vs_numpy.py --rows 200000 --repeat 1 --skip numpy

Every program runs as a fresh process (interpreter start-up and imports included), reads the same
points and writes the value and the five gradients for every row, in full precision.  Hand-written:

  numpy      np.loadtxt, the neuron's formulas and derivatives, np.savetxt('%.17g')
  polars+numpy  pl.read_csv, numpy formulas, write_csv: issue 26's reference   (if polars is installed)
  polars     pl.read_csv, the same formulas as polars expressions, write_csv (no numpy: stricter)
  pyarrow    pyarrow.csv.read_csv, numpy formulas, pyarrow.csv.write_csv
  pq+numpy   pyarrow.parquet.read_table, numpy formulas, pyarrow.parquet.write_table

Goals (issue 26 item 4): with the data extra, CSV -> CSV at most 1.2x polars+numpy and Parquet -> Parquet
at most 1.1x pq+numpy; without it (`--csv-engine numpy`, the same bytes out), CSV -> CSV at most 0.5x
numpy.  The machine may be shared: the CPU seconds of each run are shown next to the wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
NEURON = "1/(1+exp(-(w0*x0+w1*x1+w2)))"
INPUTS = ["w0", "x0", "w1", "x1", "w2"]
OUT_NAMES = INPUTS + ["f"] + [f"df/d{n}" for n in INPUTS]

NUMPY_SCRIPT = '''
import sys
import numpy as np

src, dst = sys.argv[1], sys.argv[2]
w0, x0, w1, x1, w2 = np.loadtxt(src, delimiter=",", skiprows=1, unpack=True)
f = 1.0 / (1.0 + np.exp(-(w0 * x0 + w1 * x1 + w2)))
ds = f * (1.0 - f)
out = np.column_stack([w0, x0, w1, x1, w2, f, ds * x0, ds * w0, ds * x1, ds * w1, ds])
header = "w0,x0,w1,x1,w2,f,df/dw0,df/dx0,df/dw1,df/dx1,df/dw2"
np.savetxt(dst, out, delimiter=",", header=header, comments="", fmt="%.17g")
'''

POLARS_SCRIPT = '''
import sys
import polars as pl

src, dst = sys.argv[1], sys.argv[2]
df = pl.read_csv(src)
w0, x0, w1, x1, w2 = (pl.col(n) for n in ("w0", "x0", "w1", "x1", "w2"))
f = 1.0 / (1.0 + (-(w0 * x0 + w1 * x1 + w2)).exp())
df = df.with_columns(f.alias("f")).with_columns((pl.col("f") * (1.0 - pl.col("f"))).alias("ds"))
ds = pl.col("ds")
df = df.select(w0, x0, w1, x1, w2, pl.col("f"), (ds * x0).alias("df/dw0"), (ds * w0).alias("df/dx0"),
               (ds * x1).alias("df/dw1"), (ds * w1).alias("df/dx1"), ds.alias("df/dw2"))
df.write_csv(dst)
'''

# Issue 26's reference: "a polars script that reads, computes the neuron and its gradients with
# numpy, and writes CSV".
POLARS_NUMPY_SCRIPT = '''
import sys
import numpy as np
import polars as pl

src, dst = sys.argv[1], sys.argv[2]
df = pl.read_csv(src)
w0, x0, w1, x1, w2 = (df[n].to_numpy() for n in ("w0", "x0", "w1", "x1", "w2"))
f = 1.0 / (1.0 + np.exp(-(w0 * x0 + w1 * x1 + w2)))
ds = f * (1.0 - f)
names = ["w0", "x0", "w1", "x1", "w2", "f", "df/dw0", "df/dx0", "df/dw1", "df/dx1", "df/dw2"]
pl.DataFrame(dict(zip(names, [w0, x0, w1, x1, w2, f, ds * x0, ds * w0, ds * x1, ds * w1, ds]))).write_csv(dst)
'''

PYARROW_SCRIPT = '''
import sys
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

src, dst = sys.argv[1], sys.argv[2]
t = pacsv.read_csv(src)
w0, x0, w1, x1, w2 = (t.column(n).to_numpy() for n in ("w0", "x0", "w1", "x1", "w2"))
f = 1.0 / (1.0 + np.exp(-(w0 * x0 + w1 * x1 + w2)))
ds = f * (1.0 - f)
names = ["w0", "x0", "w1", "x1", "w2", "f", "df/dw0", "df/dx0", "df/dw1", "df/dx1", "df/dw2"]
out = pa.table(dict(zip(names, [w0, x0, w1, x1, w2, f, ds * x0, ds * w0, ds * x1, ds * w1, ds])))
pacsv.write_csv(out, dst)
'''

PARQUET_SCRIPT = '''
import sys
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

src, dst = sys.argv[1], sys.argv[2]
t = pq.read_table(src)
w0, x0, w1, x1, w2 = (t.column(n).to_numpy() for n in ("w0", "x0", "w1", "x1", "w2"))
f = 1.0 / (1.0 + np.exp(-(w0 * x0 + w1 * x1 + w2)))
ds = f * (1.0 - f)
names = ["w0", "x0", "w1", "x1", "w2", "f", "df/dw0", "df/dx0", "df/dw1", "df/dx1", "df/dw2"]
out = pa.table(dict(zip(names, [w0, x0, w1, x1, w2, f, ds * x0, ds * w0, ds * x1, ds * w1, ds])))
pq.write_table(out, dst)
'''


def make_points(path: Path, rows: int) -> np.ndarray:
    rng = np.random.default_rng(231)
    data = rng.normal(scale=2.0, size=(rows, len(INPUTS)))
    with open(path, "w") as fh:
        fh.write(",".join(INPUTS) + "\n")
        for start in range(0, rows, 100_000):
            block = data[start:start + 100_000]
            fh.write(("%r,%r,%r,%r,%r\n" * len(block)) % tuple(block.ravel().tolist()))
    return data


def timed(cmd: list, env: dict) -> tuple:
    """Wall seconds, and CPU seconds (user + system) of the child: the machine may be shared."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def table(title: str, times: dict, rows: int, base: str, goals: dict, against: dict = None) -> None:
    """One row a program; the ratio column is ``base`` over it (or ``against[name]`` over it)."""
    wall = {name: [t[0] for t in ts] for name, ts in times.items()}
    cpu = {name: [t[1] for t in ts] for name, ts in times.items()}
    print(f"\n{title}")
    print(f"| {'program':<15} | {'best wall s':>11} | {'median wall s':>13} | {'best CPU s':>10} "
          f"| {'rows/s':>10} | {'backprop / it':>13} | {'goal':>6} |")
    print(f"|{'-' * 17}|{'-' * 13}|{'-' * 15}|{'-' * 12}|{'-' * 12}|{'-' * 15}|{'-' * 8}|")
    for name in times:
        best = min(wall[name])
        ours = min(wall[(against or {}).get(name, base)])
        ratio = "" if name in (base, *(against or {}).values()) else f"{ours / best:.2f}x"
        goal = goals.get(name)
        mark = "" if goal is None else (f"<={goal}" + (" ok" if ours / best <= goal else " MISS"))
        print(f"| {name:<15} | {best:11.2f} | {statistics.median(wall[name]):13.2f} | {min(cpu[name]):10.2f} "
              f"| {rows / best:10,.0f} | {ratio:>13} | {mark:>6} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip", default="", help="comma-separated programs to leave out (numpy, polars, ...)")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    try:
        import polars  # noqa: F401
    except ImportError:
        skip.update(("polars", "polars+numpy"))
        print("polars is not installed: its column is left out", file=sys.stderr)

    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode compiled
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        points = tmp / "points.csv"
        print(f"writing {args.rows:,} points ...", file=sys.stderr)
        data = make_points(points, args.rows)
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({n: data[:, k] for k, n in enumerate(INPUTS)}), tmp / "points.parquet")
        scripts = {}
        for name, text in [("numpy", NUMPY_SCRIPT), ("polars+numpy", POLARS_NUMPY_SCRIPT), ("polars", POLARS_SCRIPT),
                           ("pyarrow", PYARROW_SCRIPT), ("pq+numpy", PARQUET_SCRIPT)]:
            scripts[name] = tmp / f"by_hand_{name.replace('+', '_')}.py"
            scripts[name].write_text(text)
        batch = [sys.executable, "-m", "backprop_cli", "batch", NEURON]  # as the console script runs
        csv_programs = {"backprop batch": batch + ["-i", str(points), "-o", str(tmp / "backprop.csv")],
                        "batch, no extra": batch + ["-i", str(points), "-o", str(tmp / "backprop_numpy.csv"),
                                                    "--csv-engine", "numpy"]}
        for name in ("numpy", "polars+numpy", "polars", "pyarrow"):
            if name not in skip:
                csv_programs[name] = [sys.executable, str(scripts[name]), str(points),
                                      str(tmp / f"{name.replace('+', '_')}.csv")]
        pq_programs = {
            "backprop batch": batch + ["-i", str(tmp / "points.parquet"), "-o", str(tmp / "backprop.parquet")],
            "pq+numpy": [sys.executable, str(scripts["pq+numpy"]), str(tmp / "points.parquet"),
                         str(tmp / "by_hand.parquet")],
        }
        csv_times = {name: [] for name in csv_programs}
        pq_times = {name: [] for name in pq_programs}
        for k in range(args.repeat):  # interleaved, so all see the same machine load
            print(f"run {k + 1}/{args.repeat} ...", file=sys.stderr)
            for name, cmd in csv_programs.items():
                csv_times[name].append(timed(cmd, env))
            for name, cmd in pq_programs.items():
                pq_times[name].append(timed(cmd, env))

        # Same numbers (the value and every gradient), or the timing means nothing.
        import pyarrow.csv as pacsv

        ours = pacsv.read_csv(tmp / "backprop.csv")
        agree = []
        assert (tmp / "backprop_numpy.csv").read_bytes() == (tmp / "backprop.csv").read_bytes()
        for name in csv_programs:
            if name in ("backprop batch", "batch, no extra"):
                continue
            theirs = pacsv.read_csv(tmp / f"{name.replace('+', '_')}.csv")
            a = np.column_stack([theirs.column(c).to_numpy() for c in OUT_NAMES])
            b = np.column_stack([ours.column(c).to_numpy() for c in OUT_NAMES])
            assert a.shape == b.shape == (args.rows, 11), (name, a.shape, b.shape)
            agree.append((name, float(np.max(np.abs(a[:, 5] - b[:, 5]) / np.abs(a[:, 5]))),
                          float(np.max(np.abs(a[:, 6:] - b[:, 6:])))))
        pq_ours, pq_theirs = pq.read_table(tmp / "backprop.parquet"), pq.read_table(tmp / "by_hand.parquet")
        assert pq_ours.num_rows == pq_theirs.num_rows == args.rows
        assert np.array_equal(pq_ours.column("x0").to_numpy(), data[:, 1])
        size_mb = points.stat().st_size / 1e6
        pq_mb = (tmp / "points.parquet").stat().st_size / 1e6

    print(f"sigmoid neuron, {args.rows:,} rows, {args.repeat} run(s) each, interleaved; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    table(f"CSV -> CSV ({size_mb:.0f} MB in), with the data extra: backprop batch / it",
          {k: v for k, v in csv_times.items() if k != "batch, no extra"}, args.rows, "backprop batch",
          {"polars+numpy": 1.2, "pyarrow": 1.2})
    table(f"CSV -> CSV without the data extra (--csv-engine numpy): batch, no extra / it",
          {k: v for k, v in csv_times.items() if k != "backprop batch"}, args.rows, "batch, no extra",
          {"numpy": 0.5})
    table(f"Parquet -> Parquet ({pq_mb:.0f} MB in)", pq_times, args.rows, "backprop batch", {"pq+numpy": 1.1})
    for name, f_diff, grad_diff in agree:
        print(f"\n{name} agrees with backprop: f to {f_diff:.1e} (relative), gradients to {grad_diff:.1e} "
              "(absolute; the by-hand f*(1-f) cancels where f is near 1, the chain rule does not)", end="")
    print()


if __name__ == "__main__":
    main()
