"""Planning a spreadsheet import: what each row would become (an object, a row imported before
or a rejected row with its reason) and the error file of the rejected rows; writes nothing.

A row is rejected only for a cell the import cannot do without: the date, the site, the key,
the outcome and any field the mapping marks required. Any other cell that cannot be read
(a weight "ca. 2kg??", an age "old", a category nobody knows, a barrier beside an outcome that
is not End of life) is left empty, and the row kept with a note that names the cell and what
was dropped; text longer than our columns hold is cut, with a note. This is the ORDS import's
rule too, so a café's years of records are not lost to one stray cell. The category cell is
also kept as written, as the object's own (partner) category, whatever it maps to.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from repaircafe.domain import values
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.domain.messages import N_
from repaircafe.interop.sheets.services.sheet_mapping import (
    FIELD_LABELS,
    FIELDS,
    ROW_KEY,
    CategoryIndex,
    ColumnMapping,
    parse_age,
    parse_barrier,
    parse_date,
    parse_outcome,
    parse_weight_cell,
)
from repaircafe.interop.sheets.services.sheet_reading import NUL, Sheet, cell_text
from repaircafe.interop.spreadsheet_safety import safe_cell
from repaircafe.models import Category, Item, RepairSession, Site

ERROR_COLUMN = "Error"
DROPPED = N_("%(field)s “%(cell)s” dropped, left empty: %(reason)s")
CUT = N_("%(field)s cut to its first %(limit)s characters.")
TEXT_LIMITS = {"brand": 120, "model": 120, "problem": 2000}
OWN_CATEGORY_LIMIT = 200  # Item.partner_category


def _same(text: str) -> str:
    return text


@dataclass(frozen=True)
class Note:
    """A row imported, but one cell not as written: which cell, what was dropped and why."""

    line: int
    field: str
    cell: str
    reason: Refused | None = None  # why the cell was dropped; None when it was cut to fit
    limit: int = 0

    def text(self, translate: Callable[[str], str] = _same) -> str:
        """The note in words, in the reader's language when given the active gettext."""
        label = translate(FIELD_LABELS[self.field])
        if self.reason is None:
            return translate(CUT) % {"field": label, "limit": f"{self.limit:,}"}
        return translate(DROPPED) % {"field": label, "cell": self.cell,
                                     "reason": self.reason.translated(translate)}

    def __str__(self) -> str:
        return self.text()


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
    notes: tuple[Note, ...] = ()
    own_category: str | None = None  # the café's category as written, kept whatever it maps to


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
    def notes(self) -> list[Note]:
        """Every note of the rows to import, in line order."""
        return [note for planned in self.planned for note in planned.notes]

    @property
    def rows_read(self) -> int:
        return len(self.planned) + len(self.existing) + len(self.rejected)

    def __str__(self) -> str:
        verb = "Imported" if self.written else "Would import"
        return (f"{verb} {len(self.planned)} objects ({self.attempts} repair attempts, "
                f"{len(self.new_sessions)} new sessions); {len(self.existing)} already "
                f"imported; {len(self.rejected)} rejected; {self.blank} blank lines."
                + "".join(f"\n  line {note.line}: {note}" for note in self.notes))



def row_key(sheet: Sheet, row: Sequence[Any], mapping: ColumnMapping) -> str:
    """The key that makes a row importable once: its key cell, or a digest of its content."""
    if mapping.key != ROW_KEY:
        return cell_text(sheet.cell(row, mapping.key))
    content = "\x1f".join(cell_text(sheet.cell(row, mapping.columns.get(f))) for f in FIELDS)
    return "row:" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]


def source_provider(group_id: int) -> str:
    return f"sheet:{group_id}"


def source_id(key: str) -> str:
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
        if not any(cell_text(c) for c in row):
            report.blank += 1
            continue
        try:
            if _holds_nul(sheet, row, mapping):
                raise Refused("A cell of this row holds a NUL character, which cannot be "
                              "stored: delete it.")
            key = row_key(sheet, row, mapping)
            if not key:
                raise Refused("The key column “%(column)s” is empty.", column=mapping.key)
            if key in seen:
                raise Refused("Same key as line %(line)d: the row is there twice.",
                              line=seen[key])
            seen[key] = line
            if source_id(key) in known:
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


def _holds_nul(sheet: Sheet, row: Sequence[Any], mapping: ColumnMapping) -> bool:
    """Whether a cell the import reads holds a NUL (databases refuse it in text)."""
    for header in (*mapping.columns.values(), mapping.key):
        cell = sheet.cell(row, header)
        if isinstance(cell, str) and NUL in cell:
            return True
    return False


def _plan_row(
    sheet: Sheet, row: Sequence[Any], line: int, key: str, mapping: ColumnMapping,
    sites: dict[str, Site], default_site: Site | None, index: CategoryIndex, today: date,
) -> PlannedRow:
    columns = mapping.columns
    notes: list[Note] = []

    def cell(name: str) -> Any:
        return sheet.cell(row, columns.get(name))

    def optional(name: str, parse: Callable[[Any], Any]) -> Any:
        """The parsed cell; an optional one that cannot be read is left empty, with a note."""
        value = cell(name)
        try:
            parsed = parse(value)
        except Refused as exc:
            if mapping.is_required(name):
                raise
            notes.append(Note(line, name, _shown(value), exc))
            return None
        if parsed is None and mapping.is_required(name) and name in columns:
            raise Refused("The %(field)s cell is empty.", field=FIELD_LABELS[name])
        return parsed

    def text(name: str) -> str:
        value = cell_text(cell(name))
        limit = TEXT_LIMITS[name]
        if len(value) > limit and not mapping.is_required(name):
            notes.append(Note(line, name, _shown(value), limit=limit))
            value = value[:limit].strip()
        checked = values.clean_text(value, limit=limit, field=FIELD_LABELS[name])
        if not checked and mapping.is_required(name) and name in columns:
            raise Refused("The %(field)s cell is empty.", field=FIELD_LABELS[name])
        return checked

    held_on = parse_date(cell("date"), mapping.date_order, today=today)
    site_text = cell_text(cell("site"))
    site = sites.get(site_text.casefold()) if site_text else default_site
    if site is None:
        if site_text:
            raise Refused("Unknown site “%(site)s”.", site=site_text)
        raise Refused("No site: choose a default site for rows without one.")
    outcome = optional("outcome", parse_outcome) if "outcome" in columns else None
    barrier = optional("barrier", parse_barrier)
    if barrier is not None and outcome != "end_of_life":
        reason = Refused("A barrier only goes with the outcome End of life.")
        if mapping.is_required("barrier"):
            raise reason
        notes.append(Note(line, "barrier", _shown(cell("barrier")), reason))
        barrier = None
    return PlannedRow(
        line=line, key=key, site_id=site.id or 0, site=site.name, held_on=held_on,
        category=optional("category", index.find),
        brand=text("brand"), model=text("model"), problem=text("problem"),
        weight_kg=optional("weight", parse_weight_cell),
        age_years=optional("age", lambda value: parse_age(value, held_on)),
        outcome=outcome, barrier=barrier, notes=tuple(notes),
        own_category=cell_text(cell("category"))[:OWN_CATEGORY_LIMIT].strip() or None,
    )


def _shown(cell: Any) -> str:
    """A cell as a note quotes it: short, one line."""
    try:
        text = " ".join(cell_text(cell).split())
    except ValueError:  # an integer of thousands of digits
        text = "9" * 61
    return text if len(text) <= 60 else text[:60] + "…"


def error_file(sheet: Sheet, report: ImportReport) -> str:
    """The rejected rows as they were, plus the reason, to fix and upload again.

    Cells that a spreadsheet would run as formulas are written as text (see
    spreadsheet_safety): the file echoes whatever the uploaded sheet held.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*map(safe_cell, sheet.headers), ERROR_COLUMN])
    for rejected in report.rejected:
        cells = [safe_cell(cell_text(c) if not isinstance(c, date) else c.isoformat())
                 for c in rejected.cells]
        cells += [""] * (len(sheet.headers) - len(cells))
        writer.writerow([*cells[:len(sheet.headers)],
                         safe_cell(f"line {rejected.line}: {rejected.reason}")])
    return "\ufeff" + out.getvalue()
