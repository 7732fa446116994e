"""What the feature does, one function per user action."""
