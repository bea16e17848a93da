"""What each service needs of its store, as `typing.Protocol`s: the services are typed
against these, never against a store class.

Two implementations stand behind every port: the DynamoDB stores of this package (the
product) and the embedded store of the local tools (`csinsights_local.embedded`, in memory,
for replays and unit-speed tests). One contract suite (`tests/contract`) runs the same
calls against both and expects the same results and the same domain errors: a failed
version or registration condition is `Conflict` and writes nothing; a plan too large for
one transaction is `TooManyItems`.

This module imports no AWS library, so the embedded store can implement it without one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, NamedTuple, Protocol

from csinsights.config import Settings
from csinsights.domain.alerts import ReplyDue
from csinsights.domain.batch import Plan, Stored
from csinsights.domain.benchmarks import Benchmark
from csinsights.domain.contacts import OpenContact
from csinsights.domain.entities import ContactState, OrderState
from csinsights.domain.run import AggregateItem, SellerStoreCounts, Snapshot
from csinsights.domain.sharded import BenchmarkInput
from csinsights.models.records import RejectedEvent, ReportRecord, ReportRequest

MAX_TRANSACTION_ITEMS = 100
"""Items one commit may write or check (DynamoDB's limit of a transaction)."""


MAX_ALERTS_PUBLISHED = 10
"""Alerts one publish request may carry (EventBridge's `PutEvents` limit)."""


class ShardInput(NamedTuple):
    """A seller store's benchmark inputs, in the shard of its store's benchmarks."""

    store: str
    shard: int
    seller: str
    inputs: BenchmarkInput


class TooManyItems(Exception):
    """The writes do not fit one transaction: split the events."""


@dataclass(frozen=True)
class EntityRequest:
    seller: str
    store: str
    order_ids: frozenset[str]
    contact_ids: frozenset[str]
    with_registry: bool = False


@dataclass(frozen=True)
class Entities:
    orders: dict[str, Stored[OrderState]]
    contacts: dict[str, Stored[ContactState]]
    registered: bool


@dataclass(frozen=True)
class Claim:
    """An alert's claim: sent already, or held by a run until `lease_until` (epoch s)."""

    sent: bool
    lease_until: int

    def takeable(self, now: datetime) -> bool:
        return not self.sent and self.lease_until < int(now.timestamp())


class Configured(Protocol):
    @property
    def settings(self) -> Settings: ...


class KeepsRejected(Protocol):
    def keep_rejected(
        self,
        body: str,
        reason: str,
        errors: Sequence[Mapping[str, str]],
        message_id: str,
        now: datetime,
    ) -> None:
        """Idempotent per message: a redelivered rejection overwrites its own record."""


class RejectedPort(KeepsRejected, Protocol):
    """Invalid events kept for an operator (the command line lists and replays them)."""

    def list_rejected(self, day: date) -> list[RejectedEvent]: ...

    def delete_rejected(self, day: date, message_id: str) -> None: ...


class IngestPort(Configured, KeepsRejected, Protocol):
    def load_many(self, requests: Sequence[EntityRequest]) -> list[Entities]:
        """The entities each request names (absent ones as `Stored(None)`, version 0),
        read consistently, in one result per request."""

    def commit(self, seller: str, store: str, plan: Plan, register: bool, now: datetime) -> int:
        """Write the plan at once or not at all: entities with their version conditions,
        the aggregate deltas (added), the registry entry when `register` (written once).
        Returns the items written; `Conflict` when a condition fails, `TooManyItems` past
        MAX_TRANSACTION_ITEMS, `Busy` when AWS was."""


class Registry(Protocol):
    def registry_shard(self, shard: int, shards: int) -> list[tuple[str, str]]:
        """The registered (seller, store)s of registry shard `shard` of `shards` (a range of
        the registry's buckets, `keys.registry_buckets`), by bucket, then seller and store."""

    def stores_of(self, seller: str) -> list[str]:
        """The seller's registered stores, sorted."""


class Stores(Protocol):
    def put_stores(self, stores: Iterable[str]) -> None:
        """Note stores as having sellers (idempotent: a store noted twice is noted once)."""

    def stores(self) -> list[str]:
        """Every store noted, sorted."""


class OpenContacts(Protocol):
    def open_contacts(
        self,
        seller: str,
        store: str,
        *,
        received_from: datetime | None = None,
        received_before: datetime | None = None,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[OpenContact]:
        """Contacts waiting for a reply now (not answered, not marked as needing none; an
        auto-reply answers nothing), first received in [from, before), oldest first (or
        newest first); `limit`: the first that many of that order."""


class WaitingContacts(Protocol):
    def waiting(
        self, hour: str, shard: int, received_from: datetime, received_before: datetime
    ) -> list[OpenContact]:
        """The contacts of every seller store waiting for a reply now whose first message
        arrived in UTC hour `hour` (`2026-11-19T13`) and in [from, before), in `Waiting`
        index shard `shard`, by received time."""


class ContactsByTime(Protocol):
    def contacts(
        self, seller: str, store: str, start: datetime, end: datetime, newest_first: bool = False
    ) -> Iterator[tuple[str, ContactState]]:
        """Every contact first received in [start, end), with all its events, by (first
        received time, contact id); read page by page."""


class Snapshots(Protocol):
    def put_snapshot(self, snapshot: Snapshot) -> None: ...

    def snapshot(self, seller: str, day: date | None = None) -> Snapshot | None:
        """The given day's snapshot, or the newest."""

    def snapshots(self, seller: str, first_day: date, last_day: date) -> list[Snapshot]:
        """The seller's daily snapshots in [first_day, last_day], oldest first."""


class StoreBenchmarks(Protocol):
    def put_benchmarks(self, day: date, store: str, benchmarks: dict[str, Benchmark]) -> None: ...

    def benchmarks(self, day: date, stores: Iterable[str]) -> dict[str, dict[str, Benchmark]]:
        """The day's benchmarks of those of `stores` that have them."""

    def latest_benchmarks(
        self, store: str, day: date | None = None
    ) -> tuple[date, dict[str, Benchmark]] | None:
        """The store's benchmarks of `day`, or the newest, with their day."""


class BenchmarkShards(Configured, StoreBenchmarks, Protocol):
    """The stores' benchmarks, shard by shard: each seller store's inputs, kept by the counts
    step in its store's shard, read a shard at a time by each pass."""

    def put_benchmark_inputs(self, day: date, inputs: Sequence[ShardInput]) -> None:
        """Each seller store's benchmark inputs of the day, in its store's shard."""

    def benchmark_inputs(
        self, day: date, store: str, shard: int
    ) -> Iterator[tuple[str, BenchmarkInput]]:
        """One shard's benchmark inputs of the store and day, by seller."""


class RunPort(Registry, Stores, OpenContacts, Snapshots, BenchmarkShards, Protocol):
    """The scheduled run's steps: the registry, each seller store's aggregate deltas, the
    per-seller counts and benchmark inputs a step leaves for the next, the benchmarks, the
    snapshots."""

    def aggregates(
        self, seller: str, store: str, first_day: date, last_day: date
    ) -> list[AggregateItem]:
        """Every delta item whose belongs-to day lies in [first_day, last_day], by
        (belongs, effective)."""

    def put_seller_counts(
        self, day: date, store: str, seller: str, counts: SellerStoreCounts
    ) -> None: ...

    def seller_counts(
        self, day: date, seller: str, stores: Iterable[str]
    ) -> dict[str, SellerStoreCounts]:
        """The seller's counts of the day in those of `stores` that have them."""


class Files(Protocol):
    """The reports bucket: private objects, downloaded through short-lived links."""

    @property
    def bucket(self) -> str: ...

    def put(self, key: str, body: str, content_type: str) -> None: ...

    def upload(self, key: str, body: IO[bytes], content_type: str) -> None:
        """A file of any size from a (spooled) file object, never whole in memory."""

    def read(self, key: str) -> bytes: ...

    def download_link(self, key: str, filename: str, expires_in: int) -> str:
        """A link that downloads `key` as an attachment named `filename`."""


class ReportRecords(Protocol):
    def put_report(self, seller: str, report: ReportRecord, only_if_new: bool = False) -> bool:
        """`only_if_new`: leave a record already there alone (returns False)."""

    def report(self, seller: str, report_id: str) -> ReportRecord | None: ...

    def reports(
        self, seller: str, limit: int, after: str | None = None
    ) -> tuple[list[ReportRecord], str | None]:
        """Newest first, `limit` a page; `after` is the last report id of the previous
        page, and the second value where the next page starts (None: no more)."""


class ReportsPort(Configured, Files, ReportRecords, ContactsByTime, Protocol):
    """What the report worker reads and writes (and the API of the records and links)."""

    def orders(self, seller: str, store: str, order_ids: Iterable[str]) -> dict[str, OrderState]:
        """The stored orders among `order_ids` (one never placed nor voted on is absent)."""

    def voted_orders(
        self, seller: str, store: str, since: datetime
    ) -> Iterator[tuple[str, OrderState]]:
        """Orders whose latest vote is at or after `since`, newest first."""


class ReadPort(
    Configured, Registry, OpenContacts, ContactsByTime, Snapshots, StoreBenchmarks, Protocol
):
    """What the API reads: what the run published and the indexes ingest maintains."""


class ReportRequestsPort(Protocol):
    def send(self, request: ReportRequest) -> None: ...


class QuotaPort(Configured, Protocol):
    def take(self, seller: str, day: date, limit: int) -> bool:
        """Count one request unless `limit` are counted already (False); never past it,
        however many take at once."""

    def give_back(self, seller: str, day: date) -> None:
        """Uncount one request that was counted (`Conflict` if none is)."""


class AlertPort(Configured, Registry, WaitingContacts, ContactsByTime, Protocol):
    """The reply-due alert run: the contacts it could alert, the alerts' claims, the bus."""

    def claims(self, alerts: Sequence[ReplyDue]) -> dict[str, Claim]:
        """The claims of those of `alerts` that have one, by alert id."""

    def claim(self, alert: ReplyDue, lease_until: int, now: datetime) -> bool:
        """Take the alert until `lease_until` (epoch s): False when another run has sent
        it or holds it."""

    def release(self, alert: ReplyDue, lease_until: int) -> None:
        """Give back a claim this run took but could not publish (if still its own)."""

    def record_sent(self, alerts: Sequence[ReplyDue], now: datetime) -> None: ...

    def publish(self, alerts: Sequence[ReplyDue]) -> list[ReplyDue]:
        """One request of up to MAX_ALERTS_PUBLISHED alerts to the product's bus; returns
        those refused."""
