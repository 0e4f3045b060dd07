"""Views of a student's numbers, formulas and backward pass against backprop's: lines for people
(short, so they fit 60 columns and wrap cleanly), a JSON document for scripts."""

from __future__ import annotations

import json

from ..base.numbers import json_value, show

WRONG_STYLE = "bold red"
RIGHT_STYLE = "green"


def heading(result, what: str, digits: int) -> str:
    at = ", ".join(f"{name} = {show(v, digits)}" for name, v in result.at.items())
    return f"{what} for {result.output_name} = {show(result.value, digits)}" + (f" at {at}" if at else "")


def comparison_line(c, digits: int) -> tuple:
    """(text, style) for one number: equal, close (within what), or wrong (right value, difference)."""
    mine = c.written or show(c.given, digits)
    if c.verdict == "equal":
        return f"{c.name} = {mine}: equal", RIGHT_STYLE
    if c.verdict == "close":
        return (f"{c.name} = {mine}: close to {show(c.expected, digits)} "
                f"(within {show(c.tolerance, 3)}, {c.why})"), RIGHT_STYLE
    return (f"{c.name} = {mine}: WRONG, backprop gives {show(c.expected, digits)} "
            f"(yours is off by {show(c.difference, digits)})"), WRONG_STYLE


def summary(right: int, total: int, noun: str = "number") -> tuple:
    if right == total:
        return (f"all {total} {noun}s right" if total != 1 else f"the {noun} is right"), "bold"
    return f"{total - right} of {total} {noun}{'s' if total != 1 else ''} wrong", WRONG_STYLE


def print_lines(console, lines: list) -> None:
    """The lines fitted to the terminal (or COLUMNS when piped), wrapped between words."""
    from .styled import prose, writer_for

    writer = writer_for(console)
    for text, style in lines:
        if text:
            writer.line(prose(text, style))
        else:
            writer.blank()
    writer.flush()


def comparisons_lines(result, comparisons: list, what: str, digits: int, noun: str = "number") -> list:
    lines = [(heading(result, what, digits), None), ("", None)]
    lines += [comparison_line(c, digits) for c in comparisons]
    right = sum(c.right for c in comparisons)
    lines += [("", None), summary(right, len(comparisons), noun)]
    return lines


def comparisons_document(result, comparisons: list) -> dict:
    return {
        "output": {"name": result.output_name, "value": json_value(result.value)},
        "inputs": {n: json_value(v) for n, v in result.at.items()},
        "checks": [{"name": c.name, "given": json_value(c.given), "expected": json_value(c.expected),
                    "difference": json_value(c.difference), "verdict": c.verdict,
                    "tolerance": json_value(c.tolerance)} for c in comparisons],
        "right": sum(c.right for c in comparisons),
        "total": len(comparisons),
        "passed": all(c.right for c in comparisons),
    }


def range_lines(result, checks: list, over, digits: int) -> list:
    lines = [(f"your formulas for {result.output_name} over {over.name} = {show(over.lo, digits)} .. "
              f"{show(over.hi, digits)}", None), ("", None)]
    for c in checks:
        if not c.differ:
            lines.append((f"{c.name}: agrees with backprop at all {c.points} points", RIGHT_STYLE))
            continue
        x, mine, true = c.first
        lines.append((f"{c.name}: WRONG at {c.differ} of {c.points} points; first at {c.over} = "
                      f"{show(x, digits)}: yours {show(mine, digits)}, backprop {show(true, digits)}",
                      WRONG_STYLE))
    right = sum(not c.differ for c in checks)
    lines += [("", None), summary(right, len(checks), "formula")]
    return lines


def range_document(result, checks: list, over) -> dict:
    return {
        "output": result.output_name,
        "over": {"name": over.name, "from": over.lo, "to": over.hi},
        "checks": [{"name": c.name, "points": c.points, "differ": c.differ,
                    "first": None if c.first is None else
                    {c.over: json_value(c.first[0]), "given": json_value(c.first[1]),
                     "expected": json_value(c.first[2])},
                    "verdict": "wrong" if c.differ else "equal"} for c in checks],
        "passed": not any(c.differ for c in checks),
    }


def dumps(doc: dict) -> str:
    return json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False)


# ---- a backward pass ---------------------------------------------------------------------------------

def backward_lines(report, digits: int) -> list:
    from ..tasks.check.backward_pass import MISTAKES
    from ..base.text import printable

    result = report.result
    lines = [(heading(result, "your backward pass", digits), None), ("", None)]
    for gl in report.lines:
        st = gl.statement
        text = printable(st.text, 200)
        if gl.verdict == "helper":
            lines.append((f"  {st.line:>3}: {text}   (= {show(gl.value, digits)}, not graded)", None))
            continue
        if gl.verdict == "unknown":
            lines.append((f"✗ {st.line:>3}: {text}", WRONG_STYLE))
            lines.append((f"       {gl.explanation}", None))
            continue
        if gl.right:
            lines.append((f"✓ {st.line:>3}: {text}   = {show(gl.value, digits)}", RIGHT_STYLE))
            continue
        lines.append((f"✗ {st.line:>3}: {text}   = {show(gl.value, digits)}", WRONG_STYLE))
        should = f"       should be {show(gl.expected_total, digits)}"
        if gl.upstream is not None and gl.gates:
            gate = gl.gates[0]
            should += (f": upstream d{gate} = {show(gl.upstream, digits)} × local "
                       f"∂{gate}/∂{st.target[1:]} = {show(gl.local, digits)}")
            if gl.expected != gl.expected_total:
                should += f", added to {show(gl.expected_total - gl.expected, digits)}"
        lines.append((should, None))
        if gl.diagnosis:
            lines.append((f"       {MISTAKES[gl.diagnosis]}: {gl.explanation}", "yellow"))
        elif gl.explanation:
            lines.append((f"       {gl.explanation}", "yellow"))
    if report.findings:
        lines.append(("", None))
        for f in report.findings:
            lines.append((f"{'✗' if f.failure else '·'} {f.text}", WRONG_STYLE if f.failure else None))
    graded = report.graded
    right = sum(gl.right for gl in graded)
    failures = [f for f in report.findings if f.failure]
    lines.append(("", None))
    if report.passed:
        lines.append((f"all {len(graded)} lines right", "bold"))
    else:
        text = f"{right} of {len(graded)} lines right"
        if failures:
            text += f"; {len(failures)} gradient{'s' if len(failures) > 1 else ''} incomplete"
        lines.append((text, WRONG_STYLE))
    return lines


def backward_document(report) -> dict:
    from ..tasks.check.backward_pass import MISTAKES

    result = report.result
    return {
        "output": {"name": result.output_name, "value": json_value(result.value)},
        "inputs": {n: json_value(v) for n, v in result.at.items()},
        "lines": [{
            "line": gl.statement.line, "text": gl.statement.text, "name": gl.statement.target,
            "op": gl.statement.op, "value": json_value(gl.value),
            "contribution": json_value(gl.contribution), "expected": json_value(gl.expected),
            "expected_total": json_value(gl.expected_total), "gates": gl.gates,
            "upstream": None if gl.upstream is None else json_value(gl.upstream),
            "local": None if gl.local is None else json_value(gl.local),
            "verdict": gl.verdict, "diagnosis": gl.diagnosis,
            "mistake": MISTAKES.get(gl.diagnosis) if gl.diagnosis else None,
            "explanation": gl.explanation or None,
        } for gl in report.lines],
        "findings": [{"name": f.name, "kind": f.kind, "expected": json_value(f.expected), "text": f.text}
                     for f in report.findings],
        "right": sum(gl.right for gl in report.graded),
        "total": len(report.graded),
        "passed": report.passed,
    }
