"""backprop batch against a hand-written numpy script: the sigmoid neuron, file to file.

    python bench/batch_vs_numpy.py                 # 1,000,000 rows, best of 3
    python bench/batch_vs_numpy.py --rows 200000 --repeat 1

Both run as fresh processes (interpreter start-up and imports included), read the same CSV and
write value and gradients for every row.  The numpy script is what one would write by hand:
np.loadtxt, the neuron's formulas and their derivatives, np.savetxt with '%.17g' (full precision,
like backprop's shortest round-trip output).  Goal: backprop within 1.5x of its wall time.
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
GOAL = 1.5

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


def make_points(path: Path, rows: int) -> None:
    rng = np.random.default_rng(231)
    with open(path, "w") as fh:
        fh.write(",".join(INPUTS) + "\n")
        for start in range(0, rows, 100_000):
            block = rng.normal(scale=2.0, size=(min(100_000, rows - start), len(INPUTS)))
            fh.write(("%r,%r,%r,%r,%r\n" * len(block)) % tuple(block.ravel().tolist()))


def timed(cmd: list, env: dict) -> tuple:
    """Wall seconds, and CPU seconds (user + system) of the child: the machine may be shared."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--chunk-size", type=int, default=None, help="passed to backprop batch")
    args = parser.parse_args()

    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        points, script = tmp / "points.csv", tmp / "by_hand.py"
        script.write_text(NUMPY_SCRIPT)
        print(f"writing {args.rows:,} points ...", file=sys.stderr)
        make_points(points, args.rows)
        size_mb = points.stat().st_size / 1e6
        ours = [sys.executable, "-m", "backprop_cli.cli", "batch", NEURON, "-i", str(points),
                "-o", str(tmp / "backprop.csv")]
        if args.chunk_size:
            ours += ["--chunk-size", str(args.chunk_size)]
        theirs = [sys.executable, str(script), str(points), str(tmp / "numpy.csv")]
        times = {"numpy by hand": [], "backprop batch": []}
        for k in range(args.repeat):  # interleaved, so both see the same machine load
            print(f"run {k + 1}/{args.repeat} ...", file=sys.stderr)
            times["numpy by hand"].append(timed(theirs, env))
            times["backprop batch"].append(timed(ours, env))

        # Same numbers (the value and every gradient), or the timing means nothing.
        a = np.loadtxt(tmp / "numpy.csv", delimiter=",", skiprows=1)
        b = np.loadtxt(tmp / "backprop.csv", delimiter=",", skiprows=1)
        assert a.shape == b.shape == (args.rows, 11), (a.shape, b.shape)
        f_diff = float(np.max(np.abs(a[:, 5] - b[:, 5]) / np.abs(a[:, 5])))
        grad_diff = float(np.max(np.abs(a[:, 6:] - b[:, 6:])))

    wall = {name: [t[0] for t in ts] for name, ts in times.items()}
    cpu = {name: [t[1] for t in ts] for name, ts in times.items()}
    base, base_cpu = min(wall["numpy by hand"]), min(cpu["numpy by hand"])
    print(f"\nsigmoid neuron, {args.rows:,} rows ({size_mb:.0f} MB of CSV), file to file, "
          f"{args.repeat} run(s) each, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"| {'':<15} | {'best wall s':>11} | {'median wall s':>13} | {'best CPU s':>10} "
          f"| {'rows/s':>9} | {'wall ratio':>10} | {'CPU ratio':>9} |")
    print(f"|{'-' * 17}|{'-' * 13}|{'-' * 15}|{'-' * 12}|{'-' * 11}|{'-' * 12}|{'-' * 11}|")
    for name in times:
        best = min(wall[name])
        print(f"| {name:<15} | {best:11.2f} | {statistics.median(wall[name]):13.2f} "
              f"| {min(cpu[name]):10.2f} | {args.rows / best:9,.0f} | {best / base:10.2f} "
              f"| {min(cpu[name]) / base_cpu:9.2f} |")
    ratio = min(wall["backprop batch"]) / base
    verdict = "within" if ratio <= GOAL else "MISSES"
    print(f"\nratio backprop/numpy (best wall time of each): {ratio:.2f}x: {verdict} the {GOAL}x goal")
    print(f"outputs agree: f to {f_diff:.1e} (relative), gradients to {grad_diff:.1e} (absolute; the "
          "by-hand f*(1-f) cancels where f is near 1, the chain rule does not)")


if __name__ == "__main__":
    main()
