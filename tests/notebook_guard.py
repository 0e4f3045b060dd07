"""A fixture for the test modules that load IPython (the magics, ipywidgets, nbclient's kernel client)."""

from __future__ import annotations

import sys

import pytest


@pytest.fixture(scope="module", autouse=True)
def forget_ipython():
    """IPython imported here (the magics, ipywidgets, nbclient) would stay in sys.modules for the tests
    after these, and the views take an imported IPython for a notebook (console.py): it is forgotten."""
    yield
    # Only IPython's own modules (pure Python): compiled ones (zmq) are not safely imported twice.
    for name in [m for m in sys.modules if m == "IPython" or m.startswith("IPython.")]:
        del sys.modules[name]
