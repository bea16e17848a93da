"""Exact figures of the reference metrics documents (`tests.reference.documents`) on the
hand-worked scenarios of `tests.scenarios`, and the reference's own rules."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from tests import reference
from tests.builders import (
    contact_responded,
    order_placed,
    survey_vote,
)
from tests.profiles import examples
from tests.reference import (
    BDR,
    CSDR,
    LATE,
    PREVENTABLE_RATE,
    RESPONSE_TIME,
    WITHIN_24H,
)
from tests.scenarios import CSDR_TARGET, SCENARIOS, T, mismatches
from tests.strategies import marketplace_streams


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_reference_figures(name: str) -> None:
    scenario = SCENARIOS[name]
    docs = reference.documents(scenario.events, scenario.as_of, scenario.window_days)
    assert mismatches(docs, scenario) == []


def test_document_shape_and_order() -> None:
    docs = reference.documents(SCENARIOS["collective_pooling"].events, T)
    assert [d["seller_id"] for d in docs] == ["S1"]
    doc = docs[0]
    assert set(doc) == {
        "seller_id",
        "stores",
        "as_of",
        "data_through",
        "window",
        "metrics",
        "by_store",
    }
    assert doc["data_through"] == "2026-11-19"
    assert doc["stores"] == ["CA", "US"]
    assert doc["as_of"] == "2026-11-20T00:00:00Z"
    assert doc["window"] == {
        "start": "2026-10-23T00:00:00Z",
        "end": "2026-11-20T00:00:00Z",
        "days": 28,
    }
    assert [b["store_id"] for b in doc["by_store"]] == ["CA", "US"]
    rate = {"value", "numerator", "denominator", "status", "target", "reason"}
    rate |= {"low_sample", "previous", "change", "trend", "projected"}
    response_time = rate | {"median", "p90", "unanswered", "distribution", "by_arrival"}
    late = {"value", "answered_late", "unanswered_late", "status", "target", "reason"}
    late |= {"previous", "change", "trend", "projected"}
    comparisons = {"store_average", "top_performers"}
    only = {CSDR: {"to_target"}, WITHIN_24H: {"to_target"}, PREVENTABLE_RATE: {"by_reason"}}
    for metrics, extra in [(doc["metrics"], set())] + [
        (b["metrics"], comparisons) for b in doc["by_store"]
    ]:
        assert set(metrics) == set(reference.METRICS)
        for name in reference.RATES:
            assert set(metrics[name]) == rate | only.get(name, set()) | extra, name
            assert set(metrics[name]["previous"]) == {"value", "numerator", "denominator"}
            assert set(metrics[name]["projected"]) == {"as_of", "value", "numerator", "denominator"}
            assert metrics[name]["projected"]["as_of"] == "2026-11-27T00:00:00Z"
        assert set(metrics[RESPONSE_TIME]) == response_time | extra
        assert list(metrics[RESPONSE_TIME]["distribution"]) == list(reference.BANDS)
        arrival = metrics[RESPONSE_TIME]["by_arrival"]
        assert list(arrival) == list(reference.WEEKDAYS)
        assert all(list(parts) == list(reference.PARTS) for parts in arrival.values())
        assert list(metrics[PREVENTABLE_RATE]["by_reason"]) == list(reference.REASONS)
        assert set(metrics[LATE]) == late
        assert set(metrics[LATE]["previous"]) == {"value"}
        assert set(metrics[LATE]["projected"]) == {"as_of", "value"}


def test_sellers_sorted_and_each_covers_all_its_stores() -> None:
    events = [
        order_placed("o1", "2026-11-01T10:00:00Z", seller="B", store="MX"),
        order_placed("o1", "2026-11-01T10:00:00Z", seller="A", store="US"),
        order_placed("o1", "2026-08-01T10:00:00Z", seller="B", store="CA"),
        # Outside the lookback (90 days, or back to the first ranking month): not shown.
        order_placed("o1", "2026-07-31T10:00:00Z", seller="B", store="DE"),
        # Only a reply, no order, contact or vote: nothing counts, not shown.
        contact_responded("c9", "2026-11-01T10:00:00Z", seller="B", store="UK"),
    ]
    docs = reference.documents(events, T)
    assert [(d["seller_id"], d["stores"]) for d in docs] == [("A", ["US"]), ("B", ["CA", "MX"])]
    assert [b["store_id"] for b in docs[1]["by_store"]] == ["CA", "MX"]


def test_repeated_deliveries_count_once() -> None:
    scenario = SCENARIOS["rounding_half_up"]
    repeated = scenario.events + scenario.events[::3]
    random.Random(4).shuffle(repeated)
    assert reference.documents(repeated, T) == reference.documents(scenario.events, T)


def test_the_exact_value_decides_the_status_not_the_rounded_one() -> None:
    """1250 of 5001 is 24.995000...: shown as 25.0 (half-up) and still below 25: good."""
    events = [
        survey_vote(f"o{i}", "2026-11-01T10:00:00Z", vote="no" if i < 1250 else "yes")
        for i in range(5001)
    ]
    metric = reference.documents(events, T)[0]["metrics"][CSDR]
    assert metric == {
        "value": 25.0,
        "numerator": 1250,
        "denominator": 5001,
        "status": "good",
        "target": CSDR_TARGET,
        "reason": None,
        "low_sample": False,
        "previous": {"value": None, "numerator": 0, "denominator": 0},
        "change": None,
        "trend": None,
        # Voted on 1 Nov: still in the window a week on, and nothing else changes.
        "projected": {
            "as_of": "2026-11-27T00:00:00Z",
            "value": 25.0,
            "numerator": 1250,
            "denominator": 5001,
        },
        # 100·1250 < 25·(5001 + k) already holds at k = 0: met, nothing more to do.
        "to_target": 0,
    }


@pytest.mark.parametrize(
    ("exact", "shown"),
    [
        (Fraction(100, 3), 33.33),
        (Fraction(200, 3), 66.67),
        (Fraction(25, 2), 12.5),
        (Fraction(25, 4), 6.25),
        (Fraction(1, 8), 0.13),  # round(0.125, 2) == 0.12
        (Fraction(25, 8), 3.13),  # round(3.125, 2) == 3.12
        (Fraction(201, 200), 1.01),  # round(1.005, 2) == 1.0: 1.005 is not a binary float
        (Fraction(5, 1000), 0.01),
        (Fraction(4999, 1_000_000), 0.0),
        (Fraction(2885, 63), 45.79),
        (Fraction(0), 0.0),
        (Fraction(100), 100.0),
        (None, None),
    ],
)
def test_values_are_rounded_half_up_from_exact_fractions(
    exact: Fraction | None, shown: float | None
) -> None:
    assert reference.rounded(exact) == shown


def test_median_and_nearest_rank_p90() -> None:
    assert reference.median([3, 1, 2]) == 2
    assert reference.median([4, 1, 3, 2]) == Fraction(5, 2)
    assert reference.median([]) is None
    assert reference.p90([5]) == 5
    assert reference.p90(list(range(1, 11))) == 9  # rank ceil(9.0) = 9
    assert reference.p90(list(range(1, 12))) == 10  # rank ceil(9.9) = 10
    assert reference.p90(list(range(20, 0, -1))) == 18  # sorted first; rank 18
    assert reference.p90([]) is None


@pytest.mark.parametrize(
    ("metric", "value", "status"),
    [
        (CSDR, Fraction(2499, 100), "good"),
        (CSDR, Fraction(2_499_999, 100_000), "good"),
        (CSDR, Fraction(25), "fair"),
        (CSDR, Fraction(4999, 100), "fair"),
        (CSDR, Fraction(50), "poor"),
        (CSDR, Fraction(0), "good"),
        (CSDR, None, "na"),
        (WITHIN_24H, Fraction(100), "good"),
        (WITHIN_24H, Fraction(90), "good"),
        (WITHIN_24H, Fraction(8999, 100), "fair"),
        (WITHIN_24H, Fraction(75), "fair"),
        (WITHIN_24H, Fraction(7499, 100), "poor"),
        (WITHIN_24H, Fraction(0), "poor"),
        (WITHIN_24H, None, "na"),
        (LATE, 0, "good"),
        (LATE, 1, "fair"),
        (LATE, 2, "fair"),
        (LATE, 3, "poor"),
        (LATE, 40, "poor"),
    ],
)
def test_fixed_target_bands(metric: str, value: Fraction | int | None, status: str) -> None:
    assert reference.fixed_status(metric, value) == status


@pytest.mark.parametrize(
    ("value", "average", "top", "status"),
    [
        (9, 20, 10, "good"),
        (10, 20, 10, "good"),  # at the top performers
        (11, 20, 10, "fair"),
        (20, 20, 10, "fair"),  # at the store average
        (21, 20, 10, "poor"),
        (20, 20, None, "good"),  # no top performers: at the average is good
        (21, 20, None, "fair"),
        (5, None, None, "na"),
        (None, 20, 10, "na"),
        # Top performers worse than the average: the average is the good line, nothing fair.
        (67, 33, 84, "poor"),
        (33, 33, 84, "good"),
        (34, 33, 84, "poor"),
        (84, 33, 84, "poor"),
        (20, 20, 20, "good"),
        (21, 20, 20, "poor"),
        (10, None, 10, "good"),  # a top-performer figure alone (no average)
        (11, None, 10, "fair"),
    ],
)
def test_benchmark_bands(
    value: int | None, average: int | None, top: int | None, status: str
) -> None:
    def f(x: int | None) -> Fraction | None:
        return None if x is None else Fraction(x)

    assert reference.benchmark_status(f(value), f(average), f(top)) == status


@pytest.mark.parametrize(
    ("as_of", "months"),
    [
        (T, ["2026-10", "2026-09", "2026-08"]),
        (datetime(2026, 12, 1, tzinfo=UTC), ["2026-11", "2026-10", "2026-09"]),
        (datetime(2026, 11, 1, tzinfo=UTC), ["2026-10", "2026-09", "2026-08"]),
        (datetime(2026, 3, 1, tzinfo=UTC), ["2026-02", "2026-01", "2025-12"]),
        (datetime(2027, 1, 15, tzinfo=UTC), ["2026-12", "2026-11", "2026-10"]),
    ],
)
def test_ranking_months_are_the_last_three_complete_ones(
    as_of: datetime, months: list[str]
) -> None:
    spans = reference.ranking_months(as_of)
    assert [start.strftime("%Y-%m") for start, _ in spans] == months
    for start, end in spans:
        assert start.day == end.day == 1
        assert end > start
        assert (end - timedelta(days=1)).strftime("%Y-%m") == start.strftime("%Y-%m")


def test_best_quartile_keeps_ties_at_rank_ceil_n_over_4() -> None:
    values = {k: Fraction(v) for k, v in dict(a=0, b=20, c=20, d=40, e=60).items()}
    assert reference.best_quartile(values, higher_is_better=False) == {"a", "b", "c"}
    assert reference.best_quartile(values, higher_is_better=True) == {"e", "d"}
    four = {k: Fraction(v) for k, v in dict(a=1, b=2, c=3, d=4).items()}
    assert reference.best_quartile(four, higher_is_better=False) == {"a"}
    eight = {str(i): Fraction(i) for i in range(8)}
    assert reference.best_quartile(eight, higher_is_better=False) == {"0", "1"}
    assert reference.best_quartile({"a": Fraction(7)}, higher_is_better=True) == {"a"}
    assert reference.best_quartile({}, higher_is_better=True) == set()


def windowed(counts: Counter[tuple[str, date, str]], start: date, end: date, name: str) -> int:
    return sum(
        v
        for (scope, day, n), v in counts.items()
        if scope == "all" and n == name and start <= day < end
    )


@settings(
    max_examples=examples(ci=40, soak=1000),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(stream=marketplace_streams())
def test_documents_agree_with_the_aggregate_counters_and_pool_the_stores(
    stream: tuple[datetime, int, list[dict[str, Any]]],
) -> None:
    as_of, window_days, events = stream
    docs = reference.documents(events, as_of, window_days)
    start, end = (as_of - timedelta(days=window_days)).date(), as_of.date()
    for doc in docs:
        seller = doc["seller_id"]
        pooled: Counter[tuple[str, str]] = Counter()
        for entry in doc["by_store"]:
            m = entry["metrics"]
            own = [
                e for e in events if (e["seller_id"], e["store_id"]) == (seller, entry["store_id"])
            ]
            counts = reference.counters(own, end - timedelta(days=1))

            def total(name: str) -> int:
                return windowed(counts, start, end, name)

            assert m[PREVENTABLE_RATE]["denominator"] == total("orders")
            assert m[PREVENTABLE_RATE]["numerator"] == total("preventable")
            assert m[CSDR]["denominator"] == total("responses")
            assert m[CSDR]["numerator"] == total("dissatisfied")
            assert m[BDR]["denominator"] == total("contacts")
            assert m[BDR]["numerator"] == total("bdr_dissatisfied")
            assert m[WITHIN_24H]["numerator"] == total("within_24h")
            for name in (*reference.RATES, RESPONSE_TIME):
                pooled[(name, "numerator")] += m[name]["numerator"]
                pooled[(name, "denominator")] += m[name]["denominator"]
            pooled[(LATE, "value")] += m[LATE]["value"]
        for (name, part), value in pooled.items():
            assert doc["metrics"][name][part] == value, (name, part)
