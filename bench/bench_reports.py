"""Report benchmark: the CSV and PDF report against a floor measured in the same run.

The floor is one SQL GROUP BY over the report's dimensions (month x site x category x outcome)
straight on the event and object tables. The report reads the rollup, which is folded once
after generation (timed apart: in production it is kept current as events are recorded), so a
report over one year should take the same time whatever the size of the history.

Run: ``python bench/bench_reports.py --url sqlite:///big.sqlite --objects 1000000``
(``--skip-generate`` to reuse a database built before, ``--refold`` to time the whole fold
again; ``--url postgresql://...``). ``--baseline-url`` names a database with a shorter history
(say 1M events against 10M): the one-year report is then timed on both, interleaved.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_large import generate  # noqa: E402

from repaircafe.db import make_engine  # noqa: E402
from repaircafe.reporting.services import reporting, rollup  # noqa: E402


def _timed(label: str, action, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    print(f"  {label:<44} {best:8.2f} s")
    return best, result


def _floor_sql(dialect: str) -> str:
    month = ("to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM')" if dialect == "postgresql"
             else "substr(e.occurred_at, 1, 7)")
    outcome = ("(e.payload::jsonb ->> 'outcome')" if dialect == "postgresql"
               else "json_extract(e.payload, '$.outcome')")
    return (f"SELECT {month} AS m, i.site_id, i.category_id, {outcome} AS o, count(*) "
            "FROM lifecycle_event e JOIN item i ON i.id = e.item_id "
            "WHERE e.kind = 'repair_attempted' GROUP BY m, i.site_id, i.category_id, o")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--objects", type=int, default=1_000_000)
    parser.add_argument("--events-per-object", type=int, default=5)
    parser.add_argument("--skip-generate", action="store_true")
    parser.add_argument("--refold", action="store_true",
                        help="empty the rollup first and fold the whole history again")
    parser.add_argument("--baseline-url", default=None,
                        help="a database with a shorter history (already folded) to compare the "
                             "one-year report with")
    args = parser.parse_args()
    if not args.skip_generate:
        generate(args.url, args.objects, args.events_per_object, None)
    engine = make_engine(args.url)
    now = datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:
        conn = session.connection()
        events = conn.execute(text("SELECT count(*) FROM lifecycle_event")).scalar_one()
        first, last = conn.execute(text(
            "SELECT min(held_on), max(held_on) FROM repair_session")).one()
        session.rollback()
        first, last = date.fromisoformat(str(first)), date.fromisoformat(str(last))
        print(f"{engine.dialect.name}: {events:,} events, {first} .. {last}")

        started = time.perf_counter()
        folded = (rollup.rebuild if args.refold else rollup.fold)(session, now=now)
        print(f"  {'fold of the whole history (once)':<44} {time.perf_counter() - started:8.2f} s"
              f"  ({folded.events:,} events)")
        rows = session.connection().execute(text("SELECT count(*) FROM report_rollup")).scalar()
        session.rollback()
        print(f"  rollup rows: {rows:,}")

        floor, _ = _timed("floor: SQL GROUP BY on the tables", lambda: session.connection()
                          .execute(text(_floor_sql(engine.dialect.name))).all())
        session.rollback()
        everything = reporting.Scope("all", None, "")
        history = reporting.Period("range", first.replace(day=1),
                                   reporting.period_of("month", last).end)
        year = reporting.parse_period(str(first.year + 1))

        def report(period, fmt):
            built = reporting.make_report(session, scope=everything, period=period, now=now)
            return reporting.render(built, fmt)

        csv_all, _ = _timed("CSV report, whole history", lambda: report(history, "csv"))
        pdf_all, _ = _timed("PDF report, whole history", lambda: report(history, "pdf"), 1)
        csv_year, _ = _timed(f"CSV report, year {year.key}", lambda: report(year, "csv"))
        pdf_year, _ = _timed(f"PDF report, year {year.key}", lambda: report(year, "pdf"), 1)
        kept_current = _record_and_report(session, now, lambda: report(year, "csv"))
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  CSV / floor: {csv_all / floor:.2f} (goal <= 1.5)   PDF: {pdf_all:.1f} s whole "
          f"history, {pdf_year:.1f} s one year (goal < 10)   peak memory: {peak_mb:,.0f} MB "
          "(goal < 1,536)")
    print(f"  one-year CSV report: {csv_year:.3f} s; after 1,000 new events: "
          f"{kept_current:.3f} s")
    engine.dispose()
    if args.baseline_url:
        _compare(args.url, args.baseline_url, year, now)


def _record_and_report(session: Session, now: datetime, action) -> float:
    """Append a café day's worth of events, then time the report that folds them in."""
    conn = session.connection()
    top = conn.execute(text("SELECT max(id) FROM lifecycle_event")).scalar_one()
    conn.execute(text(
        "INSERT INTO lifecycle_event (item_id, kind, payload, public_note, internal_note, "
        "actor_name, repair_session_id, occurred_at, recorded_at, idempotency_key) "
        "SELECT item_id, kind, payload, public_note, internal_note, actor_name, "
        "repair_session_id, occurred_at, recorded_at, 'bench-more-' || id "
        "FROM lifecycle_event WHERE id > :low AND id <= :top"), {"low": top - 1000, "top": top})
    session.commit()
    seconds, _ = _timed("CSV report, year, folding 1,000 new events", action, 1)
    return seconds


def _compare(url: str, baseline_url: str, year: reporting.Period, now: datetime) -> None:
    """The one-year report on two histories, interleaved so machine load hits both alike."""
    best: dict[str, float] = {}
    everything = reporting.Scope("all", None, "")
    engines = {"this history": make_engine(url), "baseline history": make_engine(baseline_url)}
    for _round in range(5):
        for name, engine in engines.items():
            with Session(engine, expire_on_commit=False) as session:
                started = time.perf_counter()
                built = reporting.make_report(session, scope=everything, period=year, now=now)
                reporting.render(built, "csv")
                best[name] = min(best.get(name, float("inf")), time.perf_counter() - started)
    sizes = {}
    for name, engine in engines.items():
        with engine.connect() as conn:
            sizes[name] = conn.execute(text("SELECT count(*) FROM lifecycle_event")).scalar_one()
        engine.dispose()
    for name in engines:
        print(f"  one-year CSV report over {sizes[name]:>12,} events: {best[name]:.3f} s")
    ratio = best["this history"] / best["baseline history"]
    print(f"  ratio {ratio:.2f} (goal: within 20%, i.e. <= 1.20)")


if __name__ == "__main__":
    main()
