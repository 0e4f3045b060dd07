"""One module per click command, loaded only when that command runs."""
