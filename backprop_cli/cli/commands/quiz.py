"""backprop quiz: practise the forward and backward pass by hand, one node at a time."""

from __future__ import annotations

import sys

import click

from .. import options

from .common import ExpressionCommand, click_option, out_option, output_to, program_options_own_seed, warn


@click.command(cls=ExpressionCommand, short_help="Practise the forward and backward pass by hand.")
@program_options_own_seed
@click.option("--random", "random_", is_flag=True, help="A small random exercise (see --seed).")
@click_option(options.QUIZ_SEED)
@click.option("--answers", metavar="FILE", help="Read the answers from FILE, one a line ('-': standard input).")
@click.option("--only", type=click.Choice(["all", "forward", "backward"]), default="all", show_default=True,
              help="Ask only the forward values or only the gradients.")
@click_option(options.QUIZ_SIGNIFICANT_OPTION)
@click_option(options.FORMATS["quiz"])
@click_option(options.QUIZ_DIGITS)
@out_option
def command(program, random_, seed, answers, only, significant, fmt, digits, out):
    """\b
    backprop quiz -f samples/neuron.bp
    backprop quiz "(x+y)*z" --at x=-2,y=5,z=-4 --only backward
    backprop quiz --random                 (prints its seed)
    backprop quiz --seed 7 --answers mine.txt --format json

    Asks for each node's forward value in order, then each gradient going
    backwards, as in the lecture's figures.  A wrong answer gets a diagnosis
    (sign flipped, missing upstream factor, ...) and one more try; then the
    answer with its working, upstream × local.  Ends with the score and the
    steps to review.

    Answers come from the terminal, or one a line from --answers FILE or a pipe
    (a wrong answer's retry on the next line).  An answer counts when its first
    --significant digits are right; one that is not a number is asked again.
    The score is in the output, not the exit status: 0 when the quiz ran, 2 for
    bad input.
    """
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
        questions = quiz.tensor_questions(result, only)
        judge = quiz.TensorJudge(result, significant)
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
        click.echo(view.dumps(view.document(questions, significant, seed)))
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
            click.echo(f"> {printable(text.strip())}")
        return text

    return next_answer
