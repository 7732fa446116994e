"""Importing a café's own spreadsheet (CSV or XLSX): plan, dry run, import, error file.

Every data row ends up in exactly one place: created, already imported (same key as before),
or rejected with the reason. The import writes everything in one transaction or nothing, and
a second run of the same file creates nothing new: each row is known by the key column the
user picked (or by its content), stored as the object's source id.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from repaircafe.domain import permissions, values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.domain.messages import N_
from repaircafe.models import (
    Category,
    Item,
    RepairGroup,
    RepairSession,
    SheetMapping,
    Site,
)
from repaircafe.services import events as ev
from repaircafe.services import impact as impact_service
from repaircafe.services.sheet_mapping import (
    FIELDS,
    ROW_KEY,
    CategoryIndex,
    ColumnMapping,
    guess_mapping,
    parse_age,
    parse_barrier,
    parse_date,
    parse_outcome,
    parse_weight_cell,
)
from repaircafe.services.transactions import write_transaction

MAX_ROWS = 50_000
ERROR_COLUMN = "Error"


@dataclass(frozen=True)
class Sheet:
    """A spreadsheet as read: its header row and data rows, each with its line number."""

    name: str
    headers: list[str]
    rows: list[tuple[int, list[Any]]]

    def cell(self, row: Sequence[Any], header: str | None) -> Any:
        if not header or header not in self.headers:
            return None
        index = self.headers.index(header)
        value = row[index] if index < len(row) else None
        return value.strip() if isinstance(value, str) else value


@dataclass(frozen=True)
class PlannedRow:
    line: int
    key: str
    site_id: int
    site: str
    held_on: date
    category: str | None
    brand: str
    model: str
    problem: str
    weight_kg: float | None
    age_years: float | None
    outcome: str | None
    barrier: int | None


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str
    cells: list[Any]


@dataclass
class ImportReport:
    """What a dry run would do, or what an import did."""

    mapping: ColumnMapping
    planned: list[PlannedRow] = field(default_factory=list)
    existing: list[int] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    blank: int = 0
    new_sessions: list[tuple[str, date]] = field(default_factory=list)
    written: bool = False
    category_names: dict[str, str] = field(default_factory=dict)

    @property
    def attempts(self) -> int:
        return sum(1 for p in self.planned if p.outcome is not None)

    @property
    def rows_read(self) -> int:
        return len(self.planned) + len(self.existing) + len(self.rejected)

    def __str__(self) -> str:
        verb = "Imported" if self.written else "Would import"
        return (f"{verb} {len(self.planned)} objects ({self.attempts} repair attempts, "
                f"{len(self.new_sessions)} new sessions); {len(self.existing)} already "
                f"imported; {len(self.rejected)} rejected; {self.blank} blank lines.")


# --------------------------------------------------------------------------- reading


def read_sheet(path: Path, name: str | None = None) -> Sheet:
    """A CSV (any common encoding and separator) or XLSX file, first sheet, header on top."""
    name = name or path.name
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        grid = _read_xlsx(path)
    elif path.suffix.lower() in (".csv", ".txt", ".tsv"):
        grid = _read_csv(path.read_bytes())
    else:
        raise Refused("Upload a CSV or XLSX file.")
    grid_iter = iter(grid)
    header_row: list[Any] = []
    line = 0
    for row in grid_iter:
        line += 1
        if any(str(c or "").strip() for c in row):
            header_row = row
            break
    if not header_row:
        raise Refused("The file is empty.")
    headers = _unique_headers(header_row)
    rows: list[tuple[int, list[Any]]] = []
    for number, row in enumerate(grid_iter, start=line + 1):
        rows.append((number, list(row)))
        if len(rows) > MAX_ROWS:
            raise Refused("The file has more than %(limit)s rows: split it.",
                          limit=f"{MAX_ROWS:,}")
    return Sheet(name, headers, rows)


def _unique_headers(row: Sequence[Any]) -> list[str]:
    headers: list[str] = []
    for index, cell in enumerate(row, start=1):
        text = str(cell).strip() if cell is not None else ""
        text = text or f"Column {index}"
        while text in headers:
            text = f"{text} ({index})"
        headers.append(text)
    return headers


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    sample = text[:20000]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text, newline=""), dialect))


def _read_xlsx(path: Path) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise Refused("This XLSX file cannot be read (%(error)s).",
                      error=exc.__class__.__name__) from None
    try:
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


# --------------------------------------------------------------------------- planning


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def row_key(sheet: Sheet, row: Sequence[Any], mapping: ColumnMapping) -> str:
    """The key that makes a row importable once: its key cell, or a digest of its content."""
    if mapping.key != ROW_KEY:
        return _text(sheet.cell(row, mapping.key))
    content = "\x1f".join(_text(sheet.cell(row, mapping.columns.get(f))) for f in FIELDS)
    return "row:" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]


def source_provider(group_id: int) -> str:
    return f"sheet:{group_id}"


def _source_id(key: str) -> str:
    return key if len(key) <= 120 else "sha:" + hashlib.sha256(key.encode()).hexdigest()


def plan_import(
    session: Session, sheet: Sheet, mapping: ColumnMapping, *, group_id: int, today: date,
) -> ImportReport:
    """Read every row against the mapping and say what it would become; writes nothing."""
    if "date" not in mapping.columns:
        raise Refused("Choose the column that holds the date of each visit.")
    sites = {s.name.casefold(): s for s in session.exec(
        select(Site).where(Site.group_id == group_id)).all()}
    default_site = next((s for s in sites.values() if s.id == mapping.site_id), None)
    if mapping.site_id is not None and default_site is None:
        raise NotFound("That site does not belong to the group.")
    if default_site is None and len(sites) == 1:
        default_site = next(iter(sites.values()))
    names = dict(session.exec(select(Category.slug, Category.name)).all())
    index = CategoryIndex.build(names.items())
    provider = source_provider(group_id)
    known = set(session.exec(select(Item.source_id).where(
        Item.source_provider == provider)).all())
    held = {(s.site_id, s.held_on) for s in session.exec(
        select(RepairSession).where(col(RepairSession.site_id).in_(
            [s.id for s in sites.values()]))).all()}
    report = ImportReport(mapping, category_names=names)
    seen: dict[str, int] = {}
    new_sessions: dict[tuple[int, date], str] = {}
    for line, row in sheet.rows:
        if not any(_text(c) for c in row):
            report.blank += 1
            continue
        try:
            key = row_key(sheet, row, mapping)
            if not key:
                raise Refused("The key column “%(column)s” is empty.", column=mapping.key)
            if key in seen:
                raise Refused("Same key as line %(line)d: the row is there twice.",
                              line=seen[key])
            seen[key] = line
            if _source_id(key) in known:
                report.existing.append(line)
                continue
            planned = _plan_row(sheet, row, line, key, mapping, sites, default_site, index,
                                today)
        except Refused as exc:
            report.rejected.append(Rejected(line, exc.message, list(row)))
            continue
        report.planned.append(planned)
        if (planned.site_id, planned.held_on) not in held:
            new_sessions.setdefault((planned.site_id, planned.held_on), planned.site)
    report.new_sessions = sorted(((name, day) for (_, day), name in new_sessions.items()),
                                 key=lambda s: (s[1], s[0]))
    return report


def _plan_row(
    sheet: Sheet, row: Sequence[Any], line: int, key: str, mapping: ColumnMapping,
    sites: dict[str, Site], default_site: Site | None, index: CategoryIndex, today: date,
) -> PlannedRow:
    columns = mapping.columns
    held_on = parse_date(sheet.cell(row, columns.get("date")), mapping.date_order, today=today)
    site_text = _text(sheet.cell(row, columns.get("site")))
    site = sites.get(site_text.casefold()) if site_text else default_site
    if site is None:
        if site_text:
            raise Refused("Unknown site “%(site)s”.", site=site_text)
        raise Refused("No site: choose a default site for rows without one.")
    outcome = parse_outcome(sheet.cell(row, columns["outcome"])) if "outcome" in columns \
        else None
    barrier = parse_barrier(sheet.cell(row, columns.get("barrier")))
    if barrier is not None and outcome != "end_of_life":
        raise Refused("A barrier only goes with the outcome End of life.")
    return PlannedRow(
        line=line, key=key, site_id=site.id or 0, site=site.name, held_on=held_on,
        category=index.find(sheet.cell(row, columns.get("category"))),
        brand=values.clean_text(_text(sheet.cell(row, columns.get("brand"))), limit=120,
                                field=N_("Brand")),
        model=values.clean_text(_text(sheet.cell(row, columns.get("model"))), limit=120,
                                field=N_("Model")),
        problem=values.clean_text(_text(sheet.cell(row, columns.get("problem"))), limit=2000,
                                  field=N_("Problem")),
        weight_kg=parse_weight_cell(sheet.cell(row, columns.get("weight"))),
        age_years=parse_age(sheet.cell(row, columns.get("age")), held_on),
        outcome=outcome, barrier=barrier,
    )


# --------------------------------------------------------------------------- importing


def import_sheet(
    session: Session, sheet: Sheet, mapping: ColumnMapping, *, group_id: int, actor: Actor,
    now: datetime, dry_run: bool = False,
) -> ImportReport:
    """Plan the rows; unless it is a dry run, create them all in one transaction and keep the
    mapping for the group's next upload."""
    _check_group(session, actor, group_id)
    report = plan_import(session, sheet, mapping, group_id=group_id, today=now.date())
    if dry_run:
        return report
    categories = {c.slug: c for c in session.exec(select(Category)).all()}
    provider = source_provider(group_id)
    with write_transaction(session):
        opened: dict[tuple[int, date], RepairSession] = {
            (s.site_id, s.held_on): s for s in session.exec(
                select(RepairSession).join(Site, Site.id == RepairSession.site_id)
                .where(Site.group_id == group_id)).all()}
        for planned in report.planned:
            _create(session, planned, group_id, provider, categories, opened, actor, now)
        _save_mapping(session, group_id, mapping, actor, now)
    report.written = True
    return report


def _create(
    session: Session, planned: PlannedRow, group_id: int, provider: str,
    categories: dict[str, Category], opened: dict[tuple[int, date], RepairSession],
    actor: Actor, now: datetime,
) -> None:
    repair_session = opened.get((planned.site_id, planned.held_on))
    if repair_session is None:
        repair_session = RepairSession(site_id=planned.site_id, held_on=planned.held_on,
                                       title=planned.site, created_at=now)
        session.add(repair_session)
        session.flush()
        opened[(planned.site_id, planned.held_on)] = repair_session
    category = categories.get(planned.category) if planned.category else None
    at = datetime.combine(planned.held_on, time(12), UTC)
    item = Item(
        group_id=group_id, site_id=planned.site_id, category_id=category.id if category else None,
        brand=planned.brand, model=planned.model, problem=planned.problem,
        weight_kg=planned.weight_kg,
        weight_source="estimated" if planned.weight_kg is not None else None,
        product_age_years=planned.age_years, state="", current_session_id=repair_session.id,
        registered_at=at, updated_at=now, source_provider=provider,
        source_id=_source_id(planned.key),
    )
    session.add(item)
    session.flush()
    digest = hashlib.sha256(f"{provider}:{planned.key}".encode()).hexdigest()[:40]
    ev.item_event(session, item, kind="registered",
                  payload={"code": None, "is_donor": False, "weight_kg": planned.weight_kg,
                           "source": provider},
                  actor=actor, now=now, key=f"sheet:{digest}:registered", occurred_at=at,
                  repair_session_id=repair_session.id)
    if planned.outcome is None:
        return
    event = ev.item_event(session, item, kind="repair_attempted",
                          payload={"outcome": planned.outcome, "barrier": planned.barrier,
                                   "minutes": None, "fixer": ""},
                          actor=actor, now=now, key=f"sheet:{digest}:repair", occurred_at=at,
                          repair_session_id=repair_session.id)
    session.flush()
    impact_service.record_repair_impact(session, item=item, event=event, now=now)


def _check_group(session: Session, actor: Actor, group_id: int) -> RepairGroup:
    if not permissions.can(actor.role, "import_data"):
        raise Refused("Your role cannot import data.")
    group = session.get(RepairGroup, group_id)
    if group is None:
        raise NotFound("That group does not exist.")
    if permissions.scope_kind(actor.role) == "group" and actor.group_id != group_id:
        raise NotFound("That group does not exist or is not yours.")
    return group


# --------------------------------------------------------------------------- mappings


def saved_mapping(session: Session, *, group_id: int) -> ColumnMapping | None:
    """The mapping the group used last time, if any."""
    row = session.exec(select(SheetMapping).where(SheetMapping.group_id == group_id)).first()
    return ColumnMapping.from_dict(row.mapping) if row else None


def _save_mapping(session: Session, group_id: int, mapping: ColumnMapping, actor: Actor,
                  now: datetime) -> None:
    row = session.exec(select(SheetMapping).where(SheetMapping.group_id == group_id)).first()
    row = row or SheetMapping(group_id=group_id)
    row.mapping, row.updated_by_id, row.updated_at = mapping.as_dict(), actor.id, now
    session.add(row)


def mapping_for(session: Session, sheet: Sheet, *, group_id: int) -> ColumnMapping:
    """The group's saved mapping where it fits this file, else a guess from the headers."""
    guessed = guess_mapping(sheet.headers, [r for _, r in sheet.rows])
    saved = saved_mapping(session, group_id=group_id)
    if saved is None:
        return guessed
    fitted = saved.fitted_to(sheet.headers)
    for name, header in guessed.columns.items():
        if name not in fitted.columns and header not in fitted.columns.values():
            fitted.columns[name] = header
    return fitted


def error_file(sheet: Sheet, report: ImportReport) -> str:
    """The rejected rows as they were, plus the reason, to fix and upload again."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*sheet.headers, ERROR_COLUMN])
    for rejected in report.rejected:
        cells = [_text(c) if not isinstance(c, date) else c.isoformat()
                 for c in rejected.cells]
        cells += [""] * (len(sheet.headers) - len(cells))
        writer.writerow([*cells[:len(sheet.headers)], f"line {rejected.line}: {rejected.reason}"])
    return "\ufeff" + out.getvalue()


# --------------------------------------------------------------------------- uploads


@dataclass(frozen=True)
class Upload:
    token: str
    path: Path
    name: str
    user_id: int | None
    group_id: int


def store_upload(folder: Path, *, name: str, data: bytes, user_id: int | None,
                 group_id: int) -> Upload:
    """Keep an uploaded file for the mapping and dry-run steps (the upload is the only copy)."""
    suffix = Path(name).suffix.lower()
    if suffix not in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm"):
        raise Refused("Upload a CSV or XLSX file.")
    if not data:
        raise Refused("The file is empty.")
    token = secrets.token_urlsafe(16)
    target = folder / token
    target.mkdir(parents=True, exist_ok=True)
    (target / f"sheet{suffix}").write_bytes(data)
    clean = re.sub(r"[^\w.\- ]", "_", Path(name).name)[:120] or f"sheet{suffix}"
    (target / "meta.json").write_text(json.dumps(
        {"name": clean, "user_id": user_id, "group_id": group_id}), encoding="utf-8")
    return Upload(token, target / f"sheet{suffix}", clean, user_id, group_id)


def open_upload(folder: Path, token: str, *, user_id: int | None) -> Upload:
    """An upload kept earlier by the same user."""
    if not re.fullmatch(r"[\w-]{10,40}", token):
        raise NotFound("That upload does not exist.")
    target = folder / token
    try:
        meta = json.loads((target / "meta.json").read_text(encoding="utf-8"))
    except OSError:
        raise NotFound("That upload does not exist (it may have been cleared).") from None
    if meta.get("user_id") != user_id:
        raise NotFound("That upload does not exist.")
    path = next(p for p in target.iterdir() if p.name.startswith("sheet"))
    return Upload(token, path, meta["name"], user_id, int(meta["group_id"]))


def load_upload(folder: Path, token: str, *, user_id: int | None) -> tuple[Upload, Sheet]:
    upload = open_upload(folder, token, user_id=user_id)
    return upload, read_sheet(upload.path, upload.name)


@dataclass(frozen=True)
class Prepared:
    """An upload read and matched to a mapping, with the group's sites to choose from."""

    upload: Upload
    sheet: Sheet
    mapping: ColumnMapping
    sites: list[Site]


def prepare_upload(session: Session, folder: Path, token: str, *, actor: Actor,
                   mapping: ColumnMapping | None = None) -> Prepared:
    """Read a kept upload; the mapping is the one given, else the saved one, else a guess."""
    upload, sheet = load_upload(folder, token, user_id=actor.id)
    _check_group(session, actor, upload.group_id)
    sites = list(session.exec(select(Site).where(Site.group_id == upload.group_id)
                              .order_by(col(Site.name))).all())
    chosen = mapping or mapping_for(session, sheet, group_id=upload.group_id)
    return Prepared(upload, sheet, chosen, sites)


def import_upload(session: Session, folder: Path, token: str, mapping: ColumnMapping, *,
                  actor: Actor, now: datetime, dry_run: bool) -> tuple[Prepared, ImportReport]:
    """Dry run or import of a kept upload with the mapping the user confirmed."""
    prepared = prepare_upload(session, folder, token, actor=actor, mapping=mapping)
    report = import_sheet(session, prepared.sheet, mapping, group_id=prepared.upload.group_id,
                          actor=actor, now=now, dry_run=dry_run)
    return prepared, report


def upload_sheet(session: Session, folder: Path, *, name: str, data: bytes, actor: Actor,
                 group_id: int | None) -> Upload:
    """Keep an upload for the actor's group (an admin names the group)."""
    if permissions.scope_kind(actor.role) == "group" or group_id is None:
        group_id = actor.group_id
    if group_id is None:
        raise Refused("Choose the group the file belongs to.")
    _check_group(session, actor, group_id)
    upload = store_upload(folder, name=name, data=data, user_id=actor.id, group_id=group_id)
    read_sheet(upload.path, upload.name)
    return upload


def importable_groups(session: Session, *, actor: Actor) -> list[RepairGroup]:
    """Groups the actor may import into."""
    if not permissions.can(actor.role, "import_data"):
        return []
    stmt = select(RepairGroup).order_by(col(RepairGroup.name))
    if permissions.scope_kind(actor.role) == "group":
        stmt = stmt.where(RepairGroup.id == actor.group_id)
    return list(session.exec(stmt).all())
