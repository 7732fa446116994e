"""Cells that spreadsheet programs must not take for formulas.

A file we write (an error file, an export, a report) is opened in Excel or LibreOffice by
people who trust it. A text cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return, which some programs strip before looking) is run as a formula there, so a
name typed by anyone could fetch a web address or start a program on the reader's machine.
Following OWASP's advice, such cells get a leading single quote: the spreadsheet then shows
the text as text, and a person reading the CSV still sees what was typed.
"""

from __future__ import annotations

from typing import TypeVar

# The rule lives in the pure reports package, which writes report files without the app.
from reports.cells import FORMULA_PREFIXES
from reports.cells import safe_text as safe_cell

__all__ = ["FORMULA_PREFIXES", "safe_cell", "safe_row"]

T = TypeVar("T")


def safe_row(values: list[T]) -> list[T | str]:
    """A row of cells, each made safe with :func:`safe_cell`."""
    return [safe_cell(value) for value in values]
