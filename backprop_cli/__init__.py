"""backprop: see the computational graph of an expression, with every node's value and gradient."""

__version__ = "0.1.0"

from .api import build, evaluate, parse_at  # noqa: E402
from .engine import Result  # noqa: E402
from .errors import BackpropError, InputError, MathError  # noqa: E402

__all__ = ["build", "evaluate", "parse_at", "Result", "BackpropError", "InputError", "MathError",
           "__version__"]
