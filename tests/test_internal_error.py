"""An unexpected internal error: one line saying so, a hint to rerun with --debug, exit 70;
with --debug (on the group or the command) or BACKPROP_DEBUG, the Python traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import backprop_cli.api  # noqa: F401 - imported before engine.run is patched, so it keeps the real one
import backprop_cli.core.engine
from conftest import ROOT, run
from fuzzgen import run_entry


def boom(*args, **kwargs):
    raise RuntimeError("engine exploded\nsecond line of the message")


@pytest.fixture
def broken_engine(monkeypatch):
    monkeypatch.setattr(backprop_cli.core.engine, "run", boom)


@pytest.mark.parametrize("runner", [run, lambda *a, **k: run_entry(list(a), **k)], ids=["click", "entry"])
def test_one_line_and_exit_70(broken_engine, runner):
    result = runner("eval", "x*2", "--at", "x=1")
    assert result.exit_code == 70
    assert result.stdout == ""
    assert result.stderr == ("Internal error: RuntimeError: engine exploded second line of the message. "
                             "This is a bug in backprop; rerun with --debug for the traceback.\n")


def test_a_very_long_exception_message_is_cut(monkeypatch):
    def long_boom(*args, **kwargs):
        raise ValueError("x" * 100_000)

    monkeypatch.setattr(backprop_cli.core.engine, "run", long_boom)
    result = run("eval", "x", "--at", "x=1")
    assert result.exit_code == 70
    assert len(result.stderr.splitlines()) == 1 and len(result.stderr) < 400


def test_an_exception_without_a_message(monkeypatch):
    def bare(*args, **kwargs):
        raise KeyError

    monkeypatch.setattr(backprop_cli.core.engine, "run", bare)
    result = run("eval", "x", "--at", "x=1")
    assert result.exit_code == 70
    assert result.stderr.startswith("Internal error: KeyError. This is a bug")


def test_out_of_memory_is_a_clear_message(monkeypatch):
    def oom(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(backprop_cli.core.engine, "run", oom)
    result = run("eval", "x", "--at", "x=1")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: out of memory")


@pytest.mark.parametrize("args, env", [
    (["--debug", "eval", "x*2", "--at", "x=1"], {}),
    (["eval", "x*2", "--at", "x=1", "--debug"], {}),
    (["eval", "x*2", "--at", "x=1"], {"BACKPROP_DEBUG": "1"}),
])
def test_debug_lets_the_exception_through(broken_engine, args, env, monkeypatch):
    with pytest.raises(RuntimeError, match="engine exploded"):
        run(*args, env=env)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(RuntimeError, match="engine exploded"):
        run_entry(args)  # the console script's fast path, or click behind it


SCRIPT = textwrap.dedent("""
    import sys
    import backprop_cli.api
    import backprop_cli.core.engine

    def boom(*args, **kwargs):
        raise RuntimeError("engine exploded")

    backprop_cli.core.engine.run = boom
    from backprop_cli.cli.entry import main  # what the installed `backprop` runs
    sys.exit(main(sys.argv[1:]))
""")


@pytest.mark.parametrize("debug", [False, True])
def test_in_a_real_process(debug):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("BACKPROP_DEBUG", None)
    args = ["--debug"] if debug else []
    proc = subprocess.run([sys.executable, "-c", SCRIPT, *args, "eval", "x", "--at", "x=1"],
                          capture_output=True, text=True, env=env, timeout=60)
    if debug:
        assert proc.returncode == 1
        assert proc.stderr.startswith("Traceback (most recent call last):")
        assert "in boom" in proc.stderr and "RuntimeError: engine exploded" in proc.stderr
    else:
        assert proc.returncode == 70
        assert proc.stderr == ("Internal error: RuntimeError: engine exploded. This is a bug in backprop; "
                               "rerun with --debug for the traceback.\n")


def test_every_command_has_debug():
    from fuzzgen import load_commands

    found, _ = load_commands()
    for name, command in found.items():
        assert any("--debug" in p.opts for p in command.params if hasattr(p, "opts")), name
