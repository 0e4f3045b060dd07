"""Rerun every ```console example in README.md and docs/*.md, paste the real output back in, and
write the README's command table from the COMMANDS table in backprop_cli/cli/group.py.

    python tools/update_readme.py          # rewrite the files in place (says which changed)
    python tools/update_readme.py --check  # exit 1 if an output or the command table is stale

A ```console block is a series of `$ backprop ...` lines each followed by its output (stdout and
stderr as a terminal shows them, without colour, 100 columns).  An output may end with a line
`(exit status N)`: then the exit status is checked too, and kept when the output is pasted again.  Blocks fenced otherwise (```sh,
```text) are left alone, except an excerpt: a block after `<!-- excerpt of: backprop ..., from "START"
to "END" -->` gets the lines of that command's output from START up to END again.  tests/test_readme.py runs the same examples, so a stale page fails the tests;
a new docs/<topic>.md is picked up without registering it anywhere.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"(```console\n)(.*?)(```)", re.S)
#: a part of a command's output: `<!-- excerpt of: backprop ..., from "START" to "END" -->`, then
#: (after any lines of prose) a fenced block holding the lines from the one starting with START up to
#: the one starting with END ("" for the end), with "..." where output is left out
EXCERPT = re.compile(r'(<!-- excerpt of: (backprop [^\n]*?), from "([^"\n]*)" to "([^"\n]*)" -->\n'
                     r'(?:[^`\n][^\n]*\n|\n)*?```[a-z]*\n)(.*?)(```)', re.S)
TABLE = re.compile(r"(<!-- commands: [^\n]*-->\n)(.*?)(<!-- /commands -->)", re.S)
#: how the examples run: no colour, a fixed width
ENV = {"NO_COLOR": "1", "COLUMNS": "100"}


def pages() -> list:
    """README.md and every docs/*.md: the pages whose examples are checked."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


EXIT = re.compile(r"\(exit status (\d+)\)")


def examples(text: str) -> list:
    """(command, expected output, expected exit status or None) for every `$ ` line of every
    ```console block of a page."""
    found = []
    for block in BLOCK.findall(text):
        for command, output in _commands(block[1]):
            code = None
            if output and EXIT.fullmatch(output[-1]):
                code = int(EXIT.fullmatch(output.pop())[1])
            found.append((command, "\n".join(output), code))
    return found


def _commands(block: str) -> list:
    """(command, output lines) for each `$ ` line of a block."""
    found, command, output = [], None, []
    for line in block.splitlines():
        if line.startswith("$ "):
            if command:
                found.append((command, output))
            command, output = line[2:], []
        else:
            output.append(line)
    if command:
        found.append((command, output))
    return found


def split(command: str) -> tuple:
    """The arguments after `backprop`, standard input (`$ backprop eval - < file`), and the
    environment it runs in: ENV, with any `NAME=value` words before `backprop` (`$ COLUMNS=60 backprop ...`)."""
    words = shlex.split(command)
    env = dict(ENV)
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    stdin = None
    if "<" in words:
        k = words.index("<")
        stdin = (ROOT / words[k + 1]).read_text(encoding="utf-8")
        words = words[:k] + words[k + 2:]
    if not words or words[0] != "backprop":
        raise SystemExit(f"an example does not start with 'backprop': {command}")
    return words[1:], stdin, env


def run(command: str) -> tuple:
    """The command's output (stripped at the end) and exit status."""
    from click.testing import CliRunner

    from backprop_cli.cli.group import main

    args, stdin, env = split(command)
    result = CliRunner(env=env).invoke(main, args, input=stdin, prog_name="backprop")
    return result.output.rstrip(), result.exit_code


def refresh(block: str) -> str:
    out = []
    for command, output in _commands(block):
        printed, code = run(command)
        out += [f"$ {command}", printed] if printed else [f"$ {command}"]
        if output and EXIT.fullmatch(output[-1]):
            out.append(f"(exit status {code})")
    return "\n".join(out) + "\n"


def excerpt(command: str, start: str, end: str) -> str:
    """The lines of the command's output from the one that starts with ``start`` up to (not with)
    the one that starts with ``end`` ("": to the end), with "..." for what is left out."""
    lines = run(command)[0].splitlines()
    first = next(k for k, line in enumerate(lines) if line.startswith(start))
    last = next((k for k, line in enumerate(lines) if end and k > first and line.startswith(end)), len(lines))
    part = "\n".join(lines[first:last]).rstrip("\n")
    return ("...\n" if first else "") + part + "\n" + ("...\n" if last < len(lines) else "")


def anchor(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = heading.lstrip("#").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def guide(name: str) -> str:
    """Where a command's guide is: docs/<name>.md if there is one, else the first heading of
    docs/commands.md, then of the other docs/*.md, that names `backprop <name>`."""
    if (ROOT / "docs" / f"{name}.md").exists():
        return f"docs/{name}.md"
    docs = ROOT / "docs"
    for page in [docs / "commands.md", *sorted(p for p in docs.glob("*.md") if p.name != "commands.md")]:
        for line in page.read_text(encoding="utf-8").splitlines():
            if line.startswith("#") and f"`backprop {name}`" in line:
                return f"docs/{page.name}#{anchor(line)}"
    return "docs/commands.md"


def command_table() -> str:
    from backprop_cli.cli.group import COMMANDS

    rows = ["| command | what it does | guide |", "|---|---|---|"]
    for name, (_, text) in COMMANDS.items():
        rows.append(f"| `backprop {name}` | {text} | [{name}]({guide(name)}) |")
    return "\n".join(rows) + "\n"


def updated(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    new = BLOCK.sub(lambda m: m.group(1) + refresh(m.group(2)) + m.group(3), text)
    new = EXCERPT.sub(lambda m: m.group(1) + excerpt(m.group(2), m.group(3), m.group(4)) + m.group(6), new)
    if path.name == "README.md":
        new = TABLE.sub(lambda m: m.group(1) + command_table() + m.group(3), new)
    return new


def main() -> int:
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    check = "--check" in sys.argv
    stale = []
    for path in pages():
        text = path.read_text(encoding="utf-8")
        new = updated(path)
        if new != text:
            stale.append(path.relative_to(ROOT))
            if not check:
                path.write_text(new, encoding="utf-8")
    verb = "stale" if check else "updated"
    for path in stale:
        print(f"{verb}: {path}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
