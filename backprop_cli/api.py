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

    Point = Mapping[str, Union[float, int, str]]

from .base.errors import InputError
from .core import engine
from .core.engine import Result
from .language.program import build
from .language.values import array_value, constant, parse_at, resolve_point, split_top_level

__all__ = ["Program", "Result", "array_value", "build", "constant", "evaluate", "load", "parse_at",
           "resolve_point", "split_top_level"]


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
            raise InputError(f"{command} takes scalar programs only, and this one uses vectors or matrices",
                             "Tensor programs run with eval, trace, check (its gradient check), graph, "
                             "optimize and codegen --lang numpy.")
        return self


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
        items.append(read_values(values, read_text(values)))
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
        notes.append(f"--at {listing(unused)}: the program has no input{s} of that name; ignored")
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
