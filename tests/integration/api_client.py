"""What the API tests share: the routes, the seeded marketplace's ids and days, a client
that calls the real handler on the deployed template (moto) and checks each answer against
the OpenAPI document, and the check of a pre-signed report link.

The seeded stack (`seeded`, the `api` fixture of tests/integration/conftest.py), one per
module: sellers S1 (stores US, CA) and S2 (US), computed as of 2026-11-20T00:00:00Z and as
of 2026-11-19T00:00:00Z (two days of snapshots and reports). S2's events all happen on 19
November, so S2 has nothing as of 2026-11-19T00:00:00Z: the older report exists for S1
only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from jsonschema import Draft202012Validator
from moto import mock_aws

from csinsights.config import Settings
from csinsights.domain.run import Snapshot
from csinsights.store.quota import QuotaStore
from csinsights.store.read import ReadStore
from csinsights.store.reports import ReportsStore
from csinsights_local.openapi import render
from csinsights_local.pipeline import ingest_direct
from csinsights_local.run import run_metrics
from csinsights_local.stack import Deployment, deploy
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


def seeded(environment: dict[str, str] | None = None) -> Iterator[Api]:
    """The seed events ingested and the runs as of T and T_PREV done, with `environment`
    given to the functions for the runs, as a template parameter would."""
    with mock_aws():
        stack = deploy()
        events = seed_events()
        summary = ingest_direct(stack, events)
        assert (summary.accepted, summary.rejected) == (len(events), 0)
        saved = {name: dict(env) for name, env in stack.function_environments.items()}
        for env in stack.function_environments.values():
            env.update(environment or {})
        run_metrics(stack, T)
        run_metrics(stack, T_PREV)
        stack.function_environments.update(saved)
        yield Api(stack)


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

    @property
    def quota(self) -> QuotaStore:
        return QuotaStore(settings=self.settings)

    def snapshot(self, seller: str, day: date) -> Snapshot:
        found = self.read.snapshot(seller, day)
        assert found is not None
        return found

    @property
    def bucket(self) -> str:
        return self.stack.outputs["ReportsBucketName"]


def presigned(api: Api, url: str) -> tuple[str, dict[str, str]]:
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
