"""Placing many sites at once from a council's list: postcode or municipality code -> territory.

A municipality knows its territory as a list of postcodes or municipality codes, not as our
site names. The list is read twice: once to show what would move and which lines matched no
site, then again, inside the write, to move exactly what the list says at that moment.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.core.transactions import write_transaction
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import Refused
from repaircafe.models import RepairGroup, Site, Territory
from repaircafe.places.services.sites import postcode_key

MAX_BYTES = 1024 * 1024
MAX_ROWS = 10_000
KEYS = ("postcode", "municipality_code")


@dataclass(frozen=True)
class Line:
    """One line of the list: which sites it names, and where they go."""

    number: int
    kind: str  # "postcode" or "municipality_code"
    value: str
    territory: str


@dataclass(frozen=True)
class Move:
    line: int
    site_id: int
    site: str
    group: str
    from_territory: str
    to_territory: str


@dataclass(frozen=True)
class Problem:
    line: int
    refusal: Refused


@dataclass
class Plan:
    """What applying the list does: sites that move, sites already in place, lines that
    matched no site, and lines that cannot be used."""

    moves: list[Move] = field(default_factory=list)
    in_place: list[Move] = field(default_factory=list)
    unmatched: list[Line] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def decode(data: bytes) -> str:
    """The uploaded file as text (UTF-8, with or without the mark spreadsheets put first)."""
    if len(data) > MAX_BYTES:
        raise Refused("The list is larger than %(limit)s MB.", limit=MAX_BYTES // (1024 * 1024))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused("The list is not UTF-8 text: save it as “CSV UTF-8” and upload it "
                      "again.") from None


def read_lines(text: str) -> tuple[list[Line], list[Problem]]:
    """The usable lines of a CSV list, and why the others cannot be used.

    The first line names the columns: `territory`, and `postcode` or `municipality_code`
    (or both, one filled in on each line). Commas, semicolons and tabs all work.
    """
    if len(text) > MAX_BYTES:
        raise Refused("The list is larger than %(limit)s MB.", limit=MAX_BYTES // (1024 * 1024))
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader, [])]
    if "territory" not in header or not any(key in header for key in KEYS):
        raise Refused("The first line must name the columns: “territory” and “postcode” or "
                      "“municipality_code”.")
    where = {name: header.index(name) for name in ("territory", *KEYS) if name in header}
    lines, problems = [], []
    for number, row in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            raise Refused("The list has more than %(limit)d lines.", limit=MAX_ROWS)
        cells = {name: row[i].strip() if i < len(row) else "" for name, i in where.items()}
        if not any(cells.values()):
            continue
        filled = [key for key in KEYS if cells.get(key)]
        if len(filled) != 1:
            problems.append(Problem(number, Refused(
                "Fill in a postcode or a municipality code, one of the two.")))
        elif not cells["territory"]:
            problems.append(Problem(number, Refused("The territory is missing.")))
        else:
            lines.append(Line(number, filled[0], cells[filled[0]], cells["territory"]))
    return lines, problems


def plan_assignment(session: Session, *, text: str, actor: Actor) -> Plan:
    """What the list would move, without moving anything."""
    access.require(actor, "manage_territories")
    return _plan(session, text)


def apply_assignment(session: Session, *, text: str, actor: Actor) -> Plan:
    """Move every site the list names to its territory, as planned at this moment."""
    access.require(actor, "manage_territories")
    with write_transaction(session):
        plan = _plan(session, text, lock=True)
        for move in plan.moves:
            site = session.get(Site, move.site_id)
            territory = session.exec(select(Territory).where(
                Territory.name == move.to_territory)).one()
            assert site is not None
            site.territory_id = territory.id or 0
            session.add(site)
    return plan


def _plan(session: Session, text: str, *, lock: bool = False) -> Plan:
    lines, problems = read_lines(text)
    plan = Plan(problems=problems)
    territories = {t.name.lower(): t for t in session.exec(select(Territory)).all()}
    stmt = select(Site, RepairGroup.name, Territory.name).join(
        RepairGroup, col(RepairGroup.id) == Site.group_id).join(
        Territory, col(Territory.id) == Site.territory_id).order_by(col(Site.id))
    if lock:
        stmt = stmt.with_for_update(of=Site)  # type: ignore[arg-type]
    sites = session.exec(stmt).all()
    by_postcode: dict[str, list[tuple[Site, str, str]]] = {}
    by_code: dict[str, list[tuple[Site, str, str]]] = {}
    for site, group, territory in sites:
        if site.postcode:
            by_postcode.setdefault(postcode_key(site.postcode), []).append((site, group, territory))
        if site.municipality_code:
            by_code.setdefault(site.municipality_code.lower(), []).append(
                (site, group, territory))
    placed: dict[int, Line] = {}
    for line in lines:
        target = territories.get(line.territory.lower())
        if target is None:
            plan.problems.append(Problem(line.number, Refused(
                "No territory called “%(name)s”.", name=line.territory)))
            continue
        index, key = ((by_postcode, postcode_key(line.value)) if line.kind == "postcode"
                      else (by_code, line.value.lower()))
        matches = index.get(key, [])
        if not matches:
            plan.unmatched.append(line)
        for site, group, current in matches:
            earlier = placed.get(site.id or 0)
            if earlier is not None:
                if earlier.territory.lower() != target.name.lower():
                    plan.problems.append(Problem(line.number, Refused(
                        "%(site)s is already placed in %(territory)s by line %(line)d.",
                        site=site.name, territory=earlier.territory, line=earlier.number)))
                continue
            placed[site.id or 0] = line
            move = Move(line.number, site.id or 0, site.name, group, current, target.name)
            (plan.in_place if site.territory_id == target.id else plan.moves).append(move)
    plan.problems.sort(key=lambda problem: problem.line)
    return plan

