"""backprop diff: d(output)/dx as a program in backprop's own language."""

from __future__ import annotations

import click

from .common import ExpressionCommand, read_program, source_options, out_option, result_stream


@click.command(cls=ExpressionCommand, short_help="Write d(output)/dx as a program in this language.")
@source_options
@click.option("--wrt", metavar="NAME",
              help="The input to differentiate with respect to (needed when there are several).")
@click.option("--format", "fmt", type=click.Choice(["program", "json"]), default="program", show_default=True,
              help="program: backprop's language; json: {of, wrt, inputs, program} for scripts.")
@click.option("--order", type=click.Choice(["1", "2"]), default="1", show_default=True,
              help="2: the second derivative, d2f/dx2 (--wrt x) or d2f/dxdy (--wrt x,y).")
@out_option
def command(expr, file, wrt, fmt, output, out, order):
    """\b
    backprop diff "x^3 + sin(x)*y" --wrt x
    backprop diff -f samples/neuron.bp --wrt w0 | backprop eval -
    backprop diff "x^3" --wrt x --order 2                       (the second derivative)
    backprop diff "x^2*sin(y)" --wrt x,y --order 2
    backprop diff "relu(x)*y" --wrt x | backprop eval - --at x=2,y=3

    Write d(output)/d(NAME) as a program that backprop reads: the original inputs
    (with their defaults), named statements for shared subexpressions, and the
    derivative last.  It is built by walking the graph backward as 'eval' does,
    simplified (constants folded, x*1, x+0, --x; not x*0, which is nan at inf),
    and has the size of the input.

    The derivatives of relu, abs, max and min are written with step(x), sign(x) and
    share(a, m, x1, ...), which follow the engine at the kinks.  EXPR '-' reads the
    program from standard input, so diff can be applied twice.
    """
    from ...api import build
    from ...transforms.diff import derivative_program
    from ...base.errors import InputError

    source, origin = read_program(expr, file)
    graph = build(source, output=output, origin=origin)
    if graph.tensor:
        from .common import scalar_only

        scalar_only(graph, {}, "diff")
    if wrt is None:
        if len(graph.inputs) != 1:
            names = ", ".join(graph.inputs) or "none"
            raise InputError("--wrt is needed: which input should the derivative be taken with respect to?",
                             f"The inputs: {names}; e.g. --wrt {next(iter(graph.inputs), 'x')}.")
        wrt = next(iter(graph.inputs))
    if order == "2":
        from .diff_second import second_order_program

        text = second_order_program(graph, wrt)
    else:
        if wrt is not None and "," in wrt:
            raise InputError(f"--wrt {wrt}: one input for a first derivative",
                             "Two inputs, --wrt x,y, are for --order 2 (d2f/dxdy).")
        text = derivative_program(graph, wrt)
    if fmt == "json":
        import json

        text = json.dumps({"of": graph.output_name, "wrt": wrt, "inputs": list(graph.inputs),
                           "program": text}, indent=2, ensure_ascii=False) + "\n"
    with result_stream(out) as stream:
        stream.write(text)
