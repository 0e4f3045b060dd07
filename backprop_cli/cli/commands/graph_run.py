"""What `backprop graph` does once its options are read, without click (the click command, graph.py, and
the fast entry point, entry.py, both call ``run``)."""

from __future__ import annotations

import os

from ...base.errors import InputError
from ...base.numbers import DEFAULT_DIGITS
from ...base.text import printable
from .common import warn

#: -o suffix -> (the text format written, Graphviz's -T output format or None for text)
SUFFIXES = {
    ".dot": ("dot", None), ".gv": ("dot", None), ".mmd": ("mermaid", None), ".tex": ("tikz", None),
    ".svg": ("dot", "svg"), ".png": ("dot", "png"), ".pdf": ("dot", "pdf"),
}


def run(program, collapse="none", fmt=None, out=None, digits=DEFAULT_DIGITS):
    if out == "-":
        out = None
    target = None
    if out is not None:
        suffix = os.path.splitext(out)[1].lower()
        if suffix not in SUFFIXES and fmt is not None:
            # -o /dev/stdout, a FIFO: --format decides (the first text suffix that writes it)
            suffix = next(s for s, (written, picture) in SUFFIXES.items() if written == fmt and picture is None)
        if suffix not in SUFFIXES:
            raise InputError(f"-o {printable(out, 200)}: unknown suffix '{printable(suffix)}'",
                             "Use .dot or .gv (DOT text), .mmd (Mermaid text), .tex (TikZ), or .svg, .png, .pdf (a picture "
                             "drawn by Graphviz).")
        wanted, target = SUFFIXES[suffix]
        if fmt is not None and fmt != wanted:
            if target:
                raise InputError(f"-o {printable(out, 200)}: pictures are drawn from DOT; --format {fmt} cannot make one",
                                 f"Drop --format {fmt}, or write the text with -o FILE.mmd.")
            raise InputError(f"-o {printable(out, 200)} writes {wanted}, but --format says {fmt}",
                             "Drop --format (the suffix decides) or change the suffix.")
        fmt = wanted
    fmt = fmt or "dot"
    dot_program = None
    if target:
        import shutil

        from ...views.graphviz import INSTALL_HINT, ToolMissing  # subprocess: pictures only

        # Before any work: a missing Graphviz is said at once.
        dot_program = shutil.which("dot")
        if dot_program is None:
            raise ToolMissing(f"-o {printable(out, 200)}: drawing a .{target} needs Graphviz's 'dot' program, which is not "
                              "installed (not found on PATH)", INSTALL_HINT)

    loaded = program.load(collapse=collapse)
    graph = loaded.graph
    if not loaded.point and any(name not in graph.defaults for name in graph.inputs):
        from ...views.picture import Structure

        result = Structure(graph)  # inputs without a value: the structure alone
    else:
        result = loaded.run()
        for message in result.warnings:
            warn(message)
    if fmt == "mermaid":
        from ...views.mermaid import lines
    elif fmt == "tikz":
        from ...views.tikz import lines
    else:
        from ...views.dot import lines
    text = lines(result, digits)  # made line by line as it is written: a big graph is never held whole

    if out is None or out == "-":
        import sys

        sys.stdout.writelines(text)
    elif target is None:
        from ...base.files import write_lines

        write_lines(out, text)
    else:
        from ...views.graphviz import render

        render(dot_program, target, "".join(text), out)
