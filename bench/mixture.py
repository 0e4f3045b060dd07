"""Programs for the output and parser benchmarks: a seeded random mixture of gates, and deep nesting.

The mixture is one flat sum of small random terms over x, y and z that uses every kind of gate the
language has (the four operators, power, negation, the one-argument functions, max and min), with
values that stay finite at POINT.  ``torch_terms`` spells the same terms for PyTorch.
"""

from __future__ import annotations

import random

POINT = "x=0.3,y=-0.2,z=0.7"
POINT_VALUES = {"x": 0.3, "y": -0.2, "z": 0.7}

#: (template, nodes it adds besides its operands, PyTorch spelling); {0} and {1} are subterms
_UNARY = [
    ("sin({0})", "torch.sin({0})"), ("cos({0})", "torch.cos({0})"), ("tanh({0})", "torch.tanh({0})"),
    ("sigmoid({0})", "torch.sigmoid({0})"), ("relu({0})", "torch.relu({0})"), ("abs({0})", "torch.abs({0})"),
    ("exp(-{0}*{0})", "torch.exp(-{0}*{0})"), ("log(1+{0}*{0})", "torch.log(1+{0}*{0})"),
    ("sqrt(1+{0}*{0})", "torch.sqrt(1+{0}*{0})"), ("-{0}", "-{0}"),
]
_BINARY = [
    ("({0}+{1})", "({0}+{1})"), ("({0}-{1})", "({0}-{1})"), ("{0}*{1}", "{0}*{1}"),
    ("{0}/(2+{1}*{1})", "{0}/(2+{1}*{1})"), ("max({0}, {1})", "torch.maximum({0}, {1})"),
    ("min({0}, {1})", "torch.minimum({0}, {1})"), ("({0})**2", "({0})**2"),
]


def _term(rng: random.Random, depth: int) -> tuple:
    """(backprop text, PyTorch text) of a random term, built bottom-up without recursion."""
    leaves = []
    for _ in range(2 ** depth):
        name = rng.choice("xyz")
        c = rng.choice(["1.5", "0.25", "2", "0.7"])
        leaves.append((f"{name}*{c}", f"{name}*{c}") if rng.random() < 0.5 else (name, name))
    while len(leaves) > 1:
        nxt = []
        for a, b in zip(leaves[::2], leaves[1::2]):
            if rng.random() < 0.5:
                tb, tt = rng.choice(_BINARY)
                nxt.append((tb.format(a[0], b[0]), tt.format(a[1], b[1])))
            else:
                ub, ut = rng.choice(_UNARY)
                tb, tt = rng.choice(_BINARY[:3])
                inner = (ub.format(a[0]), ut.format(a[1]))
                nxt.append((tb.format(inner[0], b[0]), tt.format(inner[1], b[1])))
        leaves = nxt
    return leaves[0]


def mixture(n_nodes: int, seed: int = 17) -> tuple:
    """(program, PyTorch terms) with about ``n_nodes`` nodes in the graph."""
    from backprop_cli.language.parser import parse

    rng = random.Random(seed)
    sample = [_term(rng, 3) for _ in range(200)]
    per_term = len(parse(" + ".join(t for t, _ in sample))) / len(sample)
    rng = random.Random(seed)
    terms = [_term(rng, 3) for _ in range(max(1, int(n_nodes / per_term)))]
    return " + ".join(t for t, _ in terms) + "\n", [t for _, t in terms]


def nesting(depth: int) -> str:
    return "sin(" * depth + "x" + ")" * depth + "\n"
