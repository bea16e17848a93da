"""A contact as it stood at an instant `T`, judged from its events that occurred before
`T` (and its order's): what the contacts report writes as a row and what the overdue list
shows as of a past `T`. Pure: no I/O.

The judgement is the metrics' own, contact by contact (the earliest message stands, only a
non-automated reply answers, a `no_response_needed` mark takes the contact out of every
reply figure, the order's latest vote as of `T`), so the rows of a window add up to the
figures of that window's metrics document.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any, Literal

from csinsights.domain.arrival import DEFAULT_ZONE, arrival_cell
from csinsights.domain.asof import timestamp
from csinsights.domain.catalogue import LATE_AFTER, RESPONSE_DUE
from csinsights.domain.counters import HOUR, PREVENTABLE_REASONS
from csinsights.domain.documents import rounded
from csinsights.domain.entities import ContactState, OrderState, Received, Stamp, Vote

ContactStatus = Literal["answered", "unanswered", "no_response_needed"]
Within24h = Literal["yes", "no", "pending"]


@dataclass(frozen=True)
class OpenContact:
    """A contact waiting for a reply at some instant, as its first `contact.received` has it:
    what the overdue list shows and what a reply-due alert is about."""

    seller_id: str
    store_id: str
    contact_id: str
    order_id: str | None
    reason: str
    received_at: datetime

    @classmethod
    def of(cls, seller: str, store: str, contact_id: str, first: Received) -> OpenContact:
        return cls(seller, store, contact_id, first.order_id, first.reason, first.stamp.at)


@dataclass(frozen=True)
class ContactAsOf:
    store_id: str
    contact_id: str
    order_id: str | None
    reason: str
    received_at: datetime
    needs_reply: bool
    first_response_at: datetime | None
    """The first non-automated reply before `T` of a contact needing one (None otherwise)."""
    waited: timedelta | None
    """Response time (clamped at 0), or the age at `T` if unanswered; None: needs no reply."""
    automated_replies: int
    """Auto-replies before `T`: they answer nothing, the buyer still got them."""
    fulfillment: str | None
    """The order's earliest placement before `T`, if the contact names a placed order."""
    latest_vote: Vote | None
    arrival: str = ""
    """When it arrived (`arrival.CELLS`): its received time's local weekday and part of the
    day in its store's time zone."""

    @property
    def state(self) -> ContactStatus:
        if not self.needs_reply:
            return "no_response_needed"
        return "answered" if self.first_response_at is not None else "unanswered"

    @property
    def preventable(self) -> bool:
        return self.reason in PREVENTABLE_REASONS

    @property
    def hours(self) -> int | None:
        """Whole hours, rounded down, of the response time or the age."""
        return None if self.waited is None else self.waited // HOUR

    @property
    def within_24h(self) -> Within24h | None:
        """`pending`: unanswered and not older than 24 h (it can still make it)."""
        if self.waited is None:
            return None
        if self.waited <= RESPONSE_DUE:
            return "yes" if self.first_response_at is not None else "pending"
        return "no"

    @property
    def late(self) -> bool | None:
        """Answered after 48 h, or unanswered and older than 48 h."""
        return None if self.waited is None else self.waited > LATE_AFTER

    @property
    def buyer_dissatisfied(self) -> bool:
        return self.latest_vote is not None and self.latest_vote.dissatisfied


def _before(stamps: tuple[Stamp, ...], end: datetime) -> list[Stamp]:
    return [s for s in stamps if s.at < end]


def contact_as_of(
    store_id: str,
    contact_id: str,
    contact: ContactState,
    order: OrderState | None,
    end: datetime,
    time_zone: str = DEFAULT_ZONE,
) -> ContactAsOf | None:
    """The contact as of `end`, or None if no message of it had arrived by then. `order`
    is the order its earliest message names (`contact.order_id`), if stored; its arrival
    cell is read in the time zone the contact keeps, else in `time_zone` (its store's)."""
    received = min((r for r in contact.received if r.stamp.at < end), default=None)
    if received is None:
        return None
    linked = order if received.order_id is not None else None
    needs_reply = not _before(contact.no_response_needed, end)
    first_reply = min(_before(contact.responded, end), default=None) if needs_reply else None
    waited: timedelta | None = None
    if needs_reply:
        clock_stop = first_reply.at if first_reply is not None else end
        waited = max(clock_stop - received.stamp.at, timedelta(0))
    placed = min((p for p in linked.placed if p.stamp.at < end), default=None) if linked else None
    votes = [v for v in linked.votes if v.stamp.at < end] if linked else []
    return ContactAsOf(
        store_id=store_id,
        contact_id=contact_id,
        order_id=received.order_id,
        reason=received.reason,
        received_at=received.stamp.at,
        needs_reply=needs_reply,
        first_response_at=first_reply.at if first_reply is not None else None,
        waited=waited,
        automated_replies=len(_before(contact.auto_replied, end)),
        fulfillment=placed.fulfillment if placed is not None else None,
        latest_vote=max(votes, default=None),
        arrival=arrival_cell(received.stamp.at, contact.time_zone or time_zone),
    )


def newest_first(contact: ContactAsOf) -> tuple[datetime, str, str]:
    """The contacts report's order (reversed): by received time, then store and id."""
    return (contact.received_at, contact.store_id, contact.contact_id)


def overdue_row(contact: OpenContact, at: datetime) -> dict[str, Any]:
    """An unanswered contact as the overdue list shows it at `at`: its age and the hours
    left before the buyer can file an A-to-z claim (48 h; negative once past)."""
    age = at - contact.received_at
    seconds = age // timedelta(seconds=1)
    return {
        "contact_id": contact.contact_id,
        "store_id": contact.store_id,
        "order_id": contact.order_id,
        "reason": contact.reason,
        "received_at": timestamp(contact.received_at),
        "due_at": timestamp(contact.received_at + LATE_AFTER),
        "age_hours": rounded(Fraction(seconds, 3600)),
        "hours_left": rounded(Fraction(LATE_AFTER // timedelta(seconds=1) - seconds, 3600)),
        "overdue": age > LATE_AFTER,
    }


def by_urgency(contacts: list[OpenContact], at: datetime) -> list[OpenContact]:
    """Unanswered contacts in the order a seller should act on them at `at`: those still
    within 48 h first, least time left first (oldest first); then those past 48 h, most
    recently due first (a buyer who just became able to file a claim may not have yet).
    Received at the same instant: by store, then as the open contacts' index reads them
    (contact id ascending within 48 h, descending past it, each read in its direction)."""
    within = sorted(
        (c for c in contacts if at - c.received_at <= LATE_AFTER),
        key=lambda c: (c.received_at, c.store_id, c.contact_id),
    )
    past = sorted(
        (c for c in contacts if at - c.received_at > LATE_AFTER),
        key=lambda c: c.contact_id,
        reverse=True,
    )
    past.sort(key=lambda c: (-c.received_at.timestamp(), c.store_id))  # stable
    return within + past
