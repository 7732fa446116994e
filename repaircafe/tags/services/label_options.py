"""What the label forms offer: layouts, printers, recent café sessions and bins of the actor's
group, and the defaults for printing one label."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from repaircafe.core import access
from repaircafe.domain.actors import Actor
from repaircafe.models import Item, PrinterProfile, RepairSession, Site, StockBin
from repaircafe.tags.services.layouts import Catalogue, layout_catalogue


@dataclass(frozen=True)
class SessionChoice:
    id: int
    title: str
    held_on: object
    objects: int


@dataclass(frozen=True)
class SheetOptions:
    """What the label pages offer: layouts (and broken layout files), printers, sessions, bins."""

    catalogue: Catalogue
    profiles: list[tuple[PrinterProfile, Site]]
    sessions: list[SessionChoice]
    bins: list[StockBin]


def sheet_options(
    session: Session, *, actor: Actor, extra_dirs: Iterable[str | Path] = (), recent: int = 20
) -> SheetOptions:
    """Everything the label forms list, limited to the actor's group."""
    profiles = (
        select(PrinterProfile, Site)
        .join(Site, col(Site.id) == col(PrinterProfile.site_id))
        .where(access.scope_filter(actor, PrinterProfile, write=True))
        .order_by(col(Site.name), col(PrinterProfile.name))
    )
    sessions = (
        select(RepairSession, Site, func.count(col(Item.id)))
        .join(Site, col(Site.id) == col(RepairSession.site_id))
        .join(Item, col(Item.current_session_id) == col(RepairSession.id), isouter=True)
        .where(access.scope_filter(actor, RepairSession, write=True))
        .group_by(col(RepairSession.id), col(Site.id))
        .order_by(col(RepairSession.held_on).desc(), col(RepairSession.id).desc())
        .limit(recent)
    )
    bins = select(StockBin).where(access.scope_filter(actor, StockBin, write=True)).order_by(
        col(StockBin.name))
    return SheetOptions(
        catalogue=layout_catalogue(extra_dirs),
        profiles=[(p, s) for p, s in session.exec(profiles).all()],
        sessions=[
            SessionChoice(rs.id or 0, rs.title or site.name, rs.held_on, count)
            for rs, site, count in session.exec(sessions).all()
        ],
        bins=list(session.exec(bins).all()),
    )


def single_defaults(options: SheetOptions, default_layout: str) -> dict[str, str]:
    """For one label: the first roll printer if there is one, else the configured layout."""
    for profile, _site in options.profiles:
        layout = options.catalogue.layouts.get(profile.layout)
        if layout is not None and layout.is_roll:
            return {"profile": str(profile.id)}
    if options.profiles:
        return {"profile": str(options.profiles[0][0].id)}
    return {"layout": default_layout}
