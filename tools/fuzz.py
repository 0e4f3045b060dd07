#!/usr/bin/env python3
"""A long fuzzing campaign over every command: random text, token soup, valid programs, mutated
samples, bytes in files, nonsense --at values and option soup.  Run by hand, not by pytest:

    python tools/fuzz.py                      # 100,000 inputs on every core
    python tools/fuzz.py -n 20000 --seed 7 --commands eval,trace
    python tools/fuzz.py -n 2000 --exe .venv/bin/backprop    # the installed command, one process each

Every run must end with exit 0, or exit 1/2 with one "Error" message on stderr and no traceback
(tests/fuzzgen.py: check_outcome); an input that takes longer than --slow seconds is reported, and
one that takes longer than --hang seconds is stopped and counted as a failure.  Failures are
written, one reproducer per distinct problem, to --out (default fuzz-failures/).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from click.testing import CliRunner  # noqa: E402

import fuzzgen  # noqa: E402

KINDS = {"text": 20, "soup": 25, "valid": 25, "mutant": 16, "bytes": 6, "at": 6, "big": 2}


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang()


def mutate(rng: random.Random, text: str) -> str:
    """A sample program with a few random edits: near-valid input, where parsers are weakest."""
    chars = list(text)
    for _ in range(rng.randint(1, 6)):
        op = rng.random()
        pos = rng.randrange(len(chars) + 1)
        if op < 0.3 and chars:
            del chars[min(pos, len(chars) - 1)]
        elif op < 0.6:
            chars.insert(pos, rng.choice(fuzzgen.TOKENS))
        elif op < 0.8 and chars:
            chars[min(pos, len(chars) - 1)] = rng.choice(fuzzgen.TOKENS)
        else:
            lo = rng.randrange(len(chars) + 1)
            chars[pos:pos] = chars[lo:lo + rng.randint(1, 20)]
    return "".join(chars)


def big_input(rng: random.Random) -> str:
    """Inputs that stress size and depth: over the limits (refused at once), or merely large
    (long sums, deep nesting, long chains, many statements; a few thousand characters)."""
    if rng.random() < 0.5:
        return rng.choice([
            "(" * 200_000 + "x" + ")" * 200_000, "sin(" * 100_001 + "x" + ")" * 100_001,
            "n" * rng.choice([256, 100_000]), "9" * rng.choice([1_001, 100_000]), "x+" * 5_000_001 + "x",
            "x # " + "(" * 300_000, "\n".join(["# " + "w" * 1000] * 300) + "\nx",
        ])
    n = rng.choice([100, 300, 1_000])
    pick = rng.randrange(5)
    if pick == 0:
        return "+".join(rng.choice(["x", "y", "1", "sin(x)"]) for _ in range(n))
    if pick == 1:
        return "(" * n + "x" + ")" * n
    if pick == 2:
        return "-" * n + "x"
    if pick == 3:
        return "^".join(["x"] * n)
    return "\n".join(f"a{i} = a{i - 1} * x + 1" if i else "a0 = x" for i in range(n))


def one_input(rng: random.Random, commands: dict, names: list, samples: list, tmpdir: str):
    """(command name, argv, stdin, kind, whether random options were added)."""
    name = rng.choice(names)
    command = commands[name]
    kind = rng.choices(list(KINDS), list(KINDS.values()))[0]
    point = {"x": "1", "y": "-2", "z": "0.5"}
    if kind == "text":
        program = fuzzgen.random_text(rng, rng.choice([10, 40, 200]))
    elif kind == "soup":
        program = fuzzgen.token_soup(rng, rng.choice([5, 30, 100]))
    elif kind == "valid":
        program, point = fuzzgen.valid_program(rng, rng.randint(1, 6))
    elif kind == "mutant":
        program = mutate(rng, rng.choice(samples))
    elif kind == "bytes":
        program = fuzzgen.random_bytes(rng, rng.choice([10, 60]))
    elif kind == "big":
        program = big_input(rng)
    else:
        program, point = fuzzgen.valid_program(rng, 3)
        point = {"x": rng.choice([fuzzgen.random_text(rng, 10), fuzzgen.token_soup(rng, 5), "", "(", "1e999"])}
    # Not for the big inputs: --max-size 0 on a 10 MB input asks for a long (linear) run.
    options = fuzzgen.random_options(rng, command, tmpdir) if kind != "big" and rng.random() < 0.3 else []
    tail, stdin = fuzzgen.deliver(rng, command, program, tmpdir)
    extra = fuzzgen.recipe(rng, name, point, tmpdir) if rng.random() < 0.9 else []
    return name, [*fuzzgen.at_argument(point, command), *extra, *options, *tail], stdin, kind, bool(options)


class ProcessResult:
    """What check_outcome reads, from a real process."""

    def __init__(self, proc):
        self.exit_code = proc.returncode
        self.stderr = proc.stderr.decode("utf-8", "replace")
        self.exception = None


def run_exe(exe: str, name: str, argv: list, stdin, hang: float):
    import subprocess

    data = stdin.encode("utf-8", "surrogateescape") if isinstance(stdin, str) else stdin
    try:
        proc = subprocess.run([exe, name, *argv], input=data or b"", capture_output=True, timeout=hang,
                              env=dict(os.environ, NO_COLOR="1"))
    except subprocess.TimeoutExpired:
        raise Hang() from None
    except ValueError as e:  # an argument with a NUL byte cannot be passed to a process
        return None, str(e)
    except OSError as e:  # E2BIG: an argument longer than the system takes (a 10 MB EXPR)
        return None, str(e)
    return ProcessResult(proc), None


def worker(job):
    index, count, seed, only, hang, slow, exe = job
    from backprop_cli.cli.group import main

    commands, missing = fuzzgen.load_commands(fast_path=True)
    if only:
        commands = {k: v for k, v in commands.items() if k in only}
    names = sorted(commands)
    samples = [p.read_text() for p in sorted((ROOT / "samples").glob("*.bp"))]
    rng = random.Random(f"{seed}-{index}")
    runner = CliRunner()
    signal.signal(signal.SIGALRM, _alarm)
    stats = {"runs": 0, "exits": Counter(), "by_command": Counter(), "kinds": Counter(), "command_exits": Counter(),
             "failures": {}, "slow": [], "slowest": 0.0, "missing": sorted(missing), "skipped": 0}
    with tempfile.TemporaryDirectory(prefix="bpfuzz") as tmpdir:
        os.chdir(tmpdir)
        for _ in range(count):
            name, argv, stdin, kind, optioned = one_input(rng, commands, names, samples, tmpdir)
            signal.setitimer(signal.ITIMER_REAL, hang)
            start = time.perf_counter()
            try:
                if exe:
                    result, _ = run_exe(exe, fuzzgen.base_name(name), argv, stdin, hang)
                    if result is None:  # argv with a NUL byte or a lone surrogate: no process can get it
                        stats["skipped"] += 1
                        continue
                elif fuzzgen.is_fast(name):
                    result = fuzzgen.run_entry([fuzzgen.base_name(name), *argv], input=stdin, catch_exceptions=True)
                else:
                    result = runner.invoke(main, [name, *argv], input=stdin, catch_exceptions=True)
                problem = fuzzgen.check_outcome(result)
                if isinstance(result.exception, Hang) or "Internal error: Hang" in result.stderr:
                    problem = f"did not finish in {hang} s"
                code = result.exit_code
            except Hang:
                problem, code = f"did not finish in {hang} s", "hang"
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            elapsed = time.perf_counter() - start
            if kind == "valid" and fuzzgen.base_name(name) == "eval" and not optioned and code == 2 and problem is None:
                problem = "a valid program was refused as bad input"
            stats["runs"] += 1
            stats["exits"][str(code)] += 1
            stats["by_command"][name] += 1
            stats["command_exits"][f"{name} {code}"] += 1
            stats["kinds"][kind] += 1
            stats["slowest"] = max(stats["slowest"], elapsed)
            if elapsed > slow:
                stats["slow"].append({"command": name, "argv": _short(argv), "seconds": round(elapsed, 2)})
            if problem:
                key = f"{name}: {problem.splitlines()[0][:120]}"
                stats["failures"].setdefault(key, {"command": name, "argv": argv, "stdin": _text(stdin),
                                                   "problem": problem, "count": 0})
                stats["failures"][key]["count"] += 1
    return stats


def _short(argv):
    return [a if len(a) <= 80 else a[:77] + "..." for a in argv]


def _text(stdin):
    return stdin.decode("utf-8", "backslashreplace") if isinstance(stdin, bytes) else stdin


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", "--count", type=int, default=100_000, help="inputs in all (default 100,000)")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", default="backprop")
    ap.add_argument("--commands", default="", help="comma-separated; default: every importable command")
    ap.add_argument("--hang", type=float, default=60.0, help="seconds before an input counts as a hang")
    ap.add_argument("--slow", type=float, default=5.0, help="report inputs slower than this")
    ap.add_argument("--out", default="fuzz-failures", help="directory for reproducers and the report")
    ap.add_argument("--exe", default="", help="run this installed command in a process per input "
                                              "(slower) instead of the package in-process")
    args = ap.parse_args()

    only = {c for c in args.commands.split(",") if c}
    chunk = 500
    chunk = 50 if args.exe else chunk
    jobs = [(i, min(chunk, args.count - i * chunk), args.seed, only, args.hang, args.slow, args.exe)
            for i in range((args.count + chunk - 1) // chunk)]
    total = {"runs": 0, "exits": Counter(), "by_command": Counter(), "kinds": Counter(), "command_exits": Counter(),
             "failures": {},
             "slow": [], "slowest": 0.0, "missing": [], "skipped": 0}
    start = time.time()
    with multiprocessing.Pool(args.jobs) as pool:
        for done, stats in enumerate(pool.imap_unordered(worker, jobs), 1):
            for key in ("exits", "by_command", "kinds", "command_exits"):
                total[key].update(stats[key])
            total["runs"] += stats["runs"]
            total["skipped"] += stats["skipped"]
            total["slow"] += stats["slow"]
            total["slowest"] = max(total["slowest"], stats["slowest"])
            total["missing"] = stats["missing"]
            for key, failure in stats["failures"].items():
                if key in total["failures"]:
                    total["failures"][key]["count"] += failure["count"]
                else:
                    total["failures"][key] = failure
            print(f"\r{total['runs']:,} inputs, {sum(f['count'] for f in total['failures'].values())} failures, "
                  f"{time.time() - start:.0f} s", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    elapsed = time.time() - start

    out = Path(args.out)
    out.mkdir(exist_ok=True)
    report = {"inputs": total["runs"], "seconds": round(elapsed), "seed": args.seed, "jobs": args.jobs,
              "exit_codes": dict(sorted(total["exits"].items())), "per_command": dict(sorted(total["by_command"].items())),
              "per_kind": dict(total["kinds"]), "failures": list(total["failures"].values()),
              "slow_inputs": sorted(total["slow"], key=lambda s: -s["seconds"])[:20],
              "slowest_seconds": round(total["slowest"], 3), "not_importable": total["missing"]}
    (out / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))

    failures = sum(f["count"] for f in total["failures"].values())
    where = f"the command {args.exe}, a process per input" if args.exe else "in-process"
    print(f"inputs        {total['runs']:,} in {elapsed:.0f} s on {args.jobs} workers, {where} (seed {args.seed!r})")
    print(f"{'commands':<20} inputs   exit 0   exit 1   exit 2")
    for name, count in sorted(total["by_command"].items()):
        e = total["command_exits"]
        print(f"  {name:18} {count:>6,} {e[name + ' 0']:>8,} {e[name + ' 1']:>8,} {e[name + ' 2']:>8,}")
    print("kinds         " + ", ".join(f"{k} {v:,}" for k, v in total["kinds"].most_common()))
    print("exit codes    " + ", ".join(f"{k}: {v:,}" for k, v in sorted(total["exits"].items())))
    print(f"slowest input {total['slowest']:.2f} s; slower than {args.slow:g} s: {len(total['slow'])}")
    if total["skipped"]:
        print(f"skipped       {total['skipped']:,} (argv a process cannot be given: NUL bytes, lone surrogates, "
              "an argument over the system's length limit)")
    if total["missing"]:
        print(f"not fuzzed    {', '.join(total['missing'])} (module not importable)")
    print(f"failures      {failures:,} ({len(total['failures'])} distinct)")
    for key, failure in sorted(total["failures"].items(), key=lambda kv: -kv[1]["count"]):
        print(f"  {failure['count']:>6}  {key}")
        print(f"          backprop {failure['command']} {json.dumps(failure['argv'], ensure_ascii=False)[:300]}")
    print(f"report        {out / 'report.json'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
