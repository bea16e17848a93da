"""What the scheduled run reads and writes: the registry, the aggregate deltas, each
step's per-seller counts (`RUN#`), the stores' benchmarks (`BENCH#`) and the sellers'
snapshots (`SNAP#`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from csinsights.domain.benchmarks import Benchmark, benchmarks_from_json, benchmarks_to_json
from csinsights.models.records import Snapshot
from csinsights.store import codecs, keys
from csinsights.store.contacts import open_contacts
from csinsights.store.dynamo import TableStore, expires_at

RUN_COUNTS_DAYS = 35
"""How long a run's intermediate counts are kept: long enough to rerun a recent day."""


@dataclass(frozen=True)
class AggregateItem:
    belongs: date
    effective: date
    counters: dict[str, int]


def snapshot_item(snapshot: Snapshot, retention_days: int) -> dict[str, Any]:
    return {
        **keys.key(keys.snapshot_pk(snapshot.seller_id), keys.day_sk(snapshot.as_of_day)),
        "data": codecs.data_attribute(snapshot.to_json()),
        "expires_at": expires_at(snapshot.as_of_day, retention_days),
    }


def snapshot_of(item: dict[str, Any]) -> Snapshot:
    return Snapshot.from_json(codecs.data_of(item))


def snapshots_between(
    store: TableStore, seller: str, first_day: date, last_day: date
) -> Iterator[Snapshot]:
    """The seller's daily snapshots in [first_day, last_day], oldest first."""
    values = {
        ":pk": {"S": keys.snapshot_pk(seller)},
        ":lo": {"S": keys.day_sk(first_day)},
        ":hi": {"S": keys.day_sk(last_day)},
    }
    for item in store.table.query("pk = :pk AND sk BETWEEN :lo AND :hi", values):
        yield snapshot_of(item)


def seller_stores(store: TableStore) -> list[tuple[str, str]]:
    """Every registered (seller, store): one query per registry shard."""
    return [
        (item["seller_id"]["S"], item["store_id"]["S"])
        for shard in range(keys.REGISTRY_SHARDS)
        for item in store.table.query_partition(keys.registry_pk_of_shard(shard))
    ]


def benchmarks_of(item: dict[str, Any]) -> dict[str, Benchmark]:
    return benchmarks_from_json(codecs.data_of(item))


class RunStore(TableStore):
    def seller_stores(self) -> list[tuple[str, str]]:
        return seller_stores(self)

    def aggregates(
        self, seller: str, store: str, first_day: date, last_day: date
    ) -> list[AggregateItem]:
        """Every delta item whose belongs-to day lies in [first_day, last_day]."""
        values = {
            ":pk": {"S": keys.aggregate_pk(seller, store)},
            ":lo": {"S": f"{first_day.isoformat()}#"},
            ":hi": {"S": f"{last_day.isoformat()}#~"},
        }
        items = []
        for item in self.table.query("pk = :pk AND sk BETWEEN :lo AND :hi", values):
            belongs, effective = keys.parse_aggregate_sk(item["sk"]["S"])
            items.append(AggregateItem(belongs, effective, codecs.counters_of(item)))
        return items

    def put_seller_counts(self, day: date, store: str, seller: str, data: dict[str, Any]) -> None:
        self.table.put(
            {
                **keys.key(keys.run_pk(day, store), seller),
                "data": codecs.data_attribute(data),
                "expires_at": expires_at(day, RUN_COUNTS_DAYS),
            }
        )

    def store_seller_counts(self, day: date, store: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for item in self.table.query_partition(keys.run_pk(day, store)):
            yield item["sk"]["S"], codecs.data_of(item)

    def seller_counts(self, day: date, seller: str, stores: list[str]) -> dict[str, dict[str, Any]]:
        wanted = [keys.key(keys.run_pk(day, s), seller) for s in stores]
        return {
            keys.store_of_run_pk(item["pk"]["S"]): codecs.data_of(item)
            for item in self.table.batch_get(wanted)
        }

    def put_benchmarks(self, day: date, store: str, benchmarks: dict[str, Benchmark]) -> None:
        self.table.put(
            {
                **keys.key(keys.benchmarks_pk(store), keys.day_sk(day)),
                "data": codecs.data_attribute(benchmarks_to_json(benchmarks), compact=False),
                "expires_at": expires_at(day, self.settings.retention_days),
            }
        )

    def benchmarks(self, day: date, stores: list[str]) -> dict[str, dict[str, Benchmark]]:
        wanted = [keys.key(keys.benchmarks_pk(s), keys.day_sk(day)) for s in stores]
        return {
            keys.store_of_benchmarks_pk(item["pk"]["S"]): benchmarks_of(item)
            for item in self.table.batch_get(wanted)
        }

    def put_snapshot(self, seller: str, day: date, snapshot: Snapshot) -> None:
        assert (snapshot.seller_id, snapshot.as_of_day) == (seller, day)
        self.table.put(snapshot_item(snapshot, self.settings.retention_days))

    def open_contacts(self, seller: str, store: str, limit: int) -> list[dict[str, Any]]:
        """For the insights page: the seller store's contacts waiting for a reply."""
        return open_contacts(self.table, seller, store, limit)

    def snapshots(self, seller: str, first_day: date, last_day: date) -> list[Snapshot]:
        return list(snapshots_between(self, seller, first_day, last_day))
