"""Cells that spreadsheet programs must not take for formulas: the one rule for every file we write.

Reports are opened in Excel or LibreOffice by council officers who trust them, and their text
comes from names anyone with an account (or an imported file) typed: a site, a group, a
subscription title, a problem description. A text cell that begins with ``=``, ``+``, ``-`` or
``@`` (or a tab or carriage return, which some programs strip before looking) is run as a
formula there, so such a name could fetch a web address or start a program on the reader's
machine. Following OWASP's advice on CSV injection, such cells get a leading single quote: the
spreadsheet shows the text as text, and a person reading the CSV still sees what was typed.

Only text is touched: numbers (a negative figure included) stay numbers.
"""

from __future__ import annotations

from typing import TypeVar

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")


def safe_text(value: T) -> T | str:
    """The value to write into a cell so that no spreadsheet program runs it as a formula.

    A string starting with a formula character gets a leading ``'``; every other value
    (numbers, dates, None, harmless strings) is returned unchanged, so numeric columns stay
    numeric and the rule can be applied to any cell without looking at its column.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells and column names pass through :func:`safe_text`.

    Columns of numbers are left as they are (their dtype is kept); only columns that can hold
    text are mapped, cell by cell.
    """
    safe = frame.copy()
    for name in safe.columns:
        column = safe[name]
        if (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)
                or isinstance(column.dtype, pd.CategoricalDtype)):
            safe[name] = column.map(safe_text)
    safe.columns = [safe_text(c) for c in safe.columns]
    return safe
