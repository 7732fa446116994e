"""Benchmark: ORDS export of 100k repair attempts against the floor of the same query to CSV.

The floor runs the export's own query and writes its raw rows with the csv module; the export
adds corrections, ORDS names, ids and personal-data stripping on top (goal: at most 2x the
floor). The data is a 100k-row ORDS file made from the published Repair Cafe Wales file
(repeated with fresh ids), loaded with the ORDS importer. Runs on SQLite, and on PostgreSQL
when REPAIRCAFE_BENCH_POSTGRES_URL (or REPAIRCAFE_TEST_POSTGRES_URL) names a server.
Run: ``python bench/bench_ords_export.py [ROWS]``.
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session  # noqa: E402

from repaircafe import migrate  # noqa: E402
from repaircafe.core.setup import seed_reference_data
from repaircafe.db import make_engine, normalise_url  # noqa: E402
from repaircafe.domain.actors import Actor  # noqa: E402
from repaircafe.interop.ords.services import ords_export, ords_import  # noqa: E402
from repaircafe.models import utc_now  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WALES = ROOT.parent / "shared/data/ords/OpenRepairData_v0.3_RepairCafeWales_202507.csv"
REPEATS = 3


def make_file(target: Path, rows: int) -> None:
    """`rows` ORDS records: the Wales file over and over, each copy with its own ids."""
    with WALES.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        source = list(reader)
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fields)
        writer.writeheader()
        for n in range(rows):
            row = dict(source[n % len(source)])
            row["id"] = f"rcwales_{n + 1}"
            writer.writerow(row)


def floor(session: Session, out: Path) -> int:
    count = 0
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        result = session.execute(ords_export.export_query(True, None)
                                 .execution_options(yield_per=2000))
        for row in result:
            writer.writerow(row)
            count += 1
    return count


def export(session: Session, out: Path) -> int:
    with out.open("w", encoding="utf-8", newline="") as fh:
        rows, _ = ords_export.write_records(session, fh, actor=Actor.system("bench"))
    return rows


def best(fn, session: Session, out: Path) -> tuple[float, int]:
    times, count = [], 0
    for _ in range(REPEATS):
        session.rollback()
        start = time.perf_counter()
        count = fn(session, out)
        times.append(time.perf_counter() - start)
    return min(times), count


def run(label: str, url: str, data: Path, work: Path) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        seed_reference_data(session)
        start = time.perf_counter()
        report = ords_import.import_ords(session, data, group=None, now=utc_now())
        print(f"{label}: imported {report} in {time.perf_counter() - start:.1f} s")
        floor_s, floor_rows = best(floor, session, work / "floor.csv")
        export_s, export_rows = best(export, session, work / "export.csv")
    engine.dispose()
    ratio = export_s / floor_s
    print(f"{label}: floor  {floor_rows:>7} rows {floor_s:6.2f} s {floor_rows / floor_s:>9,.0f} rows/s")
    print(f"{label}: export {export_rows:>7} rows {export_s:6.2f} s "
          f"{export_rows / export_s:>9,.0f} rows/s  = {ratio:.2f}x floor "
          f"({'ok' if ratio <= 2 else 'over'} the 2x goal)")


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = work / "OpenRepairData_v0.3_Bench.csv"
        make_file(data, rows)
        run("sqlite", f"sqlite:///{work / 'bench.sqlite'}", data, work)
        server = os.environ.get("REPAIRCAFE_BENCH_POSTGRES_URL") or os.environ.get(
            "REPAIRCAFE_TEST_POSTGRES_URL")
        if not server:
            print("postgres: skipped (set REPAIRCAFE_BENCH_POSTGRES_URL)")
            return
        name = f"repaircafe_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(normalise_url(server), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            run("postgres", server.rsplit("/", 1)[0] + "/" + name, data, work)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
