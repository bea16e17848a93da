"""The local stack's backfill (`csinsights_local.backfill`, the demo's): the product's
`Ingestor` committing item by item writes the very items the ingest handler's transactions
write, whatever the delivery order, the repeats and the invalid lines."""

from __future__ import annotations

import json
import random
from typing import Any

from moto import mock_aws

from csinsights_local.backfill import ingest_backfill
from csinsights_local.pipeline import ingest_direct
from csinsights_local.stack import Deployment, deploy
from tests.marketplace import marketplace
from tests.state import table_items

WRITTEN_AT = ("registered_at", "rejected_at", "expires_at")


def items(stack: Deployment) -> list[str]:
    """Every item, without the instants it was written at (and a kept rejection without
    its message id)."""
    out = []
    for item in table_items(stack.outputs["EventsTableName"]):
        for name in WRITTEN_AT:
            item.pop(name, None)
        if item["pk"]["S"].startswith("REJECTED#"):
            item.pop("sk")
        out.append(json.dumps(item, sort_keys=True))
    return sorted(out)


def test_a_backfill_writes_the_items_the_handler_writes() -> None:
    events: list[Any] = [json.dumps(e) for e in marketplace()]
    rnd = random.Random(7)
    deliveries = events + [rnd.choice(events) for _ in range(30)] + ["{not json", "{}"]
    rnd.shuffle(deliveries)
    with mock_aws():
        handler, backfill = deploy("by-handler"), deploy("by-backfill")
        direct = ingest_direct(handler, deliveries)
        filled = ingest_backfill(backfill, deliveries)
        assert direct.as_dict() == filled.as_dict()
        assert filled.accepted == len(events) and filled.rejected == 2
        assert items(handler) == items(backfill)
        assert len(items(backfill)) > len(events) // 2
