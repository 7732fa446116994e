"""QR payloads and symbols as vector path operators, optionally computed in a process pool.

Raster QR images scaled into a PDF blur on small labels, so each symbol is drawn as
rectangles: the dark modules of a row are merged into runs and the whole symbol is
one filled path. ``qrcode``'s mask selection dominates the cost of a label, so the
matrix is computed exactly once per code, and big batches spread it over processes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import NamedTuple

import qrcode
from qrcode import constants

QUIET_ZONE = 4
"""Modules of blank margin the QR standard asks for on every side."""

POOL_THRESHOLD = 200
"""Batches larger than this are encoded in a process pool when ``workers`` is left to auto."""

_ECC = {
    "L": constants.ERROR_CORRECT_L,
    "M": constants.ERROR_CORRECT_M,
    "Q": constants.ERROR_CORRECT_Q,
    "H": constants.ERROR_CORRECT_H,
}
_DARK_RUN = re.compile(rb"\x01+")


class QRSymbol(NamedTuple):
    """A QR symbol without quiet zone: ``size`` modules square, ``ops`` a PDF path.

    ``ops`` holds ``re`` operators in module units, x to the right and y downwards
    from the symbol's top-left corner; the caller places it with a ``cm`` transform.
    """

    size: int
    ops: str


def qr_payload(base_url: str, code: str) -> str:
    """The URL a label encodes, upper case so it fits QR alphanumeric mode.

    A base URL with characters outside that mode (``_``, ``?``) still works, in the
    larger byte mode.

    >>> qr_payload("https://rc.example.org/", "7k3m9qxa2")
    'HTTPS://RC.EXAMPLE.ORG/I/7K3M9QXA2'
    """
    return f"{base_url.rstrip('/')}/I/{code}".upper()


def ecc_level(ecc: str) -> int:
    """The ``qrcode`` constant for an error-correction letter (L, M, Q or H)."""
    try:
        return _ECC[ecc.upper()]
    except (KeyError, AttributeError):
        raise ValueError(f"error correction must be one of L, M, Q, H; got {ecc!r}") from None


def encode(payload: str, ecc: str = "M") -> QRSymbol:
    """Encode one payload in the smallest QR version, as merged vector runs."""
    code = qrcode.QRCode(error_correction=ecc_level(ecc), border=0)
    code.add_data(payload)
    code.make(fit=True)
    parts = []
    for y, row in enumerate(code.modules):
        for run in _DARK_RUN.finditer(bytes(row)):
            start = run.start()
            parts.append(f"{start} {y} {run.end() - start} 1 re")
    return QRSymbol(code.modules_count, "\n".join(parts))


def _encode_chunk(args: tuple[Sequence[str], str]) -> list[QRSymbol]:
    payloads, ecc = args
    return [encode(payload, ecc) for payload in payloads]


def pool_size(count: int, workers: int | None) -> int:
    """How many processes to use for ``count`` symbols; 1 means encode in this process."""
    if workers is None:
        return (os.cpu_count() or 1) if count > POOL_THRESHOLD else 1
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    return min(workers, max(1, count))


def encode_many(
    payloads: Sequence[str], ecc: str = "M", workers: int | None = None
) -> list[QRSymbol]:
    """Encode many payloads, in a process pool for big batches (see ``pool_size``)."""
    ecc_level(ecc)
    processes = pool_size(len(payloads), workers)
    if processes == 1:
        return _encode_chunk((payloads, ecc))
    chunk = -(-len(payloads) // (processes * 4))
    jobs = [(payloads[i : i + chunk], ecc) for i in range(0, len(payloads), chunk)]
    with ProcessPoolExecutor(max_workers=processes) as pool:
        return [symbol for symbols in pool.map(_encode_chunk, jobs) for symbol in symbols]
