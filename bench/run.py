"""Benchmarks for issue 6 (run by hand; nothing here is a test):

    python bench/run.py               # start-up and scale, and SymPy/PyTorch side by side if installed
    python bench/run.py --quick       # fewer runs, sizes up to 100,000 nodes
    python bench/run.py --clean-venv  # start-up also in a venv that sees only click, lark and rich
    python bench/run.py --startup     # start-up only (the issue 10 goals: json <= 2.5x, table <= 4x)

Start-up: the console script (the same three lines pip writes) on the sigmoid neuron, against
`python -c pass` in the same run; medians over many runs, the commands taking turns.
Scale: `eval -f FILE --at ... --format json --no-nodes` on a sum of N/13 terms sin(x*i+y)*exp(-z*i)
(13 nodes a term as written; the graph shares x, y and z, so it has about 10 a term) and on a
nesting sin(sin(...(x))) N deep; wall time, nodes a second and peak memory (the child's max RSS).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEURON = ROOT / "samples" / "neuron.bp"
POINT = "x=0.001,y=0.2,z=0.0001"
#: what pip writes as the `backprop` console script
SCRIPT = "import sys\nfrom backprop_cli.cli.entry import main\nif __name__ == '__main__':\n    sys.exit(main())\n"
#: start-up goals (issue 10 item 6) as multiples of `python -c pass`; scale goals (nodes a second, bytes a node)
GOALS = {"json": 2.5, "table": 4.0, "rate": 100_000, "bytes_per_node": 1024}


def sum_program(n_nodes: int) -> str:
    terms = max(1, n_nodes // 13)
    return "+".join(f"sin(x*{i}+y)*exp(-z*{i})" for i in range(1, terms + 1)) + "\n"


def deep_program(depth: int) -> str:
    return "sin(" * depth + "x" + ")" * depth + "\n"


def environment() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode compiled
    return env


# ---- start-up ---------------------------------------------------------------------------------------


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def interleaved(commands: list, runs: int, env: dict) -> list:
    """Median wall time and median CPU time (user + system) in seconds of each command, run in turn
    (a, b, c, a, b, c, ...) so that a change in the machine's load touches all of them alike."""
    import resource

    for argv in commands:  # warm the file cache and the bytecode
        for _ in range(3):
            subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    walls = [[] for _ in commands]
    cpus = [[] for _ in commands]
    for _ in range(runs):
        for k, argv in enumerate(commands):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            walls[k].append(time.perf_counter() - t)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[k].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(walls, cpus)]


def startup(python: str, runs: int, env: dict, label: str) -> list:
    """`python -c pass`, then eval on the neuron as JSON and as the table (piped), side by side; and
    the table on a terminal (colour, so Rich is loaded) against `python -c pass` under script(1)."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "backprop"
        script.write_text(SCRIPT)
        eval_neuron = [python, str(script), "eval", "-f", str(NEURON)]
        commands = [[python, "-c", "pass"], [*eval_neuron, "--format", "json"], eval_neuron]
        names = [None, "json", "table"]
        if shutil.which("script"):
            cmd = " ".join(_quote(a) for a in eval_neuron)
            commands += [["script", "-qec", f"{_quote(python)} -c pass", "/dev/null"],
                         ["script", "-qec", cmd, "/dev/null"]]
            names += [None, "table"]
        times = interleaved(commands, runs, env)
        rows = []
        for k, (name, (t, cpu)) in enumerate(zip(names, times)):
            if name is None:
                base, base_cpu = t, cpu
                where = "terminal" if commands[k][0] == "script" else "piped"
                rows.append((f"python -c pass ({label}, {where})", t, 1.0, cpu, 1.0, None))
            else:
                where = "terminal" if commands[k][0] == "script" else "piped"
                rows.append((f"backprop eval neuron ({name}, {where})", t, t / base, cpu, cpu / base_cpu,
                             GOALS[name]))
    return rows


def clean_venv(tmp: Path) -> str:
    """A venv that sees only click, lark, rich (and Rich's dependencies) and this project: no other
    site-packages start-up hooks, as on a user's machine."""
    import importlib.util

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp / "venv")], check=True)
    deps = tmp / "deps"
    deps.mkdir()
    for name in ("click", "lark", "rich", "markdown_it", "mdurl", "pygments"):
        spec = importlib.util.find_spec(name)
        if spec and spec.submodule_search_locations:
            (deps / name).symlink_to(list(spec.submodule_search_locations)[0])
    site = next((tmp / "venv" / "lib").glob("python*/site-packages"))
    (site / "deps.pth").write_text(f"{deps}\n{ROOT}\n")
    return str(tmp / "venv" / "bin" / "python")


# ---- scale ------------------------------------------------------------------------------------------


def measure(argv: list, env: dict) -> dict:
    """One run: wall and CPU seconds, the child's peak RSS in bytes (via /usr/bin/time), exit code, output."""
    timed = os.path.exists("/usr/bin/time")
    with tempfile.NamedTemporaryFile(mode="r") as report:
        if timed:
            argv = ["/usr/bin/time", "-f", "%U %S %M", "-o", report.name, *argv]
        t = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.communicate()
        wall = time.perf_counter() - t
        user = system = rss = None
        if timed:
            user, system, kb = Path(report.name).read_text().split()[-3:]
            user, system, rss = float(user), float(system), int(kb) * 1024
    return {"wall": wall, "cpu": None if user is None else user + system, "rss": rss,
            "code": proc.returncode, "out": out, "err": err}


def scale(python: str, sizes: list, depths: list, env: dict) -> list:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "backprop"
        script.write_text(SCRIPT)
        cases = [(f"sum, N = {n:,}", n, sum_program(n)) for n in sizes]
        cases += [(f"nesting, {d:,} deep", d + 1, deep_program(d)) for d in depths]
        for name, n, text in cases:
            path = Path(tmp) / "case.bp"
            path.write_text(text)
            argv = [python, str(script), "eval", "-f", str(path), "--at", POINT, "--format", "json", "--no-nodes"]
            run = measure(argv, env)
            if run["code"] != 0:
                raise SystemExit(f"{name}: exit {run['code']}: {run['err'].decode()[:500]}")
            run.update(name=name, n=n, value=json.loads(run["out"])["output"]["value"])
            rows.append(run)
    return rows


# ---- peers ------------------------------------------------------------------------------------------


SYMPY_CASE = """
import sys, time
import sympy
text = open(sys.argv[1]).read()
t = time.perf_counter()
x, y, z = sympy.symbols("x y z")
# sympify of the whole flat sum hits Python's recursion limit, so each term is read alone.
parts = text.strip().split("+sin")
terms = [parts[0]] + ["sin" + p for p in parts[1:]]
f = sympy.Add(*[sympy.sympify(t, locals={"x": x, "y": y, "z": z}) for t in terms])
point = {x: 0.001, y: 0.2, z: 0.0001}
value = float(f.evalf(subs=point))
grads = [float(f.diff(v).evalf(subs=point)) for v in (x, y, z)]
print(time.perf_counter() - t, value)
"""

TORCH_CASE = """
import sys, time, re
t0 = time.perf_counter()
import torch
t_import = time.perf_counter() - t0
text = open(sys.argv[1]).read().strip()
torch.set_default_dtype(torch.float64)
t = time.perf_counter()
x, y, z = (torch.tensor(v, requires_grad=True) for v in (0.001, 0.2, 0.0001))
env = {"x": x, "y": y, "z": z, "sin": torch.sin, "exp": torch.exp, "__builtins__": {}}
# Python's own parser gives up on a long flat sum (recursion), so each term is compiled alone:
# the text is ours (generated above), never a user's.
f = 0
for term in re.split(r"\\+(?=sin)", text):
    f = f + eval(term, env)
f.backward()
print(time.perf_counter() - t, float(f), t_import)
"""


def peers(sizes: list, env: dict) -> list:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for lib, code, limit in (("sympy", SYMPY_CASE, 13_000), ("torch", TORCH_CASE, 1_000_000)):
            try:
                __import__(lib)
            except ImportError:
                rows.append((lib, None, None, "not installed"))
                continue
            for n in [s for s in sizes if s <= limit]:
                path = Path(tmp) / "case.bp"
                path.write_text(sum_program(n))
                proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                                      env=env, timeout=600)
                if proc.returncode != 0:
                    rows.append((lib, n, None, proc.stderr.strip().splitlines()[-1][:80]))
                    continue
                parts = proc.stdout.split()
                note = f"import {float(parts[2]):.2f} s" if len(parts) > 2 else ""
                rows.append((lib, n, float(parts[0]), note))
    return rows


# ---- report -----------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer runs and sizes up to 100,000 nodes")
    ap.add_argument("--clean-venv", action="store_true", help="also time start-up in a bare venv")
    ap.add_argument("--no-peers", action="store_true", help="skip SymPy and PyTorch")
    ap.add_argument("--startup", action="store_true", help="start-up only: no scale, no peers")
    ap.add_argument("--runs", type=int, default=None, help="runs per start-up case (default 40, quick 15)")
    args = ap.parse_args()
    runs = args.runs or (15 if args.quick else 40)
    env = environment()
    sizes = [10_000, 30_000, 100_000] if args.quick else [10_000, 100_000, 300_000, 1_000_000]
    depths = [10_000] if args.quick else [10_000, 100_000]

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.processor() or _cpu()}; "
          f"Python {platform.python_version()}; load average {os.getloadavg()[0]:.2f}")
    print()
    print(f"{'start-up (median of %d, side by side)' % runs:<44} {'wall':>9} {'x python':>9} {'cpu':>9} {'x python':>9} "
          f"{'goal':>6}")
    rows = startup(sys.executable, runs, env, "this interpreter")
    if args.clean_venv:
        with tempfile.TemporaryDirectory() as tmp:
            rows += startup(clean_venv(Path(tmp)), runs, env, "bare venv")
    for name, t, ratio, cpu, cpu_ratio, goal in rows:
        mark = "" if goal is None else ("ok" if ratio <= goal else "MISSED")
        print(f"{name:<44} {t * 1000:>7.1f}ms {ratio:>8.2f}x {cpu * 1000:>7.1f}ms {cpu_ratio:>8.2f}x "
              f"{'' if goal is None else f'<={goal:g}x':>6} {mark}")
    if args.startup:
        return
    print()
    print(f"{'scale: eval -f FILE --format json --no-nodes':<44} {'nodes':>10} {'wall':>7} {'cpu':>7} "
          f"{'nodes/s':>9} {'(cpu)':>9} {'peak':>7} {'B/node':>6}")
    results = scale(sys.executable, sizes, depths, env)
    for r in results:
        n, rss, cpu = r["n"], r["rss"], r["cpu"]
        rate, cpu_rate = n / r["wall"], (n / cpu if cpu else 0)
        per = rss / n if rss else 0
        # The memory goal is judged from 100,000 nodes up: below that the interpreter's own ~15 MB dominate.
        memory_ok = per <= GOALS["bytes_per_node"] or n < 100_000
        marks = ("rate ok" if rate >= GOALS["rate"] else "rate MISSED" if cpu_rate < GOALS["rate"]
                 else "rate ok on cpu") + (", memory ok" if memory_ok else ", memory MISSED")
        print(f"{r['name']:<44} {n:>10,} {r['wall']:>6.2f}s {cpu or 0:>6.2f}s {rate:>9,.0f} {cpu_rate:>9,.0f} "
              f"{(rss or 0) / 2**20:>5.0f}MB {per:>6.0f} {marks}")
    sums = [r for r in results if r["name"].startswith("sum")]
    if len(sums) >= 2:
        a, b = sums[-2], sums[-1]
        print(f"linearity: {b['n'] / a['n']:.1f}x the nodes took {b['wall'] / a['wall']:.2f}x the wall time, "
              f"{(b['cpu'] or 0) / (a['cpu'] or 1):.2f}x the CPU time; memory beyond the smaller case: "
              f"{((b['rss'] or 0) - (a['rss'] or 0)) / (b['n'] - a['n']):.0f} B a node")
    if not args.no_peers:
        print()
        print(f"{'peers, the same sums (after import)':<44} {'nodes':>10} {'time':>8} {'nodes/s':>10}")
        for lib, n, t, note in peers([1_300, 13_000, 130_000] + ([] if args.quick else [1_000_000]), env):
            if t is None:
                print(f"{lib:<44} {'' if n is None else f'{n:,}':>10} {note}")
            else:
                print(f"{lib:<44} {n:>10,} {t:>7.2f}s {n / t:>10,.0f}  {note}")


def _cpu() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()
