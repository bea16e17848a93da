"""The Swagger UI at /v1/docs over real HTTP, through the local server: its page carries the
committed OpenAPI document, bearer scheme and server included, and what its "Try it out"
sends (the server's URL resolved against the page, the token as a bearer token) reaches
the API and answers."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest

from csinsights_local.pipeline import ingest_direct
from csinsights_local.run import run_metrics
from csinsights_local.serve import ReportWorker, start_server
from csinsights_local.server import local_stack
from csinsights_local.tokens import issue
from tests.builders import contact_received, contact_responded, order_placed

pytestmark = pytest.mark.e2e

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
EVENTS = [
    order_placed("o1", "2026-11-10T10:00:00Z", seller="S1", store="US"),
    contact_received("c1", "2026-11-11T10:00:00Z", order_id="o1", seller="S1", store="US"),
    contact_responded("c1", "2026-11-11T13:30:00Z", seller="S1", store="US"),
]
# How Powertools' page hands the document to Swagger UI.
EMBEDDED = re.compile(r"\bspec: (\{.*\}),\s*presets:", re.DOTALL)


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


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


@pytest.fixture(scope="module")
def page(api: str) -> tuple[str, dict[str, Any]]:
    """The Swagger UI page (no token needed) and the document embedded in it."""
    status, content_type, html = get(f"{api}/v1/docs")
    assert status == 200
    assert content_type.startswith("text/html")
    found = EMBEDDED.search(html)
    assert found, "no document in the page"
    return html, json.loads(found.group(1))


def test_the_page_serves_the_committed_document(api: str, page: tuple[str, dict[str, Any]]) -> None:
    _, spec = page
    assert spec == json.loads(COMMITTED.read_text())
    status, _, text = get(f"{api}/v1/docs?format=json")  # what the page loads again
    assert status == 200
    assert json.loads(text) == spec


def test_the_document_declares_the_bearer_scheme_and_the_server(
    page: tuple[str, dict[str, Any]],
) -> None:
    html, spec = page
    schemes = spec["components"]["securitySchemes"]
    assert [s for s in schemes.values() if s["type"] == "http" and s["scheme"] == "bearer"]
    assert spec["security"] == [{name: []} for name in schemes]
    assert [server["url"] for server in spec["servers"]] == ["/"]
    assert "persistAuthorization: true" in html
    error = spec["components"]["schemas"]["ApiError"]["properties"]["errors"]["anyOf"][0]
    assert error["items"] == {"$ref": "#/components/schemas/FieldError"}
    assert set(spec["components"]["schemas"]["FieldError"]["required"]) == {"field", "message"}


def test_try_it_out_reaches_the_api_with_a_csinsights_token(
    api: str, page: tuple[str, dict[str, Any]]
) -> None:
    _, spec = page
    # Swagger UI resolves the server's URL against the page's, then appends the path.
    server = urljoin(f"{api}/v1/docs", spec["servers"][0]["url"])
    path = "/v1/sellers/{seller_id}/metrics"
    assert path in spec["paths"]
    url = server.rstrip("/") + path.format(seller_id="S1")
    token = issue("S1")
    status, _, body = get(url, {"Authorization": f"Bearer {token}", "accept": "application/json"})
    assert status == 200, body
    assert json.loads(body)["seller_id"] == "S1"
    status, _, body = get(url, {"accept": "application/json"})
    assert status == 401
    assert json.loads(body)["code"] == "unauthorized"
