"""Views of a student's numbers, formulas and backward pass against backprop's: lines for people
(short, so they fit 60 columns and wrap cleanly), a JSON document for scripts."""

from __future__ import annotations

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
    import json

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


# ---- a tensor program's arrays -----------------------------------------------------------------------

def tensor_comparison_lines(result, c, digits: int) -> list:
    """(text, style) lines for one array: its verdict, the worst element and its index, the
    mistake named and the fix."""
    from ..core.ops import shape_text
    from ..tasks.check.tensor_work import TENSOR_MISTAKES, index_text
    from .tensor_text import SMALL, brief

    shape = shape_text(c.shape)
    if c.given is None or c.given_shape != c.shape:
        head = f"{c.name}: WRONG shape" if c.given is not None else f"{c.name}: WRONG, it cannot be computed"
        lines = [(head + (f", {shape_text(c.given_shape)} for {shape}" if c.given is not None else ""),
                  WRONG_STYLE)]
    else:
        given, expected = c.worst if c.worst is not None else (0.0, 0.0)
        at = f"{c.name}{index_text(c.where)}" if c.where else c.name
        if c.verdict == "equal":
            if not c.shape:
                return [(f"{c.name} = {c.written or show(float(c.given), digits)}: equal", RIGHT_STYLE)]
            return [(f"{c.name} {shape}: equal, every element", RIGHT_STYLE)]
        if c.verdict == "close":
            return [(f"{c.name} {shape}: close, every element within {show(c.tolerance, 3)} ({c.why}); "
                     f"the farthest {at} = {show(given, digits)}, backprop {show(expected, digits)}",
                     RIGHT_STYLE)]
        if not c.shape:
            lines = [(f"{c.name} = {c.written or show(given, digits)}: WRONG, backprop gives "
                      f"{show(expected, digits)} (yours is off by {show(given - expected, digits)})", WRONG_STYLE)]
        else:
            lines = [(f"{c.name} {shape}: WRONG at {c.wrong} of {c.given.size} elements; worst {at} = "
                      f"{show(given, digits)}, backprop gives {show(expected, digits)}", WRONG_STYLE)]
    if c.diagnosis:
        explanation = _with_rule(result, c.diagnosis, c.node, c.explanation)
        for k, part in enumerate(explanation.split("\n")):
            lines.append((f"    {TENSOR_MISTAKES[c.diagnosis]}: {part}" if k == 0 else f"    {part}", "yellow"))
    elif c.explanation:
        lines += [(f"    {part}", None) for part in c.explanation.split("\n")]
    if c.given is not None and c.given.size <= SMALL and c.expected.size <= SMALL and c.shape:
        lines.append((f"    yours {brief(c.given, digits)}; backprop {brief(c.expected, digits)}", None))
    return lines


def tensor_heading(result, what: str, digits: int) -> str:
    """"your formulas for L = 0.5 at W (3x4), X (4x1), D (3x1)": arrays by their shapes."""
    from ..core.ops import shape_text
    import numpy as np

    value = result.value
    shown = show(float(value), digits) if np.ndim(value) == 0 else shape_text(np.shape(value))
    at = ", ".join(f"{name} {shape_text(np.shape(v))}" if np.ndim(v) else f"{name} = {show(float(v), digits)}"
                   for name, v in result.at.items())
    return f"{what} for {result.output_name} = {shown}" + (f" at {at}" if at else "")


def tensor_comparisons_lines(result, comparisons: list, what: str, digits: int, noun: str) -> list:
    lines = [(tensor_heading(result, what, digits), None), ("", None)]
    for c in comparisons:
        lines += tensor_comparison_lines(result, c, digits)
    right = sum(c.right for c in comparisons)
    lines += [("", None), summary(right, len(comparisons), noun)]
    return lines


def tensor_comparisons_document(result, comparisons: list) -> dict:
    from ..tasks.check.tensor_work import TENSOR_MISTAKES
    from .tensor_text import nested

    checks = []
    for c in comparisons:
        worst = c.worst
        checks.append({
            "name": c.name, "shape": list(c.shape),
            "given_shape": None if c.given_shape is None else list(c.given_shape),
            "given": None if c.given is None else nested(c.given), "expected": nested(c.expected),
            "verdict": c.verdict, "tolerance": json_value(c.tolerance),
            "worst": None if worst is None else {"index": list(c.where), "given": json_value(worst[0]),
                                                 "expected": json_value(worst[1])},
            "diagnosis": c.diagnosis, "mistake": TENSOR_MISTAKES.get(c.diagnosis) if c.diagnosis else None,
            "explanation": _with_rule(result, c.diagnosis, c.node, c.explanation) or None,
        })
    return {
        "output": {"name": result.output_name, "value": nested(result.value)},
        "inputs": {n: {"shape": list(np_shape(v))} for n, v in result.at.items()},
        "checks": checks,
        "right": sum(c.right for c in comparisons),
        "total": len(comparisons),
        "passed": all(c.right for c in comparisons),
    }


def np_shape(x) -> tuple:
    import numpy as np

    return np.shape(x)


def tensor_backward_lines(report, digits: int) -> list:
    """A backward pass over arrays, line by line: ✓ with the value's shape, or ✗ with what it should
    be and the mistake named."""
    from ..base.text import printable
    from ..core.ops import shape_text
    from ..tasks.check.backward_pass import MISTAKES
    from ..tasks.check.tensor_work import TENSOR_MISTAKES
    from .tensor_text import brief
    import numpy as np

    result = report.result
    lines = [(tensor_heading(result, "your backward pass", digits), None), ("", None)]
    for gl in report.lines:
        st = gl.statement
        text = printable(st.text, 200)
        value = "cannot be computed" if gl.value is None else \
            f"{shape_text(np.shape(gl.value))} {brief(gl.value, digits)}"
        if gl.verdict == "helper":
            lines.append((f"  {st.line:>3}: {text}   = {value}, not graded", None))
            continue
        if gl.verdict == "unknown":
            lines += [(f"✗ {st.line:>3}: {text}", WRONG_STYLE), (f"       {gl.explanation}", None)]
            continue
        if gl.right:
            lines.append((f"✓ {st.line:>3}: {text}   {value}", RIGHT_STYLE))
            continue
        lines.append((f"✗ {st.line:>3}: {text}   {value}", WRONG_STYLE))
        lines.append((f"       should be {shape_text(np.shape(gl.expected_total))} "
                      f"{brief(gl.expected_total, digits)}", None))
        words = {**MISTAKES, **TENSOR_MISTAKES}.get(gl.diagnosis) if gl.diagnosis else None
        explanation = _with_rule(result, gl.diagnosis, _node_of(result, st.target), gl.explanation)
        for k, part in enumerate(explanation.split("\n") if explanation else []):
            lines.append((f"       {words + ': ' if words and k == 0 else ''}{part}", "yellow"))
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


def tensor_backward_document(report) -> dict:
    from ..tasks.check.backward_pass import MISTAKES
    from ..tasks.check.tensor_work import TENSOR_MISTAKES
    from .tensor_text import nested
    import numpy as np

    result = report.result
    words = {**MISTAKES, **TENSOR_MISTAKES}
    arr = lambda x: None if x is None else nested(x)  # noqa: E731
    return {
        "output": {"name": result.output_name, "value": nested(result.value)},
        "inputs": {n: {"shape": list(np.shape(v))} for n, v in result.at.items()},
        "lines": [{
            "line": gl.statement.line, "text": gl.statement.text, "name": gl.statement.target,
            "op": gl.statement.op, "shape": None if gl.value is None else list(np.shape(gl.value)),
            "value": arr(gl.value), "expected_total": arr(gl.expected_total) if gl.verdict != "helper" else None,
            "gates": gl.gates, "verdict": gl.verdict, "diagnosis": gl.diagnosis,
            "mistake": words.get(gl.diagnosis) if gl.diagnosis else None,
            "explanation": _with_rule(result, gl.diagnosis, _node_of(result, gl.statement.target),
                                      gl.explanation) or None,
        } for gl in report.lines],
        "findings": [{"name": f.name, "kind": f.kind, "expected": nested(f.expected), "text": f.text}
                     for f in report.findings],
        "right": sum(gl.right for gl in report.graded),
        "total": len(report.graded),
        "passed": report.passed,
    }


def transpose_rules(result, node: int) -> list:
    """The rule that makes the gradient of ``node`` at each matmul that reads it, printed from the
    matmul gate's VJP in the language (Xᵀ as transpose(X)), with the shapes it multiplies:
    "dW = dY @ transpose(X): (3x4) = (3x1) @ (1x4)".  This is where a transpose goes."""
    import re

    import numpy as np

    from ..core.ops import GATES
    from ..tasks.check.tensor_work import matmul_uses
    from .notation import vjp_formula
    from .tensor_trace import d_name, matmul_shapes

    g = result.graph
    out = []
    for i, k in matmul_uses(result, node):
        names = [g.label(j, 20) for j in g.args[i]]
        name = g.label(i, 20)
        shown = vjp_formula(GATES["matmul"], k, names, name, d_name(name), g.payload[i] or ())
        shown = re.sub(r"(\([^()]*\)|[A-Za-z_]\w*)ᵀ", lambda m: f"transpose({m.group(1).strip('()')})", shown)
        shapes = [tuple(np.shape(result.values[j])) for j in g.args[i]]
        out.append(f"{d_name(names[k])} = {shown}: {matmul_shapes(k, shapes)}")
    return out


def _with_rule(result, code, node: int, explanation: str) -> str:
    """The explanation, and where the diagnosis is about a transpose or a shape, the right rule."""
    from ..tasks.check.tensor_work import SHOW_RULE

    if code not in SHOW_RULE or node is None or node < 0:
        return explanation
    rules = transpose_rules(result, node)
    return explanation + ("\nthe rule: " + "; ".join(rules) if rules else "")


def _node_of(result, target: str):
    """The node whose gradient d<name> is, or None."""
    g = result.graph
    name = target[1:]
    if name in g.bindings:
        return g.bindings[name]
    return g.output if name == result.output_name else None
