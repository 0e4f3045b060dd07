"""Short names, the lecture's way of writing a graph (q = x + y, f = q*z): every node that has a name
in the program keeps it, inputs and constants are themselves, the unnamed output is called by the
output's name (f), and every other gate gets t1, t2, ... in topological order, skipping names the
program uses.  The views (views/notation.py), the quiz and the live app all name nodes with this."""

from __future__ import annotations


from .graph import Graph

def _generated(name: str) -> bool:
    """``t\\d+``: a name of the form the short names take (t1, t2, ...)."""
    return name[:1] == "t" and name[1:].isdecimal()


def short_names(g: Graph) -> list:
    """Every node's short name (see the module's docstring): one pass, one string a node."""
    used = {n for n in g.inputs}
    used.update(n for n in set(g.name) if n is not None)
    taken = {n for n in used if _generated(n)}
    out, out_name = g.output, g.output_name
    names: list = [None] * len(g)
    op, given, payload = g.op, g.name, g.payload
    counter = 0
    for i in range(len(op)):
        if given[i] is not None:
            names[i] = given[i]
        elif op[i] == "input":
            names[i] = payload[i]
        elif op[i] == "const":
            names[i] = g.label(i)
        elif i == out and out_name not in used:
            names[i] = out_name
        else:
            counter += 1
            while f"t{counter}" in taken:
                counter += 1
            names[i] = f"t{counter}"
    return names
