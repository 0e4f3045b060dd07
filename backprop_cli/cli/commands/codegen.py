"""backprop codegen: the forward and backward pass as flat code in Python, numpy, C or JavaScript."""

from __future__ import annotations

import click

from .. import options

from .common import ExpressionCommand, source_options, out_option, result_stream, click_option


@click.command(cls=ExpressionCommand, short_help="Write the forward and backward pass as flat code.")
@source_options
@click.option("--lang", type=click.Choice(["python", "numpy", "c", "js"]), default="python",
              show_default=True, help="The language to write.")
@click.option("--name", default="f", show_default=True, metavar="NAME", help="The function's name.")
@click_option(options.FORMATS["codegen"])
@click_option(options.CODEGEN_HVP)
@out_option
def command(program, lang, name, fmt, out, hvp):
    """\b
    backprop codegen "(x+y)*z"
    backprop codegen -f samples/staged.bp --lang numpy
    backprop codegen "1/(1+exp(-(w0*x0+w1*x1+w2)))" --lang c --name neuron
    backprop codegen "max(x, y)*z" --lang js > f.js
    backprop codegen "x^2*sin(y)" --lang numpy --hvp

    Write a function that computes EXPR and its gradient the way CS231n's "flat"
    backprop code does: the forward pass as one assignment per node, then the backward
    pass in reverse with one gradient variable per node (dq for a node q) and '+=' where
    gradients add.  Nodes the output does not depend on are left out.

    \b
    python, numpy  def f(x, y, z) returning (value, (dx, dy, dz)); numpy works
                   elementwise over arrays (they broadcast together)
    c              double f(double x, double y, double z, double grad[3]) returns the
                   value and fills grad (needs <math.h>: link with -lm)
    js             function f(x, y, z) returning [value, [dx, dy, dz]]

    The inputs come in order of first appearance.  Kinks follow the engine:
    relu'(0) = 0, abs'(0) = 0, and a tie in max or min splits the gradient evenly.
    """
    from ...transforms.codegen import generate

    loaded = program.load()
    graph = loaded.graph
    if hvp:
        from .codegen_hvp import hvp_code

        text = hvp_code(loaded, lang, name)
    elif graph.tensor and lang == "numpy":
        from ...transforms.tensor_codegen import generate_tensor

        text = generate_tensor(graph, name)
    else:
        loaded.scalar_only(f"codegen --lang {lang}")
        text = generate(graph, lang, name)
    if fmt == "json":
        import json

        text = json.dumps({"language": lang, "function": name, "inputs": list(graph.inputs),
                           "output": graph.output_name, "code": text}, indent=2, ensure_ascii=False) + "\n"
    with result_stream(out, fmt=fmt, command="codegen") as stream:
        stream.write(text)
