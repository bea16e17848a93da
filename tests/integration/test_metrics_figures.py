"""The product's metrics documents, figure for figure.

Every hand-worked scenario of `tests/scenarios.py` is replayed through
the real pipeline (`csinsights_local.replay.replay_events`: the product's ingest and the
scheduled computation's steps as of T, on the embedded store) and must give exactly the
figures worked out by hand and exactly the documents of the plain reference
(`tests.reference.documents`); so must random multi-seller marketplaces delivered shuffled
and repeated.
"""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import reference
from tests.builders import contact_responded, order_placed
from tests.profiles import examples
from tests.reference import CSDR, PREVENTABLE_RATE, RESPONSE_TIME, WITHIN_24H
from tests.scenarios import SCENARIOS, mismatches
from tests.strategies import marketplace_streams

replay = pytest.importorskip("csinsights_local.replay")


def run(items: list[Any], as_of: datetime, window_days: int) -> dict[str, Any]:
    """The pipeline's answer; it gets its own copy so nothing it does reaches the reference."""
    return replay.replay_events(copy.deepcopy(items), as_of, window_days)


def assert_ingested(result: dict[str, Any], deliveries: int, distinct: int) -> None:
    ingest = result["ingest"]
    assert ingest["received"] == deliveries
    assert ingest["rejected"] == 0
    assert ingest["accepted"] + ingest["duplicates"] == deliveries
    assert ingest["duplicates"] >= deliveries - distinct


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_pipeline_gives_the_hand_worked_figures(name: str) -> None:
    scenario = SCENARIOS[name]
    result = run(scenario.events, scenario.as_of, scenario.window_days)
    assert_ingested(result, len(scenario.events), len(scenario.events))
    docs = result["sellers"]
    assert mismatches(docs, scenario) == []
    assert docs == reference.documents(scenario.events, scenario.as_of, scenario.window_days)


def test_pipeline_figures_do_not_depend_on_delivery_order_or_repeats() -> None:
    scenario = SCENARIOS["top_performers_descending_as_of_month_end"]
    deliveries = scenario.events + scenario.events[::4]
    random.Random(11).shuffle(deliveries)
    result = run(deliveries, scenario.as_of, scenario.window_days)
    assert_ingested(result, len(deliveries), len(scenario.events))
    assert mismatches(result["sellers"], scenario) == []


def test_a_few_figures_spelled_out() -> None:
    """The same checks as the scenarios, written out for a reader of this file."""
    scenario = SCENARIOS["top_performers_quartile"]
    docs = run(scenario.events, scenario.as_of, scenario.window_days)["sellers"]
    p4 = next(d for d in docs if d["seller_id"] == "P4")
    us = p4["by_store"][0]
    assert us["store_id"] == "US"
    assert us["metrics"][PREVENTABLE_RATE] == {
        "value": 40.0,
        "numerator": 2,
        "denominator": 5,
        "status": "fair",
        "target": {"value": 30.0, "condition": "less_than_or_equal"},
        "reason": None,
        "low_sample": True,
        "previous": {"value": 60.0, "numerator": 3, "denominator": 5},
        "change": -20.0,
        "trend": "better",
        # Its orders and contacts are all still in the window a week on.
        "projected": {
            "as_of": "2026-11-27T00:00:00Z",
            "value": 40.0,
            "numerator": 2,
            "denominator": 5,
        },
        "by_reason": {
            "product_quality": 0,
            "fulfillment": 0,
            "shipping": 2,
            "customer_service": 0,
            "change_of_mind": 0,
            "pre_sale_question": 0,
            "other": 0,
        },
        "store_average": 44.0,
        "top_performers": 30.0,
    }
    assert p4["metrics"][PREVENTABLE_RATE]["status"] is None
    assert p4["metrics"][CSDR]["reason"] == "no_responses"

    scenario = SCENARIOS["within_24h_edges"]
    docs = run(scenario.events, scenario.as_of, scenario.window_days)["sellers"]
    metrics = docs[0]["metrics"]
    assert metrics[WITHIN_24H]["numerator"] == 3
    assert metrics[WITHIN_24H]["denominator"] == 5
    assert metrics[RESPONSE_TIME]["value"] == 14.43
    assert metrics[RESPONSE_TIME]["median"] == 24.0


@settings(
    max_examples=examples(ci=15, soak=30),
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(stream=marketplace_streams(), seed=st.integers(0, 2**32 - 1))
def test_pipeline_documents_equal_the_reference_on_random_marketplaces(
    tally: Any, stream: tuple[datetime, int, list[dict[str, Any]]], seed: int
) -> None:
    as_of, window_days, events = stream
    rnd = random.Random(seed)
    deliveries = events + [rnd.choice(events) for _ in range(len(events) // 5)]
    rnd.shuffle(deliveries)
    result = run(deliveries, as_of, window_days)
    assert_ingested(result, len(deliveries), len(events))
    assert result["sellers"] == reference.documents(events, as_of, window_days)
    tally["marketplaces (shuffled, redelivered) replayed against the reference"] += 1


def test_stores_shown_are_those_active_within_the_lookback() -> None:
    events = [
        order_placed("o1", "2026-11-01T10:00:00Z", seller="B", store="MX"),
        order_placed("o1", "2026-08-01T10:00:00Z", seller="B", store="CA"),
        order_placed("o1", "2026-07-31T10:00:00Z", seller="B", store="DE"),
        contact_responded("c9", "2026-11-01T10:00:00Z", seller="B", store="UK"),
    ]
    as_of = datetime(2026, 11, 20, tzinfo=UTC)
    docs = replay.replay_events(events, as_of)["sellers"]
    assert [(d["seller_id"], d["stores"]) for d in docs] == [("B", ["CA", "MX"])]
    assert docs == reference.documents(events, as_of)
