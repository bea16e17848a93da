"""The store behind ingest and the scheduled run, in memory: the same methods as the
DynamoDB store with the same semantics (versioned entities whose commit fails as a whole
when a version condition does not hold, ADD semantics of the aggregate deltas, a registry
entry written once), so the domain's properties run at unit speed.

Faults are injected through `fault(operation, seller, store)`: it answers "before" (the
store raises its conflict error and writes nothing), "after" (the writes land, then the
caller sees the error, as when a response is lost) or None.
"""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import IO, Any, Literal

from csinsights.config import Settings
from csinsights.domain.batch import Plan, Stored
from csinsights.domain.benchmarks import Benchmark
from csinsights.domain.entities import ContactState, OrderState
from csinsights.errors import Conflict
from csinsights.ingest import Ingestor, Message, Result
from csinsights.models.records import ReportRecord, Snapshot

# What the store layer names; the only imports from it.
from csinsights.store.ingest import Entities, EntityRequest, TooManyItems
from csinsights.store.keys import REGISTRY_SHARDS
from csinsights.store.reports import ReportsStore
from csinsights.store.run import AggregateItem
from tests import reference

MAX_TRANSACTION_ITEMS = 100

Fault = Literal["before", "after"] | None
Faults = Callable[[str, str, str], Fault]
Key = tuple[str, str, str]  # seller, store, order or contact id


def no_faults(operation: str, seller: str, store: str) -> Fault:
    return None


@dataclass
class MemoryStore:
    settings: Settings = field(default_factory=lambda: Settings(table_name="memory"))
    fault: Faults = no_faults
    orders: dict[Key, Stored[OrderState]] = field(default_factory=dict)
    contacts: dict[Key, Stored[ContactState]] = field(default_factory=dict)
    deltas: dict[tuple[str, str], dict[tuple[date, date], dict[str, int]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    registry: dict[tuple[str, str], datetime] = field(default_factory=dict)
    rejected: dict[tuple[date, str], dict[str, Any]] = field(default_factory=dict)
    runs: dict[tuple[date, str], dict[str, str]] = field(default_factory=lambda: defaultdict(dict))
    marks: dict[tuple[date, str], dict[str, Benchmark]] = field(default_factory=dict)
    snaps: dict[str, dict[date, str]] = field(default_factory=lambda: defaultdict(dict))

    # ---- entities -------------------------------------------------------------------
    def load_entities(
        self,
        seller: str,
        store: str,
        order_ids: Iterable[str],
        contact_ids: Iterable[str],
        with_registry: bool = False,
    ) -> Entities:
        request = EntityRequest(seller, store, set(order_ids), set(contact_ids), with_registry)
        return self.load_many([request])[0]

    def load_many(self, requests: list[EntityRequest]) -> list[Entities]:
        for r in requests:
            if self.fault("load", r.seller, r.store):
                raise Conflict("injected: throttled read")
        return [
            Entities(
                {o: self.orders.get((r.seller, r.store, o), Stored(None)) for o in r.order_ids},
                {c: self.contacts.get((r.seller, r.store, c), Stored(None)) for c in r.contact_ids},
                r.with_registry and (r.seller, r.store) in self.registry,
            )
            for r in requests
        ]

    def commit(self, seller: str, store: str, plan: Plan, register: bool, now: datetime) -> int:
        """All of the plan or nothing; returns the number of items a transaction holds."""
        register = register and bool(plan.order_writes or plan.contact_writes)
        cells = {(b, e) for (e, b, _), value in plan.deltas.items() if value}
        entities = [
            *((self.orders, oid, version) for oid, (version, _) in plan.order_writes.items()),
            *((self.contacts, cid, version) for cid, (version, _) in plan.contact_writes.items()),
            *((self.orders, oid, version) for oid, version in plan.order_checks.items()),
        ]
        size = len(entities) + len(cells) + register
        if not size:
            return 0
        if size > MAX_TRANSACTION_ITEMS:
            raise TooManyItems(f"{size} items")
        fault = self.fault("commit", seller, store)
        if fault == "before":
            raise Conflict("injected: transaction cancelled")
        for table, key, version in entities:
            if table.get((seller, store, key), Stored(None)).version != version:
                raise Conflict(f"TransactionCanceledException: {key} is not at version {version}")
        if register and (seller, store) in self.registry:
            raise Conflict("TransactionCanceledException: registered already")
        for oid, (version, order) in plan.order_writes.items():
            self.orders[(seller, store, oid)] = Stored(order, version + 1)
        for cid, (version, contact) in plan.contact_writes.items():
            self.contacts[(seller, store, cid)] = Stored(contact, version + 1)
        items = self.deltas[(seller, store)]
        for (effective, belongs, counter), value in plan.deltas.items():
            if value:
                cell = items.setdefault((belongs, effective), {})
                cell[counter] = cell.get(counter, 0) + value
        if register:
            self.registry[(seller, store)] = now
        if fault == "after":
            raise Conflict("injected: the commit landed, its answer was lost")
        return size

    def keep_rejected(
        self, body: str, reason: str, errors: list[dict[str, str]], message_id: str, now: datetime
    ) -> None:
        """Idempotent per message: a redelivered rejection overwrites its own record."""
        self.rejected[(now.date(), message_id)] = {"body": body, "reason": reason, "errors": errors}

    # ---- aggregates and the scheduled run ---------------------------------------------
    def aggregates(
        self, seller: str, store: str, first_day: date, last_day: date
    ) -> list[AggregateItem]:
        """Every delta item whose belongs-to day lies in [first_day, last_day], in key order."""
        return [
            AggregateItem(belongs, effective, dict(counters))
            for (belongs, effective), counters in sorted(self.deltas[(seller, store)].items())
            if first_day <= belongs <= last_day
        ]

    def seller_stores(self) -> list[tuple[str, str]]:
        """In the order the sharded registry lists them."""
        shards = REGISTRY_SHARDS
        return sorted(
            self.registry, key=lambda p: (zlib.crc32(p[0].encode()) % shards, f"{p[0]}#{p[1]}")
        )

    def put_seller_counts(self, day: date, store: str, seller: str, data: dict[str, Any]) -> None:
        self.runs[(day, store)][seller] = json.dumps(data)

    def store_seller_counts(self, day: date, store: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for seller, data in sorted(self.runs[(day, store)].items()):
            yield seller, json.loads(data)

    def seller_counts(self, day: date, seller: str, stores: list[str]) -> dict[str, dict[str, Any]]:
        return {
            s: json.loads(self.runs[(day, s)][seller])
            for s in stores
            if seller in self.runs[(day, s)]
        }

    def put_benchmarks(self, day: date, store: str, benchmarks: dict[str, Benchmark]) -> None:
        self.marks[(day, store)] = dict(benchmarks)

    def benchmarks(self, day: date, stores: list[str]) -> dict[str, dict[str, Benchmark]]:
        return {s: dict(self.marks[(day, s)]) for s in stores if (day, s) in self.marks}

    def put_snapshot(self, seller: str, day: date, snapshot: Snapshot) -> None:
        self.snaps[seller][day] = json.dumps(snapshot.to_json())

    def open_contacts(self, seller: str, store: str, limit: int) -> list[dict[str, Any]]:
        """The `OpenContacts` index: waiting for a reply (no reply, no mark), oldest first."""
        out = []
        for (s, st, cid), stored in self.contacts.items():
            contact = stored.state
            first = contact.first_received() if contact else None
            if (s, st) != (seller, store) or first is None:
                continue
            if contact.responded or contact.no_response_needed:
                continue
            out.append(
                {
                    "contact_id": cid,
                    "store_id": store,
                    "order_id": first.order_id,
                    "reason": first.reason,
                    "received_at": first.stamp.at,
                }
            )
        out.sort(key=lambda c: (c["received_at"], c["contact_id"]))
        return out[:limit]

    def snapshots(self, seller: str, first_day: date, last_day: date) -> list[Snapshot]:
        """The seller's daily snapshots in [first_day, last_day], oldest first."""
        return [
            Snapshot.from_json(json.loads(data))
            for day, data in sorted(self.snaps[seller].items())
            if first_day <= day <= last_day
        ]


@dataclass
class MemoryReports:
    """What a report builder reads and writes, over a `MemoryStore`'s entities: the
    `Contacts` index (contacts by first received time), the orders by id, files and
    records kept in dictionaries."""

    store: MemoryStore
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    records: dict[tuple[str, str], ReportRecord] = field(default_factory=dict)

    def contacts(
        self, seller: str, store: str, start: datetime, end: datetime
    ) -> Iterator[tuple[str, ContactState]]:
        """Newest first by (first received time, contact id), as the index sorts."""
        found = []
        for (s, st, contact_id), stored in self.store.contacts.items():
            first = stored.state.first_received() if stored.state else None
            if (s, st) == (seller, store) and first and start <= first.stamp.at < end:
                found.append((first.stamp.at, contact_id, stored.state))
        for _, contact_id, state in sorted(found, key=lambda f: f[:2], reverse=True):
            yield contact_id, state

    def orders(self, seller: str, store: str, order_ids: Iterable[str]) -> dict[str, OrderState]:
        out = {}
        for order_id in order_ids:
            stored = self.store.orders.get((seller, store, order_id))
            if stored is not None and stored.state is not None:
                out[order_id] = stored.state
        return out

    def upload(self, key: str, body: IO[bytes], content_type: str) -> None:
        self.files[key] = (body.read(), content_type)

    contacts_key = staticmethod(ReportsStore.contacts_key)

    def put_report(self, seller: str, report: ReportRecord, only_if_new: bool = False) -> bool:
        self.records[(seller, report.report_id)] = report
        return True


# ---- delivering streams onto it ---------------------------------------------------------

NOW = datetime(2026, 12, 31, tzinfo=UTC)  # ingest's clock: after every generated event
Events = list[dict[str, Any]]


def deliver(store: MemoryStore, bodies: Events, batch_sizes: list[int]) -> list[Result]:
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


def in_order(events: Events) -> MemoryStore:
    """Each distinct event once, in time order (in batches of ten, as the queue delivers)."""
    store = MemoryStore()
    results = deliver(store, sorted(events, key=reference.key), [10] * len(events))
    assert {r.status for r in results} <= {"accepted"}
    return store


def content(store: MemoryStore) -> dict[str, Any]:
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
        "orders": {k: v.state for k, v in store.orders.items()},
        "contacts": {k: v.state for k, v in store.contacts.items()},
        "aggregates": aggregates,
        "registry": set(store.registry),
    }
