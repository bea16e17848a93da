"""Reply-due alerts, pure: which contacts a run at an instant alerts, and the alert each gets.

A contact is alerted at `at` when, judged on its events before `at` only, it needs a reply,
has no non-automated response, and its age has crossed a threshold but not the 48 h line
(crossed: older than the threshold; an age of exactly 48:00:00 is not yet late). Of the
thresholds it has crossed, only the highest gets an alert: a threshold passed while no
alert could go out (a contact received late, an outage) would only repeat, with more time
left than there is, what the higher one says. The alert's id depends on the contact and
the threshold alone, so every run that alerts it names it the same.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from csinsights.domain.asof import timestamp
from csinsights.domain.catalogue import LATE_AFTER
from csinsights.domain.contacts import OpenContact
from csinsights.domain.entities import ContactState, Received

DEFAULT_THRESHOLDS_HOURS = (24, 40)
"""24 h and 8 h before the A-to-z line."""
CLAIM_LEASE = timedelta(minutes=5)
"""How long a run holds an alert it is publishing before another run may take it over:
longer than the alert function's timeout, so a live run is never overtaken."""
DETAIL_TYPE = "contact.reply_due"
SOURCE = "csinsights.alerts"

_NAMESPACE = uuid.UUID("6f1d7b2e-8c4a-5e0b-9a3d-2c7e4f1a0b5d")


def valid_thresholds(hours: Iterable[int]) -> tuple[int, ...]:
    """Sorted and distinct; each a whole number of hours under 48 (at 48 h a contact is
    late: an alert then would only repeat the overdue list), at least one."""
    chosen = tuple(sorted(set(hours)))
    if not chosen:
        raise ValueError("at least one alert threshold is needed")
    for threshold in chosen:
        if not 0 < threshold < LATE_AFTER // timedelta(hours=1):
            raise ValueError(
                f"an alert threshold must be between 1 and 47 hours (a contact is late at "
                f"48 h), got {threshold}"
            )
    return chosen


def alert_id(seller: str, store: str, contact_id: str, threshold_hours: int) -> str:
    """Stable: the same contact and threshold always give the same id (consumers dedupe
    on it)."""
    return str(uuid.uuid5(_NAMESPACE, f"{seller}\x1f{store}\x1f{contact_id}\x1f{threshold_hours}"))


def open_as_of(contact: ContactState, at: datetime) -> Received | None:
    """The contact's first received message if, on its events before `at`, it exists,
    needs a reply and has no non-automated response (auto-replies silence nothing)."""
    received = [r for r in contact.received if r.stamp.at < at]
    if not received:
        return None
    if any(s.at < at for s in (*contact.responded, *contact.no_response_needed)):
        return None
    return min(received)


@dataclass(frozen=True, order=True)
class ReplyDue:
    """One `contact.reply_due` alert, as a run at `at` publishes it."""

    seller_id: str
    store_id: str
    contact_id: str
    threshold_hours: int
    order_id: str | None
    reason: str
    received_at: datetime
    at: datetime

    @property
    def alert_id(self) -> str:
        return alert_id(self.seller_id, self.store_id, self.contact_id, self.threshold_hours)

    @property
    def due_at(self) -> datetime:
        return self.received_at + LATE_AFTER

    def detail(self) -> dict[str, object]:
        """The event's `detail`, as the specification lists it; `hours_left` as the overdue
        contacts list gives it (whole seconds, half-up to two decimals)."""
        left = (self.due_at - self.at) // timedelta(seconds=1)
        hundredths = math.floor(Fraction(left, 36) + Fraction(1, 2))  # never negative
        return {
            "alert_id": self.alert_id,
            "seller_id": self.seller_id,
            "store_id": self.store_id,
            "contact_id": self.contact_id,
            "order_id": self.order_id,
            "reason": self.reason,
            "received_at": timestamp(self.received_at),
            "due_at": timestamp(self.due_at),
            "hours_left": hundredths / 100,
            "threshold_hours": self.threshold_hours,
        }


def due(contact: OpenContact, at: datetime, thresholds: tuple[int, ...]) -> ReplyDue | None:
    """The alert `contact` (open at `at`) gets at `at`, if any: the highest threshold its
    age has crossed, while it is not yet late."""
    age = at - contact.received_at
    if age > LATE_AFTER:
        return None
    crossed = [t for t in thresholds if age > timedelta(hours=t)]
    if not crossed:
        return None
    return ReplyDue(
        contact.seller_id,
        contact.store_id,
        contact.contact_id,
        max(crossed),
        contact.order_id,
        contact.reason,
        contact.received_at,
        at,
    )


def window(at: datetime, thresholds: tuple[int, ...]) -> tuple[datetime, datetime]:
    """The first received times a run at `at` can alert: [at - 48 h, at - lowest threshold)."""
    return at - LATE_AFTER, at - timedelta(hours=min(thresholds))
