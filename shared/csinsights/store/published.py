"""What the run publishes and the API serves: each seller's daily snapshot (`SNAP#`) and
each store's daily benchmarks (`BENCH#`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from csinsights.domain.benchmarks import Benchmark
from csinsights.domain.run import Snapshot
from csinsights.store import codecs, keys
from csinsights.store.dynamo import TableStore, expires_at


def _snapshot(item: dict[str, Any]) -> Snapshot:
    return codecs.snapshot_from_json(codecs.data_of(item))


def _benchmarks(item: dict[str, Any]) -> dict[str, Benchmark]:
    return codecs.benchmarks_of(item)


class Published(TableStore):
    def put_snapshot(self, snapshot: Snapshot) -> None:
        self.table.put(
            {
                **keys.key(keys.snapshot_pk(snapshot.seller_id), keys.day_sk(snapshot.as_of_day)),
                "data": codecs.data_attribute(codecs.snapshot_to_json(snapshot)),
                "expires_at": expires_at(snapshot.as_of_day, self.settings.retention_days),
            }
        )

    def snapshot(self, seller: str, day: date | None = None) -> Snapshot | None:
        """One read: the given day's snapshot, or the newest."""
        if day is not None:
            item = self.table.get(keys.key(keys.snapshot_pk(seller), keys.day_sk(day)))
        else:
            items, _ = self.table.query_page(
                "pk = :pk",
                {":pk": {"S": keys.snapshot_pk(seller)}},
                ScanIndexForward=False,
                Limit=1,
            )
            item = items[0] if items else None
        return _snapshot(item) if item else None

    def snapshots(self, seller: str, first_day: date, last_day: date) -> list[Snapshot]:
        """The seller's daily snapshots in [first_day, last_day], oldest first."""
        values = {
            ":pk": {"S": keys.snapshot_pk(seller)},
            ":lo": {"S": keys.day_sk(first_day)},
            ":hi": {"S": keys.day_sk(last_day)},
        }
        return [
            _snapshot(item)
            for item in self.table.query("pk = :pk AND sk BETWEEN :lo AND :hi", values)
        ]

    def put_benchmarks(self, day: date, store: str, benchmarks: dict[str, Benchmark]) -> None:
        self.table.put(
            {
                **keys.key(keys.benchmarks_pk(store), keys.day_sk(day)),
                **codecs.benchmarks_item(benchmarks),
                "expires_at": expires_at(day, self.settings.retention_days),
            }
        )

    def benchmarks(self, day: date, stores: Iterable[str]) -> dict[str, dict[str, Benchmark]]:
        wanted = [keys.key(keys.benchmarks_pk(s), keys.day_sk(day)) for s in stores]
        return {
            keys.store_of_benchmarks_pk(item["pk"]["S"]): _benchmarks(item)
            for item in self.table.batch_get(wanted)
        }

    def latest_benchmarks(
        self, store: str, day: date | None = None
    ) -> tuple[date, dict[str, Benchmark]] | None:
        """One read: the store's benchmarks of `day`, or the newest."""
        values = {":pk": {"S": keys.benchmarks_pk(store)}}
        if day:
            values[":sk"] = {"S": keys.day_sk(day)}
        items, _ = self.table.query_page(
            "pk = :pk" + (" AND sk = :sk" if day else ""),
            values,
            ScanIndexForward=False,
            Limit=1,
        )
        if not items:
            return None
        return date.fromisoformat(items[0]["sk"]["S"]), _benchmarks(items[0])
