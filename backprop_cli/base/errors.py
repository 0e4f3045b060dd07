"""The errors users see.  Each carries its exit code: 2 for bad input, 1 when the maths fails."""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: it costs start-up
if TYPE_CHECKING:
    from typing import Optional

from .text import line_col


class BackpropError(Exception):
    exit_code = 1

    def __init__(self, message: str, hint: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    @property
    def detail(self) -> str:
        """The message with its context (where, what was seen): everything but the hint."""
        return self.message

    def __str__(self) -> str:
        return self.detail if not self.hint else f"{self.detail}\n{self.hint}"


class InputError(BackpropError):
    """The input was wrong: parse error, unknown function, wrong arity, missing input, bad flag."""

    exit_code = 2


def unknown_input(option: str, name: str, inputs) -> InputError:
    """``--wrt q`` / ``--over q`` naming no input: say which inputs there are, and the nearest."""
    from .suggest import nearest

    from .text import printable

    close = nearest(name, inputs)
    name = printable(name)
    return InputError(f"{option} {name}: the expression has no input '{name}' "
                      f"(its inputs: {', '.join(inputs) or 'none'})",
                      f"Did you mean '{close}'?" if close else None)


class MathError(BackpropError):
    """The maths failed: an undefined value, a failed gradient check."""

    exit_code = 1


class OutputError(BackpropError):
    """A result could not be written: a full disk, a closed or failing output (exit 1: the input was
    fine, the environment failed)."""

    exit_code = 1


def install_extra(extra: str) -> str:
    """The command that installs an extra, from PyPI and from a clone (an editable install)."""
    return f"pip install 'backprop-cli[{extra}]' (from a clone: pip install -e '.[{extra}]')"


def listing(items, most: int = 10) -> str:
    """'a, b, c', or for a long list its first ``most`` items and how many more."""
    items = list(items)
    if len(items) <= most:
        return ", ".join(items)
    return ", ".join(items[:most]) + f" and {len(items) - most:,} more"


def caret(source: str, start: int, end: Optional[int] = None) -> str:
    """The source line holding ``start``, with carets under ``start:end``."""
    line, col = line_col(source, start)
    line_start = source.rfind("\n", 0, start) + 1
    line_end = source.find("\n", start)
    if line_end < 0:
        line_end = len(source)
    text = source[line_start:line_end].replace("\t", " ")
    width = max(1, min((end if end is not None else start + 1), line_end) - start)
    # Long lines (machine-written expressions) are cut to a window around the spot.
    offset = col - 1
    if len(text) > 100:
        lo = max(0, offset - 50)
        text = ("…" if lo else "") + text[lo:lo + 100] + ("…" if lo + 100 < len(text) else "")
        offset = offset - lo + (1 if lo else 0)
        width = min(width, 100)
    if not text.isprintable():
        # A control character or an undecodable byte would reach the terminal; one '?' each
        # keeps the caret under the right column.
        text = "".join(c if c.isprintable() else "?" for c in text)
    return f"  {text}\n  {' ' * offset}{'^' * width}"


class SourceError(InputError):
    """An input error at a place in the source text."""

    def __init__(self, message: str, source: str, start: int, end: Optional[int] = None,
                 origin: str = "", hint: Optional[str] = None) -> None:
        super().__init__(message, hint)
        self.source, self.start, self.end, self.origin = source, start, end, origin

    @property
    def detail(self) -> str:
        line, col = line_col(self.source, self.start)
        where = f"{self.origin}:{line}:{col}" if self.origin else f"{line}:{col}"
        return f"{where}: {self.message}\n{caret(self.source, self.start, self.end)}"
