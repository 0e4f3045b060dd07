"""`python -m backprop_cli.cli`: the click group itself, without the fast path."""

import sys

from .entry import run_click
from .output import finish, guard_streams

guard_streams()
sys.exit(finish(run_click()))
