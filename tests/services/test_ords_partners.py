"""Partner ORDS files from several networks in one database: each record keeps its own
country, data provider, category wording and group, places are assigned rather than guessed,
older versions of the standard are read and said to be, and changes at source are reported."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from repaircafe.core.events import new_key
from repaircafe.domain.actors import Actor
from repaircafe.domain.places import UNASSIGNED_TERRITORY
from repaircafe.interop.ords.services import ords_export
from repaircafe.interop.ords.services.ords_import import import_ords
from repaircafe.maintenance.integrity import check
from repaircafe.models import Category, Item, LifecycleEvent, RepairGroup, Site, Territory
from repaircafe.objects.services import repairs
from tests.factories import NOW as APP_NOW
from tests.factories import make_item

NOW = APP_NOW.replace(year=2025, month=9, day=1)
FIELDS = ("id", "data_provider", "country", "partner_product_category", "product_category",
          "product_category_id", "brand", "year_of_manufacture", "product_age", "repair_status",
          "repair_barrier_if_end_of_life", "group_identifier", "event_date", "problem")
V021_FIELDS = ("id", "data_provider", "country", "partner_product_category", "product_category",
               "brand", "year_of_manufacture", "repair_status",
               "repair_barrier_if_end_of_life", "group_identifier", "event_date", "problem")
SCHEMA = Path(__file__).resolve().parents[2] / "repaircafe" / "data" / "ords_tableschema_v0.3.json"
ADMIN = Actor.system("test")

TORONTO = [
    {"id": "rctoronto_1", "data_provider": "Repair Café Toronto", "country": "CAN",
     "partner_product_category": "Small Appliance ~ Toaster oven",
     "product_category": "Small kitchen item", "product_category_id": "29", "brand": "Black & Decker",
     "year_of_manufacture": "", "product_age": "6", "repair_status": "Fixed",
     "repair_barrier_if_end_of_life": "", "group_identifier": "Repair Café Toronto East",
     "event_date": "2024-05-11", "problem": "Element out; replaced the thermal fuse"},
    {"id": "rctoronto_2", "data_provider": "Repair Café Toronto", "country": "CAN",
     "partner_product_category": "Lamps & Lighting", "product_category": "Lamp",
     "product_category_id": "15", "brand": "Unknown", "year_of_manufacture": "",
     "product_age": "", "repair_status": "Unknown", "repair_barrier_if_end_of_life": "",
     "group_identifier": "Repair Café Toronto West", "event_date": "2024-05-18",
     "problem": "Flickers"},
    {"id": "rctoronto_3", "data_provider": "Repair Café Toronto", "country": "CAN",
     "partner_product_category": "Electronics ~ Radio ", "product_category": "Portable radio",
     "product_category_id": "23", "brand": "Sony", "year_of_manufacture": "",
     "product_age": "", "repair_status": "End of life",
     "repair_barrier_if_end_of_life": "Too worn out",
     "group_identifier": "Repair Café Toronto East", "event_date": "2024-06-08",
     "problem": "Tuner gone"},
]
LEUVEN = [
    {"id": "rcbelgie_1", "data_provider": "Repair Café België", "country": "BEL",
     "partner_product_category": "Elektrisch ~ Strijkijzer", "product_category": "Iron",
     "product_category_id": "40", "brand": "Philips", "year_of_manufacture": "",
     "product_age": "4", "repair_status": "Fixed", "repair_barrier_if_end_of_life": "",
     "group_identifier": "Repair Café Leuven", "event_date": "2024-05-11",
     "problem": "Geen stoom meer"},
    {"id": "rcbelgie_2", "data_provider": "Repair Café België", "country": "BEL",
     "partner_product_category": "Keuken ~ Waterkoker", "product_category": "Kettle",
     "product_category_id": "14", "brand": "Unknown", "year_of_manufacture": "",
     "product_age": "", "repair_status": "Repairable", "repair_barrier_if_end_of_life": "",
     "group_identifier": "Repair Café Gent", "event_date": "2024-05-25",
     "problem": "Lekt onderaan"},
]


def write_csv(path: Path, rows: list[dict[str, str]], fields: tuple[str, ...] = FIELDS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def row(**changes: str) -> dict[str, str]:
    base = {"id": "p_1", "data_provider": "Repair Café Toronto", "country": "CAN",
            "partner_product_category": "Kitchen ~ Kettle", "product_category": "Kettle",
            "product_category_id": "14", "brand": "", "year_of_manufacture": "",
            "product_age": "", "repair_status": "Fixed", "repair_barrier_if_end_of_life": "",
            "group_identifier": "Repair Café Toronto East", "event_date": "2024-05-11",
            "problem": "No heat"}
    return base | changes


def export_rows(session: Session, tmp_path: Path) -> tuple[ords_export.ExportResult,
                                                           dict[str, dict[str, str]]]:
    folder = tmp_path / "export"
    folder.mkdir(exist_ok=True)
    result = ords_export.export_ords(session, folder / "out.csv", actor=ADMIN)
    with result.records.open(encoding="utf-8", newline="") as handle:
        return result, {r["id"]: r for r in csv.DictReader(handle)}


def test_two_partners_in_two_countries_export_back_exactly(session, world, tmp_path):
    toronto = import_ords(session, write_csv(tmp_path / "toronto.csv", TORONTO), group=None,
                          now=NOW)
    leuven = import_ords(session, write_csv(tmp_path / "leuven.csv", LEUVEN), group=None,
                         now=NOW)
    assert (toronto.created, leuven.created) == (3, 2)
    assert toronto.rejected == leuven.rejected == []
    # A record entered here, at a site of a territory in Wales.
    world.territory.country = "GBR"
    session.add(world.territory)
    session.commit()
    here = make_item(session, world, category="toaster")
    own = repairs.record_repair_attempt(session, item_id=here.id, outcome="fixed",
                                        actor=world.actor(), now=APP_NOW, key=new_key())

    _result, rows = export_rows(session, tmp_path)
    for source in (*TORONTO, *LEUVEN):
        out = rows[source["id"]]
        for field in ("data_provider", "country", "partner_product_category",
                      "group_identifier", "event_date", "product_category",
                      "product_category_id", "problem"):
            assert out[field] == source[field], (source["id"], field)
    assert rows["rctoronto_3"]["repair_barrier_if_end_of_life"] == "Item too worn out"
    mine = rows[f"cardifffixers_{own.id}"]
    assert (mine["country"], mine["data_provider"], mine["group_identifier"]) == (
        "GBR", "Cardiff Fixers", "Cardiff Fixers")

    # Places: one group per partner, each new site waiting in the one unassigned territory.
    groups = {g.name: g for g in session.exec(select(RepairGroup)).all()}
    assert groups["Repair Café Toronto"].data_provider == "Repair Café Toronto"
    unassigned = session.exec(select(Territory).where(
        Territory.name == UNASSIGNED_TERRITORY)).one()
    imported_sites = session.exec(select(Site).where(col(Site.group_id).in_(
        [groups["Repair Café Toronto"].id, groups["Repair Café België"].id]))).all()
    assert sorted(s.name for s in imported_sites) == [
        "Repair Café Gent", "Repair Café Leuven", "Repair Café Toronto East",
        "Repair Café Toronto West"]
    assert {s.territory_id for s in imported_sites} == {unassigned.id}
    assert session.exec(select(Territory).where(Territory.name == "Repair")).first() is None
    items = {i.source_id: i for i in session.exec(select(Item)).all() if i.source_id}
    assert items["rctoronto_1"].country == "CAN" and items["rcbelgie_1"].country == "BEL"
    assert items["rctoronto_3"].partner_category == "Electronics ~ Radio "
    assert check(session) == []


def test_the_export_is_valid_against_the_schema(session, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    import_ords(session, write_csv(tmp_path / "toronto.csv", TORONTO), group=None, now=NOW)
    import_ords(session, write_csv(tmp_path / "leuven.csv", LEUVEN), group=None, now=NOW)
    result, rows = export_rows(session, tmp_path)
    assert len(rows) == 5
    report = frictionless.Package(str(result.schema)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_an_unknown_country_is_noted_and_not_stored(session, tmp_path):
    path = write_csv(tmp_path / "f.csv", [row(id="p_1", country="XYZ"),
                                          row(id="p_2", country="can"),
                                          row(id="p_3", country="")])
    report = import_ords(session, path, group=None, now=NOW)
    assert report.created == 3 and report.rejected == []
    notes = {n.record_id: n.message for n in report.notes}
    assert "country 'XYZ' is not an ISO 3166-1 alpha-3 code" in notes["p_1"]
    assert "imported without a country" in notes["p_1"]
    assert "no country" in notes["p_3"]
    assert "p_2" not in notes
    countries = {i.source_id: i.country for i in session.exec(select(Item)).all()}
    assert countries == {"p_1": None, "p_2": "CAN", "p_3": None}
    assert "country 'XYZ'" in str(report)
    # On export, as ORDS does, a record without a country gets its provider's main one.
    _result, rows = export_rows(session, tmp_path)
    assert {r["id"]: r["country"] for r in rows.values()} == {
        "p_1": "CAN", "p_2": "CAN", "p_3": "CAN"}


def test_existing_sites_keep_their_territory_and_new_ones_wait_unassigned(session, tmp_path):
    import_ords(session, write_csv(tmp_path / "a.csv", [row(id="p_1")]), group=None, now=NOW)
    site = session.exec(select(Site).where(Site.name == "Repair Café Toronto East")).one()
    toronto = Territory(name="Toronto", country="CAN")
    session.add(toronto)
    session.flush()
    site.territory_id = toronto.id
    session.add(site)
    session.commit()
    report = import_ords(session, write_csv(tmp_path / "b.csv", [
        row(id="p_1"), row(id="p_2"), row(id="p_3", group_identifier="Repair Café Etobicoke"),
    ]), group=None, now=NOW)
    assert (report.created, report.unchanged, report.sites) == (2, 1, 1)
    session.expire_all()
    sites = {s.name: s for s in session.exec(select(Site)).all()}
    assert sites["Repair Café Toronto East"].territory_id == toronto.id
    unassigned = session.exec(select(Territory).where(
        Territory.name == UNASSIGNED_TERRITORY)).one()
    assert sites["Repair Café Etobicoke"].territory_id == unassigned.id
    assert len(session.exec(select(Territory).where(
        Territory.name == UNASSIGNED_TERRITORY)).all()) == 1
    assert check(session) == []


def test_category_id_and_name_that_disagree_are_noted_with_the_one_used(session, tmp_path):
    path = write_csv(tmp_path / "f.csv", [
        row(id="p_1", product_category="Toaster", product_category_id="14"),
        row(id="p_2", product_category="Gizmo", product_category_id="7"),
        row(id="p_3", product_category="Kettle", product_category_id="14"),
    ])
    report = import_ords(session, path, group=None, now=NOW)
    notes = {n.record_id: n.message for n in report.notes}
    assert notes["p_1"] == ("product_category_id 14 (Kettle) disagrees with product_category "
                            "'Toaster' (31); used the id 14, the category's key in ORDS v0.3")
    assert "'Gizmo' is not an ORDS category; used product_category_id 7 (Fan)" in notes["p_2"]
    assert "p_3" not in notes
    slugs = dict(session.exec(select(Item.source_id, Category.slug).join(
        Category, col(Category.id) == Item.category_id)).all())
    assert slugs == {"p_1": "kettle", "p_2": "fan", "p_3": "kettle"}


def _published_barriers() -> list[str]:
    """The barrier list of the published table schema, read straight from the file."""
    descriptor = json.loads(SCHEMA.read_text(encoding="utf-8"))
    spec = next(f for f in descriptor["resources"][0]["schema"]["fields"]
                if f["name"] == "repair_barrier_if_end_of_life")
    return [name.strip() for name in spec["constraints"]["enum"].strip("[]").split(",")]


def test_the_published_schema_lists_six_barriers_including_too_worn_out():
    names = _published_barriers()
    assert len(names) == 6 and names[5] == "Too worn out"


BARRIER_WORDINGS = [
    *((name, code) for code, name in enumerate(_published_barriers(), start=1)),
    ("Spare parts not available", 1), ("Spare parts too expensive", 2),
    ("No way to open product", 3), ("No way to open the product", 3),
    ("Repair information not available", 4), ("Lack of equipment", 5),
    ("Item too worn out", 6), ("Product too worn out", 6), ("too worn out.", 6),
    ("1", 1), ("2", 2), ("3", 3), ("4", 4), ("5", 5), ("6", 6),
]


def test_every_barrier_wording_of_the_standard_is_accepted(session, tmp_path):
    rows = [row(id=f"b_{index}", repair_status="End of life",
                repair_barrier_if_end_of_life=wording)
            for index, (wording, _code) in enumerate(BARRIER_WORDINGS)]
    report = import_ords(session, write_csv(tmp_path / "f.csv", rows), group=None, now=NOW)
    assert report.rejected == [] and report.created == len(BARRIER_WORDINGS)
    got = {
        session.get(Item, e.item_id).source_id: e.payload["barrier"]
        for e in session.exec(select(LifecycleEvent).where(
            LifecycleEvent.kind == "repair_attempted"))
    }
    assert got == {f"b_{index}": code for index, (_w, code) in enumerate(BARRIER_WORDINGS)}


def test_a_v021_file_is_detected_and_mapped(session, tmp_path):
    rows = [
        {"id": "rcwales_3", "data_provider": "Repair Cafe Wales", "country": "GBR",
         "partner_product_category": "Electrical ~ Iron", "product_category": "Iron",
         "brand": "Unknown", "year_of_manufacture": "????", "repair_status": "Fixed",
         "repair_barrier_if_end_of_life": "", "group_identifier": "Cardiff Cathays",
         "event_date": "2017-04-01", "problem": "Iron Broken"},
        {"id": "rcwales_8", "data_provider": "Repair Cafe Wales", "country": "GBR",
         "partner_product_category": "Electrical ~ Blender", "product_category": "Blender",
         "brand": "Kenwood", "year_of_manufacture": "2011", "repair_status": "Fixed",
         "repair_barrier_if_end_of_life": "", "group_identifier": "Cardiff Cathays",
         "event_date": "2017-04-01", "problem": "Jug leaks"},
        {"id": "rcwales_9", "data_provider": "Repair Cafe Wales", "country": "GBR",
         "partner_product_category": "Electrical", "product_category": "Misc",
         "brand": "Unknown", "year_of_manufacture": "????", "repair_status": "Unknown",
         "repair_barrier_if_end_of_life": "", "group_identifier": "Cardiff Cathays",
         "event_date": "2017-04-01", "problem": "not heating"},
    ]
    path = write_csv(tmp_path / "OpenRepairData_v0.2.1_RepairCafeWales_202009.csv", rows,
                     V021_FIELDS)
    report = import_ords(session, path, group=None, now=NOW)
    assert report.created == 3 and report.rejected == []
    assert report.version == "0.2.1"
    text = str(report)
    assert text.startswith("ORDS v0.2.1 file: mapped as v0.3: ")
    assert "product_category_id looked up from the product_category name" in text
    assert "product_age worked out from year_of_manufacture" in text
    assert "year_of_manufacture '????' on 2 rows: not a year of manufacture, left empty" in text
    items = {i.source_id: i for i in session.exec(select(Item)).all()}
    assert items["rcwales_8"].product_age_years == 6.0
    assert items["rcwales_3"].product_age_years is None
    blender = session.get(Category, items["rcwales_8"].category_id)
    assert blender.slug == "food-processor"
    assert items["rcwales_3"].partner_category == "Electrical ~ Iron"


def test_a_v02_file_with_its_own_column_names_is_read_too(session, tmp_path):
    fields = ("id", "data_provider", "id_orig", "country", "partner_product_category",
              "product_category_ords", "brand", "year_of_manufacture", "repair_status",
              "repair_barrier_if_end_of_life", "group_identifier", "event_date", "problem")
    path = write_csv(tmp_path / "fixit.csv", [
        {"id": "fixitclinic-1", "data_provider": "Fixit Clinic", "id_orig": "17",
         "country": "USA", "partner_product_category": "Iron", "product_category_ords": "Iron",
         "brand": "Sunbeam", "year_of_manufacture": "2016", "repair_status": "Unknown",
         "repair_barrier_if_end_of_life": "", "group_identifier": "Fixit Clinic",
         "event_date": "2018-01-02", "problem": "Steam selector broken"},
    ], fields)
    report = import_ords(session, path, group=None, now=NOW)
    assert report.created == 1 and report.version == "0.2"
    assert "product_category_ords read as product_category" in report.file_notes[0]
    assert "not imported: column id_orig" in report.file_notes[0]
    item = session.exec(select(Item)).one()
    assert session.get(Category, item.category_id).slug == "iron"
    assert item.product_age_years == 2.0


def test_a_v03_file_says_nothing_about_versions(session, tmp_path):
    report = import_ords(session, write_csv(tmp_path / "f.csv", [row()]), group=None, now=NOW)
    assert report.version == "0.3" and report.file_notes == []
    assert str(report).startswith("1 rows: 1 created")


def test_a_changed_event_date_or_group_is_reported_as_changed(session, tmp_path):
    first = write_csv(tmp_path / "v1.csv", [row(id="p_1"), row(id="p_2"), row(id="p_3")])
    import_ords(session, first, group=None, now=NOW)
    second = write_csv(tmp_path / "v2.csv", [
        row(id="p_1", event_date="2024-05-18"),
        row(id="p_2", group_identifier="Repair Café Scarborough"),
        row(id="p_3", repair_status="Repairable"),
    ])
    rejects = tmp_path / "v2.rejects.csv"
    report = import_ords(session, second, group=None, now=NOW, rejects_path=rejects)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    reasons = {r.record_id: r.reason for r in report.rejected}
    assert reasons["p_1"].startswith("changed at source: event_date 2024-05-11 → 2024-05-18.")
    assert reasons["p_2"].startswith(
        "changed at source: group_identifier 'Repair Café Toronto East' → "
        "'Repair Café Scarborough'.")
    assert all("record left as it is" in reason for reason in reasons.values())
    assert [r.record_id for r in report.rejected if r.changed] == ["p_1", "p_2"]
    assert ("2 of the rejected rows changed at source in their event date or group: "
            "not applied.") in str(report).splitlines()
    with rejects.open(encoding="utf-8", newline="") as handle:
        assert [r["id"] for r in csv.DictReader(handle)] == ["p_1", "p_2"]
    session.expire_all()
    days = {session.get(Item, e.item_id).source_id: e.occurred_at.date().isoformat()
            for e in session.exec(select(LifecycleEvent).where(
                LifecycleEvent.kind == "repair_attempted"))}
    assert days["p_1"] == "2024-05-11"
    assert check(session) == []


def test_a_renamed_site_does_not_make_its_records_changed(session, tmp_path):
    path = write_csv(tmp_path / "f.csv", [row(id="p_1"), row(id="p_2", group_identifier="")])
    import_ords(session, path, group=None, now=NOW)
    site = session.exec(select(Site).where(Site.name == "Repair Café Toronto East")).one()
    site.name = "Danforth Library"
    session.add(site)
    session.commit()
    again = import_ords(session, path, group=None, now=NOW)
    assert (again.unchanged, again.rejected) == (2, [])
    _result, rows = export_rows(session, tmp_path)
    assert rows["p_1"]["group_identifier"] == "Repair Café Toronto East"
    assert rows["p_2"]["group_identifier"] == ""
    # A new record of the same group identifier joins the renamed site.
    later = import_ords(session, write_csv(tmp_path / "g.csv", [
        row(id="p_3", event_date="2024-06-01")]), group=None, now=NOW)
    assert (later.created, later.sites) == (1, 0)
    session.expire_all()
    newest = session.exec(select(Item).where(Item.source_id == "p_3")).one()
    assert newest.site_id == site.id
    assert check(session) == []


def test_a_changed_partner_category_or_country_updates_the_record(session, tmp_path):
    import_ords(session, write_csv(tmp_path / "v1.csv", [row(id="p_1")]), group=None, now=NOW)
    report = import_ords(session, write_csv(tmp_path / "v2.csv", [
        row(id="p_1", partner_product_category="Kitchen ~ Electric kettle", country="USA"),
    ]), group=None, now=NOW)
    assert (report.updated, report.unchanged, report.rejected) == (1, 0, [])
    session.expire_all()
    item = session.exec(select(Item)).one()
    assert (item.partner_category, item.country) == ("Kitchen ~ Electric kettle", "USA")
    assert check(session) == []


def test_records_imported_before_countries_were_kept_are_filled_in_unchanged(session, tmp_path):
    """Objects imported by an earlier version have no country, own category or group
    identifier of their own; re-importing their file fills the first two in, in one statement,
    without calling the records changed or writing corrections."""
    path = write_csv(tmp_path / "f.csv", [row(id="p_1"), row(id="p_2", brand="Bosch")])
    import_ords(session, path, group=None, now=NOW)
    for item in session.exec(select(Item)).all():
        item.country = item.partner_category = None
        session.add(item)
    for event in session.exec(select(LifecycleEvent).where(
            LifecycleEvent.kind == "repair_attempted")).all():
        event.payload = {k: v for k, v in event.payload.items() if k != "group_identifier"}
        session.add(event)
    site = session.exec(select(Site)).one()
    site.name = "Danforth Library"  # renamed by an admin since
    session.add(site)
    session.commit()
    again = import_ords(session, write_csv(tmp_path / "g.csv", [
        row(id="p_1"), row(id="p_2", brand="Braun")]), group=None, now=NOW)
    assert (again.updated, again.unchanged, again.rejected) == (1, 1, [])
    session.expire_all()
    items = {i.source_id: i for i in session.exec(select(Item)).all()}
    assert {(i.country, i.partner_category) for i in items.values()} == {
        ("CAN", "Kitchen ~ Kettle")}
    corrections = session.exec(select(LifecycleEvent).where(
        LifecycleEvent.kind == "correction")).all()
    assert [c.item_id for c in corrections] == [items["p_2"].id]
    assert corrections[0].payload["changed"] == {"brand": ["Bosch", "Braun"]}
    assert check(session) == []


def test_objects_from_other_sources_export_as_their_groups(session, world, tmp_path):
    """Only a record imported from ORDS carries its own provider: an object keyed by another
    source (a café's spreadsheet) goes out as its group's, like one entered here."""
    item = make_item(session, world, category="kettle")
    item.source_provider, item.source_id = f"sheet:{world.group.id}", "row:abc"
    session.add(item)
    session.commit()
    event = repairs.record_repair_attempt(session, item_id=item.id, outcome="fixed",
                                          actor=world.actor(), now=APP_NOW, key=new_key())
    world.territory.country = "BEL"
    session.add(world.territory)
    session.commit()
    _result, rows = export_rows(session, tmp_path)
    out = rows[f"cardifffixers_{event.id}"]
    assert (out["data_provider"], out["country"]) == ("Cardiff Fixers", "BEL")
    assert out["group_identifier"] == "Cathays Library"
