"""`python -m backprop_cli.cli`: the click group itself, without the fast path."""

import sys

from .entry import leave_if_threads, run_click
from .output import finish, start_up

start_up()
code = finish(run_click())
leave_if_threads(code)
sys.exit(code)
