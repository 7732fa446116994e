"""Parts: harvesting, stock bins, installing into other objects."""
