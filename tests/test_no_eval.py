"""User text never reaches Python's eval or exec, in the package or in anything it generates and runs.

Two guards: a scan of the package's source for the calls that run code (eval, exec, compile,
__import__, os.system, shell=True, sympify, ...), and a run of hostile inputs through every command
under an audit hook (PEP 578) that fails the test if text carrying a marker is ever compiled,
imported or handed to a shell or a process.
"""

from __future__ import annotations

import ast
import os
import random
import sys
from pathlib import Path

import pytest

from conftest import ROOT, command_params, run
from fuzzgen import load_commands, random_options, recipe

PACKAGE = ROOT / "backprop_cli"

#: calls that turn text into running code, by name or attribute.
RUNS_CODE = {"eval", "exec", "compile", "__import__", "breakpoint", "execfile", "run_path", "run_module",
             "sympify", "parse_expr", "lambdify", "system", "popen", "execv", "execve", "execl", "execlp",
             "execvp", "spawnl", "spawnv", "interact", "literal_eval", "import_module", "loads", "load"}
#: (file, call) pairs that are allowed, and why.
ALLOWED = {
    # The command name is looked up in the COMMANDS table first; the module name comes from the table.
    ("backprop_cli/cli/group.py", "import_module"),
    # The console script's fast path: the command name is looked up in entry.RUNS first; the module
    # name comes from the table.
    ("backprop_cli/cli/entry.py", "import_module"),
    # Lazy attributes of the package (PEP 562): the module name comes from the _WHERE table.
    ("backprop_cli/__init__.py", "import_module"),
}


def calls_in(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            yield node, name


def test_the_package_has_no_call_that_runs_text_as_code():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        for node, name in calls_in(path):
            if name in RUNS_CODE and (rel, name) not in ALLOWED and _runs_code(node, name):
                found.append(f"{rel}:{node.lineno}: {ast.unparse(node.func)}(...)")
            for kw in node.keywords:
                if kw.arg == "shell" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                    found.append(f"{rel}:{node.lineno}: a call with shell={ast.unparse(kw.value)}")
    assert not found, "code that can run text:\n" + "\n".join(found)


def _runs_code(node: ast.Call, name: str) -> bool:
    if isinstance(node.func, ast.Name):
        return name not in ("load", "loads")  # our own load(); pickle.load is caught below
    owner = ast.unparse(node.func.value)
    if name == "compile":
        return owner == "builtins"  # re.compile builds a pattern, not code
    if name in ("load", "loads"):
        return owner in ("pickle", "marshal", "shelve", "dill", "yaml", "cloudpickle")  # not json
    return True


def test_the_scan_finds_what_it_looks_for(tmp_path):
    # The guard above must be able to fail.
    bad = tmp_path / "bad.py"
    bad.write_text("import os, subprocess, pickle, re, json\nre.compile(s)\njson.loads(s)\neval(s)\nos.system(s)\nsubprocess.run(s, shell=True)\n"
                   "pickle.loads(b)\nbuiltins.__import__(s)\n")
    names = [name for node, name in calls_in(bad) if name in RUNS_CODE and _runs_code(node, name)]
    assert sorted(names) == ["__import__", "eval", "loads", "system"]
    assert any(kw.arg == "shell" for node, _ in calls_in(bad) for kw in node.keywords)


# ---- at run time -----------------------------------------------------------------------------

MARKER = "bpmarker7f3a"
HOSTILE = [
    f"__import__('os').system('touch {MARKER}')",
    f"__import__(\"{MARKER}\")",
    f"eval('{MARKER}')",
    f"exec(\"import {MARKER}\")",
    f"import {MARKER}",
    f"open('{MARKER}').read()",
    f"().__class__.__bases__[0].__subclasses__() # {MARKER}",
    f"lambda: {MARKER}",
    f"{{{{{MARKER}}}}} ${{{MARKER}}} $({MARKER}) `{MARKER}`",
    f"x; touch {MARKER}",
    f"x | {MARKER}",
    # Valid programs whose names are the marker and Python's own: they reach every view and generator.
    f"{MARKER} * 2 + __import__",
    f"{MARKER}_os = 2*x\n__builtins__ = {MARKER}_os + sin(x)\n__builtins__ * exec",
    f"input {MARKER} = 1\nos = {MARKER} ^ 2; system = os + 1; system",
]

_events: list = []
_active = False


def _hook(event, args):
    if not _active:
        return
    if event == "compile":
        source = args[0]
        text = source.decode("utf-8", "replace") if isinstance(source, (bytes, bytearray)) else source
        if isinstance(text, str) and MARKER in text:
            _events.append((event, text[:200]))
    elif event == "exec":
        code = args[0]
        if MARKER in repr(getattr(code, "co_consts", ())) or MARKER in " ".join(getattr(code, "co_names", ())):
            _events.append((event, repr(code)))
    elif event in ("import", "os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn",
                   "pty.spawn", "ctypes.dlopen"):
        if MARKER in repr(args):
            _events.append((event, repr(args)[:200]))


sys.addaudithook(_hook)  # hooks cannot be removed; this one only watches while _active is set


@pytest.fixture
def watch(tmp_path, monkeypatch):
    global _active
    monkeypatch.chdir(tmp_path)
    _events.clear()
    _active = True
    yield tmp_path
    _active = False


FOUND, MISSING = load_commands()


def test_the_audit_hook_sees_what_it_looks_for(watch):
    compile(f"{MARKER} + 1", "<test>", "eval")  # the guard must be able to fail
    assert _events and _events[0][0] == "compile"


@pytest.mark.parametrize("name", command_params(sorted(FOUND)))
def test_hostile_text_is_never_run(name, watch):
    command = FOUND[name]
    rng = random.Random(name)
    takes = {p.name for p in command.params}
    program = watch / "hostile.bp"
    for text in HOSTILE:
        extra = recipe(rng, name, {"x": "1", MARKER: "2"}, str(watch))
        at = (lambda value: ["--at", value, *extra]) if "at" in takes else (lambda value: extra)
        runs = []
        if "expr" in takes:
            runs.append([*at(f"x=1,{MARKER}=2,os=3"), "--", text])
            if "at" in takes:
                runs.append(["--at", f"x={text}", "--", "x*2"])
            runs.append(["--output", text, "--", "x*2"])
        if "file" in takes:
            program.write_text(text)
            runs.append([*at(f"x=1,{MARKER}=2"), "-f", str(program)])
        for _ in range(3):  # and the command's own options, some with the hostile text as value
            chosen = random_options(rng, command, str(watch))
            # Not the value of -o/--out: writing the file the user named is not running their text.
            options = [text if rng.random() < 0.3 and not arg.startswith("-")
                       and (k == 0 or chosen[k - 1] not in ("-o", "--out")) else arg
                       for k, arg in enumerate(chosen)]
            runs.append([*at(f"x=1,{MARKER}=2"), *options, "--", text])
        for argv in runs:
            result = run(name, *argv)
            assert result.exit_code in (0, 1, 2), (argv, result.stderr[:500])
            assert not _events, f"backprop {name} {argv!r} ran user text: {_events}"
    assert not any(MARKER in p.name for p in watch.iterdir())


def test_hostile_text_in_the_api(watch):
    from backprop_cli import api

    for text in HOSTILE:
        try:
            api.evaluate(text, at={"x": 1.0, MARKER: 2.0, f"{MARKER}_os": 1.0})
        except Exception as e:  # noqa: BLE001 - any error is fine here; running the text is not
            assert type(e).__module__.startswith("backprop_cli"), repr(e)
    assert not _events, _events


def test_every_command_imports():
    # The fuzzing, scaling and hostile-text tests run every command that imports: one listed in
    # COMMANDS that does not would escape them.
    assert not MISSING, f"listed in cli/group.py COMMANDS but not importable: {MISSING}"
    assert FOUND


def test_no_marker_file_anywhere():
    assert not (Path(os.getcwd()) / MARKER).exists()
