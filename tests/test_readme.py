"""The README's examples are real: every ```console block is run and must print what it shows.

A block is a series of `$ backprop ...` lines each followed by its output (stdout and stderr as a
terminal would show them, without colour).  Blocks fenced as ```sh are not checked (installs, pipes).
"""

import re
import shlex

import pytest

from conftest import ROOT, run

BLOCK = re.compile(r"```console\n(.*?)```", re.S)


def examples():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for block in BLOCK.findall(text):
        command, output = None, []
        for line in block.splitlines():
            if line.startswith("$ "):
                if command:
                    yield command, "\n".join(output)
                command, output = line[2:], []
            else:
                output.append(line)
        if command:
            yield command, "\n".join(output)


EXAMPLES = list(examples())


def test_the_readme_has_examples():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("command, expected", EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_example(command, expected, monkeypatch):
    monkeypatch.chdir(ROOT)
    words = shlex.split(command)
    stdin = None
    if "<" in words:  # $ backprop eval - < file
        k = words.index("<")
        stdin = (ROOT / words[k + 1]).read_text()
        words = words[:k] + words[k + 2:]
    assert words[0] == "backprop", command
    result = run(*words[1:], input=stdin, env={"NO_COLOR": "1", "COLUMNS": "100"})
    assert result.output.rstrip() == expected.rstrip(), command
