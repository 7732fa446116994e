"""Interoperability: the Open Repair Data Standard and cafés' own spreadsheets."""
