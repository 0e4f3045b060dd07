"""Issue 26 (and 21 item 7) in one run: every figure beside its reference, ratios taken side by side.

    python bench/issue26.py            # start-up, trace, parser, batch (about 15 minutes)
    python bench/issue26.py --quick    # fewer runs, smaller programs and files (about 3 minutes)
    python bench/issue26.py --only startup,parser

1. Start-up: every command on the sigmoid neuron (samples/neuron.bp) as the console script pip
   writes, against `python -c pass` (goals: eval --format json 2.5x; eval, --get, trace, check,
   graph --format dot, codegen, diff, gates, quiz --answers 5x; plot, batch, optimize 12x) and qalc
   answering one expression, when installed.  Medians of interleaved runs; wall and CPU (user +
   system) time, since the machine may be shared.
2. Trace at 100,000 gates: trace piped and on a pseudo-terminal against eval --no-nodes (goal 3x).
3. Parser: `eval -f FILE --no-nodes --max-size 0 --format json` on bench/mixture.py's mixture of
   every gate, 300,000 and 1,000,000 nodes: nodes a second (goal 300,000), linearity, peak bytes a
   node (goal 500).  `--repeat N` takes the median of N runs; `--against ../main` times another
   checkout's code in the same runs, taking turns (python bench/issue26.py --only parser --repeat 3
   --against /work/main).
4. batch on CSV and Parquet rows against polars, pyarrow + numpy and numpy loadtxt/savetxt scripts:
   bench/batch_vs_numpy.py, run from here (goals: 1.2x polars, 1.1x pyarrow + numpy, without the
   data extra 0.5x numpy).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from run import SCRIPT, environment, interleaved, measure  # noqa: E402

NEURON = str(ROOT / "samples" / "neuron.bp")


def startup_commands(tmp: Path) -> list:
    """(label, argv after `backprop`, goal as a multiple of python -c pass, standard input)."""
    points = tmp / "points.csv"
    points.write_text("w0,x0,w1,x1,w2\n2,-1,-3,-2,-3\n")
    answers = tmp / "answers.txt"
    answers.write_text("\n".join(["-2", "6", "4", "1", "-1", "0.37", "1.37", "0.73"] + ["0"] * 20) + "\n")
    f = ["-f", NEURON]
    return [
        ("eval (json)", ["eval", *f, "--format", "json"], 2.5),
        ("eval (table)", ["eval", *f], 5),
        ("eval --get df/dw0", ["eval", *f, "--get", "df/dw0"], 5),
        ("trace", ["trace", *f], 5),
        ("check", ["check", *f], 5),
        ("graph --format dot", ["graph", *f, "--format", "dot"], 5),
        ("codegen --lang c", ["codegen", *f, "--lang", "c"], 5),
        ("diff --wrt w0", ["diff", *f, "--wrt", "w0"], 5),
        ("gates", ["gates"], 5),
        ("quiz --answers", ["quiz", *f, "--answers", str(answers)], 5),
        ("plot sin(x) --over x=0:3", ["plot", "sin(x)", "--over", "x=0:3"], 12),
        ("batch (5 rows of CSV)", ["batch", *f, "-i", str(points)], 12),
        ("optimize --steps 20", ["optimize", *f, "--steps", "20"], 12),
    ]


def startup(runs: int, env: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        script = tmp / "backprop"
        script.write_text(SCRIPT)
        cases = [("python -c pass", [sys.executable, "-c", "pass"], None)]
        if shutil.which("qalc"):
            cases.append(("qalc -t '1/(1+exp(-1))'", ["qalc", "-t", "1/(1+exp(-1))"], None))
        cases += [(label, [sys.executable, str(script), *argv], goal)
                  for label, argv, goal in startup_commands(tmp)]
        for label, argv, _ in cases:  # every command must work before it is timed
            proc = subprocess.run(argv, env=env, capture_output=True)
            if proc.returncode != 0:
                raise SystemExit(f"{label}: exit {proc.returncode}: {proc.stderr.decode()[-400:]}")
        times = interleaved([argv for _, argv, _ in cases], runs, env)
    base_wall, base_cpu = times[0]
    print(f"\n1. start-up on the neuron (median of {runs}, interleaved; goal as a multiple of python -c pass)")
    print(f"| {'command':<26} | {'wall ms':>8} | {'x pass':>7} | {'cpu ms':>7} | {'x pass':>7} | {'goal':>5} | {'':4} |")
    print(f"|{'-' * 28}|{'-' * 10}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 7}|{'-' * 6}|")
    for (label, _, goal), (wall, cpu) in zip(cases, times):
        ratio, cpu_ratio = wall / base_wall, cpu / base_cpu
        verdict = "" if goal is None else ("ok" if max(ratio, cpu_ratio) <= goal else
                                           "wall" if cpu_ratio <= goal else "MISS")
        print(f"| {label:<26} | {wall * 1000:8.1f} | {ratio:6.2f}x | {cpu * 1000:7.1f} | {cpu_ratio:6.2f}x | "
              f"{'' if goal is None else f'{goal:g}x':>5} | {verdict:4} |")
    print("(ok: wall and CPU ratios within the goal; wall: only the CPU ratio is, the machine being shared)")


def trace(gates: int, repeat: int) -> None:
    from trace_speed import program, timed

    exe = [sys.executable, "-m", "backprop_cli.cli", "--max-size", "0"]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "big.bp")
        Path(path).write_text(program(gates))
        runs = [("eval --no-nodes", exe + ["eval", "-f", path, "--format", "json", "--no-nodes"], False),
                ("trace piped", exe + ["trace", "-f", path], False),
                ("trace on a terminal", exe + ["trace", "-f", path], True)]
        times = {label: [] for label, _, _ in runs}
        for _ in range(repeat):  # interleaved
            for label, argv, tty in runs:
                times[label].append(timed(argv, tty=tty)[0])
    base = statistics.median(times["eval --no-nodes"])
    print(f"\n2. trace at {gates:,} gates (median of {repeat}, interleaved; goal: at most 3x eval --no-nodes)")
    print(f"| {'run':<20} | {'seconds':>8} | {'x eval':>7} | {'':4} |")
    print(f"|{'-' * 22}|{'-' * 10}|{'-' * 9}|{'-' * 6}|")
    for label, ts in times.items():
        t = statistics.median(ts)
        verdict = "" if label.startswith("eval") else ("ok" if t / base <= 3 else "MISS")
        print(f"| {label:<20} | {t:8.2f} | {t / base:6.2f}x | {verdict:4} |")


def parser(sizes: list, env: dict, repeat: int = 1, against: str = "") -> None:
    """``against``: another checkout (e.g. main's), measured in the same runs, taking turns."""
    from mixture import POINT, mixture

    trees = [("this", env)]
    if against:
        trees.append((os.path.basename(os.path.abspath(against)) or against,
                      dict(env, PYTHONPATH=os.path.abspath(against))))
    runs = {(label, n): [] for label, _ in trees for n in [0, *sizes]}
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "backprop"
        script.write_text(SCRIPT)
        empty = Path(tmp) / "empty.bp"
        empty.write_text("x\n")
        paths = {0: empty}
        for n in sizes:
            paths[n] = Path(tmp) / f"mixture{n}.bp"
            paths[n].write_text(mixture(n)[0])
        for _ in range(repeat):
            # The start-up subtracted is that of the same command line (--max-size goes through click).
            for n, path in paths.items():
                for label, tree_env in trees:
                    run = measure([sys.executable, str(script), "--max-size", "0", "eval", "-f", str(path), "--at",
                                   "x=1" if n == 0 else POINT, "--format", "json", "--no-nodes"], tree_env)
                    if run["code"] != 0:
                        raise SystemExit(f"{label}, mixture {n}: exit {run['code']}: {run['err'].decode()[:300]}")
                    runs[(label, n)].append(run)
    if against:
        for n in sizes:
            outputs = {(r["out"], r["err"]) for label, _ in trees for r in runs[(label, n)]}
            if len(outputs) != 1:
                print(f"the output at {n:,} nodes differs between the two checkouts")
    print("\n3. parser: eval --no-nodes --max-size 0 on a mixture of every gate (goal: 300,000 nodes/s, "
          f"500 B a node; median of {repeat}" + (", interleaved" if len(trees) > 1 or repeat > 1 else "") + ")")
    print(f"| {'code':>8} | {'nodes':>10} | {'wall s':>7} | {'cpu s':>7} | {'nodes/s (cpu)':>13} | {'peak MB':>8} | "
          f"{'B/node':>7} | {'':4} |")
    print(f"|{'-' * 10}|{'-' * 12}|{'-' * 9}|{'-' * 9}|{'-' * 15}|{'-' * 10}|{'-' * 9}|{'-' * 6}|")
    for label, _ in trees:
        base_cpu = statistics.median(r["cpu"] or 0 for r in runs[(label, 0)])
        base_rss = statistics.median(r["rss"] for r in runs[(label, 0)])
        cpus = {}
        for n in sizes:
            rs = runs[(label, n)]
            wall, cpu, rss = (statistics.median(r[k] for r in rs) for k in ("wall", "cpu", "rss"))
            cpus[n] = cpu
            rate = n / (cpu - base_cpu)
            per_node = (rss - base_rss) / n
            verdict = "ok" if rate >= 300_000 and per_node <= 500 else "MISS"
            print(f"| {label:>8} | {n:>10,} | {wall:7.2f} | {cpu:7.2f} | {rate:13,.0f} | {rss / 1e6:8.0f} | "
                  f"{per_node:7.0f} | {verdict:4} |")
        if len(sizes) > 1:
            n0, n1 = sizes[0], sizes[-1]
            print(f"{label}: linearity: {n1 / n0:.2f}x the nodes took {cpus[n1] / cpus[n0]:.2f}x the CPU time "
                  "(start-up subtracted above: an empty program's run)")


def batch(rows: int, repeat: int) -> None:
    print(f"\n4. batch: bench/batch_vs_numpy.py --rows {rows:,} --repeat {repeat}", flush=True)
    subprocess.run([sys.executable, str(HERE / "batch_vs_numpy.py"), "--rows", str(rows),
                    "--repeat", str(repeat)], check=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="startup,trace,parser,batch")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each parser case (the median is shown)")
    ap.add_argument("--against", default="", metavar="CHECKOUT",
                    help="the parser also timed with another checkout's code (e.g. main's), taking turns")
    opts = ap.parse_args()
    only = set(opts.only.split(","))
    env = environment()
    load = os.getloadavg()
    print(f"{platform.machine()}, {os.cpu_count()} cores, {platform.processor() or platform.platform()}; "
          f"Python {platform.python_version()}; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the start")
    if "startup" in only:
        startup(10 if opts.quick else 30, env)
    if "trace" in only:
        trace(100_000, 1 if opts.quick else 3)
    if "parser" in only:
        parser([100_000, 300_000] if opts.quick else [300_000, 1_000_000], env, opts.repeat, opts.against)
    if "batch" in only:
        batch(200_000 if opts.quick else 1_000_000, 1 if opts.quick else 2)
    print(f"\nload average {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end")


if __name__ == "__main__":
    main()
