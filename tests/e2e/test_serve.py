"""The API over real HTTP: `csinsights serve`'s server in front of the real handler, the
local stack in a moto server, pre-signed links downloaded with plain urllib."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from csinsights_local.pipeline import ingest_direct
from csinsights_local.run import run_metrics
from csinsights_local.serve import ReportWorker, start_server
from csinsights_local.server import local_stack
from csinsights_local.tokens import issue
from tests.builders import (
    contact_received,
    contact_responded,
    order_placed,
    survey_vote,
)

pytestmark = pytest.mark.e2e

EVENTS = [
    order_placed("o1", "2026-11-10T10:00:00Z", seller="S1", store="US"),
    contact_received("c1", "2026-11-11T10:00:00Z", order_id="o1", seller="S1", store="US"),
    contact_responded("c1", "2026-11-11T13:30:00Z", seller="S1", store="US"),
    survey_vote("o1", "2026-11-12T10:00:00Z", vote="no", contact_id="c1", seller="S1", store="US"),
    survey_vote("o1", "2026-11-13T10:00:00Z", vote="yes", seller="S1", store="US"),
    contact_received("c2", "2026-11-25T10:00:00Z", order_id="o1", seller="S1", store="US"),
    order_placed("o9", "2026-11-10T10:00:00Z", seller="S2", store="US"),
]


@pytest.fixture(scope="module")
def api() -> Iterator[str]:
    with local_stack() as (_, deployment):
        ingest_direct(deployment, EVENTS)
        run_metrics(deployment, "2026-11-20T00:00:00Z")
        server, url = start_server(deployment)
        worker = ReportWorker(deployment)
        worker.start()
        try:
            yield url
        finally:
            worker.stopped.set()
            server.shutdown()


def call(
    url: str, path: str, token: str | None, body: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        url + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers=headers,
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


SELLER_ROUTES = [
    "/v1/sellers/{s}/metrics",
    "/v1/sellers/{s}/metrics?stores=US&window_days=7",
    "/v1/sellers/{s}/metrics/history?metric=late_contacts&from=2026-11-01&to=2026-11-30",
    "/v1/sellers/{s}/contacts/overdue",
    "/v1/sellers/{s}/reports",
    "/v1/sellers/{s}/reports/20261119-insights",
]


@pytest.mark.parametrize("route", SELLER_ROUTES)
def test_every_seller_route_answers_its_owner(api: str, route: str) -> None:
    status, body = call(api, route.format(s="S1"), issue("S1"))
    assert status == 200, body


@pytest.mark.parametrize("route", SELLER_ROUTES)
def test_another_sellers_data_is_not_found(api: str, route: str) -> None:
    status, body = call(api, route.format(s="S1"), issue("S2"))
    assert status == 404
    assert body["code"] == "not_found"
    assert "S1" not in json.dumps(body)


@pytest.mark.parametrize("route", SELLER_ROUTES)
def test_an_operator_reads_any_seller(api: str, route: str) -> None:
    status, _ = call(api, route.format(s="S1"), issue(None, operator=True))
    assert status == 200


def test_missing_forged_and_expired_tokens_are_unauthorized(api: str) -> None:
    path = "/v1/sellers/S1/metrics"
    good = issue("S1")
    header, _payload, signature = good.split(".")
    forged = f"{header}.{issue('S2').split('.')[1]}.{signature}"
    for token in (None, "not-a-token", forged, issue("S1", ttl=-10)):
        status, body = call(api, path, token)
        assert status == 401, token
        assert body == {"code": "unauthorized", "message": "a valid bearer token is required"}


def test_benchmarks_need_a_caller_and_answer_any_seller(api: str) -> None:
    status, body = call(api, "/v1/stores/US/benchmarks", issue("S2"))
    assert status == 200
    assert body["store_id"] == "US"
    assert body["as_of"] == "2026-11-20T00:00:00Z"


def test_overdue_contacts_oldest_first_with_hours_left(api: str) -> None:
    status, body = call(api, "/v1/sellers/S1/contacts/overdue", issue("S1"))
    assert status == 200
    assert [c["contact_id"] for c in body["contacts"]] == ["c2"]
    contact = body["contacts"][0]
    assert contact["hours_left"] == pytest.approx(48 - contact["age_hours"], abs=0.02)


def test_survey_report_is_built_and_downloads_as_an_attachment(api: str) -> None:
    token = issue("S1")
    status, report = call(
        api, "/v1/sellers/S1/reports", token, {"type": "survey_responses", "days": 90}
    )
    assert status == 202
    assert report["status"] == "pending"
    for _ in range(60):
        status, report = call(api, f"/v1/sellers/S1/reports/{report['report_id']}", token)
        if report["status"] == "ready":
            break
        time.sleep(0.25)
    assert report["status"] == "ready"
    link = report["download"]["url"]
    query = parse_qs(urlsplit(link).query)
    assert int(query["X-Amz-Expires"][0]) <= 900
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    expected = f'attachment; filename="survey_responses-S1-{report["report_id"]}.csv"'
    # S3 answers with the signed response-content-disposition (moto does not echo it).
    assert query["response-content-disposition"] == [expected]
    with urllib.request.urlopen(link, timeout=30) as response:
        content = response.read().decode()
        assert response.headers.get("Content-Disposition") in (None, expected)
    lines = content.splitlines()
    assert lines[0].startswith("order_id,store_id,vote,rating,dissatisfied")
    assert lines[1].startswith("o1,US,yes,,no,")
    assert re.search(r",\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ,yes,no,", lines[1])  # changed, from "no"
    # The same report id under another seller's path: nothing there.
    status, _ = call(api, f"/v1/sellers/S2/reports/{report['report_id']}", issue("S2"))
    assert status == 404


def test_csinsights_serve_command_serves_an_archive(tmp_path: Any) -> None:
    """The command itself: first line `Serving on URL`, then the API answers."""
    import subprocess
    import sys
    from pathlib import Path

    archive = tmp_path / "events.jsonl"
    archive.write_text("\n".join(json.dumps(e) for e in EVENTS) + "\n")
    command = Path(sys.executable).parent / "csinsights"
    process = subprocess.Popen(
        [
            str(command),
            "serve",
            "--events",
            str(archive),
            "--as-of",
            "2026-11-19",
            "--history-days",
            "1",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        assert first.startswith("Serving on http://127.0.0.1:")
        url = first.removeprefix("Serving on ")
        status, document = call(url, "/v1/sellers/S1/metrics", issue("S1"))
        assert status == 200
        assert document["as_of"] == "2026-11-20T00:00:00Z"
        status, _ = call(url, "/v1/sellers/S1/metrics", issue("S2"))
        assert status == 404
        with urllib.request.urlopen(url + "/v1/docs?format=json", timeout=30) as response:
            assert "/v1/sellers/{seller_id}/metrics" in json.loads(response.read())["paths"]
    finally:
        process.terminate()
        process.wait(timeout=60)  # its workers end their invocations first
