"""The scheduled computation, in the three steps the state machine fans out:

1. `compute_seller`: per seller, per store, read the aggregate deltas once and keep the
   windowed counts (all orders, each served window), the counts of the window just before
   each as they stood at its own end, the self-fulfilled counts of the benchmark window
   and of each of the last three calendar months;
2. `compute_store_benchmarks`: per store, store average and top performers from every
   seller's step-1 result;
3. `publish_seller`: per seller, the snapshot the API reads (counts + benchmarks) and the
   reports in S3.

Every read is keyed by seller, store and day: the cost grows with sellers x stores x
days, never with the number of raw events.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from csinsights.domain.benchmarks import Benchmark, store_benchmarks
from csinsights.domain.catalogue import BENCHMARK_WINDOW, RESPONSE_DUE, WINDOWS
from csinsights.domain.contacts import overdue_row
from csinsights.domain.counters import as_of
from csinsights.domain.metrics import Counts, last_complete_months, window_counts
from csinsights.domain.snapshots import document_from_snapshot
from csinsights.domain.targets import RenderRules
from csinsights.models.records import ReportRecord, Snapshot
from csinsights.render.charts import Trend
from csinsights.render.html import to_html
from csinsights.reports import to_csv
from csinsights.store.reports import ReportsStore
from csinsights.store.run import RunStore

RANKING_MONTHS = 3
TREND_DAYS = 28
"""The days the insights page charts, ending with the run's."""
OVERDUE_LISTED = 50
"""Per store, the oldest open contacts the insights page lists (the API lists them all)."""


def activity_start(day: date) -> date:
    """First day whose items make a store part of a seller's figures as of the end of
    `day`: the longest window, or back to the first of the ranking months."""
    months = last_complete_months(day, RANKING_MONTHS)
    return min(day - timedelta(days=max(WINDOWS) - 1), months[-1][0])


def lookback_start(day: date) -> date:
    """First day any figure as of the end of `day` needs: the previous period of the
    longest window starts two of its lengths back."""
    return min(day - timedelta(days=2 * max(WINDOWS) - 1), activity_start(day))


@dataclass
class SellerStoreCounts:
    windows: dict[int, Counts]
    self_fulfilled: Counts
    months: list[Counts]
    previous: dict[int, Counts]
    """Per window `w`, the counts over the `w` days before it, as of that period's end."""

    def to_json(self) -> dict[str, Any]:
        return {
            "windows": {str(w): c.to_json() for w, c in self.windows.items()},
            "previous": {str(w): c.to_json() for w, c in self.previous.items()},
            "self_fulfilled": self.self_fulfilled.to_json(),
            "months": [c.to_json() for c in self.months],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SellerStoreCounts:
        return cls(
            {int(w): Counts.from_json(c) for w, c in data["windows"].items()},
            Counts.from_json(data["self_fulfilled"]),
            [Counts.from_json(c) for c in data["months"]],
            {int(w): Counts.from_json(c) for w, c in data["previous"].items()},
        )


def seller_store_counts(
    items: list[tuple[date, date, dict[str, int]]], day: date
) -> SellerStoreCounts:
    current = as_of(items, day)
    windows = {w: window_counts(current, "all", day - timedelta(days=w - 1), day) for w in WINDOWS}
    # What the dashboard showed at the previous period's end: a vote changed or a reply
    # sent after it belongs to today's figures only.
    previous = {
        w: window_counts(
            as_of(items, day - timedelta(days=w)),
            "all",
            day - timedelta(days=2 * w - 1),
            day - timedelta(days=w),
        ).summarised()
        for w in WINDOWS
    }
    self_fulfilled = window_counts(current, "sf", day - timedelta(days=BENCHMARK_WINDOW - 1), day)
    months = [
        window_counts(as_of(items, last), "sf", first, last)
        for first, last in last_complete_months(day, RANKING_MONTHS)
    ]
    return SellerStoreCounts(windows, self_fulfilled, months, previous)


class MetricsRun:
    def __init__(
        self, repository: RunStore | None = None, reports: ReportsStore | None = None
    ) -> None:
        self.repository = repository or RunStore()
        self.reports = reports

    def plan(self) -> dict[str, list[str]]:
        """Every seller with the stores it has events in."""
        stores: dict[str, list[str]] = defaultdict(list)
        for seller, store in self.repository.seller_stores():
            stores[seller].append(store)
        return {seller: sorted(s) for seller, s in sorted(stores.items())}

    def compute_seller(self, seller: str, stores: list[str], day: date) -> list[str]:
        """Step 1; returns the stores the seller was active in (any counted item in the
        lookback, visible as of `day`)."""
        first, activity = lookback_start(day), activity_start(day)
        active = []
        for store in stores:
            items = [
                (i.belongs, i.effective, i.counters)
                for i in self.repository.aggregates(seller, store, first, day)
                if i.effective <= day
            ]
            if not any(belongs >= activity for belongs, _, _ in items):
                continue
            active.append(store)
            counts = seller_store_counts(items, day)
            self.repository.put_seller_counts(day, store, seller, counts.to_json())
        return active

    def compute_store_benchmarks(self, store: str, day: date) -> dict[str, Benchmark]:
        """Step 2."""
        everyone = {
            seller: SellerStoreCounts.from_json(data)
            for seller, data in self.repository.store_seller_counts(day, store)
        }
        settings = self.repository.settings
        benchmarks = store_benchmarks(
            {s: c.windows[BENCHMARK_WINDOW] for s, c in everyone.items()},
            {s: c.self_fulfilled for s, c in everyone.items()},
            {s: c.months for s, c in everyone.items()},
            min_volume=settings.min_volume,
            min_peers=settings.min_peers,
        )
        self.repository.put_benchmarks(day, store, benchmarks)
        return benchmarks

    def publish_seller(self, seller: str, stores: list[str], day: date) -> Snapshot | None:
        """Step 3: the snapshot the API serves, and the day's insights reports; returns the
        snapshot (None if no active store)."""
        per_store = self.repository.seller_counts(day, seller, stores)
        if not per_store:
            return None
        benchmarks = self.repository.benchmarks(day, list(per_store))
        counts = {
            store: SellerStoreCounts.from_json(data) for store, data in sorted(per_store.items())
        }
        snapshot = Snapshot(
            seller,
            day,
            {store: c.windows for store, c in counts.items()},
            dict(sorted(benchmarks.items())),
            {store: c.previous for store, c in counts.items()},
        )
        self.repository.put_snapshot(seller, day, snapshot)
        if self.reports is not None:
            self._publish_reports(seller, day, snapshot)
        return snapshot

    def _overdue(self, seller: str, stores: Iterable[str], day: date) -> list[dict[str, Any]]:
        """The page's contacts near or past 48 h: those received before the end of `day`
        still waiting for a reply when the page is built (one query of the sparse
        `OpenContacts` index per store: the cost grows with open contacts only), older than
        24 h at the end of `day`, with the hours they had left then."""
        at = datetime.combine(day + timedelta(days=1), time(), UTC)
        return [
            overdue_row(contact, at)
            for store in stores
            for contact in self.repository.open_contacts(seller, store, OVERDUE_LISTED)
            if at - contact["received_at"] > RESPONSE_DUE
        ]

    def _publish_reports(self, seller: str, day: date, snapshot: Snapshot) -> None:
        assert self.reports is not None
        rules = RenderRules.from_settings(self.repository.settings)
        document = document_from_snapshot(snapshot, rules=rules)
        first = day - timedelta(days=TREND_DAYS - 1)
        past = {
            p.as_of_day: document_from_snapshot(p, rules=rules)
            for p in self.repository.snapshots(seller, first, day)
        }
        trend = Trend.from_documents(first, day, past | {day: document})
        prefix = self.reports.insights_prefix(seller, day)
        self.reports.put(
            prefix + "insights.json", json.dumps(document.to_json(), indent=2), "application/json"
        )
        self.reports.put(prefix + "insights.csv", to_csv(document), "text/csv")
        overdue = self._overdue(seller, snapshot.stores, day)
        page = to_html(document, trend, overdue=overdue, rules=rules)
        self.reports.put(prefix + "insights.html", page, "text/html")
        report = ReportRecord.insights(
            f"{day.strftime('%Y%m%d')}-insights",
            document.as_of,
            {fmt: prefix + f"insights.{fmt}" for fmt in ("csv", "json", "html")},
            datetime.now(UTC),
        )
        self.reports.put_report(seller, report)
