"""Reading what ingest stored, for the ingest tests: a seller store's aggregate counters
as of a day, and the table's items by key."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from csinsights.config import Settings
from csinsights.store.ingest import IngestStore
from csinsights.store.run import RunStore
from csinsights_local.stack import Deployment
from tests.definitions import as_of
from tests.state import table_items

SELLER = "A1SELLER"
Key = tuple[str, date, str]


def day(n: int) -> date:
    """A day of October 2026 (safely in the past: nothing is rejected as future)."""
    return date(2026, 10, n)


def repository(stack: Deployment) -> IngestStore:
    return IngestStore(settings=Settings(table_name=stack.outputs["EventsTableName"]))


def stored(stack: Deployment, as_of_day: date, store: str = "US") -> Counter[Key]:
    """The pipeline's aggregate counters as of the end of `as_of_day`."""
    settings = repository(stack).settings
    items = RunStore(settings=settings).aggregates(
        SELLER, store, date(2026, 9, 1), date(2026, 12, 31)
    )
    return as_of(((i.belongs, i.effective, i.counters) for i in items), as_of_day)


def both(belongs: date, counter: str, value: int = 1) -> dict[Key, int]:
    """The same counter in the `all` and the self-fulfilled `sf` scope."""
    return {("all", belongs, counter): value, ("sf", belongs, counter): value}


def all_items(table: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(item["pk"]["S"], item["sk"]["S"]): item for item in table_items(table)}
