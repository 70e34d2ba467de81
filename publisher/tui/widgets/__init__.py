"""Small widgets, one per file, grouped by the screen area they serve."""
