"""What each order and contact contributes to the daily aggregates, and when.

`order_changes` / `contact_changes` give an entity's contribution *as of the end of each
day D* from the events visible then (occurred on or before D), as the deltas between the
days it can change on, keyed by (day the change takes effect, day the item belongs to).
Summing the deltas that took effect on or before D gives exactly the as-of-D figures: late
votes, replies sent days later and vote changes never leak backwards.

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

When contacts arrive (`all` scope only: no benchmark compares it), each contact needing a
reply counts once, in the cell (`arrival.CELLS`) of its received time in the time zone it
keeps: arr_24h:<cell> answered within 24 h, arr_48h:<cell> answered after 24 h but within
48 h, arr_late:<cell> answered after 48 h, arr_wait:<cell> unanswered (late once its age
passes 48 h, which the pool reads from its day, as for unanswered_c). One counter a
contact at a time: a reply moves it from arr_wait to one of the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta

from csinsights.domain.arrival import arrival_cell
from csinsights.domain.catalogue import LATE_AFTER, RESPONSE_DUE
from csinsights.domain.entities import ContactState, OrderState, Placed

PREVENTABLE_REASONS: frozenset[str] = frozenset(
    {"product_quality", "fulfillment", "shipping", "customer_service"}
)

CounterKey = tuple[str, date, str]  # (scope, belongs-to day, counter)
DeltaKey = tuple[date, date, str]  # (effective day, belongs-to day, "scope.counter")

HOUR = timedelta(hours=1)
HOUR_US = 3_600_000_000


def ceil_hours_into_day(at: datetime) -> int:
    """Whole hours since its day began (UTC), rounded up."""
    micros = ((at.hour * 60 + at.minute) * 60 + at.second) * 1_000_000 + at.microsecond
    return -(-micros // HOUR_US)


_SCOPED: dict[str, tuple[str, str]] = {}


def _scoped(name: str) -> tuple[str, str]:
    """A counter's name in each scope: (`all.<name>`, `sf.<name>`)."""
    both = _SCOPED.get(name)
    if both is None:
        both = _SCOPED[name] = (f"all.{name}", f"sf.{name}")
    return both


Figures = dict[tuple[date, str], int]
"""An item's contribution as of the end of one day: (belongs-to day, "scope.counter") ->
count."""


def _scopes(first_placed: Placed | None, first_day: date | None, as_of: date) -> tuple[str, ...]:
    """`all`, and `sf` too when the earliest placement, visible then, is self-fulfilled."""
    if first_placed is None or first_day is None or first_day > as_of:
        return ("all",)
    return ("all", "sf") if first_placed.fulfillment == "seller" else ("all",)


Changes = dict[DeltaKey, int]
"""An item's contribution: the deltas of its figures, by (effective day, belongs-to day,
"scope.counter"); none of them zero."""


def order_changes(order: OrderState | None) -> Changes:
    """What the order item contributes to the aggregates, as deltas keyed by the day each
    takes effect: a function of that item alone.

    As of the end of a day D, from the events visible then (occurred on or before D): the
    earliest placement counts the order (in the scopes it gives); the latest vote counts a
    response (dissatisfied or not), and when dissatisfied, each contact linked to the order
    received by D counts a buyer-dissatisfied contact. The earliest placement visible is the
    earliest of all once its day has come (any other is later), and the latest vote visible
    is the last of those whose day has come, so the figures only change on those days."""
    if order is None:
        return {}
    first = min(order.placed, default=None)
    first_day = first.stamp.at.date() if first is not None else None
    if not order.votes:  # most orders: counted once placed, and nothing else
        if first is None or first_day is None:
            return {}
        return {
            (first_day, first_day, f"{scope}.orders"): 1
            for scope in _scopes(first, first_day, first_day)
        }
    votes = [(v.stamp.at.date(), v) for v in sorted(order.votes)]
    days = {day for day, _ in votes} | {day for _, day in order.linked}
    if first_day is not None:
        days.add(first_day)

    def figures(as_of: date) -> Figures:
        out: Figures = {}
        scopes = _scopes(first, first_day, as_of)
        if first_day is not None and first_day <= as_of:
            for scope in scopes:
                out[(first_day, f"{scope}.orders")] = 1
        vote = None
        for day, candidate in votes:
            if day > as_of:
                break
            vote = (day, candidate)
        if vote is None:
            return out
        vote_day, latest = vote
        dissatisfied = latest.dissatisfied
        for scope in scopes:
            out[(vote_day, f"{scope}.responses")] = 1
            if dissatisfied:
                out[(vote_day, f"{scope}.dissatisfied")] = 1
        if dissatisfied:
            for _, received_day in order.linked:
                if received_day <= as_of:
                    for scope in scopes:
                        key = (received_day, f"{scope}.bdr_dissatisfied")
                        out[key] = out.get(key, 0) + 1
        return out

    return _deltas(days, figures)


def contact_changes(contact: ContactState | None) -> Changes:
    """What the contact item contributes to the aggregates (all but the buyer
    dissatisfaction, which its order counts), as deltas keyed by the day each takes effect:
    a function of that item alone.

    As of the end of a day D, from the events visible then: the earliest message, once its
    day has come, counts the contact, its reason and whether it was preventable, in the
    scopes that its order's earliest placement (the copy the contact keeps) gives; unless a
    `no_response_needed` mark is visible, the earliest seller's reply visible counts its
    response time (whole hours), within 24 h, late; with none, the contact counts as
    unanswered by the hours into its day it arrived (its age follows from the day). An
    auto-reply counts for nothing. Each earliest of a kind is the earliest of all once its
    day has come, so the figures only change on those days."""
    if contact is None:
        return {}
    received = min(contact.received, default=None)
    if received is None:
        return {}
    day = received.stamp.at.date()
    named = received.order_id is not None
    first_placed = min(contact.order_placed, default=None) if named else None
    placed_day = first_placed.stamp.at.date() if first_placed is not None else None
    marked = min(contact.no_response_needed, default=None)
    marked_day = marked.at.date() if marked is not None else None
    reply = min(contact.responded, default=None)
    reply_day = reply.at.date() if reply is not None else None
    reason = received.reason
    counted = [_scoped(f"reason:{reason}"), _scoped("contacts")]
    if reason in PREVENTABLE_REASONS:
        counted.append(_scoped("preventable"))
    answered: list[tuple[str, str]] = []
    cell = (
        arrival_cell(received.stamp.at, contact.time_zone)
        if contact.time_zone is not None
        else None
    )
    arrived_answered: set[str] = set()
    if reply is not None:
        waited = max(reply.at - received.stamp.at, timedelta(0))
        answered.append(_scoped(f"answered_h:{waited // HOUR}"))
        if waited <= RESPONSE_DUE:
            answered.append(_scoped("within_24h"))
        if waited > LATE_AFTER:
            answered.append(_scoped("answered_late"))
        if cell is not None:
            kind = "24h" if waited <= RESPONSE_DUE else "late" if waited > LATE_AFTER else "48h"
            arrived_answered.add(f"all.arr_{kind}:{cell}")
    waiting = [_scoped(f"unanswered_c:{ceil_hours_into_day(received.stamp.at)}")]
    arrived_waiting = {f"all.arr_wait:{cell}"} if cell is not None else set()
    sf_day = (
        placed_day if first_placed is not None and first_placed.fulfillment == "seller" else None
    )
    # Each figure of a contact counts one: its figures as of a day are a set of names.
    deltas: Changes = {}
    previous: set[str] = set()
    for effective in sorted({d for d in (day, sf_day, marked_day, reply_day) if d and d >= day}):
        names = list(counted)
        arrived: set[str] = set()
        if marked_day is None or marked_day > effective:
            if reply_day is not None and reply_day <= effective:
                names += answered
                arrived = arrived_answered
            else:
                names += waiting
                arrived = arrived_waiting
        current = {both[0] for both in names} | arrived
        if sf_day is not None and sf_day <= effective:
            current.update(both[1] for both in names)
        for name in current - previous:
            deltas[(effective, day, name)] = 1
        for name in previous - current:
            deltas[(effective, day, name)] = -1
        previous = current
    return deltas


def _deltas(days: Iterable[date], figures: Callable[[date], Figures]) -> Changes:
    """The changes of an item's figures from one of the days they can change on to the
    next, keyed by the day each takes effect."""
    deltas: Changes = {}
    previous: Figures = {}
    for effective in sorted(days):
        current = figures(effective)
        for key in previous.keys() | current.keys() if previous else current:
            change = current.get(key, 0) - previous.get(key, 0)
            if change:
                belongs, name = key
                deltas[(effective, belongs, name)] = change
        previous = current
    return deltas
