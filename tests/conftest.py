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
