#!/usr/bin/env python3
"""Issue 17: per-node JSON, the parser loop at scale, and PyTorch eager side by side (run by hand).

    python bench/output_speed.py                  # 100,000 and 1,000,000 nodes, 100,000-deep nesting
    python bench/output_speed.py --quick          # 100,000 nodes only, no PyTorch
    python bench/output_speed.py --repeat 5
    python bench/output_speed.py --stages         # in-process CPU time of each stage, 100,000 nodes

Every figure is a whole process, from text, on the installed console script, measured in this one
run: the median of --repeat runs of wall time, CPU time (user + system) and peak memory (max RSS, from
/usr/bin/time).  The programs are bench/mixture.py's: a seeded random mixture of every kind of gate
(one flat sum of small terms over x, y, z), and sin(sin(...(x))) nested 100,000 deep.

PyTorch runs the same terms (mixture.py spells them for it) in float64 eager mode: a Python module
that adds the terms up and calls backward(), imported once beforehand so that its bytecode is cached
and the timed runs do not pay for compiling it.  The machine is shared: the CPU column is the steadier
one, and "python loop" says how fast this machine runs plain Python (ns per iteration of a for loop
with one addition), to compare figures taken elsewhere.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))

from mixture import POINT, mixture, nesting  # noqa: E402

SCRIPT = "import sys\nfrom backprop_cli.cli.entry import main\nif __name__ == '__main__':\n    sys.exit(main())\n"
GOAL_RATE = 400_000          # nodes/s, eval --no-nodes
GOAL_JSON_RATIO = 2.0        # eval --format json over --no-nodes, at 100,000 nodes
GOAL_BYTES_PER_NODE = 1024   # peak memory of eval --format json at 1,000,000 nodes
GOAL_TORCH_RATIO = 0.5       # eval --format json over PyTorch eager, at 1,000,000 nodes

TORCH_HEAD = """import torch
torch.set_default_dtype(torch.float64)
x, y, z = (torch.tensor(v, requires_grad=True) for v in (0.3, -0.2, 0.7))
f = 0
"""
TORCH_TAIL = """f.backward()
print(f.item(), x.grad.item(), y.grad.item(), z.grad.item())
"""


def measure(argv: list, env: dict) -> dict:
    with tempfile.NamedTemporaryFile(mode="r") as report:
        t = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", "-o", report.name, *argv], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.perf_counter() - t
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv[:6])}...: exit {proc.returncode}: {proc.stderr.decode()[-500:]}")
        user, system, kb = Path(report.name).read_text().split()[-3:]
    return {"wall": wall, "cpu": float(user) + float(system), "rss": int(kb) * 1024}


def median_of(argv: list, env: dict, repeat: int) -> dict:
    runs = [measure(argv, env) for _ in range(repeat)]
    return {key: statistics.median(r[key] for r in runs) for key in runs[0]}


def python_loop_ns() -> float:
    code = "import time\nt=time.process_time()\nx=0\nfor i in range(3_000_000): x+=i\nprint(time.process_time()-t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return float(out) / 3_000_000 * 1e9


def stages(n: int = 100_000, repeat: int = 3) -> None:
    """Where the time of `eval --format json` goes, stage by stage (best of ``repeat``, CPU seconds)."""
    from backprop_cli.core import engine
    from backprop_cli.language import limits, parser
    from backprop_cli.views import as_json

    at = {"x": 0.3, "y": -0.2, "z": 0.7}
    print(f"{'stage (CPU s, best of %d)' % repeat:<34} {'mixture':>9} {'nesting':>9}")
    cases = [mixture(n)[0], nesting(n)]
    rows: dict = {}
    for k, text in enumerate(cases):
        tables = parser._load_tables()
        scan = tables[3]
        graph = parser.parse(text, bound=at)
        values = engine.forward(graph, at)
        result = engine.run(graph, at, record=False)
        steps = [
            ("limits pre-scan", lambda: limits.check_source(text, "")),
            ("scan (regex only)", lambda: [m.lastgroup for m in scan(text)]),
            ("parse (scan + LALR + graph)", lambda: parser.parse(text, bound=at)),
            ("forward", lambda: engine.forward(graph, at)),
            ("backward (no record)", lambda: engine.backward(graph, values, record=False)),
            ("JSON with nodes, written", lambda: sum(map(len, as_json.pieces(result)))),
        ]
        for name, step in steps:
            best = float("inf")
            for _ in range(repeat):
                t = time.process_time()
                step()
                best = min(best, time.process_time() - t)
            rows.setdefault(name, [None, None])[k] = best
    for name, (a, b) in rows.items():
        print(f"{name:<34} {a:>8.3f}s {b:>8.3f}s")
    print(f"{'nodes':<34} {n:>9,} {n + 1:>9,}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="100,000 nodes only, no PyTorch")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-torch", action="store_true")
    ap.add_argument("--stages", action="store_true", help="only the in-process stage breakdown")
    args = ap.parse_args()
    if args.stages:
        stages()
        return 0
    env = dict(os.environ, PYTHONPATH=str(ROOT.parent))
    sizes = [100_000] if args.quick else [100_000, 1_000_000]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; python loop "
          f"{python_loop_ns():.0f} ns an iteration; medians of {args.repeat} runs")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        script = tmp / "backprop"
        script.write_text(SCRIPT)
        cases = []
        for n in sizes:
            text, terms = mixture(n)
            cases.append((f"mixture {n:,}", n, text, terms))
        cases.append(("nesting 100,000 deep", 100_001, nesting(100_000), None))
        rows = []
        for name, n, text, terms in cases:
            path = tmp / "case.bp"
            path.write_text(text)
            base = [sys.executable, str(script), "eval", "-f", str(path), "--at", POINT, "--format", "json"]
            bare = median_of([*base, "--no-nodes"], env, args.repeat)
            full = median_of(base, env, args.repeat)
            torch = None
            if terms and n >= 1_000_000 and not (args.quick or args.no_torch):
                module = tmp / f"torch_case_{n}.py"
                module.write_text(TORCH_HEAD + "".join(f"f = f + {t}\n" for t in terms) + TORCH_TAIL)
                argv = [sys.executable, "-c", f"import sys; sys.path.insert(0, {str(tmp)!r}); import {module.stem}"]
                subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL)  # compile once
                torch = median_of(argv, env, args.repeat)
            rows.append((name, n, bare, full, torch))

    print()
    print(f"{'eval, whole process':<24} {'nodes':>10} {'--no-nodes wall':>15} {'cpu':>7} {'nodes/s':>9} "
          f"{'(cpu)':>9} {'json wall':>10} {'cpu':>7} {'json/no-nodes':>14} {'peak':>7} {'B/node':>7}")
    for name, n, bare, full, _ in rows:
        print(f"{name:<24} {n:>10,} {bare['wall']:>14.2f}s {bare['cpu']:>6.2f}s {n / bare['wall']:>9,.0f} "
              f"{n / bare['cpu']:>9,.0f} {full['wall']:>9.2f}s {full['cpu']:>6.2f}s "
              f"{full['wall'] / bare['wall']:>6.2f}x {full['cpu'] / bare['cpu']:>5.2f}x(cpu) "
              f"{full['rss'] / 2**20:>5.0f}MB {full['rss'] / n:>7.0f}")
    torch_rows = [(name, n, full, torch) for name, n, _, full, torch in rows if torch]
    if torch_rows:
        print()
        print(f"{'json with nodes vs PyTorch':<24} {'nodes':>10} {'backprop':>9} {'cpu':>7} {'PyTorch':>9} "
              f"{'cpu':>7} {'ratio':>7} {'(cpu)':>7} {'peaks':>15}")
        for name, n, full, torch in torch_rows:
            print(f"{name:<24} {n:>10,} {full['wall']:>8.2f}s {full['cpu']:>6.2f}s {torch['wall']:>8.2f}s "
                  f"{torch['cpu']:>6.2f}s {full['wall'] / torch['wall']:>6.2f}x {full['cpu'] / torch['cpu']:>6.2f}x "
                  f"{full['rss'] / 2**20:>5.0f}/{torch['rss'] / 2**20:.0f} MB")

    print()
    print("goals:")
    for name, n, bare, full, torch in rows:
        verdict = lambda ok: "met" if ok else "MISSED"  # noqa: E731
        print(f"  {name}: {n / bare['wall']:,.0f} nodes/s wall, {n / bare['cpu']:,.0f} on CPU "
              f"(goal {GOAL_RATE:,}): {verdict(n / bare['wall'] >= GOAL_RATE)}")
        if n == 100_000:
            r = full["wall"] / bare["wall"]
            print(f"  {name}: json with nodes {r:.2f}x --no-nodes (goal <= {GOAL_JSON_RATIO:g}x): "
                  f"{verdict(r <= GOAL_JSON_RATIO)}")
        if n >= 1_000_000:
            b = full["rss"] / n
            print(f"  {name}: {b:.0f} B a node peak (goal <= {GOAL_BYTES_PER_NODE}): "
                  f"{verdict(b <= GOAL_BYTES_PER_NODE)}")
        if torch:
            r = full["wall"] / torch["wall"]
            print(f"  {name}: json with nodes {r:.2f}x PyTorch eager (goal <= {GOAL_TORCH_RATIO:g}x): "
                  f"{verdict(r <= GOAL_TORCH_RATIO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
