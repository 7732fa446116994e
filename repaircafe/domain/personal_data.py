"""Contact details removed from free text that leaves the café: public notes and exports.

Volunteers type what the owner said ("ring Mrs Hughes on 07700 900456"), and public notes go
to the label page that anyone holding the object can open. Serial, model and part numbers
look like phone numbers to a plain digit pattern, so digits that follow such a word are kept.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Eight or more digits, possibly grouped by spaces, dots, dashes or brackets: a phone number.
_PHONE = re.compile(r"(?<!\w)\+?\(?\d(?:[\s().-]{0,2}\d){7,}(?!\w)")
# Words after which a long number identifies a product or a part, not a person.
_PRODUCT_NUMBER = re.compile(
    r"(?:\b(?:serial|s/n|sn|part|p/n|pn|model|type|ref|reference|article|art|imei|batch|"
    r"lot|code|nr|no|num|number|numéro|nummer|typenummer|série|seriennummer|serienummer|"
    r"onderdeel|teil|pièce|référence)\b\.?|#)\s*(?:no\.?|nr\.?|number|n°|:)?\s*[:#]?\s*$",
    re.IGNORECASE,
)


def scrub(text: str, names: tuple[str, ...] = ()) -> str:
    """The text with e-mail addresses, phone numbers and the given names replaced."""
    if not text:
        return text
    if "@" in text:
        text = _EMAIL.sub("[e-mail]", text)
    text = _PHONE.sub(lambda match: _phone_or_product(text, match), text)
    for name in names:
        if name and name.lower() in text.lower():
            text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", "[name]", text, flags=re.IGNORECASE)
    return text


def _phone_or_product(text: str, match: re.Match[str]) -> str:
    before = text[max(0, match.start() - 30):match.start()]
    return match.group(0) if _PRODUCT_NUMBER.search(before) else "[phone]"


def owner_names(full_name: str | None) -> tuple[str, ...]:
    """The owner's full name, then each part of it long enough to be a name on its own."""
    if not full_name or not full_name.strip():
        return ()
    parts = [p for p in re.split(r"\s+", full_name.strip()) if len(p) >= 3]
    return (full_name.strip(), *parts) if len(parts) > 1 else (full_name.strip(),)


def owner_details(name: str | None, email: str | None, phone: str | None) -> tuple[str, ...]:
    """Everything of an owner's contact that must not survive in a note after erasure."""
    return tuple(v for v in (*owner_names(name), (email or "").strip(), (phone or "").strip())
                 if v)
