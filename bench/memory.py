#!/usr/bin/env python3
"""Peak memory (RSS) of the commands whose work grows with a flag or the input: it should stay flat.

    python bench/memory.py               # the default table (a few minutes on an idle machine)
    python bench/memory.py --quick       # smaller sizes

Each row runs the installed entry point (python -m backprop_cli) in a child process and reads the
child's peak resident memory (ru_maxrss).  The last column is the growth over the previous row of
the same command, in kB per unit of the flag (per step, per sample, per node).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def peak(args: list) -> tuple:
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
            "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
            "time.perf_counter() - t)")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, sys.executable, "-m", "backprop_cli", *args],
                         capture_output=True, text=True, env=env).stdout.split()
    return int(out[0]), int(out[1]), float(out[2])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp())
    cases = []
    steps = [1_000, 100_000] if args.quick else [1_000, 100_000, 1_000_000]
    cases += [("optimize --steps", n, ["optimize", "(x-3)^2 + (y+1)^2", "--at", "x=0,y=0", "--steps", str(n)])
              for n in steps]
    samples = [2_000, 200_000] if args.quick else [2_000, 200_000, 2_000_000]
    cases += [("plot csv points", n, ["plot", "sin(x)*x", "--over", f"x=0:10:{n}", "--format", "csv"])
              for n in samples]
    cases += [("plot picture points", n, ["plot", "sin(x)*x", "--over", f"x=0:10:{n}"]) for n in samples]
    nodes = [10_000, 100_000] if args.quick else [10_000, 100_000, 300_000]
    for n in nodes:
        path = folder / f"sum{n}.bp"
        path.write_text("+".join(f"x*{k}" for k in range(1, n // 3 + 1)))
        cases.append(("graph nodes", n, ["graph", "-f", str(path), "--at", "x=1"]))
    print(f"{'command':22} {'size':>10} {'exit':>4} {'peak RSS kB':>12} {'seconds':>8}  kB per unit over the previous")
    previous = {}
    for name, n, argv in cases:
        code, rss, seconds = peak(argv)
        growth = ""
        if name in previous:
            pn, prss = previous[name]
            growth = f"{(rss - prss) / (n - pn):.4f}"
        print(f"{name:22} {n:>10,} {code:>4} {rss:>12,} {seconds:>8.1f}  {growth}")
        previous[name] = (n, rss)
    return 0


if __name__ == "__main__":
    sys.exit(main())
