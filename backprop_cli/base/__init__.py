"""What every layer shares and that imports nothing else of the package: errors, numbers as shown,
user text made safe, "did you mean", writing files."""
