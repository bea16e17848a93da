"""The registry of seller stores (`REGISTRY#<group>`, by bucket): written by ingest, in the commit
that first counts a seller store; read a registry shard (a range of buckets) at a time by
the run and the alert run, a seller at a time by the API. And the stores with sellers
(`STORES`), noted by the run as it lists the registry."""

from __future__ import annotations

from collections.abc import Iterable

from csinsights.store import keys
from csinsights.store.dynamo import TableStore


class RegistryItems(TableStore):
    def registry_shard(self, shard: int, shards: int) -> list[tuple[str, str]]:
        """One query per partition the shard's buckets span: never the whole registry."""
        return [
            (item["seller_id"]["S"], item["store_id"]["S"])
            for pk, first, last in keys.registry_ranges(keys.registry_buckets(shard, shards))
            for item in self.table.query(
                "pk = :pk AND sk BETWEEN :first AND :last",
                {":pk": {"S": pk}, ":first": {"S": first}, ":last": {"S": last}},
            )
        ]

    def stores_of(self, seller: str) -> list[str]:
        """One query: a seller's stores share its registry bucket."""
        prefix = keys.registry_bucket_prefix(keys.registry_bucket(seller)) + f"{seller}#"
        items, _ = self.table.query_page(
            "pk = :pk AND begins_with(sk, :seller)",
            {":pk": {"S": keys.registry_pk(seller)}, ":seller": {"S": prefix}},
        )
        return sorted(i["store_id"]["S"] for i in items)


class StoreItems(TableStore):
    def put_stores(self, stores: Iterable[str]) -> None:
        self.table.batch_put(
            [{**keys.store_key(s), "store_id": {"S": s}} for s in sorted(set(stores))]
        )

    def stores(self) -> list[str]:
        return [item["store_id"]["S"] for item in self.table.query_partition(keys.STORES)]
