"""Contact details removed from free text that leaves the café: public notes and exports.

Volunteers type what the owner said ("ring Mrs Hughes on 07700 900456"), and public notes go
to the label page that anyone holding the object can open. Serial, model and part numbers
look like phone numbers to a plain digit pattern, so digits that follow such a word (perhaps
with "no." or a code in capitals between), or that are joined to letters by a dash as in
"KM-2245-6671", are kept; digits after "phone", "call" or "ring" never are.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Eight or more digits, possibly grouped by spaces, dots, dashes or brackets: a phone number.
_PHONE = re.compile(r"(?<!\w)\+?\(?\d(?:[\s().-]{0,2}\d){7,}(?!\w)")
# Words that name a product's, a part's or a fault's number, in the languages cafés write in.
# "No", "nr" and "number" alone are not among them: "phone no. 07700 900123" is a phone number.
_PRODUCT_WORDS = (
    r"serial|s/n|sn|part|p/n|pn|model|modell|modèle|type|typ|ref|reference|réf|référence|"
    r"article|art|item|product|produkt|imei|ean|gtin|upc|sku|mpn|batch|lot|code|fault|error|"
    r"série|serie|seriennummer|serienummer|typenummer|modelnummer|artikelnummer|teilenummer|"
    r"onderdeel|teil|pièce|e-nr|fd"
)
# Between such a word and the number: "no.", "number", "is", ":", "#", and codes in capitals
# or digits ("model no KM 2245 6671").
_PRODUCT_NUMBER = re.compile(
    rf"(?:\b(?:{_PRODUCT_WORDS})\b\.?|#)"
    r"(?:\s*(?:no\.?|nr\.?|num\.?|number|nummer|numéro|n°|is|was|de|:|#|"
    r"(?-i:[A-Z0-9][A-Z0-9/.-]{0,11})))*\s*[:#]?\s*$",
    re.IGNORECASE,
)
# A number joined to letters by a dash is a code ("KM-2245-6671", "E-0123 4567 89").
_CODE_BEFORE = re.compile(r"[A-Za-z][A-Za-z0-9]*-$")
_CODE_AFTER = re.compile(r"^-[A-Za-z]")
# Words that say the number is one to ring: they win over any product word before them.
_PHONE_WORDS = re.compile(
    r"\b(?:phone|tel|tél|telephone|téléphone|telefon|telefoon|mobile|mob|cell|gsm|portable|"
    r"handy|ring|call|text|sms|whatsapp|contact|fax|bellen|appeler|anrufen)\b\.?"
    r"(?:\s*(?:no\.?|nr\.?|num\.?|number|nummer|numéro|n°|on|at|me|us|her|him|them|:))*"
    r"\s*[:#]?\s*$",
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
    """The number kept when it is a product's, part's or fault's code, else "[phone]"."""
    before = text[max(0, match.start() - 40):match.start()]
    if _PHONE_WORDS.search(before):
        return "[phone]"
    if (_CODE_BEFORE.search(before) or _CODE_AFTER.match(text[match.end():])
            or _PRODUCT_NUMBER.search(before)):
        return match.group(0)
    return "[phone]"


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
