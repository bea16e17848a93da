"""Builders of API Gateway REST (v1 proxy) events, as the `live` stage with a Cognito user
pool authorizer hands them to the API function."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Mapping
from typing import Any

from tests.builders import (
    contact_received,
    contact_responded,
    no_response_needed,
    order_placed,
    survey_vote,
)

STAGE = "live"
API_ID = "a1b2c3d4e5"
ACCOUNT = "123456789012"
_requests = itertools.count(1)
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

QueryValue = str | list[str]


def seller_claims(seller_id: str, **extra: str) -> dict[str, str]:
    """What a Cognito user pool authorizer puts in the context for a seller's token."""
    return {
        "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"seller/{seller_id}")),
        "cognito:username": f"user-{seller_id.lower()}",
        "token_use": "id",
        "custom:seller_id": seller_id,
        **extra,
    }


def operator_claims() -> dict[str, str]:
    """An operator: no seller of its own, the operator role."""
    return {
        "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, "operator")),
        "cognito:username": "ops",
        "token_use": "id",
        "custom:role": "operator",
    }


def api_event(
    method: str,
    resource: str,
    path_parameters: Mapping[str, str] | None = None,
    query: Mapping[str, QueryValue] | None = None,
    *,
    claims: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    path: str | None = None,
    body: str | None = None,
) -> dict[str, Any]:
    """A REST API proxy event.

    `resource` is the route template (`/v1/sellers/{seller_id}/metrics`); the request path
    is that template filled with `path_parameters` unless `path` is given (for paths that
    match no route). `query` values may be a list: API Gateway keeps every value in
    `multiValueQueryStringParameters` and the last one in `queryStringParameters`.
    `claims=None` means no authorizer in the request context at all.
    """
    params = dict(path_parameters or {})
    if path is None:
        missing = set(_PARAM.findall(resource)) - set(params)
        if missing:
            raise ValueError(f"no value for path parameter(s) {sorted(missing)}")
        path = _PARAM.sub(lambda m: params[m.group(1)], resource)
    single: dict[str, str] | None = None
    multi: dict[str, list[str]] | None = None
    if query:
        multi = {k: list(v) if isinstance(v, list) else [v] for k, v in query.items()}
        single = {k: v[-1] for k, v in multi.items() if v}
    all_headers = {
        "Accept": "application/json",
        "Host": f"{API_ID}.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "tests",
        "X-Forwarded-Proto": "https",
        **({"Authorization": "Bearer token"} if claims is not None else {}),
        **(headers or {}),
    }
    request_id = f"req-{next(_requests)}"
    context: dict[str, Any] = {
        "accountId": ACCOUNT,
        "apiId": API_ID,
        "domainName": all_headers["Host"],
        "domainPrefix": API_ID,
        "extendedRequestId": request_id,
        "httpMethod": method.upper(),
        "identity": {"sourceIp": "203.0.113.7", "userAgent": "tests"},
        "path": f"/{STAGE}{path}",
        "protocol": "HTTP/1.1",
        "requestId": request_id,
        "requestTime": "20/Nov/2026:08:00:00 +0000",
        "requestTimeEpoch": 1795161600000,
        "resourceId": "abc123",
        "resourcePath": resource,
        "stage": STAGE,
    }
    if claims is not None:
        context["authorizer"] = {"claims": dict(claims)}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method.upper(),
        "headers": all_headers,
        "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
        "queryStringParameters": single,
        "multiValueQueryStringParameters": multi,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": False,
    }


def seed_events() -> list[dict[str, Any]]:
    """S1 in US and CA, S2 in US (all on 19 November): every API route has something to
    answer for S1, as of the end of 18 and of 19 November."""
    us = {"seller": "S1", "store": "US"}
    ca = {"seller": "S1", "store": "CA"}
    s2 = {"seller": "S2", "store": "US"}
    return [
        # S1 US: c1 answered in 3.5 h; c2 never answered: 36 h old as of T_PREV, 60 h
        # as of T (late only in the newer run); c3 needs no reply.
        order_placed("o1", "2026-11-10T08:00:00Z", "seller", **us),
        order_placed("o2", "2026-11-12T08:00:00Z", "marketplace", **us),
        contact_received("c1", "2026-11-11T09:00:00Z", "shipping", "o1", **us),
        contact_responded("c1", "2026-11-11T12:30:00Z", **us),
        contact_received("c2", "2026-11-17T12:00:00Z", "product_quality", "o2", **us),
        contact_received("c3", "2026-11-13T09:00:00Z", "pre_sale_question", **us),
        no_response_needed("c3", "2026-11-13T10:00:00Z", **us),
        survey_vote("o1", "2026-11-12T10:00:00Z", vote="no", **us),
        survey_vote("o2", "2026-11-13T10:00:00Z", rating=5, **us),
        # S1 CA: one contact answered after 30 h, a dissatisfied rating.
        order_placed("o1", "2026-11-14T08:00:00Z", "seller", **ca),
        contact_received("c1", "2026-11-15T09:00:00Z", "customer_service", "o1", **ca),
        contact_responded("c1", "2026-11-16T15:00:00Z", **ca),
        survey_vote("o1", "2026-11-17T10:00:00Z", rating=2, **ca),
        # S2 US: everything on 19 November.
        order_placed("o9", "2026-11-19T01:00:00Z", "seller", **s2),
        contact_received("c9", "2026-11-19T02:00:00Z", "shipping", "o9", **s2),
        contact_responded("c9", "2026-11-19T03:00:00Z", **s2),
        survey_vote("o9", "2026-11-19T05:00:00Z", vote="yes", **s2),
    ]
