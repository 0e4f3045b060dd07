"""The README's and docs' examples are real: every ```console block of README.md and of every
docs/*.md is run and must print what it shows (a new page under docs/ is picked up by itself).

A block is a series of `$ backprop ...` lines each followed by its output (stdout and stderr as a
terminal would show them, without colour).  Blocks fenced as ```sh or ```text are not checked
(installs, pipes).  `python tools/update_readme.py` pastes fresh outputs and the command table.
"""

import re
import sys

import pytest

from conftest import ROOT, run

sys.path.insert(0, str(ROOT / "tools"))
import update_readme  # noqa: E402

PAGES = update_readme.pages()
EXAMPLES = [(path.relative_to(ROOT).as_posix(), command, expected, code)
            for path in PAGES
            for command, expected, code in update_readme.examples(path.read_text(encoding="utf-8"))]


def test_the_pages_include_the_readme_and_every_docs_page():
    names = [p.relative_to(ROOT).as_posix() for p in PAGES]
    assert names[0] == "README.md"
    assert set(names[1:]) == {p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md")}
    for required in ("commands", "language", "conventions", "performance", "limits"):
        assert f"docs/{required}.md" in names


def test_the_readme_is_one_page_with_three_examples():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    assert len([e for e in EXAMPLES if e[0] == "README.md"]) == 3
    assert len(EXAMPLES) >= 20  # the guide by command has its own


def test_the_readme_lists_every_command():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = update_readme.TABLE.search(text)
    assert table, "the README lost its command table markers"
    assert table.group(2) == update_readme.command_table(), "run python tools/update_readme.py"


def test_links_between_the_pages_lead_somewhere():
    for path in [*PAGES, ROOT / "CONTRIBUTING.md"]:
        text = path.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target:
                continue
            assert (path.parent / target).exists(), f"{path.name} links to a missing {target}"


@pytest.mark.parametrize("page, command, expected, code", EXAMPLES, ids=[f"{p}: {c}" for p, c, _, _ in EXAMPLES])
def test_example(page, command, expected, code, monkeypatch):
    monkeypatch.chdir(ROOT)
    args, stdin, env = update_readme.split(command)
    result = run(*args, input=stdin, env=env)
    assert result.output.rstrip() == expected.rstrip(), f"{page}: {command} (python tools/update_readme.py)"
    if code is not None:  # the page shows "(exit status N)"
        assert result.exit_code == code, f"{page}: {command}"


def test_an_example_may_show_its_exit_status():
    found = update_readme.examples("```console\n$ backprop x\nout\n(exit status 2)\n$ backprop y\n```\n")
    assert found == [("backprop x", "out", 2), ("backprop y", "", None)]
