"""Open Repair Data Standard v0.3 export: one row per repair attempt, streamed, schema beside it.

Ids are stable across exports: an imported record keeps the id it came with, our own
attempts get `<provider>_<event id>`. An imported record also goes out with the data provider,
country, own category and group identifier it came with, whatever group, site and territory
it is filed under here; a record entered here gets its group's provider and its site's
territory's country. Corrections are applied before a row is written, and
unpowered objects go to the separate summary file, as the Open Repair Alliance publishes them.
Text that a spreadsheet would run as a formula (a problem typed as `=HYPERLINK(...)`) is written
with a leading `'`, as every CSV and XLSX file we produce is (`reports.cells`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache
from importlib import resources
from pathlib import Path
from typing import IO, Any, TextIO

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from repaircafe.core import access
from repaircafe.domain import factor_sets, lifecycle, periods, permissions, personal_data
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.domain.periods import Period, Scope
from repaircafe.domain.places import UNASSIGNED_TERRITORY
from repaircafe.models import (
    Category,
    Item,
    LifecycleEvent,
    Owner,
    RepairGroup,
    RepairSession,
    Site,
    Territory,
)
from reports.cells import safe_text

ORDS_FIELDS = (
    "id",
    "data_provider",
    "country",
    "partner_product_category",
    "product_category",
    "product_category_id",
    "brand",
    "year_of_manufacture",
    "product_age",
    "repair_status",
    "repair_barrier_if_end_of_life",
    "group_identifier",
    "event_date",
    "problem",
)
SUMMARY_FIELDS = ("data_provider", "product_category", "repair_status", "total")
# Ids as the schema states them (restart-19) and as partners publish them (rcwales_3).
ID_PATTERN = r"^[a-z]+[-_][0-9]+$"
_ID_RE = re.compile(ID_PATTERN)
_SCHEMA_FILE = "data/ords_tableschema_v0.3.json"


@dataclass
class ExportResult:
    records: Path
    summary: Path
    schema: Path
    rows: int = 0
    unpowered: Counter[tuple[str, str, str]] = field(default_factory=Counter)


# --------------------------------------------------------------------------- table schema


@cache
def _published_descriptor() -> dict[str, Any]:
    text = resources.files("repaircafe").joinpath(_SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)


def table_schema() -> dict[str, Any]:
    """The published v0.3 record schema, with the defects that make it invalid repaired.

    The descriptor the Open Repair Alliance publishes is not a valid Frictionless Table Schema:
    `unique` is the string "true", enums are one string instead of a list, and constraints are
    put on types that do not support them, and the date format `yyyy-mm-dd` is no Frictionless
    format (ISO dates are its `default`). Its id pattern (`restart-19`) contradicts the ids in
    its own published files (`rcwales_3`), and its barrier list says "Too worn out" where the
    files say "Item too worn out". Each is repaired to what the published data actually holds.
    """
    schema = json.loads(json.dumps(_published_descriptor()["resources"][0]["schema"]))
    for spec in schema["fields"]:
        constraints = spec.get("constraints", {})
        name = spec["name"]
        if name == "id":
            constraints.update(pattern=ID_PATTERN, unique=True, required=True)
        elif name == "country":
            constraints.pop("minimum", None)
            constraints.pop("maximum", None)
            constraints.update(minLength=3, maxLength=3, required=True)
        elif name == "product_category_id":
            constraints.pop("pattern", None)
            constraints.update(minimum=1, maximum=40)
        elif name == "repair_status":
            constraints["enum"] = list(lifecycle.OUTCOME_LABELS.values())
            constraints["required"] = True
        elif name == "repair_barrier_if_end_of_life":
            constraints["enum"] = list(lifecycle.BARRIERS.values())
        elif name == "event_date":
            spec["format"] = "default"
            constraints["required"] = True
        elif name in ("data_provider", "partner_product_category"):
            constraints["required"] = True
        if constraints:
            spec["constraints"] = constraints
    return schema


def summary_schema() -> dict[str, Any]:
    """The unpowered summary: counts per provider, summary group and status."""
    groups = [f"Unpowered - {g}" for g in factor_sets.ORDS_UNPOWERED_GROUPS]
    return {
        "fields": [
            {"name": "data_provider", "type": "string", "constraints": {"required": True}},
            {"name": "product_category", "type": "string",
             "constraints": {"required": True, "enum": groups}},
            {"name": "repair_status", "type": "string",
             "constraints": {"required": True,
                             "enum": list(lifecycle.OUTCOME_LABELS.values())}},
            {"name": "total", "type": "integer", "constraints": {"required": True, "minimum": 1}},
        ],
        "primaryKey": ["data_provider", "product_category", "repair_status"],
    }


def package_descriptor(records_name: str, summary_name: str, title: str) -> dict[str, Any]:
    """The `tableschema.json` written beside an export, shaped like the published packages."""
    published = _published_descriptor()
    return {
        "profile": "tabular-data-package",
        "title": title,
        "description": "Open Repair Data Standard v0.3 export.",
        "homepage": published.get("homepage", ""),
        "resources": [
            {"profile": "tabular-data-resource", "name": _resource_name(records_name),
             "path": records_name, "format": "csv", "encoding": "utf-8",
             "schema": table_schema()},
            {"profile": "tabular-data-resource", "name": _resource_name(summary_name),
             "path": summary_name, "format": "csv", "encoding": "utf-8",
             "schema": summary_schema()},
        ],
    }


def _resource_name(file_name: str) -> str:
    return re.sub(r"[^a-z0-9._-]+", "-", Path(file_name).stem.lower())


# --------------------------------------------------------------------------- rows


def provider_slug(provider: str) -> str:
    """Lower-case letters of the provider's name: the prefix of our own record ids."""
    return re.sub(r"[^a-z]", "", provider.lower()) or "repaircafe"


def export_query(scope_clause: Any, period: Period | None) -> Any:
    """The one query an export reads: attempts with object, category, place and owner."""
    stmt = (
        select(
            col(LifecycleEvent.id), col(LifecycleEvent.payload), col(LifecycleEvent.occurred_at),
            col(Item.id), col(Item.source_provider), col(Item.source_id), col(Item.brand),
            col(Item.problem), col(Item.product_age_years), col(Item.country),
            col(Item.partner_category), col(Category.name),
            col(Category.ords_id), col(Category.is_powered), col(Category.slug),
            col(RepairSession.held_on), col(Site.name), col(Territory.name),
            col(Territory.country), col(RepairGroup.name), col(RepairGroup.data_provider),
            col(Owner.name),
        )
        .join(Item, col(Item.id) == LifecycleEvent.item_id)
        .join(RepairGroup, col(RepairGroup.id) == Item.group_id)
        .join(Category, col(Category.id) == Item.category_id, isouter=True)
        .join(RepairSession, col(RepairSession.id) == LifecycleEvent.repair_session_id,
              isouter=True)
        .join(Site, col(Site.id) == Item.site_id, isouter=True)
        .join(Territory, col(Territory.id) == Site.territory_id, isouter=True)
        .join(Owner, col(Owner.id) == Item.owner_id, isouter=True)
        .where(col(LifecycleEvent.kind) == "repair_attempted", scope_clause)
        .order_by(col(LifecycleEvent.id))
    )
    if period is not None:
        start = datetime.combine(period.start, time(), UTC)
        end = datetime.combine(period.after_end, time(), UTC)
        stmt = stmt.where(or_(
            and_(col(RepairSession.held_on) >= period.start,
                 col(RepairSession.held_on) <= period.end),
            and_(col(RepairSession.id).is_(None), col(LifecycleEvent.occurred_at) >= start,
                 col(LifecycleEvent.occurred_at) < end),
        ))
    return stmt


def scope_clause(session: Session, *, actor: Actor, scope: Scope) -> Any:
    """WHERE clause for the objects an export covers, within what the actor may see."""
    clauses = [access.scope_filter(actor, Item)]
    if scope.kind == "group":
        if session.get(RepairGroup, scope.id) is None:
            raise NotFound("That group does not exist.")
        clauses.append(col(Item.group_id) == scope.id)
    elif scope.kind == "territory":
        if session.get(Territory, scope.id) is None:
            raise NotFound("That territory does not exist.")
        clauses.append(col(Item.site_id).in_(
            select(col(Site.id)).where(col(Site.territory_id) == scope.id)))
    elif scope.kind == "site":
        if session.get(Site, scope.id) is None:
            raise NotFound("That site does not exist.")
        clauses.append(col(Item.site_id) == scope.id)
    elif scope.kind != "all":
        raise Refused("Unknown export scope “%(kind)s”.", kind=scope.kind)
    return and_(True, *clauses)


def _corrections(session: Session, scope: Any) -> dict[int, list[lifecycle.EventFact]]:
    """Corrections of repair attempts in scope, by the attempt they correct (a short list)."""
    target = aliased(LifecycleEvent, name="target")
    rows = session.execute(
        select(col(LifecycleEvent.id), col(LifecycleEvent.payload),
               col(LifecycleEvent.corrects_id))
        .join(target, col(target.id) == LifecycleEvent.corrects_id)
        .join(Item, col(Item.id) == target.item_id)
        .where(col(LifecycleEvent.kind) == "correction", col(target.kind) == "repair_attempted",
               scope)
    ).all()
    found: dict[int, list[lifecycle.EventFact]] = {}
    for event_id, payload, corrects_id in rows:
        found.setdefault(corrects_id, []).append(
            lifecycle.EventFact(event_id, "correction", payload or {}, corrects_id))
    return found


def _territory_country(name: str | None, country: str | None) -> str:
    """A territory's country, if it has one: the territory of sites nobody assigned yet holds
    sites from anywhere, so its country says nothing."""
    if not name or name == UNASSIGNED_TERRITORY:
        return ""
    return country or ""


def _country_by_group(session: Session) -> dict[str, str]:
    """A group's country, for the rare object recorded without a site (or at a site not yet
    assigned to a territory)."""
    rows = session.execute(
        select(col(RepairGroup.name), col(Territory.name), col(Territory.country))
        .join(Site, col(Site.group_id) == RepairGroup.id)
        .join(Territory, col(Territory.id) == Site.territory_id)
        .order_by(col(Site.id))
    ).all()
    found: dict[str, str] = {}
    for name, territory, country in rows:
        if _territory_country(territory, country):
            found.setdefault(name, country)
    return found


def _country_by_provider(session: Session) -> dict[str, str]:
    """Each data provider's main country: the one most of its imported records name.

    ORDS fills a record's missing country with its provider's main country; an imported record
    whose country could not be kept (not an ISO code) goes out so, instead of empty.
    """
    rows = session.execute(
        select(col(Item.source_provider), col(Item.country), func.count())
        .where(col(Item.source_provider).is_not(None), col(Item.country).is_not(None))
        .group_by(col(Item.source_provider), col(Item.country))
        .order_by(func.count().desc(), col(Item.country))
    ).all()
    found: dict[str, str] = {}
    for provider, country, _count in rows:
        found.setdefault(provider, country)
    return found


@dataclass(frozen=True)
class Attempt:
    """One exported repair attempt: its ORDS row, or its unpowered summary key."""

    row: tuple[str, ...] | None
    unpowered: tuple[str, str, str] | None = None


def attempts(
    session: Session, *, actor: Actor, scope: Scope = periods.ALL,
    period: Period | None = None, batch: int = 2000,
) -> Iterator[Attempt]:
    """Every effective repair attempt in scope, oldest first, read in batches."""
    clause = scope_clause(session, actor=actor, scope=scope)
    fixes = _corrections(session, clause)
    countries = _country_by_group(session)
    provider_countries = _country_by_provider(session)
    groups = factor_sets.load_category_map()
    seen_source: set[int] = set()
    result = session.execute(
        export_query(clause, period).execution_options(yield_per=batch))
    for (event_id, payload, occurred_at, item_id, source_provider, source_id, brand, problem,
         age, item_country, partner_category, cat_name, ords_id, powered, slug, held_on,
         site_name, territory_name, territory_country, group_name, data_provider,
         owner_name) in result:
        if event_id in fixes:
            effective = lifecycle.effective_events(
                [lifecycle.EventFact(event_id, "repair_attempted", payload or {}),
                 *fixes[event_id]])
            if not effective:
                continue
            payload = effective[0].payload
        payload = payload or {}
        outcome = payload.get("outcome") or "unknown"
        status = lifecycle.OUTCOME_LABELS.get(outcome, "Unknown")
        # An attempt imported from ORDS keeps its record's group identifier; its object's
        # source is then the record's data provider (a spreadsheet's is only a key).
        kept_identifier = payload.get("group_identifier")
        from_ords = kept_identifier is not None and bool(source_provider)
        provider = (source_provider if from_ords else None) or data_provider or group_name
        if cat_name is not None and not powered:
            mapping = groups.get(slug)
            group = mapping.ords_unpowered_group if mapping and mapping.ords_unpowered_group \
                else "Other"
            yield Attempt(None, (provider, f"Unpowered - {group}", status))
            continue
        if source_id and item_id not in seen_source and _ID_RE.match(source_id):
            record_id = source_id
            seen_source.add(item_id)
        else:
            record_id = f"{provider_slug(provider)}_{event_id}"
        event_on: date = held_on or occurred_at.date()
        barrier = payload.get("barrier") if outcome == "end_of_life" else None
        age_text = year = ""
        if age is not None and age >= 0:
            age_text = f"{round(age, 1):g}"
            year = str(event_on.year - round(age)) if age < event_on.year else ""
        country = item_country or (provider_countries.get(provider, "") if from_ords else "")
        group_identifier = str(kept_identifier) if from_ords else (
            site_name if source_provider and site_name else group_name)
        yield Attempt((
            record_id,
            provider,
            country or _territory_country(territory_name, territory_country)
            or countries.get(group_name, ""),
            partner_category or cat_name or "Unknown",
            cat_name if ords_id else "",
            str(ords_id) if ords_id else "",
            brand or "Unknown",
            year,
            age_text,
            status,
            lifecycle.BARRIERS.get(int(barrier), "") if barrier else "",
            group_identifier,
            event_on.isoformat(),
            personal_data.scrub(problem or "", personal_data.owner_names(owner_name)),
        ))


def write_records(
    session: Session, out: TextIO, *, actor: Actor, scope: Scope = periods.ALL,
    period: Period | None = None,
) -> tuple[int, Counter[tuple[str, str, str]]]:
    """Stream the ORDS rows to `out`; returns the row count and the unpowered tallies.

    Cells are written through `safe_text`: the file is opened in spreadsheets as often as it
    is read by programs, and free text (problem, brand, group) comes from anyone's typing.
    """
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ORDS_FIELDS)
    rows = 0
    unpowered: Counter[tuple[str, str, str]] = Counter()
    for attempt in attempts(session, actor=actor, scope=scope, period=period):
        if attempt.row is not None:
            writer.writerow([safe_text(cell) for cell in attempt.row])
            rows += 1
        elif attempt.unpowered is not None:
            unpowered[attempt.unpowered] += 1
    return rows, unpowered


def write_summary(out: TextIO, unpowered: Counter[tuple[str, str, str]]) -> None:
    """The unpowered tallies; the provider is a typed name, so it is made formula-safe too."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SUMMARY_FIELDS)
    for key in sorted(unpowered):
        writer.writerow((*(safe_text(part) for part in key), unpowered[key]))


def file_names(records: Path) -> tuple[Path, Path, Path]:
    """The records file, its unpowered summary and the schema, side by side."""
    return (records, records.with_name(f"{records.stem}_unpowered{records.suffix or '.csv'}"),
            records.with_name("tableschema.json"))


def export_ords(
    session: Session, out: Path, *, actor: Actor, scope: Scope = periods.ALL,
    period: Period | None = None, title: str = "Open Repair Data",
) -> ExportResult:
    """Write the records file, its unpowered summary and `tableschema.json` beside them."""
    if not permissions.can(actor.role, "view_reports"):
        raise Refused("Your role cannot export data.")
    records, summary, schema = file_names(out)
    result = ExportResult(records, summary, schema)
    with records.open("w", encoding="utf-8", newline="") as fh:
        result.rows, result.unpowered = write_records(
            session, fh, actor=actor, scope=scope, period=period)
    with summary.open("w", encoding="utf-8", newline="") as fh:
        write_summary(fh, result.unpowered)
    schema.write_text(json.dumps(package_descriptor(records.name, summary.name, title), indent=2),
                      encoding="utf-8")
    return result


def export_name(session: Session, *, scope: Scope, now: datetime) -> str:
    """`OpenRepairData_v0.3_<Provider>_YYYYMM.csv`, the published naming."""
    label = "All"
    if scope.kind == "group" and scope.id is not None:
        group = session.get(RepairGroup, scope.id)
        if group is not None:
            label = group.data_provider or group.name
    elif scope.kind in ("territory", "site") and scope.id is not None:
        place = (session.get(Territory, scope.id) if scope.kind == "territory"
                 else session.get(Site, scope.id))
        if place is not None:
            label = place.name
    label = re.sub(r"[^A-Za-z0-9]", "", label.title()) or "All"
    return f"OpenRepairData_v0.3_{label}_{now:%Y%m}.csv"


def export_archive(
    session: Session, target: IO[bytes], *, actor: Actor, scope: Scope = periods.ALL,
    period: Period | None = None, now: datetime,
) -> str:
    """A zip of the records, the unpowered summary and `tableschema.json`; returns its name.

    The records are streamed into the archive as they are read, so a large export never sits
    in memory as a list.
    """
    if not permissions.can(actor.role, "view_reports"):
        raise Refused("Your role cannot export data.")
    records, summary, schema = file_names(Path(export_name(session, scope=scope, now=now)))
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(records.name, "w") as raw, \
                io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
            _rows, unpowered = write_records(session, text, actor=actor, scope=scope,
                                             period=period)
        buffer = io.StringIO()
        write_summary(buffer, unpowered)
        archive.writestr(summary.name, buffer.getvalue())
        archive.writestr(schema.name, json.dumps(
            package_descriptor(records.name, summary.name, records.stem), indent=2))
    return records.stem + ".zip"
