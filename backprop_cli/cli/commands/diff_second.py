"""`diff --order 2`: read --wrt x or --wrt x,y and ask the transform for the program."""

from __future__ import annotations

from ...base.errors import InputError, unknown_input


def second_order_program(graph, wrt: str) -> str:
    from ...transforms.second_diff import second_derivative_program

    names = [n.strip() for n in wrt.split(",")]
    if len(names) > 2 or not all(names):
        raise InputError(f"--wrt {wrt}: one input (d2f/dx2) or two (d2f/dxdy) for --order 2",
                         "e.g. --wrt x or --wrt x,y.")
    for name in names:
        if name not in graph.inputs:
            raise unknown_input("--wrt", name, graph.inputs)
    return second_derivative_program(graph, names[0], names[-1])
