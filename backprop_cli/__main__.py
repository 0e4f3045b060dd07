"""python -m backprop_cli: the same as the `backprop` command."""

import sys

from .entry import main

sys.exit(main())
