"""The contacts report at unit speed: marketplace streams delivered shuffled and redelivered
through the real `Ingestor` onto the in-memory store, the real `ContactsReportBuilder`
over what it stored; every contact-based figure rebuilt from the CSV rows equals the
metrics document's (the plain reference's for any window of 1-90 days, and the product's
own for the served windows), per store and collectively. Cells follow the spec's value
conventions, shown on small examples."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csinsights.contacts_report import COLUMNS, ContactsReportBuilder
from csinsights.domain.documents import WINDOWS
from csinsights.domain.snapshots import document_from_snapshot
from csinsights.ingest import Ingestor, Message
from csinsights.models.records import ReportRecord, ReportRequest
from csinsights_local.embedded import EmbeddedStore
from tests import contacts_rows, reference
from tests.builders import (
    contact_received,
    contact_responded,
    no_response_needed,
    order_placed,
    survey_vote,
)
from tests.profiles import examples
from tests.runs import run_day
from tests.strategies import marketplace_streams

NOW = datetime(2026, 12, 31, tzinfo=UTC)  # ingest's clock: after every generated event
Events = list[dict[str, Any]]


def ingested(bodies: Events) -> EmbeddedStore:
    store = EmbeddedStore()
    ingestor = Ingestor(store)
    for start in range(0, len(bodies), 50):
        batch = [
            Message(f"m{start + i}", json.dumps(body))
            for i, body in enumerate(bodies[start : start + 50])
        ]
        answers = ingestor.ingest(batch, now=NOW)
        assert {a.status for a in answers.values()} <= {"accepted", "duplicate"}
    return store


def build(
    store: EmbeddedStore, seller: str, stores: list[str], days: int, end: datetime
) -> tuple[EmbeddedStore, ReportRecord]:
    as_of_day = end.date() - timedelta(days=1)
    request = ReportRequest(seller, "r1", tuple(stores), days, NOW, "contacts", as_of_day)
    return store, ContactsReportBuilder(store).build(request, now=NOW)


def csv_of(reports: EmbeddedStore, seller: str) -> str:
    body, content_type = reports.objects[f"reports/{seller}/contacts/r1.csv"]
    assert content_type == "text/csv"
    return body.decode()


def json_of(reports: EmbeddedStore, seller: str) -> dict[str, Any]:
    body, content_type = reports.objects[f"reports/{seller}/contacts/r1.json"]
    assert content_type == "application/json"
    return json.loads(body)


def product_documents(store: EmbeddedStore, day: date, window: int) -> dict[str, dict[str, Any]]:
    """The scheduled run's documents as of the end of `day`, by seller."""
    return {
        seller: document_from_snapshot(snapshot, window).to_json()
        for seller, snapshot in run_day(store, day).items()
    }


def assert_rows_give(rows: list[dict[str, str]], document: dict[str, Any]) -> None:
    assert contacts_rows.from_rows(rows) == contacts_rows.from_document(document["metrics"])
    for entry in document["by_store"]:
        alone = [r for r in rows if r["store_id"] == entry["store_id"]]
        assert contacts_rows.from_rows(alone) == contacts_rows.from_document(entry["metrics"])


@settings(
    max_examples=examples(ci=40, soak=600),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(
    stream=marketplace_streams(),
    seed=st.randoms(use_true_random=False),
    days=st.one_of(st.sampled_from(WINDOWS), st.integers(1, 90)),
)
def test_the_rows_rebuild_every_contact_figure_of_the_document_for_that_window_and_t(
    tally: Counter[str],
    stream: tuple[datetime, int, Events],
    seed: random.Random,
    days: int,
) -> None:
    as_of, _, events = stream
    deliveries = events + [seed.choice(events) for _ in range(len(events) // 5)]
    seed.shuffle(deliveries)
    store = ingested(deliveries)
    expected = {d["seller_id"]: d for d in reference.documents(events, as_of, days)}
    if days in WINDOWS:  # the document a seller is served is the reference's
        served = product_documents(store, as_of.date() - timedelta(days=1), days)
        assert served == expected
    for seller in sorted({e["seller_id"] for e in events}):
        stores = sorted({e["store_id"] for e in events if e["seller_id"] == seller})
        reports, record = build(store, seller, stores, days, as_of)
        rows = contacts_rows.parse(csv_of(reports, seller))
        assert (record.type, record.status, record.rows) == ("contacts", "ready", len(rows))
        assert record.as_of == reference.iso(as_of)
        assert json_of(reports, seller)["contacts"] == [
            {c: (None if not r[c] else int(r[c]) if c in INTEGERS else r[c]) for c in COLUMNS}
            for r in rows
        ]
        newest_first = [(r["received_at"], r["store_id"], r["contact_id"]) for r in rows]
        assert newest_first == sorted(newest_first, reverse=True)
        if seller not in expected:
            assert rows == []
            continue
        document = expected[seller]
        in_document = set(document["stores"])
        assert {r["store_id"] for r in rows} <= in_document
        assert_rows_give(rows, document)
        tally["contacts report rows checked against the documents"] += len(rows)
    tally["unit streams (shuffled, redelivered) reported on"] += 1


INTEGERS = frozenset({"response_hours", "automated_replies"})
T = datetime(2026, 11, 20, tzinfo=UTC)


def test_cells_follow_the_value_conventions() -> None:
    """Answered late with two auto-replies, a vote changed after T (the one before T
    stands), a contact marked as needing no reply, an unanswered pre-sale question still
    pending (its auto-reply after T not yet counted), one unanswered past 48 h; a
    formula-looking id is neutralised."""
    events = [
        order_placed("o1", "2026-11-10T08:00:00Z", "marketplace"),
        contact_received("=c1", "2026-11-11T09:00:00Z", "shipping", "o1"),
        contact_responded("=c1", "2026-11-11T09:05:00Z", automated=True),
        contact_responded("=c1", "2026-11-11T10:00:00Z", automated=True),
        contact_responded("=c1", "2026-11-14T10:30:00Z"),
        survey_vote("o1", "2026-11-15T10:00:00Z", rating=2),
        survey_vote("o1", "2026-11-20T09:00:00Z", vote="yes"),
        contact_received("c2", "2026-11-12T09:00:00Z", "change_of_mind", "o1"),
        contact_responded("c2", "2026-11-12T10:00:00Z"),
        no_response_needed("c2", "2026-11-12T11:00:00Z"),
        contact_received("c3", "2026-11-19T22:30:00Z", "pre_sale_question"),
        contact_responded("c3", "2026-11-20T03:00:00Z", automated=True),  # after T
        contact_received("c4", "2026-11-17T23:00:00Z", "other", "o9"),
        contact_responded("c4", "2026-11-20T01:00:00Z"),  # after T: unanswered as of T
    ]
    reports, record = build(ingested(events), "A1SELLER", ["US"], 28, T)
    lines = csv_of(reports, "A1SELLER").splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert lines[1:] == [
        # Arrival: US is Los Angeles' time (UTC-8 in November).
        "US,c3,,pre_sale_question,no,2026-11-19T22:30:00Z,yes,,1,pending,no,unanswered,0,,,,"
        "thu_afternoon",
        "US,c4,o9,other,no,2026-11-17T23:00:00Z,yes,,49,no,yes,unanswered,0,,,,tue_afternoon",
        "US,c2,o1,change_of_mind,no,2026-11-12T09:00:00Z,no,,,,,no_response_needed,0,"
        "marketplace,2,2026-11-15T10:00:00Z,thu_night",
        "US,'=c1,o1,shipping,yes,2026-11-11T09:00:00Z,yes,2026-11-14T10:30:00Z,73,no,yes,"
        "answered,2,marketplace,2,2026-11-15T10:00:00Z,wed_night",
    ]
    assert record.rows == 4
    first = json_of(reports, "A1SELLER")
    assert {k: first[k] for k in ("seller_id", "stores", "as_of", "window")} == {
        "seller_id": "A1SELLER",
        "stores": ["US"],
        "as_of": "2026-11-20T00:00:00Z",
        "window": {"start": "2026-10-23T00:00:00Z", "end": "2026-11-20T00:00:00Z", "days": 28},
    }
    assert first["contacts"][0]["order_id"] is None
    assert first["contacts"][3]["contact_id"] == "=c1"  # JSON is no spreadsheet


def test_a_window_holds_the_contacts_received_in_it_and_none_at_t() -> None:
    events = [
        contact_received("before", "2026-11-12T23:59:59Z", "other"),
        contact_received("first", "2026-11-13T00:00:00Z", "other"),
        contact_received("at-t", "2026-11-20T00:00:00Z", "other"),
    ]
    reports, _ = build(ingested(events), "A1SELLER", ["US"], 7, T)
    rows = contacts_rows.parse(csv_of(reports, "A1SELLER"))
    assert [r["contact_id"] for r in rows] == ["first"]
    assert rows[0]["response_hours"] == "168"  # exactly 7 days old: late, not pending
