"""Cells written to spreadsheets are never taken for formulas."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from repaircafe.interop.spreadsheet_safety import safe_cell, safe_row


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://example.org","x")',
        "+1+1",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "=",
    ],
)
def test_formula_like_text_gets_a_leading_quote(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize(
    "value",
    ["Grille-pain", "", "a=b", " =1", "'=1", "1,2 kg", "naïve @home"],
)
def test_harmless_text_is_unchanged(value: str) -> None:
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [None, -3, 1.5, Decimal("-0.5"), date(2025, 6, 14), True])
def test_values_that_are_not_text_are_unchanged(value: object) -> None:
    assert safe_cell(value) is value


def test_a_row_is_made_safe_cell_by_cell() -> None:
    assert safe_row(["ok", "=1+1", -1, None]) == ["ok", "'=1+1", -1, None]
