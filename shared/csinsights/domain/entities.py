"""Per-order and per-contact state as the set of events applied to each.

State is a pure function of the *set* of distinct events, never of arrival order: that is
what makes ingest exactly-once in effect under duplicates and reordering. Each entity keeps
the ids of its events, which doubles as the durable duplicate marker.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

if TYPE_CHECKING:  # the domain never imports pydantic at run time (cold start)
    from csinsights.models.events import (
        ContactNoResponseNeeded,
        ContactReceived,
        ContactResponded,
        OrderPlaced,
        SurveyVote,
    )


class Stamp(NamedTuple):
    """When an event happened; ties broken by event id, as the contract orders events.

    The events' records are named tuples: compared, hashed and kept by the interpreter's
    own tuple code (an entity is compared and sorted on every event it takes)."""

    at: datetime
    event_id: str


class Placed(NamedTuple):
    stamp: Stamp
    fulfillment: Literal["seller", "marketplace"]


class Vote(NamedTuple):
    stamp: Stamp
    answer: str  # "yes", "no" or "1".."5"
    contact_id: str | None = None

    @property
    def dissatisfied(self) -> bool:
        return self.answer in ("no", "1", "2")


class Received(NamedTuple):
    stamp: Stamp
    reason: str
    order_id: str | None = None


class OrderState(NamedTuple):
    """An order's events (and what its contacts' earliest messages tell it): immutable, so
    a store can keep the object itself; a named tuple, made and compared at C speed."""

    placed: tuple[Placed, ...] = ()
    votes: tuple[Vote, ...] = ()
    contacts: frozenset[str] = frozenset()
    """Contacts that named this order in any of their messages."""
    linked: tuple[tuple[str, date], ...] = ()
    """The contacts whose earliest message names this order, each with that message's day:
    what a vote on the order changes in the buyer dissatisfaction rate, kept here so that a
    vote is counted from the order alone (sorted by contact id)."""

    def event_ids(self) -> set[str]:
        return {p.stamp.event_id for p in self.placed} | {v.stamp.event_id for v in self.votes}

    def same_events(self, other: OrderState) -> bool:
        return self.placed == other.placed and self.votes == other.votes

    def with_link(self, contact_id: str, day: date | None) -> OrderState:
        """The order with `contact_id` linked on `day`, or unlinked when `day` is None."""
        links = {c: d for c, d in self.linked if c != contact_id}
        if day is not None:
            links[contact_id] = day
        return OrderState(self.placed, self.votes, self.contacts, tuple(sorted(links.items())))

    def with_contact(self, contact_id: str) -> OrderState:
        """The order named by one more contact's message."""
        if contact_id in self.contacts:
            return self
        return OrderState(self.placed, self.votes, self.contacts | {contact_id}, self.linked)


class ContactState(NamedTuple):
    """A contact's events (and a copy of its order's placements): immutable, as an order."""

    received: tuple[Received, ...] = ()
    responded: tuple[Stamp, ...] = ()
    """The seller's own replies: only these stop the clock."""
    no_response_needed: tuple[Stamp, ...] = ()
    auto_replied: tuple[Stamp, ...] = ()
    """Automated replies: kept apart from `responded` so that nothing reading replies counts
    them, yet each one's id stays a duplicate marker (and the auto-replies can be told)."""
    order_placed: tuple[Placed, ...] = ()
    """The `order.placed` events of the order this contact's earliest message names: whether
    the contact counts as self-fulfilled, kept here so that a reply is counted from the
    contact alone. Rewritten whenever that order's placements change."""
    time_zone: str | None = None
    """The store's time zone (IANA) when the contact was first counted: its arrival cell
    (`by_arrival`) is its earliest message's local time there. None on a contact stored
    before arrival cells were counted, until the layout migration (or its next change)
    counts it."""

    def event_ids(self) -> set[str]:
        return (
            {r.stamp.event_id for r in self.received}
            | {s.event_id for s in self.responded}
            | {s.event_id for s in self.no_response_needed}
            | {s.event_id for s in self.auto_replied}
        )

    def same_figures(self, other: ContactState) -> bool:
        """Whether the two differ at most in auto-replies, which change no figure."""
        return self._replace(auto_replied=()) == other._replace(auto_replied=())

    def with_order_placed(self, placed: tuple[Placed, ...]) -> ContactState:
        """The contact with a new copy of its order's placements."""
        return ContactState(
            self.received,
            self.responded,
            self.no_response_needed,
            self.auto_replied,
            placed,
            self.time_zone,
        )

    def first_received(self) -> Received | None:
        return min(self.received, default=None)

    @property
    def order_id(self) -> str | None:
        """The order of the earliest `contact.received`: the earliest stands."""
        first = self.first_received()
        return first.order_id if first else None


class ConflictingEvent(ValueError):
    """An event id already applied with different content: not a redelivery."""


def _add(items: tuple[Any, ...], item: Any) -> tuple[Any, ...]:
    """`items` (sorted) with `item` in its place; events mostly come in time order."""
    if not items or items[-1] < item:
        return (*items, item)
    return tuple(sorted((*items, item)))


def _check_duplicate(existing: tuple[Any, ...], event_id: str, item: object) -> bool:
    for old in existing:
        old_id = old.event_id if isinstance(old, Stamp) else old.stamp.event_id
        if old_id == event_id:
            if old != item:
                raise ConflictingEvent(
                    f"event_id {event_id} was already applied with other content"
                )
            return True
    return False


def apply_order_event(state: OrderState, event: OrderPlaced | SurveyVote) -> OrderState | None:
    """The order with `event` applied, or None when it is a duplicate delivery."""
    stamp = Stamp(event.occurred_at, event.event_id)
    if event.type == "order.placed":
        placed = Placed(stamp, event.data.fulfillment)
        if _check_duplicate(state.placed, event.event_id, placed):
            return None
        _reject_cross_kind(state.votes, event.event_id)
        return OrderState(_add(state.placed, placed), state.votes, state.contacts, state.linked)
    data = event.data
    assert event.type == "survey.vote"
    answer = data.vote if data.vote is not None else str(data.rating)
    vote = Vote(stamp, answer, data.contact_id)
    if _check_duplicate(state.votes, event.event_id, vote):
        return None
    _reject_cross_kind(state.placed, event.event_id)
    return OrderState(state.placed, _add(state.votes, vote), state.contacts, state.linked)


def apply_contact_event(
    state: ContactState, event: ContactReceived | ContactResponded | ContactNoResponseNeeded
) -> ContactState | None:
    """The contact with `event` applied, or None when it is a duplicate delivery."""
    stamp = Stamp(event.occurred_at, event.event_id)
    lists: dict[str, tuple[Any, ...]] = {
        "received": state.received,
        "responded": state.responded,
        "no_response_needed": state.no_response_needed,
        "auto_replied": state.auto_replied,
    }
    item: Received | Stamp
    if event.type == "contact.received":
        name, item = "received", Received(stamp, event.data.reason, event.data.order_id)
    elif event.type == "contact.responded":
        # The same id once automated and once not lands in two lists: a cross-kind conflict.
        name, item = ("auto_replied" if event.data.automated else "responded"), stamp
    else:
        name, item = "no_response_needed", stamp
    if _check_duplicate(lists[name], event.event_id, item):
        return None
    for other, items in lists.items():
        if other != name:
            _reject_cross_kind(items, event.event_id)
    lists[name] = _add(lists[name], item)
    return ContactState(
        lists["received"],
        lists["responded"],
        lists["no_response_needed"],
        lists["auto_replied"],
        state.order_placed,
        state.time_zone,
    )


def _reject_cross_kind(items: tuple[Any, ...], event_id: str) -> None:
    for old in items:
        old_id = old.event_id if isinstance(old, Stamp) else old.stamp.event_id
        if old_id == event_id:
            raise ConflictingEvent(f"event_id {event_id} was already applied with other content")
