"""What comes next (`projected`): worked cases through the real ingest and run on the
in-memory store, each also equal to the plain reference, which recomputes the figures as of
T + 7 days from the events before T only. The window slides by seven days and every contact
still unanswered at T ages to T + 7 days; nothing that happens after T counts."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from csinsights.domain.catalogue import CATALOGUE
from csinsights.domain.documents import render_document
from csinsights.domain.metrics import Counts
from csinsights.domain.snapshots import document_from_snapshot
from csinsights.ingest import Ingestor, Message
from csinsights.render.words import projected_text
from csinsights.store import codecs
from csinsights_local.embedded import EmbeddedStore
from tests import reference
from tests.builders import (
    contact_received,
    contact_responded,
    no_response_needed,
    order_placed,
    survey_vote,
)
from tests.reference import BDR, CSDR, LATE, PREVENTABLE_RATE, RESPONSE_TIME, WITHIN_24H
from tests.runs import run_day

NOW = datetime(2026, 12, 31, tzinfo=UTC)  # ingest's clock: after every event
T = datetime(2026, 11, 20, tzinfo=UTC)  # window [23 Oct, 20 Nov); a week on [30 Oct, 27 Nov)
DAY = date(2026, 11, 19)
AHEAD = "2026-11-27T00:00:00Z"
GOLDEN = Path(__file__).parents[1] / "golden" / "v1" / "items.jsonl"
Events = list[dict[str, Any]]


def document(events: Events, window: int = 28) -> dict[str, Any]:
    """The seller's document as of T from the product's run, after checking that it is the
    reference's."""
    store = EmbeddedStore()
    ordered = sorted(events, key=reference.key)
    for start in range(0, len(ordered), 10):
        batch = [
            Message(f"m{start + i}", json.dumps(body))
            for i, body in enumerate(ordered[start : start + 10])
        ]
        assert {a.status for a in Ingestor(store).ingest(batch, now=NOW).values()} == {"accepted"}
    (snapshot,) = run_day(store, DAY).values()
    doc = document_from_snapshot(snapshot, window).to_json()
    assert [doc] == reference.documents(events, T, window)
    return doc


def us(doc: dict[str, Any]) -> dict[str, Any]:
    (entry,) = doc["by_store"]
    assert entry["store_id"] == "US"
    return dict(entry["metrics"])


def now_and_ahead(figure: dict[str, Any]) -> tuple[Any, Any]:
    """(value, numerator, denominator) of the figure today and a week on."""
    ahead = figure["projected"]
    assert ahead["as_of"] == AHEAD
    return (
        (figure["value"], figure["numerator"], figure["denominator"]),
        (ahead["value"], ahead["numerator"], ahead["denominator"]),
    )


def test_a_contact_pending_at_t_is_judged_a_week_on() -> None:
    """Received 14 h before T, unanswered: pending (not yet in the 24 h rate) today; 182 h
    old a week on: counted, not within 24 h, and late."""
    m = us(document([contact_received("c1", "2026-11-19T10:00:00Z")]))
    assert now_and_ahead(m[WITHIN_24H]) == ((None, 0, 0), (0.0, 0, 1))
    assert now_and_ahead(m[RESPONSE_TIME]) == ((14.0, 14, 1), (182.0, 182, 1))
    assert (m[LATE]["value"], m[LATE]["projected"]) == (0, {"as_of": AHEAD, "value": 1})
    # No status a week on: the specification gives the projection none.
    assert set(m[WITHIN_24H]["projected"]) == {"as_of", "value", "numerator", "denominator"}


def test_a_contact_unanswered_at_30_hours_turns_late_a_week_on() -> None:
    """Received 30 h before T: judged today and not late (30 h <= 48 h); 198 h a week on."""
    m = us(document([contact_received("c1", "2026-11-18T18:00:00Z")]))
    assert now_and_ahead(m[WITHIN_24H]) == ((0.0, 0, 1), (0.0, 0, 1))
    assert now_and_ahead(m[RESPONSE_TIME]) == ((30.0, 30, 1), (198.0, 198, 1))
    assert (m[LATE]["value"], m[LATE]["unanswered_late"]) == (0, 0)
    assert m[LATE]["projected"] == {"as_of": AHEAD, "value": 1}


def test_old_late_contacts_leave_the_window_a_week_on() -> None:
    """Answered after 73 h on 25 Oct and unanswered since 29 Oct: both late today, both
    received before 30 Oct, where the window starts a week on. One answered after 50 h on
    5 Nov stays."""
    events = [
        contact_received("c1", "2026-10-25T09:00:00Z"),
        contact_responded("c1", "2026-10-28T10:00:00Z"),
        contact_received("c2", "2026-10-29T12:00:00Z"),
        contact_received("c3", "2026-11-05T12:00:00Z"),
        contact_responded("c3", "2026-11-07T14:00:00Z"),
    ]
    m = us(document(events))
    late = m[LATE]
    assert (late["value"], late["answered_late"], late["unanswered_late"]) == (3, 2, 1)
    assert late["projected"] == {"as_of": AHEAD, "value": 1}
    # c2 is 516 h old at T: (73 + 516 + 50) / 3 today, c3's 50 h alone a week on.
    assert now_and_ahead(m[RESPONSE_TIME]) == ((213.0, 639, 3), (50.0, 50, 1))


def test_a_survey_vote_leaves_the_window_a_week_on() -> None:
    """A "no" of 24 Oct counts today and is out of the window a week on; the "yes" of
    2 Nov stays."""
    events = [
        order_placed("o1", "2026-10-20T10:00:00Z"),
        survey_vote("o1", "2026-10-24T10:00:00Z", vote="no"),
        order_placed("o2", "2026-11-01T10:00:00Z"),
        survey_vote("o2", "2026-11-02T10:00:00Z", vote="yes"),
    ]
    m = us(document(events))
    assert now_and_ahead(m[CSDR]) == ((50.0, 1, 2), (0.0, 0, 1))
    # Nothing of the contacts: their figures stay NA (and no late contact) a week on.
    assert now_and_ahead(m[BDR]) == ((None, 0, 0), (None, 0, 0))
    assert now_and_ahead(m[PREVENTABLE_RATE]) == ((None, 0, 1), (None, 0, 1))
    assert m[LATE]["projected"]["value"] == 0


def test_nothing_after_t_enters_the_projection() -> None:
    """A reply sent, a mark set and a vote changed after T (the archive holds them) are
    not seen: a week on, as of T's knowledge, the contacts are still waiting and the vote
    is still "no"."""
    events = [
        order_placed("o1", "2026-11-10T10:00:00Z"),
        survey_vote("o1", "2026-11-11T10:00:00Z", vote="no"),
        survey_vote("o1", "2026-11-21T10:00:00Z", vote="yes"),
        contact_received("c1", "2026-11-18T18:00:00Z", order_id="o1"),
        contact_responded("c1", "2026-11-20T09:00:00Z"),
        contact_received("c2", "2026-11-19T18:00:00Z"),
        no_response_needed("c2", "2026-11-20T01:00:00Z"),
    ]
    m = us(document(events))
    assert now_and_ahead(m[CSDR]) == ((100.0, 1, 1), (100.0, 1, 1))
    assert now_and_ahead(m[BDR]) == ((50.0, 1, 2), (50.0, 1, 2))
    # c1 30 h and c2 6 h today; 198 h and 174 h a week on, both late.
    assert now_and_ahead(m[RESPONSE_TIME]) == ((18.0, 36, 2), (186.0, 372, 2))
    assert now_and_ahead(m[WITHIN_24H]) == ((0.0, 0, 1), (0.0, 0, 2))
    assert m[LATE]["projected"]["value"] == 2


def test_the_seven_day_window_is_empty_a_week_on() -> None:
    """The 7-day window a week on is [T, T + 7 days): nothing has happened there."""
    events = [
        order_placed("o1", "2026-11-15T10:00:00Z"),
        survey_vote("o1", "2026-11-16T10:00:00Z", vote="no"),
        contact_received("c1", "2026-11-14T10:00:00Z", order_id="o1"),
    ]
    m = us(document(events, window=7))
    assert now_and_ahead(m[CSDR]) == ((100.0, 1, 1), (None, 0, 0))
    assert now_and_ahead(m[RESPONSE_TIME]) == ((134.0, 134, 1), (None, 0, 0))
    assert (m[LATE]["value"], m[LATE]["projected"]["value"]) == (1, 0)


def test_the_collective_projection_pools_the_stores() -> None:
    events = [
        contact_received("c1", "2026-11-18T18:00:00Z", store="US"),
        contact_received("c2", "2026-10-25T18:00:00Z", store="CA"),
        contact_received("c3", "2026-11-19T18:00:00Z", store="CA"),
    ]
    doc = document(events)
    # US: c1 turns late; CA: c2 (late today) leaves, c3 (pending today) turns late.
    assert doc["metrics"][LATE]["value"] == 1
    assert doc["metrics"][LATE]["projected"]["value"] == 2
    assert now_and_ahead(doc["metrics"][WITHIN_24H]) == ((0.0, 0, 2), (0.0, 0, 2))
    by_store = {b["store_id"]: b["metrics"][LATE]["projected"]["value"] for b in doc["by_store"]}
    assert by_store == {"CA": 1, "US": 1}


def test_a_snapshot_published_before_projections_were_kept_shows_none() -> None:
    """A snapshot of the layout before (the golden items of v1) reads as it did; its
    documents say `projected: null` rather than guess."""
    items = [json.loads(line) for line in GOLDEN.read_text().splitlines()]
    snapshots = [i for i in items if i["pk"]["S"].startswith("SNAP#")]
    assert snapshots
    for item in snapshots:
        data = codecs.data_of(item)
        assert "projected" not in data
        snapshot = codecs.snapshot_from_json(data)
        for window in (7, 28, 30, 90):
            doc = document_from_snapshot(snapshot, window).to_json()
            views = [doc["metrics"]] + [b["metrics"] for b in doc["by_store"]]
            assert views
            for metrics in views:
                assert all(m["projected"] is None for m in metrics.values())


def test_what_comes_next_in_one_line() -> None:
    counts = {"US": Counts(responses=10, dissatisfied=3, answered_late=2)}
    ahead = {"US": Counts(responses=8, dissatisfied=2, unanswered_over_48h=1)}
    doc = render_document("S1", DAY, 28, counts, {}, projected=ahead)
    metric = {m.name: m for m in CATALOGUE}
    words = {m.name: projected_text(m, f) for m, f in doc.metrics.figures()}
    assert words[LATE] == "in 7 days, if nothing changes: 1 late contact (now 2)"
    assert words[CSDR] == "in 7 days, if nothing changes: 25 % (now 30 %)"
    assert words[RESPONSE_TIME] == "in 7 days, if nothing changes: NA"
    same = render_document("S1", DAY, 28, counts, {}, projected=counts)
    assert projected_text(metric[LATE], same.metrics.late_contacts) == (
        "in 7 days, if nothing changes: 2 late contacts"
    )
    kept_none = render_document("S1", DAY, 28, counts, {})
    assert projected_text(metric[LATE], kept_none.metrics.late_contacts) is None
