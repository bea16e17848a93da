"""API fuzzing: schemathesis generates requests from the committed OpenAPI document
(`docs/openapi.json`) and sends them over HTTP to `csinsights serve`, seeded with an
archive. No answer may be a server error; every answer must be a status the operation
documents, with the documented content type and a body its schema accepts; requests the
document calls invalid must be refused with a 4xx, requests it calls valid must not be.

Two callers: a seller, whose own seller id and report go into every path (so the fuzzed
parameters reach its data), and an operator, who may name any seller and report (so
arbitrary ids reach the lookups). Each runs every operation; `tally` counts what was sent."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import CheckContext
from schemathesis.config import ChecksConfig
from schemathesis.core.transport import Response
from schemathesis.schemas import BaseSchema
from schemathesis.specs.openapi.checks import positive_data_acceptance

from csinsights.queries import EARLIEST_AS_OF, MAX_HISTORY_DAYS
from csinsights_local.serve import MAX_PAYLOAD_BYTES, start_server
from csinsights_local.stack import Deployment
from csinsights_local.tokens import issue
from tests.api_events import seed_events
from tests.profiles import examples

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "openapi.json"
COMMAND = Path(sys.executable).parent / "csinsights"
AS_OF = "2026-11-19"
SELLER = "S1"
REPORT = "20261119-insights"  # the run's report for SELLER: ready, in every format
# What API Gateway's Cognito authorizer answers, itself, to a request without a valid
# token (the function never runs): the template's UNAUTHORIZED gateway response, in the
# documented error shape; `csinsights serve` answers the same.
AUTHORIZER_REFUSAL = (
    401,
    {"code": "unauthorized", "message": "a valid bearer token is required"},
)
REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]


def token(*args: str) -> str:
    """A bearer token from `csinsights token`, as a developer gets one."""
    done = subprocess.run(
        [str(COMMAND), "token", *args], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`csinsights serve` on a free port, seeded with the archive as of the end of AS_OF."""
    events = tmp_path_factory.mktemp("fuzz") / "events.jsonl"
    events.write_text("".join(json.dumps(e) + "\n" for e in seed_events()))
    process = subprocess.Popen(
        [str(COMMAND), "serve", "--events", str(events), "--as-of", AS_OF],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        assert first.startswith("Serving on http://127.0.0.1:"), first
        yield first.removeprefix("Serving on ")
    finally:
        process.terminate()
        process.wait(timeout=60)  # its workers end their invocations first


def _schema(url: str, bearer: str, parameters: dict[str, Any] | None = None) -> BaseSchema:
    """The committed document (not the one the server would serve), aimed at `url`."""
    schema = schemathesis.openapi.from_path(DOCUMENT)
    schema.config.update(
        base_url=url, headers={"Authorization": f"Bearer {bearer}"}, parameters=parameters
    )
    schema.config.generation.update(max_examples=examples(ci=40, soak=1000))
    # A schema-violating request must be refused with a 4xx: schemathesis' list, less its
    # 5xx (a server error is no refusal), plus the 413 this API documents for a body over
    # its size limit.
    schema.config.checks = ChecksConfig.from_dict(
        {"negative_data_rejection": {"expected-statuses": REFUSALS}}
    )
    return schema


@pytest.fixture(scope="module")
def seller_schema(served: str) -> BaseSchema:
    return _schema(served, token(SELLER), {"seller_id": SELLER, "report_id": REPORT})


@pytest.fixture(scope="module")
def operator_schema(served: str) -> BaseSchema:
    return _schema(served, token("--operator"))


# ---------------------------------------------------------------- checks


def _day(text: Any) -> date | None:
    try:
        return date.fromisoformat(text) if isinstance(text, str) and len(text) == 10 else None
    except ValueError:
        return None


def _breaks_unstated_rule(case: Case, field: str) -> bool:
    """Whether the request breaks a rule about `field` that OpenAPI cannot state, so a
    schema-valid request is rightly refused: a date must be a real calendar day (the
    document gives its shape), `from` must not be after `to`, a history spans at most
    MAX_HISTORY_DAYS days, and an `as_of` ends no later than the last complete day (and, for
    overdue contacts, not before 2000-01-01); a `cursor` is one a listing gave (the
    description says so; a made-up one that happens to name a report is answered)."""
    query = case.query or {}
    if field == "cursor":
        return True
    if field == "as_of":
        text = str(query.get("as_of", ""))
        day = _day(text[:10])
        if day is None or ("T" in text and day == date.min):
            return True
        # A midnight is the end of the day before it; the overdue contacts as of a day
        # after the last complete one would be a guess (the metrics answer 404 instead).
        ends = day - timedelta(days=1) if "T" in text else day
        # Nor is a day before any marketplace event (its 90 days back would leave the
        # calendar): the description says so, the schema's pattern cannot.
        return ends >= datetime.now(UTC).date() or ends < EARLIEST_AS_OF
    if field in ("from", "to"):
        first, last = _day(query.get("from")), _day(query.get("to"))
        if first is None or last is None:
            return True
        return last < first or (last - first).days >= MAX_HISTORY_DAYS
    return False


def schema_valid_requests_are_accepted(
    ctx: CheckContext, response: Response, case: Case
) -> bool | None:
    """schemathesis' `positive_data_acceptance`: a schema-valid request is answered, not
    refused; the one exception is a 400/422 naming each field, of a request that breaks a
    rule the document cannot state, and does break it."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return None
    if response.status_code in (401, 403, 404) or response.status_code < 400:
        return None  # no identity, or nothing there for this caller: answers, not refusals
    if response.status_code == 429 and response.json().get("code") == "quota_exceeded":
        return None  # fair use: the seller's report requests of the day are used up
    assert response.status_code in (400, 422), (
        f"schema-valid request refused with {response.status_code}: {response.text}"
    )
    errors = response.json().get("errors") or []
    fields = [str(e.get("field")) for e in errors]
    refused = [f for f in fields if not _breaks_unstated_rule(case, f)]
    assert fields, f"schema-valid request refused without naming a field: {response.text}"
    assert not refused, f"schema-valid request refused on {refused}: {response.text}"
    return None


def exercise(case: Case, tally: Counter[str]) -> None:
    sent_token = case.operation.schema.config.headers_for(operation=case.operation)
    tally["fuzzed API requests"] += 1
    response = case.call()
    if response.status_code >= 500:
        tally["fuzzed API 5xx"] += 1
    if response.request.headers.get("Authorization") != sent_token["Authorization"]:
        # schemathesis left the token out or replaced it (the coverage phase does)
        assert (response.status_code, response.json()) == AUTHORIZER_REFUSAL
        tally["fuzzed API requests refused by the authorizer"] += 1
        return
    case.validate_response(
        response,
        excluded_checks=[positive_data_acceptance],
        additional_checks=[schema_valid_requests_are_accepted],
    )
    tally[f"fuzzed API {response.status_code // 100}xx"] += 1


# ---------------------------------------------------------------- the tests

as_seller = schemathesis.pytest.from_fixture("seller_schema")
as_operator = schemathesis.pytest.from_fixture("operator_schema")
# `tally` is function-scoped on purpose: it accumulates over every generated example.
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@as_seller.parametrize()
@FUZZ
def test_a_sellers_requests_get_documented_answers(case: Case, tally: Counter[str]) -> None:
    exercise(case, tally)


@as_operator.parametrize()
@FUZZ
def test_an_operators_requests_get_documented_answers(case: Case, tally: Counter[str]) -> None:
    exercise(case, tally)


# ---------------------------------------------------------------- the local gateway
# What the fuzzer meets before (or instead of) the function, as API Gateway answers it.


class FailingFunction(Deployment):
    """A deployment whose API function fails on every invocation."""

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        raise RuntimeError(f"{function} failed")


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    server, url = start_server(
        FailingFunction(outputs={}, resources={}, function_environments={"ApiFunction": {}})
    )
    try:
        yield url
    finally:
        server.shutdown()


def send(
    url: str, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request(
            method, path, headers={"Authorization": f"Bearer {issue(SELLER)}", **(headers or {})}
        )
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/v1/sellers/S1/metrics"),
        ("DELETE", "/v1/sellers/S1/reports/20261119-insights"),
        ("PATCH", "/v1/sellers/S1/reports"),
        ("TRACE", "/v1/stores/US/benchmarks"),
        ("OPTIONS", "/v1/sellers/S1/contacts/overdue"),
        ("POST", "/v1/sellers/S1/metrics"),
        ("GET", "/v1/nothing"),
        ("GET", "/v1/sellers//metrics"),
        ("GET", "/v1/sellers/S1/metrics/history/extra"),
    ],
)
def test_an_undeclared_method_or_path_is_refused_before_the_function(
    gateway: str, method: str, path: str
) -> None:
    status, body = send(gateway, method, path)
    assert (status, json.loads(body)) == (
        403,
        {"code": "no_such_route", "message": "no such method or path"},
    )


def test_head_is_refused_without_a_body(gateway: str) -> None:
    assert send(gateway, "HEAD", "/v1/sellers/S1/metrics") == (403, b"")


def test_a_function_error_is_a_502(gateway: str) -> None:
    status, body = send(gateway, "GET", "/v1/sellers/S1/metrics")
    assert (status, json.loads(body)) == (
        502,
        {"code": "internal_error", "message": "internal error, retry shortly"},
    )


def test_a_body_over_the_gateway_limit_is_413_unread(gateway: str) -> None:
    length = {"Content-Length": str(MAX_PAYLOAD_BYTES + 1), "Content-Type": "application/json"}
    status, body = send(gateway, "POST", "/v1/sellers/S1/reports", length)
    assert (status, json.loads(body)) == (
        413,
        {"code": "payload_too_large", "message": "request too large"},
    )
