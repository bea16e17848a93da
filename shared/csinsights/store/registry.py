"""The registry of seller stores (`SELLERS#<shard>`): written by ingest, in the commit that
first counts a seller store; read by the run, the alert run and the API."""

from __future__ import annotations

from csinsights.store import keys
from csinsights.store.dynamo import TableStore


class RegistryItems(TableStore):
    def seller_stores(self) -> list[tuple[str, str]]:
        """Every registered (seller, store): one query per registry shard."""
        return [
            (item["seller_id"]["S"], item["store_id"]["S"])
            for shard in range(keys.REGISTRY_SHARDS)
            for item in self.table.query_partition(keys.registry_pk_of_shard(shard))
        ]

    def stores_of(self, seller: str) -> list[str]:
        """One query: a seller's stores share its registry shard."""
        items, _ = self.table.query_page(
            "pk = :pk AND begins_with(sk, :seller)",
            {":pk": {"S": keys.registry_pk(seller)}, ":seller": {"S": f"{seller}#"}},
        )
        return sorted(i["store_id"]["S"] for i in items)
