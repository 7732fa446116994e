"""Benchmark: building the demo database against bulk-inserting as many rows into one table.

The floor is an executemany of as many rows as the demo has objects, with the columns of the
object table, into one plain table of a fresh SQLite file in the same run. The demo itself also
migrates the schema, seeds categories, hashes five passwords and writes tags, events, owners
and impact records. Goal: under 30 s in absolute terms (target 5-10 s).
Run: ``python bench/bench_demo.py``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Column, Float, Integer, MetaData, Table, Text, insert  # noqa: E402

from repaircafe.db import make_engine  # noqa: E402
from repaircafe.demo.builder import build_demo  # noqa: E402
from repaircafe.demo.objects import slice_rows  # noqa: E402


def floor_seconds(path: Path, count: int) -> float:
    engine = make_engine(f"sqlite:///{path}")
    table = Table("plain_item", MetaData(), Column("id", Integer, primary_key=True),
                  Column("brand", Text), Column("problem", Text), Column("state", Text),
                  Column("weight_kg", Float), Column("category_id", Integer))
    table.create(engine)
    records = slice_rows()
    start = time.perf_counter()
    rows = [{"brand": r["brand"], "problem": r["problem"], "state": "fixed", "weight_kg": 1.0,
             "category_id": int(r["product_category_id"] or 0)}
            for r in (records[n % len(records)] for n in range(count))]
    with engine.begin() as connection:
        connection.execute(insert(table), rows)
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'demo.sqlite'}")
        start = time.perf_counter()
        summary = build_demo(engine, now=datetime.now(UTC))
        seconds = time.perf_counter() - start
        engine.dispose()
        floor = floor_seconds(Path(tmp) / "floor.sqlite", summary.objects)
    print(f"demo: {summary}")
    print(f"  build  {seconds:6.2f} s   (goal < 30 s, target 5-10 s)")
    print(f"  floor  {floor:6.3f} s   {summary.objects:,} rows into one plain table")
    print(f"  ratio  {seconds / floor:6.1f}x")


if __name__ == "__main__":
    main()
