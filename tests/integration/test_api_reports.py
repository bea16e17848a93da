"""Reports through the API: the list, a report with a fresh pre-signed download link, a
survey responses report request, and what a request body may be."""

from __future__ import annotations

import json
import logging
import os
import re
import urllib.request
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from moto.server import ThreadedMotoServer

from csinsights.domain.snapshots import document_from_snapshot
from csinsights.reports import to_csv
from csinsights_local.pipeline import ingest_direct
from csinsights_local.run import run_metrics
from csinsights_local.stack import FAKE_CREDENTIALS, deploy
from tests.api_events import api_event, seed_events
from tests.integration.api_client import (
    DAY,
    LATEST,
    OLDER,
    PREV_DAY,
    REPORT,
    REPORTS,
    S1,
    S2,
    SURVEY_REQUEST,
    T_PREV,
    Api,
    T,
    check_against_openapi,
    presigned,
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
    key, query = presigned(api, download["url"])
    assert key == f"reports/S1/insights/{DAY.isoformat()}/insights.{fmt}"
    assert query["response-content-disposition"] == f'attachment; filename="{filename}"'
    body = boto3.client("s3").get_object(Bucket=api.bucket, Key=key)["Body"].read().decode()
    document = document_from_snapshot(api.snapshot("S1", DAY))
    if fmt == "csv":
        assert body == to_csv(document)
    elif fmt == "json":
        assert json.loads(body) == document.to_json()
    else:
        assert "<html" in body.lower()


def test_report_format_defaults_to_csv(api: Api) -> None:
    report = api.get(REPORT, {"seller_id": "S1", "report_id": OLDER})
    assert report["download"]["filename"] == f"insights-S1-{OLDER}.csv"
    key, _ = presigned(api, report["download"]["url"])
    body = boto3.client("s3").get_object(Bucket=api.bucket, Key=key)["Body"].read().decode()
    assert body == to_csv(document_from_snapshot(api.snapshot("S1", PREV_DAY)))


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


def test_report_request_media_type_is_matched_in_any_case(api: Api) -> None:
    """Media types are case-insensitive (RFC 9110): `Application/Json` is JSON."""
    status, report = _post(api, SURVEY_REQUEST, "Application/JSON; charset=UTF-8", claims=S2)
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


def test_an_accepted_request_says_where_the_report_will_be(api: Api) -> None:
    """202 with `Location`: the report's own path, which answers it (pending for now)."""
    event = api_event("POST", REPORTS, {"seller_id": "S2"}, claims=S2, body=SURVEY_REQUEST)
    response = api.stack.invoke("ApiFunction", event)
    assert response["statusCode"] == 202
    report_id = json.loads(response["body"])["report_id"]
    (location,) = response["multiValueHeaders"]["Location"]
    assert location == f"/v1/sellers/S2/reports/{report_id}"
    report = api.get(REPORT, {"seller_id": "S2", "report_id": report_id}, claims=S2)
    assert (report["report_id"], report["status"]) == (report_id, "pending")


def test_a_listing_pages_with_the_cursors_it_gives_and_refuses_any_other(api: Api) -> None:
    every = api.get(REPORTS, {"seller_id": "S1"}, {"limit": "100"})["reports"]
    assert len(every) >= 2
    first = api.get(REPORTS, {"seller_id": "S1"}, {"limit": "1"})
    assert first["reports"] == every[:1] and first["next_cursor"]
    second = api.get(REPORTS, {"seller_id": "S1"}, {"limit": "1", "cursor": first["next_cursor"]})
    assert second["reports"] == every[1:2]
    status, payload = api.call(
        "GET", REPORTS, {"seller_id": "S1"}, {"cursor": every[0]["report_id"] + "x"}
    )
    assert status == 422 and [e["field"] for e in payload["errors"]] == ["cursor"]
    # Another seller's report id is no cursor of S1's listing either.
    status, _ = api.call(
        "GET", REPORTS, {"seller_id": "S2"}, {"cursor": every[0]["report_id"]}, claims=S2
    )
    assert status == 422
