"""backprop in Jupyter: results that show themselves (display.py, no IPython needed), the %backprop
magics (magics.py) and the slider widget (widget.py), which need the extra
`pip install 'backprop-cli[notebook]'`.  Nothing here is imported by the command line."""
