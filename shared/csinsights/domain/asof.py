"""What "as of" means: the end of a UTC day. Shared by the scheduled run, the read side
and the command line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def last_complete_day(now: datetime) -> date:
    """The scheduled run computes as of the end of the last complete UTC day."""
    return now.astimezone(UTC).date() - timedelta(days=1)


def parse_as_of(text: str) -> date:
    """`2026-11-20T00:00:00Z` (a UTC midnight, the end of 19 Nov) or `2026-11-19` (its
    end): returns the last included day."""
    if "T" not in text and "t" not in text:
        return date.fromisoformat(text)
    instant = datetime.fromisoformat(text)
    if instant.tzinfo is None:
        raise ValueError("as_of must carry an offset, e.g. 2026-11-20T00:00:00Z")
    instant = instant.astimezone(UTC)
    if instant != instant.replace(hour=0, minute=0, second=0, microsecond=0):
        raise ValueError("as_of must be a UTC midnight (the end of a day) or a date")
    return instant.date() - timedelta(days=1)
