"""What the scheduled run computes and publishes, pure: a seller store's counts of the day
(every served window, the window before each, the same window a week ahead if nothing new
happens, the self-fulfilled counts the store's benchmarks rank) and a seller's published
day, the snapshot the API serves. Their stored forms are `store.codecs`'s."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from csinsights.domain.benchmarks import Benchmark
from csinsights.domain.catalogue import BENCHMARK_WINDOW, PROJECTION_DAYS, WINDOWS
from csinsights.domain.metrics import (
    COMPARED_METRICS,
    Counts,
    Deltas,
    compute,
    last_complete_months,
    pooled,
)
from csinsights.domain.sharded import MetricInput

RANKING_MONTHS = 3
"""The complete calendar months the top performers are ranked over."""


def activity_start(day: date) -> date:
    """First day whose items make a store part of a seller's figures as of the end of
    `day`: the longest window, or back to the first of the ranking months."""
    months = last_complete_months(day, RANKING_MONTHS)
    return min(day - timedelta(days=max(WINDOWS) - 1), months[-1][0])


def lookback_start(day: date) -> date:
    """First day any figure as of the end of `day` needs: the previous period of the
    longest window starts two of its lengths back."""
    return min(day - timedelta(days=2 * max(WINDOWS) - 1), activity_start(day))


@dataclass(frozen=True)
class AggregateItem:
    """One stored item of a seller store's daily aggregate deltas: the counters that took
    effect on `effective` for the items of day `belongs`."""

    belongs: date
    effective: date
    counters: Mapping[str, int]


@dataclass
class SellerStoreCounts:
    windows: dict[int, Counts]
    self_fulfilled: Counts
    months: list[Counts]
    previous: dict[int, Counts]
    """Per window `w`, the counts over the `w` days before it, as of that period's end."""
    projected: dict[int, Counts] = field(default_factory=dict)
    """Per window `w`, the counts over the `w` days ending `PROJECTION_DAYS` later, as they
    will stand then if nothing new happens (`projected`)."""


def seller_store_counts(items: Iterable[AggregateItem], day: date) -> SellerStoreCounts:
    """A seller store's counts as of the end of `day`, from its aggregate items of the
    lookback (those that took effect after `day` are not seen)."""
    deltas: dict[date, list[tuple[date, Mapping[str, int]]]] = defaultdict(list)
    for i in items:
        if i.effective <= day:
            deltas[i.belongs].append((i.effective, i.counters))
    windows = dict(
        zip(
            WINDOWS,
            pooled(deltas, "all", [(day - timedelta(days=w - 1), day) for w in WINDOWS]),
            strict=True,
        )
    )
    # What the dashboard showed at the previous period's end: a vote changed or a reply
    # sent after it belongs to today's figures only.
    before = [(day - timedelta(days=2 * w - 1), day - timedelta(days=w)) for w in WINDOWS]
    previous = {
        w: counts.summarised()
        for w, counts in zip(WINDOWS, pooled(deltas, "all", before), strict=True)
    }
    ranked = [(day - timedelta(days=BENCHMARK_WINDOW - 1), day)]
    ranked += last_complete_months(day, RANKING_MONTHS)
    self_fulfilled, *months = pooled(deltas, "sf", ranked)
    return SellerStoreCounts(
        windows, self_fulfilled, months, previous, projected_counts(deltas, day)
    )


def projected_counts(deltas: Deltas, day: date) -> dict[int, Counts]:
    """Per served window, its counts as of the end of `day + PROJECTION_DAYS` if nothing new
    happens by then: the window slid by as many days over the deltas that took effect by
    the end of `day` (the only ones `deltas` holds). Exact from the same counters: nothing
    after `day` takes effect, so every figure stays as it stood then but for the contacts
    still unanswered, counted by the hours into their day they arrived, whose age the
    pool measures at the later end (a pending one gets judged, one can turn late). Kept
    summarised, without the reasons: all a projected figure shows."""
    ahead = day + timedelta(days=PROJECTION_DAYS)
    windows = [(ahead - timedelta(days=w - 1), ahead) for w in WINDOWS]
    return {
        w: replace(counts.summarised(), by_reason=Counter())
        for w, counts in zip(WINDOWS, pooled(deltas, "all", windows), strict=True)
    }


def benchmark_input(counts: SellerStoreCounts) -> dict[str, MetricInput]:
    """What a seller store gives its store's benchmarks: per compared metric, the figure of
    the benchmark window (and its denominator), on self-fulfilled orders, and each ranking
    month's on self-fulfilled orders."""
    current = compute(counts.windows[BENCHMARK_WINDOW])
    self_fulfilled = compute(counts.self_fulfilled)
    months = [compute(c) for c in counts.months]
    return {
        metric: MetricInput(
            current[metric].value,
            current[metric].denominator,
            self_fulfilled[metric].value,
            tuple((m[metric].value, m[metric].denominator) for m in months),
        )
        for metric in COMPARED_METRICS
    }


def active(items: Iterable[AggregateItem], day: date) -> bool:
    """Whether a seller store has any counted item in the activity span, visible as of the
    end of `day`: only then is it part of the seller's figures."""
    start = activity_start(day)
    return any(i.belongs >= start and i.effective <= day for i in items)


@dataclass(frozen=True)
class Snapshot:
    """A seller's published day: each store's counts per served window, the counts of the
    window just before each as they stood at its own end (`previous`), those of each
    window a week ahead if nothing new happens (`projected`: none in a snapshot published
    before they were kept), and each store's benchmarks, as of the end of `as_of_day`."""

    seller_id: str
    as_of_day: date
    stores: Mapping[str, Mapping[int, Counts]]
    benchmarks: Mapping[str, Mapping[str, Benchmark]]
    previous: Mapping[str, Mapping[int, Counts]] = field(default_factory=dict)
    projected: Mapping[str, Mapping[int, Counts]] = field(default_factory=dict)
    arrival_kept: bool = True
    """Whether `stores` hold arrival cells (not in a snapshot published before they were)."""
