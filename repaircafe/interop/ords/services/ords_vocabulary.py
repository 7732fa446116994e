"""The wordings ORDS files use for statuses, barriers and categories, across the versions of
the standard, mapped to ours.

The published documents disagree with each other: the v0.3 table schema lists the sixth
barrier as "Too worn out", the standard's text as "Product too worn out" and its code list, like
the published files, as "Item too worn out"; the third is "No way to open the product" in the
text and "No way to open product" in the list. Every one of them is a barrier a partner may
write, so every one is accepted.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from repaircafe.domain import lifecycle

SCHEMA_FILE = "data/ords_tableschema_v0.3.json"

STATUSES = {
    "fixed": "fixed", "1": "fixed",
    "repairable": "repairable", "2": "repairable",
    "end of life": "end_of_life", "end_of_life": "end_of_life", "3": "end_of_life",
    "unknown": "unknown", "0": "unknown", "": "unknown",
}

# Barrier wordings of the standard's text that differ from its code list (lifecycle.BARRIERS).
_BARRIER_TEXT = {
    "no way to open the product": 3,
    "product too worn out": 6,
}

# ORDS v0.2 named the food processor category "Blender"; v0.2.1 renamed it.
CATEGORY_ALIASES = {"blender": 37}

# Columns of ORDS v0.2 files under another name than in v0.3.
V02_COLUMNS = {"product_category_ords": "product_category"}
# Columns only a v0.3 file has.
V03_ONLY_COLUMNS = ("product_category_id", "product_age")

_SPACES = re.compile(r"\s+")


def wording_key(text: str) -> str:
    """A wording as compared: case, runs of spaces and a final full stop do not count."""
    return _SPACES.sub(" ", text.strip().lower()).rstrip(".").strip()


@cache
def schema_barrier_names() -> tuple[str, ...]:
    """The barrier names of the published v0.3 table schema, in code order (1 to 6).

    The schema writes its list as one string, "[Spare parts not available,...]".
    """
    text = resources.files("repaircafe").joinpath(SCHEMA_FILE).read_text("utf-8")
    for spec in json.loads(text)["resources"][0]["schema"]["fields"]:
        if spec["name"] == "repair_barrier_if_end_of_life":
            enum = spec.get("constraints", {}).get("enum", [])
            if isinstance(enum, str):
                enum = enum.strip().strip("[]").split(",")
            return tuple(name.strip() for name in enum)
    return ()


@cache
def barriers() -> dict[str, int]:
    """Every accepted barrier wording (as `wording_key` gives it) and code, to our code."""
    found = {str(code): code for code in lifecycle.BARRIERS}
    found |= {wording_key(name): code for code, name in lifecycle.BARRIERS.items()}
    found |= {wording_key(name): code
              for code, name in enumerate(schema_barrier_names(), start=1)}
    found |= _BARRIER_TEXT
    return found


def barrier(text: str) -> int | None:
    """Our barrier code for a barrier as a file writes it, or None when it is none of them."""
    return barriers().get(wording_key(text))
