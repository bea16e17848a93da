"""What the contacts report and the overdue list as of an instant read: a seller store's
contacts by first received time (the sparse `Contacts` index, which projects each
contact's events) and the orders they name (consistent `BatchGetItem`s)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from csinsights.domain.entities import ContactState, OrderState
from csinsights.store import codecs, keys
from csinsights.store.dynamo import Table


def open_contacts(table: Table, seller: str, store: str, limit: int) -> list[dict[str, Any]]:
    """The contacts still waiting for a reply now (the sparse `OpenContacts` index), oldest
    first: what the live overdue list and the insights page show."""
    items, _ = table.query_page(
        f"{keys.OPEN_PK} = :pk",
        {":pk": {"S": keys.open_pk(seller, store)}},
        IndexName=keys.OPEN_CONTACTS,
        Limit=limit,
    )
    return [codecs.open_contact(store, i) for i in items]


def contacts_between(
    table: Table,
    seller: str,
    store: str,
    start: datetime,
    end: datetime,
    newest_first: bool = False,
) -> Iterator[tuple[str, ContactState]]:
    """Contacts first received in [start, end), page after page (a page is at most 1 MB,
    so nothing holds a seller store's whole history)."""
    # A sort key is `<received at>#<contact id>`: one received exactly at `end` sorts
    # after `end`'s own text, so BETWEEN leaves it out, as the half-open window does.
    values = {
        ":pk": {"S": keys.contacts_pk(seller, store)},
        ":start": {"S": codecs.iso(start)},
        ":end": {"S": codecs.iso(end)},
    }
    condition = f"{keys.CONTACTS_PK} = :pk AND {keys.CONTACTS_SK} BETWEEN :start AND :end"
    items = table.query(
        condition, values, IndexName=keys.CONTACTS, ScanIndexForward=not newest_first
    )
    for item in items:
        yield item["contact_id"]["S"], codecs.decode_contact(item)


def orders_of(
    table: Table, seller: str, store: str, order_ids: Iterable[str]
) -> dict[str, OrderState]:
    """The stored orders among `order_ids` (an order never placed nor voted on is absent)."""
    wanted = sorted(set(order_ids))
    found = table.batch_get(
        [keys.key(keys.order_pk(seller, store, order_id), keys.STATE) for order_id in wanted]
    )
    return {item["order_id"]["S"]: codecs.decode_order(item) for item in found}
