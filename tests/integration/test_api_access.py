"""Who may read what through the API: another seller's resource is 404 and logged, an
operator reads any seller, no identity is 401, nothing there and unknown routes are 404."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.api_events import seller_claims
from tests.integration.api_client import (
    BENCHMARKS,
    HISTORY,
    HISTORY_QUERY,
    LATEST,
    METRICS_ROUTE,
    OLDER,
    OPERATOR,
    OVERDUE,
    REPORT,
    REPORTS,
    S1,
    S2,
    SURVEY_REQUEST,
    Api,
    presigned,
)

# ---------------------------------------------------------------- who may read what

SELLER_ROUTES = [
    pytest.param("GET", METRICS_ROUTE, {}, None, id="metrics"),
    pytest.param("GET", HISTORY, {}, HISTORY_QUERY, id="history"),
    pytest.param("GET", REPORTS, {}, None, id="reports"),
    pytest.param("GET", REPORT, {"report_id": LATEST}, {"format": "csv"}, id="report"),
    pytest.param("GET", REPORT, {"report_id": OLDER}, None, id="report-s1-only"),
    pytest.param("GET", OVERDUE, {}, None, id="overdue"),
    pytest.param("POST", REPORTS, {}, None, id="request-report"),
]


def _body(method: str) -> str | None:
    return SURVEY_REQUEST if method == "POST" else None


@pytest.mark.parametrize(("method", "resource", "extra", "query"), SELLER_ROUTES)
def test_another_sellers_resource_is_not_found_and_logged(
    api: Api, method: str, resource: str, extra: dict[str, str], query: Any
) -> None:
    mark = api.mark()
    status, payload = api.call(
        method, resource, {"seller_id": "S1", **extra}, query, claims=S2, body=_body(method)
    )
    assert status == 404
    assert payload["code"] == "not_found"
    assert set(payload) <= {"code", "message"}
    text = json.dumps(payload)
    for secret in ("S1", LATEST, OLDER, "insights", "http", "US", "CA"):
        assert secret not in text
    logs = api.logs_since(mark)
    refusals = [line for line in logs if line.get("message") == "cross-seller access refused"]
    assert len(refusals) == 1
    assert refusals[0]["level"] == "WARNING"
    assert (refusals[0]["caller_seller_id"], refusals[0]["requested_seller_id"]) == ("S2", "S1")
    assert any("CrossSellerAccessRefused" in line for line in logs)


def test_refused_report_request_changes_nothing(api: Api) -> None:
    queue = api.stack.outputs["ReportRequestsQueueUrl"]
    sqs = boto3.client("sqs")
    status, _ = api.call(
        "POST", REPORTS, {"seller_id": "S1"}, claims=S2, body=SURVEY_REQUEST, check=False
    )
    assert status == 404
    assert sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages", []) == []
    listing = api.get(REPORTS, {"seller_id": "S1"})
    assert [r["report_id"] for r in listing["reports"]] == [LATEST, OLDER]


def test_the_link_is_minted_only_for_the_owner(api: Api) -> None:
    status, payload = api.call("GET", REPORT, {"seller_id": "S1", "report_id": LATEST}, claims=S2)
    assert status == 404
    assert "X-Amz" not in json.dumps(payload)
    assert "download" not in payload


def test_an_s1_only_report_id_under_s2s_own_path_is_not_found(api: Api) -> None:
    mark = api.mark()
    status, payload = api.call("GET", REPORT, {"seller_id": "S2", "report_id": OLDER}, claims=S2)
    assert (status, payload["code"]) == (404, "not_found")
    assert "download" not in payload
    assert not [
        x for x in api.logs_since(mark) if x.get("message") == "cross-seller access refused"
    ]
    # and S2's own report of the same day is its own
    own = api.get(REPORT, {"seller_id": "S2", "report_id": LATEST}, claims=S2)
    key, _ = presigned(api, own["download"]["url"])
    assert key.startswith("reports/S2/")


OPERATOR_ROUTES = [
    pytest.param(METRICS_ROUTE, {"seller_id": "S1"}, None, id="metrics"),
    pytest.param(HISTORY, {"seller_id": "S1"}, HISTORY_QUERY, id="history"),
    pytest.param(REPORTS, {"seller_id": "S1"}, None, id="reports"),
    pytest.param(REPORT, {"seller_id": "S1", "report_id": LATEST}, None, id="report"),
    pytest.param(OVERDUE, {"seller_id": "S1"}, None, id="overdue"),
    pytest.param(BENCHMARKS, {"store_id": "US"}, None, id="benchmarks"),
]


@pytest.mark.parametrize(("resource", "params", "query"), OPERATOR_ROUTES)
def test_an_operator_reads_any_seller(
    api: Api, resource: str, params: dict[str, str], query: Any
) -> None:
    as_operator = api.get(resource, params, query, claims=OPERATOR)
    as_owner = api.get(resource, params, query, claims=S1)
    if resource == REPORT:
        assert (
            as_operator["download"]["url"].split("?")[0]
            == as_owner["download"]["url"].split("?")[0]
        )
        as_operator["download"].pop("url")
        as_owner["download"].pop("url")
    if resource == OVERDUE:
        assert [c["contact_id"] for c in as_operator["contacts"]] == ["c2"]
        return
    assert as_operator == as_owner


ALL_ROUTES = [
    pytest.param("GET", METRICS_ROUTE, {"seller_id": "S1"}, None, id="metrics"),
    pytest.param("GET", HISTORY, {"seller_id": "S1"}, HISTORY_QUERY, id="history"),
    pytest.param("GET", BENCHMARKS, {"store_id": "US"}, None, id="benchmarks"),
    pytest.param("GET", REPORTS, {"seller_id": "S1"}, None, id="reports"),
    pytest.param("GET", REPORT, {"seller_id": "S1", "report_id": LATEST}, None, id="report"),
    pytest.param("GET", OVERDUE, {"seller_id": "S1"}, None, id="overdue"),
    pytest.param("POST", REPORTS, {"seller_id": "S1"}, None, id="request-report"),
]
NO_IDENTITY = [
    pytest.param(None, id="no-authorizer"),
    pytest.param({}, id="no-claims"),
    pytest.param({"sub": "x", "custom:seller_id": ""}, id="empty-seller"),
    pytest.param({"sub": "x", "custom:role": "admin"}, id="other-role"),
    pytest.param({"sub": "x", "custom:role": "Operator"}, id="role-case"),
]


@pytest.mark.parametrize("claims", NO_IDENTITY)
@pytest.mark.parametrize(("method", "resource", "params", "query"), ALL_ROUTES)
def test_no_identity_is_unauthorized(
    api: Api,
    method: str,
    resource: str,
    params: dict[str, str],
    query: Any,
    claims: dict[str, str] | None,
) -> None:
    status, payload = api.call(method, resource, params, query, claims=claims, body=_body(method))
    assert status == 401
    assert payload["code"] == "unauthorized"
    assert payload["message"]
    assert "S1" not in json.dumps(payload)


def test_a_seller_without_a_snapshot_gets_404(api: Api) -> None:
    status, payload = api.call(
        "GET", METRICS_ROUTE, {"seller_id": "S3"}, claims=seller_claims("S3")
    )
    assert (status, payload["code"]) == (404, "not_found")
    # S2 was not active as of the older run
    status, payload = api.call(
        "GET", METRICS_ROUTE, {"seller_id": "S2"}, {"as_of": "2026-11-18"}, claims=S2
    )
    assert (status, payload["code"]) == (404, "not_found")


@pytest.mark.parametrize(
    ("resource", "params", "query"),
    [
        pytest.param(METRICS_ROUTE, {"seller_id": "S1"}, {"stores": "MX"}, id="store-of-none"),
        pytest.param(METRICS_ROUTE, {"seller_id": "S1"}, {"as_of": "2026-11-10"}, id="no-run"),
        pytest.param(REPORT, {"seller_id": "S1", "report_id": "nope"}, None, id="no-report"),
        pytest.param(BENCHMARKS, {"store_id": "MX"}, None, id="no-benchmarks"),
        pytest.param(BENCHMARKS, {"store_id": "US"}, {"as_of": "2026-11-10"}, id="no-bench-day"),
    ],
)
def test_nothing_there_is_404(api: Api, resource: str, params: dict[str, str], query: Any) -> None:
    status, payload = api.call("GET", resource, params, query)
    assert (status, payload["code"]) == (404, "not_found")
    assert payload["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/nothing"),
        ("GET", "/v1/sellers/S1"),
        ("GET", "/v1/sellers/S1/metrics/extra"),
        ("PUT", "/v1/sellers/S1/metrics"),
        ("DELETE", "/v1/sellers/S1/reports/" + LATEST),
    ],
)
def test_unknown_route_is_404_json(api: Api, method: str, path: str) -> None:
    status, payload = api.call(method, path, path=path)
    assert status == 404
    assert payload == {"code": "not_found", "message": "no such route"}
