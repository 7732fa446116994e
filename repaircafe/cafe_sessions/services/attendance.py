"""Who came to a café session: visitors, volunteers and their hours, counted after the day.

An empty field is "not recorded", which reports keep apart from a count of 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlmodel import Session

from repaircafe.cafe_sessions.services.schedule import WRITE
from repaircafe.core import access
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import Refused
from repaircafe.domain.messages import N_, Phrase
from repaircafe.models import RepairSession

MAX_PEOPLE = 10_000
MAX_HOURS = 10_000.0


@dataclass(frozen=True)
class AttendanceInput:
    """The attendance form as typed; empty text means not recorded."""

    visitors: str = ""
    volunteers: str = ""
    volunteer_hours: str = ""
    notes: str = ""


def parse_count(text: str, field: str) -> int | None:
    """A number of people, None when left empty."""
    text = (text or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_PEOPLE:
        raise Refused("%(field)s: “%(text)s” is not a number of people (leave it empty if "
                      "nobody counted).", field=Phrase(field), text=text)
    return int(text)


def parse_hours(text: str) -> float | None:
    """Volunteer hours ("12", "12.5" or "12,5"), None when left empty."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        value = math.nan
    if not (0 <= value <= MAX_HOURS):
        raise Refused("Volunteer hours: “%(text)s” is not a number of hours, for example 12.5.",
                      text=text)
    return round(value, 2)


def record_attendance(session: Session, *, repair_session_id: int, data: AttendanceInput,
                      actor: Actor) -> RepairSession:
    """Save the counts (again, whenever a late sheet turns up); empty fields are not recorded."""
    access.require(actor, WRITE)
    visitors = parse_count(data.visitors, N_("Visitors"))
    volunteers = parse_count(data.volunteers, N_("Volunteers"))
    hours = parse_hours(data.volunteer_hours)
    notes = values.clean_text(data.notes, limit=2000, field=N_("Notes"))
    with write_transaction(session):
        found = access.load(session, RepairSession, repair_session_id, actor, write=True,
                            lock=True)
        found.visitors, found.volunteers, found.volunteer_hours = visitors, volunteers, hours
        found.notes = notes
        session.add(found)
    return found
