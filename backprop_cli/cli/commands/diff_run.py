"""What `backprop diff` does once its options are read, without click (the click command, diff.py, and
the fast entry point, entry.py, both call ``run``)."""

from __future__ import annotations

from .common import result_stream


def run(program, wrt=None, fmt="program", out=None, order="1"):
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
