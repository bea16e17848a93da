"""What "as of" means, the end of a UTC day, and the one way an instant is written for
people and clients: UTC to the second, `2026-11-20T00:00:00Z`. Shared by the scheduled
run, the read side, the reports, the alerts and the command line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

TIMESTAMP = "%Y-%m-%dT%H:%M:%SZ"


def timestamp(at: datetime) -> str:
    """An instant as every document, report, alert and answer of the API writes it."""
    return at.astimezone(UTC).strftime(TIMESTAMP)


def parse_timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text)


def end_of(day: date) -> datetime:
    """The instant `T` that ends `day`: its next UTC midnight."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)


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
