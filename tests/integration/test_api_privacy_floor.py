"""The store benchmarks under the default volume rule and privacy floor: the seeded store
has two sellers, so every comparison is withheld and the answer says why."""

from __future__ import annotations

import boto3

from csinsights.domain.metrics import COMPARED_METRICS
from tests.integration.api_client import BENCHMARKS, DAY, METRICS_ROUTE, Api


def test_too_few_sellers_withholds_both_figures_and_says_why(api: Api) -> None:
    benchmarks = api.get(BENCHMARKS, {"store_id": "US"})
    # Neither seller has the 5 contacts, orders or responses a figure needs to count.
    withheld = {
        "store_average": None,
        "top_performers": None,
        "reason": "too_few_sellers",
        "sellers": 0,
    }
    assert benchmarks["metrics"] == dict.fromkeys(COMPARED_METRICS, withheld)


def test_documents_show_no_comparison_below_the_privacy_floor(api: Api) -> None:
    document = api.get(METRICS_ROUTE, {"seller_id": "S1"}, {"stores": "US"})
    us = document["by_store"][0]["metrics"]
    for metric in COMPARED_METRICS:
        assert (us[metric]["store_average"], us[metric]["top_performers"]) == (None, None)
    assert us["preventable_contact_rate"]["status"] == "na"


def test_the_insights_page_gives_the_privacy_floor_not_a_missing_cohort(api: Api) -> None:
    key = f"reports/S1/insights/{DAY.isoformat()}/insights.html"
    page = boto3.client("s3").get_object(Bucket=api.bucket, Key=key)["Body"].read().decode()
    section = page.split("data-store='US'")[1].split("</section>")[0]
    assert "withheld: fewer than 5 sellers of the store qualify" in section
    assert "<dt>Top performers</dt><dd>withheld with the store average</dd>" in section
    assert "none: the store&#x27;s comparisons are withheld" in section
    assert "best quarter" not in page
