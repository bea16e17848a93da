"""Plan the effect of a batch of events on one seller's store: pure, no I/O.

Given the events and the stored entities they touch (with versions), `plan_batch` returns
the new entity states, the aggregate deltas, and the entities whose unchanged state was
read and must be condition-checked, so the writes commit atomically and serializably.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

from csinsights.domain.counters import (
    DeltaKey,
    contact_changes,
    order_changes,
    subtract,
)
from csinsights.domain.entities import (
    ConflictingEvent,
    ContactState,
    OrderState,
    apply_contact_event,
    apply_order_event,
)

if TYPE_CHECKING:
    from csinsights.models.events import MarketplaceEvent

ORDER_EVENTS = frozenset({"order.placed", "survey.vote"})

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
    contact_checks: dict[str, int] = field(default_factory=dict)
    deltas: Counter[DeltaKey] = field(default_factory=Counter)


def first_keys(events: list[MarketplaceEvent]) -> tuple[set[str], set[str]]:
    """Order and contact ids the events name directly."""
    orders: set[str] = set()
    contacts: set[str] = set()
    for event in events:
        if event.type in ORDER_EVENTS:
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
    """Entities the first round's entities lead to: contacts' orders, orders' contacts."""
    touched_orders = {e.data.order_id for e in events if e.type in ORDER_EVENTS}
    more_orders = {
        c.state.order_id
        for c in contacts.values()
        if c.state is not None and c.state.order_id is not None
    }
    more_contacts = {
        cid
        for oid in touched_orders
        if (o := orders.get(oid)) is not None and o.state is not None
        for cid in o.state.contacts
    }
    return more_orders - orders.keys(), more_contacts - contacts.keys()


def plan_batch(
    events: list[MarketplaceEvent],
    orders: dict[str, Stored[OrderState]],
    contacts: dict[str, Stored[ContactState]],
) -> Plan:
    """Events of one seller and store; `orders`/`contacts` hold every entity that
    `first_keys` and `next_keys` named (state None when absent)."""
    plan = Plan()
    new_orders: dict[str, OrderState] = {
        k: v.state for k, v in orders.items() if v.state is not None
    }
    new_contacts: dict[str, ContactState] = {
        k: v.state for k, v in contacts.items() if v.state is not None
    }
    for index, event in enumerate(events):
        try:
            if event.type in ORDER_EVENTS:
                oid = event.data.order_id
                updated = apply_order_event(new_orders.get(oid, OrderState()), event)
                if updated is not None:
                    new_orders[oid] = updated
            else:
                cid = event.data.contact_id
                updated_contact = apply_contact_event(new_contacts.get(cid, ContactState()), event)
                updated = updated_contact
                if updated_contact is not None:
                    new_contacts[cid] = updated_contact
                    if event.type == "contact.received" and event.data.order_id is not None:
                        linked = new_orders.get(event.data.order_id, OrderState())
                        new_orders[event.data.order_id] = replace(
                            linked, contacts=linked.contacts | {cid}
                        )
        except ConflictingEvent as exc:
            plan.outcomes[index] = "conflict"
            plan.conflicts[index] = str(exc)
            continue
        plan.outcomes[index] = "accepted" if updated is not None else "duplicate"

    def old_order(oid: str | None) -> OrderState | None:
        return orders[oid].state if oid is not None and oid in orders else None

    def new_order(oid: str | None) -> OrderState | None:
        return new_orders.get(oid) if oid is not None else None

    changed_orders = {
        oid
        for oid, state in new_orders.items()
        if (old := old_order(oid)) is None or not old.same_events(state)
    }
    for oid in changed_orders:
        plan.deltas.update(subtract(order_changes(new_orders[oid]), order_changes(old_order(oid))))

    # An auto-reply changes no figure: such a contact is written (its id is the duplicate
    # marker) but contributes no delta and makes its order no read to check.
    changed_contacts = {
        cid
        for cid, state in new_contacts.items()
        if not (contacts.get(cid, Stored(None)).state or ContactState()).same_figures(state)
    }
    reached = {cid for oid in changed_orders for cid in new_orders[oid].contacts}
    read_orders: set[str] = set()
    read_contacts: set[str] = set()
    for cid in changed_contacts | reached:
        before = contacts.get(cid, Stored(None)).state
        after = new_contacts.get(cid)
        read_contacts.add(cid)
        old_oid = before.order_id if before else None
        new_oid = after.order_id if after else None
        if cid not in changed_contacts and not ({old_oid, new_oid} & changed_orders):
            continue
        read_orders.update(o for o in (old_oid, new_oid) if o is not None)
        plan.deltas.update(
            subtract(
                contact_changes(after, new_order(new_oid)),
                contact_changes(before, old_order(old_oid)),
            )
        )
    plan.deltas = Counter({k: v for k, v in plan.deltas.items() if v})

    for oid, state in new_orders.items():
        stored = orders.get(oid, Stored(None))
        if stored.state != state:
            plan.order_writes[oid] = (stored.version, state)
        elif oid in read_orders:
            plan.order_checks[oid] = stored.version
    for cid, contact_state in new_contacts.items():
        stored_contact = contacts.get(cid, Stored(None))
        if stored_contact.state != contact_state:
            plan.contact_writes[cid] = (stored_contact.version, contact_state)
        elif cid in read_contacts:
            plan.contact_checks[cid] = stored_contact.version
    return plan
