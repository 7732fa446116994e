"""The time a queued form says Save was pressed, for the views that record its event."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import request

from repaircafe.models import utc_now
from repaircafe.offline import client_time


def sent_at() -> datetime | None:
    """When the volunteer pressed Save, if the form says so and the time is believable."""
    return client_time.occurred_at(request.form.get("occurred_at"), utc_now())


def sent_at_for(action: Callable[..., Any]) -> dict[str, datetime]:
    """`occurred_at` for a service action that records it, else nothing.

    Bench actions share one view helper; only those whose service takes the time get it, so a
    form sending it to another action is not refused for it.
    """
    if "occurred_at" not in inspect.signature(action).parameters:
        return {}
    moment = sent_at()
    return {"occurred_at": moment} if moment is not None else {}
