"""Faults under the API: an AWS error or a crash at each AWS call of each route.

A busy answer from AWS (throttling, internal error), once the SDK's retries are spent, is
a 503 in the documented error shape with `Retry-After`; any other failure fails the
function, which API Gateway answers as a 502 in the same shape. Either way nothing is
half done: a report request that failed leaves no `pending` record no worker will
complete, and the next try is served in full.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from csinsights.errors import StoreFault
from tests.api_events import api_event
from tests.faults import AFTER, Crash, inject
from tests.integration.api_client import (
    BENCHMARKS,
    HISTORY,
    HISTORY_QUERY,
    LATEST,
    METRICS_ROUTE,
    OVERDUE,
    REPORT,
    REPORTS,
    S1,
    SURVEY_REQUEST,
    Api,
    check_against_openapi,
)

ROUTES = {
    "metrics": ("GET", METRICS_ROUTE, {"seller_id": "S1"}, None),
    "metrics-as-of": ("GET", METRICS_ROUTE, {"seller_id": "S1"}, {"as_of": "2026-11-18"}),
    "history": ("GET", HISTORY, {"seller_id": "S1"}, HISTORY_QUERY),
    "benchmarks": ("GET", BENCHMARKS, {"store_id": "US"}, None),
    "reports": ("GET", REPORTS, {"seller_id": "S1"}, None),
    "report": ("GET", REPORT, {"seller_id": "S1", "report_id": LATEST}, None),
    "overdue": ("GET", OVERDUE, {"seller_id": "S1"}, None),
    "request-report": ("POST", REPORTS, {"seller_id": "S1"}, None),
}
# AWS calls each route makes (checked below), so each call index is a case.
CALLS = {
    "metrics": 1,
    "metrics-as-of": 1,
    "history": 1,
    "benchmarks": 1,
    "reports": 1,
    "report": 1,
    "overdue": 5,  # the seller's stores, then each store's open contacts (US, CA): those
    # within 48 h, then those past it
    "request-report": 4,  # the seller's stores, the day's request count, queue, record
}
# Per service, so each is failed with its own codes: busy (throttled), a crash, a fault of
# ours (AccessDenied), and a failure after the call took effect.
KINDS = {
    "dynamodb": [
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "crash",
        "AccessDenied",
        "InternalServerError" + AFTER,
    ],
    "sqs": ["RequestThrottled", "KmsThrottled", "crash", "AccessDenied", "crash" + AFTER],
}
BUSY = {
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestThrottled",
    "KmsThrottled",
    "InternalServerError" + AFTER,
}
CASES = [
    (route, index, kind)
    for route, calls in CALLS.items()
    for index in range(calls)
    for kind in range(len(KINDS["sqs"]))
]


@pytest.fixture(autouse=True)
def no_daily_limit(api: Api) -> None:
    """Every case requests reports again and again: fair use is tested on its own."""
    api.stack.function_environments["ApiFunction"]["REPORT_REQUESTS_PER_DAY"] = "100000"


def call(api: Api, route: str) -> dict[str, Any]:
    method, resource, params, query = ROUTES[route]
    body = SURVEY_REQUEST if method == "POST" else None
    event = api_event(method, resource, params, query, claims=S1, body=body)
    return api.stack.invoke("ApiFunction", event)


QUEUED: set[str] = set()  # every report request ever queued in this module's stack


def pending_without_a_request(api: Api) -> list[str]:
    """Pending survey reports of S1 for which no request was queued."""
    sqs = boto3.client("sqs")
    queue = api.stack.outputs["ReportRequestsQueueUrl"]
    queued = QUEUED
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        for message in messages:
            queued.add(json.loads(message["Body"])["report_id"])
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    reports, _ = api.reports.reports("S1", 100)
    return [r.report_id for r in reports if r.status == "pending" and r.report_id not in queued]


@pytest.mark.parametrize("route", list(ROUTES))
def test_each_route_makes_the_calls_the_matrix_covers(api: Api, route: str) -> None:
    with inject() as faults:
        response = call(api, route)
    assert response["statusCode"] in (200, 202)
    assert len(faults.log) == CALLS[route], faults.log
    pending_without_a_request(api)  # drain what the request queued


@pytest.mark.parametrize(("route", "index", "kind"), CASES)
def test_a_fault_is_a_clean_503_or_a_failed_function_and_the_retry_is_served(
    api: Api, tally: Any, route: str, index: int, kind: int
) -> None:
    method, resource, _, _ = ROUTES[route]
    with inject() as faults:
        faults.arm_at(index, lambda service: KINDS[service][kind])
        try:
            response: dict[str, Any] | None = call(api, route)
        except (Crash, StoreFault):
            response = None  # the function failed: API Gateway answers its DEFAULT_5XX
    assert faults.injected == 1
    service, operation = faults.log[index]
    error = KINDS[service][kind]
    if route == "request-report" and operation == "PutItem" and not error.startswith("crash"):
        # queued already: the courtesy `pending` record failed, the request stands
        assert response is not None
        assert response["statusCode"] == 202
    elif error in BUSY:
        assert response is not None
        assert response["statusCode"] == 503
        assert response["multiValueHeaders"]["Retry-After"] == ["1"]
        payload = json.loads(response["body"])
        assert payload["code"] == "unavailable"
        check_against_openapi(method, resource, 503, payload)
    else:
        assert response is None
    assert pending_without_a_request(api) == []
    retry = call(api, route)
    assert retry["statusCode"] == (202 if method == "POST" else 200)
    assert pending_without_a_request(api) == []
    tally["faults injected (API)"] += faults.injected
