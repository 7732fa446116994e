"""Translations: message catalogues live as .po text in the package and are compiled at start.

Compiling into the instance folder keeps binary .mo files out of the repository and works
when the package directory is read-only.
"""

from __future__ import annotations

import functools
import io
import os
import re
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

SOURCE = Path(__file__).parent / "translations"
# A language code such as fr or pt_BR, never a path.
_LANGUAGE = re.compile(r"[a-z]{2,3}(_[A-Z]{2})?")


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


def translations(language: str) -> Translations:
    """The catalogue of one language, for text made outside a request: reports and e-mails.

    Read from the same .po file the pages use, so a scheduled report or a mail says exactly
    what the pages say; compiled in memory once per process (and again if the file changes),
    which also works where no instance folder has been prepared. English, the language of the
    message ids, gets an empty catalogue.
    """
    po_path = SOURCE / language / "LC_MESSAGES" / "messages.po"
    known = _LANGUAGE.fullmatch(language) and po_path.exists()
    stamp = po_path.stat().st_mtime_ns if known else None
    return _compiled(language, stamp)


@functools.lru_cache(maxsize=8)
def _compiled(language: str, stamp: int | None) -> Translations:
    if stamp is None:
        return Translations()
    with (SOURCE / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled)
