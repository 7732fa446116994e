"""The places of imported ORDS records: repair groups, sites and café sessions, found or
created on first use.

A new site goes to the territory named UNASSIGNED_TERRITORY: nothing in an ORDS row says which
municipality a repair group reports to (a group identifier may even be a code), so an admin
assigns it; a site that exists keeps the territory it has."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session, col

from repaircafe.domain.places import UNASSIGNED_TERRITORY
from repaircafe.interop.ords.services.bulk import BulkWriter
from repaircafe.interop.ords.services.ords_report import ImportReport
from repaircafe.interop.ords.services.ords_rows import OrdsRecord
from repaircafe.models import RepairGroup, RepairSession, Site, Territory

SESSION = RepairSession.__table__  # type: ignore[attr-defined]
SESSION_COLUMNS = ("id", "site_id", "held_on", "title", "created_at")


class Places:
    """Ids of groups, territories, sites and café sessions, created on first use."""

    def __init__(self, session: Session, writer: BulkWriter, report: ImportReport) -> None:
        self.session = session
        self.writer = writer
        self.report = report
        self.reset()

    def reset(self) -> None:
        self.groups: dict[str, int] = {}
        self.territories: dict[str, int] = {}
        self.sites: dict[tuple[int, str], int] = {}
        self.group_sites: dict[tuple[str, str, str], tuple[int, int]] = {}
        self.sessions: dict[tuple[int, date], int] = {}
        self.loaded_sites: set[int] = set()
        self.created = [0, 0, 0]

    def commit_counts(self) -> None:
        self.report.groups += self.created[0]
        self.report.sites += self.created[1]
        self.report.sessions += self.created[2]
        self.created = [0, 0, 0]

    def _scalar(self, stmt: Any) -> int | None:
        return self.session.execute(stmt).scalar_one_or_none()

    def _insert(self, model: Any, values: dict[str, Any]) -> int:
        table = model.__table__
        return self.session.execute(insert(table).returning(table.c.id), [values]).scalar_one()

    def group(self, name: str, provider: str) -> int:
        if name not in self.groups:
            found = self._scalar(select(col(RepairGroup.id)).where(col(RepairGroup.name) == name))
            if found is None:
                found = self._insert(RepairGroup, {"name": name, "data_provider": provider})
                self.created[0] += 1
            self.groups[name] = found
        return self.groups[name]

    def territory(self, name: str) -> int:
        """A territory by name, created without a country: the territory imports create holds
        sites from anywhere until an admin assigns them."""
        if name not in self.territories:
            found = self._scalar(select(col(Territory.id)).where(col(Territory.name) == name))
            if found is None:
                found = self._insert(Territory, {"name": name, "country": ""})
            self.territories[name] = found
        return self.territories[name]

    def place(self, group: str, record: OrdsRecord) -> tuple[int, int]:
        """The group and site of a record; asked once per row, so kept per distinct place."""
        key = (group, record.provider, record.group_identifier)
        found = self.group_sites.get(key)
        if found is None:
            group_id = self.group(group, record.provider)
            found = self.group_sites[key] = (group_id, self.site(group_id, record))
        return found

    def site(self, group_id: int, record: OrdsRecord) -> int:
        """The site of a group identifier: the group's site of that name or, once an admin has
        renamed it, the site whose café sessions an import titled so (each session an import
        creates is titled with its group identifier); else a new site."""
        name = record.group_identifier or record.provider[:120]
        key = (group_id, name)
        if key not in self.sites:
            found = self._scalar(
                select(col(Site.id)).where(col(Site.group_id) == group_id,
                                          col(Site.name) == name)
            )
            if found is None:
                found = self._scalar(
                    select(col(Site.id)).join(RepairSession,
                                              col(RepairSession.site_id) == Site.id)
                    .where(col(Site.group_id) == group_id, col(RepairSession.title) == name)
                    .order_by(col(Site.id)).limit(1)
                )
            if found is None:
                found = self._insert(Site, {"name": name, "group_id": group_id,
                                            "territory_id": self.territory(UNASSIGNED_TERRITORY),
                                            "address": ""})
                self.created[1] += 1
            self.sites[key] = found
        return self.sites[key]

    def load_sessions(self, wanted: dict[tuple[int, date], str], now: datetime) -> None:
        """Find or create the café sessions of a chunk: one read per new site, one insert."""
        new_sites = {site for site, _day in wanted} - self.loaded_sites
        if new_sites:
            rows = self.session.execute(
                select(col(RepairSession.id), col(RepairSession.site_id),
                       col(RepairSession.held_on))
                .where(col(RepairSession.site_id).in_(sorted(new_sites)))
            ).all()
            for session_id, site_id, held_on in rows:
                self.sessions[(site_id, held_on)] = session_id
            self.loaded_sites |= new_sites
        missing = [key for key in wanted if key not in self.sessions]
        if not missing:
            return
        ids = self.writer.reserve_ids(SESSION, len(missing))
        created_at = self.writer.datetime(now)
        self.writer.insert(SESSION, SESSION_COLUMNS, [
            (session_id, site, self.writer.date(day), wanted[(site, day)][:200], created_at)
            for session_id, (site, day) in zip(ids, missing, strict=True)])
        self.sessions.update(zip(missing, ids, strict=True))
        self.created[2] += len(missing)
