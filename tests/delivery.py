"""Streams delivered onto the embedded store (`csinsights_local.embedded`) at unit speed,
with faults injected into its calls where a test asks.

Faults come from `fault(operation, seller, store)`: "before" (the store raises its conflict
error and writes nothing), "after" (the writes land, then the caller sees the error, as
when a response is lost) or None.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from csinsights.domain.batch import Plan
from csinsights.errors import Conflict
from csinsights.ingest import Ingestor, Message, Result
from csinsights.store.ports import Entities, EntityRequest
from csinsights_local.embedded import EmbeddedStore, embedded_settings
from tests import reference

Fault = Literal["before", "after"] | None
Faults = Callable[[str, str, str], Fault]


def no_faults(operation: str, seller: str, store: str) -> Fault:
    return None


def _writes(plan: Plan) -> bool:
    return bool(
        plan.order_writes or plan.contact_writes or plan.order_checks or any(plan.deltas.values())
    )


@dataclass
class FaultyStore(EmbeddedStore):
    """The embedded store whose reads and commits fail when `fault` says so."""

    fault: Faults = no_faults

    def load_many(self, requests: Sequence[EntityRequest]) -> list[Entities]:
        for r in requests:
            if self.fault("load", r.seller, r.store):
                raise Conflict("injected: throttled read")
        return super().load_many(requests)

    def commit(self, seller: str, store: str, plan: Plan, register: bool, now: datetime) -> int:
        if not _writes(plan):
            return super().commit(seller, store, plan, register, now)
        fault = self.fault("commit", seller, store)
        if fault == "before":
            raise Conflict("injected: transaction cancelled")
        written = super().commit(seller, store, plan, register, now)
        if fault == "after":
            raise Conflict("injected: the commit landed, its answer was lost")
        return written


NOW = datetime(2026, 12, 31, tzinfo=UTC)  # ingest's clock: after every generated event
Events = list[dict[str, Any]]


def deliver(store: EmbeddedStore, bodies: Events, batch_sizes: list[int]) -> list[Result]:
    """Every body once, in batches of the given sizes (then 50 at a time); one result each."""
    ingestor = Ingestor(store)
    results: list[Result] = []
    sizes = iter(batch_sizes)
    start = 0
    while start < len(bodies):
        size = next(sizes, 50)
        batch = [
            Message(f"m{start + i}", json.dumps(body))
            for i, body in enumerate(bodies[start : start + size])
        ]
        answers = ingestor.ingest(batch, now=NOW)
        results += [answers[m.message_id] for m in batch]
        start += size
    return results


ONE_SHARD = {"registry_shards": 1, "benchmark_shard_sellers": 1_000_000}
"""The whole registry in one part and every store's benchmarks in one shard."""


def in_order(events: Events) -> EmbeddedStore:
    """Each distinct event once, in time order (in batches of ten, as the queue delivers),
    onto a store whose run lists and benchmarks everything in one shard."""
    store = EmbeddedStore(embedded_settings(**ONE_SHARD))
    results = deliver(store, sorted(events, key=reference.key), [10] * len(events))
    assert {r.status for r in results} <= {"accepted"}
    return store


def content(store: EmbeddedStore) -> dict[str, Any]:
    """What the events made of the store, without versions (they count commits, which
    differ with batching) and without counters that cancelled out to zero."""
    aggregates = {
        (pair, cell, counter): value
        for pair, cells in store.deltas.items()
        for cell, counters in cells.items()
        for counter, value in counters.items()
        if value
    }
    return {
        "orders": {
            (*pair, oid): stored.state
            for pair, items in store.order_items.items()
            for oid, stored in items.items()
        },
        "contacts": {
            (*pair, cid): stored.state
            for pair, items in store.contact_items.items()
            for cid, stored in items.items()
        },
        "aggregates": aggregates,
        "registry": set(store.registry),
    }
