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
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from csinsights.domain.asof import end_of
from csinsights.domain.benchmarks import Benchmark, store_benchmarks
from csinsights.domain.catalogue import BENCHMARK_WINDOW, RESPONSE_DUE
from csinsights.domain.contacts import overdue_row
from csinsights.domain.run import Snapshot, active, lookback_start, seller_store_counts
from csinsights.domain.snapshots import document_from_snapshot
from csinsights.models.records import ReportRecord
from csinsights.render.charts import Trend
from csinsights.render.html import to_html
from csinsights.reports import to_csv
from csinsights.store import keys
from csinsights.store.ports import Files, ReportRecords, RunPort

TREND_DAYS = 28
"""The days the insights page charts, ending with the run's."""
OVERDUE_LISTED = 50
"""Per store, the oldest open contacts the insights page lists (the API lists them all)."""


class RunReports(Files, ReportRecords, Protocol):
    """Where the run writes its seller list and each seller's insights reports."""


@dataclass(frozen=True)
class RunPlan:
    """What the run's first step leaves for the others: the day, where the seller list is
    (each `{"seller_id", "stores"}`), every store to benchmark."""

    as_of_day: date
    sellers_bucket: str
    sellers_key: str
    stores: list[str]
    sellers: int


class MetricsRun:
    def __init__(self, repository: RunPort, reports: RunReports | None = None) -> None:
        self.repository = repository
        self.reports = reports

    def sellers(self) -> dict[str, list[str]]:
        """Every seller with the stores it has events in."""
        stores: dict[str, list[str]] = defaultdict(list)
        for seller, store in self.repository.seller_stores():
            stores[seller].append(store)
        return {seller: sorted(s) for seller, s in sorted(stores.items())}

    def plan(self, day: date) -> RunPlan:
        """The first step: the seller list the maps read, written to the reports bucket."""
        if self.reports is None:
            raise RuntimeError("a run's plan needs the reports bucket")
        sellers = self.sellers()
        key = keys.run_sellers_key(day)
        items = [{"seller_id": s, "stores": stores} for s, stores in sellers.items()]
        self.reports.put(key, json.dumps(items), "application/json")
        stores = sorted({s for stores in sellers.values() for s in stores})
        return RunPlan(day, self.reports.bucket, key, stores, len(items))

    def compute_seller(self, seller: str, stores: list[str], day: date) -> list[str]:
        """Step 1; returns the stores the seller was active in (any counted item in the
        lookback, visible as of `day`)."""
        first = lookback_start(day)
        counted = []
        for store in stores:
            items = self.repository.aggregates(seller, store, first, day)
            if not active(items, day):
                continue
            counted.append(store)
            self.repository.put_seller_counts(day, store, seller, seller_store_counts(items, day))
        return counted

    def compute_store_benchmarks(self, store: str, day: date) -> dict[str, Benchmark]:
        """Step 2."""
        everyone = dict(self.repository.store_seller_counts(day, store))
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
        counts = dict(sorted(per_store.items()))
        snapshot = Snapshot(
            seller,
            day,
            {store: c.windows for store, c in counts.items()},
            dict(sorted(benchmarks.items())),
            {store: c.previous for store, c in counts.items()},
        )
        self.repository.put_snapshot(snapshot)
        if self.reports is not None:
            self._publish_reports(seller, day, snapshot)
        return snapshot

    def _overdue(self, seller: str, stores: Iterable[str], day: date) -> list[dict[str, Any]]:
        """The page's contacts near or past 48 h: those received before the end of `day`
        still waiting for a reply when the page is built (one query of the sparse
        `OpenContacts` index per store: the cost grows with open contacts only), older than
        24 h at the end of `day`, with the hours they had left then."""
        at = end_of(day)
        return [
            overdue_row(contact, at)
            for store in stores
            for contact in self.repository.open_contacts(seller, store, limit=OVERDUE_LISTED)
            if at - contact.received_at > RESPONSE_DUE
        ]

    def _publish_reports(self, seller: str, day: date, snapshot: Snapshot) -> None:
        assert self.reports is not None
        rules = self.repository.settings.render_rules()
        document = document_from_snapshot(snapshot, rules=rules)
        first = day - timedelta(days=TREND_DAYS - 1)
        past = {
            p.as_of_day: document_from_snapshot(p, rules=rules)
            for p in self.repository.snapshots(seller, first, day - timedelta(days=1))
        }
        trend = Trend.from_documents(first, day, past | {day: document})
        prefix = keys.insights_prefix(seller, day)
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
