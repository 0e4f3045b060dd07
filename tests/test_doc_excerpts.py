"""Excerpts of real output on the docs pages are real too: a fenced block after
`<!-- excerpt of: backprop ... -->` must be found, piece by piece ('...' lines separate the pieces),
in what that command prints (run as the ```console examples run: tools/update_readme.py's ENV)."""

from __future__ import annotations

import re
import sys

import pytest

from conftest import ROOT, run

sys.path.insert(0, str(ROOT / "tools"))
import update_readme  # noqa: E402

EXCERPT = re.compile(r"<!-- excerpt of: (backprop [^\n]*?) -->\n(?:[^`\n][^\n]*\n|\n)*?```[a-z]*\n(.*?)```", re.S)
FOUND = [(path.relative_to(ROOT).as_posix(), m.group(1), m.group(2))
         for path in update_readme.pages() for m in EXCERPT.finditer(path.read_text(encoding="utf-8"))]


def test_the_docs_have_excerpts():
    assert len(FOUND) >= 2, FOUND


@pytest.mark.parametrize("page, command, block", FOUND, ids=[f"{p}: {c}" for p, c, _ in FOUND])
def test_excerpt(page, command, block, monkeypatch):
    monkeypatch.chdir(ROOT)
    args, stdin, env = update_readme.split(command)
    output = run(*args, input=stdin, env=env).output
    pieces = [p.strip("\n") for p in re.split(r"^\.\.\.$", block, flags=re.M)]
    for piece in pieces:
        if piece.strip():
            assert piece in output, f"{page}: an excerpt of `{command}` is stale:\n{piece}"
