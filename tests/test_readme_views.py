"""The README's trace/tree/graph section shows real output: each `$ backprop ...` example in it is
run and must print exactly what the README says (regenerate the section from a run if not)."""

import re
import shlex

import pytest

from conftest import ROOT, run

ANCHOR = "<!-- trace and graph views (issue 3) -->"


def section():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(ANCHOR)
    end = text.find("<!--", start + len(ANCHOR))
    return text[start:end if end >= 0 else None]


def examples():
    found = []
    for block in re.findall(r"```console\n(.*?)```", section(), re.S):
        command, _, output = block.partition("\n")
        assert command.startswith("$ backprop "), command
        found.append((shlex.split(command[2:])[1:], output))
    return found


@pytest.mark.parametrize("args,output", examples(), ids=[" ".join(a) for a, _ in examples()])
def test_readme_example_is_real_output(args, output, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    env = {"FORCE_COLOR": None, "NO_COLOR": None}
    if "-o" in args:  # the example of a missing Graphviz
        env["PATH"] = str(tmp_path)
        args = [a if a != "neuron.svg" else str(tmp_path / a) for a in args]
    result = run(*args, env=env)
    shown = result.stderr if "-o" in args else result.stdout
    assert shown.replace(str(tmp_path) + "/", "") == output


def test_readme_mermaid_is_real_output(monkeypatch):
    monkeypatch.chdir(ROOT)
    block = re.search(r"```mermaid\n(.*?)```", section(), re.S).group(1)
    assert run("graph", "-f", "samples/simple.bp", "--format", "mermaid").stdout == block


def test_the_section_has_an_example_of_every_view():
    commands = [" ".join(args) for args, _ in examples()]
    assert any(c.startswith("trace") for c in commands)
    assert any("--format tree" in c for c in commands)
    assert any(c.startswith("graph") for c in commands)
    assert any("--collapse sigmoid" in c for c in commands)
