"""The good line through the deployed template: a store whose top performers did worse this
period than its average (the cohort was chosen on past months). The hand-worked scenario
`top_performers_descending_as_of_month_end` is ingested and run as of its T; R3's average
reply time, 12.6 h, equals the top performers' figure and is worse than the store
average of 9.7 h, so it is poor, and the target every reader shows is the average."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from csinsights.domain.catalogue import RESPONSE_TIME
from csinsights_local.pipeline import ingest_direct
from csinsights_local.run import run_metrics
from csinsights_local.stack import deploy
from tests.api_events import seller_claims
from tests.integration.api_client import BENCHMARKS, HISTORY, METRICS_ROUTE, Api
from tests.scenarios import SCENARIOS

SCENARIO = SCENARIOS["top_performers_descending_as_of_month_end"]
AS_OF = SCENARIO.as_of.strftime("%Y-%m-%dT%H:%M:%SZ")
DAY = (SCENARIO.as_of - timedelta(days=1)).date()
R3 = seller_claims("R3")
GOOD_LINE = {"value": 9.7, "condition": "less_than_or_equal"}


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with mock_aws():
        stack = deploy()
        summary = ingest_direct(stack, SCENARIO.events)
        assert summary.rejected == 0
        run_metrics(stack, AS_OF)
        yield Api(stack)


def report(api: Api, seller: str, fmt: str) -> str:
    key = f"reports/{seller}/insights/{DAY.isoformat()}/insights.{fmt}"
    found = boto3.client("s3").get_object(Bucket=api.bucket, Key=key)
    return str(found["Body"].read().decode())


def test_the_api_document_judges_against_the_store_average_when_it_is_the_better(
    api: Api,
) -> None:
    document = api.get(METRICS_ROUTE, {"seller_id": "R3"}, {"stores": "US"}, claims=R3)
    figure = document["by_store"][0]["metrics"][RESPONSE_TIME]
    assert (figure["value"], figure["store_average"], figure["top_performers"]) == (
        12.6,
        9.7,
        12.6,
    )
    assert figure["status"] == "poor"
    assert figure["target"] == GOOD_LINE
    collective = document["metrics"][RESPONSE_TIME]
    assert (collective["status"], collective["target"]) == (None, None)
    r2 = api.get(METRICS_ROUTE, {"seller_id": "R2"}, {"stores": "US"}, claims=seller_claims("R2"))
    assert r2["by_store"][0]["metrics"][RESPONSE_TIME]["status"] == "good"  # 1 h


def test_the_history_and_the_benchmarks_route_agree(api: Api) -> None:
    query = {"metric": RESPONSE_TIME, "store": "US", "from": DAY.isoformat()}
    history = api.get(HISTORY, {"seller_id": "R3"}, query | {"to": DAY.isoformat()}, claims=R3)
    assert [p["status"] for p in history["points"]] == ["poor"]
    benchmarks = api.get(BENCHMARKS, {"store_id": "US"}, claims=R3)
    assert benchmarks["metrics"][RESPONSE_TIME] == {
        "store_average": 9.7,
        "top_performers": 12.6,
        "reason": None,
        "sellers": 5,  # R1 to R4, and R5, new this month: exactly the privacy floor
    }


def test_the_insights_reports_show_the_good_line(api: Api) -> None:
    document: dict[str, Any] = json.loads(report(api, "R3", "json"))
    us = document["by_store"][0]["metrics"][RESPONSE_TIME]
    assert (us["status"], us["target"]) == ("poor", GOOD_LINE)
    rows = list(csv.DictReader(io.StringIO(report(api, "R3", "csv"))))
    row = next(r for r in rows if r["store"] == "US" and r["metric"] == RESPONSE_TIME)
    assert (row["status"], row["target"], row["target_condition"]) == (
        "poor",
        "9.7",
        "less_than_or_equal",
    )
    assert row["target_text"] == (
        "at or below 9.7 h: the store average, better than the top performers' 12.6 h this period"
    )
    page = report(api, "R3", "html")
    section = page.split("data-store='US'")[1].split("</section>")[0]
    card = next(
        c
        for c in re.findall(r"<article class='metric'.*?</article>", section)
        if f"data-metric='{RESPONSE_TIME}'" in c
    )
    assert "data-status='poor'" in card
    assert "<dt>Target</dt><dd>at or below 9.7 h: the store average" in card
    assert "at or below 12.6 h" not in page
