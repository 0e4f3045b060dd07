"""numpy for the commands whose programs are scalar (plot and batch): OpenBLAS started with one thread.

numpy's wheels load OpenBLAS, which starts a thread per core when it loads: on a 2-core machine that
made `import numpy` cost 12x `python -c pass` instead of 7.5x.  plot and batch refuse tensor programs
(``scalar_only``), so they never call BLAS (their work is elementwise ufuncs, which do not use its
threads): for them OpenBLAS is loaded with OPENBLAS_NUM_THREADS=1, which it reads only as it loads, and
the variable is put back at once, so nothing started later (dask's workers) inherits it.  A user's own
OPENBLAS_NUM_THREADS is left alone.
"""

from __future__ import annotations

_VARIABLE = "OPENBLAS_NUM_THREADS"


def load_numpy_for_scalars() -> None:
    import os
    import sys

    if "numpy" in sys.modules or _VARIABLE in os.environ:
        return
    os.environ[_VARIABLE] = "1"
    try:
        import numpy  # noqa: F401
    finally:
        os.environ.pop(_VARIABLE, None)
