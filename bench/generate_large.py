"""Generate a large database for benchmarks: N objects with their tags and M events each.

Bulk Core inserts in batches (no ORM objects), so 1M objects / 5M events take minutes, not
hours (PostgreSQL rows go in through COPY). The histories are valid lifecycles (registered,
diagnosed, a repair attempt, a public note, a hand-over), one café session per 100 objects,
the sessions spread evenly over the last ``--years`` years up to today.

Run: ``python bench/generate_large.py --url sqlite:///big.sqlite --objects 1000000``
(``--events-per-object`` 5 by default; ``--url postgresql://...`` for PostgreSQL).
The codes of the first objects are written to ``--codes-file`` for load tools.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, text
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from repaircafe import migrate  # noqa: E402
from repaircafe.accounts.services import accounts  # noqa: E402
from repaircafe.core.setup import seed_reference_data
from repaircafe.db import make_engine  # noqa: E402
from repaircafe.domain import codes  # noqa: E402
from repaircafe.models import (  # noqa: E402
    Category,
    RepairGroup,
    RepairSession,
    Site,
    Territory,
)

BATCH = 20_000
OBJECTS_PER_SESSION = 100
SITES = 20
OUTCOMES = ("fixed", "repairable", "end_of_life", "unknown")
BRANDS = ("Philips", "Bosch", "Dualit", "Kenwood", "Braun", "Sony", "Russell Hobbs", "Dyson")
START = datetime(2019, 1, 5, 10, tzinfo=UTC)
YEARS = 5


def _events_for(item_id: int, session_id: int, at: datetime, per_object: int) -> list[dict]:
    outcome = OUTCOMES[item_id % 4]
    steps = [
        ("registered", {"code": None, "is_donor": False, "weight_kg": 1.5}, ""),
        ("diagnosed", {"diagnosis": "Worn switch"}, ""),
        ("repair_attempted", {"outcome": outcome, "barrier": 1 if outcome == "end_of_life"
                              else None, "minutes": 30, "fixer": "Bench fixer"},
         "Cleaned and tested"),
        ("note", {}, "Owner advised to descale monthly"),
        ("handed_over", {"to": "owner", "return_due_on": None}, ""),
    ]
    while len(steps) < per_object:
        steps.insert(-1, ("note", {}, "Checked again"))
    rows = []
    for n, (kind, payload, public_note) in enumerate(steps[:per_object]):
        rows.append(dict(item_id=item_id, kind=kind, payload=payload, public_note=public_note,
                         internal_note="", actor_name="Bench fixer",
                         repair_session_id=session_id, occurred_at=at + timedelta(minutes=n),
                         recorded_at=at + timedelta(minutes=n),
                         idempotency_key=f"gen-{item_id}-{n}"))
    return rows


def _held_on(session_number: int, sessions: int, first_day: date, days: int) -> date:
    """The sessions follow each other evenly from `first_day` over `days` days."""
    return first_day + timedelta(days=session_number * days // max(1, sessions))


def _final_state(item_id: int) -> str:
    return "in_use" if OUTCOMES[item_id % 4] == "fixed" else "with_owner"


def _driver_value(value: object, sqlite: bool) -> object:
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, datetime) and sqlite:
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _insert_raw(conn: Connection, table: str, rows: list[dict]) -> None:
    """One executemany straight to the driver (COPY on PostgreSQL): no typed Core parameters."""
    sqlite = conn.dialect.name == "sqlite"
    columns = list(rows[0])
    if not sqlite:
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(tuple(_driver_value(r[c], sqlite) for c in columns))
        cursor.close()
        return
    marks = ", ".join(["?" if sqlite else "%s"] * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    conn.exec_driver_sql(sql, [tuple(_driver_value(r[c], sqlite) for c in columns) for r in rows])


def generate(url: str, objects: int, per_object: int, codes_file: Path | None,
             sample: int = 10_000, years: int = YEARS) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    started = time.perf_counter()
    with Session(engine) as session:
        seed_reference_data(session)
        territory = Territory(name=f"Bench territory {int(started)}")
        group = RepairGroup(name=f"Bench group {int(started)}")
        session.add_all([territory, group])
        session.flush()
        sites = [Site(name=f"Bench hall {n + 1}", group_id=group.id, territory_id=territory.id)
                 for n in range(SITES)]
        session.add_all(sites)
        session.commit()
        group_id, site_ids = group.id, [site.id for site in sites]
        category_ids = list(session.exec(select(Category.id)).all())
        accounts.create_user(session, username=f"bench-{int(started)}", password="bench-pass",
                             role="fixer", group=group.name, display_name="Bench fixer",
                             now=datetime.now(UTC))
        print(f"bench user: bench-{int(started)} / bench-pass")
    sessions = max(1, -(-objects // OBJECTS_PER_SESSION))
    last_day = datetime.now(UTC).date()
    days = years * 365
    first_day = last_day - timedelta(days=days)

    def held_on(n: int) -> date:
        return _held_on(n, sessions, first_day, days)

    with engine.begin() as conn:
        first_session = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM repair_session")).scalar()
        conn.execute(insert(RepairSession), [
            dict(site_id=site_ids[n % SITES], held_on=held_on(n), title="Bench hall",
                 created_at=START) for n in range(sessions)])
        first_item = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM item")).scalar()
    sample_codes: list[str] = []
    seen: set[str] = set()
    for offset in range(0, objects, BATCH):
        count = min(BATCH, objects - offset)
        items, tags, events = [], [], []
        for n in range(offset, offset + count):
            item_id = first_item + n + 1
            session_number = n // OBJECTS_PER_SESSION
            session_id = first_session + session_number + 1
            at = datetime.combine(held_on(session_number), START.timetz())
            code = codes.new_code()
            while code in seen:  # 1M draws from 2^40 collide about every other run
                code = codes.new_code()
            seen.add(code)
            if len(sample_codes) < sample:
                sample_codes.append(code)
            items.append(dict(id=item_id, group_id=group_id,
                              site_id=site_ids[session_number % SITES],
                              category_id=category_ids[n % len(category_ids)],
                              brand=BRANDS[n % len(BRANDS)], model=f"M{n % 997}",
                              problem="Does not work", weight_kg=1.5, weight_source="measured",
                              state=_final_state(item_id), is_donor=False,
                              current_session_id=session_id, registered_at=at, updated_at=at))
            tags.append(dict(code=code, status="linked", kind="item", group_id=group_id,
                             item_id=item_id, issued_at=at, linked_at=at))
            events.extend(_events_for(item_id, session_id, at, per_object))
        with engine.begin() as conn:
            for table, rows in (("item", items), ("tag", tags), ("lifecycle_event", events)):
                _insert_raw(conn, table, rows)
        done = offset + count
        if done % (BATCH * 10) == 0 or done == objects:
            print(f"{done:,} objects, {done * per_object:,} events "
                  f"({time.perf_counter() - started:.0f} s)", flush=True)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    if codes_file is not None:
        codes_file.write_text("\n".join(sample_codes) + "\n")
    engine.dispose()
    print(f"done in {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="database URL (sqlite:/// or postgresql://)")
    parser.add_argument("--objects", type=int, default=1_000_000)
    parser.add_argument("--events-per-object", type=int, default=5,
                        help="5 or more: a whole visit, padded with notes")
    parser.add_argument("--codes-file", type=Path, default=None,
                        help="write the first 10,000 codes here")
    parser.add_argument("--years", type=int, default=YEARS,
                        help="how many years of history, ending today")
    args = parser.parse_args()
    if args.events_per_object < 5:
        parser.error("--events-per-object must be at least 5 (a whole visit)")
    generate(args.url, args.objects, args.events_per_object, args.codes_file, years=args.years)


if __name__ == "__main__":
    main()
