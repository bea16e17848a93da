"""The counts behind the insight details, at unit speed on the in-memory store: contacts
per reason, each window's previous period as it stood at its own end, the store average
over sellers with enough volume, and the privacy floor of the store comparisons. The
product's counts and benchmarks equal the plain reference's on generated marketplaces."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csinsights.domain import sharded
from csinsights.domain.benchmarks import Benchmark
from csinsights.domain.catalogue import WINDOWS
from csinsights.domain.documents import rounded
from csinsights.domain.metrics import COMPARED_METRICS, Counts, compute
from csinsights.domain.run import Snapshot, lookback_start
from csinsights.domain.sharded import MetricInput
from csinsights.ingest import Ingestor, Message
from csinsights.store import codecs
from csinsights_local.embedded import EmbeddedStore, embedded_settings
from tests import reference
from tests.builders import (
    contact_received,
    contact_responded,
    order_placed,
    survey_vote,
)
from tests.profiles import examples
from tests.runs import run_day
from tests.strategies import marketplace_streams

NOW = datetime(2026, 12, 31, tzinfo=UTC)  # ingest's clock: after every event
T = datetime(2026, 11, 20, tzinfo=UTC)  # the end of 19 November
DAY = date(2026, 11, 19)
Events = list[dict[str, Any]]


def ingested(events: Events, store: EmbeddedStore | None = None) -> EmbeddedStore:
    """Each event once, in time order, ten to a batch."""
    store = store or EmbeddedStore()
    ordered = sorted(events, key=reference.key)
    for start in range(0, len(ordered), 10):
        batch = [
            Message(f"m{start + i}", json.dumps(body))
            for i, body in enumerate(ordered[start : start + 10])
        ]
        answers = Ingestor(store).ingest(batch, now=NOW)
        assert {a.status for a in answers.values()} == {"accepted"}
    return store


def run(store: EmbeddedStore, day: date) -> tuple[dict[str, Snapshot], dict[str, Any]]:
    """The run's three steps as of the end of `day`: the snapshots and the benchmarks."""
    snapshots = run_day(store, day)
    marks = {s: store.store_marks[s][day] for s in store.stores() if day in store.store_marks[s]}
    return snapshots, marks


def world(
    events: Events, seller: str, store: str, cutoff: datetime, seen_before: datetime | None = None
) -> reference.World:
    return reference.world_at(
        [e for e in events if (e["seller_id"], e["store_id"]) == (seller, store)],
        cutoff,
        seen_before,
    )


def as_counts(f: reference.Figures) -> dict[str, Any]:
    """The reference's figures in the terms of `Counts`, to compare the two."""
    return {
        "orders": f.orders,
        "responses": f.responses,
        "dissatisfied": f.dissatisfied,
        "contacts": f.contacts,
        "preventable": f.preventable,
        "bdr_dissatisfied": f.bdr_dissatisfied,
        "by_reason": +f.reasons,
        "hours": Counter(f.hours),
        "unanswered": f.unanswered,
        "counted_in_24h_rate": f.answered_or_old,
        "within_24h": f.within_24h,
        "answered_late": f.answered_late,
        "unanswered_late": f.unanswered_late,
    }


def totals(counts: dict[str, Any]) -> dict[str, Any]:
    """A previous period keeps its whole hours only as their sum and count (what its mean
    response time needs): compare those."""
    hours = counts["hours"]
    return counts | {"hours": (sum(h * n for h, n in hours.items()), sum(hours.values()))}


def of(c: Counts) -> dict[str, Any]:
    return {
        "orders": c.orders,
        "responses": c.responses,
        "dissatisfied": c.dissatisfied,
        "contacts": c.contacts,
        "preventable": c.preventable,
        "bdr_dissatisfied": c.bdr_dissatisfied,
        "by_reason": +c.by_reason,
        "hours": +c.hours,
        "unanswered": c.unanswered,
        "counted_in_24h_rate": c.answered + c.unanswered_over_24h,
        "within_24h": c.within_24h,
        "answered_late": c.answered_late,
        "unanswered_late": c.unanswered_over_48h,
    }


# ---- previous period ----------------------------------------------------------------------


def previous_period_events(late: bool) -> Events:
    """Within the 28-day window's previous period [25 Sep, 23 Oct): a "no" vote and a
    contact waiting since 20 Oct. With `late`, the vote turns "yes" and the contact is
    answered on 25 Oct, after that period's end (23 Oct, T - 28 days)."""
    events = [
        order_placed("o1", "2026-10-01T10:00:00Z"),
        survey_vote("o1", "2026-10-02T10:00:00Z", vote="no"),
        contact_received("c1", "2026-10-10T08:00:00Z", "shipping", "o1"),
        contact_responded("c1", "2026-10-10T11:30:00Z"),
        contact_received("c2", "2026-10-20T14:00:00Z", "other"),
        order_placed("o2", "2026-11-10T10:00:00Z"),
    ]
    if late:
        events += [
            survey_vote("o1", "2026-10-25T10:00:00Z", vote="yes"),
            contact_responded("c2", "2026-10-25T09:00:00Z"),
        ]
    return events


def test_previous_period_is_counted_as_of_its_own_end() -> None:
    snapshots, _ = run(ingested(previous_period_events(late=True)), DAY)
    before = snapshots["A1SELLER"].previous["US"][28]
    # As of 23 October: the vote is still "no", c2 unanswered and 58 h old (late).
    assert totals(of(before)) == totals(
        {
            "orders": 1,
            "responses": 1,
            "dissatisfied": 1,
            "contacts": 2,
            "preventable": 1,
            "bdr_dissatisfied": 1,
            "by_reason": Counter(shipping=1, other=1),
            "hours": Counter({3: 1, 58: 1}),
            "unanswered": 1,
            "counted_in_24h_rate": 2,
            "within_24h": 1,
            "answered_late": 0,
            "unanswered_late": 1,
        }
    )
    # As of T the changed vote belongs to 25 October, in the current window.
    now = snapshots["A1SELLER"].stores["US"][28]
    assert (now.orders, now.responses, now.dissatisfied, now.contacts) == (1, 1, 0, 0)


def test_a_vote_changed_or_a_reply_sent_after_the_previous_period_leaves_it_unchanged() -> None:
    changed, _ = run(ingested(previous_period_events(late=True)), DAY)
    unchanged, _ = run(ingested(previous_period_events(late=False)), DAY)
    assert changed["A1SELLER"].previous == unchanged["A1SELLER"].previous
    assert set(changed["A1SELLER"].previous["US"]) == set(WINDOWS)
    assert changed["A1SELLER"].stores != unchanged["A1SELLER"].stores


def test_the_lookback_reaches_the_previous_period_of_the_longest_window() -> None:
    assert lookback_start(DAY) == DAY - timedelta(days=2 * max(WINDOWS) - 1)
    events = [
        order_placed("old", "2026-05-24T10:00:00Z"),  # the first day of the 90 days before
        order_placed("older", "2026-05-23T10:00:00Z"),  # the day before: in no figure
        order_placed("o1", "2026-11-01T10:00:00Z"),
    ]
    snapshots, _ = run(ingested(events), DAY)
    assert snapshots["A1SELLER"].previous["US"][90].orders == 1


def test_a_store_active_only_in_the_previous_period_is_not_shown() -> None:
    """The stores of a document are those with something in the served lookback (90 days
    or the ranking months); what lies only further back shows in no document."""
    events = [order_placed("o1", "2026-06-10T10:00:00Z", store="CA")]
    events += [order_placed("o1", "2026-11-01T10:00:00Z", store="US")]
    snapshots, _ = run(ingested(events), DAY)
    assert set(snapshots["A1SELLER"].stores) == {"US"}


# ---- contacts per reason --------------------------------------------------------------------


def test_contacts_per_reason_sum_to_the_contacts_in_both_scopes() -> None:
    events = [order_placed("sf", "2026-11-01T10:00:00Z", "seller")]
    events += [order_placed("mp", "2026-11-01T10:00:00Z", "marketplace")]
    for i, reason in enumerate(reference.REASONS):
        events.append(contact_received(f"c{i}", "2026-11-02T10:00:00Z", reason, "sf"))
        events.append(contact_received(f"d{i}", "2026-11-03T10:00:00Z", reason, "mp"))
    events.append(contact_received("e", "2026-11-04T10:00:00Z", "shipping", "sf"))
    # A second message of the same contact with another reason: the earliest stands.
    events.append(contact_received("e", "2026-11-05T10:00:00Z", "other", "sf"))
    store = ingested(events)
    run(store, DAY)
    counts = store.run_counts[(DAY, "US")]["A1SELLER"]
    every = counts.windows[28]
    assert every.by_reason == Counter({r: 2 for r in reference.REASONS}) + Counter(shipping=1)
    assert set(every.by_reason) == set(reference.REASONS)
    assert sum(every.by_reason.values()) == every.contacts == 15
    sf = counts.self_fulfilled
    assert sf.by_reason == Counter({r: 1 for r in reference.REASONS}) + Counter(shipping=1)
    assert sum(sf.by_reason.values()) == sf.contacts == 8


# ---- store benchmarks -------------------------------------------------------------------------


def bdr(contacts: int, dissatisfied: int) -> Counts:
    """Counts whose buyer dissatisfaction rate is dissatisfied / contacts."""
    return Counts(contacts=contacts, bdr_dissatisfied=dissatisfied)


BDR = "buyer_dissatisfaction_rate"


def benchmarks_of(
    current: dict[str, Counts],
    months: list[Counts] | None = None,
    *,
    min_volume: int,
    min_peers: int,
) -> dict[str, Benchmark]:
    """As the run computes a store of one shard (`sharded.in_one_shard`), each seller's
    current counts also its self-fulfilled ones, ranked on `months` (default: the same
    value each of 3 months, so all are in the best quartile)."""
    ranked = [compute(m) for m in months or [bdr(5, 1)] * 3]
    inputs = []
    for counts in current.values():
        now = compute(counts)
        inputs.append(
            {
                metric: MetricInput(
                    now[metric].value,
                    now[metric].denominator,
                    now[metric].value,
                    tuple((m[metric].value, m[metric].denominator) for m in ranked),
                )
                for metric in COMPARED_METRICS
            }
        )
    return sharded.in_one_shard(inputs, min_volume, min_peers)


def test_a_seller_below_min_volume_is_not_in_the_store_average() -> None:
    current = {f"S{i}": bdr(5, 1) for i in range(5)} | {"small": bdr(4, 4)}
    marks = benchmarks_of(current, min_volume=5, min_peers=5)
    assert marks[BDR] == Benchmark(Fraction(20), Fraction(20), sellers=5)
    current["small"] = bdr(5, 5)
    marks = benchmarks_of(current, min_volume=5, min_peers=5)
    assert marks[BDR].store_average == Fraction(100 + 20 * 5, 6)
    assert marks[BDR].sellers == 6


def test_below_the_privacy_floor_both_comparisons_are_withheld() -> None:
    four = {f"S{i}": bdr(5, i) for i in range(4)} | {"small": bdr(4, 0)}
    marks = benchmarks_of(four, min_volume=5, min_peers=5)
    # The four with 5 contacts qualify (the small seller does not): too few, and said so.
    assert marks[BDR] == Benchmark(None, None, "too_few_sellers", sellers=4)
    # No seller has a response time or survey responses: none qualifies anywhere else.
    assert {m: b.reason for m, b in marks.items()} == dict.fromkeys(
        COMPARED_METRICS, "too_few_sellers"
    )
    assert marks["average_contact_response_time_hours"].sellers == 0
    five = four | {"S4": bdr(5, 4)}
    marks = benchmarks_of(five, min_volume=5, min_peers=5)
    # The average of 0, 20, 40, 60 and 80; the cohort (everyone, ranked each month)
    # includes the small seller, whose 0 makes the median of its values 30.
    assert marks[BDR] == Benchmark(Fraction(40), Fraction(30), sellers=5)
    assert marks[BDR].reason is None


def test_the_monthly_ranking_keeps_its_own_denominator_whatever_min_volume() -> None:
    current = {f"S{i}": bdr(2, 0) for i in range(5)}
    # A month with no seller ranked (denominators of 4) leaves no cohort.
    months = [bdr(5, 1), bdr(5, 1), bdr(4, 0)]
    marks = benchmarks_of(current, months, min_volume=1, min_peers=5)
    assert marks[BDR] == Benchmark(Fraction(0), None, sellers=5)
    marks = benchmarks_of(current, [bdr(5, 1)] * 3, min_volume=1, min_peers=5)
    assert marks[BDR] == Benchmark(Fraction(0), Fraction(0), sellers=5)


def test_the_run_takes_min_volume_and_min_peers_from_its_settings() -> None:
    events = [
        e
        for seller in ("A", "B")
        for e in [
            contact_received("c1", "2026-11-02T10:00:00Z", "shipping", seller=seller),
            contact_responded("c1", "2026-11-02T12:30:00Z", seller=seller),
        ]
    ]
    _, marks = run(ingested(events), DAY)
    assert marks["US"]["average_contact_response_time_hours"] == Benchmark(
        reason="too_few_sellers", sellers=0
    )
    lenient = EmbeddedStore(embedded_settings(min_volume=1, min_peers=2))
    _, marks = run(ingested(events, lenient), DAY)
    assert marks["US"]["average_contact_response_time_hours"] == Benchmark(Fraction(2), sellers=2)


# ---- stored forms ---------------------------------------------------------------------------


def test_run_counts_and_snapshot_round_trip_through_json() -> None:
    store = ingested(previous_period_events(late=True))
    snapshots, _ = run(store, DAY)
    counts = store.run_counts[(DAY, "US")]["A1SELLER"]
    data = json.loads(json.dumps(codecs.seller_store_counts_to_json(counts)))
    assert set(data) == {"windows", "previous", "projected", "self_fulfilled", "months"}
    assert codecs.seller_store_counts_from_json(data) == counts
    assert counts.previous[28] == snapshots["A1SELLER"].previous["US"][28]
    assert counts.projected[28] == snapshots["A1SELLER"].projected["US"][28]
    assert set(counts.projected) == set(WINDOWS)
    snapshot = snapshots["A1SELLER"]
    stored = json.loads(json.dumps(codecs.snapshot_to_json(snapshot)))
    assert codecs.snapshot_from_json(stored) == snapshot


def test_a_snapshot_keeps_the_figures_and_the_store_benchmarks_the_count() -> None:
    events = [
        e
        for seller in ("A", "B")
        for e in [
            contact_received("c1", "2026-11-02T10:00:00Z", "shipping", seller=seller),
            contact_responded("c1", "2026-11-02T12:30:00Z", seller=seller),
        ]
    ]
    store = EmbeddedStore(embedded_settings(min_volume=1, min_peers=2))
    snapshots, marks = run(ingested(events, store), DAY)
    mark = marks["US"]["average_contact_response_time_hours"]
    assert mark == Benchmark(Fraction(2), sellers=2)
    assert snapshots["A"].benchmarks["US"]["average_contact_response_time_hours"] == Benchmark(
        Fraction(2)
    )


MARKS = {
    "buyer_dissatisfaction_rate": Benchmark(Fraction(10, 3), Fraction(1, 2), sellers=7),
    "preventable_contact_rate": Benchmark(reason="too_few_sellers", sellers=4),
    "response_within_24h_rate": Benchmark(reason="too_few_sellers", sellers=0),
}


def test_a_store_benchmarks_item_keeps_the_count_beside_the_data_every_release_reads() -> None:
    item = codecs.benchmarks_item(MARKS)
    assert set(item) == {"data", codecs.BENCHMARK_SELLERS}
    # `data` is what a release before the count wrote for the same figures (JSON's default
    # separators, `[average, top performers]` and the reason when withheld) ...
    assert item["data"] == {
        "S": '{"buyer_dissatisfaction_rate": ["10/3", "1/2"], '
        '"preventable_contact_rate": [null, null, "too_few_sellers"], '
        '"response_within_24h_rate": [null, null, "too_few_sellers"]}'
    }
    # ... so such a release, which reads `data` alone, reads the figures of a new item ...
    assert codecs.benchmarks_from_json(codecs.data_of(item)) == {
        metric: b.figures() for metric, b in MARKS.items()
    }
    # ... and this one reads them with their counts, or without a count from an item
    # written before it was kept.
    assert codecs.benchmarks_of(item) == MARKS
    old = {"data": item["data"]}
    assert codecs.benchmarks_of(old) == {metric: b.figures() for metric, b in MARKS.items()}
    assert codecs.benchmarks_item({m: b.figures() for m, b in MARKS.items()}) == old


def test_a_state_between_benchmark_passes_keeps_the_count_and_reads_one_written_without() -> None:
    given = [
        {
            metric: MetricInput(Fraction(v), 5, Fraction(v), ((Fraction(v), 5),))
            for metric in COMPARED_METRICS
        }
        for v in (1, 2, 3)
    ]
    state = sharded.combine_first([sharded.first_pass(given, 5)], 2)
    assert {s.sellers for s in state.values()} == {3}
    stored = json.loads(json.dumps(codecs.pass_state_to_json(state)))
    assert codecs.pass_state_from_json(stored) == state
    for s in stored.values():
        del s["sellers"]  # a run's state written by a release before the count
    older = codecs.pass_state_from_json(stored)
    state = sharded.combine_second([sharded.second_pass(given, older)], older)
    median = sharded.combine_third([sharded.third_pass(given, state)], state)
    marks = sharded.combine_fourth([sharded.fourth_pass(given, median)], median)
    assert marks["buyer_dissatisfaction_rate"] == Benchmark(Fraction(2), Fraction(1))


# ---- against the reference ----------------------------------------------------------------


@settings(
    max_examples=examples(ci=25, soak=400),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    stream=marketplace_streams(),
    min_volume=st.integers(1, 6),
    min_peers=st.integers(0, 5),
)
def test_counts_and_benchmarks_equal_the_reference(
    stream: tuple[datetime, int, Events], min_volume: int, min_peers: int
) -> None:
    as_of, _, events = stream
    day = as_of.date() - timedelta(days=1)
    store = EmbeddedStore(embedded_settings(min_volume=min_volume, min_peers=min_peers))
    snapshots, marks = run(ingested(events, store), day)
    for seller, snapshot in snapshots.items():
        for store_id, windows in snapshot.stores.items():
            for w in WINDOWS:
                start = as_of - timedelta(days=w)
                now = reference.figures(world(events, seller, store_id, as_of), start, as_of)
                assert of(windows[w]) == as_counts(now), (seller, store_id, w)
                earlier = start - timedelta(days=w)
                before = reference.figures(world(events, seller, store_id, start), earlier, start)
                assert totals(of(snapshot.previous[store_id][w])) == totals(as_counts(before)), (
                    seller,
                    w,
                )
                # A week on from the events before T: kept without the reasons.
                horizon = as_of + reference.PROJECTION
                ahead = world(events, seller, store_id, horizon, as_of)
                expected = as_counts(reference.figures(ahead, horizon - timedelta(days=w), horizon))
                assert totals(of(snapshot.projected[store_id][w])) == totals(
                    expected | {"by_reason": Counter()}
                ), (seller, store_id, w)
    for store_id, got in marks.items():
        expected = reference.benchmarks(
            events, store_id, as_of, min_volume=min_volume, min_peers=min_peers
        )
        assert {
            metric: {
                "store_average": rounded(b.store_average),
                "top_performers": rounded(b.top_performers),
                "reason": b.reason,
                "sellers": b.sellers,
            }
            for metric, b in got.items()
        } == expected, store_id


@given(
    st.dictionaries(st.integers(0, 2000), st.integers(1, 30), max_size=40),
    st.integers(0, 5),
    st.integers(0, 5),
)
@settings(max_examples=examples(200, 2000), deadline=None)
def test_a_summarised_previous_period_shows_the_same_figures(hours, answered, late):
    counts = Counts(
        orders=7, contacts=9, within_24h=answered, answered_late=late, hours=Counter(hours)
    )
    counts.answered = min(answered, sum(counts.hours.values()))
    summary = counts.summarised()
    assert len(+summary.hours) <= 2
    assert summary.unanswered == counts.unanswered
    for metric, figure in compute(summary).items():
        full = compute(counts)[metric]
        assert (figure.value, figure.numerator, figure.denominator) == (
            full.value,
            full.numerator,
            full.denominator,
        ), metric


@given(
    st.dictionaries(st.integers(0, 2000), st.integers(1, 30), max_size=40),
    st.lists(st.integers(0, 10**6), min_size=9, max_size=9),
)
@settings(max_examples=examples(200, 2000), deadline=None)
def test_projected_counts_are_stored_as_numbers_and_read_back_the_same(
    hours: dict[int, int], figures: list[int]
) -> None:
    """What a projection keeps (whole hours summarised, no reasons) survives its compact
    stored form exactly."""
    names = ["orders", "responses", "dissatisfied", "contacts", "preventable"]
    names += ["bdr_dissatisfied", "within_24h", "answered_late", "unanswered_over_24h"]
    counts = Counts(**dict(zip(names, figures, strict=True)), hours=Counter(hours))
    counts.answered = min(figures[0], sum(hours.values()))
    counts.unanswered_over_48h = counts.unanswered // 2
    kept = replace(counts.summarised(), by_reason=Counter())
    stored = json.loads(json.dumps(codecs.projected_to_json(kept)))
    assert all(isinstance(n, int) for n in stored)
    assert codecs.projected_from_json(stored) == kept
