"""What `backprop quiz` does once its options are read, without click (the click command, quiz.py, and
the fast entry point, entry.py, both call ``run``)."""

from __future__ import annotations

import sys

from ...base.numbers import QUIZ_SIGNIFICANT
from ..output import echo
from .common import output_to, warn


def run(program, random_=False, seed=None, answers=None, only="all", significant=QUIZ_SIGNIFICANT, fmt="text",
        digits=6, out=None):
    with output_to(out, fmt, "quiz"):
        return _quiz(program, random_, seed, answers, only, significant, fmt, digits)


def _quiz(program, random_, seed, answers, only, significant, fmt, digits):
    from ...base.errors import BackpropError
    from ...tasks import quiz
    from ...views import quiz as view
    if answers == "-" and "-" in (program.expr, program.file):
        from ...base.errors import InputError

        raise InputError("the program and the answers cannot both come from standard input",
                         "Give the answers in a file: --answers FILE.")
    if random_ or seed is not None:
        if program.expr is not None or program.file is not None:
            from ...base.errors import InputError

            raise InputError("--random makes its own exercise: give it no EXPR or -f FILE")
        import random

        from ...api import evaluate

        if seed is None:
            seed = random.randrange(10_000)
        source = quiz.random_exercise(seed)
        result = evaluate(source, origin=f"exercise {seed}")
        shown = source.strip().splitlines()
    else:
        loaded = program.load()
        result = loaded.run()
        for message in result.warnings:
            warn(message)
        shown = [line.split("#", 1)[0].rstrip() for line in loaded.source.splitlines()]
        shown = [line for line in shown if line.strip()]
        if len(shown) == 1 and "=" not in shown[0]:
            shown = [f"{result.output_name} = {shown[0].strip()}"]
    if random_ or seed is not None or not loaded.tensor:
        questions = quiz.questions(result, only, digits)
        judge = quiz.Judge(result, significant, digits)
    else:  # a tensor program: each shape first, then chosen elements
        questions = quiz.tensor_questions(result, only, digits)
        judge = quiz.TensorJudge(result, significant, digits)
    talk = fmt == "text"
    console = None
    if talk:
        from ...views.console import view_console

        console = view_console()
        view_print(console, view.introduction(result, shown, len(questions), significant, only))
        if seed is not None:
            view_print(console, [(f"(exercise {seed}: repeat it with --seed {seed})", None)])
    read = _reader(answers, talk)
    stopped = False
    for k, q in enumerate(questions, 1):
        if stopped:
            break
        if talk:
            view_print(console, [("", None), (view.question_line(q, k, len(questions)), "bold")])
        while True:
            text = read()
            if text is None:
                stopped = True
                break
            try:
                value = quiz.read_answer(q, text)
                not_number = False
            except BackpropError:
                value, not_number = None, True
            if not_number:  # a typo: asked again, no try used up
                if talk:
                    view_print(console, view.not_a_number(text, q.kind == "shape"))
                continue
            outcome = quiz.answer(judge, q, value, text)
            if talk:
                view_print(console, view.feedback(q, outcome, digits, not_number))
            if outcome != "retry":
                break
    if fmt == "json":
        echo(view.dumps(view.document(questions, significant, seed)))
    else:
        if stopped:
            view_print(console, [("", None), ("(no more answers)", "yellow")])
        view_print(console, view.score_lines(questions, digits))


def view_print(console, lines):
    from ...views.grade import print_lines

    print_lines(console, lines)


def _reader(answers, talk: bool):
    """A function returning the next answer (None when there are no more)."""
    if answers is not None:
        from ...language.source import read_text

        lines = iter(read_text(answers).splitlines())
        return _scripted(lines, talk)
    stdin = sys.stdin
    if not stdin.isatty():
        return _scripted(iter(stdin.read().splitlines()), talk)

    def interactive():
        import click

        try:
            return click.prompt("", prompt_suffix="> ", default="", show_default=False)
        except (EOFError, click.exceptions.Abort) as e:
            if isinstance(e.__context__, KeyboardInterrupt):
                raise KeyboardInterrupt from None  # Ctrl-C leaves (exit 130); end of input ends the quiz
            return None

    return interactive


def _scripted(lines, talk: bool):
    from ...base.text import printable

    def next_answer():
        text = next(lines, None)
        if text is not None and talk:
            echo(f"> {printable(text.strip())}")
        return text

    return next_answer
