"""Translations: message catalogues live as .po text in the package and are compiled at start.

Compiling into the instance folder keeps binary .mo files out of the repository and works
when the package directory is read-only.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SOURCE = Path(__file__).parent / "translations"


def compile_catalogues(target: Path) -> Path:
    """Compile every translations/<lang>/LC_MESSAGES/messages.po newer than its .mo."""
    for po_path in SOURCE.glob("*/LC_MESSAGES/messages.po"):
        relative = po_path.relative_to(SOURCE).with_suffix(".mo")
        mo_path = target / relative
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as source:
            catalog = read_po(source)
        # Several workers may start at once: each writes its own temporary file and the
        # atomic rename makes the last one win, with identical content.
        handle, tmp_name = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as out:
            write_mo(out, catalog, use_fuzzy=False)
        os.replace(tmp_name, mo_path)
    return target
