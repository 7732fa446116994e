"""Printer profiles: per site, a printer's label layout and the offsets that line it up.

Every printer shifts (and some scale) the page by a few millimetres; a profile stores
what the calibration page showed, so every later sheet comes out straight.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.core.transactions import write_transaction
from repaircafe.domain import values
from repaircafe.domain.actors import Actor
from repaircafe.domain.errors import NotFound, Refused
from repaircafe.domain.messages import N_, Phrase
from repaircafe.models import PrinterProfile, Site
from repaircafe.tags.services import layouts

MAX_OFFSET_MM = 20.0
MIN_SCALE, MAX_SCALE = 0.9, 1.1


@dataclass(frozen=True)
class ProfileInput:
    """A profile as typed into the form (text), checked by ``save_profile``."""

    site_id: int | None
    name: str
    layout: str
    offset_x_mm: str | float = 0.0
    offset_y_mm: str | float = 0.0
    scale: str | float = 1.0


@dataclass(frozen=True)
class ProfileRow:
    profile: PrinterProfile
    site: Site


def profiles_for(session: Session, *, actor: Actor) -> list[ProfileRow]:
    """Printer profiles at the actor's sites, by site then name."""
    query = (
        select(PrinterProfile, Site)
        .join(Site, col(Site.id) == PrinterProfile.site_id)
        .where(access.scope_filter(actor, PrinterProfile, write=True))
        .order_by(col(Site.name), col(PrinterProfile.name))
    )
    return [ProfileRow(p, s) for p, s in session.exec(query).all()]


def _number(text: str | float, field: str, low: float, high: float) -> float:
    if isinstance(text, int | float):
        value = float(text)
    else:
        cleaned = text.strip().replace(",", ".").replace("\u2212", "-")
        if not cleaned:
            return 0.0 if field != "Scale" else 1.0
        try:
            value = float(cleaned)
        except ValueError:
            raise Refused("%(field)s must be a number, not “%(text)s”.",
                          field=Phrase(field), text=text.strip()) from None
    if not low <= value <= high:
        raise Refused("%(field)s must be between %(low)s and %(high)s.",
                      field=Phrase(field), low=f"{low:g}", high=f"{high:g}")
    return value


def _checked(
    session: Session, actor: Actor, data: ProfileInput, extra_dirs: Iterable[str | Path]
) -> dict[str, object]:
    if not access.can_write(session, actor, Site, data.site_id):
        raise NotFound("Choose one of your sites.")
    site = session.get(Site, data.site_id)
    assert site is not None
    name = values.clean_text(data.name, limit=120, field=N_("Name"))
    if not name:
        raise Refused("Give the printer a name, e.g. “Office laser”.")
    layouts.find_layout(data.layout, extra_dirs)
    return dict(
        site_id=site.id,
        name=name,
        layout=data.layout,
        offset_x_mm=_number(data.offset_x_mm, N_("Offset x"), -MAX_OFFSET_MM, MAX_OFFSET_MM),
        offset_y_mm=_number(data.offset_y_mm, N_("Offset y"), -MAX_OFFSET_MM, MAX_OFFSET_MM),
        scale=_number(data.scale, N_("Scale"), MIN_SCALE, MAX_SCALE),
    )


def save_profile(
    session: Session,
    *,
    actor: Actor,
    data: ProfileInput,
    profile_id: int | None = None,
    extra_dirs: Iterable[str | Path] = (),
) -> PrinterProfile:
    """Create a profile, or change one; the values are checked before anything is written.

    Saving is idempotent: the same values sent twice leave one profile with those values
    (a repeated creation finds the profile it made the first time).
    """
    if profile_id is not None:
        layouts.printer_profile(session, actor=actor, profile_id=profile_id)
    fields = _checked(session, actor, data, extra_dirs)
    same_name = session.exec(
        select(PrinterProfile).where(
            PrinterProfile.site_id == fields["site_id"], PrinterProfile.name == fields["name"]
        )
    ).one_or_none()
    if same_name is not None and same_name.id != profile_id:
        if profile_id is None and all(getattr(same_name, k) == v for k, v in fields.items()):
            return same_name
        raise Refused("This site already has a printer called “%(name)s”.",
                      name=fields["name"])
    try:
        with write_transaction(session):
            profile = (
                session.get(PrinterProfile, profile_id) if profile_id is not None
                else PrinterProfile(**fields)  # type: ignore[arg-type]
            )
            if profile is None:
                raise NotFound("That printer profile does not exist.")
            for key, value in fields.items():
                setattr(profile, key, value)
            session.add(profile)
    except IntegrityError:
        raise Refused("This site already has a printer called “%(name)s”.",
                      name=fields["name"]) from None
    return profile


def delete_profile(session: Session, *, actor: Actor, profile_id: int) -> None:
    """Remove a profile; batches printed with it keep the offsets they were printed with."""
    profile = session.get(PrinterProfile, profile_id)
    if profile is None:
        return
    layouts.printer_profile(session, actor=actor, profile_id=profile_id)
    with write_transaction(session):
        profile = session.get(PrinterProfile, profile_id)
        if profile is not None:
            session.delete(profile)
