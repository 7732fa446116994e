"""Countries of partner records: ISO 3166-1 alpha-3 codes, checked against the real list."""

from __future__ import annotations

import pytest

from repaircafe.domain import countries


@pytest.mark.parametrize(("text", "code"), [
    ("CAN", "CAN"), ("BEL", "BEL"), ("GBR", "GBR"), ("usa", "USA"), (" dnk ", "DNK"),
])
def test_codes_on_the_iso_list_are_kept(text: str, code: str) -> None:
    assert countries.alpha3(text) == code


@pytest.mark.parametrize("text", ["XYZ", "UK", "CA", "Canada", "", "GB1", "EUR", "ENG"])
def test_anything_else_is_no_country(text: str) -> None:
    assert countries.alpha3(text) is None
