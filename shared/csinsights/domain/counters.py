"""What each order and contact contributes to the daily aggregates, and when.

`order_counters` / `contact_counters` give an entity's contribution *as of the end of a
day D* from the events visible then (occurred on or before D). Those contributions only
change on days an event happened, so `changes` turns them into deltas keyed by
(day the change takes effect, day the item belongs to). Summing the deltas that took
effect on or before D gives exactly the as-of-D figures: late votes, replies sent days
later and vote changes never leak backwards.

Each figure is owned by one item, so that an item's contribution is a function of that
item alone and a commit needs no condition on items it does not write: the order counts
its orders and votes and, for the contacts linked to it (`OrderState.linked`, each with its
day), the buyer dissatisfaction its latest vote causes; the contact counts everything else,
in the scopes that the copy of its order's placements (`ContactState.order_placed`) gives.

Counter names (each per scope, `all` or `sf` = self-fulfilled orders only):
  orders, responses, dissatisfied, contacts, reason:<reason of the earliest message>,
  preventable, bdr_dissatisfied, answered_h:<whole hours>, within_24h, answered_late,
  unanswered_c:<ceil hours into day>.
An unanswered contact's age in whole hours as of D is 24*k - c, k being the days from its
received day to the end of D, so the counters stay constant between events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta

from csinsights.domain.catalogue import LATE_AFTER, RESPONSE_DUE
from csinsights.domain.entities import ContactState, OrderState, Placed, Stamp, Vote

PREVENTABLE_REASONS: frozenset[str] = frozenset(
    {"product_quality", "fulfillment", "shipping", "customer_service"}
)

CounterKey = tuple[str, date, str]  # (scope, belongs-to day, counter)
DeltaKey = tuple[date, date, str]  # (effective day, belongs-to day, "scope.counter")

HOUR = timedelta(hours=1)
HOUR_US = 3_600_000_000


def day_of(stamp: Stamp) -> date:
    return stamp.at.date()


def _visible(stamps: Iterable[Stamp], as_of: date) -> list[Stamp]:
    return [s for s in stamps if s.at.date() <= as_of]


def ceil_hours_into_day(at: datetime) -> int:
    midnight = at.replace(hour=0, minute=0, second=0, microsecond=0)
    micros = (at - midnight) // timedelta(microseconds=1)
    return -(-micros // HOUR_US)


def latest_vote(order: OrderState | None, as_of: date) -> Vote | None:
    if order is None:
        return None
    return max((v for v in order.votes if v.stamp.at.date() <= as_of), default=None)


def _scopes(placed: Iterable[Placed], as_of: date) -> list[str]:
    """`all`, and `sf` too when the earliest placement visible then is self-fulfilled."""
    first = min((p for p in placed if p.stamp.at.date() <= as_of), default=None)
    return ["all", "sf"] if first is not None and first.fulfillment == "seller" else ["all"]


def order_counters(order: OrderState, as_of: date) -> Counter[CounterKey]:
    """The order's own figures and, for each contact linked to it, whether the latest vote
    makes that contact a buyer-dissatisfied one: everything a vote can change."""
    out: Counter[CounterKey] = Counter()
    placed = min((p for p in order.placed if p.stamp.at.date() <= as_of), default=None)
    scopes = _scopes(order.placed, as_of)
    if placed is not None:
        for scope in scopes:
            out[(scope, day_of(placed.stamp), "orders")] += 1
    vote = latest_vote(order, as_of)
    if vote is None:
        return out
    for scope in scopes:
        out[(scope, day_of(vote.stamp), "responses")] += 1
        if vote.dissatisfied:
            out[(scope, day_of(vote.stamp), "dissatisfied")] += 1
    if vote.dissatisfied:
        for _, received_day in order.linked:
            if received_day <= as_of:
                for scope in scopes:
                    out[(scope, received_day, "bdr_dissatisfied")] += 1
    return out


def contact_counters(contact: ContactState, as_of: date) -> Counter[CounterKey]:
    """The contact's figures but the buyer dissatisfaction, which its order counts; its
    scopes come from the copy of its order's placements it keeps."""
    out: Counter[CounterKey] = Counter()
    received = min((r for r in contact.received if r.stamp.at.date() <= as_of), default=None)
    if received is None:
        return out
    scopes = _scopes(contact.order_placed if received.order_id is not None else (), as_of)
    day = day_of(received.stamp)
    needs_reply = not _visible(contact.no_response_needed, as_of)
    first_reply = min(_visible(contact.responded, as_of), default=None)
    for scope in scopes:
        out[(scope, day, "contacts")] += 1
        out[(scope, day, f"reason:{received.reason}")] += 1
        if received.reason in PREVENTABLE_REASONS:
            out[(scope, day, "preventable")] += 1
        if not needs_reply:
            continue
        if first_reply is None:
            out[(scope, day, f"unanswered_c:{ceil_hours_into_day(received.stamp.at)}")] += 1
            continue
        waited = max(first_reply.at - received.stamp.at, timedelta(0))
        out[(scope, day, f"answered_h:{waited // HOUR}")] += 1
        if waited <= RESPONSE_DUE:
            out[(scope, day, "within_24h")] += 1
        if waited > LATE_AFTER:
            out[(scope, day, "answered_late")] += 1
    return out


def _order_days(order: OrderState) -> set[date]:
    return (
        {day_of(p.stamp) for p in order.placed}
        | {day_of(v.stamp) for v in order.votes}
        | {received_day for _, received_day in order.linked}
    )


def _contact_days(contact: ContactState) -> set[date]:
    """Days the contact's figures can change on: never an auto-reply's (it counts for nothing)."""
    return (
        {day_of(r.stamp) for r in contact.received}
        | {day_of(s) for s in contact.responded}
        | {day_of(s) for s in contact.no_response_needed}
        | {day_of(p.stamp) for p in contact.order_placed}
    )


def _as_deltas(days: set[date], counters_as_of) -> Counter[DeltaKey]:  # type: ignore[no-untyped-def]
    deltas: Counter[DeltaKey] = Counter()
    previous: Counter[CounterKey] = Counter()
    for day in sorted(days):
        current = counters_as_of(day)
        for key in previous.keys() | current.keys():
            change = current[key] - previous[key]
            if change:
                scope, belongs, name = key
                deltas[(day, belongs, f"{scope}.{name}")] += change
        previous = current
    return deltas


def order_changes(order: OrderState | None) -> Counter[DeltaKey]:
    """What the order item contributes to the aggregates: a function of that item alone."""
    if order is None:
        return Counter()
    return _as_deltas(_order_days(order), lambda d: order_counters(order, d))


def contact_changes(contact: ContactState | None) -> Counter[DeltaKey]:
    """What the contact item contributes to the aggregates: a function of that item alone."""
    if contact is None:
        return Counter()
    return _as_deltas(_contact_days(contact), lambda d: contact_counters(contact, d))


def subtract(new: Counter[DeltaKey], old: Counter[DeltaKey]) -> Counter[DeltaKey]:
    out: Counter[DeltaKey] = Counter()
    for key in new.keys() | old.keys():
        change = new[key] - old[key]
        if change:
            out[key] = change
    return out


def as_of(items: Iterable[tuple[date, date, Mapping[str, int]]], day: date) -> Counter[CounterKey]:
    """Sum the deltas (belongs, effective, counters) that took effect by the end of `day`."""
    out: Counter[CounterKey] = Counter()
    for belongs, effective, values in items:
        if effective <= day:
            for name, value in values.items():
                scope, counter = name.split(".", 1)
                out[(scope, belongs, counter)] += value
    return Counter({key: value for key, value in out.items() if value})
