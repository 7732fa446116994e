"""Benchmark: 1,000 fresh labels on Avery L7651 against the cost of the QR matrices alone.

The floor is what the ``qrcode`` package needs to encode the same 1,000 payloads, measured
in this run; rendering should add little to it (goal <= 1.5x in one process), and the
process pool should beat it outright (goal <= 1.0x). Each figure is the best of a few runs
with fresh codes, as shared machines stall now and then.
Run: ``python bench/bench_labels.py``.
"""

from __future__ import annotations

import os
import random
import sys
import time
from pathlib import Path

import qrcode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from labels import LabelContent, load_layout, qr_payload, render_labels  # noqa: E402

COUNT = 1000
REPEATS = 3
BASE_URL = "https://rc.example.org"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def fresh_contents(count: int) -> list[LabelContent]:
    rng = random.SystemRandom()
    contents = []
    for _ in range(count):
        code = "".join(rng.choice(CROCKFORD) for _ in range(9))
        contents.append(LabelContent(code, f"{code[:4]}-{code[4:8]}-{code[8:]}", None, "blank"))
    return contents


def floor_seconds(contents: list[LabelContent]) -> float:
    start = time.perf_counter()
    for content in contents:
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
        code.add_data(qr_payload(BASE_URL, content.code))
        code.make(fit=True)
        code.get_matrix()
    return time.perf_counter() - start


def render_seconds(contents: list[LabelContent], workers: int) -> tuple[float, int]:
    layout = load_layout("avery_l7651")
    start = time.perf_counter()
    pdf = render_labels(contents, layout, base_url=BASE_URL, workers=workers)
    return time.perf_counter() - start, len(pdf)


def main() -> None:
    cores = os.cpu_count() or 1
    floor = min(floor_seconds(fresh_contents(COUNT)) for _ in range(REPEATS))
    single, size = min(render_seconds(fresh_contents(COUNT), workers=1) for _ in range(REPEATS))
    pooled = min(render_seconds(fresh_contents(COUNT), workers=cores)[0] for _ in range(REPEATS))
    print(f"labels: {COUNT} on avery_l7651, {cores} cores, best of {REPEATS}")
    print(f"floor (qrcode matrices only):   {floor:6.3f} s")
    print(
        f"render, one process:            {single:6.3f} s  ratio {single / floor:4.2f}x  (goal <= 1.5x)"
    )
    print(
        f"render, pool of {cores:<2d} processes:   {pooled:6.3f} s  ratio {pooled / floor:4.2f}x  (goal <= 1.0x)"
    )
    print(
        f"PDF size:                       {size / 1e6:6.3f} MB ({size / COUNT:.0f} B/label, goal < 1 MB)"
    )


if __name__ == "__main__":
    main()
