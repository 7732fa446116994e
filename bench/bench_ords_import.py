"""Benchmark: importing a 100,000-row ORDS file against bulk-inserting the same rows plainly.

The file is the Repair Cafe Wales file repeated with new ids (or the shipped slice when the
published file is not at hand). The floor is what any loader of this file must pay: reading its
100,000 rows and one executemany of them into one plain table of the same database, in the same
run. Two floors are printed: the driver's own executemany of tuples (the strict one) and the
same executemany through SQLAlchemy Core, one dict per row (how the benchmark first measured
it). Each is measured before and after the import and the faster time is kept, so a machine busy
with something else for part of the run cannot flatter the ratio.
The import writes an object, a tag, two events and (when fixed) an impact row per factor set
for each record, through indexes, foreign keys and uniqueness checks.
Goals, on SQLite and on PostgreSQL: the import under 20 s and at most 5x the floor.
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

from sqlalchemy import (  # noqa: E402
    Column,
    Integer,
    MetaData,
    Table,
    Text,
    create_engine,
    insert,
    text,
)
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session  # noqa: E402

from repaircafe import migrate  # noqa: E402
from repaircafe.core.setup import seed_reference_data
from repaircafe.db import make_engine, normalise_url  # noqa: E402
from repaircafe.interop.ords.services.ords_import import import_ords

WALES = Path("/work/shared/data/ords/OpenRepairData_v0.3_RepairCafeWales_202507.csv")
SLICE = Path(__file__).resolve().parent.parent / "repaircafe" / "data" / "ords_demo_slice.csv"
NOW = datetime(2025, 9, 1, tzinfo=UTC)
FLOORS = {
    "driver": "executemany by the driver itself, one plain table",
    "sqlalchemy": "executemany through SQLAlchemy Core, one plain table",
}


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


def _read_rows(path: Path) -> list[tuple[str, ...]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        return [tuple(row) for row in reader]


def _driver_executemany(engine: Engine, table: Table, rows: list[tuple[str, ...]]) -> None:
    """cursor.executemany of the tuples, nothing between the rows and the driver."""
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    names = ", ".join(f'"{c.name}"' for c in table.columns if c.name != "pk")
    marks = ", ".join(mark for _ in rows[0])
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("BEGIN")  # the engine leaves sqlite3 in autocommit
        cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
        connection.commit()
    finally:
        connection.close()


def _sqlalchemy_executemany(engine: Engine, table: Table, rows: list[tuple[str, ...]]) -> None:
    """The same through SQLAlchemy Core (one dict per row), as the benchmark first measured."""
    names = [c.name for c in table.columns if c.name != "pk"]
    with engine.begin() as connection:
        connection.execute(insert(table), [dict(zip(names, row, strict=True)) for row in rows])


def floor_seconds(url: str, path: Path, header: list[str], through: str) -> float:
    """Read the file's rows and executemany them into one plain table (dropped afterwards)."""
    engine = make_engine(url)
    table = Table("bench_plain_rows", MetaData(), Column("pk", Integer, primary_key=True),
                  *(Column(name, Text) for name in header))
    table.drop(engine, checkfirst=True)
    table.create(engine)
    write = _driver_executemany if through == "driver" else _sqlalchemy_executemany
    try:
        start = time.perf_counter()
        write(engine, table, _read_rows(path))
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
    """Floors before and after the import, keeping the faster of each: a machine busy with
    something else for part of the run cannot make the ratio look better than it is."""
    floors = {through: floor_seconds(url, path, header, through) for through in FLOORS}
    seconds, summary = import_seconds(url, path)
    for through in FLOORS:
        floors[through] = min(floors[through], floor_seconds(url, path, header, through))
    print(f"{label}: {summary}")
    print(f"  import {seconds:6.2f} s  {rows / seconds:9,.0f} rows/s   (goal < 20 s)")
    for through, floor in floors.items():
        print(f"  floor  {floor:6.2f} s  {rows / floor:9,.0f} rows/s   ratio {seconds / floor:5.1f}x"
              f"   {FLOORS[through]}")
    print("  (goal: ratio <= 5x)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("REPAIRCAFE_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ords_bench.csv"
        header = make_file(path, args.rows)
        print(f"{args.rows:,} ORDS rows, {path.stat().st_size / 1e6:.1f} MB, {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f}")
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
