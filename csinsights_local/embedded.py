"""The embedded store: every port of `csinsights.store.ports` in memory, in this process.

It is the product's store for what needs no AWS: `csinsights replay` runs real archives on
it through the product's own `Ingestor` and run steps, and the unit-speed tests run the
domain's properties on it. It keeps what the DynamoDB stores keep, as the domain's own
objects instead of items, with the same semantics where the product relies on them (one
contract suite, `tests/contract`, runs the same calls against both):

- a commit is all or nothing: every version condition (0: the item must not exist) and the
  registry entry's (written once) are checked before anything is written, a failed one is
  `Conflict`; more than MAX_TRANSACTION_ITEMS items is `TooManyItems`;
- aggregate deltas are added (a counter that adds up to zero stays, as DynamoDB's `ADD`
  leaves it);
- the indexes list what DynamoDB's sparse indexes hold, in their sort keys' order, with
  what they project: the registry by bucket, then seller and store; open contacts by the
  hour they arrived (`Waiting`); contacts by first
  received time and id (without their copy of the order's placements); open contacts (no
  reply, no mark: an auto-reply answers nothing); orders by latest vote (without their
  links to contacts);
- report records page newest first with the cursor DynamoDB gives (the last id of a full
  page); claims, quota counters and their conditions as the DynamoDB stores write them.

Entities are kept per seller store, so every read is of one seller store's items: what a
read costs does not grow with the archive.

Development only: the Lambda layer never ships it.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any

from csinsights.config import Settings
from csinsights.domain.alerts import ReplyDue
from csinsights.domain.batch import Plan, Stored
from csinsights.domain.benchmarks import Benchmark
from csinsights.domain.contacts import OpenContact
from csinsights.domain.entities import ContactState, OrderState
from csinsights.domain.run import AggregateItem, SellerStoreCounts, Snapshot
from csinsights.domain.sharded import BenchmarkInput
from csinsights.errors import Conflict
from csinsights.models.records import RejectedEvent, ReportRecord, ReportRequest
from csinsights.store import codecs, keys
from csinsights.store.ports import (
    MAX_ALERTS_PUBLISHED,
    MAX_TRANSACTION_ITEMS,
    Claim,
    Entities,
    EntityRequest,
    ShardInput,
    TooManyItems,
)

if TYPE_CHECKING:
    from csinsights.store.ports import (
        AlertPort,
        IngestPort,
        QuotaPort,
        ReadPort,
        RejectedPort,
        ReportRequestsPort,
        ReportsPort,
        RunPort,
    )

SellerStore = tuple[str, str]
Cell = tuple[date, date]
"""An aggregate item: (belongs, effective)."""


LOCAL_REGISTRY_SHARDS = 8
"""A local marketplace's registry shards unless `REGISTRY_SHARDS` says (as the local
stack's, `csinsights_local.stack.LOCAL_SHARDING`)."""


def embedded_settings(**given: Any) -> Settings:
    """Settings naming the embedded store's resources (whatever the environment says); the
    rest from the environment, as a function's."""
    if not os.environ.get("REGISTRY_SHARDS"):
        given.setdefault("registry_shards", LOCAL_REGISTRY_SHARDS)
    return Settings(
        table_name="embedded",
        reports_bucket="embedded-reports",
        report_requests_queue_url="embedded://report-requests",
        event_bus_name="embedded-bus",
        **given,
    )


PAGE_BYTES = 1 << 20
"""A query answers at most this much a request (DynamoDB's page)."""
ITEM_BYTES = {
    "registry": 100,
    "store": 40,
    "aggregate": 300,
    "benchmark input": 700,
    "contact": 1_000,
    "open contact": 250,
    "order": 800,
    "snapshot": 6_000,
    "report": 400,
    "rejected": 2_000,
}
"""About how large each family's items are, to count a query's pages as DynamoDB would."""


@dataclass
class Meter:
    """What the store was asked since the last `reset`, counted as the AWS requests the
    DynamoDB stores make for the same calls (a query a request per page, batch reads a
    hundred keys a request, batch writes 25 items, each object of the bucket one) and the
    table's items those requests read."""

    requests: int = 0
    items_read: int = 0

    def reset(self) -> None:
        self.requests = self.items_read = 0

    def query(self, items: int, family: str) -> None:
        self.requests += max(1, -(-items * ITEM_BYTES[family] // PAGE_BYTES))
        self.items_read += items

    def batch_read(self, keys: int, found: int) -> None:
        self.requests += -(-keys // 100)
        self.items_read += found

    def batch_write(self, items: int) -> None:
        self.requests += -(-items // 25)

    def one(self, items_read: int = 0) -> None:
        self.requests += 1
        self.items_read += items_read


@dataclass
class _ClaimItem:
    alert_id: str
    lease_until: int | None = None
    sent_at: str | None = None


@dataclass
class EmbeddedStore:
    settings: Settings = field(default_factory=embedded_settings)
    order_items: dict[SellerStore, dict[str, Stored[OrderState]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    contact_items: dict[SellerStore, dict[str, Stored[ContactState]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    deltas: dict[SellerStore, dict[Cell, dict[str, int]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    registry: dict[SellerStore, str] = field(default_factory=dict)
    """Registered seller stores, with when (the registry entry's `registered_at`)."""
    rejected: dict[date, dict[str, RejectedEvent]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    run_counts: dict[tuple[date, str], dict[str, SellerStoreCounts]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    store_marks: dict[str, dict[date, dict[str, Benchmark]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    snaps: dict[str, dict[date, Snapshot]] = field(default_factory=lambda: defaultdict(dict))
    records: dict[str, dict[str, ReportRecord]] = field(default_factory=lambda: defaultdict(dict))
    objects: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    """The reports bucket: body and content type by key."""
    requests: list[ReportRequest] = field(default_factory=list)
    """The report requests queue."""
    bus: list[ReplyDue] = field(default_factory=list)
    """What was published to the product's event bus."""
    claim_items: dict[SellerStore, dict[str, _ClaimItem]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    quota: dict[tuple[str, date], int] = field(default_factory=dict)
    store_names: set[str] = field(default_factory=set)
    inputs: dict[tuple[date, str, int], dict[str, BenchmarkInput]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    meter: Meter = field(default_factory=Meter)
    _by_bucket: dict[int, list[SellerStore]] | None = None
    """The registry by bucket, built when first listed after a change."""
    _waiting: dict[tuple[str, int], list[OpenContact]] | None = None
    """The `Waiting` index, built when first read after a change."""

    # ---- ingest ---------------------------------------------------------------------------
    def load_many(self, requests: Sequence[EntityRequest]) -> list[Entities]:
        out = []
        for r in requests:
            orders = self.order_items.get((r.seller, r.store), {})
            contacts = self.contact_items.get((r.seller, r.store), {})
            out.append(
                Entities(
                    {o: orders.get(o, _ABSENT_ORDER) for o in r.order_ids},
                    {c: contacts.get(c, _ABSENT_CONTACT) for c in r.contact_ids},
                    r.with_registry and (r.seller, r.store) in self.registry,
                )
            )
        return out

    def commit(self, seller: str, store: str, plan: Plan, register: bool, now: datetime) -> int:
        pair = (seller, store)
        register = register and bool(plan.order_writes or plan.contact_writes)
        cells = {(b, e) for (e, b, _), value in plan.deltas.items() if value}
        size = (
            len(plan.order_writes)
            + len(plan.contact_writes)
            + len(plan.order_checks)
            + len(cells)
            + register
        )
        if not size:
            return 0
        if size > MAX_TRANSACTION_ITEMS:
            raise TooManyItems(f"{size} items")
        orders = self.order_items[pair]
        contacts = self.contact_items[pair]
        for oid, (version, _) in plan.order_writes.items():
            _check_version(orders, oid, version)
        for cid, (version, _) in plan.contact_writes.items():
            _check_version(contacts, cid, version)
        for oid, version in plan.order_checks.items():
            _check_version(orders, oid, version)
        if register and pair in self.registry:
            raise Conflict("TransactionCanceledException: the seller store is registered")
        for oid, (version, order) in plan.order_writes.items():
            orders[oid] = Stored(order, version + 1)
        for cid, (version, contact) in plan.contact_writes.items():
            contacts[cid] = Stored(contact, version + 1)
        if plan.contact_writes:
            self._waiting = None
        items = self.deltas[pair]
        for (effective, belongs, counter), value in plan.deltas.items():
            if value:
                item = items.setdefault((belongs, effective), {})
                item[counter] = item.get(counter, 0) + value
        if register:
            self.registry[pair] = codecs.iso(now)
            self._by_bucket = None
        return size

    # ---- rejected events ----------------------------------------------------------------
    def keep_rejected(
        self,
        body: str,
        reason: str,
        errors: Sequence[Mapping[str, str]],
        message_id: str,
        now: datetime,
    ) -> None:
        self.rejected[now.date()][message_id] = codecs.kept(body, reason, errors, message_id, now)

    def list_rejected(self, day: date) -> list[RejectedEvent]:
        kept = self.rejected.get(day, {})
        return [kept[message_id] for message_id in sorted(kept)]

    def delete_rejected(self, day: date, message_id: str) -> None:
        self.rejected.get(day, {}).pop(message_id, None)

    # ---- the registry ---------------------------------------------------------------------
    def registry_shard(self, shard: int, shards: int) -> list[tuple[str, str]]:
        if self._by_bucket is None:
            self._by_bucket = defaultdict(list)
            for pair in sorted(self.registry, key=_registry_order):
                self._by_bucket[keys.registry_bucket(pair[0])].append(pair)
        buckets = keys.registry_buckets(shard, shards)
        found = [pair for b in buckets for pair in self._by_bucket.get(b, [])]
        self.meter.requests += len(keys.registry_ranges(buckets))
        self.meter.items_read += len(found)
        return found

    def stores_of(self, seller: str) -> list[str]:
        found = sorted(store for s, store in self.registry if s == seller)
        self.meter.query(len(found), "registry")
        return found

    def put_stores(self, stores: Iterable[str]) -> None:
        given = set(stores)
        self.meter.batch_write(len(given))
        self.store_names |= given

    def stores(self) -> list[str]:
        self.meter.query(len(self.store_names), "store")
        return sorted(self.store_names)

    # ---- contacts and orders by index ------------------------------------------------------
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
        found = []
        for contact_id, stored in self.contact_items.get((seller, store), {}).items():
            contact = stored.state
            first = contact.first_received() if contact is not None else None
            if contact is None or first is None or contact.responded:
                continue
            if contact.no_response_needed:
                continue
            at = first.stamp.at
            if received_from is not None and at < received_from:
                continue
            if received_before is not None and at >= received_before:
                continue
            found.append(OpenContact.of(seller, store, contact_id, first))
        found.sort(key=lambda c: (c.received_at, c.contact_id), reverse=newest_first)
        found = found if limit is None else found[:limit]
        self.meter.query(len(found), "open contact")
        return found

    def waiting(
        self, hour: str, shard: int, received_from: datetime, received_before: datetime
    ) -> list[OpenContact]:
        if self._waiting is None:
            self._waiting = self._waiting_index()
        found = [
            c
            for c in self._waiting.get((hour, shard), [])
            if received_from <= c.received_at < received_before
        ]
        self.meter.query(len(found), "open contact")
        return found

    def _waiting_index(self) -> dict[tuple[str, int], list[OpenContact]]:
        index: dict[tuple[str, int], list[tuple[str, OpenContact]]] = defaultdict(list)
        for (seller, store), contacts in self.contact_items.items():
            for contact_id, stored in contacts.items():
                if stored.state is None:
                    continue
                entry = codecs.waiting_index(seller, store, contact_id, stored.state)
                if entry:
                    first = stored.state.first_received()
                    assert first is not None
                    pk = entry[keys.WAITING_PK]["S"]
                    _, hour, number = pk.split("#")
                    index[(hour, int(number))].append(
                        (
                            entry[keys.WAITING_SK]["S"],
                            OpenContact.of(seller, store, contact_id, first),
                        )
                    )
        return {k: [c for _, c in sorted(v)] for k, v in index.items()}

    def contacts(
        self, seller: str, store: str, start: datetime, end: datetime, newest_first: bool = False
    ) -> Iterator[tuple[str, ContactState]]:
        found = []
        for contact_id, stored in self.contact_items.get((seller, store), {}).items():
            contact = stored.state
            first = contact.first_received() if contact is not None else None
            if contact is not None and first is not None and start <= first.stamp.at < end:
                found.append((first.stamp.at, contact_id, contact))
        found.sort(key=lambda f: (f[0], f[1]), reverse=newest_first)
        self.meter.query(len(found), "contact")
        for _, contact_id, contact in found:
            # As the Contacts index projects it: no copy of the placements, no time zone.
            yield contact_id, contact.with_order_placed(())._replace(time_zone=None)

    def orders(self, seller: str, store: str, order_ids: Iterable[str]) -> dict[str, OrderState]:
        stored = self.order_items.get((seller, store), {})
        return {
            oid: state
            for oid in sorted(set(order_ids))
            if oid in stored and (state := stored[oid].state) is not None
        }

    def voted_orders(
        self, seller: str, store: str, since: datetime
    ) -> Iterator[tuple[str, OrderState]]:
        found = []
        for order_id, stored in self.order_items.get((seller, store), {}).items():
            order = stored.state
            if order is None or not order.votes:
                continue
            latest = max(order.votes)
            if latest.stamp.at >= since:
                found.append((latest.stamp.at, order_id, order))
        found.sort(key=lambda f: (f[0], f[1]), reverse=True)
        for _, order_id, order in found:
            yield order_id, OrderState(order.placed, order.votes, order.contacts)

    # ---- the scheduled run ---------------------------------------------------------------
    def aggregates(
        self, seller: str, store: str, first_day: date, last_day: date
    ) -> list[AggregateItem]:
        found = [
            AggregateItem(belongs, effective, dict(counters))
            for (belongs, effective), counters in sorted(
                self.deltas.get((seller, store), {}).items()
            )
            if first_day <= belongs <= last_day
        ]
        self.meter.query(len(found), "aggregate")
        return found

    def put_seller_counts(
        self, day: date, store: str, seller: str, counts: SellerStoreCounts
    ) -> None:
        self.meter.one()
        self.run_counts[(day, store)][seller] = counts

    def seller_counts(
        self, day: date, seller: str, stores: Iterable[str]
    ) -> dict[str, SellerStoreCounts]:
        wanted = list(stores)
        found = {
            store: self.run_counts[(day, store)][seller]
            for store in wanted
            if seller in self.run_counts.get((day, store), {})
        }
        self.meter.batch_read(len(wanted), len(found))
        return found

    def put_benchmark_inputs(self, day: date, inputs: Sequence[ShardInput]) -> None:
        self.meter.batch_write(len(inputs))
        for i in inputs:
            self.inputs[(day, i.store, i.shard)][i.seller] = i.inputs

    def benchmark_inputs(
        self, day: date, store: str, shard: int
    ) -> Iterator[tuple[str, BenchmarkInput]]:
        found = self.inputs.get((day, store, shard), {})
        self.meter.query(len(found), "benchmark input")
        for seller in sorted(found):
            yield seller, found[seller]

    # ---- what the run publishes -----------------------------------------------------------
    def put_benchmarks(self, day: date, store: str, benchmarks: dict[str, Benchmark]) -> None:
        self.meter.one()
        self.store_marks[store][day] = dict(benchmarks)

    def benchmarks(self, day: date, stores: Iterable[str]) -> dict[str, dict[str, Benchmark]]:
        wanted = list(stores)
        found = {
            store: dict(marks[day])
            for store in wanted
            if day in (marks := self.store_marks.get(store, {}))
        }
        self.meter.batch_read(len(wanted), len(found))
        return found

    def latest_benchmarks(
        self, store: str, day: date | None = None
    ) -> tuple[date, dict[str, Benchmark]] | None:
        marks = self.store_marks.get(store, {})
        if day is not None:
            return (day, dict(marks[day])) if day in marks else None
        if not marks:
            return None
        newest = max(marks)
        return newest, dict(marks[newest])

    def put_snapshot(self, snapshot: Snapshot) -> None:
        self.meter.one()
        self.snaps[snapshot.seller_id][snapshot.as_of_day] = snapshot

    def snapshot(self, seller: str, day: date | None = None) -> Snapshot | None:
        days = self.snaps.get(seller, {})
        if day is not None:
            return days.get(day)
        return days[max(days)] if days else None

    def snapshots(self, seller: str, first_day: date, last_day: date) -> list[Snapshot]:
        days = self.snaps.get(seller, {})
        found = [days[day] for day in sorted(days) if first_day <= day <= last_day]
        self.meter.query(len(found), "snapshot")
        return found

    # ---- reports: records, files, the requests queue ---------------------------------------
    def put_report(self, seller: str, report: ReportRecord, only_if_new: bool = False) -> bool:
        self.meter.one()
        records = self.records[seller]
        if only_if_new and report.report_id in records:
            return False
        records[report.report_id] = report
        return True

    def report(self, seller: str, report_id: str) -> ReportRecord | None:
        return self.records.get(seller, {}).get(report_id)

    def reports(
        self, seller: str, limit: int, after: str | None = None
    ) -> tuple[list[ReportRecord], str | None]:
        records = self.records.get(seller, {})
        ids = sorted((i for i in records if after is None or i < after), reverse=True)
        page = ids[:limit]
        return [records[i] for i in page], (page[-1] if len(page) == limit else None)

    @property
    def bucket(self) -> str:
        return self.settings.required("reports_bucket")

    def put(self, key: str, body: str, content_type: str) -> None:
        self.meter.one()
        self.objects[key] = (body.encode(), content_type)

    def upload(self, key: str, body: IO[bytes], content_type: str) -> None:
        self.objects[key] = (body.read(), content_type)

    def read(self, key: str) -> bytes:
        self.meter.one()
        return self.objects[key][0]

    def keys_under(self, prefix: str) -> list[str]:
        """The bucket's keys under `prefix`, in order (as S3 lists them)."""
        return sorted(k for k in self.objects if k.startswith(prefix))

    def download_link(self, key: str, filename: str, expires_in: int) -> str:
        if key not in self.objects:
            raise KeyError(key)
        return f"embedded://{self.bucket}/{key}?filename={filename}&expires_in={expires_in}"

    def send(self, request: ReportRequest) -> None:
        self.requests.append(request)

    # ---- fair use -------------------------------------------------------------------------
    def take(self, seller: str, day: date, limit: int) -> bool:
        count = self.quota.get((seller, day), 0)
        if count >= limit:
            return False
        self.quota[(seller, day)] = count + 1
        return True

    def give_back(self, seller: str, day: date) -> None:
        count = self.quota.get((seller, day))
        if not count:
            raise Conflict("ConditionalCheckFailedException: nothing counted")
        self.quota[(seller, day)] = count - 1

    # ---- reply-due alerts -----------------------------------------------------------------
    def claims(self, alerts: Sequence[ReplyDue]) -> dict[str, Claim]:
        unique = {a.alert_id: a for a in alerts}.values()
        found = {}
        for alert in unique:
            items = self.claim_items.get((alert.seller_id, alert.store_id), {})
            item = items.get(_claim_key(alert))
            if item is not None:
                found[item.alert_id] = Claim(item.sent_at is not None, item.lease_until or 0)
        self.meter.batch_read(len(unique), len(found))
        return found

    def claim(self, alert: ReplyDue, lease_until: int, now: datetime) -> bool:
        self.meter.one()
        items = self.claim_items[(alert.seller_id, alert.store_id)]
        item = items.get(_claim_key(alert))
        takeable = item is None or (
            item.sent_at is None
            and item.lease_until is not None
            and item.lease_until < int(now.timestamp())
        )
        if takeable:
            items[_claim_key(alert)] = _ClaimItem(alert.alert_id, lease_until=lease_until)
        return takeable

    def release(self, alert: ReplyDue, lease_until: int) -> None:
        self.meter.one()
        item = self.claim_items.get((alert.seller_id, alert.store_id), {}).get(_claim_key(alert))
        if item is not None and item.sent_at is None and item.lease_until == lease_until:
            item.lease_until = 0

    def record_sent(self, alerts: Sequence[ReplyDue], now: datetime) -> None:
        self.meter.batch_write(len(alerts))
        for alert in alerts:
            self.claim_items[(alert.seller_id, alert.store_id)][_claim_key(alert)] = _ClaimItem(
                alert.alert_id, sent_at=codecs.iso(now)
            )

    def publish(self, alerts: Sequence[ReplyDue]) -> list[ReplyDue]:
        assert len(alerts) <= MAX_ALERTS_PUBLISHED
        if alerts:
            self.meter.one()
        self.bus.extend(alerts)
        return []


_ABSENT_ORDER: Stored[OrderState] = Stored(None)
_ABSENT_CONTACT: Stored[ContactState] = Stored(None)


def _check_version(items: dict[str, Stored[Any]], key: str, version: int) -> None:
    if items.get(key, _ABSENT_ORDER).version != version:
        raise Conflict(f"TransactionCanceledException: {key} is not at version {version}")


def _registry_order(pair: SellerStore) -> tuple[int, str]:
    seller, store = pair
    return keys.registry_bucket(seller), keys.registry_sk(seller, store)


def _claim_key(alert: ReplyDue) -> str:
    return keys.alert_key(alert.seller_id, alert.store_id, alert.contact_id, alert.threshold_hours)[
        "sk"
    ]["S"]


if TYPE_CHECKING:

    def _implements(
        store: EmbeddedStore,
    ) -> tuple[
        IngestPort,
        RejectedPort,
        RunPort,
        ReadPort,
        ReportsPort,
        ReportRequestsPort,
        QuotaPort,
        AlertPort,
    ]:
        return store, store, store, store, store, store, store, store
