"""Importing ORDS v0.3 files: real Repair Cafe Wales data and synthetic files with every quirk."""

from __future__ import annotations

import csv
import itertools
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from repaircafe.domain import codes
from repaircafe.domain.errors import Refused
from repaircafe.domain.places import UNASSIGNED_TERRITORY
from repaircafe.interop.ords.services.ords_import import import_ords
from repaircafe.maintenance.integrity import check
from repaircafe.models import (
    Category,
    ImpactRecord,
    Item,
    LifecycleEvent,
    RepairGroup,
    RepairSession,
    Site,
    Tag,
    Territory,
)
from repaircafe.reporting.services.impact import CENTRAL_SET
from tests.data import WALES_ORDS

WALES = WALES_ORDS
SLICE = Path(__file__).resolve().parents[2] / "repaircafe" / "data" / "ords_demo_slice.csv"
NOW = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
HEADER = ("id,data_provider,country,partner_product_category,product_category,"
          "product_category_id,brand,year_of_manufacture,product_age,repair_status,"
          "repair_barrier_if_end_of_life,group_identifier,event_date,problem")
OUTCOME = {"Fixed": "fixed", "Repairable": "repairable", "End of life": "end_of_life",
           "Unknown": "unknown"}


def wales_source() -> Path:
    """The whole published file when it is there, else the slice shipped with the package."""
    return WALES if WALES.exists() else SLICE


def head_of(source: Path, rows: int, target: Path) -> Path:
    with source.open(encoding="utf-8", newline="") as handle:
        lines = list(itertools.islice(handle, rows + 1))
    target.write_text("".join(lines), encoding="utf-8", newline="")
    return target


def csv_outcomes(path: Path) -> Counter[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return Counter(OUTCOME[row["repair_status"]] for row in csv.DictReader(handle))


def db_outcomes(session: Session) -> Counter[str]:
    rows = session.exec(select(LifecycleEvent).where(LifecycleEvent.kind == "repair_attempted"))
    return Counter(e.payload["outcome"] for e in rows)


def count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def central_impacts(session: Session, *, live_only: bool = True) -> int:
    query = select(func.count()).select_from(ImpactRecord).where(
        ImpactRecord.factor_set == CENTRAL_SET)
    if live_only:
        query = query.where(ImpactRecord.is_void == False)  # noqa: E712
    return session.exec(query).one()


def test_first_500_wales_rows_import_with_counts_straight_from_the_csv(session, tmp_path):
    source = head_of(wales_source(), 500, tmp_path / "wales500.csv")
    calls: list[tuple[int, int]] = []
    report = import_ords(session, source, group=None, now=NOW,
                         progress=lambda done, total: calls.append((done, total)))
    assert (report.created, report.updated, report.unchanged, report.rejected) == (500, 0, 0, [])
    assert db_outcomes(session) == csv_outcomes(source)
    assert count(session, Item) == count(session, Tag) == 500
    fixed = csv_outcomes(source)["fixed"]
    assert central_impacts(session) == fixed
    assert calls[-1] == (source.stat().st_size, source.stat().st_size)
    group = session.exec(select(RepairGroup)).one()
    assert group.name == group.data_provider == "Repair Cafe Wales"
    item = session.exec(select(Item).where(Item.source_id == "rcwales_3")).first()
    if item is not None:
        assert item.brand == "" and item.state == "fixed"
        kinds = session.exec(select(LifecycleEvent.kind).where(LifecycleEvent.item_id == item.id)
                             .order_by(col(LifecycleEvent.id))).all()
        assert kinds == ["registered", "repair_attempted"]
    assert check(session) == []
    assert "500 rows: 500 created" in str(report)


def test_whole_wales_file(session, db_url, tmp_path):
    """The whole published file on SQLite (a few seconds); a 3,000-row slice on PostgreSQL."""
    source = wales_source()
    if db_url.startswith("postgres"):
        source = head_of(source, 3000, tmp_path / "wales3000.csv")
    expected = csv_outcomes(source)
    report = import_ords(session, source, group=None, now=NOW)
    assert report.rejected == []
    assert report.created == sum(expected.values()) == count(session, Item)
    assert db_outcomes(session) == expected
    states = Counter(session.exec(select(Item.state)).all())
    assert states == Counter({"fixed": expected["fixed"], "awaiting_part": expected["repairable"],
                              "end_of_life": expected["end_of_life"],
                              "in_repair": expected["unknown"]})


def test_second_import_adds_nothing(session, tmp_path):
    source = head_of(wales_source(), 300, tmp_path / "wales300.csv")
    import_ords(session, source, group=None, now=NOW)
    before = (count(session, Item), count(session, LifecycleEvent), count(session, Tag),
              count(session, ImpactRecord), count(session, RepairSession))
    again = import_ords(session, source, group=None, now=NOW)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 300, [])
    after = (count(session, Item), count(session, LifecycleEvent), count(session, Tag),
             count(session, ImpactRecord), count(session, RepairSession))
    assert after == before


def synthetic(tmp_path: Path, lines: list[str], *, header: str = HEADER, name: str = "f.csv",
              bom: bool = False, crlf: bool = False) -> Path:
    newline = "\r\n" if crlf else "\n"
    text = newline.join([header, *lines]) + newline
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


QUIRKS = [
    "x_1,Fixit Clinic,USA,Toaster,Toaster,31,Unknown,,,1,,Berkeley,2024-05-04,Sparks",
    "x_2,Fixit Clinic,USA,Lamp,,15,Ikea,,2.5,2,,Berkeley,2024-05-04,Flickers",
    "x_3,Fixit Clinic,USA,Vacuum,Vacuum,,Dyson,,,End of life,Spare parts too expensive,"
    "Berkeley,2024-05-04,Motor dead",
    "x_4,Fixit Clinic,USA,Radio,Portable radio,23,,,,3,6,Oakland,2024-06-01,Worn out",
    "x_5,Fixit Clinic,USA,Thing,,,,,,0,,,2024-06-01,",
    "x_6,Fixit Clinic,USA,Kettle,Kettle,14,Russell Hobbs,,,Fixed,Item too worn out,"
    "Oakland,2024-06-01,Barrier on a fixed item",
    "",
    "x_7,Fixit Clinic,USA,Fan,Fan,7,,,,Fixed,,Oakland,04/06/2024,Bad date",
    "x_8,Fixit Clinic,USA,Fan,Fan,7,,,,Mended,,Oakland,2024-06-01,Unknown status",
    "x_1,Fixit Clinic,USA,Fan,Fan,7,,,,Fixed,,Oakland,2024-06-01,Duplicate id",
    ",Fixit Clinic,USA,Fan,Fan,7,,,,Fixed,,Oakland,2024-06-01,Missing id",
    "x_9,Fixit Clinic,United States,Fan,Fan,7,,,,Fixed,,Oakland,2024-06-01,Bad country",
    "x_10,Fixit Clinic,USA,Fan,Fan,7,,,,Fixed,Broken,Oakland,2024-06-01,Unknown barrier",
    "x_11,Fixit Clinic,USA,Fan,Fan,7,,,,Fixed,,Oakland,2030-01-01,Future",
    "x_12,Fixit Clinic,USA,Fan,Fan,7,,,,Fixed,,Oakland",
    "x_13,Fixit Clinic,USA,Gadget,Gizmo,,,,,Fixed,,Oakland,2024-06-01,Unknown category",
    ",,,,,,,,,,,,,",
]


def test_every_quirk_is_imported_or_rejected_with_a_reason(session, tmp_path):
    path = synthetic(tmp_path, QUIRKS, bom=True, crlf=True)
    rejects_path = tmp_path / "rejects.csv"
    report = import_ords(session, path, group=None, now=NOW, rejects_path=rejects_path)
    assert report.created == 8
    reasons = {r.record_id: r.reason for r in report.rejected}
    assert set(reasons) == {"x_7", "x_8", "x_1", "", "x_10", "x_11", "x_12"}
    assert "event_date" in reasons["x_7"] and "repair_status" in reasons["x_8"]
    assert "duplicate" in reasons["x_1"]
    assert "barrier" in reasons["x_10"] and "future" in reasons["x_11"]
    assert "fields" in reasons["x_12"]
    assert report.rows == 16  # the blank line is not a row, the row of commas is
    lines = {r.record_id: r.line for r in report.rejected if r.record_id}
    assert lines["x_7"] == 9 and lines["x_1"] == 11  # header is line 1, blank line 8

    items = {i.source_id: i for i in session.exec(select(Item)).all()}
    outcomes = {
        session.get(Item, e.item_id).source_id: (e.payload["outcome"], e.payload["barrier"])
        for e in session.exec(select(LifecycleEvent).where(
            LifecycleEvent.kind == "repair_attempted"))
    }
    assert outcomes == {"x_1": ("fixed", None), "x_2": ("repairable", None),
                        "x_3": ("end_of_life", 2), "x_4": ("end_of_life", 6),
                        "x_5": ("unknown", None), "x_6": ("fixed", None),
                        "x_9": ("fixed", None), "x_13": ("fixed", None)}
    assert items["x_1"].brand == "" and items["x_2"].brand == "Ikea"
    assert items["x_2"].product_age_years == 2.5
    toaster = session.exec(select(Category).where(Category.ords_id == 31)).one()
    vacuum = session.exec(select(Category).where(Category.ords_id == 34)).one()
    assert items["x_1"].category_id == toaster.id
    assert items["x_3"].category_id == vacuum.id  # by name when the id is missing
    assert items["x_5"].category_id is None and items["x_5"].problem == ""
    assert items["x_13"].category_id is None
    notes = {n.record_id: n.message for n in report.notes}
    assert "dropped" in notes["x_6"] and "Gizmo" in notes["x_13"]
    # "United States" is no ISO code: the row is kept, the country is not
    assert "'United States' is not an ISO 3166-1 alpha-3 code" in notes["x_9"]
    assert items["x_9"].country is None and items["x_1"].country == "USA"
    # x_5 has no group identifier: a site named after the provider, waiting for a territory
    site = session.get(Site, items["x_5"].site_id)
    assert site.name == "Fixit Clinic"
    assert session.get(Territory, site.territory_id).name == UNASSIGNED_TERRITORY

    with rejects_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["reason"] for r in rows] == [r.reason for r in report.rejected]
    assert rows[0]["line"] == "9" and rows[0]["problem"] == "Bad date"
    assert list(rows[0])[:2] == ["id", "data_provider"] and list(rows[0])[-2:] == ["line", "reason"]
    assert check(session) == []


def test_missing_optional_columns_are_fine(session, tmp_path):
    header = "id,data_provider,country,repair_status,event_date"
    path = synthetic(tmp_path, ["rc_1,Repair Connects,GBR,Fixed,2024-01-13",
                                "rc_2,Repair Connects,GBR,End of life,2024-01-13"],
                     header=header)
    report = import_ords(session, path, group="Bristol Menders", now=NOW)
    assert report.created == 2 and not report.rejected
    group = session.exec(select(RepairGroup)).one()
    assert group.name == "Bristol Menders"
    assert {i.group_id for i in session.exec(select(Item)).all()} == {group.id}


def test_a_file_without_the_required_columns_is_refused(session, tmp_path):
    path = synthetic(tmp_path, ["1,2,3"], header="name,brand,problem")
    with pytest.raises(Refused, match="not an ORDS"):
        import_ords(session, path, group=None, now=NOW)


def test_changed_row_is_corrected_not_edited(session, tmp_path):
    first = synthetic(tmp_path, [
        "w_1,Repair Cafe Wales,GBR,Iron,Iron,40,Philips,,,Fixed,,Cardiff Cathays,2024-03-02,Cold",
        "w_2,Repair Cafe Wales,GBR,Lamp,Lamp,15,,,,Repairable,,Cardiff Cathays,2024-03-02,Dim",
    ], name="v1.csv")
    import_ords(session, first, group=None, now=NOW)
    iron = session.exec(select(Item).where(Item.source_id == "w_1")).one()
    attempt = session.exec(select(LifecycleEvent).where(
        LifecycleEvent.item_id == iron.id, LifecycleEvent.kind == "repair_attempted")).one()
    old_impact = session.exec(select(ImpactRecord).where(
        ImpactRecord.factor_set == CENTRAL_SET)).one()

    second = synthetic(tmp_path, [
        "w_1,Repair Cafe Wales,GBR,Iron,Iron,40,Philips,,,End of life,1,Cardiff Cathays,"
        "2024-03-02,Cold; no element available",
        "w_2,Repair Cafe Wales,GBR,Lamp,Lamp,15,,,,Repairable,,Cardiff Cathays,2024-03-02,Dim",
    ], name="v2.csv")
    report = import_ords(session, second, group=None, now=NOW)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    session.expire_all()
    iron = session.get(Item, iron.id)
    assert iron.state == "end_of_life" and iron.problem == "Cold; no element available"
    correction = session.exec(select(LifecycleEvent).where(
        LifecycleEvent.kind == "correction")).one()
    assert correction.corrects_id == attempt.id
    assert correction.payload["replace"] == {"outcome": "end_of_life", "barrier": 1}
    assert session.get(LifecycleEvent, attempt.id).payload["outcome"] == "fixed"  # untouched
    assert session.get(ImpactRecord, old_impact.id).is_void
    assert session.exec(select(ImpactRecord).where(ImpactRecord.is_void == False)).all() == []  # noqa: E712

    third = synthetic(tmp_path, [
        "w_1,Repair Cafe Wales,GBR,Iron,Iron,40,Philips,,,Fixed,,Cardiff Cathays,2024-03-02,"
        "Cold; no element available",
    ], name="v3.csv")
    report = import_ords(session, third, group=None, now=NOW)
    assert report.updated == 1
    live = session.exec(select(ImpactRecord).where(
        ImpactRecord.is_void == False, ImpactRecord.factor_set == CENTRAL_SET)).all()  # noqa: E712
    assert len(live) == 1 and live[0].event_id == attempt.id
    assert import_ords(session, third, group=None, now=NOW).unchanged == 1
    assert check(session) == []


def test_rows_written_through_the_driver_read_back_as_the_models_expect(session, tmp_path):
    """Datetimes, dates, JSON and booleans go to the driver pre-converted; the ORM must read
    them back exactly as if it had written them itself, on either database."""
    path = synthetic(tmp_path, [
        "d_1,Repair Cafe Wales,GBR,Iron,Iron,40,Philips,,3,Fixed,,Cardiff Cathays,2024-03-02,Cold",
    ])
    import_ords(session, path, group=None, now=NOW)
    item = session.exec(select(Item).where(Item.source_id == "d_1")).one()
    assert item.registered_at == datetime(2024, 3, 2, 12, 0, tzinfo=UTC)
    assert item.updated_at == NOW and item.is_donor is False and item.model == ""
    assert item.product_age_years == 3.0 and item.state == "fixed"
    tag = session.exec(select(Tag).where(Tag.item_id == item.id)).one()
    assert (tag.status, tag.kind, tag.linked_at) == ("linked", "item", NOW)
    assert codes.parse(tag.code) == tag.code  # drawn by codes.new_codes
    registered, attempted = session.exec(select(LifecycleEvent).where(
        LifecycleEvent.item_id == item.id).order_by(col(LifecycleEvent.id))).all()
    assert registered.payload == {"code": tag.code, "is_donor": False, "weight_kg": None,
                                  "source": "ords"}
    assert attempted.payload == {"outcome": "fixed", "barrier": None, "minutes": None,
                                 "fixer": "", "group_identifier": "Cardiff Cathays"}
    assert registered.occurred_at == item.registered_at and registered.recorded_at == NOW
    held = session.get(RepairSession, item.current_session_id)
    assert held.held_on.isoformat() == "2024-03-02" and held.created_at == NOW
    impacts = session.exec(select(ImpactRecord).where(ImpactRecord.item_id == item.id)).all()
    assert {i.event_id for i in impacts} == {attempted.id}
    assert all(i.is_void is False and i.computed_at == NOW for i in impacts)


def test_reserved_ids_leave_the_database_to_number_later_rows(session, tmp_path):
    from repaircafe.core.transactions import write_transaction
    from repaircafe.interop.ords.services.bulk import bulk_writer

    path = synthetic(tmp_path, [
        "n_1,Fixit Clinic,USA,Fan,Fan,7,,,,Fixed,,Oakland,2024-06-01,Noisy",
        "n_2,Fixit Clinic,USA,Fan,Fan,7,,,,Repairable,,Oakland,2024-06-01,Slow",
    ])
    import_ords(session, path, group=None, now=NOW)
    highest = session.exec(select(func.max(LifecycleEvent.id))).one()
    with write_transaction(session):
        writer = bulk_writer(session)
        first = writer.reserve_ids(LifecycleEvent.__table__, 3)
        second = writer.reserve_ids(LifecycleEvent.__table__, 2)
    assert first == sorted(first) and first[0] > highest
    assert not set(first) & set(second)
    assert check(session) == []


def test_a_clash_in_a_bulk_insert_is_sqlalchemys_integrity_error(session, tmp_path):
    from sqlalchemy.exc import IntegrityError

    from repaircafe.core.transactions import write_transaction
    from repaircafe.interop.ords.services.bulk import bulk_writer
    from repaircafe.interop.ords.services.ords_create import TAG_COLUMNS

    path = synthetic(tmp_path, ["c_1,Fixit Clinic,USA,Fan,Fan,7,,,,Fixed,,Oakland,2024-06-01,x"])
    import_ords(session, path, group=None, now=NOW)
    tag = session.exec(select(Tag)).one()
    with pytest.raises(IntegrityError), write_transaction(session):
        writer = bulk_writer(session)
        now = writer.datetime(NOW)
        writer.insert(Tag.__table__, TAG_COLUMNS,
                      iter([(tag.code, "issued", "blank", None, None, None, None, now, None,
                             None)]))
    assert count(session, Tag) == 1


def test_registered_payload_is_what_json_would_write():
    import json

    from repaircafe.domain.codes import new_code
    from repaircafe.interop.ords.services.ords_events import registered_payload

    code = new_code()
    assert registered_payload(code) == json.dumps(
        {"code": code, "is_donor": False, "weight_kg": None, "source": "ords"})


def test_a_large_load_leaves_postgresql_statistics_behind(session, db_url, tmp_path):
    """Key lookups of later chunks stay on the unique indexes only if the planner knows how
    big the tables grew; the import analyses them as it goes (nothing to do on SQLite)."""
    if not db_url.startswith("postgres"):
        pytest.skip("statistics are a PostgreSQL matter")
    source = head_of(wales_source(), 600, tmp_path / "wales600.csv")
    import_ords(session, source, group=None, now=NOW)
    known = dict(session.connection().exec_driver_sql(
        "SELECT relname, reltuples FROM pg_class WHERE relname IN ('item', 'lifecycle_event')"
    ).all())
    assert known["item"] >= 600 and known["lifecycle_event"] >= 1200


def test_a_file_longer_than_a_chunk(session, world, tmp_path, monkeypatch):
    """Rows are read, written and reported chunk by chunk; line numbers, rejects, notes and
    progress run on across chunks. Within a chunk, rows refused on reading come before those
    refused on writing (here an object with the same id that was not imported)."""
    from repaircafe.interop.ords.services import ords_import

    monkeypatch.setattr(ords_import, "CHUNK_ROWS", 3)
    from tests.factories import make_item

    registered_here = make_item(session, world)
    registered_here.source_provider, registered_here.source_id = "Fixit Clinic", "k_5"
    session.commit()
    path = synthetic(tmp_path, [
        "k_1,Fixit Clinic,USA,Fan,Fan,7,,,,Fixed,,Oakland,2024-06-01,a",
        "k_2,Fixit Clinic,USA,Fan,Fan,7,,,,Mended,,Oakland,2024-06-01,b",
        "k_3,Fixit Clinic,USA,Fan,Fan,7,,,,Fixed,1,Oakland,2024-06-01,c",
        "k_4,Fixit Clinic,USA,Fan,Fan,7,,,,Repairable,,Oakland,2024-06-02,d",
        "k_5,Fixit Clinic,USA,Fan,Fan,7,,,,Fixed,,Oakland,2024-06-02,e",
        "k_1,Fixit Clinic,USA,Fan,Fan,7,,,,Fixed,,Oakland,2024-06-02,f",
        "k_6,Fixit Clinic,USA,Fan,Fan,7,,,,Fixed,,Berkeley,2024-06-03,g",
    ])
    rejects_path = tmp_path / "rejects.csv"
    calls: list[tuple[int, int]] = []
    report = ords_import.import_ords(session, path, group=None, now=NOW,
                                     rejects_path=rejects_path,
                                     progress=lambda done, total: calls.append((done, total)))
    assert (report.created, report.unchanged) == (4, 0)
    assert [(r.line, r.record_id) for r in report.rejected] == [(3, "k_2"), (7, "k_1"),
                                                                 (6, "k_5")]
    assert "not imported from ORDS" in report.rejected[2].reason
    assert [(n.line, n.record_id) for n in report.notes] == [(4, "k_3")]
    with rejects_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["line"], r["id"], r["problem"]) for r in rows] == [("3", "k_2", "b"),
                                                                  ("7", "k_1", "f"),
                                                                  ("6", "k_5", "e")]
    size = path.stat().st_size
    assert len(calls) == 3 and calls[-1] == (size, size)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert count(session, Item) == 5
    assert check(session) == []



def test_an_unusable_category_id_and_name_each_get_a_note(session, tmp_path):
    path = synthetic(tmp_path, [
        "c_1,Fixit Clinic,USA,Gadget,Gizmo,99,,,,Fixed,,Oakland,2024-06-01,x",
        "c_2,Fixit Clinic,USA,Gadget,Gizmo,99,,,,Fixed,,Oakland,2024-06-01,y",
    ])
    report = import_ords(session, path, group=None, now=NOW)
    assert [(n.record_id, n.message.split()[0]) for n in report.notes] == [
        ("c_1", "product_category_id"), ("c_1", "product_category"),
        ("c_2", "product_category_id"), ("c_2", "product_category")]


def test_a_nul_character_rejects_its_row_and_the_rest_imports(session, tmp_path):
    first = synthetic(tmp_path, [
        "w_1,Repair Cafe Wales,GBR,Iron,Iron,40,Philips,,,Fixed,,Cardiff Cathays,2024-03-02,Cold",
    ], name="v1.csv")
    import_ords(session, first, group=None, now=NOW)
    second = synthetic(tmp_path, [
        "w_1,Repair Cafe Wales,GBR,Iron,Iron,40,Phi\x00lips,,,Fixed,,Cardiff Cathays,"
        "2024-03-02,Cold",
        "w_2,Repair Cafe Wales,GBR,Lamp,Lamp,15,,,,Repairable,,Cardiff Cathays,2024-03-02,Dim",
        "w_3,Repair Cafe Wales,GBR,Lamp,Lamp,15,Ikea,,,Fixed,,Cardiff\x00 Cathays,2024-03-02,"
        "Dim",
        "w_4,Repair Cafe Wales,GBR,Iron,Iron,40,,,,Fixed,,Cardiff Cathays,2024-03-02,Hot",
    ], name="v2.csv")
    rejects = tmp_path / "v2.rejects.csv"
    report = import_ords(session, second, group=None, now=NOW, rejects_path=rejects)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert [(r.line, r.record_id) for r in report.rejected] == [(2, "w_1"), (4, "w_3")]
    assert all("NUL" in r.reason for r in report.rejected)
    with rejects.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["id"], row["line"]) for row in rows] == [("w_1", "2"), ("w_3", "4")]
    assert all("NUL" in row["reason"] for row in rows)
    session.expire_all()
    assert sorted(session.exec(select(Item.source_id)).all()) == ["w_1", "w_2", "w_4"]
