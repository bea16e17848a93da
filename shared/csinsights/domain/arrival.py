"""When contacts arrive (`by_arrival`): the local weekday and part of the day a contact was
received in, in its store's time zone. Pure: no I/O.

A contact's cell is decided when the contact is first counted: the zone its store had
then is kept on the contact (`ContactState.time_zone`), and every later change of the
contact counts it in that zone, so its cell moves only when its earliest message does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""`datetime.weekday()` order."""
PARTS: Final = ("night", "morning", "afternoon", "evening")
"""Six hours each, from local midnight: [00, 06), [06, 12), [12, 18), [18, 24)."""
PART_HOURS: Final = 6
CELLS: Final = tuple(f"{day}_{part}" for day in WEEKDAYS for part in PARTS)
"""The 28 cells, Monday night first: `<weekday>_<part>`, e.g. `fri_evening`."""

DEFAULT_ZONE: Final = "UTC"
DEFAULT_STORE_TIME_ZONES: Final[dict[str, str]] = {
    "US": "America/Los_Angeles",
    "CA": "America/Los_Angeles",
    "MX": "America/Mexico_City",
    "BR": "America/Sao_Paulo",
    "UK": "Europe/London",
    **dict.fromkeys(("DE", "FR", "IT", "ES", "NL", "SE", "PL", "BE"), "Europe/Berlin"),
    "JP": "Asia/Tokyo",
    "AU": "Australia/Sydney",
    "IN": "Asia/Kolkata",
}
"""The specification's store time zones; any other store is on UTC."""


def store_time_zone(store: str, overrides: dict[str, str] | None = None) -> str:
    """A store's IANA time zone: the configuration's, else the specification's default."""
    if overrides and store in overrides:
        return overrides[store]
    return DEFAULT_STORE_TIME_ZONES.get(store, DEFAULT_ZONE)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The zone of an IANA name; `ValueError` naming it when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def arrival_cell(received: datetime, time_zone: str) -> str:
    """The cell of a moment: its local weekday and part of the day in `time_zone`, by that
    zone's rules for that instant (daylight saving time included)."""
    local = received.astimezone(UTC).astimezone(zone(time_zone))
    return f"{WEEKDAYS[local.weekday()]}_{PARTS[local.hour // PART_HOURS]}"


def by_arrival(
    contacts: Mapping[str, int], within_24h: Mapping[str, int], late: Mapping[str, int]
) -> dict[str, dict[str, dict[str, int]]]:
    """The document's `by_arrival`: weekday -> part -> the cell's three figures, all 28
    cells (zeros included)."""
    return {
        day: {
            part: {
                "contacts": contacts.get(f"{day}_{part}", 0),
                "within_24h": within_24h.get(f"{day}_{part}", 0),
                "late": late.get(f"{day}_{part}", 0),
            }
            for part in PARTS
        }
        for day in WEEKDAYS
    }
