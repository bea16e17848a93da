"""The aggregates against their definitions.

An item's contribution: the figures recomputed from scratch as of the end of every day any
of its events happened (what is visible then), and the day-to-day differences of those.
`order_changes` and `contact_changes` only look at the days the figures can change on;
they must give exactly the same deltas, for any item.

A window's counts: the deltas that took effect by the window's end, summed per day and
counter, pooled over the window (`tests/definitions.py`). `pooled` reads them in one pass."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from csinsights.domain.catalogue import LATE_AFTER, RESPONSE_DUE
from csinsights.domain.counters import (
    HOUR,
    PREVENTABLE_REASONS,
    CounterKey,
    DeltaKey,
    ceil_hours_into_day,
    contact_changes,
    order_changes,
)
from csinsights.domain.entities import ContactState, OrderState, Placed, Received, Stamp, Vote
from csinsights.domain.metrics import pooled
from csinsights.domain.run import AggregateItem
from tests.definitions import as_of, window_counts
from tests.profiles import examples

START = datetime(2026, 11, 1, tzinfo=UTC)
REASONS = ("shipping", "other", "change_of_mind", "product_quality")


def _visible(stamps: tuple[Stamp, ...], as_of: date) -> list[Stamp]:
    return [s for s in stamps if s.at.date() <= as_of]


def _scopes(placed: tuple[Placed, ...], as_of: date) -> list[str]:
    first = min((p for p in placed if p.stamp.at.date() <= as_of), default=None)
    return ["all", "sf"] if first is not None and first.fulfillment == "seller" else ["all"]


def order_figures(order: OrderState, as_of: date) -> Counter[CounterKey]:
    out: Counter[CounterKey] = Counter()
    placed = min((p for p in order.placed if p.stamp.at.date() <= as_of), default=None)
    scopes = _scopes(order.placed, as_of)
    if placed is not None:
        for scope in scopes:
            out[(scope, placed.stamp.at.date(), "orders")] += 1
    vote = max((v for v in order.votes if v.stamp.at.date() <= as_of), default=None)
    if vote is None:
        return out
    for scope in scopes:
        out[(scope, vote.stamp.at.date(), "responses")] += 1
        if vote.dissatisfied:
            out[(scope, vote.stamp.at.date(), "dissatisfied")] += 1
    if vote.dissatisfied:
        for _, received_day in order.linked:
            if received_day <= as_of:
                for scope in scopes:
                    out[(scope, received_day, "bdr_dissatisfied")] += 1
    return out


def contact_figures(contact: ContactState, as_of: date) -> Counter[CounterKey]:
    out: Counter[CounterKey] = Counter()
    received = min((r for r in contact.received if r.stamp.at.date() <= as_of), default=None)
    if received is None:
        return out
    scopes = _scopes(contact.order_placed if received.order_id is not None else (), as_of)
    day = received.stamp.at.date()
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


def by_definition(days: set[date], figures) -> Counter[DeltaKey]:  # type: ignore[no-untyped-def]
    deltas: Counter[DeltaKey] = Counter()
    previous: Counter[CounterKey] = Counter()
    for day in sorted(days):
        current = figures(day)
        for key in previous.keys() | current.keys():
            change = current[key] - previous[key]
            if change:
                scope, belongs, name = key
                deltas[(day, belongs, f"{scope}.{name}")] += change
        previous = current
    return deltas


moments = st.integers(0, 6 * 24 * 60).map(lambda m: START + timedelta(minutes=m, seconds=m % 7))


@st.composite
def stamps(draw: st.DrawFn, prefix: str, most: int) -> tuple[Stamp, ...]:
    times = draw(st.lists(moments, max_size=most))
    return tuple(sorted(Stamp(t, f"{prefix}{i}") for i, t in enumerate(times)))


@st.composite
def placements(draw: st.DrawFn) -> tuple[Placed, ...]:
    fulfilled = st.sampled_from(["seller", "marketplace"])
    return tuple(sorted(Placed(s, draw(fulfilled)) for s in draw(stamps("p", 3))))


@st.composite
def orders(draw: st.DrawFn) -> OrderState:
    answers = st.sampled_from(["yes", "no", "1", "2", "3", "4", "5"])
    votes = tuple(sorted(Vote(s, draw(answers), None) for s in draw(stamps("v", 4))))
    linked = draw(st.dictionaries(st.sampled_from(["c1", "c2", "c3"]), moments, max_size=3))
    links = tuple(sorted((c, at.date()) for c, at in linked.items()))
    return OrderState(draw(placements()), votes, frozenset(linked), links)


@st.composite
def contacts(draw: st.DrawFn) -> ContactState:
    order = draw(st.sampled_from([None, "o1"]))
    received = tuple(
        sorted(Received(s, draw(st.sampled_from(REASONS)), order) for s in draw(stamps("r", 3)))
    )
    return ContactState(
        received,
        draw(stamps("s", 3)),
        draw(stamps("n", 2)),
        draw(stamps("a", 2)),
        draw(placements()),
    )


def order_days(order: OrderState) -> set[date]:
    return (
        {p.stamp.at.date() for p in order.placed}
        | {v.stamp.at.date() for v in order.votes}
        | {d for _, d in order.linked}
    )


def contact_days(contact: ContactState) -> set[date]:
    return (
        {r.stamp.at.date() for r in contact.received}
        | {s.at.date() for s in (*contact.responded, *contact.no_response_needed)}
        | {s.at.date() for s in contact.auto_replied}
        | {p.stamp.at.date() for p in contact.order_placed}
    )


@settings(max_examples=examples(ci=400, soak=5000), deadline=None)
@given(order=orders())
def test_an_orders_changes_are_its_figures_day_by_day(order: OrderState) -> None:
    expected = by_definition(order_days(order), lambda d: order_figures(order, d))
    assert order_changes(order) == expected


@settings(max_examples=examples(ci=400, soak=5000), deadline=None)
@given(contact=contacts())
def test_a_contacts_changes_are_its_figures_day_by_day(contact: ContactState) -> None:
    expected = by_definition(contact_days(contact), lambda d: contact_figures(contact, d))
    assert contact_changes(contact) == expected


def test_nothing_stored_contributes_nothing() -> None:
    assert order_changes(None) == Counter()
    assert contact_changes(None) == Counter()
    assert contact_changes(ContactState(responded=(Stamp(START, "s"),))) == Counter()


NAMES = (
    "orders",
    "responses",
    "dissatisfied",
    "contacts",
    "preventable",
    "bdr_dissatisfied",
    "within_24h",
    "answered_late",
    "reason:shipping",
    "reason:other",
    "answered_h:0",
    "answered_h:7",
    "answered_h:50",
    "unanswered_c:0",
    "unanswered_c:13",
    "unanswered_c:24",
)
DAY0 = date(2026, 11, 1)
days = st.integers(0, 40).map(lambda n: DAY0 + timedelta(days=n))


@st.composite
def aggregate_items(draw: st.DrawFn) -> list[AggregateItem]:
    """A seller store's delta items: counters of either scope, belonging to a day and taking
    effect on it or later (late replies and votes), each as-of total never negative."""
    cells = draw(st.lists(st.tuples(days, st.integers(0, 10)), max_size=25, unique=True))
    items = []
    for belongs, lag in cells:
        counters = draw(
            st.dictionaries(
                st.tuples(st.sampled_from(["all", "sf"]), st.sampled_from(NAMES)).map(".".join),
                st.integers(0, 4),
                max_size=8,
            )
        )
        items.append(AggregateItem(belongs, belongs + timedelta(days=lag), counters))
    return items


@settings(max_examples=examples(ci=300, soak=3000), deadline=None)
@given(
    items=aggregate_items(),
    scope=st.sampled_from(["all", "sf"]),
    windows=st.lists(st.tuples(days, st.integers(1, 30)), min_size=1, max_size=4),
)
def test_pooled_counts_are_the_as_of_counters_of_each_window(
    items: list[AggregateItem], scope: str, windows: list[tuple[date, int]]
) -> None:
    spans = [(first, first + timedelta(days=length - 1)) for first, length in windows]
    deltas: dict[date, list[tuple[date, Mapping[str, int]]]] = {}
    for i in items:
        deltas.setdefault(i.belongs, []).append((i.effective, i.counters))
    expected = [
        window_counts(
            as_of(((i.belongs, i.effective, i.counters) for i in items), last), scope, first, last
        )
        for first, last in spans
    ]
    assert pooled(deltas, scope, spans) == expected
