"""When the volunteer pressed Save, as a tablet that was offline reports it.

A write queued offline reaches the server minutes or days later; its event should carry the time
it happened, not the time it arrived. A tablet's clock can be wrong, so only a time within
bounds is believed: never later than now (a clock a little fast is read as now), never older
than the oldest queue a tablet may plausibly bring back.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

FAST_CLOCK = timedelta(minutes=5)
OLDEST = timedelta(days=14)


def occurred_at(text: str | None, now: datetime) -> datetime | None:
    """The reported time in UTC, or None to use the server's own.

    None when nothing was sent, when it is not an ISO 8601 time with its offset, when it is more
    than FAST_CLOCK ahead of the server, or older than OLDEST.
    """
    if not text or len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    moment = moment.astimezone(UTC)
    reference = now if now.tzinfo else now.replace(tzinfo=UTC)
    if moment > reference + FAST_CLOCK or moment < reference - OLDEST:
        return None
    return min(moment, reference)
