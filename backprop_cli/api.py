"""The importable API: what the CLI commands call, and what a notebook can call too.

    >>> from backprop_cli import evaluate
    >>> r = evaluate("(x+y)*z", at={"x": -2, "y": 5, "z": -4})
    >>> r.value, r.gradients
    (-12.0, {'x': -4.0, 'y': -4.0, 'z': 3.0})
"""

from __future__ import annotations

import math
import re

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Iterable, Mapping, Optional, Union

    Point = Mapping[str, Union[float, int, str]]

from .language import limits
from .base.text import printable
from .core.engine import Result, run
from .base.errors import BackpropError, InputError, SourceError, caret, listing
from .core.graph import Graph
from .language.parser import parse

_NAME = re.compile(r"[A-Za-z_][A-Za-z_0-9]*\Z")
#: a number as the language writes it, with an optional minus: read without the parser
_PLAIN_NUMBER = re.compile(r"\s*(-?)((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*", re.ASCII)


def build(source: str, *, at: Iterable[str] = (), output: Optional[str] = None,
          origin: str = "", progress=None) -> Graph:
    """Parse a program into its graph.  ``at`` names the inputs that will be given values.

    Raises InputError for a text over the limits in ``limits`` (size, depth, long names), before parsing."""
    limits.check_source(source, origin)
    if output is not None:
        limits.check_name(output, "--of")
        if not _NAME.match(output):
            raise InputError(f"--of: '{printable(output)}' is not a name",
                             "Names start with a letter or '_', then letters, digits or '_'.  To write "
                             "the result to a file, use -o FILE.")
    from .language.normalize import normalize

    text, positions = normalize(source)
    try:
        return parse(text, origin=origin, bound=at, output=output, progress=progress)
    except SourceError as e:
        from .language.hints import improve
        from .language.normalize import remap

        remap(e, source, positions)
        improve(e)
        raise


def evaluate(source: str, at: Optional[Point] = None, *, output: Optional[str] = None,
             allow_nonfinite: bool = False, origin: str = "", record: bool = True, seed=None) -> Result:
    """Parse, run forward and backward, and return the result.

    ``at`` maps input names to numbers, or to constant expressions as text ("pi/4"), or to arrays
    (a tensor program: values and gradients are then numpy arrays; ``seed`` draws randn(...)).
    """
    arrays = {k: v for k, v in (at or {}).items() if not isinstance(v, (str, int, float))}
    point = resolve_point({k: v for k, v in (at or {}).items() if k not in arrays})
    point.update(arrays)
    graph = build(source, at=point, output=output, origin=origin)
    if graph.tensor or arrays:
        from .core.vectorized import run_tensor

        return run_tensor(graph, point, seed, allow_nonfinite)
    return run(graph, point, allow_nonfinite=allow_nonfinite, record=record)


def constant(text: str) -> float:
    """The value of a constant expression such as "-2", "1e-3" or "pi/4"."""
    limits.check_source(text)
    plain = _PLAIN_NUMBER.fullmatch(text)
    if plain is not None:
        # What the parser makes of it (a number, negated), without a parse: 100,000 values from a
        # file are read in a second.  Out of range, the parser is asked, for its message.
        value = float(plain.group(2))
        if value - value == 0.0 and (value != 0 or plain.group(2).lower().partition("e")[0].strip("0.") == ""):
            return -value if plain.group(1) else value
    graph = parse(text)
    if graph.inputs:
        names = listing(graph.inputs)
        raise InputError(f"'{printable(text.strip())}' is not a constant ({names} has no value)",
                         "A value is a number or an expression of numbers, pi and e, like pi/4.")
    value = run(graph, {}, record=False).value
    return value


def resolve_point(at: Point) -> dict:
    out = {}
    for name, value in at.items():
        if isinstance(value, str):
            value = constant(value)
        out[name] = float(value)
    return out


def parse_at(items: Iterable[str]) -> dict:
    """``--at x=-2,y=5 --at z=pi/4`` to {name: value}.  Commas inside parentheses stay in a value.
    An item may be a dict of values already read (``-i FILE``); later items override earlier ones."""
    point: dict = {}
    for item in items:
        if isinstance(item, dict):  # values already read (-i FILE)
            point.update(item)
            continue
        for part in split_top_level(item):
            if not part.strip():
                continue
            name, eq, text = part.partition("=")
            name = name.strip()
            shown = printable(part)  # user text in a message: cut short, control characters escaped
            if not eq:
                raise InputError(f"--at: '{shown}' has no '='", "Write name=value, e.g. --at x=-2,y=5.")
            limits.check_name(name, "--at")
            if not _NAME.match(name):
                raise InputError(f"--at: '{printable(name)}' in '{shown}' is not a name",
                                 "Names start with a letter or '_', then letters, digits or '_'.")
            if not text.strip():
                raise InputError(f"--at: '{shown}' has no value after '='",
                                 "Write name=value, e.g. --at x=-2,y=5.")
            if text.strip()[:1] in ("[", "@"):
                point[name] = array_value(name, text.strip())
                continue
            try:
                point[name] = constant(text)
            except SourceError as e:
                raise InputError(f"--at: the value of {name} ('{printable(text.strip())}'): {e.message}\n"
                                 f"{caret(text, e.start, e.end)}", e.hint) from None
            except BackpropError as e:
                raise InputError(f"--at: the value of {name}: {e.message}", e.hint) from None
            if not math.isfinite(point[name]):
                raise InputError(f"--at: the value of {name} ('{printable(text.strip())}') is {point[name]}",
                                 "Inputs must be finite numbers.")
    return point


def array_value(name: str, text: str):
    """--at W=[[1, 2], [3, 4]] or W=@weights.npy (.csv, .json): a float64 array."""
    from .core.tensor_io import as_array, load_array

    if text.startswith("@"):
        return load_array(text[1:])
    limits.check_source(text)
    try:
        graph = parse(text)
    except SourceError as e:
        raise InputError(f"--at: the value of {name} ('{printable(text)}'): {e.message}\n"
                         f"{caret(text, e.start, e.end)}", e.hint) from None
    if len(graph) != 1 or graph.op[0] != "const":
        raise InputError(f"--at: the value of {name} ('{printable(text)}') is not an array of numbers",
                         "Write it as [1, 2, 3] or [[1, 2], [3, 4]].")
    return as_array(graph.payload[0], f"--at {name}")


def split_top_level(text: str, separator: str = ",", comment: str = "") -> list:
    """``text`` split at each ``separator`` outside parentheses and brackets; from a ``comment``
    character on, the rest is kept whole in the last part."""
    parts, depth, current = [], 0, []
    for k, ch in enumerate(text):
        if ch == comment:
            current.append(text[k:])
            break
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == separator and depth <= 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


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
    return parse_at(tangent)


def forward_mode(result: Result, along: Mapping, option: str = "--tangent"):
    """Forward mode over a scalar result: every node's tangent along ``along`` (input -> tangent).
    ``.jvp`` is the output's tangent, J·v."""
    from .core.forward import check_direction, tangent_pass

    _scalar_only(result, option)
    return tangent_pass(result, check_direction(result.graph, along, option))


def jvp(result: Result, along: Mapping) -> float:
    """J·v: the output's derivative along ``along`` (input -> component), by one forward pass."""
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
           on_step=None, keep_all: bool = True, kinds: Optional[dict] = None) -> list:
    """Damped Newton's method on ``wrt`` from ``start`` (tasks/newton.py): the Steps visited."""
    from .tasks.newton import newton as run_newton

    return run_newton(graph, start, wrt, steps, allow_nonfinite, on_step, keep_all, kinds)


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
