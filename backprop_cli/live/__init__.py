"""`backprop live`: the full-screen app (Textual), and the model it draws."""
