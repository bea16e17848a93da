"""The store benchmarks under the default volume rule and privacy floor: the seeded store
has two sellers, so every comparison is withheld and the answer says why."""

from __future__ import annotations

from csinsights.domain.metrics import COMPARED_METRICS
from tests.integration.api_client import BENCHMARKS, METRICS_ROUTE, Api


def test_too_few_sellers_withholds_both_figures_and_says_why(api: Api) -> None:
    benchmarks = api.get(BENCHMARKS, {"store_id": "US"})
    withheld = {"store_average": None, "top_performers": None, "reason": "too_few_sellers"}
    assert benchmarks["metrics"] == dict.fromkeys(COMPARED_METRICS, withheld)


def test_documents_show_no_comparison_below_the_privacy_floor(api: Api) -> None:
    document = api.get(METRICS_ROUTE, {"seller_id": "S1"}, {"stores": "US"})
    us = document["by_store"][0]["metrics"]
    for metric in COMPARED_METRICS:
        assert (us[metric]["store_average"], us[metric]["top_performers"]) == (None, None)
    assert us["preventable_contact_rate"]["status"] == "na"
