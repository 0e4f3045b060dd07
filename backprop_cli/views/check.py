"""Views of a gradient check: a table for people, a JSON document for scripts."""

from __future__ import annotations

import json

from ..tasks.check import EPS, RELATIVE_ERROR_RULE, STEP_FACTOR, STEP_RULE, CheckReport
from ..numbers import json_value, show

WORDS = {"pass": "ok", "fail": "FAIL", "kink": "kink", "near-kink": "near a kink",
         "inconclusive": "inconclusive"}
STYLES = {"pass": "green", "fail": "bold red", "kink": "yellow", "near-kink": "yellow",
          "inconclusive": "yellow"}


def verdict(report: CheckReport) -> str:
    n = len(report.inputs)
    fails = report.failures
    if fails:
        names = ", ".join(c.name for c in fails)
        return (f"FAIL: {len(fails)} of {n} gradient{'s' if n != 1 else ''} "
                f"{'disagree' if len(fails) > 1 else 'disagrees'} with finite differences ({names})")
    by = {}
    for c in report.inputs:
        by.setdefault(c.status, []).append(c.name)
    passed = len(by.get("pass", []))
    if passed == n:
        return "the gradient passes" if n == 1 else f"all {n} gradients pass"
    parts = [f"{passed} of {n} pass"]
    for status in ("kink", "near-kink", "inconclusive"):
        if status in by:
            parts.append(f"{WORDS[status]}: {', '.join(by[status])}")
    return "; ".join(parts) + "; no failures"


def lines(report: CheckReport, digits: int, width: int) -> list:
    """The check for people, as lines of (text, style) pieces no wider than ``width``: the numbers
    whole (a table too wide is split into groups of columns), the notes wrapped."""
    from .console import GRAD_STYLE
    from .styled import columns, prose

    r = report.result
    f = r.output_name
    at = ", ".join(f"{name} = {show(v, digits)}" for name, v in r.at.items())
    out = [prose(f"gradient check of {f} = {show(r.value, digits)}" + (f" at {at}" if at else "")), []]
    headers = ["input", "value", "step h", "backprop", "numeric", "± numeric", "rel. error", "result"]
    right = [False] + [True] * 7
    rows = [[(c.name, None), (show(c.value, digits), None), (show(c.step, 4), None),
             (show(c.backprop, digits), GRAD_STYLE), (show(c.numeric, digits), None),
             (show(c.numeric_error, 2), None), (show(c.relative_error, 2), None),
             (WORDS[c.status], STYLES[c.status])] for c in report.inputs]
    out += columns(headers, rows, right, width)
    out.append([])
    out.append(prose(f"numeric: centred difference (f(x+h) - f(x-h)) / 2h, step {STEP_RULE} "
                     f"= {show(STEP_FACTOR, 4)} * max(1, |x|) (eps = {show(EPS, 3)})"))
    out.append(prose(f"rel. error: {RELATIVE_ERROR_RULE}; ok when <= {show(report.tolerance, 3)} "
                     f"(--tolerance), or when the difference is within ± numeric, the finite "
                     f"difference's own error"))
    notes = [c for c in report.inputs if c.note]
    if notes:
        out.append([])
        out += [prose(f"{c.name}: {c.note}") for c in notes]
    out.append([])
    out.append(prose(verdict(report), "bold red" if report.failures else "bold"))
    return out


def render_table(report: CheckReport, console, digits: int) -> None:
    from .styled import writer_for

    writer = writer_for(console)
    for line in lines(report, digits, writer.width):
        if line:
            writer.line(line, indent=2)
        else:
            writer.blank()
    writer.flush()


def document(report: CheckReport) -> dict:
    r = report.result
    g = r.graph
    return {
        "output": {"name": r.output_name, "value": json_value(r.value)},
        "inputs": {name: json_value(v) for name, v in r.at.items()},
        "method": {
            "numeric": "centred difference (f(x+h) - f(x-h)) / ((x+h) - (x-h))",
            "step": STEP_RULE, "eps": EPS,
            "relative_error": RELATIVE_ERROR_RULE,
            "numeric_error": "|D(h) - D(2h)| + 4 r / 2h, r = eps * (|f| + sum over nodes of |value * gradient|)",
        },
        "tolerance": report.tolerance,
        "checks": [
            {
                "input": c.name,
                "value": json_value(c.value),
                "step": json_value(c.step),
                "backprop": json_value(c.backprop),
                "numeric": json_value(c.numeric),
                "numeric_error": json_value(c.numeric_error),
                "relative_error": json_value(c.relative_error),
                "status": c.status,
                "node": None if c.node is None else {"id": c.node, "op": g.op[c.node], "label": g.label(c.node)},
                "note": c.note,
            }
            for c in report.inputs
        ],
        "passed": report.passed,
        "verdict": verdict(report),
    }


def render_json(report: CheckReport) -> str:
    return json.dumps(document(report), indent=2, allow_nan=False, ensure_ascii=False)
