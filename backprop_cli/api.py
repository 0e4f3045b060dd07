"""The importable API: what the CLI commands call, and what a notebook can call too.

    >>> from backprop_cli import evaluate
    >>> r = evaluate("(x+y)*z", at={"x": -2, "y": 5, "z": -4})
    >>> r.value, r.gradients
    (-12.0, {'x': -4.0, 'y': -4.0, 'z': 3.0})
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Mapping, Optional, Union

    Point = Mapping[str, Union[float, int, str]]

from .core.engine import Result, run
from .language.program import build
from .language.values import array_value, constant, parse_at, resolve_point, split_top_level

__all__ = ["Result", "array_value", "build", "constant", "evaluate", "parse_at", "resolve_point",
           "split_top_level"]


def evaluate(source: str, at: Optional[Point] = None, *, output: Optional[str] = None,
             allow_nonfinite: bool = False, origin: str = "", record: bool = True, seed=None,
             collapse: Optional[str] = None, labels: str = "short") -> Result:
    """Parse, run forward and backward, and return the result (which a notebook shows as a table;
    ``.picture()`` and ``.trace()`` draw it).  ``collapse="sigmoid"`` folds 1/(1+exp(-z)) into one
    gate first; ``labels="full"`` names nodes by their subexpressions when shown.

    ``at`` maps input names to numbers, or to constant expressions as text ("pi/4"), or to arrays
    (a tensor program: values and gradients are then numpy arrays; ``seed`` draws randn(...)).
    """
    arrays = {k: v for k, v in (at or {}).items() if not isinstance(v, (str, int, float))}
    point = resolve_point({k: v for k, v in (at or {}).items() if k not in arrays})
    point.update(arrays)
    graph = build(source, at=point, output=output, origin=origin)
    if graph.tensor or arrays:
        from .core.vectorized import run_tensor

        result = run_tensor(graph, point, seed, allow_nonfinite)
    else:
        if collapse and collapse != "none":  # as the commands do: a scalar program's rewrite
            from .transforms.collapse import collapse as rewrite

            graph = rewrite(graph, collapse)
        result = run(graph, point, allow_nonfinite=allow_nonfinite, record=record)
    # The same Result, able to show itself in a notebook (views/display.py imports no IPython).
    from .views.display import Evaluation

    return Evaluation.of(result, labels=labels)


