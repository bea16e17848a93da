"""The scheduled computation, in the steps the state machine fans out
(`infra/template.yaml`, `MetricsRunStateMachine`); no step reads the whole registry or a
whole store:

1. `plan`: the day, and the registry shards to list (configuration, no read);
2. `list_sellers`: one registry shard's sellers with their stores, written as one part of
   the run's seller list (JSON Lines in the reports bucket); the stores it saw are noted;
3. `benchmark_shards`: how many shards each store's benchmarks take, from the stores noted
   and the sellers of the list's first part (a sample of the registry);
4. `count_sellers`: per seller of one part, per store, read the aggregate deltas once and
   keep the windowed counts (all orders, each served window), the counts of the window
   just before each as they stood at its own end, those of each window a week ahead if
   nothing new happens (from the same deltas), the self-fulfilled counts of the
   benchmark window and of the last three calendar months; and the seller store's compact
   benchmark inputs, in its store's shard;
5. per store, its benchmarks in four exact passes (`csinsights.benchmarking`);
6. `publish_sellers`: per seller of one part, the snapshot the API reads (counts +
   benchmarks) and the reports in S3.

Every read is keyed by seller, store and day, or by a shard: the cost grows with sellers x
stores x days, never with the number of raw events, and no invocation's with the
marketplace.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from csinsights.benchmarking import ShardedBenchmarks
from csinsights.domain import sharded
from csinsights.domain.asof import end_of
from csinsights.domain.catalogue import RESPONSE_DUE
from csinsights.domain.contacts import by_urgency, overdue_row
from csinsights.domain.run import (
    Snapshot,
    active,
    benchmark_input,
    lookback_start,
    seller_store_counts,
)
from csinsights.domain.snapshots import document_from_snapshot
from csinsights.models.records import ReportRecord
from csinsights.overdue import open_by_urgency
from csinsights.render.charts import Trend
from csinsights.render.html import to_html
from csinsights.reports import to_csv
from csinsights.store import codecs, keys
from csinsights.store.ports import Files, ReportRecords, RunPort, ShardInput

TREND_DAYS = 28
"""The days the insights page charts, ending with the run's."""
OVERDUE_LISTED = 50
"""Per store, the oldest open contacts the insights page lists (the API lists them all)."""
SAMPLE_SHARD = 0
"""The registry shard whose sellers size every store's benchmark shards."""


class RunFiles(Files, ReportRecords, Protocol):
    """Where the run writes its seller list, its benchmark summaries and each seller's
    insights reports."""


@dataclass(frozen=True)
class RunPlan:
    """What the run's first step leaves for the others: the day, where the seller list's
    parts go, the registry shards to list."""

    as_of_day: date
    bucket: str
    sellers_prefix: str
    shards: int


@dataclass(frozen=True)
class StoreShards:
    """A store's benchmark shards, and how many merged summaries it combines from (0: its
    shards' own)."""

    store: str
    shards: int
    groups: int


class MetricsRun:
    def __init__(self, repository: RunPort, reports: RunFiles | None = None) -> None:
        self.repository = repository
        self.reports = reports
        self.benchmarks = ShardedBenchmarks(repository, reports)

    @property
    def files(self) -> RunFiles:
        if self.reports is None:
            raise RuntimeError("this step of a run needs the reports bucket")
        return self.reports

    # ---- 1-3: the seller list and the shape of the stores' benchmarks ----------------------
    def plan(self, day: date) -> RunPlan:
        """The first step: reads nothing."""
        return RunPlan(
            day,
            self.files.bucket,
            keys.run_sellers_prefix(day),
            self.repository.settings.registry_shards,
        )

    def list_sellers(self, day: date, shard: int) -> int:
        """Write registry shard `shard`'s part of the seller list and note its stores;
        returns its sellers."""
        stores: dict[str, list[str]] = defaultdict(list)
        for seller, store in self.repository.registry_shard(
            shard, self.repository.settings.registry_shards
        ):
            stores[seller].append(store)
        sellers = {seller: sorted(s) for seller, s in sorted(stores.items())}
        self.files.put(
            keys.run_sellers_part(day, shard), codecs.sellers_part(sellers), "application/x-ndjson"
        )
        self.repository.put_stores({s for ss in sellers.values() for s in ss})
        return len(sellers)

    def benchmark_shards(self, day: date) -> list[StoreShards]:
        """Every store noted, with its benchmark shards: its sellers in the list's first
        part, scaled up to the registry, a shard of `BENCHMARK_SHARD_SELLERS`."""
        settings = self.repository.settings
        sample = codecs.sellers_of_part(self.files.read(keys.run_sellers_part(day, SAMPLE_SHARD)))
        sampled = Counter(store for stores in sample.values() for store in stores)
        out = []
        for store in self.repository.stores():
            shards = sharded.shard_count(
                sampled[store], settings.registry_shards, settings.benchmark_shard_sellers
            )
            out.append(
                StoreShards(store, shards, sharded.merge_groups(shards, settings.benchmark_fan_in))
            )
        return out

    # ---- 4: counts and benchmark inputs ----------------------------------------------------
    def sellers_of(self, part: str) -> dict[str, list[str]]:
        return codecs.sellers_of_part(self.files.read(part))

    def count_sellers(
        self, sellers: Mapping[str, list[str]], day: date, shards: Mapping[str, int]
    ) -> int:
        """Step 4 for a part's sellers; returns how many were active in a store (any
        counted item in the lookback, visible as of `day`)."""
        inputs: list[ShardInput] = []
        active_sellers = 0
        for seller, stores in sellers.items():
            counted = self.compute_seller(seller, stores, day)
            active_sellers += bool(counted)
            inputs += [
                ShardInput(store, keys.benchmark_shard(seller, shards.get(store, 1)), seller, given)
                for store, given in counted.items()
            ]
        self.repository.put_benchmark_inputs(day, inputs)
        return active_sellers

    def compute_seller(
        self, seller: str, stores: Iterable[str], day: date
    ) -> dict[str, sharded.BenchmarkInput]:
        """One seller's counts, kept per active store; returns each active store's
        benchmark inputs."""
        first = lookback_start(day)
        counted: dict[str, sharded.BenchmarkInput] = {}
        for store in stores:
            items = self.repository.aggregates(seller, store, first, day)
            if not active(items, day):
                continue
            counts = seller_store_counts(items, day)
            self.repository.put_seller_counts(day, store, seller, counts)
            counted[store] = benchmark_input(counts)
        return counted

    # ---- 6: what sellers read --------------------------------------------------------------
    def publish_sellers(self, sellers: Mapping[str, list[str]], day: date) -> int:
        return sum(
            self.publish_seller(seller, stores, day) is not None
            for seller, stores in sellers.items()
        )

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
            # How many sellers stand behind each figure is the store benchmarks' to tell.
            {
                store: {metric: b.figures() for metric, b in marks.items()}
                for store, marks in sorted(benchmarks.items())
            },
            {store: c.previous for store, c in counts.items()},
            {store: c.projected for store, c in counts.items() if c.projected},
        )
        self.repository.put_snapshot(snapshot)
        if self.reports is not None:
            self._publish_reports(seller, day, snapshot)
        return snapshot

    def _overdue(self, seller: str, stores: Iterable[str], day: date) -> list[dict[str, Any]]:
        """The page's contacts near or past 48 h, by urgency: those still waiting for a reply
        when the page is built and older than 24 h at the end of `day` (two bounded queries
        of the sparse `OpenContacts` index per store: the cost grows with open contacts
        only), with the hours they had left then."""
        at = end_of(day)
        contacts = [
            contact
            for store in stores
            for contact in open_by_urgency(
                self.repository, seller, store, at, OVERDUE_LISTED, at - RESPONSE_DUE
            )
        ]
        return [overdue_row(contact, at) for contact in by_urgency(contacts, at)]

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
