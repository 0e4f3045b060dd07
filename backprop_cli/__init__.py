"""backprop: see the computational graph of an expression, with every node's value and gradient."""

__version__ = "0.1.0"

__all__ = ["build", "evaluate", "load", "parse_at", "jvp", "hessian", "hvp", "Result", "BackpropError", "InputError", "MathError",
           "widget", "load_ipython_extension", "__version__"]

# The names above load on first use (PEP 562), so `backprop --help` and the fast entry point
# import only the modules they need.
_WHERE = {"build": "api", "evaluate": "api", "load": "api", "parse_at": "api", "Result": "core.engine",
          "jvp": "api", "hessian": "api", "hvp": "api",
          "BackpropError": "base.errors", "InputError": "base.errors", "MathError": "base.errors",
          # the notebook extra (%load_ext backprop_cli, backprop_cli.widget): IPython only when used
          "widget": "notebook.widget", "load_ipython_extension": "notebook.magics"}


def __getattr__(name):
    if name in _WHERE:
        import importlib

        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_WHERE))
