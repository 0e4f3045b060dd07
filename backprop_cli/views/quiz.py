"""How the quiz talks: the introduction, each question, the feedback, the score; and its JSON."""

from __future__ import annotations

from ..base.numbers import json_value, show
from ..tasks.quiz import describe_mistake

RIGHT, WRONG, NOTE = "green", "bold red", "yellow"


def introduction(result, source_lines: list, n: int, significant: int, only: str) -> list:
    from ..tasks.quiz import steps

    f = result.output_name
    lines = [("Practice: backpropagation by hand", "bold"), ("", None)]
    lines += [(f"  {text}", None) for text in source_lines]
    lines.append(("", None))
    if any(_is_array(v) for v in result.at.values()):
        return lines + _tensor_introduction(result, n, significant, only)
    at = ", ".join(f"{name} = {show(v, 6)}" for name, v in result.at.items())
    if at:
        lines.append((f"at {at}", None))
    if only == "backward":
        lines.append(("the forward pass, step by step:", None))
        lines += [(f"  {text}", None) for text in steps(result)]
    order = {"all": "each step's value in order, then each gradient d<name> = ∂" + f + "/∂<name> "
                    "going backwards",
             "forward": "each step's value in order",
             "backward": f"each gradient d<name> = ∂{f}/∂<name>, going backwards"}[only]
    lines.append((f"{n} questions: {order}. Unnamed steps are t1, t2, ...; d{f} = 1 to start.", None))
    lines.append((f"An answer counts when its first {significant} significant digits are right "
                  f"({-0.19661193:#.{significant}g} for -0.19661193); "
                  "a number or an expression like -1/1.37^2. A wrong answer gets one more try; "
                  "an empty line shows the answer.", None))
    return lines


def _is_array(v) -> bool:
    if isinstance(v, (int, float)):  # a scalar program's point: numpy is not imported for it
        return False
    import numpy as np

    return np.ndim(v) > 0


def _tensor_introduction(result, n: int, significant: int, only: str) -> list:
    """The inputs by shape (small ones in full), and how the questions go: shapes first."""
    import numpy as np

    from ..core.ops import shape_text
    from .tensor_text import brief

    lines = [("at", None)]
    for name, v in result.at.items():
        lines.append((f"  {name} {shape_text(np.shape(v))} = {brief(v, 6)}" if np.ndim(v) else
                      f"  {name} = {show(float(v), 6)}", None))
    f = result.output_name
    order = {"all": "the shape of each value, then some of its elements; then the shape of each gradient "
                    f"d<name> = ∂{f}/∂<name>, going backwards, then some of its elements",
             "forward": "the shape of each value, then some of its elements",
             "backward": f"the shape of each gradient d<name> = ∂{f}/∂<name>, going backwards, then some "
                         "of its elements"}[only]
    lines.append((f"{n} questions: {order}.", None))
    lines.append(("A shape is written 3x4 (a matrix), 3 (a vector) or () (a number). An element counts "
                  f"when its first {significant} significant digits are right. A wrong answer gets one "
                  "more try; an empty line shows the answer.", None))
    return lines


def not_a_number(text: str, shape: bool = False) -> list:
    from ..base.text import printable

    if shape:
        return [(f"  '{printable(text.strip())}' is not a shape: try again (3x4, 3 for a vector, () for "
                 "a number)", NOTE)]
    return [(f"  '{printable(text.strip())}' is not a number: try again (a number, or an expression "
             "like -1/1.37^2)", NOTE)]


def answer_text(q, digits: int) -> str:
    """The right answer as shown: a shape as (3x4), a number to ``digits``."""
    if q.kind == "shape":
        from ..core.ops import shape_text

        return shape_text(q.expected)
    return show(q.expected, digits)


def question_line(q, k: int, n: int) -> str:
    what = {"value": "value", "gradient": "gradient", "shape": "shape"}[q.kind]
    return f"[{k}/{n}] {what}: {q.prompt} ?"


def feedback(q, outcome: str, digits: int, not_number: bool = False) -> list:
    lines = []
    if not_number:
        lines.append(("  that is not a number", NOTE))
    if outcome == "right":
        lines.append(("  ✓ right" + (" on the second try" if len(q.answers) > 1 else ""), RIGHT))
    elif outcome == "retry":
        mistake = describe_mistake(q)
        lines.append(("  ✗ not quite" + (f": {mistake}" if mistake else ""), WRONG))
        lines.append(("  one more try:", None))
    else:
        if q.answers and q.answers[-1].strip():
            mistake = describe_mistake(q)
            lines.append(("  ✗ wrong" + (f": {mistake}" if mistake else ""), WRONG))
        lines.append((f"  the answer is {answer_text(q, digits)}: {q.working}", NOTE))
    return lines


def score_lines(questions: list, digits: int) -> list:
    right = sum(q.right for q in questions)
    lines = [("", None), (f"score: {right} of {len(questions)}", "bold")]
    review = [q for q in questions if q.verdict not in ("right", "unanswered")]
    unanswered = [q.prompt.split(" = ")[0] for q in questions if q.verdict == "unanswered"]
    if unanswered:
        lines.append((f"not answered: {', '.join(unanswered)}", None))
    if review:
        lines.append(("steps to review:", None))
        for q in review:
            why = describe_mistake(q)
            lines.append((f"  {q.prompt} = {answer_text(q, digits)} ({q.verdict})" + (f": {why}" if why else ""), None))
            lines.append((f"    {q.working}", None))
    elif not unanswered:
        lines.append(("every step right the first time", RIGHT))
    return lines


def document(questions: list, significant: int, seed=None) -> dict:
    doc = {
        "questions": [{
            "node": q.name, "kind": q.kind, "prompt": q.prompt,
            "expected": list(q.expected) if q.kind == "shape" else json_value(q.expected),
            **({"index": list(q.index)} if q.index is not None else {}),
            "answers": [a if v is None else list(v) if q.kind == "shape" else json_value(v)
                        for a, v in zip(q.answers, q.values)], "verdict": q.verdict, "diagnosis": q.diagnosis,
            "explanation": describe_mistake(q) or None, "working": q.working,
        } for q in questions],
        "score": {"right": sum(q.right for q in questions), "total": len(questions)},
        "significant_digits": significant,
    }
    if seed is not None:
        doc["seed"] = seed
    return doc


def dumps(doc: dict) -> str:
    import json

    return json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False)
