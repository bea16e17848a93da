"""A large backfill into a local stack's table: the product's own `Ingestor` with the
ingest function's settings and the DynamoDB ingest store's items, each commit written one
conditional write at a time instead of in one `TransactWriteItems`.

Why: moto copies the whole table for every item of a transaction (to roll it back), so a
backfill through transactions takes time that grows with the square of the table (the
demo's 6,800 events: tens of minutes). The items are the ones the transaction would
write, under the same conditions; what the transaction adds, all or nothing and the
condition checks of items it does not write, matters only beside another writer, and a
backfill into a local stack has none. The live deliveries still go through the queue and
the handler."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from csinsights.config import Settings
from csinsights.domain.batch import Plan
from csinsights.store.aws import translated
from csinsights.store.ingest import IngestStore
from csinsights.store.ports import MAX_TRANSACTION_ITEMS, TooManyItems
from csinsights_local.pipeline import IngestSummary, ingest_embedded
from csinsights_local.stack import Deployment

WRITES = {"Put": "put_item", "Update": "update_item", "Delete": "delete_item"}


class ItemByItemIngestStore(IngestStore):
    """`IngestStore` whose commit writes its transaction's items one by one."""

    def commit(self, seller: str, store: str, plan: Plan, register: bool, now: datetime) -> int:
        actions = self._actions(seller, store, plan, register, now)
        if len(actions) > MAX_TRANSACTION_ITEMS:
            raise TooManyItems(f"{len(actions)} items")
        for action in actions:
            ((kind, params),) = action.items()
            if kind == "ConditionCheck":
                continue  # the only writer: what it read is what is there
            with translated():
                getattr(self.table.client, WRITES[kind])(**params)
        return len(actions)


def ingest_backfill(
    deployment: Deployment, items: Sequence[Any], progress: bool = False
) -> IngestSummary:
    """The batches `ingest_direct` hands the handler, to the product's `Ingestor` over the
    local stack's table (the ingest function's settings), committed item by item."""
    with deployment.environment_of("IngestFunction"):
        store = ItemByItemIngestStore(settings=Settings.from_environment())
        return ingest_embedded(store, items, progress=progress)
