"""backprop quiz: practise the forward and backward pass by hand, one node at a time."""

from __future__ import annotations

import click

from .. import options

from .quiz_run import run
from .common import ExpressionCommand, click_option, out_option, program_options_own_seed


@click.command(cls=ExpressionCommand, short_help="Practise the forward and backward pass by hand.")
@program_options_own_seed
@click_option(options.QUIZ_RANDOM)
@click_option(options.QUIZ_SEED)
@click_option(options.QUIZ_ANSWERS)
@click_option(options.QUIZ_ONLY)
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
    return run(program, random_=random_, seed=seed, answers=answers, only=only, significant=significant,
               fmt=fmt, digits=digits, out=out)
