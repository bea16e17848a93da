"""The metrics document of the specification. Pure.

A seller's daily snapshot keeps, per store and window, the pooled `Counts` (and those of
the window just before, as they stood at its own end, and of the window a week ahead if
nothing new happens), and per store the benchmark figures; any set of stores is rendered
from it without further reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta

from csinsights.domain.benchmarks import Benchmark
from csinsights.domain.catalogue import BENCHMARK_WINDOW, PROJECTION_DAYS
from csinsights.domain.catalogue import WINDOWS as WINDOWS
from csinsights.domain.document import (
    CollectiveMetrics,
    MetricsDocument,
    StoreEntry,
    StoreMetrics,
    Window,
)
from csinsights.domain.figures import Scope
from csinsights.domain.figures import rounded as rounded
from csinsights.domain.metrics import METRICS, Counts
from csinsights.domain.targets import RenderRules


def _iso(day: date) -> str:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_document(
    seller_id: str,
    as_of_day: date,
    window_days: int,
    counts: Mapping[str, Counts],
    benchmarks: Mapping[str, Mapping[str, Benchmark]],
    stores: Iterable[str] | None = None,
    previous: Mapping[str, Counts] | None = None,
    rules: RenderRules | None = None,
    projected: Mapping[str, Counts] | None = None,
    *,
    arrival_kept: bool = True,
) -> MetricsDocument:
    """The metrics document for `stores` (default all in `counts`), as of the end of
    `as_of_day`; `counts` holds each store's counts over this window, `previous` over the
    window just before as of its own end (a store without them had nothing then),
    `projected` over this window `PROJECTION_DAYS` ahead if nothing new happens (a view
    with a store without them, as in a snapshot published before they were kept, shows
    no projection: null, never a guess); `arrival_kept` whether `counts` hold arrival
    cells (`by_arrival` is null if not)."""
    rules = rules or RenderRules()
    previous = previous or {}
    projected = projected or {}
    chosen = sorted(stores if stores is not None else counts)
    judged = window_days == BENCHMARK_WINDOW
    end = as_of_day + timedelta(days=1)
    ahead = _iso(end + timedelta(days=PROJECTION_DAYS))
    before = {store: previous.get(store, Counts()) for store in chosen}
    collective = Scope(
        sum((counts[s] for s in chosen), Counts()),
        sum(before.values(), Counts()),
        rules.targets(None),
        rules.min_sample,
        None,
        False,
        (ahead, sum((projected[s] for s in chosen), Counts()))
        if all(s in projected for s in chosen)
        else None,
        arrival_kept=arrival_kept,
    )
    by_store = []
    for store in chosen:
        scope = Scope(
            counts[store],
            before[store],
            rules.targets(store),
            rules.min_sample,
            dict(benchmarks.get(store, {})) if judged else {},
            judged,
            (ahead, projected[store]) if store in projected else None,
            arrival_kept=arrival_kept,
        )
        metrics = StoreMetrics.model_validate({m: scope.metric(m) for m in METRICS})
        by_store.append(StoreEntry(store_id=store, metrics=metrics))
    return MetricsDocument(
        seller_id=seller_id,
        stores=chosen,
        as_of=_iso(end),
        data_through=as_of_day.isoformat(),
        window=Window(
            start=_iso(end - timedelta(days=window_days)), end=_iso(end), days=window_days
        ),
        metrics=CollectiveMetrics.model_validate({m: collective.metric(m) for m in METRICS}),
        by_store=by_store,
    )
