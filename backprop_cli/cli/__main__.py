"""`python -m backprop_cli.cli`: the click group itself, without the fast path."""

import sys

from .entry import run_click
from .output import finish, start_up

start_up()
sys.exit(finish(run_click()))
