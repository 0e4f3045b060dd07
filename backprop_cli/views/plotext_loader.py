"""plotext without its documentation container and its test runner.

``import plotext`` builds ``plotext.doc`` (a pretty-printed copy of every function's documentation)
on import: 130 of its 190 ms, on the path of every ``plot`` and ``optimize`` run, for an attribute
the views never read.  It also imports its own test runner (``plotext.test``, and with it
``unittest``, about a fifth of what is left).  ``plotext()`` imports the package with those two
modules stood in for; ``plotext.test()`` still runs the real one.
"""

from __future__ import annotations

_DOC = "plotext._doc.doc"
_TESTS = "plotext._tests.run"


def _real_test(*args, **kwargs):
    import sys

    if getattr(sys.modules.get(_TESTS), "test", None) is _real_test:
        del sys.modules[_TESTS]  # the stand-in: the real runner is imported now
    from plotext._tests.run import test

    return test(*args, **kwargs)


def plotext():
    import sys

    module = sys.modules.get("plotext")
    if module is not None:
        return module
    import types

    stand_ins = {}
    for name, attribute, value in ((_DOC, "docs", None), (_TESTS, "test", _real_test)):
        if name not in sys.modules:  # plotext.doc: not used here; plotext.test: runs the real one
            stand_ins[name] = sys.modules[name] = types.ModuleType(name)
            setattr(stand_ins[name], attribute, value)
    try:
        import plotext as module
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]  # a later `import plotext._doc.doc` gets the real one
    return module
