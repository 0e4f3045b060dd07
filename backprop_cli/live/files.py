"""What `backprop live` writes: the program with the current inputs as its `input` defaults (s), and
the graph as JSON, DOT or a picture (e).  Every file is written through files.atomic_write."""

from __future__ import annotations

import os
import re

from ..base.errors import BackpropError, InputError
from ..base.files import atomic_write, write_error
from ..base.numbers import exact

_INPUT_STATEMENT = re.compile(r"\s*input\b")

#: export suffix -> what is written
EXPORTS = {".json": "json", ".dot": "dot", ".gv": "dot", ".svg": "svg", ".png": "png", ".pdf": "pdf"}


def with_defaults(source: str, inputs: list, values: dict) -> str:
    """The program with its `input` statements replaced by one that gives every input its current
    value, placed after the leading comments: `input x = -2, y = 5`."""
    kept = []
    for line in source.splitlines():
        parts = _statements(line)
        rest = [p for p in parts if not _INPUT_STATEMENT.match(p)]
        if len(rest) != len(parts):
            if not any(p.strip() for p in rest):
                continue  # the whole line declared inputs
            line = ";".join(rest).strip()
        kept.append(line)
    head = 0
    while head < len(kept) and (not kept[head].strip() or kept[head].lstrip().startswith("#")):
        head += 1
    declaration = "input " + ", ".join(f"{name} = {exact(values[name])}" for name in inputs)
    top, body = kept[:head], kept[head:]
    gap = False
    while top and not top[-1].strip():  # the blank line that followed the old input lines
        top.pop()
        gap = True
    lines = top + ([declaration] if inputs else []) + ([""] if gap and body else []) + body
    return "\n".join(lines).rstrip("\n") + "\n"


def _statements(line: str) -> list:
    """A line split at the ';' outside parentheses and before any comment."""
    from ..api import split_top_level

    return split_top_level(line, ";", "#")


def save_program(path: str, source: str, inputs: list, values: dict, output=None) -> str:
    """Write the program with the current inputs as defaults; checked by parsing it back first."""
    from ..api import build
    from ..core.engine import run

    text = with_defaults(source, inputs, values)
    graph = build(text, output=output)
    check = run(graph, {}, allow_nonfinite=True, record=False)
    if any(check.at[name] != values[name] for name in inputs):
        raise BackpropError("the program could not be rewritten with its inputs as defaults",
                            "Edit its 'input' lines by hand.")
    _write(path, text)
    return text


def export(path: str, result) -> str:
    """Write the graph to ``path``: .json (eval's JSON), .dot/.gv (DOT), .svg/.png/.pdf (Graphviz).
    Returns what was written, in words."""
    suffix = os.path.splitext(path)[1].lower()
    kind = EXPORTS.get(suffix)
    if kind is None:
        raise InputError(f"{path}: unknown suffix '{suffix}'", "Use .json, .dot, .svg, .png or .pdf.")
    if kind == "json":
        from ..views.as_json import render

        _write(path, render(result))
        return "JSON"
    from ..views.dot import render as dot

    text = dot(result)
    if kind == "dot":
        _write(path, text)
        return "DOT"
    import shutil

    from ..views.graphviz import INSTALL_HINT, ToolMissing, render

    program = shutil.which("dot")
    if program is None:
        raise ToolMissing(f"a .{kind} picture needs Graphviz's 'dot' program, which is not installed",
                          INSTALL_HINT)
    render(program, kind, text, path)  # written through files.atomic_write once dot has succeeded
    return f"a {kind.upper()} picture"


def _write(path: str, text: str) -> None:
    try:
        with atomic_write(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    except (OSError, ValueError) as e:  # ValueError: a NUL byte in the path
        raise write_error(path, e) from None
