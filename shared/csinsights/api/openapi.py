"""What the OpenAPI document says beside the routes: one definition for the committed
docs/openapi.json and the Swagger UI at /v1/docs, so the page describes the document and
its "Try it out" sends what the API accepts (the token as a bearer token)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, Server, Tag

DOCS_PATH = "/v1/docs"
SCHEME = "BearerToken"

DOCUMENT: dict[str, Any] = {
    "title": "Customer Service Insights API",
    "version": "1.0.0",
    "description": "Metrics lookups, trends, store benchmarks and report downloads. "
    "Every route needs a Cognito token; a seller reads only its own data.",
    "servers": [
        # Relative: the API of the host serving the document (the Swagger UI is served by
        # the local server, `csinsights serve` or `make demo`, at the API's root).
        Server(url="/", description="the API serving this document")
    ],
    "tags": [
        Tag(name="metrics", description="a seller's metrics documents and their daily history"),
        Tag(name="stores", description="a store's average and top performers"),
        Tag(name="contacts", description="contacts to answer before they are late"),
        Tag(name="reports", description="reports to request, list and download"),
    ],
    "security_schemes": {
        SCHEME: HTTPBearer(
            bearerFormat="JWT",
            description="A Cognito user-pool ID token (claims custom:seller_id, custom:role), "
            "sent as `Authorization: Bearer <token>`; locally, one from "
            "`csinsights token SELLER_ID`.",
        )
    },
    "security": [{SCHEME: []}],
}
"""Keyword arguments of Powertools' `get_openapi_json_schema` and `enable_swagger`."""
