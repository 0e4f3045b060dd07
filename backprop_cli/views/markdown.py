"""The trace as Markdown with its maths in $...$ (what ``.trace()`` shows in a notebook): JupyterLab,
VS Code and Colab all typeset maths in a Markdown output, where an HTML output's maths would be left
as text by some of them.  The lines are trace_math.py's; user text is escaped."""

from __future__ import annotations

import re

from ..base.numbers import DEFAULT_DIGITS
from .html import MAX_ROWS

_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~$-])")


def text(s: str) -> str:
    """Plain text with Markdown's (and HTML's) special characters escaped."""
    s = "".join(ch for ch in s if ch.isprintable())
    return _SPECIAL.sub(r"\\\1", s).replace("&", "&amp;")


def trace(result, digits: int = DEFAULT_DIGITS, labels: str = "short") -> str:
    from .trace_math import TraceMath

    maths = TraceMath(result, digits, labels)
    out = ["**Forward pass**", ""]
    for k, line in enumerate(maths.forward()):
        if k == MAX_ROWS:
            out.append("- …")
            break
        out.append(f"- ${line}$")
    out += ["", "**Backward pass: upstream × local = what flows on**", "", f"${maths.seed}$", ""]
    for step in maths.steps():
        if step.number > MAX_ROWS:
            out += [f"… the steps after step {MAX_ROWS} are left out.", ""]
            break
        kink = " *at a kink: the local gradient here is a convention (PyTorch's)*" if step.kink else ""
        out += [f"**step {step.number}:** ${step.head}$ ({text(step.op)} gate){kink}  ",
                f"*{text(step.pattern)}*", ""]
        out += [f"- ${line}$" + (f" ({text(note)})" if note else "") for line, note in step.lines]
        out.append("")
    out += ["**Result**", ""] + [f"${line}$  " for line in maths.result_lines()]
    return "\n".join(out) + "\n"
