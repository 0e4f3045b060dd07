"""What `backprop gates` does once its options are read, without click (the click command, gates.py, and the
fast entry point, entry.py, both call ``run``)."""

from __future__ import annotations

from ..output import echo
from .common import output_to


def run(fmt="text", width=None, out=None):
    with output_to(out, fmt, "gates"):
        return _gates(fmt, width)


def _gates(fmt, width):
    from ...views.gates import as_json, gate_table, render

    rows = gate_table()
    if fmt == "json":
        import json

        echo(json.dumps(as_json(rows), indent=2, ensure_ascii=False))
        return
    if width is None:
        import sys

        from ...views.console import view_width

        width = view_width(stream=sys.stdout)
    echo(render(rows, width), nl=False)
