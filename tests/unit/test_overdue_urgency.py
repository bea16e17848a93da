"""Overdue contacts by urgency (SPEC, *Acting in time*): those still within 48 h first,
least time left first; then those past 48 h, most recently due first; each with its order
id, reason, received and due times. Live and as of a past day, across a seller's stores,
cut at any limit, against a plain reference over every contact; on the embedded store,
through the API's read side (`Queries.overdue_contacts`)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from csinsights.queries import Queries
from csinsights_local.embedded import EmbeddedStore
from csinsights_local.pipeline import ingest_embedded
from tests.builders import contact_received, contact_responded
from tests.profiles import examples

NOW = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
DAY = date(2026, 11, 26)  # as of its end: 2026-11-27T00:00:00Z
STORES = ("US", "CA")


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def queries(events: list[dict[str, Any]]) -> Queries:
    store = EmbeddedStore()
    summary = ingest_embedded(store, [json.dumps(e) for e in events])
    assert summary.rejected == 0
    return Queries(store, store, store)


def reference(contacts: list[tuple[str, str, datetime, datetime | None]], at: datetime) -> list:
    """(store, contact id) in the order of urgency, written out: every contact received
    before `at` and not answered before it."""
    waiting = [
        (store, cid, received)
        for store, cid, received, answered in contacts
        if received < at and (answered is None or answered >= at)
    ]
    within = [w for w in waiting if at - w[2] <= timedelta(hours=48)]
    past = [w for w in waiting if at - w[2] > timedelta(hours=48)]
    # The same instant: by store, then contact id (ascending within 48 h, descending past).
    within.sort(key=lambda w: (w[2], w[0], w[1]))
    past.sort(key=lambda w: w[1], reverse=True)
    past.sort(key=lambda w: (-w[2].timestamp(), w[0]))
    return [(store, cid) for store, cid, _ in within + past]


def events_of(contacts: list[tuple[str, str, datetime, datetime | None]]) -> list[dict[str, Any]]:
    out = []
    for store, cid, received, answered in contacts:
        out.append(contact_received(cid, iso(received), store=store, order_id=f"o-{cid}"))
        if answered is not None:
            out.append(contact_responded(cid, iso(answered), store=store))
    return out


def test_a_worked_list_by_urgency_with_due_times() -> None:
    contacts = [
        ("US", "late-old", NOW - timedelta(days=20), None),
        ("US", "late-new", NOW - timedelta(hours=50), None),
        ("CA", "late-mid", NOW - timedelta(days=5), None),
        ("US", "due-soon", NOW - timedelta(hours=47), None),
        ("CA", "due-later", NOW - timedelta(hours=30), None),
        ("US", "fresh", NOW - timedelta(hours=1), None),
        ("US", "answered", NOW - timedelta(hours=40), NOW - timedelta(hours=39)),
    ]
    listed = queries(events_of(contacts)).overdue_contacts("A1SELLER", None, 10, now=NOW)
    rows = listed["contacts"]
    assert [r["contact_id"] for r in rows] == [
        "due-soon",
        "due-later",
        "fresh",
        "late-new",
        "late-mid",
        "late-old",
    ]
    first = rows[0]
    assert (first["order_id"], first["reason"], first["store_id"]) == (
        "o-due-soon",
        "shipping",
        "US",
    )
    assert first["received_at"] == iso(NOW - timedelta(hours=47))
    assert first["due_at"] == iso(NOW + timedelta(hours=1))
    assert first["hours_left"] == 1.0
    # A limit keeps the most urgent: every contact that can still be saved first.
    cut = queries(events_of(contacts)).overdue_contacts("A1SELLER", None, 4, now=NOW)
    assert [r["contact_id"] for r in cut["contacts"]] == [
        "due-soon",
        "due-later",
        "fresh",
        "late-new",
    ]


moments = st.integers(min_value=0, max_value=12 * 24 * 60).map(
    lambda minutes: NOW - timedelta(minutes=minutes) - timedelta(seconds=1)
)


@st.composite
def seller_contacts(draw: st.DrawFn) -> list[tuple[str, str, datetime, datetime | None]]:
    n = draw(st.integers(0, 14))
    out = []
    for i in range(n):
        received = draw(moments)
        answered = draw(
            st.one_of(
                st.none(),
                st.integers(1, 6 * 24 * 60).map(lambda m, r=received: r + timedelta(minutes=m)),
            )
        )
        if answered is not None and answered > NOW:
            answered = None  # no event from the future
        out.append((draw(st.sampled_from(STORES)), f"c{i:02d}", received, answered))
    return out


@settings(max_examples=examples(ci=60, soak=1000), deadline=None)
@given(contacts=seller_contacts(), limit=st.integers(1, 8))
def test_live_and_as_of_lists_are_the_references_first_contacts(
    contacts: list[tuple[str, str, datetime, datetime | None]], limit: int
) -> None:
    read = queries(events_of(contacts))
    live = read.overdue_contacts("A1SELLER", None, limit, now=NOW)
    got = [(r["store_id"], r["contact_id"]) for r in live["contacts"]]
    assert got == reference(contacts, NOW)[:limit]
    at = datetime(DAY.year, DAY.month, DAY.day, tzinfo=UTC) + timedelta(days=1)
    past = read.overdue_contacts("A1SELLER", None, limit, as_of_day=DAY, now=NOW)
    got = [(r["store_id"], r["contact_id"]) for r in past["contacts"]]
    assert got == reference(contacts, at)[:limit]
    for row in live["contacts"] + past["contacts"]:
        received = datetime.fromisoformat(row["received_at"])
        assert datetime.fromisoformat(row["due_at"]) == received + timedelta(hours=48)
