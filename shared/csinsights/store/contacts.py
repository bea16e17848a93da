"""The indexes ingest keeps of a seller store's contacts and orders: the sparse
`OpenContacts` (waiting for a reply now, by first received time) and `Waiting` (the same
contacts of every seller store by the hour they arrived), `Contacts` (every contact
by first received time, its events projected: what is judged as of an instant) and
`VotedOrders` (orders by their latest vote), and orders by id (consistent reads)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from csinsights.domain.contacts import OpenContact
from csinsights.domain.entities import ContactState, OrderState
from csinsights.store import codecs, keys
from csinsights.store.dynamo import TableStore

EARLIEST = "0"
LATEST = "~"
"""Sort keys before and after every `<received at>#<contact id>`."""


class ContactIndexes(TableStore):
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
        """Contacts waiting for a reply now, first received in [from, before), oldest first
        (or newest first)."""
        # A sort key is `<received at>#<contact id>`: one received exactly at `before`
        # sorts after `before`'s own text, so BETWEEN leaves it out (half-open).
        values = {
            ":pk": {"S": keys.open_pk(seller, store)},
            ":lo": {"S": codecs.iso(received_from) if received_from else EARLIEST},
            ":hi": {"S": codecs.iso(received_before) if received_before else LATEST},
        }
        condition = f"{keys.OPEN_PK} = :pk AND {keys.OPEN_SK} BETWEEN :lo AND :hi"
        order = {"IndexName": keys.OPEN_CONTACTS, "ScanIndexForward": not newest_first}
        if limit is None:
            items = list(self.table.query(condition, values, **order))
        else:
            items, _ = self.table.query_page(condition, values, Limit=limit, **order)
        return [codecs.open_contact(seller, store, item) for item in items]

    def waiting(
        self, hour: str, shard: int, received_from: datetime, received_before: datetime
    ) -> list[OpenContact]:
        """One partition of the sparse `Waiting` index: an hour's open contacts of every
        seller store (a shard of them), first received in [from, before)."""
        values = {
            ":pk": {"S": keys.waiting_pk(hour, shard)},
            ":lo": {"S": codecs.iso(received_from)},
            ":hi": {"S": codecs.iso(received_before)},
        }
        condition = f"{keys.WAITING_PK} = :pk AND {keys.WAITING_SK} BETWEEN :lo AND :hi"
        return [
            codecs.waiting_contact(item)
            for item in self.table.query(condition, values, IndexName=keys.WAITING)
        ]

    def contacts(
        self, seller: str, store: str, start: datetime, end: datetime, newest_first: bool = False
    ) -> Iterator[tuple[str, ContactState]]:
        """Contacts first received in [start, end), page after page (a page is at most 1 MB,
        so nothing holds a seller store's whole history)."""
        values = {
            ":pk": {"S": keys.contacts_pk(seller, store)},
            ":start": {"S": codecs.iso(start)},
            ":end": {"S": codecs.iso(end)},
        }
        condition = f"{keys.CONTACTS_PK} = :pk AND {keys.CONTACTS_SK} BETWEEN :start AND :end"
        items = self.table.query(
            condition, values, IndexName=keys.CONTACTS, ScanIndexForward=not newest_first
        )
        for item in items:
            yield item["contact_id"]["S"], codecs.decode_contact(item)

    def orders(self, seller: str, store: str, order_ids: Iterable[str]) -> dict[str, OrderState]:
        """The stored orders among `order_ids` (an order never placed nor voted on is absent)."""
        wanted = sorted(set(order_ids))
        found = self.table.batch_get(
            [keys.key(keys.order_pk(seller, store, order_id), keys.STATE) for order_id in wanted]
        )
        return {item["order_id"]["S"]: codecs.decode_order(item) for item in found}

    def voted_orders(
        self, seller: str, store: str, since: datetime
    ) -> Iterator[tuple[str, OrderState]]:
        """Orders whose latest vote is at or after `since`, newest first."""
        values = {":pk": {"S": keys.voted_pk(seller, store)}, ":since": {"S": codecs.iso(since)}}
        condition = f"{keys.VOTED_PK} = :pk AND {keys.VOTED_SK} >= :since"
        items: Iterator[Any] = self.table.query(
            condition, values, IndexName=keys.VOTED_ORDERS, ScanIndexForward=False
        )
        for item in items:
            yield item["order_id"]["S"], codecs.decode_order(item)
