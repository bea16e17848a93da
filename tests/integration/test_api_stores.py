"""Store benchmarks through the API: the store average and top performers, for any
authenticated seller, and why they are withheld.

The seeded store has two sellers, each with a few contacts: below the default volume rule
and privacy floor, so this module's stack runs with both at 1 (every seller with a value
counts); `test_api_privacy_floor` serves the same seeds with the defaults."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from csinsights.domain.metrics import COMPARED_METRICS
from tests.integration.api_client import (
    BENCHMARKS,
    METRICS_ROUTE,
    S2,
    T_PREV,
    Api,
    T,
    seeded,
)


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    yield from seeded({"MIN_VOLUME": "1", "MIN_PEERS": "1"})


# ---------------------------------------------------------------- benchmarks


def test_benchmarks_of_the_latest_run(api: Api) -> None:
    """Store averages of S1 (US) and S2, each over both; no cohort without three months of
    history."""
    benchmarks = api.get(BENCHMARKS, {"store_id": "US"})
    assert benchmarks == {
        "store_id": "US",
        "as_of": T,
        "window_days": 28,
        "metrics": {
            "customer_service_dissatisfaction_rate": {
                "store_average": 25.0,
                "top_performers": None,
                "reason": None,
                "sellers": 2,
            },
            "buyer_dissatisfaction_rate": {
                "store_average": 16.67,
                "top_performers": None,
                "reason": None,
                "sellers": 2,
            },
            "preventable_contact_rate": {
                "store_average": 100.0,
                "top_performers": None,
                "reason": None,
                "sellers": 2,
            },
            "average_contact_response_time_hours": {
                "store_average": 16.25,
                "top_performers": None,
                "reason": None,
                "sellers": 2,
            },
            "response_within_24h_rate": {
                "store_average": 75.0,
                "top_performers": None,
                "reason": None,
                "sellers": 2,
            },
        },
    }
    assert set(benchmarks["metrics"]) == set(COMPARED_METRICS)


@pytest.mark.parametrize("as_of", ["2026-11-18", T_PREV])
def test_benchmarks_as_of_the_older_run(api: Api, as_of: str) -> None:
    benchmarks = api.get(BENCHMARKS, {"store_id": "US"}, {"as_of": as_of})
    assert benchmarks["as_of"] == T_PREV
    # only S1 was active in US then: its own figures are the store average, over 1 seller
    assert benchmarks["metrics"]["average_contact_response_time_hours"] == {
        "store_average": 19.5,
        "top_performers": None,
        "reason": None,
        "sellers": 1,
    }


def test_benchmarks_agree_with_the_by_store_comparisons(api: Api) -> None:
    benchmarks = api.get(BENCHMARKS, {"store_id": "US"})
    document = api.get(METRICS_ROUTE, {"seller_id": "S1"}, {"stores": "US"})
    us = document["by_store"][0]["metrics"]
    for metric in COMPARED_METRICS:
        assert benchmarks["metrics"][metric] == {
            "store_average": us[metric]["store_average"],
            "top_performers": us[metric]["top_performers"],
            "reason": None,
            "sellers": 2,
        }


def test_benchmarks_for_any_authenticated_seller(api: Api) -> None:
    assert api.get(BENCHMARKS, {"store_id": "US"}, claims=S2) == api.get(
        BENCHMARKS, {"store_id": "US"}
    )
