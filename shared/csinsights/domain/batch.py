"""Plan the effect of a batch of events on one seller's store: pure, no I/O.

Given the events and the stored entities they touch (with versions), `plan_batch` returns
the new entity states, the aggregate deltas, and the rare order whose unchanged state was
read and must be condition-checked, so the writes commit atomically and serializably.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

from csinsights.domain.counters import DeltaKey, contact_changes, order_changes
from csinsights.domain.entities import (
    ConflictingEvent,
    ContactState,
    OrderState,
    apply_contact_event,
    apply_order_event,
)

if TYPE_CHECKING:
    from csinsights.models.events import MarketplaceEvent

Outcome = Literal["accepted", "duplicate", "conflict"]
T = TypeVar("T")


@dataclass(frozen=True)
class Stored(Generic[T]):
    state: T | None
    version: int = 0
    """0 when the item does not exist yet."""


@dataclass
class Plan:
    outcomes: dict[int, Outcome] = field(default_factory=dict)
    """Per event (index in the input list)."""
    conflicts: dict[int, str] = field(default_factory=dict)
    order_writes: dict[str, tuple[int, OrderState]] = field(default_factory=dict)
    contact_writes: dict[str, tuple[int, ContactState]] = field(default_factory=dict)
    order_checks: dict[str, int] = field(default_factory=dict)
    """Orders read, not written, whose placements a written contact copied."""
    deltas: Counter[DeltaKey] = field(default_factory=Counter)


def first_keys(events: list[MarketplaceEvent]) -> tuple[set[str], set[str]]:
    """Order and contact ids the events name directly."""
    orders: set[str] = set()
    contacts: set[str] = set()
    for event in events:
        if event.type == "order.placed" or event.type == "survey.vote":
            orders.add(event.data.order_id)
        else:
            contacts.add(event.data.contact_id)
            if event.type == "contact.received" and event.data.order_id is not None:
                orders.add(event.data.order_id)
    return orders, contacts


def next_keys(
    events: list[MarketplaceEvent],
    orders: dict[str, Stored[OrderState]],
    contacts: dict[str, Stored[ContactState]],
) -> tuple[set[str], set[str]]:
    """Entities the first round's entities lead to: the order a contact's earliest message
    names, when a new message may take its place (the link moves), and the contacts linked
    to an order whose placements may change (their copy of them is rewritten)."""
    received = {e.data.contact_id for e in events if e.type == "contact.received"}
    placed = {e.data.order_id for e in events if e.type == "order.placed"}
    more_orders = {
        oid
        for cid in received
        if (c := contacts.get(cid)) is not None
        and c.state is not None
        and (oid := c.state.order_id) is not None
    }
    more_contacts = {
        cid
        for oid in placed
        if (o := orders.get(oid)) is not None and o.state is not None
        for cid, _ in o.state.linked
    }
    return more_orders - orders.keys(), more_contacts - contacts.keys()


def plan_batch(
    events: list[MarketplaceEvent],
    orders: dict[str, Stored[OrderState]],
    contacts: dict[str, Stored[ContactState]],
    time_zone: str | None = None,
) -> Plan:
    """Events of one seller and store; `orders`/`contacts` hold every entity that
    `first_keys` and `next_keys` named (state None when absent); `time_zone` the store's
    (IANA), which a contact written without one keeps from then on (its arrival cell is
    decided when it is counted).

    Each item's contribution to the aggregates is a function of the item alone (see
    `counters`), so the deltas are the changed items' new contributions minus their old
    ones, and the version conditions of the writes are all a commit needs, but for an
    order read to refresh a contact's copy of its placements without being written."""
    plan = Plan()
    new_orders: dict[str, OrderState] = {
        k: v.state for k, v in orders.items() if v.state is not None
    }
    new_contacts: dict[str, ContactState] = {
        k: v.state for k, v in contacts.items() if v.state is not None
    }
    for index, event in enumerate(events):
        try:
            applied: bool
            if event.type == "order.placed" or event.type == "survey.vote":
                oid = event.data.order_id
                updated = apply_order_event(new_orders.get(oid, OrderState()), event)
                applied = updated is not None
                if updated is not None:
                    new_orders[oid] = updated
            else:
                cid = event.data.contact_id
                updated_contact = apply_contact_event(new_contacts.get(cid, ContactState()), event)
                applied = updated_contact is not None
                if updated_contact is not None:
                    new_contacts[cid] = updated_contact
                    if event.type == "contact.received" and event.data.order_id is not None:
                        named = new_orders.get(event.data.order_id, OrderState())
                        new_orders[event.data.order_id] = named.with_contact(cid)
        except ConflictingEvent as exc:
            plan.outcomes[index] = "conflict"
            plan.conflicts[index] = str(exc)
            continue
        plan.outcomes[index] = "accepted" if applied else "duplicate"

    # Links follow each contact's earliest message; copies follow the linked order.
    refresh: set[str] = set()
    for cid, contact in new_contacts.items():
        stored_contact = contacts.get(cid)
        before = stored_contact.state if stored_contact is not None else None
        if contact is before:
            continue
        was, now = (before.first_received() if before else None), contact.first_received()
        if was == now:
            continue
        refresh.add(cid)
        old_oid, new_oid = (was.order_id if was else None), (now.order_id if now else None)
        if old_oid is not None and old_oid != new_oid:
            new_orders[old_oid] = new_orders.get(old_oid, OrderState()).with_link(cid, None)
        if now is not None and new_oid is not None:
            linked = new_orders.get(new_oid, OrderState())
            new_orders[new_oid] = linked.with_link(cid, now.stamp.at.date())
    for oid, order in new_orders.items():
        stored_order = orders.get(oid)
        before_order = stored_order.state if stored_order is not None else None
        if order is before_order:
            continue
        if order.placed != (before_order.placed if before_order else ()):
            refresh.update(cid for cid, _ in order.linked if cid in new_contacts)
    copied_from: set[str] = set()
    for cid in refresh:
        contact = new_contacts[cid]
        named_oid = contact.order_id
        placed = new_orders.get(named_oid, OrderState()).placed if named_oid is not None else ()
        new_contacts[cid] = contact.with_order_placed(placed)
        if named_oid is not None:
            copied_from.add(named_oid)

    deltas: dict[DeltaKey, int] = {}
    absent_order: Stored[OrderState] = Stored(None)
    absent_contact: Stored[ContactState] = Stored(None)
    for oid, order_state in new_orders.items():
        stored = orders.get(oid, absent_order)
        if stored.state is not order_state and stored.state != order_state:
            plan.order_writes[oid] = (stored.version, order_state)
            for key, value in order_changes(order_state).items():
                deltas[key] = deltas.get(key, 0) + value
            for key, value in order_changes(stored.state).items():
                deltas[key] = deltas.get(key, 0) - value
        elif oid in copied_from:
            plan.order_checks[oid] = stored.version
    for cid, contact_state in new_contacts.items():
        stored_contact = contacts.get(cid, absent_contact)
        if stored_contact.state is not contact_state and stored_contact.state != contact_state:
            if contact_state.time_zone is None and time_zone is not None:
                contact_state = contact_state._replace(time_zone=time_zone)
            plan.contact_writes[cid] = (stored_contact.version, contact_state)
            for key, value in contact_changes(contact_state).items():
                deltas[key] = deltas.get(key, 0) + value
            for key, value in contact_changes(stored_contact.state).items():
                deltas[key] = deltas.get(key, 0) - value
    plan.deltas = Counter({k: v for k, v in deltas.items() if v})
    return plan
