"""Golden outputs: every human-facing view of every sample, plain (no colour), byte for byte.

The expected files live in tests/golden/VIEW/SAMPLE.txt; the text views that fit the terminal (table,
tree, trace) have one file per width, VIEW/SAMPLE-WIDTH.txt, for 60, 80 and 120 columns (COLUMNS),
and no line may be wider.  After a deliberate change to a view,
regenerate them with

    BACKPROP_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

then read every changed file (git diff tests/golden) before committing it: a golden file is only
as right as the eye that checked it.  JSON is not here: its full-precision numbers are checked
against independently computed values in test_lecture.py instead.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLES, run

GOLDEN = Path(__file__).with_name("golden")
UPDATE = os.environ.get("BACKPROP_UPDATE_GOLDEN") == "1"
SAMPLE_NAMES = ["simple", "neuron", "staged", "gates"]

VIEWS = {
    "table": ["eval"],
    "tree": ["eval", "--format", "tree"],
    "trace": ["trace"],
    "dot": ["graph", "--format", "dot"],
    "mermaid": ["graph", "--format", "mermaid"],
}
# The lecture folds the neuron's sigmoid; the staged sample has two sigmoids to fold.
COLLAPSED = ["neuron", "staged"]

#: the views laid out for the terminal's width, and the widths they are kept at
FITTED = {"table", "tree", "trace"}
WIDTHS = [60, 80, 120]

BASE = [(view, name, False) for view in VIEWS for name in SAMPLE_NAMES] + \
       [(view, name, True) for view in VIEWS for name in COLLAPSED]
CASES = [(view, name, collapse, width) for view, name, collapse in BASE
         for width in (WIDTHS if view in FITTED else [None])]


def _id(case):
    view, name, collapse, width = case
    return f"{view}-{name}" + ("-collapsed" if collapse else "") + (f"-{width}" if width else "")


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_golden(case):
    view, name, collapse, width = case
    args = [VIEWS[view][0], "-f", SAMPLES / f"{name}.bp", *VIEWS[view][1:]]
    if collapse:
        args += ["--collapse", "sigmoid"]
    columns = str(width) if width else None
    result = run(*args, env={"FORCE_COLOR": None, "NO_COLOR": None, "COLUMNS": columns, "TERM": None})
    assert result.exit_code == 0, result.stderr
    assert "\x1b[" not in result.stdout
    if width:
        assert max(len(line) for line in result.stdout.splitlines()) <= width
    path = GOLDEN / view / (_id(case)[len(view) + 1:] + ".txt")
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(result.stdout, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with BACKPROP_UPDATE_GOLDEN=1 and review it"
    expected = path.read_text(encoding="utf-8")
    assert result.stdout == expected, f"{path} differs (see the docstring to regenerate)"


#: the other views people read, each kept at every width: one case each (name -> arguments)
MORE = {
    "check-neuron": ["check", "-f", SAMPLES / "neuron.bp"],
    "check-kink": ["check", "relu(x)*y + max(y, z)", "--at", "x=0,y=2,z=2"],
    "check-directions": ["check", "-f", SAMPLES / "neuron.bp", "--method", "directions", "--directions", "3"],
    "check-grad": ["check", "x^2*sin(x)", "--at", "x=1", "--grad", "dx = 2*x*sin(x)"],
    "plot": ["plot", "x*sin(x)", "--over", "x=-3:3"],
    "optimize": ["optimize", "(x-3)^2 + (y+1)^2", "--at", "x=0,y=0", "--steps", "20"],
    "gates": ["gates"],
    "help": ["--help"],
    "help-eval": ["eval", "--help"],
    "help-check": ["check", "--help"],
    "help-trace": ["trace", "--help"],
}
MORE_CASES = [(name, width) for name in MORE for width in WIDTHS]


@pytest.mark.parametrize("case", MORE_CASES, ids=[f"{n}-{w}" for n, w in MORE_CASES])
def test_golden_more(case):
    name, width = case
    if name.startswith("help"):
        # The help is laid out by the entry point (its width is read at start-up): a real process.
        env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR", "TERM")}
        result = subprocess.run([sys.executable, "-m", "backprop_cli", *MORE[name]], capture_output=True,
                                text=True, env={**env, "COLUMNS": str(width)}, cwd=SAMPLES.parent)
        result.exit_code = result.returncode
    else:
        result = run(*MORE[name], env={"FORCE_COLOR": None, "NO_COLOR": None, "COLUMNS": str(width), "TERM": None})
    assert result.exit_code in (0, 1), result.stderr
    assert "\x1b[" not in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= width
    path = GOLDEN / "more" / f"{name}-{width}.txt"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(result.stdout, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with BACKPROP_UPDATE_GOLDEN=1 and review it"
    assert result.stdout == path.read_text(encoding="utf-8"), f"{path} differs (see the docstring to regenerate)"
