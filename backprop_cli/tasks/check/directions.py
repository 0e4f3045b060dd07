"""Random directions through a point, for checking a gradient along directions (as JAX's check_grads
does) instead of input by input."""

from __future__ import annotations

from ...core.engine import Result


def direction(result: Result, which: tuple, scale=None):
    """The k-th random direction through the point: a standard normal coefficient for each input (in
    the order of the graph's inputs), scaled by max(1, |x|) so that every input moves by about the step
    it would have on its own.  ``which`` is (seed, k): the directions are made one at a time, when
    needed, and never all kept.  ``scale``: ``direction_scale(result)``, if already made."""
    import numpy as np

    if scale is None:
        scale = direction_scale(result)
    return np.random.default_rng(list(which)).standard_normal(len(scale)) * scale


def direction_scale(result: Result):
    import numpy as np

    return np.maximum(1.0, np.abs(np.array([result.at[name] for name in result.graph.inputs], dtype=float)))
