"""Keeping a deployment healthy: checking stored states against the history, clearing leftovers."""
