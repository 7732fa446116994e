"""Countries as ORDS records name them: ISO 3166-1 alpha-3 codes ("GBR", "CAN", "BEL").

A partner file can carry any three letters; only codes on the ISO list are kept, so that an
export never passes on a country that does not exist.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry


@lru_cache(maxsize=512)
def alpha3(text: str) -> str | None:
    """The ISO 3166-1 alpha-3 code written in `text` (any case, surrounding spaces allowed), or
    None when it is not one: names ("Canada"), alpha-2 codes ("CA") and unassigned three-letter
    codes ("XYZ") are all None."""
    code = text.strip().upper()
    if len(code) != 3 or not code.isalpha():
        return None
    return code if pycountry.countries.get(alpha_3=code) is not None else None
