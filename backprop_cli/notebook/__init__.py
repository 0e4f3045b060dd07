"""backprop in Jupyter: the %backprop magics (magics.py) and the slider widget (widget.py), which need
the extra `pip install 'backprop-cli[notebook]'`.  (Results show themselves without it:
views/display.py.)  The last layer: it reads eval's options from cli/options.py; nothing imports it
but the package's lazy exports (``%load_ext backprop_cli``, ``backprop_cli.widget``)."""
