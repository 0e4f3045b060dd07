"""A program's text to its graph: the limits checked first, pasted maths normalised, parse errors improved."""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Iterable, Optional

from ..base.errors import InputError, SourceError
from ..base.text import printable
from ..core.graph import Graph
from . import limits
from .parser import parse
from .values import NAME


def build(source: str, *, at: Iterable[str] = (), output: Optional[str] = None,
          origin: str = "", progress=None) -> Graph:
    """Parse a program into its graph.  ``at`` names the inputs that will be given values.

    Raises InputError for a text over the limits in ``limits`` (size, depth, long names), before parsing."""
    limits.check_source(source, origin)
    if output is not None:
        limits.check_name(output, "--of")
        if not NAME.match(output):
            raise InputError(f"--of: '{printable(output)}' is not a name",
                             "Names start with a letter or '_', then letters, digits or '_'.  To write "
                             "the result to a file, use -o FILE.")
    from .normalize import normalize

    text, positions = normalize(source)
    try:
        return parse(text, origin=origin, bound=at, output=output, progress=progress)
    except SourceError as e:
        from .hints import improve
        from .normalize import remap

        remap(e, source, positions)
        improve(e)
        raise
