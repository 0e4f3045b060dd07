"""Pictures through Graphviz's dot: DOT text rendered to .svg, .png or .pdf, written atomically."""

from __future__ import annotations

import subprocess

from ..base.errors import BackpropError
from ..base.text import printable

INSTALL_HINT = ("Install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; Fedora: sudo dnf install "
                "graphviz; macOS: brew install graphviz; Windows: winget install graphviz), or write the "
                "graph as text with --format dot (no Graphviz needed) and render it elsewhere.")


class ToolMissing(BackpropError):
    """A program we render with is not installed (exit 1: nothing was wrong with the input)."""

    exit_code = 1


def render(dot_program: str, target: str, text: str, path: str) -> None:
    # dot writes the picture to its standard output, and we write it to the file as every command
    # does (a temporary name, renamed when complete), so that a failed run leaves no half picture.
    from ..base.files import write_output

    write_output(path, draw(dot_program, target, text, printable(path, 200)), "wb")


def draw(dot_program: str, target: str, text: str, what: str) -> bytes:
    """The picture dot draws of ``text`` in format ``target`` (``what`` names it in a message)."""
    try:
        done = subprocess.run([dot_program, f"-T{target}"], input=text.encode("utf-8"),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        raise ToolMissing(f"cannot run {dot_program}: {e.strerror or e}", INSTALL_HINT) from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BackpropError(f"Graphviz's dot could not draw {what} (exit {done.returncode})"
                            + (f": {printable(message[-1], 200)}" if message else ""),
                            "--format dot shows the DOT text.")
    return done.stdout
