"""The metrics API through its real handler (Powertools resolver) on the deployed template
(moto), with API Gateway REST proxy events of the `live` stage: every route with exact
answers, the cross-seller (BOLA) matrix, validation, pre-signed report links, and the
OpenAPI document the routes are served by.

One seeded stack per module: sellers S1 (stores US, CA) and S2 (US), computed as of
2026-11-20T00:00:00Z and as of 2026-11-19T00:00:00Z (two days of snapshots and reports).
S2's events all happen on 19 November, so S2 has nothing as of 2026-11-19T00:00:00Z: the
older report exists for S1 only.
"""

from __future__ import annotations

import json
import logging
import os
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import boto3
import pytest
from jsonschema import Draft202012Validator
from moto import mock_aws
from moto.server import ThreadedMotoServer

from csinsights.config import Settings
from csinsights.domain.metrics import COMPARED_METRICS, METRICS
from csinsights.domain.snapshots import document_from_snapshot
from csinsights.models.records import Snapshot
from csinsights.queries import Queries
from csinsights.reports import to_csv
from csinsights.store.read import ReadStore
from csinsights.store.reports import ReportsStore
from csinsights_local.openapi import render
from csinsights_local.pipeline import ingest_direct
from csinsights_local.run import run_metrics
from csinsights_local.stack import FAKE_CREDENTIALS, Deployment, deploy
from csinsights_local.template import load_sam_template
from tests.api_events import api_event, operator_claims, seed_events, seller_claims

ROOT = Path(__file__).resolve().parents[2]
T = "2026-11-20T00:00:00Z"
T_PREV = "2026-11-19T00:00:00Z"
DAY = date(2026, 11, 19)  # the last day included as of T
PREV_DAY = date(2026, 11, 18)
LATEST = "20261119-insights"
OLDER = "20261118-insights"  # S1 only
GLOBAL_ERRORS = {401, 404, 422}

METRICS_ROUTE = "/v1/sellers/{seller_id}/metrics"
HISTORY = "/v1/sellers/{seller_id}/metrics/history"
BENCHMARKS = "/v1/stores/{store_id}/benchmarks"
REPORTS = "/v1/sellers/{seller_id}/reports"
REPORT = "/v1/sellers/{seller_id}/reports/{report_id}"
OVERDUE = "/v1/sellers/{seller_id}/contacts/overdue"
HISTORY_QUERY = {"metric": "late_contacts", "from": "2026-11-01", "to": "2026-11-30"}
SURVEY_REQUEST = json.dumps({"type": "survey_responses"})

S1 = seller_claims("S1")
S2 = seller_claims("S2")
OPERATOR = operator_claims()


# ---------------------------------------------------------------- OpenAPI contract


@cache
def openapi() -> dict[str, Any]:
    return json.loads(render())


def check_against_openapi(method: str, resource: str, status: int, body: Any) -> None:
    """A status the operation documents (or a global 401/404/422); a documented response
    schema, where there is one, accepts the body."""
    operation = openapi()["paths"][resource][method.lower()]
    documented = operation.get("responses", {})
    assert str(status) in documented or status in GLOBAL_ERRORS, (
        f"{method} {resource} answered {status}; documented: {sorted(documented)}"
    )
    schema = (
        documented.get(str(status), {}).get("content", {}).get("application/json", {}).get("schema")
    )
    if schema:
        Draft202012Validator(
            {"allOf": [schema], "components": openapi().get("components", {})}
        ).validate(body)


# ---------------------------------------------------------------- the seeded stack


@dataclass
class Api:
    stack: Deployment

    def call(
        self,
        method: str,
        resource: str,
        params: dict[str, str] | None = None,
        query: dict[str, Any] | None = None,
        *,
        claims: dict[str, str] | None = S1,
        body: str | None = None,
        path: str | None = None,
        check: bool = True,
    ) -> tuple[int, Any]:
        event = api_event(method, resource, params, query, claims=claims, body=body, path=path)
        response = self.stack.invoke("ApiFunction", event)
        assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]
        payload = json.loads(response["body"])
        if check and path is None:
            check_against_openapi(method, resource, response["statusCode"], payload)
        return response["statusCode"], payload

    def get(self, resource: str, params: dict[str, str], query: Any = None, **kw: Any) -> Any:
        status, payload = self.call("GET", resource, params, query, **kw)
        assert status == 200, payload
        return payload

    def logs_since(self, mark: int) -> list[dict[str, Any]]:
        return self.stack.logs.get("ApiFunction", [])[mark:]

    def mark(self) -> int:
        return len(self.stack.logs.get("ApiFunction", []))

    @property
    def settings(self) -> Settings:
        outputs = self.stack.outputs
        return Settings(
            table_name=outputs["EventsTableName"], reports_bucket=outputs["ReportsBucketName"]
        )

    @property
    def read(self) -> ReadStore:
        return ReadStore(settings=self.settings)

    @property
    def reports(self) -> ReportsStore:
        return ReportsStore(settings=self.settings)

    def snapshot(self, seller: str, day: date) -> Snapshot:
        found = self.read.snapshot(seller, day)
        assert found is not None
        return found

    @property
    def bucket(self) -> str:
        return self.stack.outputs["ReportsBucketName"]


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with mock_aws():
        stack = deploy()
        events = seed_events()
        summary = ingest_direct(stack, events)
        assert (summary.accepted, summary.rejected) == (len(events), 0)
        run_metrics(stack, T)
        run_metrics(stack, T_PREV)
        yield Api(stack)


# ---------------------------------------------------------------- metrics


@pytest.mark.parametrize("window", [7, 28, 30, 90])
@pytest.mark.parametrize("stores", [None, "US", "US,CA", "CA"])
def test_metrics_document_is_the_snapshot_rendered(
    api: Api, stores: str | None, window: int
) -> None:
    query = {"window_days": str(window)}
    if stores:
        query["stores"] = stores
    document = api.get(METRICS_ROUTE, {"seller_id": "S1"}, query)
    chosen = stores.split(",") if stores else None
    assert document == document_from_snapshot(api.snapshot("S1", DAY), window, chosen)
    assert document["as_of"] == T
    assert document["window"]["days"] == window
    assert sorted(document["stores"]) == sorted(chosen or ["US", "CA"])
    assert sorted(s["store_id"] for s in document["by_store"]) == sorted(document["stores"])


def test_metrics_default_is_the_latest_run_28_days(api: Api) -> None:
    document = api.get(METRICS_ROUTE, {"seller_id": "S1"})
    assert document == document_from_snapshot(api.snapshot("S1", DAY), 28, None)
    assert document["window"] == {
        "start": "2026-10-23T00:00:00Z",
        "end": T,
        "days": 28,
    }


def test_metrics_figures_as_the_events_imply(api: Api) -> None:
    """Independent of the renderer: figures worked out by hand from the seed."""
    document = api.get(METRICS_ROUTE, {"seller_id": "S1"})
    m = document["metrics"]
    # US: c1 3 h, c2 60 h unanswered; CA: c1 30 h. Votes: no, 5 (US), 2 (CA).
    assert (m["late_contacts"]["value"], m["late_contacts"]["status"]) == (1, "fair")
    rt = m["average_contact_response_time_hours"]
    assert (rt["value"], rt["numerator"], rt["denominator"]) == (31.0, 93, 3)
    assert (rt["median"], rt["p90"]) == (30.0, 60.0)
    csdr = m["customer_service_dissatisfaction_rate"]
    assert (csdr["value"], csdr["numerator"], csdr["denominator"], csdr["status"]) == (
        66.67,
        2,
        3,
        "poor",
    )
    w24 = m["response_within_24h_rate"]
    assert (w24["value"], w24["numerator"], w24["denominator"], w24["status"]) == (
        33.33,
        1,
        3,
        "poor",
    )
    us = next(s for s in document["by_store"] if s["store_id"] == "US")["metrics"]
    assert us["buyer_dissatisfaction_rate"]["value"] == 33.33  # c1 of 3 contacts
    assert us["preventable_contact_rate"]["value"] == 100.0  # c1, c2 of 2 orders
    assert us["customer_service_dissatisfaction_rate"]["store_average"] == 25.0  # 50 and 0


@pytest.mark.parametrize(
    ("as_of", "day"),
    [
        ("2026-11-19", DAY),
        ("2026-11-20T00:00:00Z", DAY),
        ("2026-11-20T00:00:00+00:00", DAY),
        ("2026-11-18", PREV_DAY),
        ("2026-11-19T00:00:00Z", PREV_DAY),
    ],
)
def test_metrics_as_of_a_date_or_a_midnight(api: Api, as_of: str, day: date) -> None:
    document = api.get(METRICS_ROUTE, {"seller_id": "S1"}, {"as_of": as_of})
    assert document == document_from_snapshot(api.snapshot("S1", day), 28, None)
    assert document["as_of"] == f"{date.fromordinal(day.toordinal() + 1).isoformat()}T00:00:00Z"


def test_metrics_as_of_the_older_run_does_not_see_later_lateness(api: Api) -> None:
    older = api.get(METRICS_ROUTE, {"seller_id": "S1"}, {"as_of": "2026-11-18"})
    assert older["metrics"]["late_contacts"]["value"] == 0  # c2 was 36 h old then
    rt = older["metrics"]["average_contact_response_time_hours"]
    assert (rt["numerator"], rt["denominator"]) == (3 + 36 + 30, 3)


def test_metrics_repeated_store_is_counted_once(api: Api) -> None:
    status, document = api.call("GET", METRICS_ROUTE, {"seller_id": "S1"}, {"stores": "US,US"})
    if status == 422:
        return  # refusing the request is as good as de-duplicating it
    assert status == 200
    assert document == document_from_snapshot(api.snapshot("S1", DAY), 28, ["US"])


def test_metrics_empty_store_list_is_not_a_measured_zero(api: Api) -> None:
    status, document = api.call("GET", METRICS_ROUTE, {"seller_id": "S1"}, {"stores": " , "})
    if status == 422:
        assert document["errors"][0]["field"] == "stores"
        return
    assert status == 200
    assert document == document_from_snapshot(api.snapshot("S1", DAY), 28, None)


# ---------------------------------------------------------------- history


def test_history_two_points_oldest_first(api: Api) -> None:
    history = api.get(HISTORY, {"seller_id": "S1"}, HISTORY_QUERY)
    assert history == {
        "seller_id": "S1",
        "metric": "late_contacts",
        "store_id": None,
        "window_days": 28,
        "points": [
            {"as_of": T_PREV, "value": 0, "status": "good"},
            {"as_of": T, "value": 1, "status": "fair"},
        ],
    }


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize(("store", "window"), [(None, 28), ("US", 28), ("CA", 7), (None, 90)])
def test_history_points_are_the_documents_figures(
    api: Api, metric: str, store: str | None, window: int
) -> None:
    query = {**HISTORY_QUERY, "metric": metric, "window_days": str(window)}
    if store:
        query["store"] = store
    history = api.get(HISTORY, {"seller_id": "S1"}, query)
    expected = []
    for day in (PREV_DAY, DAY):
        document = document_from_snapshot(
            api.snapshot("S1", day), window, [store] if store else None
        )
        figure = (
            document["by_store"][0]["metrics"][metric] if store else document["metrics"][metric]
        )
        expected.append(
            {"as_of": document["as_of"], "value": figure["value"], "status": figure.get("status")}
        )
    assert history["points"] == expected
    assert (history["store_id"], history["window_days"]) == (store, window)


def test_history_of_a_seller_with_one_run(api: Api) -> None:
    history = api.get(HISTORY, {"seller_id": "S2"}, HISTORY_QUERY, claims=S2)
    assert history["points"] == [{"as_of": T, "value": 0, "status": "good"}]


def test_history_range_of_366_days_is_served(api: Api) -> None:
    query = {**HISTORY_QUERY, "from": "2025-11-20", "to": "2026-11-20"}
    history = api.get(HISTORY, {"seller_id": "S1"}, query)
    assert [p["as_of"] for p in history["points"]] == [T_PREV, T]


# ---------------------------------------------------------------- benchmarks


def test_benchmarks_of_the_latest_run(api: Api) -> None:
    """Store averages of S1 (US) and S2; no cohort without three months of history."""
    benchmarks = api.get(BENCHMARKS, {"store_id": "US"})
    assert benchmarks == {
        "store_id": "US",
        "as_of": T,
        "window_days": 28,
        "metrics": {
            "customer_service_dissatisfaction_rate": {
                "store_average": 25.0,
                "top_performers": None,
            },
            "buyer_dissatisfaction_rate": {"store_average": 16.67, "top_performers": None},
            "preventable_contact_rate": {"store_average": 100.0, "top_performers": None},
            "average_contact_response_time_hours": {
                "store_average": 16.25,
                "top_performers": None,
            },
            "response_within_24h_rate": {"store_average": 75.0, "top_performers": None},
        },
    }
    assert set(benchmarks["metrics"]) == set(COMPARED_METRICS)


@pytest.mark.parametrize("as_of", ["2026-11-18", T_PREV])
def test_benchmarks_as_of_the_older_run(api: Api, as_of: str) -> None:
    benchmarks = api.get(BENCHMARKS, {"store_id": "US"}, {"as_of": as_of})
    assert benchmarks["as_of"] == T_PREV
    # only S1 was active in US then: its own figures are the store average
    assert benchmarks["metrics"]["average_contact_response_time_hours"] == {
        "store_average": 19.5,
        "top_performers": None,
    }


def test_benchmarks_agree_with_the_by_store_comparisons(api: Api) -> None:
    benchmarks = api.get(BENCHMARKS, {"store_id": "US"})
    document = api.get(METRICS_ROUTE, {"seller_id": "S1"}, {"stores": "US"})
    us = document["by_store"][0]["metrics"]
    for metric in COMPARED_METRICS:
        assert benchmarks["metrics"][metric] == {
            "store_average": us[metric]["store_average"],
            "top_performers": us[metric]["top_performers"],
        }


def test_benchmarks_for_any_authenticated_seller(api: Api) -> None:
    assert api.get(BENCHMARKS, {"store_id": "US"}, claims=S2) == api.get(
        BENCHMARKS, {"store_id": "US"}
    )


# ---------------------------------------------------------------- reports


REPORT_KEYS = {"report_id", "type", "status", "as_of", "created_at", "formats"}


def _listing(report_id: str, as_of: str) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "type": "insights",
        "status": "ready",
        "as_of": as_of,
        "formats": ["csv", "html", "json"],
    }


def _without_created(report: dict[str, Any]) -> dict[str, Any]:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", report["created_at"])
    return {k: v for k, v in report.items() if k != "created_at"}


def test_reports_newest_first(api: Api) -> None:
    listing = api.get(REPORTS, {"seller_id": "S1"})
    assert listing["next_cursor"] is None
    assert [set(r) for r in listing["reports"]] == [REPORT_KEYS, REPORT_KEYS]
    assert [_without_created(r) for r in listing["reports"]] == [
        _listing(LATEST, T),
        _listing(OLDER, T_PREV),
    ]


def test_reports_pages_with_a_cursor(api: Api) -> None:
    first = api.get(REPORTS, {"seller_id": "S1"}, {"limit": "1"})
    assert [r["report_id"] for r in first["reports"]] == [LATEST]
    assert first["next_cursor"]
    seen = [LATEST]
    cursor = first["next_cursor"]
    for _ in range(3):
        page = api.get(REPORTS, {"seller_id": "S1"}, {"limit": "1", "cursor": cursor})
        assert len(page["reports"]) <= 1
        seen += [r["report_id"] for r in page["reports"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert cursor is None
    assert seen == [LATEST, OLDER]


@pytest.mark.parametrize("fmt", ["csv", "json", "html"])
def test_report_with_a_fresh_download_link(api: Api, fmt: str) -> None:
    report = api.get(REPORT, {"seller_id": "S1", "report_id": LATEST}, {"format": fmt})
    filename = f"insights-S1-{LATEST}.{fmt}"
    download = report.pop("download")
    assert _without_created(report) == _listing(LATEST, T)
    assert {k: v for k, v in download.items() if k != "url"} == {
        "expires_in": 300,
        "filename": filename,
        "format": fmt,
    }
    key, query = _presigned(api, download["url"])
    assert key == f"reports/S1/insights/{DAY.isoformat()}/insights.{fmt}"
    assert query["response-content-disposition"] == f'attachment; filename="{filename}"'
    body = boto3.client("s3").get_object(Bucket=api.bucket, Key=key)["Body"].read().decode()
    document = document_from_snapshot(api.snapshot("S1", DAY))
    if fmt == "csv":
        assert body == to_csv(document)
    elif fmt == "json":
        assert json.loads(body) == document
    else:
        assert "<html" in body.lower()


def test_report_format_defaults_to_csv(api: Api) -> None:
    report = api.get(REPORT, {"seller_id": "S1", "report_id": OLDER})
    assert report["download"]["filename"] == f"insights-S1-{OLDER}.csv"
    key, _ = _presigned(api, report["download"]["url"])
    body = boto3.client("s3").get_object(Bucket=api.bucket, Key=key)["Body"].read().decode()
    assert body == to_csv(document_from_snapshot(api.snapshot("S1", PREV_DAY)))


def _presigned(api: Api, url: str) -> tuple[str, dict[str, str]]:
    """(object key, query) of a SigV4 GET link to the reports bucket, checked."""
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query, strict_parsing=True).items()}
    assert parts.scheme == "https"
    if parts.netloc.startswith(f"{api.bucket}."):
        key = unquote(parts.path.lstrip("/"))
    else:
        bucket, _, key = unquote(parts.path.lstrip("/")).partition("/")
        assert bucket == api.bucket
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    expires = int(query["X-Amz-Expires"])
    assert 0 < expires <= 900
    assert expires == api.settings.link_expiry_seconds == 300
    assert {"X-Amz-Credential", "X-Amz-Date", "X-Amz-Signature", "X-Amz-SignedHeaders"} <= set(
        query
    )
    return key, query


def test_link_expiry_is_capped_at_15_minutes(api: Api) -> None:
    environment = api.stack.function_environments["ApiFunction"]
    saved = environment.get("LINK_EXPIRY_SECONDS")
    environment["LINK_EXPIRY_SECONDS"] = "3600"
    try:
        report = api.get(REPORT, {"seller_id": "S1", "report_id": LATEST})
    finally:
        if saved is None:
            environment.pop("LINK_EXPIRY_SECONDS")
        else:
            environment["LINK_EXPIRY_SECONDS"] = saved
    query = parse_qs(urlsplit(report["download"]["url"]).query)
    assert query["X-Amz-Expires"] == ["900"]
    assert report["download"]["expires_in"] == 900


def test_the_template_sets_the_default_link_expiry(api: Api) -> None:
    assert api.stack.function_environments["ApiFunction"]["LINK_EXPIRY_SECONDS"] == "300"


# ---------------------------------------------------------------- overdue contacts


def test_overdue_contacts_oldest_first_with_hours_left(api: Api) -> None:
    overdue = api.get(OVERDUE, {"seller_id": "S1"})
    assert overdue["seller_id"] == "S1"
    now = overdue["as_of"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", now)
    contacts = overdue["contacts"]
    # c3 needs no reply and both c1 are answered: only US c2 is open
    assert [(c["store_id"], c["contact_id"]) for c in contacts] == [("US", "c2")]
    (c2,) = contacts
    assert (c2["order_id"], c2["reason"], c2["received_at"]) == (
        "o2",
        "product_quality",
        "2026-11-17T12:00:00Z",
    )
    # exact agreement is test_overdue_hours_left_and_age_add_up_to_48 below
    assert abs(c2["hours_left"] - (48 - c2["age_hours"])) < 0.011
    assert c2["overdue"] is (c2["age_hours"] > 48)


def test_overdue_hours_left_and_age_add_up_to_48(api: Api) -> None:
    # c2 was received 2026-11-17T12:00:00Z; now is 228 h 17.5 s later
    now = datetime(2026, 11, 27, 0, 0, 17, 500_000, tzinfo=UTC)
    queries = Queries(api.read, api.reports)
    (c2,) = queries.overdue_contacts("S1", "US", 10, now=now)["contacts"]
    assert c2["age_hours"] == 228.0  # 228.0049 h
    assert c2["hours_left"] == -180.0  # -180.0049 h, served as -180.01


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
    key, _ = _presigned(api, own["download"]["url"])
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


# ---------------------------------------------------------------- validation


def _stores(n: int) -> str:
    return ",".join(f"S{i:02d}" for i in range(n))


VALIDATION = [
    pytest.param(METRICS_ROUTE, {}, {"window_days": "8"}, "window_days", id="window-8"),
    pytest.param(METRICS_ROUTE, {}, {"window_days": "5"}, "window_days", id="window-5"),
    pytest.param(METRICS_ROUTE, {}, {"window_days": "91"}, "window_days", id="window-91"),
    pytest.param(METRICS_ROUTE, {}, {"window_days": "x"}, "window_days", id="window-text"),
    pytest.param(METRICS_ROUTE, {}, {"as_of": "2026-11-20T01:00:00Z"}, "as_of", id="not-midnight"),
    pytest.param(METRICS_ROUTE, {}, {"as_of": "yesterday"}, "as_of", id="as-of-garbage"),
    pytest.param(METRICS_ROUTE, {}, {"as_of": "2026-11-20T00:00:00"}, "as_of", id="no-offset"),
    pytest.param(METRICS_ROUTE, {}, {"stores": "us"}, "stores", id="lower-store"),
    pytest.param(METRICS_ROUTE, {}, {"stores": "US,C"}, "stores", id="short-store"),
    pytest.param(METRICS_ROUTE, {}, {"stores": _stores(17)}, "stores", id="17-stores"),
    pytest.param(METRICS_ROUTE, {}, {"stores": ["US", "CA"]}, "stores", id="stores-twice"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "from": "2026-12-01"}, "from", id="from>to"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "from": "2025-11-19"}, "from", id="367-days"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "from": "2026-13-01"}, "from", id="bad-from"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "to": "soon"}, "to", id="bad-to"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "metric": "nps"}, "metric", id="unknown-metric"),
    pytest.param(HISTORY, {}, {"from": "2026-11-01", "to": "2026-11-30"}, "metric", id="no-metric"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "window_days": "8"}, "window_days", id="h-window"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "store": "us"}, "store", id="h-store"),
    pytest.param(REPORTS, {}, {"limit": "0"}, "limit", id="limit-0"),
    pytest.param(REPORTS, {}, {"limit": "101"}, "limit", id="limit-101"),
    pytest.param(REPORTS, {}, {"cursor": "x" * 129}, "cursor", id="long-cursor"),
    pytest.param(REPORT, {"report_id": LATEST}, {"format": "pdf"}, "format", id="format-pdf"),
    pytest.param(REPORT, {"report_id": "a b"}, None, "report_id", id="bad-report-id"),
    pytest.param(OVERDUE, {}, {"limit": "0"}, "limit", id="overdue-limit"),
    pytest.param(OVERDUE, {}, {"store": "us"}, "store", id="overdue-store"),
]


@pytest.mark.parametrize(
    ("resource", "params", "query", "field"),
    [
        pytest.param(BENCHMARKS, {"store_id": "us"}, None, "store_id", id="bench-store"),
        pytest.param(BENCHMARKS, {"store_id": "US"}, {"as_of": "x"}, "as_of", id="bench-as-of"),
        pytest.param(METRICS_ROUTE, {"seller_id": "S 1"}, None, "seller_id", id="seller-id"),
        pytest.param(METRICS_ROUTE, {"seller_id": "x" * 65}, None, "seller_id", id="long-seller"),
    ],
)
def test_invalid_path_or_store_request_is_422(
    api: Api, resource: str, params: dict[str, str], query: Any, field: str
) -> None:
    status, payload = api.call("GET", resource, params, query)
    assert (status, payload["code"]) == (422, "validation_error")
    assert [e["field"] for e in payload["errors"]] == [field]


def test_invalid_report_request_is_422(api: Api) -> None:
    for body, field in [
        (json.dumps({"type": "everything"}), "type"),
        (json.dumps({"type": "survey_responses", "days": 91}), "days"),
        (json.dumps({"type": "survey_responses", "stores": ["us"]}), "stores.0"),
    ]:
        status, payload = api.call("POST", REPORTS, {"seller_id": "S1"}, body=body)
        assert (status, payload["code"]) == (422, "validation_error"), body
        assert [e["field"] for e in payload["errors"]] == [field], payload


# ---------------------------------------------------------------- survey report request


def test_a_seller_requests_a_survey_responses_report(api: Api) -> None:
    """S2's own request (S1's expectations above stay untouched)."""
    status, report = api.call(
        "POST", REPORTS, {"seller_id": "S2"}, claims=S2, body=SURVEY_REQUEST, check=False
    )
    assert status == 202, report
    assert re.fullmatch(r"\d{8}T\d{6}Z-survey-[0-9a-f]{8}", report["report_id"])
    assert (report["type"], report["status"], report["stores"], report["days"]) == (
        "survey_responses",
        "pending",
        ["US"],
        90,
    )
    messages = boto3.client("sqs").receive_message(
        QueueUrl=api.stack.outputs["ReportRequestsQueueUrl"], MaxNumberOfMessages=10
    )["Messages"]
    requests = [json.loads(m["Body"]) for m in messages]
    assert [(r["seller_id"], r["report_id"]) for r in requests] == [("S2", report["report_id"])]
    pending = api.get(REPORT, {"seller_id": "S2", "report_id": report["report_id"]}, claims=S2)
    assert pending["status"] == "pending"
    assert "download" not in pending
    status, _ = api.call("GET", REPORT, {"seller_id": "S1", "report_id": report["report_id"]})
    assert status == 404


def test_report_request_status_is_documented() -> None:
    responses = openapi()["paths"][REPORTS]["post"]["responses"]
    assert "202" in responses


# ---------------------------------------------------------------- OpenAPI document


def test_committed_openapi_document_is_current() -> None:
    committed = (ROOT / "docs" / "openapi.json").read_text()
    assert committed == render(), "run `make openapi`"


def test_every_route_is_in_the_openapi_document() -> None:
    from functions.api.app import app

    routes = {
        (route.method.lower(), route.openapi_path)
        for route in [*app._static_routes, *app._dynamic_routes]
        if route.include_in_schema
    }
    documented = {(method, path) for path, ops in openapi()["paths"].items() for method in ops}
    assert routes == documented
    assert {
        ("get", METRICS_ROUTE),
        ("get", HISTORY),
        ("get", BENCHMARKS),
        ("get", REPORTS),
        ("get", REPORT),
        ("get", OVERDUE),
        ("post", REPORTS),
    } <= documented


def test_every_api_route_of_the_template_is_served() -> None:
    from functions.api.app import app

    served = {
        (route.method.lower(), route.openapi_path)
        for route in [*app._static_routes, *app._dynamic_routes]
    }
    events = load_sam_template()["Resources"]["ApiFunction"]["Properties"]["Events"]
    declared = {
        (e["Properties"]["Method"].lower(), e["Properties"]["Path"])
        for e in events.values()
        if e["Type"] == "Api"
    }
    assert declared <= served
    assert {(m, p) for m, p in served if p.startswith("/v1/") and p != "/v1/docs"} == declared


def test_every_operation_documents_its_parameters() -> None:
    for path, ops in openapi()["paths"].items():
        for method, op in ops.items():
            names = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert names == set(re.findall(r"\{(\w+)\}", path)), (method, path)
            assert op.get("summary"), (method, path)


def test_documented_error_body_is_the_served_one() -> None:
    document = openapi()
    schema = document["components"]["schemas"]["ApiError"]
    assert {"code", "message", "errors"} <= set(schema.get("properties", {}))
    for path, operations in document["paths"].items():
        if not path.startswith("/v1/s"):
            continue
        for operation in operations.values():
            for status in ("401", "404", "422"):
                content = operation["responses"][status]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/ApiError"}


def test_swagger_serves_the_same_document(api: Api) -> None:
    status, payload = api.call(
        "GET", "/v1/docs", query={"format": "json"}, path="/v1/docs", claims=S1
    )
    assert status == 200
    assert payload["paths"] == openapi()["paths"]


# ---------------------------------------------------------------- over real HTTP


@pytest.mark.e2e
def test_download_link_over_http_returns_the_csv() -> None:
    """A moto server in a thread, the stack deployed into it under its own name (so an
    in-process mock of this module, if active, is not disturbed), the link fetched with
    urllib."""
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    saved = dict(os.environ)
    try:
        host, port = server.get_host_and_port()
        os.environ.update(FAKE_CREDENTIALS)
        os.environ["AWS_ENDPOINT_URL"] = f"http://{host}:{port}"
        stack = deploy(stack_name="csinsights-api-e2e")
        ingest_direct(stack, seed_events())
        run_metrics(stack, T)
        event = api_event("GET", REPORT, {"seller_id": "S1", "report_id": LATEST}, claims=S1)
        response = stack.invoke("ApiFunction", event)
        assert response["statusCode"] == 200, response["body"]
        download = json.loads(response["body"])["download"]
        url = download["url"]
        assert url.startswith(f"http://{host}:{port}/")
        query = parse_qs(urlsplit(url).query)
        assert query["X-Amz-Expires"] == ["300"]
        with urllib.request.urlopen(url, timeout=10) as fetched:
            body = fetched.read().decode()
            disposition = fetched.headers.get("Content-Disposition")
        snapshot = Api(stack).read.snapshot("S1", DAY)
        assert snapshot is not None
        assert body == to_csv(document_from_snapshot(snapshot))
        if disposition is not None:
            assert disposition == f'attachment; filename="{download["filename"]}"'
    finally:
        os.environ.clear()
        os.environ.update(saved)
        server.stop()
        werkzeug.setLevel(level)


# ---------------------------------------------------------------- request limits


def _many_stores(n: int) -> str:
    return ",".join(["US", "CA", *(f"X{i:02d}" for i in range(n - 2))])


LIMITS = [
    pytest.param(
        METRICS_ROUTE, {}, {"as_of": "0001-01-01T00:00:00Z"}, "as_of", id="first-midnight"
    ),
    pytest.param(METRICS_ROUTE, {}, {"as_of": "20261119"}, "as_of", id="as-of-basic-format"),
    pytest.param(METRICS_ROUTE, {}, {"as_of": "2026-11-19" * 1000}, "as_of", id="long-as-of"),
    pytest.param(METRICS_ROUTE, {}, {"window_days": "1" + "0" * 40}, "window_days", id="huge-win"),
    pytest.param(METRICS_ROUTE, {}, {"stores": _many_stores(17)}, "stores", id="17-named-stores"),
    pytest.param(METRICS_ROUTE, {}, {"stores": "US," * 5000 + "CA"}, "stores", id="long-stores"),
    pytest.param(METRICS_ROUTE, {}, {"stores": "US,,CA"}, "stores", id="empty-store-in-list"),
    pytest.param(METRICS_ROUTE, {}, {"stores": "US,"}, "stores", id="trailing-comma"),
    pytest.param(METRICS_ROUTE, {}, {"stores": ""}, "stores", id="no-store"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "from": "20261101"}, "from", id="from-basic"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "to": T}, "to", id="to-instant"),
    pytest.param(HISTORY, {}, {**HISTORY_QUERY, "from": "0001-01-01"}, "from", id="from-year-1"),
    pytest.param(
        HISTORY, {}, {**HISTORY_QUERY, "metric": "x" * 10_000}, "metric", id="long-metric"
    ),
    pytest.param(
        HISTORY, {}, {**HISTORY_QUERY, "window_days": "-7"}, "window_days", id="h-win-neg"
    ),
    pytest.param(REPORTS, {}, {"limit": "9" * 40}, "limit", id="huge-limit"),
    pytest.param(REPORT, {"report_id": LATEST}, {"format": "CSV"}, "format", id="format-case"),
    pytest.param(REPORT, {"report_id": "r" * 129}, None, "report_id", id="long-report-id"),
    pytest.param(OVERDUE, {}, {"limit": "101"}, "limit", id="overdue-limit-101"),
]


@pytest.mark.parametrize(("resource", "extra", "query", "field"), VALIDATION + LIMITS)
def test_invalid_request_is_422_naming_the_field(
    api: Api, resource: str, extra: dict[str, str], query: Any, field: str
) -> None:
    status, payload = api.call("GET", resource, {"seller_id": "S1", **extra}, query)
    assert status == 422, payload
    assert payload["code"] == "validation_error"
    assert payload["message"]
    assert payload["errors"], payload
    assert [e["field"] for e in payload["errors"]] == [field]
    assert all(e["message"] for e in payload["errors"])
    assert all(e["message"] for e in payload["errors"])


def test_sixteen_stores_is_within_the_limit(api: Api) -> None:
    status, payload = api.call(
        "GET", METRICS_ROUTE, {"seller_id": "S1"}, {"stores": _many_stores(16)}
    )
    assert (status, payload["code"]) == (404, "not_found")  # S1 has only US and CA
    assert "X00" in payload["message"]


def test_long_store_id_in_the_path_is_422(api: Api) -> None:
    status, payload = api.call("GET", BENCHMARKS, {"store_id": "A" * 17})
    assert (status, payload["code"]) == (422, "validation_error")
    assert [e["field"] for e in payload["errors"]] == ["store_id"]


@pytest.mark.parametrize(
    ("resource", "params", "query"),
    [
        pytest.param(METRICS_ROUTE, {"seller_id": "S1"}, {"as_of": "9999-12-31"}, id="metrics"),
        pytest.param(BENCHMARKS, {"store_id": "US"}, {"as_of": "9999-12-31"}, id="benchmarks"),
        pytest.param(BENCHMARKS, {"store_id": "US"}, {"as_of": "0001-01-02T00:00:00Z"}, id="first"),
    ],
)
def test_days_at_the_ends_of_the_calendar_are_nothing_there(
    api: Api, resource: str, params: dict[str, str], query: dict[str, str]
) -> None:
    status, payload = api.call("GET", resource, params, query)
    assert (status, payload["code"]) == (404, "not_found")


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_history_at_the_ends_of_the_calendar_is_empty(api: Api, day: str) -> None:
    history = api.get(HISTORY, {"seller_id": "S1"}, {**HISTORY_QUERY, "from": day, "to": day})
    assert history["points"] == []


def _post(
    api: Api, body: str, content_type: str | None = "application/json", claims: Any = S1
) -> tuple[int, Any]:
    """A report request as S1 (S2 for one that is meant to be accepted), with its
    Content-Type header; the answer checked against the document."""
    headers = {"Content-Type": content_type} if content_type else {}
    seller = claims["custom:seller_id"]
    event = api_event(
        "POST", REPORTS, {"seller_id": seller}, claims=claims, headers=headers, body=body
    )
    response = api.stack.invoke("ApiFunction", event)
    assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]
    payload = json.loads(response["body"])
    check_against_openapi("POST", REPORTS, response["statusCode"], payload)
    return response["statusCode"], payload


def _padded(size: int) -> str:
    """A valid report request of exactly `size` bytes."""
    start, end = '{"type": "survey_responses"', "}"
    return start + " " * (size - len(start) - len(end)) + end


def test_report_request_body_of_4096_bytes_is_accepted(api: Api) -> None:
    body = _padded(4096)
    assert len(body.encode()) == 4096
    status, report = _post(api, body, claims=S2)
    assert (status, report["stores"]) == (202, ["US"])


def test_report_request_body_over_4096_bytes_is_413_naming_the_body(api: Api) -> None:
    status, payload = _post(api, _padded(4097))
    assert (status, payload["code"]) == (413, "payload_too_large")
    assert [e["field"] for e in payload["errors"]] == ["body"]


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "multipart/form-data",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
        "application/jsonp",
    ],
)
def test_report_request_that_is_not_json_is_415(api: Api, content_type: str) -> None:
    status, payload = _post(api, SURVEY_REQUEST, content_type)
    assert (status, payload["code"]) == (415, "unsupported_media_type")
    assert [e["field"] for e in payload["errors"]] == ["Content-Type"]


def test_report_request_json_with_a_charset_is_accepted(api: Api) -> None:
    status, report = _post(api, SURVEY_REQUEST, "application/json; charset=utf-8", claims=S2)
    assert (status, report["status"]) == (202, "pending")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param("{", "body", id="malformed"),
        pytest.param("[" * 2000 + "]" * 2000, "body", id="nested-too-deeply"),
        pytest.param("[]", "body", id="not-an-object"),
        pytest.param(json.dumps({"type": "survey_responses", "dayz": 30}), "dayz", id="unknown"),
        pytest.param(json.dumps({"type": "survey_responses", "stores": []}), "stores", id="none"),
        pytest.param(
            json.dumps({"type": "survey_responses", "stores": [f"X{i:02d}" for i in range(17)]}),
            "stores",
            id="17-stores",
        ),
        pytest.param(json.dumps({"type": "survey_responses", "days": 0}), "days", id="days-0"),
    ],
)
def test_report_request_limit_is_422_naming_the_field(api: Api, body: str, field: str) -> None:
    status, payload = _post(api, body)
    assert (status, payload["code"]) == (422, "validation_error"), payload
    assert [e["field"] for e in payload["errors"]] == [field]


def test_report_request_names_each_store_once(api: Api) -> None:
    body = json.dumps({"type": "survey_responses", "stores": ["US", "US"]})
    status, report = _post(api, body, claims=S2)
    assert (status, report["stores"]) == (202, ["US"])


def test_a_report_request_takes_days_as_json_schema_integers(api: Api) -> None:
    for days in (7, 7.0):
        body = json.dumps({"type": "survey_responses", "days": days})
        status, payload = api.call("POST", REPORTS, {"seller_id": "S1"}, body=body)
        assert (status, payload["days"]) == (202, 7), payload


@pytest.mark.parametrize(
    "days", [True, False, "90", 5.5, None], ids=["true", "false", "text", "fraction", "null"]
)
def test_a_report_request_takes_days_only_as_a_whole_number(api: Api, days: Any) -> None:
    body = json.dumps({"type": "survey_responses", "days": days})
    status, payload = api.call("POST", REPORTS, {"seller_id": "S1"}, body=body)
    assert (status, payload["code"]) == (422, "validation_error"), payload
    assert [e["field"] for e in payload["errors"]] == ["days"]
