"""Nothing slower than linear in the size of the input, for every command.

Not a speed test: each case runs the same command on an input and on one 8 times larger, in the
same test, and compares the two times.  Linear work grows about 8 times; quadratic work 64 times.
The bound (8 x 3.5 = 28) leaves room for a noisy machine, and each time is the best of two runs.
Absolute timings, and larger sizes, are in bench/scaling.py.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest

from backprop_cli.language import limits
from conftest import command_params, run
from fuzzgen import load_commands

FOUND, _ = load_commands()
GROWTH = 8
BOUND = GROWTH * 3.5

POINTS_CSV = Path(tempfile.mkdtemp(prefix="bpscale")) / "points.csv"
POINTS_CSV.write_text(",".join(f"x{i}" for i in range(20)) + "\n" +
                      "\n".join(",".join(str(0.5 + (i + r) / 40) for i in range(20)) for r in range(3)) + "\n")

#: what a command needs besides the program and the point to do its full work.
RECIPES: dict = {"diff": ["--wrt", "x1"], "plot": ["--over", "x0=-1:1:21", "--format", "csv"],
                 "optimize": ["--steps", "3", "--format", "json"], "batch": ["-i", str(POINTS_CSV)],
                 "live": ["--screenshot", str(POINTS_CSV.with_name("live.svg")), "--keys", "n right"]}


def program(n: int) -> str:
    """n statements, each using the one before and some of 20 inputs (a deep graph, many names),
    with nested parentheses, calls of one and of many arguments, and one long last line."""
    lines = ["s0 = x0"]
    for i in range(1, n):
        lines.append(f"s{i} = sin(s{i - 1}) * x{i % 20} + (((x{(i * 7) % 20} - s{i - 1}))) / 3")
    lines.append(" + ".join(f"max(s{i}, x{i % 20}, 0.1)" for i in range(n)))
    return "\n".join(lines)


POINT = ",".join(f"x{i}={0.5 + i / 40}" for i in range(20))


def argv(name: str, text: str) -> list:
    point = ["--at", POINT] if "at" in {p.name for p in FOUND[name].params} else []
    return [name, *RECIPES.get(name, []), *point, "--", text]


def best_time(name: str, text: str) -> float:
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        result = run(*argv(name, text))
        best = min(best, time.perf_counter() - start)
        assert result.exit_code == 0, (name, result.stderr[:500])
    return best


#: the commands that read a program (``backprop gates`` reads none).
PROGRAM_COMMANDS = [name for name, c in FOUND.items() if "expr" in {p.name for p in c.params}]


@pytest.mark.parametrize("name", command_params(PROGRAM_COMMANDS))  # test_no_eval.py::test_every_command_imports: none missing
def test_commands_scale_linearly(name):
    n = 6
    small, large = program(n), program(GROWTH * n)
    run(*argv(name, small))  # warm up: imports, caches
    t_small = best_time(name, small)
    t_large = best_time(name, large)
    assert t_large < BOUND * t_small, (
        f"{name}: {t_small * 1000:.0f} ms at n={n}, {t_large * 1000:.0f} ms at n={GROWTH * n} "
        f"({t_large / t_small:.1f} times; linear is about {GROWTH})")


def test_the_limit_checks_scale_linearly():
    texts = {
        "sum": lambda n: "x+" * n + "x",
        "names just under the limit": lambda n: ("n" * 255 + "+") * (n // 256) + "1",
        "digits just under the limit": lambda n: ("9" * 1000 + "+") * (n // 1001) + "1",
        "long words in comments": lambda n: ("# " + "w" * 300 + " ") * (n // 302) + "\nx",
        "parentheses": lambda n: "(" * (n // 2) + "x" + ")" * (n // 2),
    }
    for what, make in texts.items():
        small, large = make(250_000), make(250_000 * GROWTH)
        times = []
        for text in (small, large):
            best = float("inf")
            for _ in range(2):
                start = time.perf_counter()
                try:
                    limits.check_source(text)
                except limits.InputError:
                    pass
                best = min(best, time.perf_counter() - start)
            times.append(best)
        # Below a few milliseconds, caches and timer noise decide; the floor keeps that out.
        assert times[1] < BOUND * max(times[0], 0.005), (what, times)


def backward_exercise(n: int) -> str:
    """A forward pass of n steps and its backward pass, one line each (2n + 3 lines)."""
    lines = ["input x = 0.5"] + [f"a{k} = {'x' if k == 0 else f'a{k - 1}'} * 1.0001" for k in range(n)]
    lines += [f"f = a{n - 1}", f"da{n - 1} = df"]
    lines += [f"da{k - 1} = da{k} * 1.0001" for k in range(n - 1, 0, -1)] + ["dx = da0 * 1.0001"]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_check_backward_scales_linearly_in_lines(tmp_path):
    # Each line's number was counted from the start of the file: 17.5 s at 64k lines (issue #24).
    growth = 16
    times = []
    for n in (1000, 1000 * growth):
        path = tmp_path / f"b{n}.bp"
        path.write_text(backward_exercise(n))
        best = float("inf")
        for _ in range(2):
            start = time.perf_counter()
            result = run("check", "-f", str(path), "--backward")
            best = min(best, time.perf_counter() - start)
            assert result.exit_code == 0, result.stderr[:500]
        times.append(best)
    assert times[1] < growth * 3.5 * times[0], times


def test_line_index_agrees_with_line_col():
    import random

    from backprop_cli.base.text import LineIndex, line_col

    rng = random.Random(24)
    for _ in range(20):
        source = "".join(rng.choice("ab\n") for _ in range(rng.randrange(0, 300)))
        index = LineIndex(source)
        assert all(index.line_col(p) == line_col(source, p) for p in range(len(source) + 1))
