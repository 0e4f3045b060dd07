"""backprop gates: the lecture's cheat sheet, printed from the gate table."""

from __future__ import annotations

import click

from .common import _set_debug


@click.command(short_help="List every gate: forward rule, local gradients, backward pattern.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: the cheat sheet; json: [{name, arity, forward, local, pattern}] for scripts.")
@click.option("--width", type=click.IntRange(60, 1000), default=None, metavar="COLUMNS",
              help="Width of the text (default: the terminal's, at least 60).")
@click.option("--debug", is_flag=True, expose_value=False, callback=_set_debug, is_eager=True,
              help="Show the Python traceback of an internal error.")
def command(fmt, width):
    """\b
    backprop gates
    backprop gates --format json | jq '.[] | select(.name == "sigmoid")'

    Every gate of the language as the lecture's cheat sheet: its forward rule, its local
    gradient for each input (d/dx, written as a formula in the language), and the pattern
    the gradient follows backward (the add gate distributes, the mul gate swaps, the max
    gate routes).  arity in JSON is [fewest, most] inputs, most null for any number.
    """
    import json
    import shutil

    from ...views.gates import as_json, gate_table, render

    rows = gate_table()
    if fmt == "json":
        click.echo(json.dumps(as_json(rows), indent=2, ensure_ascii=False))
        return
    if width is None:
        width = shutil.get_terminal_size((100, 24)).columns
    click.echo(render(rows, width), nl=False)
