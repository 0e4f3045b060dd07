"""Golden outputs: every human-facing view of every sample, plain (no colour), byte for byte.

The expected files live in tests/golden/VIEW/SAMPLE.txt.  After a deliberate change to a view,
regenerate them with

    BACKPROP_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py

then read every changed file (git diff tests/golden) before committing it: a golden file is only
as right as the eye that checked it.  JSON is not here: its full-precision numbers are checked
against independently computed values in test_lecture.py instead.
"""

import os
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

CASES = [(view, name, False) for view in VIEWS for name in SAMPLE_NAMES] + \
        [(view, name, True) for view in VIEWS for name in COLLAPSED]


def _id(case):
    view, name, collapse = case
    return f"{view}-{name}" + ("-collapsed" if collapse else "")


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_golden(case):
    view, name, collapse = case
    args = [VIEWS[view][0], "-f", SAMPLES / f"{name}.bp", *VIEWS[view][1:]]
    if collapse:
        args += ["--collapse", "sigmoid"]
    result = run(*args, env={"FORCE_COLOR": None, "NO_COLOR": None, "COLUMNS": None, "TERM": None})
    assert result.exit_code == 0, result.stderr
    assert "\x1b[" not in result.stdout
    path = GOLDEN / view / (name + ("-collapsed" if collapse else "") + ".txt")
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(result.stdout, encoding="utf-8")
    assert path.exists(), f"no golden file {path}: run with BACKPROP_UPDATE_GOLDEN=1 and review it"
    expected = path.read_text(encoding="utf-8")
    assert result.stdout == expected, f"{path} differs (see the docstring to regenerate)"
