"""Café sessions ahead and after the day: scheduling, attendance, paper-sheet entry, summaries."""
