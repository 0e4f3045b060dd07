"""python -m backprop_cli: the same as the `backprop` command."""

import sys

from .cli.entry import main

sys.exit(main())
