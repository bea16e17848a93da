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
  what they project: the registry by shard, then seller and store; contacts by first
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

import zlib
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
from csinsights.errors import Conflict
from csinsights.models.records import RejectedEvent, ReportRecord, ReportRequest
from csinsights.store import codecs, keys
from csinsights.store.ports import (
    MAX_ALERTS_PUBLISHED,
    MAX_TRANSACTION_ITEMS,
    Claim,
    Entities,
    EntityRequest,
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


def embedded_settings(**given: Any) -> Settings:
    """Settings naming the embedded store's resources (whatever the environment says)."""
    return Settings(
        table_name="embedded",
        reports_bucket="embedded-reports",
        report_requests_queue_url="embedded://report-requests",
        event_bus_name="embedded-bus",
        **given,
    )


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
        items = self.deltas[pair]
        for (effective, belongs, counter), value in plan.deltas.items():
            if value:
                item = items.setdefault((belongs, effective), {})
                item[counter] = item.get(counter, 0) + value
        if register:
            self.registry[pair] = codecs.iso(now)
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
    def seller_stores(self) -> list[tuple[str, str]]:
        """In the order the sharded registry lists them."""
        return sorted(self.registry, key=_registry_order)

    def stores_of(self, seller: str) -> list[str]:
        return sorted(store for s, store in self.registry if s == seller)

    # ---- contacts and orders by index ------------------------------------------------------
    def open_contacts(
        self,
        seller: str,
        store: str,
        *,
        received_from: datetime | None = None,
        received_before: datetime | None = None,
        limit: int | None = None,
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
        found.sort(key=lambda c: (c.received_at, c.contact_id))
        return found if limit is None else found[:limit]

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
        for _, contact_id, contact in found:
            yield contact_id, contact.with_order_placed(())

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
        return [
            AggregateItem(belongs, effective, dict(counters))
            for (belongs, effective), counters in sorted(
                self.deltas.get((seller, store), {}).items()
            )
            if first_day <= belongs <= last_day
        ]

    def put_seller_counts(
        self, day: date, store: str, seller: str, counts: SellerStoreCounts
    ) -> None:
        self.run_counts[(day, store)][seller] = counts

    def store_seller_counts(self, day: date, store: str) -> Iterator[tuple[str, SellerStoreCounts]]:
        counts = self.run_counts.get((day, store), {})
        for seller in sorted(counts):
            yield seller, counts[seller]

    def seller_counts(
        self, day: date, seller: str, stores: Iterable[str]
    ) -> dict[str, SellerStoreCounts]:
        return {
            store: self.run_counts[(day, store)][seller]
            for store in stores
            if seller in self.run_counts.get((day, store), {})
        }

    # ---- what the run publishes -----------------------------------------------------------
    def put_benchmarks(self, day: date, store: str, benchmarks: dict[str, Benchmark]) -> None:
        self.store_marks[store][day] = dict(benchmarks)

    def benchmarks(self, day: date, stores: Iterable[str]) -> dict[str, dict[str, Benchmark]]:
        return {
            store: dict(marks[day])
            for store in stores
            if day in (marks := self.store_marks.get(store, {}))
        }

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
        self.snaps[snapshot.seller_id][snapshot.as_of_day] = snapshot

    def snapshot(self, seller: str, day: date | None = None) -> Snapshot | None:
        days = self.snaps.get(seller, {})
        if day is not None:
            return days.get(day)
        return days[max(days)] if days else None

    def snapshots(self, seller: str, first_day: date, last_day: date) -> list[Snapshot]:
        days = self.snaps.get(seller, {})
        return [days[day] for day in sorted(days) if first_day <= day <= last_day]

    # ---- reports: records, files, the requests queue ---------------------------------------
    def put_report(self, seller: str, report: ReportRecord, only_if_new: bool = False) -> bool:
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
        self.objects[key] = (body.encode(), content_type)

    def upload(self, key: str, body: IO[bytes], content_type: str) -> None:
        self.objects[key] = (body.read(), content_type)

    def read(self, key: str) -> bytes:
        return self.objects[key][0]

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
    def claims(self, seller: str, store: str) -> dict[str, Claim]:
        return {
            item.alert_id: Claim(item.sent_at is not None, item.lease_until or 0)
            for item in self.claim_items.get((seller, store), {}).values()
        }

    def claim(self, alert: ReplyDue, lease_until: int, now: datetime) -> bool:
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
        item = self.claim_items.get((alert.seller_id, alert.store_id), {}).get(_claim_key(alert))
        if item is not None and item.sent_at is None and item.lease_until == lease_until:
            item.lease_until = 0

    def record_sent(self, alerts: Sequence[ReplyDue], now: datetime) -> None:
        for alert in alerts:
            self.claim_items[(alert.seller_id, alert.store_id)][_claim_key(alert)] = _ClaimItem(
                alert.alert_id, sent_at=codecs.iso(now)
            )

    def publish(self, alerts: Sequence[ReplyDue]) -> list[ReplyDue]:
        assert len(alerts) <= MAX_ALERTS_PUBLISHED
        self.bus.extend(alerts)
        return []


_ABSENT_ORDER: Stored[OrderState] = Stored(None)
_ABSENT_CONTACT: Stored[ContactState] = Stored(None)


def _check_version(items: dict[str, Stored[Any]], key: str, version: int) -> None:
    if items.get(key, _ABSENT_ORDER).version != version:
        raise Conflict(f"TransactionCanceledException: {key} is not at version {version}")


def _registry_order(pair: SellerStore) -> tuple[int, str]:
    seller, store = pair
    shard = zlib.crc32(seller.encode()) % keys.REGISTRY_SHARDS
    return shard, keys.registry_sk(seller, store)


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
