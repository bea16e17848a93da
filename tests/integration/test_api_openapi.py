"""The OpenAPI document: committed and current, every route and parameter in it, the
error body it documents is the one served, every schema in it one an answer refers to, and
the Swagger UI serves the same document."""

from __future__ import annotations

import json
import re
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from csinsights.api.openapi import DOCUMENT
from csinsights_local.openapi import render, serve_docs
from csinsights_local.template import load_sam_template
from tests.integration.api_client import (
    BENCHMARKS,
    HISTORY,
    METRICS_ROUTE,
    OVERDUE,
    REPORT,
    REPORTS,
    ROOT,
    S1,
    Api,
    openapi,
)


def test_report_request_status_is_documented() -> None:
    responses = openapi()["paths"][REPORTS]["post"]["responses"]
    assert "202" in responses
    assert "Location" in responses["202"]["headers"]


def test_every_operation_has_a_short_stable_name_for_generated_clients() -> None:
    """A client generated from the document names its methods after `operationId`
    (`get_metrics`, not `get_metrics_v1_sellers_seller_id_metrics_get`)."""
    names = {
        (path, method): operation["operationId"]
        for path, methods in openapi()["paths"].items()
        for method, operation in methods.items()
    }
    assert names == {
        (METRICS_ROUTE, "get"): "getMetrics",
        (HISTORY, "get"): "getMetricsHistory",
        (BENCHMARKS, "get"): "getStoreBenchmarks",
        (OVERDUE, "get"): "listOverdueContacts",
        (REPORTS, "get"): "listReports",
        (REPORTS, "post"): "requestReport",
        (REPORT, "get"): "getReport",
    }


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


def schema_refs(value: Any) -> set[str]:
    """The component schemas `value` names in a `$ref`, at any depth."""
    prefix = "#/components/schemas/"
    if isinstance(value, dict):
        found = (
            {value["$ref"][len(prefix) :]} if str(value.get("$ref")).startswith(prefix) else set()
        )
        return found.union(*(schema_refs(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(schema_refs(v) for v in value))
    return set()


def assert_every_schema_is_referenced(document: dict[str, Any]) -> None:
    """Every component schema is reached from outside the schemas (an operation's
    parameters, body or answers), directly or through schemas reached; and no answer is
    documented with Powertools' validation error body, which the API never sends (its 422
    is the API's own error body)."""
    schemas = document["components"]["schemas"]
    reached = schema_refs({k: v for k, v in document.items() if k != "components"})
    while grown := set().union(*(schema_refs(schemas[n]) for n in reached)) - reached:
        reached |= grown
    assert reached == set(schemas), set(schemas) - reached
    assert "HTTPValidationError" not in schemas
    for operations in document["paths"].values():
        for operation in operations.values():
            assert "HTTPValidationError" not in schema_refs(operation["responses"])


def test_every_schema_of_the_document_is_one_an_answer_refers_to() -> None:
    assert_every_schema_is_referenced(openapi())
    assert_every_schema_is_referenced(json.loads((ROOT / "docs" / "openapi.json").read_text()))
    # What Powertools generates adds its validation error body, which no answer refers to.
    from functions.api.app import app

    generated = APIGatewayRestResolver.get_openapi_schema(app, **DOCUMENT)
    assert generated.components is not None and generated.components.schemas is not None
    assert set(generated.components.schemas) - set(openapi()["components"]["schemas"]) == {
        "HTTPValidationError"
    }


def test_swagger_serves_the_same_document(api: Api) -> None:
    with api.stack.environment_of("ApiFunction"):
        serve_docs()  # as `csinsights serve` does
    status, payload = api.call(
        "GET", "/v1/docs", query={"format": "json"}, path="/v1/docs", claims=S1
    )
    assert status == 200
    assert payload == openapi() == json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert_every_schema_is_referenced(payload)
