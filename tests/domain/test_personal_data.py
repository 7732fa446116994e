"""Contact details leave free text; product, serial and part numbers stay."""

from __future__ import annotations

import pytest

from repaircafe.domain import personal_data


def test_ordinary_numbers_are_kept() -> None:
    text = "Model 2200W, bought 2019, fuse 13A"
    assert personal_data.scrub(text) == text


@pytest.mark.parametrize("text", [
    "ring 07700 900123",
    "Call Mrs Hughes on 07700 900456 please",
    "ring us on 029 2087 1234",
    "+44 20 7946 0958 after six",
])
def test_phone_numbers_are_replaced(text: str) -> None:
    scrubbed = personal_data.scrub(text)
    assert "[phone]" in scrubbed
    assert not any(ch.isdigit() for ch in scrubbed.replace("[phone]", ""))


@pytest.mark.parametrize("text", [
    "Serial 12345678901 on the base",
    "S/N: 4455 6677 8899",
    "part no. 1234-5678-90 fitted",
    "IMEI 356938035643809",
    "Typenummer 0123 4567 89",
    "ref #20231001775",
    "S/N 0123456789",
    "part no. 5512 345 678",
    "model KM-2245-6671",
    "Model: KM-2245-6671 makes a rattle",
    "serial number is 0123456789",
    "fault code E-0123 4567 89",
    "model no KM 2245 6671 and serial 0123 4567 89",
    "EAN 4006381333931 on the box",
    "numéro de série 0123456789",
    "réf. 5512 345 678",
    "Modell HD-3325-1234",
    "E-Nr. 1234 5678 90",
    "board 2245-6671-B replaced",
])
def test_serial_and_part_numbers_are_kept(text: str) -> None:
    assert personal_data.scrub(text) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("phone no. 07700 900123", "phone no. [phone]"),
    ("tel nr 0612345678", "tel nr [phone]"),
    ("S/N 0123456789, call 07700 900123", "S/N 0123456789, call [phone]"),
    ("part of the reason, call 07700 900123", "part of the reason, call [phone]"),
    ("model 2245 6671; text me on 07700 900123", "model 2245 6671; text me on [phone]"),
    ("type 3 motor, 0612345678", "type 3 motor, [phone]"),
    ("model KM-2245-6671, owner jan@example.org", "model KM-2245-6671, owner [e-mail]"),
])
def test_phone_numbers_beside_product_numbers_are_still_replaced(text: str, expected: str) -> None:
    assert personal_data.scrub(text) == expected


def test_email_and_owner_names_are_replaced() -> None:
    names = personal_data.owner_details("Sian Hughes", "sian@example.org", "07700 900456")
    text = "Sian Hughes (sian.hughes@example.org) wants it back; Hughes said so"
    assert personal_data.scrub(text, names) == "[name] ([e-mail]) wants it back; [name] said so"


def test_owner_names_are_the_full_name_then_its_longer_parts() -> None:
    assert personal_data.owner_names("Sian Hughes") == ("Sian Hughes", "Sian", "Hughes")
    assert personal_data.owner_names("Al") == ("Al",)
    assert personal_data.owner_names("  ") == ()
