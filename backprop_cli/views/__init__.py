"""Views: each a function of an engine Result.  Rich is imported only by the views that draw."""
