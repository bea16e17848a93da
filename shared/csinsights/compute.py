"""The scheduled computation, in the three steps the state machine fans out:

1. `compute_seller`: per seller, per store, read the aggregate deltas once and keep the
   windowed counts (all orders, each served window), the self-fulfilled counts of the
   benchmark window and of each of the last three calendar months;
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
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from csinsights.domain.counters import as_of
from csinsights.domain.documents import (
    BENCHMARK_WINDOW,
    WINDOWS,
    Benchmark,
    benchmarks_from_json,
    benchmarks_to_json,
    render_document,
    store_benchmarks,
)
from csinsights.domain.metrics import Counts, last_complete_months, window_counts
from csinsights.reports import to_csv, to_html
from csinsights.repository import Repository
from csinsights.storage import ReportStore

RANKING_MONTHS = 3


def lookback_start(day: date) -> date:
    """First day any figure as of the end of `day` needs."""
    months = last_complete_months(day, RANKING_MONTHS)
    return min(day - timedelta(days=max(WINDOWS) - 1), months[-1][0])


@dataclass
class SellerStoreCounts:
    windows: dict[int, Counts]
    self_fulfilled: Counts
    months: list[Counts]

    def to_json(self) -> dict[str, Any]:
        return {
            "windows": {str(w): c.to_json() for w, c in self.windows.items()},
            "self_fulfilled": self.self_fulfilled.to_json(),
            "months": [c.to_json() for c in self.months],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SellerStoreCounts:
        return cls(
            {int(w): Counts.from_json(c) for w, c in data["windows"].items()},
            Counts.from_json(data["self_fulfilled"]),
            [Counts.from_json(c) for c in data["months"]],
        )


def seller_store_counts(
    items: list[tuple[date, date, dict[str, int]]], day: date
) -> SellerStoreCounts:
    current = as_of(items, day)
    windows = {w: window_counts(current, "all", day - timedelta(days=w - 1), day) for w in WINDOWS}
    self_fulfilled = window_counts(current, "sf", day - timedelta(days=BENCHMARK_WINDOW - 1), day)
    months = [
        window_counts(as_of(items, last), "sf", first, last)
        for first, last in last_complete_months(day, RANKING_MONTHS)
    ]
    return SellerStoreCounts(windows, self_fulfilled, months)


class MetricsRun:
    def __init__(
        self, repository: Repository | None = None, reports: ReportStore | None = None
    ) -> None:
        self.repository = repository or Repository()
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
        first = lookback_start(day)
        active = []
        for store in stores:
            items = [
                (i.belongs, i.effective, i.counters)
                for i in self.repository.aggregates(seller, store, first, day)
                if i.effective <= day
            ]
            if not items:
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
        benchmarks = store_benchmarks(
            {s: c.windows[BENCHMARK_WINDOW] for s, c in everyone.items()},
            {s: c.self_fulfilled for s, c in everyone.items()},
            {s: c.months for s, c in everyone.items()},
        )
        self.repository.put_benchmarks(day, store, benchmarks)
        return benchmarks

    def publish_seller(self, seller: str, stores: list[str], day: date) -> dict[str, Any] | None:
        """Step 3: the snapshot the API serves, and the day's insights reports; returns the
        snapshot (None if no active store)."""
        per_store = self.repository.seller_counts(day, seller, stores)
        if not per_store:
            return None
        benchmarks = self.repository.benchmarks(day, list(per_store))
        snapshot = {
            "seller_id": seller,
            "as_of_day": day.isoformat(),
            "stores": {store: data["windows"] for store, data in sorted(per_store.items())},
            "benchmarks": {
                store: benchmarks_to_json(marks) for store, marks in sorted(benchmarks.items())
            },
        }
        self.repository.put_snapshot(seller, day, snapshot)
        if self.reports is not None:
            self._publish_reports(seller, day, snapshot)
        return snapshot

    def _publish_reports(self, seller: str, day: date, snapshot: dict[str, Any]) -> None:
        assert self.reports is not None
        document = document_from_snapshot(snapshot)
        trend: dict[str, list[float | None]] = {}
        for past in self.repository.snapshots(seller, day - timedelta(days=27), day):
            for metric, figure in document_from_snapshot(past)["metrics"].items():
                trend.setdefault(metric, []).append(figure.get("value"))
        prefix = self.reports.insights_prefix(seller, day)
        self.reports.put(
            prefix + "insights.json", json.dumps(document, indent=2), "application/json"
        )
        self.reports.put(prefix + "insights.csv", to_csv(document), "text/csv")
        self.reports.put(prefix + "insights.html", to_html(document, trend), "text/html")
        self.repository.put_report(
            seller,
            {
                "report_id": f"{day.strftime('%Y%m%d')}-insights",
                "type": "insights",
                "status": "ready",
                "as_of": document["as_of"],
                "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "files": {fmt: prefix + f"insights.{fmt}" for fmt in ("csv", "json", "html")},
            },
        )


def document_from_snapshot(
    snapshot: dict[str, Any], window_days: int = BENCHMARK_WINDOW, stores: list[str] | None = None
) -> dict[str, Any]:
    """Render the spec's metrics document for any of the snapshot's stores."""
    counts = {
        store: Counts.from_json(windows[str(window_days)])
        for store, windows in snapshot["stores"].items()
    }
    benchmarks = {
        store: benchmarks_from_json(marks) for store, marks in snapshot["benchmarks"].items()
    }
    return render_document(
        snapshot["seller_id"],
        date.fromisoformat(snapshot["as_of_day"]),
        window_days,
        counts,
        benchmarks,
        stores,
    )
