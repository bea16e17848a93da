"""What the API reads: each lookup one read of what the run published or of a sparse
index ingest maintains."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from csinsights.domain.benchmarks import Benchmark
from csinsights.domain.entities import ContactState
from csinsights.models.records import Snapshot
from csinsights.store import keys
from csinsights.store.contacts import contacts_between, open_contacts
from csinsights.store.dynamo import TableStore
from csinsights.store.run import benchmarks_of, snapshot_of, snapshots_between


class ReadStore(TableStore):
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
        return snapshot_of(item) if item else None

    def snapshots(self, seller: str, first_day: date, last_day: date) -> list[Snapshot]:
        """The seller's daily snapshots in [first_day, last_day], oldest first."""
        return list(snapshots_between(self, seller, first_day, last_day))

    def benchmark_item(
        self, store: str, day: date | None
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
        return date.fromisoformat(items[0]["sk"]["S"]), benchmarks_of(items[0])

    def stores_of(self, seller: str) -> list[str]:
        items, _ = self.table.query_page(
            "pk = :pk AND begins_with(sk, :seller)",
            {":pk": {"S": keys.registry_pk(seller)}, ":seller": {"S": f"{seller}#"}},
        )
        return sorted(i["store_id"]["S"] for i in items)

    def open_contacts(self, seller: str, store: str, limit: int) -> list[dict[str, Any]]:
        return open_contacts(self.table, seller, store, limit)

    def contacts(
        self, seller: str, store: str, start: datetime, end: datetime
    ) -> Iterator[tuple[str, ContactState]]:
        """Contacts first received in [start, end), oldest first, page by page."""
        return contacts_between(self.table, seller, store, start, end)
