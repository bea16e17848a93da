"""What the scheduled run reads and writes: the registry, the aggregate deltas, each
step's per-seller counts (`RUN#`), the stores' benchmarks and the sellers' snapshots, and
the contacts still waiting (for the insights page)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import TYPE_CHECKING

from csinsights.domain.run import AggregateItem, SellerStoreCounts
from csinsights.domain.sharded import BenchmarkInput
from csinsights.store import codecs, keys
from csinsights.store.contacts import ContactIndexes
from csinsights.store.dynamo import expires_at
from csinsights.store.ports import ShardInput
from csinsights.store.published import Published
from csinsights.store.registry import RegistryItems, StoreItems

RUN_COUNTS_DAYS = 35
"""How long a run's intermediate counts are kept: long enough to rerun a recent day."""


class RunStore(RegistryItems, StoreItems, ContactIndexes, Published):
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

    def put_seller_counts(
        self, day: date, store: str, seller: str, counts: SellerStoreCounts
    ) -> None:
        self.table.put(
            {
                **keys.key(keys.run_pk(day, store), seller),
                "data": codecs.data_attribute(codecs.seller_store_counts_to_json(counts)),
                "expires_at": expires_at(day, RUN_COUNTS_DAYS),
            }
        )

    def seller_counts(
        self, day: date, seller: str, stores: Iterable[str]
    ) -> dict[str, SellerStoreCounts]:
        wanted = [keys.key(keys.run_pk(day, s), seller) for s in stores]
        return {
            keys.store_of_run_pk(item["pk"]["S"]): codecs.seller_store_counts_from_json(
                codecs.data_of(item)
            )
            for item in self.table.batch_get(wanted)
        }

    def put_benchmark_inputs(self, day: date, inputs: Sequence[ShardInput]) -> None:
        self.table.batch_put(
            [
                {
                    **keys.key(keys.benchmark_input_pk(day, i.store, i.shard), i.seller),
                    "data": codecs.data_attribute(codecs.benchmark_input_to_json(i.inputs)),
                    "expires_at": expires_at(day, RUN_COUNTS_DAYS),
                }
                for i in inputs
            ]
        )

    def benchmark_inputs(
        self, day: date, store: str, shard: int
    ) -> Iterator[tuple[str, BenchmarkInput]]:
        for item in self.table.query_partition(keys.benchmark_input_pk(day, store, shard)):
            yield item["sk"]["S"], codecs.benchmark_input_from_json(codecs.data_of(item))


if TYPE_CHECKING:
    from collections.abc import Callable

    from csinsights.store.ports import RunPort

    _implements: Callable[..., RunPort] = RunStore
