"""Which field a refusal is about, so a form shows the message beside it and focuses it."""

from __future__ import annotations

from collections.abc import Iterable

from repaircafe.domain.errors import CodeError, Refused

# The phrase a text check names (values.clean_text's `field`) and the form field it stands for.
PHRASE_FIELDS = {
    "Public note": "public_note", "Internal note": "internal_note", "Diagnosis": "diagnosis",
    "Brand": "brand", "Model": "model", "Problem": "problem", "Name": "owner_name",
    "E-mail": "owner_email", "Phone": "owner_phone", "Reason": "reason",
    "Repair information": "repair_info",
}
# Words of the refusal's English template (lower case) and the field it concerns; the first
# match wins, so the more specific phrases come first.
TEMPLATE_FIELDS = (
    ("next step", "next_steps"),
    ("source of spare parts", "parts_source"),
    ("spare parts", "spare_parts"),
    ("web address", "repair_info"),
    ("minutes", "minutes"),
    ("barrier", "barrier"),
    ("outcome", "outcome"),
    ("weight", "weight"),
    ("an age", "product_age"),
    ("in the future", "product_age"),
    ("consent", "consent"),
    ("return date", "return_due_on"),
    ("hand-over", "to"),
    ("category", "category"),
    ("write what you found", "diagnosis"),
    ("write a note", "public_note"),
    ("say what was wrong", "reason"),
    ("label", "tag_code"),
)
CODE_FIELDS = ("tag_code", "new_code", "part_code")


def field_for(exc: Refused, fields: Iterable[str]) -> str | None:
    """The form field the refusal concerns, if the form has it; None for the whole form."""
    names = list(fields)
    field = exc.params.get("field")
    if field is not None and PHRASE_FIELDS.get(str(field)) in names:
        return PHRASE_FIELDS[str(field)]
    if isinstance(exc, CodeError) or "label" in exc.template.lower():
        code_field = next((name for name in CODE_FIELDS if name in names), None)
        if code_field:
            return code_field
    template = exc.template.lower()
    for word, name in TEMPLATE_FIELDS:
        if word in template and name in names:
            return name
    return None
