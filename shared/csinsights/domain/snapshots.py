"""The metrics document of a published snapshot: what the scheduled run renders into the
day's insights reports and what the API serves, from the same record."""

from __future__ import annotations

from csinsights.domain.document import MetricsDocument
from csinsights.domain.documents import BENCHMARK_WINDOW, render_document
from csinsights.domain.run import Snapshot
from csinsights.domain.targets import RenderRules


def document_from_snapshot(
    snapshot: Snapshot,
    window_days: int = BENCHMARK_WINDOW,
    stores: list[str] | None = None,
    *,
    rules: RenderRules | None = None,
) -> MetricsDocument:
    """Render the spec's metrics document for any of the snapshot's stores; `rules` (the
    configuration's minimum sample and per-store targets) default to the specification's."""
    return render_document(
        snapshot.seller_id,
        snapshot.as_of_day,
        window_days,
        {store: windows[window_days] for store, windows in snapshot.stores.items()},
        snapshot.benchmarks,
        stores,
        {
            store: windows[window_days]
            for store, windows in snapshot.previous.items()
            if window_days in windows
        },
        rules,
        {
            store: windows[window_days]
            for store, windows in snapshot.projected.items()
            if window_days in windows
        },
        arrival_kept=snapshot.arrival_kept,
    )
