"""What every feature relies on: the access policy."""
