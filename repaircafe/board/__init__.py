"""Café sessions and the live board of what is waiting, on the bench and done."""
