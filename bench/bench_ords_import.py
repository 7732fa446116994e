"""Benchmark: importing a 100,000-row ORDS file against bulk-inserting the same rows plainly.

The file is the Repair Cafe Wales file repeated with new ids (or the shipped slice when the
published file is not at hand). The floor is an executemany of the same 100,000 rows, all ORDS
columns as text, into one plain table of the same database in the same run: what any loader of
this file must pay. The import writes an object, a tag, two events and (when fixed) impact rows
per record, through indexes and uniqueness checks. Goals: under 20 s on SQLite, ratio <= 5x.
Run: ``python bench/bench_ords_import.py [--rows N] [--postgres URL]``
(REPAIRCAFE_TEST_POSTGRES_URL is used when --postgres is not given).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, insert, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from repaircafe import migrate  # noqa: E402
from repaircafe.db import make_engine, normalise_url  # noqa: E402
from repaircafe.services.ords_import import import_ords  # noqa: E402
from repaircafe.services.setup import seed_reference_data  # noqa: E402

WALES = Path("/work/shared/data/ords/OpenRepairData_v0.3_RepairCafeWales_202507.csv")
SLICE = Path(__file__).resolve().parent.parent / "repaircafe" / "data" / "ords_demo_slice.csv"
NOW = datetime(2025, 9, 1, tzinfo=UTC)


def make_file(target: Path, rows: int) -> list[str]:
    """Write `rows` ORDS rows cycling through the source with new ids; returns the header."""
    source = WALES if WALES.exists() else SLICE
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        base = list(reader)
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for n in range(rows):
            row = list(base[n % len(base)])
            row[0] = f"bench_{n}"
            writer.writerow(row)
    return header


def floor_seconds(url: str, path: Path, header: list[str]) -> float:
    """Executemany of the file's rows into one plain table (the table is dropped afterwards)."""
    engine = make_engine(url)
    table = Table("bench_plain_rows", MetaData(), Column("pk", Integer, primary_key=True),
                  *(Column(name, Text) for name in header))
    table.drop(engine, checkfirst=True)
    table.create(engine)
    try:
        start = time.perf_counter()
        with path.open(encoding="utf-8", newline="") as handle:
            rows = [dict(zip(header, row, strict=True)) for row in list(csv.reader(handle))[1:]]
        with engine.begin() as connection:
            connection.execute(insert(table), rows)
        return time.perf_counter() - start
    finally:
        table.drop(engine)
        engine.dispose()


def import_seconds(url: str, path: Path) -> tuple[float, str]:
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        seed_reference_data(session)
    with Session(engine, expire_on_commit=False) as session:
        start = time.perf_counter()
        report = import_ords(session, path, group=None, now=NOW)
        seconds = time.perf_counter() - start
    engine.dispose()
    return seconds, str(report).splitlines()[0]


def run(label: str, url: str, path: Path, header: list[str], rows: int) -> None:
    floor = floor_seconds(url, path, header)
    seconds, summary = import_seconds(url, path)
    print(f"{label}: {summary}")
    print(f"  import {seconds:6.2f} s  {rows / seconds:9,.0f} rows/s   (goal < 20 s)")
    print(f"  floor  {floor:6.2f} s  {rows / floor:9,.0f} rows/s   plain executemany, one table")
    print(f"  ratio  {seconds / floor:6.1f}x   (goal <= 5x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("REPAIRCAFE_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ords_bench.csv"
        header = make_file(path, args.rows)
        print(f"{args.rows:,} ORDS rows, {path.stat().st_size / 1e6:.1f} MB, {os.cpu_count()} CPUs")
        run("SQLite", f"sqlite:///{Path(tmp) / 'bench.sqlite'}", path, header, args.rows)
        if args.postgres:
            name = f"repaircafe_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(normalise_url(args.postgres), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = args.postgres.rsplit("/", 1)[0] + "/" + name
                run("PostgreSQL", url, path, header, args.rows)
            finally:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()


if __name__ == "__main__":
    main()
