"""One contract, two stores: the same calls give the same results and the same domain
errors on the DynamoDB stores (plain moto) and on the embedded store. What the product
relies on: conditional writes (`Conflict`, nothing written), a commit's size limit, the
aggregate deltas' addition, the indexes' contents, order and projections, pagination,
claims and counters with their conditions."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest

from csinsights.domain.alerts import ReplyDue
from csinsights.domain.batch import Plan, Stored, first_keys, plan_batch
from csinsights.domain.benchmarks import Benchmark
from csinsights.domain.entities import ContactState, OrderState
from csinsights.domain.metrics import COMPARED_METRICS, Counts
from csinsights.domain.run import AggregateItem, SellerStoreCounts, Snapshot
from csinsights.domain.sharded import MetricInput
from csinsights.errors import Conflict
from csinsights.ingest import Ingestor, Message
from csinsights.models.events import parse_event
from csinsights.models.records import ReportRecord, ReportRequest
from csinsights.store import keys
from csinsights.store.ports import MAX_TRANSACTION_ITEMS, EntityRequest, ShardInput, TooManyItems
from tests.builders import (
    contact_received,
    contact_responded,
    no_response_needed,
    order_placed,
    survey_vote,
)
from tests.contract.conftest import Stores

NOW = datetime(2026, 12, 31, tzinfo=UTC)
SELLER, STORE = "A1SELLER", "US"
Events = list[dict[str, Any]]


def ingest(stores: Stores, events: Events) -> None:
    messages = [Message(f"m{i}", json.dumps(e)) for i, e in enumerate(events)]
    results = Ingestor(stores.ingest).ingest(messages, now=NOW)
    assert {r.status for r in results.values()} <= {"accepted", "duplicate"}


def registry(stores: Stores, shards: int = 3) -> list[tuple[str, str]]:
    """The whole registry, shard by shard."""
    return [pair for n in range(shards) for pair in stores.run.registry_shard(n, shards)]


def request(orders: set[str], contacts: set[str], registry: bool = False) -> EntityRequest:
    return EntityRequest(SELLER, STORE, frozenset(orders), frozenset(contacts), registry)


def planned(stores: Stores, events: Events) -> Plan:
    parsed = [parse_event(e, now=NOW) for e in events]
    orders, contacts = first_keys(parsed)
    (loaded,) = stores.ingest.load_many([request(orders, contacts)])
    return plan_batch(parsed, loaded.orders, loaded.contacts)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# ---- ingest: entities, commits, aggregates, registry ----------------------------------------


def test_absent_entities_load_at_version_zero_and_unregistered(stores: Stores) -> None:
    (loaded,) = stores.ingest.load_many([request({"o1"}, {"c1"}, registry=True)])
    assert loaded.orders == {"o1": Stored(None)}
    assert loaded.contacts == {"c1": Stored(None)}
    assert loaded.registered is False
    assert stores.ingest.load_many([]) == []


def test_a_commit_loads_back_with_versions_aggregates_and_the_registry(stores: Stores) -> None:
    ingest(stores, [order_placed("o1", "2026-11-02T10:00:00Z")])
    ingest(
        stores,
        [
            contact_received("c1", "2026-11-03T10:00:00Z", order_id="o1"),
            contact_responded("c1", "2026-11-03T12:30:00Z"),
        ],
    )
    other = request({"o1", "o2"}, {"c1"}, registry=True)
    (loaded,) = stores.ingest.load_many([other])
    order, contact = loaded.orders["o1"], loaded.contacts["c1"]
    assert order.version == 2 and order.state is not None  # placed, then linked
    assert order.state.linked == (("c1", date(2026, 11, 3)),)
    assert contact.version == 1 and contact.state is not None
    assert contact.state.order_placed == order.state.placed
    assert loaded.orders["o2"] == Stored(None)
    assert loaded.registered is True
    assert registry(stores) == [(SELLER, STORE)]
    items = stores.run.aggregates(SELLER, STORE, date(2026, 11, 1), date(2026, 11, 30))
    assert [(i.belongs, i.effective) for i in items] == [
        (date(2026, 11, 2), date(2026, 11, 2)),
        (date(2026, 11, 3), date(2026, 11, 3)),
    ]
    assert items[1].counters["all.contacts"] == 1
    assert items[1].counters["all.answered_h:2"] == 1


def test_a_commit_whose_version_moved_is_a_conflict_and_writes_nothing(stores: Stores) -> None:
    stale = planned(stores, [contact_received("c1", "2026-11-03T10:00:00Z", "other")])
    ingest(stores, [contact_received("c1", "2026-11-03T09:00:00Z", "shipping")])
    before = stores.run.aggregates(SELLER, STORE, date(2026, 11, 1), date(2026, 11, 30))
    with pytest.raises(Conflict):
        stores.ingest.commit(SELLER, STORE, stale, False, NOW)
    (loaded,) = stores.ingest.load_many([request(set(), {"c1"})])
    state = loaded.contacts["c1"].state
    assert state is not None and [r.reason for r in state.received] == ["shipping"]
    assert stores.run.aggregates(SELLER, STORE, date(2026, 11, 1), date(2026, 11, 30)) == before


def test_registering_a_registered_seller_store_is_a_conflict(stores: Stores) -> None:
    ingest(stores, [order_placed("o1", "2026-11-02T10:00:00Z")])
    plan = planned(stores, [order_placed("o2", "2026-11-02T11:00:00Z")])
    with pytest.raises(Conflict):
        stores.ingest.commit(SELLER, STORE, plan, True, NOW)
    assert stores.ingest.commit(SELLER, STORE, plan, False, NOW) == 2  # the order, one day


def test_a_plan_over_one_transaction_is_too_many_and_writes_nothing(stores: Stores) -> None:
    events = [order_placed(f"o{i}", "2026-11-02T10:00:00Z") for i in range(MAX_TRANSACTION_ITEMS)]
    plan = planned(stores, events)
    with pytest.raises(TooManyItems):
        stores.ingest.commit(SELLER, STORE, plan, True, NOW)
    assert registry(stores) == []
    (loaded,) = stores.ingest.load_many([request({"o0"}, set())])
    assert loaded.orders["o0"] == Stored(None)


def test_an_empty_plan_writes_nothing(stores: Stores) -> None:
    assert stores.ingest.commit(SELLER, STORE, Plan(), True, NOW) == 0
    assert registry(stores) == []


def test_aggregates_add_up_keep_a_counter_that_adds_up_to_zero_and_select_by_day(
    stores: Stores,
) -> None:
    ingest(stores, [contact_received("c1", "2026-11-03T10:00:00Z", "shipping")])
    # An earlier message of the same contact with another reason takes its place: the
    # first reason's counter adds up to zero and stays.
    ingest(stores, [contact_received("c1", "2026-11-03T09:00:00Z", "other")])
    ingest(stores, [contact_received("c2", "2026-11-05T10:00:00Z", "other")])
    items = stores.run.aggregates(SELLER, STORE, date(2026, 11, 3), date(2026, 11, 4))
    assert len(items) == 1
    assert items[0].counters["all.reason:shipping"] == 0
    assert items[0].counters["all.reason:other"] == 1
    assert stores.run.aggregates(SELLER, STORE, date(2026, 11, 6), date(2026, 11, 30)) == []
    later = stores.run.aggregates(SELLER, STORE, date(2026, 11, 5), date(2026, 11, 5))
    assert [AggregateItem(i.belongs, i.effective, dict(i.counters)) for i in later] == later


@pytest.mark.parametrize("shards", [1, 7, 100])
def test_the_registry_lists_shard_by_shard_each_by_bucket_then_seller_and_store(
    stores: Stores, shards: int
) -> None:
    sellers = [f"S{i:02d}" for i in range(12)]
    for seller in sellers:
        for store in ("US", "CA"):
            ingest(stores, [order_placed("o1", "2026-11-02T10:00:00Z", seller=seller, store=store)])
    listed = registry(stores, shards)
    assert sorted(listed) == sorted((s, st) for s in sellers for st in ("US", "CA"))
    in_order = [(keys.registry_bucket(seller), seller, store) for seller, store in listed]
    assert in_order == sorted(in_order)
    for n in range(shards):
        assert all(
            keys.registry_shard(keys.registry_bucket(seller), shards) == n
            for seller, _ in stores.run.registry_shard(n, shards)
        )
    assert stores.read.stores_of("S03") == ["CA", "US"]
    assert stores.read.stores_of("nobody") == []


def test_stores_noted_are_listed_once_sorted(stores: Stores) -> None:
    assert stores.run.stores() == []
    stores.run.put_stores(["US", "CA"])
    stores.run.put_stores(["US", "DE", "US"])
    assert stores.run.stores() == ["CA", "DE", "US"]


# ---- rejected events ----------------------------------------------------------------------


def test_a_rejected_event_is_kept_by_day_overwritten_by_its_redelivery_and_deleted(
    stores: Stores,
) -> None:
    errors = [{"field": "type", "message": "unknown"}]
    stores.rejected.keep_rejected("{}", "invalid_event", errors, "m2", NOW)
    stores.rejected.keep_rejected("{", "invalid_json", [], "m1", NOW)
    stores.rejected.keep_rejected("{", "invalid_json", [], "m1", NOW)
    kept = stores.rejected.list_rejected(NOW.date())
    assert [k.message_id for k in kept] == ["m1", "m2"]
    assert kept[1].public() == {
        "truncated": False,
        "message_id": "m2",
        "rejected_at": "2026-12-31T00:00:00.000000Z",
        "reason": "invalid_event",
        "errors": errors,
        "body": "{}",
    }
    assert stores.rejected.list_rejected(NOW.date() - timedelta(days=1)) == []
    stores.rejected.delete_rejected(NOW.date(), "m1")
    assert [k.message_id for k in stores.rejected.list_rejected(NOW.date())] == ["m2"]


def test_a_body_too_large_for_an_item_keeps_its_start_size_and_digest(stores: Stores) -> None:
    body = "é" * 70_000
    stores.ingest.keep_rejected(body, "invalid_json", [], "m1", NOW)
    (kept,) = stores.rejected.list_rejected(NOW.date())
    assert kept.truncated is True
    assert kept.body_bytes == 140_000
    assert kept.body == "é" * 32_768
    assert kept.body_sha256 is not None and len(kept.body_sha256) == 64


# ---- the indexes of contacts and orders ---------------------------------------------------


def seeded_contacts(stores: Stores) -> None:
    ingest(
        stores,
        [
            order_placed("o1", "2026-11-01T08:00:00Z"),
            contact_received("waits", "2026-11-02T10:00:00Z", "shipping", "o1"),
            contact_received("answered", "2026-11-02T09:00:00Z"),
            contact_responded("answered", "2026-11-02T11:00:00Z"),
            contact_received("marked", "2026-11-02T08:00:00Z"),
            no_response_needed("marked", "2026-11-02T08:30:00Z"),
            contact_received("auto", "2026-11-03T10:00:00Z", "other"),
            contact_responded("auto", "2026-11-03T10:01:00Z", automated=True),
            contact_received("also", "2026-11-02T10:00:00Z", "fulfillment"),
            contact_received("late", "2026-11-04T00:00:00Z"),
            contact_responded("no-message", "2026-11-02T12:00:00Z"),
            contact_received("elsewhere", "2026-11-02T10:00:00Z", store="CA"),
        ],
    )


def test_open_contacts_are_those_waiting_oldest_or_newest_first_in_a_window_and_a_limit(
    stores: Stores,
) -> None:
    seeded_contacts(stores)
    every = stores.read.open_contacts(SELLER, STORE)
    assert [c.contact_id for c in every] == ["also", "waits", "auto", "late"]
    assert (every[1].order_id, every[1].reason) == ("o1", "shipping")
    assert every[1].received_at == at("2026-11-02T10:00:00+00:00")
    assert every[1].seller_id == SELLER and every[1].store_id == STORE
    assert stores.read.open_contacts(SELLER, STORE, limit=2) == every[:2]
    window = stores.read.open_contacts(
        SELLER,
        STORE,
        received_from=at("2026-11-02T10:00:00+00:00"),
        received_before=at("2026-11-04T00:00:00+00:00"),
    )
    assert [c.contact_id for c in window] == ["also", "waits", "auto"]
    assert stores.read.open_contacts(SELLER, "MX") == []
    newest = stores.read.open_contacts(SELLER, STORE, newest_first=True)
    assert newest == every[::-1]
    assert stores.read.open_contacts(SELLER, STORE, limit=2, newest_first=True) == newest[:2]
    before = stores.read.open_contacts(
        SELLER,
        STORE,
        received_before=at("2026-11-04T00:00:00+00:00"),
        limit=2,
        newest_first=True,
    )
    assert [c.contact_id for c in before] == ["auto", "waits"]


def waiting(stores: Stores, hour: str, start: str, end: str) -> list[tuple[str, str, str]]:
    found = [
        c
        for shard in range(keys.WAITING_SHARDS)
        for c in stores.alerts.waiting(hour, shard, at(start), at(end))
    ]
    return sorted((c.received_at.isoformat(), c.store_id, c.contact_id) for c in found)


def test_waiting_contacts_of_every_seller_store_by_the_hour_they_arrived(stores: Stores) -> None:
    seeded_contacts(stores)
    ingest(stores, [contact_received("w2", "2026-11-02T10:59:59Z", seller="OTHER")])
    hour = waiting(
        stores, "2026-11-02T10", "2026-11-01T00:00:00+00:00", "2026-11-05T00:00:00+00:00"
    )
    assert hour == [
        ("2026-11-02T10:00:00+00:00", "CA", "elsewhere"),
        ("2026-11-02T10:00:00+00:00", "US", "also"),
        ("2026-11-02T10:00:00+00:00", "US", "waits"),
        ("2026-11-02T10:59:59+00:00", "US", "w2"),
    ]
    # half-open: from its first instant, before the last
    assert [
        c
        for *_, c in waiting(
            stores, "2026-11-02T10", "2026-11-02T10:00:00+00:00", "2026-11-02T10:59:59+00:00"
        )
    ] == ["elsewhere", "also", "waits"]
    assert (
        waiting(stores, "2026-11-02T09", "2026-11-01T00:00:00+00:00", "2026-11-05T00:00:00+00:00")
        == []
    )
    (one,) = [
        c
        for shard in range(keys.WAITING_SHARDS)
        for c in stores.alerts.waiting(
            "2026-11-02T10", shard, at("2026-11-02T00:00:00+00:00"), at("2026-11-03T00:00:00+00:00")
        )
        if c.contact_id == "waits"
    ]
    assert (one.seller_id, one.store_id, one.order_id, one.reason) == (
        SELLER,
        STORE,
        "o1",
        "shipping",
    )
    # answered since: it leaves the index
    ingest(stores, [contact_responded("waits", "2026-11-02T13:00:00Z")])
    assert "waits" not in [
        c
        for *_, c in waiting(
            stores, "2026-11-02T10", "2026-11-01T00:00:00+00:00", "2026-11-05T00:00:00+00:00"
        )
    ]


@pytest.mark.parametrize("newest_first", [False, True])
def test_contacts_by_time_are_half_open_ordered_and_as_the_index_projects_them(
    stores: Stores, newest_first: bool
) -> None:
    seeded_contacts(stores)
    found = list(
        stores.read.contacts(
            SELLER,
            STORE,
            at("2026-11-02T09:00:00+00:00"),
            at("2026-11-04T00:00:00+00:00"),
            newest_first,
        )
    )
    ids = ["answered", "also", "waits", "auto"]
    assert [cid for cid, _ in found] == (ids[::-1] if newest_first else ids)
    waits = dict(found)["waits"]
    assert isinstance(waits, ContactState)
    assert [r.order_id for r in waits.received] == ["o1"]
    assert waits.order_placed == ()  # not projected by the index
    assert len(dict(found)["auto"].auto_replied) == 1


def test_voted_orders_since_newest_first_and_orders_by_id(stores: Stores) -> None:
    ingest(
        stores,
        [
            order_placed("o1", "2026-11-01T08:00:00Z"),
            order_placed("o2", "2026-11-01T08:00:00Z"),
            order_placed("o3", "2026-11-01T08:00:00Z"),
            contact_received("c1", "2026-11-02T08:00:00Z", order_id="o1"),
            survey_vote("o1", "2026-11-03T08:00:00Z", vote="no"),
            survey_vote("o1", "2026-11-05T08:00:00Z", vote="yes"),
            survey_vote("o2", "2026-11-04T08:00:00Z", rating=2),
            survey_vote("o3", "2026-11-02T08:00:00Z", rating=5),
            survey_vote("o9", "2026-11-04T08:00:00Z", vote="yes"),
        ],
    )
    since = at("2026-11-04T08:00:00+00:00")
    voted = list(stores.reports.voted_orders(SELLER, STORE, since))
    assert [oid for oid, _ in voted] == ["o1", "o9", "o2"]
    o1 = dict(voted)["o1"]
    assert [v.answer for v in o1.votes] == ["no", "yes"]
    assert o1.contacts == frozenset({"c1"}) and o1.linked == ()  # links are not projected
    orders = stores.reports.orders(SELLER, STORE, ["o1", "o3", "absent", "o1"])
    assert sorted(orders) == ["o1", "o3"]
    assert isinstance(orders["o1"], OrderState)
    assert orders["o1"].linked == (("c1", date(2026, 11, 2)),)


# ---- what the run keeps and publishes ----------------------------------------------------


def counts(contacts: int) -> Counts:
    return Counts(contacts=contacts, hours=Counter({3: contacts}), answered=contacts)


def seller_counts(contacts: int) -> SellerStoreCounts:
    return SellerStoreCounts(
        {28: counts(contacts), 7: counts(1)},
        counts(2),
        [counts(3)] * 3,
        {28: counts(0)},
        {28: counts(contacts + 1), 7: counts(4)},
    )


def test_seller_counts_round_trip_by_seller_and_store(stores: Stores) -> None:
    day = date(2026, 11, 30)
    stores.run.put_seller_counts(day, "US", "B", seller_counts(2))
    stores.run.put_seller_counts(day, "US", "A", seller_counts(1))
    stores.run.put_seller_counts(day, "CA", "A", seller_counts(5))
    assert stores.run.seller_counts(day, "A", ["US", "CA", "MX"]) == {
        "US": seller_counts(1),
        "CA": seller_counts(5),
    }
    assert stores.run.seller_counts(day + timedelta(days=1), "A", ["US"]) == {}


def inputs(value: int) -> dict[str, MetricInput]:
    given = MetricInput(
        Fraction(value, 3), 7, None, ((Fraction(1, 2), 12), (None, 0), (Fraction(0), 1))
    )
    return {metric: given for metric in COMPARED_METRICS}


def test_benchmark_inputs_round_trip_by_store_day_and_shard(stores: Stores) -> None:
    day = date(2026, 11, 30)
    stores.run.put_benchmark_inputs(
        day,
        [
            ShardInput("US", 1, "B", inputs(2)),
            ShardInput("US", 1, "A", inputs(1)),
            ShardInput("US", 0, "C", inputs(3)),
            ShardInput("CA", 1, "A", inputs(5)),
        ]
        + [ShardInput("DE", 0, f"S{i:03d}", inputs(i)) for i in range(60)],
    )
    assert list(stores.run.benchmark_inputs(day, "US", 1)) == [("A", inputs(1)), ("B", inputs(2))]
    assert list(stores.run.benchmark_inputs(day, "US", 0)) == [("C", inputs(3))]
    assert len(list(stores.run.benchmark_inputs(day, "DE", 0))) == 60
    assert list(stores.run.benchmark_inputs(day + timedelta(days=1), "US", 1)) == []


def test_benchmarks_of_a_day_and_the_newest(stores: Stores) -> None:
    """Each metric's figures, reason and count of sellers read back as written (a count not
    known, as in benchmarks stored before it was kept, reads back unknown)."""
    marks = {
        "buyer_dissatisfaction_rate": Benchmark(Fraction(10, 3), Fraction(1, 2), sellers=7),
        "preventable_contact_rate": Benchmark(reason="too_few_sellers", sellers=4),
        "response_within_24h_rate": Benchmark(reason="too_few_sellers", sellers=0),
        "average_contact_response_time_hours": Benchmark(Fraction(9, 2)),
    }
    stores.run.put_benchmarks(date(2026, 11, 29), "US", marks)
    stores.run.put_benchmarks(date(2026, 11, 30), "US", {})
    assert stores.run.benchmarks(date(2026, 11, 29), ["US", "CA"]) == {"US": marks}
    assert stores.read.latest_benchmarks("US") == (date(2026, 11, 30), {})
    assert stores.read.latest_benchmarks("US", date(2026, 11, 29)) == (date(2026, 11, 29), marks)
    assert stores.read.latest_benchmarks("US", date(2026, 11, 28)) is None
    assert stores.read.latest_benchmarks("CA") is None


def test_snapshots_of_a_day_the_newest_and_a_range(stores: Stores) -> None:
    def snapshot(day: date) -> Snapshot:
        return Snapshot(
            SELLER,
            day,
            {"US": {28: counts(day.day)}},
            {"US": {"buyer_dissatisfaction_rate": Benchmark(Fraction(day.day, 7))}},
            {"US": {28: counts(1)}},
            {"US": {28: counts(day.day + 1), 90: counts(2)}},
        )

    for day in (date(2026, 11, 28), date(2026, 11, 30), date(2026, 11, 29)):
        stores.run.put_snapshot(snapshot(day))
    assert stores.read.snapshot(SELLER) == snapshot(date(2026, 11, 30))
    assert stores.read.snapshot(SELLER, date(2026, 11, 29)) == snapshot(date(2026, 11, 29))
    assert stores.read.snapshot(SELLER, date(2026, 11, 1)) is None
    assert stores.read.snapshot("nobody") is None
    ranged = stores.read.snapshots(SELLER, date(2026, 11, 29), date(2026, 12, 5))
    assert [s.as_of_day for s in ranged] == [date(2026, 11, 29), date(2026, 11, 30)]


# ---- reports: records, files, requests ---------------------------------------------------


def record(report_id: str, status: str = "ready") -> ReportRecord:
    files = {"csv": f"reports/{SELLER}/{report_id}.csv"} if status == "ready" else {}
    return ReportRecord(report_id, "survey_responses", status, "2026-11-30T10:00:00Z", files)  # type: ignore[arg-type]


def test_report_records_page_newest_first_with_a_cursor(stores: Stores) -> None:
    for n in (3, 1, 5, 2, 4):
        stores.reports.put_report(SELLER, record(f"r{n}"))
    pages, cursor = [], None
    while True:
        page, cursor = stores.reports.reports(SELLER, 2, cursor)
        pages.append([r.report_id for r in page])
        if cursor is None:
            break
    assert pages == [["r5", "r4"], ["r3", "r2"], ["r1"]]
    assert stores.reports.reports("nobody", 2) == ([], None)
    assert stores.reports.report(SELLER, "r3") == record("r3")
    assert stores.reports.report(SELLER, "r9") is None


def test_a_record_put_only_if_new_leaves_the_one_there(stores: Stores) -> None:
    assert stores.reports.put_report(SELLER, record("r1", "ready")) is True
    assert stores.reports.put_report(SELLER, record("r1", "pending"), only_if_new=True) is False
    assert stores.reports.report(SELLER, "r1") == record("r1", "ready")
    assert stores.reports.put_report(SELLER, record("r1", "pending")) is True
    assert stores.reports.report(SELLER, "r1") == record("r1", "pending")


def test_files_are_written_and_read_back_and_linked_by_name(stores: Stores) -> None:
    stores.reports.put("reports/a.csv", "a,b\n", "text/csv")
    stores.reports.upload("reports/b.json", io.BytesIO(b'{"x": 1}'), "application/json")
    assert stores.reports.read("reports/a.csv") == b"a,b\n"
    assert stores.reports.read("reports/b.json") == b'{"x": 1}'
    link = stores.reports.download_link("reports/a.csv", "report-a.csv", 300)
    assert "reports/a.csv" in link and "report-a.csv" in link
    assert stores.reports.bucket


def test_report_requests_reach_the_queue(stores: Stores) -> None:
    sent = ReportRequest(
        SELLER, "r1", ("US", "CA"), 30, at("2026-11-30T10:00:00+00:00"), "contacts", NOW.date()
    )
    stores.requests.send(sent)
    assert stores.queued() == [sent]


# ---- fair use -------------------------------------------------------------------------------


def test_the_quota_counts_to_its_limit_and_gives_back(stores: Stores) -> None:
    day = NOW.date()
    assert [stores.quota.take(SELLER, day, 2) for _ in range(3)] == [True, True, False]
    assert stores.quota.take(SELLER, day + timedelta(days=1), 2) is True
    stores.quota.give_back(SELLER, day)
    assert stores.quota.take(SELLER, day, 2) is True
    stores.quota.give_back(SELLER, day)
    stores.quota.give_back(SELLER, day)
    with pytest.raises(Conflict):
        stores.quota.give_back(SELLER, day)
    with pytest.raises(Conflict):
        stores.quota.give_back("nobody", day)


# ---- reply-due alerts -----------------------------------------------------------------------


def alert(contact: str = "c1", hours: int = 24, store: str = STORE) -> ReplyDue:
    received = at("2026-11-30T08:00:00+00:00")
    return ReplyDue(SELLER, store, contact, hours, None, "shipping", received, NOW)


def test_a_claim_is_taken_once_until_its_lease_runs_out_and_never_once_sent(
    stores: Stores,
) -> None:
    now = at("2026-12-01T09:00:00+00:00")
    lease = int(now.timestamp()) + 300
    assert stores.alerts.claim(alert(), lease, now) is True
    assert stores.alerts.claim(alert(), lease + 5, now) is False
    after = now + timedelta(seconds=301)
    assert stores.alerts.claim(alert(), int(after.timestamp()) + 300, after) is True
    stores.alerts.record_sent([alert()], after)
    later = after + timedelta(days=1)
    assert stores.alerts.claim(alert(), int(later.timestamp()) + 300, later) is False
    claims = stores.alerts.claims([alert(), alert(hours=40), alert()])
    assert list(claims) == [alert().alert_id]
    assert claims[alert().alert_id].sent is True


def test_a_released_claim_is_taken_again_and_only_its_own_lease_releases_it(
    stores: Stores,
) -> None:
    now = at("2026-12-01T09:00:00+00:00")
    lease = int(now.timestamp()) + 300
    assert stores.alerts.claim(alert(hours=40), lease, now) is True
    stores.alerts.release(alert(hours=40), lease + 1)  # another run's lease: nothing
    assert stores.alerts.claim(alert(hours=40), lease, now) is False
    stores.alerts.release(alert(hours=40), lease)
    assert stores.alerts.claim(alert(hours=40), lease + 7, now) is True
    stores.alerts.release(alert("never-claimed"), lease)
    claims = stores.alerts.claims([alert(hours=40), alert("never-claimed")])
    assert {a: (c.sent, c.lease_until) for a, c in claims.items()} == {
        alert(hours=40).alert_id: (False, lease + 7)
    }
    assert not claims[alert(hours=40).alert_id].takeable(now)
    assert claims[alert(hours=40).alert_id].takeable(now + timedelta(seconds=400))
    assert stores.alerts.claims([alert(hours=40, store="CA")]) == {}
    many = [alert(f"c{i}") for i in range(150)]  # more than one batch read
    assert stores.alerts.claims(many) == {}


def test_publishing_takes_up_to_ten_alerts(stores: Stores) -> None:
    assert stores.alerts.publish([alert(f"c{i}") for i in range(10)]) == []
    assert stores.alerts.publish([]) == []
