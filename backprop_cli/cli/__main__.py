"""`python -m backprop_cli.cli`: the click group itself, without the fast path."""

from .group import main

main()
