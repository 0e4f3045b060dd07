"""Excerpts of real output on the docs pages are real too: the fenced block after
`<!-- excerpt of: backprop ..., from "START" to "END" -->` must be those lines of what the command
prints now (run as the ```console examples run; tools/update_readme.py pastes them again)."""

from __future__ import annotations

import sys

import pytest

from conftest import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import update_readme  # noqa: E402

FOUND = [(path.relative_to(ROOT).as_posix(), m.group(2), m.group(3), m.group(4), m.group(5))
         for path in update_readme.pages() for m in update_readme.EXCERPT.finditer(path.read_text(encoding="utf-8"))]


def test_the_docs_have_excerpts():
    assert len(FOUND) >= 2, FOUND


@pytest.mark.parametrize("page, command, start, end, block", FOUND, ids=[f"{f[0]}: {f[1]}" for f in FOUND])
def test_excerpt(page, command, start, end, block, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert block == update_readme.excerpt(command, start, end), \
        f"{page}: the excerpt of `{command}` is stale (python tools/update_readme.py)"
