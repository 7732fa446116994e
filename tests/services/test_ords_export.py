"""ORDS v0.3 export: rows, stable ids, corrections, personal data, unpowered summary, schema."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from collections import Counter

import pytest
from frictionless import Package, Resource, Schema
from sqlalchemy import select
from sqlmodel import Session

from repaircafe.core.events import new_key
from repaircafe.db import make_engine
from repaircafe.domain import periods
from repaircafe.domain.actors import Actor
from repaircafe.domain.periods import parse_period
from repaircafe.interop.ords.services import ords_export
from repaircafe.models import Category, Item, LifecycleEvent
from repaircafe.objects.services import repairs
from repaircafe.objects.services.intake import OwnerContact
from repaircafe.reporting.services import scopes
from tests.data import WALES_ORDS
from tests.factories import NOW, make_item

WALES = WALES_ORDS
ADMIN = Actor.system("test")


def attempt(session, world, item, outcome="fixed", barrier=None):
    return repairs.record_repair_attempt(session, item_id=item.id, outcome=outcome,
                                         barrier=barrier, actor=world.actor("admin"), now=NOW,
                                         key=new_key())


def export(session, tmp_path, **kwargs) -> tuple[ords_export.ExportResult, list[dict]]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    result = ords_export.export_ords(session, tmp_path / "out.csv", actor=ADMIN, **kwargs)
    with result.records.open(encoding="utf-8") as fh:
        return result, list(csv.DictReader(fh))


def assert_valid(result: ords_export.ExportResult) -> None:
    report = Package(str(result.schema)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_export_writes_one_valid_row_per_attempt_with_ords_names(session, world, tmp_path):
    toaster = make_item(session, world, category="toaster", brand="Philips")
    lamp = make_item(session, world, category="lamp", brand="")
    attempt(session, world, toaster, "fixed")
    attempt(session, world, lamp, "end_of_life", barrier=6)
    make_item(session, world, category="kettle")  # never attempted: not a repair record
    result, rows = export(session, tmp_path)
    assert result.rows == 2 and len(rows) == 2
    assert list(rows[0]) == list(ords_export.ORDS_FIELDS)
    first, second = rows
    assert first["product_category"] == "Toaster" and first["product_category_id"] == "31"
    assert first["repair_status"] == "Fixed" and first["brand"] == "Philips"
    assert second["brand"] == "Unknown"
    assert second["repair_status"] == "End of life"
    assert second["repair_barrier_if_end_of_life"] == "Item too worn out"
    assert first["event_date"] == NOW.date().isoformat() and first["country"] == "GBR"
    assert first["data_provider"] == world.group.name
    assert first["group_identifier"] == world.group.name
    assert_valid(result)


def test_ids_are_stable_across_exports_and_follow_the_pattern(session, world, tmp_path):
    item = make_item(session, world)
    event = attempt(session, world, item)
    _, before = export(session, tmp_path)
    attempt(session, world, make_item(session, world))
    _, after = export(session, tmp_path)
    assert before[0]["id"] == after[0]["id"] == f"cardifffixers_{event.id}"
    assert len({r["id"] for r in after}) == 2


def test_export_reflects_corrections_and_drops_voided_attempts(session, world, tmp_path):
    corrected = make_item(session, world)
    voided = make_item(session, world, category="fan")
    first = attempt(session, world, corrected, "unknown")
    repairs.correct_event(session, event_id=first.id, replace={"outcome": "repairable"},
                          reason="was waiting for a part", actor=world.actor(), now=NOW,
                          key=new_key())
    wrong = attempt(session, world, voided, "fixed")
    repairs.correct_event(session, event_id=wrong.id, void=True, reason="wrong object",
                          actor=world.actor(), now=NOW, key=new_key())
    _, rows = export(session, tmp_path)
    assert [(r["id"], r["repair_status"]) for r in rows] == [
        (f"cardifffixers_{first.id}", "Repairable")]


def test_problem_loses_emails_phones_and_the_owner_name(session, world, tmp_path):
    item = make_item(
        session, world,
        problem="Marie Dupont: no heat. Call +44 29 2087 1234 or marie.d@example.org; "
                "dupont says it smells",
        owner=OwnerContact(name="Marie Dupont", email="marie.d@example.org", consent=True),
    )
    attempt(session, world, item)
    _, rows = export(session, tmp_path)
    problem = rows[0]["problem"]
    assert "Marie" not in problem and "Dupont" not in problem.title()
    assert "example.org" not in problem and "2087" not in problem
    assert problem == "[name]: no heat. Call [phone] or [e-mail]; [name] says it smells"


def test_unpowered_objects_go_to_the_summary_file(session, world, tmp_path):
    for outcome in ("fixed", "fixed", "repairable"):
        attempt(session, world, make_item(session, world, category="bicycle"), outcome)
    attempt(session, world, make_item(session, world, category="clothing-textile"), "fixed")
    attempt(session, world, make_item(session, world, category="toaster"), "fixed")
    result, rows = export(session, tmp_path)
    assert len(rows) == 1
    with result.summary.open(encoding="utf-8") as fh:
        summary = list(csv.DictReader(fh))
    assert summary == [
        {"data_provider": "Cardiff Fixers", "product_category": "Unpowered - Bicycle",
         "repair_status": "Fixed", "total": "2"},
        {"data_provider": "Cardiff Fixers", "product_category": "Unpowered - Bicycle",
         "repair_status": "Repairable", "total": "1"},
        {"data_provider": "Cardiff Fixers", "product_category": "Unpowered - Textile",
         "repair_status": "Fixed", "total": "1"},
    ]
    assert result.schema.name == "tableschema.json"
    assert_valid(result)


def test_scope_period_and_data_provider(session, world, tmp_path):
    world.group.data_provider = "Repair Cafe Cardiff"
    session.add(world.group)
    session.commit()
    attempt(session, world, make_item(session, world))
    other = make_item(session, world, repair_session=world.other_session)
    attempt(session, world, other)
    scope = scopes.parse_scope(session, f"group:{world.group.name}")
    _, rows = export(session, tmp_path, scope=scope)
    assert [r["data_provider"] for r in rows] == ["Repair Cafe Cardiff"]
    assert rows[0]["id"].startswith("repaircafecardiff_")
    _, rows = export(session, tmp_path, period=parse_period("2025-06"))
    assert len(rows) == 2
    _, rows = export(session, tmp_path, period=parse_period("2025-07"))
    assert rows == []
    # Both days of a range are included, as in reports.
    _, rows = export(session, tmp_path, period=parse_period("2025-06-01..2025-06-14"))
    assert len(rows) == 2
    _, rows = export(session, tmp_path, period=parse_period("2025-06-15..2025-06-30"))
    assert rows == []
    site = scopes.parse_scope(session, f"site:#{other.site_id}")
    _, rows = export(session, tmp_path, scope=site)
    assert len(rows) == 1
    coordinator = world.actor("coordinator")
    buffer = io.StringIO()
    count, _ = ords_export.write_records(session, buffer, actor=coordinator)
    assert count == 1


def test_repaired_schema_accepts_the_published_partner_file(tmp_path):
    if not WALES.exists():
        pytest.skip("the published partner file is not beside the repository")
    sample = tmp_path / "wales.csv"
    with WALES.open(encoding="utf-8") as src:
        sample.write_text("".join(line for _, line in zip(range(2001), src, strict=False)),
                          encoding="utf-8")
    resource = Resource(path=sample.name, basepath=str(tmp_path), schema=Schema.from_descriptor(
        ords_export.table_schema()))
    report = resource.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def _counts(session) -> tuple[Counter, Counter, Counter]:
    rows = session.execute(
        select(LifecycleEvent.payload, Category.ords_id, LifecycleEvent.occurred_at)
        .join(Item, Item.id == LifecycleEvent.item_id)
        .join(Category, Category.id == Item.category_id, isouter=True)
        .where(LifecycleEvent.kind == "repair_attempted")).all()
    return (Counter(p["outcome"] for p, _, _ in rows), Counter(c for _, c, _ in rows),
            Counter(f"{at:%Y-%m}" for _, _, at in rows))


def test_round_trip_of_a_real_partner_file_keeps_every_count(session, world, tmp_path,
                                                             sqlite_template):
    if not WALES.exists():
        pytest.skip("the published partner file is not beside the repository")
    ords_import = pytest.importorskip("repaircafe.interop.ords.services.ords_import")
    sample = tmp_path / "wales.csv"
    with WALES.open(encoding="utf-8") as src:
        sample.write_text("".join(line for _, line in zip(range(3001), src, strict=False)),
                          encoding="utf-8")
    with sample.open(encoding="utf-8") as fh:
        source = list(csv.DictReader(fh))
    report = ords_import.import_ords(session, sample, group=None, now=NOW)
    assert not report.rejected
    result, rows = export(session, tmp_path / "out", scope=periods.ALL)
    assert_valid(result)
    assert len(rows) == len(source)
    assert {r["id"] for r in rows} == {r["id"] for r in source}
    assert Counter(r["repair_status"] for r in rows) == Counter(
        r["repair_status"] for r in source)
    # Each record goes back out with the provider, country, own category and group it came in
    # with, row by row.
    kept = ("data_provider", "country", "partner_product_category", "group_identifier",
            "event_date", "product_category_id")
    exported = {r["id"]: tuple(r[f] for f in kept) for r in rows}
    assert exported == {r["id"]: tuple(r[f] for f in kept) for r in source}
    first = _counts(session)
    empty = tmp_path / "empty.sqlite"
    shutil.copyfile(sqlite_template, empty)
    engine = make_engine(f"sqlite:///{empty}")
    try:
        with Session(engine, expire_on_commit=False) as fresh:
            again = ords_import.import_ords(fresh, result.records, group=None, now=NOW)
            assert not again.rejected
            assert _counts(fresh) == first
    finally:
        engine.dispose()
    assert first[0]["fixed"] == sum(1 for r in source if r["repair_status"] == "Fixed")


FORMULAS = ('=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3",
            "@SUM(1+1)")


def test_text_a_spreadsheet_would_run_is_quoted_in_the_export(session, world, tmp_path):
    world.group.name = FORMULAS[0]
    world.group.data_provider = "@provider"
    session.add(world.group)
    session.commit()
    for problem in FORMULAS:
        attempt(session, world, make_item(session, world, problem=problem))
    attempt(session, world, make_item(session, world, category="bicycle"))
    result, rows = export(session, tmp_path)
    assert [r["problem"] for r in rows] == ["'" + p for p in FORMULAS]
    assert {r["group_identifier"] for r in rows} == {"'" + FORMULAS[0]}
    assert {r["data_provider"] for r in rows} == {"'@provider"}
    assert {r["id"].split("_")[0] for r in rows} == {"provider"}
    with result.summary.open(encoding="utf-8") as fh:
        assert [r["data_provider"] for r in csv.DictReader(fh)] == ["'@provider"]
    assert_valid(result)
    archive = io.BytesIO()
    name = ords_export.export_archive(session, archive, actor=ADMIN, now=NOW)
    with zipfile.ZipFile(archive) as zipped:
        text = zipped.read(name.removesuffix(".zip") + ".csv").decode("utf-8")
    zipped_rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["problem"] for r in zipped_rows] == ["'" + p for p in FORMULAS]
    for row in zipped_rows:
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in row.values())
