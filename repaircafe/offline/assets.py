"""The stylesheets and scripts a tablet keeps, and the version naming the cache that holds them."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

KEPT_SUFFIXES = (".css", ".js", ".wasm", ".svg", ".png", ".woff2")


@cache
def static_files(folder: str) -> tuple[tuple[str, ...], str]:
    """The static files (paths relative to `folder`, with "/") and a digest of their contents.

    The digest names the service worker's asset cache: any changed file gives a new name, so a
    tablet fetches the new files once and drops the old cache, and never mixes the two.
    """
    root = Path(folder)
    digest = hashlib.sha256()
    found: list[str] = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in KEPT_SUFFIXES:
            relative = path.relative_to(root).as_posix()
            found.append(relative)
            digest.update(relative.encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return tuple(found), digest.hexdigest()[:16]
