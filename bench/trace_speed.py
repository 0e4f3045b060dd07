"""`backprop trace` against `backprop eval --format json --no-nodes` on the same program (run by hand).

    python bench/trace_speed.py                  # 100,000 gates, median of 3
    python bench/trace_speed.py --gates 1000000 --repeat 1

The program is a random mixture of gates as straight-line statements (t_k = gate(earlier names)).
Each command runs as a fresh process: trace piped to a file, trace on a pseudo-terminal (colour,
the terminal's width), and eval --no-nodes.  Prints the times, the ratios (goal: trace at most 3x
eval) and the peak memory per node (goal: at most ~1 KB).
"""

from __future__ import annotations

import argparse
import os
import pty
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time

GOAL = 3.0  # issue 26 item 2
GATES = ["{a} + {b}", "{a} * {b}", "{a} - {b}", "sin({a})", "exp(-{a}*{a})", "max({a}, {b})",
         "{a} / (1 + {b}*{b})", "tanh({a})", "relu({a})"]


def program(n: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    lines = ["input x = 0.5, y = -1.5"]
    names = ["x", "y"]
    while len(lines) < n // 2:  # about two gates a statement
        a, b = rng.choice(names[-50:]), rng.choice(names)
        lines.append(f"v{len(lines)} = " + rng.choice(GATES).format(a=a, b=b))
        names.append(f"v{len(lines) - 1}")
    lines.append(" + ".join(names[-20:]))
    return "\n".join(lines) + "\n"


def timed(args: list, tty: bool = False) -> tuple:
    """(seconds, peak RSS in bytes) of one run as a fresh process."""
    env = dict(os.environ, COLUMNS="100")
    env.pop("NO_COLOR", None)
    started = time.perf_counter()
    if tty:
        pid, fd = pty.fork()
        if pid == 0:
            os.execvpe(args[0], args, env)
        while True:
            try:
                if not os.read(fd, 1 << 16):
                    break
            except OSError:
                break
        _, status, usage = os.wait4(pid, 0)
    else:
        with open(os.devnull, "w") as sink:
            proc = subprocess.Popen(args, stdout=sink, stderr=subprocess.DEVNULL, env=env)
            _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed ({status})")
    return elapsed, usage.ru_maxrss * 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gates", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-tty", action="store_true", help="skip the run on a pseudo-terminal")
    opts = parser.parse_args()
    exe = [sys.executable, "-m", "backprop_cli.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.bp")
        with open(path, "w") as fh:
            fh.write(program(opts.gates))
        big = ["--max-size", "0"]
        runs = {"eval --no-nodes": exe + [*big, "eval", "-f", path, "--format", "json", "--no-nodes"],
                "trace piped": exe + [*big, "trace", "-f", path],
                "trace on a terminal": exe + [*big, "trace", "-f", path]}
        if opts.no_tty:
            del runs["trace on a terminal"]
        out = {}
        for what, args in runs.items():
            times, peaks = [], []
            for _ in range(opts.repeat):
                t, peak = timed(args, tty=what.endswith("terminal"))
                print(f"  {what}: {t:.2f} s, peak {peak / 1e6:.0f} MB", flush=True)
                times.append(t)
                peaks.append(peak)
            out[what] = (statistics.median(times), max(peaks))
    base = out["eval --no-nodes"][0]
    from backprop_cli.api import build
    from backprop_cli.language import limits

    limits.set_max_bytes(0)
    nodes = len(build(program(opts.gates)))
    print(f"{nodes:,} nodes ({opts.gates:,} gates asked), median of {opts.repeat}")
    print(f"{'run':<22}{'seconds':>9}{'x eval':>8}{'peak MB':>9}{'bytes/node':>12}")
    for what, (t, peak) in out.items():
        print(f"{what:<22}{t:9.2f}{t / base:8.2f}{peak / 1e6:9.0f}{peak / nodes:12.0f}")
    print(f"goal: trace at most {GOAL:g}x eval --no-nodes")


if __name__ == "__main__":
    main()
