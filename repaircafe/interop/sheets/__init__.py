"""Imports of a café's own CSV and XLSX spreadsheets."""
