"""plotext without its documentation container.

``import plotext`` builds ``plotext.doc`` (a pretty-printed copy of every function's documentation)
on import: 130 of its 190 ms, on the path of every ``plot`` and ``optimize`` run, for an attribute
the views never read.  ``plotext()`` imports the package with that one module stood in for.
"""

from __future__ import annotations

_DOC = "plotext._doc.doc"


def plotext():
    import sys

    module = sys.modules.get("plotext")
    if module is not None:
        return module
    import types

    stand_in = sys.modules.setdefault(_DOC, types.ModuleType(_DOC))
    if not hasattr(stand_in, "docs"):
        stand_in.docs = None  # plotext.doc: not used here
    try:
        import plotext as module
    finally:
        if sys.modules.get(_DOC) is stand_in and getattr(stand_in, "docs", 0) is None:
            del sys.modules[_DOC]  # a later `import plotext._doc.doc` gets the real one
    return module
