"""The Hessian check (`check --order 2`) for people and scripts: the gradient check's own table and
JSON, worded for second derivatives."""

from __future__ import annotations

from .check_report import document, lines, verdict


def _words(text: str) -> str:
    return (text.replace("gradient check of", "Hessian check of")
            .replace("all gradients pass", "every second derivative passes")
            .replace("the gradient passes", "the second derivative passes")
            .replace(" gradients pass", " second derivatives pass")
            .replace(" gradients disagree", " second derivatives disagree")
            .replace(" gradient disagrees", " second derivative disagrees"))


def hessian_lines(report, digits: int, width: int) -> list:
    from .styled import prose

    out = []
    for line in lines(report, digits, width):
        out.append([(_words(piece[0]), piece[1]) if isinstance(piece, tuple) and isinstance(piece[0], str)
                    else piece for piece in line])
    last = max(k for k, line in enumerate(out) if line)
    out[last] = prose(_words(verdict(report)))
    out.insert(2, prose("each entry d2f/dxdy: the Hessian (forward over reverse) against a centred "
                        "difference of df/dx (backprop diff's program) along y"))
    out.insert(3, [])
    return out


def render_table(report, console, digits: int) -> None:
    from .check_report import _write

    _write(console, lambda width: hessian_lines(report, digits, width))


def render_json(report) -> str:
    import json

    doc = document(report)
    doc["order"] = 2
    doc["verdict"] = _words(doc["verdict"])
    return json.dumps(doc, indent=2, allow_nan=False)
