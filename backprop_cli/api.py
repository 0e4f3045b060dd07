"""The importable API: what the CLI commands call, and what a notebook can call too.

    >>> from backprop_cli import evaluate
    >>> r = evaluate("(x+y)*z", at={"x": -2, "y": 5, "z": -4})
    >>> r.value, r.gradients
    (-12.0, {'x': -4.0, 'y': -4.0, 'z': 3.0})

Every command goes through one front door, ``load``: the program read (an expression, a file or
standard input), its inputs' values gathered once (``--at`` items, ``-i FILE``, arrays given as
``[[1, 2]]`` or ``@file.npy``, constants such as ``pi/4``), the graph built, and then ``.run()``:

    >>> program = load("(x+y)*z", at=["x=-2,y=5", "z=-4"])
    >>> program.run().gradients
    {'x': -4.0, 'y': -4.0, 'z': 3.0}
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Iterable, Mapping, Optional, Union

    from .core.graph import Graph

    Point = Mapping[str, Union[float, int, str]]

from .base.errors import InputError
from .core import engine
from .core.engine import Result
from .language.program import build
from .language.values import array_value, constant, parse_at, resolve_point, split_top_level

__all__ = ["Program", "Result", "array_value", "build", "check_hessian", "constant", "descend", "direction",
           "evaluate", "forward_mode", "hessian", "hvp", "jvp", "load", "newton", "parse_at", "resolve_point",
           "second_derivative", "split_top_level"]


class Program:
    """A program loaded with its inputs' values: ``graph``, ``point`` (input name -> float or array),
    and what ``run`` needs besides (``seed`` for randn(...) defaults, ``allow_nonfinite``).
    ``notes`` are warnings about the inputs (an --at name the program does not have)."""

    __slots__ = ("source", "origin", "output", "graph", "point", "seed", "allow_nonfinite", "notes")

    def __init__(self, source, origin, output, graph, point, seed, allow_nonfinite, notes):
        self.source = source
        self.origin = origin
        self.output = output
        self.graph = graph
        self.point = point
        self.seed = seed
        self.allow_nonfinite = allow_nonfinite
        self.notes = notes

    @property
    def tensor(self) -> bool:
        """Does the program work on arrays (an array gate, or an input given an array)?"""
        return self.graph.tensor or any(type(v) is not float for v in self.point.values())

    def run(self, record: bool = True, point: Optional[Mapping] = None) -> Result:
        """Forward then backward at the loaded point (or at ``point``, which overrides some values)."""
        at = self.point if point is None else {**self.point, **point}
        if self.tensor:
            from .core.vectorized import run_tensor

            return run_tensor(self.graph, at, self.seed, self.allow_nonfinite)
        return engine.run(self.graph, at, allow_nonfinite=self.allow_nonfinite, record=record)

    def scalar_only(self, command: str) -> "Program":
        """Commands that work on numbers only refuse a tensor program with one message (exit 2)."""
        if self.tensor:
            why, what = _SCALAR_ONLY.get(command, ("", "Tensor programs run with eval, trace, check (also "
                                                   "--expect, --grad, --backward), quiz, graph, optimize "
                                                   "and codegen --lang numpy."))
            raise InputError(f"{command} takes scalar programs only, and this one uses vectors or "
                             f"matrices{why}", what)
        return self


#: why a command takes numbers only, and what to do instead, where the general list is not enough
_SCALAR_ONLY = {
    "check --over": (": --over runs the program at every point of a range of one input, with every "
                     "input a number",
                     "Check the formulas at a point instead: leave out --over and give the arrays with "
                     "--at, e.g. backprop check \"sum(x*x)\" --at x=[1,2] --grad \"dx = 2*x\"; for a "
                     "range, run it at a few points."),
}


def read_point(at=(), values: Optional[str] = None, program_from_stdin: bool = False) -> dict:
    """The inputs' values: ``values`` (-i FILE, '-' for standard input) first, then ``at``, which
    overrides them.  ``at`` is a mapping {name: number, constant text or array}, or --at items
    ("x=-2,y=5"; a dict among them is values already read)."""
    items: list = []
    if values is not None:
        from .language.value_file import read_values
        from .language.source import read_text

        if values == "-" and program_from_stdin:
            raise InputError("standard input cannot hold both the program and the values (-i -)",
                             "Put one of them in a file.")
        try:
            text = read_text(values)
        except InputError as e:
            from .language.values import missing_file_hint

            raise InputError(f"-i: {e.message}", e.hint or missing_file_hint(e, values)) from None
        items.append(read_values(values, text))
    if hasattr(at, "items"):  # a mapping, as a notebook writes it
        arrays = {k: v for k, v in at.items() if not isinstance(v, (str, int, float))}
        point = resolve_point({k: v for k, v in at.items() if k not in arrays})
        point.update(arrays)
        items.append(point)
    else:
        items.extend(at or ())
    return parse_at(items)


def load(expr: Optional[str] = None, *, file: Optional[str] = None, source: Optional[str] = None,
         origin: str = "", at=(), values: Optional[str] = None, output: Optional[str] = None,
         collapse: Optional[str] = None, seed: Optional[int] = None, allow_nonfinite: bool = False,
         also_bound: Iterable[str] = (), progress=None) -> Program:
    """Read the program and its inputs once, and build its graph.

    The program: ``expr`` (an expression or program text; '-' reads standard input), ``file`` (a
    path; '-' standard input), or ``source`` already read (with ``origin`` naming it in messages).
    The inputs: see ``read_point``.  ``output`` picks the value to differentiate (--of);
    ``collapse`` names a rewrite of the graph (transforms/collapse.py; scalar programs);
    ``also_bound`` names other inputs given values from outside (batch columns, plot's --over);
    ``progress`` is told how parsing goes (a progress bar for big inputs)."""
    if source is None:
        from .language.source import read_program

        source, origin = read_program(expr, file)
    point = read_point(at, values, program_from_stdin="-" in (expr, file) or origin == "<stdin>")
    try:
        graph = build(source, at=[*point, *also_bound], output=output, origin=origin, progress=progress)
    except InputError as e:
        if expr is not None and file is None and expr != "-":
            import os

            if os.path.isfile(expr):
                e.hint = f"{e.hint or ''}\nTo read the program from the file {expr}, use -f {expr}.".strip()
        raise
    unused = [name for name in point if name not in graph.inputs]
    notes = []
    if unused:
        from .base.errors import listing

        s = "s" if len(unused) > 1 else ""
        given = "--at" if values is None else ("-i" if not at else "--at/-i")  # where the names came from
        notes.append(f"{given} {listing(unused)}: the program has no input{s} of that name; ignored")
    program = Program(source, origin, output, graph, point, seed, allow_nonfinite, notes)
    if collapse and collapse != "none" and not program.tensor:
        from .transforms.collapse import collapse as rewrite

        program.graph = rewrite(graph, collapse)
    return program


def evaluate(source: str, at: Optional[Point] = None, *, output: Optional[str] = None,
             allow_nonfinite: bool = False, origin: str = "", record: bool = True, seed=None,
             collapse: Optional[str] = None, labels: str = "short") -> Result:
    """Parse, run forward and backward, and return the result (which a notebook shows as a table;
    ``.picture()`` and ``.trace()`` draw it).  ``collapse="sigmoid"`` folds 1/(1+exp(-z)) into one
    gate first; ``labels="full"`` names nodes by their subexpressions when shown.

    ``at`` maps input names to numbers, or to constant expressions as text ("pi/4"), or to arrays
    (a tensor program: values and gradients are then numpy arrays; ``seed`` draws randn(...)).
    """
    program = load(source=source, origin=origin, at=at or {}, output=output, seed=seed,
                   allow_nonfinite=allow_nonfinite, collapse=collapse)
    # The same Result, able to show itself in a notebook (views/display.py imports no IPython).
    from .views.display import Evaluation

    return Evaluation.of(program.run(record=record), labels=labels)


# ---- forward mode and second order (core/forward.py, core/hessian.py) --------------------------------


def direction(wrt: Optional[str] = None, tangent: Iterable[str] = (), option: str = "--tangent") -> dict:
    """The direction of a forward-mode pass: ``--wrt x`` is {x: 1}; ``--tangent x=1,y=0.5`` names
    each input's tangent (the inputs left out have none).  Not both."""
    tangent = list(tangent)
    if wrt is not None and tangent:
        raise InputError(f"give --wrt NAME or {option} NAME=VALUE,..., not both",
                         "--wrt x is the direction x=1 (every other input 0).")
    if wrt is not None:
        return {wrt: 1.0}
    from .language.values import parse_named

    return parse_named(tangent, option)


def forward_mode(result: Result, along: Mapping, option: str = "--tangent"):
    """Forward mode: every node's tangent along ``along`` (input -> tangent; arrays in the inputs'
    shapes for a tensor program).  ``.jvp`` is the output's tangent, J·v."""
    from .core.forward import Tangents, check_direction, tangent_pass

    if type(result.value) is not float:  # a tensor program: tangents in the nodes' shapes
        from .core.tensor_hvp import tensor_tangents

        g = result.graph
        for name, v in along.items():
            shape = getattr(result.values[g.inputs[name]], "shape", ()) if name in g.inputs else ()
            if option == "--wrt" and shape:
                example = "[" + ", ".join(["1"] + ["0"] * (min(shape[-1], 4) - 1)) + "]"
                raise InputError(f"--wrt {name}: {name} is an array, and forward mode moves it along a direction",
                                 f"Give one in its shape with --tangent, e.g. --tangent {name}={example}"
                                 + (" (a vector)" if len(shape) == 1 else f" (... shaped like {name})"))

        n = len(result.graph)
        return Tangents(result, dict(along), tensor_tangents(result, along, option), [None] * n, [None] * n)
    return tangent_pass(result, check_direction(result.graph, along, option))


def jvp(result: Result, along: Mapping) -> float:
    """J·v: the output's derivative along ``along`` (input -> component), by one forward pass (an
    array in the output's shape for a tensor program)."""
    if type(result.value) is not float:
        from .core.tensor_hvp import tensor_jvp

        return tensor_jvp(result, along)
    return forward_mode(result, along, "--jvp").jvp


def hessian(result: Result, wrt=None) -> dict:
    """{x: {y: d²f/dxdy}} of a scalar program, by forward over reverse (one H·v per input)."""
    from .core.hessian import hessian as table

    _scalar_only(result, "--hessian")
    return table(result, wrt)


def hvp(result: Result, vector: Mapping) -> dict:
    """H·v by forward over reverse: {input: its component of H·v}, in the inputs' shapes (arrays for
    a tensor program)."""
    if type(result.value) is not float:
        from .core.tensor_hvp import tensor_hvp

        return tensor_hvp(result, vector)
    from .core.forward import check_direction
    from .core.hessian import product

    return product(result, check_direction(result.graph, vector, "--hvp")).by_input()


def second_derivative(result: Result, first: str, second: str) -> float:
    """d²f/d(first)d(second) of a scalar program."""
    from .base.errors import unknown_input
    from .core.hessian import second_derivative as entry

    _scalar_only(result, "--get")
    for name in (first, second):
        if name not in result.graph.inputs:
            raise unknown_input("--get", name, result.graph.inputs)
    return entry(result, first, second)


def _scalar_only(result: Result, option: str) -> None:
    if type(result.value) is not float:
        raise InputError(f"{option} takes scalar programs for now, and this one uses vectors or matrices",
                         "For a tensor program, --hvp W=[[...]],x=[...] gives a Hessian-vector product.")


def newton(graph: Graph, start: Mapping, wrt: list, steps: int, allow_nonfinite: bool = False,
           on_step=None, keep_all: bool = True, kinds: Optional[dict] = None, seed=None) -> list:
    """Damped Newton's method on ``wrt`` from ``start`` (tasks/newton.py; Newton-CG with H·v products
    for a tensor program): the Steps visited."""
    from .tasks.newton import newton as run_newton

    return run_newton(graph, start, wrt, steps, allow_nonfinite, on_step, keep_all, kinds, seed)


def descend(graph: Graph, start: Mapping, wrt: list, lr: float, steps: int, allow_nonfinite: bool = False,
            on_step=None, keep_all: bool = True, seed=None) -> list:
    """Gradient descent on ``wrt`` from ``start`` (tasks/optimize.py): the Steps visited."""
    from .tasks.optimize import descend as run_descend

    return run_descend(graph, start, wrt, lr, steps, allow_nonfinite, on_step, keep_all, seed)


def check_hessian(result: Result, tolerance: float = 1e-6, seed: int = 0, progress=None):
    """The Hessian against finite differences of the gradient (tasks/check/second_order.py): a
    CheckReport whose entries are named d2f/dxdy."""
    from .tasks.check.second_order import check_hessian as run_check

    _scalar_only(result, "check --order 2")
    return run_check(result, tolerance, seed, progress)
