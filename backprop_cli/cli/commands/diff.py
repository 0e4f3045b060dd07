"""backprop diff: d(output)/dx as a program in backprop's own language."""

from __future__ import annotations

import click

from .. import options

from .common import ExpressionCommand, source_options, out_option, result_stream, click_option


@click.command(cls=ExpressionCommand, short_help="Write d(output)/dx as a program in this language.")
@source_options
@click_option(options.DIFF_WRT)
@click_option(options.FORMATS["diff"])
@click_option(options.DIFF_ORDER)
@out_option
def command(program, wrt, fmt, out, order):
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
    from ...transforms.diff import derivative_program
    from ...base.errors import InputError

    graph = program.load().scalar_only("diff").graph
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
        if "," in wrt:
            raise InputError(f"--wrt {wrt}: one input for a first derivative",
                             "Two inputs, --wrt x,y, are for --order 2 (d2f/dxdy).")
        text = derivative_program(graph, wrt)
    if fmt == "json":
        import json

        text = json.dumps({"of": graph.output_name, "wrt": wrt, "order": int(order), "inputs": list(graph.inputs),
                           "program": text}, indent=2, ensure_ascii=False) + "\n"
    with result_stream(out, fmt=fmt, command="diff") as stream:
        stream.write(text)
