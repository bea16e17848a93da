"""The scheduled run on the embedded store, as the state machine runs it (every step of
the template's definition, each child in turn): what the unit-speed tests compare."""

from __future__ import annotations

from datetime import date

from csinsights.domain.run import Snapshot
from csinsights_local.embedded import EmbeddedStore
from csinsights_local.run import Embedded, listed_sellers, run_metrics


def run_day(store: EmbeddedStore, day: date) -> dict[str, Snapshot]:
    """Every listed seller's snapshot of a run as of the end of `day`, by seller."""
    target = Embedded(store)
    result = run_metrics(target, day.isoformat())
    return {
        seller: snapshot
        for seller in listed_sellers(target, result.output)
        if (snapshot := store.snapshot(seller, day)) is not None
    }
