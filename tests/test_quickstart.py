"""The README's quick start works as written on a fresh machine: in a fresh clone of this repository,
its two commands make a virtual environment themselves (so PEP 668's "externally managed" system pip
does not stop them), install, and run.  `.ci/run` runs the same test command.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT


def quick_start() -> list:
    """The commands of the README's quick start: its ```sh blocks, one command each."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Quick start")
    end = text.index("\n## ", start + 1)
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", text[start:end], re.S)]


def test_the_quick_start_is_two_commands_that_make_their_own_venv():
    commands = quick_start()
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    for command in commands:
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -e ")
        assert " pip install" not in command.replace(".venv/bin/pip install", "")  # never the system pip
    assert commands[0].endswith(".venv/bin/backprop eval -f samples/neuron.bp")
    assert commands[1].endswith(".venv/bin/python -m pytest")


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert quick_start()[1] in ci.splitlines()


def _clean_env() -> dict:
    """The environment of a new shell: none of this test run's virtual environment or paths."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTEST_ADDOPTS", "PYTHONDONTWRITEBYTECODE")
           and not k.startswith(("PYTEST_", "BACKPROP_"))}
    ours = {os.path.dirname(sys.executable)}  # this run's venv, so `python3` is the system's
    if os.environ.get("VIRTUAL_ENV"):
        ours.add(os.path.join(os.environ["VIRTUAL_ENV"], "bin"))
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p not in ours)
    return env


@pytest.mark.slow
def test_the_quick_start_runs_as_written_in_a_fresh_clone(tmp_path):
    assert shutil.which("git") and shutil.which("python3"), "the quick start needs git and python3"
    clone = tmp_path / "backprop"  # the committed state of this repository, as a user clones it
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, capture_output=True)
    run_demo, run_tests = quick_start()
    env = _clean_env()

    demo = subprocess.run(["bash", "-c", run_demo], cwd=clone, env=env, capture_output=True, text=True,
                          timeout=900)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "df/dw0 = -0.1966" in demo.stdout and "f = 0.7311" in demo.stdout

    # The test command as written.  The clone's own suite would take minutes and would run this
    # test again, so the inner pytest is pointed (through its environment, the command unchanged) at
    # the lecture's numbers and the README's examples.
    inner = dict(env, PYTEST_ADDOPTS="tests/test_lecture.py tests/test_readme.py")
    tests = subprocess.run(["bash", "-c", run_tests], cwd=clone, env=inner, capture_output=True, text=True,
                           timeout=1800)
    assert tests.returncode == 0, (tests.stdout + tests.stderr)[-3000:]
    assert re.search(r"\d+ passed", tests.stdout) and "failed" not in tests.stdout
