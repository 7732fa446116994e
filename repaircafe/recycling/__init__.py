"""Recycling: material splits, recyclers and collection batches."""
