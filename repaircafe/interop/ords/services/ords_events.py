"""What the events of an imported ORDS record hold: their idempotency keys, payloads, time of
day and the state they leave the object in."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any

from repaircafe.domain import lifecycle

ACTOR_NAME = "ORDS import"
KEY_LIMIT = 120


def event_key(provider: str, source_id: str, suffix: str) -> str:
    """The idempotency key of an imported event: the same record always gives the same key."""
    key = f"ords:{provider}:{source_id}:{suffix}"
    if len(key) <= KEY_LIMIT:
        return key
    digest = hashlib.sha256(f"{provider}\x00{source_id}".encode()).hexdigest()[:40]
    return f"ords:{digest}:{suffix}"


def registered_payload(code: str) -> str:
    """The stored JSON payload of an imported object's `registered` event."""
    return json.dumps({"code": code, "is_donor": False, "weight_kg": None, "source": "ords"})


def attempt_payload(outcome: str, barrier: int | None, group_identifier: str) -> dict[str, Any]:
    """The payload of an imported `repair_attempted` event; `group_identifier` is the ORDS
    record's, kept as written so that an export gives it back."""
    return {"outcome": outcome, "barrier": barrier, "minutes": None, "fixer": "",
            "group_identifier": group_identifier}


@lru_cache(maxsize=4096)
def at_noon(day: date) -> datetime:
    """When an imported event happened: noon UTC of its day, the same day in any time zone."""
    return datetime.combine(day, time(12), tzinfo=UTC)


@lru_cache(maxsize=64)
def state_after_import(outcome: str, barrier: int | None) -> str:
    """An imported object's state: its two events replayed by the lifecycle rules."""
    state = lifecycle.project_item([
        lifecycle.EventFact(1, "registered", {}),
        lifecycle.EventFact(2, "repair_attempted", {"outcome": outcome, "barrier": barrier}),
    ])
    assert state is not None
    return state
