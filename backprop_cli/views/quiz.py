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


def not_a_number(text: str) -> list:
    from ..base.text import printable

    return [(f"  '{printable(text.strip())}' is not a number: try again (a number, or an expression "
             "like -1/1.37^2)", NOTE)]


def question_line(q, k: int, n: int) -> str:
    what = "value" if q.kind == "value" else "gradient"
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
        lines.append((f"  the answer is {show(q.expected, digits)}: {q.working}", NOTE))
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
            lines.append((f"  {q.prompt} = {show(q.expected, digits)} ({q.verdict})" + (f": {why}" if why else ""), None))
            lines.append((f"    {q.working}", None))
    elif not unanswered:
        lines.append(("every step right the first time", RIGHT))
    return lines


def document(questions: list, significant: int, seed=None) -> dict:
    doc = {
        "questions": [{
            "node": q.name, "kind": q.kind, "prompt": q.prompt, "expected": json_value(q.expected),
            "answers": [a if v is None else json_value(v) for a, v in zip(q.answers, q.values)], "verdict": q.verdict, "diagnosis": q.diagnosis,
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
