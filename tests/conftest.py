"""Shared test helpers: run the CLI in-process, find the samples and the lecture's examples."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

# Property tests: random locally (each run explores new examples), derandomised in CI (CI=1, as
# .ci/run sets), so that a CI run is reproducible and never fails on an example no one has seen.
# An example a run finds is kept as an explicit @example beside its test.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
LECTURE = ROOT.parent / "shared" / "examples" / "cs231n.json"


def run(*args, input=None, env=None):
    """Run `backprop ARGS...` in-process; the result has .exit_code, .stdout and .stderr."""
    from backprop_cli.cli.group import main

    runner = CliRunner(env=env)
    return runner.invoke(main, [str(a) for a in args], input=input, catch_exceptions=False,
                         prog_name="backprop")


def batch_peak_rss(tmp_path, header: bytes, block: bytes, copies: int, *args) -> int:
    """Peak resident memory (bytes) of `backprop batch ARGS -i FILE -o OUT` in a subprocess, FILE
    being ``header`` then ``copies`` times ``block``; checks the run and its row count."""
    import subprocess
    import sys

    src, out = tmp_path / f"p{copies}.csv", tmp_path / "out.csv"
    with open(src, "wb") as fh:
        fh.write(header)
        for _ in range(copies):
            fh.write(block)
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLARS_")}
    env["PYTHONPATH"] = str(ROOT)
    proc = subprocess.Popen([sys.executable, "-m", "backprop_cli.cli", "batch", *map(str, args), "-i", str(src),
                             "-o", str(out)], env=env, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, proc.stderr.read()[-2000:]
    with open(out, "rb") as fh:
        assert sum(1 for _ in fh) == block.count(b"\n") * copies + 1
    src.unlink()
    return usage.ru_maxrss * 1024


def run_json(*args, input=None):
    result = run(*args, "--format", "json", input=input)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def cli():
    return run


#: commands whose runs are slow enough (Textual's start-up) that sweeps over every command mark them slow
SLOW_COMMANDS = ("live",)


def command_params(names) -> list:
    """pytest parameters for a sweep over commands: the slow ones marked ``slow``."""
    return [pytest.param(name, marks=pytest.mark.slow) if name in SLOW_COMMANDS else name for name in names]


def lecture_cases():
    """The lecture's examples with independently computed values (shared/, or a copy in tests/)."""
    path = LECTURE if LECTURE.exists() else Path(__file__).with_name("cs231n.json")
    return json.loads(path.read_text())


# The fast parser must never refuse what Lark accepts; in tests, make such a refusal an error.
from backprop_cli.language import parser as _parser  # noqa: E402

_parser.STRICT = True
