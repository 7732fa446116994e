"""Creating the objects of new ORDS records in bulk: an object, a linked tag, a `registered`
and a `repair_attempted` event and, when fixed, its impact records, one bulk insert per table
straight through the database driver (bulk.py), with ids reserved up front."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from repaircafe.domain import codes
from repaircafe.interop.ords.services.bulk import BulkWriter
from repaircafe.interop.ords.services.ords_events import (
    ACTOR_NAME,
    at_noon,
    attempt_payload,
    event_key,
    registered_payload,
    state_after_import,
)
from repaircafe.interop.ords.services.ords_impacts import CategoryInfo, Impacts
from repaircafe.interop.ords.services.ords_places import Places
from repaircafe.interop.ords.services.ords_rows import OrdsRecord
from repaircafe.models import ImpactRecord, Item, LifecycleEvent, Tag

ITEM = Item.__table__  # type: ignore[attr-defined]
TAG = Tag.__table__  # type: ignore[attr-defined]
EVENT = LifecycleEvent.__table__  # type: ignore[attr-defined]
IMPACT = ImpactRecord.__table__  # type: ignore[attr-defined]

# The columns each bulk insert writes, in the order of its row tuples. Every column is given:
# the models' defaults live in Python, not in the database.
ITEM_COLUMNS = ("id", "group_id", "site_id", "category_id", "brand", "model", "problem",
                "weight_kg", "weight_source", "product_age_years", "state", "is_donor",
                "owner_id", "current_session_id", "registered_at", "updated_at",
                "source_provider", "source_id", "country", "partner_category")
TAG_COLUMNS = ("code", "status", "kind", "group_id", "item_id", "part_id", "bin_id",
               "issued_at", "linked_at", "retired_at")
EVENT_COLUMNS = ("id", "item_id", "part_id", "kind", "payload", "public_note", "internal_note",
                 "actor_id", "actor_name", "repair_session_id", "occurred_at", "recorded_at",
                 "idempotency_key", "corrects_id")
IMPACT_COLUMNS = ("event_id", "item_id", "part_id", "kind", "factor_set", "factor_version",
                  "weight_kg", "weight_source", "waste_prevented_kg", "co2e_avoided_kg",
                  "co2e_avoided_conservative_kg", "material", "is_void", "computed_at")


class Creator:
    """Writes new records; keeps the stored attempt payloads between chunks."""

    def __init__(self, writer: BulkWriter, places: Places, categories: dict[int, CategoryInfo],
                 impacts: Impacts, *, group: str | None, now: datetime) -> None:
        self.writer = writer
        self.places = places
        self.categories = categories
        self.impacts = impacts
        self.group = group
        self.now = now
        self.attempt_payloads: dict[tuple[str, int | None, str], str] = {}

    def create(self, records: list[OrdsRecord]) -> None:
        """New objects with their tag, two events and impact: one bulk insert per table.

        Object and event ids are reserved first, so tags, events and impact records can point
        at them without reading anything back. Rows are built as the driver takes them, so on
        PostgreSQL the server stores one while the next is being made.
        """
        if not records:
            return
        places = self._places_of(records)
        item_ids = self.writer.reserve_ids(ITEM, len(records))
        event_ids = self.writer.reserve_ids(EVENT, 2 * len(records))
        tag_codes = codes.new_codes(len(records))
        self.writer.insert(ITEM, ITEM_COLUMNS, self._item_rows(records, places, item_ids))
        self.writer.insert(TAG, TAG_COLUMNS, self._tag_rows(places, item_ids, tag_codes))
        self.writer.insert(EVENT, EVENT_COLUMNS,
                           self._event_rows(records, places, item_ids, tag_codes, event_ids))
        self.writer.insert(IMPACT, IMPACT_COLUMNS,
                           self._impact_rows(records, item_ids, event_ids[1::2]))

    def _places_of(self, records: list[OrdsRecord]) -> list[tuple[int, int, int]]:
        """(group, site, café session) of each record, creating the ones not there yet."""
        sites = []
        wanted: dict[tuple[int, date], str] = {}
        place = self.places.place
        for record in records:
            group_id, site_id = place(self.group or record.provider, record)
            sites.append((group_id, site_id))
            wanted[(site_id, record.event_date)] = record.group_identifier or record.provider
        self.places.load_sessions(wanted, self.now)
        sessions = self.places.sessions
        return [(group_id, site_id, sessions[(site_id, record.event_date)])
                for record, (group_id, site_id) in zip(records, sites, strict=True)]

    def _category_id(self, record: OrdsRecord) -> int | None:
        category = self.categories.get(record.category_ords_id or 0)
        return category.id if category else None

    def _item_rows(self, records: list[OrdsRecord], places: list[tuple[int, int, int]],
                   item_ids: list[int]) -> Iterator[tuple[Any, ...]]:
        now = self.writer.datetime(self.now)
        for record, (group_id, site_id, session_id), item_id in zip(
                records, places, item_ids, strict=True):
            yield (item_id, group_id, site_id, self._category_id(record), record.brand, "",
                   record.problem, None, None, record.product_age,
                   state_after_import(record.outcome, record.barrier), False, None, session_id,
                   self.writer.datetime(at_noon(record.event_date)), now, record.provider,
                   record.source_id, record.country, record.partner_category)

    def _tag_rows(self, places: list[tuple[int, int, int]], item_ids: list[int],
                  tag_codes: list[str]) -> Iterator[tuple[Any, ...]]:
        now = self.writer.datetime(self.now)
        for (group_id, _site, _session), item_id, code in zip(
                places, item_ids, tag_codes, strict=True):
            yield (code, "linked", "item", group_id, item_id, None, None, now, now, None)

    def _event_rows(self, records: list[OrdsRecord], places: list[tuple[int, int, int]],
                    item_ids: list[int], tag_codes: list[str], event_ids: list[int]
                    ) -> Iterator[tuple[Any, ...]]:
        """`registered` then `repair_attempted` for each object, at noon of the event day."""
        now = self.writer.datetime(self.now)
        for index, record in enumerate(records):
            item_id = item_ids[index]
            common = ("", "", None, ACTOR_NAME, places[index][2],
                      self.writer.datetime(at_noon(record.event_date)), now)
            yield (event_ids[2 * index], item_id, None, "registered",
                   registered_payload(tag_codes[index]), *common,
                   event_key(record.provider, record.source_id, "registered"), None)
            yield (event_ids[2 * index + 1], item_id, None, "repair_attempted",
                   self._attempt_payload(record.outcome, record.barrier,
                                         record.group_identifier), *common,
                   event_key(record.provider, record.source_id, "repair_attempted"), None)

    def _attempt_payload(self, outcome: str, barrier: int | None, group_identifier: str) -> str:
        """The stored payload of an imported repair attempt: its outcome, and the record's
        group identifier exactly as the file wrote it (the site it is filed at may be renamed,
        and a row without one is filed at a site named after its provider). A file has a few
        hundred distinct ones at most."""
        key = (outcome, barrier, group_identifier)
        if key not in self.attempt_payloads:
            self.attempt_payloads[key] = self.writer.json(
                attempt_payload(outcome, barrier, group_identifier))
        return self.attempt_payloads[key]

    def _impact_rows(self, records: list[OrdsRecord], item_ids: list[int],
                     attempted_ids: list[int]) -> Iterator[tuple[Any, ...]]:
        now = self.writer.datetime(self.now)
        for record, item_id, event_id in zip(records, item_ids, attempted_ids, strict=True):
            if record.outcome == "fixed":
                category = self.categories.get(record.category_ords_id or 0)
                for values in self.impacts.values(category):
                    yield (event_id, item_id, None, *values, now)
